/* test_multi_label.c: several yes/no labels a sample: a sigmoid output
 * and a 0/1 CSV target column each, binary cross-entropy.
 *
 * The data: points in a square, labelled "right" (x > 0), "up" (y > 0) and
 * "far" (x + y > 1), any number of them at once.  A model trained on them
 * gets each label right well above chance, and reports per label what
 * multilabel.c says (precision, recall, F1 from counts it saves, the
 * macro average, the samples with every label right); gradcheck passes;
 * predict shows each label's answer; the checker and the loader refuse
 * what does not fit. */
#include <check.h>

#define SUITE_DIR "multi_label"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "trainer_util.h"

static void write_rows(const char *name, int n, uint32_t seed)
{
    char path[600];
    path_in(path, sizeof path, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "x,y,right,up,far\n");
    for (int i = 0; i < n; i++) {
        double x = 4 * lcg_uniform(&seed) - 2, y = 4 * lcg_uniform(&seed) - 2;
        fprintf(f, "%.4f,%.4f,%d,%d,%d\n", x, y, x > 0, y > 0, x + y > 1);
    }
    fclose(f);
}

static const char NN[] =
    "model tags\n"
    "data {\n"
    "    train {\n        csv \"train.csv\"\n    }\n"
    "    test {\n        csv \"test.csv\"\n    }\n"
    "    inputs x y\n    targets right up far\n"
    "    classes \"right\" \"up\" \"far\"\n"
    "%s"
    "}\n"
    "network {\n    input 2\n    dense 16 relu\n    %s\n}\n"
    "train {\n    loss binary_cross_entropy\n    optimizer adam lr=0.01\n    batch 32\n"
    "    epochs 20\n    seed 1\n}\n";

/* Build tags with the last layer and more data lines; nnc's status */
static int build(const char *last, const char *data, char **out)
{
    char nn[700], exe[700], text[2048], cmd[2000];
    make_dir("%s", fixture_dir());
    write_rows("train.csv", 800, 3);
    write_rows("test.csv", 300, 7);
    snprintf(text, sizeof text, NN, data, last);
    path_in(nn, sizeof nn, "tags.nn");
    write_text(nn, text);
    path_in(exe, sizeof exe, "tags");
    snprintf(cmd, sizeof cmd, "%s build %s -o %s", nnc_bin(), nn, exe);
    return run_cmd(cmd, out);
}

static int tags(const char *args, char **out)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cd %s && ./tags %s", fixture_dir(), args);
    return run_cmd(cmd, out);
}

START_TEST(each_label_is_learned_and_scored)
{
    char *out, path[700];
    ck_assert_msg(build("dense 3 sigmoid", "", &out) == 0, "%s", out);
    free(out);
    ck_assert_int_eq(tags("train --out run --overwrite", &out), 0);
    /* the test line's accuracy is the share of labels right */
    double accuracy = test_accuracy(out);
    ck_assert_msg(accuracy > 0.95, "accuracy %g (chance about 0.5):\n%s", accuracy, out);
    ck_assert_msg(strstr(out, "\nevery label right: ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "\nlabel          precision  recall      f1  support\n0 right  ")
                  != NULL, "%s", out);
    ck_assert_ptr_null(strstr(out, "confusion matrix"));
    free(out);
    ck_assert_int_eq(tags("gradcheck", &out), 0);
    ck_assert_msg(strstr(out, "gradcheck: ok") != NULL, "%s", out);
    free(out);

    /* metrics.csv is what the counts of confusion.csv give */
    path_in(path, sizeof path, "run/confusion.csv");
    char *counts = slurp(path);
    path_in(path, sizeof path, "run/metrics.csv");
    char *metrics = slurp(path);
    ck_assert_msg(strncmp(counts, "label,tn,fp,fn,tp\nright,", 24) == 0, "%s", counts);
    ck_assert_msg(strncmp(metrics, "class,precision,recall,f1,support\nright,", 40) == 0, "%s",
                  metrics);
    const char *c = strchr(counts, '\n') + 1, *mline = strchr(metrics, '\n') + 1;
    long total = 0;
    for (int j = 0; j < 3; j++) {
        long tn, fp, fn, tp, support;
        double precision, recall, f1;
        ck_assert_int_eq(sscanf(strchr(c, ',') + 1, "%ld,%ld,%ld,%ld", &tn, &fp, &fn, &tp), 4);
        ck_assert_int_eq(sscanf(strchr(mline, ',') + 1, "%lf,%lf,%lf,%ld", &precision, &recall,
                                &f1, &support), 4);
        ck_assert_int_eq(tn + fp + fn + tp, 300);
        ck_assert_double_eq_tol(precision, (double)tp / (tp + fp), 1e-6);
        ck_assert_double_eq_tol(recall, (double)tp / (tp + fn), 1e-6);
        ck_assert_double_eq_tol(f1, 2.0 * tp / (2.0 * tp + fp + fn), 1e-6);
        ck_assert_int_eq(support, tp + fn);
        ck_assert_msg(f1 > 0.85, "label %d: f1 %g", j, f1);
        total += tp + fn;
        c = strchr(c, '\n') + 1;
        mline = strchr(mline, '\n') + 1;
    }
    long macro_support;
    ck_assert_int_eq(sscanf(mline, "macro,%*f,%*f,%*f,%ld", &macro_support), 1);
    ck_assert_int_eq(macro_support, total);
    free(counts);
    free(metrics);
    /* the run's page has the same table */
    path_in(path, sizeof path, "run/report.html");
    char *page = slurp(path);
    ck_assert_ptr_nonnull(strstr(page, "<h2>Precision, recall and F1 per label</h2>"));
    ck_assert_ptr_nonnull(strstr(page, "<td>2 far</td>"));
    free(page);

    /* predict: the labels, the answers, a bar each */
    ck_assert_int_eq(tags("predict --out run --count 1", &out), 0);
    ck_assert_msg(strstr(out, "sample 0: labels ") && strstr(out, "; predicted ") &&
                  strstr(out, " of 3 right)\n") && strstr(out, " 2 far  ") &&
                  strstr(out, " labels right\n"), "%s", out);
    free(out);
    ck_assert_int_eq(tags("predict --out run --count 1 --csv 2>/dev/null", &out), 0);
    int index;
    double t[3], p[3];
    ck_assert_int_eq(sscanf(out, "%d,%lf,%lf,%lf,%lf,%lf,%lf", &index, &t[0], &t[1], &t[2], &p[0],
                            &p[1], &p[2]), 7);
    free(out);
    path_in(path, sizeof path, "mine.csv");
    write_text(path, "y,x\n1.5,1.5\n");
    ck_assert_int_eq(tags("predict --out run --input mine.csv", &out), 0);
    ck_assert_msg(strstr(out, "predicted 0 right, 1 up, 2 far\n") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(what_does_not_fit_is_refused)
{
    char *out;
    ck_assert_int_eq(build("dense 3 softmax", "", &out), 1);
    ck_assert_msg(strstr(out, "binary_cross_entropy on 3 target columns answers 3 yes/no labels, "
                              "a sigmoid output each, but the last layer has softmax") != NULL,
                  "%s", out);
    free(out);
    ck_assert_int_eq(build("dense 3 sigmoid", "    positive 1\n", &out), 1);
    ck_assert_msg(strstr(out, "'positive' makes one binary label of classes") != NULL, "%s", out);
    free(out);
    /* a label that is neither 0 nor 1 */
    ck_assert_msg(build("dense 3 sigmoid", "", &out) == 0, "%s", out);
    free(out);
    char path[700];
    path_in(path, sizeof path, "train.csv");
    write_text(path, "x,y,right,up,far\n0,0,1,0,1\n1,1,1,0.5,0\n");
    ck_assert_int_eq(tags("train --out bad --overwrite", &out), 1);
    ck_assert_msg(strstr(out, "train.csv: line 3: column 'up': 0.5; a label column holds 0 (no) "
                              "or 1 (yes)") != NULL, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("multi_label");
    TCase *tc = tcase_create("multi-label");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, each_label_is_learned_and_scored);
    tcase_add_test(tc, what_does_not_fit_is_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
