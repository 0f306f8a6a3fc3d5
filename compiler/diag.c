/* diag.c: diagnostics in the form compilers share,
 *
 *   mlp.nn:12:5: error: unknown layer 'dens'
 *      12 |     dens 128 relu
 *         |     ^~~~
 *         = did you mean 'dense'?
 *
 * so editors can jump to them and a person sees the spot without opening
 * the file. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nnc.h"
#include "suggest.h"

void diag_init(Diag *d, const Source *src, FILE *out)
{
    d->src = src;
    d->out = out;
    d->n_errors = 0;
    d->n_warnings = 0;
}

/* A hostile file must not make nnc print without end: after this many
 * diagnostics the rest are counted but not shown, and a quoted line is cut
 * to a window around the caret. */
enum { MAX_SHOWN = 50, MAX_QUOTE = 160, QUOTE_BEFORE = 60 };

static int shown(const Diag *d)
{
    return d->n_errors + d->n_warnings < MAX_SHOWN;
}

/* Tabs stay tabs so the caret lines up; other control bytes (a NUL would
 * end the line early) print as '?'. */
static void put_quoted(FILE *out, char c)
{
    unsigned char u = (unsigned char)c;
    fputc(u == '\t' || (u >= 0x20 && u != 0x7f) ? u : '?', out);
}

static void show_line(Diag *d, Loc loc)
{
    int len;
    const char *line = source_line(d->src, loc.first_line, &len);
    int col = loc.first_column < 1 ? 1 : loc.first_column;
    int last = loc.last_line == loc.first_line ? loc.last_column : len;
    if (last < col)
        last = col;
    /* [start, end) of the line is shown, "..." marking what is cut */
    int start = 0, end = len;
    if (len > MAX_QUOTE) {
        start = col - 1 - QUOTE_BEFORE;
        if (start > len - MAX_QUOTE)
            start = len - MAX_QUOTE;
        if (start < 0)
            start = 0;
        end = start + MAX_QUOTE;
    }
    fprintf(d->out, "%5d | %s", loc.first_line, start > 0 ? "..." : "");
    for (int i = start; i < end; i++)
        put_quoted(d->out, line[i]);
    fprintf(d->out, "%s\n      | %s", end < len ? "..." : "", start > 0 ? "   " : "");
    for (int i = start; i < col - 1 && i < end; i++)
        fputc(line[i] == '\t' ? '\t' : ' ', d->out);
    if (last > end)
        last = end > col ? end : col;
    fputc('^', d->out);
    for (int c = col + 1; c <= last; c++)
        fputc('~', d->out);
    fputc('\n', d->out);
}

static void report(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
    if (!shown(d)) {
        if (d->n_errors + d->n_warnings == MAX_SHOWN)
            fprintf(d->out, "%s: more than %d errors and warnings; the rest are not shown\n",
                    d->src->name, MAX_SHOWN);
        return;
    }
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
    /* the note belongs to the diagnostic just counted */
    if (d->n_errors + d->n_warnings > MAX_SHOWN)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(d->out, "      = ");
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    va_end(ap);
}

/* Keras's and PyTorch's spellings, and what nnc calls the same thing:
 * suggested whenever the nnc word is among the candidates */
static const struct {
    const char *theirs, *ours;
} ALIASES[] = {
    { "learning_rate", "lr" },
    { "beta_1", "beta1" },
    { "beta_2", "beta2" },
    { "categorical_crossentropy", "cross_entropy" },
    { "sparse_categorical_crossentropy", "cross_entropy" },
    { "crossentropy", "cross_entropy" },
    { "binary_crossentropy", "binary_cross_entropy" },
    { "mean_squared_error", "mse" },
    { "mean_absolute_error", "mae" },
    { "kullback_leibler_divergence", "kl_divergence" },
    { "kld", "kl_divergence" },
    { "maxpooling2d", "maxpool" },
    { "maxpool2d", "maxpool" },
    { "averagepooling2d", "avgpool" },
    { "avgpool2d", "avgpool" },
    { "globalaveragepooling2d", "globalavgpool" },
    { "batchnormalization", "batchnorm" },
    { "batchnorm2d", "batchnorm" },
    { "linear", "dense" },
    { "simplernn", "rnn" },
    { "upsampling2d", "upsample" },
    { "conv2dtranspose", "conv2d_transpose" },
    { "convtranspose2d", "conv2d_transpose" },
    { "return_sequences", "sequences" },
    { "kernel_initializer", "init" },
    { "recurrent_initializer", "recurrent_init" },
    { "strides", "stride" },
    { "silu", "swish" },
    { "leakyrelu", "leaky_relu" },
};

static int same_letters(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

const char *diag_closest(const char *word, const char *const *candidates, int n)
{
    for (size_t k = 0; k < sizeof ALIASES / sizeof ALIASES[0]; k++) {
        if (!same_letters(word, ALIASES[k].theirs))
            continue;
        for (int i = 0; i < n; i++)
            if (strcmp(candidates[i], ALIASES[k].ours) == 0)
                return candidates[i];
    }
    return nnrt_closest(word, candidates, n);
}
