/* lower.c: from the checked Model to IR ops with fixed shapes.
 *
 * Lowering is literal (a dense layer with relu becomes a dense op and a relu
 * op; softmax and its loss stay apart); the passes then fuse what can be
 * fused.  Keeping the two apart lets each pass be read and tested alone. */
#include <ctype.h>
#include <string.h>

#include "nnc.h"

/* "dense128" -> "DENSE128_OUT" */
static void width_macro(char *out, size_t len, const char *layer)
{
    size_t i = 0;
    for (; layer[i] && i + 5 < len; i++)
        out[i] = (char)toupper((unsigned char)layer[i]);
    snprintf(out + i, len - i, "_OUT");
}

/* The op of layer l from buffer in to a new buffer of l's output shape,
 * named <layer>_y, or <layer>_z when an activation op follows. */
static IrOp *lower_op(Arena *a, Ir *ir, const Layer *l, OpKind kind, int in, int then_act)
{
    char name[80], macro[64];
    width_macro(macro, sizeof macro, l->name);
    snprintf(name, sizeof name, "%s_%s", l->name, then_act ? "z" : "y");
    int out = ir_add_buf(a, ir, name, macro, shape_size(&l->out));
    ir->bufs[out].shape = l->out;
    IrOp *op = ir_add_op(a, ir, kind, l->name);
    op->layer = l;
    op->stmt = l->stmt;
    op->in = in;
    op->out = out;
    op->n_in = ir->bufs[in].width;
    op->n_out = ir->bufs[out].width;
    op->act = ACT_IDENTITY;
    op->win = l->win;
    return op;
}

/* The activation of layer l after the op that made buffer z. */
static int lower_activation(Arena *a, Ir *ir, const Layer *l, int z)
{
    char name[80], opname[80];
    snprintf(name, sizeof name, "%s_y", l->name);
    int y = ir_add_buf(a, ir, name, ir->bufs[z].width_macro, ir->bufs[z].width);
    ir->bufs[y].shape = l->out;
    snprintf(opname, sizeof opname, "%s_%s", l->name, activation_name(l->act));
    IrOp *act = ir_add_op(a, ir, OP_ACTIVATION, opname);
    act->layer = l;
    act->stmt = l->stmt;
    act->in = z;
    act->out = y;
    act->n_in = act->n_out = ir->bufs[z].width;
    act->act = l->act;
    act->act_param = l->act_param;
    return y;
}

/* "DENSE28" + suffix, in the arena */
static const char *layer_macro(Arena *a, const Layer *l, const char *suffix)
{
    char macro[64];
    width_macro(macro, sizeof macro, l->name);
    macro[strlen(macro) - 4] = '\0';   /* drop "_OUT" */
    return arena_printf(a, "%s%s", macro, suffix);
}

/* dense, conv2d, batchnorm: the op, then its activation if it has one.
 * A dense layer on a sequence is one on each step: its rows are steps. */
static int lower_with_activation(Arena *a, Ir *ir, const Layer *l, OpKind kind, int in)
{
    int has_act = l->act != ACT_IDENTITY;
    IrOp *op = lower_op(a, ir, l, kind, in, has_act);
    op->filters = l->units;
    if (kind == OP_DENSE && l->in.sequence) {
        op->steps = l->in.dims[0];
        op->features = l->in.dims[1];
        op->n_in = op->features;
        op->n_out = l->units;
        op->row_in = layer_macro(a, l, "_STEP_INPUTS");
        op->row_out = layer_macro(a, l, "_STEP_UNITS");
    } else if (kind == OP_DENSE) {
        op->row_in = arena_printf(a, "%s", ir->bufs[op->in].width_macro);
        op->row_out = arena_printf(a, "%s", ir->bufs[op->out].width_macro);
    }
    return has_act ? lower_activation(a, ir, l, op->out) : op->out;
}

/* rnn, lstm, gru: one op, its gates' activations inside it */
static int lower_recurrent(Arena *a, Ir *ir, const Layer *l, int in)
{
    IrOp *op = lower_op(a, ir, l, OP_RECURRENT, in, 0);
    op->cell = l->kind;
    op->filters = l->units;
    op->steps = l->in.dims[0];
    op->features = l->in.dims[1];
    op->sequences = l->sequences;
    op->act = l->act;
    op->act_param = l->act_param;
    return op->out;
}

static int lower_dropout(Arena *a, Ir *ir, const Layer *l, int in)
{
    char name[64];
    snprintf(name, sizeof name, "%s_y", l->name);
    int y = ir_add_buf(a, ir, name, ir->bufs[in].width_macro, ir->bufs[in].width);
    ir->bufs[y].shape = l->out;
    IrOp *op = ir_add_op(a, ir, OP_DROPOUT, l->name);
    op->layer = l;
    op->stmt = l->stmt;
    op->in = in;
    op->out = y;
    op->n_in = op->n_out = ir->bufs[in].width;
    op->rate = l->rate;
    return y;
}

static const PoolKind POOL_OF[] = {
    [LAYER_MAXPOOL] = POOL_MAX, [LAYER_AVGPOOL] = POOL_AVG, [LAYER_SUMPOOL] = POOL_SUM,
};

/* A buffer needs a gradient only if a layer at or before the op that
 * writes it has tensors to train: behind frozen layers (trainable=false)
 * backward stops, and they cost no gradient work at all. */
static void mark_gradients(Ir *ir)
{
    int trainable = 0;
    for (int i = 0; i < ir->n_ops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->layer && op->layer->n_params > 0 && !op->layer->frozen &&
            (op->kind == OP_DENSE || op->kind == OP_CONV || op->kind == OP_BATCHNORM ||
             op->kind == OP_RECURRENT || op->kind == OP_CONV_TRANSPOSE ||
             op->kind == OP_EMBEDDING))
            trainable = 1;
        if (op->out >= 0)
            ir->bufs[op->out].needs_grad = trainable;
    }
}

Ir *lower_model(Arena *a, const Model *m)
{
    Ir *ir = arena_alloc(a, sizeof *ir);
    ir->model = m;
    int cur = -1;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        switch (l->kind) {
        case LAYER_INPUT:
            cur = ir_add_buf(a, ir, "x", "IN", shape_size(&l->out));
            ir->bufs[cur].shape = l->out;
            ir->bufs[cur].needs_grad = 0;
            ir->input_buf = cur;
            break;
        case LAYER_FLATTEN:
            break;      /* the buffers are flat already: only the shape changes */
        case LAYER_DENSE:
            cur = lower_with_activation(a, ir, l, OP_DENSE, cur);
            break;
        case LAYER_CONV2D:
            cur = lower_with_activation(a, ir, l, OP_CONV, cur);
            break;
        case LAYER_BATCHNORM:
            cur = lower_with_activation(a, ir, l, OP_BATCHNORM, cur);
            break;
        case LAYER_MAXPOOL:
        case LAYER_AVGPOOL:
        case LAYER_SUMPOOL:
            cur = lower_op(a, ir, l, OP_POOL, cur, 0)->out;
            ir->ops[ir->n_ops - 1].pool = POOL_OF[l->kind];
            break;
        case LAYER_GLOBALAVGPOOL:
            cur = lower_op(a, ir, l, OP_GLOBAL_AVGPOOL, cur, 0)->out;
            break;
        case LAYER_DROPOUT:
            cur = lower_dropout(a, ir, l, cur);
            break;
        case LAYER_RNN:
        case LAYER_LSTM:
        case LAYER_GRU:
            cur = lower_recurrent(a, ir, l, cur);
            break;
        case LAYER_EMBEDDING:
            cur = lower_op(a, ir, l, OP_EMBEDDING, cur, 0)->out;
            ir->ops[ir->n_ops - 1].filters = l->units;
            break;
        case LAYER_UPSAMPLE:
            cur = lower_op(a, ir, l, OP_UPSAMPLE, cur, 0)->out;
            break;
        case LAYER_CONV2D_TRANSPOSE:
            cur = lower_with_activation(a, ir, l, OP_CONV_TRANSPOSE, cur);
            break;
        }
    }
    ir->output_buf = cur;
    mark_gradients(ir);
    IrOp *loss = ir_add_op(a, ir, OP_LOSS, "loss");
    loss->stmt = m->loss_stmt;
    loss->loss = m->loss;
    loss->in = cur;
    loss->out = -1;
    loss->n_in = loss->n_out = ir->bufs[cur].width;
    /* Evaluation runs in chunks of MAX_BATCH rows: bigger chunks keep BLAS
     * efficient; the training batch may be anything up to it.  Fewer than
     * 256 where 256 rows of a large sample would pass what int indexes
     * (footprint.c); the batch itself is never cut. */
    long fit = ir_rows_that_fit(ir);
    ir->max_batch = m->batch > 256 ? m->batch : fit >= 256 ? 256 : fit > m->batch ? fit : m->batch;
    return ir;
}
