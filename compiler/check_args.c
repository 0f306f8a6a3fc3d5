/* check_args.c: reading statement arguments, with an error at the spot for
 * every value of the wrong kind or out of range. */
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
