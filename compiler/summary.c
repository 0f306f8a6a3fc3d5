/* summary.c: what `nnc check` prints, in the spirit of Keras's
 * model.summary(): per layer its output shape, parameters, multiply-adds
 * per sample, the activation memory of one training batch, and the kernel
 * the emitter chose (see pick_kernels.c for the rule); then the totals. */
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

/* The dense, conv2d or recurrent op of each layer, indexed like m->layers (NULL for others);
 * malloc'ed, so a model of 100000 layers costs one pass, not a search each. */
static const IrOp **dense_ops(const Model *m, const Ir *ir)
{
    const IrOp **ops = calloc((size_t)m->n_layers + 1, sizeof *ops);
    if (!ops) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < ir->n_ops; i++)
        if ((ir->ops[i].kind == OP_DENSE || ir->ops[i].kind == OP_CONV ||
             ir->ops[i].kind == OP_RECURRENT || ir->ops[i].kind == OP_CONV_TRANSPOSE) &&
            ir->ops[i].layer)
            ops[ir->ops[i].layer - m->layers] = &ir->ops[i];
    return ops;
}

/* 1536 -> "1.5 KiB" */
static const char *bytes_str(char *buf, size_t len, double bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
    int u = 0;
    while (bytes >= 1024 && u < 3) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

long layer_macs(const Layer *l)
{
    const Window *w = &l->win;
    if (l->kind == LAYER_CONV2D)
        return w->oh * w->ow * l->units * w->kh * w->kw * w->c;
    if (l->kind == LAYER_EMBEDDING)   /* a copy, no multiply-adds */
        return 0;
    if (l->kind == LAYER_CONV2D_TRANSPOSE)   /* every input pixel's window, whole or cropped */
        return w->h * w->w * l->units * w->kh * w->kw * w->c;
    if (l->kind == LAYER_RNN || l->kind == LAYER_LSTM || l->kind == LAYER_GRU)
        return l->in.dims[0] * (l->in.dims[1] + l->units) * recurrent_gates(l->kind) * l->units;
    if (l->kind == LAYER_DENSE)   /* on a sequence, on each step */
        return shape_size(&l->in) * l->units;
    return 0;
}

/* "conv2d 32 5x5 s2 same relu", "maxpool 2x2 s2": what the layer does */
static void layer_what(const Layer *l, char *what, size_t len)
{
    const Window *w = &l->win;
    char stride[32] = "";
    if (w->sh != 1 || w->sw != 1)
        snprintf(stride, sizeof stride, w->sh == w->sw ? " /%ld" : " /%ldx%ld", w->sh, w->sw);
    switch (l->kind) {
    case LAYER_DENSE:
        snprintf(what, len, "dense %ld %s", l->units, activation_name(l->act));
        break;
    case LAYER_CONV2D:
        snprintf(what, len, "conv2d %ld %ldx%ld%s %s", l->units, w->kh, w->kw, stride,
                 activation_name(l->act));
        break;
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
    case LAYER_SUMPOOL:
        snprintf(what, len, "%s %ldx%ld%s", l->stmt->word, w->kh, w->kw, stride);
        break;
    case LAYER_BATCHNORM:
        snprintf(what, len, "batchnorm %s", activation_name(l->act));
        break;
    case LAYER_CONV2D_TRANSPOSE:
        snprintf(what, len, "conv2d_transpose %ld %ldx%ld%s %s", l->units, w->kh, w->kw, stride,
                 activation_name(l->act));
        break;
    case LAYER_UPSAMPLE:
        snprintf(what, len, "upsample %ldx%ld", w->kh, w->kw);
        break;
    case LAYER_EMBEDDING:
        snprintf(what, len, "embedding %ld %ld", l->vocab, l->units);
        break;
    case LAYER_DROPOUT:
        snprintf(what, len, "dropout %g", l->rate);
        break;
    case LAYER_RNN:
        snprintf(what, len, "rnn %ld %s%s", l->units, activation_name(l->act),
                 l->sequences ? " sequences" : "");
        break;
    case LAYER_LSTM:
    case LAYER_GRU:
        snprintf(what, len, "%s %ld%s", l->stmt->word, l->units, l->sequences ? " sequences" : "");
        break;
    default:
        snprintf(what, len, "%s", l->stmt->word);
    }
}

/* "nnrt_mm", "nnrt_mm, 7 blocks", "nnrt_mm, dx sgemm, 25 blocks"; a recurrent
 * layer's "nnrt_mm, sgemm" */
static void kernel_column(const Ir *ir, const IrOp *op, char *out, size_t len)
{
    if (op->kind == OP_RECURRENT) {   /* explain_kernels.c says which product is whose */
        snprintf(out, len, "nnrt_mm, sgemm");
        return;
    }
    int sgemm_dx = op->kind == OP_DENSE && op->mm && !op->mm_dx && ir->bufs[op->in].needs_grad;
    long blocks = weight_blocks(op);
    snprintf(out, len, "%s%s", kernel_name(op), sgemm_dx ? ", dx sgemm" : "");
    if (blocks > 1)
        snprintf(out + strlen(out), len - strlen(out), ", %ld blocks", blocks);
}

SummaryRow *summary_rows(const Model *m, const Ir *ir)
{
    SummaryRow *rows = calloc((size_t)m->n_layers + 1, sizeof *rows);
    const IrOp **ops = dense_ops(m, ir);
    if (!rows) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        rows[i].layer = l;
        layer_what(l, rows[i].what, sizeof rows[i].what);
        rows[i].macs = layer_macs(l);
        /* flatten only reshapes: it holds no buffer of its own */
        rows[i].act_bytes =
            l->kind == LAYER_FLATTEN ? 0 : (double)shape_size(&l->out) * 4 * m->batch;
        if (ops[i])
            kernel_column(ir, ops[i], rows[i].kernel, sizeof rows[i].kernel);
    }
    free(ops);
    return rows;
}

/* Whether m has a layer of that kind */
static int has_layer(const Model *m, LayerKind kind)
{
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].kind == kind)
            return 1;
    return 0;
}

/* The table: per layer what it does, its output, parameters, multiply-adds,
 * activation memory and kernel; then the totals and the kernel rules. */
static void print_table(FILE *out, const Model *m, const Ir *ir)
{
    char shape[64], mem[32];
    long params = 0, macs = 0;
    double act_bytes = 0;
    SummaryRow *rows = summary_rows(m, ir);
    int name_w = 10;      /* the names' column: as wide as the longest (globalavgpool1) */
    int what_w = 24;      /* and what they do ("conv2d_transpose 16 3x3 /2 relu") */
    for (int i = 0; i < m->n_layers; i++) {
        if ((int)strlen(m->layers[i].name) > name_w)
            name_w = (int)strlen(m->layers[i].name);
        if ((int)strlen(rows[i].what) > what_w)
            what_w = (int)strlen(rows[i].what);
    }
    fprintf(out, "%-*s %-*s %-10s %12s %14s %12s  %s\n", name_w, "layer", what_w, "", "output",
            "params", "mult-adds", "activations", "kernel");
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        const SummaryRow *r = &rows[i];
        fprintf(out, "%-*s %-*s %-10s %12ld %14ld %12s  %s%s\n", name_w, l->name, what_w, r->what,
                shape_str(&l->out, shape, sizeof shape), l->n_params, r->macs,
                bytes_str(mem, sizeof mem, r->act_bytes), r->kernel,
                !l->frozen ? (r->kernel[0] ? "" : "-") : r->kernel[0] ? ", frozen" : "frozen");
        params += l->n_params;
        macs += r->macs;
        act_bytes += r->act_bytes;
    }
    free(rows);
    fprintf(out, "\ntotal: %ld params (%s of float32), %ld multiply-adds per sample forward,\n",
            params, bytes_str(mem, sizeof mem, (double)params * 4), macs);
    fprintf(out, "       %s of activations per batch of %ld\n",
            bytes_str(mem, sizeof mem, act_bytes), m->batch);
    fprintf(out,
            "kernels: a dense layer's products (x W; x^T dz and dz W^T back) are nnrt_mm's,\n"
            "         cblas_sgemm's where W (a block of its rows) has over %ld values;\n"
            "         dx is sgemm's where W has over %d values\n",
            MM_MAX_VALUES, MM_DX_MAX_VALUES);
    if (has_layer(m, LAYER_CONV2D))
        fprintf(out, "         conv2d copies its windows into rows (im2col) for nnrt_mm"
                     " (cblas_sgemm over %ld weights);\n"
                     "         3x3 and 5x5 of stride 1 over %d channels or more go by Winograd's"
                     " tiles\n",
                MM_MAX_VALUES, WINO_MIN_CHANNELS);
    if (has_layer(m, LAYER_CONV2D_TRANSPOSE))
        fprintf(out, "         conv2d_transpose computes its windows as rows by nnrt_mm (cblas_sgemm\n"
                     "         over %ld weights) and adds them into its output (col2im)\n",
                MM_MAX_VALUES);
    fprintf(out, "         (nnc check --explain-kernels says why, layer by layer)\n");
}

/* "dense1 l2=0.0001, conv2d1 l1=1e-05": the layers with a penalty on their kernel */
static void print_regularization(FILE *out, const Model *m)
{
    const char *sep = "regularization: ";
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->l1 > 0)
            fprintf(out, "%s%s l1=%g", sep, l->name, l->l1), sep = ", ";
        if (l->l2 > 0)
            fprintf(out, "%s%s l2=%g", sep, l->name, l->l2), sep = ", ";
    }
    if (*sep == ',')
        fputc('\n', out);
}

/* The training settings: the loss, the optimizer and its settings, the
 * schedule, batch, epochs and seed; then, where the model has them, the
 * regularization, the augmentation and the early stop, in canonical form. */
static void print_settings(FILE *out, const Model *m)
{
    fprintf(out, "loss %s", loss_name(m->loss));
    if (m->label_smoothing > 0)
        fprintf(out, " smoothing=%g", m->label_smoothing);
    if (m->soft_targets)
        fprintf(out, " against soft targets (a probability per class)");
    if (m->multi_label)
        fprintf(out, " on each of %d labels (multi-label)", m->n_targets);
    fprintf(out, ", optimizer %s", optimizer_name(m->optimizer));
    for (int p = 0; p < N_OPT_PARAMS; p++)
        if (m->opt_used & (1u << p))
            fprintf(out, " %s=%g", opt_param_name((OptParam)p), m->opt[p]);
    fprintf(out, ", schedule %s, batch %ld, epochs %ld, seed %llu\n",
            schedule_name(m->schedule.kind), m->batch, m->epochs, (unsigned long long)m->seed);
    if (m->schedule.stmt && m->schedule.stmt->n_args > 1) {   /* more than its kind */
        canon_stmt(out, m->schedule.stmt, m);
        fputc('\n', out);
    }
    print_regularization(out, m);
    if (m->augment.stmt) {
        fputs("augment:", out);
        for (const Stmt *s = m->augment.stmt->body; s; s = s->next) {
            fputs(s == m->augment.stmt->body ? " " : "; ", out);
            canon_stmt(out, s, m);
        }
        fputc('\n', out);
    }
    if (m->early_stop.stmt) {
        fputs("early stop: ", out);
        canon_stmt(out, m->early_stop.stmt, m);
        fputc('\n', out);
    }
}

void print_summary(FILE *out, const Model *m, const Ir *ir)
{
    /* the path as given may hold any byte: escaped, it drives no terminal
     * and could stand in a comment of the generated C */
    fprintf(out, "model %s (", m->name);
    c_comment_str(out, m->src->name);
    fprintf(out, ")\n\n");
    print_table(out, m, ir);
    print_settings(out, m);
}

/* Each line of text (len bytes) inside the comment the caller opened,
 * indented three spaces, its trailing blanks dropped. */
static void comment_lines(FILE *out, const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *last = e;
        while (last > p && last[-1] == ' ')
            last--;
        if (last > p)
            fputs("   ", out);
        c_comment_text(out, p, (size_t)(last - p));
        fputc('\n', out);
        p = nl ? nl + 1 : end;
    }
}

void emit_overview(FILE *out, const Model *m, const Ir *ir)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = text_stream(&text, &len);
    fprintf(f, "\nmodel %s\n\n", m->name);
    print_table(f, m, ir);
    fputc('\n', f);
    print_settings(f, m);
    fclose(f);
    comment_lines(out, text, len);
    free(text);
}
