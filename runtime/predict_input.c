/* predict_input.c: `predict --input FILE...`: the model on a person's own
 * data rather than its test set.
 *
 * A PNG file (found by its signature, whatever its name) is one sample of
 * an image model, made into the model's input as image_input.c says, and
 * saying so.  Any other file is CSV: for a model trained on CSV rows, one
 * sample a row, its features taken from the columns the .nn file's
 * `inputs` names (the label or targets shown too when the file has those
 * columns); for a series model, one sample: the column's last `window`
 * values, forecasting `horizon` steps past the file's end.
 *
 * For a person, per sample a line naming it, then the top classes with
 * their probabilities and bars (as `predict` draws them), or each output
 * of a regression model:
 *     boot.png: 300x200 RGB, made grey, ..., values times 1/255 as in training
 *       > 9 Ankle boot  0.912 ##################
 *         7 Sneaker     0.052 #
 * For a program (--csv), one line per sample and nothing else:
 *     file,line,predicted,out0,out1,...   a classifier (line 0 for a picture)
 *     file,line,out0,out1,...             a regression or multi-label model
 * every output with %.9g, the file name quoted as CSV quotes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

#define SAID_MAX 320   /* what was done to a picture, for the person */

/* One sample: where it came from, and for CSV rows the label or targets
 * the file gave (has_truth) */
typedef struct sample {
    const char *file;
    int line;
    int has_truth, label;
    char said[SAID_MAX];
} sample;

typedef struct input_run {
    sample *samples;
    float *x;                   /* (n, in_size) */
    float *truth;               /* (n, n_classes): regression targets when given */
    int n, cap;
    double train_bg;            /* the training images' background, -1 unknown */
    int bg_known;               /* train_bg was looked for */
    int not_finite;             /* the first sample with a NaN or infinite output, or -1 */
} input_run;

static int grow(input_run *r, const nnrt_model *m, int more, nnrt_error *err)
{
    if (r->n + more <= r->cap)
        return 0;
    int cap = r->cap ? r->cap : 16;
    while (cap < r->n + more)
        cap *= 2;
    sample *s = realloc(r->samples, (size_t)cap * sizeof *s);
    if (s)
        r->samples = s;
    float *x = s ? realloc(r->x, (size_t)cap * (size_t)m->in_size * sizeof *x) : NULL;
    if (x)
        r->x = x;
    float *t = x ? realloc(r->truth, (size_t)cap * (size_t)m->n_classes * sizeof *t) : NULL;
    if (t)
        r->truth = t;
    if (!t)
        return nnrt_fail(err, "out of memory for %d samples", r->n + more);
    r->cap = cap;
    return 0;
}

static sample *add(input_run *r, const char *file, int line)
{
    sample *s = &r->samples[r->n++];
    memset(s, 0, sizeof *s);
    s->file = file;
    s->line = line;
    return s;
}

/* ---- reading the files ------------------------------------------------------ */

static int is_png(const char *path, int *png, nnrt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nnrt_fail(err, "%s: %s", path, strerror(errno));
    unsigned char sig[8];
    size_t got = fread(sig, 1, sizeof sig, f);
    fclose(f);
    *png = got == sizeof sig && memcmp(sig, "\x89PNG\r\n\x1a\n", sizeof sig) == 0;
    return 0;
}

static int is_image_model(const nnrt_model *m)
{
    return !m->train_csv && !m->series_csv && !m->text_file;
}

/* The training images' background, from the test set when it is here */
static double train_background(const nnrt_model *m, input_run *r)
{
    if (!r->bg_known) {
        nnrt_dataset test;
        nnrt_error ignored;
        r->train_bg = -1;
        if (nnrt_model_data_load(m, 1, &test, &ignored) == 0) {
            r->train_bg = nnrt_image_background(m, &test);
            nnrt_dataset_free(&test);
        }
        r->bg_known = 1;
    }
    return r->train_bg;
}

static int read_picture(const nnrt_model *m, const nnrt_predict_opts *o, input_run *r,
                        const char *path, nnrt_error *err)
{
    if (!is_image_model(m))
        return nnrt_fail(err, "%s: a PNG picture, but %s reads rows of %d value%s, not "
                         "pictures: give a CSV file with its columns", path, m->name,
                         m->in_size, m->in_size == 1 ? "" : "s");
    if (grow(r, m, 1, err) != 0)
        return -1;
    sample *s = add(r, path, 0);
    double bg = train_background(m, r);
    if (nnrt_image_input(m, path, bg, o->invert, r->x + (size_t)(r->n - 1) * m->in_size,
                         s->said, sizeof s->said, err) != 0)
        return -1;
    if (bg < 0 && o->invert < 0) {
        size_t at = strlen(s->said);
        snprintf(s->said + at, sizeof s->said - at, " (the test images are not here to tell "
                 "their background: --invert yes if it is the reverse of this picture's)");
    }
    return 0;
}

/* Rows of a model trained on CSV: with the label or targets when the file
 * has their columns, else without */
static int read_rows(const nnrt_model *m, input_run *r, const char *path, nnrt_error *err)
{
    nnrt_dataset ds;
    int with_truth = m->n_target_columns > 0 &&
                     nnrt_csv_read(path, m->input_columns, m->n_input_columns,
                                   m->target_columns, m->n_target_columns,
                                   m->task == NNRT_TASK_REGRESS ? 0
                                   : m->multi_label ? NNRT_CSV_ZERO_ONE : nnrt_label_bound(m),
                                   &ds, err) == 0;
    if (!with_truth && nnrt_csv_read(path, m->input_columns, m->n_input_columns, NULL, 0, 0, &ds,
                                     err) != 0)
        return -1;
    int *lines = malloc(((size_t)ds.n_samples + 1) * sizeof *lines);
    int rc = !lines ? nnrt_fail(err, "out of memory")
             : ds.n_samples == 0 ? nnrt_fail(err, "%s: no rows after the header", path)
             : grow(r, m, ds.n_samples, err);
    if (rc == 0)
        rc = nnrt_csv_row_lines(path, lines, ds.n_samples, err);
    for (int i = 0; rc == 0 && i < ds.n_samples; i++) {
        sample *s = add(r, path, lines[i]);
        memcpy(r->x + (size_t)(r->n - 1) * m->in_size, ds.features + (size_t)i * m->in_size,
               (size_t)m->in_size * sizeof(float));
        if (with_truth) {
            const float *t = ds.targets + (size_t)i * ds.n_targets;
            s->has_truth = 1;
            if (m->task == NNRT_TASK_REGRESS || m->multi_label)
                memcpy(r->truth + (size_t)(r->n - 1) * m->n_classes, t,
                       (size_t)m->n_classes * sizeof(float));
            else
                s->label = nnrt_row_label(&ds, (size_t)i);
        }
    }
    free(lines);
    free(ds.csv_owner);
    return rc;
}

/* A series model: the last window of the file's column */
static int read_series(const nnrt_model *m, input_run *r, const char *path, nnrt_error *err)
{
    nnrt_dataset ds;
    const char *const columns[1] = { m->series_column };
    if (nnrt_csv_read(path, columns, 1, NULL, 0, 0, &ds, err) != 0)
        return -1;
    int rc = 0;
    if (ds.n_samples < m->window)
        rc = nnrt_fail(err, "%s: %d value%s in column '%s', fewer than the model's window of %d",
                       path, ds.n_samples, ds.n_samples == 1 ? "" : "s", m->series_column,
                       m->window);
    if (rc == 0)
        rc = grow(r, m, 1, err);
    if (rc == 0) {
        sample *s = add(r, path, ds.n_samples + 1);
        memcpy(r->x + (size_t)(r->n - 1) * m->in_size,
               ds.features + (size_t)(ds.n_samples - m->window), (size_t)m->window * sizeof(float));
        snprintf(s->said, sizeof s->said, "its last %d values (lines %d to %d), forecasting "
                 "%d step%s past line %d", m->window, ds.n_samples - m->window + 2,
                 ds.n_samples + 1, m->horizon, m->horizon == 1 ? "" : "s", ds.n_samples + 1);
    }
    free(ds.csv_owner);
    return rc;
}

static int read_input(const nnrt_model *m, const nnrt_predict_opts *o, input_run *r,
                      const char *path, nnrt_error *err)
{
    int png;
    if (is_png(path, &png, err) != 0)
        return -1;
    if (png)
        return read_picture(m, o, r, path, err);
    if (m->text_file)
        return nnrt_fail(err, "%s: %s is a text model: `sample` writes text from it; "
                         "predict --input reads pictures and CSV rows", path, m->name);
    if (m->target_input)
        return nnrt_fail(err, "%s: not a PNG picture; %s is an autoencoder of %dx%d pictures",
                         path, m->name, m->in_h, m->in_w);
    if (is_image_model(m))
        return nnrt_fail(err, "%s: not a PNG picture; %s reads %dx%d pictures of %d channel%s",
                         path, m->name, m->in_h, m->in_w, m->in_c, m->in_c == 1 ? "" : "s");
    return m->series_csv ? read_series(m, r, path, err) : read_rows(m, r, path, err);
}

/* ---- showing the outputs ---------------------------------------------------- */

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* the class with the highest output: the first maximum, as nnrt_count_correct */
static int best_class(const nnrt_model *m, const float *out)
{
    if (m->binary_positive)
        return out[0] > 0.5f;
    int best = 0;
    for (int c = 1; c < m->n_classes; c++)
        best = out[c] > out[best] ? c : best;
    return best;
}

static void csv_line(const nnrt_model *m, const sample *s, const float *out)
{
    csv_field(s->file);
    printf(",%d", s->line);
    if (m->task != NNRT_TASK_REGRESS && !m->multi_label)
        printf(",%d", best_class(m, out));
    for (int c = 0; c < m->n_classes; c++)
        printf(",%.9g", (double)out[c]);
    putchar('\n');
}

/* "boot.png: ..." or "iris.csv line 4: label 1 versicolor, predicted 2 virginica (wrong)" */
static void title(const nnrt_model *m, const sample *s, const float *out)
{
    printf("%s", s->file);
    if (s->line > 0 && !m->series_csv)
        printf(" line %d", s->line);
    if (s->said[0])
        printf(": %s", s->said);
    if (s->has_truth && m->task != NNRT_TASK_REGRESS && !m->multi_label) {
        int binary = m->binary_positive != 0, k = binary ? 2 : m->n_classes;
        int truth = binary ? (int)((m->binary_positive >> s->label) & 1u) : s->label;
        int best = best_class(m, out);
        const char *name = nnrt_class_name(m, truth, k);
        printf(": label %d%s%s, predicted %d (%s)", s->label, name ? " " : "", name ? name : "",
               best, best == truth ? "right" : "wrong");
    }
    putchar('\n');
}

/* The top classes, highest first (ties in class order) */
static void top_classes(const nnrt_model *m, const nnrt_predict_opts *o, const float *out)
{
    int binary = m->binary_positive != 0, k = binary ? 2 : m->n_classes;
    int top = binary ? 2 : o->top > 0 ? o->top : 3;
    top = top > k ? k : top;
    int name_width = 0;
    for (int c = 0; c < k && m->class_names; c++) {
        int w = nnrt_text_width(m->class_names[c]);
        name_width = w > name_width ? w : name_width;
    }
    int best = best_class(m, out);
    unsigned char *used = calloc((size_t)k, 1);
    for (int t = 0; t < top && used; t++) {
        int pick = -1;
        double p_pick = 0;
        for (int c = 0; c < k; c++) {
            double p = binary ? (c ? out[0] : 1.0 - out[0]) : out[c];
            if (!used[c] && (pick < 0 || p > p_pick || (isnan(p_pick) && !isnan(p)))) {
                pick = c;
                p_pick = p;
            }
        }
        used[pick] = 1;
        nnrt_class_line(nnrt_class_name(m, pick, k), pick, nnrt_digits(k - 1), name_width, p_pick,
                        pick == best);
    }
    free(used);
}

static void outputs(const nnrt_model *m, const sample *s, const float *out, const float *truth)
{
    char buf[32];
    int width = 0;
    for (int c = 0; c < m->n_classes; c++) {
        int len = (int)strlen(nnrt_output_name(m, c, buf, sizeof buf));
        width = len > width ? len : width;
    }
    for (int c = 0; c < m->n_classes; c++) {
        printf("    %-*s  predicted %.6g", width, nnrt_output_name(m, c, buf, sizeof buf),
               (double)out[c]);
        if (s->has_truth)
            printf("  target %.6g  error %+.6g", (double)truth[c],
                   (double)out[c] - (double)truth[c]);
        putchar('\n');
    }
}

static void show(const nnrt_model *m, const nnrt_predict_opts *o, input_run *r, int i,
                 const float *out)
{
    const sample *s = &r->samples[i];
    for (int c = 0; c < m->n_classes && r->not_finite < 0; c++)
        if (!isfinite(out[c]))
            r->not_finite = i;
    if (o->csv) {
        csv_line(m, s, out);
        return;
    }
    if (m->multi_label) {
        title(m, s, out);
        printf("    ");
        nnrt_label_chart(m, s->has_truth ? r->truth + (size_t)i * m->n_classes : NULL, out);
        return;
    }
    title(m, s, out);
    if (m->task == NNRT_TASK_REGRESS)
        outputs(m, s, out, r->truth + (size_t)i * m->n_classes);
    else
        top_classes(m, o, out);
}

/* ---- the command ------------------------------------------------------------- */

static int run(const nnrt_model *m, const nnrt_predict_opts *o, input_run *r, nnrt_error *err)
{
    if (nnrt_weights_start(m, o->weights, o->weights_default, o->seed, err) != 0)
        return -1;
    for (int f = 0; f < o->n_inputs; f++)
        if (read_input(m, o, r, o->inputs[f], err) != 0)
            return -1;
    if (!o->csv) {
        if (o->weights)
            printf("%s: weights %s\n", m->name, o->weights);
        else
            printf("%s: fresh weights from seed %llu\n", m->name, (unsigned long long)o->seed);
    }
    /* every shard in this process (nnrt_run_layer: no collective), so that
     * under mpirun rank 0 answers alone (cli.c) */
    float *out = malloc((size_t)m->max_batch * (size_t)m->n_classes * sizeof *out);
    if (!out)
        return nnrt_fail(err, "out of memory");
    for (int at = 0; at < r->n; at += m->max_batch) {
        int n = r->n - at < m->max_batch ? r->n - at : m->max_batch;
        memcpy(nnrt_input(m), r->x + (size_t)at * m->in_size,
               (size_t)n * (size_t)m->in_size * sizeof(float));
        nnrt_run_layer(m, n, m->output_at, m->n_classes, out);
        for (int i = 0; i < n; i++)
            show(m, o, r, at + i, out + (size_t)i * m->n_classes);
    }
    free(out);
    fflush(stdout);
    if (r->not_finite >= 0) {
        const sample *s = &r->samples[r->not_finite];
        return nnrt_fail(err, "%s%s%.0d: the model's output is not a finite number: it "
                         "overflows with these weights", s->file, s->line ? " line " : "",
                         s->line);
    }
    return 0;
}

int nnrt_predict_inputs(const nnrt_model *m, const nnrt_predict_opts *o, nnrt_error *err)
{
    input_run r;
    memset(&r, 0, sizeof r);
    r.not_finite = -1;
    int rc = run(m, o, &r, err);
    free(r.samples);
    free(r.x);
    free(r.truth);
    return rc;
}
