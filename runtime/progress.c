/* progress.c: what the trainer shows while it trains.
 *
 * On a terminal, a bar redrawn in place (\r) at most ten times a second:
 *   epoch 2/5 [=========>                    ] 1024/1688  loss 0.4213  accuracy 0.8512
 * then, over it, the epoch's line.  Anywhere else (a log file, a pipe) only
 * the epoch's line, one per epoch, so logs stay short and diffable:
 *   epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  val_accuracy 0.8560  3.2s
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
    p->epochs = epochs;
    p->steps = steps;
    p->epoch = 0;
    p->last_draw = 0;
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
        fprintf(p->out, "  loss %.4f  accuracy %.4f", loss, accuracy);
    fflush(p->out);
    p->last_draw = nnrt_now();
}

void nnrt_progress_begin(nnrt_progress *p, int epoch)
{
    p->epoch = epoch;
    if (p->tty)
        draw_bar(p, 0, 0, 0);
}

void nnrt_progress_update(nnrt_progress *p, int step, double loss, double accuracy)
{
    if (p->tty && (step == p->steps || nnrt_now() - p->last_draw >= REDRAW_SECONDS))
        draw_bar(p, step, loss, accuracy);
}

void nnrt_progress_end(nnrt_progress *p, const nnrt_epoch_stats *s)
{
    /* on a terminal, go back over the bar and clear what the line leaves of it */
    if (p->tty)
        fputs("\r\033[K", p->out);
    fprintf(p->out, "epoch %d/%d  loss %.4f  accuracy %.4f", s->epoch, p->epochs, s->loss,
            s->accuracy);
    if (s->has_val)
        fprintf(p->out, "  val_loss %.4f  val_accuracy %.4f", s->val_loss, s->val_accuracy);
    fprintf(p->out, "  %.1fs\n", s->seconds);
    fflush(p->out);
}
