/* emit.h: what the C emitter's files share.  Not used outside them.
 *
 * Which file holds what:
 *   emit_c.c          the driver: emit_c() and the file's sections in order
 *                     (header, constants, params, struct nnrt_replica, each
 *                     op's section, drivers, PARAMS and the double twin, MODEL)
 *   emit_util.c       helpers the other files share (below)
 *   emit_dense.c      dense
 *   emit_activation.c activation loops and gradients, elementwise ops, softmax
 *   emit_dropout.c    dropout
 *   emit_conv.c       conv2d;  emit_pool.c: the pools;  emit_batchnorm.c
 *   emit_recurrent.c  rnn, lstm, gru and their backward through time
 *   emit_upsample.c, emit_conv_transpose.c: a convolutional decoder's layers
 *   emit_embedding.c  embedding: a text's character ids as rows of W
 *   emit_loss.c       loss() and its gradient
 *   emit_penalty.c    l1/l2 regularization: penalty() and its gradient
 *   emit_model.c      MODEL and the tables only it uses
 *   emit_transfer.c, emit_augment.c: MODEL's .transfers and .augment
 *   emit_escape.c     C string literals and comments (declared in nnc.h)
 *
 * What the emitted code reads and writes is of two kinds, and each emitter
 * writes the one it means (docs/parallel.md):
 *   the replica's      every activation and its gradient, dropout's mask,
 *                      each op's scratch, the trained tensors' gradients:
 *                      `rep->dense128_y[i]`, `rep->d_dense128_y`,
 *                      `rep->dense128_dw`.  Every function of a section
 *                      takes `Replica *rep` first and passes it on.
 *   shared, static     the parameters and batchnorm's moving statistics:
 *                      `dense128_w`, `dense128_b`.
 * An op declares the members it adds to struct nnrt_replica with its
 * OP_EMIT row's `fields` (below, FieldGroup); the driver prints the struct
 * before any section, so a member's size is written in numbers and the
 * file's constants (SHARD_ROWS, widths), never in a section's own macros. */
#ifndef EMIT_H
#define EMIT_H

#include "nnc.h"

typedef struct Emitter {
    FILE *out;
    const Ir *ir;
    const Model *m;
    unsigned char *used;   /* per buffer: referenced by a live op */
} Emitter;

#define OUT(...) fprintf(e->out, __VA_ARGS__)

/* ---- emit_util.c: shared helpers ---- */

/* The shortest C float literal that reads back as the same float. */
const char *float_lit(char *buf, size_t len, double v);
/* The comment naming the layer a piece of code came from and quoting its
 * statement in canonical form (left open): slash-star dense1: dense 128 relu */
/* Whether each row's targets are a vector the runtime fills in the
 * replica's target[] (a regression's values, soft targets, multi-label
 * 0/1 rows), rather than integer labels alone */
static inline int has_target_rows(const Model *m)
{
    return m->regress || m->soft_targets || m->multi_label;
}

void emit_source_line(Emitter *e, const Stmt *s);
/* Statement s in canonical form (canon.c), escaped for a comment */
void emit_where(Emitter *e, const Stmt *s);
const IrBuf *buf(const Emitter *e, int i);
/* Whether op's tensors train (it has some, and is not trainable=false) */
int trains(const IrOp *op);
/* Whether op's backward has work to do: tensors to train, or a gradient to
 * pass back to its input.  Ops without are left out of backward(). */
int needs_backward(const Emitter *e, const IrOp *op);
/* The comment in place of a backward left out */
void emit_no_backward(Emitter *e, const IrOp *op);
/* The comment where a backward passes no gradient on to x */
void emit_no_input_grad(Emitter *e, const IrBuf *x);
void upper(char *dst, size_t len, const char *src);          /* "conv1" -> "CONV1" */
/* The number of weights of a dense or conv2d op, as a C expression:
 * "IN * DENSE1_OUT", "5 * 5 * 1 * 32" */
const char *kernel_count(const IrOp *op, char *buf, size_t len);
/* A PARAMS row's gradient: "dense1_dw", or "NULL" for a frozen layer */
void grad_name(char *out, size_t len, const IrOp *op, const char *suffix);
/* A kernel's init as NNRT_INIT_<init>'s suffix, and its scale as a literal */
void kernel_init(const IrOp *op, char *init, size_t len, char *scale, size_t slen);

/* ---- each op's section: its forward and backward (the driver's OP_EMIT
 * table in emit_c.c says which function an op kind has) ---- */

void emit_dense(Emitter *e, const IrOp *op);               /* emit_dense.c */
void emit_activation(Emitter *e, const IrOp *op);          /* emit_activation.c: */
void emit_elementwise(Emitter *e, const IrOp *op);         /*   gelu, softplus, swish */
void emit_softmax(Emitter *e, const IrOp *op);             /*   softmax */
void emit_dropout(Emitter *e, const IrOp *op);             /* emit_dropout.c */
void emit_conv(Emitter *e, const IrOp *op);                /* emit_conv.c */
void emit_pool(Emitter *e, const IrOp *op);                /* emit_pool.c */
void emit_global_avgpool(Emitter *e, const IrOp *op);      /* emit_pool.c */
void emit_batchnorm(Emitter *e, const IrOp *op);           /* emit_batchnorm.c */
void emit_recurrent(Emitter *e, const IrOp *op);           /* emit_recurrent.c: rnn, lstm, gru */
void emit_upsample(Emitter *e, const IrOp *op);            /* emit_upsample.c */
void emit_conv_transpose(Emitter *e, const IrOp *op);      /* emit_conv_transpose.c */
void emit_embedding(Emitter *e, const IrOp *op);           /* emit_embedding.c */
/* emit_loss.c: the loss function, and its gradient */
void emit_loss(Emitter *e, const IrOp *op);

/* ---- each op's members of struct nnrt_replica ---- */

/* The struct lists its members in groups, each over the ops in network
 * order: the activations and their gradients (the driver's), then */
typedef enum FieldGroup {
    FIELDS_MASKS,     /* what is kept beside them: dropout's mask; then the
                         regression's targets (the driver's) */
    FIELDS_SCRATCH,   /* an op's own buffers: conv2d's padded sample and
                         im2col rows, maxpool's argmax, batchnorm's xhat */
    FIELDS_GRADS,     /* the gradients of the tensors it trains */
} FieldGroup;

/* How a member of the struct starts, and a parameter: each on a cache line
 * of its own (nnrt.h: NNRT_ALIGNED) */
#define MEMBER "    NNRT_ALIGNED real "
#define PARAM "static NNRT_ALIGNED real "

/* Each prints its op's members of group, MEMBER "conv32_pad[32 * 32 * 1];",
 * one line each (or several names of one type on a line) */
void emit_dense_fields(Emitter *e, const IrOp *op, FieldGroup group);      /* emit_dense.c */
void emit_dropout_fields(Emitter *e, const IrOp *op, FieldGroup group);    /* emit_dropout.c */
void emit_conv_fields(Emitter *e, const IrOp *op, FieldGroup group);       /* emit_conv.c */
void emit_pool_fields(Emitter *e, const IrOp *op, FieldGroup group);       /* emit_pool.c */
void emit_batchnorm_fields(Emitter *e, const IrOp *op, FieldGroup group);  /* emit_batchnorm.c */
void emit_recurrent_fields(Emitter *e, const IrOp *op, FieldGroup group);  /* emit_recurrent.c */
void emit_conv_transpose_fields(Emitter *e, const IrOp *op, FieldGroup group);
void emit_embedding_fields(Emitter *e, const IrOp *op, FieldGroup group);

/* ---- each op's rows of PARAMS ---- */

void emit_dense_params(Emitter *e, const IrOp *op);        /* emit_dense.c */
void emit_conv_params(Emitter *e, const IrOp *op);         /* emit_conv.c */
void emit_batchnorm_params(Emitter *e, const IrOp *op);    /* emit_batchnorm.c */
void emit_recurrent_params(Emitter *e, const IrOp *op);    /* emit_recurrent.c */
void emit_conv_transpose_params(Emitter *e, const IrOp *op);   /* emit_conv_transpose.c */
void emit_embedding_params(Emitter *e, const IrOp *op);    /* emit_embedding.c */

/* ---- emit_activation.c, shared with dense and conv2d ---- */

/* `const float a = 0.2f;` for leaky_relu's slope or elu's alpha, else nothing */
void emit_act_param(Emitter *e, Activation act, double param);
/* y = act(y) over n rows of width floats, in place; y names the buffer,
 * and the loop writes the replica's: rep->y */
void emit_activation_loop(Emitter *e, Activation act, const char *y, const char *width);
/* act's value as C from v ("v > 0 ? v : 0"), NULL for identity and softmax */
const char *activation_value(Activation act);
/* the act argument of nnrt_mm_bias that applies act ("NNRT_RELU"), or NULL
 * where act needs its own loop after */
const char *mm_act(Activation act);
/* act's derivative as C from its output y ("(1 - y * y)"), or NULL where
 * it is no function of y alone (activation_grad_from_output, nnc.h) */
const char *activation_grad_y(Activation act);
/* rep->d_y *= act'(rep->y), in place, act' written in terms of the output y */
void emit_activation_grad(Emitter *e, Activation act, const char *y, const char *width);

/* ---- emit_conv_winograd.c: conv2d's forward and dx by Winograd's tiles ---- */

/* Rows (or columns) of a sample zero-padded for tiles over out outputs of
 * a k-tap window */
long winograd_padded(long out, long k);
void emit_winograd_macros(Emitter *e, const IrOp *op);   /* TG; DPH .. for dx */
void emit_winograd_undefs(Emitter *e, const IrOp *op);
void emit_winograd_forward(Emitter *e, const IrOp *op);
void emit_winograd_backward(Emitter *e, const IrOp *op);
/* The replica's fields it needs, the padded sample ph x pw among them */
void emit_winograd_scratch(Emitter *e, const IrOp *op, long ph, long pw);
/* emit_conv.c's: a conv's backward up to dz = dy * act'(y) */
void emit_conv_backward_head(Emitter *e, const IrOp *op);

/* ---- emit_conv.c, shared with emit_pool.c ---- */

/* #define H 28 ... of a window op's section, and their #undef after it */
void emit_window_macros(Emitter *e, const Window *w, const char *what);
void emit_window_undefs(Emitter *e);
/* The PARAMS rows of a window op's W (4-D, dims as C) and b (one a
 * filter), with W's fans; emit_conv_transpose.c's too */
void emit_window_kernel_params(Emitter *e, const IrOp *op, const char *dims, long fan_in,
                               long fan_out);

/* ---- emit_c.c: the drivers ---- */

/* forward and backward in stages (a trained batchnorm: nnrt.h, nnrt_stage);
 * MODEL's and the twin's rows for them */
int has_stages(const Emitter *e);
void emit_driver_fields(Emitter *e);

/* ---- emit_penalty.c ---- */

/* Whether any kernel is regularized: then penalty() exists */
int has_penalty(const Emitter *e);
/* penalty(): l1 sum |w| + l2 sum w^2 over the regularized kernels */
void emit_penalty(Emitter *e);
/* d(l1 |w| + l2 w^2)/dw added to op's dW (rep->conv32_dw), over count weights */
void emit_regularization_grad(Emitter *e, const IrOp *op, const char *count);

/* ---- emit_model.c, emit_transfer.c, emit_augment.c: MODEL ---- */

/* static const char *const INPUT_COLUMNS[] = ..., for a CSV model */
void emit_columns(Emitter *e);
/* static const char *const CLASS_NAMES[] = ..., if the model names them */
void emit_class_names(Emitter *e);
/* static const nnrt_model MODEL = ...; and main() */
void emit_model(Emitter *e);
/* emit_transfer.c: the TRANSFERS table, and MODEL's .keep_classes and
 * .transfers fields */
void emit_transfers(Emitter *e);
void emit_transfer_fields(Emitter *e);
/* emit_augment.c: the .augment field of the model description, if any */
void emit_augment(Emitter *e);

/* One row of PARAMS, every field as the C will read it. */
typedef struct ParamRow {
    const IrOp *op;
    const char *tensor;       /* "w", "gamma": after "<layer>." */
    const char *value;        /* the buffer's name after "<layer>_" */
    int ndims;
    char dims[160], size[160], grad[96], init[32], fan_in[64], fan_out[64], scale[64];
    char grad_x[96], grad_dy[96];   /* a gradient by rows: its product's operands, or "" */
    char block_rows[64];            /* and the rows of its blocks: "128", "IN" */
} ParamRow;

void emit_param_row(Emitter *e, const ParamRow *r);   /* emit_util.c */
/* A gradient's place in the replica: "offsetof(Replica, dense1_dw)", or "0"
 * for grad_name()'s NULL (emit_c.c) */
const char *grad_at(const char *grad, char *out, size_t len);

/* emit_weight_grad.c: a dense layer's dW computed by the runtime after
 * backward, by rows, on its threads: whether op's is, the function's name
 * ("NULL" if not), and the functions */
int defers_weight_grad(const IrOp *op);
/* Such a layer's rows of a block (weight_block_rows, nnc.h) as C: the
 * input's width macro when one block holds all of W's rows (so a change
 * of that width changes only its #define), else the number */
const char *weight_block_rows_c(const IrOp *op, char *out, size_t len);
const char *weight_grad_fn(const IrOp *op, char *out, size_t len);
void emit_weight_grads(Emitter *e);

/* How many shards a batch is cut into (emit_c.c) */
int shard_count(const Ir *ir);

#endif
