/* emit_conv_transpose.c: conv2d_transpose, Keras's Conv2DTranspose,
 * channels last, its kernel W (KH, KW, F, C) as Keras lays it out (filters
 * before the input's channels: the transpose of conv2d's).
 *
 * Each input pixel (iy, ix) spreads a window over the output, tap
 * (ky, kx) at (iy * SH + ky - PT, ix * SW + kx - PL), the taps that fall
 * outside (the cropped `same` overhang) dropped:
 *     y[oy, ox, f] = b[f] + sum over those taps of sum_c W[ky, kx, f, c] x[iy, ix, c]
 * It is conv2d run backward, and computed as conv2d's products are
 * (emit_conv.c), with the roles swapped.  W read as a (K, C) matrix,
 * K = KH * KW * F, is every tap of a window: forward, x W^T gives each
 * input pixel's window as a row of K values (nnrt_mm or cblas_sgemm, G
 * samples a call), and the rows are added into a padded copy of one
 * sample's output (col2im), which is cropped into y over the bias.
 * Backward, the windows of dz are copied into rows (im2col), and
 * dW += rows^T x, dx = rows W, db = sum of dz.
 *
 * Direct loops over each input pixel's taps, which this replaced, summed
 * a multiply and an add at a time: the conv autoencoder example spent
 * most of its epoch in them (pick_kernels.c has the numbers). */
#include "emit.h"

/* The padded output: every tap of every input pixel, none cropped. */
static long padded_rows(const Window *w) { return (w->h - 1) * w->sh + w->kh; }
static long padded_cols(const Window *w) { return (w->w - 1) * w->sw + w->kw; }

/* Output rows (columns) inside the padded copy: `valid` with a stride
 * over the window leaves the last ones to the bias alone */
static long inside_rows(const Window *w)
{
    return w->oh < padded_rows(w) - w->pt ? w->oh : padded_rows(w) - w->pt;
}

static long inside_cols(const Window *w)
{
    return w->ow < padded_cols(w) - w->pl ? w->ow : padded_cols(w) - w->pl;
}

static void emit_macros(Emitter *e, const IrOp *op)
{
    const Window *w = &op->win;
    emit_window_macros(e, w, op->name);
    OUT("#define F %ld    /* filters */\n", op->filters);
    OUT("#define K (KH * KW * F)   /* values in one input pixel's window of the output */\n");
    OUT("#define PH %ld   /* the output with every tap, uncropped */\n#define PW %ld\n",
        padded_rows(w), padded_cols(w));
    OUT("#define CH %ld   /* output rows and columns inside it */\n#define CW %ld\n",
        inside_rows(w), inside_cols(w));
    OUT("#define G %ld    /* samples a product */\n\n", op->im2col_rows);
}

static void emit_undefs(Emitter *e)
{
    OUT("#undef F\n#undef K\n#undef PH\n#undef PW\n#undef CH\n#undef CW\n#undef G\n");
    emit_window_undefs(e);
}

/* convt8_col2im(rep, s0, g): the rows of g samples, added into the padded
 * output, then cropped into y over the bias */
static void emit_col2im(Emitter *e, const IrOp *op)
{
    const char *p = op->name, *y = buf(e, op->out)->name;
    int all_inside = inside_rows(&op->win) == op->win.oh && inside_cols(&op->win) == op->win.ow;
    OUT("/* The windows in %s_col of samples s0 .. s0 + g - 1, added up into\n"
        "   %s_pad, then its inside into %s, plus b */\n", p, p, y);
    OUT("static void %s_col2im(Replica *rep, int s0, int g)\n{\n", p);
    OUT("    for (int s = 0; s < g; s++) {\n");
    OUT("        memset(rep->%s_pad, 0, sizeof rep->%s_pad);\n", p, p);
    OUT("        for (int iy = 0; iy < H; iy++)\n");
    OUT("            for (int ix = 0; ix < W; ix++) {\n");
    OUT("                const real *row = &rep->%s_col[((s * H + iy) * W + ix) * K];\n", p);
    OUT("                for (int ky = 0; ky < KH; ky++) {   /* KW * F values in a row of pad */\n");
    OUT("                    real *pp = &rep->%s_pad[((iy * SH + ky) * PW + ix * SW) * F];\n", p);
    OUT("                    for (int i = 0; i < KW * F; i++)\n");
    OUT("                        pp[i] += row[ky * KW * F + i];\n");
    OUT("                }\n            }\n");
    OUT("        real *y = &rep->%s[(s0 + s) * OH * OW * F];\n", y);
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++)\n");
    OUT("                for (int f = 0; f < F; f++)\n");
    if (all_inside) {
        OUT("                    y[(oy * OW + ox) * F + f] =\n");
        OUT("                        %s_b[f] + rep->%s_pad[((oy + PT) * PW + ox + PL) * F + f];\n",
            p, p);
    } else {
        OUT("                    y[(oy * OW + ox) * F + f] = oy < CH && ox < CW   /* else no tap */\n");
        OUT("                        ? %s_b[f] + rep->%s_pad[((oy + PT) * PW + ox + PL) * F + f]\n",
            p, p);
        OUT("                        : %s_b[f];\n", p);
    }
    OUT("    }\n}\n\n");
}

/* convt8_im2col(rep, s0, g): each input pixel's window of dz, a row of
 * convt8_col, for g samples */
static void emit_im2col(Emitter *e, const IrOp *op)
{
    const char *p = op->name, *y = buf(e, op->out)->name;
    const Window *w = &op->win;
    int padded = w->pt > 0 || w->pl > 0 || inside_rows(w) + w->pt < padded_rows(w) ||
                 inside_cols(w) + w->pl < padded_cols(w);
    OUT("/* d_%s of samples s0 .. s0 + g - 1 into %s_pad%s, and each input\n"
        "   pixel's window of it into a row of %s_col */\n", y, p,
        padded ? " (zeros around it)" : "", p);
    OUT("static void %s_im2col(Replica *rep, int s0, int g)\n{\n", p);
    OUT("    for (int s = 0; s < g; s++) {\n");
    OUT("        const real *dz = &rep->d_%s[(s0 + s) * OH * OW * F];\n", y);
    if (padded)
        OUT("        memset(rep->%s_pad, 0, sizeof rep->%s_pad);\n", p, p);
    OUT("        for (int oy = 0; oy < CH; oy++)\n");
    OUT("            memcpy(&rep->%s_pad[((oy + PT) * PW + PL) * F], &dz[oy * OW * F],\n", p);
    OUT("                   sizeof(real) * CW * F);\n");
    OUT("        for (int iy = 0; iy < H; iy++)\n");
    OUT("            for (int ix = 0; ix < W; ix++) {\n");
    OUT("                real *row = &rep->%s_col[((s * H + iy) * W + ix) * K];\n", p);
    OUT("                for (int ky = 0; ky < KH; ky++)   /* KW * F values in a row of pad */\n");
    OUT("                    nnrt_copy_over(&row[ky * KW * F], &rep->%s_pad[((iy * SH + ky) * PW + ix * SW) * F],\n",
        p);
    OUT("                                   KW * F);\n");
    OUT("            }\n    }\n}\n\n");
}

static void emit_forward(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    if (op->mm) {
        OUT("    for (int k = 0; k < K; k++)   /* W^T, whose rows nnrt_mm reads */\n");
        OUT("        for (int c = 0; c < C; c++)\n");
        OUT("            rep->%s_wt[c * K + k] = %s_w[k * C + c];\n", p, p);
    }
    OUT("    for (int s0 = 0; s0 < n; s0 += G) {\n");
    OUT("        int g = n - s0 < G ? n - s0 : G;\n");
    OUT("        /* each input pixel's window of the output: x W^T, a row of K values */\n");
    if (op->mm) {
        OUT("        nnrt_mm(g * H * W, K, C, &rep->%s[s0 * H * W * C], C, rep->%s_wt, K,\n", x, p);
        OUT("                rep->%s_col, K, 0);\n", p);
    } else {
        OUT("        gemm(CblasRowMajor, CblasNoTrans, CblasTrans, g * H * W, K, C,\n");
        OUT("             1.0f, &rep->%s[s0 * H * W * C], C, %s_w, C, 0.0f, rep->%s_col, K);\n",
            x, p, p);
    }
    OUT("        %s_col2im(rep, s0, g);\n", p);
    OUT("    }\n");
    emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
}

static void emit_backward(Emitter *e, const IrOp *op)
{
    const IrBuf *xb = buf(e, op->in);
    const char *x = xb->name, *y = buf(e, op->out)->name, *p = op->name;
    int dx = xb->needs_grad, tr = trains(op);
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
    emit_act_param(e, op->act, op->act_param);
    emit_activation_grad(e, op->act, y, buf(e, op->out)->width_macro);
    if (tr) {
        OUT("    memset(rep->%s_dw, 0, sizeof rep->%s_dw);\n", p, p);
        OUT("    memset(rep->%s_db, 0, sizeof rep->%s_db);\n", p, p);
        OUT("    for (int r = 0; r < n * OH * OW; r++)\n");
        OUT("        for (int f = 0; f < F; f++)\n");
        OUT("            rep->%s_db[f] += rep->d_%s[r * F + f];\n", p, y);
    }
    OUT("    for (int s0 = 0; s0 < n; s0 += G) {\n");
    OUT("        int g = n - s0 < G ? n - s0 : G;\n");
    OUT("        %s_im2col(rep, s0, g);\n", p);
    if (tr) {
        OUT("        /* dW += rows^T x */\n");
        if (op->mm) {
            OUT("        nnrt_mm_tn(K, C, g * H * W, rep->%s_col, K, &rep->%s[s0 * H * W * C], C,\n",
                p, x);
            OUT("                   rep->%s_dw, C, 1, 1);\n", p);
        } else {
            OUT("        gemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, C, g * H * W,\n");
            OUT("             1.0f, rep->%s_col, K, &rep->%s[s0 * H * W * C], C, 1.0f, rep->%s_dw, C);\n",
                p, x, p);
        }
    }
    if (dx) {
        OUT("        /* dx = rows W: each input pixel's window of dz, weighted */\n");
        if (op->mm) {
            OUT("        nnrt_mm(g * H * W, C, K, rep->%s_col, K, %s_w, C, &rep->d_%s[s0 * H * W * C],\n",
                p, p, x);
            OUT("                C, 0);\n");
        } else {
            OUT("        gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g * H * W, C, K,\n");
            OUT("             1.0f, rep->%s_col, K, %s_w, C, 0.0f, &rep->d_%s[s0 * H * W * C], C);\n",
                p, p, x);
        }
    }
    OUT("    }\n");
    if (tr) {
        char count[96];
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    }
    if (!dx)
        emit_no_input_grad(e, xb);
    OUT("}\n\n");
}

void emit_conv_transpose(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, H, W, C), %s_w is (KH, KW, F, C), %s is (n, OH, OW, F)\n", x->name,
        op->name, y->name);
    OUT("   forward: each input pixel's window of the output, x W^T, added into it%s\n",
        op->act == ACT_IDENTITY ? " over b" : " over b, then act");
    OUT("   kernel: %s (windows of %ld values)\n", kernel_name(op),
        op->win.kh * op->win.kw * op->filters);
    OUT("   backward: dz = dy * act'(y); dz's windows copied into rows: dW = rows^T x,\n"
        "   dx = rows W, db = sum of dz */\n");
    emit_macros(e, op);
    emit_col2im(e, op);
    if (needs_backward(e, op))
        emit_im2col(e, op);
    emit_forward(e, op);
    if (needs_backward(e, op))
        emit_backward(e, op);
    else
        emit_no_backward(e, op);
    emit_undefs(e);
}

/* The scratch (the padded output, the windows' rows, W^T for nnrt_mm;
 * sized as emit_macros's PH, PW, F, G, H, W, K, not yet defined where the
 * struct is), and the gradients of W and b, for a shard's rows */
void emit_conv_transpose_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    const Window *w = &op->win;
    char count[96];
    if (group == FIELDS_SCRATCH) {
        OUT(MEMBER "%s_pad[%ld * %ld * %ld + NNRT_SLACK];   /* one sample's output, uncropped */\n",
            op->name, padded_rows(w), padded_cols(w), op->filters);
        OUT(MEMBER "%s_col[%ld * %ld * %ld * (%ld * %ld * %ld) + NNRT_SLACK];   /* windows of the output */\n",
            op->name, op->im2col_rows, w->h, w->w, w->kh, w->kw, op->filters);
        if (op->mm)
            OUT(MEMBER "%s_wt[%ld * (%ld * %ld * %ld)];   /* W^T, for forward */\n", op->name,
                w->c, w->kh, w->kw, op->filters);
    }
    if (group == FIELDS_GRADS && trains(op))
        OUT(MEMBER "%s_dw[%s], %s_db[%ld];\n", op->name, kernel_count(op, count, sizeof count),
            op->name, op->filters);
}

/* W (KH, KW, F, C), fans as Keras counts them for this shape: the
 * receptive field times the second-last dimension in, the last out */
void emit_conv_transpose_params(Emitter *e, const IrOp *op)
{
    const Window *win = &op->win;
    char dims[96];
    snprintf(dims, sizeof dims, "%ld, %ld, %ld, %ld", win->kh, win->kw, op->filters, win->c);
    emit_window_kernel_params(e, op, dims, win->kh * win->kw * op->filters,
                              win->kh * win->kw * win->c);
}
