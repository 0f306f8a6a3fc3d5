/* footprint.c: the static data of a trainer, and whether it fits.
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

int ir_check_footprint(const Ir *ir, Diag *d)
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
