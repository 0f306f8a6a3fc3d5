/* emit_pool.c: maxpool, avgpool, sumpool and globalavgpool, channels last.
 *
 * The pools walk each output pixel's window with the channels innermost
 * (contiguous, so the compiler vectorizes them), skipping the pixels that
 * fall in the padding: avgpool divides by the pixels it saw, as Keras does
 * with padding='same'.  maxpool remembers where each maximum came from, so
 * its backward is one scatter.
 *
 * Where every window lies inside the image (no padding, the strides
 * fitting), as in fashion_cnn's 2x2 pools, maxpool's forward runs the
 * channels outermost instead, each channel's window in loops of constant
 * bounds: the C compiler unrolls them, keeps the maximum and its place in
 * registers and runs the channels in vectors.  Both of fashion_cnn's
 * maxpools went from 4.5% of its steps to under 2% (perf, one thread,
 * 2-core Zen 3), 150 steps 2.7% faster (median of 6, alternating), the
 * same weights to the bit: the same comparisons in the same order.
 *
 * Not fused into the convolution before it: their backward is 0.25% of an
 * epoch, and a fused kernel would save at most the second read of the
 * convolution's output. */
#include "emit.h"

/* The first pixel of output (oy, ox)'s window inside the image */
static void emit_window_start(Emitter *e)
{
    OUT("                int y0 = oy * SH - PT, x0 = ox * SW - PL;\n");
}

static void emit_window_loops(Emitter *e, const char *indent)
{
    OUT("%sfor (int iy = y0 < 0 ? 0 : y0; iy < y0 + KH && iy < H; iy++)\n", indent);
    OUT("%s    for (int ix = x0 < 0 ? 0 : x0; ix < x0 + KW && ix < W; ix++) {\n", indent);
}

/* Every window inside the image: no padding, and the last window's end
 * within it */
static int windows_inside(const Window *w)
{
    return w->pt == 0 && w->pl == 0 && (w->oh - 1) * w->sh + w->kh <= w->h &&
           (w->ow - 1) * w->sw + w->kw <= w->w;
}

/* maxpool's forward where windows_inside: channels outermost (see above) */
static void emit_max_inside(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    const real *restrict x = rep->%s;\n", x);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    OUT("                int first = ((s * H + oy * SH) * W + ox * SW) * C;   /* the window, inside x */\n");
    OUT("                real *restrict out = &rep->%s[((s * OH + oy) * OW + ox) * C];\n", y);
    OUT("                int *restrict from = &rep->%s_from[((s * OH + oy) * OW + ox) * C];\n", p);
    OUT("                for (int c = 0; c < C; c++) {   /* a vector of channels at a time */\n");
    OUT("                    real max = x[first + c];\n");
    OUT("                    int at = first + c;\n");
    OUT("                    for (int ky = 0; ky < KH; ky++)   /* the first maximum in this order */\n");
    OUT("                        for (int kx = 0; kx < KW; kx++) {\n");
    OUT("                            int i = first + (ky * W + kx) * C + c;\n");
    OUT("                            if (x[i] > max) {\n");
    OUT("                                max = x[i];\n");
    OUT("                                at = i;\n");
    OUT("                            }\n                        }\n");
    OUT("                    out[c] = max;\n");
    OUT("                    from[c] = at;\n");
    OUT("                }\n            }\n}\n\n");
}

/* maxpool's forward elsewhere: each window clipped to the image */
static void emit_max_clipped(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    emit_window_start(e);
    OUT("                real *out = &rep->%s[((s * OH + oy) * OW + ox) * C];\n", y);
    OUT("                int *from = &rep->%s_from[((s * OH + oy) * OW + ox) * C];\n", p);
    OUT("                int first = (s * H + (y0 < 0 ? 0 : y0)) * W + (x0 < 0 ? 0 : x0);\n");
    OUT("                for (int c = 0; c < C; c++) {\n");
    OUT("                    out[c] = rep->%s[first * C + c];\n", x);
    OUT("                    from[c] = first * C + c;\n                }\n");
    emit_window_loops(e, "                ");
    OUT("                        int at = ((s * H + iy) * W + ix) * C;\n");
    OUT("                        for (int c = 0; c < C; c++)\n");
    OUT("                            if (rep->%s[at + c] > out[c]) {\n", x);
    OUT("                                out[c] = rep->%s[at + c];\n", x);
    OUT("                                from[c] = at + c;\n");
    OUT("                            }\n                    }\n            }\n}\n\n");
}

static void emit_max(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    if (windows_inside(&op->win))
        emit_max_inside(e, op);
    else
        emit_max_clipped(e, op);
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
    OUT("    memset(rep->d_%s, 0, sizeof(real) * n * H * W * C);\n", x);
    OUT("    for (int i = 0; i < n * OH * OW * C; i++)   /* to where each maximum came from */\n");
    OUT("        rep->d_%s[rep->%s_from[i]] += rep->d_%s[i];\n}\n\n", x, p, y);
}

/* avg and sum: the same walk, forward gathering, backward scattering */
static void emit_avg_sum(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    int avg = op->pool == POOL_AVG;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    emit_window_start(e);
    OUT("                real *out = &rep->%s[((s * OH + oy) * OW + ox) * C];\n", y);
    if (avg)
        OUT("                int seen = 0;\n");
    OUT("                for (int c = 0; c < C; c++)\n                    out[c] = 0;\n");
    emit_window_loops(e, "                ");
    OUT("                        const real *in = &rep->%s[((s * H + iy) * W + ix) * C];\n", x);
    OUT("                        for (int c = 0; c < C; c++)\n");
    OUT("                            out[c] += in[c];\n");
    if (avg)
        OUT("                        seen++;\n");
    OUT("                    }\n");
    if (avg)
        OUT("                for (int c = 0; c < C; c++)\n                    out[c] /= seen;\n");
    OUT("            }\n}\n\n");

    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
    OUT("    memset(rep->d_%s, 0, sizeof(real) * n * H * W * C);\n", x);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    emit_window_start(e);
    OUT("                const real *g = &rep->d_%s[((s * OH + oy) * OW + ox) * C];\n", y);
    if (avg) {
        OUT("                /* the pixels of the window inside the image */\n");
        OUT("                int rows = (y0 + KH < H ? y0 + KH : H) - (y0 < 0 ? 0 : y0);\n");
        OUT("                int cols = (x0 + KW < W ? x0 + KW : W) - (x0 < 0 ? 0 : x0);\n");
        OUT("                real share = (real)1 / (rows * cols);\n");
    }
    emit_window_loops(e, "                ");
    OUT("                        real *din = &rep->d_%s[((s * H + iy) * W + ix) * C];\n", x);
    OUT("                        for (int c = 0; c < C; c++)\n");
    OUT("                            din[c] += g[c]%s;\n", avg ? " * share" : "");
    OUT("                    }\n            }\n}\n\n");
}

void emit_pool(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const Window *w = &op->win;
    static const char *const WHAT[] = {
        [POOL_MAX] = "the largest value", [POOL_AVG] = "the mean", [POOL_SUM] = "the sum",
    };
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, %ld, %ld, %ld), %s is (n, %ld, %ld, %ld): %s of each %ldx%ld window,\n",
        x->name, w->h, w->w, w->c, y->name, w->oh, w->ow, w->c, WHAT[op->pool], w->kh, w->kw);
    OUT("   stride %ldx%ld, per channel%s */\n", w->sh, w->sw,
        op->pool == POOL_AVG ? " (padding not counted)" : "");
    emit_window_macros(e, w, op->name);
    OUT("\n");
    if (op->pool == POOL_MAX)
        emit_max(e, op);
    else
        emit_avg_sum(e, op);
    emit_window_undefs(e);
}

/* maxpool's argmax, for its backward */
void emit_pool_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    if (group == FIELDS_SCRATCH && op->pool == POOL_MAX)
        OUT("    int %s_from[SHARD_ROWS * %s];   /* where each maximum is in %s */\n", op->name,
            buf(e, op->out)->width_macro, buf(e, op->in)->name);
}

void emit_global_avgpool(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const Window *w = &op->win;
    long pixels = w->h * w->w;
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, %ld, %ld, %ld), %s is (n, %ld): the mean of each channel over the image\n",
        x->name, w->h, w->w, w->c, y->name, w->c);
    OUT("   backward: each pixel gets dy / %ld */\n", pixels);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int s = 0; s < n; s++) {\n");
    OUT("        real *out = &rep->%s[s * %ld];\n", y->name, w->c);
    OUT("        for (int c = 0; c < %ld; c++)\n            out[c] = 0;\n", w->c);
    OUT("        for (int p = 0; p < %ld; p++)\n", pixels);
    OUT("            for (int c = 0; c < %ld; c++)\n", w->c);
    OUT("                out[c] += rep->%s[(s * %ld + p) * %ld + c];\n", x->name, pixels, w->c);
    OUT("        for (int c = 0; c < %ld; c++)\n            out[c] /= %ld;\n    }\n}\n\n", w->c,
        pixels);
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int p = 0; p < %ld; p++)\n", pixels);
    OUT("            for (int c = 0; c < %ld; c++)\n", w->c);
    OUT("                rep->d_%s[(s * %ld + p) * %ld + c] = rep->d_%s[s * %ld + c] / %ld;\n}\n\n",
        x->name, pixels, w->c, y->name, w->c, pixels);
}
