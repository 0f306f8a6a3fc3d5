/* emit_dropout.c: inverted dropout, its mask kept for backward. */
#include <string.h>

#include "emit.h"

void emit_dropout(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *W = x->width_macro;
    char rate[64];
    upper(rate, sizeof rate - 5, op->name);
    strcat(rate, "_RATE");
    emit_source_line(e, op->stmt);
    OUT("   %s and %s are (n, %s).  Inverted dropout: while training each\n", x->name,
        y->name, W);
    OUT("   unit is kept with probability 1 - %s and scaled by 1 / (1 - %s),\n", rate, rate);
    OUT("   so inference is the identity.  Backward: dx = dy * mask. */\n");
    OUT("static void %s_forward(Replica *rep, int n, int training, nnrt_rng *rng)\n{\n", op->name);
    OUT("    for (int i = 0; i < n * %s; i++) {\n", W);
    OUT("        rep->%s_mask[i] = !training ? 1.0f\n", op->name);
    OUT("                   : nnrt_rng_uniform(rng) < %s ? 0.0f : 1.0f / (1.0f - %s);\n", rate,
        rate);
    OUT("        rep->%s[i] = rep->%s[i] * rep->%s_mask[i];\n    }\n}\n\n", y->name, x->name,
        op->name);
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int i = 0; i < n * %s; i++)\n        rep->d_%s[i] = rep->d_%s[i] * rep->%s_mask[i];\n",
        W, x->name, y->name, op->name);
    OUT("}\n\n");
}

/* The mask forward drew, which backward multiplies by */
void emit_dropout_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    if (group == FIELDS_MASKS)
        OUT(MEMBER "%s_mask[SHARD_ROWS * %s];\n", op->name, buf(e, op->in)->width_macro);
}
