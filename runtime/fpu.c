/* fpu.c: denormal floats are flushed to zero while the trainer runs.
 *
 * Adam's moments of a weight whose gradient is rarely non-zero (a border
 * pixel of Fashion-MNIST) decay geometrically, m by 0.9 a step, and reach
 * the denormal range (< 1.2e-38) within an epoch.  x86 cores take ~100
 * cycles per denormal operand: measured on the reference MLP, every epoch
 * after the first ran 3x slower.  TensorFlow flushes denormals to zero on
 * its CPU threads for the same reason, so doing it here also keeps us
 * numerically where Keras is.  The effect is deterministic: same seed,
 * same bytes.
 *
 * This sets the calling thread's MXCSR only; OpenBLAS's worker threads keep
 * their own (they start before main). */
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "nnrt_internal.h"

/* MXCSR bits: FTZ writes denormal results as 0, DAZ reads denormal inputs
 * as 0 (every x86-64 CPU has both). */
#define MXCSR_FTZ 0x8000u
#define MXCSR_DAZ 0x0040u

void nnrt_flush_denormals(void)
{
#ifdef __SSE__
    _mm_setcsr(_mm_getcsr() | MXCSR_FTZ | MXCSR_DAZ);
#endif
}
