/* checkpoint.c: weight files (the format is docs/weights.md).
 *
 *   "NNCW"  u32 version (1)  u32 n_tensors
 *   per tensor (parameters and state alike), in the model's table order:
 *     u32 name_len  name bytes  u32 ndims  ndims x u32 dims  prod(dims) x f32
 * every integer and float little-endian.
 *
 * State tensors (grad == NULL: batchnorm's moving mean and variance) are
 * saved and loaded like parameters: inference needs them as much as the
 * weights, and the format has no field to tell the two apart (the model's
 * table does).
 *
 * Loading reads the whole file, checks all of it against the model, and
 * only then copies values in: a bad file leaves the model as it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nnrt_internal.h"

#define WEIGHTS_MAGIC "NNCW"
#define WEIGHTS_VERSION 1u

/* ---- saving ------------------------------------------------------------ */

static void put_u32(nnrt_afile *f, uint32_t x)
{
    unsigned char b[4] = { (unsigned char)x, (unsigned char)(x >> 8),
                           (unsigned char)(x >> 16), (unsigned char)(x >> 24) };
    nnrt_afile_write(f, b, 4);
}

static void put_floats(nnrt_afile *f, const float *v, int n)
{
    unsigned char chunk[4096];
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        uint32_t x;
        memcpy(&x, &v[i], 4);
        chunk[used++] = (unsigned char)x;
        chunk[used++] = (unsigned char)(x >> 8);
        chunk[used++] = (unsigned char)(x >> 16);
        chunk[used++] = (unsigned char)(x >> 24);
        if (used == sizeof chunk) {
            nnrt_afile_write(f, chunk, used);
            used = 0;
        }
    }
    nnrt_afile_write(f, chunk, used);
}

int nnrt_weights_save(const nnrt_model *m, const char *path, nnrt_error *err)
{
    /* on the stack, not malloc'ed: this runs inside the epoch loop */
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_afile_write(&f, WEIGHTS_MAGIC, 4);
    put_u32(&f, WEIGHTS_VERSION);
    put_u32(&f, (uint32_t)m->n_params);
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        size_t len = strlen(t->name);
        put_u32(&f, (uint32_t)len);
        nnrt_afile_write(&f, t->name, len);
        put_u32(&f, (uint32_t)t->ndims);
        for (int d = 0; d < t->ndims; d++)
            put_u32(&f, (uint32_t)t->dims[d]);
        put_floats(&f, t->value, t->size);
    }
    return nnrt_afile_commit(&f, err);
}

/* ---- loading ----------------------------------------------------------- */

typedef struct reader {
    const char *path;
    const unsigned char *bytes;
    size_t len, pos;
    nnrt_error *err;
} reader;

/* Are n more bytes there?  If not, say what was expected where. */
static int need(reader *r, size_t n, const char *what)
{
    if (r->len - r->pos >= n)
        return 0;
    return nnrt_fail(r->err, "%s: byte %zu: truncated: expected %zu bytes of %s, found %zu",
                     r->path, r->pos, n, what, r->len - r->pos);
}

static uint32_t get_u32(reader *r)
{
    const unsigned char *b = r->bytes + r->pos;
    r->pos += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

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

static int printable(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* One tensor's header: its name and shape must be the model's t. */
static int check_tensor_header(reader *r, const nnrt_param *t, int index)
{
    size_t at = r->pos;
    if (need(r, 4, "tensor name length"))
        return -1;
    uint32_t name_len = get_u32(r);
    if (need(r, name_len, "tensor name"))
        return -1;
    const unsigned char *name = r->bytes + r->pos;
    r->pos += name_len;
    if (name_len != strlen(t->name) || memcmp(name, t->name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_fail(r->err, "%s: byte %zu: tensor %d is '%.*s'; the model's is '%s'",
                             r->path, at, index + 1, (int)name_len, (const char *)name, t->name);
        return nnrt_fail(r->err,
                         "%s: byte %zu: tensor %d has no readable name; the model's is '%s'",
                         r->path, at, index + 1, t->name);
    }
    at = r->pos;
    if (need(r, 4, "dimension count"))
        return -1;
    uint32_t ndims = get_u32(r), dims[4] = { 0 }, want[4] = { 0 };
    int same = ndims == (uint32_t)t->ndims;
    if (ndims <= 4) {
        if (need(r, 4 * (size_t)ndims, "dimensions"))
            return -1;
        for (uint32_t d = 0; d < ndims; d++)
            dims[d] = get_u32(r);
    }
    for (int d = 0; d < t->ndims; d++) {
        want[d] = (uint32_t)t->dims[d];
        same = same && dims[d] == want[d];
    }
    if (!same) {
        char got[64], expected[64];
        shape_text(expected, sizeof expected, t->ndims, want);
        if (ndims > 4)
            snprintf(got, sizeof got, "%u dimensions", ndims);
        else
            shape_text(got, sizeof got, (int)ndims, dims);
        return nnrt_fail(r->err, "%s: byte %zu: %s has shape %s; the model's is %s",
                         r->path, at, t->name, got, expected);
    }
    return 0;
}

/* Walk the whole file against m; when copy is set (only after a walk
 * without it succeeded), also decode the values into the params. */
static int walk(reader *r, const nnrt_model *m, int copy)
{
    r->pos = 0;
    if (need(r, 4, "magic number"))
        return -1;
    if (memcmp(r->bytes, WEIGHTS_MAGIC, 4) != 0)
        return nnrt_fail(r->err, "%s: byte 0: not an nnc weights file (no '%s' at the start)",
                         r->path, WEIGHTS_MAGIC);
    r->pos = 4;
    if (need(r, 8, "header"))
        return -1;
    uint32_t version = get_u32(r);
    if (version != WEIGHTS_VERSION)
        return nnrt_fail(r->err, "%s: byte 4: format version %u; this trainer reads version %u",
                         r->path, version, WEIGHTS_VERSION);
    uint32_t count = get_u32(r);
    if (count != (uint32_t)m->n_params)
        return nnrt_fail(r->err, "%s: byte 8: %u tensors; the model has %d",
                         r->path, count, m->n_params);
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (check_tensor_header(r, t, p) != 0)
            return -1;
        char what[128];
        snprintf(what, sizeof what, "%s values", t->name);
        if (need(r, 4 * (size_t)t->size, what))
            return -1;
        for (int i = 0; i < t->size && copy; i++) {
            uint32_t x = get_u32(r);
            memcpy(&t->value[i], &x, 4);
        }
        if (!copy)
            r->pos += 4 * (size_t)t->size;
    }
    if (r->pos != r->len)
        return nnrt_fail(r->err, "%s: byte %zu: unexpected data after the last tensor (%zu bytes)",
                         r->path, r->pos, r->len - r->pos);
    return 0;
}

int nnrt_weights_load(const nnrt_model *m, const char *path, nnrt_error *err)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (nnrt_read_file(path, &bytes, &len, NULL, err) != 0)
        return -1;
    reader r = { path, bytes, len, 0, err };
    int rc = walk(&r, m, 0);
    if (rc == 0)
        rc = walk(&r, m, 1);
    free(bytes);
    return rc;
}
