/* test_runs.c: runs and sources are never lost, and files are replaced
 * safely.
 *
 * A run folder holding a run is refused by train unless --resume or
 * --overwrite says what to do with it; a trainer holds its folder's lock
 * for the whole run, so a second one (and eval) is refused at once and the
 * first ends intact; temporaries a killed run left are removed.  Files are
 * replaced through a fresh mkstemp temporary: symbolic links planted at
 * the old PATH.tmp name or at the temporary's are never written through,
 * a device or a FIFO is written in place and stays one, a folder is
 * refused, a symbolic link as the destination is replaced, not followed.
 * nnc refuses an -o that names one of the files it reads (the .nn file, by
 * any spelling or link, or a model its init= names), and nnc plot a curve
 * it draws. */
#define _DEFAULT_SOURCE         /* mknod, makedev */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "nnrt_internal.h"
#include "trainer_util.h"

enum { N_SAMPLES = 400, SIDE = 8 };

static char work[512];
static char nnc[1024];   /* nnc made absolute: commands run in work */

/* 8x8 images of 2 classes (a bright left or top half) in noise. */
static void write_fixtures(void)
{
    static uint8_t pixels[N_SAMPLES * SIDE * SIDE];
    uint8_t labels[N_SAMPLES];
    uint32_t s = 77;
    for (int i = 0; i < N_SAMPLES; i++) {
        labels[i] = (uint8_t)(i % 2);
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                int lit = labels[i] ? y < SIDE / 2 : x < SIDE / 2;
                s = s * 1664525u + 1013904223u;
                pixels[(i * SIDE + y) * SIDE + x] = (uint8_t)((lit ? 150 : 90) + (int)(s >> 26));
            }
    }
    char path[1024];
    int idims[3] = { N_SAMPLES, SIDE, SIDE }, ldims[1] = { N_SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", work);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/labels.idx", work);
    write_idx(path, labels, 1, ldims);
}

#define MODEL(name, hidden)                                                     \
    "model " name "\n"                                                          \
    "data {\n"                                                                  \
    "    train {\n        images \"images.idx\"\n        labels \"labels.idx\"\n    }\n" \
    "    test {\n        images \"images.idx\"\n        labels \"labels.idx\"\n    }\n" \
    "    validation 20%\n"                                                      \
    "    scale 1/255\n"                                                         \
    "}\n"                                                                       \
    "network {\n    input 8x8\n    flatten\n    dense " hidden " relu\n    dense 2 softmax\n}\n" \
    "train {\n    loss cross_entropy\n    optimizer adam lr=0.01\n    batch 8\n"  \
    "    epochs 2\n    seed 1\n}\n"

/* Once, in Check's parent process: the data, trainer r (quick) and trainer
 * slow (the same model with a wide hidden layer, for runs that must still
 * be going when a second command starts). */
static void build_all(void)
{
    if (work[0])
        return;   /* every test case asks; the first builds */
    char cmd[1200], nn[700], exe[700];
    char absolute[4096];
    fresh_dir("%s/runs", tmp_dir());
    snprintf(cmd, sizeof cmd, "%s/runs", tmp_dir());
    ck_assert_ptr_nonnull(realpath(cmd, absolute));   /* commands run in work */
    ck_assert_uint_lt(strlen(absolute), sizeof work);
    memcpy(work, absolute, strlen(absolute) + 1);
    write_fixtures();
    snprintf(nn, sizeof nn, "%s/r.nn", work);
    write_text(nn, MODEL("r", "8"));
    snprintf(exe, sizeof exe, "%s/r", work);
    build_trainer(nn, exe);
    snprintf(nn, sizeof nn, "%s/slow.nn", work);
    write_text(nn, MODEL("slow", "512"));
    snprintf(exe, sizeof exe, "%s/slow", work);
    build_trainer(nn, exe);
    ck_assert_int_eq(setenv("NNC_DATA", work, 1), 0);
    ck_assert_ptr_nonnull(realpath(nnc_bin(), absolute));
    ck_assert_uint_lt(strlen(absolute), sizeof nnc);
    memcpy(nnc, absolute, strlen(absolute) + 1);
}

/* The output of a shell command run in work, its status in *status.  Not
 * inlined: gcc 12 then mistakes the output for a dangling stack pointer. */
__attribute__((noinline)) static char *run_in_work(const char *cmd, int *status)
{
    char full[3000], *out;
    snprintf(full, sizeof full, "cd %s && %s", work, cmd);
    *status = run_cmd(full, &out);
    return out;
}

/* Runs cmd in work; it must succeed. */
static void ok(const char *cmd)
{
    int status;
    char *out = run_in_work(cmd, &status);
    ck_assert_msg(status == 0, "%s: status %d:\n%s", cmd, status, out);
    free(out);
}

/* Runs cmd in work; it must fail with status 1 and print exactly want. */
static void refused(const char *cmd, const char *want)
{
    int status;
    char *out = run_in_work(cmd, &status);
    ck_assert_msg(status == 1, "%s: status %d:\n%s", cmd, status, out);
    ck_assert_msg(strcmp(out, want) == 0, "%s said\n%s\ninstead of\n%s", cmd, out, want);
    free(out);
}

static int is_there(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- what a folder holds: every name, and every file's bytes -------------- */

typedef struct Listing {
    char *bytes;
    size_t len;
} Listing;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every entry of dir in name order, with each regular file's bytes. */
static Listing listing(const char *dir)
{
    Listing l = { NULL, 0 };
    FILE *mem = open_memstream(&l.bytes, &l.len);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot read %s", dir);
    char *names[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < 256)
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        ck_assert_int_eq(lstat(path, &st), 0);
        fprintf(mem, "%s %o\n", names[i], (unsigned)st.st_mode);
        if (S_ISREG(st.st_mode)) {
            char *text = slurp(path);
            fwrite(text, 1, (size_t)st.st_size, mem);
            free(text);
        }
        free(names[i]);
    }
    fclose(mem);
    return l;
}

static void assert_same_listing(const Listing *a, const Listing *b, const char *what)
{
    ck_assert_msg(a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0, "%s changed", what);
}

static int curve_rows(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s/curve.csv", work, dir);
    char *text = slurp(path);
    int rows = -1;   /* the header */
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    free(text);
    return rows;
}

/* ---- a folder holding a run ------------------------------------------------- */

START_TEST(train_refuses_a_folder_holding_a_run)
{
    ok("./r train --out held");
    char dir[700], want[2048];
    snprintf(dir, sizeof dir, "%s/held", work);
    Listing before = listing(dir);
    refused("./r train --out held",
            "r: error: held already holds a run (its checkpoint, weights and curve.csv); give "
            "--resume held to go on with it, or --overwrite to train a new one in its place\n");
    /* other settings change nothing: the run is not the one asked for */
    refused("./r train --out held --epochs 1 --seed 9",
            "r: error: held already holds a run (its checkpoint, weights and curve.csv); give "
            "--resume held to go on with it, or --overwrite to train a new one in its place\n");
    Listing after = listing(dir);
    assert_same_listing(&before, &after, "the refused folder");
    free(before.bytes);
    free(after.bytes);

    /* the default folder, runs/NAME, the same */
    ok("./r train");
    refused("./r train",
            "r: error: runs/r already holds a run (its checkpoint, weights and curve.csv); give "
            "--resume runs/r to go on with it, or --overwrite to train a new one in its place\n");

    /* one of the three is enough: a folder where only weights were kept */
    ok("mkdir -p kept && cp held/weights kept/");
    snprintf(want, sizeof want,
             "r: error: kept already holds a run (its weights); give --resume kept to go on "
             "with it, or --overwrite to train a new one in its place\n");
    refused("./r train --out kept", want);
    /* a folder without any of them is no run: eval's reports, a note */
    ok("mkdir -p notes && echo hello >notes/readme.txt && ./r eval --weights held/weights "
       "--out notes && ./r train --out notes");
}
END_TEST

/* A folder the trainer may not create says where else to go: under /sys,
 * which even root may not write (EPERM, or EROFS in a container) */
START_TEST(an_unwritable_place_says_give_out)
{
    int status;
    char *out = run_in_work("./r train --out /sys/nnc_run", &status);
    ck_assert_msg(status == 1 && strstr(out, "r: error: /sys/nnc_run: cannot create folder: ") &&
                      strstr(out, "; give --out DIR, a folder you may write in\n"),
                  "status %d:\n%s", status, out);
    free(out);
}
END_TEST

START_TEST(overwrite_replaces_the_run)
{
    ok("./r train --out over --epochs 2 && echo mine >over/notes.txt");
    ck_assert_int_eq(curve_rows("over"), 2);
    ok("./r train --out over --epochs 1 --overwrite");
    ck_assert_int_eq(curve_rows("over"), 1);
    char path[1100];
    snprintf(path, sizeof path, "%s/over/notes.txt", work);
    char *notes = slurp(path);
    ck_assert_str_eq(notes, "mine\n");   /* only the run's own files go */
    free(notes);

    /* the old run's files go first: one the new run has not written yet
     * (it diverges before its first epoch ends) is not left looking like
     * part of it */
    ok("./r train --out over --epochs 2 --overwrite");
    int status;
    char *out = run_in_work("./r train --out over --overwrite --lr 1e30", &status);
    ck_assert_msg(status == 1 && strstr(out, "training diverged"), "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/over/curve.csv", work);
    ck_assert(!is_there(path));
    snprintf(path, sizeof path, "%s/over/weights", work);
    ck_assert(!is_there(path));
    snprintf(path, sizeof path, "%s/over/report.html", work);   /* the old run's page */
    ck_assert(!is_there(path));
    snprintf(path, sizeof path, "%s/over/test.csv", work);
    ck_assert(!is_there(path));
    snprintf(path, sizeof path, "%s/over/checkpoint", work);
    ck_assert(is_there(path));
    snprintf(path, sizeof path, "%s/over/settings.txt", work);   /* the new run's, at its start */
    ck_assert(is_there(path));
}
END_TEST

START_TEST(resume_still_goes_on_with_a_run)
{
    ok("./r train --out more --epochs 1");
    ok("./r train --resume more --epochs 3");
    ck_assert_int_eq(curve_rows("more"), 3);
    refused("./r train --resume more --overwrite",
            "r: train: --resume and --overwrite: give one (--resume goes on with the run in the "
            "folder, --overwrite replaces it with a new one)\n");
}
END_TEST

/* ---- two commands on one folder --------------------------------------------- */

/* `slow train --out DIR --epochs EPOCHS`, in work, its output into log. */
static pid_t spawn_slow(const char *dir, const char *epochs, const char *log)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || chdir(work) != 0)
            _exit(126);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execl("./slow", "slow", "train", "--out", dir, "--epochs", epochs, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The refusal a second command on DIR gets while a trainer holds it. */
static void refused_at_once(const char *cmd, const char *dir, pid_t first)
{
    char want[1024];
    const char *name = strncmp(cmd, "./slow", 6) == 0 ? "slow" : "r";
    snprintf(want, sizeof want,
             "%s: error: %s: another trainer is using this run folder (it holds the folder's "
             "lock); wait for it to end, or give another --out\n",
             name, dir);
    double start = monotonic_seconds();
    refused(cmd, want);
    int status;
    /* at once: while the first still runs, and without loading the data */
    ck_assert_msg(waitpid(first, &status, WNOHANG) == 0,
                  "the first trainer ended before '%s' was refused: make it slower", cmd);
    ck_assert_msg(monotonic_seconds() - start < 5.0, "'%s' took %.1f s to be refused", cmd,
                  monotonic_seconds() - start);
}

START_TEST(a_second_trainer_is_refused_at_once)
{
    char log[700], checkpoint[700], path[700];
    snprintf(log, sizeof log, "%s/first.log", work);
    snprintf(checkpoint, sizeof checkpoint, "%s/busy/checkpoint", work);
    /* 200 epochs, about 5 s here: long enough for five refusals on a
     * loaded machine */
    pid_t first = spawn_slow("busy", "200", log);
    /* its first checkpoint is written under the lock, before the first epoch */
    struct timespec pause = { 0, 5000000 };
    for (int i = 0; i < 2000 && !is_there(checkpoint); i++)
        nanosleep(&pause, NULL);
    ck_assert_msg(is_there(checkpoint), "the first trainer wrote no checkpoint");
    refused_at_once("./slow train --out busy", "busy", first);
    /* the lock is the folder's, whatever path names it */
    refused_at_once("./slow train --out ./busy/", "./busy/", first);
    refused_at_once("./slow train --out busy --overwrite", "busy", first);
    refused_at_once("./slow train --resume busy", "busy", first);
    refused_at_once("./slow eval --out busy", "busy", first);
    int status;
    ck_assert_int_eq(waitpid(first, &status, 0), first);
    char *out = slurp(log);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the first trainer:\n%s", out);
    ck_assert_msg(strstr(out, "epoch 200/200") && strstr(out, "test: loss"), "%s", out);
    free(out);
    ck_assert_int_eq(curve_rows("busy"), 200);
    ok("./slow eval --out busy");
    snprintf(path, sizeof path, "%s/busy/weights", work);
    ck_assert_int_eq(temporaries_left(path), 0);
}
END_TEST

/* Two trainers started together on a folder that does not exist yet:
 * whichever locks it first trains, the other is refused, every time. */
START_TEST(two_trainers_started_together_one_run_kept)
{
    for (int trial = 0; trial < 3; trial++) {
        char dir[64], logs[2][700];
        snprintf(dir, sizeof dir, "race%d", trial);
        pid_t pids[2];
        for (int i = 0; i < 2; i++) {
            snprintf(logs[i], sizeof logs[i], "%s/race%d-%d.log", work, trial, i);
            pids[i] = spawn_slow(dir, "20", logs[i]);
        }
        int ok_runs = 0;
        for (int i = 0; i < 2; i++) {
            int status;
            ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
            char *out = slurp(logs[i]);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                ok_runs++;
            } else {
                /* refused by the lock, or (on a machine slow to start the
                 * second) by the run the first has finished */
                char locked[256], held[256];
                snprintf(locked, sizeof locked, "slow: error: %s: another trainer is using "
                                                "this run folder", dir);
                snprintf(held, sizeof held, "slow: error: %s already holds a run", dir);
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
                                  (strstr(out, locked) || strstr(out, held)),
                              "trial %d, trainer %d:\n%s", trial, i, out);
            }
            free(out);
        }
        ck_assert_msg(ok_runs == 1, "trial %d: %d trainers finished", trial, ok_runs);
        ck_assert_int_eq(curve_rows(dir), 20);
    }
}
END_TEST

/* ---- temporaries left by a killed run ------------------------------------------- */

START_TEST(stale_temporaries_are_removed)
{
    ok("./r train --out stale --epochs 1");
    /* what a run killed between creating and renaming leaves, and what is
     * not ours and must stay */
    static const char *const ours[] = { ".weights.a1B2c3", ".checkpoint.XyZ789",
                                        ".curve.csv.000000" };
    static const char *const theirs[] = { ".weights.keep", ".notes.a1B2c3", "weights.bak",
                                          ".weights.a1B2c3d", "my.weights.a1B2c3" };
    char path[1100];
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(path, sizeof path, "%s/stale/%s", work, ours[i]);
        write_text(path, "half a file");
    }
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++) {
        snprintf(path, sizeof path, "%s/stale/%s", work, theirs[i]);
        write_text(path, "keep me");
    }
    ok("./r train --resume stale --epochs 2");
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(path, sizeof path, "%s/stale/%s", work, ours[i]);
        ck_assert_msg(!is_there(path), "%s was left", ours[i]);
    }
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++) {
        snprintf(path, sizeof path, "%s/stale/%s", work, theirs[i]);
        ck_assert_msg(is_there(path), "%s was removed", theirs[i]);
    }
}
END_TEST

/* ---- planted symbolic links --------------------------------------------------- */

/* Symbolic links to victim at every name a writer of `file` in dir might
 * try: the old fixed PATH.tmp, the temporary's template, the likely
 * spellings of a temporary. */
static void plant(const char *dir, const char *file, const char *victim)
{
    static const char *const shapes[] = { "%s.tmp", ".%s.XXXXXX", ".%s.tmp", "%s~", "%s.new",
                                          ".%s.swp", "%s.part" };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char name[300], path[1400];
        snprintf(name, sizeof name, shapes[i], file);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
        ck_assert_int_eq(symlink(victim, path), 0);
    }
}

START_TEST(planted_links_are_not_written_through)
{
    char dir[700], victim[700];
    snprintf(dir, sizeof dir, "%s/planted", work);
    snprintf(victim, sizeof victim, "%s/victim.txt", work);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    write_text(victim, "precious");
    static const char *const files[] = { "weights", "checkpoint", "curve.csv", "times.csv",
                                         "report.txt", "curve.svg", "confusion.csv",
                                         "metrics.csv", "settings.txt", "test.csv",
                                         "report.html" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        plant(dir, files[i], victim);
    ok("./r train --out planted");
    ok("./r eval --out planted");
    plant(work, "start.weights", victim);
    ok("./r steps 0 --weights-out start.weights");
    plant(work, "preview.png", victim);
    ok("./r augment-preview --out preview.png --count 2");
    plant(work, "r2.c", victim);
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "%s emit r.nn -o r2.c", nnc);
    ok(cmd);
    char *text = slurp(victim);
    ck_assert_str_eq(text, "precious");
    free(text);
}
END_TEST

/* A symbolic link as the destination is replaced by the file: the file it
 * pointed to keeps its bytes. */
START_TEST(a_link_as_destination_is_replaced_not_followed)
{
    char link[700], victim[700];
    snprintf(victim, sizeof victim, "%s/target.weights", work);
    snprintf(link, sizeof link, "%s/link.weights", work);
    write_text(victim, "precious");
    unlink(link);
    ck_assert_int_eq(symlink("target.weights", link), 0);
    ok("./r steps 0 --weights-out link.weights");
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_gt(file_size(link), 8);
    char *text = slurp(victim);
    ck_assert_str_eq(text, "precious");
    free(text);
}
END_TEST

/* ---- devices and FIFOs ------------------------------------------------------------ */

static void assert_char_device(const char *path)
{
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg(S_ISCHR(st.st_mode), "%s is no longer a character device (mode %o)", path,
                  (unsigned)st.st_mode);
}

/* nnc emit -o stdout_link (a link to this process's stdout, as /dev/stdout
 * is), its stdout the pipe run_cmd reads, then a regular file: the C must
 * arrive there each time, and the link stay a link. */
static void emit_through(const char *stdout_link)
{
    int status;
    char cmd[2100], path[1100];
    snprintf(cmd, sizeof cmd, "%s emit r.nn -o %s", nnc, stdout_link);
    char *out = run_in_work(cmd, &status);
    ck_assert_msg(status == 0 && strncmp(out, "/* Generated by nnc", 19) == 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -f emitted.c && %s emit r.nn -o %s >emitted.c", nnc,
             stdout_link);
    ok(cmd);
    snprintf(path, sizeof path, "%s/emitted.c", work);
    out = slurp(path);
    ck_assert_msg(strncmp(out, "/* Generated by nnc", 19) == 0, "%s", out);
    free(out);
    struct stat st;
    ck_assert_int_eq(lstat(stdout_link, &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "%s is no longer a link", stdout_link);
}

START_TEST(devices_are_written_in_place)
{
    /* First a device node and a link of our own, so that code which
     * replaces them fails here, in the test's folder, before it could
     * turn the machine's /dev/null or /dev/stdout into a regular file. */
    char node[700], link[700], cmd[2100];
    snprintf(node, sizeof node, "%s/null", work);
    snprintf(link, sizeof link, "%s/stdout", work);
    unlink(link);
    ck_assert_int_eq(symlink("/proc/self/fd/1", link), 0);
    emit_through(link);
    unlink(node);
    /* (a file system mounted nodev makes the node but refuses to open it) */
    int own_node = mknod(node, S_IFCHR | 0666, makedev(1, 3)) == 0;
    int fd = own_node ? open(node, O_WRONLY) : -1;
    own_node = fd >= 0;
    if (fd >= 0)
        close(fd);
    if (own_node) {
        ok("./r steps 0 --weights-out null");
        ok("./r augment-preview --out null --count 2");
        snprintf(cmd, sizeof cmd, "%s emit r.nn -o null", nnc);
        ok(cmd);
        assert_char_device(node);
    }
    /* without a node of our own, only where a rename could not harm it */
    if (own_node || geteuid() != 0) {
        ok("./r steps 0 --weights-out /dev/null");
        snprintf(cmd, sizeof cmd, "%s emit r.nn -o /dev/null", nnc);
        ok(cmd);
        assert_char_device("/dev/null");
        emit_through("/dev/stdout");
    }
}
END_TEST

START_TEST(a_fifo_is_written_in_place)
{
    char fifo[700];
    snprintf(fifo, sizeof fifo, "%s/pipe", work);
    unlink(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    /* a reader counts what arrives */
    int status;
    char cmd[2100];
    /* (bounded, and away from run_cmd's pipe: code that replaces the FIFO
     * leaves its reader waiting) */
    snprintf(cmd, sizeof cmd, "rm -f pipe.count && "
                              "(timeout 10 sh -c 'wc -c <pipe >pipe.count' >/dev/null 2>&1 &) && "
                              "./r steps 0 --weights-out pipe && "
                              "for i in $(seq 100); do "
                              "[ -s pipe.count ] && break; sleep 0.1; done; "
                              "cat pipe.count");
    char *out = run_in_work(cmd, &status);
    ck_assert_msg(status == 0, "%s", out);
    ok("./r steps 0 --weights-out plain.weights");
    char path[1100];
    snprintf(path, sizeof path, "%s/plain.weights", work);
    ck_assert_int_eq(atoi(out), (int)file_size(path));
    free(out);
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
}
END_TEST

START_TEST(a_folder_as_destination_is_refused)
{
    ok("mkdir -p adir");
    refused("./r steps 0 --weights-out adir", "r: error: adir: is a folder, not a file\n");
    char cmd[2100], want[1400];
    snprintf(cmd, sizeof cmd, "%s emit r.nn -o adir", nnc);
    snprintf(want, sizeof want, "nnc: error: adir: is a folder, not a file\n");
    refused(cmd, want);
}
END_TEST

/* ---- the file's mode ------------------------------------------------------------ */

START_TEST(a_replaced_file_keeps_its_mode)
{
    char path[700];
    snprintf(path, sizeof path, "%s/mode.weights", work);
    write_text(path, "old");
    ck_assert_int_eq(chmod(path, 0640), 0);
    ok("./r steps 0 --weights-out mode.weights");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0640);
    /* a new file: 0666 less the umask, as open(2) would make it */
    ok("rm -f new.weights && (umask 022 && ./r steps 0 --weights-out new.weights)");
    snprintf(path, sizeof path, "%s/new.weights", work);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
}
END_TEST

START_TEST(temporary_names)
{
    ck_assert(nnrt_afile_is_temp(".weights.a1B2c3", "weights"));
    ck_assert(nnrt_afile_is_temp(".curve.csv.000000", "curve.csv"));
    ck_assert(!nnrt_afile_is_temp(".weights.a1B2c", "weights"));
    ck_assert(!nnrt_afile_is_temp(".weights.a1B2c34", "weights"));
    ck_assert(!nnrt_afile_is_temp(".weights.a1B2c-", "weights"));
    ck_assert(!nnrt_afile_is_temp("weights.a1B2c3", "weights"));
    ck_assert(!nnrt_afile_is_temp(".weightsXa1B2c3", "weights"));
    ck_assert(!nnrt_afile_is_temp(".checkpoint.a1B2c3", "weights"));
    ck_assert(!nnrt_afile_is_temp("weights.tmp", "weights"));
}
END_TEST

/* ---- nnc's outputs ------------------------------------------------------------ */

/* nnc CMD ARGS must be refused with `-o OUT is ...`, and source unchanged. */
static void nnc_refuses(const char *args, const char *what, const char *out, const char *input,
                        const char *source)
{
    char cmd[2100], want[1400], path[1100];
    snprintf(path, sizeof path, "%s/%s", work, source);
    char *before = slurp(path);
    snprintf(cmd, sizeof cmd, "%s %s", nnc, args);
    snprintf(want, sizeof want,
             "nnc: error: %s '%s' is %s; writing there would destroy it: choose another output "
             "name\n",
             what, out, input);
    refused(cmd, want);
    char *after = slurp(path);
    ck_assert_msg(strcmp(before, after) == 0, "%s changed", source);
    free(before);
    free(after);
}

#define MODEL_INPUT "a .nn file this model is read from"

START_TEST(nnc_refuses_to_write_over_its_source)
{
    ok("cp r.nn src.nn && rm -f hard.nn soft.nn && ln src.nn hard.nn && ln -s src.nn soft.nn");
    nnc_refuses("build src.nn -o src.nn", "-o", "src.nn", MODEL_INPUT, "src.nn");
    nnc_refuses("emit src.nn -o src.nn", "-o", "src.nn", MODEL_INPUT, "src.nn");
    char args[1400], out[1100];
    /* other spellings of the same file, and links to it */
    nnc_refuses("emit src.nn -o ./src.nn", "-o", "./src.nn", MODEL_INPUT, "src.nn");
    snprintf(out, sizeof out, "%s/src.nn", work);
    snprintf(args, sizeof args, "emit src.nn -o %s", out);
    nnc_refuses(args, "-o", out, MODEL_INPUT, "src.nn");
    snprintf(out, sizeof out, "../runs/src.nn");
    nnc_refuses("emit src.nn -o ../runs/src.nn", "-o", out, MODEL_INPUT, "src.nn");
    nnc_refuses("emit src.nn -o hard.nn", "-o", "hard.nn", MODEL_INPUT, "src.nn");
    nnc_refuses("build hard.nn -o src.nn", "-o", "src.nn", MODEL_INPUT, "src.nn");
    nnc_refuses("emit src.nn -o soft.nn", "-o", "soft.nn", MODEL_INPUT, "src.nn");
    /* build's C file, OUT.c, too */
    ok("cp r.nn twin.nn.c");
    nnc_refuses("build twin.nn.c -o twin.nn", "the trainer's C file", "twin.nn.c", MODEL_INPUT,
                "twin.nn.c");
}
END_TEST

START_TEST(nnc_refuses_to_write_over_a_model_init_reads)
{
    ok("sed 's/dense 8 relu/dense 8 relu init=\"r.nn\" trainable=false/; s/model r/model head/' "
       "r.nn >head.nn && cp r.nn r.nn.saved");
    nnc_refuses("emit head.nn -o r.nn", "-o", "r.nn", MODEL_INPUT, "r.nn");
    nnc_refuses("build head.nn -o ./r.nn", "-o", "./r.nn", MODEL_INPUT, "r.nn");
    ok("cmp r.nn r.nn.saved");
    /* an output beside them is fine */
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "%s emit head.nn -o head.c", nnc);
    ok(cmd);
}
END_TEST

/* The trainer nnc build writes is replaced whole, as every other file: a
 * symbolic link at -o is replaced, its target untouched (the assembler and
 * the linker would have written through it), no build leftovers stay
 * beside it, and a FIFO there is refused rather than turned into a file. */
START_TEST(nnc_build_replaces_a_link_at_the_trainer)
{
    ok("rm -rf built && mkdir built && echo precious >built/victim && "
       "ln -s victim built/trainer && ln -s victim built/trainer.trainer.o && "
       "ln -s victim built/trainer.twin.o");
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "%s build r.nn -o built/trainer", nnc);
    ok(cmd);
    ok("test \"$(cat built/victim)\" = precious && test ! -L built/trainer && "
       "built/trainer --version >/dev/null");
    /* only what was there, the trainer and its C file: no private folder left */
    ok("test \"$(ls -A built | tr '\\n' ' ')\" = "
       "'trainer trainer.c trainer.trainer.o trainer.twin.o victim '");
    ok("rm -f fifo_out && mkfifo fifo_out");
    snprintf(cmd, sizeof cmd, "%s build r.nn -o fifo_out", nnc);
    refused(cmd, "nnc: error: 'fifo_out' exists and is not a regular file; -o names the trainer "
                 "to write\n");
    ok("test -p fifo_out");
}
END_TEST

START_TEST(nnc_plot_refuses_to_write_over_a_curve)
{
    ok("./r train --out plotted --epochs 1");
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "%s plot plotted -o plotted/curve.csv", nnc);
    refused(cmd, "nnc: error: -o 'plotted/curve.csv' is a curve being drawn; writing there would "
                 "destroy it: choose another output name\n");
    char path[1100];
    snprintf(path, sizeof path, "%s/plotted/curve.csv", work);
    char *text = slurp(path);
    ck_assert_msg(strncmp(text, "epoch,loss,", 11) == 0, "%s", text);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runs");
    TCase *folders = tcase_create("run folders");
    /* once, in Check's parent process, before the first test of any case */
    tcase_add_unchecked_fixture(folders, build_all, NULL);
    tcase_set_timeout(folders, 300);
    tcase_add_test(folders, train_refuses_a_folder_holding_a_run);
    tcase_add_test(folders, overwrite_replaces_the_run);
    tcase_add_test(folders, an_unwritable_place_says_give_out);
    tcase_add_test(folders, resume_still_goes_on_with_a_run);
    tcase_add_test(folders, a_second_trainer_is_refused_at_once);
    tcase_add_test(folders, two_trainers_started_together_one_run_kept);
    tcase_add_test(folders, stale_temporaries_are_removed);
    suite_add_tcase(s, folders);
    TCase *files = tcase_create("replacing files");
    tcase_add_unchecked_fixture(files, build_all, NULL);
    tcase_set_timeout(files, 300);
    tcase_add_test(files, planted_links_are_not_written_through);
    tcase_add_test(files, a_link_as_destination_is_replaced_not_followed);
    tcase_add_test(files, devices_are_written_in_place);
    tcase_add_test(files, a_fifo_is_written_in_place);
    tcase_add_test(files, a_folder_as_destination_is_refused);
    tcase_add_test(files, a_replaced_file_keeps_its_mode);
    tcase_add_test(files, temporary_names);
    suite_add_tcase(s, files);
    TCase *nnc = tcase_create("nnc outputs");
    tcase_add_unchecked_fixture(nnc, build_all, NULL);
    tcase_set_timeout(nnc, 300);
    tcase_add_test(nnc, nnc_refuses_to_write_over_its_source);
    tcase_add_test(nnc, nnc_refuses_to_write_over_a_model_init_reads);
    tcase_add_test(nnc, nnc_plot_refuses_to_write_over_a_curve);
    tcase_add_test(nnc, nnc_build_replaces_a_link_at_the_trainer);
    suite_add_tcase(s, nnc);
    return run_suite(s);
}
