/* dist_check.c: the ranks of a job agree that they can train, and train
 * the same thing (dist.h, nnrt_dist_agree).
 *
 * Every rank runs the same loop on its own copy of the model and the
 * data, and only shards' results cross between ranks: a rank that
 * failed to start would leave the others waiting in a collective for
 * ever, and a rank with another model or other data would silently mix
 * its gradients into theirs.  So train's start ends with one collective
 * in which every rank tells every other:
 *
 *   - whether it started, and if not the error it would have printed;
 *   - its model hash (the .nn file's meaning);
 *   - a fingerprint of its trainer binary (its size and CRC-32): the bits
 *     are promised for one program, and two builds of one .nn file may
 *     differ (another nnc, runtime, compiler or flags).  The binary
 *     rather than the generated C, because the C is not all that runs;
 *     the cost is that every host must run the same file (docs/parallel.md);
 *   - its settings (epochs, batch, learning rate, seed, limit): ranks
 *     started with other options would mix other runs' gradients;
 *   - a CRC-32 of the train set and of the test set as loaded (after
 *     --limit): the same file names may hold other data on another host.
 *
 * Each rank then reads the same table in the same order and reaches the
 * same verdict, so all go on or all stop, with no further message: rank 0
 * prints the one line that names the first rank that failed or differs,
 * its host, and what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dist.h"
#include "nnrt_internal.h"

/* What one rank tells the others: fixed size, zeroed first, so that the
 * comparison of two is a comparison of fields */
typedef struct facts {
    int failed;
    char host[64];
    char model_hash[72];
    unsigned long long binary_bytes;
    unsigned long binary_crc;
    char settings[160];         /* "" when not compared */
    int has_data;
    unsigned long data_crc[2];  /* train, test */
    char error[sizeof ((nnrt_error *)0)->msg];
} facts;

void nnrt_dist_host(char *name, size_t len)
{
    if (gethostname(name, len) != 0 || !name[0])
        snprintf(name, len, "?");
    name[len - 1] = '\0';
}

static unsigned long crc_of(unsigned long crc, const void *bytes, size_t len)
{
    return crc32_z(crc, bytes, len);
}

/* The trainer binary's size and CRC-32; 0 and 0 if it cannot be read */
static void fingerprint_binary(facts *f)
{
    unsigned char *bytes;
    size_t len;
    nnrt_error ignored;
    if (nnrt_read_file("/proc/self/exe", &bytes, &len, NULL, &ignored) != 0)
        return;
    f->binary_bytes = len;
    f->binary_crc = crc_of(crc32_z(0, NULL, 0), bytes, len);
    free(bytes);
}

/* A set's samples as the trainer sees them: IDX bytes, or CSV values */
static unsigned long checksum_set(const nnrt_dataset *ds)
{
    unsigned long crc = crc32_z(0, NULL, 0);
    size_t n = ds->n_samples > 0 ? (size_t)ds->n_samples : 0;
    crc = crc_of(crc, &ds->n_samples, sizeof ds->n_samples);
    if (ds->pixels)
        crc = crc_of(crc, ds->pixels, n * ds->sample_bytes);
    if (ds->labels)
        crc = crc_of(crc, ds->labels, n);
    if (ds->features)
        crc = crc_of(crc, ds->features, n * (size_t)ds->n_features * sizeof *ds->features);
    if (ds->targets)
        crc = crc_of(crc, ds->targets, n * (size_t)ds->n_targets * sizeof *ds->targets);
    return crc;
}

static void gather_own(facts *f, const nnrt_model *m, int rc, const nnrt_error *err,
                       const nnrt_dataset *const sets[2], const char *settings)
{
    memset(f, 0, sizeof *f);
    f->failed = rc != 0;
    nnrt_dist_host(f->host, sizeof f->host);
    snprintf(f->model_hash, sizeof f->model_hash, "%s", m->model_hash ? m->model_hash : "");
    fingerprint_binary(f);
    if (rc != 0)
        snprintf(f->error, sizeof f->error, "%s", err->msg);
    if (settings)
        snprintf(f->settings, sizeof f->settings, "%s", settings);
    if (rc == 0 && sets) {
        f->has_data = 1;
        for (int i = 0; i < 2; i++)   /* a set not given: 0 on every rank */
            f->data_crc[i] = sets[i] ? checksum_set(sets[i]) : 0;
    }
}

/* What makes rank r's facts g differ from rank 0's f, as the end of a
 * sentence into why; 0 if nothing */
static int differs(const facts *f, const facts *g, const nnrt_model *m,
                   const nnrt_dataset *const sets[2], char *why, size_t len)
{
    if (strcmp(f->model_hash, g->model_hash) != 0)
        snprintf(why, len, "runs another model: model hash %.12s..., rank 0's %.12s... (%s)",
                 g->model_hash, f->model_hash, m->source ? m->source : m->name);
    else if (f->binary_bytes != g->binary_bytes || f->binary_crc != g->binary_crc)
        snprintf(why, len, "runs another trainer binary (%llu bytes, CRC-32 %08lx; rank 0's: "
                           "%llu bytes, %08lx): run one build of the trainer on every rank",
                 g->binary_bytes, g->binary_crc, f->binary_bytes, f->binary_crc);
    else if (strcmp(f->settings, g->settings) != 0)
        snprintf(why, len, "runs with other settings (%s; rank 0's: %s)", g->settings,
                 f->settings);
    else if (f->has_data && g->has_data && f->data_crc[0] != g->data_crc[0])
        snprintf(why, len, "has another training set (CRC-32 %08lx, rank 0's %08lx, of %.400s)",
                 g->data_crc[0], f->data_crc[0], sets[0]->path);
    else if (f->has_data && g->has_data && f->data_crc[1] != g->data_crc[1])
        snprintf(why, len, "has another test set (CRC-32 %08lx, rank 0's %08lx, of %.400s)",
                 g->data_crc[1], f->data_crc[1], sets[1]->path);
    else
        return 0;
    return 1;
}

/* The first rank that failed, else the first that differs from rank 0: its
 * index, and what into why; -1 if none */
static int first_trouble(const facts *all, int ranks, const nnrt_model *m,
                         const nnrt_dataset *const sets[2], char *why, size_t len)
{
    for (int r = 0; r < ranks; r++)
        if (all[r].failed) {
            snprintf(why, len, "%s", all[r].error);
            return r;
        }
    for (int r = 1; r < ranks; r++)
        if (differs(&all[0], &all[r], m, sets, why, len))
            return r;
    return -1;
}

/* The CRC-32 of every tensor's values, in the model's order */
static unsigned long weights_crc(const nnrt_model *m)
{
    unsigned long crc = crc32_z(0, NULL, 0);
    for (int i = 0; i < m->n_params; i++)
        crc = crc_of(crc, m->params[i].value, (size_t)m->params[i].size * sizeof(float));
    return crc;
}

int nnrt_dist_agree_weights(const nnrt_model *m, int rc, const nnrt_error *err,
                            const nnrt_dataset *test, const char *what)
{
    if (nnrt_dist_ranks() == 1)
        return rc;
    char settings[160];
    snprintf(settings, sizeof settings, "%s, weights CRC-32 %08lx", what,
             rc == 0 ? weights_crc(m) : 0ul);
    const nnrt_dataset *sets[2] = { NULL, test };
    return nnrt_dist_agree(m, rc, err, test ? sets : NULL, settings);
}

int nnrt_dist_agree(const nnrt_model *m, int rc, const nnrt_error *err,
                    const nnrt_dataset *const sets[2], const char *settings)
{
    int ranks = nnrt_dist_ranks(), rank = nnrt_dist_rank();
    if (ranks == 1)
        return rc;
    facts *all = calloc((size_t)ranks, sizeof *all);
    if (!all) {
        fprintf(stderr, "%s: rank %d: out of memory to compare the ranks\n", m->name, rank);
        return nnrt_dist_end(2, 0);   /* ends every rank */
    }
    /* a rank that failed has no data to compare, and rank 0 compares with
     * its own: without both, data is not compared at all */
    gather_own(&all[rank], m, rc, err, sets, settings);
    nnrt_dist_allgather(all, sizeof *all, ranks);
    char why[1024];
    int bad = first_trouble(all, ranks, m, sets, why, sizeof why);
    if (bad >= 0 && rank == 0) {
        fflush(stdout);
        fprintf(stderr, "%s: error: rank %d of %d (host %s) %s%s\n", m->name, bad, ranks,
                all[bad].host, all[bad].failed ? "could not start: " : "", why);
        fflush(stderr);
    }
    free(all);
    return bad >= 0 ? NNRT_DIST_FAILED : 0;
}
