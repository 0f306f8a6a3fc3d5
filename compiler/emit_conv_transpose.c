/* emit_conv_transpose.c: conv2d_transpose, Keras's Conv2DTranspose,
 * channels last, its kernel W (KH, KW, F, C) as Keras lays it out (filters
 * before the input's channels: the transpose of conv2d's).
 *
 * Forward scatters: each input pixel (iy, ix) adds its window into the
 * output, tap (ky, kx) at (iy * SH + ky - PT, ix * SW + kx - PL), the taps
 * that fall outside (the cropped `same` overhang) dropped:
 *     y[oy, ox, f] = b[f] + sum over those taps of sum_c W[ky, kx, f, c] x[iy, ix, c]
 * Backward walks the same taps: dW[ky, kx, f, c] += dy[oy, ox, f] x[iy, ix, c],
 * dx[iy, ix, c] += sum_f dy[oy, ox, f] W[ky, kx, f, c], db[f] = sum dy. */
#include "emit.h"

/* The loops over the input pixels and their taps that land inside the
 * output, opening at `s`'s sample; leave the body's braces open */
static void emit_taps(Emitter *e, const char *x)
{
    OUT("        for (int iy = 0; iy < H; iy++)\n");
    OUT("            for (int ix = 0; ix < W; ix++) {\n");
    OUT("                const real *xp = &rep->%s[((s * H + iy) * W + ix) * C];\n", x);
}

/* The taps (ky, kx) of input pixel (iy, ix) that land in the output at
 * (oy, ox); leave both loops' braces open */
static void emit_tap_loops(Emitter *e)
{
    OUT("                for (int ky = 0; ky < KH; ky++) {\n");
    OUT("                    int oy = iy * SH + ky - PT;\n");
    OUT("                    if (oy < 0 || oy >= OH)\n                        continue;\n");
    OUT("                    for (int kx = 0; kx < KW; kx++) {\n");
    OUT("                        int ox = ix * SW + kx - PL;\n");
    OUT("                        if (ox < 0 || ox >= OW)\n                            continue;\n");
}

static void emit_forward(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    for (int s = 0; s < n; s++) {\n");
    OUT("        real *y = &rep->%s[s * OH * OW * F];\n", y);
    OUT("        for (int i = 0; i < OH * OW; i++)\n");
    OUT("            memcpy(&y[i * F], %s_b, sizeof %s_b);\n", p, p);
    emit_taps(e, x);
    emit_tap_loops(e);
    OUT("                        const real *wp = &%s_w[(ky * KW + kx) * F * C];   /* (F, C) */\n", p);
    OUT("                        real *yp = &y[(oy * OW + ox) * F];\n");
    OUT("                        for (int f = 0; f < F; f++) {\n");
    OUT("                            real sum = 0;\n");
    OUT("                            for (int c = 0; c < C; c++)\n");
    OUT("                                sum += wp[f * C + c] * xp[c];\n");
    OUT("                            yp[f] += sum;\n");
    OUT("                        }\n                    }\n                }\n            }\n    }\n");
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
    }
    if (dx)
        OUT("    memset(rep->d_%s, 0, sizeof(real) * n * H * W * C);\n", x);
    else
        emit_no_input_grad(e, xb);
    OUT("    for (int s = 0; s < n; s++) {\n");
    OUT("        const real *dy = &rep->d_%s[s * OH * OW * F];\n", y);
    if (tr) {
        OUT("        for (int i = 0; i < OH * OW; i++)\n");
        OUT("            for (int f = 0; f < F; f++)\n");
        OUT("                rep->%s_db[f] += dy[i * F + f];\n", p);
    }
    emit_taps(e, x);
    if (dx)
        OUT("                real *dxp = &rep->d_%s[((s * H + iy) * W + ix) * C];\n", x);
    emit_tap_loops(e);
    OUT("                        const real *g = &dy[(oy * OW + ox) * F];\n");
    if (dx)
        OUT("                        const real *wp = &%s_w[(ky * KW + kx) * F * C];\n", p);
    if (tr)
        OUT("                        real *dwp = &rep->%s_dw[(ky * KW + kx) * F * C];\n", p);
    OUT("                        for (int f = 0; f < F; f++)\n");
    OUT("                            for (int c = 0; c < C; c++) {\n");
    if (tr)
        OUT("                                dwp[f * C + c] += g[f] * xp[c];\n");
    if (dx)
        OUT("                                dxp[c] += g[f] * wp[f * C + c];\n");
    OUT("                            }\n                    }\n                }\n            }\n    }\n");
    if (tr) {
        char count[96];
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    }
    OUT("}\n\n");
}

void emit_conv_transpose(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, H, W, C), %s_w is (KH, KW, F, C), %s is (n, OH, OW, F)\n", x->name,
        op->name, y->name);
    OUT("   forward: each input pixel's window, weighted, added into the output (scatter)%s\n",
        op->act == ACT_IDENTITY ? "" : ", then act");
    OUT("   backward: the same taps: dW += dy x, dx += dy W, db = sum of dy */\n");
    emit_window_macros(e, &op->win, op->name);
    OUT("#define F %ld    /* filters */\n\n", op->filters);
    emit_forward(e, op);
    if (needs_backward(e, op))
        emit_backward(e, op);
    else
        emit_no_backward(e, op);
    OUT("#undef F\n");
    emit_window_undefs(e);
}

/* The gradients of W and b, for a shard's rows */
void emit_conv_transpose_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    char count[96];
    if (group == FIELDS_GRADS && trains(op))
        OUT("    real %s_dw[%s], %s_db[%ld];\n", op->name, kernel_count(op, count, sizeof count),
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
