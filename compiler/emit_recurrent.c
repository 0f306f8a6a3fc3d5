/* emit_recurrent.c: rnn, lstm and gru over a sequence, as Keras's
 * SimpleRNN, LSTM and GRU (reset_after=True, its default), and their
 * backward through time.
 *
 * x is (n, T, F): T steps of F features, h_{-1} = 0.  The kernels are laid
 * out as Keras's: W (F, G) for the input, U (U, G) for the recurrent
 * input, G = gates * units columns, the gates in Keras's order:
 *
 *   rnn   h = act(x W + h_prev U + b)                      G = U, b (U)
 *   lstm  i, f, c~, o = sig, sig, tanh, sig of (x W + h_prev U + b)
 *         c = f c_prev + i c~,  h = o tanh(c)              G = 4U, b (4U)
 *   gru   z, r = sig(x W + b_in + h_prev U + b_rec) (their columns)
 *         h~ = tanh(x W_h + b_in,h + r (h_prev U_h + b_rec,h))
 *         h = z h_prev + (1 - z) h~                        G = 3U, b (2, 3U)
 *
 * Forward: the input's part of every step at once, one product over the
 * n * T rows (x W + b), then a product h_prev U a step and the gates.
 * Backward: the steps from the last, each turning dh (from the output and
 * from the step after) into the gates' gradient dz in place of the gates,
 * and dh_prev = dz U^T; then the weights' gradients at once, dW = x^T dz,
 * dU = h_prev^T dz over the n * T rows (h_prev being h shifted by a step),
 * and dx = dz W^T. */
#include "emit.h"

/* The section's macros: T, F, U, G */
static void emit_macros(Emitter *e, const IrOp *op)
{
    static const char *const GATES[] = { [LAYER_RNN] = "", [LAYER_LSTM] = ": i, f, c, o",
                                         [LAYER_GRU] = ": z, r, h" };
    OUT("#define T %ld   /* steps */\n", op->steps);
    OUT("#define F %ld   /* features a step */\n", op->features);
    OUT("#define U %ld   /* units */\n", op->filters);
    OUT("#define G %ld   /* the gates' columns%s */\n\n", recurrent_gates(op->cell) * op->filters,
        GATES[op->cell]);
}

static void emit_undefs(Emitter *e)
{
    OUT("#undef T\n#undef F\n#undef U\n#undef G\n\n");
}

/* The buffer that holds every step's h: y itself with `sequences` (the
 * same (n, T, U) layout), else the op's own */
static const char *h_name(const Emitter *e, const IrOp *op, char *out, size_t len)
{
    if (op->sequences)
        snprintf(out, len, "rep->%s", buf(e, op->out)->name);
    else
        snprintf(out, len, "rep->%s_h", op->name);
    return out;
}

/* The step's activations from the sums in g (and, for gru, q), one row */
static void emit_step_activations(Emitter *e, const IrOp *op)
{
    switch (op->cell) {
    case LAYER_LSTM:
        OUT("                real i = nnrt_sigmoid(g[j]), f = nnrt_sigmoid(g[U + j]);\n");
        OUT("                real cc = nnrt_tanh(g[2 * U + j]), o = nnrt_sigmoid(g[3 * U + j]);\n");
        OUT("                g[j] = i, g[U + j] = f, g[2 * U + j] = cc, g[3 * U + j] = o;\n");
        OUT("                c[j] = f * (t ? c[j - U] : 0) + i * cc;   /* c[j - U] is c_prev */\n");
        OUT("                h[j] = o * nnrt_tanh(c[j]);\n");
        break;
    case LAYER_GRU:
        OUT("                real zg = nnrt_sigmoid(g[j] + q[j]);\n");
        OUT("                real rg = nnrt_sigmoid(g[U + j] + q[U + j]);\n");
        OUT("                real hh = nnrt_tanh(g[2 * U + j] + rg * q[2 * U + j]);\n");
        OUT("                g[j] = zg, g[U + j] = rg, g[2 * U + j] = hh;\n");
        OUT("                h[j] = zg * (t ? h[j - U] : 0) + (1 - zg) * hh;   /* h[j - U] is h_prev */\n");
        break;
    default: {   /* tanh and sigmoid as nnrt_math.h's, which vectorize */
        const char *v = op->act == ACT_TANH      ? "nnrt_tanh(v)"
                        : op->act == ACT_SIGMOID ? "nnrt_sigmoid(v)"
                                                 : activation_value(op->act);
        OUT("                real v = g[j];\n");
        OUT("                h[j] = %s;\n", v ? v : "v");
        break;
    }
    }
}

static void emit_recurrent_forward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *p = op->name;
    char h[96];
    h_name(e, op, h, sizeof h);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    emit_act_param(e, op->act, op->act_param);
    OUT("    real *hs = %s;   /* (n, T, U): every step's h */\n", h);
    OUT("    /* the input's part of every step, x W + b%s, one product over n * T rows */\n",
        op->cell == LAYER_GRU ? "_in" : "");
    OUT("    nnrt_mm_bias(n * T, G, F, rep->%s, F, %s_w, G, %s_b, rep->%s_gates, G, NNRT_NO_ACT);\n",
        x->name, p, p, p);
    OUT("    for (int t = 0; t < T; t++) {\n");
    OUT("        real *step = &rep->%s_gates[t * G];   /* step t of row r at step[r * T * G] */\n",
        p);
    if (op->cell == LAYER_GRU) {
        OUT("        real *hz = &rep->%s_hz[t * G];   /* h_prev U + b_rec, kept for backward */\n",
            p);
        OUT("        if (t > 0)\n");
        OUT("            nnrt_mm_bias(n, G, U, &hs[(t - 1) * U], T * U, %s_u, G, &%s_b[G], hz, "
            "T * G,\n                         NNRT_NO_ACT);\n", p, p);
        OUT("        else   /* h_prev is 0 */\n");
        OUT("            for (int r = 0; r < n; r++)\n");
        OUT("                memcpy(&hz[r * T * G], &%s_b[G], G * sizeof(real));\n", p);
    } else {
        OUT("        if (t > 0)   /* + h_prev U; h_prev is 0 at the first step */\n");
        OUT("            nnrt_mm(n, G, U, &hs[(t - 1) * U], T * U, %s_u, G, step, T * G, 1);\n", p);
    }
    OUT("        for (int r = 0; r < n; r++) {\n");
    OUT("            real *g = &step[r * T * G];\n");
    if (op->cell == LAYER_GRU)
        OUT("            const real *q = &hz[r * T * G];\n");
    if (op->cell == LAYER_LSTM)
        OUT("            real *c = &rep->%s_c[(r * T + t) * U];\n", p);
    OUT("            real *h = &hs[(r * T + t) * U];\n");
    OUT("            for (int j = 0; j < U; j++) {\n");
    emit_step_activations(e, op);
    OUT("            }\n        }\n    }\n");
    if (!op->sequences) {
        OUT("    for (int r = 0; r < n; r++)   /* y: the last step's h */\n");
        OUT("        memcpy(&rep->%s[r * U], &hs[(r * T + T - 1) * U], U * sizeof(real));\n",
            y->name);
    }
    OUT("}\n\n");
}

/* The gates' gradient dz at step t, one row, from d = dh (this step's
 * gradient of h), in place of the gates; dh becomes what passes to
 * h_prev directly (gru), and dc to c_prev (lstm) */
static void emit_step_grads(Emitter *e, const IrOp *op)
{
    switch (op->cell) {
    case LAYER_LSTM:
        OUT("                real i = g[j], f = g[U + j], cc = g[2 * U + j], o = g[3 * U + j];\n");
        OUT("                real th = nnrt_tanh(c[j]), cp = t ? c[j - U] : 0;\n");
        OUT("                real dcj = dc[j] + d * o * (1 - th * th);\n");
        OUT("                g[j] = dcj * cc * i * (1 - i);\n");
        OUT("                g[U + j] = dcj * cp * f * (1 - f);\n");
        OUT("                g[2 * U + j] = dcj * i * (1 - cc * cc);\n");
        OUT("                g[3 * U + j] = d * th * o * (1 - o);\n");
        OUT("                dc[j] = dcj * f;\n");
        break;
    case LAYER_GRU:
        OUT("                real zg = g[j], rg = g[U + j], hh = g[2 * U + j], hp = t ? h[j - U] : 0;\n");
        OUT("                real dah = d * (1 - zg) * (1 - hh * hh);   /* through h~'s tanh */\n");
        OUT("                real dar = dah * q[2 * U + j] * rg * (1 - rg);\n");
        OUT("                real daz = d * (hp - hh) * zg * (1 - zg);\n");
        OUT("                g[j] = daz, g[U + j] = dar, g[2 * U + j] = dah;        /* x W's */\n");
        OUT("                q[j] = daz, q[U + j] = dar, q[2 * U + j] = dah * rg;   /* h_prev U's */\n");
        OUT("                dh[j] = d * zg;   /* h_prev's share of h, then + dz U^T */\n");
        break;
    default:
        OUT("                real y = h[j];\n");
        OUT("                g[j] = d * %s;\n", activation_grad_y(op->act));
        break;
    }
}

static void emit_recurrent_backward(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *p = op->name;
    int gru = op->cell == LAYER_GRU, lstm = op->cell == LAYER_LSTM;
    char h[96];
    h_name(e, op, h, sizeof h);
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
    emit_act_param(e, op->act, op->act_param);
    if (!lstm || trains(op))   /* lstm's steps read c, not h */
        OUT("    const real *hs = %s;   /* (n, T, U): every step's h */\n", h);
    OUT("    real *dz = rep->%s_gates;   /* the gates, becoming their gradient */\n", p);
    if (gru)
        OUT("    real *dq = rep->%s_hz;   /* h_prev U's part, becoming its gradient */\n", p);
    OUT("    for (int i = 0; i < U; i++)   /* U^T, whose rows nnrt_mm reads for dz U^T */\n");
    OUT("        for (int j = 0; j < G; j++)\n");
    OUT("            rep->%s_ut[j * U + i] = %s_u[i * G + j];\n", p, p);
    OUT("    memset(rep->%s_dh, 0, (size_t)n * U * sizeof(real));\n", p);
    if (lstm)
        OUT("    memset(rep->%s_dc, 0, (size_t)n * U * sizeof(real));\n", p);
    OUT("    for (int t = T - 1; t >= 0; t--) {\n");
    OUT("        for (int r = 0; r < n; r++) {\n");
    OUT("            real *g = &dz[(r * T + t) * G], *dh = &rep->%s_dh[r * U];\n", p);
    if (gru)
        OUT("            real *q = &dq[(r * T + t) * G];\n");
    if (lstm) {
        OUT("            const real *c = &rep->%s_c[(r * T + t) * U];\n", p);
        OUT("            real *dc = &rep->%s_dc[r * U];\n", p);
    }
    if (!lstm)
        OUT("            const real *h = &hs[(r * T + t) * U];\n");
    if (op->sequences)
        OUT("            const real *dy = &rep->d_%s[(r * T + t) * U];\n", y->name);
    else
        OUT("            const real *dy = t == T - 1 ? &rep->d_%s[r * U] : NULL;\n", y->name);
    OUT("            for (int j = 0; j < U; j++) {\n");
    OUT("                real d = dh[j] + %s;\n", op->sequences ? "dy[j]" : "(dy ? dy[j] : 0)");
    emit_step_grads(e, op);
    OUT("            }\n        }\n");
    OUT("        if (t > 0)   /* dh_prev %s= dz U^T */\n", gru ? "+" : "");
    OUT("            nnrt_mm(n, U, G, &%s[t * G], T * G, rep->%s_ut, U, rep->%s_dh, U, %d);\n",
        gru ? "dq" : "dz", p, p, gru);
    OUT("    }\n");
    if (trains(op)) {
        OUT("    /* the weights' gradients over all n * T rows at once */\n");
        OUT("    gemm(CblasRowMajor, CblasTrans, CblasNoTrans, F, G, n * T,   /* dW = x^T dz */\n");
        OUT("         1.0f, rep->%s, F, dz, G, 0.0f, rep->%s_dw, G);\n", x->name, p);
        char count[96];
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
        OUT("    for (int r = 0; r < n; r++) {   /* h_prev: h a step later, 0 first */\n");
        OUT("        memset(&rep->%s_hp[r * T * U], 0, U * sizeof(real));\n", p);
        OUT("        memcpy(&rep->%s_hp[(r * T + 1) * U], &hs[r * T * U], (T - 1) * U * sizeof(real));\n",
            p);
        OUT("    }\n");
        OUT("    gemm(CblasRowMajor, CblasTrans, CblasNoTrans, U, G, n * T,   /* dU = h_prev^T dz */\n");
        OUT("         1.0f, rep->%s_hp, U, %s, G, 0.0f, rep->%s_du, G);\n", p, gru ? "dq" : "dz",
            p);
        OUT("    memset(rep->%s_db, 0, sizeof rep->%s_db);\n", p, p);
        OUT("    for (int i = 0; i < n * T; i++)\n");
        OUT("        for (int j = 0; j < G; j++)%s\n", gru ? " {" : "");
        OUT("            rep->%s_db[j] += dz[i * G + j];\n", p);
        if (gru)
            OUT("            rep->%s_db[G + j] += dq[i * G + j];   /* b_rec */\n        }\n", p);
    }
    if (x->needs_grad) {
        OUT("    gemm(CblasRowMajor, CblasNoTrans, CblasTrans, n * T, F, G,   /* dx = dz W^T */\n");
        OUT("         1.0f, dz, G, %s_w, G, 0.0f, rep->d_%s, F);\n", p, x->name);
    } else {
        emit_no_input_grad(e, x);
    }
    OUT("}\n\n");
}

void emit_recurrent(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, T, F), %s_w is (F, G), %s_u is (U, G), %s is (n, %s)\n", x->name, op->name,
        op->name, y->name, op->sequences ? "T, U" : "U");
    switch (op->cell) {
    case LAYER_LSTM:
        OUT("   forward, each step: i, f, c~, o = sig, sig, tanh, sig of (x W + h_prev U + b),\n"
            "     c = f c_prev + i c~, h = o tanh(c)\n");
        break;
    case LAYER_GRU:
        OUT("   forward, each step: z, r = sig(x W + b_in + h_prev U + b_rec),\n"
            "     h~ = tanh(x W_h + b_in,h + r (h_prev U_h + b_rec,h)), h = z h_prev + (1 - z) h~\n");
        break;
    default:
        OUT("   forward, each step: h = %s(x W + h_prev U + b)\n", activation_name(op->act));
        break;
    }
    OUT("   backward: through time from the last step, dz of each in place of its gates,\n"
        "     dh_prev = dz U^T; then dW = x^T dz, dU = h_prev^T dz, db, dx = dz W^T */\n");
    emit_macros(e, op);
    emit_recurrent_forward(e, op);
    if (needs_backward(e, op))
        emit_recurrent_backward(e, op);
    else
        emit_no_backward(e, op);
    emit_undefs(e);
}

/* Every step's gates (and gru's recurrent part), h and lstm's c for
 * backward; backward's carries; the gradients */
void emit_recurrent_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    const char *p = op->name;
    long T = op->steps, U = op->filters, G = recurrent_gates(op->cell) * U;
    int back = needs_backward(e, op);
    if (group == FIELDS_SCRATCH) {
        OUT(MEMBER "%s_gates[SHARD_ROWS * %ld * %ld];   /* each step's gates, then their "
            "gradient */\n", p, T, G);
        if (op->cell == LAYER_GRU)
            OUT(MEMBER "%s_hz[SHARD_ROWS * %ld * %ld];   /* each step's h_prev U + b_rec */\n", p,
                T, G);
        if (!op->sequences)
            OUT(MEMBER "%s_h[SHARD_ROWS * %ld * %ld];   /* each step's h */\n", p, T, U);
        if (op->cell == LAYER_LSTM)
            OUT(MEMBER "%s_c[SHARD_ROWS * %ld * %ld];   /* each step's c */\n", p, T, U);
        if (back) {
            OUT(MEMBER "%s_dh[SHARD_ROWS * %ld];   /* backward's carry: dh */\n", p, U);
            if (op->cell == LAYER_LSTM)
                OUT(MEMBER "%s_dc[SHARD_ROWS * %ld];\n", p, U);
            OUT(MEMBER "%s_ut[%ld * %ld];   /* U^T */\n", p, G, U);
        }
        if (trains(op))
            OUT(MEMBER "%s_hp[SHARD_ROWS * %ld * %ld];   /* h_prev of each step, for dU */\n",
                p, T, U);
    }
    if (group == FIELDS_GRADS && trains(op))
        OUT(MEMBER "%s_dw[%ld * %ld], %s_du[%ld * %ld], %s_db[%ld];\n", p, op->features, G, p,
            U, G, p, (op->cell == LAYER_GRU ? 2 : 1) * G);
}

/* W (F, G), U (U, G), b (G), or gru's (2, G): Keras's kernel,
 * recurrent_kernel and bias */
void emit_recurrent_params(Emitter *e, const IrOp *op)
{
    long F = op->features, U = op->filters, G = recurrent_gates(op->cell) * U;
    ParamRow w = { .op = op, .tensor = "w", .value = "w", .ndims = 2 };
    snprintf(w.dims, sizeof w.dims, "%ld, %ld", F, G);
    snprintf(w.size, sizeof w.size, "%ld * %ld", F, G);
    grad_name(w.grad, sizeof w.grad, op, "dw");
    kernel_init(op, w.init, sizeof w.init, w.scale, sizeof w.scale);
    snprintf(w.fan_in, sizeof w.fan_in, "%ld", F);
    snprintf(w.fan_out, sizeof w.fan_out, "%ld", G);

    ParamRow u = { .op = op, .tensor = "u", .value = "u", .ndims = 2, .scale = "0.0f" };
    snprintf(u.dims, sizeof u.dims, "%ld, %ld", U, G);
    snprintf(u.size, sizeof u.size, "%ld * %ld", U, G);
    grad_name(u.grad, sizeof u.grad, op, "du");
    int n_inits;
    upper(u.init, sizeof u.init, init_names(&n_inits)[op->layer->recurrent_init]);
    snprintf(u.fan_in, sizeof u.fan_in, "%ld", U);
    snprintf(u.fan_out, sizeof u.fan_out, "%ld", G);

    int gru = op->cell == LAYER_GRU;
    ParamRow b = { .op = op, .tensor = "b", .value = "b", .ndims = gru ? 2 : 1,
                   .scale = "0.0f" };
    /* Keras's unit_forget_bias=True: the forget gate starts open */
    snprintf(b.init, sizeof b.init, "%s", op->cell == LAYER_LSTM ? "UNIT_FORGET_BIAS" : "ZEROS");
    if (gru)
        snprintf(b.dims, sizeof b.dims, "2, %ld", G);
    else
        snprintf(b.dims, sizeof b.dims, "%ld", G);
    snprintf(b.size, sizeof b.size, gru ? "2 * %ld" : "%ld", G);
    grad_name(b.grad, sizeof b.grad, op, "db");
    snprintf(b.fan_in, sizeof b.fan_in, "%ld", F);
    snprintf(b.fan_out, sizeof b.fan_out, "%ld", G);
    emit_param_row(e, &w);
    emit_param_row(e, &u);
    emit_param_row(e, &b);
}
