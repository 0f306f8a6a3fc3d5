/* early_stop.c: the train block's `early_stop patience N monitor=M
 * min_delta=D`, as Keras's EarlyStopping(restore_best_weights=True).
 *
 * After each epoch, the monitored value v (a column of the epoch's
 * curve.csv row) improves when
 *     v < best - min_delta    for a loss, MAE or RMSE (lower is better)
 *     v > best + min_delta    for an accuracy (higher is better);
 * then v becomes best, every tensor's values (state tensors too: a
 * batchnorm's moving statistics belong to the weights they were measured
 * with) are copied aside and the wait restarts from 0.  Otherwise wait += 1,
 * and when it reaches `patience` training stops.  A NaN never improves; the
 * first epoch always does, unless it is NaN.  At the end of the run, stopped
 * early or after its last epoch, the best epoch's values are put back, as
 * Keras 3 does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

const char *nnrt_monitor_name(nnrt_monitor monitor)
{
    const char *word = nnrt_monitor_word(monitor);
    return word ? word : "?";
}

int nnrt_monitor_needs_val(nnrt_monitor monitor)
{
    return strncmp(nnrt_monitor_name(monitor), "val_", 4) == 0;
}

static int higher_is_better(nnrt_monitor monitor)
{
    return monitor == NNRT_MONITOR_VAL_ACCURACY || monitor == NNRT_MONITOR_ACCURACY;
}

static double monitored(nnrt_monitor monitor, const nnrt_epoch_stats *s)
{
    switch (monitor) {
    case NNRT_MONITOR_VAL_LOSS: return s->val_loss;
    case NNRT_MONITOR_VAL_ACCURACY: return s->val_accuracy;
    case NNRT_MONITOR_LOSS: return s->loss;
    case NNRT_MONITOR_ACCURACY: return s->accuracy;
    case NNRT_MONITOR_VAL_MAE: return s->val_mae;
    case NNRT_MONITOR_VAL_RMSE: return s->val_rmse;
    case NNRT_MONITOR_MAE: return s->mae;
    case NNRT_MONITOR_RMSE: return s->rmse;
    }
    return NAN;
}

int nnrt_early_start(nnrt_early_stopping *es, const nnrt_model *m)
{
    memset(es, 0, sizeof *es);
    es->s = m->early_stop;
    es->best = higher_is_better(es->s.monitor) ? -INFINITY : INFINITY;
    if (es->s.patience <= 0)
        return 0;
    for (int p = 0; p < m->n_params; p++)
        es->n_values += (size_t)m->params[p].size;
    es->best_values = malloc(es->n_values ? es->n_values * sizeof(float) : 1);
    return es->best_values ? 0 : -1;
}

void nnrt_early_free(nnrt_early_stopping *es)
{
    free(es->best_values);
    es->best_values = NULL;
}

static void copy_values(const nnrt_model *m, float *block, int to_block)
{
    size_t at = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        size_t bytes = (size_t)t->size * sizeof(float);
        if (to_block)
            memcpy(block + at, t->value, bytes);
        else
            memcpy(t->value, block + at, bytes);
        at += (size_t)t->size;
    }
}

int nnrt_early_epoch_end(nnrt_early_stopping *es, const nnrt_model *m, const nnrt_epoch_stats *s)
{
    if (es->s.patience <= 0)
        return 0;
    double v = monitored(es->s.monitor, s), delta = es->s.min_delta;
    int better = higher_is_better(es->s.monitor) ? v > es->best + delta : v < es->best - delta;
    if (better) {
        es->best = v;
        es->best_epoch = s->epoch;
        es->wait = 0;
        copy_values(m, es->best_values, 1);
        return 0;
    }
    es->wait++;
    return nnrt_early_stopped(es);
}

int nnrt_early_stopped(const nnrt_early_stopping *es)
{
    return es->s.patience > 0 && es->wait >= es->s.patience;
}

void nnrt_early_restore(const nnrt_early_stopping *es, const nnrt_model *m)
{
    if (es->s.patience > 0 && es->best_epoch > 0)
        copy_values(m, es->best_values, 0);
}
