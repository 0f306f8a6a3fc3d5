/* schedule.c: the learning rate for each update, from the model's
 * schedule (nnrt_schedule in nnrt.h) and the run's base rate lr (--lr or
 * the optimizer's).  With step the number of updates done before this one
 * and epoch the 0-based epoch, as Keras's schedules see optimizer.iterations:
 *
 *   constant      lr
 *   step          lr * factor^floor(epoch / every)
 *   exponential   lr * factor^(step / every)     (Keras's ExponentialDecay, not staircase)
 *   cosine        lr * (a + (1 - a) * (1 + cos(pi * t / T)) / 2),  t = min(step, T)
 *                 T = every update of the run, a = min_lr   (Keras's CosineDecay, alpha = a)
 *   plateau       lr, times factor whenever the monitored loss has not improved
 *                 for `patience` epochs (below)
 *
 * Plateau is Keras's ReduceLROnPlateau(mode="min", min_delta=1e-4,
 * cooldown=0): after each epoch, a loss below best - 1e-4 becomes the new
 * best and resets the wait; otherwise wait += 1, and once wait >= patience,
 * if the rate is above min_lr it becomes max(rate * factor, min_lr) and the
 * wait restarts from 0.  (At min_lr already, the wait keeps growing and
 * nothing changes, as in Keras.)  A NaN loss never improves. */
#include <math.h>

#include "nnrt_internal.h"

#define PLATEAU_MIN_DELTA 1e-4
#define PI 3.14159265358979323846   /* M_PI is not in strict C11 */

void nnrt_schedule_start(nnrt_lr_schedule *ls, const nnrt_schedule *s, float base_lr,
                         long total_steps)
{
    *ls = (nnrt_lr_schedule){
        .s = *s,
        .base_lr = base_lr,
        .total_steps = total_steps,
        .plateau_lr = base_lr,
        .best = INFINITY,
        .wait = 0,
    };
}

static double cosine_factor(double alpha, long step, long total)
{
    if (total <= 0)
        return 1;
    double t = (double)(step < total ? step : total);
    return alpha + (1 - alpha) * 0.5 * (1 + cos(PI * t / (double)total));
}

float nnrt_schedule_lr(const nnrt_lr_schedule *ls, long step, int epoch)
{
    const nnrt_schedule *s = &ls->s;
    double lr = ls->base_lr;
    int every = s->every > 0 ? s->every : 1;   /* nnrt_main refuses 0; never divide by it */
    switch (s->kind) {
    case NNRT_SCHEDULE_CONSTANT:
        return ls->base_lr;
    case NNRT_SCHEDULE_STEP:
        return (float)(lr * pow(s->factor, (double)(epoch / every)));
    case NNRT_SCHEDULE_EXPONENTIAL:
        return (float)(lr * pow(s->factor, (double)step / every));
    case NNRT_SCHEDULE_COSINE:
        return (float)(lr * cosine_factor(s->min_lr, step, ls->total_steps));
    case NNRT_SCHEDULE_PLATEAU:
        return ls->plateau_lr;
    }
    return ls->base_lr;
}

int nnrt_schedule_epoch_end(nnrt_lr_schedule *ls, double loss, float *from, float *to)
{
    if (ls->s.kind != NNRT_SCHEDULE_PLATEAU)
        return 0;
    if (loss < ls->best - PLATEAU_MIN_DELTA) {
        ls->best = loss;
        ls->wait = 0;
        return 0;
    }
    if (++ls->wait < ls->s.patience || !(ls->plateau_lr > ls->s.min_lr))
        return 0;
    double reduced = (double)ls->plateau_lr * ls->s.factor;
    *from = ls->plateau_lr;
    *to = ls->plateau_lr = (float)(reduced > ls->s.min_lr ? reduced : ls->s.min_lr);
    ls->wait = 0;
    return 1;
}
