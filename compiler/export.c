/* export.c: `nnc export FILE.nn --weights W -o NAME`: the trained model as
 * an inference-only C library, NAME.h and NAME.c, that needs nothing but
 * libm: no OpenBLAS, no libnnrt, no file at run time.
 *
 * The weights are read here (runtime/weights_file.c, the reader the
 * trainer loads them with) and written into NAME.c as `static const
 * float` arrays of hexadecimal float literals (C99's %a), which a C
 * compiler reads back as the exact same floats.  A batchnorm right after a
 * dense or conv2d layer without an activation is folded into that
 * layer's weights and bias (export_layers.c); dropout is gone.
 *
 * NAME_predict_ws runs a sample at a time through plain loops with the
 * shapes as constants, in two scratch buffers of the widest layer's output
 * that the caller gives; NAME_predict puts them on the stack when they
 * are small and takes them from malloc otherwise.  Nothing is global but
 * the constant weights, so any number of threads may call it at once. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "export.h"
#include "nnrt_internal.h"

/* Scratch up to this many bytes goes on NAME_predict's stack */
#define STACK_SCRATCH_BYTES (64 * 1024)

/* ---- the weights file ---------------------------------------------------- */

static int read_weights(Arena *a, const char *path, ExportWeights *w)
{
    nnrt_weights_file f;
    nnrt_error err;
    if (nnrt_weights_open(&f, path, "no such weights file (train first, or give --weights "
                          "DIR/weights)", &err) != 0) {
        fprintf(stderr, "nnc: error: %s\n", err.msg);
        return -1;
    }
    if (f.legacy) {
        fprintf(stderr, "nnc: error: %s: weights format version %u names layers by position; "
                        "load and save them with a current trainer (OUT steps 0 --weights)\n",
                path, f.version);
        nnrt_weights_close(&f);
        return -1;
    }
    w->n = (int)f.count;
    w->t = arena_alloc(a, sizeof *w->t * (size_t)(w->n ? w->n : 1));
    for (int i = 0; i < w->n; i++) {
        nnrt_weights_tensor t;
        nnrt_weights_header(&f, &t);
        nnrt_weights_values(&f, &t);
        if (!t.values)
            break;
        ExportTensor *e = &w->t[i];
        e->name = arena_strndup(a, t.name, t.name_len);
        e->ndims = (int)t.ndims;
        for (uint32_t d = 0; d < t.ndims; d++)
            e->dims[d] = t.dims[d];
        e->size = (long)t.size;
        float *v = arena_alloc(a, sizeof *v * (t.size ? t.size : 1));
        nnrt_bin_decode_f32s(t.values, v, t.size);
        e->v = v;
    }
    int rc = nnrt_weights_end(&f);
    if (rc != 0)
        fprintf(stderr, "nnc: error: %s\n", err.msg);
    nnrt_weights_close(&f);
    return rc;
}

const ExportTensor *export_tensor(const ExportWeights *w, const Layer *l, const char *suffix,
                                  long size)
{
    char name[128];
    snprintf(name, sizeof name, "%s.%s", l->name, suffix);
    for (int i = 0; i < w->n; i++) {
        if (strcmp(w->t[i].name, name) != 0)
            continue;
        if (w->t[i].size != size) {
            fprintf(stderr, "nnc: error: the weights' %s has %ld values; the model's has %ld: "
                            "weights of another model?\n", name, w->t[i].size, size);
            return NULL;
        }
        return &w->t[i];
    }
    fprintf(stderr, "nnc: error: the weights have no tensor %s: weights of another model?\n",
            name);
    return NULL;
}

/* ---- writing ------------------------------------------------------------- */

void export_floats(FILE *out, const char *name, const float *v, long n, const char *dims)
{
    fprintf(out, "static const float %s[%s] = {", name, dims);
    for (long i = 0; i < n; i++) {
        char lit[48];
        if (v[i] == 0)
            snprintf(lit, sizeof lit, "%s0", signbit(v[i]) ? "-" : "");
        else
            snprintf(lit, sizeof lit, "%af", (double)v[i]);
        fprintf(out, "%s%s%s", i % 6 ? " " : "\n    ", lit, i + 1 < n ? "," : "");
    }
    fprintf(out, "\n};\n\n");
}

/* NAME.h: the sizes, the class names, the two entry points */
static void write_header(FILE *out, const Model *m, const char *p, const char *P, long in_width,
                         long out_width, long scratch)
{
    char shape[64];
    const Layer *input = &m->layers[0];
    fprintf(out, "/* %s.h: the model %s", p, m->name);
    fprintf(out, ", inference only, exported by nnc %s from ", NNC_VERSION);
    c_comment_str(out, m->shown_path ? m->shown_path : "its .nn file");
    fprintf(out, ".\n *\n"
                 " * %s_predict(in, n, out): n samples of %s_IN floats each in, n rows of\n"
                 " * %s_OUT floats out; 0, or %s_EINVAL for n < 1 or a NULL pointer,\n"
                 " * %s_ENOMEM when scratch cannot be had, %s_EBADID for a token id outside\n"
                 " * the vocabulary.  Thread-safe: nothing global changes.  Needs libm only. */\n",
            p, P, P, P, P, P);
    fprintf(out, "#ifndef %s_H\n#define %s_H\n\n", P, P);
    fprintf(out, "#define %s_IN %ld   /* input %s, channels last", P, in_width,
            shape_str(&input->out, shape, sizeof shape));
    if (m->scale != 1 && !m->text_file)
        fprintf(out, ", each value scaled by %s as in training", m->scale_text ? m->scale_text
                                                                                : "the scale");
    fprintf(out, " */\n");
    const Layer *last = &m->layers[m->n_layers - 1];
    fprintf(out, "#define %s_OUT %ld   /* %s */\n", P, out_width,
            last->act == ACT_SOFTMAX ? "each class's probability"
            : last->act == ACT_SIGMOID && out_width == 1 ? "the probability of class 1"
                                                         : "the output layer's values");
    fprintf(out, "#define %s_WORKSPACE %ld   /* floats of scratch %s_predict_ws needs */\n", P,
            scratch, p);
    fprintf(out, "\nenum { %s_OK = 0, %s_EINVAL = 1, %s_ENOMEM = 2, %s_EBADID = 3 };\n\n", P, P,
            P, P);
    if (m->class_names) {
        fprintf(out, "#define %s_CLASSES %d\n", P, m->n_class_names);
        fprintf(out, "extern const char *const %s_class_names[%s_CLASSES];\n\n", p, P);
    }
    fprintf(out, "int %s_predict(const float *in, int n, float *out);\n", p);
    fprintf(out, "/* the same with the caller's scratch: %s_WORKSPACE floats */\n", P);
    fprintf(out, "int %s_predict_ws(const float *in, int n, float *out, float *workspace);\n\n",
            p);
    fprintf(out, "#endif\n");
}

static void write_source(FILE *out, const Model *m, const ExportPlan *plan, const char *p,
                         const char *P, long scratch)
{
    fprintf(out, "/* %s.c: the model %s, inference only, exported by nnc %s from ", p, m->name,
            NNC_VERSION);
    c_comment_str(out, m->shown_path ? m->shown_path : "its .nn file");
    fprintf(out, ".\n * The weights are hexadecimal float literals: exactly the trained floats."
                 "\n * Dropout is gone; a batchnorm after a dense or conv2d layer is folded into"
                 "\n * its weights.  Each layer is a function over one sample. */\n");
    fprintf(out, "#include <math.h>\n#include <stdlib.h>\n#include <string.h>\n\n");
    fprintf(out, "#include \"%s.h\"\n\n", p);
    if (m->class_names) {
        fprintf(out, "const char *const %s_class_names[%s_CLASSES] = {\n", p, P);
        for (int i = 0; i < m->n_class_names; i++) {
            fprintf(out, "    ");
            c_string_literal(out, m->class_names[i]);
            fprintf(out, ",\n");
        }
        fprintf(out, "};\n\n");
    }
    for (int i = 0; i < plan->n; i++)
        export_layer_code(out, &plan->steps[i]);
    long half = scratch / 2;
    fprintf(out, "int %s_predict_ws(const float *in, int n, float *out, float *workspace)\n{\n",
            p);
    fprintf(out, "    if (n < 1 || !in || !out || !workspace)\n        return %s_EINVAL;\n", P);
    if (plan->n > 2)
        fprintf(out, "    float *a = workspace, *b = workspace + %ld;\n", half);
    else
        fprintf(out, "    float *a = workspace;\n");
    fprintf(out, "    for (int s = 0; s < n; s++) {\n");
    fprintf(out, "        const float *x = in + (size_t)s * %s_IN;\n", P);
    fprintf(out, "        float *y = out + (size_t)s * %s_OUT;\n", P);
    const char *from = "x";
    for (int i = 0; i < plan->n; i++) {
        const ExportStep *st = &plan->steps[i];
        const char *to = i == plan->n - 1 ? "y" : (i % 2 == 0 ? "a" : "b");
        if (st->can_fail)
            fprintf(out, "        if (%s(%s, %s) != 0)\n            return %s_EBADID;\n",
                    st->fn, from, to, P);
        else
            fprintf(out, "        %s(%s, %s);\n", st->fn, from, to);
        from = to;
    }
    if (plan->n == 0)
        fprintf(out, "        memcpy(y, x, sizeof *y * %s_OUT);\n", P);
    fprintf(out, "    }\n    return %s_OK;\n}\n\n", P);
    fprintf(out, "int %s_predict(const float *in, int n, float *out)\n{\n", p);
    if (scratch * 4 <= STACK_SCRATCH_BYTES) {
        fprintf(out, "    float workspace[%s_WORKSPACE];   /* %ld bytes: on the stack */\n", P,
                scratch * 4);
        fprintf(out, "    return %s_predict_ws(in, n, out, workspace);\n}\n", p);
    } else {
        fprintf(out, "    /* %ld bytes of scratch: too many for every caller's stack */\n",
                scratch * 4);
        fprintf(out, "    float *workspace = malloc(sizeof *workspace * %s_WORKSPACE);\n", P);
        fprintf(out, "    if (!workspace)\n        return %s_ENOMEM;\n", P);
        fprintf(out, "    int rc = %s_predict_ws(in, n, out, workspace);\n", p);
        fprintf(out, "    free(workspace);\n    return rc;\n}\n");
    }
}

/* "out/mnist" -> prefix "mnist"; 0, or -1 (said why) if not an identifier */
static int prefix_of(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, len, "%s", base);
    size_t n = strlen(out);
    if (n > 2 && (strcmp(out + n - 2, ".c") == 0 || strcmp(out + n - 2, ".h") == 0))
        out[n - 2] = '\0';
    if (!is_c_identifier(out) || strlen(out) > 40) {
        fprintf(stderr, "nnc: error: export: '%s' cannot name C functions; -o NAME writes "
                        "NAME.h and NAME.c, whose functions start NAME_ (letters, digits, _, "
                        "at most 40)\n", out);
        return -1;
    }
    return 0;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "nnc: error: cannot write '%s': %s\n", path, strerror(errno));
    return f;
}

int export_model(Arena *a, const Model *m, const char *weights, const char *output)
{
    char p[64], P[64];
    if (prefix_of(output, p, sizeof p) != 0)
        return 1;
    for (size_t i = 0; i <= strlen(p); i++)
        P[i] = (char)toupper((unsigned char)p[i]);
    ExportWeights w = { 0 };
    if (read_weights(a, weights, &w) != 0)
        return 1;
    ExportPlan plan;
    if (export_plan(a, m, &w, &plan) != 0)
        return 1;
    long widest = shape_size(&m->layers[0].out);
    for (int i = 0; i < plan.n; i++)
        widest = plan.steps[i].out_width > widest ? plan.steps[i].out_width : widest;
    long scratch = 2 * widest;
    long in_width = shape_size(&m->layers[0].out);
    long out_width = shape_size(&m->layers[m->n_layers - 1].out);
    size_t len = strlen(output);
    if (len > 2 && (strcmp(output + len - 2, ".c") == 0 || strcmp(output + len - 2, ".h") == 0))
        len -= 2;
    char *h_path = arena_printf(a, "%.*s.h", (int)len, output);
    char *c_path = arena_printf(a, "%.*s.c", (int)len, output);
    FILE *h = open_out(h_path);
    if (!h)
        return 1;
    write_header(h, m, p, P, in_width, out_width, scratch);
    int bad = fclose(h) != 0;
    FILE *c = bad ? NULL : open_out(c_path);
    if (!c)
        return 1;
    write_source(c, m, &plan, p, P, scratch);
    bad = ferror(c) | (fclose(c) != 0);
    if (bad) {
        fprintf(stderr, "nnc: error: cannot write '%s'\n", c_path);
        return 1;
    }
    fprintf(stderr, "nnc: wrote %s and %s (%s_predict: %ld floats in, %ld out)\n", h_path,
            c_path, p, in_width, out_width);
    return 0;
}
