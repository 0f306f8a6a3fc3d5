/* source.c: a .nn file read into memory, with its hash for the header of
 * the generated C; and the files nnc has read, so that an output naming
 * one of them is refused rather than written over it. */
#include <errno.h>
#include <sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The hash, and where each line starts, so quoting a line for a
 * diagnostic or a comment costs the same on line 1 and line 100000. */
static void source_index(Arena *a, Source *src)
{
    SHA256Data((const uint8_t *)src->text, src->len, src->sha256);
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

int source_read(Arena *a, const char *path, Source *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "nnc: error: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0)   /* the file opened, whatever its path's spelling */
        inputs_add(&st);
    size_t cap = 4096, len = 0;
    char *buf = NULL;
    for (;;) {
        char *bigger = arena_alloc(a, cap + 1);
        if (buf)
            memcpy(bigger, buf, len);
        buf = bigger;
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "nnc: error: cannot read '%s'\n", path);
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
