/* emit_dense.c: dense, y = act(x W + b), with W (inputs, outputs) as in
 * Keras, its products nnrt_mm's (nnrt_kernels.h) or cblas gemm calls, as
 * pick_kernels.c picks; a trained layer's products by W's blocks of rows. */
#include "emit.h"

/* "int from = b * 128, rows = ...;": block b's first row of W and its rows */
static void emit_block_rows(Emitter *e, const IrOp *op, const char *I)
{
    long rows = weight_block_rows(op);
    OUT("    int from = b * %ld, rows = from + %ld <= %s ? %ld : %s - from;\n", rows, rows, I,
        rows, I);
}

/* W in blocks of rows (pick_kernels.c): block b's part of x W, into y for
 * block 0 (over the bias already there), into the parts for others; by
 * nnrt_mm, onto y when the blocks run in turn.  nnrt_mm adds its sum onto
 * c as the forward's loop adds a part onto the blocks before it, y + s:
 * the same bits either way, without the parts' copies (about 2% of a
 * fashion_mlp epoch, Zen 5, one thread).  gemm is not held to one order
 * of its additions with beta 1, so its parts are always apart. */
static void emit_forward_part(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out, *w = op->name;
    if (op->mm)
        OUT("/* Block b of x W: the product over rows [from, from + rows) of W, added\n"
            "   onto %s when the blocks run in turn (as the parts would be, in block\n"
            "   order), else into %s for block 0 (over the bias), into %s_parts for\n"
            "   the others */\n", y->name, y->name, w);
    else
        OUT("/* Block b of x W: the product over rows [from, from + rows) of W, into\n"
            "   %s for block 0 (over the bias), into %s_parts for the others */\n", y->name, w);
    OUT("static void %s_part(Replica *rep, int n, int b)\n{\n", w);
    emit_block_rows(e, op, I);
    if (op->mm) {
        OUT("    int apart = b > 0 && !nnrt_blocks_in_turn();\n");
        OUT("    real *out = apart ? &rep->%s_parts[(b - 1) * n * %s] : rep->%s;\n", w, O,
            y->name);
        OUT("    nnrt_mm(n, %s, rows, &rep->%s[from], %s, &%s_w[from * %s], %s,\n", O, x->name, I,
            w, O, O);
        OUT("            out, %s, !apart);\n", O);
    } else {
        OUT("    real *out = b ? &rep->%s_parts[(b - 1) * n * %s] : rep->%s;\n", w, O, y->name);
        OUT("    gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, %s, rows,\n", O);
        OUT("         1.0f, &rep->%s[from], %s, &%s_w[from * %s], %s,\n", x->name, I, w, O, O);
        OUT("         b ? 0.0f : 1.0f, out, %s);\n", O);
    }
    OUT("}\n\n");
}

/* Block b's columns of dx = dz W^T: they read only its rows of W */
static void emit_input_grad_part(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out, *w = op->name;
    OUT("/* Block b's columns [from, from + rows) of dx = dz W^T */\n");
    OUT("static void %s_input_grad_part(Replica *rep, int n, int b)\n{\n", w);
    emit_block_rows(e, op, I);
    OUT("    gemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, %s,\n", O);
    OUT("         1.0f, rep->d_%s, %s, &%s_w[from * %s], %s,\n", y->name, O, w, O, O);
    OUT("         0.0f, &rep->d_%s[from], %s);\n", x->name, I);
    OUT("}\n\n");
}

/* On a sequence, the rows of x and y are the steps of the n samples */
static void emit_steps_as_rows(Emitter *e, const IrOp *op)
{
    char P[64];
    if (!op->steps)
        return;
    upper(P, sizeof P, op->name);
    OUT("    n *= %s_STEPS;   /* the same W on each step: a row a step */\n", P);
}

static void emit_dense_forward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out, *w = op->name;
    long blocks = weight_blocks(op);
    if (blocks > 1)
        emit_forward_part(e, op);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", op->name);
    emit_steps_as_rows(e, op);
    emit_act_param(e, op->act, op->act_param);
    const char *act = activation_value(op->act);
    if (blocks > 1) {
        OUT("    for (int r = 0; r < n; r++)\n");
        OUT("        memcpy(&rep->%s[r * %s], %s_b, sizeof %s_b);\n", y->name, O, w, w);
        OUT("    nnrt_each_block(rep, n, %ld, %s_part);   /* on the threads, if free */\n",
            blocks, w);
        if (op->mm) {
            OUT("    if (nnrt_blocks_in_turn()) {   /* the blocks' sums are in %s already */\n",
                y->name);
            if (act) {
                OUT("        for (int i = 0; i < n * %s; i++) {   /* %s */\n", O,
                    activation_name(op->act));
                OUT("            real v = rep->%s[i];\n", y->name);
                OUT("            rep->%s[i] = %s;\n        }\n", y->name, act);
            }
            OUT("        return;\n    }\n");
        }
        /* Each value's sum in block order, 64 values at a time.  Written
           a value at a time, the sum read the parts n * O values apart,
           a loop the C compiler left scalar: 5% of a fashion_cnn epoch
           (AVX2, one thread).  64 values are added part after part,
           vectorized, in the nearest cache: the same additions in the
           same order, so the same bits. */
        OUT("    for (int i0 = 0; i0 < n * %s; i0 += 64) {   /* the parts, in block order%s%s */\n",
            O, act ? ", then " : "", act ? activation_name(op->act) : "");
        OUT("        int len = n * %s - i0 < 64 ? n * %s - i0 : 64;   /* 64 values at a time */\n",
            O, O);
        OUT("        real sum[64];\n");
        OUT("        memcpy(sum, &rep->%s[i0], sizeof(real) * len);\n", y->name);
        OUT("        for (int b = 1; b < %ld; b++)\n", blocks);
        OUT("            for (int i = 0; i < len; i++)\n");
        OUT("                sum[i] += rep->%s_parts[(b - 1) * n * %s + i0 + i];\n", w, O);
        OUT("        for (int i = 0; i < len; i++) {\n");
        OUT("            real v = sum[i];\n");
        OUT("            rep->%s[i0 + i] = %s;\n        }\n    }\n", y->name, act ? act : "v");
    } else if (op->mm) {
        const char *fused = mm_act(op->act);
        OUT("    /* x W + b%s, in one pass */\n", fused && act ? ", then relu" : "");
        OUT("    nnrt_mm_bias(n, %s, %s, rep->%s, %s, %s_w, %s,\n", O, I, x->name, I, w, O);
        OUT("                 %s_b, rep->%s, %s, %s);\n", w, y->name, O,
            fused ? fused : "NNRT_NO_ACT");
        if (!fused)
            emit_activation_loop(e, op->act, y->name, O);
    } else {
        OUT("    for (int r = 0; r < n; r++)\n");
        OUT("        memcpy(&rep->%s[r * %s], %s_b, sizeof %s_b);\n", y->name, O, w, w);
        OUT("    gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, %s, %s,\n", O, I);
        OUT("         1.0f, rep->%s, %s, %s_w, %s, 1.0f, rep->%s, %s);\n",
            x->name, I, w, O, y->name, O);
        emit_activation_loop(e, op->act, y->name, O);
    }
    OUT("}\n\n");
}

/* dW, its regularization, db: from dz in d_y */
static void emit_dense_param_grads(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out, *w = op->name;
    if (defers_weight_grad(op)) {
        OUT("    /* dW: by %s_dw_rows, which the runtime runs after backward */\n", op->name);
    } else if (op->mm) {
        OUT("    nnrt_mm_tn(%s, %s, n, rep->%s, %s, rep->d_%s, %s,   /* dW = x^T dz */\n", I, O,
            x->name, I, y->name, O);
        OUT("               rep->%s_dw, %s, 1, 0);\n", w, O);
    } else {
        OUT("    gemm(CblasRowMajor, CblasTrans, CblasNoTrans, %s, %s, n,   /* dW = x^T dz */\n",
            I, O);
        OUT("         1.0f, rep->%s, %s, rep->d_%s, %s, 0.0f, rep->%s_dw, %s);\n", x->name, I,
            y->name, O, w, O);
    }
    if (!defers_weight_grad(op)) {
        char count[96];
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    }
    OUT("    memset(rep->%s_db, 0, sizeof rep->%s_db);\n", w, w);
    OUT("    for (int r = 0; r < n; r++)\n");
    OUT("        for (int o = 0; o < %s; o++)\n", O);
    OUT("            rep->%s_db[o] += rep->d_%s[r * %s + o];\n", w, y->name, O);
}

static void emit_dense_backward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *I = op->row_in, *O = op->row_out, *w = op->name;
    if (x->needs_grad && weight_blocks(op) > 1)
        emit_input_grad_part(e, op);
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    emit_steps_as_rows(e, op);
    emit_act_param(e, op->act, op->act_param);
    if (op->act_grad_in_loss)
        OUT("    /* dz: the loss left (p - t) / n in d_%s; sigmoid' is folded in */\n", y->name);
    else
        emit_activation_grad(e, op->act, y->name, O);
    if (trains(op))
        emit_dense_param_grads(e, op);
    if (!x->needs_grad) {
        emit_no_input_grad(e, x);
        OUT("}\n\n");
        return;
    }
    if (weight_blocks(op) > 1) {
        OUT("    nnrt_each_block(rep, n, %ld, %s_input_grad_part);   /* dx = dz W^T */\n",
            weight_blocks(op), w);
    } else if (op->mm_dx) {
        OUT("    for (int i = 0; i < %s; i++)   /* W^T, whose rows nnrt_mm reads */\n", I);
        OUT("        for (int o = 0; o < %s; o++)\n", O);
        OUT("            rep->%s_wt[o * %s + i] = %s_w[i * %s + o];\n", w, I, w, O);
        OUT("    nnrt_mm(n, %s, %s, rep->d_%s, %s,   /* dx = dz W^T */\n", I, O, y->name, O);
        OUT("            rep->%s_wt, %s, rep->d_%s, %s, 0);\n", w, I, x->name, I);
    } else {
        OUT("    gemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, %s, %s,\n", I, O);
        OUT("         1.0f, rep->d_%s, %s, %s_w, %s, 0.0f, rep->d_%s, %s);\n", y->name, O, w, O,
            x->name, I);
    }
    OUT("}\n\n");
}

void emit_dense(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    emit_source_line(e, op->stmt);
    if (op->steps) {
        char P[64];
        upper(P, sizeof P, op->name);
        OUT("   %s is (n, %s_STEPS, %s),\n   %s_w is (%s, %s),\n"
            "   %s is (n, %s_STEPS, %s): the same W on each step, as Keras's\n"
            "   Dense on a sequence\n", x->name, P, op->row_in, op->name, op->row_in, op->row_out,
            y->name, P, op->row_out);
    } else {
        OUT("   %s is (n, %s), %s_w is (%s, %s), %s is (n, %s)\n", x->name, op->row_in, op->name,
            op->row_in, op->row_out, y->name, op->row_out);
    }
    OUT("   forward: %s; kernel: %s\n",
        op->act == ACT_IDENTITY ? "y = x W + b" : "y = act(x W + b)", kernel_name(op));
    OUT("   backward: dz = dy * act'(y), dW = x^T dz, db = sum of dz over rows, dx = dz W^T */\n");
    emit_dense_forward(e, op);
    if (needs_backward(e, op))
        emit_dense_backward(e, op);
    else
        emit_no_backward(e, op);
}

/* The parts of x W by blocks of W's rows; the gradients of W and b, for a
 * shard's rows */
void emit_dense_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    char count[96];
    long blocks = weight_blocks(op);
    if (group == FIELDS_SCRATCH && blocks > 1)
        OUT(MEMBER "%s_parts[%ld * SHARD_ROWS * %s];   /* x W of blocks 1..%ld of W's rows */\n",
            op->name, blocks - 1, op->row_out, blocks - 1);
    if (group == FIELDS_SCRATCH && op->mm_dx && buf(e, op->in)->needs_grad)
        OUT(MEMBER "%s_wt[%s * %s];   /* W^T, for dx */\n", op->name, op->row_in,
            op->row_out);
    if (group == FIELDS_GRADS && trains(op))
        OUT(MEMBER "%s_dw[%s], %s_db[%s];\n", op->name,
            kernel_count(op, count, sizeof count), op->name, op->row_out);
}

/* W is (inputs, outputs); fans as Keras counts them: inputs in, outputs out */
void emit_dense_params(Emitter *e, const IrOp *op)
{
    const char *I = op->row_in, *O = op->row_out;
    ParamRow w = { .op = op, .tensor = "w", .value = "w", .ndims = 2 };
    snprintf(w.dims, sizeof w.dims, "%s, %s", I, O);
    snprintf(w.size, sizeof w.size, "%s * %s", I, O);
    grad_name(w.grad, sizeof w.grad, op, "dw");
    kernel_init(op, w.init, sizeof w.init, w.scale, sizeof w.scale);
    snprintf(w.fan_in, sizeof w.fan_in, "%s", I);
    snprintf(w.fan_out, sizeof w.fan_out, "%s", O);
    if (defers_weight_grad(op)) {
        snprintf(w.grad_x, sizeof w.grad_x, "%s", buf(e, op->in)->name);
        snprintf(w.grad_dy, sizeof w.grad_dy, "d_%s", buf(e, op->out)->name);
        weight_block_rows_c(op, w.block_rows, sizeof w.block_rows);
    }
    ParamRow b = { .op = op, .tensor = "b", .value = "b", .ndims = 1, .init = "ZEROS",
                   .scale = "0.0f" };
    snprintf(b.dims, sizeof b.dims, "%s", O);
    snprintf(b.size, sizeof b.size, "%s", O);
    grad_name(b.grad, sizeof b.grad, op, "db");
    snprintf(b.fan_in, sizeof b.fan_in, "%s", I);
    snprintf(b.fan_out, sizeof b.fan_out, "%s", O);
    emit_param_row(e, &w);
    emit_param_row(e, &b);
}
