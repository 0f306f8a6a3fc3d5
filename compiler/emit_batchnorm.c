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
 *   dx = gamma / (std N) (N dy - dbeta - xhat dgamma).
 *
 * A batch is cut into shards on replicas of their own (docs/parallel.md),
 * and the mean, the variance, dgamma and dbeta are over the whole batch:
 * so the driver ends a stage of forward after each trained batchnorm's
 * <b>_stats and one of backward after its <b>_backward, and the runtime
 * runs that stage on every shard, then the batchnorm's meet, which
 * combines the shards' sums (nnrt.h: nnrt_stage).  A frozen batchnorm
 * needs nothing of the batch. */
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

/* The training forward, in two halves around the meet (nnrt.h:
 * nnrt_stage): the mean and variance are the whole batch's, and each
 * shard holds part of the batch.  <b>_stats sums this shard's part,
 * <b>_meet combines every shard's, <b>_forward normalizes by them. */
static void emit_stats(Emitter *e, const IrOp *op, const char *x)
{
    const char *b = op->name;
    OUT("/* This shard's part of the batch's statistics: per channel, the mean of its\n"
        "   values and the sum of their squared deviations from it (M2), in double */\n");
    OUT("static void %s_stats(Replica *rep, int n, int training)\n{\n", b);
    OUT("    if (!training)   /* the moving statistics: nothing to gather */\n        return;\n");
    OUT("    double *mean = rep->%s_shard_stats, *m2 = rep->%s_shard_stats + C;\n", b, b);
    OUT("    for (int c = 0; c < C; c++)\n        mean[c] = m2[c] = 0;\n");
    OUT("    for (int i = 0; i < n * S; i++)\n");
    OUT("        for (int c = 0; c < C; c++)\n");
    OUT("            mean[c] += rep->%s[i * C + c];\n", x);
    OUT("    for (int c = 0; c < C; c++)\n        mean[c] /= n * S;\n");
    OUT("    for (int i = 0; i < n * S; i++)   /* two passes: no cancellation */\n");
    OUT("        for (int c = 0; c < C; c++) {\n");
    OUT("            double d = rep->%s[i * C + c] - mean[c];\n", x);
    OUT("            m2[c] += d * d;\n        }\n}\n\n");
    OUT("/* The batch's mean and variance from every shard's (rows[s] rows each), combined\n"
        "   pairwise (Chan, Golub and LeVeque) in shard order, into every replica; the\n"
        "   moving statistics move towards them.  The same bits whatever the threads. */\n");
    OUT("static void %s_meet(nnrt_replica *const *reps, const int *rows, int shards)\n{\n", b);
    OUT("    double count = 0, mean[C] = { 0 }, m2[C] = { 0 };\n");
    OUT("    for (int s = 0; s < shards; s++) {\n");
    OUT("        const double *their = reps[s]->%s_shard_stats;\n", b);
    OUT("        double more = (double)rows[s] * S, total = count + more;\n");
    OUT("        for (int c = 0; rows[s] > 0 && c < C; c++) {\n");
    OUT("            double delta = their[c] - mean[c];\n");
    OUT("            mean[c] = count == 0 ? their[c] : mean[c] + delta * more / total;\n");
    OUT("            m2[c] += their[C + c] + delta * delta * count * more / total;\n");
    OUT("        }\n        count = total;\n    }\n");
    OUT("    for (int c = 0; c < C; c++) {\n");
    OUT("        real m = (real)mean[c], var = (real)(m2[c] / count);\n");
    OUT("        real inv_std = 1 / sqrt(var + BN_EPSILON);\n");
    OUT("        %s_moving_mean[c] = BN_MOMENTUM * %s_moving_mean[c] + (1 - BN_MOMENTUM) * m;\n",
        b, b);
    OUT("        %s_moving_var[c] = BN_MOMENTUM * %s_moving_var[c] + (1 - BN_MOMENTUM) * var;\n",
        b, b);
    OUT("        for (int s = 0; s < shards; s++) {\n");
    OUT("            reps[s]->%s_mean[c] = m;\n", b);
    OUT("            reps[s]->%s_inv_std[c] = inv_std;\n        }\n    }\n}\n\n", b);
}

static void emit_forward(Emitter *e, const IrOp *op, const char *x, const char *y)
{
    const char *b = op->name;
    emit_stats(e, op, x);
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
    OUT("    } else {   /* by the batch's statistics, which %s_meet left */\n", b);
    OUT("        for (int i = 0; i < n * S; i++)\n");
    OUT("            for (int c = 0; c < C; c++) {\n");
    OUT("                real xhat = (rep->%s[i * C + c] - rep->%s_mean[c]) * rep->%s_inv_std[c];\n",
        x, b, b);
    OUT("                rep->%s_xhat[i * C + c] = xhat;\n", b);
    OUT("                rep->%s[i * C + c] = %s_gamma[c] * xhat + %s_beta[c];\n", y, b, b);
    OUT("            }\n    }\n");
    emit_activation_loop(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("}\n\n");
}

/* Backward, in two halves around a meet when a gradient flows on: dx
 * needs dgamma and dbeta over the whole batch */
static void emit_backward(Emitter *e, const IrOp *op, const IrBuf *x, const char *y)
{
    const char *b = op->name;
    OUT("/* This shard's dgamma = sum dy xhat and dbeta = sum dy, in double%s */\n",
        x->needs_grad ? " for the meet" : "");
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", b);
    emit_act_param(e, op->act, op->act_param);
    emit_activation_grad(e, op->act, y, buf(e, op->out)->width_macro);
    OUT("    double *dgamma = rep->%s_shard_grads, *dbeta = rep->%s_shard_grads + C;\n", b, b);
    OUT("    for (int c = 0; c < C; c++)\n        dgamma[c] = dbeta[c] = 0;\n");
    OUT("    for (int i = 0; i < n * S; i++)\n");
    OUT("        for (int c = 0; c < C; c++) {\n");
    OUT("            dgamma[c] += rep->d_%s[i * C + c] * rep->%s_xhat[i * C + c];\n", y, b);
    OUT("            dbeta[c] += rep->d_%s[i * C + c];\n        }\n", y);
    OUT("    for (int c = 0; c < C; c++) {\n");
    OUT("        rep->%s_dgamma[c] = (real)dgamma[c];\n", b);
    OUT("        rep->%s_dbeta[c] = (real)dbeta[c];\n    }\n", b);
    if (!x->needs_grad)
        emit_no_input_grad(e, x);
    OUT("}\n\n");
    if (!x->needs_grad)
        return;
    OUT("/* The batch's dgamma and dbeta: sum over the shards s, in order, of (n_s / n)\n"
        "   times theirs (each shard's dy is of its own mean loss); into each replica\n"
        "   divided by its N = n_s S values, as %s_input_grad wants them */\n", b);
    OUT("static void %s_grad_meet(nnrt_replica *const *reps, const int *rows, int shards)\n{\n",
        b);
    OUT("    double n = 0, dgamma[C] = { 0 }, dbeta[C] = { 0 };\n");
    OUT("    for (int s = 0; s < shards; s++)\n        n += rows[s];\n");
    OUT("    for (int s = 0; s < shards; s++) {\n");
    OUT("        const double *their = reps[s]->%s_shard_grads;\n", b);
    OUT("        for (int c = 0; rows[s] > 0 && c < C; c++) {\n");
    OUT("            dgamma[c] += rows[s] / n * their[c];\n");
    OUT("            dbeta[c] += rows[s] / n * their[C + c];\n        }\n    }\n");
    OUT("    for (int s = 0; s < shards; s++)\n");
    OUT("        for (int c = 0; rows[s] > 0 && c < C; c++) {\n");
    OUT("            reps[s]->%s_dgamma_n[c] = (real)(dgamma[c] / ((double)rows[s] * S));\n", b);
    OUT("            reps[s]->%s_dbeta_n[c] = (real)(dbeta[c] / ((double)rows[s] * S));\n", b);
    OUT("        }\n}\n\n");
    OUT("/* dx = gamma / std (dy - dbeta / N - xhat dgamma / N), with the batch's dgamma\n"
        "   and dbeta */\n");
    OUT("static void %s_input_grad(Replica *rep, int n)\n{\n", b);
    OUT("    real k[C];\n");
    OUT("    for (int c = 0; c < C; c++)\n");
    OUT("        k[c] = %s_gamma[c] * rep->%s_inv_std[c];\n", b, b);
    OUT("    for (int i = 0; i < n * S; i++)\n");
    OUT("        for (int c = 0; c < C; c++)\n");
    OUT("            rep->d_%s[i * C + c] = k[c] * (rep->d_%s[i * C + c] - rep->%s_dbeta_n[c] -\n",
        x->name, y, b);
    OUT("                                     rep->%s_xhat[i * C + c] * rep->%s_dgamma_n[c]);\n",
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
        OUT(MEMBER "%s_xhat[SHARD_ROWS * %s];   /* the last training batch, normalized */\n", b,
            buf(e, op->out)->width_macro);
        OUT("    double %s_shard_stats[2 * %ld];   /* this shard's mean and M2, for the meet */\n",
            b, channels);
        OUT(MEMBER "%s_mean[%ld], %s_inv_std[%ld];   /* the batch's, from the meet */\n", b,
            channels, b, channels);
        OUT("    double %s_shard_grads[2 * %ld];   /* this shard's dgamma and dbeta */\n", b,
            channels);
        if (buf(e, op->in)->needs_grad)
            OUT(MEMBER "%s_dgamma_n[%ld], %s_dbeta_n[%ld];   /* the batch's, over N */\n", b,
                channels, b, channels);
    }
    if (group == FIELDS_GRADS)
        OUT(MEMBER "%s_dgamma[%ld], %s_dbeta[%ld];\n", b, channels, b, channels);
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
