/* metrics.c: accuracy. */
#include "nnrt.h"

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
    if (!m->binary_positive)
        return nnrt_count_correct(m->output, y, n, m->n_classes);
    int correct = 0;
    for (int r = 0; r < n; r++)
        correct += (m->output[r] > 0.5f) == (y[r] == 1);
    return correct;
}
