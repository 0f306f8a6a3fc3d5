/* emit_loss.c: the generated loss(): the sum over a batch's rows of the
 * per-sample loss against integer labels t (one-hot where the loss wants a
 * target vector), or against the rows of target[] (a regression's values,
 * soft targets: class probabilities), and the gradient of the batch's mean
 * loss with respect to the network's output, left in d_<output> for
 * backward(). */
#include <string.h>

#include "emit.h"

static const IrOp *fused_softmax(const Emitter *e)
{
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        if (op->kind == OP_ACTIVATION && op->fused_into_loss)
            return op;
    }
    return NULL;
}

/* Every loss() takes the replica whose output and gradient it reads and
 * writes, and the shard's labels t */
static void emit_loss_head(Emitter *e)
{
    OUT("static double loss(Replica *rep, int n, const int *t)\n{\n    double total = 0;\n");
}

/* The per-row loops for losses against a target vector (one-hot labels,
 * or a regression's target values): for each row r and output k, `err` is
 * y - t; body accumulates into total and writes the gradient dy. */
static void emit_onehot_loop(Emitter *e, const char *y, const char *body)
{
    emit_loss_head(e);
    if (e->m->regress)
        OUT("    (void)t;   /* a regression: the targets are in target[] */\n");
    OUT("    for (int r = 0; r < n; r++)\n");
    OUT("        for (int k = 0; k < CLASSES; k++) {\n");
    if (e->m->regress) {
        OUT("            real err = rep->%s[r * CLASSES + k] - rep->target[r * CLASSES + k];\n", y);
    } else {
        OUT("            real err = rep->%s[r * CLASSES + k] - (k == t[r] ? 1.0f : 0.0f);\n", y);
    }
    OUT("            real *dy = &rep->d_%s[r * CLASSES + k];\n", y);
    OUT("%s", body);
    OUT("        }\n    return total;\n}\n\n");
}

/* The target row q that the fused cross-entropy compares with: the soft
 * targets of target[], or onehot(t), each smoothed as Keras's
 * label_smoothing when the loss says so: (1 - E) q + E / K */
static const char *target_q(const Emitter *e)
{
    int smooth = e->m->label_smoothing > 0;
    if (e->m->soft_targets)
        return smooth ? "keep * q[k] + spread" : "q[k]";
    return smooth ? "(k == t[r] ? keep : 0) + spread" : NULL;
}

/* Softmax and cross-entropy fused against a target row q (soft targets, or
 * smoothed labels): loss = logsumexp(z) - sum_k q_k z_k, dL/dz = (p - q) / n */
static void emit_softmax_ce_rows(Emitter *e, const IrBuf *z, const IrBuf *p)
{
    int smooth = e->m->label_smoothing > 0, soft = e->m->soft_targets;
    OUT("   Softmax and cross-entropy fused, against %s", soft ? "each row's class "
        "probabilities q\n   (target[])" : "smoothed labels");
    if (smooth)
        OUT("%s\n   q = (1 - LABEL_SMOOTHING) %s + LABEL_SMOOTHING / CLASSES", soft ? ", made" : "",
            soft ? "q" : "onehot(t)");
    OUT(": per row, with\n"
        "   logits z = %s and p = %s, loss = logsumexp(z) - sum_k q_k z_k, and\n"
        "   dL/dz = (p - q) / n for the mean over the n rows.  Returns the sum. */\n",
        z->name, p->name);
    emit_loss_head(e);
    if (soft)
        OUT("    (void)t;   /* labels count accuracy alone */\n");
    if (smooth)
        OUT("    const real spread = LABEL_SMOOTHING / CLASSES, keep = 1 - LABEL_SMOOTHING;\n");
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *z = &rep->%s[r * CLASSES], *p = &rep->%s[r * CLASSES];\n",
        z->name, p->name);
    if (soft)
        OUT("        const real *q = &rep->target[r * CLASSES];\n");
    OUT("        real *dz = &rep->d_%s[r * CLASSES];\n", z->name);
    OUT("        real max = z[0];\n");
    OUT("        for (int k = 1; k < CLASSES; k++)\n            max = z[k] > max ? z[k] : max;\n");
    OUT("        double sum = 0, qz = 0;\n");
    OUT("        for (int k = 0; k < CLASSES; k++) {\n");
    OUT("            real qk = %s;\n", target_q(e));
    OUT("            sum += exp((double)z[k] - max);\n");
    OUT("            qz += (double)qk * z[k];\n");
    OUT("            dz[k] = (p[k] - qk) / n;\n        }\n");
    OUT("        total += log(sum) + max - qz;\n    }\n    return total;\n}\n\n");
}

static void emit_softmax_ce(Emitter *e, const IrBuf *z, const IrBuf *p)
{
    if (target_q(e)) {
        emit_softmax_ce_rows(e, z, p);
        return;
    }
    OUT("   Softmax and cross-entropy fused: per row, with logits z = %s and p = %s,\n",
        z->name, p->name);
    OUT("   loss = logsumexp(z) - z[t] (no log of a rounded-to-zero p), and\n");
    OUT("   dL/dz = (p - onehot(t)) / n for the mean over the n rows.  Returns the sum. */\n");
    emit_loss_head(e);
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *z = &rep->%s[r * CLASSES], *p = &rep->%s[r * CLASSES];\n",
        z->name, p->name);
    OUT("        real *dz = &rep->d_%s[r * CLASSES];\n", z->name);
    OUT("        real max = z[0];\n");
    OUT("        for (int k = 1; k < CLASSES; k++)\n            max = z[k] > max ? z[k] : max;\n");
    OUT("        double sum = 0;\n");
    OUT("        for (int k = 0; k < CLASSES; k++)\n            sum += exp((double)z[k] - max);\n");
    OUT("        total += log(sum) + max - z[t[r]];\n");
    OUT("        for (int k = 0; k < CLASSES; k++)\n            dz[k] = p[k] / n;\n");
    OUT("        dz[t[r]] -= (real)1 / n;\n    }\n    return total;\n}\n\n");
}

/* -log p[t]: cross-entropy on probabilities, and KL divergence from a
 * one-hot target (sum_k t_k log(t_k / p_k) = -log p[t]). */
static void emit_neg_log(Emitter *e, const IrBuf *y)
{
    OUT("   loss = -log p[t] per row, p = %s clipped at 1e-7 as Keras does,\n", y->name);
    OUT("   dL/dp[t] = -1 / (p[t] n).  Returns the sum over rows. */\n");
    emit_loss_head(e);
    OUT("    memset(rep->d_%s, 0, sizeof(real) * (size_t)n * CLASSES);\n", y->name);
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        real p = rep->%s[r * CLASSES + t[r]];\n", y->name);
    OUT("        p = p < 1e-7f ? 1e-7f : p;\n");
    OUT("        total -= log((double)p);\n");
    OUT("        rep->d_%s[r * CLASSES + t[r]] = -1.0f / (p * n);\n    }\n", y->name);
    OUT("    return total;\n}\n\n");
}

/* Against soft targets q (target[]): cross-entropy on probabilities,
 * -sum_k q_k log p_k, or Keras's KL divergence, sum_k q_k log(q_k / p_k)
 * with q and p clipped to [1e-7, 1]; either way dL/dp_k = -q_k / (p_k n). */
static void emit_soft_neg_log(Emitter *e, const IrBuf *y, int kl)
{
    OUT("   loss = %s per row, q = target[] (each row's class\n",
        kl ? "sum_k q_k log(q_k / p_k)" : "-sum_k q_k log p_k");
    OUT("   probabilities), p = %s, %s clipped to [1e-7, 1] as Keras does;\n", y->name,
        kl ? "both" : "p");
    OUT("   dL/dp_k = -q_k / (p_k n), 0 where p_k is clipped.  Returns the sum over rows. */\n");
    emit_loss_head(e);
    OUT("    (void)t;   /* labels count accuracy alone */\n");
    OUT("    for (int r = 0; r < n; r++)\n");
    OUT("        for (int k = 0; k < CLASSES; k++) {\n");
    OUT("            real y = rep->%s[r * CLASSES + k], q = rep->target[r * CLASSES + k];\n",
        y->name);
    OUT("            real p = y < 1e-7f ? 1e-7f : y > 1 ? 1 : y;\n");
    if (kl) {
        OUT("            q = q < 1e-7f ? 1e-7f : q > 1 ? 1 : q;\n");
        OUT("            total += q * (log((double)q) - log((double)p));\n");
    } else {
        OUT("            total -= q * log((double)p);\n");
    }
    OUT("            rep->d_%s[r * CLASSES + k] = p == y ? -q / (p * n) : 0;\n        }\n",
        y->name);
    OUT("    return total;\n}\n\n");
}

/* Keras's cosine similarity loss against soft targets: -cos(y, q). */
static void emit_soft_cosine(Emitter *e, const IrBuf *y)
{
    OUT("   Cosine similarity with each row's class probabilities q = target[], as\n");
    OUT("   Keras's loss: -cos(y, q) = -(q . y) / (|q| |y|) per row, with |v| =\n");
    OUT("   sqrt(sum v^2 + 1e-12); dL/dy_k = -(q_k / (|q| |y|) - (q . y) y_k /\n");
    OUT("   (|q| |y|^3)) / n.  Returns the sum. */\n");
    emit_loss_head(e);
    OUT("    (void)t;   /* labels count accuracy alone */\n");
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *y = &rep->%s[r * CLASSES], *q = &rep->target[r * CLASSES];\n",
        y->name);
    OUT("        real *dy = &rep->d_%s[r * CLASSES];\n", y->name);
    OUT("        double sq = 1e-12, qq = 1e-12, qy = 0;\n");
    OUT("        for (int k = 0; k < CLASSES; k++) {\n");
    OUT("            sq += (double)y[k] * y[k];\n");
    OUT("            qq += (double)q[k] * q[k];\n");
    OUT("            qy += (double)q[k] * y[k];\n        }\n");
    OUT("        double norm = sqrt(sq), qnorm = sqrt(qq);\n");
    OUT("        total -= qy / (qnorm * norm);\n");
    OUT("        for (int k = 0; k < CLASSES; k++)\n");
    OUT("            dy[k] = (real)(-(q[k] / norm - qy * y[k] / (norm * sq)) / (qnorm * n));\n");
    OUT("    }\n    return total;\n}\n\n");
}

/* Keras's cosine similarity loss: -cos(y, t), t one-hot. */
static void emit_cosine(Emitter *e, const IrBuf *y)
{
    OUT("   Cosine similarity with the one-hot label, as Keras's loss: -cos(y, t)\n");
    OUT("   = -y[t] / |y| per row, with |y| = sqrt(sum y^2 + 1e-12);\n");
    OUT("   dL/dy_k = -(onehot_k / |y| - y[t] y_k / |y|^3) / n.  Returns the sum. */\n");
    emit_loss_head(e);
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *y = &rep->%s[r * CLASSES];\n", y->name);
    OUT("        real *dy = &rep->d_%s[r * CLASSES];\n", y->name);
    OUT("        double sq = 1e-12;\n");
    OUT("        for (int k = 0; k < CLASSES; k++)\n            sq += (double)y[k] * y[k];\n");
    OUT("        double norm = sqrt(sq), yt = y[t[r]];\n");
    OUT("        total -= yt / norm;\n");
    OUT("        for (int k = 0; k < CLASSES; k++)\n");
    OUT("            dy[k] = (real)(-((k == t[r]) / norm - yt * y[k] / (norm * sq)) / n);\n");
    OUT("    }\n    return total;\n}\n\n");
}

static const char *against(const Emitter *e)
{
    return e->m->regress ? "the target values" : "one-hot labels";
}

static int sigmoid_fused(const Emitter *e)
{
    for (int i = 0; i < e->ir->n_ops; i++)
        if (e->ir->ops[i].act_grad_in_loss)
            return 1;
    return 0;
}

/* Binary cross-entropy of each output against its target value in [0, 1]
 * (an autoencoder's pixels, a multi-label row's 0/1 labels), the mean
 * over the outputs as Keras's binary_crossentropy takes it over the last
 * axis */
static void emit_bce_per_value(Emitter *e, const IrBuf *y)
{
    OUT("   Binary cross-entropy of each sigmoid output p = %s against its target\n", y->name);
    OUT("   value t in [0, 1], averaged over the CLASSES outputs as Keras does: loss =\n");
    OUT("   -sum_k (t log p + (1 - t) log(1 - p)) / CLASSES per row, p clipped to\n");
    OUT("   [1e-7, 1 - 1e-7]; %s.  Returns the sum over rows. */\n",
        sigmoid_fused(e) ? "fused with the sigmoid, dL/dz = (p - t) / (CLASSES n)"
                         : "dL/dp = (p - t) / (p (1 - p) CLASSES n)");
    emit_loss_head(e);
    OUT("    (void)t;   /* the targets are in target[] */\n");
    OUT("    for (int r = 0; r < n; r++)\n");
    OUT("        for (int k = 0; k < CLASSES; k++) {\n");
    OUT("            real p = rep->%s[r * CLASSES + k], tk = rep->target[r * CLASSES + k];\n",
        y->name);
    OUT("            double pc = p < 1e-7f ? 1e-7 : p > 1 - 1e-7f ? 1 - 1e-7 : p;\n");
    OUT("            total -= (tk * log(pc) + (1 - tk) * log(1 - pc)) / CLASSES;\n");
    if (sigmoid_fused(e))
        OUT("            rep->d_%s[r * CLASSES + k] = (p - tk) / (CLASSES * n);\n", y->name);
    else
        OUT("            rep->d_%s[r * CLASSES + k] = (real)((pc - tk) / (pc * (1 - pc)) / "
            "(CLASSES * n));\n", y->name);
    OUT("        }\n    return total;\n}\n\n");
}

void emit_loss(Emitter *e, const IrOp *op)
{
    const IrBuf *y = buf(e, op->in);
    const IrOp *sm = fused_softmax(e);
    emit_source_line(e, op->stmt);
    switch (op->loss) {
    case LOSS_CROSS_ENTROPY:
        if (sm) {
            emit_softmax_ce(e, buf(e, sm->in), y);
        } else if (e->m->soft_targets) {   /* the checker holds smoothing to the fused loss */
            OUT("   Cross-entropy of probabilities against soft targets:\n");
            emit_soft_neg_log(e, y, 0);
        } else {
            OUT("   Cross-entropy of probabilities against integer labels t:\n");
            emit_neg_log(e, y);
        }
        break;
    case LOSS_KL_DIVERGENCE:
        if (e->m->soft_targets) {
            OUT("   KL divergence from the soft targets q to p:\n");
            emit_soft_neg_log(e, y, 1);
            break;
        }
        OUT("   KL divergence from the one-hot label t to p: sum_k t_k log(t_k / p_k),\n");
        emit_neg_log(e, y);
        break;
    case LOSS_MSE:
        OUT("   Mean squared error against %s, averaged over the CLASSES\n", against(e));
        OUT("   outputs as Keras does: loss = sum_k (y_k - t_k)^2 / CLASSES per row,\n");
        OUT("   dL/dy = 2 (y - t) / (CLASSES n).  Returns the sum over rows. */\n");
        emit_onehot_loop(e, y->name, "            total += (double)err * err / CLASSES;\n"
                                     "            *dy = 2 * err / (CLASSES * n);\n");
        break;
    case LOSS_SUM_OF_SQUARES:
        OUT("   Sum of squares against %s: loss = 0.5 sum_k (y_k - t_k)^2\n", against(e));
        OUT("   per row, dL/dy = (y - t) / n.  Returns the sum over rows. */\n");
        emit_onehot_loop(e, y->name, "            total += 0.5 * err * err;\n"
                                     "            *dy = err / n;\n");
        break;
    case LOSS_MAE:
        OUT("   Mean absolute error against %s, averaged over the CLASSES\n", against(e));
        OUT("   outputs: loss = sum_k |y_k - t_k| / CLASSES per row,\n");
        OUT("   dL/dy = sign(y - t) / (CLASSES n).  Returns the sum over rows. */\n");
        emit_onehot_loop(e, y->name, "            total += fabs((double)err) / CLASSES;\n"
                                     "            *dy = (real)((err > 0) - (err < 0)) / (CLASSES * n);\n");
        break;
    case LOSS_COSINE_SIMILARITY:
        if (e->m->soft_targets)
            emit_soft_cosine(e, y);
        else
            emit_cosine(e, y);
        break;
    case LOSS_BINARY_CROSS_ENTROPY:
        if (e->m->regress || e->m->multi_label) {
            emit_bce_per_value(e, y);
            break;
        }
        OUT("   Binary cross-entropy of the sigmoid output p = %s against 0/1 labels t,\n",
            y->name);
        OUT("   fused with the sigmoid: loss = -(t log p + (1 - t) log(1 - p)) per row, p\n");
        OUT("   clipped to [1e-7, 1 - 1e-7] as Keras does; dL/dz = (p - t) / n.  Returns the sum. */\n");
        emit_loss_head(e);
        OUT("    for (int r = 0; r < n; r++) {\n");
        OUT("        real p = rep->%s[r];\n", y->name);
        OUT("        double pc = p < 1e-7f ? 1e-7 : p > 1 - 1e-7f ? 1 - 1e-7 : p;\n");
        OUT("        total -= t[r] ? log(pc) : log(1 - pc);\n");
        if (sigmoid_fused(e))
            OUT("        rep->d_%s[r] = (p - (real)t[r]) / n;\n", y->name);
        else    /* something stands between the sigmoid and the loss: dL/dp */
            OUT("        rep->d_%s[r] = (real)((pc - t[r]) / (pc * (1 - pc)) / n);\n", y->name);
        OUT("    }\n    return total;\n}\n\n");
        break;
    }
}
