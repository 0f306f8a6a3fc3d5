/* data.h: the data a trainer reads: IDX and CSV files found by name,
 * checked, split, shuffled and cut into batches (idx.c, csv.c, dataset.c,
 * batch.c).  Internal; not installed.
 *
 * Ownership: an nnrt_idx or nnrt_dataset a load filled owns its memory,
 * freed by its free function; views (split, limit) own nothing. */
#ifndef NNRT_DATA_H
#define NNRT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nnrt.h"
#include "nnrt_error.h"

/* One IDX file (the MNIST format), gzipped or plain, read whole into memory.
 * Only unsigned-byte IDX files (type 0x08) are accepted. */
typedef struct nnrt_idx {
    int ndims;          /* 1 for labels, 3 for images */
    int dims[4];        /* dims[0] is the number of items */
    size_t item_bytes;  /* product of dims[1..] (1 for labels) */
    uint8_t *bytes;     /* dims[0] * item_bytes bytes; owned, free with nnrt_idx_free */
    int from_cache;     /* 1 when a gzip file's bytes came decoded from the cache */
} nnrt_idx;

/* Errors name the file and the byte offset in the *uncompressed* stream:
 *   "train-images-idx3-ubyte.gz: byte 16: expected 47040000 bytes of pixels, found 3120" */
int nnrt_idx_load(const char *path, nnrt_idx *out, nnrt_error *err);
void nnrt_idx_free(nnrt_idx *idx);

/* Decoded gzip files kept on disk (data_cache.c), for gzip bytes
 * gz[0..gz_len) that decode to len bytes: get returns those bytes (in
 * nnrt_big_alloc memory, the caller frees them) when an entry holds them
 * and the gzip trailer's CRC-32 agrees, else NULL; put stores them.
 * Neither fails: a cache that cannot be used is skipped. */
uint8_t *nnrt_cache_get(const uint8_t *gz, size_t gz_len, size_t len);
void nnrt_cache_put(const uint8_t *gz, size_t gz_len, const uint8_t *data, size_t len);

/* Find a data file named in a .nn file.  An absolute path is used as is; a
 * relative one is looked up in $NNC_DATA, then in /usr/share/datasets,
 * then relative to the current directory (so an example shipped in the
 * source tree works from its top).  On failure the message lists every
 * place looked in. */
int nnrt_data_path(const char *name, char *out, size_t out_len, nnrt_error *err);

/* Where nnrt_data_path found a file. */
typedef enum nnrt_data_place {
    NNRT_DATA_AS_GIVEN,     /* an absolute path */
    NNRT_DATA_NNC_DATA,     /* under $NNC_DATA */
    NNRT_DATA_SYSTEM,       /* under /usr/share/datasets */
    NNRT_DATA_CURRENT_DIR,  /* relative to the current directory */
} nnrt_data_place;

/* nnrt_data_path, also saying where the file was found (place may be NULL). */
int nnrt_data_find(const char *name, char *out, size_t out_len, nnrt_data_place *place,
                   nnrt_error *err);

#define NNRT_DATA_PATH_MAX 4096

/* A set of samples, from IDX files or from a CSV file.
 *
 * IDX: n_samples items of sample_bytes bytes each (pixels kept as bytes;
 * converted to floats per batch) and one label byte per sample.
 * CSV (features != NULL): n_features floats and n_targets floats per
 * sample; when target_labels is set the one target is a class label,
 * checked at load to be a whole number in range.
 *
 * The views made by nnrt_dataset_split and nnrt_dataset_limit share memory
 * with the dataset they come from and must not be freed. */
typedef struct nnrt_dataset {
    int n_samples;
    size_t sample_bytes;
    int sample_dims[3];
    int sample_ndims;
    const uint8_t *pixels;  /* n_samples * sample_bytes */
    const uint8_t *labels;  /* n_samples */
    nnrt_idx images_idx;    /* owners of the memory (zeroed in views) */
    nnrt_idx labels_idx;

    /* CSV only */
    const float *features;  /* (n_samples, n_features) */
    const float *targets;   /* (n_samples, n_targets) */
    int n_features, n_targets;
    int target_labels;      /* the one target column holds class labels */
    float *csv_owner;       /* the one block features and targets point into
                               (NULL in views); freed by nnrt_dataset_free */

    /* the files read, as nnrt_data_find found them: the images (or the CSV
       file) and the labels ("" for CSV), for messages */
    char path[NNRT_DATA_PATH_MAX], labels_path[NNRT_DATA_PATH_MAX];
    nnrt_data_place place, labels_place;
} nnrt_dataset;

/* Load an images file and a labels file (names resolved with nnrt_data_path)
 * and check that they agree: same count, labels below n_classes, each image
 * of sample_bytes bytes.  n_classes <= 0 skips the label range check. */
int nnrt_dataset_load(const char *images, const char *labels, size_t sample_bytes,
                      int n_classes, nnrt_dataset *out, nnrt_error *err);
void nnrt_dataset_free(nnrt_dataset *ds);

#define NNRT_CSV_ZERO_ONE (-1)

/* Load a CSV file (name resolved with nnrt_data_path): a header row of
 * column names, then one sample per row of numbers.  Columns are chosen by
 * header name, or by 0-based index in decimal.  label_bound > 0 makes the
 * single target column a class label, each a whole number in
 * [0, label_bound), or several target columns a probability per class
 * (each row in [0, 1] summing to 1); NNRT_CSV_ZERO_ONE makes every target
 * 0 or 1 (a multi-label row).  Errors name the file, the 1-based line and the column:
 *   "houses.csv: line 17: column 'rooms': expected a number, got 'abc'"
 *   "houses.csv: no column 'x' (columns: a, b, c)"
 * On success out owns one block, freed by nnrt_dataset_free. */
int nnrt_csv_load(const char *name, const char *const *inputs, int n_inputs,
                  const char *const *targets, int n_targets, int label_bound,
                  nnrt_dataset *out, nnrt_error *err);
/* The same from the file at path, as given (a person's own file, not
 * the model's data): no search, and no target columns if n_targets is 0. */
int nnrt_csv_read(const char *path, const char *const *inputs, int n_inputs,
                  const char *const *targets, int n_targets, int label_bound,
                  nnrt_dataset *out, nnrt_error *err);

/* The 1-based line of each of the first n rows of that file into lines
 * (blank lines are no rows, as there). */
int nnrt_csv_row_lines(const char *path, int *lines, int n, nnrt_error *err);

/* Of a series' or a text's n values, how many the test part takes: its
 * last round(n * test_fraction), cut in time (series.c). */
long nnrt_test_part(long n, double test_fraction);

/* A text's ids: id_of[b] is byte b's, -1 for a byte the text lacks;
 * byte_of[k] is id k's byte.  Returns the count of distinct bytes (text.c). */
int nnrt_text_ids(const unsigned char *bytes, size_t len, int id_of[256], int byte_of[256]);

/* Keep only the first `limit` samples (limit <= 0 or >= n keeps all). */
void nnrt_dataset_limit(nnrt_dataset *ds, int limit);

/* Hold out the last `fraction` of `all` (as Keras's validation_split does):
 * train gets the first part, val the rest.  Both are views into `all`. */
void nnrt_dataset_split(const nnrt_dataset *all, double fraction,
                        nnrt_dataset *train, nnrt_dataset *val);

/* Fisher-Yates shuffle of order[0..n) with rng. */
void nnrt_shuffle(int *order, int n, nnrt_rng *rng);

/* Convert samples order[first .. first+n) of ds into x (n rows of
 * sample_bytes floats, each byte times scale; for CSV, n rows of n_features
 * floats as they are) and their labels into y (0 for a CSV set without
 * labels). */
void nnrt_batch_fill(const nnrt_dataset *ds, const int *order, int first, int n,
                     float scale, float *x, int *y);

/* A CSV classification's label of sample s: its label column's value, or
 * of several target columns (class probabilities) the first largest. */
int nnrt_row_label(const nnrt_dataset *ds, size_t s);

/* The CSV targets of the same samples into t: n rows of n_targets floats. */
void nnrt_batch_targets(const nnrt_dataset *ds, const int *order, int first, int n, float *t);

#endif
