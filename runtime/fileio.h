/* fileio.h: how the runtime, and nnc, replace files (fileio.c): a file is
 * written whole to a fresh temporary beside it, flushed and renamed over
 * its name, so a crash or a ^C leaves the old file or the new one, never
 * half of one.  Internal; not installed.
 *
 * What a destination PATH can be (docs/trainer.md says the same):
 *   - missing, or a regular file: replaced as above; the temporary is
 *     DIR/.NAME.XXXXXX, made by mkstemp (O_EXCL: it never opens what
 *     someone planted at that name); a replaced file keeps its mode.
 *   - a device, a FIFO or a socket (/dev/null, /dev/stdout...), directly
 *     or through symbolic links: written in place, never replaced, so a
 *     device node stays one.
 *   - a folder: refused.
 *   - a symbolic link to a regular file (or to nothing): the link itself
 *     is replaced by the new file; the file it pointed to is not touched.
 *
 * Ownership: an nnrt_afile is the caller's (on the stack: it is never
 * malloc'ed, weights are saved from inside the epoch loop). */
#ifndef NNRT_FILEIO_H
#define NNRT_FILEIO_H

#include <stddef.h>

#include "nnrt_error.h"

#define NNRT_PATH_MAX 4096

/* A file being replaced: bytes go through a fixed buffer to the temporary
 * (or to PATH itself when written in place); commit fsyncs, renames over
 * PATH and fsyncs the folder.  Until commit succeeds, PATH keeps its old
 * contents. */
typedef struct nnrt_afile {
    int fd;
    int write_errno;            /* first write error, 0 if none */
    int in_place;               /* PATH is a device or a FIFO, written directly */
    size_t used;
    char path[NNRT_PATH_MAX];
    char tmp[NNRT_PATH_MAX];    /* the temporary; "" when in_place */
    unsigned char buf[1 << 16];
} nnrt_afile;

int nnrt_afile_open(nnrt_afile *f, const char *path, nnrt_error *err);
void nnrt_afile_write(nnrt_afile *f, const void *bytes, size_t n);
/* Closes f either way; on failure the temporary is removed. */
int nnrt_afile_commit(nnrt_afile *f, nnrt_error *err);
void nnrt_afile_abort(nnrt_afile *f);

/* len bytes as the whole new contents of path: open, write, commit. */
int nnrt_afile_save(const char *path, const void *bytes, size_t len, nnrt_error *err);

/* Whether the folder entry `entry` is a temporary nnrt_afile_open makes
 * for a file named `name` in that folder (".NAME." and six letters or
 * digits), as a run killed before its commit leaves behind. */
int nnrt_afile_is_temp(const char *entry, const char *name);

/* mkdir -p: path and its missing parents, mode 0777 before the umask. */
int nnrt_mkdirs(const char *path, nnrt_error *err);

/* A whole regular file into *bytes (malloc'ed; the caller frees it) and
 * *len.  When the file does not exist the error is "PATH: " + missing, if
 * missing is given. */
int nnrt_read_file(const char *path, unsigned char **bytes, size_t *len, const char *missing,
                   nnrt_error *err);
/* The same for a text file: *text (malloc'ed; the caller frees it) has a
 * '\0' after its *len bytes, so a parser may stop at it. */
int nnrt_read_text(const char *path, char **text, size_t *len, const char *missing,
                   nnrt_error *err);

#endif
