/* test_resume.c: crash-safe checkpoints.
 *
 * A small model that uses everything the epoch loop carries from one epoch
 * to the next (Adam's moments, batchnorm's state tensors, dropout and
 * augmentation draws, the shuffle, a plateau schedule, early stopping)
 * trains on made-up 8x8 images, once without interruption.  Then, in
 * several trials, the same run is killed with SIGKILL after a delay drawn
 * from a seeded generator, resumed with `train --resume DIR` (and killed
 * again, up to a few times) until it finishes: its weights and curve.csv
 * must be the uninterrupted run's, byte for byte.  Damaged checkpoints
 * (a flipped byte, cut short, not a checkpoint, another model's) are
 * refused by file and byte offset, leaving the folder as it was; flags that
 * disagree with the run are refused; a run that diverges stops naming the
 * epoch and batch, and keeps the previous epoch's checkpoint. */
#include <signal.h>
#include <zlib.h>

#include "trainer_util.h"

enum { N_SAMPLES = 1000, SIDE = 8, TRIALS = 10, MAX_KILLS = 3 };

/* 8x8 images of 3 classes (a bright left half, top half or checkerboard)
 * in heavy noise, a fifth of the labels drawn at random. */
static void write_fixtures(const char *dir)
{
    static uint8_t pixels[N_SAMPLES * SIDE * SIDE];
    uint8_t labels[N_SAMPLES];
    uint32_t s = 4242;
    for (int i = 0; i < N_SAMPLES; i++) {
        s = s * 1664525u + 1013904223u;
        int cls = (int)((s >> 16) % 3);
        s = s * 1664525u + 1013904223u;
        labels[i] = (uint8_t)((s >> 16) % 5 ? cls : (int)((s >> 8) % 3));
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                int lit = cls == 0 ? x < SIDE / 2 : cls == 1 ? y < SIDE / 2 : (x + y) % 2;
                s = s * 1664525u + 1013904223u;
                pixels[(i * SIDE + y) * SIDE + x] = (uint8_t)((lit ? 140 : 100) + (int)(s >> 25) - 64);
            }
    }
    char path[1024];
    int idims[3] = { N_SAMPLES, SIDE, SIDE }, ldims[1] = { N_SAMPLES };
    snprintf(path, sizeof path, "%s/images.idx", dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    write_idx(path, labels, 1, ldims);
}

static char work[512];

/* The .nn text of a model on the fixtures: name, hidden layers, the
 * optimizer line(s), the loss and the output's activation. */
static void write_model(const char *name, const char *hidden, const char *optimizer,
                        const char *loss, const char *output)
{
    char path[1024], text[4096];
    snprintf(path, sizeof path, "%s/%s.nn", work, name);
    snprintf(text, sizeof text,
             "model %s\n"
             "data {\n"
             "    train {\n        images \"images.idx\"\n        labels \"labels.idx\"\n    }\n"
             "    test {\n        images \"images.idx\"\n        labels \"labels.idx\"\n    }\n"
             "    validation 20%%\n"
             "    scale 1/255\n"
             "}\n"
             "network {\n"
             "    input 8x8\n    flatten\n%s"
             "    dense 3 %s\n"
             "}\n"
             "augment {\n    shift 1 p=0.5\n}\n"
             "train {\n"
             "    loss %s\n"
             "    %s\n"
             "    batch 16\n"
             "    epochs 24\n"
             "    seed 3\n"
             "}\n",
             name, hidden, output, loss, optimizer);
    write_text(path, text);
}

static void build(const char *name)
{
    char nn[700], exe[700];
    snprintf(nn, sizeof nn, "%s/%s.nn", work, name);
    snprintf(exe, sizeof exe, "%s/%s", work, name);
    build_trainer(nn, exe);
}

/* named, so that k_wide's other width is the same layer: hidden, then
 * hidden_batchnorm and hidden_dropout */
#define HIDDEN(units) "    dense " #units " relu name=hidden\n    batchnorm\n    dropout 0.2\n"
#define K_TRAIN "optimizer adam lr=0.01\n    schedule plateau factor=0.5 patience=2\n" \
                "    early_stop patience 6"

/* Once, before the tests (in Check's parent process): data and trainers.
 * k is the model the kills are tried on; other is another model; k_wide
 * has k's name but other shapes; diverge diverges in its first epoch (lr
 * 1000), linear in a later one (a linear model at lr 0.5 whose weights
 * grow by a little at every step). */
static void build_all(void)
{
    snprintf(work, sizeof work, "%s/resume", tmp_dir());
    fresh_dir("%s", work);
    write_fixtures(work);
    write_model("k", HIDDEN(32), K_TRAIN, "cross_entropy", "softmax");
    write_model("other", HIDDEN(32), "optimizer adam lr=0.01", "cross_entropy", "softmax");
    write_model("diverge", HIDDEN(16), "optimizer sgd lr=1000", "mse", "");
    write_model("linear", "", "optimizer sgd lr=0.5", "mse", "");
    build("k");
    build("other");
    build("diverge");
    build("linear");
    /* k again with 24 hidden units, under k's name */
    write_model("k", HIDDEN(24), K_TRAIN, "cross_entropy", "softmax");
    char nn[700], exe[700];
    snprintf(nn, sizeof nn, "%s/k.nn", work);
    snprintf(exe, sizeof exe, "%s/k_wide", work);
    build_trainer(nn, exe);
    ck_assert_int_eq(setenv("NNC_DATA", work, 1), 0);
}

/* run_cmd's output, exit status in *status.  Not inlined: gcc 12 then
 * mistakes the output for a dangling stack pointer. */
__attribute__((noinline)) static char *output_of(const char *cmd, int *status)
{
    char *out;
    *status = run_cmd(cmd, &out);
    return out;
}

/* Start `exe train ARG DIR` (ARG --out or --resume), its output into log. */
static pid_t spawn(const char *exe, const char *arg, const char *dir, const char *log)
{
    char *const argv[] = { (char *)exe, "train", (char *)arg, (char *)dir, NULL };
    return spawn_logged(argv, log);
}

/* Let pid run for `seconds`, then SIGKILL it if it still runs.  Returns
 * -1 if it was killed, else its exit status. */
static int kill_after(pid_t pid, double seconds)
{
    if (seconds >= 0)
        sleep_seconds(seconds);
    if (seconds >= 0)
        kill(pid, SIGKILL);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The epoch a run's log says it resumed after, or -1.  Not inlined: gcc
 * 12 then mistakes slurp's buffer for a dangling stack pointer. */
__attribute__((noinline)) static int resumed_epoch(const char *log)
{
    if (!path_exists(log))
        return -1;      /* killed before it opened its log */
    char *out = slurp(log);
    const char *line = strstr(out, "\nresuming after epoch ");
    int epoch = -1;
    if (line && sscanf(line, "\nresuming after epoch %d", &epoch) != 1)
        epoch = -1;
    free(out);
    return epoch;
}

START_TEST(killed_and_resumed_runs_end_byte_identical)
{
    char exe[1024], ref[1024], dir[1024], log[1100], a[1100], b[1100];
    snprintf(exe, sizeof exe, "%s/k", work);
    snprintf(ref, sizeof ref, "%s/ref", work);
    snprintf(log, sizeof log, "%s/ref.log", work);
    /* three uninterrupted runs, the same bytes; the fastest sets the delays */
    double seconds = 1e9;
    for (int i = 0; i < 3; i++) {
        if (i == 0)
            snprintf(dir, sizeof dir, "%s/ref", work);
        else
            snprintf(dir, sizeof dir, "%s/again%d", work, i);
        double start = monotonic_seconds();
        ck_assert_int_eq(kill_after(spawn(exe, "--out", dir, log), -1), 0);
        double took = monotonic_seconds() - start;
        seconds = took < seconds ? took : seconds;
        snprintf(a, sizeof a, "%s/weights", ref);
        snprintf(b, sizeof b, "%s/weights", dir);
        ck_assert(same_file_bytes(a, b));
    }

    uint32_t rng = 2024;
    int kills = 0, resumes = 0;
    unsigned long long resumed_at = 0;   /* bit e: some run resumed after epoch e */
    for (int t = 0; t < TRIALS; t++) {
        snprintf(dir, sizeof dir, "%s/trial%d", work, t);
        snprintf(log, sizeof log, "%s/trial%d.log", work, t);
        char checkpoint[1100];
        snprintf(checkpoint, sizeof checkpoint, "%s/checkpoint", dir);
        for (int attempt = 0;; attempt++) {
            /* no checkpoint yet: killed before the first one, start again */
            int resume = path_exists(checkpoint);
            /* the first kill of trial t somewhere in the t-th tenth of the
             * run, later ones anywhere: kills land all along the run */
            double delay = attempt == 0 ? seconds * (t + lcg_uniform(&rng)) / TRIALS
                         : attempt < MAX_KILLS ? seconds * lcg_uniform(&rng)
                                               : -1;
            int status = kill_after(spawn(exe, resume ? "--resume" : "--out", dir, log), delay);
            int epoch = resumed_epoch(log);
            if (epoch >= 0 && epoch < 64)
                resumed_at |= 1ull << epoch;
            resumes += resume;
            if (status == -1) {
                kills++;
                continue;
            }
            ck_assert_msg(status == 0, "trial %d attempt %d: status %d; see %s", t, attempt,
                          status, log);
            break;
        }
        snprintf(a, sizeof a, "%s/weights", ref);
        snprintf(b, sizeof b, "%s/weights", dir);
        ck_assert_msg(same_file_bytes(a, b), "trial %d: weights differ from the uninterrupted run's",
                      t);
        snprintf(a, sizeof a, "%s/curve.csv", ref);
        snprintf(b, sizeof b, "%s/curve.csv", dir);
        ck_assert_msg(same_file_bytes(a, b),
                      "trial %d: curve.csv differs from the uninterrupted run's", t);
    }
    int distinct = 0;
    for (int e = 1; e < 64; e++)
        distinct += (resumed_at >> e) & 1;
    printf("test_resume: %d trials, %d kills, %d resumed runs (after %d different epochs), "
           "all byte-identical to the uninterrupted run (%.2fs)\n",
           TRIALS, kills, resumes, distinct, seconds);
    /* a test where nothing was killed mid-run would prove nothing */
    ck_assert_msg(kills >= TRIALS / 2 && distinct >= 3, "%d kills, resumed after %d epochs",
                  kills, distinct);
}
END_TEST

/* ---- damaged checkpoints ---------------------------------------------------- */

typedef struct Snapshot {
    char *bytes[4];
    size_t len[4];
} Snapshot;

static const char *const RUN_FILES[] = { "weights", "curve.csv", "times.csv", "checkpoint" };

static void snapshot(const char *dir, Snapshot *s)
{
    for (int i = 0; i < 4; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, RUN_FILES[i]);
        s->bytes[i] = slurp(path);
        s->len[i] = file_size(path);
    }
}

/* Every file of dir as in s: a refused resume touches nothing. */
static void assert_untouched(const char *dir, const Snapshot *s, const char *what)
{
    for (int i = 0; i < 4; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, RUN_FILES[i]);
        char *now_bytes = slurp(path);
        ck_assert_msg(file_size(path) == s->len[i] && memcmp(now_bytes, s->bytes[i], s->len[i]) == 0,
                      "%s: %s changed", what, RUN_FILES[i]);
        free(now_bytes);
        ck_assert_msg(temporaries_left(path) == 0, "%s: a temporary of %s left behind", what,
                      path);
    }
}

static void snapshot_free(Snapshot *s)
{
    for (int i = 0; i < 4; i++)
        free(s->bytes[i]);
}

/* `k train --resume dir` must fail with exactly `expected` on stderr (and
 * nothing else), leaving dir as it was. */
static void refused(const char *dir, const char *expected, const char *what)
{
    Snapshot s;
    snapshot(dir, &s);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s", work, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 1, "%s: status %d:\n%s", what, status, out);
    ck_assert_msg(strcmp(out, expected) == 0, "%s: got\n%s\nexpected\n%s", what, out, expected);
    free(out);
    assert_untouched(dir, &s, what);
    snapshot_free(&s);
}

/* A finished 3-epoch run of exe in NAME, its checkpoint's bytes in *bytes. */
static void short_run(const char *exe_name, const char *name, char *dir, size_t dir_len,
                      char **bytes, size_t *len)
{
    char cmd[4096], path[1100];
    snprintf(dir, dir_len, "%s/%s", work, name);
    snprintf(cmd, sizeof cmd, "%s/%s train --epochs 3 --out %s", work, exe_name, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    if (bytes) {
        *bytes = slurp(path);
        *len = file_size(path);
    }
}

START_TEST(damaged_checkpoints_are_refused)
{
    char dir[1024], path[1100], expected[4096], *good;
    size_t len;
    short_run("k", "damaged", dir, sizeof dir, &good, &len);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    char *bad = malloc(len);

    /* a flipped byte in the middle: the checksum no longer agrees */
    memcpy(bad, good, len);
    bad[len / 2] ^= 0x10;
    write_bytes(path, bad, len);
    uint32_t stored = (uint8_t)bad[len - 4] | (uint32_t)(uint8_t)bad[len - 3] << 8 |
                      (uint32_t)(uint8_t)bad[len - 2] << 16 | (uint32_t)(uint8_t)bad[len - 1] << 24;
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)bad, (uInt)(len - 4));
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: checksum 0x%08x, but the contents give 0x%08x: the file "
             "is damaged\n", path, len - 4, stored, crc);
    refused(dir, expected, "flipped byte");

    /* cut short, as by a full disk */
    write_bytes(path, good, len / 3);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: truncated: the header says the checkpoint has %zu bytes, "
             "the file ends after %zu\n", path, len / 3, len, len / 3);
    refused(dir, expected, "truncated");
    write_bytes(path, good, 10);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte 8: truncated: expected 8 bytes of header, found 2\n", path);
    refused(dir, expected, "truncated in the header");

    /* not a checkpoint at all: the weights file */
    char weights[1100];
    snprintf(weights, sizeof weights, "%s/weights", dir);
    char *w = slurp(weights);
    write_bytes(path, w, file_size(weights));
    free(w);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte 0: not an nnc checkpoint (no 'NNCK' at the start)\n", path);
    refused(dir, expected, "weights for a checkpoint");

    /* another model's, undamaged */
    char other_dir[1024], *other;
    size_t other_len;
    short_run("other", "other_run", other_dir, sizeof other_dir, &other, &other_len);
    write_bytes(path, other, other_len);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte 16: a checkpoint of model 'other'; this trainer trains 'k'\n",
             path);
    refused(dir, expected, "another model's");
    free(other);

    /* a model of the same name with other shapes (and another .nn file) */
    char wide_dir[1024], *wide;
    size_t wide_len;
    short_run("k_wide", "wide_run", wide_dir, sizeof wide_dir, &wide, &wide_len);
    write_bytes(path, wide, wide_len);
    Snapshot s;
    snapshot(dir, &s);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s", work, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "k: warning: ") && strstr(out, "built from another version of"),
                  "%s", out);
    ck_assert_msg(strstr(out, "k: error: ") && strstr(out, "/checkpoint: byte ") &&
                      strstr(out, ": hidden.w has shape 64x24; the model's is 64x32\n"),
                  "%s", out);
    free(out);
    assert_untouched(dir, &s, "same name, other shapes");
    snapshot_free(&s);
    free(wide);

    /* the good one still resumes (after its 3 epochs, only the test is left) */
    write_bytes(path, good, len);
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s", work, dir);
    out = output_of(cmd, &status);
    ck_assert_msg(status == 0 && strstr(out, "\nresuming after epoch 3 of 3, from "), "%s", out);
    free(out);
    free(bad);
    free(good);
}
END_TEST

START_TEST(no_checkpoint_or_conflicting_flags_are_refused)
{
    char dir[1024], cmd[4096], expected[4096];
    short_run("k", "flags", dir, sizeof dir, NULL, NULL);
    const struct {
        const char *flags, *message;
    } cases[] = {
        { "--lr 0.5", "--lr 0.5: the run in %s was started with --lr 0.01, and a resumed run "
                      "keeps its settings (leave --lr out; only --epochs may change)" },
        { "--batch 32", "--batch 32: the run in %s was started with --batch 16, and a resumed "
                        "run keeps its settings (leave --batch out; only --epochs may change)" },
        { "--seed 4", "--seed 4: the run in %s was started with --seed 3, and a resumed run "
                      "keeps its settings (leave --seed out; only --epochs may change)" },
        { "--limit 500", "--limit 500: the run in %s was started without --limit, and a "
                         "resumed run keeps its settings (leave --limit out; only --epochs may "
                         "change)" },
        { "--epochs 2", "--epochs 2: the run in %s has already done 3 epochs" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char message[2048];
        snprintf(message, sizeof message, cases[i].message, dir);
        snprintf(expected, sizeof expected, "k: error: %s\n", message);
        Snapshot s;
        snapshot(dir, &s);
        snprintf(cmd, sizeof cmd, "%s/k train --resume %s %s", work, dir, cases[i].flags);
        int status;
        char *out = output_of(cmd, &status);
        ck_assert_msg(status == 1 && strcmp(out, expected) == 0, "%s: %d\n%s", cases[i].flags,
                      status, out);
        free(out);
        assert_untouched(dir, &s, cases[i].flags);
        snapshot_free(&s);
    }

    /* the run's own values are fine; --out beside --resume is not */
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s --epochs 3 --lr 0.01 --seed 3 --batch 16",
             work, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s --out %s", work, dir, dir);
    out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_str_eq(out, "k: train: --out and --resume: give one (a resumed run writes where "
                          "it wrote before, in the folder --resume names)\n");
    free(out);

    /* a folder without a checkpoint */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/empty && %s/k train --resume %s/empty", work, work,
             work);
    out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    snprintf(expected, sizeof expected,
             "k: error: %s/empty/checkpoint: no checkpoint there (a run writes one when it starts "
             "and after every epoch)\n", work);
    ck_assert_str_eq(out, expected);
    free(out);
}
END_TEST

/* ---- the epoch in progress (version 2 on), versions 1 and 2 --------------- */

static uint32_t get32(const char *b, size_t at)
{
    return (uint32_t)(uint8_t)b[at] | (uint32_t)(uint8_t)b[at + 1] << 8 |
           (uint32_t)(uint8_t)b[at + 2] << 16 | (uint32_t)(uint8_t)b[at + 3] << 24;
}

static void set32(char *b, size_t at, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        b[at + (size_t)i] = (char)(x >> 8 * i);
}

/* Where a checkpoint's settings start: after the header, the model's name
 * and the source digest. */
static size_t settings_at(const char *b)
{
    size_t at = 16;
    at += 4 + get32(b, at);
    return at + 4 + get32(b, at);
}

/* The checksum (and the size in the header) made right again after an edit. */
static void reseal(char *b, size_t len)
{
    for (int i = 0; i < 8; i++)
        b[8 + i] = (char)((uint64_t)len >> 8 * i);
    set32(b, len - 4, (uint32_t)crc32(0, (const Bytef *)b, (uInt)(len - 4)));
}

START_TEST(epochs_in_progress_are_checked)
{
    char dir[1024], path[1100], expected[4096], *good;
    size_t len;
    short_run("k", "in_progress", dir, sizeof dir, &good, &len);   /* 3 epochs of 50 batches */
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    size_t settings = settings_at(good), epochs_at = settings, partial_at = settings + 28;
    ck_assert_uint_eq(get32(good, 4), 3);          /* version 3 */
    ck_assert_uint_eq(get32(good, partial_at - 4), 3);   /* 3 epochs done */
    ck_assert_uint_eq(get32(good, partial_at), 0);       /* and nothing begun */
    char *bad = malloc(len);

    /* batches of an epoch past the run's end */
    memcpy(bad, good, len);
    set32(bad, partial_at, 3);
    reseal(bad, len);
    write_bytes(path, bad, len);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: 3 batches into epoch 4 of a run of 3\n", path, partial_at);
    refused(dir, expected, "batches after the last epoch");

    /* as long as the epoch, or longer: it would have ended */
    set32(bad, epochs_at, 24);
    set32(bad, partial_at, 50);
    reseal(bad, len);
    write_bytes(path, bad, len);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: 50 batches into an epoch of 50\n", path, partial_at);
    refused(dir, expected, "a whole epoch in progress");

    /* more right answers than samples */
    set32(bad, partial_at, 2);
    set32(bad, partial_at + 12, 33);   /* u64 right, low half: 2 batches of 16 are 32 */
    reseal(bad, len);
    write_bytes(path, bad, len);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: the sums of the epoch in progress are out of range (2 "
             "batches, loss sum 0, 33 right)\n", path, partial_at);
    refused(dir, expected, "more right than samples");

    /* sums without a batch done */
    set32(bad, partial_at, 0);
    set32(bad, partial_at + 12, 5);
    reseal(bad, len);
    write_bytes(path, bad, len);
    snprintf(expected, sizeof expected,
             "k: error: %s: byte %zu: the sums of the epoch in progress are out of range (0 "
             "batches, loss sum 0, 5 right)\n", path, partial_at);
    refused(dir, expected, "sums of no batch");

    /* a fine epoch in progress cannot be cut off by --epochs */
    set32(bad, partial_at, 2);
    set32(bad, partial_at + 12, 32);
    reseal(bad, len);
    write_bytes(path, bad, len);
    Snapshot s;
    snapshot(dir, &s);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s --epochs 3", work, dir);
    int status;
    char *out = output_of(cmd, &status);
    snprintf(expected, sizeof expected, "k: error: --epochs 3: the run in %s has already done 3 "
                                        "epochs and 2 batches of epoch 4\n", dir);
    ck_assert_msg(status == 1 && strcmp(out, expected) == 0, "%d\n%s", status, out);
    free(out);
    assert_untouched(dir, &s, "--epochs before the epoch in progress");
    snapshot_free(&s);
    free(bad);
    free(good);
}
END_TEST

START_TEST(version_1_checkpoints_still_resume)
{
    /* 3 epochs, the checkpoint rewritten as version 1 wrote it (without
     * the epoch in progress, the layers named by kind and position), then
     * --epochs 4: the same bytes as 4 at once */
    char dir[1024], path[1100], cmd[4096], a[1100], b[1100], *v2;
    size_t len;
    snprintf(cmd, sizeof cmd, "%s/k train --epochs 4 --out %s/v1_b", work, work);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    short_run("k", "v1_a", dir, sizeof dir, &v2, &len);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    size_t partial_at = settings_at(v2) + 28, partial_bytes = 44, v1_len = len - partial_bytes;
    char *v1 = malloc(v1_len);
    memcpy(v1, v2, partial_at);
    memcpy(v1 + partial_at, v2 + partial_at + partial_bytes, len - partial_at - partial_bytes);
    set32(v1, 4, 1);
    static const char *const OLD_NAMES[][2] = {
        { "dense3.w", "dense2.w" }, { "dense3.b", "dense2.b" },
        { "hidden.w", "dense1.w" }, { "hidden.b", "dense1.b" },
        { "hidden_batchnorm.gamma", "batchnorm1.gamma" },
        { "hidden_batchnorm.beta", "batchnorm1.beta" },
        { "hidden_batchnorm.moving_mean", "batchnorm1.moving_mean" },
        { "hidden_batchnorm.moving_variance", "batchnorm1.moving_variance" },
    };
    for (size_t i = 0; i < sizeof OLD_NAMES / sizeof OLD_NAMES[0]; i++)
        v1_len = rename_tensor((unsigned char **)&v1, v1_len, OLD_NAMES[i][0], OLD_NAMES[i][1]);
    reseal(v1, v1_len);
    write_bytes(path, v1, v1_len);
    snprintf(cmd, sizeof cmd, "%s/k train --resume %s --epochs 4", work, dir);
    out = output_of(cmd, &status);
    ck_assert_msg(status == 0 && strstr(out, "\nresuming after epoch 3 of 4, from "), "%d\n%s",
                  status, out);
    free(out);
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "weights" : "curve.csv";
        snprintf(a, sizeof a, "%s/%s", dir, name);
        snprintf(b, sizeof b, "%s/v1_b/%s", work, name);
        ck_assert_msg(same_file_bytes(a, b), "%s differs", name);
    }
    free(v1);
    free(v2);
}
END_TEST

START_TEST(more_epochs_go_on_as_a_longer_run)
{
    /* 4 epochs, then --resume --epochs 9: the same bytes as 9 at once */
    char cmd[4096], a[1100], b[1100];
    int status;
    snprintf(cmd, sizeof cmd, "%s/k train --epochs 4 --out %s/long_a && "
                              "%s/k train --resume %s/long_a --epochs 9 && "
                              "%s/k train --epochs 9 --out %s/long_b",
             work, work, work, work, work, work);
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\nresuming after epoch 4 of 9, from "));
    ck_assert_ptr_nonnull(strstr(out, "\nepoch 5/9 "));
    free(out);
    /* (not the checkpoints: they hold each epoch's seconds too) */
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "weights" : "curve.csv";
        snprintf(a, sizeof a, "%s/long_a/%s", work, name);
        snprintf(b, sizeof b, "%s/long_b/%s", work, name);
        ck_assert_msg(same_file_bytes(a, b), "%s differs", name);
    }
}
END_TEST

START_TEST(divergence_stops_with_epoch_batch_and_hint)
{
    char cmd[4096], dir[1024], expected[4096];
    snprintf(dir, sizeof dir, "%s/diverged", work);
    snprintf(cmd, sizeof cmd, "%s/diverge train --out %s", work, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 1, "status %d:\n%s", status, out);
    const char *error = strstr(out, "diverge: error: epoch 1, batch ");
    ck_assert_msg(error != NULL, "%s", out);
    int batch;
    char what[16];
    ck_assert_int_eq(sscanf(error, "diverge: error: epoch 1, batch %d of 50: the loss is %15[a-z]",
                            &batch, what), 2);
    ck_assert_msg(strcmp(what, "nan") == 0 || strcmp(what, "infinite") == 0, "%s", what);
    snprintf(expected, sizeof expected,
             "diverge: error: epoch 1, batch %d of 50: the loss is %s: training diverged\n"
             "  the last good checkpoint, from before the first epoch, is kept in "
             "%s/checkpoint\n"
             "  hint: the learning rate (1000) may be too high: try --lr 100\n",
             batch, what, dir);
    ck_assert_str_eq(error, expected);
    ck_assert_ptr_null(strstr(out, "test:"));
    free(out);
    /* nothing of the bad epoch was written; the checkpoint is good and
     * resumes into the same divergence, at the same batch */
    char path[1100];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    ck_assert(!path_exists(path));
    snprintf(cmd, sizeof cmd, "%s/diverge train --resume %s", work, dir);
    out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, expected) != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(divergence_keeps_the_previous_epoch)
{
    char cmd[4096], dir[1024], expected[4096];
    snprintf(dir, sizeof dir, "%s/diverged_later", work);
    snprintf(cmd, sizeof cmd, "%s/linear train --out %s", work, dir);
    int status;
    char *out = output_of(cmd, &status);
    ck_assert_msg(status == 1, "status %d:\n%s", status, out);
    const char *error = strstr(out, "linear: error: epoch ");
    ck_assert_msg(error != NULL, "%s", out);
    int epoch, batch;
    ck_assert_int_eq(sscanf(error, "linear: error: epoch %d, batch %d of 50", &epoch, &batch), 2);
    ck_assert_msg(epoch >= 2, "diverged in epoch %d: the test wants a later one", epoch);
    snprintf(expected, sizeof expected,
             "linear: error: epoch %d, batch %d of 50: the loss is infinite: training diverged\n"
             "  the last good checkpoint, from the end of epoch %d, is kept in %s/checkpoint\n"
             "  hint: the learning rate (0.5) may be too high: try --lr 0.05\n",
             epoch, batch, epoch - 1, dir);
    ck_assert_str_eq(error, expected);
    free(out);
    /* curve.csv and weights are those of the last good epoch */
    char path[1100];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    char *curve = slurp(path);
    int rows = 0;
    for (const char *c = curve; *c; c++)
        rows += *c == '\n';
    ck_assert_int_eq(rows, epoch);   /* the header and epoch - 1 rows */
    free(curve);
    /* resumed from it: the same epoch, the same batch */
    snprintf(cmd, sizeof cmd, "%s/linear train --resume %s", work, dir);
    out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, expected) != NULL, "%s", out);
    free(out);

    /* from a checkpoint saved inside epoch E (as a signal leaves one: here
     * one batch into it), a divergence in E keeps that one */
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    char *ck = slurp(path);
    size_t len = file_size(path);
    set32(ck, settings_at(ck) + 28, 1);
    reseal(ck, len);
    write_bytes(path, ck, len);
    free(ck);
    out = output_of(cmd, &status);
    ck_assert_int_eq(status, 1);
    snprintf(expected, sizeof expected, "  the last good checkpoint, from epoch %d at batch 1, is "
                                        "kept in %s/checkpoint\n", epoch, dir);
    ck_assert_msg(strstr(out, expected) != NULL, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("checkpoints");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, build_all, NULL);
    tcase_add_test(tc, killed_and_resumed_runs_end_byte_identical);
    tcase_add_test(tc, damaged_checkpoints_are_refused);
    tcase_add_test(tc, no_checkpoint_or_conflicting_flags_are_refused);
    tcase_add_test(tc, more_epochs_go_on_as_a_longer_run);
    tcase_add_test(tc, epochs_in_progress_are_checked);
    tcase_add_test(tc, version_1_checkpoints_still_resume);
    tcase_add_test(tc, divergence_stops_with_epoch_batch_and_hint);
    tcase_add_test(tc, divergence_keeps_the_previous_epoch);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
