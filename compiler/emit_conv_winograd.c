/* emit_conv_winograd.c: a conv2d of stride 1 and a 3x3 or 5x5 window by
 * Winograd's minimal filtering (runtime/nnrt_winograd.h): each sample,
 * padded to whole tiles, goes through nnrt_wino_conv, TG tiles at a time;
 * the weights are brought to Winograd's 36 points once a batch.
 *
 * Backward, dx is the same convolution of dz, padded by KH - 1 - PT, with
 * the filters turned 180 degrees and channels and filters swapped (no
 * col2im); dW stays im2col's windows^T dz (emit_conv.c), the one product
 * that does not get cheaper with tiles.  pick_kernels.c has the rule and
 * its numbers. */
#include "emit.h"

/* Rows of the zero-padded copy that whole tiles read: the tiles cover
 * the output's rows (the last tile may reach past them), and each reads
 * k - 1 rows more */
long winograd_padded(long out, long k)
{
    long m = WINO_TILE(k);
    return (out + m - 1) / m * m + k - 1;
}

/* dx's padding above and to the left: a window's taps k - 1 - p */
static long dx_pad(long k, long p) { return k - 1 - p; }

/* The floats of a group's U or M (nnrt_winograd.h: NNRT_WINO_POINT) */
static long point_values(const IrOp *op)
{
    long c = op->win.c > op->filters ? op->win.c : op->filters;
    return 36 * (op->wino_tiles * ((c + 15) / 16 * 16) + 16);
}

void emit_winograd_macros(Emitter *e, const IrOp *op)
{
    const Window *w = &op->win;
    OUT("#define TG %ld   /* output tiles a group (Winograd's) */\n", op->wino_tiles);
    if (!buf(e, op->in)->needs_grad)
        return;
    OUT("#define DPH %ld   /* dz zero-padded for dx, as a sample for the convolution */\n",
        winograd_padded(w->h, w->kh));
    OUT("#define DPW %ld\n", winograd_padded(w->w, w->kw));
    OUT("#define DPT %ld   /* dz's padding above and to the left: KH - 1 - PT */\n",
        dx_pad(w->kh, w->pt));
    OUT("#define DPL %ld\n", dx_pad(w->kw, w->pl));
}

void emit_winograd_undefs(Emitter *e, const IrOp *op)
{
    OUT("#undef TG\n");
    if (buf(e, op->in)->needs_grad)
        OUT("#undef DPH\n#undef DPW\n#undef DPT\n#undef DPL\n");
}

void emit_winograd_forward(Emitter *e, const IrOp *op)
{
    const char *y = buf(e, op->out)->name, *c = op->name;
    const char *fused = mm_act(op->act);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", c);
    emit_act_param(e, op->act, op->act_param);
    OUT("    nnrt_wino_weights(KH, C, F, %s_w, 0, rep->%s_v);   /* V = G g G^T */\n", c, c);
    OUT("    for (int s = 0; s < n; s++) {\n");
    OUT("        %s_pad_sample(rep, s);\n", c);
    OUT("        /* U = B^T d B, M = U V, y = A^T M A + b%s, TG tiles at a time */\n",
        fused && op->act != ACT_IDENTITY ? ", then relu" : "");
    OUT("        nnrt_wino_conv(KH, C, F, OH, OW, PW, TG, rep->%s_pad, rep->%s_v, %s_b, %s,\n", c,
        c, c, fused ? fused : "NNRT_NO_ACT");
    OUT("                       &rep->%s[s * OH * OW * F], rep->%s_u, rep->%s_m);\n", y, c, c);
    OUT("    }\n");
    if (!fused)
        emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
}

/* conv1_dz_sample(rep, s): sample s of dz into conv1_dzpad, zeros around it */
static void emit_dz_sample(Emitter *e, const IrOp *op)
{
    const char *c = op->name, *y = buf(e, op->out)->name;
    OUT("/* Sample s of dz into %s_dzpad at row DPT, column DPL, zeros around it */\n", c);
    OUT("static void %s_dz_sample(Replica *rep, int s)\n{\n", c);
    OUT("    memset(rep->%s_dzpad, 0, sizeof rep->%s_dzpad);\n", c, c);
    OUT("    for (int oy = 0; oy < OH; oy++)\n");
    OUT("        memcpy(&rep->%s_dzpad[((oy + DPT) * DPW + DPL) * F], &rep->d_%s[((s * OH + oy) * OW) * F],\n",
        c, y);
    OUT("               sizeof(real) * OW * F);\n}\n\n");
}

void emit_winograd_backward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *c = op->name;
    char count[96];
    int grads = trains(op);
    if (x->needs_grad)
        emit_dz_sample(e, op);
    emit_conv_backward_head(e, op);
    if (grads) {
        OUT("    memset(rep->%s_dw, 0, sizeof rep->%s_dw);\n    memset(rep->%s_db, 0, sizeof rep->%s_db);\n",
            c, c, c, c);
        OUT("    for (int r = 0; r < n * OH * OW; r++)\n");
        OUT("        for (int f = 0; f < F; f++)\n");
        OUT("            rep->%s_db[f] += rep->d_%s[r * F + f];\n", c, y->name);
        OUT("    for (int s0 = 0; s0 < n; s0 += G) {   /* dW += windows^T dz */\n");
        OUT("        int g = n - s0 < G ? n - s0 : G;\n");
        OUT("        %s_im2col(rep, s0, g);\n", c);
        OUT("        nnrt_mm_tn(K, F, g * OH * OW, rep->%s_col, K, &rep->d_%s[s0 * OH * OW * F], F,\n",
            c, y->name);
        OUT("                   rep->%s_dw, F, 1, 1);\n    }\n", c);
    }
    if (x->needs_grad) {
        OUT("    /* dx: dz through the filters turned 180 degrees, F channels in, C out */\n");
        OUT("    nnrt_wino_weights(KH, C, F, %s_w, 1, rep->%s_v);\n", c, c);
        OUT("    for (int s = 0; s < n; s++) {\n");
        OUT("        %s_dz_sample(rep, s);\n", c);
        OUT("        nnrt_wino_conv(KH, F, C, H, W, DPW, TG, rep->%s_dzpad, rep->%s_v, NULL, NNRT_NO_ACT,\n",
            c, c);
        OUT("                       &rep->d_%s[s * H * W * C], rep->%s_u, rep->%s_m);\n", x->name, c,
            c);
        OUT("    }\n");
    }
    if (grads)
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    if (!x->needs_grad)
        emit_no_input_grad(e, x);
    OUT("}\n\n");
}

/* The padded sample (and 16 values more: nnrt_wino_conv's vectors may read
 * past its last channel), dz's, the weights at the 36 points, a group's U
 * and M, and im2col's rows for dW */
void emit_winograd_scratch(Emitter *e, const IrOp *op, long ph, long pw)
{
    const Window *w = &op->win;
    OUT("    real %s_pad[%ld * %ld * %ld + 16]", op->name, ph, pw, w->c);
    if (buf(e, op->in)->needs_grad)
        OUT(", %s_dzpad[%ld * %ld * %ld + 16]", op->name, winograd_padded(w->h, w->kh),
            winograd_padded(w->w, w->kw), op->filters);
    OUT(";\n");
    OUT("    real %s_v[36 * %ld * %ld];   /* W at Winograd's points */\n", op->name, w->c,
        op->filters);
    OUT("    real %s_u[%ld], %s_m[%ld];   /* a group's tiles at the points, and their products */\n",
        op->name, point_values(op), op->name, point_values(op));
    if (trains(op))
        OUT("    real %s_col[%ld * %ld * %ld * (%ld * %ld * %ld)];   /* windows, for dW */\n",
            op->name, op->im2col_rows, w->oh, w->ow, w->kh, w->kw, w->c);
}
