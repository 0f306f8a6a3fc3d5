/* metrics.c: accuracy (for a multi-label model, of every label), and for
 * regression MAE and RMSE. */
#include <math.h>

#include "nnrt_internal.h"

/* out is (n, k), y is (n).  The predicted class is the first index of the
 * row's maximum, as numpy's argmax (and so Keras's accuracy) picks it. */
int nnrt_count_correct(const float *out, const int *y, int n, int k)
{
    int correct = 0;
    for (int r = 0; r < n; r++) {
        const float *row = out + (size_t)r * (size_t)k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best])
                best = c;
        correct += best == y[r];
    }
    return correct;
}

int nnrt_label_bound(const nnrt_model *m)
{
    return m->binary_positive ? 32 : m->n_classes;
}

void nnrt_labels_map(const nnrt_model *m, int *y, int n)
{
    if (!m->binary_positive)
        return;
    for (int i = 0; i < n; i++)
        y[i] = (int)((m->binary_positive >> y[i]) & 1u);
}

int nnrt_model_correct(const nnrt_model *m, const int *y, int n)
{
    if (m->multi_label) {   /* labels right, as Keras's binary_accuracy counts them */
        const float *out = nnrt_output(m), *t = nnrt_target(m);
        int correct = 0;
        for (size_t i = 0; i < (size_t)n * (size_t)m->n_classes; i++)
            correct += (out[i] > 0.5f) == (t[i] > 0.5f);
        return correct;
    }
    if (!m->binary_positive)
        return nnrt_count_correct(nnrt_output(m), y, n, m->n_classes);
    int correct = 0;
    for (int r = 0; r < n; r++)
        correct += (nnrt_output(m)[r] > 0.5f) == (y[r] == 1);
    return correct;
}

/* out and t are (n, k) */
void nnrt_regress_errors(const float *out, const float *t, int n, int k, double *abs_sum,
                         double *sq_sum)
{
    size_t count = (size_t)n * (size_t)k;
    for (size_t i = 0; i < count; i++) {
        double d = (double)out[i] - (double)t[i];
        *abs_sum += fabs(d);
        *sq_sum += d * d;
    }
}

void nnrt_tally_add(const nnrt_model *m, const int *y, int n, nnrt_tally *t)
{
    if (m->task == NNRT_TASK_REGRESS)
        nnrt_regress_errors(nnrt_output(m), nnrt_target(m), n, m->n_classes, &t->abs_err, &t->sq_err);
    else
        t->correct += nnrt_model_correct(m, y, n);
}

/* MAE and RMSE are means over every output value: n_samples * n_classes;
 * so is a multi-label model's accuracy (the share of labels right) */
void nnrt_tally_means(const nnrt_model *m, const nnrt_tally *t, int n_samples, double *accuracy,
                      double *mae, double *rmse)
{
    double samples = n_samples > 0 ? n_samples : 1;
    double values = samples * (m->n_classes > 0 ? m->n_classes : 1);
    *accuracy = m->task == NNRT_TASK_REGRESS ? 0
                : (double)t->correct / (m->multi_label ? values : samples);
    *mae = t->abs_err / values;
    *rmse = sqrt(t->sq_err / values);
}
