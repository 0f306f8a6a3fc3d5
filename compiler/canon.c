/* canon.c: a model's meaning as text, and the hash of that text.
 *
 * Two .nn files mean the same model when their checked statements are the
 * same once every `let` (and -D) is put in place.  The canonical text
 * prints each statement in one normal form, so comments, blank lines,
 * indentation, CRLF line ends and the spelling of numbers drop out:
 *
 *   - one statement a line, a block's statements indented two spaces,
 *     `{` ending the line that opens it and `}` alone on a line;
 *   - `let` statements left out: each use of a let is printed as its value;
 *   - positional arguments in order, then key=value arguments sorted by key
 *     (the checker reads them by key, so their order means nothing);
 *   - a number as the shortest decimal that reads back as the same double:
 *     0.001, 1e-3 and 0.0010 are all 0.001; an integral value below 1e15
 *     has no exponent (1000000, not 1e+06); 1/255 is 0.00392156862745098;
 *     a percentage keeps its %, since 10% and 0.1 are spelt for different
 *     statements;
 *   - a string in double quotes, as written (a .nn string has no escapes);
 *     a word as written; a size (28x28) without leading zeros.
 *
 * The model hash is the SHA-256 of that text, in hex.  The generated C
 * prints it, and a checkpoint records it, so `train --resume` can tell a
 * trainer of another model from a rebuild of the same one. */
#include <math.h>
#include <sha2.h>
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

static int let_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const Let *)elem)->name);
}

/* A word naming a let of m stands for the let's value. */
static const Arg *canon_value(const Arg *a, const Model *m)
{
    if (a->kind != ARG_WORD || !m || !m->n_lets)
        return a;
    const Let *let = bsearch(a->text, m->lets, (size_t)m->n_lets, sizeof *let, let_cmp);
    return let ? let->value : a;
}

void canon_number(FILE *out, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(out, "%.0f", v == 0 ? 0.0 : v);   /* -0 prints as 0 */
        return;
    }
    char num[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(num, sizeof num, "%.*g", digits, v);
        if (strtod(num, NULL) == v)
            break;
    }
    fputs(num, out);
}

/* A .nn string has no escapes and holds no '"' and no line break, so it
 * prints as written; a comment quoting it escapes it (emit_escape.c). */
static void canon_string(FILE *out, const char *s)
{
    fprintf(out, "\"%s\"", s);
}

/* "28x28" as numbers, so "028x28" is "28x28" too (the checker reads the
 * text; the parser leaves dims to it) */
static void canon_dims(FILE *out, const char *text)
{
    const char *p = text;
    for (;;) {
        while (*p == '0' && p[1] >= '0' && p[1] <= '9')
            p++;
        size_t n = strspn(p, "0123456789");
        fwrite(p, 1, n, out);
        p += n;
        if (*p != 'x')
            break;
        fputc(*p++, out);
    }
}

void canon_arg(FILE *out, const Arg *arg, const Model *m)
{
    const Arg *a = canon_value(arg, m);
    if (arg->key)
        fprintf(out, "%s=", arg->key);
    switch (a->kind) {
    case ARG_NUMBER:
        canon_number(out, a->num);
        break;
    case ARG_PERCENT:
        canon_number(out, a->num);
        fputc('%', out);
        break;
    case ARG_STRING:
        canon_string(out, a->text);
        break;
    case ARG_WORD:
        fputs(a->text, out);
        break;
    case ARG_DIMS:
        canon_dims(out, a->text);
        break;
    }
}

static int by_key(const void *x, const void *y)
{
    return strcmp((*(const Arg *const *)x)->key, (*(const Arg *const *)y)->key);
}

void canon_stmt(FILE *out, const Stmt *s, const Model *m)
{
    fputs(s->word, out);
    int n_keyed = 0;
    for (const Arg *a = s->args; a; a = a->next) {
        if (a->key) {
            n_keyed++;
            continue;
        }
        fputc(' ', out);
        canon_arg(out, a, m);
    }
    if (n_keyed) {
        const Arg **keyed = malloc((size_t)n_keyed * sizeof *keyed);
        if (!keyed) {
            fputs("nnc: out of memory\n", stderr);
            abort();   /* as the arena does */
        }
        int k = 0;
        for (const Arg *a = s->args; a; a = a->next)
            if (a->key)
                keyed[k++] = a;
        qsort(keyed, (size_t)n_keyed, sizeof *keyed, by_key);
        for (k = 0; k < n_keyed; k++) {
            fputc(' ', out);
            canon_arg(out, keyed[k], m);
        }
        free(keyed);
    }
}

static void canon_block(FILE *out, const Stmt *s, const Model *m, int depth)
{
    for (; s; s = s->next) {
        if (strcmp(s->word, "let") == 0)
            continue;
        fprintf(out, "%*s", 2 * depth, "");
        canon_stmt(out, s, m);
        if (s->has_block) {
            fputs(" {\n", out);
            canon_block(out, s->body, m, depth + 1);
            fprintf(out, "%*s}", 2 * depth, "");
        }
        fputc('\n', out);
    }
}

void canon_model(FILE *out, const Model *m)
{
    canon_block(out, m->stmts, m, 0);
}

void canon_hash(const Model *m, char hex[65])
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = text_stream(&text, &len);
    canon_model(f, m);
    fclose(f);
    SHA256Data((const uint8_t *)text, len, hex);
    free(text);
}
