/* test_inspect.c: `OUT inspect` and word-valued lets.  The initializer
 * chapter's figure, on examples/init_compare.nn built twice by -D: at
 * the weights a run starts from (--seed), five tanh layers' outputs keep
 * their spread under Glorot's initializer and shrink layer after layer
 * under a normal(0.05) one, as the course shows; each picture has a panel
 * per layer's outputs and per kernel.  And what inspect refuses. */
#define SUITE_DIR "inspect"
#include "trainer_util.h"

/* examples/init_compare.nn with -D init=INIT, inspected at seed 1: the
 * std each panel's statistics line gives, in panel order, into std (at
 * most max); returns the panels */
static int stds_of(const char *init, double *std, int max)
{
    char dir[600], cmd[2400], *out;
    snprintf(dir, sizeof dir, "%s/%s", fixture_dir(), init);
    fresh_dir("%s", dir);
    snprintf(cmd, sizeof cmd, "%s build -D init=%s examples/init_compare.nn -o %s/t && "
             "%s/t inspect --seed 1 --out %s/init.svg", nnc_bin(), init, dir, dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "the outputs of 6 layers over 256 test samples, "
                                             "and 6 kernels"), "%s:\n%s", cmd, out);
    free(out);
    char path[700];
    snprintf(path, sizeof path, "%s/init.svg", dir);
    char *svg = slurp(path);
    ck_assert_msg(strncmp(svg, "<svg ", 5) == 0 && strstr(svg, "</svg>\n"), "%s", path);
    int n = 0;
    for (const char *p = strstr(svg, ", std "); p && n < max; p = strstr(p + 1, ", std "))
        std[n++] = strtod(p + 6, NULL);
    free(svg);
    return n;
}

START_TEST(small_weights_shrink_the_outputs_layer_after_layer)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    double normal[16], glorot[16];
    ck_assert_int_eq(stds_of("normal", normal, 16), 12);   /* 6 layers, 6 kernels */
    ck_assert_int_eq(stds_of("glorot_uniform", glorot, 16), 12);
    /* the five tanh layers: normal(0.05) halves the spread at every layer */
    for (int l = 1; l < 5; l++)
        ck_assert_msg(normal[l] < 0.7 * normal[l - 1], "normal: layer %d std %g after %g",
                      l + 1, normal[l], normal[l - 1]);
    ck_assert_msg(normal[4] < 0.05 && glorot[4] > 0.2, "layer 5's std: normal %g, glorot %g",
                  normal[4], glorot[4]);
    /* the kernels' own spread: normal's std 0.05; Glorot's sqrt(2 / (in + out)) */
    ck_assert_msg(normal[7] > 0.045 && normal[7] < 0.055, "layer2.w std %g", normal[7]);
    ck_assert_msg(glorot[7] > 0.095 && glorot[7] < 0.105, "layer2.w std %g", glorot[7]);
}
END_TEST

START_TEST(inspect_says_what_is_wrong)
{
    char dir[600], exe[700], cmd[2000], *out;
    snprintf(dir, sizeof dir, "%s/errors", fixture_dir());
    fresh_dir("%s", dir);
    snprintf(exe, sizeof exe, "%s/t", dir);
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s inspect --seed 1", exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "give --out FILE.svg"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s inspect --seed 1 --weights %s/w --out %s/a.svg", exe, dir, dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "--weights and --seed: give one"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "cd %s && ./t inspect --out a.svg", dir);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "no weights there yet: train first"), "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inspect");
    TCase *tc = tcase_create("inspect");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, small_weights_shrink_the_outputs_layer_after_layer);
    tcase_add_test(tc, inspect_says_what_is_wrong);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
