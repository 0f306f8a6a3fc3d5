/* bin_write.c: numbers, texts and arrays appended little-endian to a
 * weights file or a checkpoint (binio.h), with the CRC-32 that ends them.
 * The mirror of bin_read.c: a put_ here for every read there. */
#include <string.h>
#include <zlib.h>

#include "binio.h"

static void start(nnrt_bin_writer *w, nnrt_afile *f, unsigned char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->file = f;
    w->buf = buf;
    w->cap = cap;
    w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

void nnrt_bin_write_to_file(nnrt_bin_writer *w, nnrt_afile *f)
{
    start(w, f, NULL, 0);
}

void nnrt_bin_write_to_buffer(nnrt_bin_writer *w, unsigned char *buf, size_t cap)
{
    start(w, NULL, buf, cap);
}

void nnrt_bin_count_only(nnrt_bin_writer *w)
{
    start(w, NULL, NULL, 0);
}

/* zlib's crc32 takes a uInt length: more than 4 GiB goes in pieces */
static uint32_t crc_more(uint32_t crc, const unsigned char *bytes, size_t len)
{
    uLong c = crc;
    while (len > 0) {
        uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
        c = crc32(c, bytes, n);
        bytes += n;
        len -= n;
    }
    return (uint32_t)c;
}

uint32_t nnrt_bin_crc(const void *bytes, size_t len)
{
    return crc_more((uint32_t)crc32(0L, Z_NULL, 0), bytes, len);
}

void nnrt_bin_put(nnrt_bin_writer *w, const void *bytes, size_t n)
{
    if (w->buf && !w->overflow) {
        if (w->cap - w->bytes < n)
            w->overflow = 1;
        else
            memcpy(w->buf + w->bytes, bytes, n);
    }
    if (w->file)
        nnrt_afile_write(w->file, bytes, n);
    if (w->file || w->buf)
        w->crc = crc_more(w->crc, bytes, n);
    w->bytes += n;
}

void nnrt_bin_put_u32(nnrt_bin_writer *w, uint32_t x)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> 8 * i);
    nnrt_bin_put(w, b, 4);
}

void nnrt_bin_put_u64(nnrt_bin_writer *w, uint64_t x)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(x >> 8 * i);
    nnrt_bin_put(w, b, 8);
}

void nnrt_bin_put_f32(nnrt_bin_writer *w, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    nnrt_bin_put_u32(w, u);
}

void nnrt_bin_put_f64(nnrt_bin_writer *w, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    nnrt_bin_put_u64(w, u);
}

void nnrt_bin_put_text(nnrt_bin_writer *w, const char *s)
{
    size_t len = strlen(s);
    nnrt_bin_put_u32(w, (uint32_t)len);
    nnrt_bin_put(w, s, len);
}

/* n u32 words (a float's bits or an int) through a small buffer: one
 * put per 4 KiB, not per value */
static void put_words(nnrt_bin_writer *w, const float *floats, const int *ints, size_t n)
{
    unsigned char chunk[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = ints ? (uint32_t)ints[i] : 0;
        if (floats)
            memcpy(&x, &floats[i], 4);
        for (int k = 0; k < 4; k++)
            chunk[used++] = (unsigned char)(x >> 8 * k);
        if (used == sizeof chunk) {
            nnrt_bin_put(w, chunk, used);
            used = 0;
        }
    }
    nnrt_bin_put(w, chunk, used);
}

void nnrt_bin_put_f32s(nnrt_bin_writer *w, const float *v, size_t n)
{
    put_words(w, v, NULL, n);
}

void nnrt_bin_put_ints(nnrt_bin_writer *w, const int *v, size_t n)
{
    put_words(w, NULL, v, n);
}

void nnrt_bin_put_crc(nnrt_bin_writer *w)
{
    nnrt_bin_put_u32(w, w->crc);
}
