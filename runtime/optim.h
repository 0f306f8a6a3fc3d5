/* optim.h: what the optimizer files share: the update kernels that
 * optim.c dispatches to (one file per family) and the blocking that lets
 * the compiler vectorize them.  Internal; not installed.
 *
 * Speed: an update runs after every batch over every parameter, so each
 * kernel is written for the vectorizer.  At -O2, gcc 12 vectorizes only
 * loops whose trip count is a known multiple of the vector width, and never
 * sqrtf() while it may have to set errno.  So the work goes in blocks of
 * NNRT_OPT_BLOCK elements with constant bounds and restrict pointers, the
 * optimizer files are compiled with -fno-math-errno (the Makefile: sqrtf is
 * then the instruction, the same correctly rounded result), and the last
 * partial block runs the same formulas scalar.  Each exported kernel is
 * NNRT_CLONED: compiled for AVX-512, for AVX2 and for any x86-64, the
 * loader picking the widest the CPU has.  Without contraction into fused
 * multiply-adds (-ffp-contract=off, as everywhere in the runtime), every
 * width computes the same bits, so a run gives the same weights on any
 * x86-64.  Fashion_mlp's Adam steps took 21% of an epoch at SSE's width on
 * the development machine (perf, one thread), 11% at AVX-512's.  Every
 * kernel keeps the per-element work in float, in Keras's order of
 * operations; scalars that depend only on the step are computed once, in
 * double.
 *
 * Adam is bound by the core's divider.  On a Zen 3 (AVX2, one thread) it
 * was 16% of fashion_mlp's epoch at batch 32, 41 us a step for its
 * 101,770 values.  The loop alone took 0.51 ns a value at that size and
 * 0.49 ns on 8192 values that stay in level 2, so memory is not what
 * costs: each vector took a square root and two divisions, about 12
 * cycles of the one unit that does both.  Written with one division
 * (optim_adam.c), 0.44 ns (0.36 in level 2), and the epoch 5% faster
 * (0.434 s to 0.412 s, medians of 12).  Adam done inside the weight
 * gradient's register tiles (nnrt_mm_tn's last step), so that its
 * divisions could overlap the products' multiply-adds, made the epoch
 * slower (0.467 s against 0.450 s), and fetching the next tile's w, m and
 * v ahead did not help: not kept.  With no Adam at all on the first layer
 * the epoch took 0.352 s against 0.435 s, the floor for any such fusion.
 *
 * Each block is one pass over its values, the square root in line (sqrtf
 * is the instruction, by -fno-math-errno).  Gathering a block's roots into
 * an array first, then one loop of square roots, then the updates, cost
 * a store and a load of every value and three loops' overhead: on Zen 5
 * (AVX-512, one thread), Adam over fashion_mlp's 101,770 values took
 * 0.31 ns a value so and 0.21 ns in one pass, the same bits; its epoch
 * went from 0.197-0.215 s to 0.186-0.204 s.  There the divider is no
 * longer the bound: the pass without its square root and division took
 * as long. */
#ifndef NNRT_OPTIM_H
#define NNRT_OPTIM_H

#include <math.h>

#include "nnrt_internal.h"

enum { NNRT_OPT_BLOCK = 64 };

/* A function compiled for several x86-64 levels, chosen at load time
 * (GCC's target_clones, through an ifunc); elsewhere, one plain function.
 * Not with Clang: Clang 14 names the ifunc NAME.ifunc, so a call from
 * another file (optim.c's) to NAME found no definition and a runtime
 * built with CC=clang linked no trainer; declared with the attribute too,
 * the call linked to the resolver itself, which returns the clone's
 * address and updates nothing: every weight stayed where it started. */
#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && defined(__GNUC__) && \
    __GNUC__ >= 12
#define NNRT_CLONED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NNRT_CLONED
#endif

/* ---- gradient clipping (optim.c), Keras's, before any update --------- */

/* clip_norm's factor for a tensor's gradient g (n values): clip_norm /
 * |g|, which brings it down to that L2 norm, or 1 where |g| <= clip_norm
 * or the optimizer has no clip_norm; |g| summed in double in index order,
 * so the factor is the same whatever the threads */
float nnrt_clip_norm_factor(const nnrt_optim_state *st, const float *g, long n);
/* n values of a gradient, in place, before their update: times factor
 * (clip_norm's, over the whole tensor), then each held to [-clip_value,
 * clip_value] if the optimizer has it */
void nnrt_optim_clip(const nnrt_optim_state *st, float *g, long n, float factor);

/* ---- SGD and its momentum variants (optim_sgd.c) ---------------------
 * w, g, v are n floats each; v is the velocity, zero at the start. */

void nnrt_sgd_update(float *restrict w, const float *restrict g, int n, float lr);
void nnrt_momentum_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                          float lr, float momentum);
void nnrt_nesterov_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                          float lr, float momentum);

/* ---- Adam and AdamW (optim_adam.c) ----------------------------------- */

/* The scalars of one Adam step t, with the bias corrections folded in
 * (optim_adam.c): step_size = lr sqrt(1 - b2^t) / (1 - b1^t), eps =
 * epsilon sqrt(1 - b2^t). */
typedef struct nnrt_adam_step {
    float b1, b2, one_minus_b1, one_minus_b2, step_size, eps;
} nnrt_adam_step;

nnrt_adam_step nnrt_adam_scalars(const nnrt_optimizer *o, long t);
/* m, v: first and second moments, zero at the start */
void nnrt_adam_update(float *restrict w, const float *restrict g, float *restrict m,
                      float *restrict v, int n, const nnrt_adam_step *a);
/* w -= lr_wd * w: AdamW's decoupled weight decay, lr_wd = lr * weight_decay */
void nnrt_weight_decay(float *restrict w, int n, float lr_wd);

/* ---- AdaGrad, RMSProp, Adadelta (optim_rms.c) ------------------------- */

/* acc starts at the optimizer's initial_accumulator */
void nnrt_adagrad_update(float *restrict w, const float *restrict g, float *restrict acc, int n,
                         float lr, float eps);
/* v starts at zero */
void nnrt_rmsprop_update(float *restrict w, const float *restrict g, float *restrict v, int n,
                         float lr, float rho, float eps);
/* acc (of g^2) and acc_delta (of the updates squared) start at zero */
void nnrt_adadelta_update(float *restrict w, const float *restrict g, float *restrict acc,
                          float *restrict acc_delta, int n, float lr, float rho, float eps);

#endif
