/* diag.c: diagnostics in the form compilers share,
 *
 *   mlp.nn:12:5: error: unknown layer 'dens'
 *      12 |     dens 128 relu
 *         |     ^~~~
 *         = did you mean 'dense'?
 *
 * so editors can jump to them and a person sees the spot without opening
 * the file. */
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

void diag_init(Diag *d, const Source *src, FILE *out)
{
    d->src = src;
    d->out = out;
    d->n_errors = 0;
    d->n_warnings = 0;
}

static void show_line(Diag *d, Loc loc)
{
    int len;
    const char *line = source_line(d->src, loc.first_line, &len);
    fprintf(d->out, "%5d | %.*s\n", loc.first_line, len, line);
    fprintf(d->out, "      | ");
    /* Keep tabs as tabs so the caret lines up under the same text. */
    int col = loc.first_column < 1 ? 1 : loc.first_column;
    for (int i = 0; i < col - 1 && i < len; i++)
        fputc(line[i] == '\t' ? '\t' : ' ', d->out);
    int last = loc.last_line == loc.first_line ? loc.last_column : len;
    if (last < col)
        last = col;
    fputc('^', d->out);
    for (int c = col + 1; c <= last; c++)
        fputc('~', d->out);
    fputc('\n', d->out);
}

static void report(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
    fprintf(d->out, "%s:%d:%d: %s: ", d->src->name, loc.first_line, loc.first_column, kind);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    if (loc.first_line >= 1)
        show_line(d, loc);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
    d->n_errors++;
}

void diag_error_file(Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(d->out, "%s: error: ", d->src->name);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    va_end(ap);
    d->n_errors++;
}

void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "warning", fmt, ap);
    va_end(ap);
    d->n_warnings++;
}

void diag_note(Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(d->out, "      = ");
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    va_end(ap);
}

/* Levenshtein distance with one row of memory; words here are short. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1000;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_closest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = 1000;
    for (int i = 0; i < n; i++) {
        int dist = edit_distance(word, candidates[i]);
        if (dist < best_d) {
            best_d = dist;
            best = candidates[i];
        }
    }
    /* Close means at most a third of the word wrong (and at least one edit
     * allowed), so 'dens' finds 'dense' but 'foo' finds nothing. */
    int allowed = (int)strlen(word) / 3;
    if (allowed < 1)
        allowed = 1;
    return best_d <= allowed ? best : NULL;
}
