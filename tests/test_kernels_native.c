/* test_kernels_native.c: test_kernels.c compiled with -march=native (the
 * Makefile), so nnrt_mm is checked with the vectors the trainers use on
 * this machine: AVX-512 or AVX2 with fused multiply-adds, where it has
 * them. */
#define KERNELS_SUITE "kernels_native"
#include "test_kernels.c"
