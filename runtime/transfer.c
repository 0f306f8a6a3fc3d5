/* transfer.c: tensors that start from another model's weights file.
 *
 * The .nn file says `init="runs/transfer_base/weights"` (or names the
 * base model's .nn) on a layer; its tensors then start from the tensors of
 * the same name in that file (format: docs/weights.md) instead of their
 * initializer.  Every file is read whole and walked once before anything
 * is copied, so a bad file leaves the model as its initializer made it.
 * The header and checksum are checked as the weights loader does
 * (nnrt_weights_open), and every value must be finite. */
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

/* One tensor found in a weights file. */
typedef struct found {
    const unsigned char *name, *values;
    uint32_t name_len, ndims, dims[4];
    size_t at;                  /* byte offset of its header */
} found;

typedef struct source {
    const char *path;
    unsigned char *bytes;
    size_t len;
    int legacy;                 /* before version 3: layers named by kind and position */
    found *tensors;
    uint32_t count;
} source;

static uint32_t u32_at(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int truncated(const source *s, size_t at, nnrt_error *err)
{
    return nnrt_fail(err, "%s: byte %zu: truncated weights file", s->path, at);
}

/* Read and index the file: every tensor's name, shape and values. */
static int source_open(source *s, const char *path, nnrt_error *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    if (nnrt_read_file(path, &s->bytes, &s->len,
                       "no weights there: train the model they come from first", err) != 0) {
        s->bytes = NULL;
        return -1;
    }
    size_t len;   /* without the checksum */
    if (nnrt_weights_open(path, s->bytes, s->len, &len, err) != 0)
        return -1;
    s->len = len;
    if (s->len < 12)
        return truncated(s, s->len, err);
    s->legacy = u32_at(s->bytes + 4) < 3;
    s->count = u32_at(s->bytes + 8);
    if (s->count > (s->len - 12) / 12)      /* each tensor takes 12 bytes at least */
        return nnrt_fail(err, "%s: byte 8: %u tensors cannot fit in %zu bytes", path, s->count,
                         s->len);
    s->tensors = calloc(s->count ? s->count : 1, sizeof *s->tensors);
    if (!s->tensors)
        return nnrt_fail(err, "%s: out of memory", path);
    size_t pos = 12;
    for (uint32_t i = 0; i < s->count; i++) {
        found *t = &s->tensors[i];
        t->at = pos;
        if (s->len - pos < 8)
            return truncated(s, pos, err);
        t->name_len = u32_at(s->bytes + pos);
        if (t->name_len > s->len - pos - 8)
            return truncated(s, pos, err);
        t->name = s->bytes + pos + 4;
        pos += 4 + t->name_len;
        t->ndims = u32_at(s->bytes + pos);
        if (t->ndims < 1 || t->ndims > 4)
            return nnrt_fail(err, "%s: byte %zu: %u dimensions; 1 to 4 are allowed", path, pos,
                             t->ndims);
        pos += 4;
        if (s->len - pos < 4 * (size_t)t->ndims)
            return truncated(s, pos, err);
        size_t size = 1;
        for (uint32_t d = 0; d < t->ndims; d++, pos += 4) {
            t->dims[d] = u32_at(s->bytes + pos);
            size *= t->dims[d];
        }
        if (size > (s->len - pos) / 4)
            return truncated(s, pos, err);
        t->values = s->bytes + pos;
        if (nnrt_weights_finite(path, (const char *)t->name, (int)t->name_len, t->values, size,
                                pos, err) != 0)
            return -1;
        pos += 4 * size;
    }
    if (pos != s->len)
        return nnrt_fail(err, "%s: byte %zu: unexpected data after the last tensor", path, pos);
    return 0;
}

static void source_close(source *s)
{
    free(s->bytes);
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
static const found *match(const source *s, const nnrt_model *m, const nnrt_param *t,
                          nnrt_error *err)
{
    const char *name = nnrt_param_file_name(m, (int)(t - m->params), s->legacy);
    for (uint32_t i = 0; i < s->count; i++) {
        const found *f = &s->tensors[i];
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
            nnrt_fail(err, "%s: byte %zu: %s has shape %s; this model's is %s", s->path, f->at,
                      t->name, got, want);
            return NULL;
        }
        return f;
    }
    nnrt_fail(err, "%s: no tensor '%s' to start from (the file has %u tensors; are the "
              "layers named alike?)", s->path, name, s->count);
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
                const found *f = t ? match(&s, m, t, err) : NULL;
                if (!t)
                    rc = nnrt_fail(err, "%s: no tensor %s (a bug in nnc)", m->name,
                                   m->transfers[j].param);
                else if (!f)
                    rc = -1;
                else if (pass == 1)
                    for (int v = 0; v < t->size; v++) {
                        uint32_t x = u32_at(f->values + 4 * (size_t)v);
                        memcpy(&t->value[v], &x, 4);
                    }
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
