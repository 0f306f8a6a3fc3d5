/* transfer.c: tensors that start from another model's weights file.
 *
 * The .nn file says `init="runs/transfer_base/weights"` (or names the
 * base model's .nn) on a layer; its tensors then start from the tensors of
 * the same name in that file (format: docs/weights.md) instead of their
 * initializer.  Every file is read whole and walked once before anything
 * is copied, so a bad file leaves the model as its initializer made it.
 * The file is read by the weights loader's own reader (weights_file.c):
 * the same header, checksum and tensor checks, every value finite. */
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

typedef struct source {
    nnrt_weights_file file;
    nnrt_weights_tensor *tensors;   /* (file.count) */
} source;

/* Read and index the file: every tensor's name, shape and values, through
 * the weights reader (weights_file.c). */
static int source_open(source *s, const char *path, nnrt_error *err)
{
    s->tensors = NULL;
    if (nnrt_weights_open(&s->file, path,
                          "no weights there: train the model they come from first", err) != 0)
        return -1;
    nnrt_bin_reader *r = &s->file.r;
    uint32_t count = s->file.count;   /* bounded by the file's size */
    s->tensors = calloc(count ? count : 1, sizeof *s->tensors);
    if (!s->tensors)
        return nnrt_fail(err, "%s: out of memory", path);
    for (uint32_t i = 0; i < count && nnrt_bin_ok(r) == 0; i++) {
        nnrt_weights_header(&s->file, &s->tensors[i]);
        nnrt_weights_values(&s->file, &s->tensors[i]);
    }
    return nnrt_weights_end(&s->file);
}

static void source_close(source *s)
{
    nnrt_weights_close(&s->file);
    free(s->tensors);
}

static const nnrt_param *param_named(const nnrt_model *m, const char *name)
{
    for (int p = 0; p < m->n_params; p++)
        if (strcmp(m->params[p].name, name) == 0)
            return &m->params[p];
    return NULL;
}

/* The tensor of source s named like m's t, checked to have t's shape.  An
 * old file names layers by kind and position: there t's own legacy name
 * is the best guess, and the one such files were always read by. */
static const nnrt_weights_tensor *match(const source *s, const nnrt_model *m,
                                         const nnrt_param *t, nnrt_error *err)
{
    const char *path = s->file.r.path;
    const char *name = nnrt_param_file_name(m, (int)(t - m->params), s->file.legacy);
    for (uint32_t i = 0; i < s->file.count; i++) {
        const nnrt_weights_tensor *f = &s->tensors[i];
        if (f->name_len != strlen(name) || memcmp(f->name, name, f->name_len) != 0)
            continue;
        int same = f->ndims == (uint32_t)t->ndims;
        for (int d = 0; same && d < t->ndims; d++)
            same = f->dims[d] == (uint32_t)t->dims[d];
        if (!same) {
            char got[64] = "", want[64] = "";
            for (uint32_t d = 0; d < f->ndims; d++)
                snprintf(got + strlen(got), sizeof got - strlen(got), d ? "x%u" : "%u",
                         f->dims[d]);
            for (int d = 0; d < t->ndims; d++)
                snprintf(want + strlen(want), sizeof want - strlen(want), d ? "x%d" : "%d",
                         t->dims[d]);
            nnrt_fail(err, "%s: byte %zu: %s has shape %s; this model's is %s", path, f->at,
                      t->name, got, want);
            return NULL;
        }
        return f;
    }
    nnrt_fail(err, "%s: no tensor '%s' to start from (the file has %u tensors; are the "
              "layers named alike?)", path, name, s->file.count);
    return NULL;
}

/* Whether a transfer before i reads the same file (which it then did) */
static int file_done(const nnrt_model *m, int i)
{
    for (int j = 0; j < i; j++)
        if (strcmp(m->transfers[j].file, m->transfers[i].file) == 0)
            return 1;
    return 0;
}

int nnrt_params_transfer(const nnrt_model *m, nnrt_error *err)
{
    for (int i = 0; i < m->n_transfers; i++) {
        const char *file = m->transfers[i].file;
        if (file_done(m, i))
            continue;
        source s;
        int rc = source_open(&s, file, err);
        /* first check every tensor this file provides, then copy them all */
        for (int pass = 0; pass < 2 && rc == 0; pass++)
            for (int j = i; j < m->n_transfers && rc == 0; j++) {
                if (strcmp(m->transfers[j].file, file) != 0)
                    continue;
                const nnrt_param *t = param_named(m, m->transfers[j].param);
                const nnrt_weights_tensor *f = t ? match(&s, m, t, err) : NULL;
                if (!t)
                    rc = nnrt_fail(err, "%s: no tensor %s (a bug in nnc)", m->name,
                                   m->transfers[j].param);
                else if (!f)
                    rc = -1;
                else if (pass == 1)
                    nnrt_bin_decode_f32s(f->values, t->value, f->size);
            }
        source_close(&s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int nnrt_params_start(const nnrt_model *m, nnrt_rng *init, nnrt_error *err)
{
    nnrt_params_init(m, init);
    return nnrt_params_transfer(m, err);
}
