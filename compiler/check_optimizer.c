/* check_optimizer.c: `optimizer NAME key=value...` and `schedule NAME
 * key=value...` of the train block.  Each optimizer is a row of a table:
 * its word, and the hyper-parameters it takes with Keras's defaults and
 * their ranges, so adding one is adding a row. */
#include <string.h>

#include "checker.h"

static const char *const PARAM_NAMES[N_OPT_PARAMS] = {
    "lr", "beta1", "beta2", "epsilon", "momentum", "rho", "initial_accumulator", "weight_decay",
    "clip_norm", "clip_value",
};

const char *opt_param_name(OptParam p) { return PARAM_NAMES[p]; }

typedef struct ParamSpec {
    OptParam param;
    double def, min, max;   /* the value must be above min (or equal to it, with
                               min_inclusive) and at most max */
    int min_inclusive;
} ParamSpec;

/* An optimizer's hyper-parameters, n of them. */
typedef struct OptimizerSpec {
    int n;
    ParamSpec params[5];
} OptimizerSpec;

#define LR(d) { P_LR, d, 0, 1e3, 0 }
#define BETAS { P_BETA1, 0.9, 0, 0.999999, 0 }, { P_BETA2, 0.999, 0, 0.999999, 0 }
#define EPS { P_EPSILON, 1e-7, 0, 1, 0 }

/* Index i is OptimizerKind i (and the runtime's nnrt_optimizer_kind i). */
static const char *const OPTIMIZER_WORDS[] = { NNRT_OPTIMIZERS(VOCAB_WORD) };
static const Vocab OPTIMIZER_VOCAB = { "optimizer", OPTIMIZER_WORDS, COUNT(OPTIMIZER_WORDS) };

/* ORDER NNRT_OPTIMIZERS: a row for each, by its kind. */
static const OptimizerSpec OPTIMIZERS[] = {
    [OPT_SGD] = { 1, { LR(0.01) } },
    [OPT_ADAM] = { 4, { LR(0.001), BETAS, EPS } },
    [OPT_MOMENTUM] = { 2, { LR(0.01), { P_MOMENTUM, 0.9, 0, 0.999999, 0 } } },
    [OPT_NESTEROV] = { 2, { LR(0.01), { P_MOMENTUM, 0.9, 0, 0.999999, 0 } } },
    [OPT_ADAGRAD] = { 3, { LR(0.001), { P_INITIAL_ACCUMULATOR, 0.1, 0, 1e3, 0 }, EPS } },
    [OPT_RMSPROP] = { 3, { LR(0.001), { P_RHO, 0.9, 0, 0.999999, 0 }, EPS } },
    [OPT_ADAMW] = { 5, { LR(0.001), { P_WEIGHT_DECAY, 0.004, 0, 1, 1 }, BETAS, EPS } },
    [OPT_ADADELTA] = { 3, { LR(0.001), { P_RHO, 0.95, 0, 0.999999, 0 }, EPS } },
};
_Static_assert(COUNT(OPTIMIZERS) == COUNT(OPTIMIZER_WORDS), "a row per optimizer");

const char *optimizer_name(OptimizerKind opt) { return OPTIMIZER_WORDS[opt]; }

/* clip_norm= or clip_value=, which every optimizer takes, as Keras's
 * clipnorm and clipvalue: one of them at most, as Keras allows, and only
 * when given (no default clips) */
static void check_clipping(Checker *c, const Stmt *s)
{
    Model *m = c->model;
    const Arg *norm = keyed(s, PARAM_NAMES[P_CLIP_NORM]);
    const Arg *value = keyed(s, PARAM_NAMES[P_CLIP_VALUE]);
    if (norm && value) {
        diag_error(c->diag, value->key_loc, "give clip_norm or clip_value, not both");
        diag_note(c->diag, "clip_norm scales each tensor's gradient down to that norm; "
                  "clip_value holds each value of it within +-clip_value");
        return;
    }
    for (int p = P_CLIP_NORM; p <= P_CLIP_VALUE; p++) {
        const Arg *a = p == P_CLIP_NORM ? norm : value;
        if (a && arg_real(c, a, PARAM_NAMES[p], 0, 1e6, 0, &m->opt[p]) == 0)
            m->opt_used |= 1u << p;
    }
}

/* optimizer adam lr=0.001 beta1=0.9 beta2=0.999 epsilon=1e-7 [clip_norm=1] */
void check_optimizer(Checker *c, const Stmt *s)
{
    Model *m = c->model;
    const char *word;
    if (require_args(c, s, 1, "a name, as in 'optimizer adam lr=0.001'") ||
        arg_word(c, positional(s, 0), "the optimizer", &word))
        return;
    int k = vocab_lookup(c, &OPTIMIZER_VOCAB, word, positional(s, 0)->loc);
    if (k < 0)
        return;
    const OptimizerSpec *spec = &OPTIMIZERS[k];
    m->optimizer = (OptimizerKind)k;
    m->optimizer_stmt = s;
    const char *keys[5 + 2];
    for (int i = 0; i < spec->n; i++)
        keys[i] = PARAM_NAMES[spec->params[i].param];
    keys[spec->n] = PARAM_NAMES[P_CLIP_NORM];
    keys[spec->n + 1] = PARAM_NAMES[P_CLIP_VALUE];
    check_args(c, s, 1, keys, spec->n + 2);
    check_clipping(c, s);
    for (int i = 0; i < spec->n; i++) {
        const ParamSpec *p = &spec->params[i];
        m->opt[p->param] = p->def;
        m->opt_used |= 1u << p->param;
        const Arg *a = keyed(s, PARAM_NAMES[p->param]);
        if (a)
            arg_real(c, a, PARAM_NAMES[p->param], p->min, p->max, p->min_inclusive,
                     &m->opt[p->param]);
    }
}

/* Index i is ScheduleKind i (and the runtime's nnrt_schedule_kind i). */
static const char *const SCHEDULE_WORDS[] = { NNRT_SCHEDULES(VOCAB_WORD) };
static const Vocab SCHEDULES = { "schedule", SCHEDULE_WORDS, COUNT(SCHEDULE_WORDS) };

const char *schedule_name(ScheduleKind k) { return SCHEDULE_WORDS[k]; }

/* schedule step factor=0.5 every=10        lr * factor^floor(epoch / every)
 * schedule exponential factor=0.96 every=1000   lr * factor^(step / every)
 * schedule cosine min=0                    from lr down to min * lr
 * schedule plateau factor=0.1 patience=10 min_lr=0  (Keras's defaults) */
void check_schedule(Checker *c, const Stmt *s)
{
    /* ORDER NNRT_SCHEDULES: each schedule's keys, by its kind */
    static const char *const KEYS[][3] = {
        [SCHEDULE_CONSTANT] = { NULL },
        [SCHEDULE_STEP] = { "factor", "every" },
        [SCHEDULE_EXPONENTIAL] = { "factor", "every" },
        [SCHEDULE_COSINE] = { "min" },
        [SCHEDULE_PLATEAU] = { "factor", "patience", "min_lr" },
    };
    static const int N_KEYS[] = { [SCHEDULE_CONSTANT] = 0, [SCHEDULE_STEP] = 2,
                                  [SCHEDULE_EXPONENTIAL] = 2, [SCHEDULE_COSINE] = 1,
                                  [SCHEDULE_PLATEAU] = 3 };
    _Static_assert(COUNT(KEYS) == COUNT(SCHEDULE_WORDS) && COUNT(N_KEYS) == COUNT(KEYS),
                   "keys for every schedule");
    Schedule *sc = &c->model->schedule;
    const char *word;
    if (require_args(c, s, 1, "a name, as in 'schedule step factor=0.5 every=10'") ||
        arg_word(c, positional(s, 0), "the schedule", &word))
        return;
    int k = vocab_lookup(c, &SCHEDULES, word, positional(s, 0)->loc);
    if (k < 0)
        return;
    check_args(c, s, 1, KEYS[k], N_KEYS[k]);
    sc->kind = (ScheduleKind)k;
    sc->stmt = s;
    sc->factor = k == SCHEDULE_PLATEAU ? 0.1 : k == SCHEDULE_STEP ? 0.5 : 0.96;
    sc->every = k == SCHEDULE_STEP ? 10 : 1000;
    sc->patience = 10;
    sc->min_lr = 0;
    const Arg *a;
    if ((a = keyed(s, "factor")))
        arg_real(c, a, "factor", 0, 1, 0, &sc->factor);
    if ((a = keyed(s, "every")))
        arg_int(c, a, "every", 1, 1000000000L, &sc->every);
    if ((a = keyed(s, "patience")))
        arg_int(c, a, "patience", 1, 1000000L, &sc->patience);
    if ((a = keyed(s, "min_lr")))
        arg_real(c, a, "min_lr", 0, 1e3, 1, &sc->min_lr);
    if ((a = keyed(s, "min")))
        arg_real(c, a, "min", 0, 1, 1, &sc->min_lr);
}
