/* fuse_sigmoid_bce.c: a dense layer with a sigmoid output followed by the
 * binary cross-entropy loss.
 *
 * Apart, the loss would divide by p (1 - p) and the sigmoid's backward
 * multiply by it again, which loses everything once p rounds to 0 or 1.
 * Fused, the gradient with respect to the logit z is simply
 *
 *     dL/dz = (p - t) / n
 *
 * so the loss writes that, and the dense layer skips sigmoid'. */
#include "nnc.h"

void pass_fuse_sigmoid_bce(Ir *ir)
{
    for (int i = 0; i + 1 < ir->n_ops; i++) {
        IrOp *dense = &ir->ops[i], *loss = &ir->ops[i + 1];
        if (dense->kind == OP_DENSE && dense->act == ACT_SIGMOID &&
            loss->kind == OP_LOSS && loss->loss == LOSS_BINARY_CROSS_ENTROPY &&
            loss->in == dense->out)
            dense->act_grad_in_loss = 1;
    }
}
