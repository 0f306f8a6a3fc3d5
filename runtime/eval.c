/* eval.c: a model's loss and accuracy (or MAE and RMSE) on a data set, and
 * the `eval` command, which reports them for the test set from a weights
 * file. */
#include <stdio.h>
#include <stdlib.h>

#include "nnrt_internal.h"

void nnrt_evaluate(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                   nnrt_scores *out)
{
    double loss_sum = 0;
    nnrt_tally tally = { 0, 0, 0 };
    for (int i = 0; i < ds->n_samples; i++)
        order[i] = i;
    /* inference mode (no dropout), as many rows per call as the buffers hold */
    for (int first = 0; first < ds->n_samples; first += m->max_batch) {
        int n = ds->n_samples - first < m->max_batch ? ds->n_samples - first : m->max_batch;
        nnrt_model_batch(m, ds, order, first, n, y);
        m->forward(n, 0, NULL);
        loss_sum += m->loss(n, y);
        nnrt_tally_add(m, y, n, &tally);
    }
    int total = ds->n_samples > 0 ? ds->n_samples : 1;
    out->loss = loss_sum / total + nnrt_penalty(m);   /* the weights' penalty, once, as Keras */
    nnrt_tally_means(m, &tally, ds->n_samples, &out->accuracy, &out->mae, &out->rmse);
}

void nnrt_print_test(const nnrt_model *m, const nnrt_scores *s)
{
    if (m->task == NNRT_TASK_REGRESS)
        printf("test: loss %.4f mae %.4f rmse %.4f\n", s->loss, s->mae, s->rmse);
    else
        printf("test: loss %.4f accuracy %.4f\n", s->loss, s->accuracy);
    fflush(stdout);
}

int nnrt_eval_run(const nnrt_model *m, const char *weights_path, int limit, nnrt_error *err)
{
    if (nnrt_weights_load(m, weights_path, err) != 0)
        return -1;
    nnrt_dataset test;
    if (nnrt_model_data_load(m, 1, &test, err) != 0)
        return -1;
    nnrt_dataset_limit(&test, limit);
    int *order = malloc(((size_t)test.n_samples + 1) * sizeof *order);
    int *y = malloc((size_t)m->max_batch * sizeof *y);
    int rc = 0;
    if (!order || !y) {
        rc = nnrt_fail(err, "out of memory");
    } else if (test.n_samples == 0) {
        rc = nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    } else {
        nnrt_scores scores;
        nnrt_evaluate(m, &test, order, y, &scores);
        nnrt_print_test(m, &scores);
    }
    free(order);
    free(y);
    nnrt_dataset_free(&test);
    return rc;
}
