/* pick_kernels.c: loops or cblas_sgemm for each dense op, by the cost rule
 * in nnc.h (GEMM_MIN_WEIGHTS).  Small products are plain loops with
 * constant bounds, which the C compiler unrolls and vectorizes; large ones
 * go to OpenBLAS, whose blocked kernels win once the matrices no longer fit
 * in registers and L1. */
#include "nnc.h"

void pass_pick_kernels(Ir *ir)
{
    for (int i = 0; i < ir->n_ops; i++) {
        IrOp *op = &ir->ops[i];
        if (op->kind == OP_DENSE)
            op->kernel = op->n_in * op->n_out >= GEMM_MIN_WEIGHTS ? KERNEL_GEMM : KERNEL_LOOPS;
    }
}
