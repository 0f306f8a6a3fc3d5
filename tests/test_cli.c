/* test_cli.c: the trainer's command line (cli.c), through nnrt_main on
 * the tiny model: every bad flag and command named to the letter, with
 * the exit status; errors in data and weights files; --help, --version
 * and the gradcheck command; steps' own errors; a model description the
 * runtime refuses as an internal error. */
#define SUITE_DIR "cli"
#include "tiny_model.h"

START_TEST(bad_flags_are_named)
{
    expect_cli_error((const char *[]){ "train", "--epochs", "x", NULL },
                     "tiny: --epochs: expected a positive integer, got 'x'\n");
    expect_cli_error((const char *[]){ "train", "--epochs=0", NULL },
                     "tiny: --epochs: expected a positive integer, got '0'\n");
    expect_cli_error((const char *[]){ "train", "--epochs", "99999999999", NULL },
                     "tiny: --epochs: 99999999999 is too large (at most 1000000)\n");
    expect_cli_error((const char *[]){ "train", "--batch", "65", NULL },
                     "tiny: --batch: 65 is more than this trainer's buffers hold (64 rows); "
                     "change `batch` in tests/tiny.nn and rebuild for more\n");
    expect_cli_error((const char *[]){ "train", "--lr", "-0.1", NULL },
                     "tiny: --lr: expected a positive number, got '-0.1'\n");
    expect_cli_error((const char *[]){ "train", "--lr", "0.1x", NULL },
                     "tiny: --lr: expected a positive number, got '0.1x'\n");
    expect_cli_error((const char *[]){ "train", "--seed", "-1", NULL },
                     "tiny: --seed: expected an integer from 0 to 18446744073709551615, "
                     "got '-1'\n");
    expect_cli_error((const char *[]){ "train", "--limit", NULL },
                     "tiny: --limit: missing value\n" HINT);
    expect_cli_error((const char *[]){ "train", "--bogus", "1", NULL },
                     "tiny: train: unknown option '--bogus'; train takes --epochs, --batch, "
                     "--lr, --seed, --limit, --out, --resume, --overwrite, --threads\n" HINT);
    expect_cli_error((const char *[]){ "train", "--epoch", "1", NULL },
                     "tiny: train: unknown option '--epoch'; did you mean '--epochs'?\n" HINT);
    expect_cli_error((const char *[]){ "eval", "--epochs", "1", NULL },
                     "tiny: eval: unknown option '--epochs'; eval takes --weights, --limit, "
                     "--out, --threads\n" HINT);
    expect_cli_error((const char *[]){ "gradcheck", "--samples", "0", NULL },
                     "tiny: --samples: expected a positive integer, got '0'\n");
    expect_cli_error((const char *[]){ "fly", NULL }, "tiny: unknown command 'fly'\n" HINT);
    expect_cli_error((const char *[]){ "trian", NULL },
                     "tiny: unknown command 'trian'; did you mean 'train'?\n" HINT);
}
END_TEST

START_TEST(data_and_weights_errors_say_error)
{
    char missing[1100];
    path_in(missing, sizeof missing, "missing.weights");
    nnrt_model m = tiny_model();
    result r = run_main(&m, (const char *[]){ "eval", "--weights", missing, NULL });
    ck_assert_int_eq(r.status, 1);
    char want[1400];
    snprintf(want, sizeof want, "tiny: error: %s: cannot open: No such file or directory\n",
             missing);
    ck_assert_str_eq(r.err, want);
    result_free(&r);

    /* no --weights and nothing trained there: say so, as predict does */
    char empty[1200];
    out_dir(empty, sizeof empty, "never-trained");
    m = tiny_model();
    r = run_main(&m, (const char *[]){ "eval", "--out", empty, NULL });
    ck_assert_int_eq(r.status, 1);
    snprintf(want, sizeof want, "tiny: error: %s/weights: no weights there yet: train first, or "
             "give --weights FILE\n", empty);
    ck_assert_str_eq(r.err, want);
    ck_assert(!path_exists(empty));   /* and no folder made for it */
    result_free(&r);

    /* a test labels file that is not there: nothing is trained */
    snprintf(test_labels, sizeof test_labels, "%s/nowhere-labels.idx", fixture_dir());
    m = tiny_model();
    char dir[1200];
    out_dir(dir, sizeof dir, "no-data");
    r = run_main(&m, (const char *[]){ "train", "--out", dir, NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strncmp(r.err, "tiny: error: ", 13) == 0 && strstr(r.err, "nowhere-labels.idx"),
                  "%s", r.err);
    ck_assert_str_eq(r.out, "");
    ck_assert(!path_exists(dir));   /* no run folder for a run that never started */
    result_free(&r);
}
END_TEST

START_TEST(steps_errors_are_named)
{
    expect_cli_error((const char *[]){ "steps", NULL },
                     "tiny: steps: missing the number of steps (steps N [OPTIONS])\n" HINT);
    expect_cli_error((const char *[]){ "steps", "--lr", "0.1", NULL },
                     "tiny: steps: missing the number of steps (steps N [OPTIONS])\n" HINT);
    expect_cli_error((const char *[]){ "steps", "x", NULL },
                     "tiny: steps: expected a positive integer, got 'x'\n");
    expect_cli_error((const char *[]){ "steps", "2", "--epochs", "1", NULL },
                     "tiny: steps: unknown option '--epochs'; steps takes --lr, --batch, --seed, "
                     "--weights-in, --weights-out\n" HINT);
    expect_cli_error((const char *[]){ "steps", "2", "--batch", "65", NULL },
                     "tiny: --batch: 65 is more than this trainer's buffers hold (64 rows); "
                     "change `batch` in tests/tiny.nn and rebuild for more\n");
    /* 240 training samples after the split: 15 batches of 16, not 16 */
    char want[1600];
    snprintf(want, sizeof want,
             "tiny: error: %s: 16 steps of batch 16 need 256 training samples; there are 240 "
             "(after holding out validation 20%%)\n",
             train_images);
    expect_cli_error((const char *[]){ "steps", "16", NULL }, want);
    double losses[16];
    nnrt_model m = tiny_model();
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "15", NULL }, losses), 15);
    char missing[1100];
    path_in(missing, sizeof missing, "no-such-start.weights");
    result r = run_main(&m, (const char *[]){ "steps", "1", "--weights-in", missing, NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such-start.weights: cannot open: No such file"));
    ck_assert_str_eq(r.out, "");
    result_free(&r);
}
END_TEST

/* A batchnorm over units (nnc names it in the model) takes no batch of
 * one row, which would make every value its beta; a model without one
 * does */
START_TEST(batch_1_is_refused_with_a_batchnorm_over_units)
{
    nnrt_model m = tiny_model();
    double losses[16];
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--batch", "1", NULL }, losses), 2);
    m.batchnorm_by_rows = "hidden_norm";
    const char *const commands[][6] = {
        { "train", "--batch", "1", "--epochs", "1", NULL },
        { "steps", "2", "--batch", "1", NULL },
    };
    for (int i = 0; i < 2; i++) {
        result r = run_main(&m, commands[i]);
        char want[512];
        snprintf(want, sizeof want,
                 "tiny: %s: --batch 1 with 'hidden_norm', a batchnorm over units: each unit's "
                 "batch statistics come from one value, so it outputs its beta whatever its "
                 "input, and nothing before it learns; use --batch 2 or more\n",
                 commands[i][0]);
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.err, want);
        ck_assert_str_eq(r.out, "");
        result_free(&r);
    }
    ck_assert_int_eq(steps_losses(&m, (const char *[]){ "2", "--batch", "2", NULL }, losses), 2);
}
END_TEST

START_TEST(a_bad_schedule_is_an_internal_error)
{
    nnrt_model m = tiny_model();
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_STEP, .factor = 0.5f, .every = 0 };
    result r = run_main(&m, (const char *[]){ "train", NULL });
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "tiny: internal error: bad model description: schedule every < 1\n");
    result_free(&r);
    m.schedule = (nnrt_schedule){ .kind = NNRT_SCHEDULE_PLATEAU, .factor = 1, .patience = 3 };
    r = run_main(&m, (const char *[]){ "train", NULL });
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "tiny: internal error: bad model description: plateau factor "
                            "outside (0, 1)\n");
    result_free(&r);
}
END_TEST

START_TEST(help_version_and_gradcheck_commands)
{
    nnrt_model m = tiny_model();
    result r = run_main(&m, (const char *[]){ "--version", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "tiny: nnc 0.1.0, runtime " NNRT_VERSION
                            ", from tests/tiny.nn (model hash 0123456789abcdef)\n");
    result_free(&r);
    r = run_main(&m, (const char *[]){ "--help", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: tiny COMMAND [OPTIONS]"));
    ck_assert_ptr_nonnull(strstr(r.out, "--batch N    samples per update, 1 to 64 (default 16)"));
    ck_assert_ptr_nonnull(strstr(r.out, "(default runs/tiny)"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n  steps N      N updates on the first N*batch training "
                                        "samples in file order\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "    --weights-out F  save the starting weights there, "
                                        "before any update\n"));
    result_free(&r);
    r = run_main(&m, (const char *[]){ "train", "--help", NULL });
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: tiny"));
    result_free(&r);
    r = run_main(&m, (const char *[]){ NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "usage: tiny"));
    result_free(&r);

    r = run_main(&m, (const char *[]){ "gradcheck", "--seed", "5", NULL });
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "dense1.w  checked 12  worst relative error "));
    ck_assert_ptr_nonnull(strstr(r.out, "\ngradcheck: ok\n"));
    result_free(&r);
    bug = BUG_BIAS_SIGN;
    r = run_main(&m, (const char *[]){ "gradcheck", NULL });
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "\ngradcheck: FAILED ("));
    result_free(&r);
}
END_TEST

int main(void)
{
    /* nnrt_main checks OpenBLAS's core and may re-exec; the runs below must
     * stay in this process, so the core it has is declared the chosen one */
    keep_blas_core();

    Suite *s = suite_create("cli");
    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_checked_fixture(runs, setup, NULL);
    tcase_add_test(runs, bad_flags_are_named);
    tcase_add_test(runs, data_and_weights_errors_say_error);
    tcase_add_test(runs, help_version_and_gradcheck_commands);
    tcase_add_test(runs, steps_errors_are_named);
    tcase_add_test(runs, batch_1_is_refused_with_a_batchnorm_over_units);
    tcase_add_test(runs, a_bad_schedule_is_an_internal_error);
    suite_add_tcase(s, runs);
    return run_suite(s);
}
