/* test_metrics.c: a classifier's metrics and the names of its classes.
 *
 * Accuracy counting (metrics.c: ties go to the first maximum); confusion.c
 * on hand-computed examples (the matrix; precision, recall and
 * F1 with a class never predicted, one that never occurs and one that does
 * neither; the macro averages), the printed tables and both CSV files to
 * the letter; the `classes` statement (what nnc emits for it, and each of
 * its errors to the letter); and end to end, trainers built from the
 * examples: Fashion-MNIST's names in train's and eval's matrix, in the CSV
 * files and in predict, the binary example's two classes, and nothing for
 * a regression. */
#include <math.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "test_util.h"
#include "trainer_util.h"

/* ---- the matrix and the scores ------------------------------------------- */

/* Six classes.  3 occurs but is never predicted, 4 is predicted but never
 * occurs, 5 does neither:
 *
 *   truth  0 0 0 1 1 2 2 2 3 3
 *   pred   0 0 4 1 0 2 2 1 2 1
 *
 *   class  tp  predicted  support  precision  recall  f1 = 2tp/(pred+sup)
 *   0      2   3          3        2/3        2/3     4/6
 *   1      1   3          2        1/3        1/2     2/5
 *   2      2   3          3        2/3        2/3     4/6
 *   3      0   0          2        0 (0/0)    0       0
 *   4      0   1          0        0          0 (0/0) 0
 *   5      0   0          0        0 (0/0)    0 (0/0) 0 (0/0)
 *
 * Macro: the means over classes 0 to 4 (5 takes no part): precision
 * (5/3)/5 = 1/3, recall (11/6)/5 = 11/30, f1 (26/15)/5 = 26/75. */
enum { K6 = 6, N6 = 10 };
static const int TRUTH6[N6] = { 0, 0, 0, 1, 1, 2, 2, 2, 3, 3 };
static const int PRED6[N6] = { 0, 0, 4, 1, 0, 2, 2, 1, 2, 1 };

static void close_to(double got, double want, const char *what)
{
    ck_assert_msg(fabs(got - want) < 1e-12, "%s: got %.15g, want %.15g", what, got, want);
}

START_TEST(matrix_counts_true_by_predicted)
{
    long matrix[K6 * K6] = { 0 };
    nnrt_confusion_add(matrix, K6, TRUTH6, PRED6, N6);
    static const long want[K6 * K6] = {
        2, 0, 0, 0, 1, 0,
        1, 1, 0, 0, 0, 0,
        0, 1, 2, 0, 0, 0,
        0, 1, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0,
    };
    for (int i = 0; i < K6 * K6; i++)
        ck_assert_msg(matrix[i] == want[i], "[%d][%d]: %ld, want %ld", i / K6, i % K6, matrix[i],
                      want[i]);
    ck_assert_int_eq(nnrt_confusion_total(matrix, K6), N6);
    ck_assert_int_eq(nnrt_confusion_right(matrix, K6), 5);
    /* adding more counts on */
    nnrt_confusion_add(matrix, K6, TRUTH6, PRED6, 2);
    ck_assert_int_eq(matrix[0], 4);
    ck_assert_int_eq(nnrt_confusion_total(matrix, K6), N6 + 2);
}
END_TEST

START_TEST(scores_by_hand_with_zero_divisions)
{
    long matrix[K6 * K6] = { 0 };
    nnrt_class_scores s[K6], macro;
    nnrt_confusion_add(matrix, K6, TRUTH6, PRED6, N6);
    nnrt_class_scores_of(matrix, K6, s, &macro);
    static const double precision[K6] = { 2.0 / 3, 1.0 / 3, 2.0 / 3, 0, 0, 0 };
    static const double recall[K6] = { 2.0 / 3, 1.0 / 2, 2.0 / 3, 0, 0, 0 };
    static const double f1[K6] = { 4.0 / 6, 2.0 / 5, 4.0 / 6, 0, 0, 0 };
    static const long support[K6] = { 3, 2, 3, 2, 0, 0 };
    for (int c = 0; c < K6; c++) {
        char what[32];
        snprintf(what, sizeof what, "class %d precision", c);
        close_to(s[c].precision, precision[c], what);
        snprintf(what, sizeof what, "class %d recall", c);
        close_to(s[c].recall, recall[c], what);
        snprintf(what, sizeof what, "class %d f1", c);
        close_to(s[c].f1, f1[c], what);
        ck_assert_int_eq(s[c].support, support[c]);
    }
    close_to(macro.precision, 1.0 / 3, "macro precision");
    close_to(macro.recall, 11.0 / 30, "macro recall");
    close_to(macro.f1, 26.0 / 75, "macro f1");
    ck_assert_int_eq(macro.support, N6);
}
END_TEST

START_TEST(f1_is_the_harmonic_mean_where_both_are_defined)
{
    long matrix[K6 * K6] = { 0 };
    nnrt_class_scores s[K6], macro;
    nnrt_confusion_add(matrix, K6, TRUTH6, PRED6, N6);
    nnrt_class_scores_of(matrix, K6, s, &macro);
    for (int c = 0; c < 3; c++)
        close_to(s[c].f1, 2 * s[c].precision * s[c].recall / (s[c].precision + s[c].recall),
                 "2pr/(p+r)");
}
END_TEST

START_TEST(perfect_and_empty_matrices)
{
    enum { K = 3 };
    long matrix[K * K] = { 0 };
    nnrt_class_scores s[K], macro;
    nnrt_class_scores_of(matrix, K, s, &macro);   /* nothing counted: all 0, no NaN */
    ck_assert(macro.precision == 0 && macro.recall == 0 && macro.f1 == 0 && macro.support == 0);
    for (int c = 0; c < K; c++)
        ck_assert(s[c].precision == 0 && s[c].recall == 0 && s[c].f1 == 0);
    static const int y[] = { 0, 1, 2, 2 };
    nnrt_confusion_add(matrix, K, y, y, 4);
    nnrt_class_scores_of(matrix, K, s, &macro);
    for (int c = 0; c < K; c++)
        ck_assert(s[c].precision == 1 && s[c].recall == 1 && s[c].f1 == 1);
    ck_assert(macro.precision == 1 && macro.recall == 1 && macro.f1 == 1);
    ck_assert_int_eq(macro.support, 4);
}
END_TEST

/* ---- what a model predicts ------------------------------------------------- */

struct nnrt_replica {
    float outputs[4 * 3];
};

START_TEST(predicted_class_is_the_first_maximum_or_p_above_half)
{
    /* the batch's outputs, where the runtime gathers the replicas' */
    nnrt_model m = { .n_classes = 3, .max_batch = 4, .replica_size = sizeof(nnrt_replica) };
    float *outputs = (float *)nnrt_output(&m);
    static const float rows[4 * 3] = { 0.2f, 0.5f, 0.3f,  0.4f, 0.2f, 0.4f,
                                       0.1f, 0.1f, 0.8f,  NAN, 0.5f, 0.5f };
    memcpy(outputs, rows, sizeof rows);
    ck_assert_int_eq(nnrt_class_count(&m), 3);
    ck_assert_int_eq(nnrt_predicted_class(&m, 0), 1);
    ck_assert_int_eq(nnrt_predicted_class(&m, 1), 0);   /* a tie: the first, as accuracy */
    ck_assert_int_eq(nnrt_predicted_class(&m, 2), 2);
    m.n_classes = 1;
    m.binary_positive = 1u << 1;
    static const float p[3] = { 0.5f, 0.51f, 0.2f };
    memcpy(outputs, p, sizeof p);
    ck_assert_int_eq(nnrt_class_count(&m), 2);
    ck_assert_int_eq(nnrt_predicted_class(&m, 0), 0);   /* p > 0.5, as accuracy */
    ck_assert_int_eq(nnrt_predicted_class(&m, 1), 1);
    ck_assert_int_eq(nnrt_predicted_class(&m, 2), 0);
    m.task = NNRT_TASK_REGRESS;
    ck_assert_int_eq(nnrt_class_count(&m), 0);
}
END_TEST

START_TEST(count_correct_takes_the_first_maximum)
{
    const float out[] = {
        0.2f, 0.5f, 0.5f,   /* tie between 1 and 2: 1 */
        0.9f, 0.05f, 0.05f, /* 0 */
        0.3f, 0.3f, 0.3f,   /* three-way tie: 0 */
        0.1f, 0.2f, 0.7f,   /* 2 */
    };
    const int right[] = { 1, 0, 0, 2 }, wrong[] = { 2, 1, 2, 0 }, mixed[] = { 1, 1, 0, 0 };
    ck_assert_int_eq(nnrt_count_correct(out, right, 4, 3), 4);
    ck_assert_int_eq(nnrt_count_correct(out, wrong, 4, 3), 0);
    ck_assert_int_eq(nnrt_count_correct(out, mixed, 4, 3), 2);
    ck_assert_int_eq(nnrt_count_correct(out, right, 2, 3), 2);
    ck_assert_int_eq(nnrt_count_correct(out, right, 0, 3), 0);
}
END_TEST

/* ---- printed --------------------------------------------------------------- */

/*   truth 0 0 1 2 2, pred 0 1 1 2 0: precision 1/2 1/2 1, recall 1/2 1 1/2,
 *   f1 1/2 2/3 2/3; macro 2/3 2/3 11/18 */
enum { K3 = 3, N3 = 5 };
static const int TRUTH3[N3] = { 0, 0, 1, 2, 2 };
static const int PRED3[N3] = { 0, 1, 1, 2, 0 };

static char *printed(const long *matrix, int k, const char *const *names)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nnrt_class_scores *scratch = calloc((size_t)k, sizeof *scratch);
    nnrt_confusion_print(f, matrix, k, names, scratch);
    fclose(f);
    free(scratch);
    return text;
}

static void expect_text(const char *got, const char *want)
{
    ck_assert_msg(strcmp(got, want) == 0, "got\n%s\nwant\n%s", got, want);
}

START_TEST(printed_with_names_aligned)
{
    long matrix[K3 * K3] = { 0 };
    nnrt_confusion_add(matrix, K3, TRUTH3, PRED3, N3);
    static const char *const names[K3] = { "cat", "dög", "bird" };   /* ö: 2 bytes, 1 column */
    char *text = printed(matrix, K3, names);
    expect_text(text,
                "accuracy 0.6000: 3 of 5 right\n"
                "confusion matrix: a row per true class, a column per predicted class\n"
                "        0  1  2\n"
                "0 cat   1  1  0\n"
                "1 dög   0  1  0\n"
                "2 bird  1  0  1\n"
                "class          precision  recall      f1  support\n"
                "0 cat             0.5000  0.5000  0.5000        2\n"
                "1 dög             0.5000  1.0000  0.6667        1\n"
                "2 bird            1.0000  0.5000  0.6667        2\n"
                "macro average     0.6667  0.6667  0.6111        5\n");
    free(text);
}
END_TEST

START_TEST(printed_without_names)
{
    enum { K = 12 };
    long matrix[K * K] = { 0 };
    matrix[0] = 1234;            /* wide counts widen every column */
    matrix[K * 11 + 10] = 5;
    char *text = printed(matrix, K, NULL);
    expect_text(text,
                "accuracy 0.9960: 1234 of 1239 right\n"
                "confusion matrix: a row per true class, a column per predicted class\n"
                "       0     1     2     3     4     5     6     7     8     9    10    11\n"
                " 0  1234     0     0     0     0     0     0     0     0     0     0     0\n"
                " 1     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 2     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 3     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 4     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 5     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 6     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 7     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 8     0     0     0     0     0     0     0     0     0     0     0     0\n"
                " 9     0     0     0     0     0     0     0     0     0     0     0     0\n"
                "10     0     0     0     0     0     0     0     0     0     0     0     0\n"
                "11     0     0     0     0     0     0     0     0     0     0     5     0\n"
                "class          precision  recall      f1  support\n"
                " 0                1.0000  1.0000  1.0000     1234\n"
                " 1                0.0000  0.0000  0.0000        0\n"
                " 2                0.0000  0.0000  0.0000        0\n"
                " 3                0.0000  0.0000  0.0000        0\n"
                " 4                0.0000  0.0000  0.0000        0\n"
                " 5                0.0000  0.0000  0.0000        0\n"
                " 6                0.0000  0.0000  0.0000        0\n"
                " 7                0.0000  0.0000  0.0000        0\n"
                " 8                0.0000  0.0000  0.0000        0\n"
                " 9                0.0000  0.0000  0.0000        0\n"
                "10                0.0000  0.0000  0.0000        0\n"
                "11                0.0000  0.0000  0.0000        5\n"
                "macro average     0.3333  0.3333  0.3333     1239\n");
    free(text);
}
END_TEST

START_TEST(too_many_classes_to_print_the_matrix)
{
    int k = NNRT_CONFUSION_PRINT_CLASSES + 1;
    long *matrix = calloc((size_t)k * (size_t)k, sizeof *matrix);
    matrix[0] = 3;
    char *text = printed(matrix, k, NULL);
    ck_assert_msg(strstr(text, "confusion matrix: 31 classes, too many columns to print "
                               "(confusion.csv has it)\n") != NULL, "%s", text);
    /* the 30 classes with no sample and no prediction (a text's unused ids)
     * are left out of the scores too */
    ck_assert_msg(strstr(text, "\n 0                1.0000  1.0000  1.0000        3\n") != NULL,
                  "%s", text);
    ck_assert_msg(strstr(text, "\n30  ") == NULL, "%s", text);
    ck_assert_msg(strstr(text, "(30 classes neither in the data nor predicted are left out; "
                               "metrics.csv has every class)\n") != NULL, "%s", text);
    free(text);
    free(matrix);
}
END_TEST

/* ---- the CSV files --------------------------------------------------------- */

static void csv_path(char *out, size_t len, const char *name)
{
    make_dir("%s/metrics", tmp_dir());
    snprintf(out, len, "%s/metrics/%s", tmp_dir(), name);
}

/* path written by save, its whole text; and no temporary left behind */
static char *saved(const char *path)
{
    ck_assert_int_eq(temporaries_left(path), 0);
    return slurp(path);
}

START_TEST(csv_files_exactly)
{
    long matrix[K3 * K3] = { 0 };
    nnrt_class_scores scratch[K3];
    nnrt_error err;
    char confusion[1024], metrics[1024];
    nnrt_confusion_add(matrix, K3, TRUTH3, PRED3, N3);
    csv_path(confusion, sizeof confusion, "confusion.csv");
    csv_path(metrics, sizeof metrics, "metrics.csv");

    /* a name with a comma or a quote is quoted, as RFC 4180 says */
    static const char *const names[K3] = { "cat", "dog, big", "bird \"b\"" };
    ck_assert_msg(nnrt_confusion_save(confusion, matrix, K3, names, &err) == 0, "%s", err.msg);
    ck_assert_msg(nnrt_metrics_save(metrics, matrix, K3, names, scratch, &err) == 0, "%s",
                  err.msg);
    char *text = saved(confusion);
    expect_text(text,
                "class,cat,\"dog, big\",\"bird \"\"b\"\"\"\n"
                "cat,1,1,0\n"
                "\"dog, big\",0,1,0\n"
                "\"bird \"\"b\"\"\",1,0,1\n");
    free(text);
    text = saved(metrics);
    expect_text(text,
                "class,precision,recall,f1,support\n"
                "cat,0.500000,0.500000,0.500000,2\n"
                "\"dog, big\",0.500000,1.000000,0.666667,1\n"
                "\"bird \"\"b\"\"\",1.000000,0.500000,0.666667,2\n"
                "macro,0.666667,0.666667,0.611111,5\n");
    free(text);

    /* without names, the class numbers */
    ck_assert_msg(nnrt_confusion_save(confusion, matrix, K3, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(nnrt_metrics_save(metrics, matrix, K3, NULL, scratch, &err) == 0, "%s",
                  err.msg);
    text = saved(confusion);
    expect_text(text, "class,0,1,2\n0,1,1,0\n1,0,1,0\n2,1,0,1\n");
    free(text);
    text = saved(metrics);
    expect_text(text,
                "class,precision,recall,f1,support\n"
                "0,0.500000,0.500000,0.500000,2\n"
                "1,0.500000,1.000000,0.666667,1\n"
                "2,1.000000,0.500000,0.666667,2\n"
                "macro,0.666667,0.666667,0.611111,5\n");
    free(text);
}
END_TEST

START_TEST(csv_file_that_cannot_be_written_is_an_error)
{
    long matrix[4] = { 1, 0, 0, 1 };
    nnrt_error err;
    ck_assert_int_eq(nnrt_confusion_save("/nonexistent/dir/confusion.csv", matrix, 2, NULL, &err),
                     -1);
    ck_assert_msg(strstr(err.msg, "/nonexistent/dir/confusion.csv: cannot create") != NULL,
                  "%s", err.msg);
}
END_TEST

/* ---- the classes statement ----------------------------------------------- */

#define DATA_OPEN                                               \
    "model t\n"                                                 \
    "data {\n"                                                  \
    "    train {\n"                                             \
    "        images \"a-images.gz\"\n"                          \
    "        labels \"a-labels.gz\"\n"                          \
    "    }\n"                                                   \
    "    test {\n"                                              \
    "        images \"b-images.gz\"\n"                          \
    "        labels \"b-labels.gz\"\n"                          \
    "    }\n"
#define NETWORK3                                                \
    "network {\n"                                               \
    "    input 4\n"                                             \
    "    dense 3 softmax\n"                                     \
    "}\n"

/* The C nnc emits for text (named t.nn), which must compile without a word. */
static char *emitted(const char *text)
{
    char *diags, *c = emit_text_diags(text, &diags);
    ck_assert_msg(strcmp(diags, "") == 0, "%s", diags);
    free(diags);
    return c;
}

START_TEST(classes_are_emitted_in_label_order)
{
    char *c = emitted(DATA_OPEN "    classes \"cat\" \"dög\" \"big bird\"\n}\n" NETWORK3
                      MODEL_TRAIN);
    ck_assert_msg(strstr(c, "/* the classes' names, in label order */\n"
                            "static const char *const CLASS_NAMES[] = {\n"
                            "    \"cat\",          /* 0 */\n"
                            "    \"d\\303\\266g\",   /* 1 */\n"
                            "    \"big bird\",     /* 2 */\n"
                            "};\n") != NULL, "%s", c);
    ck_assert_msg(strstr(c, "    .n_classes = CLASSES,\n    .class_names = CLASS_NAMES,\n"),
                  "%s", c);
    free(c);
    c = emitted(DATA_OPEN "}\n" NETWORK3 MODEL_TRAIN);   /* none: no table, no field */
    ck_assert_ptr_null(strstr(c, "CLASS_NAMES"));
    ck_assert_ptr_null(strstr(c, "class_names"));
    free(c);
}
END_TEST

START_TEST(binary_model_has_two_names)
{
    char *c = emitted(DATA_OPEN
                      "    positive 5 7 9\n"
                      "    classes \"other\" \"footwear\"\n"
                      "}\n"
                      "network {\n    input 4\n    dense 1 sigmoid\n}\n"
                      "train {\n    loss binary_cross_entropy\n    optimizer sgd\n}\n");
    ck_assert_msg(strstr(c, "    \"other\",      /* 0 */\n    \"footwear\",   /* 1 */\n"), "%s",
                  c);
    free(c);
}
END_TEST

typedef struct Case {
    const char *name;
    const char *source;
    const char *expected;
} Case;

static const Case CASES[] = {
    {
        "count",
        DATA_OPEN
        "    classes \"cat\" \"dog\"\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:5: error: 'classes' gives 2 names, but the model has 3 classes\n"
        "   11 |     classes \"cat\" \"dog\"\n"
        "      |     ^~~~~~~\n"
        "      = one name per output of the last layer (line 15), in label order\n",
    },
    {
        "count_after_dropout",
        DATA_OPEN
        "    classes \"cat\" \"dog\" \"bird\" \"fish\"\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 3 softmax\n"
        "    dropout 0.5\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:16:5: warning: dropout after the last dense layer drops predictions while training\n"
        "   16 |     dropout 0.5\n"
        "      |     ^~~~~~~~~~~\n"
        "      = dropout goes between hidden layers; remove this one\n"
        "t.nn:11:5: error: 'classes' gives 4 names, but the model has 3 classes\n"
        "   11 |     classes \"cat\" \"dog\" \"bird\" \"fish\"\n"
        "      |     ^~~~~~~\n"
        "      = one name per output of the last layer (line 15), in label order\n",
    },
    {
        "binary_count",
        DATA_OPEN
        "    classes \"footwear\"\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 1 sigmoid\n"
        "}\n"
        "train {\n"
        "    loss binary_cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:11:5: error: 'classes' gives 1 name, but a binary model has 2 classes\n"
        "   11 |     classes \"footwear\"\n"
        "      |     ^~~~~~~\n"
        "      = name label 0's class first, then label 1's, as in 'classes \"other\" \"footwear\"'\n",
    },
    {
        "regression",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "    }\n"
        "    test {\n"
        "        csv \"b.csv\"\n"
        "    }\n"
        "    inputs a b\n"
        "    targets price\n"
        "    classes \"cheap\"\n"
        "}\n"
        "network {\n"
        "    input 2\n"
        "    dense 1\n"
        "}\n"
        "train {\n"
        "    loss mse\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:11:5: error: 'classes' names a classifier's classes, but this model is a "
        "regression: its mse loss predicts the target values\n"
        "   11 |     classes \"cheap\"\n"
        "      |     ^~~~~~~\n"
        "      = remove this line\n",
    },
    {
        "not_strings",
        DATA_OPEN
        "    classes cat \"dog\" 3\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:13: error: a class name must be a quoted string, not a word 'cat'\n"
        "   11 |     classes cat \"dog\" 3\n"
        "      |             ^~~\n"
        "t.nn:11:23: error: a class name must be a quoted string, not a number '3'\n"
        "   11 |     classes cat \"dog\" 3\n"
        "      |                       ^\n",
    },
    {
        "empty_and_control",
        DATA_OPEN
        "    classes \"cat\" \"\" \"a\tb\"\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:19: error: a class name cannot be empty\n"
        "   11 |     classes \"cat\" \"\" \"a\tb\"\n"
        "      |                   ^~\n"
        "t.nn:11:22: error: a class name cannot hold a tab or another control character\n"
        "   11 |     classes \"cat\" \"\" \"a\tb\"\n"
        "      |                      ^~~~~\n",
    },
    {
        "twice_in_the_list",
        DATA_OPEN
        "    classes \"cat\" \"dog\" \"cat\"\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:25: error: class name \"cat\" given twice\n"
        "   11 |     classes \"cat\" \"dog\" \"cat\"\n"
        "      |                         ^~~~~\n"
        "      = first for class 0\n",
    },
    {
        "no_names",
        DATA_OPEN
        "    classes\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:5: error: 'classes' needs the class names in label order, such as "
        "'classes \"cat\" \"dog\"'\n"
        "   11 |     classes\n"
        "      |     ^~~~~~~\n",
    },
    {
        "statement_twice",
        DATA_OPEN
        "    classes \"a\" \"b\" \"c\"\n"
        "    classes \"a\" \"b\" \"c\"\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:12:5: error: 'classes' given twice\n"
        "   12 |     classes \"a\" \"b\" \"c\"\n"
        "      |     ^~~~~~~\n"
        "      = first given at line 11\n",
    },
    {
        "misspelled",
        DATA_OPEN
        "    clases \"a\" \"b\" \"c\"\n"
        "}\n"
        NETWORK3
        MODEL_TRAIN,
        "t.nn:11:5: error: unknown data setting 'clases'\n"
        "   11 |     clases \"a\" \"b\" \"c\"\n"
        "      |     ^~~~~~\n"
        "      = did you mean 'classes'?\n",
    },
};

START_TEST(classes_errors_exactly)
{
    const Case *c = &CASES[_i];
    char *out = diagnose(c->source);
    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got\n%s\nexpected\n%s", c->name, out,
                  c->expected);
    free(out);
}
END_TEST

/* ---- end to end ------------------------------------------------------------ */

/* run_cmd, not inlined: gcc 12 then mistakes its output for a dangling
 * stack pointer */
__attribute__((noinline)) static int run(const char *cmd, char **out)
{
    return run_cmd(cmd, out);
}

/* Builds examples/NAME.nn into $NNC_TMP/metrics/NAME once per process. */
static void example_trainer(const char *name, char *exe, size_t len)
{
    char nn[256];
    make_dir("%s/metrics", tmp_dir());
    snprintf(nn, sizeof nn, "examples/%s.nn", name);
    snprintf(exe, len, "%s/metrics/%s", tmp_dir(), name);
    build_trainer(nn, exe);
}

/* From the `test:` line to the end */
static const char *from_test_line(const char *output)
{
    const char *t = strstr(output, "test: loss ");
    ck_assert_msg(t != NULL, "no test line in\n%s", output);
    return t;
}

static const char FASHION_NAMES[] =
    "class,T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot\n";

START_TEST(fashion_eval_prints_the_matrix_with_class_names)
{
    if (!have_fashion())
        return;
    char exe[512], dir[600], cmd[2048], path[1400], *train_out, *eval_out;
    example_trainer("fashion_mlp", exe, sizeof exe);
    snprintf(dir, sizeof dir, "%s/metrics/fashion_mlp_run", tmp_dir());
    snprintf(cmd, sizeof cmd, "rm -rf %s && %s train --limit 1000 --epochs 1 --out %s", dir, exe,
             dir);
    ck_assert_int_eq(run(cmd, &train_out), 0);
    snprintf(cmd, sizeof cmd, "%s eval --out %s", exe, dir);
    ck_assert_int_eq(run(cmd, &eval_out), 0);

    /* eval reports what train did at its end, byte for byte */
    expect_text(from_test_line(eval_out), from_test_line(train_out));
    static const char *const rows[] = {
        "\n0 T-shirt/top  ", "\n1 Trouser      ", "\n2 Pullover     ", "\n3 Dress        ",
        "\n4 Coat         ", "\n5 Sandal       ", "\n6 Shirt        ", "\n7 Sneaker      ",
        "\n8 Bag          ", "\n9 Ankle boot   ",
    };
    const char *matrix = strstr(eval_out, "confusion matrix: a row per true class, a column per "
                                          "predicted class\n             ");   /* 13: "0 T-shirt/top" */
    ck_assert_msg(matrix != NULL, "%s", eval_out);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        ck_assert_msg(strstr(matrix, rows[i]), "no '%s' in\n%s", rows[i] + 1, eval_out);
    ck_assert_msg(strstr(eval_out, "\nclass          precision  recall      f1  support\n"
                                   "0 T-shirt/top     0."), "%s", eval_out);
    ck_assert_msg(strstr(eval_out, "\nmacro average     0."), "%s", eval_out);
    snprintf(path, sizeof path, "saved %s/confusion.csv and %s/metrics.csv\n", dir, dir);
    ck_assert_msg(strstr(eval_out, path), "%s", eval_out);

    /* confusion.csv: every test sample once, the diagonal is the accuracy */
    snprintf(path, sizeof path, "%s/confusion.csv", dir);
    char *csv = slurp(path);
    ck_assert_msg(strncmp(csv, FASHION_NAMES, strlen(FASHION_NAMES)) == 0, "%s", csv);
    long total = 0, right = 0;
    const char *line = csv + strlen(FASHION_NAMES);
    for (int t = 0; t < 10; t++) {
        line = strchr(line, ',');
        for (int p = 0; p < 10; p++) {
            long v = strtol(line + 1, (char **)&line, 10);
            total += v;
            right += t == p ? v : 0;
        }
        ck_assert_int_eq(*line, '\n');
        line++;
    }
    ck_assert_int_eq(*line, '\0');
    ck_assert_int_eq(total, 10000);
    char accuracy[64];
    snprintf(accuracy, sizeof accuracy, "accuracy %.4f", right / 10000.0);
    ck_assert_msg(strstr(eval_out, accuracy), "%s not in\n%s", accuracy, eval_out);
    free(csv);

    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    csv = slurp(path);
    static const char METRICS_HEAD[] = "class,precision,recall,f1,support\nT-shirt/top,0.";
    ck_assert_msg(strncmp(csv, METRICS_HEAD, strlen(METRICS_HEAD)) == 0, "%s", csv);
    ck_assert_msg(strstr(csv, "\nAnkle boot,0.") && strstr(csv, ",1000\nmacro,0.") &&
                  strstr(csv, ",10000\n"), "%s", csv);
    free(csv);

    /* predict names them too */
    char *predict_out;
    snprintf(cmd, sizeof cmd, "%s predict --out %s --count 1", exe, dir);
    ck_assert_int_eq(run(cmd, &predict_out), 0);
    ck_assert_msg(strstr(predict_out, "sample 0: label 9 Ankle boot, predicted ") &&
                  strstr(predict_out, " 0 T-shirt/top  0.") &&
                  strstr(predict_out, " 9 Ankle boot   0."), "%s", predict_out);
    free(predict_out);
    free(train_out);
    free(eval_out);
}
END_TEST

START_TEST(binary_model_gets_a_two_class_matrix)
{
    if (!have_fashion())
        return;
    char exe[512], dir[600], cmd[2048], path[700], *out;
    example_trainer("fashion_footwear", exe, sizeof exe);
    snprintf(dir, sizeof dir, "%s/metrics/fashion_footwear_run", tmp_dir());
    snprintf(cmd, sizeof cmd, "rm -rf %s && %s train --limit 1000 --epochs 1 --out %s", dir, exe,
             dir);
    ck_assert_int_eq(run(cmd, &out), 0);
    ck_assert_msg(strstr(out, "a column per predicted class\n               0     1\n"
                              "0 other     ") && strstr(out, "\n1 footwear  "), "%s", out);
    snprintf(path, sizeof path, "%s/confusion.csv", dir);
    char *csv = slurp(path);
    ck_assert_msg(strncmp(csv, "class,other,footwear\nother,", 27) == 0, "%s", csv);
    /* 7000 test images are not footwear, 3000 are */
    long a, b, c, d;
    ck_assert_int_eq(sscanf(csv, "class,other,footwear\nother,%ld,%ld\nfootwear,%ld,%ld\n", &a,
                            &b, &c, &d), 4);
    ck_assert_int_eq(a + b, 7000);
    ck_assert_int_eq(c + d, 3000);
    free(csv);
    free(out);
}
END_TEST

START_TEST(regression_gets_no_matrix)
{
    char exe[512], dir[600], cmd[3800], path[700], *out;
    example_trainer("regression_houses", exe, sizeof exe);
    snprintf(dir, sizeof dir, "%s/metrics/regression_run", tmp_dir());
    snprintf(cmd, sizeof cmd, "rm -rf %s && %s train --epochs 1 --out %s && %s eval --out %s",
             dir, exe, dir, exe, dir);
    ck_assert_int_eq(run(cmd, &out), 0);
    ck_assert_ptr_null(strstr(out, "confusion"));
    ck_assert_ptr_null(strstr(out, "precision"));
    snprintf(path, sizeof path, "%s/confusion.csv", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("confusion");
    tcase_add_test(tc, matrix_counts_true_by_predicted);
    tcase_add_test(tc, scores_by_hand_with_zero_divisions);
    tcase_add_test(tc, f1_is_the_harmonic_mean_where_both_are_defined);
    tcase_add_test(tc, perfect_and_empty_matrices);
    tcase_add_test(tc, predicted_class_is_the_first_maximum_or_p_above_half);
    tcase_add_test(tc, count_correct_takes_the_first_maximum);
    tcase_add_test(tc, printed_with_names_aligned);
    tcase_add_test(tc, printed_without_names);
    tcase_add_test(tc, too_many_classes_to_print_the_matrix);
    tcase_add_test(tc, csv_files_exactly);
    tcase_add_test(tc, csv_file_that_cannot_be_written_is_an_error);
    suite_add_tcase(s, tc);
    tc = tcase_create("classes");
    tcase_add_test(tc, classes_are_emitted_in_label_order);
    tcase_add_test(tc, binary_model_has_two_names);
    tcase_add_loop_test(tc, classes_errors_exactly, 0, (int)(sizeof CASES / sizeof CASES[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("end to end");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, fashion_eval_prints_the_matrix_with_class_names);
    tcase_add_test(tc, binary_model_gets_a_two_class_matrix);
    tcase_add_test(tc, regression_gets_no_matrix);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
