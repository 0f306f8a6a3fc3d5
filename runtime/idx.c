/* idx.c: IDX files (the MNIST format), gzipped or plain, read whole.
 *
 * Layout (big-endian):  0 0 TYPE NDIMS | NDIMS x uint32 sizes | data
 * Only TYPE 0x08 (unsigned byte) is accepted, with 1 to 4 dimensions.
 *
 * A gzip file of one member, as gzip writes them, is decoded whole by
 * libdeflate, in memory in huge pages (big_alloc.c): Fashion-MNIST's 26 MB
 * of training images in 0.09 s, where zlib's gzread into ordinary pages
 * took 0.30 s, most of a trainer's start-up, against epochs of 0.2 s
 * (fashion_mlp on make bench's machine); once decoded, such a file is
 * kept in the data cache (data_cache.c) and read from there the next time,
 * checked against the gzip trailer's CRC-32.  Anything
 * libdeflate does not decode to the last byte (a plain file, several
 * members, damage, a cut-off download) goes through zlib's gzread, which
 * passes a plain file through unchanged and whose messages name what is
 * wrong.  Byte offsets in messages count the uncompressed stream, which is
 * what a user can inspect (`zcat f.gz | xxd`).  A file is either loaded
 * whole and checked to its last byte, or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <libdeflate.h>

#include "nnrt_internal.h"

/* The largest data part accepted: about 20 times Fashion-MNIST's training images,
 * and small enough that no product of sizes below it overflows. */
#define IDX_MAX_BYTES ((uint64_t)1 << 30)

typedef struct reader {
    gzFile gz;          /* the stream, through zlib; or */
    uint8_t *mem;       /* the stream decoded whole (owned until the data takes it) */
    size_t mem_len;
    int from_cache;     /* mem came from data_cache.c */
    const char *path;   /* as the caller gave it, for messages */
    size_t pos;         /* bytes of the uncompressed stream consumed */
    nnrt_error *err;
} reader;

/* What the data of an n-dimensional file is called in messages. */
static const char *data_noun(int ndims)
{
    return ndims == 1 ? "labels" : ndims == 3 ? "pixels" : "data";
}

static const char *item_noun(int ndims)
{
    return ndims == 1 ? "label" : ndims == 3 ? "image" : "item";
}

static const char *type_name(unsigned type)
{
    switch (type) {
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "not an IDX type";
    }
}

/* zlib's message without the "<fd:N>: " it puts in front for gzdopen'ed files. */
static const char *gz_message(gzFile gz, int *errnum)
{
    const char *msg = gzerror(gz, errnum);
    const char *sep = strstr(msg, ">: ");
    return strncmp(msg, "<fd:", 4) == 0 && sep ? sep + 3 : msg;
}

/* After a short or failed read: -1 with a message if zlib saw an error,
 * 0 if the stream simply ended.  zlib inflates ahead of what it hands out
 * (a whole small file on the first read), so no byte offset is given for
 * its errors: any we gave would point at where we were, not at the damage. */
static int gz_check(reader *r)
{
    int errnum;
    const char *msg = gz_message(r->gz, &errnum);
    switch (errnum) {
    case Z_OK:
    case Z_STREAM_END:
        return 0;
    case Z_ERRNO:
        return nnrt_fail(r->err, "%s: cannot read: %s", r->path, msg);
    case Z_MEM_ERROR:
        return nnrt_fail(r->err, "%s: out of memory", r->path);
    case Z_BUF_ERROR:   /* zlib's "unexpected end of file": a cut-off download */
        return nnrt_fail(r->err, "%s: truncated gzip data (%s)", r->path, msg);
    default:
        return nnrt_fail(r->err, "%s: corrupt gzip data (%s)", r->path, msg);
    }
}

/* Up to n bytes into buf, in as few gzread calls as the sizes allow (one
 * for a whole file under 1 GiB: zlib then inflates straight into buf).
 * *got says how many arrived; -1 only on a zlib error. */
static int read_up_to(reader *r, void *buf, size_t n, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    if (r->mem) {
        *got = n < r->mem_len - r->pos ? n : r->mem_len - r->pos;
        memcpy(p, r->mem + r->pos, *got);
        r->pos += *got;
        return 0;
    }
    while (*got < n) {
        size_t want = n - *got < (size_t)INT_MAX ? n - *got : (size_t)INT_MAX;
        int k = gzread(r->gz, p + *got, (unsigned)want);
        if (k <= 0)
            break;
        *got += (size_t)k;
        r->pos += (size_t)k;
    }
    return *got < n ? gz_check(r) : 0;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* "60000x28x28" */
static void shape_text(const uint32_t *dims, int ndims, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < ndims && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, i ? "x%u" : "%u", (unsigned)dims[i]);
}

/* Bytes 0..3: two zeros, the type, the number of dimensions. */
static int read_magic(reader *r, int *ndims)
{
    unsigned char b[4];
    size_t got;
    if (read_up_to(r, b, 4, &got) != 0)
        return -1;
    if (got < 4)
        return nnrt_fail(r->err, "%s: byte 0: expected 4 bytes of magic number, found %zu",
                         r->path, got);
    if (b[0] != 0 || b[1] != 0)
        return nnrt_fail(r->err,
                         "%s: byte 0: not an IDX file (magic 0x%08x, expected 0x00000801 or "
                         "0x00000803)",
                         r->path, (unsigned)be32(b));
    if (b[2] != 0x08)
        return nnrt_fail(r->err,
                         "%s: byte 2: IDX type 0x%02x (%s); only 0x08 (unsigned byte) is "
                         "supported",
                         r->path, b[2], type_name(b[2]));
    if (b[3] < 1 || b[3] > 4)
        return nnrt_fail(r->err, "%s: byte 3: %d dimensions; 1 to 4 are supported", r->path,
                         b[3]);
    *ndims = b[3];
    return 0;
}

/* Bytes 4..4+4*ndims: the sizes; their product is the data's length. */
static int read_dims(reader *r, int ndims, uint32_t *dims, size_t *total)
{
    unsigned char b[16];
    size_t want = 4 * (size_t)ndims, got;
    if (read_up_to(r, b, want, &got) != 0)
        return -1;
    if (got < want)
        return nnrt_fail(r->err, "%s: byte 4: expected %zu bytes of dimensions, found %zu",
                         r->path, want, got);
    char shape[64];
    uint64_t product = 1;
    int too_big = 0;
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(b + 4 * i);
    shape_text(dims, ndims, shape, sizeof shape);
    for (int i = 0; i < ndims; i++) {
        if (dims[i] == 0)
            return nnrt_fail(r->err, "%s: byte %d: shape %s holds no data", r->path, 4 + 4 * i,
                             shape);
        /* product stays below 2^30 * 2^32 before the check, so never wraps */
        if (!too_big && (product *= dims[i]) > IDX_MAX_BYTES)
            too_big = 1;
    }
    if (too_big)
        return nnrt_fail(r->err, "%s: byte 4: shape %s is more than the 1 GiB this loader takes",
                         r->path, shape);
    *total = (size_t)product;
    return 0;
}

/* The data must end exactly where the header says: anything after it means
 * the header and the data disagree (or two files were joined). */
static int check_end(reader *r, int ndims)
{
    unsigned char b[1 << 16];
    size_t end = r->pos, extra = 0, got;
    do {
        if (read_up_to(r, b, sizeof b, &got) != 0)
            return -1;
        extra += got;
    } while (got == sizeof b);
    if (extra > 0)
        return nnrt_fail(r->err, "%s: byte %zu: unexpected data after the last %s (%zu byte%s)",
                         r->path, end, item_noun(ndims), extra, extra == 1 ? "" : "s");
    return 0;
}

static int read_idx(reader *r, nnrt_idx *out)
{
    int ndims = 0;
    uint32_t dims[4] = { 0 };
    size_t total = 0, got;
    if (read_magic(r, &ndims) != 0 || read_dims(r, ndims, dims, &total) != 0)
        return -1;
    uint8_t *bytes;
    if (r->mem) {   /* the data is the stream's rest: moved to its front, not copied */
        size_t start = r->pos, left = r->mem_len - start;
        if (left > total)
            return nnrt_fail(r->err, "%s: byte %zu: unexpected data after the last %s (%zu byte%s)",
                             r->path, start + total, item_noun(ndims), left - total,
                             left - total == 1 ? "" : "s");
        if (left < total)
            return nnrt_fail(r->err, "%s: byte %zu: expected %zu bytes of %s, found %zu",
                             r->path, start, total, data_noun(ndims), left);
        bytes = memmove(r->mem, r->mem + start, total);
        r->mem = NULL;
    } else {
        bytes = malloc(total);
        if (!bytes)
            return nnrt_fail(r->err, "%s: out of memory for %zu bytes of %s", r->path, total,
                             data_noun(ndims));
        size_t start = r->pos;
        if (read_up_to(r, bytes, total, &got) != 0 || check_end(r, ndims) != 0) {
            free(bytes);
            return -1;
        }
        if (got < total) {
            free(bytes);
            return nnrt_fail(r->err, "%s: byte %zu: expected %zu bytes of %s, found %zu",
                             r->path, start, total, data_noun(ndims), got);
        }
    }
    /* every size is at most 2^30 here, so each fits an int */
    out->ndims = ndims;
    for (int i = 0; i < ndims; i++)
        out->dims[i] = (int)dims[i];
    out->item_bytes = total / dims[0];
    out->bytes = bytes;
    return 0;
}

/* fd's gzip stream decoded whole by libdeflate into r->mem, when it is one
 * member that decodes to its last byte into the size its trailer gives
 * (below the loader's limit); else nothing is set, and zlib reads fd. */
static void inflate_whole(reader *r, int fd, const struct stat *st)
{
    /* a header (10 bytes) and a trailer (8), at least; no larger than the
     * limit could come from */
    if (!S_ISREG(st->st_mode) || st->st_size < 18 || (uint64_t)st->st_size > 2 * IDX_MAX_BYTES)
        return;
    unsigned char magic[2];
    if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return;
    size_t in_len = (size_t)st->st_size;
    uint8_t *in = nnrt_big_read(fd, in_len);
    if (!in)
        return;
    const uint8_t *t = in + in_len - 4;   /* ISIZE: the decoded size, mod 2^32 */
    size_t out_len = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    if (out_len == 0 || out_len > IDX_MAX_BYTES + 32) {
        free(in);
        return;
    }
    if ((r->mem = nnrt_cache_get(in, in_len, out_len))) {
        r->mem_len = out_len;
        r->from_cache = 1;
        free(in);
        return;
    }
    uint8_t *out = nnrt_big_alloc(out_len);
    struct libdeflate_decompressor *d = out ? libdeflate_alloc_decompressor() : NULL;
    size_t used = 0, made = 0;
    if (d && libdeflate_gzip_decompress_ex(d, in, in_len, out, out_len, &used, &made) ==
                 LIBDEFLATE_SUCCESS &&
        used == in_len && made == out_len) {
        nnrt_cache_put(in, in_len, out, out_len);
        r->mem = out;
        r->mem_len = out_len;
        out = NULL;
    }
    if (d)
        libdeflate_free_decompressor(d);
    free(out);
    free(in);
}

int nnrt_idx_load(const char *path, nnrt_idx *out, nnrt_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nnrt_fail(err, "%s: cannot open: %s", path, strerror(errno));
    /* a folder opens fine on Linux and only fails at the first read */
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        close(fd);
        return nnrt_fail(err, "%s: cannot open: %s", path, strerror(e));
    }
    reader r = { .path = path, .err = err };
    inflate_whole(&r, fd, &st);
    if (r.mem) {
        close(fd);
        int rc = read_idx(&r, out);
        free(r.mem);   /* NULL once the data took it */
        out->from_cache = rc == 0 && r.from_cache;
        return rc;
    }
    r.gz = gzdopen(fd, "rb");
    if (!r.gz) {
        close(fd);
        return nnrt_fail(err, "%s: out of memory", path);
    }
    gzbuffer(r.gz, 1 << 17);   /* zlib's 8 KiB default costs many small read()s */
    int rc = read_idx(&r, out);
    gzclose(r.gz);             /* closes fd; nothing it can report matters after a full read */
    return rc;
}

void nnrt_idx_free(nnrt_idx *idx)
{
    free(idx->bytes);
    memset(idx, 0, sizeof *idx);
}
