/* source.c: a .nn file read into memory, with its hash for the header of
 * the generated C. */
#include <errno.h>
#include <sha2.h>
#include <string.h>

#include "nnc.h"

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
