/* preview.c: the `augment-preview` command: what the augment block does to
 * training images, as a PNG; and `reconstruct`: what an autoencoder (a
 * model with `target input`) makes of test images.  The first N training
 * (or test) images go in a grid of pairs, each image beside its augmented
 * copy (or its reconstruction, the model's output in inference mode):
 *
 *   ceil(sqrt(N)) pairs per row, as many rows as needed, in file order; a
 *   pair is the original, 1 grey pixel, the copy; 2 grey pixels between
 *   pairs and around the grid.  For h x w images in cols x rows pairs the
 *   PNG is cols (2w + 1) + 2 (cols + 1) wide and rows h + 2 (rows + 1) high.
 *
 * Values go back to bytes through the model's scale (v / scale, rounded,
 * clamped to 0..255); 1 channel makes a grey PNG, 3 an RGB one.  The copies
 * draw from the augment stream of --seed, image after image, as a training
 * batch of these images would.  A model without an augment block still
 * gets its grid, each copy the same as its original, and a note saying so.
 * The file is written as every file of the runtime is: to a temporary,
 * then renamed (fileio.c); the PNG is png_write.c's.  A run's page
 * (page_test.c) embeds the same augmented grid (nnrt_preview_encode). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "page.h"
#include "png_write.h"

#define GAP 2           /* grey pixels between pairs and around the grid */
#define GREY 128

typedef struct grid {
    int h, w, c;                /* one image */
    int cols, rows;             /* pairs */
    int width, height;          /* the PNG, pixels */
    uint8_t *pixels;            /* (height, width, c); owned */
} grid;

static int grid_init(grid *g, int count, int h, int w, int c, nnrt_error *err)
{
    g->h = h, g->w = w, g->c = c;
    for (g->cols = 1; g->cols * g->cols < count; g->cols++)
        ;
    g->rows = (count + g->cols - 1) / g->cols;
    long width = (long)g->cols * (2L * w + 1) + (long)GAP * (g->cols + 1);
    long height = (long)g->rows * h + (long)GAP * (g->rows + 1);
    if (width > 0x7fffffff / NNRT_PREVIEW_ZOOM || height > 0x7fffffff / NNRT_PREVIEW_ZOOM)
        return nnrt_fail(err, "a preview of %d images of %dx%d is too large for a PNG", count, h,
                         w);
    g->width = (int)width, g->height = (int)height;
    size_t bytes = (size_t)width * (size_t)height * (size_t)c;
    g->pixels = malloc(bytes);
    if (!g->pixels)
        return nnrt_fail(err, "out of memory for a %ldx%ld preview", width, height);
    memset(g->pixels, GREY, bytes);
    return 0;
}

/* img, (h, w, c) floats, into the grid with its top-left corner at (x0, y0) */
static void paint(grid *g, const float *img, int x0, int y0, float scale)
{
    size_t row_values = (size_t)g->w * g->c;
    for (int y = 0; y < g->h; y++) {
        uint8_t *row = g->pixels + ((size_t)(y0 + y) * g->width + x0) * g->c;
        for (size_t i = 0; i < row_values; i++)
            row[i] = nnrt_pixel_byte(img[y * row_values + i], scale);
    }
}

/* Each of the first `count` samples of ds, and its augmented copy (or,
 * with reconstruct, the model's output), into g: the sample goes through
 * nnrt_input(m) as a batch of one. */
static int paint_pairs(grid *g, const nnrt_model *m, const nnrt_dataset *ds, int count,
                       uint64_t seed, int reconstruct, nnrt_error *err)
{
    float *scratch = malloc((size_t)m->in_size * sizeof *scratch);
    if (!scratch)
        return nnrt_fail(err, "out of memory");
    nnrt_rng rng;
    nnrt_rng_stream(&rng, seed, NNRT_STREAM_AUGMENT);
    float scale = m->scale > 0 ? m->scale : 1;
    for (int i = 0; i < count; i++) {
        int y;
        int x0 = GAP + (i % g->cols) * (2 * g->w + 1 + GAP);
        int y0 = GAP + (i / g->cols) * (g->h + GAP);
        nnrt_model_batch(m, ds, &i, 0, 1, &y);
        paint(g, nnrt_input(m), x0, y0, scale);
        if (reconstruct) {
            nnrt_run_batch(m, 1, NULL, 0, NULL, 0);
            paint(g, nnrt_output(m), x0 + g->w + 1, y0, scale);
        } else {
            nnrt_augment_batch(m, nnrt_input(m), 1, scratch, &rng);
            paint(g, nnrt_input(m), x0 + g->w + 1, y0, scale);
        }
    }
    free(scratch);
    return 0;
}

/* ---- PNG (png_write.c) into an nnrt_afile or any sink -------------------- */

static void afile_sink(void *f, const void *bytes, size_t n)
{
    nnrt_afile_write(f, bytes, n);
}

static int write_png(const grid *g, const char *path, nnrt_error *err)
{
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    if (nnrt_png_encode(g->pixels, g->width, g->height, g->c, NNRT_PREVIEW_ZOOM, afile_sink, &f,
                        err) != 0) {
        char why[sizeof err->msg];
        memcpy(why, err->msg, sizeof why);
        nnrt_afile_abort(&f);
        return nnrt_fail(err, "%s: %s", path, why);
    }
    return nnrt_afile_commit(&f, err);
}

/* ---- the command ----------------------------------------------------------- */

/* The grid of the first count samples of ds painted into g (g->pixels
 * the caller's to free, even on failure) */
static int paint_grid(grid *g, const nnrt_model *m, const nnrt_dataset *ds, int count,
                      uint64_t seed, int reconstruct, nnrt_error *err)
{
    int h, w, c;
    nnrt_image_shape(m, &h, &w, &c);
    if (grid_init(g, count, h, w, c, err) != 0)
        return -1;
    return paint_pairs(g, m, ds, count, seed, reconstruct, err);
}

static int preview(const nnrt_model *m, const nnrt_dataset *ds, const char *path, int count,
                   uint64_t seed, int reconstruct, nnrt_error *err)
{
    grid g = { 0 };
    int rc = paint_grid(&g, m, ds, count, seed, reconstruct, err);
    if (rc == 0)
        rc = write_png(&g, path, err);
    free(g.pixels);
    return rc;
}

int nnrt_preview_encode(const nnrt_model *m, const nnrt_dataset *ds, int count, uint64_t seed,
                        nnrt_png_sink sink, void *ctx, nnrt_error *err)
{
    grid g = { 0 };
    if (count > ds->n_samples)
        count = ds->n_samples;
    int rc = count > 0 ? paint_grid(&g, m, ds, count, seed, 0, err)
                       : nnrt_fail(err, "no images to preview");
    if (rc == 0)
        rc = nnrt_png_encode(g.pixels, g.width, g.height, g.c, NNRT_PREVIEW_ZOOM, sink, ctx,
                             err);
    free(g.pixels);
    return rc;
}

int nnrt_preview_run(const nnrt_model *m, const char *path, int count, uint64_t seed,
                     nnrt_error *err)
{
    int h, w, c;
    nnrt_image_shape(m, &h, &w, &c);
    if (m->train_csv || m->series_csv)
        return nnrt_fail(err, "augment-preview shows images, and %s is a csv file",
                         nnrt_model_data_name(m, 0));
    if (c != 1 && c != 3)
        return nnrt_fail(err, "augment-preview shows grey (1 channel) or RGB (3 channel) "
                              "images, not %d channels", c);
    nnrt_dataset ds;
    if (nnrt_model_data_load(m, 0, &ds, err) != 0)
        return -1;
    if (count > ds.n_samples)
        count = ds.n_samples;
    int rc = count > 0 ? preview(m, &ds, path, count, seed, 0, err)
                       : nnrt_fail(err, "%s: no training samples", nnrt_model_data_name(m, 0));
    nnrt_dataset_free(&ds);
    if (rc != 0)
        return rc;
    if (!nnrt_augment_active(&m->augment))
        fprintf(stderr, "%s: note: the model has no augment block: each copy is the same as "
                        "its original\n", m->name);
    printf("%s: wrote %s: %d training image%s, each beside its augmented copy\n", m->name, path,
           count, count == 1 ? "" : "s");
    return 0;
}

int nnrt_reconstruct_run(const nnrt_model *m, const char *weights, const char *path, int count,
                         nnrt_error *err)
{
    int h, w, c;
    nnrt_image_shape(m, &h, &w, &c);
    if (!m->target_input)
        return nnrt_fail(err, "reconstruct draws what an autoencoder (a model with 'target "
                              "input') gives back; %s's output is not an image", m->name);
    if (c != 1 && c != 3)
        return nnrt_fail(err, "reconstruct shows grey (1 channel) or RGB (3 channel) images, "
                              "not %d channels", c);
    if (access(weights, F_OK) != 0 && errno == ENOENT)
        return nnrt_fail(err, "%s: no weights there yet: train first, or give --weights FILE",
                         weights);
    nnrt_dataset ds;
    if (nnrt_weights_load(m, weights, err) != 0 || nnrt_model_data_load(m, 1, &ds, err) != 0)
        return -1;
    if (count > ds.n_samples)
        count = ds.n_samples;
    int rc = count > 0 ? preview(m, &ds, path, count, 0, 1, err)
                       : nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    nnrt_dataset_free(&ds);
    if (rc == 0)
        printf("%s: wrote %s: %d test image%s, each beside its reconstruction\n", m->name, path,
               count, count == 1 ? "" : "s");
    return rc;
}
