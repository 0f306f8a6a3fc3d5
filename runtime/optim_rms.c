/* optim_rms.c: the optimizers that scale each entry's step by a root of its
 * accumulated squared gradients: AdaGrad, RMSProp, Adadelta, as Keras 3
 * computes them (keras/src/optimizers/{adagrad,rmsprop,adadelta}.py).
 *
 * Keras puts eps inside the square root in all three: sqrt(acc + eps), not
 * PyTorch's sqrt(acc) + eps.  Each block is one pass over its values, the
 * square roots in line (optim.h). */
#include "optim.h"

enum { BLOCK = NNRT_OPT_BLOCK };

/* AdaGrad (Duchi et al.), acc starting at initial_accumulator (Keras 0.1):
 *     acc += g^2
 *     w -= lr * g / sqrt(acc + eps) */
static inline void adagrad_block(float *restrict w, const float *restrict g,
                                 float *restrict acc, float lr, float eps)
{
    for (int i = 0; i < BLOCK; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / sqrtf(acc[i] + eps);
    }
}

NNRT_CLONED
void nnrt_adagrad_update(float *restrict w, const float *restrict g, float *restrict acc, int n,
                         float lr, float eps)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        adagrad_block(w + i, g + i, acc + i, lr, eps);
    for (; i < n; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / sqrtf(acc[i] + eps);
    }
}

/* RMSProp (Hinton), Keras's default form: not centered, no momentum, v
 * starting at 0:
 *     v = rho * v + (1 - rho) * g^2
 *     w -= lr * g / sqrt(v + eps) */
static inline void rmsprop_block(float *restrict w, const float *restrict g, float *restrict v,
                                 float lr, float rho, float eps)
{
    const float c = 1.0f - rho;
    for (int i = 0; i < BLOCK; i++) {
        v[i] = rho * v[i] + c * (g[i] * g[i]);
        w[i] -= lr * g[i] / sqrtf(v[i] + eps);
    }
}

NNRT_CLONED
void nnrt_rmsprop_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                         float lr, float rho, float eps)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        rmsprop_block(w + i, g + i, v + i, lr, rho, eps);
    for (; i < n; i++) {
        v[i] = rho * v[i] + (1.0f - rho) * (g[i] * g[i]);
        w[i] -= lr * g[i] / sqrtf(v[i] + eps);
    }
}

/* Adadelta (Zeiler), both accumulators starting at 0:
 *     acc = rho * acc + (1 - rho) * g^2
 *     delta = sqrt(acc_delta + eps) * g / sqrt(acc + eps)
 *     acc_delta = rho * acc_delta + (1 - rho) * delta^2
 *     w -= lr * delta
 * (Keras's lr defaults to 0.001 where the paper has none, i.e. 1.) */
static inline void adadelta_block(float *restrict w, const float *restrict g,
                                  float *restrict acc, float *restrict acc_delta, float lr,
                                  float rho, float eps)
{
    const float c = 1.0f - rho;
    for (int i = 0; i < BLOCK; i++) {
        acc[i] = rho * acc[i] + c * (g[i] * g[i]);
        float delta = sqrtf(acc_delta[i] + eps) * g[i] / sqrtf(acc[i] + eps);
        acc_delta[i] = rho * acc_delta[i] + c * (delta * delta);
        w[i] -= lr * delta;
    }
}

NNRT_CLONED
void nnrt_adadelta_update(float *restrict w, const float *restrict g, float *restrict acc,
                          float *restrict acc_delta, int n, float lr, float rho, float eps)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        adadelta_block(w + i, g + i, acc + i, acc_delta + i, lr, rho, eps);
    for (; i < n; i++) {
        acc[i] = rho * acc[i] + (1.0f - rho) * (g[i] * g[i]);
        float delta = sqrtf(acc_delta[i] + eps) * g[i] / sqrtf(acc[i] + eps);
        acc_delta[i] = rho * acc_delta[i] + (1.0f - rho) * (delta * delta);
        w[i] -= lr * delta;
    }
}
