/* test_init.c: the initializers (init.c), by their statistics over a big
 * tensor (the bounds, the standard deviation Keras gives each, truncation
 * where Keras truncates), orthogonal's orthonormal rows or columns and
 * unit_forget_bias's pattern, in table order from one seed, and the seeded
 * streams (seed.c) that init, shuffling and dropout draw from apart. */
#define SUITE_DIR "init"
#include "tiny_model.h"

/* ---- initializers -------------------------------------------------------- */

enum { FAN_IN = 200, FAN_OUT = 500, HUGE_N = FAN_IN * FAN_OUT };
static float huge[HUGE_N], huge2[HUGE_N];

static nnrt_model init_model_scaled(nnrt_init kind, float *values, float scale)
{
    static nnrt_param prm;
    prm = (nnrt_param){ .name = "w", .ndims = 2, .dims = { FAN_IN, FAN_OUT }, .size = HUGE_N,
                        .value = values, .init = kind, .fan_in = FAN_IN, .fan_out = FAN_OUT,
                        .init_scale = scale };
    return (nnrt_model){ .name = "init", .n_params = 1, .params = &prm };
}

typedef struct stats {
    double mean, std, max_abs;
} stats;

static stats stats_of(const float *v, int n)
{
    double sum = 0, sq = 0, max_abs = 0;
    for (int i = 0; i < n; i++) {
        sum += v[i];
        sq += (double)v[i] * v[i];
        max_abs = fabs(v[i]) > max_abs ? fabs(v[i]) : max_abs;
    }
    double mean = sum / n;
    return (stats){ mean, sqrt(sq / n - mean * mean), max_abs };
}

static nnrt_model init_model(nnrt_init kind, float *values)
{
    return init_model_scaled(kind, values, 0);
}

static stats init_stats_scaled(nnrt_init kind, uint64_t seed, float scale)
{
    nnrt_model m = init_model_scaled(kind, huge, scale);
    nnrt_rng rng;
    nnrt_rng_seed(&rng, seed);
    for (int i = 0; i < HUGE_N; i++)
        huge[i] = NAN;
    nnrt_params_init(&m, &rng);
    return stats_of(huge, HUGE_N);
}

static stats init_stats(nnrt_init kind, uint64_t seed)
{
    return init_stats_scaled(kind, seed, 0);
}

START_TEST(he_normal_is_truncated_with_the_keras_std)
{
    double std = sqrt(2.0 / FAN_IN), bound = 2 * std / 0.87962566103423978;
    stats s = init_stats(NNRT_INIT_HE_NORMAL, 5);
    /* without Keras's correction the std would be 0.88 of this: caught */
    ck_assert_msg(fabs(s.std / std - 1) < 0.05, "std %.5f, expected %.5f", s.std, std);
    ck_assert_msg(fabs(s.mean) < 0.01 * std, "mean %.6f", s.mean);
    /* truncated at 2 (widened) standard deviations, and that far reached */
    ck_assert_msg(s.max_abs <= bound * (1 + 1e-6), "max %.5f beyond %.5f", s.max_abs, bound);
    ck_assert_msg(s.max_abs > 0.99 * bound, "max %.5f: not truncated where expected", s.max_abs);
}
END_TEST

START_TEST(he_uniform_and_glorot_uniform_bounds)
{
    double he = sqrt(6.0 / FAN_IN), glorot = sqrt(6.0 / (FAN_IN + FAN_OUT));
    stats s = init_stats(NNRT_INIT_HE_UNIFORM, 6);
    ck_assert_msg(s.max_abs <= he && s.max_abs > 0.999 * he, "he max %.5f, limit %.5f",
                  s.max_abs, he);
    ck_assert_msg(fabs(s.std / (he / sqrt(3)) - 1) < 0.02, "he std %.5f", s.std);
    s = init_stats(NNRT_INIT_GLOROT_UNIFORM, 7);
    ck_assert_msg(s.max_abs <= glorot && s.max_abs > 0.999 * glorot,
                  "glorot max %.5f, limit %.5f", s.max_abs, glorot);
    ck_assert_msg(fabs(s.std / (glorot / sqrt(3)) - 1) < 0.02, "glorot std %.5f", s.std);
    ck_assert_msg(fabs(s.mean) < 0.01 * glorot, "glorot mean %.6f", s.mean);
}
END_TEST

/* A truncated normal of standard deviation std, as Keras's *_normal
 * variance-scaling initializers draw it: std with the 0.8796 correction,
 * cut at 2 widened standard deviations. */
static void check_truncated_normal(const char *what, nnrt_init kind, double std, uint64_t seed)
{
    double bound = 2 * std / 0.87962566103423978;
    stats s = init_stats(kind, seed);
    ck_assert_msg(fabs(s.std / std - 1) < 0.02, "%s: std %.5f, expected %.5f", what, s.std, std);
    ck_assert_msg(fabs(s.mean) < 0.01 * std, "%s: mean %.6f", what, s.mean);
    ck_assert_msg(s.max_abs <= bound * (1 + 1e-6) && s.max_abs > 0.99 * bound,
                  "%s: max %.5f, truncation at %.5f", what, s.max_abs, bound);
}

START_TEST(glorot_and_lecun_normal_are_truncated_with_the_keras_std)
{
    check_truncated_normal("glorot_normal", NNRT_INIT_GLOROT_NORMAL,
                           sqrt(2.0 / (FAN_IN + FAN_OUT)), 11);
    check_truncated_normal("lecun_normal", NNRT_INIT_LECUN_NORMAL, sqrt(1.0 / FAN_IN), 12);
    check_truncated_normal("he_normal", NNRT_INIT_HE_NORMAL, sqrt(2.0 / FAN_IN), 13);
}
END_TEST

START_TEST(lecun_uniform_bounds)
{
    double limit = sqrt(3.0 / FAN_IN);
    stats s = init_stats(NNRT_INIT_LECUN_UNIFORM, 14);
    ck_assert_msg(s.max_abs <= limit && s.max_abs > 0.999 * limit, "max %.5f, limit %.5f",
                  s.max_abs, limit);
    ck_assert_msg(fabs(s.std / (limit / sqrt(3)) - 1) < 0.02, "std %.5f", s.std);
    ck_assert_msg(fabs(s.mean) < 0.01 * limit, "mean %.6f", s.mean);
}
END_TEST

START_TEST(normal_and_uniform_take_their_scale)
{
    /* N(0, 0.05^2), not truncated: 1e5 draws reach past 4 std */
    stats s = init_stats_scaled(NNRT_INIT_NORMAL, 15, 0.05f);
    ck_assert_msg(fabs(s.std / 0.05 - 1) < 0.02, "normal std %.5f", s.std);
    ck_assert_msg(fabs(s.mean) < 0.01 * 0.05, "normal mean %.6f", s.mean);
    ck_assert_msg(s.max_abs > 4 * 0.05, "normal max %.5f: truncated?", s.max_abs);
    s = init_stats_scaled(NNRT_INIT_NORMAL, 15, 0.5f);
    ck_assert_msg(fabs(s.std / 0.5 - 1) < 0.02, "normal std %.5f for 0.5", s.std);
    /* U(-0.3, 0.3): std 0.3 / sqrt(3) */
    s = init_stats_scaled(NNRT_INIT_UNIFORM, 16, 0.3f);
    ck_assert_msg(s.max_abs <= 0.3f && s.max_abs > 0.999 * 0.3, "uniform max %.5f", s.max_abs);
    ck_assert_msg(fabs(s.std / (0.3 / sqrt(3)) - 1) < 0.02, "uniform std %.5f", s.std);
    ck_assert_msg(fabs(s.mean) < 0.01 * 0.3, "uniform mean %.6f", s.mean);
}
END_TEST

START_TEST(zeros_are_zeros)
{
    stats s = init_stats(NNRT_INIT_ZEROS, 8);
    ck_assert(s.max_abs == 0);   /* the NaNs written first are gone */
}
END_TEST

/* ---- orthogonal and unit_forget_bias (the recurrent layers') ---------- */

/* A (rows, cols) tensor of init kind from seed into v */
static void init_matrix(nnrt_init kind, float *v, int rows, int cols, uint64_t seed)
{
    nnrt_param prm = { .name = "u", .ndims = 2, .dims = { rows, cols }, .size = rows * cols,
                       .value = v, .init = kind, .fan_in = rows, .fan_out = cols };
    nnrt_model m = { .name = "init", .n_params = 1, .params = &prm };
    nnrt_rng rng;
    nnrt_rng_seed(&rng, seed);
    for (int i = 0; i < rows * cols; i++)
        v[i] = NAN;
    nnrt_params_init(&m, &rng);
}

/* max |V V^T - I| over v (rows, cols) as rows, or, by_columns, V^T V - I */
static double off_orthonormal(const float *v, int rows, int cols, int by_columns)
{
    int n = by_columns ? cols : rows, len = by_columns ? rows : cols;
    double worst = 0;
    for (int p = 0; p < n; p++)
        for (int q = 0; q < n; q++) {
            double dot = 0;
            for (int k = 0; k < len; k++)
                dot += by_columns ? (double)v[k * cols + p] * v[k * cols + q]
                                  : (double)v[p * cols + k] * v[q * cols + k];
            double off = fabs(dot - (p == q));
            worst = off > worst ? off : worst;
        }
    return worst;
}

static void check_orthogonal(int rows, int cols, uint64_t seed)
{
    int n = rows * cols;
    init_matrix(NNRT_INIT_ORTHOGONAL, huge, rows, cols, seed);
    if (rows <= cols) {
        double off = off_orthonormal(huge, rows, cols, 0);
        ck_assert_msg(off < 1e-5, "(%d, %d): rows off orthonormal by %g", rows, cols, off);
    }
    if (rows >= cols) {
        double off = off_orthonormal(huge, rows, cols, 1);
        ck_assert_msg(off < 1e-5, "(%d, %d): columns off orthonormal by %g", rows, cols, off);
    }
    /* not the identity, nor a signed permutation: every row has several values */
    int nonzero = 0;
    for (int i = 0; i < n; i++)
        nonzero += fabsf(huge[i]) > 1e-3f;
    ck_assert_msg(nonzero > n / 2, "(%d, %d): %d of %d values not 0", rows, cols, nonzero, n);
    /* the same seed, the same bits */
    init_matrix(NNRT_INIT_ORTHOGONAL, huge2, rows, cols, seed);
    ck_assert_mem_eq(huge, huge2, (size_t)n * sizeof *huge);
    init_matrix(NNRT_INIT_ORTHOGONAL, huge2, rows, cols, seed + 1);
    ck_assert(memcmp(huge, huge2, (size_t)n * sizeof *huge) != 0);
}

START_TEST(orthogonal_rows_or_columns_are_orthonormal)
{
    check_orthogonal(16, 64, 21);   /* an lstm's recurrent kernel of 16 units */
    check_orthogonal(64, 16, 22);
    check_orthogonal(8, 8, 23);
}
END_TEST

START_TEST(orthogonal_follows_keras_draw_order)
{
    /* (3, 2): Keras draws A (3, 2) row-major and keeps its Q as is, so
     * column 0 is A's column 0 made unit length, with its signs */
    float v[6];
    init_matrix(NNRT_INIT_ORTHOGONAL, v, 3, 2, 24);
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 24);
    double a[6], norm = 0;
    for (int i = 0; i < 6; i++)
        a[i] = nnrt_rng_normal(&rng);
    for (int r = 0; r < 3; r++)
        norm += a[r * 2] * a[r * 2];
    for (int r = 0; r < 3; r++)
        ck_assert_msg(fabs(v[r * 2] - a[r * 2] / sqrt(norm)) < 1e-6, "row %d: %g, expected %g",
                      r, v[r * 2], a[r * 2] / sqrt(norm));
    /* (2, 3): the same Q, transposed: column 0 of Q is row 0 */
    float t[6];
    init_matrix(NNRT_INIT_ORTHOGONAL, t, 2, 3, 24);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 2; c++)
            ck_assert(t[c * 3 + r] == v[r * 2 + c]);
}
END_TEST

START_TEST(unit_forget_bias_is_one_for_the_forget_gate)
{
    enum { UNITS = 5 };
    float v[4 * UNITS];
    nnrt_param prm = { .name = "b", .ndims = 1, .dims = { 4 * UNITS }, .size = 4 * UNITS,
                       .value = v, .init = NNRT_INIT_UNIT_FORGET_BIAS };
    nnrt_model m = { .name = "init", .n_params = 1, .params = &prm };
    nnrt_rng rng, untouched;
    nnrt_rng_seed(&rng, 25);
    untouched = rng;
    for (int i = 0; i < 4 * UNITS; i++)
        v[i] = NAN;
    nnrt_params_init(&m, &rng);
    for (int i = 0; i < 4 * UNITS; i++)   /* gates i, f, c, o */
        ck_assert_msg(v[i] == (i >= UNITS && i < 2 * UNITS), "b[%d] = %g", i, v[i]);
    ck_assert_mem_eq(&rng, &untouched, sizeof rng);   /* draws nothing */
}
END_TEST

START_TEST(init_is_deterministic_and_in_table_order)
{
    /* the tiny model from a seed ... */
    nnrt_model m = tiny_model();
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 42);
    for (int i = 0; i < K; i++)
        b[i] = 1;
    nnrt_params_init(&m, &rng);
    float w1[IN * K];
    memcpy(w1, W, sizeof W);
    ck_assert(b[0] == 0 && b[1] == 0 && b[2] == 0);
    /* ... is the same again, and is the big tensor's draw continued */
    nnrt_model big = init_model(NNRT_INIT_GLOROT_UNIFORM, huge);
    nnrt_rng_seed(&rng, 42);
    nnrt_params_init(&m, &rng);
    ck_assert_mem_eq(w1, W, sizeof W);
    nnrt_params_init(&big, &rng);
    nnrt_rng again;
    nnrt_rng_seed(&again, 42);
    for (int i = 0; i < IN * K; i++)
        (void)nnrt_rng_uniform(&again);   /* what the tiny model's W took */
    nnrt_model big2 = init_model(NNRT_INIT_GLOROT_UNIFORM, huge2);
    nnrt_params_init(&big2, &again);
    ck_assert_mem_eq(huge, huge2, sizeof huge);
    /* another seed, other values */
    nnrt_rng_seed(&rng, 43);
    nnrt_params_init(&m, &rng);
    ck_assert(memcmp(w1, W, sizeof W) != 0);
}
END_TEST

START_TEST(seed_streams_are_distinct_and_repeatable)
{
    nnrt_rng a, b2, c;
    nnrt_rng_stream(&a, 1, NNRT_STREAM_INIT);
    nnrt_rng_stream(&b2, 1, NNRT_STREAM_INIT);
    nnrt_rng_stream(&c, 1, NNRT_STREAM_SHUFFLE);
    uint32_t xa = nnrt_rng_u32(&a), xb = nnrt_rng_u32(&b2), xc = nnrt_rng_u32(&c);
    ck_assert_uint_eq(xa, xb);
    ck_assert_uint_ne(xa, xc);
    nnrt_rng_stream(&c, 2, NNRT_STREAM_INIT);
    ck_assert_uint_ne(xa, nnrt_rng_u32(&c));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("init");
    TCase *init = tcase_create("init");
    tcase_add_checked_fixture(init, setup, NULL);
    tcase_add_test(init, he_normal_is_truncated_with_the_keras_std);
    tcase_add_test(init, he_uniform_and_glorot_uniform_bounds);
    tcase_add_test(init, glorot_and_lecun_normal_are_truncated_with_the_keras_std);
    tcase_add_test(init, lecun_uniform_bounds);
    tcase_add_test(init, normal_and_uniform_take_their_scale);
    tcase_add_test(init, zeros_are_zeros);
    tcase_add_test(init, orthogonal_rows_or_columns_are_orthonormal);
    tcase_add_test(init, orthogonal_follows_keras_draw_order);
    tcase_add_test(init, unit_forget_bias_is_one_for_the_forget_gate);
    tcase_add_test(init, init_is_deterministic_and_in_table_order);
    tcase_add_test(init, seed_streams_are_distinct_and_repeatable);
    suite_add_tcase(s, init);
    return run_suite(s);
}
