/* test_series.c: forecasting a series (`series "FILE"`, `window`,
 * `horizon`, `test`).  examples/series_forecast.nn beats the naive
 * forecast (tomorrow as today) on the test part of the series that ships
 * with it; the samples are the windows of each part, in time order; and a
 * part too short for one window is refused with the file and the fix. */
#include "trainer_util.h"

static const char *forecaster(void)
{
    static char path[512];
    if (!path[0]) {
        make_dir("%s/series", tmp_dir());
        snprintf(path, sizeof path, "%s/series/series_forecast", tmp_dir());
        build_trainer("examples/series_forecast.nn", path);
    }
    return path;
}

/* The mae on the line of text that starts with head.  noinline, as
 * test_accuracy (trainer_util.h): GCC 12 warns of a dangling pointer
 * through Check's macros when this is inlined. */
__attribute__((noinline)) static double number_after(const char *text, const char *head)
{
    const char *line = strstr(text, head), *mae = line ? strstr(line, " mae ") : NULL;
    double v;
    ck_assert_msg(mae && sscanf(mae, " mae %lf", &v) == 1, "no '%s... mae' in:\n%.500s", head,
                  text);
    return v;
}

START_TEST(the_forecast_beats_the_naive_one)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --epochs 40 --out %s/series/run --overwrite",
             forecaster(), tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    /* 3000 days: the last 600 for the test, 570 windows of 30 and the day
     * after; the 2400 before, 2370 windows, the last 237 to validate */
    ck_assert_msg(strstr(out, "2133 training samples, 237 validation, 570 test") != NULL,
                  "%.300s", out);
    double mae = number_after(out, "test: loss "), naive_mae = number_after(out, "naive "
                                                                            "forecast");
    ck_assert_msg(mae < 0.85 * naive_mae, "test mae %.4f, naive %.4f", mae, naive_mae);
    free(out);
}
END_TEST

/* 10 values, 2 of them for the test, against a window of 3 */
static void write_short_series(char *dir, size_t dir_len, char *nn, size_t nn_len)
{
    char path[600], text[2048];
    snprintf(dir, dir_len, "%s/series/short", tmp_dir());
    make_dir("%s", dir);
    snprintf(path, sizeof path, "%s/short.csv", dir);
    write_text(path, "v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
    snprintf(text, sizeof text,
             "model short\n"
             "data {\n    series \"%s\" column=v\n    window 3\n    test 20%%\n}\n"
             "network {\n    input 3\n    dense 1\n}\n"
             "train {\n    loss mse\n    optimizer sgd\n    batch 2\n}\n", path);
    snprintf(nn, nn_len, "%s/short.nn", dir);
    write_text(nn, text);
}

/* nnc check reads the series this machine has, and points at the window */
START_TEST(a_window_too_long_is_an_error_at_its_line)
{
    char dir[512], nn[700], cmd[2048], *out;
    write_short_series(dir, sizeof dir, nn, sizeof nn);
    snprintf(cmd, sizeof cmd, "%s check %s", nnc_bin(), nn);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "short.nn:4:5: error: the test part of ") &&
                      strstr(out, "short.csv has 2 values (of 10), too few for a window of 3 "
                                  "and a horizon of 1: it needs 4 or more\n"
                                  "    4 |     window 3\n") &&
                      strstr(out, "= write 'window 1' or less, or use a longer series"),
                  "%s:\n%s", cmd, out);
    free(out);
    /* a column the CSV lacks, at the series' line */
    char text[2048], path[700];
    snprintf(path, sizeof path, "%s/short.csv", dir);
    snprintf(text, sizeof text,
             "model short\n"
             "data {\n    series \"%s\" column=w\n    window 3\n    test 20%%\n}\n"
             "network {\n    input 3\n    dense 1\n}\n"
             "train {\n    loss mse\n    optimizer sgd\n    batch 2\n}\n", path);
    write_text(nn, text);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "short.nn:3:5: error: ") &&
                      strstr(out, "short.csv: no column 'w' (columns: v)"),
                  "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

/* built against a longer series, run on a short one: the trainer refuses */
START_TEST(a_part_shorter_than_a_window_is_refused)
{
    char dir[512], nn[700], path[700], cmd[2048], *out;
    write_short_series(dir, sizeof dir, nn, sizeof nn);
    snprintf(path, sizeof path, "%s/short.csv", dir);
    write_text(path, "v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n");
    char exe[700];
    snprintf(exe, sizeof exe, "%s/short", dir);
    build_trainer(nn, exe);
    write_text(path, "v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
    snprintf(cmd, sizeof cmd, "%s train --out %s/run --overwrite", exe, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "short.csv: the test part of the series has 2 "
                                             "values (of 10), too few for a window of 3 and a "
                                             "horizon of 1: it needs 4 or more"),
                  "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("series");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, the_forecast_beats_the_naive_one);
    tcase_add_test(tc, a_window_too_long_is_an_error_at_its_line);
    tcase_add_test(tc, a_part_shorter_than_a_window_is_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
