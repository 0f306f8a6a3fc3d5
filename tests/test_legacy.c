/* test_legacy.c: weight files from before layers were named by their
 * content.  Versions 1 and 2 named layers by kind and position (dense1,
 * dense2); today regression_houses's layers are dense16 and dense1.  An
 * old file must still load (eval, and init= transfers) through the
 * model's legacy names, and only an old file may use them. */
#include <zlib.h>

#include "trainer_util.h"

static void tmp_path(char *out, size_t len, const char *name)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/legacy", tmp_dir());
    ck_assert_int_eq(system(cmd), 0);
    snprintf(out, len, "%s/legacy/%s", tmp_dir(), name);
}

/* The trainer of examples/regression_houses.nn (data in the tree, read
 * from the top of it), built once per run of the suite. */
static const char *houses(void)
{
    static char exe[512];
    if (!exe[0]) {
        tmp_path(exe, sizeof exe, "houses");
        build_trainer("examples/regression_houses.nn", exe);
    }
    return exe;
}

static int run_in_tree(const char *exe, const char *args, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "env -u NNC_DATA %.1024s %.1900s", exe, args);
    return run_cmd(cmd, out);
}

/* The houses model's fresh weights, as this trainer writes them (version
 * 3), in $NNC_TMP/legacy/name; their bytes in *bytes. */
static void fresh_weights(char *path, size_t len, const char *name, unsigned char **bytes,
                          size_t *n)
{
    char args[2048], *out;
    tmp_path(path, len, name);
    snprintf(args, sizeof args, "steps 0 --weights-out %s", path);
    int status = run_in_tree(houses(), args, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    *n = file_size(path);
    *bytes = (unsigned char *)slurp(path);
    ck_assert_uint_eq((*bytes)[4], 3);
}

/* The file as a version 2 trainer wrote the same weights: dense 16 was
 * dense1, the output dense 1 was dense2 (renamed in that order, so that
 * no name is taken twice), and the checksum of the new bytes. */
static size_t as_version_2(unsigned char **w, size_t len)
{
    (*w)[4] = 2;
    len = rename_tensor(w, len, "dense1.w", "dense2.w");
    len = rename_tensor(w, len, "dense1.b", "dense2.b");
    len = rename_tensor(w, len, "dense16.w", "dense1.w");
    len = rename_tensor(w, len, "dense16.b", "dense1.b");
    uint32_t crc = (uint32_t)crc32(0, *w, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        (*w)[len - 4 + (size_t)i] = (unsigned char)(crc >> 8 * i);
    return len;
}

static char *eval_with(const char *weights, int want_status)
{
    char args[2048], *out;
    snprintf(args, sizeof args, "eval --weights %s", weights);
    int status = run_in_tree(houses(), args, &out);
    ck_assert_msg(status == want_status, "%d:\n%s", status, out);
    return out;
}

START_TEST(a_version_2_file_loads_by_the_old_names)
{
    char now[1024], old[1024];
    unsigned char *w;
    size_t len;
    fresh_weights(now, sizeof now, "now.weights", &w, &len);
    tmp_path(old, sizeof old, "old.weights");
    len = as_version_2(&w, len);
    write_bytes(old, w, len);
    /* the same weights, so the same test loss to the last digit */
    char *a = eval_with(now, 0), *b = eval_with(old, 0);
    const char *la = strstr(a, "test: loss "), *lb = strstr(b, "test: loss ");
    ck_assert_msg(la && lb, "%s\n---\n%s", a, b);
    ck_assert_str_eq(la, lb);
    free(a);
    free(b);
    free(w);
}
END_TEST

START_TEST(only_an_old_file_goes_by_the_old_names)
{
    char path[1024], want[2048];
    unsigned char *w;
    size_t len;
    /* today's names in a file that says version 2 */
    fresh_weights(path, sizeof path, "mixed.weights", &w, &len);
    w[4] = 2;
    uint32_t crc = (uint32_t)crc32(0, w, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        w[len - 4 + (size_t)i] = (unsigned char)(crc >> 8 * i);
    write_bytes(path, w, len);
    char *out = eval_with(path, 1);
    snprintf(want, sizeof want, "regression_houses: error: %s: byte 12: tensor 1 is "
                                "'dense16.w'; the model's is 'dense1.w'\n", path);
    ck_assert_msg(strstr(out, want), "'%s' not in:\n%s", want, out);
    free(out);
    free(w);

    /* the old names in a file that says version 3 */
    fresh_weights(path, sizeof path, "mixed.weights", &w, &len);
    len = as_version_2(&w, len);
    w[4] = 3;
    crc = (uint32_t)crc32(0, w, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        w[len - 4 + (size_t)i] = (unsigned char)(crc >> 8 * i);
    write_bytes(path, w, len);
    out = eval_with(path, 1);
    snprintf(want, sizeof want, "regression_houses: error: %s: byte 12: tensor 1 is "
                                "'dense1.w'; the model's is 'dense16.w'\n", path);
    ck_assert_msg(strstr(out, want), "'%s' not in:\n%s", want, out);
    free(out);
    free(w);
}
END_TEST

/* init="old.weights" on dense 16: its tensors come from the file's
 * dense1, as they always did (values no initializer makes: 0.25) */
START_TEST(a_transfer_from_a_version_2_file)
{
    char now[1024], old[1024], nn[512], exe[512], out_path[1024], args[2048], *out;
    unsigned char *w;
    size_t len;
    /* dense16.w's 3 x 16 values and dense16.b's 16 follow the 12-byte
     * header and their own headers (4 + 9 + 4 + 8, 4 + 9 + 4 + 4 bytes) */
    const size_t w_at = 12 + 4 + 9 + 4 + 8, b_at = w_at + 4 * 48 + 4 + 9 + 4 + 4;
    const unsigned char quarter[4] = { 0x00, 0x00, 0x80, 0x3e };   /* 0.25f */
    fresh_weights(now, sizeof now, "base.weights", &w, &len);
    for (size_t k = 0; k < 48; k++)
        memcpy(w + w_at + 4 * k, quarter, 4);
    for (size_t k = 0; k < 16; k++)
        memcpy(w + b_at + 4 * k, quarter, 4);
    tmp_path(old, sizeof old, "base_v2.weights");
    len = as_version_2(&w, len);
    write_bytes(old, w, len);
    free(w);

    /* examples/regression_houses.nn, its first layer from the old file */
    char text[4096];
    snprintf(text, sizeof text,
             "model regression_houses\n"
             "data {\n"
             "    train {\n        csv \"examples/data/houses_train.csv\"\n    }\n"
             "    test {\n        csv \"examples/data/houses_test.csv\"\n    }\n"
             "    inputs  area rooms age\n"
             "    targets price\n"
             "    validation 20%%\n"
             "}\n"
             "network {\n"
             "    input 3\n"
             "    dense 16 relu init=\"base_v2.weights\"\n"   /* beside this .nn */
             "    dense 1\n"
             "}\n"
             "train {\n"
             "    loss      mse\n"
             "    optimizer adam lr=0.01\n"
             "    batch     32\n"
             "    epochs    30\n"
             "    seed      1\n"
             "}\n");
    tmp_path(nn, sizeof nn, "from_old.nn");
    write_text(nn, text);
    tmp_path(exe, sizeof exe, "from_old");
    build_trainer(nn, exe);
    tmp_path(out_path, sizeof out_path, "from_old.weights");
    snprintf(args, sizeof args, "steps 0 --weights-out %s", out_path);
    int status = run_in_tree(exe, args, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);

    ck_assert_uint_eq(file_size(out_path), file_size(now));
    unsigned char *got = (unsigned char *)slurp(out_path);
    for (size_t k = 0; k < 48; k++)
        ck_assert_msg(memcmp(got + w_at + 4 * k, quarter, 4) == 0, "dense16.w[%zu]", k);
    for (size_t k = 0; k < 16; k++)
        ck_assert_msg(memcmp(got + b_at + 4 * k, quarter, 4) == 0, "dense16.b[%zu]", k);
    free(got);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("legacy");
    TCase *tc = tcase_create("weights");
    tcase_set_timeout(tc, 300);   /* builds trainers */
    tcase_add_test(tc, a_version_2_file_loads_by_the_old_names);
    tcase_add_test(tc, only_an_old_file_goes_by_the_old_names);
    tcase_add_test(tc, a_transfer_from_a_version_2_file);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
