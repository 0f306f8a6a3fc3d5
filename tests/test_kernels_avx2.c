/* test_kernels_avx2.c: test_kernels.c compiled with -mavx2 -mfma (the
 * Makefile), so nnrt_mm's AVX2 paths (8-float vectors, masked loads of a
 * matrix's last columns) are checked on an AVX-512 machine too; skipped
 * where the CPU has no AVX2. */
#define KERNELS_SUITE "kernels_avx2"
#define KERNELS_NEEDS "avx2"
#include "test_kernels.c"
