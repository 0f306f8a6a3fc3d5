/* augment.c: random changes to training images (the .nn file's augment
 * block), applied to each training batch after it is filled and before
 * forward.
 *
 * Per image, in this order, everything drawn from the one generator given
 * (so the same seed gives the same images).  A kind whose p is 0 draws
 * nothing; any other first draws u = uniform and applies when u < p.  Then
 * s = 2 * uniform - 1, a symmetric draw in [-1, 1), sets its magnitude:
 *
 *   hflip, vflip   (no magnitude)
 *   shift          dx = shift * s, then dy = shift * s (a second draw)
 *   rotate         degrees = rotate * s
 *   zoom           both scales times 1 + zoom * s
 *   aspect         a = 1 + aspect * s: scale_x times a, scale_y over a
 *       if any of these applied: one nnrt_warp_image of the whole image
 *   brightness     v += brightness * s * top
 *   contrast       per channel, v += (f - 1) (v - mean), f = 1 + contrast * s
 *                  (the same as (v - mean) f + mean, but exact when f is 1)
 *   noise          v += noise * top * normal, one normal per value
 *   erase          area fraction 0.02 + (erase - 0.02) * uniform, shape
 *                  ratio exp(s * ln(10/3)) (Random Erasing's 0.3 to 3.3),
 *                  then the top row and left column (nnrt_rng_below)
 *
 * top = 255 * scale, the brightest a pixel byte can be; values are clamped
 * to [0, top] after each of brightness, contrast and noise, and erasing
 * sets its rectangle to 0, as the contract in nnrt.h says. */
#include <math.h>
#include <string.h>

#include "nnrt_internal.h"

#define PI 3.14159265358979323846
/* A source coordinate this close to a whole number is that number. */
#define SNAP 1e-4

void nnrt_image_shape(const nnrt_model *m, int *h, int *w, int *c)
{
    if (m->in_h > 0 && m->in_w > 0 && m->in_c > 0 &&
        (long)m->in_h * m->in_w * m->in_c == m->in_size) {
        *h = m->in_h, *w = m->in_w, *c = m->in_c;
        return;
    }
    *h = 1, *w = m->in_size, *c = 1;
}

/* ---- the warp ------------------------------------------------------------ */

/* Where destination pixel (x, y) samples the source:
 *   sx = xx x + xy y + x0,  sy = yx x + yy y + y0 */
typedef struct affine {
    double xx, xy, x0;
    double yx, yy, y0;
} affine;

/* sin and cos of deg degrees; exact at multiples of 90, where sin(pi) is
 * not 0 in floating point and a quarter turn would blur. */
static void sin_cos_degrees(double deg, double *s, double *c)
{
    static const double SIN[] = { 0, 1, 0, -1 }, COS[] = { 1, 0, -1, 0 };
    double quarters = deg / 90;
    if (quarters == floor(quarters) && fabs(quarters) < 1e9) {
        long k = ((long)quarters % 4 + 4) % 4;
        *s = SIN[k];
        *c = COS[k];
        return;
    }
    *s = sin(deg * (PI / 180));
    *c = cos(deg * (PI / 180));
}

/* The forward map is p' = C + T + R S F (p - C) about the centre C
 * (F flips, S scales, R turns, T shifts); sampling needs its inverse,
 *   p = C + F S^-1 R^-1 (p' - C - T) = M p' + C - M (C + T).
 * On screen (y down) a counter-clockwise turn is R = [c s; -s c], so
 * R^-1 = [c -s; s c]. */
static affine inverse_map(const nnrt_warp *w, int h, int width)
{
    double s, c;
    sin_cos_degrees(w->degrees, &s, &c);
    double fx = w->flip_x ? -1 : 1, fy = w->flip_y ? -1 : 1;
    double kx = fx / w->scale_x, ky = fy / w->scale_y;
    double cx = (width - 1) / 2.0, cy = (h - 1) / 2.0;
    affine a;
    a.xx = kx * c;
    a.xy = -kx * s;
    a.yx = ky * s;
    a.yy = ky * c;
    double tx = cx + w->shift_x, ty = cy + w->shift_y;
    a.x0 = cx - (a.xx * tx + a.xy * ty);
    a.y0 = cy - (a.yx * tx + a.yy * ty);
    return a;
}

static double snap(double v)
{
    double r = nearbyint(v);
    return fabs(v - r) < SNAP ? r : v;
}

/* out[0..c) = src bilinearly at (sx, sy), 0 outside: the four pixels
 * around the point weighted by the area opposite each.  At a whole-number
 * point the weights are 1, 0, 0, 0, so the value is copied exactly. */
static void sample(const float *src, int h, int w, int c, double sx, double sy, float *out)
{
    double fx = floor(sx), fy = floor(sy);
    if (!(fx >= -1 && fx <= w - 1 && fy >= -1 && fy <= h - 1)) {
        memset(out, 0, (size_t)c * sizeof *out);
        return;
    }
    int x = (int)fx, y = (int)fy;
    float ax = (float)(sx - fx), ay = (float)(sy - fy);
    float wt[4] = { (1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay };
    const float *p[4] = { NULL, NULL, NULL, NULL };
    for (int k = 0; k < 4; k++) {
        int px = x + (k & 1), py = y + (k >> 1);
        if (px >= 0 && px < w && py >= 0 && py < h)
            p[k] = src + ((size_t)py * w + px) * c;
    }
    for (int ch = 0; ch < c; ch++) {
        float v = 0;
        for (int k = 0; k < 4; k++)
            if (p[k])
                v += wt[k] * p[k][ch];
        out[ch] = v;
    }
}

/* src, dst are (h, w, c) */
void nnrt_warp_image(const nnrt_warp *warp, const float *src, float *dst, int h, int w, int c)
{
    affine a = inverse_map(warp, h, w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double sx = snap(a.xx * x + a.xy * y + a.x0);
            double sy = snap(a.yx * x + a.yy * y + a.y0);
            sample(src, h, w, c, sx, sy, dst + ((size_t)y * w + x) * c);
        }
}

/* ---- the draws ----------------------------------------------------------- */

int nnrt_augment_active(const nnrt_augment *a)
{
    const float p[] = { a->shift_p, a->rotate_p, a->hflip_p, a->vflip_p, a->zoom_p,
                        a->aspect_p, a->brightness_p, a->contrast_p, a->noise_p, a->erase_p };
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (p[i] > 0)
            return 1;
    return 0;
}

/* Whether a change of probability p applies to this image. */
static int fires(nnrt_rng *rng, float p)
{
    return p > 0 && nnrt_rng_uniform(rng) < p;
}

/* uniform in [-1, 1) */
static float symmetric(nnrt_rng *rng)
{
    return 2 * nnrt_rng_uniform(rng) - 1;
}

/* The geometric changes into *w; 0 when none applies. */
static int draw_warp(const nnrt_augment *a, nnrt_rng *rng, nnrt_warp *w)
{
    *w = (nnrt_warp){ 0, 0, 1, 1, 0, 0, 0 };
    int any = 0;
    if (fires(rng, a->hflip_p))
        w->flip_x = any = 1;
    if (fires(rng, a->vflip_p))
        w->flip_y = any = 1;
    if (fires(rng, a->shift_p)) {
        w->shift_x = a->shift * symmetric(rng);
        w->shift_y = a->shift * symmetric(rng);
        any = 1;
    }
    if (fires(rng, a->rotate_p)) {
        w->degrees = a->rotate * symmetric(rng);
        any = 1;
    }
    if (fires(rng, a->zoom_p)) {
        float z = 1 + a->zoom * symmetric(rng);
        w->scale_x *= z;
        w->scale_y *= z;
        any = 1;
    }
    if (fires(rng, a->aspect_p)) {
        float r = 1 + a->aspect * symmetric(rng);
        w->scale_x *= r;
        w->scale_y /= r;
        any = 1;
    }
    return any;
}

static float clamp(float v, float top)
{
    return v < 0 ? 0 : v > top ? top : v;
}

/* img is (n) values */
static void brighten(float *img, size_t n, float delta, float top)
{
    for (size_t i = 0; i < n; i++)
        img[i] = clamp(img[i] + delta, top);
}

/* img is (pixels, c): each channel stretched by f about its own mean, as
 * TensorFlow's adjust_contrast does */
static void contrast(float *img, size_t pixels, int c, float f, float top)
{
    for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        for (size_t i = 0; i < pixels; i++)
            sum += img[i * c + ch];
        float mean = (float)(sum / (double)pixels);
        for (size_t i = 0; i < pixels; i++) {
            float *v = &img[i * c + ch];
            *v = clamp(*v + (f - 1) * (*v - mean), top);
        }
    }
}

static void add_noise(float *img, size_t n, float std, float top, nnrt_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        img[i] = clamp(img[i] + std * nnrt_rng_normal(rng), top);
}

/* A rectangle of a random fraction (0.02 to max_area) of img, (h, w, c),
 * set to 0; its side ratio too is random (Zhong et al., Random Erasing,
 * 2017), cut to fit the image rather than redrawn, so the number of draws
 * is fixed. */
static void erase(float *img, int h, int w, int c, float max_area, nnrt_rng *rng)
{
    double area = (0.02 + (max_area - 0.02) * nnrt_rng_uniform(rng)) * h * w;
    double ratio = exp(symmetric(rng) * log(10.0 / 3.0));
    if (!(area > 0))
        area = 0;
    long eh = lround(sqrt(area * ratio)), ew = lround(sqrt(area / ratio));
    eh = eh < 1 ? 1 : eh > h ? h : eh;
    ew = ew < 1 ? 1 : ew > w ? w : ew;
    int top = (int)nnrt_rng_below(rng, (uint32_t)(h - eh + 1));
    int left = (int)nnrt_rng_below(rng, (uint32_t)(w - ew + 1));
    for (int y = top; y < top + eh; y++)
        memset(img + ((size_t)y * w + left) * c, 0, (size_t)ew * c * sizeof *img);
}

/* img and scratch are (h, w, c) */
static void augment_image(const nnrt_augment *a, float *img, int h, int w, int c, float top,
                          float *scratch, nnrt_rng *rng)
{
    size_t n = (size_t)h * w * c;
    nnrt_warp warp;
    if (draw_warp(a, rng, &warp)) {
        nnrt_warp_image(&warp, img, scratch, h, w, c);
        memcpy(img, scratch, n * sizeof *img);
    }
    if (fires(rng, a->brightness_p))
        brighten(img, n, a->brightness * symmetric(rng) * top, top);
    if (fires(rng, a->contrast_p))
        contrast(img, (size_t)h * w, c, 1 + a->contrast * symmetric(rng), top);
    if (fires(rng, a->noise_p))
        add_noise(img, n, a->noise * top, top, rng);
    if (fires(rng, a->erase_p))
        erase(img, h, w, c, a->erase, rng);
}

/* x is (n, in_size); scratch is (in_size) */
void nnrt_augment_batch(const nnrt_model *m, float *x, int n, float *scratch, nnrt_rng *rng)
{
    if (!nnrt_augment_active(&m->augment))
        return;
    int h, w, c;
    nnrt_image_shape(m, &h, &w, &c);
    float top = 255 * m->scale;
    for (int r = 0; r < n; r++)
        augment_image(&m->augment, x + (size_t)r * m->in_size, h, w, c, top, scratch, rng);
}
