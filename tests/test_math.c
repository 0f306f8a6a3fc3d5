/* test_math.c: nnrt_exp, nnrt_tanh and nnrt_sigmoid (runtime/nnrt_math.h)
 * against libm in double, in units in the last place of the float result.
 *
 * Over every 257th float from -87 to 88 (some 8 million values, every
 * binade) and the edges: measured at 0.99 ulp for exp, 1.33 for tanh
 * and 2.48 for sigmoid over all of them (the bounds below leave room for
 * the stride's luck).  Outside the range exp saturates at the smallest
 * normal and at 2.2e38, tanh at -1 and 1, and NaN stays NaN. */
#include <math.h>

#include "suite.h"

typedef float real;
#include "nnrt_math.h"

/* One unit in the last place of float v's binade (denormals': 2^-149) */
static double ulp(double v)
{
    int e;
    frexp(fabs(v), &e);
    double u = ldexp(1.0, e - 24);
    return u < ldexp(1.0, -149) ? ldexp(1.0, -149) : u;
}

static double ulps(float got, double want)
{
    return fabs((double)got - want) / ulp(want);
}

START_TEST(within_a_few_ulp_of_libm)
{
    double worst[3] = { 0 };
    float at[3] = { 0 };
    for (float x = -87.0f; x <= 88.0f;) {
        double e = ulps(nnrt_exp(x), exp((double)x));
        double t = ulps(nnrt_tanh(x), tanh((double)x));
        double s = ulps(nnrt_sigmoid(x), 1 / (1 + exp(-(double)x)));
        double err[3] = { e, t, s };
        for (int k = 0; k < 3; k++)
            if (err[k] > worst[k]) {
                worst[k] = err[k];
                at[k] = x;
            }
        uint32_t bits;   /* the 257th float on, towards +88 */
        memcpy(&bits, &x, sizeof bits);
        bits = x < 0 ? (bits - 257 > 0x80000000u ? bits - 257 : 0) : bits + 257;
        memcpy(&x, &bits, sizeof x);
    }
    ck_assert_msg(worst[0] <= 1.5, "nnrt_exp: %.2f ulp at %a", worst[0], (double)at[0]);
    ck_assert_msg(worst[1] <= 2.0, "nnrt_tanh: %.2f ulp at %a", worst[1], (double)at[1]);
    ck_assert_msg(worst[2] <= 3.0, "nnrt_sigmoid: %.2f ulp at %a", worst[2], (double)at[2]);
}
END_TEST

START_TEST(the_edges)
{
    ck_assert_float_eq(nnrt_exp(0.0f), 1.0f);
    ck_assert(nnrt_exp(-1000.0f) > 0 && nnrt_exp(-1000.0f) < 1.3e-38f);
    ck_assert(isfinite(nnrt_exp(1000.0f)) && nnrt_exp(1000.0f) > 2e38f);
    ck_assert(isfinite(nnrt_exp(INFINITY)));
    ck_assert_float_eq(nnrt_tanh(0.0f), 0.0f);
    ck_assert_float_eq(nnrt_tanh(1e-30f), 1e-30f);     /* small values keep their digits */
    ck_assert_float_eq(nnrt_tanh(-1e-30f), -1e-30f);
    ck_assert_float_eq(nnrt_tanh(INFINITY), 1.0f);
    ck_assert_float_eq(nnrt_tanh(-INFINITY), -1.0f);
    ck_assert_float_eq(nnrt_sigmoid(0.0f), 0.5f);
    ck_assert_float_eq(nnrt_sigmoid(1000.0f), 1.0f);
    ck_assert(nnrt_sigmoid(-1000.0f) >= 0 && nnrt_sigmoid(-1000.0f) < 1e-37f);
    ck_assert(isnan(nnrt_exp(NAN)) && isnan(nnrt_tanh(NAN)) && isnan(nnrt_sigmoid(NAN)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("math");
    TCase *tc = tcase_create("nnrt_math.h");
    tcase_add_test(tc, within_a_few_ulp_of_libm);
    tcase_add_test(tc, the_edges);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
