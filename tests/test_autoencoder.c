/* test_autoencoder.c: a model whose target is its input (`target input`),
 * end to end on real Fashion-MNIST images.  examples/fashion_autoencoder.nn
 * learns to give back test images it never saw, through its 32-number
 * code, far better than the best constant guess; `reconstruct` draws them
 * beside their reconstructions as a PNG of the documented size; and a
 * classifier is refused that command with a reason. */
#include "trainer_util.h"

static const char *autoencoder(void)
{
    static char path[512];
    if (!path[0]) {
        make_dir("%s/autoencoder", tmp_dir());
        snprintf(path, sizeof path, "%s/autoencoder/fashion_autoencoder", tmp_dir());
        build_trainer("examples/fashion_autoencoder.nn", path);
    }
    return path;
}

/* "test: loss L mae M rmse R": M */
/* noinline, as test_accuracy (trainer_util.h): GCC 12 warns of a dangling
 * pointer through Check's macros when this is inlined */
__attribute__((noinline)) static double test_mae(const char *output)
{
    const char *t = strstr(output, "test: loss ");
    ck_assert_msg(t != NULL, "no 'test:' line in:\n%s", output);
    double loss, mae;
    ck_assert_int_eq(sscanf(t, "test: loss %lf mae %lf", &loss, &mae), 2);
    return mae;
}

/* Big-endian u32 at p (a PNG's IHDR) */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(reconstructs_unseen_images)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --limit 6000 --epochs 3 --batch 32 "
             "--out %s/autoencoder/run --overwrite", autoencoder(), tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    /* the best constant guesses are far off: all zeros by 0.287 a pixel on
     * average over the test images, the training images' mean image by
     * 0.231, their median image by 0.210 (measured); 3 epochs give 0.084 */
    double mae = test_mae(out);
    ck_assert_msg(mae < 0.12, "test mae %.4f after 3 epochs on 5400 images", mae);
    free(out);

    snprintf(cmd, sizeof cmd, "%s reconstruct --weights %s/autoencoder/run/weights --count 10 "
             "--out %s/autoencoder/r.png", autoencoder(), tmp_dir(), tmp_dir());
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "10 test images, each beside its reconstruction"),
                  "%s:\n%s", cmd, out);
    free(out);
    char path[1024];
    snprintf(path, sizeof path, "%s/autoencoder/r.png", tmp_dir());
    unsigned char *png = (unsigned char *)slurp(path);
    ck_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(png + 12, "IHDR", 4) == 0);
    /* 10 pairs: 4 a row, 3 rows; (4 (2 * 28 + 1) + 2 * 5) x (3 * 28 + 2 * 4), zoomed 4x */
    ck_assert_uint_eq(be32(png + 16), 4 * (4 * 57 + 10));
    ck_assert_uint_eq(be32(png + 20), 4 * (3 * 28 + 8));
    free(png);
}
END_TEST

START_TEST(a_classifier_has_nothing_to_reconstruct)
{
    char exe[600], cmd[2048], *out;
    make_dir("%s/autoencoder", tmp_dir());
    snprintf(exe, sizeof exe, "%s/autoencoder/fashion_mlp", tmp_dir());
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s reconstruct --out %s/autoencoder/no.png", exe, tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "reconstruct draws what an autoencoder"), "%s:\n%s",
                  cmd, out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("autoencoder");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, reconstructs_unseen_images);
    tcase_add_test(tc, a_classifier_has_nothing_to_reconstruct);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
