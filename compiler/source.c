/* source.c: a .nn file read into memory, with its hash for the header of
 * the generated C. */
#include <errno.h>
#include <sha2.h>
#include <string.h>

#include "nnc.h"

static void source_hash(Source *src)
{
    SHA256Data((const uint8_t *)src->text, src->len, src->sha256);
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
    source_hash(out);
    return 0;
}

void source_from_string(Arena *a, const char *name, const char *text, Source *out)
{
    out->name = name;
    out->len = strlen(text);
    out->text = arena_strndup(a, text, out->len);
    source_hash(out);
}

const char *source_line(const Source *src, int line, int *len)
{
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            p = end;
            break;
        }
        p = nl + 1;
    }
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *len = (int)(e - p);
    return p;
}
