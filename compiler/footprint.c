/* footprint.c: the static data of a trainer, and whether it fits; and
 * whether int indexes every array of a replica (below).
 *
 * The generated C keeps the parameters (and batchnorm's moving statistics)
 * in static arrays sized at compile time; everything per replica
 * (activations, their gradients, scratch, the parameters' gradients: nnrt.h,
 * nnrt_replica) is one block the runtime allocates at start-up, and does
 * not count here.  The trainer links that file twice: as itself (float)
 * and as its double-precision twin for gradcheck (nnrt.h: nnrt_twin).  So
 * each value costs 4 + 8 bytes.  x86-64's default (small) code model
 * reaches every static object with a 32-bit offset: all of them together
 * must fit in 2 GiB, or the link fails.  (Optimizer state is on the
 * runtime's heap and does not count either.)  The arrays counted here are
 * the ones emit_c.c's emit_params declares; test_footprint.c holds the
 * count to the linker's own. */
#include "nnc.h"

enum {
    REAL_BYTES = 4 + 8,   /* a float in the trainer, a double in its twin */
};

/* What nnc allows itself of the 2 GiB: the runtime's own static data, the
 * code and the C library take a few MiB; this leaves them 16 MiB. */
#define STATIC_LIMIT_BYTES (2048.0 * 1024 * 1024 - 16.0 * 1024 * 1024)

/* The values of op's parameters and state (emit_c.c: emit_params) */
static double param_reals(const IrOp *op)
{
    if (op->kind == OP_DENSE)
        return (double)op->n_in * op->n_out + op->n_out;
    if (op->kind == OP_CONV || op->kind == OP_CONV_TRANSPOSE)
        return (double)op->win.kh * op->win.kw * op->win.c * op->filters + op->filters;
    if (op->kind == OP_EMBEDDING)   /* W and the vocabulary */
        return (double)op->layer->vocab * (op->filters + 1);
    if (op->kind == OP_RECURRENT) {
        double g = (double)recurrent_gates(op->cell) * op->filters;
        return (op->features + op->filters) * g + (op->cell == LAYER_GRU ? 2 : 1) * g;
    }
    if (op->kind == OP_BATCHNORM) {
        const Shape *sh = &op->layer->out;
        return 4.0 * (double)sh->dims[sh->ndims - 1];   /* gamma, beta, moving stats */
    }
    return 0;
}

static double op_bytes(const IrOp *op)
{
    return param_reals(op) * REAL_BYTES;
}

double ir_static_bytes(const Ir *ir)
{
    double total = 0;
    for (int i = 0; i < ir->n_ops; i++)
        total += op_bytes(&ir->ops[i]);
    return total;
}

static double gib(double bytes) { return bytes / (1024.0 * 1024 * 1024); }

/* ---- a replica's arrays -------------------------------------------------
 *
 * The generated C and nnrt_kernels.h index arrays with int, and the sizes
 * of a replica's arrays are int constant expressions: every array must
 * hold fewer than 2^31 values, or the C compiler fails on it (a negative
 * size) or the trainer indexes past 2^31 (undefined behaviour).  Per
 * sample, a tensor is at most MAX_TENSOR (check_network.c); what is
 * counted here is what a replica and the runtime hold of it: MAX_BATCH rows
 * of each activation, and each op's scratch as emit_*_fields declare it,
 * or a bound above it. */

/* Under 2^31 with room for NNRT_SLACK (nnrt_kernels.h) and a row's index */
#define INDEX_LIMIT (2147483647.0 - 4096)

/* Values a row of the batch adds to op's largest array (0: none of its
 * arrays grows with the rows) */
static double values_a_row(const Ir *ir, const IrOp *op)
{
    double row = op->out >= 0 ? (double)ir->bufs[op->out].width : 0;
    if (op->kind == OP_DENSE && weight_blocks(op) > 1) {   /* x W by blocks: parts */
        double parts = (double)(weight_blocks(op) - 1) * op->n_out;
        row = parts > row ? parts : row;
    }
    if (op->kind == OP_RECURRENT) {   /* every step's gates */
        double gates = (double)op->steps * recurrent_gates(op->cell) * op->filters;
        row = gates > row ? gates : row;
    }
    return row;
}

/* The values of op's largest array that holds no whole rows: conv2d's
 * (and conv2d_transpose's) padded sample and windows, Winograd's tiles */
static double scratch_values(const IrOp *op)
{
    const Window *w = &op->win;
    if (op->kind == OP_CONV && op->kernel == KERNEL_WINOGRAD) {
        /* a side of the padded sample or dz (emit_conv_winograd.c):
           at most the longer side, a tile more, and the window twice */
        long side_h = (w->h > w->oh ? w->h : w->oh) + 2 * w->kh + 4;
        long side_w = (w->w > w->ow ? w->w : w->ow) + 2 * w->kw + 4;
        long ch = w->c > op->filters ? w->c : op->filters;
        double pad = (double)op->wino_samples * side_h * side_w * ch;
        double a = WINO_POINTS(w->kh);
        double points = a * a * ((double)op->wino_tiles * (ch + 16) + 16);
        return pad > points ? pad : points;
    }
    if (op->kind == OP_CONV) {
        double pad = (double)((w->oh - 1) * w->sh + w->kh) * ((w->ow - 1) * w->sw + w->kw) * w->c;
        double col = (double)op->im2col_rows * w->oh * w->ow * w->kh * w->kw * w->c;
        return pad > col ? pad : col;
    }
    if (op->kind == OP_CONV_TRANSPOSE) {
        double pad = (double)((w->h - 1) * w->sh + w->kh) * ((w->w - 1) * w->sw + w->kw) *
                     op->filters;
        double col = (double)op->im2col_rows * w->h * w->w * w->kh * w->kw * op->filters;
        return pad > col ? pad : col;
    }
    return 0;
}

long ir_rows_that_fit(const Ir *ir)
{
    double row = (double)ir->bufs[ir->input_buf].width;
    for (int i = 0; i < ir->n_ops; i++) {
        double r = values_a_row(ir, &ir->ops[i]);
        row = r > row ? r : row;
    }
    return (long)(INDEX_LIMIT / row);
}

static int check_replica(const Ir *ir, Diag *d)
{
    const Model *m = ir->model;
    double input = (double)ir->max_batch * ir->bufs[ir->input_buf].width;
    if (input > INDEX_LIMIT) {
        diag_error(d, m->layers[0].stmt->line_loc,
                   "%ld rows of %ld input values make an array of %.0f values; a trainer's "
                   "arrays hold fewer than 2^31", ir->max_batch,
                   ir->bufs[ir->input_buf].width, input);
        diag_note(d, "a trainer holds a batch's rows (and evaluates %ld at a time) in one "
                     "array, indexed by int: make the input or the batch smaller",
                  ir->max_batch);
        return 1;
    }
    for (int i = 0; i < ir->n_ops; i++) {
        const IrOp *op = &ir->ops[i];
        double rows = (double)ir->max_batch * values_a_row(ir, op);
        double scratch = scratch_values(op);
        if (rows <= INDEX_LIMIT && scratch <= INDEX_LIMIT)
            continue;
        const Stmt *s = op->stmt ? op->stmt : m->layers[m->n_layers - 1].stmt;
        diag_error(d, s->line_loc,
                   "%s needs an array of %.0f values; a trainer's arrays hold fewer than 2^31",
                   op->name, rows > scratch ? rows : scratch);
        if (rows > scratch)
            diag_note(d, "it holds %ld rows of %.0f values each (the batch, or the rows "
                         "evaluated at a time), indexed by int: make the layer or the batch "
                         "smaller", ir->max_batch, values_a_row(ir, op));
        else
            diag_note(d, "that is its scratch for a sample's windows, indexed by int: make "
                         "the image, its channels or the window smaller");
        return 1;
    }
    return 0;
}

static int check_static(const Ir *ir, Diag *d)
{
    double total = ir_static_bytes(ir);
    if (total <= STATIC_LIMIT_BYTES)
        return 0;
    const IrOp *big = NULL;
    for (int i = 0; i < ir->n_ops; i++)
        if (ir->ops[i].layer && (!big || op_bytes(&ir->ops[i]) > op_bytes(big)))
            big = &ir->ops[i];
    diag_error(d, big->stmt->line_loc,
               "the trainer's static parameters need %.2f GiB, more than the %.2f GiB a trainer "
               "can hold", gib(total), gib(STATIC_LIMIT_BYTES));
    diag_note(d, "x86-64 links at most 2 GiB of static data, and each value is there twice: "
                 "a float, and a double for gradcheck");
    diag_note(d, "%s needs %.2f GiB of it: %.0f parameters; make the layers smaller", big->name,
              gib(op_bytes(big)), param_reals(big));
    return 1;
}

int ir_check_footprint(const Ir *ir, Diag *d)
{
    return check_static(ir, d) || check_replica(ir, d);
}
