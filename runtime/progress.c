/* progress.c: what the trainer shows while it trains.
 *
 * On a terminal, a bar redrawn in place (\r) at most ten times a second,
 * never wider than the terminal (asked at every redraw, so a resized
 * window is followed; one column short of it, so the cursor never wraps):
 *   epoch 2/5 [=========>          ] 1024/1688 0:12<0:07 2730/s loss 0.4213 accuracy 0.8512
 * (steps done, the epoch's elapsed time < its time left, samples a second,
 * the running means), then, over it, the epoch's line, which stays in the
 * scroll-back.  What does not fit goes, least useful first: the rate, the
 * time left, the accuracy, the loss, the bar itself, then the steps.  Anywhere else
 * (a log file, a pipe) only the epoch's line, one per epoch, so logs stay
 * short and diffable:
 *   epoch 1/5  loss 0.4987  accuracy 0.8251  val_loss 0.4012  val_accuracy 0.8560  3.2s
 * A REGRESS model shows MAE (and on the epoch's line RMSE) for accuracy:
 *   epoch 1/5  loss 0.1234  mae 0.2345  rmse 0.3456  val_loss 0.1300  val_mae 0.2400  val_rmse 0.3500  0.1s
 * A run that stops inside an epoch (diverged, or a ^C) ends the bar's line
 * where it stands, so that its message starts a line of its own.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "nnrt_internal.h"

#define BAR_WIDTH 30            /* at most */
#define BAR_MIN 10              /* below this, no bar */
#define REDRAW_SECONDS 0.1

double nnrt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void nnrt_progress_init(nnrt_progress *p, FILE *out, int tty, int epochs, int steps)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->epochs = epochs;
    p->steps = steps;
    p->clock = nnrt_now;
}

static int columns(const nnrt_progress *p)
{
    struct winsize ws;
    if (p->width > 0)
        return p->width;
    if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* "1:05", "1:02:03" */
static void clock_text(char *out, size_t len, double seconds)
{
    long s = seconds > 0 && seconds < 1e7 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(out, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, len, "%ld:%02ld", s / 60, s % 60);
}

/* The bar for `step` of `steps` done, in as much of the line as fits */
static void draw_bar(nnrt_progress *p, int step, double loss, double accuracy)
{
    double now = p->clock(), elapsed = now - p->epoch_start;
    int done = step - p->start_step;
    char head[64], count[32], pieces[4][80];
    int n_pieces = 0;
    snprintf(head, sizeof head, "epoch %d/%d", p->epoch, p->epochs);
    snprintf(count, sizeof count, " %d/%d", step, p->steps);
    /* most useful first; the last ones go first when the line is short */
    if (step > 0) {
        snprintf(pieces[n_pieces++], sizeof pieces[0], " loss %.4f", loss);
        snprintf(pieces[n_pieces++], sizeof pieces[0], " %s %.4f",
                 p->regress ? "mae" : "accuracy", accuracy);
    }
    if (done > 0 && elapsed > 0) {
        char spent[32], left[32];
        clock_text(spent, sizeof spent, elapsed);
        clock_text(left, sizeof left, elapsed / done * (p->steps - step));
        snprintf(pieces[n_pieces++], sizeof pieces[0], " %s<%s", spent, left);
        if (p->batch > 0)
            snprintf(pieces[n_pieces++], sizeof pieces[0], " %.0f/s",
                     (double)done * p->batch / elapsed);
    }
    /* one column short of the terminal: a full last column wraps on some */
    int room = columns(p) - 1, used = (int)(strlen(head) + strlen(count));
    if (used > room) {   /* a very narrow terminal: the epoch alone, cut to fit */
        count[0] = '\0';
        head[room > 0 ? (room < (int)sizeof head ? room : (int)sizeof head - 1) : 0] = '\0';
        used = (int)strlen(head);
    }
    int keep = 0;
    for (int i = 0; i < n_pieces; i++) {
        if (used + (int)strlen(pieces[i]) + BAR_MIN + 3 > room)
            break;
        used += (int)strlen(pieces[i]);
        keep = i + 1;
    }
    int width = room - used - 3;   /* " [" and "]" */
    width = width > BAR_WIDTH ? BAR_WIDTH : width;
    char bar[BAR_WIDTH + 4] = "";
    if (width >= BAR_MIN) {
        int filled = p->steps > 0 ? (int)((long long)width * step / p->steps) : width;
        bar[0] = ' ';
        bar[1] = '[';
        for (int i = 0; i < width; i++)
            bar[2 + i] = i < filled ? '=' : ' ';
        if (filled > 0 && filled < width)
            bar[2 + filled - 1] = '>';
        bar[2 + width] = ']';
        bar[3 + width] = '\0';
    }
    fprintf(p->out, "\r%s%s%s", head, bar, count);
    for (int i = 0; i < keep; i++)
        fputs(pieces[i], p->out);
    fputs("\033[K", p->out);   /* what a longer line before left */
    fflush(p->out);
    p->last_draw = now;
    p->bar_shown = 1;
}

void nnrt_progress_begin(nnrt_progress *p, int epoch)
{
    nnrt_progress_begin_at(p, epoch, 0, 0, 0);
}

void nnrt_progress_begin_at(nnrt_progress *p, int epoch, int step, double loss, double accuracy)
{
    p->epoch = epoch;
    p->epoch_start = p->clock();
    p->start_step = step;
    if (p->tty)
        draw_bar(p, step, loss, accuracy);
}

void nnrt_progress_update(nnrt_progress *p, int step, double loss, double accuracy)
{
    if (p->tty && (step == p->steps || p->clock() - p->last_draw >= REDRAW_SECONDS))
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
