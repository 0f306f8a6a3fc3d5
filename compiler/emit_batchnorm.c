/* emit_batchnorm.c: batch normalization over the last dimension (the
 * channels of an image, the units of a flat layer), as Keras's
 * BatchNormalization(axis=-1):
 *
 *   training   each channel normalized by the batch's mean and (biased)
 *              variance over samples and pixels; the moving statistics
 *              move towards them by (1 - momentum).
 *   inference  by the moving statistics instead.
 *
 * Backward is that of the training forward (the only one training runs):
 * with N values per channel, xhat = (x - mean) / std,
 *   dgamma = sum dy xhat,  dbeta = sum dy,
 *   dx = gamma / (std N) (N dy - dbeta - xhat dgamma). */
#include "emit.h"

/* A frozen batchnorm (trainable=false) always normalizes by its moving
 * statistics and never updates them, as Keras does: its backward is then
 * that of an affine map, dx = dy gamma / sqrt(moving var + eps). */
static void emit_frozen(Emitter *e, const IrOp *op, const IrBuf *x, const char *y)
{
    const char *b = op->name;
    OUT("static void %s_forward(Replica *rep, int n, int training)\n{\n", b);
    OUT("    (void)training;   /* frozen: the moving statistics, always */\n");
    emit_act_param(e, op->act, op->act_param);
    OUT("    for (int c = 0; c < C; c++) {\n");
    OUT("        real scale = %s_gamma[c] / sqrt(%s_moving_var[c] + BN_EPSILON);\n", b, b);
    OUT("        real shift = %s_beta[c] - %s_moving_mean[c] * scale;\n", b, b);
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            rep->%s[i * C + c] = rep->%s[i * C + c] * scale + shift;\n    }\n",
        y, x->name);
    emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", b);
    emit_act_param(e, op->act, op->act_param);
    emit_activation_grad(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("    for (int c = 0; c < C; c++) {\n");
    OUT("        real scale = %s_gamma[c] / sqrt(%s_moving_var[c] + BN_EPSILON);\n", b, b);
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            rep->d_%s[i * C + c] = rep->d_%s[i * C + c] * scale;\n    }\n}\n\n",
        x->name, y);
}

static void emit_forward(Emitter *e, const IrOp *op, const char *x, const char *y)
{
    const char *b = op->name;
    OUT("static void %s_forward(Replica *rep, int n, int training)\n{\n", b);
    emit_act_param(e, op->act, op->act_param);
    OUT("    if (!training) {   /* y = gamma (x - moving mean) / sqrt(moving var + eps) + beta */\n");
    OUT("        real scale[C], shift[C];\n");
    OUT("        for (int c = 0; c < C; c++) {\n");
    OUT("            scale[c] = %s_gamma[c] / sqrt(%s_moving_var[c] + BN_EPSILON);\n", b, b);
    OUT("            shift[c] = %s_beta[c] - %s_moving_mean[c] * scale[c];\n        }\n", b, b);
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            for (int c = 0; c < C; c++)\n");
    OUT("                rep->%s[i * C + c] = rep->%s[i * C + c] * scale[c] + shift[c];\n", y, x);
    OUT("    } else {\n");
    OUT("        real mean[C] = { 0 }, var[C] = { 0 };\n");
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            for (int c = 0; c < C; c++)\n");
    OUT("                mean[c] += rep->%s[i * C + c];\n", x);
    OUT("        for (int c = 0; c < C; c++)\n            mean[c] /= n * S;\n");
    OUT("        for (int i = 0; i < n * S; i++)   /* two passes: no cancellation */\n");
    OUT("            for (int c = 0; c < C; c++) {\n");
    OUT("                real d = rep->%s[i * C + c] - mean[c];\n", x);
    OUT("                var[c] += d * d;\n            }\n");
    OUT("        for (int c = 0; c < C; c++) {\n");
    OUT("            var[c] /= n * S;\n");
    OUT("            rep->%s_inv_std[c] = 1 / sqrt(var[c] + BN_EPSILON);\n", b);
    OUT("            %s_moving_mean[c] = BN_MOMENTUM * %s_moving_mean[c] + (1 - BN_MOMENTUM) * mean[c];\n",
        b, b);
    OUT("            %s_moving_var[c] = BN_MOMENTUM * %s_moving_var[c] + (1 - BN_MOMENTUM) * var[c];\n",
        b, b);
    OUT("        }\n");
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            for (int c = 0; c < C; c++) {\n");
    OUT("                real xhat = (rep->%s[i * C + c] - mean[c]) * rep->%s_inv_std[c];\n", x, b);
    OUT("                rep->%s_xhat[i * C + c] = xhat;\n", b);
    OUT("                rep->%s[i * C + c] = %s_gamma[c] * xhat + %s_beta[c];\n", y, b, b);
    OUT("            }\n    }\n");
    emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
}

static void emit_backward(Emitter *e, const IrOp *op, const IrBuf *x, const char *y)
{
    const char *b = op->name;
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", b);
    emit_act_param(e, op->act, op->act_param);
    emit_activation_grad(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("    memset(rep->%s_dgamma, 0, sizeof rep->%s_dgamma);\n", b, b);
    OUT("    memset(rep->%s_dbeta, 0, sizeof rep->%s_dbeta);\n", b, b);
    OUT("    for (int i = 0; i < n * S; i++)\n");
    OUT("        for (int c = 0; c < C; c++) {\n");
    OUT("            rep->%s_dgamma[c] += rep->d_%s[i * C + c] * rep->%s_xhat[i * C + c];\n",
        b, y, b);
    OUT("            rep->%s_dbeta[c] += rep->d_%s[i * C + c];\n        }\n", b, y);
    if (!x->needs_grad) {
        emit_no_input_grad(e, x);
        OUT("}\n\n");
        return;
    }
    OUT("    real k[C];\n");
    OUT("    for (int c = 0; c < C; c++)\n");
    OUT("        k[c] = %s_gamma[c] * rep->%s_inv_std[c] / (n * S);\n", b, b);
    OUT("    for (int i = 0; i < n * S; i++)\n");
    OUT("        for (int c = 0; c < C; c++)\n");
    OUT("            rep->d_%s[i * C + c] = k[c] * (n * S * rep->d_%s[i * C + c] - rep->%s_dbeta[c] -\n",
        x->name, y, b);
    OUT("                                     rep->%s_xhat[i * C + c] * rep->%s_dgamma[c]);\n",
        b, b);
    OUT("}\n\n");
}

void emit_batchnorm(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const Layer *l = op->layer;
    const Shape *sh = &l->out;
    long channels = sh->dims[sh->ndims - 1];
    char num[64], shape[64];
    emit_source_line(e, op->stmt);
    OUT("   %s and %s are (n, %s): normalized per channel (the last dimension),\n", x->name,
        y->name, shape_str(sh, shape, sizeof shape));
    if (op->act == ACT_IDENTITY)
        OUT("   then y = gamma xhat + beta */\n");
    else
        OUT("   then y = %s(gamma xhat + beta) */\n", activation_name(op->act));
    OUT("#define C %ld       /* channels */\n", channels);
    OUT("#define S %ld       /* values of a channel in one sample */\n", op->n_in / channels);
    OUT("#define BN_MOMENTUM %s\n", float_lit(num, sizeof num, l->momentum));
    OUT("#define BN_EPSILON %s\n\n", float_lit(num, sizeof num, l->epsilon));
    if (!trains(op)) {
        emit_frozen(e, op, x, y->name);
        OUT("#undef C\n#undef S\n#undef BN_MOMENTUM\n#undef BN_EPSILON\n\n");
        return;
    }
    emit_forward(e, op, x->name, y->name);
    OUT("/* dgamma = sum dy xhat, dbeta = sum dy, dx = gamma / (std N) (N dy - dbeta - xhat dgamma)\n"
        "   over the N = n S values of each channel */\n");
    emit_backward(e, op, x, y->name);
    OUT("#undef C\n#undef S\n#undef BN_MOMENTUM\n#undef BN_EPSILON\n\n");
}

/* What a trained batchnorm's backward needs of its forward, and the
 * gradients of gamma and beta (a frozen one keeps nothing) */
void emit_batchnorm_fields(Emitter *e, const IrOp *op, FieldGroup group)
{
    const Shape *sh = &op->layer->out;
    long channels = sh->dims[sh->ndims - 1];
    const char *b = op->name;
    if (!trains(op))
        return;
    if (group == FIELDS_SCRATCH) {
        OUT("    real %s_xhat[SHARD_ROWS * %s];   /* the last training batch, normalized */\n", b,
            buf(e, op->out)->width_macro);
        OUT("    real %s_inv_std[%ld];   /* its 1 / sqrt(var + eps) */\n", b, channels);
    }
    if (group == FIELDS_GRADS)
        OUT("    real %s_dgamma[%ld], %s_dbeta[%ld];\n", b, channels, b, channels);
}

/* gamma and beta are trained; the moving statistics are state (grad NULL) */
void emit_batchnorm_params(Emitter *e, const IrOp *op)
{
    static const char *const ROWS[][4] = {   /* tensor, buffer, gradient, init */
        { "gamma", "gamma", "dgamma", "ONES" }, { "beta", "beta", "dbeta", "ZEROS" },
        { "moving_mean", "moving_mean", NULL, "ZEROS" },
        { "moving_variance", "moving_var", NULL, "ONES" },
    };
    const Shape *sh = &op->layer->out;
    long c = sh->dims[sh->ndims - 1];
    for (int i = 0; i < 4; i++) {
        ParamRow r = { .op = op, .tensor = ROWS[i][0], .value = ROWS[i][1], .ndims = 1,
                       .grad = "NULL", .fan_in = "0", .fan_out = "0", .scale = "0.0f" };
        snprintf(r.dims, sizeof r.dims, "%ld", c);
        snprintf(r.size, sizeof r.size, "%ld", c);
        snprintf(r.init, sizeof r.init, "%s", ROWS[i][3]);
        if (ROWS[i][2])
            grad_name(r.grad, sizeof r.grad, op, ROWS[i][2]);
        emit_param_row(e, &r);
    }
}
