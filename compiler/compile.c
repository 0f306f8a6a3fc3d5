/* compile.c: the pipeline from .nn text to optimized IR, in one call, so
 * nnc's commands and the tests run exactly the same stages. */
#include "nnc.h"

void passes_run(Ir *ir)
{
    /* Fusions first (they change which ops exist), then kernel choice for
     * the ops that remain.  The activations fused away leave at once: the
     * fusions after look at the op that follows a dense, and that must be
     * the next live one (the loss, for sigmoid and binary cross-entropy).
     * No emitter sees a dead op. */
    pass_fuse_activation(ir);
    pass_remove_dead(ir);
    pass_fuse_softmax_ce(ir);
    pass_fuse_sigmoid_bce(ir);
    pass_pick_kernels(ir);
}

Ir *compile_source(Arena *a, const Source *src, Diag *d, Model **model_out)
{
    return compile_source_with(a, src, d, NULL, 0, model_out);
}

Ir *compile_source_with(Arena *a, const Source *src, Diag *d, const Define *defs, int n_defs,
                        Model **model_out)
{
    Stmt *stmts = parse_source(a, src, d);
    /* Every syntax error is reported, but checking a tree with holes in it
     * would mostly report the holes again, so meaning waits for syntax. */
    if (d->n_errors) {
        if (model_out)
            *model_out = NULL;
        return NULL;
    }
    Model *m = check_model(a, stmts, src, d, defs, n_defs);
    if (model_out)
        *model_out = m;
    if (!m || d->n_errors)
        return NULL;
    Ir *ir = lower_model(a, m);
    passes_run(ir);
    if (ir_check_footprint(ir, d))
        return NULL;
    return ir;
}
