/* nnrt.h: the nnc runtime library (libnnrt).
 *
 * Everything a trainer needs that does not depend on the model's shapes:
 * data loading, splitting, shuffling and batching, parameter initialization,
 * optimizers, the training loop, metrics, learning-curve logging, weight
 * files, progress display, the seeded RNG and the trainer's command line.
 *
 * The C file that nnc emits holds only what depends on the model: shape
 * constants, static buffers, and forward/backward functions, over a type
 * `real`.  Compiled as the trainer (real = float) it ends in
 *
 *     int main(int argc, char **argv) { return nnrt_main(&MODEL, argc, argv); }
 *
 * and compiled with -DNNRT_DOUBLE it is the trainer's double-precision
 * twin, for gradcheck (nnrt_twin, below).
 *
 * Errors: functions that can fail on user input return 0 on success and -1
 * on failure, after writing a one-line message into an nnrt_error that names
 * the file and the byte offset (or line) at fault.
 */
#ifndef NNRT_H
#define NNRT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NNRT_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------ */

typedef struct nnrt_error {
    char msg[1024];
} nnrt_error;

/* printf into err->msg; always returns -1 so callers can `return nnrt_fail(...)`. */
int nnrt_fail(nnrt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- random numbers (rng.c) ------------------------------------------- */

/* A small, fast, seedable generator (splitmix64 seeding a xoshiro128+-style
 * state would do; the exact algorithm is documented in rng.c).  Same seed,
 * same sequence, on every machine. */
typedef struct nnrt_rng {
    uint64_t s[2];
} nnrt_rng;

void nnrt_rng_seed(nnrt_rng *rng, uint64_t seed);
uint32_t nnrt_rng_u32(nnrt_rng *rng);
/* uniform in [0, 1) with 24 bits of precision */
float nnrt_rng_uniform(nnrt_rng *rng);
/* standard normal (Box-Muller) */
float nnrt_rng_normal(nnrt_rng *rng);
/* uniform integer in [0, n) without modulo bias */
uint32_t nnrt_rng_below(nnrt_rng *rng, uint32_t n);

/* ---- data (idx.c, dataset.c, batch.c) --------------------------------- */

/* One IDX file (the MNIST format), gzipped or plain, read whole into memory.
 * Only unsigned-byte IDX files (type 0x08) are accepted. */
typedef struct nnrt_idx {
    int ndims;          /* 1 for labels, 3 for images */
    int dims[4];        /* dims[0] is the number of items */
    size_t item_bytes;  /* product of dims[1..] (1 for labels) */
    uint8_t *bytes;     /* dims[0] * item_bytes bytes; owned, free with nnrt_idx_free */
} nnrt_idx;

/* Errors name the file and the byte offset in the *uncompressed* stream:
 *   "train-images-idx3-ubyte.gz: byte 16: expected 47040000 bytes of pixels, found 3120" */
int nnrt_idx_load(const char *path, nnrt_idx *out, nnrt_error *err);
void nnrt_idx_free(nnrt_idx *idx);

/* Find a data file named in a .nn file.  An absolute path is used as is; a
 * relative one is looked up in $NNC_DATA, then in /usr/share/datasets,
 * then relative to the current directory (so an example shipped in the
 * source tree works from its top).  On failure the message lists every
 * place looked in. */
int nnrt_data_path(const char *name, char *out, size_t out_len, nnrt_error *err);

/* Where nnrt_data_path found a file. */
typedef enum nnrt_data_place {
    NNRT_DATA_AS_GIVEN,     /* an absolute path */
    NNRT_DATA_NNC_DATA,     /* under $NNC_DATA */
    NNRT_DATA_SYSTEM,       /* under /usr/share/datasets */
    NNRT_DATA_CURRENT_DIR,  /* relative to the current directory */
} nnrt_data_place;

/* nnrt_data_path, also saying where the file was found (place may be NULL). */
int nnrt_data_find(const char *name, char *out, size_t out_len, nnrt_data_place *place,
                   nnrt_error *err);

#define NNRT_DATA_PATH_MAX 4096

/* A set of samples, from IDX files or from a CSV file.
 *
 * IDX: n_samples items of sample_bytes bytes each (pixels kept as bytes;
 * converted to floats per batch) and one label byte per sample.
 * CSV (features != NULL): n_features floats and n_targets floats per
 * sample; when target_labels is set the one target is a class label,
 * checked at load to be a whole number in range.
 *
 * The views made by nnrt_dataset_split and nnrt_dataset_limit share memory
 * with the dataset they come from and must not be freed. */
typedef struct nnrt_dataset {
    int n_samples;
    size_t sample_bytes;
    int sample_dims[3];
    int sample_ndims;
    const uint8_t *pixels;  /* n_samples * sample_bytes */
    const uint8_t *labels;  /* n_samples */
    nnrt_idx images_idx;    /* owners of the memory (zeroed in views) */
    nnrt_idx labels_idx;

    /* CSV only */
    const float *features;  /* (n_samples, n_features) */
    const float *targets;   /* (n_samples, n_targets) */
    int n_features, n_targets;
    int target_labels;      /* the one target column holds class labels */
    float *csv_owner;       /* the one block features and targets point into
                               (NULL in views); freed by nnrt_dataset_free */

    /* the files read, as nnrt_data_find found them: the images (or the CSV
       file) and the labels ("" for CSV), for messages */
    char path[NNRT_DATA_PATH_MAX], labels_path[NNRT_DATA_PATH_MAX];
    nnrt_data_place place, labels_place;
} nnrt_dataset;

/* Load an images file and a labels file (names resolved with nnrt_data_path)
 * and check that they agree: same count, labels below n_classes, each image
 * of sample_bytes bytes.  n_classes <= 0 skips the label range check. */
int nnrt_dataset_load(const char *images, const char *labels, size_t sample_bytes,
                      int n_classes, nnrt_dataset *out, nnrt_error *err);
void nnrt_dataset_free(nnrt_dataset *ds);

/* Load a CSV file (name resolved with nnrt_data_path): a header row of
 * column names, then one sample per row of numbers.  Columns are chosen by
 * header name, or by 0-based index in decimal.  label_bound > 0 makes the
 * single target column a class label, each a whole number in
 * [0, label_bound).  Errors name the file, the 1-based line and the column:
 *   "houses.csv: line 17: column 'rooms': expected a number, got 'abc'"
 *   "houses.csv: no column 'x' (columns: a, b, c)"
 * On success out owns one block, freed by nnrt_dataset_free. */
int nnrt_csv_load(const char *name, const char *const *inputs, int n_inputs,
                  const char *const *targets, int n_targets, int label_bound,
                  nnrt_dataset *out, nnrt_error *err);

/* Keep only the first `limit` samples (limit <= 0 or >= n keeps all). */
void nnrt_dataset_limit(nnrt_dataset *ds, int limit);

/* Hold out the last `fraction` of `all` (as Keras's validation_split does):
 * train gets the first part, val the rest.  Both are views into `all`. */
void nnrt_dataset_split(const nnrt_dataset *all, double fraction,
                        nnrt_dataset *train, nnrt_dataset *val);

/* Fisher-Yates shuffle of order[0..n) with rng. */
void nnrt_shuffle(int *order, int n, nnrt_rng *rng);

/* Convert samples order[first .. first+n) of ds into x (n rows of
 * sample_bytes floats, each byte times scale; for CSV, n rows of n_features
 * floats as they are) and their labels into y (0 for a CSV set without
 * labels). */
void nnrt_batch_fill(const nnrt_dataset *ds, const int *order, int first, int n,
                     float scale, float *x, int *y);

/* The CSV targets of the same samples into t: n rows of n_targets floats. */
void nnrt_batch_targets(const nnrt_dataset *ds, const int *order, int first, int n, float *t);

/* ---- the model, as the generated code describes it -------------------- */

typedef enum nnrt_init {
    NNRT_INIT_ZEROS,
    NNRT_INIT_HE_NORMAL,      /* N(0, 2/fan_in), truncated at 2 std as Keras does */
    NNRT_INIT_HE_UNIFORM,     /* U(-sqrt(6/fan_in), +sqrt(6/fan_in)) */
    NNRT_INIT_GLOROT_UNIFORM, /* U(-sqrt(6/(fan_in+fan_out)), +...): Keras's default */
    NNRT_INIT_GLOROT_NORMAL,  /* truncated N(0, 2/(fan_in+fan_out)) */
    NNRT_INIT_LECUN_NORMAL,   /* truncated N(0, 1/fan_in) */
    NNRT_INIT_LECUN_UNIFORM,  /* U(-sqrt(3/fan_in), +sqrt(3/fan_in)) */
    NNRT_INIT_NORMAL,         /* N(0, scale^2), not truncated */
    NNRT_INIT_UNIFORM,        /* U(-scale, +scale) */
    NNRT_INIT_ONES            /* batchnorm's gamma and moving variance */
} nnrt_init;

/* One tensor of the model: its value and the gradient that backward() fills.
 * A tensor with grad == NULL is state, not a parameter (batchnorm's moving
 * mean and variance): saved with the weights and loaded, never updated by the
 * optimizer nor checked by gradcheck. */
typedef struct nnrt_param {
    const char *name;   /* stable, e.g. "dense1.w"; used in weight files */
    int ndims;
    int dims[4];
    int size;           /* product of dims */
    float *value;
    float *grad;        /* NULL: state, not trained */
    nnrt_init init;
    int fan_in, fan_out;
    float init_scale;   /* NNRT_INIT_NORMAL: std; NNRT_INIT_UNIFORM: limit */
} nnrt_param;

typedef enum nnrt_optimizer_kind {
    NNRT_OPT_SGD,
    NNRT_OPT_ADAM,
    NNRT_OPT_MOMENTUM,    /* SGD with momentum */
    NNRT_OPT_NESTEROV,    /* SGD with Nesterov momentum */
    NNRT_OPT_ADAGRAD,
    NNRT_OPT_RMSPROP,
    NNRT_OPT_ADAMW,
    NNRT_OPT_ADADELTA
} nnrt_optimizer_kind;

/* Hyper-parameters of every optimizer; each uses the ones it needs.  The
 * generated code fills them with Keras's defaults unless the .nn file says
 * otherwise. */
typedef struct nnrt_optimizer {
    nnrt_optimizer_kind kind;
    float lr;
    float beta1, beta2, epsilon;   /* Adam, AdamW; Keras defaults 0.9, 0.999, 1e-7 */
    float momentum;                /* momentum, Nesterov: 0.9 */
    float rho;                     /* RMSProp 0.9, Adadelta 0.95 */
    float initial_accumulator;     /* AdaGrad: 0.1 */
    float weight_decay;            /* AdamW, decoupled: 0.004 */
} nnrt_optimizer;

typedef enum nnrt_schedule_kind {
    NNRT_SCHEDULE_CONSTANT,
    NNRT_SCHEDULE_STEP,            /* lr * factor^floor(epoch / every): per epoch */
    NNRT_SCHEDULE_EXPONENTIAL,     /* lr * factor^(step / every): per update step */
    NNRT_SCHEDULE_COSINE,          /* lr * (min + (1-min) (1 + cos(pi t/T)) / 2), t = step, T = all steps */
    NNRT_SCHEDULE_PLATEAU          /* lr * factor when val_loss has not improved for `patience` epochs */
} nnrt_schedule_kind;

/* How the learning rate changes during training. */
typedef struct nnrt_schedule {
    nnrt_schedule_kind kind;
    float factor;       /* step, exponential, plateau */
    int every;          /* step: epochs; exponential: update steps */
    int patience;       /* plateau: epochs */
    float min_lr;       /* plateau: floor; cosine: the final fraction of lr (alpha) */
} nnrt_schedule;

/* Random changes to each training image, drawn afresh for every batch
 * (augment.c).  Each kind is applied to an image with its probability p (0:
 * never), with a magnitude drawn uniformly in its range.  The geometric
 * ones (shift, rotation, zoom, aspect, flips) make one affine map, sampled
 * bilinearly once; pixels from outside the image are 0.  Then brightness,
 * contrast, noise and erasing, in that order, on the scaled values,
 * clamped to [0, 255 * scale].  Never applied to validation or test data. */
typedef struct nnrt_augment {
    float shift, shift_p;           /* pixels: each axis moved by U(-shift, shift) */
    float rotate, rotate_p;         /* degrees: U(-rotate, rotate) about the centre */
    float hflip_p, vflip_p;         /* mirror left-right, top-bottom */
    float zoom, zoom_p;             /* both axes scaled by U(1 - zoom, 1 + zoom) */
    float aspect, aspect_p;         /* width * a, height / a, a = 1 + U(-aspect, aspect) */
    float brightness, brightness_p; /* add U(-brightness, brightness) * 255 * scale */
    float contrast, contrast_p;     /* (v - mean) * U(1 - contrast, 1 + contrast) + mean */
    float noise, noise_p;           /* add N(0, noise^2) * 255 * scale per value */
    float erase, erase_p;           /* a rectangle of U(0.02, erase) of the area set to 0 */
} nnrt_augment;

/* Transfer learning: a tensor that starts from the same-named tensor of
 * another model's weights file instead of its initializer (transfer.c). */
typedef struct nnrt_transfer {
    const char *param;          /* "conv2d1.w": the tensor, here and in the file */
    const char *file;           /* "runs/transfer_base/weights" */
} nnrt_transfer;

/* What early stopping watches: a loss or a metric of each epoch's row. */
typedef enum nnrt_monitor {
    NNRT_MONITOR_VAL_LOSS,
    NNRT_MONITOR_VAL_ACCURACY,
    NNRT_MONITOR_LOSS,
    NNRT_MONITOR_ACCURACY,
    NNRT_MONITOR_VAL_MAE,           /* REGRESS models only, the next four */
    NNRT_MONITOR_VAL_RMSE,
    NNRT_MONITOR_MAE,
    NNRT_MONITOR_RMSE
} nnrt_monitor;

/* Stop training once the monitored value has not improved for `patience`
 * epochs, then go back to the weights of the best epoch (early_stop.c).
 * Improving is falling (losses, MAE, RMSE) or rising (accuracy) by more
 * than min_delta.  A zeroed struct (patience 0) means no early stopping. */
typedef struct nnrt_early_stop {
    int patience;                   /* epochs */
    nnrt_monitor monitor;
    float min_delta;
} nnrt_early_stop;

/* The train block's loss, for the diagnosis after training (a classifier's
 * chance level, a classifier trained with mae).  0: not said (a model
 * description written before the field existed). */
typedef enum nnrt_loss_kind {
    NNRT_LOSS_UNSET,
    NNRT_LOSS_CROSS_ENTROPY,
    NNRT_LOSS_MSE,
    NNRT_LOSS_SUM_OF_SQUARES,
    NNRT_LOSS_MAE,
    NNRT_LOSS_KL_DIVERGENCE,
    NNRT_LOSS_COSINE_SIMILARITY,
    NNRT_LOSS_BINARY_CROSS_ENTROPY
} nnrt_loss_kind;

typedef enum nnrt_task {
    NNRT_TASK_CLASSIFY,         /* integer labels; accuracy */
    NNRT_TASK_REGRESS           /* float targets; MAE and RMSE instead of accuracy */
} nnrt_task;

typedef struct nnrt_model {
    const char *name;           /* the `model NAME` of the .nn file */
    const char *source;         /* the .nn file as given to nnc */
    const char *model_hash;     /* hex SHA-256 of the model's meaning (nnc canon.c) */
    const char *nnc_version;

    /* data block */
    const char *train_images, *train_labels;
    const char *test_images, *test_labels;
    double validation;          /* fraction held out of train, 0 for none */
    float scale;                /* pixel byte -> float factor, e.g. 1/255 */

    /* CSV data, used instead of the IDX files when train_csv is set: a
     * header row of column names, then one sample per row.  Columns are
     * named as in the header, or by 0-based index written in decimal. */
    const char *train_csv, *test_csv;
    int n_input_columns;        /* == in_size */
    const char *const *input_columns;
    int n_target_columns;       /* REGRESS: == n_classes; CLASSIFY: 1 (the label) */
    const char *const *target_columns;
    nnrt_task task;
    float *target;              /* REGRESS: (max_batch, n_classes), filled by the runtime
                                   before loss(), which then ignores its labels */

    /* shapes */
    int in_size;                /* floats per sample */
    int in_h, in_w, in_c;       /* the input as an image, rows x columns x channels
                                   (channels last): in_h * in_w * in_c == in_size;
                                   a flat input of k values is 1 x k x 1 */
    int n_classes;              /* width of the output */
    const char *const *class_names; /* NULL, or a name per class in label order, for
                                   metrics and predict: n_classes of them, or 2 for a
                                   binary model (label 0's class, then label 1's) */
    uint32_t binary_positive;   /* binary classification (one sigmoid output):
                                   bit c set if label c counts as 1; 0 otherwise */
    int batch;                  /* default training batch (the .nn file's) */
    int max_batch;              /* rows the static buffers hold: n <= max_batch */
    float *input;               /* (max_batch, in_size); filled by the runtime */
    const float *output;        /* (max_batch, n_classes): probabilities after forward */

    /* train block */
    int epochs;
    uint64_t seed;
    nnrt_optimizer optimizer;
    nnrt_schedule schedule;     /* zeroed: constant */
    nnrt_augment augment;       /* zeroed: none */
    nnrt_early_stop early_stop; /* zeroed: none */
    nnrt_loss_kind loss_kind;
    /* the highest momentum of the batchnorm layers whose moving statistics
     * start from their initial values and are updated (trainable, no init=
     * file); 0 when there is none.  The diagnosis judges from it how much
     * of those initial values the statistics still hold. */
    float bn_momentum;

    /* data: keep only the samples whose label's bit is set, relabeled
     * 0, 1, ... in increasing order of label (0: keep all) */
    uint32_t keep_classes;
    /* transfer learning: tensors that start from another model's weights */
    int n_transfers;
    const nnrt_transfer *transfers;

    int n_params;
    const nnrt_param *params;

    /* forward: input -> output for rows [0, n).  training != 0 turns on
     * dropout, whose masks are drawn from rng (rng may be NULL when not
     * training). */
    void (*forward)(int n, int training, nnrt_rng *rng);
    /* loss: the sum over rows [0, n) of the per-sample loss against integer
     * labels y, computed stably (softmax + cross-entropy fused); also stores
     * d(mean loss)/d(last layer) for backward. */
    double (*loss)(int n, const int *y);
    /* backward: from what loss() stored, overwrite every param's grad with
     * d(mean loss + penalty)/d(param) for the last forward's rows. */
    void (*backward)(int n);
    /* penalty: the regularization term (L1, L2) of the current weights,
     * added once to the mean loss of every batch and evaluation, as Keras
     * reports it; NULL when the model has none. */
    double (*penalty)(void);
    /* the same model in double precision, for gradcheck; NULL when the
     * trainer was linked without it */
    const struct nnrt_twin *twin;
} nnrt_model;

/* ---- the double-precision twin (gradcheck.c) -------------------------- */

/* The generated file is written over a type `real`.  `nnc build` compiles
 * it twice: as the trainer, with real = float, whose main() hands MODEL to
 * nnrt_main; and with -DNNRT_DOUBLE, real = double, as its twin, which
 * exports nnrt_double_twin instead of main: the same forward, loss,
 * backward and penalty over double buffers of their own (every other
 * buffer and function of the file is static, so the two objects link
 * together).  gradcheck copies the trainer's weights and batch into the
 * twin and checks it, where rounding noise is some 1e-16 instead of 1e-8
 * (the why: gradcheck.c).  The twin draws dropout masks from the rng as
 * the trainer does: the same draws, the same masks. */
typedef struct nnrt_twin_param {
    const char *name;   /* the same as the trainer's tensor at this index */
    double *value;
    double *grad;       /* NULL where the trainer's is */
} nnrt_twin_param;

typedef struct nnrt_twin {
    double *input;              /* (max_batch, in_size) */
    double *target;             /* REGRESS: (max_batch, n_classes); else NULL */
    int n_params;               /* == the model's */
    const nnrt_twin_param *params;
    void (*forward)(int n, int training, nnrt_rng *rng);
    double (*loss)(int n, const int *y);
    void (*backward)(int n);
    double (*penalty)(void);    /* NULL when the model has none */
} nnrt_twin;

/* Defined by the twin's object.  Weak in the trainer's, so that a file
 * compiled once by hand still links: &nnrt_double_twin is then NULL and
 * gradcheck runs in float, saying so. */
#ifdef NNRT_DOUBLE
extern const nnrt_twin nnrt_double_twin;
#else
extern const nnrt_twin nnrt_double_twin __attribute__((weak));
#endif

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
/* One update of every param from its grad. */
void nnrt_optim_step(nnrt_optim_state *st, const nnrt_model *m);
void nnrt_optim_free(nnrt_optim_state *st);

/* ---- weight files (checkpoint.c; format in docs/weights.md) ----------- */

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

/* ---- entry point (cli.c) ---------------------------------------------- */

/* The trainer's command line:
 *   OUT train [--epochs N] [--batch N] [--lr X] [--seed N] [--limit N] [--out DIR]
 *             [--resume DIR]
 *   OUT eval  [--weights FILE] [--limit N] [--out DIR]
 *   OUT gradcheck [--samples N] [--seed N]
 *   OUT steps N [--lr X] [--batch N] [--seed N] [--weights-in FILE] [--weights-out FILE]
 *   OUT augment-preview --out FILE.png [--count N] [--seed N]
 *   OUT --help | --version
 * Exit codes: 0 ok, 1 user error (bad flag, bad data), 2 internal error. */
int nnrt_main(const nnrt_model *m, int argc, char **argv);

#endif
