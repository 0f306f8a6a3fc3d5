/* check_augment.c: the augment { ... } section, random changes to each
 * training image (the runtime's nnrt_augment, runtime/augment.c):
 *
 *   augment {
 *       flip horizontal p=0.5
 *       shift 2 p=0.5
 *       rotate 8 p=0.25
 *   }
 *
 * Every statement but flip gives a magnitude; each may give p=, the
 * probability it applies to an image (default 1; flips 0.5).  Checked
 * after the network, since a shift is bounded by the input image's size. */
#include <stddef.h>
#include <string.h>

#include "checker.h"

static const char *const WORDS[] = { "flip", "shift", "rotate", "zoom", "aspect",
                                     "brightness", "contrast", "noise", "erase" };
static const Vocab AUGMENTS = { "augmentation", WORDS, COUNT(WORDS) };

static const char *const FLIP_WORDS[] = { "horizontal", "vertical" };
static const Vocab FLIPS = { "flip direction", FLIP_WORDS, COUNT(FLIP_WORDS) };

static const char *const P_KEY[] = { "p" };

/* One change: the flips count as two, so each may be given once. */
typedef struct Change {
    const char *name;       /* as diagnostics call it */
    const char *needs;      /* what a missing magnitude should look like */
    double min, max;        /* the magnitude's range; max < 0: half the image's smaller side */
    int image;              /* only makes sense on an image of rows and columns */
    size_t magnitude, p;    /* offsets of the Augment fields; magnitude 0: none */
} Change;

#define FIELD(f) offsetof(Augment, f)

/* In the order of WORDS, with flip split in two. */
static const Change CHANGES[] = {
    { "flip horizontal", NULL, 0, 0, 1, 0, FIELD(hflip_p) },
    { "flip vertical", NULL, 0, 0, 1, 0, FIELD(vflip_p) },
    { "shift", "a number of pixels, such as 'shift 2'", 0, -1, 1, FIELD(shift), FIELD(shift_p) },
    { "rotate", "an angle in degrees, such as 'rotate 10'", 0, 180, 1, FIELD(rotate),
      FIELD(rotate_p) },
    { "zoom", "a fraction, such as 'zoom 0.1'", 0, 0.9, 1, FIELD(zoom), FIELD(zoom_p) },
    { "aspect", "a fraction, such as 'aspect 0.1'", 0, 0.9, 1, FIELD(aspect), FIELD(aspect_p) },
    { "brightness", "a fraction of full brightness, such as 'brightness 0.1'", 0, 1, 0,
      FIELD(brightness), FIELD(brightness_p) },
    { "contrast", "a fraction, such as 'contrast 0.2'", 0, 1, 0, FIELD(contrast),
      FIELD(contrast_p) },
    { "noise", "a fraction of full brightness, such as 'noise 0.02'", 0, 1, 0, FIELD(noise),
      FIELD(noise_p) },
    { "erase", "the largest fraction of the image to erase, such as 'erase 0.2'", 0.02, 1, 1,
      FIELD(erase), FIELD(erase_p) },
};
_Static_assert(COUNT(CHANGES) == COUNT(WORDS) + 1, "a change per word, flip's two");

static double *field(Augment *a, size_t offset)
{
    return (double *)((char *)a + offset);
}

/* The input's rows and columns, when the network gave it 2 or 3
 * dimensions (rows x columns [x channels]); 0 when it is flat or unknown. */
static int image_size(const Model *m, long *h, long *w)
{
    if (m->n_layers == 0 || m->layers[0].kind != LAYER_INPUT)
        return 0;
    const Shape *s = &m->layers[0].out;
    if (s->ndims != 2 && s->ndims != 3)
        return 0;
    *h = s->dims[0];
    *w = s->dims[1];
    return 1;
}

/* Which change s names (an index into CHANGES), or -1 after saying why not. */
static int change_of(Checker *c, const Stmt *s)
{
    int k = vocab_lookup(c, &AUGMENTS, s->word, s->loc);
    if (k <= 0)
        return k;
    return k + 1;   /* past the second flip */
}

/* flip horizontal | flip vertical */
static int flip_of(Checker *c, const Stmt *s)
{
    const char *word;
    if (require_args(c, s, 1, "a direction, 'horizontal' or 'vertical'") ||
        arg_word(c, positional(s, 0), "the flip direction", &word))
        return -1;
    return vocab_lookup(c, &FLIPS, word, positional(s, 0)->loc);
}

/* A geometric change on a flat input, or on one of 4 dimensions. */
static void need_image(Checker *c, const Stmt *s, const Change *ch)
{
    const Model *m = c->model;
    long h, w;
    if (m->n_layers == 0 || m->layers[0].out.ndims == 0 || image_size(m, &h, &w))
        return;     /* no input known: the network has been blamed already */
    char shape[64];
    diag_error(c->diag, s->line_loc, "'%s' needs an image input, but the input is %s",
               ch->name, shape_str(&m->layers[0].out, shape, sizeof shape));
    diag_note(c->diag, "write the input as rows x columns, such as 'input 28x28'");
}

/* The magnitude of s, within ch's range. */
static void check_magnitude(Checker *c, const Stmt *s, const Change *ch)
{
    long h = 0, w = 0;
    double max = ch->max;
    int sized = max < 0 && image_size(c->model, &h, &w);
    if (max < 0)
        max = sized ? (h < w ? h : w) / 2.0 : 1e6;
    if (require_args(c, s, 1, ch->needs))
        return;
    const Arg *a = positional(s, 0);
    if (arg_real(c, a, ch->name, ch->min, max, 1, field(&c->model->augment, ch->magnitude)) &&
        sized && resolve(c, a)->kind == ARG_NUMBER)
        diag_note(c->diag, "at most half the image's smaller side: the input is %ldx%ld", h, w);
}

/* One statement of the block; seen[] holds the first of each change. */
static void check_change(Checker *c, const Stmt *s, const Stmt **seen)
{
    int k = change_of(c, s);
    if (k < 0)
        return;
    if (k == 0) {
        int dir = flip_of(c, s);
        if (dir < 0)
            return;
        k = dir;
    }
    const Change *ch = &CHANGES[k];
    check_args(c, s, 1, P_KEY, 1);
    if (s->has_block)
        diag_error(c->diag, s->line_loc, "'%.40s' takes no { block }", s->word);
    if (seen[k]) {
        diag_error(c->diag, s->line_loc, "'%s' given twice", ch->name);
        diag_note(c->diag, "first given at line %d", seen[k]->loc.first_line);
        return;
    }
    seen[k] = s;
    if (ch->image)
        need_image(c, s, ch);
    if (ch->magnitude)
        check_magnitude(c, s, ch);
    double *p = field(&c->model->augment, ch->p);
    *p = ch->magnitude ? 1 : 0.5;
    const Arg *a = keyed(s, "p");
    if (a)
        arg_real(c, a, "p", 0, 1, 1, p);
}

void check_augment(Checker *c, const Stmt *block)
{
    Model *m = c->model;
    check_args(c, block, 0, NULL, 0);
    if (!block->has_block) {
        diag_error(c->diag, block->line_loc, "'augment' needs a { block }");
        return;
    }
    if (m->train_csv) {
        diag_error(c->diag, block->loc,
                   "augment changes training images, but the training data is a csv file");
        diag_note(c->diag, "augmentation needs images and labels (IDX files)");
        return;
    }
    m->augment.stmt = block;
    const Stmt *seen[COUNT(CHANGES)] = { 0 };
    for (const Stmt *s = block->body; s; s = s->next)
        check_change(c, s, seen);
}
