/* sgemm_peak.c: what this machine's OpenBLAS sgemm reaches, the yardstick
 * make bench measures the CNN's epoch against.
 *
 *   sgemm_peak THREADS
 *
 * Times C = A B (row-major, no transposes) for square sizes 1024, 1536 and
 * 2048, each the best of a few runs after one warm-up call (which starts the
 * thread pool and faults the pages in), prints one `sgemm N gflops G` line a
 * size, then `sgemm_gflops X`, the best of them: an n x n x n product is
 * 2 n^3 floating-point operations.  Built by bench/bench.sh against
 * `pkg-config --cflags --libs openblas`. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#define RUNS 3

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* a, b, c are (n, n); the best GFLOP/s of RUNS products */
static double sgemm_gflops(int n, const float *a, const float *b, float *c)
{
    double best = 0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c,
                n);
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                    c, n);
        double seconds = now_seconds() - t0;
        double gflops = 2.0 * n * n * n / seconds * 1e-9;
        if (gflops > best)
            best = gflops;
    }
    return best;
}

int main(int argc, char **argv)
{
    static const int sizes[] = { 1024, 1536, 2048 };
    enum { MAX_N = 2048 };
    char *end;
    long threads = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || threads < 1 || threads > 1024) {
        fprintf(stderr, "usage: sgemm_peak THREADS (1 to 1024)\n");
        return 1;
    }
    openblas_set_num_threads((int)threads);

    size_t elems = (size_t)MAX_N * MAX_N;
    float *a = malloc(elems * sizeof *a), *b = malloc(elems * sizeof *b);
    float *c = malloc(elems * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm_peak: out of memory for three %dx%d matrices\n", MAX_N, MAX_N);
        return 2;
    }
    /* values in [-0.5, 0.5): no denormals, no overflow at any size here */
    for (size_t i = 0; i < elems; i++) {
        a[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
        b[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
    }

    double best = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double g = sgemm_gflops(sizes[s], a, b, c);
        printf("sgemm %d gflops %.1f\n", sizes[s], g);
        if (g > best)
            best = g;
    }
    printf("sgemm_gflops %.1f\n", best);
    free(a);
    free(b);
    free(c);
    return 0;
}
