/* ir.c: the IR's containers.  An Ir is a list of ops in network order over
 * a list of activation buffers, each (MAX_BATCH, width) floats. */
#include <string.h>

#include "nnc.h"

int ir_add_buf(Arena *a, Ir *ir, const char *name, const char *width_macro, long width)
{
    if (ir->n_bufs == ir->cap_bufs) {
        int cap = ir->cap_bufs ? ir->cap_bufs * 2 : 8;
        IrBuf *bufs = arena_alloc(a, sizeof *bufs * (size_t)cap);
        if (ir->n_bufs)
            memcpy(bufs, ir->bufs, sizeof *bufs * (size_t)ir->n_bufs);
        ir->bufs = bufs;
        ir->cap_bufs = cap;
    }
    IrBuf *b = &ir->bufs[ir->n_bufs];
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->width_macro, sizeof b->width_macro, "%s", width_macro);
    b->width = width;
    b->needs_grad = 1;
    return ir->n_bufs++;
}

IrOp *ir_add_op(Arena *a, Ir *ir, OpKind kind, const char *name)
{
    if (ir->n_ops == ir->cap_ops) {
        int cap = ir->cap_ops ? ir->cap_ops * 2 : 8;
        IrOp *ops = arena_alloc(a, sizeof *ops * (size_t)cap);
        if (ir->n_ops)
            memcpy(ops, ir->ops, sizeof *ops * (size_t)ir->n_ops);
        ir->ops = ops;
        ir->cap_ops = cap;
    }
    IrOp *op = &ir->ops[ir->n_ops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    snprintf(op->name, sizeof op->name, "%s", name);
    return op;
}

const char *kernel_name(const IrOp *op)
{
    static const char *const NAMES[] = {
        [KERNEL_GEMM] = "cblas_sgemm",
        [KERNEL_IM2COL] = "im2col+sgemm",
        [KERNEL_COL2IM] = "col2im+sgemm",
        [KERNEL_WINOGRAD] = "winograd+nnrt_mm",
    };
    if (op->mm && op->kernel != KERNEL_WINOGRAD)
        return op->kernel == KERNEL_IM2COL   ? "im2col+nnrt_mm"
               : op->kernel == KERNEL_COL2IM ? "col2im+nnrt_mm"
                                             : "nnrt_mm";
    return NAMES[op->kernel];
}

long weight_block_rows(const IrOp *op)
{
    return op->block_rows > 0 ? op->block_rows : op->n_in;
}

long weight_blocks(const IrOp *op)
{
    return op->block_rows > 0 ? (op->n_in + op->block_rows - 1) / op->block_rows : 1;
}

int mm_fuses(Activation act)
{
    return act == ACT_RELU || act == ACT_IDENTITY;
}

const char *pool_name(PoolKind p)
{
    return p == POOL_MAX ? "max" : p == POOL_AVG ? "avg" : "sum";
}
