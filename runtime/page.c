/* page.c: a run's page, DIR/report.html, written after the test pass of
 * `train` and of `eval` (nnrt_page_after_test), with DIR/test.csv.
 *
 * One self-contained HTML file a browser opens from disk: styles inline,
 * the learning curves and a regression's scatter as inline SVG
 * (plot_svg.c's drawing), images as PNG data: URIs, no script.  In order:
 *
 *   heading      the model, the run folder, what wrote the page, the .nn
 *                file, the model hash, nnc's version; links to the sections
 *   result       the test numbers, the best epoch, the diagnosis (report.txt)
 *   curves       curve.csv drawn as curve.svg is
 *   confusion    a classifier's matrix as a heat map   (page_test.c)
 *   classes      its precision, recall and F1, macro averages
 *   mistakes     an image classifier's 16 surest mistakes
 *   scatter      a regression's predicted against true values
 *   augment      the augmentation preview, when the model augments
 *   model        the layers, their outputs and tensors  (page_model.c)
 *   settings     settings.txt
 *   timings      times.csv, samples a second, threads, the test pass
 *
 * Everything but the test pass comes from the folder's files (run_read.c),
 * so `eval` into a run's folder draws the run's curves too, and into a
 * fresh folder a page without them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "dist.h"
#include "page.h"

/* What the page holds, for its links */
typedef struct contents {
    int curves, confusion, mistakes, scatter, augment;
} contents;

static contents contents_of(const nnrt_model *m, const nnrt_run_files *r, const nnrt_page_test *t)
{
    const nnrt_findings *fd = t->findings;
    return (contents){
        .curves = r->has_curve,
        .confusion = t->k > 0,
        .mistakes = fd && fd->keep_wrong,
        .scatter = fd && fd->n_outputs > 0 && fd->n_points > 0,
        .augment = nnrt_augment_active(&m->augment) && nnrt_is_image_model(m),
    };
}

static void link(FILE *f, int shown, const char *id, const char *text)
{
    if (shown)
        fprintf(f, "<a href=\"#%s\">%s</a>", id, text);
}

static void heading(FILE *f, const nnrt_model *m, const char *dir, const nnrt_run_files *r,
                    const nnrt_page_test *t, const contents *c)
{
    const char *source = nnrt_setting_get(&r->settings, "source");
    source = source ? source : m->source;
    fputs("<header>\n<h1>", f);
    nnrt_markup_text(f, m->name);
    fputs("</h1>\n<p class=\"sub\">run folder <code>", f);
    nnrt_markup_text(f, dir);
    fprintf(f, "</code>; this page written by <code>%s</code>", t->source->command);
    if (source && *source) {
        fputs("; model <code>", f);
        nnrt_markup_text(f, source);
        fputs("</code>", f);
    }
    if (m->model_hash) {
        fputs(" (hash <code>", f);
        nnrt_markup_text(f, m->model_hash);
        fputs("</code>)", f);
    }
    fputs("; nnc ", f);
    nnrt_markup_text(f, m->nnc_version ? m->nnc_version : NNRT_VERSION);
    fputs("</p>\n<nav>", f);
    link(f, 1, "result", "result");
    link(f, c->curves, "curves", "curves");
    link(f, c->confusion, "confusion", "confusion matrix");
    link(f, c->confusion, "classes", "per class");
    link(f, c->mistakes, "mistakes", "mistakes");
    link(f, c->scatter, "scatter", "predicted vs true");
    link(f, c->augment, "augment", "augmentation");
    link(f, 1, "model", "model");
    link(f, 1, "settings", "settings");
    link(f, 1, "timings", "timings");
    fputs("</nav>\n</header>\n", f);
}

static void tile(FILE *f, const char *label, const char *value_fmt, double v)
{
    fputs("<div class=\"tile\"><span>", f);
    nnrt_markup_text(f, label);
    fputs("</span><b>", f);
    if (isfinite(v))
        fprintf(f, value_fmt, v);
    else
        fputs("-", f);
    fputs("</b></div>", f);
}

static void result(FILE *f, const nnrt_model *m, const nnrt_run_files *r, const nnrt_page_test *t)
{
    const nnrt_scores *s = &t->scores;
    fputs("<section id=\"result\">\n<h2>Result</h2>\n<div class=\"tiles\">", f);
    if (m->task == NNRT_TASK_REGRESS) {
        tile(f, "test mae", "%.4f", s->mae);
        tile(f, "test rmse", "%.4f", s->rmse);
    } else {
        tile(f, "test accuracy", "%.4f", s->accuracy);
    }
    tile(f, "test loss", "%.4f", s->loss);
    tile(f, "test samples", "%.0f", (double)t->test->n_samples);
    int best = r->has_curve ? nnrt_curve_best(&r->curve) : -1;
    if (best >= 0) {
        tile(f, "best epoch", "%.0f", nnrt_curve_epoch(&r->curve, best));
        tile(f, "epochs", "%.0f", nnrt_curve_epoch(&r->curve, r->curve.n - 1));
    }
    fputs("</div>\n", f);
    if (r->report) {
        fputs("<p class=\"note\">The diagnosis of the learning curves "
              "(<code>report.txt</code>):</p>\n<pre>", f);
        nnrt_markup_lines(f, r->report);
        fputs("</pre>\n", f);
    } else {
        fputs("<p class=\"note\">No <code>report.txt</code> here: the diagnosis is "
              "written when <code>train</code> ends.</p>\n", f);
    }
    fputs("</section>\n", f);
}

static void curves(FILE *f, const nnrt_model *m, nnrt_run_files *r)
{
    if (!r->has_curve)
        return;
    nnrt_error err;
    r->curve.name = m->name;
    fputs("<section id=\"curves\">\n<h2>Learning curves</h2>\n<p class=\"note\">Training "
          "solid, validation dashed, the best epoch (lowest validation loss) ringed.</p>\n",
          f);
    if (nnrt_plot_svg(f, m->name, &r->curve, 1, &err) != 0) {
        fputs("<p class=\"note\">", f);
        nnrt_markup_text(f, err.msg);
        fputs("</p>\n", f);
    }
    fputs("</section>\n", f);
}

static void body(FILE *f, const nnrt_model *m, const char *dir, nnrt_run_files *r,
                 const nnrt_page_test *t)
{
    contents c = contents_of(m, r, t);
    char title[512];
    snprintf(title, sizeof title, "%s: run report", m->name);
    nnrt_html_begin(f, title);
    heading(f, m, dir, r, t, &c);
    result(f, m, r, t);
    curves(f, m, r);
    nnrt_page_confusion(f, m, t);
    nnrt_page_class_scores(f, m, t);
    nnrt_page_mistakes(f, m, t);
    nnrt_page_scatter(f, m, t);
    nnrt_page_augment(f, m, t);
    nnrt_page_layers(f, m);
    nnrt_page_settings(f, m, r);
    nnrt_page_timings(f, m, r, t);
    nnrt_html_end(f, "written by libnnrt " NNRT_VERSION
                     "; a file of its own: it fetches nothing and runs no script");
}

int nnrt_page_write(const nnrt_model *m, const char *dir, const nnrt_page_test *t,
                    nnrt_error *err)
{
    if (nnrt_dist_rank() > 0)
        return 0;
    char path[NNRT_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/report.html", dir) >= sizeof path)
        return nnrt_fail(err, "%s: path too long", dir);
    nnrt_run_files r;
    if (nnrt_run_read(dir, &r, err) != 0)
        return -1;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int rc = mem ? 0 : nnrt_fail(err, "%s: out of memory", path);
    if (rc == 0) {
        body(mem, m, dir, &r, t);
        rc = nnrt_html_save(path, mem, &text, &len, 0, err);
    }
    nnrt_run_free(&r);
    if (rc == 0)   /* the one file a person opens: say where it is */
        printf("saved %s: the run on one page, to open in a browser\n", path);
    return rc;
}

/* ---- after the test pass ------------------------------------------------- */

static int save_test(const nnrt_model *m, const nnrt_page_test *t, const char *dir,
                     nnrt_error *err)
{
    char path[NNRT_PATH_MAX], text[512];
    const nnrt_scores *s = &t->scores;
    if ((size_t)snprintf(path, sizeof path, "%s/test.csv", dir) >= sizeof path)
        return nnrt_fail(err, "%s: path too long", dir);
    int len = m->task == NNRT_TASK_REGRESS
                  ? snprintf(text, sizeof text, "loss,mae,rmse,samples\n%.6f,%.6f,%.6f,%d\n",
                             s->loss, s->mae, s->rmse, t->test->n_samples)
                  : snprintf(text, sizeof text, "loss,accuracy,samples\n%.6f,%.6f,%d\n", s->loss,
                             s->accuracy, t->test->n_samples);
    if (len < 0 || (size_t)len >= sizeof text)
        return nnrt_fail(err, "%s: a value too large to write", path);
    return nnrt_afile_save(path, text, (size_t)len, err);
}

int nnrt_page_after_test(const nnrt_model *m, const char *dir, const nnrt_page_test *t,
                         nnrt_error *err)
{
    if (nnrt_mkdirs(dir, err) != 0 || save_test(m, t, dir, err) != 0)
        return -1;
    if (!t->source)
        return 0;
    /* said nowhere: train's first line names the folder, and what train
     * and eval print after the test line stays what it was */
    return nnrt_page_write(m, dir, t, err);
}
