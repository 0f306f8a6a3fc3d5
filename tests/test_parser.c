/* test_parser.c: statements, blocks, and syntax errors: exact messages,
 * positions, and recovery so that one run reports every mistake. */
#include "test_util.h"

START_TEST(statements_and_nested_blocks)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a,
                         "model m\n"
                         "data {\n"
                         "    train {\n"
                         "        images \"x.gz\"\n"
                         "    }\n"
                         "    validation 10%\n"
                         "}\n",
                         &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_str_eq(s->word, "model");
    ck_assert_int_eq(s->has_block, 0);
    const Stmt *data = s->next;
    ck_assert_str_eq(data->word, "data");
    ck_assert_int_eq(data->has_block, 1);
    ck_assert_str_eq(data->body->word, "train");
    ck_assert_str_eq(data->body->body->word, "images");
    ck_assert_str_eq(data->body->next->word, "validation");
    ck_assert_ptr_null(data->body->next->next);
    ck_assert_ptr_null(data->next);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(block_on_one_line)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a, "network { input 784 }\ntrain { }\n", &diags);
    ck_assert_str_eq(diags, "");
    ck_assert_str_eq(s->body->word, "input");
    ck_assert_int_eq(s->body->n_args, 1);
    ck_assert_str_eq(s->next->word, "train");
    ck_assert_int_eq(s->next->has_block, 1);
    ck_assert_ptr_null(s->next->body);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(syntax_error_names_what_was_expected)
{
    Arena a = { 0 };
    char *diags;
    parse_text(&a, "dense = 128\n", &diags);
    ck_assert_str_eq(diags,
        "t.nn:1:7: error: unexpected '=', expected word, number, dimensions, string, end of line or '{'\n"
        "    1 | dense = 128\n"
        "      |       ^\n");
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(statement_must_start_with_a_word)
{
    Arena a = { 0 };
    char *diags;
    parse_text(&a, "128 relu\n", &diags);
    ck_assert_str_eq(diags,
        "t.nn:1:1: error: unexpected number '128', expected end of file or word\n"
        "    1 | 128 relu\n"
        "      | ^~~\n");
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(recovery_reports_every_error)
{
    Arena a = { 0 };
    char *diags;
    Stmt *s = parse_text(&a,
                         "network {\n"
                         "    input 28x28\n"
                         "    dense 128 relu = \n"
                         "    dense 10 softmax\n"
                         "    { dropout 0.2\n"
                         "}\n",
                         &diags);
    ck_assert_str_eq(diags,
        "t.nn:3:22: error: unexpected end of line, expected word, number, dimensions or string\n"
        "    3 |     dense 128 relu = \n"
        "      |                      ^\n"
        "t.nn:5:5: error: unexpected '{', expected word or '}'\n"
        "    5 |     { dropout 0.2\n"
        "      |     ^\n");
    /* the good lines around the mistakes are still there */
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->word, "network");
    ck_assert_str_eq(s->body->word, "input");
    ck_assert_str_eq(s->body->next->word, "dense");
    ck_assert_int_eq(s->body->next->loc.first_line, 4);
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(unclosed_block)
{
    Arena a = { 0 };
    char *diags;
    parse_text(&a, "network {\n    input 784\n", &diags);
    ck_assert_str_eq(diags,
        "t.nn:2:14: error: unexpected end of file, expected word or '}'\n"
        "    2 |     input 784\n"
        "      |              ^\n"
        "      = the block opened at line 1, 'network {', is never closed: add its '}'\n");
    free(diags);
    /* the innermost block left open, its line quoted without its comment */
    parse_text(&a, "data {\n  train {   # files\n    csv \"a{.csv\"\n  }\n  test {\n", &diags);
    ck_assert_ptr_nonnull(strstr(diags, "= the block opened at line 5, 'test {', is never "
                                        "closed: add its '}'\n"));
    free(diags);
    arena_free(&a);
}
END_TEST

START_TEST(syntax_errors_stop_before_checking)
{
    /* 'dens' is a misspelled layer, but the syntax error comes first and
     * alone: checking a tree with holes would mostly repeat the holes. */
    char *out = diagnose(MODEL_HEAD "network {\n    input 28x28 =\n    dens 10\n}\n" MODEL_TRAIN);
    ck_assert_ptr_nonnull(strstr(out, "t.nn:13:17: error: unexpected '=', expected"));
    ck_assert_ptr_null(strstr(out, "dens'"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("statements");
    tcase_add_test(tc, statements_and_nested_blocks);
    tcase_add_test(tc, block_on_one_line);
    tcase_add_test(tc, syntax_error_names_what_was_expected);
    tcase_add_test(tc, statement_must_start_with_a_word);
    tcase_add_test(tc, recovery_reports_every_error);
    tcase_add_test(tc, unclosed_block);
    tcase_add_test(tc, syntax_errors_stop_before_checking);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
