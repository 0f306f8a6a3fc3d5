/* init.c: initial parameter values, as Keras draws them.
 *
 * Tensors are filled in table order from one generator, so the same seed
 * gives the same weights on every machine.  State tensors (grad == NULL:
 * batchnorm's moving mean and variance) are filled by their init like any
 * other; theirs are zeros and ones, which draw nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

/* Keras's he_normal, glorot_normal and lecun_normal are VarianceScaling
 * with a "truncated_normal" distribution: a normal truncated at 2 standard
 * deviations has a standard deviation 0.87962566 times the untruncated one,
 * so Keras widens the normal by 1/0.87962566 first and the values kept end
 * with the std asked for (sqrt(2/fan_in) for he_normal). */
#define TRUNCATED_NORMAL_STD 0.87962566103423978

static void fill_truncated_normal(float *v, int n, double std, nnrt_rng *rng)
{
    float s = (float)(std / TRUNCATED_NORMAL_STD);
    for (int i = 0; i < n; i++) {
        float z;
        do
            z = nnrt_rng_normal(rng);
        while (z < -2.0f || z > 2.0f);   /* redraw, as TF's truncated_normal does */
        v[i] = z * s;
    }
}

/* N(0, std^2) */
static void fill_normal(float *v, int n, float std, nnrt_rng *rng)
{
    for (int i = 0; i < n; i++)
        v[i] = nnrt_rng_normal(rng) * std;
}

/* U(-limit, +limit) */
static void fill_uniform(float *v, int n, double limit, nnrt_rng *rng)
{
    float l = (float)limit;
    for (int i = 0; i < n; i++)
        v[i] = (2.0f * nnrt_rng_uniform(rng) - 1.0f) * l;
}

/* Modified Gram-Schmidt on the n columns of a, (m, n) row-major with
 * m >= n, in place: a becomes Q of a = QR with R's diagonal positive, the
 * QR Keras's Orthogonal makes (tf.linalg.qr, then Q's columns times the
 * signs of R's diagonal).  A column of norm 0 is left as it is. */
static void orthonormalize_columns(double *a, int m, int n)
{
    for (int k = 0; k < n; k++) {
        double norm = 0;
        for (int i = 0; i < m; i++)
            norm += a[i * n + k] * a[i * n + k];
        norm = sqrt(norm);
        if (norm > 0)
            for (int i = 0; i < m; i++)
                a[i * n + k] /= norm;
        for (int j = k + 1; j < n; j++) {
            double r = 0;   /* q_k . a_j */
            for (int i = 0; i < m; i++)
                r += a[i * n + k] * a[i * n + j];
            for (int i = 0; i < m; i++)
                a[i * n + j] -= r * a[i * n + k];
        }
    }
}

/* Keras's Orthogonal(gain=1): t as a (rows, cols) matrix, cols its last
 * dim (a 1-D tensor is one row), gets orthonormal rows if rows < cols,
 * else orthonormal columns.  Drawn as Keras does: A (max, min) of
 * standard normals in row-major order, its Q, transposed if rows < cols.
 * Doubles in a fixed order, no BLAS: the same bits on every machine. */
static void fill_orthogonal(const nnrt_param *t, nnrt_rng *rng)
{
    int cols = t->ndims > 0 ? t->dims[t->ndims - 1] : t->size;
    if (t->size == 0 || cols == 0)
        return;
    int rows = t->size / cols;
    int m = rows > cols ? rows : cols, n = rows > cols ? cols : rows;
    double *a = malloc((size_t)t->size * sizeof *a);
    if (!a) {
        fprintf(stderr, "%s: out of memory for its orthogonal init (%d x %d)\n", t->name, rows,
                cols);
        exit(2);
    }
    for (int i = 0; i < m * n; i++)
        a[i] = nnrt_rng_normal(rng);
    orthonormalize_columns(a, m, n);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            t->value[r * cols + c] = (float)(rows >= cols ? a[r * n + c] : a[c * n + r]);
    free(a);
}

/* Keras's LSTM bias with unit_forget_bias: 4 gates of units each, in
 * Keras's order (i, f, c, o); 1 for the forget gate, 0 elsewhere. */
static void fill_unit_forget_bias(float *v, int n)
{
    int units = n / 4;
    for (int i = 0; i < n; i++)
        v[i] = i >= units && i < 2 * units ? 1.0f : 0.0f;
}

static double at_least_one(int fan)
{
    return fan > 0 ? fan : 1;
}

void nnrt_params_init(const nnrt_model *m, nnrt_rng *rng)
{
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        double fan_in = at_least_one(t->fan_in), fans = at_least_one(t->fan_in + t->fan_out);
        switch (t->init) {
        case NNRT_INIT_ZEROS:
            memset(t->value, 0, (size_t)t->size * sizeof *t->value);
            break;
        case NNRT_INIT_ONES:
            for (int i = 0; i < t->size; i++)
                t->value[i] = 1.0f;
            break;
        case NNRT_INIT_HE_NORMAL:
            fill_truncated_normal(t->value, t->size, sqrt(2.0 / fan_in), rng);
            break;
        case NNRT_INIT_HE_UNIFORM:
            fill_uniform(t->value, t->size, sqrt(6.0 / fan_in), rng);
            break;
        case NNRT_INIT_GLOROT_UNIFORM:
            fill_uniform(t->value, t->size, sqrt(6.0 / fans), rng);
            break;
        case NNRT_INIT_GLOROT_NORMAL:
            fill_truncated_normal(t->value, t->size, sqrt(2.0 / fans), rng);
            break;
        case NNRT_INIT_LECUN_NORMAL:
            fill_truncated_normal(t->value, t->size, sqrt(1.0 / fan_in), rng);
            break;
        case NNRT_INIT_LECUN_UNIFORM:
            fill_uniform(t->value, t->size, sqrt(3.0 / fan_in), rng);
            break;
        case NNRT_INIT_NORMAL:   /* Keras's RandomNormal(0, init_scale): not truncated */
            fill_normal(t->value, t->size, t->init_scale, rng);
            break;
        case NNRT_INIT_UNIFORM:  /* Keras's RandomUniform(-init_scale, init_scale) */
            fill_uniform(t->value, t->size, t->init_scale, rng);
            break;
        case NNRT_INIT_ORTHOGONAL:
            fill_orthogonal(t, rng);
            break;
        case NNRT_INIT_UNIT_FORGET_BIAS:
            fill_unit_forget_bias(t->value, t->size);
            break;
        }
    }
}
