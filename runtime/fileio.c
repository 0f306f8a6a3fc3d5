/* fileio.c: how the runtime writes files that matter (weights, curve.csv):
 * whole, to PATH.tmp first, flushed to disk and renamed, so that a crash or
 * a ^C leaves either the old file or the new one, never half of one.  Also
 * mkdir -p for the run folder, and reading a whole file back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnrt_internal.h"

int nnrt_afile_open(nnrt_afile *f, const char *path, nnrt_error *err)
{
    f->fd = -1;
    f->used = 0;
    f->write_errno = 0;
    if ((size_t)snprintf(f->path, sizeof f->path, "%s", path) >= sizeof f->path ||
        (size_t)snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path) >= sizeof f->tmp)
        return nnrt_fail(err, "%s: path too long", path);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (f->fd < 0)
        return nnrt_fail(err, "%s: cannot create: %s", f->tmp, strerror(errno));
    return 0;
}

static void flush_buffer(nnrt_afile *f)
{
    size_t done = 0;
    while (done < f->used && !f->write_errno) {
        ssize_t w = write(f->fd, f->buf + done, f->used - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            f->write_errno = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    f->used = 0;
}

void nnrt_afile_write(nnrt_afile *f, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    while (n > 0 && !f->write_errno) {
        size_t room = sizeof f->buf - f->used, k = n < room ? n : room;
        memcpy(f->buf + f->used, p, k);
        f->used += k;
        p += k;
        n -= k;
        if (f->used == sizeof f->buf)
            flush_buffer(f);
    }
}

void nnrt_afile_abort(nnrt_afile *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        unlink(f->tmp);
    }
    f->fd = -1;
}

/* The rename is only durable once the folder holding the name is synced. */
static void sync_parent(const char *path)
{
    char dir[NNRT_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);   /* best effort: some file systems refuse, the data is safe anyway */
        close(fd);
    }
}

int nnrt_afile_commit(nnrt_afile *f, nnrt_error *err)
{
    flush_buffer(f);
    if (!f->write_errno && fsync(f->fd) != 0)
        f->write_errno = errno;
    int fd = f->fd;
    f->fd = -1;
    if (close(fd) != 0 && !f->write_errno)
        f->write_errno = errno;
    if (f->write_errno) {
        unlink(f->tmp);
        return nnrt_fail(err, "%s: cannot write: %s", f->tmp, strerror(f->write_errno));
    }
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        unlink(f->tmp);
        return nnrt_fail(err, "%s: cannot rename to %s: %s", f->tmp, f->path, strerror(e));
    }
    sync_parent(f->path);
    return 0;
}

int nnrt_mkdirs(const char *path, nnrt_error *err)
{
    char buf[NNRT_PATH_MAX];
    if (!path[0])
        return nnrt_fail(err, "empty folder name");
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return nnrt_fail(err, "%s: path too long", path);
    /* each prefix ending before a '/', then the whole path */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0) {
            /* an existing folder is fine, whatever mkdir said about it */
            int e = errno;
            struct stat st;
            if (stat(buf, &st) != 0)
                return nnrt_fail(err, "%s: cannot create folder: %s", buf, strerror(e));
            if (!S_ISDIR(st.st_mode))
                return nnrt_fail(err, "%s: exists and is not a folder", buf);
        }
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

int nnrt_read_file(const char *path, unsigned char **bytes, size_t *len, const char *missing,
                   nnrt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && missing)
            return nnrt_fail(err, "%s: %s", path, missing);
        return nnrt_fail(err, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return nnrt_fail(err, "%s: not a regular file", path);
    }
    *len = (size_t)st.st_size;
    *bytes = malloc(*len ? *len : 1);
    if (!*bytes) {
        fclose(f);
        return nnrt_fail(err, "%s: out of memory reading %zu bytes", path, *len);
    }
    size_t got = fread(*bytes, 1, *len, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != *len) {
        free(*bytes);
        return nnrt_fail(err, "%s: cannot read: %s", path,
                         failed ? strerror(errno) : "the file changed size");
    }
    return 0;
}
