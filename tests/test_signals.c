/* test_signals.c: ^C and SIGTERM during `train`.
 *
 * A small convnet with everything the loop carries between batches
 * (batchnorm's statistics, dropout and augmentation draws, Adam, a cosine
 * schedule, the epoch's shuffle and running sums) trains on a slice of
 * Fashion-MNIST, once without interruption.  Then the same run is sent
 * SIGINT or SIGTERM at moments drawn from a seeded generator, the first
 * at once (within its first epoch), once the trainer has put its handler
 * in place (seen in /proc/PID/status, so nothing depends on how loaded the
 * machine is): it must exit 130 or 143, naming the epoch and the batch
 * where it stopped and the command that goes on; that command, run by the
 * shell as printed, must end with the uninterrupted run's weights and
 * curve.csv, byte for byte.  A run whose epochs are one batch each stops
 * after an epoch, its files whole.  A second SIGINT, sent once the first
 * has been taken, stops the trainer at once.  A SIGINT ignored when the
 * trainer starts (a background job's) stays ignored.  And on a terminal,
 * the progress bar's line is ended before the message. */
#include <signal.h>

#include "nnrt_internal.h"
#include "trainer_util.h"

/* --limit 2000: 1800 training samples, 15 batches of 128 an epoch */
enum { TRIALS = 6, EPOCHS = 3, STEPS = 15, TEST_SAMPLES = 1000 };

static char work[512], exe[700];

/* The .nn file: a small convnet on Fashion-MNIST with all the loop's state. */
static const char MODEL[] =
    "model sig\n"
    "data {\n"
    "    train {\n"
    "        images \"fashion-mnist/train-images-idx3-ubyte.gz\"\n"
    "        labels \"fashion-mnist/train-labels-idx1-ubyte.gz\"\n"
    "    }\n"
    "    test {\n"
    "        images \"test-images.idx\"\n"
    "        labels \"test-labels.idx\"\n"
    "    }\n"
    "    validation 10%\n"
    "    scale 1/255\n"
    "}\n"
    "network {\n"
    "    input 28x28x1\n"
    "    conv2d 8 3x3 padding=same\n"
    "    batchnorm relu momentum=0.9\n"
    "    maxpool 2\n"
    "    conv2d 16 3x3 relu padding=same\n"
    "    maxpool 2\n"
    "    flatten\n"
    "    dropout 0.3\n"
    "    dense 10 softmax\n"
    "}\n"
    "augment {\n"
    "    flip horizontal p=0.5\n"
    "    shift 2 p=0.5\n"
    "}\n"
    "train {\n"
    "    loss cross_entropy\n"
    "    optimizer adam lr=0.002\n"
    "    schedule cosine\n"
    "    batch 128\n"
    "    epochs 3\n"
    "    seed 5\n"
    "}\n";

/* The first n items of Fashion-MNIST's file `name` as work/OUT, plain. */
static void write_slice(const char *name, const char *out, int n)
{
    char path[1024];
    snprintf(path, sizeof path, "/usr/share/datasets/fashion-mnist/%s", name);
    nnrt_idx idx;
    nnrt_error err;
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_ge(idx.dims[0], n);
    idx.dims[0] = n;
    snprintf(path, sizeof path, "%s/%s", work, out);
    write_idx(path, idx.bytes, idx.ndims, idx.dims);
    nnrt_idx_free(&idx);
}

/* Once, in Check's parent process: the trainer, and a test set of 1000
 * images (every run ends with a pass over it: the whole t10k would be
 * most of the suite's time). */
static void build_all(void)
{
    if (!have_fashion())
        return;   /* each test says so */
    char nn[700];
    snprintf(work, sizeof work, "%s/signals", tmp_dir());
    fresh_dir("%s", work);
    write_slice("t10k-images-idx3-ubyte.gz", "test-images.idx", TEST_SAMPLES);
    write_slice("t10k-labels-idx1-ubyte.gz", "test-labels.idx", TEST_SAMPLES);
    ck_assert_int_eq(setenv("NNC_DATA", work, 1), 0);   /* fashion-mnist/ falls through */
    snprintf(nn, sizeof nn, "%s/sig.nn", work);
    write_text(nn, MODEL);
    snprintf(exe, sizeof exe, "%s/sig", work);
    build_trainer(nn, exe);
}

static void need_fashion(void)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
}

/* ---- watching the trainer --------------------------------------------- */

/* Whether the trainer pid catches sig now (the SigCgt mask of
 * /proc/PID/status); -1 if pid is not the trainer (yet: before its exec,
 * the forked copy of this test has Check's handlers) or is gone. */
static int catches(pid_t pid, int sig)
{
    char path[64], line[256], name[64] = "";
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long mask = 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        sscanf(line, "Name: %63s", name);
        found = sscanf(line, "SigCgt: %llx", &mask) == 1;
    }
    fclose(f);
    if (!found || strcmp(name, "sig") != 0)
        return -1;
    return (int)((mask >> (sig - 1)) & 1);
}

/* Whether pid has exited (reaped into *status) without waiting. */
static int exited(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == pid;
}

/* Wait until pid's catching of sig is `want` (1: the handler is in
 * place; 0: it was taken, and the default is back).  Returns 0, or -1 if
 * pid exited first (its status in *status) or 120 seconds went by. */
static int wait_catching_signal(pid_t pid, int sig, int want, int *status)
{
    double give_up = monotonic_seconds() + 120;
    while (monotonic_seconds() < give_up) {
        if (exited(pid, status))
            return -1;
        if (catches(pid, sig) == want)
            return 0;
        sleep_seconds(0.0005);
    }
    return -1;
}

static int wait_catching(pid_t pid, int want, int *status)
{
    return wait_catching_signal(pid, SIGINT, want, status);
}

/* pid's exit status; 128 + the signal that killed it, as a shell says. */
static int wait_status(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

/* `exe train ARGS... --out dir`, output into dir.log. */
static pid_t start_run(const char *dir, const char *limit, const char *epochs, char *log,
                       size_t log_len)
{
    snprintf(log, log_len, "%s.log", dir);
    char *const argv[] = { exe, "train", "--limit", (char *)limit, "--epochs", (char *)epochs,
                           "--out", (char *)dir, NULL };
    return spawn_logged(argv, log);
}

/* What a stopped run said: 'i' (in epoch E at batch B), 'a' (after epoch
 * E; "before epoch 1" is after epoch 0) or 0 if no such line; its command
 * to go on in cmd. */
typedef struct stop_line {
    int kind, epoch, batch;
    char cmd[1024];
} stop_line;

/* not inlined: gcc 12 then mistakes slurp's buffer for a dangling pointer */
__attribute__((noinline)) static stop_line read_stop_line(const char *log)
{
    stop_line s = { 0, 0, 0, "" };
    char *out = slurp(log);
    const char *at = strstr(out, "sig: stopped ");
    if (at && sscanf(at, "sig: stopped in epoch %d at batch %d; ", &s.epoch, &s.batch) == 2)
        s.kind = 'i';
    else if (at && sscanf(at, "sig: stopped after epoch %d; ", &s.epoch) == 1)
        s.kind = 'a';
    else if (at && strncmp(at, "sig: stopped before epoch 1; ", 29) == 0)
        s.kind = 'a';
    const char *go = at ? strstr(at, "; go on with: ") : NULL;
    if (go) {
        go += strlen("; go on with: ");
        size_t n = strcspn(go, "\n");
        snprintf(s.cmd, sizeof s.cmd, "%.*s", (int)n, go);
    }
    free(out);
    return s;
}

/* dir's weights and curve.csv are ref's, byte for byte. */
static void assert_same_run(const char *dir, const char *ref, const char *what)
{
    static const char *const files[] = { "weights", "curve.csv" };
    for (int i = 0; i < 2; i++) {
        char a[1100], b[1100];
        snprintf(a, sizeof a, "%s/%s", ref, files[i]);
        snprintf(b, sizeof b, "%s/%s", dir, files[i]);
        ck_assert_msg(same_file_bytes(a, b), "%s: %s differs from the uninterrupted run's", what,
                      files[i]);
    }
}

/* The uninterrupted run in work/NAME (once: a later test reuses it). */
static void reference_run(const char *name, const char *limit, const char *epochs)
{
    char dir[1024], log[1100], weights[1100];
    snprintf(dir, sizeof dir, "%s/%s", work, name);
    snprintf(weights, sizeof weights, "%s/weights", dir);
    if (path_exists(weights))
        return;
    pid_t pid = start_run(dir, limit, epochs, log, sizeof log);
    ck_assert_msg(wait_status(pid) == 0, "see %s", log);
}

/* The shortest epoch of the run in dir, by its times.csv.  Not inlined:
 * gcc 12 then mistakes slurp's buffer for a dangling stack pointer. */
__attribute__((noinline)) static double shortest_epoch(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/times.csv", dir);
    char *text = slurp(path);
    double shortest = 1e9, seconds;
    for (const char *line = strchr(text, '\n'); line; line = strchr(line + 1, '\n'))
        if (sscanf(line, "\n%*d,%lf", &seconds) == 1 && seconds < shortest)
            shortest = seconds;
    free(text);
    return shortest;
}

/* Wait until the log of pid shows epoch `epoch`'s line (0: at once);
 * -1 if pid exits first. */
static int wait_epoch_line(pid_t pid, const char *log, int epoch, int *status)
{
    char line[32];
    snprintf(line, sizeof line, "\nepoch %d/", epoch);
    while (epoch > 0) {
        if (exited(pid, status))
            return -1;
        char *out = slurp(log);
        int there = strstr(out, line) != NULL;
        free(out);
        if (there)
            return 0;
        sleep_seconds(0.002);
    }
    return 0;
}

/* Go on as the stopped run's line says, through the shell; it must say it
 * resumes where s says it stopped and finish. */
static void go_on(const stop_line *s, const char *what)
{
    char *out;
    int status = run_cmd(s->cmd, &out);
    ck_assert_msg(status == 0, "%s: '%s': status %d:\n%s", what, s->cmd, status, out);
    char expected[128];
    if (s->kind == 'i')
        snprintf(expected, sizeof expected, "\nresuming in epoch %d of %d after batch %d of %d, ",
                 s->epoch, EPOCHS, s->batch, STEPS);
    else
        snprintf(expected, sizeof expected, "\nresuming after epoch %d of ", s->epoch);
    ck_assert_msg(strstr(out, expected) != NULL, "%s: no '%s' in:\n%s", what, expected + 1, out);
    free(out);
}

/* How many lines f has. */
static int count_lines(const char *path)
{
    char *text = slurp(path);
    int n = 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    free(text);
    return n;
}

/* ---- the tests ------------------------------------------------------------ */

START_TEST(signals_stop_mid_epoch_and_resume_byte_identical)
{
    need_fashion();
    reference_run("ref", "2000", "3");
    char ref[1024];
    snprintf(ref, sizeof ref, "%s/ref", work);
    double epoch_seconds = shortest_epoch(ref);

    uint32_t rng = 77;
    int mid_epoch = 0, later_epochs = 0, after = 0;
    for (int t = 0; t < TRIALS; t++) {
        int sig = t % 2 ? SIGTERM : SIGINT;
        char dir[1024], log[1100], what[64];
        /* a space in the folder: the command printed must quote it */
        snprintf(dir, sizeof dir, "%s/trial %d", work, t);
        snprintf(what, sizeof what, "trial %d (%s)", t, sig == SIGINT ? "SIGINT" : "SIGTERM");
        pid_t pid = start_run(dir, "2000", "3", log, sizeof log);
        int status = 0;
        ck_assert_msg(wait_catching(pid, 1, &status) == 0,
                      "%s: the trainer never caught SIGINT (status %d); see %s", what, status, log);
        /* the first at once, in the first epoch; then at random moments
         * in each epoch (timed from the line of the one before); the last
         * at once after epoch 2's line, as its files are being written */
        int after_line = t / 2;
        ck_assert_msg(wait_epoch_line(pid, log, after_line, &status) == 0,
                      "%s: the run ended (status %d) before epoch %d's line; see %s", what,
                      status, after_line, log);
        if (t > 0 && t < TRIALS - 1)
            sleep_seconds(epoch_seconds * 0.8 * lcg_uniform(&rng));
        kill(pid, sig);
        status = wait_status(pid);
        ck_assert_msg(status == 128 + sig, "%s: status %d, not %d; see %s", what, status,
                      128 + sig, log);

        stop_line s = read_stop_line(log);
        ck_assert_msg(s.kind != 0, "%s: no 'stopped' line in %s", what, log);
        char expected_cmd[2200];
        snprintf(expected_cmd, sizeof expected_cmd, "%s train --resume '%s'", exe, dir);
        ck_assert_str_eq(s.cmd, expected_cmd);
        if (t == 0)
            ck_assert_msg(s.kind == 'i' && s.epoch == 1, "%s: stopped %s epoch %d", what,
                          s.kind == 'i' ? "in" : "after", s.epoch);
        if (s.kind == 'i') {
            ck_assert_msg(s.epoch >= 1 && s.epoch <= EPOCHS && s.batch >= 1 && s.batch < STEPS,
                          "%s: epoch %d, batch %d", what, s.epoch, s.batch);
            mid_epoch++;
            later_epochs += s.epoch > 1;
        } else {
            after++;
        }
        /* curve.csv holds the epochs finished, nothing of the one stopped */
        char curve[1100];
        snprintf(curve, sizeof curve, "%s/curve.csv", dir);
        int finished = s.kind == 'i' ? s.epoch - 1 : s.epoch;
        ck_assert_int_eq(path_exists(curve) ? count_lines(curve) - 1 : 0, finished);

        go_on(&s, what);
        assert_same_run(dir, ref, what);
    }
    printf("test_signals: %d runs stopped by signals (%d in an epoch, %d of them after the "
           "first; %d after an epoch), each resumed byte-identical (epochs of %.2fs)\n",
           TRIALS, mid_epoch, later_epochs, after, epoch_seconds);
    ck_assert_msg(mid_epoch >= TRIALS / 2, "only %d of %d stops inside an epoch", mid_epoch,
                  TRIALS);
}
END_TEST

START_TEST(a_signal_after_an_epochs_last_batch_stops_after_the_epoch)
{
    /* 70 samples: 63 to train on, one batch an epoch, so any stop is after
     * an epoch's last batch: its validation and files are finished first */
    need_fashion();
    reference_run("short_ref", "70", "40");
    char dir[1024], log[1100], ref[1024];
    snprintf(ref, sizeof ref, "%s/short_ref", work);
    snprintf(dir, sizeof dir, "%s/short", work);
    pid_t pid = start_run(dir, "70", "40", log, sizeof log);
    int status = 0;
    ck_assert_msg(wait_catching(pid, 1, &status) == 0, "status %d; see %s", status, log);
    kill(pid, SIGTERM);
    ck_assert_int_eq(wait_status(pid), 143);
    stop_line s = read_stop_line(log);
    ck_assert_msg(s.kind == 'a', "no 'stopped after epoch' line in %s", log);
    char expected_cmd[2200], curve[1100];
    snprintf(expected_cmd, sizeof expected_cmd, "%s train --resume %s", exe, dir);
    ck_assert_str_eq(s.cmd, expected_cmd);
    snprintf(curve, sizeof curve, "%s/curve.csv", dir);
    ck_assert_int_eq(path_exists(curve) ? count_lines(curve) - 1 : 0, s.epoch);
    go_on(&s, "stopped after an epoch");
    assert_same_run(dir, ref, "stopped after an epoch");
}
END_TEST

START_TEST(a_second_sigint_stops_at_once)
{
    need_fashion();
    char dir[1024], log[1100], ref[1024], checkpoint[1100];
    snprintf(ref, sizeof ref, "%s/ref", work);
    reference_run("ref", "2000", "3");
    /* the second must come while the first's batch is still running: on a
     * machine so loaded that it comes later, the run stops in order, and
     * the attempt is made again */
    int attempt, status = 0, untouched = 0;
    for (attempt = 0; attempt < 5; attempt++) {
        snprintf(dir, sizeof dir, "%s/twice%d", work, attempt);
        snprintf(checkpoint, sizeof checkpoint, "%s/checkpoint", dir);
        pid_t pid = start_run(dir, "2000", "3", log, sizeof log);
        ck_assert_msg(wait_catching(pid, 1, &status) == 0, "status %d; see %s", status, log);
        char *before = slurp(checkpoint);   /* the run's first, saved before the handler */
        size_t before_len = file_size(checkpoint);
        kill(pid, SIGINT);
        int taken = wait_catching(pid, 0, &status) == 0;
        if (taken)
            kill(pid, SIGINT);
        if (taken)
            status = wait_status(pid);
        else
            status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
        if (status == 1000 + SIGINT) {
            char *after = slurp(checkpoint);
            untouched = file_size(checkpoint) == before_len &&
                        memcmp(before, after, before_len) == 0;
            free(after);
            free(before);
            break;
        }
        free(before);
        ck_assert_msg(status == 130, "attempt %d: status %d; see %s", attempt, status, log);
    }
    ck_assert_msg(status == 1000 + SIGINT, "in %d attempts, the second SIGINT never found the "
                  "run still going", attempt);
    /* killed by the second, with a checkpoint that goes on (the first one,
     * unless the kill came after the new one's rename) */
    printf("test_signals: killed by a second SIGINT in attempt %d, the checkpoint %s\n",
           attempt + 1, untouched ? "untouched" : "the new one, whole");
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "%s train --resume %s", exe, dir);
    char *out;
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s: %d\n%s", cmd, status, out);
    free(out);
    assert_same_run(dir, ref, "killed by a second SIGINT");
}
END_TEST

START_TEST(an_ignored_sigint_stays_ignored)
{
    /* as in a job a script starts with `&`: ^C at the terminal is not for it */
    need_fashion();
    reference_run("short_ref", "70", "40");
    char dir[1024], log[1100], ref[1024], script[2400];
    snprintf(ref, sizeof ref, "%s/short_ref", work);
    snprintf(dir, sizeof dir, "%s/ignoring", work);
    snprintf(log, sizeof log, "%s.log", dir);
    snprintf(script, sizeof script, "trap '' INT; exec %s train --limit 70 --epochs 40 --out %s",
             exe, dir);
    char *const argv[] = { "/bin/sh", "-c", script, NULL };
    pid_t pid = spawn_logged(argv, log);
    int status = 0;
    /* SIGTERM caught: the handlers are in place */
    ck_assert_msg(wait_catching_signal(pid, SIGTERM, 1, &status) == 0, "status %d; see %s",
                  status, log);
    ck_assert_int_eq(catches(pid, SIGINT), 0);
    kill(pid, SIGINT);
    ck_assert_msg(wait_status(pid) == 0, "see %s", log);
    assert_same_run(dir, ref, "SIGINT ignored");
}
END_TEST

START_TEST(the_bar_ends_its_line_before_a_stop_message)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    nnrt_progress p;
    nnrt_progress_init(&p, f, 1, 5, 40);
    p.width = 80;
    nnrt_progress_begin_at(&p, 2, 10, 1, 0.5);   /* resumed after 10 steps */
    nnrt_progress_break(&p);
    nnrt_progress_break(&p);                     /* once only */
    fflush(f);
    ck_assert_str_eq(buf, "\repoch 2/5 [======>                       ] 10/40 loss 1.0000 "
                          "accuracy 0.5000\033[K\n");
    fclose(f);
    free(buf);

    /* after the epoch's line, or off a terminal, there is nothing to end */
    f = open_memstream(&buf, &len);
    nnrt_epoch_stats s = { .epoch = 1, .loss = 0.5, .accuracy = 0.8, .seconds = 1 };
    nnrt_progress_init(&p, f, 1, 5, 40);
    nnrt_progress_begin(&p, 1);
    nnrt_progress_end(&p, &s);
    nnrt_progress_break(&p);
    nnrt_progress_init(&p, f, 0, 5, 40);
    nnrt_progress_begin(&p, 2);
    nnrt_progress_update(&p, 40, 0.5, 0.8);
    nnrt_progress_break(&p);
    fflush(f);
    ck_assert_str_eq(buf, "\repoch 1/5 [                              ] 0/40\033[K"
                          "\r\033[Kepoch 1/5  loss 0.5000  accuracy 0.8000  1.0s\n");
    fclose(f);
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("signals");
    tcase_set_timeout(tc, 900);
    tcase_add_unchecked_fixture(tc, build_all, NULL);
    tcase_add_test(tc, signals_stop_mid_epoch_and_resume_byte_identical);
    tcase_add_test(tc, a_signal_after_an_epochs_last_batch_stops_after_the_epoch);
    tcase_add_test(tc, a_second_sigint_stops_at_once);
    tcase_add_test(tc, an_ignored_sigint_stays_ignored);
    tcase_add_test(tc, the_bar_ends_its_line_before_a_stop_message);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
