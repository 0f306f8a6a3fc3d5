/* emit_weight_grad.c: the weight gradients the runtime computes itself,
 * after backward, in pieces on its threads (nnrt.h: nnrt_param.grad_rows).
 *
 * A dense layer's dW = x^T dz is a product over the batch's rows whose
 * result is as big as W.  Computed in each shard's backward, every shard
 * writes a whole W-sized gradient and the sum reads them all: for
 * fashion_mlp at batch 32, about as much memory traffic as the rest of a
 * step, and across cores on a machine whose cores share no cache.  So a
 * dense layer with a gemm kernel leaves dW out of backward, and this file
 * writes a function that computes rows [from, to) of it over every shard,
 * in shard order: the runtime cuts W into fixed pieces of rows, runs the
 * pieces on its threads, and updates each piece right after.  Each value
 * is the same sum whatever thread computes it. */
#include <string.h>

#include "emit.h"

int defers_weight_grad(const IrOp *op)
{
    return op->kind == OP_DENSE && op->kernel == KERNEL_GEMM && trains(op) && !op->steps;
}

const char *weight_block_rows_c(const IrOp *op, char *out, size_t len)
{
    if (weight_block_rows(op) >= op->n_in)
        snprintf(out, len, "%s", op->row_in);
    else
        snprintf(out, len, "%ld", weight_block_rows(op));
    return out;
}

/* "dense128_dw_rows", or NULL */
const char *weight_grad_fn(const IrOp *op, char *out, size_t len)
{
    if (!defers_weight_grad(op))
        return "NULL";
    snprintf(out, len, "%s_dw_rows", op->name);
    return out;
}

static void emit_regularization_rows(Emitter *e, const IrOp *op, const char *O)
{
    const Layer *l = op->layer;
    if (l->l1 <= 0 && l->l2 <= 0)
        return;
    char P[64];
    upper(P, sizeof P, op->name);
    OUT("    const real *w = &%s_w[from * %s];\n", op->name, O);
    OUT("    for (int i = 0; i < (to - from) * %s; i++)   /* regularization */\n", O);
    OUT("        dw[i] +=");
    if (l->l1 > 0)
        OUT(" %s_L1 * ((w[i] > 0) - (w[i] < 0))%s", P, l->l2 > 0 ? " +" : "");
    if (l->l2 > 0)
        OUT(" 2 * %s_L2 * w[i]", P);
    OUT(";\n");
}

static void emit_dw_rows(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out;
    OUT("/* %s: rows [from, to) of dW = sum over the shards s, in order, of\n"
        "   share[s] x_s^T dz_s, into out (its row `from` first) */\n", op->name);
    OUT("static void %s_dw_rows(nnrt_replica *const *reps, const int *rows, const double *share,\n",
        op->name);
    OUT("%*sint shards, int from, int to, void *out)\n{\n", (int)strlen(op->name) + 21, "");
    OUT("    real *dw = out;\n");
    OUT("    for (int s = 0; s < shards; s++)\n");
    if (op->mm) {
        OUT("        nnrt_mm_tn(to - from, %s, rows[s], &reps[s]->%s[from], %s,\n", O, x->name, I);
        OUT("                   reps[s]->d_%s, %s, dw, %s, (real)share[s], s > 0);\n", y->name, O,
            O);
    } else {
        OUT("        gemm(CblasRowMajor, CblasTrans, CblasNoTrans, to - from, %s, rows[s],\n", O);
        OUT("             (real)share[s], &reps[s]->%s[from], %s, reps[s]->d_%s, %s,\n", x->name,
            I, y->name, O);
        OUT("             s ? 1.0f : 0.0f, dw, %s);\n", O);
    }
    emit_regularization_rows(e, op, O);
    OUT("}\n\n");
}

void emit_weight_grads(Emitter *e)
{
    int any = 0;
    for (int i = 0; i < e->ir->n_ops; i++)
        any |= defers_weight_grad(&e->ir->ops[i]);
    if (!any)
        return;
    OUT("/* Weight gradients the runtime computes after backward, in pieces of rows on its\n"
        "   threads, each piece updated by the optimizer right after (nnrt.h: grad_rows) */\n");
    for (int i = 0; i < e->ir->n_ops; i++)
        if (defers_weight_grad(&e->ir->ops[i]))
            emit_dw_rows(e, &e->ir->ops[i]);
}
