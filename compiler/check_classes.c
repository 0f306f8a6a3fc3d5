/* check_classes.c: `classes "T-shirt/top" "Trouser" ...` in the data block,
 * the names the trainer's metrics and predict print for the classes, in
 * label order.  A binary model (one sigmoid output) has two: label 0's
 * class (negative), then label 1's (positive).
 *
 * An autoencoder (`target input`) keeps its labels, which its outputs
 * (pixels) do not hold: its names are its labels', for `encode`'s picture.
 *
 * The names are checked where they are written (strings, not empty, no
 * control characters, which would break the trainer's aligned tables, each
 * once), and their count, once the network and the loss are known, against
 * the classes the model has (an autoencoder's: 2 to 32, as many labels as
 * `keep` and `positive` take; the trainer names a label past them by its
 * number). */
#include <string.h>

#include "checker.h"

/* One name: what check_classes refuses in it, or NULL. */
static const char *name_fault(const char *name)
{
    if (!*name)
        return "a class name cannot be empty";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "a class name cannot hold a tab or another control character";
    return NULL;
}

void check_classes(Checker *c, const Stmt *s)
{
    Model *m = c->model;
    check_args(c, s, 1000000, NULL, 0);
    if (s->has_block)
        diag_error(c->diag, s->line_loc, "'classes' takes no { block }");
    if (require_args(c, s, 1, "the class names in label order, such as 'classes \"cat\" \"dog\"'"))
        return;
    int n = n_positional(s), ok = 1;
    const char **names = arena_alloc(c->arena, sizeof *names * (size_t)n);
    for (int i = 0; i < n; i++) {
        const Arg *a = positional(s, i);
        if (arg_string(c, a, "a class name", &names[i]) != 0) {
            ok = 0;
            continue;
        }
        const char *fault = name_fault(names[i]);
        if (fault) {
            diag_error(c->diag, a->loc, "%s", fault);
            ok = 0;
            continue;
        }
        for (int j = 0; j < i; j++)
            if (names[j] && strcmp(names[j], names[i]) == 0) {
                diag_error(c->diag, a->loc, "class name \"%.40s\" given twice", names[i]);
                diag_note(c->diag, "first for class %d", j);
                ok = 0;
                break;
            }
    }
    m->classes_stmt = s;
    if (ok) {
        m->class_names = names;
        m->n_class_names = n;
    }
}

/* The last dense layer (past trailing dropouts), or NULL when the network
 * ends otherwise (already reported). */
static const Layer *output_layer(const Model *m)
{
    int i = m->n_layers - 1;
    while (i > 0 && m->layers[i].kind == LAYER_DROPOUT)
        i--;
    return i >= 0 && m->layers[i].kind == LAYER_DENSE ? &m->layers[i] : NULL;
}

void check_classes_fit(Checker *c)
{
    const Model *m = c->model;
    const Stmt *s = m->classes_stmt;
    if (!s || !m->class_names)
        return;
    if (m->target_input) {
        int n = m->n_class_names;
        if (n < 2 || n > 32)
            diag_error(c->diag, s->loc, "'classes' gives %d name%s, but an autoencoder's "
                       "classes, which name its labels from 0, are 2 to 32", n,
                       n == 1 ? "" : "s");
        return;
    }
    const Layer *last = output_layer(m);
    if (!last)
        return;
    if (m->regress) {
        diag_error(c->diag, s->loc, "'classes' names a classifier's classes, but this model "
                                    "is a regression: its %s loss predicts the target values",
                   loss_name(m->loss));
        diag_note(c->diag, "remove this line");
        return;
    }
    int n = m->n_class_names;
    if (m->loss == LOSS_BINARY_CROSS_ENTROPY && !m->multi_label) {
        if (last->units != 1 || last->act != ACT_SIGMOID)
            return;     /* the loss is blamed already */
        if (n != 2) {
            diag_error(c->diag, s->loc, "'classes' gives %d name%s, but a binary model has 2 "
                       "classes", n, n == 1 ? "" : "s");
            diag_note(c->diag, "name label 0's class first, then label 1's, as in "
                      "'classes \"other\" \"footwear\"'");
        }
        return;
    }
    if (n != last->units) {
        diag_error(c->diag, s->loc, "'classes' gives %d name%s, but the model has %ld classes",
                   n, n == 1 ? "" : "s", last->units);
        diag_note(c->diag, "one name per output of the last layer (line %d), in label order",
                  last->stmt->loc.first_line);
    }
}
