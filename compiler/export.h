/* export.h: `nnc export`, the trained model as inference-only C
 * (export.c: the files and the weights; export_layers.c: each layer's
 * code over one sample). */
#ifndef NNC_EXPORT_H
#define NNC_EXPORT_H

#include "nnc.h"

/* One tensor of a weights file, its values decoded */
typedef struct ExportTensor {
    const char *name;
    int ndims;
    long dims[4];
    long size;
    const float *v;
} ExportTensor;

typedef struct ExportWeights {
    ExportTensor *t;
    int n;
} ExportWeights;

/* One function of NAME.c: a layer, with a batchnorm folded into it when
 * one follows a dense or conv2d layer that has no activation */
typedef struct ExportStep {
    const Layer *l;
    const Layer *norm;          /* the folded batchnorm, or NULL */
    char fn[64];                /* its function: "dense128" */
    long out_width;
    int can_fail;               /* embedding: an id outside the vocabulary */
    const float *w, *b, *u;     /* the kernel, bias, recurrent kernel (folded: copies) */
    long w_size, b_size, u_size;
    const float *scale, *shift; /* a batchnorm on its own: per channel */
} ExportStep;

typedef struct ExportPlan {
    ExportStep *steps;
    int n;
} ExportPlan;

/* The tensor LAYER.suffix of size values, or NULL (said why) */
const ExportTensor *export_tensor(const ExportWeights *w, const Layer *l, const char *suffix,
                                  long size);
/* static const float NAME[dims] = { exact hex literals }; */
void export_floats(FILE *out, const char *name, const float *v, long n, const char *dims);

/* a batchnorm's tensors in a weights file, after its name and a '.' */
extern const char *const NORM_TENSORS[4];

/* m's layers as steps, their weights from w, or, when w is NULL (the
 * weights loaded at run time), their sizes only; 0, or -1 (said why) */
int export_plan(Arena *a, const Model *m, const ExportWeights *w, ExportPlan *plan);
void export_layer_code(FILE *out, const ExportStep *st);

/* nnc export FILE.nn --weights W -o NAME: 0, or 1 (said why).  With
 * at_runtime, NAME_load reads the weights file when the program runs;
 * weights may then be NULL, or a file checked against the model. */
int export_model(Arena *a, const Model *m, const char *weights, const char *output,
                 int at_runtime);

#endif
