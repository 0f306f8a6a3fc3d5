/* seed.c: one user seed, several independent random streams.
 *
 * Each use of randomness (initial weights, shuffling, dropout masks, the
 * entries gradcheck picks) gets its own generator, seeded from a hash of
 * (seed, stream).  So drawing more numbers in one place never shifts the
 * numbers drawn in another: adding dropout does not change the initial
 * weights, changing the batch size does not change them either. */
#include "nnrt_internal.h"

/* splitmix64's finalizer: a bijection on 64 bits with good avalanche */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nnrt_rng_stream(nnrt_rng *rng, uint64_t seed, enum nnrt_stream stream)
{
    uint64_t h = mix64(seed + 0x9E3779B97F4A7C15ull);
    h = mix64(h ^ ((uint64_t)stream * 0xD1B54A32D192ED03ull));
    nnrt_rng_seed(rng, h);
}
