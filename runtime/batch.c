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

int nnrt_row_label(const nnrt_dataset *ds, size_t s)
{
    const float *t = ds->targets + s * (size_t)ds->n_targets;
    int best = 0;
    for (int k = 1; k < ds->n_targets; k++)   /* the first largest, as accuracy counts */
        best = t[k] > t[best] ? k : best;
    /* one column: checked at load to be a whole number in range, so the cast is exact */
    return ds->n_targets == 1 ? (int)t[0] : best;
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
        y[r] = ds->target_labels ? nnrt_row_label(ds, s) : 0;
    }
}

/* dst[i] = src[i] * scale for i in [0, width).  In blocks of constant
 * length, which gcc vectorizes at -O2 (optim.h says why). */
enum { FILL_BLOCK = 64 };

static void scale_pixels(float *restrict dst, const uint8_t *restrict src, size_t width,
                         float scale)
{
    size_t b = 0;
    for (; b + FILL_BLOCK <= width; b += FILL_BLOCK)
        for (int k = 0; k < FILL_BLOCK; k++)
            dst[b + k] = (float)src[b + k] * scale;
    for (; b < width; b++)
        dst[b] = (float)src[b] * scale;
}

/* x is (n, sample_bytes) floats, y is (n) ints; row r is sample order[first + r].
 * The samples are in shuffled order, far apart in memory, so the batch's
 * bytes are all asked for first, and arrive together while the first rows
 * are converted: a fashion_mlp step spent 7% of its time here, scalar and
 * a sample at a time, and 2.5% so. */
void nnrt_batch_fill(const nnrt_dataset *ds, const int *order, int first, int n, float scale,
                     float *x, int *y)
{
    if (ds->features) {
        csv_fill(ds, order, first, n, x, y);
        return;
    }
    size_t width = ds->sample_bytes;
    for (int r = 0; r < n; r++) {
        const uint8_t *src = ds->pixels + (size_t)order[first + r] * width;
        for (size_t b = 0; b < width; b += 64)   /* 64: a cache line */
            __builtin_prefetch(src + b);
        if (width > 0)
            __builtin_prefetch(src + width - 1);   /* a row may end on one line more */
    }
    for (int r = 0; r < n; r++) {
        size_t s = (size_t)order[first + r];
        scale_pixels(x + (size_t)r * width, ds->pixels + s * width, width, scale);
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
