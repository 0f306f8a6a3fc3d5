/* test_hostile.c: inputs no person writes but a file can hold: deep
 * nesting, huge numbers, a 10 MB line, NUL bytes, invalid UTF-8, a flood of
 * errors.  Each must end in a plain diagnostic, quickly; the case timeout
 * catches a hang or quadratic time (10 MB squared would take hours). */
#include "test_util.h"

#define NET(layers) MODEL_HEAD "network {\n" layers "}\n" MODEL_TRAIN

/* Everything nnc reports for the bytes [text, text + len), NULs included
 * (source_from_string would stop at the first), as source_read passes them. */
static char *diagnose_bytes(const char *text, size_t len)
{
    Arena a = { 0 };
    Source src;
    source_from_bytes(&a, "t.nn", text, len, &src);
    char *buf = NULL;
    size_t buf_len = 0;
    FILE *f = open_memstream(&buf, &buf_len);
    Diag d;
    diag_init(&d, &src, f);
    Ir *ir = compile_source(&a, &src, &d, NULL);
    ck_assert_ptr_null(ir);
    fclose(f);
    arena_free(&a);
    return buf;
}

/* The first line of out, the "file:line:col: error: ..." one (a copy, in a
 * buffer the next call reuses). */
static const char *first_line(const char *out)
{
    static char line[4096];
    size_t n = strcspn(out, "\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, out, n);
    line[n] = '\0';
    return line;
}

/* ---- deep nesting: bison's stack holds about 2500 levels; nnc stops at 100 */

START_TEST(hundred_thousand_blocks)
{
    char *text = repeat("a {\n", 100000);
    char *out = diagnose(text);
    ck_assert_str_eq(out,
        "t.nn:101:3: error: blocks nested more than 100 deep\n"
        "  101 | a {\n"
        "      |   ^\n");
    free(out);
    free(text);
}
END_TEST

START_TEST(hundred_thousand_braces)
{
    char *text = repeat("{", 100000);
    char *out = diagnose(text);
    ck_assert_str_eq(first_line(out),
                     "t.nn:1:1: error: unexpected '{', expected end of file or word");
    free(out);
    free(text);
}
END_TEST

START_TEST(hundred_blocks_are_fine)
{
    /* the limit, and no further: 100 levels parse without a word said */
    char *open = repeat("a {\n", 100), *close = repeat("}\n", 100);
    char *text = malloc(strlen(open) + strlen(close) + 1);
    strcpy(text, open);
    strcat(text, close);
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, text, &diags);
    ck_assert_str_eq(diags, "");
    int depth = 0;
    for (; s; s = s->body)
        depth++;
    ck_assert_int_eq(depth, 100);
    free(diags);
    arena_free(&a);
    free(text);
    free(open);
    free(close);
}
END_TEST

/* ---- huge numbers: strtod makes them inf, the checker rejects them ------ */

START_TEST(huge_numbers_parse_as_infinity)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "x 1e999 99999999999999999999999 -1e999 1e999/1e999 1e-999\n", &diags);
    ck_assert_str_eq(diags, "");
    const Arg *g = s->args;
    ck_assert(g->num > 1e308 && !g->is_int);
    g = g->next;
    ck_assert(g->num > 9e22 && g->is_int);
    g = g->next;
    ck_assert(g->num < -1e308);
    g = g->next;
    ck_assert(g->num != g->num);        /* inf / inf is NaN */
    ck_assert_str_eq(g->text, "1e999/1e999");
    g = g->next;
    ck_assert(g->num == 0);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(huge_input_shape)
{
    char *out = diagnose(NET("    input 99999999999999999999999x99999999999999999999999\n"
                             "    dense 10 softmax\n"));
    ck_assert_str_eq(first_line(out),
                     "t.nn:13:11: error: input shape '99999999999999999999999x99999999999999999999999' "
                     "is out of range: at most 4 dimensions, each at least 1, 268435456 values in all");
    free(out);
}
END_TEST

START_TEST(huge_layer_width)
{
    char *out = diagnose(NET("    input 784\n    dense 99999999999999999999999 softmax\n"));
    ck_assert_str_eq(first_line(out),
                     "t.nn:14:11: error: the number of units must be between 1 and 268435456, "
                     "got 99999999999999999999999");
    free(out);
}
END_TEST

/* ---- a 10 MB line: found, quoted in a window around the caret ---------- */

enum { BIG = 10 * 1000 * 1000 };

START_TEST(ten_megabyte_line)
{
    /* model <10 MB word> =    : the '=' wants a value after it */
    char *text = malloc(BIG + 16);
    strcpy(text, "model ");
    memset(text + 6, 'a', BIG);
    strcpy(text + 6 + BIG, " =\n");
    char *out = diagnose(text);
    char expected[1024];
    /* the window: the last 160 columns of the line, caret one past its end */
    char *window = repeat("a", 160 - 2);
    snprintf(expected, sizeof expected,
             "t.nn:1:10000009: error: unexpected end of line, expected word, number, dimensions or string\n"
             "    1 | ...%s =\n"
             "      |    %*s^\n",
             window, 160, "");
    ck_assert_str_eq(out, expected);
    free(window);
    free(out);
    free(text);
}
END_TEST

START_TEST(ten_megabyte_comment_in_a_valid_model)
{
    char *comment = repeat("#", BIG);
    char *text = malloc(BIG + 4096);
    snprintf(text, BIG + 4096, "%s%s\n%s", MODEL_HEAD, comment,
             "network {\n    input 784\n    dense 10 softmax\n}\n" MODEL_TRAIN);
    char *out = diagnose(text);
    ck_assert_str_eq(out, "");
    free(out);
    free(text);
    free(comment);
}
END_TEST

START_TEST(million_errors_show_fifty)
{
    char *text = repeat("=\n", 1000000);
    char *out = diagnose(text);
    ck_assert_str_eq(first_line(out), "t.nn:1:1: error: unexpected '=', expected end of file or word");
    char *last = strstr(out + 1, "t.nn: more than");
    ck_assert_ptr_nonnull(last);
    ck_assert_str_eq(last, "t.nn: more than 50 errors and warnings; the rest are not shown\n");
    ck_assert_ptr_nonnull(strstr(out, "t.nn:50:1: error"));
    ck_assert_ptr_null(strstr(out, "t.nn:51:1: error"));
    free(out);
    free(text);
}
END_TEST

/* ---- bytes that are not text ------------------------------------------- */

START_TEST(nul_bytes_reach_the_scanner)
{
    /* the '@' after the NUL is seen, and the quoted line goes on past it */
    static const char text[] = "model m\0@\n";
    char *out = diagnose_bytes(text, sizeof text - 1);
    ck_assert_str_eq(out,
        "t.nn:1:8: error: unexpected byte 0x00\n"
        "    1 | model m?@\n"
        "      |        ^\n"
        "t.nn:1:9: error: unexpected character '@'\n"
        "    1 | model m?@\n"
        "      |         ^\n");
    free(out);
}
END_TEST

START_TEST(nul_bytes_only)
{
    static const char text[] = "\0\0\0";
    char *out = diagnose_bytes(text, sizeof text - 1);
    ck_assert_str_eq(first_line(out), "t.nn:1:1: error: unexpected byte 0x00");
    free(out);
}
END_TEST

START_TEST(a_nul_byte_in_a_string_is_an_error)
{
    /* it cut "T-shirt\0top" to "T-shirt", and the model compiled */
    static const char text[] = "model m\nclasses \"T-shirt\0top\" \"Bag\"\n";
    char *out = diagnose_bytes(text, sizeof text - 1);
    ck_assert_str_eq(out,
        "t.nn:2:17: error: a NUL byte (0x00) inside a string\n"
        "    2 | classes \"T-shirt?top\" \"Bag\"\n"
        "      |                 ^\n"
        "      = a name or path would end there; is the file damaged?\n");
    free(out);
}
END_TEST

START_TEST(a_nul_byte_in_a_path_of_a_valid_model)
{
    /* a path cut at its NUL names another file: the model must not compile */
    char text[2048];
    int n = snprintf(text, sizeof text, "%s", NET("    input 784\n    dense 10 softmax\n"));
    char *at = strstr(text, "a-images.gz");
    ck_assert_ptr_nonnull(at);
    at[1] = '\0';   /* "a\0images.gz" */
    char *out = diagnose_bytes(text, (size_t)n);
    ck_assert_str_eq(first_line(out), "t.nn:4:18: error: a NUL byte (0x00) inside a string");
    free(out);

    /* and in a string with no closing quote, both are said */
    static const char open[] = "model m\nclasses \"a\0b\n";
    out = diagnose_bytes(open, sizeof open - 1);
    ck_assert_ptr_nonnull(strstr(out, "t.nn:2:9: error: unterminated string\n"));
    ck_assert_ptr_nonnull(strstr(out, "t.nn:2:11: error: a NUL byte (0x00) inside a string\n"));
    free(out);
}
END_TEST

START_TEST(invalid_utf8)
{
    /* a lone continuation byte, an overlong '/', and a cut-off sequence */
    char *out = diagnose("model \x80\xc0\xaf\xe2\x82\n");
    ck_assert_str_eq(first_line(out), "t.nn:1:7: error: unexpected byte 0x80");
    free(out);
}
END_TEST

START_TEST(invalid_utf8_in_a_string_is_kept)
{
    /* strings are bytes: the checker sees them whole, and emit escapes them */
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "images \"\xff\xfe.gz\"\n", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_str_eq(s->args->text, "\xff\xfe.gz");
    free(diags);
    arena_free(&a);
}
END_TEST

/* Twenty thousand identical layers: each is named dense1_K (check_names.c
 * looks names up in a hash set; a list made this cubic: hours). */
START_TEST(twenty_thousand_twins_are_named)
{
    size_t n = 20000;
    char *body = repeat("    dense 1 relu\n    dropout 0.1\n", n);
    const char *head = MODEL_HEAD "network {\n    input 4\n";
    const char *tail = "    dense 2 softmax\n}\n" MODEL_TRAIN;
    char *text = malloc(strlen(head) + strlen(body) + strlen(tail) + 1);
    ck_assert_ptr_nonnull(text);
    strcpy(text, head);
    strcat(text, body);
    strcat(text, tail);
    Arena a = { 0 };
    Model *m;
    char *out = diagnose_in(&a, text, NULL, &m);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(m->n_layers, 2 * (int)n + 2);
    ck_assert_str_eq(m->layers[1].name, "dense1");
    ck_assert_str_eq(m->layers[2].name, "dense1_dropout");
    ck_assert_str_eq(m->layers[2 * n - 1].name, "dense1_20000");
    ck_assert_str_eq(m->layers[2 * n].name, "dense1_20000_dropout");
    free(out);
    free(body);
    free(text);
    arena_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("inputs");
    /* seconds, under ASan too: linear work on 10 MB is well under one */
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, hundred_thousand_blocks);
    tcase_add_test(tc, twenty_thousand_twins_are_named);
    tcase_add_test(tc, hundred_thousand_braces);
    tcase_add_test(tc, hundred_blocks_are_fine);
    tcase_add_test(tc, huge_numbers_parse_as_infinity);
    tcase_add_test(tc, huge_input_shape);
    tcase_add_test(tc, huge_layer_width);
    tcase_add_test(tc, ten_megabyte_line);
    tcase_add_test(tc, ten_megabyte_comment_in_a_valid_model);
    tcase_add_test(tc, million_errors_show_fifty);
    tcase_add_test(tc, nul_bytes_reach_the_scanner);
    tcase_add_test(tc, nul_bytes_only);
    tcase_add_test(tc, a_nul_byte_in_a_string_is_an_error);
    tcase_add_test(tc, a_nul_byte_in_a_path_of_a_valid_model);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, invalid_utf8_in_a_string_is_kept);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
