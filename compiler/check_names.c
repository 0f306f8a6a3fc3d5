/* check_names.c: the name of every layer of the network.
 *
 * A layer is named by its name= option, or else by its content, never by
 * its position, so that inserting a layer renames no other one (the
 * generated C, weight files, checkpoints and init= transfers all go by
 * these names; docs/language.md, "Layer names"):
 *
 *   dense 128          dense128      kind and width
 *   conv2d 32 5x5      conv32
 *   dropout 0.2        dense128_dropout   no width of its own: the anchor
 *   maxpool 2          conv32_maxpool     (the nearest earlier layer with a
 *   flatten            input_flatten      width or a name=) and its kind
 *   a second dense 128 dense128_2    a name taken: _2, _3, ... in order
 *
 * Each layer also keeps its legacy name, kind and position (dense1,
 * dropout1), which weight files and checkpoints before version 3 hold. */
#include <ctype.h>
#include <string.h>

#include "checker.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* At most this many characters in a name=, so that every identifier made
 * from a name (conv32_relu_backward, d_hidden_dropout_2_y) stays short. */
#define MAX_NAME 24

/* C's keywords, and the identifiers the generated file uses for itself:
 * a layer named so would read as something else in the C, or collide. */
static const char *const RESERVED[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
    "typedef", "union", "unsigned", "void", "volatile", "while",
    "x", "t", "y", "n", "in", "real", "gemm", "forward", "backward", "loss", "penalty", "main",
    "model", "params", "classes", "batch", "training", "rng", "nnrt", "cblas",
};

typedef struct Explicit {
    const Stmt *stmt;
    const char *name;     /* NULL: none, or a bad one (reported) */
    Loc loc;
} Explicit;

struct LayerNames {
    Explicit *given;      /* one per statement of the block, in order */
    int n_given;
    char anchor[32];      /* what a layer without a width is named after */
};

static int reserved(const char *name)
{
    for (int i = 0; i < COUNT(RESERVED); i++)
        if (strcmp(name, RESERVED[i]) == 0)
            return 1;
    return 0;
}

/* Reports what is wrong with name (at loc) and returns -1, or returns 0. */
static int check_spelling(Checker *c, const char *name, Loc loc)
{
    int ok = islower((unsigned char)name[0]);
    for (const char *p = name; *p && ok; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    if (!ok) {
        diag_error(c->diag, loc, "layer name '%.40s' must be lower-case letters, digits and _, "
                   "starting with a letter", name);
        return -1;
    }
    if (strlen(name) > MAX_NAME) {
        diag_error(c->diag, loc, "layer name '%.40s' is longer than %d characters", name,
                   MAX_NAME);
        return -1;
    }
    if (strncmp(name, "d_", 2) == 0) {
        diag_error(c->diag, loc, "layer name '%.40s' starts with d_, which marks the "
                   "gradients in the generated C", name);
        return -1;
    }
    if (reserved(name)) {
        diag_error(c->diag, loc, "'%.40s' cannot name a layer: the generated C uses it", name);
        return -1;
    }
    return 0;
}

/* The name= of s, checked; NULL if none or a bad one (reported). */
static const char *read_name(Checker *c, const Stmt *s, Loc *loc)
{
    const Arg *a = keyed(s, "name");
    const char *word;
    if (!a)
        return NULL;
    *loc = a->loc;      /* not resolved: a name is never a let's number */
    if (arg_word(c, a, "name=", &word) || check_spelling(c, word, a->loc))
        return NULL;
    return word;
}

LayerNames *layer_names_begin(Checker *c, const Stmt *block)
{
    LayerNames *n = arena_alloc(c->arena, sizeof *n);
    memset(n, 0, sizeof *n);
    for (const Stmt *s = block->body; s; s = s->next)
        n->n_given++;
    n->given = arena_alloc(c->arena, sizeof(Explicit) * (size_t)(n->n_given ? n->n_given : 1));
    int i = 0;
    for (const Stmt *s = block->body; s; s = s->next, i++) {
        Explicit *e = &n->given[i];
        e->stmt = s;
        e->name = read_name(c, s, &e->loc);
        for (int j = 0; j < i && e->name; j++)
            if (n->given[j].name && strcmp(n->given[j].name, e->name) == 0) {
                diag_error(c->diag, e->loc, "two layers are named '%s'", e->name);
                diag_note(c->diag, "the first is on line %d", n->given[j].loc.first_line);
                e->name = NULL;
            }
    }
    snprintf(n->anchor, sizeof n->anchor, "input");
    return n;
}

static const Explicit *given_to(const LayerNames *n, const Stmt *s)
{
    for (int i = 0; i < n->n_given; i++)
        if (n->given[i].stmt == s)
            return &n->given[i];
    return NULL;
}

/* Is name some layer's name=, other than the one of statement s? */
static const Explicit *given_elsewhere(const LayerNames *n, const char *name, const Stmt *s)
{
    for (int i = 0; i < n->n_given; i++)
        if (n->given[i].name && n->given[i].stmt != s && strcmp(n->given[i].name, name) == 0)
            return &n->given[i];
    return NULL;
}

static int taken(const LayerNames *n, const Model *m, const char *name, const Stmt *s)
{
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].stmt != s && strcmp(m->layers[i].name, name) == 0)
            return 1;
    return given_elsewhere(n, name, s) != NULL;
}

/* Names are short by construction (MAX_NAME, the longest kind word, a
 * number); this only keeps the compiler sure of it. */
static void copy_name(char *out, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (n >= len)
        n = len - 1;
    memcpy(out, name, n);
    out[n] = '\0';
}

/* dense128, conv32; the anchor and the kind for a layer without a width */
static void automatic_base(const LayerNames *n, const Layer *l, char *out, size_t len)
{
    if (l->kind == LAYER_DENSE)
        snprintf(out, len, "dense%ld", l->units);
    else if (l->kind == LAYER_CONV2D)
        snprintf(out, len, "conv%ld", l->units);
    else if (l->kind == LAYER_INPUT)
        snprintf(out, len, "input");
    else
        snprintf(out, len, "%s_%s", n->anchor, layer_kind_word(l->kind));
}

void layer_name(Checker *c, LayerNames *n, Layer *l)
{
    const Explicit *e = given_to(n, l->stmt);
    int has_width = l->kind == LAYER_DENSE || l->kind == LAYER_CONV2D;
    if (e && e->name) {
        copy_name(l->name, sizeof l->name, e->name);
    } else {
        char base[48];
        automatic_base(n, l, base, sizeof base);
        const Explicit *clash = given_elsewhere(n, base, l->stmt);
        if (clash) {
            diag_error(c->diag, clash->loc, "layer name '%s' is what the unnamed layer on "
                       "line %d is called", base, l->stmt->loc.first_line);
            diag_note(c->diag, "give that layer a name= too, or this one another name");
        }
        char name[64];
        snprintf(name, sizeof name, "%s", base);
        for (int k = 2; taken(n, c->model, name, l->stmt); k++)
            snprintf(name, sizeof name, "%.40s_%d", base, k);
        copy_name(l->name, sizeof l->name, name);
    }
    if (has_width || (e && e->name) || l->kind == LAYER_INPUT)
        copy_name(n->anchor, sizeof n->anchor, l->name);
}
