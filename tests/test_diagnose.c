/* test_diagnose.c: the verdict on a learning curve (diagnose.c), on
 * synthetic curves made to show one thing each: overfitting (its onset and
 * size), a rise within the noise, underfitting, still improving, a good
 * fit, no validation split, one epoch, divergence, and curves whose numbers
 * could make a naive rule divide by zero; then with the facts of a run
 * (nnrt_diag_facts): divergence by a jump, by a loss above where it
 * started or above chance, by accuracy at chance; constant inputs, one
 * class, fewer classes than outputs, a classifier trained with mae, a
 * lagging batchnorm.  The verdict's words are held exactly for a few of
 * them.  Last, trainers end to end: a rate a million times too high on
 * Fashion-MNIST and on the houses, and the data warnings on tiny sets. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "trainer_util.h"

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

/* ---- divergence: judged before anything else --------------------------------------- */

/* What the trainer knows of a run of a classifier of `classes` classes
 * trained with cross-entropy: every class equally present in 4500 samples,
 * inputs that vary, no batchnorm. */
static nnrt_diag_facts classifier_facts(int classes, double start_loss, double lr)
{
    return (nnrt_diag_facts){ .lr = lr, .start_loss = start_loss,
                              .loss = NNRT_LOSS_CROSS_ENTROPY, .classes = classes,
                              .chance_loss = log(classes), .n_samples = 4500,
                              .classes_present = classes, .top_label = 0,
                              .top_count = 4500 / classes, .steps = 1000 };
}

START_TEST(a_jump_between_epochs_is_divergence)
{
    /* from 0.7 to 9.0: more than tenfold, with the curve alone */
    const double loss[] = { 1.0, 0.8, 0.7, 9.0, 8.5 };
    const double acc[] = { .6, .7, .8, .2, .2 };
    const double val[] = { 0.9, 0.75, 0.7, 8.0, 8.1 };
    fixture f;
    make(&f, 5, loss, acc, val, acc);
    nnrt_diagnosis d;
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_JUMP);
    ck_assert_int_eq(d.jump_from_epoch, 3);
    ck_assert_int_eq(d.jump_epoch, 4);
    assert_finite(&d);
    ck_assert_ptr_nonnull(strstr(text_of(&d),
                                 "verdict: diverged: the loss jumped from 0.7000 in epoch 3 to "
                                 "9.0000 in epoch 4\n"
                                 "try: a lower learning rate (--lr)\n"));

    /* a little under tenfold is not a jump */
    const double less[] = { 1.0, 0.8, 0.7, 6.9, 6.8 };
    make(&f, 5, less, acc, val, acc);
    nnrt_diagnose(&f.c, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);
}
END_TEST

START_TEST(a_jump_from_the_start_names_a_rate)
{
    /* fashion_mlp at --lr 1e6: 2.38 before the first update, 1.9e14 over epoch 1 */
    const double loss[] = { 1.862e14, 648153.3, 647850.2 };
    const double acc[] = { .11, .1016, .1036 };
    const double val[] = { 1254271.994, 1658041.321, 1467515.139 };
    const double val_acc[] = { .094, .092, .092 };
    fixture f;
    make(&f, 3, loss, acc, val, val_acc);
    nnrt_diag_facts facts = classifier_facts(10, 2.3764, 1e6);
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_JUMP);
    ck_assert_int_eq(d.jump_from_epoch, 0);
    ck_assert_int_eq(d.jump_epoch, 1);
    /* the loss grew 14 orders of magnitude: the rate is cut by the most, 3 */
    ck_assert_double_eq_tol(d.suggested_lr, 1000, 1e-9);
    assert_finite(&d);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 1 of 3 by val_loss (1.254e+06, val_accuracy 0.0940)\n"
                     "verdict: diverged: the loss jumped from 2.3764 where it started to "
                     "1.862e+14 in epoch 1\n"
                     "try: a lower learning rate (--lr 1000; this run used 1e+06)\n");
}
END_TEST

START_TEST(the_rate_is_cut_by_how_far_the_loss_grew)
{
    /* a loss that ends 50% above where it started: a tenth of the rate */
    const double loss[] = { 2.0, 3.0, 3.45 };
    const double acc[] = { .3, .2, .2 };
    fixture f;
    make(&f, 3, loss, acc, NULL, NULL);
    f.c.regress = 1;
    nnrt_diag_facts facts = { .lr = 0.5, .start_loss = 2.3, .n_samples = 100 };
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_ABOVE_START);
    ck_assert_double_eq_tol(d.suggested_lr, 0.05, 1e-12);
    /* 230-fold at its highest: a hundredth */
    const double grew[] = { 20.0, 529.0, 100.0 };
    make(&f, 3, grew, acc, NULL, NULL);
    f.c.regress = 1;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_JUMP);
    ck_assert_double_eq_tol(d.suggested_lr, 0.005, 1e-12);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "try: a lower learning rate (--lr 0.005; this run "
                                              "used 0.5)\n"));
}
END_TEST

START_TEST(a_small_loss_wobbling_is_no_jump)
{
    /* near 0 a loss may move twentyfold and mean nothing: a jump must also
     * reach a tenth of where the loss started */
    const double loss[] = { 0.5, 1e-5, 2e-4, 1e-4 };
    const double acc[] = { .9, 1, 1, 1 };
    fixture f;
    make(&f, 4, loss, acc, loss, acc);
    nnrt_diag_facts facts = classifier_facts(2, 0.7, 0.001);
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);
    /* the edge: from 0.02 to 0.25, 12.5-fold, and above 0.07 */
    const double jumped[] = { 0.5, 0.02, 0.25, 0.2 };
    make(&f, 4, jumped, acc, jumped, acc);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_JUMP);
    ck_assert_int_eq(d.jump_epoch, 3);
}
END_TEST

START_TEST(a_regression_loss_above_its_start_diverged)
{
    /* regression_houses at a rate too high: a finite loss that never came
     * down to where it started, which a regression has no ln K to compare */
    const double loss[] = { 30, 25, 24 };
    const double mae[] = { 4, 3.8, 3.7 };
    const double val[] = { 29, 25, 23 };
    fixture f;
    make(&f, 3, loss, mae, val, mae);
    f.c.regress = 1;
    nnrt_diag_facts facts = { .lr = 0.01, .start_loss = 19.5, .n_samples = 1600 };
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_ABOVE_START);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "verdict: diverged: the loss ended at 24.0000, "
                                              "above where it started (19.5000)\n"
                                              "try: a lower learning rate (--lr 0.001; this run "
                                              "used 0.01)\n"));
    /* the edge: within 10% of the start is not above it */
    const double near[] = { 30, 25, 21.4 };
    make(&f, 3, near, mae, val, mae);
    f.c.regress = 1;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);
}
END_TEST

START_TEST(a_classifier_above_chance_diverged)
{
    /* below where it started, above ln 10 */
    const double loss[] = { 2.9, 2.7, 2.6 };
    const double acc[] = { .15, .14, .15 };
    fixture f;
    make(&f, 3, loss, acc, NULL, NULL);
    nnrt_diag_facts facts = classifier_facts(10, 2.0, 0.1);
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_ABOVE_CHANCE);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "verdict: diverged: the loss ended at 2.6000, "
                                              "above 2.3026 (ln 10), what the same probability "
                                              "on every class scores\n"));
    /* the edge: 2.5 is within 10% of ln 10 */
    const double near[] = { 2.9, 2.7, 2.5 };
    make(&f, 3, near, acc, NULL, NULL);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);

    /* a fresh network may start above ln K (its outputs not all equal): a
     * loss still above it after a few updates, but falling, is no sign */
    const double falling[] = { 1.63, 1.55 };
    make(&f, 2, falling, acc, NULL, NULL);
    facts = classifier_facts(3, 1.65, 0.001);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);
    /* binary cross-entropy's level is ln 2 */
    const double bce[] = { 0.9, 0.85, 0.8 };
    make(&f, 3, bce, acc, NULL, NULL);
    facts = classifier_facts(2, 0.6, 0.001);
    facts.loss = NNRT_LOSS_BINARY_CROSS_ENTROPY;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_ABOVE_CHANCE);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "above 0.6931 (ln 2)"));
}
END_TEST

START_TEST(accuracy_at_chance_after_the_loss_rose_diverged)
{
    /* the loss rose above its start, then settled below it; the accuracy
     * is what always naming one class scores */
    const double loss[] = { 3.1, 2.25, 2.2 };
    const double acc[] = { .1, .105, .103 };
    const double val[] = { 2.3, 2.25, 2.21 };
    fixture f;
    make(&f, 3, loss, acc, val, acc);
    nnrt_diag_facts facts = classifier_facts(10, 2.3, 0.05);
    facts.top_count = 460;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_AT_CHANCE);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "verdict: diverged: accuracy 0.1030 is at chance "
                                              "(the commonest class is 10.2% of the training "
                                              "set) after the loss rose from 2.3000 to "
                                              "3.1000\n"));
    /* the same accuracy with a loss that never rose (a rate too low) is
     * underfitting, and a higher rate may be tried */
    const double flat[] = { 2.3, 2.28, 2.27 }, flat_val[] = { 2.3, 2.29, 2.29 };
    make(&f, 3, flat, acc, flat_val, acc);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "or a higher learning rate\n"));
    /* the edge: 2 points above the commonest class's share is still chance,
     * 3 are not */
    const double edge[] = { .1, .1, .122 };
    make(&f, 3, loss, edge, val, edge);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.divergence, NNRT_DIVERGE_AT_CHANCE);
    const double above_edge[] = { .1, .1, .133 };
    make(&f, 3, loss, above_edge, val, above_edge);
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_ne(d.fit, NNRT_FIT_DIVERGED);
}
END_TEST

START_TEST(no_higher_rate_while_the_loss_is_above_its_start)
{
    /* 5% above where it started: not diverged, but no higher rate either */
    const double loss[] = { 1.06, 1.04, 1.05 };
    const double acc[] = { .5, .52, .5 };
    fixture f;
    make(&f, 3, loss, acc, loss, acc);
    nnrt_diag_facts facts = classifier_facts(4, 1.0, 0.01);
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
    const char *t = text_of(&d);
    ck_assert_msg(!strstr(t, "higher learning rate"), "%s", t);
    ck_assert_ptr_nonnull(strstr(t, "try: a bigger model (more units or layers) or less "
                                    "regularization\n"));
}
END_TEST

/* ---- data the curve cannot be judged by ----------------------------------------------- */

START_TEST(constant_inputs_want_no_bigger_model)
{
    const double loss[] = { 1.4165, 1.3912, 1.39, 1.3883, 1.3905 };
    const double acc[] = { .2, .2463, .2278, .2315, .2389 };
    const double val[] = { 1.3888, 1.3877, 1.3864, 1.389, 1.3895 };
    const double val_acc[] = { .25, .25, .25, .25, .25 };
    fixture f;
    make(&f, 5, loss, acc, val, val_acc);
    nnrt_diag_facts facts = classifier_facts(4, 1.3863, 0.01);
    facts.n_samples = 540;
    facts.top_count = 135;
    facts.constant_inputs = 1;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_CONSTANT_INPUTS);
    ck_assert_int_eq(d.warnings, NNRT_WARN_CONSTANT_INPUTS);
    ck_assert_str_eq(text_of(&d),
                     "best epoch: 3 of 5 by val_loss (1.3864, val_accuracy 0.2500)\n"
                     "verdict: nothing to learn: the inputs do not vary, so a model can only "
                     "learn which answer is commonest\n"
                     "try: check the data the .nn file reads: the input files or columns, and "
                     "scale\n"
                     "warning: the training inputs do not vary: all 540 samples have the same "
                     "value in every input\n");
}
END_TEST

START_TEST(one_class_is_not_underfitting)
{
    /* accuracy 1.0 and a loss falling to nothing, "149% an epoch" */
    const double loss[] = { 0.0587, 1e-4, 2e-6, 1e-7, 1e-8 };
    const double acc[] = { .9778, 1, 1, 1, 1 };
    const double val[] = { 1e-3, 1e-5, 1e-6, 1e-7, 1e-8 };
    fixture f;
    make(&f, 5, loss, acc, val, acc);
    nnrt_diag_facts facts = classifier_facts(10, 2.3, 0.001);
    facts.classes_present = 1;
    facts.top_label = 3;
    facts.top_name = "Dress";
    facts.top_count = facts.n_samples;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_ONE_CLASS);
    ck_assert_int_eq(d.warnings, NNRT_WARN_FEW_CLASSES);
    const char *t = text_of(&d);
    ck_assert_msg(!strstr(t, "underfitting"), "%s", t);
    ck_assert_ptr_nonnull(strstr(t, "verdict: nothing to learn: every training sample is of "
                                    "class 3 (Dress), so accuracy 1.0000 says nothing\n"
                                    "try: check the labels, or the classes `keep` selects: a "
                                    "classifier needs samples of at least two classes\n"
                                    "warning: the training set holds one of the model's 10 "
                                    "classes: all 4500 samples are of class 3\n"));
}
END_TEST

START_TEST(fewer_classes_than_outputs_is_a_warning)
{
    fixture f;
    make(&f, 6, (const double[]){ .9, .7, .6, .52, .46, .41 },
         (const double[]){ .7, .78, .82, .85, .87, .89 },
         (const double[]){ .85, .7, .62, .56, .51, .47 },
         (const double[]){ .72, .79, .83, .86, .87, .88 });
    nnrt_diag_facts facts = classifier_facts(10, 2.3, 0.001);
    facts.classes_present = 2;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_IMPROVING);   /* the curve still judged */
    ck_assert_int_eq(d.warnings, NNRT_WARN_FEW_CLASSES);
    ck_assert_ptr_nonnull(strstr(text_of(&d), "\ntry: more epochs\nwarning: the training set "
                                              "holds 2 of the model's 10 classes: it cannot "
                                              "learn the others\n"));
    /* all of them: no warning */
    facts.classes_present = 10;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.warnings, 0);
}
END_TEST

START_TEST(a_classifier_trained_with_mae_is_told_of_cross_entropy)
{
    const double loss[] = { .18, .17, .168, .167, .1665 };
    const double acc[] = { .3, .4, .42, .43, .43 };
    fixture f;
    make(&f, 5, loss, acc, loss, acc);
    nnrt_diag_facts facts = classifier_facts(10, 0.18, 0.001);
    facts.loss = NNRT_LOSS_MAE;
    facts.chance_loss = 0;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
    ck_assert_int_eq(d.warnings, NNRT_WARN_MAE_CLASSIFIER);
    const char *t = text_of(&d);
    ck_assert_ptr_nonnull(strstr(t, "try: loss cross_entropy (see the warning) before a bigger "
                                    "model\n"
                                    "warning: a classifier trained with mae: its gradient is the "
                                    "same size however wrong an answer is, so it learns slowly "
                                    "if at all; cross_entropy is the loss for classes\n"));
    /* a regression model trained with mae: nothing to say */
    f.c.regress = 1;
    facts.classes = 0;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.warnings, 0);
}
END_TEST

START_TEST(a_lagging_batchnorm_is_not_underfitting)
{
    /* momentum 0.99 after 112 updates: 0.99^112 = 0.325 of the moving
     * statistics is still their initial values */
    const double loss[] = { 0.9, 0.62 };
    const double acc[] = { .7, .79 };
    const double val[] = { 2.1, 1.9 };
    const double val_acc[] = { .3, .33 };
    fixture f;
    make(&f, 2, loss, acc, val, val_acc);
    nnrt_diag_facts facts = classifier_facts(10, 2.4, 0.001);
    facts.bn_momentum = 0.99;
    facts.steps = 112;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_BN_LAG);
    ck_assert_int_eq(d.warnings, NNRT_WARN_BN_LAG);
    ck_assert_double_eq_tol(d.bn_share, pow(0.99, 112), 1e-12);
    ck_assert_int_eq(d.bn_steps_needed, 230);   /* 0.99^229 = 0.1001 */
    const char *t = text_of(&d);
    ck_assert_msg(!strstr(t, "underfitting"), "%s", t);
    ck_assert_ptr_nonnull(strstr(t, "try: at least 230 updates (this run made 112): more epochs "
                                    "or a smaller batch; or a lower momentum on the batchnorm "
                                    "layers (momentum=0.9 needs 22)\n"
                                    "warning: batchnorm's moving statistics lag its batch "
                                    "statistics: at momentum 0.99, after 112 updates they still "
                                    "hold 32% of their initial values (momentum^updates), and "
                                    "validation, eval and predict normalize by them\n"));
    /* the edge: after 229 updates 10.01% is left, after 230 9.9% */
    facts.steps = 229;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_BN_LAG);
    facts.steps = 230;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.warnings, 0);
    ck_assert_int_eq(d.fit, NNRT_FIT_UNDERFIT);
}
END_TEST

START_TEST(divergence_outranks_every_warning)
{
    const double loss[] = { 5e9, 4e9 };
    const double acc[] = { .25, .25 };
    fixture f;
    make(&f, 2, loss, acc, loss, acc);
    nnrt_diag_facts facts = classifier_facts(4, 1.4, 10);
    facts.constant_inputs = 1;
    facts.bn_momentum = 0.99;
    facts.steps = 10;
    nnrt_diagnosis d;
    nnrt_diagnose_run(&f.c, &facts, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.warnings, NNRT_WARN_CONSTANT_INPUTS | NNRT_WARN_BN_LAG);
    assert_finite(&d);
}
END_TEST

/* ---- end to end: what train prints, writes and exits with -------------------------- */

static const char *e2e_dir(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/diagnose", tmp_dir());
    make_dir("%s", path);
    return path;
}

/* Build the trainer for nn_path as DIR/name and run `train ARGS --out
 * DIR/run_name` from the top of the tree, data looked up in DIR; its
 * output in *out, its exit status returned. */
static int train_in(const char *nn_path, const char *name, const char *args, char **out)
{
    const char *dir = e2e_dir();
    char exe[700], cmd[4000];
    snprintf(exe, sizeof exe, "%s/%s", dir, name);
    build_trainer(nn_path, exe);
    snprintf(cmd, sizeof cmd, "rm -rf %s/run_%s && NNC_DATA=%s OPENBLAS_NUM_THREADS=1 %s train %s "
             "--out %s/run_%s", dir, name, dir, exe, args, dir, name);
    return run_cmd(cmd, out);
}

static char *report_of(const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/run_%s/report.txt", e2e_dir(), name);
    return slurp(path);
}

START_TEST(an_absurd_rate_fails_with_a_lower_one_to_try)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char *out;
    int status = train_in("examples/fashion_mlp.nn", "fashion_mlp",
                          "--lr 1e6 --limit 2000 --epochs 2", &out);
    ck_assert_msg(status == 1, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nverdict: diverged: the loss jumped from "));
    ck_assert_ptr_nonnull(strstr(out, "\ntry: a lower learning rate (--lr 1000; this run used "
                                      "1e+06)\n"));
    ck_assert_msg(!strstr(out, "underfitting") && !strstr(out, "higher learning rate"), "%s",
                  out);
    char expect[800];
    snprintf(expect, sizeof expect, "fashion_mlp: error: training diverged (the verdict is in "
             "%s/run_fashion_mlp/report.txt): try --lr 1000\n", e2e_dir());
    ck_assert_msg(strstr(out, expect), "no '%s' in:\n%s", expect, out);
    /* the run's files are all there to look at, the test line printed */
    ck_assert_ptr_nonnull(strstr(out, "\ntest: loss "));
    char *report = report_of("fashion_mlp");
    ck_assert_ptr_nonnull(strstr(report, "\nverdict: diverged: "));
    free(report);
    const char *files[] = { "curve.csv", "curve.svg", "weights", "checkpoint" };
    for (int i = 0; i < 4; i++) {
        char path[800];
        snprintf(path, sizeof path, "%s/run_fashion_mlp/%s", e2e_dir(), files[i]);
        ck_assert_msg(access(path, F_OK) == 0, "%s is missing", path);
    }
    free(out);
}
END_TEST

START_TEST(a_regression_at_an_absurd_rate_fails_too)
{
    char *out;
    int status = train_in("examples/regression_houses.nn", "houses", "--lr 1e6 --epochs 3",
                          &out);
    ck_assert_msg(status == 1, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nverdict: diverged: the loss jumped from "));
    ck_assert_ptr_nonnull(strstr(out, "\ntry: a lower learning rate (--lr 1000;"));
    ck_assert_msg(!strstr(out, "good fit"), "%s", out);
    free(out);
}
END_TEST

enum { TINY = 120, TINY_SIDE = 8 };

/* DIR/NAME-images and -labels: TINY images of TINY_SIDE^2 pixels, each
 * pixel `constant` or (when it is negative) pseudo-random; labels
 * label_of(i). */
static void write_tiny(const char *name, int constant, int (*label_of)(int))
{
    uint8_t pixels[TINY * TINY_SIDE * TINY_SIDE], labels[TINY];
    uint32_t s = 7;
    for (size_t i = 0; i < sizeof pixels; i++) {
        s = s * 1664525u + 1013904223u;
        pixels[i] = (uint8_t)(constant >= 0 ? constant : (int)(s >> 24));
    }
    for (int i = 0; i < TINY; i++)
        labels[i] = (uint8_t)label_of(i);
    int idims[3] = { TINY, TINY_SIDE, TINY_SIDE }, ldims[1] = { TINY };
    char path[700];
    snprintf(path, sizeof path, "%s/%s-images", e2e_dir(), name);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/%s-labels", e2e_dir(), name);
    write_idx(path, labels, 1, ldims);
}

static int label_three(int i) { (void)i; return 3; }
static int label_cycle(int i) { return i % 4; }

/* A .nn file for tiny data: the train set `train`, the test set mixed;
 * `extra` in the data block, `layers` between the input and the output,
 * `loss` as the train block's. */
static const char *tiny_model(const char *name, const char *train, const char *extra,
                              const char *layers, int outputs, const char *loss)
{
    static char path[700];
    char text[2048];
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        images \"%s-images\"\n        labels \"%s-labels\"\n    }\n"
             "    test {\n        images \"mixed-images\"\n        labels \"mixed-labels\"\n    }\n"
             "    validation 10%%\n    scale 1/255\n%s"
             "}\n"
             "network {\n    input %dx%d\n    flatten\n%s    dense %d softmax\n}\n"
             "train {\n    loss %s\n    optimizer adam lr=0.01\n    batch 32\n    epochs 3\n"
             "    seed 1\n}\n",
             name, train, train, extra, TINY_SIDE, TINY_SIDE, layers, outputs, loss);
    snprintf(path, sizeof path, "%s/%s.nn", e2e_dir(), name);
    write_text(path, text);
    return path;
}

START_TEST(data_that_cannot_be_learned_is_said_so)
{
    write_tiny("mixed", -1, label_cycle);
    char *out;

    /* one class: `keep 2 3` of a set whose labels are all 3 */
    write_tiny("one", -1, label_three);
    int status = train_in(tiny_model("one_class", "one", "    keep 2 3\n", "    dense 8 relu\n", 2,
                                     "cross_entropy"),
                          "one_class", "", &out);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nverdict: nothing to learn: every training sample is "
                                      "of class 1, so accuracy "));
    ck_assert_ptr_nonnull(strstr(out, "\nwarning: the training set holds one of the model's 2 "
                                      "classes: all 108 samples are of class 1\n"));
    ck_assert_msg(!strstr(out, "underfitting"), "%s", out);
    free(out);

    /* constant inputs, four classes */
    write_tiny("flat", 77, label_cycle);
    status = train_in(tiny_model("constant", "flat", "", "    dense 8 relu\n", 4,
                                 "cross_entropy"),
                      "constant", "", &out);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nverdict: nothing to learn: the inputs do not vary"));
    ck_assert_ptr_nonnull(strstr(out, "\nwarning: the training inputs do not vary: all 108 "
                                      "samples have the same value in every input\n"));
    ck_assert_msg(!strstr(out, "bigger model"), "%s", out);
    char *report = report_of("constant");
    ck_assert_ptr_nonnull(strstr(report, "\nwarning: the training inputs do not vary"));
    free(report);
    free(out);
}
END_TEST

START_TEST(a_young_batchnorm_and_mae_are_warned_of)
{
    write_tiny("mixed", -1, label_cycle);
    char *out;
    /* 108 samples in batches of 32, 3 epochs: 12 updates at momentum 0.99 */
    int status = train_in(tiny_model("young_bn", "mixed", "", "    dense 8\n    batchnorm relu\n",
                                     4, "cross_entropy"),
                          "young_bn", "", &out);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nverdict: not judged: batchnorm's moving statistics"));
    ck_assert_ptr_nonnull(strstr(out, "\nwarning: batchnorm's moving statistics lag its batch "
                                      "statistics: at momentum 0.99, after 12 updates they "
                                      "still hold 89% of their initial values"));
    free(out);

    status = train_in(tiny_model("mae", "mixed", "", "    dense 8 relu\n", 4, "mae"), "mae", "",
                      &out);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    ck_assert_ptr_nonnull(strstr(out, "\nwarning: a classifier trained with mae: "));
    free(out);
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
    tcase_add_test(tc, a_jump_between_epochs_is_divergence);
    tcase_add_test(tc, a_jump_from_the_start_names_a_rate);
    tcase_add_test(tc, the_rate_is_cut_by_how_far_the_loss_grew);
    tcase_add_test(tc, a_small_loss_wobbling_is_no_jump);
    tcase_add_test(tc, a_regression_loss_above_its_start_diverged);
    tcase_add_test(tc, a_classifier_above_chance_diverged);
    tcase_add_test(tc, accuracy_at_chance_after_the_loss_rose_diverged);
    tcase_add_test(tc, no_higher_rate_while_the_loss_is_above_its_start);
    tcase_add_test(tc, constant_inputs_want_no_bigger_model);
    tcase_add_test(tc, one_class_is_not_underfitting);
    tcase_add_test(tc, fewer_classes_than_outputs_is_a_warning);
    tcase_add_test(tc, a_classifier_trained_with_mae_is_told_of_cross_entropy);
    tcase_add_test(tc, a_lagging_batchnorm_is_not_underfitting);
    tcase_add_test(tc, divergence_outranks_every_warning);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("train");
    tcase_set_timeout(e2e, 600);
    tcase_add_test(e2e, an_absurd_rate_fails_with_a_lower_one_to_try);
    tcase_add_test(e2e, a_regression_at_an_absurd_rate_fails_too);
    tcase_add_test(e2e, data_that_cannot_be_learned_is_said_so);
    tcase_add_test(e2e, a_young_batchnorm_and_mae_are_warned_of);
    suite_add_tcase(s, e2e);
    return run_suite(s);
}
