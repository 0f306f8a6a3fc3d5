/* model_data.c: the data a model's .nn file names, and its batches.
 *
 * A model reads either IDX files (images and labels) or a CSV file whose
 * columns it names; the commands (train, eval, gradcheck, steps) ask here
 * and need not know which.  A REGRESS model's targets go to m->target,
 * which its loss() reads instead of the labels. */
#include <string.h>

#include "nnrt_internal.h"

const char *nnrt_model_data_name(const nnrt_model *m, int test)
{
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
    /* a classification reads one label column, or one-hot targets, one
     * column per class */
    int targets_ok = regress ? m->n_target_columns == m->n_classes
                             : m->n_target_columns == 1 || m->n_target_columns == m->n_classes;
    if (!targets_ok || (regress && !m->target))
        return nnrt_fail(err, "%s: %d target columns for a %s model with %d outputs", m->name,
                         m->n_target_columns, regress ? "regression" : "classification",
                         m->n_classes);
    return nnrt_csv_load(test ? m->test_csv : m->train_csv, m->input_columns, m->n_input_columns,
                         m->target_columns, m->n_target_columns,
                         regress ? 0 : nnrt_label_bound(m), out, err);
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

int nnrt_model_data_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    if (m->train_csv)
        return load_csv(m, test, out, err);
    if (m->task == NNRT_TASK_REGRESS)
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
    return 0;
}

void nnrt_model_batch(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                      int n, int *y)
{
    nnrt_batch_fill(ds, order, first, n, m->scale, m->input, y);
    nnrt_labels_map(m, y, n);
    if (m->task == NNRT_TASK_REGRESS)
        nnrt_batch_targets(ds, order, first, n, m->target);
}
