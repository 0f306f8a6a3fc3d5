/* test_train.c: the whole pipeline on real data.  nnc builds the
 * reference model, the trainer learns from a few thousand Fashion-MNIST
 * images, and we check what a user would: accuracy far above chance (0.1),
 * the learning curve, the weights, and that a second run with the same
 * seed gives the same bytes. */
#include "trainer_util.h"

static char *exe_path(void)
{
    static char path[512];
    if (!path[0]) {
        make_dir("%s/train", tmp_dir());
        snprintf(path, sizeof path, "%s/train/fashion_mlp", tmp_dir());
        build_trainer("examples/fashion_mlp.nn", path);
    }
    return path;
}

/* not inlined: gcc 12 then mistakes the output for a dangling stack pointer */
__attribute__((noinline)) static void regression_scores(const char *output, double *mae,
                                                        double *rmse)
{
    const char *t = strstr(output, "test: loss ");
    ck_assert_msg(t != NULL, "no 'test:' line in:\n%s", output);
    double loss;
    ck_assert_int_eq(sscanf(t, "test: loss %lf mae %lf rmse %lf", &loss, mae, rmse), 3);
}

START_TEST(trains_far_above_chance_and_writes_its_files)
{
    if (!have_fashion()) {
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    }
    char cmd[2048], *out, path[1024];
    snprintf(cmd, sizeof cmd, "%s train --limit 4000 --epochs 2 --out %s/train/run1 --overwrite",
             exe_path(), tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    double acc = test_accuracy(out);
    ck_assert_msg(acc > 0.70, "test accuracy %.4f after 2 epochs on 3600 images", acc);
    ck_assert_ptr_nonnull(strstr(out, "epoch 1/2"));
    ck_assert_ptr_nonnull(strstr(out, "epoch 2/2"));
    free(out);

    snprintf(path, sizeof path, "%s/train/run1/curve.csv", tmp_dir());
    char *curve = slurp(path);
    ck_assert_msg(strncmp(curve, "epoch,loss,accuracy,val_loss,val_accuracy\n1,", 44) == 0,
                  "curve.csv starts:\n%.200s", curve);
    int rows = 0;
    for (char *p = curve; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows, 3);
    free(curve);

    /* magic, then 101770 float32 parameters and a small header */
    snprintf(path, sizeof path, "%s/train/run1/weights", tmp_dir());
    char *w = slurp(path);
    ck_assert_int_eq(memcmp(w, "NNCW", 4), 0);
    ck_assert_uint_gt(file_size(path), 101770 * 4);
    free(w);

    /* eval on the saved weights reports what train reported */
    snprintf(cmd, sizeof cmd, "%s eval --weights %s", exe_path(), path);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    ck_assert_double_eq_tol(test_accuracy(out), acc, 1e-9);
    free(out);
}
END_TEST

START_TEST(same_seed_same_weights_and_curve)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char cmd[2048], a[1024], b[1024];
    for (int run = 0; run < 2; run++) {
        snprintf(cmd, sizeof cmd, "%s train --limit 2000 --epochs 2 --seed 7 --out %s/train/seed%d --overwrite",
                 exe_path(), tmp_dir(), run);
        ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    }
    snprintf(a, sizeof a, "%s/train/seed0/weights", tmp_dir());
    snprintf(b, sizeof b, "%s/train/seed1/weights", tmp_dir());
    ck_assert_uint_eq(file_size(a), file_size(b));
    char *wa = slurp(a), *wb = slurp(b);
    ck_assert_msg(memcmp(wa, wb, file_size(a)) == 0, "same seed, different weights");
    free(wa);
    free(wb);
    snprintf(a, sizeof a, "%s/train/seed0/curve.csv", tmp_dir());
    snprintf(b, sizeof b, "%s/train/seed1/curve.csv", tmp_dir());
    char *ca = slurp(a), *cb = slurp(b);   /* wall time is in times.csv, not here */
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);

    /* and a different seed gives different weights: the seed is used */
    snprintf(cmd, sizeof cmd, "%s train --limit 2000 --epochs 1 --seed 8 --out %s/train/seed2 --overwrite",
             exe_path(), tmp_dir());
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    snprintf(b, sizeof b, "%s/train/seed2/weights", tmp_dir());
    snprintf(a, sizeof a, "%s/train/seed0/weights", tmp_dir());
    wa = slurp(a);
    wb = slurp(b);
    ck_assert_msg(memcmp(wa, wb, file_size(a)) != 0, "seed 7 and seed 8 gave the same weights");
    free(wa);
    free(wb);
}
END_TEST

START_TEST(bad_data_is_a_clear_error)
{
    /* a truncated copy of the labels: the trainer names the file and stops */
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/train/bad/fashion-mnist && cd %s/train/bad/fashion-mnist && "
             "printf '\\000\\000\\010\\001\\000\\000\\352\\140abc' > train-labels-idx1-ubyte && "
             "gzip -f train-labels-idx1-ubyte && "
             "ln -sf /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz . ",
             tmp_dir(), tmp_dir());
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s/train/bad %s train --epochs 1 --out %s/train/badrun",
             tmp_dir(), exe_path(), tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "train-labels-idx1-ubyte.gz") && strstr(out, "byte "),
                  "the error should name the file and the offset:\n%s", out);
    ck_assert_msg(strstr(out, "test:") == NULL, "it must not train on half-read data:\n%s", out);
    free(out);
}
END_TEST

START_TEST(binary_classification_learns_footwear)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char exe[600], cmd[2048], *out;
    snprintf(exe, sizeof exe, "%s/train/fashion_footwear", tmp_dir());
    make_dir("%s/train", tmp_dir());
    build_trainer("examples/fashion_footwear.nn", exe);
    snprintf(cmd, sizeof cmd, "%s train --limit 3000 --epochs 1 --out %s/train/footwear --overwrite", exe,
             tmp_dir());
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    /* 0.7 for always answering "not footwear" */
    double acc = test_accuracy(out);
    ck_assert_msg(acc > 0.95, "footwear test accuracy %.4f", acc);
    free(out);
}
END_TEST

START_TEST(regression_on_the_shipped_csv)
{
    char exe[600], cmd[2048], *out;
    snprintf(exe, sizeof exe, "%s/train/regression_houses", tmp_dir());
    make_dir("%s/train", tmp_dir());
    build_trainer("examples/regression_houses.nn", exe);
    snprintf(cmd, sizeof cmd, "%s train --epochs 10 --out %s/train/houses --overwrite", exe, tmp_dir());
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    double mae, rmse;
    regression_scores(out, &mae, &rmse);
    /* prices are around 4 (hundreds of thousands) with noise of 0.1:
     * predicting the mean would give an MAE near 1.2 */
    ck_assert_msg(mae < 0.2 && rmse < 0.25, "test mae %.4f rmse %.4f", mae, rmse);
    free(out);
    /* the regression's loss reads target[], not labels: its gradient too */
    snprintf(cmd, sizeof cmd, "%s gradcheck", exe);
    ck_assert_msg(run_cmd(cmd, &out) == 0 && strstr(out, "gradcheck: ok"), "%s", out);
    free(out);
}
END_TEST

START_TEST(bad_flags_are_clear_errors)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --epochs x", exe_path());
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "--epochs"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s fly", exe_path());
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    free(out);
    snprintf(cmd, sizeof cmd, "%s --version", exe_path());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "fashion_mlp"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, trains_far_above_chance_and_writes_its_files);
    tcase_add_test(tc, same_seed_same_weights_and_curve);
    tcase_add_test(tc, bad_data_is_a_clear_error);
    tcase_add_test(tc, bad_flags_are_clear_errors);
    tcase_add_test(tc, binary_classification_learns_footwear);
    tcase_add_test(tc, regression_on_the_shipped_csv);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
