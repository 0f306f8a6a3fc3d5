/* test_conv.c: conv2d and the pools, and conv2d_transpose after upsample,
 * against a naive reference.
 *
 * Each case is a random shape (odd sizes, strides, every padding) drawn
 * from a fixed generator; odd cases have windows of 72 values or more,
 * even ones of 1 to 48 (which ran direct loops of their own until every
 * window went by im2col); the last WINOGRAD_CASES go by Winograd's tiles
 * (3x3 and 5x5, stride 1, 8 to 20 channels and filters).  nnc builds the trainer; `steps 2` moves the
 * weights off their initial values (so biases are not 0) and writes them;
 * `predict --csv` prints the outputs of a few samples.  The test reads the
 * weights file and computes the same network the slowest, most obvious
 * way, in double, with the padding rules written out independently of the
 * compiler's: `same` gives ceil(in / stride) outputs with the extra pixel
 * of padding after the image (TensorFlow), a number pads every side. */
#include <math.h>

#include "trainer_util.h"

enum { SAMPLES = 6, OUTPUTS = 5, CASES = 12, WINOGRAD_CASES = 6 };

typedef struct Geometry {
    int k[2], stride[2];
    int pad;              /* -1: same, else that many pixels (0: valid) */
} Geometry;

typedef struct Case {
    int h, w, c, filters;
    Geometry conv;
    int pool;             /* 0 none, 1 max, 2 avg, 3 sum */
    Geometry pooling;
} Case;

static uint32_t rng_state;
static int draw(int lo, int hi)   /* uniform in [lo, hi] */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (int)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

/* Output size and padding before, along one axis. */
static int axis(int in, int k, int stride, int pad, int *before)
{
    if (pad < 0) {
        int out = (in + stride - 1) / stride;
        int total = (out - 1) * stride + k - in;
        *before = total > 0 ? total / 2 : 0;
        return out;
    }
    *before = pad;
    return (in + 2 * pad - k) / stride + 1;
}

static Case make_case(int i)
{
    rng_state = 2024u + (uint32_t)i * 7919u;
    Case cs;
    for (;;) {
        cs.h = draw(3, 9);
        cs.w = draw(3, 9);
        cs.c = draw(1, 3);
        cs.filters = draw(1, 5);
        if (i % 3 == 2)   /* nnrt_mm's tiles; fewer than 8 go by dot products */
            cs.filters += 7;
        cs.conv.k[0] = draw(1, 4);
        cs.conv.k[1] = draw(1, 4);
        if (i % 2) {    /* a window of 72 values or more */
            cs.c = draw(8, 12);
            cs.conv.k[0] = draw(3, 4);
            cs.conv.k[1] = draw(3, 4);
        }
        cs.conv.stride[0] = draw(1, 3);
        cs.conv.stride[1] = draw(1, 3);
        cs.conv.pad = draw(-1, 2);
        if (i >= CASES) {   /* Winograd's tiles: stride 1, 3x3 or 5x5, 8 channels or more */
            cs.h = draw(4, 13);
            cs.w = draw(4, 13);
            cs.c = draw(8, 20);
            cs.filters = draw(8, 20);
            cs.conv.k[0] = cs.conv.k[1] = i % 2 ? 5 : 3;
            cs.conv.stride[0] = cs.conv.stride[1] = 1;
            cs.conv.pad = draw(-1, cs.conv.k[0] - 1);
        }
        cs.pool = i % 4;
        cs.pooling.k[0] = draw(1, 3);
        cs.pooling.k[1] = draw(1, 3);
        cs.pooling.stride[0] = draw(1, 2);
        cs.pooling.stride[1] = draw(1, 2);
        int most = (cs.pooling.k[0] < cs.pooling.k[1] ? cs.pooling.k[0] : cs.pooling.k[1]) - 1;
        cs.pooling.pad = draw(-1, most);
        int b, oh = axis(cs.h, cs.conv.k[0], cs.conv.stride[0], cs.conv.pad, &b);
        int ow = axis(cs.w, cs.conv.k[1], cs.conv.stride[1], cs.conv.pad, &b);
        if (oh < 1 || ow < 1)
            continue;
        if (cs.pool && (axis(oh, cs.pooling.k[0], cs.pooling.stride[0], cs.pooling.pad, &b) < 1 ||
                        axis(ow, cs.pooling.k[1], cs.pooling.stride[1], cs.pooling.pad, &b) < 1))
            continue;
        return cs;
    }
}

/* "3x2 stride=1x2 padding=same" */
static void geometry_text(const Geometry *g, char *out, size_t len)
{
    char pad[32];
    if (g->pad < 0)
        snprintf(pad, sizeof pad, "same");
    else
        snprintf(pad, sizeof pad, "%d", g->pad);
    snprintf(out, len, "%dx%d stride=%dx%d padding=%s", g->k[0], g->k[1], g->stride[0],
             g->stride[1], pad);
}

/* ---- the weights file (docs/weights.md) --------------------------------- */

typedef struct Tensor {
    char name[64];
    int size;
    float *v;
} Tensor;

static int read_weights(const char *path, Tensor *t, int max)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    static unsigned char data[1 << 23];   /* the sgemm case: 1.4 MB */
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    ck_assert(len < sizeof data);
    ck_assert(len >= 12 && memcmp(data, "NNCW", 4) == 0);
    int n = (int)get_le32(data + 8);
    ck_assert_int_le(n, max);
    size_t pos = 12;
    for (int i = 0; i < n; i++) {
        uint32_t name_len = get_le32(data + pos);
        pos += 4;
        snprintf(t[i].name, sizeof t[i].name, "%.*s", (int)name_len, (const char *)data + pos);
        pos += name_len;
        uint32_t ndims = get_le32(data + pos);
        pos += 4;
        t[i].size = 1;
        for (uint32_t d = 0; d < ndims; d++, pos += 4)
            t[i].size *= (int)get_le32(data + pos);
        t[i].v = malloc(sizeof(float) * (size_t)t[i].size);
        memcpy(t[i].v, data + pos, sizeof(float) * (size_t)t[i].size);   /* little-endian host */
        pos += 4 * (size_t)t[i].size;
    }
    ck_assert_uint_eq(pos + 4, len);   /* the CRC-32 closes the file */
    return n;
}

static const float *tensor(const Tensor *t, int n, const char *name, int size)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) {
            ck_assert_int_eq(t[i].size, size);
            return t[i].v;
        }
    ck_abort_msg("no tensor %s", name);
    return NULL;
}

/* ---- the reference --------------------------------------------------------- */

/* y (oh, ow, f) = conv(x (h, w, c)) + b, weights (kh, kw, c, f) */
static void ref_conv(const Case *cs, const double *x, const float *wt, const float *b,
                     double *y, int *oh_out, int *ow_out)
{
    const Geometry *g = &cs->conv;
    int pt, pl;
    int oh = axis(cs->h, g->k[0], g->stride[0], g->pad, &pt);
    int ow = axis(cs->w, g->k[1], g->stride[1], g->pad, &pl);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int f = 0; f < cs->filters; f++) {
                double sum = b[f];
                for (int ky = 0; ky < g->k[0]; ky++)
                    for (int kx = 0; kx < g->k[1]; kx++) {
                        int iy = oy * g->stride[0] + ky - pt, ix = ox * g->stride[1] + kx - pl;
                        if (iy < 0 || iy >= cs->h || ix < 0 || ix >= cs->w)
                            continue;   /* padding: zero */
                        for (int ci = 0; ci < cs->c; ci++)
                            sum += x[(iy * cs->w + ix) * cs->c + ci] *
                                   wt[((ky * g->k[1] + kx) * cs->c + ci) * cs->filters + f];
                    }
                y[(oy * ow + ox) * cs->filters + f] = sum;
            }
    *oh_out = oh;
    *ow_out = ow;
}

/* max, mean over the pixels inside the image, or sum of each window */
static void ref_pool(const Case *cs, const double *x, int h, int w, double *y, int *oh_out,
                     int *ow_out)
{
    const Geometry *g = &cs->pooling;
    int c = cs->filters, pt, pl;
    int oh = axis(h, g->k[0], g->stride[0], g->pad, &pt);
    int ow = axis(w, g->k[1], g->stride[1], g->pad, &pl);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                double acc = cs->pool == 1 ? -INFINITY : 0;
                int seen = 0;
                for (int ky = 0; ky < g->k[0]; ky++)
                    for (int kx = 0; kx < g->k[1]; kx++) {
                        int iy = oy * g->stride[0] + ky - pt, ix = ox * g->stride[1] + kx - pl;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            continue;
                        double v = x[(iy * w + ix) * c + ch];
                        acc = cs->pool == 1 ? fmax(acc, v) : acc + v;
                        seen++;
                    }
                ck_assert_int_gt(seen, 0);
                y[(oy * ow + ox) * c + ch] = cs->pool == 2 ? acc / seen : acc;
            }
    *oh_out = oh;
    *ow_out = ow;
}

START_TEST(conv_and_pool_match_a_naive_reference)
{
    Case cs = make_case(_i);
    char conv[96], pool[96], dir[256], path[300], text[4096], cmd[2048], *out;
    static const char *const POOLS[] = { "", "maxpool", "avgpool", "sumpool" };
    geometry_text(&cs.conv, conv, sizeof conv);
    geometry_text(&cs.pooling, pool, sizeof pool);
    snprintf(dir, sizeof dir, "%s/conv%d", tmp_dir(), _i);
    make_dir("%s", dir);

    /* random pixels and labels */
    int n_pixels = SAMPLES * cs.h * cs.w * cs.c;
    uint8_t *pixels = malloc((size_t)n_pixels), labels[SAMPLES];
    for (int i = 0; i < n_pixels; i++)
        pixels[i] = (uint8_t)draw(0, 255);
    for (int i = 0; i < SAMPLES; i++)
        labels[i] = (uint8_t)(i % OUTPUTS);
    int idims[4] = { SAMPLES, cs.h, cs.w, cs.c }, ldims[1] = { SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 4, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);

    char pool_line[128] = "";
    if (cs.pool)
        snprintf(pool_line, sizeof pool_line, "    %s %s\n", POOLS[cs.pool], pool);
    snprintf(text, sizeof text,
             "model conv%d\n"
             "data {\n"
             "    train {\n        images \"conv%d/images.idx\"\n        labels \"conv%d/labels.idx\"\n    }\n"
             "    test {\n        images \"conv%d/images.idx\"\n        labels \"conv%d/labels.idx\"\n    }\n"
             "    scale 1/255\n"
             "}\n"
             "network {\n    input %dx%dx%d\n    conv2d %d %s name=conv\n%s    flatten\n"
             "    dense %d name=out\n}\n"
             "train {\n    loss mse\n    optimizer sgd lr=0.1\n    batch 3\n}\n",
             _i, _i, _i, _i, _i, cs.h, cs.w, cs.c, cs.filters, conv, pool_line, OUTPUTS);
    snprintf(path, sizeof path, "%s/m.nn", dir);
    write_text(path, text);
    char exe[300];
    snprintf(exe, sizeof exe, "%s/m", dir);
    build_trainer(path, exe);
    snprintf(path, sizeof path, "%s/m.c", dir);
    char *code = slurp(path);   /* the kernel the case is for */
    ck_assert_msg((strstr(code, "nnrt_wino_conv(") != NULL) == (_i >= CASES), "case %d:\n%s",
                  _i, text);
    free(code);
    snprintf(cmd, sizeof cmd,
             "NNC_DATA=%s %s steps 2 --seed 7 --weights-out %s/w >/dev/null && "
             "NNC_DATA=%s %s predict --weights %s/w --count %d --csv >%s/out.csv",
             tmp_dir(), exe, dir, tmp_dir(), exe, dir, SAMPLES, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s\n%s", text, out);
    free(out);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    out = slurp(path);

    Tensor t[8];
    snprintf(path, sizeof path, "%s/w", dir);
    int nt = read_weights(path, t, 8);
    int k = cs.conv.k[0] * cs.conv.k[1];
    const float *cw = tensor(t, nt, "conv.w", k * cs.c * cs.filters);
    const float *cb = tensor(t, nt, "conv.b", cs.filters);

    /* every sample's reference outputs against its csv line */
    const char *line = out;
    double *x = malloc(sizeof(double) * (size_t)(cs.h * cs.w * cs.c));
    double *y = malloc(sizeof(double) * 8192), *p = malloc(sizeof(double) * 8192);
    for (int s = 0; s < SAMPLES; s++) {
        for (int i = 0; i < cs.h * cs.w * cs.c; i++)
            x[i] = (float)(pixels[s * cs.h * cs.w * cs.c + i] * (1.0f / 255));
        int oh, ow;
        ref_conv(&cs, x, cw, cb, y, &oh, &ow);
        double *flat = y;
        if (cs.pool) {
            int ph, pw;
            ref_pool(&cs, y, oh, ow, p, &ph, &pw);
            oh = ph;
            ow = pw;
            flat = p;
        }
        int width = oh * ow * cs.filters;
        const float *dw = tensor(t, nt, "out.w", width * OUTPUTS);
        const float *db = tensor(t, nt, "out.b", OUTPUTS);
        int index, label, used;
        ck_assert_int_eq(sscanf(line, "%d,%d%n", &index, &label, &used), 2);
        ck_assert_int_eq(index, s);
        line += used;
        for (int o = 0; o < OUTPUTS; o++) {
            double want = db[o];
            for (int i = 0; i < width; i++)
                want += flat[i] * dw[i * OUTPUTS + o];
            double got;
            ck_assert_int_eq(sscanf(line, ",%lf%n", &got, &used), 1);
            line += used;
            ck_assert_msg(fabs(got - want) <= 1e-4 * (1 + fabs(want)),
                          "case %d sample %d output %d: nnc %.9g, reference %.9g\n%s", _i, s, o,
                          got, want, text);
        }
        line = strchr(line, '\n');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    for (int i = 0; i < nt; i++)
        free(t[i].v);
    free(x);
    free(y);
    free(p);
    free(pixels);
    free(out);
}
END_TEST

/* ---- conv2d_transpose and upsample ------------------------------------------ */

/* random cases, then one over MM_MAX_VALUES weights (2^18: its products
 * are cblas_sgemm's, the others' nnrt_mm's) */
enum { T_CASES = 8 };

typedef struct TransposeCase {
    int h, w, c, up[2];           /* input; upsample factors (1x1: none) */
    int filters, k[2], stride[2], same;
} TransposeCase;

static TransposeCase make_transpose_case(int i)
{
    rng_state = 4242u + (uint32_t)i * 104729u;
    TransposeCase t;
    t.h = draw(2, 6);
    t.w = draw(2, 6);
    t.c = draw(1, 3);
    t.up[0] = i % 2 ? draw(1, 3) : 1;
    t.up[1] = i % 2 ? draw(1, 3) : 1;
    t.filters = draw(1, 4);
    t.k[0] = draw(1, 4);
    t.k[1] = draw(1, 4);
    t.stride[0] = draw(1, 3);
    t.stride[1] = draw(1, 3);
    t.same = draw(0, 1);
    if (i == T_CASES) {   /* 3 * 3 * 512 * 64 = 294912 weights; 4x4x512 out */
        t.h = t.w = 2;
        t.c = 64;
        t.up[0] = t.up[1] = 1;
        t.filters = 512;
        t.k[0] = t.k[1] = 3;
        t.stride[0] = t.stride[1] = 2;
        t.same = 1;
    }
    return t;
}

/* Keras's output length of a transposed convolution, and the rows cropped
 * from its start: valid keeps every tap (in * s + max(k - s, 0)), same
 * keeps in * s, cropping the overhang max(k - s, 0), the smaller half first */
static int t_axis(int in, int k, int s, int same, int *crop)
{
    int over = k > s ? k - s : 0;
    *crop = same ? over / 2 : 0;
    return same ? in * s : in * s + over;
}

/* y (oh, ow, f) = b + each input pixel's window scattered, W (kh, kw, f, c) */
static void ref_transpose(const TransposeCase *t, const double *x, int h, int w,
                          const float *wt, const float *b, double *y, int *oh_out, int *ow_out)
{
    int ct, cl;
    int oh = t_axis(h, t->k[0], t->stride[0], t->same, &ct);
    int ow = t_axis(w, t->k[1], t->stride[1], t->same, &cl);
    for (int i = 0; i < oh * ow; i++)
        for (int f = 0; f < t->filters; f++)
            y[i * t->filters + f] = b[f];
    for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < w; ix++)
            for (int ky = 0; ky < t->k[0]; ky++)
                for (int kx = 0; kx < t->k[1]; kx++) {
                    int oy = iy * t->stride[0] + ky - ct, ox = ix * t->stride[1] + kx - cl;
                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
                        continue;   /* cropped */
                    for (int f = 0; f < t->filters; f++)
                        for (int ci = 0; ci < t->c; ci++)
                            y[(oy * ow + ox) * t->filters + f] +=
                                x[(iy * w + ix) * t->c + ci] *
                                wt[((ky * t->k[1] + kx) * t->filters + f) * t->c + ci];
                }
    *oh_out = oh;
    *ow_out = ow;
}

START_TEST(conv_transpose_and_upsample_match_a_naive_reference)
{
    TransposeCase tc = make_transpose_case(_i);
    char dir[256], path[300], text[4096], cmd[2048], up[64] = "", *out;
    snprintf(dir, sizeof dir, "%s/convt%d", tmp_dir(), _i);
    make_dir("%s", dir);
    int n_pixels = SAMPLES * tc.h * tc.w * tc.c;
    uint8_t *pixels = malloc((size_t)n_pixels), labels[SAMPLES];
    for (int i = 0; i < n_pixels; i++)
        pixels[i] = (uint8_t)draw(0, 255);
    for (int i = 0; i < SAMPLES; i++)
        labels[i] = (uint8_t)(i % OUTPUTS);
    int idims[4] = { SAMPLES, tc.h, tc.w, tc.c }, ldims[1] = { SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 4, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);
    if (tc.up[0] * tc.up[1] > 1)
        snprintf(up, sizeof up, "    upsample %dx%d\n", tc.up[0], tc.up[1]);
    snprintf(text, sizeof text,
             "model convt%d\n"
             "data {\n"
             "    train {\n        images \"convt%d/images.idx\"\n        labels \"convt%d/labels.idx\"\n    }\n"
             "    test {\n        images \"convt%d/images.idx\"\n        labels \"convt%d/labels.idx\"\n    }\n"
             "    scale 1/255\n"
             "}\n"
             "network {\n    input %dx%dx%d\n%s"
             "    conv2d_transpose %d %dx%d stride=%dx%d padding=%s name=convt\n    flatten\n"
             "    dense %d name=out\n}\n"
             "train {\n    loss mse\n    optimizer sgd lr=0.1\n    batch 3\n}\n",
             _i, _i, _i, _i, _i, tc.h, tc.w, tc.c, up, tc.filters, tc.k[0], tc.k[1],
             tc.stride[0], tc.stride[1], tc.same ? "same" : "valid", OUTPUTS);
    snprintf(path, sizeof path, "%s/m.nn", dir);
    write_text(path, text);
    char exe[300];
    snprintf(exe, sizeof exe, "%s/m", dir);
    build_trainer(path, exe);
    snprintf(path, sizeof path, "%s/m.c", dir);
    char *code = slurp(path);   /* the kernel the case is for */
    ck_assert_msg((strstr(code, "nnrt_wino_conv(") != NULL) == (_i >= CASES), "case %d:\n%s",
                  _i, text);
    free(code);
    snprintf(cmd, sizeof cmd,
             "NNC_DATA=%s %s steps 2 --seed 7 --weights-out %s/w >/dev/null && "
             "NNC_DATA=%s %s predict --weights %s/w --count %d --csv >%s/out.csv",
             tmp_dir(), exe, dir, tmp_dir(), exe, dir, SAMPLES, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s\n%s", text, out);
    free(out);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    out = slurp(path);
    Tensor t[8];
    snprintf(path, sizeof path, "%s/w", dir);
    int nt = read_weights(path, t, 8);
    const float *cw = tensor(t, nt, "convt.w", tc.k[0] * tc.k[1] * tc.filters * tc.c);
    const float *cb = tensor(t, nt, "convt.b", tc.filters);

    int uh = tc.h * tc.up[0], uw = tc.w * tc.up[1];
    double *x = malloc(sizeof(double) * (size_t)(uh * uw * tc.c));
    double *y = malloc(sizeof(double) * 8192);
    const char *line = out;
    for (int s = 0; s < SAMPLES; s++) {
        for (int iy = 0; iy < uh; iy++)   /* upsampled: each pixel a block */
            for (int ix = 0; ix < uw; ix++)
                for (int ci = 0; ci < tc.c; ci++)
                    x[(iy * uw + ix) * tc.c + ci] = (float)(
                        pixels[((s * tc.h + iy / tc.up[0]) * tc.w + ix / tc.up[1]) * tc.c + ci] *
                        (1.0f / 255));
        int oh, ow;
        ref_transpose(&tc, x, uh, uw, cw, cb, y, &oh, &ow);
        int width = oh * ow * tc.filters;
        ck_assert_int_le(width, 8192);
        const float *dw = tensor(t, nt, "out.w", width * OUTPUTS);
        const float *db = tensor(t, nt, "out.b", OUTPUTS);
        int index, label, used;
        ck_assert_int_eq(sscanf(line, "%d,%d%n", &index, &label, &used), 2);
        line += used;
        for (int o = 0; o < OUTPUTS; o++) {
            double want = db[o], got;
            for (int i = 0; i < width; i++)
                want += y[i] * dw[i * OUTPUTS + o];
            ck_assert_int_eq(sscanf(line, ",%lf%n", &got, &used), 1);
            line += used;
            ck_assert_msg(fabs(got - want) <= 1e-4 * (1 + fabs(want)),
                          "case %d sample %d output %d: nnc %.9g, reference %.9g\n%s", _i, s, o,
                          got, want, text);
        }
        line = strchr(line, '\n');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    for (int i = 0; i < nt; i++)
        free(t[i].v);
    free(x);
    free(y);
    free(pixels);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("reference");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, conv_and_pool_match_a_naive_reference, 0, CASES + WINOGRAD_CASES);
    tcase_add_loop_test(tc, conv_transpose_and_upsample_match_a_naive_reference, 0, T_CASES + 1);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
