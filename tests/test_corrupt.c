/* test_corrupt.c: input that is damaged or not what it claims to be, from
 * the .nn file to the weights: numbers a float cannot hold, sources that
 * are devices, pipes or far too big, weights files with a flipped byte or
 * a NaN, a test loss that is not finite, data found in two places.  Each
 * must be refused with a message naming the file and the place, never
 * accepted in silence. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nnrt_internal.h"
#include "test_util.h"
#include "trainer_util.h"

/* gcc says -fsanitize=address with a macro, clang with a feature */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define NET(layers) MODEL_HEAD "network {\n" layers "}\n" MODEL_TRAIN
/* MODEL_TRAIN's optimizer line, with its lr=0.001 replaced */
#define TRAIN_LR(lr)                                            \
    "train {\n"                                                 \
    "    loss cross_entropy\n"                                  \
    "    optimizer adam lr=" lr "\n"                            \
    "}\n"
#define WITH_LR(lr) MODEL_HEAD "network {\n    input 784\n    dense 10 softmax\n}\n" TRAIN_LR(lr)

/* The first line of out (a copy, in a buffer the next call reuses). */
static const char *first_line_of(const char *out)
{
    static char line[4096];
    size_t n = strcspn(out, "\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, out, n);
    line[n] = '\0';
    return line;
}

/* ---- numbers a float cannot hold ---------------------------------------- */

START_TEST(a_rate_that_is_zero_in_float_is_refused)
{
    /* lr=1e-50 passed the check and was emitted as 0.0f: nothing trained */
    char *out = diagnose(WITH_LR("1e-50"));
    ck_assert_str_eq(out,
        "t.nn:18:23: error: lr=1e-50 is 0 in float: the smallest positive float is about 1.4e-45\n"
        "   18 |     optimizer adam lr=1e-50\n"
        "      |                       ^~~~~\n"
        "      = a number that is not 0 must be at least 1.2e-38 in size (FLT_MIN)\n");
    free(out);
}
END_TEST

START_TEST(a_subnormal_rate_is_refused)
{
    /* 1e-40 is not 0 in float, but keeps only 17 of its 24 bits */
    char *out = diagnose(WITH_LR("1e-40"));
    ck_assert_str_eq(first_line_of(out),
        "t.nn:18:23: error: lr=1e-40 is too small for a float to hold at full precision");
    free(out);
}
END_TEST

START_TEST(every_real_setting_is_held_to_float)
{
    char *out = diagnose(NET("    input 784\n    dense 10 softmax l2=1e-300\n"));
    ck_assert_str_eq(first_line_of(out),
        "t.nn:14:25: error: l2=1e-300 is 0 in float: the smallest positive float is about 1.4e-45");
    free(out);
    out = diagnose(NET("    input 784\n    dense 64 relu\n    dropout 1e-46\n    dense 10 softmax\n"));
    ck_assert_str_eq(first_line_of(out),
        "t.nn:15:13: error: the dropout rate 1e-46 is 0 in float: the smallest positive float "
        "is about 1.4e-45");
    free(out);
    /* adamw's weight decay may be 0, but not below */
    out = diagnose(MODEL_HEAD "network {\n    input 784\n    dense 10 softmax\n}\n"
                   "train {\n    loss cross_entropy\n    optimizer adamw weight_decay=-1\n}\n");
    ck_assert_str_eq(first_line_of(out),
        "t.nn:18:34: error: weight_decay must be at least 0 and at most 1, got -1");
    free(out);
    /* 0 itself, and the smallest normal float, are fine */
    out = diagnose(NET("    input 784\n    dense 10 softmax l2=0 l1=1.2e-38\n"));
    ck_assert_str_eq(out, "");
    free(out);
    out = diagnose(MODEL_HEAD "network {\n    input 784\n    dense 10 softmax\n}\n"
                   "train {\n    loss cross_entropy\n    optimizer adamw weight_decay=0\n}\n");
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

START_TEST(a_tiny_rate_is_warned_about)
{
    char *out = diagnose(WITH_LR("1e-20"));
    ck_assert_str_eq(first_line_of(out),
        "t.nn:18:23: warning: learning rate 1e-20 is below 1e-10: its steps are lost to "
        "rounding, and the weights will barely move");
    free(out);
}
END_TEST

/* ---- sources that are not .nn files --------------------------------------- */

/* nnc check PATH: its exit status, and its output in *out */
static int nnc_check(const char *path, char **out)
{
    char cmd[2048];
    /* /dev/zero was read until the kernel killed nnc, a FIFO waited for a
     * writer: bound both, should it come back.  ASan reserves terabytes of
     * address space, so under it the bound is its own RSS limit. */
#if UNDER_ASAN
    const char *memory_bound = "ASAN_OPTIONS=hard_rss_limit_mb=2000";
#else
    const char *memory_bound = "ulimit -v 2000000;";
#endif
    snprintf(cmd, sizeof cmd, "%s timeout 20 %s check %s", memory_bound, nnc_bin(), path);
    return run_cmd(cmd, out);
}

START_TEST(a_device_is_refused_at_once)
{
    char *out;
    ck_assert_int_eq(nnc_check("/dev/zero", &out), 1);
    ck_assert_str_eq(out, "nnc: error: '/dev/zero' is a character device; a .nn source must "
                          "be a regular file\n");
    free(out);
}
END_TEST

START_TEST(a_fifo_is_refused_without_waiting)
{
    char path[1024], *out;
    snprintf(path, sizeof path, "%s/corrupt-fifo.nn", tmp_dir());
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(nnc_check(path, &out), 1);   /* 124 if it waited for a writer */
    char want[2048];
    snprintf(want, sizeof want,
             "nnc: error: '%s' is a pipe (FIFO); a .nn source must be a regular file\n", path);
    ck_assert_str_eq(out, want);
    free(out);
    unlink(path);
}
END_TEST

START_TEST(a_source_over_the_cap_is_refused)
{
    /* a valid model behind a comment one byte too long for the cap */
    char path[1024], *out, want[2048];
    snprintf(path, sizeof path, "%s/corrupt-big.nn", tmp_dir());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    const char *model = NET("    input 784\n    dense 10 softmax\n");
    size_t comment = SOURCE_MAX_BYTES + 1 - strlen(model) - 1;
    fputc('#', f);
    for (size_t i = 1; i < comment; i++)
        fputc('x', f);
    fputc('\n', f);
    fputs(model, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_eq(file_size(path), SOURCE_MAX_BYTES + 1);
    ck_assert_int_eq(nnc_check(path, &out), 1);
    snprintf(want, sizeof want, "nnc: error: '%s' is larger than 1 MiB, the most a .nn file may "
                                "hold (is it the right file?)\n", path);
    ck_assert_str_eq(out, want);
    free(out);

    /* one byte less, and it is a model like any other */
    ck_assert_int_eq(truncate(path, 0), 0);
    f = fopen(path, "w");
    fputc('#', f);
    for (size_t i = 1; i < comment - 1; i++)
        fputc('x', f);
    fputc('\n', f);
    fputs(model, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_eq(file_size(path), SOURCE_MAX_BYTES);
    ck_assert_int_eq(nnc_check(path, &out), 0);
    free(out);
    unlink(path);
}
END_TEST

/* ---- weights files: a checksum, and finite values ---------------------- */

/* $NNC_TMP/corrupt/name */
static const char *tmp_path(char *out, size_t len, const char *name)
{
    make_dir("%s/corrupt", tmp_dir());
    snprintf(out, len, "%s/corrupt/%s", tmp_dir(), name);
    return out;
}

/* The trainer of examples/regression_houses.nn (its data is in the tree,
 * read from the top of it), built once per run of the suite. */
static const char *houses(void)
{
    static char exe[1024];
    if (!exe[0]) {
        tmp_path(exe, sizeof exe, "houses");
        build_trainer("examples/regression_houses.nn", exe);
    }
    return exe;
}

/* exe ARGS from the top of the tree, $NNC_DATA unset: status, output in *out */
static int houses_run(const char *args, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "env -u NNC_DATA %s %s", houses(), args);
    return run_cmd(cmd, out);
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    *len = file_size(path);
    return (unsigned char *)slurp(path);
}

/* The CRC-32 of the first len - 4 bytes into the last 4, as a writer of
 * the format would: the damage a test makes is then the only fault. */
static void reseal(unsigned char *bytes, size_t len)
{
    put_le32(bytes + len - 4, (uint32_t)crc32(0, bytes, (uInt)(len - 4)));
}

/* The houses model's fresh weights (steps 0 writes what the seed starts
 * from) in $NNC_TMP/corrupt/name; their bytes in *bytes. */
static const char *fresh_weights(char *path, size_t len, const char *name, unsigned char **bytes,
                                 size_t *n)
{
    char args[2048], *out;
    tmp_path(path, len, name);
    snprintf(args, sizeof args, "steps 0 --weights-out %s", path);
    int status = houses_run(args, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    *bytes = read_bytes(path, n);
    return path;
}

/* dense16.w's values start after the 12-byte header and its own 25 */
enum { DENSE1_W = 12 + 4 + 9 + 4 + 8 };

/* `eval --weights path` must fail, saying want (PATH for the path) */
static void expect_eval_error(const char *path, const char *want)
{
    char args[2048], *out, full[4096];
    snprintf(args, sizeof args, "eval --weights %s", path);
    ck_assert_int_eq(houses_run(args, &out), 1);
    snprintf(full, sizeof full, want, path);
    ck_assert_msg(strstr(out, full) != NULL, "'%s' not in:\n%s", full, out);
    free(out);
}

START_TEST(a_flipped_byte_is_found)
{
    char path[1024];
    unsigned char *w;
    size_t len;
    fresh_weights(path, sizeof path, "flipped.weights", &w, &len);
    w[DENSE1_W + 6] ^= 0x10;   /* one bit of dense16.w[1]: still a finite number */
    write_bytes(path, w, len);
    char want[256];
    snprintf(want, sizeof want, "regression_houses: error: %%s: byte %zu: checksum 0x", len - 4);
    expect_eval_error(path, want);
    expect_eval_error(path, "but the contents give 0x");
    expect_eval_error(path, "the file is damaged or cut short\n");

    /* and cut short by a byte */
    w[DENSE1_W + 6] ^= 0x10;
    write_bytes(path, w, len - 1);
    expect_eval_error(path, "the file is damaged or cut short\n");
    free(w);
}
END_TEST

START_TEST(a_nan_or_an_infinity_is_refused)
{
    /* a NaN loaded, and eval printed "test: loss -nan" with exit status 0 */
    char path[1024];
    unsigned char *w;
    size_t len;
    fresh_weights(path, sizeof path, "nan.weights", &w, &len);
    put_le32(w + DENSE1_W + 4 * 5, 0x7fc00000);   /* dense16.w[5] = NaN */
    reseal(w, len);
    write_bytes(path, w, len);
    expect_eval_error(path, "regression_houses: error: %s: byte 57: dense16.w[5] is NaN; "
                            "weights must be finite numbers\n");

    free(w);
    fresh_weights(path, sizeof path, "inf.weights", &w, &len);
    put_le32(w + len - 8, 0xff800000);   /* the last value, dense1.b[0] = -inf */
    reseal(w, len);
    write_bytes(path, w, len);
    char want[256];
    snprintf(want, sizeof want, "regression_houses: error: %%s: byte %zu: dense1.b[0] is "
                                "-infinity; weights must be finite numbers\n", len - 8);
    expect_eval_error(path, want);
    free(w);
}
END_TEST

START_TEST(version_1_loads_with_a_note)
{
    char path[1024], args[2048], *out, want[2048];
    unsigned char *w;
    size_t len;
    fresh_weights(path, sizeof path, "v1.weights", &w, &len);
    w[4] = 1;
    /* and named the layers by kind and position: dense 16 was dense1,
     * the output dense 1 was dense2 */
    len = rename_tensor(&w, len, "dense1.w", "dense2.w");
    len = rename_tensor(&w, len, "dense1.b", "dense2.b");
    len = rename_tensor(&w, len, "dense16.w", "dense1.w");
    len = rename_tensor(&w, len, "dense16.b", "dense1.b");
    write_bytes(path, w, len - 4);   /* version 1 had no checksum */
    snprintf(args, sizeof args, "eval --weights %s", path);
    ck_assert_int_eq(houses_run(args, &out), 0);
    snprintf(want, sizeof want, "%s: note: weights format version 1 carries no checksum, so "
                                "damage cannot be detected; saving the weights again writes "
                                "version 3\n", path);
    ck_assert_msg(strstr(out, want) != NULL, "no note in:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "test: loss "));
    free(out);

    /* a version 3 file says nothing of the kind */
    free(w);
    fresh_weights(path, sizeof path, "v2.weights", &w, &len);
    snprintf(args, sizeof args, "eval --weights %s", path);
    ck_assert_int_eq(houses_run(args, &out), 0);
    ck_assert_ptr_null(strstr(out, "note:"));
    free(out);
    free(w);
}
END_TEST

START_TEST(a_loss_that_is_not_finite_fails_eval_and_predict)
{
    /* finite weights whose outputs overflow: every value 3e38 */
    char path[1024], args[2048], *out;
    unsigned char *w;
    size_t len;
    fresh_weights(path, sizeof path, "huge.weights", &w, &len);
    uint32_t huge;
    float f = 3e38f;
    memcpy(&huge, &f, 4);
    for (size_t at = DENSE1_W; at < DENSE1_W + 4 * 48; at += 4)
        put_le32(w + at, huge);
    reseal(w, len);
    write_bytes(path, w, len);
    expect_eval_error(path, "test: loss nan mae nan rmse nan\n");   /* never "-nan" */
    expect_eval_error(path, "regression_houses: error: examples/data/houses_test.csv: the test "
                            "loss is NaN: the model's outputs overflow with these weights, "
                            "so there is nothing to report\n");

    snprintf(args, sizeof args, "predict --weights %s --count 2", path);
    ck_assert_int_eq(houses_run(args, &out), 1);
    ck_assert_msg(strstr(out, "regression_houses: error: examples/data/houses_test.csv: sample "
                              "0: the model's output is not a finite number: it overflows with "
                              "these weights\n") != NULL, "%s", out);
    free(out);
    free(w);
}
END_TEST

/* ---- the transfer reader: the same checks ---------------------------------- */

static float base_w[2];
static const nnrt_param BASE_PARAMS[] = {
    { .name = "dense1.w", .ndims = 1, .dims = { 2 }, .size = 2, .value = base_w, .grad = 0,
      .init = NNRT_INIT_ZEROS, .fan_in = 2, .fan_out = 1 },
};

/* A model of the one tensor above that starts it from file. */
static nnrt_model starting_from(const char *file, nnrt_transfer *t)
{
    *t = (nnrt_transfer){ "dense1.w", file };
    return (nnrt_model){ .name = "start", .n_params = 1, .params = BASE_PARAMS,
                         .n_transfers = 1, .transfers = t };
}

START_TEST(transfer_refuses_a_damaged_file)
{
    char path[1024], want[2048];
    nnrt_transfer t;
    nnrt_model m = starting_from(tmp_path(path, sizeof path, "base.weights"), &t);
    nnrt_error err = { "" };
    base_w[0] = 1.5f;
    base_w[1] = -2.5f;
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    size_t len;
    unsigned char *w = read_bytes(path, &len);
    /* the header, "dense1.w", one dimension, two values, the checksum */
    ck_assert_uint_eq(len, 12 + 4 + 8 + 4 + 4 + 8 + 4);

    base_w[0] = base_w[1] = 0;
    ck_assert_msg(nnrt_params_transfer(&m, &err) == 0, "%s", err.msg);
    ck_assert(base_w[0] == 1.5f && base_w[1] == -2.5f);

    w[len - 5] ^= 1;   /* a bit of the last value */
    write_bytes(path, w, len);
    base_w[0] = base_w[1] = 0;
    ck_assert_int_eq(nnrt_params_transfer(&m, &err), -1);
    snprintf(want, sizeof want, "%s: byte %zu: checksum 0x", path, len - 4);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);

    put_le32(w + len - 8, 0x7f800000);   /* +inf */
    reseal(w, len);
    write_bytes(path, w, len);
    ck_assert_int_eq(nnrt_params_transfer(&m, &err), -1);
    snprintf(want, sizeof want, "%s: byte %zu: dense1.w[1] is infinity; weights must be "
                                "finite numbers", path, len - 8);
    ck_assert_str_eq(err.msg, want);
    ck_assert(base_w[0] == 0 && base_w[1] == 0);   /* nothing copied */
    free(w);
}
END_TEST

/* ---- data found in two places ------------------------------------------------ */

START_TEST(train_eval_and_predict_name_their_data)
{
    char dir[1024], args[2048], *out;
    tmp_path(dir, sizeof dir, "houses-run");
    snprintf(args, sizeof args, "train --epochs 1 --overwrite --out %s", dir);
    ck_assert_int_eq(houses_run(args, &out), 0);
    /* the start-up line, then the files, as found from the top of the tree */
    char *at = strstr(out, "regression_houses: 1600 training samples");
    ck_assert_ptr_nonnull(at);
    at = strchr(at, '\n') + 1;
    ck_assert_msg(strncmp(at, "training data: examples/data/houses_train.csv\n"
                              "test data: examples/data/houses_test.csv\n", 87) == 0, "%s", out);
    ck_assert_ptr_null(strstr(out, "warning"));
    free(out);

    snprintf(args, sizeof args, "eval --weights %s/weights", dir);
    ck_assert_int_eq(houses_run(args, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "test data: examples/data/houses_test.csv\ntest: loss "));
    free(out);
    snprintf(args, sizeof args, "predict --weights %s/weights --count 1", dir);
    ck_assert_int_eq(houses_run(args, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "test data: examples/data/houses_test.csv\nsample 0\n"));
    free(out);
    /* --csv is for programs: rows only */
    snprintf(args, sizeof args, "predict --weights %s/weights --count 1 --csv", dir);
    ck_assert_int_eq(houses_run(args, &out), 0);
    ck_assert_ptr_null(strstr(out, "test data"));
    free(out);
}
END_TEST

START_TEST(a_test_set_from_another_place_is_warned_about)
{
    /* $NNC_DATA holds the test file only: the training file comes from the
     * tree; the run used to mix the two without a word */
    char data[512], cmd[3000], *out, want[4096];
    tmp_path(data, sizeof data, "nnc-data");
    snprintf(cmd, sizeof cmd, "mkdir -p %s/examples/data && cp examples/data/houses_test.csv "
                              "%s/examples/data/", data, data);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s %s train --epochs 1 --overwrite --out %s/mixed", data, houses(),
             data);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    snprintf(want, sizeof want,
             "regression_houses: warning: the training samples come from the current directory "
             "(examples/data/houses_train.csv), the test samples from $NNC_DATA=%s "
             "(%s/examples/data/houses_test.csv): two copies of a data set may not belong "
             "together\n", data, data);
    ck_assert_msg(strstr(out, want) != NULL, "no\n%s\nin\n%s", want, out);
    snprintf(want, sizeof want, "test data: %s/examples/data/houses_test.csv\n", data);
    ck_assert_ptr_nonnull(strstr(out, want));
    free(out);
}
END_TEST

START_TEST(images_and_labels_from_two_places_are_warned_about)
{
    /* images in $NNC_DATA, labels only in the current directory */
    char top[600], cwd[256], path[1400], log[1400];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    tmp_path(top, sizeof top, "pair");
    if (top[0] != '/') {
        char rel[sizeof top];
        memcpy(rel, top, sizeof rel);
        snprintf(top, sizeof top, "%.250s/%.340s", cwd, rel);
    }
    make_dir("%s/env/p", top);
    make_dir("%s/here/p", top);
    static const uint8_t pixels[3 * 4] = { 0 }, labels[3] = { 0, 1, 0 };
    const int image_dims[] = { 3, 2, 2 }, label_dims[] = { 3 };
    snprintf(path, sizeof path, "%s/env/p/images", top);
    write_idx(path, pixels, 3, image_dims);
    snprintf(path, sizeof path, "%s/here/p/labels", top);
    write_idx(path, labels, 1, label_dims);

    snprintf(path, sizeof path, "%s/env", top);
    ck_assert_int_eq(setenv("NNC_DATA", path, 1), 0);
    snprintf(path, sizeof path, "%s/here", top);
    ck_assert_int_eq(chdir(path), 0);
    snprintf(log, sizeof log, "%s/stderr", top);
    ck_assert_ptr_nonnull(freopen(log, "w", stderr));

    nnrt_model m = { .name = "pair", .train_images = "p/images", .train_labels = "p/labels",
                     .test_images = "p/images", .test_labels = "p/labels", .in_size = 4,
                     .n_classes = 2 };
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_model_data_load(&m, 0, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.place, NNRT_DATA_NNC_DATA);
    ck_assert_int_eq(ds.labels_place, NNRT_DATA_CURRENT_DIR);
    nnrt_dataset_free(&ds);
    fflush(stderr);
    char *said = slurp(log), want[4096];
    snprintf(want, sizeof want, "pair: warning: the images come from $NNC_DATA=%s/env "
             "(%s/env/p/images), their labels from the current directory (p/labels): two "
             "copies of a data set may not belong together\n", top, top);
    ck_assert_str_eq(said, want);
    free(said);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("corrupt");
    TCase *tc = tcase_create("compiler");
    tcase_add_test(tc, a_rate_that_is_zero_in_float_is_refused);
    tcase_add_test(tc, a_subnormal_rate_is_refused);
    tcase_add_test(tc, every_real_setting_is_held_to_float);
    tcase_add_test(tc, a_tiny_rate_is_warned_about);
    tcase_add_test(tc, a_device_is_refused_at_once);
    tcase_add_test(tc, a_fifo_is_refused_without_waiting);
    tcase_add_test(tc, a_source_over_the_cap_is_refused);
    suite_add_tcase(s, tc);

    TCase *rt = tcase_create("runtime");
    tcase_set_timeout(rt, 300);   /* builds a trainer */
    tcase_add_test(rt, a_flipped_byte_is_found);
    tcase_add_test(rt, a_nan_or_an_infinity_is_refused);
    tcase_add_test(rt, version_1_loads_with_a_note);
    tcase_add_test(rt, a_loss_that_is_not_finite_fails_eval_and_predict);
    tcase_add_test(rt, transfer_refuses_a_damaged_file);
    tcase_add_test(rt, train_eval_and_predict_name_their_data);
    tcase_add_test(rt, a_test_set_from_another_place_is_warned_about);
    tcase_add_test(rt, images_and_labels_from_two_places_are_warned_about);
    suite_add_tcase(s, rt);
    return run_suite(s);
}
