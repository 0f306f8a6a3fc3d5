/* optim.c: the optimizer's state and one update of every parameter,
 * dispatched by kind to the kernels of optim_sgd.c, optim_adam.c and
 * optim_rms.c (the formulas are above each kernel).
 *
 * State per parameter tensor, all allocated here and nowhere else:
 *     SGD                  none
 *     momentum, Nesterov   m1: velocity, 0
 *     AdaGrad              m1: accumulator, initial_accumulator
 *     RMSProp              m1: mean of g^2, 0
 *     Adam, AdamW          m1, m2: first and second moments, 0
 *     Adadelta             m1: mean of g^2, m2: mean of the updates squared, 0
 *
 * A tensor whose grad is NULL is state, not a parameter (batchnorm's moving
 * statistics, which forward() keeps itself): it gets no buffers (its m1[p]
 * and m2[p] stay NULL) and no update.
 */
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* How many state buffers each parameter needs under kind. */
static int buffers_of(nnrt_optimizer_kind kind)
{
    switch (kind) {
    case NNRT_OPT_SGD:
        return 0;
    case NNRT_OPT_MOMENTUM:
    case NNRT_OPT_NESTEROV:
    case NNRT_OPT_ADAGRAD:
    case NNRT_OPT_RMSPROP:
        return 1;
    case NNRT_OPT_ADAM:
    case NNRT_OPT_ADAMW:
    case NNRT_OPT_ADADELTA:
        return 2;
    }
    return 2;
}

/* (n_params) buffers of each param's size, every entry `start`; NULL for
 * state tensors */
static float **alloc_buffers(const nnrt_model *m, float start)
{
    float **bufs = calloc(m->n_params > 0 ? (size_t)m->n_params : 1, sizeof *bufs);
    if (!bufs)
        return NULL;
    for (int p = 0; p < m->n_params; p++) {
        if (!m->params[p].grad)
            continue;
        size_t n = (size_t)m->params[p].size;
        bufs[p] = nnrt_big_calloc(n ? n : 1, sizeof(float));
        if (!bufs[p]) {
            for (int q = 0; q < p; q++)
                free(bufs[q]);
            free(bufs);
            return NULL;
        }
        for (size_t i = 0; i < n && start != 0; i++)
            bufs[p][i] = start;
    }
    return bufs;
}

int nnrt_optim_init(nnrt_optim_state *st, const nnrt_model *m, nnrt_optimizer opt)
{
    memset(st, 0, sizeof *st);
    st->opt = opt;
    st->n_params = m->n_params;
    int n_buffers = buffers_of(opt.kind);
    float start = opt.kind == NNRT_OPT_ADAGRAD ? opt.initial_accumulator : 0.0f;
    if (n_buffers >= 1 && !(st->m1 = alloc_buffers(m, start)))
        return -1;
    if (n_buffers >= 2 && !(st->m2 = alloc_buffers(m, 0.0f))) {
        nnrt_optim_free(st);
        return -1;
    }
    return 0;
}

/* Values [lo, hi) of parameter p of m updated from g (g[0] is value lo's
 * gradient) with the kernel of st's kind.  lo is a multiple of
 * NNRT_OPT_BLOCK, so each value meets the same code, blocked or scalar, as
 * in one call over the whole tensor. */
void nnrt_optim_update(const nnrt_optim_state *st, const nnrt_model *m, int p, long lo, long hi,
                       const float *g)
{
    const nnrt_optimizer *o = &st->opt;
    float *v = m->params[p].value + lo;
    float *m1 = st->m1 ? st->m1[p] + lo : NULL, *m2 = st->m2 ? st->m2[p] + lo : NULL;
    int n = (int)(hi - lo);
    nnrt_adam_step a;
    switch (o->kind) {
    case NNRT_OPT_SGD:
        nnrt_sgd_update(v, g, n, o->lr);
        break;
    case NNRT_OPT_MOMENTUM:
        nnrt_momentum_update(v, g, m1, n, o->lr, o->momentum);
        break;
    case NNRT_OPT_NESTEROV:
        nnrt_nesterov_update(v, g, m1, n, o->lr, o->momentum);
        break;
    case NNRT_OPT_ADAGRAD:
        nnrt_adagrad_update(v, g, m1, n, o->lr, o->epsilon);
        break;
    case NNRT_OPT_RMSPROP:
        nnrt_rmsprop_update(v, g, m1, n, o->lr, o->rho, o->epsilon);
        break;
    case NNRT_OPT_ADAMW:
        nnrt_weight_decay(v, n, o->lr * o->weight_decay);
        a = nnrt_adam_scalars(o, st->step);
        nnrt_adam_update(v, g, m1, m2, n, &a);
        break;
    case NNRT_OPT_ADAM:
        a = nnrt_adam_scalars(o, st->step);
        nnrt_adam_update(v, g, m1, m2, n, &a);
        break;
    case NNRT_OPT_ADADELTA:
        nnrt_adadelta_update(v, g, m1, m2, n, o->lr, o->rho, o->epsilon);
        break;
    }
}

float nnrt_clip_norm_factor(const nnrt_optim_state *st, const float *g, long n)
{
    double norm = st->opt.clip_norm, sum = 0;
    if (norm <= 0)
        return 1.0f;
    for (long i = 0; i < n; i++)
        sum += (double)g[i] * g[i];
    double l2 = sqrt(sum);
    return l2 > norm ? (float)(norm / l2) : 1.0f;
}

void nnrt_optim_clip(const nnrt_optim_state *st, float *g, long n, float factor)
{
    float v = st->opt.clip_value;
    if (factor != 1.0f)
        for (long i = 0; i < n; i++)
            g[i] *= factor;
    if (v > 0)
        for (long i = 0; i < n; i++)
            g[i] = g[i] > v ? v : g[i] < -v ? -v : g[i];
}

void nnrt_optim_begin(nnrt_optim_state *st)
{
    st->step++;
}

void nnrt_optim_step(nnrt_optim_state *st, const nnrt_model *m)
{
    nnrt_optim_begin(st);
    for (int p = 0; p < m->n_params; p++) {
        float *g = nnrt_grad(m, &m->params[p]);
        if (!g)   /* state is forward()'s to keep, not ours */
            continue;
        int n = m->params[p].size;
        nnrt_optim_clip(st, g, n, nnrt_clip_norm_factor(st, g, n));
        nnrt_optim_update(st, m, p, 0, n, g);
    }
}

void nnrt_optim_free(nnrt_optim_state *st)
{
    for (int p = 0; p < st->n_params; p++) {
        if (st->m1)
            free(st->m1[p]);
        if (st->m2)
            free(st->m2[p]);
    }
    free(st->m1);
    free(st->m2);
    st->m1 = st->m2 = NULL;
}
