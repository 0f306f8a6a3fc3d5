/* nnrt_internal.h: what the runtime's own files share with each other (and
 * with the tests).  Generated code sees only nnrt.h, the contract; nothing
 * here is installed.  The data files' part is data.h, included here.
 *
 * Ownership: every struct below is owned by its caller, and no function
 * keeps a pointer it was given once it returns (nnrt_progress keeps its
 * FILE, which the caller keeps open).
 */
#ifndef NNRT_INTERNAL_H
#define NNRT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data.h"
#include "nnrt.h"
#include "nnrt_error.h"
#include "vocab.h"

/* ---- large buffers (big_alloc.c) -------------------------------------- */

/* n bytes (uninitialized; zeroed by the calloc twin) from a cache line, in
 * huge pages where they are large enough; freed with free() */
void *nnrt_big_alloc(size_t n);
void *nnrt_big_calloc(size_t count, size_t size);
/* size zeroed bytes from a cache line (a replica), freed by
 * nnrt_free_lines alone; NULL if out of memory */
void *nnrt_calloc_lines(size_t size);
void nnrt_free_lines(void *p);
/* The first size bytes of file fd read into such memory; NULL on failure */
uint8_t *nnrt_big_read(int fd, size_t size);

/* ---- random numbers beyond dropout's nnrt_rng_uniform (rng.c) -------- */

void nnrt_rng_seed(nnrt_rng *rng, uint64_t seed);
uint32_t nnrt_rng_u32(nnrt_rng *rng);
/* standard normal (Box-Muller) */
float nnrt_rng_normal(nnrt_rng *rng);
/* uniform integer in [0, n) without modulo bias */
uint32_t nnrt_rng_below(nnrt_rng *rng, uint32_t n);

/* ---- parameters and optimizers (init.c, optim.c) ---------------------- */

void nnrt_params_init(const nnrt_model *m, nnrt_rng *rng);
/* Overwrite the tensors m->transfers names with their values in the files
 * they name, each file read and checked whole first (magic, version,
 * structure; the tensor there with the model's shape).  Call after
 * nnrt_params_init.  Errors name the file, the tensor and the byte offset. */
int nnrt_params_transfer(const nnrt_model *m, nnrt_error *err);
/* Both: the weights training starts from. */
int nnrt_params_start(const nnrt_model *m, nnrt_rng *init, nnrt_error *err);

/* Optimizer state for every param of m: allocated once at start-up. */
typedef struct nnrt_optim_state {
    nnrt_optimizer opt;
    long step;           /* updates done so far */
    float **m1, **m2;    /* per-param state buffers, NULL where the kind needs none
                            (which holds what: optim.c) */
    int n_params;
} nnrt_optim_state;

int nnrt_optim_init(nnrt_optim_state *st, const nnrt_model *m, nnrt_optimizer opt);
/* One update of every param from its grad: nnrt_optim_begin, then
 * nnrt_optim_update of each trained tensor whole. */
void nnrt_optim_step(nnrt_optim_state *st, const nnrt_model *m);
/* A step's start: st->step counts it (Adam's bias corrections use it) */
void nnrt_optim_begin(nnrt_optim_state *st);
/* Values [lo, hi) of parameter p updated from g, g[0] being value lo's
 * gradient; lo a multiple of NNRT_OPT_BLOCK (optim.h), so a tensor updated
 * in such pieces, in any order, gets the same bits as in one piece.  Pieces
 * of one step may run at once on different threads. */
void nnrt_optim_update(const nnrt_optim_state *st, const nnrt_model *m, int p, long lo, long hi,
                       const float *g);
void nnrt_optim_free(nnrt_optim_state *st);

/* ---- weight files (weights_file.c; format in docs/weights.md) --------- */

/* Written to PATH.tmp, flushed, fsync'ed and renamed, so a crash never
 * leaves a half-written file under the real name. */
int nnrt_weights_save(const nnrt_model *m, const char *path, nnrt_error *err);
/* Checks magic, version, and that every tensor's name and shape match m. */
int nnrt_weights_load(const nnrt_model *m, const char *path, nnrt_error *err);

/* ---- metrics (metrics.c) ---------------------------------------------- */

/* Sums over the n * k values of out (n, k) against targets t (n, k):
 * |out - t| into *abs_sum and (out - t)^2 into *sq_sum (both added to).
 * MAE = abs_sum / (N k), RMSE = sqrt(sq_sum / (N k)) over a whole set. */
void nnrt_regress_errors(const float *out, const float *t, int n, int k, double *abs_sum,
                         double *sq_sum);

/* Number of rows r in [0, n) whose argmax of out[r*k .. r*k+k) equals y[r]. */
int nnrt_count_correct(const float *out, const int *y, int n, int k);

/* What labels the data may hold: the output's classes, or for a binary
 * model any class its positive set can name (0 to 31). */
int nnrt_label_bound(const nnrt_model *m);
/* For a binary model, each label becomes 1 if its class is positive, else 0. */
void nnrt_labels_map(const nnrt_model *m, int *y, int n);
/* Correct predictions among the last forward's n rows: the argmax, or for a
 * binary model whether p > 0.5 agrees with the 0/1 label. */
int nnrt_model_correct(const nnrt_model *m, const int *y, int n);

/* ---- gradient check (gradcheck.c) ------------------------------------ */

/* Compare backward()'s gradients at m's current parameter values with
 * central differences of the mean loss over the first `samples` samples of
 * ds (at most m->max_batch), in training mode with the dropout masks of
 * seed; on m->twin, in double, after copying m's values and batch into it,
 * or on m itself in float when it has none.  Up to 30 entries per tensor,
 * picked with a generator seeded from seed; the error measure and
 * threshold are documented in gradcheck.c.  One line per tensor and a
 * verdict on report.  Returns 0 if every entry agrees, 1 if one does not,
 * -1 if the check could not run (no samples, out of memory, a twin whose
 * tensors are not m's; said on report).  m's parameter values and state
 * are left as they were; gradients and activations are not. */
int nnrt_gradcheck(const nnrt_model *m, const nnrt_dataset *ds, int samples, uint64_t seed,
                   FILE *report);

/* ---- augmentation (augment.c) ----------------------------------------- */

/* m's input as an image, rows x columns x channels: in_h, in_w, in_c, or
 * 1 x in_size x 1 when in_h is 0 (or disagrees with in_size). */
void nnrt_image_shape(const nnrt_model *m, int *h, int *w, int *c);

/* One geometric change of an image, about its centre ((w-1)/2, (h-1)/2):
 * mirrored (flip_x left-right, flip_y top-bottom), then scaled (scale_x,
 * scale_y; above 1 enlarges), then turned by `degrees` (positive turns the
 * picture counter-clockwise as seen on screen), then moved shift_x pixels
 * right and shift_y down.  {0, 0, 1, 1, 0, 0, 0} is the identity. */
typedef struct nnrt_warp {
    int flip_x, flip_y;
    float scale_x, scale_y;
    float degrees;
    float shift_x, shift_y;
} nnrt_warp;

/* dst = src under warp, both (h, w, c) floats, channels last, not
 * overlapping.  Each dst pixel samples src bilinearly at the point the
 * inverse map gives, pixels outside src counting as 0.  Exact where it can
 * be: a source coordinate within 1e-4 of a whole number is taken as that
 * number, and multiples of 90 degrees use exact sines, so flips, whole-pixel
 * shifts and quarter turns of a square image copy values bit for bit. */
void nnrt_warp_image(const nnrt_warp *warp, const float *src, float *dst, int h, int w, int c);

/* Whether a has anything to do (some p > 0). */
int nnrt_augment_active(const nnrt_augment *a);

/* Apply m->augment to rows [0, n) of x, (n, in_size), in place: each row
 * its own draws, in row order, from rng (the order of the draws is fixed
 * and documented in augment.c, so a seed repeats a run).  scratch holds
 * in_size floats, owned by the caller (allocated once, before training).
 * Draws nothing and returns at once when m->augment is not active. */
void nnrt_augment_batch(const nnrt_model *m, float *x, int n, float *scratch, nnrt_rng *rng);


/* ---- files written safely (fileio.c; declared in fileio.h, which nnc
 * includes too) ---------------------------------------------------------- */

#include "fileio.h"

/* the binary files' reader and writer (bin_read.c, bin_write.c) */
#include "binio.h"

/* ---- a run folder, one command's at a time (rundir.c) ------------------ */

/* What a command does with the run folder it writes in. */
typedef enum nnrt_run_use {
    NNRT_RUN_NEW,               /* train: refuses a folder that holds a run */
    NNRT_RUN_OVERWRITE,         /* train --overwrite: the run found there is removed */
    NNRT_RUN_RESUME,            /* train --resume: goes on with the run there */
    NNRT_RUN_REPORT             /* eval: adds its reports to whatever is there */
} nnrt_run_use;

/* Initialize as { -1 }. */
typedef struct nnrt_rundir {
    int fd;                     /* the folder, open and flock'ed; -1 while not held */
} nnrt_rundir;

/* Locks dir for this process (made first, with its parents, if create is
 * set), and for NNRT_RUN_NEW refuses it if it holds a run.  Refused too
 * when another process holds it.  With create 0 a missing dir is not an
 * error: nothing is held yet, and a later call with create 1 takes it.
 * Does nothing if l is held already. */
int nnrt_rundir_lock(nnrt_rundir *l, const char *dir, nnrt_run_use use, int create,
                     nnrt_error *err);
/* Under the lock: removes the temporaries a killed run left in dir and,
 * for NNRT_RUN_OVERWRITE, the old run's files. */
int nnrt_rundir_clear(const nnrt_rundir *l, const char *dir, nnrt_run_use use, nnrt_error *err);
void nnrt_rundir_release(nnrt_rundir *l);

/* ---- weight files, tensor by tensor (weights_file.c) ------------------ */

/* A weights file read whole, its magic, version, checksum (from version
 * 2) and tensor count checked by nnrt_weights_open; the weights loader
 * and transfers (transfer.c) then walk its tensors with the same calls:
 * nnrt_weights_header, the caller's checks, nnrt_weights_values, and
 * nnrt_weights_end after the last.  Errors go to r (binio.h), the first
 * kept; a call after one does nothing.  A version 1 file gets a note on
 * stderr: it has no checksum. */
typedef struct nnrt_weights_file {
    unsigned char *bytes;       /* the file; owned, freed by nnrt_weights_close */
    nnrt_bin_reader r;          /* at the next tensor; its len stops before the checksum */
    uint32_t version, count;
    int legacy;                 /* before version 3: layers named by kind and position */
    size_t first;               /* the first tensor's offset */
} nnrt_weights_file;

/* One tensor of a weights file; the pointers are into its bytes. */
typedef struct nnrt_weights_tensor {
    const char *name;           /* name_len bytes, not terminated */
    uint32_t name_len;
    uint32_t ndims, dims[4];    /* dims read only when ndims <= 4 */
    size_t at, dims_at;         /* offsets of its name length and its ndims */
    const unsigned char *values; /* size little-endian f32, all finite */
    size_t size, values_at;
} nnrt_weights_tensor;

/* missing, if given, follows "PATH: " when there is no such file. */
int nnrt_weights_open(nnrt_weights_file *w, const char *path, const char *missing,
                      nnrt_error *err);
/* The next tensor's name and shape. */
void nnrt_weights_header(nnrt_weights_file *w, nnrt_weights_tensor *t);
/* Its values (1 to 4 dimensions, every value finite). */
void nnrt_weights_values(nnrt_weights_file *w, nnrt_weights_tensor *t);
/* Nothing after the last tensor; 0, or -1 if any call failed. */
int nnrt_weights_end(nnrt_weights_file *w);
/* Back to the first tensor, for a second walk. */
void nnrt_weights_rewind(nnrt_weights_file *w);
void nnrt_weights_close(nnrt_weights_file *w);

/* legacy_names.c: the name tensor p of m has in a file: its own, or, in a
 * file from before layers had stable names (legacy_file: weights and
 * checkpoints before version 3), its name by kind and position. */
const char *nnrt_param_file_name(const nnrt_model *m, int p, int legacy_file);

/* ---- seeds (seed.c) --------------------------------------------------- */

/* Independent generators drawn from one user seed, one per use, so that
 * e.g. adding dropout to a model does not change its initial weights. */
enum nnrt_stream {
    NNRT_STREAM_INIT = 1,
    NNRT_STREAM_SHUFFLE = 2,
    NNRT_STREAM_DROPOUT = 3,
    NNRT_STREAM_GRADCHECK = 4,
    NNRT_STREAM_AUGMENT = 5,        /* training images' random changes (augment.c) */
    NNRT_STREAM_SAMPLE = 6          /* the characters `sample` draws (sample.c) */
};

void nnrt_rng_stream(nnrt_rng *rng, uint64_t seed, enum nnrt_stream stream);

/* ---- one epoch's numbers, for progress.c and curve.c ------------------ */

typedef struct nnrt_epoch_stats {
    int epoch;                  /* 1-based */
    double loss, accuracy;      /* training, in training mode, means over the epoch */
    int has_val;
    double val_loss, val_accuracy;
    double seconds;             /* wall time of the epoch, validation included
                                   (times.csv; never in curve.csv, which a rerun
                                   repeats byte for byte) */
    int regress;                /* a REGRESS model: mae and rmse instead of accuracy */
    double mae, rmse, val_mae, val_rmse;
} nnrt_epoch_stats;

/* ---- the model's data (model_data.c) ---------------------------------- */

/* The model's training set (test = 0) or test set (test = 1): its CSV file
 * when m->train_csv is set, else its IDX pair, checked against the model. */
int nnrt_model_data_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err);
/* The file to name in messages about that set. */
const char *nnrt_model_data_name(const nnrt_model *m, int test);
/* The files the sets were read from, on stdout (unless quiet):
 *   training data: PATH, PATH       (images and labels, or one CSV file)
 *   test data: PATH, PATH
 * and on stderr a warning if the training set (train may be NULL) and the
 * test set were found in different places ($NNC_DATA, /usr/share/datasets,
 * the current directory).  A set's images and labels found apart are
 * warned about as nnrt_model_data_load loads them. */
void nnrt_model_data_print(const nnrt_model *m, const nnrt_dataset *train,
                           const nnrt_dataset *test, int quiet);

/* Samples order[first .. first+n) of ds into m->input and y (labels mapped
 * for a binary model), and for a REGRESS model their targets into
 * m->target. */
void nnrt_model_batch(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                      int n, int *y);
/* A REGRESS model's targets of those samples into m->target: the input
 * already in m->input (target_input), or the data's target columns */
void nnrt_model_targets(const nnrt_model *m, const nnrt_dataset *ds, const int *order, int first,
                        int n);

/* What a pass over some samples adds up: right answers (CLASSIFY) and
 * absolute and squared errors over every output value (REGRESS). */
typedef struct nnrt_tally {
    long correct;
    double abs_err, sq_err;
} nnrt_tally;

/* The last forward's n rows into t. */
void nnrt_tally_add(const nnrt_model *m, const int *y, int n, nnrt_tally *t);
/* Means over n_samples samples: accuracy, or MAE and RMSE. */
void nnrt_tally_means(const nnrt_model *m, const nnrt_tally *t, int n_samples, double *accuracy,
                      double *mae, double *rmse);

/* ---- progress display (progress.c) ------------------------------------ */

/* On a terminal: a bar redrawn in place at most ~10 times a second, then
 * the epoch's line.  Otherwise only the epoch's line:
 *   epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  val_accuracy 0.8560  3.2s */
typedef struct nnrt_progress {
    FILE *out;
    int tty;
    int regress;                /* set after init for a REGRESS model: the bar shows mae */
    int epoch, epochs, steps;
    int batch;                  /* samples a step, for samples/s (0: not shown) */
    int width;                  /* columns; 0: the terminal's, asked at every redraw */
    double (*clock)(void);      /* monotonic seconds: nnrt_now, or a test's */
    double epoch_start;         /* when this epoch (or its resumed part) began */
    int start_step;             /* the steps it had done then */
    double last_draw;           /* monotonic seconds of the last redraw */
    int bar_shown;              /* a bar is on the terminal's last line, unended */
} nnrt_progress;

void nnrt_progress_init(nnrt_progress *p, FILE *out, int tty, int epochs, int steps);
void nnrt_progress_begin(nnrt_progress *p, int epoch);
/* The same for an epoch resumed after `step` steps, their means so far. */
void nnrt_progress_begin_at(nnrt_progress *p, int epoch, int step, double loss, double accuracy);
/* After step `step` (1-based) of the epoch, with the running means so far. */
void nnrt_progress_update(nnrt_progress *p, int step, double loss, double accuracy);
void nnrt_progress_end(nnrt_progress *p, const nnrt_epoch_stats *s);
/* The epoch stops before its line: on a terminal, a newline after the bar
 * (if one is drawn), so that what is printed next starts a line. */
void nnrt_progress_break(nnrt_progress *p);

/* Seconds on the monotonic clock. */
double nnrt_now(void);

/* ---- learning curve (curve.c) ----------------------------------------- */

/* Rewrite DIR/curve.csv whole from rows[0..n), atomically:
 *   epoch,loss,accuracy,val_loss,val_accuracy
 *   1,0.498712,0.825093,0.401234,0.856000
 * or, when rows[0].regress is set,
 *   epoch,loss,mae,rmse,val_loss,val_mae,val_rmse
 * val_ fields are empty when there is no validation split. */
int nnrt_curve_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err);
/* The same for DIR/times.csv, the wall time of each epoch:
 *   epoch,seconds
 *   1,3.214 */
int nnrt_times_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err);

/* ---- evaluation (eval.c) ---------------------------------------------- */

/* What an evaluation reports: accuracy for CLASSIFY, mae and rmse for
 * REGRESS (the other fields 0). */
typedef struct nnrt_scores {
    double loss, accuracy, mae, rmse;
} nnrt_scores;

/* Mean loss and the task's metrics of m over ds, in inference mode, in
 * chunks of m->max_batch rows.  order must hold ds->n_samples ints and y
 * m->max_batch ints (scratch, allocated by the caller). */
void nnrt_evaluate(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                   nnrt_scores *out);

/* The `test:` line: `test: loss L accuracy A`, or for REGRESS
 * `test: loss L mae M rmse R` (all %.4f). */
void nnrt_print_test(const nnrt_model *m, const nnrt_scores *s);

/* series.c: a series model's training (test 0) or test part as samples of
 * window values and the one value to forecast */
int nnrt_series_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err);
/* The naive forecast's errors over ds: each window's last value, as if
 * nothing changed for horizon steps; what a forecast has to beat */
void nnrt_series_naive(const nnrt_dataset *ds, double *mae, double *rmse);

/* text.c: a text model's training (test 0) or test part as samples of
 * window ids and the id after them, a label (docs/trainer.md).  Sets
 * m->vocabulary from the text when it holds none, else refuses a text
 * whose ids differ from it (nnrt.h: nnrt_model.vocabulary). */
int nnrt_text_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err);
/* That vocabulary step alone (the text read again): for train, once the
 * tensors are initialized or come from a checkpoint. */
int nnrt_text_vocabulary(const nnrt_model *m, nnrt_error *err);
/* A byte as messages show it, quoted: 'a', '\n', '\x80'; "unused" for -1.
 * buf holds 8 characters at least. */
const char *nnrt_text_char(int byte, char *buf, size_t len);

/* One pass over ds in inference mode (order and y as for nnrt_evaluate):
 * the `test:` line, then for a classifier (nothing more for REGRESS) its
 * accuracy, confusion matrix and per-class scores, printed on stdout
 * (nnrt_confusion_print) and, when dir is not NULL, saved as
 * DIR/confusion.csv and DIR/metrics.csv (DIR made if missing), then
 * DIR/test.csv and, when page is not NULL, the run's page DIR/report.html
 * (page.h).  What `train` reports after its last epoch and `eval` from a
 * weights file. */
struct nnrt_page_source;
int nnrt_test_report(const nnrt_model *m, const nnrt_dataset *ds, int *order, int *y,
                     const char *dir, const struct nnrt_page_source *page, nnrt_error *err);

/* The `eval` command: load weights_path into m, evaluate the test set
 * (its first `limit` samples if limit > 0), print the `test:` line, then
 * what nnrt_test_report prints and saves. */
int nnrt_eval_run_dir(const nnrt_model *m, const char *weights_path, int limit, const char *dir,
                      nnrt_error *err);
/* The same, saving nothing: nnrt_eval_run_dir with dir NULL. */
int nnrt_eval_run(const nnrt_model *m, const char *weights_path, int limit, nnrt_error *err);

/* ---- what a classifier confuses (confusion.c) -------------------------- */

/* A confusion matrix of k classes is k x k counts, row-major:
 * matrix[t * k + p] samples of true class t were predicted as class p. */

#define NNRT_CONFUSION_MAX_CLASSES 1000    /* more get no metrics: k * k counts */
#define NNRT_CONFUSION_PRINT_CLASSES 30    /* a wider matrix is saved, not printed */

/* One class's scores, or their macro average.  A division by zero gives 0
 * (scikit-learn's zero_division=0): the precision of a class never
 * predicted, the recall of a class that never occurs, the F1 of a class
 * that does neither.  The formulas are in confusion.c. */
typedef struct nnrt_class_scores {
    double precision, recall, f1;
    long support;               /* samples of this class; for the macro row, all */
} nnrt_class_scores;

/* The classes m's metrics count: n_classes, 2 for a binary model (label
 * 0's class, then 1's), 0 for a REGRESS model. */
int nnrt_class_count(const nnrt_model *m);
/* The class m predicts for row `row` of its last forward: the first
 * maximum, or for a binary model whether p > 0.5 (as accuracy counts). */
int nnrt_predicted_class(const nnrt_model *m, int row);

/* Counts n samples into matrix: true class truth[i], predicted pred[i],
 * each in [0, k). */
void nnrt_confusion_add(long *matrix, int k, const int *truth, const int *pred, int n);
long nnrt_confusion_total(const long *matrix, int k);
/* The diagonal's sum: samples predicted right. */
long nnrt_confusion_right(const long *matrix, int k);
/* per_class (k of them) and macro from matrix.  The macro averages are the
 * means over the classes that occur or are predicted; macro->support is
 * every sample. */
void nnrt_class_scores_of(const long *matrix, int k, nnrt_class_scores *per_class,
                          nnrt_class_scores *macro);

/* Columns text takes on a terminal (a UTF-8 character takes one), and
 * text printed padded with spaces to width columns. */
int nnrt_text_width(const char *text);
void nnrt_print_padded(FILE *out, const char *text, int width);

/* For a person, aligned: `accuracy A: R of N right`, the matrix (rows and
 * columns numbered, rows named by names: k names, or NULL for numbers
 * only), then each class's precision, recall, F1 and support and the macro
 * averages (4 decimals).  scratch holds k scores. */
void nnrt_confusion_print(FILE *out, const long *matrix, int k, const char *const *names,
                          nnrt_class_scores *scratch);

/* Written atomically (fileio.c); a class is its name when names is not
 * NULL (quoted as RFC 4180 says when it holds a comma or a quote), else
 * its number.  confusion.csv: the header `class,C0,...,Ck-1`, then a row
 * per true class: `Ct,count predicted as C0,...`.  metrics.csv: the header
 * `class,precision,recall,f1,support`, a row per class, a last row
 * `macro,...`; scores %.6f.  scratch holds k scores. */
int nnrt_confusion_save(const char *path, const long *matrix, int k, const char *const *names,
                        nnrt_error *err);
/* Class c's name (its number without names) as a CSV field, quoted when
 * it holds a comma, a quote or a line break (RFC 4180) */
struct nnrt_afile;
void nnrt_csv_class(struct nnrt_afile *f, int c, const char *const *names);

/* ---- a multi-label model's metrics (multilabel.c) ------------------------ */

/* Counts per label j: [4 j] true negatives, [4 j + 1] false positives,
 * [4 j + 2] false negatives, [4 j + 3] true positives; then, at [4 k],
 * the samples with every label right and at [4 k + 1] all samples. */
#define NNRT_MULTILABEL_COUNTS(k) (4 * (size_t)(k) + 2)
/* The last forward's n rows (outputs against targets, > 0.5 yes) into counts */
void nnrt_multilabel_add(const nnrt_model *m, int n, long *counts);
/* Print each label's precision, recall and F1 with their macro average,
 * and (dir not NULL) save DIR/metrics.csv (as a classifier's) and
 * DIR/confusion.csv (`label,tn,fp,fn,tp`). */
int nnrt_multilabel_report(const nnrt_model *m, const long *counts, const char *dir,
                           nnrt_error *err);
/* Each label's scores (k of them) and their macro average, from counts */
void nnrt_multilabel_scores(const long *counts, int k, nnrt_class_scores *per_label,
                            nnrt_class_scores *macro);
int nnrt_metrics_save(const char *path, const long *matrix, int k, const char *const *names,
                      nnrt_class_scores *scratch, nnrt_error *err);

/* ---- learning-rate schedules (schedule.c) ----------------------------- */

/* One run's schedule and where it stands (the formulas are in schedule.c). */
typedef struct nnrt_lr_schedule {
    nnrt_schedule s;
    float base_lr;              /* --lr, or the optimizer's lr */
    long total_steps;           /* updates in the whole run: cosine's T */
    float plateau_lr;           /* plateau: the rate now */
    double best;                /* plateau: lowest monitored loss so far (INFINITY at first) */
    int wait;                   /* plateau: epochs since best last improved */
} nnrt_lr_schedule;

void nnrt_schedule_start(nnrt_lr_schedule *ls, const nnrt_schedule *s, float base_lr,
                         long total_steps);
/* The rate for update `step` (0 for the run's first) in epoch `epoch` (0
 * for the first). */
float nnrt_schedule_lr(const nnrt_lr_schedule *ls, long step, int epoch);
/* After each epoch, with the loss plateau watches (val_loss, or the
 * training loss without a validation split).  Returns 1 when the rate was
 * just reduced, with the old and new rates in *from and *to; else 0. */
int nnrt_schedule_epoch_end(nnrt_lr_schedule *ls, double loss, float *from, float *to);

/* ---- early stopping (early_stop.c) ----------------------------------- */

/* One run's early stopping and where it stands (the rule is in
 * early_stop.c).  Nothing is used when s.patience is 0. */
typedef struct nnrt_early_stopping {
    nnrt_early_stop s;
    double best;                /* best monitored value so far: +-INFINITY at first */
    int best_epoch;             /* 1-based epoch of best; 0 before the first */
    int wait;                   /* epochs since best last improved */
    float *best_values;         /* (n_values): every tensor's values at best_epoch, in
                                   the model's order; owned, NULL without early stopping */
    size_t n_values;
} nnrt_early_stopping;

/* Allocates best_values (the one allocation): -1 when out of memory. */
int nnrt_early_start(nnrt_early_stopping *es, const nnrt_model *m);
void nnrt_early_free(nnrt_early_stopping *es);
/* "val_loss", "accuracy", ...: the curve.csv column it watches */
const char *nnrt_monitor_name(nnrt_monitor monitor);
/* Whether the monitor's values need a validation split (the val_ ones). */
int nnrt_monitor_needs_val(nnrt_monitor monitor);
/* After each epoch, with its row: keeps the weights aside when the value
 * improved.  Returns 1 when training should stop now. */
int nnrt_early_epoch_end(nnrt_early_stopping *es, const nnrt_model *m, const nnrt_epoch_stats *s);
/* Whether the patience has run out (a run resumed after it stops at once). */
int nnrt_early_stopped(const nnrt_early_stopping *es);
/* Put the best epoch's values back into m's tensors. */
void nnrt_early_restore(const nnrt_early_stopping *es, const nnrt_model *m);

/* ---- stopping on a signal (signals.c) ---------------------------------- */

/* From nnrt_stop_watch until nnrt_stop_unwatch, the first SIGINT or
 * SIGTERM is only noted (the loop asks nnrt_stop_signal between batches)
 * and puts both back as they were (the default action), so that a second
 * one ends the process at once.  One ignored at the start stays ignored.
 * Unwatch restores what was there before. */
void nnrt_stop_watch(void);
void nnrt_stop_unwatch(void);
/* SIGINT or SIGTERM, the first that came while watching; 0 if none. */
int nnrt_stop_signal(void);
/* nnrt_stop_signal of every rank of an MPI job, the largest (with one
 * rank: nnrt_stop_signal).  Collective: every rank asks at the same
 * points, so all stop at the same batch. */
int nnrt_stop_agreed(void);
/* On stderr, after flushing stdout:
 *   NAME: stopped WHERE; go on with: PROG train --resume DIR
 * (PROG and DIR quoted for a shell where they need it).  Returns the exit
 * status for the signal that came: 130 for SIGINT, 143 for SIGTERM. */
int nnrt_stop_report(const char *name, const char *where, const char *prog, const char *dir);

/* ---- training (train.c) ----------------------------------------------- */

/* Which of nnrt_train_opts' settings the command line gave (a resumed run
 * refuses one that disagrees with the run it resumes). */
enum {
    NNRT_GIVEN_EPOCHS = 1,
    NNRT_GIVEN_BATCH = 2,
    NNRT_GIVEN_LR = 4,
    NNRT_GIVEN_SEED = 8,
    NNRT_GIVEN_LIMIT = 16
};

typedef struct nnrt_train_opts {
    int epochs;
    int batch;                  /* 1 .. m->max_batch */
    float lr;
    uint64_t seed;
    int limit;                  /* training samples kept before the split; 0 = all */
    const char *out_dir;        /* made, with its parents, if missing; locked (rundir.c) */
    const char *resume;         /* NULL, or the folder of the run to go on with
                                   (then out_dir too) */
    unsigned given;             /* NNRT_GIVEN_* bits */
    int overwrite;              /* a run already in out_dir is replaced, not refused */
    const char *prog;           /* argv[0], for the command a stopped run prints;
                                   NULL: the model's name */
} nnrt_train_opts;

/* The `train` command; progress and the final `test:` line on stdout.
 * Returns 0, -1 on an error (err filled), or after a SIGINT or SIGTERM,
 * once the run is saved and nnrt_stop_report has said how to go on, the
 * exit status it gives (130 or 143). */
int nnrt_train_run(const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err);

/* ---- run checkpoints (checkpoint_file.c, the format docs/checkpoint.md;
 * the settings a resumed run keeps: resume.c) ------------------------- */

/* Where the epoch in progress stands: what its curve row is computed from
 * at its end.  All 0 between epochs. */
typedef struct nnrt_epoch_sums {
    int batches;                /* batches done (each of the run's batch size) */
    double loss_sum;            /* the batches' summed losses (nnrt_train_batch) */
    nnrt_tally tally;           /* their right answers or errors */
    double seconds;             /* wall time spent in the epoch so far */
} nnrt_epoch_sums;

/* What the epoch loop carries from one epoch (or batch) to the next, as
 * pointers into the loop's own state: DIR/checkpoint holds all of it, so
 * that a run resumed from it goes on exactly as it would have. */
typedef struct nnrt_checkpoint {
    int epochs, batch;          /* the run's settings */
    float lr;
    uint64_t seed;
    int limit;
    int epochs_done;            /* rows[0 .. epochs_done) are the curve so far */
    nnrt_rng *shuffle, *dropout, *augment;
    nnrt_optim_state *optim;
    nnrt_lr_schedule *schedule;
    nnrt_early_stopping *early;
    int *order;                 /* (n_order): the shuffle of the epoch in progress,
                                   or as the last epoch left it */
    int n_order;
    nnrt_epoch_stats *rows;     /* room for `epochs` rows */
    nnrt_epoch_sums *partial;   /* epoch epochs_done + 1 so far (batches 0: not begun) */
} nnrt_checkpoint;

/* c and m's tensors to path, through PATH.tmp, fsync and rename, with a
 * CRC-32 of the contents at the end.  No malloc: runs inside the loop. */
int nnrt_checkpoint_save(const nnrt_model *m, const char *path, const nnrt_checkpoint *c,
                         nnrt_error *err);

/* A checkpoint read whole and found undamaged (magic, version, length,
 * checksum) and of m's model; its settings and progress, not yet loaded. */
typedef struct nnrt_checkpoint_file {
    char path[NNRT_PATH_MAX];
    unsigned char *bytes;       /* the file; owned, freed by nnrt_checkpoint_close */
    size_t len;
    char sha256[65];            /* of the .nn file its trainer was built from */
    int epochs, batch;
    float lr;
    uint64_t seed;
    int limit;
    int epochs_done;
    nnrt_epoch_sums partial;    /* epoch epochs_done + 1 so far; batches 0 between epochs */
    size_t partial_at;          /* its byte offset in the file, for messages */
} nnrt_checkpoint_file;

int nnrt_checkpoint_open(const nnrt_model *m, const char *path, nnrt_checkpoint_file *f,
                         nnrt_error *err);
/* o's settings become f's; one the command line gave (o->given) must be
 * the same, but --epochs, which may lengthen the run (not below the
 * epochs done, nor to end before an epoch begun). */
int nnrt_checkpoint_settings(const nnrt_checkpoint_file *f, nnrt_train_opts *o, nnrt_error *err);
/* Checks all the rest of f against m and c (tensors, optimizer, sizes),
 * and only then copies it into m's tensors and what c points to.  A
 * refused file leaves both as they were. */
int nnrt_checkpoint_load(const nnrt_model *m, const nnrt_checkpoint_file *f, nnrt_checkpoint *c,
                         nnrt_error *err);
void nnrt_checkpoint_close(nnrt_checkpoint_file *f);

/* One update from the n samples in m->input and y (and m->target): forward
 * in training mode (dropout drawing from rng), loss, backward, an
 * optimizer step at st->opt.lr.  Returns the batch's summed loss plus n
 * times the penalty, at the weights before the update; adds the batch's
 * right answers or errors to *tally. */
double nnrt_train_batch(const nnrt_model *m, nnrt_optim_state *st, int n, const int *y,
                        nnrt_rng *dropout, nnrt_tally *tally);

/* m's regularization term at its current weights; 0 without one.  Keras
 * reports loss = mean data loss + this, for training batches and
 * evaluations alike. */
/* ---- shards, replicas and threads (parallel.c; docs/parallel.md) ------ */

/* The batch the runtime fills and reads, max_batch rows: its input, its
 * output after nnrt_run_batch, a REGRESS model's targets (NULL otherwise).
 * Made, with the replicas and the threads, at m's first use; they live
 * until exit (or until another model is run, in a test). */
float *nnrt_input(const nnrt_model *m);
const float *nnrt_output(const nnrt_model *m);
float *nnrt_target(const nnrt_model *m);
/* Shard 0's replica, which holds the batch's gradient after a training
 * nnrt_run_batch; and a tensor's gradient there (NULL for state) */
nnrt_replica *nnrt_replica0(const nnrt_model *m);
float *nnrt_grad(const nnrt_model *m, const nnrt_param *p);
/* Rows [0, n) of the batch through forward (training: dropout drawing
 * from rng, a stream per shard), then, if y is not NULL, loss against y,
 * and if backward, backward and the sum of the shards' gradients.  Returns
 * the sum of the rows' losses (0 without y), added in shard order. */
double nnrt_run_batch(const nnrt_model *m, int n, const int *y, int training, nnrt_rng *rng,
                      int backward);
/* nnrt_run_batch in training mode with backward, then an optimizer step
 * of st, each piece of the parameters updated right after its gradient is
 * summed, on the pool's threads.  On an MPI job, each rank runs its own
 * shards and every rank gets every shard's results (dist.h). */
double nnrt_step_batch(const nnrt_model *m, int n, const int *y, nnrt_rng *rng,
                       nnrt_optim_state *st);
/* Rows [0, n) of the batch through forward in inference mode, every shard
 * in this process (an MPI rank too: no collective), then the rows of the
 * layer output at offset at_offset of each replica (width floats a row;
 * nnrt.h: nnrt_layer_output) into dst, (n, width), in row order.  Also
 * fills nnrt_output's rows. */
void nnrt_run_layer(const nnrt_model *m, int n, size_t at_offset, int width, float *dst);
/* forward on one replica alone, of n rows: `forward`, or, when it is NULL,
 * the n_stages stages in order, each meet over this one shard (nnrt.h:
 * nnrt_stage) */
void nnrt_forward_alone(nnrt_replica *rep, int n, int training, nnrt_rng *rng,
                        void (*forward)(nnrt_replica *, int, int, nnrt_rng *),
                        const nnrt_stage *stages, int n_stages);
/* backward on one replica of n rows (`backward`, or its stages as above),
 * then the gradients it leaves to the runtime (grad_rows), each whole:
 * what backward alone did before.  With twin, the double-precision twin's
 * (whose params are in the order of params, the trainer's). */
void nnrt_backward_whole(nnrt_replica *rep, int n, void (*backward)(nnrt_replica *, int),
                         const nnrt_stage *stages, int n_stages, const nnrt_param *params,
                         const nnrt_twin_param *twin, int n_params);
/* The workers for m's batches: threads (0: nnrt_default_threads()), at
 * most this rank's shards (parallel.c says why); and how many there are */
void nnrt_set_threads(const nnrt_model *m, int threads);
int nnrt_threads(const nnrt_model *m);
/* The cores this process may run on (sched_getaffinity) */
int nnrt_default_threads(void);

static inline double nnrt_penalty(const nnrt_model *m)
{
    return m->penalty ? m->penalty() : 0.0;
}

/* ---- the `steps` command (steps.c) ------------------------------------ */

typedef struct nnrt_steps_opts {
    int steps;
    int batch;                  /* 1 .. m->max_batch */
    float lr;
    uint64_t seed;
    const char *weights_in;     /* start from these weights; NULL: initialize from seed */
    const char *weights_out;    /* save the starting weights here; NULL: don't */
} nnrt_steps_opts;

/* `steps` updates on the first steps * batch training samples (after the
 * validation split) in file order, printing `step K loss L` for each. */
int nnrt_steps_run(const nnrt_model *m, const nnrt_steps_opts *o, nnrt_error *err);

/* ---- the `predict` command (predict.c) --------------------------------- */

typedef struct nnrt_predict_opts {
    const char *weights;        /* weights file; NULL: fresh weights from seed */
    int weights_default;        /* weights is DIR/weights, not a file the user named */
    int first;                  /* first test sample shown, from 0 */
    int count;                  /* samples shown (fewer if the test set ends first) */
    int csv;                    /* machine-readable lines instead of bar charts */
    uint64_t seed;              /* used only when weights is NULL */
    /* --input: a person's own files in place of the test set */
    char *const *inputs;
    int n_inputs;
    int top;                    /* classes shown per input (0: 3) */
    int invert;                 /* pictures: 1 invert, 0 never, -1 when their
                                   background is the training images' reversed */
} nnrt_predict_opts;

/* `predict`: m's outputs in inference mode on test samples first ..
 * first+count-1, on stdout (the formats are in predict.c and
 * docs/trainer.md). */
int nnrt_predict_run(const nnrt_model *m, const nnrt_predict_opts *o, nnrt_error *err);

/* `predict --input`: the outputs for o->inputs, PNG pictures or CSV rows
 * (predict_input.c). */
int nnrt_predict_inputs(const nnrt_model *m, const nnrt_predict_opts *o, nnrt_error *err);

/* predict's pieces, shared by both forms (predict.c): the digits of v; the
 * name of class c of k (NULL without one); a class's line of a chart, its
 * bar round(p * 20) #s; a regression output's name (its target column's) */
int nnrt_digits(int v);
const char *nnrt_class_name(const nnrt_model *m, int c, int k);
void nnrt_class_line(const char *name, int c, int width, int name_width, double p,
                     int predicted);
const char *nnrt_output_name(const nnrt_model *m, int c, char *buf, size_t len);
/* A multi-label model's sample: "labels ...; predicted ... (k of K right)"
 * (without t: "predicted ...") and a bar per label, those above 0.5
 * marked; returns the labels right (0 without t) */
int nnrt_label_chart(const nnrt_model *m, const float *t, const float *out);

/* The mean of the border pixels of ds's first (up to 1000) images, bytes
 * 0..255: the background the model was trained on; -1 if ds has none.
 * And a PNG file made into an input of m at x (in_size floats), as
 * image_input.c says, with what was done to it written into said:
 * invert_mode as nnrt_predict_opts's invert, train_bg as this gives it. */
double nnrt_image_background(const nnrt_model *m, const nnrt_dataset *ds);
int nnrt_image_input(const nnrt_model *m, const char *path, double train_bg, int invert_mode,
                     float *x, char *said, size_t said_len, nnrt_error *err);

/* ---- gradient check command (gradcheck.c) ----------------------------- */

/* The `gradcheck` command: load the training set, initialize m from seed,
 * run nnrt_gradcheck on the first `samples` samples.  Returns 0 if the
 * gradients agree, 1 if they do not, -1 on error (err filled). */
int nnrt_gradcheck_run(const nnrt_model *m, int samples, uint64_t seed, nnrt_error *err);

/* ---- the `augment-preview` command (preview.c) ------------------------ */

/* augment-preview draws every pixel as a square this many pixels wide */
#define NNRT_PREVIEW_ZOOM 4

/* Write a PNG to path (atomically): the first `count` training images (or
 * all, if fewer), each beside a copy augmented as training would, drawing
 * from the augment stream of seed.  The layout is in preview.c. */
int nnrt_preview_run(const nnrt_model *m, const char *path, int count, uint64_t seed,
                     nnrt_error *err);
/* The same grid for an autoencoder (target_input): the first `count` test
 * images, each beside the model's output for it, with the weights of file
 * `weights` */
int nnrt_reconstruct_run(const nnrt_model *m, const char *weights, const char *path, int count,
                         nnrt_error *err);

/* ---- the `encode` command (encode.c) ------------------------------------ */

typedef struct nnrt_encode_opts {
    const char *layer;          /* the layer whose output is the code; NULL: not given */
    const char *weights;        /* the weights file */
    int weights_default;        /* weights is DIR/weights, not a file the user named */
    int csv;                    /* the codes on stdout, one line per sample */
    const char *svg;            /* NULL, or the scatter of a 2-unit code to write */
    int count;                  /* the first count test samples (fewer if the set ends) */
} nnrt_encode_opts;

/* The weights predict and inspect run with: the file weights, or, when it
 * is NULL, the ones a run from seed starts with; a missing default file
 * (weights_default) says to train first (weights_start.c) */
int nnrt_weights_start(const nnrt_model *m, const char *weights, int weights_default,
                       uint64_t seed, nnrt_error *err);

typedef struct nnrt_inspect_opts {
    const char *svg;            /* the picture to write */
    const char *weights;        /* the weights file, unless use_seed */
    int weights_default;        /* weights is DIR/weights, not a file the user named */
    int use_seed;               /* the weights seed gives a run at its start */
    uint64_t seed;
    int count;                  /* test samples (at most a batch's rows) */
} nnrt_inspect_opts;

/* `inspect`: histograms of every layer's outputs over a batch of test
 * samples and of every kernel's weights (inspect.c) */
int nnrt_inspect_run(const nnrt_model *m, const nnrt_inspect_opts *o, nnrt_error *err);

/* `export-weights --npz FILE`: every tensor of the weights file (npz.c) */
int nnrt_export_weights_run(const nnrt_model *m, const char *weights, int weights_default,
                            const char *npz, nnrt_error *err);

/* `encode`: the output of layer o->layer for test samples, in inference
 * mode, as CSV lines and/or a scatter plot (formats: encode.c and
 * docs/trainer.md). */
int nnrt_encode_run(const nnrt_model *m, const nnrt_encode_opts *o, nnrt_error *err);

/* ---- the `sample` command (sample.c) ----------------------------------- */

typedef struct nnrt_sample_opts {
    const char *weights;        /* the weights file */
    int weights_default;        /* weights is DIR/weights, not a file the user named */
    int length;                 /* characters to generate after the prime */
    float temperature;          /* > 0; below 0.01: always the likeliest character */
    const char *prime;          /* NULL: a space if the vocabulary has one, else its
                                   first character */
    uint64_t seed;              /* seeds the draws */
} nnrt_sample_opts;

/* `sample`: the prime, then o->length characters a text model writes
 * after it, on stdout (how: sample.c and docs/trainer.md). */
int nnrt_sample_run(const nnrt_model *m, const nnrt_sample_opts *o, nnrt_error *err);

/* ---- floating point (fpu.c) ------------------------------------------- */

/* Flush denormal floats to zero in the calling thread, as TensorFlow does. */
void nnrt_flush_denormals(void);

/* ---- OpenBLAS core check (blas_core.c) -------------------------------- */

/* The OpenBLAS core name this CPU can run ("SkylakeX", "Haswell"), or NULL
 * when it has neither AVX-512 nor AVX2+FMA (nothing to correct then). */
const char *nnrt_cpu_core(void);
/* The core to force instead of `chosen` on a CPU able to run `cpu_core`,
 * or NULL when chosen is as good (or unknown: never downgrade). */
const char *nnrt_blas_core_fix(const char *chosen, const char *cpu_core);
/* At start-up: if OpenBLAS picked a weaker core than the CPU runs and
 * OPENBLAS_CORETYPE is unset, set it and re-exec argv once.  Returns only
 * when nothing needed doing or the re-exec failed (after a warning). */
void nnrt_blas_core_check(const char *name, char **argv);
/* The same with OpenBLAS's choice and the CPU's given (for tests). */
void nnrt_blas_core_apply(const char *name, char **argv, const char *chosen, const char *cpu_core);

#endif
