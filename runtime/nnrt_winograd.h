/* nnrt_winograd.h: a conv2d of stride 1 by Winograd's minimal filtering,
 * for the generated code (compiler/emit_conv_winograd.c), where its
 * shapes are constants.
 *
 * A 3x3 or 5x5 convolution reads a 6x6 tile of the input for each 4x4 or
 * 2x2 tile of its output: F(4x4, 3x3) or F(2x2, 5x5).  Each tile d and
 * each filter g (one input channel's k x k weights for one output
 * channel) go into the same 36 points:
 *
 *     U = B^T d B,  V = G g G^T,  Y = A^T (sum over channels of U . V) A
 *
 * so the sums over the input channels are 36 products (tiles, C) x
 * (C, F) by nnrt_mm, one for each point, with 36 multiply-adds for a
 * tile's 16 (3x3) or 4 (5x5) outputs where im2col spends 144 or 100: 4
 * and 2.8 times fewer.  The transforms are adds and a few multiplies by
 * small constants, vectors across the channels.
 *
 * The points are 0, 1, -1, 2, -2 and infinity for both sizes (Lavin and
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2016: their
 * F(4x4, 3x3)), so B^T is the same; A^T's row i holds the points' i-th
 * powers (infinity's column 1 in the last row), G's row for a point p is
 * N_p (1, p, p^2, ...), N = 1/4, -1/6, -1/6, 1/24, 1/24, and infinity's
 * row picks the filter's last tap.  (tests/test_kernels.c checks every
 * size against direct sums, tests/test_conv.c the trainers' outputs.)
 * The sums are not im2col's: each output is computed through the points,
 * so its rounding differs (within 1e-5 of its terms' magnitudes in
 * float), the same bits every run and whatever the threads.
 *
 * The backward's dx is the same convolution of dz with the filters turned
 * 180 degrees, channels and filters swapped, and the padding k - 1 - p
 * (nnrt_wino_weights' flip).  Its dW is the correlation of x with dz,
 * F(k x k, m x m) over the same points: the x tiles' U, dz's m x m tiles
 * at the points (G' z G'^T, G' as G for a filter of m taps), their
 * products at each point summed over the batch, and A'^T M A' back to
 * the taps (nnrt_wino_dw_sample, nnrt_wino_dw_out). */
#ifndef NNRT_WINOGRAD_H
#define NNRT_WINOGRAD_H

#include <stdint.h>

#include "nnrt_kernels.h"

/* A tile's points per side, and how far apart a row of the input's tiles
 * start: 6 - k + 1 output rows each */
enum { NNRT_WINO_A = 6 };
#define NNRT_WINO_M(k) (NNRT_WINO_A - (k) + 1)

/* The columns of U and M, rows of values for the products: the channels
 * rounded up to 16, so a row is whole vectors for every vector width.
 * Their points lie a point's tg rows and one cache line more apart: a
 * tile's 36 values, read together, then fall in different sets of the
 * level-1 cache (at 24 tiles of 64 channels, 6 KB apart, they fell in
 * two, and conv64 of fashion_cnn ran at half the speed). */
#define NNRT_WINO_ROUND(c) (((c) + 15) / 16 * 16)
#define NNRT_WINO_POINT(tg, c) ((tg) * NNRT_WINO_ROUND(c) + 16)

/* t = B^T d over six values (a column or a row of a tile), vectors of
 * channels: 4 d0 - 5 d2 + d4, -4 d1 - 4 d2 + d3 + d4, 4 d1 - 4 d2 - d3 +
 * d4, -2 d1 - d2 + 2 d3 + d4, 2 d1 - d2 - 2 d3 + d4, 4 d1 - 5 d3 + d5,
 * each written over its common parts */
NNRT_INLINE void nnrt_wino_bt(nnrt_vreal t[6], const nnrt_vreal d[6])
{
    const nnrt_vreal four = nnrt_vsplat(4), two = nnrt_vsplat(2);
    nnrt_vreal d42 = d[4] - d[2], d31 = d[3] - d[1];
    t[0] = four * (d[0] - d[2]) + d42;
    t[1] = (d[3] + d[4]) - four * (d[1] + d[2]);
    t[2] = (d[4] - d[3]) + four * (d[1] - d[2]);
    t[3] = d42 + two * d31;
    t[4] = d42 - two * d31;
    t[5] = four * (d[1] - d[3]) + (d[5] - d[3]);
}

/* y = A^T x: the tile's m (4 or 2) outputs along one side from its six
 * points; A^T's rows are the points' powers 0 .. m - 1, infinity's
 * value added to the last */
NNRT_INLINE void nnrt_wino_at(int m, nnrt_vreal *y, const nnrt_vreal x[6])
{
    nnrt_vreal s12 = x[1] + x[2], d12 = x[1] - x[2], s34 = x[3] + x[4], d34 = x[3] - x[4];
    y[0] = x[0] + s12 + s34;
    if (m == 2) {
        y[1] = d12 + nnrt_vsplat(2) * d34 + x[5];
        return;
    }
    y[1] = d12 + nnrt_vsplat(2) * d34;
    y[2] = s12 + nnrt_vsplat(4) * s34;
    y[3] = d12 + nnrt_vsplat(8) * d34 + x[5];
}

/* G's value at point j, tap t of a filter of k taps */
NNRT_INLINE real nnrt_wino_g(int j, int t, int k)
{
    static const double N[5] = { 1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24 };
    static const double P[5] = { 0, 1, -1, 2, -2 };
    if (j == NNRT_WINO_A - 1)
        return t == k - 1;
    double v = N[j];
    for (int i = 0; i < t; i++)
        v *= P[j];
    return (real)v;
}

#ifndef NNRT_DOUBLE

/* v (36, c, f) = G g G^T for the filter g of each input channel and
 * filter, w (k, k, c, f) as a layer holds it; flip: for dx, the filter
 * turned 180 degrees and its roles swapped, into v (36, f, c).  Once a
 * batch, a vector of filters at a time. */
NNRT_ENTRY void nnrt_wino_weights(int k, int c, int f, const real *restrict w, int flip,
                                  real *restrict v)
{
    enum { A = NNRT_WINO_A };
    for (int ci = 0; ci < c; ci++)
        for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
            int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
            nnrt_vreal g[5][5], t[A][5];
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    int y = flip ? k - 1 - ky : ky, x = flip ? k - 1 - kx : kx;
                    g[ky][kx] = nnrt_vload_part(&w[((y * k + x) * c + ci) * f + f0], lanes);
                }
            for (int j = 0; j < A; j++)   /* t = G g: over the filter's rows */
                for (int kx = 0; kx < k; kx++) {
                    t[j][kx] = (nnrt_vreal){ 0 };
                    for (int ky = 0; ky < k; ky++)
                        t[j][kx] += nnrt_vsplat(nnrt_wino_g(j, ky, k)) * g[ky][kx];
                }
            for (int j = 0; j < A; j++)   /* then t G^T: over its columns */
                for (int i = 0; i < A; i++) {
                    nnrt_vreal s = { 0 };
                    for (int kx = 0; kx < k; kx++)
                        s += nnrt_vsplat(nnrt_wino_g(i, kx, k)) * t[j][kx];
                    if (!flip) {
                        nnrt_vstore_part(&v[((j * A + i) * c + ci) * f + f0], s, lanes);
                        continue;
                    }
                    for (int l = 0; l < lanes; l++)
                        v[((j * A + i) * f + f0 + l) * c + ci] = s[l];
                }
        }
}

/* U = B^T d B of the 6x6 tile at d (rows pw pixels of c channels apart),
 * its 36 points' rows of c values at u, points up values apart */
NNRT_INLINE void nnrt_wino_tile_in(int c, int pw, const real *restrict d, real *restrict u,
                                   int up)
{
    enum { A = NNRT_WINO_A };
    for (int c0 = 0; c0 < c; c0 += NNRT_VW) {
        nnrt_vreal col[A][A], row[A], out[A];
        for (int x = 0; x < A; x++) {   /* B^T d: down each column */
            nnrt_vreal in[A];
            for (int y = 0; y < A; y++)
                in[y] = nnrt_vload(&d[(y * pw + x) * c + c0]);
            nnrt_wino_bt(out, in);
            for (int y = 0; y < A; y++)
                col[y][x] = out[y];
        }
        for (int y = 0; y < A; y++) {   /* then B along each row */
            for (int x = 0; x < A; x++)
                row[x] = col[y][x];
            nnrt_wino_bt(out, row);
            for (int x = 0; x < A; x++)
                nnrt_vstore(&u[(y * A + x) * up + c0], out[x]);
        }
    }
}

/* Which windows read only zeros.  Where a window's inputs are all zero
 * the direct sum is exactly 0, but a tile's points mix in its other
 * pixels and leave a residue of a few units in the last place: at an
 * image's background, with zero biases (every layer's start), relu's
 * exact ties then fell to either side at random and max pooling's ties
 * went to the residues, so backward sent gradient through units that a
 * direct convolution leaves at 0 (fashion-like images, 10 steps of sgd
 * moved the loss 4e-3 from PyTorch's).  nz (ph, pw): whether each pixel
 * of pad has a channel not zero; hit (ph, ow): whether each row's k
 * pixels from column ox on hold one; reads (oh, ow): whether the window of
 * output (oy, ox) does, some hit[oy + ky] in its column. */
NNRT_INLINE void nnrt_wino_zero_windows(int k, int c, int ph, int pw, int oh, int ow,
                                        const real *restrict pad, unsigned char *restrict nz,
                                        unsigned char *restrict hit, unsigned char *restrict reads)
{
    for (int p = 0; p < ph * pw; p++) {
        nnrt_vmask any = nnrt_vload_part(&pad[p * c], c < NNRT_VW ? c : NNRT_VW) !=
                         (nnrt_vreal){ 0 };
        for (int c0 = NNRT_VW; c0 < c; c0 += NNRT_VW) {
            int lanes = c - c0 < NNRT_VW ? c - c0 : NNRT_VW;
            nnrt_vreal v = lanes == NNRT_VW ? nnrt_vload(&pad[p * c + c0])
                                            : nnrt_vload_part(&pad[p * c + c0], lanes);
            any |= v != (nnrt_vreal){ 0 };
        }
        uint64_t w[sizeof any / 8], bits = 0;   /* each lane 0 or all ones */
        memcpy(w, &any, sizeof any);
        for (size_t i = 0; i < sizeof any / 8; i++)
            bits |= w[i];
        nz[p] = bits != 0;
    }
    for (int py = 0; py < ph; py++)
        for (int ox = 0; ox < ow; ox++) {
            int any = 0;
            for (int kx = 0; kx < k; kx++)
                any |= nz[py * pw + ox + kx];
            hit[py * ow + ox] = (unsigned char)any;
        }
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int any = 0;
            for (int ky = 0; ky < k; ky++)
                any |= hit[(oy + ky) * ow + ox];
            reads[oy * ow + ox] = (unsigned char)any;
        }
}

/* One sample: y (oh, ow, f) = act(the convolution + bias) (bias NULL:
 * none), from pad, the sample zero-padded to the tiles' rows and columns
 * (pw columns, the input's c channels each, and NNRT_SLACK values more
 * after its last, which vector loads may read), and v from nnrt_wino_weights.
 * Tiles go tg at a time (a constant: their U and M, u (36, tg, c rounded)
 * and mm (36, tg, f rounded), points NNRT_WINO_POINT apart, stay in the
 * core's level 2): the tiles' U, the 36 products, then each tile's
 * outputs, the bias alone where a window reads only zeros
 * (nnrt_wino_zero_windows; with a bias, the forward: dx's residues meet
 * no tie). */
NNRT_ENTRY void nnrt_wino_conv(int k, int c, int f, int oh, int ow, int pw, int tg,
                               const real *restrict pad, const real *restrict v,
                               const real *restrict bias, int act, real *restrict y,
                               real *restrict u, real *restrict mm)
{
    enum { A = NNRT_WINO_A };
    const int m = NNRT_WINO_M(k), tw = (ow + m - 1) / m, th = (oh + m - 1) / m;
    const int cr = NNRT_WINO_ROUND(c), fr = NNRT_WINO_ROUND(f);
    const int up = NNRT_WINO_POINT(tg, c), mp = NNRT_WINO_POINT(tg, f);
    const int ph = th * m + k - 1;
    unsigned char nz[ph * pw], hit[ph * ow], reads[oh * ow];
    if (bias)   /* forward: relu and max pooling after it meet ties */
        nnrt_wino_zero_windows(k, c, ph, pw, oh, ow, pad, nz, hit, reads);
    for (int t0 = 0; t0 < th * tw; t0 += tg) {
        int g = th * tw - t0 < tg ? th * tw - t0 : tg;
        for (int t = 0; t < g; t++)   /* U = B^T d B, tile by tile */
            nnrt_wino_tile_in(c, pw, &pad[((t0 + t) / tw * m * pw + (t0 + t) % tw * m) * c],
                              &u[t * cr], up);
        for (int p = 0; p < A * A; p++)   /* M = U V at each point */
            nnrt_mm(g, f, c, &u[p * up], cr, &v[p * c * f], f, &mm[p * mp], fr, 0);
        for (int t = 0; t < g; t++) {   /* Y = A^T M A + bias, inside the output */
            int oy = (t0 + t) / tw * m, ox = (t0 + t) % tw * m;
            for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
                int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
                nnrt_vreal col[A][4], row[A], out[4];
                for (int x = 0; x < A; x++) {   /* A^T M: down each column */
                    nnrt_vreal in[A];
                    for (int p = 0; p < A; p++)
                        in[p] = nnrt_vload(&mm[(p * A + x) * mp + t * fr + f0]);
                    nnrt_wino_at(m, out, in);
                    for (int i = 0; i < m; i++)
                        col[x][i] = out[i];
                }
                nnrt_vreal b = bias ? nnrt_vload_part(&bias[f0], lanes) : (nnrt_vreal){ 0 };
                for (int i = 0; i < m && oy + i < oh; i++) {   /* then A along each row */
                    for (int x = 0; x < A; x++)
                        row[x] = col[x][i];
                    nnrt_wino_at(m, out, row);
                    for (int j = 0; j < m && ox + j < ow; j++) {
                        int read = !bias || reads[(oy + i) * ow + ox + j];
                        nnrt_vreal s = read ? out[j] : (nnrt_vreal){ 0 };
                        if (bias)
                            s += b;
                        if (act == NNRT_RELU)
                            s = nnrt_vrelu(s);
                        real *to = &y[((oy + i) * ow + ox + j) * f + f0];
                        if (lanes == NNRT_VW)
                            nnrt_vstore(to, s);
                        else
                            nnrt_vstore_part(to, s, lanes);
                    }
                }
            }
        }
    }
}

/* t = G' z: a tile of dz's m values along one side to the six points,
 * as G takes a filter's taps (nnrt_wino_g: the weight gradient is the
 * correlation of x's tile with dz's, F(k x k, m x m) over the same points) */
NNRT_INLINE void nnrt_wino_gz(int m, nnrt_vreal t[6], const nnrt_vreal *z)
{
    const nnrt_vreal q = nnrt_vsplat((real)(1.0 / 4)), s = nnrt_vsplat((real)(-1.0 / 6)),
                     e = nnrt_vsplat((real)(1.0 / 24)), two = nnrt_vsplat(2);
    if (m == 2) {
        t[0] = q * z[0];
        t[1] = s * (z[0] + z[1]);
        t[2] = s * (z[0] - z[1]);
        t[3] = e * (z[0] + two * z[1]);
        t[4] = e * (z[0] - two * z[1]);
        t[5] = z[1];
        return;
    }
    const nnrt_vreal four = nnrt_vsplat(4), eight = nnrt_vsplat(8);
    nnrt_vreal even = z[0] + z[2], odd = z[1] + z[3];
    nnrt_vreal even2 = z[0] + four * z[2], odd2 = two * z[1] + eight * z[3];
    t[0] = q * z[0];
    t[1] = s * (even + odd);
    t[2] = s * (even - odd);
    t[3] = e * (even2 + odd2);
    t[4] = e * (even2 - odd2);
    t[5] = z[3];
}

/* mw (36, c, f) += each tile's U^T D at the points, over one sample:
 * U from pad as nnrt_wino_conv reads it, D = G' z G'^T from dz (oh, ow,
 * f), whose (0, 0) is at dzpad's row dt, column dl (rows dpw pixels apart)
 * with zeros past its last rows and columns to the tiles' ends.  Tiles go
 * tg at a time, u (36, tg, c rounded) and d (36, tg, f rounded), points
 * NNRT_WINO_POINT apart; then nnrt_wino_dw_out. */
NNRT_ENTRY void nnrt_wino_dw_sample(int k, int c, int f, int oh, int ow, int pw,
                                    const real *restrict pad, int dpw, int dt, int dl,
                                    const real *restrict dzpad, int tg, real *restrict u,
                                    real *restrict d, real *restrict mw)
{
    enum { A = NNRT_WINO_A };
    const int m = NNRT_WINO_M(k), tw = (ow + m - 1) / m, th = (oh + m - 1) / m;
    const int cr = NNRT_WINO_ROUND(c), fr = NNRT_WINO_ROUND(f);
    const int up = NNRT_WINO_POINT(tg, c), dp = NNRT_WINO_POINT(tg, f);
    for (int t0 = 0; t0 < th * tw; t0 += tg) {
        int g = th * tw - t0 < tg ? th * tw - t0 : tg;
        for (int t = 0; t < g; t++) {
            int oy = (t0 + t) / tw * m, ox = (t0 + t) % tw * m;
            nnrt_wino_tile_in(c, pw, &pad[(oy * pw + ox) * c], &u[t * cr], up);
            for (int f0 = 0; f0 < f; f0 += NNRT_VW) {   /* D = G' z G'^T */
                nnrt_vreal col[A][4], row[4], out[A];
                for (int x = 0; x < m; x++) {   /* G' z: down each column */
                    nnrt_vreal in[4];
                    for (int i = 0; i < m; i++)
                        in[i] = nnrt_vload(&dzpad[((dt + oy + i) * dpw + dl + ox + x) * f + f0]);
                    nnrt_wino_gz(m, out, in);
                    for (int j = 0; j < A; j++)
                        col[j][x] = out[j];
                }
                for (int j = 0; j < A; j++) {   /* then along each row */
                    for (int x = 0; x < m; x++)
                        row[x] = col[j][x];
                    nnrt_wino_gz(m, out, row);
                    for (int i = 0; i < A; i++)
                        nnrt_vstore(&d[(j * A + i) * dp + t * fr + f0], out[i]);
                }
            }
        }
        for (int p = 0; p < A * A; p++)   /* at each point, U^T D over the tiles */
            nnrt_mm_tn(c, f, g, &u[p * up], cr, &d[p * dp], fr, &mw[p * c * f], f, 1, 1);
    }
}

/* dw (k, k, c, f) = A'^T M A' for each input channel and filter: the six
 * points back to the k taps, A'^T's row i the points' i-th powers */
NNRT_ENTRY void nnrt_wino_dw_out(int k, int c, int f, const real *restrict mw,
                                 real *restrict dw)
{
    enum { A = NNRT_WINO_A };
    static const double P[5] = { 0, 1, -1, 2, -2 };
    real at[5][A];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < A; j++) {
            double v = j == A - 1 ? i == k - 1 : 1;
            for (int e = 0; j < A - 1 && e < i; e++)
                v *= P[j];
            at[i][j] = (real)v;
        }
    for (int ci = 0; ci < c; ci++)
        for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
            int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
            nnrt_vreal t[5][A];
            for (int ky = 0; ky < k; ky++)   /* A'^T M: over the rows */
                for (int x = 0; x < A; x++) {
                    t[ky][x] = (nnrt_vreal){ 0 };
                    for (int j = 0; j < A; j++)
                        t[ky][x] += nnrt_vsplat(at[ky][j]) *
                                    nnrt_vload_part(&mw[((j * A + x) * c + ci) * f + f0], lanes);
                }
            for (int ky = 0; ky < k; ky++)   /* then A' over the columns */
                for (int kx = 0; kx < k; kx++) {
                    nnrt_vreal s = { 0 };
                    for (int x = 0; x < A; x++)
                        s += nnrt_vsplat(at[kx][x]) * t[ky][x];
                    nnrt_vstore_part(&dw[((ky * k + kx) * c + ci) * f + f0], s, lanes);
                }
        }
}

#else   /* the double-precision twin, which gradcheck runs: the direct sums */

/* Winograd's outputs are sums through the points: where a window reads
 * only zeros (an image's background) im2col's sum is exactly 0 and a zero
 * bias leaves relu exactly on its kink, but the points leave a residue
 * of 1e-17, a few units in a random half of them.  gradcheck takes the
 * one-sided slopes at such ties, and ties scattered 1e-17 from the kink
 * match neither side: a correct backward failed.  So the twin computes
 * the same convolution directly, over the same padded samples and
 * filters turned the same way, each sum in im2col's order (PyTorch's
 * gradcheck, in float64, runs direct convolutions too); the points are
 * checked against direct sums in tests/test_kernels.c. */

/* v (k, k, c, f) = w, or for dx (flip) w turned 180 degrees, (k, k, f, c) */
NNRT_ENTRY void nnrt_wino_weights(int k, int c, int f, const real *restrict w, int flip,
                                  real *restrict v)
{
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            for (int ci = 0; ci < c; ci++)
                for (int fi = 0; fi < f; fi++) {
                    int y = flip ? k - 1 - ky : ky, x = flip ? k - 1 - kx : kx;
                    real g = w[((y * k + x) * c + ci) * f + fi];
                    if (flip)
                        v[((ky * k + kx) * f + fi) * c + ci] = g;
                    else
                        v[((ky * k + kx) * c + ci) * f + fi] = g;
                }
}

/* y = act(bias + the sum over the window's taps and channels, in order) */
NNRT_ENTRY void nnrt_wino_conv(int k, int c, int f, int oh, int ow, int pw, int tg,
                               const real *restrict pad, const real *restrict v,
                               const real *restrict bias, int act, real *restrict y,
                               real *restrict u, real *restrict mm)
{
    (void)tg;
    (void)u;
    (void)mm;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            real *out = &y[(oy * ow + ox) * f];
            for (int fi = 0; fi < f; fi++)
                out[fi] = 0;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    for (int ci = 0; ci < c; ci++) {
                        real a = pad[((oy + ky) * pw + ox + kx) * c + ci];
                        const real *g = &v[((ky * k + kx) * c + ci) * f];
                        for (int fi = 0; fi < f; fi++)
                            out[fi] += a * g[fi];
                    }
            for (int fi = 0; fi < f; fi++) {
                real s = bias ? bias[fi] + out[fi] : out[fi];
                out[fi] = act == NNRT_RELU ? (s > 0 ? s : 0) : s;
            }
        }
}

/* mw, as dw (k, k, c, f), += the sum over the sample's outputs, in order,
 * of each window of pad times dz */
NNRT_ENTRY void nnrt_wino_dw_sample(int k, int c, int f, int oh, int ow, int pw,
                                    const real *restrict pad, int dpw, int dt, int dl,
                                    const real *restrict dzpad, int tg, real *restrict u,
                                    real *restrict d, real *restrict mw)
{
    (void)tg;
    (void)u;
    (void)d;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            const real *z = &dzpad[((dt + oy) * dpw + dl + ox) * f];
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    for (int ci = 0; ci < c; ci++) {
                        real a = pad[((oy + ky) * pw + ox + kx) * c + ci];
                        real *g = &mw[((ky * k + kx) * c + ci) * f];
                        for (int fi = 0; fi < f; fi++)
                            g[fi] += a * z[fi];
                    }
        }
}

NNRT_ENTRY void nnrt_wino_dw_out(int k, int c, int f, const real *restrict mw,
                                 real *restrict dw)
{
    memcpy(dw, mw, sizeof(real) * k * k * c * f);
}

#endif

#endif
