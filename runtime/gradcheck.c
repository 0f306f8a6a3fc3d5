/* gradcheck.c: backward() against numerical derivatives of loss(), in
 * double precision.
 *
 * For a parameter entry w, the analytic gradient a is what backward() left
 * in its grad.  With L the mean loss over the samples plus the model's
 * penalty (what backward() differentiates), a step h and the steps
 * actually taken once w + h and w - h are rounded to the tensor's type
 * (hp = (w + h) - w, hm = w - (w - h)):
 *     central   c = (L(w + hp) - L(w - hm)) / (hp + hm)
 * Two numbers x, y agree when
 *     err(x, y) = |x - y| / max(|x| + |y|, floor) <= THRESHOLD:
 * relative above the floor, absolute (|x - y| <= THRESHOLD floor) below.
 * An entry passes when a agrees with c; or, at a kink, with a one-sided
 * difference; or either at a smaller step (below).  State tensors
 * (grad == NULL) are not checked.
 *
 * Why double.  The trainer runs in float32, whose rounding puts a noise of
 * a few 1e-8 on L; divided by 2h it is ~1e-5 on c at h = 1e-3, so a float
 * check needs a loose tolerance (1e-2 relative, 1e-4 absolute) and a large
 * step.  A convnet's loss has kinks everywhere (ReLU, max pooling), and
 * within +-1e-3 a weight's step crosses many of them: c then averages
 * slopes and a correct backward fails (fashion_cnn_small: 1.8e-1 on
 * conv2d1.w).  So `nnc build` compiles the generated file a second time
 * with real = double, into a twin of the model (nnrt.h: nnrt_twin), and
 * the check runs on it, as PyTorch's gradcheck does in float64: the twin
 * gets the trainer's weights (float values are exact doubles) and batch,
 * and draws the same dropout masks.  In double, L's noise is measured at
 * some 3e-15 of L (ROUNDING allows 1e-14), so with h = 1e-6 (times |w|
 * when |w| > 1, to stay well above w's rounding) the noise on c is ~1e-9,
 * the central difference's truncation error h^2 L''' / 6 is ~1e-12, and a
 * kink within +-h is a thousand times rarer than within +-1e-3.  The
 * tolerance can then be tight: THRESHOLD 1e-5 with FLOOR 1e-3 (1e-8
 * absolute), where a wrong backward (a missing factor, a sign, a wrong
 * index) is off by 1e-2 and more (tests/test_gradcheck.c).  Measured on
 * every example and on the convnets of tests/test_ops.c, the worst correct
 * entry is below 2e-6, most below 3e-7 (docs/trainer.md).
 *
 * Why kinks, still: ties.  A zero bias over an image's zero background
 * gives pre-activations of exactly 0, so a bias's step moves a whole
 * channel across ReLU's kink however small it is.  There c averages two
 * slopes, but each side's derivative, taken with the second-order
 * one-sided differences
 *     forward  f = (4 L(w + h) - L(w + 2h) - 3 L(w)) / 2h
 *     backward b = (3 L(w) - 4 L(w - h) + L(w - 2h)) / 2h
 * is clean (error h^2 L''' / 3, below the tolerance, where a first-order
 * one's h L'' / 2 is not).  So when a disagrees with c, f and b are
 * computed; if they disagree with each other by more than a tenth of
 * THRESHOLD (a kink within +-2h: on a smooth L they agree to their noise
 * and truncation error, ~1e-9), the entry passes when a agrees with f or
 * with b.  Away from kinks f and b agree with c, so this admits no wrong
 * gradient that c would have caught.
 *
 * Why smaller steps.  A first-layer weight of a convnet moves every unit
 * after it, and max pooling compares neighbours that often differ by
 * little: in fashion_cnn and transfer_base most first-layer entries have
 * a near tie within +-2e-6 (a slope jump of 1e-3 at 6.5e-7 from w, say),
 * and a bias can have one on the other side of its exact tie.  A kink at
 * a distance d from w leaves the differences once h < d / 2, so an entry
 * at a kink that does not clearly agree (err above THRESHOLD / 10) is
 * checked again with h / 4, h / 16, h / 64, keeping the step that agrees
 * best.  Noise grows as the step shrinks: the floor is raised to what
 * ROUNDING |L| / h, times 4 for a one-sided difference, can explain (at
 * h / 64 and L = 2.3, 1.5e-6 absolute for c, 6e-6 for f and b), so a
 * smaller step excuses no more than its noise; and only at a kink: a
 * disagreement where f and b agree is final.
 *
 * Why training mode.  L is what training differentiates: forward in
 * training mode, dropout drawing its masks, batchnorm normalizing by the
 * batch's own mean and variance.  Inference mode would check a different
 * function and leave dropout's and batchnorm's training backward
 * unchecked.  So every evaluation of L runs in training mode with a
 * generator set back to the same state first (the dropout stream of the
 * seed): each draws the same masks, and L is one function of the weights.
 * A training-mode forward also moves batchnorm's moving statistics; the
 * loss never reads them, and the check puts them back as it found them.
 *
 * Without a twin (a trainer whose C was compiled once by hand), the check
 * runs on the float model itself, with the float tolerances above and one
 * step, and says so: convnets with ReLU may then fail falsely.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

#define MAX_ENTRIES 30

/* The steps and the agreement test of one precision (see the top) */
typedef struct tolerance {
    double step;        /* the first step, for |w| <= 1 */
    int steps;          /* how many at most, each 4 times smaller than the one before */
    double floor, threshold;
    double rounding;    /* the loss's rounding noise, relative to it (0: in floor) */
} tolerance;

/* the top comment's h, steps, FLOOR, THRESHOLD and ROUNDING */
static const tolerance IN_DOUBLE = { 1e-6, 4, 1e-3, 1e-5, 1e-14 };
static const tolerance IN_FLOAT = { 1e-3, 1, 1e-2, 1e-2, 0 };

/* The network the check runs on: the model's double twin, or the model
 * itself.  Its tensors are the model's, in the model's order. */
typedef struct subject {
    const nnrt_model *m;
    const nnrt_twin *twin;   /* NULL: the float model */
    tolerance tol;
    nnrt_replica *rep;       /* the twin's own replica, or the model's */
} subject;

static double value_at(const subject *s, int p, int i)
{
    return s->twin ? s->twin->params[p].value[i] : s->m->params[p].value[i];
}

/* w = v, rounded to the tensor's type; the value stored */
static double set_value(const subject *s, int p, int i, double v)
{
    if (s->twin)
        return s->twin->params[p].value[i] = v;
    return s->m->params[p].value[i] = (float)v;
}

static double grad_at(const subject *s, int p, int i)
{
    if (s->twin)
        return ((const double *)(const void *)((const char *)s->rep + s->twin->params[p].grad))[i];
    return nnrt_grad(s->m, &s->m->params[p])[i];
}

static void forward(const subject *s, int n, nnrt_rng *rng)
{
    if (s->twin)
        nnrt_forward_alone(s->rep, n, 1, rng, s->twin->forward, s->twin->forward_stages,
                           s->twin->n_forward_stages);
    else
        nnrt_forward_alone(s->rep, n, 1, rng, s->m->forward, s->m->forward_stages,
                           s->m->n_forward_stages);
}

static double penalty(const subject *s)
{
    double (*f)(void) = s->twin ? s->twin->penalty : s->m->penalty;
    return f ? f() : 0.0;
}

typedef struct worst_entry {
    double err, analytic, numeric;
    const char *name;
    int index;
} worst_entry;

/* What every evaluation of L shares: the network, the batch, and the
 * state the dropout generator starts each forward from. */
typedef struct probe {
    const subject *s;
    int n;
    const int *y;
    nnrt_rng masks;
} probe;

/* L in training mode, drawing the same masks as every other evaluation */
static double mean_loss(const probe *pr)
{
    nnrt_rng rng = pr->masks;
    forward(pr->s, pr->n, &rng);
    const subject *s = pr->s;
    double sum = (s->twin ? s->twin->loss : s->m->loss)(s->rep, pr->n, pr->y);
    return sum / pr->n + penalty(pr->s);
}

/* L with entry i of tensor p at w + k h; the step as rounded in *taken */
static double loss_moved(const probe *pr, int p, int i, double k, double h, double *taken)
{
    double w = value_at(pr->s, p, i);
    *taken = set_value(pr->s, p, i, w + k * h) - w;
    double loss = mean_loss(pr);
    set_value(pr->s, p, i, w);
    return loss;
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

/* err(x, y) for differences taken with step h from a loss of size
 * |loss|: the floor is raised to what the rounding noise of the loss,
 * amplified `amplified` times by the difference formula, can explain. */
static double relative_error(const tolerance *tol, double x, double y, double loss, double h,
                             double amplified)
{
    double scale = fabs(x) + fabs(y);
    double noise = amplified * tol->rounding * fabs(loss) / h / tol->threshold;
    double floor = noise > tol->floor ? noise : tol->floor;
    return fabs(x - y) / (scale > floor ? scale : floor);
}

/* The first step for entry value w: tol->step, times |w| when that is larger */
static double step_for(const tolerance *tol, double w)
{
    return tol->step * (fabs(w) > 1 ? fabs(w) : 1);
}

/* One entry's verdict: the error that decides, the numerical derivative it
 * was measured against, and whether its one-sided differences disagreed
 * (a kink). */
typedef struct entry_check {
    double err, numeric;
    int kink;
} entry_check;

/* a against the derivative from steps of h: the central difference; where
 * they disagree and the one-sided differences disagree too (a kink), the
 * one-sided difference a is closer to, if that one agrees */
static entry_check check_at_step(const probe *pr, int p, int i, double a, double loss_here,
                                 double h)
{
    const tolerance *tol = &pr->s->tol;
    double hp, hm, unused;
    double plus = loss_moved(pr, p, i, 1, h, &hp), minus = loss_moved(pr, p, i, -1, h, &hm);
    double central = (plus - minus) / (hp - hm);
    /* (plus - minus) carries twice the loss's noise, over 2h */
    entry_check r = { relative_error(tol, a, central, loss_here, h, 1), central, 0 };
    if (r.err <= tol->threshold)
        return r;
    /* with steps of 2 hp and 2 hm, which is what w + 2h rounds to in
     * double; in float the difference is below the float tolerance */
    double plus2 = loss_moved(pr, p, i, 2, h, &unused), minus2 = loss_moved(pr, p, i, -2, h, &unused);
    double f = (4 * plus - plus2 - 3 * loss_here) / (2 * hp);
    double b = (3 * loss_here - 4 * minus + minus2) / (-2 * hm);
    /* 4 + 1 + 3 times the noise, over 2h; on a smooth L, f and b agree to
     * that and h^2 L''' / 3, far below even a tenth of the threshold */
    r.kink = relative_error(tol, f, b, loss_here, h, 4) > tol->threshold / 10;
    if (!r.kink)
        return r;   /* c was right to disagree */
    double ef = relative_error(tol, a, f, loss_here, h, 4);
    double eb = relative_error(tol, a, b, loss_here, h, 4);
    entry_check side = { ef < eb ? ef : eb, ef < eb ? f : b, 1 };
    return side.err <= tol->threshold ? side : r;
}

/* a against check_at_step at the first step; at a kink, unless a clearly
 * agrees (err within a tenth of the threshold), again at steps 4, 16, ...
 * times smaller, which leave a kink near the point but not at it outside
 * (see the top).  The verdict of the step that agrees best.  Without a
 * kink a disagreement is final: a smaller step would only excuse more. */
static entry_check check_entry(const probe *pr, int p, int i, double a, double loss_here)
{
    const tolerance *tol = &pr->s->tol;
    double h = step_for(tol, value_at(pr->s, p, i));
    entry_check best = check_at_step(pr, p, i, a, loss_here, h);
    if (!best.kink)
        return best;
    for (int k = 1; k < tol->steps && !(best.err <= tol->threshold / 10); k++) {
        h /= 4;
        entry_check e = check_at_step(pr, p, i, a, loss_here, h);
        if (e.err < best.err || best.err != best.err)
            best = (entry_check){ e.err, e.numeric, 1 };
    }
    return best;
}

typedef struct tensor_result {
    int checked, kinks;
    double worst;
} tensor_result;

/* Check up to MAX_ENTRIES entries of tensor p; the worst entry overall in *worst. */
static tensor_result check_tensor(const probe *pr, int p, double loss_here, nnrt_rng *rng,
                                  worst_entry *worst)
{
    const nnrt_param *t = &pr->s->m->params[p];
    int idx[MAX_ENTRIES];
    double analytic[MAX_ENTRIES];
    tensor_result r = { pick_entries(t->size, idx, rng), 0, 0 };
    for (int j = 0; j < r.checked; j++)   /* before any forward/loss call can disturb the grads */
        analytic[j] = grad_at(pr->s, p, idx[j]);
    for (int j = 0; j < r.checked; j++) {
        entry_check e = check_entry(pr, p, idx[j], analytic[j], loss_here);
        r.kinks += e.kink;
        if (!(e.err <= r.worst))   /* NaN counts as the worst */
            r.worst = e.err;
        if (!(e.err <= worst->err))
            *worst = (worst_entry){ e.err, analytic[j], e.numeric, t->name, idx[j] };
    }
    return r;
}

/* Every parameter tensor checked, one report line each, and the verdict;
 * returns how many tensors failed. */
static int check_all(const probe *pr, double loss_here, uint64_t seed, FILE *report)
{
    const nnrt_model *m = pr->s->m;
    double threshold = pr->s->tol.threshold;
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
        if (!t->grad)   /* state, or frozen: nothing differentiates it */
            continue;
        checked++;
        tensor_result r = check_tensor(pr, p, loss_here, &rng, &worst);
        fprintf(report, "%-*s  checked %d  worst relative error %.1e", width, t->name, r.checked,
                r.worst);
        if (r.kinks)
            fprintf(report, "  (%d at a kink: one-sided)", r.kinks);
        fputc('\n', report);
        failed += !(r.worst <= threshold);
    }
    if (failed)
        fprintf(report,
                "gradcheck: FAILED (%d of %d tensors above %.0e; worst %s[%d]: analytic %.6e, "
                "numerical %.6e)\n",
                failed, checked, threshold, worst.name, worst.index, worst.analytic,
                worst.numeric);
    else
        fprintf(report, "gradcheck: ok\n");
    return failed;
}

/* The state tensors' values (grad NULL in the model: batchnorm's moving
 * statistics, and frozen tensors, which nothing changes), one after
 * another, into *saved (NULL when there are none), so that the
 * training-mode forwards leave no trace. */
static int state_save(const subject *s, double **saved)
{
    const nnrt_model *m = s->m;
    size_t total = 0, at = 0;
    for (int p = 0; p < m->n_params; p++)
        total += m->params[p].grad ? 0 : (size_t)m->params[p].size;
    *saved = NULL;
    if (total == 0)
        return 0;
    if (!(*saved = malloc(total * sizeof **saved)))
        return -1;
    for (int p = 0; p < m->n_params; p++)
        for (int i = 0; i < m->params[p].size && !m->params[p].grad; i++)
            (*saved)[at++] = value_at(s, p, i);
    return 0;
}

static void state_restore(const subject *s, const double *saved)
{
    const nnrt_model *m = s->m;
    size_t at = 0;
    for (int p = 0; p < m->n_params && saved; p++)
        for (int i = 0; i < m->params[p].size && !m->params[p].grad; i++)
            set_value(s, p, i, saved[at++]);
}

/* Whether twin lists m's tensors, in m's order, with gradients where m has them */
static int twin_matches(const nnrt_model *m, const nnrt_twin *twin)
{
    if (twin->n_params != m->n_params)
        return 0;
    for (int p = 0; p < m->n_params; p++)
        if (strcmp(twin->params[p].name, m->params[p].name) != 0 ||
            !twin->params[p].grad != !m->params[p].grad)
            return 0;
    return 1;
}

/* The model's weights and its first n rows of input (and targets) into
 * the twin: floats, so every value is exact in double. */
static void twin_copy_in(const nnrt_model *m, const nnrt_twin *twin, nnrt_replica *rep, int n)
{
    double *input = (double *)(void *)((char *)rep + twin->input_at);
    double *target = twin->target_at ? (double *)(void *)((char *)rep + twin->target_at) : NULL;
    for (int p = 0; p < m->n_params; p++)
        for (int i = 0; i < m->params[p].size; i++)
            twin->params[p].value[i] = m->params[p].value[i];
    for (size_t i = 0; i < (size_t)n * (size_t)m->in_size; i++)
        input[i] = nnrt_input(m)[i];
    if (nnrt_target(m) && target)
        for (size_t i = 0; i < (size_t)n * (size_t)m->n_classes; i++)
            target[i] = nnrt_target(m)[i];
}

/* The batch's first n rows (and targets) into the float model's replica */
static void float_copy_in(const nnrt_model *m, nnrt_replica *rep, int n)
{
    memcpy((char *)rep + m->input_at, nnrt_input(m), (size_t)n * (size_t)m->in_size * sizeof(float));
    if (nnrt_target(m))
        memcpy((char *)rep + m->target_at, nnrt_target(m),
               (size_t)n * (size_t)m->n_classes * sizeof(float));
}

int nnrt_gradcheck(const nnrt_model *m, const nnrt_dataset *ds, int samples, uint64_t seed,
                   FILE *report)
{
    int n = samples < ds->n_samples ? samples : ds->n_samples;
    /* the check runs on one replica: at most the rows it holds */
    int rows = m->shard_rows > 0 ? m->shard_rows : m->max_batch;
    n = n < rows ? n : rows;
    if (n <= 0) {
        fprintf(report, "gradcheck: cannot run: no samples\n");
        return -1;
    }
    if (m->twin && !twin_matches(m, m->twin)) {
        fprintf(report, "gradcheck: cannot run: the double-precision twin's tensors are not "
                        "the model's (a bug in nnc)\n");
        return -1;
    }
    subject s = { m, m->twin, m->twin ? IN_DOUBLE : IN_FLOAT,
                  m->twin ? nnrt_calloc_lines(m->twin->replica_size) : nnrt_replica0(m) };
    int *order = malloc((size_t)n * sizeof *order), *y = malloc((size_t)n * sizeof *y);
    double *state = NULL;
    if (!order || !y || !s.rep || state_save(&s, &state) != 0) {
        if (s.twin)
            nnrt_free_lines(s.rep);
        free(order);
        free(y);
        fprintf(report, "gradcheck: cannot run: out of memory\n");
        return -1;
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    nnrt_model_batch(m, ds, order, 0, n, y);
    if (s.twin)
        twin_copy_in(m, s.twin, s.rep, n);
    else
        float_copy_in(m, s.rep, n);
    probe pr = { &s, n, y, { { 0, 0 } } };
    nnrt_rng_stream(&pr.masks, seed, NNRT_STREAM_DROPOUT);
    double loss_here = mean_loss(&pr);
    if (s.twin)
        nnrt_backward_whole(s.rep, n, s.twin->backward, s.twin->backward_stages,
                            s.twin->n_backward_stages, m->params, s.twin->params, m->n_params);
    else
        nnrt_backward_whole(s.rep, n, m->backward, m->backward_stages, m->n_backward_stages,
                            m->params, NULL, m->n_params);
    int failed = check_all(&pr, loss_here, seed, report);
    state_restore(&s, state);
    if (s.twin)
        nnrt_free_lines(s.rep);
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
    if (!m->twin)
        printf("gradcheck: no double-precision twin in this trainer (its C compiled by hand, "
               "not by nnc build): checking in float, tolerance %.0e\n", IN_FLOAT.threshold);
    int rc = nnrt_gradcheck(m, &ds, samples, seed, stdout);
    fflush(stdout);
    nnrt_dataset_free(&ds);
    if (rc < 0)
        return nnrt_fail(err, "%s: gradcheck could not run", nnrt_model_data_name(m, 0));
    return rc;
}
