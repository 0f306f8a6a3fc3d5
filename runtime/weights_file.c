/* weights_file.c: weight files (the format is docs/weights.md): save,
 * load, and the reader a transfer opens one with.
 *
 *   "NNCW"  u32 version (3)  u32 n_tensors
 *   per tensor (parameters and state alike), in the model's table order:
 *     u32 name_len  name bytes  u32 ndims  ndims x u32 dims  prod(dims) x f32
 *   u32 CRC-32 (zlib's) of every byte before it
 * every integer and float little-endian (binio.h).  Version 1 is the same
 * without the checksum; it still loads, with a note that nothing checks
 * it.  Versions 1 and 2 name the tensors by the layers' kind and position
 * (dense1.w); they load through the model's legacy names.
 *
 * State tensors (grad == NULL: batchnorm's moving mean and variance) are
 * saved and loaded like parameters: inference needs them as much as the
 * weights, and the format has no field to tell the two apart (the model's
 * table does).
 *
 * Loading reads the whole file, checks its checksum, then checks all of it
 * against the model (every value finite included), and only then copies
 * values in: a bad file leaves the model as it was. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

#define WEIGHTS_MAGIC "NNCW"
#define WEIGHTS_VERSION 3u      /* 2 added the checksum; 3 stable layer names */
#define STABLE_NAMES_VERSION 3u
#define WEIGHTS_HEADER_BYTES 12 /* magic, version, tensor count */
#define MIN_TENSOR_BYTES 12     /* name length, ndims, one dimension */

/* ---- saving ------------------------------------------------------------ */

int nnrt_weights_save(const nnrt_model *m, const char *path, nnrt_error *err)
{
    /* on the stack, not malloc'ed: this runs inside the epoch loop */
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_bin_writer w;
    nnrt_bin_write_to_file(&w, &f);
    nnrt_bin_put(&w, WEIGHTS_MAGIC, 4);
    nnrt_bin_put_u32(&w, WEIGHTS_VERSION);
    nnrt_bin_put_u32(&w, (uint32_t)m->n_params);
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        nnrt_bin_put_text(&w, t->name);
        nnrt_bin_put_u32(&w, (uint32_t)t->ndims);
        for (int d = 0; d < t->ndims; d++)
            nnrt_bin_put_u32(&w, (uint32_t)t->dims[d]);
        nnrt_bin_put_f32s(&w, t->value, (size_t)t->size);
    }
    nnrt_bin_put_crc(&w);
    return nnrt_afile_commit(&f, err);
}

/* ---- reading: what every reader of the format shares ------------------- */

/* From version 2, the last four bytes against the CRC-32 of the rest. */
static void check_crc(nnrt_weights_file *w)
{
    if (w->version < 2) {
        fprintf(stderr, "%s: note: weights format version 1 carries no checksum, so damage "
                "cannot be detected; saving the weights again writes version %u\n", w->r.path,
                WEIGHTS_VERSION);
        return;
    }
    if (w->r.len < WEIGHTS_HEADER_BYTES + 4)
        nnrt_bin_fail(&w->r, w->r.len, "truncated: expected a 12-byte header and a 4-byte "
                      "checksum, found %zu bytes", w->r.len);
    nnrt_bin_check_crc(&w->r, "the file is damaged or cut short");
}

int nnrt_weights_open(nnrt_weights_file *w, const char *path, const char *missing,
                      nnrt_error *err)
{
    memset(w, 0, sizeof *w);
    size_t len = 0;
    if (nnrt_read_file(path, &w->bytes, &len, missing, err) != 0) {
        w->bytes = NULL;
        return -1;
    }
    nnrt_bin_reader *r = &w->r;
    nnrt_bin_reader_init(r, path, w->bytes, len, err);
    const unsigned char *magic = nnrt_bin_bytes(r, 4, "magic number");
    if (magic && memcmp(magic, WEIGHTS_MAGIC, 4) != 0)
        nnrt_bin_fail(r, 0, "not an nnc weights file (no '%s' at the start)", WEIGHTS_MAGIC);
    w->version = nnrt_bin_u32(r, "format version");
    if (nnrt_bin_ok(r) == 0 && (w->version < 1 || w->version > WEIGHTS_VERSION))
        nnrt_bin_fail(r, 4, "format version %u; this trainer reads versions 1 to %u",
                      w->version, WEIGHTS_VERSION);
    if (nnrt_bin_ok(r) == 0)
        check_crc(w);
    w->count = nnrt_bin_u32(r, "tensor count");
    w->legacy = w->version < STABLE_NAMES_VERSION;
    w->first = r->pos;
    /* bounded here, as a reader may size an allocation by it */
    if (nnrt_bin_ok(r) == 0 && w->count > (r->len - r->pos) / MIN_TENSOR_BYTES)
        nnrt_bin_fail(r, 8, "%u tensors cannot fit in %zu bytes", w->count, r->len);
    if (nnrt_bin_ok(r) != 0) {
        nnrt_weights_close(w);
        return -1;
    }
    return 0;
}

void nnrt_weights_rewind(nnrt_weights_file *w)
{
    w->r.pos = w->first;
}

void nnrt_weights_close(nnrt_weights_file *w)
{
    free(w->bytes);
    w->bytes = NULL;
}

void nnrt_weights_header(nnrt_weights_file *w, nnrt_weights_tensor *t)
{
    nnrt_bin_reader *r = &w->r;
    memset(t, 0, sizeof *t);
    t->at = r->pos;
    t->name_len = nnrt_bin_u32(r, "tensor name length");
    t->name = (const char *)nnrt_bin_bytes(r, t->name_len, "tensor name");
    if (!t->name) {
        t->name = "";
        t->name_len = 0;
    }
    t->dims_at = r->pos;
    t->ndims = nnrt_bin_u32(r, "dimension count");
    if (t->ndims > 4)           /* left for the caller to refuse, by the shape it wants */
        return;
    const unsigned char *dims = nnrt_bin_bytes(r, 4 * (size_t)t->ndims, "dimensions");
    for (uint32_t d = 0; dims && d < t->ndims; d++)
        t->dims[d] = nnrt_bin_le32(dims + 4 * d);
}

/* t's values are all finite: a NaN would spread through every step. */
static void check_finite(nnrt_bin_reader *r, const nnrt_weights_tensor *t)
{
    for (size_t i = 0; i < t->size; i++) {
        uint32_t bits = nnrt_bin_le32(t->values + 4 * i);
        if ((bits >> 23 & 0xff) != 0xff)   /* exponent all ones: an infinity or a NaN */
            continue;
        const char *what = bits & 0x7fffff ? "NaN" : bits >> 31 ? "-infinity" : "infinity";
        nnrt_bin_fail(r, t->values_at + 4 * i, "%.*s[%zu] is %s; weights must be finite "
                      "numbers", (int)t->name_len, t->name, i, what);
        return;
    }
}

void nnrt_weights_values(nnrt_weights_file *w, nnrt_weights_tensor *t)
{
    nnrt_bin_reader *r = &w->r;
    if (nnrt_bin_ok(r) != 0)
        return;
    if (t->ndims < 1 || t->ndims > 4) {
        nnrt_bin_fail(r, t->dims_at, "%u dimensions; 1 to 4 are allowed", t->ndims);
        return;
    }
    /* four u32 can multiply past SIZE_MAX: bounded before it is formed */
    size_t size = 1;
    for (uint32_t d = 0; d < t->ndims; d++) {
        if (t->dims[d] > 0 && size > SIZE_MAX / 4 / t->dims[d]) {
            nnrt_bin_fail(r, r->pos, "truncated: the shape of %.*s needs more bytes than any "
                          "file holds", (int)t->name_len, t->name);
            return;
        }
        size *= t->dims[d];
    }
    char what[128];
    snprintf(what, sizeof what, "%.*s values", (int)t->name_len > 64 ? 64 : (int)t->name_len,
             t->name);
    t->values_at = r->pos;
    t->values = nnrt_bin_bytes(r, 4 * size, what);
    t->size = t->values ? size : 0;
    if (t->values)
        check_finite(r, t);
}

int nnrt_weights_end(nnrt_weights_file *w)
{
    nnrt_bin_reader *r = &w->r;
    if (nnrt_bin_ok(r) == 0 && r->pos != r->len)
        nnrt_bin_fail(r, r->pos, "unexpected data after the last tensor (%zu bytes)",
                      r->len - r->pos);
    return nnrt_bin_ok(r);
}

/* ---- loading into a model ---------------------------------------------- */

/* "784x128" */
static void shape_text(char *out, size_t len, int ndims, const uint32_t *dims)
{
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < ndims && used < len; d++)
        used += (size_t)snprintf(out + used, len - used, d ? "x%u" : "%u", dims[d]);
    if (ndims == 0)
        snprintf(out, len, "scalar");
}

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* f, the file's tensor index, is named want (the model's tensor in this
 * file's version). */
static void check_name(nnrt_bin_reader *r, const nnrt_weights_tensor *f, const char *want,
                       int index)
{
    if (nnrt_bin_ok(r) != 0 || (f->name_len == strlen(want) &&
                                memcmp(f->name, want, f->name_len) == 0))
        return;
    if (f->name_len <= 64 && printable(f->name, f->name_len))
        nnrt_bin_fail(r, f->at, "tensor %d is '%.*s'; the model's is '%s'", index + 1,
                      (int)f->name_len, f->name, want);
    else
        nnrt_bin_fail(r, f->at, "tensor %d has no readable name; the model's is '%s'",
                      index + 1, want);
}

/* f has the shape of the model's t. */
static void check_shape(nnrt_bin_reader *r, const nnrt_weights_tensor *f, const nnrt_param *t)
{
    uint32_t want[4] = { 0 };
    int same = f->ndims == (uint32_t)t->ndims;
    for (int d = 0; d < t->ndims; d++) {
        want[d] = (uint32_t)t->dims[d];
        same = same && f->dims[d] == want[d];
    }
    if (nnrt_bin_ok(r) != 0 || same)
        return;
    char got[64], expected[64];
    shape_text(expected, sizeof expected, t->ndims, want);
    if (f->ndims > 4)
        snprintf(got, sizeof got, "%u dimensions", f->ndims);
    else
        shape_text(got, sizeof got, (int)f->ndims, f->dims);
    nnrt_bin_fail(r, f->dims_at, "%s has shape %s; the model's is %s", t->name, got, expected);
}

/* Walk the tensors against m; when copy is set (only after a walk
 * without it succeeded), also decode the values into the params. */
static int walk(nnrt_weights_file *w, const nnrt_model *m, int copy)
{
    nnrt_bin_reader *r = &w->r;
    nnrt_weights_rewind(w);
    if (w->count != (uint32_t)m->n_params)
        return nnrt_bin_fail(r, 8, "%u tensors; the model has %d", w->count, m->n_params);
    for (int p = 0; p < m->n_params && nnrt_bin_ok(r) == 0; p++) {
        const nnrt_param *t = &m->params[p];
        nnrt_weights_tensor f;
        nnrt_weights_header(w, &f);
        check_name(r, &f, nnrt_param_file_name(m, p, w->legacy), p);
        check_shape(r, &f, t);
        nnrt_weights_values(w, &f);
        if (copy && nnrt_bin_ok(r) == 0)
            nnrt_bin_decode_f32s(f.values, t->value, f.size);
    }
    return nnrt_weights_end(w);
}

int nnrt_weights_load(const nnrt_model *m, const char *path, nnrt_error *err)
{
    nnrt_weights_file w;
    if (nnrt_weights_open(&w, path, NULL, err) != 0)
        return -1;
    int rc = walk(&w, m, 0);
    if (rc == 0)
        rc = walk(&w, m, 1);
    nnrt_weights_close(&w);
    return rc;
}
