/* checker.h: what the checker's files share.  Not used outside the checker. */
#ifndef CHECKER_H
#define CHECKER_H

#include "nnc.h"

typedef struct Checker {
    Arena *arena;
    Diag *diag;
    Model *model;
    Let *lets;
    int n_lets;
} Checker;

/* A word naming a `let` stands for its value; anything else is itself. */
const Arg *resolve(const Checker *c, const Arg *a);

/* check_let.c: every `let` of the file, then the -D overrides. */
void check_lets(Checker *c, const Stmt *stmts, const Define *defs, int n_defs);

/* A table of the words one statement accepts, for lookups and "did you mean". */
typedef struct Vocab {
    const char *what;               /* "layer", "activation", ... */
    const char *const *words;
    int n;
} Vocab;

/* The index of word in v, or -1 after reporting "unknown <what> 'word'"
 * (with the closest word as a hint) at loc. */
int vocab_lookup(Checker *c, const Vocab *v, const char *word, Loc loc);

/* Arguments without a key, in order; NULL past the end. */
const Arg *positional(const Stmt *s, int i);
int n_positional(const Stmt *s);
/* The argument written key=..., or NULL. */
const Arg *keyed(const Stmt *s, const char *key);
/* Reports every key=value of s not in keys, and extra positional arguments
 * beyond max_positional.  Returns the number of problems. */
int check_args(Checker *c, const Stmt *s, int max_positional,
               const char *const *keys, int n_keys);
/* Reports that s needs at least n positional arguments, described by what. */
int require_args(Checker *c, const Stmt *s, int n, const char *what);

/* Value readers: 0 on success, else report at the argument and return -1. */
int arg_int(Checker *c, const Arg *a, const char *what, long min, long max, long *out);
int arg_real(Checker *c, const Arg *a, const char *what, double min, double max,
             int min_inclusive, double *out);
int arg_string(Checker *c, const Arg *a, const char *what, const char **out);
int arg_word(Checker *c, const Arg *a, const char *what, const char **out);

/* check_optimizer.c */
void check_optimizer(Checker *c, const Stmt *s);
void check_schedule(Checker *c, const Stmt *s);

/* check_early_stop.c: the statement, then, once the data and the loss
 * are known, that what it monitors is there */
void check_early_stop(Checker *c, const Stmt *s);
void check_early_stop_fits(Checker *c);

/* check_network.c */
void check_network(Checker *c, const Stmt *block);
const char *layer_kind_word(LayerKind k);     /* "dense", "maxpool", ... */

/* check_names.c: begin reads and checks every name= of the network block;
 * then each layer, in order and once its width is known, gets its name. */
typedef struct LayerNames LayerNames;
LayerNames *layer_names_begin(Checker *c, const Stmt *block);
void layer_name(Checker *c, LayerNames *n, Layer *l);

/* check_transfer.c: transfer learning.  init="FILE" and trainable= of
 * layer l (called once its shapes are known); keep of the data block; and
 * after the network, whether the output fits the kept classes and whether
 * anything is left to train. */
int check_transfer(Checker *c, const Stmt *s, Layer *l);
void check_keep(Checker *c, const Stmt *s);
void check_transfer_fits(Checker *c);

/* check_data.c: last, a series' or a text's file as this machine has it
 * against the window, the test fraction and the embedding's vocabulary */
void check_data_files(Checker *c);

/* check_augment.c: after check_network, which gives the input's shape */
void check_augment(Checker *c, const Stmt *block);

/* check_classes.c: the data block's `classes "NAME"...` statement, then,
 * once the network and the loss are known, that it names every class */
void check_classes(Checker *c, const Stmt *s);
void check_classes_fit(Checker *c);

#endif
