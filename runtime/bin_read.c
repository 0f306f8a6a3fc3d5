/* bin_read.c: the checked reader of weights files and checkpoints
 * (binio.h), the mirror of bin_write.c.  It keeps the first error, with
 * the byte it was found at, and turns every later read into a no-op that
 * gives 0: a loader reads field after field and checks once. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "binio.h"

void nnrt_bin_reader_init(nnrt_bin_reader *r, const char *path, const unsigned char *bytes,
                          size_t len, nnrt_error *err)
{
    *r = (nnrt_bin_reader){ .path = path, .bytes = bytes, .len = len, .err = err };
}

int nnrt_bin_fail(nnrt_bin_reader *r, size_t at, const char *fmt, ...)
{
    if (r->failed)
        return -1;
    r->failed = 1;
    char what[sizeof r->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nnrt_fail(r->err, "%s: byte %zu: %s", r->path, at, what);
}

int nnrt_bin_ok(const nnrt_bin_reader *r)
{
    return r->failed ? -1 : 0;
}

const unsigned char *nnrt_bin_bytes(nnrt_bin_reader *r, size_t n, const char *what)
{
    if (r->failed)
        return NULL;
    if (r->len - r->pos < n) {
        nnrt_bin_fail(r, r->pos, "truncated: expected %zu bytes of %s, found %zu", n, what,
                      r->len - r->pos);
        return NULL;
    }
    r->pos += n;
    return r->bytes + r->pos - n;
}

uint32_t nnrt_bin_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint32_t nnrt_bin_u32(nnrt_bin_reader *r, const char *what)
{
    const unsigned char *b = nnrt_bin_bytes(r, 4, what);
    return b ? nnrt_bin_le32(b) : 0;
}

uint64_t nnrt_bin_u64(nnrt_bin_reader *r, const char *what)
{
    const unsigned char *b = nnrt_bin_bytes(r, 8, what);
    return b ? nnrt_bin_le32(b) | (uint64_t)nnrt_bin_le32(b + 4) << 32 : 0;
}

float nnrt_bin_f32(nnrt_bin_reader *r, const char *what)
{
    uint32_t u = nnrt_bin_u32(r, what);
    float x;
    memcpy(&x, &u, 4);
    return x;
}

double nnrt_bin_f64(nnrt_bin_reader *r, const char *what)
{
    uint64_t u = nnrt_bin_u64(r, what);
    double x;
    memcpy(&x, &u, 8);
    return x;
}

const char *nnrt_bin_text(nnrt_bin_reader *r, const char *what, uint32_t *len)
{
    *len = nnrt_bin_u32(r, what);
    const unsigned char *b = nnrt_bin_bytes(r, *len, what);
    if (!b)
        *len = 0;
    return b ? (const char *)b : "";
}

void nnrt_bin_decode_f32s(const unsigned char *at, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = nnrt_bin_le32(at + 4 * i);
        memcpy(&out[i], &x, 4);
    }
}

/* n 4-byte words, bounded before n * 4 is formed (n comes from a file) */
static const unsigned char *words(nnrt_bin_reader *r, const char *what, size_t n)
{
    if (!r->failed && n > SIZE_MAX / 4) {
        nnrt_bin_fail(r, r->pos, "truncated: expected %zu values of %s, found %zu bytes", n,
                      what, r->len - r->pos);
        return NULL;
    }
    return nnrt_bin_bytes(r, 4 * n, what);
}

void nnrt_bin_f32s(nnrt_bin_reader *r, const char *what, float *out, size_t n)
{
    const unsigned char *b = words(r, what, n);
    if (b && out)
        nnrt_bin_decode_f32s(b, out, n);
}

void nnrt_bin_ints(nnrt_bin_reader *r, const char *what, int *out, size_t n)
{
    const unsigned char *b = words(r, what, n);
    for (size_t i = 0; b && out && i < n; i++)
        out[i] = (int)nnrt_bin_le32(b + 4 * i);
}

int nnrt_bin_check_crc(nnrt_bin_reader *r, const char *damage)
{
    if (r->failed)
        return -1;
    if (r->len < 4)
        return nnrt_bin_fail(r, r->len, "truncated: no room for a 4-byte checksum");
    size_t at = r->len - 4;
    uint32_t stored = nnrt_bin_le32(r->bytes + at);
    uint32_t actual = nnrt_bin_crc(r->bytes, at);
    if (stored != actual)
        return nnrt_bin_fail(r, at, "checksum 0x%08x, but the contents give 0x%08x: %s", stored,
                             actual, damage);
    r->len = at;
    return 0;
}
