/* test_predict_input.c: `predict --input FILE...`, the model on a person's
 * own pictures and CSV rows.
 *
 * A picture's conversion first, at the runtime level (image_input.c): every
 * kind of PNG (grey, grey+alpha, RGB, RGBA, palette, 16-bit) of the same
 * picture gives the same input; transparency takes the training
 * background; resizing averages areas and keeps proportions; inversion
 * follows the backgrounds or --invert.  Then end to end, with small
 * trainers built by nnc: a test sample written as a PNG, or a CSV file of
 * the test rows, gives the very outputs `predict --csv` gives on the test
 * set; bad files and flags are clear errors.  Last, on Fashion-MNIST when
 * it is installed: a trained fashion_mlp names the README's two pictures,
 * one from the test set and one drawn by a person. */
#include <check.h>

#define SUITE_DIR "predict_input"   /* fixture_dir(): $NNC_TMP/predict_input, absolute */

#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"
#include "suite.h"
#include "trainer_util.h"

/* ---- pictures ------------------------------------------------------------ */

/* Write pixels (w x h, in format's channels, bytes; or 16-bit values for a
 * linear format) as fixture_dir()/name into path. */
static void write_png(const char *name, char *path, size_t len, png_uint_32 format, int w, int h,
                      const void *pixels, const void *colormap, int entries)
{
    path_in(path, len, name);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)w;
    image.height = (png_uint_32)h;
    image.format = format;
    image.colormap_entries = (png_uint_32)entries;
    ck_assert_msg(png_image_write_to_file(&image, path, 0, pixels, 0, colormap), "%s: %s", path,
                  image.message);
}

/* A 16-bit grey PNG with no colour-space chunk, through libpng's full API
 * (the simplified one writes 16-bit files as linear light, with gAMA). */
static void write_png16(const char *name, char *path, size_t len, int w, int h,
                        const uint16_t *values)
{
    path_in(path, len, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert_int_eq(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 16, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_set_swap(png);   /* our uint16_t are little-endian here; PNG's are big */
    for (int y = 0; y < h; y++)
        png_write_row(png, (png_const_bytep)(values + y * w));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

/* A model of h x w x c inputs scaled by 1/255, as image_input.c reads one */
static nnrt_model picture_model(int h, int w, int c)
{
    nnrt_model m;
    memset(&m, 0, sizeof m);
    m.name = "pictures";
    m.in_h = h;
    m.in_w = w;
    m.in_c = c;
    m.in_size = h * w * c;
    m.scale = 1.0f / 255;
    return m;
}

static void convert(const nnrt_model *m, const char *path, double bg, int invert, float *x,
                    char *said)
{
    nnrt_error err;
    ck_assert_msg(nnrt_image_input(m, path, bg, invert, x, said, 320, &err) == 0, "%s", err.msg);
}

enum { PW = 5, PH = 4 };
static const uint8_t GREY[PH * PW] = {
    0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 255, 1, 2, 3, 200,
};

START_TEST(a_grey_picture_of_the_models_size_is_its_bytes_times_the_scale)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    write_png("grey.png", path, sizeof path, PNG_FORMAT_GRAY, PW, PH, GREY, NULL, 0);
    nnrt_model m = picture_model(PH, PW, 1);
    float x[PH * PW];
    convert(&m, path, 0, -1, x, said);
    for (int i = 0; i < PH * PW; i++)   /* as nnrt_batch_fill scales a training image */
        ck_assert_float_eq(x[i], (float)GREY[i] * m.scale);
    ck_assert_str_eq(said, "5x4 grey, values times 1/255 as in training");
}
END_TEST

START_TEST(every_kind_of_png_of_one_picture_gives_the_same_input)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    nnrt_model m = picture_model(PH, PW, 1);
    float want[PH * PW], x[PH * PW];
    write_png("grey.png", path, sizeof path, PNG_FORMAT_GRAY, PW, PH, GREY, NULL, 0);
    convert(&m, path, 0, -1, want, said);

    uint8_t ga[PH * PW * 2], rgb[PH * PW * 3], rgba[PH * PW * 4], map[256 * 3];
    for (int i = 0; i < PH * PW; i++) {
        ga[2 * i] = GREY[i], ga[2 * i + 1] = 255;
        for (int k = 0; k < 3; k++)
            rgb[3 * i + k] = rgba[4 * i + k] = GREY[i];
        rgba[4 * i + 3] = 255;
    }
    for (int v = 0; v < 256; v++)
        map[3 * v] = map[3 * v + 1] = map[3 * v + 2] = (uint8_t)v;
    struct { const char *name; png_uint_32 format; const void *pixels; } kinds[] = {
        { "ga.png", PNG_FORMAT_GA, ga },
        { "rgb.png", PNG_FORMAT_RGB, rgb },
        { "rgba.png", PNG_FORMAT_RGBA, rgba },
        { "palette.png", PNG_FORMAT_RGB_COLORMAP, GREY },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        write_png(kinds[k].name, path, sizeof path, kinds[k].format, PW, PH, kinds[k].pixels,
                  kinds[k].format & PNG_FORMAT_FLAG_COLORMAP ? map : NULL, 256);
        convert(&m, path, 0, -1, x, said);
        for (int i = 0; i < PH * PW; i++)
            ck_assert_msg(x[i] == want[i], "%s: pixel %d: %g, not %g", kinds[k].name, i,
                          (double)x[i], (double)want[i]);
    }
    ck_assert_ptr_nonnull(strstr(said, "palette"));
    /* 16 bits a sample, sRGB-encoded as editors write them (no gAMA chunk):
       each byte's value times 257 reads back as that byte */
    uint16_t deep[PH * PW];
    for (int i = 0; i < PH * PW; i++)
        deep[i] = (uint16_t)(GREY[i] * 257);
    write_png16("deep.png", path, sizeof path, PW, PH, deep);
    convert(&m, path, 0, -1, x, said);
    for (int i = 0; i < PH * PW; i++)
        ck_assert_float_eq(x[i], want[i]);
}
END_TEST

START_TEST(transparent_pixels_take_the_training_background)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    uint8_t rgba[PH * PW * 4];
    for (int i = 0; i < PH * PW; i++) {
        for (int k = 0; k < 3; k++)
            rgba[4 * i + k] = 200;
        rgba[4 * i + 3] = i % 2 ? 0 : 255;   /* every other pixel transparent */
    }
    write_png("holes.png", path, sizeof path, PNG_FORMAT_RGBA, PW, PH, rgba, NULL, 0);
    nnrt_model m = picture_model(PH, PW, 1);
    float x[PH * PW];
    convert(&m, path, 30, 0, x, said);
    for (int i = 0; i < PH * PW; i++)
        ck_assert_float_eq(x[i], (float)(i % 2 ? 30 : 200) * m.scale);
    ck_assert_ptr_nonnull(strstr(said, "RGBA, made grey"));
}
END_TEST

START_TEST(a_larger_picture_is_averaged_down_keeping_its_proportions)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    /* 8 wide, 4 high, in 2x2 blocks of 10, 20, 30, 40 around 25: into 4x4,
       it becomes 4 wide and 2 high, each pixel a block's mean, centred
       between rows of the background */
    uint8_t big[4 * 8];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 8; x++)
            big[y * 8 + x] = (uint8_t)(20 + 40 * (y / 2) + 20 * (x / 2) + ((x + y) % 2 ? 6 : -6));
    write_png("wide.png", path, sizeof path, PNG_FORMAT_GRAY, 8, 4, big, NULL, 0);
    nnrt_model m = picture_model(4, 4, 1);
    float x[16];
    convert(&m, path, 7, 0, x, said);
    for (int col = 0; col < 4; col++) {
        ck_assert_float_eq(x[0 * 4 + col], 7 * m.scale);   /* background above */
        ck_assert_float_eq(x[3 * 4 + col], 7 * m.scale);   /* and below */
        for (int row = 0; row < 2; row++) {
            int sum = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                    sum += big[(2 * row + dy) * 8 + 2 * col + dx];
            ck_assert_float_eq(x[(row + 1) * 4 + col], (float)(sum / 4) * m.scale);
        }
    }
    ck_assert_str_eq(said, "8x4 grey, resized to 4x2, centred in 4x4, values times 1/255 as in "
                           "training");
    /* and a smaller one is interpolated up: a flat picture stays flat */
    uint8_t flat[2 * 2] = { 90, 90, 90, 90 };
    write_png("small.png", path, sizeof path, PNG_FORMAT_GRAY, 2, 2, flat, NULL, 0);
    convert(&m, path, 7, 0, x, said);
    for (int i = 0; i < 16; i++)
        ck_assert_float_eq(x[i], 90 * m.scale);
}
END_TEST

START_TEST(a_picture_is_inverted_when_its_background_is_the_training_ones_reversed)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    uint8_t page[PH * PW];   /* dark ink in the middle of a white page */
    for (int i = 0; i < PH * PW; i++)
        page[i] = (i % PW == 2 && i / PW >= 1 && i / PW <= 2) ? 20 : 250;
    write_png("ink.png", path, sizeof path, PNG_FORMAT_GRAY, PW, PH, page, NULL, 0);
    nnrt_model m = picture_model(PH, PW, 1);
    float x[PH * PW];
    convert(&m, path, 3, -1, x, said);   /* trained on dark backgrounds */
    for (int i = 0; i < PH * PW; i++)
        ck_assert_float_eq(x[i], (float)(255 - page[i]) * m.scale);
    ck_assert_ptr_nonnull(strstr(said, "inverted (its background is light, the training "
                                       "images' dark)"));
    convert(&m, path, 240, -1, x, said);   /* trained on light ones: kept */
    ck_assert_float_eq(x[0], 250 * m.scale);
    ck_assert_ptr_null(strstr(said, "inverted"));
    convert(&m, path, 3, 0, x, said);   /* --invert no */
    ck_assert_float_eq(x[0], 250 * m.scale);
    convert(&m, path, 240, 1, x, said);   /* --invert yes */
    ck_assert_float_eq(x[0], 5 * m.scale);
    ck_assert_ptr_nonnull(strstr(said, ", inverted,"));
    convert(&m, path, -1, -1, x, said);   /* no training images to compare with */
    ck_assert_float_eq(x[0], 250 * m.scale);
}
END_TEST

START_TEST(a_colour_model_keeps_colours_and_makes_grey_rgb)
{
    make_dir("%s", fixture_dir());
    char path[600], said[320];
    uint8_t rgb[2 * 2 * 3] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 };
    write_png("colour.png", path, sizeof path, PNG_FORMAT_RGB, 2, 2, rgb, NULL, 0);
    nnrt_model m = picture_model(2, 2, 3);
    float x[12];
    convert(&m, path, 0, 0, x, said);
    for (int i = 0; i < 12; i++)
        ck_assert_float_eq(x[i], (float)rgb[i] * m.scale);
    write_png("grey22.png", path, sizeof path, PNG_FORMAT_GRAY, 2, 2, GREY, NULL, 0);
    convert(&m, path, 0, 0, x, said);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++)
            ck_assert_float_eq(x[3 * i + k], (float)GREY[i] * m.scale);
    ck_assert_ptr_nonnull(strstr(said, "grey made RGB"));
}
END_TEST

START_TEST(a_broken_or_foreign_file_is_an_error_naming_it)
{
    make_dir("%s", fixture_dir());
    char path[600], cut[600];
    write_png("whole.png", path, sizeof path, PNG_FORMAT_GRAY, PW, PH, GREY, NULL, 0);
    size_t len;
    char *bytes = slurp_len(path, &len);
    path_in(cut, sizeof cut, "cut.png");
    FILE *f = fopen(cut, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(bytes, 1, len - 20, f);   /* the image data's end and IEND gone */
    fclose(f);
    free(bytes);
    nnrt_model m = picture_model(PH, PW, 1);
    float x[PH * PW];
    char said[320];
    nnrt_error err;
    ck_assert_int_eq(nnrt_image_input(&m, cut, 0, -1, x, said, sizeof said, &err), -1);
    ck_assert_msg(strstr(err.msg, "cut.png: a broken PNG") != NULL, "%s", err.msg);
}
END_TEST

/* ---- end to end: a small image model ----------------------------------------- */

enum { I_TRAIN = 48, I_TEST = 6, I_H = 2, I_W = 3, I_PIXELS = I_H * I_W };
static uint8_t i_pixels[I_TEST * I_PIXELS];

static const char IMAGE_NN[] =
    "model tiles\n"
    "data {\n"
    "    train {\n        images \"predict_input/train-images.idx\"\n"
    "        labels \"predict_input/train-labels.idx\"\n    }\n"
    "    test {\n        images \"predict_input/test-images.idx\"\n"
    "        labels \"predict_input/test-labels.idx\"\n    }\n"
    "    scale 1/255\n"
    "    classes \"left <&>\" \"middle\" \"right\"\n"
    "}\n"
    "network {\n    input 2x3\n    flatten\n    dense 4 tanh\n    dense 3 softmax\n}\n"
    "train {\n    loss cross_entropy\n    optimizer adam lr=0.05\n    batch 8\n    epochs 3\n"
    "    seed 1\n}\n";

static const char CSV_NN[] =
    "model rows\n"
    "data {\n"
    "    train {\n        csv \"predict_input/train.csv\"\n    }\n"
    "    test {\n        csv \"predict_input/test.csv\"\n    }\n"
    "    inputs a b\n"
    "    targets kind\n"
    "}\n"
    "network {\n    input 2\n    dense 4 relu\n    dense 2 softmax\n}\n"
    "train {\n    loss cross_entropy\n    optimizer adam lr=0.05\n    batch 8\n    epochs 3\n"
    "    seed 1\n}\n";

static void exe_path(const char *name, char *out, size_t len)
{
    path_in(out, len, name);
}

/* The trainers and their data, once for the case, in the parent process */
static void build_trainers(void)
{
    char path[600], exe[600];
    make_dir("%s", fixture_dir());
    uint8_t pixels[I_TRAIN * I_PIXELS], labels[I_TRAIN], test_labels[I_TEST];
    uint32_t s = 7;
    for (int i = 0; i < I_TRAIN + I_TEST; i++) {
        int label = i % 3;
        uint8_t *px = i < I_TRAIN ? pixels + i * I_PIXELS : i_pixels + (i - I_TRAIN) * I_PIXELS;
        for (int j = 0; j < I_PIXELS; j++) {
            s = s * 1664525u + 1013904223u;
            px[j] = (uint8_t)((s >> 26) + (j % 3 == label ? 180 : 0));
        }
        if (i < I_TRAIN)
            labels[i] = (uint8_t)label;
        else
            test_labels[i - I_TRAIN] = (uint8_t)label;
    }
    int idims[3] = { I_TRAIN, I_H, I_W }, ldims[1] = { I_TRAIN };
    path_in(path, sizeof path, "train-images.idx");
    write_idx(path, pixels, 3, idims);
    path_in(path, sizeof path, "train-labels.idx");
    write_idx(path, labels, 1, ldims);
    idims[0] = ldims[0] = I_TEST;
    path_in(path, sizeof path, "test-images.idx");
    write_idx(path, i_pixels, 3, idims);
    path_in(path, sizeof path, "test-labels.idx");
    write_idx(path, test_labels, 1, ldims);
    path_in(path, sizeof path, "tiles.nn");
    write_text(path, IMAGE_NN);
    exe_path("tiles", exe, sizeof exe);
    build_trainer(path, exe);

    char csv[2000];
    size_t at = (size_t)snprintf(csv, sizeof csv, "a,b,kind\n");
    for (int i = 0; i < 40; i++)
        at += (size_t)snprintf(csv + at, sizeof csv - at, "%.2f,%.2f,%d\n", (i % 7) * 0.3,
                               (i % 5) * 0.4 - 0.5, (i % 7) * 0.3 > 0.8);
    path_in(path, sizeof path, "train.csv");
    write_text(path, csv);
    path_in(path, sizeof path, "test.csv");
    write_text(path, "a,b,kind\n0.1,0.2,0\n1.5,-0.3,1\n0.9,0.7,1\n");
    path_in(path, sizeof path, "rows.nn");
    write_text(path, CSV_NN);
    exe_path("rows", exe, sizeof exe);
    build_trainer(path, exe);
}

/* `EXE ARGS` run in the fixture folder with its data; status, output in *out */
static int trainer(const char *exe_name, const char *args, char **out)
{
    char cmd[4000], exe[600];
    exe_path(exe_name, exe, sizeof exe);
    snprintf(cmd, sizeof cmd, "cd %s && NNC_DATA=%s/.. %s %s", fixture_dir(), fixture_dir(), exe,
             args);
    return run_cmd(cmd, out);
}

/* The text after the nth comma of a line */
static const char *after_commas(const char *line, int n)
{
    for (; n > 0 && line; n--) {
        line = strchr(line, ',');
        line = line ? line + 1 : NULL;
    }
    ck_assert_ptr_nonnull(line);
    return line;
}

static int same_to_line_end(const char *a, const char *b)
{
    size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
    return la == lb && strncmp(a, b, la) == 0;
}

START_TEST(a_test_image_as_a_png_gives_the_outputs_predict_gives_it)
{
    char *trained, *want, *got, name[32], path[600], args[2000] = "predict --csv --input";
    ck_assert_int_eq(trainer("tiles", "train --out tiles_run --overwrite", &trained), 0);
    free(trained);
    for (int i = 0; i < I_TEST; i++) {
        snprintf(name, sizeof name, "test%d.png", i);
        write_png(name, path, sizeof path, PNG_FORMAT_GRAY, I_W, I_H, i_pixels + i * I_PIXELS,
                  NULL, 0);
        strcat(strcat(args, " "), name);
    }
    strcat(args, " --weights tiles_run/weights");
    ck_assert_int_eq(trainer("tiles", "predict --csv --count 6 --weights tiles_run/weights", &want), 0);
    ck_assert_int_eq(trainer("tiles", args, &got), 0);
    const char *w = want, *g = got;
    for (int i = 0; i < I_TEST; i++) {
        char start[32];
        snprintf(start, sizeof start, "test%d.png,0,", i);
        ck_assert_msg(strncmp(g, start, strlen(start)) == 0, "line %d: %s", i, g);
        /* index,label,out... against file,line,predicted,out...: the same bits */
        ck_assert_msg(same_to_line_end(after_commas(w, 2), after_commas(g, 3)),
                      "sample %d:\n%s\n%s", i, w, g);
        w = strchr(w, '\n') + 1;
        g = strchr(g, '\n') + 1;
    }
    ck_assert_str_eq(g, "");
    free(want);
    free(got);
    /* for a person: what was done to the picture, then the top classes by name */
    ck_assert_int_eq(trainer("tiles", "predict --input test0.png --top 2 --weights tiles_run/weights",
                             &got), 0);
    ck_assert_msg(strstr(got, "tiles: weights tiles_run/weights\ntest0.png: 3x2 grey, values times "
                              "1/255 as in training\n    > 0 left <&>  ") != NULL, "%s", got);
    int lines = 0;
    for (const char *c = got; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, 4);
    free(got);
}
END_TEST

START_TEST(csv_rows_give_the_outputs_predict_gives_the_test_rows)
{
    char *trained, *want, *got, path[600];
    ck_assert_int_eq(trainer("rows", "train --out rows_run --overwrite", &trained), 0);
    free(trained);
    ck_assert_int_eq(trainer("rows", "predict --csv --count 3 --weights rows_run/weights", &want), 0);
    /* the columns in another order, one more, a blank line: read by name */
    path_in(path, sizeof path, "mine.csv");
    write_text(path, "note,b,a\nx,0.2,0.1\n\ny,-0.3,1.5\nz,0.7,0.9\n");
    ck_assert_int_eq(trainer("rows", "predict --csv --input mine.csv --weights rows_run/weights", &got),
                     0);
    const char *w = want, *g = got;
    static const int lines[3] = { 2, 4, 5 };
    for (int i = 0; i < 3; i++) {
        char start[32];
        snprintf(start, sizeof start, "mine.csv,%d,", lines[i]);
        ck_assert_msg(strncmp(g, start, strlen(start)) == 0, "row %d: %s", i, g);
        ck_assert_msg(same_to_line_end(after_commas(w, 2), after_commas(g, 3)), "row %d:\n%s\n%s",
                      i, w, g);
        w = strchr(w, '\n') + 1;
        g = strchr(g, '\n') + 1;
    }
    free(got);
    /* the test file itself, labels and all: right or wrong is said */
    ck_assert_int_eq(trainer("rows", "predict --input test.csv --weights rows_run/weights", &got), 0);
    ck_assert_msg(strstr(got, "test.csv line 2: label 0, predicted ") != NULL, "%s", got);
    free(got);
    free(want);
}
END_TEST

static void expect_error(const char *exe, const char *args, const char *want)
{
    char *out;
    int status = trainer(exe, args, &out);
    ck_assert_msg(status == 1 && strstr(out, want) != NULL, "%s %s: status %d, wanted '%s' in:\n%s",
                  exe, args, status, want, out);
    free(out);
}

START_TEST(wrong_files_and_flags_are_clear_errors)
{
    char path[600];
    write_png("pic.png", path, sizeof path, PNG_FORMAT_GRAY, I_W, I_H, i_pixels, NULL, 0);
    path_in(path, sizeof path, "short.csv");
    write_text(path, "a\n1\n");
    path_in(path, sizeof path, "fake.png");
    write_text(path, "\x89PNG\r\n\x1a\nnot really");
    expect_error("rows", "predict --seed 1 --input pic.png",
                 "pic.png: a PNG picture, but rows reads rows of 2 values, not pictures");
    expect_error("rows", "predict --seed 1 --input short.csv", "short.csv: no column 'b'");
    expect_error("tiles", "predict --seed 1 --input short.csv",
                 "short.csv: not a PNG picture; tiles reads 2x3 pictures of 1 channel");
    expect_error("tiles", "predict --seed 1 --input fake.png", "fake.png: ");
    expect_error("tiles", "predict --seed 1 --input nowhere.png",
                 "nowhere.png: No such file or directory");
    expect_error("tiles", "predict --seed 1 --input", "--input needs one or more files");
    expect_error("tiles", "predict --seed 1 --input pic.png --count 3",
                 "--count picks test samples; with --input the files are the samples");
    expect_error("tiles", "predict --seed 1 --top 2", "--top is for --input FILE...");
    expect_error("tiles", "predict --seed 1 --input pic.png --invert maybe",
                 "--invert maybe: give yes, no or auto");
    expect_error("tiles", "predict --seed 1 --inptu pic.png", "did you mean '--input'?");
}
END_TEST

/* ---- Fashion-MNIST: the README's two pictures ------------------------------- */

START_TEST(fashion_mlp_names_a_test_picture_and_a_drawn_one)
{
    if (!have_fashion())
        return;
    char exe[600], cmd[2400], *out;
    make_dir("%s", fixture_dir());
    exe_path("fashion_mlp", exe, sizeof exe);
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s train --epochs 2 --out %s/fashion --overwrite", exe,
             fixture_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    free(out);
    snprintf(cmd, sizeof cmd, "%s predict --out %s/fashion --input "
             "examples/embed/ankle_boot.png examples/pictures/drawn_trousers.png",
             exe, fixture_dir());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_msg(strstr(out, "ankle_boot.png: 28x28 grey, values times 1/255 as in "
                              "training\n    > 9 Ankle boot") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "drawn_trousers.png: 90x160 RGB, made grey, inverted (its "
                              "background is light, the training images' dark), resized to "
                              "16x28, centred in 28x28, values times 1/255 as in training\n"
                              "    > 1 Trouser") != NULL, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    keep_blas_core();
    Suite *s = suite_create("predict_input");
    TCase *pictures = tcase_create("pictures");
    tcase_add_test(pictures, a_grey_picture_of_the_models_size_is_its_bytes_times_the_scale);
    tcase_add_test(pictures, every_kind_of_png_of_one_picture_gives_the_same_input);
    tcase_add_test(pictures, transparent_pixels_take_the_training_background);
    tcase_add_test(pictures, a_larger_picture_is_averaged_down_keeping_its_proportions);
    tcase_add_test(pictures, a_picture_is_inverted_when_its_background_is_the_training_ones_reversed);
    tcase_add_test(pictures, a_colour_model_keeps_colours_and_makes_grey_rgb);
    tcase_add_test(pictures, a_broken_or_foreign_file_is_an_error_naming_it);
    suite_add_tcase(s, pictures);

    TCase *e2e = tcase_create("end to end");
    tcase_set_timeout(e2e, 300);
    tcase_add_unchecked_fixture(e2e, build_trainers, NULL);
    tcase_add_test(e2e, a_test_image_as_a_png_gives_the_outputs_predict_gives_it);
    tcase_add_test(e2e, csv_rows_give_the_outputs_predict_gives_the_test_rows);
    tcase_add_test(e2e, wrong_files_and_flags_are_clear_errors);
    suite_add_tcase(s, e2e);

    TCase *fashion = tcase_create("fashion-mnist");
    tcase_set_timeout(fashion, 300);
    tcase_add_test(fashion, fashion_mlp_names_a_test_picture_and_a_drawn_one);
    suite_add_tcase(s, fashion);
    return run_suite(s);
}
