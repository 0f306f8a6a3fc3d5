/* fileio.c: how the runtime and nnc write files that matter (weights,
 * checkpoints, curve.csv, the generated C): whole, to a fresh temporary
 * beside the destination, flushed to disk and renamed, so that a crash or
 * a ^C leaves either the old file or the new one, never half of one.  What
 * each kind of destination gets is in fileio.h.  Also mkdir -p for the run
 * folder, and reading a whole file back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist.h"
#include "nnrt_internal.h"

#define TEMP_LETTERS "XXXXXX"   /* what mkstemp replaces */

/* Where path's last component starts: after its last '/'. */
static size_t name_start(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash + 1 - path) : 0;
}

/* What open(path, O_CREAT, 0666) would give a new file: 0666 less the umask. */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* The descriptor N when path is /dev/fd/N or /proc/self/fd/N, else -1. */
static int descriptor_number(const char *path)
{
    static const char *const folders[] = { "/dev/fd/", "/proc/self/fd/" };
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        size_t len = strlen(folders[i]);
        const char *digits = path + len;
        if (strncmp(path, folders[i], len) != 0 || !*digits || strlen(digits) > 6 ||
            strspn(digits, "0123456789") != strlen(digits))
            continue;
        return atoi(digits);
    }
    return -1;
}

/* The descriptor of this process that path names, through any symbolic
 * links (/dev/stdout -> /proc/self/fd/1), or -1.  Such a destination is
 * what the shell opened for us (`-o /dev/stdout >out.c`): written through
 * as it is, whatever it is, and never replaced, for replacing would turn
 * /dev/stdout itself into a regular file. */
static int named_descriptor(const char *path)
{
    char at[NNRT_PATH_MAX], target[NNRT_PATH_MAX];
    snprintf(at, sizeof at, "%s", path);
    for (int hops = 0; hops < 8; hops++) {
        int fd = descriptor_number(at);
        if (fd >= 0)
            return fd;
        ssize_t n = readlink(at, target, sizeof target - 1);
        if (n < 0)
            return -1;
        target[n] = '\0';
        size_t start = target[0] == '/' ? 0 : name_start(at);
        char next[NNRT_PATH_MAX];
        if ((size_t)snprintf(next, sizeof next, "%.*s%s", (int)start, at, target) >= sizeof next)
            return -1;
        memcpy(at, next, sizeof at);
    }
    return -1;
}

/* PATH is a device, a FIFO or a socket: opened for writing as it is, never
 * created, truncated or replaced.  Returns 1 when PATH turned out to be a
 * regular file after all (it changed since it was looked at): the caller
 * replaces it instead. */
static int open_in_place(nnrt_afile *f, nnrt_error *err)
{
    f->fd = open(f->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (f->fd < 0)
        return nnrt_fail(err, "%s: cannot open: %s", f->path, strerror(errno));
    struct stat st;
    if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        close(f->fd);
        f->fd = -1;
        return 1;
    }
    f->in_place = 1;
    return 0;
}

/* DIR/.NAME.XXXXXX beside DIR/NAME, made by mkstemp: O_CREAT | O_EXCL, so
 * whatever sits at a name it tries (a symbolic link someone planted) is
 * never opened; it tries another name. */
static int open_temporary(nnrt_afile *f, mode_t mode, nnrt_error *err)
{
    size_t start = name_start(f->path);
    if (!f->path[start])
        return nnrt_fail(err, "%s: names a folder, not a file", f->path);
    if ((size_t)snprintf(f->tmp, sizeof f->tmp, "%.*s.%s." TEMP_LETTERS, (int)start, f->path,
                         f->path + start) >= sizeof f->tmp)
        return nnrt_fail(err, "%s: path too long", f->path);
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        int e = errno;
        f->tmp[0] = '\0';
        return nnrt_fail(err, "%s: cannot create: %s", f->path, strerror(e));
    }
    fchmod(f->fd, mode);   /* mkstemp's 0600 is safe; this is only courtesy */
    return 0;
}

/* Under MPI only rank 0 writes files (docs/parallel.md): the others
 * compute the same bytes, which go to /dev/null, so every write and its
 * errors stay on rank 0's host. */
static int open_discard(nnrt_afile *f, nnrt_error *err)
{
    f->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (f->fd < 0)
        return nnrt_fail(err, "/dev/null: cannot write: %s", strerror(errno));
    f->in_place = 1;
    return 0;
}

int nnrt_afile_open(nnrt_afile *f, const char *path, nnrt_error *err)
{
    f->fd = -1;
    f->used = 0;
    f->write_errno = 0;
    f->in_place = 0;
    f->tmp[0] = '\0';
    if ((size_t)snprintf(f->path, sizeof f->path, "%s", path) >= sizeof f->path)
        return nnrt_fail(err, "%s: path too long", path);
    if (nnrt_dist_rank() > 0)
        return open_discard(f, err);
    int fd = named_descriptor(path);
    if (fd >= 0) {
        f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (f->fd < 0)
            return nnrt_fail(err, "%s: cannot write: %s", path, strerror(errno));
        f->in_place = 1;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0) {             /* what the name leads to, through links */
        if (S_ISDIR(st.st_mode))
            return nnrt_fail(err, "%s: is a folder, not a file", path);
        if (!S_ISREG(st.st_mode)) {
            int rc = open_in_place(f, err);
            if (rc <= 0)
                return rc;
        }
    }
    /* a regular file keeps its mode; a symbolic link is replaced, not followed */
    int regular = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
    return open_temporary(f, regular ? st.st_mode & 0777 : new_file_mode(), err);
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
        if (!f->in_place)
            unlink(f->tmp);
    }
    f->fd = -1;
}

/* The rename is only durable once the folder holding the name is synced. */
static void sync_parent(const char *path)
{
    char dir[NNRT_PATH_MAX];
    size_t start = name_start(path);
    if (start == 0)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(start > 1 ? start - 1 : 1), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);   /* best effort: some file systems refuse, the data is safe anyway */
        close(fd);
    }
}

int nnrt_afile_commit(nnrt_afile *f, nnrt_error *err)
{
    flush_buffer(f);
    /* a device or a pipe has nothing to sync (and fsync may refuse it) */
    if (!f->write_errno && !f->in_place && fsync(f->fd) != 0)
        f->write_errno = errno;
    int fd = f->fd;
    f->fd = -1;
    if (close(fd) != 0 && !f->write_errno)
        f->write_errno = errno;
    if (f->write_errno) {
        if (!f->in_place)
            unlink(f->tmp);
        return nnrt_fail(err, "%s: cannot write: %s", f->path, strerror(f->write_errno));
    }
    if (f->in_place)
        return 0;
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        unlink(f->tmp);
        return nnrt_fail(err, "%s: cannot rename %s over it: %s", f->path, f->tmp, strerror(e));
    }
    sync_parent(f->path);
    return 0;
}

int nnrt_afile_save(const char *path, const void *bytes, size_t len, nnrt_error *err)
{
    nnrt_afile f;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_afile_write(&f, bytes, len);
    return nnrt_afile_commit(&f, err);
}

int nnrt_afile_is_temp(const char *entry, const char *name)
{
    size_t n = strlen(name), letters = strlen(TEMP_LETTERS);
    if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 || entry[1 + n] != '.')
        return 0;
    const char *tail = entry + n + 2;
    if (strlen(tail) != letters)
        return 0;
    for (; *tail; tail++)   /* mkstemp draws from [A-Za-z0-9] */
        if (!(*tail >= 'a' && *tail <= 'z') && !(*tail >= 'A' && *tail <= 'Z') &&
            !(*tail >= '0' && *tail <= '9'))
            return 0;
    return 1;
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
            if (stat(buf, &st) != 0) {
                nnrt_fail(err, "%s: cannot create folder: %s", buf, strerror(e));
                errno = e;   /* mkdir's, for the caller's advice */
                return -1;
            }
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

int nnrt_read_text(const char *path, char **text, size_t *len, const char *missing,
                   nnrt_error *err)
{
    unsigned char *bytes;
    if (nnrt_read_file(path, &bytes, len, missing, err) != 0)
        return -1;
    *text = realloc(bytes, *len + 1);
    if (!*text) {
        free(bytes);
        return nnrt_fail(err, "%s: out of memory", path);
    }
    (*text)[*len] = '\0';
    return 0;
}
