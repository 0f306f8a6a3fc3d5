/* test_emit.c: the generated C.  It must match the committed examples
 * (a review sees its diff), be the same bytes every time, change little
 * when the model changes little, and compile cleanly under -Werror. */
#include <glob.h>

#include "test_util.h"

/* The C emitted for ir, as a malloc'ed string. */
static char *emit_to_string(const Ir *ir)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    emit_c(f, ir);
    fclose(f);
    return buf;
}

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

/* The C nnc emits for .nn text, which must have no errors (warnings are
 * fine). */
static char *emit_text(const char *text)
{
    Arena a = { 0 };
    Ir *ir;
    char *diags = diagnose_in(&a, text, &ir, NULL);
    ck_assert_msg(ir != NULL, "%s", diags);
    free(diags);
    char *c = emit_to_string(ir);
    arena_free(&a);
    return c;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, out);
    fclose(out);
    fclose(f);
    return buf;
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
        char *committed = read_all(c);
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
    ck_assert_ptr_nonnull(strstr(one, "from examples/fashion_mlp_dropout.nn; model hash "));
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
    char *a = emit_text(MODEL_HEAD "network {\n    input 784\n    dense 128 relu\n"
                        "    dense 10 softmax\n}\n" MODEL_TRAIN);
    char *b = emit_text(MODEL_HEAD "network {\n    input 784\n    dense 129 relu\n"
                        "    dense 10 softmax\n}\n" MODEL_TRAIN);
    /* the hash in the header and in MODEL, the width constant, the quoted
     * statement; in the overview, the rows of dense1 and of dense2 (its
     * inputs) and the two lines of totals: nothing else */
    int changed = count_differing_lines(a, b);
    ck_assert_int_eq(changed, 8);
    free(a);
    free(b);
}
END_TEST

START_TEST(constants_name_every_shape)
{
    char *c = emit_file("examples/fashion_mlp.nn");
    ck_assert_ptr_nonnull(strstr(c, "#define IN 784   /* input 28x28, flattened */\n"));
    ck_assert_ptr_nonnull(strstr(c, "#define DENSE1_OUT 128\n"));
    ck_assert_ptr_nonnull(strstr(c, "#define CLASSES DENSE2_OUT\n"));
    ck_assert_ptr_nonnull(strstr(c, "/* dense1: dense 128 relu\n"));
    ck_assert_ptr_nonnull(strstr(c, "    gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, DENSE1_OUT, IN,"));
    free(c);
}
END_TEST

/* Every construct of the language, each kernel choice and each loss,
 * through a real C compiler with warnings as errors: as the trainer, and
 * as its double-precision twin. */
static void compiles_cleanly(const char *cc, const char *text, const char *name)
{
    const char *tmp = getenv("NNC_TMP") ? getenv("NNC_TMP") : "build/tmp";
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/%s.c", tmp, name);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", tmp);
    ck_assert_int_eq(system(cmd), 0);
    char *c = emit_text(text);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(c, f);
    fclose(f);
    free(c);
    for (int twin = 0; twin < 2; twin++) {
        snprintf(cmd, sizeof cmd,
                 "%s -std=c11 -Wall -Wextra -Werror -pedantic -Iruntime %s "
                 "$(pkg-config --cflags openblas) -c %s -o %s.o", cc,
                 twin ? "-DNNRT_DOUBLE" : "", path, path);
        ck_assert_msg(system(cmd) == 0, "%s %s rejected %s", cc, twin ? "-DNNRT_DOUBLE" : "", path);
    }
}

START_TEST(generated_c_compiles_with_werror)
{
    static const char *const nets[] = {
        "    input 28x28\n    flatten\n    dense 128 relu\n    dropout 0.2\n    dense 10 softmax\n",
        "    input 6\n    dense 5 tanh\n    dense 4 sigmoid\n    dense 3 softmax\n",
        "    input 4x2\n    dropout 0.5\n    flatten\n    dense 3 identity\n    dense 3 softmax\n",
        "    input 9\n    dense 8 leaky_relu slope=0.1\n    dense 7 elu\n    dense 6 gelu\n"
        "    dense 5 softplus\n    dense 4 swish\n    dense 3 softmax\n",
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

int main(void)
{
    Suite *s = suite_create("emit");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, examples_match_their_committed_c);
    tcase_add_test(tc, same_input_same_bytes);
    tcase_add_test(tc, one_line_change_gives_a_local_diff);
    tcase_add_test(tc, constants_name_every_shape);
    suite_add_tcase(s, tc);
    tc = tcase_create("compile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, generated_c_compiles_with_werror);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
