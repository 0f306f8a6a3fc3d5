/* plot_svg.c: learning curves drawn as SVG, written by hand (it is text).
 *
 * Layout, in user units (pixels at 100%), W = 1000 wide:
 *
 *   title                                   centred, baseline y = 32
 *   "Loss"                  "Accuracy"      panel headings, y = 54
 *   +-----------------+     +-----------------+   two panels from y = 64,
 *   | grid, curves,   |     |                 |   PANEL_H high, PANEL_W wide,
 *   | best epoch      |     |                 |   y ticks and label on the left
 *   +-----------------+     +-----------------+
 *   epoch ticks, then "epoch"
 *   legend: rows of LEGEND_ROW
 *
 * Each run has a colour (PALETTE, in order, repeating after ten runs).
 * Training values are a solid line, validation values a dashed one, both
 * with a dot per epoch when there are at most MAX_DOTS (so a one-epoch run
 * still shows); a NaN leaves a gap.  A run's best epoch (nnrt_curve_best)
 * is circled on its validation (or training) line in both panels; with one
 * run a grey vertical line marks it as well.  The axes cover the data,
 * rounded out to ticks at 1, 2 or 5 times a power of ten; accuracy stays
 * within 0..1.
 *
 * Elements carry classes for whoever reads the file back: class="train"
 * and class="val" on the curves' paths (one path per run and panel),
 * "best" on the best-epoch marks, "legend" on the legend.
 *
 * The scatter (nnrt_scatter_svg, `encode`'s picture) shares the palette,
 * the axes' rounding and the text escaping:
 *
 *   title                                   centred, baseline y = 32
 *   +-------------------+  o class 0        a square plot SCATTER_SIZE wide
 *   | a dot per point,  |  o class 1        from (MARGIN_LEFT, PANEL_TOP),
 *   | in point order    |  ...              y ticks and label on the left;
 *   +-------------------+                   the legend right of it, a row
 *   x ticks, then the x label               of LEGEND_ROW a class
 *
 * Each class has a colour (PALETTE, in class order); the dots are drawn in
 * point order, half transparent, so no class hides under another.  The
 * groups carry class="axes", "points" and "legend". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "markup.h"
#include "plot.h"

enum {
    WIDTH = 1000,
    MARGIN_LEFT = 75,
    MARGIN_RIGHT = 25,
    PANEL_GAP = 80,
    PANEL_W = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT - PANEL_GAP) / 2,
    PANEL_TOP = 64,
    PANEL_H = 300,
    LEGEND_TOP = PANEL_TOP + PANEL_H + 66,
    LEGEND_ROW = 22,
    MAX_DOTS = 40,
    Y_TICKS = 6,                /* about this many ticks on a y axis */
    X_TICKS = 10
};

static const char *const PALETTE[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
enum { N_COLOURS = sizeof PALETTE / sizeof PALETTE[0] };

static const char DASH[] = "7 4";

/* One axis: the range drawn, ticks at multiples of step. */
typedef struct axis {
    double lo, hi, step;
    int decimals;               /* for tick labels */
} axis;

/* One panel: where it is and what it shows. */
typedef struct panel {
    double left, top;
    axis x, y;
    int metric;                 /* 0: loss, 1: accuracy or MAE */
} panel;

/* Text (a title, a run's name: a folder's name, any bytes), escaped so the
 * picture stays well-formed XML whatever the bytes (markup.c) */
static void xml_text(FILE *f, const char *text)
{
    nnrt_markup_text(f, text);
}

static const char *colour_of(int run)
{
    return PALETTE[run % N_COLOURS];
}

const char *nnrt_plot_colour(int run)
{
    return colour_of(run < 0 ? 0 : run);
}

static const char *run_name(const nnrt_curve *c, int run, char *buf, size_t len)
{
    if (c->name)
        return c->name;
    snprintf(buf, len, "run %d", run + 1);
    return buf;
}

/* ---- axes ---------------------------------------------------------------- */

/* The range lo..hi rounded out to multiples of a step of 1, 2 or 5 times a
 * power of ten, giving about `ticks` ticks.  An empty range is widened. */
static axis nice_axis(double lo, double hi, int ticks)
{
    if (!(lo <= hi) || !isfinite(hi - lo)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo <= 1e-9 * fmax(fabs(lo), fabs(hi))) {
        double pad = fabs(lo) > 1e-9 ? fabs(lo) * 0.1 : 0.5;
        lo -= pad;
        hi += pad;
    }
    double raw = (hi - lo) / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    axis a = { floor(lo / step) * step, ceil(hi / step) * step, step, 0 };
    if (step < 1)
        a.decimals = (int)ceil(-log10(step) - 1e-9);
    if (a.decimals > 9)
        a.decimals = 9;
    return a;
}

static void range_of(const double *v, int n, double *lo, double *hi)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
        }
}

/* The y axis of panel `metric` over every run. */
static axis y_axis(const nnrt_curve *runs, int n_runs, int metric)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < n_runs; r++) {
        const nnrt_curve *c = &runs[r];
        range_of(metric ? c->metric : c->loss, c->n, &lo, &hi);
        if (c->has_val)
            range_of(metric ? c->val_metric : c->val_loss, c->n, &lo, &hi);
    }
    axis a = nice_axis(lo, hi, Y_TICKS);
    if (metric && !runs[0].regress) {
        /* accuracy: nothing outside 0..1 to show */
        a.lo = fmax(a.lo, 0);
        a.hi = fmin(a.hi, 1);
    }
    if (lo >= 0)
        a.lo = fmax(a.lo, 0);   /* values never below 0: neither is the axis */
    return a;
}

/* Epochs: whole-number ticks; the range a little wider than the epochs,
 * so the first and last points stand clear of the frame (a one-epoch range
 * half an epoch each side). */
static axis x_axis(const nnrt_curve *runs, int n_runs)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < n_runs; r++) {
        lo = fmin(lo, nnrt_curve_epoch(&runs[r], 0));
        hi = fmax(hi, nnrt_curve_epoch(&runs[r], runs[r].n - 1));
    }
    double pad = hi - lo < 1 ? 0.5 : (hi - lo) * 0.03;
    axis a = nice_axis(lo, hi, X_TICKS);
    a.step = fmax(1, a.step);
    a.decimals = 0;
    a.lo = lo - pad;
    a.hi = hi + pad;
    return a;
}

static double px_x(const panel *p, double v)
{
    return p->left + (v - p->x.lo) / (p->x.hi - p->x.lo) * PANEL_W;
}

/* Kept within a few pixels of the panel, whatever the value. */
static double px_y(const panel *p, double v)
{
    double y = p->top + PANEL_H - (v - p->y.lo) / (p->y.hi - p->y.lo) * PANEL_H;
    return fmin(fmax(y, p->top - 4), p->top + PANEL_H + 4);
}

/* The tick values of a: multiples of its step within lo..hi. */
static int ticks_of(const axis *a, double *out, int max)
{
    int n = 0;
    for (double k = ceil(a->lo / a->step - 1e-9); n < max; k++) {
        double v = k * a->step;
        if (v > a->hi + a->step * 1e-9)
            break;
        out[n++] = fabs(v) < a->step * 1e-9 ? 0 : v;
    }
    return n;
}

static void draw_axes(FILE *f, const panel *p, const char *heading, const char *y_label)
{
    double right = p->left + PANEL_W, bottom = p->top + PANEL_H, ticks[64];
    fprintf(f, "<g class=\"axes\">\n");
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
            p->left, PANEL_TOP - 10, heading);
    int n = ticks_of(&p->y, ticks, 64);
    for (int i = 0; i < n; i++) {
        double y = px_y(p, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                p->left, y, right, y);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
                p->left - 5, y, p->left, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
                p->left - 8, y + 4, p->y.decimals, ticks[i]);
    }
    n = ticks_of(&p->x, ticks, 64);
    for (int i = 0; i < n; i++) {
        double x = px_x(p, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x,
                bottom, x, bottom + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x,
                bottom + 19, ticks[i]);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#444\"/>\n", p->left, p->top, PANEL_W, PANEL_H);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n",
            p->left + PANEL_W / 2.0, bottom + 40);
    double ly = p->top + PANEL_H / 2.0, lx = p->left - 52;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n", lx, ly, lx, ly, y_label);
    fprintf(f, "</g>\n");
}

/* ---- curves ------------------------------------------------------------- */

/* One run's values v in panel p: a path (class "val" and dashed for
 * validation values, else class "train") and its dots. */
static void draw_series(FILE *f, const panel *p, const nnrt_curve *c, const double *v,
                        const char *colour, int val, const char *name)
{
    int any = 0;
    for (int i = 0; i < c->n; i++)
        any |= isfinite(v[i]) != 0;
    if (!any)
        return;
    fprintf(f, "<path class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
               "stroke-linejoin=\"round\"%s%s%s d=\"",
            val ? "val" : "train", colour, val ? " stroke-dasharray=\"" : "", val ? DASH : "",
            val ? "\"" : "");
    int pen_down = 0;
    for (int i = 0; i < c->n; i++) {
        if (!isfinite(v[i])) {
            pen_down = 0;
            continue;
        }
        fprintf(f, "%s%.1f %.1f", pen_down ? " L" : (i ? " M" : "M"),
                px_x(p, nnrt_curve_epoch(c, i)), px_y(p, v[i]));
        pen_down = 1;
    }
    fprintf(f, "\"><title>");
    xml_text(f, name);
    fprintf(f, ": %s%s</title></path>\n", val ? "val_" : "",
            p->metric ? (c->regress ? "mae" : "accuracy") : "loss");
    if (c->n > MAX_DOTS)
        return;
    for (int i = 0; i < c->n; i++)
        if (isfinite(v[i]))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\" stroke=\"%s\"/>\n",
                    px_x(p, nnrt_curve_epoch(c, i)), px_y(p, v[i]), val ? "#fff" : colour,
                    colour);
}

/* The best epoch b circled on the line that picked it (or its metric). */
static void draw_best(FILE *f, const panel *p, const nnrt_curve *c, int b, const char *colour,
                      int alone)
{
    const double *v = p->metric ? (c->has_val ? c->val_metric : c->metric)
                                : (c->has_val ? c->val_loss : c->loss);
    double x = px_x(p, nnrt_curve_epoch(c, b));
    fprintf(f, "<g class=\"best\">\n");
    if (alone) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                   "stroke-dasharray=\"2 3\"/>\n", x, p->top, x, p->top + PANEL_H);
        int right_half = x > p->left + PANEL_W * 0.7;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\" font-size=\"11\" "
                   "text-anchor=\"%s\">best epoch %d</text>\n",
                x + (right_half ? -4 : 4), p->top + 14, right_half ? "end" : "start",
                nnrt_curve_epoch(c, b));
    }
    if (v && isfinite(v[b]))
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6.5\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"2\"/>\n", x, px_y(p, v[b]), colour);
    fprintf(f, "</g>\n");
}

static void draw_panel(FILE *f, const panel *p, const nnrt_curve *runs, int n_runs)
{
    const char *heading = p->metric ? (runs[0].regress ? "Mean absolute error" : "Accuracy")
                                    : "Loss";
    const char *label = p->metric ? (runs[0].regress ? "mae" : "accuracy") : "loss";
    draw_axes(f, p, heading, label);
    for (int r = 0; r < n_runs; r++) {
        const nnrt_curve *c = &runs[r];
        char buf[32];
        const char *name = run_name(c, r, buf, sizeof buf);
        draw_series(f, p, c, p->metric ? c->metric : c->loss, colour_of(r), 0, name);
        if (c->has_val)
            draw_series(f, p, c, p->metric ? c->val_metric : c->val_loss, colour_of(r), 1, name);
    }
    for (int r = 0; r < n_runs; r++) {
        int b = nnrt_curve_best(&runs[r]);
        if (b >= 0)
            draw_best(f, p, &runs[r], b, colour_of(r), n_runs == 1);
    }
}

/* ---- legend ----------------------------------------------------------------- */

/* A line sample 30 wide at (x, y), solid or dashed. */
static void sample_line(FILE *f, double x, double y, const char *colour, int dashed)
{
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2\"%s%s%s/>\n",
            x, y, x + 30, y, colour, dashed ? " stroke-dasharray=\"" : "", dashed ? DASH : "",
            dashed ? "\"" : "");
}

static void sample_ring(FILE *f, double x, double y, const char *colour)
{
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6.5\" fill=\"none\" stroke=\"%s\" "
               "stroke-width=\"2\"/>\n", x + 15, y, colour);
}

static void legend_text(FILE *f, double x, double y, const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 38, y + 4);
    xml_text(f, s);
    fprintf(f, "</text>\n");
}

/* "best epoch 10 (val_loss 0.4200)" */
static void best_words(const nnrt_curve *c, char *buf, size_t len)
{
    int b = nnrt_curve_best(c);
    if (b < 0)
        snprintf(buf, len, "no best epoch");
    else
        snprintf(buf, len, "best epoch %d (%s %.4f)", nnrt_curve_epoch(c, b),
                 c->has_val ? "val_loss" : "loss", c->has_val ? c->val_loss[b] : c->loss[b]);
}

/* Legend columns: wide enough for the longest entry, at about 7 units a
 * character of 12-unit sans-serif. */
static int legend_columns(const nnrt_curve *runs, int n_runs, int *col_w)
{
    size_t longest = 0;
    for (int r = 0; r < n_runs; r++) {
        char buf[32], best[96];
        best_words(&runs[r], best, sizeof best);
        size_t len = strlen(run_name(&runs[r], r, buf, sizeof buf)) + 3 + strlen(best);
        longest = len > longest ? len : longest;
    }
    *col_w = 50 + 7 * (int)(longest > 120 ? 120 : longest);
    int cols = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / *col_w;
    return cols < 1 ? 1 : cols;
}

/* The legend's rows, for the picture's height. */
static int legend_rows(const nnrt_curve *runs, int n_runs)
{
    if (n_runs == 1)
        return 1;
    int col_w, cols = legend_columns(runs, n_runs, &col_w);
    return 1 + (n_runs + cols - 1) / cols;
}

static void draw_legend(FILE *f, const nnrt_curve *runs, int n_runs)
{
    double x = MARGIN_LEFT, y = LEGEND_TOP;
    int any_val = 0;
    for (int r = 0; r < n_runs; r++)
        any_val |= runs[r].has_val;
    const char *key = n_runs == 1 ? colour_of(0) : "#555";
    char best[96];
    best_words(&runs[0], best, sizeof best);
    fprintf(f, "<g class=\"legend\">\n");
    sample_line(f, x, y, key, 0);
    legend_text(f, x, y, "train");
    x += 110;
    if (any_val) {
        sample_line(f, x, y, key, 1);
        legend_text(f, x, y, "validation");
        x += 140;
    }
    sample_ring(f, x, y, key);
    legend_text(f, x, y, n_runs == 1 ? best : "best epoch");
    if (n_runs > 1) {
        int col_w, cols = legend_columns(runs, n_runs, &col_w);
        for (int r = 0; r < n_runs; r++) {
            char buf[32], entry[600];
            best_words(&runs[r], best, sizeof best);
            snprintf(entry, sizeof entry, "%s: %s", run_name(&runs[r], r, buf, sizeof buf), best);
            double ex = MARGIN_LEFT + (r % cols) * col_w, ey = y + LEGEND_ROW * (1 + r / cols);
            sample_line(f, ex, ey, colour_of(r), 0);
            legend_text(f, ex, ey, entry);
        }
    }
    fprintf(f, "</g>\n");
}

/* ---- the picture ------------------------------------------------------------- */

static int check_runs(const nnrt_curve *runs, int n_runs, nnrt_error *err)
{
    if (n_runs < 1)
        return nnrt_fail(err, "no runs to plot");
    for (int r = 0; r < n_runs; r++) {
        char a[32], b[32];
        if (runs[r].n < 1)
            return nnrt_fail(err, "%s: no epochs to plot", run_name(&runs[r], r, a, sizeof a));
        if (runs[r].regress != runs[0].regress)
            return nnrt_fail(err, "%s has %s but %s has %s: one plot shows one task",
                             run_name(&runs[0], 0, a, sizeof a),
                             runs[0].regress ? "mae" : "accuracy",
                             run_name(&runs[r], r, b, sizeof b),
                             runs[r].regress ? "mae" : "accuracy");
    }
    return 0;
}

int nnrt_plot_svg(FILE *f, const char *title, const nnrt_curve *runs, int n_runs,
                  nnrt_error *err)
{
    if (check_runs(runs, n_runs, err) != 0)
        return -1;
    int height = LEGEND_TOP + LEGEND_ROW * legend_rows(runs, n_runs) + 6;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
               "fill=\"#222\">\n", WIDTH, height, WIDTH, height);
    fprintf(f, "<title>");
    xml_text(f, title);
    fprintf(f, ": learning curves</title>\n");
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"32\" font-size=\"18\" font-weight=\"bold\" "
               "text-anchor=\"middle\">", WIDTH / 2);
    xml_text(f, title);
    fprintf(f, "</text>\n");
    axis x = x_axis(runs, n_runs);
    for (int metric = 0; metric < 2; metric++) {
        panel p = { MARGIN_LEFT + metric * (PANEL_W + PANEL_GAP), PANEL_TOP, x,
                    y_axis(runs, n_runs, metric), metric };
        draw_panel(f, &p, runs, n_runs);
    }
    draw_legend(f, runs, n_runs);
    fprintf(f, "</svg>\n");
    return 0;
}

/* What a memory stream holds once closed (rc: how drawing into it went),
 * saved whole at path, through a temporary and a rename */
static int save_drawn(const char *path, FILE *mem, char *const *text, const size_t *len, int rc,
                      nnrt_error *err)
{
    if (fclose(mem) != 0 && rc == 0)
        rc = nnrt_fail(err, "%s: out of memory", path);
    if (rc == 0)
        rc = nnrt_afile_save(path, *text, *len, err);
    free(*text);
    return rc;
}

int nnrt_plot_write(const char *path, const char *title, const nnrt_curve *runs, int n_runs,
                    nnrt_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return nnrt_fail(err, "%s: out of memory", path);
    return save_drawn(path, mem, &text, &len, nnrt_plot_svg(mem, title, runs, n_runs, err), err);
}

/* ---- the scatter ---------------------------------------------------------- */

enum {
    SCATTER_SIZE = 560,         /* the plot, square */
    SCATTER_TICKS = 8,          /* about this many ticks an axis */
    LEGEND_GAP = 40             /* from the plot to the legend */
};

/* The scatter's frame: where the plot is and what its axes cover. */
typedef struct frame {
    double left, top;
    axis x, y;
} frame;

static double frame_x(const frame *fr, double v)
{
    return fr->left + (v - fr->x.lo) / (fr->x.hi - fr->x.lo) * SCATTER_SIZE;
}

static double frame_y(const frame *fr, double v)
{
    return fr->top + SCATTER_SIZE - (v - fr->y.lo) / (fr->y.hi - fr->y.lo) * SCATTER_SIZE;
}

static int finite_point(const float *p)
{
    return isfinite(p[0]) && isfinite(p[1]);
}

/* Axes over the finite points, rounded out to ticks */
static frame scatter_frame(const nnrt_scatter *s)
{
    double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
    for (int i = 0; i < s->n; i++) {
        const float *p = s->xy + 2 * (size_t)i;
        for (int d = 0; d < 2 && finite_point(p); d++) {
            lo[d] = fmin(lo[d], p[d]);
            hi[d] = fmax(hi[d], p[d]);
        }
    }
    if (s->identity) {   /* one range for both, so y = x is the diagonal */
        lo[0] = lo[1] = fmin(lo[0], lo[1]);
        hi[0] = hi[1] = fmax(hi[0], hi[1]);
    }
    frame fr = { MARGIN_LEFT, PANEL_TOP, nice_axis(lo[0], hi[0], SCATTER_TICKS),
                 nice_axis(lo[1], hi[1], SCATTER_TICKS) };
    return fr;
}

/* y = x across the plot, grey and dashed: where a perfect prediction of
 * the true value (x) would put every point */
static void scatter_identity(FILE *f, const frame *fr)
{
    double lo = fmax(fr->x.lo, fr->y.lo), hi = fmin(fr->x.hi, fr->y.hi);
    fprintf(f, "<line class=\"identity\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#888\" stroke-dasharray=\"4 4\"/>\n", frame_x(fr, lo), frame_y(fr, lo),
            frame_x(fr, hi), frame_y(fr, hi));
}

static void scatter_axes(FILE *f, const frame *fr, const nnrt_scatter *s)
{
    double right = fr->left + SCATTER_SIZE, bottom = fr->top + SCATTER_SIZE, ticks[64];
    fprintf(f, "<g class=\"axes\">\n");
    int n = ticks_of(&fr->y, ticks, 64);
    for (int i = 0; i < n; i++) {
        double y = frame_y(fr, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                fr->left, y, right, y);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
                fr->left - 5, y, fr->left, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
                fr->left - 8, y + 4, fr->y.decimals, ticks[i]);
    }
    n = ticks_of(&fr->x, ticks, 64);
    for (int i = 0; i < n; i++) {
        double x = frame_x(fr, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                x, fr->top, x, bottom);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
                x, bottom, x, bottom + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", x,
                bottom + 19, fr->x.decimals, ticks[i]);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#444\"/>\n", fr->left, fr->top, SCATTER_SIZE, SCATTER_SIZE);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", fr->left + SCATTER_SIZE / 2.0,
            bottom + 40);
    xml_text(f, s->x_label);
    double ly = fr->top + SCATTER_SIZE / 2.0, lx = fr->left - 52;
    fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 %.1f %.1f)\">", lx, ly, lx, ly);
    xml_text(f, s->y_label);
    fprintf(f, "</text>\n</g>\n");
}

static void scatter_points(FILE *f, const frame *fr, const nnrt_scatter *s)
{
    fprintf(f, "<g class=\"points\" fill-opacity=\"0.6\">\n");
    for (int i = 0; i < s->n; i++) {
        const float *p = s->xy + 2 * (size_t)i;
        if (finite_point(p))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>\n",
                    frame_x(fr, p[0]), frame_y(fr, p[1]), colour_of(s->cls[i]));
    }
    fprintf(f, "</g>\n");
}

static void scatter_legend(FILE *f, double x, const nnrt_scatter *s)
{
    fprintf(f, "<g class=\"legend\">\n");
    for (int c = 0; c < s->n_classes; c++) {
        double y = PANEL_TOP + 10 + LEGEND_ROW * c;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", x + 5, y,
                colour_of(c));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 16, y + 4);
        xml_text(f, s->class_names[c]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n");
}

/* The picture's start: the svg element, its title, a white ground and
 * the title again as a heading (the scatter's and the histograms') */
static void svg_open(FILE *f, int width, int height, const char *title)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
               "fill=\"#222\">\n", width, height, width, height);
    fprintf(f, "<title>");
    xml_text(f, title);
    fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"32\" font-size=\"18\" font-weight=\"bold\" "
               "text-anchor=\"middle\">", width / 2);
    xml_text(f, title);
    fprintf(f, "</text>\n");
}

int nnrt_scatter_svg(FILE *f, const char *title, const nnrt_scatter *s, nnrt_error *err)
{
    if (s->n_classes < 1)
        return nnrt_fail(err, "a scatter needs a class");
    for (int i = 0; i < s->n; i++)
        if (s->cls[i] < 0 || s->cls[i] >= s->n_classes)
            return nnrt_fail(err, "point %d: class %d of %d", i, s->cls[i], s->n_classes);
    size_t longest = 0;
    for (int c = 0; c < s->n_classes; c++)
        longest = strlen(s->class_names[c]) > longest ? strlen(s->class_names[c]) : longest;
    /* the legend's text at about 7 units a character of 12-unit sans-serif */
    int legend_x = MARGIN_LEFT + SCATTER_SIZE + LEGEND_GAP;
    int width = legend_x + 16 + 7 * (int)(longest > 120 ? 120 : longest) + MARGIN_RIGHT;
    int plot_bottom = PANEL_TOP + SCATTER_SIZE + 56;
    int legend_bottom = PANEL_TOP + 10 + LEGEND_ROW * s->n_classes;
    int height = plot_bottom > legend_bottom ? plot_bottom : legend_bottom;
    svg_open(f, width, height, title);
    frame fr = scatter_frame(s);
    scatter_axes(f, &fr, s);
    if (s->identity)
        scatter_identity(f, &fr);
    scatter_points(f, &fr, s);
    scatter_legend(f, legend_x, s);
    fprintf(f, "</svg>\n");
    return 0;
}

int nnrt_scatter_write(const char *path, const char *title, const nnrt_scatter *s,
                       nnrt_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return nnrt_fail(err, "%s: out of memory", path);
    return save_drawn(path, mem, &text, &len, nnrt_scatter_svg(mem, title, s, err), err);
}

/* ---- histograms (inspect) ------------------------------------------------- */

enum {
    HIST_W = 260, HIST_H = 120,   /* a panel's plot */
    HIST_COLS = 3,
    HIST_CELL_W = HIST_W + 50, HIST_CELL_H = HIST_H + 86,
    HIST_BINS = 40,
};

/* One panel: its heading and statistics, then HIST_BINS bars over the
 * values' range with a tick at each end and at 0 when it is inside */
static void histogram_panel(FILE *f, double left, double top, const nnrt_hist *h, int colour)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
    long finite = 0, zeros = 0;
    for (long i = 0; i < h->n; i++) {
        double v = h->v[i];
        if (!isfinite(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
        sq += v * v;
        zeros += v == 0;
        finite++;
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">", left, top - 30);
    xml_text(f, h->name);
    fprintf(f, "</text>\n");
    if (finite == 0) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">no finite values</text>\n", left, top + 20);
        return;
    }
    double mean = sum / finite, sd = sqrt(fmax(sq / finite - mean * mean, 0));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">mean %.3g, std %.3g, "
               "%.0f%% zero, %ld values</text>\n", left, top - 14, mean, sd,
            100.0 * zeros / finite, finite);
    if (hi - lo < 1e-12) {   /* one value: one bar in the middle */
        lo -= 0.5;
        hi += 0.5;
    }
    long count[HIST_BINS] = { 0 }, most = 1;
    for (long i = 0; i < h->n; i++) {
        double v = h->v[i];
        if (!isfinite(v))
            continue;
        int b = (int)((v - lo) / (hi - lo) * HIST_BINS);
        b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
        count[b]++;
    }
    for (int b = 0; b < HIST_BINS; b++)
        most = count[b] > most ? count[b] : most;
    double bw = (double)HIST_W / HIST_BINS;
    for (int b = 0; b < HIST_BINS; b++) {
        double bh = (double)HIST_H * count[b] / most;
        if (count[b] > 0)
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"%s\"/>\n", left + b * bw, top + HIST_H - bh, bw * 0.9,
                    bh, colour_of(colour));
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
            left, top + HIST_H, left + HIST_W, top + HIST_H);
    double ticks[3] = { lo, hi, 0 };
    for (int t = 0; t < (lo < 0 && hi > 0 ? 3 : 2); t++) {
        double x = left + (ticks[t] - lo) / (hi - lo) * HIST_W;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.3g"
                   "</text>\n", x, top + HIST_H, x, top + HIST_H + 4, x, top + HIST_H + 17,
                ticks[t]);
    }
}

int nnrt_histograms_svg(FILE *f, const char *title, const nnrt_hist *h, int n, nnrt_error *err)
{
    if (n < 1)
        return nnrt_fail(err, "no histograms to draw");
    int rows = (n + HIST_COLS - 1) / HIST_COLS;
    int cols = n < HIST_COLS ? n : HIST_COLS;
    int width = 40 + cols * HIST_CELL_W, height = 70 + rows * HIST_CELL_H;
    svg_open(f, width, height, title);
    for (int i = 0; i < n; i++)
        histogram_panel(f, 40 + (i % HIST_COLS) * HIST_CELL_W,
                        70 + 40 + (i / HIST_COLS) * HIST_CELL_H, &h[i], h[i].weights ? 1 : 0);
    fprintf(f, "</svg>\n");
    return 0;
}

int nnrt_histograms_write(const char *path, const char *title, const nnrt_hist *h, int n,
                          nnrt_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return nnrt_fail(err, "%s: out of memory", path);
    return save_drawn(path, mem, &text, &len, nnrt_histograms_svg(mem, title, h, n, err), err);
}
