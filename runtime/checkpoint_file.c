/* resume.c: DIR/checkpoint, everything the epoch loop carries from one
 * epoch (or, for a run stopped by a signal, one batch) to the next, so
 * that `train --resume DIR` goes on exactly as the run would have
 * (docs/checkpoint.md has the format byte by byte):
 *
 *   "NNCK"  u32 version (3)  u64 file size
 *   the model's name and its .nn file's SHA-256
 *   settings: u32 epochs, u32 batch, f32 lr, u64 seed, u32 limit
 *   u32 epochs done
 *   the epoch in progress: u32 batches done, f64 loss sum, u64 right
 *     answers, f64 absolute and f64 squared errors, f64 seconds (version 2)
 *   the shuffle, dropout and augment generators: 2 x u64 each
 *   optimizer: u32 kind, u32 buffers per tensor, u64 step
 *   schedule: u32 kind, f32 plateau rate, f64 best, u32 wait
 *   early stopping: u32 patience, u32 monitor, f64 best, u32 best epoch, u32 wait
 *   shuffle order: u32 n, n x u32
 *   curve: u32 rows, each u32 epoch, u32 flags, 9 x f64
 *   tensors: u32 count, each named and shaped as in a weights file, then
 *     its values, its optimizer buffers (parameters only) and its values at
 *     the best epoch (with early stopping only), f32 each
 *   u32 CRC-32 (zlib's) of every byte before it
 * every number little-endian.
 *
 * Saving goes through nnrt_afile (a temporary, fsync, rename), twice over the
 * same code: once only counting bytes, for the size in the header, once
 * writing.  Loading reads the whole file, checks size and checksum, then
 * walks all of it against the model without storing anything, and only
 * after that walk succeeds walks it again copying: a refused file leaves
 * the model and the loop as they were.  Version 1, the same without the
 * epoch in progress, is read too; versions 1 and 2 name the tensors by the
 * layers' kind and position (dense1.w) and are read through the model's
 * legacy names. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "nnrt_internal.h"

#define MAGIC "NNCK"
#define VERSION 3u           /* 2 added the epoch in progress; 3 stable layer names */
#define STABLE_NAMES_VERSION 3u
#define FIRST_VERSION 1u     /* the oldest this reads: no epoch in progress */
#define HEADER_BYTES 16      /* magic, version, size */
#define ROW_DOUBLES 9

/* ---- saving ------------------------------------------------------------ */

typedef struct writer {
    nnrt_afile *f;              /* NULL: count bytes only */
    uint64_t bytes;
    uLong crc;
} writer;

static void put(writer *w, const void *bytes, size_t n)
{
    if (w->f) {
        nnrt_afile_write(w->f, bytes, n);
        w->crc = crc32(w->crc, bytes, (uInt)n);
    }
    w->bytes += n;
}

static void put_u32(writer *w, uint32_t x)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> 8 * i);
    put(w, b, 4);
}

static void put_u64(writer *w, uint64_t x)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(x >> 8 * i);
    put(w, b, 8);
}

static void put_f32(writer *w, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    put_u32(w, u);
}

static void put_f64(writer *w, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    put_u64(w, u);
}

static void put_text(writer *w, const char *s)
{
    put_u32(w, (uint32_t)strlen(s));
    put(w, s, strlen(s));
}

/* n floats, or n ints as u32 when ints is set, through a small buffer */
static void put_array(writer *w, const float *floats, const int *ints, int n)
{
    unsigned char chunk[4096];
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(ints ? ints[i] : 0);
        if (!ints)
            memcpy(&x, &floats[i], 4);
        for (int k = 0; k < 4; k++)
            chunk[used++] = (unsigned char)(x >> 8 * k);
        if (used == sizeof chunk) {
            put(w, chunk, used);
            used = 0;
        }
    }
    put(w, chunk, used);
}

static void put_rng(writer *w, const nnrt_rng *r)
{
    put_u64(w, r->s[0]);
    put_u64(w, r->s[1]);
}

/* The optimizer's buffers per parameter tensor (m2 only with m1). */
static int buffers_of(const nnrt_optim_state *st)
{
    return st->m2 ? 2 : st->m1 ? 1 : 0;
}

static void put_row(writer *w, const nnrt_epoch_stats *s)
{
    put_u32(w, (uint32_t)s->epoch);
    put_u32(w, (uint32_t)(s->has_val ? 1 : 0) | (uint32_t)(s->regress ? 2 : 0));
    const double v[ROW_DOUBLES] = { s->loss, s->accuracy, s->mae, s->rmse, s->val_loss,
                                    s->val_accuracy, s->val_mae, s->val_rmse, s->seconds };
    for (int i = 0; i < ROW_DOUBLES; i++)
        put_f64(w, v[i]);
}

static void put_partial(writer *w, const nnrt_epoch_sums *p)
{
    put_u32(w, (uint32_t)p->batches);
    put_f64(w, p->loss_sum);
    put_u64(w, (uint64_t)p->tally.correct);
    put_f64(w, p->tally.abs_err);
    put_f64(w, p->tally.sq_err);
    put_f64(w, p->seconds);
}

/* Everything after the header and before the checksum. */
static void put_body(writer *w, const nnrt_model *m, const nnrt_checkpoint *c)
{
    put_text(w, m->name);
    put_text(w, m->model_hash ? m->model_hash : "");
    put_u32(w, (uint32_t)c->epochs);
    put_u32(w, (uint32_t)c->batch);
    put_f32(w, c->lr);
    put_u64(w, c->seed);
    put_u32(w, (uint32_t)c->limit);
    put_u32(w, (uint32_t)c->epochs_done);
    put_partial(w, c->partial);
    put_rng(w, c->shuffle);
    put_rng(w, c->dropout);
    put_rng(w, c->augment);

    const nnrt_optim_state *st = c->optim;
    put_u32(w, (uint32_t)st->opt.kind);
    put_u32(w, (uint32_t)buffers_of(st));
    put_u64(w, (uint64_t)st->step);
    const nnrt_lr_schedule *ls = c->schedule;
    put_u32(w, (uint32_t)ls->s.kind);
    put_f32(w, ls->plateau_lr);
    put_f64(w, ls->best);
    put_u32(w, (uint32_t)ls->wait);
    const nnrt_early_stopping *es = c->early;
    put_u32(w, (uint32_t)es->s.patience);
    put_u32(w, (uint32_t)es->s.monitor);
    put_f64(w, es->best);
    put_u32(w, (uint32_t)es->best_epoch);
    put_u32(w, (uint32_t)es->wait);

    put_u32(w, (uint32_t)c->n_order);
    put_array(w, NULL, c->order, c->n_order);
    put_u32(w, (uint32_t)c->epochs_done);
    for (int i = 0; i < c->epochs_done; i++)
        put_row(w, &c->rows[i]);

    put_u32(w, (uint32_t)m->n_params);
    size_t best_at = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        put_text(w, t->name);
        put_u32(w, (uint32_t)t->ndims);
        for (int d = 0; d < t->ndims; d++)
            put_u32(w, (uint32_t)t->dims[d]);
        put_u32(w, t->grad ? 1 : 0);
        put_array(w, t->value, NULL, t->size);
        if (t->grad && st->m1)
            put_array(w, st->m1[p], NULL, t->size);
        if (t->grad && st->m2)
            put_array(w, st->m2[p], NULL, t->size);
        if (es->s.patience > 0)
            put_array(w, es->best_values + best_at, NULL, t->size);
        best_at += (size_t)t->size;
    }
}

int nnrt_checkpoint_save(const nnrt_model *m, const char *path, const nnrt_checkpoint *c,
                         nnrt_error *err)
{
    writer count = { NULL, HEADER_BYTES + 4, 0 };
    put_body(&count, m, c);

    nnrt_afile f;   /* on the stack: this runs inside the epoch loop */
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    writer w = { &f, 0, crc32(0L, Z_NULL, 0) };
    put(&w, MAGIC, 4);
    put_u32(&w, VERSION);
    put_u64(&w, count.bytes);
    put_body(&w, m, c);
    put_u32(&w, (uint32_t)w.crc);
    if (w.bytes != count.bytes) {   /* two walks over the same state cannot differ */
        nnrt_afile_abort(&f);
        return nnrt_fail(err, "%s: internal error: %llu bytes written, %llu counted", path,
                         (unsigned long long)w.bytes, (unsigned long long)count.bytes);
    }
    return nnrt_afile_commit(&f, err);
}

/* ---- reading ----------------------------------------------------------- */

typedef struct reader {
    const char *path;
    const unsigned char *bytes;
    size_t len, pos;
    nnrt_error *err;
    uint32_t version;           /* the file's, once check_integrity has read it */
} reader;

/* Are n more bytes there?  If not, say what was expected where. */
static int need(reader *r, size_t n, const char *what)
{
    if (r->len - r->pos >= n)
        return 0;
    return nnrt_fail(r->err, "%s: byte %zu: truncated: expected %zu bytes of %s, found %zu",
                     r->path, r->pos, n, what, r->len - r->pos);
}

static uint64_t get_le(reader *r, int n)
{
    uint64_t x = 0;
    for (int i = 0; i < n; i++)
        x |= (uint64_t)r->bytes[r->pos + (size_t)i] << 8 * i;
    r->pos += (size_t)n;
    return x;
}

/* The next u32 (u64), after checking it is there: -1 if not. */
static int get_u32(reader *r, const char *what, uint32_t *out)
{
    if (need(r, 4, what))
        return -1;
    *out = (uint32_t)get_le(r, 4);
    return 0;
}

static int get_u64(reader *r, const char *what, uint64_t *out)
{
    if (need(r, 8, what))
        return -1;
    *out = get_le(r, 8);
    return 0;
}

static int get_f32(reader *r, const char *what, float *out)
{
    uint32_t u;
    if (get_u32(r, what, &u))
        return -1;
    memcpy(out, &u, 4);
    return 0;
}

static int get_f64(reader *r, const char *what, double *out)
{
    uint64_t u;
    if (get_u64(r, what, &u))
        return -1;
    memcpy(out, &u, 8);
    return 0;
}

/* A length-prefixed text; *text points into the file (not terminated). */
static int get_text(reader *r, const char *what, const char **text, uint32_t *len)
{
    if (get_u32(r, what, len) || need(r, *len, what))
        return -1;
    *text = (const char *)r->bytes + r->pos;
    r->pos += *len;
    return 0;
}

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* n f32 (or u32 into ints) values; copied only when out is not NULL */
static int get_array(reader *r, const char *what, float *floats, int *ints, int n)
{
    if (need(r, 4 * (size_t)n, what))
        return -1;
    if (!floats && !ints) {
        r->pos += 4 * (size_t)n;
        return 0;
    }
    for (int i = 0; i < n; i++) {
        uint32_t x = (uint32_t)get_le(r, 4);
        if (ints)
            ints[i] = (int)x;
        else
            memcpy(&floats[i], &x, 4);
    }
    return 0;
}

/* Magic, version, size and checksum: is this an undamaged checkpoint? */
static int check_integrity(reader *r)
{
    if (need(r, 4, "magic number"))
        return -1;
    if (memcmp(r->bytes, MAGIC, 4) != 0)
        return nnrt_fail(r->err, "%s: byte 0: not an nnc checkpoint (no '%s' at the start)",
                         r->path, MAGIC);
    r->pos = 4;
    uint32_t version;
    uint64_t size;
    if (get_u32(r, "header", &version))
        return -1;
    if (version < FIRST_VERSION || version > VERSION)
        return nnrt_fail(r->err, "%s: byte 4: format version %u; this trainer reads versions "
                                 "%u to %u", r->path, version, FIRST_VERSION, VERSION);
    r->version = version;
    if (get_u64(r, "header", &size))
        return -1;
    if (size < r->len)
        return nnrt_fail(r->err, "%s: byte %llu: unexpected data after the checksum (%llu bytes)",
                         r->path, (unsigned long long)size,
                         (unsigned long long)(r->len - size));
    if (size > r->len)
        return nnrt_fail(r->err, "%s: byte %zu: truncated: the header says the checkpoint has "
                                 "%llu bytes, the file ends after %zu",
                         r->path, r->len, (unsigned long long)size, r->len);
    if (r->len < HEADER_BYTES + 4)
        return nnrt_fail(r->err, "%s: byte 8: a size of %zu bytes leaves no room for the "
                                 "checksum", r->path, r->len);
    size_t at = r->len - 4;
    uint32_t stored = (uint32_t)r->bytes[at] | (uint32_t)r->bytes[at + 1] << 8 |
                      (uint32_t)r->bytes[at + 2] << 16 | (uint32_t)r->bytes[at + 3] << 24;
    uLong crc = crc32(crc32(0L, Z_NULL, 0), r->bytes, (uInt)at);
    if ((uint32_t)crc != stored)
        return nnrt_fail(r->err, "%s: byte %zu: checksum 0x%08x, but the contents give 0x%08x: "
                                 "the file is damaged", r->path, at, stored, (uint32_t)crc);
    r->len = at;   /* the rest of the walk stops before the checksum */
    return 0;
}

/* The epoch in progress into f->partial (all 0 in a version 1 file):
 * what a run stopped between two batches had added up so far. */
static int read_partial(reader *r, nnrt_checkpoint_file *f)
{
    nnrt_epoch_sums *p = &f->partial;
    memset(p, 0, sizeof *p);
    f->partial_at = r->pos;
    if (r->version < 2)
        return 0;
    uint32_t batches;
    uint64_t right;
    const char *what = "the epoch in progress";
    if (get_u32(r, what, &batches) || get_f64(r, what, &p->loss_sum) ||
        get_u64(r, what, &right) || get_f64(r, what, &p->tally.abs_err) ||
        get_f64(r, what, &p->tally.sq_err) || get_f64(r, what, &p->seconds))
        return -1;
    if (batches > 0 && f->epochs_done >= f->epochs)
        return nnrt_fail(r->err, "%s: byte %zu: %u batches into epoch %d of a run of %d",
                         r->path, f->partial_at, batches, f->epochs_done + 1, f->epochs);
    /* sums of batches that were all finite, so finite; errors and seconds
     * not negative; all 0 when no batch is done */
    int idle = batches == 0 && (p->loss_sum != 0 || right != 0 || p->tally.abs_err != 0 ||
                                p->tally.sq_err != 0 || p->seconds != 0);
    if (idle || batches > 0x7fffffff || !isfinite(p->loss_sum) ||
        right > (uint64_t)batches * f->batch || !(p->tally.abs_err >= 0) ||
        !isfinite(p->tally.abs_err) || !(p->tally.sq_err >= 0) || !isfinite(p->tally.sq_err) ||
        !(p->seconds >= 0) || !isfinite(p->seconds))
        return nnrt_fail(r->err, "%s: byte %zu: the sums of the epoch in progress are out of "
                                 "range (%u batches, loss sum %g, %llu right)", r->path,
                         f->partial_at, batches, p->loss_sum, (unsigned long long)right);
    p->batches = (int)batches;
    p->tally.correct = (long)right;
    return 0;
}

/* The model's name and source, the settings, the epochs done and the
 * epoch in progress into f. */
static int read_head(reader *r, const nnrt_model *m, nnrt_checkpoint_file *f)
{
    size_t at = r->pos;
    const char *name, *sha;
    uint32_t name_len, sha_len;
    if (get_text(r, "model name", &name, &name_len))
        return -1;
    if (name_len != strlen(m->name) || memcmp(name, m->name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_fail(r->err, "%s: byte %zu: a checkpoint of model '%.*s'; this trainer "
                                     "trains '%s'", r->path, at, (int)name_len, name, m->name);
        return nnrt_fail(r->err, "%s: byte %zu: the model's name is not readable", r->path, at);
    }
    at = r->pos;
    if (get_text(r, "source digest", &sha, &sha_len))
        return -1;
    if (sha_len >= sizeof f->sha256 || !printable(sha, sha_len))
        return nnrt_fail(r->err, "%s: byte %zu: the source digest is not readable", r->path, at);
    memcpy(f->sha256, sha, sha_len);
    f->sha256[sha_len] = '\0';

    uint32_t epochs, batch, limit, done;
    at = r->pos;
    if (get_u32(r, "settings", &epochs) || get_u32(r, "settings", &batch) ||
        get_f32(r, "settings", &f->lr) || get_u64(r, "settings", &f->seed) ||
        get_u32(r, "settings", &limit) || get_u32(r, "settings", &done))
        return -1;
    if (epochs < 1 || epochs > 1000000 || batch < 1 || batch > (uint32_t)m->max_batch ||
        !(f->lr > 0) || !isfinite(f->lr) || limit > 0x7fffffff)
        return nnrt_fail(r->err, "%s: byte %zu: settings out of range (epochs %u, batch %u, "
                                 "lr %g, limit %u)", r->path, at, epochs, batch, (double)f->lr,
                         limit);
    if (done > epochs)
        return nnrt_fail(r->err, "%s: byte %zu: %u epochs done of a run of %u", r->path,
                         r->pos - 4, done, epochs);
    f->epochs = (int)epochs;
    f->batch = (int)batch;
    f->limit = (int)limit;
    f->epochs_done = (int)done;
    return read_partial(r, f);
}

int nnrt_checkpoint_open(const nnrt_model *m, const char *path, nnrt_checkpoint_file *f,
                         nnrt_error *err)
{
    memset(f, 0, sizeof *f);
    if ((size_t)snprintf(f->path, sizeof f->path, "%s", path) >= sizeof f->path)
        return nnrt_fail(err, "%s: path too long", path);
    if (nnrt_read_file(path, &f->bytes, &f->len,
                       "no checkpoint there (a run writes one when it starts and after every "
                       "epoch)", err) != 0) {
        f->bytes = NULL;
        return -1;
    }
    reader r = { f->path, f->bytes, f->len, 0, err, 0 };
    if (check_integrity(&r) != 0 || read_head(&r, m, f) != 0) {
        nnrt_checkpoint_close(f);
        return -1;
    }
    return 0;
}

void nnrt_checkpoint_close(nnrt_checkpoint_file *f)
{
    free(f->bytes);
    f->bytes = NULL;
}

/* ---- settings ---------------------------------------------------------- */

/* The run folder: the checkpoint's path without "/checkpoint". */
static int run_dir(const nnrt_checkpoint_file *f)
{
    const char *slash = strrchr(f->path, '/');
    return slash ? (int)(slash - f->path) : 0;
}

/* kept: "with --lr 0.001", "without --limit" */
static int refuse(const nnrt_checkpoint_file *f, nnrt_error *err, const char *flag,
                  const char *given, const char *kept)
{
    return nnrt_fail(err, "%s %s: the run in %.*s was started %s, and a resumed run keeps its "
                          "settings (leave %s out; only --epochs may change)",
                     flag, given, run_dir(f), f->path, kept, flag);
}

int nnrt_checkpoint_settings(const nnrt_checkpoint_file *f, nnrt_train_opts *o, nnrt_error *err)
{
    char given[64], kept[64];
    if ((o->given & NNRT_GIVEN_BATCH) && o->batch != f->batch) {
        snprintf(given, sizeof given, "%d", o->batch);
        snprintf(kept, sizeof kept, "with --batch %d", f->batch);
        return refuse(f, err, "--batch", given, kept);
    }
    if ((o->given & NNRT_GIVEN_LR) && o->lr != f->lr) {
        snprintf(given, sizeof given, "%g", (double)o->lr);
        snprintf(kept, sizeof kept, "with --lr %g", (double)f->lr);
        return refuse(f, err, "--lr", given, kept);
    }
    if ((o->given & NNRT_GIVEN_SEED) && o->seed != f->seed) {
        snprintf(given, sizeof given, "%llu", (unsigned long long)o->seed);
        snprintf(kept, sizeof kept, "with --seed %llu", (unsigned long long)f->seed);
        return refuse(f, err, "--seed", given, kept);
    }
    if ((o->given & NNRT_GIVEN_LIMIT) && o->limit != f->limit) {
        snprintf(given, sizeof given, "%d", o->limit);
        if (f->limit)
            snprintf(kept, sizeof kept, "with --limit %d", f->limit);
        else
            snprintf(kept, sizeof kept, "without --limit");
        return refuse(f, err, "--limit", given, kept);
    }
    if ((o->given & NNRT_GIVEN_EPOCHS) && o->epochs < f->epochs_done)
        return nnrt_fail(err, "--epochs %d: the run in %.*s has already done %d epochs", o->epochs,
                         run_dir(f), f->path, f->epochs_done);
    /* the weights are part way through the next epoch: it cannot be undone */
    if ((o->given & NNRT_GIVEN_EPOCHS) && f->partial.batches > 0 && o->epochs <= f->epochs_done)
        return nnrt_fail(err, "--epochs %d: the run in %.*s has already done %d epochs and %d "
                              "batches of epoch %d", o->epochs, run_dir(f), f->path,
                         f->epochs_done, f->partial.batches, f->epochs_done + 1);
    if (!(o->given & NNRT_GIVEN_EPOCHS))
        o->epochs = f->epochs;
    o->batch = f->batch;
    o->lr = f->lr;
    o->seed = f->seed;
    o->limit = f->limit;
    return 0;
}

/* ---- loading ----------------------------------------------------------- */

static const char *optimizer_name(uint32_t kind)
{
    const char *word = nnrt_optimizer_word((nnrt_optimizer_kind)kind);
    return word ? word : "unknown";
}

/* Where the walk copies to: all NULL on the checking walk. */
typedef struct target {
    nnrt_checkpoint *c;
    const nnrt_model *m;
} target;

static int read_rng(reader *r, nnrt_rng *out)
{
    uint64_t s0, s1;
    if (get_u64(r, "generator state", &s0) || get_u64(r, "generator state", &s1))
        return -1;
    if (s0 == 0 && s1 == 0)
        return nnrt_fail(r->err, "%s: byte %zu: a generator state of zero", r->path, r->pos - 16);
    if (out) {
        out->s[0] = s0;
        out->s[1] = s1;
    }
    return 0;
}

/* Optimizer, schedule and early stopping: the same kinds as m's. */
static int read_states(reader *r, const nnrt_model *m, nnrt_checkpoint *c, int copy,
                       uint32_t *buffers)
{
    size_t at = r->pos;
    uint32_t kind, wait, sched_kind, patience, monitor, best_epoch, es_wait;
    uint64_t step;
    float plateau_lr;
    double best, es_best;
    if (get_u32(r, "optimizer state", &kind) || get_u32(r, "optimizer state", buffers) ||
        get_u64(r, "optimizer state", &step))
        return -1;
    int want = c->optim->m2 ? 2 : c->optim->m1 ? 1 : 0;
    if (kind != (uint32_t)m->optimizer.kind || *buffers != (uint32_t)want)
        return nnrt_fail(r->err, "%s: byte %zu: the optimizer state of %s (%u buffers a tensor); "
                                 "this trainer's optimizer is %s",
                         r->path, at, optimizer_name(kind), *buffers,
                         optimizer_name((uint32_t)m->optimizer.kind));
    at = r->pos;
    if (get_u32(r, "schedule state", &sched_kind) || get_f32(r, "schedule state", &plateau_lr) ||
        get_f64(r, "schedule state", &best) || get_u32(r, "schedule state", &wait))
        return -1;
    if (sched_kind != (uint32_t)m->schedule.kind)
        return nnrt_fail(r->err, "%s: byte %zu: the state of another learning-rate schedule "
                                 "than this trainer's", r->path, at);
    at = r->pos;
    if (get_u32(r, "early stopping state", &patience) ||
        get_u32(r, "early stopping state", &monitor) ||
        get_f64(r, "early stopping state", &es_best) ||
        get_u32(r, "early stopping state", &best_epoch) ||
        get_u32(r, "early stopping state", &es_wait))
        return -1;
    if ((patience > 0) != (m->early_stop.patience > 0))
        return nnrt_fail(r->err, "%s: byte %zu: a run %s early stopping; this trainer's model "
                                 "has %s", r->path, at, patience ? "with" : "without",
                         m->early_stop.patience ? "an early_stop" : "none");
    if (best_epoch > (uint32_t)c->epochs)
        return nnrt_fail(r->err, "%s: byte %zu: best epoch %u of a run of %d", r->path,
                         r->pos - 8, best_epoch, c->epochs);
    if (!copy)
        return 0;
    c->optim->step = (long)step;
    c->schedule->plateau_lr = plateau_lr;
    c->schedule->best = best;
    c->schedule->wait = (int)wait;
    c->early->best = es_best;
    c->early->best_epoch = (int)best_epoch;
    c->early->wait = (int)es_wait;
    return 0;
}

static int read_rows(reader *r, nnrt_checkpoint *c, int done, int copy)
{
    uint32_t n;
    size_t at = r->pos;
    if (get_u32(r, "curve row count", &n))
        return -1;
    if (n != (uint32_t)done)
        return nnrt_fail(r->err, "%s: byte %zu: %u curve rows after %d epochs", r->path, at, n,
                         done);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t epoch, flags;
        double v[ROW_DOUBLES];
        at = r->pos;
        if (get_u32(r, "curve row", &epoch) || get_u32(r, "curve row", &flags))
            return -1;
        for (int k = 0; k < ROW_DOUBLES; k++)
            if (get_f64(r, "curve row", &v[k]))
                return -1;
        if (epoch != i + 1)
            return nnrt_fail(r->err, "%s: byte %zu: curve row %u is of epoch %u", r->path, at,
                             i + 1, epoch);
        if (!copy)
            continue;
        c->rows[i] = (nnrt_epoch_stats){
            .epoch = (int)epoch, .has_val = (flags & 1) != 0, .regress = (flags & 2) != 0,
            .loss = v[0], .accuracy = v[1], .mae = v[2], .rmse = v[3], .val_loss = v[4],
            .val_accuracy = v[5], .val_mae = v[6], .val_rmse = v[7], .seconds = v[8],
        };
    }
    return 0;
}

/* "784x128" */
static void shape_text(char *out, size_t len, int ndims, const uint32_t *dims)
{
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < ndims && used < len; d++)
        used += (size_t)snprintf(out + used, len - used, d ? "x%u" : "%u", dims[d]);
}

/* One tensor's name, shape and kind: m's tensor t, index p, named
 * want_name in this file's version. */
static int check_tensor_header(reader *r, const nnrt_param *t, const char *want_name, int p)
{
    size_t at = r->pos;
    const char *name;
    uint32_t name_len, ndims, dims[4] = { 0 }, want[4] = { 0 }, trained;
    if (get_text(r, "tensor name", &name, &name_len))
        return -1;
    if (name_len != strlen(want_name) || memcmp(name, want_name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_fail(r->err, "%s: byte %zu: tensor %d is '%.*s'; the model's is '%s'",
                             r->path, at, p + 1, (int)name_len, name, want_name);
        return nnrt_fail(r->err, "%s: byte %zu: tensor %d has no readable name; the model's "
                                 "is '%s'", r->path, at, p + 1, want_name);
    }
    at = r->pos;
    if (get_u32(r, "dimension count", &ndims))
        return -1;
    int same = ndims == (uint32_t)t->ndims;
    for (uint32_t d = 0; d < ndims && d < 4; d++)
        if (get_u32(r, "dimensions", &dims[d]))
            return -1;
    for (int d = 0; d < t->ndims; d++) {
        want[d] = (uint32_t)t->dims[d];
        same = same && dims[d] == want[d];
    }
    if (!same) {
        char got[64], expected[64];
        shape_text(expected, sizeof expected, t->ndims, want);
        if (ndims > 4)
            snprintf(got, sizeof got, "%u dimensions", ndims);
        else
            shape_text(got, sizeof got, (int)ndims, dims);
        return nnrt_fail(r->err, "%s: byte %zu: %s has shape %s; the model's is %s", r->path, at,
                         t->name, got, expected);
    }
    at = r->pos;
    if (get_u32(r, "tensor kind", &trained))
        return -1;
    if (trained != (t->grad ? 1u : 0u))
        return nnrt_fail(r->err, "%s: byte %zu: %s is %s here; the model %s", r->path, at,
                         t->name, trained ? "a trained parameter" : "state",
                         t->grad ? "trains it" : "keeps it as state");
    return 0;
}

static int read_tensors(reader *r, const nnrt_model *m, nnrt_checkpoint *c, uint32_t buffers,
                        int copy)
{
    size_t at = r->pos;
    uint32_t count;
    if (get_u32(r, "tensor count", &count))
        return -1;
    if (count != (uint32_t)m->n_params)
        return nnrt_fail(r->err, "%s: byte %zu: %u tensors; the model has %d", r->path, at,
                         count, m->n_params);
    int early = m->early_stop.patience > 0;
    size_t best_at = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        const char *want_name = nnrt_param_file_name(m, p, r->version < STABLE_NAMES_VERSION);
        if (check_tensor_header(r, t, want_name, p) != 0)
            return -1;
        char what[128];
        snprintf(what, sizeof what, "%s values", t->name);
        if (get_array(r, what, copy ? t->value : NULL, NULL, t->size))
            return -1;
        for (uint32_t b = 0; t->grad && b < buffers; b++) {
            float *buf = b == 0 ? c->optim->m1[p] : c->optim->m2[p];
            snprintf(what, sizeof what, "%s optimizer state", t->name);
            if (get_array(r, what, copy ? buf : NULL, NULL, t->size))
                return -1;
        }
        if (early) {
            snprintf(what, sizeof what, "%s values at the best epoch", t->name);
            if (get_array(r, what, copy ? c->early->best_values + best_at : NULL, NULL, t->size))
                return -1;
        }
        best_at += (size_t)t->size;
    }
    if (r->pos != r->len)
        return nnrt_fail(r->err, "%s: byte %zu: unexpected data after the last tensor (%zu bytes)",
                         r->path, r->pos, r->len - r->pos);
    return 0;
}

/* The whole file after the head; copies into m and c only when copy is set. */
static int walk(reader *r, const nnrt_model *m, const nnrt_checkpoint_file *f,
                nnrt_checkpoint *c, int copy)
{
    if (read_rng(r, copy ? c->shuffle : NULL) || read_rng(r, copy ? c->dropout : NULL) ||
        read_rng(r, copy ? c->augment : NULL))
        return -1;
    uint32_t buffers;
    if (read_states(r, m, c, copy, &buffers) != 0)
        return -1;
    size_t at = r->pos;
    uint32_t n_order;
    if (get_u32(r, "shuffle order length", &n_order))
        return -1;
    if (n_order != (uint32_t)c->n_order)
        return nnrt_fail(r->err, "%s: byte %zu: the run shuffled %u training samples; the data "
                                 "now gives %d", r->path, at, n_order, c->n_order);
    at = r->pos;
    if (get_array(r, "shuffle order", NULL, copy ? c->order : NULL, c->n_order))
        return -1;
    if (!copy) {   /* a permutation of 0 .. n-1, or batches would read past the data */
        reader check = *r;
        check.pos = at;
        for (int i = 0; i < c->n_order; i++) {
            uint32_t k = (uint32_t)get_le(&check, 4);
            if (k >= (uint32_t)c->n_order)
                return nnrt_fail(r->err, "%s: byte %zu: sample %u in a shuffle of %d", r->path,
                                 check.pos - 4, k, c->n_order);
        }
    }
    /* the epoch in progress stopped between two of its batches, before its last */
    int steps = (c->n_order + f->batch - 1) / f->batch;
    if (f->partial.batches >= steps)
        return nnrt_fail(r->err, "%s: byte %zu: %d batches into an epoch of %d", r->path,
                         f->partial_at, f->partial.batches, steps);
    if (read_rows(r, c, f->epochs_done, copy) != 0)
        return -1;
    return read_tensors(r, m, c, buffers, copy);
}

int nnrt_checkpoint_load(const nnrt_model *m, const nnrt_checkpoint_file *f, nnrt_checkpoint *c,
                         nnrt_error *err)
{
    reader r = { f->path, f->bytes, f->len, 0, err, 0 };
    nnrt_checkpoint_file head;
    if (check_integrity(&r) != 0 || read_head(&r, m, &head) != 0)
        return -1;
    size_t body = r.pos;
    if (walk(&r, m, f, c, 0) != 0)
        return -1;
    r.pos = body;
    if (walk(&r, m, f, c, 1) != 0)
        return -1;
    c->epochs_done = f->epochs_done;
    *c->partial = f->partial;
    return 0;
}
