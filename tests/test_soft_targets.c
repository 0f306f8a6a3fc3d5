/* test_soft_targets.c: classification against class probabilities (soft
 * targets), one CSV target column a class, as distillation writes them.
 *
 * The data: points around three centres, each labelled by a teacher's
 * softmax over its distances to the centres, so no row is one-hot.  A
 * model trained on them classifies held-out points well above chance; the
 * test loss `eval` prints is, for cross-entropy, KL divergence and cosine
 * similarity, the formula docs/language.md states computed here from the
 * outputs `predict --csv` prints (so KL is cross-entropy less the targets'
 * entropy, no longer equal to it); and nnc check says which it is.  gradcheck on each: test_gradcheck.c. */
#include <check.h>

#define SUITE_DIR "soft_targets"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "trainer_util.h"

enum { N_TRAIN = 600, N_TEST = 300, K = 3 };
static const double CENTRES[K][2] = { { 0, 0 }, { 2, 0 }, { 1, 1.7 } };

/* n rows "x,y,p0,p1,p2" with the teacher's probabilities, into path */
static void write_rows(const char *name, int n, uint32_t seed, double q_out[][K])
{
    char path[600];
    path_in(path, sizeof path, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "x,y,p0,p1,p2\n");
    for (int i = 0; i < n; i++) {
        int c = (int)(lcg_uniform(&seed) * K);
        /* a rough normal: the sum of four uniforms */
        double p[2];
        for (int d = 0; d < 2; d++) {
            double u = lcg_uniform(&seed) + lcg_uniform(&seed) + lcg_uniform(&seed) +
                       lcg_uniform(&seed) - 2;
            p[d] = CENTRES[c][d] + 0.6 * u;
        }
        double z[K], max = -INFINITY, sum = 0, q[K];
        for (int k = 0; k < K; k++) {
            double dx = p[0] - CENTRES[k][0], dy = p[1] - CENTRES[k][1];
            z[k] = -(dx * dx + dy * dy);
            max = z[k] > max ? z[k] : max;
        }
        for (int k = 0; k < K; k++)
            sum += q[k] = exp(z[k] - max);
        /* four decimals, the last column what the others leave */
        q[0] = round(q[0] / sum * 1e4) / 1e4;
        q[1] = round(q[1] / sum * 1e4) / 1e4;
        q[2] = 1 - q[0] - q[1];
        fprintf(f, "%.4f,%.4f,%.4f,%.4f,%.4f\n", p[0], p[1], q[0], q[1], q[2]);
        if (q_out)
            for (int k = 0; k < K; k++)   /* as the trainer reads them back */
                q_out[i][k] = (float)q[k];
    }
    fclose(f);
}

static double test_q[N_TEST][K];

static void write_data(void)
{
    make_dir("%s", fixture_dir());
    write_rows("train.csv", N_TRAIN, 11, NULL);
    write_rows("test.csv", N_TEST, 23, test_q);
}

/* Build the model with loss into fixture_dir()/NAME; 0 or nnc's status */
static int build(const char *name, const char *loss, const char *last, char **out)
{
    char nn[700], exe[700], text[2048], cmd[2000];
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        csv \"train.csv\"\n    }\n"
             "    test {\n        csv \"test.csv\"\n    }\n"
             "    inputs x y\n    targets p0 p1 p2\n"
             "}\n"
             "network {\n    input 2\n    dense 16 relu\n    %s\n}\n"
             "train {\n    loss %s\n    optimizer adam lr=0.01\n    batch 32\n    epochs 15\n"
             "    seed 1\n}\n", name, last, loss);
    path_in(nn, sizeof nn, name);
    strcat(nn, ".nn");
    write_text(nn, text);
    path_in(exe, sizeof exe, name);
    snprintf(cmd, sizeof cmd, "%s build %s -o %s", nnc_bin(), nn, exe);
    return run_cmd(cmd, out);
}

static int trainer(const char *name, const char *args, char **out)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cd %s && ./%s %s", fixture_dir(), name, args);
    return run_cmd(cmd, out);
}

/* The test set's mean loss from predict --csv's outputs, as kind computes it */
static double loss_from_outputs(const char *csv, const char *kind)
{
    double total = 0;
    const char *line = csv;
    for (int i = 0; i < N_TEST; i++) {
        int index, label;
        double p[K];
        ck_assert_int_eq(sscanf(line, "%d,%d,%lf,%lf,%lf", &index, &label, &p[0], &p[1], &p[2]),
                         5);
        ck_assert_int_eq(index, i);
        const double *q = test_q[i];
        if (strcmp(kind, "cross_entropy") == 0) {
            for (int k = 0; k < K; k++)
                total -= q[k] * log(p[k] < 1e-7 ? 1e-7 : p[k]);
        } else if (strcmp(kind, "kl_divergence") == 0) {   /* Keras: both clipped */
            for (int k = 0; k < K; k++) {
                double qc = q[k] < 1e-7 ? 1e-7 : q[k], pc = p[k] < 1e-7 ? 1e-7 : p[k];
                total += qc * log(qc / pc);
            }
        } else {   /* cosine similarity: -cos(y, q) */
            double qy = 0, qq = 0, yy = 0;
            for (int k = 0; k < K; k++) {
                qy += q[k] * p[k];
                qq += q[k] * q[k];
                yy += p[k] * p[k];
            }
            total -= qy / (sqrt(qq) * sqrt(yy));
        }
        line = strchr(line, '\n') + 1;
    }
    return total / N_TEST;
}

static const struct {
    const char *loss, *last;
} LOSSES[] = {
    { "cross_entropy", "dense 3 softmax" },
    { "kl_divergence", "dense 3 softmax" },
    { "cosine_similarity", "dense 3" },
};

START_TEST(each_loss_trains_on_soft_targets_and_is_the_stated_formula)
{
    write_data();
    const char *loss = LOSSES[_i].loss;
    char name[64], *out;
    snprintf(name, sizeof name, "soft_%d", _i);
    ck_assert_msg(build(name, loss, LOSSES[_i].last, &out) == 0, "%s", out);
    free(out);
    ck_assert_int_eq(trainer(name, "train --out run --overwrite", &out), 0);
    double accuracy = test_accuracy(out);
    ck_assert_msg(accuracy > 0.8, "%s: test accuracy %g (chance 0.33):\n%s", loss, accuracy,
                  out);
    free(out);
    char *eval, *csv;
    ck_assert_int_eq(trainer(name, "eval --out run", &eval), 0);
    ck_assert_int_eq(trainer(name, "predict --out run --csv --count 1000 2>/dev/null", &csv), 0);
    double printed, acc;
    const char *t = strstr(eval, "test: loss ");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(sscanf(t, "test: loss %lf accuracy %lf", &printed, &acc), 2);
    double want = loss_from_outputs(csv, loss);
    /* eval prints 4 decimals */
    ck_assert_msg(fabs(printed - want) < 6e-5, "%s: eval says %.4f, the formula %.6f", loss,
                  printed, want);
    free(eval);
    free(csv);
}
END_TEST

START_TEST(kl_divergence_is_cross_entropy_less_the_entropy)
{
    /* trained alike (the same gradient), the two losses of epoch 1 differ by
       the mean entropy of the training rows' targets, which is not small */
    write_data();
    char *out, *ce_curve, *kl_curve, path[700];
    ck_assert_msg(build("kl_ce", "cross_entropy", "dense 3 softmax", &out) == 0, "%s", out);
    free(out);
    ck_assert_int_eq(trainer("kl_ce", "train --epochs 1 --out ce_run --overwrite", &out), 0);
    free(out);
    ck_assert_msg(build("kl_kl", "kl_divergence", "dense 3 softmax", &out) == 0, "%s", out);
    free(out);
    ck_assert_int_eq(trainer("kl_kl", "train --epochs 1 --out kl_run --overwrite", &out), 0);
    free(out);
    path_in(path, sizeof path, "ce_run/curve.csv");
    ce_curve = slurp(path);
    path_in(path, sizeof path, "kl_run/curve.csv");
    kl_curve = slurp(path);
    double ce, kl;
    int epoch;
    ck_assert_int_eq(sscanf(strchr(ce_curve, '\n') + 1, "%d,%lf", &epoch, &ce), 2);
    ck_assert_int_eq(sscanf(strchr(kl_curve, '\n') + 1, "%d,%lf", &epoch, &kl), 2);
    ck_assert_msg(ce - kl > 0.1, "cross-entropy %g, KL %g", ce, kl);
    free(ce_curve);
    free(kl_curve);
}
END_TEST

START_TEST(other_losses_read_other_meanings)
{
    /* mse on several columns stays a regression of each, binary
       cross-entropy makes them labels (test_multi_label.c) */
    write_data();
    char *out;
    ck_assert_int_eq(build("soft_mse", "mse", "dense 3 softmax", &out), 0);
    ck_assert_ptr_null(strstr(out, "soft targets"));
    free(out);
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "%s check %s/soft_mse.nn", nnc_bin(), fixture_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_msg(strstr(out, "\nloss mse, optimizer") != NULL, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s check %s/soft_0.nn", nnc_bin(), fixture_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_msg(strstr(out, "\nloss cross_entropy against soft targets (a probability per "
                              "class), optimizer") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(a_row_that_is_no_distribution_names_its_line)
{
    write_data();
    char *out, path[700];
    ck_assert_msg(build("soft_bad", "cross_entropy", "dense 3 softmax", &out) == 0, "%s", out);
    free(out);
    path_in(path, sizeof path, "bad/train.csv");
    make_dir("%s/bad", fixture_dir());
    write_text(path, "x,y,p0,p1,p2\n0,0,0.5,0.5,0\n1,1,0.7,0.6,0\n");
    path_in(path, sizeof path, "bad/test.csv");
    write_text(path, "x,y,p0,p1,p2\n0,0,0.5,0.5,0\n");
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "cd %s/bad && ../soft_bad train --out run", fixture_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_msg(strstr(out, "train.csv: line 3: the 3 target columns sum to 1.3, not 1") != NULL,
                  "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("soft_targets");
    TCase *tc = tcase_create("soft targets");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, each_loss_trains_on_soft_targets_and_is_the_stated_formula, 0,
                        (int)(sizeof LOSSES / sizeof LOSSES[0]));
    tcase_add_test(tc, kl_divergence_is_cross_entropy_less_the_entropy);
    tcase_add_test(tc, other_losses_read_other_meanings);
    tcase_add_test(tc, a_row_that_is_no_distribution_names_its_line);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
