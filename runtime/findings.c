/* findings.c: what the test pass keeps for a run's page, as it goes, with
 * no second pass over the test set:
 *
 *   - an image classifier's most confident mistakes (fast.ai's
 *     plot_top_losses): the NNRT_WRONG_SHOWN wrong samples whose chosen
 *     class had the highest probability, kept sorted as they come;
 *   - a regression's predicted and true values (not an autoencoder's,
 *     whose outputs are pixels), for the scatter of one against the
 *     other: its first NNRT_SCATTER_SAMPLES samples, first
 *     NNRT_SCATTER_OUTPUTS outputs.
 *
 * The probabilities are the model's outputs after its last layer (a
 * softmax's, or a binary model's sigmoid p of label 1). */
#include <stdlib.h>
#include <string.h>

#include "page.h"

int nnrt_is_image_model(const nnrt_model *m)
{
    int h, w, c;
    nnrt_image_shape(m, &h, &w, &c);
    return !m->train_csv && !m->series_csv && !m->text_file && m->in_h > 0 &&
           (c == 1 || c == 3);
}

int nnrt_findings_init(nnrt_findings *f, const nnrt_model *m, nnrt_error *err)
{
    memset(f, 0, sizeof *f);
    f->keep_wrong = m->task != NNRT_TASK_REGRESS && nnrt_is_image_model(m);
    if (m->task != NNRT_TASK_REGRESS || m->target_input || m->n_classes < 1)
        return 0;
    f->n_outputs = m->n_classes < NNRT_SCATTER_OUTPUTS ? m->n_classes : NNRT_SCATTER_OUTPUTS;
    size_t values = (size_t)NNRT_SCATTER_SAMPLES * (size_t)f->n_outputs;
    f->truth = malloc(values * sizeof *f->truth);
    f->predicted = malloc(values * sizeof *f->predicted);
    if (!f->truth || !f->predicted) {
        nnrt_findings_free(f);
        return nnrt_fail(err, "out of memory for the page's scatter");
    }
    return 0;
}

/* Row r's prediction and the probabilities of it and of class truth */
static void row_probabilities(const nnrt_model *m, int r, int truth, nnrt_wrong *w)
{
    const float *out = nnrt_output(m) + (size_t)r * (size_t)m->n_classes;
    w->truth = truth;
    w->predicted = nnrt_predicted_class(m, r);
    if (m->binary_positive) {   /* out[0] is p(label 1) */
        w->p_predicted = w->predicted ? out[0] : 1.0 - out[0];
        w->p_truth = truth ? out[0] : 1.0 - out[0];
    } else {
        w->p_predicted = out[w->predicted];
        w->p_truth = out[truth];
    }
}

/* w into the list, sorted surest first, if it is among the surest kept */
static void keep_wrong(nnrt_findings *f, const nnrt_wrong *w)
{
    int at = f->n_wrong;
    while (at > 0 && f->wrong[at - 1].p_predicted < w->p_predicted)
        at--;   /* an equal one came first, and stays before */
    if (at >= NNRT_WRONG_SHOWN)
        return;
    int n = f->n_wrong < NNRT_WRONG_SHOWN ? f->n_wrong + 1 : NNRT_WRONG_SHOWN;
    memmove(&f->wrong[at + 1], &f->wrong[at], (size_t)(n - 1 - at) * sizeof *w);
    f->wrong[at] = *w;
    f->n_wrong = n;
}

static void keep_points(nnrt_findings *f, const nnrt_model *m, int n)
{
    const float *out = nnrt_output(m), *t = nnrt_target(m);
    for (int r = 0; r < n && f->n_points < NNRT_SCATTER_SAMPLES; r++, f->n_points++)
        for (int c = 0; c < f->n_outputs; c++) {
            size_t at = (size_t)r * (size_t)m->n_classes + (size_t)c;
            size_t to = (size_t)f->n_points * (size_t)f->n_outputs + (size_t)c;
            f->truth[to] = t[at];
            f->predicted[to] = out[at];
        }
}

void nnrt_findings_add(nnrt_findings *f, const nnrt_model *m, const int *y, int first, int n)
{
    if (f->n_outputs > 0)
        keep_points(f, m, n);
    for (int r = 0; f->keep_wrong && r < n; r++) {
        nnrt_wrong w;
        row_probabilities(m, r, y[r], &w);
        w.sample = first + r;
        if (w.predicted != w.truth)
            keep_wrong(f, &w);
    }
}

void nnrt_findings_free(nnrt_findings *f)
{
    free(f->truth);
    free(f->predicted);
    f->truth = f->predicted = NULL;
    f->n_outputs = f->n_points = 0;
}
