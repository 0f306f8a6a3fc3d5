/* confusion.c: what a classifier gets wrong, class by class: the confusion
 * matrix of true against predicted classes, each class's precision, recall
 * and F1 and their macro averages, the tables printed after the `test:`
 * line, and DIR/confusion.csv and DIR/metrics.csv.
 *
 * A matrix is k x k counts, row-major: matrix[t * k + p] is the number of
 * samples of true class t predicted as class p.  For class c, with
 * tp = matrix[c][c], predicted = column c's sum, support = row c's sum:
 *
 *   precision = tp / predicted          0 when c is never predicted
 *   recall    = tp / support            0 when c never occurs
 *   f1        = 2 tp / (predicted + support)
 *             = 2 precision recall / (precision + recall)
 *                                       0 when c neither occurs nor is predicted
 *
 * as scikit-learn computes them with zero_division=0.  The macro averages
 * are the plain means of these over the classes that occur or are
 * predicted at least once (scikit-learn's default labels: a class absent
 * from both carries no information); their support is every sample.
 *
 * Everything but nnrt_predicted_class works on plain arrays, so the tests
 * check it on hand-computed examples. */
#include <stdio.h>
#include <string.h>

#include "nnrt_internal.h"

int nnrt_class_count(const nnrt_model *m)
{
    if (m->task == NNRT_TASK_REGRESS || m->multi_label)   /* multilabel.c for the latter */
        return 0;
    return m->binary_positive ? 2 : m->n_classes;
}

int nnrt_predicted_class(const nnrt_model *m, int row)
{
    const float *out = nnrt_output(m) + (size_t)row * (size_t)m->n_classes;
    if (m->binary_positive)
        return out[0] > 0.5f;   /* as nnrt_model_correct decides */
    int best = 0;
    for (int c = 1; c < m->n_classes; c++)   /* the first maximum, as nnrt_count_correct */
        if (out[c] > out[best])
            best = c;
    return best;
}

void nnrt_confusion_add(long *matrix, int k, const int *truth, const int *pred, int n)
{
    for (int i = 0; i < n; i++)
        matrix[(size_t)truth[i] * (size_t)k + (size_t)pred[i]]++;
}

long nnrt_confusion_total(const long *matrix, int k)
{
    long total = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        total += matrix[i];
    return total;
}

long nnrt_confusion_right(const long *matrix, int k)
{
    long right = 0;
    for (int c = 0; c < k; c++)
        right += matrix[(size_t)c * (size_t)k + (size_t)c];
    return right;
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0;
}

void nnrt_class_scores_of(const long *matrix, int k, nnrt_class_scores *per_class,
                          nnrt_class_scores *macro)
{
    memset(macro, 0, sizeof *macro);
    int counted = 0;
    for (int c = 0; c < k; c++) {
        long tp = matrix[(size_t)c * (size_t)k + (size_t)c], predicted = 0, support = 0;
        for (int i = 0; i < k; i++) {
            predicted += matrix[(size_t)i * (size_t)k + (size_t)c];
            support += matrix[(size_t)c * (size_t)k + (size_t)i];
        }
        nnrt_class_scores *s = &per_class[c];
        s->precision = ratio((double)tp, (double)predicted);
        s->recall = ratio((double)tp, (double)support);
        s->f1 = ratio(2.0 * (double)tp, (double)(predicted + support));
        s->support = support;
        macro->support += support;
        if (predicted + support == 0)
            continue;
        macro->precision += s->precision;
        macro->recall += s->recall;
        macro->f1 += s->f1;
        counted++;
    }
    if (counted) {
        macro->precision /= counted;
        macro->recall /= counted;
        macro->f1 /= counted;
    }
}

/* ---- on a terminal ------------------------------------------------------------ */

static int digits(long v)
{
    int d = 1;
    for (; v >= 10; v /= 10)
        d++;
    return d;
}

/* UTF-8 continuation bytes take no column of their own. */
int nnrt_text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

void nnrt_print_padded(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = nnrt_text_width(s); w < width; w++)
        fputc(' ', out);
}

/* Width of a row's label: "9 Ankle boot", or "9" without names. */
static int label_width(int k, const char *const *names)
{
    int names_width = 0;
    for (int c = 0; names && c < k; c++) {
        int w = nnrt_text_width(names[c]);
        names_width = w > names_width ? w : names_width;
    }
    return digits(k - 1) + (names ? 1 + names_width : 0);
}

/* Row c's label, padded to width: its number, and its name if it has one. */
static void label(FILE *out, int c, int k, const char *const *names, int width)
{
    int dw = digits(k - 1);
    fprintf(out, "%*d", dw, c);
    if (names) {
        fputc(' ', out);
        nnrt_print_padded(out, names[c], width - dw - 1);
    } else {
        fprintf(out, "%*s", width - dw, "");
    }
}

static void print_matrix(FILE *out, const long *matrix, int k, const char *const *names)
{
    long most = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        most = matrix[i] > most ? matrix[i] : most;
    int lw = label_width(k, names), cw = digits(most) > digits(k - 1) ? digits(most)
                                                                      : digits(k - 1);
    fprintf(out, "confusion matrix: a row per true class, a column per predicted class\n");
    fprintf(out, "%*s", lw, "");
    for (int p = 0; p < k; p++)
        fprintf(out, "  %*d", cw, p);
    fputc('\n', out);
    for (int t = 0; t < k; t++) {
        label(out, t, k, names, lw);
        for (int p = 0; p < k; p++)
            fprintf(out, "  %*ld", cw, matrix[(size_t)t * (size_t)k + (size_t)p]);
        fputc('\n', out);
    }
}

/* How many samples were predicted as class p */
static long predicted(const long *matrix, int k, int p)
{
    long n = 0;
    for (int t = 0; t < k; t++)
        n += matrix[(size_t)t * (size_t)k + (size_t)p];
    return n;
}

static void print_scores(FILE *out, const long *matrix, int k, const char *const *names,
                         const nnrt_class_scores *per_class, const nnrt_class_scores *macro)
{
    static const char MACRO[] = "macro average";
    int lw = label_width(k, names);
    lw = lw < (int)sizeof MACRO - 1 ? (int)sizeof MACRO - 1 : lw;
    int sw = digits(nnrt_confusion_total(matrix, k));
    sw = sw < 7 ? 7 : sw;   /* "support" */
    fprintf(out, "%-*s  precision  recall      f1  %*s\n", lw, "class", sw, "support");
    int unseen = 0;   /* classes neither in the data nor predicted: a text's unused ids */
    for (int c = 0; c <= k; c++) {
        const nnrt_class_scores *s = c < k ? &per_class[c] : macro;
        if (c < k && k > NNRT_CONFUSION_PRINT_CLASSES && s->support == 0 &&
            predicted(matrix, k, c) == 0) {
            unseen++;
            continue;
        }
        if (c < k)
            label(out, c, k, names, lw);
        else
            fprintf(out, "%-*s", lw, MACRO);
        fprintf(out, "  %9.4f  %6.4f  %6.4f  %*ld\n", s->precision, s->recall, s->f1, sw,
                s->support);
    }
    if (unseen)
        fprintf(out, "(%d classes neither in the data nor predicted are left out; "
                     "metrics.csv has every class)\n", unseen);
}

void nnrt_confusion_print(FILE *out, const long *matrix, int k, const char *const *names,
                          nnrt_class_scores *scratch)
{
    nnrt_class_scores macro;
    long total = nnrt_confusion_total(matrix, k), right = nnrt_confusion_right(matrix, k);
    nnrt_class_scores_of(matrix, k, scratch, &macro);
    fprintf(out, "accuracy %.4f: %ld of %ld right\n", ratio((double)right, (double)total),
            right, total);
    if (k <= NNRT_CONFUSION_PRINT_CLASSES)
        print_matrix(out, matrix, k, names);
    else
        fprintf(out, "confusion matrix: %d classes, too many columns to print (confusion.csv "
                     "has it)\n", k);
    print_scores(out, matrix, k, names, scratch, &macro);
}

/* ---- CSV files ------------------------------------------------------------ */

/* A class's name (or number) as a CSV field: quoted, with "" for ", when it
 * holds a comma, a quote or a line break (RFC 4180). */
void nnrt_csv_class(nnrt_afile *f, int c, const char *const *names)
{
    char num[16];
    const char *s = names ? names[c] : num;
    if (!names)
        snprintf(num, sizeof num, "%d", c);
    if (!strpbrk(s, ",\"\r\n")) {
        nnrt_afile_write(f, s, strlen(s));
        return;
    }
    nnrt_afile_write(f, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            nnrt_afile_write(f, "\"", 1);   /* a quote inside is doubled */
        nnrt_afile_write(f, s, 1);
    }
    nnrt_afile_write(f, "\"", 1);
}

static void csv_text(nnrt_afile *f, const char *text)
{
    nnrt_afile_write(f, text, strlen(text));
}

int nnrt_confusion_save(const char *path, const long *matrix, int k, const char *const *names,
                        nnrt_error *err)
{
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    csv_text(&f, "class");
    for (int p = 0; p < k; p++) {
        csv_text(&f, ",");
        nnrt_csv_class(&f, p, names);
    }
    csv_text(&f, "\n");
    for (int t = 0; t < k; t++) {
        nnrt_csv_class(&f, t, names);
        for (int p = 0; p < k; p++) {
            char num[32];
            snprintf(num, sizeof num, ",%ld", matrix[(size_t)t * (size_t)k + (size_t)p]);
            csv_text(&f, num);
        }
        csv_text(&f, "\n");
    }
    return nnrt_afile_commit(&f, err);
}

static void csv_scores(nnrt_afile *f, const nnrt_class_scores *s)
{
    char line[128];   /* each value is in [0, 1] */
    snprintf(line, sizeof line, ",%.6f,%.6f,%.6f,%ld\n", s->precision, s->recall, s->f1,
             s->support);
    csv_text(f, line);
}

int nnrt_metrics_save(const char *path, const long *matrix, int k, const char *const *names,
                      nnrt_class_scores *scratch, nnrt_error *err)
{
    nnrt_class_scores macro;
    nnrt_class_scores_of(matrix, k, scratch, &macro);
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    csv_text(&f, "class,precision,recall,f1,support\n");
    for (int c = 0; c < k; c++) {
        nnrt_csv_class(&f, c, names);
        csv_scores(&f, &scratch[c]);
    }
    csv_text(&f, "macro");
    csv_scores(&f, &macro);
    return nnrt_afile_commit(&f, err);
}
