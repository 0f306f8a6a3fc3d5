/* test_cnn.c: convnets end to end on real Fashion-MNIST images.  The small
 * CNN of examples/ learns from a few thousand images within the suite's
 * time, batchnorm's moving statistics travel with the weights, and
 * augmentation is reproducible: the same seed gives the same bytes, and the
 * augmented run differs from the plain one (the images did change). */
#include "trainer_util.h"

/* examples/fashion_cnn_small.nn, built once */
static const char *small_cnn(void)
{
    static char path[512];
    if (!path[0]) {
        make_dir("%s/cnn", tmp_dir());
        snprintf(path, sizeof path, "%s/cnn/fashion_cnn_small", tmp_dir());
        build_trainer("examples/fashion_cnn_small.nn", path);
    }
    return path;
}

/* Whether the bytes hold the string (the weights file holds tensor names) */
static int holds(const char *bytes, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, s, n) == 0)
            return 1;
    return 0;
}

START_TEST(small_cnn_learns_far_above_chance)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char cmd[2048], path[1024], *out;
    snprintf(cmd, sizeof cmd, "%s train --limit 3000 --epochs 2 --out %s/cnn/run --overwrite", small_cnn(),
             tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    double acc = test_accuracy(out);
    ck_assert_msg(acc > 0.70, "test accuracy %.4f after 2 epochs on 2700 images", acc);
    free(out);

    /* the moving statistics are in the weights file, and eval, which
     * normalizes with them, reports what train did */
    snprintf(path, sizeof path, "%s/cnn/run/weights", tmp_dir());
    char *w = slurp(path);
    size_t len = file_size(path);
    ck_assert(holds(w, len, "conv16_batchnorm.moving_mean"));
    ck_assert(holds(w, len, "conv32_batchnorm.moving_variance"));
    free(w);
    snprintf(cmd, sizeof cmd, "%s eval --weights %s", small_cnn(), path);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    ck_assert_double_eq_tol(test_accuracy(out), acc, 1e-9);
    free(out);
}
END_TEST

/* The small CNN with an augment block, written beside the examples' data. */
static const char *augmented_cnn(void)
{
    static char exe[512];
    if (exe[0])
        return exe;
    small_cnn();    /* makes the folder */
    char *text = slurp("examples/fashion_cnn_small.nn"), nn[600];
    const char *net = strstr(text, "network {");
    ck_assert_ptr_nonnull(net);
    snprintf(nn, sizeof nn, "%s/cnn/augmented.nn", tmp_dir());
    FILE *f = fopen(nn, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s", (int)(net - text), text);
    fprintf(f, "augment {\n    flip horizontal p=0.5\n    shift 2 p=0.5\n    rotate 10 p=0.3\n"
               "    zoom 0.1 p=0.3\n    brightness 0.1 p=0.3\n    erase 0.2 p=0.2\n}\n\n%s", net);
    fclose(f);
    free(text);
    snprintf(exe, sizeof exe, "%s/cnn/augmented", tmp_dir());
    build_trainer(nn, exe);
    return exe;
}

START_TEST(augmentation_is_reproducible_and_changes_training)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char cmd[2048], a[1024], b[1024], *out;
    for (int run = 0; run < 2; run++) {
        snprintf(cmd, sizeof cmd, "%s train --limit 1000 --epochs 2 --seed 3 --out %s/cnn/aug%d --overwrite",
                 augmented_cnn(), tmp_dir(), run);
        int status = run_cmd(cmd, &out);
        ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
        free(out);
    }
    snprintf(a, sizeof a, "%s/cnn/aug0/weights", tmp_dir());
    snprintf(b, sizeof b, "%s/cnn/aug1/weights", tmp_dir());
    char *wa = slurp(a), *wb = slurp(b);
    ck_assert_uint_eq(file_size(a), file_size(b));
    ck_assert_msg(memcmp(wa, wb, file_size(a)) == 0, "same seed with augmentation, different weights");
    free(wb);
    snprintf(a, sizeof a, "%s/cnn/aug0/curve.csv", tmp_dir());
    snprintf(b, sizeof b, "%s/cnn/aug1/curve.csv", tmp_dir());
    char *ca = slurp(a), *cb = slurp(b);
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);

    /* the same network, seed and data without augmentation ends elsewhere */
    snprintf(cmd, sizeof cmd, "%s train --limit 1000 --epochs 2 --seed 3 --out %s/cnn/plain --overwrite",
             small_cnn(), tmp_dir());
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    snprintf(b, sizeof b, "%s/cnn/plain/weights", tmp_dir());
    wb = slurp(b);
    snprintf(a, sizeof a, "%s/cnn/aug0/weights", tmp_dir());
    ck_assert_uint_eq(file_size(a), file_size(b));
    ck_assert_msg(memcmp(wa, wb, file_size(a)) != 0, "augmentation changed nothing");
    free(wa);
    free(wb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cnn");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, small_cnn_learns_far_above_chance);
    tcase_add_test(tc, augmentation_is_reproducible_and_changes_training);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
