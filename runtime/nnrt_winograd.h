/* nnrt_winograd.h: a conv2d of stride 1 by Winograd's minimal filtering,
 * for the generated code (compiler/emit_conv_winograd.c), where its
 * shapes are constants.
 *
 * A 3x3 or 5x5 convolution reads an A x A tile of the input for each 4x4
 * tile of its output, A = 6 or 8: F(4x4, 3x3) or F(4x4, 5x5).  Each tile
 * d and each filter g (one input channel's k x k weights for one output
 * channel) go into the same A * A points:
 *
 *     U = B^T d B,  V = G g G^T,  Y = A^T (sum over channels of U . V) A
 *
 * so the sums over the input channels are A * A products (tiles, C) x
 * (C, F) by nnrt_mm, one for each point, with 36 or 64 multiply-adds for
 * a tile's 16 outputs where im2col spends 144 or 400: 4 and 6.25 times
 * fewer.  The transforms are adds and a few multiplies by small
 * constants, vectors across the channels.
 *
 * The points are 0, 1, -1, 2, -2 and infinity for 3x3 (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016: their
 * F(4x4, 3x3)), and 1/2, -1/2 as well for 5x5 (their F(6x6, 3x3)'s
 * points).  B^T's row for a point p holds the coefficients of M(x) / (x -
 * p), M the product of (x - q) over the finite points (infinity's row M's
 * own); A^T's row i holds the points' i-th powers (infinity's column 1 in
 * the last row); G's row for p is N_p (1, p, p^2, ...), N_p one over the
 * product of p - q over the other finite points, and infinity's row picks
 * the filter's last tap.  (tests/test_kernels.c checks every size against
 * direct sums, tests/test_conv.c the trainers' outputs.)  The sums are not
 * im2col's: each output is computed through the points, so its rounding
 * differs (within 1e-5 of its terms' magnitudes in float), the same bits
 * every run and whatever the threads.  For 5x5, 2x2 output tiles (F(2x2,
 * 5x5), 6 points) spent 36 multiply-adds for 4 outputs: the 8 points'
 * 64 for 16 made fashion_cnn's steps 10-15% faster, and the error of a sum
 * of 64 channels' terms went from 3e-7 to 7e-7 of their magnitudes (F(4x4,
 * 3x3)'s: 1e-6).
 *
 * The backward's dx is the same convolution of dz with the filters turned
 * 180 degrees, channels and filters swapped, and the padding k - 1 - p
 * (nnrt_wino_weights' flip).  Its dW is the correlation of x with dz,
 * F(k x k, 4 x 4) over the same points: the x tiles' U, dz's 4x4 tiles
 * at the points (G' z G'^T, G' as G for a filter of 4 taps), their
 * products at each point summed over the batch, and A'^T M A' back to
 * the taps (nnrt_wino_dw, nnrt_wino_dw_out). */
#ifndef NNRT_WINOGRAD_H
#define NNRT_WINOGRAD_H

#include <stdint.h>

#include "nnrt_kernels.h"

/* A tile's points per side: 6 for a 3x3 window, 8 for 5x5; and its
 * output rows (how far apart a row of the input's tiles start), A - k + 1:
 * 4 for both */
#define NNRT_WINO_A(k) ((k) + 3)
#define NNRT_WINO_M(k) (NNRT_WINO_A(k) - (k) + 1)
enum { NNRT_WINO_AMAX = 8 };

/* The columns of U and M, rows of values for the products: the channels
 * rounded up to 16, so a row is whole vectors for every vector width.
 * Their points lie a point's tg rows and one cache line more apart: a
 * tile's A * A values, read together, then fall in different sets of the
 * level-1 cache (at 24 tiles of 64 channels, 6 KB apart, they fell in
 * two, and conv64 of fashion_cnn ran at half the speed). */
#define NNRT_WINO_ROUND(c) (((c) + 15) / 16 * 16)
#define NNRT_WINO_POINT(tg, c) ((tg) * NNRT_WINO_ROUND(c) + 16)

/* Finite point j, in the order of the rows of B^T and G and the columns of
 * A^T (infinity is the last): the 6-point set's five, then 1/2 and -1/2
 * for the 8-point set's seven */
NNRT_INLINE double nnrt_wino_p(int j)
{
    static const double P[NNRT_WINO_AMAX - 1] = { 0, 1, -1, 2, -2, 0.5, -0.5 };
    return P[j];
}

/* t = B^T d over six values (a column or a row of a tile), vectors of
 * channels: 4 d0 - 5 d2 + d4, -4 d1 - 4 d2 + d3 + d4, 4 d1 - 4 d2 - d3 +
 * d4, -2 d1 - d2 + 2 d3 + d4, 2 d1 - d2 - 2 d3 + d4, 4 d1 - 5 d3 + d5,
 * each written over its common parts */
NNRT_INLINE void nnrt_wino_bt6(nnrt_vreal t[6], const nnrt_vreal d[6])
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

/* The same over eight values.  Row j holds the coefficients of M(x) / (x -
 * p_j), M(x) the product of (x - p) over the seven finite points, x^7 -
 * 21/4 x^5 + 21/4 x^3 - x (point 0's row negated, and its G with it), and
 * infinity's row M's own.  The rows of p and -p share their even and odd
 * parts: e + o and e - o. */
NNRT_INLINE void nnrt_wino_bt8(nnrt_vreal t[8], const nnrt_vreal d[8])
{
    const nnrt_vreal c21 = nnrt_vsplat((real)5.25), c17 = nnrt_vsplat((real)4.25),
                     c5 = nnrt_vsplat((real)2.5), c54 = nnrt_vsplat((real)1.25),
                     half = nnrt_vsplat((real)0.5), quarter = nnrt_vsplat((real)0.25),
                     two = nnrt_vsplat(2), four = nnrt_vsplat(4), five = nnrt_vsplat(5);
    t[0] = (d[0] - d[6]) + c21 * (d[4] - d[2]);
    t[7] = (d[7] - d[1]) + c21 * (d[3] - d[5]);
    nnrt_vreal e = (d[2] + d[6]) - c17 * d[4], o = (d[1] + d[5]) - c17 * d[3];   /* 1, -1 */
    t[1] = e + o;
    t[2] = e - o;
    e = (quarter * d[2] + d[6]) - c54 * d[4];   /* 2, -2 */
    o = (half * d[1] + two * d[5]) - c5 * d[3];
    t[3] = e + o;
    t[4] = e - o;
    e = (four * d[2] + d[6]) - five * d[4];   /* 1/2, -1/2 */
    o = (two * d[1] + half * d[5]) - c5 * d[3];
    t[5] = e + o;
    t[6] = e - o;
}

/* B^T over a points: a constant where the kernels are inlined */
NNRT_INLINE void nnrt_wino_bt(int a, nnrt_vreal *t, const nnrt_vreal *d)
{
    if (a == 8)
        nnrt_wino_bt8(t, d);
    else
        nnrt_wino_bt6(t, d);
}

/* y = A^T x: the tile's 4 outputs along one side from its a points; A^T's
 * rows are the points' powers 0 .. 3, infinity's value added to the last.
 * The points come in pairs p, -p after 0: their sums give the even
 * powers, their differences the odd. */
NNRT_INLINE void nnrt_wino_at(int a, nnrt_vreal *y, const nnrt_vreal *x)
{
    nnrt_vreal s12 = x[1] + x[2], d12 = x[1] - x[2], s34 = x[3] + x[4], d34 = x[3] - x[4];
    if (a == 8) {
        nnrt_vreal s56 = x[5] + x[6], d56 = x[5] - x[6];
        y[0] = x[0] + s12 + s34 + s56;
        y[1] = d12 + nnrt_vsplat(2) * d34 + nnrt_vsplat((real)0.5) * d56;
        y[2] = s12 + nnrt_vsplat(4) * s34 + nnrt_vsplat((real)0.25) * s56;
        y[3] = d12 + nnrt_vsplat(8) * d34 + nnrt_vsplat((real)0.125) * d56 + x[7];
        return;
    }
    y[0] = x[0] + s12 + s34;
    y[1] = d12 + nnrt_vsplat(2) * d34;
    y[2] = s12 + nnrt_vsplat(4) * s34;
    y[3] = d12 + nnrt_vsplat(8) * d34 + x[5];
}

/* G's value at point j of a, tap t of a filter of k taps: N_j p_j^t, N_j
 * one over the product of p_j - p over the other finite points (negated
 * at 8 points' 0, as B^T's row is), and infinity's row the last tap */
NNRT_INLINE real nnrt_wino_g(int a, int j, int t, int k)
{
    static const double N6[5] = { 1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24 };
    static const double N8[7] = { 1, -2.0 / 9, -2.0 / 9, 1.0 / 90, 1.0 / 90, 32.0 / 45, 32.0 / 45 };
    if (j == a - 1)
        return t == k - 1;
    double v = a == 8 ? N8[j] : N6[j];
    for (int i = 0; i < t; i++)
        v *= nnrt_wino_p(j);
    return (real)v;
}

#ifndef NNRT_DOUBLE

/* v (A * A, c, f) = G g G^T for the filter g of each input channel and
 * filter, w (k, k, c, f) as a layer holds it; flip: for dx, the filter
 * turned 180 degrees and its roles swapped, into v (A * A, f, c).  Once a
 * batch, a vector of filters at a time. */
NNRT_ENTRY void nnrt_wino_weights(int k, int c, int f, const real *restrict w, int flip,
                                  real *restrict v)
{
    const int A = NNRT_WINO_A(k);
    for (int ci = 0; ci < c; ci++)
        for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
            int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
            nnrt_vreal g[5][5], t[NNRT_WINO_AMAX][5];
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    int y = flip ? k - 1 - ky : ky, x = flip ? k - 1 - kx : kx;
                    g[ky][kx] = nnrt_vload_part(&w[((y * k + x) * c + ci) * f + f0], lanes);
                }
            for (int j = 0; j < A; j++)   /* t = G g: over the filter's rows */
                for (int kx = 0; kx < k; kx++) {
                    t[j][kx] = (nnrt_vreal){ 0 };
                    for (int ky = 0; ky < k; ky++)
                        t[j][kx] += nnrt_vsplat(nnrt_wino_g(A, j, ky, k)) * g[ky][kx];
                }
            for (int j = 0; j < A; j++)   /* then t G^T: over its columns */
                for (int i = 0; i < A; i++) {
                    nnrt_vreal s = { 0 };
                    for (int kx = 0; kx < k; kx++)
                        s += nnrt_vsplat(nnrt_wino_g(A, i, kx, k)) * t[j][kx];
                    if (!flip) {
                        nnrt_vstore_part(&v[((j * A + i) * c + ci) * f + f0], s, lanes);
                        continue;
                    }
                    for (int l = 0; l < lanes; l++)
                        v[((j * A + i) * f + f0 + l) * c + ci] = s[l];
                }
        }
}

/* U = B^T d B of the A x A tile at d (rows pw pixels of c channels
 * apart), its A * A points' rows of c values at u, points up values apart */
NNRT_INLINE void nnrt_wino_tile_in(int A, int c, int pw, const real *restrict d,
                                   real *restrict u, int up)
{
    enum { AM = NNRT_WINO_AMAX };
    for (int c0 = 0; c0 < c; c0 += NNRT_VW) {
        nnrt_vreal col[AM][AM], row[AM], out[AM];
        for (int x = 0; x < A; x++) {   /* B^T d: down each column */
            nnrt_vreal in[AM];
            for (int y = 0; y < A; y++)
                in[y] = nnrt_vload(&d[(y * pw + x) * c + c0]);
            nnrt_wino_bt(A, out, in);
            for (int y = 0; y < A; y++)
                col[y][x] = out[y];
        }
        for (int y = 0; y < A; y++) {   /* then B along each row */
            for (int x = 0; x < A; x++)
                row[x] = col[y][x];
            nnrt_wino_bt(A, out, row);
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

/* Where tile t of ns samples' tiles starts: its sample, and its first
 * output row and column there (each sample's tiles th rows of tw) */
NNRT_INLINE void nnrt_wino_tile_at(int t, int th, int tw, int m, int *s, int *oy, int *ox)
{
    *s = t / (th * tw);
    *oy = t % (th * tw) / tw * m;
    *ox = t % tw * m;
}

/* ns samples: y (ns, oh, ow, f) = act(the convolution + bias) (bias NULL:
 * none), from pad, the samples one after another, each zero-padded to ph
 * rows of pw columns (at least the tiles' rows and columns), the input's
 * c channels each, and NNRT_SLACK values more after the last, which vector
 * loads may read; and v from nnrt_wino_weights.  The samples' tiles go tg
 * at a time (a constant: their U and M, u (A * A, tg, c rounded) and mm
 * (A * A, tg, f rounded), points NNRT_WINO_POINT apart, stay in the core's
 * level 2), a group taking tiles of more than one sample where a sample
 * has few (a small map's products were of 4 rows): the tiles' U, the
 * A * A products, then each tile's outputs, the bias alone where a window
 * reads only zeros (nnrt_wino_zero_windows; with a bias, the forward:
 * dx's residues meet no tie).  Each output is the same, bit for bit,
 * whatever the samples and groups: its sums go over the channels alone. */
NNRT_ENTRY void nnrt_wino_conv(int ns, int k, int c, int f, int oh, int ow, int ph, int pw,
                               int tg, const real *restrict pad, const real *restrict v,
                               const real *restrict bias, int act, real *restrict y,
                               real *restrict u, real *restrict mm)
{
    enum { AM = NNRT_WINO_AMAX };
    const int A = NNRT_WINO_A(k), m = NNRT_WINO_M(k), tw = (ow + m - 1) / m, th = (oh + m - 1) / m;
    const int cr = NNRT_WINO_ROUND(c), fr = NNRT_WINO_ROUND(f);
    const int up = NNRT_WINO_POINT(tg, c), mp = NNRT_WINO_POINT(tg, f);
    const int tiles = ns * th * tw, sample = ph * pw * c;
    unsigned char nz[ph * pw], hit[ph * ow], reads[bias ? ns * oh * ow : 1];
    for (int s = 0; bias && s < ns; s++)   /* forward: relu and max pooling after it meet ties */
        nnrt_wino_zero_windows(k, c, ph, pw, oh, ow, &pad[s * sample], nz, hit,
                               &reads[s * oh * ow]);
    for (int t0 = 0; t0 < tiles; t0 += tg) {
        int g = tiles - t0 < tg ? tiles - t0 : tg;
        for (int t = 0; t < g; t++) {   /* U = B^T d B, tile by tile */
            int sp, oy, ox;   /* its sample, and where in it */
            nnrt_wino_tile_at(t0 + t, th, tw, m, &sp, &oy, &ox);
            nnrt_wino_tile_in(A, c, pw, &pad[sp * sample + (oy * pw + ox) * c], &u[t * cr], up);
        }
        for (int p = 0; p < A * A; p++)   /* M = U V at each point */
            nnrt_mm(g, f, c, &u[p * up], cr, &v[p * c * f], f, &mm[p * mp], fr, 0);
        for (int t = 0; t < g; t++) {   /* Y = A^T M A + bias, inside the output */
            int sp, oy, ox;   /* its sample, and where in it */
            nnrt_wino_tile_at(t0 + t, th, tw, m, &sp, &oy, &ox);
            for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
                int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
                nnrt_vreal col[AM][4], row[AM], out[4];
                for (int x = 0; x < A; x++) {   /* A^T M: down each column */
                    nnrt_vreal in[AM];
                    for (int p = 0; p < A; p++)
                        in[p] = nnrt_vload(&mm[(p * A + x) * mp + t * fr + f0]);
                    nnrt_wino_at(A, out, in);
                    for (int i = 0; i < m; i++)
                        col[x][i] = out[i];
                }
                nnrt_vreal b = bias ? nnrt_vload_part(&bias[f0], lanes) : (nnrt_vreal){ 0 };
                for (int i = 0; i < m && oy + i < oh; i++) {   /* then A along each row */
                    for (int x = 0; x < A; x++)
                        row[x] = col[x][i];
                    nnrt_wino_at(A, out, row);
                    for (int j = 0; j < m && ox + j < ow; j++) {
                        int read = !bias || reads[(sp * oh + oy + i) * ow + ox + j];
                        nnrt_vreal s = read ? out[j] : (nnrt_vreal){ 0 };
                        if (bias)
                            s += b;
                        if (act == NNRT_RELU)
                            s = nnrt_vrelu(s);
                        real *to = &y[((sp * oh + oy + i) * ow + ox + j) * f + f0];
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

/* t = G' z: a tile of dz's 4 values along one side to the a points, as
 * G takes a filter's taps (nnrt_wino_g: the weight gradient is the
 * correlation of x's tile with dz's, F(k x k, 4 x 4) over the same
 * points).  Each pair p, -p shares z's even and odd parts. */
NNRT_INLINE void nnrt_wino_gz(int a, nnrt_vreal *t, const nnrt_vreal *z)
{
    const nnrt_vreal two = nnrt_vsplat(2), four = nnrt_vsplat(4), eight = nnrt_vsplat(8);
    nnrt_vreal n[7];
    for (int j = 0; j < a - 1; j++)
        n[j] = nnrt_vsplat(nnrt_wino_g(a, j, 0, 4));
    nnrt_vreal even = z[0] + z[2], odd = z[1] + z[3];   /* 1, -1 */
    nnrt_vreal even2 = z[0] + four * z[2], odd2 = two * z[1] + eight * z[3];   /* 2, -2 */
    t[0] = n[0] * z[0];
    t[1] = n[1] * (even + odd);
    t[2] = n[2] * (even - odd);
    t[3] = n[3] * (even2 + odd2);
    t[4] = n[4] * (even2 - odd2);
    if (a == 8) {   /* 1/2, -1/2 */
        const nnrt_vreal half = nnrt_vsplat((real)0.5), quarter = nnrt_vsplat((real)0.25),
                         eighth = nnrt_vsplat((real)0.125);
        nnrt_vreal evenh = z[0] + quarter * z[2], oddh = half * z[1] + eighth * z[3];
        t[5] = n[5] * (evenh + oddh);
        t[6] = n[6] * (evenh - oddh);
    }
    t[a - 1] = z[3];
}

/* mw (A * A, c, f) += each tile's U^T D at the points, over ns samples:
 * U from pad as nnrt_wino_conv reads it (samples ph rows of pw columns),
 * D = G' z G'^T from dz (oh, ow, f), whose (0, 0) is at dzpad's row dt,
 * column dl (samples dph rows of dpw pixels) with zeros past its last
 * rows and columns to the tiles' ends.  The samples' tiles go tg at a
 * time, u (A * A, tg, c rounded) and d (A * A, tg, f rounded), points
 * NNRT_WINO_POINT apart; then nnrt_wino_dw_out. */
NNRT_ENTRY void nnrt_wino_dw(int ns, int k, int c, int f, int oh, int ow, int ph, int pw,
                             const real *restrict pad, int dph, int dpw, int dt, int dl,
                             const real *restrict dzpad, int tg, real *restrict u,
                             real *restrict d, real *restrict mw)
{
    enum { AM = NNRT_WINO_AMAX };
    const int A = NNRT_WINO_A(k), m = NNRT_WINO_M(k), tw = (ow + m - 1) / m, th = (oh + m - 1) / m;
    const int cr = NNRT_WINO_ROUND(c), fr = NNRT_WINO_ROUND(f);
    const int up = NNRT_WINO_POINT(tg, c), dp = NNRT_WINO_POINT(tg, f);
    const int tiles = ns * th * tw;
    for (int t0 = 0; t0 < tiles; t0 += tg) {
        int g = tiles - t0 < tg ? tiles - t0 : tg;
        for (int t = 0; t < g; t++) {
            int sp, oy, ox;   /* its sample, and where in it */
            nnrt_wino_tile_at(t0 + t, th, tw, m, &sp, &oy, &ox);
            const real *z = &dzpad[sp * dph * dpw * f];
            nnrt_wino_tile_in(A, c, pw, &pad[sp * ph * pw * c + (oy * pw + ox) * c], &u[t * cr],
                              up);
            for (int f0 = 0; f0 < f; f0 += NNRT_VW) {   /* D = G' z G'^T */
                nnrt_vreal col[AM][4], row[4], out[AM];
                for (int x = 0; x < m; x++) {   /* G' z: down each column */
                    nnrt_vreal in[4];
                    for (int i = 0; i < m; i++)
                        in[i] = nnrt_vload(&z[((dt + oy + i) * dpw + dl + ox + x) * f + f0]);
                    nnrt_wino_gz(A, out, in);
                    for (int j = 0; j < A; j++)
                        col[j][x] = out[j];
                }
                for (int j = 0; j < A; j++) {   /* then along each row */
                    for (int x = 0; x < m; x++)
                        row[x] = col[j][x];
                    nnrt_wino_gz(A, out, row);
                    for (int i = 0; i < A; i++)
                        nnrt_vstore(&d[(j * A + i) * dp + t * fr + f0], out[i]);
                }
            }
        }
        for (int p = 0; p < A * A; p++)   /* at each point, U^T D over the tiles */
            nnrt_mm_tn(c, f, g, &u[p * up], cr, &d[p * dp], fr, &mw[p * c * f], f, 1, 1);
    }
}

/* dw (k, k, c, f) = A'^T M A' for each input channel and filter: the A
 * points back to the k taps, A'^T's row i the points' i-th powers */
NNRT_ENTRY void nnrt_wino_dw_out(int k, int c, int f, const real *restrict mw,
                                 real *restrict dw)
{
    enum { AM = NNRT_WINO_AMAX };
    const int A = NNRT_WINO_A(k);
    real at[5][AM];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < A; j++) {
            double v = j == A - 1 ? i == k - 1 : 1;
            for (int e = 0; j < A - 1 && e < i; e++)
                v *= nnrt_wino_p(j);
            at[i][j] = (real)v;
        }
    for (int ci = 0; ci < c; ci++)
        for (int f0 = 0; f0 < f; f0 += NNRT_VW) {
            int lanes = f - f0 < NNRT_VW ? f - f0 : NNRT_VW;
            nnrt_vreal t[5][AM];
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

/* y = act(bias + the sum over the window's taps and channels, in order),
 * sample by sample */
NNRT_ENTRY void nnrt_wino_conv(int ns, int k, int c, int f, int oh, int ow, int ph, int pw,
                               int tg, const real *restrict pad, const real *restrict v,
                               const real *restrict bias, int act, real *restrict y,
                               real *restrict u, real *restrict mm)
{
    (void)tg;
    (void)u;
    (void)mm;
    for (int s = 0; s < ns; s++, pad += ph * pw * c, y += oh * ow * f) {
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
                    real sum = bias ? bias[fi] + out[fi] : out[fi];
                    out[fi] = act == NNRT_RELU ? (sum > 0 ? sum : 0) : sum;
                }
            }
    }
}

/* mw, as dw (k, k, c, f), += the sum over the samples' outputs, in order,
 * of each window of pad times dz */
NNRT_ENTRY void nnrt_wino_dw(int ns, int k, int c, int f, int oh, int ow, int ph, int pw,
                             const real *restrict pad, int dph, int dpw, int dt, int dl,
                             const real *restrict dzpad, int tg, real *restrict u,
                             real *restrict d, real *restrict mw)
{
    (void)tg;
    (void)u;
    (void)d;
    for (int s = 0; s < ns; s++, pad += ph * pw * c, dzpad += dph * dpw * f) {
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
}

NNRT_ENTRY void nnrt_wino_dw_out(int k, int c, int f, const real *restrict mw,
                                 real *restrict dw)
{
    memcpy(dw, mw, sizeof(real) * k * k * c * f);
}

#endif

#endif
