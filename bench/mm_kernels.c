/* mm_kernels.c: the products nnc computes itself (runtime/nnrt_kernels.h)
 * against cblas_sgemm on the shapes that decided the rule in
 * compiler/passes/pick_kernels.c, and the machine's limit: a loop of
 * independent fused multiply-adds on registers alone, at the vector width
 * the trainers are compiled for.  One thread; the best of 5 timings each.
 *
 *   mm_kernels            prints one line a shape, then fma_limit_gflops
 *
 * Compiled by bench/bench.sh as the trainers are (-O3 -march=native
 * -ffp-contract=off), against the OpenBLAS the environment selects
 * (OPENBLAS_CORETYPE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

typedef float real;
#include "nnrt_kernels.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *random_values(size_t n)
{
    float *v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "mm_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return v;
}

/* The shapes: c (m, n) = a (m, k) b (k, n), or for tn c (m, n) = a^T b
 * with a (k, m); each a function with its widths as constants, as the
 * generated code calls them */
#define NN(NAME, N, K, LDA) \
    static void NAME(int m, const real *a, const real *b, real *c) \
    { \
        nnrt_mm(m, N, K, a, LDA, b, N, c, N, 1); \
    }
#define TN(NAME, M, N, LDA) \
    static void NAME(int k, const real *a, const real *b, real *c) \
    { \
        nnrt_mm_tn(M, N, k, a, LDA, b, N, c, N, 1, 1); \
    }
NN(mlp_forward, 128, 128, 784)     /* a 128-row block of fashion_mlp's dense128 */
NN(mlp_unblocked, 128, 784, 784)   /* the same layer in one product */
NN(wide_block, 1024, 128, 3136)    /* a 128-row block of fashion_cnn's dense1024 */
NN(conv_forward, 64, 800, 800)     /* fashion_cnn's conv64: im2col rows by W */
NN(deep, 128, 2048, 2048)          /* 2^18 weights: the rule's limit */
NN(too_big, 1024, 3136, 3136)      /* fashion_cnn's dense1024 in one product */
TN(mlp_dw, 128, 128, 784)          /* dW of a block of dense128, over 32 rows */
TN(conv_dw, 800, 64, 800)          /* dW of conv64, over 1176 rows */

typedef struct Shape {
    const char *name;
    int tn;             /* c = a^T b */
    int m, n, k, lda;
    void (*nn)(int m, const real *a, const real *b, real *c);
    void (*tn_fn)(int k, const real *a, const real *b, real *c);
} Shape;

static const Shape SHAPES[] = {
    { "dense128 block, x W", 0, 32, 128, 128, 784, mlp_forward, NULL },
    { "dense128 whole, x W", 0, 32, 128, 784, 784, mlp_unblocked, NULL },
    { "dense1024 block, x W", 0, 32, 1024, 128, 3136, wide_block, NULL },
    { "conv64 im2col, x W", 0, 1176, 64, 800, 800, conv_forward, NULL },
    { "2048x128 weights, x W", 0, 32, 128, 2048, 2048, deep, NULL },
    { "dense1024 whole, x W", 0, 32, 1024, 3136, 3136, too_big, NULL },
    { "dense128 block, dW", 1, 128, 128, 32, 784, NULL, mlp_dw },
    { "conv64, dW", 1, 800, 64, 1176, 800, NULL, conv_dw },
};

/* GFLOP/s of the best of 5 timings of reps calls */
static double best(const Shape *s, int ours, const float *a, const float *b, float *c, int reps)
{
    double fastest = 1e30;
    for (int t = 0; t < 5; t++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            if (ours && s->tn)
                s->tn_fn(s->k, a, b, c);
            else if (ours)
                s->nn(s->m, a, b, c);
            else
                cblas_sgemm(CblasRowMajor, s->tn ? CblasTrans : CblasNoTrans, CblasNoTrans,
                            s->m, s->n, s->k, 1.0f, a, s->lda, b, s->n, 1.0f, c, s->n);
        }
        double t1 = now();
        fastest = t1 - t0 < fastest ? t1 - t0 : fastest;
    }
    return 2.0 * s->m * s->n * s->k * reps / fastest * 1e-9;
}

/* The FMA limit: 12 independent chains of vector multiply-adds (enough to
 * cover the latency of every current FMA unit), on registers only */
static double fma_limit(void)
{
    enum { CHAINS = 12, STEPS = 20000000 };
    nnrt_vreal acc[CHAINS], x = nnrt_vsplat(0.999999f), y = nnrt_vsplat(1e-7f);
    for (int i = 0; i < CHAINS; i++)
        acc[i] = nnrt_vsplat((float)i);
    double t0 = now();
    for (long s = 0; s < STEPS; s++)
        for (int i = 0; i < CHAINS; i++)
            acc[i] = nnrt_vfma(y, acc[i], x);
    double t1 = now();
    float sink = 0;
    for (int i = 0; i < CHAINS; i++)
        sink += acc[i][0];
    if (sink == 12345.0f)   /* keep the loop */
        printf("#\n");
    return 2.0 * NNRT_VW * CHAINS * (double)STEPS / (t1 - t0) * 1e-9;
}

int main(void)
{
    openblas_set_num_threads(1);
    printf("%-24s %8s %8s %8s  %s\n", "product (one thread)", "m x n", "depth", "nnrt_mm",
           "cblas_sgemm (GFLOP/s)");
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        const Shape *s = &SHAPES[i];
        size_t a_rows = (size_t)(s->tn ? s->k : s->m);
        float *a = random_values(a_rows * (size_t)s->lda);
        float *b = random_values((size_t)s->k * (size_t)s->n);
        float *c = random_values((size_t)s->m * (size_t)s->n);
        double flop = 2.0 * s->m * s->n * s->k;
        int reps = (int)(2e8 / flop) + 1;   /* about 0.2 GFLOP a timing */
        double ours = best(s, 1, a, b, c, reps), blas = best(s, 0, a, b, c, reps);
        char mn[32];
        snprintf(mn, sizeof mn, "%dx%d", s->m, s->n);
        printf("%-24s %8s %8d %8.1f  %.1f\n", s->name, mn, s->k, ours, blas);
        free(a);
        free(b);
        free(c);
    }
    printf("fma_limit_gflops %.1f (vectors of %d floats, one thread)\n", fma_limit(), NNRT_VW);
    return 0;
}
