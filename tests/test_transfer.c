/* test_transfer.c: transfer learning.  A base model trains on random 8x8
 * images; a second one starts its convolution and batchnorm from the
 * base's weights, frozen (trainable=false), with a new head on two of the
 * three classes (keep).  Its frozen tensors must come out of training
 * byte for byte as the base left them, its generated C must do no
 * gradient work for them, and every misuse is a clear error. */
#define _XOPEN_SOURCE 700       /* realpath */
#include <limits.h>
#include <stdlib.h>

#include "test_util.h"
#include "trainer_util.h"

enum { N_SAMPLES = 60, SIDE = 8 };

/* the folder of this suite's files, with random images labelled 0, 1, 2 */
static const char *dir(void)
{
    static char path[512];
    if (path[0])
        return path;
    snprintf(path, sizeof path, "%s/transfer", tmp_dir());
    make_dir("%s", path);
    uint8_t pixels[N_SAMPLES * SIDE * SIDE], labels[N_SAMPLES];
    uint32_t s = 99;
    for (size_t i = 0; i < sizeof pixels; i++) {
        s = s * 1664525u + 1013904223u;
        pixels[i] = (uint8_t)(s >> 24);
    }
    for (int i = 0; i < N_SAMPLES; i++)
        labels[i] = (uint8_t)(i % 3);
    int idims[3] = { N_SAMPLES, SIDE, SIDE }, ldims[1] = { N_SAMPLES };
    char file[600];
    snprintf(file, sizeof file, "%s/images.idx", path);
    write_idx(file, pixels, 3, idims);
    snprintf(file, sizeof file, "%s/labels.idx", path);
    write_idx(file, labels, 1, ldims);
    return path;
}

#define DATA(extra)                                                              \
    "data {\n"                                                                   \
    "    train {\n        images \"transfer/images.idx\"\n"                      \
    "        labels \"transfer/labels.idx\"\n    }\n"                            \
    "    test {\n        images \"transfer/images.idx\"\n"                       \
    "        labels \"transfer/labels.idx\"\n    }\n"                            \
    "    scale 1/255\n" extra "}\n"
#define TRAIN "train {\n    loss cross_entropy\n    optimizer adam\n    epochs 2\n}\n"

/* write name.nn in dir(), return its path */
static const char *write_model(const char *name, const char *text)
{
    static char path[4][600];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s.nn", dir(), name);
    write_text(p, text);
    return p;
}

static const char BASE[] = "model base\n" DATA("")
    "network {\n    input 8x8\n    conv2d 4 3x3 tanh padding=same\n    batchnorm\n"
    "    flatten\n    dense 3 softmax\n}\n" TRAIN;

/* A tensor's bytes in a weights file (docs/weights.md), malloc'ed */
static char *tensor_bytes(const char *path, const char *name, size_t *size)
{
    char *w = slurp(path);
    size_t pos = 12, count;
    memcpy(&count, w + 8, 4);
    count &= 0xffffffffu;
    for (size_t i = 0; i < count; i++) {
        uint32_t len, ndims, dim;
        memcpy(&len, w + pos, 4);
        int match = len == strlen(name) && memcmp(w + pos + 4, name, len) == 0;
        pos += 4 + len;
        memcpy(&ndims, w + pos, 4);
        pos += 4;
        size_t n = 1;
        for (uint32_t d = 0; d < ndims; d++, pos += 4) {
            memcpy(&dim, w + pos, 4);
            n *= dim;
        }
        if (match) {
            char *out = malloc(4 * n);
            memcpy(out, w + pos, 4 * n);
            *size = 4 * n;
            free(w);
            return out;
        }
        pos += 4 * n;
    }
    free(w);
    ck_abort_msg("%s has no tensor %s", path, name);
    return NULL;
}

START_TEST(frozen_layers_keep_the_base_weights)
{
    char cmd[2048], exe[700], *out, *text;
    snprintf(exe, sizeof exe, "%s/base", dir());
    build_trainer(write_model("base", BASE), exe);
    snprintf(cmd, sizeof cmd, "cd %s/.. && NNC_DATA=. %s/base train --overwrite", dir(), "transfer");
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s", out);
    free(out);

    /* the new model names the base's .nn, beside it: compiled now, shapes
     * checked now */
    char head[2048];
    snprintf(head, sizeof head, "model head\n" DATA("    keep 1 2\n")
             "network {\n    input 8x8\n"
             "    conv2d 4 3x3 tanh padding=same init=\"base.nn\" trainable=false\n"
             "    batchnorm init=\"base.nn\" trainable=false\n"
             "    flatten\n    dense 5 tanh\n    dense 2 softmax\n}\n" TRAIN);
    const char *nn = write_model("head", head);
    snprintf(exe, sizeof exe, "%s/head", dir());
    build_trainer(nn, exe);
    /* the base's trainer wrote runs/base/weights relative to where it ran */
    snprintf(cmd, sizeof cmd, "cd %s/.. && NNC_DATA=. transfer/head train --overwrite", dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s", out);
    /* keep 1 2: two thirds of the 60 samples */
    ck_assert_msg(strstr(out, "head: 40 training samples") != NULL, "%s", out);
    free(out);

    char a[700], b[700];
    snprintf(a, sizeof a, "%s/../runs/base/weights", dir());
    snprintf(b, sizeof b, "%s/../runs/head/weights", dir());
    static const char *const FROZEN[] = { "conv4.w", "conv4.b", "conv4_batchnorm.gamma",
                                          "conv4_batchnorm.beta", "conv4_batchnorm.moving_mean",
                                          "conv4_batchnorm.moving_variance" };
    for (size_t i = 0; i < sizeof FROZEN / sizeof FROZEN[0]; i++) {
        size_t na, nb;
        char *ta = tensor_bytes(a, FROZEN[i], &na), *tb = tensor_bytes(b, FROZEN[i], &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert_msg(memcmp(ta, tb, na) == 0, "%s changed while frozen", FROZEN[i]);
        free(ta);
        free(tb);
    }

    /* no gradient work for the frozen layers: no dW, no backward at all */
    char c_file[720];
    snprintf(c_file, sizeof c_file, "%s.c", exe);
    snprintf(cmd, sizeof cmd, "%s emit %s > %s", nnc_bin(), nn, c_file);
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    text = slurp(c_file);
    ck_assert_ptr_null(strstr(text, "conv4_dw"));
    ck_assert_ptr_null(strstr(text, "conv4_batchnorm_dgamma"));
    ck_assert_ptr_null(strstr(text, "    conv4_backward(n);"));
    ck_assert_ptr_nonnull(strstr(text, "/* conv4_backward: none: nothing before it trains */"));
    ck_assert_ptr_nonnull(strstr(text, "{ \"conv4.w\", \"runs/base/weights\" }"));
    ck_assert_ptr_nonnull(strstr(text, ".keep_classes = 0x6u"));
    free(text);
    /* nnc check says which layers are frozen */
    snprintf(cmd, sizeof cmd, "%s check %s", nnc_bin(), nn);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_msg(strstr(out, "im2col+nnrt_mm, frozen\n") && strstr(out, "  frozen\n"), "%s", out);
    free(out);
}
END_TEST

/* A weights file named by init= is relative to the .nn file naming it;
 * the C carries it as nnc resolved it, from nnc's working directory. */
START_TEST(a_weights_path_is_relative_to_its_nn_file)
{
    char text[2048], cmd[2048], want[700], *out;
    snprintf(text, sizeof text, "model near\n" DATA("")
             "network {\n    input 8x8\n    flatten\n"
             "    dense 3 softmax init=\"../runs/base/weights\"\n}\n" TRAIN);
    const char *nn = write_model("near", text);
    snprintf(cmd, sizeof cmd, "%s emit %s", nnc_bin(), nn);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    snprintf(want, sizeof want, "{ \"dense3.w\", \"%s/../runs/base/weights\" }", dir());
    ck_assert_msg(strstr(out, want) != NULL, "no %s in\n%s", want, out);
    free(out);
}
END_TEST

START_TEST(a_bad_weights_file_is_refused)
{
    char cmd[2048], exe[700], *out, text[2048 + PATH_MAX], top[PATH_MAX];
    /* absolute, so the trainer, run from another folder than nnc, finds them */
    ck_assert_ptr_nonnull(realpath(dir(), top));
    strcat(top, "/..");
    /* the same layer (by its name=), wider: conv4.w is 3x3x1x5 here,
     * 3x3x1x4 in the file */
    snprintf(text, sizeof text, "model wide\n" DATA("")
             "network {\n    input 8x8\n"
             "    conv2d 5 3x3 tanh padding=same init=\"%.1024s/runs/base/weights\" name=conv4\n"
             "    flatten\n    dense 3 softmax\n}\n" TRAIN, top);
    snprintf(exe, sizeof exe, "%s/wide", dir());
    build_trainer(write_model("wide", text), exe);
    snprintf(cmd, sizeof cmd, "cd %s/.. && NNC_DATA=. transfer/wide train --out runs/wide", dir());
    ck_assert_msg(run_cmd(cmd, &out) != 0, "%s", out);
    ck_assert_msg(strstr(out, "runs/base/weights: byte 12: conv4.w has shape 3x3x1x4; "
                              "this model's is 3x3x1x5") != NULL, "%s", out);
    free(out);
    /* a file that is not there says what to do */
    snprintf(text, sizeof text, "model lost\n" DATA("")
             "network {\n    input 8x8\n    flatten\n"
             "    dense 3 softmax init=\"%.1024s/runs/nothing/weights\"\n}\n" TRAIN, top);
    snprintf(exe, sizeof exe, "%s/lost", dir());
    build_trainer(write_model("lost", text), exe);
    snprintf(cmd, sizeof cmd, "cd %s/.. && NNC_DATA=. transfer/lost train --out runs/lost", dir());
    ck_assert_msg(run_cmd(cmd, &out) != 0, "%s", out);
    ck_assert_msg(strstr(out, "runs/nothing/weights: no weights there: train the model they "
                              "come from first") != NULL, "%s", out);
    free(out);
}
END_TEST

/* Everything nnc says about text (its model starting from dir()/base.nn) */
static char *check_text(const char *network, const char *data_extra)
{
    char text[4096];
    snprintf(text, sizeof text, "model t\n" DATA("%s") "network {\n%s}\n" TRAIN, data_extra,
             network);
    return diagnose(text);
}

START_TEST(misuses_are_clear_errors)
{
    write_model("base", BASE);
    char net[1024], want[2048];
    /* a layer of another shape than the base's, named as the base's is */
    snprintf(net, sizeof net, "    input 8x8\n"
             "    conv2d 6 3x3 tanh padding=same init=\"%s/base.nn\" name=conv4\n"
             "    flatten\n    dense 3 softmax\n", dir());
    char *out = check_text(net, "");
    snprintf(want, sizeof want, "conv4 is conv2d 3x3x1 -> 6 here but conv2d 3x3x1 -> 4 in "
             "'%s/base.nn'", dir());
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    free(out);
    /* a layer the base has not got */
    snprintf(net, sizeof net, "    input 8x8\n    flatten\n    dense 5 tanh init=\"%s/base.nn\"\n"
             "    dense 3 softmax\n", dir());
    out = check_text(net, "");
    snprintf(want, sizeof want, "'%s/base.nn' has no layer named dense5 to start from", dir());
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    free(out);

    static const struct {
        const char *network, *data, *message;
    } CASES[] = {
        { "    input 8x8\n    flatten\n    dense 3 softmax trainable=maybe\n", "",
          "t.nn:16:31: error: trainable must be true or false, not 'maybe'\n" },
        { "    input 8x8\n    flatten\n    dense 3 softmax trainable=false\n", "",
          "t.nn:16:5: error: every layer with weights is frozen (trainable=false): "
          "nothing to train\n" },
        { "    input 8x8\n    flatten\n    dense 3 softmax\n", "    keep 1 2\n",
          "t.nn:12:5: error: keep lists 2 classes, but the output has 3 units\n" },
        { "    input 8x8\n    flatten\n    dense 2 softmax\n", "    keep 1 1\n",
          "t.nn:12:12: error: class 1 is kept twice\n" },
        { "    input 8x8\n    flatten\n    dense 1 sigmoid\n", "    keep 1 2\n    positive 1\n",
          "t.nn:12:5: error: keep and positive do not go together\n" },
        { "    input 8x8\n    flatten\n    dense 3 softmax\n", "    keep 1\n",
          "t.nn:12:5: error: 'keep' needs the classes to keep, at least two, such as "
          "'keep 5 6 7 8 9'\n" },
        { "    input 8x8\n    flatten\n    dense 3 softmax init=\"nowhere.nn\"\n", "",
          "t.nn:16:26: error: cannot read the model 'nowhere.nn' to start from: No such file "
          "or directory\n" },
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        out = check_text(CASES[i].network, CASES[i].data);
        ck_assert_msg(strstr(out, CASES[i].message) != NULL, "case %zu: want\n%s\ngot\n%s", i,
                      CASES[i].message, out);
        free(out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("transfer");
    TCase *tc = tcase_create("transfer");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, frozen_layers_keep_the_base_weights);
    tcase_add_test(tc, a_weights_path_is_relative_to_its_nn_file);
    tcase_add_test(tc, a_bad_weights_file_is_refused);
    tcase_add_test(tc, misuses_are_clear_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
