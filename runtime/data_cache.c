/* data_cache.c: gzip data files kept decoded on disk, so that a trainer
 * decodes each one once, not at every start.
 *
 * Decoding Fashion-MNIST's 26 MB of training images takes libdeflate
 * 85-95 ms on make bench's machine, against 8-15 ms to read the 47 MB
 * decoded from the page cache and 3 ms to check them: most of a trainer's
 * start-up, against fashion_mlp epochs of 0.2-0.4 s.
 *
 * An entry is named by the gzip file's own CRC-32 and length, so a changed
 * file (however little: a flipped byte changes its CRC) never finds the
 * entry of the old one, and two copies of a file share one.  Its contents
 * are the decoded bytes, nothing else; they are taken only when their
 * length and CRC-32 are those the gzip file's trailer gives for its
 * decoded data, the check gzip itself makes after decoding.  So an entry
 * cut short or damaged is never used: the file is decoded again and the
 * entry replaced.  Entries are written to a temporary beside them and
 * renamed, never flushed to the disk: one a crash leaves half written
 * fails the check.  Nothing here is ever an error: a cache that cannot be
 * read or written is a cache not used.
 *
 * Where: $NNC_CACHE/data when NNC_CACHE is set (empty: no cache), else
 * $XDG_CACHE_HOME/nnc/data, else ~/.cache/nnc/data.  Any entry may be
 * deleted at any time; nothing prunes them.
 */
#define _DEFAULT_SOURCE   /* mkstemp's and pread's declarations */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

#include "fileio.h"
#include "nnrt_internal.h"

/* Below this a file decodes in well under a millisecond: no entry. */
#define CACHE_MIN_BYTES ((size_t)1 << 20)

/* The folder of entries into out; 0 when there is none to use. */
static int cache_dir(char *out, size_t len)
{
    const char *nnc = getenv("NNC_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (nnc)
        n = nnc[0] ? snprintf(out, len, "%s/data", nnc) : -1;
    else if (xdg && xdg[0] == '/')   /* the XDG rule: a relative one is ignored */
        n = snprintf(out, len, "%s/nnc/data", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, len, "%s/.cache/nnc/data", home);
    else
        n = -1;
    return n > 0 && (size_t)n < len;
}

/* The entry's path for gzip bytes gz[0..gz_len); 0 when there is none. */
static int entry_path(const uint8_t *gz, size_t gz_len, char *out, size_t len)
{
    char dir[NNRT_PATH_MAX];
    if (!cache_dir(dir, sizeof dir))
        return 0;
    unsigned crc = (unsigned)libdeflate_crc32(0, gz, gz_len);
    int n = snprintf(out, len, "%s/%08x-%zu", dir, crc, gz_len);
    return n > 0 && (size_t)n < len;
}

/* The gzip trailer's CRC-32 of the decoded data (its last 8 bytes: CRC-32,
 * then the length mod 2^32, both little-endian). */
static uint32_t trailer_crc(const uint8_t *gz, size_t gz_len)
{
    const uint8_t *t = gz + gz_len - 8;
    return (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
}

uint8_t *nnrt_cache_get(const uint8_t *gz, size_t gz_len, size_t len)
{
    char path[NNRT_PATH_MAX];
    if (len < CACHE_MIN_BYTES || gz_len < 18 || !entry_path(gz, gz_len, path, sizeof path))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len)
        data = nnrt_big_read(fd, len);
    close(fd);
    if (data && libdeflate_crc32(0, data, len) != trailer_crc(gz, gz_len)) {
        free(data);
        data = NULL;
    }
    return data;
}

void nnrt_cache_put(const uint8_t *gz, size_t gz_len, const uint8_t *data, size_t len)
{
    char path[NNRT_PATH_MAX], tmp[NNRT_PATH_MAX + 16], dir[NNRT_PATH_MAX];
    nnrt_error ignored;
    if (len < CACHE_MIN_BYTES || gz_len < 18 || !entry_path(gz, gz_len, path, sizeof path) ||
        !cache_dir(dir, sizeof dir) || nnrt_mkdirs(dir, &ignored) != 0)
        return;
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, data + done, len - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    /* mkstemp's mode, 0600, stays: the data is the user's */
    int ok = close(fd) == 0 && done == len;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}
