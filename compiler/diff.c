/* diff.c: `nnc diff A.nn B.nn`, what a change to a model means.
 *
 * Both files are checked as `nnc check` checks them, and compared by what
 * they mean, never by their text: a comment, a blank line or a `let` that
 * gives the same values changes nothing.  The output (README.md,
 * "Reviewing a change"), only the sections that changed:
 *
 *   layers (paired by name):
 *     ~ dense1        dense 128 relu -> dense 256 relu
 *                     output 128 -> 256, params 100480 -> 200960, ...
 *     > dense2        dense 10 softmax: input 128 -> 256, params 1290 -> 2570
 *     + dropout1      dropout 0.2: output 256
 *   train:
 *     optimizer: adam lr=0.001 ... -> momentum lr=0.01 momentum=0.9
 *   totals: params 101770 -> 203530, mult-adds 101632 -> 203264
 *
 * `~` a layer whose statement changed (or whose name did), `>` one whose
 * statement did not but whose shapes or costs moved because of an earlier
 * change, `+` added, `-` removed.  The per-layer facts are nnc check's
 * (summary_rows), so the two never disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

/* One checked model and its nnc check rows. */
typedef struct Side {
    Source src;
    Model *m;
    Ir *ir;
    SummaryRow *rows;
} Side;

/* A line of the `layers` section: a mark, a label, one or two texts. */
typedef struct Entry {
    char mark;
    const char *label, *line1, *line2;
} Entry;

/* A hyper-parameter: its section, its name, its value as compared, and as
 * shown when that differs (1/255 for 0.00392156862745098). */
typedef struct Fact {
    const char *section, *name, *value, *shown;
} Fact;

enum { MAX_FACTS = 64 };

/* Numbers as compared and shown: every digit a double holds that %g would
 * round away would hide a change, so 15 significant digits. */
static const char *num(Arena *a, double x) { return arena_printf(a, "%.15g", x); }

/* text in double quotes, control and non-ASCII bytes as octal escapes, so a
 * path or a class name cannot drive the terminal */
static const char *quoted(Arena *a, const char *text)
{
    char *out = arena_alloc(a, strlen(text) * 4 + 3), *p = out;
    *p++ = '"';
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
            p += sprintf(p, "\\%03o", *s);
        else
            *p++ = (char)*s;
    }
    *p++ = '"';
    return out;
}

/* ---- loading ------------------------------------------------------------ */

/* Reads, checks and lowers path into side; 0, or -1 after the diagnostics. */
static int load(Arena *a, const char *path, Side *side)
{
    if (source_read(a, path, &side->src) != 0)
        return -1;
    Diag d;
    diag_init(&d, &side->src, stderr);
    side->ir = compile_source(a, &side->src, &d, &side->m);
    if (!side->ir) {
        fprintf(stderr, "%s: %d error%s\n", path, d.n_errors, d.n_errors == 1 ? "" : "s");
        return -1;
    }
    side->rows = summary_rows(side->m, side->ir);
    return 0;
}

/* ---- pairing layers ------------------------------------------------------ */

typedef struct Named {
    const char *name;
    int index;
} Named;

static int by_name(const void *x, const void *y)
{
    return strcmp(((const Named *)x)->name, ((const Named *)y)->name);
}

/* The layers of a and b of one name paired: b's sorted by name and
 * searched, so a model of 100000 layers costs no 10^10 comparisons.
 * Names are unique within a model (check_network.c). */
static void pair_by_name(const Model *a, const Model *b, int *match_a, int *match_b)
{
    Named *sorted = malloc(((size_t)b->n_layers + 1) * sizeof *sorted);
    if (!sorted) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    for (int j = 0; j < b->n_layers; j++)
        sorted[j] = (Named){ b->layers[j].name, j };
    qsort(sorted, (size_t)b->n_layers, sizeof *sorted, by_name);
    for (int i = 0; i < a->n_layers; i++) {
        Named key = { a->layers[i].name, i };
        const Named *hit = bsearch(&key, sorted, (size_t)b->n_layers, sizeof *sorted, by_name);
        if (hit && match_b[hit->index] < 0) {
            match_a[i] = hit->index;
            match_b[hit->index] = i;
        }
    }
    free(sorted);
}

/* match_a[i]: the layer of b paired with a's layer i, or -1; match_b the
 * same the other way; renamed[i]: a's layer i is paired with one of
 * another name.  By name first; then the layers left over on each side,
 * taken in order, pair where the kinds agree at the same place. */
static void pair_layers(const Model *a, const Model *b, int *match_a, int *match_b, int *renamed)
{
    for (int i = 0; i < a->n_layers; i++)
        match_a[i] = -1;
    for (int j = 0; j < b->n_layers; j++)
        match_b[j] = -1;
    pair_by_name(a, b, match_a, match_b);
    int i = 0, j = 0;
    for (;;) {
        while (i < a->n_layers && match_a[i] >= 0)
            i++;
        while (j < b->n_layers && match_b[j] >= 0)
            j++;
        if (i == a->n_layers || j == b->n_layers)
            break;
        if (a->layers[i].kind == b->layers[j].kind) {
            match_a[i] = j;
            match_b[j] = i;
            renamed[i] = 1;
        }
        i++;
        j++;
    }
}

/* ---- describing a layer ---------------------------------------------------- */

enum { MAX_OPTIONS = 12 };

typedef struct Options {
    const char *key[MAX_OPTIONS], *value[MAX_OPTIONS];
    int n;
} Options;

static void option(Options *o, const char *key, const char *value)
{
    o->key[o->n] = key;
    o->value[o->n++] = value;
}

/* What a layer's statement says beyond summary.c's "what": its options as
 * checked (defaults included, so an option written out with its default
 * value is no change). */
static void layer_options(Arena *a, const Layer *l, Options *o)
{
    int recurrent = l->kind == LAYER_RNN || l->kind == LAYER_LSTM || l->kind == LAYER_GRU;
    int weights = l->kind == LAYER_DENSE || l->kind == LAYER_CONV2D || recurrent ||
                  l->kind == LAYER_CONV2D_TRANSPOSE || l->kind == LAYER_EMBEDDING;
    int window = l->kind == LAYER_CONV2D || l->kind == LAYER_CONV2D_TRANSPOSE ||
                 l->kind == LAYER_MAXPOOL ||
                 l->kind == LAYER_AVGPOOL || l->kind == LAYER_SUMPOOL;
    o->n = 0;
    if (weights || l->kind == LAYER_BATCHNORM) {
        if (l->act == ACT_LEAKY_RELU)
            option(o, "slope", num(a, l->act_param));
        if (l->act == ACT_ELU)
            option(o, "alpha", num(a, l->act_param));
    }
    if (window)
        option(o, "padding", arena_printf(a, "%ldx%ld", l->win.pt, l->win.pl));
    if (weights) {
        int n;
        const char *init = init_names(&n)[l->init];
        if (!l->init_file)
            option(o, "init", init);
        /* only normal and uniform read it (its default stands for the rest) */
        if (!l->init_file && (strcmp(init, "normal") == 0 || strcmp(init, "uniform") == 0))
            option(o, "init_scale", num(a, l->init_scale));
        if (recurrent && !l->init_file)
            option(o, "recurrent_init", init_names(&n)[l->recurrent_init]);
        if (l->l1 != 0)
            option(o, "l1", num(a, l->l1));
        if (l->l2 != 0)
            option(o, "l2", num(a, l->l2));
    }
    if (l->kind == LAYER_BATCHNORM) {
        option(o, "momentum", num(a, l->momentum));
        option(o, "epsilon", num(a, l->epsilon));
    }
    if (l->init_file)
        option(o, "init", quoted(a, l->init_file));
    if (l->frozen)
        option(o, "trainable", "false");
}

/* "dense 128 relu", and "input 28x28": an input's shape is its statement */
static const char *layer_what(Arena *a, const SummaryRow *r)
{
    char shape[64];
    if (r->layer->kind == LAYER_INPUT)
        return arena_printf(a, "%s %s", r->what, shape_str(&r->layer->out, shape, sizeof shape));
    return r->what;
}

/* The layer's statement in full: "dense 128 relu init=he_uniform l2=0.01" */
static const char *layer_statement(Arena *a, const SummaryRow *r)
{
    Options o;
    layer_options(a, r->layer, &o);
    const char *text = layer_what(a, r);
    for (int k = 0; k < o.n; k++)
        text = arena_printf(a, "%s %s=%s", text, o.key[k], o.value[k]);
    return text;
}

/* key's value, or what its absence means */
static const char *value_of(const Options *o, const char *key)
{
    for (int k = 0; k < o->n; k++)
        if (strcmp(o->key[k], key) == 0)
            return o->value[k];
    return strcmp(key, "trainable") == 0 ? "true" : "none";
}

/* "dense 128 relu -> dense 256 relu, l2 none -> 0.01", or NULL when the
 * statements mean the same */
static const char *statement_change(Arena *a, const SummaryRow *ra, const SummaryRow *rb)
{
    Options oa, ob;
    layer_options(a, ra->layer, &oa);
    layer_options(a, rb->layer, &ob);
    const char *wa = layer_what(a, ra), *wb = layer_what(a, rb);
    int changed = strcmp(wa, wb) != 0;
    const char *text = changed ? arena_printf(a, "%s -> %s", wa, wb) : wb;
    const Options *sides[2] = { &oa, &ob };
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < sides[s]->n; k++) {
            const char *key = sides[s]->key[k];
            int in_a = 0;
            for (int i = 0; i < oa.n; i++)
                in_a |= strcmp(oa.key[i], key) == 0;
            if (s == 1 && in_a)
                continue;     /* listed from a's side */
            const char *va = value_of(&oa, key), *vb = value_of(&ob, key);
            if (strcmp(va, vb) != 0) {
                text = arena_printf(a, "%s, %s %s -> %s", text, key, va, vb);
                changed = 1;
            }
        }
    return changed ? text : NULL;
}

/* Appends ", name A -> B" to *text when the two differ. */
static void moved(Arena *a, const char **text, const char *name, const char *va, const char *vb)
{
    if (strcmp(va, vb) != 0)
        *text = arena_printf(a, "%s%s%s %s -> %s", *text, **text ? ", " : "", name, va, vb);
}

/* "input 128 -> 256, params 1290 -> 2570, ...": what moved, "" if nothing */
static const char *cost_change(Arena *a, const SummaryRow *ra, const SummaryRow *rb)
{
    char sa[64], sb[64];
    const Layer *la = ra->layer, *lb = rb->layer;
    const char *text = "";
    moved(a, &text, "input", shape_str(&la->in, sa, sizeof sa), shape_str(&lb->in, sb, sizeof sb));
    moved(a, &text, "output", shape_str(&la->out, sa, sizeof sa),
          shape_str(&lb->out, sb, sizeof sb));
    moved(a, &text, "params", arena_printf(a, "%ld", la->n_params),
          arena_printf(a, "%ld", lb->n_params));
    moved(a, &text, "mult-adds", arena_printf(a, "%ld", ra->macs), arena_printf(a, "%ld", rb->macs));
    moved(a, &text, "kernel", ra->kernel[0] ? ra->kernel : "none",
          rb->kernel[0] ? rb->kernel : "none");
    return text;
}

/* "dense 64 relu init=he_uniform: output 64, params 8256, mult-adds 8192,
 * kernel gemm", for a layer only one side has */
static const char *layer_alone(Arena *a, const SummaryRow *r)
{
    char shape[64];
    const char *text = arena_printf(a, "%s: output %s", layer_statement(a, r),
                                    shape_str(&r->layer->out, shape, sizeof shape));
    if (r->layer->n_params)
        text = arena_printf(a, "%s, params %ld", text, r->layer->n_params);
    if (r->macs)
        text = arena_printf(a, "%s, mult-adds %ld", text, r->macs);
    if (r->kernel[0])
        text = arena_printf(a, "%s, kernel %s", text, r->kernel);
    return text;
}

/* The entry for a pair, or 0 when the layer is the same on both sides. */
static int pair_entry(Arena *a, const SummaryRow *ra, const SummaryRow *rb, int renamed,
                      Entry *e)
{
    const char *stmt = statement_change(a, ra, rb), *cost = cost_change(a, ra, rb);
    e->label = renamed ? arena_printf(a, "%s -> %s", ra->layer->name, rb->layer->name)
                       : rb->layer->name;
    e->line2 = NULL;
    if (stmt || renamed) {
        e->mark = '~';
        e->line1 = stmt ? stmt : arena_printf(a, "%s (renamed)", layer_what(a, rb));
        e->line2 = *cost ? cost : NULL;
        return 1;
    }
    if (!*cost)
        return 0;
    e->mark = '>';
    e->line1 = arena_printf(a, "%s: %s", layer_what(a, rb), cost);
    return 1;
}

/* The `layers` entries in b's order, each removed layer where it stood in a. */
static int layer_entries(Arena *a, const Side *sa, const Side *sb, Entry *entries)
{
    const Model *ma = sa->m, *mb = sb->m;
    int *match_a = arena_alloc(a, ((size_t)ma->n_layers + 1) * sizeof *match_a);
    int *match_b = arena_alloc(a, ((size_t)mb->n_layers + 1) * sizeof *match_b);
    int *renamed = arena_alloc(a, ((size_t)ma->n_layers + 1) * sizeof *renamed);
    pair_layers(ma, mb, match_a, match_b, renamed);
    int n = 0, i = 0;
    for (int j = 0; j <= mb->n_layers; j++) {
        int until = j == mb->n_layers ? ma->n_layers : match_b[j];
        for (; i < until; i++)
            if (match_a[i] < 0)
                entries[n++] = (Entry){ '-', ma->layers[i].name, layer_alone(a, &sa->rows[i]),
                                        NULL };
        if (j == mb->n_layers)
            break;
        if (match_b[j] < 0) {
            entries[n++] = (Entry){ '+', mb->layers[j].name, layer_alone(a, &sb->rows[j]), NULL };
            continue;
        }
        if (i <= match_b[j])
            i = match_b[j] + 1;
        n += pair_entry(a, &sa->rows[match_b[j]], &sb->rows[j], renamed[match_b[j]], &entries[n]);
    }
    return n;
}

static void print_layers(const Entry *entries, int n)
{
    int width = 20;
    for (int k = 0; k < n; k++)
        if ((int)strlen(entries[k].label) + 2 > width)
            width = (int)strlen(entries[k].label) + 2;
    printf("layers (paired by name):\n");
    for (int k = 0; k < n; k++) {
        printf("  %c %-*s%s\n", entries[k].mark, width, entries[k].label, entries[k].line1);
        if (entries[k].line2)
            printf("    %-*s%s\n", width, "", entries[k].line2);
    }
}

/* ---- everything outside the network ---------------------------------------- */

static void fact(Fact *f, int *n, const char *section, const char *name, const char *value)
{
    f[(*n)++] = (Fact){ section, name, value, NULL };
}

/* "none", or the words joined by spaces */
static const char *joined(Arena *a, const char **words, int n, int quote)
{
    if (n == 0)
        return "none";
    const char *text = "";
    for (int k = 0; k < n; k++)
        text = arena_printf(a, "%s%s%s", text, k ? " " : "", quote ? quoted(a, words[k]) : words[k]);
    return text;
}

/* "5 6 7" for the bits of mask, or none_text */
static const char *class_list(Arena *a, uint32_t mask, const char *none_text)
{
    const char *text = "";
    for (int c = 0; c < 32; c++)
        if (mask & (1u << c))
            text = arena_printf(a, "%s%s%d", text, *text ? " " : "", c);
    return *text ? text : none_text;
}

static const char *path_or_none(Arena *a, const char *path)
{
    return path ? quoted(a, path) : "none";
}

static void data_facts(Arena *a, const Model *m, Fact *f, int *n)
{
    fact(f, n, "data", "train images", path_or_none(a, m->train_images));
    fact(f, n, "data", "train labels", path_or_none(a, m->train_labels));
    fact(f, n, "data", "train csv", path_or_none(a, m->train_csv));
    fact(f, n, "data", "test images", path_or_none(a, m->test_images));
    fact(f, n, "data", "test labels", path_or_none(a, m->test_labels));
    fact(f, n, "data", "test csv", path_or_none(a, m->test_csv));
    fact(f, n, "data", "inputs", joined(a, m->inputs, m->n_inputs, 0));
    fact(f, n, "data", "targets", joined(a, m->targets, m->n_targets, 0));
    fact(f, n, "data", "regression", m->regress ? "yes" : "no");
    fact(f, n, "data", "target", m->target_input ? "input"
                                 : m->soft_targets ? "class probabilities"
                                 : m->multi_label ? "a 0/1 column per label" : "the labels");
    fact(f, n, "data", "series", path_or_none(a, m->series_csv));
    fact(f, n, "data", "series column", m->series_column ? m->series_column : "none");
    fact(f, n, "data", "text", path_or_none(a, m->text_file));
    fact(f, n, "data", "window", m->window ? arena_printf(a, "%ld", m->window) : "none");
    fact(f, n, "data", "horizon", m->horizon ? arena_printf(a, "%ld", m->horizon) : "none");
    fact(f, n, "data", "test", m->test_fraction > 0
                                   ? arena_printf(a, "%.15g%%", m->test_fraction * 100)
                                   : "its files");
    fact(f, n, "data", "validation", arena_printf(a, "%.15g%%", m->validation * 100));
    fact(f, n, "data", "positive", class_list(a, m->positive, "none"));
    fact(f, n, "data", "scale", num(a, m->scale));
    if (m->scale_text)
        f[*n - 1].shown = m->scale_text;
    fact(f, n, "data", "classes", joined(a, m->class_names, m->n_class_names, 1));
    fact(f, n, "data", "keep", class_list(a, m->keep, "all"));
}

/* "2 p=0.5", or "none" for a change whose p is 0 */
static const char *augment_value(Arena *a, double amount, double p, int has_amount)
{
    if (p == 0)
        return "none";
    return has_amount ? arena_printf(a, "%.15g p=%.15g", amount, p) : arena_printf(a, "p=%.15g", p);
}

static void augment_facts(Arena *a, const Augment *g, Fact *f, int *n)
{
    fact(f, n, "augment", "flip horizontal", augment_value(a, 0, g->hflip_p, 0));
    fact(f, n, "augment", "flip vertical", augment_value(a, 0, g->vflip_p, 0));
    fact(f, n, "augment", "shift", augment_value(a, g->shift, g->shift_p, 1));
    fact(f, n, "augment", "rotate", augment_value(a, g->rotate, g->rotate_p, 1));
    fact(f, n, "augment", "zoom", augment_value(a, g->zoom, g->zoom_p, 1));
    fact(f, n, "augment", "aspect", augment_value(a, g->aspect, g->aspect_p, 1));
    fact(f, n, "augment", "brightness", augment_value(a, g->brightness, g->brightness_p, 1));
    fact(f, n, "augment", "contrast", augment_value(a, g->contrast, g->contrast_p, 1));
    fact(f, n, "augment", "noise", augment_value(a, g->noise, g->noise_p, 1));
    fact(f, n, "augment", "erase", augment_value(a, g->erase, g->erase_p, 1));
}

/* "adam lr=0.001 beta1=0.9 beta2=0.999 epsilon=1e-07": every parameter
 * the optimizer has, defaults included, as nnc check prints them */
static const char *optimizer_value(Arena *a, const Model *m)
{
    const char *text = optimizer_name(m->optimizer);
    for (int p = 0; p < N_OPT_PARAMS; p++)
        if (m->opt_used & (1u << p))
            text = arena_printf(a, "%s %s=%.15g", text, opt_param_name((OptParam)p), m->opt[p]);
    return text;
}

/* "step factor=0.5 every=10": the parameters the kind reads (check_optimizer.c) */
static const char *schedule_value(Arena *a, const Schedule *s)
{
    const char *name = schedule_name(s->kind);
    switch (s->kind) {
    case SCHEDULE_STEP:
    case SCHEDULE_EXPONENTIAL:
        return arena_printf(a, "%s factor=%.15g every=%ld", name, s->factor, s->every);
    case SCHEDULE_COSINE:
        return arena_printf(a, "%s min=%.15g", name, s->min_lr);
    case SCHEDULE_PLATEAU:
        return arena_printf(a, "%s factor=%.15g patience=%ld min_lr=%.15g", name, s->factor,
                            s->patience, s->min_lr);
    default:
        return name;
    }
}

static const char *early_stop_value(Arena *a, const EarlyStop *e)
{
    if (!e->stmt)
        return "none";
    return arena_printf(a, "patience %ld monitor=%s min_delta=%.15g", e->patience,
                        monitor_name(e->monitor), e->min_delta);
}

static void train_facts(Arena *a, const Model *m, Fact *f, int *n)
{
    fact(f, n, "train", "loss", m->label_smoothing > 0
                                    ? arena_printf(a, "%s smoothing=%.15g", loss_name(m->loss),
                                                   m->label_smoothing)
                                    : loss_name(m->loss));
    fact(f, n, "train", "optimizer", optimizer_value(a, m));
    fact(f, n, "train", "schedule", schedule_value(a, &m->schedule));
    fact(f, n, "train", "early_stop", early_stop_value(a, &m->early_stop));
    fact(f, n, "train", "batch", arena_printf(a, "%ld", m->batch));
    fact(f, n, "train", "epochs", arena_printf(a, "%ld", m->epochs));
    fact(f, n, "train", "seed", arena_printf(a, "%llu", (unsigned long long)m->seed));
}

/* Every hyper-parameter of m, in an order that does not depend on m. */
static int model_facts(Arena *a, const Model *m, Fact *f)
{
    int n = 0;
    fact(f, &n, "model", "name", m->name);
    data_facts(a, m, f, &n);
    augment_facts(a, &m->augment, f, &n);
    train_facts(a, m, f, &n);
    return n;
}

/* Prints the facts that differ under their sections; how many. */
static int print_facts(const Fact *fa, const Fact *fb, int n)
{
    int changes = 0;
    const char *section = NULL;
    for (int k = 0; k < n; k++) {
        if (strcmp(fa[k].value, fb[k].value) == 0)
            continue;
        if (!section || strcmp(section, fa[k].section) != 0)
            printf("%s:\n", section = fa[k].section);
        printf("  %s: %s -> %s\n", fa[k].name, fa[k].shown ? fa[k].shown : fa[k].value,
               fb[k].shown ? fb[k].shown : fb[k].value);
        changes++;
    }
    return changes;
}

/* ---- the command ------------------------------------------------------------- */

/* Each line of m's canonical text (canon.c), in a malloc'ed buffer whose
 * newlines are now NULs; *n the number of lines. */
static char *canon_lines(const Model *m, int *n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = text_stream(&text, &len);
    canon_model(f, m);
    fclose(f);
    *n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            text[i] = '\0';
            ++*n;
        }
    return text;
}

static int has_line(const char *lines, int n, const char *line)
{
    for (int i = 0; i < n; i++, lines += strlen(lines) + 1)
        if (strcmp(lines, line) == 0)
            return 1;
    return 0;
}

/* The safety net, so "no change in meaning" is never said of two models
 * whose meaning differs in a way the sections above do not itemize: their
 * hashes (canon.c) differ.  Prints the canonical statements only one side
 * has; returns whether the meanings differ. */
static int print_other(const Side *sa, const Side *sb)
{
    if (strcmp(sa->m->hash, sb->m->hash) == 0)
        return 0;
    int na, nb;
    char *la = canon_lines(sa->m, &na), *lb = canon_lines(sb->m, &nb);
    printf("other (statements as nnc reads them):\n");
    const char *p = la;
    for (int i = 0; i < na; i++, p += strlen(p) + 1)
        if (!has_line(lb, nb, p))
            printf("  - %s\n", p);
    p = lb;
    for (int i = 0; i < nb; i++, p += strlen(p) + 1)
        if (!has_line(la, na, p))
            printf("  + %s\n", p);
    free(la);
    free(lb);
    return 1;
}

static long total_params(const Model *m)
{
    long n = 0;
    for (int i = 0; i < m->n_layers; i++)
        n += m->layers[i].n_params;
    return n;
}

static long total_macs(const Side *s)
{
    long n = 0;
    for (int i = 0; i < s->m->n_layers; i++)
        n += s->rows[i].macs;
    return n;
}

static void print_totals(const Side *sa, const Side *sb)
{
    long pa = total_params(sa->m), pb = total_params(sb->m);
    long ma = total_macs(sa), mb = total_macs(sb);
    printf("totals: params %ld", pa);
    if (pb != pa)
        printf(" -> %ld", pb);
    printf(", mult-adds %ld", ma);
    if (mb != ma)
        printf(" -> %ld", mb);
    printf("\n");
}

static int compare(Arena *a, Side *sa, Side *sb)
{
    Entry *entries = arena_alloc(a, ((size_t)sa->m->n_layers + sb->m->n_layers + 1) *
                                        sizeof *entries);
    int n_entries = layer_entries(a, sa, sb, entries);
    if (n_entries)
        print_layers(entries, n_entries);
    Fact fa[MAX_FACTS], fb[MAX_FACTS];
    int n = model_facts(a, sa->m, fa);
    model_facts(a, sb->m, fb);
    int changes = n_entries + print_facts(fa, fb, n);
    if (changes == 0)
        changes = print_other(sa, sb);
    if (changes == 0) {
        printf("no change in meaning\n");
        return 0;
    }
    print_totals(sa, sb);
    return 1;
}

int diff_command(int argc, char **argv)
{
    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
        fprintf(stderr, "usage: nnc diff A.nn B.nn\n");
        return 2;
    }
    Arena arena = { 0 };
    Side sa = { 0 }, sb = { 0 };
    int bad = load(&arena, argv[1], &sa) != 0;
    bad |= load(&arena, argv[2], &sb) != 0;
    int status = bad ? 2 : compare(&arena, &sa, &sb);
    free(sa.rows);
    free(sb.rows);
    arena_free(&arena);
    return status;
}
