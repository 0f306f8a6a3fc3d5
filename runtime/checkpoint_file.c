/* checkpoint_file.c: DIR/checkpoint, everything the epoch loop carries
 * from one epoch (or, for a run stopped by a signal, one batch) to the
 * next, so that `train --resume DIR` goes on exactly as the run would have
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
 * every number little-endian (binio.h).  What a resumed run keeps of it
 * is resume.c's.
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "nnrt_internal.h"

#define MAGIC "NNCK"
#define VERSION 3u           /* 2 added the epoch in progress; 3 stable layer names */
#define STABLE_NAMES_VERSION 3u
#define FIRST_VERSION 1u     /* the oldest this reads: no epoch in progress */
#define HEADER_BYTES 16      /* magic, version, size */
#define ROW_DOUBLES 9

/* ---- saving ------------------------------------------------------------ */

static void put_rng(nnrt_bin_writer *w, const nnrt_rng *r)
{
    nnrt_bin_put_u64(w, r->s[0]);
    nnrt_bin_put_u64(w, r->s[1]);
}

/* The optimizer's buffers per parameter tensor (m2 only with m1). */
static int buffers_of(const nnrt_optim_state *st)
{
    return st->m2 ? 2 : st->m1 ? 1 : 0;
}

static void put_row(nnrt_bin_writer *w, const nnrt_epoch_stats *s)
{
    nnrt_bin_put_u32(w, (uint32_t)s->epoch);
    nnrt_bin_put_u32(w, (uint32_t)(s->has_val ? 1 : 0) | (uint32_t)(s->regress ? 2 : 0));
    const double v[ROW_DOUBLES] = { s->loss, s->accuracy, s->mae, s->rmse, s->val_loss,
                                    s->val_accuracy, s->val_mae, s->val_rmse, s->seconds };
    for (int i = 0; i < ROW_DOUBLES; i++)
        nnrt_bin_put_f64(w, v[i]);
}

static void put_partial(nnrt_bin_writer *w, const nnrt_epoch_sums *p)
{
    nnrt_bin_put_u32(w, (uint32_t)p->batches);
    nnrt_bin_put_f64(w, p->loss_sum);
    nnrt_bin_put_u64(w, (uint64_t)p->tally.correct);
    nnrt_bin_put_f64(w, p->tally.abs_err);
    nnrt_bin_put_f64(w, p->tally.sq_err);
    nnrt_bin_put_f64(w, p->seconds);
}

static void put_states(nnrt_bin_writer *w, const nnrt_checkpoint *c)
{
    const nnrt_optim_state *st = c->optim;
    nnrt_bin_put_u32(w, (uint32_t)st->opt.kind);
    nnrt_bin_put_u32(w, (uint32_t)buffers_of(st));
    nnrt_bin_put_u64(w, (uint64_t)st->step);
    const nnrt_lr_schedule *ls = c->schedule;
    nnrt_bin_put_u32(w, (uint32_t)ls->s.kind);
    nnrt_bin_put_f32(w, ls->plateau_lr);
    nnrt_bin_put_f64(w, ls->best);
    nnrt_bin_put_u32(w, (uint32_t)ls->wait);
    const nnrt_early_stopping *es = c->early;
    nnrt_bin_put_u32(w, (uint32_t)es->s.patience);
    nnrt_bin_put_u32(w, (uint32_t)es->s.monitor);
    nnrt_bin_put_f64(w, es->best);
    nnrt_bin_put_u32(w, (uint32_t)es->best_epoch);
    nnrt_bin_put_u32(w, (uint32_t)es->wait);
}

static void put_tensors(nnrt_bin_writer *w, const nnrt_model *m, const nnrt_checkpoint *c)
{
    const nnrt_optim_state *st = c->optim;
    const nnrt_early_stopping *es = c->early;
    nnrt_bin_put_u32(w, (uint32_t)m->n_params);
    size_t best_at = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        size_t n = (size_t)t->size;
        nnrt_bin_put_text(w, t->name);
        nnrt_bin_put_u32(w, (uint32_t)t->ndims);
        for (int d = 0; d < t->ndims; d++)
            nnrt_bin_put_u32(w, (uint32_t)t->dims[d]);
        nnrt_bin_put_u32(w, t->grad ? 1 : 0);
        nnrt_bin_put_f32s(w, t->value, n);
        if (t->grad && st->m1)
            nnrt_bin_put_f32s(w, st->m1[p], n);
        if (t->grad && st->m2)
            nnrt_bin_put_f32s(w, st->m2[p], n);
        if (es->s.patience > 0)
            nnrt_bin_put_f32s(w, es->best_values + best_at, n);
        best_at += n;
    }
}

/* Everything after the header and before the checksum. */
static void put_body(nnrt_bin_writer *w, const nnrt_model *m, const nnrt_checkpoint *c)
{
    nnrt_bin_put_text(w, m->name);
    nnrt_bin_put_text(w, m->model_hash ? m->model_hash : "");
    nnrt_bin_put_u32(w, (uint32_t)c->epochs);
    nnrt_bin_put_u32(w, (uint32_t)c->batch);
    nnrt_bin_put_f32(w, c->lr);
    nnrt_bin_put_u64(w, c->seed);
    nnrt_bin_put_u32(w, (uint32_t)c->limit);
    nnrt_bin_put_u32(w, (uint32_t)c->epochs_done);
    put_partial(w, c->partial);
    put_rng(w, c->shuffle);
    put_rng(w, c->dropout);
    put_rng(w, c->augment);
    put_states(w, c);
    nnrt_bin_put_u32(w, (uint32_t)c->n_order);
    nnrt_bin_put_ints(w, c->order, (size_t)c->n_order);
    nnrt_bin_put_u32(w, (uint32_t)c->epochs_done);
    for (int i = 0; i < c->epochs_done; i++)
        put_row(w, &c->rows[i]);
    put_tensors(w, m, c);
}

int nnrt_checkpoint_save(const nnrt_model *m, const char *path, const nnrt_checkpoint *c,
                         nnrt_error *err)
{
    nnrt_bin_writer count;
    nnrt_bin_count_only(&count);
    put_body(&count, m, c);
    uint64_t size = HEADER_BYTES + count.bytes + 4;

    nnrt_afile f;   /* on the stack: this runs inside the epoch loop */
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_bin_writer w;
    nnrt_bin_write_to_file(&w, &f);
    nnrt_bin_put(&w, MAGIC, 4);
    nnrt_bin_put_u32(&w, VERSION);
    nnrt_bin_put_u64(&w, size);
    put_body(&w, m, c);
    nnrt_bin_put_crc(&w);
    if (w.bytes != size) {   /* two walks over the same state cannot differ */
        nnrt_afile_abort(&f);
        return nnrt_fail(err, "%s: internal error: %llu bytes written, %llu counted", path,
                         (unsigned long long)w.bytes, (unsigned long long)size);
    }
    return nnrt_afile_commit(&f, err);
}

/* ---- reading ----------------------------------------------------------- */

/* The reader and the file's version, once check_integrity has read it. */
typedef struct reader {
    nnrt_bin_reader in;
    uint32_t version;
} reader;

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* The size the header states against the file's; r->len stops before
 * the checksum when all is well. */
static int check_size(nnrt_bin_reader *r, uint64_t size)
{
    if (size < r->len)
        return nnrt_bin_fail(r, (size_t)size, "unexpected data after the checksum (%llu bytes)",
                             (unsigned long long)(r->len - size));
    if (size > r->len)
        return nnrt_bin_fail(r, r->len, "truncated: the header says the checkpoint has %llu "
                             "bytes, the file ends after %zu", (unsigned long long)size, r->len);
    if (r->len < HEADER_BYTES + 4)
        return nnrt_bin_fail(r, 8, "a size of %zu bytes leaves no room for the checksum",
                             r->len);
    return nnrt_bin_check_crc(r, "the file is damaged");
}

/* Magic, version, size and checksum: is this an undamaged checkpoint? */
static int check_integrity(reader *rd)
{
    nnrt_bin_reader *r = &rd->in;
    const unsigned char *magic = nnrt_bin_bytes(r, 4, "magic number");
    if (magic && memcmp(magic, MAGIC, 4) != 0)
        return nnrt_bin_fail(r, 0, "not an nnc checkpoint (no '%s' at the start)", MAGIC);
    rd->version = nnrt_bin_u32(r, "header");
    if (nnrt_bin_ok(r) == 0 && (rd->version < FIRST_VERSION || rd->version > VERSION))
        return nnrt_bin_fail(r, 4, "format version %u; this trainer reads versions %u to %u",
                             rd->version, FIRST_VERSION, VERSION);
    uint64_t size = nnrt_bin_u64(r, "header");
    if (nnrt_bin_ok(r) != 0)
        return -1;
    return check_size(r, size);
}

/* The epoch in progress into f->partial (all 0 in a version 1 file):
 * what a run stopped between two batches had added up so far. */
static int read_partial(reader *rd, nnrt_checkpoint_file *f)
{
    nnrt_bin_reader *r = &rd->in;
    nnrt_epoch_sums *p = &f->partial;
    memset(p, 0, sizeof *p);
    f->partial_at = r->pos;
    if (rd->version < 2)
        return 0;
    const char *what = "the epoch in progress";
    uint32_t batches = nnrt_bin_u32(r, what);
    p->loss_sum = nnrt_bin_f64(r, what);
    uint64_t right = nnrt_bin_u64(r, what);
    p->tally.abs_err = nnrt_bin_f64(r, what);
    p->tally.sq_err = nnrt_bin_f64(r, what);
    p->seconds = nnrt_bin_f64(r, what);
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if (batches > 0 && f->epochs_done >= f->epochs)
        return nnrt_bin_fail(r, f->partial_at, "%u batches into epoch %d of a run of %d",
                             batches, f->epochs_done + 1, f->epochs);
    /* sums of batches that were all finite, so finite; errors and seconds
     * not negative; all 0 when no batch is done */
    int idle = batches == 0 && (p->loss_sum != 0 || right != 0 || p->tally.abs_err != 0 ||
                                p->tally.sq_err != 0 || p->seconds != 0);
    if (idle || batches > 0x7fffffff || !isfinite(p->loss_sum) ||
        right > (uint64_t)batches * f->batch || !(p->tally.abs_err >= 0) ||
        !isfinite(p->tally.abs_err) || !(p->tally.sq_err >= 0) || !isfinite(p->tally.sq_err) ||
        !(p->seconds >= 0) || !isfinite(p->seconds))
        return nnrt_bin_fail(r, f->partial_at, "the sums of the epoch in progress are out of "
                             "range (%u batches, loss sum %g, %llu right)", batches,
                             p->loss_sum, (unsigned long long)right);
    p->batches = (int)batches;
    p->tally.correct = (long)right;
    return 0;
}

/* The model's name and the source's digest: m's, and readable. */
static int read_identity(nnrt_bin_reader *r, const nnrt_model *m, nnrt_checkpoint_file *f)
{
    size_t at = r->pos;
    uint32_t name_len, sha_len;
    const char *name = nnrt_bin_text(r, "model name", &name_len);
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if (name_len != strlen(m->name) || memcmp(name, m->name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_bin_fail(r, at, "a checkpoint of model '%.*s'; this trainer trains '%s'",
                                 (int)name_len, name, m->name);
        return nnrt_bin_fail(r, at, "the model's name is not readable");
    }
    at = r->pos;
    const char *sha = nnrt_bin_text(r, "source digest", &sha_len);
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if (sha_len >= sizeof f->sha256 || !printable(sha, sha_len))
        return nnrt_bin_fail(r, at, "the source digest is not readable");
    memcpy(f->sha256, sha, sha_len);
    f->sha256[sha_len] = '\0';
    return 0;
}

/* The model's name and source, the settings, the epochs done and the
 * epoch in progress into f. */
static int read_head(reader *rd, const nnrt_model *m, nnrt_checkpoint_file *f)
{
    nnrt_bin_reader *r = &rd->in;
    if (read_identity(r, m, f) != 0)
        return -1;
    size_t at = r->pos;
    uint32_t epochs = nnrt_bin_u32(r, "settings");
    uint32_t batch = nnrt_bin_u32(r, "settings");
    f->lr = nnrt_bin_f32(r, "settings");
    f->seed = nnrt_bin_u64(r, "settings");
    uint32_t limit = nnrt_bin_u32(r, "settings");
    uint32_t done = nnrt_bin_u32(r, "settings");
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if (epochs < 1 || epochs > 1000000 || batch < 1 || batch > (uint32_t)m->max_batch ||
        !(f->lr > 0) || !isfinite(f->lr) || limit > 0x7fffffff)
        return nnrt_bin_fail(r, at, "settings out of range (epochs %u, batch %u, lr %g, "
                             "limit %u)", epochs, batch, (double)f->lr, limit);
    if (done > epochs)
        return nnrt_bin_fail(r, r->pos - 4, "%u epochs done of a run of %u", done, epochs);
    f->epochs = (int)epochs;
    f->batch = (int)batch;
    f->limit = (int)limit;
    f->epochs_done = (int)done;
    return read_partial(rd, f);
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
    reader r = { 0 };
    nnrt_bin_reader_init(&r.in, f->path, f->bytes, f->len, err);
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

/* ---- loading ----------------------------------------------------------- */

static const char *optimizer_name(uint32_t kind)
{
    const char *word = nnrt_optimizer_word((nnrt_optimizer_kind)kind);
    return word ? word : "unknown";
}

static void read_rng(nnrt_bin_reader *r, nnrt_rng *out)
{
    uint64_t s0 = nnrt_bin_u64(r, "generator state");
    uint64_t s1 = nnrt_bin_u64(r, "generator state");
    if (nnrt_bin_ok(r) == 0 && s0 == 0 && s1 == 0)
        nnrt_bin_fail(r, r->pos - 16, "a generator state of zero");
    if (out && nnrt_bin_ok(r) == 0) {
        out->s[0] = s0;
        out->s[1] = s1;
    }
}

/* Optimizer, schedule and early stopping: the same kinds as m's. */
static int read_states(nnrt_bin_reader *r, const nnrt_model *m, nnrt_checkpoint *c, int copy,
                       uint32_t *buffers)
{
    size_t at = r->pos;
    uint32_t kind = nnrt_bin_u32(r, "optimizer state");
    *buffers = nnrt_bin_u32(r, "optimizer state");
    uint64_t step = nnrt_bin_u64(r, "optimizer state");
    int want = c->optim->m2 ? 2 : c->optim->m1 ? 1 : 0;
    if (nnrt_bin_ok(r) == 0 &&
        (kind != (uint32_t)m->optimizer.kind || *buffers != (uint32_t)want))
        return nnrt_bin_fail(r, at, "the optimizer state of %s (%u buffers a tensor); this "
                             "trainer's optimizer is %s", optimizer_name(kind), *buffers,
                             optimizer_name((uint32_t)m->optimizer.kind));
    at = r->pos;
    uint32_t sched_kind = nnrt_bin_u32(r, "schedule state");
    float plateau_lr = nnrt_bin_f32(r, "schedule state");
    double best = nnrt_bin_f64(r, "schedule state");
    uint32_t wait = nnrt_bin_u32(r, "schedule state");
    if (nnrt_bin_ok(r) == 0 && sched_kind != (uint32_t)m->schedule.kind)
        return nnrt_bin_fail(r, at, "the state of another learning-rate schedule than this "
                             "trainer's");
    at = r->pos;
    uint32_t patience = nnrt_bin_u32(r, "early stopping state");
    nnrt_bin_u32(r, "early stopping state");   /* the monitor: the model's own */
    double es_best = nnrt_bin_f64(r, "early stopping state");
    uint32_t best_epoch = nnrt_bin_u32(r, "early stopping state");
    uint32_t es_wait = nnrt_bin_u32(r, "early stopping state");
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if ((patience > 0) != (m->early_stop.patience > 0))
        return nnrt_bin_fail(r, at, "a run %s early stopping; this trainer's model has %s",
                             patience ? "with" : "without",
                             m->early_stop.patience ? "an early_stop" : "none");
    if (best_epoch > (uint32_t)c->epochs)
        return nnrt_bin_fail(r, r->pos - 8, "best epoch %u of a run of %d", best_epoch,
                             c->epochs);
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

static int read_rows(nnrt_bin_reader *r, nnrt_checkpoint *c, int done, int copy)
{
    size_t at = r->pos;
    uint32_t n = nnrt_bin_u32(r, "curve row count");
    if (nnrt_bin_ok(r) == 0 && n != (uint32_t)done)
        return nnrt_bin_fail(r, at, "%u curve rows after %d epochs", n, done);
    for (uint32_t i = 0; i < n && nnrt_bin_ok(r) == 0; i++) {
        at = r->pos;
        uint32_t epoch = nnrt_bin_u32(r, "curve row");
        uint32_t flags = nnrt_bin_u32(r, "curve row");
        double v[ROW_DOUBLES];
        for (int k = 0; k < ROW_DOUBLES; k++)
            v[k] = nnrt_bin_f64(r, "curve row");
        if (nnrt_bin_ok(r) == 0 && epoch != i + 1)
            return nnrt_bin_fail(r, at, "curve row %u is of epoch %u", i + 1, epoch);
        if (!copy || nnrt_bin_ok(r) != 0)
            continue;
        c->rows[i] = (nnrt_epoch_stats){
            .epoch = (int)epoch, .has_val = (flags & 1) != 0, .regress = (flags & 2) != 0,
            .loss = v[0], .accuracy = v[1], .mae = v[2], .rmse = v[3], .val_loss = v[4],
            .val_accuracy = v[5], .val_mae = v[6], .val_rmse = v[7], .seconds = v[8],
        };
    }
    return nnrt_bin_ok(r);
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
static int check_tensor_header(nnrt_bin_reader *r, const nnrt_param *t, const char *want_name,
                               int p)
{
    size_t at = r->pos;
    uint32_t name_len, dims[4] = { 0 }, want[4] = { 0 };
    const char *name = nnrt_bin_text(r, "tensor name", &name_len);
    if (nnrt_bin_ok(r) != 0)
        return -1;
    if (name_len != strlen(want_name) || memcmp(name, want_name, name_len) != 0) {
        if (name_len <= 64 && printable(name, name_len))
            return nnrt_bin_fail(r, at, "tensor %d is '%.*s'; the model's is '%s'", p + 1,
                                 (int)name_len, name, want_name);
        return nnrt_bin_fail(r, at, "tensor %d has no readable name; the model's is '%s'",
                             p + 1, want_name);
    }
    at = r->pos;
    uint32_t ndims = nnrt_bin_u32(r, "dimension count");
    int same = ndims == (uint32_t)t->ndims;
    for (uint32_t d = 0; d < ndims && d < 4; d++)
        dims[d] = nnrt_bin_u32(r, "dimensions");
    if (nnrt_bin_ok(r) != 0)
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
        return nnrt_bin_fail(r, at, "%s has shape %s; the model's is %s", t->name, got,
                             expected);
    }
    at = r->pos;
    uint32_t trained = nnrt_bin_u32(r, "tensor kind");
    if (nnrt_bin_ok(r) == 0 && trained != (t->grad ? 1u : 0u))
        return nnrt_bin_fail(r, at, "%s is %s here; the model %s", t->name,
                             trained ? "a trained parameter" : "state",
                             t->grad ? "trains it" : "keeps it as state");
    return nnrt_bin_ok(r);
}

static int read_tensors(reader *rd, const nnrt_model *m, nnrt_checkpoint *c, uint32_t buffers,
                        int copy)
{
    nnrt_bin_reader *r = &rd->in;
    size_t at = r->pos;
    uint32_t count = nnrt_bin_u32(r, "tensor count");
    if (nnrt_bin_ok(r) == 0 && count != (uint32_t)m->n_params)
        return nnrt_bin_fail(r, at, "%u tensors; the model has %d", count, m->n_params);
    int early = m->early_stop.patience > 0;
    size_t best_at = 0;
    for (int p = 0; p < m->n_params && nnrt_bin_ok(r) == 0; p++) {
        const nnrt_param *t = &m->params[p];
        size_t n = (size_t)t->size;
        const char *want_name = nnrt_param_file_name(m, p, rd->version < STABLE_NAMES_VERSION);
        if (check_tensor_header(r, t, want_name, p) != 0)
            return -1;
        char what[128];
        snprintf(what, sizeof what, "%s values", t->name);
        nnrt_bin_f32s(r, what, copy ? t->value : NULL, n);
        for (uint32_t b = 0; t->grad && b < buffers; b++) {
            float *buf = b == 0 ? c->optim->m1[p] : c->optim->m2[p];
            snprintf(what, sizeof what, "%s optimizer state", t->name);
            nnrt_bin_f32s(r, what, copy ? buf : NULL, n);
        }
        snprintf(what, sizeof what, "%s values at the best epoch", t->name);
        if (early)
            nnrt_bin_f32s(r, what, copy ? c->early->best_values + best_at : NULL, n);
        best_at += n;
    }
    if (nnrt_bin_ok(r) == 0 && r->pos != r->len)
        return nnrt_bin_fail(r, r->pos, "unexpected data after the last tensor (%zu bytes)",
                             r->len - r->pos);
    return nnrt_bin_ok(r);
}

/* The shuffle order: a permutation of 0 .. n-1 (checked before copying),
 * or batches would read past the data. */
static int read_order(nnrt_bin_reader *r, nnrt_checkpoint *c, int copy)
{
    size_t at = r->pos;
    uint32_t n_order = nnrt_bin_u32(r, "shuffle order length");
    if (nnrt_bin_ok(r) == 0 && n_order != (uint32_t)c->n_order)
        return nnrt_bin_fail(r, at, "the run shuffled %u training samples; the data now gives %d",
                             n_order, c->n_order);
    at = r->pos;
    const unsigned char *order = nnrt_bin_bytes(r, 4 * (size_t)c->n_order, "shuffle order");
    for (int i = 0; order && i < c->n_order; i++) {
        uint32_t k = nnrt_bin_le32(order + 4 * (size_t)i);
        if (k >= (uint32_t)c->n_order)
            return nnrt_bin_fail(r, at + 4 * (size_t)i, "sample %u in a shuffle of %d", k,
                                 c->n_order);
        if (copy)
            c->order[i] = (int)k;
    }
    return nnrt_bin_ok(r);
}

/* The whole file after the head; copies into m and c only when copy is set. */
static int walk(reader *rd, const nnrt_model *m, const nnrt_checkpoint_file *f,
                nnrt_checkpoint *c, int copy)
{
    nnrt_bin_reader *r = &rd->in;
    read_rng(r, copy ? c->shuffle : NULL);
    read_rng(r, copy ? c->dropout : NULL);
    read_rng(r, copy ? c->augment : NULL);
    uint32_t buffers;
    if (nnrt_bin_ok(r) != 0 || read_states(r, m, c, copy, &buffers) != 0 ||
        read_order(r, c, copy) != 0)
        return -1;
    /* the epoch in progress stopped between two of its batches, before its last */
    int steps = (c->n_order + f->batch - 1) / f->batch;
    if (f->partial.batches >= steps)
        return nnrt_bin_fail(r, f->partial_at, "%d batches into an epoch of %d",
                             f->partial.batches, steps);
    if (read_rows(r, c, f->epochs_done, copy) != 0)
        return -1;
    return read_tensors(rd, m, c, buffers, copy);
}

int nnrt_checkpoint_load(const nnrt_model *m, const nnrt_checkpoint_file *f, nnrt_checkpoint *c,
                         nnrt_error *err)
{
    reader r = { 0 };
    nnrt_bin_reader_init(&r.in, f->path, f->bytes, f->len, err);
    nnrt_checkpoint_file head;
    if (check_integrity(&r) != 0 || read_head(&r, m, &head) != 0)
        return -1;
    size_t body = r.in.pos;
    if (walk(&r, m, f, c, 0) != 0)
        return -1;
    r.in.pos = body;
    if (walk(&r, m, f, c, 1) != 0)
        return -1;
    c->epochs_done = f->epochs_done;
    *c->partial = f->partial;
    return 0;
}
