/* remove_dead.c: the ops a fusion marked dead leave the IR.
 *
 * Why: with a dead op in place, each later pass that matches neighbours
 * (op i and op i + 1) sees the corpse instead of the op after it, and each
 * emitter must skip it.  Compacted, the ops are the network as it runs.
 * Buffers stay where they are (ops refer to them by index); a buffer no
 * live op touches is simply never declared (emit_c.c: mark_used). */
#include "nnc.h"

void pass_remove_dead(Ir *ir)
{
    int live = 0;
    for (int i = 0; i < ir->n_ops; i++)
        if (!ir->ops[i].dead)
            ir->ops[live++] = ir->ops[i];
    ir->n_ops = live;
}
