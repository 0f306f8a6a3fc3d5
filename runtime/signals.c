/* signals.c: ^C (SIGINT) and SIGTERM during `train`.
 *
 * The handler only notes which signal came, in a volatile sig_atomic_t,
 * and puts both signals back as they were (their default action): the
 * epoch loop looks at the note between batches, saves a checkpoint and
 * stops in an orderly way, while a second ^C (or SIGTERM) ends the process
 * at once, leaving the files as the last completed write left them (every
 * file the trainer writes is replaced through a temporary and a rename).  A signal
 * that was ignored when the trainer started stays ignored.  SA_RESTART: a
 * write or an fsync interrupted by the handler goes on rather than failing
 * with EINTR, so the checkpoint being written is not lost.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "nnrt_internal.h"

static volatile sig_atomic_t stop_signal;
static struct sigaction saved_int, saved_term;
static int watching;
static int agreed_signal;   /* the one every rank stops for (nnrt_stop_agreed) */

static void note_signal(int sig)
{
    if (!stop_signal)
        stop_signal = sig;
    /* what was there before (the default): a second signal acts at once */
    sigaction(SIGINT, &saved_int, NULL);   /* async-signal-safe */
    sigaction(SIGTERM, &saved_term, NULL);
}

/* sig to the handler, unless it was ignored (saved): a job a shell
 * started in the background (`&` in a script) ignores ^C, and goes on
 * ignoring it. */
static void catch_unless_ignored(int sig, const struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    /* one handler at a time: a SIGTERM during the SIGINT's handler waits */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    if (saved->sa_handler != SIG_IGN)
        sigaction(sig, &sa, NULL);
}

void nnrt_stop_watch(void)
{
    stop_signal = 0;
    agreed_signal = 0;
    /* both saved before either is caught: the handler puts both back */
    sigaction(SIGINT, NULL, &saved_int);
    sigaction(SIGTERM, NULL, &saved_term);
    catch_unless_ignored(SIGINT, &saved_int);
    catch_unless_ignored(SIGTERM, &saved_term);
    watching = 1;
}

void nnrt_stop_unwatch(void)
{
    if (!watching)
        return;
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
    watching = 0;
}

int nnrt_stop_signal(void)
{
    return stop_signal;
}

/* Under MPI the signal may reach one rank only (a kill of one process) or
 * all at different batches (mpirun passing on a SIGTERM): every rank
 * stops when any has one, at the same batch, and ends with the same
 * status.  SIGTERM (15) outranks SIGINT (2) when both came. */
int nnrt_stop_agreed(void)
{
    int sig = nnrt_dist_max(stop_signal);
    if (sig)
        agreed_signal = sig;
    return sig;
}

/* s as one word of a POSIX shell: as it is when that is safe, else in
 * single quotes (a quote inside as '\'') */
static void put_shell_word(FILE *out, const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-./,:=+@%";
    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

int nnrt_stop_report(const char *name, const char *where, const char *prog, const char *dir)
{
    int sig = agreed_signal ? agreed_signal : stop_signal;
    if (nnrt_dist_rank() > 0)   /* rank 0 says it */
        return 128 + sig;
    fflush(stdout);   /* the epoch lines first */
    fprintf(stderr, "%s: stopped %s; go on with: ", name, where);
    put_shell_word(stderr, prog);
    fputs(" train --resume ", stderr);
    put_shell_word(stderr, dir);
    fputc('\n', stderr);
    fflush(stderr);
    return 128 + sig;
}
