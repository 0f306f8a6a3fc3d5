/* diagnose.c: the verdict on a learning curve.
 *
 * The rules, tried in this order; the first that holds is the verdict
 * (thresholds in diagnose.h, reasons in docs/trainer.md, "Diagnosis"):
 *
 *   diverged     a loss or val_loss is NaN or infinite.
 *   too short    one epoch: nothing to compare it with.
 *   overfitting  after its best epoch b the validation loss ends (the mean
 *                of the last NNRT_DIAG_TAIL epochs after b) above its best
 *                by at least NNRT_DIAG_OVERFIT_RISE of it and at least
 *                NNRT_DIAG_NOISE_FACTOR times its jitter, while the training
 *                loss (averaged over the same epochs) fell below its value
 *                at b.  If the training loss did not fall: unstable.
 *   underfitting a classifier's last training accuracy, or its validation
 *                accuracy if higher, is below NNRT_DIAG_UNDERFIT_ACCURACY.
 *   improving    the loss that picks the best epoch (val_loss, else loss)
 *                falls by at least NNRT_DIAG_IMPROVING of its level per
 *                epoch over the last NNRT_DIAG_TREND_EPOCHS epochs and, with
 *                validation, made its best within them.
 *   good fit     otherwise, with validation: val_loss levelled off.
 *   levelled     otherwise, without: the training loss levelled off, and
 *                overfitting cannot be seen.
 *
 * jitter: the mean of |v[i] - (v[i-1] + v[i+1]) / 2| over the second half
 * of the run.  Measuring each value against the line through its
 * neighbours ignores a steady trend; for independent noise of standard
 * deviation s it comes to 0.98 s.
 *
 * Every number comes out finite (0 where it cannot be computed), whatever
 * the input holds. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"

int nnrt_curve_best(const nnrt_curve *c)
{
    const double *v = c->has_val && c->val_loss ? c->val_loss : c->loss;
    int best = -1;
    for (int i = 0; i < c->n; i++)
        if (isfinite(v[i]) && (best < 0 || v[i] < v[best]))
            best = i;
    return best;
}

static double at(const double *v, int i)
{
    return v ? v[i] : NAN;
}

/* Mean of the finite values among v[from .. to); 0 if none. */
static double mean(const double *v, int from, int to)
{
    double sum = 0;
    int n = 0;
    for (int i = from; i < to; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            n++;
        }
    return n ? sum / n : 0;
}

/* a / b, or 0 when b is not above 0: a rate needs a level to be relative to. */
static double ratio(double a, double b)
{
    return b > 1e-12 ? a / b : 0;
}

/* See the top of the file. */
static double jitter(const double *v, int n)
{
    double sum = 0;
    int count = 0;
    for (int i = n / 2 > 1 ? n / 2 : 1; i + 1 < n; i++) {
        double d = v[i] - (v[i - 1] + v[i + 1]) / 2;
        if (isfinite(d)) {
            sum += fabs(d);
            count++;
        }
    }
    return count ? sum / count : 0;
}

/* The fall per epoch of v over [from, n) as a fraction of its mean there:
 * minus the least-squares slope, over the mean. */
static double fall_rate(const double *v, int from, int n)
{
    double level = mean(v, from, n);
    double x_mean = (from + n - 1) / 2.0, sxy = 0, sxx = 0;
    for (int i = from; i < n; i++) {
        sxy += (i - x_mean) * (v[i] - level);
        sxx += (i - x_mean) * (i - x_mean);
    }
    return sxx > 0 ? ratio(-sxy / sxx, level) : 0;
}

/* The first epoch (index) whose loss is NaN or infinite, or whose val_loss
 * is infinite (a NaN val_loss is a missing value: no validation that
 * epoch); -1 if none. */
static int first_bad(const nnrt_curve *c)
{
    for (int i = 0; i < c->n; i++)
        if (!isfinite(c->loss[i]) || (c->has_val && c->val_loss && !isnan(c->val_loss[i]) &&
                                      !isfinite(c->val_loss[i])))
            return i;
    return -1;
}

/* The overfitting numbers: how the epochs after the best one compare with it. */
static void measure_rise(const nnrt_curve *c, int b, nnrt_diagnosis *d)
{
    int after = c->n - 1 - b;
    d->tail_epochs = after < NNRT_DIAG_TAIL ? after : NNRT_DIAG_TAIL;
    d->loss_at_best = c->loss[b];
    d->jitter = jitter(c->val_loss, c->n);
    if (d->tail_epochs == 0) {
        d->end_val_loss = d->best_loss;
        d->end_loss = d->loss_at_best;
        return;
    }
    d->end_val_loss = mean(c->val_loss, c->n - d->tail_epochs, c->n);
    d->end_loss = mean(c->loss, c->n - d->tail_epochs, c->n);
    d->rise = d->end_val_loss - d->best_loss;
    d->rise_fraction = ratio(d->rise, d->best_loss);
}

static int rose(const nnrt_diagnosis *d)
{
    return d->tail_epochs > 0 && d->rise_fraction >= NNRT_DIAG_OVERFIT_RISE &&
           d->rise >= NNRT_DIAG_NOISE_FACTOR * d->jitter;
}

/* Still improving: the monitored loss falls fast enough, and (with
 * validation) made its best recently. */
static void measure_trend(const nnrt_curve *c, int b, nnrt_diagnosis *d)
{
    int k = c->n < NNRT_DIAG_TREND_EPOCHS ? c->n : NNRT_DIAG_TREND_EPOCHS;
    int from = c->n - k;
    d->trend_epochs = k;
    d->loss_fall = fall_rate(c->loss, from, c->n);
    if (c->has_val) {
        d->val_fall = fall_rate(c->val_loss, from, c->n);
        d->improving = d->val_fall >= NNRT_DIAG_IMPROVING && b >= from;
    } else {
        d->improving = d->loss_fall >= NNRT_DIAG_IMPROVING;
    }
}

static int underfit(const nnrt_diagnosis *d)
{
    if (d->regress || !isfinite(d->final_metric))
        return 0;
    double acc = d->final_metric;
    if (isfinite(d->final_val_metric) && d->final_val_metric > acc)
        acc = d->final_val_metric;
    return acc < NNRT_DIAG_UNDERFIT_ACCURACY;
}

void nnrt_diagnose(const nnrt_curve *c, nnrt_diagnosis *d)
{
    memset(d, 0, sizeof *d);
    d->best_metric = d->final_metric = d->final_val_metric = NAN;
    d->regress = c->regress;
    d->has_val = c->has_val && c->val_loss != NULL;
    if (c->n <= 0) {
        d->fit = NNRT_FIT_NONE;
        return;
    }
    nnrt_curve view = *c;
    view.has_val = d->has_val;
    c = &view;
    int last = c->n - 1;
    d->n_epochs = nnrt_curve_epoch(c, last);
    d->final_metric = at(c->metric, last);
    d->final_val_metric = d->has_val ? at(c->val_metric, last) : NAN;

    int bad = first_bad(c), b = nnrt_curve_best(c);
    if (b >= 0) {
        d->best_epoch = nnrt_curve_epoch(c, b);
        d->best_loss = d->has_val ? c->val_loss[b] : c->loss[b];
        d->best_metric = at(d->has_val ? c->val_metric : c->metric, b);
    }
    if (bad >= 0 || b < 0) {
        d->fit = NNRT_FIT_DIVERGED;
        d->bad_epoch = nnrt_curve_epoch(c, bad >= 0 ? bad : 0);
        return;
    }
    if (c->n == 1) {
        d->fit = NNRT_FIT_TOO_SHORT;
        return;
    }
    measure_trend(c, b, d);
    if (d->has_val) {
        measure_rise(c, b, d);
        if (rose(d)) {
            d->fit = d->end_loss < d->loss_at_best ? NNRT_FIT_OVERFIT : NNRT_FIT_UNSTABLE;
            return;
        }
    }
    if (underfit(d))
        d->fit = NNRT_FIT_UNDERFIT;
    else if (d->improving)
        d->fit = NNRT_FIT_IMPROVING;
    else
        d->fit = d->has_val ? NNRT_FIT_GOOD : NNRT_FIT_LEVELLED;
}

/* ---- the words --------------------------------------------------------- */

/* What snprintf-style appending needs: the buffer, and how much was asked for. */
typedef struct text {
    char *buf;
    size_t len;
    int used;                   /* as snprintf counts: may pass len */
} text;

__attribute__((format(printf, 2, 3))) static void say(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t at = (size_t)t->used < t->len ? (size_t)t->used : t->len;
    int n = vsnprintf(t->buf ? t->buf + at : NULL, t->len - at, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->used += n;
}

static const char *metric_name(const nnrt_diagnosis *d)
{
    return d->regress ? "mae" : "accuracy";
}

static void best_line(text *t, const nnrt_diagnosis *d)
{
    if (d->best_epoch == 0) {
        say(t, "best epoch: none (no finite %s)\n", d->has_val ? "val_loss" : "loss");
        return;
    }
    say(t, "best epoch: %d of %d by %s (%.4f", d->best_epoch, d->n_epochs,
        d->has_val ? "val_loss" : "loss", d->best_loss);
    if (isfinite(d->best_metric))
        say(t, ", %s%s %.4f", d->has_val ? "val_" : "", metric_name(d), d->best_metric);
    say(t, "%s)\n", d->has_val ? "" : "; no validation split");
}

/* "over the last 4 epochs loss fell 2.3% an epoch and val_loss 1.1%" */
static void trend(text *t, const nnrt_diagnosis *d)
{
    say(t, "over the last %d epochs loss %s %.1f%% an epoch", d->trend_epochs,
        d->loss_fall >= 0 ? "fell" : "rose", fabs(d->loss_fall) * 100);
    if (d->has_val)
        say(t, ", val_loss %s %.1f%%", d->val_fall >= 0 ? "fell" : "rose",
            fabs(d->val_fall) * 100);
}

/* "0.4328 over the last 3 epochs" */
static void tail_words(text *t, const nnrt_diagnosis *d)
{
    if (d->tail_epochs == 1)
        say(t, "%.4f at epoch %d", d->end_val_loss, d->n_epochs);
    else
        say(t, "%.4f over the last %d epochs", d->end_val_loss, d->tail_epochs);
}

static void rise_words(text *t, const nnrt_diagnosis *d)
{
    say(t, "val_loss rose from %.4f at epoch %d to ", d->best_loss, d->best_epoch);
    tail_words(t, d);
    say(t, ", +%.4f (+%.1f%%)", d->rise, d->rise_fraction * 100);
}

static void verdict_line(text *t, const nnrt_diagnosis *d)
{
    say(t, "verdict: ");
    switch (d->fit) {
    case NNRT_FIT_NONE:
        say(t, "no epochs to judge\n");
        break;
    case NNRT_FIT_DIVERGED:
        say(t, "diverged: the loss is not a finite number from epoch %d\n", d->bad_epoch);
        break;
    case NNRT_FIT_TOO_SHORT:
        say(t, "too short to judge: one epoch shows no trend\n");
        break;
    case NNRT_FIT_OVERFIT:
        say(t, "overfitting from epoch %d: ", d->best_epoch + 1);
        rise_words(t, d);
        say(t, ", while loss fell from %.4f to %.4f\n", d->loss_at_best, d->end_loss);
        break;
    case NNRT_FIT_UNSTABLE:
        say(t, "unstable from epoch %d: ", d->best_epoch + 1);
        rise_words(t, d);
        say(t, ", and loss did not fall (%.4f to %.4f)\n", d->loss_at_best, d->end_loss);
        break;
    case NNRT_FIT_UNDERFIT:
        say(t, "underfitting: accuracy %.4f", d->final_metric);
        if (isfinite(d->final_val_metric))
            say(t, " (validation %.4f)", d->final_val_metric);
        say(t, " at the end, below %.2f%s\n", NNRT_DIAG_UNDERFIT_ACCURACY,
            d->improving ? ", and still improving" : "");
        break;
    case NNRT_FIT_IMPROVING:
        say(t, "underfitting, still improving: ");
        trend(t, d);
        say(t, "\n");
        break;
    case NNRT_FIT_GOOD:
        say(t, "good fit: val_loss levelled off");
        if (d->tail_epochs > 0) {
            say(t, " near its best (");
            tail_words(t, d);
            say(t, ", %+.1f%%", d->rise_fraction * 100);
            if (d->rise_fraction >= NNRT_DIAG_OVERFIT_RISE)
                say(t, ", within its epoch-to-epoch noise of %.4f", d->jitter);
            say(t, ")");
        }
        if (d->loss_fall >= NNRT_DIAG_IMPROVING)
            say(t, " while loss still falls %.1f%% an epoch: more epochs would widen the gap",
                d->loss_fall * 100);
        say(t, "\n");
        break;
    case NNRT_FIT_LEVELLED:
        say(t, "training loss levelled off (");
        trend(t, d);
        say(t, "); without a validation split overfitting cannot be seen\n");
        break;
    }
}

static void try_line(text *t, const nnrt_diagnosis *d)
{
    say(t, "try: ");
    switch (d->fit) {
    case NNRT_FIT_NONE:
    case NNRT_FIT_TOO_SHORT:
        say(t, "more epochs\n");
        break;
    case NNRT_FIT_DIVERGED:
        say(t, "a lower learning rate (--lr)\n");
        break;
    case NNRT_FIT_OVERFIT:
        say(t, "early stopping at epoch %d, regularization (L2, dropout, augmentation), "
               "or a smaller model\n", d->best_epoch);
        break;
    case NNRT_FIT_UNSTABLE:
        say(t, "a lower learning rate (--lr) or a learning-rate schedule; keep epoch %d's "
               "weights\n", d->best_epoch);
        break;
    case NNRT_FIT_UNDERFIT:
        if (d->improving)
            say(t, "more epochs first; then a bigger model (more units or layers) or less "
                   "regularization\n");
        else
            say(t, "a bigger model (more units or layers), less regularization, or a "
                   "higher learning rate\n");
        break;
    case NNRT_FIT_IMPROVING:
        say(t, "more epochs%s\n", d->has_val ? "" : ", with a validation split to see when "
                                                   "it starts to overfit");
        break;
    case NNRT_FIT_GOOD:
        say(t, "nothing urgent: stop near epoch %d; for a lower error, a bigger model with "
               "regularization\n", d->best_epoch);
        break;
    case NNRT_FIT_LEVELLED:
        say(t, "hold out a validation split (validation 10%% in the data block) to see "
               "overfitting\n");
        break;
    }
}

int nnrt_diagnosis_text(const nnrt_diagnosis *d, char *buf, size_t len)
{
    text t = { buf, len, 0 };
    if (buf && len)
        buf[0] = '\0';
    best_line(&t, d);
    verdict_line(&t, d);
    try_line(&t, d);
    return t.used;
}
