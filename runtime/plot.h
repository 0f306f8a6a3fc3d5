/* plot.h: learning curves as data (curve_read.c) and as pictures
 * (plot_svg.c), and the scatter of points by class that the trainer's
 * `encode` draws.  Shared by the trainer, which draws DIR/curve.svg when
 * training ends, and by `nnc plot`, which overlays several runs' curve.csv
 * files; neither part calls anything that needs OpenBLAS, so nnc links them
 * from libnnrt.a as they are.  Internal; not installed.
 *
 * Ownership: an nnrt_curve filled by nnrt_curve_read owns one block, freed
 * by nnrt_curve_free; one the caller fills points at the caller's arrays,
 * which must outlive it.  No function keeps a pointer it was given. */
#ifndef NNRT_PLOT_H
#define NNRT_PLOT_H

#include <stdio.h>

#include "nnrt_error.h"

/* One run's learning curve: per-epoch values, epoch i (from 0) at [i].
 * A value missing from curve.csv (an empty field; every val_ field when
 * there was no validation split) is NAN, and so is a loss that was NaN. */
typedef struct nnrt_curve {
    const char *name;           /* what the legend calls the run; NULL: nothing */
    int n;                      /* epochs */
    int regress;                /* metric is MAE (lower is better), not accuracy */
    int has_val;                /* some val_loss is there */
    const int *epoch;           /* the epochs' numbers, increasing; NULL: 1..n */
    const double *loss, *metric;            /* training: loss, accuracy or MAE */
    const double *val_loss, *val_metric;    /* validation; NULL when has_val is 0 */
    void *block;                /* what nnrt_curve_read allocated; NULL otherwise */
} nnrt_curve;

/* Epoch i's number (i from 0). */
static inline int nnrt_curve_epoch(const nnrt_curve *c, int i)
{
    return c->epoch ? c->epoch[i] : i + 1;
}

/* Read a curve.csv by its header's names: `epoch` and `loss` must be
 * there, and `accuracy` (a classifier) or `mae` (a regression model);
 * `val_loss` and `val_accuracy` (or `val_mae`) are read when present; any
 * other column (`seconds`, `rmse`) is skipped.  Errors name the file and
 * the line:
 *   "runs/a/curve.csv: line 3: column 'loss': expected a number, got 'x'"
 * On success out owns a block: nnrt_curve_free.  out->name is NULL. */
int nnrt_curve_read(const char *path, nnrt_curve *out, nnrt_error *err);
void nnrt_curve_free(nnrt_curve *c);

/* The picture: a title, then two panels side by side, loss and accuracy
 * (MAE when the runs are regression models) against epoch.  Each run has a
 * colour; its training values are a solid line, its validation values a
 * dashed one; its best epoch (nnrt_curve_best in diagnose.h: the lowest
 * val_loss, or loss without validation) is circled in both panels.  A
 * legend below names the runs.  With one run, a vertical line marks the
 * best epoch too.  The layout is in plot_svg.c.  Every run must have
 * n >= 1, and all must be of one task (all accuracy, or all MAE). */
int nnrt_plot_svg(FILE *out, const char *title, const nnrt_curve *runs, int n_runs,
                  nnrt_error *err);

/* The same into path, through path.tmp and a rename, as every file the
 * trainer writes. */
int nnrt_plot_write(const char *path, const char *title, const nnrt_curve *runs, int n_runs,
                    nnrt_error *err);

/* The colour of run (or class) i in every picture, "#1f77b4" and so on,
 * ten in turn: a page names a run in the colour its curves have. */
const char *nnrt_plot_colour(int i);

/* Points in the plane, each of a class: `encode`'s picture of a 2-unit
 * code, a point per test sample coloured by its label. */
typedef struct nnrt_scatter {
    int n;                      /* points */
    const float *xy;            /* (n, 2); a point with a NaN or an infinity is left out */
    const int *cls;             /* (n): each point's class, 0 .. n_classes - 1 */
    int n_classes;              /* >= 1 */
    const char *const *class_names;   /* n_classes names, for the legend */
    const char *x_label, *y_label;    /* what the axes show */
    int identity;               /* both axes over one range, and the line y = x drawn:
                                   predicted (y) against true (x) values */
} nnrt_scatter;

/* The picture: a title, a square plot of the points (each class a colour
 * of the learning curves' palette, in class order) on axes with ticks,
 * and a legend to its right naming the classes (with identity, the line
 * y = x under them).  The layout is in plot_svg.c. */
int nnrt_scatter_svg(FILE *out, const char *title, const nnrt_scatter *s, nnrt_error *err);

/* The same into path, atomically, as nnrt_plot_write. */
int nnrt_scatter_write(const char *path, const char *title, const nnrt_scatter *s,
                       nnrt_error *err);

/* Values to count: a layer's activations over a batch, or a tensor's
 * weights: `inspect`'s picture */
typedef struct nnrt_hist {
    const char *name;           /* the panel's heading: "dense128: activations" */
    const float *v;             /* n values; a NaN or an infinity is left out */
    long n;
    int weights;                /* drawn in the second colour */
} nnrt_hist;

/* The picture: a title, then a panel per histogram, three a row, each its
 * heading, mean, std and share of zeros, and 40 bars over the values'
 * range.  The layout is in plot_svg.c. */
int nnrt_histograms_svg(FILE *out, const char *title, const nnrt_hist *h, int n,
                        nnrt_error *err);
int nnrt_histograms_write(const char *path, const char *title, const nnrt_hist *h, int n,
                          nnrt_error *err);

#endif
