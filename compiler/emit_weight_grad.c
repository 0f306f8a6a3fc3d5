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
    return op->kind == OP_DENSE && op->kernel == KERNEL_GEMM && trains(op);
}

/* W's blocks of rows.  Such a layer's W is cut into blocks of whole rows,
 * about BLOCK_VALUES values each but at least MIN_ROWS rows (thinner, the
 * products run slower: an epoch of overfit_large on 10000 samples, whose
 * layers are 512 wide, took 1.82 s at one thread in blocks of 32 rows,
 * 1.54 s in blocks of 128 rows and 1.51 s unblocked; at two threads,
 * 1.15 s, 0.99 s and 1.53 s), and every product that reads or writes
 * W goes block by block: forward's x W (a part per block, the parts added
 * in block order), backward's dx = dz W^T (columns of dx per block) and
 * dW (rows per block, above); the runtime updates each block right after
 * its dW.  It runs block b on thread b % threads every time
 * (nnrt_each_block), so a block's weights stay in the cache of the core
 * that updates them: on the 2-core development machine, moving
 * fashion_mlp's 400 KB W between cores each step cost as much as the
 * second core saved.  The blocks are fixed by the shapes alone, so the
 * sums are the same whatever the threads.  A block's first value is a
 * multiple of OPT_BLOCK, the optimizer's block (runtime/optim.h): each
 * value meets the same update code whatever block it is in. */
enum { BLOCK_VALUES = 16384, MIN_ROWS = 128, OPT_BLOCK = 64 };

long weight_block_rows(const IrOp *op)
{
    long row = op->n_out, rows = BLOCK_VALUES / row > MIN_ROWS ? BLOCK_VALUES / row : MIN_ROWS;
    long step = OPT_BLOCK;   /* rows whose values fill whole blocks: lcm / row */
    while (step % row != 0)
        step += OPT_BLOCK;
    step /= row;
    rows = (rows + step - 1) / step * step;
    return rows < op->n_in ? rows : op->n_in;
}

long weight_blocks(const IrOp *op)
{
    if (!defers_weight_grad(op))
        return 1;
    long rows = weight_block_rows(op);
    return (op->n_in + rows - 1) / rows;
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
    const char *I = x->width_macro, *O = y->width_macro;
    OUT("/* %s: rows [from, to) of dW = sum over the shards s, in order, of\n"
        "   share[s] x_s^T dz_s, into out (its row `from` first) */\n", op->name);
    OUT("static void %s_dw_rows(nnrt_replica *const *reps, const int *rows, const double *share,\n",
        op->name);
    OUT("%*sint shards, int from, int to, void *out)\n{\n", (int)strlen(op->name) + 21, "");
    OUT("    real *dw = out;\n");
    OUT("    for (int s = 0; s < shards; s++)\n");
    OUT("        gemm(CblasRowMajor, CblasTrans, CblasNoTrans, to - from, %s, rows[s],\n", O);
    OUT("             (real)share[s], &reps[s]->%s[from], %s, reps[s]->d_%s, %s,\n", x->name, I,
        y->name, O);
    OUT("             s ? 1.0f : 0.0f, dw, %s);\n", O);
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
