/* optim_adam.c: Adam and AdamW.
 *
 * Adam, as PyTorch's torch.optim.Adam computes it (Kingma & Ba, Algorithm 1),
 * at step t = 1, 2, ...:
 *     m = b1 * m + (1 - b1) * g
 *     v = b2 * v + (1 - b2) * g^2
 *     w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * that is w -= lr * mhat / (sqrt(vhat) + eps) with the bias-corrected
 * moments mhat = m / (1 - b1^t), vhat = v / (1 - b2^t).  (Keras/TF put eps
 * outside the correction, eps * sqrt(1 - b2^t); the two differ only while
 * sqrt(vhat) is near eps.)  Each value is computed as
 *     w -= (lr sqrt(1 - b2^t) / (1 - b1^t)) * m / (sqrt(v) + eps sqrt(1 - b2^t))
 * the same in exact arithmetic, with one division instead of two: the
 * divider bounds this loop (optim.h), and PyTorch's order of operations
 * cost fashion_mlp 5% of its epoch.  The two orders differ in a weight's
 * last bits (make compare-torch agrees to 4e-6 either way).  The scalars
 * are computed in double once per step; the per-element work is float.
 *
 * AdamW, as Keras 3 applies weight decay (base_optimizer._apply_weight_decay,
 * before the update step) and as torch.optim.AdamW does:
 *     w -= lr * wd * w
 * then the Adam step above with the same lr.  The decay is decoupled: it
 * never enters m or v.
 */
#include "optim.h"

enum { BLOCK = NNRT_OPT_BLOCK };

nnrt_adam_step nnrt_adam_scalars(const nnrt_optimizer *o, long step)
{
    double t = (double)step;
    return (nnrt_adam_step){
        .b1 = o->beta1,
        .b2 = o->beta2,
        .one_minus_b1 = 1.0f - o->beta1,
        .one_minus_b2 = 1.0f - o->beta2,
        .step_size = (float)(o->lr / (1.0 - pow(o->beta1, t)) * sqrt(1.0 - pow(o->beta2, t))),
        .eps = (float)(o->epsilon * sqrt(1.0 - pow(o->beta2, t))),
    };
}

/* w, g, m, v are BLOCK floats each, in one pass (optim.h) */
static inline void adam_block(float *restrict w, const float *restrict g, float *restrict m,
                              float *restrict v, const nnrt_adam_step *a)
{
    const float b1 = a->b1, b2 = a->b2, c1 = a->one_minus_b1, c2 = a->one_minus_b2;
    const float step_size = a->step_size, eps = a->eps;
    for (int i = 0; i < BLOCK; i++) {
        m[i] = b1 * m[i] + c1 * g[i];
        v[i] = b2 * v[i] + c2 * g[i] * g[i];
        w[i] -= step_size * m[i] / (sqrtf(v[i]) + eps);
    }
}

NNRT_CLONED
void nnrt_adam_update(float *restrict w, const float *restrict g, float *restrict m,
                      float *restrict v, int n, const nnrt_adam_step *a)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        adam_block(w + i, g + i, m + i, v + i, a);
    for (; i < n; i++) {
        m[i] = a->b1 * m[i] + a->one_minus_b1 * g[i];
        v[i] = a->b2 * v[i] + a->one_minus_b2 * g[i] * g[i];
        w[i] -= a->step_size * m[i] / (sqrtf(v[i]) + a->eps);
    }
}

NNRT_CLONED
void nnrt_weight_decay(float *restrict w, int n, float lr_wd)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK) {
        float *restrict b = w + i;
        for (int k = 0; k < BLOCK; k++)   /* constant bounds: vectorized */
            b[k] -= lr_wd * b[k];
    }
    for (; i < n; i++)
        w[i] -= lr_wd * w[i];
}
