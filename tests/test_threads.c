/* test_threads.c: the same bits whatever the thread count.
 *
 * A batch is cut into the shards nnc chose, whatever the threads that run
 * them, their gradients are summed in shard order, and the optimizer
 * updates fixed chunks of the parameters (docs/parallel.md): so `train
 * --threads N`, for N = 1, 2, 3 and 8, writes the same weights, the same
 * curve.csv and the same checkpoint (its wall-clock seconds aside), on a
 * small convnet with dropout (4 shards, 3 threads on them unevenly, a
 * dropout generator per batch and shard, a dense dW by rows), the MLPs of
 * examples/ (batch 32: one shard, the step in pieces) and a batchnorm
 * model (2 shards that meet for the batch's statistics), a GRU (2 shards,
 * backward through time), and the convnet with its gradients clipped by
 * norm (all sums before a step).  And the threads do learn, and the
 * batchnorm model's 2 shards train as its batch in one shard would. */
#include <math.h>

#include "trainer_util.h"

#define SUITE_TMP "threads"

/* A convnet with dropout, small enough to train in a second: batch 128,
 * so 4 shards */
static const char SMALL_CONVNET[] =
    "model small_convnet\n"
    "data {\n"
    "    train {\n"
    "        images \"fashion-mnist/train-images-idx3-ubyte.gz\"\n"
    "        labels \"fashion-mnist/train-labels-idx1-ubyte.gz\"\n"
    "    }\n"
    "    test {\n"
    "        images \"fashion-mnist/t10k-images-idx3-ubyte.gz\"\n"
    "        labels \"fashion-mnist/t10k-labels-idx1-ubyte.gz\"\n"
    "    }\n"
    "    validation 10%\n"
    "    scale  1/255\n"
    "}\n"
    "network {\n"
    "    input   28x28x1\n"
    "    conv2d  8 3x3 relu\n"
    "    maxpool 2\n"
    "    flatten\n"
    "    dropout 0.25\n"
    "    dense   10 softmax\n"
    "}\n"
    "train {\n"
    "    loss       cross_entropy\n"
    "    optimizer  adam lr=0.001\n"
    "    batch      128\n"
    "    epochs     2\n"
    "    seed       1\n"
    "}\n";

typedef struct Case {
    const char *name;
    const char *nn;             /* an example, or NULL: SMALL_CONVNET */
    const char *optimizer;      /* SMALL_CONVNET's optimizer line instead of adam's, or NULL */
    const char *first_tensor;   /* the name of its first tensor */
    int limit, epochs;
} Case;

static const Case CASES[] = {
    { "fashion_mlp", "examples/fashion_mlp.nn", NULL, "dense128.w", 2000, 2 },
    { "fashion_mlp_dropout", "examples/fashion_mlp_dropout.nn", NULL, "dense128.w", 2000, 2 },
    { "small_convnet", NULL, NULL, "conv8.w", 1500, 2 },
    { "fashion_cnn_small", "examples/fashion_cnn_small.nn", NULL, "conv16.w", 300, 1 },
    { "fashion_gru", "examples/fashion_gru.nn", NULL, "gru128.w", 600, 1 },
    /* a dense layer on each step: its dW in backward, not by the runtime */
    { "fashion_gru_stacked", "examples/fashion_gru_stacked.nn", NULL, "gru64.w", 600, 1 },
    /* clip_norm: every tensor's sum, then its norm, then the steps */
    { "small_convnet_clip_norm", NULL, "optimizer  adam lr=0.001 clip_norm=0.05", "conv8.w", 1500,
      1 },
};
enum { N_CASES = sizeof CASES / sizeof CASES[0] };

static const int THREADS[] = { 1, 2, 3, 8 };
enum { N_THREADS = sizeof THREADS / sizeof THREADS[0] };

/* The case's trainer, built once */
static const char *trainer(const Case *c)
{
    static char paths[N_CASES][512];
    char *path = paths[c - CASES];
    if (!path[0]) {
        make_dir("%s/%s", tmp_dir(), SUITE_TMP);
        char nn[600];
        if (c->nn) {
            snprintf(nn, sizeof nn, "%s", c->nn);
        } else {
            snprintf(nn, sizeof nn, "%s/%s/%s.nn", tmp_dir(), SUITE_TMP, c->name);
            char text[sizeof SMALL_CONVNET + 128];
            const char *adam = strstr(SMALL_CONVNET, "optimizer  adam lr=0.001");
            snprintf(text, sizeof text, "%.*s%s%s", (int)(adam - SMALL_CONVNET), SMALL_CONVNET,
                     c->optimizer ? c->optimizer : "optimizer  adam lr=0.001",
                     adam + strlen("optimizer  adam lr=0.001"));
            write_text(nn, text);
        }
        snprintf(path, 512, "%s/%s/%s", tmp_dir(), SUITE_TMP, c->name);
        build_trainer(nn, path);
    }
    return path;
}

/* train the case with --threads threads into DIR; its output */
static char *train(const Case *c, int threads, char *dir, size_t len)
{
    snprintf(dir, len, "%s/%s/%s-%d", tmp_dir(), SUITE_TMP, c->name, threads);
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --limit %d --epochs %d --threads %d --out %s --overwrite",
             trainer(c), c->limit, c->epochs, threads, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    return out;
}

/* The checkpoint's bytes with what is not computed blanked: each curve
 * row's seconds (the last 8 bytes of its 80, the rows just before the
 * tensors: docs/checkpoint.md) and the checksum over them */
static char *checkpoint_without_times(const char *dir, const Case *c, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    char *bytes = slurp_len(path, len);
    char name[64];
    int n = snprintf(name, sizeof name, "....%s", c->first_tensor);
    uint32_t name_len = (uint32_t)(n - 4);
    memcpy(name, &name_len, 4);   /* little-endian, as the file */
    char *tensor = find_bytes(bytes, *len, name, (size_t)n);
    ck_assert_msg(tensor != NULL, "%s: no tensor %s", path, c->first_tensor);
    char *tensors = tensor - 4;   /* their count */
    for (int row = 1; row <= c->epochs; row++)
        memset(tensors - row * 80 + 72, 0, 8);
    memset(bytes + *len - 4, 0, 4);
    return bytes;
}

START_TEST(threads_give_the_same_bits)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    const Case *c = &CASES[_i];
    char first[1024], dir[1024], path_a[1100], path_b[1100];
    free(train(c, THREADS[0], first, sizeof first));
    size_t len_a, len_b;
    char *ck_a = checkpoint_without_times(first, c, &len_a);
    for (int t = 1; t < N_THREADS; t++) {
        free(train(c, THREADS[t], dir, sizeof dir));
        static const char *const FILES[] = { "weights", "curve.csv" };
        for (int f = 0; f < 2; f++) {
            snprintf(path_a, sizeof path_a, "%s/%s", first, FILES[f]);
            snprintf(path_b, sizeof path_b, "%s/%s", dir, FILES[f]);
            ck_assert_msg(same_file_bytes(path_a, path_b), "%s: %s differs at --threads %d",
                          c->name, FILES[f], THREADS[t]);
        }
        char *ck_b = checkpoint_without_times(dir, c, &len_b);
        ck_assert_msg(len_a == len_b && memcmp(ck_a, ck_b, len_a) == 0,
                      "%s: checkpoint differs at --threads %d", c->name, THREADS[t]);
        free(ck_b);
    }
    free(ck_a);
}
END_TEST

/* Two threads learn: the small convnet (4 shards) well above chance (0.1)
 * after two epochs on 1350 images, and eval with 2 threads reports what
 * train did */
START_TEST(two_threads_learn)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    const Case *c = &CASES[2];
    char dir[600], cmd[2048], *out = train(c, 2, dir, sizeof dir);
    double acc = test_accuracy(out);
    ck_assert_msg(acc > 0.5, "test accuracy %.4f with 2 threads", acc);
    free(out);
    snprintf(cmd, sizeof cmd, "%s eval --threads 2 --weights %s/weights --out %s/eval",
             trainer(c), dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    ck_assert_double_eq_tol(test_accuracy(out), acc, 1e-9);
    free(out);
}
END_TEST

/* The step losses of fashion_cnn_small's `steps N`, built as nnc builds it
 * (2 shards) or, through a compiler wrapper that edits the generated file,
 * with its batches in one shard */
static void batchnorm_losses(int one_shard, double *loss, int n)
{
    char dir[600], wrapper[700], exe[700], cmd[3000], *out;
    snprintf(dir, sizeof dir, "%s/%s", tmp_dir(), SUITE_TMP);
    make_dir("%s", dir);
    snprintf(exe, sizeof exe, "%s/bn_%s", dir, one_shard ? "one_shard" : "shards");
    snprintf(wrapper, sizeof wrapper, "%s/cc_one_shard", dir);
    write_text(wrapper, "#!/bin/sh\n"
                        "# cc, the generated file's batches in one shard\n"
                        "n=$#\n"
                        "for a in \"$@\"; do\n"
                        "  case $a in\n"
                        "    *.c) t=$(mktemp --suffix=.c) || exit 1\n"
                        "         sed -e 's/^#define SHARDS [0-9]* /#define SHARDS 1 /' \\\n"
                        "             -e 's/^#define SHARD_ROWS [0-9]* /#define SHARD_ROWS MAX_BATCH /' \\\n"
                        "             \"$a\" > \"$t\"; set -- \"$@\" \"$t\";;\n"
                        "    *) set -- \"$@\" \"$a\";;\n"
                        "  esac\n"
                        "done\n"
                        "shift $n\n"
                        "exec ${NNC_TEST_CC:-cc} \"$@\"\n");
    ck_assert_int_eq(chmod(wrapper, 0755), 0);
    snprintf(cmd, sizeof cmd, "%s%s %s build examples/fashion_cnn_small.nn -o %s",
             one_shard ? "NNC_TEST_CC=\"${CC:-cc}\" CC=" : "", one_shard ? wrapper : "",
             nnc_bin(), exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);
    char c_file[720];
    snprintf(c_file, sizeof c_file, "%s.c", exe);
    char *text = slurp(c_file);
    ck_assert_msg(strstr(text, "\n#define SHARDS 2 ") != NULL, "%s: not in 2 shards", c_file);
    free(text);
    snprintf(cmd, sizeof cmd, "%s steps %d", exe, n);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    const char *at = out;
    for (int i = 0; i < n; i++) {
        at = strstr(at, "loss ");
        ck_assert_msg(at != NULL && sscanf(at, "loss %lf", &loss[i]) == 1, "%s:\n%s", cmd, out);
        at += 5;
    }
    free(out);
}

/* A batchnorm's mean, variance, dgamma and dbeta are the whole batch's,
 * its shards meet for them: 8 steps of fashion_cnn_small in 2 shards
 * follow those of its batches in one, as rounding allows (under 1e-5 when
 * written; combining the shards' statistics wrongly, such as each shard
 * by its own mean or its own dgamma, gave 0.24 to 0.25).  Not more steps:
 * rounding differences grow with them (1.4e-3 by step 13 on one run) */
START_TEST(batchnorm_shards_train_as_one_batch)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    enum { STEPS = 8 };
    double shards[STEPS], one[STEPS];
    batchnorm_losses(0, shards, STEPS);
    batchnorm_losses(1, one, STEPS);
    for (int i = 0; i < STEPS; i++)
        ck_assert_msg(fabs(shards[i] - one[i]) < 1e-3,
                      "step %d: loss %.6f in 2 shards, %.6f in one", i + 1, shards[i], one[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, threads_give_the_same_bits, 0, N_CASES);
    tcase_add_test(tc, two_threads_learn);
    tcase_add_test(tc, batchnorm_shards_train_as_one_batch);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
