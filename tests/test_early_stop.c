/* test_early_stop.c: `early_stop patience N [monitor=M] [min_delta=D]`.
 * Every error the checker gives for it, to the letter; the field nnc
 * emits; the runtime's rule on made-up curves (when it stops, which epoch
 * it keeps); and a real trainer that overfits, stops, and leaves the best
 * epoch's weights in DIR/weights. */
#include <math.h>

#include "nnrt_internal.h"
#include "test_util.h"
#include "trainer_util.h"

/* ---- diagnostics ---------------------------------------------------------- */

/* MODEL_HEAD's data (no validation split) and network, then train lines. */
#define NETWORK                                                 \
    "network {\n"                                               \
    "    input 4\n"                                             \
    "    dense 2 softmax\n"                                     \
    "}\n"
#define TRAIN_WITH(line)                                        \
    "train {\n"                                                 \
    "    loss cross_entropy\n"                                  \
    "    optimizer adam lr=0.001\n"                             \
    "    " line "\n"                                            \
    "}\n"

/* A CSV regression with a validation split; `line` goes in its train block. */
#define REGRESSION(line)                                        \
    "model r\n"                                                 \
    "data {\n"                                                  \
    "    train {\n"                                             \
    "        csv \"a.csv\"\n"                                   \
    "    }\n"                                                   \
    "    test {\n"                                              \
    "        csv \"b.csv\"\n"                                   \
    "    }\n"                                                   \
    "    inputs x y\n"                                          \
    "    targets z\n"                                           \
    "    validation 10%\n"                                      \
    "}\n"                                                       \
    "network {\n"                                               \
    "    input 2\n"                                             \
    "    dense 1\n"                                             \
    "}\n"                                                       \
    "train {\n"                                                 \
    "    loss mse\n"                                            \
    "    optimizer sgd\n"                                       \
    "    " line "\n"                                            \
    "}\n"

typedef struct Case {
    const char *name;
    const char *source;
    const char *expected;
} Case;

static const Case CASES[] = {
    {
        "no_patience",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop"),
        "t.nn:19:5: error: 'early_stop' needs 'patience N', as in 'early_stop patience 5'\n"
        "   19 |     early_stop\n"
        "      |     ^~~~~~~~~~\n",
    },
    {
        "number_alone",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop 5"),
        "t.nn:19:5: error: 'early_stop' needs 'patience N', as in 'early_stop patience 5'\n"
        "   19 |     early_stop 5\n"
        "      |     ^~~~~~~~~~~~\n",
    },
    {
        "other_word",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop wait 5 monitor=loss"),
        "t.nn:19:16: error: early_stop takes 'patience N' first, not 'wait'\n"
        "   19 |     early_stop wait 5 monitor=loss\n"
        "      |                ^~~~\n",
    },
    {
        "patience_zero",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 0 monitor=loss"),
        "t.nn:19:25: error: patience must be between 1 and 1000000, got 0\n"
        "   19 |     early_stop patience 0 monitor=loss\n"
        "      |                         ^\n",
    },
    {
        "patience_fraction",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience=2.5 monitor=loss"),
        "t.nn:19:25: error: patience must be a whole number, not the fraction '2.5'\n"
        "   19 |     early_stop patience=2.5 monitor=loss\n"
        "      |                         ^~~\n",
    },
    {
        "patience_twice",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 patience=3 monitor=loss"),
        "t.nn:19:16: error: too many arguments to 'early_stop'\n"
        "   19 |     early_stop patience 3 patience=3 monitor=loss\n"
        "      |                ^~~~~~~~\n",
    },
    {
        "unknown_monitor",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=los"),
        "t.nn:19:35: error: unknown monitor 'los'\n"
        "   19 |     early_stop patience 3 monitor=los\n"
        "      |                                   ^~~\n"
        "      = did you mean 'loss'?\n",
    },
    {
        "monitor_not_a_word",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=\"loss\""),
        "t.nn:19:35: error: monitor must be a name, not a string 'loss'\n"
        "   19 |     early_stop patience 3 monitor=\"loss\"\n"
        "      |                                   ^~~~~~\n",
    },
    {
        "negative_min_delta",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=loss min_delta=-0.1"),
        "t.nn:19:50: error: min_delta must be at least 0 and at most 1e+06, got -0.1\n"
        "   19 |     early_stop patience 3 monitor=loss min_delta=-0.1\n"
        "      |                                                  ^~~~\n",
    },
    {
        "unknown_option",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=loss restore=no"),
        "t.nn:19:40: error: 'early_stop' takes no option 'restore'\n"
        "   19 |     early_stop patience 3 monitor=loss restore=no\n"
        "      |                                        ^~~~~~~\n",
    },
    {
        "given_twice",
        MODEL_HEAD NETWORK
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam lr=0.001\n"
        "    early_stop patience 3 monitor=loss\n"
        "    early_stop patience 4 monitor=loss\n"
        "}\n",
        "t.nn:20:5: error: 'early_stop' given twice\n"
        "   20 |     early_stop patience 4 monitor=loss\n"
        "      |     ^~~~~~~~~~\n"
        "      = first given at line 19\n",
    },
    {
        "val_loss_without_validation",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3"),
        "t.nn:19:5: error: early_stop monitors val_loss, but the data has no validation split\n"
        "   19 |     early_stop patience 3\n"
        "      |     ^~~~~~~~~~~~~~~~~~~~~\n"
        "      = add 'validation 10%' to the data block, or monitor=loss\n",
    },
    {
        "val_accuracy_without_validation",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=val_accuracy"),
        "t.nn:19:35: error: early_stop monitors val_accuracy, but the data has no validation "
        "split\n"
        "   19 |     early_stop patience 3 monitor=val_accuracy\n"
        "      |                                   ^~~~~~~~~~~~\n"
        "      = add 'validation 10%' to the data block, or monitor=accuracy\n",
    },
    {
        "mae_of_a_classifier",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience 3 monitor=mae"),
        "t.nn:19:35: error: early_stop monitors mae, a regression's metric, but this model "
        "classifies\n"
        "   19 |     early_stop patience 3 monitor=mae\n"
        "      |                                   ^~~\n"
        "      = monitor loss or accuracy (or val_loss, val_accuracy)\n",
    },
    {
        "accuracy_of_a_regression",
        REGRESSION("early_stop patience 3 monitor=val_accuracy"),
        "t.nn:20:35: error: early_stop monitors val_accuracy, but a regression has no accuracy\n"
        "   20 |     early_stop patience 3 monitor=val_accuracy\n"
        "      |                                   ^~~~~~~~~~~~\n"
        "      = monitor loss, mae or rmse (or val_loss, val_mae, val_rmse)\n",
    },
    {
        "both_forms_are_fine",
        MODEL_HEAD NETWORK TRAIN_WITH("early_stop patience=3 monitor=accuracy min_delta=0.01"),
        "",
    },
    {
        "regression_metrics_are_fine",
        REGRESSION("early_stop patience 3 monitor=val_rmse"),
        "",
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

START_TEST(emits_the_model_field)
{
    char *c = emit_text(MODEL_HEAD NETWORK
                        TRAIN_WITH("early_stop patience 4 monitor=accuracy min_delta=0.002"));
    ck_assert_msg(strstr(c, "    .early_stop = {   /* early_stop patience 4 min_delta=0.002 monitor=accuracy */\n"
                            "        .patience = 4,\n"
                            "        .monitor = NNRT_MONITOR_ACCURACY,\n"
                            "        .min_delta = 0.002f,\n"
                            "    },\n") != NULL, "%s", c);
    free(c);
    /* the default monitor is named; a min_delta of 0 is left out */
    c = emit_text(REGRESSION("early_stop patience=2"));
    ck_assert_msg(strstr(c, "        .patience = 2,\n"
                            "        .monitor = NNRT_MONITOR_VAL_LOSS,\n"
                            "    },\n") != NULL, "%s", c);
    free(c);
    /* no statement, no field */
    c = emit_text(MODEL_HEAD NETWORK MODEL_TRAIN);
    ck_assert_ptr_null(strstr(c, ".early_stop"));
    free(c);
}
END_TEST

/* ---- the rule, on made-up curves ------------------------------------------ */

static float tensor[2];
static const nnrt_param PARAM = { .name = "w", .ndims = 1, .dims = { 2 }, .size = 2, .value = tensor, .grad = 0,
      .init = NNRT_INIT_ZEROS, .fan_in = 1, .fan_out = 1 };

typedef struct Curve {
    nnrt_early_stop rule;
    double values[12];          /* the monitored column, epoch by epoch */
    int n;
    int stop_after;             /* the epoch after which it stops; 0: never */
    int best_epoch;
} Curve;

static const Curve CURVES[] = {
    /* a loss: falls to its best at epoch 3, then 2 epochs without improving */
    { { 2, NNRT_MONITOR_VAL_LOSS, 0 }, { 0.9, 0.7, 0.5, 0.6, 0.55, 0.4 }, 6, 5, 3 },
    /* an equal value is no improvement */
    { { 2, NNRT_MONITOR_LOSS, 0 }, { 0.9, 0.5, 0.5, 0.5 }, 4, 4, 2 },
    /* an accuracy rises; min_delta 0.01 asks for more than 0.005 */
    { { 2, NNRT_MONITOR_VAL_ACCURACY, 0.01f }, { 0.5, 0.8, 0.805, 0.809, 0.9 }, 5, 4, 2 },
    /* improvements in time keep it going to the end */
    { { 2, NNRT_MONITOR_ACCURACY, 0 }, { 0.1, 0.2, 0.2, 0.3, 0.3, 0.4 }, 6, 0, 6 },
    /* a NaN never improves */
    { { 1, NNRT_MONITOR_VAL_RMSE, 0 }, { 1.0, NAN, 0.5 }, 3, 2, 1 },
    /* patience 1: the first epoch without improvement stops it */
    { { 1, NNRT_MONITOR_MAE, 0 }, { 3, 2, 1, 1.5 }, 4, 4, 3 },
};

START_TEST(stops_by_the_rule)
{
    const Curve *cv = &CURVES[_i];
    nnrt_model m = { .name = "m", .n_params = 1, .params = &PARAM, .early_stop = cv->rule };
    nnrt_early_stopping es;
    ck_assert_int_eq(nnrt_early_start(&es, &m), 0);
    int stopped = 0;
    for (int e = 0; e < cv->n && !stopped; e++) {
        nnrt_epoch_stats s = { .epoch = e + 1 };
        double v = cv->values[e];
        s.loss = s.val_loss = s.accuracy = s.val_accuracy = s.mae = s.val_mae = s.rmse =
            s.val_rmse = v;
        tensor[0] = (float)(e + 1);   /* the weights say which epoch they are from */
        stopped = nnrt_early_epoch_end(&es, &m, &s);
        ck_assert_int_eq(stopped, nnrt_early_stopped(&es));
        if (stopped)
            ck_assert_int_eq(e + 1, cv->stop_after);
    }
    ck_assert_msg(stopped == (cv->stop_after > 0), "curve %d: stopped %d", _i, stopped);
    ck_assert_int_eq(es.best_epoch, cv->best_epoch);
    nnrt_early_restore(&es, &m);
    ck_assert_float_eq(tensor[0], (float)cv->best_epoch);
    nnrt_early_free(&es);
}
END_TEST

START_TEST(names_and_needs)
{
    ck_assert_str_eq(nnrt_monitor_name(NNRT_MONITOR_VAL_LOSS), "val_loss");
    ck_assert_str_eq(nnrt_monitor_name(NNRT_MONITOR_RMSE), "rmse");
    ck_assert(nnrt_monitor_needs_val(NNRT_MONITOR_VAL_ACCURACY));
    ck_assert(!nnrt_monitor_needs_val(NNRT_MONITOR_ACCURACY));
    /* the compiler's words are the runtime's, in the same order */
    for (int k = 0; k <= NNRT_MONITOR_RMSE; k++)
        ck_assert_str_eq(monitor_name(k), nnrt_monitor_name((nnrt_monitor)k));
    /* no early stopping: nothing allocated, never stops */
    nnrt_model m = { .name = "m", .n_params = 1, .params = &PARAM };
    nnrt_early_stopping es;
    ck_assert_int_eq(nnrt_early_start(&es, &m), 0);
    ck_assert_ptr_null(es.best_values);
    nnrt_epoch_stats s = { .epoch = 1, .val_loss = NAN };
    for (int e = 0; e < 5; e++)
        ck_assert_int_eq(nnrt_early_epoch_end(&es, &m, &s), 0);
    nnrt_early_free(&es);
}
END_TEST

/* ---- end to end: a model that overfits ------------------------------------ */

/* run_cmd's output, exit status in *status.  Not inlined: gcc 12 then
 * mistakes the output for a dangling stack pointer. */
__attribute__((noinline)) static char *output_of(const char *cmd, int *status)
{
    char *out;
    *status = run_cmd(cmd, &out);
    return out;
}

enum { N_SAMPLES = 200, SIDE = 6 };

/* 6x6 images of 2 classes (the brighter half), faint, with a quarter of
 * the labels wrong: 120 training images that 128 hidden units soon learn by
 * heart, so the validation loss turns up after a few epochs. */
static void write_fixtures(const char *dir)
{
    uint8_t pixels[N_SAMPLES * SIDE * SIDE], labels[N_SAMPLES];
    uint32_t s = 777;
    for (int i = 0; i < N_SAMPLES; i++) {
        s = s * 1664525u + 1013904223u;
        int cls = (s >> 24) & 1;
        s = s * 1664525u + 1013904223u;
        labels[i] = (uint8_t)((s >> 24) % 4 ? cls : 1 - cls);
        for (int p = 0; p < SIDE * SIDE; p++) {
            s = s * 1664525u + 1013904223u;
            int base = (p % SIDE < SIDE / 2) == cls ? 135 : 115;
            pixels[i * SIDE * SIDE + p] = (uint8_t)(base + (int)(s >> 26) - 32);
        }
    }
    char path[1024];
    int idims[3] = { N_SAMPLES, SIDE, SIDE }, ldims[1] = { N_SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);
}

static char work[512], exe[600];

/* Once, before the tests (in Check's parent process): data and trainer. */
static void build_overfitter(void)
{
    char nn[700], text[4096];
    snprintf(work, sizeof work, "%s/early_stop", tmp_dir());
    fresh_dir("%s", work);
    write_fixtures(work);
    snprintf(nn, sizeof nn, "%s/overfit.nn", work);
    snprintf(text, sizeof text,
             "model overfit\n"
             "data {\n"
             "    train {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
             "    test {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
             "    validation 40%%\n"
             "    scale 1/255\n"
             "}\n"
             "network {\n    input 6x6\n    flatten\n    dense 128 relu\n    dense 2 softmax\n}\n"
             "train {\n"
             "    loss cross_entropy\n"
             "    optimizer adam lr=0.01\n"
             "    batch 8\n"
             "    epochs 60\n"
             "    early_stop patience 3\n"
             "}\n",
             work, work, work, work);
    write_text(nn, text);
    snprintf(exe, sizeof exe, "%s/overfit", work);
    build_trainer(nn, exe);
}

/* The rows of DIR/curve.csv: their val_loss column into v (up to max). */
static int val_losses(const char *dir, double *v, int max)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *text = slurp(path);
    ck_assert_msg(strncmp(text, "epoch,loss,accuracy,val_loss,val_accuracy\n", 42) == 0, "%s",
                  text);
    int n = 0;
    for (char *line = strchr(text, '\n'); line && line[1] && n < max; line = strchr(line + 1, '\n')) {
        int epoch;
        double loss, acc;
        ck_assert_int_eq(sscanf(line + 1, "%d,%lf,%lf,%lf", &epoch, &loss, &acc, &v[n]), 4);
        ck_assert_int_eq(epoch, n + 1);
        n++;
    }
    free(text);
    return n;
}

START_TEST(stops_and_restores_the_best_weights)
{
    char cmd[2048], dir[1024], *out;
    snprintf(dir, sizeof dir, "%s/run", work);
    snprintf(cmd, sizeof cmd, "%s train --out %s", exe, dir);
    int status;
    out = output_of(cmd, &status);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);

    /* it stopped well before its 60 epochs, 3 after its best, and said so */
    const char *said = strstr(out, "early stop after epoch ");
    ck_assert_msg(said != NULL, "%s", out);
    int stopped, best, waited;
    double best_loss;
    ck_assert_int_eq(sscanf(said, "early stop after epoch %d: val_loss has not improved for %d "
                                  "epochs\nearly stop: restored the weights of epoch %d, the "
                                  "best val_loss (%lf)\ntest: ",
                            &stopped, &waited, &best, &best_loss), 4);
    ck_assert_int_eq(waited, 3);
    ck_assert_int_eq(best, stopped - 3);
    ck_assert_msg(stopped < 30, "stopped after epoch %d of 60", stopped);
    ck_assert_msg(best >= 2, "best epoch %d: the loss should fall first", best);

    /* the curve has a row per epoch run; the best is its lowest val_loss */
    double v[64];
    ck_assert_int_eq(val_losses(dir, v, 64), stopped);
    for (int e = 0; e < stopped; e++)
        ck_assert_msg(e + 1 == best ? fabs(v[e] - best_loss) < 5e-5 : v[e] > v[best - 1],
                      "epoch %d val_loss %f, best %d %f", e + 1, v[e], best, v[best - 1]);

    /* DIR/weights are epoch `best`'s: a run of `best` epochs ends with the same bytes */
    char ref[1024], a[1100], b[1100];
    snprintf(ref, sizeof ref, "%s/run_best", work);
    snprintf(cmd, sizeof cmd, "%s train --epochs %d --out %s", exe, best, ref);
    char *ref_out;
    ck_assert_int_eq(run_cmd(cmd, &ref_out), 0);
    ck_assert_ptr_null(strstr(ref_out, "early stop after"));
    snprintf(a, sizeof a, "%s/weights", dir);
    snprintf(b, sizeof b, "%s/weights", ref);
    ck_assert_uint_eq(file_size(a), file_size(b));
    char *wa = slurp(a), *wb = slurp(b);
    ck_assert_msg(memcmp(wa, wb, file_size(a)) == 0, "DIR/weights are not epoch %d's", best);
    free(wa);
    free(wb);
    free(ref_out);

    /* and the test line was measured on them: eval says the same */
    const char *test = strstr(out, "test: loss ");
    ck_assert_ptr_nonnull(test);
    char line[128];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(test, "\n") + 1, test);
    snprintf(cmd, sizeof cmd, "%s eval --weights %s", exe, a);
    char *eval_out = output_of(cmd, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_msg(strstr(eval_out, line) != NULL, "train said %seval said\n%s", line, eval_out);
    free(eval_out);
    free(out);
}
END_TEST

START_TEST(a_resumed_stopped_run_stays_stopped)
{
    /* resuming after the stop (a kill before the test line): no more
     * epochs, the same weights, the same lines at the end */
    char cmd[2048], dir[1024], *first, *again;
    snprintf(dir, sizeof dir, "%s/stays", work);
    snprintf(cmd, sizeof cmd, "%s train --out %s", exe, dir);
    int status;
    first = output_of(cmd, &status);
    ck_assert_int_eq(status, 0);
    char path[1100];
    snprintf(path, sizeof path, "%s/weights", dir);
    char *w = slurp(path);
    size_t len = file_size(path);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --epochs 60", exe, dir);
    again = output_of(cmd, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_null(strstr(again, "\nepoch "));
    ck_assert_str_eq(strstr(again, "early stop after"), strstr(first, "early stop after"));
    char *w2 = slurp(path);
    ck_assert_uint_eq(file_size(path), len);
    ck_assert_int_eq(memcmp(w, w2, len), 0);
    free(w);
    free(w2);
    free(first);
    free(again);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("early_stop");
    TCase *tc = tcase_create("diagnostics");
    tcase_add_loop_test(tc, reports_exactly, 0, (int)(sizeof CASES / sizeof CASES[0]));
    tcase_add_test(tc, emits_the_model_field);
    suite_add_tcase(s, tc);
    tc = tcase_create("rule");
    tcase_add_loop_test(tc, stops_by_the_rule, 0, (int)(sizeof CURVES / sizeof CURVES[0]));
    tcase_add_test(tc, names_and_needs);
    suite_add_tcase(s, tc);
    tc = tcase_create("end to end");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, build_overfitter, NULL);
    tcase_add_test(tc, stops_and_restores_the_best_weights);
    tcase_add_test(tc, a_resumed_stopped_run_stays_stopped);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
