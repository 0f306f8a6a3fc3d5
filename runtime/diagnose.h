/* diagnose.h: what a learning curve and the facts of its run say about a
 * model, in words (diagnose.c); those facts, gathered when training ends
 * (diag_facts.c); and what `train` leaves behind then: curve.svg and
 * report.txt (report.c).  Internal; not installed.
 *
 * The rules, their thresholds and the reasons for them are documented in
 * docs/trainer.md ("Diagnosis"); the constants below are those thresholds. */
#ifndef NNRT_DIAGNOSE_H
#define NNRT_DIAGNOSE_H

#include <stddef.h>

#include "nnrt_internal.h"
#include "plot.h"

/* ---- divergence: judged first ---- */
/* A loss counts as above a level (where it started, a classifier's chance
 * level) when it exceeds it by more than this fraction: the starting loss
 * is measured on a sample of the training set, and a model that learned
 * nothing ends within a few per cent of it either way. */
#define NNRT_DIAG_ABOVE 0.10
/* A jump: the training loss rose to at least this many times its value at
 * the epoch before (or where it started)... */
#define NNRT_DIAG_JUMP 10.0
/* ...and to at least this fraction of where it started (a loss near 0
 * that wobbles by a factor of ten is no jump). */
#define NNRT_DIAG_JUMP_FLOOR 0.1
/* Accuracy at chance: no more than this above the share of the commonest
 * class in the training set (what always answering that class scores). */
#define NNRT_DIAG_AT_CHANCE 0.02
/* The suggested rate is the run's cut by one order of magnitude per order
 * the loss grew by (from where it started to its highest), at least one
 * and at most this many: more at once overshoots into a rate too low to
 * learn. */
#define NNRT_DIAG_MAX_CUT_ORDERS 3
/* The starting loss: the initial weights' mean loss on the first this many
 * training samples (diag_facts.c says in which mode). */
#define NNRT_DIAG_START_SAMPLES 1000

/* ---- batchnorm ---- */
/* The moving statistics lag while momentum^updates, the share of their
 * initial values (mean 0, variance 1) they still hold, is at least this. */
#define NNRT_DIAG_BN_LAG 0.1

/* ---- the curve ---- */
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

/* What the trainer knows about a run besides its curve (gathered by
 * nnrt_diag_facts_gather, in diag_facts.c).  A zeroed struct knows
 * nothing, and the rules that need a fact skip it. */
typedef struct nnrt_diag_facts {
    double lr;                  /* the run's learning rate; 0: unknown */
    double start_loss;          /* the initial weights' mean loss on the first
                                   NNRT_DIAG_START_SAMPLES samples; 0: unknown */
    nnrt_loss_kind loss;
    int classes;                /* the classes the model tells apart (2 for one sigmoid
                                   output); 0: a regression model */
    double chance_loss;         /* a classifier's loss for the same probability on every
                                   class: ln K for cross_entropy and kl_divergence, ln 2 for
                                   binary_cross_entropy; 0: no such level */
    long n_samples;             /* training samples */
    int classes_present;        /* distinct labels among them; 0: not counted */
    int top_label;              /* the commonest label (its name: top_name, or NULL)... */
    const char *top_name;
    long top_count;             /* ...and its samples */
    int constant_inputs;        /* every training sample has the same inputs */
    double bn_momentum;         /* nnrt_model's; 0: no batchnorm to judge */
    long steps;                 /* optimizer updates made */
} nnrt_diag_facts;

typedef enum nnrt_fit {
    NNRT_FIT_NONE,              /* no epochs */
    NNRT_FIT_DIVERGED,          /* see nnrt_divergence */
    NNRT_FIT_CONSTANT_INPUTS,   /* nothing to learn: the inputs do not vary */
    NNRT_FIT_ONE_CLASS,         /* nothing to learn: one class in the training set */
    NNRT_FIT_BN_LAG,            /* not judged: batchnorm's moving statistics lag */
    NNRT_FIT_TOO_SHORT,         /* one epoch: no trend to judge */
    NNRT_FIT_OVERFIT,           /* val_loss rose from its best while loss fell */
    NNRT_FIT_UNSTABLE,          /* val_loss rose from its best, and loss did not fall */
    NNRT_FIT_UNDERFIT,          /* accuracy below NNRT_DIAG_UNDERFIT_ACCURACY */
    NNRT_FIT_IMPROVING,         /* still improving: stopped too soon */
    NNRT_FIT_GOOD,              /* val_loss levelled off near its best */
    NNRT_FIT_LEVELLED           /* no validation; the training loss levelled off */
} nnrt_fit;

/* Why a run diverged: the first sign of these that shows. */
typedef enum nnrt_divergence {
    NNRT_DIVERGE_NONE,
    NNRT_DIVERGE_NONFINITE,     /* a loss or val_loss is NaN or infinite */
    NNRT_DIVERGE_JUMP,          /* the loss jumped NNRT_DIAG_JUMP-fold from one epoch to
                                   the next, or from where it started */
    NNRT_DIVERGE_ABOVE_CHANCE,  /* the last loss is above a classifier's chance level */
    NNRT_DIVERGE_ABOVE_START,   /* the last loss is above where it started */
    NNRT_DIVERGE_AT_CHANCE      /* accuracy at chance, after the loss rose above where it
                                   started */
} nnrt_divergence;

/* Warnings, printed whatever the verdict (bits of nnrt_diagnosis.warnings). */
enum {
    NNRT_WARN_CONSTANT_INPUTS = 1,  /* the training inputs do not vary */
    NNRT_WARN_FEW_CLASSES = 2,      /* fewer classes in the training set than outputs */
    NNRT_WARN_MAE_CLASSIFIER = 4,   /* a classifier trained with mae */
    NNRT_WARN_BN_LAG = 8            /* batchnorm's moving statistics lag */
};

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
    /* divergence */
    nnrt_divergence divergence;
    int jump_epoch;             /* JUMP: the epoch the loss jumped in... */
    int jump_from_epoch;        /* ...from this one's; 0: from where it started */
    double jump_from, jump_to;  /* JUMP: the loss before and after */
    double last_loss;           /* the last epoch's training loss (0 if not finite) */
    double peak_loss;           /* the highest finite training loss */
    double final_accuracy;      /* AT_CHANCE: the higher of the last training and
                                   validation accuracy */
    double suggested_lr;        /* DIVERGED and UNSTABLE: the rate to try; 0: none known */
    /* warnings */
    unsigned warnings;          /* NNRT_WARN_* bits */
    double bn_share;            /* momentum^steps: the initial values' share in the
                                   moving statistics */
    long bn_steps_needed;       /* updates after which that share is below NNRT_DIAG_BN_LAG */
    nnrt_diag_facts facts;      /* what the rules were given (zeroed when nothing) */
} nnrt_diagnosis;

/* The best epoch of c, as an index from 0: the lowest val_loss, or the
 * lowest loss without validation (the first such; NaN and infinities never
 * count); -1 if there is none.  The plot circles the same epoch. */
int nnrt_curve_best(const nnrt_curve *c);

/* The verdict on c and what else is known of its run, f (NULL: nothing),
 * by the rules in diagnose.c.  Pure: reads c and f, writes d. */
void nnrt_diagnose_run(const nnrt_curve *c, const nnrt_diag_facts *f, nnrt_diagnosis *d);
/* The verdict on the curve alone: nnrt_diagnose_run(c, NULL, d). */
void nnrt_diagnose(const nnrt_curve *c, nnrt_diagnosis *d);

/* The verdict in three lines a person reads, then a line per warning,
 * each ending in '\n':
 *   best epoch: 10 of 20 by val_loss (0.4200, val_accuracy 0.8690)
 *   verdict: overfitting from epoch 11: ...
 *   try: ...
 *   warning: ...
 * into buf (truncated to len, always NUL-terminated); the length it needed,
 * as snprintf returns it. */
int nnrt_diagnosis_text(const nnrt_diagnosis *d, char *buf, size_t len);

/* The facts of a run of m with settings o (rate, seed, batch) on its
 * training split train, after `steps` updates: the labels and inputs
 * counted and compared, and the starting loss measured on the initial
 * weights, drawn again from the seed (m's tensors are put back as they
 * were; m->input and m->target are overwritten).  A starting loss that
 * cannot be measured (a transfer file gone since) is left 0.  -1 only when
 * out of memory. */
int nnrt_diag_facts_gather(const nnrt_model *m, const nnrt_train_opts *o,
                           const nnrt_dataset *train, long steps, nnrt_diag_facts *f,
                           nnrt_error *err);

/* When `train` has run its epochs: DIR/curve.svg (titled with m's name)
 * and the verdict on the curve and f, printed on stdout and written to
 * DIR/report.txt, from the rows of the curve (rows past the last one
 * trained, epoch 0, are ignored).  Both files are written atomically.
 * The verdict into *d. */
int nnrt_train_report(const nnrt_model *m, const char *dir, const nnrt_epoch_stats *rows, int n,
                      const nnrt_diag_facts *f, nnrt_diagnosis *d, nnrt_error *err);

/* The error a diverged run (d's verdict) ends with, after its report:
 *   training diverged (the verdict is in DIR/report.txt): try --lr 0.0001
 * always -1, as nnrt_fail. */
int nnrt_diverged_fail(const nnrt_diagnosis *d, const char *dir, nnrt_error *err);

#endif
