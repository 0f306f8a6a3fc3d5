/* test_export_weights.c: `OUT export-weights --npz FILE` (npz.c).  The
 * archive is read here as any unzip reads it, through its central
 * directory: one stored NAME.npy a tensor, in the weights file's order,
 * each a NumPy 1.0 header of '<f4' with the tensor's shape, then exactly
 * the weights file's bytes.  Where Debian's python3-numpy and
 * python3-torch are (make bench installs them), numpy loads the file and
 * scripts/load_in_pytorch.py rebuilds the network in PyTorch and agrees
 * with the trainer's predictions; elsewhere that part says it is skipped. */
#define SUITE_DIR "export_weights"
#include "nnrt_internal.h"
#include "trainer_util.h"

static uint32_t u32(const unsigned char *b)
{
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static unsigned u16(const unsigned char *b) { return b[0] | (unsigned)b[1] << 8; }

/* build NAME, 3 steps of training into DIR/weights, DIR/w.npz */
static void trained(const char *name, char *dir, size_t len)
{
    char nn[256], exe[700], cmd[2000], *out;
    snprintf(dir, len, "%s/%s", fixture_dir(), name);
    fresh_dir("%s", dir);
    snprintf(nn, sizeof nn, "examples/%s.nn", name);
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build_trainer(nn, exe);
    snprintf(cmd, sizeof cmd, "%s steps 3 --batch 16 --weights-out %s/weights >/dev/null && "
             "%s export-weights --npz %s/w.npz --weights %s/weights", exe, dir, exe, dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "wrote"), "%s:\n%s", cmd, out);
    free(out);
}

static const char *const MODELS[] = { "fashion_mlp", "fashion_cnn_small", "text_lstm" };

START_TEST(the_npz_holds_the_weights_exactly)
{
    char dir[600], path[700];
    trained(MODELS[_i], dir, sizeof dir);
    snprintf(path, sizeof path, "%s/w.npz", dir);
    size_t len;
    unsigned char *z = (unsigned char *)slurp_len(path, &len);
    ck_assert_uint_ge(len, 22);
    const unsigned char *end = z + len - 22;
    ck_assert_uint_eq(u32(end), 0x06054b50u);
    unsigned entries = u16(end + 10);
    const unsigned char *c = z + u32(end + 16);

    snprintf(path, sizeof path, "%s/weights", dir);
    nnrt_weights_file w;
    nnrt_error err;
    ck_assert_int_eq(nnrt_weights_open(&w, path, NULL, &err), 0);
    ck_assert_uint_eq(entries, w.count);
    for (unsigned i = 0; i < entries; i++) {
        nnrt_weights_tensor t;
        nnrt_weights_header(&w, &t);
        nnrt_weights_values(&w, &t);
        ck_assert_uint_eq(u32(c), 0x02014b50u);
        unsigned name_len = u16(c + 28), extra = u16(c + 30), comment = u16(c + 32);
        char name[300], want[300];
        snprintf(name, sizeof name, "%.*s", (int)name_len, (const char *)c + 46);
        snprintf(want, sizeof want, "%.*s.npy", (int)t.name_len, t.name);
        ck_assert_str_eq(name, want);
        ck_assert_uint_eq(u16(c + 10), 0);   /* stored */
        const unsigned char *local = z + u32(c + 42);
        ck_assert_uint_eq(u32(local), 0x04034b50u);
        const unsigned char *npy = local + 30 + u16(local + 26) + u16(local + 28);
        ck_assert(memcmp(npy, "\x93NUMPY\x01\x00", 8) == 0);
        unsigned head = 10 + u16(npy + 8);
        ck_assert_uint_eq(head % 64, 0);
        char dict[256], shape[96] = "";
        snprintf(dict, sizeof dict, "%.*s", (int)(head - 10), (const char *)npy + 10);
        for (uint32_t d = 0, used = 0; d < t.ndims; d++)
            used += (uint32_t)snprintf(shape + used, sizeof shape - used, "%s%u%s", "",
                                       t.dims[d], t.ndims == 1 ? "," : d + 1 < t.ndims ? ", " : "");
        char want_dict[200];
        snprintf(want_dict, sizeof want_dict, "{'descr': '<f4', 'fortran_order': False, "
                 "'shape': (%s), }", shape);
        ck_assert_msg(strncmp(dict, want_dict, strlen(want_dict)) == 0, "%s: %s", name, dict);
        ck_assert_uint_eq(u32(c + 20), head + 4 * t.size);
        ck_assert(memcmp(npy + head, t.values, 4 * t.size) == 0);
        c += 46 + name_len + extra + comment;
    }
    ck_assert_int_eq(nnrt_weights_end(&w), 0);
    nnrt_weights_close(&w);
    free(z);
}
END_TEST

static int have_python(const char *modules)
{
    char cmd[300], *out;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import %s'", modules);
    int status = run_cmd(cmd, &out);
    free(out);
    return status == 0;
}

/* load_in_pytorch.py --check on NAME (noinline: GCC 12 sees a dangling
 * pointer through run_cmd's output where there is none) */
__attribute__((noinline)) static void torch_check(const char *name)
{
    char dir[600], cmd[3000], *out;
    trained(name, dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 scripts/load_in_pytorch.py examples/%s.nn "
             "%s/w.npz --check %s/trainer --weights %s/weights", name, dir, dir, dir);
    int status = run_cmd(cmd, &out);
    char said[4096];
    snprintf(said, sizeof said, "%s", out);
    free(out);
    ck_assert_msg(status == 0 && strstr(said, "argmax the same"), "%s:\n%s", cmd, said);
    printf("%s: %s", name, strstr(said, "200 test samples"));
}

START_TEST(numpy_and_pytorch_take_it)
{
    if (!have_python("numpy, torch")) {
        printf("export_weights: numpy or torch missing for /usr/bin/python3 (make bench installs "
               "them): the PyTorch check is skipped\n");
        return;
    }
    torch_check("fashion_mlp");
    torch_check("fashion_cnn_small");
}
END_TEST

START_TEST(export_weights_says_what_is_wrong)
{
    char dir[600], cmd[2000], *out;
    snprintf(dir, sizeof dir, "%s/errors", fixture_dir());
    fresh_dir("%s", dir);
    char exe[700];
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s export-weights --weights %s/none", exe, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "export-weights needs --npz FILE.npz"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s export-weights --npz %s/w.npz --weights %s/none", exe, dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "none"), "%s", out);
    free(out);
    char npz[700];
    snprintf(npz, sizeof npz, "%s/w.npz", dir);
    ck_assert(!path_exists(npz));   /* nothing written for a failed export */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("export_weights");
    TCase *tc = tcase_create("export_weights");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, the_npz_holds_the_weights_exactly, 0,
                        sizeof MODELS / sizeof MODELS[0]);
    tcase_add_test(tc, numpy_and_pytorch_take_it);
    tcase_add_test(tc, export_weights_says_what_is_wrong);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
