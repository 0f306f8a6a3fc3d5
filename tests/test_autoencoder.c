/* test_autoencoder.c: a model whose target is its input (`target input`),
 * end to end on real Fashion-MNIST images.  examples/fashion_autoencoder.nn
 * learns to give back test images it never saw, through its 32-number
 * code, far better than the best constant guess; `reconstruct` draws them
 * beside their reconstructions as a PNG of the documented size; and a
 * classifier is refused that command with a reason.  `encode` gives each
 * test image's code as CSV (the model's own output when asked for the last
 * layer, as predict computes it) and, for a 2-unit code, as a scatter in
 * SVG; an unknown layer is refused with the names of those there are.
 * And a denoiser's noise goes on the input only: the target stays clean. */
#include <zlib.h>

#include <zlib.h>

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

/* The first n labels of Fashion-MNIST's test set, from its file */
static void test_labels(int *labels, int n)
{
    gzFile f = gzopen("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char bytes[8 + 64];
    ck_assert_int_le(n, 64);
    ck_assert_int_eq(gzread(f, bytes, (unsigned)(8 + n)), 8 + n);
    gzclose(f);
    for (int i = 0; i < n; i++)
        labels[i] = bytes[8 + i];
}

/* Lines of text, and the fields of its first line */
static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static int count_fields(const char *line)
{
    int n = 1;
    for (; *line && *line != '\n'; line++)
        n += *line == ',';
    return n;
}

/* What stdout alone holds: cmd's, run with stderr sent elsewhere */
static int run_stdout(const char *cmd, char **out)
{
    char quiet[2400];
    snprintf(quiet, sizeof quiet, "%s 2>/dev/null", cmd);
    return run_cmd(quiet, out);
}

/* encode --csv of the 32-unit code: a header, then a line per test
 * image: index, its label, 32 values.  noinline, as test_mae. */
__attribute__((noinline)) static void check_codes(const char *out)
{
    ck_assert_int_eq(count_lines(out), 10001);
    ck_assert_msg(strncmp(out, "index,label,code0,code1,", 24) == 0, "%.200s", out);
    ck_assert_int_eq(count_fields(out), 2 + 32);
    int labels[20];
    test_labels(labels, 20);
    const char *line = strchr(out, '\n') + 1;
    for (int i = 0; i < 20; i++, line = strchr(line, '\n') + 1) {
        int index, label;
        ck_assert_int_eq(sscanf(line, "%d,%d,", &index, &label), 2);
        ck_assert_int_eq(index, i);
        ck_assert_int_eq(label, labels[i]);
        ck_assert_int_eq(count_fields(line), 2 + 32);
    }
}

/* encode's rows (index,label,code...) hold predict's outputs (a
 * regression's index,target0..783,out0..783), byte for byte */
__attribute__((noinline)) static void check_same_outputs(const char *enc, const char *pred, int n)
{
    ck_assert_int_eq(count_lines(enc), n + 1);
    ck_assert_int_eq(count_lines(pred), n);
    const char *e = strchr(enc, '\n') + 1, *p = pred;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++)
            e = strchr(e, ',') + 1;
        for (int k = 0; k < 1 + 784; k++)
            p = strchr(p, ',') + 1;
        size_t len = strcspn(e, "\n");
        ck_assert_msg(len == strcspn(p, "\n") && strncmp(e, p, len) == 0,
                      "sample %d: encode and predict disagree", i);
        e += len + 1;
        p += len + 1;
    }
}

START_TEST(encodes_every_test_image)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s train --limit 2000 --epochs 1 --out %s/autoencoder/enc "
             "--overwrite", autoencoder(), tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);

    /* a header, then a line per test image: index, label, 32 values */
    snprintf(cmd, sizeof cmd, "%s encode --layer code --weights %s/autoencoder/enc/weights --csv",
             autoencoder(), tmp_dir());
    status = run_stdout(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%.2000s", cmd, out);
    check_codes(out);
    free(out);

    /* the last layer's rows are the model's output, as predict gives it,
     * over two chunks of max_batch rows (256) cut into shards */
    char *pred;
    snprintf(cmd, sizeof cmd, "%s encode --layer dense784 --weights %s/autoencoder/enc/weights "
             "--csv --count 300", autoencoder(), tmp_dir());
    ck_assert_int_eq(run_stdout(cmd, &out), 0);
    snprintf(cmd, sizeof cmd, "%s predict --weights %s/autoencoder/enc/weights --csv --count 300",
             autoencoder(), tmp_dir());
    ck_assert_int_eq(run_stdout(cmd, &pred), 0);
    check_same_outputs(out, pred, 300);
    free(pred);
    free(out);

    snprintf(cmd, sizeof cmd, "%s encode --layer cod --weights %s/autoencoder/enc/weights --csv",
             autoencoder(), tmp_dir());
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "no layer 'cod' in fashion_autoencoder; did you "
                                             "mean 'code'? (its layers are input, dense128, "
                                             "code, dense128_2, dense784)\n"),
                  "%s:\n%s", cmd, out);
    free(out);

    snprintf(cmd, sizeof cmd, "%s encode --layer code --weights %s/autoencoder/enc/weights "
             "--out %s/autoencoder/no.svg", autoencoder(), tmp_dir(), tmp_dir());
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "the scatter needs a 2-unit code, and layer 'code' "
                                             "has 32 units: use --csv"), "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

/* How often needle occurs in text */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

START_TEST(draws_a_two_unit_code)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    /* the example with a code of 2 values, unactivated, in the middle */
    char nn[600], exe[600], cmd[2048], svg[700], *out;
    make_dir("%s/autoencoder", tmp_dir());
    snprintf(nn, sizeof nn, "%s/autoencoder/code2.nn", tmp_dir());
    snprintf(exe, sizeof exe, "%s/autoencoder/code2", tmp_dir());
    snprintf(svg, sizeof svg, "%s/autoencoder/codes.svg", tmp_dir());
    char *text = slurp("examples/fashion_autoencoder.nn");
    char *code = strstr(text, "dense 32 relu name=code");
    ck_assert_ptr_nonnull(code);
    FILE *f = fopen(nn, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*sdense 2 name=code%s", (int)(code - text), text,
            code + strlen("dense 32 relu name=code"));
    fclose(f);
    free(text);
    build_trainer(nn, exe);
    snprintf(cmd, sizeof cmd, "%s train --limit 2000 --epochs 1 --out %s/autoencoder/code2run "
             "--overwrite", exe, tmp_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);

    snprintf(cmd, sizeof cmd, "%s encode --layer code --weights %s/autoencoder/code2run/weights "
             "--out %s --count 1000", exe, tmp_dir(), svg);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "wrote") && strstr(out, "the codes of 1000 test "
                  "samples (layer code)"), "%s:\n%s", cmd, out);
    free(out);
    ck_assert_int_eq(temporaries_left(svg), 0);
    size_t len;
    char *pic = slurp_len(svg, &len);
    ck_assert_msg(strncmp(pic, "<svg ", 5) == 0, "%.100s", pic);
    ck_assert_msg(len > 7 && strcmp(pic + len - 7, "</svg>\n") == 0, "%s", pic + len - 20);
    /* a dot per sample, a legend entry per class, by its name */
    ck_assert_int_eq(occurrences(pic, "r=\"2\""), 1000);
    const char *names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                            "Shirt", "Sneaker", "Bag", "Ankle boot" };
    const char *legend = strstr(pic, "<g class=\"legend\">");
    ck_assert_ptr_nonnull(legend);
    for (int c = 0; c < 10; c++) {
        char entry[64];
        snprintf(entry, sizeof entry, ">%s</text>", names[c]);
        ck_assert_msg(strstr(legend, entry), "no legend entry %s", entry);
    }
    ck_assert_int_eq(occurrences(legend, "<text "), 10);
    free(pic);
}
END_TEST

/* ---- denoising: noise on the input, never on the target ------------------- */

/* A model of 4x4 images given back by one dense layer `out`, with noise
 * on its training inputs when noisy, starting from the weights file init
 * (beside the .nn file) when it is not NULL */
static void denoise_model(const char *dir, const char *name, int noisy, const char *init,
                          char *exe, size_t len)
{
    char text[2048], nn[700], start[600] = "";
    if (init)
        snprintf(start, sizeof start, " init=\"%s\"", init);
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
             "    test {\n        images \"%s/images.idx\"\n        labels \"%s/labels.idx\"\n    }\n"
             "    scale 1/255\n    target input\n}\n"
             "%s"
             "network {\n    input 4x4\n    flatten\n    dense 16 name=out%s\n}\n"
             "train {\n    loss mse\n    optimizer sgd lr=0.000001\n    batch 8\n}\n",
             name, dir, dir, dir, dir, noisy ? "augment {\n    noise 0.3 p=1\n}\n" : "", start);
    snprintf(nn, sizeof nn, "%s/%s.nn", dir, name);
    write_text(nn, text);
    snprintf(exe, len, "%s/%s", dir, name);
    build_trainer(nn, exe);
}

/* The weights file at path with out.w made the identity and out.b 0, its
 * checksum made again (docs/weights.md) */
static void make_identity(const char *path)
{
    size_t len;
    unsigned char *w = (unsigned char *)slurp_len(path, &len);
    size_t pos = 12;
    for (uint32_t t = 0, n = get_le32(w + 8); t < n; t++) {
        uint32_t name_len = get_le32(w + pos);
        const char *name = (const char *)w + pos + 4;
        int is_w = name_len == 5 && memcmp(name, "out.w", 5) == 0;
        pos += 4 + name_len;
        uint32_t ndims = get_le32(w + pos), size = 1;
        for (uint32_t d = 0; d < ndims; d++)
            size *= get_le32(w + pos + 4 + 4 * d);
        pos += 4 + 4 * ndims;
        for (uint32_t i = 0; i < size; i++) {
            float v = is_w && i / 16 == i % 16 ? 1.0f : 0.0f;
            memcpy(w + pos + 4 * i, &v, 4);
        }
        pos += 4 * (size_t)size;
    }
    ck_assert_uint_eq(pos + 4, len);
    put_le32(w + pos, (uint32_t)crc32(0L, w, (uInt)pos));
    write_bytes(path, w, len);
    free(w);
}

/* "epoch 1/1  loss L": L */
__attribute__((noinline)) static double epoch_loss(const char *output)
{
    const char *at = strstr(output, "epoch 1/1  loss ");
    double loss;
    ck_assert_msg(at && sscanf(at, "epoch 1/1  loss %lf", &loss) == 1, "%.500s", output);
    return loss;
}

/* A network that gives back its input exactly (W the identity, b 0) has
 * no loss against its own input; with noise on the input only, its loss
 * is the noise's: the target stayed the clean image.  (Were the target
 * the noisy input too, the loss would still be 0.) */
START_TEST(noise_goes_on_the_input_not_the_target)
{
    char dir[512], path[600], exe[700], cmd[2048], *out;
    snprintf(dir, sizeof dir, "%s/autoencoder/denoise", tmp_dir());
    make_dir("%s", dir);
    uint8_t pixels[40 * 16], labels[40] = { 0 };
    for (int i = 0; i < 40 * 16; i++)
        pixels[i] = (uint8_t)(i * 37 % 256);
    int idims[3] = { 40, 4, 4 }, ldims[1] = { 40 };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);

    denoise_model(dir, "start", 0, NULL, exe, sizeof exe);
    snprintf(cmd, sizeof cmd, "%s steps 0 --weights-out %s/identity.w", exe, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);
    snprintf(path, sizeof path, "%s/identity.w", dir);
    make_identity(path);

    static const char *const NAMES[] = { "clean", "noisy" };
    double loss[2];
    for (int noisy = 0; noisy < 2; noisy++) {
        denoise_model(dir, NAMES[noisy], noisy, "identity.w", exe, sizeof exe);
        snprintf(cmd, sizeof cmd, "%s train --epochs 1 --out %s/run_%s --overwrite", exe, dir,
                 NAMES[noisy]);
        status = run_cmd(cmd, &out);
        ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
        loss[noisy] = epoch_loss(out);
        free(out);
    }
    ck_assert_msg(loss[0] < 1e-6, "the identity network's loss on clean inputs: %g", loss[0]);
    ck_assert_msg(loss[1] > 1e-3, "noisy inputs against their targets: loss %g", loss[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("autoencoder");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, reconstructs_unseen_images);
    tcase_add_test(tc, a_classifier_has_nothing_to_reconstruct);
    tcase_add_test(tc, noise_goes_on_the_input_not_the_target);
    tcase_add_test(tc, encodes_every_test_image);
    tcase_add_test(tc, draws_a_two_unit_code);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
