/* test_kernels.c: nnrt_mm, nnrt_mm_tn, nnrt_mm_bias_nt and nnrt_copy_over
 * (runtime/nnrt_kernels.h) against the plainest loop that computes each
 * value the same way; and Winograd's convolution (nnrt_winograd.h),
 * whose sums go through its points, against direct sums in double.
 *
 * They promise that every value of c is one sum over p in order, from
 * zero, each step one multiply-add as nnrt_fma does it, then scaled and
 * added to c's value: so a triple loop over nnrt_fma must give the same
 * bits, whatever tile, edge or vector width computed the value.  Random
 * shapes (every remainder of rows and columns), leading dimensions wider
 * than the matrices (whose extra columns must stay untouched), with and
 * without adding to c.  This file is compiled three times: as it is, for
 * the portable vectors; as test_kernels_native with -march=native, the
 * vectors the trainers use; and as test_kernels_avx2, AVX2's paths, which
 * an AVX-512 machine's native build never takes (the Makefile). */
#include "suite.h"

typedef float real;
#define NNRT_KERNELS_SANITIZED   /* under ASan, every access of the kernels checked */
#include "nnrt_kernels.h"
#include "nnrt_winograd.h"

#ifndef KERNELS_SUITE
#define KERNELS_SUITE "kernels"
#endif

enum { CASES = 300, BIG_CASES = 16 };

static uint32_t rng_state = 12345u;
static int draw(int lo, int hi)   /* uniform in [lo, hi] */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (int)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

static float value(void)
{
    return (float)draw(-1000, 1000) / 997.0f;
}

static float *values(size_t n)
{
    float *v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        v[i] = value();
    return v;
}

/* The reference: c (m, n) = [c +] alpha A b, one value at a time, A being
 * a or a transposed */
static void reference(int m, int n, int k, const float *a, int lda, int ta, const float *b,
                      int ldb, float *c, int ldc, float alpha, int add)
{
    for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++)
                s = nnrt_fma(s, ta ? a[p * lda + r] : a[r * lda + p], b[p * ldb + j]);
            c[r * ldc + j] = add ? c[r * ldc + j] + alpha * s : alpha * s;
        }
}

/* One random case of nnrt_mm (ta 0) or nnrt_mm_tn (ta 1); a big one has
 * the rows and depths where b's panel is copied first, or just too deep
 * for that (NNRT_PACK_ROWS), and b's rows 4 KB apart half the time */
static void check_case(int t, int ta, int big)
{
    int m = big ? draw(16 * NNRT_MR - 2, 140) : draw(1, 37);
    int n = draw(1, 3 * NNRT_NV * NNRT_VW + 5), k = big ? draw(1500, 1700) : draw(1, 300);
    int lda = (ta ? m : k) + draw(0, 3), ldc = n + draw(0, 3);
    int ldb = big && draw(0, 1) ? 4096 / (int)sizeof(real) : n + draw(0, 3);
    int add = draw(0, 1);
    float alpha = ta && draw(0, 1) ? value() : 1.0f;
    float *a = values((size_t)(ta ? k : m) * lda), *b = values((size_t)k * ldb);
    float *c = values((size_t)m * ldc), *want = malloc((size_t)m * ldc * sizeof *want);
    ck_assert_ptr_nonnull(want);
    memcpy(want, c, (size_t)m * ldc * sizeof *c);
    reference(m, n, k, a, lda, ta, b, ldb, want, ldc, alpha, add);
    if (ta)
        nnrt_mm_tn(m, n, k, a, lda, b, ldb, c, ldc, alpha, add);
    else
        nnrt_mm(m, n, k, a, lda, b, ldb, c, ldc, add);
    for (int i = 0; i < m * ldc; i++)
        ck_assert_msg(memcmp(&c[i], &want[i], sizeof c[i]) == 0,
                      "%s case %d: m %d n %d k %d lda %d ldb %d ldc %d alpha %a add %d: "
                      "c[%d][%d] is %a, the reference %a",
                      ta ? "nnrt_mm_tn" : "nnrt_mm", t, m, n, k, lda, ldb, ldc, (double)alpha,
                      add, i / ldc, i % ldc, (double)c[i], (double)want[i]);
    free(a);
    free(b);
    free(c);
    free(want);
}

START_TEST(nnrt_mm_matches_the_reference_bit_for_bit)
{
    for (int t = 0; t < CASES; t++)
        check_case(t, 0, t < BIG_CASES);
}
END_TEST

START_TEST(nnrt_mm_tn_matches_the_reference_bit_for_bit)
{
    for (int t = 0; t < CASES; t++)
        check_case(t, 1, t < BIG_CASES);
}
END_TEST

/* nnrt_mm_bias: the same bits as the generated code's former three steps,
 * the rows preset to the bias, nnrt_mm adding to them, the relu loop (as
 * emit_activation.c writes it: v > 0 ? v : 0) */
START_TEST(nnrt_mm_bias_is_bias_rows_then_nnrt_mm_then_relu)
{
    for (int t = 0; t < CASES; t++) {
        int m = draw(1, 37), n = draw(1, 3 * NNRT_NV * NNRT_VW + 5), k = draw(1, 100);
        int lda = k + draw(0, 3), ldb = n + draw(0, 3), ldc = n + draw(0, 3), act = draw(0, 1);
        float *a = values((size_t)m * lda), *b = values((size_t)k * ldb);
        float *bias = values((size_t)n), *c = values((size_t)m * ldc);
        float *want = malloc((size_t)m * ldc * sizeof *want);
        ck_assert_ptr_nonnull(want);
        bias[0] = -0.0f;   /* a row of zero sums gives -0 + 0 */
        memcpy(want, c, (size_t)m * ldc * sizeof *c);
        for (int r = 0; r < m; r++)
            memcpy(&want[r * ldc], bias, (size_t)n * sizeof *bias);
        reference(m, n, k, a, lda, 0, b, ldb, want, ldc, 1.0f, 1);
        for (int r = 0; act == NNRT_RELU && r < m; r++)
            for (int j = 0; j < n; j++) {
                float v = want[r * ldc + j];
                want[r * ldc + j] = v > 0 ? v : 0;
            }
        nnrt_mm_bias(m, n, k, a, lda, b, ldb, bias, c, ldc, act);
        for (int i = 0; i < m * ldc; i++)
            ck_assert_msg(memcmp(&c[i], &want[i], sizeof c[i]) == 0,
                          "case %d: m %d n %d k %d act %d: c[%d][%d] is %a, the reference %a", t,
                          m, n, k, act, i / ldc, i % ldc, (double)c[i], (double)want[i]);
        free(a);
        free(b);
        free(bias);
        free(c);
        free(want);
    }
}
END_TEST

/* nnrt_mm_bias_nt's value for a row of a and a row of bt, its order
 * spelled out: two vectors of sums, lane l of the first over p = l, l +
 * 2 VW, ... and of the second over p = l + VW, l + 3 VW, ... while two
 * whole vectors remain, the rest into the first (beyond k, 0 * 0); the
 * two added lane by lane, then the lanes each half onto the other */
static float nt_reference(const float *a, const float *b, int k)
{
    float s0[NNRT_VW] = { 0 }, s1[NNRT_VW] = { 0 };
    int p = 0;
    for (; p + 2 * NNRT_VW <= k; p += 2 * NNRT_VW)
        for (int l = 0; l < NNRT_VW; l++) {
            s0[l] = nnrt_fma(s0[l], a[p + l], b[p + l]);
            s1[l] = nnrt_fma(s1[l], a[p + NNRT_VW + l], b[p + NNRT_VW + l]);
        }
    for (; p < k; p += NNRT_VW)
        for (int l = 0; l < NNRT_VW; l++)
            s0[l] = p + l < k ? nnrt_fma(s0[l], a[p + l], b[p + l]) : nnrt_fma(s0[l], 0, 0);
    for (int l = 0; l < NNRT_VW; l++)
        s0[l] += s1[l];
    for (int w = NNRT_VW / 2; w > 0; w /= 2)
        for (int l = 0; l < w; l++)
            s0[l] += s0[l + w];
    return s0[0];
}

/* nnrt_mm_bias_nt: c = act(a bt^T + bias), every value as nt_reference
 * sums it, then the bias, then relu; the rows of c in fours and the rest,
 * k every remainder of two vectors, and ldc's extra columns untouched */
START_TEST(nnrt_mm_bias_nt_matches_the_reference_bit_for_bit)
{
    for (int t = 0; t < CASES; t++) {
        int m = draw(1, 37), n = draw(1, NNRT_VW + 3), k = draw(1, 300);
        int lda = k + draw(0, 3), ldbt = k + draw(0, 3), ldc = n + draw(0, 3), act = draw(0, 1);
        float *a = values((size_t)m * lda), *bt = values((size_t)n * ldbt);
        float *bias = values((size_t)n), *c = values((size_t)m * ldc);
        float *want = malloc((size_t)m * ldc * sizeof *want);
        ck_assert_ptr_nonnull(want);
        memcpy(want, c, (size_t)m * ldc * sizeof *c);
        for (int r = 0; r < m; r++)
            for (int j = 0; j < n; j++) {
                float v = nt_reference(&a[r * lda], &bt[j * ldbt], k) + bias[j];
                want[r * ldc + j] = act == NNRT_RELU ? (v > 0 ? v : 0) : v;
            }
        nnrt_mm_bias_nt(m, n, k, a, lda, bt, ldbt, bias, c, ldc, act);
        for (int i = 0; i < m * ldc; i++)
            ck_assert_msg(memcmp(&c[i], &want[i], sizeof c[i]) == 0,
                          "case %d: m %d n %d k %d act %d: c[%d][%d] is %a, the reference %a", t,
                          m, n, k, act, i / ldc, i % ldc, (double)c[i], (double)want[i]);
        free(a);
        free(bt);
        free(bias);
        free(c);
        free(want);
    }
}
END_TEST

/* nnrt_copy_over: n values, then at most to the end of its last vector,
 * which NNRT_SLACK holds */
START_TEST(nnrt_copy_over_copies_n_values)
{
    ck_assert_int_le(NNRT_VW, NNRT_SLACK);
    for (int n = 1; n <= 4 * NNRT_VW + 1; n++) {
        enum { LEN = 5 * NNRT_VW + NNRT_SLACK };
        float src[LEN], dst[LEN];
        for (int i = 0; i < LEN; i++) {
            src[i] = (float)i + 1;
            dst[i] = -1;
        }
        nnrt_copy_over(dst, src, n);
        int end = (n + NNRT_VW - 1) / NNRT_VW * NNRT_VW;   /* its last vector's end */
        ck_assert_int_le(end - n, NNRT_SLACK);
        for (int i = 0; i < LEN; i++)
            ck_assert_msg(dst[i] == (i < end ? src[i] : -1), "n %d: dst[%d] is %g", n, i,
                          (double)dst[i]);
    }
}
END_TEST

/* A product that is exact in float: each value is a small integer */
START_TEST(nnrt_mm_computes_a_product)
{
    enum { M = 9, N = 2 * NNRT_NV * NNRT_VW + 3, K = 7 };
    float a[M * K], b[K * N], c[M * N];
    for (int i = 0; i < M * K; i++)
        a[i] = (float)(i % 5 - 2);
    for (int i = 0; i < K * N; i++)
        b[i] = (float)(i % 7 - 3);
    for (int i = 0; i < M * N; i++)
        c[i] = 1;
    nnrt_mm(M, N, K, a, K, b, N, c, N, 1);
    for (int r = 0; r < M; r++)
        for (int j = 0; j < N; j++) {
            int s = 1;
            for (int p = 0; p < K; p++)
                s += (int)a[r * K + p] * (int)b[p * N + j];
            ck_assert_int_eq((int)c[r * N + j], s);
        }
}
END_TEST

/* ---- Winograd's convolution ------------------------------------------------ */

/* One axis of a random case: x's size and the output's for k taps, p of
 * padding before and after */
static int out_size(int in, int k, int p) { return in + 2 * p - k + 1; }

/* y (oh, ow, f) = act(b + the sum over each window of x (h, w, c) padded
 * by p, g (k, k, c, f)), in double, and each value's scale: the sum of
 * its terms' magnitudes, which bounds the rounding any order may make */
static void direct_conv(int h, int w, int c, int f, int k, int p, const float *x, const float *g,
                        const float *b, int relu, double *y, double *scale)
{
    int oh = out_size(h, k, p), ow = out_size(w, k, p);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int fi = 0; fi < f; fi++) {
                double s = b ? b[fi] : 0, a = b ? fabs(b[fi]) : 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy + ky - p, ix = ox + kx - p;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            continue;
                        for (int ci = 0; ci < c; ci++) {
                            double t = (double)x[(iy * w + ix) * c + ci] *
                                       g[((ky * k + kx) * c + ci) * f + fi];
                            s += t;
                            a += fabs(t);
                        }
                    }
                y[(oy * ow + ox) * f + fi] = relu && s < 0 ? 0 : s;
                scale[(oy * ow + ox) * f + fi] = a;
            }
}

static double largest(const double *v, int n)
{
    double most = 0;
    for (int i = 0; i < n; i++)
        most = v[i] > most ? v[i] : most;
    return most;
}

/* nnrt_wino_conv of ns samples x (ns, h, w, c) padded by p, as the
 * generated code calls it: each sample in a zero-padded copy of whole
 * tiles, one after another, 16 values of slack */
static void wino_conv_n(int ns, int h, int w, int c, int f, int k, int p, int tg, const float *x,
                        const float *v, const float *b, int relu, float *y)
{
    int m = NNRT_WINO_M(k), oh = out_size(h, k, p), ow = out_size(w, k, p);
    int ph = (oh + m - 1) / m * m + k - 1, pw = (ow + m - 1) / m * m + k - 1;
    float *pad = calloc((size_t)(ns * ph * pw * c + 16), sizeof *pad);
    int most = c > f ? c : f;
    float *u = calloc((size_t)(NNRT_WINO_A(k) * NNRT_WINO_A(k) * NNRT_WINO_POINT(tg, most)), sizeof *u);
    float *mm = calloc((size_t)(NNRT_WINO_A(k) * NNRT_WINO_A(k) * NNRT_WINO_POINT(tg, most)), sizeof *mm);
    ck_assert(pad && u && mm);
    for (int s = 0; s < ns; s++)
        for (int iy = 0; iy < h && iy + p < ph; iy++)
            for (int ix = 0; ix < w && ix + p < pw; ix++)
                memcpy(&pad[((s * ph + iy + p) * pw + ix + p) * c],
                       &x[((s * h + iy) * w + ix) * c], sizeof(float) * c);
    nnrt_wino_conv(ns, k, c, f, oh, ow, ph, pw, tg, pad, v, b, relu ? NNRT_RELU : NNRT_NO_ACT, y,
                   u, mm);
    free(pad);
    free(u);
    free(mm);
}

static void wino_conv(int h, int w, int c, int f, int k, int p, int tg, const float *x,
                      const float *v, const float *b, int relu, float *y)
{
    wino_conv_n(1, h, w, c, f, k, p, tg, x, v, b, relu, y);
}

/* Forward (the filters as they are, a bias, relu or not; over windows
 * of zeros, the bias exactly, as a direct sum gives it), dx (dz
 * through the filters turned 180 degrees, padded by k - 1 - p) and dW
 * (x's tiles against dz's, dz placed off the corner of its copy): random
 * sizes the tiles overhang, channels and filters under, at and over a
 * vector's, every padding up to k - 1; each value within 1e-5 of the
 * largest sum of its terms' magnitudes (a tile's points mix its A x A
 * inputs: a value's error follows its neighbours' too), and nothing
 * written past the output */
START_TEST(winograd_convolution_and_gradients_match_direct_sums)
{
    for (int t = 0; t < 60; t++) {
        int k = t % 2 ? 5 : 3, c = draw(1, 20), f = draw(1, 20), p = draw(0, k - 1);
        int h = draw(k - 2 * p > 1 ? k - 2 * p : 1, 13), w = draw(k - 2 * p > 1 ? k - 2 * p : 1, 13);
        int oh = out_size(h, k, p), ow = out_size(w, k, p), tg = draw(1, 20);
        float *x = values((size_t)(h * w * c)), *g = values((size_t)(k * k * c * f));
        float *b = values((size_t)f), *dz = values((size_t)(oh * ow * f));
        float *v = malloc(sizeof(float) * NNRT_WINO_A(k) * NNRT_WINO_A(k) * c * f), *y = malloc(sizeof(float) * (oh * ow * f + 1));
        float *dx = malloc(sizeof(float) * (h * w * c + 1)), *gt = malloc(sizeof(float) * k * k * c * f);
        double *want = malloc(sizeof(double) * (h * w * c + oh * ow * f + k * k * c * f));
        double *scale = malloc(sizeof(double) * (h * w * c + oh * ow * f));
        ck_assert(v && y && dx && gt && want && scale);
        int relu = t % 3 == 0;
        for (int iy = 0; iy < h / 2; iy++)   /* a background: its windows give the bias */
            for (int ix = 0; ix < w / 2 + t % 3; ix++)
                for (int ci = 0; ci < c && ix < w; ci++)
                    x[(iy * w + ix) * c + ci] = 0;
        y[oh * ow * f] = dx[h * w * c] = 12345;
        nnrt_wino_weights(k, c, f, g, 0, v);
        wino_conv(h, w, c, f, k, p, tg, x, v, b, relu, y);
        direct_conv(h, w, c, f, k, p, x, g, b, relu, want, scale);
        for (int i = 0; i < oh * ow * f; i++)
            ck_assert_msg(fabs(y[i] - want[i]) <= 1e-5 * largest(scale, oh * ow * f),
                          "k %d c %d f %d %dx%d p %d tg %d: y[%d] %.9g, direct %.9g", k, c, f, h,
                          w, p, tg, i, (double)y[i], want[i]);
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                int zeros = 1;
                for (int iy = oy - p; iy < oy - p + k; iy++)
                    for (int ix = ox - p; ix < ox - p + k; ix++)
                        for (int ci = 0; iy >= 0 && iy < h && ix >= 0 && ix < w && ci < c; ci++)
                            zeros &= x[(iy * w + ix) * c + ci] == 0;
                for (int fi = 0; zeros && fi < f; fi++) {
                    float bias = relu && !(b[fi] > 0) ? 0 : b[fi];
                    ck_assert_msg(y[(oy * ow + ox) * f + fi] == bias,
                                  "k %d c %d f %d %dx%d p %d: (%d, %d) reads zeros: %.9g, not"
                                  " the bias %.9g", k, c, f, h, w, p, oy, ox,
                                  (double)y[(oy * ow + ox) * f + fi], (double)bias);
                }
            }
        ck_assert(y[oh * ow * f] == 12345);
        /* dx: the transposed convolution, directly, as dz through g
           turned and swapped, padding k - 1 - p */
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
                for (int ci = 0; ci < c; ci++)
                    for (int fi = 0; fi < f; fi++)
                        gt[((ky * k + kx) * f + fi) * c + ci] =
                            g[(((k - 1 - ky) * k + k - 1 - kx) * c + ci) * f + fi];
        nnrt_wino_weights(k, c, f, g, 1, v);
        wino_conv(oh, ow, f, c, k, k - 1 - p, tg, dz, v, NULL, 0, dx);
        direct_conv(oh, ow, f, c, k, k - 1 - p, dz, gt, NULL, 0, want, scale);
        for (int i = 0; i < h * w * c; i++)
            ck_assert_msg(fabs(dx[i] - want[i]) <= 1e-5 * largest(scale, h * w * c),
                          "dx, k %d c %d f %d %dx%d p %d tg %d: dx[%d] %.9g, direct %.9g", k, c, f,
                          h, w, p, tg, i, (double)dx[i], want[i]);
        ck_assert(dx[h * w * c] == 12345);
        /* dW: each tap's sum over the outputs of x's pixel times dz */
        int m = NNRT_WINO_M(k), th = (oh + m - 1) / m, tw = (ow + m - 1) / m;
        int ph = th * m + k - 1, pw = tw * m + k - 1, most = c > f ? c : f;
        float *pad = calloc((size_t)(ph * pw * c + 16), sizeof(float));
        float *dzpad = calloc((size_t)((th * m + 1) * (tw * m + 2) * f + 16), sizeof(float));
        float *u = calloc((size_t)(NNRT_WINO_A(k) * NNRT_WINO_A(k) * NNRT_WINO_POINT(tg, most)), sizeof(float));
        float *d = calloc((size_t)(NNRT_WINO_A(k) * NNRT_WINO_A(k) * NNRT_WINO_POINT(tg, most)), sizeof(float));
        float *mw = calloc((size_t)(NNRT_WINO_A(k) * NNRT_WINO_A(k) * c * f), sizeof(float));
        float *dw = malloc(sizeof(float) * (k * k * c * f + 1));
        ck_assert(pad && dzpad && u && d && mw && dw);
        for (int iy = 0; iy < h && iy + p < ph; iy++)
            for (int ix = 0; ix < w && ix + p < pw; ix++)
                memcpy(&pad[((iy + p) * pw + ix + p) * c], &x[(iy * w + ix) * c], sizeof(float) * c);
        for (int oy = 0; oy < oh; oy++)   /* dz at row 1, column 2 of its copy */
            memcpy(&dzpad[((oy + 1) * (tw * m + 2) + 2) * f], &dz[oy * ow * f],
                   sizeof(float) * ow * f);
        dw[k * k * c * f] = 12345;
        nnrt_wino_dw(1, k, c, f, oh, ow, ph, pw, pad, th * m + 1, tw * m + 2, 1, 2, dzpad, tg, u,
                     d, mw);
        nnrt_wino_dw_out(k, c, f, mw, dw);
        ck_assert(dw[k * k * c * f] == 12345);
        double dw_scale = 0;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
                for (int ci = 0; ci < c; ci++)
                    for (int fi = 0; fi < f; fi++) {
                        double s = 0, a = 0;
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++) {
                                int iy = oy + ky - p, ix = ox + kx - p;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    continue;
                                double term = (double)x[(iy * w + ix) * c + ci] *
                                              dz[(oy * ow + ox) * f + fi];
                                s += term;
                                a += fabs(term);
                            }
                        want[((ky * k + kx) * c + ci) * f + fi] = s;
                        dw_scale = a > dw_scale ? a : dw_scale;
                    }
        for (int i = 0; i < k * k * c * f; i++)
            ck_assert_msg(fabs(dw[i] - want[i]) <= 1e-5 * dw_scale,
                          "dW, k %d c %d f %d %dx%d p %d tg %d: dw[%d] %.9g, direct %.9g", k, c, f,
                          h, w, p, tg, i, (double)dw[i], want[i]);
        free(pad), free(dzpad), free(u), free(d), free(mw), free(dw);
        free(x), free(g), free(b), free(dz), free(v), free(y), free(dx), free(gt);
        free(want), free(scale);
    }
}
END_TEST

/* ns samples a call, their tiles grouped tg at a time across them: each
 * output the same bits as the samples one at a time (its sums are over
 * the channels alone), and dW, whose sums over the tiles go in other
 * groups, within 1e-5 of the sum of its terms' magnitudes; nothing
 * written past the outputs */
START_TEST(winograd_groups_tiles_across_samples)
{
    for (int t = 0; t < 30; t++) {
        int k = t % 2 ? 5 : 3, c = draw(1, 20), f = draw(1, 20), p = draw(0, k - 1);
        int h = draw(k - 2 * p > 1 ? k - 2 * p : 1, 9), w = draw(k - 2 * p > 1 ? k - 2 * p : 1, 9);
        int oh = out_size(h, k, p), ow = out_size(w, k, p), ns = draw(2, 4), tg = draw(1, 40);
        int m = NNRT_WINO_M(k), a = NNRT_WINO_A(k), th = (oh + m - 1) / m, tw = (ow + m - 1) / m;
        int ph = th * m + k - 1, pw = tw * m + k - 1, most = c > f ? c : f;
        float *x = values((size_t)(ns * h * w * c)), *g = values((size_t)(k * k * c * f));
        float *b = values((size_t)f), *dz = values((size_t)(ns * oh * ow * f));
        float *v = malloc(sizeof(float) * a * a * c * f);
        float *y = malloc(sizeof(float) * (ns * oh * ow * f + 1)), *one = malloc(sizeof(float) * oh * ow * f);
        ck_assert(v && y && one);
        for (int i = 0; i < h * w * c / 2; i++)   /* some background: zero windows */
            x[i] = 0;
        y[ns * oh * ow * f] = 12345;
        nnrt_wino_weights(k, c, f, g, 0, v);
        wino_conv_n(ns, h, w, c, f, k, p, tg, x, v, b, t % 3 == 0, y);
        for (int s = 0; s < ns; s++) {
            wino_conv(h, w, c, f, k, p, tg, &x[s * h * w * c], v, b, t % 3 == 0, one);
            ck_assert_msg(memcmp(one, &y[s * oh * ow * f], sizeof(float) * oh * ow * f) == 0,
                          "k %d c %d f %d %dx%d p %d, %d samples, tg %d: sample %d differs", k, c,
                          f, h, w, p, ns, tg, s);
        }
        ck_assert(y[ns * oh * ow * f] == 12345);
        /* dW over the ns samples at once, and sample by sample */
        float *pad = calloc((size_t)(ns * ph * pw * c + 16), sizeof(float));
        float *dzpad = calloc((size_t)(ns * (th * m) * (tw * m) * f + 16), sizeof(float));
        float *u = calloc((size_t)(a * a * NNRT_WINO_POINT(tg, most)), sizeof(float));
        float *d = calloc((size_t)(a * a * NNRT_WINO_POINT(tg, most)), sizeof(float));
        float *mw = calloc((size_t)(a * a * c * f), sizeof(float));
        float *each = calloc((size_t)(a * a * c * f), sizeof(float));
        float *dw = malloc(sizeof(float) * k * k * c * f), *want = malloc(sizeof(float) * k * k * c * f);
        ck_assert(pad && dzpad && u && d && mw && each && dw && want);
        for (int s = 0; s < ns; s++) {
            for (int iy = 0; iy < h && iy + p < ph; iy++)
                for (int ix = 0; ix < w && ix + p < pw; ix++)
                    memcpy(&pad[((s * ph + iy + p) * pw + ix + p) * c],
                           &x[((s * h + iy) * w + ix) * c], sizeof(float) * c);
            for (int oy = 0; oy < oh; oy++)
                memcpy(&dzpad[((s * th * m + oy) * tw * m) * f], &dz[(s * oh + oy) * ow * f],
                       sizeof(float) * ow * f);
        }
        nnrt_wino_dw(ns, k, c, f, oh, ow, ph, pw, pad, th * m, tw * m, 0, 0, dzpad, tg, u, d, mw);
        nnrt_wino_dw_out(k, c, f, mw, dw);
        for (int s = 0; s < ns; s++)
            nnrt_wino_dw(1, k, c, f, oh, ow, ph, pw, &pad[s * ph * pw * c], th * m, tw * m, 0, 0,
                         &dzpad[s * th * m * tw * m * f], tg, u, d, each);
        nnrt_wino_dw_out(k, c, f, each, want);
        double sum_x = 0, most_dz = 0;   /* a bound on each value's sum of |terms| */
        for (int i = 0; i < ns * h * w * c; i++)
            sum_x += fabs(x[i]);
        for (int i = 0; i < ns * oh * ow * f; i++)
            most_dz = fabs(dz[i]) > most_dz ? fabs(dz[i]) : most_dz;
        for (int i = 0; i < k * k * c * f; i++)
            ck_assert_msg(fabs(dw[i] - want[i]) <= 1e-5 * sum_x * most_dz,
                          "dW, k %d c %d f %d %dx%d p %d, %d samples, tg %d: dw[%d] %.9g, one by"
                          " one %.9g", k, c, f, h, w, p, ns, tg, i, (double)dw[i], (double)want[i]);
        free(pad), free(dzpad), free(u), free(d), free(mw), free(each), free(dw), free(want);
        free(x), free(g), free(b), free(dz), free(v), free(y), free(one);
    }
}
END_TEST

int main(void)
{
#ifdef KERNELS_NEEDS   /* compiled for an instruction set this CPU may lack */
    __builtin_cpu_init();
    if (!__builtin_cpu_supports(KERNELS_NEEDS)) {
        printf("%s: skipped, this CPU has no %s\n", KERNELS_SUITE, KERNELS_NEEDS);
        return 0;
    }
#endif
    Suite *s = suite_create(KERNELS_SUITE);
    TCase *tc = tcase_create("nnrt_mm");
    tcase_add_test(tc, nnrt_mm_matches_the_reference_bit_for_bit);
    tcase_add_test(tc, nnrt_mm_tn_matches_the_reference_bit_for_bit);
    tcase_add_test(tc, nnrt_mm_bias_is_bias_rows_then_nnrt_mm_then_relu);
    tcase_add_test(tc, nnrt_mm_computes_a_product);
    tcase_add_test(tc, nnrt_mm_bias_nt_matches_the_reference_bit_for_bit);
    tcase_add_test(tc, nnrt_copy_over_copies_n_values);
    tcase_add_test(tc, winograd_convolution_and_gradients_match_direct_sums);
    tcase_add_test(tc, winograd_groups_tiles_across_samples);
    suite_add_tcase(s, tc);
    printf("%s: vectors of %d floats, tiles of %d rows by %d vectors\n", KERNELS_SUITE, NNRT_VW,
           NNRT_MR, NNRT_NV);
    return run_suite(s);
}
