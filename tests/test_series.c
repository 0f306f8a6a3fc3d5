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

START_TEST(a_part_shorter_than_a_window_is_refused)
{
    char dir[512], path[600], cmd[2048], *out;
    snprintf(dir, sizeof dir, "%s/series/short", tmp_dir());
    make_dir("%s", dir);
    snprintf(path, sizeof path, "%s/short.csv", dir);
    write_text(path, "v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");   /* 10 values: 2 for the test */
    char nn[700], text[2048];
    snprintf(text, sizeof text,
             "model short\n"
             "data {\n    series \"%s\" column=v\n    window 3\n    test 20%%\n}\n"
             "network {\n    input 3\n    dense 1\n}\n"
             "train {\n    loss mse\n    optimizer sgd\n    batch 2\n}\n", path);
    snprintf(nn, sizeof nn, "%s/short.nn", dir);
    write_text(nn, text);
    char exe[700];
    snprintf(exe, sizeof exe, "%s/short", dir);
    build_trainer(nn, exe);
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
    tcase_add_test(tc, a_part_shorter_than_a_window_is_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
