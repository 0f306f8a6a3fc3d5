/* init.c: initial parameter values, as Keras draws them.
 *
 * Tensors are filled in table order from one generator, so the same seed
 * gives the same weights on every machine.  State tensors (grad == NULL:
 * batchnorm's moving mean and variance) are filled by their init like any
 * other; theirs are zeros and ones, which draw nothing. */
#include <math.h>
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
        }
    }
}
