/* page_compare.c: `nnc report RUN_DIR... -o FILE.html`, runs side by
 * side on one self-contained page (html.c), as TensorBoard's scalars put
 * runs over each other:
 *
 *   heading    the title; each run in its colour, its folder (a link to
 *              its own report.html when it has one), its model, its verdict
 *   curves     every run's curve.csv in one picture, a colour a run, as
 *              `nnc plot` draws them (plot_svg.c)
 *   results    a row a run: its epochs, its best epoch (lowest val_loss,
 *              as the plot rings it) with that epoch's numbers, its last
 *              epoch's, its test numbers (test.csv) and macro F1
 *              (metrics.csv); the best of each column in bold
 *   settings   settings.txt of each run (and what nnc adds from the .nn
 *              files), a row a setting: those that differ first, marked;
 *              those that agree folded away below
 *
 * A folder without curve.csv is refused: it holds no run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "page.h"

/* One run as read: its files, and its settings with nnc's extras */
typedef struct run_view {
    const nnrt_compare_run *arg;
    nnrt_run_files files;
} run_view;

/* run r's value of key: an extra (nnc's) before settings.txt's */
static const char *value_of(const run_view *r, const char *key)
{
    for (int i = 0; i < r->arg->n_extra; i++)
        if (strcmp(r->arg->extra[i].key, key) == 0)
            return r->arg->extra[i].value;
    return nnrt_setting_get(&r->files.settings, key);
}

/* ---- the heading ------------------------------------------------------------ */

static void swatch(FILE *f, int i)
{
    fprintf(f, "<span class=\"swatch\" style=\"background:%s\"></span>", nnrt_plot_colour(i));
}

/* "verdict: ..." of report.txt, without its label, into f; "-" if none */
static void verdict(FILE *f, const char *report)
{
    const char *v = report ? strstr(report, "verdict: ") : NULL;
    if (!v) {
        fputs("-", f);
        return;
    }
    v += strlen("verdict: ");
    size_t len = strcspn(v, "\n");
    char *line = strndup(v, len);
    nnrt_markup_text(f, line ? line : "");
    free(line);
}

static void run_name(FILE *f, const run_view *r, int i)
{
    fputs("<span class=\"run\">", f);
    swatch(f, i);
    if (r->arg->href) {
        fputs("<a href=\"", f);
        nnrt_markup_url_path(f, r->arg->href);
        fputs("\">", f);
        nnrt_markup_text(f, r->arg->name);
        fputs("</a>", f);
    } else {
        nnrt_markup_text(f, r->arg->name);
    }
    fputs("</span>", f);
}

static void runs_table(FILE *f, const run_view *v, int n)
{
    fputs("<div class=\"scroll\"><table>\n<tr><th>run</th><th>folder</th><th>model</th>"
          "<th>verdict</th></tr>\n", f);
    for (int i = 0; i < n; i++) {
        const char *model = value_of(&v[i], "model");
        fputs("<tr><td>", f);
        run_name(f, &v[i], i);
        fputs("</td><td><code>", f);
        nnrt_markup_text(f, v[i].arg->dir);
        fputs("</code></td><td>", f);
        nnrt_markup_text(f, model ? model : "-");
        fputs("</td><td>", f);
        verdict(f, v[i].files.report);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

/* ---- results -------------------------------------------------------------- */

enum { COLUMNS = 11 };

/* Run r's numbers, a column each; NAN where it has none */
static void numbers_of(const run_view *r, double *col)
{
    const nnrt_run_files *f = &r->files;
    const nnrt_curve *c = &f->curve;
    int b = nnrt_curve_best(c), last = c->n - 1;
    for (int i = 0; i < COLUMNS; i++)
        col[i] = NAN;
    col[0] = nnrt_curve_epoch(c, last);
    if (b >= 0) {
        col[1] = nnrt_curve_epoch(c, b);
        col[2] = c->has_val ? c->val_loss[b] : c->loss[b];
        col[3] = c->has_val ? c->val_metric[b] : c->metric[b];
    }
    col[4] = c->loss[last];
    col[5] = c->metric[last];
    if (c->has_val) {
        col[6] = c->val_loss[last];
        col[7] = c->val_metric[last];
    }
    if (f->has_test) {
        col[8] = f->test_loss;
        col[9] = f->test_regress ? f->test_mae : f->test_accuracy;
    }
    if (f->has_macro)
        col[10] = f->macro_f1;
}

/* Which way is better in column i of numbers_of: -1 lower (a loss, an
 * MAE), 1 higher (an accuracy, F1), 0 neither (an epoch's number) */
static int better(int i, int regress)
{
    switch (i) {
    case 2: case 4: case 6: case 8: return -1;
    case 3: case 5: case 7: case 9: return regress ? -1 : 1;
    case 10: return 1;
    default: return 0;
    }
}

static void results_table(FILE *f, const run_view *v, int n)
{
    int regress = v[0].files.curve.regress;
    const char *metric = regress ? "mae" : "accuracy";
    double (*cols)[COLUMNS] = malloc((size_t)n * sizeof *cols);
    if (!cols)
        return;
    for (int i = 0; i < n; i++)
        numbers_of(&v[i], cols[i]);
    fprintf(f, "<div class=\"scroll\"><table>\n<tr><th>run</th><th class=\"num\">epochs</th>"
               "<th class=\"num\">best epoch</th><th class=\"num\">its val_loss</th>"
               "<th class=\"num\">its val_%s</th><th class=\"num\">last loss</th>"
               "<th class=\"num\">last %s</th><th class=\"num\">last val_loss</th>"
               "<th class=\"num\">last val_%s</th><th class=\"num\">test loss</th>"
               "<th class=\"num\">test %s</th><th class=\"num\">macro F1</th></tr>\n",
            metric, metric, metric, metric);
    for (int i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        run_name(f, &v[i], i);
        fputs("</td>", f);
        for (int c = 0; c < COLUMNS; c++) {
            int way = better(c, regress), top = way != 0 && n > 1 && isfinite(cols[i][c]);
            for (int j = 0; top && j < n; j++)
                top = !(isfinite(cols[j][c]) && (cols[j][c] - cols[i][c]) * way > 0);
            fprintf(f, "<td class=\"num%s\">", top ? " best" : "");
            if (way == 0 && isfinite(cols[i][c]))
                fprintf(f, "%.0f", cols[i][c]);
            else
                nnrt_html_number(f, cols[i][c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
    free(cols);
}

/* ---- settings --------------------------------------------------------------- */

/* Every key of every run (settings.txt's and the extras), each once, in
 * the order first met; malloc'ed, the strings the runs' */
static const char **all_keys(const run_view *v, int n, int *count)
{
    int max = 0;
    for (int i = 0; i < n; i++)
        max += v[i].files.settings.n + v[i].arg->n_extra;
    const char **keys = malloc(((size_t)max + 1) * sizeof *keys);
    *count = 0;
    for (int i = 0; keys && i < n; i++) {
        int total = v[i].files.settings.n + v[i].arg->n_extra;
        for (int j = 0; j < total; j++) {
            const char *key = j < v[i].files.settings.n
                                  ? v[i].files.settings.kv[j].key
                                  : v[i].arg->extra[j - v[i].files.settings.n].key;
            int seen = 0;
            for (int k = 0; k < *count && !seen; k++)
                seen = strcmp(keys[k], key) == 0;
            if (!seen)
                keys[(*count)++] = key;
        }
    }
    return keys;
}

static int differs(const run_view *v, int n, const char *key)
{
    const char *first = value_of(&v[0], key);
    for (int i = 1; i < n; i++) {
        const char *other = value_of(&v[i], key);
        if ((first == NULL) != (other == NULL) || (first && strcmp(first, other) != 0))
            return 1;
    }
    return 0;
}

static void setting_row(FILE *f, const run_view *v, int n, const char *key, int differ)
{
    fprintf(f, "<tr%s><td><code>", differ ? " class=\"differs\"" : "");
    nnrt_markup_text(f, key);
    fputs("</code></td>", f);
    int hash = strcmp(key, "model_hash") == 0;   /* 64 digits: the first 12 tell */
    for (int i = 0; i < n; i++) {
        const char *value = value_of(&v[i], key);
        if (hash && value && strlen(value) > 12) {
            fputs("<td title=\"", f);
            nnrt_markup_text(f, value);
            char *start = strndup(value, 12);
            fputs("\"><code>", f);
            nnrt_markup_text(f, start ? start : "");
            fputs("...</code></td>", f);
            free(start);
            continue;
        }
        fputs("<td>", f);
        nnrt_markup_text(f, value ? value : "-");
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

static void settings_head(FILE *f, const run_view *v, int n)
{
    fputs("<div class=\"scroll\"><table class=\"settings\">\n<tr><th>setting</th>", f);
    for (int i = 0; i < n; i++) {
        fputs("<th>", f);
        swatch(f, i);
        nnrt_markup_text(f, v[i].arg->name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

static void settings_tables(FILE *f, const run_view *v, int n)
{
    int count, n_differ = 0;
    const char **keys = all_keys(v, n, &count);
    if (!keys)
        return;
    for (int k = 0; k < count; k++)
        n_differ += differs(v, n, keys[k]);
    if (count == 0) {
        fputs("<p>No run here has a <code>settings.txt</code> (train writes one).</p>\n", f);
    } else if (n_differ == 0) {
        fputs("<p>Every setting is the same in every run.</p>\n", f);
    } else {
        fprintf(f, "<p class=\"note\">%d setting%s differ%s between the runs (marked); "
                   "\"-\" is a setting a run does not have.</p>\n", n_differ,
                n_differ == 1 ? "" : "s", n_differ == 1 ? "s" : "");
        settings_head(f, v, n);
        for (int k = 0; k < count; k++)
            if (differs(v, n, keys[k]))
                setting_row(f, v, n, keys[k], 1);
        fputs("</table></div>\n", f);
    }
    if (count > n_differ) {
        fprintf(f, "<details><summary>%d setting%s the same in every run</summary>\n",
                count - n_differ, count - n_differ == 1 ? "" : "s");
        settings_head(f, v, n);
        for (int k = 0; k < count; k++)
            if (!differs(v, n, keys[k]))
                setting_row(f, v, n, keys[k], 0);
        fputs("</table></div>\n</details>\n", f);
    }
    free(keys);
}

/* ---- the page ---------------------------------------------------------------- */

static int page(FILE *f, const char *title, run_view *v, int n, nnrt_error *err)
{
    nnrt_curve *curves = malloc((size_t)n * sizeof *curves);
    if (!curves)
        return nnrt_fail(err, "out of memory");
    for (int i = 0; i < n; i++) {
        curves[i] = v[i].files.curve;
        curves[i].name = v[i].arg->name;
    }
    nnrt_html_begin(f, title);
    fputs("<header>\n<h1>", f);
    nnrt_markup_text(f, title);
    fprintf(f, "</h1>\n<p class=\"sub\">%d run%s side by side</p>\n<nav><a href=\"#curves\">"
               "curves</a><a href=\"#results\">results</a><a href=\"#settings\">settings</a>"
               "</nav>\n</header>\n<section id=\"runs\">\n<h2>Runs</h2>\n", n,
            n == 1 ? "" : "s");
    runs_table(f, v, n);
    fputs("</section>\n<section id=\"curves\">\n<h2>Learning curves</h2>\n<p class=\"note\">"
          "A colour a run: training solid, validation dashed, each run's best epoch "
          "ringed.</p>\n", f);
    int rc = nnrt_plot_svg(f, title, curves, n, err);
    fputs("</section>\n<section id=\"results\">\n<h2>Results</h2>\n<p class=\"note\">The best "
          "epoch is the one with the lowest val_loss (the lowest loss without validation); the "
          "best value of a column is in bold.</p>\n", f);
    results_table(f, v, n);
    fputs("</section>\n<section id=\"settings\">\n<h2>Settings</h2>\n", f);
    settings_tables(f, v, n);
    fputs("</section>\n", f);
    nnrt_html_end(f, "written by nnc report (libnnrt " NNRT_VERSION
                     "); a file of its own: it fetches nothing and runs no script");
    free(curves);
    return rc;
}

static int read_runs(const nnrt_compare_run *runs, int n, run_view *v, int *n_read,
                     nnrt_error *err)
{
    for (*n_read = 0; *n_read < n; ++*n_read) {
        run_view *r = &v[*n_read];
        r->arg = &runs[*n_read];
        if (nnrt_run_read(r->arg->dir, &r->files, err) != 0)
            return -1;
        if (!r->files.has_curve) {
            nnrt_run_free(&r->files);
            return nnrt_fail(err, "%s: no curve.csv: not a run folder (train writes one)",
                             r->arg->dir);
        }
    }
    return 0;
}

int nnrt_compare_write(const char *path, const char *title, const nnrt_compare_run *runs,
                       int n, nnrt_error *err)
{
    if (n < 1)
        return nnrt_fail(err, "no runs to compare");
    run_view *v = calloc((size_t)n, sizeof *v);
    if (!v)
        return nnrt_fail(err, "out of memory");
    int n_read, rc = read_runs(runs, n, v, &n_read, err);
    if (rc == 0) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        rc = mem ? page(mem, title, v, n, err) : nnrt_fail(err, "out of memory");
        if (mem && path) {
            rc = nnrt_html_save(path, mem, &text, &len, rc, err);
        } else if (mem) {
            fclose(mem);
            if (rc == 0 && fwrite(text, 1, len, stdout) != len)
                rc = nnrt_fail(err, "cannot write the page to stdout");
            free(text);
        }
    }
    for (int i = 0; i < n_read; i++)
        nnrt_run_free(&v[i].files);
    free(v);
    return rc;
}
