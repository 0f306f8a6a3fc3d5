/* nnrt_math.h: exp, tanh and the logistic sigmoid for the generated code's
 * loops over many values (the gates of rnn, lstm and gru), written so that
 * the C compiler vectorizes those loops.
 *
 * Included by the generated file after its `typedef ... real;`.  A call to
 * libm's expf or tanhf cannot be vectorized (not without -ffast-math,
 * which the trainers are not built with), and in fashion_lstm's steps
 * they took 55% of the time: glibc's tanhf alone costs about 20 ns.
 * These are branch-free: polynomials, a select and the exponent's bits, so
 * a loop of them becomes vector code, 8 or 16 values an instruction.
 *
 * Their results are those of the code below on any machine (plain float
 * arithmetic, compiled with -ffp-contract=off, with no call into the C
 * library), within 2 units in the last place of the exact value over the
 * floats (tests/test_math.c measures it against libm in double).  In the
 * double-precision twin that gradcheck runs (NNRT_DOUBLE) they are libm's
 * exp and tanh: gradcheck tests the backward formulas against the
 * functions' exact derivatives, which those follow more closely. */
#ifndef NNRT_MATH_H
#define NNRT_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef NNRT_DOUBLE

static inline double nnrt_exp(double x) { return exp(x); }
static inline double nnrt_tanh(double x) { return tanh(x); }

#else

/* e^x as Cephes's expf computes it: x = n ln2 + r with |r| <= ln2 / 2,
 * e^r by a polynomial of degree 7, then 2^n put into the exponent's bits.
 * x is first held to [-87.3, 88.3]: below, e^x would be a denormal (here
 * about the smallest normal, 1.2e-38, comes out instead); above 88.7,
 * infinity (here 2.1e38 comes out). */
static inline float nnrt_exp(float x)
{
    x = x < -87.3f ? -87.3f : x > 88.3f ? 88.3f : x;
    /* n = round(x / ln2): adding 1.5 * 2^23 leaves no bits below the point */
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;     /* ln2 in two parts, the first exact */
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = p * r * r + r + 1.0f;
    /* 2^n, n in [-126, 127]; for a NaN x, er is NaN and n (not converted,
     * which C leaves undefined) stands for 0 */
    int32_t bits = ((int32_t)(n == n ? n : 0.0f) + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return er * scale;
}

/* tanh as Cephes's tanhf: for |x| < 0.625 an odd polynomial (1 - 2 /
 * (e^2x + 1) would lose the small values' digits), else from e^2|x|; both
 * computed, one kept, the sign put back */
static inline float nnrt_tanh(float x)
{
    float a = fabsf(x), z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * a + a;
    float big = 1.0f - 2.0f / (nnrt_exp(2.0f * a) + 1.0f);
    float t = a < 0.625f ? small : big;
    return x < 0 ? -t : t;
}

#endif

/* 1 / (1 + e^-x) */
static inline real nnrt_sigmoid(real x) { return 1 / (1 + nnrt_exp(-x)); }

#endif
