/* nnrt_kernels.h: the matrix products nnc's generated code computes itself
 * (nnrt_mm, nnrt_mm_tn) instead of calling cblas_sgemm, where that is
 * faster (the rule and its numbers: compiler/passes/pick_kernels.c).
 *
 * Included by the generated file after its `typedef ... real;`.  Written
 * once, here, and specialized by the compiler: the generated code passes
 * its shapes as constants (only the batch's rows and a block's depth
 * vary), and the products are inlined (NNRT_ENTRY, below), so each call
 * becomes a kernel for its own widths, with its loops over columns
 * unrolled.
 *
 * Vectors are GCC vector extensions (GCC and Clang both have them) of
 * NNRT_VW reals: 16 floats where -march has AVX-512, 8 with AVX, 4
 * otherwise (SSE, NEON, or plain C: the compiler splits or scalarizes what
 * the target lacks).  A multiply-add is one fused instruction where the
 * target has FMA (its intrinsic, since the trainers are compiled with
 * -ffp-contract=off), a multiply then an add elsewhere.  So the bits of a
 * product depend on the machine's instruction set, as OpenBLAS's do on
 * its kernel; never on the thread count or the run. */
#ifndef NNRT_KERNELS_H
#define NNRT_KERNELS_H

#include <stddef.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define NNRT_VBYTES 64
#elif defined(__AVX__)
#define NNRT_VBYTES 32
#else
#define NNRT_VBYTES 16
#endif

/* How the functions below are compiled.  Normally each is inlined
 * (NNRT_INLINE): nnrt_mm and nnrt_mm_tn into their callers, so the C
 * compiler specializes them to the call's constant widths.  In a build
 * with AddressSanitizer (make check-sanitize), a product whose every load
 * is instrumented ran 60 times slower than sgemm and doubled the time of
 * the sanitized tests: there nnrt_mm and nnrt_mm_tn are ordinary functions
 * (NNRT_ENTRY) that the sanitizers leave alone, with their parts inlined
 * into them alike.  tests/test_kernels.c defines NNRT_KERNELS_SANITIZED to
 * keep them instrumented, and checks every access there.  Without
 * optimization (-O0, NNC_CFLAGS=-O0) nothing is forced inline: a model of
 * a thousand layers would otherwise inline a thousand copies of the
 * kernels, and take minutes to compile for no speed. */
#if !defined(__OPTIMIZE__)
#define NNRT_INLINE static inline __attribute__((unused))
#define NNRT_ENTRY NNRT_INLINE
#elif defined(__SANITIZE_ADDRESS__) && !defined(NNRT_KERNELS_SANITIZED)
#define NNRT_UNCHECKED __attribute__((no_sanitize("address", "undefined")))
#define NNRT_INLINE static inline __attribute__((always_inline)) NNRT_UNCHECKED
#define NNRT_ENTRY static __attribute__((noinline, unused)) NNRT_UNCHECKED
#else
#define NNRT_INLINE static inline __attribute__((always_inline))
#define NNRT_ENTRY NNRT_INLINE
#endif

typedef real nnrt_vreal __attribute__((vector_size(NNRT_VBYTES)));
#define NNRT_VW ((int)(NNRT_VBYTES / sizeof(real)))

/* Loads and stores at any alignment (memcpy of a vector is one move) */
NNRT_INLINE nnrt_vreal nnrt_vload(const real *p)
{
    nnrt_vreal v;
    memcpy(&v, p, sizeof v);
    return v;
}

NNRT_INLINE void nnrt_vstore(real *p, nnrt_vreal v)
{
    memcpy(p, &v, sizeof v);
}

/* The first `lanes` values at p (the rest of the vector zero), and their
 * store: a matrix's last columns, never reading or writing past them.
 * lanes is a constant where the kernels are specialized, so the mask is
 * too: one masked move with AVX-512 or AVX2; elsewhere value by value. */
#if defined(__AVX512F__)
#define NNRT_MASK(lanes) ((__mmask16)((1u << (lanes)) - 1))
#endif

NNRT_INLINE nnrt_vreal nnrt_vload_part(const real *p, int lanes)
{
#if defined(__AVX512F__) && defined(NNRT_DOUBLE)
    return _mm512_maskz_loadu_pd((__mmask8)NNRT_MASK(lanes), p);
#elif defined(__AVX512F__)
    return _mm512_maskz_loadu_ps(NNRT_MASK(lanes), p);
#elif defined(__AVX2__) && defined(NNRT_DOUBLE)
    return _mm256_maskload_pd(p, _mm256_cmpgt_epi64(_mm256_set1_epi64x(lanes),
                                                     _mm256_setr_epi64x(0, 1, 2, 3)));
#elif defined(__AVX2__)
    return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes),
                                                     _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
#else
    nnrt_vreal v = { 0 };
    for (int i = 0; i < lanes; i++)
        v[i] = p[i];
    return v;
#endif
}

NNRT_INLINE void nnrt_vstore_part(real *p, nnrt_vreal v, int lanes)
{
#if defined(__AVX512F__) && defined(NNRT_DOUBLE)
    _mm512_mask_storeu_pd(p, (__mmask8)NNRT_MASK(lanes), v);
#elif defined(__AVX512F__)
    _mm512_mask_storeu_ps(p, NNRT_MASK(lanes), v);
#elif defined(__AVX2__) && defined(NNRT_DOUBLE)
    _mm256_maskstore_pd(p, _mm256_cmpgt_epi64(_mm256_set1_epi64x(lanes),
                                               _mm256_setr_epi64x(0, 1, 2, 3)), v);
#elif defined(__AVX2__)
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes),
                                               _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), v);
#else
    for (int i = 0; i < lanes; i++)
        p[i] = v[i];
#endif
}

/* Values a buffer keeps past its end for a vector that starts inside it and
 * runs over: a whole vector of the widest target (AVX-512's 16 floats) */
#define NNRT_SLACK 16

/* n values from src to dst in whole vectors, so it may read and write up to
 * NNRT_VW - 1 values past them: for the generated code's copies of a
 * window's row (im2col), whose n is a constant, so the copy is a few moves
 * in line (memcpy of 192 bytes was a call into the C library for each, a
 * fifth of the conv autoencoder's epoch).  The rows are written in
 * increasing order, each copy's overrun overwritten by the next, into a
 * buffer (and from one) with NNRT_SLACK values to spare.  The last few
 * values under a mask instead (a masked load and store) were a quarter of
 * fashion_cnn's conv32, 5 values a copy, on Zen 3: its steps are 4%
 * faster so, with the same bits. */
NNRT_INLINE void nnrt_copy_over(real *restrict dst, const real *restrict src, int n)
{
    for (int i = 0; i < n; i += NNRT_VW)
        nnrt_vstore(&dst[i], nnrt_vload(&src[i]));
}

/* Every lane x: one broadcast.  (Written 0 + x, the compiler must compute
 * the addition, which differs from x when x is -0; x times ones folds.) */
NNRT_INLINE nnrt_vreal nnrt_vsplat(real x)
{
    return ((nnrt_vreal){ 0 } + (real)1) * x;
}

/* What a product's last step applies to each value (nnrt_mm_bias) */
enum { NNRT_NO_ACT, NNRT_RELU };

/* v > 0 ? v : 0, lane by lane (NaN and -0 give +0), as the generated
 * code's relu loop computes it: v and the comparison's mask, bit by bit */
typedef __typeof__((nnrt_vreal){ 0 } > (nnrt_vreal){ 0 }) nnrt_vmask;

NNRT_INLINE nnrt_vreal nnrt_vrelu(nnrt_vreal v)
{
    return (nnrt_vreal)((nnrt_vmask)v & (v > (nnrt_vreal){ 0 }));
}

/* acc + a * b, fused where the target can */
NNRT_INLINE nnrt_vreal nnrt_vfma(nnrt_vreal acc, nnrt_vreal a, nnrt_vreal b)
{
#if defined(__AVX512F__) && defined(NNRT_DOUBLE)
    return _mm512_fmadd_pd(a, b, acc);
#elif defined(__AVX512F__)
    return _mm512_fmadd_ps(a, b, acc);
#elif defined(__AVX__) && defined(__FMA__) && defined(NNRT_DOUBLE)
    return _mm256_fmadd_pd(a, b, acc);
#elif defined(__AVX__) && defined(__FMA__)
    return _mm256_fmadd_ps(a, b, acc);
#else
    return acc + a * b;
#endif
}

/* One value's multiply-add, as the vectors do it */
NNRT_INLINE real nnrt_fma(real acc, real a, real b)
{
#if (defined(__FMA__) || defined(__AVX512F__)) && defined(NNRT_DOUBLE)
    return __builtin_fma(a, b, acc);
#elif defined(__FMA__) || defined(__AVX512F__)
    return __builtin_fmaf(a, b, acc);
#else
    return acc + a * b;
#endif
}

/* The register tile: NNRT_MR rows of c by NNRT_NV vectors of columns, its
 * NNRT_MR * NNRT_NV sums held in registers while k runs.  Each step of k
 * loads NNRT_NV vectors of b's row and broadcasts NNRT_MR values of a:
 * with AVX-512's 32 registers, 16 sums (8 rows, a batch's rows come in
 * eights), 16 multiply-adds for 10 loads; elsewhere 12 sums and 3
 * operands in 16 registers. */
#if defined(__AVX512F__)
#define NNRT_MR_MAX 8
#else
#define NNRT_MR_MAX 6
#endif
enum { NNRT_MR = NNRT_MR_MAX, NNRT_NV = 2 };

/* b's panel (k rows of NNRT_NV vectors) may be copied into contiguous
 * rows on the stack before its tiles read it: when k is at most
 * NNRT_PACK_ROWS, more than one tile of rows reads it, and either many
 * do (16 or more: the copy is cheap beside them) or reading it in place
 * is slow: its rows 4 KB apart, as in a 1024-wide layer, where every row
 * falls in the same few sets of the level-1 cache, which then holds few
 * of them and each tile reads the panel again from level 2; or a
 * transposed a (a weight gradient), whose tiles read a's rows far apart
 * as well.  Measured with AVX2 (Zen 3, one thread, bench/mm_kernels.c,
 * best of 25): a 128-row block of fashion_cnn's dense1024 over 32 rows
 * went from 46 to 55 GFLOP/s, its conv64's dx (1176 rows) from 88-90 to
 * 92-94, its weight gradient as said below; a fashion_cnn epoch 15%
 * faster, the same bits.  Copied for fashion_mlp's blocks too (32 rows,
 * 5 tiles, 512 bytes apart), the products alone were no slower but its
 * epoch was 5% slower: so not there.  1600 rows hold conv64's 1176 (100 KB of
 * stack).  Not with AVX-512: on Zen 5 (bench/mm_kernels.c, one thread,
 * two runs each) the copy took conv64's dW from 194-197 to 208-217
 * GFLOP/s but a 128-row block of dense1024 from 157-158 down to 147,
 * and 150 steps of fashion_cnn, copied, fetched ahead as below, or both,
 * took 3.8-4.3 s against 3.8-4.6 s in place (alternating runs): no gain
 * out of the noise, so there nnrt_mm reads b in place.  That machine's
 * products already run at 190-220 GFLOP/s, its FMA limit. */
#if NNRT_VBYTES < 64
#define NNRT_PACK_ROWS 1600
#else
#define NNRT_PACK_ROWS 0
#endif

NNRT_INLINE int nnrt_mm_copies_panel(int m, int k, int ldb, int ta)
{
    return k <= NNRT_PACK_ROWS && m > NNRT_MR &&
           (m >= 16 * NNRT_MR || ta || ldb * (int)sizeof(real) % 4096 == 0);
}

/* a's value at row i, column p of the product's left operand: a itself,
 * or a transposed (ta), rows lda apart */
#define NNRT_A(a, lda, ta, i, p) ((ta) ? (a)[(p) * (lda) + (i)] : (a)[(i) * (lda) + (p)])

/* How many steps ahead a transposed a is fetched: a step's NNRT_MR values
 * lie in one row of a, lda values from the next step's, and the hardware
 * fetches such rows too late.  8 steps ahead, with b's panel copied
 * (above), the weight gradient of fashion_cnn's conv64 (nnrt_mm_tn, 800x64
 * over 1176 rows) went from 52-55 to 89-90 GFLOP/s (AVX2, Zen 3, one
 * thread; copied but not fetched ahead, 78-80).  Not with AVX-512, as
 * measured above. */
#if NNRT_VBYTES < 64
#define NNRT_PREFETCH_STEPS 8
#else
#define NNRT_PREFETCH_STEPS 0
#endif

/* How many steps ahead b's rows are fetched in a forward product (a not
 * transposed): b is a layer's weights, which the optimizer's pass over
 * every parameter has pushed out of level 2 since the last batch, and a
 * panel's rows lie 4 bytes times the layer's width apart, a few to a page,
 * where the hardware's prefetcher stops.  12 steps ahead, a fashion_mlp
 * epoch (AVX2, Zen 3, one thread, min of 12 epochs) went from 0.412 s to
 * 0.401 s, the same bits; 6, 24 and 48 steps did no better.  The products
 * alone (bench/mm_kernels.c, weights in cache) were no slower.  Not with
 * AVX-512: on Zen 5, fashion_mlp's epoch took 0.186-0.199 s fetching
 * ahead against 0.184-0.193 s without (alternating runs). */
#if NNRT_VBYTES < 64
#define NNRT_B_AHEAD 12
#else
#define NNRT_B_AHEAD 0
#endif

/* Rows [r, r + used) of c, columns [j, j + nv vectors), computed as a
 * tile of `rows` rows (rows <= NNRT_MR, used <= rows: the rows past the
 * used ones repeat the last, and are not stored); the last vector holds
 * `last` columns (NNRT_VW when whole).  b's columns for them start at
 * column bj of b (j, or 0 in a copied panel) */
NNRT_INLINE void
nnrt_mm_tile(int rows, int used, int nv, int last, int r, int j, int k, const real *restrict a,
             int lda, int ta, const real *restrict b, int ldb, int bj, real *restrict c, int ldc,
             real alpha, int add, const real *restrict bias, int act)
{
    nnrt_vreal s[NNRT_MR][NNRT_NV] = { { { 0 } } };   /* the sums, from +0 */
    int row[NNRT_MR];
    for (int i = 0; i < rows; i++)
        row[i] = r + (i < used ? i : used - 1);
    for (int p = 0; p < k; p++) {
        if (NNRT_PREFETCH_STEPS > 0 && ta && p + NNRT_PREFETCH_STEPS < k)
            __builtin_prefetch(&a[(p + NNRT_PREFETCH_STEPS) * lda + row[0]]);
        if (NNRT_B_AHEAD > 0 && !ta && p + NNRT_B_AHEAD < k)
            __builtin_prefetch(&b[(p + NNRT_B_AHEAD) * ldb + bj]);
        nnrt_vreal bv[NNRT_NV];
        for (int v = 0; v < nv; v++) {
            const real *brow = &b[p * ldb + bj + v * NNRT_VW];
            bv[v] = v == nv - 1 && last < NNRT_VW ? nnrt_vload_part(brow, last) : nnrt_vload(brow);
        }
        for (int i = 0; i < rows; i++) {
            nnrt_vreal av = nnrt_vsplat(NNRT_A(a, lda, ta, row[i], p));
            for (int v = 0; v < nv; v++)
                s[i][v] = nnrt_vfma(s[i][v], av, bv[v]);
        }
    }
    for (int i = 0; i < used; i++)
        for (int v = 0; v < nv; v++) {
            real *out = &c[(r + i) * ldc + j + v * NNRT_VW];
            const real *to = bias ? &bias[j + v * NNRT_VW] : out;   /* what the sum adds to */
            int part = v == nv - 1 && last < NNRT_VW;
            nnrt_vreal sum = nnrt_vsplat(alpha) * s[i][v];
            if (add || bias)
                sum = (part ? nnrt_vload_part(to, last) : nnrt_vload(to)) + sum;
            if (act == NNRT_RELU)
                sum = nnrt_vrelu(sum);
            if (part)
                nnrt_vstore_part(out, sum, last);
            else
                nnrt_vstore(out, sum);
        }
}

/* Every row of c in columns [j, j + nv vectors): NNRT_MR rows a tile;
 * the rows left over in one tile of 1, 4 or NNRT_MR rows, not one code
 * for every count: each tile size is code the C compiler writes at every
 * call, and a model's build time grew with their number */
NNRT_INLINE void
nnrt_mm_columns(int m, int nv, int last, int j, int k, const real *restrict a, int lda, int ta,
                const real *restrict b, int ldb, int bj, real *restrict c, int ldc, real alpha,
                int add, const real *restrict bias, int act)
{
    int r = 0;
    for (; r + NNRT_MR <= m; r += NNRT_MR)
        nnrt_mm_tile(NNRT_MR, NNRT_MR, nv, last, r, j, k, a, lda, ta, b, ldb, bj, c, ldc, alpha,
                     add, bias, act);
    int rest = m - r;
    if (rest >= NNRT_MR)   /* never, by the loop: said so for gcc 12, whose bounds */
        __builtin_unreachable();   /* check saw a tile of more rows where m varies */
    if (rest == 1)
        nnrt_mm_tile(1, 1, nv, last, r, j, k, a, lda, ta, b, ldb, bj, c, ldc, alpha, add,
                     bias, act);
    else if (rest > 1 && rest <= 4)
        nnrt_mm_tile(4, rest, nv, last, r, j, k, a, lda, ta, b, ldb, bj, c, ldc, alpha, add,
                     bias, act);
    else if (rest > 4)
        nnrt_mm_tile(NNRT_MR, rest, nv, last, r, j, k, a, lda, ta, b, ldb, bj, c, ldc, alpha, add,
                     bias, act);
}

/* c (m, n) = alpha A b, or c + alpha A b when add, where A (m, k) is a,
 * or a transposed when ta (then a is (k, m)), and b is (k, n); each matrix
 * row-major with rows lda, ldb, ldc apart.  Each value of c is one sum
 * s over p = 0 .. k - 1 in order, from zero, of one multiply-add a step
 * (nnrt_fma), then alpha s (added to c's value when add, or to the
 * column's bias when bias is not NULL; then relu'd when act is
 * NNRT_RELU), whatever tile or edge computes it.  n, the leading
 * dimensions, ta, add and act should be constants at the call, and alpha
 * is best 1 there.
 *
 * The columns go NNRT_NV vectors at a time, then one vector, then the
 * last few (fewer than a vector's) in a vector loaded and stored in part;
 * within them the rows go NNRT_MR at a time, then the rest.  b's panel of
 * k rows by NNRT_NV vectors is read once for every NNRT_MR rows of c: it
 * should stay in the core's cache, so b should be small (pick_kernels.c).
 * Where NNRT_PACK_ROWS says, the panel is first copied into contiguous
 * rows; the sums are the same either way. */
NNRT_INLINE void
nnrt_mm_any(int m, int n, int k, const real *restrict a, int lda, int ta, const real *restrict b,
            int ldb, real *restrict c, int ldc, real alpha, int add, const real *restrict bias,
            int act)
{
    /* the columns of whole tiles, then of whole vectors: constants where n is */
    const int tiles = n / (NNRT_NV * NNRT_VW) * (NNRT_NV * NNRT_VW);
    const int vectors = n / NNRT_VW * NNRT_VW;
    int j = 0;
    for (; j < tiles; j += NNRT_NV * NNRT_VW) {
#if NNRT_PACK_ROWS > 0
        if (nnrt_mm_copies_panel(m, k, ldb, ta)) {
            enum { W = NNRT_NV * NNRT_VW };
            real panel[NNRT_PACK_ROWS * W];
            for (int p = 0; p < k; p++)
                for (int v = 0; v < NNRT_NV; v++)
                    nnrt_vstore(&panel[p * W + v * NNRT_VW],
                                nnrt_vload(&b[p * ldb + j + v * NNRT_VW]));
            nnrt_mm_columns(m, NNRT_NV, NNRT_VW, j, k, a, lda, ta, panel, W, 0, c, ldc, alpha,
                            add, bias, act);
            continue;
        }
#endif
        nnrt_mm_columns(m, NNRT_NV, NNRT_VW, j, k, a, lda, ta, b, ldb, j, c, ldc, alpha, add,
                        bias, act);
    }
    for (; j < vectors; j += NNRT_VW)
        nnrt_mm_columns(m, 1, NNRT_VW, j, k, a, lda, ta, b, ldb, j, c, ldc, alpha, add, bias,
                        act);
    if (j < n)
        nnrt_mm_columns(m, 1, n - j, j, k, a, lda, ta, b, ldb, j, c, ldc, alpha, add, bias,
                        act);
}

/* The lanes of v added up, in a fixed order: each half onto the other */
NNRT_INLINE real nnrt_vsum(nnrt_vreal v)
{
    real t[NNRT_VW];
    memcpy(t, &v, sizeof t);
    for (int w = NNRT_VW / 2; w > 0; w /= 2)
        for (int i = 0; i < w; i++)
            t[i] += t[i + w];
    return t[0];
}

/* Rows i .. i + rows - 1 of nnrt_mm_bias_nt (below); rows is a constant
 * where it is inlined, so the sums stay in registers: two vectors a row,
 * each step of k a vector of bt shared by the rows */
NNRT_INLINE void
nnrt_mm_nt_rows(int rows, int i, int n, int k, const real *restrict a, int lda,
                const real *restrict bt, int ldbt, const real *restrict bias, real *restrict c,
                int ldc, int act)
{
    enum { R = 4 };
    /* the rows as pointers: with m unknown where this is inlined, GCC
       otherwise proves (i + r) * lda overflows int for some m, and warns
       (nnc keeps every array under 2^31 values: footprint.c) */
    const real *ar[R];
    real *cr[R];
    for (int r = 0; r < rows; r++) {
        ar[r] = a + (ptrdiff_t)(i + r) * lda;
        cr[r] = c + (ptrdiff_t)(i + r) * ldc;
    }
    for (int j = 0; j < n; j++) {
        const real *b = &bt[j * ldbt];
        nnrt_vreal s[R][2];
        for (int r = 0; r < rows; r++)
            s[r][0] = s[r][1] = (nnrt_vreal){ 0 };
        int p = 0;
        for (; p + 2 * NNRT_VW <= k; p += 2 * NNRT_VW) {
            nnrt_vreal b0 = nnrt_vload(&b[p]), b1 = nnrt_vload(&b[p + NNRT_VW]);
            for (int r = 0; r < rows; r++) {
                s[r][0] = nnrt_vfma(s[r][0], nnrt_vload(&ar[r][p]), b0);
                s[r][1] = nnrt_vfma(s[r][1], nnrt_vload(&ar[r][p + NNRT_VW]), b1);
            }
        }
        for (; p < k; p += NNRT_VW) {   /* a vector, then part of one */
            int lanes = k - p < NNRT_VW ? k - p : NNRT_VW;
            nnrt_vreal b0 = nnrt_vload_part(&b[p], lanes);
            for (int r = 0; r < rows; r++)
                s[r][0] = nnrt_vfma(s[r][0], nnrt_vload_part(&ar[r][p], lanes), b0);
        }
        for (int r = 0; r < rows; r++) {
            real v = nnrt_vsum(s[r][0] + s[r][1]) + bias[j];
            cr[r][j] = act == NNRT_RELU ? (v > 0 ? v : 0) : v;
        }
    }
}

/* c = act(a bt^T + bias): a (m, k), bt (n, k), each value the dot product
 * of a row of a and a row of bt, by vectors along k, then the bias.  For
 * products of fewer columns than a vector has lanes, as a conv2d of a few
 * filters: nnrt_mm's tiles would fill n lanes of each vector, one of 8
 * for a single filter (pick_kernels.c has the rule and its numbers).
 * Four rows of a at a time share each vector of bt. */
NNRT_ENTRY void
nnrt_mm_bias_nt(int m, int n, int k, const real *restrict a, int lda, const real *restrict bt,
                int ldbt, const real *restrict bias, real *restrict c, int ldc, int act)
{
    int i = 0;
    for (; i + 4 <= m; i += 4)
        nnrt_mm_nt_rows(4, i, n, k, a, lda, bt, ldbt, bias, c, ldc, act);
    for (; i < m; i++)
        nnrt_mm_nt_rows(1, i, n, k, a, lda, bt, ldbt, bias, c, ldc, act);
}

/* c = a b (+ c when add): a (m, k), b (k, n) */
NNRT_ENTRY void
nnrt_mm(int m, int n, int k, const real *restrict a, int lda, const real *restrict b, int ldb,
        real *restrict c, int ldc, int add)
{
    nnrt_mm_any(m, n, k, a, lda, 0, b, ldb, c, ldc, 1, add, NULL, NNRT_NO_ACT);
}

/* c = alpha a^T b (+ c when add): a (k, m), b (k, n); a weight gradient,
 * x^T dz, summed over the rows of a batch */
NNRT_ENTRY void
nnrt_mm_tn(int m, int n, int k, const real *restrict a, int lda, const real *restrict b,
           int ldb, real *restrict c, int ldc, real alpha, int add)
{
    nnrt_mm_any(m, n, k, a, lda, 1, b, ldb, c, ldc, alpha, add, NULL, NNRT_NO_ACT);
}

/* c = act(a b + bias), each row the bias (n values) plus its sums, then
 * relu where act is NNRT_RELU: a layer's forward in nnrt_mm's last step,
 * with the same bits as c preset to the bias rows, nnrt_mm adding to it,
 * and a relu loop after, and no pass over c but the product's own */
NNRT_ENTRY void
nnrt_mm_bias(int m, int n, int k, const real *restrict a, int lda, const real *restrict b,
             int ldb, const real *restrict bias, real *restrict c, int ldc, int act)
{
    nnrt_mm_any(m, n, k, a, lda, 0, b, ldb, c, ldc, 1, 0, bias, act);
}

#endif
