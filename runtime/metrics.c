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
