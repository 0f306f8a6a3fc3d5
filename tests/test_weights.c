/* test_weights.c: weight files (weights_file.c, docs/weights.md) of the
 * tiny model: a byte-exact round trip, every load error to the letter
 * with its byte offset and nothing loaded, a save that fails leaving the
 * old file whole. */
#include <signal.h>
#include <sys/resource.h>
#include <zlib.h>

#define SUITE_DIR "weights"
#include "tiny_model.h"

/* ---- weight files ---------------------------------------------------------- */

static void fill_tiny(float seed)
{
    for (int i = 0; i < IN * K; i++)
        W[i] = seed * (float)(i + 1) / 7.0f - 0.5f;
    for (int k = 0; k < K; k++)
        b[k] = -seed * (float)(k + 1) / 3.0f;
}

START_TEST(weights_round_trip_byte_exact)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "roundtrip.weights");
    fill_tiny(1.25f);
    W[3] = -0.0f;
    W[4] = 1e-40f;   /* a denormal survives too */
    float w_saved[IN * K], b_saved[K];
    memcpy(w_saved, W, sizeof W);
    memcpy(b_saved, b, sizeof b);
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(temporaries_left(path), 0);

    size_t len;
    unsigned char *bytes = (unsigned char *)slurp_len(path, &len);
    /* 12 header + (4 + 8 + 4 + 8 + 48) + (4 + 8 + 4 + 4 + 12) + 4 checksum */
    ck_assert_uint_eq(len, 120);
    uint32_t crc = (uint32_t)crc32(0, bytes, 116);
    ck_assert_mem_eq(bytes + 116, ((unsigned char[]){ crc, crc >> 8, crc >> 16, crc >> 24 }), 4);
    static const unsigned char head[] = {
        'N', 'N', 'C', 'W', 3, 0, 0, 0, 2, 0, 0, 0,           /* magic, version, tensors */
        8, 0, 0, 0, 'd', 'e', 'n', 's', 'e', '1', '.', 'w',  /* name */
        2, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0,                  /* ndims, 4 x 3 */
    };
    ck_assert_mem_eq(bytes, head, sizeof head);
    uint32_t bits;
    memcpy(&bits, &W[0], 4);   /* the first value, little-endian */
    ck_assert_uint_eq(bytes[36] | bytes[37] << 8 | bytes[38] << 16 | (uint32_t)bytes[39] << 24,
                      bits);
    static const unsigned char bias_head[] = { 8, 0, 0, 0, 'd', 'e', 'n', 's', 'e', '1', '.',
                                               'b', 1, 0, 0, 0, 3, 0, 0, 0 };
    ck_assert_mem_eq(bytes + 84, bias_head, sizeof bias_head);

    fill_tiny(-3.0f);
    ck_assert_msg(nnrt_weights_load(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_mem_eq(W, w_saved, sizeof W);
    ck_assert_mem_eq(b, b_saved, sizeof b);

    /* and saving what was loaded gives the same bytes */
    char again[1100];
    path_in(again, sizeof again, "roundtrip2.weights");
    ck_assert_int_eq(nnrt_weights_save(&m, again, &err), 0);
    size_t len2;
    char *bytes2 = slurp_len(again, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(bytes, bytes2, len);
    free(bytes);
    free(bytes2);
}
END_TEST

/* Load a damaged copy of a good file; expect msg (with PATH for the path)
 * and the model's values untouched. */
static void expect_load_error(const char *name, const unsigned char *bytes, size_t len,
                              const char *expected)
{
    nnrt_model m = tiny_model();
    char path[1100], want[2400];
    path_in(path, sizeof path, name);
    write_bytes(path, bytes, len);
    fill_tiny(0.75f);
    float w_before[IN * K], b_before[K];
    memcpy(w_before, W, sizeof W);
    memcpy(b_before, b, sizeof b);
    nnrt_error err;
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: %s", path, expected);
    ck_assert_str_eq(err.msg, want);
    ck_assert_mem_eq(W, w_before, sizeof W);
    ck_assert_mem_eq(b, b_before, sizeof b);
}

/* The checksum of a weights file's first len - 4 bytes into its last 4,
 * so that a test's damage is the only thing wrong with it. */
static void reseal(unsigned char *bytes, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0, bytes, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        bytes[len - 4 + (size_t)i] = (unsigned char)(crc >> 8 * i);
}

START_TEST(weights_load_errors_name_the_byte_and_load_nothing)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "good.weights");
    fill_tiny(2.0f);
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), 0);
    size_t len;
    unsigned char *good = (unsigned char *)slurp_len(path, &len), bad[200];
    ck_assert_uint_eq(len, 120);

    memcpy(bad, good, len);
    memcpy(bad, "NNCX", 4);
    expect_load_error("magic.weights", bad, len,
                      "byte 0: not an nnc weights file (no 'NNCW' at the start)");
    expect_load_error("empty.weights", bad, 0,
                      "byte 0: truncated: expected 4 bytes of magic number, found 0");

    memcpy(bad, good, len);
    bad[4] = 4;
    expect_load_error("version.weights", bad, len,
                      "byte 4: format version 4; this trainer reads versions 1 to 3");

    memcpy(bad, good, len);
    bad[8] = 3;
    reseal(bad, len);
    expect_load_error("count.weights", bad, len, "byte 8: 3 tensors; the model has 2");

    memcpy(bad, good, len);
    bad[21] = '9';
    reseal(bad, len);
    expect_load_error("name.weights", bad, len,
                      "byte 12: tensor 1 is 'dense9.w'; the model's is 'dense1.w'");

    memcpy(bad, good, len);
    bad[32] = 5;   /* 4x3 -> 4x5 */
    reseal(bad, len);
    expect_load_error("shape.weights", bad, len,
                      "byte 24: dense1.w has shape 4x5; the model's is 4x3");

    memcpy(bad, good, len);
    bad[24] = 1;   /* one dimension: 4 */
    reseal(bad, len);
    expect_load_error("ndims.weights", bad, len,
                      "byte 24: dense1.w has shape 4; the model's is 4x3");

    /* cut inside the last tensor's values (and sealed again): the first
     * one is fine, and still nothing may be loaded */
    memcpy(bad, good, 110);
    reseal(bad, 114);
    expect_load_error("truncated.weights", bad, 114,
                      "byte 104: truncated: expected 12 bytes of dense1.b values, found 6");
    memcpy(bad, good, 90);
    reseal(bad, 94);
    expect_load_error("cut-name.weights", bad, 94,
                      "byte 88: truncated: expected 8 bytes of tensor name, found 2");

    memcpy(bad, good, 116);
    bad[116] = 0;
    reseal(bad, 121);
    expect_load_error("trailing.weights", bad, 121,
                      "byte 116: unexpected data after the last tensor (1 bytes)");

    char missing[1100];
    path_in(missing, sizeof missing, "no-such.weights");
    ck_assert_int_eq(nnrt_weights_load(&m, missing, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such.weights: cannot open: No such file"));
    free(good);
}
END_TEST

START_TEST(save_failure_is_reported_and_leaves_the_old_file)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "no-such-folder/weights");
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such-folder/weights: cannot create: No such"));

    /* a good file, then a save whose writes fail (the file size limit is
     * below the file's; root is held to it too): the good file is still
     * there, whole, and the temporary is gone */
    path_in(path, sizeof path, "keep.weights");
    fill_tiny(1.5f);
    float w_kept[IN * K];
    memcpy(w_kept, W, sizeof W);
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), 0);
    fill_tiny(-2.5f);
    struct rlimit was, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
    small = was;
    small.rlim_cur = 40;
    signal(SIGXFSZ, SIG_IGN);   /* a write past the limit fails with EFBIG instead */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = nnrt_weights_save(&m, path, &err);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, SIG_DFL);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, "keep.weights: cannot write: File too large"), "%s", err.msg);
    ck_assert_int_eq(temporaries_left(path), 0);
    ck_assert_msg(nnrt_weights_load(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_mem_eq(W, w_kept, sizeof W);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("weights");
    TCase *weights = tcase_create("weights");
    tcase_add_checked_fixture(weights, setup, NULL);
    tcase_add_test(weights, weights_round_trip_byte_exact);
    tcase_add_test(weights, weights_load_errors_name_the_byte_and_load_nothing);
    tcase_add_test(weights, save_failure_is_reported_and_leaves_the_old_file);
    suite_add_tcase(s, weights);
    return run_suite(s);
}
