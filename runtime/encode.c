/* encode.c: the `encode` command: what one layer makes of each test
 * sample (its code: an autoencoder's middle layer, or any hidden layer of
 * any model), in inference mode, with saved weights.
 *
 * For a program (--csv), a header, then one line per sample:
 *     index,label,code0,code1,...
 * the label as the file has it (0 for CSV data without labels), every
 * value with %.9g, which reads back as the exact float.
 *
 * For a person (--out FILE.svg), when the layer has 2 units: a scatter of
 * the codes, a dot per sample coloured by its class (plot_svg.c), named in
 * the legend by the model's `classes`, or by number.  The class is the
 * label, or a binary model's class of it.
 *
 * The layer's rows are read from every replica after its forward
 * (nnrt_run_layer); under MPI every rank computes them all, and rank 0
 * alone prints and writes, as ever. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "suggest.h"
#include "plot.h"

#define MAX_LEGEND 32   /* classes named in the legend at most; more are a bug */

/* What one run holds, so that one cleanup frees it all. */
typedef struct encode_run {
    nnrt_dataset test;
    int have_test;
    int *order;                 /* max_batch */
    int *labels;                /* n */
    float *codes;               /* (n, width) */
} encode_run;

/* The layer called name, or NULL after saying which there are.  "input"
 * is the values the network reads (scaled, as the first layer sees them:
 * what an exported model takes, docs/export.md), filled into *input. */
static const nnrt_layer_output *find_layer(const nnrt_model *m, const char *name,
                                           nnrt_layer_output *input, nnrt_error *err)
{
    for (int i = 0; i < m->n_layer_outputs; i++)
        if (name && strcmp(m->layer_outputs[i].name, name) == 0)
            return &m->layer_outputs[i];
    if (name && strcmp(name, "input") == 0) {
        *input = (nnrt_layer_output){ "input", m->input_at, m->in_size };
        return input;
    }
    if (m->n_layer_outputs == 0) {
        nnrt_fail(err, "this trainer lists no layers: build it again with this nnc");
        return NULL;
    }
    char list[1024] = "input";
    size_t used = strlen(list);
    for (int i = 0; i < m->n_layer_outputs && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, ", %s",
                                 m->layer_outputs[i].name);
    const char *names[65] = { "input" };
    int n = 1;
    for (int i = 0; i < m->n_layer_outputs && n < 65; i++)
        names[n++] = m->layer_outputs[i].name;
    const char *close = name ? nnrt_closest(name, names, n) : NULL;
    if (close)
        nnrt_fail(err, "no layer '%s' in %s; did you mean '%s'? (its layers are %s)", name,
                  m->name, close, list);
    else if (name)
        nnrt_fail(err, "no layer '%s' in %s: its layers are %s", name, m->name, list);
    else
        nnrt_fail(err, "encode needs --layer NAME: %s's layers are %s", m->name, list);
    return NULL;
}

/* ---- --csv ---------------------------------------------------------------- */

static void csv_lines(const encode_run *r, int n, int width)
{
    printf("index,label");
    for (int k = 0; k < width; k++)
        printf(",code%d", k);
    putchar('\n');
    for (int i = 0; i < n; i++) {
        printf("%d,%d", i, r->labels[i]);
        for (int k = 0; k < width; k++)
            printf(",%.9g", (double)r->codes[(size_t)i * width + k]);
        putchar('\n');
    }
}

/* ---- the scatter ------------------------------------------------------------ */

/* m's class names and how many (nnrt.h: class_names): an autoencoder's end
 * in NULL; 0 when it has none */
static int name_count(const nnrt_model *m)
{
    if (!m->class_names)
        return 0;
    if (!m->target_input)
        return m->binary_positive ? 2 : m->n_classes;
    int n = 0;
    while (n < MAX_LEGEND && m->class_names[n])
        n++;
    return n;
}

/* Each sample's class, in place of its label: a binary model's class of
 * it, else the label.  Returns the classes: the names', or more when a
 * label is past them (it is named by its number). */
static int classes_of(const nnrt_model *m, int *cls, int n)
{
    int k = m->binary_positive ? 2 : name_count(m);
    if (m->binary_positive)
        nnrt_labels_map(m, cls, n);
    for (int i = 0; i < n; i++)
        k = cls[i] >= k ? cls[i] + 1 : k;
    return k > 0 ? k : 1;
}

static int draw(const nnrt_model *m, const nnrt_encode_opts *o, encode_run *r, int n,
                nnrt_error *err)
{
    int k = classes_of(m, r->labels, n), names = name_count(m);
    if (k > MAX_LEGEND)
        return nnrt_fail(err, "%s: the scatter colours up to %d classes, and the labels go "
                         "up to %d: use --csv", o->svg, MAX_LEGEND, k - 1);
    char numbers[MAX_LEGEND][12];
    const char *legend[MAX_LEGEND];
    for (int c = 0; c < k; c++) {
        snprintf(numbers[c], sizeof numbers[c], "%d", c);
        legend[c] = c < names ? m->class_names[c] : numbers[c];
    }
    char title[256], x_label[96], y_label[96];
    snprintf(title, sizeof title, "%s: layer %s, %d test sample%s", m->name, o->layer, n,
             n == 1 ? "" : "s");
    snprintf(x_label, sizeof x_label, "%s, unit 0", o->layer);
    snprintf(y_label, sizeof y_label, "%s, unit 1", o->layer);
    nnrt_scatter s = { n, r->codes, r->labels, k, legend, x_label, y_label, 0 };
    return nnrt_scatter_write(o->svg, title, &s, err);
}

/* ---- the command --------------------------------------------------------- */

/* The first n test samples through forward, max_batch at a time: their
 * labels as the file has them, and layer lo's rows */
static void encode_all(const nnrt_model *m, const nnrt_layer_output *lo, encode_run *r, int n)
{
    for (int at = 0; at < n; at += m->max_batch) {
        int rows = n - at < m->max_batch ? n - at : m->max_batch;
        for (int i = 0; i < rows; i++)
            r->order[i] = at + i;
        nnrt_batch_fill(&r->test, r->order, 0, rows, m->scale, nnrt_input(m), r->labels + at);
        nnrt_run_layer(m, rows, lo->at, lo->width, r->codes + (size_t)at * lo->width);
    }
}

static int not_finite(const float *v, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !isfinite(v[i]);
    return bad > 0;
}

static int run(const nnrt_model *m, const nnrt_encode_opts *o, const nnrt_layer_output *lo,
               encode_run *r, nnrt_error *err)
{
    if (o->weights_default && access(o->weights, F_OK) != 0 && errno == ENOENT)
        return nnrt_fail(err, "%s: no weights there yet: train first, or give --weights FILE",
                         o->weights);
    if (nnrt_weights_load(m, o->weights, err) != 0 ||
        nnrt_model_data_load(m, 1, &r->test, err) != 0)
        return -1;
    r->have_test = 1;
    int n = o->count < r->test.n_samples ? o->count : r->test.n_samples;
    if (n == 0)
        return nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    r->order = malloc((size_t)m->max_batch * sizeof *r->order);
    r->labels = malloc((size_t)n * sizeof *r->labels);
    r->codes = malloc((size_t)n * (size_t)lo->width * sizeof *r->codes);
    if (!r->order || !r->labels || !r->codes)
        return nnrt_fail(err, "out of memory for %d codes of %d values", n, lo->width);
    encode_all(m, lo, r, n);
    if (o->csv)
        csv_lines(r, n, lo->width);
    fflush(stdout);
    int bad = not_finite(r->codes, (size_t)n * lo->width);
    if (bad)
        fprintf(stderr, "%s: warning: some codes are NaN or infinite%s\n", m->name,
                o->svg ? ": the scatter leaves them out" : "");
    if (!o->svg)
        return 0;
    if (draw(m, o, r, n, err) != 0)
        return -1;
    /* with --csv, stdout holds the rows alone */
    fprintf(o->csv ? stderr : stdout, "%s: wrote %s: the codes of %d test sample%s (layer %s)\n",
            m->name, o->svg, n, n == 1 ? "" : "s", o->layer);
    return 0;
}

int nnrt_encode_run(const nnrt_model *m, const nnrt_encode_opts *o, nnrt_error *err)
{
    nnrt_layer_output input;
    const nnrt_layer_output *lo = find_layer(m, o->layer, &input, err);
    if (!lo)
        return -1;
    if (o->svg && lo->width != 2)
        return nnrt_fail(err, "--out %s: the scatter needs a 2-unit code, and layer '%s' has "
                         "%d units: use --csv for its values", o->svg, lo->name, lo->width);
    if (!o->svg && !o->csv)
        return nnrt_fail(err, "encode writes --csv (the codes as text), --out FILE.svg (a "
                         "2-unit code's scatter) or both: give one");
    encode_run r = { 0 };
    int rc = run(m, o, lo, &r, err);
    if (r.have_test)
        nnrt_dataset_free(&r.test);
    free(r.order);
    free(r.labels);
    free(r.codes);
    return rc;
}
