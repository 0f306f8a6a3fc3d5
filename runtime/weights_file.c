/* checkpoint.c: weight files (the format is docs/weights.md).
 *
 *   "NNCW"  u32 version (3)  u32 n_tensors
 *   per tensor (parameters and state alike), in the model's table order:
 *     u32 name_len  name bytes  u32 ndims  ndims x u32 dims  prod(dims) x f32
 *   u32 CRC-32 (zlib's) of every byte before it
 * every integer and float little-endian.  Version 1 is the same without
 * the checksum; it still loads, with a note that nothing checks it.
 * Versions 1 and 2 name the tensors by the layers' kind and position
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "nnrt_internal.h"

#define WEIGHTS_MAGIC "NNCW"
#define WEIGHTS_VERSION 3u      /* 2 added the checksum; 3 stable layer names */
#define STABLE_NAMES_VERSION 3u
#define WEIGHTS_HEADER_BYTES 12 /* magic, version, tensor count */

/* ---- saving ------------------------------------------------------------ */

/* The file being written, and the CRC-32 of what went into it so far. */
typedef struct sink {
    nnrt_afile *f;
    uLong crc;
} sink;

static void put(sink *s, const void *bytes, size_t n)
{
    nnrt_afile_write(s->f, bytes, n);
    s->crc = crc32(s->crc, bytes, (uInt)n);
}

static void put_u32(sink *s, uint32_t x)
{
    unsigned char b[4] = { (unsigned char)x, (unsigned char)(x >> 8),
                           (unsigned char)(x >> 16), (unsigned char)(x >> 24) };
    put(s, b, 4);
}

static void put_floats(sink *s, const float *v, int n)
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
            put(s, chunk, used);
            used = 0;
        }
    }
    put(s, chunk, used);
}

int nnrt_weights_save(const nnrt_model *m, const char *path, nnrt_error *err)
{
    /* on the stack, not malloc'ed: this runs inside the epoch loop */
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    sink s = { &f, crc32(0L, Z_NULL, 0) };
    put(&s, WEIGHTS_MAGIC, 4);
    put_u32(&s, WEIGHTS_VERSION);
    put_u32(&s, (uint32_t)m->n_params);
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        size_t len = strlen(t->name);
        put_u32(&s, (uint32_t)len);
        put(&s, t->name, len);
        put_u32(&s, (uint32_t)t->ndims);
        for (int d = 0; d < t->ndims; d++)
            put_u32(&s, (uint32_t)t->dims[d]);
        put_floats(&s, t->value, t->size);
    }
    put_u32(&s, (uint32_t)s.crc);   /* of every byte before it */
    return nnrt_afile_commit(&f, err);
}

/* ---- checks every reader of the format shares ----------------------------- */

static uint32_t u32_at(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* zlib's crc32 takes a uInt length: a file over 4 GiB goes in pieces */
static uint32_t crc_of(const unsigned char *bytes, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
        crc = crc32(crc, bytes, n);
        bytes += n;
        len -= n;
    }
    return (uint32_t)crc;
}

/* The last four bytes against the CRC-32 of the rest. */
static int check_crc(const char *path, const unsigned char *bytes, size_t len, nnrt_error *err)
{
    if (len < WEIGHTS_HEADER_BYTES + 4)
        return nnrt_fail(err, "%s: byte %zu: truncated: expected a 12-byte header and a 4-byte "
                         "checksum, found %zu bytes", path, len, len);
    size_t at = len - 4;
    uint32_t stored = u32_at(bytes + at);
    uint32_t actual = crc_of(bytes, at);
    if (stored != actual)
        return nnrt_fail(err, "%s: byte %zu: checksum 0x%08x, but the contents give 0x%08x: "
                         "the file is damaged or cut short", path, at, stored, actual);
    return 0;
}

int nnrt_weights_open(const char *path, const unsigned char *bytes, size_t len, size_t *body_len,
                      nnrt_error *err)
{
    if (len < 4)
        return nnrt_fail(err, "%s: byte 0: truncated: expected 4 bytes of magic number, found %zu",
                         path, len);
    if (memcmp(bytes, WEIGHTS_MAGIC, 4) != 0)
        return nnrt_fail(err, "%s: byte 0: not an nnc weights file (no '%s' at the start)", path,
                         WEIGHTS_MAGIC);
    if (len < 8)
        return nnrt_fail(err, "%s: byte 4: truncated: expected 4 bytes of format version, "
                         "found %zu", path, len - 4);
    uint32_t version = u32_at(bytes + 4);
    if (version < 1 || version > WEIGHTS_VERSION)
        return nnrt_fail(err, "%s: byte 4: format version %u; this trainer reads versions 1 "
                         "to %u", path, version, WEIGHTS_VERSION);
    *body_len = len;
    if (version == 1) {
        fprintf(stderr, "%s: note: weights format version 1 carries no checksum, so damage "
                "cannot be detected; saving the weights again writes version %u\n", path,
                WEIGHTS_VERSION);
        return 0;
    }
    if (check_crc(path, bytes, len, err) != 0)
        return -1;
    *body_len = len - 4;
    return 0;
}

int nnrt_weights_finite(const char *path, const char *name, int name_len,
                        const unsigned char *values, size_t n, size_t at, nnrt_error *err)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = u32_at(values + 4 * i);
        if ((bits >> 23 & 0xff) != 0xff)   /* exponent all ones: an infinity or a NaN */
            continue;
        const char *what = bits & 0x7fffff ? "NaN" : bits >> 31 ? "-infinity" : "infinity";
        return nnrt_fail(err, "%s: byte %zu: %.*s[%zu] is %s; weights must be finite numbers",
                         path, at + 4 * i, name_len, name, i, what);
    }
    return 0;
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
    r->pos += 4;
    return u32_at(r->bytes + r->pos - 4);
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

/* One tensor's header: its name must be want (t's name in this file's
 * version), its shape the model's t. */
static int check_tensor_header(reader *r, const nnrt_param *t, const char *want_name, int index)
{
    size_t at = r->pos;
    if (need(r, 4, "tensor name length"))
        return -1;
    uint32_t name_len = get_u32(r);
    if (need(r, name_len, "tensor name"))
        return -1;
    const unsigned char *name = r->bytes + r->pos;
    r->pos += name_len;
    if (name_len != strlen(want_name) || memcmp(name, want_name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_fail(r->err, "%s: byte %zu: tensor %d is '%.*s'; the model's is '%s'",
                             r->path, at, index + 1, (int)name_len, (const char *)name,
                             want_name);
        return nnrt_fail(r->err,
                         "%s: byte %zu: tensor %d has no readable name; the model's is '%s'",
                         r->path, at, index + 1, want_name);
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

/* Walk the tensors (the header and checksum were checked by
 * nnrt_weights_open) against m; when copy is set (only after a walk
 * without it succeeded), also decode the values into the params. */
static int walk(reader *r, const nnrt_model *m, int copy)
{
    r->pos = 8;
    if (need(r, 4, "tensor count"))
        return -1;
    uint32_t count = get_u32(r);
    if (count != (uint32_t)m->n_params)
        return nnrt_fail(r->err, "%s: byte 8: %u tensors; the model has %d",
                         r->path, count, m->n_params);
    int legacy = u32_at(r->bytes + 4) < STABLE_NAMES_VERSION;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (check_tensor_header(r, t, nnrt_param_file_name(m, p, legacy), p) != 0)
            return -1;
        char what[128];
        snprintf(what, sizeof what, "%s values", t->name);
        if (need(r, 4 * (size_t)t->size, what))
            return -1;
        if (!copy && nnrt_weights_finite(r->path, t->name, (int)strlen(t->name),
                                         r->bytes + r->pos, (size_t)t->size, r->pos, r->err))
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
    size_t body_len = 0;   /* without the checksum */
    int rc = nnrt_weights_open(path, bytes, len, &body_len, err);
    reader r = { path, bytes, body_len, 0, err };
    if (rc == 0)
        rc = walk(&r, m, 0);
    if (rc == 0)
        rc = walk(&r, m, 1);
    free(bytes);
    return rc;
}
