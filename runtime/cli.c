/* cli.c: the trainer's command line, nnrt_main.
 *
 *   OUT train [--epochs N] [--batch N] [--lr X] [--seed N] [--limit N] [--out DIR]
 *             [--overwrite] [--resume DIR] [--threads N]
 *   OUT eval  [--weights FILE] [--limit N] [--out DIR] [--threads N]
 *   OUT gradcheck [--samples N] [--seed N]
 *   OUT steps N [--lr X] [--batch N] [--seed N] [--weights-in FILE] [--weights-out FILE]
 *   OUT predict [--weights FILE] [--first K] [--count N] [--csv] [--seed N] [--out DIR]
 *               [--threads N]
 *   OUT predict --input FILE... [--top K] [--invert yes|no|auto] [--weights FILE] [--csv]
 *   OUT augment-preview --out FILE.png [--count N] [--seed N]
 *   OUT reconstruct --out FILE.png [--weights FILE] [--count N]
 *   OUT encode --layer NAME [--weights FILE] [--csv] [--out FILE.svg] [--count N]
 *   OUT sample [--length N] [--temperature T] [--prime TEXT] [--seed N] [--weights FILE]
 *   OUT export-weights --npz FILE.npz [--weights FILE]
 *   OUT inspect --out FILE.svg [--weights FILE | --seed N] [--count N]
 *   OUT --help | --version
 *
 * Every value is checked before any work starts, and a bad one is named:
 *   fashion_mlp: --epochs: expected a positive integer, got 'x'
 * Exit status: 0 ok, 1 the user's to fix (options, data, weight files),
 * 2 a bug (a model description that cannot be right). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "nnrt_internal.h"
#include "suggest.h"

#define MAX_EPOCHS 1000000
#define MAX_PREVIEW 1024     /* augment-preview --count */
#define MAX_THREADS 256      /* --threads; parallel.c caps the pool there too */

typedef enum flag_kind {
    FLAG_COUNT,                 /* 1 .. max */
    FLAG_INDEX,                 /* 0 .. max */
    FLAG_SEED,
    FLAG_RATE,
    FLAG_PATH,
    FLAG_TEXT,                  /* any text but the empty one */
    FLAG_SWITCH                 /* takes no value: sets its int to 1 */
} flag_kind;

/* One option a command takes, and where its value goes. */
typedef struct flag {
    const char *name;           /* "--epochs" */
    flag_kind kind;
    void *value;                /* int*, uint64_t*, float* or const char** */
    int max;                    /* FLAG_COUNT, FLAG_INDEX: the largest value */
} flag;

typedef struct cli {
    const nnrt_model *m;
    const char *prog;           /* argv[0], for the usage hint */
    char default_dir[NNRT_PATH_MAX];
    int together;               /* under MPI: every rank ends with this status */
} cli;

/* description strings the generated code may leave out */
static const char *or_unknown(const char *s)
{
    return s ? s : "?";
}

/* The nnc that wrote m: generated files leave it to the runtime (nnrt.h) */
static const char *nnc_version(const nnrt_model *m)
{
    return m->nnc_version ? m->nnc_version : NNRT_VERSION;
}

static void hint(const cli *c)
{
    fprintf(stderr, "run '%s --help' for the commands and their options\n", c->prog);
}

static int bad_value(const cli *c, const char *flag, const char *expected, const char *got)
{
    fprintf(stderr, "%s: %s: expected %s, got '%s'\n", c->m->name, flag, expected, got);
    return -1;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int parse_count(const cli *c, const flag *f, const char *text)
{
    int least = f->kind == FLAG_INDEX ? 0 : 1;
    const char *expected = least ? "a positive integer" : "an integer from 0 up";
    if (!all_digits(text))
        return bad_value(c, f->name, expected, text);
    errno = 0;
    long v = strtol(text, NULL, 10);
    if (v < least)
        return bad_value(c, f->name, expected, text);
    if (errno == ERANGE || v > f->max) {
        if (strcmp(f->name, "--batch") == 0 || strcmp(f->name, "--samples") == 0)
            fprintf(stderr,
                    "%s: %s: %s is more than this trainer's buffers hold (%d rows); "
                    "change `batch` in %s and rebuild for more\n",
                    c->m->name, f->name, text, f->max, or_unknown(c->m->source));
        else
            fprintf(stderr, "%s: %s: %s is too large (at most %d)\n", c->m->name, f->name, text,
                    f->max);
        return -1;
    }
    *(int *)f->value = (int)v;
    return 0;
}

static int parse_seed(const cli *c, const flag *f, const char *text)
{
    errno = 0;
    unsigned long long v = all_digits(text) ? strtoull(text, NULL, 10) : 0;
    if (!all_digits(text) || errno == ERANGE)
        return bad_value(c, f->name, "an integer from 0 to 18446744073709551615", text);
    *(uint64_t *)f->value = (uint64_t)v;
    return 0;
}

static int parse_rate(const cli *c, const flag *f, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v) || v <= 0 || (float)v <= 0)
        return bad_value(c, f->name, "a positive number", text);
    *(float *)f->value = (float)v;
    return 0;
}

static int parse_value(const cli *c, const flag *f, const char *text)
{
    switch (f->kind) {
    case FLAG_COUNT:
    case FLAG_INDEX:
        return parse_count(c, f, text);
    case FLAG_SEED:
        return parse_seed(c, f, text);
    case FLAG_RATE:
        return parse_rate(c, f, text);
    case FLAG_PATH:
        if (!*text)
            return bad_value(c, f->name, "a path", text);
        *(const char **)f->value = text;
        return 0;
    case FLAG_TEXT:
        if (!*text)
            return bad_value(c, f->name, "some text", text);
        *(const char **)f->value = text;
        return 0;
    case FLAG_SWITCH:
        *(int *)f->value = 1;
        return 0;
    }
    return -1;
}

/* Options of `command` from args[0..n): "--name value" or "--name=value",
 * or "--name" alone for a switch.  seen (n_flags ints, or NULL) gets a 1
 * for each flag given.  Returns 0, 1 for --help, or -1 after saying what
 * is wrong. */
/* "unknown option '--epoch'", and the closest of command's options, or
 * all of them */
static void unknown_flag(const cli *c, const char *command, const flag *flags, int n_flags,
                         const char *arg, size_t name_len)
{
    char word[64];
    const char *names[64];
    int n = n_flags < 64 ? n_flags : 64;
    snprintf(word, sizeof word, "%.*s", (int)name_len, arg);
    for (int k = 0; k < n; k++)
        names[k] = flags[k].name;
    fprintf(stderr, "%s: %s: unknown option '%.*s'", c->m->name, command, (int)name_len, arg);
    const char *close = nnrt_closest(word, names, n);
    if (close) {
        fprintf(stderr, "; did you mean '%s'?\n", close);
        return;
    }
    fprintf(stderr, "; %s takes", command);
    for (int k = 0; k < n; k++)
        fprintf(stderr, "%s %s", k ? "," : "", names[k]);
    fprintf(stderr, "\n");
}

static int parse_flags_seen(const cli *c, const char *command, const flag *flags, int n_flags,
                            int n, char **args, int *seen)
{
    for (int i = 0; i < n; i++) {
        const char *arg = args[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return 1;
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const flag *f = NULL;
        for (int k = 0; k < n_flags && !f; k++)
            if (strlen(flags[k].name) == name_len && strncmp(arg, flags[k].name, name_len) == 0)
                f = &flags[k];
        if (!f) {
            if (arg[0] == '-')
                unknown_flag(c, command, flags, n_flags, arg, name_len);
            else
                fprintf(stderr, "%s: %s: unexpected argument '%s'\n", c->m->name, command, arg);
            hint(c);
            return -1;
        }
        if (seen)
            seen[f - flags] = 1;
        if (f->kind == FLAG_SWITCH) {
            if (eq) {
                fprintf(stderr, "%s: %s: takes no value, got '%s'\n", c->m->name, f->name, eq + 1);
                return -1;
            }
            parse_value(c, f, NULL);
            continue;
        }
        const char *value = eq ? eq + 1 : i + 1 < n ? args[++i] : NULL;
        if (!value) {
            fprintf(stderr, "%s: %s: missing value\n", c->m->name, f->name);
            hint(c);
            return -1;
        }
        if (parse_value(c, f, value) != 0)
            return -1;
    }
    return 0;
}

static int parse_flags(const cli *c, const char *command, const flag *flags, int n_flags,
                       int n, char **args)
{
    return parse_flags_seen(c, command, flags, n_flags, n, args, NULL);
}

static void usage(const cli *c, FILE *out)
{
    const nnrt_model *m = c->m;
    fprintf(out,
            "usage: %s COMMAND [OPTIONS]\n"
            "\n"
            "Trains the model '%s' of %s (built by nnc %s).\n"
            "\n"
            "commands:\n"
            "  train        train from fresh weights (or go on from a checkpoint), then\n"
            "               report on the test set\n"
            "    --epochs N   passes over the training set (default %d)\n"
            "    --batch N    samples per update, 1 to %d (default %d)\n"
            "    --lr X       learning rate (default %g)\n"
            "    --seed N     seeds the initial weights, shuffling, dropout and augmentation\n"
            "                 (default %llu)\n"
            "    --limit N    use only the first N training samples (default: all)\n"
            "    --out DIR    where weights, curve.csv, times.csv and checkpoint go\n"
            "                 (default %s); a folder holding a run is refused\n"
            "    --resume DIR go on with the run in DIR from its checkpoint (saved after\n"
            "                 every epoch), with its settings; --epochs may lengthen it\n"
            "    --overwrite  replace the run already in the --out folder\n"
            "    --threads N  threads to compute on; the results are the same bits for\n"
            "                 any N (default: the cores this process may run on)\n"
            "  eval         loss and accuracy on the test set with saved weights; for a\n"
            "               classifier also its confusion matrix and per-class scores\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "    --limit N    use only the first N test samples (default: all)\n"
            "    --out DIR    where confusion.csv and metrics.csv go (default %s)\n"
            "    --threads N  threads to compute on (default: the cores it may run on)\n"
            "  gradcheck    compare backward() with numerical gradients\n"
            "    --samples N  training samples to use, 1 to %d (default 4)\n"
            "    --seed N     seeds the weights, dropout and the entries checked (default %llu)\n"
            "  steps N      N updates on the first N*batch training samples in file order\n"
            "               (no shuffle), printing each batch's loss before its update;\n"
            "               steps 0 --weights-out F only writes the starting weights\n"
            "    --lr X       learning rate (default %g)\n"
            "    --batch N    samples per update, 1 to %d (default %d)\n"
            "    --seed N     seeds the initial weights and dropout (default %llu)\n"
            "    --weights-in F   start from these weights instead of fresh ones\n"
            "    --weights-out F  save the starting weights there, before any update\n"
            "  predict      the model's outputs on some test samples, in inference mode,\n"
            "               or on your own files\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "    --seed N     no weights file: fresh weights from this seed instead\n"
            "    --first K    the first test sample shown, from 0 (default 0)\n"
            "    --count N    how many samples (default 5)\n"
            "    --input F... PNG pictures or CSV rows (columns as in training) in place of\n"
            "                 the test set; a picture is made grey or RGB, resized and\n"
            "                 scaled as the training images are, and predict says how\n"
            "    --top K      classes shown per input, highest first (default 3)\n"
            "    --invert W   pictures: yes, no, or auto (default: when its background is\n"
            "                 the reverse of the training images')\n"
            "    --csv        one line per sample, %s\n"
            "    --out DIR    (default %s)\n"
            "    --threads N  threads to compute on (default: the cores it may run on)\n"
            "  augment-preview  a PNG of training images, each beside a copy changed as\n"
            "               the augment block changes it in training (docs/trainer.md)\n"
            "    --out F      the PNG file to write (required)\n"
            "    --count N    images, 1 to %d (default 16)\n"
            "    --seed N     seeds the changes (default %llu)\n"
            "  reconstruct  an autoencoder's PNG: test images, each beside its output\n"
            "    --out F      the PNG file to write (required)\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "    --count N    images (default 16)\n"
            "  encode       each test sample's code: the output of one layer (an\n"
            "               autoencoder's middle one), in inference mode\n"
            "    --layer NAME the layer, as `nnc check` names it (required)\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "    --csv        one line per sample on stdout, after a header:\n"
            "                 index,label,code0,code1,...\n"
            "    --out F.svg  a scatter of a 2-unit code, coloured by label\n"
            "    --count N    the first N test samples (default: all)\n"
            "  sample       a text model's new text on stdout: the prime, then characters\n"
            "               drawn one at a time from the model's probabilities\n"
            "    --length N   characters after the prime (default 400)\n"
            "    --temperature T  > 0: below 1 likelier choices, above 1 bolder ones;\n"
            "                 below 0.01 always the likeliest (default 1)\n"
            "    --prime TEXT what the model goes on from (default: a space)\n"
            "    --seed N     seeds the draws (default %llu)\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "  inspect      histograms of every layer's outputs over test samples and of\n"
            "               every kernel's weights, as SVG (the initializer chapter's)\n"
            "    --out F.svg  the picture to write (required)\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "    --seed N     instead, the weights a run from seed N starts with\n"
            "    --count N    test samples, at most a batch's rows (default: that)\n"
            "  export-weights  every tensor as a NumPy .npz, named as `nnc check` names\n"
            "               them, in Keras's layouts (scripts/load_in_pytorch.py)\n"
            "    --npz F      the .npz file to write (required)\n"
            "    --weights F  weights file (default DIR/weights)\n"
            "  --help       this text\n"
            "  --version    what this trainer was built from\n"
            "\n"
            "DIR/curve.csv: %s, one row per epoch;\n"
            "DIR/times.csv: epoch,seconds.\n"
            "Exit status: 0 ok, 1 bad option, data or weights file, 2 internal error.\n",
            c->prog, m->name, or_unknown(m->source), nnc_version(m), m->epochs,
            m->max_batch, m->batch, (double)m->optimizer.lr, (unsigned long long)m->seed,
            c->default_dir, c->default_dir, m->max_batch, (unsigned long long)m->seed,
            (double)m->optimizer.lr, m->max_batch, m->batch, (unsigned long long)m->seed,
            m->task == NNRT_TASK_REGRESS ? "index,target0,...,out0,..." : "index,label,out0,...",
            c->default_dir,
            MAX_PREVIEW, (unsigned long long)m->seed, (unsigned long long)m->seed,
            m->task == NNRT_TASK_REGRESS ? "epoch,loss,mae,rmse,val_loss,val_mae,val_rmse"
                                         : "epoch,loss,accuracy,val_loss,val_accuracy");
}

/* Exit status when parse_flags did not return 0: --help, or a bad option
 * (already reported). */
static int after_flags(const cli *c, int rc)
{
    if (rc > 0)
        usage(c, stdout);
    return rc > 0 ? 0 : 1;
}

/* An error said, and the status 1: on a rank other than 0 of an MPI job
 * naming the rank and its host, since every rank's stderr reaches the
 * one terminal of mpirun (an eval whose weights one host lacks) */
static int say_error(const char *name, const nnrt_error *err)
{
    if (nnrt_dist_rank() > 0) {
        char host[64];
        nnrt_dist_host(host, sizeof host);
        fprintf(stderr, "%s: rank %d (host %s): error: %s\n", name, nnrt_dist_rank(), host,
                err->msg);
    } else {
        fprintf(stderr, "%s: error: %s\n", name, err->msg);
    }
    return 1;
}

/* The command's result as an exit status, saying what went wrong. */
static int finish(const cli *c, int rc, const nnrt_error *err)
{
    return rc < 0 ? say_error(c->m->name, err) : rc;
}

/* --batch 1 with a batchnorm over units: refused, as nnc refuses `batch
 * 1` in the .nn file (Keras trains it and learns nothing through it) */
static int batch_fits_batchnorm(const cli *c, const char *command, int batch)
{
    if (batch != 1 || !c->m->batchnorm_by_rows)
        return 0;
    fprintf(stderr, "%s: %s: --batch 1 with '%s', a batchnorm over units: each unit's batch "
                    "statistics come from one value, so it outputs its beta whatever its input, "
                    "and nothing before it learns; use --batch 2 or more\n",
            c->m->name, command, c->m->batchnorm_by_rows);
    return 1;
}

static int cmd_train(cli *c, int n, char **args)
{
    const nnrt_model *m = c->m;
    /* prog: a run stopped by ^C says how to go on */
    nnrt_train_opts o = { m->epochs, m->batch, m->optimizer.lr, m->seed, 0, c->default_dir,
                          NULL, 0, 0, c->prog };
    int threads = 0;
    /* the first five in the order of the NNRT_GIVEN_* bits */
    const flag flags[] = {
        { "--epochs", FLAG_COUNT, &o.epochs, MAX_EPOCHS },
        { "--batch", FLAG_COUNT, &o.batch, m->max_batch },
        { "--lr", FLAG_RATE, &o.lr, 0 },
        { "--seed", FLAG_SEED, &o.seed, 0 },
        { "--limit", FLAG_COUNT, &o.limit, INT_MAX },
        { "--out", FLAG_PATH, &o.out_dir, 0 },
        { "--resume", FLAG_PATH, &o.resume, 0 },
        { "--overwrite", FLAG_SWITCH, &o.overwrite, 0 },
        { "--threads", FLAG_COUNT, &threads, MAX_THREADS },
    };
    int seen[sizeof flags / sizeof flags[0]] = { 0 };
    int rc = parse_flags_seen(c, "train", flags, sizeof flags / sizeof flags[0], n, args, seen);
    if (rc != 0)
        return after_flags(c, rc);
    for (int k = 0; k < 5; k++)
        o.given |= seen[k] ? 1u << k : 0;
    if (seen[5] && seen[6]) {
        fprintf(stderr, "%s: train: --out and --resume: give one (a resumed run writes where it "
                        "wrote before, in the folder --resume names)\n", m->name);
        return 1;
    }
    if (seen[6] && seen[7]) {
        fprintf(stderr, "%s: train: --resume and --overwrite: give one (--resume goes on with "
                        "the run in the folder, --overwrite replaces it with a new one)\n",
                m->name);
        return 1;
    }
    if (batch_fits_batchnorm(c, "train", o.batch))
        return 1;
    nnrt_set_threads(m, threads);
    nnrt_error err;
    rc = nnrt_train_run(m, &o, &err);
    /* A status (a stop, a start the ranks refused together) is every
     * rank's.  An error past the start is rank 0's alone (a file it could
     * not write) or every rank's (divergence: they compute the same), and
     * ends the job (nnrt_dist_end): rank 0 says it as it does, which
     * ends this rank too.  Only if that does not come does this rank speak. */
    c->together = rc >= 0;
    if (rc < 0 && nnrt_dist_rank() > 0)
        sleep(2);
    return finish(c, rc, &err);
}

/* DIR/weights into path: where train saved its weights. */
static int run_weights(const char *dir, char *path, size_t len, nnrt_error *err)
{
    if ((size_t)snprintf(path, len, "%s/weights", dir) >= len)
        return nnrt_fail(err, "%s: path too long", dir);
    return 0;
}

static int cmd_eval(cli *c, int n, char **args)
{
    const char *weights = NULL, *dir = c->default_dir;
    int limit = 0, threads = 0;
    const flag flags[] = {
        { "--weights", FLAG_PATH, &weights, 0 },
        { "--limit", FLAG_COUNT, &limit, INT_MAX },
        { "--out", FLAG_PATH, &dir, 0 },
        { "--threads", FLAG_COUNT, &threads, MAX_THREADS },
    };
    int rc = parse_flags(c, "eval", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    nnrt_set_threads(c->m, threads);
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (!weights) {
        if (run_weights(dir, path, sizeof path, &err) != 0)
            return finish(c, -1, &err);
        weights = path;
        if (access(weights, F_OK) != 0 && errno == ENOENT) {   /* as predict says it */
            nnrt_fail(&err, "%s: no weights there yet: train first, or give --weights FILE",
                      weights);
            return finish(c, -1, &err);
        }
    }
    /* eval writes confusion.csv and metrics.csv there: not beside a trainer */
    nnrt_rundir lock = { -1 };
    rc = nnrt_rundir_lock(&lock, dir, NNRT_RUN_REPORT, 1, &err);
    if (rc == 0)
        rc = nnrt_rundir_clear(&lock, dir, NNRT_RUN_REPORT, &err);
    if (rc == 0)
        rc = nnrt_eval_run_dir(c->m, weights, limit, dir, &err);
    nnrt_rundir_release(&lock);
    c->together = rc == NNRT_DIST_FAILED;   /* the ranks refused their start together */
    return finish(c, rc, &err);
}

/* predict's options that go together or not; 0, or -1 with the message said */
static int predict_checks(const cli *c, nnrt_predict_opts *o, const int *seen,
                          const char *invert)
{
    const char *name = c->m->name;
    if (seen[0] && seen[1]) {
        fprintf(stderr, "%s: predict: --weights and --seed: give one (--seed N stands for fresh "
                        "weights from seed N, in place of a weights file)\n", name);
        return -1;
    }
    if (o->n_inputs && (seen[2] || seen[3])) {
        fprintf(stderr, "%s: predict: --%s picks test samples; with --input the files are the "
                        "samples\n", name, seen[2] ? "first" : "count");
        return -1;
    }
    if (!o->n_inputs && (seen[7] || seen[8])) {
        fprintf(stderr, "%s: predict: --%s is for --input FILE...\n", name,
                seen[7] ? "top" : "invert");
        return -1;
    }
    if (invert) {
        static const char *const WHEN[] = { "no", "yes", "auto" };
        int k = 0;
        while (k < 3 && strcmp(invert, WHEN[k]) != 0)
            k++;
        if (k == 3) {
            fprintf(stderr, "%s: predict: --invert %s: give yes, no or auto (the default: when "
                            "a picture's background is the reverse of the training images')\n",
                    name, invert);
            return -1;
        }
        o->invert = k == 2 ? -1 : k;
    }
    return 0;
}

/* predict --input FILE...: the files, up to the next option, out of args
 * (into files; the rest stay in args, in order); -1 with the message said
 * if --input names none */
static int take_inputs(const cli *c, int *n, char **args, char **files, int *n_files)
{
    int kept = 0;
    for (int i = 0; i < *n; i++) {
        if (strncmp(args[i], "--input=", 8) == 0) {
            files[(*n_files)++] = args[i] + 8;
            continue;
        }
        if (strcmp(args[i], "--input") != 0) {
            args[kept++] = args[i];
            continue;
        }
        int before = *n_files;
        while (i + 1 < *n && args[i + 1][0] != '-')
            files[(*n_files)++] = args[++i];
        if (*n_files == before) {
            fprintf(stderr, "%s: predict: --input needs one or more files (PNG pictures or CSV "
                            "rows)\n", c->m->name);
            return -1;
        }
    }
    *n = kept;
    return 0;
}

/* predict: the weights come from --weights, else from --seed (fresh), else
 * from DIR/weights; --weights and --seed together would leave one unused. */
static int cmd_predict(cli *c, int n, char **args)
{
    const nnrt_model *m = c->m;
    nnrt_predict_opts o = { .first = 0, .count = 5, .seed = m->seed, .invert = -1 };
    const char *dir = c->default_dir, *invert = NULL, *listed = NULL;
    int threads = 0;
    char **files = malloc(((size_t)n + 1) * sizeof *files);
    if (!files || take_inputs(c, &n, args, files, &o.n_inputs) != 0) {
        free(files);
        return 1;
    }
    o.inputs = files;
    const flag flags[] = {
        { "--weights", FLAG_PATH, &o.weights, 0 },
        { "--seed", FLAG_SEED, &o.seed, 0 },
        { "--first", FLAG_INDEX, &o.first, INT_MAX },
        { "--count", FLAG_COUNT, &o.count, INT_MAX },
        { "--csv", FLAG_SWITCH, &o.csv, 0 },
        { "--out", FLAG_PATH, &dir, 0 },
        { "--threads", FLAG_COUNT, &threads, MAX_THREADS },
        { "--top", FLAG_COUNT, &o.top, INT_MAX },
        { "--invert", FLAG_TEXT, &invert, 0 },
        { "--input", FLAG_PATH, &listed, 0 },   /* taken out above; here for suggestions */
    };
    int seen[sizeof flags / sizeof flags[0]] = { 0 };
    int rc = parse_flags_seen(c, "predict", flags, sizeof flags / sizeof flags[0], n, args, seen);
    if (rc == 0)
        rc = predict_checks(c, &o, seen, invert);
    if (rc != 0) {
        free(files);
        return after_flags(c, rc);
    }
    /* Under mpirun, rank 0 alone reads the files and answers: the other
     * ranks would compute the same answer unseen, and each would need the
     * files on its own host (and end the job where one lacks them) */
    if (o.n_inputs && nnrt_dist_rank() > 0) {
        free(files);
        return 0;
    }
    nnrt_set_threads(m, threads);
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (!o.weights && !seen[1]) {
        if (run_weights(dir, path, sizeof path, &err) != 0) {
            free(files);
            return finish(c, -1, &err);
        }
        o.weights = path;
        o.weights_default = 1;
    }
    rc = o.n_inputs ? nnrt_predict_inputs(m, &o, &err) : nnrt_predict_run(m, &o, &err);
    free(files);
    c->together = rc == NNRT_DIST_FAILED;   /* the ranks refused their start together */
    return finish(c, rc, &err);
}

static int cmd_gradcheck(const cli *c, int n, char **args)
{
    int samples = 4;
    uint64_t seed = c->m->seed;
    const flag flags[] = {
        { "--samples", FLAG_COUNT, &samples, c->m->max_batch },
        { "--seed", FLAG_SEED, &seed, 0 },
    };
    int rc = parse_flags(c, "gradcheck", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    nnrt_error err;
    return finish(c, nnrt_gradcheck_run(c->m, samples, seed, &err), &err);
}

/* steps N [options]: N first, then the options */
static int cmd_steps(const cli *c, int n, char **args)
{
    const nnrt_model *m = c->m;
    nnrt_steps_opts o = { 0, m->batch, m->optimizer.lr, m->seed, NULL, NULL };
    if (n > 0 && (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0))
        return after_flags(c, 1);
    if (n == 0 || strncmp(args[0], "--", 2) == 0) {
        fprintf(stderr, "%s: steps: missing the number of steps (steps N [OPTIONS])\n", m->name);
        hint(c);
        return 1;
    }
    /* 0 is allowed, and said in --help: with --weights-out it writes the
     * starting weights, which is how tests get a model's initial weights */
    const flag count = { "steps", FLAG_COUNT, &o.steps, INT_MAX };
    if (!(all_digits(args[0]) && strtol(args[0], NULL, 10) == 0) &&
        parse_count(c, &count, args[0]) != 0)
        return 1;
    const flag flags[] = {
        { "--lr", FLAG_RATE, &o.lr, 0 },
        { "--batch", FLAG_COUNT, &o.batch, m->max_batch },
        { "--seed", FLAG_SEED, &o.seed, 0 },
        { "--weights-in", FLAG_PATH, &o.weights_in, 0 },
        { "--weights-out", FLAG_PATH, &o.weights_out, 0 },
    };
    int rc = parse_flags(c, "steps", flags, sizeof flags / sizeof flags[0], n - 1, args + 1);
    if (rc != 0)
        return after_flags(c, rc);
    if (batch_fits_batchnorm(c, "steps", o.batch))
        return 1;
    nnrt_error err;
    return finish(c, nnrt_steps_run(m, &o, &err), &err);
}

/* augment-preview --out FILE.png [--count N] [--seed N] */
static int cmd_preview(const cli *c, int n, char **args)
{
    const char *out = NULL;
    int count = 16;
    uint64_t seed = c->m->seed;
    const flag flags[] = {
        { "--out", FLAG_PATH, &out, 0 },
        { "--count", FLAG_COUNT, &count, MAX_PREVIEW },
        { "--seed", FLAG_SEED, &seed, 0 },
    };
    int rc = parse_flags(c, "augment-preview", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    if (!out) {
        fprintf(stderr, "%s: augment-preview: missing --out FILE.png\n", c->m->name);
        hint(c);
        return 1;
    }
    nnrt_error err;
    return finish(c, nnrt_preview_run(c->m, out, count, seed, &err), &err);
}

/* *weights, or DIR/weights into path (NNRT_PATH_MAX bytes) when the
 * command was given none, and then *is_default set (if not NULL) */
static int or_run_weights(const cli *c, const char **weights, char *path, int *is_default,
                          nnrt_error *err)
{
    if (*weights)
        return 0;
    if (run_weights(c->default_dir, path, NNRT_PATH_MAX, err) != 0)
        return -1;
    *weights = path;
    if (is_default)
        *is_default = 1;
    return 0;
}

/* reconstruct --out FILE.png [--weights F] [--count N] */
static int cmd_reconstruct(const cli *c, int n, char **args)
{
    const char *out = NULL, *weights = NULL;
    int count = 16;
    const flag flags[] = {
        { "--out", FLAG_PATH, &out, 0 },
        { "--weights", FLAG_PATH, &weights, 0 },
        { "--count", FLAG_COUNT, &count, MAX_PREVIEW },
    };
    int rc = parse_flags(c, "reconstruct", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    if (!out) {
        fprintf(stderr, "%s: reconstruct: missing --out FILE.png\n", c->m->name);
        hint(c);
        return 1;
    }
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (or_run_weights(c, &weights, path, NULL, &err) != 0)
        return finish(c, -1, &err);
    return finish(c, nnrt_reconstruct_run(c->m, weights, out, count, &err), &err);
}

/* encode --layer NAME [--weights F] [--csv] [--out FILE.svg] [--count N] */
static int cmd_encode(const cli *c, int n, char **args)
{
    nnrt_encode_opts o = { .count = INT_MAX };
    const flag flags[] = {
        { "--layer", FLAG_PATH, &o.layer, 0 },
        { "--weights", FLAG_PATH, &o.weights, 0 },
        { "--csv", FLAG_SWITCH, &o.csv, 0 },
        { "--out", FLAG_PATH, &o.svg, 0 },
        { "--count", FLAG_COUNT, &o.count, INT_MAX },
    };
    int rc = parse_flags(c, "encode", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (or_run_weights(c, &o.weights, path, &o.weights_default, &err) != 0)
        return finish(c, -1, &err);
    return finish(c, nnrt_encode_run(c->m, &o, &err), &err);
}

/* inspect --out FILE.svg [--weights F | --seed N] [--count N] */
static int cmd_inspect(const cli *c, int n, char **args)
{
    nnrt_inspect_opts o = { .seed = c->m->seed, .count = c->m->max_batch };
    const flag flags[] = {
        { "--out", FLAG_PATH, &o.svg, 0 },
        { "--weights", FLAG_PATH, &o.weights, 0 },
        { "--seed", FLAG_SEED, &o.seed, 0 },
        { "--count", FLAG_COUNT, &o.count, c->m->max_batch },
    };
    int seen[sizeof flags / sizeof flags[0]] = { 0 };
    int rc = parse_flags_seen(c, "inspect", flags, sizeof flags / sizeof flags[0], n, args, seen);
    if (rc != 0)
        return after_flags(c, rc);
    if (seen[1] && seen[2]) {
        fprintf(stderr, "%s: inspect: --weights and --seed: give one (--seed N stands for the "
                        "weights a run from seed N starts with)\n", c->m->name);
        return 1;
    }
    o.use_seed = seen[2];
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (!o.use_seed && or_run_weights(c, &o.weights, path, &o.weights_default, &err) != 0)
        return finish(c, -1, &err);
    return finish(c, nnrt_inspect_run(c->m, &o, &err), &err);
}

/* export-weights --npz FILE [--weights F] */
static int cmd_export_weights(const cli *c, int n, char **args)
{
    const char *npz = NULL, *weights = NULL;
    int weights_default = 0;
    const flag flags[] = {
        { "--npz", FLAG_PATH, &npz, 0 },
        { "--weights", FLAG_PATH, &weights, 0 },
    };
    int rc = parse_flags(c, "export-weights", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (or_run_weights(c, &weights, path, &weights_default, &err) != 0)
        return finish(c, -1, &err);
    return finish(c, nnrt_export_weights_run(c->m, weights, weights_default, npz, &err), &err);
}

/* sample [--length N] [--temperature T] [--prime TEXT] [--seed N] [--weights F] */
static int cmd_sample(const cli *c, int n, char **args)
{
    nnrt_sample_opts o = { .length = 400, .temperature = 1.0f, .seed = c->m->seed };
    const flag flags[] = {
        { "--length", FLAG_COUNT, &o.length, INT_MAX },
        { "--temperature", FLAG_RATE, &o.temperature, 0 },
        { "--prime", FLAG_TEXT, &o.prime, 0 },
        { "--seed", FLAG_SEED, &o.seed, 0 },
        { "--weights", FLAG_PATH, &o.weights, 0 },
    };
    int rc = parse_flags(c, "sample", flags, sizeof flags / sizeof flags[0], n, args);
    if (rc != 0)
        return after_flags(c, rc);
    char path[NNRT_PATH_MAX];
    nnrt_error err;
    if (or_run_weights(c, &o.weights, path, &o.weights_default, &err) != 0)
        return finish(c, -1, &err);
    return finish(c, nnrt_sample_run(c->m, &o, &err), &err);
}

/* What nnc's checker should have refused, so an internal error if seen. */
static const char *schedule_fault(const nnrt_schedule *s)
{
    switch (s->kind) {
    case NNRT_SCHEDULE_CONSTANT:
        return NULL;
    case NNRT_SCHEDULE_STEP:
    case NNRT_SCHEDULE_EXPONENTIAL:
        return s->every < 1 ? "schedule every < 1" : !(s->factor > 0) ? "schedule factor <= 0"
                                                                      : NULL;
    case NNRT_SCHEDULE_COSINE:
        return !(s->min_lr >= 0 && s->min_lr <= 1) ? "cosine min_lr outside 0..1" : NULL;
    case NNRT_SCHEDULE_PLATEAU:
        return !(s->factor > 0 && s->factor < 1) ? "plateau factor outside (0, 1)"
             : s->patience < 0 ? "plateau patience < 0"
             : !(s->min_lr >= 0) ? "plateau min_lr < 0"
                                 : NULL;
    }
    return "unknown schedule kind";
}

/* The image shape and augment block nnc's checker guarantees. */
static const char *augment_fault(const nnrt_model *m)
{
    const nnrt_augment *a = &m->augment;
    const float p[] = { a->shift_p, a->rotate_p, a->hflip_p, a->vflip_p, a->zoom_p,
                        a->aspect_p, a->brightness_p, a->contrast_p, a->noise_p, a->erase_p };
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (!(p[i] >= 0 && p[i] <= 1))
            return "augment p outside 0..1";
    if (m->in_h && (long)m->in_h * m->in_w * m->in_c != m->in_size)
        return "in_h * in_w * in_c != in_size";
    if (!(a->shift >= 0 && a->rotate >= 0 && a->brightness >= 0 && a->contrast >= 0 &&
          a->noise >= 0))
        return "negative augment magnitude";
    if (!(a->zoom >= 0 && a->zoom < 1 && a->aspect >= 0 && a->aspect < 1))
        return "augment zoom or aspect outside 0..1";
    if (a->erase_p > 0 && !(a->erase >= 0.02f && a->erase <= 1))
        return "augment erase outside 0.02..1";
    return NULL;
}

/* What nnc's checker guarantees of an early_stop. */
static const char *early_stop_fault(const nnrt_early_stop *es)
{
    if (es->patience < 0)
        return "early_stop patience < 0";
    if ((unsigned)es->monitor > NNRT_MONITOR_RMSE)
        return "unknown early_stop monitor";
    return !(es->min_delta >= 0) ? "early_stop min_delta < 0" : NULL;
}

/* Every layer output within a replica's rows */
static const char *layers_fault(const nnrt_model *m)
{
    size_t rows = (size_t)(m->shard_rows > 0 ? m->shard_rows : m->max_batch);
    if (m->n_layer_outputs < 0 || (m->n_layer_outputs > 0 && !m->layer_outputs))
        return "bad layer table";
    for (int i = 0; i < m->n_layer_outputs; i++) {
        const nnrt_layer_output *l = &m->layer_outputs[i];
        if (!l->name || l->width < 1 ||
            l->at + rows * (size_t)l->width * sizeof(float) > m->replica_size)
            return "a layer output outside the replica";
    }
    return NULL;
}

/* A description the generated code got wrong is nnc's bug, not the user's. */
static int model_is_sound(const nnrt_model *m)
{
    const char *why = !m->name ? "no name"
                    : m->in_size < 1 ? "in_size < 1"
                    : m->n_classes < 1 ? "n_classes < 1"
                    : m->max_batch < 1 ? "max_batch < 1"
                    : m->batch < 1 || m->batch > m->max_batch ? "batch outside 1..max_batch"
                    : m->n_params < 0 || (m->n_params > 0 && !m->params) ? "bad params table"
                    : m->replica_size == 0 || m->output_at >= m->replica_size ||
                      (!m->forward && m->n_forward_stages < 1) || !m->loss ||
                      (!m->backward && m->n_backward_stages < 1)
                        ? "missing buffer or function"
                        : schedule_fault(&m->schedule);
    if (!why)
        why = augment_fault(m);
    if (!why)
        why = early_stop_fault(&m->early_stop);
    if (!why)
        why = layers_fault(m);
    if (why)
        fprintf(stderr, "%s: internal error: bad model description: %s\n",
                m->name ? m->name : "trainer", why);
    return why == NULL;
}

static int run_command(cli *c, int argc, char **argv);

int nnrt_main(const nnrt_model *m, int argc, char **argv)
{
    /* before MPI: it may start the process again */
    nnrt_blas_core_check(m->name ? m->name : "trainer", argv);
    nnrt_dist_start(&argc, &argv);
    cli c = { m, argc > 0 ? argv[0] : m->name, { 0 }, 0 };
    int rc = run_command(&c, argc, argv);
    return nnrt_dist_end(rc, rc == 0 || c.together);
}

static int run_command(cli *c, int argc, char **argv)
{
    const nnrt_model *m = c->m;
    if (!model_is_sound(m))
        return 2;
    nnrt_flush_denormals();   /* for every command, so eval computes what train did */
    snprintf(c->default_dir, sizeof c->default_dir, "runs/%s", m->name);
    if (argc < 2) {
        usage(c, stderr);
        return 1;
    }
    const char *command = argv[1];
    if (strcmp(command, "train") == 0)
        return cmd_train(c, argc - 2, argv + 2);
    if (strcmp(command, "eval") == 0)
        return cmd_eval(c, argc - 2, argv + 2);
    if (strcmp(command, "gradcheck") == 0)
        return cmd_gradcheck(c, argc - 2, argv + 2);
    if (strcmp(command, "steps") == 0)
        return cmd_steps(c, argc - 2, argv + 2);
    if (strcmp(command, "predict") == 0)
        return cmd_predict(c, argc - 2, argv + 2);
    if (strcmp(command, "augment-preview") == 0)
        return cmd_preview(c, argc - 2, argv + 2);
    if (strcmp(command, "reconstruct") == 0)
        return cmd_reconstruct(c, argc - 2, argv + 2);
    if (strcmp(command, "encode") == 0)
        return cmd_encode(c, argc - 2, argv + 2);
    if (strcmp(command, "sample") == 0)
        return cmd_sample(c, argc - 2, argv + 2);
    if (strcmp(command, "export-weights") == 0)
        return cmd_export_weights(c, argc - 2, argv + 2);
    if (strcmp(command, "inspect") == 0)
        return cmd_inspect(c, argc - 2, argv + 2);
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        usage(c, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("%s: nnc %s, runtime %s, from %s (model hash %s)\n", m->name, nnc_version(m),
               NNRT_VERSION, or_unknown(m->source), or_unknown(m->model_hash));
        return 0;
    }
    static const char *const COMMANDS[] = { "train", "eval", "gradcheck", "steps", "predict",
                                             "augment-preview", "reconstruct", "encode",
                                             "sample", "export-weights", "inspect" };
    const char *close = nnrt_closest(command, COMMANDS, sizeof COMMANDS / sizeof *COMMANDS);
    fprintf(stderr, "%s: unknown command '%s'", m->name, command);
    if (close)
        fprintf(stderr, "; did you mean '%s'?", close);
    fprintf(stderr, "\n");
    hint(c);
    return 1;
}
