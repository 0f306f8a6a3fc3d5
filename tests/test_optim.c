/* test_optim.c: how the weights move: the optimizers (optim*.c) and the
 * learning-rate schedules (schedule.c).
 *
 * Each optimizer's steps worked out by hand, and three steps of every
 * kind against its formula in double; the state each kind keeps; Keras's
 * gradient clipping.  The
 * schedules against their formulas, and plateau's patience on made-up
 * losses.  And the update kernels built by clang, where it is installed:
 * once they linked to nothing that updated. */
#define SUITE_DIR "optim"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"
#include "suite.h"

/* ---- optimizers: a 100-entry tensor crosses one 64-entry block and a
 * scalar tail, so both code paths of optim.c are checked. --------------- */

enum { BIG = 100 };
static float big_w[BIG];
/* its gradient, where a replica holds it (offset 0 would mean none) */
struct nnrt_replica {
    float input;
    float g[BIG];
};
static const nnrt_param BIG_PARAM[] = {
    { .name = "big", .ndims = 1, .dims = { BIG }, .size = BIG, .value = big_w, .grad = offsetof(nnrt_replica, g),
      .init = NNRT_INIT_ZEROS, .fan_in = 1, .fan_out = 1 },
};

static nnrt_model big_model(void)
{
    return (nnrt_model){ .name = "big", .replica_size = sizeof(nnrt_replica), .n_params = 1,
                         .params = BIG_PARAM };
}

START_TEST(sgd_two_steps_by_hand)
{
    nnrt_model m = big_model();
    nnrt_optim_state st;
    nnrt_optimizer sgd = { .kind = NNRT_OPT_SGD, .lr = 0.1f };
    ck_assert_int_eq(nnrt_optim_init(&st, &m, sgd), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 0.5f;
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 1.0f : -3.0f;
    }
    nnrt_optim_step(&st, &m);   /* 0.5 - 0.1 * 1 = 0.4; 0.5 + 0.3 = 0.8 */
    for (int i = 0; i < BIG; i++)
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? -2.0f : 0.0f;
    nnrt_optim_step(&st, &m);   /* 0.4 + 0.2 = 0.6; 0.8 */
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq_tol(big_w[i], i % 2 ? 0.6f : 0.8f, 1e-6f);
    ck_assert_int_eq(st.step, 2);
    nnrt_optim_free(&st);
}
END_TEST

/* Keras's clipvalue and clipnorm, by SGD at lr 1 (w moves by the clipped
 * gradient): each value held to +-0.5; the whole tensor's norm, 30,
 * brought down to 3 (each value times 0.1), and a norm already below the
 * bound left alone */
START_TEST(clipping_by_value_and_by_norm)
{
    nnrt_model m = big_model();
    nnrt_optim_state st;
    nnrt_optimizer sgd = { .kind = NNRT_OPT_SGD, .lr = 1.0f, .clip_value = 0.5f };
    ck_assert_int_eq(nnrt_optim_init(&st, &m, sgd), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 0;
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 3.0f : i % 4 ? -0.25f : -7.0f;
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq(big_w[i], i % 2 ? -0.5f : i % 4 ? 0.25f : 0.5f);
    nnrt_optim_free(&st);

    sgd.clip_value = 0;
    sgd.clip_norm = 3.0f;
    ck_assert_int_eq(nnrt_optim_init(&st, &m, sgd), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 0;
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 3.0f : -3.0f;   /* norm sqrt(100 * 9) = 30 */
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq_tol(big_w[i], i % 2 ? -0.3f : 0.3f, 1e-7f);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 0;
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 0.25f : -0.25f;   /* norm 2.5: no clipping */
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq(big_w[i], i % 2 ? -0.25f : 0.25f);
    nnrt_optim_free(&st);
}
END_TEST

START_TEST(adam_two_steps_by_hand)
{
    /* lr 0.1, b1 0.9, b2 0.999, eps 1e-7.  Odd entries: w 0.5, g 1 then 2.
     *   t=1: m = 0.1, v = 0.001; mhat = 1, vhat = 1: w = 0.5 - 0.1 * 1/(1 + 1e-7) = 0.40000001
     *   t=2: m = 0.09 + 0.2 = 0.29, v = 0.000999 + 0.004 = 0.004999
     *        mhat = 0.29/0.19 = 1.5263158, vhat = 0.004999/0.001999 = 2.5007504
     *        w = 0.40000001 - 0.1 * 1.5263158 / (1.5813761 + 1e-7) = 0.30348181
     * Even entries: w -0.25, g -0.5 then 0.25.
     *   t=1: w = -0.25 + 0.1 = -0.15000002
     *   t=2: m = -0.045 + 0.025 = -0.02, v = 0.00024975 + 0.0000625 = 0.00031225
     *        mhat = -0.10526316, vhat = 0.15620310, sqrt 0.39522538
     *        w = -0.15000002 + 0.1 * 0.10526316 / 0.39522548 = -0.12336632 */
    nnrt_model m = big_model();
    nnrt_optim_state st;
    nnrt_optimizer adam = { .kind = NNRT_OPT_ADAM, .lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f,
                            .epsilon = 1e-7f };
    ck_assert_int_eq(nnrt_optim_init(&st, &m, adam), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = i % 2 ? 0.5f : -0.25f;
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 1.0f : -0.5f;
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq_tol(big_w[i], i % 2 ? 0.40000001f : -0.15000002f, 1e-6f);
    for (int i = 0; i < BIG; i++)
        nnrt_grad(&m, BIG_PARAM)[i] = i % 2 ? 2.0f : 0.25f;
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_msg(fabsf(big_w[i] - (i % 2 ? 0.30348181f : -0.12336632f)) < 1e-6f,
                      "entry %d: %.8f", i, big_w[i]);
    nnrt_optim_free(&st);

    /* eps where PyTorch puts it, next to sqrt(vhat): with g = eps = 1e-7,
     * step 1 is lr * g / (|g| + eps) = lr / 2.  (Keras's eps * sqrt(1 - b2)
     * would give 0.97 lr.) */
    ck_assert_int_eq(nnrt_optim_init(&st, &m, adam), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 1;
        nnrt_grad(&m, BIG_PARAM)[i] = 1e-7f;
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_msg(fabsf(big_w[i] - 0.95f) < 1e-6f, "entry %d: %.8f", i, big_w[i]);
    nnrt_optim_free(&st);
}
END_TEST

START_TEST(adam_state_starts_at_zero_and_is_per_optimizer)
{
    /* a fresh optimizer starts again from step 1: the same first step */
    nnrt_model m = big_model();
    nnrt_optimizer adam = { .kind = NNRT_OPT_ADAM, .lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f,
                            .epsilon = 1e-7f };
    float first[BIG];
    for (int round = 0; round < 2; round++) {
        nnrt_optim_state st;
        ck_assert_int_eq(nnrt_optim_init(&st, &m, adam), 0);
        for (int i = 0; i < BIG; i++) {
            big_w[i] = 1;
            nnrt_grad(&m, BIG_PARAM)[i] = (float)(i - 50) / 10;
        }
        nnrt_optim_step(&st, &m);
        if (round == 0)
            memcpy(first, big_w, sizeof first);
        else
            ck_assert_mem_eq(first, big_w, sizeof first);
        nnrt_optim_free(&st);
    }
    /* step 1 moves every entry with g != 0 by lr, against the gradient */
    ck_assert_float_eq_tol(big_w[0], 1.01f, 1e-6f);
    ck_assert_float_eq_tol(big_w[99], 0.99f, 1e-6f);
    ck_assert_float_eq(big_w[50], 1.0f);
}
END_TEST

/* One update of one entry by the formula of o's kind, in double: what
 * optim*.c must compute (up to float rounding).  s1, s2: the entry's state,
 * t: the step, 1-based.  Written from Keras 3's update_step methods. */
static void reference_step(const nnrt_optimizer *o, long t, double g, double *w, double *s1,
                           double *s2)
{
    double lr = o->lr, eps = o->epsilon, mu = o->momentum, rho = o->rho;
    double b1 = o->beta1, b2 = o->beta2, delta;
    switch (o->kind) {
    case NNRT_OPT_SGD:
        *w -= lr * g;
        return;
    case NNRT_OPT_MOMENTUM:   /* v = mu v - lr g; w += v */
        *s1 = mu * *s1 - lr * g;
        *w += *s1;
        return;
    case NNRT_OPT_NESTEROV:   /* v = mu v - lr g; w += mu v - lr g */
        *s1 = mu * *s1 - lr * g;
        *w += mu * *s1 - lr * g;
        return;
    case NNRT_OPT_ADAGRAD:    /* acc += g^2; w -= lr g / sqrt(acc + eps) */
        *s1 += g * g;
        *w -= lr * g / sqrt(*s1 + eps);
        return;
    case NNRT_OPT_RMSPROP:    /* v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps) */
        *s1 = rho * *s1 + (1 - rho) * g * g;
        *w -= lr * g / sqrt(*s1 + eps);
        return;
    case NNRT_OPT_ADAMW:      /* w -= lr wd w, then Adam */
        *w -= lr * o->weight_decay * *w;
        /* fall through */
    case NNRT_OPT_ADAM:       /* w -= lr mhat / (sqrt(vhat) + eps) */
        *s1 = b1 * *s1 + (1 - b1) * g;
        *s2 = b2 * *s2 + (1 - b2) * g * g;
        *w -= lr * (*s1 / (1 - pow(b1, (double)t))) / (sqrt(*s2 / (1 - pow(b2, (double)t))) + eps);
        return;
    case NNRT_OPT_ADADELTA:   /* delta = sqrt(acc_delta + eps) / sqrt(acc + eps) g */
        *s1 = rho * *s1 + (1 - rho) * g * g;
        delta = sqrt(*s2 + eps) / sqrt(*s1 + eps) * g;
        *s2 = rho * *s2 + (1 - rho) * delta * delta;
        *w -= lr * delta;
        return;
    }
    ck_abort_msg("unknown optimizer kind %d", o->kind);
}

/* The gradient of entry i at step t: multiples of 1/4 from -9/4 to 9/4,
 * zero included, different at every step. */
static float gradient_at(int i, int t)
{
    return (float)((i * 37 + t * 11) % 19 - 9) / 4.0f;
}

/* Three steps of o on the big tensor, each entry against reference_step. */
static void check_against_formula(const char *what, nnrt_optimizer o)
{
    nnrt_model m = big_model();
    nnrt_optim_state st;
    double w[BIG], s1[BIG], s2[BIG];
    ck_assert_int_eq(nnrt_optim_init(&st, &m, o), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = (float)(i % 13 - 6) / 8.0f;
        w[i] = big_w[i];
        s1[i] = o.kind == NNRT_OPT_ADAGRAD ? o.initial_accumulator : 0;
        s2[i] = 0;
    }
    for (int t = 1; t <= 3; t++) {
        for (int i = 0; i < BIG; i++) {
            nnrt_grad(&m, BIG_PARAM)[i] = gradient_at(i, t);
            reference_step(&o, t, nnrt_grad(&m, BIG_PARAM)[i], &w[i], &s1[i], &s2[i]);
        }
        nnrt_optim_step(&st, &m);
        for (int i = 0; i < BIG; i++)
            ck_assert_msg(fabs(big_w[i] - w[i]) <= 2e-6 * fmax(1, fabs(w[i])),
                          "%s, step %d, entry %d: %.9f, the formula gives %.9f", what, t, i,
                          big_w[i], w[i]);
    }
    ck_assert_int_eq(st.step, 3);
    nnrt_optim_free(&st);
}

/* Keras's defaults, and hyper-parameters that make every term count (an
 * eps of 0.01 tells sqrt(acc + eps) from sqrt(acc) + eps). */
START_TEST(every_optimizer_follows_its_formula)
{
    const float eps = 1e-7f;
    const struct {
        const char *what;
        nnrt_optimizer o;
    } cases[] = {
        { "sgd", { .kind = NNRT_OPT_SGD, .lr = 0.01f } },
        { "momentum", { .kind = NNRT_OPT_MOMENTUM, .lr = 0.01f, .momentum = 0.9f } },
        { "momentum 0.5", { .kind = NNRT_OPT_MOMENTUM, .lr = 0.3f, .momentum = 0.5f } },
        { "nesterov", { .kind = NNRT_OPT_NESTEROV, .lr = 0.01f, .momentum = 0.9f } },
        { "nesterov 0.5", { .kind = NNRT_OPT_NESTEROV, .lr = 0.3f, .momentum = 0.5f } },
        { "adagrad", { .kind = NNRT_OPT_ADAGRAD, .lr = 0.001f, .epsilon = eps,
                       .initial_accumulator = 0.1f } },
        { "adagrad eps 0.01", { .kind = NNRT_OPT_ADAGRAD, .lr = 0.5f, .epsilon = 0.01f,
                                .initial_accumulator = 0.02f } },
        { "rmsprop", { .kind = NNRT_OPT_RMSPROP, .lr = 0.001f, .epsilon = eps, .rho = 0.9f } },
        { "rmsprop eps 0.01", { .kind = NNRT_OPT_RMSPROP, .lr = 0.1f, .epsilon = 0.01f,
                                .rho = 0.5f } },
        { "adam", { .kind = NNRT_OPT_ADAM, .lr = 0.001f, .beta1 = 0.9f, .beta2 = 0.999f,
                    .epsilon = eps } },
        { "adamw", { .kind = NNRT_OPT_ADAMW, .lr = 0.001f, .beta1 = 0.9f, .beta2 = 0.999f,
                     .epsilon = eps, .weight_decay = 0.004f } },
        { "adamw wd 0.5", { .kind = NNRT_OPT_ADAMW, .lr = 0.2f, .beta1 = 0.5f, .beta2 = 0.75f,
                            .epsilon = 0.01f, .weight_decay = 0.5f } },
        { "adadelta", { .kind = NNRT_OPT_ADADELTA, .lr = 0.001f, .epsilon = eps, .rho = 0.95f } },
        { "adadelta lr 1", { .kind = NNRT_OPT_ADADELTA, .lr = 1.0f, .epsilon = 0.01f,
                             .rho = 0.5f } },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        check_against_formula(cases[c].what, cases[c].o);
}
END_TEST

START_TEST(momentum_and_nesterov_by_hand)
{
    /* lr 0.1, momentum 0.9, w 1, g 1 then 1:
     *   momentum: v = -0.1, w = 0.9;  v = -0.09 - 0.1 = -0.19, w = 0.71
     *   nesterov: v = -0.1, w = 1 - 0.09 - 0.1 = 0.81;
     *             v = -0.19, w = 0.81 - 0.171 - 0.1 = 0.539 */
    const nnrt_optimizer_kind kinds[] = { NNRT_OPT_MOMENTUM, NNRT_OPT_NESTEROV };
    const float after[2][2] = { { 0.9f, 0.71f }, { 0.81f, 0.539f } };
    nnrt_model m = big_model();
    for (int k = 0; k < 2; k++) {
        nnrt_optim_state st;
        nnrt_optimizer o = { .kind = kinds[k], .lr = 0.1f, .momentum = 0.9f };
        ck_assert_int_eq(nnrt_optim_init(&st, &m, o), 0);
        ck_assert_ptr_nonnull(st.m1);
        ck_assert_ptr_null(st.m2);
        for (int i = 0; i < BIG; i++) {
            big_w[i] = 1;
            nnrt_grad(&m, BIG_PARAM)[i] = 1;
        }
        for (int t = 0; t < 2; t++) {
            nnrt_optim_step(&st, &m);
            for (int i = 0; i < BIG; i++)
                ck_assert_msg(fabsf(big_w[i] - after[k][t]) < 1e-6f, "kind %d step %d: %.8f",
                              kinds[k], t + 1, big_w[i]);
        }
        nnrt_optim_free(&st);
    }
}
END_TEST

START_TEST(adagrad_rmsprop_adadelta_adamw_by_hand)
{
    /* w 1, g 2, lr 0.1, eps 1e-7:
     *   adagrad (acc 0.1): acc = 4.1, w = 1 - 0.2 / sqrt(4.1000001) = 0.90122704
     *   rmsprop (rho 0.9): v = 0.4, w = 1 - 0.2 / sqrt(0.4000001) = 0.68377227
     *   adadelta (rho 0.95, lr 1): acc = 0.2, delta = sqrt(1e-7) / sqrt(0.2000001) * 2
     *                              = 1.4142132e-3, w = 0.99858579
     *   adamw (wd 0.5): w = 1 - 0.05 = 0.95, then Adam's first step of lr: 0.85 */
    const struct {
        nnrt_optimizer o;
        float w;
    } cases[] = {
        { { .kind = NNRT_OPT_ADAGRAD, .lr = 0.1f, .epsilon = 1e-7f, .initial_accumulator = 0.1f },
          0.90122704f },
        { { .kind = NNRT_OPT_RMSPROP, .lr = 0.1f, .epsilon = 1e-7f, .rho = 0.9f }, 0.68377227f },
        { { .kind = NNRT_OPT_ADADELTA, .lr = 1, .epsilon = 1e-7f, .rho = 0.95f }, 0.99858579f },
        { { .kind = NNRT_OPT_ADAMW, .lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-7f,
            .weight_decay = 0.5f },
          0.85f },
    };
    nnrt_model m = big_model();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        nnrt_optim_state st;
        ck_assert_int_eq(nnrt_optim_init(&st, &m, cases[c].o), 0);
        for (int i = 0; i < BIG; i++) {
            big_w[i] = 1;
            nnrt_grad(&m, BIG_PARAM)[i] = 2;
        }
        nnrt_optim_step(&st, &m);
        for (int i = 0; i < BIG; i++)
            ck_assert_msg(fabsf(big_w[i] - cases[c].w) < 1e-6f, "case %zu entry %d: %.8f", c, i,
                          big_w[i]);
        nnrt_optim_free(&st);
    }
}
END_TEST

START_TEST(optimizer_state_is_what_each_kind_needs)
{
    nnrt_model m = big_model();
    const struct {
        nnrt_optimizer_kind kind;
        int buffers;
    } kinds[] = {
        { NNRT_OPT_SGD, 0 },     { NNRT_OPT_MOMENTUM, 1 }, { NNRT_OPT_NESTEROV, 1 },
        { NNRT_OPT_ADAGRAD, 1 }, { NNRT_OPT_RMSPROP, 1 },  { NNRT_OPT_ADAM, 2 },
        { NNRT_OPT_ADAMW, 2 },   { NNRT_OPT_ADADELTA, 2 },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        nnrt_optim_state st;
        nnrt_optimizer o = { .kind = kinds[k].kind, .initial_accumulator = 0.25f };
        ck_assert_int_eq(nnrt_optim_init(&st, &m, o), 0);
        ck_assert_int_eq(st.m1 != NULL, kinds[k].buffers >= 1);
        ck_assert_int_eq(st.m2 != NULL, kinds[k].buffers >= 2);
        for (int i = 0; st.m1 && i < BIG; i++)   /* AdaGrad's accumulator starts where it says */
            ck_assert_float_eq(st.m1[0][i], kinds[k].kind == NNRT_OPT_ADAGRAD ? 0.25f : 0.0f);
        nnrt_optim_free(&st);
        ck_assert_ptr_null(st.m1);
    }
}
END_TEST

/* What the update kernels stream over starts on a cache line (nnrt.h:
 * NNRT_ALIGNED): an AVX-512 vector off a line touches two, and Adam ran
 * a quarter slower so on Zen 5.  The optimizer's state, the replica that
 * holds the gradients, and nnrt_calloc_lines's memory at any size: on a
 * line, zeroed, every byte of it ours (the sanitized build checks). */
START_TEST(state_and_gradients_start_on_cache_lines)
{
    nnrt_model m = big_model();
    nnrt_optim_state st;
    nnrt_optimizer adam = { .kind = NNRT_OPT_ADAM, .lr = 0.001f };
    ck_assert_int_eq(nnrt_optim_init(&st, &m, adam), 0);
    ck_assert_uint_eq((uintptr_t)st.m1[0] % NNRT_LINE, 0);
    ck_assert_uint_eq((uintptr_t)st.m2[0] % NNRT_LINE, 0);
    nnrt_optim_free(&st);
    ck_assert_uint_eq((uintptr_t)nnrt_replica0(&m) % NNRT_LINE, 0);

    const size_t sizes[] = { 1, 4, 63, 64, 65, 1000, 200000, 3u << 20 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *p = nnrt_calloc_lines(sizes[k]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % NNRT_LINE, 0);
        for (size_t i = 0; i < sizes[k]; i++)
            ck_assert_uint_eq(p[i], 0);
        memset(p, 0xa5, sizes[k]);
        nnrt_free_lines(p);
    }
    nnrt_free_lines(NULL);
    ck_assert_ptr_null(nnrt_calloc_lines((size_t)-1));
}
END_TEST

/* ---- learning-rate schedules ---------------------------------------------- */

static float scheduled(nnrt_schedule s, long step, int epoch)
{
    nnrt_lr_schedule ls;
    nnrt_schedule_start(&ls, &s, 0.1f, 100);
    return nnrt_schedule_lr(&ls, step, epoch);
}

START_TEST(schedules_follow_their_formulas)
{
    const double lr = 0.1, pi = 3.14159265358979323846;
    nnrt_schedule constant = { 0 };
    ck_assert_float_eq(scheduled(constant, 0, 0), 0.1f);
    ck_assert_float_eq(scheduled(constant, 77, 9), 0.1f);

    /* lr * factor^floor(epoch / every): per epoch, whatever the step */
    nnrt_schedule step = { .kind = NNRT_SCHEDULE_STEP, .factor = 0.5f, .every = 2 };
    const int epochs[] = { 0, 1, 2, 3, 4, 7 };
    const double step_want[] = { lr, lr, lr / 2, lr / 2, lr / 4, lr / 8 };
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq_tol(scheduled(step, 1000, epochs[i]), step_want[i], 1e-8);

    /* lr * factor^(step / every), continuous */
    nnrt_schedule expo = { .kind = NNRT_SCHEDULE_EXPONENTIAL, .factor = 0.5f, .every = 10 };
    const long steps[] = { 0, 5, 10, 25 };
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(scheduled(expo, steps[i], 3), lr * pow(0.5, steps[i] / 10.0),
                                1e-8);

    /* lr * (a + (1 - a) (1 + cos(pi t / T)) / 2), T = 100, then a * lr */
    nnrt_schedule cosine = { .kind = NNRT_SCHEDULE_COSINE, .min_lr = 0.1f };
    const long ts[] = { 0, 25, 50, 100, 150 };
    for (int i = 0; i < 5; i++) {
        double t = ts[i] < 100 ? ts[i] : 100, a = (double)0.1f;
        ck_assert_double_eq_tol(scheduled(cosine, ts[i], 0),
                                lr * (a + (1 - a) * (1 + cos(pi * t / 100)) / 2), 1e-8);
    }
    ck_assert_double_eq_tol(scheduled(cosine, 50, 0), 0.055, 1e-8);
    ck_assert_double_eq_tol(scheduled(cosine, 100, 0), 0.01, 1e-8);
}
END_TEST

/* Feed plateau losses[0..n); the rate it holds after each, into rates. */
static void plateau_run(nnrt_lr_schedule *ls, const double *losses, int n, float *rates,
                        int *reductions)
{
    *reductions = 0;
    for (int e = 0; e < n; e++) {
        float from = -1, to = -1, before = nnrt_schedule_lr(ls, e * 10L, e);
        if (nnrt_schedule_epoch_end(ls, losses[e], &from, &to)) {
            ++*reductions;
            ck_assert_float_eq(from, before);
            ck_assert_float_eq(to, nnrt_schedule_lr(ls, e * 10L + 10, e + 1));
        }
        rates[e] = nnrt_schedule_lr(ls, e * 10L + 10, e + 1);
    }
}

START_TEST(plateau_reduces_after_patience_epochs_without_improvement)
{
    /* patience 2, factor 0.5, floor 2e-4, from 1e-3.  An improvement must
     * beat the best by more than 1e-4. */
    nnrt_schedule s = { .kind = NNRT_SCHEDULE_PLATEAU, .factor = 0.5f, .patience = 2,
                        .min_lr = 2e-4f };
    nnrt_lr_schedule ls;
    nnrt_schedule_start(&ls, &s, 1e-3f, 0);
    const double losses[] = {
        1.0,      /* best 1.0 */
        0.99991,  /* not by 1e-4: wait 1 */
        0.99995,  /* wait 2: 5e-4, wait 0 */
        0.5,      /* best */
        0.6,      /* wait 1 */
        0.7,      /* wait 2: 2.5e-4 */
        0.8,      /* wait 1 */
        NAN,      /* never an improvement: wait 2: max(1.25e-4, 2e-4) */
        0.9, 1.0, 1.1, 1.2, /* at the floor: no more */
        0.1,      /* best, and the floor stays */
    };
    const float want[] = { 1e-3f, 1e-3f, 5e-4f, 5e-4f, 5e-4f, 2.5e-4f, 2.5e-4f,
                           2e-4f, 2e-4f, 2e-4f, 2e-4f, 2e-4f, 2e-4f };
    float rates[13];
    int reductions;
    plateau_run(&ls, losses, 13, rates, &reductions);
    for (int e = 0; e < 13; e++)
        ck_assert_msg(fabsf(rates[e] - want[e]) <= 1e-6f * want[e], "after epoch %d: %g, want %g",
                      e + 1, rates[e], want[e]);
    ck_assert_int_eq(reductions, 3);

    /* patience 0: every epoch without improvement reduces */
    s.patience = 0;
    s.min_lr = 0;
    nnrt_schedule_start(&ls, &s, 1e-3f, 0);
    const double flat[] = { 1, 1, 1 };
    plateau_run(&ls, flat, 3, rates, &reductions);
    ck_assert_int_eq(reductions, 2);
    ck_assert_float_eq_tol(rates[2], 2.5e-4f, 1e-10f);

    /* the other schedules never reduce at an epoch's end */
    s.kind = NNRT_SCHEDULE_STEP;
    s.every = 1;
    nnrt_schedule_start(&ls, &s, 1e-3f, 0);
    plateau_run(&ls, flat, 3, rates, &reductions);
    ck_assert_int_eq(reductions, 0);
}
END_TEST

/* The update kernels built by clang as the Makefile builds the runtime
 * (each family in its own file, called from another), linked from an
 * archive: every kernel moves w.  Clang 14's target_clones across files
 * gave first a runtime that linked no trainer, then, with the attribute
 * on the declarations, calls that reached the ifunc's resolver, which
 * updated nothing (optim.h).  Skipped where clang is not installed. */
static const char CALLER[] =
    "#include <stdio.h>\n"
    "#include \"optim.h\"\n"
    "enum { N = 100 };\n"
    "static float w[N], g[N], s1[N], s2[N];\n"
    "static void reset(void)\n"
    "{\n"
    "    for (int i = 0; i < N; i++) { w[i] = 1; g[i] = 0.5f; s1[i] = s2[i] = 0; }\n"
    "}\n"
    "static int moved(const char *what)\n"
    "{\n"
    "    int ok = w[0] < 1 && w[N - 1] < 1;\n"
    "    if (!ok) printf(\"%s left w at %g\\n\", what, w[0]);\n"
    "    reset();\n"
    "    return ok;\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    nnrt_optimizer o = { .kind = NNRT_OPT_ADAM, .lr = 0.1f, .beta1 = 0.9f,\n"
    "                         .beta2 = 0.999f, .epsilon = 1e-7f };\n"
    "    nnrt_adam_step a = nnrt_adam_scalars(&o, 1);\n"
    "    int ok = 1;\n"
    "    reset();\n"
    "    nnrt_sgd_update(w, g, N, 0.1f); ok &= moved(\"sgd\");\n"
    "    nnrt_momentum_update(w, g, s1, N, 0.1f, 0.9f); ok &= moved(\"momentum\");\n"
    "    nnrt_nesterov_update(w, g, s1, N, 0.1f, 0.9f); ok &= moved(\"nesterov\");\n"
    "    nnrt_adam_update(w, g, s1, s2, N, &a); ok &= moved(\"adam\");\n"
    "    nnrt_weight_decay(w, N, 0.1f); ok &= moved(\"weight decay\");\n"
    "    nnrt_adagrad_update(w, g, s1, N, 0.1f, 1e-7f); ok &= moved(\"adagrad\");\n"
    "    nnrt_rmsprop_update(w, g, s1, N, 0.1f, 0.9f, 1e-7f); ok &= moved(\"rmsprop\");\n"
    "    nnrt_adadelta_update(w, g, s1, s2, N, 1.0f, 0.95f, 1e-7f); ok &= moved(\"adadelta\");\n"
    "    puts(ok ? \"all moved\" : \"some did not move\");\n"
    "    return !ok;\n"
    "}\n";

START_TEST(update_kernels_built_by_clang_move_the_weights)
{
    if (system("command -v clang >/dev/null 2>&1") != 0) {
        printf("update_kernels_built_by_clang_move_the_weights: no clang, skipped\n");
        return;
    }
    static const char *const FILES[] = { "optim_sgd", "optim_adam", "optim_rms" };
    char dir[160], cmd[2000], *out;
    path_in(dir, sizeof dir, "clang");
    make_dir("%s", dir);
    /* the Makefile's flags for these files, but for the warnings' -Werror */
    const char *flags = "-std=c11 -O2 -fno-math-errno -ffp-contract=off -Iruntime "
                        "$(pkg-config --cflags openblas)";
    for (int f = 0; f < 3; f++) {
        snprintf(cmd, sizeof cmd, "clang %s -c runtime/%s.c -o %s/%s.o", flags, FILES[f], dir,
                 FILES[f]);
        ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
        free(out);
    }
    snprintf(cmd, sizeof cmd, "%s/caller.c", dir);
    write_text(cmd, CALLER);
    snprintf(cmd, sizeof cmd,
             "rm -f %s/optim.a && ar rcs %s/optim.a %s/optim_sgd.o %s/optim_adam.o %s/optim_rms.o"
             " && clang %s %s/caller.c %s/optim.a -lm -o %s/caller && %s/caller",
             dir, dir, dir, dir, dir, flags, dir, dir, dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "all moved"), "%s: status %d\n%s", cmd, status, out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("optim");
    TCase *optimizers = tcase_create("optimizers");
    tcase_add_test(optimizers, sgd_two_steps_by_hand);
    tcase_add_test(optimizers, adam_two_steps_by_hand);
    tcase_add_test(optimizers, clipping_by_value_and_by_norm);
    tcase_add_test(optimizers, adam_state_starts_at_zero_and_is_per_optimizer);
    tcase_add_test(optimizers, every_optimizer_follows_its_formula);
    tcase_add_test(optimizers, momentum_and_nesterov_by_hand);
    tcase_add_test(optimizers, adagrad_rmsprop_adadelta_adamw_by_hand);
    tcase_add_test(optimizers, optimizer_state_is_what_each_kind_needs);
    tcase_add_test(optimizers, state_and_gradients_start_on_cache_lines);
    tcase_add_test(optimizers, update_kernels_built_by_clang_move_the_weights);
    suite_add_tcase(s, optimizers);
    TCase *schedules = tcase_create("schedules");
    tcase_add_test(schedules, schedules_follow_their_formulas);
    tcase_add_test(schedules, plateau_reduces_after_patience_epochs_without_improvement);
    suite_add_tcase(s, schedules);
    return run_suite(s);
}
