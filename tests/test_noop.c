/* test_noop.c: an edit of the .nn file that means nothing changes nothing.
 * Comments, blank lines, indentation, CRLF line ends, the spelling of a
 * number, the order of key=value arguments and the path the file is given
 * by must all leave the generated C byte for byte as it was; a -D that
 * changes a let changes the model hash and is listed in the header.  Each
 * example is checked too, as a CRLF copy with its comments stripped. */
#define _XOPEN_SOURCE 700       /* realpath */
#include <glob.h>
#include <limits.h>

#include "test_util.h"
#include "trainer_util.h"

/* The model every variant below spells differently. */
static const char BASE[] =
    "model noop\n"
    "let units = 16\n"
    "let rate = 0.25\n"
    "data {\n"
    "    train {\n"
    "        images \"train-images.gz\"\n"
    "        labels \"train-labels.gz\"\n"
    "    }\n"
    "    test {\n"
    "        images \"test-images.gz\"\n"
    "        labels \"test-labels.gz\"\n"
    "    }\n"
    "    validation 10%\n"
    "    scale 1/255\n"
    "}\n"
    "network {\n"
    "    input 8x8\n"
    "    flatten\n"
    "    dense units relu l2=0.001 init=he_normal\n"
    "    dropout rate\n"
    "    dense 3 softmax\n"
    "}\n"
    "train {\n"
    "    loss cross_entropy\n"
    "    optimizer adam lr=0.001 beta1=0.9\n"
    "    batch 8\n"
    "    epochs 2\n"
    "}\n";

/* The same model: comments, blank lines, other indentation and spacing,
 * 1e-3 for 0.001, key=value arguments in another order. */
static const char RESPELT[] =
    "# a comment before anything\n"
    "\n"
    "model   noop   # trailing\n"
    "let units = 16\n"
    "\tlet rate=0.25\n"
    "\n\n"
    "data {\n"
    "  train {\n"
    "     images   \"train-images.gz\"   # a # in a comment\n"
    "\tlabels \"train-labels.gz\"\n"
    "  }\n"
    "  test { images \"test-images.gz\"\n"
    "         labels \"test-labels.gz\" }\n"
    "  validation 10%\n"
    "  scale 1/255\n"
    "}\n"
    "\n"
    "network {\n"
    "# the layers\n"
    "  input 8x8\n"
    "  flatten\n"
    "  dense units relu init=he_normal l2=1e-3\n"
    "  dropout rate\n"
    "\n"
    "  dense 3 softmax\n"
    "}\n"
    "train {\n"
    "  loss cross_entropy\n"
    "  optimizer adam beta1=0.90 lr=1e-3\n"
    "  batch 8\n"
    "  epochs 2\n"
    "}\n"
    "# the end\n";

static char *abs_path(const char *path)
{
    char *p = realpath(path, NULL);
    ck_assert_msg(p != NULL, "no %s", path);
    return p;
}

/* A fresh folder NNC_TMP/noop/name */
static void fresh(char *dir, size_t len, const char *name)
{
    char cmd[1024];
    snprintf(dir, len, "%s/noop/%s", tmp_dir(), name);
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
}

/* text with every "\n" made "\r\n" (malloc'ed) */
static char *crlf(const char *text)
{
    char *out = malloc(2 * strlen(text) + 1), *o = out;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* `nnc emit [flags] nn -o out` run from the folder cd (NULL: here); the C.
 * With out NULL, the C nnc writes to stdout. */
static char *emit(const char *cd, const char *flags, const char *nn, const char *out)
{
    char cmd[3000], *log;
    char *nnc = abs_path(nnc_bin());
    snprintf(cmd, sizeof cmd, "%s%s%s%s emit %s %s%s%s", cd ? "cd " : "", cd ? cd : "",
             cd ? " && " : "", nnc, flags, nn, out ? " -o " : " 2>/dev/null", out ? out : "");
    free(nnc);
    int status = run_cmd(cmd, &log);
    ck_assert_msg(status == 0, "%s failed:\n%s", cmd, log);
    if (!out)
        return log;
    free(log);
    char path[2048];
    snprintf(path, sizeof path, "%s%s%s", cd ? cd : "", cd ? "/" : "", out);
    return slurp(path);
}

/* The C of text written as dir/noop.nn, emitted beside it */
static char *emit_text_in(const char *dir, const char *text)
{
    char nn[1100];
    snprintf(nn, sizeof nn, "%s/noop.nn", dir);
    write_text(nn, text);
    return emit(dir, "", "noop.nn", "noop.c");
}

static void assert_same_c(const char *want, const char *got, const char *what)
{
    ck_assert_msg(strcmp(want, got) == 0, "%s changed the C:\n--- was\n%.3000s\n--- now\n%.3000s",
                  what, want, got);
}

START_TEST(comments_and_layout_change_nothing)
{
    char dir[1024];
    fresh(dir, sizeof dir, "base");
    char *want = emit_text_in(dir, BASE);
    char *crlf_base = crlf(BASE), *crlf_respelt = crlf(RESPELT);
    const struct {
        const char *what, *text;
    } VARIANTS[] = {
        { "comments, blank lines, spacing, 1e-3, argument order", RESPELT },
        { "CRLF line ends", crlf_base },
        { "all of it with CRLF", crlf_respelt },
    };
    for (size_t i = 0; i < sizeof VARIANTS / sizeof VARIANTS[0]; i++) {
        char name[32], vdir[1024];
        snprintf(name, sizeof name, "variant%zu", i);
        fresh(vdir, sizeof vdir, name);
        char *got = emit_text_in(vdir, VARIANTS[i].text);
        assert_same_c(want, got, VARIANTS[i].what);
        free(got);
    }
    free(crlf_base);
    free(crlf_respelt);
    /* no line numbers and no source positions anywhere */
    ck_assert_ptr_null(strstr(want, "noop.nn:"));
    ck_assert_ptr_nonnull(strstr(want, "/* dense16: dense 16 relu init=he_normal l2=0.001\n"));
    ck_assert_ptr_nonnull(strstr(want, "/* Generated by nnc " NNC_VERSION " from noop.nn. "
                                       "Do not edit.\n"));
    /* the hash once: a change of meaning changes one line */
    const char *hash = strstr(want, "#define MODEL_HASH \"");
    ck_assert_ptr_nonnull(hash);
    char digits[65];
    snprintf(digits, sizeof digits, "%s", hash + strlen("#define MODEL_HASH \""));
    ck_assert_ptr_null(strstr(hash + strlen("#define MODEL_HASH \"") + 64, digits));
    /* the overview: the table and the training settings */
    const char *row = strstr(want, "\n   dense16 ");   /* its row; the column's width varies */
    ck_assert_ptr_nonnull(row);
    ck_assert_ptr_nonnull(strstr(row, " dense 16 relu "));
    ck_assert_ptr_nonnull(strstr(want, "\n   loss cross_entropy, optimizer adam lr=0.001 "));
    ck_assert_ptr_nonnull(strstr(want, "\n   regularization: dense16 l2=0.001\n"));
    free(want);
}
END_TEST

/* The same file by an absolute path, by a path through another folder, and
 * from inside its folder: the same C, naming it from the C file's folder. */
START_TEST(the_path_given_changes_nothing)
{
    char dir[1024], nn[1100], sub[1100];
    fresh(dir, sizeof dir, "path");
    snprintf(nn, sizeof nn, "%s/noop.nn", dir);
    write_text(nn, BASE);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    char *want = emit(dir, "", "noop.nn", "a.c");
    char *absolute = abs_path(nn), out[1200];
    snprintf(out, sizeof out, "%s/b.c", dir);
    char *got = emit(NULL, "", absolute, out);
    assert_same_c(want, got, "an absolute path");
    free(got);
    char roundabout[1200];
    snprintf(roundabout, sizeof roundabout, "%s/sub/../noop.nn", dir);
    snprintf(out, sizeof out, "%s/c.c", dir);
    got = emit(NULL, "", roundabout, out);
    assert_same_c(want, got, "a path through another folder");
    free(got);
    /* into another folder: named from there, never absolutely */
    got = emit(dir, "", "noop.nn", "sub/d.c");
    ck_assert_msg(strstr(got, " from ../noop.nn. Do not edit.\n") != NULL, "%.400s", got);
    ck_assert_ptr_null(strstr(got, absolute));
    free(got);
    free(absolute);
    free(want);
}
END_TEST

/* -D changes the meaning: another hash, and the header lists it; the order
 * of two -D does not matter; a -D giving a let its own value changes
 * nothing but the list. */
START_TEST(a_define_changes_the_hash_and_is_listed)
{
    char dir[1024], nn[1100];
    fresh(dir, sizeof dir, "define");
    snprintf(nn, sizeof nn, "%s/noop.nn", dir);
    write_text(nn, BASE);
    char *plain = emit(dir, "", "noop.nn", "plain.c");
    char *wide = emit(dir, "-D units=4000", "noop.nn", "wide.c");
    char *same = emit(dir, "-D rate=0.250", "noop.nn", "same.c");
    char *two = emit(dir, "-D units=4000 -D rate=0.5", "noop.nn", "two.c");
    char *owt = emit(dir, "-D rate=0.5 -D units=4000", "noop.nn", "owt.c");
    char hash_plain[65], hash_wide[65], hash_same[65];
    const char *at = "#define MODEL_HASH \"";
    ck_assert_ptr_nonnull(strstr(plain, at));
    snprintf(hash_plain, sizeof hash_plain, "%s", strstr(plain, at) + strlen(at));
    snprintf(hash_wide, sizeof hash_wide, "%s", strstr(wide, at) + strlen(at));
    snprintf(hash_same, sizeof hash_same, "%s", strstr(same, at) + strlen(at));
    ck_assert_str_ne(hash_plain, hash_wide);
    ck_assert_str_eq(hash_plain, hash_same);
    ck_assert_ptr_null(strstr(plain, "   -D "));
    ck_assert_ptr_nonnull(strstr(wide, "Do not edit.\n   -D units=4000\n"));
    ck_assert_ptr_nonnull(strstr(same, "Do not edit.\n   -D rate=0.25\n"));
    ck_assert_ptr_nonnull(strstr(two, "Do not edit.\n   -D rate=0.5\n   -D units=4000\n"));
    ck_assert_str_eq(two, owt);
    ck_assert_ptr_nonnull(strstr(wide, "    .model_hash = MODEL_HASH,\n"));
    free(plain);
    free(wide);
    free(same);
    free(two);
    free(owt);
}
END_TEST

/* text without its comments (a # outside a string, to the line's end) and
 * trailing blanks, a blank line after every line, CRLF line ends */
static char *stripped_crlf(const char *text)
{
    char *out = malloc(4 * strlen(text) + 8), *o = out;
    const char *p = text;
    while (*p) {
        const char *start = o;
        int quoted = 0;
        for (; *p && *p != '\n'; p++) {
            if (*p == '"')
                quoted = !quoted;
            if (*p == '#' && !quoted)
                break;
            *o++ = *p;
        }
        while (*p && *p != '\n')
            p++;
        while (o > start && (o[-1] == ' ' || o[-1] == '\t'))
            o--;
        memcpy(o, "\r\n\r\n", 4);
        o += 4;
        if (*p == '\n')
            p++;
    }
    *o = '\0';
    return out;
}

/* Each example, copied as a CRLF file without comments into another
 * folder (the transfer models beside the models they start from), gives
 * the C its original gives; both emitted to stdout from their own folders
 * (where a transfer model finds the model it starts from). */
START_TEST(every_example_survives_crlf_and_no_comments)
{
    char dir[1024];
    fresh(dir, sizeof dir, "examples");
    glob_t g;
    ck_assert_int_eq(glob("examples/*.nn", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 2);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        char copy[1200];
        snprintf(copy, sizeof copy, "%s/%s", dir, base);
        char *text = slurp(g.gl_pathv[i]);
        char *changed = stripped_crlf(text);
        write_text(copy, changed);
        free(text);
        free(changed);
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        char *want = emit("examples", "", base, NULL);
        char *got = emit(dir, "", base, NULL);
        assert_same_c(want, got, base);
        free(want);
        free(got);
    }
    globfree(&g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("noop");
    TCase *tc = tcase_create("noop");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, comments_and_layout_change_nothing);
    tcase_add_test(tc, the_path_given_changes_nothing);
    tcase_add_test(tc, a_define_changes_the_hash_and_is_listed);
    tcase_add_test(tc, every_example_survives_crlf_and_no_comments);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
