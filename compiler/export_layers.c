/* export_layers.c: each layer of an exported model (export.c) as a C
 * function over one sample, its weights before it: plain loops with the
 * shapes as constants, channels last as in the trainer, the innermost loop
 * over contiguous outputs so that the C compiler vectorizes it.  The
 * equations are the trainer's (docs/language.md); the activations are
 * the same C expressions (emit_activation.c). */
#include <math.h>
#include <string.h>

#include "emit.h"
#include "export.h"

/* ---- the plan -------------------------------------------------------------- */

/* LAYER.suffix's values into *v; with no weights (--weights-at-runtime),
 * only its size */
static int take(const ExportWeights *w, const Layer *l, const char *suffix, long size,
                const float **v, long *n)
{
    if (!w) {
        *v = NULL;
        *n = size;
        return 0;
    }
    const ExportTensor *t = export_tensor(w, l, suffix, size);
    if (!t)
        return -1;
    *v = t->v;
    *n = size;
    return 0;
}

/* gamma / sqrt(var + eps) and beta - mean * that, per channel, in double */
static int norm_affine(Arena *a, const ExportWeights *w, const Layer *l, float **scale,
                       float **shift)
{
    long c = l->out.dims[l->out.ndims - 1], n;
    const float *g, *be, *mu, *var;
    if (take(w, l, "gamma", c, &g, &n) || take(w, l, "beta", c, &be, &n) ||
        take(w, l, "moving_mean", c, &mu, &n) || take(w, l, "moving_variance", c, &var, &n))
        return -1;
    *scale = arena_alloc(a, sizeof **scale * (size_t)c);
    *shift = arena_alloc(a, sizeof **shift * (size_t)c);
    for (long i = 0; i < c; i++) {
        double s = g[i] / sqrt((double)var[i] + l->epsilon);
        (*scale)[i] = (float)s;
        (*shift)[i] = (float)(be[i] - mu[i] * s);
    }
    return 0;
}

/* The kernel and bias of a dense or conv2d layer with a batchnorm folded
 * in: each output channel's weights and bias scaled, the shift added */
static int fold(Arena *a, const ExportWeights *w, ExportStep *st)
{
    float *scale, *shift;
    if (norm_affine(a, w, st->norm, &scale, &shift) != 0)
        return -1;
    long f = st->b_size;
    float *kw = arena_alloc(a, sizeof *kw * (size_t)st->w_size);
    float *kb = arena_alloc(a, sizeof *kb * (size_t)f);
    for (long i = 0; i < st->w_size; i++)
        kw[i] = (float)((double)st->w[i] * scale[i % f]);
    for (long i = 0; i < f; i++)
        kb[i] = (float)((double)st->b[i] * scale[i] + shift[i]);
    st->w = kw;
    st->b = kb;
    return 0;
}

static int plan_step(Arena *a, const ExportWeights *w, ExportStep *st)
{
    const Layer *l = st->l;
    long units = l->units, n;
    switch (l->kind) {
    case LAYER_DENSE: {
        long in = l->in.dims[l->in.ndims - 1];
        if (take(w, l, "w", in * units, &st->w, &st->w_size) ||
            take(w, l, "b", units, &st->b, &st->b_size))
            return -1;
        return st->norm ? fold(a, w, st) : 0;
    }
    case LAYER_CONV2D:
        if (take(w, l, "w", l->win.kh * l->win.kw * l->win.c * units, &st->w, &st->w_size) ||
            take(w, l, "b", units, &st->b, &st->b_size))
            return -1;
        return st->norm ? fold(a, w, st) : 0;
    case LAYER_CONV2D_TRANSPOSE:
        if (take(w, l, "w", l->win.kh * l->win.kw * l->win.c * units, &st->w, &st->w_size) ||
            take(w, l, "b", units, &st->b, &st->b_size))
            return -1;
        return 0;
    case LAYER_BATCHNORM: {
        float *scale, *shift;
        if (!w)   /* NAME_load computes them */
            return 0;
        if (norm_affine(a, w, l, &scale, &shift) != 0)
            return -1;
        st->scale = scale;
        st->shift = shift;
        return 0;
    }
    case LAYER_EMBEDDING:
        st->can_fail = 1;
        return take(w, l, "w", l->vocab * units, &st->w, &st->w_size);
    case LAYER_RNN:
    case LAYER_LSTM:
    case LAYER_GRU: {
        long g = recurrent_gates(l->kind) * units, f = l->in.dims[1];
        return take(w, l, "w", f * g, &st->w, &st->w_size) ||
               take(w, l, "u", units * g, &st->u, &st->u_size) ||
               take(w, l, "b", (l->kind == LAYER_GRU ? 2 : 1) * g, &st->b, &n)
                   ? -1 : (st->b_size = n, 0);
    }
    default:
        return 0;
    }
}

int export_plan(Arena *a, const Model *m, const ExportWeights *w, ExportPlan *plan)
{
    plan->steps = arena_alloc(a, sizeof *plan->steps * (size_t)(m->n_layers + 1));
    plan->n = 0;
    for (int i = 1; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->kind == LAYER_FLATTEN || l->kind == LAYER_DROPOUT)
            continue;   /* channels-last memory is already flat; no dropout at inference */
        ExportStep *st = &plan->steps[plan->n++];
        st->l = l;
        const Layer *next = i + 1 < m->n_layers ? &m->layers[i + 1] : NULL;
        if (w && (l->kind == LAYER_DENSE || l->kind == LAYER_CONV2D) && l->act == ACT_IDENTITY &&
            next && next->kind == LAYER_BATCHNORM) {
            st->norm = next;
            i++;
        }
        snprintf(st->fn, sizeof st->fn, "%s", l->name);
        st->out_width = shape_size(&l->out);
        if (plan_step(a, w, st) != 0)
            return -1;
    }
    return 0;
}

/* ---- the code -------------------------------------------------------------- */

const char *const NORM_TENSORS[4] = { "gamma", "beta", "moving_mean", "moving_variance" };

/* FN_suffix: its values, or, when NAME_load fills it, zeros for now */
static void weights(FILE *out, const ExportStep *st, const char *suffix, const float *v, long n)
{
    char name[96], dims[32];
    snprintf(name, sizeof name, "%s_%s", st->fn, suffix);
    snprintf(dims, sizeof dims, "%ld", n);
    if (v)
        export_floats(out, name, v, n, dims);
    else
        fprintf(out, "static float %s[%s];\n", name, dims);
}

/* y[0 .. width) = act(y), in place */
static void activation(FILE *out, Activation act, double param, long width)
{
    char num[64];
    if (act == ACT_SOFTMAX) {
        fprintf(out, "    float max = y[0], sum = 0;   /* softmax */\n");
        fprintf(out, "    for (int k = 1; k < %ld; k++)\n        max = y[k] > max ? y[k] : max;\n",
                width);
        fprintf(out, "    for (int k = 0; k < %ld; k++) {\n", width);
        fprintf(out, "        y[k] = exp(y[k] - max);\n        sum += y[k];\n    }\n");
        fprintf(out, "    for (int k = 0; k < %ld; k++)\n        y[k] /= sum;\n", width);
        return;
    }
    const char *value = activation_value(act);
    if (!value)
        return;
    if (act == ACT_LEAKY_RELU || act == ACT_ELU)
        fprintf(out, "    const float a = %s;   /* %s */\n", float_lit(num, sizeof num, param),
                act == ACT_LEAKY_RELU ? "slope" : "alpha");
    fprintf(out, "    for (int i = 0; i < %ld; i++) {   /* %s */\n", width, activation_name(act));
    fprintf(out, "        float v = y[i];\n        y[i] = %s;\n    }\n", value);
}

static void dense_code(FILE *out, const ExportStep *st)
{
    const Layer *l = st->l;
    long steps = l->in.sequence ? l->in.dims[0] : 1, in = l->in.dims[l->in.ndims - 1];
    long o = l->units;
    fprintf(out, "/* %s: y = x W + b, W (%ld, %ld)%s */\n", st->fn, in, o,
            steps > 1 ? ", on each step" : "");
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    const char *in_ = "    ";
    if (steps > 1) {
        fprintf(out, "    for (int t = 0; t < %ld; t++) {\n", steps);
        fprintf(out, "        const float *xt = x + t * %ld;\n        float *yt = y + t * %ld;\n",
                in, o);
        in_ = "        ";
    } else {
        fprintf(out, "    const float *xt = x;\n    float *yt = y;\n");
    }
    fprintf(out, "%smemcpy(yt, %s_b, sizeof %s_b);\n", in_, st->fn, st->fn);
    fprintf(out, "%sfor (int i = 0; i < %ld; i++) {\n", in_, in);
    fprintf(out, "%s    const float xi = xt[i], *wi = &%s_w[i * %ld];\n", in_, st->fn, o);
    fprintf(out, "%s    if (xi == 0)\n%s        continue;   /* adds nothing: skip W's row */\n",
            in_, in_);
    fprintf(out, "%s    for (int j = 0; j < %ld; j++)\n%s        yt[j] += xi * wi[j];\n", in_, o,
            in_);
    fprintf(out, "%s}\n", in_);
    if (steps > 1)
        fprintf(out, "    }\n");
}

static void conv_code(FILE *out, const ExportStep *st)
{
    const Window *w = &st->l->win;
    long f = st->l->units;
    fprintf(out, "/* %s: %ldx%ld windows, stride %ldx%ld, W (%ld, %ld, %ld, %ld) */\n", st->fn,
            w->kh, w->kw, w->sh, w->sw, w->kh, w->kw, w->c, f);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int oy = 0; oy < %ld; oy++)\n", w->oh);
    fprintf(out, "        for (int ox = 0; ox < %ld; ox++) {\n", w->ow);
    fprintf(out, "            float *o = &y[(oy * %ld + ox) * %ld];\n", w->ow, f);
    fprintf(out, "            memcpy(o, %s_b, sizeof %s_b);\n", st->fn, st->fn);
    fprintf(out, "            for (int ky = 0; ky < %ld; ky++) {\n", w->kh);
    fprintf(out, "                int iy = oy * %ld - %ld + ky;\n", w->sh, w->pt);
    fprintf(out, "                if (iy < 0 || iy >= %ld)\n                    continue;\n", w->h);
    fprintf(out, "                for (int kx = 0; kx < %ld; kx++) {\n", w->kw);
    fprintf(out, "                    int ix = ox * %ld - %ld + kx;\n", w->sw, w->pl);
    fprintf(out, "                    if (ix < 0 || ix >= %ld)\n                        continue;\n",
            w->w);
    fprintf(out, "                    const float *xp = &x[(iy * %ld + ix) * %ld];\n", w->w, w->c);
    fprintf(out, "                    const float *wp = &%s_w[(ky * %ld + kx) * %ld];\n", st->fn,
            w->kw, w->c * f);
    fprintf(out, "                    for (int c = 0; c < %ld; c++) {\n", w->c);
    fprintf(out, "                        const float xc = xp[c], *wc = &wp[c * %ld];\n", f);
    fprintf(out, "                        if (xc == 0)\n                            continue;\n");
    fprintf(out, "                        for (int f = 0; f < %ld; f++)\n", f);
    fprintf(out, "                            o[f] += xc * wc[f];\n");
    fprintf(out, "                    }\n");
    fprintf(out, "                }\n            }\n        }\n");
}

static void conv_transpose_code(FILE *out, const ExportStep *st)
{
    const Window *w = &st->l->win;
    long f = st->l->units;
    fprintf(out, "/* %s: each input pixel's %ldx%ld taps at (iy * %ld + ky - %ld, ix * %ld + kx "
                 "- %ld), W (%ld, %ld, %ld, %ld) */\n", st->fn, w->kh, w->kw, w->sh, w->pt, w->sw,
            w->pl, w->kh, w->kw, f, w->c);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int i = 0; i < %ld; i++)\n", w->oh * w->ow);
    fprintf(out, "        memcpy(&y[i * %ld], %s_b, sizeof %s_b);\n", f, st->fn, st->fn);
    fprintf(out, "    for (int iy = 0; iy < %ld; iy++)\n", w->h);
    fprintf(out, "        for (int ix = 0; ix < %ld; ix++) {\n", w->w);
    fprintf(out, "            const float *xp = &x[(iy * %ld + ix) * %ld];\n", w->w, w->c);
    fprintf(out, "            for (int ky = 0; ky < %ld; ky++) {\n", w->kh);
    fprintf(out, "                int oy = iy * %ld + ky - %ld;\n", w->sh, w->pt);
    fprintf(out, "                if (oy < 0 || oy >= %ld)\n                    continue;\n", w->oh);
    fprintf(out, "                for (int kx = 0; kx < %ld; kx++) {\n", w->kw);
    fprintf(out, "                    int ox = ix * %ld + kx - %ld;\n", w->sw, w->pl);
    fprintf(out, "                    if (ox < 0 || ox >= %ld)\n                        continue;\n",
            w->ow);
    fprintf(out, "                    float *o = &y[(oy * %ld + ox) * %ld];\n", w->ow, f);
    fprintf(out, "                    const float *wp = &%s_w[(ky * %ld + kx) * %ld];\n", st->fn,
            w->kw, f * w->c);
    fprintf(out, "                    for (int f = 0; f < %ld; f++)\n", f);
    fprintf(out, "                        for (int c = 0; c < %ld; c++)\n", w->c);
    fprintf(out, "                            o[f] += wp[f * %ld + c] * xp[c];\n", w->c);
    fprintf(out, "                }\n            }\n        }\n");
}

static void pool_code(FILE *out, const ExportStep *st)
{
    const Window *w = &st->l->win;
    LayerKind k = st->l->kind;
    fprintf(out, "/* %s: %s over %ldx%ld windows, stride %ldx%ld%s */\n", st->fn,
            k == LAYER_MAXPOOL ? "the maximum" : k == LAYER_AVGPOOL ? "the mean" : "the sum",
            w->kh, w->kw, w->sh, w->sw, k == LAYER_AVGPOOL ? " (padding not counted)" : "");
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int oy = 0; oy < %ld; oy++)\n", w->oh);
    fprintf(out, "        for (int ox = 0; ox < %ld; ox++) {\n", w->ow);
    fprintf(out, "            int y0 = oy * %ld - %ld, x0 = ox * %ld - %ld, seen = 0;\n", w->sh,
            w->pt, w->sw, w->pl);
    fprintf(out, "            float *o = &y[(oy * %ld + ox) * %ld];\n", w->ow, w->c);
    fprintf(out, "            for (int iy = y0 < 0 ? 0 : y0; iy < y0 + %ld && iy < %ld; iy++)\n",
            w->kh, w->h);
    fprintf(out, "                for (int ix = x0 < 0 ? 0 : x0; ix < x0 + %ld && ix < %ld; "
                 "ix++, seen++) {\n", w->kw, w->w);
    fprintf(out, "                    const float *xp = &x[(iy * %ld + ix) * %ld];\n", w->w, w->c);
    fprintf(out, "                    for (int c = 0; c < %ld; c++)\n", w->c);
    if (k == LAYER_MAXPOOL)
        fprintf(out, "                        o[c] = seen == 0 || xp[c] > o[c] ? xp[c] : o[c];\n");
    else
        fprintf(out, "                        o[c] = seen == 0 ? xp[c] : o[c] + xp[c];\n");
    fprintf(out, "                }\n");
    if (k == LAYER_AVGPOOL)
        fprintf(out, "            for (int c = 0; c < %ld; c++)\n                o[c] /= seen;\n",
                w->c);
    fprintf(out, "        }\n");
}

static void global_pool_code(FILE *out, const ExportStep *st)
{
    const Shape *in = &st->l->in;
    long pixels = in->dims[0] * in->dims[1], c = in->dims[2];
    fprintf(out, "/* %s: each channel's mean over the %ld pixels */\n", st->fn, pixels);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int c = 0; c < %ld; c++)\n        y[c] = 0;\n", c);
    fprintf(out, "    for (int i = 0; i < %ld; i++)\n        for (int c = 0; c < %ld; c++)\n"
                 "            y[c] += x[i * %ld + c];\n", pixels, c, c);
    fprintf(out, "    for (int c = 0; c < %ld; c++)\n        y[c] /= %ld;\n", c, pixels);
}

static void norm_code(FILE *out, const ExportStep *st)
{
    long c = st->l->out.dims[st->l->out.ndims - 1];
    fprintf(out, "/* %s: gamma (x - moving mean) / sqrt(moving variance + eps) + beta, as\n"
                 "   x scale + shift per channel */\n", st->fn);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int i = 0; i < %ld; i++)\n", st->out_width / c);
    fprintf(out, "        for (int c = 0; c < %ld; c++)\n", c);
    fprintf(out, "            y[i * %ld + c] = x[i * %ld + c] * %s_scale[c] + %s_shift[c];\n", c,
            c, st->fn, st->fn);
}

static void upsample_code(FILE *out, const ExportStep *st)
{
    const Shape *in = &st->l->in, *o = &st->l->out;
    long fy = o->dims[0] / in->dims[0], fx = o->dims[1] / in->dims[1], c = in->dims[2];
    fprintf(out, "/* %s: each pixel repeated %ldx%ld */\n", st->fn, fy, fx);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int oy = 0; oy < %ld; oy++)\n", o->dims[0]);
    fprintf(out, "        for (int ox = 0; ox < %ld; ox++)\n", o->dims[1]);
    fprintf(out, "            memcpy(&y[(oy * %ld + ox) * %ld], &x[(oy / %ld * %ld + ox / %ld) * "
                 "%ld], %ld * sizeof *y);\n", o->dims[1], c, fy, in->dims[1], fx, c, c);
}

static void embedding_code(FILE *out, const ExportStep *st)
{
    const Layer *l = st->l;
    long steps = l->in.dims[0], d = l->units;
    fprintf(out, "/* %s: each of the %ld ids, a row of W (%ld, %ld); 1 for an id outside "
                 "0 .. %ld */\n", st->fn, steps, l->vocab, d, l->vocab - 1);
    fprintf(out, "static int %s(const float *restrict x, float *restrict y)\n{\n", st->fn);
    fprintf(out, "    for (int t = 0; t < %ld; t++) {\n", steps);
    fprintf(out, "        if (!(x[t] >= 0 && x[t] < %ld) || x[t] != (int)x[t])\n", l->vocab);
    fprintf(out, "            return 1;\n");
    fprintf(out, "        memcpy(&y[t * %ld], &%s_w[(int)x[t] * %ld], %ld * sizeof *y);\n    }\n",
            d, st->fn, d, d);
    fprintf(out, "    return 0;\n}\n\n");
}

/* z[0 .. G) = b + x_t W + h U */
static void gate_sums(FILE *out, long f, long n, long g, const char *fn, const char *bias)
{
    fprintf(out, "        for (int j = 0; j < %ld; j++)\n            z[j] = %s[j];\n", g, bias);
    fprintf(out, "        for (int i = 0; i < %ld; i++)\n", f);
    fprintf(out, "            for (int j = 0; j < %ld; j++)\n", g);
    fprintf(out, "                z[j] += x[t * %ld + i] * %s_w[i * %ld + j];\n", f, fn, g);
    fprintf(out, "        for (int k = 0; k < %ld; k++)\n", n);
    fprintf(out, "            for (int j = 0; j < %ld; j++)\n", g);
    fprintf(out, "                z[j] += h[k] * %s_u[k * %ld + j];\n", fn, g);
}

static void recurrent_code(FILE *out, const ExportStep *st)
{
    const Layer *l = st->l;
    long t_max = l->in.dims[0], f = l->in.dims[1], n = l->units;
    long g = recurrent_gates(l->kind) * n;
    const char *fn = st->fn;
    fprintf(out, "/* %s: %s over %ld steps of %ld, %ld units (Keras's equations: "
                 "docs/language.md) */\n", fn, l->stmt->word, t_max, f, n);
    fprintf(out, "static void %s(const float *restrict x, float *restrict y)\n{\n", fn);
    fprintf(out, "    float h[%ld] = { 0 }, z[%ld];\n", n, g);
    if (l->kind == LAYER_LSTM)
        fprintf(out, "    float c[%ld] = { 0 };\n", n);
    if (l->kind == LAYER_GRU)
        fprintf(out, "    float zh[%ld];\n", g);
    char num[64];
    if (l->kind == LAYER_RNN && (l->act == ACT_LEAKY_RELU || l->act == ACT_ELU))
        fprintf(out, "    const float a = %s;\n", float_lit(num, sizeof num, l->act_param));
    fprintf(out, "    for (int t = 0; t < %ld; t++) {\n", t_max);
    if (l->kind == LAYER_GRU) {
        /* x W + b_in into z, h U + b_rec into zh */
        fprintf(out, "        for (int j = 0; j < %ld; j++) {\n", g);
        fprintf(out, "            z[j] = %s_b[j];\n            zh[j] = %s_b[%ld + j];\n        }\n",
                fn, fn, g);
        fprintf(out, "        for (int i = 0; i < %ld; i++)\n", f);
        fprintf(out, "            for (int j = 0; j < %ld; j++)\n", g);
        fprintf(out, "                z[j] += x[t * %ld + i] * %s_w[i * %ld + j];\n", f, fn, g);
        fprintf(out, "        for (int k = 0; k < %ld; k++)\n", n);
        fprintf(out, "            for (int j = 0; j < %ld; j++)\n", g);
        fprintf(out, "                zh[j] += h[k] * %s_u[k * %ld + j];\n", fn, g);
        fprintf(out, "        for (int j = 0; j < %ld; j++) {\n", n);
        fprintf(out, "            float u = 1 / (1 + exp(-(z[j] + zh[j])));\n");
        fprintf(out, "            float r = 1 / (1 + exp(-(z[%ld + j] + zh[%ld + j])));\n", n, n);
        fprintf(out, "            float hh = tanh(z[%ld + j] + r * zh[%ld + j]);\n", 2 * n, 2 * n);
        fprintf(out, "            h[j] = u * h[j] + (1 - u) * hh;\n        }\n");
    } else {
        char bias[80];
        snprintf(bias, sizeof bias, "%s_b", fn);
        gate_sums(out, f, n, g, fn, bias);
        if (l->kind == LAYER_LSTM) {
            fprintf(out, "        for (int j = 0; j < %ld; j++) {\n", n);
            fprintf(out, "            float i = 1 / (1 + exp(-z[j]));\n");
            fprintf(out, "            float fg = 1 / (1 + exp(-z[%ld + j]));\n", n);
            fprintf(out, "            float cc = tanh(z[%ld + j]);\n", 2 * n);
            fprintf(out, "            float o = 1 / (1 + exp(-z[%ld + j]));\n", 3 * n);
            fprintf(out, "            c[j] = fg * c[j] + i * cc;\n");
            fprintf(out, "            h[j] = o * tanh(c[j]);\n        }\n");
        } else {
            fprintf(out, "        for (int j = 0; j < %ld; j++) {   /* %s */\n", n,
                    activation_name(l->act));
            fprintf(out, "            float v = z[j];\n            h[j] = %s;\n        }\n",
                    activation_value(l->act) ? activation_value(l->act) : "v");
        }
    }
    if (l->sequences)
        fprintf(out, "        memcpy(&y[t * %ld], h, sizeof h);\n", n);
    fprintf(out, "    }\n");
    if (!l->sequences)
        fprintf(out, "    memcpy(y, h, sizeof h);\n");
}

void export_layer_code(FILE *out, const ExportStep *st)
{
    const Layer *l = st->l;
    if (st->w_size)
        weights(out, st, "w", st->w, st->w_size);
    if (st->u_size)
        weights(out, st, "u", st->u, st->u_size);
    if (st->b_size)
        weights(out, st, "b", st->b, st->b_size);
    if (l->kind == LAYER_BATCHNORM) {
        long c = l->out.dims[l->out.ndims - 1];
        if (!st->scale)   /* --weights-at-runtime: NAME_load fills all six */
            for (int k = 0; k < 4; k++)
                weights(out, st, NORM_TENSORS[k], NULL, c);
        weights(out, st, "scale", st->scale, c);
        weights(out, st, "shift", st->shift, c);
        if (!st->scale)
            fprintf(out, "\n");
    } else if (!st->w && st->w_size) {
        fprintf(out, "\n");
    }
    switch (l->kind) {
    case LAYER_DENSE: dense_code(out, st); break;
    case LAYER_CONV2D: conv_code(out, st); break;
    case LAYER_CONV2D_TRANSPOSE: conv_transpose_code(out, st); break;
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
    case LAYER_SUMPOOL: pool_code(out, st); break;
    case LAYER_GLOBALAVGPOOL: global_pool_code(out, st); break;
    case LAYER_BATCHNORM: norm_code(out, st); break;
    case LAYER_UPSAMPLE: upsample_code(out, st); break;
    case LAYER_RNN:
    case LAYER_LSTM:
    case LAYER_GRU: recurrent_code(out, st); break;
    case LAYER_EMBEDDING: embedding_code(out, st); return;
    case LAYER_INPUT:
    case LAYER_FLATTEN:
    case LAYER_DROPOUT: break;
    }
    Activation act = st->norm ? st->norm->act : l->act;
    double param = st->norm ? st->norm->act_param : l->act_param;
    int has_act = l->kind == LAYER_DENSE || l->kind == LAYER_CONV2D ||
                  l->kind == LAYER_CONV2D_TRANSPOSE || l->kind == LAYER_BATCHNORM;
    if (has_act)
        activation(out, act, param, st->out_width);
    fprintf(out, "}\n\n");
}
