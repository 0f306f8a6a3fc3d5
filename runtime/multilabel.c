/* multilabel.c: what a multi-label model gets wrong, label by label.
 *
 * Such a model answers k yes/no questions a sample (a sigmoid output each,
 * "yes" above 0.5, against a 0/1 target column each), so each label is a
 * binary classifier of its own, scored on its "yes" class as scikit-learn
 * scores one label of a multi-label problem (zero_division=0):
 *
 *   precision = tp / (tp + fp)      0 when the label is never predicted
 *   recall    = tp / (tp + fn)      0 when it never occurs
 *   f1        = 2 tp / (2 tp + fp + fn)
 *   support   = tp + fn             the samples that have the label
 *
 * The macro averages are the means over the labels that occur or are
 * predicted, as confusion.c takes them; their support is every label that
 * occurs.  Printed after the `test:` line (whose accuracy is the share of
 * labels right, as Keras's binary_accuracy), with the share of samples
 * whose every label is right (scikit-learn's accuracy_score, "exact
 * match"); saved as DIR/metrics.csv in the classifier's format and
 * DIR/confusion.csv with a row `label,tn,fp,fn,tp` per label. */
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "nnrt_internal.h"

void nnrt_multilabel_add(const nnrt_model *m, int n, long *counts)
{
    const float *out = nnrt_output(m), *t = nnrt_target(m);
    int k = m->n_classes;
    for (int r = 0; r < n; r++) {
        int all_right = 1;
        for (int j = 0; j < k; j++) {
            size_t i = (size_t)r * (size_t)k + (size_t)j;
            int yes = out[i] > 0.5f, truth = t[i] > 0.5f;
            counts[4 * (size_t)j + 2 * (size_t)truth + (size_t)yes]++;
            all_right &= yes == truth;
        }
        counts[4 * (size_t)k] += all_right;
        counts[4 * (size_t)k + 1]++;
    }
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0;
}

static nnrt_class_scores label_scores(const long *c)
{
    long tp = c[3], fp = c[1], fn = c[2];
    nnrt_class_scores s = {
        .precision = ratio((double)tp, (double)(tp + fp)),
        .recall = ratio((double)tp, (double)(tp + fn)),
        .f1 = ratio(2.0 * (double)tp, (double)(2 * tp + fp + fn)),
        .support = tp + fn,
    };
    return s;
}

static nnrt_class_scores macro_scores(const long *counts, int k)
{
    nnrt_class_scores macro = { 0, 0, 0, 0 };
    int counted = 0;
    for (int j = 0; j < k; j++) {
        const long *c = counts + 4 * (size_t)j;
        nnrt_class_scores s = label_scores(c);
        macro.support += s.support;
        if (c[1] + c[2] + c[3] == 0)   /* neither occurs nor is predicted */
            continue;
        macro.precision += s.precision;
        macro.recall += s.recall;
        macro.f1 += s.f1;
        counted++;
    }
    if (counted) {
        macro.precision /= counted;
        macro.recall /= counted;
        macro.f1 /= counted;
    }
    return macro;
}

void nnrt_multilabel_scores(const long *counts, int k, nnrt_class_scores *per_label,
                            nnrt_class_scores *macro)
{
    for (int j = 0; j < k; j++)
        per_label[j] = label_scores(counts + 4 * (size_t)j);
    *macro = macro_scores(counts, k);
}

/* "2 sunny", or "2" without names */
static void label_name(char *buf, size_t len, const nnrt_model *m, int j)
{
    if (m->class_names)
        snprintf(buf, len, "%d %s", j, m->class_names[j]);
    else
        snprintf(buf, len, "%d", j);
}

static void print_table(const nnrt_model *m, const long *counts)
{
    static const char MACRO[] = "macro average";
    int k = m->n_classes, width = (int)sizeof MACRO - 1;
    char name[256];
    for (int j = 0; j < k; j++) {
        label_name(name, sizeof name, m, j);
        int w = nnrt_text_width(name);
        width = w > width ? w : width;
    }
    long samples = counts[4 * (size_t)k + 1], exact = counts[4 * (size_t)k];
    printf("every label right: %.4f, %ld of %ld samples\n", ratio((double)exact,
           (double)samples), exact, samples);
    printf("%-*s  precision  recall      f1  support\n", width, "label");
    for (int j = 0; j <= k; j++) {
        nnrt_class_scores s = j < k ? label_scores(counts + 4 * (size_t)j)
                                    : macro_scores(counts, k);
        if (j < k) {
            label_name(name, sizeof name, m, j);
            nnrt_print_padded(stdout, name, width);
        } else {
            printf("%-*s", width, MACRO);
        }
        printf("  %9.4f  %6.4f  %6.4f  %7ld\n", s.precision, s.recall, s.f1, s.support);
    }
}

static void csv_text(nnrt_afile *f, const char *text)
{
    nnrt_afile_write(f, text, strlen(text));
}

static void csv_scores(nnrt_afile *f, nnrt_class_scores s)
{
    char line[128];   /* each value is in [0, 1] */
    snprintf(line, sizeof line, ",%.6f,%.6f,%.6f,%ld\n", s.precision, s.recall, s.f1, s.support);
    csv_text(f, line);
}

static int save_metrics(const nnrt_model *m, const long *counts, const char *path,
                        nnrt_error *err)
{
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    csv_text(&f, "class,precision,recall,f1,support\n");
    for (int j = 0; j < m->n_classes; j++) {
        nnrt_csv_class(&f, j, m->class_names);
        csv_scores(&f, label_scores(counts + 4 * (size_t)j));
    }
    csv_text(&f, "macro");
    csv_scores(&f, macro_scores(counts, m->n_classes));
    return nnrt_afile_commit(&f, err);
}

static int save_counts(const nnrt_model *m, const long *counts, const char *path,
                       nnrt_error *err)
{
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    csv_text(&f, "label,tn,fp,fn,tp\n");
    for (int j = 0; j < m->n_classes; j++) {
        const long *c = counts + 4 * (size_t)j;
        char line[128];
        nnrt_csv_class(&f, j, m->class_names);
        snprintf(line, sizeof line, ",%ld,%ld,%ld,%ld\n", c[0], c[1], c[2], c[3]);
        csv_text(&f, line);
    }
    return nnrt_afile_commit(&f, err);
}

int nnrt_multilabel_report(const nnrt_model *m, const long *counts, const char *dir,
                           nnrt_error *err)
{
    print_table(m, counts);
    fflush(stdout);
    if (!dir)
        return 0;
    char metrics[NNRT_PATH_MAX], confusion[NNRT_PATH_MAX];
    if ((size_t)snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir) >= sizeof metrics ||
        (size_t)snprintf(confusion, sizeof confusion, "%s/confusion.csv", dir) >= sizeof confusion)
        return nnrt_fail(err, "%s: path too long", dir);
    if (nnrt_mkdirs(dir, err) != 0 || save_counts(m, counts, confusion, err) != 0 ||
        save_metrics(m, counts, metrics, err) != 0)
        return -1;
    printf("saved %s and %s\n", confusion, metrics);
    fflush(stdout);
    return 0;
}
