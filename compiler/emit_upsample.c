/* emit_upsample.c: upsample, Keras's UpSampling2D (nearest), channels last:
 * output pixel (oy, ox) is input pixel (oy / SH, ox / SW), so each input
 * pixel becomes an SH x SW block; backward sums each block's gradients
 * back into its pixel. */
#include "emit.h"

void emit_upsample(Emitter *e, const IrOp *op)
{
    const char *x = buf(e, op->in)->name, *y = buf(e, op->out)->name, *p = op->name;
    emit_source_line(e, op->stmt);
    OUT("   %s is (n, H, W, C), %s is (n, OH, OW, C): OH = H * SH, OW = W * SW */\n", x, y);
    emit_window_macros(e, &op->win, p);
    OUT("\nstatic void %s_forward(Replica *rep, int n)\n{\n", p);
    OUT("    for (int s = 0; s < n; s++)\n");
    OUT("        for (int oy = 0; oy < OH; oy++)\n");
    OUT("            for (int ox = 0; ox < OW; ox++)\n");
    OUT("                memcpy(&rep->%s[((s * OH + oy) * OW + ox) * C],\n", y);
    OUT("                       &rep->%s[((s * H + oy / SH) * W + ox / SW) * C], C * sizeof(real));\n",
        x);
    OUT("}\n\n");
    if (needs_backward(e, op)) {
        OUT("static void %s_backward(Replica *rep, int n)\n{\n", p);
        OUT("    memset(rep->d_%s, 0, sizeof(real) * n * H * W * C);\n", x);
        OUT("    for (int s = 0; s < n; s++)   /* each block's sum, in order */\n");
        OUT("        for (int oy = 0; oy < OH; oy++)\n");
        OUT("            for (int ox = 0; ox < OW; ox++)\n");
        OUT("                for (int c = 0; c < C; c++)\n");
        OUT("                    rep->d_%s[((s * H + oy / SH) * W + ox / SW) * C + c] +=\n", x);
        OUT("                        rep->d_%s[((s * OH + oy) * OW + ox) * C + c];\n", y);
        OUT("}\n\n");
    } else {
        emit_no_backward(e, op);
    }
    emit_window_undefs(e);
}
