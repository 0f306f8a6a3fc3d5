/* emit_conv.c: conv2d, channels last (NHWC), weights (KH, KW, C, F) as in
 * Keras, by Winograd's tiles where pick_kernels.c says (emit_conv_winograd.c),
 * else by im2col: the window of each output pixel copied into a row of
 * `col` (G samples at a time), then one product, nnrt_mm's or cblas_sgemm's
 * (pick_kernels.c): y (G*OH*OW, F) = col (G*OH*OW, K) W (K, F).  Backward,
 * dW += col^T dy and dcol = dy W^T, scattered back onto dx.  (Small
 * windows had direct loops of their own until nnrt_mm beat them at every
 * size: pick_kernels.c has the numbers.)
 *
 * The sample is padded into `pad` first, so no copy has a bounds check in
 * its inner loops.  No allocation: the scratch buffers are the replica's
 * (emit_conv_fields), which the runtime allocates once at start-up. */
#include "emit.h"

void emit_window_macros(Emitter *e, const Window *w, const char *what)
{
    OUT("/* %s's shapes, for the functions below (#undef'd after them) */\n", what);
    OUT("#define H %ld    /* input rows, columns, channels */\n#define W %ld\n#define C %ld\n",
        w->h, w->w, w->c);
    OUT("#define KH %ld   /* window */\n#define KW %ld\n", w->kh, w->kw);
    OUT("#define SH %ld   /* stride */\n#define SW %ld\n", w->sh, w->sw);
    OUT("#define PT %ld   /* padding above and to the left */\n#define PL %ld\n", w->pt, w->pl);
    OUT("#define OH %ld   /* output rows, columns */\n#define OW %ld\n", w->oh, w->ow);
}

void emit_window_undefs(Emitter *e)
{
    OUT("#undef H\n#undef W\n#undef C\n#undef KH\n#undef KW\n#undef SH\n#undef SW\n"
        "#undef PT\n#undef PL\n#undef OH\n#undef OW\n\n");
}

/* The padded image: exactly the rows and columns the windows read, or
 * with Winograd's tiles, every tile's (the last may reach past the
 * output: emit_conv_winograd.c) */
static long padded_rows(const IrOp *op)
{
    const Window *w = &op->win;
    return op->kernel == KERNEL_WINOGRAD ? winograd_padded(w->oh, w->kh)
                                         : (w->oh - 1) * w->sh + w->kh;
}

static long padded_cols(const IrOp *op)
{
    const Window *w = &op->win;
    return op->kernel == KERNEL_WINOGRAD ? winograd_padded(w->ow, w->kw)
                                         : (w->ow - 1) * w->sw + w->kw;
}

static void emit_macros(Emitter *e, const IrOp *op)
{
    const Window *w = &op->win;
    long ph = padded_rows(op), pw = padded_cols(op);
    /* rows and columns of the input inside the padded copy (valid padding
     * may leave the last ones out) */
    long ch = w->h < ph - w->pt ? w->h : ph - w->pt;
    long cw = w->w < pw - w->pl ? w->w : pw - w->pl;
    emit_window_macros(e, w, op->name);
    int wino = op->kernel == KERNEL_WINOGRAD;
    OUT("#define F %ld    /* filters */\n", op->filters);
    if (!wino)
        OUT("#define K (KH * KW * C)   /* values in one window */\n");
    OUT("#define PH %ld   /* the zero-padded copy of a sample */\n#define PW %ld\n", ph, pw);
    OUT("#define CH %ld   /* input rows and columns inside it */\n#define CW %ld\n", ch, cw);
    if (wino)
        emit_winograd_macros(e, op);
    else
        OUT("#define G %ld    /* samples a product */\n", op->im2col_rows);
    OUT("\n");
}

static void emit_undefs(Emitter *e, const IrOp *op)
{
    OUT("#undef F\n#undef PH\n#undef PW\n#undef CH\n#undef CW\n");
    if (op->kernel == KERNEL_WINOGRAD)
        emit_winograd_undefs(e, op);
    else
        OUT("#undef K\n#undef G\n");
    emit_window_undefs(e);
}

/* conv1_pad_sample(rep, s): sample s of the input into conv1_pad, zero around it */
static void emit_pad_sample(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name;
    int padded = op->win.pt > 0 || op->win.pl > 0 || padded_rows(op) > op->win.h ||
                 padded_cols(op) > op->win.w;
    if (op->kernel == KERNEL_WINOGRAD && op->wino_samples > 1) {   /* a slot of WS */
        OUT("/* Sample s of %s into slot s %% WS of %s_pad at row PT, column PL%s */\n", x,
            op->name, padded ? ", zeros around it" : "");
        OUT("static void %s_pad_sample(Replica *rep, int s)\n{\n", op->name);
        OUT("    real *pad = &rep->%s_pad[s %% WS * PH * PW * C];\n", op->name);
        if (padded)
            OUT("    memset(pad, 0, sizeof(real) * PH * PW * C);\n");
        OUT("    for (int iy = 0; iy < CH; iy++)\n");
        OUT("        memcpy(&pad[((iy + PT) * PW + PL) * C], &rep->%s[((s * H + iy) * W) * C],\n",
            x);
        OUT("               sizeof(real) * CW * C);\n}\n\n");
        return;
    }
    OUT("/* Sample s of %s into %s_pad at row PT, column PL%s */\n", x, op->name,
        padded ? ", zeros around it" : "");
    OUT("static void %s_pad_sample(Replica *rep, int s)\n{\n", op->name);
    if (padded)
        OUT("    memset(rep->%s_pad, 0, sizeof rep->%s_pad);\n", op->name, op->name);
    OUT("    for (int iy = 0; iy < CH; iy++)\n");
    OUT("        memcpy(&rep->%s_pad[((iy + PT) * PW + PL) * C], &rep->%s[((s * H + iy) * W) * C],\n",
        op->name, x);
    OUT("               sizeof(real) * CW * C);\n}\n\n");
}

/* conv1_unpad_sample(rep, s): the padded gradient's inside into sample s of dx */
static void emit_unpad_sample(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name;
    OUT("/* The inside of %s_dpad into sample s of d_%s (pixels no window reads get 0) */\n",
        op->name, x);
    OUT("static void %s_unpad_sample(Replica *rep, int s)\n{\n", op->name);
    OUT("    real *dx = &rep->d_%s[s * H * W * C];\n", x);
    OUT("    if (CH < H || CW < W)\n        memset(dx, 0, sizeof(real) * H * W * C);\n");
    OUT("    for (int iy = 0; iy < CH; iy++)\n");
    OUT("        memcpy(&dx[iy * W * C], &rep->%s_dpad[((iy + PT) * PW + PL) * C], sizeof(real) * CW * C);\n",
        op->name);
    OUT("}\n\n");
}

/* The backward's first lines: dz = dy * act'(y), in place */
void emit_conv_backward_head(Emitter *e, const IrOp *op)
{
    const IrBuf *y = buf(e, op->out);
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    emit_act_param(e, op->act, op->act_param);
    emit_activation_grad(e, op->act, y->name, y->width_macro);
}

/* W^T into the replica's conv_wt: a filter's K weights a row */
static void emit_transpose_w(Emitter *e, const IrOp *op, const char *why)
{
    OUT("    for (int k = 0; k < K; k++)   /* W^T, %s */\n", why);
    OUT("        for (int f = 0; f < F; f++)\n");
    OUT("            rep->%s_wt[f * K + k] = %s_w[k * F + f];\n", op->name, op->name);
}

/* ---- im2col ------------------------------------------------------------------ */

static void emit_im2col(Emitter *e, const IrOp *op)
{
    const char *c = op->name;
    OUT("/* Samples s0 .. s0 + g - 1 into %s_col: one row of K values per output pixel */\n", c);
    OUT("static void %s_im2col(Replica *rep, int s0, int g)\n{\n", c);
    OUT("    for (int s = 0; s < g; s++) {\n");
    OUT("        %s_pad_sample(rep, s0 + s);\n", c);
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    OUT("                real *row = &rep->%s_col[((s * OH + oy) * OW + ox) * K];\n", c);
    OUT("                for (int ky = 0; ky < KH; ky++)   /* KW * C values in a row of pad */\n");
    OUT("                    nnrt_copy_over(&row[ky * KW * C], &rep->%s_pad[((oy * SH + ky) * PW + ox * SW) * C],\n",
        c);
    OUT("                                   KW * C);\n");
    OUT("            }\n    }\n}\n\n");
}

static void emit_col2im(Emitter *e, const IrOp *op)
{
    const char *c = op->name;
    OUT("/* The gradient rows in %s_col back onto d_%s, samples s0 .. s0 + g - 1 */\n", c,
        buf(e, op->in)->name);
    OUT("static void %s_col2im(Replica *rep, int s0, int g)\n{\n", c);
    OUT("    for (int s = 0; s < g; s++) {\n");
    OUT("        memset(rep->%s_dpad, 0, sizeof rep->%s_dpad);\n", c, c);
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++) {\n");
    OUT("                const real *row = &rep->%s_col[((s * OH + oy) * OW + ox) * K];\n", c);
    OUT("                for (int ky = 0; ky < KH; ky++) {\n");
    OUT("                    real *dp = &rep->%s_dpad[((oy * SH + ky) * PW + ox * SW) * C];\n", c);
    OUT("                    for (int i = 0; i < KW * C; i++)\n");
    OUT("                        dp[i] += row[ky * KW * C + i];\n");
    OUT("                }\n            }\n");
    OUT("        %s_unpad_sample(rep, s0 + s);\n", c);
    OUT("    }\n}\n\n");
}

static void emit_im2col_forward(Emitter *e, const IrOp *op)
{
    const char *y = buf(e, op->out)->name, *c = op->name;
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", c);
    emit_act_param(e, op->act, op->act_param);
    if (op->mm_nt)
        emit_transpose_w(e, op, "the filters' rows");
    OUT("    for (int s0 = 0; s0 < n; s0 += G) {\n");
    OUT("        int g = n - s0 < G ? n - s0 : G;\n");
    OUT("        real *out = &rep->%s[s0 * OH * OW * F];\n", y);
    OUT("        %s_im2col(rep, s0, g);\n", c);
    const char *fused = op->mm ? mm_act(op->act) : NULL;
    if (op->mm_nt) {
        OUT("        /* each value a window's dot product with a filter, + b%s */\n",
            fused && op->act != ACT_IDENTITY ? ", then relu" : "");
        OUT("        nnrt_mm_bias_nt(g * OH * OW, F, K, rep->%s_col, K, rep->%s_wt, K,\n", c, c);
        OUT("                        %s_b, out, F, %s);\n", c, fused ? fused : "NNRT_NO_ACT");
    } else if (op->mm) {
        OUT("        /* rows W + b%s, in one pass */\n",
            fused && op->act != ACT_IDENTITY ? ", then relu" : "");
        OUT("        nnrt_mm_bias(g * OH * OW, F, K, rep->%s_col, K, %s_w, F,\n", c, c);
        OUT("                     %s_b, out, F, %s);\n", c, fused ? fused : "NNRT_NO_ACT");
    } else {
        OUT("        for (int r = 0; r < g * OH * OW; r++)\n");
        OUT("            memcpy(&out[r * F], %s_b, sizeof %s_b);\n", c, c);
        OUT("        gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g * OH * OW, F, K,\n");
        OUT("             1.0f, rep->%s_col, K, %s_w, F, 1.0f, out, F);\n", c, c);
    }
    OUT("    }\n");
    if (!fused)
        emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
}

static void emit_im2col_backward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *c = op->name;
    char count[96];
    int grads = trains(op);
    emit_conv_backward_head(e, op);
    if (grads) {
        OUT("    memset(rep->%s_dw, 0, sizeof rep->%s_dw);\n    memset(rep->%s_db, 0, sizeof rep->%s_db);\n",
            c, c, c, c);
        OUT("    for (int r = 0; r < n * OH * OW; r++)\n");
        OUT("        for (int f = 0; f < F; f++)\n");
        OUT("            rep->%s_db[f] += rep->d_%s[r * F + f];\n", c, y->name);
    }
    if (x->needs_grad && op->mm)
        emit_transpose_w(e, op, "whose rows nnrt_mm reads");
    if (grads && op->mm_nt)
        OUT("    memset(rep->%s_dwt, 0, sizeof rep->%s_dwt);\n", c, c);
    OUT("    for (int s0 = 0; s0 < n; s0 += G) {\n");
    OUT("        int g = n - s0 < G ? n - s0 : G;\n");
    OUT("        const real *dy = &rep->d_%s[s0 * OH * OW * F];\n", y->name);
    if (grads) {
        OUT("        %s_im2col(rep, s0, g);\n", c);
        if (op->mm_nt) {
            OUT("        /* dW^T += dz^T rows: a filter's row of K values a vector at a time */\n");
            OUT("        nnrt_mm_tn(F, K, g * OH * OW, dy, F, rep->%s_col, K, rep->%s_dwt, K, 1,"
                " 1);\n", c, c);
        } else if (op->mm) {
            OUT("        nnrt_mm_tn(K, F, g * OH * OW, rep->%s_col, K, dy, F, rep->%s_dw, F, 1,"
                " 1);\n", c, c);
        } else {
            OUT("        gemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, F, g * OH * OW,\n");
            OUT("             1.0f, rep->%s_col, K, dy, F, 1.0f, rep->%s_dw, F);\n", c, c);
        }
    }
    if (x->needs_grad) {
        OUT("        /* the gradient of each window, into the same rows */\n");
        if (op->mm) {
            OUT("        nnrt_mm(g * OH * OW, K, F, dy, F, rep->%s_wt, K, rep->%s_col, K, 0);\n", c,
                c);
        } else {
            OUT("        gemm(CblasRowMajor, CblasNoTrans, CblasTrans, g * OH * OW, K, F,\n");
            OUT("             1.0f, dy, F, %s_w, F, 0.0f, rep->%s_col, K);\n", c, c);
        }
        OUT("        %s_col2im(rep, s0, g);\n", c);
    }
    OUT("    }\n");
    if (grads && op->mm_nt) {
        OUT("    for (int k = 0; k < K; k++)   /* dW^T back into dW */\n");
        OUT("        for (int f = 0; f < F; f++)\n");
        OUT("            rep->%s_dw[k * F + f] += rep->%s_dwt[f * K + k];\n", c, c);
    }
    if (grads)
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    if (!x->needs_grad)
        emit_no_input_grad(e, x);
    OUT("}\n\n");
}

/* ---- the section ---------------------------------------------------------- */

void emit_conv(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const Window *w = &op->win;
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, %ld, %ld, %ld), %s_w is (%ld, %ld, %ld, %ld), %s is (n, %ld, %ld, %ld)\n",
        x->name, w->h, w->w, w->c, op->name, w->kh, w->kw, w->c, op->filters, y->name, w->oh,
        w->ow, op->filters);
    OUT("   forward: %s over each %ldx%ld window, stride %ldx%ld\n",
        op->act == ACT_IDENTITY ? "y = x * W + b" : "y = act(x * W + b)", w->kh, w->kw, w->sh,
        w->sw);
    if (op->kernel == KERNEL_WINOGRAD) {
        long m = WINO_TILE(w->kh), a = WINO_POINTS(w->kh);
        OUT("   kernel: %s (F(%ldx%ld, %ldx%ld): %ldx%ld tiles of x for %ldx%ld of y)\n",
            kernel_name(op), m, m, w->kh, w->kw, a, a, m, m);
        OUT("   backward: dz = dy * act'(y), db = sum of dz; by the same tiles, dW = x's tiles\n"
            "   against dz's, dx = dz through W turned 180 degrees */\n");
    } else {
        OUT("   kernel: %s (windows of %ld values)\n", kernel_name(op), w->kh * w->kw * w->c);
        OUT("   backward: dz = dy * act'(y), dW = windows^T dz, db = sum of dz, dx = dz W^T\n"
            "   added back over the windows */\n");
    }
    emit_macros(e, op);
    emit_pad_sample(e, op);
    if (op->kernel == KERNEL_WINOGRAD) {
        emit_winograd_forward(e, op);
        if (needs_backward(e, op))
            emit_winograd_backward(e, op);
    } else {
        if (x->needs_grad)
            emit_unpad_sample(e, op);
        emit_im2col(e, op);
        if (x->needs_grad)
            emit_col2im(e, op);
        emit_im2col_forward(e, op);
        if (needs_backward(e, op))
            emit_im2col_backward(e, op);
    }
    if (!needs_backward(e, op))
        emit_no_backward(e, op);
    emit_undefs(e, op);
}

/* conv2d's scratch (the padded sample, its gradient, im2col's rows; sized
 * as emit_macros's PH, PW, C, G, OH, OW, K, which are not defined yet where
 * the struct is), and the gradients of W and b */
static void emit_conv_scratch(Emitter *e, const IrOp *op)
{
    const Window *w = &op->win;
    long ph = padded_rows(op), pw = padded_cols(op);
    if (op->kernel == KERNEL_WINOGRAD) {
        emit_winograd_scratch(e, op, ph, pw);
        return;
    }
    OUT(MEMBER "%s_pad[%ld * %ld * %ld + NNRT_SLACK]", op->name, ph, pw, w->c);
    if (buf(e, op->in)->needs_grad)
        OUT(", %s_dpad[%ld * %ld * %ld]", op->name, ph, pw, w->c);
    OUT(";\n");
    OUT(MEMBER "%s_col[%ld * %ld * %ld * (%ld * %ld * %ld) + NNRT_SLACK];   /* windows, then their gradients */\n",
        op->name, op->im2col_rows, w->oh, w->ow, w->kh, w->kw, w->c);
    if (op->mm_nt || (op->mm && buf(e, op->in)->needs_grad))
        OUT(MEMBER "%s_wt[%ld * (%ld * %ld * %ld)];   /* W^T, for %s */\n", op->name, op->filters,
            w->kh, w->kw, w->c, op->mm_nt ? "forward" : "dx");
    if (op->mm_nt && trains(op))
        OUT(MEMBER "%s_dwt[%ld * (%ld * %ld * %ld)];   /* dW^T */\n", op->name, op->filters,
            w->kh, w->kw, w->c);
}

void emit_conv_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    char count[96];
    if (group == FIELDS_SCRATCH)
        emit_conv_scratch(e, op);
    if (group == FIELDS_GRADS && trains(op))
        OUT(MEMBER "%s_dw[%s], %s_db[%ld];\n", op->name,
            kernel_count(op, count, sizeof count), op->name, op->filters);
}

/* Fans as Keras counts them for a conv kernel: the window times the
 * input channels in, times the filters out. */
void emit_conv_params(Emitter *e, const IrOp *op)
{
    const Window *win = &op->win;
    char dims[96];
    snprintf(dims, sizeof dims, "%ld, %ld, %ld, %ld", win->kh, win->kw, win->c, op->filters);
    emit_window_kernel_params(e, op, dims, win->kh * win->kw * win->c,
                              win->kh * win->kw * op->filters);
}

void emit_window_kernel_params(Emitter *e, const IrOp *op, const char *dims, long fan_in,
                               long fan_out)
{
    ParamRow w = { .op = op, .tensor = "w", .value = "w", .ndims = 4 };
    snprintf(w.dims, sizeof w.dims, "%s", dims);
    kernel_count(op, w.size, sizeof w.size);
    grad_name(w.grad, sizeof w.grad, op, "dw");
    kernel_init(op, w.init, sizeof w.init, w.scale, sizeof w.scale);
    snprintf(w.fan_in, sizeof w.fan_in, "%ld", fan_in);
    snprintf(w.fan_out, sizeof w.fan_out, "%ld", fan_out);
    ParamRow b = { .op = op, .tensor = "b", .value = "b", .ndims = 1, .init = "ZEROS",
                   .fan_in = "0", .fan_out = "0", .scale = "0.0f" };
    snprintf(b.dims, sizeof b.dims, "%ld", op->filters);
    snprintf(b.size, sizeof b.size, "%ld", op->filters);
    grad_name(b.grad, sizeof b.grad, op, "db");
    emit_param_row(e, &w);
    emit_param_row(e, &b);
}
