/* predict.c: the `predict` command: what the model outputs for a few test
 * samples, in inference mode, for a person to look at or a test to check.
 *
 * For a person, a header line, then per sample of a classifier a line and
 * a bar per class (the predicted one marked), 20 #s for a probability of 1:
 *     sample 3: label 9, predicted 9 (right)
 *         0  0.001
 *         ...
 *       > 9  0.912 ##################
 * with each class's name beside its number when the .nn file gives them
 * (`sample 3: label 9 Ankle boot, predicted 9 Ankle boot (right)`).
 * A multi-label model shows its labels and its "yes" answers (above 0.5),
 * then a bar per label, the yes ones marked.
 * A binary model (one sigmoid output) shows its two classes, 0 (negative)
 * and 1 (positive), with 1 - p and p.  A regression model gets a line per
 * output, named as its target column:
 *     sample 3
 *         price  predicted 4.12345  target 4.2  error -0.07655
 * and a last line sums up: how many were right, or their MAE and RMSE.
 *
 * For a program (--csv), one line per sample and nothing else:
 *     index,label,out0,out1,...            a classifier; label as in the file
 *     index,target0,...,out0,out1,...      a regression or multi-label model
 * every output value with %.9g, which gives back the exact float.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "nnrt_internal.h"

#define BAR 20   /* #s for a probability of 1 */

/* What one run holds, so that one cleanup frees it all. */
typedef struct predict_run {
    nnrt_dataset test;
    int have_test;
    int *order, *labels;        /* max_batch each */
    nnrt_tally tally;           /* over the samples shown */
    int not_finite;             /* the first sample with a NaN or infinite output, or -1 */
} predict_run;

/* ---- --csv --------------------------------------------------------------- */

/* out is (n_classes); t is (n_classes) targets for a regression model */
static void csv_row(const nnrt_model *m, int index, int label, const float *t, const float *out)
{
    printf("%d", index);
    if (m->task == NNRT_TASK_REGRESS || m->multi_label)
        for (int c = 0; c < m->n_classes; c++)
            printf(",%.9g", (double)t[c]);
    else
        printf(",%d", label);
    for (int c = 0; c < m->n_classes; c++)
        printf(",%.9g", (double)out[c]);
    putchar('\n');
}

/* ---- for a person ------------------------------------------------------------ */

int nnrt_digits(int v)
{
    int d = 1;
    for (; v >= 10; v /= 10)
        d++;
    return d;
}

/* Class c's name, or NULL when the model names none (or c is not one of
 * its k classes). */
const char *nnrt_class_name(const nnrt_model *m, int c, int k)
{
    return m->class_names && c >= 0 && c < k ? m->class_names[c] : NULL;
}

/* One class's line: its number (and its name, padded to name_width, when
 * the model names its classes), p, and a bar of round(p * BAR) #s (p
 * clamped to [0, 1]: a classifier trained with mse may output anything). */
void nnrt_class_line(const char *name, int c, int width, int name_width, double p,
                     int predicted)
{
    int len = !(p > 0) ? 0 : p >= 1 ? BAR : (int)(p * BAR + 0.5);
    printf("    %c %*d", predicted ? '>' : ' ', width, c);
    if (name) {
        putchar(' ');
        nnrt_print_padded(stdout, name, name_width);
    }
    printf("  %.3f%s%.*s\n", p, len ? " " : "", len, "####################");
}

/* out is (n_classes): probabilities, or for a binary model p(positive).
 * Returns whether the prediction was right. */
static int class_chart(const nnrt_model *m, int index, int label, const float *out)
{
    int binary = m->binary_positive != 0, k = binary ? 2 : m->n_classes;
    int truth = binary ? (int)((m->binary_positive >> label) & 1u) : label;
    int best = 0;
    if (binary)
        best = out[0] > 0.5f;   /* as nnrt_model_correct decides */
    else
        for (int c = 1; c < k; c++)   /* the first maximum, as nnrt_count_correct */
            best = out[c] > out[best] ? c : best;
    /* with names: "label 4 Coat, predicted 6 Shirt", "label 7 (class 1 footwear)" */
    const char *truth_name = nnrt_class_name(m, truth, k);
    const char *best_name = nnrt_class_name(m, best, k);
    printf("sample %d: label %d", index, label);
    if (binary)
        printf(" (class %d%s%s)", truth, truth_name ? " " : "", truth_name ? truth_name : "");
    else if (truth_name)
        printf(" %s", truth_name);
    printf(", predicted %d%s%s (%s)\n", best, best_name ? " " : "", best_name ? best_name : "",
           best == truth ? "right" : "wrong");
    int name_width = 0;
    for (int c = 0; c < k && m->class_names; c++) {
        int w = nnrt_text_width(m->class_names[c]);
        name_width = w > name_width ? w : name_width;
    }
    for (int c = 0; c < k; c++) {
        double p = binary ? (c ? out[0] : 1.0 - out[0]) : out[c];
        nnrt_class_line(nnrt_class_name(m, c, k), c, nnrt_digits(k - 1), name_width, p, c == best);
    }
    return best == truth;
}

/* "0 sunny, 2 windy" (names or numbers) of the labels whose v is above
 * 0.5, or "none" */
static void yes_labels(const nnrt_model *m, const float *v)
{
    int any = 0;
    for (int j = 0; j < m->n_classes; j++) {
        if (!(v[j] > 0.5f))
            continue;
        const char *name = nnrt_class_name(m, j, m->n_classes);
        printf("%s%d%s%s", any ? ", " : "", j, name ? " " : "", name ? name : "");
        any = 1;
    }
    if (!any)
        printf("none");
}

int nnrt_label_chart(const nnrt_model *m, const float *t, const float *out)
{
    int k = m->n_classes, right = 0, name_width = 0;
    for (int j = 0; j < k; j++)
        right += t && (out[j] > 0.5f) == (t[j] > 0.5f);
    if (t) {
        printf("labels ");
        yes_labels(m, t);
        printf("; ");
    }
    printf("predicted ");
    yes_labels(m, out);
    if (t)
        printf(" (%d of %d right)", right, k);
    putchar('\n');
    for (int j = 0; j < k && m->class_names; j++) {
        int w = nnrt_text_width(m->class_names[j]);
        name_width = w > name_width ? w : name_width;
    }
    for (int j = 0; j < k; j++)
        nnrt_class_line(nnrt_class_name(m, j, k), j, nnrt_digits(k - 1), name_width, out[j],
                        out[j] > 0.5f);
    return right;
}

/* The name of output c of a regression model: its target column's, or
 * the series'. */
const char *nnrt_output_name(const nnrt_model *m, int c, char *buf, size_t len)
{
    if (m->target_columns && m->n_target_columns == m->n_classes && m->target_columns[c])
        return m->target_columns[c];
    if (m->series_column && m->n_classes == 1)   /* a forecast of the series' next value */
        return m->series_column;
    snprintf(buf, len, "out%d", c);
    return buf;
}

/* out and t are (n_classes) */
static void regression_lines(const nnrt_model *m, int index, const float *t, const float *out)
{
    char buf[32];
    int width = 0;
    for (int c = 0; c < m->n_classes; c++) {
        int len = (int)strlen(nnrt_output_name(m, c, buf, sizeof buf));
        width = len > width ? len : width;
    }
    printf("sample %d\n", index);
    for (int c = 0; c < m->n_classes; c++)
        printf("    %-*s  predicted %.6g  target %.6g  error %+.6g\n", width,
               nnrt_output_name(m, c, buf, sizeof buf), (double)out[c], (double)t[c],
               (double)out[c] - (double)t[c]);
}

static void header(const nnrt_model *m, const nnrt_predict_opts *o, int first, int last,
                   int n_samples)
{
    printf("%s: test samples %d to %d of %d, ", m->name, first, last - 1, n_samples);
    if (o->weights)
        printf("weights %s\n", o->weights);
    else
        printf("fresh weights from seed %llu\n", (unsigned long long)o->seed);
}

static void summary(const nnrt_model *m, const nnrt_tally *t, int shown)
{
    if (m->task == NNRT_TASK_REGRESS) {
        double accuracy, mae, rmse;
        nnrt_tally_means(m, t, shown, &accuracy, &mae, &rmse);
        printf("%d samples: mae %.6g rmse %.6g\n", shown, mae, rmse);
    } else if (m->multi_label) {
        printf("%ld of %ld labels right\n", t->correct, (long)shown * m->n_classes);
    } else {
        printf("%ld of %d right\n", t->correct, shown);
    }
}

/* ---- the command ------------------------------------------------------------- */

/* Sample index (its row r of the last forward) as o asks. */
static void show(const nnrt_model *m, const nnrt_predict_opts *o, predict_run *r, int row,
                 int index)
{
    const float *out = nnrt_output(m) + (size_t)row * (size_t)m->n_classes;
    const float *t = m->task == NNRT_TASK_REGRESS || m->multi_label
                         ? nnrt_target(m) + (size_t)row * (size_t)m->n_classes : NULL;
    int label = r->labels[row];
    for (int c = 0; c < m->n_classes && r->not_finite < 0; c++)
        if (!isfinite(out[c]))
            r->not_finite = index;
    if (o->csv) {
        csv_row(m, index, label, t, out);
    } else if (m->multi_label) {
        printf("sample %d: ", index);
        r->tally.correct += nnrt_label_chart(m, t, out);
        return;
    } else if (t) {
        regression_lines(m, index, t, out);
    }
    else
        r->tally.correct += class_chart(m, index, label, out);
    if (t && m->multi_label)
        for (int j = 0; j < m->n_classes; j++)
            r->tally.correct += (out[j] > 0.5f) == (t[j] > 0.5f);
    else if (t)
        nnrt_regress_errors(out, t, 1, m->n_classes, &r->tally.abs_err, &r->tally.sq_err);
}

/* Samples first .. last-1 forward in inference mode, max_batch at a time.
 * Labels are read as the file has them (nnrt_batch_fill), not mapped to a
 * binary model's 0/1: the person and the test see the file's label. */
static void show_all(const nnrt_model *m, const nnrt_predict_opts *o, predict_run *r, int first,
                     int last)
{
    for (int at = first; at < last; at += m->max_batch) {
        int n = last - at < m->max_batch ? last - at : m->max_batch;
        for (int i = 0; i < n; i++)
            r->order[i] = at + i;
        nnrt_batch_fill(&r->test, r->order, 0, n, m->scale, nnrt_input(m), r->labels);
        nnrt_model_targets(m, &r->test, r->order, 0, n);
        nnrt_run_batch(m, n, NULL, 0, NULL, 0);
        for (int i = 0; i < n; i++)
            show(m, o, r, i, at + i);
    }
}

static int run(const nnrt_model *m, const nnrt_predict_opts *o, predict_run *r, nnrt_error *err)
{
    int rc = nnrt_weights_start(m, o->weights, o->weights_default, o->seed, err);
    if (rc == 0 && (rc = nnrt_model_data_load(m, 1, &r->test, err)) == 0)
        r->have_test = 1;
    char what[64];   /* the ranks share out the samples shown: the same ones */
    snprintf(what, sizeof what, "predict --first %d --count %d", o->first, o->count);
    rc = nnrt_dist_agree_weights(m, rc, err, r->have_test ? &r->test : NULL, what);
    if (rc != 0)
        return rc;
    int n_samples = r->test.n_samples;
    const char *name = nnrt_model_data_name(m, 1);
    if (n_samples == 0)
        return nnrt_fail(err, "%s: no test samples", name);
    if (o->first >= n_samples)
        return nnrt_fail(err, "%s: --first %d: the test set has %d samples (0 to %d)", name,
                         o->first, n_samples, n_samples - 1);
    r->order = malloc((size_t)m->max_batch * sizeof *r->order);
    r->labels = malloc((size_t)m->max_batch * sizeof *r->labels);
    if (!r->order || !r->labels)
        return nnrt_fail(err, "out of memory");
    /* a count past the end shows what there is: --count 1000000 means "all" */
    int last = o->count > n_samples - o->first ? n_samples : o->first + o->count;
    if (!o->csv)
        header(m, o, o->first, last, n_samples);
    nnrt_model_data_print(m, NULL, &r->test, o->csv);   /* --csv: rows only on stdout */
    show_all(m, o, r, o->first, last);
    if (!o->csv)
        summary(m, &r->tally, last - o->first);
    fflush(stdout);
    /* shown, for a person to see, but no answer: a script must not take it for one */
    if (r->not_finite >= 0)
        return nnrt_fail(err, "%s: sample %d: the model's output is not a finite number: it "
                         "overflows with these weights", name, r->not_finite);
    return 0;
}

int nnrt_predict_run(const nnrt_model *m, const nnrt_predict_opts *o, nnrt_error *err)
{
    predict_run r;
    memset(&r, 0, sizeof r);
    r.not_finite = -1;
    int rc = run(m, o, &r, err);
    free(r.order);
    free(r.labels);
    if (r.have_test)
        nnrt_dataset_free(&r.test);
    return rc;
}
