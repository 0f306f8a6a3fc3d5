/* test_diff.c: `nnc diff A.nn B.nn` (compiler/diff.c), run as a user runs
 * it: what it prints for each kind of change, held to the letter where the
 * line matters, and its exit status (0 same meaning, 1 differences, 2 an
 * input that does not check).  Files go under $NNC_TMP/diff. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_util.h"

/* The pairing rule is tested on its own, on names today's nnc does not
 * make yet (a layer named by its content: hidden, dense128); diff.c's own
 * copy of it is compiled here, libnnc.a's diff.o then left unused. */
#include "diff.c"

/* ---- fixtures ------------------------------------------------------------- */

#define DATA                                                    \
    "data {\n"                                                  \
    "    train {\n"                                             \
    "        images \"a-images.gz\"\n"                          \
    "        labels \"a-labels.gz\"\n"                          \
    "    }\n"                                                   \
    "    test {\n"                                              \
    "        images \"b-images.gz\"\n"                          \
    "        labels \"b-labels.gz\"\n"                          \
    "    }\n"                                                   \
    "    validation 10%\n"                                      \
    "    scale 1/255\n"                                         \
    "}\n"
#define TRAIN                                                   \
    "train {\n"                                                 \
    "    loss cross_entropy\n"                                  \
    "    optimizer adam lr=0.001\n"                             \
    "    batch 32\n"                                            \
    "    epochs 5\n"                                            \
    "    seed 1\n"                                              \
    "}\n"

/* The MLP of examples/fashion_mlp.nn, small enough to read here. */
static const char MLP[] =
    "# an MLP\n"
    "model t\n"
    DATA
    "network {\n"
    "    input 28x28\n"
    "    flatten\n"
    "    dense 128 relu\n"
    "    dense 10 softmax\n"
    "}\n"
    TRAIN;

/* A small CNN, for shapes that move: conv 26x26x8, then flatten. */
static const char CNN[] =
    "model t\n"
    DATA
    "network {\n"
    "    input 28x28x1\n"
    "    conv2d 8 3x3 relu\n"
    "    flatten\n"
    "    dense 10 softmax\n"
    "}\n"
    TRAIN;

/* text with the first `from` replaced by `to`; malloc'ed */
static char *edited(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "'%s' is not in the model", from);
    size_t head = (size_t)(at - text);
    char *out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* `nnc diff a.nn b.nn` on the two texts: its status; stdout in *out and
 * stderr in *err (malloc'ed) */
static int diff_texts(const char *a, const char *b, char **out, char **err)
{
    char dir[512], cmd[2048];
    snprintf(dir, sizeof dir, "%s/diff", tmp_dir());
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    char pa[600], pb[600], perr[600];
    snprintf(pa, sizeof pa, "%s/a.nn", dir);
    snprintf(pb, sizeof pb, "%s/b.nn", dir);
    snprintf(perr, sizeof perr, "%s/stderr", dir);
    write_text(pa, a);
    write_text(pb, b);
    snprintf(cmd, sizeof cmd, "%s diff '%s' '%s' 2>'%s'", nnc_bin(), pa, pb, perr);
    int status = run_cmd(cmd, out);
    *err = slurp(perr);
    return status;
}

/* Asserts that nnc diff of a and b exits with status and prints expected. */
static void expect_diff(const char *a, const char *b, int status, const char *expected)
{
    char *out, *err;
    int got = diff_texts(a, b, &out, &err);
    ck_assert_msg(got == status, "exit %d, not %d; stdout:\n%s\nstderr:\n%s", got, status, out,
                  err);
    ck_assert_str_eq(out, expected);
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
}

/* ---- the same meaning ----------------------------------------------------- */

START_TEST(identical_files_mean_the_same)
{
    expect_diff(MLP, MLP, 0, "no change in meaning\n");
}
END_TEST

START_TEST(comments_and_blank_lines_change_nothing)
{
    char *b = edited(MLP, "# an MLP\n", "# the MLP, reworded\n\n");
    char *c = edited(b, "    flatten\n", "    flatten        # 784 values\n\n");
    expect_diff(MLP, c, 0, "no change in meaning\n");
    free(b);
    free(c);
}
END_TEST

START_TEST(a_let_giving_the_same_value_changes_nothing)
{
    char *b = edited(MLP, "model t\n", "model t\nlet width = 128\n");
    char *c = edited(b, "dense 128 relu", "dense width relu");
    expect_diff(MLP, c, 0, "no change in meaning\n");
    free(b);
    free(c);
}
END_TEST

/* ---- layers --------------------------------------------------------------- */

START_TEST(a_width_change_moves_the_next_layer)
{
    char *b = edited(MLP, "dense 128 relu", "dense 256 relu");
    expect_diff(MLP, b, 1,
                "layers (paired by name):\n"
                "  ~ dense128 -> dense256  dense 128 relu -> dense 256 relu\n"
                "                          output 128 -> 256, params 100480 -> 200960, "
                "mult-adds 100352 -> 200704\n"
                "  > dense10               dense 10 softmax: input 128 -> 256, "
                "params 1290 -> 2570, mult-adds 1280 -> 2560\n"
                "totals: params 101770 -> 203530, mult-adds 101632 -> 203264\n");
    free(b);
}
END_TEST

START_TEST(an_inserted_layer_is_added_and_later_shapes_move)
{
    char *b = edited(CNN, "    flatten\n", "    maxpool 2\n    flatten\n");
    expect_diff(CNN, b, 1,
                "layers (paired by name):\n"
                "  + conv8_maxpool       maxpool 2x2 /2 padding=0x0: output 13x13x8\n"
                "  > conv8_flatten       flatten: input 26x26x8 -> 13x13x8, "
                "output 5408 -> 1352\n"
                "  > dense10             dense 10 softmax: input 5408 -> 1352, "
                "params 54090 -> 13530, mult-adds 54080 -> 13520, "
                "kernel nnrt_mm, dx sgemm, 4 blocks -> nnrt_mm\n"
                "totals: params 54170 -> 13610, mult-adds 102752 -> 62192\n");
    free(b);
}
END_TEST

START_TEST(a_removed_layer_is_listed_where_it_stood)
{
    char *a = edited(MLP, "    dense 10", "    dropout 0.2\n    dense 10");
    expect_diff(a, MLP, 1,
                "layers (paired by name):\n"
                "  - dense128_dropout    dropout 0.2: output 128\n"
                "totals: params 101770, mult-adds 101632\n");
    free(a);
}
END_TEST

START_TEST(a_removed_layer_moves_the_shapes_after_it)
{
    char *a = edited(CNN, "    flatten\n", "    maxpool 2\n    flatten\n");
    char *out, *err;
    ck_assert_int_eq(diff_texts(a, CNN, &out, &err), 1);
    ck_assert_msg(strstr(out, "\n  - conv8_maxpool       maxpool 2x2 /2 padding=0x0: output "
                              "13x13x8\n  > conv8_flatten       flatten: input 13x13x8 -> "
                              "26x26x8, output 1352 -> 5408\n"), "%s", out);
    free(out);
    free(err);
    free(a);
}
END_TEST

START_TEST(an_option_change_is_named)
{
    char *b = edited(MLP, "dense 128 relu", "dense 128 relu l2=0.01 init=he_normal");
    expect_diff(MLP, b, 1,
                "layers (paired by name):\n"
                "  ~ dense128            dense 128 relu, init glorot_uniform -> he_normal, "
                "l2 none -> 0.01\n"
                "totals: params 101770, mult-adds 101632\n");
    free(b);
}
END_TEST

/* A model of layers of these kinds and names, for pair_layers */
static Model *layers_model(Model *m, Layer *layers, int n, const LayerKind *kinds,
                           const char *const *names)
{
    memset(m, 0, sizeof *m);
    memset(layers, 0, (size_t)n * sizeof *layers);
    for (int i = 0; i < n; i++) {
        layers[i].kind = kinds[i];
        snprintf(layers[i].name, sizeof layers[i].name, "%s", names[i]);
    }
    m->layers = layers;
    m->n_layers = n;
    return m;
}

START_TEST(leftovers_of_one_kind_at_one_place_pair_as_renamed)
{
    /* a: input, hidden (dense), drop (dropout), out (dense)
     * b: input, dense256 (dense), out (dense), extra (dense)
     * by name: input, out.  Left over: a's hidden, drop; b's dense256,
     * extra.  First places: dense and dense, renamed; second: dropout and
     * dense, not paired. */
    static const LayerKind ka[] = { LAYER_INPUT, LAYER_DENSE, LAYER_DROPOUT, LAYER_DENSE };
    static const char *const na[] = { "input", "hidden", "drop", "out" };
    static const LayerKind kb[] = { LAYER_INPUT, LAYER_DENSE, LAYER_DENSE, LAYER_DENSE };
    static const char *const nb[] = { "input", "dense256", "out", "extra" };
    Model ma, mb;
    Layer la[4], lb[4];
    int match_a[4], match_b[4], renamed[4] = { 0 };
    pair_layers(layers_model(&ma, la, 4, ka, na), layers_model(&mb, lb, 4, kb, nb), match_a,
                match_b, renamed);
    ck_assert_int_eq(match_a[0], 0);
    ck_assert_int_eq(match_a[1], 1);
    ck_assert_int_eq(match_a[2], -1);
    ck_assert_int_eq(match_a[3], 2);
    ck_assert_int_eq(match_b[3], -1);
    ck_assert_int_eq(renamed[1], 1);
    ck_assert_int_eq(renamed[0] + renamed[2] + renamed[3], 0);
}
END_TEST

/* ---- hyper-parameters ----------------------------------------------------- */

START_TEST(an_optimizer_change_shows_both_with_their_parameters)
{
    char *b = edited(MLP, "adam lr=0.001", "momentum lr=0.01 momentum=0.9");
    expect_diff(MLP, b, 1,
                "train:\n"
                "  optimizer: adam lr=0.001 beta1=0.9 beta2=0.999 epsilon=1e-07 -> "
                "momentum lr=0.01 momentum=0.9\n"
                "totals: params 101770, mult-adds 101632\n");
    free(b);
    /* label smoothing is part of the loss */
    b = edited(MLP, "loss cross_entropy", "loss cross_entropy smoothing=0.1");
    expect_diff(MLP, b, 1,
                "train:\n"
                "  loss: cross_entropy -> cross_entropy smoothing=0.1\n"
                "totals: params 101770, mult-adds 101632\n");
    free(b);
}
END_TEST

START_TEST(hyper_parameter_changes_one_line_each_by_section)
{
    char *b = edited(MLP, "batch 32", "batch 64");
    char *c = edited(b, "epochs 5", "epochs 10\n    schedule step factor=0.5 every=2");
    char *d = edited(c, "validation 10%", "validation 20%");
    char *e = edited(d, "scale 1/255", "scale 1/128");
    char *f = edited(e, "\"a-labels.gz\"", "\"c-labels.gz\"");
    char *g = edited(f, "seed 1", "seed 7\n    early_stop patience 3");
    expect_diff(MLP, g, 1,
                "data:\n"
                "  train labels: \"a-labels.gz\" -> \"c-labels.gz\"\n"
                "  validation: 10% -> 20%\n"
                "  scale: 1/255 -> 1/128\n"
                "train:\n"
                "  schedule: constant -> step factor=0.5 every=2\n"
                "  early_stop: none -> patience 3 monitor=val_loss min_delta=0\n"
                "  batch: 32 -> 64\n"
                "  epochs: 5 -> 10\n"
                "  seed: 1 -> 7\n"
                "totals: params 101770, mult-adds 101632\n");
    free(b);
    free(c);
    free(d);
    free(e);
    free(f);
    free(g);
}
END_TEST

/* A series' data settings are facts like any other: a window, a horizon,
 * a test fraction */
START_TEST(a_series_window_and_test_change)
{
    static const char SERIES[] =
        "model s\n"
        "data {\n    series \"s.csv\" column=v\n    window 30\n    test 20%\n}\n"
        "network {\n    input 30x1\n    lstm 4\n    dense 1\n}\n"
        "train {\n    loss mse\n    optimizer adam\n}\n";
    char *b = edited(SERIES, "window 30", "window 20\n    horizon 7");
    char *c = edited(b, "input 30x1", "input 20x1");
    char *d = edited(c, "test 20%", "test 25%");
    expect_diff(SERIES, d, 1,
                "layers (paired by name):\n"
                "  ~ input               input 30x1 -> input 20x1\n"
                "                        output 30x1 -> 20x1\n"
                "  > lstm4               lstm 4: input 30x1 -> 20x1, mult-adds 2400 -> 1600\n"
                "data:\n"
                "  window: 30 -> 20\n"
                "  horizon: 1 -> 7\n"
                "  test: 20% -> 25%\n"
                "totals: params 101, mult-adds 2404 -> 1604\n");
    free(b);
    free(c);
    free(d);
}
END_TEST

START_TEST(an_augmentation_and_a_name_change)
{
    char *b = edited(CNN, "model t\n", "model u\n");
    char *c = edited(b, "network {", "augment {\n    flip horizontal p=0.5\n}\nnetwork {");
    expect_diff(CNN, c, 1,
                "model:\n"
                "  name: t -> u\n"
                "augment:\n"
                "  flip horizontal: none -> p=0.5\n"
                "totals: params 54170, mult-adds 102752\n");
    free(b);
    free(c);
}
END_TEST

/* ---- trouble -------------------------------------------------------------- */

START_TEST(an_invalid_file_exits_2_with_its_diagnostics)
{
    char *b = edited(MLP, "dense 128 relu", "dens 128 relu");
    char *out, *err;
    ck_assert_int_eq(diff_texts(MLP, b, &out, &err), 2);
    ck_assert_str_eq(out, "");
    ck_assert_msg(strstr(err, "b.nn:18:5: error: unknown layer 'dens'\n"
                              "   18 |     dens 128 relu\n"
                              "      |     ^~~~\n"), "%s", err);
    ck_assert_msg(strstr(err, "b.nn: 1 error\n"), "%s", err);
    free(out);
    free(err);
    free(b);
}
END_TEST

START_TEST(a_missing_file_or_operand_exits_2)
{
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s diff examples/fashion_mlp.nn %s/diff/no-such.nn", nnc_bin(),
             tmp_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 2);
    ck_assert_msg(strstr(out, "no-such.nn': No such file or directory"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s diff examples/fashion_mlp.nn", nnc_bin());
    ck_assert_int_eq(run_cmd(cmd, &out), 2);
    ck_assert_str_eq(out, "usage: nnc diff A.nn B.nn\n");
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("diff");
    tcase_add_test(tc, identical_files_mean_the_same);
    tcase_add_test(tc, comments_and_blank_lines_change_nothing);
    tcase_add_test(tc, a_let_giving_the_same_value_changes_nothing);
    tcase_add_test(tc, a_width_change_moves_the_next_layer);
    tcase_add_test(tc, an_inserted_layer_is_added_and_later_shapes_move);
    tcase_add_test(tc, a_removed_layer_is_listed_where_it_stood);
    tcase_add_test(tc, a_removed_layer_moves_the_shapes_after_it);
    tcase_add_test(tc, an_option_change_is_named);
    tcase_add_test(tc, leftovers_of_one_kind_at_one_place_pair_as_renamed);
    tcase_add_test(tc, an_optimizer_change_shows_both_with_their_parameters);
    tcase_add_test(tc, hyper_parameter_changes_one_line_each_by_section);
    tcase_add_test(tc, an_augmentation_and_a_name_change);
    tcase_add_test(tc, a_series_window_and_test_change);
    tcase_add_test(tc, an_invalid_file_exits_2_with_its_diagnostics);
    tcase_add_test(tc, a_missing_file_or_operand_exits_2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
