/* test_csv.c: CSV data sets (csv.c) and the regression task.
 *
 * Loading: columns by name and by index, every error message exactly,
 * split and limit views, a file found from the current directory.  Whole
 * runs through nnrt_main on files the test writes under $NNC_TMP/csv: a
 * hand-written linear regression y = x W + b (2 inputs, 1 output, squared
 * error against m->target) learning y = 3a - 2b + 1, and a linear softmax
 * classifier reading its labels from a CSV column. */
#include <check.h>

#define SUITE_DIR "csv"   /* fixture_dir(): $NNC_TMP/csv, absolute */
#include "suite.h"
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "trainer_util.h"

/* ---- fixtures ------------------------------------------------------------ */

/* dir/name, written with text; its absolute path in a static slot */
static const char *fixture(int slot, const char *name, const char *text)
{
    static char paths[4][1024];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", fixture_dir(), name);
    write_text(paths[slot], text);
    return paths[slot];
}

/* dir/name, written with len bytes (NULs too); its path in slot 3 */
static const char *fixture_bytes(const char *name, const char *bytes, size_t len)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixture_dir(), name);
    write_bytes(path, bytes, len);
    return path;
}

static const char *const AB[] = { "a", "b" };
static const char *const Y[] = { "y" };

static const char GOOD[] = " a , b ,name, y \r\n"
                           "1,2,x,3\r\n"
                           "4, 5.5 ,y,-6e-1\n"
                           "\n"
                           "7,8,z,9\n";

START_TEST(good_file_loads_by_name_and_by_index)
{
    const char *path = fixture(0, "good.csv", GOOD);
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.n_samples, 3);
    ck_assert_int_eq(ds.n_features, 2);
    ck_assert_int_eq(ds.n_targets, 1);
    ck_assert_int_eq(ds.target_labels, 0);
    const float want_x[] = { 1, 2, 4, 5.5f, 7, 8 }, want_t[] = { 3, -0.6f, 9 };
    ck_assert_mem_eq(ds.features, want_x, sizeof want_x);
    ck_assert_mem_eq(ds.targets, want_t, sizeof want_t);
    nnrt_dataset_free(&ds);
    ck_assert_ptr_null(ds.features);

    /* by index: y is column 3; the targets a and b, two of them */
    const char *const by_index[] = { "3", "0" }, *const two[] = { "a", "1" };
    ck_assert_msg(nnrt_csv_load(path, by_index, 2, two, 2, 0, &ds, &err) == 0, "%s", err.msg);
    const float want_x2[] = { 3, 1, -0.6f, 4, 9, 7 }, want_t2[] = { 1, 2, 4, 5.5f, 7, 8 };
    ck_assert_mem_eq(ds.features, want_x2, sizeof want_x2);
    ck_assert_mem_eq(ds.targets, want_t2, sizeof want_t2);

    /* batches: features as they are (no scale), targets alongside */
    int order[] = { 2, 0, 1 }, y[2];
    float x[4], t[4];
    nnrt_batch_fill(&ds, order, 0, 2, 1.0f / 255, x, y);
    nnrt_batch_targets(&ds, order, 0, 2, t);
    const float bx[] = { 9, 7, 3, 1 }, bt[] = { 7, 8, 1, 2 };
    ck_assert_mem_eq(x, bx, sizeof bx);
    ck_assert_mem_eq(t, bt, sizeof bt);
    ck_assert_int_eq(y[0], 0);
    nnrt_dataset_free(&ds);
}
END_TEST

START_TEST(labels_are_whole_numbers_in_range)
{
    const char *path = fixture(0, "labels.csv", "a,b,label\n0,1,0\n1,0,2\n");
    const char *const label[] = { "label" };
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, label, 1, 3, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.target_labels, 1);
    int order[] = { 0, 1 }, y[2];
    float x[4];
    nnrt_batch_fill(&ds, order, 0, 2, 1, x, y);
    ck_assert_int_eq(y[0], 0);
    ck_assert_int_eq(y[1], 2);
    nnrt_dataset_free(&ds);
}
END_TEST

START_TEST(several_target_columns_are_class_probabilities)
{
    /* one-hot rows are labels; soft rows keep their probabilities, and
       their label (for accuracy) is the first largest */
    const char *path = fixture(0, "onehot.csv",
                               "a,b,c0,c1,c2\n0,1,0,0,1\n1,0,1,0,0\n2,2,0.2,0.4,0.4\n");
    const char *const cols[] = { "c0", "c1", "c2" };
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, cols, 3, 3, &ds, &err) == 0, "%s", err.msg);
    int order[] = { 0, 1, 2 }, y[3];
    float x[6], t[9];
    nnrt_batch_fill(&ds, order, 0, 3, 1, x, y);
    ck_assert_int_eq(y[0], 2);
    ck_assert_int_eq(y[1], 0);
    ck_assert_int_eq(y[2], 1);
    nnrt_batch_targets(&ds, order, 0, 3, t);
    static const float want_t[9] = { 0, 0, 1, 1, 0, 0, 0.2f, 0.4f, 0.4f };
    for (int i = 0; i < 9; i++)
        ck_assert_float_eq(t[i], want_t[i]);
    nnrt_dataset_free(&ds);

    /* a row that is no distribution: its line and what is wrong */
    char want[2048];
    path = fixture(0, "notonehot.csv", "a,b,c0,c1,c2\n0,1,0,0,1\n1,0,1,1,0\n");
    ck_assert_int_eq(nnrt_csv_load(path, AB, 2, cols, 3, 3, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: line 3: the 3 target columns sum to 2, not 1: they hold "
             "each class's probability (one 1 and the rest 0 for a label)", path);
    ck_assert_str_eq(err.msg, want);
    path = fixture(0, "negative.csv", "a,b,c0,c1,c2\n0,1,-0.5,0.5,1\n");
    ck_assert_int_eq(nnrt_csv_load(path, AB, 2, cols, 3, 3, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: line 2: column 'c0': -0.5 is no probability: the 3 target "
             "columns hold each class's probability, 0 to 1", path);
    ck_assert_str_eq(err.msg, want);
    /* a CSV's rounding is no error: 0.33 three times */
    path = fixture(0, "rounded.csv", "a,b,c0,c1,c2\n0,1,0.33,0.33,0.33\n");
    ck_assert_msg(nnrt_csv_load(path, AB, 2, cols, 3, 3, &ds, &err) == 0, "%s", err.msg);
    nnrt_dataset_free(&ds);
}
END_TEST

/* Load text as NAME.csv with columns a, b -> target, which must fail with
 * "PATH: want"; nothing may be left loaded. */
static void expect_error(const char *text, const char *const *target, int label_bound,
                         const char *want)
{
    const char *path = fixture(1, "bad.csv", text);
    nnrt_dataset ds;
    nnrt_error err = { "" };
    char full[2048];
    ck_assert_int_eq(nnrt_csv_load(path, AB, 2, target, 1, label_bound, &ds, &err), -1);
    snprintf(full, sizeof full, "%s: %s", path, want);
    ck_assert_str_eq(err.msg, full);
    ck_assert_ptr_null(ds.features);
    ck_assert_ptr_null(ds.csv_owner);
    ck_assert_int_eq(ds.n_samples, 0);
}

START_TEST(errors_name_the_line_and_the_column)
{
    expect_error("a,b,y\n1,2,3\n1,abc,3\n", Y, 0,
                 "line 3: column 'b': expected a number, got 'abc'");
    expect_error("a,b,y\n1,2,3\n1, ,3\n", Y, 0, "line 3: column 'b': expected a number, got ''");
    expect_error("a,b,y\n1,2,3\n1,2,nan\n", Y, 0,
                 "line 3: column 'y': expected a number, got 'nan'");
    expect_error("a,b,y\n1,2,3\n\n4,5\n", Y, 0,
                 "line 4: column 'y': missing (2 fields; the header has 3)");
    expect_error("a,b,y\n1,2,3,4\n", Y, 0, "line 2: 4 fields; the header has 3");
    expect_error("a,b,c\n1,2,3\n", Y, 0, "no column 'y' (columns: a, b, c)");
    const char *const idx[] = { "3" };
    expect_error("a,b,c\n1,2,3\n", idx, 0, "no column '3' (columns: a, b, c)");
    expect_error("", Y, 0, "line 1: expected a header row of column names");
    expect_error("a,b,y\n1,2,1.5\n", Y, 3,
                 "line 2: column 'y': label 1.5; the model has 3 classes (0 to 2)");
    expect_error("a,b,y\n1,2,0\n1,2,3\n", Y, 3,
                 "line 3: column 'y': label 3; the model has 3 classes (0 to 2)");
    expect_error("a,b,y\n1,2,-1\n", Y, 3,
                 "line 2: column 'y': label -1; the model has 3 classes (0 to 2)");
}
END_TEST

/* ---- what a file that is not plain ASCII CSV holds ----------------------- */

/* Load the len bytes with columns a, b -> y; expect the error "PATH: want". */
static void expect_bytes_error(const char *bytes, size_t len, const char *want)
{
    const char *path = fixture_bytes("odd.csv", bytes, len);
    nnrt_dataset ds;
    nnrt_error err = { "" };
    char full[2048];
    ck_assert_int_eq(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err), -1);
    snprintf(full, sizeof full, "%s: %s", path, want);
    ck_assert_str_eq(err.msg, full);
    ck_assert_ptr_null(ds.csv_owner);
}

START_TEST(a_nul_byte_is_an_error_at_its_line_and_column)
{
    /* it used to end the text there: 1 row of 3 loaded, no word said */
    static const char text[] = "a,b,y\n1,2,3\n4,\0,6\n7,8,9\n";
    expect_bytes_error(text, sizeof text - 1,
                       "line 3, column 3 (byte 14): a NUL byte; a CSV file holds text");
    static const char in_header[] = "a,b\0,y\r\n1,2,3\r\n";
    expect_bytes_error(in_header, sizeof in_header - 1,
                       "line 1, column 4 (byte 3): a NUL byte; a CSV file holds text");
    static const char mac[] = "a,b,y\r1,2,3\r\0";
    expect_bytes_error(mac, sizeof mac - 1,
                       "line 3, column 1 (byte 12): a NUL byte; a CSV file holds text");
    static const char utf16[] = "\xff\xfe" "a\0,\0b\0";
    expect_bytes_error(utf16, sizeof utf16 - 1,
                       "byte 0: a UTF-16 byte-order mark: the file is UTF-16 text; save it as "
                       "UTF-8 (or ASCII)");
}
END_TEST

START_TEST(a_byte_order_mark_is_skipped)
{
    /* Excel's "CSV UTF-8" starts with EF BB BF: 'a' was "\xef\xbb\xbf" "a" */
    const char *path = fixture(0, "bom.csv", "\xef\xbb\xbf" "a,b,y\n1,2,3\n");
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.n_samples, 1);
    const float want_x[] = { 1, 2 };
    ck_assert_mem_eq(ds.features, want_x, sizeof want_x);
    nnrt_dataset_free(&ds);

    /* and when a column is still missing, the message says it was there */
    expect_error("\xef\xbb\xbf" "a,b,c\n1,2,3\n", Y, 0,
                 "no column 'y' (columns: a, b, c); the file starts with a UTF-8 byte-order "
                 "mark, which was skipped");
}
END_TEST

START_TEST(lines_end_at_lf_crlf_or_a_lone_cr)
{
    /* an old Mac's CR-only file was one 24-byte "header" */
    const char *path = fixture(0, "mac.csv", "a,b,y\r1,2,3\r\r4,5,6\r");
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.n_samples, 2);
    const float want_x[] = { 1, 2, 4, 5 }, want_t[] = { 3, 6 };
    ck_assert_mem_eq(ds.features, want_x, sizeof want_x);
    ck_assert_mem_eq(ds.targets, want_t, sizeof want_t);
    nnrt_dataset_free(&ds);

    /* the three mixed in one file, and line numbers that count each */
    path = fixture(0, "mixed.csv", "a,b,y\r\n1,2,3\r4,5,6\n7,8,9\r\n");
    ck_assert_msg(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ds.n_samples, 3);
    nnrt_dataset_free(&ds);
    expect_error("a,b,y\r1,2,3\r1,x,3\r", Y, 0,
                 "line 3: column 'b': expected a number, got 'x'");
}
END_TEST

START_TEST(a_device_is_not_read)
{
    /* /dev/zero would be read until memory ran out */
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_int_eq(nnrt_csv_load("/dev/zero", AB, 2, Y, 1, 0, &ds, &err), -1);
    ck_assert_str_eq(err.msg, "/dev/zero: not a regular file");
}
END_TEST

START_TEST(a_missing_file_is_named)
{
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_int_eq(unsetenv("NNC_DATA"), 0);
    ck_assert_int_eq(nnrt_csv_load("no/such.csv", AB, 2, Y, 1, 0, &ds, &err), -1);
    ck_assert_str_eq(err.msg, "no/such.csv: not found; looked in /usr/share/datasets/no/such.csv "
                              "($NNC_DATA is not set) and the current directory");
}
END_TEST

START_TEST(relative_names_are_found_from_the_current_directory)
{
    const char *tmp = tmp_dir();
    if (tmp[0] == '/')
        return;   /* nothing relative to look up */
    fixture(0, "here.csv", GOOD);
    char rel[1024], out[1024];
    snprintf(rel, sizeof rel, "%s/csv/here.csv", tmp);
    ck_assert_int_eq(unsetenv("NNC_DATA"), 0);
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_data_path(rel, out, sizeof out, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(out, rel);
}
END_TEST

START_TEST(split_and_limit_views_share_the_rows)
{
    char text[4096] = "a,b,y\n";
    for (int i = 0; i < 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d,%d\n", i, 10 * i, -i);
    const char *path = fixture(0, "ten.csv", text);
    nnrt_dataset ds, train, val;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_csv_load(path, AB, 2, Y, 1, 0, &ds, &err) == 0, "%s", err.msg);
    nnrt_dataset_split(&ds, 0.3, &train, &val);
    ck_assert_int_eq(train.n_samples, 7);
    ck_assert_int_eq(val.n_samples, 3);
    ck_assert_ptr_eq(train.features, ds.features);
    ck_assert_ptr_eq(val.features, ds.features + 7 * 2);
    ck_assert_ptr_eq(val.targets, ds.targets + 7);
    ck_assert_ptr_null(val.csv_owner);
    ck_assert_ptr_null(train.csv_owner);
    int order[] = { 0, 2 }, y[2];
    float x[4], t[2];
    nnrt_batch_fill(&val, order, 0, 2, 1, x, y);
    nnrt_batch_targets(&val, order, 0, 2, t);
    const float bx[] = { 7, 70, 9, 90 }, bt[] = { -7, -9 };
    ck_assert_mem_eq(x, bx, sizeof bx);
    ck_assert_mem_eq(t, bt, sizeof bt);
    nnrt_dataset_limit(&ds, 4);
    ck_assert_int_eq(ds.n_samples, 4);
    nnrt_dataset_free(&ds);
}
END_TEST

/* ---- the model: x (n, 2) -> z = x W + b; regression: out = z, loss the
 * summed squared error against m->target; classification: out = softmax(z),
 * cross-entropy against the labels. -------------------------------------- */

enum { IN = 2, KMAX = 2, MAX_BATCH = 32 };

static float W[IN * KMAX], b[KMAX];
struct nnrt_replica {
    float x_in[MAX_BATCH * IN], target[MAX_BATCH * KMAX];
    float out[MAX_BATCH * KMAX], dz[MAX_BATCH * KMAX];
    float dW[IN * KMAX], db[KMAX];
};
static int k_out;               /* 1: regression, 2: classification */

/* rep->out = x W + b (softmax'ed when classifying), per row */
static void lin_forward(nnrt_replica *rep, int n, int training, nnrt_rng *rng)
{
    (void)training;
    (void)rng;
    for (int r = 0; r < n; r++) {
        float max = -INFINITY, sum = 0;
        for (int k = 0; k < k_out; k++) {
            float s = b[k];
            for (int i = 0; i < IN; i++)
                s += rep->x_in[r * IN + i] * W[i * k_out + k];
            rep->out[r * k_out + k] = s;
            max = s > max ? s : max;
        }
        if (k_out == 1)
            continue;
        for (int k = 0; k < k_out; k++)
            sum += rep->out[r * k_out + k] = expf(rep->out[r * k_out + k] - max);
        for (int k = 0; k < k_out; k++)
            rep->out[r * k_out + k] /= sum;
    }
}

/* regression: sum (rep->out - t)^2, rep->dz = 2 (rep->out - t) / n;
 * classification: sum -log p[y], rep->dz = (p - onehot(y)) / n */
static double lin_loss(nnrt_replica *rep, int n, const int *y)
{
    double total = 0;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < k_out; k++) {
            int i = r * k_out + k;
            if (k_out == 1) {
                double d = (double)rep->out[i] - rep->target[i];
                total += d * d;
                rep->dz[i] = (float)(2 * d / n);
            } else {
                total -= k == y[r] ? log(rep->out[i] > 1e-30f ? rep->out[i] : 1e-30f) : 0;
                rep->dz[i] = (rep->out[i] - (k == y[r])) / n;
            }
        }
    return total;
}

/* rep->dW = x^T rep->dz, rep->db = column sums of rep->dz */
static void lin_backward(nnrt_replica *rep, int n)
{
    memset(rep->dW, 0, sizeof rep->dW);
    memset(rep->db, 0, sizeof rep->db);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < k_out; k++) {
            for (int i = 0; i < IN; i++)
                rep->dW[i * k_out + k] += rep->x_in[r * IN + i] * rep->dz[r * k_out + k];
            rep->db[k] += rep->dz[r * k_out + k];
        }
}

static const nnrt_param REGRESS_PARAMS[] = {
    { .name = "dense1.w", .ndims = 2, .dims = { IN, 1 }, .size = IN, .value = W, .grad = offsetof(nnrt_replica, dW),
      .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN, .fan_out = 1 },
    { .name = "dense1.b", .ndims = 1, .dims = { 1 }, .size = 1, .value = b, .grad = offsetof(nnrt_replica, db),
      .init = NNRT_INIT_ZEROS, .fan_in = IN, .fan_out = 1 },
};
static const nnrt_param CLASSIFY_PARAMS[] = {
    { .name = "dense1.w", .ndims = 2, .dims = { IN, 2 }, .size = IN * 2, .value = W, .grad = offsetof(nnrt_replica, dW),
      .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN, .fan_out = 2 },
    { .name = "dense1.b", .ndims = 1, .dims = { 2 }, .size = 2, .value = b, .grad = offsetof(nnrt_replica, db),
      .init = NNRT_INIT_ZEROS, .fan_in = IN, .fan_out = 2 },
};

static char train_csv[1024], test_csv[1024];

static nnrt_model linear_model(nnrt_task task)
{
    static const char *const label[] = { "label" };
    k_out = task == NNRT_TASK_REGRESS ? 1 : 2;
    return (nnrt_model){
        .name = "linear",
        .source = "tests/linear.nn",
        .model_hash = "0123456789abcdef",
        .nnc_version = "0.1.0",
        .train_csv = train_csv,
        .test_csv = test_csv,
        .n_input_columns = IN,
        .input_columns = AB,
        .n_target_columns = 1,
        .target_columns = task == NNRT_TASK_REGRESS ? Y : label,
        .task = task,
        .target_at = offsetof(nnrt_replica, target),
        .validation = 0.2,
        .in_size = IN,
        .n_classes = k_out,
        .batch = 16,
        .max_batch = MAX_BATCH,
        .replica_size = sizeof(nnrt_replica),
        .input_at = offsetof(nnrt_replica, x_in),
        .output_at = offsetof(nnrt_replica, out),
        .epochs = 60,
        .seed = 1,
        .optimizer = { .kind = NNRT_OPT_ADAM, .lr = 0.05f, .beta1 = 0.9f, .beta2 = 0.999f,
                       .epsilon = 1e-7f },
        .n_params = 2,
        .params = task == NNRT_TASK_REGRESS ? REGRESS_PARAMS : CLASSIFY_PARAMS,
        .forward = lin_forward,
        .loss = lin_loss,
        .backward = lin_backward,
    };
}

/* n rows on a grid in [-1, 1]^2: y = 3a - 2b + 1, label = a > b (the
 * diagonal itself is left out, so the classes are separable) */
static void write_sets(void)
{
    static char text[1 << 16];
    for (int set = 0; set < 2; set++) {
        size_t used = (size_t)snprintf(text, sizeof text, "a,b,y,label\n");
        for (int i = 0, rows = 0; rows < (set ? 60 : 200); i++) {
            double a = ((i * 37 + set * 11) % 41) / 20.0 - 1, bb = ((i * 17) % 43) / 21.0 - 1;
            if (fabs(a - bb) < 0.05)
                continue;
            used += (size_t)snprintf(text + used, sizeof text - used, "%.4f,%.4f,%.4f,%d\n", a,
                                     bb, 3 * a - 2 * bb + 1, a > bb);
            rows++;
        }
        const char *p = fixture(set, set ? "test.csv" : "train.csv", text);
        snprintf(set ? test_csv : train_csv, 1024, "%s", p);
    }
}

/* nnrt_main(m, {"linear", args...}) with stdout in *captured (malloc'ed);
 * stderr goes on to the test's */
static int run_main(const nnrt_model *m, const char *const *args, int argc, char **captured)
{
    char *argv[16];
    argv[0] = (char *)"linear";
    for (int i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    argv[argc + 1] = NULL;
    result r = run_main_captured(m, argc + 1, argv, fixture_dir());
    /* stdout, then stderr: a test that expects an error finds it there, and
       a passing run prints nothing that looks like a failure */
    size_t out_len = strlen(r.out), err_len = strlen(r.err);
    char *both = realloc(r.out, out_len + err_len + 1);
    ck_assert_ptr_nonnull(both);
    memcpy(both + out_len, r.err, err_len + 1);
    free(r.err);
    *captured = both;
    return r.status;
}

START_TEST(regression_learns_a_plane)
{
    write_sets();
    nnrt_model m = linear_model(NNRT_TASK_REGRESS);
    char dir[1100], curve[1200], *text;
    snprintf(dir, sizeof dir, "%s/runs/regress", fixture_dir());
    const char *args[] = { "train", "--out", dir, "--overwrite" };
    int status = run_main(&m, args, 4, &text);
    ck_assert_msg(status == 0, "status %d:\n%s", status, text);

    /* the epoch lines and the test line in the regression format */
    ck_assert_msg(strstr(text, "epoch 1/60  loss ") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "  mae ") && strstr(text, "  rmse ") &&
                      strstr(text, "  val_mae ") && strstr(text, "  val_rmse "),
                  "%s", text);
    ck_assert_ptr_null(strstr(text, "accuracy"));
    const char *t = strstr(text, "test: loss ");
    ck_assert_msg(t != NULL, "%s", text);
    double loss, mae, rmse;
    ck_assert_int_eq(sscanf(t, "test: loss %lf mae %lf rmse %lf\n", &loss, &mae, &rmse), 3);
    ck_assert_msg(mae < 0.05 && rmse < 0.05 && mae <= rmse, "test: mae %g rmse %g", mae, rmse);
    ck_assert_msg(fabs(rmse * rmse - loss) < 1e-3, "loss %g, rmse^2 %g", loss, rmse * rmse);

    snprintf(curve, sizeof curve, "%s/curve.csv", dir);
    char *csv = slurp(curve);
    const char header[] = "epoch,loss,mae,rmse,val_loss,val_mae,val_rmse\n";
    ck_assert_msg(strncmp(csv, header, sizeof header - 1) == 0, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n60,"));
    free(csv);

    /* eval reads the same weights back and prints the same line */
    char weights[1200], *eval_text;
    snprintf(weights, sizeof weights, "%s/weights", dir);
    const char *eval_args[] = { "eval", "--weights", weights };
    ck_assert_int_eq(run_main(&m, eval_args, 3, &eval_text), 0);
    ck_assert_msg(strncmp(eval_text, "test data: ", 11) == 0, "%s", eval_text);
    const char *et = strstr(eval_text, "test: loss ");   /* after the files it read */
    ck_assert_ptr_nonnull(et);
    size_t line = strcspn(t, "\n");   /* then each names its own folder's page */
    ck_assert_msg(strncmp(et, t, line + 1) == 0, "train: %.*s\neval: %s", (int)line, t, et);
    free(eval_text);

    /* gradcheck and steps fill m->target too */
    const char *gc_args[] = { "gradcheck" };
    char *gc_text;
    ck_assert_int_eq(run_main(&m, gc_args, 1, &gc_text), 0);
    ck_assert_msg(strstr(gc_text, "gradcheck: ok") != NULL, "%s", gc_text);
    free(gc_text);
    free(text);
}
END_TEST

START_TEST(classification_reads_labels_from_a_column)
{
    write_sets();
    nnrt_model m = linear_model(NNRT_TASK_CLASSIFY);
    char dir[1100], curve[1200], *text;
    snprintf(dir, sizeof dir, "%s/runs/classify", fixture_dir());
    const char *args[] = { "train", "--out", dir, "--overwrite", "--epochs", "30" };
    int status = run_main(&m, args, 6, &text);
    ck_assert_msg(status == 0, "status %d:\n%s", status, text);
    const char *t = strstr(text, "test: loss ");
    ck_assert_msg(t != NULL, "%s", text);
    double loss, accuracy;
    ck_assert_int_eq(sscanf(t, "test: loss %lf accuracy %lf\n", &loss, &accuracy), 2);
    ck_assert_msg(accuracy > 0.9, "test accuracy %g", accuracy);
    snprintf(curve, sizeof curve, "%s/curve.csv", dir);
    char *csv = slurp(curve);
    const char header[] = "epoch,loss,accuracy,val_loss,val_accuracy\n";
    ck_assert_msg(strncmp(csv, header, sizeof header - 1) == 0, "%s", csv);
    free(csv);
    free(text);
}
END_TEST

START_TEST(a_bad_label_stops_the_run_before_training)
{
    nnrt_model m = linear_model(NNRT_TASK_CLASSIFY);
    snprintf(train_csv, sizeof train_csv, "%s", fixture(0, "badlabel.csv", "a,b,label\n0,1,7\n"));
    snprintf(test_csv, sizeof test_csv, "%s", train_csv);
    char dir[1100], *text;
    snprintf(dir, sizeof dir, "%s/runs/badlabel", fixture_dir());
    const char *args[] = { "train", "--out", dir };
    ck_assert_int_eq(run_main(&m, args, 3, &text), 1);
    ck_assert_msg(strstr(text, "linear: error: ") && strstr(text, "badlabel.csv: line 2: column "
                  "'label': label 7; the model has 2 classes (0 to 1)"), "%s", text);
    free(text);
}
END_TEST

/* nnc check reads a CSV this machine has against `inputs` and `targets`,
 * and warns of a data file it has nowhere */
START_TEST(nnc_check_reads_the_files_it_can)
{
    const char *csv = fixture(0, "columns.csv", "a,b,y\n1,2,3\n4,5,6\n");
    char nn[1100], text[3000], cmd[2400], *out;
    snprintf(nn, sizeof nn, "%s/columns.nn", fixture_dir());
    snprintf(text, sizeof text,
             "model columns\n"
             "data {\n    train {\n        csv \"%s\"\n    }\n"
             "    test {\n        csv \"%s\"\n    }\n    inputs a c\n    targets y\n}\n"
             "network {\n    input 2\n    dense 1\n}\n"
             "train {\n    loss mse\n    optimizer sgd\n    batch 2\n}\n", csv, csv);
    write_text(nn, text);
    snprintf(cmd, sizeof cmd, "%s check %s", nnc_bin(), nn);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "columns.nn:4:13: error: ") &&
                      strstr(out, "columns.csv: no column 'c' (columns: a, b, y)"),
                  "%s", out);
    free(out);
    snprintf(text, sizeof text,
             "model columns\n"
             "data {\n    train {\n        csv \"nowhere-at-all.csv\"\n    }\n"
             "    test {\n        csv \"nowhere-at-all.csv\"\n    }\n    inputs a b\n"
             "    targets y\n}\n"
             "network {\n    input 2\n    dense 1\n}\n"
             "train {\n    loss mse\n    optimizer sgd\n    batch 2\n}\n");
    write_text(nn, text);
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s %s check %s", fixture_dir(), nnc_bin(), nn);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "columns.nn:4:13: warning: nowhere-at-all.csv: not "
                                             "found; looked in ") &&
                      strstr(out, "($NNC_DATA)") && !strstr(out, "columns.nn:7:13"),
                  "%s", out);   /* once, though the test names it too */
    free(out);
}
END_TEST

int main(void)
{
    keep_blas_core();   /* the runs through nnrt_main stay in this process */
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, good_file_loads_by_name_and_by_index);
    tcase_add_test(tc, labels_are_whole_numbers_in_range);
    tcase_add_test(tc, several_target_columns_are_class_probabilities);
    tcase_add_test(tc, errors_name_the_line_and_the_column);
    tcase_add_test(tc, a_nul_byte_is_an_error_at_its_line_and_column);
    tcase_add_test(tc, a_byte_order_mark_is_skipped);
    tcase_add_test(tc, lines_end_at_lf_crlf_or_a_lone_cr);
    tcase_add_test(tc, a_device_is_not_read);
    tcase_add_test(tc, a_missing_file_is_named);
    tcase_add_test(tc, relative_names_are_found_from_the_current_directory);
    tcase_add_test(tc, split_and_limit_views_share_the_rows);
    tcase_add_test(tc, regression_learns_a_plane);
    tcase_add_test(tc, classification_reads_labels_from_a_column);
    tcase_add_test(tc, a_bad_label_stops_the_run_before_training);
    tcase_add_test(tc, nnc_check_reads_the_files_it_can);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
