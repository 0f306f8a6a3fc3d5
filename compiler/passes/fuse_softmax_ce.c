/* fuse_softmax_ce.c: softmax followed by the cross-entropy loss.
 *
 * Separately, the loss would divide by p and the softmax backward would
 * multiply by it again, losing precision when p is tiny.  Fused, the
 * gradient with respect to the logits z is simply
 *
 *     dL/dz = (softmax(z) - onehot(t)) / n
 *
 * and the loss is computed from z as logsumexp(z) - z[t], which never takes
 * the log of a rounded-to-zero probability.  The softmax forward stays: its
 * output is the model's prediction. */
#include "nnc.h"

void pass_fuse_softmax_ce(Ir *ir)
{
    for (int i = 0; i + 1 < ir->n_ops; i++) {
        IrOp *sm = &ir->ops[i], *loss = &ir->ops[i + 1];
        if (sm->kind != OP_ACTIVATION || sm->act != ACT_SOFTMAX ||
            loss->kind != OP_LOSS || loss->loss != LOSS_CROSS_ENTROPY || loss->in != sm->out)
            continue;
        sm->fused_into_loss = 1;
        ir->bufs[sm->out].needs_grad = 0;
    }
}
