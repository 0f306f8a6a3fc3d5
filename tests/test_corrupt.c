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

#include "test_util.h"
#include "trainer_util.h"

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
    /* 0 itself, and the smallest normal float, are fine */
    out = diagnose(NET("    input 784\n    dense 10 softmax l2=0 l1=1.2e-38\n"));
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
     * writer: bound both, should it come back */
    snprintf(cmd, sizeof cmd, "ulimit -v 2000000; timeout 20 %s check %s", nnc_bin(), path);
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
    return run_suite(s);
}
