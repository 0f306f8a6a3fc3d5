/* test_runtime.c: libnnrt's training side on a model written by hand.
 *
 * The model is softmax regression, 4 inputs (a 2x2 image) to 3 classes,
 * with static buffers as nnc would emit them, and an optional L2 penalty.
 * Against it: the optimizers (steps worked out by hand, and against each
 * formula in double), the learning-rate schedules, the initializers
 * (statistics over a big tensor), weight files (round trip, exact error
 * messages, no partial loads), accuracy counting, curve.csv, progress,
 * gradcheck (passes on the right backward, fails on wrong ones, penalty
 * included), the OpenBLAS core check (the re-exec included), and whole runs
 * through nnrt_main (train, eval, steps) on IDX files the test writes under
 * $NNC_TMP. */
#include <check.h>

#include "suite.h"
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cblas.h>
#include <zlib.h>

#include "nnrt_internal.h"
#include "trainer_util.h"

/* ---- the model: x (n, IN) -> z = x W + b -> p = softmax(z) -------------
 * (with relu_logits set, p = softmax(relu(z)): a kink for gradcheck) */

enum { IN = 4, K = 3, MAX_BATCH = 64, BATCH = 16 };

static float x[MAX_BATCH * IN];
static float W[IN * K], dW[IN * K], b[K], db[K];
static float z[MAX_BATCH * K], a[MAX_BATCH * K], p[MAX_BATCH * K], da[MAX_BATCH * K];
static int relu_logits;

/* Deliberate mistakes for gradcheck to find. */
static enum { BUG_NONE, BUG_WEIGHTS_TWICE, BUG_BIAS_SIGN, BUG_NO_PENALTY_GRADIENT } bug;
/* The penalty, when a test gives the model one: l2 * sum(W^2) + offset
 * (the offset has no gradient: it shifts the reported losses only). */
static double l2, penalty_offset;
/* When set, forward draws from its rng in training mode, as dropout does. */
static int draws_while_training;
static long draws;
/* Rows and calls of forward in training mode, and the last call's rows. */
static long rows_trained, training_calls;
static int last_training_rows;

/* z = x W + b; a = z (or relu(z)); p = softmax(a), per row */
static void tiny_forward(int n, int training, nnrt_rng *rng)
{
    for (int r = 0; r < n; r++) {
        float max = -INFINITY, sum = 0;
        for (int k = 0; k < K; k++) {
            float s = b[k];
            for (int i = 0; i < IN; i++)
                s += x[r * IN + i] * W[i * K + k];
            z[r * K + k] = s;
            a[r * K + k] = relu_logits && s < 0 ? 0 : s;
            max = a[r * K + k] > max ? a[r * K + k] : max;
        }
        for (int k = 0; k < K; k++)
            sum += p[r * K + k] = expf(a[r * K + k] - max);
        for (int k = 0; k < K; k++)
            p[r * K + k] /= sum;
    }
    if (training) {
        rows_trained += n;
        training_calls++;
        last_training_rows = n;
    }
    if (training && draws_while_training)
        for (int i = 0; i < n; i++, draws++)
            (void)nnrt_rng_uniform(rng);
}

/* sum over rows of logsumexp(a) - a[y]; da = (p - onehot(y)) / n */
static double tiny_loss(int n, const int *y)
{
    double total = 0;
    for (int r = 0; r < n; r++) {
        double max = a[r * K], sum = 0;
        for (int k = 1; k < K; k++)
            max = a[r * K + k] > max ? a[r * K + k] : max;
        for (int k = 0; k < K; k++)
            sum += exp(a[r * K + k] - max);
        total += log(sum) + max - a[r * K + y[r]];
        for (int k = 0; k < K; k++)
            da[r * K + k] = (p[r * K + k] - (k == y[r])) / n;
    }
    return total;
}

static double tiny_penalty(void)
{
    double sum = 0;
    for (int i = 0; i < IN * K; i++)
        sum += (double)W[i] * W[i];
    return l2 * sum + penalty_offset;
}

/* dz = da (times relu'(z)); dW = x^T dz (+ 2 l2 W, the penalty's),
 * db = column sums of dz */
static void tiny_backward(int n)
{
    memset(dW, 0, sizeof dW);
    memset(db, 0, sizeof db);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < K; k++) {
            float dz = relu_logits && z[r * K + k] <= 0 ? 0 : da[r * K + k];
            for (int i = 0; i < IN; i++)
                dW[i * K + k] += x[r * IN + i] * dz;
            db[k] += dz;
        }
    if (bug != BUG_NO_PENALTY_GRADIENT)
        for (int i = 0; i < IN * K; i++)
            dW[i] += (float)(2 * l2 * W[i]);
    if (bug == BUG_WEIGHTS_TWICE)
        for (int i = 0; i < IN * K; i++)
            dW[i] *= 2;
    if (bug == BUG_BIAS_SIGN)
        for (int k = 0; k < K; k++)
            db[k] = -db[k];
}

static const nnrt_param PARAMS[] = {
    { "dense1.w", 2, { IN, K }, IN * K, W, dW, NNRT_INIT_GLOROT_UNIFORM, IN, K, 0 },
    { "dense1.b", 1, { K }, K, b, db, NNRT_INIT_ZEROS, IN, K, 0 },
};

static char train_images[1024], train_labels[1024], test_images[1024], test_labels[1024];

static nnrt_model tiny_model(void)
{
    return (nnrt_model){
        .name = "tiny",
        .source = "tests/tiny.nn",
        .model_hash = "0123456789abcdef",
        .nnc_version = "0.1.0",
        .train_images = train_images,
        .train_labels = train_labels,
        .test_images = test_images,
        .test_labels = test_labels,
        .validation = 0.2,
        .scale = 1.0f / 255,
        .in_size = IN,
        .n_classes = K,
        .batch = BATCH,
        .max_batch = MAX_BATCH,
        .input = x,
        .output = p,
        .epochs = 5,
        .seed = 1,
        .optimizer = { .kind = NNRT_OPT_ADAM, .lr = 0.05f, .beta1 = 0.9f, .beta2 = 0.999f,
                       .epsilon = 1e-7f },
        .n_params = 2,
        .params = PARAMS,
        .forward = tiny_forward,
        .loss = tiny_loss,
        .backward = tiny_backward,
    };
}

/* ---- fixtures ------------------------------------------------------------ */

enum { N_TRAIN = 300, N_TEST = 90 };

/* Class c lights pixel c of the 2x2 image (class 2 also pixel 3) over a
 * noisy dark background: separable, but not trivially so at the start. */
static void make_samples(uint8_t *pixels, uint8_t *labels, int n, uint32_t seed)
{
    for (int s = 0; s < n; s++) {
        int c = (s * 7 + (int)(seed % 3)) % K;
        labels[s] = (uint8_t)c;
        for (int i = 0; i < IN; i++) {
            seed = seed * 1664525u + 1013904223u;
            int noise = (int)(seed >> 26);   /* 0..63 */
            int lit = i == c || (c == 2 && i == 3);
            pixels[s * IN + i] = (uint8_t)(lit ? 150 + noise : noise);
        }
    }
}

/* $NNC_TMP/runtime, as an absolute path: the model names its data files
 * by absolute paths, which nnrt_data_path takes as they are */
static const char *fixture_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        char cwd[256], cmd[600];
        const char *tmp = tmp_dir();
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
        ck_assert_int_lt(snprintf(dir, sizeof dir, "%s%s%s/runtime", tmp[0] == '/' ? "" : cwd,
                                  tmp[0] == '/' ? "" : "/", tmp),
                         (int)sizeof dir);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    return dir;
}

/* The IDX files the model reads, by absolute path. */
static void write_fixtures(void)
{
    static uint8_t pixels[N_TRAIN * IN], labels[N_TRAIN];
    const char *dir = fixture_dir();
    snprintf(train_images, sizeof train_images, "%s/train-images.idx", dir);
    snprintf(train_labels, sizeof train_labels, "%s/train-labels.idx", dir);
    snprintf(test_images, sizeof test_images, "%s/test-images.idx", dir);
    snprintf(test_labels, sizeof test_labels, "%s/test-labels.idx", dir);
    int idims[3] = { N_TRAIN, 2, 2 }, ldims[1] = { N_TRAIN };
    make_samples(pixels, labels, N_TRAIN, 1);
    write_idx(train_images, pixels, 3, idims);
    write_idx(train_labels, labels, 1, ldims);
    idims[0] = ldims[0] = N_TEST;
    make_samples(pixels, labels, N_TEST, 2);
    write_idx(test_images, pixels, 3, idims);
    write_idx(test_labels, labels, 1, ldims);
}

static void setup(void)
{
    bug = BUG_NONE;
    relu_logits = 0;
    draws_while_training = 0;
    rows_trained = training_calls = last_training_rows = 0;
    draws = 0;
    l2 = penalty_offset = 0;
    write_fixtures();
}

/* The whole file, malloc'ed, with a '\0' after it */
static char *slurp_len(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    struct stat st;
    ck_assert_int_eq(fstat(fileno(f), &st), 0);
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, n, f), n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

static void spit(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", fixture_dir(), name);
}

/* ---- nnrt_main with stdout and stderr captured -------------------------- */

typedef struct result {
    int status;
    char *out, *err;
} result;

static char *read_fd_file(const char *path)
{
    char *text = slurp_len(path, NULL);
    unlink(path);
    return text;
}

/* nnrt_main(model, {"tiny", args...}); args end with NULL */
static result run_main(const nnrt_model *m, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"tiny";
    for (; args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;

    char out_path[1100], err_path[1100];
    path_in(out_path, sizeof out_path, "stdout.txt");
    path_in(err_path, sizeof err_path, "stderr.txt");
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    ck_assert(saved_out >= 0 && saved_err >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    close(fo);
    close(fe);
    int status = nnrt_main(m, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    return (result){ status, read_fd_file(out_path), read_fd_file(err_path) };
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* ---- metrics -------------------------------------------------------------- */

START_TEST(count_correct_takes_the_first_maximum)
{
    const float out[] = {
        0.2f, 0.5f, 0.5f,   /* tie between 1 and 2: 1 */
        0.9f, 0.05f, 0.05f, /* 0 */
        0.3f, 0.3f, 0.3f,   /* three-way tie: 0 */
        0.1f, 0.2f, 0.7f,   /* 2 */
    };
    const int right[] = { 1, 0, 0, 2 }, wrong[] = { 2, 1, 2, 0 }, mixed[] = { 1, 1, 0, 0 };
    ck_assert_int_eq(nnrt_count_correct(out, right, 4, 3), 4);
    ck_assert_int_eq(nnrt_count_correct(out, wrong, 4, 3), 0);
    ck_assert_int_eq(nnrt_count_correct(out, mixed, 4, 3), 2);
    ck_assert_int_eq(nnrt_count_correct(out, right, 2, 3), 2);
    ck_assert_int_eq(nnrt_count_correct(out, right, 0, 3), 0);
}
END_TEST

/* ---- optimizers: a 100-entry tensor crosses one 64-entry block and a
 * scalar tail, so both code paths of optim.c are checked. --------------- */

enum { BIG = 100 };
static float big_w[BIG], big_g[BIG];
static const nnrt_param BIG_PARAM[] = {
    { "big", 1, { BIG }, BIG, big_w, big_g, NNRT_INIT_ZEROS, 1, 1, 0 },
};

static nnrt_model big_model(void)
{
    return (nnrt_model){ .name = "big", .n_params = 1, .params = BIG_PARAM };
}

START_TEST(sgd_two_steps_by_hand)
{
    nnrt_model m = big_model();
    nnrt_optim_state st;
    nnrt_optimizer sgd = { .kind = NNRT_OPT_SGD, .lr = 0.1f };
    ck_assert_int_eq(nnrt_optim_init(&st, &m, sgd), 0);
    for (int i = 0; i < BIG; i++) {
        big_w[i] = 0.5f;
        big_g[i] = i % 2 ? 1.0f : -3.0f;
    }
    nnrt_optim_step(&st, &m);   /* 0.5 - 0.1 * 1 = 0.4; 0.5 + 0.3 = 0.8 */
    for (int i = 0; i < BIG; i++)
        big_g[i] = i % 2 ? -2.0f : 0.0f;
    nnrt_optim_step(&st, &m);   /* 0.4 + 0.2 = 0.6; 0.8 */
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq_tol(big_w[i], i % 2 ? 0.6f : 0.8f, 1e-6f);
    ck_assert_int_eq(st.step, 2);
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
        big_g[i] = i % 2 ? 1.0f : -0.5f;
    }
    nnrt_optim_step(&st, &m);
    for (int i = 0; i < BIG; i++)
        ck_assert_float_eq_tol(big_w[i], i % 2 ? 0.40000001f : -0.15000002f, 1e-6f);
    for (int i = 0; i < BIG; i++)
        big_g[i] = i % 2 ? 2.0f : 0.25f;
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
        big_g[i] = 1e-7f;
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
            big_g[i] = (float)(i - 50) / 10;
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
            big_g[i] = gradient_at(i, t);
            reference_step(&o, t, big_g[i], &w[i], &s1[i], &s2[i]);
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
            big_g[i] = 1;
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
            big_g[i] = 2;
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

/* ---- initializers -------------------------------------------------------- */

enum { FAN_IN = 200, FAN_OUT = 500, HUGE_N = FAN_IN * FAN_OUT };
static float huge[HUGE_N], huge2[HUGE_N];

static nnrt_model init_model_scaled(nnrt_init kind, float *values, float scale)
{
    static nnrt_param prm;
    prm = (nnrt_param){ "w",  2,    { FAN_IN, FAN_OUT }, HUGE_N, values, NULL, kind, FAN_IN,
                        FAN_OUT, scale };
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

/* ---- weight files ---------------------------------------------------------- */

static void fill_tiny(float seed)
{
    for (int i = 0; i < IN * K; i++)
        W[i] = seed * (float)(i + 1) / 7.0f - 0.5f;
    for (int k = 0; k < K; k++)
        b[k] = -seed * (float)(k + 1) / 3.0f;
}

START_TEST(weights_round_trip_byte_exact)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "roundtrip.weights");
    fill_tiny(1.25f);
    W[3] = -0.0f;
    W[4] = 1e-40f;   /* a denormal survives too */
    float w_saved[IN * K], b_saved[K];
    memcpy(w_saved, W, sizeof W);
    memcpy(b_saved, b, sizeof b);
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(temporaries_left(path), 0);

    size_t len;
    unsigned char *bytes = (unsigned char *)slurp_len(path, &len);
    /* 12 header + (4 + 8 + 4 + 8 + 48) + (4 + 8 + 4 + 4 + 12) + 4 checksum */
    ck_assert_uint_eq(len, 120);
    uint32_t crc = (uint32_t)crc32(0, bytes, 116);
    ck_assert_mem_eq(bytes + 116, ((unsigned char[]){ crc, crc >> 8, crc >> 16, crc >> 24 }), 4);
    static const unsigned char head[] = {
        'N', 'N', 'C', 'W', 2, 0, 0, 0, 2, 0, 0, 0,           /* magic, version, tensors */
        8, 0, 0, 0, 'd', 'e', 'n', 's', 'e', '1', '.', 'w',  /* name */
        2, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0,                  /* ndims, 4 x 3 */
    };
    ck_assert_mem_eq(bytes, head, sizeof head);
    uint32_t bits;
    memcpy(&bits, &W[0], 4);   /* the first value, little-endian */
    ck_assert_uint_eq(bytes[36] | bytes[37] << 8 | bytes[38] << 16 | (uint32_t)bytes[39] << 24,
                      bits);
    static const unsigned char bias_head[] = { 8, 0, 0, 0, 'd', 'e', 'n', 's', 'e', '1', '.',
                                               'b', 1, 0, 0, 0, 3, 0, 0, 0 };
    ck_assert_mem_eq(bytes + 84, bias_head, sizeof bias_head);

    fill_tiny(-3.0f);
    ck_assert_msg(nnrt_weights_load(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_mem_eq(W, w_saved, sizeof W);
    ck_assert_mem_eq(b, b_saved, sizeof b);

    /* and saving what was loaded gives the same bytes */
    char again[1100];
    path_in(again, sizeof again, "roundtrip2.weights");
    ck_assert_int_eq(nnrt_weights_save(&m, again, &err), 0);
    size_t len2;
    char *bytes2 = slurp_len(again, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(bytes, bytes2, len);
    free(bytes);
    free(bytes2);
}
END_TEST

/* Load a damaged copy of a good file; expect msg (with PATH for the path)
 * and the model's values untouched. */
static void expect_load_error(const char *name, const unsigned char *bytes, size_t len,
                              const char *expected)
{
    nnrt_model m = tiny_model();
    char path[1100], want[2400];
    path_in(path, sizeof path, name);
    spit(path, bytes, len);
    fill_tiny(0.75f);
    float w_before[IN * K], b_before[K];
    memcpy(w_before, W, sizeof W);
    memcpy(b_before, b, sizeof b);
    nnrt_error err;
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: %s", path, expected);
    ck_assert_str_eq(err.msg, want);
    ck_assert_mem_eq(W, w_before, sizeof W);
    ck_assert_mem_eq(b, b_before, sizeof b);
}

/* The checksum of a weights file's first len - 4 bytes into its last 4,
 * so that a test's damage is the only thing wrong with it. */
static void reseal(unsigned char *bytes, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0, bytes, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        bytes[len - 4 + (size_t)i] = (unsigned char)(crc >> 8 * i);
}

START_TEST(weights_load_errors_name_the_byte_and_load_nothing)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "good.weights");
    fill_tiny(2.0f);
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), 0);
    size_t len;
    unsigned char *good = (unsigned char *)slurp_len(path, &len), bad[200];
    ck_assert_uint_eq(len, 120);

    memcpy(bad, good, len);
    memcpy(bad, "NNCX", 4);
    expect_load_error("magic.weights", bad, len,
                      "byte 0: not an nnc weights file (no 'NNCW' at the start)");
    expect_load_error("empty.weights", bad, 0,
                      "byte 0: truncated: expected 4 bytes of magic number, found 0");

    memcpy(bad, good, len);
    bad[4] = 3;
    expect_load_error("version.weights", bad, len,
                      "byte 4: format version 3; this trainer reads versions 1 and 2");

    memcpy(bad, good, len);
    bad[8] = 3;
    reseal(bad, len);
    expect_load_error("count.weights", bad, len, "byte 8: 3 tensors; the model has 2");

    memcpy(bad, good, len);
    bad[21] = '9';
    reseal(bad, len);
    expect_load_error("name.weights", bad, len,
                      "byte 12: tensor 1 is 'dense9.w'; the model's is 'dense1.w'");

    memcpy(bad, good, len);
    bad[32] = 5;   /* 4x3 -> 4x5 */
    reseal(bad, len);
    expect_load_error("shape.weights", bad, len,
                      "byte 24: dense1.w has shape 4x5; the model's is 4x3");

    memcpy(bad, good, len);
    bad[24] = 1;   /* one dimension: 4 */
    reseal(bad, len);
    expect_load_error("ndims.weights", bad, len,
                      "byte 24: dense1.w has shape 4; the model's is 4x3");

    /* cut inside the last tensor's values (and sealed again): the first
     * one is fine, and still nothing may be loaded */
    memcpy(bad, good, 110);
    reseal(bad, 114);
    expect_load_error("truncated.weights", bad, 114,
                      "byte 104: truncated: expected 12 bytes of dense1.b values, found 6");
    memcpy(bad, good, 90);
    reseal(bad, 94);
    expect_load_error("cut-name.weights", bad, 94,
                      "byte 88: truncated: expected 8 bytes of tensor name, found 2");

    memcpy(bad, good, 116);
    bad[116] = 0;
    reseal(bad, 121);
    expect_load_error("trailing.weights", bad, 121,
                      "byte 116: unexpected data after the last tensor (1 bytes)");

    char missing[1100];
    path_in(missing, sizeof missing, "no-such.weights");
    ck_assert_int_eq(nnrt_weights_load(&m, missing, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such.weights: cannot open: No such file"));
    free(good);
}
END_TEST

START_TEST(save_failure_is_reported_and_leaves_the_old_file)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "no-such-folder/weights");
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such-folder/weights: cannot create: No such"));

    /* a good file, then a save whose writes fail (the file size limit is
     * below the file's; root is held to it too): the good file is still
     * there, whole, and the temporary is gone */
    path_in(path, sizeof path, "keep.weights");
    fill_tiny(1.5f);
    float w_kept[IN * K];
    memcpy(w_kept, W, sizeof W);
    ck_assert_int_eq(nnrt_weights_save(&m, path, &err), 0);
    fill_tiny(-2.5f);
    struct rlimit was, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
    small = was;
    small.rlim_cur = 40;
    signal(SIGXFSZ, SIG_IGN);   /* a write past the limit fails with EFBIG instead */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = nnrt_weights_save(&m, path, &err);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, SIG_DFL);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, "keep.weights: cannot write: File too large"), "%s", err.msg);
    ck_assert_int_eq(temporaries_left(path), 0);
    ck_assert_msg(nnrt_weights_load(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_mem_eq(W, w_kept, sizeof W);
}
END_TEST

/* ---- curve.csv and progress ------------------------------------------------- */

START_TEST(curve_csv_is_rewritten_whole)
{
    char path[1100], times[1100];
    path_in(path, sizeof path, "curve.csv");
    path_in(times, sizeof times, "times.csv");
    nnrt_epoch_stats rows[2] = {
        { .epoch = 1, .loss = 0.5, .accuracy = 0.8, .has_val = 1, .val_loss = 0.45,
          .val_accuracy = 0.85, .seconds = 3.2144 },
        { .epoch = 2, .loss = 0.25, .accuracy = 0.9, .has_val = 1, .val_loss = 0.125,
          .val_accuracy = 0.95, .seconds = 2.0 },
    };
    nnrt_error err;
    ck_assert_int_eq(nnrt_curve_write(path, rows, 1, &err), 0);
    char *text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,0.450000,0.850000\n");
    free(text);
    ck_assert_int_eq(nnrt_curve_write(path, rows, 2, &err), 0);
    text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,0.450000,0.850000\n"
                           "2,0.250000,0.900000,0.125000,0.950000\n");
    free(text);
    ck_assert_int_eq(temporaries_left(path), 0);
    /* the wall times have a file of their own */
    ck_assert_int_eq(nnrt_times_write(times, rows, 2, &err), 0);
    text = slurp_len(times, NULL);
    ck_assert_str_eq(text, "epoch,seconds\n1,3.214\n2,2.000\n");
    free(text);
    /* no validation split: empty val fields */
    rows[0].has_val = 0;
    ck_assert_int_eq(nnrt_curve_write(path, rows, 1, &err), 0);
    text = slurp_len(path, NULL);
    ck_assert_str_eq(text, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                           "1,0.500000,0.800000,,\n");
    free(text);
}
END_TEST

START_TEST(progress_lines_plain_and_on_a_terminal)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    nnrt_progress pr;
    nnrt_epoch_stats s = { .epoch = 1, .loss = 0.49871, .accuracy = 0.82509, .has_val = 1,
                           .val_loss = 0.40123, .val_accuracy = 0.856, .seconds = 3.21 };
    nnrt_progress_init(&pr, f, 0, 5, 10);
    nnrt_progress_begin(&pr, 1);
    for (int i = 1; i <= 10; i++)
        nnrt_progress_update(&pr, i, 0.5, 0.8);
    nnrt_progress_end(&pr, &s);
    s.has_val = 0;
    s.epoch = 2;
    nnrt_progress_begin(&pr, 2);
    nnrt_progress_end(&pr, &s);
    fflush(f);
    ck_assert_str_eq(buf, "epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  "
                          "val_accuracy 0.8560  3.2s\n"
                          "epoch 2/5  loss 0.4987  accuracy 0.8251  3.2s\n");
    fclose(f);
    free(buf);

    f = open_memstream(&buf, &len);
    nnrt_progress_init(&pr, f, 1, 5, 10);
    nnrt_progress_begin(&pr, 2);
    pr.last_draw = 1e300;   /* as if just drawn: the next update is too soon */
    nnrt_progress_update(&pr, 1, 0.5, 0.8);
    nnrt_progress_update(&pr, 10, 0.42126, 0.85124);   /* the last step always is */
    s.epoch = 2;
    nnrt_progress_end(&pr, &s);
    fflush(f);
    ck_assert_str_eq(buf, "\repoch 2/5 [                              ] 0/10"
                          "\repoch 2/5 [==============================] 10/10  loss 0.4213  "
                          "accuracy 0.8512"
                          "\r\033[Kepoch 2/5  loss 0.4987  accuracy 0.8251  3.2s\n");
    fclose(f);
    free(buf);

    /* a bar part way */
    f = open_memstream(&buf, &len);
    nnrt_progress_init(&pr, f, 1, 5, 40);
    pr.epoch = 1;
    pr.last_draw = -1e9;
    nnrt_progress_update(&pr, 10, 1, 0.5);
    fflush(f);
    ck_assert_str_eq(buf, "\repoch 1/5 [======>                       ] 10/40  loss 1.0000  "
                          "accuracy 0.5000");
    fclose(f);
    free(buf);
}
END_TEST

/* ---- gradcheck ------------------------------------------------------------- */

/* The fixtures' training set, loaded */
static nnrt_dataset load_train(void)
{
    nnrt_dataset ds;
    nnrt_error err;
    ck_assert_msg(nnrt_dataset_load(train_images, train_labels, IN, K, &ds, &err) == 0, "%s",
                  err.msg);
    return ds;
}

static int gradcheck_report_of(const nnrt_model *mp, int samples, char **report)
{
    nnrt_model m = *mp;
    nnrt_dataset ds = load_train();
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 3);
    nnrt_params_init(&m, &rng);
    for (int k = 0; k < K; k++)
        b[k] = 0.1f * (float)k;   /* not all zero, so a wrong bias gradient shows */
    float w_before[IN * K];
    memcpy(w_before, W, sizeof W);
    size_t len;
    FILE *f = open_memstream(report, &len);
    int rc = nnrt_gradcheck(&m, &ds, samples, 9, f);
    fclose(f);
    ck_assert_mem_eq(W, w_before, sizeof W);   /* values put back */
    nnrt_dataset_free(&ds);
    return rc;
}

static int gradcheck_report(int samples, char **report)
{
    nnrt_model m = tiny_model();
    return gradcheck_report_of(&m, samples, report);
}

START_TEST(gradcheck_passes_a_right_backward)
{
    char *report;
    int rc = gradcheck_report(4, &report);
    ck_assert_msg(rc == 0, "%s", report);
    ck_assert_msg(strncmp(report, "dense1.w  checked 12  worst relative error ", 43) == 0, "%s",
                  report);
    ck_assert_ptr_nonnull(strstr(report, "\ndense1.b  checked 3  worst relative error "));
    ck_assert_ptr_nonnull(strstr(report, "\ngradcheck: ok\n"));
    double worst;
    ck_assert_int_eq(sscanf(report + 43, "%lf", &worst), 1);
    ck_assert_msg(worst < 1e-3, "float32 softmax regression should agree closely: %s", report);
    free(report);
    rc = gradcheck_report(MAX_BATCH, &report);
    ck_assert_msg(rc == 0, "%s", report);
    free(report);
}
END_TEST

START_TEST(gradcheck_fails_a_wrong_backward)
{
    char *report;
    bug = BUG_WEIGHTS_TWICE;
    ck_assert_int_eq(gradcheck_report(4, &report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense1.w["),
                  "%s", report);
    free(report);
    bug = BUG_BIAS_SIGN;
    ck_assert_int_eq(gradcheck_report(4, &report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense1.b["),
                  "%s", report);
    free(report);
}
END_TEST

START_TEST(gradcheck_includes_the_penalty)
{
    /* an L2 penalty whose gradient 2 l2 W (up to ~0.1) is as large as the
     * data's: backward() with it passes, which needs the penalty in the
     * numerical loss too; backward() without it fails */
    nnrt_model m = tiny_model();
    m.penalty = tiny_penalty;
    l2 = 0.05;
    char *report;
    int rc = gradcheck_report_of(&m, 4, &report);
    ck_assert_msg(rc == 0, "%s", report);
    free(report);
    bug = BUG_NO_PENALTY_GRADIENT;
    rc = gradcheck_report_of(&m, 4, &report);
    ck_assert_msg(rc == 1 && strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; "
                                            "worst dense1.w["),
                  "%s", report);
    free(report);
    /* and a model that leaves the penalty out of m->penalty but not of
     * backward() fails too: the check sees what the trainer reports */
    bug = BUG_NONE;
    m.penalty = NULL;
    ck_assert_int_eq(gradcheck_report_of(&m, 4, &report), 1);
    free(report);
}
END_TEST

START_TEST(gradcheck_takes_the_clean_side_of_a_kink)
{
    /* relu(z) before the softmax, and the bias of class 0 set so that the
     * first sample's z[0] is 3e-4: b[0] - h crosses the kink, so the
     * central difference mixes two slopes; the one-sided difference to the
     * right of it is clean and agrees with backward() */
    relu_logits = 1;
    nnrt_model m = tiny_model();
    nnrt_dataset ds = load_train();
    for (int i = 0; i < IN * K; i++)
        W[i] = 0.5f * (float)((i * 5) % 7 - 3) / 3;
    b[1] = b[2] = 0.25f;
    float dot = 0;
    for (int i = 0; i < IN; i++)
        dot += ds.pixels[i] * m.scale * W[i * K];
    b[0] = 3e-4f - dot;
    char *report;
    size_t len;
    FILE *f = open_memstream(&report, &len);
    int rc = nnrt_gradcheck(&m, &ds, 4, 1, f);
    fclose(f);
    ck_assert_msg(rc == 0, "%s", report);
    ck_assert_msg(strstr(report, "\ndense1.b  checked 3  worst relative error ") &&
                      strstr(report, "(1 at a kink: one-sided)\n"),
                  "%s", report);
    free(report);
    /* and the kink excuses nothing else: a wrong bias gradient still fails */
    bug = BUG_BIAS_SIGN;
    f = open_memstream(&report, &len);
    ck_assert_int_eq(nnrt_gradcheck(&m, &ds, 4, 1, f), 1);
    fclose(f);
    free(report);
    nnrt_dataset_free(&ds);
}
END_TEST

START_TEST(denormals_are_flushed_to_zero)
{
    volatile float tiny = 1e-30f, scale = 1e-10f;
    ck_assert_float_ne(tiny * scale, 0.0f);   /* 1e-40: a denormal, by default */
    nnrt_flush_denormals();
    ck_assert_float_eq(tiny * scale, 0.0f);
}
END_TEST

/* ---- the OpenBLAS core check ----------------------------------------------- */

START_TEST(blas_core_fix_only_upgrades_known_cores)
{
    ck_assert_str_eq(nnrt_blas_core_fix("Prescott", "SkylakeX"), "SkylakeX");
    ck_assert_str_eq(nnrt_blas_core_fix("PRESCOTT", "Haswell"), "Haswell");
    ck_assert_str_eq(nnrt_blas_core_fix("Haswell", "SkylakeX"), "SkylakeX");
    ck_assert_str_eq(nnrt_blas_core_fix("Sandybridge", "Haswell"), "Haswell");
    ck_assert_ptr_null(nnrt_blas_core_fix("skylakex", "SkylakeX"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Cooperlake", "SkylakeX"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Zen", "Haswell"));
    ck_assert_ptr_null(nnrt_blas_core_fix("SkylakeX", "Haswell"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Neoverse9", "SkylakeX"));   /* unknown: left alone */
    ck_assert_ptr_null(nnrt_blas_core_fix("Prescott", NULL));
}
END_TEST

static const char *self_exe;

/* Run nnrt_blas_core_apply in a child whose OpenBLAS "chose" Prescott; the
 * re-exec'ed test binary reports (see main) what it was started with. */
START_TEST(blas_core_reexecs_once_with_the_core_set)
{
    char log[1100];
    path_in(log, sizeof log, "reexec.txt");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        unsetenv("OPENBLAS_CORETYPE");
        char *argv[] = { (char *)self_exe, (char *)"reexec-probe", NULL };
        nnrt_blas_core_apply("tiny", argv, "Prescott", "Haswell");
        printf("not re-executed\n");
        fflush(stdout);
        _exit(3);
    }
    int status;
    waitpid(pid, &status, 0);
    char *text = slurp_len(log, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", text);
    ck_assert_str_eq(text, "tiny: OpenBLAS picked its 'Prescott' kernels but this CPU runs "
                           "'Haswell' ones; restarting with OPENBLAS_CORETYPE=Haswell\n"
                           "probe: OPENBLAS_CORETYPE=Haswell, still running\n");
    free(text);
}
END_TEST

/* ---- whole runs through nnrt_main ------------------------------------------ */

static void out_dir(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/runs/%s", fixture_dir(), name);
}

/* train m into runs/NAME (with --lr lr unless NULL); the captured result */
static result train_model(const nnrt_model *m, const char *name, const char *seed,
                          const char *epochs, const char *lr)
{
    char dir[1200];
    out_dir(dir, sizeof dir, name);
    const char *args[] = { "train", "--epochs", epochs, "--seed", seed, "--out", dir,
                           "--overwrite", lr ? "--lr" : NULL, lr, NULL };
    return run_main(m, args);
}

/* train the tiny model into runs/NAME; the captured result */
static result train(const char *name, const char *seed, const char *epochs)
{
    nnrt_model m = tiny_model();
    return train_model(&m, name, seed, epochs, NULL);
}

static double test_line(const char *out, double *loss)
{
    const char *t = strstr(out, "\ntest: loss ");
    ck_assert_msg(t != NULL, "no test line in:\n%s", out);
    double l, acc;
    ck_assert_int_eq(sscanf(t, "\ntest: loss %lf accuracy %lf\n", &l, &acc), 2);
    if (loss)
        *loss = l;
    return acc;
}

START_TEST(training_learns_and_logs_every_epoch)
{
    result r = train("learn", "3", "6");
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_str_eq(r.err, "");
    ck_assert_msg(starts_with(r.out, "tiny: 240 training samples, 60 validation, 90 test; "
                                     "batch 16, 15 steps per epoch; writing "),
                  "%s", r.out);
    ck_assert_ptr_null(strchr(r.out, '\r'));   /* not a terminal: no bar */

    /* one plain line per epoch, loss going down */
    double first_loss = 0, loss = 0, acc, val_loss, val_acc, seconds;
    const char *line = r.out;
    for (int e = 1; e <= 6; e++) {
        char head[32];
        snprintf(head, sizeof head, "\nepoch %d/6  loss ", e);
        line = strstr(line, head);
        ck_assert_msg(line != NULL, "no epoch %d line in:\n%s", e, r.out);
        char end;
        ck_assert_int_eq(sscanf(line + strlen(head), "%lf  accuracy %lf  val_loss %lf  "
                                                     "val_accuracy %lf  %lfs%c",
                                &loss, &acc, &val_loss, &val_acc, &seconds, &end), 6);
        ck_assert_int_eq(end, '\n');
        if (e == 1)
            first_loss = loss;
        line++;
    }
    ck_assert_msg(loss < 0.5 * first_loss, "loss %.4f after 6 epochs, %.4f after 1", loss,
                  first_loss);
    ck_assert_msg(val_acc > 0.9, "val accuracy %.4f", val_acc);
    double test_loss, test_acc = test_line(r.out, &test_loss);
    ck_assert_msg(test_acc > 0.9, "test accuracy %.4f", test_acc);
    /* the test line, exactly so, then the metrics (test_metrics.c) */
    char last[64];
    snprintf(last, sizeof last, "test: loss %.4f accuracy %.4f\n", test_loss, test_acc);
    const char *test_at = strstr(r.out, last);
    ck_assert_msg(test_at && strncmp(test_at + strlen(last), "accuracy ", 9) == 0, "%s", r.out);
    char *report = strdup(test_at);

    char path[1300];
    char dir[1200];
    out_dir(dir, sizeof dir, "learn");
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *curve = slurp_len(path, NULL);
    ck_assert_msg(strncmp(curve, "epoch,loss,accuracy,val_loss,val_accuracy\n", 42) == 0,
                  "%s", curve);
    int rows = 0;
    for (const char *c = curve + 42; *c; c++)
        rows += *c == '\n';
    ck_assert_int_eq(rows, 6);
    double csv_loss;
    int epoch;
    const char *row6 = strstr(curve, "\n6,");
    ck_assert_ptr_nonnull(row6);
    ck_assert_int_eq(sscanf(row6, "\n%d,%lf,", &epoch, &csv_loss), 2);
    ck_assert_double_eq_tol(csv_loss, loss, 5e-5);   /* the line rounds to 4 places */
    free(curve);
    snprintf(path, sizeof path, "%s/weights", dir);
    ck_assert(exists(path));
    result_free(&r);

    /* eval with those weights says what train said */
    nnrt_model m = tiny_model();
    const char *args[] = { "eval", "--out", dir, NULL };
    result e = run_main(&m, args);
    ck_assert_msg(e.status == 0, "%s", e.err);
    ck_assert_ptr_nonnull(strstr(e.out, "test: loss "));   /* after "test data: FILES" */
    ck_assert_str_eq(strstr(e.out, "test: loss "), report);
    free(report);
    result_free(&e);
}
END_TEST

/* DIR/curve.csv, whole: the wall times are in times.csv */
static char *run_curve(const char *dir)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    return slurp_len(path, NULL);
}

static char *weights_of(const char *name, size_t *len)
{
    char dir[1200], path[1300];
    out_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/weights", dir);
    return slurp_len(path, len);
}

START_TEST(same_seed_same_bytes)
{
    const char *names[] = { "seed-a", "seed-b", "seed-c" }, *seeds[] = { "11", "11", "12" };
    char *w[3], *curve[3], dir[1200];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
        result r = train(names[i], seeds[i], "3");
        ck_assert_msg(r.status == 0, "%s", r.err);
        result_free(&r);
        w[i] = weights_of(names[i], &len[i]);
        out_dir(dir, sizeof dir, names[i]);
        curve[i] = run_curve(dir);
    }
    ck_assert_uint_eq(len[0], 120);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w[0], w[1], len[0]);
    ck_assert_str_eq(curve[0], curve[1]);
    ck_assert_msg(memcmp(w[0], w[2], len[0]) != 0, "seeds 11 and 12 gave the same weights");
    ck_assert_str_ne(curve[0], curve[2]);
    ck_assert_ptr_nonnull(strstr(curve[0], "\n3,"));
    for (int i = 0; i < 3; i++) {
        free(w[i]);
        free(curve[i]);
    }
}
END_TEST

START_TEST(dropout_draws_change_nothing_else)
{
    /* a forward that draws from its generator while training (as dropout
     * does) but whose output does not depend on the draws: if dropout had
     * its own stream, shuffling and init see the same numbers and the
     * weights come out the same, byte for byte */
    char *w[2];
    size_t len[2];
    for (int run = 0; run < 2; run++) {
        draws_while_training = run;
        const char *name = run ? "dropout-1" : "dropout-0";
        result r = train(name, "5", "2");
        ck_assert_msg(r.status == 0, "%s", r.err);
        result_free(&r);
        w[run] = weights_of(name, &len[run]);
    }
    ck_assert_int_gt(draws, 0);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w[0], w[1], len[0]);
    free(w[0]);
    free(w[1]);
}
END_TEST

START_TEST(limit_applies_before_the_split)
{
    char dir[1200];
    out_dir(dir, sizeof dir, "limit");
    nnrt_model m = tiny_model();
    const char *args[] = { "train", "--limit", "50", "--epochs", "1", "--batch", "7",
                           "--out", dir, "--overwrite", NULL };
    result r = run_main(&m, args);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(starts_with(r.out, "tiny: 40 training samples, 10 validation, 90 test; "
                                     "batch 7, 6 steps per epoch;"),
                  "%s", r.out);
    /* 5 batches of 7 and the partial one of 5, trained on too */
    ck_assert_int_eq(rows_trained, 40);
    ck_assert_int_eq(training_calls, 6);
    ck_assert_int_eq(last_training_rows, 5);
    result_free(&r);
}
END_TEST

/* nnrt_main(args); its status and stderr must be as given */
static void expect_cli_error(const char *const *args, const char *expected_err)
{
    nnrt_model m = tiny_model();
    result r = run_main(&m, args);
    ck_assert_msg(r.status == 1, "status %d for %s", r.status, args[0]);
    ck_assert_str_eq(r.err, expected_err);
    ck_assert_msg(strstr(r.out, "test:") == NULL, "%s", r.out);
    result_free(&r);
}

#define HINT "run 'tiny --help' for the commands and their options\n"

START_TEST(bad_flags_are_named)
{
    expect_cli_error((const char *[]){ "train", "--epochs", "x", NULL },
                     "tiny: --epochs: expected a positive integer, got 'x'\n");
    expect_cli_error((const char *[]){ "train", "--epochs=0", NULL },
                     "tiny: --epochs: expected a positive integer, got '0'\n");
    expect_cli_error((const char *[]){ "train", "--epochs", "99999999999", NULL },
                     "tiny: --epochs: 99999999999 is too large (at most 1000000)\n");
    expect_cli_error((const char *[]){ "train", "--batch", "65", NULL },
                     "tiny: --batch: 65 is more than this trainer's buffers hold (64 rows); "
                     "change `batch` in tests/tiny.nn and rebuild for more\n");
    expect_cli_error((const char *[]){ "train", "--lr", "-0.1", NULL },
                     "tiny: --lr: expected a positive number, got '-0.1'\n");
    expect_cli_error((const char *[]){ "train", "--lr", "0.1x", NULL },
                     "tiny: --lr: expected a positive number, got '0.1x'\n");
    expect_cli_error((const char *[]){ "train", "--seed", "-1", NULL },
                     "tiny: --seed: expected an integer from 0 to 18446744073709551615, "
                     "got '-1'\n");
    expect_cli_error((const char *[]){ "train", "--limit", NULL },
                     "tiny: --limit: missing value\n" HINT);
    expect_cli_error((const char *[]){ "train", "--bogus", "1", NULL },
                     "tiny: train: unknown option '--bogus'\n" HINT);
    expect_cli_error((const char *[]){ "eval", "--epochs", "1", NULL },
                     "tiny: eval: unknown option '--epochs'\n" HINT);
    expect_cli_error((const char *[]){ "gradcheck", "--samples", "0", NULL },
                     "tiny: --samples: expected a positive integer, got '0'\n");
    expect_cli_error((const char *[]){ "fly", NULL }, "tiny: unknown command 'fly'\n" HINT);
}
END_TEST

START_TEST(data_and_weights_errors_say_error)
{
    char missing[1100];
    path_in(missing, sizeof missing, "missing.weights");
    nnrt_model m = tiny_model();
    result r = run_main(&m, (const char *[]){ "eval", "--weights", missing, NULL });
    ck_assert_int_eq(r.status, 1);
    char want[1400];
    snprintf(want, sizeof want, "tiny: error: %s: cannot open: No such file or directory\n",
             missing);
    ck_assert_str_eq(r.err, want);
    result_free(&r);

    /* a test labels file that is not there: nothing is trained */
    snprintf(test_labels, sizeof test_labels, "%s/nowhere-labels.idx", fixture_dir());
    m = tiny_model();
    char dir[1200];
    out_dir(dir, sizeof dir, "no-data");
    r = run_main(&m, (const char *[]){ "train", "--out", dir, NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strncmp(r.err, "tiny: error: ", 13) == 0 && strstr(r.err, "nowhere-labels.idx"),
                  "%s", r.err);
    ck_assert_str_eq(r.out, "");
    ck_assert(!exists(dir));   /* no run folder for a run that never started */
    result_free(&r);
}
END_TEST

/* The rows of runs/NAME/curve.csv: loss and val_loss of epochs 1..n */
static void curve_losses(const char *name, int n, double *loss, double *val_loss)
{
    char dir[1200], path[1300];
    out_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *text = slurp_len(path, NULL);
    const char *row = strchr(text, '\n');
    for (int e = 0; e < n; e++) {
        int epoch;
        double acc;
        ck_assert_msg(row && sscanf(row, "\n%d,%lf,%lf,%lf,", &epoch, &loss[e], &acc,
                                    &val_loss[e]) == 4 && epoch == e + 1,
                      "row %d of %s:\n%s", e + 1, path, text);
        row = strchr(row + 1, '\n');
    }
    free(text);
}

START_TEST(penalty_is_added_to_every_reported_loss)
{
    /* a penalty of constant 0.25 has no gradient: training runs exactly as
     * without it, and every loss it reports is 0.25 higher */
    nnrt_model plain = tiny_model(), penalized = tiny_model();
    penalized.penalty = tiny_penalty;
    penalty_offset = 0.25;
    result a = train_model(&plain, "penalty-0", "4", "2", NULL);
    result b = train_model(&penalized, "penalty-1", "4", "2", NULL);
    ck_assert_msg(a.status == 0 && b.status == 0, "%s%s", a.err, b.err);
    double loss[2][2], val[2][2];
    curve_losses("penalty-0", 2, loss[0], val[0]);
    curve_losses("penalty-1", 2, loss[1], val[1]);
    for (int e = 0; e < 2; e++) {
        ck_assert_double_eq_tol(loss[1][e] - loss[0][e], 0.25, 2e-6);
        ck_assert_double_eq_tol(val[1][e] - val[0][e], 0.25, 2e-6);
    }
    double test_a, test_b;
    ck_assert_double_eq(test_line(a.out, &test_a), test_line(b.out, &test_b));
    ck_assert_double_eq_tol(test_b - test_a, 0.25, 1.5e-4);
    size_t len[2];
    char *w0 = weights_of("penalty-0", &len[0]), *w1 = weights_of("penalty-1", &len[1]);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w0, w1, len[0]);
    free(w0);
    free(w1);
    result_free(&a);
    result_free(&b);

    /* eval reports it too */
    char dir[1200];
    out_dir(dir, sizeof dir, "penalty-1");
    result e = run_main(&penalized, (const char *[]){ "eval", "--out", dir, NULL });
    ck_assert_msg(e.status == 0, "%s", e.err);
    double eval_loss, eval_acc;
    const char *test_line = strstr(e.out, "test: loss ");
    ck_assert_ptr_nonnull(test_line);
    ck_assert_int_eq(sscanf(test_line, "test: loss %lf accuracy %lf\n", &eval_loss, &eval_acc), 2);
    ck_assert_double_eq(eval_loss, test_b);
    result_free(&e);
}
END_TEST

START_TEST(plateau_lowers_the_rate_in_train_and_says_so)
{
    /* at lr 1e-9 nothing moves: epoch 1 sets the best, 2 and 3 do not beat
     * it, so with patience 2 the rate halves after epoch 3, and again after 5 */
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_PLATEAU, .factor = 0.5f, .patience = 2 };
    for (int split = 0; split < 2; split++) {
        m.validation = split ? 0.2 : 0;   /* without a split, the training loss is watched */
        result r = train_model(&m, "plateau", "3", "5", "1e-9");
        ck_assert_msg(r.status == 0, "%s", r.err);
        const char *at3 = strstr(r.out, "\nepoch 3/5  loss ");
        const char *at5 = strstr(r.out, "\nepoch 5/5  loss ");
        ck_assert_msg(at3 && at5, "%s", r.out);
        ck_assert_msg(starts_with(strchr(at3 + 1, '\n'), "\nepoch 3: learning rate 1e-09 -> 5e-10\n"
                                                         "epoch 4/5  loss "),
                      "%s", r.out);
        /* then the diagnosis (report.c), then the test line */
        ck_assert_msg(starts_with(strchr(at5 + 1, '\n'), "\nepoch 5: learning rate 5e-10 -> "
                                                         "2.5e-10\nbest epoch: "),
                      "%s", r.out);
        int changes = 0;
        /* ": learning rate": the diagnosis's advice may name it too */
        for (const char *c = r.out; (c = strstr(c, ": learning rate ")); c++)
            changes++;
        ck_assert_int_eq(changes, 2);
        result_free(&r);
    }
    /* while the loss falls, nothing changes */
    m.validation = 0.2;
    result r = train_model(&m, "plateau-learning", "3", "4", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, ": learning rate ") == NULL, "%s", r.out);
    result_free(&r);
}
END_TEST

START_TEST(step_schedule_applies_per_epoch_in_train)
{
    /* factor 1e-30 every epoch: the first epoch trains, later ones cannot
     * move a weight, so val_loss stays where epoch 1 left it */
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_STEP, .factor = 1e-30f, .every = 1 };
    result r = train_model(&m, "step-schedule", "6", "3", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    result_free(&r);
    double loss[3], val[3];
    curve_losses("step-schedule", 3, loss, val);
    ck_assert_double_eq(val[1], val[0]);
    ck_assert_double_eq(val[2], val[0]);
    /* the same without the schedule keeps learning */
    r = train("step-none", "6", "3");
    ck_assert_msg(r.status == 0, "%s", r.err);
    result_free(&r);
    double loss2[3], val2[3];
    curve_losses("step-none", 3, loss2, val2);
    ck_assert_double_eq(val2[0], val[0]);   /* epoch 1 is the same run */
    ck_assert_double_ne(val2[2], val2[0]);
}
END_TEST

/* `steps ARGS...` on m; the losses printed (at most 16) in losses, their
 * count returned.  Fails unless it succeeds with nothing but step lines. */
static int steps_losses(const nnrt_model *m, const char *const *args, double *losses)
{
    const char *argv[16] = { "steps" };
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    result r = run_main(m, argv);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_str_eq(r.err, "");
    int count = 0;
    for (const char *line = r.out; *line; line = strchr(line, '\n') + 1) {
        int step, used = 0;
        ck_assert_msg(count < 16, "%s", r.out);
        ck_assert_msg(sscanf(line, "step %d loss %lf\n%n", &step, &losses[count], &used) == 2 &&
                          used > 0 && step == count + 1,
                      "line %d of:\n%s", count + 1, r.out);
        char printed[64];   /* exactly 6 decimals */
        int len = snprintf(printed, sizeof printed, "step %d loss %.6f\n", step, losses[count]);
        ck_assert_msg(strncmp(line, printed, (size_t)len) == 0, "%s", r.out);
        count++;
    }
    result_free(&r);
    return count;
}

START_TEST(steps_runs_batches_in_file_order)
{
    /* with an L2 penalty, so the losses and the updates both include it */
    nnrt_model m = tiny_model();
    m.penalty = tiny_penalty;
    l2 = 0.01;
    char start[1100];
    path_in(start, sizeof start, "steps-start.weights");
    unlink(start);
    double got[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", "--weights-out", start, NULL }, got),
                     3);

    /* the weights saved are the seed's (the model's seed, 1), before any update */
    nnrt_error err;
    ck_assert_msg(nnrt_weights_load(&m, start, &err) == 0, "%s", err.msg);
    float w0[IN * K];
    memcpy(w0, W, sizeof W);
    nnrt_rng init;
    nnrt_rng_stream(&init, 1, NNRT_STREAM_INIT);
    nnrt_params_init(&m, &init);
    ck_assert_mem_eq(w0, W, sizeof W);

    /* the same by hand: samples 16k .. 16k+15 of the training part, loss
     * (mean + penalty) before each update */
    nnrt_dataset all = load_train(), train_part, val;
    nnrt_dataset_split(&all, m.validation, &train_part, &val);
    int order[3 * BATCH], y[BATCH];
    for (int i = 0; i < 3 * BATCH; i++)
        order[i] = i;
    nnrt_optim_state st;
    ck_assert_int_eq(nnrt_optim_init(&st, &m, m.optimizer), 0);
    for (int k = 0; k < 3; k++) {
        nnrt_batch_fill(&train_part, order, k * BATCH, BATCH, m.scale, x, y);
        tiny_forward(BATCH, 1, NULL);
        double want = tiny_loss(BATCH, y) / BATCH + tiny_penalty();
        ck_assert_msg(fabs(got[k] - want) <= 6e-7, "step %d: printed %.6f, by hand %.6f", k + 1,
                      got[k], want);
        tiny_backward(BATCH);
        nnrt_optim_step(&st, &m);
    }
    nnrt_optim_free(&st);
    nnrt_dataset_free(&all);

    /* --weights-in starts from the file whatever the seed; --seed alone
     * moves the start; --lr changes step 2 on, never step 1 */
    double again[16], seeded[16], faster[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", "--weights-in", start, "--seed", "7",
                                                        NULL }, again), 3);
    ck_assert_mem_eq(again, got, 3 * sizeof *got);
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "1", "--seed", "7", NULL }, seeded), 1);
    ck_assert_double_ne(seeded[0], got[0]);
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--lr=0.5", NULL }, faster), 2);
    ck_assert_double_eq(faster[0], got[0]);
    ck_assert_double_ne(faster[1], got[1]);
    /* a batch of 1: the first sample alone */
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--batch", "1", NULL }, faster), 2);
    ck_assert_double_ne(faster[0], got[0]);
}
END_TEST

START_TEST(steps_follows_the_schedule_per_update)
{
    /* exponential, factor 1e-30 per update: update 1 at the full rate,
     * update 2 at ~0.  So the loss before update 3 is the one before
     * update 2 would be with update 2 left out: steps 1, 2 agree with a
     * constant rate, step 3 does not. */
    nnrt_model m = tiny_model();
    double constant[16], decayed[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", NULL }, constant), 3);
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_EXPONENTIAL, .factor = 1e-30f,
                                  .every = 1 };
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", NULL }, decayed), 3);
    ck_assert_double_eq(decayed[0], constant[0]);
    ck_assert_double_eq(decayed[1], constant[1]);
    ck_assert_double_ne(decayed[2], constant[2]);
}
END_TEST

START_TEST(steps_errors_are_named)
{
    expect_cli_error((const char *[]){ "steps", NULL },
                     "tiny: steps: missing the number of steps (steps N [OPTIONS])\n" HINT);
    expect_cli_error((const char *[]){ "steps", "--lr", "0.1", NULL },
                     "tiny: steps: missing the number of steps (steps N [OPTIONS])\n" HINT);
    expect_cli_error((const char *[]){ "steps", "x", NULL },
                     "tiny: steps: expected a positive integer, got 'x'\n");
    expect_cli_error((const char *[]){ "steps", "2", "--epochs", "1", NULL },
                     "tiny: steps: unknown option '--epochs'\n" HINT);
    expect_cli_error((const char *[]){ "steps", "2", "--batch", "65", NULL },
                     "tiny: --batch: 65 is more than this trainer's buffers hold (64 rows); "
                     "change `batch` in tests/tiny.nn and rebuild for more\n");
    /* 240 training samples after the split: 15 batches of 16, not 16 */
    char want[1600];
    snprintf(want, sizeof want,
             "tiny: error: %s: 16 steps of batch 16 need 256 training samples; there are 240 "
             "(after holding out validation 20%%)\n",
             train_images);
    expect_cli_error((const char *[]){ "steps", "16", NULL }, want);
    double losses[16];
    nnrt_model m = tiny_model();
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "15", NULL }, losses), 15);
    char missing[1100];
    path_in(missing, sizeof missing, "no-such-start.weights");
    result r = run_main(&m, (const char *[]){ "steps", "1", "--weights-in", missing, NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such-start.weights: cannot open: No such file"));
    ck_assert_str_eq(r.out, "");
    result_free(&r);
}
END_TEST

START_TEST(a_bad_schedule_is_an_internal_error)
{
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_STEP, .factor = 0.5f, .every = 0 };
    result r = run_main(&m, (const char *[]){ "train", NULL });
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "tiny: internal error: bad model description: schedule every < 1\n");
    result_free(&r);
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_PLATEAU, .factor = 1, .patience = 3 };
    r = run_main(&m, (const char *[]){ "train", NULL });
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "tiny: internal error: bad model description: plateau factor "
                            "outside (0, 1)\n");
    result_free(&r);
}
END_TEST

START_TEST(help_version_and_gradcheck_commands)
{
    nnrt_model m = tiny_model();
    result r = run_main(&m, (const char *[]){ "--version", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "tiny: nnc 0.1.0, runtime " NNRT_VERSION
                            ", from tests/tiny.nn (model hash 0123456789abcdef)\n");
    result_free(&r);
    r = run_main(&m, (const char *[]){ "--help", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: tiny COMMAND [OPTIONS]"));
    ck_assert_ptr_nonnull(strstr(r.out, "--batch N    samples per update, 1 to 64 (default 16)"));
    ck_assert_ptr_nonnull(strstr(r.out, "(default runs/tiny)"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n  steps N      N updates on the first N*batch training "
                                        "samples in file order\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "    --weights-out F  save the starting weights there, "
                                        "before any update\n"));
    result_free(&r);
    r = run_main(&m, (const char *[]){ "train", "--help", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: tiny"));
    result_free(&r);
    r = run_main(&m, (const char *[]){ NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "usage: tiny"));
    result_free(&r);

    r = run_main(&m, (const char *[]){ "gradcheck", "--seed", "5", NULL });
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "dense1.w  checked 12  worst relative error "));
    ck_assert_ptr_nonnull(strstr(r.out, "\ngradcheck: ok\n"));
    result_free(&r);
    bug = BUG_BIAS_SIGN;
    r = run_main(&m, (const char *[]){ "gradcheck", NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "\ngradcheck: FAILED ("));
    result_free(&r);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "reexec-probe") == 0) {
        /* started by blas_core_reexecs_once_with_the_core_set: say how, and
         * show that a second check does not exec again */
        const char *core = getenv("OPENBLAS_CORETYPE");
        if (getenv("NNRT_TEST_PROBED")) {
            printf("probe: started twice: the re-exec loops\n");
            return 4;
        }
        setenv("NNRT_TEST_PROBED", "1", 1);
        nnrt_blas_core_apply("tiny", argv, "Prescott", "Haswell");
        printf("probe: OPENBLAS_CORETYPE=%s, still running\n", core ? core : "(unset)");
        return 0;
    }
    self_exe = argv[0];
    /* nnrt_main checks OpenBLAS's core and may re-exec; the runs below must
     * stay in this process, so the core it has is declared the chosen one */
    setenv("OPENBLAS_CORETYPE", openblas_get_corename(), 1);

    Suite *s = suite_create("runtime");
    TCase *unit = tcase_create("unit");
    tcase_add_checked_fixture(unit, setup, NULL);
    tcase_add_test(unit, count_correct_takes_the_first_maximum);
    tcase_add_test(unit, sgd_two_steps_by_hand);
    tcase_add_test(unit, adam_two_steps_by_hand);
    tcase_add_test(unit, adam_state_starts_at_zero_and_is_per_optimizer);
    tcase_add_test(unit, every_optimizer_follows_its_formula);
    tcase_add_test(unit, momentum_and_nesterov_by_hand);
    tcase_add_test(unit, adagrad_rmsprop_adadelta_adamw_by_hand);
    tcase_add_test(unit, optimizer_state_is_what_each_kind_needs);
    tcase_add_test(unit, schedules_follow_their_formulas);
    tcase_add_test(unit, plateau_reduces_after_patience_epochs_without_improvement);
    tcase_add_test(unit, he_normal_is_truncated_with_the_keras_std);
    tcase_add_test(unit, he_uniform_and_glorot_uniform_bounds);
    tcase_add_test(unit, glorot_and_lecun_normal_are_truncated_with_the_keras_std);
    tcase_add_test(unit, lecun_uniform_bounds);
    tcase_add_test(unit, normal_and_uniform_take_their_scale);
    tcase_add_test(unit, zeros_are_zeros);
    tcase_add_test(unit, init_is_deterministic_and_in_table_order);
    tcase_add_test(unit, seed_streams_are_distinct_and_repeatable);
    tcase_add_test(unit, weights_round_trip_byte_exact);
    tcase_add_test(unit, weights_load_errors_name_the_byte_and_load_nothing);
    tcase_add_test(unit, save_failure_is_reported_and_leaves_the_old_file);
    tcase_add_test(unit, curve_csv_is_rewritten_whole);
    tcase_add_test(unit, progress_lines_plain_and_on_a_terminal);
    tcase_add_test(unit, gradcheck_passes_a_right_backward);
    tcase_add_test(unit, gradcheck_fails_a_wrong_backward);
    tcase_add_test(unit, gradcheck_takes_the_clean_side_of_a_kink);
    tcase_add_test(unit, gradcheck_includes_the_penalty);
    tcase_add_test(unit, denormals_are_flushed_to_zero);
    tcase_add_test(unit, blas_core_fix_only_upgrades_known_cores);
    tcase_add_test(unit, blas_core_reexecs_once_with_the_core_set);
    suite_add_tcase(s, unit);

    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_checked_fixture(runs, setup, NULL);
    tcase_add_test(runs, training_learns_and_logs_every_epoch);
    tcase_add_test(runs, same_seed_same_bytes);
    tcase_add_test(runs, dropout_draws_change_nothing_else);
    tcase_add_test(runs, limit_applies_before_the_split);
    tcase_add_test(runs, bad_flags_are_named);
    tcase_add_test(runs, data_and_weights_errors_say_error);
    tcase_add_test(runs, help_version_and_gradcheck_commands);
    tcase_add_test(runs, penalty_is_added_to_every_reported_loss);
    tcase_add_test(runs, plateau_lowers_the_rate_in_train_and_says_so);
    tcase_add_test(runs, step_schedule_applies_per_epoch_in_train);
    tcase_add_test(runs, steps_runs_batches_in_file_order);
    tcase_add_test(runs, steps_follows_the_schedule_per_update);
    tcase_add_test(runs, steps_errors_are_named);
    tcase_add_test(runs, a_bad_schedule_is_an_internal_error);
    suite_add_tcase(s, runs);

    return run_suite(s);
}
