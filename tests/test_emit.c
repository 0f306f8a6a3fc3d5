/* test_emit.c: the generated C.  It must match the committed examples
 * (a review sees its diff), be the same bytes every time, change little
 * when the model changes little, and compile cleanly under -Werror. */
#include <glob.h>

#include "test_util.h"

/* The C nnc emits for the .nn file at path, as `nnc emit path -o output`
 * writes it (output NULL: to stdout). */
static char *emit_file_to(const char *path, const char *output)
{
    Arena a = { 0 };
    Source src;
    ck_assert_int_eq(source_read(&a, path, &src), 0);
    Diag d;
    diag_init(&d, &src, stderr);
    Model *m;
    Ir *ir = compile_source(&a, &src, &d, &m);
    ck_assert_ptr_nonnull(ir);
    m->shown_path = source_shown_path(&a, path, output);
    char *c = emit_to_string(ir);
    arena_free(&a);
    return c;
}

static char *emit_file(const char *path)
{
    return emit_file_to(path, NULL);
}

START_TEST(examples_match_their_committed_c)
{
    glob_t g;
    ck_assert_int_eq(glob("examples/*.nn", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 2);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *nn = g.gl_pathv[i];
        char c[256];
        snprintf(c, sizeof c, "%.*s.c", (int)(strlen(nn) - 3), nn);
        char *emitted = emit_file_to(nn, c);
        char *committed = slurp(c);
        ck_assert_msg(strcmp(emitted, committed) == 0,
                      "%s no longer matches what nnc emits for %s: run 'make golden' and review the diff",
                      c, nn);
        free(emitted);
        free(committed);
    }
    globfree(&g);
}
END_TEST

START_TEST(same_input_same_bytes)
{
    char *one = emit_file("examples/fashion_mlp_dropout.nn");
    char *two = emit_file("examples/fashion_mlp_dropout.nn");
    ck_assert_str_eq(one, two);
    ck_assert_ptr_null(strstr(one, "/work"));     /* no absolute paths */
    ck_assert_ptr_nonnull(strstr(one, "from examples/fashion_mlp_dropout.nn. Do not edit.\n"));
    /* the version once, in the header: a new release changes one line */
    const char *v = strstr(one, NNC_VERSION);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_null(strstr(v + 1, NNC_VERSION));
    free(one);
    free(two);
}
END_TEST

static int count_differing_lines(const char *a, const char *b)
{
    int n = 0;
    while (*a || *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        n += la != lb || memcmp(a, b, la) != 0;
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    return n;
}

START_TEST(one_line_change_gives_a_local_diff)
{
    /* named, so that the new width does not rename the layer (dense128) */
    char *a = emit_text(MODEL_HEAD "network {\n    input 784\n    dense 128 relu name=hidden\n"
                        "    dense 10 softmax\n}\n" MODEL_TRAIN);
    char *b = emit_text(MODEL_HEAD "network {\n    input 784\n    dense 129 relu name=hidden\n"
                        "    dense 10 softmax\n}\n" MODEL_TRAIN);
    /* MODEL_HASH, the width constant, the quoted statement; in the
     * overview, the rows of hidden and of dense10 (its inputs) and the two
     * lines of totals: nothing else */
    int changed = count_differing_lines(a, b);
    ck_assert_int_eq(changed, 7);
    free(a);
    free(b);
}
END_TEST

/* Inserting a layer renames no other: the output layer keeps its
 * functions, constants and tensor names (by position, it was dense2 and
 * would have become dense3). */
START_TEST(inserting_a_layer_keeps_the_others_names)
{
    char *b = emit_text(MODEL_HEAD "network {\n    input 784\n    dense 128 relu\n"
                        "    dense 64 relu\n    dense 10 softmax\n}\n" MODEL_TRAIN);
    ck_assert_ptr_nonnull(strstr(b, "static void dense128_forward(Replica *rep, int n)\n"));
    ck_assert_ptr_nonnull(strstr(b, "static void dense10_forward(Replica *rep, int n)\n"));
    ck_assert_ptr_nonnull(strstr(b, "#define CLASSES DENSE10_OUT\n"));
    ck_assert_ptr_nonnull(strstr(b, "    { .name = \"dense10.w\",\n"));
    /* what a version 2 weights file called it */
    ck_assert_ptr_nonnull(strstr(b, "\"dense3.w\",   /* dense10.w */\n"));
    free(b);
}
END_TEST

START_TEST(params_rows_label_their_fields)
{
    char *c = emit_file("examples/fashion_mlp.nn");
    ck_assert_ptr_nonnull(strstr(c,
        "    { .name = \"dense128.w\",\n"
        "      .ndims = 2, .dims = { IN, DENSE128_OUT }, .size = IN * DENSE128_OUT,\n"
        "      .value = dense128_w, .grad = offsetof(Replica, dense128_dw),\n"
        "      .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN, .fan_out = DENSE128_OUT, "
        ".init_scale = 0.0f,\n"
        "      .grad_rows = dense128_dw_rows, .grad_x = offsetof(Replica, x),\n"
        "      .grad_dy = offsetof(Replica, d_dense128_y), .block_rows = 128 },\n"));
    ck_assert_ptr_nonnull(strstr(c, "    .legacy_names = LEGACY_NAMES,\n"));
    free(c);
}
END_TEST

START_TEST(constants_name_every_shape)
{
    char *c = emit_file("examples/fashion_mlp.nn");
    ck_assert_ptr_nonnull(strstr(c, "#define IN 784   /* input 28x28, flattened */\n"));
    ck_assert_ptr_nonnull(strstr(c, "#define DENSE128_OUT 128\n"));
    ck_assert_ptr_nonnull(strstr(c, "#define CLASSES DENSE10_OUT\n"));
    ck_assert_ptr_nonnull(strstr(c, "/* dense128: dense 128 relu\n"));
    ck_assert_ptr_nonnull(strstr(c, "    int from = b * 128, rows = from + 128 <= IN ? 128 : IN - from;\n"));
    ck_assert_ptr_nonnull(strstr(c, "    nnrt_mm(n, DENSE128_OUT, rows, &rep->x[from], IN, "
                                    "&dense128_w[from * DENSE128_OUT], DENSE128_OUT,\n"));
    free(c);
}
END_TEST

/* Shards: batch / 32, but a model mostly of convolutions (rows a pixel)
 * is cut in two from batch 32 (MODEL_TRAIN's default); not below it, nor
 * when dense layers do most of the work */
START_TEST(convnets_at_batch_32_are_cut_in_two)
{
    static const struct {
        const char *network, *batch;
        int shards;
    } cases[] = {
        { "    input 28x28x1\n    conv2d 16 3x3 relu\n    maxpool 2\n    flatten\n"
          "    dense 10 softmax\n", "", 2 },
        { "    input 28x28x1\n    conv2d 16 3x3 relu\n    maxpool 2\n    flatten\n"
          "    dense 10 softmax\n", "    batch 16\n", 1 },
        { "    input 28x28x1\n    conv2d 16 3x3 relu\n    maxpool 2\n    flatten\n"
          "    dense 10 softmax\n", "    batch 128\n", 4 },
        { "    input 784\n    dense 128 relu\n    dense 10 softmax\n", "", 1 },
        { "    input 28x28x1\n    conv2d 4 3x3 relu\n    flatten\n    dense 512 relu\n"
          "    dense 10 softmax\n", "", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048], want[64];
        snprintf(text, sizeof text,
                 MODEL_HEAD "network {\n%s}\ntrain {\n    loss cross_entropy\n"
                 "    optimizer adam lr=0.001\n%s}\n", cases[i].network, cases[i].batch);
        char *c = emit_text(text);
        snprintf(want, sizeof want, "\n#define SHARDS %d ", cases[i].shards);
        ck_assert_msg(strstr(c, want) != NULL, "case %zu: not %d shards:\n%.3000s", i,
                      cases[i].shards, c);
        free(c);
    }
}
END_TEST

/* Every construct of the language, each kernel choice and each loss,
 * through a real C compiler with warnings as errors: as the trainer, and
 * as its double-precision twin; flags are more of cc's */
static void compiles_cleanly_with(const char *cc, const char *flags, const char *text,
                                  const char *name)
{
    const char *tmp = tmp_dir();
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/%s.c", tmp, name);
    make_dir("%s", tmp);
    char *c = emit_text(text);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(c, f);
    fclose(f);
    free(c);
    for (int twin = 0; twin < 2; twin++) {
        snprintf(cmd, sizeof cmd,
                 "%s -std=c11 -Wall -Wextra -Werror -pedantic %s -Iruntime %s "
                 "$(pkg-config --cflags openblas) -c %s -o %s.o", cc, flags,
                 twin ? "-DNNRT_DOUBLE" : "", path, path);
        ck_assert_msg(system(cmd) == 0, "%s %s rejected %s", cc, twin ? "-DNNRT_DOUBLE" : "", path);
    }
}

static void compiles_cleanly(const char *cc, const char *text, const char *name)
{
    compiles_cleanly_with(cc, "", text, name);
}

START_TEST(generated_c_compiles_with_werror)
{
    static const char *const nets[] = {
        "    input 28x28\n    flatten\n    dense 128 relu\n    dropout 0.2\n    dense 10 softmax\n",
        "    input 6\n    dense 5 tanh\n    dense 4 sigmoid\n    dense 3 softmax\n",
        "    input 4x2\n    dropout 0.5\n    flatten\n    dense 3 identity\n    dense 3 softmax\n",
        ("    input 9\n    dense 8 leaky_relu slope=0.1\n    dense 7 elu\n    dense 6 gelu\n"
         "    dense 5 softplus\n    dense 4 swish\n    dense 3 softmax\n"),
        /* a suspect but legal dropout after the output: cross-entropy unfused */
        "    input 5\n    dense 3 softmax l1=0.01 l2=0.01\n    dropout 0.1\n",
    };
    char text[2048], name[32];
    for (int i = 0; i < (int)(sizeof nets / sizeof nets[0]); i++) {
        snprintf(text, sizeof text, MODEL_HEAD "network {\n%s}\n" MODEL_TRAIN, nets[i]);
        snprintf(name, sizeof name, "werror_%d", i);
        compiles_cleanly("gcc", text, name);
        if (system("command -v clang >/dev/null 2>&1") == 0) {
            snprintf(name, sizeof name, "werror_clang_%d", i);
            compiles_cleanly("clang", text, name);
        }
    }
    snprintf(text, sizeof text, MODEL_HEAD "network {\n    input 5\n    dense 3 sigmoid\n}\n"
             "train {\n    loss mse\n    optimizer sgd lr=0.1\n}\n");
    compiles_cleanly("gcc", text, "werror_mse");
}
END_TEST

/* nnrt_mm inlined with every kind of column edge, optimized as a trainer
 * is: widths of whole tiles and a vector more (400 = 12 x 32 + 16, which
 * gcc 12 once took for a loop running past its array), of a vector and
 * some (40), a conv2d of 48 filters */
START_TEST(nnrt_mm_edges_compile_optimized_with_werror)
{
    char text[2048];
    snprintf(text, sizeof text, MODEL_HEAD "network {\n    input 12x12x8\n"
             "    conv2d 48 3x3 relu\n    flatten\n    dense 400 relu\n    dense 40 relu\n"
             "    dense 10 softmax\n}\n" MODEL_TRAIN);
    compiles_cleanly_with("gcc", "-O3 -march=native -ffp-contract=off", text, "werror_mm_edges");
    if (system("command -v clang >/dev/null 2>&1") == 0)
        compiles_cleanly_with("clang", "-O3 -march=native -ffp-contract=off", text,
                              "werror_mm_edges_clang");
}
END_TEST

/* A model of MODEL_HEAD, input 4, body, a softmax head and MODEL_TRAIN */
static char *model_of_layers(const char *body)
{
    const char *head = MODEL_HEAD "network {\n    input 4\n";
    const char *tail = "    dense 2 softmax\n}\n" MODEL_TRAIN;
    char *text = malloc(strlen(head) + strlen(body) + strlen(tail) + 1);
    ck_assert_ptr_nonnull(text);
    strcpy(text, head);
    strcat(text, body);
    strcat(text, tail);
    return text;
}

/* 1030 dense layers own 4120 buffers in a replica (y, d_y, dw, db each),
 * more than the 4096 names the emitter once held in a fixed table: the
 * file builds into a trainer.  At -O0: only that it compiles and links
 * is asked, and gcc -O2 takes minutes on it. */
START_TEST(a_thousand_layers_build)
{
    char *body = repeat("    dense 1 relu\n", 1030);
    char *text = model_of_layers(body);
    char *c = emit_text(text);
    ck_assert_ptr_nonnull(strstr(c, "    NNRT_ALIGNED real dense1_1030_dw[DENSE1_1029_OUT * DENSE1_1030_OUT], "
                                    "dense1_1030_db[DENSE1_1030_OUT];\n"));
    ck_assert_ptr_nonnull(strstr(c, "static void dense1_1030_backward(Replica *rep, int n)\n"));
    free(c);
#ifndef __SANITIZE_ADDRESS__
    /* not under the sanitizers: NNC_CFLAGS would drop their flags, which
     * the runtime it links was built with (and the build takes minutes) */
    char nn[512], exe[512], cmd[2048], *out;
    make_dir("%s", tmp_dir());
    snprintf(nn, sizeof nn, "%s/thousand_layers.nn", tmp_dir());
    snprintf(exe, sizeof exe, "%s/thousand_layers", tmp_dir());
    write_text(nn, text);
    const char *nnc = getenv("NNC_BIN") && *getenv("NNC_BIN") ? getenv("NNC_BIN") : "build/nnc";
    snprintf(cmd, sizeof cmd, "NNC_CFLAGS=-O0 %s build %s -o %s", nnc, nn, exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s failed (%d):\n%s", cmd, status, out);
    ck_assert(path_exists(exe));
    free(out);
#endif
    free(text);
    free(body);
}
END_TEST

/* The names suite's twenty thousand twin layers (test_hostile.c) emit too:
 * 80000 buffers in the replica, each written as rep->name where used. */
START_TEST(twenty_thousand_twins_emit)
{
    char *body = repeat("    dense 1 relu\n    dropout 0.1\n", 20000);
    char *text = model_of_layers(body);
    char *c = emit_text(text);
    ck_assert_ptr_nonnull(strstr(c, "    NNRT_ALIGNED real dense1_20000_dropout_mask[SHARD_ROWS * DENSE1_20000_OUT];\n"));
    ck_assert_ptr_nonnull(strstr(c, "        rep->dense1_20000_dropout_y[i] = rep->dense1_20000_y[i] * "
                                    "rep->dense1_20000_dropout_mask[i];\n"));
    ck_assert_ptr_nonnull(strstr(c, "    dense1_20000_dropout_forward(rep, n, training, rng);\n"));
    free(c);
    free(text);
    free(body);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emit");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, examples_match_their_committed_c);
    tcase_add_test(tc, same_input_same_bytes);
    tcase_add_test(tc, one_line_change_gives_a_local_diff);
    tcase_add_test(tc, constants_name_every_shape);
    tcase_add_test(tc, inserting_a_layer_keeps_the_others_names);
    tcase_add_test(tc, params_rows_label_their_fields);
    tcase_add_test(tc, convnets_at_batch_32_are_cut_in_two);
    suite_add_tcase(s, tc);
    tc = tcase_create("compile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, generated_c_compiles_with_werror);
    tcase_add_test(tc, nnrt_mm_edges_compile_optimized_with_werror);
    suite_add_tcase(s, tc);
    tc = tcase_create("large");
    /* a C file of 60000 lines, compiled twice (the trainer and its twin) */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_thousand_layers_build);
    tcase_add_test(tc, twenty_thousand_twins_emit);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
