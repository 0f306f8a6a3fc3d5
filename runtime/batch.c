/* batch.c: the per-epoch shuffle and the per-step batch, in the training
 * loop, so neither allocates. */
#include "nnrt_internal.h"

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

/* x is (n, n_features), y is (n); row r is sample order[first + r].
 * Features go in as they are: a CSV's scaling is the user's to choose. */
static void csv_fill(const nnrt_dataset *ds, const int *order, int first, int n, float *x, int *y)
{
    size_t width = (size_t)ds->n_features;
    for (int r = 0; r < n; r++) {
        size_t s = (size_t)order[first + r];
        const float *src = ds->features + s * width;
        for (size_t c = 0; c < width; c++)
            x[(size_t)r * width + c] = src[c];
        /* checked at load to be a whole number in range, so the cast is exact */
        y[r] = ds->target_labels ? (int)ds->targets[s * (size_t)ds->n_targets] : 0;
    }
}

/* x is (n, sample_bytes) floats, y is (n) ints; row r is sample order[first + r] */
void nnrt_batch_fill(const nnrt_dataset *ds, const int *order, int first, int n, float scale,
                     float *x, int *y)
{
    if (ds->features) {
        csv_fill(ds, order, first, n, x, y);
        return;
    }
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

/* t is (n, n_targets); row r is sample order[first + r] */
void nnrt_batch_targets(const nnrt_dataset *ds, const int *order, int first, int n, float *t)
{
    size_t width = (size_t)ds->n_targets;
    for (int r = 0; r < n; r++) {
        const float *src = ds->targets + (size_t)order[first + r] * width;
        for (size_t c = 0; c < width; c++)
            t[(size_t)r * width + c] = src[c];
    }
}
