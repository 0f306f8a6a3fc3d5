/* emit_activation.c: the elementwise activations, as a loop a dense or
 * conv2d layer applies to its output in place (and its gradient from that
 * output), or as an op of their own (gelu, softplus, swish); and softmax. */
#include "emit.h"

/* Each elementwise activation as C: its value from v, its derivative as a
 * function of the output y (for those a dense layer applies in place), or
 * of the input v.  `a` is the activation's parameter (slope, alpha). */
typedef struct ActCode {
    const char *value;      /* y = f(v) */
    const char *grad_y;     /* f'(v) from y, or NULL */
    const char *grad_v;     /* f'(v) from v */
} ActCode;

static ActCode act_code(Activation act)
{
    switch (act) {
    case ACT_RELU: return (ActCode){ "v > 0 ? v : 0", "(y > 0)", "(v > 0)" };
    case ACT_SIGMOID: return (ActCode){ "1 / (1 + exp(-v))", "y * (1 - y)", NULL };
    case ACT_TANH: return (ActCode){ "tanh(v)", "(1 - y * y)", NULL };
    case ACT_LEAKY_RELU: return (ActCode){ "v > 0 ? v : a * v", "(y > 0 ? 1 : a)", NULL };
    case ACT_ELU: return (ActCode){ "v > 0 ? v : a * expm1(v)", "(y > 0 ? 1 : y + a)", NULL };
    case ACT_GELU:
        /* 0.5 v (1 + erf(v / sqrt 2)); derivative Phi(v) + v phi(v) */
        return (ActCode){ "0.5f * v * (1 + erf(v * 0.70710678f))", NULL,
                          "(0.5f * (1 + erf(v * 0.70710678f)) + v * 0.39894228f * exp(-0.5f * v * v))" };
    case ACT_SOFTPLUS:
        /* log(1 + e^v) without overflow; derivative sigmoid(v) */
        return (ActCode){ "v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))", NULL,
                          "(1 / (1 + exp(-v)))" };
    case ACT_SWISH:
        /* v sigmoid(v); derivative s (1 + v (1 - s)) with s = sigmoid(v) */
        return (ActCode){ "v / (1 + exp(-v))", NULL,
                          "(1 / (1 + exp(-v))) * (1 + v * (1 - 1 / (1 + exp(-v))))" };
    case ACT_STEP:
        /* the perceptron's: flat wherever it has a slope, so none passes */
        return (ActCode){ "v > 0 ? 1 : 0", "0", "0" };
    case ACT_IDENTITY:
    case ACT_SOFTMAX: break;
    }
    return (ActCode){ NULL, NULL, NULL };
}

static int act_has_param(Activation act) { return act == ACT_LEAKY_RELU || act == ACT_ELU; }

void emit_act_param(Emitter *e, Activation act, double param)
{
    char num[64];
    if (act_has_param(act))
        OUT("    const real a = %s;   /* %s */\n", float_lit(num, sizeof num, param),
            act == ACT_LEAKY_RELU ? "slope" : "alpha");
}

/* y = act(y), elementwise over the first n rows of a buffer, in place. */
const char *activation_value(Activation act)
{
    return act_code(act).value;
}

const char *activation_grad_y(Activation act)
{
    return act == ACT_IDENTITY ? "1" : act_code(act).grad_y;
}

/* "NNRT_RELU" / "NNRT_NO_ACT" where nnrt_mm_bias applies act itself in
 * its last step (nnrt_kernels.h), else NULL: the loop stays */
const char *mm_act(Activation act)
{
    return !mm_fuses(act) ? NULL : act == ACT_RELU ? "NNRT_RELU" : "NNRT_NO_ACT";
}

void emit_activation_loop(Emitter *e, Activation act, const char *y, const char *width)
{
    ActCode code = act_code(act);
    if (!code.value)
        return;
    OUT("    for (int i = 0; i < n * %s; i++) {   /* %s */\n", width, activation_name(act));
    OUT("        real v = rep->%s[i];\n        rep->%s[i] = %s;\n    }\n", y, y, code.value);
}

/* dz = dy * act'(y), in place, with act' written in terms of y. */
void emit_activation_grad(Emitter *e, Activation act, const char *y, const char *width)
{
    ActCode code = act_code(act);
    if (!code.grad_y)
        return;
    if (act == ACT_STEP) {
        OUT("    for (int i = 0; i < n * %s; i++)   /* dz = 0: step has no slope */\n", width);
        OUT("        rep->d_%s[i] = 0;\n", y);
        return;
    }
    if (act == ACT_RELU) {
        /* a select, not dy * (y > 0): gcc makes that product a branch per
         * value, which it does not vectorize and which mispredicts about
         * half the time (5% of fashion_mlp's step at batch 32) */
        OUT("    for (int i = 0; i < n * %s; i++)   /* dz = dy * relu'(y) */\n", width);
        OUT("        rep->d_%s[i] = rep->%s[i] > 0 ? rep->d_%s[i] : 0;\n", y, y, y);
        return;
    }
    OUT("    for (int i = 0; i < n * %s; i++) {   /* dz = dy * %s'(y) */\n", width,
        activation_name(act));
    OUT("        real y = rep->%s[i];\n        rep->d_%s[i] *= %s;\n    }\n", y, y, code.grad_y);
}

void emit_elementwise(Emitter *e, const IrOp *op)
{
    const IrBuf *x = buf(e, op->in), *y = buf(e, op->out);
    const char *W = x->width_macro;
    ActCode code = act_code(op->act);
    emit_source_line(e, op->stmt);
    OUT("   %s and %s are (n, %s): y = %s, elementwise;\n", x->name, y->name, W, code.value);
    OUT("   backward: dx = dy * %s */\n", code.grad_v);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int i = 0; i < n * %s; i++) {\n", W);
    OUT("        real v = rep->%s[i];\n        rep->%s[i] = %s;\n    }\n}\n\n", x->name, y->name,
        code.value);
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int i = 0; i < n * %s; i++) {\n", W);
    OUT("        real v = rep->%s[i];\n        rep->d_%s[i] = rep->d_%s[i] * %s;\n    }\n}\n\n",
        x->name, x->name, y->name, code.grad_v);
}

void emit_softmax(Emitter *e, const IrOp *op)
{
    const IrBuf *z = buf(e, op->in), *p = buf(e, op->out);
    const char *K = p->width_macro;
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, %s), %s is (n, %s): p = exp(z - max z) / sum exp(z - max z) per row */\n",
        z->name, K, p->name, K);
    OUT("static void %s_forward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *z = &rep->%s[r * %s];\n", z->name, K);
    OUT("        real *p = &rep->%s[r * %s];\n", p->name, K);
    OUT("        real max = z[0], sum = 0;\n");
    OUT("        for (int k = 1; k < %s; k++)\n            max = z[k] > max ? z[k] : max;\n", K);
    OUT("        for (int k = 0; k < %s; k++) {\n", K);
    OUT("            p[k] = exp(z[k] - max);\n            sum += p[k];\n        }\n");
    OUT("        for (int k = 0; k < %s; k++)\n            p[k] /= sum;\n    }\n}\n\n", K);
    if (op->fused_into_loss) {
        OUT("/* %s_backward: fused into the loss, which writes d_%s directly */\n\n", op->name,
            z->name);
        return;
    }
    if (!needs_backward(e, op)) {
        emit_no_backward(e, op);
        return;
    }
    OUT("/* dz_k = p_k (dp_k - sum_j dp_j p_j) */\n");
    OUT("static void %s_backward(Replica *rep, int n)\n{\n", op->name);
    OUT("    for (int r = 0; r < n; r++) {\n");
    OUT("        const real *p = &rep->%s[r * %s], *dp = &rep->d_%s[r * %s];\n", p->name, K,
        p->name, K);
    OUT("        real *dz = &rep->d_%s[r * %s];\n", z->name, K);
    OUT("        real dot = 0;\n");
    OUT("        for (int k = 0; k < %s; k++)\n            dot += dp[k] * p[k];\n", K);
    OUT("        for (int k = 0; k < %s; k++)\n            dz[k] = p[k] * (dp[k] - dot);\n", K);
    OUT("    }\n}\n\n");
}

/* An activation that stays an op of its own: softmax over a row, or an
 * elementwise one a dense or conv2d could not take as its epilogue */
void emit_activation(Emitter *e, const IrOp *op)
{
    if (op->act == ACT_SOFTMAX)
        emit_softmax(e, op);
    else
        emit_elementwise(e, op);
}
