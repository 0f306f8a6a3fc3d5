/* test_augment.c: data augmentation, end to end.
 *
 * The warp against exact expectations (flips, quarter turns, whole-pixel
 * shifts copy values bit for bit; a half-pixel shift averages neighbours);
 * each change of nnrt_augment against known inputs; probabilities and
 * seeds; that train augments its training batches and nothing else; the
 * augment-preview PNG, pixel for pixel; the augment block's diagnostics to
 * the letter and the C it emits; and a trainer built by nnc writing its
 * preview. */
#include <math.h>
#include <stddef.h>
#include <png.h>

#include "nnrt_internal.h"
#include "test_util.h"
#include "trainer_util.h"

/* value ch of pixel (y, x) of an image w pixels wide with c channels */
#define PX(img, w, c, y, x, ch) ((img)[((size_t)(y) * (w) + (x)) * (c) + (ch)])
/* the same pixel of a preview, whose pixels are NNRT_PREVIEW_ZOOM squares */
#define ZPX(img, w, c, y, x, ch) PX(img, w, c, (y) * NNRT_PREVIEW_ZOOM, (x) * NNRT_PREVIEW_ZOOM, ch)

static const nnrt_warp IDENTITY = { 0, 0, 1, 1, 0, 0, 0 };

/* distinct values, exact in float */
static float *ramp(int n)
{
    float *img = malloc((size_t)n * sizeof *img);
    for (int i = 0; i < n; i++)
        img[i] = 1 + 0.25f * (float)i;
    return img;
}

static float *warped(const nnrt_warp *w, const float *src, int h, int width, int c)
{
    float *dst = malloc((size_t)h * width * c * sizeof *dst);
    nnrt_warp_image(w, src, dst, h, width, c);
    return dst;
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* ---- the warp ------------------------------------------------------------ */

START_TEST(flips_are_exact_and_undo_themselves)
{
    enum { H = 5, W = 7, C = 3 };
    float *src = ramp(H * W * C);
    nnrt_warp h = IDENTITY, v = IDENTITY;
    h.flip_x = 1;
    v.flip_y = 1;
    float *fh = warped(&h, src, H, W, C), *fv = warped(&v, src, H, W, C);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < C; ch++) {
                ck_assert(PX(fh, W, C, y, x, ch) == PX(src, W, C, y, W - 1 - x, ch));
                ck_assert(PX(fv, W, C, y, x, ch) == PX(src, W, C, H - 1 - y, x, ch));
            }
    float *back = warped(&h, fh, H, W, C);
    ck_assert(same_floats(back, src, H * W * C));
    free(back);
    back = warped(&v, fv, H, W, C);
    ck_assert(same_floats(back, src, H * W * C));
    free(back);
    free(fh);
    free(fv);
    free(src);
}
END_TEST

START_TEST(identity_and_tiny_shifts_copy_bit_for_bit)
{
    enum { H = 6, W = 9, C = 2 };
    float *src = ramp(H * W * C);
    float *same = warped(&IDENTITY, src, H, W, C);
    ck_assert(same_floats(same, src, H * W * C));
    free(same);
    /* within 1e-4 of a whole pixel snaps to it */
    nnrt_warp tiny = IDENTITY;
    tiny.shift_x = 3e-5f;
    tiny.shift_y = -5e-5f;
    same = warped(&tiny, src, H, W, C);
    ck_assert(same_floats(same, src, H * W * C));
    free(same);
    free(src);
}
END_TEST

START_TEST(quarter_turns_of_a_square_are_exact)
{
    enum { N = 6, C = 2 };
    float *src = ramp(N * N * C);
    nnrt_warp turn = IDENTITY;
    turn.degrees = 90;
    float *q = warped(&turn, src, N, N, C);
    /* counter-clockwise as seen: the right column becomes the top row */
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            for (int ch = 0; ch < C; ch++)
                ck_assert(PX(q, N, C, y, x, ch) == PX(src, N, C, x, N - 1 - y, ch));
    /* four of them are the identity */
    float *img = q;
    for (int k = 1; k < 4; k++) {
        float *next = warped(&turn, img, N, N, C);
        free(img);
        img = next;
    }
    ck_assert(same_floats(img, src, N * N * C));
    free(img);
    /* 180 is both flips; -90 is 270 */
    nnrt_warp half = IDENTITY, both = IDENTITY, minus = IDENTITY, three = IDENTITY;
    half.degrees = 180;
    both.flip_x = both.flip_y = 1;
    minus.degrees = -90;
    three.degrees = 270;
    float *a = warped(&half, src, N, N, C), *b = warped(&both, src, N, N, C);
    ck_assert(same_floats(a, b, N * N * C));
    free(a);
    free(b);
    a = warped(&minus, src, N, N, C);
    b = warped(&three, src, N, N, C);
    ck_assert(same_floats(a, b, N * N * C));
    free(a);
    free(b);
    free(src);
}
END_TEST

START_TEST(whole_pixel_shifts_move_exactly_and_fill_zero)
{
    enum { H = 5, W = 6, C = 1 };
    float *src = ramp(H * W * C);
    nnrt_warp s = IDENTITY;
    s.shift_x = 2;     /* right */
    s.shift_y = -1;    /* up */
    float *dst = warped(&s, src, H, W, C);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sy = y + 1, sx = x - 2;
            float want = sy < H && sx >= 0 ? PX(src, W, C, sy, sx, 0) : 0;
            ck_assert_msg(PX(dst, W, C, y, x, 0) == want, "(%d, %d): %g, want %g", y, x,
                          (double)PX(dst, W, C, y, x, 0), (double)want);
        }
    free(dst);
    free(src);
}
END_TEST

START_TEST(a_half_pixel_shift_averages_neighbours)
{
    enum { H = 3, W = 5, C = 2 };
    float *src = ramp(H * W * C);
    nnrt_warp s = IDENTITY;
    s.shift_x = 0.5f;
    float *dst = warped(&s, src, H, W, C);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < C; ch++) {
                /* samples at x - 0.5: half of each neighbour, 0 left of the image */
                float left = x > 0 ? PX(src, W, C, y, x - 1, ch) : 0;
                float want = 0.5f * left + 0.5f * PX(src, W, C, y, x, ch);
                ck_assert(PX(dst, W, C, y, x, ch) == want);
            }
    free(dst);
    /* half a pixel down too: a quarter of each of four */
    s.shift_y = 0.5f;
    dst = warped(&s, src, H, W, C);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < C; ch++) {
                float want = 0;
                for (int k = 0; k < 4; k++) {
                    int sy = y - 1 + (k >> 1), sx = x - 1 + (k & 1);
                    want += sy >= 0 && sx >= 0 ? 0.25f * PX(src, W, C, sy, sx, ch) : 0;
                }
                ck_assert(PX(dst, W, C, y, x, ch) == want);
            }
    free(dst);
    free(src);
}
END_TEST

START_TEST(scales_stretch_about_the_centre)
{
    enum { N = 5, C = 1 };
    float *src = ramp(N * N * C);
    nnrt_warp s = IDENTITY;
    s.scale_x = 2;      /* twice as wide: column x shows column 2 + (x - 2) / 2 */
    s.scale_y = 0.5f;   /* half as high: row y shows row 2 + 2 (y - 2) */
    float *dst = warped(&s, src, N, N, C);
    for (int x = 0; x < N; x += 2) {
        ck_assert(PX(dst, N, C, 1, x, 0) == PX(src, N, C, 0, 2 + (x - 2) / 2, 0));
        ck_assert(PX(dst, N, C, 3, x, 0) == PX(src, N, C, 4, 2 + (x - 2) / 2, 0));
        ck_assert(PX(dst, N, C, 0, x, 0) == 0);     /* row -2: outside */
        ck_assert(PX(dst, N, C, 4, x, 0) == 0);     /* row 6 */
    }
    /* column 1 shows column 1.5 */
    float half = 0.5f * PX(src, N, C, 2, 1, 0) + 0.5f * PX(src, N, C, 2, 2, 0);
    ck_assert(PX(dst, N, C, 2, 1, 0) == half);
    free(dst);
    free(src);
}
END_TEST

START_TEST(any_turn_or_zoom_keeps_the_centre_pixel)
{
    enum { N = 7, C = 1 };
    float *src = ramp(N * N * C);
    nnrt_warp w = IDENTITY;
    w.degrees = 33.3f;
    w.scale_x = 1.3f;
    w.scale_y = 0.8f;
    float *dst = warped(&w, src, N, N, C);
    ck_assert(PX(dst, N, C, 3, 3, 0) == PX(src, N, C, 3, 3, 0));
    /* enlarged, a corner comes from inside the image: not 0 */
    ck_assert(PX(dst, N, C, 0, 0, 0) != 0 || PX(dst, N, C, 0, N - 1, 0) != 0);
    free(dst);
    free(src);
}
END_TEST

/* ---- nnrt_augment_batch -------------------------------------------------- */

/* A model description with only what augmentation reads: an image of
 * h x w x c, bytes scaled by 1/255 (so the brightest value is 1). */
static nnrt_model image_model(int h, int w, int c, nnrt_augment a)
{
    nnrt_model m;
    memset(&m, 0, sizeof m);
    m.name = "t";
    m.in_size = h * w * c;
    m.in_h = h;
    m.in_w = w;
    m.in_c = c;
    m.scale = 1.0f / 255;
    m.augment = a;
    return m;
}

/* n rows of size values, each value v */
static float *constant_rows(int n, int size, float v)
{
    float *x = malloc((size_t)n * size * sizeof *x);
    for (int i = 0; i < n * size; i++)
        x[i] = v;
    return x;
}

/* n rows of size values in (0.3, 0.7), different in every row */
static float *varied_rows(int n, int size)
{
    float *x = malloc((size_t)n * size * sizeof *x);
    for (int i = 0; i < n * size; i++)
        x[i] = 0.3f + 0.4f * (float)((i * 37) % 101) / 101;
    return x;
}

static void augment(const nnrt_model *m, float *x, int n, uint64_t seed)
{
    nnrt_rng rng;
    nnrt_rng_seed(&rng, seed);
    float *scratch = malloc((size_t)m->in_size * sizeof *scratch);
    nnrt_augment_batch(m, x, n, scratch, &rng);
    free(scratch);
}

START_TEST(zero_magnitudes_change_nothing)
{
    nnrt_augment a = { .shift_p = 1, .rotate_p = 1, .zoom_p = 1, .aspect_p = 1,
                       .brightness_p = 1, .contrast_p = 1, .noise_p = 1 };
    nnrt_model m = image_model(6, 5, 3, a);
    float *x = varied_rows(4, m.in_size), *copy = varied_rows(4, m.in_size);
    augment(&m, x, 4, 1);
    ck_assert(same_floats(x, copy, 4 * (size_t)m.in_size));
    free(x);
    free(copy);
}
END_TEST

/* uniform in [-1, 1), as augment.c draws a magnitude */
static float symmetric(nnrt_rng *rng)
{
    return 2 * nnrt_rng_uniform(rng) - 1;
}

START_TEST(geometric_draws_make_the_documented_warp)
{
    enum { H = 9, W = 8, C = 2 };
    nnrt_augment a = { .hflip_p = 1, .vflip_p = 1, .shift = 2, .shift_p = 1, .rotate = 30,
                       .rotate_p = 1, .zoom = 0.2f, .zoom_p = 1, .aspect = 0.3f,
                       .aspect_p = 1 };
    nnrt_model m = image_model(H, W, C, a);
    float *x = varied_rows(2, m.in_size), *orig = varied_rows(2, m.in_size);
    augment(&m, x, 2, 23);
    /* per image: u for each p, then its magnitudes, in the order of augment.c */
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 23);
    for (int r = 0; r < 2; r++) {
        nnrt_warp w = { 1, 1, 1, 1, 0, 0, 0 };
        (void)nnrt_rng_uniform(&rng);
        (void)nnrt_rng_uniform(&rng);
        (void)nnrt_rng_uniform(&rng);
        w.shift_x = 2 * symmetric(&rng);
        w.shift_y = 2 * symmetric(&rng);
        (void)nnrt_rng_uniform(&rng);
        w.degrees = 30 * symmetric(&rng);
        (void)nnrt_rng_uniform(&rng);
        float z = 1 + 0.2f * symmetric(&rng);
        (void)nnrt_rng_uniform(&rng);
        float aspect = 1 + 0.3f * symmetric(&rng);
        w.scale_x = z * aspect;
        w.scale_y = z / aspect;
        float *want = warped(&w, orig + r * m.in_size, H, W, C);
        ck_assert(same_floats(x + r * m.in_size, want, (size_t)m.in_size));
        free(want);
    }
    free(x);
    free(orig);
}
END_TEST

START_TEST(p_zero_changes_nothing_and_draws_nothing)
{
    nnrt_augment a = { .shift = 3, .rotate = 30, .zoom = 0.5f, .aspect = 0.5f,
                       .brightness = 0.5f, .contrast = 0.5f, .noise = 0.5f, .erase = 0.5f };
    nnrt_model m = image_model(8, 8, 1, a);
    ck_assert_int_eq(nnrt_augment_active(&m.augment), 0);
    float *x = varied_rows(3, m.in_size), *copy = varied_rows(3, m.in_size);
    nnrt_rng rng, before;
    nnrt_rng_seed(&rng, 5);
    before = rng;
    nnrt_augment_batch(&m, x, 3, NULL, &rng);   /* no scratch needed when inactive */
    ck_assert(same_floats(x, copy, 3 * (size_t)m.in_size));
    ck_assert(memcmp(&rng, &before, sizeof rng) == 0);
    free(x);
    free(copy);
}
END_TEST

START_TEST(brightness_adds_one_draw_to_every_value)
{
    nnrt_augment a = { .brightness = 0.1f, .brightness_p = 1 };
    nnrt_model m = image_model(4, 4, 1, a);
    float *x = constant_rows(2, m.in_size, 0.5f);
    augment(&m, x, 2, 11);
    /* replay the draws as augment.c documents them: u for p, then s */
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 11);
    for (int r = 0; r < 2; r++) {
        (void)nnrt_rng_uniform(&rng);
        float s = 2 * nnrt_rng_uniform(&rng) - 1;
        float want = 0.5f + 0.1f * s * (255 * m.scale);
        for (int i = 0; i < m.in_size; i++)
            ck_assert_float_eq_tol(x[r * m.in_size + i], want, 1e-6);
    }
    ck_assert(x[0] != x[m.in_size]);
    free(x);
}
END_TEST

START_TEST(photometric_changes_stay_within_0_and_255_scale)
{
    nnrt_augment a = { .brightness = 1, .brightness_p = 1, .contrast = 1, .contrast_p = 1,
                       .noise = 1, .noise_p = 1 };
    nnrt_model m = image_model(5, 5, 3, a);
    float *x = varied_rows(50, m.in_size);
    augment(&m, x, 50, 3);
    int at_top = 0, at_zero = 0;
    for (int i = 0; i < 50 * m.in_size; i++) {
        ck_assert(x[i] >= 0 && x[i] <= 255 * m.scale);
        at_top += x[i] == 255 * m.scale;
        at_zero += x[i] == 0;
    }
    ck_assert(at_top > 0 && at_zero > 0);   /* the clamp was needed */
    free(x);
}
END_TEST

START_TEST(contrast_stretches_each_channel_about_its_mean)
{
    enum { H = 4, W = 4, C = 2 };
    nnrt_augment a = { .contrast = 0.2f, .contrast_p = 1 };
    nnrt_model m = image_model(H, W, C, a);
    float *x = varied_rows(1, m.in_size), *orig = varied_rows(1, m.in_size);
    for (int i = 0; i < H * W; i++)
        orig[i * C + 1] = x[i * C + 1] += 0.05f;   /* channel 1 brighter on average */
    augment(&m, x, 1, 7);
    for (int ch = 0; ch < C; ch++) {
        double mean = 0;
        for (int i = 0; i < H * W; i++)
            mean += orig[i * C + ch];
        mean /= H * W;
        /* every value moved away from (or toward) its channel's mean by one factor */
        double f = (x[ch] - mean) / (orig[ch] - mean);
        ck_assert(f >= 0.8 - 1e-6 && f <= 1.2 + 1e-6);
        for (int i = 0; i < H * W; i++)
            ck_assert_double_eq_tol(x[i * C + ch] - mean, f * (orig[i * C + ch] - mean), 1e-5);
    }
    free(x);
    free(orig);
}
END_TEST

START_TEST(noise_has_the_asked_spread)
{
    nnrt_augment a = { .noise = 0.02f, .noise_p = 1 };
    nnrt_model m = image_model(32, 32, 1, a);
    float *x = constant_rows(2, m.in_size, 0.5f);
    augment(&m, x, 2, 9);
    double sum = 0, sq = 0;
    int n = 2 * m.in_size;
    for (int i = 0; i < n; i++) {
        sum += x[i];
        sq += (x[i] - 0.5) * (x[i] - 0.5);
    }
    double mean = sum / n, std = sqrt(sq / n);
    ck_assert_msg(fabs(mean - 0.5) < 0.003, "mean %g", mean);
    ck_assert_msg(fabs(std - 0.02) < 0.002, "std %g", std);
    ck_assert(memcmp(x, x + m.in_size, (size_t)m.in_size * sizeof *x) != 0);
    free(x);
}
END_TEST

/* Whether the zeros of row (h, w) are one full rectangle; its area in *area. */
static int zeros_are_a_rectangle(const float *row, int h, int w, int *area)
{
    int top = h, bottom = -1, left = w, right = -1, zeros = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (row[y * w + x] == 0) {
                zeros++;
                top = y < top ? y : top;
                bottom = y > bottom ? y : bottom;
                left = x < left ? x : left;
                right = x > right ? x : right;
            }
    *area = zeros;
    return zeros > 0 && zeros == (bottom - top + 1) * (right - left + 1);
}

START_TEST(erase_zeroes_one_rectangle_of_the_asked_size)
{
    enum { H = 10, W = 10, ROWS = 200 };
    nnrt_augment a = { .erase = 0.3f, .erase_p = 1 };
    nnrt_model m = image_model(H, W, 1, a);
    float *x = constant_rows(ROWS, m.in_size, 1);
    augment(&m, x, ROWS, 13);
    int smallest = H * W, largest = 0;
    for (int r = 0; r < ROWS; r++) {
        int area;
        ck_assert_msg(zeros_are_a_rectangle(x + r * m.in_size, H, W, &area), "row %d", r);
        smallest = area < smallest ? area : smallest;
        largest = area > largest ? area : largest;
        for (int i = 0; i < m.in_size; i++)
            ck_assert(x[r * m.in_size + i] == 0 || x[r * m.in_size + i] == 1);
    }
    /* 2% to 30% of 100 pixels, give or take the rounding of each side */
    ck_assert_msg(smallest >= 1 && smallest <= 6, "smallest %d", smallest);
    ck_assert_msg(largest >= 20 && largest <= 40, "largest %d", largest);
    free(x);
}
END_TEST

START_TEST(p_is_how_often_a_change_applies)
{
    enum { H = 3, W = 4, ROWS = 1000 };
    nnrt_augment a = { .hflip_p = 0.3f };
    nnrt_model m = image_model(H, W, 1, a);
    float *x = malloc((size_t)ROWS * m.in_size * sizeof *x), *one = ramp(m.in_size);
    for (int r = 0; r < ROWS; r++)
        memcpy(x + r * m.in_size, one, (size_t)m.in_size * sizeof *x);
    augment(&m, x, ROWS, 17);
    int flipped = 0;
    for (int r = 0; r < ROWS; r++) {
        const float *row = x + r * m.in_size;
        int same = same_floats(row, one, (size_t)m.in_size);
        ck_assert(same || row[0] == one[W - 1]);
        flipped += !same;
    }
    ck_assert_msg(flipped > 250 && flipped < 350, "%d of %d flipped at p=0.3", flipped, ROWS);
    free(x);
    free(one);
}
END_TEST

START_TEST(same_seed_same_batch_other_seed_other_batch)
{
    nnrt_augment a = { .shift = 2, .shift_p = 0.5f, .rotate = 20, .rotate_p = 0.5f,
                       .hflip_p = 0.5f, .vflip_p = 0.5f, .zoom = 0.2f, .zoom_p = 0.5f,
                       .aspect = 0.2f, .aspect_p = 0.5f, .brightness = 0.2f,
                       .brightness_p = 0.5f, .contrast = 0.3f, .contrast_p = 0.5f,
                       .noise = 0.05f, .noise_p = 0.5f, .erase = 0.3f, .erase_p = 0.5f };
    nnrt_model m = image_model(12, 12, 3, a);
    size_t n = 8 * (size_t)m.in_size;
    float *x1 = varied_rows(8, m.in_size), *x2 = varied_rows(8, m.in_size),
          *x3 = varied_rows(8, m.in_size), *orig = varied_rows(8, m.in_size);
    augment(&m, x1, 8, 42);
    augment(&m, x2, 8, 42);
    augment(&m, x3, 8, 43);
    ck_assert(same_floats(x1, x2, n));
    ck_assert(!same_floats(x1, x3, n));
    ck_assert(!same_floats(x1, orig, n));
    free(x1);
    free(x2);
    free(x3);
    free(orig);
}
END_TEST

START_TEST(a_flat_input_is_one_row_of_pixels)
{
    nnrt_augment a = { .hflip_p = 1 };
    nnrt_model m = image_model(1, 5, 1, a);
    m.in_h = m.in_w = m.in_c = 0;       /* in_h 0: 1 x in_size x 1 */
    int h, w, c;
    nnrt_image_shape(&m, &h, &w, &c);
    ck_assert(h == 1 && w == 5 && c == 1);
    float x[5] = { 1, 2, 3, 4, 5 };
    augment(&m, x, 1, 1);
    ck_assert(x[0] == 5 && x[1] == 4 && x[2] == 3 && x[3] == 2 && x[4] == 1);
}
END_TEST

/* ---- train augments its training batches, and nothing else ----------------
 * A hand-written model of 4x4 images whose forward counts the rows it sees
 * with a value that is not a whole byte times 1/255: only augmentation
 * makes such values. */

enum { IMG = 4, IN = IMG * IMG, MAX_BATCH = 8 };

static float weight;
struct nnrt_replica {
    float input[MAX_BATCH * IN], output[MAX_BATCH * 2];
    float d_weight;
};
static long changed_rows_training, plain_rows_training, changed_rows_inference;

static int row_is_bytes(const float *row)
{
    for (int i = 0; i < IN; i++) {
        float b = row[i] * 255;
        if (fabsf(b - nearbyintf(b)) > 1e-3f)
            return 0;
    }
    return 1;
}

static void counting_forward(nnrt_replica *rep, int n, int training, nnrt_rng *rng)
{
    (void)rng;
    for (int r = 0; r < n; r++) {
        int bytes = row_is_bytes(rep->input + r * IN);
        if (training)
            bytes ? plain_rows_training++ : changed_rows_training++;
        else
            changed_rows_inference += !bytes;
        rep->output[r * 2] = rep->output[r * 2 + 1] = 0.5f;
    }
}

static double constant_loss(nnrt_replica *rep, int n, const int *y)
{
    (void)rep;
    (void)y;
    return n * log(2.0);
}

static void no_backward(nnrt_replica *rep, int n)
{
    (void)n;
    rep->d_weight = 0;
}

static const nnrt_param PARAMS[] = {
    { .name = "w", .ndims = 1, .dims = { 1 }, .size = 1, .value = &weight, .grad = offsetof(nnrt_replica, d_weight),
      .init = NNRT_INIT_ZEROS, .fan_in = 1, .fan_out = 1 },
};

static char data_dir[512];

/* n images of 4x4 bytes in 80..170 (brightness 0.2 never clamps them) and
 * labels 0/1, as tmp/augment/NAME-images and NAME-labels */
static void write_images(const char *name, int n, int h, int w, int c)
{
    size_t size = (size_t)h * w * c;
    uint8_t *pixels = malloc((size_t)n * size), *labels = malloc((size_t)n);
    for (size_t i = 0; i < (size_t)n * size; i++)
        pixels[i] = (uint8_t)(80 + (i * 29) % 91);
    for (int i = 0; i < n; i++)
        labels[i] = (uint8_t)(i % 2);
    char path[1024];
    int dims[4] = { n, h, w * c, 0 };
    snprintf(path, sizeof path, "%s/%s-images", data_dir, name);
    write_idx(path, pixels, 3, dims);
    snprintf(path, sizeof path, "%s/%s-labels", data_dir, name);
    write_idx(path, labels, 1, dims);
    free(pixels);
    free(labels);
}

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s/augment", tmp_dir());
    make_dir("%s", data_dir);
}

static char train_images[1024], train_labels[1024], test_images[1024], test_labels[1024];

static nnrt_model counting_model(nnrt_augment a)
{
    write_images("train", 40, IMG, IMG, 1);
    write_images("test", 10, IMG, IMG, 1);
    snprintf(train_images, sizeof train_images, "%s/train-images", data_dir);
    snprintf(train_labels, sizeof train_labels, "%s/train-labels", data_dir);
    snprintf(test_images, sizeof test_images, "%s/test-images", data_dir);
    snprintf(test_labels, sizeof test_labels, "%s/test-labels", data_dir);
    nnrt_model m = image_model(IMG, IMG, 1, a);
    m.name = "counting";
    m.train_images = train_images;
    m.train_labels = train_labels;
    m.test_images = test_images;
    m.test_labels = test_labels;
    m.validation = 0.25;
    m.n_classes = 2;
    m.batch = m.max_batch = MAX_BATCH;
    m.replica_size = sizeof(nnrt_replica);
    m.input_at = offsetof(nnrt_replica, input);
    m.output_at = offsetof(nnrt_replica, output);
    m.epochs = 2;
    m.seed = 1;
    m.optimizer = (nnrt_optimizer){ .kind = NNRT_OPT_SGD, .lr = 0.1f };
    m.n_params = 1;
    m.params = PARAMS;
    m.forward = counting_forward;
    m.loss = constant_loss;
    m.backward = no_backward;
    return m;
}

START_TEST(train_augments_training_batches_only)
{
    nnrt_augment a = { .brightness = 0.2f, .brightness_p = 1 };
    nnrt_model m = counting_model(a);
    char out[1024];
    snprintf(out, sizeof out, "%s/run", data_dir);
    nnrt_train_opts o = { 2, MAX_BATCH, 0.1f, 1, 0, out, NULL, 0, 1, NULL };   /* --overwrite */
    nnrt_error err;
    ck_assert_msg(nnrt_train_run(&m, &o, &err) == 0, "%s", err.msg);
    /* 30 training samples a epoch, every one changed; 10 validation and 10
     * test samples seen in inference mode, none changed */
    ck_assert_int_eq(changed_rows_training, 2 * 30);
    ck_assert_int_eq(plain_rows_training, 0);
    ck_assert_int_eq(changed_rows_inference, 0);

    char weights[1100];
    snprintf(weights, sizeof weights, "%s/weights", out);
    ck_assert_msg(nnrt_eval_run(&m, weights, 0, &err) == 0, "%s", err.msg);
    nnrt_steps_opts s = { 2, MAX_BATCH, 0.1f, 1, NULL, NULL };
    ck_assert_msg(nnrt_steps_run(&m, &s, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(changed_rows_training, 2 * 30);      /* steps: file order, as is */
    ck_assert_int_eq(plain_rows_training, 2 * MAX_BATCH);
    ck_assert_int_eq(changed_rows_inference, 0);
}
END_TEST

/* ---- the preview PNG ------------------------------------------------------ */

/* The PNG at path decoded into *pixels (malloc'ed) as gray or RGB. */
static void read_png(const char *path, int rgb, uint8_t **pixels, int *width, int *height)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    ck_assert_msg(png_image_begin_read_from_file(&img, path), "%s: %s", path, img.message);
    ck_assert_int_eq(img.format & PNG_FORMAT_FLAG_COLOR, rgb ? PNG_FORMAT_FLAG_COLOR : 0);
    img.format = rgb ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    *pixels = malloc(PNG_IMAGE_SIZE(img));
    ck_assert(png_image_finish_read(&img, NULL, *pixels, 0, NULL));
    *width = (int)img.width;
    *height = (int)img.height;
}

/* The layout of preview.c: ceil(sqrt(n)) pairs a row, 1 pixel inside a
 * pair, 2 around. */
static void pair_origin(int i, int n, int h, int w, int *x0, int *y0)
{
    int cols = 1;
    while (cols * cols < n)
        cols++;
    *x0 = 2 + (i % cols) * (2 * w + 1 + 2);
    *y0 = 2 + (i / cols) * (h + 2);
}

/* Checks the preview at path of the first n training images (as
 * write_images wrote them), each copy the same or, if mirrored, mirrored. */
static void check_preview(const char *path, int n, int h, int w, int c, int mirrored)
{
    uint8_t *png;
    int width, height;
    read_png(path, c == 3, &png, &width, &height);
    /* every pixel a NNRT_PREVIEW_ZOOM square: read the top-left of each */
    ck_assert_int_eq(width % NNRT_PREVIEW_ZOOM, 0);
    ck_assert_int_eq(height % NNRT_PREVIEW_ZOOM, 0);
    ck_assert_int_eq(png[(size_t)width * c + c], png[0]);   /* the square's other corner */
    int full_width = width;
    width /= NNRT_PREVIEW_ZOOM;
    height /= NNRT_PREVIEW_ZOOM;
    int cols = 1;
    while (cols * cols < n)
        cols++;
    int rows = (n + cols - 1) / cols;
    ck_assert_int_eq(width, cols * (2 * w + 1) + 2 * (cols + 1));
    ck_assert_int_eq(height, rows * h + 2 * (rows + 1));
    ck_assert_int_eq(png[0], 128);      /* the frame */
    size_t size = (size_t)h * w * c;
    for (int i = 0; i < n; i++) {
        int x0, y0;
        pair_origin(i, n, h, w, &x0, &y0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++) {
                    /* the byte write_images put there */
                    size_t k = i * size + ((size_t)y * w + x) * c + ch;
                    size_t km = i * size + ((size_t)y * w + (w - 1 - x)) * c + ch;
                    uint8_t want = (uint8_t)(80 + (k * 29) % 91);
                    uint8_t want_copy = mirrored ? (uint8_t)(80 + (km * 29) % 91) : want;
                    ck_assert_int_eq(ZPX(png, full_width, c, y0 + y, x0 + x, ch), want);
                    ck_assert_int_eq(ZPX(png, full_width, c, y0 + y, x0 + w + 1 + x, ch), want_copy);
                    ck_assert_int_eq(ZPX(png, full_width, c, y0 + y, x0 + w, ch), 128);
                }
    }
    free(png);
}

START_TEST(preview_pairs_each_image_with_its_copy)
{
    nnrt_augment a = { .hflip_p = 1 };
    nnrt_model m = counting_model(a);
    char path[1024];
    snprintf(path, sizeof path, "%s/mirrored.png", data_dir);
    nnrt_error err;
    ck_assert_msg(nnrt_preview_run(&m, path, 7, 1, &err) == 0, "%s", err.msg);
    check_preview(path, 7, IMG, IMG, 1, 1);

    /* without augmentation the copies are the originals */
    m.augment = (nnrt_augment){ 0 };
    snprintf(path, sizeof path, "%s/plain.png", data_dir);
    ck_assert_msg(nnrt_preview_run(&m, path, 100, 1, &err) == 0, "%s", err.msg);
    check_preview(path, 40, IMG, IMG, 1, 0);     /* 100 asked, 40 there */
}
END_TEST

START_TEST(preview_of_colour_images_is_rgb)
{
    enum { H = 3, W = 5, C = 3 };
    nnrt_augment a = { .hflip_p = 1 };
    nnrt_model m = counting_model(a);
    write_images("rgb", 6, H, W, C);
    char images[1024], labels[1024], path[1024];
    snprintf(images, sizeof images, "%s/rgb-images", data_dir);
    snprintf(labels, sizeof labels, "%s/rgb-labels", data_dir);
    m.train_images = images;
    m.train_labels = labels;
    m.in_size = H * W * C;
    m.in_h = H, m.in_w = W, m.in_c = C;
    /* H * W * C = 45 values: the replica's input holds MAX_BATCH * IN = 128 */
    snprintf(path, sizeof path, "%s/rgb.png", data_dir);
    nnrt_error err;
    ck_assert_msg(nnrt_preview_run(&m, path, 6, 1, &err) == 0, "%s", err.msg);
    check_preview(path, 6, H, W, C, 1);

    /* 2 channels: neither grey nor RGB */
    m.in_h = 3, m.in_w = 5, m.in_c = 2;
    m.in_size = 3 * 5 * 2;
    ck_assert_int_eq(nnrt_preview_run(&m, path, 6, 1, &err), -1);
    ck_assert_str_eq(err.msg, "augment-preview shows grey (1 channel) or RGB (3 channel) "
                              "images, not 2 channels");
}
END_TEST

/* ---- the augment block: checks and emitted C --------------------------------- */

#define NET_28                                                  \
    "network {\n"                                               \
    "    input 28x28\n"                                         \
    "    flatten\n"                                             \
    "    dense 10 softmax\n"                                    \
    "}\n"

typedef struct Case {
    const char *name;
    const char *source;
    const char *expected;
} Case;

static const Case CASES[] = {
    {
        "unknown_change",
        MODEL_HEAD "augment {\n    rotat 5\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:5: error: unknown augmentation 'rotat'\n"
        "   13 |     rotat 5\n"
        "      |     ^~~~~\n"
        "      = did you mean 'rotate'?\n",
    },
    {
        "flip_without_direction",
        MODEL_HEAD "augment {\n    flip p=0.2\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:5: error: 'flip' needs a direction, 'horizontal' or 'vertical'\n"
        "   13 |     flip p=0.2\n"
        "      |     ^~~~~~~~~~\n",
    },
    {
        "flip_unknown_direction",
        MODEL_HEAD "augment {\n    flip sideways\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:10: error: unknown flip direction 'sideways'\n"
        "   13 |     flip sideways\n"
        "      |          ^~~~~~~~\n"
        "      = expected one of: horizontal, vertical\n",
    },
    {
        "flip_direction_a_number",
        MODEL_HEAD "augment {\n    flip 3\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:10: error: the flip direction must be a name, not a number '3'\n"
        "   13 |     flip 3\n"
        "      |          ^\n",
    },
    {
        "p_out_of_range",
        MODEL_HEAD "augment {\n    flip vertical p=1.5\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:21: error: p must be at least 0 and at most 1, got 1.5\n"
        "   13 |     flip vertical p=1.5\n"
        "      |                     ^~~\n",
    },
    {
        "unknown_option",
        MODEL_HEAD "augment {\n    zoom 0.1 q=0.5\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:14: error: 'zoom' takes no option 'q'\n"
        "   13 |     zoom 0.1 q=0.5\n"
        "      |              ^\n"
        "      = did you mean 'p'?\n",
    },
    {
        "change_twice",
        MODEL_HEAD "augment {\n    flip horizontal\n    flip vertical\n    flip horizontal p=1\n}\n"
        NET_28 MODEL_TRAIN,
        "t.nn:15:5: error: 'flip horizontal' given twice\n"
        "   15 |     flip horizontal p=1\n"
        "      |     ^~~~~~~~~~~~~~~~~~~\n"
        "      = first given at line 13\n",
    },
    {
        "shift_beyond_half_the_image",
        MODEL_HEAD "augment {\n    shift 15\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:11: error: shift must be at least 0 and at most 14, got 15\n"
        "   13 |     shift 15\n"
        "      |           ^~\n"
        "      = at most half the image's smaller side: the input is 28x28\n",
    },
    {
        "magnitude_missing",
        MODEL_HEAD "augment {\n    rotate p=0.5\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:5: error: 'rotate' needs an angle in degrees, such as 'rotate 10'\n"
        "   13 |     rotate p=0.5\n"
        "      |     ^~~~~~~~~~~~\n",
    },
    {
        "ranges",
        MODEL_HEAD
        "augment {\n    rotate 181\n    zoom 1\n    aspect -0.1\n    brightness 2\n"
        "    contrast 1.5\n    noise 3\n    erase 0.01\n}\n"
        NET_28 MODEL_TRAIN,
        "t.nn:13:12: error: rotate must be at least 0 and at most 180, got 181\n"
        "   13 |     rotate 181\n"
        "      |            ^~~\n"
        "t.nn:14:10: error: zoom must be at least 0 and at most 0.9, got 1\n"
        "   14 |     zoom 1\n"
        "      |          ^\n"
        "t.nn:15:12: error: aspect must be at least 0 and at most 0.9, got -0.1\n"
        "   15 |     aspect -0.1\n"
        "      |            ^~~~\n"
        "t.nn:16:16: error: brightness must be at least 0 and at most 1, got 2\n"
        "   16 |     brightness 2\n"
        "      |                ^\n"
        "t.nn:17:14: error: contrast must be at least 0 and at most 1, got 1.5\n"
        "   17 |     contrast 1.5\n"
        "      |              ^~~\n"
        "t.nn:18:11: error: noise must be at least 0 and at most 1, got 3\n"
        "   18 |     noise 3\n"
        "      |           ^\n"
        "t.nn:19:11: error: erase must be at least 0.02 and at most 1, got 0.01\n"
        "   19 |     erase 0.01\n"
        "      |           ^~~~\n",
    },
    {
        "magnitude_a_word",
        MODEL_HEAD "augment {\n    noise x\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:11: error: noise must be a number, not a word 'x'\n"
        "   13 |     noise x\n"
        "      |           ^\n",
    },
    {
        "too_many_arguments",
        MODEL_HEAD "augment {\n    brightness 0.1 0.2\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:20: error: too many arguments to 'brightness'\n"
        "   13 |     brightness 0.1 0.2\n"
        "      |                    ^~~\n",
    },
    {
        "change_with_a_block",
        MODEL_HEAD "augment {\n    contrast 0.2 { }\n}\n" NET_28 MODEL_TRAIN,
        "t.nn:13:5: error: 'contrast' takes no { block }\n"
        "   13 |     contrast 0.2 { }\n"
        "      |     ^~~~~~~~~~~~\n",
    },
    {
        "augment_without_block",
        MODEL_HEAD "augment\n" NET_28 MODEL_TRAIN,
        "t.nn:12:1: error: 'augment' needs a { block }\n"
        "   12 | augment\n"
        "      | ^~~~~~~\n",
    },
    {
        "augment_twice",
        MODEL_HEAD "augment {\n    shift 2\n}\n" NET_28 "augment {\n    rotate 5\n}\n"
        MODEL_TRAIN,
        "t.nn:20:1: error: 'augment' given twice\n"
        "   20 | augment {\n"
        "      | ^~~~~~~\n"
        "      = first given at line 12\n",
    },
    {
        "flat_input",
        MODEL_HEAD
        "augment {\n    noise 0.01\n    erase 0.2\n}\n"
        "network {\n    input 784\n    dense 10 softmax\n}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'erase' needs an image input, but the input is 784\n"
        "   14 |     erase 0.2\n"
        "      |     ^~~~~~~~~\n"
        "      = write the input as rows x columns, such as 'input 28x28'\n",
    },
    {
        "csv_data",
        "model t\n"
        "data {\n"
        "    train { csv \"a.csv\" }\n"
        "    test { csv \"b.csv\" }\n"
        "    inputs 0 1\n"
        "    targets 2\n"
        "}\n"
        "augment {\n    noise 0.1\n}\n"
        "network {\n    input 2\n    dense 1\n}\n"
        "train {\n    loss mse\n    optimizer sgd\n}\n",
        "t.nn:8:1: error: augment changes training images, but the training data is a csv file\n"
        "    8 | augment {\n"
        "      | ^~~~~~~\n"
        "      = augmentation needs images and labels (IDX files)\n",
    },
};

START_TEST(diagnostics_to_the_letter)
{
    const Case *c = &CASES[_i];
    char *out = diagnose(c->source);
    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got\n%s\nexpected\n%s", c->name, out,
                  c->expected);
    free(out);
}
END_TEST

START_TEST(the_block_becomes_the_augment_field)
{
    char *c = emit_text(MODEL_HEAD
                        "augment {\n"
                        "    erase 0.25 p=0.5\n"
                        "    flip horizontal\n"
                        "    shift 2 p=0.5\n"
                        "    rotate 10 p=0\n"
                        "    brightness 0.1\n"
                        "}\n" NET_28 MODEL_TRAIN);
    const char *want = "    .augment = {   /* augment */\n"
                       "        .shift = 2.0f, .shift_p = 0.5f,\n"
                       "        .hflip_p = 0.5f,\n"
                       "        .brightness = 0.1f, .brightness_p = 1.0f,\n"
                       "        .erase = 0.25f, .erase_p = 0.5f,\n"
                       "    },\n";
    ck_assert_msg(strstr(c, want) != NULL, "no\n%s\nin\n%s", want, strstr(c, "MODEL = {"));
    free(c);

    /* the order of the lines does not matter */
    c = emit_text(MODEL_HEAD
                  "augment {\n"
                  "    brightness 0.1\n"
                  "    shift 2 p=0.5\n"
                  "    flip horizontal\n"
                  "    erase 0.25 p=0.5\n"
                  "}\n" NET_28 MODEL_TRAIN);
    ck_assert_ptr_nonnull(strstr(c, want));
    free(c);

    /* no block, or nothing with p above 0: no field */
    c = emit_text(MODEL_HEAD NET_28 MODEL_TRAIN);
    ck_assert_ptr_null(strstr(c, ".augment"));
    free(c);
    c = emit_text(MODEL_HEAD "augment {\n    zoom 0.1 p=0\n}\n" NET_28 MODEL_TRAIN);
    ck_assert_ptr_null(strstr(c, ".augment"));
    free(c);
}
END_TEST

START_TEST(the_checker_fills_in_the_defaults)
{
    Arena a = { 0 };
    Model *m;
    char *diags = diagnose_in(&a,
                              MODEL_HEAD "augment {\n    flip vertical\n    zoom 0.2\n}\n"
                              "network {\n    input 8x6x3\n    flatten\n    dense 2 softmax\n}\n"
                              MODEL_TRAIN, NULL, &m);
    ck_assert_msg(m != NULL, "%s", diags);
    ck_assert(m->augment.stmt != NULL);
    ck_assert_double_eq(m->augment.vflip_p, 0.5);
    ck_assert_double_eq(m->augment.hflip_p, 0);
    ck_assert_double_eq(m->augment.zoom, 0.2);
    ck_assert_double_eq(m->augment.zoom_p, 1);
    ck_assert_double_eq(m->augment.shift_p, 0);
    free(diags);
    arena_free(&a);
}
END_TEST

/* ---- a trainer nnc builds -------------------------------------------------- */

static uint32_t big_endian(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

START_TEST(trainer_writes_a_preview_png)
{
    /* 6x5 images (not square, so width and height cannot swap unseen) */
    write_images("e2e-train", 12, 6, 5, 1);
    write_images("e2e-test", 4, 6, 5, 1);
    char nn[600], exe[600], png[600], cmd[3000], *out;
    snprintf(nn, sizeof nn, "%s/tiny.nn", data_dir);
    snprintf(exe, sizeof exe, "%s/tiny", data_dir);
    snprintf(png, sizeof png, "%s/tiny.png", data_dir);
    write_text(nn, "model tiny\n"
                   "data {\n"
                   "    train {\n"
                   "        images \"e2e-train-images\"\n"
                   "        labels \"e2e-train-labels\"\n"
                   "    }\n"
                   "    test {\n"
                   "        images \"e2e-test-images\"\n"
                   "        labels \"e2e-test-labels\"\n"
                   "    }\n"
                   "    scale 1/255\n"
                   "}\n"
                   "augment {\n"
                   "    flip horizontal\n"
                   "    rotate 10 p=0.5\n"
                   "    noise 0.05\n"
                   "}\n"
                   "network {\n"
                   "    input 6x5\n"
                   "    flatten\n"
                   "    dense 2 softmax\n"
                   "}\n"
                   "train {\n"
                   "    loss cross_entropy\n"
                   "    optimizer adam\n"
                   "}\n");
    build_trainer(nn, exe);
    snprintf(cmd, sizeof cmd, "NNC_DATA=%s %s augment-preview --out %s --count 5", data_dir, exe,
             png);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    ck_assert_msg(strstr(out, "tiny: wrote ") && strstr(out, ": 5 training images, each beside "
                                                            "its augmented copy"), "%s", out);
    free(out);

    FILE *f = fopen(png, "rb");
    ck_assert_ptr_nonnull(f);
    uint8_t head[24];
    ck_assert_int_eq(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    static const uint8_t SIGNATURE[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    ck_assert(memcmp(head, SIGNATURE, 8) == 0);
    ck_assert(memcmp(head + 12, "IHDR", 4) == 0);
    /* 3 pairs a row, 2 rows: 3 (2*5 + 1) + 2*4 wide, 2*6 + 2*3 high, each
     * pixel NNRT_PREVIEW_ZOOM wide */
    ck_assert_uint_eq(big_endian(head + 16), 41 * NNRT_PREVIEW_ZOOM);
    ck_assert_uint_eq(big_endian(head + 20), 18 * NNRT_PREVIEW_ZOOM);

    /* --out is required; --help names the command */
    snprintf(cmd, sizeof cmd, "%s augment-preview --count 3", exe);
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_msg(strstr(out, "tiny: augment-preview: missing --out FILE.png\n"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s --help", exe);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "  augment-preview  a PNG of training images"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("augment");
    TCase *warp = tcase_create("warp");
    tcase_add_test(warp, flips_are_exact_and_undo_themselves);
    tcase_add_test(warp, identity_and_tiny_shifts_copy_bit_for_bit);
    tcase_add_test(warp, quarter_turns_of_a_square_are_exact);
    tcase_add_test(warp, whole_pixel_shifts_move_exactly_and_fill_zero);
    tcase_add_test(warp, a_half_pixel_shift_averages_neighbours);
    tcase_add_test(warp, scales_stretch_about_the_centre);
    tcase_add_test(warp, any_turn_or_zoom_keeps_the_centre_pixel);
    suite_add_tcase(s, warp);

    TCase *batch = tcase_create("batch");
    tcase_add_test(batch, zero_magnitudes_change_nothing);
    tcase_add_test(batch, geometric_draws_make_the_documented_warp);
    tcase_add_test(batch, p_zero_changes_nothing_and_draws_nothing);
    tcase_add_test(batch, brightness_adds_one_draw_to_every_value);
    tcase_add_test(batch, photometric_changes_stay_within_0_and_255_scale);
    tcase_add_test(batch, contrast_stretches_each_channel_about_its_mean);
    tcase_add_test(batch, noise_has_the_asked_spread);
    tcase_add_test(batch, erase_zeroes_one_rectangle_of_the_asked_size);
    tcase_add_test(batch, p_is_how_often_a_change_applies);
    tcase_add_test(batch, same_seed_same_batch_other_seed_other_batch);
    tcase_add_test(batch, a_flat_input_is_one_row_of_pixels);
    suite_add_tcase(s, batch);

    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_checked_fixture(runs, setup, NULL);
    tcase_add_test(runs, train_augments_training_batches_only);
    tcase_add_test(runs, preview_pairs_each_image_with_its_copy);
    tcase_add_test(runs, preview_of_colour_images_is_rgb);
    tcase_add_test(runs, trainer_writes_a_preview_png);
    suite_add_tcase(s, runs);

    TCase *check = tcase_create("check");
    tcase_add_loop_test(check, diagnostics_to_the_letter, 0, (int)(sizeof CASES / sizeof CASES[0]));
    tcase_add_test(check, the_block_becomes_the_augment_field);
    tcase_add_test(check, the_checker_fills_in_the_defaults);
    suite_add_tcase(s, check);

    return run_suite(s);
}
