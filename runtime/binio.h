/* binio.h: the one reader and writer of the runtime's binary files
 * (weights, checkpoints), after Lua's ldump.c / lundump.c: every number
 * little-endian, whatever the machine; a CRC-32 (zlib's) of every byte
 * before it at the end.  Internal; not installed.
 *
 * The writer (bin_write.c) appends to an nnrt_afile, to a buffer, or
 * nowhere (counting bytes only, for a size a header states), keeping the
 * CRC-32 of what went out.
 *
 * The reader (bin_read.c) walks a file read whole (nnrt_read_file).  It
 * carries the file's name and the offset, and keeps the *first* error,
 * "PATH: byte N: ...", in its nnrt_error; every read after that is a
 * no-op giving 0 (or "", or NULL), so a loader reads straight down and
 * asks nnrt_bin_ok once at the end, or where a value decides what follows
 * (a count that sizes an allocation or a loop: bound it first).
 *
 * Ownership: neither owns the bytes it walks or the file it writes. */
#ifndef NNRT_BINIO_H
#define NNRT_BINIO_H

#include <stddef.h>
#include <stdint.h>

#include "fileio.h"
#include "nnrt_error.h"

/* ---- writing (bin_write.c) --------------------------------------------- */

typedef struct nnrt_bin_writer {
    nnrt_afile *file;           /* bytes go here, */
    unsigned char *buf;         /* or here (cap bytes); both NULL: counted only */
    size_t cap;
    uint64_t bytes;             /* written (or counted) so far */
    uint32_t crc;               /* CRC-32 of them (not kept when only counting) */
    int overflow;               /* the first error: buf was too small */
} nnrt_bin_writer;

void nnrt_bin_write_to_file(nnrt_bin_writer *w, nnrt_afile *f);
void nnrt_bin_write_to_buffer(nnrt_bin_writer *w, unsigned char *buf, size_t cap);
void nnrt_bin_count_only(nnrt_bin_writer *w);

void nnrt_bin_put(nnrt_bin_writer *w, const void *bytes, size_t n);
void nnrt_bin_put_u32(nnrt_bin_writer *w, uint32_t x);
void nnrt_bin_put_u64(nnrt_bin_writer *w, uint64_t x);
void nnrt_bin_put_f32(nnrt_bin_writer *w, float x);
void nnrt_bin_put_f64(nnrt_bin_writer *w, double x);
/* u32 length, then the bytes (no terminator) */
void nnrt_bin_put_text(nnrt_bin_writer *w, const char *s);
void nnrt_bin_put_f32s(nnrt_bin_writer *w, const float *v, size_t n);
/* ints as u32 each */
void nnrt_bin_put_ints(nnrt_bin_writer *w, const int *v, size_t n);
/* The CRC-32 of every byte put so far, as a u32. */
void nnrt_bin_put_crc(nnrt_bin_writer *w);

/* ---- reading (bin_read.c) ---------------------------------------------- */

typedef struct nnrt_bin_reader {
    const char *path;           /* for messages */
    const unsigned char *bytes;
    size_t len, pos;
    nnrt_error *err;
    int failed;                 /* err holds the first error; reads give 0 */
} nnrt_bin_reader;

void nnrt_bin_reader_init(nnrt_bin_reader *r, const char *path, const unsigned char *bytes,
                          size_t len, nnrt_error *err);
/* "PATH: byte AT: " and the message into err, if no error came first;
 * returns -1 either way. */
int nnrt_bin_fail(nnrt_bin_reader *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 0, or -1 once an error was recorded. */
int nnrt_bin_ok(const nnrt_bin_reader *r);

/* The next n bytes (what names them in a message), or NULL: "truncated:
 * expected N bytes of WHAT, found M" at the current offset. */
const unsigned char *nnrt_bin_bytes(nnrt_bin_reader *r, size_t n, const char *what);
uint32_t nnrt_bin_u32(nnrt_bin_reader *r, const char *what);
uint64_t nnrt_bin_u64(nnrt_bin_reader *r, const char *what);
float nnrt_bin_f32(nnrt_bin_reader *r, const char *what);
double nnrt_bin_f64(nnrt_bin_reader *r, const char *what);
/* A u32 length and that many bytes: points into the file, not
 * terminated; "" and *len 0 on failure. */
const char *nnrt_bin_text(nnrt_bin_reader *r, const char *what, uint32_t *len);
/* n f32 into out, or skipped when out is NULL; out untouched on failure. */
void nnrt_bin_f32s(nnrt_bin_reader *r, const char *what, float *out, size_t n);
/* n u32 into ints (or skipped). */
void nnrt_bin_ints(nnrt_bin_reader *r, const char *what, int *out, size_t n);

/* The last four bytes against the CRC-32 of all before them; on success
 * the reader's length stops before them.  damage ends the message: "the
 * file is damaged". */
int nnrt_bin_check_crc(nnrt_bin_reader *r, const char *damage);

/* Helpers over bytes already bounded (nnrt_bin_bytes returned them). */
uint32_t nnrt_bin_le32(const unsigned char *b);
void nnrt_bin_decode_f32s(const unsigned char *at, float *out, size_t n);
/* CRC-32 of len bytes, a file over 4 GiB included. */
uint32_t nnrt_bin_crc(const void *bytes, size_t len);

#endif
