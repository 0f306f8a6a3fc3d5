/* test_diagnostics.c: every remaining error of the checker, to the letter:
 * the message, the position, the quoted line and the caret.  Each case is
 * a whole .nn file (most built from test_util.h's MODEL_HEAD and
 * MODEL_TRAIN) and everything nnc reports for it. */
#include "test_util.h"

typedef struct Case {
    const char *name;
    const char *source;
    const char *expected;
} Case;

static const Case CASES[] = {
    {
        "block_needed",
        MODEL_HEAD
        "network\n"
        MODEL_TRAIN,
        "t.nn:12:1: error: 'network' needs a { block } of layers\n"
        "   12 | network\n"
        "      | ^~~~~~~\n",
    },
    {
        "block_refused",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    flatten { }\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'flatten' takes no { block }\n"
        "   14 |     flatten { }\n"
        "      |     ^~~~~~~\n",
    },
    {
        "missing_argument",
        MODEL_HEAD
        "network {\n"
        "    input\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:13:5: error: 'input' needs a shape, such as 'input 28x28'\n"
        "   13 |     input\n"
        "      |     ^~~~~\n",
    },
    {
        "too_many_arguments",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax relu\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:21: error: too many arguments to 'dense'\n"
        "   14 |     dense 2 softmax relu\n"
        "      |                     ^~~~\n",
    },
    {
        "option_twice",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam lr=0.1 lr=0.2\n"
        "}\n",
        "t.nn:18:27: error: option 'lr' given twice\n"
        "   18 |     optimizer adam lr=0.1 lr=0.2\n"
        "      |                           ^~\n",
    },
    {
        "init_scale_alone",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax init_scale=0.1\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:21: error: init_scale goes with init=normal or init=uniform\n"
        "   14 |     dense 2 softmax init_scale=0.1\n"
        "      |                     ^~~~~~~~~~\n",
    },
    {
        "input_not_first",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'input' must be the first layer\n"
        "   14 |     input 4\n"
        "      |     ^~~~~\n",
    },
    {
        "too_many_weights",
        MODEL_HEAD
        "network {\n"
        "    input 100000\n"
        "    dense 100000 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: dense 100000 on 100000 inputs needs 10000000000 weights; at most 268435456 are supported\n"
        "   14 |     dense 100000 softmax\n"
        "      |     ^~~~~~~~~~~~~~~~~~~~\n",
    },
    {
        "validation_range",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    validation 100%\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:16: error: validation must be at least 0% and below 100%, got 100%\n"
        "   11 |     validation 100%\n"
        "      |                ^~~~\n",
    },
    {
        "scale_kind",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    scale \"x\"\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:11: error: scale must be a number, not a string 'x'\n"
        "   11 |     scale \"x\"\n"
        "      |           ^~~\n",
    },
    {
        "positive_without_bce",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    positive 3\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:5: error: 'positive' makes a binary task; it goes with loss binary_cross_entropy\n"
        "   11 |     positive 3\n"
        "      |     ^~~~~~~~\n",
    },
    {
        "columns_without_csv",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    inputs a b\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:5: error: columns are for csv data: write 'train { csv \"FILE\" }'\n"
        "   11 |     inputs a b\n"
        "      |     ^~~~~~\n",
    },
    {
        "csv_and_images",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "        images \"x\"\n"
        "    }\n"
        "    test {\n"
        "        csv \"b.csv\"\n"
        "    }\n"
        "    inputs a\n"
        "    targets b\n"
        "}\n"
        "network {\n"
        "    input 1\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:4:9: error: 'train' data is either a csv file or images and labels\n"
        "    4 |         csv \"a.csv\"\n"
        "      |         ^~~\n",
    },
    {
        "csv_without_columns",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "    }\n"
        "    test {\n"
        "        csv \"b.csv\"\n"
        "    }\n"
        "}\n"
        "network {\n"
        "    input 1\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:2:1: error: csv data needs 'inputs COLUMN...' and 'targets COLUMN...'\n"
        "    2 | data {\n"
        "      | ^~~~\n",
    },
    {
        "unknown_schedule",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam\n"
        "    schedule cosin\n"
        "}\n",
        "t.nn:19:14: error: unknown schedule 'cosin'\n"
        "   19 |     schedule cosin\n"
        "      |              ^~~~~\n"
        "      = did you mean 'cosine'?\n",
    },
    {
        "schedule_factor_range",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam\n"
        "    schedule step factor=2\n"
        "}\n",
        "t.nn:19:26: error: factor must be above 0 and at most 1, got 2\n"
        "   19 |     schedule step factor=2\n"
        "      |                          ^\n",
    },
    {
        "let_not_a_number",
        "let units = \"many\"\n"
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:1:13: error: let units must be a number, not 'many'\n"
        "    1 | let units = \"many\"\n"
        "      |             ^~~~~~\n",
    },
    {
        "let_syntax",
        "let units\n"
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:1:1: error: a let is 'let NAME = NUMBER'\n"
        "    1 | let units\n"
        "      | ^~~~~~~~~\n",
    },
    {
        "empty_network",
        MODEL_HEAD
        "network {\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:12:1: error: the network has no layers\n"
        "   12 | network {\n"
        "      | ^~~~~~~\n",
    },
    {
        "ends_in_flatten",
        MODEL_HEAD
        "network {\n"
        "    input 2x2\n"
        "    flatten\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: the network must end in a dense layer, not 'flatten'\n"
        "   14 |     flatten\n"
        "      |     ^~~~~~~\n",
    },
};

START_TEST(reports_exactly)
{
    const Case *c = &CASES[_i];
    char *out = diagnose(c->source);
    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got\n%s\nexpected\n%s", c->name, out,
                  c->expected);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diagnostics");
    TCase *tc = tcase_create("errors");
    tcase_add_loop_test(tc, reports_exactly, 0, (int)(sizeof CASES / sizeof CASES[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
