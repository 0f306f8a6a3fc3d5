/* emit.h: what the C emitter's files share.  Not used outside them. */
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

/* The shortest C float literal that reads back as the same float. */
const char *float_lit(char *buf, size_t len, double v);
/* The comment naming the layer a piece of code came from and quoting its
 * statement in canonical form (left open): slash-star dense1: dense 128 relu */
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

/* emit_transfer.c: the TRANSFERS table, and MODEL's .keep_classes and
 * .transfers fields */
void emit_transfers(Emitter *e);
void emit_transfer_fields(Emitter *e);

/* emit_loss.c: the loss function, and its gradient */
void emit_loss(Emitter *e, const IrOp *op);

/* emit_augment.c: the .augment field of the model description, if any */
void emit_augment(Emitter *e);

/* emit_c.c, shared with the per-op files */
void upper(char *dst, size_t len, const char *src);          /* "conv1" -> "CONV1" */
/* `const float a = 0.2f;` for leaky_relu's slope or elu's alpha, else nothing */
void emit_act_param(Emitter *e, Activation act, double param);
/* y = act(y) over n rows of width floats, in place */
void emit_activation_loop(Emitter *e, Activation act, const char *y, const char *width);
/* d_y *= act'(y), in place, act' written in terms of the output y */
void emit_activation_grad(Emitter *e, Activation act, const char *y, const char *width);
/* d(l1 |w| + l2 w^2)/dw added to op's dW, over count weights */
void emit_regularization_grad(Emitter *e, const IrOp *op, const char *count);
/* The number of weights of a dense or conv2d op, as a C expression:
 * "IN * DENSE1_OUT", "5 * 5 * 1 * 32" */
const char *kernel_count(const Emitter *e, const IrOp *op, char *buf, size_t len);

/* emit_conv.c, emit_pool.c, emit_batchnorm.c: each op's section */
void emit_conv(Emitter *e, const IrOp *op);
void emit_pool(Emitter *e, const IrOp *op);
void emit_global_avgpool(Emitter *e, const IrOp *op);
void emit_batchnorm(Emitter *e, const IrOp *op);
/* #define H 28 ... of a window op's section, and their #undef after it */
void emit_window_macros(Emitter *e, const Window *w, const char *what);
void emit_window_undefs(Emitter *e);

#endif
