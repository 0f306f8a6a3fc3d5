/* eval.c: a model's loss and accuracy on a labelled set, and the `eval`
 * command, which reports them for the test set from a weights file. */
#include <stdio.h>
#include <stdlib.h>

#include "nnrt_internal.h"

void nnrt_evaluate(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                   double *loss, double *accuracy)
{
    double loss_sum = 0;
    long correct = 0;
    for (int i = 0; i < ds->n_samples; i++)
        order[i] = i;
    /* inference mode (no dropout), as many rows per call as the buffers hold */
    for (int first = 0; first < ds->n_samples; first += m->max_batch) {
        int n = ds->n_samples - first < m->max_batch ? ds->n_samples - first : m->max_batch;
        nnrt_batch_fill(ds, order, first, n, m->scale, m->input, y);
        nnrt_labels_map(m, y, n);
        m->forward(n, 0, NULL);
        loss_sum += m->loss(n, y);
        correct += nnrt_model_correct(m, y, n);
    }
    int total = ds->n_samples > 0 ? ds->n_samples : 1;
    *loss = loss_sum / total + nnrt_penalty(m);   /* the weights' penalty, once, as Keras */
    *accuracy = (double)correct / total;
}

int nnrt_eval_run(const nnrt_model *m, const char *weights_path, int limit, nnrt_error *err)
{
    if (nnrt_weights_load(m, weights_path, err) != 0)
        return -1;
    nnrt_dataset test;
    if (nnrt_dataset_load(m->test_images, m->test_labels, (size_t)m->in_size, nnrt_label_bound(m),
                          &test, err) != 0)
        return -1;
    nnrt_dataset_limit(&test, limit);
    int *order = malloc(((size_t)test.n_samples + 1) * sizeof *order);
    int *y = malloc((size_t)m->max_batch * sizeof *y);
    int rc = 0;
    if (!order || !y) {
        rc = nnrt_fail(err, "out of memory");
    } else if (test.n_samples == 0) {
        rc = nnrt_fail(err, "%s: no test samples", m->test_images);
    } else {
        double loss, accuracy;
        nnrt_evaluate(m, &test, order, y, &loss, &accuracy);
        printf("test: loss %.4f accuracy %.4f\n", loss, accuracy);
        fflush(stdout);
    }
    free(order);
    free(y);
    nnrt_dataset_free(&test);
    return rc;
}
