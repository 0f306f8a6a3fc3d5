/* npz.c: a model's tensors as a NumPy .npz, which numpy.load reads (and
 * scripts/load_in_pytorch.py turns into a PyTorch model), and the
 * `export-weights` command that writes one from a weights file.
 *
 * Written here by hand because no library in Debian writes .npz from C
 * (cnpy, the usual one, is C++ and not packaged), and the format is small:
 * an .npz is a ZIP archive of .npy files, one per array, named NAME.npy.
 * numpy.load reads stored and deflated entries alike; stored ones it is,
 * as numpy.savez writes them (float weights barely compress).  zlib,
 * linked already for the weights' checksum, gives the CRC-32 ZIP wants.
 *
 * A .npy file (NumPy's numpy/lib/format.py, version 1.0):
 *     "\x93NUMPY"  u8 1  u8 0  u16 header_len  header  values
 * the header an ASCII Python dict,
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (784, 128), }
 * padded with spaces and ended by '\n' so that the values start at a
 * multiple of 64 bytes, as NumPy pads it; the values little-endian
 * float32 in C order, as weight files hold them.
 *
 * The ZIP archive (PKWARE's APPNOTE.TXT), every number little-endian:
 *     per entry:  local header (30 bytes + name), then the .npy's bytes
 *     per entry:  central directory header (46 bytes + name)
 *     end of central directory (22 bytes)
 * A local header states its entry's CRC-32 and size, so each tensor's CRC
 * is computed before it is written (a pass over its values: cheap beside
 * the write).  Every entry is dated 1980-01-01 00:00, the ZIP epoch, so
 * the same tensors give the same bytes.  Without ZIP64 an archive holds
 * 65535 entries and 4 GiB; a trainer's tensors fit (its static parameters
 * are under 2 GiB), and more is refused rather than written wrong. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nnrt_internal.h"

#define NPY_ALIGN 64            /* the values start at a multiple of this */
#define NPY_PREFIX 10           /* magic, version, header_len */
#define NPY_HEADER_MAX 256      /* prefix and dict of 4 dims of 10 digits fit twice */
#define NPY_CHUNK 4096          /* floats encoded at a time */

#define ZIP_LOCAL_BYTES 30
#define ZIP_CENTRAL_BYTES 46
#define ZIP_END_BYTES 22
#define ZIP_VERSION 20          /* 2.0: the version needed to extract, and made by */
#define ZIP_UNIX 3              /* made by Unix: the external attributes are a mode */
#define ZIP_MODE 0100644u       /* a regular file, rw-r--r-- */
#define ZIP_DATE ((0 << 9) | (1 << 5) | 1)   /* MS-DOS date: 1980, January, 1st */
#define ZIP_MAX_ENTRIES 0xffff
#define ZIP_MAX_BYTES 0xffffffffu
#define NPY_SUFFIX ".npy"

/* What the central directory repeats of each entry. */
typedef struct npz_entry {
    uint32_t crc, bytes, offset;
} npz_entry;

static unsigned char *put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> 8 * i);
    return p + 4;
}

/* ---- .npy ---------------------------------------------------------------- */

/* t's .npy header into h (NPY_HEADER_MAX bytes); its length, a multiple
 * of NPY_ALIGN.  A 1-D shape is a Python 1-tuple: (128,). */
static size_t npy_header(const nnrt_param *t, unsigned char *h)
{
    char dict[NPY_HEADER_MAX];
    size_t n = (size_t)snprintf(dict, sizeof dict,
                                "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int d = 0; d < t->ndims; d++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%s%d", d ? ", " : "", t->dims[d]);
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", t->ndims == 1 ? "," : "");
    size_t total = (NPY_PREFIX + n + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;   /* +1: '\n' */
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    put16(h + 8, (unsigned)(total - NPY_PREFIX));
    memcpy(h + NPY_PREFIX, dict, n);
    memset(h + NPY_PREFIX + n, ' ', total - NPY_PREFIX - n - 1);
    h[total - 1] = '\n';
    return total;
}

/* t's values as little-endian floats, whatever the machine: into the
 * CRC-32 crc (returned) when f is NULL, else written to f. */
static uint32_t npy_values(const nnrt_param *t, uint32_t crc, nnrt_afile *f)
{
    unsigned char chunk[NPY_CHUNK * 4];
    for (size_t at = 0, size = (size_t)t->size; at < size;) {
        size_t k = size - at < NPY_CHUNK ? size - at : NPY_CHUNK;
        for (size_t i = 0; i < k; i++) {
            uint32_t bits;
            memcpy(&bits, &t->value[at + i], 4);
            put32(chunk + 4 * i, bits);
        }
        if (f)
            nnrt_afile_write(f, chunk, 4 * k);
        else
            crc = (uint32_t)crc32(crc, chunk, (uInt)(4 * k));
        at += k;
    }
    return crc;
}

/* ---- the ZIP archive ----------------------------------------------------- */

static size_t entry_name_len(const nnrt_param *t)
{
    return strlen(t->name) + strlen(NPY_SUFFIX);
}

static void put_name(nnrt_afile *f, const nnrt_param *t)
{
    nnrt_afile_write(f, t->name, strlen(t->name));
    nnrt_afile_write(f, NPY_SUFFIX, strlen(NPY_SUFFIX));
}

/* Each entry's CRC-32, size and offset into e; -1 if the archive would
 * pass ZIP's limits */
static int plan_entries(const char *path, const nnrt_param *tensors, int n, npz_entry *e,
                        nnrt_error *err)
{
    uint64_t at = 0, directory = ZIP_END_BYTES;
    for (int k = 0; k < n; k++) {
        const nnrt_param *t = &tensors[k];
        if (entry_name_len(t) > 0xffff)
            return nnrt_fail(err, "%s: tensor name '%.40s...' too long for a ZIP entry", path,
                             t->name);
        unsigned char h[NPY_HEADER_MAX];
        size_t header = npy_header(t, h);
        uint64_t bytes = header + 4 * (uint64_t)t->size;
        if (bytes > ZIP_MAX_BYTES || at > ZIP_MAX_BYTES)
            break;
        e[k].bytes = (uint32_t)bytes;
        e[k].offset = (uint32_t)at;
        e[k].crc = npy_values(t, (uint32_t)crc32(crc32(0L, Z_NULL, 0), h, (uInt)header), NULL);
        at += ZIP_LOCAL_BYTES + entry_name_len(t) + bytes;
        directory += ZIP_CENTRAL_BYTES + entry_name_len(t);
    }
    if (at + directory > ZIP_MAX_BYTES)
        return nnrt_fail(err, "%s: the tensors take more than the 4 GiB a ZIP archive without "
                         "ZIP64 holds", path);
    return 0;
}

static void put_local_header(nnrt_afile *f, const nnrt_param *t, const npz_entry *e)
{
    unsigned char h[ZIP_LOCAL_BYTES], *p = h;
    p = put32(p, 0x04034b50);           /* "PK\3\4" */
    p = put16(p, ZIP_VERSION);          /* needed to extract */
    p = put16(p, 0);                    /* flags */
    p = put16(p, 0);                    /* method: stored */
    p = put16(p, 0);                    /* time: 00:00 */
    p = put16(p, ZIP_DATE);
    p = put32(p, e->crc);
    p = put32(p, e->bytes);             /* compressed size */
    p = put32(p, e->bytes);             /* uncompressed size */
    p = put16(p, (unsigned)entry_name_len(t));
    put16(p, 0);                        /* extra field length */
    nnrt_afile_write(f, h, sizeof h);
    put_name(f, t);
}

static void put_central_header(nnrt_afile *f, const nnrt_param *t, const npz_entry *e)
{
    unsigned char h[ZIP_CENTRAL_BYTES], *p = h;
    p = put32(p, 0x02014b50);           /* "PK\1\2" */
    p = put16(p, ZIP_UNIX << 8 | ZIP_VERSION);   /* made by */
    p = put16(p, ZIP_VERSION);          /* needed to extract */
    p = put16(p, 0);                    /* flags */
    p = put16(p, 0);                    /* method: stored */
    p = put16(p, 0);                    /* time */
    p = put16(p, ZIP_DATE);
    p = put32(p, e->crc);
    p = put32(p, e->bytes);
    p = put32(p, e->bytes);
    p = put16(p, (unsigned)entry_name_len(t));
    p = put16(p, 0);                    /* extra field length */
    p = put16(p, 0);                    /* comment length */
    p = put16(p, 0);                    /* disk number */
    p = put16(p, 0);                    /* internal attributes */
    p = put32(p, ZIP_MODE << 16);       /* external attributes: the Unix mode */
    put32(p, e->offset);                /* of the local header */
    nnrt_afile_write(f, h, sizeof h);
    put_name(f, t);
}

static void put_end(nnrt_afile *f, int n, uint32_t directory_at, uint32_t directory_bytes)
{
    unsigned char h[ZIP_END_BYTES], *p = h;
    p = put32(p, 0x06054b50);           /* "PK\5\6" */
    p = put16(p, 0);                    /* this disk */
    p = put16(p, 0);                    /* the disk where the directory starts */
    p = put16(p, (unsigned)n);          /* entries on this disk */
    p = put16(p, (unsigned)n);          /* entries in all */
    p = put32(p, directory_bytes);
    p = put32(p, directory_at);
    put16(p, 0);                        /* comment length */
    nnrt_afile_write(f, h, sizeof h);
}

/* tensors[0 .. n) to path as an .npz, replaced atomically (fileio.h): an
 * entry NAME.npy per tensor, in their order, float32 in C order, shaped as
 * the tensor.  The same tensors give the same bytes. */
static int npz_save(const char *path, const nnrt_param *tensors, int n, nnrt_error *err)
{
    if (n < 0 || n > ZIP_MAX_ENTRIES)
        return nnrt_fail(err, "%s: %d tensors; a ZIP archive holds 0 to %d", path, n,
                         ZIP_MAX_ENTRIES);
    npz_entry *e = calloc((size_t)n + 1, sizeof *e);
    if (!e)
        return nnrt_fail(err, "%s: out of memory", path);
    nnrt_afile f;
    if (plan_entries(path, tensors, n, e, err) != 0 || nnrt_afile_open(&f, path, err) != 0) {
        free(e);
        return -1;
    }
    uint32_t directory_at = 0;
    for (int k = 0; k < n; k++) {
        unsigned char h[NPY_HEADER_MAX];
        put_local_header(&f, &tensors[k], &e[k]);
        nnrt_afile_write(&f, h, npy_header(&tensors[k], h));
        npy_values(&tensors[k], 0, &f);
        directory_at = e[k].offset + ZIP_LOCAL_BYTES + (uint32_t)entry_name_len(&tensors[k]) +
                       e[k].bytes;
    }
    uint32_t directory_bytes = 0;
    for (int k = 0; k < n; k++) {
        put_central_header(&f, &tensors[k], &e[k]);
        directory_bytes += ZIP_CENTRAL_BYTES + (uint32_t)entry_name_len(&tensors[k]);
    }
    put_end(&f, n, directory_at, directory_bytes);
    free(e);
    return nnrt_afile_commit(&f, err);
}

/* ---- the export-weights command ------------------------------------------ */

int nnrt_export_weights_run(const nnrt_model *m, const char *weights, int weights_default,
                            const char *npz, nnrt_error *err)
{
    if (!npz)
        return nnrt_fail(err, "export-weights needs --npz FILE.npz, the file to write");
    /* the default file is missing when nothing was trained yet: say what to do */
    if (weights_default && access(weights, F_OK) != 0 && errno == ENOENT)
        return nnrt_fail(err, "%s: no weights there yet: train first, or give --weights FILE",
                         weights);
    if (nnrt_weights_load(m, weights, err) != 0 || npz_save(npz, m->params, m->n_params,
                                                                 err) != 0)
        return -1;
    long values = 0;
    for (int p = 0; p < m->n_params; p++)
        values += m->params[p].size;
    printf("%s: wrote %s: %d tensor%s, %ld values, from %s\n", m->name, npz, m->n_params,
           m->n_params == 1 ? "" : "s", values, weights);
    return 0;
}
