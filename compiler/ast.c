/* ast.c: building the statement tree the parser produces. */
#include "nnc.h"

Stmt *ast_stmt(Arena *a, const char *word, Loc loc, Arg *args)
{
    Stmt *s = arena_alloc(a, sizeof *s);
    s->word = word;
    s->loc = loc;
    s->line_loc = loc;
    s->args = args;
    for (Arg *g = args; g; g = g->next) {
        s->n_args++;
        if (g->loc.last_line == loc.first_line)
            s->line_loc.last_column = g->loc.last_column;
    }
    return s;
}

/* Lists are built by prepending (constant time, so a hostile file with a
 * million arguments stays linear) and reversed once complete. */
Arg *ast_reverse_args(Arg *list)
{
    Arg *out = NULL;
    while (list) {
        Arg *next = list->next;
        list->next = out;
        out = list;
        list = next;
    }
    return out;
}

Stmt *ast_reverse_stmts(Stmt *list)
{
    Stmt *out = NULL;
    while (list) {
        Stmt *next = list->next;
        list->next = out;
        out = list;
        list = next;
    }
    return out;
}
