/* pick_kernels.c: the kernel of each dense and conv2d op, by the cost rules
 * in nnc.h.
 *
 * dense (GEMM_MIN_WEIGHTS): small products are plain loops with constant
 * bounds, which the C compiler unrolls and vectorizes; large ones go to
 * OpenBLAS, whose blocked kernels win once the matrices no longer fit in
 * registers and L1.
 *
 * conv2d (CONV_GEMM_MIN_WINDOW): a small window over few channels runs
 * direct loops; a large one is copied into rows (im2col) and multiplied by
 * cblas_sgemm, IM2COL_TARGET_ROWS output pixels (whole samples) a call. */
#include "nnc.h"

void pass_pick_kernels(Ir *ir)
{
    for (int i = 0; i < ir->n_ops; i++) {
        IrOp *op = &ir->ops[i];
        if (op->kind == OP_DENSE)
            op->kernel = op->n_in * op->n_out >= GEMM_MIN_WEIGHTS ? KERNEL_GEMM : KERNEL_LOOPS;
        if (op->kind != OP_CONV)
            continue;
        long window = op->win.kh * op->win.kw * op->win.c;
        op->kernel = window >= CONV_GEMM_MIN_WINDOW ? KERNEL_IM2COL : KERNEL_DIRECT;
        if (op->kernel == KERNEL_IM2COL) {
            long pixels = op->win.oh * op->win.ow;
            long rows = (IM2COL_TARGET_ROWS + pixels - 1) / pixels;
            op->im2col_rows = rows < ir->max_batch ? rows : ir->max_batch;
        }
    }
}
