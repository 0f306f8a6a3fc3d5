/* page_model.c: a run page's sections about the model and how it was
 * trained: its layers (what the trainer knows of them: each layer's output
 * width and tensors, from MODEL's layer_outputs and PARAMS; `nnc check`
 * prints the full table from the .nn file), the training settings
 * (DIR/settings.txt, settings.c) and the timings (DIR/times.csv, the
 * settings' sample counts and threads, and the test pass just made). */
#include <stdlib.h>
#include <string.h>

#include "page.h"

/* ---- layers ----------------------------------------------------------------- */

/* The length of a tensor's layer name: its name up to the first '.' */
static int prefix_len(const char *tensor)
{
    const char *dot = strchr(tensor, '.');
    return dot ? (int)(dot - tensor) : (int)strlen(tensor);
}

int nnrt_layer_has(const nnrt_layer_view *v, const nnrt_param *p)
{
    return prefix_len(p->name) == v->name_len &&
           strncmp(p->name, v->name, (size_t)v->name_len) == 0;
}

static void count_tensors(const nnrt_model *m, nnrt_layer_view *v)
{
    for (int p = 0; p < m->n_params; p++)
        if (nnrt_layer_has(v, &m->params[p])) {
            v->params += m->params[p].size;
            v->trained += m->params[p].grad ? m->params[p].size : 0;
            v->n_tensors++;
        }
}

/* Whether tensor p's layer is one of v[0..n) */
static int listed(const nnrt_layer_view *v, int n, const nnrt_param *p)
{
    for (int i = 0; i < n; i++)
        if (nnrt_layer_has(&v[i], p))
            return 1;
    return 0;
}

nnrt_layer_view *nnrt_layer_views(const nnrt_model *m, int *n)
{
    *n = 0;
    nnrt_layer_view *v = calloc((size_t)m->n_layer_outputs + (size_t)m->n_params + 1, sizeof *v);
    if (!v)
        return NULL;
    for (int i = 0; i < m->n_layer_outputs; i++) {
        const nnrt_layer_output *o = &m->layer_outputs[i];
        v[*n] = (nnrt_layer_view){ o->name, (int)strlen(o->name), o->width, 0, 0, 0 };
        count_tensors(m, &v[(*n)++]);
    }
    /* tensors of layers no output is listed for (a model written by hand) */
    for (int p = 0; p < m->n_params; p++)
        if (!listed(v, *n, &m->params[p])) {
            v[*n] = (nnrt_layer_view){ m->params[p].name, prefix_len(m->params[p].name), 0, 0, 0,
                                      0 };
            count_tensors(m, &v[(*n)++]);
        }
    return v;
}

/* "784x128" */
static void dims_text(FILE *f, const nnrt_param *p)
{
    for (int d = 0; d < p->ndims; d++)
        fprintf(f, "%s%d", d ? "x" : "", p->dims[d]);
}

static void name_cell(FILE *f, const char *name, int len)
{
    char *copy = strndup(name, (size_t)len);
    fputs("<td><code>", f);
    nnrt_markup_text(f, copy ? copy : "?");
    fputs("</code></td>", f);
    free(copy);
}

static void layer_row(FILE *f, const nnrt_model *m, const nnrt_layer_view *v)
{
    fputs("<tr>", f);
    name_cell(f, v->name, v->name_len);
    if (v->width)
        fprintf(f, "<td class=\"num\">%d</td><td>", v->width);
    else
        fputs("<td class=\"num\">-</td><td>", f);
    int shown = 0;
    for (int p = 0; p < m->n_params; p++) {
        if (!nnrt_layer_has(v, &m->params[p]))
            continue;
        fputs(shown++ ? ", <code>" : "<code>", f);
        nnrt_markup_text(f, m->params[p].name + v->name_len);
        fputs("</code> ", f);
        dims_text(f, &m->params[p]);
        if (!m->params[p].grad)
            fputs(" (not trained)", f);
    }
    fprintf(f, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td></tr>\n", v->params,
            v->trained);
}

void nnrt_page_layers(FILE *f, const nnrt_model *m)
{
    int n, h, w, c;
    nnrt_layer_view *v = nnrt_layer_views(m, &n);
    nnrt_image_shape(m, &h, &w, &c);
    fputs("<section id=\"model\">\n<h2>Model</h2>\n", f);
    fputs("<p class=\"note\">Each layer's output (values a sample) and its tensors, as the "
          "trainer holds them; <code>nnc check</code> on the <code>.nn</code> file prints "
          "shapes, costs and kernels.</p>\n", f);
    fputs("<div class=\"scroll\"><table>\n<tr><th>layer</th><th class=\"num\">output</th>"
          "<th>tensors</th><th class=\"num\">params</th><th class=\"num\">trained</th></tr>\n",
          f);
    fprintf(f, "<tr><td><code>input</code></td><td class=\"num\">%dx%dx%d</td><td></td>"
               "<td class=\"num\">0</td><td class=\"num\">0</td></tr>\n", h, w, c);
    long params = 0, trained = 0;
    for (int i = 0; v && i < n; i++) {
        layer_row(f, m, &v[i]);
        params += v[i].params;
        trained += v[i].trained;
    }
    fprintf(f, "<tr class=\"total\"><td>total</td><td></td><td></td><td class=\"num\">%ld</td>"
               "<td class=\"num\">%ld</td></tr>\n</table></div>\n</section>\n", params, trained);
    free(v);
}

/* ---- settings ----------------------------------------------------------------- */

/* Keys the page's heading shows, or the layers' table */
static int shown_elsewhere(const char *key)
{
    static const char *const KEYS[] = { "model", "source", "model_hash", "nnc_version" };
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        if (strcmp(key, KEYS[i]) == 0)
            return 1;
    return strncmp(key, "layer.", 6) == 0;
}

static void settings_table(FILE *f, const nnrt_settings *s)
{
    fputs("<div class=\"scroll\"><table class=\"settings\">\n<tr><th>setting</th>"
          "<th>value</th></tr>\n", f);
    for (int i = 0; i < s->n; i++) {
        if (shown_elsewhere(s->kv[i].key))
            continue;
        fputs("<tr><td>", f);
        nnrt_markup_text(f, s->kv[i].key);
        fputs("</td><td>", f);
        nnrt_markup_text(f, s->kv[i].value);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

void nnrt_page_settings(FILE *f, const nnrt_model *m, const nnrt_run_files *r)
{
    fputs("<section id=\"settings\">\n<h2>Training settings</h2>\n", f);
    if (r->settings.n > 0) {
        settings_table(f, &r->settings);
        fputs("</section>\n", f);
        return;
    }
    /* a folder eval wrote into: the .nn file's own settings, said so */
    fputs("<p class=\"note\">This folder has no <code>settings.txt</code> (train writes one): "
          "these are the <code>.nn</code> file's settings.</p>\n", f);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    nnrt_settings s = { 0 };
    if (mem) {
        nnrt_settings_print(mem, m, NULL, NULL);
        fclose(mem);
        if (nnrt_settings_parse(text, &s) == 0)   /* text is s's now */
            settings_table(f, &s);
        nnrt_settings_free(&s);
    }
    fputs("</section>\n", f);
}

/* ---- timings ------------------------------------------------------------------ */

static void row_text(FILE *f, const char *what, const char *value)
{
    fprintf(f, "<tr><td>%s</td><td class=\"num\">%s</td></tr>\n", what, value);
}

static void epoch_timings(FILE *f, const nnrt_run_files *r)
{
    double total = 0, lo = r->seconds[0], hi = r->seconds[0];
    for (int i = 0; i < r->n_seconds; i++) {
        total += r->seconds[i];
        lo = r->seconds[i] < lo ? r->seconds[i] : lo;
        hi = r->seconds[i] > hi ? r->seconds[i] : hi;
    }
    double mean = total / r->n_seconds;
    char v[96];
    snprintf(v, sizeof v, "%d", r->n_seconds);
    row_text(f, "epochs timed", v);
    snprintf(v, sizeof v, "%.3f s", total);
    row_text(f, "training, in all", v);
    snprintf(v, sizeof v, "%.3f s (fastest %.3f s, slowest %.3f s)", mean, lo, hi);
    row_text(f, "seconds an epoch", v);
    const char *train = nnrt_setting_get(&r->settings, "train_samples");
    if (train && mean > 0) {
        snprintf(v, sizeof v, "%.0f", atof(train) / mean);
        row_text(f, "training samples a second (the epoch's validation included)", v);
    }
    const char *threads = nnrt_setting_get(&r->settings, "threads");
    if (threads) {
        fputs("<tr><td>threads, training</td><td class=\"num\">", f);
        nnrt_markup_text(f, threads);
        fputs("</td></tr>\n", f);
    }
}

static void epoch_list(FILE *f, const nnrt_run_files *r)
{
    fputs("<details><summary>Each epoch's seconds (times.csv)</summary>\n"
          "<table>\n<tr><th class=\"num\">epoch</th><th class=\"num\">seconds</th></tr>\n", f);
    for (int i = 0; i < r->n_seconds; i++)
        fprintf(f, "<tr><td class=\"num\">%d</td><td class=\"num\">%.3f</td></tr>\n",
                r->has_curve && i < r->curve.n ? nnrt_curve_epoch(&r->curve, i) : i + 1,
                r->seconds[i]);
    fputs("</table>\n</details>\n", f);
}

void nnrt_page_timings(FILE *f, const nnrt_model *m, const nnrt_run_files *r,
                       const nnrt_page_test *t)
{
    fputs("<section id=\"timings\">\n<h2>Timings</h2>\n<table>\n", f);
    if (r->n_seconds > 0)
        epoch_timings(f, r);
    char v[96];
    int n = t->test->n_samples;
    snprintf(v, sizeof v, "%d samples in %.3f s, %.0f a second", n, t->seconds,
             t->seconds > 0 ? n / t->seconds : 0.0);
    row_text(f, "test pass", v);
    snprintf(v, sizeof v, "%d", nnrt_threads(m));
    row_text(f, "threads, test pass", v);
    fputs("</table>\n", f);
    if (r->n_seconds > 0)
        epoch_list(f, r);
    fputs("</section>\n", f);
}
