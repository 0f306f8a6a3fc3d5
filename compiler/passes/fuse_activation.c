/* fuse_activation.c: dense, conv2d, conv2d_transpose or batchnorm followed by an elementwise
 * activation becomes one op with the activation as its epilogue.
 *
 * Why: the pre-activation buffer z disappears, and the backward pass needs
 * only the output y, since every fused activation's derivative is a function
 * of y:  relu' = (y > 0),  sigmoid' = y (1 - y),  tanh' = 1 - y^2,
 * leaky_relu' = (y > 0 ? 1 : slope),  elu' = (y > 0 ? 1 : y + alpha).
 * gelu, softplus and swish need z and stay separate ops; softmax is not
 * elementwise (see fuse_softmax_ce.c). */
#include "nnc.h"

static int fusable(Activation act)
{
    return act != ACT_IDENTITY && activation_grad_from_output(act);
}

void pass_fuse_activation(Ir *ir)
{
    for (int i = 0; i + 1 < ir->n_ops; i++) {
        IrOp *dense = &ir->ops[i], *act = &ir->ops[i + 1];
        int takes_epilogue = dense->kind == OP_DENSE || dense->kind == OP_CONV ||
                             dense->kind == OP_BATCHNORM || dense->kind == OP_CONV_TRANSPOSE;
        if (dense->dead || !takes_epilogue || act->kind != OP_ACTIVATION ||
            act->in != dense->out || !fusable(act->act))
            continue;
        dense->act = act->act;
        dense->act_param = act->act_param;
        dense->out = act->out;
        act->dead = 1;
    }
}
