/* check_args.c: reading statement arguments, with an error at the spot for
 * every value of the wrong kind or out of range. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "checker.h"

int vocab_lookup(Checker *c, const Vocab *v, const char *word, Loc loc)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(word, v->words[i]) == 0)
            return i;
    diag_error(c->diag, loc, "unknown %s '%.40s'", v->what, word);
    const char *close = diag_closest(word, v->words, v->n);
    if (close) {
        diag_note(c->diag, "did you mean '%s'?", close);
    } else {
        char list[512];
        size_t len = 0;
        for (int i = 0; i < v->n && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                    i ? ", " : "", v->words[i]);
        diag_note(c->diag, "expected one of: %s", list);
    }
    return -1;
}

const Arg *positional(const Stmt *s, int i)
{
    for (const Arg *a = s->args; a; a = a->next)
        if (!a->key && i-- == 0)
            return a;
    return NULL;
}

int n_positional(const Stmt *s)
{
    int n = 0;
    for (const Arg *a = s->args; a; a = a->next)
        n += !a->key;
    return n;
}

const Arg *keyed(const Stmt *s, const char *key)
{
    for (const Arg *a = s->args; a; a = a->next)
        if (a->key && strcmp(a->key, key) == 0)
            return a;
    return NULL;
}

int check_args(Checker *c, const Stmt *s, int max_positional,
               const char *const *keys, int n_keys)
{
    int problems = 0, pos = 0;
    for (const Arg *a = s->args; a; a = a->next) {
        if (!a->key) {
            if (++pos == max_positional + 1) {
                diag_error(c->diag, a->loc, "too many arguments to '%.40s'", s->word);
                problems++;
            }
            continue;
        }
        int known = 0;
        for (int i = 0; i < n_keys; i++)
            known |= strcmp(a->key, keys[i]) == 0;
        if (!known) {
            diag_error(c->diag, a->key_loc, "'%.40s' takes no option '%.40s'", s->word, a->key);
            const char *close = diag_closest(a->key, keys, n_keys);
            if (close)
                diag_note(c->diag, "did you mean '%s'?", close);
            problems++;
            continue;
        }
        for (const Arg *b = s->args; b != a; b = b->next)
            if (b->key && strcmp(a->key, b->key) == 0) {
                diag_error(c->diag, a->key_loc, "option '%.40s' given twice", a->key);
                problems++;
                break;
            }
    }
    return problems;
}

int require_args(Checker *c, const Stmt *s, int n, const char *what)
{
    if (n_positional(s) >= n)
        return 0;
    diag_error(c->diag, s->line_loc, "'%.40s' needs %s", s->word, what);
    return -1;
}

static const char *kind_name(ArgKind k)
{
    switch (k) {
    case ARG_NUMBER: return "a number";
    case ARG_PERCENT: return "a percentage";
    case ARG_STRING: return "a string";
    case ARG_WORD: return "a word";
    case ARG_DIMS: return "dimensions";
    }
    return "a value";
}

int arg_int(Checker *c, const Arg *a, const char *what, long min, long max, long *out)
{
    a = resolve(c, a);
    if (a->kind != ARG_NUMBER || !a->is_int) {
        diag_error(c->diag, a->loc, "%s must be a whole number, not %s '%.40s'",
                   what, a->kind == ARG_NUMBER ? "the fraction" : kind_name(a->kind), a->text);
        return -1;
    }
    if (!(a->num >= (double)min && a->num <= (double)max)) {
        diag_error(c->diag, a->loc, "%s must be between %ld and %ld, got %.40s",
                   what, min, max, a->text);
        return -1;
    }
    *out = (long)a->num;
    return 0;
}

/* Real hyper-parameters reach the trainer as floats.  A value that is not
 * 0 must be a normal float, at least FLT_MIN (about 1.2e-38) in size: below
 * that it keeps fewer than float's 24 bits, and below about 1.4e-45 it is 0
 * (lr=1e-50 trained nothing, silently).  Above FLT_MAX it is infinity. */
static int float_range(Checker *c, const Arg *a, const char *what)
{
    const char *sep = a->key ? "=" : " ";   /* "lr=1e-50", "scale 1e-50" */
    double size = fabs(a->num);
    if (size == 0 || (size >= FLT_MIN && size <= FLT_MAX))
        return 0;
    if (size > FLT_MAX)
        diag_error(c->diag, a->loc, "%s%s%.40s is infinite in float: the largest a float holds "
                   "is about 3.4e38", what, sep, a->text);
    else if ((float)a->num == 0)
        diag_error(c->diag, a->loc, "%s%s%.40s is 0 in float: the smallest positive float is "
                   "about 1.4e-45", what, sep, a->text);
    else
        diag_error(c->diag, a->loc, "%s%s%.40s is too small for a float to hold at full "
                   "precision", what, sep, a->text);
    diag_note(c->diag, "a number that is not 0 must be at least 1.2e-38 in size (FLT_MIN)");
    return -1;
}

int arg_real(Checker *c, const Arg *a, const char *what, double min, double max,
             int min_inclusive, double *out)
{
    a = resolve(c, a);
    if (a->kind != ARG_NUMBER) {
        diag_error(c->diag, a->loc, "%s must be a number, not %s '%.40s'",
                   what, kind_name(a->kind), a->text);
        return -1;
    }
    int above = min_inclusive ? a->num >= min : a->num > min;
    if (!isfinite(a->num) || !above || !(a->num <= max)) {
        diag_error(c->diag, a->loc, "%s must be %s %g and at most %g, got %.40s", what,
                   min_inclusive ? "at least" : "above", min, max, a->text);
        return -1;
    }
    if (float_range(c, a, what) != 0)
        return -1;
    *out = a->num;
    return 0;
}

int arg_string(Checker *c, const Arg *a, const char *what, const char **out)
{
    if (a->kind != ARG_STRING) {
        diag_error(c->diag, a->loc, "%s must be a quoted string, not %s '%.40s'",
                   what, kind_name(a->kind), a->text);
        return -1;
    }
    *out = a->text;
    return 0;
}

int arg_word(Checker *c, const Arg *a, const char *what, const char **out)
{
    if (a->kind != ARG_WORD) {
        diag_error(c->diag, a->loc, "%s must be a name, not %s '%.40s'",
                   what, kind_name(a->kind), a->text);
        return -1;
    }
    *out = a->text;
    return 0;
}
