/* test_inject.c: text from the user in the generated C, and back out of
 * the trainer.
 *
 * The .nn file's path, its strings (data paths, class names, init= files)
 * and its lines quoted in comments reach the C nnc writes.  Built for real
 * (nnc build, -std=c11 -Wall -Wextra -Werror), hostile text must stay text:
 * a path holding `*` `/`, a newline and #include "evil.h" includes nothing,
 * trigraphs (??/ is a backslash under -std=c11) change no byte, and the
 * trainer finds its files and prints the names exactly as written.  First
 * the two escapers of emit_escape.c on their own, over every byte.
 *
 * Paths here hold newlines and quotes, so commands run from an argv, never
 * through a shell. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "trainer_util.h"

/* ---- running commands without a shell --------------------------------- */

/* Run argv (argv[0] looked up in PATH); its stdout and stderr together,
 * malloc'ed, in *out.  Returns the exit status. */
static int run_argv(char *const argv[], char **out)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_int_gt(n, 0);
        fwrite(chunk, 1, (size_t)n, mem);
    }
    fclose(mem);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* An empty folder tmp/name for one test; its path in dir. */
static void inject_dir(char *dir, size_t len, const char *name)
{
    snprintf(dir, len, "%s/inject/%s", tmp_dir(), name);
    fresh_dir("%s", dir);
}

/* nnc build nn -o exe: fails the test with nnc's output if it fails */
static void build(const char *nn, const char *exe)
{
    char *out;
    char *argv[] = { (char *)nnc_bin(), "build", (char *)nn, "-o", (char *)exe, NULL };
    int status = run_argv(argv, &out);
    ck_assert_msg(status == 0, "nnc build failed (%d):\n%.3000s", status, out);
    free(out);
}

/* The C compiler nnc uses on what it emits */
static const char *cc(void)
{
    const char *c = getenv("CC");
    return c && *c ? c : "cc";
}

/* ---- the escapers, alone -------------------------------------------------- */

static char *string_literal(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    c_string_literal(f, text);
    fclose(f);
    return buf;
}

static char *comment_text(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    c_comment_str(f, text);
    fclose(f);
    return buf;
}

START_TEST(string_literals_escape_what_c_would_read)
{
    static const char *const cases[][2] = {
        { "plain/path.gz", "\"plain/path.gz\"" },
        { "say \"hi\" \\ there", "\"say \\\"hi\\\" \\\\ there\"" },
        { "?\?/", "\"?\\?/\"" },                 /* a backslash under -std=c11 */
        { "a?\?\?=b", "\"a?\\?\\?=b\"" },
        { "*/ /* %s %n", "\"*/ /* %s %n\"" },   /* nothing to do in a string */
        { "line\nbreak\r\ttab", "\"line\\nbreak\\r\\ttab\"" },
        { "\x01\x7f" "1", "\"\\001\\1771\"" },  /* three digits: the 1 stays a 1 */
        { "\xc3\xa9t\xc3\xa9", "\"\\303\\251t\\303\\251\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = string_literal(cases[i][0]);
        ck_assert_str_eq(got, cases[i][1]);
        free(got);
    }
}
END_TEST

START_TEST(comment_text_cannot_end_the_comment)
{
    static const char *const cases[][2] = {
        { "examples/fashion_mlp.nn", "examples/fashion_mlp.nn" },
        { "a*/b", "a* /b" },
        { "/*", "/ *" },
        { "*/*/", "* / * /" },
        { "x?\?/", "x? ?/" },
        { "?\?\?", "? ? ?" },
        { "a\n#include \"evil.h\"\r", "a\\n#include \"evil.h\"\\r" },
        { "ends in \\", "ends in \\ " },        /* no backslash before the newline */
        { "\xe2\x80\xae", "\\342\\200\\256" },  /* no bidi control for -Wbidi-chars */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = comment_text(cases[i][0]);
        ck_assert_str_eq(got, cases[i][1]);
        free(got);
    }
}
END_TEST

START_TEST(identifiers_are_checked)
{
    ck_assert(is_c_identifier("dense1"));
    ck_assert(is_c_identifier("_x9"));
    ck_assert(is_c_identifier("DENSE1_OUT"));
    ck_assert(!is_c_identifier(""));
    ck_assert(!is_c_identifier("1dense"));
    ck_assert(!is_c_identifier("a-b"));
    ck_assert(!is_c_identifier("a b"));
    ck_assert(!is_c_identifier("caf\xc3\xa9"));
}
END_TEST

/* nnc names functions and buffers itself; should one ever not be an
 * identifier, emit_c stops with an internal error (exit 2), not bad C. */
START_TEST(a_name_that_is_no_identifier_stops_emit_c)
{
    Arena a = { 0 };
    Ir *ir = NULL;
    char *diags = diagnose_in(&a, MODEL_HEAD "network {\n    input 4\n    dense 3 softmax\n}\n"
                                  MODEL_TRAIN, &ir, NULL);
    ck_assert_msg(ir != NULL, "%s", diags);
    free(diags);
    snprintf(ir->ops[0].name, sizeof ir->ops[0].name, "x*/ y");
    /* its message, expected here, is no failure of the suite's to show */
    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
    FILE *f = fopen("/dev/null", "w");
    emit_c(f, ir);      /* exits: tcase_add_exit_test expects status 2 */
    fclose(f);
    arena_free(&a);
}
END_TEST

/* Every byte from 1 to 255, then every trigraph, as one string. */
static char *hostile_bytes(void)
{
    static const char TRIGRAPHS[] = "?\?= ?\?( ?\?/ ?\?) ?\?' ?\?< ?\?! ?\?> ?\?- ?\?\?/ */ /* \\";
    char *s = malloc(255 + sizeof TRIGRAPHS);
    for (int b = 1; b < 256; b++)
        s[b - 1] = (char)b;
    memcpy(s + 255, TRIGRAPHS, sizeof TRIGRAPHS);
    return s;
}

/* A C program holding text as a string literal and inside a comment,
 * built as nnc builds trainers (and -pedantic): it must compile without a
 * warning and print exactly text's bytes. */
START_TEST(every_byte_round_trips_through_a_compiler)
{
    char dir[512], c_file[600], exe[600];
    inject_dir(dir, sizeof dir, "bytes");
    snprintf(c_file, sizeof c_file, "%s/bytes.c", dir);
    snprintf(exe, sizeof exe, "%s/bytes", dir);
    char *text = hostile_bytes();
    FILE *f = fopen(c_file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#include <stdio.h>\n/* ", f);
    c_comment_str(f, text);
    /* still inside the comment, unless text ended it */
    fputs("\n#error the comment ended early\n*/\n", f);
    fputs("static const char TEXT[] = ", f);
    c_string_literal(f, text);
    fputs(";\nint main(void)\n{\n    fwrite(TEXT, 1, sizeof TEXT - 1, stdout);\n"
          "    return 0;\n}\n", f);
    fclose(f);
    char *out;
    char *compile[] = { (char *)cc(), "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                        c_file, "-o", exe, NULL };
    int status = run_argv(compile, &out);
    ck_assert_msg(status == 0, "%s rejected %s:\n%s", cc(), c_file, out);
    free(out);
    char *run[] = { exe, NULL };
    ck_assert_int_eq(run_argv(run, &out), 0);
    ck_assert_str_eq(out, text);
    free(out);
    free(text);
}
END_TEST

/* ---- whole trainers from hostile names ----------------------------------- */

enum { N_SAMPLES = 32, SIDE = 2, N_CLASSES = 8 };

/* The classes' names, each a way to break C, CSV or printf: comment ends
 * and starts, trigraphs, a backslash last, UTF-8 with a right-to-left
 * override (gcc's -Wbidi-chars), a comma, XML's specials, formats.  The
 * lexer keeps '"' and newlines out of strings. */
static const char *const CLASSES[N_CLASSES] = {
    "a*/b", "/*c*/", "?\?/", "q?\?=r?\?(s?\?)", "back\\slash\\", "\xc3\xa9t\xc3\xa9 \xc3\xbc",
    ("x,y <&> rtl\xe2\x80\xae" "end"), "%s%n%%",   /* two literals: \xaee is no byte */
};

/* SIDE x SIDE images, N_CLASSES classes, into dir/images.idx and dir/labels.idx */
static void write_data(const char *dir)
{
    uint8_t pixels[N_SAMPLES * SIDE * SIDE], labels[N_SAMPLES];
    for (int i = 0; i < N_SAMPLES; i++) {
        labels[i] = (uint8_t)(i % N_CLASSES);
        for (int p = 0; p < SIDE * SIDE; p++)
            pixels[i * SIDE * SIDE + p] = (uint8_t)(labels[i] * 30 + p * 5);
    }
    char path[1024];
    int idims[3] = { N_SAMPLES, SIDE, SIDE }, ldims[1] = { N_SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);
}

/* A model of the data in data_dir; layer_args after its hidden dense layer */
static void write_model(const char *nn, const char *data_dir, const char *layer_args)
{
    FILE *f = fopen(nn, "w");
    ck_assert_msg(f != NULL, "cannot write %s", nn);
    fprintf(f, "model hostile\n"
               "data {\n"
               "    train {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
               "    test {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
               "    validation 25%%\n"
               "    scale 1/255\n"
               "    classes",
            data_dir, data_dir, data_dir, data_dir);
    for (int c = 0; c < N_CLASSES; c++)
        fprintf(f, " \"%s\"", CLASSES[c]);
    fprintf(f, "\n}\n"
               "network {\n    input %dx%d\n    flatten\n    dense 8 relu%s\n"
               "    dense %d softmax\n}\n"
               "train {\n    loss cross_entropy\n    optimizer adam lr=0.01\n    batch 8\n"
               "    epochs 1\n}\n",
            SIDE, SIDE, layer_args, N_CLASSES);
    fclose(f);
}

/* A .nn file saved under a path that, printed raw in a comment, closes it,
 * includes evil.h (beside the generated C, where "" finds it) and opens a
 * new one; ??/ and a carriage return besides.  The build must not see
 * evil.h, and the trainer must know its source by the path as given. */
START_TEST(nn_path_cannot_include_a_file)
{
    char dir[512], data[600], nn[1200], exe[600], evil[600];
    inject_dir(dir, sizeof dir, "path");
    snprintf(evil, sizeof evil, "%s/evil.h", dir);
    write_text(evil, "#error evil.h was included\n");
    snprintf(data, sizeof data, "%s/data", dir);
    make_dir("%s", data);
    write_data(data);
    char folder[900];
    snprintf(folder, sizeof folder, "%s/open*/\n#include \"evil.h\"\n/*?\?/\r", dir);
    make_dir("%s", folder);
    snprintf(nn, sizeof nn, "%s/model \"q\" \\.nn", folder);
    write_model(nn, data, "");
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build(nn, exe);

    char *out;
    char *version[] = { exe, "--version", NULL };
    ck_assert_int_eq(run_argv(version, &out), 0);
    char want[1400];
    snprintf(want, sizeof want, "from %s (model hash ", nn + strlen(dir) + 1);
    ck_assert_msg(strstr(out, want) != NULL, "--version does not name\n%s\nexactly:\n%s", nn, out);
    free(out);

    /* nnc check shows the path on one line, its newlines escaped */
    char *check[] = { (char *)nnc_bin(), "check", nn, NULL };
    ck_assert_int_eq(run_argv(check, &out), 0);
    ck_assert_msg(strstr(out, "/\\n#include \"evil.h\"\\n/") != NULL, "%s", out);
    ck_assert_ptr_eq(strchr(out, '\r'), NULL);
    free(out);
}
END_TEST

/* Class names and data paths of every hostile kind, in a .nn file whose
 * own path holds ??/ and * /: the trainer finds the data, prints each name
 * as written, and quotes them as CSV wants in confusion.csv. */
START_TEST(names_and_paths_reach_the_trainer_byte_for_byte)
{
    char dir[512], data[700], nn[900], exe[600], run_dir[600];
    inject_dir(dir, sizeof dir, "names");
    snprintf(data, sizeof data, "%s/d?\?/e*/*f\\\xc3\xa9 ?\?=", dir);
    make_dir("%s", data);
    write_data(data);
    char folder[700];
    snprintf(folder, sizeof folder, "%s/m?\?/n*/*o", dir);
    make_dir("%s", folder);
    snprintf(nn, sizeof nn, "%s/hostile.nn", folder);
    write_model(nn, data, "");
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build(nn, exe);

    char *out;
    snprintf(run_dir, sizeof run_dir, "%s/run", dir);
    char *train[] = { exe, "train", "--out", run_dir, NULL };
    int status = run_argv(train, &out);
    ck_assert_msg(status == 0, "train failed (%d):\n%s", status, out);
    for (int c = 0; c < N_CLASSES; c++) {
        char row[64];
        snprintf(row, sizeof row, "\n%d %s ", c, CLASSES[c]);
        ck_assert_msg(strstr(out, row) != NULL, "no row '%s' in:\n%s", row + 1, out);
    }
    free(out);

    char path[700];
    snprintf(path, sizeof path, "%s/confusion.csv", run_dir);
    char *csv = slurp(path);
    const char *want = "class,a*/b,/*c*/,?\?/,q?\?=r?\?(s?\?),back\\slash\\,\xc3\xa9t\xc3\xa9 \xc3\xbc,"
                       "\"x,y <&> rtl\xe2\x80\xae" "end\",%s%n%%\n";
    ck_assert_msg(strncmp(csv, want, strlen(want)) == 0, "confusion.csv starts\n%.300s", csv);
    free(csv);
}
END_TEST

/* An init= weights file under a hostile path: missing, the trainer's
 * error names it exactly as the .nn file does. */
START_TEST(init_path_reaches_the_trainer)
{
    char dir[512], data[600], nn[700], exe[600], args[400];
    inject_dir(dir, sizeof dir, "init");
    snprintf(data, sizeof data, "%s/data", dir);
    make_dir("%s", data);
    write_data(data);
    const char *weights = "no/such?\?/w*/*eights\\ \xc3\xa9";
    snprintf(args, sizeof args, " init=\"%s\"", weights);
    snprintf(nn, sizeof nn, "%s/init.nn", dir);
    write_model(nn, data, args);
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build(nn, exe);

    char *out, run_dir[600];
    snprintf(run_dir, sizeof run_dir, "%s/run", dir);
    char *train[] = { exe, "train", "--out", run_dir, NULL };
    ck_assert_int_ne(run_argv(train, &out), 0);
    ck_assert_msg(strstr(out, weights) != NULL, "the error does not name '%s':\n%s", weights,
                  out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inject");
    TCase *tc = tcase_create("escape");
    tcase_add_test(tc, string_literals_escape_what_c_would_read);
    tcase_add_test(tc, comment_text_cannot_end_the_comment);
    tcase_add_test(tc, identifiers_are_checked);
    tcase_add_exit_test(tc, a_name_that_is_no_identifier_stops_emit_c, 2);
    tcase_add_test(tc, every_byte_round_trips_through_a_compiler);
    suite_add_tcase(s, tc);
    tc = tcase_create("trainer");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, nn_path_cannot_include_a_file);
    tcase_add_test(tc, names_and_paths_reach_the_trainer_byte_for_byte);
    tcase_add_test(tc, init_path_reaches_the_trainer);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
