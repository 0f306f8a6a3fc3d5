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

#include <string.h>

#if defined(__AVX512F__) || (defined(__AVX__) && defined(__FMA__))
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
 * keep them instrumented, and checks every access there. */
#if defined(__SANITIZE_ADDRESS__) && !defined(NNRT_KERNELS_SANITIZED)
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

/* Every lane x: one broadcast.  (Written 0 + x, the compiler must compute
 * the addition, which differs from x when x is -0; x times ones folds.) */
NNRT_INLINE nnrt_vreal nnrt_vsplat(real x)
{
    return ((nnrt_vreal){ 0 } + (real)1) * x;
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

/* a's value at row i, column p of the product's left operand: a itself,
 * or a transposed (ta), rows lda apart */
#define NNRT_A(a, lda, ta, i, p) ((ta) ? (a)[(p) * (lda) + (i)] : (a)[(i) * (lda) + (p)])

/* Rows [r, r + rows) of c, columns [j, j + nv vectors), rows <= NNRT_MR */
NNRT_INLINE void
nnrt_mm_tile(int rows, int nv, int r, int j, int k, const real *restrict a, int lda, int ta,
             const real *restrict b, int ldb, real *restrict c, int ldc, real alpha, int add)
{
    nnrt_vreal s[NNRT_MR][NNRT_NV];
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            s[i][v] = nnrt_vsplat(0);
    for (int p = 0; p < k; p++) {
        nnrt_vreal bv[NNRT_NV];
        for (int v = 0; v < nv; v++)
            bv[v] = nnrt_vload(&b[p * ldb + j + v * NNRT_VW]);
        for (int i = 0; i < rows; i++) {
            nnrt_vreal av = nnrt_vsplat(NNRT_A(a, lda, ta, r + i, p));
            for (int v = 0; v < nv; v++)
                s[i][v] = nnrt_vfma(s[i][v], av, bv[v]);
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++) {
            real *out = &c[(r + i) * ldc + j + v * NNRT_VW];
            nnrt_vreal sum = nnrt_vsplat(alpha) * s[i][v];
            nnrt_vstore(out, add ? nnrt_vload(out) + sum : sum);
        }
}

/* Every row of c in columns [j, j + nv vectors): NNRT_MR rows a tile, the
 * last fewer rows in one tile of their own (each size its own code) */
NNRT_INLINE void
nnrt_mm_columns(int m, int nv, int j, int k, const real *restrict a, int lda, int ta,
                const real *restrict b, int ldb, real *restrict c, int ldc, real alpha, int add)
{
    int r = 0;
    for (; r + NNRT_MR <= m; r += NNRT_MR)
        nnrt_mm_tile(NNRT_MR, nv, r, j, k, a, lda, ta, b, ldb, c, ldc, alpha, add);
    switch (m - r) {
#define NNRT_MM_REST(rows) \
    case rows: \
        nnrt_mm_tile(rows, nv, r, j, k, a, lda, ta, b, ldb, c, ldc, alpha, add); \
        break;
        NNRT_MM_REST(1) NNRT_MM_REST(2) NNRT_MM_REST(3) NNRT_MM_REST(4) NNRT_MM_REST(5)
#if NNRT_MR_MAX > 6
        NNRT_MM_REST(6) NNRT_MM_REST(7)
#endif
#undef NNRT_MM_REST
    default:
        break;
    }
}

/* c (m, n) = alpha A b, or c + alpha A b when add, where A (m, k) is a,
 * or a transposed when ta (then a is (k, m)), and b is (k, n); each matrix
 * row-major with rows lda, ldb, ldc apart.  Each value of c is one sum
 * s over p = 0 .. k - 1 in order, from zero, of one multiply-add a step
 * (nnrt_fma), then alpha s (added to c's value when add), whatever tile
 * or edge computes it.  n, the leading dimensions, ta and add should be
 * constants at the call, and alpha is best 1 there.
 *
 * The columns go NNRT_NV vectors at a time, then one vector, then one
 * value; within them the rows go NNRT_MR at a time, then the rest.  b's
 * panel of k rows by NNRT_NV vectors is read once for every NNRT_MR rows
 * of c: it should stay in the core's cache, so b should be small
 * (pick_kernels.c). */
NNRT_INLINE void
nnrt_mm_any(int m, int n, int k, const real *restrict a, int lda, int ta, const real *restrict b,
            int ldb, real *restrict c, int ldc, real alpha, int add)
{
    /* the columns of whole tiles, then of whole vectors: constants where n is */
    const int tiles = n / (NNRT_NV * NNRT_VW) * (NNRT_NV * NNRT_VW);
    const int vectors = n / NNRT_VW * NNRT_VW;
    int j = 0;
    for (; j < tiles; j += NNRT_NV * NNRT_VW)
        nnrt_mm_columns(m, NNRT_NV, j, k, a, lda, ta, b, ldb, c, ldc, alpha, add);
    for (; j < vectors; j += NNRT_VW)
        nnrt_mm_columns(m, 1, j, k, a, lda, ta, b, ldb, c, ldc, alpha, add);
    for (; j < n; j++)
        for (int r = 0; r < m; r++) {
            real s = 0;
            for (int p = 0; p < k; p++)
                s = nnrt_fma(s, NNRT_A(a, lda, ta, r, p), b[p * ldb + j]);
            c[r * ldc + j] = add ? c[r * ldc + j] + alpha * s : alpha * s;
        }
}

/* c = a b (+ c when add): a (m, k), b (k, n) */
NNRT_ENTRY void
nnrt_mm(int m, int n, int k, const real *restrict a, int lda, const real *restrict b, int ldb,
        real *restrict c, int ldc, int add)
{
    nnrt_mm_any(m, n, k, a, lda, 0, b, ldb, c, ldc, 1, add);
}

/* c = alpha a^T b (+ c when add): a (k, m), b (k, n); a weight gradient,
 * x^T dz, summed over the rows of a batch */
NNRT_ENTRY void
nnrt_mm_tn(int m, int n, int k, const real *restrict a, int lda, const real *restrict b,
           int ldb, real *restrict c, int ldc, real alpha, int add)
{
    nnrt_mm_any(m, n, k, a, lda, 1, b, ldb, c, ldc, alpha, add);
}

#endif
