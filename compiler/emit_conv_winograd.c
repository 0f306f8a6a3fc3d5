/* emit_conv_winograd.c: a conv2d of stride 1 and a 3x3 or 5x5 window by
 * Winograd's minimal filtering (runtime/nnrt_winograd.h): each sample,
 * padded to whole tiles, goes through nnrt_wino_conv, TG tiles at a time
 * (or WS samples, each in its slot of the padded copy, where a sample has
 * few tiles: their tiles group together); the weights are brought to
 * Winograd's 36 or 64 points once a batch.
 *
 * Backward, each sample's dz is copied once into a zero-padded buffer,
 * at KH - 1 - PT from its top: dx is the same convolution of it with
 * the filters turned 180 degrees and channels and filters swapped (no
 * col2im), and dW the correlation of x's tiles with dz's over the same
 * points (nnrt_wino_dw), summed over the samples there and
 * brought back to the taps once (nnrt_wino_dw_out).  pick_kernels.c has
 * the rule and its numbers. */
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

/* dz's padded copy along one axis: the input's tiles for dx, and dW's
 * tiles of dz from dx_pad on */
static long dz_padded(long in, long out, long k, long p)
{
    long m = WINO_TILE(k), dw_end = dx_pad(k, p) + (out + m - 1) / m * m;
    return winograd_padded(in, k) > dw_end ? winograd_padded(in, k) : dw_end;
}

/* dz is copied for dx or dW */
static int copies_dz(const Emitter *e, const IrOp *op)
{
    return buf(e, op->in)->needs_grad || trains(op);
}

/* The floats of a group's U or M (nnrt_winograd.h: NNRT_WINO_POINT) */
static long point_values(const IrOp *op)
{
    long c = op->win.c > op->filters ? op->win.c : op->filters;
    long a = WINO_POINTS(op->win.kh);
    return a * a * (op->wino_tiles * ((c + 15) / 16 * 16) + 16);
}

/* Several samples a call (WS), or one */
static int grouped(const IrOp *op)
{
    return op->wino_samples > 1;
}

void emit_winograd_macros(Emitter *e, const IrOp *op)
{
    const Window *w = &op->win;
    OUT("#define TG %ld   /* output tiles a group (Winograd's) */\n", op->wino_tiles);
    if (grouped(op))
        OUT("#define WS %ld   /* samples a call, their tiles grouped: a sample has few */\n",
            op->wino_samples);
    if (!copies_dz(e, op))
        return;
    OUT("#define DPH %ld   /* dz zero-padded: a sample for dx, tiles for dW */\n",
        dz_padded(w->h, w->oh, w->kh, w->pt));
    OUT("#define DPW %ld\n", dz_padded(w->w, w->ow, w->kw, w->pl));
    OUT("#define DPT %ld   /* dz's padding above and to the left: KH - 1 - PT */\n",
        dx_pad(w->kh, w->pt));
    OUT("#define DPL %ld\n", dx_pad(w->kw, w->pl));
}

void emit_winograd_undefs(Emitter *e, const IrOp *op)
{
    OUT("#undef TG\n");
    if (grouped(op))
        OUT("#undef WS\n");
    if (copies_dz(e, op))
        OUT("#undef DPH\n#undef DPW\n#undef DPT\n#undef DPL\n");
}

/* The loop over the samples, opened: for each sample s, or for each WS
 * samples from s on (ns of them), then an inner loop over those, opened
 * too, whose lines run each sample (at: its index) */
typedef struct SampleLoop {
    const char *at, *indent, *ns;
} SampleLoop;

static SampleLoop open_samples_loop(Emitter *e, const IrOp *op)
{
    if (!grouped(op)) {
        OUT("    for (int s = 0; s < n; s++) {\n");
        return (SampleLoop){ "s", "        ", "1" };
    }
    OUT("    for (int s = 0; s < n; s += WS) {\n");
    OUT("        int ns = n - s < WS ? n - s : WS;\n");
    OUT("        for (int i = 0; i < ns; i++) {\n");
    return (SampleLoop){ "s + i", "            ", "ns" };
}

/* The end of the inner loop that open_samples_loop opened */
static void close_each_sample(Emitter *e, const IrOp *op)
{
    if (grouped(op))
        OUT("        }\n");
}

void emit_winograd_forward(Emitter *e, const IrOp *op)
{
    const char *y = buf(e, op->out)->name, *c = op->name;
    const char *fused = mm_act(op->act);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", c);
    emit_act_param(e, op->act, op->act_param);
    OUT("    nnrt_wino_weights(KH, C, F, %s_w, 0, rep->%s_v);   /* V = G g G^T */\n", c, c);
    SampleLoop loop = open_samples_loop(e, op);
    OUT("%s%s_pad_sample(rep, %s);\n", loop.indent, c, loop.at);
    close_each_sample(e, op);
    OUT("        /* U = B^T d B, M = U V, y = A^T M A + b%s, TG tiles at a time */\n",
        fused && op->act != ACT_IDENTITY ? ", then relu" : "");
    OUT("        nnrt_wino_conv(%s, KH, C, F, OH, OW, PH, PW, TG, rep->%s_pad, rep->%s_v, %s_b, %s,\n",
        loop.ns, c, c, c, fused ? fused : "NNRT_NO_ACT");
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
    if (grouped(op)) {
        OUT("/* Sample s of dz into slot s %% WS of %s_dzpad at row DPT, column DPL, zeros around"
            " it */\n", c);
        OUT("static void %s_dz_sample(Replica *rep, int s)\n{\n", c);
        OUT("    real *dzpad = &rep->%s_dzpad[s %% WS * DPH * DPW * F];\n", c);
        OUT("    memset(dzpad, 0, sizeof(real) * DPH * DPW * F);\n");
        OUT("    for (int oy = 0; oy < OH; oy++)\n");
        OUT("        memcpy(&dzpad[((oy + DPT) * DPW + DPL) * F], &rep->d_%s[((s * OH + oy) * OW) * F],\n",
            y);
        OUT("               sizeof(real) * OW * F);\n}\n\n");
        return;
    }
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
    emit_dz_sample(e, op);
    emit_conv_backward_head(e, op);
    if (grads) {
        OUT("    memset(rep->%s_db, 0, sizeof rep->%s_db);\n", c, c);
        OUT("    for (int r = 0; r < n * OH * OW; r++)\n");
        OUT("        for (int f = 0; f < F; f++)\n");
        OUT("            rep->%s_db[f] += rep->d_%s[r * F + f];\n", c, y->name);
        OUT("    memset(rep->%s_mw, 0, sizeof rep->%s_mw);\n", c, c);
    }
    if (x->needs_grad)
        OUT("    nnrt_wino_weights(KH, C, F, %s_w, 1, rep->%s_v);   /* for dx: W turned, F in, C out */\n",
            c, c);
    SampleLoop loop = open_samples_loop(e, op);
    OUT("%s%s_dz_sample(rep, %s);\n", loop.indent, c, loop.at);
    if (grads)
        OUT("%s%s_pad_sample(rep, %s);   /* dW at the points += x's tiles^T dz's */\n",
            loop.indent, c, loop.at);
    close_each_sample(e, op);
    if (grads) {
        OUT("        nnrt_wino_dw(%s, KH, C, F, OH, OW, PH, PW, rep->%s_pad, DPH, DPW, DPT, DPL,\n",
            loop.ns, c);
        OUT("                     rep->%s_dzpad, TG, rep->%s_u, rep->%s_m, rep->%s_mw);\n", c, c, c,
            c);
    }
    if (x->needs_grad) {
        OUT("        nnrt_wino_conv(%s, KH, F, C, H, W, DPH, DPW, TG, rep->%s_dzpad, rep->%s_v, NULL,\n",
            loop.ns, c, c);
        OUT("                       NNRT_NO_ACT, &rep->d_%s[s * H * W * C], rep->%s_u, rep->%s_m);\n",
            x->name, c, c);
    }
    OUT("    }\n");
    if (grads) {
        OUT("    nnrt_wino_dw_out(KH, C, F, rep->%s_mw, rep->%s_dw);   /* the points back to the taps */\n",
            c, c);
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
    }
    if (!x->needs_grad)
        emit_no_input_grad(e, x);
    OUT("}\n\n");
}

/* The padded sample (and NNRT_SLACK values more: nnrt_wino_conv's vectors
 * may read past its last channel), dz's, the weights at the points, a
 * group's U and M (or dz's tiles, D, for dW), and dW at the points */
void emit_winograd_scratch(Emitter *e, const IrOp *op, long ph, long pw)
{
    const Window *w = &op->win;
    char slots[32] = "";   /* WS samples' copies, one after another */
    if (grouped(op))
        snprintf(slots, sizeof slots, "%ld * ", op->wino_samples);
    OUT(MEMBER "%s_pad[%s%ld * %ld * %ld + NNRT_SLACK]", op->name, slots, ph, pw, w->c);
    if (copies_dz(e, op))
        OUT(", %s_dzpad[%s%ld * %ld * %ld + NNRT_SLACK]", op->name, slots,
            dz_padded(w->h, w->oh, w->kh, w->pt), dz_padded(w->w, w->ow, w->kw, w->pl),
            op->filters);
    OUT(";\n");
    long a = WINO_POINTS(w->kh);
    OUT(MEMBER "%s_v[%ld * %ld * %ld * %ld];   /* W at Winograd's points */\n", op->name, a, a,
        w->c, op->filters);
    OUT(MEMBER "%s_u[%ld], %s_m[%ld];   /* a group's tiles at the points, and their products */\n",
        op->name, point_values(op), op->name, point_values(op));
    if (trains(op))
        OUT(MEMBER "%s_mw[%ld * %ld * %ld * %ld];   /* dW at the points */\n", op->name, a, a,
            w->c, op->filters);
}
