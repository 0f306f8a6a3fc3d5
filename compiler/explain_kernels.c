/* explain_kernels.c: `nnc check --explain-kernels`, each dense, conv2d,
 * conv2d_transpose and recurrent layer's kernel decision with the cost rule's inputs (the rules and their
 * measurements are in passes/pick_kernels.c, their constants in nnc.h):
 * the numbers the rule compared, the kernel it chose, and which kernel
 * computes each product of forward and backward. */
#include "nnc.h"

/* Forward's line, what being the product ("x W", "rows W"): "x W + b,
 * then relu: nnrt_mm_bias, in its last step", "x W + b: nnrt_mm_bias, in
 * its last step; then tanh", "x W by blocks: ..." */
static void print_forward(FILE *out, const char *what, const IrOp *op, int blocks)
{
    int act = op->act != ACT_IDENTITY, fused = mm_fuses(op->act);
    fprintf(out, "  forward:  %s", what);
    if (blocks > 1)
        fprintf(out, " by blocks: %s over the bias, the parts then added in block\n"
                     "            order%s%s in one pass\n", op->mm ? "nnrt_mm" : "cblas_sgemm",
                act ? " and " : "", act ? activation_name(op->act) : "");
    else if (op->mm)
        fprintf(out, " + b%s%s: nnrt_mm_bias, in its last step%s%s\n",
                fused && act ? ", then " : "", fused && act ? activation_name(op->act) : "",
                fused || !act ? "" : "; then ", fused || !act ? "" : activation_name(op->act));
    else
        fprintf(out, ": cblas_sgemm over rows of the bias%s%s\n", act ? "; then " : "",
                act ? activation_name(op->act) : "");
}

/* "nnrt_mm" / "cblas_sgemm" and the rule's comparison that chose it */
static void print_product_rule(FILE *out, long values, const char *what, int mm)
{
    fprintf(out, "  products: %s, %ld values %s %ld (MM_MAX_VALUES): %s\n", what, values,
            mm ? "<=" : ">", MM_MAX_VALUES,
            mm ? "nnrt_mm" : "cblas_sgemm\n            (nnrt_mm's panels of W would not stay"
                             " in the core's cache)");
}

static void explain_dense(FILE *out, const Ir *ir, const IrOp *op)
{
    int dx = ir->bufs[op->in].needs_grad, trained = !op->layer->frozen;
    fprintf(out, "%s: dense %ld -> %ld, %ld weights%s\n", op->layer->name, op->n_in, op->n_out,
            op->n_in * op->n_out, trained ? "" : ", frozen");
    long rows = weight_block_rows(op), blocks = weight_blocks(op);
    if (trained && op->steps) {
        fprintf(out, "  blocks:   none: on each of %ld steps, so its rows are steps, and dW is\n"
                     "            computed in backward, a shard at a time\n", op->steps);
    } else if (trained && blocks > 1) {
        fprintf(out, "  blocks:   W's rows in %ld blocks of %ld (the last %ld): about %d values a"
                     " block\n            (DENSE_BLOCK_VALUES), at least %d rows"
                     " (DENSE_BLOCK_MIN_ROWS), each starting\n            on the optimizer's"
                     " 64 values; block b runs on thread b mod N and is\n            updated"
                     " right after its dW\n",
                blocks, rows, op->n_in - (blocks - 1) * rows, DENSE_BLOCK_VALUES,
                DENSE_BLOCK_MIN_ROWS);
    } else if (trained) {
        fprintf(out, "  blocks:   one: W's %ld rows are no more than a block's, about %d"
                     " values\n            (DENSE_BLOCK_VALUES) and at least %d rows"
                     " (DENSE_BLOCK_MIN_ROWS)\n",
                op->n_in, DENSE_BLOCK_VALUES, DENSE_BLOCK_MIN_ROWS);
    } else {
        fprintf(out, "  blocks:   none: W is frozen, it gets no gradient and no update\n");
    }
    print_product_rule(out, rows * op->n_out, blocks > 1 ? "a block of W" : "W", op->mm);
    print_forward(out, "x W", op, blocks);
    if (!trained && !dx) {
        fprintf(out, "  backward: none (frozen, and nothing before it learns)\n");
        return;
    }
    fprintf(out, "  backward:");
    if (trained)
        fprintf(out, " dW = x^T dz%s: %s;", blocks > 1 ? " by blocks" : "",
                op->mm ? "nnrt_mm_tn" : "cblas_sgemm");
    if (dx && op->mm_dx)
        fprintf(out, "%sdx = dz W^T: nnrt_mm over a copy of W^T, %ld values <= %d"
                     " (MM_DX_MAX_VALUES)\n", trained ? "\n            " : " ",
                op->n_in * op->n_out, MM_DX_MAX_VALUES);
    else if (dx)
        fprintf(out, "%sdx = dz W^T%s: cblas_sgemm, reading W in place:\n            %ld"
                     " values > %d (MM_DX_MAX_VALUES), a copy of W^T for nnrt_mm\n"
                     "            would cost more than it saves\n",
                trained ? "\n            " : " ",
                blocks > 1 ? " by the blocks' columns" : "", op->n_in * op->n_out,
                MM_DX_MAX_VALUES);
    else
        fprintf(out, " no dx (its input is the data)\n");
}

/* Why a conv2d goes by Winograd's tiles, or why not (pick_kernels.c) */
static void explain_winograd(FILE *out, const IrOp *op)
{
    const Window *w = &op->win;
    if (op->kernel == KERNEL_WINOGRAD) {
        long m = WINO_TILE(w->kh), a = WINO_POINTS(w->kh);
        fprintf(out, "  winograd: stride 1, %ldx%ld, %ld channels >= %d (WINO_MIN_CHANNELS), %ld"
                     " filters >= %d\n            (MM_NARROW_FILTERS): F(%ldx%ld, %ldx%ld), %ld"
                     " multiply-adds for %ld outputs\n            where im2col spends %ld\n",
                w->kh, w->kw, w->c, WINO_MIN_CHANNELS, op->filters, MM_NARROW_FILTERS, m, m, w->kh,
                w->kw, a * a, m * m, m * m * w->kh * w->kw);
        return;
    }
    char why[96];
    if (!op->mm)
        snprintf(why, sizeof why, "its products are cblas_sgemm's");
    else if (w->sh != 1 || w->sw != 1)
        snprintf(why, sizeof why, "stride %ldx%ld (1 only)", w->sh, w->sw);
    else if (w->kh != w->kw || (w->kh != 3 && w->kh != 5))
        snprintf(why, sizeof why, "a %ldx%ld window (3x3 and 5x5 only)", w->kh, w->kw);
    else if (w->pt > w->kh - 1 || w->pl > w->kw - 1)
        snprintf(why, sizeof why, "padding over %ld (dx would pad dz by less than 0)", w->kh - 1);
    else if (w->c < WINO_MIN_CHANNELS)
        snprintf(why, sizeof why, "%ld channel%s < %d (WINO_MIN_CHANNELS)", w->c,
                 w->c == 1 ? "" : "s", WINO_MIN_CHANNELS);
    else
        snprintf(why, sizeof why, "%ld filter%s < %d (MM_NARROW_FILTERS)", op->filters,
                 op->filters == 1 ? "" : "s", MM_NARROW_FILTERS);
    fprintf(out, "  winograd: no, %s\n", why);
}

static void explain_conv(FILE *out, const Ir *ir, const IrOp *op)
{
    const Window *w = &op->win;
    long window = w->kh * w->kw * w->c;
    int dx = ir->bufs[op->in].needs_grad, trained = !op->layer->frozen;
    fprintf(out, "%s: conv2d, %ldx%ld window over %ld channel%s, %ld filters, %ldx%ld out\n",
            op->layer->name, w->kh, w->kw, w->c, w->c == 1 ? "" : "s", op->filters, w->oh, w->ow);
    long pixels = w->oh * w->ow;
    int wino = op->kernel == KERNEL_WINOGRAD;
    if (!wino) {
        fprintf(out, "  window:   %ld values: im2col, each window copied into a row (every window:"
                     "\n            direct loops lost at every size measured, pick_kernels.c)\n",
                window);
        fprintf(out, "  rows:     %d (IM2COL_TARGET_ROWS) / %ld pixels a sample: %ld sample%s a"
                     " call\n", IM2COL_TARGET_ROWS, pixels, op->im2col_rows,
                op->im2col_rows == 1 ? "" : "s");
    }
    print_product_rule(out, window * op->filters, "W", op->mm);
    explain_winograd(out, op);
    if (wino) {
        long m = WINO_TILE(w->kh), a = WINO_POINTS(w->kh);
        fprintf(out, "  forward:  each sample's %ldx%ld tiles of x at %ld points (U = B^T d B), times"
                     "\n            W's (V = G g G^T): nnrt_mm at each point, %ld tiles a group",
                a, a, a * a, op->wino_tiles);
        if (op->wino_samples > 1)   /* pick_kernels.c: a sample has few */
            fprintf(out, " (of\n            %ld samples: each has %ld)", op->wino_samples,
                    op->wino_tiles / op->wino_samples);
        fprintf(out, ";\n            then y = A^T M A + b%s%s, %ldx%ld outputs a tile\n",
                mm_fuses(op->act) && op->act != ACT_IDENTITY ? ", then " : "",
                mm_fuses(op->act) && op->act != ACT_IDENTITY ? activation_name(op->act) : "", m, m);
        if (!mm_fuses(op->act))
            fprintf(out, "            then %s\n", activation_name(op->act));
        fprintf(out, "  backward:");
        if (trained)
            fprintf(out, " dW: x's tiles against dz's %ldx%ld at the same points,"
                         "\n            nnrt_mm_tn at each, summed over the batch, then"
                         " back to the taps;", m, m);
        if (dx)
            fprintf(out, "%sdx = dz through W turned 180 degrees, channels and filters"
                         "\n            swapped: the same tiles, dz padded by %ld\n",
                    trained ? "\n            " : " ", w->kh - 1 - w->pt);
        else
            fprintf(out, " no dx (its input is the data)\n");
        return;
    }
    if (op->mm_nt) {
        fprintf(out, "  filters:  %ld < %d (MM_NARROW_FILTERS): each value a window's dot product"
                     "\n            with a filter, nnrt_mm_bias_nt (nnrt_mm's tiles would fill"
                     " %ld lane%s a vector)\n", op->filters, MM_NARROW_FILTERS, op->filters,
                op->filters == 1 ? "" : "s");
        fprintf(out, "  forward:  rows W^T + b%s: nnrt_mm_bias_nt%s%s\n",
                mm_fuses(op->act) && op->act != ACT_IDENTITY ? ", then relu" : "",
                mm_fuses(op->act) || op->act == ACT_IDENTITY ? "" : "; then ",
                mm_fuses(op->act) || op->act == ACT_IDENTITY ? "" : activation_name(op->act));
    } else {
        print_forward(out, "rows W", op, 1);
    }
    fprintf(out, "  backward:");
    if (trained)
        fprintf(out, " dW = rows^T dz: %s;", op->mm_nt ? "nnrt_mm_tn as dW^T = dz^T rows"
                                             : op->mm  ? "nnrt_mm_tn"
                                                       : "cblas_sgemm");
    if (dx)
        fprintf(out, "%sdx = dz W^T: %s,\n            then added back into the windows"
                     " (col2im)\n", trained ? "\n            " : " ",
                op->mm ? "nnrt_mm over a copy of W^T" : "cblas_sgemm");
    else
        fprintf(out, " no dx (its input is the data)\n");
}

static void explain_conv_transpose(FILE *out, const Ir *ir, const IrOp *op)
{
    const Window *w = &op->win;
    long window = w->kh * w->kw * op->filters;
    int dx = ir->bufs[op->in].needs_grad, trained = !op->layer->frozen;
    fprintf(out, "%s: conv2d_transpose, %ldx%ld window of %ld filters, %ld channel%s in, %ldx%ld"
                 " out\n", op->layer->name, w->kh, w->kw, op->filters, w->c, w->c == 1 ? "" : "s",
            w->oh, w->ow);
    fprintf(out, "  window:   %ld values of the output for each input pixel: col2im, the windows"
                 "\n            computed as rows, then added into the output\n", window);
    fprintf(out, "  rows:     %d (IM2COL_TARGET_ROWS) / %ld input pixels a sample: %ld sample%s a"
                 " call\n", IM2COL_TARGET_ROWS, w->h * w->w, op->im2col_rows,
            op->im2col_rows == 1 ? "" : "s");
    print_product_rule(out, window * w->c, "W", op->mm);
    fprintf(out, "  forward:  rows = x W^T: %s; added into the output over b%s%s\n",
            op->mm ? "nnrt_mm over a copy of W^T" : "cblas_sgemm",
            op->act != ACT_IDENTITY ? ", then " : "",
            op->act != ACT_IDENTITY ? activation_name(op->act) : "");
    if (!trained && !dx) {
        fprintf(out, "  backward: none\n");
        return;
    }
    fprintf(out, "  backward: dz's windows copied into rows (im2col);");
    if (trained)
        fprintf(out, " dW = rows^T x: %s;", op->mm ? "nnrt_mm_tn" : "cblas_sgemm");
    fprintf(out, "\n            %s\n", dx ? (op->mm ? "dx = rows W: nnrt_mm" : "dx = rows W: cblas_sgemm")
                                         : "no dx (its input is the data)");
}

/* rnn, lstm, gru: no rule chooses yet; each product's kernel, and why */
static void explain_recurrent(FILE *out, const Ir *ir, const IrOp *op)
{
    long g = recurrent_gates(op->cell) * op->filters;
    int dx = ir->bufs[op->in].needs_grad, trained = !op->layer->frozen;
    fprintf(out, "%s: %s %ld over %ld steps of %ld features, W %ld x %ld, U %ld x %ld\n",
            op->layer->name, op->layer->stmt->word, op->filters, op->steps, op->features,
            op->features, g, op->filters, g);
    fprintf(out, "  forward:  x W + b of every step at once: nnrt_mm_bias over the n * %ld rows;\n"
                 "            h_prev U, a step at a time: nnrt_mm (U stays in the core's cache)\n",
            op->steps);
    if (!trained && !dx) {
        fprintf(out, "  backward: none\n");
        return;
    }
    fprintf(out, "  backward: dh_prev = dz U^T, a step at a time: nnrt_mm over a copy of U^T\n");
    if (trained)
        fprintf(out, "            dW = x^T dz, dU = h_prev^T dz over the n * %ld rows at once:\n"
                     "            cblas_sgemm (the products are deep: k is n * %ld)\n",
                op->steps, op->steps);
    fprintf(out, "            %s\n", dx ? "dx = dz W^T over the n * steps rows: cblas_sgemm"
                                        : "no dx (its input is the data)");
}

void print_kernel_reasons(FILE *out, const Ir *ir)
{
    fprintf(out, "\nkernels, and the rules that chose them (compiler/passes/pick_kernels.c):\n");
    for (int i = 0; i < ir->n_ops; i++) {
        const IrOp *op = &ir->ops[i];
        if (!op->layer || (op->kind != OP_DENSE && op->kind != OP_CONV &&
                           op->kind != OP_RECURRENT && op->kind != OP_CONV_TRANSPOSE))
            continue;
        fputc('\n', out);
        if (op->kind == OP_DENSE)
            explain_dense(out, ir, op);
        else if (op->kind == OP_RECURRENT)
            explain_recurrent(out, ir, op);
        else if (op->kind == OP_CONV_TRANSPOSE)
            explain_conv_transpose(out, ir, op);
        else
            explain_conv(out, ir, op);
    }
}
