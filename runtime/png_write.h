/* png_write.h: pixels as a PNG (png_write.c, through libpng), written to
 * whatever takes bytes: a file being replaced (preview.c) or a memory
 * stream that a page embeds as a data: URI (page_test.c).  Internal; not
 * installed. */
#ifndef NNRT_PNG_WRITE_H
#define NNRT_PNG_WRITE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nnrt_error.h"

/* Where the PNG's bytes go, n at a time, in order. */
typedef void (*nnrt_png_sink)(void *ctx, const void *bytes, size_t n);

/* pixels, (height, width, channels) bytes, channels 1 (grey) or 3 (RGB),
 * as a PNG in which every pixel is a zoom x zoom square (a 28x28 image is
 * too small to judge at one screen pixel a pixel).  libpng's errors become
 * err's message. */
int nnrt_png_encode(const uint8_t *pixels, int width, int height, int channels, int zoom,
                    nnrt_png_sink sink, void *ctx, nnrt_error *err);

/* A model's value back to the byte it was scaled from: v / scale, rounded,
 * clamped to 0..255 (a NaN is 0). */
static inline uint8_t nnrt_pixel_byte(float v, float scale)
{
    float b = v / scale;
    return !(b > 0) ? 0 : b >= 255 ? 255 : (uint8_t)lrintf(b);
}

#endif
