/* diagnose.c: the verdict on a learning curve, and on what else the
 * trainer knows of the run (nnrt_diag_facts: where the loss started, the
 * classes, the inputs, batchnorm).
 *
 * The rules, tried in this order; the first that holds is the verdict
 * (thresholds in diagnose.h, reasons in docs/trainer.md, "Diagnosis"):
 *
 *   diverged     a loss or val_loss is NaN or infinite; or the training
 *                loss jumped NNRT_DIAG_JUMP-fold from where it started or
 *                from one epoch to the next (to at least
 *                NNRT_DIAG_JUMP_FLOOR of where it started); or it ends
 *                above a classifier's chance level, or above where it
 *                started, by more than NNRT_DIAG_ABOVE; or a classifier's
 *                accuracy is at chance (within NNRT_DIAG_AT_CHANCE of the
 *                commonest class's share) after its loss rose above where
 *                it started.  First, because every later rule reads the
 *                curve as the record of a working optimization.
 *   nothing to   the training inputs do not vary; or the training set
 *   learn        holds one class.
 *   not judged   batchnorm's moving statistics still hold at least
 *                NNRT_DIAG_BN_LAG of their initial values (momentum^updates):
 *                validation runs on them.
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
 * Warnings, whatever the verdict: constant inputs, fewer classes in the
 * training set than the model has outputs, a classifier trained with mae,
 * a lagging batchnorm.
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

/* The higher of the last training and validation accuracy (dropout
 * lowers the training one); NAN if neither. */
static double final_accuracy(const nnrt_diagnosis *d)
{
    double acc = d->final_metric;
    if (isfinite(d->final_val_metric) && !(acc >= d->final_val_metric))
        acc = d->final_val_metric;
    return acc;
}

static int underfit(const nnrt_diagnosis *d)
{
    return !d->regress && isfinite(d->final_metric) &&
           final_accuracy(d) < NNRT_DIAG_UNDERFIT_ACCURACY;
}

/* ---- divergence ------------------------------------------------------- */

/* v is above level (a level of 0 is unknown: nothing is above it) */
static int above(double v, double level)
{
    return level > 0 && v > level * (1 + NNRT_DIAG_ABOVE);
}

/* What the last loss must not end above: the higher of where it started
 * and a classifier's chance level (a fresh network often starts above
 * ln K, its outputs not all equal, and a few updates may leave it there);
 * either alone when the other is unknown; 0 when neither is. */
static double end_ceiling(const nnrt_diag_facts *f)
{
    return f ? fmax(f->start_loss, f->chance_loss) : 0;
}

/* The highest finite training loss; 0 if none. */
static double peak_loss(const nnrt_curve *c)
{
    double peak = 0;
    for (int i = 0; i < c->n; i++)
        if (isfinite(c->loss[i]) && c->loss[i] > peak)
            peak = c->loss[i];
    return peak;
}

/* The first jump of the training loss, from where it started (if known)
 * and then from epoch to epoch, into d; whether there is one. */
static int find_jump(const nnrt_curve *c, double start, nnrt_diagnosis *d)
{
    double before = start;
    for (int i = 0; i < c->n; i++) {
        double v = c->loss[i];
        if (before > 0 && v >= NNRT_DIAG_JUMP * before && v >= NNRT_DIAG_JUMP_FLOOR * start) {
            d->jump_epoch = nnrt_curve_epoch(c, i);
            d->jump_from_epoch = i > 0 ? nnrt_curve_epoch(c, i - 1) : 0;
            d->jump_from = before;
            d->jump_to = v;
            return 1;
        }
        before = v;
    }
    return 0;
}

/* A classifier of varied inputs and classes answers no better than always
 * naming the commonest class, after its loss rose above where it started
 * (a rate too low leaves the loss where it was instead). */
static int at_chance(const nnrt_curve *c, const nnrt_diag_facts *f, nnrt_diagnosis *d)
{
    if (!f || c->regress || f->classes_present < 2 || f->constant_inputs || f->n_samples <= 0 ||
        !above(peak_loss(c), f->start_loss))
        return 0;
    double acc = final_accuracy(d);
    return isfinite(acc) && acc <= (double)f->top_count / f->n_samples + NNRT_DIAG_AT_CHANCE;
}

/* The run's rate cut by an order of magnitude per order the loss grew by
 * from where it started (or its first epoch) to its highest, 1 to
 * NNRT_DIAG_MAX_CUT_ORDERS of them; 0 when the rate is unknown. */
static double suggested_lr(const nnrt_curve *c, const nnrt_diag_facts *f)
{
    if (!f || !(f->lr > 0))
        return 0;
    double base = f->start_loss > 0 ? f->start_loss : 0;
    for (int i = 0; base <= 0 && i < c->n; i++)
        if (isfinite(c->loss[i]))
            base = c->loss[i];
    double orders = base > 0 ? floor(log10(peak_loss(c) / base)) : 0;
    if (!(orders >= 1))
        orders = 1;
    if (orders > NNRT_DIAG_MAX_CUT_ORDERS)
        orders = NNRT_DIAG_MAX_CUT_ORDERS;
    return f->lr / pow(10, orders);
}

/* Whether the run diverged, and why, into d.  bad: the first epoch with
 * a NaN or infinity (-1: none); b: the best epoch (-1: none). */
static int diverged(const nnrt_curve *c, const nnrt_diag_facts *f, int bad, int b,
                    nnrt_diagnosis *d)
{
    double start = f ? f->start_loss : 0;
    d->peak_loss = peak_loss(c);
    if (bad >= 0 || b < 0) {
        d->divergence = NNRT_DIVERGE_NONFINITE;
        d->bad_epoch = nnrt_curve_epoch(c, bad >= 0 ? bad : 0);
    } else if (find_jump(c, start, d)) {
        d->divergence = NNRT_DIVERGE_JUMP;
    } else if (above(d->last_loss, end_ceiling(f))) {
        d->divergence = f->chance_loss > f->start_loss ? NNRT_DIVERGE_ABOVE_CHANCE
                                                       : NNRT_DIVERGE_ABOVE_START;
    } else if (at_chance(c, f, d)) {
        d->divergence = NNRT_DIVERGE_AT_CHANCE;
        d->final_accuracy = final_accuracy(d);
    } else {
        return 0;
    }
    d->fit = NNRT_FIT_DIVERGED;
    d->suggested_lr = suggested_lr(c, f);
    return 1;
}

/* ---- warnings ---------------------------------------------------------- */

/* Updates at momentum after which the initial values' share,
 * momentum^updates, is below NNRT_DIAG_BN_LAG. */
static long bn_steps_needed(double momentum)
{
    return (long)ceil(log(NNRT_DIAG_BN_LAG) / log(momentum));
}

static void judge_warnings(const nnrt_curve *c, const nnrt_diag_facts *f, nnrt_diagnosis *d)
{
    if (!f)
        return;
    if (f->constant_inputs)
        d->warnings |= NNRT_WARN_CONSTANT_INPUTS;
    if (!c->regress && f->classes_present > 0 && f->classes_present < f->classes)
        d->warnings |= NNRT_WARN_FEW_CLASSES;
    if (!c->regress && f->classes > 0 && f->loss == NNRT_LOSS_MAE)
        d->warnings |= NNRT_WARN_MAE_CLASSIFIER;
    if (f->bn_momentum > 0 && f->bn_momentum < 1) {
        d->bn_share = pow(f->bn_momentum, (double)f->steps);
        d->bn_steps_needed = bn_steps_needed(f->bn_momentum);
        if (d->bn_share >= NNRT_DIAG_BN_LAG)
            d->warnings |= NNRT_WARN_BN_LAG;
    }
}

/* Nothing the curve could show, whatever its shape: verdicts on the data
 * and on batchnorm, before the curve's own.  Whether one holds. */
static int not_the_curve(const nnrt_diag_facts *f, nnrt_diagnosis *d)
{
    if (d->warnings & NNRT_WARN_CONSTANT_INPUTS)
        d->fit = NNRT_FIT_CONSTANT_INPUTS;
    else if (f && f->classes >= 2 && f->classes_present == 1)
        d->fit = NNRT_FIT_ONE_CLASS;
    else if (d->warnings & NNRT_WARN_BN_LAG)
        d->fit = NNRT_FIT_BN_LAG;
    else
        return 0;
    return 1;
}

/* ---- the verdict -------------------------------------------------------- */

void nnrt_diagnose(const nnrt_curve *c, nnrt_diagnosis *d)
{
    nnrt_diagnose_run(c, NULL, d);
}

void nnrt_diagnose_run(const nnrt_curve *c, const nnrt_diag_facts *f, nnrt_diagnosis *d)
{
    memset(d, 0, sizeof *d);
    if (f)
        d->facts = *f;
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
    d->last_loss = isfinite(c->loss[last]) ? c->loss[last] : 0;

    int bad = first_bad(c), b = nnrt_curve_best(c);
    if (b >= 0) {
        d->best_epoch = nnrt_curve_epoch(c, b);
        d->best_loss = d->has_val ? c->val_loss[b] : c->loss[b];
        d->best_metric = at(d->has_val ? c->val_metric : c->metric, b);
    }
    judge_warnings(c, f, d);
    if (diverged(c, f, bad, b, d) || not_the_curve(f, d))
        return;
    if (c->n == 1) {
        d->fit = NNRT_FIT_TOO_SHORT;
        return;
    }
    measure_trend(c, b, d);
    if (d->has_val) {
        measure_rise(c, b, d);
        if (rose(d)) {
            d->fit = d->end_loss < d->loss_at_best ? NNRT_FIT_OVERFIT : NNRT_FIT_UNSTABLE;
            if (d->fit == NNRT_FIT_UNSTABLE)
                d->suggested_lr = suggested_lr(c, f);
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

/* A loss or metric in buf: %.4f, or %.4g from 1e5 on (a diverged run's
 * losses run to twenty digits). */
static const char *num(char buf[32], double v)
{
    snprintf(buf, 32, fabs(v) < 1e5 ? "%.4f" : "%.4g", v);
    return buf;
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
    char a[32];
    say(t, "best epoch: %d of %d by %s (%s", d->best_epoch, d->n_epochs,
        d->has_val ? "val_loss" : "loss", num(a, d->best_loss));
    if (isfinite(d->best_metric))
        say(t, ", %s%s %s", d->has_val ? "val_" : "", metric_name(d), num(a, d->best_metric));
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

/* "ln 10": the chance level's name */
static int chance_classes(const nnrt_diag_facts *f)
{
    return f->loss == NNRT_LOSS_BINARY_CROSS_ENTROPY ? 2 : f->classes;
}

static void divergence_words(text *t, const nnrt_diagnosis *d)
{
    const nnrt_diag_facts *f = &d->facts;
    char a[32], b[32];
    say(t, "diverged: ");
    switch (d->divergence) {
    case NNRT_DIVERGE_NONE:
    case NNRT_DIVERGE_NONFINITE:
        say(t, "the loss is not a finite number from epoch %d", d->bad_epoch);
        break;
    case NNRT_DIVERGE_JUMP:
        if (d->jump_from_epoch == 0)
            say(t, "the loss jumped from %s where it started to %s in epoch %d",
                num(a, d->jump_from), num(b, d->jump_to), d->jump_epoch);
        else
            say(t, "the loss jumped from %s in epoch %d to %s in epoch %d", num(a, d->jump_from),
                d->jump_from_epoch, num(b, d->jump_to), d->jump_epoch);
        break;
    case NNRT_DIVERGE_ABOVE_CHANCE:
        say(t, "the loss ended at %s, above %s (ln %d), what the same probability on every "
               "class scores", num(a, d->last_loss), num(b, f->chance_loss), chance_classes(f));
        break;
    case NNRT_DIVERGE_ABOVE_START:
        say(t, "the loss ended at %s, above where it started (%s)", num(a, d->last_loss),
            num(b, f->start_loss));
        break;
    case NNRT_DIVERGE_AT_CHANCE:
        say(t, "accuracy %.4f is at chance (the commonest class is %.1f%% of the training set) "
               "after the loss rose from %s to %s",
            d->final_accuracy, 100.0 * (double)f->top_count / (double)f->n_samples,
            num(a, f->start_loss), num(b, d->peak_loss));
        break;
    }
    say(t, "\n");
}

static void verdict_line(text *t, const nnrt_diagnosis *d)
{
    say(t, "verdict: ");
    switch (d->fit) {
    case NNRT_FIT_NONE:
        say(t, "no epochs to judge\n");
        break;
    case NNRT_FIT_DIVERGED:
        divergence_words(t, d);
        break;
    case NNRT_FIT_CONSTANT_INPUTS:
        say(t, "nothing to learn: the inputs do not vary, so a model can only learn which "
               "answer is commonest\n");
        break;
    case NNRT_FIT_ONE_CLASS:
        say(t, "nothing to learn: every training sample is of class %d", d->facts.top_label);
        if (d->facts.top_name)
            say(t, " (%s)", d->facts.top_name);
        if (isfinite(d->final_metric))
            say(t, ", so accuracy %.4f says nothing", d->final_metric);
        say(t, "\n");
        break;
    case NNRT_FIT_BN_LAG:
        say(t, "not judged: batchnorm's moving statistics have not caught up with its batch "
               "statistics (see the warning), so validation and test, which normalize by them, "
               "understate the model\n");
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

/* "a lower learning rate (--lr 0.0001; this run used 0.001)" */
static void lower_rate(text *t, const nnrt_diagnosis *d)
{
    if (d->suggested_lr > 0)
        say(t, "a lower learning rate (--lr %g; this run used %g)", d->suggested_lr,
            d->facts.lr);
    else
        say(t, "a lower learning rate (--lr)");
}

/* A higher rate is advice for a loss that fell, never for one that ended
 * where it started or above (without facts, nothing says it did). */
static int may_raise_rate(const nnrt_diagnosis *d)
{
    return !(d->facts.start_loss > 0 && d->last_loss >= d->facts.start_loss);
}

static void underfit_try(text *t, const nnrt_diagnosis *d)
{
    if (d->warnings & NNRT_WARN_MAE_CLASSIFIER)
        say(t, "loss cross_entropy (see the warning) before a bigger model\n");
    else if (d->improving)
        say(t, "more epochs first; then a bigger model (more units or layers) or less "
               "regularization\n");
    else
        say(t, "a bigger model (more units or layers)%s less regularization%s\n",
            may_raise_rate(d) ? "," : " or", may_raise_rate(d) ? ", or a higher learning rate" : "");
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
        lower_rate(t, d);
        say(t, "\n");
        break;
    case NNRT_FIT_CONSTANT_INPUTS:
        say(t, "check the data the .nn file reads: the input files or columns, and scale\n");
        break;
    case NNRT_FIT_ONE_CLASS:
        say(t, "check the labels, or the classes `keep` selects: a classifier needs samples of "
               "at least two classes\n");
        break;
    case NNRT_FIT_BN_LAG:
        say(t, "at least %ld updates (this run made %ld): more epochs or a smaller batch; or a "
               "lower momentum on the batchnorm layers (momentum=0.9 needs %ld)\n",
            d->bn_steps_needed, d->facts.steps, bn_steps_needed(0.9));
        break;
    case NNRT_FIT_OVERFIT:
        say(t, "early stopping at epoch %d, regularization (L2, dropout, augmentation), "
               "or a smaller model\n", d->best_epoch);
        break;
    case NNRT_FIT_UNSTABLE:
        lower_rate(t, d);
        say(t, " or a learning-rate schedule; keep epoch %d's weights\n", d->best_epoch);
        break;
    case NNRT_FIT_UNDERFIT:
        underfit_try(t, d);
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

static void warning_lines(text *t, const nnrt_diagnosis *d)
{
    const nnrt_diag_facts *f = &d->facts;
    if (d->warnings & NNRT_WARN_CONSTANT_INPUTS)
        say(t, "warning: the training inputs do not vary: all %ld samples have the same value "
               "in every input\n", f->n_samples);
    if ((d->warnings & NNRT_WARN_FEW_CLASSES) && f->classes_present == 1)
        say(t, "warning: the training set holds one of the model's %d classes: all %ld samples "
               "are of class %d\n", f->classes, f->n_samples, f->top_label);
    else if (d->warnings & NNRT_WARN_FEW_CLASSES)
        say(t, "warning: the training set holds %d of the model's %d classes: it cannot learn "
               "the others\n", f->classes_present, f->classes);
    if (d->warnings & NNRT_WARN_MAE_CLASSIFIER)
        say(t, "warning: a classifier trained with mae: its gradient is the same size however "
               "wrong an answer is, so it learns slowly if at all; cross_entropy is the loss "
               "for classes\n");
    if (d->warnings & NNRT_WARN_BN_LAG)
        say(t, "warning: batchnorm's moving statistics lag its batch statistics: at momentum "
               "%g, after %ld updates they still hold %.0f%% of their initial values "
               "(momentum^updates), and validation, eval and predict normalize by them\n",
            f->bn_momentum, f->steps, d->bn_share * 100);
}

int nnrt_diagnosis_text(const nnrt_diagnosis *d, char *buf, size_t len)
{
    text t = { buf, len, 0 };
    if (buf && len)
        buf[0] = '\0';
    best_line(&t, d);
    verdict_line(&t, d);
    try_line(&t, d);
    warning_lines(&t, d);
    return t.used;
}
