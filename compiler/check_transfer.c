/* check_transfer.c: transfer learning in the .nn language.
 *
 *   data { ... keep 5 6 7 8 9 }          train and test on these classes only
 *   conv2d 16 3x3 relu init="transfer_base.nn" trainable=false
 *
 * init="FILE" makes a layer's tensors start from the tensors of the same
 * name in another model's weights.  FILE is relative to the folder of the
 * .nn file that names it, as an #include is in C.  When FILE is that
 * model's .nn, it is checked here: compiled, its layer of the same name
 * must hold tensors of the same shapes, and the weights are then read from
 * runs/NAME/weights, where its trainer writes them by default (relative to
 * where the trainer runs, as the data files are).  Any other FILE is a
 * weights file, checked when the trainer loads it: the trainer opens it by
 * the path nnc resolved, from nnc's working directory, so the trainer must
 * run there too (or FILE be absolute).  trainable=false freezes a
 * layer: no updates and no gradient work for it beyond what earlier
 * layers need. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "checker.h"

/* a.nn may start from b.nn, which may start from c.nn...; a cycle stops here */
#define MAX_NESTING 4
static int nesting;

/* The checked model of another .nn file; its own errors are reported with
 * its own name. */
static const Model *other_model(Checker *c, const Arg *a, const char *path)
{
    if (nesting >= MAX_NESTING) {
        diag_error(c->diag, a->loc, "models start from models more than %d deep here "
                   "(does one start from itself?)", MAX_NESTING);
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) {   /* said here, with why, rather than by source_read */
        diag_error(c->diag, a->loc, "cannot read the model '%.200s' to start from: %s", path,
                   strerror(errno));
        return NULL;
    }
    Source *src = arena_alloc(c->arena, sizeof *src);
    if (source_read(c->arena, path, src) != 0) {
        diag_error(c->diag, a->loc, "cannot read the model '%.200s' to start from", path);
        return NULL;
    }
    Diag d;
    diag_init(&d, src, c->diag->out);
    nesting++;
    Stmt *stmts = parse_source(c->arena, src, &d);
    Model *m = d.n_errors ? NULL : check_model(c->arena, stmts, src, &d, NULL, 0);
    nesting--;
    if (!m)
        diag_error(c->diag, a->loc, "'%.200s' has errors (above); this layer starts from it",
                   path);
    return m;
}

static const Layer *layer_named(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_layers; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return &m->layers[i];
    return NULL;
}

/* "conv2d 3x3x16 -> 32": what fixes a layer's tensor shapes */
static const char *tensors_text(const Layer *l, char *buf, size_t len)
{
    const Window *w = &l->win;
    if (l->kind == LAYER_DENSE)
        snprintf(buf, len, "dense %ld -> %ld", l->in.dims[0], l->units);
    else if (l->kind == LAYER_CONV2D)
        snprintf(buf, len, "conv2d %ldx%ldx%ld -> %ld", w->kh, w->kw, w->c, l->units);
    else if (l->kind == LAYER_EMBEDDING)
        snprintf(buf, len, "embedding %ld -> %ld", l->vocab, l->units);
    else if (l->kind == LAYER_CONV2D_TRANSPOSE)
        snprintf(buf, len, "conv2d_transpose %ldx%ldx%ld -> %ld", w->kh, w->kw, w->c, l->units);
    else if (l->kind == LAYER_RNN || l->kind == LAYER_LSTM || l->kind == LAYER_GRU)
        snprintf(buf, len, "%s %ld -> %ld", layer_kind_word(l->kind), l->in.dims[1], l->units);
    else
        snprintf(buf, len, "batchnorm of %ld channels", l->out.dims[l->out.ndims - 1]);
    return buf;
}

int check_transfer(Checker *c, const Stmt *s, Layer *l)
{
    const Arg *t = keyed(s, "trainable");
    const char *word;
    if (t && arg_word(c, t, "trainable", &word) == 0) {
        if (strcmp(word, "false") == 0)
            l->frozen = 1;
        else if (strcmp(word, "true") != 0) {
            diag_error(c->diag, t->loc, "trainable must be true or false, not '%.40s'", word);
            return -1;
        }
    }
    const Arg *a = keyed(s, "init");
    const char *path;
    if (!a || resolve(c, a)->kind != ARG_STRING)
        return 0;
    if (arg_string(c, a, "init", &path))
        return -1;
    path = source_beside(c->arena, c->model->src->name, path);
    size_t len = strlen(path);
    if (len < 3 || strcmp(path + len - 3, ".nn") != 0) {
        l->init_file = path;        /* a weights file: checked as it loads */
        return 0;
    }
    const Model *other = other_model(c, a, path);
    if (!other)
        return -1;
    const Layer *from = layer_named(other, l->name);
    char mine[64], theirs[64];
    if (!from) {
        diag_error(c->diag, a->loc, "'%.200s' has no layer named %s to start from", path,
                   l->name);
        diag_note(c->diag, "a layer is named by its name= or by its content (dense 128 is "
                  "dense128); give both layers the same name=");
        return -1;
    }
    tensors_text(l, mine, sizeof mine);
    if (from->kind != l->kind || strcmp(mine, tensors_text(from, theirs, sizeof theirs)) != 0) {
        diag_error(c->diag, a->loc, "%s is %s here but %s in '%.200s'", l->name, mine, theirs,
                   path);
        return -1;
    }
    l->init_file = arena_printf(c->arena, "runs/%s/weights", other->name);
    return 0;
}

/* keep 5 6 7 8 9 */
void check_keep(Checker *c, const Stmt *s)
{
    Model *m = c->model;
    check_args(c, s, 32, NULL, 0);
    if (require_args(c, s, 2, "the classes to keep, at least two, such as 'keep 5 6 7 8 9'"))
        return;
    m->keep_stmt = s;
    for (int i = 0; positional(s, i); i++) {
        long cls;
        if (arg_int(c, positional(s, i), "a class to keep", 0, 31, &cls) != 0)
            continue;
        if (m->keep & 1u << cls)
            diag_error(c->diag, positional(s, i)->loc, "class %ld is kept twice", cls);
        m->keep |= 1u << cls;
    }
}

/* After the network: the output has one unit per kept class, and a
 * network with frozen layers still has something to train. */
void check_transfer_fits(Checker *c)
{
    Model *m = c->model;
    int frozen = 0, trainable = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        frozen += l->frozen;
        trainable += !l->frozen && l->n_params > 0;
    }
    if (frozen && !trainable)
        diag_error(c->diag, m->layers[m->n_layers - 1].stmt->loc,
                   "every layer with weights is frozen (trainable=false): nothing to train");
    if (!m->keep_stmt || !m->keep)
        return;
    if (m->train_csv) {
        diag_error(c->diag, m->keep_stmt->loc, "keep chooses classes of image data; "
                   "a CSV file's rows cannot be dropped by class");
        return;
    }
    if (m->positive_stmt) {
        diag_error(c->diag, m->keep_stmt->loc, "keep and positive do not go together");
        return;
    }
    int kept = __builtin_popcount(m->keep);
    const Layer *last = &m->layers[m->n_layers - 1];
    if (last->out.ndims != 1 || last->out.dims[0] == kept)
        return;
    diag_error(c->diag, m->keep_stmt->loc, "keep lists %d classes, but the output has %ld units",
               kept, last->out.dims[0]);
    diag_note(c->diag, "the kept classes are relabeled 0 to %d: end the network with "
              "'dense %d softmax'", kept - 1, kept);
}
