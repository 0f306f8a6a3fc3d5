/* check_network.c: the layers of a network { } block and the shape of every
 * layer's output.  A layer whose input shape is unknown (an earlier layer
 * was wrong) is checked for its own arguments only, so one mistake does not
 * cascade into a page of errors. */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* Index i is LayerKind i. */
static const char *const LAYER_WORDS[] = { NNC_LAYERS(VOCAB_WORD) };
static const Vocab LAYERS = { "layer", LAYER_WORDS, COUNT(LAYER_WORDS) };

/* Index i is Activation i; "linear" (Keras's name), last, is read as
 * identity. */
static const char *const ACT_WORDS[] = { NNC_ACTIVATIONS(VOCAB_WORD) "linear" };
static const Vocab ACTIVATIONS = { "activation", ACT_WORDS, COUNT(ACT_WORDS) };

const char *activation_name(Activation act) { return ACT_WORDS[act]; }

const char *layer_kind_word(LayerKind k) { return LAYER_WORDS[k]; }

int activation_grad_from_output(Activation act)
{
    return act != ACT_GELU && act != ACT_SOFTPLUS && act != ACT_SWISH && act != ACT_SOFTMAX;
}

/* Index i is the runtime's nnrt_init i. */
static const char *const INIT_WORDS[] = { NNRT_INITS(VOCAB_WORD) };
static const Vocab INITS = { "initializer", INIT_WORDS, COUNT(INIT_WORDS) };

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
/* name= goes on every layer (check_names.c) */
static const char *const NAME_KEYS[] = { "name" };
static const char *const DENSE_KEYS[] = { "slope", "alpha", "init", "init_scale", "l1", "l2",
                                          "trainable", "name" };
static const char *const CONV_KEYS[] = { "slope", "alpha", "init", "init_scale", "l1", "l2",
                                         "trainable", "stride", "padding", "name" };
static const char *const POOL_KEYS[] = { "stride", "padding", "name" };
static const char *const UPSAMPLE_KEYS[] = { "name" };
static const char *const EMBEDDING_KEYS[] = { "init", "init_scale", "l1", "l2", "trainable",
                                              "name" };
static const char *const RECURRENT_KEYS[] = { "slope", "alpha", "init", "recurrent_init",
                                              "l1", "l2", "trainable", "name" };
static const char *const BATCHNORM_KEYS[] = { "slope", "alpha", "init", "trainable", "momentum",
                                              "epsilon", "name" };

/* The initializer word of a kernel's init= (or recurrent_init=), or -1
 * after an error: unit_forget_bias starts lstm's bias, no kernel */
static int kernel_init_lookup(Checker *c, const Arg *a, const char *word)
{
    int k = vocab_lookup(c, &INITS, word, a->loc);
    if (k == NNRT_INIT_UNIT_FORGET_BIAS) {
        diag_error(c->diag, a->loc, "unit_forget_bias is how lstm's bias starts, not a "
                   "kernel's initializer");
        return -1;
    }
    return k;
}

/* init=, init_scale=, l1=, l2= of a dense layer or of the network */
static void check_weight_options(Checker *c, const Stmt *s, Defaults *d)
{
    const Arg *a;
    const char *word;
    if ((a = keyed(s, "init")) && resolve(c, a)->kind == ARG_STRING)
        ;   /* another model's weights: check_transfer() */
    else if (a && arg_word(c, resolve(c, a), "init", &word) == 0) {   /* let init = ... */
        int k = kernel_init_lookup(c, a, word);
        if (k >= 0)
            d->init = k;
    }
    if ((a = keyed(s, "init_scale"))) {
        arg_real(c, a, "init_scale", 0, 1e3, 0, &d->init_scale);
        if (d->init != NNRT_INIT_NORMAL && d->init != NNRT_INIT_UNIFORM)
            diag_error(c->diag, a->key_loc, "init_scale goes with init=normal or init=uniform");
    }
    if ((a = keyed(s, "l1")))
        arg_real(c, a, "l1", 0, 1e3, 1, &d->l1);
    if ((a = keyed(s, "l2")))
        arg_real(c, a, "l2", 0, 1e3, 1, &d->l2);
}

/* A dense or conv2d layer's init, init_scale, l1 and l2: its own, or the
 * network's */
static void take_weight_options(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    Defaults d = *net;
    check_weight_options(c, s, &d);
    l->init = d.init;
    l->init_scale = d.init_scale;
    l->l1 = d.l1;
    l->l2 = d.l2;
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

/* The optional activation word of a layer (act may be NULL: identity),
 * and its slope= or alpha=. */
static int check_activation(Checker *c, const Stmt *s, const Arg *act, Layer *l)
{
    int bad = 0;
    const char *word;
    l->act = ACT_IDENTITY;
    if (act && arg_word(c, resolve(c, act), "the activation", &word) == 0) {   /* or a let's */
        int k = vocab_lookup(c, &ACTIVATIONS, word, act->loc);
        if (k < 0)
            bad = -1;
        else
            l->act = k == COUNT(ACT_WORDS) - 1 ? ACT_IDENTITY : (Activation)k;
        if (l->act == ACT_STEP) {
            diag_warning(c->diag, act->loc, "no gradient passes 'step': its slope is 0 "
                         "wherever it has one, so this layer and those before it never learn");
            diag_note(c->diag, "step is the perceptron's activation, trained by its own rule, "
                      "not by backpropagation; sigmoid is the smooth step that learns");
        }
    } else if (act) {
        bad = -1;
    }
    check_activation_param(c, s, l);
    return bad;
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
    check_args(c, s, 1, NAME_KEYS, COUNT(NAME_KEYS));
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
    take_weight_options(c, s, l, net);
    int bad = require_args(c, s, 1, "a number of units, as in 'dense 128 relu'");
    if (!bad && arg_int(c, positional(s, 0), "the number of units", 1, MAX_TENSOR, &l->units))
        bad = -1;
    if (check_activation(c, s, positional(s, 1), l))
        bad = -1;
    if (bad || l->in.ndims == 0)
        return -1;
    char buf[64];
    /* On a sequence, as Keras's Dense on (steps, features): the same
     * weights on each step, (steps, units) out */
    int per_step = l->in.sequence && l->in.ndims == 2;
    if (l->in.ndims != 1 && !per_step) {
        diag_error(c->diag, s->line_loc, "dense needs a flat input, but its input is %s",
                   shape_str(&l->in, buf, sizeof buf));
        if (l->in.ndims == 2)
            diag_note(c->diag, "add 'flatten' before this layer; dense goes over each step "
                      "only of a sequence (from rnn, lstm or gru with 'sequences', or "
                      "embedding), not of an image's rows");
        else
            diag_note(c->diag, "add 'flatten' before this layer");
        return -1;
    }
    if (per_step && l->act == ACT_SOFTMAX) {
        diag_error(c->diag, positional(s, 1)->loc, "softmax on each of %ld steps needs a "
                   "class for each step, but a sample has one label", l->in.dims[0]);
        diag_note(c->diag, "give the recurrent layer before it no 'sequences', so that "
                  "dense sees its last step only, or add 'flatten' before this layer");
        return -1;
    }
    long inputs = l->in.dims[l->in.ndims - 1];
    if (inputs * l->units > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "dense %ld on %ld inputs needs %ld weights; "
                   "at most %ld are supported", l->units, inputs, inputs * l->units,
                   MAX_TENSOR);
        return -1;
    }
    if (per_step)
        l->out = (Shape){ .ndims = 2, .dims = { l->in.dims[0], l->units }, .sequence = 1 };
    else
        l->out = (Shape){ .ndims = 1, .dims = { l->units } };
    l->n_params = inputs * l->units + l->units;
    return 0;
}

/* dropout 0.2: the fraction of units zeroed while training */
static int check_dropout(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 1, NAME_KEYS, COUNT(NAME_KEYS));
    if (require_args(c, s, 1, "a rate, as in 'dropout 0.2'") ||
        arg_real(c, positional(s, 0), "the dropout rate", 0, 0.99, 1, &l->rate))
        return -1;
    l->out = l->in;
    return 0;
}

/* ---- images: conv2d, the pools, globalavgpool, batchnorm ----------------- */

/* The input of a layer that slides a window over an image: h x w x c, or
 * h x w read as one channel.  Reports and returns -1 for anything else. */
static int image_input(Checker *c, const Stmt *s, const Layer *l, Window *win)
{
    char buf[64];
    if (l->in.ndims == 3 || l->in.ndims == 2) {
        win->h = l->in.dims[0];
        win->w = l->in.dims[1];
        win->c = l->in.ndims == 3 ? l->in.dims[2] : 1;
        return 0;
    }
    diag_error(c->diag, s->line_loc, "%s needs an image input (rows x columns x channels), "
               "but its input is %s", s->word, shape_str(&l->in, buf, sizeof buf));
    if (l->in.ndims == 1)
        diag_note(c->diag, "give the input layer an image shape, such as 'input 28x28x1', "
                  "and put image layers before 'flatten'");
    return -1;
}

/* 5 or 5x5: a size along rows and columns, each in [1, max]. */
static int arg_pair(Checker *c, const Arg *a, const char *what, long max, long out[2])
{
    a = resolve(c, a);
    if (a->kind == ARG_NUMBER) {
        if (arg_int(c, a, what, 1, max, &out[0]))
            return -1;
        out[1] = out[0];
        return 0;
    }
    if (a->kind == ARG_DIMS) {
        char *end;
        long r = strtol(a->text, &end, 10);
        long k = *end == 'x' ? strtol(end + 1, &end, 10) : 0;
        if (*end == '\0' && r >= 1 && r <= max && k >= 1 && k <= max) {
            out[0] = r;
            out[1] = k;
            return 0;
        }
    }
    diag_error(c->diag, a->loc, "%s must be a size such as 3 or 3x3 (each from 1 to %ld), "
               "not '%.40s'", what, max, a->text);
    return -1;
}

/* Output size and padding before, along one axis, as Keras and TensorFlow
 * compute them.  pad < 0 means `same`.  Returns the output size (< 1 when
 * the window does not fit). */
static long window_axis(long in, long k, long stride, long pad, long *before)
{
    if (pad < 0) {          /* same: ceil(in / stride), padded as needed, odd pixel after */
        long out = (in + stride - 1) / stride;
        long total = (out - 1) * stride + k - in;
        *before = total > 0 ? total / 2 : 0;
        return out;
    }
    *before = pad;
    return in + 2 * pad < k ? 0 : (in + 2 * pad - k) / stride + 1;
}

/* stride=, padding= and the output size of the window in win (whose
 * input and kh, kw are set).  A pool's stride defaults to its size, as in
 * Keras. */
static int check_window(Checker *c, const Stmt *s, Window *win, int is_pool)
{
    long stride[2] = { 1, 1 };
    if (is_pool) {
        stride[0] = win->kh;
        stride[1] = win->kw;
    }
    const Arg *a = keyed(s, "stride");
    if (a && arg_pair(c, a, "the stride", 1024, stride))
        return -1;
    long pad = 0;           /* valid, Keras's default */
    if ((a = keyed(s, "padding"))) {
        const Arg *v = resolve(c, a);
        if (v->kind == ARG_WORD && strcmp(v->text, "same") == 0)
            pad = -1;
        else if (v->kind == ARG_WORD && strcmp(v->text, "valid") == 0)
            pad = 0;
        else if (v->kind == ARG_NUMBER) {
            /* a pool's windows must each hold a pixel of the image; a
             * convolution's may lie in the padding (their output is the bias) */
            long most = (win->kh < win->kw ? win->kh : win->kw) - 1;
            if (arg_int(c, v, "the padding", 0, is_pool ? most : 1024, &pad))
                return -1;
        } else {
            diag_error(c->diag, v->loc, "padding must be 'same', 'valid' or a number of "
                       "pixels, not '%.40s'", v->text);
            return -1;
        }
    }
    win->sh = stride[0];
    win->sw = stride[1];
    win->oh = window_axis(win->h, win->kh, win->sh, pad, &win->pt);
    win->ow = window_axis(win->w, win->kw, win->sw, pad, &win->pl);
    if (win->oh < 1 || win->ow < 1) {
        if (pad > 0)
            diag_error(c->diag, s->line_loc, "a %ldx%ld window does not fit in the %ldx%ld "
                       "input, even padded by %ld", win->kh, win->kw, win->h, win->w, pad);
        else
            diag_error(c->diag, s->line_loc, "a %ldx%ld window does not fit in the %ldx%ld "
                       "input", win->kh, win->kw, win->h, win->w);
        diag_note(c->diag, "use a smaller window, or padding=same");
        return -1;
    }
    return 0;
}

/* conv2d 32 5x5 [relu] [stride=1] [padding=valid|same|N] [init=] [l1=] [l2=] */
static int check_conv2d(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    check_args(c, s, 3, CONV_KEYS, COUNT(CONV_KEYS));
    take_weight_options(c, s, l, net);
    int bad = require_args(c, s, 2, "a number of filters and a window, as in 'conv2d 32 3x3 relu'");
    if (!bad && arg_int(c, positional(s, 0), "the number of filters", 1, 65536, &l->units))
        bad = -1;
    long k[2];
    if (!bad && arg_pair(c, positional(s, 1), "the window", 1024, k) == 0) {
        l->win.kh = k[0];
        l->win.kw = k[1];
    } else {
        bad = -1;
    }
    if (check_activation(c, s, positional(s, 2), l))
        bad = -1;
    if (!bad && l->act == ACT_SOFTMAX) {
        diag_error(c->diag, positional(s, 2)->loc, "softmax goes on a dense output, "
                   "not on a convolution's feature maps");
        bad = -1;
    }
    if (bad || l->in.ndims == 0 || image_input(c, s, l, &l->win) ||
        check_window(c, s, &l->win, 0))
        return -1;
    long weights = l->win.kh * l->win.kw * l->win.c * l->units;
    long outputs = l->win.oh * l->win.ow * l->units;
    if (weights > MAX_TENSOR || outputs > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "conv2d %ld %ldx%ld on %ldx%ldx%ld needs %ld weights "
                   "and %ld outputs; at most %ld each are supported", l->units, l->win.kh,
                   l->win.kw, l->win.h, l->win.w, l->win.c, weights, outputs, MAX_TENSOR);
        return -1;
    }
    l->out = (Shape){ .ndims = 3, .dims = { l->win.oh, l->win.ow, l->units } };
    l->n_params = weights + l->units;
    return 0;
}

/* maxpool 2 [stride=2] [padding=valid|same] (also avgpool, sumpool) */
static int check_pool(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 1, POOL_KEYS, COUNT(POOL_KEYS));
    long k[2];
    if (require_args(c, s, 1, "a window, as in 'maxpool 2' or 'maxpool 3x3 stride=2'") ||
        arg_pair(c, positional(s, 0), "the pool size", 1024, k))
        return -1;
    l->win.kh = k[0];
    l->win.kw = k[1];
    if (l->in.ndims == 0 || image_input(c, s, l, &l->win) || check_window(c, s, &l->win, 1))
        return -1;
    l->out = (Shape){ .ndims = 3, .dims = { l->win.oh, l->win.ow, l->win.c } };
    return 0;
}

/* embedding 128 32: ids 0 .. 127, each a row of 32 trained numbers, as
 * Keras's Embedding(128, 32) (its uniform(-0.05, 0.05) start unless
 * init= says otherwise): W ids in, W x 32 out, a sequence */
static int check_embedding(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    check_args(c, s, 2, EMBEDDING_KEYS, COUNT(EMBEDDING_KEYS));
    Defaults d = { .init = NNRT_INIT_UNIFORM, .init_scale = 0.05 };
    (void)net;   /* the network's init= is for kernels; Keras starts embeddings uniform */
    check_weight_options(c, s, &d);
    l->init = d.init;
    l->init_scale = d.init_scale;
    l->l1 = d.l1;
    l->l2 = d.l2;
    int bad = require_args(c, s, 2, "a vocabulary and a width, as in 'embedding 128 32'");
    if (!bad && arg_int(c, positional(s, 0), "the vocabulary", 2, 65536, &l->vocab))
        bad = -1;
    if (!bad && arg_int(c, positional(s, 1), "the width", 1, 65536, &l->units))
        bad = -1;
    if (bad || l->in.ndims == 0)
        return -1;
    char buf[64];
    if (shape_size(&l->in) != l->in.dims[0] || (l->in.ndims == 2 && l->in.dims[1] != 1)) {
        diag_error(c->diag, s->line_loc, "embedding reads a row of ids, but its input is %s",
                   shape_str(&l->in, buf, sizeof buf));
        diag_note(c->diag, "give 'input N' (N ids, a text's window) and put embedding first");
        return -1;
    }
    if (l->vocab * l->units > MAX_TENSOR || l->in.dims[0] * l->units > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "embedding %ld %ld on %ld ids is too big: at most %ld "
                   "values a tensor", l->vocab, l->units, l->in.dims[0], MAX_TENSOR);
        return -1;
    }
    l->out = (Shape){ .ndims = 2, .dims = { l->in.dims[0], l->units }, .sequence = 1 };
    l->n_params = l->vocab * l->units;   /* the vocabulary beside them is state */
    return 0;
}

/* upsample 2 (or 2x3): each pixel repeated as a block, Keras's
 * UpSampling2D (nearest): h x w x c -> h*2 x w*2 x c */
static int check_upsample(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 1, UPSAMPLE_KEYS, COUNT(UPSAMPLE_KEYS));
    long k[2];
    if (require_args(c, s, 1, "a factor, as in 'upsample 2' or 'upsample 2x2'") ||
        arg_pair(c, positional(s, 0), "the upsampling factor", 64, k))
        return -1;
    l->win.kh = l->win.sh = k[0];
    l->win.kw = l->win.sw = k[1];
    if (l->in.ndims == 0 || image_input(c, s, l, &l->win))
        return -1;
    l->win.oh = l->win.h * k[0];
    l->win.ow = l->win.w * k[1];
    if (l->win.oh * l->win.ow * l->win.c > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "upsample %ldx%ld of %ldx%ldx%ld makes %ld values; at "
                   "most %ld are supported", k[0], k[1], l->win.h, l->win.w, l->win.c,
                   l->win.oh * l->win.ow * l->win.c, MAX_TENSOR);
        return -1;
    }
    l->out = (Shape){ .ndims = 3, .dims = { l->win.oh, l->win.ow, l->win.c } };
    return 0;
}

/* conv2d_transpose 16 3x3 [relu] [stride=2] [padding=valid|same]: Keras's
 * Conv2DTranspose, the shape-reversing twin of conv2d: each input pixel
 * adds its window, weighted, into the output, the windows stride pixels
 * apart.  valid: oh = h * stride + max(k - stride, 0); same: oh = h *
 * stride, the window's overhang (k - stride) cropped, half above, the odd
 * pixel below, as TensorFlow does. */
static int check_conv2d_transpose(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    check_args(c, s, 3, CONV_KEYS, COUNT(CONV_KEYS));
    take_weight_options(c, s, l, net);
    int bad = require_args(c, s, 2, "a number of filters and a window, as in "
                                    "'conv2d_transpose 16 3x3 relu stride=2'");
    if (!bad && arg_int(c, positional(s, 0), "the number of filters", 1, 65536, &l->units))
        bad = -1;
    long k[2], stride[2] = { 1, 1 };
    if (!bad && arg_pair(c, positional(s, 1), "the window", 1024, k) == 0) {
        l->win.kh = k[0];
        l->win.kw = k[1];
    } else {
        bad = -1;
    }
    if (check_activation(c, s, positional(s, 2), l))
        bad = -1;
    if (!bad && l->act == ACT_SOFTMAX) {
        diag_error(c->diag, positional(s, 2)->loc, "softmax goes on a dense output, "
                   "not on a convolution's feature maps");
        bad = -1;
    }
    const Arg *a = keyed(s, "stride");
    if (a && arg_pair(c, a, "the stride", 1024, stride))
        bad = -1;
    int same = 0;
    if ((a = keyed(s, "padding"))) {
        const Arg *v = resolve(c, a);
        if (v->kind == ARG_WORD && (strcmp(v->text, "same") == 0 || strcmp(v->text, "valid") == 0))
            same = strcmp(v->text, "same") == 0;
        else {
            diag_error(c->diag, v->loc, "conv2d_transpose's padding is 'same' or 'valid', not "
                       "'%.40s'", v->text);
            bad = -1;
        }
    }
    if (bad || l->in.ndims == 0 || image_input(c, s, l, &l->win))
        return -1;
    Window *w = &l->win;
    w->sh = stride[0];
    w->sw = stride[1];
    /* Keras's deconv_output_length: valid adds the window's overhang */
    w->oh = w->h * w->sh + (same || w->kh < w->sh ? 0 : w->kh - w->sh);
    w->ow = w->w * w->sw + (same || w->kw < w->sw ? 0 : w->kw - w->sw);
    w->pt = same && w->kh > w->sh ? (w->kh - w->sh) / 2 : 0;   /* cropped from the top */
    w->pl = same && w->kw > w->sw ? (w->kw - w->sw) / 2 : 0;
    long weights = w->kh * w->kw * w->c * l->units, outputs = w->oh * w->ow * l->units;
    if (weights > MAX_TENSOR || outputs > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "conv2d_transpose %ld %ldx%ld on %ldx%ldx%ld needs %ld "
                   "weights and %ld outputs; at most %ld each are supported", l->units, w->kh,
                   w->kw, w->h, w->w, w->c, weights, outputs, MAX_TENSOR);
        return -1;
    }
    l->out = (Shape){ .ndims = 3, .dims = { w->oh, w->ow, l->units } };
    l->n_params = weights + l->units;
    return 0;
}

/* globalavgpool: h x w x c -> c */
static int check_global_pool(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 0, NAME_KEYS, COUNT(NAME_KEYS));
    if (l->in.ndims == 0 || image_input(c, s, l, &l->win))
        return -1;
    l->win.kh = l->win.oh = l->win.h;
    l->win.kw = l->win.ow = l->win.w;
    l->out = (Shape){ .ndims = 1, .dims = { l->win.c } };
    return 0;
}

/* batchnorm [relu] [momentum=0.99] [epsilon=0.001]: per channel (the last
 * dimension), as Keras's BatchNormalization(axis=-1), with its defaults */
static int check_batchnorm(Checker *c, const Stmt *s, Layer *l)
{
    check_args(c, s, 1, BATCHNORM_KEYS, COUNT(BATCHNORM_KEYS));
    int bad = check_activation(c, s, positional(s, 0), l);
    if (!bad && l->act == ACT_SOFTMAX) {
        diag_error(c->diag, positional(s, 0)->loc, "softmax goes on a dense output, "
                   "not after batchnorm; put a dense layer after it");
        bad = -1;
    }
    l->momentum = 0.99;
    l->epsilon = 0.001;
    const Arg *m = keyed(s, "momentum"), *e = keyed(s, "epsilon");
    if (m && arg_real(c, m, "momentum", 0, 1, 1, &l->momentum))
        bad = -1;
    else if (m && l->momentum >= 1) {
        diag_error(c->diag, m->loc, "momentum must be below 1, or the moving statistics "
                   "never move");
        bad = -1;
    }
    if (e && arg_real(c, e, "epsilon", 0, 1, 0, &l->epsilon))
        bad = -1;
    if (bad || l->in.ndims == 0)
        return -1;
    l->out = l->in;
    l->n_params = 2 * l->in.dims[l->in.ndims - 1];   /* gamma, beta; the moving ones are state */
    return 0;
}

const Layer *batchnorm_by_rows(const Model *m)
{
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->kind == LAYER_BATCHNORM && !l->frozen && l->in.ndims > 0 &&
            shape_size(&l->in) == l->in.dims[l->in.ndims - 1])
            return l;
    }
    return NULL;
}

/* ---- sequences: rnn, lstm, gru -------------------------------------------- */

/* The gates of a recurrent layer: the columns of its kernels are this many
 * blocks of units (Keras's order: lstm i, f, c, o; gru z, r, h) */
long recurrent_gates(LayerKind kind)
{
    return kind == LAYER_LSTM ? 4 : kind == LAYER_GRU ? 3 : 1;
}

/* The input of a recurrent layer: steps x features, as Keras reads an
 * image 28x28 (28 steps of a row's 28 values) or another recurrent
 * layer's `sequences` output.  Reports and returns -1 for anything else. */
static int sequence_input(Checker *c, const Stmt *s, const Layer *l)
{
    char buf[64];
    if (l->in.ndims == 2)
        return 0;
    diag_error(c->diag, s->line_loc, "%s needs a sequence (steps x features), but its input "
               "is %s", s->word, shape_str(&l->in, buf, sizeof buf));
    if (l->in.ndims == 1)
        diag_note(c->diag, "a flat input has no steps: remove 'flatten' before it, give "
                  "'input' two dimensions (input 28x28 is 28 steps of 28 values), or put "
                  "'sequences' on the recurrent layer before it");
    else
        diag_note(c->diag, "a recurrent layer reads rows as steps: give 'input' two "
                  "dimensions, such as 'input 28x28'");
    return -1;
}

/* rnn 64 [tanh] [sequences], lstm 128 [sequences], gru 64 [sequences]:
 * Keras's SimpleRNN, LSTM and GRU (reset_after=True), the last step's h
 * or, with `sequences`, every step's (return_sequences=True) */
static int check_recurrent(Checker *c, const Stmt *s, Layer *l, const Defaults *net)
{
    int is_rnn = l->kind == LAYER_RNN;
    check_args(c, s, is_rnn ? 3 : 2, RECURRENT_KEYS, COUNT(RECURRENT_KEYS));
    take_weight_options(c, s, l, net);
    l->recurrent_init = NNRT_INIT_ORTHOGONAL;
    const Arg *ri = keyed(s, "recurrent_init");
    const char *word;
    if (ri && arg_word(c, ri, "recurrent_init", &word) == 0) {
        int k = kernel_init_lookup(c, ri, word);
        if (k >= 0)
            l->recurrent_init = k;
    }
    int bad = require_args(c, s, 1, is_rnn ? "a number of units, as in 'rnn 64 tanh'"
                                           : "a number of units, as in 'lstm 128'");
    if (!bad && arg_int(c, positional(s, 0), "the number of units", 1, 65536, &l->units))
        bad = -1;
    const Arg *act = NULL;
    for (int i = 1; i < n_positional(s); i++) {
        const Arg *a = resolve(c, positional(s, i));
        if (a->kind == ARG_WORD && strcmp(a->text, "sequences") == 0 && !l->sequences) {
            l->sequences = 1;
        } else if (is_rnn && !act && !l->sequences) {
            act = positional(s, i);
        } else {
            diag_error(c->diag, a->loc, "'%.40s' is not an option of %s: after the units "
                       "comes %s", a->text, s->word,
                       is_rnn ? "an activation, then 'sequences'" : "only 'sequences'");
            bad = -1;
        }
    }
    if (is_rnn) {
        if (check_activation(c, s, act, l))
            bad = -1;
        if (!act)
            l->act = ACT_TANH;     /* Keras's default */
        if (!bad && !activation_grad_from_output(l->act)) {
            diag_error(c->diag, act->loc, "rnn takes an activation whose derivative its "
                       "output gives (tanh, relu, sigmoid, leaky_relu, elu, identity), "
                       "not %s", activation_name(l->act));
            bad = -1;
        }
    } else {
        l->act = ACT_TANH;
        check_activation_param(c, s, l);
    }
    if (bad || l->in.ndims == 0 || sequence_input(c, s, l))
        return -1;
    long steps = l->in.dims[0], features = l->in.dims[1], gates = recurrent_gates(l->kind);
    long weights = (features + l->units) * gates * l->units;
    if (weights > MAX_TENSOR || steps * l->units * gates > MAX_TENSOR) {
        diag_error(c->diag, s->line_loc, "%s %ld on %ld steps of %ld features needs %ld "
                   "weights; at most %ld are supported", s->word, l->units, steps, features,
                   weights, MAX_TENSOR);
        return -1;
    }
    if (l->sequences)
        l->out = (Shape){ .ndims = 2, .dims = { steps, l->units }, .sequence = 1 };
    else
        l->out = (Shape){ .ndims = 1, .dims = { l->units } };
    /* gru's bias is two rows, the input's and the recurrent product's */
    l->n_params = weights + (l->kind == LAYER_GRU ? 2 : 1) * gates * l->units;
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
        check_args(c, s, 0, NAME_KEYS, COUNT(NAME_KEYS));
        if (l->in.ndims == 0)
            return -1;
        l->out.ndims = 1;
        l->out.dims[0] = shape_size(&l->in);
        return 0;
    case LAYER_DENSE: return check_dense(c, s, l, net);
    case LAYER_DROPOUT: return check_dropout(c, s, l);
    case LAYER_CONV2D: return check_conv2d(c, s, l, net);
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
    case LAYER_SUMPOOL: return check_pool(c, s, l);
    case LAYER_GLOBALAVGPOOL: return check_global_pool(c, s, l);
    case LAYER_BATCHNORM: return check_batchnorm(c, s, l);
    case LAYER_RNN:
    case LAYER_LSTM:
    case LAYER_GRU: return check_recurrent(c, s, l, net);
    case LAYER_UPSAMPLE: return check_upsample(c, s, l);
    case LAYER_CONV2D_TRANSPOSE: return check_conv2d_transpose(c, s, l, net);
    case LAYER_EMBEDDING: return check_embedding(c, s, l, net);
    }
    return -1;
}

void check_network(Checker *c, const Stmt *block)
{
    Model *m = c->model;
    check_args(c, block, 0, WEIGHT_KEYS, COUNT(WEIGHT_KEYS));
    Defaults net = { .init = NNRT_INIT_GLOROT_UNIFORM, .init_scale = 0.05 };
    check_weight_options(c, block, &net);
    const Arg *init = keyed(block, "init");
    if (init && resolve(c, init)->kind == ARG_STRING)
        diag_error(c->diag, init->loc, "the network cannot start from another model's weights "
                   "as a whole; put init=\"...\" on the layers that do");
    if (!block->has_block) {
        diag_error(c->diag, block->line_loc, "'network' needs a { block } of layers");
        return;
    }
    int n = 0;
    for (const Stmt *s = block->body; s; s = s->next)
        n++;
    m->layers = arena_alloc(c->arena, sizeof(Layer) * (size_t)(n ? n : 1));
    int per_kind[COUNT(LAYER_WORDS)] = { 0 };
    LayerNames *names = layer_names_begin(c, block);
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
        snprintf(l->legacy, sizeof l->legacy, "%s%d", LAYER_WORDS[k], ++per_kind[k]);
        int bad = check_layer(c, s, l, m->n_layers == 1, &net);
        layer_name(c, names, l);   /* from its width: after check_layer */
        if (bad != 0 || check_transfer(c, s, l) != 0)
            l->out.ndims = 0;
        prev = l->out;
    }
    if (m->n_layers == 0)
        diag_error(c->diag, block->loc, "the network has no layers");
}
