/* summary.c: what `nnc check` prints, in the spirit of Keras's
 * model.summary(): each layer's output shape and parameter count, the
 * kernel the emitter chose, and the totals. */
#include <string.h>

#include "nnc.h"

static const IrOp *dense_op(const Ir *ir, const Layer *l)
{
    for (int i = 0; i < ir->n_ops; i++)
        if (ir->ops[i].layer == l && ir->ops[i].kind == OP_DENSE)
            return &ir->ops[i];
    return NULL;
}

void print_summary(FILE *out, const Model *m, const Ir *ir)
{
    char shape[64], what[80];
    long total = 0;
    fprintf(out, "model %s (%s)\n\n", m->name, m->src->name);
    fprintf(out, "%-10s %-22s %-12s %12s  %s\n", "layer", "", "output", "params", "kernel");
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        const IrOp *op = dense_op(ir, l);
        if (l->kind == LAYER_DENSE)
            snprintf(what, sizeof what, "dense %ld %s", l->units, activation_name(l->act));
        else if (l->kind == LAYER_DROPOUT)
            snprintf(what, sizeof what, "dropout %g", l->rate);
        else
            snprintf(what, sizeof what, "%s", l->stmt->word);
        fprintf(out, "%-10s %-22s %-12s %12ld  %s\n", l->name, what,
                shape_str(&l->out, shape, sizeof shape), l->n_params,
                op ? kernel_name(op->kernel) : "-");
        total += l->n_params;
    }
    fprintf(out, "\ntotal params: %ld (%.1f KiB of float32)\n", total, (double)total * 4 / 1024);
    fprintf(out, "loss %s, optimizer %s", loss_name(m->loss), optimizer_name(m->optimizer));
    for (int p = 0; p < N_OPT_PARAMS; p++)
        if (m->opt_used & (1u << p))
            fprintf(out, " %s=%g", opt_param_name((OptParam)p), m->opt[p]);
    fprintf(out, ", schedule %s, batch %ld, epochs %ld, seed %llu\n",
            schedule_name(m->schedule.kind), m->batch, m->epochs, (unsigned long long)m->seed);
}
