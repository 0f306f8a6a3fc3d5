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

/* A large sample: 256 rows of it, the usual chunk evaluation runs in,
 * pass what int indexes (2^31 values), a batch of 64 does not.  nnc
 * evaluates fewer rows at a time, never cuts the batch, and the trainer
 * builds (its array sizes are int constant expressions: -Werror=overflow
 * fails the build past 2^31). */
static const char LARGE_SAMPLE[] =
    MODEL_HEAD
    "network {\n"
    "    input 9000000\n"
    "    dense 8 relu\n"
    "    dense 10 softmax\n"
    "}\n"
    MODEL_TRAIN_BATCH(64);

START_TEST(large_samples_evaluate_fewer_rows)
{
    Arena a = { 0 };
    Ir *ir = NULL;
    char *diags = diagnose_in(&a, LARGE_SAMPLE, &ir, NULL);
    ck_assert_ptr_nonnull(ir);
    ck_assert_int_eq(ir->model->batch, 64);
    ck_assert_int_eq(ir->max_batch, 2147479551L / 9000000);   /* 238 */
    free(diags);
    arena_free(&a);
#ifdef __SANITIZE_ADDRESS__
    return;   /* the plain build compiles it; the sanitized one, slowly */
#endif
    char nn[1024], exe[1024];
    snprintf(nn, sizeof nn, "%s/large_sample.nn", tmp_dir());
    snprintf(exe, sizeof exe, "%s/large_sample", tmp_dir());
    FILE *f = fopen(nn, "w");
    ck_assert_ptr_nonnull(f);
    fputs(LARGE_SAMPLE, f);
    ck_assert_int_eq(fclose(f), 0);
    setenv("NNC_CFLAGS", "-O0", 1);
    build_trainer(nn, exe);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("footprint");
    TCase *tc = tcase_create("footprint");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, count_matches_the_linker, 0, (int)(sizeof MODELS / sizeof MODELS[0]));
    tcase_add_test(tc, large_samples_evaluate_fewer_rows);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
