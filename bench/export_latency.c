/* export_latency.c: make bench's timing of an exported model (nnc export
 * ... -o DIR/model), compiled with it: one sample at a time, as a program
 * classifying one input does, and batches of 256.  Each figure is the
 * median of 7 runs.  The inputs are the rows `OUT encode --layer input
 * --csv` prints on stdin (real test samples: their zeros matter, as the
 * export skips them), else a made-up pattern.  Prints, for bench/export.sh:
 *   one_sample_us X
 *   batch256_samples_per_s Y */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

enum { RUNS = 7, BATCH = 256 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the median over RUNS of the seconds one call of n samples takes,
 * repeated `calls` times a run */
static double median_call(const float *in, float *out, int n, int calls)
{
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double start = now();
        for (int k = 0; k < calls; k++)
            if (model_predict(in, n, out) != MODEL_OK)
                exit(1);
        t[r] = (now() - start) / calls;
    }
    qsort(t, RUNS, sizeof *t, by_value);
    return t[RUNS / 2];
}

int main(void)
{
    float *in = malloc(sizeof *in * BATCH * MODEL_IN);
    float *out = malloc(sizeof *out * BATCH * MODEL_OUT);
    if (!in || !out)
        return 1;
    for (long i = 0; i < (long)BATCH * MODEL_IN; i++)   /* a pixel pattern in [0, 1] */
        in[i] = (float)(i * 7919 % 256) / 255;
    static char line[1 << 20];
    if (fgets(line, sizeof line, stdin))   /* the header, then index,label,values */
        for (int s = 0; s < BATCH && fgets(line, sizeof line, stdin); s++) {
            char *p = strchr(line, ',');
            p = p ? strchr(p + 1, ',') : NULL;
            for (int k = 0; p && k < MODEL_IN; k++, p = strchr(p + 1, ','))
                in[(long)s * MODEL_IN + k] = strtof(p + 1, NULL);
        }
    double one = median_call(in, out, 1, 1), batch;
    int calls = (int)(0.2 / one) + 1;   /* runs of about 0.2 s */
    one = median_call(in, out, 1, calls);
    batch = median_call(in, out, BATCH, calls / BATCH + 1);
    printf("one_sample_us %.3f\nbatch256_samples_per_s %.0f\n", one * 1e6, BATCH / batch);
    return 0;
}
