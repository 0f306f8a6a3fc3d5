/* image_input.c: a person's own picture made into an image model's input,
 * for `predict --input FILE.png`: what the model would have seen had the
 * picture been one of its training images.
 *
 * libpng's simplified API reads any PNG (grey or colour, palette, 16-bit,
 * with or without alpha) as 8-bit sRGB grey+alpha for a model of one
 * channel or RGBA for one of three, doing the colour conversions itself.
 * Then, in this order:
 *   - inverted, when the picture's background is far from the training
 *     images' (Fashion-MNIST's clothes are light on black; a photo or a
 *     drawing is mostly dark on white), or as --invert says;
 *   - transparent pixels laid on the training images' background;
 *   - resized to fit the model's rows and columns, keeping its proportions
 *     (area-averaged when smaller, bilinear when larger), centred, the rest
 *     filled with the background;
 *   - each byte value times the .nn file's scale, as training scales them.
 * The background of the training images is the mean of their border
 * pixels; the picture's is the mean of its opaque border pixels. */
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

/* a picture of more pixels than this is refused before it is decoded */
#define MAX_PIXELS (64L * 1024 * 1024)

/* ---- backgrounds ----------------------------------------------------------- */

double nnrt_image_background(const nnrt_model *m, const nnrt_dataset *ds)
{
    int h = m->in_h, w = m->in_w, c = m->in_c, n = ds->n_samples < 1000 ? ds->n_samples : 1000;
    if (!ds->pixels || n < 1 || h < 2 || w < 2)
        return -1;
    double sum = 0;
    long count = 0;
    for (int s = 0; s < n; s++) {
        const uint8_t *img = ds->pixels + (size_t)s * ds->sample_bytes;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (y != 0 && y != h - 1 && x != 0 && x != w - 1)
                    continue;
                for (int k = 0; k < c; k++)
                    sum += img[((size_t)y * w + x) * c + k];
                count += c;
            }
    }
    return sum / (double)count;
}

/* The mean of the opaque part of the border of a picture of ch channels,
 * the last alpha; -1 when the border is all transparent. */
static double picture_background(const uint8_t *px, int w, int h, int ch)
{
    double sum = 0, weight = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (y != 0 && y != h - 1 && x != 0 && x != w - 1)
                continue;
            const uint8_t *p = px + ((size_t)y * w + x) * ch;
            double a = p[ch - 1] / 255.0;
            for (int k = 0; k < ch - 1; k++)
                sum += a * p[k];
            weight += a * (ch - 1);
        }
    return weight > 0 ? sum / weight : -1;
}

/* ---- resizing -------------------------------------------------------------- */

/* dst (n_dst values, stride dst_step) from src (n_src, stride src_step):
 * a smaller dst averages the source's pixels by the part of each that a
 * destination pixel covers; a larger one interpolates between the two
 * nearest pixel centres. */
static void resample(const float *src, int n_src, size_t src_step, float *dst, int n_dst,
                     size_t dst_step)
{
    double ratio = (double)n_src / n_dst;
    for (int o = 0; o < n_dst; o++) {
        double v;
        if (ratio >= 1) {
            double from = o * ratio, to = (o + 1) * ratio, sum = 0;
            for (int i = (int)from; i < n_src && i < to; i++) {
                double lo = i > from ? i : from, hi = i + 1 < to ? i + 1 : to;
                sum += (hi - lo) * src[(size_t)i * src_step];
            }
            v = sum / ratio;
        } else {
            double at = (o + 0.5) * ratio - 0.5;
            at = at < 0 ? 0 : at > n_src - 1 ? n_src - 1 : at;
            int i = (int)at;
            int j = i + 1 < n_src ? i + 1 : i;
            double f = at - i;
            v = (1 - f) * src[(size_t)i * src_step] + f * src[(size_t)j * src_step];
        }
        dst[(size_t)o * dst_step] = (float)v;
    }
}

/* img (h, w, c) into out (oh, ow, c): rows first, then columns */
static int resize(const float *img, int w, int h, int c, float *out, int ow, int oh)
{
    float *tmp = malloc((size_t)oh * (size_t)w * (size_t)c * sizeof *tmp);
    if (!tmp)
        return -1;
    for (int x = 0; x < w; x++)
        for (int k = 0; k < c; k++)
            resample(img + (size_t)x * c + k, h, (size_t)w * c, tmp + (size_t)x * c + k, oh,
                     (size_t)w * c);
    for (int y = 0; y < oh; y++)
        for (int k = 0; k < c; k++)
            resample(tmp + (size_t)y * w * c + k, w, (size_t)c, out + (size_t)y * ow * c + k, ow,
                     (size_t)c);
    free(tmp);
    return 0;
}

/* ---- the picture ------------------------------------------------------------- */

static const char *format_name(png_uint_32 format)
{
    int colour = (format & PNG_FORMAT_FLAG_COLOR) != 0, alpha = (format & PNG_FORMAT_FLAG_ALPHA) != 0;
    if (format & PNG_FORMAT_FLAG_COLORMAP)
        return alpha ? "palette with transparency" : "palette";
    return colour ? alpha ? "RGBA" : "RGB" : alpha ? "grey+alpha" : "grey";
}

/* The decoded picture as floats on the training background bg, inverted
 * or not: (h, w, c) of the model's channels. */
static float *compose(const uint8_t *px, int w, int h, int ch, int invert, double bg)
{
    int c = ch - 1;
    float *img = malloc((size_t)w * (size_t)h * (size_t)c * sizeof *img);
    if (!img)
        return NULL;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
        const uint8_t *p = px + i * (size_t)ch;
        double a = p[c] / 255.0;
        for (int k = 0; k < c; k++) {
            double v = invert ? 255.0 - p[k] : p[k];
            img[i * (size_t)c + k] = (float)(a * v + (1 - a) * bg);
        }
    }
    return img;
}

int nnrt_image_input(const nnrt_model *m, const char *path, double train_bg, int invert_mode,
                     float *x, char *said, size_t said_len, nnrt_error *err)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path))
        return nnrt_fail(err, "%s: not a PNG picture this can read (%s)", path, image.message);
    png_uint_32 was = image.format;
    int w = (int)image.width, h = (int)image.height, c = m->in_c;
    if ((long)image.width * (long)image.height > MAX_PIXELS) {
        png_image_free(&image);
        return nnrt_fail(err, "%s: %ux%u pixels is too large a picture (%ld at most)", path,
                         (unsigned)image.width, (unsigned)image.height, MAX_PIXELS);
    }
    /* a 16-bit file with no gAMA or sRGB chunk holds sRGB values, as
       editors write them, not linear light (libpng's guess otherwise) */
    image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    int ch = c == 1 ? 2 : 4;
    image.format = c == 1 ? PNG_FORMAT_GA : PNG_FORMAT_RGBA;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(image));
    if (!px) {
        png_image_free(&image);
        return nnrt_fail(err, "%s: out of memory for a %dx%d picture", path, w, h);
    }
    if (!png_image_finish_read(&image, NULL, px, 0, NULL)) {
        nnrt_fail(err, "%s: a broken PNG: %s", path, image.message);
        png_image_free(&image);
        free(px);
        return -1;
    }
    /* invert when the picture's background is nearer the training images'
     * that way round: light on dark where they are dark, or the reverse */
    double pic_bg = picture_background(px, w, h, ch), bg = train_bg >= 0 ? train_bg : 0;
    int invert = invert_mode > 0;
    if (invert_mode < 0)
        invert = train_bg >= 0 && pic_bg >= 0 && fabs(255 - pic_bg - bg) + 64 < fabs(pic_bg - bg);
    float *img = compose(px, w, h, ch, invert, bg);
    free(px);
    if (!img)
        return nnrt_fail(err, "%s: out of memory", path);
    /* fit inside in_w x in_h with the picture's proportions, centred */
    double fit = fmin((double)m->in_w / w, (double)m->in_h / h);
    int ow = (int)lround(w * fit), oh = (int)lround(h * fit);
    ow = ow < 1 ? 1 : ow > m->in_w ? m->in_w : ow;
    oh = oh < 1 ? 1 : oh > m->in_h ? m->in_h : oh;
    float *fitted = malloc((size_t)ow * (size_t)oh * (size_t)c * sizeof *fitted);
    if (!fitted || resize(img, w, h, c, fitted, ow, oh) != 0) {
        free(img);
        free(fitted);
        return nnrt_fail(err, "%s: out of memory", path);
    }
    free(img);
    int top = (m->in_h - oh) / 2, left = (m->in_w - ow) / 2;
    for (int y = 0; y < m->in_h; y++)
        for (int xx = 0; xx < m->in_w; xx++)
            for (int k = 0; k < c; k++) {
                int in = y >= top && y < top + oh && xx >= left && xx < left + ow;
                double v = in ? fitted[((size_t)(y - top) * ow + (xx - left)) * c + k] : bg;
                /* whole byte values, as the training images hold */
                v = floor((v < 0 ? 0 : v > 255 ? 255 : v) + 0.5);
                x[((size_t)y * m->in_w + xx) * c + k] = (float)v * m->scale;
            }
    free(fitted);
    /* "640x480 RGB, made grey, inverted, resized to 28x21 and centred in 28x28" */
    int colour = (was & PNG_FORMAT_FLAG_COLOR) != 0;
    size_t at = (size_t)snprintf(said, said_len, "%dx%d %s", w, h, format_name(was));
    if (at < said_len && colour && c == 1)
        at += (size_t)snprintf(said + at, said_len - at, ", made grey");
    if (at < said_len && !colour && c == 3)
        at += (size_t)snprintf(said + at, said_len - at, ", grey made RGB");
    if (at < said_len && invert)
        at += (size_t)snprintf(said + at, said_len - at, invert_mode > 0 ? ", inverted"
                               : ", inverted (its background is %s, the training images' %s)",
                               pic_bg > 127 ? "light" : "dark", bg > 127 ? "light" : "dark");
    if (at < said_len && (ow != w || oh != h))
        at += (size_t)snprintf(said + at, said_len - at, ", resized to %dx%d", ow, oh);
    if (at < said_len && (ow != m->in_w || oh != m->in_h))
        at += (size_t)snprintf(said + at, said_len - at, ", centred in %dx%d", m->in_w, m->in_h);
    /* "1/255" rather than 0.00392157, as the .nn file most likely says it */
    double inverse = 1.0 / m->scale;
    if (at < said_len && fabs(inverse - round(inverse)) < 1e-3)
        snprintf(said + at, said_len - at, ", values times 1/%.0f as in training", inverse);
    else if (at < said_len)
        snprintf(said + at, said_len - at, ", values times %g as in training", (double)m->scale);
    return 0;
}
