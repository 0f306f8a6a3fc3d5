/* rng.c: the seeded generator every random choice of a run comes from.
 *
 * Algorithm, fixed because weights and learning curves must come out the
 * same byte for byte on every machine and in every later version:
 *
 *   seed:    s[0], s[1] = the first two outputs of splitmix64 started at
 *            `seed` (Steele, Lea & Flood 2014).  splitmix64 is a bijection
 *            of its counter, so the two words are never both zero, the one
 *            state xoroshiro cannot leave.
 *   next:    xoroshiro128++ (Blackman & Vigna 2019): rotations 49, 21, 28;
 *            output rotl(s0 + s1, 17) + s0.  Unlike xoroshiro128+ its low
 *            bits pass the tests too, but we take the high ones anyway.
 *   u32:     the top 32 bits of next.
 *   uniform: the top 24 bits of next times 2^-24: every float of the form
 *            k/2^24 in [0, 1), each equally likely, exactly representable.
 *   normal:  Box-Muller in double precision, cosine branch only (the
 *            struct has no room to cache the sine half):
 *              u1 = (top 53 bits + 1) * 2^-53, in (0, 1] so log(u1) is finite
 *              u2 =  top 53 bits      * 2^-53, in [0, 1)
 *              z  = sqrt(-2 log u1) * cos(2 pi u2), rounded to float.
 *            Integer steps are exact everywhere; log and cos come from libm,
 *            which is accurate to far less than a float's last place, so the
 *            float results agree across C libraries (bar a tie in rounding).
 *   below:   Lemire's multiply-and-reject (2019): the high half of u32 * n,
 *            redrawn while the low half falls in the 2^32 mod n values that
 *            would bias the result.  Unbiased, and rarely divides.
 */
#include <math.h>

#include "nnrt_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(nnrt_rng *rng)
{
    uint64_t s0 = rng->s[0], s1 = rng->s[1];
    uint64_t result = rotl(s0 + s1, 17) + s0;
    s1 ^= s0;
    rng->s[0] = rotl(s0, 49) ^ s1 ^ (s1 << 21);
    rng->s[1] = rotl(s1, 28);
    return result;
}

void nnrt_rng_seed(nnrt_rng *rng, uint64_t seed)
{
    rng->s[0] = splitmix64(&seed);
    rng->s[1] = splitmix64(&seed);
}

uint32_t nnrt_rng_u32(nnrt_rng *rng)
{
    return (uint32_t)(next(rng) >> 32);
}

float nnrt_rng_uniform(nnrt_rng *rng)
{
    return (float)(next(rng) >> 40) * 0x1p-24f;
}

float nnrt_rng_normal(nnrt_rng *rng)
{
    const double two_pi = 6.283185307179586476925286766559;
    double u1 = (double)((next(rng) >> 11) + 1) * 0x1p-53;
    double u2 = (double)(next(rng) >> 11) * 0x1p-53;
    return (float)(sqrt(-2.0 * log(u1)) * cos(two_pi * u2));
}

/* n == 0 has no valid answer; 0 is returned rather than dividing by zero. */
uint32_t nnrt_rng_below(nnrt_rng *rng, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (uint64_t)nnrt_rng_u32(rng) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)-n % n;   /* 2^32 mod n */
        while (low < threshold) {
            m = (uint64_t)nnrt_rng_u32(rng) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}
