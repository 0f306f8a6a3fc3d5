/* nn.y: the grammar of .nn files.
 *
 * A file is a list of statements, one per line: a word, its arguments, and
 * optionally a { block } of further statements:
 *
 *     dense 128 relu
 *     optimizer adam lr=0.001
 *     network { ... }
 *
 * The grammar knows no layer or option names; the checker gives words their
 * meaning, so the vocabulary grows without touching this file.  Error
 * recovery resumes at the next line, so one run reports every syntax error.
 */
%define api.pure full
%define api.prefix {nn}
%define api.location.type {Loc}
%define parse.error custom
%locations
%param {void *scanner}
%parse-param {ParseState *ps}

%code requires {
#include "nnc.h"
}

%code provides {
int nnlex(NNSTYPE *lval, Loc *lloc, void *scanner);
}

%code {
#include <stdlib.h>
#include <string.h>

static Arg *new_arg(ParseState *ps, ArgKind kind, Loc loc, const char *text)
{
    Arg *a = arena_alloc(ps->arena, sizeof *a);
    a->kind = kind;
    a->loc = loc;
    a->text = text;
    return a;
}

static Loc span(Loc a, Loc b)
{
    Loc l = a;
    l.last_line = b.last_line;
    l.last_column = b.last_column;
    return l;
}

static void nnerror(Loc *loc, void *scanner, ParseState *ps, const char *msg)
{
    (void)scanner;
    diag_error(ps->diag, *loc, "%s", msg);
}
}

%union {
    const char *text;
    Arg *arg;
    Stmt *stmt;
}

%token <text> WORD     "word"
%token <text> NUMBER   "number"
%token <text> DIMS     "dimensions"
%token <text> STRING   "string"
%token NEWLINE         "end of line"
%token LBRACE          "'{'"
%token RBRACE          "'}'"
%token EQUALS          "'='"
%token SLASH           "'/'"
%token PERCENT         "'%'"

%nterm <stmt> stmts stmt
%nterm <arg> args arg value

%%

file
    : stmts                         { ps->result = ast_reverse_stmts($1); }
    ;

stmts
    : %empty                        { $$ = NULL; }
    | stmts stmt                    { $$ = $1; if ($2) { $2->next = $1; $$ = $2; } }
    ;

stmt
    : WORD args NEWLINE             { $$ = ast_stmt(ps->arena, $1, @1, ast_reverse_args($2)); }
    | WORD args LBRACE stmts RBRACE NEWLINE
                                    { $$ = ast_stmt(ps->arena, $1, @1, ast_reverse_args($2));
                                      $$->has_block = 1;
                                      $$->body = ast_reverse_stmts($4); }
    | error NEWLINE                 { $$ = NULL; yyerrok; }
    ;

args
    : %empty                        { $$ = NULL; }
    | args arg                      { $$ = $2; $2->next = $1; }
    ;

arg
    : value
    | WORD EQUALS value             { $$ = $3; $$->key = $1; $$->key_loc = @1; }
    ;

value
    : NUMBER                        { $$ = new_arg(ps, ARG_NUMBER, @1, $1);
                                      $$->num = strtod($1, NULL);
                                      $$->is_int = $1[strspn($1, "-0123456789")] == '\0'; }
    | NUMBER SLASH NUMBER           { $$ = new_arg(ps, ARG_NUMBER, span(@1, @3),
                                          arena_printf(ps->arena, "%s/%s", $1, $3));
                                      $$->num = strtod($1, NULL) / strtod($3, NULL); }
    | NUMBER PERCENT                { $$ = new_arg(ps, ARG_PERCENT, span(@1, @2),
                                          arena_printf(ps->arena, "%s%%", $1));
                                      $$->num = strtod($1, NULL); }
    | STRING                        { $$ = new_arg(ps, ARG_STRING, @1, $1); }
    | WORD                          { $$ = new_arg(ps, ARG_WORD, @1, $1); }
    | DIMS                          { $$ = new_arg(ps, ARG_DIMS, @1, $1); }
    ;

%%

/* "unexpected number, expected end of line or '{'": what was found and what
 * would have been accepted, from the parser's own tables. */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, ParseState *ps)
{
    (void)scanner;
    enum { MAX_EXPECTED = 6 };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int n = yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED);
    yysymbol_kind_t got = yypcontext_token(ctx);
    char msg[512];
    size_t len = 0;
    const char *got_name = got == YYSYMBOL_YYEOF ? "end of file" : yysymbol_name(got);
    len += (size_t)snprintf(msg + len, sizeof msg - len, "unexpected %s",
                            got_name ? got_name : "token");
    /* name the very word, number or string: the scanner read it last */
    if ((got == YYSYMBOL_WORD || got == YYSYMBOL_NUMBER || got == YYSYMBOL_DIMS) && ps->last_text)
        len += (size_t)snprintf(msg + len, sizeof msg - len, " '%.40s'", ps->last_text);
    for (int i = 0; i < n && len < sizeof msg; i++) {
        const char *name = yysymbol_name(expected[i]);
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s",
                                i == 0 ? ", expected " : i == n - 1 ? " or " : ", ",
                                name ? name : "token");
    }
    diag_error(ps->diag, *yypcontext_location(ctx), "%s", msg);
    if (got == YYSYMBOL_YYEOF && ps->depth > 0 && ps->depth <= MAX_BLOCK_DEPTH) {
        /* the innermost block left open: quote its opening line */
        int line = ps->open_brace[ps->depth - 1].first_line;
        const char *text = ps->src->text + ps->src->line_starts[line - 1];
        text += strspn(text, " \t");
        int n = (int)strcspn(text, "\r\n#");
        while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
            n--;
        diag_note(ps->diag, "the block opened at line %d, '%.*s', is never closed: add its '}'",
                  line, n > 60 ? 60 : n, text);
    }
    return 0;
}
