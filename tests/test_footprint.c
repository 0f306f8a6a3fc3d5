/* test_footprint.c: nnc counts a trainer's static data as the linker does.
 *
 * ir_static_bytes (footprint.c) decides whether a model is refused as too
 * large for x86-64 to link (test_diagnostics.c: static_buffers_too_large).
 * It counts the arrays the emitter declares static, the parameters and
 * batchnorm's state (what is per replica is on the heap: nnrt.h,
 * nnrt_replica); here, for models that between them have every kind
 * (conv2d, batchnorm trained and frozen, dense), the count must match the
 * .bss of the trainer nnc builds, up to the runtime's own few bytes. */
#include "test_util.h"
#include "trainer_util.h"

/* What the runtime and the C library keep in .bss beside the model's
 * arrays: a few hundred bytes today. */
enum { RUNTIME_BSS_BYTES = 64 * 1024 };

static const char *const MODELS[] = {
    "examples/fashion_cnn.nn",        /* conv2d */
    "examples/transfer_base.nn",      /* batchnorm, trained */
    "examples/transfer_frozen.nn",    /* frozen conv2d and batchnorm */
    "examples/regression_houses.nn",
    "examples/fashion_mlp.nn",
};

static double counted_bytes(const char *path)
{
    Arena a = { 0 };
    Source src;
    ck_assert_int_eq(source_read(&a, path, &src), 0);
    Diag d;
    diag_init(&d, &src, stderr);
    Ir *ir = compile_source(&a, &src, &d, NULL);
    ck_assert_ptr_nonnull(ir);
    double bytes = ir_static_bytes(ir);
    arena_free(&a);
    return bytes;
}

/* The .bss of exe, as binutils' size reads it */
static double bss_bytes(const char *exe)
{
    char cmd[1200], *out;
    snprintf(cmd, sizeof cmd, "size %s | tail -n 1", exe);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    double text, data, bss;
    ck_assert_msg(sscanf(out, "%lf %lf %lf", &text, &data, &bss) == 3, "size said: %s", out);
    free(out);
    return bss;
}

START_TEST(count_matches_the_linker)
{
#ifdef __SANITIZE_ADDRESS__
    /* ASan pads every array with redzones: its .bss is no count of the
     * model's arrays (the plain build checks them) */
    return;
#endif
    const char *nn = MODELS[_i];
    char exe[1024];
    snprintf(exe, sizeof exe, "%s/footprint_%d", tmp_dir(), _i);
    setenv("NNC_CFLAGS", "-O0", 1);   /* the arrays are the same; the build is faster */
    build_trainer(nn, exe);
    double counted = counted_bytes(nn), linked = bss_bytes(exe);
    ck_assert_msg(linked >= counted && linked - counted < RUNTIME_BSS_BYTES,
                  "%s: nnc counts %.0f bytes of static data, the linker placed %.0f", nn, counted,
                  linked);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("footprint");
    TCase *tc = tcase_create("footprint");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, count_matches_the_linker, 0, (int)(sizeof MODELS / sizeof MODELS[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
