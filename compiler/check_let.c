/* check_let.c: `let NAME = VALUE` and the -D NAME=VALUE that override it,
 * so one file serves a family of experiments:
 *
 *     let units = 400
 *     ...
 *     dense units relu
 *
 *     nnc build -D units=4000 widths.nn -o widths_4000
 *
 * A let holds a number, or a name (`let init = he_normal`, `-D
 * init=glorot_normal`) for the words an option or a layer takes. */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* The lets are kept sorted by name (then by line), so lookups are binary
 * searches and a file of 100000 lets is checked in a blink. */
static int by_name(const void *a, const void *b)
{
    const Let *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->value->key_loc.first_line - y->value->key_loc.first_line;
}

static int name_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const Let *)elem)->name);
}

static Let *find_let(const Checker *c, const char *name)
{
    return c->n_lets ? bsearch(name, c->lets, (size_t)c->n_lets, sizeof(Let), name_cmp) : NULL;
}

const Arg *resolve(const Checker *c, const Arg *a)
{
    if (a->kind != ARG_WORD)
        return a;
    const Let *let = find_let(c, a->text);
    return let ? let->value : a;
}

/* The value of -D NAME=VALUE as an argument, or NULL if it is neither a
 * number nor a name. */
static Arg *define_value(Checker *c, const Define *def, const Arg *was)
{
    const char *v = def->value;
    char *end;
    size_t len = strlen(v);
    int percent = len > 0 && v[len - 1] == '%';
    double num = strtod(v, &end);
    int word = is_c_identifier(v) && strcmp(v, "inf") != 0 && strcmp(v, "nan") != 0;
    if (!word && (end == v || (size_t)(end - v) != len - (size_t)percent))
        return NULL;
    Arg *a = arena_alloc(c->arena, sizeof *a);
    *a = *was;               /* errors about the value point at the let */
    a->key = NULL;
    a->next = NULL;
    if (word) {
        a->kind = ARG_WORD;
        a->text = def->value;
        return a;
    }
    a->kind = percent ? ARG_PERCENT : ARG_NUMBER;
    a->num = num;
    a->is_int = !percent && v[strspn(v, "-0123456789")] == '\0';
    a->text = def->value;
    return a;
}

void check_lets(Checker *c, const Stmt *stmts, const Define *defs, int n_defs)
{
    int n = 0;
    for (const Stmt *s = stmts; s; s = s->next)
        n += strcmp(s->word, "let") == 0;
    c->lets = arena_alloc(c->arena, sizeof(Let) * (size_t)(n ? n : 1));
    for (const Stmt *s = stmts; s; s = s->next) {
        if (strcmp(s->word, "let") != 0)
            continue;
        const Arg *a = s->args;
        if (!a || !a->key || a->next || s->has_block) {
            diag_error(c->diag, s->line_loc, "a let is 'let NAME = NUMBER' or 'let NAME = WORD'");
            continue;
        }
        if (a->kind != ARG_NUMBER && a->kind != ARG_PERCENT && a->kind != ARG_WORD) {
            diag_error(c->diag, a->loc, "let %.40s must be a number or a name, not '%.40s'",
                       a->key, a->text);
            continue;
        }
        c->lets[c->n_lets++] = (Let){ a->key, a };
    }
    /* sort, then a name equal to the one before it is a second definition */
    qsort(c->lets, (size_t)c->n_lets, sizeof(Let), by_name);
    int kept = 0;
    for (int i = 0; i < c->n_lets; i++) {
        if (kept > 0 && strcmp(c->lets[kept - 1].name, c->lets[i].name) == 0) {
            const Arg *a = c->lets[i].value;
            diag_error(c->diag, a->key_loc, "'%.40s' is already defined", a->key);
            diag_note(c->diag, "first defined at line %d",
                      c->lets[kept - 1].value->key_loc.first_line);
            continue;
        }
        c->lets[kept++] = c->lets[i];
    }
    c->n_lets = kept;
    for (int i = 0; i < n_defs; i++) {
        Let *let = find_let(c, defs[i].name);
        if (!let) {
            diag_error_file(c->diag, "-D %s: the file has no 'let %s = ...' to override",
                            defs[i].name, defs[i].name);
            continue;
        }
        Arg *v = define_value(c, &defs[i], let->value);
        if (!v) {
            diag_error_file(c->diag, "-D %s=%s: expected a number or a name", defs[i].name,
                            defs[i].value);
            continue;
        }
        let->value = v;
    }
}
