/* footprint.c: the static data of a trainer, and whether it fits.
 *
 * The generated C keeps every tensor, activation and scratch buffer in a
 * static array sized at compile time (nothing is allocated in the training
 * loop), and the trainer links that file twice: as itself (float) and as
 * its double-precision twin for gradcheck (nnrt.h: nnrt_twin).  So each
 * value costs 4 + 8 bytes, each int index 4 + 4.  x86-64's default (small)
 * code model reaches every static object with a 32-bit offset: all of them
 * together must fit in 2 GiB, or the link fails.  (Optimizer state is on
 * the runtime's heap and does not count.)  The arrays counted here are the
 * ones emit_c.c, emit_conv.c, emit_batchnorm.c and emit_pool.c declare;
 * test_footprint.c holds the count to the linker's own. */
#include "nnc.h"

enum {
    REAL_BYTES = 4 + 8,   /* a float in the trainer, a double in its twin */
    INT_BYTES = 4 + 4,
};

/* What nnc allows itself of the 2 GiB: the runtime's own static data, the
 * code and the C library take a few MiB; this leaves them 16 MiB. */
#define STATIC_LIMIT_BYTES (2048.0 * 1024 * 1024 - 16.0 * 1024 * 1024)

static int op_trains(const IrOp *op)
{
    return (op->kind == OP_DENSE || op->kind == OP_CONV || op->kind == OP_BATCHNORM) &&
           op->layer && !op->layer->frozen;
}

/* The values in op's parameters and their gradients (emit_c.c: emit_params) */
static double param_reals(const IrOp *op)
{
    double n = 0;
    if (op->kind == OP_DENSE)
        n = (double)op->n_in * op->n_out + op->n_out;
    else if (op->kind == OP_CONV)
        n = (double)op->win.kh * op->win.kw * op->win.c * op->filters + op->filters;
    else if (op->kind == OP_BATCHNORM) {
        const Shape *sh = &op->layer->out;
        double ch = (double)sh->dims[sh->ndims - 1];
        return op_trains(op) ? 6 * ch : 4 * ch;   /* gamma, beta (grads), moving stats */
    }
    return op_trains(op) ? 2 * n : n;
}

/* Bytes of op's own scratch: conv2d's padded sample and im2col rows
 * (emit_conv.c), batchnorm's xhat (emit_batchnorm.c), maxpool's argmax
 * (emit_pool.c), dropout's mask (emit_c.c: emit_buffers) */
static double scratch_bytes(const Ir *ir, const IrOp *op)
{
    const Window *w = &op->win;
    double rows = (double)ir->max_batch;
    switch (op->kind) {
    case OP_CONV: {
        double pad = (double)((w->oh - 1) * w->sh + w->kh) * ((w->ow - 1) * w->sw + w->kw) * w->c;
        double n = ir->bufs[op->in].needs_grad ? 2 * pad : pad;
        if (op->kernel == KERNEL_IM2COL)
            n += (double)op->im2col_rows * w->oh * w->ow * w->kh * w->kw * w->c;
        return n * REAL_BYTES;
    }
    case OP_BATCHNORM: {
        const Shape *sh = &op->layer->out;
        return op_trains(op) ? (rows * op->n_out + sh->dims[sh->ndims - 1]) * REAL_BYTES : 0;
    }
    case OP_POOL:
        return op->pool == POOL_MAX ? rows * op->n_out * INT_BYTES : 0;
    case OP_DROPOUT:
        return rows * ir->bufs[op->in].width * REAL_BYTES;
    default:
        return 0;
    }
}

/* Bytes of an activation buffer and its gradient (emit_c.c: emit_buffers) */
static double buffer_bytes(const Ir *ir, int i)
{
    const IrBuf *b = &ir->bufs[i];
    return (double)ir->max_batch * b->width * (b->needs_grad ? 2 : 1) * REAL_BYTES;
}

/* The bytes op brings: its tensors, its scratch, its output */
static double op_bytes(const Ir *ir, const IrOp *op)
{
    double n = param_reals(op) * REAL_BYTES + scratch_bytes(ir, op);
    if (op->out >= 0 && op->out != op->in)
        n += buffer_bytes(ir, op->out);
    return n;
}

double ir_static_bytes(const Ir *ir)
{
    double total = buffer_bytes(ir, ir->input_buf);
    for (int i = 0; i < ir->n_ops; i++)
        total += op_bytes(ir, &ir->ops[i]);
    if (ir->model->regress)
        total += (double)ir->max_batch * ir->bufs[ir->output_buf].width * REAL_BYTES;
    return total;
}

static double gib(double bytes) { return bytes / (1024.0 * 1024 * 1024); }

int ir_check_footprint(const Ir *ir, Diag *d)
{
    double total = ir_static_bytes(ir);
    if (total <= STATIC_LIMIT_BYTES)
        return 0;
    const IrOp *big = NULL;
    for (int i = 0; i < ir->n_ops; i++)
        if (ir->ops[i].layer && (!big || op_bytes(ir, &ir->ops[i]) > op_bytes(ir, big)))
            big = &ir->ops[i];
    diag_error(d, big->stmt->line_loc,
               "the trainer's static buffers need %.2f GiB, more than the %.2f GiB a trainer "
               "can hold", gib(total), gib(STATIC_LIMIT_BYTES));
    diag_note(d, "x86-64 links at most 2 GiB of static data, and each value is there twice: "
                 "a float, and a double for gradcheck");
    diag_note(d, "%s needs %.2f GiB of it: %.0f parameters, their gradients, and MAX_BATCH = %ld "
                 "rows of its %ld outputs; make the layers smaller",
              big->name, gib(op_bytes(ir, big)), param_reals(big) / (op_trains(big) ? 2 : 1),
              ir->max_batch, big->n_out);
    return 1;
}
