/* png_write.c: pixels as a PNG through libpng, as png_write.h says.  Was
 * preview.c's encoder; the pages need the same PNG in memory. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "png_write.h"

typedef struct sink_to {
    nnrt_png_sink sink;
    void *ctx;
} sink_to;

static void png_write_bytes(png_structp png, png_bytep bytes, size_t n)
{
    sink_to *to = png_get_io_ptr(png);
    to->sink(to->ctx, bytes, n);
}

static void png_flush_nothing(png_structp png)
{
    (void)png;      /* the sink's owner flushes (nnrt_afile_commit syncs) */
}

/* libpng's errors end here and jump back to nnrt_png_encode's setjmp. */
static void png_fail(png_structp png, png_const_charp msg)
{
    nnrt_fail(png_get_error_ptr(png), "libpng: %s", msg);
    png_longjmp(png, 1);
}

/* Row y of pixels, each pixel repeated zoom times, into out */
static void zoom_row(const uint8_t *pixels, int width, int channels, int zoom, int y,
                     uint8_t *out)
{
    const uint8_t *in = pixels + (size_t)y * (size_t)width * (size_t)channels;
    for (int x = 0; x < width; x++)
        for (int k = 0; k < zoom; k++, out += channels)
            memcpy(out, in + (size_t)x * (size_t)channels, (size_t)channels);
}

int nnrt_png_encode(const uint8_t *pixels, int width, int height, int channels, int zoom,
                    nnrt_png_sink sink, void *ctx, nnrt_error *err)
{
    if (width < 1 || height < 1 || zoom < 1 || (channels != 1 && channels != 3) ||
        width > 0x7fffffff / zoom || height > 0x7fffffff / zoom)
        return nnrt_fail(err, "a %dx%d picture of %d channels at %dx cannot be a PNG", width,
                         height, channels, zoom);
    sink_to to = { sink, ctx };
    size_t row_bytes = (size_t)width * (size_t)zoom * (size_t)channels;
    uint8_t *row = malloc(row_bytes);
    png_structp png = row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, err, png_fail, NULL)
                          : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(row);
        return nnrt_fail(err, "out of memory for libpng");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    png_set_write_fn(png, &to, png_write_bytes, png_flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)width * (png_uint_32)zoom,
                 (png_uint_32)height * (png_uint_32)zoom, 8,
                 channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        zoom_row(pixels, width, channels, zoom, y, row);
        for (int k = 0; k < zoom; k++)
            png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}
