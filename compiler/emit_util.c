/* emit_util.c: the helpers every part of the C emitter shares: literals,
 * the .nn line above each op, buffers by index, whether an op trains or
 * needs a backward, and the names the PARAMS rows are made of. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* The shortest C float literal that reads back as the same float:
 * "0.001f", not "0.00100000005f"; "1.0f". */
const char *float_lit(char *buf, size_t len, double v)
{
    char num[40];
    float want = (float)v;
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(num, sizeof num, "%.*g", digits, (double)want);
        if ((float)strtod(num, NULL) == want)
            break;
    }
    int plain = strpbrk(num, ".en") == NULL;
    snprintf(buf, len, "%s%sf", num, plain ? ".0" : "");
    return buf;
}

/* The canonical text of statement s (canon.c), safe inside a comment: what
 * a piece of code came from, with no line number, so an edit elsewhere in
 * the .nn file leaves this comment alone. */
void emit_where(Emitter *e, const Stmt *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = text_stream(&text, &len);
    canon_stmt(f, s, e->m);
    fclose(f);
    c_comment_text(e->out, text, len);
    free(text);
}

/* The layer statement s declares, or NULL (the loss).  Ops come in network
 * order, so the search starts where the last one ended: a model of 100000
 * layers costs one pass, not a search each. */
static const Layer *layer_of(const Model *m, const Stmt *s)
{
    static int hint;
    for (int k = 0; k < m->n_layers; k++) {
        int i = (hint + k) % m->n_layers;
        if (m->layers[i].stmt == s) {
            hint = i;
            return &m->layers[i];
        }
    }
    return NULL;
}

/* "dense1: dense 128 relu" opening a comment: the layer's name and its statement. */
void emit_source_line(Emitter *e, const Stmt *s)
{
    const Layer *l = layer_of(e->m, s);
    OUT("/* %s: ", l ? l->name : s->word);
    emit_where(e, s);
    OUT("\n");
}

const IrBuf *buf(const Emitter *e, int i) { return &e->ir->bufs[i]; }

int trains(const IrOp *op)
{
    return (op->kind == OP_DENSE || op->kind == OP_CONV || op->kind == OP_BATCHNORM ||
            op->kind == OP_RECURRENT || op->kind == OP_CONV_TRANSPOSE ||
            op->kind == OP_EMBEDDING) &&
           op->layer && !op->layer->frozen;
}

int needs_backward(const Emitter *e, const IrOp *op)
{
    return trains(op) || (op->in >= 0 && buf(e, op->in)->needs_grad);
}

void emit_no_backward(Emitter *e, const IrOp *op)
{
    OUT("/* %s_backward: none: nothing before it trains */\n\n", op->name);
}

void emit_no_input_grad(Emitter *e, const IrBuf *x)
{
    if (x == buf(e, e->ir->input_buf))
        OUT("    /* %s is the input: no gradient needed */\n", x->name);
    else
        OUT("    /* nothing before %s trains: no gradient needed */\n", x->name);
}

void upper(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

const char *kernel_count(const IrOp *op, char *out, size_t len)
{
    if (op->kind == OP_CONV)
        snprintf(out, len, "%ld * %ld * %ld * %ld", op->win.kh, op->win.kw, op->win.c,
                 op->filters);
    else if (op->kind == OP_EMBEDDING)   /* (vocab, dim) */
        snprintf(out, len, "%ld * %ld", op->layer->vocab, op->filters);
    else if (op->kind == OP_CONV_TRANSPOSE)   /* (KH, KW, filters, input channels) */
        snprintf(out, len, "%ld * %ld * %ld * %ld", op->win.kh, op->win.kw, op->filters,
                 op->win.c);
    else if (op->kind == OP_RECURRENT)   /* W's, not U's: the one regularized */
        snprintf(out, len, "%ld * %ld", op->features, recurrent_gates(op->cell) * op->filters);
    else   /* dense */
        snprintf(out, len, "%s * %s", op->row_in, op->row_out);
    return out;
}

/* "conv32_dw", or NULL for a frozen layer: the runtime then keeps the
 * tensor as it is (no optimizer state, no updates, not gradchecked) */
void grad_name(char *out, size_t len, const IrOp *op, const char *suffix)
{
    if (trains(op))
        snprintf(out, len, "%s_%s", op->name, suffix);
    else
        snprintf(out, len, "NULL");
}

/* The init of a dense or conv2d kernel: NNRT_INIT_... and its scale */
void kernel_init(const IrOp *op, char *init, size_t len, char *scale, size_t slen)
{
    int n_inits;
    const char *const *inits = init_names(&n_inits);
    upper(init, len, inits[op->layer->init]);
    /* the scale means something only to init=normal and init=uniform */
    int scaled = strcmp(inits[op->layer->init], "normal") == 0 ||
                 strcmp(inits[op->layer->init], "uniform") == 0;
    float_lit(scale, slen, scaled ? op->layer->init_scale : 0);
}

/* A row with its fields labelled, in three lines a reviewer can read:
 *     { .name = "dense128.w",
 *       .ndims = 2, .dims = { IN, DENSE128_OUT }, .size = IN * DENSE128_OUT,
 *       .value = dense128_w, .grad = dense128_dw, .init = NNRT_INIT_..., ... }, */
void emit_param_row(Emitter *e, const ParamRow *r)
{
    OUT("    { .name = \"%s.%s\",\n", r->op->name, r->tensor);
    OUT("      .ndims = %d, .dims = { %s }, .size = %s,\n", r->ndims, r->dims, r->size);
    char at[128];
    OUT("      .value = %s_%s, .grad = %s,\n", r->op->name, r->value,
        grad_at(r->grad, at, sizeof at));
    OUT("      .init = NNRT_INIT_%s, .fan_in = %s, .fan_out = %s, .init_scale = %s%s\n",
        r->init, r->fan_in, r->fan_out, r->scale, r->grad_x[0] ? "," : " },");
    if (r->grad_x[0])
        OUT("      .grad_rows = %s_dw_rows, .grad_x = offsetof(Replica, %s),\n"
            "      .grad_dy = offsetof(Replica, %s), .block_rows = %s },\n", r->op->name,
            r->grad_x, r->grad_dy, r->block_rows);
}
