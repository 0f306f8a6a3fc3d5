/* test_lexer.c: the words of .nn files: numbers, shapes, strings,
 * percentages, comments, newlines, and where each one is. */
#include "test_util.h"

static const Arg *nth_arg(const Stmt *s, int i)
{
    const Arg *a = s->args;
    while (a && i--)
        a = a->next;
    return a;
}

START_TEST(numbers_and_their_forms)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "x 128 0.001 1e-3 -2 1/255 10% .5\n", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->n_args, 7);
    const Arg *g = nth_arg(s, 0);
    ck_assert_int_eq(g->kind, ARG_NUMBER);
    ck_assert_int_eq(g->is_int, 1);
    ck_assert_double_eq(g->num, 128);
    g = nth_arg(s, 1);
    ck_assert_int_eq(g->is_int, 0);
    ck_assert_double_eq_tol(g->num, 0.001, 1e-12);
    ck_assert_double_eq_tol(nth_arg(s, 2)->num, 0.001, 1e-12);
    ck_assert_double_eq(nth_arg(s, 3)->num, -2);
    g = nth_arg(s, 4);
    ck_assert_int_eq(g->kind, ARG_NUMBER);
    ck_assert_str_eq(g->text, "1/255");
    ck_assert_double_eq_tol(g->num, 1.0 / 255, 1e-12);
    g = nth_arg(s, 5);
    ck_assert_int_eq(g->kind, ARG_PERCENT);
    ck_assert_double_eq(g->num, 10);
    ck_assert_double_eq(nth_arg(s, 6)->num, 0.5);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(dims_strings_words_and_keys)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "input 28x28x1 \"some # file.gz\" relu lr=0.5\n", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_int_eq(nth_arg(s, 0)->kind, ARG_DIMS);
    ck_assert_str_eq(nth_arg(s, 0)->text, "28x28x1");
    ck_assert_int_eq(nth_arg(s, 1)->kind, ARG_STRING);
    ck_assert_str_eq(nth_arg(s, 1)->text, "some # file.gz");
    ck_assert_int_eq(nth_arg(s, 2)->kind, ARG_WORD);
    ck_assert_str_eq(nth_arg(s, 2)->text, "relu");
    const Arg *lr = nth_arg(s, 3);
    ck_assert_str_eq(lr->key, "lr");
    ck_assert_double_eq(lr->num, 0.5);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(locations_are_line_and_column)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "# comment\n\n  dense   128 relu\n", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_int_eq(s->loc.first_line, 3);
    ck_assert_int_eq(s->loc.first_column, 3);
    ck_assert_int_eq(s->loc.last_column, 7);
    const Arg *units = nth_arg(s, 0);
    ck_assert_int_eq(units->loc.first_column, 11);
    ck_assert_int_eq(units->loc.last_column, 13);
    ck_assert_int_eq(nth_arg(s, 1)->loc.first_column, 15);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(comments_blank_lines_and_no_final_newline)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "\n\n# only a comment\na 1   # trailing\n\n\nb 2", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_str_eq(s->word, "a");
    ck_assert_int_eq(s->n_args, 1);
    ck_assert_str_eq(s->next->word, "b");
    ck_assert_ptr_null(s->next->next);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(stray_character_is_reported_where_it_is)
{
    char *out = diagnose(MODEL_HEAD "network {\n    input 28x28 @\n}\n" MODEL_TRAIN);
    ck_assert_str_eq(out,
        "t.nn:13:17: error: unexpected character '@'\n"
        "   13 |     input 28x28 @\n"
        "      |                 ^\n");
    free(out);
}
END_TEST

START_TEST(unterminated_string)
{
    char *out = diagnose("model t\ndata {\n    train {\n        images \"a.gz\n");
    ck_assert_str_eq(out,
        "t.nn:4:16: error: unterminated string\n"
        "    4 |         images \"a.gz\n"
        "      |                ^~~~~\n"
        "      = a string ends with '\"' on the same line\n"
        "t.nn:4:21: error: unexpected end of file, expected word or '}'\n"
        "    4 |         images \"a.gz\n"
        "      |                     ^\n"
        "      = the block opened at line 3, 'train {', is never closed: add its '}'\n");
    free(out);
}
END_TEST

START_TEST(binary_bytes_are_reported_not_crashed_on)
{
    char *out = diagnose("model t\x01\n");
    ck_assert_ptr_nonnull(strstr(out, "t.nn:1:8: error: unexpected byte 0x01\n"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_test(tc, numbers_and_their_forms);
    tcase_add_test(tc, dims_strings_words_and_keys);
    tcase_add_test(tc, locations_are_line_and_column);
    tcase_add_test(tc, comments_blank_lines_and_no_final_newline);
    tcase_add_test(tc, stray_character_is_reported_where_it_is);
    tcase_add_test(tc, unterminated_string);
    tcase_add_test(tc, binary_bytes_are_reported_not_crashed_on);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
