/* source.c: a .nn file read into memory; the files nnc has read, so that
 * an output naming one of them is refused rather than written over it; and
 * the paths a .nn file and the generated C give, relative to themselves. */
#define _XOPEN_SOURCE 700       /* realpath is XSI */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnc.h"

/* ---- the files read: by device and inode, as the file system knows them,
 * so every spelling of a path (./a.nn, a symbolic link, a hard link) is the
 * same file.  Kept for the life of the process (a few entries; nnc reads
 * each .nn file once per init= that names it, and a file is noted once). */

typedef struct FileId {
    dev_t dev;
    ino_t ino;
} FileId;

static FileId *inputs;
static size_t n_inputs, cap_inputs;

static int inputs_hold(const struct stat *st)
{
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino)
            return 1;
    return 0;
}

static void inputs_add(const struct stat *st)
{
    if (inputs_hold(st))
        return;
    if (n_inputs == cap_inputs) {
        size_t cap = cap_inputs ? 2 * cap_inputs : 8;
        FileId *bigger = realloc(inputs, cap * sizeof *bigger);
        if (!bigger) {
            fputs("nnc: out of memory\n", stderr);
            abort();   /* as the arena does */
        }
        inputs = bigger;
        cap_inputs = cap;
    }
    inputs[n_inputs++] = (FileId){ st->st_dev, st->st_ino };
}

void inputs_note(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        inputs_add(&st);
}

int inputs_contain(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && inputs_hold(&st);
}

/* ---- reading a source ---------------------------------------------------- */

/* Where each line starts, so quoting a line for a
 * diagnostic or a comment costs the same on line 1 and line 100000. */
static void source_index(Arena *a, Source *src)
{
    size_t n = 1;
    for (size_t i = 0; i < src->len; i++)
        n += src->text[i] == '\n';
    size_t *starts = arena_alloc(a, n * sizeof *starts);
    starts[0] = 0;
    for (size_t i = 0, l = 1; i < src->len; i++)
        if (src->text[i] == '\n')
            starts[l++] = i + 1;
    src->line_starts = starts;
    src->n_lines = n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a folder" : S_ISCHR(mode) ? "a character device"
         : S_ISBLK(mode) ? "a block device" : S_ISFIFO(mode) ? "a pipe (FIFO)"
         : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

static int too_big(const char *path)
{
    fprintf(stderr, "nnc: error: '%s' is larger than %d MiB, the most a .nn file may hold "
                    "(is it the right file?)\n", path, SOURCE_MAX_BYTES >> 20);
    return -1;
}

/* Opened without blocking, so a FIFO with no writer is refused at once
 * rather than waited on; only a regular file of at most SOURCE_MAX_BYTES
 * is read (/dev/zero would never end). */
static FILE *open_source(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "nnc: error: cannot open '%s': %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > SOURCE_MAX_BYTES) {
        if (!S_ISREG(st.st_mode))
            fprintf(stderr, "nnc: error: '%s' is %s; a .nn source must be a regular file\n", path,
                    file_kind(st.st_mode));
        else
            too_big(path);
        close(fd);
        return NULL;
    }
    *size = (size_t)st.st_size;
    inputs_add(&st);   /* the file opened, whatever its path's spelling */
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        fprintf(stderr, "nnc: error: cannot open '%s': %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

int source_read(Arena *a, const char *path, Source *out)
{
    size_t size;
    FILE *f = open_source(path, &size);
    if (!f)
        return -1;
    /* one byte more than fstat said: a file that grew meanwhile is seen */
    char *buf = arena_alloc(a, size + 2);
    size_t len = fread(buf, 1, size + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || len != size) {
        fprintf(stderr, "nnc: error: cannot read '%s': %s\n", path,
                failed ? strerror(errno) : "it changed size while nnc read it");
        return -1;
    }
    buf[len] = '\0';
    out->name = path;
    out->text = buf;
    out->len = len;
    source_index(a, out);
    return 0;
}

void source_from_bytes(Arena *a, const char *name, const char *bytes, size_t len, Source *out)
{
    out->name = name;
    out->len = len;
    out->text = arena_strndup(a, bytes, len);
    source_index(a, out);
}

void source_from_string(Arena *a, const char *name, const char *text, Source *out)
{
    source_from_bytes(a, name, text, strlen(text), out);
}

const char *source_line(const Source *src, int line, int *len)
{
    const char *end = src->text + src->len;
    const char *p = line >= 1 && line <= src->n_lines ? src->text + src->line_starts[line - 1] : end;
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *len = (int)(e - p);
    return p;
}

/* ---- paths as the generated C names them --------------------------------- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* The folder part of path, "." for a bare name: "examples/a.nn" -> "examples" */
static char *folder_of(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return arena_strndup(a, ".", 1);
    return arena_strndup(a, path, slash == path ? 1 : (size_t)(slash - path));
}

/* to (absolute, resolved) as seen from the folder from (the same):
 * "/w/examples/a.nn" from "/w/examples" is "a.nn", from "/w/build" "../examples/a.nn" */
static const char *relative_to(Arena *a, const char *to, const char *from)
{
    size_t common = 0;   /* the length of the shared leading folders */
    for (size_t i = 0; to[i] && to[i] == from[i]; i++)
        if (to[i] == '/')
            common = i;
    size_t flen = strlen(from);
    if (strncmp(to, from, flen) == 0 && (to[flen] == '/' || flen == 1))
        return arena_strndup(a, to + flen + (flen > 1), strlen(to + flen + (flen > 1)));
    int ups = 1;
    for (const char *p = from + common + 1; *p; p++)
        ups += *p == '/';
    size_t len = (size_t)ups * 3 + strlen(to + common + 1);
    char *out = arena_alloc(a, len + 1);
    for (int i = 0; i < ups; i++)
        memcpy(out + 3 * i, "../", 3);
    strcpy(out + 3 * ups, to + common + 1);
    return out;
}

const char *source_shown_path(Arena *a, const char *input, const char *output)
{
    if (!output)
        return input[0] == '/' ? base_name(input) : input;
    char *in_real = realpath(input, NULL);
    char *dir_real = realpath(folder_of(a, output), NULL);
    const char *shown = in_real && dir_real ? relative_to(a, in_real, dir_real) : base_name(input);
    free(in_real);
    free(dir_real);
    return shown;
}

const char *source_beside(Arena *a, const char *naming, const char *path)
{
    if (path[0] == '/' || !strchr(naming, '/'))
        return path;
    return arena_printf(a, "%s/%s", folder_of(a, naming), path);
}
