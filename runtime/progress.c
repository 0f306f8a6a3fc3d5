/* progress.c: what the trainer shows while it trains.
 *
 * On a terminal, a bar redrawn in place (\r) at most ten times a second:
 *   epoch 2/5 [=========>                    ] 1024/1688  loss 0.4213  accuracy 0.8512
 * then, over it, the epoch's line.  Anywhere else (a log file, a pipe) only
 * the epoch's line, one per epoch, so logs stay short and diffable:
 *   epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  val_accuracy 0.8560  3.2s
 * A REGRESS model shows MAE (and on the epoch's line RMSE) for accuracy:
 *   epoch 1/5  loss 0.1234  mae 0.2345  rmse 0.3456  val_loss 0.1300  val_mae 0.2400  val_rmse 0.3500  0.1s
 * A run that stops inside an epoch (diverged, or a ^C) ends the bar's line
 * where it stands, so that its message starts a line of its own.
 */
#include <time.h>

#include "nnrt_internal.h"

#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.1

double nnrt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void nnrt_progress_init(nnrt_progress *p, FILE *out, int tty, int epochs, int steps)
{
    p->out = out;
    p->tty = tty;
    p->regress = 0;
    p->epochs = epochs;
    p->steps = steps;
    p->epoch = 0;
    p->last_draw = 0;
    p->bar_shown = 0;
}

/* [=====>      ]: `step` of `steps` done */
static void draw_bar(nnrt_progress *p, int step, double loss, double accuracy)
{
    char bar[BAR_WIDTH + 1];
    int filled = p->steps > 0 ? (int)((long long)BAR_WIDTH * step / p->steps) : BAR_WIDTH;
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '=' : ' ';
    if (filled > 0 && filled < BAR_WIDTH)
        bar[filled - 1] = '>';
    bar[BAR_WIDTH] = '\0';
    fprintf(p->out, "\repoch %d/%d [%s] %d/%d", p->epoch, p->epochs, bar, step, p->steps);
    if (step > 0)
        fprintf(p->out, "  loss %.4f  %s %.4f", loss, p->regress ? "mae" : "accuracy", accuracy);
    fflush(p->out);
    p->last_draw = nnrt_now();
    p->bar_shown = 1;
}

void nnrt_progress_begin(nnrt_progress *p, int epoch)
{
    nnrt_progress_begin_at(p, epoch, 0, 0, 0);
}

void nnrt_progress_begin_at(nnrt_progress *p, int epoch, int step, double loss, double accuracy)
{
    p->epoch = epoch;
    if (p->tty)
        draw_bar(p, step, loss, accuracy);
}

void nnrt_progress_update(nnrt_progress *p, int step, double loss, double accuracy)
{
    if (p->tty && (step == p->steps || nnrt_now() - p->last_draw >= REDRAW_SECONDS))
        draw_bar(p, step, loss, accuracy);
}

void nnrt_progress_break(nnrt_progress *p)
{
    if (p->bar_shown)
        fputc('\n', p->out);
    p->bar_shown = 0;
    fflush(p->out);
}

void nnrt_progress_end(nnrt_progress *p, const nnrt_epoch_stats *s)
{
    /* on a terminal, go back over the bar and clear what the line leaves of it */
    if (p->tty)
        fputs("\r\033[K", p->out);
    p->bar_shown = 0;
    fprintf(p->out, "epoch %d/%d  loss %.4f", s->epoch, p->epochs, s->loss);
    if (s->regress)
        fprintf(p->out, "  mae %.4f  rmse %.4f", s->mae, s->rmse);
    else
        fprintf(p->out, "  accuracy %.4f", s->accuracy);
    if (s->has_val && s->regress)
        fprintf(p->out, "  val_loss %.4f  val_mae %.4f  val_rmse %.4f", s->val_loss, s->val_mae,
                s->val_rmse);
    else if (s->has_val)
        fprintf(p->out, "  val_loss %.4f  val_accuracy %.4f", s->val_loss, s->val_accuracy);
    fprintf(p->out, "  %.1fs\n", s->seconds);
    fflush(p->out);
}
