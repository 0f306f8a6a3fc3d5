/* tiny_model.h: a model written by hand, as nnc would emit it, for the
 * suites of the runtime's training side (test_init.c, test_weights.c,
 * test_gradcheck.c, test_loop.c, test_cli.c).
 *
 * Softmax regression, 4 inputs (a 2x2 image) to 3 classes, with static
 * buffers, an optional L2 penalty, a kink and deliberate mistakes to turn
 * on; IDX files it learns from, which setup() writes in the suite's
 * fixture_dir() (suite.h: each suite defines SUITE_DIR before including
 * this); and nnrt_main run on it with its output caught. */
#ifndef TINY_MODEL_H
#define TINY_MODEL_H

#ifndef SUITE_DIR
#error "define SUITE_DIR, the suite's folder under $NNC_TMP, before including tiny_model.h"
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nnrt_internal.h"
#include "trainer_util.h"

/* ---- the model: x (n, IN) -> z = x W + b -> p = softmax(z) -------------
 * (with relu_logits set, p = softmax(relu(z)): a kink for gradcheck) */

enum { IN = 4, K = 3, MAX_BATCH = 64, BATCH = 16 };

static float W[IN * K], b[K];   /* parameters, shared */

/* What one replica owns (nnrt.h: nnrt_replica) */
struct nnrt_replica {
    float x[MAX_BATCH * IN];
    float z[MAX_BATCH * K], a[MAX_BATCH * K], p[MAX_BATCH * K], da[MAX_BATCH * K];
    float dW[IN * K], db[K];
};
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
static inline void tiny_forward(nnrt_replica *rep, int n, int training, nnrt_rng *rng)
{
    for (int r = 0; r < n; r++) {
        float max = -INFINITY, sum = 0;
        for (int k = 0; k < K; k++) {
            float s = b[k];
            for (int i = 0; i < IN; i++)
                s += rep->x[r * IN + i] * W[i * K + k];
            rep->z[r * K + k] = s;
            rep->a[r * K + k] = relu_logits && s < 0 ? 0 : s;
            max = rep->a[r * K + k] > max ? rep->a[r * K + k] : max;
        }
        for (int k = 0; k < K; k++)
            sum += rep->p[r * K + k] = expf(rep->a[r * K + k] - max);
        for (int k = 0; k < K; k++)
            rep->p[r * K + k] /= sum;
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
static inline double tiny_loss(nnrt_replica *rep, int n, const int *y)
{
    double total = 0;
    for (int r = 0; r < n; r++) {
        double max = rep->a[r * K], sum = 0;
        for (int k = 1; k < K; k++)
            max = rep->a[r * K + k] > max ? rep->a[r * K + k] : max;
        for (int k = 0; k < K; k++)
            sum += exp(rep->a[r * K + k] - max);
        total += log(sum) + max - rep->a[r * K + y[r]];
        for (int k = 0; k < K; k++)
            rep->da[r * K + k] = (rep->p[r * K + k] - (k == y[r])) / n;
    }
    return total;
}

static inline double tiny_penalty(void)
{
    double sum = 0;
    for (int i = 0; i < IN * K; i++)
        sum += (double)W[i] * W[i];
    return l2 * sum + penalty_offset;
}

/* dz = da (times relu'(z)); dW = x^T dz (+ 2 l2 W, the penalty's),
 * db = column sums of dz */
static inline void tiny_backward(nnrt_replica *rep, int n)
{
    memset(rep->dW, 0, sizeof rep->dW);
    memset(rep->db, 0, sizeof rep->db);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < K; k++) {
            float dz = relu_logits && rep->z[r * K + k] <= 0 ? 0 : rep->da[r * K + k];
            for (int i = 0; i < IN; i++)
                rep->dW[i * K + k] += rep->x[r * IN + i] * dz;
            rep->db[k] += dz;
        }
    if (bug != BUG_NO_PENALTY_GRADIENT)
        for (int i = 0; i < IN * K; i++)
            rep->dW[i] += (float)(2 * l2 * W[i]);
    if (bug == BUG_WEIGHTS_TWICE)
        for (int i = 0; i < IN * K; i++)
            rep->dW[i] *= 2;
    if (bug == BUG_BIAS_SIGN)
        for (int k = 0; k < K; k++)
            rep->db[k] = -rep->db[k];
}

static const nnrt_param PARAMS[] = {
    { .name = "dense1.w", .ndims = 2, .dims = { IN, K }, .size = IN * K, .value = W, .grad = offsetof(nnrt_replica, dW),
      .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN, .fan_out = K },
    { .name = "dense1.b", .ndims = 1, .dims = { K }, .size = K, .value = b, .grad = offsetof(nnrt_replica, db),
      .init = NNRT_INIT_ZEROS, .fan_in = IN, .fan_out = K },
};

static char train_images[1024], train_labels[1024], test_images[1024], test_labels[1024];

static inline nnrt_model tiny_model(void)
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
        .replica_size = sizeof(nnrt_replica),
        .input_at = offsetof(nnrt_replica, x),
        .output_at = offsetof(nnrt_replica, p),
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
static inline void make_samples(uint8_t *pixels, uint8_t *labels, int n, uint32_t seed)
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

/* The IDX files the model reads, by absolute path: the model names its
 * data files so, and nnrt_data_path takes such paths as they are. */
static inline void write_fixtures(void)
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

/* Before each test: no mistakes, no penalty, counters at zero, fresh files. */
static inline void setup(void)
{
    bug = BUG_NONE;
    relu_logits = 0;
    draws_while_training = 0;
    rows_trained = training_calls = last_training_rows = 0;
    draws = 0;
    l2 = penalty_offset = 0;
    write_fixtures();
}

/* ---- helpers ----------------------------------------------------------- */

static inline int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The fixtures' training set, loaded */
static inline nnrt_dataset load_train(void)
{
    nnrt_dataset ds;
    nnrt_error err;
    ck_assert_msg(nnrt_dataset_load(train_images, train_labels, IN, K, &ds, &err) == 0, "%s",
                  err.msg);
    return ds;
}

/* ---- nnrt_main with stdout and stderr captured -------------------------- */

/* nnrt_main(model, {"tiny", args...}); args end with NULL */
static inline result run_main(const nnrt_model *m, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"tiny";
    for (; args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    return run_main_captured(m, argc, argv, fixture_dir());
}

/* DIR for a run called name: runs/NAME in the fixtures' folder */
static inline void out_dir(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/runs/%s", fixture_dir(), name);
}

/* nnrt_main(args); its status and stderr must be as given */
static inline void expect_cli_error(const char *const *args, const char *expected_err)
{
    nnrt_model m = tiny_model();
    result r = run_main(&m, args);
    ck_assert_msg(r.status == 1, "status %d for %s", r.status, args[0]);
    ck_assert_str_eq(r.err, expected_err);
    ck_assert_msg(strstr(r.out, "test:") == NULL, "%s", r.out);
    result_free(&r);
}

#define HINT "run 'tiny --help' for the commands and their options\n"

/* `steps ARGS...` on m; the losses printed (at most 16) in losses, their
 * count returned.  Fails unless it succeeds with nothing but step lines. */
static inline int steps_losses(const nnrt_model *m, const char *const *args, double *losses)
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

#endif
