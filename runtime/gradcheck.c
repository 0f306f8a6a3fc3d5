/* gradcheck.c: backward() against numerical derivatives of loss().
 *
 * For a parameter entry w, the analytic gradient a is what backward() left
 * in its grad.  With L the mean loss over the samples plus the model's
 * penalty (what backward() differentiates), h = 1e-3 and the
 * steps actually taken once w + h and w - h are rounded to float
 * (hp = (w + h) - w, hm = w - (w - h)):
 *     central   c = (L(w + hp) - L(w - hm)) / (hp + hm)
 *     one-sided f = (L(w + hp) - L(w)) / hp,   b = (L(w) - L(w - hm)) / hm
 * Two numbers x, y agree when
 *     err(x, y) = |x - y| / max(|x| + |y|, FLOOR) <= THRESHOLD,
 * with THRESHOLD = 1e-2 and FLOOR = 1e-2: relative (1%) for gradients
 * above ~5e-3, absolute (|x - y| <= 1e-4) below.  An entry passes when a
 * agrees with c; or, at a kink, with f or b (below).  State tensors
 * (grad == NULL) have no gradient and are not checked.
 *
 * Why training mode.  L is what training differentiates: forward in
 * training mode, dropout drawing its masks, batchnorm normalizing by the
 * batch's own mean and variance.  Inference mode would check a different
 * function (masks of ones, fixed moving statistics) and leave dropout's
 * mask backward and batchnorm's batch-statistics backward unchecked.  So
 * every evaluation of L, the one backward() runs after and each at w +- h,
 * runs in training mode with a generator set back to the same state first
 * (the dropout stream of the seed, as `train` draws its first batch): each
 * draws the same masks, and L is one function of the weights.  A
 * training-mode forward also moves batchnorm's moving statistics; the
 * training loss never reads them, and the check puts them back as it found
 * them.
 *
 * Why the FLOOR.  The network runs in float32, so L carries a rounding
 * noise of a few 1e-8 that does not shrink with the step; divided by 2h it
 * puts a noise of some 1e-5 on c (measured on the Fashion-MNIST MLP: up to
 * 2e-5).  A plain relative error would fail correct code on every entry
 * whose true gradient is within a few noise widths of zero.  An absolute
 * tolerance of 1e-4 is ~5x that noise and still far below what a wrong
 * backward (a missing factor, a sign, a wrong index) produces on the
 * gradients of a small batch, which are 1e-3 and up.  Entries whose
 * gradient is 0 on both sides (a dead ReLU, a pixel that is 0 in every
 * sample, a unit dropped in every sample) agree trivially.
 *
 * Why the kinks.  ReLU is not differentiable at 0 (nor max pooling where
 * two inputs tie).  When moving w by +-h
 * moves some sample's ReLU input across 0, c averages two slopes and
 * disagrees with a correct a by up to half their difference.  There the
 * one-sided differences disagree with each other (err(f, b) > THRESHOLD),
 * and the side without the kink is a clean derivative: a correct a matches
 * it.  So at a kink the entry passes if a agrees with f or with b.  Away
 * from kinks f and b agree with c, so this admits no wrong gradient that c
 * would have caught beyond their truncation error h * L'' / 2, which is
 * below the tolerance.  Several kinks within +-h (likelier with many
 * samples) can still fail a correct model: the report names the worst
 * entry, and --samples 4 keeps that unlikely.  The dropout masks, fixed
 * across evaluations, add no kinks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

#define STEP 1e-3
#define FLOOR 1e-2
#define THRESHOLD 1e-2
#define MAX_ENTRIES 30

typedef struct worst_entry {
    double err, analytic, numeric;
    const char *name;
    int index;
} worst_entry;

/* What every evaluation of L shares: the batch, and the state the dropout
 * generator starts each forward from. */
typedef struct probe {
    const nnrt_model *m;
    int n;
    const int *y;
    nnrt_rng masks;
} probe;

/* L in training mode, drawing the same masks as every other evaluation */
static double mean_loss(const probe *pr)
{
    nnrt_rng rng = pr->masks;
    pr->m->forward(pr->n, 1, &rng);
    return pr->m->loss(pr->n, pr->y) / pr->n + nnrt_penalty(pr->m);
}

/* idx[0..k): every entry if there are few, else k distinct ones from rng */
static int pick_entries(int size, int *idx, nnrt_rng *rng)
{
    if (size <= MAX_ENTRIES) {
        for (int i = 0; i < size; i++)
            idx[i] = i;
        return size;
    }
    for (int k = 0; k < MAX_ENTRIES; k++) {
        int fresh;
        do {
            idx[k] = (int)nnrt_rng_below(rng, (uint32_t)size);
            fresh = 1;
            for (int j = 0; j < k; j++)
                fresh = fresh && idx[j] != idx[k];
        } while (!fresh);
    }
    return MAX_ENTRIES;
}

/* The three finite differences around one entry. */
typedef struct differences {
    double central, forward, backward;
} differences;

static differences finite_differences(const probe *pr, float *w, double loss_here)
{
    float saved = *w, plus = (float)(saved + STEP), minus = (float)(saved - STEP);
    *w = plus;
    double loss_plus = mean_loss(pr);
    *w = minus;
    double loss_minus = mean_loss(pr);
    *w = saved;
    double hp = (double)plus - saved, hm = (double)saved - minus;
    return (differences){ (loss_plus - loss_minus) / (hp + hm), (loss_plus - loss_here) / hp,
                          (loss_here - loss_minus) / hm };
}

static double relative_error(double x, double y)
{
    double scale = fabs(x) + fabs(y);
    return fabs(x - y) / (scale > FLOOR ? scale : FLOOR);
}

/* The error that decides whether analytic gradient a passes; *kink is set
 * when it was measured against a one-sided difference. */
static double entry_error(double a, const differences *d, int *kink)
{
    double err = relative_error(a, d->central);
    *kink = 0;
    if (err <= THRESHOLD || !(relative_error(d->forward, d->backward) > THRESHOLD))
        return err;
    double one_sided = fmin(relative_error(a, d->forward), relative_error(a, d->backward));
    if (one_sided <= THRESHOLD) {
        *kink = 1;
        return one_sided;
    }
    return err;
}

typedef struct tensor_result {
    int checked, kinks;
    double worst;
} tensor_result;

/* Check up to MAX_ENTRIES entries of t; the worst entry overall in *worst. */
static tensor_result check_tensor(const probe *pr, const nnrt_param *t, double loss_here,
                                  nnrt_rng *rng, worst_entry *worst)
{
    int idx[MAX_ENTRIES];
    double analytic[MAX_ENTRIES];
    tensor_result r = { pick_entries(t->size, idx, rng), 0, 0 };
    for (int j = 0; j < r.checked; j++)   /* before any forward/loss call can disturb the grads */
        analytic[j] = t->grad[idx[j]];
    for (int j = 0; j < r.checked; j++) {
        differences d = finite_differences(pr, &t->value[idx[j]], loss_here);
        int kink;
        double err = entry_error(analytic[j], &d, &kink);
        r.kinks += kink;
        if (!(err <= r.worst))   /* NaN counts as the worst */
            r.worst = err;
        if (!(err <= worst->err))
            *worst = (worst_entry){ err, analytic[j], d.central, t->name, idx[j] };
    }
    return r;
}

/* Every parameter tensor checked, one report line each, and the verdict;
 * returns how many tensors failed. */
static int check_all(const probe *pr, double loss_here, uint64_t seed, FILE *report)
{
    const nnrt_model *m = pr->m;
    nnrt_rng rng;
    nnrt_rng_stream(&rng, seed, NNRT_STREAM_GRADCHECK);
    int width = 0, failed = 0, checked = 0;
    for (int p = 0; p < m->n_params; p++) {
        int len = (int)strlen(m->params[p].name);
        width = m->params[p].grad && len > width ? len : width;
    }
    worst_entry worst = { 0, 0, 0, NULL, 0 };
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (!t->grad)   /* state: nothing differentiates it */
            continue;
        checked++;
        tensor_result r = check_tensor(pr, t, loss_here, &rng, &worst);
        fprintf(report, "%-*s  checked %d  worst relative error %.1e", width, t->name, r.checked,
                r.worst);
        if (r.kinks)
            fprintf(report, "  (%d at a kink: one-sided)", r.kinks);
        fputc('\n', report);
        failed += !(r.worst <= THRESHOLD);
    }
    if (failed)
        fprintf(report,
                "gradcheck: FAILED (%d of %d tensors above %.0e; worst %s[%d]: analytic %.6e, "
                "numerical %.6e)\n",
                failed, checked, THRESHOLD, worst.name, worst.index, worst.analytic,
                worst.numeric);
    else
        fprintf(report, "gradcheck: ok\n");
    return failed;
}

/* The state tensors' values, one after another, into *saved (NULL when the
 * model has none), so that the training-mode forwards leave no trace. */
static int state_save(const nnrt_model *m, float **saved)
{
    size_t total = 0, at = 0;
    for (int p = 0; p < m->n_params; p++)
        total += m->params[p].grad ? 0 : (size_t)m->params[p].size;
    *saved = NULL;
    if (total == 0)
        return 0;
    if (!(*saved = malloc(total * sizeof **saved)))
        return -1;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (!t->grad) {
            memcpy(*saved + at, t->value, (size_t)t->size * sizeof *t->value);
            at += (size_t)t->size;
        }
    }
    return 0;
}

static void state_restore(const nnrt_model *m, const float *saved)
{
    size_t at = 0;
    for (int p = 0; p < m->n_params && saved; p++) {
        const nnrt_param *t = &m->params[p];
        if (!t->grad) {
            memcpy(t->value, saved + at, (size_t)t->size * sizeof *t->value);
            at += (size_t)t->size;
        }
    }
}

int nnrt_gradcheck(const nnrt_model *m, const nnrt_dataset *ds, int samples, uint64_t seed,
                   FILE *report)
{
    int n = samples < ds->n_samples ? samples : ds->n_samples;
    n = n < m->max_batch ? n : m->max_batch;
    if (n <= 0) {
        fprintf(report, "gradcheck: cannot run: no samples\n");
        return -1;
    }
    int *order = malloc((size_t)n * sizeof *order), *y = malloc((size_t)n * sizeof *y);
    float *state = NULL;
    if (!order || !y || state_save(m, &state) != 0) {
        free(order);
        free(y);
        fprintf(report, "gradcheck: cannot run: out of memory\n");
        return -1;
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    nnrt_model_batch(m, ds, order, 0, n, y);
    probe pr = { m, n, y, { { 0, 0 } } };
    nnrt_rng_stream(&pr.masks, seed, NNRT_STREAM_DROPOUT);
    double loss_here = mean_loss(&pr);
    m->backward(n);
    int failed = check_all(&pr, loss_here, seed, report);
    state_restore(m, state);
    free(state);
    free(order);
    free(y);
    return failed ? 1 : 0;
}

int nnrt_gradcheck_run(const nnrt_model *m, int samples, uint64_t seed, nnrt_error *err)
{
    nnrt_dataset ds;
    if (nnrt_model_data_load(m, 0, &ds, err) != 0)
        return -1;
    /* at the weights training would start from */
    nnrt_rng init;
    nnrt_rng_stream(&init, seed, NNRT_STREAM_INIT);
    if (nnrt_params_start(m, &init, err) != 0) {
        nnrt_dataset_free(&ds);
        return -1;
    }
    int rc = nnrt_gradcheck(m, &ds, samples, seed, stdout);
    fflush(stdout);
    nnrt_dataset_free(&ds);
    if (rc < 0)
        return nnrt_fail(err, "%s: gradcheck could not run", nnrt_model_data_name(m, 0));
    return rc;
}
