/* test_recurrent.c: rnn, lstm and gru end to end on real Fashion-MNIST
 * images read row by row (28 steps of 28 pixels).  The examples' LSTM and
 * GRU learn far above chance (0.1) from a few thousand images, their
 * weights file holds Keras's three tensors a layer under the layer's name,
 * eval reports what train did, and the same seed gives the same bytes.
 * That their backward through time is right: test_gradcheck.c; that they
 * compute what torch.nn.LSTM, GRU and RNN compute: `make compare-torch`. */
#include "trainer_util.h"

/* an example, built once into the suite's folder */
static const char *example(const char *name)
{
    static char paths[2][512];
    int k = strcmp(name, "fashion_lstm") == 0 ? 0 : 1;
    if (!paths[k][0]) {
        char nn[256];
        make_dir("%s/recurrent", tmp_dir());
        snprintf(nn, sizeof nn, "examples/%s.nn", name);
        snprintf(paths[k], sizeof paths[k], "%s/recurrent/%s", tmp_dir(), name);
        build_trainer(nn, paths[k]);
    }
    return paths[k];
}

static int holds(const char *bytes, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, s, n) == 0)
            return 1;
    return 0;
}

/* train NAME on the first 3000 images (2700 after validation) for two
 * epochs into DIR; the test accuracy it reports */
static double train_example(const char *name, const char *dir)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --limit 3000 --epochs 2 --out %s/recurrent/%s "
             "--overwrite", example(name), tmp_dir(), dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    double acc = test_accuracy(out);
    free(out);
    return acc;
}

static const char *const EXAMPLES[] = { "fashion_lstm", "fashion_gru" };
static const char *const FIRST_TENSOR[] = { "lstm128.", "gru128." };

START_TEST(rows_as_steps_learn_far_above_chance)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    const char *name = EXAMPLES[_i];
    char dir[64], path[1024], cmd[2048], *out;
    snprintf(dir, sizeof dir, "%s-a", name);
    double acc = train_example(name, dir);
    ck_assert_msg(acc > 0.55, "%s: test accuracy %.4f after 2 epochs on 2700 images", name, acc);

    snprintf(path, sizeof path, "%s/recurrent/%s/weights", tmp_dir(), dir);
    size_t len = file_size(path);
    char *w = slurp(path);
    static const char *const TENSORS[] = { "w", "u", "b" };
    for (int t = 0; t < 3; t++) {
        char tensor[64];
        snprintf(tensor, sizeof tensor, "%s%s", FIRST_TENSOR[_i], TENSORS[t]);
        ck_assert_msg(holds(w, len, tensor), "%s: no tensor %s in %s", name, tensor, path);
    }
    free(w);

    snprintf(cmd, sizeof cmd, "%s eval --weights %s", example(name), path);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    ck_assert_double_eq_tol(test_accuracy(out), acc, 1e-9);
    free(out);

    /* the same seed, the same bytes */
    char again[64], path_b[1024];
    snprintf(again, sizeof again, "%s-b", name);
    train_example(name, again);
    snprintf(path_b, sizeof path_b, "%s/recurrent/%s/weights", tmp_dir(), again);
    ck_assert_msg(same_file_bytes(path, path_b), "%s: two runs of one seed differ", name);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recurrent");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, rows_as_steps_learn_far_above_chance, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
