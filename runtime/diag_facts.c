/* diag_facts.c: what the diagnosis after training needs to know about a
 * run besides its curve (nnrt_diag_facts, diagnose.h): the classes and
 * inputs of the training set, as the batches hand them to the model; the
 * loss's chance level; batchnorm's momentum and the updates made; and the
 * loss where training started, measured again on the initial weights.
 *
 * Why measure the start again rather than keep the first batch's loss:
 * a resumed run has no first batch, and the verdict should not depend on
 * whether the run was interrupted.  The initial weights come from the seed
 * alone (and the transfer files), so they can be drawn again at the end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"

/* The loss of a classifier that gives every class the same probability,
 * for the losses that are a log-likelihood; 0 for the others. */
static double chance_loss(const nnrt_model *m, int classes)
{
    switch (m->loss_kind) {
    case NNRT_LOSS_CROSS_ENTROPY:
    case NNRT_LOSS_KL_DIVERGENCE:
        return classes >= 2 ? log(classes) : 0;
    case NNRT_LOSS_BINARY_CROSS_ENTROPY:
        return log(2.0);
    default:
        return 0;
    }
}

/* Whether rows [0, n) of x, (n, width), all equal row `first`. */
static int rows_equal(const float *x, int n, int width, const float *first)
{
    for (int r = 0; r < n; r++)
        for (int i = 0; i < width; i++)
            if (x[(size_t)r * (size_t)width + (size_t)i] != first[i])
                return 0;
    return 1;
}

/* The training set, batch by batch as the model sees it (scaled, labels
 * mapped): the labels counted into counts (label_bound of them, for a
 * classifier), and whether every input equals the first sample's. */
static int scan_data(const nnrt_model *m, const nnrt_dataset *train, long *counts,
                     int *constant)
{
    int *order = malloc((size_t)m->max_batch * sizeof *order);
    int *y = malloc((size_t)m->max_batch * sizeof *y);
    float *first = malloc((size_t)m->in_size * sizeof *first);
    if (!order || !y || !first) {
        free(order);
        free(y);
        free(first);
        return -1;
    }
    int bound = nnrt_label_bound(m);
    *constant = 1;
    for (int at = 0; at < train->n_samples; at += m->max_batch) {
        int n = train->n_samples - at < m->max_batch ? train->n_samples - at : m->max_batch;
        for (int r = 0; r < n; r++)
            order[r] = at + r;
        nnrt_model_batch(m, train, order, 0, n, y);
        if (at == 0)
            memcpy(first, nnrt_input(m), (size_t)m->in_size * sizeof *first);
        if (*constant)
            *constant = rows_equal(nnrt_input(m), n, m->in_size, first);
        for (int r = 0; counts && r < n; r++)
            if (y[r] >= 0 && y[r] < bound)
                counts[y[r]]++;
    }
    free(order);
    free(y);
    free(first);
    return 0;
}

/* Classes present and the commonest one, from counts. */
static void summarize_labels(const long *counts, int bound, nnrt_diag_facts *f)
{
    for (int c = 0; c < bound; c++) {
        if (counts[c] > 0)
            f->classes_present++;
        if (counts[c] > f->top_count) {
            f->top_count = counts[c];
            f->top_label = c;
        }
    }
}

static int count_data(const nnrt_model *m, const nnrt_dataset *train, nnrt_diag_facts *f)
{
    if (train->n_samples <= 0)
        return 0;
    /* a multi-label model's classes are its columns: no one label a sample */
    int classify = m->task != NNRT_TASK_REGRESS && !m->multi_label, bound = nnrt_label_bound(m);
    long *counts = classify ? calloc((size_t)bound, sizeof *counts) : NULL;
    if (classify && !counts)
        return -1;
    int rc = scan_data(m, train, counts, &f->constant_inputs);
    if (rc == 0 && counts)
        summarize_labels(counts, bound, f);
    if (f->top_count > 0 && m->class_names && f->top_label < nnrt_class_count(m))
        f->top_name = m->class_names[f->top_label];
    free(counts);
    return rc;
}

/* Every tensor's values into (to_saved) or out of saved, in table order. */
static void copy_values(const nnrt_model *m, float *saved, int to_saved)
{
    for (int p = 0; p < m->n_params; p++) {
        size_t bytes = (size_t)m->params[p].size * sizeof *saved;
        if (to_saved)
            memcpy(saved, m->params[p].value, bytes);
        else
            memcpy(m->params[p].value, saved, bytes);
        saved += m->params[p].size;
    }
}

/* The mean loss of m's current weights on rows [0, head->n_samples) of
 * head, in batches of `batch`: in training mode (dropout drawing from the
 * run's dropout stream as it began) when `training`, else in inference
 * mode.  order and y hold batch ints. */
static double loss_of(const nnrt_model *m, const nnrt_dataset *head, int batch, int training,
                      uint64_t seed, int *order, int *y)
{
    nnrt_rng dropout;
    nnrt_rng_stream(&dropout, seed, NNRT_STREAM_DROPOUT);
    double sum = 0;
    for (int at = 0; at < head->n_samples; at += batch) {
        int n = head->n_samples - at < batch ? head->n_samples - at : batch;
        for (int r = 0; r < n; r++)
            order[r] = at + r;
        nnrt_model_batch(m, head, order, 0, n, y);
        sum += nnrt_run_batch(m, n, y, training, training ? &dropout : NULL, 0);
    }
    return sum / head->n_samples + nnrt_penalty(m);
}

/* The initial weights' loss on the first NNRT_DIAG_START_SAMPLES training
 * samples into f->start_loss (0 when the weights cannot be drawn again, or
 * the loss is not finite).  Every tensor, batchnorm's moving statistics
 * too, is put back as it was.
 *
 * In inference mode, as evaluation runs, unless a batchnorm starts from
 * its initial moving statistics (m->bn_momentum): those (mean 0, variance
 * 1) normalize nothing, and the network they describe is not the one the
 * first updates saw, so then in training mode, by each batch's own
 * statistics.  Only then: a training-mode pass is a forward that trains
 * nothing, which the trainer otherwise never makes. */
static int measure_start_loss(const nnrt_model *m, const nnrt_train_opts *o,
                              const nnrt_dataset *train, nnrt_diag_facts *f)
{
    size_t total = 0;
    for (int p = 0; p < m->n_params; p++)
        total += (size_t)m->params[p].size;
    nnrt_dataset head = *train;
    nnrt_dataset_limit(&head, NNRT_DIAG_START_SAMPLES);
    float *saved = malloc((total ? total : 1) * sizeof *saved);
    int *order = malloc((size_t)o->batch * sizeof *order);
    int *y = malloc((size_t)o->batch * sizeof *y);
    int rc = saved && order && y ? 0 : -1;
    if (rc == 0 && head.n_samples > 0) {
        copy_values(m, saved, 1);
        nnrt_rng init;
        nnrt_rng_stream(&init, o->seed, NNRT_STREAM_INIT);
        nnrt_error ignored;   /* a transfer file gone since: the start is unknown */
        if (nnrt_params_start(m, &init, &ignored) == 0) {
            double loss = loss_of(m, &head, o->batch, m->bn_momentum > 0, o->seed, order, y);
            f->start_loss = isfinite(loss) ? loss : 0;
        }
        copy_values(m, saved, 0);
    }
    free(saved);
    free(order);
    free(y);
    return rc;
}

int nnrt_diag_facts_gather(const nnrt_model *m, const nnrt_train_opts *o,
                           const nnrt_dataset *train, long steps, nnrt_diag_facts *f,
                           nnrt_error *err)
{
    memset(f, 0, sizeof *f);
    f->lr = o->lr;
    f->loss = m->loss_kind;
    f->classes = nnrt_class_count(m);
    if (m->text_file && m->vocabulary) {   /* the ids a character has, not the capacity */
        f->classes = 0;
        for (int i = 0; i < m->vocab_size; i++)
            f->classes += m->vocabulary[i] != 0;
    }
    f->chance_loss = chance_loss(m, f->classes);
    f->n_samples = train->n_samples;
    f->bn_momentum = m->bn_momentum;
    f->steps = steps;
    if (count_data(m, train, f) != 0 || measure_start_loss(m, o, train, f) != 0)
        return nnrt_fail(err, "out of memory for the diagnosis");
    return 0;
}
