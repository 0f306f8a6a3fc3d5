/* page_test.c: a run page's sections about the test pass: a classifier's
 * confusion matrix as a heat map and its per-class scores; an image
 * classifier's most confident mistakes, each test image as a PNG with its
 * true and predicted class; a regression's predicted values against the
 * true ones; and the augmentation preview of a model that augments.
 *
 * The heat map colours each cell by its share of its row (of the true
 * class's samples): right answers on the diagonal in blue, mistakes in
 * red, so a class mistaken for another shows at a glance whatever the
 * classes' sizes.  Pictures that cannot be drawn (out of memory) leave a
 * note in their place: the rest of the page is still worth having. */
#include <stdlib.h>
#include <string.h>

#include "page.h"

enum {
    HEAT_MAX_CLASSES = NNRT_CONFUSION_PRINT_CLASSES,   /* a wider matrix is in confusion.csv */
    MISTAKE_ZOOM = 4,                                  /* 28x28 shown 112x112 */
    PREVIEW_IMAGES = 16                                /* as augment-preview's default */
};

/* "3 Dress", or "3" when the model names no classes */
static void class_label(FILE *f, const nnrt_model *m, int c, int k)
{
    const char *name = nnrt_class_name(m, c, k);
    fprintf(f, "%d", c);
    if (name) {
        fputc(' ', f);
        nnrt_markup_text(f, name);
    }
}

static void note(FILE *f, const char *what, const nnrt_error *err)
{
    fprintf(f, "<p class=\"note\">%s: ", what);
    nnrt_markup_text(f, err->msg);
    fputs("</p>\n", f);
}

/* ---- the confusion matrix ------------------------------------------------ */

static long row_sum(const long *matrix, int k, int t)
{
    long n = 0;
    for (int p = 0; p < k; p++)
        n += matrix[(size_t)t * (size_t)k + (size_t)p];
    return n;
}

static long column_sum(const long *matrix, int k, int p)
{
    long n = 0;
    for (int t = 0; t < k; t++)
        n += matrix[(size_t)t * (size_t)k + (size_t)p];
    return n;
}

static void heat_cell(FILE *f, const nnrt_model *m, const nnrt_page_test *t, int truth, int pred)
{
    long v = t->matrix[(size_t)truth * (size_t)t->k + (size_t)pred];
    long row = row_sum(t->matrix, t->k, truth);
    double share = row > 0 ? (double)v / (double)row : 0;
    const char *rgb = truth == pred ? "31,119,180" : "214,39,40";
    fprintf(f, "<td style=\"background:rgba(%s,%.3f)%s\" title=\"true ", rgb,
            v ? 0.08 + 0.92 * share : 0.0, share > 0.5 ? ";color:#fff" : "");
    class_label(f, m, truth, t->k);
    fputs(", predicted ", f);
    class_label(f, m, pred, t->k);
    fprintf(f, ": %ld of %ld (%.1f%%)\">%ld</td>", v, row, 100 * share, v);
}

void nnrt_page_confusion(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    if (t->k == 0)
        return;
    long total = nnrt_confusion_total(t->matrix, t->k);
    long right = nnrt_confusion_right(t->matrix, t->k);
    fputs("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n", f);
    fprintf(f, "<p class=\"note\">%ld of %ld test samples right. A row per true class, a "
               "column per predicted class; a cell's colour is its share of the row: right "
               "answers blue on the diagonal, mistakes red.</p>\n", right, total);
    if (t->k > HEAT_MAX_CLASSES) {
        fprintf(f, "<p>%d classes: too many to draw; <code>confusion.csv</code> has every "
                   "count.</p>\n</section>\n", t->k);
        return;
    }
    fputs("<div class=\"scroll\"><table class=\"heat\">\n<tr><th>true \\ predicted</th>", f);
    for (int p = 0; p < t->k; p++) {
        fputs("<th class=\"pred\">", f);
        class_label(f, m, p, t->k);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (int truth = 0; truth < t->k; truth++) {
        fputs("<tr><th>", f);
        class_label(f, m, truth, t->k);
        fputs("</th>", f);
        for (int p = 0; p < t->k; p++)
            heat_cell(f, m, t, truth, p);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n</section>\n", f);
}

/* ---- per-class scores ---------------------------------------------------------- */

static void score_cells(FILE *f, const nnrt_class_scores *s)
{
    fprintf(f, "<td class=\"num\">%.4f</td><td class=\"num\">%.4f</td><td class=\"num\">%.4f"
               "</td><td class=\"num\">%ld</td></tr>\n", s->precision, s->recall, s->f1,
            s->support);
}

/* A multi-label model's: each label a yes/no classifier of its own */
static void label_scores(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    int k = m->n_classes;
    nnrt_class_scores *per = malloc((size_t)k * sizeof *per), macro;
    if (!per)
        return;
    nnrt_multilabel_scores(t->labels, k, per, &macro);
    long exact = t->labels[4 * (size_t)k], samples = t->labels[4 * (size_t)k + 1];
    fputs("<section id=\"classes\">\n<h2>Precision, recall and F1 per label</h2>\n", f);
    fprintf(f, "<p class=\"note\">Each label a yes/no question (yes above 0.5), scored on its "
               "yes; support: the test samples that have it. Every label right on %ld of %ld "
               "samples (<code>metrics.csv</code> and <code>confusion.csv</code> have the "
               "counts).</p>\n", exact, samples);
    fputs("<div class=\"scroll\"><table>\n<tr><th>label</th><th class=\"num\">precision</th>"
          "<th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">support</th>"
          "</tr>\n", f);
    for (int j = 0; j < k; j++) {
        fputs("<tr><td>", f);
        class_label(f, m, j, k);
        fputs("</td>", f);
        score_cells(f, &per[j]);
    }
    fputs("<tr class=\"total\"><td>macro average</td>", f);
    score_cells(f, &macro);
    fputs("</table></div>\n</section>\n", f);
    free(per);
}

void nnrt_page_class_scores(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    if (t->labels) {
        label_scores(f, m, t);
        return;
    }
    if (t->k == 0)
        return;
    nnrt_class_scores *per = malloc((size_t)t->k * sizeof *per), macro;
    if (!per)
        return;
    nnrt_class_scores_of(t->matrix, t->k, per, &macro);
    fputs("<section id=\"classes\">\n<h2>Precision, recall and F1</h2>\n", f);
    fputs("<p class=\"note\">Each class's scores on the test set and their macro averages "
          "(plain means over the classes; <code>metrics.csv</code> has them too).</p>\n", f);
    fputs("<div class=\"scroll\"><table>\n<tr><th>class</th><th class=\"num\">precision</th>"
          "<th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">support</th>"
          "</tr>\n", f);
    for (int c = 0; c < t->k; c++) {
        /* a text's ids that neither occur nor are predicted say nothing */
        if (t->k > HEAT_MAX_CLASSES && per[c].support == 0 && column_sum(t->matrix, t->k, c) == 0)
            continue;
        fputs("<tr><td>", f);
        class_label(f, m, c, t->k);
        fputs("</td>", f);
        score_cells(f, &per[c]);
    }
    fputs("<tr class=\"total\"><td>macro average</td>", f);
    score_cells(f, &macro);
    fputs("</table></div>\n</section>\n", f);
    free(per);
}

/* ---- the most confident mistakes ------------------------------------------- */

/* One test image, as a PNG: what nnrt_html_png draws */
typedef struct one_image {
    const nnrt_model *m;
    const nnrt_dataset *ds;
    int sample;
} one_image;

static int encode_image(const void *arg, nnrt_png_sink sink, void *ctx, nnrt_error *err)
{
    const one_image *a = arg;
    int h, w, c, y;
    nnrt_image_shape(a->m, &h, &w, &c);
    size_t n = (size_t)h * (size_t)w * (size_t)c;
    uint8_t *pixels = malloc(n);
    if (!pixels)
        return nnrt_fail(err, "out of memory");
    nnrt_model_batch(a->m, a->ds, &a->sample, 0, 1, &y);   /* scaled, as the model saw it */
    const float *x = nnrt_input(a->m);
    float scale = a->m->scale > 0 ? a->m->scale : 1;
    for (size_t i = 0; i < n; i++)
        pixels[i] = nnrt_pixel_byte(x[i], scale);
    int rc = nnrt_png_encode(pixels, w, h, c, MISTAKE_ZOOM, sink, ctx, err);
    free(pixels);
    return rc;
}

static void mistake(FILE *f, const nnrt_model *m, const nnrt_page_test *t, const nnrt_wrong *w)
{
    one_image a = { m, t->test, w->sample };
    nnrt_error err;
    char alt[64];
    int k = nnrt_class_count(m);
    snprintf(alt, sizeof alt, "test sample %d", w->sample);
    fputs("<figure>", f);
    if (nnrt_html_png(f, "sample", alt, encode_image, &a, &err) != 0)
        note(f, "no picture", &err);
    fputs("<figcaption>true <b>", f);
    class_label(f, m, w->truth, k);
    fputs("</b><br>predicted <b>", f);
    class_label(f, m, w->predicted, k);
    fprintf(f, "</b> (%.3f)<br>p(true) %.3f, sample %d</figcaption></figure>\n", w->p_predicted,
            w->p_truth, w->sample);
}

void nnrt_page_mistakes(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    const nnrt_findings *fd = t->findings;
    if (!fd || !fd->keep_wrong)
        return;
    fputs("<section id=\"mistakes\">\n<h2>Most confident mistakes</h2>\n", f);
    if (fd->n_wrong == 0) {
        fputs("<p>No test image was classified wrong.</p>\n</section>\n", f);
        return;
    }
    fprintf(f, "<p class=\"note\">The %d test images the model got wrong with the highest "
               "probability on its answer, surest first: the true class, the predicted class "
               "and that probability, then the probability of the true class.</p>\n"
               "<div class=\"grid\">\n", fd->n_wrong);
    for (int i = 0; i < fd->n_wrong; i++)
        mistake(f, m, t, &fd->wrong[i]);
    fputs("</div>\n</section>\n", f);
}

/* ---- predicted against true -------------------------------------------------- */

static void draw_scatter(FILE *f, const nnrt_model *m, const nnrt_findings *fd)
{
    int n = fd->n_points * fd->n_outputs;
    float *xy = malloc((size_t)n * 2 * sizeof *xy);
    int *cls = malloc((size_t)n * sizeof *cls);
    char (*names)[32] = malloc((size_t)fd->n_outputs * sizeof *names);
    const char **legend = malloc((size_t)fd->n_outputs * sizeof *legend);
    nnrt_error err = { "out of memory" };
    int rc = -1;
    if (xy && cls && names && legend) {
        for (int i = 0; i < n; i++) {
            xy[2 * i] = fd->truth[i];
            xy[2 * i + 1] = fd->predicted[i];
            cls[i] = i % fd->n_outputs;
        }
        for (int c = 0; c < fd->n_outputs; c++)
            legend[c] = nnrt_output_name(m, c, names[c], sizeof names[c]);
        nnrt_scatter s = { .n = n, .xy = xy, .cls = cls, .n_classes = fd->n_outputs,
                           .class_names = legend, .x_label = "true value",
                           .y_label = "predicted value", .identity = 1 };
        rc = nnrt_scatter_svg(f, "predicted against true values", &s, &err);
    }
    if (rc != 0)
        note(f, "no picture", &err);
    free(xy);
    free(cls);
    free(names);
    free(legend);
}

void nnrt_page_scatter(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    const nnrt_findings *fd = t->findings;
    if (!fd || fd->n_outputs == 0 || fd->n_points == 0)
        return;
    fputs("<section id=\"scatter\">\n<h2>Predicted against true</h2>\n", f);
    fprintf(f, "<p class=\"note\">The first %d test samples%s: each point a sample's true "
               "value (across) and the model's prediction (up); on the dashed line they "
               "agree.</p>\n", fd->n_points,
            m->n_classes > fd->n_outputs ? ", the first outputs" : "");
    draw_scatter(f, m, fd);
    fputs("</section>\n", f);
}

/* ---- the augmentation preview ---------------------------------------------- */

typedef struct preview_args {
    const nnrt_model *m;
    const nnrt_dataset *ds;
    uint64_t seed;
} preview_args;

static int encode_preview(const void *arg, nnrt_png_sink sink, void *ctx, nnrt_error *err)
{
    const preview_args *a = arg;
    return nnrt_preview_encode(a->m, a->ds, PREVIEW_IMAGES, a->seed, sink, ctx, err);
}

void nnrt_page_augment(FILE *f, const nnrt_model *m, const nnrt_page_test *t)
{
    if (!nnrt_augment_active(&m->augment) || !nnrt_is_image_model(m) || !t->source)
        return;
    const nnrt_dataset *ds = t->source->preview ? t->source->preview : t->test;
    preview_args a = { m, ds, t->source->seed };
    nnrt_error err;
    fputs("<section id=\"augment\">\n<h2>Augmentation</h2>\n", f);
    fprintf(f, "<p class=\"note\">The first %d %s images, each beside a copy augmented as "
               "training augments them (<code>augment-preview</code> draws the same with "
               "<code>--seed %llu</code>).</p>\n",
            ds->n_samples < PREVIEW_IMAGES ? ds->n_samples : PREVIEW_IMAGES,
            t->source->preview ? "training" : "test", (unsigned long long)t->source->seed);
    if (nnrt_html_png(f, "preview", "each image beside its augmented copy", encode_preview, &a,
                      &err) != 0)
        note(f, "no picture", &err);
    fputs("\n</section>\n", f);
}
