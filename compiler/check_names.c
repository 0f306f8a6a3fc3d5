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

/* A set of names, open addressing: a network of 100000 layers is named in
 * linear time (looking each name up in a list made it cubic in the number
 * of twins). */
typedef struct NameSet {
    const char **slot;    /* NULL: empty */
    int *next_k;          /* per slot: the next _k suffix to try for that base */
    size_t cap;           /* a power of two, at least twice the names */
} NameSet;

static size_t hash_name(const char *s)
{
    size_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void set_init(Arena *a, NameSet *set, int names)
{
    set->cap = 16;
    while (set->cap < 2 * (size_t)names + 2)
        set->cap *= 2;
    set->slot = arena_alloc(a, set->cap * sizeof *set->slot);
    set->next_k = arena_alloc(a, set->cap * sizeof *set->next_k);
}

/* The slot holding name, or the empty one where it would go. */
static size_t set_find(const NameSet *set, const char *name)
{
    size_t i = hash_name(name) & (set->cap - 1);
    while (set->slot[i] && strcmp(set->slot[i], name) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static int set_has(const NameSet *set, const char *name)
{
    return set->slot[set_find(set, name)] != NULL;
}

/* Adds name (kept as it is: the caller's copy must live as long as the set) */
static void set_add(NameSet *set, const char *name)
{
    size_t i = set_find(set, name);
    set->slot[i] = name;
}

typedef struct Explicit {
    const Stmt *stmt;
    const char *name;     /* NULL: none, or a bad one (reported) */
    Loc loc;
} Explicit;

struct LayerNames {
    Explicit *given;      /* one per statement of the block, in order */
    int n_given;
    int next_given;       /* where given_to looks first: layers come in order */
    NameSet explicit;     /* every good name= */
    NameSet used;         /* every name given so far */
    NameSet bases;        /* automatic bases so far, with their next suffix */
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
    set_init(c->arena, &n->explicit, n->n_given);
    set_init(c->arena, &n->used, n->n_given);
    set_init(c->arena, &n->bases, n->n_given);
    for (i = 0; i < n->n_given; i++)
        if (n->given[i].name)
            set_add(&n->explicit, n->given[i].name);
    snprintf(n->anchor, sizeof n->anchor, "input");
    return n;
}

/* The entry of statement s; layers come in the block's order, so the
 * search starts where the last one ended. */
static const Explicit *given_to(LayerNames *n, const Stmt *s)
{
    for (int k = 0; k < n->n_given; k++) {
        int i = (n->next_given + k) % n->n_given;
        if (n->given[i].stmt == s) {
            n->next_given = i + 1;
            return &n->given[i];
        }
    }
    return NULL;
}

/* Is name some layer's name= (not the one being named: an automatic name
 * is only made for a layer without one)? */
static const Explicit *given_elsewhere(const LayerNames *n, const char *name)
{
    if (!set_has(&n->explicit, name))
        return NULL;
    for (int i = 0; i < n->n_given; i++)     /* once per clash: an error */
        if (n->given[i].name && strcmp(n->given[i].name, name) == 0)
            return &n->given[i];
    return NULL;
}

static int taken(const LayerNames *n, const char *name)
{
    return set_has(&n->used, name) || set_has(&n->explicit, name);
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
    else if (l->kind == LAYER_CONV2D_TRANSPOSE)
        snprintf(out, len, "convt%ld", l->units);
    else if (l->kind == LAYER_EMBEDDING)
        snprintf(out, len, "embedding%ld", l->units);
    else if (l->kind == LAYER_RNN || l->kind == LAYER_LSTM || l->kind == LAYER_GRU)
        snprintf(out, len, "%s%ld", layer_kind_word(l->kind), l->units);
    else if (l->kind == LAYER_INPUT)
        snprintf(out, len, "input");
    else
        snprintf(out, len, "%s_%s", n->anchor, layer_kind_word(l->kind));
}

void layer_name(Checker *c, LayerNames *n, Layer *l)
{
    const Explicit *e = given_to(n, l->stmt);
    int has_width = l->kind == LAYER_DENSE || l->kind == LAYER_CONV2D ||
                    l->kind == LAYER_RNN || l->kind == LAYER_LSTM || l->kind == LAYER_GRU ||
                    l->kind == LAYER_CONV2D_TRANSPOSE || l->kind == LAYER_EMBEDDING;
    if (e && e->name) {
        copy_name(l->name, sizeof l->name, e->name);
    } else {
        char base[48];
        automatic_base(n, l, base, sizeof base);
        const Explicit *clash = given_elsewhere(n, base);
        if (clash) {
            diag_error(c->diag, clash->loc, "layer name '%s' is what the unnamed layer on "
                       "line %d is called", base, l->stmt->loc.first_line);
            diag_note(c->diag, "give that layer a name= too, or this one another name");
        }
        /* twins: base, base_2, base_3, ...; each base remembers where its
         * count stopped */
        size_t at = set_find(&n->bases, base);
        if (!n->bases.slot[at]) {
            n->bases.slot[at] = arena_printf(c->arena, "%s", base);
            n->bases.next_k[at] = 2;
        }
        char name[64];
        snprintf(name, sizeof name, "%s", base);
        while (taken(n, name))
            snprintf(name, sizeof name, "%.40s_%d", base, n->bases.next_k[at]++);
        copy_name(l->name, sizeof l->name, name);
    }
    set_add(&n->used, arena_printf(c->arena, "%s", l->name));
    if (has_width || (e && e->name) || l->kind == LAYER_INPUT)
        copy_name(n->anchor, sizeof n->anchor, l->name);
}
