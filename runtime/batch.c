/* batch.c: the per-epoch shuffle and the per-step batch, in the training
 * loop, so neither allocates. */
#include "nnrt.h"

/* Fisher-Yates (Durstenfeld's form): position i takes a uniform pick from
 * positions 0..i, i included, so all n! orders are equally likely. */
void nnrt_shuffle(int *order, int n, nnrt_rng *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)nnrt_rng_below(rng, (uint32_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* x is (n, sample_bytes) floats, y is (n) ints; row r is sample order[first + r] */
void nnrt_batch_fill(const nnrt_dataset *ds, const int *order, int first, int n, float scale,
                     float *x, int *y)
{
    size_t width = ds->sample_bytes;
    for (int r = 0; r < n; r++) {
        size_t s = (size_t)order[first + r];
        const uint8_t *src = ds->pixels + s * width;
        float *dst = x + (size_t)r * width;
        for (size_t b = 0; b < width; b++)
            dst[b] = (float)src[b] * scale;
        y[r] = ds->labels[s];
    }
}
