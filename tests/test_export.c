/* test_export.c: `nnc export` gives the trainer's answers.  For examples
 * that together hold every layer kind (dense, per-step dense, conv2d with
 * a batchnorm folded in, the pools, conv2d_transpose, upsample, rnn, lstm,
 * gru, embedding, dropout) and every kind of output (softmax, one
 * sigmoid, several sigmoids of a multi-label model, regression,
 * reconstruction): a few training steps, the weights
 * exported, the export compiled warning-free at -Wall -Wextra -pedantic
 * -O2 with no -march, by cc and by clang, into a small program (tests/export/harness.c), fed
 * the scaled inputs `OUT encode --layer input --csv` prints, and its
 * outputs compared with `OUT predict --csv` on the same test samples: the
 * same argmax for a classifier, every value within 1e-6 (probabilities)
 * or 1e-6 relative (other values); the same with the weights read when
 * the program runs (--weights-at-runtime).  And the errors: no weights, a
 * name that is no C identifier, weights of another model. */
#define SUITE_DIR "export"
#include <math.h>

#include "trainer_util.h"

enum { ROWS = 100 };

static const char *const EXAMPLES[] = {
    "fashion_mlp",       "fashion_cnn_small", "fashion_footwear", "regression_houses",
    "fashion_gru_stacked", "fashion_lstm",    "fashion_autoencoder", "fashion_conv_autoencoder",
    "text_lstm",         "series_forecast",   "overfit_large_dropout", "weather_tags",
};
enum { N_EXAMPLES = sizeof EXAMPLES / sizeof EXAMPLES[0] };

/* max |a - b| / (1 or |b|) over the outputs (the last n_out values of
 * each line), and whether every row's argmax agrees */
static double compare(const char *a_path, const char *b_path, int n_out, int *argmax_same,
                      int *rows)
{
    FILE *a = fopen(a_path, "r"), *b = fopen(b_path, "r");
    ck_assert_msg(a && b, "%s or %s missing", a_path, b_path);
    static char la[1 << 16], lb[1 << 16];
    double worst = 0;
    *argmax_same = 1;
    *rows = 0;
    while (fgets(la, sizeof la, a) && fgets(lb, sizeof lb, b)) {
        double va[4096], vb[4096];
        int na = 0, nb = 0;
        for (char *p = strtok(la, ","); p && na < 4096; p = strtok(NULL, ","))
            va[na++] = strtod(p, NULL);
        for (char *p = strtok(lb, ","); p && nb < 4096; p = strtok(NULL, ","))
            vb[nb++] = strtod(p, NULL);
        ck_assert_int_ge(na, n_out);
        ck_assert_int_ge(nb, n_out);
        const double *x = va + na - n_out, *y = vb + nb - n_out;
        int ia = 0, ib = 0;
        for (int k = 0; k < n_out; k++) {
            double d = fabs(x[k] - y[k]) / (fabs(y[k]) > 1 ? fabs(y[k]) : 1);
            worst = d > worst ? d : worst;
            ia = x[k] > x[ia] ? k : ia;
            ib = y[k] > y[ib] ? k : ib;
        }
        *argmax_same &= ia == ib || fabs(y[ia] - y[ib]) < 1e-6;   /* a tie may go either way */
        (*rows)++;
    }
    fclose(a);
    fclose(b);
    return worst;
}

/* MODEL_OUT from the exported header (noinline: GCC 12 sees a dangling
 * pointer through slurp where there is none) */
__attribute__((noinline)) static int header_out(const char *dir)
{
    char path[1024], *h;
    snprintf(path, sizeof path, "%s/model.h", dir);
    h = slurp(path);
    const char *at = strstr(h, "#define MODEL_OUT ");
    ck_assert_ptr_nonnull(at);
    int n = atoi(at + strlen("#define MODEL_OUT "));
    free(h);
    return n;
}

static void sh(const char *cmd)
{
    char *out;
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);
}

/* export DIR/trainer's model (its weights in DIR/weights), in the code
 * (at_runtime 0) or loaded when the program runs, and compare */
static void export_and_compare(const char *name, const char *nn, const char *dir, int at_runtime)
{
    char cmd[4000];
    snprintf(cmd, sizeof cmd, "%s export %s %s %s/weights -o %s/model", nnc_bin(), nn,
             at_runtime ? "--weights-at-runtime --weights" : "--weights", dir, dir);
    sh(cmd);
    const char *cc = getenv("CC") && getenv("CC")[0] ? getenv("CC") : "cc";
    snprintf(cmd, sizeof cmd, "%s -std=c99 -Wall -Wextra -pedantic -Werror -O2 -I%s %s "
             "-o %s/harness tests/export/harness.c %s/model.c -lm", cc, dir,
             at_runtime ? "-DWEIGHTS_AT_RUNTIME" : "", dir, dir);
    sh(cmd);
    /* and clang, where it is (the fuzzing targets install it) */
    snprintf(cmd, sizeof cmd, "! command -v clang > /dev/null || clang -std=c99 -Wall -Wextra "
             "-pedantic -Werror -O2 -c %s/model.c -o %s/model_clang.o", dir, dir);
    sh(cmd);
    snprintf(cmd, sizeof cmd, "%s/trainer encode --layer input --csv --weights %s/weights "
             "2>/dev/null | %s/harness %d %s/weights > %s/export.csv", dir, dir, dir, ROWS, dir,
             dir);
    sh(cmd);
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/export.csv", dir);
    snprintf(b, sizeof b, "%s/trainer.csv", dir);
    int same, rows;
    double worst = compare(a, b, header_out(dir), &same, &rows);
    const char *how = at_runtime ? " (--weights-at-runtime)" : "";
    ck_assert_msg(rows > 0, "%s%s: no rows compared", name, how);
    ck_assert_msg(same, "%s%s: an argmax differs", name, how);
    ck_assert_msg(worst <= 1e-6, "%s%s: the export differs from predict by %g", name, how, worst);
    printf("%s%s: %d test samples, largest difference %.2g\n", name, how, rows, worst);
}

START_TEST(the_export_answers_as_the_trainer)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    const char *name = EXAMPLES[_i];
    char dir[600], nn[256], exe[700], cmd[4000];
    snprintf(dir, sizeof dir, "%s/%s", fixture_dir(), name);
    fresh_dir("%s", dir);
    snprintf(nn, sizeof nn, "examples/%s.nn", name);
    snprintf(exe, sizeof exe, "%s/trainer", dir);
    build_trainer(nn, exe);
    snprintf(cmd, sizeof cmd, "%s steps 3 --batch 16 --weights-out %s/weights > /dev/null", exe,
             dir);
    sh(cmd);
    snprintf(cmd, sizeof cmd, "%s predict --csv --count %d --weights %s/weights > %s/trainer.csv",
             exe, ROWS, dir, dir);
    sh(cmd);
    export_and_compare(name, nn, dir, 0);
    export_and_compare(name, nn, dir, 1);
}
END_TEST

START_TEST(export_refuses_what_it_cannot_do)
{
    char dir[600], cmd[4000], *out;
    snprintf(dir, sizeof dir, "%s/refuse", fixture_dir());
    fresh_dir("%s", dir);
    snprintf(cmd, sizeof cmd, "%s export examples/fashion_mlp.nn --weights %s/none -o %s/m",
             nnc_bin(), dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "no such weights file"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s export examples/fashion_mlp.nn -o %s/m", nnc_bin(), dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "export needs the trained weights"), "%s", out);
    free(out);
    /* fashion_mlp's weights for fashion_cnn_small */
    char exe[700];
    snprintf(exe, sizeof exe, "%s/mlp", dir);
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s steps 0 --weights-out %s/weights > /dev/null", exe, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s export examples/fashion_mlp.nn --weights %s/weights -o "
             "%s/my-model", nnc_bin(), dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "'my-model' cannot name C functions"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s export examples/fashion_cnn_small.nn --weights %s/weights -o "
             "%s/m", nnc_bin(), dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "weights of another model?"), "%s", out);
    free(out);
    /* loaded at run time: a damaged file, one byte changed, is refused */
    snprintf(cmd, sizeof cmd, "%s export examples/fashion_mlp.nn --weights-at-runtime -o "
             "%s/model && cc -std=c99 -O2 -DWEIGHTS_AT_RUNTIME -I%s -o %s/harness "
             "tests/export/harness.c %s/model.c -lm", nnc_bin(), dir, dir, dir, dir);
    sh(cmd);
    snprintf(cmd, sizeof cmd, "cp %s/weights %s/damaged && printf x | dd of=%s/damaged bs=1 "
             "seek=300 conv=notrunc 2>/dev/null", dir, dir, dir);
    sh(cmd);
    snprintf(cmd, sizeof cmd, "%s/harness 1 %s/damaged < /dev/null", dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 4, "%s: status %d, not 4 (model_load refused)\n%s", cmd, status,
                  out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s/harness 1 %s/weights < /dev/null", dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 2, "%s: status %d, not 2 (loaded, then no rows)\n%s", cmd, status,
                  out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, the_export_answers_as_the_trainer, 0, N_EXAMPLES);
    tcase_add_test(tc, export_refuses_what_it_cannot_do);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
