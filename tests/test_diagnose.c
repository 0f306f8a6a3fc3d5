/* test_diagnose.c: the verdict on a learning curve (diagnose.c), on
 * synthetic curves made to show one thing each: overfitting (its onset and
 * size), a rise within the noise, underfitting, still improving, a good
 * fit, no validation split, one epoch, divergence, and curves whose numbers
 * could make a naive rule divide by zero.  The verdict's words are held
 * exactly for a few of them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"
#include "suite.h"

enum { MAX_EPOCHS = 32 };

/* A curve over caller-owned arrays. */
typedef struct fixture {
    double loss[MAX_EPOCHS], metric[MAX_EPOCHS], val_loss[MAX_EPOCHS], val_metric[MAX_EPOCHS];
    nnrt_curve c;
} fixture;

/* n epochs of the given columns (val_loss NULL: no validation split). */
static void make(fixture *f, int n, const double *loss, const double *metric,
                 const double *val_loss, const double *val_metric)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < n; i++) {
        f->loss[i] = loss[i];
        f->metric[i] = metric ? metric[i] : NAN;
        f->val_loss[i] = val_loss ? val_loss[i] : NAN;
        f->val_metric[i] = val_metric ? val_metric[i] : NAN;
    }
    f->c = (nnrt_curve){ .n = n, .has_val = val_loss != NULL, .loss = f->loss,
                         .metric = f->metric, .val_loss = val_loss ? f->val_loss : NULL,
                         .val_metric = val_loss ? f->val_metric : NULL };
}

static char *text_of(const nnrt_diagnosis *d)
{
    static char buf[2048];
    int len = nnrt_diagnosis_text(d, buf, sizeof buf);
    ck_assert_int_eq(len, (int)strlen(buf));
    return buf;
}

/* Every number a verdict rests on is finite, and so is its text. */
static void assert_finite(const nnrt_diagnosis *d)
{
    const double v[] = { d->best_loss, d->end_val_loss, d->rise, d->rise_fraction, d->jitter,
                         d->loss_at_best, d->end_loss, d->loss_fall, d->val_fall };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(isfinite(v[i]), "number %zu is %g", i, v[i]);
    const char *t = text_of(d);
    ck_assert_msg(!strstr(t, "nan") && !strstr(t, "inf"), "%s", t);
}

/* ---- overfitting ------------------------------------------------------------ */

/* val_loss bottoms out at epoch 6 and climbs while loss keeps falling */
static const double OF_LOSS[] = { 1.0, 0.8, 0.6, 0.5, 0.42, 0.36, 0.3, 0.25, 0.2, 0.16 };
static const double OF_ACC[] = { .6, .7, .8, .85, .88, .9, .92, .94, .95, .96 };
static const double OF_VAL[] = { 1.0, 0.8, 0.6, 0.5, 0.45, 0.44, 0.47, 0.52, 0.58, 0.65 };
static const double OF_VAL_ACC[] = { .6, .7, .78, .82, .84, .85, .845, .84, .83, .82 };

START_TEST(overfitting_is_dated_and_measured)
{
    fixture f;
    make(&f, 10, OF_LOSS, OF_ACC, OF_VAL, OF_VAL_ACC);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_OVERFIT);
    ck_assert_int_eq(d.best_epoch, 6);
    ck_assert_int_eq(d.n_epochs, 10);
    ck_assert_double_eq(d.best_loss, 0.44);
    ck_assert_double_eq(d.best_metric, 0.85);
    ck_assert_int_eq(d.tail_epochs, 3);
    ck_assert_double_eq_tol(d.end_val_loss, (0.52 + 0.58 + 0.65) / 3, 1e-12);
    ck_assert_double_eq_tol(d.rise, (0.52 + 0.58 + 0.65) / 3 - 0.44, 1e-12);
    ck_assert_double_eq_tol(d.rise_fraction, ((0.52 + 0.58 + 0.65) / 3 - 0.44) / 0.44, 1e-12);
    /* |v[i] - (v[i-1] + v[i+1]) / 2| for i = 5..8: 0.02, 0.01, 0.005, 0.005 */
    ck_assert_double_eq_tol(d.jitter, 0.01, 1e-12);
    ck_assert_double_eq(d.loss_at_best, 0.36);
    ck_assert_double_eq_tol(d.end_loss, (0.25 + 0.2 + 0.16) / 3, 1e-12);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 6 of 10 by val_loss (0.4400, val_accuracy 0.8500)\n"
                     "verdict: overfitting from epoch 7: val_loss rose from 0.4400 at epoch 6 "
                     "to 0.5833 over the last 3 epochs, +0.1433 (+32.6%), while loss fell "
                     "from 0.3600 to 0.2033\n"
                     "try: early stopping at epoch 6, regularization (L2, dropout, "
                     "augmentation), or a smaller model\n");
}
END_TEST

START_TEST(one_epoch_after_the_best_is_judged_alone)
{
    /* best at epoch 9 of 10: the tail is the last epoch only */
    const double val[] = { 1.0, 0.8, 0.6, 0.5, 0.45, 0.44, 0.43, 0.42, 0.40, 0.52 };
    fixture f;
    make(&f, 10, OF_LOSS, OF_ACC, val, OF_VAL_ACC);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_OVERFIT);
    ck_assert_int_eq(d.best_epoch, 9);
    ck_assert_int_eq(d.tail_epochs, 1);
    ck_assert_double_eq(d.end_val_loss, 0.52);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "overfitting from epoch 10: val_loss rose from "
                                              "0.4000 at epoch 9 to 0.5200 at epoch 10, "
                                              "+0.1200 (+30.0%)"));
}
END_TEST

START_TEST(a_rise_within_the_noise_is_not_overfitting)
{
    /* 13% above the best, but val_loss jumps about 0.05 every epoch */
    const double loss[] = { .9, .6, .5, .45, .42, .40, .39, .38, .375, .37 };
    const double acc[] = { .8, .85, .87, .88, .89, .9, .9, .91, .91, .91 };
    const double val[] = { .50, .45, .42, .47, .40, .46, .41, .47, .43, .46 };
    const double val_acc[] = { .8, .85, .86, .86, .87, .87, .87, .87, .87, .87 };
    fixture f;
    make(&f, 10, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.best_epoch, 5);
    ck_assert_double_eq_tol(d.rise, (.47 + .43 + .46) / 3 - .40, 1e-12);
    ck_assert(d.rise_fraction > NNRT_DIAG_OVERFIT_RISE);
    /* i = 5..8: 0.055, 0.055, 0.05, 0.035 */
    ck_assert_double_eq_tol(d.jitter, 0.04875, 1e-12);
    ck_assert(d.rise < NNRT_DIAG_NOISE_FACTOR * d.jitter);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert_ptr_nonnull(strstr(text_of(&d), ", +13.3%, within its epoch-to-epoch noise of 0.04"));
}
END_TEST

START_TEST(both_losses_rising_is_unstable)
{
    const double loss[] = { 1.0, 0.7, 0.5, 0.45, 0.5, 0.6, 0.7 };
    const double acc[] = { .6, .8, .88, .9, .89, .87, .86 };
    const double val[] = { 1.0, 0.7, 0.55, 0.5, 0.6, 0.7, 0.8 };
    fixture f;
    make(&f, 7, loss, acc, val, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNSTABLE);
    ck_assert_int_eq(d.best_epoch, 4);
    ck_assert_double_eq(d.loss_at_best, 0.45);
    ck_assert_double_eq_tol(d.end_loss, 0.6, 1e-12);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "try: a lower learning rate (--lr)"));
}
END_TEST

/* ---- underfitting and still improving ---------------------------------------- */

START_TEST(low_accuracy_is_underfitting)
{
    const double loss[] = { 1.5, 1.3, 1.25, 1.22, 1.21, 1.205 };
    const double acc[] = { .5, .58, .6, .61, .615, .62 };
    const double val[] = { 1.45, 1.32, 1.27, 1.25, 1.24, 1.238 };
    const double val_acc[] = { .52, .57, .6, .6, .61, .64 };
    fixture f;
    make(&f, 6, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
    ck_assert_int_eq(d.best_epoch, 6);
    ck_assert_int_eq(d.tail_epochs, 0);
    ck_assert_double_eq(d.final_metric, .62);
    ck_assert_double_eq(d.final_val_metric, .64);
    /* last 4 val_loss: least-squares slope -0.0106 an epoch over a mean of 1.2495 */
    ck_assert_double_eq_tol(d.val_fall, 0.0106 / 1.2495, 1e-9);
    ck_assert_int_eq(d.improving, 0);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 6 of 6 by val_loss (1.2380, val_accuracy 0.6400)\n"
                     "verdict: underfitting: accuracy 0.6200 (validation 0.6400) at the end, "
                     "below 0.85\n"
                     "try: a bigger model (more units or layers), less regularization, or a "
                     "higher learning rate\n");
}
END_TEST

START_TEST(dropout_lowered_training_accuracy_is_not_underfitting)
{
    /* training accuracy, measured with dropout on, below the bar; validation above */
    const double loss[] = { 1.0, 0.8, 0.7, 0.66, 0.65, 0.648, 0.647 };
    const double acc[] = { .6, .7, .75, .78, .79, .8, .8 };
    const double val[] = { 0.6, 0.5, 0.45, 0.43, 0.43, 0.429, 0.43 };
    const double val_acc[] = { .8, .84, .86, .87, .87, .87, .87 };
    fixture f;
    make(&f, 7, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
}
END_TEST

START_TEST(still_falling_is_still_improving)
{
    const double loss[] = { .9, .7, .6, .52, .46, .41 };
    const double acc[] = { .7, .78, .82, .85, .87, .89 };
    const double val[] = { .85, .7, .62, .56, .51, .47 };
    const double val_acc[] = { .72, .79, .83, .86, .87, .88 };
    fixture f;
    make(&f, 6, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_IMPROVING);
    ck_assert_int_eq(d.improving, 1);
    ck_assert_int_eq(d.trend_epochs, 4);
    /* slopes over the last 4: loss -0.0630, val_loss -0.0500 an epoch */
    ck_assert_double_eq_tol(d.loss_fall, 0.063 / ((.6 + .52 + .46 + .41) / 4), 1e-9);
    ck_assert_double_eq_tol(d.val_fall, 0.05 / ((.62 + .56 + .51 + .47) / 4), 1e-9);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 6 of 6 by val_loss (0.4700, val_accuracy 0.8800)\n"
                     "verdict: underfitting, still improving: over the last 4 epochs loss "
                     "fell 12.7% an epoch, val_loss fell 9.3%\n"
                     "try: more epochs\n");
}
END_TEST

START_TEST(low_accuracy_and_still_falling_says_both)
{
    const double loss[] = { 2.0, 1.8, 1.6, 1.4, 1.2 };
    const double acc[] = { .3, .4, .5, .55, .6 };
    const double val[] = { 1.9, 1.7, 1.5, 1.3, 1.1 };
    fixture f;
    make(&f, 5, loss, acc, val, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
    ck_assert_int_eq(d.improving, 1);
    const char *t = text_of(&d);
    ck_assert_ptr_nonnull(strstr(t, "below 0.85, and still improving\n"));
    ck_assert_ptr_nonnull(strstr(t, "try: more epochs first; then a bigger model"));
}
END_TEST

START_TEST(val_flat_while_loss_falls_is_not_improving)
{
    /* the training loss falls fast, but validation stopped moving: more
     * epochs would only widen the gap */
    const double loss[] = { .9, .6, .45, .40, .36, .32, .28, .25 };
    const double acc[] = { .7, .8, .85, .87, .88, .9, .92, .93 };
    const double val[] = { .8, .55, .46, .44, .43, .435, .432, .434 };
    const double val_acc[] = { .72, .8, .85, .86, .87, .87, .87, .87 };
    fixture f;
    make(&f, 8, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert_int_eq(d.best_epoch, 5);
    ck_assert_int_eq(d.improving, 0);
    ck_assert(d.loss_fall > NNRT_DIAG_IMPROVING);
    ck_assert_double_eq_tol(d.end_val_loss, (.435 + .432 + .434) / 3, 1e-12);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 5 of 8 by val_loss (0.4300, val_accuracy 0.8700)\n"
                     "verdict: good fit: val_loss levelled off near its best (0.4337 over the "
                     "last 3 epochs, +0.9%) while loss still falls 12.2% an epoch: more "
                     "epochs would widen the gap\n"
                     "try: nothing urgent: stop near epoch 5; for a lower error, a bigger "
                     "model with regularization\n");
}
END_TEST

/* ---- without validation, and short runs -------------------------------------------- */

START_TEST(without_validation_the_training_loss_decides)
{
    const double flat[] = { .9, .5, .39, .385, .383, .382 };
    const double acc[] = { .7, .85, .88, .89, .9, .9 };
    fixture f;
    make(&f, 6, flat, acc, NULL, NULL);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_LEVELLED);
    ck_assert_int_eq(d.has_val, 0);
    ck_assert_int_eq(d.best_epoch, 6);
    ck_assert_double_eq(d.best_loss, .382);
    ck_assert_double_eq(d.tail_epochs, 0);
    ck_assert(isnan(d.final_val_metric));
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 6 of 6 by loss (0.3820, accuracy 0.9000; no validation "
                     "split)\n"
                     "verdict: training loss levelled off (over the last 4 epochs loss fell "
                     "0.7% an epoch); without a validation split overfitting cannot be seen\n"
                     "try: hold out a validation split (validation 10% in the data block) to "
                     "see overfitting\n");

    const double falling[] = { .9, .7, .55, .45, .38, .33 };
    make(&f, 6, falling, acc, NULL, NULL);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_IMPROVING);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "try: more epochs, with a validation split"));
}
END_TEST

START_TEST(one_epoch_is_too_short)
{
    const double loss[] = { 0.5 }, acc[] = { 0.9 }, val[] = { 0.6 }, val_acc[] = { 0.88 };
    fixture f;
    make(&f, 1, loss, acc, val, val_acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_TOO_SHORT);
    ck_assert_int_eq(d.best_epoch, 1);
    assert_finite(&d);
    ck_assert_str_eq(text_of(&d), "best epoch: 1 of 1 by val_loss (0.6000, val_accuracy 0.8800)\n"
                                  "verdict: too short to judge: one epoch shows no trend\n"
                                  "try: more epochs\n");
}
END_TEST

START_TEST(two_epochs_are_judged)
{
    const double loss[] = { 0.8, 0.5 }, acc[] = { 0.8, 0.9 }, val[] = { 0.7, 0.5 };
    fixture f;
    make(&f, 2, loss, acc, val, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_IMPROVING);
    ck_assert_int_eq(d.trend_epochs, 2);
    assert_finite(&d);
}
END_TEST

START_TEST(epochs_are_numbered_as_the_curve_numbers_them)
{
    const int epochs[] = { 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
    fixture f;
    make(&f, 10, OF_LOSS, OF_ACC, OF_VAL, OF_VAL_ACC);
    f.c.epoch = epochs;
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.best_epoch, 10);
    ck_assert_int_eq(d.n_epochs, 14);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "overfitting from epoch 11"));
}
END_TEST

/* ---- regression, and numbers that could go wrong ------------------------------------ */

START_TEST(regression_has_no_accuracy_bar)
{
    /* an MAE of 5 says nothing without the target's scale: no underfitting verdict */
    const double loss[] = { 40, 30, 29, 28.9, 28.85 };
    const double mae[] = { 6, 5.2, 5.1, 5.05, 5.04 };
    const double val[] = { 41, 30, 29.95, 29.9, 29.88 };
    fixture f;
    make(&f, 5, loss, mae, val, mae);
    f.c.regress = 1;
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "(29.8800, val_mae 5.0400)"));
}
END_TEST

START_TEST(zero_and_constant_losses_give_finite_numbers)
{
    const double zero[] = { 0, 0, 0, 0, 0 }, acc[] = { 1, 1, 1, 1, 1, 1 };
    fixture f;
    make(&f, 5, zero, acc, zero, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert_int_eq(d.best_epoch, 1);   /* the first of equals */
    ck_assert_double_eq(d.rise_fraction, 0);
    assert_finite(&d);

    const double same[] = { .3, .3, .3, .3, .3, .3 };
    make(&f, 6, same, acc, same, acc);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert_double_eq(d.jitter, 0);
    ck_assert_double_eq(d.loss_fall, 0);
    assert_finite(&d);

    /* validation loss 0 at its best, then not: no fraction of 0 to take */
    const double val[] = { .2, 0, .1, .1, .1, .1 };
    make(&f, 6, same, acc, val, acc);
    nnrt_diagnose(&f.c, &d);
    ck_assert_double_eq(d.rise_fraction, 0);
    assert_finite(&d);

    /* no accuracy at all (a metric the curve lacks) */
    make(&f, 6, same, NULL, same, NULL);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_GOOD);
    ck_assert(isnan(d.best_metric));
    ck_assert_ptr_nonnull(strstr(text_of(&d), "by val_loss (0.3000)\n"));
    assert_finite(&d);
}
END_TEST

START_TEST(a_nan_loss_is_divergence)
{
    const double loss[] = { 1.0, 0.8, NAN, NAN, NAN };
    const double val[] = { 0.9, 0.7, NAN, NAN, NAN };
    const double acc[] = { .5, .6, .1, .1, .1 };
    fixture f;
    make(&f, 5, loss, acc, val, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.bad_epoch, 3);
    ck_assert_int_eq(d.best_epoch, 2);   /* NaN never counts as the best */
    assert_finite(&d);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 2 of 5 by val_loss (0.7000, val_accuracy 0.6000)\n"
                     "verdict: diverged: the loss is not a finite number from epoch 3\n"
                     "try: a lower learning rate (--lr)\n");

    /* an infinite validation loss too; and nothing finite at all */
    const double inf_val[] = { 0.9, INFINITY, 0.5, 0.4, 0.3 };
    make(&f, 5, acc, acc, inf_val, acc);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.bad_epoch, 2);
    const double all_nan[] = { NAN, NAN };
    make(&f, 2, all_nan, NULL, all_nan, NULL);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.best_epoch, 0);
    assert_finite(&d);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "best epoch: none (no finite val_loss)\n"));
}
END_TEST

START_TEST(no_epochs_no_verdict)
{
    fixture f;
    make(&f, 0, NULL, NULL, NULL, NULL);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_NONE);
    assert_finite(&d);
}
END_TEST

START_TEST(the_text_is_cut_to_the_buffer)
{
    fixture f;
    make(&f, 10, OF_LOSS, OF_ACC, OF_VAL, OF_VAL_ACC);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    char full[1024], small[40];
    int need = nnrt_diagnosis_text(&d, full, sizeof full);
    ck_assert_int_eq(nnrt_diagnosis_text(&d, small, sizeof small), need);
    ck_assert_int_eq(strlen(small), sizeof small - 1);
    ck_assert_int_eq(strncmp(small, full, sizeof small - 1), 0);
    ck_assert_int_eq(nnrt_diagnosis_text(&d, NULL, 0), need);
}
END_TEST

START_TEST(best_is_the_first_lowest_finite_value)
{
    const double loss[] = { .5, .4, .3, .3, .2 };
    const double val[] = { NAN, .4, .3, .3, .35 };
    fixture f;
    make(&f, 5, loss, NULL, val, NULL);
    ck_assert_int_eq(nnrt_curve_best(&f.c), 2);
    f.c.has_val = 0;   /* without validation, the training loss */
    ck_assert_int_eq(nnrt_curve_best(&f.c), 4);
    f.c.n = 0;
    ck_assert_int_eq(nnrt_curve_best(&f.c), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diagnose");
    TCase *tc = tcase_create("diagnose");
    tcase_add_test(tc, overfitting_is_dated_and_measured);
    tcase_add_test(tc, one_epoch_after_the_best_is_judged_alone);
    tcase_add_test(tc, a_rise_within_the_noise_is_not_overfitting);
    tcase_add_test(tc, both_losses_rising_is_unstable);
    tcase_add_test(tc, low_accuracy_is_underfitting);
    tcase_add_test(tc, dropout_lowered_training_accuracy_is_not_underfitting);
    tcase_add_test(tc, still_falling_is_still_improving);
    tcase_add_test(tc, low_accuracy_and_still_falling_says_both);
    tcase_add_test(tc, val_flat_while_loss_falls_is_not_improving);
    tcase_add_test(tc, without_validation_the_training_loss_decides);
    tcase_add_test(tc, one_epoch_is_too_short);
    tcase_add_test(tc, two_epochs_are_judged);
    tcase_add_test(tc, epochs_are_numbered_as_the_curve_numbers_them);
    tcase_add_test(tc, regression_has_no_accuracy_bar);
    tcase_add_test(tc, zero_and_constant_losses_give_finite_numbers);
    tcase_add_test(tc, a_nan_loss_is_divergence);
    tcase_add_test(tc, no_epochs_no_verdict);
    tcase_add_test(tc, the_text_is_cut_to_the_buffer);
    tcase_add_test(tc, best_is_the_first_lowest_finite_value);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
