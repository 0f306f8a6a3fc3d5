/* check_network.c: the layers of a network { } block and the shape of every
 * layer's output.  A layer whose input shape is unknown (an earlier layer
 * was wrong) is checked for its own arguments only, so one mistake does not
 * cascade into a page of errors. */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Index i is LayerKind i. */
static const char *const LAYER_WORDS[] = { "input", "flatten", "dense", "dropout" };
static const Vocab LAYERS = { "layer", LAYER_WORDS, COUNT(LAYER_WORDS) };

/* Index i is Activation i; "linear" (Keras's name) is read as identity. */
static const char *const ACT_WORDS[] = { "identity", "relu", "sigmoid", "tanh", "softmax", "linear" };
static const Vocab ACTIVATIONS = { "activation", ACT_WORDS, COUNT(ACT_WORDS) };

const char *activation_name(Activation act) { return ACT_WORDS[act]; }

/* No single tensor may exceed 2^28 floats (1 GiB): static buffers beyond
 * that need a different code model, and no model here needs them. */
#define MAX_TENSOR (1L << 28)

long shape_size(const Shape *s)
{
    long n = 1;
    for (int i = 0; i < s->ndims; i++)
        n *= s->dims[i];
    return s->ndims ? n : 0;
}

const char *shape_str(const Shape *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->ndims && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%ld", i ? "x" : "", s->dims[i]);
    return buf;
}

/* input 28x28  |  input 784 */
static int check_input(Checker *c, const Stmt *s, Shape *out)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a shape, such as 'input 28x28'"))
        return -1;
    const Arg *a = positional(s, 0);
    if (a->kind == ARG_NUMBER) {
        long n;
        if (arg_int(c, a, "the input size", 1, MAX_TENSOR, &n))
            return -1;
        out->ndims = 1;
        out->dims[0] = n;
        return 0;
    }
    if (a->kind != ARG_DIMS) {
        diag_error(c->diag, a->loc, "the input shape must be dimensions such as 28x28, not '%s'",
                   a->text);
        return -1;
    }
    const char *p = a->text;
    Shape sh = { 0 };
    long total = 1;
    while (*p) {
        char *end;
        long d = strtol(p, &end, 10);
        if (sh.ndims == MAX_DIMS || d < 1 || d > MAX_TENSOR || total * d > MAX_TENSOR) {
            diag_error(c->diag, a->loc, "input shape '%s' is out of range: "
                       "at most %d dimensions, each at least 1, %ld values in all",
                       a->text, MAX_DIMS, MAX_TENSOR);
            return -1;
        }
        total *= d;
        sh.dims[sh.ndims++] = d;
        p = *end == 'x' ? end + 1 : end;
    }
    *out = sh;
    return 0;
}

/* dense 128 relu */
static int check_dense(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 2, NULL, 0);
    int bad = require_args(c, s, 1, "a number of units, as in 'dense 128 relu'");
    if (!bad && arg_int(c, positional(s, 0), "the number of units", 1, MAX_TENSOR, &l->units))
        bad = -1;
    l->act = ACT_IDENTITY;
    const Arg *act = positional(s, 1);
    const char *word;
    if (act && arg_word(c, act, "the activation", &word) == 0) {
        int k = vocab_lookup(c, &ACTIVATIONS, word, act->loc);
        if (k < 0)
            bad = -1;
        else
            l->act = k == COUNT(ACT_WORDS) - 1 ? ACT_IDENTITY : (Activation)k;
    } else if (act) {
        bad = -1;
    }
    if (bad || l->in.ndims == 0)
        return -1;
    char buf[64];
    if (l->in.ndims != 1) {
        diag_error(c->diag, s->line_loc, "dense needs a flat input, but its input is %s",
                   shape_str(&l->in, buf, sizeof buf));
        diag_note(c->diag, "add 'flatten' before this layer");
        return -1;
    }
    if (l->in.dims[0] * l->units > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "dense %ld on %ld inputs needs %ld weights; "
                   "at most %ld are supported", l->units, l->in.dims[0],
                   l->in.dims[0] * l->units, MAX_TENSOR);
        return -1;
    }
    l->out.ndims = 1;
    l->out.dims[0] = l->units;
    l->n_params = l->in.dims[0] * l->units + l->units;
    return 0;
}

/* dropout 0.2: the fraction of units zeroed while training */
static int check_dropout(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a rate, as in 'dropout 0.2'") ||
        arg_real(c, positional(s, 0), "the dropout rate", 0, 0.99, 1, &l->rate))
        return -1;
    l->out = l->in;
    return 0;
}

static int check_layer(Checker *c, const Stmt *s, Layer *l, int first)
{
    if (s->has_block) {
        diag_error(c->diag, s->line_loc, "'%s' takes no { block }", s->word);
        return -1;
    }
    if (l->kind == LAYER_INPUT && !first) {
        diag_error(c->diag, s->loc, "'input' must be the first layer");
        return -1;
    }
    switch (l->kind) {
    case LAYER_INPUT: return check_input(c, s, &l->out);
    case LAYER_FLATTEN:
        check_args(c, s, 0, NULL, 0);
        if (l->in.ndims == 0)
            return -1;
        l->out.ndims = 1;
        l->out.dims[0] = shape_size(&l->in);
        return 0;
    case LAYER_DENSE: return check_dense(c, s, l);
    case LAYER_DROPOUT: return check_dropout(c, s, l);
    }
    return -1;
}

void check_network(Checker *c, const Stmt *block)
{
    Model *m = c->model;
    check_args(c, block, 0, NULL, 0);
    if (!block->has_block) {
        diag_error(c->diag, block->line_loc, "'network' needs a { block } of layers");
        return;
    }
    int n = 0;
    for (const Stmt *s = block->body; s; s = s->next)
        n++;
    m->layers = arena_alloc(c->arena, sizeof(Layer) * (size_t)(n ? n : 1));
    int per_kind[COUNT(LAYER_WORDS)] = { 0 };
    Shape prev = { 0 };
    for (const Stmt *s = block->body; s; s = s->next) {
        int k = vocab_lookup(c, &LAYERS, s->word, s->loc);
        if (k < 0) {
            prev.ndims = 0;     /* poisoned: later layers skip shape checks */
            continue;
        }
        if (m->n_layers == 0 && k != LAYER_INPUT) {
            diag_error(c->diag, s->loc, "the network must start with 'input', such as 'input 28x28'");
            prev.ndims = 0;
        }
        Layer *l = &m->layers[m->n_layers++];
        l->kind = (LayerKind)k;
        l->stmt = s;
        l->in = prev;
        snprintf(l->name, sizeof l->name, "%s%d", LAYER_WORDS[k], ++per_kind[k]);
        if (check_layer(c, s, l, m->n_layers == 1) != 0)
            l->out.ndims = 0;
        prev = l->out;
    }
    if (m->n_layers == 0)
        diag_error(c->diag, block->loc, "the network has no layers");
}
