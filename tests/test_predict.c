/* test_predict.c: state tensors, gradcheck in training mode, and the
 * trainer's `predict` command.
 *
 * Two halves.  At the runtime level, a model written by hand whose forward
 * does what batchnorm and dropout do to the runtime: in training mode it
 * drops inputs with a mask drawn from its generator and centres them on the
 * batch's mean, moving a state tensor (grad NULL) towards that mean; in
 * inference mode it centres on the state.  Against it: the optimizers leave
 * the state alone, init fills it, weight files carry it, gradcheck runs in
 * training mode (and fails a backward that ignores the mask or uses the
 * moving mean), and predict uses the loaded state.  End to end, a small
 * dense model built by nnc: `predict --csv` against a forward computed here
 * from the weights file (`steps 0 --weights-out` for a seed's, `train` for
 * trained ones), its determinism, the readable form, and every bad flag. */
#include <check.h>

#define SUITE_DIR "predict"   /* fixture_dir(): $NNC_TMP/predict, absolute */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "suite.h"
#include "trainer_util.h"

/* ---- a weights file, read as docs/weights.md describes it ------------------ */

enum { MAX_TENSORS = 8 };

typedef struct tensor {
    char name[64];
    int ndims, dims[4], size;
    float *values;
} tensor;

typedef struct weights {
    int n;
    tensor t[MAX_TENSORS];
} weights;

static weights read_weights(const char *path)
{
    size_t len = file_size(path), pos = 12;
    unsigned char *data = (unsigned char *)slurp(path);
    weights w = { 0 };
    ck_assert_uint_ge(len, 12);
    ck_assert_int_eq(memcmp(data, "NNCW", 4), 0);
    ck_assert_uint_eq(get_le32(data + 4), 3);   /* version 3: a CRC-32 closes the file */
    w.n = (int)get_le32(data + 8);
    ck_assert_int_le(w.n, MAX_TENSORS);
    for (int k = 0; k < w.n; k++) {
        tensor *t = &w.t[k];
        uint32_t name_len = get_le32(data + pos);
        ck_assert_uint_lt(name_len, sizeof t->name);
        memcpy(t->name, data + pos + 4, name_len);
        pos += 4 + name_len;
        t->ndims = (int)get_le32(data + pos);
        pos += 4;
        t->size = 1;
        for (int d = 0; d < t->ndims; d++, pos += 4)
            t->size *= t->dims[d] = (int)get_le32(data + pos);
        t->values = malloc((size_t)t->size * sizeof *t->values);
        for (int i = 0; i < t->size; i++, pos += 4) {
            uint32_t bits = get_le32(data + pos);
            memcpy(&t->values[i], &bits, 4);
        }
    }
    ck_assert_uint_eq(pos + 4, len);   /* the CRC-32 closes the file */
    free(data);
    return w;
}

static const tensor *tensor_named(const weights *w, const char *name)
{
    for (int k = 0; k < w->n; k++)
        if (strcmp(w->t[k].name, name) == 0)
            return &w->t[k];
    ck_abort_msg("no tensor '%s' in the weights file", name);
    return NULL;
}

static void weights_free(weights *w)
{
    for (int k = 0; k < w->n; k++)
        free(w->t[k].values);
}

/* ---- the hand-written model ---------------------------------------------------
 * x is (n, IN).  Training: u = x * mask (each entry 0 or 2, drawn: dropout
 * at 0.5), mu = the mean of u over the rows, c = u - mu, and moving =
 * 0.9 moving + 0.1 mu.  Inference: c = x - moving.  Then z = c W + b and
 * p = softmax(z); W is (IN, K), b and the loss as in a dense softmax layer. */

enum { IN = 4, K = 3, MAX_BATCH = 16, BATCH = 4 };

static float W[IN * K], b[K], moving[IN];
struct nnrt_replica {
    float x[MAX_BATCH * IN], c[MAX_BATCH * IN];
    float p[MAX_BATCH * K], dz[MAX_BATCH * K];
    float dW[IN * K], db[K];
};
static long training_forwards;

/* Backward mistakes a gradcheck in inference mode would not see. */
static enum { RIGHT, BUG_IGNORES_MASK, BUG_USES_MOVING_MEAN } bug;

static void batch_centre(nnrt_replica *rep, int n, nnrt_rng *rng)
{
    for (int i = 0; i < IN; i++) {
        double mu = 0;
        for (int r = 0; r < n; r++) {
            float u = nnrt_rng_uniform(rng) < 0.5f ? 0.0f : 2.0f * rep->x[r * IN + i];
            rep->c[r * IN + i] = u;
            mu += u;
        }
        mu /= n;
        for (int r = 0; r < n; r++)
            rep->c[r * IN + i] -= (float)mu;
        moving[i] = 0.9f * moving[i] + 0.1f * (float)mu;
    }
}

static void centre_forward(nnrt_replica *rep, int n, int training, nnrt_rng *rng)
{
    if (training) {
        training_forwards++;
        batch_centre(rep, n, rng);
    } else {
        for (int r = 0; r < n; r++)
            for (int i = 0; i < IN; i++)
                rep->c[r * IN + i] = rep->x[r * IN + i] - moving[i];
    }
    for (int r = 0; r < n; r++) {
        float z[K], max = -INFINITY, sum = 0;
        for (int k = 0; k < K; k++) {
            z[k] = b[k];
            for (int i = 0; i < IN; i++)
                z[k] += rep->c[r * IN + i] * W[i * K + k];
            max = z[k] > max ? z[k] : max;
        }
        for (int k = 0; k < K; k++)
            sum += rep->p[r * K + k] = expf(z[k] - max);
        for (int k = 0; k < K; k++)
            rep->p[r * K + k] /= sum;
    }
}

/* sum over rows of -log rep->p[y]; rep->dz = (rep->p - onehot(y)) / n */
static double centre_loss(nnrt_replica *rep, int n, const int *y)
{
    double total = 0;
    for (int r = 0; r < n; r++) {
        total -= log((double)rep->p[r * K + y[r]]);
        for (int k = 0; k < K; k++)
            rep->dz[r * K + k] = (rep->p[r * K + k] - (k == y[r])) / n;
    }
    return total;
}

/* What backward multiplies rep->dz by: rep->c, or a mistaken stand-in for it. */
static float centred_input(nnrt_replica *rep, int n, int r, int i)
{
    if (bug == RIGHT)
        return rep->c[r * IN + i];
    if (bug == BUG_USES_MOVING_MEAN)
        return rep->x[r * IN + i] - moving[i];
    float mean = 0;   /* BUG_IGNORES_MASK: the batch mean of rep->x, no mask */
    for (int s = 0; s < n; s++)
        mean += rep->x[s * IN + i] / n;
    return rep->x[r * IN + i] - mean;
}

/* rep->dW = rep->c^T rep->dz, rep->db = column sums of dz (rep->c does not depend on W or b) */
static void centre_backward(nnrt_replica *rep, int n)
{
    memset(rep->dW, 0, sizeof rep->dW);
    memset(rep->db, 0, sizeof rep->db);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < K; k++) {
            rep->db[k] += rep->dz[r * K + k];
            for (int i = 0; i < IN; i++)
                rep->dW[i * K + k] += centred_input(rep, n, r, i) * rep->dz[r * K + k];
        }
}

/* the state between the two parameters, so that skipping it shifts nothing */
static const nnrt_param PARAMS[] = {
    { .name = "dense.w", .ndims = 2, .dims = { IN, K }, .size = IN * K, .value = W, .grad = offsetof(nnrt_replica, dW),
      .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN, .fan_out = K },
    { .name = "centre.moving", .ndims = 1, .dims = { IN }, .size = IN, .value = moving, .grad = 0,
      .init = NNRT_INIT_ONES, .fan_in = 0, .fan_out = 0 },
    { .name = "dense.b", .ndims = 1, .dims = { K }, .size = K, .value = b, .grad = offsetof(nnrt_replica, db),
      .init = NNRT_INIT_ZEROS, .fan_in = IN, .fan_out = K },
};
enum { STATE = 1 };

static char train_images[1024], train_labels[1024], test_images[1024], test_labels[1024];

static nnrt_model centre_model(void)
{
    return (nnrt_model){
        .name = "centre",
        .source = "tests/centre.nn",
        .model_hash = "00",
        .nnc_version = "0.1.0",
        .train_images = train_images,
        .train_labels = train_labels,
        .test_images = test_images,
        .test_labels = test_labels,
        .scale = 1.0f / 255,
        .in_size = IN,
        .n_classes = K,
        .batch = BATCH,
        .max_batch = MAX_BATCH,
        .replica_size = sizeof(nnrt_replica),
        .input_at = offsetof(nnrt_replica, x),
        .output_at = offsetof(nnrt_replica, p),
        .epochs = 1,
        .seed = 1,
        .optimizer = { .kind = NNRT_OPT_SGD, .lr = 0.1f },
        .n_params = 3,
        .params = PARAMS,
        .forward = centre_forward,
        .loss = centre_loss,
        .backward = centre_backward,
    };
}

enum { N_TRAIN = 32, N_TEST = 20 };

/* pixel i of sample s: some spread of values; labels 0, 1, 2 in turn */
static void make_samples(uint8_t *pixels, uint8_t *labels, int n, uint32_t seed)
{
    for (int s = 0; s < n; s++) {
        labels[s] = (uint8_t)(s % K);
        for (int i = 0; i < IN; i++) {
            seed = seed * 1664525u + 1013904223u;
            pixels[s * IN + i] = (uint8_t)(seed >> 24);
        }
    }
}

static void setup(void)
{
    bug = RIGHT;
    training_forwards = 0;
    uint8_t pixels[N_TRAIN * IN], labels[N_TRAIN];
    snprintf(train_images, sizeof train_images, "%s/centre-train-images.idx", fixture_dir());
    snprintf(train_labels, sizeof train_labels, "%s/centre-train-labels.idx", fixture_dir());
    snprintf(test_images, sizeof test_images, "%s/centre-test-images.idx", fixture_dir());
    snprintf(test_labels, sizeof test_labels, "%s/centre-test-labels.idx", fixture_dir());
    int idims[3] = { N_TRAIN, 2, 2 }, ldims[1] = { N_TRAIN };
    make_samples(pixels, labels, N_TRAIN, 5);
    write_idx(train_images, pixels, 3, idims);
    write_idx(train_labels, labels, 1, ldims);
    idims[0] = ldims[0] = N_TEST;
    make_samples(pixels, labels, N_TEST, 6);
    write_idx(test_images, pixels, 3, idims);
    write_idx(test_labels, labels, 1, ldims);
}

/* W, b and the state set to values that differ entry by entry */
static void distinct_values(void)
{
    for (int i = 0; i < IN * K; i++)
        W[i] = 0.25f * (float)(i % 5) - 0.5f;
    for (int k = 0; k < K; k++)
        b[k] = 0.1f * (float)k - 0.05f;
    for (int i = 0; i < IN; i++)
        moving[i] = 0.125f * (float)(i + 1);
}

/* ---- state tensors: optimizer, init, weight files ----------------------------- */

START_TEST(optimizers_leave_state_alone)
{
    const nnrt_optimizer_kind kinds[] = { NNRT_OPT_SGD,     NNRT_OPT_MOMENTUM, NNRT_OPT_NESTEROV,
                                          NNRT_OPT_ADAGRAD, NNRT_OPT_RMSPROP,  NNRT_OPT_ADAM,
                                          NNRT_OPT_ADAMW,   NNRT_OPT_ADADELTA };
    nnrt_model m = centre_model();
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        nnrt_optimizer o = { .kind = kinds[k], .lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f,
                             .epsilon = 1e-7f, .momentum = 0.9f, .rho = 0.9f,
                             .initial_accumulator = 0.1f, .weight_decay = 0.004f };
        nnrt_optim_state st;
        ck_assert_int_eq(nnrt_optim_init(&st, &m, o), 0);
        /* no buffers for the state; the parameters still get theirs */
        if (st.m1) {
            ck_assert_ptr_null(st.m1[STATE]);
            ck_assert_ptr_nonnull(st.m1[0]);
            ck_assert_ptr_nonnull(st.m1[2]);
        }
        if (st.m2)
            ck_assert_ptr_null(st.m2[STATE]);
        distinct_values();
        float w0[IN * K], b0[K], state0[IN];
        memcpy(w0, W, sizeof W);
        memcpy(b0, b, sizeof b);
        memcpy(state0, moving, sizeof moving);
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < IN * K; i++)
                nnrt_replica0(&m)->dW[i] = 0.3f * (float)(i % 3) - 0.2f;
            for (int j = 0; j < K; j++)
                nnrt_replica0(&m)->db[j] = 0.5f;
            nnrt_optim_step(&st, &m);
        }
        ck_assert_mem_eq(moving, state0, sizeof moving);
        ck_assert_msg(memcmp(W, w0, sizeof W) != 0 && memcmp(b, b0, sizeof b) != 0,
                      "optimizer %d updated no parameter", (int)kinds[k]);
        nnrt_optim_free(&st);
    }
}
END_TEST

START_TEST(init_fills_state_with_its_init_and_draws_nothing_for_it)
{
    nnrt_model m = centre_model();
    for (int i = 0; i < IN; i++)
        moving[i] = -7.0f;
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 11);
    nnrt_params_init(&m, &rng);
    for (int i = 0; i < IN; i++)
        ck_assert_float_eq(moving[i], 1.0f);
    for (int k = 0; k < K; k++)
        ck_assert_float_eq(b[k], 0.0f);
    /* the same table without the state gives the same W: ones draw nothing */
    float w_with[IN * K];
    memcpy(w_with, W, sizeof W);
    const nnrt_param without[] = { PARAMS[0], PARAMS[2] };
    m.params = without;
    m.n_params = 2;
    nnrt_rng_seed(&rng, 11);
    nnrt_params_init(&m, &rng);
    ck_assert_mem_eq(W, w_with, sizeof W);
}
END_TEST

START_TEST(weights_files_carry_state)
{
    nnrt_model m = centre_model();
    char path[1024];
    path_in(path, sizeof path, "centre.weights");
    distinct_values();
    float w0[IN * K], b0[K], state0[IN];
    memcpy(w0, W, sizeof W);
    memcpy(b0, b, sizeof b);
    memcpy(state0, moving, sizeof moving);
    nnrt_error err;
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);

    /* written like any tensor, in table order */
    weights w = read_weights(path);
    ck_assert_int_eq(w.n, 3);
    ck_assert_str_eq(w.t[1].name, "centre.moving");
    ck_assert_int_eq(w.t[1].ndims, 1);
    ck_assert_int_eq(w.t[1].dims[0], IN);
    ck_assert_mem_eq(w.t[1].values, state0, sizeof state0);
    weights_free(&w);

    /* and read back like one */
    memset(W, 0, sizeof W);
    memset(b, 0, sizeof b);
    memset(moving, 0, sizeof moving);
    ck_assert_msg(nnrt_weights_load(&m, path, &err) == 0, "%s", err.msg);
    ck_assert_mem_eq(W, w0, sizeof W);
    ck_assert_mem_eq(b, b0, sizeof b);
    ck_assert_mem_eq(moving, state0, sizeof moving);

    /* a file without the state does not load into a model with it */
    const nnrt_param without[] = { PARAMS[0], PARAMS[2] };
    nnrt_model bare = m;
    bare.params = without;
    bare.n_params = 2;
    char bare_path[1100];
    path_in(bare_path, sizeof bare_path, "bare.weights");
    ck_assert_msg(nnrt_weights_save(&bare, bare_path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(nnrt_weights_load(&m, bare_path, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "byte 8: 2 tensors; the model has 3"));
}
END_TEST

/* ---- gradcheck in training mode --------------------------------------------- */

/* nnrt_gradcheck of the centre model on its first 4 training samples, from
 * the weights seed 3 gives; the report in *report (malloc'ed). */
static int centre_gradcheck(char **report)
{
    nnrt_model m = centre_model();
    nnrt_dataset ds;
    nnrt_error err;
    ck_assert_msg(nnrt_dataset_load(train_images, train_labels, IN, K, &ds, &err) == 0, "%s",
                  err.msg);
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 3);
    nnrt_params_init(&m, &rng);
    for (int k = 0; k < K; k++)
        b[k] = 0.1f * (float)k;
    for (int i = 0; i < IN; i++)
        moving[i] = 0.5f + 0.25f * (float)i;
    float state0[IN];
    memcpy(state0, moving, sizeof moving);
    size_t len;
    FILE *f = open_memstream(report, &len);
    int rc = nnrt_gradcheck(&m, &ds, 4, 9, f);
    fclose(f);
    /* every forward was in training mode and moved the state; it is put back */
    ck_assert_int_gt(training_forwards, 1);
    ck_assert_mem_eq(moving, state0, sizeof moving);
    nnrt_dataset_free(&ds);
    return rc;
}

START_TEST(gradcheck_runs_in_training_mode_with_the_same_masks)
{
    /* passing needs the same mask in every evaluation of the loss */
    char *report;
    int rc = centre_gradcheck(&report);
    ck_assert_msg(rc == 0, "%s", report);
    ck_assert_msg(strncmp(report, "dense.w  checked 12  worst relative error ", 42) == 0, "%s",
                  report);
    ck_assert_ptr_nonnull(strstr(report, "\ndense.b  checked 3  worst relative error "));
    ck_assert_msg(strstr(report, "centre.moving") == NULL, "state is not checked: %s", report);
    ck_assert_ptr_nonnull(strstr(report, "\ngradcheck: ok\n"));
    free(report);
}
END_TEST

START_TEST(gradcheck_fails_backwards_that_are_right_only_in_inference)
{
    char *report;
    bug = BUG_IGNORES_MASK;
    ck_assert_int_eq(centre_gradcheck(&report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense.w["),
                  "%s", report);
    free(report);
    bug = BUG_USES_MOVING_MEAN;
    ck_assert_int_eq(centre_gradcheck(&report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense.w["),
                  "%s", report);
    free(report);
}
END_TEST

/* ---- predict through nnrt_main ------------------------------------------------- */

/* nnrt_main(m, {"centre", args...}) with stdout and stderr captured */
static result run_main(const nnrt_model *m, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"centre";
    for (; args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    return run_main_captured(m, argc, argv, fixture_dir());
}

/* One --csv line: index, label, then n outputs; returns where the next line starts. */
static const char *csv_line(const char *line, int *index, int *label, double *out, int n)
{
    char *end;
    *index = (int)strtol(line, &end, 10);
    ck_assert_msg(*end == ',', "%s", line);
    *label = (int)strtol(end + 1, &end, 10);
    for (int k = 0; k < n; k++) {
        ck_assert_msg(*end == ',', "%s", line);
        out[k] = strtod(end + 1, &end);
    }
    ck_assert_msg(*end == '\n', "%s", line);
    return end + 1;
}

START_TEST(predict_uses_the_loaded_state_in_inference_mode)
{
    nnrt_model m = centre_model();
    char path[1024];
    path_in(path, sizeof path, "centre-predict.weights");
    distinct_values();
    nnrt_error err;
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    float w0[IN * K], b0[K], state0[IN];
    memcpy(w0, W, sizeof W);
    memcpy(b0, b, sizeof b);
    memcpy(state0, moving, sizeof moving);
    memset(moving, 0, sizeof moving);

    result r = run_main(&m, (const char *[]){ "predict", "--weights", path, "--first", "2",
                                              "--count", "3", "--csv", NULL });
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_str_eq(r.err, "");
    ck_assert_int_eq(training_forwards, 0);

    /* by hand: c = x - moving, z = c W + b, softmax */
    uint8_t pixels[N_TEST * IN], labels[N_TEST];
    make_samples(pixels, labels, N_TEST, 6);
    const char *line = r.out;
    for (int s = 2; s < 5; s++) {
        int index, label;
        double got[K], z[K], max = -INFINITY, sum = 0;
        line = csv_line(line, &index, &label, got, K);
        ck_assert_int_eq(index, s);
        ck_assert_int_eq(label, labels[s]);
        for (int k = 0; k < K; k++) {
            z[k] = b0[k];
            for (int i = 0; i < IN; i++)
                z[k] += ((double)((float)pixels[s * IN + i] * m.scale) - state0[i]) * w0[i * K + k];
            max = z[k] > max ? z[k] : max;
        }
        for (int k = 0; k < K; k++)
            sum += exp(z[k] - max);
        for (int k = 0; k < K; k++)
            ck_assert_msg(fabs(got[k] - exp(z[k] - max) / sum) < 1e-6,
                          "sample %d class %d: %.9g, by hand %.9g", s, k, got[k],
                          exp(z[k] - max) / sum);
    }
    ck_assert_str_eq(line, "");
    result_free(&r);

    /* --seed: the seed's weights, the state as its init leaves it (ones) */
    r = run_main(&m, (const char *[]){ "predict", "--seed", "4", "--csv", NULL });
    ck_assert_msg(r.status == 0, "%s", r.err);
    for (int i = 0; i < IN; i++)
        ck_assert_float_eq(moving[i], 1.0f);
    result_free(&r);
}
END_TEST

/* ---- end to end: a trainer built by nnc ---------------------------------------- */

enum { E_TRAIN = 48, E_TEST = 12, E_PIXELS = 6, E_HIDDEN = 4, E_CLASSES = 3 };

static uint8_t e_pixels[E_TEST * E_PIXELS], e_labels[E_TEST];

/* absolute: the runs cd into fixture_dir(), where `runs/dense` would go */
static void trainer_path(char *out, size_t len)
{
    path_in(out, len, "dense");
}

/* 2x3 images: a 6 -> 4 tanh -> 3 softmax model. */
static const char DENSE_NN[] =
    "model dense\n"
    "data {\n"
    "    train {\n        images \"predict/train-images.idx\"\n"
    "        labels \"predict/train-labels.idx\"\n    }\n"
    "    test {\n        images \"predict/test-images.idx\"\n"
    "        labels \"predict/test-labels.idx\"\n    }\n"
    "    scale 1/255\n"
    "}\n"
    "network {\n    input 2x3\n    flatten\n    dense 4 tanh\n    dense 3 softmax\n}\n"
    "train {\n    loss cross_entropy\n    optimizer adam lr=0.05\n    batch 8\n    epochs 3\n"
    "    seed 1\n}\n";

static void make_test_samples(void)
{
    uint32_t s = 99;
    for (int i = 0; i < E_TEST; i++) {
        e_labels[i] = (uint8_t)((i * 2) % E_CLASSES);
        for (int j = 0; j < E_PIXELS; j++) {
            s = s * 1664525u + 1013904223u;
            e_pixels[i * E_PIXELS + j] = (uint8_t)(s >> 24);
        }
    }
}

/* The data and the trainer, once for the test case, in the parent process
 * (an unchecked fixture), so every test runs the same binary. */
static void build_dense(void)
{
    char path[512], exe[512];
    uint8_t pixels[E_TRAIN * E_PIXELS], labels[E_TRAIN];
    uint32_t s = 7;
    for (int i = 0; i < E_TRAIN; i++) {
        labels[i] = (uint8_t)(i % E_CLASSES);
        for (int j = 0; j < E_PIXELS; j++) {
            s = s * 1664525u + 1013904223u;
            /* class c brightens pixel c: something to learn */
            pixels[i * E_PIXELS + j] = (uint8_t)((s >> 26) + (j == labels[i] ? 180 : 0));
        }
    }
    make_test_samples();
    (void)fixture_dir();
    int idims[3] = { E_TRAIN, 2, 3 }, ldims[1] = { E_TRAIN };
    snprintf(path, sizeof path, "%s/predict/train-images.idx", tmp_dir());
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/predict/train-labels.idx", tmp_dir());
    write_idx(path, labels, 1, ldims);
    idims[0] = ldims[0] = E_TEST;
    snprintf(path, sizeof path, "%s/predict/test-images.idx", tmp_dir());
    write_idx(path, e_pixels, 3, idims);
    snprintf(path, sizeof path, "%s/predict/test-labels.idx", tmp_dir());
    write_idx(path, e_labels, 1, ldims);
    snprintf(path, sizeof path, "%s/predict/dense.nn", tmp_dir());
    write_text(path, DENSE_NN);
    trainer_path(exe, sizeof exe);
    build_trainer(path, exe);
}

/* `dense ARGS` run with the test data; status returned, output in *out */
static int dense(const char *args, char **out)
{
    char cmd[4000], exe[1024];
    trainer_path(exe, sizeof exe);
    /* NNC_DATA names the folder above predict/, where the .nn file's paths start */
    snprintf(cmd, sizeof cmd, "cd %s && NNC_DATA=%s/.. %s %s", fixture_dir(), fixture_dir(), exe, args);
    return run_cmd(cmd, out);
}

/* The model's forward in double from a weights file: probabilities of
 * test sample s into prob. */
static void dense_reference(const weights *w, int s, double *prob)
{
    const tensor *w1 = tensor_named(w, "dense4.w"), *b1 = tensor_named(w, "dense4.b");
    const tensor *w2 = tensor_named(w, "dense3.w"), *b2 = tensor_named(w, "dense3.b");
    ck_assert_int_eq(w1->dims[0], E_PIXELS);
    ck_assert_int_eq(w1->dims[1], E_HIDDEN);
    ck_assert_int_eq(w2->dims[1], E_CLASSES);
    double h[E_HIDDEN], z[E_CLASSES], max = -INFINITY, sum = 0;
    for (int o = 0; o < E_HIDDEN; o++) {
        double a = b1->values[o];
        for (int i = 0; i < E_PIXELS; i++)   /* the pixel as the runtime scales it, in float */
            a += (double)((float)e_pixels[s * E_PIXELS + i] * (1.0f / 255)) *
                 w1->values[i * E_HIDDEN + o];
        h[o] = tanh(a);
    }
    for (int k = 0; k < E_CLASSES; k++) {
        z[k] = b2->values[k];
        for (int o = 0; o < E_HIDDEN; o++)
            z[k] += h[o] * w2->values[o * E_CLASSES + k];
        max = z[k] > max ? z[k] : max;
    }
    for (int k = 0; k < E_CLASSES; k++)
        sum += exp(z[k] - max);
    for (int k = 0; k < E_CLASSES; k++)
        prob[k] = exp(z[k] - max) / sum;
}

/* predict --csv output against the reference from weights_path: rows
 * first .. first+rows-1, each summing to 1. */
static void expect_reference(const char *csv, const char *weights_path, int first, int rows)
{
    weights w = read_weights(weights_path);
    const char *line = csv;
    for (int s = first; s < first + rows; s++) {
        int index, label;
        double got[E_CLASSES], want[E_CLASSES], sum = 0;
        line = csv_line(line, &index, &label, got, E_CLASSES);
        ck_assert_int_eq(index, s);
        ck_assert_int_eq(label, e_labels[s]);
        dense_reference(&w, s, want);
        for (int k = 0; k < E_CLASSES; k++) {
            ck_assert_msg(fabs(got[k] - want[k]) < 1e-6, "sample %d class %d: %.9g, reference %.9g",
                          s, k, got[k], want[k]);
            sum += got[k];
        }
        ck_assert_msg(fabs(sum - 1) < 1e-6, "sample %d: outputs sum to %.9g", s, sum);
    }
    ck_assert_msg(*line == '\0', "more lines than samples:\n%s", line);
    weights_free(&w);
}

START_TEST(csv_matches_a_forward_computed_from_the_weights_file)
{
    make_test_samples();
    char args[2048], *out, start[1024], run[1024];
    path_in(start, sizeof start, "dense-seed7.weights");
    unlink(start);
    snprintf(args, sizeof args, "steps 0 --seed 7 --weights-out %s", start);
    ck_assert_int_eq(dense(args, &out), 0);
    ck_assert_str_eq(out, "");   /* no update, nothing printed */
    free(out);
    ck_assert_int_eq(dense("predict --seed 7 --csv --count 100", &out), 0);
    expect_reference(out, start, 0, E_TEST);
    free(out);

    /* trained weights, with biases that are no longer 0, from DIR/weights */
    path_in(run, sizeof run, "dense-run");
    snprintf(args, sizeof args, "train --epochs 3 --overwrite --out %s", run);
    ck_assert_msg(dense(args, &out) == 0, "%s", out);
    free(out);
    char trained[1100];
    snprintf(trained, sizeof trained, "%s/weights", run);
    weights w = read_weights(trained);
    ck_assert_float_ne(tensor_named(&w, "dense4.b")->values[0], 0.0f);
    weights_free(&w);
    snprintf(args, sizeof args, "predict --out %s --csv --first 3 --count 6", run);
    ck_assert_int_eq(dense(args, &out), 0);
    expect_reference(out, trained, 3, 6);
    free(out);
}
END_TEST

START_TEST(csv_is_deterministic_and_the_seed_is_used)
{
    char *a, *b, *other, *tail;
    ck_assert_int_eq(dense("predict --seed 5 --csv --count 12", &a), 0);
    ck_assert_int_eq(dense("predict --csv --seed=5 --count=12", &b), 0);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(dense("predict --seed 6 --csv --count 12", &other), 0);
    ck_assert_str_ne(a, other);
    /* a count past the end stops at the last sample: rows 10 and 11 */
    ck_assert_int_eq(dense("predict --seed 5 --csv --first 10 --count 5", &tail), 0);
    const char *row10 = a;
    for (int i = 0; i < 10; i++)
        row10 = strchr(row10, '\n') + 1;
    ck_assert_str_eq(tail, row10);
    free(a);
    free(b);
    free(other);
    free(tail);
    /* the default is 5 samples from 0 */
    ck_assert_int_eq(dense("predict --seed 5 --csv", &a), 0);
    int lines = 0;
    for (const char *c = a; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, 5);
    ck_assert_int_eq(strncmp(a, "0,", 2), 0);
    free(a);
}
END_TEST

START_TEST(readable_output_marks_the_prediction)
{
    char *out, *csv;
    make_test_samples();
    ck_assert_int_eq(dense("predict --seed 5 --count 2", &out), 0);
    ck_assert_int_eq(dense("predict --seed 5 --count 2 --csv", &csv), 0);
    const char *top = "dense: test samples 0 to 1 of 12, fresh weights from seed 5\n";
    ck_assert_msg(strncmp(out, top, strlen(top)) == 0, "%s", out);
    /* per sample: its line, then one line per class, the argmax marked */
    const char *line = csv;
    int right = 0;
    for (int s = 0; s < 2; s++) {
        int index, label, best = 0;
        double prob[E_CLASSES];
        line = csv_line(line, &index, &label, prob, E_CLASSES);
        for (int k = 1; k < E_CLASSES; k++)
            best = prob[k] > prob[best] ? k : best;
        right += best == label;
        char head[128], marked[128];
        snprintf(head, sizeof head, "sample %d: label %d, predicted %d (%s)\n", s, e_labels[s],
                 best, best == label ? "right" : "wrong");
        const char *at = strstr(out, head);
        ck_assert_msg(at != NULL, "no '%s' in:\n%s", head, out);
        int bar = (int)(prob[best] * 20 + 0.5);
        snprintf(marked, sizeof marked, "\n    > %d  %.3f %.*s\n", best, prob[best], bar,
                 "####################");
        ck_assert_msg(strstr(at, marked) != NULL, "no '%s' after '%s' in:\n%s", marked, head,
                      out);
    }
    char tally[64];
    snprintf(tally, sizeof tally, "\n%d of 2 right\n", right);
    ck_assert_msg(strstr(out, tally) != NULL, "%s", out);
    int marks = 0;
    for (const char *c = out; (c = strstr(c, "    > ")); c++)
        marks++;
    ck_assert_int_eq(marks, 2);
    free(out);
    free(csv);
}
END_TEST

/* `dense ARGS` must fail with status 1 and say `want` */
static void expect_error(const char *args, const char *want)
{
    char *out;
    int status = dense(args, &out);
    ck_assert_msg(status == 1, "status %d for '%s':\n%s", status, args, out);
    ck_assert_msg(strstr(out, want) != NULL, "'%s' should say '%s', said:\n%s", args, want, out);
    free(out);
}

START_TEST(bad_flags_are_clear_errors)
{
    expect_error("predict --first x", "dense: --first: expected an integer from 0 up, got 'x'");
    expect_error("predict --first -1", "dense: --first: expected an integer from 0 up, got '-1'");
    expect_error("predict --count 0", "dense: --count: expected a positive integer, got '0'");
    expect_error("predict --csv=yes", "dense: --csv: takes no value, got 'yes'");
    expect_error("predict --seed", "dense: --seed: missing value");
    expect_error("predict --limit 3", "dense: predict: unknown option '--limit'");
    expect_error("predict 3", "dense: predict: unexpected argument '3'");
    expect_error("predict --seed 1 --weights w",
                 "dense: predict: --weights and --seed: give one");
    expect_error("predict --seed 1 --first 12",
                 "predict/test-images.idx: --first 12: the test set has 12 samples (0 to 11)");
    char args[1200], nowhere[1024];
    path_in(nowhere, sizeof nowhere, "nothing-trained-here");
    snprintf(args, sizeof args, "predict --out %s", nowhere);
    char want[1200];
    snprintf(want, sizeof want, "dense: error: %s/weights: no weights there yet: train first, or "
                                "give --weights FILE (or --seed N for freshly initialized weights)",
             nowhere);
    expect_error(args, want);
    snprintf(args, sizeof args, "predict --weights %s/missing.weights", nowhere);
    expect_error(args, "missing.weights: cannot open: No such file or directory");
    /* and --help lists the command */
    char *out;
    ck_assert_int_eq(dense("predict --help", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "\n  predict      the model's outputs on some test samples"));
    ck_assert_ptr_nonnull(strstr(out, "\n    --csv        one line per sample, index,label,out0,...\n"));
    free(out);
}
END_TEST

int main(void)
{
    keep_blas_core();   /* the runs through nnrt_main stay in this process */

    Suite *s = suite_create("predict");
    TCase *state = tcase_create("state and gradcheck");
    tcase_add_checked_fixture(state, setup, NULL);
    tcase_add_test(state, optimizers_leave_state_alone);
    tcase_add_test(state, init_fills_state_with_its_init_and_draws_nothing_for_it);
    tcase_add_test(state, weights_files_carry_state);
    tcase_add_test(state, gradcheck_runs_in_training_mode_with_the_same_masks);
    tcase_add_test(state, gradcheck_fails_backwards_that_are_right_only_in_inference);
    tcase_add_test(state, predict_uses_the_loaded_state_in_inference_mode);
    suite_add_tcase(s, state);

    TCase *trainer = tcase_create("predict end to end");
    tcase_set_timeout(trainer, 300);
    tcase_add_unchecked_fixture(trainer, build_dense, NULL);
    tcase_add_test(trainer, csv_matches_a_forward_computed_from_the_weights_file);
    tcase_add_test(trainer, csv_is_deterministic_and_the_seed_is_used);
    tcase_add_test(trainer, readable_output_marks_the_prediction);
    tcase_add_test(trainer, bad_flags_are_clear_errors);
    suite_add_tcase(s, trainer);
    return run_suite(s);
}
