/* test_ops.c: every op's backward pass against central differences.
 *
 * Each model below is compiled by nnc into a real trainer, whose
 * `gradcheck` command perturbs parameters by +-h and compares
 * (L(w+h) - L(w-h)) / 2h with what backward() computed, in the trainer's
 * double-precision twin.  Together the models cover every activation,
 * both dense kernels (loops and gemm), conv2d's im2col over windows of 9
 * to 144 values, every pool, batchnorm, dropout, the fused softmax +
 * cross-entropy and mean squared error (which also runs the unfused
 * softmax backward); and convnets with ReLU, max pooling and batchnorm
 * over images on a zero background with zero biases, where ReLU's inputs
 * sit exactly on its kink and max pooling's near ties are everywhere: no
 * false alarm there either.  That gradcheck fails wrong backwards:
 * test_gradcheck.c. */
#include "trainer_util.h"

typedef struct OpModel {
    const char *name;
    const char *network;
    const char *loss;
    const char *data;     /* more of the data block, or NULL */
    int samples;          /* gradcheck --samples; 0 for 4 */
    int background;       /* images on a zero background, not random pixels */
} OpModel;

static const OpModel MODELS[] = {
    /* relu and identity through the loops kernel, softmax fused with CE */
    { "relu_loops", "    input 8x8\n    flatten\n    dense 6 relu\n    dense 5\n    dense 3 softmax\n",
      "cross_entropy", NULL, 0, 0 },
    /* 64 x 64 = 4096 weights: the cblas_sgemm kernel, with tanh */
    { "tanh_gemm", "    input 8x8\n    flatten\n    dense 64 tanh\n    dense 3 softmax\n",
      "cross_entropy", NULL, 0, 0 },
    /* sigmoid, dropout (inference mode in gradcheck: mask of ones) */
    { "sigmoid_dropout", "    input 64\n    dense 7 sigmoid\n    dropout 0.3\n    dense 3 softmax\n",
      "cross_entropy", NULL, 0, 0 },
    /* mean squared error through a softmax that is not fused */
    { "mse_softmax", "    input 64\n    dense 5 tanh\n    dense 3 softmax\n", "mse", NULL, 0, 0 },
    /* mean squared error on a sigmoid and on an identity output */
    { "mse_sigmoid", "    input 64\n    dense 4 relu\n    dense 3 sigmoid\n", "mse", NULL, 0, 0 },
    { "mse_identity", "    input 64\n    dense 3\n", "mse", NULL, 0, 0 },
    /* the other losses against one-hot labels */
    { "sum_of_squares", "    input 64\n    dense 4 tanh\n    dense 3 sigmoid\n", "sum_of_squares", NULL, 0, 0 },
    { "mae", "    input 64\n    dense 4 tanh\n    dense 3\n", "mae", NULL, 0, 0 },
    { "kl_divergence", "    input 64\n    dense 4 relu\n    dense 3 softmax\n", "kl_divergence", NULL, 0, 0 },
    { "cosine", "    input 64\n    dense 4 tanh\n    dense 3\n", "cosine_similarity", NULL, 0, 0 },
    /* binary cross-entropy, fused with its sigmoid and (behind a dropout) not */
    { "bce", "    input 64\n    dense 4 tanh\n    dense 1 sigmoid\n", "binary_cross_entropy",
      "    positive 1 2\n", 0, 0 },
    { "bce_unfused", "    input 64\n    dense 4 tanh\n    dense 1 sigmoid\n    dropout 0.2\n",
      "binary_cross_entropy", "    positive 2\n", 0, 0 },
    /* leaky_relu and elu, applied in place from their outputs */
    { "leaky_elu", "    input 64\n    dense 6 leaky_relu slope=0.1\n    dense 5 elu alpha=0.7\n"
                   "    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* gelu, softplus, swish: separate elementwise ops (gelu after a gemm) */
    { "gelu_softplus_swish", "    input 8x8\n    flatten\n    dense 64 gelu\n    dense 6 softplus\n"
                             "    dense 5 swish\n    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* conv2d, a small window (9 values), valid padding, with l1 and l2 */
    { "conv_small_window", "    input 8x8\n    conv2d 3 3x3 tanh l1=0.01 l2=0.01\n    flatten\n"
                     "    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* im2col kernel (window 72 and 144), same and numeric padding, stride 2 */
    { "conv_im2col", "    input 8x8x1\n    conv2d 8 3x3 elu padding=same\n"
                     "    conv2d 16 3x3 tanh padding=1 stride=2\n    conv2d 4 3x3\n    flatten\n"
                     "    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* Winograd's tiles (nnrt_winograd.h): 3x3 and 5x5 over 8 and 16
     * channels, relu on its kink, same, valid and numeric padding, 7x7,
     * 5x5 and 3x3 images that the 4x4 and 2x2 tiles overhang, an
     * activation after */
    { "conv_winograd", "    input 8x8x1\n    conv2d 8 2x2 relu\n"
                       "    conv2d 16 3x3 relu padding=same\n    conv2d 8 5x5 tanh padding=1\n"
                       "    conv2d 8 3x3 swish\n    flatten\n    dense 3 softmax\n",
      "cross_entropy", NULL, 0, 1 },
    /* several input channels, a rectangular window and stride, and an
     * activation (swish) that stays a separate op after the convolution */
    { "conv_channels", "    input 4x4x4\n    conv2d 5 2x3 swish stride=1x2 padding=same\n"
                       "    flatten\n    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* every pool, with padding=same (avg counts only the pixels inside) */
    { "pools", "    input 8x8\n    conv2d 4 3x3 tanh padding=same\n    maxpool 2\n"
               "    avgpool 3 stride=1 padding=same\n    sumpool 2x1\n    globalavgpool\n"
               "    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* relu into maxpool */
    { "relu_maxpool", "    input 8x8x1\n    conv2d 4 3x3 relu padding=same\n    maxpool 2\n"
                      "    conv2d 8 3x3 relu padding=same\n    maxpool 2\n    flatten\n"
                      "    dense 3 softmax\n", "cross_entropy", NULL, 0, 0 },
    /* batchnorm over an image's channels and over a flat layer's units, in
     * training mode (batch statistics), with and without a fused activation.
     * Each batchnorm follows an activation: a bias straight before one has
     * a gradient of exactly 0, which float32 noise would turn into a coin
     * toss against the absolute tolerance.  avgpool, not maxpool, after the
     * normalized values, whose near-ties would be kinks.  8 samples: over
     * 4, a channel's batch variance can be so small that the normalization
     * curves sharply within +-h (measured: 1.2e-2 at 4, 1.2e-3 at 8). */
    { "batchnorm", "    input 8x8\n    conv2d 4 3x3 tanh padding=same\n    batchnorm\n"
                   "    avgpool 2\n    flatten\n    dense 6 tanh\n    batchnorm elu momentum=0.9\n"
                   "    dense 3 softmax\n", "cross_entropy", NULL, 8, 0 },
    /* frozen layers (trainable=false) between trainable ones: the gradient
     * must still flow through them, an im2col conv, an inference-mode
     * batchnorm and a conv of a 2x2 window, to conv8 */
    { "frozen_middle", "    input 8x8\n    conv2d 8 3x3 tanh padding=same\n"
                       "    conv2d 4 3x3 tanh padding=same trainable=false\n"
                       "    batchnorm tanh trainable=false\n"
                       "    conv2d 2 2x2 tanh trainable=false\n    flatten\n    dense 3 softmax\n",
      "cross_entropy", NULL, 0, 0 },
    /* The convnets gradcheck once failed on (in float32, over a step of
     * 1e-3): ReLU and max pooling over a zero background with zero biases,
     * where a bias's step moves whole channels across ReLU's kink at once;
     * as fashion_cnn, a window over one channel then one over 8, dense
     * relu and dropout; and as fashion_cnn_small, batchnorm relu before
     * each pool. */
    { "relu_maxpool_background", "    input 8x8x1\n    conv2d 8 3x3 relu padding=same\n"
                                 "    maxpool 2\n    conv2d 8 3x3 relu padding=same\n"
                                 "    maxpool 2\n    flatten\n    dense 3 softmax\n",
      "cross_entropy", NULL, 8, 1 },
    { "cnn_background", "    input 8x8x1\n    conv2d 8 5x5 relu padding=same\n    maxpool 2\n"
                        "    conv2d 16 5x5 relu padding=same\n    maxpool 2\n    flatten\n"
                        "    dense 32 relu\n    dropout 0.4\n    dense 3 softmax\n",
      "cross_entropy", NULL, 8, 1 },
    { "batchnorm_relu_maxpool", "    input 8x8x1\n    conv2d 8 3x3 padding=same\n"
                                "    batchnorm relu\n    maxpool 2\n    conv2d 8 3x3 padding=same\n"
                                "    batchnorm relu\n    maxpool 2\n    conv2d 8 3x3 relu padding=same\n"
                                "    flatten\n    dense 3 softmax\n",
      "cross_entropy", NULL, 8, 1 },
};

START_TEST(backward_matches_central_differences)
{
    const OpModel *om = &MODELS[_i];
    write_op_images("ops");
    char nn[512], exe[512], text[4096], cmd[2048], *out;
    const char *images = om->background ? "background" : "images";
    snprintf(nn, sizeof nn, "%s/ops/%s.nn", tmp_dir(), om->name);
    snprintf(exe, sizeof exe, "%s/ops/%s", tmp_dir(), om->name);
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        images \"ops/%s.idx\"\n        labels \"ops/labels.idx\"\n    }\n"
             "    test {\n        images \"ops/%s.idx\"\n        labels \"ops/labels.idx\"\n    }\n"
             "    scale 1/255\n"
             "%s"
             "}\n"
             "network {\n%s}\n"
             "train {\n    loss %s\n    optimizer sgd\n}\n",
             om->name, images, images, om->data ? om->data : "", om->network, om->loss);
    write_text(nn, text);
    build_trainer(nn, exe);
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s %s gradcheck --samples %d", tmp_dir(), exe,
             om->samples ? om->samples : 4);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "gradcheck: ok"), "%s: %s", om->name, out);
    /* one report line per parameter tensor: the last dense layer's, as
     * named (dense3 for dense 3) */
    const char *last = strstr(om->network, "    dense "), *next;
    ck_assert_ptr_nonnull(last);
    while ((next = strstr(last + 1, "    dense ")))
        last = next;
    char w[64], b[64];
    snprintf(w, sizeof w, "\ndense%d.w ", atoi(last + strlen("    dense ")));
    snprintf(b, sizeof b, "\ndense%d.b ", atoi(last + strlen("    dense ")));
    /* at the start of a line: the first, or after a newline */
    int has_w = strncmp(out, w + 1, strlen(w + 1)) == 0 || strstr(out, w);
    int has_b = strncmp(out, b + 1, strlen(b + 1)) == 0 || strstr(out, b);
    ck_assert_msg(has_w && has_b, "%s: no %s in %s", om->name, w + 1, out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("gradcheck");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, backward_matches_central_differences, 0,
                        (int)(sizeof MODELS / sizeof MODELS[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
