/* check_early_stop.c: `early_stop patience N [monitor=M] [min_delta=D]`
 * in the train block (also written `early_stop patience=N`, as the plateau
 * schedule writes its patience), and, once the data and the loss are
 * known, whether the model has what it monitors: a validation split for
 * the val_ columns, accuracy for a classifier, MAE and RMSE for a
 * regression. */
#include <string.h>

#include "checker.h"

/* Index i is the runtime's nnrt_monitor i. */
static const char *const MONITOR_WORDS[] = { NNRT_MONITORS(VOCAB_WORD) };
static const Vocab MONITORS = { "monitor", MONITOR_WORDS, COUNT(MONITOR_WORDS) };

const char *monitor_name(int monitor) { return MONITOR_WORDS[monitor]; }

void check_early_stop(Checker *c, const Stmt *s)
{
    static const char *const KEYS[] = { "patience", "monitor", "min_delta" };
    EarlyStop *es = &c->model->early_stop;
    const Arg *count = keyed(s, "patience");
    check_args(c, s, count ? 0 : 2, KEYS, COUNT(KEYS));
    if (!count) {
        if (require_args(c, s, 2, "'patience N', as in 'early_stop patience 5'"))
            return;
        const Arg *word = positional(s, 0);
        if (word->kind != ARG_WORD || strcmp(word->text, "patience") != 0) {
            diag_error(c->diag, word->loc, "early_stop takes 'patience N' first, not '%.40s'",
                       word->text);
            return;
        }
        count = positional(s, 1);
    }
    if (arg_int(c, count, "patience", 1, 1000000L, &es->patience))
        return;
    es->stmt = s;
    es->monitor = 0;
    es->min_delta = 0;
    const Arg *a;
    const char *word;
    if ((a = keyed(s, "monitor")) && arg_word(c, a, "monitor", &word) == 0) {
        int k = vocab_lookup(c, &MONITORS, word, a->loc);
        if (k >= 0) {
            es->monitor = k;
            es->monitor_arg = a;
        }
    }
    if ((a = keyed(s, "min_delta")))
        arg_real(c, a, "min_delta", 0, 1e6, 1, &es->min_delta);
}

void check_early_stop_fits(Checker *c)
{
    const Model *m = c->model;
    const EarlyStop *es = &m->early_stop;
    if (!es->stmt || (keyed(es->stmt, "monitor") && !es->monitor_arg))
        return;     /* none, or a monitor already reported */
    const char *name = MONITOR_WORDS[es->monitor];
    Loc loc = es->monitor_arg ? es->monitor_arg->loc : es->stmt->line_loc;
    if (strncmp(name, "val_", 4) == 0 && !(m->validation > 0)) {
        diag_error(c->diag, loc, "early_stop monitors %s, but the data has no validation split",
                   name);
        diag_note(c->diag, "add 'validation 10%%' to the data block, or monitor=%s", name + 4);
    }
    int accuracy = strstr(name, "accuracy") != NULL;
    if (m->regress && accuracy) {
        diag_error(c->diag, loc, "early_stop monitors %s, but a regression has no accuracy",
                   name);
        diag_note(c->diag, "monitor loss, mae or rmse (or val_loss, val_mae, val_rmse)");
    } else if (!m->regress && !accuracy && strstr(name, "loss") == NULL) {
        diag_error(c->diag, loc, "early_stop monitors %s, a regression's metric, but this model "
                                 "classifies", name);
        diag_note(c->diag, "monitor loss or accuracy (or val_loss, val_accuracy)");
    }
}
