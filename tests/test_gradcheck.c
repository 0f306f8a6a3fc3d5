/* test_gradcheck.c: gradcheck fails every wrong backward.
 *
 * For each op kind a small model uses it.  The C nnc emits for the model
 * passes `gradcheck`; then, one at a time, a deliberate mistake in that
 * op's backward (a wrong sign, a missing factor, a wrong index), compiled
 * as `nnc build` compiles (the three commands `nnc build -v` prints: the
 * trainer and its double twin, then the link), must make gradcheck report
 * FAILED, with the tensor the mistake reaches first above the threshold.
 * Each mistake must be found exactly once in the function it names, so a
 * change to the emitter breaks this test loudly instead of leaving a
 * mutation that tests nothing.  That gradcheck passes right backwards on
 * every op, convnets with ReLU included: test_ops.c.
 *
 * First, the runtime's gradcheck (gradcheck.c) alone, on the tiny model
 * written by hand (tiny_model.h): it passes the right backward, fails wrong
 * ones, includes the penalty, and takes the clean side of a kink. */
#define SUITE_DIR "gradcheck-tiny"
#include "trainer_util.h"
#include "tiny_model.h"

typedef struct Mutation {
    const char *function;   /* "dense5_backward", "loss" */
    const char *from, *to;  /* the text replaced, once in the function */
    const char *tensor;     /* the tensor whose check must fail */
} Mutation;

enum { MAX_MUTATIONS = 8 };

typedef struct MutatedModel {
    const char *name;
    const char *network;
    const char *loss;
    const char *data;       /* more of the data block, or "" */
    const char *images;     /* "images": random pixels; "background": a box on zeros;
                               "soft": CSV rows of 4 values and 3 class probabilities */
    int samples;            /* gradcheck --samples */
    Mutation mutations[MAX_MUTATIONS];
} MutatedModel;

static const MutatedModel MODELS[] = {
    /* small dense layers by nnrt_mm (columns under a vector's, masked; dx
     * over W^T), tanh, sigmoid, l1, l2, and softmax fused with
     * cross-entropy */
    { "dense_small", "    input 64\n    dense 5 tanh l1=0.01\n    dense 4 sigmoid l2=0.01\n"
                     "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "dense5_dw_rows", "(real)share[s], s > 0)", "2 * (real)share[s], s > 0)",
          "dense5.w" },
        { "dense5_backward", "dense5_db[o] += rep->d_dense5_y[r * DENSE5_OUT + o]",
          "dense5_db[o] += rep->d_dense5_y[o]", "dense5.b" },
        { "dense4_backward", "= dense4_w[i * DENSE4_OUT + o];", "= dense4_w[i * DENSE4_OUT];",
          "dense5.w" },
        { "dense5_backward", "*= (1 - y * y);", "*= (1 + y * y);", "dense5.w" },
        { "dense4_backward", "*= y * (1 - y);", "*= y * (2 - y);", "dense4.w" },
        { "dense5_dw_rows", "DENSE5_L1 * ((w[i] > 0) - (w[i] < 0))",
          "DENSE5_L1 * ((w[i] < 0) - (w[i] > 0))", "dense5.w" },
        { "dense4_dw_rows", "2 * DENSE4_L2 * w[i]", "DENSE4_L2 * w[i]", "dense4.w" },
        { "loss", "dz[t[r]] -= (real)1 / n;", "dz[t[r]] -= (real)1;", "dense3.b" },
    } },
    /* dense by nnrt_mm (dW by rows, its l2, and dx over W^T), relu, leaky_relu */
    { "dense_gemm", "    input 8x8\n    flatten\n    dense 64 relu\n"
                    "    dense 64 leaky_relu slope=0.1 l2=0.01\n    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "dense64_dw_rows", "(real)share[s], s > 0)", "2 * (real)share[s], s > 0)",
          "dense64.w" },
        { "dense64_2_dw_rows", "2 * DENSE64_2_L2 * w[i]", "DENSE64_2_L2 * w[i]", "dense64_2.w" },
        { "dense64_2_backward", "= dense64_2_w[i * DENSE64_2_OUT + o];",
          "= dense64_2_w[i * DENSE64_2_OUT];", "dense64.w" },
        { "dense64_backward", "_y[i] > 0 ?", "_y[i] >= 0 ?", "dense64.b" },
        { "dense64_2_backward", "(y > 0 ? 1 : a)", "(y > 0 ? 1 : -a)", "dense64_2.w" },
    } },
    /* W in blocks of rows (emit_weight_grad.c): x W by parts added in block
     * order (on one thread, as gradcheck runs, each block added onto the
     * ones before it; test_threads holds the parts apart to the same
     * bits), dx = dz W^T by blocks of columns */
    { "dense_blocks", "    input 8x8\n    flatten\n    dense 160 relu\n    dense 300 tanh\n"
                      "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "dense300_part", "&rep->dense160_y[from]", "&rep->dense160_y[0]", "dense300.w" },
        { "dense300_part", "out, DENSE300_OUT, !apart);", "out, DENSE300_OUT, 0);",
          "dense300.w" },
        { "dense300_input_grad_part", "&dense300_w[from * DENSE300_OUT]", "&dense300_w[0]",
          "dense160.w" },
    } },
    /* blocks of over 2^18 weights (MM_MAX_VALUES): every product by cblas_sgemm */
    { "dense_sgemm", "    input 64\n    dense 130 tanh\n    dense 2100 tanh\n"
                     "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "dense2100_part", "1.0f, &rep->dense130_y[from]", "-1.0f, &rep->dense130_y[from]",
          "dense2100.w" },
        { "dense2100_dw_rows", "(real)share[s], &reps[s]->dense130_y[from]",
          "2 * (real)share[s], &reps[s]->dense130_y[from]", "dense2100.w" },
        { "dense2100_input_grad_part", "1.0f, rep->d_dense2100_y", "-1.0f, rep->d_dense2100_y",
          "dense130.w" },
    } },
    /* gelu, softplus, swish (separate ops), elu, the unfused softmax, mse */
    { "elementwise", "    input 64\n    dense 6 gelu\n    dense 6 softplus\n    dense 5 swish\n"
                     "    dense 4 elu alpha=0.7\n    dense 3 softmax\n", "mse", "", "images", 4, {
        { "dense6_gelu_backward", "v * 0.39894228f", "v * 0.3f", "dense6.w" },
        { "dense6_2_softplus_backward", "(1 / (1 + exp(-v)))", "(1 / (1 + exp(v)))", "dense6_2.w" },
        { "dense5_swish_backward", "(1 + v * (1 - ", "(1 - v * (1 - ", "dense5.w" },
        { "dense4_backward", "(y > 0 ? 1 : y + a)", "(y > 0 ? 1 : y - a)", "dense4.w" },
        { "dense3_softmax_backward", "(dp[k] - dot)", "(dp[k] + dot)", "dense3.w" },
        { "loss", "*dy = 2 * err / (CLASSES * n);", "*dy = err / (CLASSES * n);", "dense3.b" },
    } },
    /* label smoothing: the targets (1 - E) one-hot + E / K, in the fused loss */
    { "smoothing", "    input 64\n    dense 4 tanh\n    dense 3 softmax\n",
      "cross_entropy smoothing=0.2", "", "images", 4, {
        { "loss", "dz[k] = (p[k] - qk) / n;", "dz[k] = p[k] / n;", "dense3.b" },
        { "loss", "qz += (double)qk * z[k];", "qz += (double)qk * p[k];", "dense3.w" },
    } },
    /* soft targets (class probabilities from CSV): fused cross-entropy, also
     * smoothed, cross-entropy and KL on probabilities, cosine */
    { "soft_ce", "    input 4\n    dense 4 tanh\n    dense 3 softmax\n",
      "cross_entropy", "", "soft", 6, {
        { "loss", "dz[k] = (p[k] - qk) / n;", "dz[k] = (p[k] - qk);", "dense3.w" },
        { "loss", "qz += (double)qk * z[k];", "qz += (double)qk * p[k];", "dense3.b" },
    } },
    { "soft_smoothing", "    input 4\n    dense 4 tanh\n    dense 3 softmax\n",
      "cross_entropy smoothing=0.3", "", "soft", 6, {
        { "loss", "dz[k] = (p[k] - qk) / n;", "dz[k] = (p[k] - q[k]) / n;", "dense3.b" },
    } },
    { "soft_kl", "    input 4\n    dense 4 tanh\n    dense 3 softmax\n",
      "kl_divergence", "", "soft", 6, {
        { "loss", "? -q / (p * n) : 0;", "? -1 / (p * n) : 0;", "dense3.w" },
    } },
    { "soft_ce_unfused", "    input 4\n    dense 4 tanh\n    dense 3 softmax\n    dropout 0.5\n",
      "cross_entropy", "", "soft", 6, {
        { "loss", "? -q / (p * n) : 0;", "? -q / p : 0;", "dense3.w" },
    } },
    { "soft_cosine", "    input 4\n    dense 4 tanh\n    dense 3\n",
      "cosine_similarity", "", "soft", 6, {
        { "loss", "qy * y[k] / (norm * sq)", "qy * y[0] / (norm * sq)", "dense3.w" },
    } },
    /* the other losses */
    { "sum_of_squares", "    input 64\n    dense 4 tanh\n    dense 3 sigmoid\n", "sum_of_squares", "", "images", 4, {
        { "loss", "*dy = err / n;", "*dy = err * err / n;", "dense3.w" },
    } },
    { "mae", "    input 64\n    dense 4 tanh\n    dense 3\n", "mae", "", "images", 4, {
        { "loss", "((err > 0) - (err < 0))", "((err < 0) - (err > 0))", "dense3.b" },
    } },
    { "cosine", "    input 64\n    dense 4 tanh\n    dense 3\n", "cosine_similarity", "", "images", 4, {
        { "loss", "yt * y[k] / (norm * sq)", "yt * y[0] / (norm * sq)", "dense3.w" },
    } },
    { "kl_divergence", "    input 64\n    dense 4 tanh\n    dense 3 softmax\n", "kl_divergence", "", "images", 4, {
        { "loss", "= -1.0f / (p * n);", "= -1.0f / p;", "dense3.w" },
    } },
    /* binary cross-entropy, fused with the sigmoid before it, and dropout */
    { "bce_dropout", "    input 64\n    dense 4 tanh\n    dropout 0.3\n    dense 1 sigmoid\n",
      "binary_cross_entropy", "    positive 1 2\n", "images", 4, {
        { "loss", "(p - (real)t[r]) / n;", "(p + (real)t[r]) / n;", "dense1.b" },
        { "dense4_dropout_backward", "d_dense4_dropout_y[i] * rep->dense4_dropout_mask[i]",
          "d_dense4_dropout_y[i]", "dense4.w" },
    } },
    /* lstm, gru and rnn over 8 steps of 8 features, stacked by `sequences`:
     * backward through time (the carries dh and dc), U^T, h_prev for dU,
     * gru's two biases */
    { "recurrent", "    input 8x8\n    lstm 5 sequences\n    gru 4 sequences\n    rnn 3\n"
                   "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "lstm5_backward", "g[U + j] = dcj * cp * f * (1 - f);",
          "g[U + j] = dcj * cp * (1 - f);", "lstm5.b" },
        { "lstm5_backward", "dc[j] = dcj * f;", "dc[j] = dcj;", "lstm5.w" },
        { "lstm5_backward", "rep->lstm5_dh, U, 0);", "rep->lstm5_dh, U, 1);", "lstm5.w" },
        { "lstm5_backward", "&rep->lstm5_hp[(r * T + 1) * U]", "&rep->lstm5_hp[r * T * U]",
          "lstm5.u" },
        { "gru4_backward", "q[2 * U + j] = dah * rg;", "q[2 * U + j] = dah;", "gru4.u" },
        { "gru4_backward", "real daz = d * (hp - hh)", "real daz = d * (hh - hp)", "gru4.b" },
        { "gru4_backward", "dh[j] = d * zg;", "dh[j] = d;", "gru4.w" },
        { "rnn3_backward", "g[j] = d * (1 - y * y);", "g[j] = d * (1 + y * y);", "rnn3.w" },
    } },
    /* a dense layer on each step of a sequence (the rows of dW, db and dx
     * are the steps), its l2, and a recurrent autoencoder's per-step
     * output */
    { "per_step", "    input 8x8\n    lstm 5 sequences\n    dense 4 tanh l2=0.01\n    rnn 3\n"
                  "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "dense4_backward", "    n *= DENSE4_STEPS;", "    n *= 1;", "dense4.w" },
        { "dense4_backward", "rep->dense4_dw, DENSE4_STEP_UNITS, 1, 0);",
          "rep->dense4_dw, DENSE4_STEP_UNITS, 2, 0);", "dense4.w" },
        { "dense4_backward", "2 * DENSE4_L2 * dense4_w[i]", "DENSE4_L2 * dense4_w[i]",
          "dense4.w" },
    } },
    { "per_step_decoder", "    input 8x8\n    gru 5 sequences\n    dense 8 sigmoid\n",
      "binary_cross_entropy", "    target input\n", "images", 4, {
        { "dense8_backward", "    n *= DENSE8_STEPS;", "    n *= 1;", "gru5.w" },
    } },
    /* an autoencoder (target input): binary cross-entropy per output value
     * against the input, fused with the sigmoid */
    { "autoencoder", "    input 8x8\n    flatten\n    dense 6 relu\n    dense 64 sigmoid\n",
      "binary_cross_entropy", "    target input\n", "images", 4, {
        { "loss", "= (p - tk) / (CLASSES * n);", "= (p - tk) / n;", "dense64.b" },
        { "loss", "rep->target[r * CLASSES + k];", "rep->dense64_y[r * CLASSES + k];",
          "dense64.b" },
    } },
    /* a convolutional decoder: conv2d_transpose (dW, db, dx = rows W, the
     * windows of dz copied into rows; a cropped `same` and a strided
     * `valid`), upsample's block sums */
    { "decoder", "    input 4x8x2\n    conv2d_transpose 3 3x3 tanh stride=2 padding=same\n"
                 "    upsample 2\n    conv2d_transpose 2 2x3 stride=1x2 padding=valid\n"
                 "    flatten\n    dense 3 softmax\n", "cross_entropy", "", "images", 3, {
        { "convt3_backward", "rep->convt3_dw, C, 1, 1);", "rep->convt3_dw, C, 2, 1);",
          "convt3.w" },
        { "convt3_backward", "rep->convt3_db[f] += rep->d_convt3_y[r * F + f];",
          "rep->convt3_db[f] += rep->d_convt3_y[f];", "convt3.b" },
        { "convt2_backward", "K, convt2_w, C, &rep->d_", "K, convt2_w, 0, &rep->d_",
          "convt3.w" },
        { "convt2_im2col", "+ ix * SW) * F],", "+ ix) * F],", "convt3.w" },
        { "convt3_upsample_backward", "+ ox / SW) * C + c] +=", "+ ox / SW) * C] +=",
          "convt3.w" },
    } },
    /* conv2d_transpose over 2^18 weights (MM_MAX_VALUES): cblas_sgemm */
    { "convt_sgemm", "    input 8x8x1\n    maxpool 4\n    conv2d 64 1x1 tanh\n"
                     "    conv2d_transpose 512 3x3 tanh stride=2 padding=same\n"
                     "    globalavgpool\n    dense 3 softmax\n", "cross_entropy", "", "images", 2, {
        { "convt512_backward", "1.0f, rep->convt512_col, K, &rep", "0.5f, rep->convt512_col, K, &rep",
          "convt512.w" },
        { "convt512_backward", "1.0f, rep->convt512_col, K, convt512_w",
          "-1.0f, rep->convt512_col, K, convt512_w", "conv64.w" },
    } },
    /* conv2d, by im2col whatever the window (9, 72 and 36 values): dW, db,
     * dx through W^T, col2im; under 8 filters, dW^T by dot products */
    { "convs", "    input 8x8x1\n    conv2d 8 3x3 tanh padding=same\n    conv2d 4 3x3 tanh padding=same\n"
               "    conv2d 2 3x3 tanh\n    flatten\n    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "conv8_backward", "rep->conv8_dw, F, 1, 1);", "rep->conv8_dw, F, 2, 1);", "conv8.w" },
        { "conv8_backward", "conv8_db[f] += rep->d_conv8_y[r * F + f];",
          "conv8_db[f] -= rep->d_conv8_y[r * F + f];", "conv8.b" },
        { "conv4_backward", "rep->conv4_dwt, K, 1, 1);", "rep->conv4_dwt, K, 2, 1);", "conv4.w" },
        { "conv4_backward", "+= rep->conv4_dwt[f * K + k];", "+= rep->conv4_dwt[k];", "conv4.w" },
        { "conv4_backward", "= conv4_w[k * F + f];", "= conv4_w[k * F];", "conv8.w" },
        { "conv4_col2im", "dp[i] += row[ky * KW * C + i];", "dp[i] += row[ky * KW * C];", "conv8.w" },
        { "conv2_backward", "= conv2_w[k * F + f];", "= conv2_w[k * F];", "conv4.w" },
    } },
    /* conv2d by im2col with nnrt_mm: dW by nnrt_mm_tn, dx through W^T (a
     * 4x4 window: 3x3 and 5x5 ones over 8 channels or more go by Winograd) */
    { "conv_mm", "    input 8x8x1\n    conv2d 8 3x3 tanh padding=same\n    conv2d 32 4x4 tanh\n"
                 "    flatten\n    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "conv32_backward", "rep->conv32_dw, F, 1, 1);", "rep->conv32_dw, F, 2, 1);",
          "conv32.w" },
        { "conv32_backward", "= conv32_w[k * F + f];", "= conv32_w[k * F];", "conv8.w" },
    } },
    /* conv2d by Winograd's tiles: dW from x's tiles and dz's, dx through
     * the filters turned (flip 1), dz padded by KH - 1 - PT; F(4x4, 3x3),
     * F(4x4, 5x5) */
    { "conv_winograd", "    input 8x8x1\n    conv2d 8 3x3 tanh padding=same\n    conv2d 16 3x3 tanh\n"
                       "    conv2d 8 5x5 tanh padding=same\n    flatten\n    dense 3 softmax\n",
      "cross_entropy", "", "images", 4, {
        { "conv16_backward", "OH, OW, PH, PW, rep->conv16_pad, DPH",
          "OH, OW, PH, PW, rep->conv16_pad + C, DPH", "conv16.w" },
        { "conv16_backward", "conv16_w, 1, rep->conv16_v);", "conv16_w, 0, rep->conv16_v);",
          "conv8.w" },
        { "conv8_2_backward", "conv8_2_w, 1, rep->conv8_2_v);", "conv8_2_w, 0, rep->conv8_2_v);",
          "conv16.w" },
        { "conv16_dz_sample", "((oy + DPT) * DPW + DPL)", "((oy + DPT) * DPW + DPL + 1)",
          "conv8.w" },
    } },
    /* conv2d by im2col over 2^18 weights (MM_MAX_VALUES): cblas_sgemm */
    { "conv_sgemm", "    input 8x8x1\n    conv2d 64 3x3 tanh padding=same\n    maxpool 2\n"
                    "    conv2d 512 3x3 tanh padding=same\n    flatten\n    dense 3 softmax\n",
      "cross_entropy", "", "images", 2, {
        { "conv512_backward", "1.0f, rep->conv512_col, K, dy", "0.5f, rep->conv512_col, K, dy",
          "conv512.w" },
        { "conv512_backward", "1.0f, dy, F, conv512_w", "-1.0f, dy, F, conv512_w", "conv64.w" },
    } },
    /* every pool */
    { "pools", "    input 8x8\n    conv2d 4 3x3 tanh padding=same\n    maxpool 2\n"
               "    avgpool 3 stride=1 padding=same\n    sumpool 2x1\n    globalavgpool\n"
               "    dense 3 softmax\n", "cross_entropy", "", "images", 4, {
        { "conv4_maxpool_backward", "+= rep->d_conv4_maxpool_y[i];",
          "+= 2 * rep->d_conv4_maxpool_y[i];", "conv4.w" },
        { "conv4_avgpool_backward", "g[c] * share;", "g[c] * share * rows;", "conv4.w" },
        { "conv4_sumpool_backward", "din[c] += g[c];", "din[c] -= g[c];", "conv4.w" },
        { "conv4_globalavgpool_backward", "d_conv4_globalavgpool_y[s * 4 + c]", "d_conv4_globalavgpool_y[s * 4]",
          "conv4.w" },
    } },
    /* batchnorm in training mode, over channels and over units */
    { "batchnorm", "    input 8x8\n    conv2d 4 3x3 tanh padding=same\n    batchnorm\n    avgpool 2\n"
                   "    flatten\n    dense 6 tanh\n    batchnorm elu momentum=0.9\n    dense 3 softmax\n",
      "cross_entropy", "", "images", 8, {
        { "conv4_batchnorm_input_grad", "- rep->conv4_batchnorm_dbeta_n[c] -",
          "+ rep->conv4_batchnorm_dbeta_n[c] -", "conv4.w" },
        { "conv4_batchnorm_backward", "* rep->conv4_batchnorm_xhat[i * C + c];",
          "* rep->conv4_batchnorm_xhat[c];",
          "conv4_batchnorm.gamma" },
        { "dense6_batchnorm_backward", "dbeta[c] += rep->d_dense6_batchnorm_y[i * C + c];",
          "dbeta[c] += rep->d_dense6_batchnorm_y[c];", "dense6_batchnorm.beta" },
        /* the meet's sums, scaled for the input gradient */
        { "conv4_batchnorm_grad_meet", "(dgamma[c] / ((double)rows[s] * S))",
          "(dgamma[c] / ((double)rows[s]))", "conv4.w" },
    } },
    /* ReLU, max pooling and batchnorm over a zero background with zero
     * biases: kinks everywhere, and still no wrong backward passes */
    { "relu_convnet", "    input 8x8x1\n    conv2d 8 3x3 padding=same\n    batchnorm relu\n"
                      "    maxpool 2\n    conv2d 8 3x3 relu padding=same\n    maxpool 2\n    flatten\n"
                      "    dense 3 softmax\n", "cross_entropy", "", "background", 8, {
        { "conv8_2_backward", "_y[i] > 0 ?", "_y[i] >= 0 ?", "conv8_2.w" },
        { "conv8_maxpool_backward", "d_conv8_batchnorm_y[rep->conv8_maxpool_from[i]]",
          "d_conv8_batchnorm_y[i]", "conv8.w" },
        { "conv8_batchnorm_backward", "_y[i] > 0 ?", "_y[i] >= 0 ?", "conv8_batchnorm.beta" },
    } },
};

enum { N_MODELS = sizeof MODELS / sizeof MODELS[0] };

/* ---- building ------------------------------------------------------------- */

/* The three commands `nnc build -v` ran for exe, to run again on an edited
 * exe.c: the trainer's object, the twin's, the link. */
typedef struct Build {
    char *trainer, *twin, *link;
} Build;

/* The line of text (stdout and stderr of nnc build -v) that holds needle */
static char *line_with(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    ck_assert_msg(at != NULL, "no command with '%s' in:\n%s", needle, text);
    const char *start = at, *end = strchr(at, '\n');
    while (start > text && start[-1] != '\n')
        start--;
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* text with every `from` replaced by `to`; malloc'ed, text freed */
static char *replace_all(char *text, const char *from, const char *to)
{
    size_t n = 0, from_len = strlen(from), to_len = strlen(to);
    for (const char *p = strstr(text, from); p; p = strstr(p + from_len, from))
        n++;
    char *out = malloc(strlen(text) + n * to_len + 1), *w = out;
    ck_assert_ptr_nonnull(out);
    const char *r = text;
    for (const char *p = strstr(r, from); p; p = strstr(r, from)) {
        memcpy(w, r, (size_t)(p - r));
        w += p - r;
        memcpy(w, to, to_len);
        w += to_len;
        r = p + from_len;
    }
    strcpy(w, r);
    free(text);
    return out;
}

/* nnc builds in a private folder it removes after (and renames the
 * trainer onto exe); the commands again, made to build in exe.build/ and
 * link straight to exe, so that they can be run again */
static Build build_verbose(const char *nn, const char *exe)
{
    char cmd[2048], needle[600], *out;
    snprintf(cmd, sizeof cmd, "%s build -v %s -o %s", nnc_bin(), nn, exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s failed (%d):\n%s", cmd, status, out);
    Build b;
    b.trainer = line_with(out, "/trainer.o\n");   /* the compile ends in -o FOLDER/trainer.o */
    const char *o = strstr(b.trainer, " -o ");
    ck_assert_ptr_nonnull(o);
    char *folder = strndup(o + 4, strcspn(o + 4, " "));
    ck_assert_ptr_nonnull(strstr(folder, "/trainer.o"));
    *strstr(folder, "/trainer.o") = '\0';
    free(b.trainer);
    snprintf(needle, sizeof needle, " -o %s/trainer.o", folder);
    b.trainer = line_with(out, needle);
    snprintf(needle, sizeof needle, " -o %s/twin.o", folder);
    b.twin = line_with(out, needle);
    snprintf(needle, sizeof needle, " -o %s/trainer ", folder);
    b.link = line_with(out, needle);
    ck_assert_ptr_nonnull(strstr(b.twin, "-DNNRT_DOUBLE"));
    char linked[700], exe_arg[700], build_dir[700];
    snprintf(linked, sizeof linked, " %s/trainer ", folder);
    snprintf(exe_arg, sizeof exe_arg, " %s ", exe);
    snprintf(build_dir, sizeof build_dir, "%s.build", exe);
    b.link = replace_all(b.link, linked, exe_arg);
    b.trainer = replace_all(b.trainer, folder, build_dir);
    b.twin = replace_all(b.twin, folder, build_dir);
    b.link = replace_all(b.link, folder, build_dir);
    make_dir("%s", build_dir);
    free(folder);
    free(out);
    return b;
}

static void run_ok(const char *cmd)
{
    char *out;
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s failed (%d):\n%s", cmd, status, out);
    free(out);
}

static void build_free(Build *b)
{
    free(b->trainer);
    free(b->twin);
    free(b->link);
}

/* ---- the model, its C, its mutations -------------------------------------- */

/* tmp_dir()/gradcheck/soft.csv: 8 rows of 4 inputs and 3 class
 * probabilities, none of them 0 or 1 */
static void write_soft_rows(void)
{
    char path[1024], text[2048];
    size_t at = (size_t)snprintf(text, sizeof text, "a,b,c,d,p0,p1,p2\n");
    uint32_t s = 5;
    for (int r = 0; r < 8; r++) {
        double x[4], q[3], sum = 0;
        for (int k = 0; k < 4; k++)
            x[k] = 2 * lcg_uniform(&s) - 1;
        for (int k = 0; k < 3; k++)
            sum += q[k] = 0.1 + lcg_uniform(&s);
        at += (size_t)snprintf(text + at, sizeof text - at, "%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n",
                               x[0], x[1], x[2], x[3], q[0] / sum, q[1] / sum,
                               1 - q[0] / sum - q[1] / sum);
    }
    snprintf(path, sizeof path, "%s/gradcheck/soft.csv", tmp_dir());
    write_text(path, text);
}

/* Write m's .nn file (its data under tmp_dir()/gradcheck/) and build it;
 * the paths in nn and exe. */
static Build build_model(const MutatedModel *m, char *nn, char *exe, size_t len)
{
    write_op_images("gradcheck");
    snprintf(nn, len, "%s/gradcheck/%s.nn", tmp_dir(), m->name);
    snprintf(exe, len, "%s/gradcheck/%s", tmp_dir(), m->name);
    char text[4096];
    if (strcmp(m->images, "soft") == 0) {
        write_soft_rows();
        snprintf(text, sizeof text,
                 "model %s\n"
                 "data {\n"
                 "    train {\n        csv \"gradcheck/soft.csv\"\n    }\n"
                 "    test {\n        csv \"gradcheck/soft.csv\"\n    }\n"
                 "    inputs a b c d\n    targets p0 p1 p2\n%s"
                 "}\n"
                 "network {\n%s}\n"
                 "train {\n    loss %s\n    optimizer sgd\n}\n",
                 m->name, m->data, m->network, m->loss);
        write_text(nn, text);
        return build_verbose(nn, exe);
    }
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        images \"gradcheck/%s.idx\"\n"
             "        labels \"gradcheck/labels.idx\"\n    }\n"
             "    test {\n        images \"gradcheck/%s.idx\"\n"
             "        labels \"gradcheck/labels.idx\"\n    }\n"
             "    scale 1/255\n%s"
             "}\n"
             "network {\n%s}\n"
             "train {\n    loss %s\n    optimizer sgd\n}\n",
             m->name, m->images, m->images, m->data, m->network, m->loss);
    write_text(nn, text);
    return build_verbose(nn, exe);
}

/* c with mu applied: its `from` replaced by its `to`, where it occurs
 * exactly once in the definition of mu's function.  malloc'ed. */
static char *mutate(const char *c, const Mutation *mu)
{
    char head[128];
    const char *fn = NULL;
    const char *kinds[] = { "\nstatic void %s(", "\nstatic double %s(" };
    for (int k = 0; k < 2 && !fn; k++) {
        snprintf(head, sizeof head, kinds[k], mu->function);
        fn = strstr(c, head);
    }
    ck_assert_msg(fn != NULL, "no function %s in the emitted C", mu->function);
    const char *end = strstr(fn, "\n}\n");
    ck_assert_ptr_nonnull(end);
    const char *at = strstr(fn, mu->from);
    ck_assert_msg(at != NULL && at < end, "'%s' is not in %s: has the emitter changed?", mu->from,
                  mu->function);
    const char *again = strstr(at + 1, mu->from);
    ck_assert_msg(again == NULL || again > end, "'%s' is in %s more than once", mu->from,
                  mu->function);
    size_t before = (size_t)(at - c), from = strlen(mu->from), to = strlen(mu->to);
    char *out = malloc(strlen(c) - from + to + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, c, before);
    memcpy(out + before, mu->to, to);
    strcpy(out + before + to, at + from);
    return out;
}

/* `exe gradcheck --samples N`: its exit status, its report in *out */
static int gradcheck(const char *exe, int samples, char **out)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s %s gradcheck --samples %d", tmp_dir(), exe, samples);
    return run_cmd(cmd, out);
}

/* The worst relative error on the report line of tensor name */
static double tensor_error(const char *report, const char *name)
{
    char head[128];
    snprintf(head, sizeof head, "%s ", name);
    const char *line = report;
    while (line && strncmp(line, head, strlen(head)) != 0) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    const char *at = line ? strstr(line, "worst relative error ") : NULL;
    double err;
    if (at && sscanf(at, "worst relative error %lf", &err) == 1)
        return err;
    ck_abort_msg("no line for %s in:\n%s", name, report);
    return 0;
}

START_TEST(every_wrong_backward_fails)
{
    const MutatedModel *m = &MODELS[_i];
    char nn[600], exe[600], c_path[700], *report;
    Build b = build_model(m, nn, exe, sizeof nn);
    int status = gradcheck(exe, m->samples, &report);
    ck_assert_msg(status == 0 && strstr(report, "gradcheck: ok\n"), "%s as emitted: %s", m->name,
                  report);
    free(report);
    snprintf(c_path, sizeof c_path, "%s.c", exe);
    char *c = slurp(c_path);
    for (int k = 0; k < MAX_MUTATIONS && m->mutations[k].function; k++) {
        const Mutation *mu = &m->mutations[k];
        char *wrong = mutate(c, mu);
        write_text(c_path, wrong);
        free(wrong);
        run_ok(b.trainer);
        run_ok(b.twin);
        run_ok(b.link);
        status = gradcheck(exe, m->samples, &report);
        ck_assert_msg(status == 1 && strstr(report, "gradcheck: FAILED (") &&
                          strstr(report, "above 1e-05"),
                      "%s: %s -> %s in %s: %s", m->name, mu->from, mu->to, mu->function, report);
        ck_assert_msg(tensor_error(report, mu->tensor) > 1e-5, "%s: %s -> %s in %s: %s not named: %s",
                      m->name, mu->from, mu->to, mu->function, mu->tensor, report);
        free(report);
    }
    free(c);
    build_free(&b);
}
END_TEST

/* A trainer linked without its twin (its C compiled once, by hand) checks
 * in float, with the float tolerance, and says so first. */
START_TEST(without_the_twin_gradcheck_runs_in_float)
{
    char nn[600], exe[600], obj[700], *report;
    Build b = build_model(&MODELS[0], nn, exe, sizeof nn);
    snprintf(obj, sizeof obj, " %s.build/twin.o", exe);
    char *twin_at = strstr(b.link, obj);
    ck_assert_ptr_nonnull(twin_at);
    memmove(twin_at, twin_at + strlen(obj), strlen(twin_at + strlen(obj)) + 1);
    run_ok(b.trainer);
    run_ok(b.link);
    int status = gradcheck(exe, 4, &report);
    ck_assert_msg(status == 0, "%s", report);
    const char *said = "gradcheck: no double-precision twin in this trainer (its C compiled by "
                       "hand, not by nnc build): checking in float, tolerance 1e-02\n";
    ck_assert_msg(strncmp(report, said, strlen(said)) == 0, "%s", report);
    ck_assert_ptr_nonnull(strstr(report, "\ngradcheck: ok\n"));
    free(report);
    build_free(&b);
}
END_TEST

/* A twin whose tensors are not the model's is refused, not trusted. */
START_TEST(a_twin_that_does_not_match_is_refused)
{
    char nn[600], exe[600], c_path[700], *report;
    Build b = build_model(&MODELS[0], nn, exe, sizeof nn);
    snprintf(c_path, sizeof c_path, "%s.c", exe);
    char *c = slurp(c_path);
    char *row = strstr(c, "{ \"dense5.w\", dense5_w, offsetof(Replica, dense5_dw)");   /* TWIN_PARAMS's */
    ck_assert_ptr_nonnull(row);
    strchr(row, '.')[1] = 'v';
    write_text(c_path, c);
    free(c);
    run_ok(b.trainer);
    run_ok(b.twin);
    run_ok(b.link);
    int status = gradcheck(exe, 4, &report);
    ck_assert_msg(status != 0 && strstr(report, "gradcheck: cannot run: the double-precision "
                                               "twin's tensors are not the model's"),
                  "%s", report);
    free(report);
    build_free(&b);
}
END_TEST

/* ---- the runtime's gradcheck on the tiny model --------------------------- */

static int gradcheck_report_of(const nnrt_model *mp, int samples, char **report)
{
    nnrt_model m = *mp;
    nnrt_dataset ds = load_train();
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 3);
    nnrt_params_init(&m, &rng);
    for (int k = 0; k < K; k++)
        b[k] = 0.1f * (float)k;   /* not all zero, so a wrong bias gradient shows */
    float w_before[IN * K];
    memcpy(w_before, W, sizeof W);
    size_t len;
    FILE *f = open_memstream(report, &len);
    int rc = nnrt_gradcheck(&m, &ds, samples, 9, f);
    fclose(f);
    ck_assert_mem_eq(W, w_before, sizeof W);   /* values put back */
    nnrt_dataset_free(&ds);
    return rc;
}

static int gradcheck_report(int samples, char **report)
{
    nnrt_model m = tiny_model();
    return gradcheck_report_of(&m, samples, report);
}

START_TEST(gradcheck_passes_a_right_backward)
{
    char *report;
    int rc = gradcheck_report(4, &report);
    ck_assert_msg(rc == 0, "%s", report);
    ck_assert_msg(strncmp(report, "dense1.w  checked 12  worst relative error ", 43) == 0, "%s",
                  report);
    ck_assert_ptr_nonnull(strstr(report, "\ndense1.b  checked 3  worst relative error "));
    ck_assert_ptr_nonnull(strstr(report, "\ngradcheck: ok\n"));
    double worst;
    ck_assert_int_eq(sscanf(report + 43, "%lf", &worst), 1);
    ck_assert_msg(worst < 1e-3, "float32 softmax regression should agree closely: %s", report);
    free(report);
    rc = gradcheck_report(MAX_BATCH, &report);
    ck_assert_msg(rc == 0, "%s", report);
    free(report);
}
END_TEST

START_TEST(gradcheck_fails_a_wrong_backward)
{
    char *report;
    bug = BUG_WEIGHTS_TWICE;
    ck_assert_int_eq(gradcheck_report(4, &report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense1.w["),
                  "%s", report);
    free(report);
    bug = BUG_BIAS_SIGN;
    ck_assert_int_eq(gradcheck_report(4, &report), 1);
    ck_assert_msg(strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; worst dense1.b["),
                  "%s", report);
    free(report);
}
END_TEST

START_TEST(gradcheck_includes_the_penalty)
{
    /* an L2 penalty whose gradient 2 l2 W (up to ~0.1) is as large as the
     * data's: backward() with it passes, which needs the penalty in the
     * numerical loss too; backward() without it fails */
    nnrt_model m = tiny_model();
    m.penalty = tiny_penalty;
    l2 = 0.05;
    char *report;
    int rc = gradcheck_report_of(&m, 4, &report);
    ck_assert_msg(rc == 0, "%s", report);
    free(report);
    bug = BUG_NO_PENALTY_GRADIENT;
    rc = gradcheck_report_of(&m, 4, &report);
    ck_assert_msg(rc == 1 && strstr(report, "gradcheck: FAILED (1 of 2 tensors above 1e-02; "
                                            "worst dense1.w["),
                  "%s", report);
    free(report);
    /* and a model that leaves the penalty out of m->penalty but not of
     * backward() fails too: the check sees what the trainer reports */
    bug = BUG_NONE;
    m.penalty = NULL;
    ck_assert_int_eq(gradcheck_report_of(&m, 4, &report), 1);
    free(report);
}
END_TEST

START_TEST(gradcheck_takes_the_clean_side_of_a_kink)
{
    /* relu(z) before the softmax, and the bias of class 0 set so that the
     * first sample's z[0] is 3e-4: b[0] - h crosses the kink, so the
     * central difference mixes two slopes; the one-sided difference to the
     * right of it is clean and agrees with backward() */
    relu_logits = 1;
    nnrt_model m = tiny_model();
    nnrt_dataset ds = load_train();
    for (int i = 0; i < IN * K; i++)
        W[i] = 0.5f * (float)((i * 5) % 7 - 3) / 3;
    b[1] = b[2] = 0.25f;
    float dot = 0;
    for (int i = 0; i < IN; i++)
        dot += ds.pixels[i] * m.scale * W[i * K];
    b[0] = 3e-4f - dot;
    char *report;
    size_t len;
    FILE *f = open_memstream(&report, &len);
    int rc = nnrt_gradcheck(&m, &ds, 4, 1, f);
    fclose(f);
    ck_assert_msg(rc == 0, "%s", report);
    ck_assert_msg(strstr(report, "\ndense1.b  checked 3  worst relative error ") &&
                      strstr(report, "(1 at a kink: one-sided)\n"),
                  "%s", report);
    free(report);
    /* and the kink excuses nothing else: a wrong bias gradient still fails */
    bug = BUG_BIAS_SIGN;
    f = open_memstream(&report, &len);
    ck_assert_int_eq(nnrt_gradcheck(&m, &ds, 4, 1, f), 1);
    fclose(f);
    free(report);
    nnrt_dataset_free(&ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gradcheck");
    TCase *tiny = tcase_create("runtime");
    tcase_add_checked_fixture(tiny, setup, NULL);
    tcase_add_test(tiny, gradcheck_passes_a_right_backward);
    tcase_add_test(tiny, gradcheck_fails_a_wrong_backward);
    tcase_add_test(tiny, gradcheck_takes_the_clean_side_of_a_kink);
    tcase_add_test(tiny, gradcheck_includes_the_penalty);
    suite_add_tcase(s, tiny);
    TCase *tc = tcase_create("mutations");
    tcase_set_tags(tc, "mutations");   /* make check-sanitize leaves them out */
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, every_wrong_backward_fails, 0, N_MODELS);
    tcase_add_test(tc, without_the_twin_gradcheck_runs_in_float);
    tcase_add_test(tc, a_twin_that_does_not_match_is_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
