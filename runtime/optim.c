/* optim.c: the parameter updates, SGD and Adam.
 *
 * SGD:  w -= lr * g
 *
 * Adam, as PyTorch's torch.optim.Adam computes it (Kingma & Ba, Algorithm 1),
 * at step t = 1, 2, ...:
 *     m = b1 * m + (1 - b1) * g
 *     v = b2 * v + (1 - b2) * g^2
 *     w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * that is w -= lr * mhat / (sqrt(vhat) + eps) with the bias-corrected
 * moments mhat = m / (1 - b1^t), vhat = v / (1 - b2^t).  (Keras/TF put eps
 * outside the correction, eps * sqrt(1 - b2^t); the two differ only while
 * sqrt(vhat) is near eps.)  The bias corrections are computed in double once
 * per step; the per-element work is float.
 *
 * Speed: the update runs after every batch over every parameter, so it is
 * written for the vectorizer.  At -O2, gcc 12 vectorizes only loops whose
 * trip count is a known multiple of the vector width, and never sqrtf()
 * while it may have to set errno.  So the work goes in blocks of BLOCK
 * elements with constant bounds, restrict pointers, and the square roots of
 * a block taken with SSE's sqrtps where there is SSE (the same IEEE
 * correctly-rounded result as sqrtf, without the errno check); the last
 * partial block runs the same formulas scalar.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "nnrt.h"

enum { BLOCK = 64 };

/* w[0..BLOCK) -= lr * g[0..BLOCK) */
static inline void sgd_block(float *restrict w, const float *restrict g, float lr)
{
    for (int i = 0; i < BLOCK; i++)
        w[i] -= lr * g[i];
}

static void sgd_update(float *restrict w, const float *restrict g, int n, float lr)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        sgd_block(w + i, g + i, lr);
    for (; i < n; i++)
        w[i] -= lr * g[i];
}

/* The scalars of one Adam step: step_size = lr / (1 - b1^t),
 * root_bc2 = sqrt(1 - b2^t). */
typedef struct adam_step {
    float b1, b2, one_minus_b1, one_minus_b2, step_size, root_bc2, eps;
} adam_step;

static inline void sqrt_block(float *s)
{
#ifdef __SSE__
    for (int i = 0; i < BLOCK; i += 4)
        _mm_storeu_ps(s + i, _mm_sqrt_ps(_mm_loadu_ps(s + i)));
#else
    for (int i = 0; i < BLOCK; i++)
        s[i] = sqrtf(s[i]);
#endif
}

/* w, g, m, v are BLOCK floats each */
static inline void adam_block(float *restrict w, const float *restrict g, float *restrict m,
                              float *restrict v, const adam_step *a)
{
    const float b1 = a->b1, b2 = a->b2, c1 = a->one_minus_b1, c2 = a->one_minus_b2;
    const float step_size = a->step_size, root_bc2 = a->root_bc2, eps = a->eps;
    float root_v[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
        m[i] = b1 * m[i] + c1 * g[i];
        v[i] = b2 * v[i] + c2 * g[i] * g[i];
        root_v[i] = v[i];
    }
    sqrt_block(root_v);
    for (int i = 0; i < BLOCK; i++)
        w[i] -= step_size * m[i] / (root_v[i] / root_bc2 + eps);
}

static void adam_update(float *restrict w, const float *restrict g, float *restrict m,
                        float *restrict v, int n, const adam_step *a)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        adam_block(w + i, g + i, m + i, v + i, a);
    for (; i < n; i++) {
        m[i] = a->b1 * m[i] + a->one_minus_b1 * g[i];
        v[i] = a->b2 * v[i] + a->one_minus_b2 * g[i] * g[i];
        w[i] -= a->step_size * m[i] / (sqrtf(v[i]) / a->root_bc2 + a->eps);
    }
}

int nnrt_optim_init(nnrt_optim_state *st, const nnrt_model *m, nnrt_optimizer opt)
{
    memset(st, 0, sizeof *st);
    st->opt = opt;
    st->n_params = m->n_params;
    if (opt.kind != NNRT_OPT_ADAM)
        return 0;
    st->m1 = calloc((size_t)m->n_params, sizeof *st->m1);
    st->m2 = calloc((size_t)m->n_params, sizeof *st->m2);
    if (m->n_params > 0 && (!st->m1 || !st->m2)) {
        nnrt_optim_free(st);
        return -1;
    }
    for (int p = 0; p < m->n_params; p++) {
        size_t n = (size_t)m->params[p].size;
        st->m1[p] = calloc(n ? n : 1, sizeof(float));
        st->m2[p] = calloc(n ? n : 1, sizeof(float));
        if (!st->m1[p] || !st->m2[p]) {
            nnrt_optim_free(st);
            return -1;
        }
    }
    return 0;
}

void nnrt_optim_step(nnrt_optim_state *st, const nnrt_model *m)
{
    st->step++;
    if (st->opt.kind == NNRT_OPT_SGD) {
        for (int p = 0; p < m->n_params; p++)
            sgd_update(m->params[p].value, m->params[p].grad, m->params[p].size, st->opt.lr);
        return;
    }
    const nnrt_optimizer *o = &st->opt;
    double t = (double)st->step;
    adam_step a = {
        .b1 = o->beta1,
        .b2 = o->beta2,
        .one_minus_b1 = 1.0f - o->beta1,
        .one_minus_b2 = 1.0f - o->beta2,
        .step_size = (float)(o->lr / (1.0 - pow(o->beta1, t))),
        .root_bc2 = (float)sqrt(1.0 - pow(o->beta2, t)),
        .eps = o->epsilon,
    };
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *w = &m->params[p];
        adam_update(w->value, w->grad, st->m1[p], st->m2[p], w->size, &a);
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
