/* model_data.c: the data a model's .nn file names, and its batches.
 *
 * A model reads either IDX files (images and labels) or a CSV file whose
 * columns it names; the commands (train, eval, gradcheck, steps) ask here
 * and need not know which.  A REGRESS model's targets go to m->target,
 * which its loss() reads instead of the labels. */
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

int nnrt_model_data_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    if (m->train_csv)
        return load_csv(m, test, out, err);
    if (m->task == NNRT_TASK_REGRESS)
        return nnrt_fail(err, "%s: a regression model needs CSV data", m->name);
    return nnrt_dataset_load(test ? m->test_images : m->train_images,
                             test ? m->test_labels : m->train_labels, (size_t)m->in_size,
                             nnrt_label_bound(m), out, err);
}

void nnrt_model_batch(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                      int n, int *y)
{
    nnrt_batch_fill(ds, order, first, n, m->scale, m->input, y);
    nnrt_labels_map(m, y, n);
    if (m->task == NNRT_TASK_REGRESS)
        nnrt_batch_targets(ds, order, first, n, m->target);
}
