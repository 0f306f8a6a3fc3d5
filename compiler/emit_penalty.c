/* emit_penalty.c: the l1/l2 regularization of dense and conv2d kernels:
 * penalty(), added to the loss, and its gradient, added to dW. */
#include "emit.h"

/* The gradient of the penalty (see emit_penalty) added to dW:
 * d(l1 |w|)/dw = l1 sign(w),  d(l2 w^2)/dw = 2 l2 w. */
void emit_regularization_grad(Emitter *e, const IrOp *op, const char *count)
{
    char P[64];
    const Layer *l = op->layer;
    if (l->l1 <= 0 && l->l2 <= 0)
        return;
    upper(P, sizeof P, op->name);
    OUT("    for (int i = 0; i < %s; i++)   /* regularization */\n", count);
    OUT("        rep->%s_dw[i] +=", op->name);
    if (l->l1 > 0)
        OUT(" %s_L1 * ((%s_w[i] > 0) - (%s_w[i] < 0))%s", P, op->name, op->name,
            l->l2 > 0 ? " +" : "");
    if (l->l2 > 0)
        OUT(" 2 * %s_L2 * %s_w[i]", P, op->name);
    OUT(";\n");
}

int has_penalty(const Emitter *e)
{
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        if ((op->kind == OP_DENSE || op->kind == OP_CONV || op->kind == OP_RECURRENT ||
             op->kind == OP_CONV_TRANSPOSE || op->kind == OP_EMBEDDING) &&
            (op->layer->l1 > 0 || op->layer->l2 > 0))
            return 1;
    }
    return 0;
}

/* Keras adds each kernel regularizer to the loss: l1 sum |w| + l2 sum w^2. */
void emit_penalty(Emitter *e)
{
    if (!has_penalty(e))
        return;
    OUT("/* Regularization of the kernels, added to the mean loss as Keras does:\n");
    OUT("   l1 * sum |w| + l2 * sum w^2 per layer (biases are not regularized) */\n");
    OUT("static double penalty(void)\n{\n    double total = 0;\n");
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        const Layer *l = op->layer;
        if ((op->kind != OP_DENSE && op->kind != OP_CONV && op->kind != OP_RECURRENT &&
             op->kind != OP_CONV_TRANSPOSE && op->kind != OP_EMBEDDING) ||
            (l->l1 <= 0 && l->l2 <= 0))
            continue;
        char P[64], count[96];
        upper(P, sizeof P, op->name);
        OUT("    for (int i = 0; i < %s; i++)\n", kernel_count(op, count, sizeof count));
        OUT("        total +=");
        if (l->l1 > 0)
            OUT(" %s_L1 * fabs((double)%s_w[i])%s", P, op->name, l->l2 > 0 ? " +" : "");
        if (l->l2 > 0)
            OUT(" %s_L2 * (double)%s_w[i] * %s_w[i]", P, op->name, op->name);
        OUT(";\n");
    }
    OUT("    return total;\n}\n\n");
}
