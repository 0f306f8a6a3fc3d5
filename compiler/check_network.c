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
static const char *const ACT_WORDS[] = { "identity", "relu", "sigmoid", "tanh", "softmax",
                                         "leaky_relu", "elu", "gelu", "softplus", "swish",
                                         "linear" };
static const Vocab ACTIVATIONS = { "activation", ACT_WORDS, COUNT(ACT_WORDS) };

const char *activation_name(Activation act) { return ACT_WORDS[act]; }

int activation_grad_from_output(Activation act)
{
    return act != ACT_GELU && act != ACT_SOFTPLUS && act != ACT_SWISH && act != ACT_SOFTMAX;
}

/* Index i is the runtime's nnrt_init i. */
static const char *const INIT_WORDS[] = {
    "zeros", "he_normal", "he_uniform", "glorot_uniform", "glorot_normal",
    "lecun_normal", "lecun_uniform", "normal", "uniform",
};
static const Vocab INITS = { "initializer", INIT_WORDS, COUNT(INIT_WORDS) };
enum { INIT_GLOROT_UNIFORM = 3, INIT_NORMAL = 7, INIT_UNIFORM = 8 };

const char *const *init_names(int *n)
{
    *n = COUNT(INIT_WORDS);
    return INIT_WORDS;
}

/* What a dense layer takes from the network statement unless it says
 * otherwise: network init=he_normal l2=0.0001 { ... } */
typedef struct Defaults {
    int init;
    double init_scale, l1, l2;
} Defaults;

static const char *const WEIGHT_KEYS[] = { "init", "init_scale", "l1", "l2" };
static const char *const DENSE_KEYS[] = { "slope", "alpha", "init", "init_scale", "l1", "l2" };

/* init=, init_scale=, l1=, l2= of a dense layer or of the network */
static void check_weight_options(Checker *c, const Stmt *s, Defaults *d)
{
    const Arg *a;
    const char *word;
    if ((a = keyed(s, "init")) && arg_word(c, a, "init", &word) == 0) {
        int k = vocab_lookup(c, &INITS, word, a->loc);
        if (k >= 0)
            d->init = k;
    }
    if ((a = keyed(s, "init_scale"))) {
        arg_real(c, a, "init_scale", 0, 1e3, 0, &d->init_scale);
        if (d->init != INIT_NORMAL && d->init != INIT_UNIFORM)
            diag_error(c->diag, a->key_loc, "init_scale goes with init=normal or init=uniform");
    }
    if ((a = keyed(s, "l1")))
        arg_real(c, a, "l1", 0, 1e3, 1, &d->l1);
    if ((a = keyed(s, "l2")))
        arg_real(c, a, "l2", 0, 1e3, 1, &d->l2);
}

/* slope=, alpha=: only with the activation that takes it */
static void check_activation_param(Checker *c, const Stmt *s, Layer *l)
{
    const char *key = l->act == ACT_LEAKY_RELU ? "slope" : l->act == ACT_ELU ? "alpha" : NULL;
    l->act_param = l->act == ACT_LEAKY_RELU ? 0.2 : 1.0;   /* Keras's defaults */
    for (int i = 0; i < 2; i++) {      /* DENSE_KEYS[0..1]: slope, alpha */
        const Arg *a = keyed(s, DENSE_KEYS[i]);
        if (!a)
            continue;
        if (!key || strcmp(key, DENSE_KEYS[i]) != 0) {
            diag_error(c->diag, a->key_loc, "'%s' is an option of %s, not of %s", DENSE_KEYS[i],
                       i == 0 ? "leaky_relu" : "elu", activation_name(l->act));
            continue;
        }
        arg_real(c, a, DENSE_KEYS[i], 0, 1e3, 1, &l->act_param);
    }
}

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
    const Arg *a = resolve(c, positional(s, 0));
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

/* dense 128 relu [slope=|alpha=] [init=he_normal] [l1=] [l2=] */
static int check_dense(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    check_args(c, s, 2, DENSE_KEYS, COUNT(DENSE_KEYS));
    Defaults d = *net;
    check_weight_options(c, s, &d);
    l->init = d.init;
    l->init_scale = d.init_scale;
    l->l1 = d.l1;
    l->l2 = d.l2;
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
    check_activation_param(c, s, l);
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

static int check_layer(Checker *c, const Stmt *s, Layer *l, int first, const Defaults *net)
{
    if (s->has_block) {
        diag_error(c->diag, s->line_loc, "'%.40s' takes no { block }", s->word);
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
    case LAYER_DENSE: return check_dense(c, s, l, net);
    case LAYER_DROPOUT: return check_dropout(c, s, l);
    }
    return -1;
}

void check_network(Checker *c, const Stmt *block)
{
    Model *m = c->model;
    check_args(c, block, 0, WEIGHT_KEYS, COUNT(WEIGHT_KEYS));
    Defaults net = { .init = INIT_GLOROT_UNIFORM, .init_scale = 0.05 };
    check_weight_options(c, block, &net);
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
        if (check_layer(c, s, l, m->n_layers == 1, &net) != 0)
            l->out.ndims = 0;
        prev = l->out;
    }
    if (m->n_layers == 0)
        diag_error(c->diag, block->loc, "the network has no layers");
}
