/* series.c: a model's samples from one series, `series "FILE" column=NAME`
 * with `window W` and `horizon H` in its .nn file: a CSV column read in
 * row order, which is time order.
 *
 * The series is cut in time, never shuffled across a cut: its last
 * test_fraction of values is the test part, the values before it the
 * training part (whose last windows the trainer holds out for validation,
 * as it does any training file's last rows).  Each part makes its own
 * samples: window i is values [i, i + W) of the part, its target the value
 * H steps after the window's last, [i + W + H - 1].  So a part of n values
 * makes n - W - H + 1 samples, and no test sample sees a training value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

int nnrt_series_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    nnrt_dataset column;
    const char *const columns[1] = { m->series_column };
    if (nnrt_csv_load(m->series_csv, columns, 1, NULL, 0, 0, &column, err) != 0)
        return -1;
    const float *v = column.features;
    int n = column.n_samples, w = m->window, h = m->horizon;
    int n_test = (int)nnrt_test_part(n, m->test_fraction);
    int from = test ? n - n_test : 0, to = test ? n : n - n_test;
    long samples = (long)(to - from) - w - h + 1;
    if (samples < 1) {
        nnrt_fail(err, "%s: the %s part of the series has %d value%s (of %d), too few for a "
                  "window of %d and a horizon of %d: it needs %d or more; use a longer series, "
                  "a shorter window, or another 'test' fraction", column.path,
                  test ? "test" : "training", to - from, to - from == 1 ? "" : "s", n, w, h,
                  w + h);
        nnrt_dataset_free(&column);
        return -1;
    }
    float *block = malloc((size_t)samples * (size_t)(w + 1) * sizeof *block);
    if (!block) {
        nnrt_dataset_free(&column);
        return nnrt_fail(err, "out of memory for %ld windows of %d values", samples, w);
    }
    float *x = block, *t = block + (size_t)samples * (size_t)w;
    for (long i = 0; i < samples; i++) {
        memcpy(x + (size_t)i * (size_t)w, v + from + i, (size_t)w * sizeof *x);
        t[i] = v[from + i + w + h - 1];
    }
    memset(out, 0, sizeof *out);
    out->n_samples = (int)samples;
    out->features = x;
    out->targets = t;
    out->n_features = w;
    out->n_targets = 1;
    out->csv_owner = block;
    memcpy(out->path, column.path, sizeof out->path);
    out->place = column.place;
    nnrt_dataset_free(&column);
    return 0;
}

void nnrt_series_naive(const nnrt_dataset *ds, double *mae, double *rmse)
{
    double abs_sum = 0, sq_sum = 0;
    int w = ds->n_features;
    for (int i = 0; i < ds->n_samples; i++) {
        double err = (double)ds->features[(size_t)i * (size_t)w + (size_t)w - 1] - ds->targets[i];
        abs_sum += fabs(err);
        sq_sum += err * err;
    }
    int n = ds->n_samples > 0 ? ds->n_samples : 1;
    *mae = abs_sum / n;
    *rmse = sqrt(sq_sum / n);
}
