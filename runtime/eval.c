/* eval.c: a model's loss and accuracy (or MAE and RMSE) on a data set, a
 * classifier's confusion matrix and per-class scores (confusion.c) on the
 * test set, and the `eval` command, which reports them from a weights
 * file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "page.h"

/* nnrt_evaluate, also counting every sample into confusion (k x k, k =
 * nnrt_class_count(m)) when it is not NULL, and what a run's page shows
 * into findings (page.h) when that is not NULL. */
static void evaluate(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                     nnrt_scores *out, long *confusion, long *labels, nnrt_findings *findings)
{
    double loss_sum = 0;
    nnrt_tally tally = { 0, 0, 0 };
    int k = nnrt_class_count(m);
    for (int i = 0; i < ds->n_samples; i++)
        order[i] = i;
    /* inference mode (no dropout), as many rows per call as the buffers hold */
    for (int first = 0; first < ds->n_samples; first += m->max_batch) {
        int n = ds->n_samples - first < m->max_batch ? ds->n_samples - first : m->max_batch;
        nnrt_model_batch(m, ds, order, first, n, y);
        loss_sum += nnrt_run_batch(m, n, y, 0, NULL, 0);
        nnrt_tally_add(m, y, n, &tally);
        for (int r = 0; confusion && r < n; r++)
            confusion[(size_t)y[r] * (size_t)k + (size_t)nnrt_predicted_class(m, r)]++;
        if (labels)
            nnrt_multilabel_add(m, n, labels);
        if (findings)
            nnrt_findings_add(findings, m, y, first, n);
    }
    int total = ds->n_samples > 0 ? ds->n_samples : 1;
    out->loss = loss_sum / total + nnrt_penalty(m);   /* the weights' penalty, once, as Keras */
    nnrt_tally_means(m, &tally, ds->n_samples, &out->accuracy, &out->mae, &out->rmse);
}

void nnrt_evaluate(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                   nnrt_scores *out)
{
    evaluate(m, ds, order, y, out, NULL, NULL, NULL);
}

/* x, with a NaN's sign bit cleared: printf shows "-nan" for some NaNs,
 * and a NaN has no sign worth showing */
static double plain_nan(double x)
{
    return isnan(x) ? fabs(x) : x;
}

void nnrt_print_test(const nnrt_model *m, const nnrt_scores *s)
{
    if (m->task == NNRT_TASK_REGRESS)
        printf("test: loss %.4f mae %.4f rmse %.4f\n", plain_nan(s->loss), plain_nan(s->mae),
               plain_nan(s->rmse));
    else
        printf("test: loss %.4f accuracy %.4f\n", plain_nan(s->loss), plain_nan(s->accuracy));
    fflush(stdout);
}

/* ---- a classifier's metrics ------------------------------------------------ */

/* A matrix for m's classes and scratch scores; k is 0 for a model that
 * gets no metrics: a REGRESS model, or one with too many classes. */
typedef struct confusion {
    int k;
    int too_many;               /* classes, when more than a matrix takes */
    long *matrix;
    nnrt_class_scores *scores;
    long *labels;               /* a multi-label model's counts (multilabel.c) */
} confusion;

static int confusion_alloc(const nnrt_model *m, confusion *c, nnrt_error *err)
{
    c->k = nnrt_class_count(m);
    c->too_many = 0;
    c->matrix = NULL;
    c->scores = NULL;
    c->labels = NULL;
    if (m->multi_label &&
        !(c->labels = calloc(NNRT_MULTILABEL_COUNTS(m->n_classes), sizeof *c->labels)))
        return nnrt_fail(err, "out of memory for %d labels' counts", m->n_classes);
    if (c->k > NNRT_CONFUSION_MAX_CLASSES) {
        c->too_many = c->k;
        c->k = 0;
    }
    if (c->k == 0)
        return 0;
    c->matrix = calloc((size_t)c->k * (size_t)c->k, sizeof *c->matrix);
    c->scores = calloc((size_t)c->k, sizeof *c->scores);
    if (!c->matrix || !c->scores)
        return nnrt_fail(err, "out of memory for a confusion matrix of %d classes", c->k);
    return 0;
}

static void confusion_free(confusion *c)
{
    free(c->matrix);
    free(c->scores);
    free(c->labels);
}

static int path_in(char *path, size_t len, const char *dir, const char *file, nnrt_error *err)
{
    if ((size_t)snprintf(path, len, "%s/%s", dir, file) >= len)
        return nnrt_fail(err, "%s: path too long", dir);
    return 0;
}

/* What c counted, on stdout and (dir not NULL) in DIR's two files. */
static int report(const nnrt_model *m, const confusion *c, const char *dir, nnrt_error *err)
{
    if (c->labels)
        return nnrt_multilabel_report(m, c->labels, dir, err);
    if (c->too_many) {
        printf("no confusion matrix: %d classes, more than the %d it takes\n", c->too_many,
               NNRT_CONFUSION_MAX_CLASSES);
        fflush(stdout);
    }
    if (c->k == 0)
        return 0;
    nnrt_confusion_print(stdout, c->matrix, c->k, m->class_names, c->scores);
    fflush(stdout);
    if (!dir)
        return 0;
    char confusion_path[NNRT_PATH_MAX], metrics_path[NNRT_PATH_MAX];
    if (nnrt_mkdirs(dir, err) != 0 ||
        path_in(confusion_path, sizeof confusion_path, dir, "confusion.csv", err) != 0 ||
        path_in(metrics_path, sizeof metrics_path, dir, "metrics.csv", err) != 0 ||
        nnrt_confusion_save(confusion_path, c->matrix, c->k, m->class_names, err) != 0 ||
        nnrt_metrics_save(metrics_path, c->matrix, c->k, m->class_names, c->scores, err) != 0)
        return -1;
    printf("saved %s and %s\n", confusion_path, metrics_path);
    fflush(stdout);
    return 0;
}

/* A loss of NaN or infinity is no result: the outputs overflowed (the
 * weights are finite: nnrt_weights_load refuses others), and a script
 * reading "test: loss nan" with exit status 0 would take it for one. */
static int not_finite(const nnrt_model *m, double loss, nnrt_error *err)
{
    return nnrt_fail(err, "%s: the test loss is %s: the model's outputs overflow with these "
                     "weights, so there is nothing to report", nnrt_model_data_name(m, 1),
                     isnan(loss) ? "NaN" : "infinite");
}

int nnrt_test_report(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                     const char *dir, const nnrt_page_source *page, nnrt_error *err)
{
    confusion c;
    nnrt_findings found;
    nnrt_findings *findings = dir && page ? &found : NULL;   /* what the page shows */
    int rc = confusion_alloc(m, &c, err);
    if (rc == 0 && findings)
        rc = nnrt_findings_init(findings, m, err);
    else
        findings = NULL;
    if (findings && c.labels)
        findings->keep_wrong = 0;   /* a multi-label model has no one class to get wrong */
    if (rc == 0) {
        nnrt_scores scores;
        double start = nnrt_now();
        evaluate(m, ds, order, y, &scores, c.matrix, c.labels, findings);   /* one pass for all */
        double seconds = nnrt_now() - start;
        nnrt_print_test(m, &scores);
        if (m->series_csv) {
            double mae, rmse;
            nnrt_series_naive(ds, &mae, &rmse);
            printf("naive forecast (the window's last value): mae %.4f rmse %.4f\n", mae, rmse);
            fflush(stdout);
        }
        rc = isfinite(scores.loss) ? report(m, &c, dir, err) : not_finite(m, scores.loss, err);
        nnrt_page_test t = { page, ds, scores, seconds, c.labels ? NULL : c.matrix,
                             c.labels ? 0 : c.k, c.labels, findings };
        if (rc == 0 && dir)
            rc = nnrt_page_after_test(m, dir, &t, err);
    }
    if (findings)
        nnrt_findings_free(findings);
    confusion_free(&c);
    return rc;
}

/* ---- the command ------------------------------------------------------------- */

int nnrt_eval_run_dir(const nnrt_model *m, const char *weights_path, int limit, const char *dir,
                      nnrt_error *err)
{
    nnrt_dataset test;
    memset(&test, 0, sizeof test);
    int rc = nnrt_weights_load(m, weights_path, err);
    int loaded = rc == 0 && (rc = nnrt_model_data_load(m, 1, &test, err)) == 0;
    if (loaded)
        nnrt_dataset_limit(&test, limit);
    char what[64];
    snprintf(what, sizeof what, "eval --limit %d", limit);
    rc = nnrt_dist_agree_weights(m, rc, err, loaded ? &test : NULL, what);   /* MPI: all alike */
    if (rc != 0) {
        if (loaded)
            nnrt_dataset_free(&test);
        return rc;
    }
    nnrt_model_data_print(m, NULL, &test, 0);
    int *order = malloc(((size_t)test.n_samples + 1) * sizeof *order);
    int *y = malloc((size_t)m->max_batch * sizeof *y);
    nnrt_page_source page = { "eval", NULL, m->seed };
    if (!order || !y)
        rc = nnrt_fail(err, "out of memory");
    else if (test.n_samples == 0)
        rc = nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    else   /* the page's augmentation preview of test images, as the model's seed draws */
        rc = nnrt_test_report(m, &test, order, y, dir, &page, err);
    free(order);
    free(y);
    nnrt_dataset_free(&test);
    return rc;
}

int nnrt_eval_run(const nnrt_model *m, const char *weights_path, int limit, nnrt_error *err)
{
    return nnrt_eval_run_dir(m, weights_path, limit, NULL, err);
}
