/* emit_transfer.c: the generated C of transfer learning: the table of
 * tensors that start from another model's weights (runtime/transfer.c
 * loads them), and the classes the data keeps. */
#include "emit.h"

/* The tensors of op, as PARAMS names them (ending in their suffixes) */
static int tensor_suffixes(const IrOp *op, const char *const **out)
{
    static const char *const KERNEL[] = { "w", "b" };
    static const char *const NORM[] = { "gamma", "beta", "moving_mean", "moving_variance" };
    static const char *const EMBEDDING[] = { "w", "vocabulary" };
    if (op->kind == OP_EMBEDDING) {
        *out = EMBEDDING;
        return 2;
    }
    if (op->kind == OP_DENSE || op->kind == OP_CONV || op->kind == OP_CONV_TRANSPOSE) {
        *out = KERNEL;
        return 2;
    }
    if (op->kind == OP_BATCHNORM) {
        *out = NORM;
        return 4;
    }
    return 0;
}

static int starts_from_file(const IrOp *op)
{
    const char *const *suffixes;
    return op->layer && op->layer->init_file && tensor_suffixes(op, &suffixes) > 0;
}

void emit_transfers(Emitter *e)
{
    int any = 0;
    for (int i = 0; i < e->ir->n_ops; i++)
        any |= starts_from_file(&e->ir->ops[i]);
    if (!any)
        return;
    OUT("/* Tensors that start from another model's weights, by name, not from their\n"
        "   initializer: transfer learning */\n");
    OUT("static const nnrt_transfer TRANSFERS[] = {\n");
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        const char *const *suffixes;
        int n = tensor_suffixes(op, &suffixes);
        if (!starts_from_file(op))
            continue;
        for (int k = 0; k < n; k++) {
            OUT("    { \"%s.%s\", ", op->name, suffixes[k]);
            c_string_literal(e->out, op->layer->init_file);
            OUT(" },\n");
        }
    }
    OUT("};\n\n");
}

void emit_transfer_fields(Emitter *e)
{
    const Model *m = e->m;
    if (m->keep) {
        OUT("    .keep_classes = 0x%xu,   /* classes", (unsigned)m->keep);
        for (int c = 0; c < 32; c++)
            if (m->keep & (1u << c))
                OUT(" %d", c);
        OUT(", relabeled 0 to %d */\n", __builtin_popcount(m->keep) - 1);
    }
    for (int i = 0; i < e->ir->n_ops; i++)
        if (starts_from_file(&e->ir->ops[i])) {
            OUT("    .n_transfers = sizeof TRANSFERS / sizeof TRANSFERS[0],\n");
            OUT("    .transfers = TRANSFERS,\n");
            break;
        }
}
