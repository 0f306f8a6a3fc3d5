/* nnrt.h: the contract between the C file nnc emits and the runtime library
 * (libnnrt), and nothing more.  It is the one header `make install` puts in
 * place; everything else the runtime's files share is internal
 * (nnrt_internal.h, data.h, nnrt_error.h, ...), as Lua keeps lua.h apart
 * from its l*.h files.
 *
 * The C file that nnc emits holds only what depends on the model: shape
 * constants, the parameters (static), the struct of what one replica owns
 * (nnrt_replica, below), and forward/backward functions, over a type
 * `real`.  Compiled as the trainer (real = float) it ends in
 *
 *     int main(int argc, char **argv) { return nnrt_main(&MODEL, argc, argv); }
 *
 * and compiled with -DNNRT_DOUBLE it is the trainer's double-precision
 * twin, for gradcheck (nnrt_twin, below).
 *
 * This header reads in the order a generated file uses it: the generator
 * its dropout draws from, the twin, the tensors (PARAMS), the transfers,
 * the settings of the model description, the description (MODEL), and
 * nnrt_main.  Something a generated file does not use does not belong here.
 *
 * The words of the language: each concept that a .nn file names with a word
 * and the runtime with an enum (initializers, optimizers, schedules,
 * monitors, losses) is one list, NNRT_INITS(X) and so on, of X(NAME, "word")
 * in the enum's order: its i-th entry is the enum's value i, spelled
 * NNRT_INIT_NAME in generated code (NAME is the word in capitals) and
 * written "word" in a .nn file.  The enum below each list, nnc's checker
 * (its words), its emitter (its spellings) and the runtime's names for
 * them (checkpoint_file.c, early_stop.c) all come from the list, so they cannot
 * disagree; tests/test_vocab.c walks every word through all of them.  Add
 * at the end only: a run checkpoint records an optimizer by its number.
 */
#ifndef NNRT_H
#define NNRT_H

#include <stddef.h>
#include <stdint.h>

#define NNRT_VERSION "0.1.0"

/* ---- random numbers for dropout (rng.c) ------------------------------- */

/* A small, fast, seedable generator (the algorithm is documented in rng.c).
 * Same seed, same sequence, on every machine. */
typedef struct nnrt_rng {
    uint64_t s[2];
} nnrt_rng;

/* uniform in [0, 1) with 24 bits of precision */
float nnrt_rng_uniform(nnrt_rng *rng);

/* ---- replicas (parallel.c; docs/parallel.md) ---------------------------- */

/* What one worker needs to run forward and backward over its shard of a
 * batch: the activations and their gradients, dropout masks, each op's
 * scratch, and the gradients of the trained tensors for its rows.  The
 * generated file defines the struct (`struct nnrt_replica { real x[...];
 * ... }`, typedef'd Replica there); the runtime sees only its size and the
 * offsets of what it reads or fills (MODEL's .replica_size, .input_at,
 * .output_at, .target_at, and each PARAMS row's .grad), and allocates the
 * replicas at start-up.  Every generated function that touches such a
 * buffer takes the replica first (`dense128_forward(Replica *rep, int n)`).
 * The parameters stay static and shared: forward and backward only read
 * them (batchnorm's moving statistics aside, which its meet updates, on
 * one thread: nnrt_stage below).
 *
 * The runtime cuts every batch into MODEL's .shards shards, fixed by nnc
 * whatever the thread count, runs each on a replica of its own on a pool
 * of threads, and sums the gradients in shard order into shard 0's
 * replica, where the optimizer reads them.  forward, loss and backward may
 * run at once on different replicas, so a generated function writes
 * nothing but its replica (a meet aside).
 *
 * The generated file starts each of the replica's arrays, and each
 * parameter, on a cache line (NNRT_ALIGNED), and the runtime allocates
 * replicas on one (nnrt_internal.h: nnrt_calloc_lines): an AVX-512 vector
 * is a whole line, and one that straddles two costs two.  On Zen 5, the
 * Adam update took 0.21 ns a value from the 16-byte boundaries calloc and
 * the linker gave, 0.17 ns from lines; a fashion_mlp epoch at batch 32
 * went from 0.184-0.208 s to 0.168-0.191 s, the same bits. */
typedef struct nnrt_replica nnrt_replica;
#define NNRT_LINE 64   /* a cache line's bytes */
#define NNRT_ALIGNED _Alignas(NNRT_LINE)

/* Where a batch's shards meet.  A trained batchnorm normalizes by the
 * mean and variance of the whole batch, and its dx needs dgamma and dbeta
 * over the whole batch, while each shard holds part of the batch: the
 * generated file then cuts forward and backward there into stages.  The
 * runtime runs a stage on every shard (on its threads, each rank its own
 * shards), then, while training, the stage's meet: each shard has left
 * n_sums doubles at .sums in its replica; the runtime gives every rank
 * every shard's, and meet(reps, rows, shards) combines them in shard
 * order (rows[s]: shard s's rows in this batch, 0 for an empty one) and
 * writes what the next stage reads into every replica (and a batchnorm's
 * moving statistics, once: it runs on one thread).  Then the next stage.
 * Without training, forward's stages run back to back, without meets.
 * The last stage has no meet.  The same bits whatever the threads and
 * ranks: a shard's sums depend on its rows only, and meet adds them in
 * shard order. */
typedef struct nnrt_stage {
    void (*forward)(nnrt_replica *r, int n, int training, nnrt_rng *rng);   /* or */
    void (*backward)(nnrt_replica *r, int n);
    void (*meet)(nnrt_replica *const *reps, const int *rows, int shards);
    size_t sums;                /* offsetof(Replica, this shard's sums) */
    int n_sums;                 /* doubles */
} nnrt_stage;

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
/* A weight gradient that backward leaves to the runtime (a dense layer's
 * dW; docs/parallel.md): rows [from, to) of it, summed over `shards`
 * replicas in their order, shard s's product (its rows[s] rows) scaled by
 * share[s], written into out, a real array whose first element is row
 * `from`'s first.  The runtime runs it in fixed pieces of rows on its
 * threads, each piece updated by the optimizer right after. */
typedef void (*nnrt_grad_rows_fn)(nnrt_replica *const *reps, const int *rows,
                                  const double *share, int shards, int from, int to, void *out);

typedef struct nnrt_twin_param {
    const char *name;   /* the same as the trainer's tensor at this index */
    double *value;
    size_t grad;        /* offsetof(Replica, its gradient); 0 where the trainer's is */
    nnrt_grad_rows_fn grad_rows;   /* as the trainer's tensor's */
} nnrt_twin_param;

/* The twin's replica holds doubles: its size and offsets are its own. */
typedef struct nnrt_twin {
    size_t replica_size;        /* sizeof(Replica) in the twin */
    size_t input_at;            /* (shard_rows, in_size) in the replica */
    size_t target_at;           /* REGRESS or soft targets: (shard_rows, n_classes); else 0 */
    int n_params;               /* == the model's */
    const nnrt_twin_param *params;
    void (*forward)(nnrt_replica *r, int n, int training, nnrt_rng *rng);
    double (*loss)(nnrt_replica *r, int n, const int *y);
    void (*backward)(nnrt_replica *r, int n);
    /* or, forward and backward NULL, in stages, as the trainer's */
    int n_forward_stages, n_backward_stages;
    const nnrt_stage *forward_stages, *backward_stages;
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

/* ---- the model's tensors (PARAMS; init.c) ----------------------------- */

/* How a tensor starts (init.c).  Keras truncates its normal initializers
 * at 2 standard deviations; so does nnrt. */
#define NNRT_INITS(X) \
    X(ZEROS, "zeros") \
    X(HE_NORMAL, "he_normal")           /* N(0, 2/fan_in), truncated */ \
    X(HE_UNIFORM, "he_uniform")         /* U(-sqrt(6/fan_in), +sqrt(6/fan_in)) */ \
    X(GLOROT_UNIFORM, "glorot_uniform") /* U(+-sqrt(6/(fan_in+fan_out))): Keras's default */ \
    X(GLOROT_NORMAL, "glorot_normal")   /* N(0, 2/(fan_in+fan_out)), truncated */ \
    X(LECUN_NORMAL, "lecun_normal")     /* N(0, 1/fan_in), truncated */ \
    X(LECUN_UNIFORM, "lecun_uniform")   /* U(-sqrt(3/fan_in), +sqrt(3/fan_in)) */ \
    X(NORMAL, "normal")                 /* N(0, scale^2), not truncated */ \
    X(UNIFORM, "uniform")               /* U(-scale, +scale) */ \
    X(ONES, "ones")                     /* batchnorm's gamma and moving variance */ \
    X(ORTHOGONAL, "orthogonal")         /* Keras's Orthogonal(gain=1): rows or columns orthonormal */ \
    X(UNIT_FORGET_BIAS, "unit_forget_bias") /* lstm's bias: 1 for the forget gate, else 0 */

typedef enum nnrt_init {
#define NNRT_ENUM_INIT(name, word) NNRT_INIT_##name,
    NNRT_INITS(NNRT_ENUM_INIT)
#undef NNRT_ENUM_INIT
} nnrt_init;

/* One tensor of the model: its value and where in each replica backward()
 * puts its gradient.  A tensor with grad == 0 is state, not a parameter (batchnorm's moving
 * mean and variance): saved with the weights and loaded, never updated by the
 * optimizer nor checked by gradcheck. */
typedef struct nnrt_param {
    const char *name;   /* "dense128.w", "hidden.b": the layer's name (given by
                           name= or made from its content) and the tensor's;
                           used in weight files, checkpoints and transfers */
    int ndims;
    int dims[4];
    int size;           /* product of dims */
    float *value;       /* shared by every replica */
    size_t grad;        /* offsetof(Replica, its gradient); 0 (where the input
                           is, never a gradient): state, not trained */
    nnrt_init init;
    int fan_in, fan_out;
    float init_scale;   /* NNRT_INIT_NORMAL: std; NNRT_INIT_UNIFORM: limit */
    /* Not NULL: backward leaves this gradient to the runtime, which
     * computes it with grad_rows (above) in blocks of block_rows of its
     * dims[0] rows of dims[1] values, and updates each block right after,
     * block b on the thread that runs block b of nnrt_each_block (below).
     * grad_x and grad_dy are the offsets in the replica of the product's
     * operands, x (shard_rows, dims[0]) and dz (shard_rows, dims[1]): what
     * an MPI rank sends the others instead of the gradient. */
    nnrt_grad_rows_fn grad_rows;
    size_t grad_x, grad_dy;
    int block_rows;
} nnrt_param;

/* part(rep, n, b) for every block b in [0, blocks) of a product that goes
 * by blocks of a tensor's rows (a dense layer's x W and dz W^T): on the
 * runtime's threads when they are free (a batch of one shard), block b on
 * the thread that updates the tensor's block b; else in turn on the
 * caller's.  The parts must write disjoint memory; the sum over the blocks
 * is the caller's, in a fixed order. */
typedef void (*nnrt_block_fn)(nnrt_replica *rep, int n, int b);
void nnrt_each_block(nnrt_replica *rep, int n, int blocks, nnrt_block_fn part);
/* 1 when nnrt_each_block runs the blocks in turn, in block order, on the
 * caller's thread (then a part may add onto the one before it: the sum
 * the caller would make of them, without their copies) */
int nnrt_blocks_in_turn(void);

/* Transfer learning: a tensor that starts from the same-named tensor of
 * another model's weights file instead of its initializer (transfer.c). */
typedef struct nnrt_transfer {
    const char *param;          /* "conv32.w": the tensor, here and in the file */
    const char *file;           /* "runs/transfer_base/weights" */
} nnrt_transfer;

/* One layer's output, as `encode` reads it (encode.c): the values the
 * layer hands on, after its activation, (shard_rows, width) in each
 * replica at `at`.  MODEL lists one per layer that computes a buffer of
 * its own, in network order (an input or a flatten has none). */
typedef struct nnrt_layer_output {
    const char *name;           /* the layer's, as `nnc check` lists it: "code", "dense128" */
    size_t at;                  /* offsetof(Replica, code_y) */
    int width;                  /* floats per sample: CODE_OUT */
} nnrt_layer_output;

/* ---- the model's settings (the fields of MODEL) ----------------------- */

typedef enum nnrt_task {
    NNRT_TASK_CLASSIFY,         /* integer labels; accuracy */
    NNRT_TASK_REGRESS           /* float targets; MAE and RMSE instead of accuracy */
} nnrt_task;

/* The optimizers (optim.c; the update rules are in optim_*.c). */
#define NNRT_OPTIMIZERS(X) \
    X(SGD, "sgd") \
    X(ADAM, "adam") \
    X(MOMENTUM, "momentum")     /* SGD with momentum */ \
    X(NESTEROV, "nesterov")     /* SGD with Nesterov momentum */ \
    X(ADAGRAD, "adagrad") \
    X(RMSPROP, "rmsprop") \
    X(ADAMW, "adamw") \
    X(ADADELTA, "adadelta")

typedef enum nnrt_optimizer_kind {
#define NNRT_ENUM_OPT(name, word) NNRT_OPT_##name,
    NNRT_OPTIMIZERS(NNRT_ENUM_OPT)
#undef NNRT_ENUM_OPT
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
    /* Keras's gradient clipping, for every optimizer, at most one of them
     * (0: none): clip_norm scales each tensor's gradient down to that L2
     * norm if it is above it (clipnorm), clip_value holds each value to
     * [-clip_value, clip_value] (clipvalue) */
    float clip_norm, clip_value;
} nnrt_optimizer;

/* How the learning rate changes (schedule.c):
 *   step         lr * factor^floor(epoch / every): per epoch
 *   exponential  lr * factor^(step / every): per update step
 *   cosine       lr * (min + (1-min) (1 + cos(pi t/T)) / 2), t = step, T = all steps
 *   plateau      lr * factor when val_loss has not improved for `patience` epochs */
#define NNRT_SCHEDULES(X) \
    X(CONSTANT, "constant") \
    X(STEP, "step") \
    X(EXPONENTIAL, "exponential") \
    X(COSINE, "cosine") \
    X(PLATEAU, "plateau")

typedef enum nnrt_schedule_kind {
#define NNRT_ENUM_SCHEDULE(name, word) NNRT_SCHEDULE_##name,
    NNRT_SCHEDULES(NNRT_ENUM_SCHEDULE)
#undef NNRT_ENUM_SCHEDULE
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

/* What early stopping watches: a loss or a metric of each epoch's row,
 * named as its curve.csv column. */
#define NNRT_MONITORS(X) \
    X(VAL_LOSS, "val_loss") \
    X(VAL_ACCURACY, "val_accuracy") \
    X(LOSS, "loss") \
    X(ACCURACY, "accuracy") \
    X(VAL_MAE, "val_mae")       /* REGRESS models only, the next four */ \
    X(VAL_RMSE, "val_rmse") \
    X(MAE, "mae") \
    X(RMSE, "rmse")

typedef enum nnrt_monitor {
#define NNRT_ENUM_MONITOR(name, word) NNRT_MONITOR_##name,
    NNRT_MONITORS(NNRT_ENUM_MONITOR)
#undef NNRT_ENUM_MONITOR
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

/* The losses a train block may name. */
#define NNRT_LOSSES(X) \
    X(CROSS_ENTROPY, "cross_entropy") \
    X(MSE, "mse") \
    X(SUM_OF_SQUARES, "sum_of_squares") \
    X(MAE, "mae") \
    X(KL_DIVERGENCE, "kl_divergence") \
    X(COSINE_SIMILARITY, "cosine_similarity") \
    X(BINARY_CROSS_ENTROPY, "binary_cross_entropy")

/* The train block's loss, for the diagnosis after training (a classifier's
 * chance level, a classifier trained with mae).  0: not said (a model
 * description written before the field existed). */
typedef enum nnrt_loss_kind {
    NNRT_LOSS_UNSET,
#define NNRT_ENUM_LOSS(name, word) NNRT_LOSS_##name,
    NNRT_LOSSES(NNRT_ENUM_LOSS)
#undef NNRT_ENUM_LOSS
} nnrt_loss_kind;

/* ---- the model description (MODEL) ------------------------------------ */

typedef struct nnrt_model {
    const char *name;           /* the `model NAME` of the .nn file */
    const char *source;         /* the .nn file as given to nnc */
    const char *model_hash;     /* hex SHA-256 of the model's meaning (nnc canon.c) */
    /* the nnc that wrote the file; NULL (what nnc emits: its version is in
     * the file's header, once) is the runtime's own, NNRT_VERSION, since
     * `nnc build` links the runtime of the same release */
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
    size_t target_at;           /* REGRESS, or a classification against soft targets
                                   (several target columns): offsetof(Replica,
                                   target), (shard_rows, n_classes), filled by the
                                   runtime before loss(), which reads its labels for
                                   accuracy alone (0: labels only) */
    /* Or one series (series.c): a CSV column in time order, cut into windows
     * of `window` values, each forecasting the value `horizon` steps after
     * it; its last test_fraction for the test, the training part before */
    const char *series_csv, *series_column;
    int window, horizon;
    float test_fraction;
    /* Or a text (text.c): the file's bytes, cut into windows of `window`
     * characters (ids), each labelled with the character after it; its
     * last test_fraction for the test.  The characters' ids are the
     * model's vocabulary, vocab_size at most: `vocabulary` (the embedding
     * layer's state tensor, saved with the weights) holds each id's byte
     * plus 1, 0 for an id no character has; all 0 until a text sets it */
    const char *text_file;
    int vocab_size;
    float *vocabulary;
    int target_input;           /* REGRESS on images: the targets are the input as
                                   scaled, before augmentation (an autoencoder) */

    /* shapes */
    int in_size;                /* floats per sample */
    int in_h, in_w, in_c;       /* the input as an image, rows x columns x channels
                                   (channels last): in_h * in_w * in_c == in_size;
                                   a flat input of k values is 1 x k x 1 */
    int n_classes;              /* width of the output */
    const char *const *class_names; /* NULL, or a name per class in label order, for
                                   metrics and predict: n_classes of them, or 2 for a
                                   binary model (label 0's class, then label 1's); an
                                   autoencoder's (target_input) name its labels, as
                                   many as the .nn file gives, then NULL */
    uint32_t binary_positive;   /* binary classification (one sigmoid output):
                                   bit c set if label c counts as 1; 0 otherwise */
    int multi_label;            /* n_classes yes/no labels a sample (sigmoid outputs,
                                   0/1 target columns in target_at): accuracy is
                                   the share of labels right, metrics are per label */
    int batch;                  /* default training batch (the .nn file's) */
    const char *batchnorm_by_rows;  /* a trained batchnorm layer whose channels hold
                                   one value a sample: a batch of one row would make
                                   it output beta whatever its input (NULL: none) */
    int max_batch;              /* rows of a batch at most (evaluation: of a chunk) */
    int shards;                 /* every batch is cut into this many shards, each
                                   on a replica of its own (0: 1) */
    int shard_rows;             /* rows a replica holds: max_batch / shards,
                                   rounded up (0: max_batch) */
    size_t replica_size;        /* sizeof(Replica) */
    size_t input_at;            /* offsetof(Replica, input): (shard_rows, in_size),
                                   filled by the runtime */
    size_t output_at;           /* (shard_rows, n_classes): probabilities after forward */
    int n_layer_outputs;        /* every layer's output, for encode (0: none listed) */
    const nnrt_layer_output *layer_outputs;

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
    /* per param, its name in weight files and checkpoints before version 3
     * ("dense1.w": layers by kind and position); NULL: the same names */
    const char *const *legacy_names;

    /* forward: r's input -> r's output for rows [0, n), n <= shard_rows.
     * training != 0 turns on dropout, whose masks are drawn from rng (rng
     * may be NULL when not training).  forward, loss and backward may run
     * at once on different replicas. */
    void (*forward)(nnrt_replica *r, int n, int training, nnrt_rng *rng);
    /* loss: the sum over r's rows [0, n) of the per-sample loss against
     * integer labels y, computed stably (softmax + cross-entropy fused); also
     * stores d(mean loss)/d(last layer) in r for backward. */
    double (*loss)(nnrt_replica *r, int n, const int *y);
    /* backward: from what loss() stored in r, overwrite every param's grad
     * in r with d(mean loss + penalty)/d(param) for r's last forward's rows. */
    void (*backward)(nnrt_replica *r, int n);
    /* or, forward and backward NULL, the two in stages, where the shards
     * must meet (nnrt_stage, above) */
    int n_forward_stages, n_backward_stages;
    const nnrt_stage *forward_stages, *backward_stages;
    /* penalty: the regularization term (L1, L2) of the current weights,
     * added once to the mean loss of every batch and evaluation, as Keras
     * reports it; NULL when the model has none. */
    double (*penalty)(void);
    /* the same model in double precision, for gradcheck; NULL when the
     * trainer was linked without it */
    const struct nnrt_twin *twin;
} nnrt_model;

/* ---- entry point (cli.c) ---------------------------------------------- */

/* The trainer's command line:
 *   OUT train [--epochs N] [--batch N] [--lr X] [--seed N] [--limit N] [--out DIR]
 *             [--resume DIR]
 *   OUT eval  [--weights FILE] [--limit N] [--out DIR]
 *   OUT gradcheck [--samples N] [--seed N]
 *   OUT steps N [--lr X] [--batch N] [--seed N] [--weights-in FILE] [--weights-out FILE]
 *   OUT augment-preview --out FILE.png [--count N] [--seed N]
 *   OUT reconstruct --out FILE.png [--weights F] [--count N]
 *   OUT encode --layer NAME [--weights F] [--csv] [--out FILE.svg] [--count N]
 *   OUT sample [--length N] [--temperature T] [--prime TEXT] [--seed N] [--weights F]
 *   OUT --help | --version
 * Exit codes: 0 ok, 1 user error (bad flag, bad data), 2 internal error. */
int nnrt_main(const nnrt_model *m, int argc, char **argv);

#endif
