/* dataset.c: where data files are found; an images file and a labels file
 * made into one labelled set, checked against each other and against the
 * model; then the views a run needs (the first N samples, a validation
 * split), for IDX and CSV sets alike.
 *
 * Messages name the resolved path of the file at fault, so a user with two
 * copies of a data set knows which one is bad. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nnrt_internal.h"

/* "28x28" from an IDX file's dims after the first ("1" for single bytes) */
static void item_shape(const nnrt_idx *idx, char *out, size_t len)
{
    size_t used = 0;
    snprintf(out, len, "1");
    for (int i = 1; i < idx->ndims && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, i > 1 ? "x%d" : "%d", idx->dims[i]);
}

/* The checks between the two files and against the model. */
static int check_pair(const char *images_path, const nnrt_idx *im, const char *labels_path,
                      const nnrt_idx *lb, size_t sample_bytes, int n_classes, nnrt_error *err)
{
    if (lb->ndims != 1)
        return nnrt_fail(err, "%s: byte 3: %d dimensions; a labels file has 1", labels_path,
                         lb->ndims);
    if (im->dims[0] != lb->dims[0])
        return nnrt_fail(err, "%s: byte 4: %d labels for the %d images of %s", labels_path,
                         lb->dims[0], im->dims[0], images_path);
    if (im->item_bytes != sample_bytes) {
        char shape[64];
        item_shape(im, shape, sizeof shape);
        return nnrt_fail(err, "%s: byte %d: images of %s (%zu bytes); the model's input takes %zu",
                         images_path, im->ndims > 1 ? 8 : 3, shape, im->item_bytes, sample_bytes);
    }
    if (n_classes > 0)
        for (int i = 0; i < lb->dims[0]; i++)
            if (lb->bytes[i] >= n_classes)
                return nnrt_fail(err, "%s: byte %d: label %d; the model has %d classes (0 to %d)",
                                 labels_path, 8 + i, lb->bytes[i], n_classes, n_classes - 1);
    return 0;
}

int nnrt_dataset_load(const char *images, const char *labels, size_t sample_bytes,
                      int n_classes, nnrt_dataset *out, nnrt_error *err)
{
    char images_path[NNRT_DATA_PATH_MAX], labels_path[NNRT_DATA_PATH_MAX];
    nnrt_data_place images_place, labels_place;
    memset(out, 0, sizeof *out);
    if (nnrt_data_find(images, images_path, sizeof images_path, &images_place, err) != 0 ||
        nnrt_data_find(labels, labels_path, sizeof labels_path, &labels_place, err) != 0)
        return -1;
    nnrt_idx im, lb;
    if (nnrt_idx_load(images_path, &im, err) != 0)
        return -1;
    if (nnrt_idx_load(labels_path, &lb, err) != 0 ||
        check_pair(images_path, &im, labels_path, &lb, sample_bytes, n_classes, err) != 0) {
        nnrt_idx_free(&im);
        nnrt_idx_free(&lb);   /* zeroed by a failed load, so safe either way */
        return -1;
    }
    out->n_samples = im.dims[0];
    out->sample_bytes = im.item_bytes;
    out->sample_ndims = im.ndims - 1;
    for (int i = 1; i < im.ndims; i++)
        out->sample_dims[i - 1] = im.dims[i];
    out->pixels = im.bytes;
    out->labels = lb.bytes;
    out->images_idx = im;
    out->labels_idx = lb;
    memcpy(out->path, images_path, sizeof out->path);
    memcpy(out->labels_path, labels_path, sizeof out->labels_path);
    out->place = images_place;
    out->labels_place = labels_place;
    return 0;
}

void nnrt_dataset_free(nnrt_dataset *ds)
{
    nnrt_idx_free(&ds->images_idx);
    nnrt_idx_free(&ds->labels_idx);
    free(ds->csv_owner);
    memset(ds, 0, sizeof *ds);
}

void nnrt_dataset_limit(nnrt_dataset *ds, int limit)
{
    if (limit > 0 && limit < ds->n_samples)
        ds->n_samples = limit;
}

/* A view of samples [first, first + n) of ds: same memory, no owners. */
static nnrt_dataset view(const nnrt_dataset *ds, int first, int n)
{
    nnrt_dataset v = *ds;
    v.n_samples = n;
    v.pixels = ds->pixels + (size_t)first * ds->sample_bytes;
    v.labels = ds->labels ? ds->labels + first : NULL;
    if (ds->features) {
        v.pixels = NULL;
        v.features = ds->features + (size_t)first * (size_t)ds->n_features;
        v.targets = ds->targets + (size_t)first * (size_t)ds->n_targets;
    }
    v.csv_owner = NULL;
    memset(&v.images_idx, 0, sizeof v.images_idx);
    memset(&v.labels_idx, 0, sizeof v.labels_idx);
    return v;
}

void nnrt_dataset_split(const nnrt_dataset *all, double fraction, nnrt_dataset *train,
                        nnrt_dataset *val)
{
    int n = all->n_samples;
    /* held out: n * fraction rounded to nearest (halves up), leaving at
     * least one sample to train on; NaN and negatives hold out nothing */
    double want = fraction > 0 ? floor((double)n * fraction + 0.5) : 0;
    int n_val = want < (double)n ? (int)want : n;
    if (n_val > n - 1)
        n_val = n > 0 ? n - 1 : 0;
    /* train first: all may be one of the outputs */
    nnrt_dataset whole = *all;
    *train = view(&whole, 0, n - n_val);
    *val = view(&whole, n - n_val, n_val);
}
