/* nnc.h: every type the compiler's stages share.
 *
 *   source text --parse--> Stmt tree (AST) --check--> Model --lower--> Ir
 *               --passes--> Ir --emit--> C text
 *
 * All of it lives in one Arena, freed once when nnc exits.
 */
#ifndef NNC_H
#define NNC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The words the language shares with the runtime (nnrt.h's lists) and
 * COUNT. */
#include "vocab.h"

#ifndef NNC_VERSION
#define NNC_VERSION "0.1.0"
#endif

/* ---- arena.c: bump allocation, one free at the end ----------------------- */

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
    ArenaBlock *head;
} Arena;

void *arena_alloc(Arena *a, size_t bytes);   /* zeroed; never NULL (aborts) */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* open_memstream(text, len), exiting with status 2 when memory runs out;
 * after fclose, *text is malloc'ed: the caller frees it */
FILE *text_stream(char **text, size_t *len);
void arena_free(Arena *a);

/* ---- source.c: a .nn file held in memory ---------------------------------- */

typedef struct Source {
    const char *name;    /* as given on the command line; printed in diagnostics */
    const char *text;    /* NUL-terminated copy of the file */
    size_t len;
    const size_t *line_starts;  /* offset of each line's first byte: line i at [i - 1] */
    int n_lines;
} Source;

/* The most a .nn file may hold: a model is a page of text (the examples
 * are under 2 KB); a larger file is the wrong file, or /dev/zero. */
#define SOURCE_MAX_BYTES (1 << 20)

/* Returns 0, or -1 after printing why the file could not be read: it is
 * missing, not a regular file (a FIFO, a device) or over SOURCE_MAX_BYTES. */
int source_read(Arena *a, const char *path, Source *out);
void source_from_string(Arena *a, const char *name, const char *text, Source *out);
/* The same for len bytes that may hold NULs (as a file read by source_read may). */
void source_from_bytes(Arena *a, const char *name, const char *bytes, size_t len, Source *out);
/* The text of line `line` (1-based), without its newline; length in *len. */
const char *source_line(const Source *src, int line, int *len);

/* The files nnc reads: every file source_read opened (the .nn file and the
 * models its init= name), and those noted here (nnc plot's curve.csv).
 * inputs_contain says whether path is one of them, compared by device and
 * inode: another spelling of the path, a symbolic or a hard link to the
 * file all count.  A path that does not exist is none of them. */
void inputs_note(const char *path);

/* The .nn file input as the C file output names it: relative to output's
 * folder ("examples/a.nn" written to "examples/a.c" is "a.nn"), never
 * absolute (its base name when no relative path is found); with no output
 * (stdout), input as given if relative, else its base name. */
const char *source_shown_path(Arena *a, const char *input, const char *output);
/* A path written in the file naming (init="..."), relative to naming's
 * folder: "examples/b.nn" naming "a.nn" means "examples/a.nn".  An
 * absolute path is itself. */
const char *source_beside(Arena *a, const char *naming, const char *path);
int inputs_contain(const char *path);

/* ---- diag.c: errors and warnings a person can act on ---------------------- */

/* A span in the source: 1-based lines and columns, last_column inclusive.
 * The field names are the ones bison's default location code expects. */
typedef struct Loc {
    int first_line, first_column;
    int last_line, last_column;
} Loc;

typedef struct Diag {
    const Source *src;
    FILE *out;
    int n_errors, n_warnings;
} Diag;

void diag_init(Diag *d, const Source *src, FILE *out);
/* file:line:col: error: message, then the line and a caret under loc. */
void diag_error(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "      = note" under the diagnostic just printed. */
void diag_note(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "file: error: message", for errors with no place in the file (-D). */
void diag_error_file(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The candidate closest to word by edit distance, or NULL if none is close. */
const char *diag_closest(const char *word, const char *const *candidates, int n);

/* ---- ast.c: the parse tree ---------------------------------------------- */

/* The .nn language is a list of statements: a word, arguments, and
 * optionally a { block } of statements.  Which words mean what is decided by
 * the checker, not the grammar, so new vocabulary needs no grammar change. */
typedef enum ArgKind {
    ARG_NUMBER,     /* 128, 0.001, 1e-3, 1/255 */
    ARG_PERCENT,    /* 10%  (num holds 10) */
    ARG_STRING,     /* "fashion-mnist/train-images-idx3-ubyte.gz" */
    ARG_WORD,       /* relu */
    ARG_DIMS        /* 28x28 */
} ArgKind;

#define MAX_DIMS 4

typedef struct Arg {
    ArgKind kind;
    Loc loc;
    const char *key;      /* "lr" in lr=0.001, else NULL */
    Loc key_loc;
    const char *text;     /* the source spelling of the value */
    double num;           /* ARG_NUMBER, ARG_PERCENT */
    int is_int;           /* ARG_NUMBER written as an integer */
    int ndims;            /* ARG_DIMS */
    long dims[MAX_DIMS];
    struct Arg *next;
} Arg;

typedef struct Stmt {
    const char *word;
    Loc loc;              /* the word */
    Loc line_loc;         /* the whole statement line, for quoting */
    Arg *args;
    int n_args;
    int has_block;
    struct Stmt *body;    /* statements of the { block } */
    struct Stmt *next;
} Stmt;

Stmt *ast_stmt(Arena *a, const char *word, Loc loc, Arg *args);
Arg *ast_reverse_args(Arg *list);
Stmt *ast_reverse_stmts(Stmt *list);

/* ---- grammar/nn.l, grammar/nn.y: the parser ----------------------------- */

/* What the flex scanner and the bison parser share (the scanner's yyextra
 * and the parser's parameter). */
enum { MAX_BLOCK_DEPTH = 100 };   /* deeper is an error (the scanner's) */

typedef struct ParseState {
    Arena *arena;
    const Source *src;
    Diag *diag;
    Stmt *result;
    int line, col;        /* where the scanner is, 1-based */
    int last_token;       /* to drop blank lines and close the last line */
    const char *last_text; /* spelling of the last word, number or string */
    int depth;            /* nesting of { blocks } */
    Loc open_brace[MAX_BLOCK_DEPTH]; /* where each open block's '{' is, outermost first:
                                        an end of file inside one points at it */
} ParseState;

/* Parses src, reporting every syntax error to d.  Returns the statements
 * (possibly partial after errors); d->n_errors says whether it went well. */
Stmt *parse_source(Arena *a, const Source *src, Diag *d);

/* ---- check.c: names, values and shapes ----------------------------------- */

typedef struct Shape {
    int ndims;
    long dims[MAX_DIMS];  /* per sample: no batch dimension */
    int sequence;         /* (steps, features) that are a sequence: an rnn, lstm or
                             gru's `sequences`, an embedding's, a dense layer's
                             applied to each step; an image 28x28 is not one */
} Shape;

long shape_size(const Shape *s);
/* "28x28", "784": written into buf */
const char *shape_str(const Shape *s, char *buf, size_t len);

/* Activations, X(NAME, "word") as nnrt.h's lists are (the runtime has
 * none: they are emitted as code).  The checker also reads "linear",
 * Keras's name, as identity. */
#define NNC_ACTIVATIONS(X) \
    X(IDENTITY, "identity") \
    X(RELU, "relu") \
    X(SIGMOID, "sigmoid") \
    X(TANH, "tanh") \
    X(SOFTMAX, "softmax") \
    X(LEAKY_RELU, "leaky_relu")     /* slope for x < 0 (default 0.2) */ \
    X(ELU, "elu")                   /* alpha (default 1) */ \
    X(GELU, "gelu")                 /* exact, with erf */ \
    X(SOFTPLUS, "softplus") \
    X(SWISH, "swish")               /* x * sigmoid(x) */ \
    X(STEP, "step")                 /* Heaviside: 1 for x > 0, else 0 (no gradient) */

typedef enum Activation {
#define NNC_ENUM_ACT(name, word) ACT_##name,
    NNC_ACTIVATIONS(NNC_ENUM_ACT)
#undef NNC_ENUM_ACT
} Activation;

/* Whether act's derivative is a function of its output y alone (so a dense
 * layer can apply it in place and keep no pre-activation buffer). */
int activation_grad_from_output(Activation act);

/* The layers a network block may hold. */
#define NNC_LAYERS(X) \
    X(INPUT, "input") \
    X(FLATTEN, "flatten") \
    X(DENSE, "dense") \
    X(DROPOUT, "dropout") \
    X(CONV2D, "conv2d") \
    X(MAXPOOL, "maxpool") \
    X(AVGPOOL, "avgpool") \
    X(SUMPOOL, "sumpool") \
    X(GLOBALAVGPOOL, "globalavgpool") \
    X(BATCHNORM, "batchnorm") \
    X(RNN, "rnn") \
    X(LSTM, "lstm") \
    X(GRU, "gru") \
    X(UPSAMPLE, "upsample") \
    X(CONV2D_TRANSPOSE, "conv2d_transpose") \
    X(EMBEDDING, "embedding")

typedef enum LayerKind {
#define NNC_ENUM_LAYER(name, word) LAYER_##name,
    NNC_LAYERS(NNC_ENUM_LAYER)
#undef NNC_ENUM_LAYER
} LayerKind;

/* A sliding window over an image (conv2d, the pools): the image is
 * h x w x c, channels last; the output oh x ow.  Padding is written as
 * Keras does: `same` pads so that oh = ceil(h / stride), with the odd pixel
 * at the bottom and right as TensorFlow puts it; `valid` pads nothing; a
 * number pads that many pixels on every side. */
typedef struct Window {
    long h, w, c;         /* input image */
    long kh, kw;          /* window */
    long sh, sw;          /* stride */
    long pt, pl;          /* padding before the first row and column */
    long oh, ow;          /* output image */
} Window;

typedef struct Layer {
    LayerKind kind;
    const Stmt *stmt;
    char name[48];        /* hidden, dense128, dense128_dropout: given by name=
                             or made from the layer's content, so inserting a
                             layer renames no other (check_names.c) */
    char legacy[32];      /* dense1, dropout1: the name by kind and position
                             that weight files before version 3 hold */
    Shape in, out;
    long units;           /* dense, rnn, lstm, gru; conv2d: filters; embedding: dim */
    long vocab;           /* embedding: the ids it knows, 0 .. vocab - 1 */
    Activation act;       /* dense, conv2d, batchnorm, rnn */
    double act_param;     /* leaky_relu slope, elu alpha */
    double rate;          /* dropout */
    Window win;           /* conv2d, the pools, globalavgpool (the whole image) */
    double momentum, epsilon;  /* batchnorm */
    int init;             /* dense, conv2d, rnn, lstm, gru: an nnrt_init, index into
                             init_names() */
    int recurrent_init;   /* rnn, lstm, gru: the recurrent kernel's (orthogonal) */
    int sequences;        /* rnn, lstm, gru: every step's output, not the last one's */
    double init_scale;    /* dense, conv2d: std of `normal`, limit of `uniform` */
    double l1, l2;        /* dense, conv2d: regularization of the kernel */
    const char *init_file; /* init="...": the weights file its tensors start from */
    int frozen;           /* trainable=false: its tensors never change */
    long n_params;
} Layer;

/* The gates of a recurrent layer of kind (1 for rnn): its kernels have
 * gates * units columns (check_network.c) */
long recurrent_gates(LayerKind kind);

/* Weight initializers: the words of NNRT_INITS, index i is nnrt_init i. */
const char *const *init_names(int *n);

/* The losses of NNRT_LOSSES, from 0: LOSS_X is NNRT_LOSS_X - 1 (the
 * runtime's 0 is NNRT_LOSS_UNSET).  Cross-entropy takes integer labels and
 * a softmax output; binary cross-entropy one sigmoid output and 0/1
 * labels; the rest compare against one-hot labels. */
typedef enum LossKind {
#define NNC_ENUM_LOSS(name, word) LOSS_##name,
    NNRT_LOSSES(NNC_ENUM_LOSS)
#undef NNC_ENUM_LOSS
} LossKind;

/* The optimizers of NNRT_OPTIMIZERS: OPT_X is NNRT_OPT_X. */
typedef enum OptimizerKind {
#define NNC_ENUM_OPT(name, word) OPT_##name,
    NNRT_OPTIMIZERS(NNC_ENUM_OPT)
#undef NNC_ENUM_OPT
} OptimizerKind;

/* An optimizer's hyper-parameters, in the order of nnrt_optimizer. */
typedef enum OptParam {
    P_LR,
    P_BETA1,
    P_BETA2,
    P_EPSILON,
    P_MOMENTUM,
    P_RHO,
    P_INITIAL_ACCUMULATOR,
    P_WEIGHT_DECAY,
    P_CLIP_NORM,          /* every optimizer's; only when given */
    P_CLIP_VALUE,
    N_OPT_PARAMS
} OptParam;

/* The schedules of NNRT_SCHEDULES: SCHEDULE_X is NNRT_SCHEDULE_X. */
typedef enum ScheduleKind {
#define NNC_ENUM_SCHEDULE(name, word) SCHEDULE_##name,
    NNRT_SCHEDULES(NNC_ENUM_SCHEDULE)
#undef NNC_ENUM_SCHEDULE
} ScheduleKind;

typedef struct Schedule {
    ScheduleKind kind;
    const Stmt *stmt;
    double factor, min_lr;
    long every, patience;
} Schedule;

/* early_stop patience N monitor=M min_delta=D (check_early_stop.c): the
 * runtime's nnrt_early_stop, field for field. */
typedef struct EarlyStop {
    const Stmt *stmt;     /* NULL when there is none */
    const Arg *monitor_arg;  /* monitor=..., or NULL for the default */
    long patience;
    int monitor;          /* an nnrt_monitor, index into monitor_name() */
    double min_delta;
} EarlyStop;

/* augment { ... } (check_augment.c): the runtime's nnrt_augment, field for
 * field.  A p of 0 leaves that change out. */
typedef struct Augment {
    const Stmt *stmt;     /* the augment block; NULL when there is none */
    double shift, shift_p;
    double rotate, rotate_p;
    double hflip_p, vflip_p;
    double zoom, zoom_p;
    double aspect, aspect_p;
    double brightness, brightness_p;
    double contrast, contrast_p;
    double noise, noise_p;
    double erase, erase_p;
} Augment;

/* A -D NAME=VALUE of the command line: overrides `let NAME = ...`. */
typedef struct Define {
    const char *name;
    const char *value;
} Define;

/* let NAME = VALUE: a number usable wherever a number goes (check_let.c). */
typedef struct Let {
    const char *name;
    const Arg *value;
} Let;

/* A data file the .nn file names, where it names it (check_data.c looks
 * for it on this machine) */
typedef struct DataFile {
    const char *name;
    Loc loc;
    int csv;              /* a train or test csv, whose columns are checked */
} DataFile;

enum { MAX_DATA_FILES = 8 };

typedef struct Model {
    const Source *src;
    const char *name;
    const Stmt *stmts;    /* the checked statements, for canon.c */
    const Let *lets;      /* sorted by name; a -D's value in place of the file's */
    int n_lets;
    const Define *defs;   /* the -D overrides, sorted by name */
    int n_defs;
    char hash[65];        /* canon.c: the hash of its meaning, hex */
    const char *shown_path;  /* the .nn file as the generated C names it (main.c) */

    /* data */
    const char *train_images, *train_labels;
    const char *test_images, *test_labels;
    const char *train_csv, *test_csv;     /* instead of the IDX files */
    DataFile data_files[MAX_DATA_FILES];  /* every file above, series and text too */
    int n_data_files;
    const char *series_csv;               /* or one series: a CSV column in time order */
    const char *series_column;            /* its name or 0-based index */
    const Stmt *series_stmt;
    long window, horizon;                 /* a series sample: window values in, the
                                             value horizon steps after them out */
    const Stmt *window_stmt;
    const char *text_file;                /* or a text: windows of characters, each
                                             labelled with the character after it */
    const Stmt *text_stmt;
    double test_fraction;                 /* a series' or text's last part, for the test */
    const Stmt *test_fraction_stmt;
    const char **inputs, **targets;       /* CSV columns: names or indices */
    int n_inputs, n_targets;
    const Stmt *inputs_stmt, *targets_stmt;
    int regress;          /* targets are values, not labels: CSV targets, or the input */
    int soft_targets;     /* a classification against a probability per class, one
                             target column each (CSV): distillation, mixed labels */
    int multi_label;      /* several yes/no labels a sample, a 0/1 target column and
                             a sigmoid output each, binary cross-entropy (CSV) */
    int target_input;     /* `target input`: an autoencoder, its input its target */
    const Stmt *target_stmt;
    double validation;    /* fraction */
    uint32_t positive;    /* binary: bit c set if label c counts as 1 */
    const Stmt *positive_stmt;
    double scale;
    const char *scale_text;
    const char **class_names;   /* classes "T-shirt/top" ...: one per class in label
                                   order (2 for a binary model), or NULL */
    int n_class_names;
    const Stmt *classes_stmt;

    /* network */
    Layer *layers;
    int n_layers;

    /* train */
    LossKind loss;
    const Stmt *loss_stmt;
    double label_smoothing;         /* cross_entropy smoothing=E: the targets
                                       (1 - E) one-hot + E / classes (Keras's) */
    OptimizerKind optimizer;
    const Stmt *optimizer_stmt;
    double opt[N_OPT_PARAMS];       /* indexed by OptParam */
    unsigned opt_used;              /* bit p: the optimizer has parameter p */
    Schedule schedule;
    EarlyStop early_stop;
    long batch, epochs;
    const Stmt *batch_stmt;         /* NULL: the default batch */
    uint64_t seed;

    Augment augment;

    uint32_t keep;        /* keep 5 6 7 8 9: bit c set if class c is kept (0: all) */
    const Stmt *keep_stmt;
} Model;

/* The first trained batchnorm layer whose every channel holds one value a
 * sample (after a dense layer, or on a 1x1 image): its batch statistics
 * come from the batch's rows alone, so over one row it outputs beta
 * whatever its input.  NULL when there is none (check_network.c) */
const Layer *batchnorm_by_rows(const Model *m);

/* Checks the statements and builds the model, reporting every problem to d.
 * defs (n_defs of them) override the file's `let`s.  Returns NULL if there
 * were errors. */
Model *check_model(Arena *a, const Stmt *stmts, const Source *src, Diag *d,
                   const Define *defs, int n_defs);

const char *activation_name(Activation act);
const char *loss_name(LossKind loss);
const char *optimizer_name(OptimizerKind opt);
const char *opt_param_name(OptParam p);      /* "lr", "beta1", ... */
const char *schedule_name(ScheduleKind k);
const char *monitor_name(int monitor);       /* "val_loss", "accuracy", ... */

/* ---- ir.c, lower.c: ops with fixed shapes -------------------------------- */

typedef enum OpKind {
    OP_DENSE,             /* y = act(x W + b) */
    OP_CONV,              /* y = act(conv(x, W) + b), channels last */
    OP_POOL,              /* max, average or sum over each window */
    OP_GLOBAL_AVGPOOL,    /* the mean of each channel over the image */
    OP_BATCHNORM,         /* y = act(gamma (x - mean) / sqrt(var + eps) + beta) */
    OP_ACTIVATION,        /* y = act(x), elementwise or softmax over a row */
    OP_DROPOUT,           /* y = x * mask / (1 - rate) while training */
    OP_RECURRENT,         /* rnn, lstm, gru over a sequence (steps, features) */
    OP_UPSAMPLE,          /* each pixel repeated SH x SW times (nearest) */
    OP_CONV_TRANSPOSE,    /* y = conv2d_transpose(x, W) + b: each input pixel spreads
                             its window over the output, S pixels apart */
    OP_EMBEDDING,         /* each id of x, a row of W (vocab, dim) */
    OP_LOSS               /* mean loss over the batch, and its gradient */
} OpKind;

typedef enum Kernel {
    KERNEL_GEMM,          /* dense: products, nnrt_mm's or cblas_sgemm's (IrOp.mm) */
    KERNEL_IM2COL,        /* conv2d: windows copied into rows, then products */
    KERNEL_COL2IM,        /* conv2d_transpose: products into rows, added into windows */
    KERNEL_WINOGRAD       /* conv2d: 6x6 or 8x8 tiles through Winograd's 36 or 64
                             points, a product each, dW too (nnrt_winograd.h) */
} Kernel;

typedef enum PoolKind { POOL_MAX, POOL_AVG, POOL_SUM } PoolKind;

/* A buffer of activations: (MAX_BATCH, width) floats, and its gradient. */
typedef struct IrBuf {
    char name[64];        /* C identifier of the values; the gradient is d_<name> */
    char width_macro[64]; /* the #define holding width */
    long width;           /* floats per sample */
    Shape shape;          /* the layer's output shape, for comments */
    int needs_grad;
} IrBuf;

typedef struct IrOp {
    OpKind kind;
    char name[64];        /* function prefix: dense128, conv32_relu, loss */
    const Layer *layer;   /* where it came from (NULL for the loss) */
    const Stmt *stmt;     /* the .nn line it came from */
    int in, out;          /* buffer indices */
    Activation act;       /* OP_DENSE epilogue or OP_ACTIVATION */
    double act_param;
    long n_in, n_out;     /* widths */
    double rate;          /* dropout */
    Window win;           /* OP_CONV, OP_POOL, OP_GLOBAL_AVGPOOL */
    long filters;         /* OP_CONV; OP_RECURRENT: units */
    LayerKind cell;       /* OP_RECURRENT: LAYER_RNN, LAYER_LSTM or LAYER_GRU */
    long steps, features; /* OP_RECURRENT: its input is (steps, features); OP_DENSE
                             on a sequence: applied to each of steps (else 0) */
    int sequences;        /* OP_RECURRENT: y holds every step's h, not the last */
    PoolKind pool;        /* OP_POOL */
    long im2col_rows;     /* OP_CONV, OP_CONV_TRANSPOSE: samples a product */
    long wino_tiles;      /* OP_CONV by KERNEL_WINOGRAD: output tiles a group */
    long wino_samples;    /* ... and samples a call: several where a sample has few tiles */
    Kernel kernel;
    long block_rows;      /* OP_DENSE, trained: W's rows per block; else 0 */
    int mm;               /* OP_DENSE, OP_CONV, OP_CONV_TRANSPOSE: the products by nnrt_mm
                             (nnrt_kernels.h), not cblas_sgemm (pick_kernels.c) */
    int mm_dx;            /* OP_DENSE: dx = dz W^T by nnrt_mm too, over a copy of W^T */
    int mm_nt;            /* OP_CONV by nnrt_mm with under MM_NARROW_FILTERS filters:
                             forward and dW by dot products along the window */
    const char *row_in, *row_out; /* OP_DENSE: the macros of a row's widths, x's and y's
                             (IN, DENSE128_OUT), or a step's on a sequence
                             (DENSE28_STEP_INPUTS, DENSE28_STEP_UNITS) */
    LossKind loss;
    int fused_into_loss;  /* softmax whose backward the loss does (y - t) */
    int act_grad_in_loss; /* dense whose sigmoid' the loss applies (p - t) */
    int dead;             /* fused away: pass_remove_dead drops it */
} IrOp;

typedef struct Ir {
    const Model *model;
    IrOp *ops;
    int n_ops, cap_ops;
    IrBuf *bufs;
    int n_bufs, cap_bufs;
    int input_buf, output_buf;
    long max_batch;
} Ir;

int ir_add_buf(Arena *a, Ir *ir, const char *name, const char *width_macro, long width);
IrOp *ir_add_op(Arena *a, Ir *ir, OpKind kind, const char *name);
Ir *lower_model(Arena *a, const Model *m);

/* ---- passes/: each rewrites the IR in place ------------------------------ */

void pass_fuse_activation(Ir *ir);    /* dense + relu, tanh, ... -> dense with epilogue */
void pass_fuse_softmax_ce(Ir *ir);    /* softmax + cross-entropy -> gradient y - t */
void pass_remove_dead(Ir *ir);        /* drop the ops a fusion marked dead */
void pass_fuse_sigmoid_bce(Ir *ir);   /* sigmoid + binary cross-entropy -> p - t */
void pass_pick_kernels(Ir *ir);       /* nnrt_mm or cblas_sgemm, by the cost rules */
void passes_run(Ir *ir);

/* im2col copies this many output pixels' windows (whole samples) per
 * sgemm call: big enough for OpenBLAS's blocking to pay, small enough that
 * the copy stays in L2/L3. */
#define IM2COL_TARGET_ROWS 1024

/* A trained dense layer's W goes in blocks of whole rows of about this
 * many values, at least DENSE_BLOCK_MIN_ROWS rows (pick_kernels.c) */
#define DENSE_BLOCK_VALUES 16384
#define DENSE_BLOCK_MIN_ROWS 128
/* A layer whose weights (for dense with blocks: a block) have at most this
 * many values has its products computed by nnrt_mm; a bigger one, by
 * cblas_sgemm (pick_kernels.c has the numbers) */
#define MM_MAX_VALUES (1L << 18)
/* A conv2d by nnrt_mm with fewer filters than this (a vector's lanes with
 * AVX2) computes forward and dW by dot products along each window
 * (nnrt_mm_bias_nt), not nnrt_mm's tiles, which fill a lane a filter */
#define MM_NARROW_FILTERS 8
/* A conv2d of stride 1 and a 3x3 or 5x5 window, nnrt_mm's, with at least
 * WINO_MIN_CHANNELS input channels and MM_NARROW_FILTERS filters, goes by
 * Winograd's F(4x4, 3x3) or F(4x4, 5x5), WINO_GROUP_TILES output tiles
 * (or fewer, as even) a group, of several samples where a sample has at
 * most half that many (pick_kernels.c) */
#define WINO_MIN_CHANNELS 8
#define WINO_GROUP_TILES 18
/* A Winograd tile's points per side (6 for 3x3, 8 for 5x5), and its
 * output rows (and columns): WINO_POINTS(k) - k + 1, 4 for both */
#define WINO_POINTS(k) ((k) + 3)
#define WINO_TILE(k) (WINO_POINTS(k) - (k) + 1)
/* A dense layer's dx = dz W^T goes by nnrt_mm over a copy of W^T only when
 * W has at most this many values: the copy is made every backward */
#define MM_DX_MAX_VALUES 16384

/* "cblas_sgemm", "nnrt_mm", "im2col+nnrt_mm": how op's products are computed */
const char *kernel_name(const IrOp *op);
/* A dense layer's W in blocks of rows shared out among the threads
 * (pass_pick_kernels chose op->block_rows): the rows of a block (the last
 * may have fewer; all of W's when it is whole), and the blocks (1 for a
 * frozen layer or any other op) */
long weight_block_rows(const IrOp *op);
long weight_blocks(const IrOp *op);
/* Whether nnrt_mm_bias applies act in its last step (relu, identity):
 * others take a loop of their own after it */
int mm_fuses(Activation act);
const char *pool_name(PoolKind p);    /* "max", "avg", "sum" */

/* ---- emit_c.c: the C file ----------------------------------------------- */

/* Writes the C for ir; exits with status 2 if a name nnc made for it is no
 * C identifier (a bug in nnc, not in the .nn file). */
void emit_c(FILE *out, const Ir *ir);

/* ---- emit_escape.c: user text in the C file, one function per context ---- */

/* text as a C string literal, quotes included, that holds exactly its
 * bytes: " and \ escaped, ?? broken (no trigraph), control and non-ASCII
 * bytes as \n, \r, \t or three octal digits. */
void c_string_literal(FILE *out, const char *text);
/* len bytes of text inside a C comment, where nothing can end the comment,
 * open a nested one, form a trigraph or join the next line: the pairs
 * `*` `/`, `/` `*` and `??` get a space between them, control and non-ASCII
 * bytes are escaped as in a string, a last backslash is followed by a
 * space.  The caller's text just before and after must not end or start
 * such a pair (a space or a letter either side is safe). */
void c_comment_text(FILE *out, const char *text, size_t len);
void c_comment_str(FILE *out, const char *text);      /* the same, to its NUL */
/* Whether text is a C identifier: a letter or '_', then letters, digits, '_' */
int is_c_identifier(const char *text);

/* ---- canon.c: a model's meaning as text, and its hash ------------------ */

/* The canonical text (see canon.c for its rules): of one argument, of one
 * statement on one line (without its block), of the whole model. */
void canon_number(FILE *out, double v);
void canon_arg(FILE *out, const Arg *a, const Model *m);
void canon_stmt(FILE *out, const Stmt *s, const Model *m);
void canon_model(FILE *out, const Model *m);
/* SHA-256 of canon_model's text, as 64 hex digits and a NUL. */
void canon_hash(const Model *m, char hex[65]);

/* ---- summary.c: what `nnc check` prints ---------------------------------- */

/* One row of the table: what a layer does and what it costs. */
typedef struct SummaryRow {
    const Layer *layer;   /* its name, shapes and n_params */
    char what[80];        /* "dense 128 relu", "conv2d 32 5x5 /2 relu" */
    long macs;            /* multiply-adds of one sample, forward */
    double act_bytes;     /* its activations in one training batch */
    char kernel[48];      /* its dense or conv2d op's kernel_name(), and how many
                             blocks W is cut into: "nnrt_mm, 7 blocks"; else "" */
} SummaryRow;

/* A row per layer of m, in order; malloc'ed: the caller frees it. */
SummaryRow *summary_rows(const Model *m, const Ir *ir);
/* A layer's multiply-adds for one sample, forward (the table's column) */
long layer_macs(const Layer *l);
void print_summary(FILE *out, const Model *m, const Ir *ir);
/* explain_kernels.c: `nnc check --explain-kernels`, each dense and conv2d
 * layer's cost-rule inputs and the kernel of each of its products */
void print_kernel_reasons(FILE *out, const Ir *ir);
/* The same table and training settings, without the path, as lines of the
 * comment the caller has opened at the top of the generated C. */
void emit_overview(FILE *out, const Model *m, const Ir *ir);

/* ---- diff.c: nnc diff A.nn B.nn ------------------------------------------ */

/* What changed in meaning from a to b, printed to stdout for a reviewer.
 * Exit status as diff(1)'s: 0 the same meaning, 1 differences, 2 an
 * input that does not check (its diagnostics on stderr). */
int diff_command(int argc, char **argv);

/* check_data.c: a warning for each data file m names that this machine
 * has nowhere, naming the places looked in (nnc's commands, not the
 * checker: a model may be built where its data is not) */
void warn_missing_data(Diag *d, const Model *m);

/* ---- footprint.c: the trainer's static data, a replica's arrays ---------- */

/* Bytes of the static arrays of the generated C, float and double twin */
double ir_static_bytes(const Ir *ir);
/* An error at the largest layer if they pass what x86-64 can link, or at a
 * layer whose array in a replica int cannot index; 1 then */
int ir_check_footprint(const Ir *ir, Diag *d);
/* The most rows of the batch whose arrays int indexes, each op's as
 * lowered (lower.c sets MAX_BATCH with it, before the passes) */
long ir_rows_that_fit(const Ir *ir);

/* ---- run_model.c: a run's .nn file, for nnc report ------------------------ */

/* The layers of the .nn file source, a setting each ("layer.NAME" =
 * "dense 512 elu l2=0.001: output 512, 401920 params"), in the arena, when
 * its model hash is model_hash; else none (*n 0): a file missing, edited
 * since the run, or built with -D.  Says nothing; returns 0. */
struct nnrt_setting;
int run_model_layers(Arena *a, const char *source, const char *model_hash,
                     struct nnrt_setting **out, int *n);

/* ---- compile.c: one call from .nn text to IR ---------------------------- */

/* Parse, check, lower and run the passes.  Returns NULL after printing
 * diagnostics to d if the source has errors. */
Ir *compile_source(Arena *a, const Source *src, Diag *d, Model **model_out);
/* The same, with -D overrides. */
Ir *compile_source_with(Arena *a, const Source *src, Diag *d, const Define *defs, int n_defs,
                        Model **model_out);

#endif
