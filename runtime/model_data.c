/* model_data.c: the data a model's .nn file names, and its batches.
 *
 * A model reads either IDX files (images and labels), a CSV file whose
 * columns it names, a series (series.c) or a text (text.c); the commands
 * (train, eval, gradcheck, steps) ask here and need not know which.  A
 * REGRESS model's targets, or a classifier's soft targets, go to
 * nnrt_target(m), which its loss() reads instead of the labels.
 *
 * Every command names the files it read, as found ($NNC_DATA, then
 * /usr/share/datasets, then the current directory), and warns when the
 * files of one run were found in different places: with a file missing
 * from $NNC_DATA, a run silently mixed another copy's training set with
 * its test set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "nnrt_internal.h"

const char *nnrt_model_data_name(const nnrt_model *m, int test)
{
    if (m->series_csv)
        return m->series_csv;
    if (m->text_file)
        return m->text_file;
    if (m->train_csv)
        return test ? m->test_csv : m->train_csv;
    return test ? m->test_images : m->train_images;
}

static int load_csv(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    int regress = m->task == NNRT_TASK_REGRESS;
    /* a mismatch here would overflow the model's static buffers */
    if (m->n_input_columns != m->in_size)
        return nnrt_fail(err, "%s: the model reads %d input columns into an input of %d",
                         m->name, m->n_input_columns, m->in_size);
    /* a classification reads one label column, or a column per class
     * (probabilities), or a multi-label model a 0/1 column per label */
    int targets_ok = regress ? m->n_target_columns == m->n_classes
                             : m->n_target_columns == 1 || m->n_target_columns == m->n_classes;
    if (!targets_ok || (regress && m->target_at == 0))
        return nnrt_fail(err, "%s: %d target columns for a %s model with %d outputs", m->name,
                         m->n_target_columns, regress ? "regression" : "classification",
                         m->n_classes);
    int bound = regress ? 0 : m->multi_label ? NNRT_CSV_ZERO_ONE : nnrt_label_bound(m);
    return nnrt_csv_load(test ? m->test_csv : m->train_csv, m->input_columns, m->n_input_columns,
                         m->target_columns, m->n_target_columns, bound, out, err);
}

/* `keep 5 6 7 8 9`: drop the other samples, in place, and relabel the kept
 * ones 0, 1, ... in increasing order of label.  The dataset owns its bytes,
 * so compacting them needs no copy. */
static int keep_classes(const nnrt_model *m, nnrt_dataset *ds, const char *name,
                        nnrt_error *err)
{
    uint8_t *pixels = ds->images_idx.bytes, *labels = ds->labels_idx.bytes;
    int kept = 0;
    for (int i = 0; i < ds->n_samples; i++) {
        unsigned label = labels[i];
        if (label >= 32 || !(m->keep_classes >> label & 1))
            continue;
        uint32_t below = m->keep_classes & ((1u << label) - 1);
        labels[kept] = (uint8_t)__builtin_popcount(below);
        memmove(pixels + (size_t)kept * ds->sample_bytes, pixels + (size_t)i * ds->sample_bytes,
                ds->sample_bytes);
        kept++;
    }
    if (kept == 0)
        return nnrt_fail(err, "%s: no sample has a label the model keeps", name);
    ds->n_samples = kept;
    return 0;
}

/* Where a file was found, for a warning: "$NNC_DATA=/data" */
static const char *place_text(nnrt_data_place place, char *buf, size_t len)
{
    switch (place) {
    case NNRT_DATA_NNC_DATA:
        snprintf(buf, len, "$NNC_DATA=%s", getenv("NNC_DATA") ? getenv("NNC_DATA") : "");
        return buf;
    case NNRT_DATA_SYSTEM:
        return "/usr/share/datasets";
    case NNRT_DATA_CURRENT_DIR:
        return "the current directory";
    case NNRT_DATA_AS_GIVEN:
        break;
    }
    return "the path given";
}

/* A warning when file a (what_a) and file b were looked up and found in
 * different places; a path given in full is the user's choice. */
static void warn_if_apart(const nnrt_model *m, const char *what_a, const char *path_a,
                          nnrt_data_place a, const char *what_b, const char *path_b,
                          nnrt_data_place b)
{
    if (a == b || a == NNRT_DATA_AS_GIVEN || b == NNRT_DATA_AS_GIVEN)
        return;
    if (nnrt_dist_rank() > 0)   /* rank 0 speaks; every rank's data is compared at start */
        return;
    char buf_a[NNRT_DATA_PATH_MAX + 16], buf_b[NNRT_DATA_PATH_MAX + 16];
    fprintf(stderr, "%s: warning: %s come from %s (%s), %s from %s (%s): two copies of a "
            "data set may not belong together\n", m->name, what_a,
            place_text(a, buf_a, sizeof buf_a), path_a, what_b,
            place_text(b, buf_b, sizeof buf_b), path_b);
}

static void print_files(const char *what, const nnrt_dataset *ds)
{
    if (ds->labels_path[0])
        printf("%s: %s, %s\n", what, ds->path, ds->labels_path);
    else
        printf("%s: %s\n", what, ds->path);
}

void nnrt_model_data_print(const nnrt_model *m, const nnrt_dataset *train,
                           const nnrt_dataset *test, int quiet)
{
    if (!quiet) {
        if (train)
            print_files("training data", train);
        print_files("test data", test);
        fflush(stdout);
    }
    if (train)
        warn_if_apart(m, "the training samples", train->path, train->place, "the test samples",
                      test->path, test->place);
}

static void warn_if_pair_apart(const nnrt_model *m, const nnrt_dataset *ds)
{
    if (ds->labels_path[0])
        warn_if_apart(m, "the images", ds->path, ds->place, "their labels", ds->labels_path,
                      ds->labels_place);
}

int nnrt_model_data_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    if (m->series_csv)
        return nnrt_series_load(m, test, out, err);
    if (m->text_file)
        return nnrt_text_load(m, test, out, err);
    if (m->train_csv)
        return load_csv(m, test, out, err);
    if (m->task == NNRT_TASK_REGRESS && !m->target_input)
        return nnrt_fail(err, "%s: a regression model needs CSV data", m->name);
    const char *images = test ? m->test_images : m->train_images;
    /* with `keep`, any label may be in the file: those not kept are dropped */
    if (nnrt_dataset_load(images, test ? m->test_labels : m->train_labels, (size_t)m->in_size,
                          m->keep_classes ? 0 : nnrt_label_bound(m), out, err) != 0)
        return -1;
    if (m->keep_classes && keep_classes(m, out, images, err) != 0) {
        nnrt_dataset_free(out);
        return -1;
    }
    warn_if_pair_apart(m, out);
    return 0;
}

void nnrt_model_batch(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                      int n, int *y)
{
    nnrt_batch_fill(ds, order, first, n, m->scale, nnrt_input(m), y);
    nnrt_labels_map(m, y, n);
    nnrt_model_targets(m, ds, order, first, n);
}

void nnrt_model_targets(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                        int n)
{
    if (m->target_input)   /* before any augmentation: a denoiser's target stays clean */
        memcpy(nnrt_target(m), nnrt_input(m), (size_t)n * m->in_size * sizeof(float));
    else if (m->target_at)   /* a regression's values, or soft targets */
        nnrt_batch_targets(ds, order, first, n, nnrt_target(m));
}
