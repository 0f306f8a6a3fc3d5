/* optim_sgd.c: SGD, plain and with momentum (classical and Nesterov), as
 * Keras 3's SGD computes them (keras/src/optimizers/sgd.py). */
#include "optim.h"

enum { BLOCK = NNRT_OPT_BLOCK };

/* SGD:  w -= lr * g */
static inline void sgd_at(float *restrict w, const float *restrict g, int i, float lr)
{
    w[i] -= lr * g[i];
}

NNRT_CLONED
void nnrt_sgd_update(float *restrict w, const float *restrict g, int n, float lr)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        for (int k = 0; k < BLOCK; k++)   /* constant bounds: vectorized */
            sgd_at(w + i, g + i, k, lr);
    for (; i < n; i++)
        sgd_at(w, g, i, lr);
}

/* Momentum (Keras's SGD(momentum=mu)):
 *     v = mu * v - lr * g
 *     w += v
 * (PyTorch's SGD(momentum) keeps b = mu * b + g and w -= lr * b: the same
 * updates while lr is constant, since v = -lr * b.) */
static inline void momentum_at(float *restrict w, const float *restrict g, float *restrict v,
                               int i, float lr, float mu)
{
    v[i] = mu * v[i] - lr * g[i];
    w[i] += v[i];
}

NNRT_CLONED
void nnrt_momentum_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                          float lr, float momentum)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        for (int k = 0; k < BLOCK; k++)   /* constant bounds: vectorized */
            momentum_at(w + i, g + i, v + i, k, lr, momentum);
    for (; i < n; i++)
        momentum_at(w, g, v, i, lr, momentum);
}

/* Nesterov (Keras's SGD(momentum=mu, nesterov=True)): the step looks ahead
 * along the new velocity,
 *     v = mu * v - lr * g
 *     w += mu * v - lr * g */
static inline void nesterov_at(float *restrict w, const float *restrict g, float *restrict v,
                               int i, float lr, float mu)
{
    v[i] = mu * v[i] - lr * g[i];
    w[i] += mu * v[i] - lr * g[i];
}

NNRT_CLONED
void nnrt_nesterov_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                          float lr, float momentum)
{
    int i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        for (int k = 0; k < BLOCK; k++)   /* constant bounds: vectorized */
            nesterov_at(w + i, g + i, v + i, k, lr, momentum);
    for (; i < n; i++)
        nesterov_at(w, g, v, i, lr, momentum);
}
