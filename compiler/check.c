/* check.c: from statements to a Model.  Resolves every word, checks every
 * value's kind and range, and (in check_network.c) infers every shape.
 * Errors are reported and checking goes on, so one run shows them all. */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

static const char *const TOP_WORDS[] = { "model", "data", "network", "train", "let",
                                         "augment" };
static const Vocab TOP = { "section", TOP_WORDS, COUNT(TOP_WORDS) };

static const char *const DATA_WORDS[] = { "train", "test", "validation", "scale", "positive",
                                          "inputs", "targets", "classes", "keep", "target",
                                          "series", "window", "horizon", "text" };
static const Vocab DATA = { "data setting", DATA_WORDS, COUNT(DATA_WORDS) };

static const char *const SPLIT_WORDS[] = { "images", "labels", "csv" };
static const Vocab SPLIT = { "data file", SPLIT_WORDS, COUNT(SPLIT_WORDS) };

static const char *const TRAIN_WORDS[] = { "loss", "optimizer", "batch", "epochs", "seed",
                                           "schedule", "early_stop" };
static const Vocab TRAIN = { "training setting", TRAIN_WORDS, COUNT(TRAIN_WORDS) };

/* Index i is LossKind i. */
static const char *const LOSS_WORDS[] = { NNRT_LOSSES(VOCAB_WORD) };
static const Vocab LOSSES = { "loss", LOSS_WORDS, COUNT(LOSS_WORDS) };

const char *loss_name(LossKind loss) { return LOSS_WORDS[loss]; }

/* A statement that may appear once; a second one is an error naming the first. */
static int once(Checker *c, const Stmt **seen, const Stmt *s)
{
    if (*seen) {
        diag_error(c->diag, s->loc, "'%.40s' given twice", s->word);
        diag_note(c->diag, "first given at line %d", (*seen)->loc.first_line);
        return -1;
    }
    *seen = s;
    return 0;
}

static int need_block(Checker *c, const Stmt *s, int want)
{
    if (s->has_block == want)
        return 0;
    if (want)
        diag_error(c->diag, s->line_loc, "'%.40s' needs a { block }", s->word);
    else
        diag_error(c->diag, s->line_loc, "'%.40s' takes no { block }", s->word);
    return -1;
}

static void check_model_name(Checker *c, const Stmt *s)
{
    const Arg *a = positional(s, 0);
    check_args(c, s, 1, NULL, 0);
    need_block(c, s, 0);
    if (require_args(c, s, 1, "a name, as in 'model fashion_mlp'") == 0)
        arg_word(c, a, "the model name", &c->model->name);
}

/* a data file for check_data.c to look for */
static void note_data_file(Checker *c, const char *name, Loc loc, int csv)
{
    Model *m = c->model;
    if (m->n_data_files < MAX_DATA_FILES)
        m->data_files[m->n_data_files++] = (DataFile){ name, loc, csv };
}

/* train { images "..." labels "..." }  or  train { csv "..." } */
static void check_split(Checker *c, const Stmt *block, const char **images, const char **labels,
                        const char **csv)
{
    const Stmt *seen[3] = { NULL, NULL, NULL };
    const char **files[3] = { images, labels, csv };
    check_args(c, block, 0, NULL, 0);
    if (need_block(c, block, 1))
        return;
    for (const Stmt *s = block->body; s; s = s->next) {
        int k = vocab_lookup(c, &SPLIT, s->word, s->loc);
        if (k < 0 || once(c, &seen[k], s))
            continue;
        check_args(c, s, 1, NULL, 0);
        need_block(c, s, 0);
        if (require_args(c, s, 1, "a file name in quotes") == 0 &&
            arg_string(c, positional(s, 0), "a data file", files[k]) == 0)
            note_data_file(c, *files[k], positional(s, 0)->loc, k == 2);
    }
    if (seen[2] && (seen[0] || seen[1])) {
        diag_error(c->diag, seen[2]->loc, "'%s' data is either a csv file or images and labels",
                   block->word);
        return;
    }
    if (seen[2])
        return;
    for (int k = 0; k < 2; k++)
        if (!seen[k])
            diag_error(c->diag, block->loc, "'%s' data needs '%s \"FILE\"'",
                       block->word, SPLIT_WORDS[k]);
}

/* inputs area rooms age  |  targets price: CSV columns by name or index */
static void check_columns(Checker *c, const Stmt *s, const char ***names, int *n,
                          const Stmt **stmt)
{
    check_args(c, s, 1000000, NULL, 0);
    if (require_args(c, s, 1, "column names or indices, as in 'inputs area rooms'"))
        return;
    *stmt = s;
    *n = n_positional(s);
    *names = arena_alloc(c->arena, sizeof **names * (size_t)*n);
    for (int i = 0; i < *n; i++) {
        const Arg *a = positional(s, i);
        if (a->kind == ARG_WORD || (a->kind == ARG_NUMBER && a->is_int && a->num >= 0))
            (*names)[i] = a->text;
        else
            diag_error(c->diag, a->loc, "a column is a name or a 0-based index, not '%.40s'",
                       a->text);
    }
}

static void check_validation(Checker *c, const Stmt *s)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a fraction such as 10% or 0.1"))
        return;
    const Arg *a = resolve(c, positional(s, 0));
    if (a->kind == ARG_PERCENT) {
        if (!(a->num >= 0 && a->num < 100)) {
            diag_error(c->diag, a->loc, "validation must be at least 0%% and below 100%%, got %s",
                       a->text);
            return;
        }
        c->model->validation = a->num / 100;
        return;
    }
    arg_real(c, a, "validation", 0, 0.99, 1, &c->model->validation);
}

/* series "FILE" [column=NAME]: one CSV column, its rows in time order */
static void check_series(Checker *c, const Stmt *s)
{
    static const char *const KEYS[] = { "column" };
    Model *m = c->model;
    check_args(c, s, 1, KEYS, 1);
    if (require_args(c, s, 1, "a CSV file in quotes, as in 'series \"temps.csv\" "
                              "column=temp'") ||
        arg_string(c, positional(s, 0), "the series file", &m->series_csv))
        return;
    note_data_file(c, m->series_csv, positional(s, 0)->loc, 0);
    m->series_stmt = s;
    m->series_column = "0";
    const Arg *a = keyed(s, "column");
    if (a) {
        a = resolve(c, a);
        if (a->kind == ARG_WORD || a->kind == ARG_STRING ||
            (a->kind == ARG_NUMBER && a->is_int && a->num >= 0))
            m->series_column = a->text;
        else
            diag_error(c->diag, a->loc, "a column is a name or a 0-based index, not '%.40s'",
                       a->text);
    }
}

/* text "FILE": a character-level language model's text */
static void check_text(Checker *c, const Stmt *s)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a text file in quotes, as in 'text \"book.txt\"'") == 0 &&
        arg_string(c, positional(s, 0), "the text file", &c->model->text_file) == 0) {
        c->model->text_stmt = s;
        note_data_file(c, c->model->text_file, positional(s, 0)->loc, 0);
    }
}

/* window 30, horizon 1: steps seen and steps ahead, for a series */
static void check_steps(Checker *c, const Stmt *s, long *out)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a number of steps") == 0)
        arg_int(c, positional(s, 0), s->word, 1, 1000000, out);
}

/* test 20%: the last part of a series, for the test */
static void check_test_fraction(Checker *c, const Stmt *s)
{
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "a fraction of the series, such as 'test 20%', or a "
                              "{ block } of files"))
        return;
    const Arg *a = resolve(c, positional(s, 0));
    c->model->test_fraction_stmt = s;
    if (a->kind == ARG_PERCENT && a->num > 0 && a->num < 100)
        c->model->test_fraction = a->num / 100;
    else if (a->kind != ARG_PERCENT)
        arg_real(c, a, "test", 0, 0.99, 0, &c->model->test_fraction);
    else
        diag_error(c->diag, a->loc, "test must be above 0%% and below 100%%, got %s", a->text);
}

/* A series or a text in the data block: what it needs, and what it
 * cannot have */
static void check_series_data(Checker *c, const Stmt *const *seen)
{
    Model *m = c->model;
    const Stmt *source = m->series_stmt ? m->series_stmt : m->text_stmt;
    const char *what = m->series_stmt ? "series" : "text";
    if (m->series_stmt && m->text_stmt) {
        diag_error(c->diag, m->text_stmt->loc, "a model reads one series or one text, not "
                   "both");
        return;
    }
    if (m->text_stmt && seen[12]) {
        diag_error(c->diag, seen[12]->loc, "a text model forecasts the next character: "
                   "'horizon' is for a series");
    }
    if (seen[0] || (seen[1] && seen[1]->has_block) || m->inputs_stmt || m->targets_stmt ||
        m->target_input) {
        const Stmt *other = seen[0] ? seen[0] : seen[1] && seen[1]->has_block ? seen[1]
                          : m->inputs_stmt ? m->inputs_stmt : m->targets_stmt ? m->targets_stmt
                          : m->target_stmt;
        diag_error(c->diag, other->loc, "a %s makes its own samples: '%s' does not go "
                   "with '%s'", what, other->word, what);
        diag_note(c->diag, "the training, validation and test parts are the %s first, "
                  "middle and last %s ('validation', 'test %s')",
                  m->series_stmt ? "series'" : "text's", m->series_stmt ? "values" : "characters",
                  m->series_stmt ? "20%" : "10%");
    }
    m->window_stmt = seen[11];
    if (!m->window)
        diag_error(c->diag, source->loc, "a %s needs 'window N': how many %s the model sees "
                   "to forecast the next", what, m->series_stmt ? "values" : "characters");
    if (!m->horizon)
        m->horizon = 1;
    if (!m->test_fraction)
        m->test_fraction = m->series_stmt ? 0.2 : 0.1;
}

/* loss cross_entropy smoothing=0.1: Keras's label_smoothing, PyTorch's
 * CrossEntropyLoss(label_smoothing=) */
static void check_label_smoothing(Checker *c, const Stmt *s)
{
    const Arg *a = keyed(s, "smoothing");
    if (!a)
        return;
    if (c->model->loss != LOSS_CROSS_ENTROPY) {
        diag_error(c->diag, a->key_loc, "smoothing= goes with cross_entropy, not %s",
                   loss_name(c->model->loss));
        return;
    }
    arg_real(c, a, "smoothing", 0, 1, 0, &c->model->label_smoothing);
}

/* positive 5 7 9: for a binary model, the classes whose label counts as 1 */
static void check_positive(Checker *c, const Stmt *s)
{
    Model *m = c->model;
    check_args(c, s, 32, NULL, 0);
    if (require_args(c, s, 1, "the classes that count as 1, such as 'positive 5 7 9'"))
        return;
    m->positive_stmt = s;
    for (int i = 0; positional(s, i); i++) {
        long cls;
        if (arg_int(c, positional(s, i), "a positive class", 0, 31, &cls) == 0)
            m->positive |= 1u << cls;
    }
}

/* target input: the model learns to give back its input (an
 * autoencoder); its images' labels stay, for what reads them */
static void check_target(Checker *c, const Stmt *s)
{
    const char *word;
    check_args(c, s, 1, NULL, 0);
    if (require_args(c, s, 1, "'input', as in 'target input' (an autoencoder)") ||
        arg_word(c, positional(s, 0), "the target", &word))
        return;
    if (strcmp(word, "input") != 0) {
        diag_error(c->diag, positional(s, 0)->loc, "the target is 'input' (the model learns "
                   "to give back its input), not '%.40s'", word);
        diag_note(c->diag, "a CSV model's target columns go in 'targets COLUMN...'");
        return;
    }
    c->model->target_input = 1;
    c->model->target_stmt = s;
}

static void check_data(Checker *c, const Stmt *block)
{
    const Stmt *seen[COUNT(DATA_WORDS)] = { 0 };
    Model *m = c->model;
    check_args(c, block, 0, NULL, 0);
    if (need_block(c, block, 1))
        return;
    for (const Stmt *s = block->body; s; s = s->next) {
        int k = vocab_lookup(c, &DATA, s->word, s->loc);
        if (k < 0 || once(c, &seen[k], s))
            continue;
        switch (k) {
        case 0: check_split(c, s, &m->train_images, &m->train_labels, &m->train_csv); break;
        case 1:
            if (s->has_block)
                check_split(c, s, &m->test_images, &m->test_labels, &m->test_csv);
            else
                check_test_fraction(c, s);
            break;
        case 5: check_columns(c, s, &m->inputs, &m->n_inputs, &m->inputs_stmt); break;
        case 6: check_columns(c, s, &m->targets, &m->n_targets, &m->targets_stmt); break;
        case 2: check_validation(c, s); break;
        case 4: check_positive(c, s); break;
        case 7: check_classes(c, s); break;
        case 8: check_keep(c, s); break;
        case 9: check_target(c, s); break;
        case 10: check_series(c, s); break;
        case 11: check_steps(c, s, &m->window); break;
        case 12: check_steps(c, s, &m->horizon); break;
        case 13: check_text(c, s); break;
        case 3:
            check_args(c, s, 1, NULL, 0);
            if (require_args(c, s, 1, "a factor such as 1/255") == 0 &&
                arg_real(c, positional(s, 0), "scale", 0, 1e6, 0, &m->scale) == 0)
                m->scale_text = positional(s, 0)->text;
            break;
        }
    }
    if (m->series_stmt || m->text_stmt) {
        check_series_data(c, seen);
        return;
    }
    if (seen[11] || seen[12] || m->test_fraction_stmt) {
        const Stmt *s = seen[11] ? seen[11] : seen[12] ? seen[12] : m->test_fraction_stmt;
        diag_error(c->diag, s->loc, "'%s' %s a series or a text: it goes with 'series "
                   "\"FILE\"' or 'text \"FILE\"'",
                   s->word, s == m->test_fraction_stmt ? "as a fraction splits" : "cuts");
        if (s == m->test_fraction_stmt)
            diag_note(c->diag, "image and CSV data name their test files in 'test { ... }'");
        else
            diag_note(c->diag, "remove it, or read a series: 'series \"FILE\" column=NAME'");
    }
    if (m->target_input && (m->train_csv || m->test_csv))
        diag_error(c->diag, m->target_stmt->loc, "'target input' is for image data; a CSV "
                   "model names its target columns with 'targets'");
    if (m->train_csv || m->test_csv) {
        if (!m->train_csv || !m->test_csv)
            diag_error(c->diag, block->loc, "data needs csv files for both train and test");
        if (!m->inputs_stmt || !m->targets_stmt)
            diag_error(c->diag, block->loc,
                       "csv data needs 'inputs COLUMN...' and 'targets COLUMN...'");
    } else if (m->inputs_stmt || m->targets_stmt) {
        diag_error(c->diag, (m->inputs_stmt ? m->inputs_stmt : m->targets_stmt)->loc,
                   "columns are for csv data: write 'train { csv \"FILE\" }'");
    }
    if (!seen[0])
        diag_error(c->diag, block->loc, "data needs a 'train { images ... labels ... }' block");
    if (!seen[1])
        diag_error(c->diag, block->loc, "data needs a 'test { images ... labels ... }' block");
}

static void check_train(Checker *c, const Stmt *block)
{
    const Stmt *seen[COUNT(TRAIN_WORDS)] = { 0 };
    Model *m = c->model;
    check_args(c, block, 0, NULL, 0);
    if (need_block(c, block, 1))
        return;
    for (const Stmt *s = block->body; s; s = s->next) {
        int k = vocab_lookup(c, &TRAIN, s->word, s->loc);
        if (k < 0 || once(c, &seen[k], s))
            continue;
        need_block(c, s, 0);
        if (k == 1 || k == 5 || k == 6) {
            (k == 1 ? check_optimizer : k == 5 ? check_schedule : check_early_stop)(c, s);
            continue;
        }
        static const char *const LOSS_KEYS[] = { "smoothing" };
        if (k == 0)
            check_args(c, s, 1, LOSS_KEYS, COUNT(LOSS_KEYS));
        else
            check_args(c, s, 1, NULL, 0);
        if (require_args(c, s, 1, "a value"))
            continue;
        const Arg *a = positional(s, 0);
        const char *word;
        long seed;
        switch (k) {
        case 0:
            if (arg_word(c, a, "the loss", &word) == 0 &&
                (k = vocab_lookup(c, &LOSSES, word, a->loc)) >= 0) {
                m->loss = (LossKind)k;
                m->loss_stmt = s;
                check_label_smoothing(c, s);
            }
            break;
        case 2:
            arg_int(c, a, "the batch size", 1, 65536, &m->batch);
            m->batch_stmt = s;
            break;
        case 3: arg_int(c, a, "epochs", 1, 1000000, &m->epochs); break;
        case 4:
            if (arg_int(c, a, "the seed", 0, 2147483647L, &seed) == 0)
                m->seed = (uint64_t)seed;
            break;
        }
    }
    if (!seen[0])
        diag_error(c->diag, block->loc, "train needs a 'loss', such as 'loss cross_entropy'");
    if (!seen[1])
        diag_error(c->diag, block->loc, "train needs an 'optimizer', such as 'optimizer adam lr=0.001'");
}

/* Multi-label: binary cross-entropy on K target columns is K yes/no
 * questions a sample, a sigmoid output each (Keras's sigmoid +
 * binary_crossentropy on a multi-hot row) */
static void check_multi_label(Checker *c, const Layer *last)
{
    Model *m = c->model;
    m->multi_label = 1;
    if (last->act != ACT_SIGMOID) {
        diag_error(c->diag, m->loss_stmt->line_loc, "binary_cross_entropy on %d target columns "
                   "answers %d yes/no labels, a sigmoid output each, but the last layer has %s",
                   m->n_targets, m->n_targets, activation_name(last->act));
        diag_note(c->diag, "write 'dense %d sigmoid' at line %d", m->n_targets,
                  last->stmt->loc.first_line);
    }
    if (m->positive_stmt)
        diag_error(c->diag, m->positive_stmt->loc, "'positive' makes one binary label of "
                   "classes; with %d target columns each column is a label of its own",
                   m->n_targets);
}

/* Soft targets: a row of probabilities, one a class, which cross-entropy,
 * KL divergence and cosine similarity compare the output with (a one-hot
 * row is a label); binary cross-entropy makes the columns labels
 * (check_multi_label), a distance loss values (a regression) */
static void check_soft_targets(Checker *c)
{
    c->model->soft_targets = 1;
}

/* CSV data: the input layer takes one value per input column; a loss of
 * distances (mse, mae, sum of squares) makes a regression with one output
 * per target column; anything else classifies by one label column. */
static void check_csv_shapes(Checker *c, const Layer *last)
{
    Model *m = c->model;
    if (!m->train_csv || !m->inputs_stmt || !m->targets_stmt)
        return;
    const Layer *input = &m->layers[0];
    if (shape_size(&input->out) != m->n_inputs) {
        diag_error(c->diag, input->stmt->line_loc,
                   "the input takes %ld values, but the data has %d input columns",
                   shape_size(&input->out), m->n_inputs);
        diag_note(c->diag, "write 'input %d'", m->n_inputs);
    }
    m->regress = m->loss == LOSS_MSE || m->loss == LOSS_MAE || m->loss == LOSS_SUM_OF_SQUARES;
    if (m->regress && last->units != m->n_targets) {
        diag_error(c->diag, last->stmt->line_loc,
                   "a regression on %d target column%s needs %d output%s, not %ld",
                   m->n_targets, m->n_targets == 1 ? "" : "s", m->n_targets,
                   m->n_targets == 1 ? "" : "s", last->units);
    } else if (!m->regress && m->n_targets != 1 && m->n_targets != last->units) {
        diag_error(c->diag, m->targets_stmt->line_loc,
                   "classification reads a label from one target column, or a probability "
                   "per class from %ld columns, not %d", last->units, m->n_targets);
    } else if (!m->regress && m->n_targets > 1 && m->loss == LOSS_BINARY_CROSS_ENTROPY) {
        check_multi_label(c, last);
    } else if (!m->regress && m->n_targets > 1) {
        check_soft_targets(c);
    }
}

/* target input: the output is compared with the input, value by value:
 * as many outputs as the input has values, and a loss of distances or
 * binary cross-entropy per value (on a sigmoid, against values in [0, 1]) */
static void check_autoencoder(Checker *c, const Layer *last)
{
    Model *m = c->model;
    long in = shape_size(&m->layers[0].out);
    m->regress = 1;
    if (m->loss != LOSS_MSE && m->loss != LOSS_MAE && m->loss != LOSS_SUM_OF_SQUARES &&
        m->loss != LOSS_BINARY_CROSS_ENTROPY) {
        diag_error(c->diag, m->loss_stmt->line_loc, "an autoencoder compares its output with "
                   "its input, value by value: its loss is mse, mae, sum_of_squares or "
                   "binary_cross_entropy, not %s", loss_name(m->loss));
        return;
    }
    if (shape_size(&last->out) != in) {
        diag_error(c->diag, last->stmt->line_loc, "an autoencoder gives back its input: its "
                   "last layer needs %ld outputs, one per input value, not %ld", in,
                   shape_size(&last->out));
        diag_note(c->diag, "end the network with 'dense %ld sigmoid'", in);
        return;
    }
    if (m->loss == LOSS_BINARY_CROSS_ENTROPY && last->act != ACT_SIGMOID) {
        diag_error(c->diag, m->loss_stmt->line_loc, "binary_cross_entropy compares each output "
                   "with its input value in [0, 1]: the last layer needs sigmoid, not %s",
                   activation_name(last->act));
        diag_note(c->diag, "write 'dense %ld sigmoid' at line %d", in, last->stmt->loc.first_line);
    }
}

/* A series: the input holds a window (window values, or window steps of
 * one value), the output forecasts one value, by a loss of distances */
static void check_series_shapes(Checker *c, const Layer *last)
{
    Model *m = c->model;
    const Layer *input = &m->layers[0];
    m->regress = 1;
    if (!m->window)
        return;     /* blamed already */
    if (shape_size(&input->out) != m->window) {
        diag_error(c->diag, input->stmt->line_loc, "the input takes %ld values, but a window "
                   "of the series is %ld", shape_size(&input->out), m->window);
        diag_note(c->diag, "write 'input %ldx1' (%ld steps of one value), or 'input %ld'",
                  m->window, m->window, m->window);
    }
    if (shape_size(&last->out) != 1)
        diag_error(c->diag, last->stmt->line_loc, "a series' forecast is one value, but the "
                   "last layer gives %ld", shape_size(&last->out));
    if (m->loss != LOSS_MSE && m->loss != LOSS_MAE && m->loss != LOSS_SUM_OF_SQUARES)
        diag_error(c->diag, m->loss_stmt->line_loc, "a forecast's loss is mse, mae or "
                   "sum_of_squares, not %s", loss_name(m->loss));
}

/* A text: `input W` of the window's ids, then an embedding of them, and a
 * softmax over the same vocabulary for the next character */
static void check_text_shapes(Checker *c, const Layer *last)
{
    Model *m = c->model;
    const Layer *input = &m->layers[0];
    const Layer *embed = m->n_layers > 1 ? &m->layers[1] : NULL;
    if (!embed || embed->kind != LAYER_EMBEDDING) {
        diag_error(c->diag, (embed ? embed : input)->stmt->line_loc, "a text model reads "
                   "character ids: its first layer after 'input' is 'embedding VOCAB DIM'");
        diag_note(c->diag, "write 'embedding 128 32' after 'input %ld'", m->window);
        return;
    }
    if (m->window && shape_size(&input->out) != m->window) {
        diag_error(c->diag, input->stmt->line_loc, "the input takes %ld characters, but a "
                   "window of the text is %ld", shape_size(&input->out), m->window);
        diag_note(c->diag, "write 'input %ld'", m->window);
    }
    if (last->kind != LAYER_DENSE || last->units != embed->vocab || last->act != ACT_SOFTMAX) {
        diag_error(c->diag, last->stmt->line_loc, "a text model gives the next character's "
                   "probabilities: its last layer is 'dense %ld softmax', one per id of the "
                   "embedding's vocabulary", embed->vocab);
        return;
    }
    if (m->loss != LOSS_CROSS_ENTROPY)
        diag_error(c->diag, m->loss_stmt->line_loc, "a text model learns the next character "
                   "as a class: its loss is cross_entropy, not %s", loss_name(m->loss));
}

/* The loss against the output layer: cross-entropy needs a softmax; some
 * pairings are legal but suspect and get a warning that says why. */
static void check_loss_fits_output(Checker *c)
{
    Model *m = c->model;
    if (!m->loss_stmt || m->n_layers == 0)
        return;
    int i = m->n_layers - 1;
    const Layer *tail = &m->layers[i];
    while (i > 0 && m->layers[i].kind == LAYER_DROPOUT)
        i--;
    const Layer *last = &m->layers[i];
    if (m->series_csv) {
        check_series_shapes(c, last);
        return;
    }
    if (m->text_file) {
        check_text_shapes(c, last);
        return;
    }
    if (m->target_input) {   /* any layer may give the image back: a conv2d, say */
        check_autoencoder(c, last);
        return;
    }
    if (last->kind != LAYER_DENSE) {
        diag_error(c->diag, last->stmt->line_loc,
                   "the network must end in a dense layer, not '%s'", last->stmt->word);
        return;
    }
    if (last->out.ndims != 1) {   /* a dense over each step of a sequence */
        diag_error(c->diag, last->stmt->line_loc, "the last layer gives %ld outputs on each of "
                   "%ld steps, but a sample has one target", last->units, last->out.dims[0]);
        diag_note(c->diag, "give the recurrent layer before it no 'sequences', so that dense "
                  "sees its last step only, or add 'flatten' before line %d",
                  last->stmt->loc.first_line);
        return;
    }
    if (tail != last && m->label_smoothing > 0) {   /* smoothing is in the fused loss */
        diag_error(c->diag, tail->stmt->line_loc, "smoothing= needs the softmax layer last, "
                   "not a dropout after it");
        diag_note(c->diag, "remove this dropout: it only drops predictions");
        return;
    }
    if (tail != last) {
        diag_warning(c->diag, tail->stmt->line_loc,
                     "dropout after the last dense layer drops predictions while training");
        diag_note(c->diag, "dropout goes between hidden layers; remove this one");
    }
    check_csv_shapes(c, last);
    if (m->multi_label)
        return;     /* checked whole by check_multi_label */
    if (m->loss == LOSS_BINARY_CROSS_ENTROPY && (last->units != 1 || last->act != ACT_SIGMOID)) {
        diag_error(c->diag, m->loss_stmt->line_loc,
                   "binary_cross_entropy needs one sigmoid output, but the last layer is "
                   "dense %ld %s", last->units, activation_name(last->act));
        diag_note(c->diag, "write 'dense 1 sigmoid' at line %d", last->stmt->loc.first_line);
    }
    if (m->positive_stmt && m->loss != LOSS_BINARY_CROSS_ENTROPY)
        diag_error(c->diag, m->positive_stmt->loc,
                   "'positive' makes a binary task; it goes with loss binary_cross_entropy");
    if (m->loss == LOSS_BINARY_CROSS_ENTROPY && !m->positive_stmt)
        m->positive = 1u << 1;      /* labels already 0/1 */
    if ((m->loss == LOSS_CROSS_ENTROPY || m->loss == LOSS_KL_DIVERGENCE) &&
        last->act != ACT_SOFTMAX) {
        diag_error(c->diag, m->loss_stmt->line_loc,
                   "%s needs a softmax output, but the last layer has %s", loss_name(m->loss),
                   activation_name(last->act));
        diag_note(c->diag, "write 'dense %ld softmax' at line %d", last->units,
                  last->stmt->loc.first_line);
    }
    if (m->loss == LOSS_MSE && last->act == ACT_SOFTMAX) {
        diag_warning(c->diag, m->loss_stmt->line_loc,
                     "mse on a softmax output learns slowly: its gradient vanishes as the "
                     "softmax saturates");
        diag_note(c->diag, "cross_entropy is the loss made for a softmax output");
    }
    if (last->act == ACT_SIGMOID && last->units > 2) {
        diag_warning(c->diag, last->stmt->line_loc,
                     "a sigmoid output scores each of the %ld classes on its own; "
                     "they need not sum to 1", last->units);
        diag_note(c->diag, "for one class out of %ld, use softmax", last->units);
    }
}

/* Batch 1 with a batchnorm over units (Keras trains it, and learns
 * nothing through it; PyTorch refuses such a batch) */
static void check_batch_fits_batchnorm(Checker *c)
{
    const Model *m = c->model;
    const Layer *l = batchnorm_by_rows(m);
    if (m->batch != 1 || !l || !m->batch_stmt)
        return;
    diag_error(c->diag, positional(m->batch_stmt, 0)->loc,
               "batch 1 with '%s', a batchnorm over units: each unit's batch statistics come "
               "from one value, so it outputs its beta whatever its input, and nothing before "
               "it learns; use batch 2 or more", l->name);
}

/* A learning rate above 1 is legal, but almost always a typo; so is one
 * below 1e-10, whose steps are lost to rounding: a float weight near 1
 * changes only by steps of at least 6e-8. */
static void check_lr(Checker *c)
{
    const Model *m = c->model;
    if (!m->optimizer_stmt || (m->opt[P_LR] <= 1 && m->opt[P_LR] >= 1e-10))
        return;
    const Arg *a = keyed(m->optimizer_stmt, "lr");
    Loc at = a ? a->loc : m->optimizer_stmt->line_loc;
    if (m->opt[P_LR] > 1)
        diag_warning(c->diag, at, "learning rate %g is above 1: training will likely diverge",
                     m->opt[P_LR]);
    else
        diag_warning(c->diag, at, "learning rate %g is below 1e-10: its steps are lost to "
                     "rounding, and the weights will barely move", m->opt[P_LR]);
}

static int define_by_name(const void *x, const void *y)
{
    return strcmp(((const Define *)x)->name, ((const Define *)y)->name);
}

/* The -D overrides, sorted by name, for the header of the generated C:
 * the same overrides in another order make the same file. */
static void note_defines(Checker *c, const Define *defs, int n_defs)
{
    if (!n_defs)
        return;
    Define *sorted = arena_alloc(c->arena, (size_t)n_defs * sizeof *sorted);
    memcpy(sorted, defs, (size_t)n_defs * sizeof *sorted);
    qsort(sorted, (size_t)n_defs, sizeof *sorted, define_by_name);
    c->model->defs = sorted;
    c->model->n_defs = n_defs;
}

Model *check_model(Arena *a, const Stmt *stmts, const Source *src, Diag *d,
                   const Define *defs, int n_defs)
{
    Model *m = arena_alloc(a, sizeof *m);
    m->src = src;
    m->scale = 1;
    m->scale_text = "1";
    m->batch = 32;
    m->epochs = 1;
    m->seed = 1;
    Checker c = { .arena = a, .diag = d, .model = m };
    const Stmt *seen[COUNT(TOP_WORDS)] = { 0 };
    int network_ok = 0;
    check_lets(&c, stmts, defs, n_defs);
    m->stmts = stmts;
    m->lets = c.lets;
    m->n_lets = c.n_lets;
    note_defines(&c, defs, n_defs);
    for (const Stmt *s = stmts; s; s = s->next) {
        int k = vocab_lookup(&c, &TOP, s->word, s->loc);
        if (k == 4)
            continue;       /* let: read by check_lets */
        if (k < 0 || once(&c, &seen[k], s))
            continue;
        switch (k) {
        case 0: check_model_name(&c, s); break;
        case 1: check_data(&c, s); break;
        case 2: {
            int before = d->n_errors;
            check_network(&c, s);
            network_ok = d->n_errors == before;
            break;
        }
        case 3: check_train(&c, s); break;
        case 5: break;      /* augment: below, once the input's shape is known */
        }
    }
    Loc start = { 1, 1, 1, 1 };
    static const char *const missing[] = {
        "a 'model NAME' line", "a 'data { ... }' section",
        "a 'network { ... }' section", "a 'train { ... }' section",
    };
    for (int k = 0; k < COUNT(missing); k++)
        if (!seen[k])
            diag_error(d, start, "the file needs %s", missing[k]);
    if (!m->name)
        m->name = "model";
    if (seen[5])
        check_augment(&c, seen[5]);
    if (network_ok) {   /* a broken network would only be blamed again */
        check_loss_fits_output(&c);
        check_classes_fit(&c);
        check_transfer_fits(&c);
        check_early_stop_fits(&c);
        check_batch_fits_batchnorm(&c);
    }
    check_lr(&c);
    check_data_files(&c);   /* last: only a model right so far */
    if (d->n_errors)
        return NULL;
    canon_hash(m, m->hash);
    return m;
}
