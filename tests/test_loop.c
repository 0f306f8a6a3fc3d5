/* test_loop.c: the loops that update the weights, run through nnrt_main
 * on the tiny model and IDX files written under $NNC_TMP/loop: train (it
 * learns, logs every epoch and curve.csv, is the same bytes for the same
 * seed, applies --limit before the validation split, reports the penalty
 * in every loss, follows its schedule, plateau's included) and eval after
 * it; steps (the first batches in file order, checked against the same
 * updates done by hand, and its schedule per update). */
#define SUITE_DIR "loop"
#include "tiny_model.h"

/* train m into runs/NAME (with --lr lr unless NULL); the captured result */
static result train_model(const nnrt_model *m, const char *name, const char *seed,
                          const char *epochs, const char *lr)
{
    char dir[1200];
    out_dir(dir, sizeof dir, name);
    const char *args[] = { "train", "--epochs", epochs, "--seed", seed, "--out", dir,
                           "--overwrite", lr ? "--lr" : NULL, lr, NULL };
    return run_main(m, args);
}

/* train the tiny model into runs/NAME; the captured result */
static result train(const char *name, const char *seed, const char *epochs)
{
    nnrt_model m = tiny_model();
    return train_model(&m, name, seed, epochs, NULL);
}

static double test_line(const char *out, double *loss)
{
    const char *t = strstr(out, "\ntest: loss ");
    ck_assert_msg(t != NULL, "no test line in:\n%s", out);
    double l, acc;
    ck_assert_int_eq(sscanf(t, "\ntest: loss %lf accuracy %lf\n", &l, &acc), 2);
    if (loss)
        *loss = l;
    return acc;
}

START_TEST(training_learns_and_logs_every_epoch)
{
    result r = train("learn", "3", "6");
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_str_eq(r.err, "");
    ck_assert_msg(starts_with(r.out, "tiny: 240 training samples, 60 validation, 90 test; "
                                     "batch 16, 15 steps per epoch; writing "),
                  "%s", r.out);
    ck_assert_ptr_null(strchr(r.out, '\r'));   /* not a terminal: no bar */

    /* one plain line per epoch, loss going down */
    double first_loss = 0, loss = 0, acc, val_loss, val_acc, seconds;
    const char *line = r.out;
    for (int e = 1; e <= 6; e++) {
        char head[32];
        snprintf(head, sizeof head, "\nepoch %d/6  loss ", e);
        line = strstr(line, head);
        ck_assert_msg(line != NULL, "no epoch %d line in:\n%s", e, r.out);
        char end;
        ck_assert_int_eq(sscanf(line + strlen(head), "%lf  accuracy %lf  val_loss %lf  "
                                                     "val_accuracy %lf  %lfs%c",
                                &loss, &acc, &val_loss, &val_acc, &seconds, &end), 6);
        ck_assert_int_eq(end, '\n');
        if (e == 1)
            first_loss = loss;
        line++;
    }
    ck_assert_msg(loss < 0.5 * first_loss, "loss %.4f after 6 epochs, %.4f after 1", loss,
                  first_loss);
    ck_assert_msg(val_acc > 0.9, "val accuracy %.4f", val_acc);
    double test_loss, test_acc = test_line(r.out, &test_loss);
    ck_assert_msg(test_acc > 0.9, "test accuracy %.4f", test_acc);
    /* the test line, exactly so, then the metrics (test_metrics.c) */
    char last[64];
    snprintf(last, sizeof last, "test: loss %.4f accuracy %.4f\n", test_loss, test_acc);
    const char *test_at = strstr(r.out, last);
    ck_assert_msg(test_at && strncmp(test_at + strlen(last), "accuracy ", 9) == 0, "%s", r.out);
    char *report = strdup(test_at);

    char path[1300];
    char dir[1200];
    out_dir(dir, sizeof dir, "learn");
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *curve = slurp_len(path, NULL);
    ck_assert_msg(strncmp(curve, "epoch,loss,accuracy,val_loss,val_accuracy\n", 42) == 0,
                  "%s", curve);
    int rows = 0;
    for (const char *c = curve + 42; *c; c++)
        rows += *c == '\n';
    ck_assert_int_eq(rows, 6);
    double csv_loss;
    int epoch;
    const char *row6 = strstr(curve, "\n6,");
    ck_assert_ptr_nonnull(row6);
    ck_assert_int_eq(sscanf(row6, "\n%d,%lf,", &epoch, &csv_loss), 2);
    ck_assert_double_eq_tol(csv_loss, loss, 5e-5);   /* the line rounds to 4 places */
    free(curve);
    snprintf(path, sizeof path, "%s/weights", dir);
    ck_assert(path_exists(path));
    result_free(&r);

    /* eval with those weights says what train said */
    nnrt_model m = tiny_model();
    const char *args[] = { "eval", "--out", dir, NULL };
    result e = run_main(&m, args);
    ck_assert_msg(e.status == 0, "%s", e.err);
    ck_assert_ptr_nonnull(strstr(e.out, "test: loss "));   /* after "test data: FILES" */
    ck_assert_str_eq(strstr(e.out, "test: loss "), report);
    free(report);
    result_free(&e);
}
END_TEST

/* DIR/curve.csv, whole: the wall times are in times.csv */
static char *run_curve(const char *dir)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    return slurp_len(path, NULL);
}

static char *weights_of(const char *name, size_t *len)
{
    char dir[1200], path[1300];
    out_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/weights", dir);
    return slurp_len(path, len);
}

START_TEST(same_seed_same_bytes)
{
    const char *names[] = { "seed-a", "seed-b", "seed-c" }, *seeds[] = { "11", "11", "12" };
    char *w[3], *curve[3], dir[1200];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
        result r = train(names[i], seeds[i], "3");
        ck_assert_msg(r.status == 0, "%s", r.err);
        result_free(&r);
        w[i] = weights_of(names[i], &len[i]);
        out_dir(dir, sizeof dir, names[i]);
        curve[i] = run_curve(dir);
    }
    ck_assert_uint_eq(len[0], 120);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w[0], w[1], len[0]);
    ck_assert_str_eq(curve[0], curve[1]);
    ck_assert_msg(memcmp(w[0], w[2], len[0]) != 0, "seeds 11 and 12 gave the same weights");
    ck_assert_str_ne(curve[0], curve[2]);
    ck_assert_ptr_nonnull(strstr(curve[0], "\n3,"));
    for (int i = 0; i < 3; i++) {
        free(w[i]);
        free(curve[i]);
    }
}
END_TEST

START_TEST(dropout_draws_change_nothing_else)
{
    /* a forward that draws from its generator while training (as dropout
     * does) but whose output does not depend on the draws: if dropout had
     * its own stream, shuffling and init see the same numbers and the
     * weights come out the same, byte for byte */
    char *w[2];
    size_t len[2];
    for (int run = 0; run < 2; run++) {
        draws_while_training = run;
        const char *name = run ? "dropout-1" : "dropout-0";
        result r = train(name, "5", "2");
        ck_assert_msg(r.status == 0, "%s", r.err);
        result_free(&r);
        w[run] = weights_of(name, &len[run]);
    }
    ck_assert_int_gt(draws, 0);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w[0], w[1], len[0]);
    free(w[0]);
    free(w[1]);
}
END_TEST

START_TEST(limit_applies_before_the_split)
{
    char dir[1200];
    out_dir(dir, sizeof dir, "limit");
    nnrt_model m = tiny_model();
    const char *args[] = { "train", "--limit", "50", "--epochs", "1", "--batch", "7",
                           "--out", dir, "--overwrite", NULL };
    result r = run_main(&m, args);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(starts_with(r.out, "tiny: 40 training samples, 10 validation, 90 test; "
                                     "batch 7, 6 steps per epoch;"),
                  "%s", r.out);
    /* 5 batches of 7 and the partial one of 5, trained on too */
    ck_assert_int_eq(rows_trained, 40);
    ck_assert_int_eq(training_calls, 6);
    ck_assert_int_eq(last_training_rows, 5);
    result_free(&r);
}
END_TEST

/* The rows of runs/NAME/curve.csv: loss and val_loss of epochs 1..n */
static void curve_losses(const char *name, int n, double *loss, double *val_loss)
{
    char dir[1200], path[1300];
    out_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *text = slurp_len(path, NULL);
    const char *row = strchr(text, '\n');
    for (int e = 0; e < n; e++) {
        int epoch;
        double acc;
        ck_assert_msg(row && sscanf(row, "\n%d,%lf,%lf,%lf,", &epoch, &loss[e], &acc,
                                    &val_loss[e]) == 4 && epoch == e + 1,
                      "row %d of %s:\n%s", e + 1, path, text);
        row = strchr(row + 1, '\n');
    }
    free(text);
}

START_TEST(penalty_is_added_to_every_reported_loss)
{
    /* a penalty of constant 0.25 has no gradient: training runs exactly as
     * without it, and every loss it reports is 0.25 higher */
    nnrt_model plain = tiny_model(), penalized = tiny_model();
    penalized.penalty = tiny_penalty;
    penalty_offset = 0.25;
    result a = train_model(&plain, "penalty-0", "4", "2", NULL);
    result b = train_model(&penalized, "penalty-1", "4", "2", NULL);
    ck_assert_msg(a.status == 0 && b.status == 0, "%s%s", a.err, b.err);
    double loss[2][2], val[2][2];
    curve_losses("penalty-0", 2, loss[0], val[0]);
    curve_losses("penalty-1", 2, loss[1], val[1]);
    for (int e = 0; e < 2; e++) {
        ck_assert_double_eq_tol(loss[1][e] - loss[0][e], 0.25, 2e-6);
        ck_assert_double_eq_tol(val[1][e] - val[0][e], 0.25, 2e-6);
    }
    double test_a, test_b;
    ck_assert_double_eq(test_line(a.out, &test_a), test_line(b.out, &test_b));
    ck_assert_double_eq_tol(test_b - test_a, 0.25, 1.5e-4);
    size_t len[2];
    char *w0 = weights_of("penalty-0", &len[0]), *w1 = weights_of("penalty-1", &len[1]);
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_mem_eq(w0, w1, len[0]);
    free(w0);
    free(w1);
    result_free(&a);
    result_free(&b);

    /* eval reports it too */
    char dir[1200];
    out_dir(dir, sizeof dir, "penalty-1");
    result e = run_main(&penalized, (const char *[]){ "eval", "--out", dir, NULL });
    ck_assert_msg(e.status == 0, "%s", e.err);
    double eval_loss, eval_acc;
    const char *test_line = strstr(e.out, "test: loss ");
    ck_assert_ptr_nonnull(test_line);
    ck_assert_int_eq(sscanf(test_line, "test: loss %lf accuracy %lf\n", &eval_loss, &eval_acc), 2);
    ck_assert_double_eq(eval_loss, test_b);
    result_free(&e);
}
END_TEST

START_TEST(plateau_lowers_the_rate_in_train_and_says_so)
{
    /* at lr 1e-9 nothing moves: epoch 1 sets the best, 2 and 3 do not beat
     * it, so with patience 2 the rate halves after epoch 3, and again after 5 */
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_PLATEAU, .factor = 0.5f, .patience = 2 };
    for (int split = 0; split < 2; split++) {
        m.validation = split ? 0.2 : 0;   /* without a split, the training loss is watched */
        result r = train_model(&m, "plateau", "3", "5", "1e-9");
        ck_assert_msg(r.status == 0, "%s", r.err);
        const char *at3 = strstr(r.out, "\nepoch 3/5  loss ");
        const char *at5 = strstr(r.out, "\nepoch 5/5  loss ");
        ck_assert_msg(at3 && at5, "%s", r.out);
        ck_assert_msg(starts_with(strchr(at3 + 1, '\n'), "\nepoch 3: learning rate 1e-09 -> 5e-10\n"
                                                         "epoch 4/5  loss "),
                      "%s", r.out);
        /* then the diagnosis (report.c), then the test line */
        ck_assert_msg(starts_with(strchr(at5 + 1, '\n'), "\nepoch 5: learning rate 5e-10 -> "
                                                         "2.5e-10\nbest epoch: "),
                      "%s", r.out);
        int changes = 0;
        /* ": learning rate": the diagnosis's advice may name it too */
        for (const char *c = r.out; (c = strstr(c, ": learning rate ")); c++)
            changes++;
        ck_assert_int_eq(changes, 2);
        result_free(&r);
    }
    /* while the loss falls, nothing changes */
    m.validation = 0.2;
    result r = train_model(&m, "plateau-learning", "3", "4", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, ": learning rate ") == NULL, "%s", r.out);
    result_free(&r);
}
END_TEST

START_TEST(step_schedule_applies_per_epoch_in_train)
{
    /* factor 1e-30 every epoch: the first epoch trains, later ones cannot
     * move a weight, so val_loss stays where epoch 1 left it */
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_STEP, .factor = 1e-30f, .every = 1 };
    result r = train_model(&m, "step-schedule", "6", "3", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    result_free(&r);
    double loss[3], val[3];
    curve_losses("step-schedule", 3, loss, val);
    ck_assert_double_eq(val[1], val[0]);
    ck_assert_double_eq(val[2], val[0]);
    /* the same without the schedule keeps learning */
    r = train("step-none", "6", "3");
    ck_assert_msg(r.status == 0, "%s", r.err);
    result_free(&r);
    double loss2[3], val2[3];
    curve_losses("step-none", 3, loss2, val2);
    ck_assert_double_eq(val2[0], val[0]);   /* epoch 1 is the same run */
    ck_assert_double_ne(val2[2], val2[0]);
}
END_TEST

START_TEST(steps_runs_batches_in_file_order)
{
    /* with an L2 penalty, so the losses and the updates both include it */
    nnrt_model m = tiny_model();
    m.penalty = tiny_penalty;
    l2 = 0.01;
    char start[1100];
    path_in(start, sizeof start, "steps-start.weights");
    unlink(start);
    double got[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", "--weights-out", start, NULL }, got),
                     3);

    /* the weights saved are the seed's (the model's seed, 1), before any update */
    nnrt_error err;
    ck_assert_msg(nnrt_weights_load(&m, start, &err) == 0, "%s", err.msg);
    float w0[IN * K];
    memcpy(w0, W, sizeof W);
    nnrt_rng init;
    nnrt_rng_stream(&init, 1, NNRT_STREAM_INIT);
    nnrt_params_init(&m, &init);
    ck_assert_mem_eq(w0, W, sizeof W);

    /* the same by hand: samples 16k .. 16k+15 of the training part, loss
     * (mean + penalty) before each update */
    nnrt_dataset all = load_train(), train_part, val;
    nnrt_dataset_split(&all, m.validation, &train_part, &val);
    int order[3 * BATCH], y[BATCH];
    for (int i = 0; i < 3 * BATCH; i++)
        order[i] = i;
    nnrt_optim_state st;
    ck_assert_int_eq(nnrt_optim_init(&st, &m, m.optimizer), 0);
    for (int k = 0; k < 3; k++) {
        nnrt_batch_fill(&train_part, order, k * BATCH, BATCH, m.scale, nnrt_replica0(&m)->x, y);
        tiny_forward(nnrt_replica0(&m), BATCH, 1, NULL);
        double want = tiny_loss(nnrt_replica0(&m), BATCH, y) / BATCH + tiny_penalty();
        ck_assert_msg(fabs(got[k] - want) <= 6e-7, "step %d: printed %.6f, by hand %.6f", k + 1,
                      got[k], want);
        tiny_backward(nnrt_replica0(&m), BATCH);
        nnrt_optim_step(&st, &m);
    }
    nnrt_optim_free(&st);
    nnrt_dataset_free(&all);

    /* --weights-in starts from the file whatever the seed; --seed alone
     * moves the start; --lr changes step 2 on, never step 1 */
    double again[16], seeded[16], faster[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", "--weights-in", start, "--seed", "7",
                                                        NULL }, again), 3);
    ck_assert_mem_eq(again, got, 3 * sizeof *got);
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "1", "--seed", "7", NULL }, seeded), 1);
    ck_assert_double_ne(seeded[0], got[0]);
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--lr=0.5", NULL }, faster), 2);
    ck_assert_double_eq(faster[0], got[0]);
    ck_assert_double_ne(faster[1], got[1]);
    /* a batch of 1: the first sample alone */
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--batch", "1", NULL }, faster), 2);
    ck_assert_double_ne(faster[0], got[0]);
}
END_TEST

START_TEST(steps_follows_the_schedule_per_update)
{
    /* exponential, factor 1e-30 per update: update 1 at the full rate,
     * update 2 at ~0.  So the loss before update 3 is the one before
     * update 2 would be with update 2 left out: steps 1, 2 agree with a
     * constant rate, step 3 does not. */
    nnrt_model m = tiny_model();
    double constant[16], decayed[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", NULL }, constant), 3);
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_EXPONENTIAL, .factor = 1e-30f,
                                  .every = 1 };
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "3", NULL }, decayed), 3);
    ck_assert_double_eq(decayed[0], constant[0]);
    ck_assert_double_eq(decayed[1], constant[1]);
    ck_assert_double_ne(decayed[2], constant[2]);
}
END_TEST

int main(void)
{
    /* nnrt_main checks OpenBLAS's core and may re-exec; the runs below must
     * stay in this process, so the core it has is declared the chosen one */
    keep_blas_core();

    Suite *s = suite_create("loop");
    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_checked_fixture(runs, setup, NULL);
    tcase_add_test(runs, training_learns_and_logs_every_epoch);
    tcase_add_test(runs, same_seed_same_bytes);
    tcase_add_test(runs, dropout_draws_change_nothing_else);
    tcase_add_test(runs, limit_applies_before_the_split);
    tcase_add_test(runs, penalty_is_added_to_every_reported_loss);
    tcase_add_test(runs, plateau_lowers_the_rate_in_train_and_says_so);
    tcase_add_test(runs, step_schedule_applies_per_epoch_in_train);
    tcase_add_test(runs, steps_runs_batches_in_file_order);
    tcase_add_test(runs, steps_follows_the_schedule_per_update);
    suite_add_tcase(s, runs);
    return run_suite(s);
}
