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
                         long out_width, long scratch, int at_runtime)
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
    fprintf(out, "\nenum { %s_OK = 0, %s_EINVAL = 1, %s_ENOMEM = 2, %s_EBADID = 3", P, P, P, P);
    if (at_runtime)
        fprintf(out, ",\n       %s_EFILE = 4, %s_EFORMAT = 5, %s_ENOTLOADED = 6", P, P, P);
    fprintf(out, " };\n\n");
    if (at_runtime) {
        fprintf(out, "/* Reads the weights file (the trainer's DIR/weights) into the model: once,\n"
                     " * from one thread, before any %s_predict.  0, %s_EFILE when it cannot be\n"
                     " * read, %s_EFORMAT when it is damaged or another model's. */\n", p, P, P);
        fprintf(out, "int %s_load(const char *weights_path);\n\n", p);
    }
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

/* One row of the table NAME_load fills: LAYER.suffix into FN_suffix */
static void tensor_row(FILE *out, const ExportStep *st, const char *suffix, long size)
{
    fprintf(out, "    { \"%s.%s\", %s_%s, %ld },\n", st->l->name, suffix, st->fn, suffix, size);
}

/* NAME_load: the weights file's format (docs/weights.md) read with the C
 * library alone: "NNCW", version 3, the tensors by name, a CRC-32 */
static void write_load(FILE *out, const ExportPlan *plan, const char *p, const char *P)
{
    fprintf(out, "/* What %s_load fills: each tensor by its name in the weights file */\n", p);
    fprintf(out, "static const struct {\n    const char *name;\n    float *to;\n    long size;\n"
                 "} TENSORS[] = {\n");
    for (int i = 0; i < plan->n; i++) {
        const ExportStep *st = &plan->steps[i];
        if (st->w_size)
            tensor_row(out, st, "w", st->w_size);
        if (st->u_size)
            tensor_row(out, st, "u", st->u_size);
        if (st->b_size)
            tensor_row(out, st, "b", st->b_size);
        if (st->l->kind == LAYER_BATCHNORM)
            for (int k = 0; k < 4; k++)
                tensor_row(out, st, NORM_TENSORS[k], st->l->out.dims[st->l->out.ndims - 1]);
    }
    fprintf(out, "};\nenum { N_TENSORS = sizeof TENSORS / sizeof TENSORS[0] };\n"
                 "static int loaded;   /* set once by %s_load */\n\n", p);
    fprintf(out, "static unsigned long le32(const unsigned char *b)\n{\n"
                 "    return b[0] | (unsigned long)b[1] << 8 | (unsigned long)b[2] << 16 |\n"
                 "           (unsigned long)b[3] << 24;\n}\n\n");
    fprintf(out, "/* zlib's CRC-32 (polynomial 0xedb88320), a bit at a time */\n"
                 "static unsigned long crc32_of(const unsigned char *b, size_t n)\n{\n"
                 "    unsigned long c = 0xffffffffUL;\n"
                 "    for (size_t i = 0; i < n; i++) {\n        c ^= b[i];\n"
                 "        for (int k = 0; k < 8; k++)\n"
                 "            c = c & 1 ? (c >> 1) ^ 0xedb88320UL : c >> 1;\n    }\n"
                 "    return c ^ 0xffffffffUL;\n}\n\n");
    fprintf(out, "/* The file's tensors into TENSORS: %s_OK or %s_EFORMAT */\n", P, P);
    fprintf(out, "static int read_tensors(const unsigned char *b, size_t len)\n{\n");
    fprintf(out, "    if (len < 16 || memcmp(b, \"NNCW\", 4) != 0 || le32(b + 4) != 3 ||\n"
                 "        le32(b + len - 4) != crc32_of(b, len - 4))\n");
    fprintf(out, "        return %s_EFORMAT;\n", P);
    fprintf(out, "    size_t at = 12, end = len - 4;\n    int filled = 0;\n");
    fprintf(out, "    for (unsigned long t = le32(b + 8); t > 0; t--) {\n");
    fprintf(out, "        if (end - at < 8)\n            return %s_EFORMAT;\n", P);
    fprintf(out, "        unsigned long name_len = le32(b + at);\n");
    fprintf(out, "        const unsigned char *name = b + at + 4;\n");
    fprintf(out, "        if (name_len > end - at - 8)\n            return %s_EFORMAT;\n", P);
    fprintf(out, "        at += 4 + name_len;\n        unsigned long ndims = le32(b + at);\n");
    fprintf(out, "        if (ndims < 1 || ndims > 4 || end - at < 4 + 4 * ndims)\n"
                 "            return %s_EFORMAT;\n", P);
    fprintf(out, "        unsigned long size = 1;\n");
    fprintf(out, "        for (unsigned long d = 0; d < ndims; d++)\n"
                 "            size *= le32(b + at + 4 + 4 * d);\n");
    fprintf(out, "        at += 4 + 4 * ndims;\n");
    fprintf(out, "        if (size > (end - at) / 4)\n            return %s_EFORMAT;\n", P);
    fprintf(out, "        for (int k = 0; k < N_TENSORS; k++) {\n");
    fprintf(out, "            if (strlen(TENSORS[k].name) != name_len ||\n"
                 "                memcmp(TENSORS[k].name, name, name_len) != 0)\n"
                 "                continue;\n");
    fprintf(out, "            if ((long)size != TENSORS[k].size)\n"
                 "                return %s_EFORMAT;\n", P);
    fprintf(out, "            for (unsigned long i = 0; i < size; i++) {\n"
                 "                uint32_t bits = (uint32_t)le32(b + at + 4 * i);\n"
                 "                memcpy(&TENSORS[k].to[i], &bits, 4);   /* IEEE 754 single */\n"
                 "            }\n            filled++;\n        }\n");
    fprintf(out, "        at += 4 * size;\n    }\n");
    fprintf(out, "    return filled == N_TENSORS && at == end ? %s_OK : %s_EFORMAT;\n}\n\n", P, P);
    fprintf(out, "int %s_load(const char *weights_path)\n{\n", p);
    fprintf(out, "    FILE *f = weights_path ? fopen(weights_path, \"rb\") : NULL;\n");
    fprintf(out, "    if (!f)\n        return %s_EFILE;\n", P);
    fprintf(out, "    size_t len = 0, cap = 1 << 16;\n    unsigned char *b = malloc(cap);\n");
    fprintf(out, "    for (size_t got; b && (got = fread(b + len, 1, cap - len, f)) > 0;) {\n");
    fprintf(out, "        len += got;\n        if (len == cap) {\n");
    fprintf(out, "            unsigned char *more = realloc(b, cap *= 2);\n");
    fprintf(out, "            if (!more)\n                free(b);\n            b = more;\n"
                 "        }\n    }\n");
    fprintf(out, "    int failed = ferror(f);\n    fclose(f);\n");
    fprintf(out, "    if (!b || failed) {\n        free(b);\n        return b ? %s_EFILE : %s_ENOMEM;\n"
                 "    }\n", P, P);
    fprintf(out, "    int rc = read_tensors(b, len);\n    free(b);\n");
    fprintf(out, "    if (rc != %s_OK)\n        return rc;\n", P);
    for (int i = 0; i < plan->n; i++) {
        const ExportStep *st = &plan->steps[i];
        if (st->l->kind != LAYER_BATCHNORM)
            continue;
        char eps[64];
        const char *q = st->fn;
        fprintf(out, "    for (int c = 0; c < %ld; c++) {   /* %s: x scale + shift */\n",
                st->l->out.dims[st->l->out.ndims - 1], q);
        fprintf(out, "        double s = %s_gamma[c] / sqrt((double)%s_moving_variance[c] + %s);\n",
                q, q, float_lit(eps, sizeof eps, st->l->epsilon));
        fprintf(out, "        %s_scale[c] = (float)s;\n", q);
        fprintf(out, "        %s_shift[c] = (float)(%s_beta[c] - %s_moving_mean[c] * s);\n    }\n",
                q, q, q);
    }
    fprintf(out, "    loaded = 1;\n    return %s_OK;\n}\n\n", P);
}

static void write_source(FILE *out, const Model *m, const ExportPlan *plan, const char *p,
                         const char *P, long scratch, int at_runtime)
{
    fprintf(out, "/* %s.c: the model %s, inference only, exported by nnc %s from ", p, m->name,
            NNC_VERSION);
    c_comment_str(out, m->shown_path ? m->shown_path : "its .nn file");
    if (at_runtime)
        fprintf(out, ".\n * The weights are read at run time by %s_load.  Dropout is gone.", p);
    else
        fprintf(out, ".\n * The weights are hexadecimal float literals: exactly the trained floats."
                     "\n * Dropout is gone; a batchnorm after a dense or conv2d layer is folded "
                     "into\n * its weights.");
    fprintf(out, "  Each layer is a function over one sample. */\n");
    fprintf(out, "#include <math.h>\n%s#include <stdlib.h>\n#include <string.h>\n\n",
            at_runtime ? "#include <stdint.h>\n#include <stdio.h>\n" : "");
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
    if (at_runtime)
        write_load(out, plan, p, P);
    long half = scratch / 2;
    fprintf(out, "int %s_predict_ws(const float *in, int n, float *out, float *workspace)\n{\n",
            p);
    fprintf(out, "    if (n < 1 || !in || !out || !workspace)\n        return %s_EINVAL;\n", P);
    if (at_runtime)
        fprintf(out, "    if (!loaded)\n        return %s_ENOTLOADED;\n", P);
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

int export_model(Arena *a, const Model *m, const char *weights, const char *output,
                 int at_runtime)
{
    char p[64], P[64];
    if (prefix_of(output, p, sizeof p) != 0)
        return 1;
    for (size_t i = 0; i <= strlen(p); i++)
        P[i] = (char)toupper((unsigned char)p[i]);
    ExportWeights w = { 0 };
    ExportPlan plan;
    if (weights && (read_weights(a, weights, &w) != 0 || export_plan(a, m, &w, &plan) != 0))
        return 1;   /* at run time too: a file given now must fit */
    if (at_runtime && export_plan(a, m, NULL, &plan) != 0)
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
    write_header(h, m, p, P, in_width, out_width, scratch, at_runtime);
    int bad = fclose(h) != 0;
    FILE *c = bad ? NULL : open_out(c_path);
    if (!c)
        return 1;
    write_source(c, m, &plan, p, P, scratch, at_runtime);
    bad = ferror(c) | (fclose(c) != 0);
    if (bad) {
        fprintf(stderr, "nnc: error: cannot write '%s'\n", c_path);
        return 1;
    }
    fprintf(stderr, "nnc: wrote %s and %s (%s_predict: %ld floats in, %ld out)\n", h_path,
            c_path, p, in_width, out_width);
    return 0;
}
