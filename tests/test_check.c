/* test_check.c: names, values and shapes.  Every diagnostic is checked to
 * the letter, position included, since people act on them. */
#include "test_util.h"

#define NET(layers) MODEL_HEAD "network {\n" layers "}\n" MODEL_TRAIN
/* Line numbers in NET(): MODEL_HEAD is 11 lines, "network {" is line 12,
 * so the first layer is on line 13. */

START_TEST(shapes_of_the_reference_model)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    char *out = diagnose_in(&a, NET("    input 28x28\n    flatten\n    dense 128 relu\n"
                                    "    dropout 0.2\n    dense 10 softmax\n"), &ir, &m);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(ir);
    ck_assert_int_eq(m->n_layers, 5);
    char buf[64];
    ck_assert_str_eq(shape_str(&m->layers[0].out, buf, sizeof buf), "28x28");
    ck_assert_str_eq(shape_str(&m->layers[1].out, buf, sizeof buf), "784");
    ck_assert_str_eq(shape_str(&m->layers[2].out, buf, sizeof buf), "128");
    ck_assert_int_eq(m->layers[2].n_params, 784 * 128 + 128);
    ck_assert_str_eq(shape_str(&m->layers[3].out, buf, sizeof buf), "128");
    ck_assert_int_eq(m->layers[3].n_params, 0);
    ck_assert_int_eq(m->layers[4].n_params, 128 * 10 + 10);
    ck_assert_str_eq(m->layers[2].name, "dense128");
    ck_assert_str_eq(m->layers[3].name, "dense128_dropout");
    ck_assert_str_eq(m->layers[4].name, "dense10");
    ck_assert_int_eq(m->layers[4].act, ACT_SOFTMAX);
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(data_and_train_settings_with_defaults)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a,
        "model t\n"
        "data {\n"
        "    train {\n        images \"a\"\n        labels \"b\"\n    }\n"
        "    test {\n        images \"c\"\n        labels \"d\"\n    }\n"
        "    validation 10%\n    scale 1/255\n"
        "}\n"
        "network {\n    input 784\n    dense 10 softmax\n}\n"
        "train {\n    loss cross_entropy\n    optimizer sgd\n    epochs 3\n}\n", NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(m->train_images, "a");
    ck_assert_str_eq(m->test_labels, "d");
    ck_assert_double_eq_tol(m->validation, 0.1, 1e-12);
    ck_assert_double_eq_tol(m->scale, 1.0 / 255, 1e-12);
    ck_assert_int_eq(m->optimizer, OPT_SGD);
    ck_assert_double_eq_tol(m->opt[P_LR], 0.01, 1e-12);   /* Keras's SGD default */
    ck_assert_int_eq(m->epochs, 3);
    ck_assert_int_eq(m->batch, 32);                /* Keras's default */
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(unknown_layer_suggests_the_closest)
{
    char *out = diagnose(NET("    input 784\n    dens 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:5: error: unknown layer 'dens'\n"
        "   14 |     dens 10 softmax\n"
        "      |     ^~~~\n"
        "      = did you mean 'dense'?\n");
    free(out);
}
END_TEST

START_TEST(dense_after_2d_input_wants_flatten)
{
    char *out = diagnose(NET("    input 28x28\n    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:5: error: dense needs a flat input, but its input is 28x28\n"
        "   14 |     dense 10 softmax\n"
        "      |     ^~~~~~~~~~~~~~~~\n"
        "      = add 'flatten' before this layer; dense goes over each step only of a sequence "
           "(from rnn, lstm or gru with 'sequences', or embedding), not of an image's rows\n");
    free(out);
}
END_TEST

START_TEST(values_out_of_range_say_the_range)
{
    char *out = diagnose(NET("    input 784\n    dropout 1.5\n    dense 0 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:13: error: the dropout rate must be at least 0 and at most 0.99, got 1.5\n"
        "   14 |     dropout 1.5\n"
        "      |             ^~~\n"
        "t.nn:15:11: error: the number of units must be between 1 and 268435456, got 0\n"
        "   15 |     dense 0 softmax\n"
        "      |           ^\n");
    free(out);
}
END_TEST

START_TEST(wrong_kind_of_value)
{
    char *out = diagnose(NET("    input 784\n    dense 12.5 relu\n    dense 10 \"softmax\"\n"));
    ck_assert_str_eq(out,
        "t.nn:14:11: error: the number of units must be a whole number, not the fraction '12.5'\n"
        "   14 |     dense 12.5 relu\n"
        "      |           ^~~~\n"
        "t.nn:15:14: error: the activation must be a name, not a string 'softmax'\n"
        "   15 |     dense 10 \"softmax\"\n"
        "      |              ^~~~~~~~~\n");
    free(out);
}
END_TEST

START_TEST(unknown_activation_and_optimizer_option)
{
    char *out = diagnose(MODEL_HEAD
        "network {\n    input 784\n    dense 10 sofmax\n}\n"
        "train {\n    loss cross_entropy\n    optimizer adam lr=0.1 momentum=0.9\n}\n");
    ck_assert_str_eq(out,
        "t.nn:14:14: error: unknown activation 'sofmax'\n"
        "   14 |     dense 10 sofmax\n"
        "      |              ^~~~~~\n"
        "      = did you mean 'softmax'?\n"
        "t.nn:18:27: error: 'optimizer' takes no option 'momentum'\n"
        "   18 |     optimizer adam lr=0.1 momentum=0.9\n"
        "      |                           ^~~~~~~~\n");
    free(out);
}
END_TEST

START_TEST(activation_options_belong_to_their_activation)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, NET("    input 784\n    dense 10 leaky_relu slope=0.1\n"
                                    "    dense 10 elu\n    dense 10 softmax\n"), NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->layers[1].act, ACT_LEAKY_RELU);
    ck_assert_double_eq_tol(m->layers[1].act_param, 0.1, 1e-12);
    ck_assert_double_eq_tol(m->layers[2].act_param, 1.0, 1e-12);   /* Keras's alpha */
    free(out);
    arena_free(&a);
    out = diagnose(NET("    input 784\n    dense 10 relu slope=0.1\n    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:19: error: 'slope' is an option of leaky_relu, not of relu\n"
        "   14 |     dense 10 relu slope=0.1\n"
        "      |                   ^~~~~\n");
    free(out);
}
END_TEST

START_TEST(unknown_word_far_from_all_lists_them)
{
    char *out = diagnose(MODEL_HEAD
        "network {\n    input 784\n    dense 10 softmax\n}\n"
        "train {\n    loss hinge\n    optimizer adam\n}\n");
    ck_assert_str_eq(out,
        "t.nn:17:10: error: unknown loss 'hinge'\n"
        "   17 |     loss hinge\n"
        "      |          ^~~~~\n"
        "      = expected one of: cross_entropy, mse, sum_of_squares, mae, kl_divergence, "
        "cosine_similarity, binary_cross_entropy\n");
    free(out);
}
END_TEST

START_TEST(cross_entropy_needs_softmax_output)
{
    char *out = diagnose(NET("    input 784\n    dense 10 relu\n"));
    ck_assert_str_eq(out,
        "t.nn:17:5: error: cross_entropy needs a softmax output, but the last layer has relu\n"
        "   17 |     loss cross_entropy\n"
        "      |     ^~~~~~~~~~~~~~~~~~\n"
        "      = write 'dense 10 softmax' at line 14\n");
    free(out);
}
END_TEST

START_TEST(missing_and_repeated_sections)
{
    char *out = diagnose("model a\nmodel b\nnetwork {\n    input 4\n    dense 2 softmax\n}\n");
    ck_assert_str_eq(out,
        "t.nn:2:1: error: 'model' given twice\n"
        "    2 | model b\n"
        "      | ^~~~~\n"
        "      = first given at line 1\n"
        "t.nn:1:1: error: the file needs a 'data { ... }' section\n"
        "    1 | model a\n"
        "      | ^\n"
        "t.nn:1:1: error: the file needs a 'train { ... }' section\n"
        "    1 | model a\n"
        "      | ^\n");
    free(out);
}
END_TEST

START_TEST(one_bad_layer_does_not_cascade)
{
    /* the unknown layer poisons the shape: the dense after it is not
     * blamed for an input it cannot know, but its own mistake still is */
    char *out = diagnose(NET("    input 28x28\n    flaten\n    dense 128 rellu\n    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:5: error: unknown layer 'flaten'\n"
        "   14 |     flaten\n"
        "      |     ^~~~~~\n"
        "      = did you mean 'flatten'?\n"
        "t.nn:15:15: error: unknown activation 'rellu'\n"
        "   15 |     dense 128 rellu\n"
        "      |               ^~~~~\n"
        "      = did you mean 'relu'?\n");
    free(out);
}
END_TEST

START_TEST(network_must_start_with_input)
{
    char *out = diagnose(NET("    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:13:5: error: the network must start with 'input', such as 'input 28x28'\n"
        "   13 |     dense 10 softmax\n"
        "      |     ^~~~~\n");
    free(out);
}
END_TEST

START_TEST(huge_numbers_are_errors_not_overflows)
{
    char *out = diagnose(NET("    input 99999999999999999999x2\n    flatten\n    dense 10 softmax\n"));
    ck_assert_ptr_nonnull(strstr(out, "t.nn:13:11: error: input shape '99999999999999999999x2' is out of range"));
    free(out);
    out = diagnose(NET("    input 784\n    dense 1e300 softmax\n"));
    ck_assert_ptr_nonnull(strstr(out, "t.nn:14:11: error: the number of units must be a whole number"));
    free(out);
}
END_TEST

/* Diagnostics for text compiled with -D defs. */
static char *diagnose_defs(const char *text, const Define *defs, int n, Model **m_out, Arena *a)
{
    Source *src = arena_alloc(a, sizeof *src);
    source_from_string(a, "t.nn", text, src);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    Diag d;
    diag_init(&d, src, f);
    compile_source_with(a, src, &d, defs, n, m_out);
    fclose(f);
    return buf;
}

#define WIDTHS "let units = 400\n" NET("    input 784\n    dense units relu\n    dense 10 softmax\n")

START_TEST(let_and_define_set_a_number)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_defs(WIDTHS, NULL, 0, &m, &a);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->layers[1].units, 400);
    free(out);
    Define d = { "units", "40000" };
    out = diagnose_defs(WIDTHS, &d, 1, &m, &a);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->layers[1].units, 40000);
    ck_assert_int_eq(m->layers[1].n_params, 784L * 40000 + 40000);
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(define_errors)
{
    Arena a = { 0 };
    Define wrong_type = { "units", "wide" }, unknown = { "unit", "3" }, fraction = { "units", "2.5" },
           no_word = { "units", "4 000" };
    /* a name is a let's value too: the layer then says it wants a number */
    char *out = diagnose_defs(WIDTHS, &wrong_type, 1, NULL, &a);
    ck_assert_str_eq(out,
        "t.nn:1:13: error: the number of units must be a whole number, not a word 'wide'\n"
        "    1 | let units = 400\n"
        "      |             ^~~\n");
    free(out);
    out = diagnose_defs(WIDTHS, &no_word, 1, NULL, &a);
    ck_assert_str_eq(out, "t.nn: error: -D units=4 000: expected a number or a name\n");
    free(out);
    out = diagnose_defs(WIDTHS, &unknown, 1, NULL, &a);
    ck_assert_str_eq(out, "t.nn: error: -D unit: the file has no 'let unit = ...' to override\n");
    free(out);
    out = diagnose_defs(WIDTHS, &fraction, 1, NULL, &a);
    ck_assert_str_eq(out,
        "t.nn:1:13: error: the number of units must be a whole number, not the fraction '2.5'\n"
        "    1 | let units = 400\n"
        "      |             ^~~\n");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(binary_cross_entropy_needs_one_sigmoid_output)
{
    char *out = diagnose(MODEL_HEAD "network {\n    input 4\n    dense 2 softmax\n}\n"
                         "train {\n    loss binary_cross_entropy\n    optimizer adam\n}\n");
    ck_assert_str_eq(out,
        "t.nn:17:5: error: binary_cross_entropy needs one sigmoid output, but the last layer is dense 2 softmax\n"
        "   17 |     loss binary_cross_entropy\n"
        "      |     ^~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "      = write 'dense 1 sigmoid' at line 14\n");
    free(out);
    Arena a = { 0 };
    Model *m;
    out = diagnose_in(&a, "model t\ndata {\n    train {\n        images \"a\"\n        labels \"b\"\n    }\n"
        "    test {\n        images \"c\"\n        labels \"d\"\n    }\n    positive 5 7 9\n}\n"
        "network {\n    input 4\n    dense 1 sigmoid\n}\n"
        "train {\n    loss binary_cross_entropy\n    optimizer adam\n}\n", NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(m->positive, (1u << 5) | (1u << 7) | (1u << 9));
    free(out);
    arena_free(&a);
}
END_TEST

#define CSV_HEAD "model r\ndata {\n    train {\n        csv \"a.csv\"\n    }\n" \
                 "    test {\n        csv \"b.csv\"\n    }\n    inputs x1 x2 2\n    targets y\n}\n"

START_TEST(csv_data_shapes_and_task)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, CSV_HEAD "network {\n    input 3\n    dense 4 relu\n    dense 1\n}\n"
        "train {\n    loss mae\n    optimizer adam\n}\n", NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->regress, 1);
    ck_assert_int_eq(m->n_inputs, 3);
    ck_assert_str_eq(m->inputs[2], "2");
    ck_assert_str_eq(m->targets[0], "y");
    free(out);
    arena_free(&a);
    out = diagnose(CSV_HEAD "network {\n    input 4\n    dense 2\n}\n"
        "train {\n    loss mse\n    optimizer adam\n}\n");
    ck_assert_str_eq(out,
        "t.nn:13:5: error: the input takes 4 values, but the data has 3 input columns\n"
        "   13 |     input 4\n"
        "      |     ^~~~~~~\n"
        "      = write 'input 3'\n"
        "t.nn:14:5: error: a regression on 1 target column needs 1 output, not 2\n"
        "   14 |     dense 2\n"
        "      |     ^~~~~~~\n");
    free(out);
}
END_TEST

START_TEST(a_let_is_defined_once)
{
    char *out = diagnose("let b = 1\nlet a = 2\nlet b = 3\n" NET("    input 4\n    dense 2 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:3:5: error: 'b' is already defined\n"
        "    3 | let b = 3\n"
        "      |     ^\n"
        "      = first defined at line 1\n");
    free(out);
}
END_TEST

START_TEST(optimizers_take_their_own_options_with_keras_defaults)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, MODEL_HEAD "network {\n    input 4\n    dense 2 softmax\n}\n"
        "train {\n    loss cross_entropy\n    optimizer rmsprop lr=0.01\n"
        "    schedule plateau patience=3\n}\n", NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->optimizer, OPT_RMSPROP);
    ck_assert_double_eq_tol(m->opt[P_LR], 0.01, 1e-12);
    ck_assert_double_eq_tol(m->opt[P_RHO], 0.9, 1e-12);
    ck_assert_int_eq(m->schedule.kind, SCHEDULE_PLATEAU);
    ck_assert_int_eq(m->schedule.patience, 3);
    ck_assert_double_eq_tol(m->schedule.factor, 0.1, 1e-12);
    free(out);
    out = diagnose(MODEL_HEAD "network {\n    input 4\n    dense 2 softmax\n}\n"
        "train {\n    loss cross_entropy\n    optimizer momentum beta1=0.9\n}\n");
    ck_assert_str_eq(out,
        "t.nn:18:24: error: 'optimizer' takes no option 'beta1'\n"
        "   18 |     optimizer momentum beta1=0.9\n"
        "      |                        ^~~~~\n");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(initializers_and_regularization)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, MODEL_HEAD "network init=he_normal l2=0.01 {\n    input 4\n"
        "    dense 3 relu init=uniform init_scale=0.1 l1=0.001\n    dense 2 softmax\n}\n"
        MODEL_TRAIN, NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(init_names(&(int){ 0 })[m->layers[1].init], "uniform");
    ck_assert_double_eq_tol(m->layers[1].init_scale, 0.1, 1e-12);
    ck_assert_double_eq_tol(m->layers[1].l1, 0.001, 1e-12);
    ck_assert_double_eq_tol(m->layers[1].l2, 0.01, 1e-12);      /* from the network */
    ck_assert_str_eq(init_names(&(int){ 0 })[m->layers[2].init], "he_normal");
    free(out);
    out = diagnose(NET("    input 4\n    dense 2 softmax init=he_norml\n"));
    ck_assert_str_eq(out,
        "t.nn:14:26: error: unknown initializer 'he_norml'\n"
        "   14 |     dense 2 softmax init=he_norml\n"
        "      |                          ^~~~~~~~\n"
        "      = did you mean 'he_normal'?\n");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(warnings_for_legal_but_suspect_choices)
{
    Arena a = { 0 };
    Ir *ir;
    char *out = diagnose_in(&a, MODEL_HEAD
        "network {\n    input 4\n    dense 10 sigmoid\n    dropout 0.5\n}\n"
        "train {\n    loss mse\n    optimizer sgd lr=2\n}\n", &ir, NULL);
    ck_assert_str_eq(out,
        "t.nn:15:5: warning: dropout after the last dense layer drops predictions while training\n"
        "   15 |     dropout 0.5\n"
        "      |     ^~~~~~~~~~~\n"
        "      = dropout goes between hidden layers; remove this one\n"
        "t.nn:14:5: warning: a sigmoid output scores each of the 10 classes on its own; they need not sum to 1\n"
        "   14 |     dense 10 sigmoid\n"
        "      |     ^~~~~~~~~~~~~~~~\n"
        "      = for one class out of 10, use softmax\n"
        "t.nn:19:22: warning: learning rate 2 is above 1: training will likely diverge\n"
        "   19 |     optimizer sgd lr=2\n"
        "      |                      ^\n");
    ck_assert_ptr_nonnull(ir);      /* warnings do not stop the build */
    free(out);
    out = diagnose(MODEL_HEAD "network {\n    input 4\n    dense 10 softmax\n}\n"
                   "train {\n    loss mse\n    optimizer adam\n}\n");
    ck_assert_str_eq(out,
        "t.nn:17:5: warning: mse on a softmax output learns slowly: its gradient vanishes as the softmax saturates\n"
        "   17 |     loss mse\n"
        "      |     ^~~~~~~~\n"
        "      = cross_entropy is the loss made for a softmax output\n");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(summary_reports_params_macs_memory_and_kernels)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    char *out = diagnose_in(&a, NET("    input 28x28\n    flatten\n    dense 128 relu\n"
                                    "    dense 10 softmax\n"), &ir, &m);
    ck_assert_str_eq(out, "");
    free(out);
    size_t len;
    FILE *f = open_memstream(&out, &len);
    print_summary(f, m, ir);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(out,
        "dense128      dense 128 relu           128              100480         100352     16.0 KiB  nnrt_mm, 7 blocks\n"));
    ck_assert_ptr_nonnull(strstr(out,
        "dense10       dense 10 softmax         10                 1290           1280      1.2 KiB  nnrt_mm\n"));
    ck_assert_ptr_nonnull(strstr(out, "total: 101770 params (397.5 KiB of float32), "
                                      "101632 multiply-adds per sample forward,\n"));
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(image_shapes_follow_keras)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    /* 7x7 with a 3x3 window, stride 2, padding same: ceil(7 / 2) = 4, and
     * (4 - 1) 2 + 3 - 7 = 2 pixels of padding, 1 before; valid: (7 - 3) / 2 + 1 = 3 */
    char *out = diagnose_in(&a, NET("    input 7x7x3\n"
                                    "    conv2d 8 3x3 relu stride=2 padding=same\n"
                                    "    maxpool 2 padding=same\n"
                                    "    conv2d 4 2x1 padding=1\n"
                                    "    avgpool 3x2 stride=1\n"
                                    "    batchnorm\n"
                                    "    globalavgpool\n"
                                    "    dense 10 softmax\n"), &ir, &m);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(ir);
    char buf[64];
    const Layer *l = m->layers;
    ck_assert_str_eq(shape_str(&l[1].out, buf, sizeof buf), "4x4x8");
    ck_assert_int_eq(l[1].win.pt, 1);
    ck_assert_int_eq(l[1].win.pl, 1);
    ck_assert_int_eq(l[1].n_params, 3 * 3 * 3 * 8 + 8);
    ck_assert_str_eq(shape_str(&l[2].out, buf, sizeof buf), "2x2x8");   /* ceil(4 / 2) */
    ck_assert_int_eq(l[2].win.sh, 2);                                   /* stride = size */
    /* (2 + 2 - 2) / 1 + 1 = 3 rows, (2 + 2 - 1) / 1 + 1 = 4 columns */
    ck_assert_str_eq(shape_str(&l[3].out, buf, sizeof buf), "3x4x4");
    ck_assert_str_eq(shape_str(&l[4].out, buf, sizeof buf), "1x3x4");
    ck_assert_str_eq(shape_str(&l[5].out, buf, sizeof buf), "1x3x4");
    ck_assert_int_eq(l[5].n_params, 2 * 4);   /* gamma, beta per channel */
    ck_assert_str_eq(shape_str(&l[6].out, buf, sizeof buf), "4");
    ck_assert_str_eq(l[1].name, "conv8");
    ck_assert_str_eq(l[4].name, "conv4_avgpool");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(conv_kernels_follow_the_cost_rule)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    /* windows of 5x5x1 = 25 and 5x5x32 = 800 values: im2col, whose
     * samples a call follow the pixels, and Winograd's F(4x4, 5x5) over
     * the 32 channels; its 16 tiles a sample in one group */
    char *out = diagnose_in(&a, NET("    input 28x28\n    conv2d 32 5x5 relu padding=same\n"
                                    "    maxpool 2\n    conv2d 64 5x5 relu padding=same\n"
                                    "    flatten\n    dense 10 softmax\n"), &ir, &m);
    ck_assert_str_eq(out, "");
    free(out);
    const IrOp *convs[2];
    int n = 0;
    for (int i = 0; i < ir->n_ops; i++)
        if (ir->ops[i].kind == OP_CONV && !ir->ops[i].dead)
            convs[n++] = &ir->ops[i];
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(convs[0]->kernel, KERNEL_IM2COL);
    ck_assert_int_eq(convs[1]->kernel, KERNEL_WINOGRAD);
    ck_assert_int_eq(convs[1]->wino_tiles, 16);
    ck_assert_int_eq(convs[0]->act, ACT_RELU);   /* fused: no separate relu op */
    /* ceil(1024 / (28 * 28)) = 2 and ceil(1024 / (14 * 14)) = 6 samples a product */
    ck_assert_int_eq(convs[0]->im2col_rows, 2);
    ck_assert_int_eq(convs[1]->im2col_rows, 6);
    size_t len;
    FILE *f = open_memstream(&out, &len);
    print_summary(f, m, ir);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(out, "conv2d 32 5x5 relu       28x28x32            832         627200"));
    ck_assert_ptr_null(strstr(out, "direct"));
    ck_assert_ptr_nonnull(strstr(out, "im2col+nnrt_mm\n"));
    ck_assert_ptr_nonnull(strstr(out, "winograd+nnrt_mm\n"));
    ck_assert_ptr_nonnull(strstr(out, "conv2d copies its windows into rows (im2col)"));
    ck_assert_ptr_nonnull(strstr(out, "go by Winograd's tiles"));
    free(out);
    arena_free(&a);
}
END_TEST

/* nnrt_mm where it beat cblas_sgemm (pick_kernels.c): at most 2^18
 * weights in a product; cblas_sgemm elsewhere; a dense layer's dx by
 * nnrt_mm only for a W of at most 16384 values */
START_TEST(products_follow_the_nnrt_mm_rule)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    /* conv 16 filters over a 3x3x8 window and conv 32 over 3x3x16:
     * Winograd's tiles and nnrt_mm (masked columns for the 16) at their
     * points; then 800 inputs: dense 128
     * in blocks of 128 rows (16,384 weights), nnrt_mm; dense 4000 on 128
     * inputs, 512,000 weights in one block: cblas_sgemm; dense 20 and
     * dense 10 on 20 inputs: nnrt_mm */
    char *out = diagnose_in(&a, NET("    input 12x12x8\n    conv2d 16 3x3 relu padding=same\n"
                                    "    conv2d 32 3x3 relu\n    maxpool 2\n    flatten\n"
                                    "    dense 128 relu\n    dense 4000 relu\n    dense 20 relu\n"
                                    "    dense 10 softmax\n"), &ir, &m);
    ck_assert_str_eq(out, "");
    free(out);
    const char *want[] = { "winograd+nnrt_mm", "winograd+nnrt_mm", "nnrt_mm", "cblas_sgemm",
                           "nnrt_mm", "nnrt_mm" };
    int n = 0;
    for (int i = 0; i < ir->n_ops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->dead || (op->kind != OP_CONV && op->kind != OP_DENSE))
            continue;
        ck_assert_int_lt(n, 6);
        ck_assert_msg(strcmp(kernel_name(op), want[n]) == 0, "%s: %s, not %s", op->name,
                      kernel_name(op), want[n]);
        /* dx over W^T: dense 10 on 20 inputs only (dense 128's input needs none) */
        ck_assert_int_eq(op->mm_dx, n == 5);
        n++;
    }
    ck_assert_int_eq(n, 6);
    arena_free(&a);
}
END_TEST

/* nnc check --explain-kernels: each decision with the numbers that made it */
START_TEST(explain_kernels_gives_each_rules_inputs)
{
    Arena a = { 0 };
    Model *m;
    Ir *ir;
    char *out = diagnose_in(&a, NET("    input 12x12x8\n    conv2d 16 1x1 relu\n"
                                    "    conv2d 8 3x3 padding=same\n    conv2d 4 3x3 padding=same\n"
                                    "    flatten\n    dense 4000 relu\n    dense 10 softmax\n"),
                            &ir, &m);
    ck_assert_str_eq(out, "");
    free(out);
    size_t len;
    FILE *f = open_memstream(&out, &len);
    print_kernel_reasons(f, ir);
    fclose(f);
    const char *want[] = {
        "window:   8 values: im2col, each window copied into a row",
        "window:   72 values: im2col",
        "rows:     1024 (IM2COL_TARGET_ROWS) / 144 pixels a sample: 8 samples a call",
        "products: W, 288 values <= 262144 (MM_MAX_VALUES): nnrt_mm",
        "dx = dz W^T: nnrt_mm over a copy of W^T,",
        "winograd: no, a 1x1 window (3x3 and 5x5 only)",
        "winograd: no, 4 filters < 8 (MM_NARROW_FILTERS)",
        ("winograd: stride 1, 3x3, 16 channels >= 8 (WINO_MIN_CHANNELS), 8 filters >= 8\n"
         "            (MM_NARROW_FILTERS): F(4x4, 3x3), 36 multiply-adds for 16 outputs\n"
         "            where im2col spends 144"),
        "y = A^T M A + b, 4x4 outputs a tile",
        "dense4000: dense 576 -> 4000, 2304000 weights",
        "blocks:   W's rows in 5 blocks of 128 (the last 64)",
        "products: a block of W, 512000 values > 262144 (MM_MAX_VALUES): cblas_sgemm",
        "dx = dz W^T by the blocks' columns: cblas_sgemm, reading W in place",
        ("dx = dz W^T by the blocks' columns: cblas_sgemm, reading W in place:\n"
         "            40000 values > 16384 (MM_DX_MAX_VALUES)"),   /* one line, broken */
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(out, want[i]), "no '%s' in:\n%s", want[i], out);
    free(out);
    arena_free(&a);
}
END_TEST

/* The flag through nnc itself: after the summary with check, refused
 * elsewhere */
START_TEST(explain_kernels_is_an_option_of_check)
{
    const char *nnc = getenv("NNC_BIN") && *getenv("NNC_BIN") ? getenv("NNC_BIN") : "build/nnc";
    char cmd[1024], *out, *refused;
    snprintf(cmd, sizeof cmd, "%s check --explain-kernels examples/fashion_mlp.nn", nnc);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "total: 101770 params"));
    ck_assert_ptr_nonnull(strstr(out, "kernels, and the rules"));
    ck_assert(strstr(out, "total: 101770 params") < strstr(out, "kernels, and the rules"));
    ck_assert_ptr_nonnull(strstr(out, "dense10: dense 128 -> 10, 1280 weights\n"));
    snprintf(cmd, sizeof cmd, "%s emit --explain-kernels examples/fashion_mlp.nn", nnc);
    ck_assert_int_ne(run_cmd(cmd, &refused), 0);
    ck_assert_str_eq(refused,
                     "nnc: error: --explain-kernels is an option of 'check', not of 'emit'\n");
    free(out);
    free(refused);
}
END_TEST

/* ---- layer names ---------------------------------------------------------- */

/* The names nnc gives the layers of NET(layers), space-separated */
static char *names_of(const char *text)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, text, NULL, &m);
    ck_assert_msg(strcmp(out, "") == 0, "%s", out);
    free(out);
    char *names = calloc(1, 1024);
    for (int i = 0; i < m->n_layers; i++)
        snprintf(names + strlen(names), 1024 - strlen(names), "%s%s", i ? " " : "",
                 m->layers[i].name);
    arena_free(&a);
    return names;
}

START_TEST(automatic_names_come_from_the_content)
{
    char *n = names_of(NET("    input 28x28x1\n    conv2d 32 5x5 relu\n    maxpool 2\n"
                           "    conv2d 64 5x5 relu\n    batchnorm\n    maxpool 2\n    flatten\n"
                           "    dense 1024 relu\n    dropout 0.4\n    dense 10 softmax\n"));
    ck_assert_str_eq(n, "input conv32 conv32_maxpool conv64 conv64_batchnorm conv64_maxpool "
                        "conv64_flatten dense1024 dense1024_dropout dense10");
    free(n);
    /* before any layer with a width, the anchor is the input */
    n = names_of(NET("    input 28x28\n    flatten\n    dropout 0.1\n    dense 10 softmax\n"));
    ck_assert_str_eq(n, "input input_flatten input_dropout dense10");
    free(n);
    /* identical twins are numbered in network order, their followers too */
    n = names_of(NET("    input 8\n    dense 16 relu\n    dropout 0.2\n    dense 16 relu\n"
                     "    dropout 0.2\n    dropout 0.3\n    dense 2 softmax\n"));
    ck_assert_str_eq(n, "input dense16 dense16_dropout dense16_2 dense16_2_dropout "
                        "dense16_2_dropout_2 dense2");
    free(n);
}
END_TEST

START_TEST(inserting_a_layer_renames_no_other)
{
    char *before = names_of(NET("    input 28x28\n    flatten\n    dense 128 relu\n"
                                "    dropout 0.2\n    dense 10 softmax\n"));
    ck_assert_str_eq(before, "input input_flatten dense128 dense128_dropout dense10");
    /* a dense layer and a dropout inserted before dense 128 */
    char *after = names_of(NET("    input 28x28\n    flatten\n    dense 256 relu\n"
                               "    dropout 0.5\n    dense 128 relu\n    dropout 0.2\n"
                               "    dense 10 softmax\n"));
    ck_assert_str_eq(after, "input input_flatten dense256 dense256_dropout dense128 "
                            "dense128_dropout dense10");
    free(before);
    free(after);
}
END_TEST

START_TEST(name_option_names_a_layer_and_anchors_the_next)
{
    char *n = names_of(NET("    input 28x28 name=pixels\n    flatten\n"
                           "    dense 128 relu name=hidden\n    dropout 0.2\n"
                           "    dropout 0.1 name=drop\n    dense 10 softmax name=out\n"));
    ck_assert_str_eq(n, "pixels pixels_flatten hidden hidden_dropout drop out");
    free(n);
    /* on every kind of layer */
    n = names_of(NET("    input 8x8x1 name=i\n    conv2d 4 3x3 relu name=c\n"
                     "    batchnorm name=bn\n    maxpool 2 name=mp\n    avgpool 2 name=ap\n"
                     "    sumpool 1 name=sp\n    globalavgpool name=gap\n    dropout 0.1 name=dr\n"
                     "    flatten name=fl\n    dense 10 softmax name=d\n"));
    ck_assert_str_eq(n, "i c bn mp ap sp gap dr fl d");
    free(n);
    /* a name is a name, even where a let of that name is a number */
    n = names_of("let hidden = 16\n" NET("    input 8\n    dense hidden relu name=hidden\n"
                                         "    dense 2 softmax\n"));
    ck_assert_str_eq(n, "input hidden dense2");
    free(n);
}
END_TEST

START_TEST(legacy_names_count_by_kind_and_position)
{
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, NET("    input 28x28\n    flatten\n    dense 128 relu name=h\n"
                                    "    dropout 0.2\n    dense 10 softmax\n"), NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(m->layers[0].legacy, "input1");
    ck_assert_str_eq(m->layers[2].legacy, "dense1");
    ck_assert_str_eq(m->layers[3].legacy, "dropout1");
    ck_assert_str_eq(m->layers[4].legacy, "dense2");
    free(out);
    arena_free(&a);
}
END_TEST

START_TEST(bad_layer_names)
{
    char *out = diagnose(NET("    input 784\n    dense 128 relu name=Hidden\n"
                             "    dense 64 relu name=forward\n    dense 32 relu name=d_out\n"
                             "    dense 10 softmax name=a_very_long_layer_name_indeed\n"));
    ck_assert_str_eq(out,
        "t.nn:14:25: error: layer name 'Hidden' must be lower-case letters, digits and _, "
        "starting with a letter\n"
        "   14 |     dense 128 relu name=Hidden\n"
        "      |                         ^~~~~~\n"
        "t.nn:15:24: error: 'forward' cannot name a layer: the generated C uses it\n"
        "   15 |     dense 64 relu name=forward\n"
        "      |                        ^~~~~~~\n"
        "t.nn:16:24: error: layer name 'd_out' starts with d_, which marks the gradients in "
        "the generated C\n"
        "   16 |     dense 32 relu name=d_out\n"
        "      |                        ^~~~~\n"
        "t.nn:17:27: error: layer name 'a_very_long_layer_name_indeed' is longer than 24 "
        "characters\n"
        "   17 |     dense 10 softmax name=a_very_long_layer_name_indeed\n"
        "      |                           ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
    free(out);
    out = diagnose(NET("    input 784\n    dense 128 relu name=2\n    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:25: error: name= must be a name, not a number '2'\n"
        "   14 |     dense 128 relu name=2\n"
        "      |                         ^\n");
    free(out);
}
END_TEST

START_TEST(layer_names_are_unique)
{
    char *out = diagnose(NET("    input 784\n    dense 128 relu name=hidden\n"
                             "    dropout 0.5 name=hidden\n    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:15:22: error: two layers are named 'hidden'\n"
        "   15 |     dropout 0.5 name=hidden\n"
        "      |                      ^~~~~~\n"
        "      = the first is on line 14\n");
    free(out);
    /* a name= may not be what an unnamed layer is called */
    out = diagnose(NET("    input 784\n    dense 64 relu name=dense128\n    dense 128 relu\n"
                       "    dense 10 softmax\n"));
    ck_assert_str_eq(out,
        "t.nn:14:24: error: layer name 'dense128' is what the unnamed layer on line 15 is "
        "called\n"
        "   14 |     dense 64 relu name=dense128\n"
        "      |                        ^~~~~~~~\n"
        "      = give that layer a name= too, or this one another name\n");
    free(out);
    /* but it may be a layer's own automatic name, written out */
    out = diagnose(NET("    input 784\n    dense 128 relu name=dense128\n    dense 10 softmax\n"));
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, shapes_of_the_reference_model);
    tcase_add_test(tc, data_and_train_settings_with_defaults);
    tcase_add_test(tc, summary_reports_params_macs_memory_and_kernels);
    tcase_add_test(tc, image_shapes_follow_keras);
    tcase_add_test(tc, conv_kernels_follow_the_cost_rule);
    tcase_add_test(tc, products_follow_the_nnrt_mm_rule);
    tcase_add_test(tc, explain_kernels_gives_each_rules_inputs);
    tcase_add_test(tc, explain_kernels_is_an_option_of_check);
    suite_add_tcase(s, tc);
    tc = tcase_create("names");
    tcase_add_test(tc, automatic_names_come_from_the_content);
    tcase_add_test(tc, inserting_a_layer_renames_no_other);
    tcase_add_test(tc, name_option_names_a_layer_and_anchors_the_next);
    tcase_add_test(tc, legacy_names_count_by_kind_and_position);
    tcase_add_test(tc, bad_layer_names);
    tcase_add_test(tc, layer_names_are_unique);
    suite_add_tcase(s, tc);
    tc = tcase_create("diagnostics");
    tcase_add_test(tc, unknown_layer_suggests_the_closest);
    tcase_add_test(tc, dense_after_2d_input_wants_flatten);
    tcase_add_test(tc, values_out_of_range_say_the_range);
    tcase_add_test(tc, wrong_kind_of_value);
    tcase_add_test(tc, unknown_activation_and_optimizer_option);
    tcase_add_test(tc, unknown_word_far_from_all_lists_them);
    tcase_add_test(tc, activation_options_belong_to_their_activation);
    tcase_add_test(tc, let_and_define_set_a_number);
    tcase_add_test(tc, define_errors);
    tcase_add_test(tc, a_let_is_defined_once);
    tcase_add_test(tc, csv_data_shapes_and_task);
    tcase_add_test(tc, binary_cross_entropy_needs_one_sigmoid_output);
    tcase_add_test(tc, optimizers_take_their_own_options_with_keras_defaults);
    tcase_add_test(tc, initializers_and_regularization);
    tcase_add_test(tc, warnings_for_legal_but_suspect_choices);
    tcase_add_test(tc, cross_entropy_needs_softmax_output);
    tcase_add_test(tc, missing_and_repeated_sections);
    tcase_add_test(tc, one_bad_layer_does_not_cascade);
    tcase_add_test(tc, network_must_start_with_input);
    tcase_add_test(tc, huge_numbers_are_errors_not_overflows);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
