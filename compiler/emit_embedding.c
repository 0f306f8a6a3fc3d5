/* emit_embedding.c: embedding, Keras's Embedding: each of a sample's T ids
 * (floats holding 0 .. VOCAB - 1: a text's characters) becomes its row of
 * W (VOCAB, D), a sequence of T steps of D values.
 *
 * Backward adds each step's gradient into its id's row of dW; nothing
 * flows back to the ids.  Beside W, the layer keeps the vocabulary, a
 * state tensor the runtime fills from the text and saves with the weights
 * (nnrt.h: nnrt_model.vocabulary): each id's byte + 1, 0 for none. */
#include "emit.h"

void emit_embedding(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, T) ids, %s_w is (VOCAB, D), %s is (n, T, D) */\n", x, p, y);
    OUT("#define T %ld   /* ids a sample */\n#define VOCAB %ld\n#define D %ld\n\n",
        op->n_in, op->layer->vocab, op->filters);
    OUT("/* id i of the input, held to the vocabulary whatever the data holds */\n");
    OUT("static int %s_id(const Replica *rep, int i)\n{\n", p);
    OUT("    int id = (int)rep->%s[i];\n", x);
    OUT("    return id < 0 ? 0 : id >= VOCAB ? VOCAB - 1 : id;\n}\n\n");
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    for (int i = 0; i < n * T; i++)\n");
    OUT("        memcpy(&rep->%s[i * D], &%s_w[%s_id(rep, i) * D], D * sizeof(real));\n", y, p,
        p);
    OUT("}\n\n");
    if (trains(op)) {
        OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
        OUT("    memset(rep->%s_dw, 0, sizeof rep->%s_dw);\n", p, p);
        OUT("    for (int i = 0; i < n * T; i++)   /* each step into its id's row */\n");
        OUT("        for (int k = 0; k < D; k++)\n");
        OUT("            rep->%s_dw[%s_id(rep, i) * D + k] += rep->d_%s[i * D + k];\n", p, p, y);
        char count[96];
        emit_regularization_grad(e, op, kernel_count(op, count, sizeof count));
        OUT("    /* the ids are data: no gradient for them */\n}\n\n");
    } else {
        emit_no_backward(e, op);
    }
    OUT("#undef T\n#undef VOCAB\n#undef D\n\n");
}

/* dW, for a shard's rows */
void emit_embedding_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    char count[96];
    if (group == FIELDS_GRADS && trains(op))
        OUT(MEMBER "%s_dw[%s];\n", op->name, kernel_count(op, count, sizeof count));
}

/* W (VOCAB, D), fans as Keras's for a 2-D shape; the vocabulary, state */
void emit_embedding_params(Emitter *e, const IrOp *op)
{
    long vocab = op->layer->vocab, d = op->filters;
    ParamRow w = { .op = op, .tensor = "w", .value = "w", .ndims = 2 };
    snprintf(w.dims, sizeof w.dims, "%ld, %ld", vocab, d);
    kernel_count(op, w.size, sizeof w.size);
    grad_name(w.grad, sizeof w.grad, op, "dw");
    kernel_init(op, w.init, sizeof w.init, w.scale, sizeof w.scale);
    snprintf(w.fan_in, sizeof w.fan_in, "%ld", vocab);
    snprintf(w.fan_out, sizeof w.fan_out, "%ld", d);
    ParamRow v = { .op = op, .tensor = "vocabulary", .value = "vocabulary", .ndims = 1,
                   .grad = "NULL", .init = "ZEROS", .fan_in = "0", .fan_out = "0",
                   .scale = "0.0f" };
    snprintf(v.dims, sizeof v.dims, "%ld", vocab);
    snprintf(v.size, sizeof v.size, "%ld", vocab);
    emit_param_row(e, &w);
    emit_param_row(e, &v);
}
