/* inspect.c: the `inspect` command: a picture of what each layer makes of
 * a batch of test samples (the histogram of its outputs after the
 * activation), and of what each kernel holds (its weights), in inference
 * mode.  It draws the initializer chapter's figure: with weights at
 * normal(0.01) the activations shrink layer after layer, with Glorot's or
 * He's they keep their spread.  `--seed N` looks at the weights a run
 * would start from, no training needed:
 *
 *   OUT inspect --seed 1 --out init.svg
 *
 * so three `-D init=...` builds give the three pictures. */
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"
#include "plot.h"

#define MAX_PANELS 64

/* a kernel: a layer's w (dense, conv2d, embedding), or a recurrent u */
static int is_kernel(const nnrt_param *t)
{
    size_t n = strlen(t->name);
    return t->grad && n > 2 && t->name[n - 2] == '.' && (t->name[n - 1] == 'w' ||
                                                          t->name[n - 1] == 'u');
}

int nnrt_inspect_run(const nnrt_model *m, const nnrt_inspect_opts *o, nnrt_error *err)
{
    if (!o->svg)
        return nnrt_fail(err, "inspect writes a picture: give --out FILE.svg");
    if (m->n_layer_outputs == 0)
        return nnrt_fail(err, "this trainer lists no layers: build it again with this nnc");
    if (nnrt_weights_start(m, o->use_seed ? NULL : o->weights, o->weights_default, o->seed,
                           err) != 0)
        return -1;
    nnrt_dataset test;
    if (nnrt_model_data_load(m, 1, &test, err) != 0)
        return -1;
    int n = o->count < test.n_samples ? o->count : test.n_samples;
    n = n < m->max_batch ? n : m->max_batch;   /* one batch: the buffers' rows */
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    int *labels = malloc((size_t)(n > 0 ? n : 1) * sizeof *labels);
    float *values[MAX_PANELS] = { 0 };
    nnrt_hist h[MAX_PANELS];
    char names[MAX_PANELS][128];
    int panels = 0, rc = 0;
    if (n == 0)
        rc = nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    else if (!order || !labels)
        rc = nnrt_fail(err, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++)
        order[i] = i;
    if (rc == 0)
        nnrt_batch_fill(&test, order, 0, n, m->scale, nnrt_input(m), labels);
    for (int i = 0; rc == 0 && i < m->n_layer_outputs && panels < MAX_PANELS; i++) {
        const nnrt_layer_output *lo = &m->layer_outputs[i];
        values[panels] = malloc((size_t)n * (size_t)lo->width * sizeof(float));
        if (!values[panels]) {
            rc = nnrt_fail(err, "out of memory for layer %s's outputs", lo->name);
            break;
        }
        nnrt_run_layer(m, n, lo->at, lo->width, values[panels]);
        snprintf(names[panels], sizeof names[panels], "%s: outputs", lo->name);
        h[panels] = (nnrt_hist){ names[panels], values[panels], (long)n * lo->width, 0 };
        panels++;
    }
    for (int p = 0; rc == 0 && p < m->n_params && panels < MAX_PANELS; p++) {
        const nnrt_param *t = &m->params[p];
        if (!is_kernel(t))
            continue;
        snprintf(names[panels], sizeof names[panels], "%s: weights", t->name);
        h[panels] = (nnrt_hist){ names[panels], t->value, t->size, 1 };
        panels++;
    }
    if (rc == 0) {
        char title[256];
        if (o->use_seed)
            snprintf(title, sizeof title, "%s: %d test samples, the weights of seed %llu",
                     m->name, n, (unsigned long long)o->seed);
        else
            snprintf(title, sizeof title, "%s: %d test samples, trained weights", m->name, n);
        rc = nnrt_histograms_write(o->svg, title, h, panels, err);
    }
    if (rc == 0)
        printf("%s: wrote %s: the outputs of %d layer%s over %d test samples, and %d "
               "kernel%s\n", m->name, o->svg, m->n_layer_outputs,
               m->n_layer_outputs == 1 ? "" : "s", n, panels - m->n_layer_outputs,
               panels - m->n_layer_outputs == 1 ? "" : "s");
    for (int i = 0; i < MAX_PANELS; i++)
        free(values[i]);
    free(order);
    free(labels);
    nnrt_dataset_free(&test);
    return rc;
}
