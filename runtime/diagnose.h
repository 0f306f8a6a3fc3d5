/* diagnose.h: what a learning curve says about a model, in words
 * (diagnose.c), and what `train` leaves behind when it ends: curve.svg and
 * report.txt (report.c).  Internal; not installed.
 *
 * The rules, their thresholds and the reasons for them are documented in
 * docs/trainer.md ("Diagnosis"); the constants below are those thresholds. */
#ifndef NNRT_DIAGNOSE_H
#define NNRT_DIAGNOSE_H

#include <stddef.h>

#include "nnrt_internal.h"
#include "plot.h"

/* Epochs averaged for where a curve ends, after its best epoch: one
 * epoch's validation loss is too noisy to judge by. */
#define NNRT_DIAG_TAIL 3
/* Overfitting: the validation loss ends at least this fraction above its
 * best... */
#define NNRT_DIAG_OVERFIT_RISE 0.05
/* ...and at least this many times its epoch-to-epoch jitter above it (a
 * rise within the noise of a small validation set is no evidence). */
#define NNRT_DIAG_NOISE_FACTOR 2.0
/* Underfitting: a classifier whose final accuracy (training, or validation
 * if higher) is below this fits even its training data badly. */
#define NNRT_DIAG_UNDERFIT_ACCURACY 0.85
/* Still improving: over the last this many epochs... */
#define NNRT_DIAG_TREND_EPOCHS 4
/* ...the loss that picks the best epoch falls at least this fraction of
 * its level per epoch (least-squares slope). */
#define NNRT_DIAG_IMPROVING 0.01

typedef enum nnrt_fit {
    NNRT_FIT_NONE,              /* no epochs */
    NNRT_FIT_DIVERGED,          /* a loss became NaN or infinite */
    NNRT_FIT_TOO_SHORT,         /* one epoch: no trend to judge */
    NNRT_FIT_OVERFIT,           /* val_loss rose from its best while loss fell */
    NNRT_FIT_UNSTABLE,          /* val_loss rose from its best, and loss did not fall */
    NNRT_FIT_UNDERFIT,          /* accuracy below NNRT_DIAG_UNDERFIT_ACCURACY */
    NNRT_FIT_IMPROVING,         /* still improving: stopped too soon */
    NNRT_FIT_GOOD,              /* val_loss levelled off near its best */
    NNRT_FIT_LEVELLED           /* no validation; the training loss levelled off */
} nnrt_fit;

/* The verdict, and every number it rests on.  Epochs are numbered as in
 * the curve (from 1); a number that does not apply is 0. */
typedef struct nnrt_diagnosis {
    nnrt_fit fit;
    int n_epochs;               /* the curve's last epoch number */
    int regress;                /* the metric is MAE, not accuracy */
    int has_val;                /* the best epoch is by val_loss, not loss */
    int best_epoch;             /* lowest val_loss (or loss); 0 when there is none */
    double best_loss;           /* that val_loss (or loss) */
    double best_metric;         /* the validation (or training) metric at best_epoch;
                                   NAN if absent */
    int bad_epoch;              /* DIVERGED: the first epoch whose loss or val_loss is not finite */
    /* overfitting: the val_loss and loss over the epochs after the best
     * (the last NNRT_DIAG_TAIL of them, averaged) */
    int tail_epochs;            /* how many were averaged */
    double end_val_loss;        /* their mean val_loss */
    double rise;                /* end_val_loss - best_loss */
    double rise_fraction;       /* rise / best_loss */
    double jitter;              /* val_loss's epoch-to-epoch noise, see diagnose.c */
    double loss_at_best;        /* training loss at best_epoch */
    double end_loss;            /* mean training loss over the same tail epochs */
    /* underfitting */
    double final_metric, final_val_metric;   /* the last epoch's; val NAN without validation */
    /* still improving: the fall per epoch, as a fraction of the level,
     * over the last trend_epochs epochs (negative: rising) */
    int trend_epochs;
    double loss_fall, val_fall;
    int improving;              /* the monitored loss is still falling (any verdict) */
} nnrt_diagnosis;

/* The best epoch of c, as an index from 0: the lowest val_loss, or the
 * lowest loss without validation (the first such; NaN and infinities never
 * count); -1 if there is none.  The plot circles the same epoch. */
int nnrt_curve_best(const nnrt_curve *c);

/* The verdict on c, by the rules in diagnose.c.  Pure: reads c, writes d. */
void nnrt_diagnose(const nnrt_curve *c, nnrt_diagnosis *d);

/* The verdict in three lines a person reads, each ending in '\n':
 *   best epoch: 10 of 20 by val_loss (0.4200, val_accuracy 0.8690)
 *   verdict: overfitting from epoch 11: ...
 *   try: ...
 * into buf (truncated to len, always NUL-terminated); the length it needed,
 * as snprintf returns it. */
int nnrt_diagnosis_text(const nnrt_diagnosis *d, char *buf, size_t len);

/* When `train` has run its epochs: DIR/curve.svg (titled with m's name)
 * and the verdict, printed on stdout and written to DIR/report.txt, from
 * the rows of the curve (rows past the last one trained, epoch 0, are
 * ignored).  Both files are written atomically. */
int nnrt_train_report(const nnrt_model *m, const char *dir, const nnrt_epoch_stats *rows, int n,
                      nnrt_error *err);

#endif
