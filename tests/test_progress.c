/* test_progress.c: what train reports while it runs: curve.csv and
 * times.csv, rewritten whole each epoch (curve.c), and the progress lines,
 * plain and as a bar on a terminal (progress.c).  Files go under
 * $NNC_TMP/progress. */
#define SUITE_DIR "progress"
#include "nnrt_internal.h"
#include "trainer_util.h"

START_TEST(curve_csv_is_rewritten_whole)
{
    char path[1100], times[1100];
    path_in(path, sizeof path, "curve.csv");
    path_in(times, sizeof times, "times.csv");
    nnrt_epoch_stats rows[2] = {
        { .epoch = 1, .loss = 0.5, .accuracy = 0.8, .has_val = 1, .val_loss = 0.45,
          .val_accuracy = 0.85, .seconds = 3.2144 },
        { .epoch = 2, .loss = 0.25, .accuracy = 0.9, .has_val = 1, .val_loss = 0.125,
          .val_accuracy = 0.95, .seconds = 2.0 },
    };
    nnrt_error err;
    ck_assert_int_eq(nnrt_curve_write(path, rows, 1, &err), 0);
    char *text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,0.450000,0.850000\n");
    free(text);
    ck_assert_int_eq(nnrt_curve_write(path, rows, 2, &err), 0);
    text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,0.450000,0.850000\n"
                           "2,0.250000,0.900000,0.125000,0.950000\n");
    free(text);
    ck_assert_int_eq(temporaries_left(path), 0);
    /* the wall times have a file of their own */
    ck_assert_int_eq(nnrt_times_write(times, rows, 2, &err), 0);
    text = slurp_len(times, NULL);
    ck_assert_str_eq(text, "epoch,seconds\n1,3.214\n2,2.000\n");
    free(text);
    /* no validation split: empty val fields */
    rows[0].has_val = 0;
    ck_assert_int_eq(nnrt_curve_write(path, rows, 1, &err), 0);
    text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,,\n");
    free(text);
}
END_TEST

static double fake_now;
static double fake_clock(void) { return fake_now; }

START_TEST(progress_lines_plain_and_on_a_terminal)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    nnrt_progress pr;
    nnrt_epoch_stats s = { .epoch = 1, .loss = 0.49871, .accuracy = 0.82509, .has_val = 1,
                           .val_loss = 0.40123, .val_accuracy = 0.856, .seconds = 3.21 };
    nnrt_progress_init(&pr, f, 0, 5, 10);
    nnrt_progress_begin(&pr, 1);
    for (int i = 1; i <= 10; i++)
        nnrt_progress_update(&pr, i, 0.5, 0.8);
    nnrt_progress_end(&pr, &s);
    s.has_val = 0;
    s.epoch = 2;
    nnrt_progress_begin(&pr, 2);
    nnrt_progress_end(&pr, &s);
    fflush(f);
    ck_assert_str_eq(buf, "epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  "
                          "val_accuracy 0.8560  3.2s\n"
                          "epoch 2/5  loss 0.4987  accuracy 0.8251  3.2s\n");
    fclose(f);
    free(buf);

    /* on a terminal 100 columns wide, its time made up */
    f = open_memstream(&buf, &len);
    nnrt_progress_init(&pr, f, 1, 5, 10);
    pr.width = 100;
    pr.batch = 32;
    pr.clock = fake_clock;
    fake_now = 0;
    nnrt_progress_begin(&pr, 2);
    pr.last_draw = 1e300;   /* as if just drawn: the next update is too soon */
    nnrt_progress_update(&pr, 1, 0.5, 0.8);
    fake_now = 2;
    nnrt_progress_update(&pr, 10, 0.42126, 0.85124);   /* the last step always is */
    s.epoch = 2;
    nnrt_progress_end(&pr, &s);
    fflush(f);
    ck_assert_str_eq(buf, "\repoch 2/5 [                              ] 0/10\033[K"
                          "\repoch 2/5 [==============================] 10/10 loss 0.4213 "
                          "accuracy 0.8512 0:02<0:00 160/s\033[K"
                          "\r\033[Kepoch 2/5  loss 0.4987  accuracy 0.8251  3.2s\n");
    fclose(f);
    free(buf);

    /* a bar part way: time spent < time left */
    f = open_memstream(&buf, &len);
    nnrt_progress_init(&pr, f, 1, 5, 40);
    pr.width = 100;
    pr.clock = fake_clock;
    fake_now = 0;
    nnrt_progress_begin(&pr, 1);
    fake_now = 5;
    nnrt_progress_update(&pr, 10, 1, 0.5);
    fflush(f);
    ck_assert_str_eq(strrchr(buf, '\r'), "\repoch 1/5 [======>                       ] 10/40 "
                                           "loss 1.0000 accuracy 0.5000 0:05<0:15\033[K");
    fclose(f);
    free(buf);
}
END_TEST

/* Never wider than the terminal less a column: what does not fit goes,
 * the rate first, the bar last */
START_TEST(the_bar_fits_the_terminal)
{
    static const int WIDTHS[] = { 120, 80, 60, 40, 30, 20 };
    for (size_t k = 0; k < sizeof WIDTHS / sizeof WIDTHS[0]; k++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        nnrt_progress pr;
        nnrt_progress_init(&pr, f, 1, 15, 1688);
        pr.width = WIDTHS[k];
        pr.batch = 32;
        pr.clock = fake_clock;
        fake_now = 0;
        nnrt_progress_begin(&pr, 12);
        fake_now = 12.2;
        nnrt_progress_update(&pr, 1024, 0.42126, 0.85124);
        fflush(f);
        const char *line = strrchr(buf, '\r') + 1;
        int shown = (int)(strlen(line) - strlen("\033[K"));
        ck_assert_msg(shown <= WIDTHS[k] - 1, "%d columns: a line of %d: '%s'", WIDTHS[k], shown,
                      line);
        if (WIDTHS[k] >= 80)   /* room for all: the time and the rate */
            ck_assert_msg(strstr(line, "0:12<0:08 2686/s"), "%s", line);
        if (WIDTHS[k] >= 40)
            ck_assert_msg(strchr(line, '['), "%d columns and no bar: %s", WIDTHS[k], line);
        fclose(f);
        free(buf);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("progress");
    TCase *progress = tcase_create("progress");
    tcase_add_test(progress, curve_csv_is_rewritten_whole);
    tcase_add_test(progress, progress_lines_plain_and_on_a_terminal);
    tcase_add_test(progress, the_bar_fits_the_terminal);
    suite_add_tcase(s, progress);
    return run_suite(s);
}
