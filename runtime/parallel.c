/* parallel.c: every batch cut into shards, the shards run on a pool of
 * threads (and, in an MPI job, shared out among the ranks), their
 * gradients summed in a fixed order and the optimizer's step taken in
 * fixed pieces (docs/parallel.md).
 *
 * The generated file says how many shards a batch is cut into (MODEL's
 * .shards, chosen by nnc from the batch) and how many rows a replica holds
 * (.shard_rows); the runtime makes one replica per shard.  A batch of n
 * rows is cut into S shards of n / S rows, the first n % S of them one row
 * more (so an empty shard, when n < S, is among the last): the boundaries
 * depend on n and S only, never on the number of threads or ranks.  Each
 * shard runs forward, loss and backward on its own replica, on whichever
 * thread; its loss is a double of its own, its gradients in its replica.
 * Rank r of R runs shards [S r / R, S (r + 1) / R) and one collective a
 * batch (dist.h) gives every rank every shard's loss, outputs and
 * gradients, each shard's in a slot of one buffer.
 *
 * Then the step, in chunks: each trained tensor is cut into pieces of
 * CHUNK values (whole rows for a gradient by rows), which the threads take
 * in turn.  For each piece, its gradient
 *
 *     g = sum over shards s, in order, of (n_s / n) g_s
 *
 * (each g_s the gradient of its shard's mean loss) is written into shard
 * 0's replica, or for a gradient by rows (a dense layer's dW, nnrt.h:
 * grad_rows) computed over every shard in order, into a place of the
 * worker's own (make_chunk_grads); then the optimizer updates the piece
 * while it is in cache.  Every value is summed and
 * updated by the same code in the same order whatever the thread, and the
 * losses are added in shard order.  Dropout draws, for each batch and
 * shard, from a generator seeded from the run's dropout stream and the
 * shard's index.  So the weights, the curve and the checkpoint are the
 * same bits for any --threads and any number of ranks.
 *
 * With one shard used the run's dropout generator goes to forward as it
 * is.
 *
 * A model with a trained batchnorm has its forward and backward in stages
 * (nnrt.h: nnrt_stage): the shards run a stage, the stage's meet combines
 * their sums (gathered from every rank first), then the next stage.  So a
 * batch is a few legs of work on the pool instead of one.
 *
 * When a rank runs a batch as one shard, that shard runs on the calling
 * thread and the other threads are free: the products that go by blocks of
 * a tensor's rows (nnrt.h: nnrt_each_block) share its blocks out among
 * them, block b on the thread that also updates block b in the step.
 *
 * The batch the runtime fills (nnrt_input, nnrt_target) and reads
 * (nnrt_output) is a buffer of max_batch rows of its own; each shard's
 * rows are copied into its replica and its outputs back (with one shard
 * as big as the batch, the input and targets are the replica's own,
 * filled in place).  Everything is allocated when a model is first run,
 * and the threads are made then: the training loop allocates nothing. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dist.h"
#include "nnrt_internal.h"
#include "optim.h"
#include "pool.h"

/* ---- the state: replicas, the batch's buffers, the pool ------------------ */

/* A shard's slot: what it sends to the other ranks after its forward (and
 * backward): its loss, its output rows, then, when training, its
 * gradients, every trained tensor's in PARAMS order.  Slots are laid end to
 * end in one buffer, one per shard, so a batch is one collective. */
typedef struct par_state {
    const nnrt_model *m;        /* whose replicas these are */
    size_t replica_size;
    int shards, shard_rows;
    nnrt_replica **replicas;    /* one per shard */
    float *input, *output, *target;   /* the batch: max_batch rows each */
    int rows_in_replica;        /* input and target are replica 0's own */
    double *losses;             /* per shard */
    float *weights;             /* per shard: its rows / the batch's, for the sum */
    nnrt_rng *rngs;             /* per shard: its dropout draws for this batch */
    int *rows;                  /* per shard: its rows in this batch */
    double *share;              /* per shard: its rows / the batch's, for grad_rows */
    long slot_grads;            /* floats of a slot's gradients, and */
    long slot_widths;           /* per row, of its operands of gradients by rows */
    char *slots;                /* shards * slot_bytes(.., 1); NULL on one rank */
    struct chunk *chunks;       /* the step's pieces (chunk_values), in PARAMS order */
    float *chunk_grads;         /* per worker, a piece's gradient by rows (sum_chunk) */
    long chunk_grad_values;     /* floats of each: the largest such piece */
    int chunk_grad_lanes;       /* how many: the most workers useful_threads allows */
    nnrt_stage whole[2];        /* forward, backward as one stage each, */
    const nnrt_stage *stages[2];   /* or the model's stages */
    int n_stages[2];
    double *meet_sums;          /* shards * the most sums of a meet; NULL on one rank */
    long n_chunks;
    int threads_asked;          /* 0: the cores this process may run on */
    nnrt_pool pool;
} par_state;

static par_state state = { .pool = { .workers = 1 } };

static void fail_memory(const nnrt_model *m)
{
    fprintf(stderr, "%s: out of memory for its buffers (%d replicas of %zu bytes)\n", m->name,
            m->shards > 0 ? m->shards : 1, m->replica_size);
    exit(2);
}

static void release(par_state *s)
{
    for (int i = 0; s->replicas && i < s->shards; i++)
        nnrt_free_lines(s->replicas[i]);
    free(s->replicas);
    if (!s->rows_in_replica) {
        free(s->input);
        free(s->target);
    }
    free(s->output);
    free(s->losses);
    free(s->weights);
    free(s->rngs);
    free(s->rows);
    free(s->share);
    free(s->slots);
    free(s->chunks);
    nnrt_free_lines(s->chunk_grads);
    s->chunk_grads = NULL;
    free(s->meet_sums);
    s->meet_sums = NULL;
    s->replicas = NULL;
    s->input = s->output = s->target = NULL;
    s->losses = NULL;
    s->weights = NULL;
    s->rngs = NULL;
    s->rows = NULL;
    s->share = NULL;
    s->slots = NULL;
    s->chunks = NULL;
    s->m = NULL;
}

int nnrt_default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > NNRT_POOL_MAX ? NNRT_POOL_MAX : n;
}

/* The most blocks of rows any tensor has (nnrt.h: block_rows) */
static int most_blocks(const nnrt_model *m)
{
    int most = 1;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        int rows = t->block_rows > 0 ? t->block_rows : t->dims[0];
        int blocks = t->grad_rows && rows > 0 ? (t->dims[0] + rows - 1) / rows : 1;
        most = blocks > most ? blocks : most;
    }
    return most;
}

/* The workers: the threads asked for, but no more than this rank's shards
 * or the blocks of its largest tensor by rows, whichever is more.  A
 * thread beyond both would only share the optimizer's step, and the
 * weights that one core updates must then travel to the core that runs
 * the next forward: on the 2-core development machine that cost more than
 * the step's share gained (docs/parallel.md). */
static int useful_threads(const par_state *s, int threads)
{
    int rank = nnrt_dist_rank(), ranks = nnrt_dist_ranks();
    int mine = nnrt_dist_first(s->shards, rank + 1, ranks) -
               nnrt_dist_first(s->shards, rank, ranks);
    int blocks = most_blocks(s->m);
    mine = mine < blocks ? blocks : mine;
    return threads < mine ? threads : mine;
}

static void make_pool(par_state *s)
{
    int threads = s->threads_asked > 0 ? s->threads_asked : nnrt_default_threads();
    threads = useful_threads(s, threads > NNRT_POOL_MAX ? NNRT_POOL_MAX : threads);
    if (threads == s->pool.workers)
        return;
    nnrt_pool_stop(&s->pool);
    nnrt_pool_start(&s->pool, threads);
}

/* The bytes of a shard's slot, a multiple of 8 so each slot's loss is
 * aligned */
static size_t slot_bytes(const par_state *s, int rows, int with_grads)
{
    size_t floats = (size_t)rows * (size_t)s->m->n_classes +
                    (with_grads ? (size_t)s->slot_grads + (size_t)rows * s->slot_widths : 0);
    return (sizeof(double) + floats * sizeof(float) + 7) / 8 * 8;
}

static int make_chunks(par_state *s);
static int make_chunk_grads(par_state *s);
static float *at(nnrt_replica *r, size_t offset);

/* m's forward and backward as stages: its own, or each whole as one */
static void set_stages(par_state *s)
{
    const nnrt_model *m = s->m;
    s->whole[0] = (nnrt_stage){ .forward = m->forward };
    s->whole[1] = (nnrt_stage){ .backward = m->backward };
    s->stages[0] = m->forward ? &s->whole[0] : m->forward_stages;
    s->stages[1] = m->backward ? &s->whole[1] : m->backward_stages;
    s->n_stages[0] = m->forward ? 1 : m->n_forward_stages;
    s->n_stages[1] = m->backward ? 1 : m->n_backward_stages;
    int most = 0;
    for (int b = 0; b < 2; b++)
        for (int k = 0; k < s->n_stages[b]; k++)
            most = s->stages[b][k].n_sums > most ? s->stages[b][k].n_sums : most;
    if (nnrt_dist_ranks() > 1 && most > 0 &&
        !(s->meet_sums = calloc((size_t)s->shards * (size_t)most, sizeof *s->meet_sums)))
        fail_memory(m);
}

/* The state for m, made at its first use */
static par_state *state_for(const nnrt_model *m)
{
    par_state *s = &state;
    if (s->m == m && s->replica_size == m->replica_size)
        return s;
    release(s);
    /* one BLAS thread per worker: the workers are the parallelism, and
     * OpenBLAS's own threads change a product's bits (tried:
     * fashion_mlp_dropout's weights differed at --threads 2) */
    openblas_set_num_threads(1);
    s->m = m;
    s->replica_size = m->replica_size;
    s->shards = m->shards > 0 ? m->shards : 1;
    s->shard_rows = m->shard_rows > 0 ? m->shard_rows : m->max_batch;
    s->slot_grads = s->slot_widths = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (t->grad_rows)   /* its product's operands, for the shard's rows */
            s->slot_widths += t->dims[0] + t->dims[1];
        else if (t->grad)
            s->slot_grads += t->size;
    }
    size_t rows = (size_t)(m->max_batch > 0 ? m->max_batch : 1);
    s->replicas = calloc((size_t)s->shards, sizeof *s->replicas);
    if (!s->replicas)
        fail_memory(m);
    for (int i = 0; i < s->shards; i++)
        /* zeroed as static buffers were, on a cache line (nnrt.h) */
        if (!(s->replicas[i] = nnrt_calloc_lines(m->replica_size > 0 ? m->replica_size : 1)))
            fail_memory(m);
    /* One shard holding the whole batch: the batch is filled in place, not
     * copied into the replica each step */
    s->rows_in_replica = s->shards == 1 && (size_t)s->shard_rows >= rows;
    if (s->rows_in_replica) {
        s->input = at(s->replicas[0], m->input_at);
        s->target = at(s->replicas[0], m->target_at);   /* used when target_at is set */
    } else {
        s->input = calloc(rows * (size_t)(m->in_size > 0 ? m->in_size : 1), sizeof *s->input);
        s->target = calloc(rows * (size_t)(m->n_classes > 0 ? m->n_classes : 1),
                           sizeof *s->target);
    }
    s->output = calloc(rows * (size_t)(m->n_classes > 0 ? m->n_classes : 1), sizeof *s->output);
    s->losses = calloc((size_t)s->shards, sizeof *s->losses);
    s->weights = calloc((size_t)s->shards, sizeof *s->weights);
    s->rngs = calloc((size_t)s->shards, sizeof *s->rngs);
    s->rows = calloc((size_t)s->shards, sizeof *s->rows);
    s->share = calloc((size_t)s->shards, sizeof *s->share);
    if (!s->input || !s->output || !s->target || !s->losses || !s->weights ||
        !s->rngs || !s->rows || !s->share)
        fail_memory(m);
    if (nnrt_dist_ranks() > 1 &&
        !(s->slots = calloc((size_t)s->shards, slot_bytes(s, s->shard_rows, 1))))
        fail_memory(m);
    set_stages(s);
    if (make_chunks(s) != 0 || make_chunk_grads(s) != 0)
        fail_memory(m);
    make_pool(s);
    return s;
}

void nnrt_set_threads(const nnrt_model *m, int threads)
{
    state.threads_asked = threads;
    make_pool(state_for(m));
}

int nnrt_threads(const nnrt_model *m)
{
    return state_for(m)->pool.workers;
}

static float *at(nnrt_replica *r, size_t offset)
{
    return (float *)(void *)((char *)r + offset);
}

nnrt_replica *nnrt_replica0(const nnrt_model *m)
{
    return state_for(m)->replicas[0];
}

float *nnrt_input(const nnrt_model *m)
{
    return state_for(m)->input;
}

const float *nnrt_output(const nnrt_model *m)
{
    return state_for(m)->output;
}

float *nnrt_target(const nnrt_model *m)
{
    return m->target_at ? state_for(m)->target : NULL;
}

float *nnrt_grad(const nnrt_model *m, const nnrt_param *p)
{
    return p->grad ? at(nnrt_replica0(m), p->grad) : NULL;
}

/* ---- one batch ----------------------------------------------------------- */

/* Optimizer updates go in chunks of this many values of one tensor, each
 * on one thread, summed and updated while in cache.  A multiple of the
 * optimizer's block, and cut from the tensor's start: each value meets the
 * same kernel code, blocked or not, whatever the threads. */
enum { CHUNK = 64 * NNRT_OPT_BLOCK * 4 };   /* 16384 values, 64 KiB */

typedef struct batch_job {
    par_state *s;
    int n, used;                /* rows; shards with rows */
    int mine, mine_end;         /* this rank's shards: [mine, mine_end) */
    int cap;                    /* rows of the biggest shard, the first: a slot's room */
    const int *y;               /* NULL: no loss */
    int training, backward;
    int from, to;               /* the leg: steps [from, to) (step_at) */
    nnrt_rng *rng;              /* the run's dropout generator, or NULL */
    nnrt_optim_state *optim;    /* not NULL: a step after the sum */
    const float **grads;        /* per shard and trained tensor: its gradient */
    int phase;                  /* of step_job: STEP_SUM, STEP_UPDATE or both */
    const float *clip;          /* clip_norm's factor per tensor, after STEP_SUM */
} batch_job;

/* What step_job does to each chunk: sum the shards' gradients, update the
 * parameters from the sum, or both at once.  With clip_norm, every sum
 * must be done before a tensor's norm is known, so the two go apart. */
enum { STEP_SUM = 1, STEP_UPDATE = 2 };

/* The first row of shard s (s == shards: n) */
static int shard_first(int s, int n, int shards)
{
    return s * (n / shards) + (s < n % shards ? s : n % shards);
}

static int shard_rows(int s, int n, int shards)
{
    return shard_first(s + 1, n, shards) - shard_first(s, n, shards);
}

static void copy_rows(float *dst, const float *src, int rows, int width)
{
    if (dst != src)   /* the same: rows filled in place */
        memcpy(dst, src, (size_t)rows * (size_t)width * sizeof *dst);
}

/* A shard's work is a run of steps: forward's stages, then backward's.
 * Step k's stage, and whether a meet ends it in this batch */
static const nnrt_stage *step_at(const par_state *st, int k)
{
    return k < st->n_stages[0] ? &st->stages[0][k] : &st->stages[1][k - st->n_stages[0]];
}

static int meets_after(const batch_job *j, int k)
{
    return step_at(j->s, k)->meet && (j->training || k >= j->s->n_stages[0]);
}

/* Shard s's leg: its rows in, if the leg starts the batch; its steps; its
 * outputs and loss after forward's last */
static void run_shard(const batch_job *j, int s)
{
    par_state *st = j->s;
    const nnrt_model *m = st->m;
    int first = shard_first(s, j->n, st->shards), rows = shard_rows(s, j->n, st->shards);
    if (rows == 0)
        return;
    nnrt_replica *r = st->replicas[s];
    if (j->from == 0) {
        copy_rows(at(r, m->input_at), st->input + (size_t)first * m->in_size, rows, m->in_size);
        if (m->target_at)
            copy_rows(at(r, m->target_at), st->target + (size_t)first * m->n_classes, rows,
                      m->n_classes);
    }
    nnrt_rng *rng = !j->rng ? NULL : j->used == 1 ? j->rng : &st->rngs[s];
    for (int k = j->from; k < j->to; k++) {
        const nnrt_stage *stage = step_at(st, k);
        if (k >= st->n_stages[0]) {
            stage->backward(r, rows);
            continue;
        }
        stage->forward(r, rows, j->training, rng);
        if (k < st->n_stages[0] - 1)
            continue;
        copy_rows(st->output + (size_t)first * m->n_classes, at(r, m->output_at), rows,
                  m->n_classes);
        if (j->y)
            st->losses[s] = m->loss(r, rows, j->y + first);
    }
}

static void shards_job(void *ctx, int w, int workers)
{
    const batch_job *j = ctx;
    for (int s = j->mine + w; s < j->mine_end; s += workers)
        run_shard(j, s);
}

/* ---- a lone shard's products, by blocks ---------------------------------- */

/* Set while a rank's one shard runs on the calling thread: the other
 * workers are free for its products by blocks */
static int blocks_on_pool;

typedef struct block_job {
    nnrt_replica *rep;
    int n, blocks;
    nnrt_block_fn part;
} block_job;

static void blocks_job(void *ctx, int w, int workers)
{
    const block_job *j = ctx;
    for (int b = w; b < j->blocks; b += workers)
        j->part(j->rep, j->n, b);
}

int nnrt_blocks_in_turn(void)
{
    return !(blocks_on_pool && state.pool.workers > 1);
}

void nnrt_each_block(nnrt_replica *rep, int n, int blocks, nnrt_block_fn part)
{
    block_job j = { rep, n, blocks, part };
    if (nnrt_blocks_in_turn())
        blocks_job(&j, 0, 1);
    else
        nnrt_pool_run(&state.pool, blocks_job, &j);
}

/* ---- across ranks -------------------------------------------------------- */

static char *slot_of(const batch_job *j, int s)
{
    return j->s->slots + (size_t)s * slot_bytes(j->s, j->cap, j->backward);
}

/* What a shard sends of tensor t after backward, as one run of floats at
 * f: its gradient, or, for a gradient by rows, the rows' operands x and dz;
 * send 0: the other way, from f into the replica.  Returns the floats. */
static long move_grad(const batch_job *j, const nnrt_param *t, nnrt_replica *r, int rows,
                      float *f, int send)
{
    if (!t->grad_rows) {
        if (send)
            memcpy(f, at(r, t->grad), (size_t)t->size * sizeof *f);
        return t->size;
    }
    float *x = at(r, t->grad_x), *dy = at(r, t->grad_dy);
    float *fx = f, *fdy = f + (size_t)j->cap * (size_t)t->dims[0];
    copy_rows(send ? fx : x, send ? x : fx, rows, t->dims[0]);
    copy_rows(send ? fdy : dy, send ? dy : fdy, rows, t->dims[1]);
    return (long)j->cap * (t->dims[0] + t->dims[1]);
}

/* Shard s's slot from its replica (send), or its replica from the slot:
 * loss, output rows, and, when training, gradients.  A received gradient
 * stays in the slot, pointed at by j->grads. */
static void move_slot(const batch_job *j, int s, int send)
{
    par_state *st = j->s;
    const nnrt_model *m = st->m;
    char *slot = slot_of(j, s);
    memcpy(send ? slot : (char *)&st->losses[s], send ? (char *)&st->losses[s] : slot,
           sizeof(double));
    float *f = (float *)(void *)(slot + sizeof(double));
    int first = shard_first(s, j->n, st->shards), rows = shard_rows(s, j->n, st->shards);
    float *out = st->output + (size_t)first * m->n_classes;
    copy_rows(send ? f : out, send ? out : f, rows, m->n_classes);
    f += (size_t)j->cap * (size_t)m->n_classes;
    for (int p = 0; j->backward && rows > 0 && p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        if (!t->grad)
            continue;
        if (!send && !t->grad_rows)
            j->grads[(size_t)s * m->n_params + p] = f;
        f += move_grad(j, t, st->replicas[s], rows, f, send);
    }
}

/* One collective a batch: every rank gets every shard's slot */
static void gather_shards(const batch_job *j)
{
    for (int s = j->mine; s < j->mine_end; s++)
        move_slot(j, s, 1);
    nnrt_dist_allgather(j->s->slots, slot_bytes(j->s, j->cap, j->backward), j->s->shards);
    for (int s = 0; s < j->s->shards; s++)
        if (s < j->mine || s >= j->mine_end)
            move_slot(j, s, 0);
}

/* A meet (nnrt.h: nnrt_stage): every shard's sums to every rank, then the
 * stage's meet over them all, on this thread */
static void meet(const batch_job *j, const nnrt_stage *stage)
{
    par_state *st = j->s;
    if (nnrt_dist_ranks() > 1) {
        size_t bytes = (size_t)stage->n_sums * sizeof(double);
        for (int s = j->mine; s < j->mine_end; s++)
            memcpy(st->meet_sums + (size_t)s * stage->n_sums, at(st->replicas[s], stage->sums),
                   bytes);
        nnrt_dist_allgather(st->meet_sums, bytes, st->shards);
        for (int s = 0; s < st->shards; s++)
            if (s < j->mine || s >= j->mine_end)
                memcpy(at(st->replicas[s], stage->sums),
                       st->meet_sums + (size_t)s * stage->n_sums, bytes);
    }
    stage->meet(st->replicas, st->rows, st->shards);
}

/* The batch's steps in legs, each ended by a meet: every shard of this
 * rank runs a leg (on the pool, or a lone shard on this thread, its
 * blocks on the pool), then the meet */
static void run_legs(batch_job *j, int steps)
{
    for (j->from = 0; j->from < steps; j->from = j->to) {
        j->to = j->from + 1;
        while (j->to < steps && !meets_after(j, j->to - 1))
            j->to++;
        if (j->mine_end - j->mine == 1) {   /* its blocks may use the threads */
            blocks_on_pool = 1;
            run_shard(j, j->mine);
            blocks_on_pool = 0;
        } else {
            nnrt_pool_run(&j->s->pool, shards_job, j);
        }
        if (meets_after(j, j->to - 1))
            meet(j, step_at(j->s, j->to - 1));
    }
}

/* ---- the sum and the step ---------------------------------------------- */

/* out[i] = sum over shards s, in order, of weight[s] g_s[i], for i in
 * [0, n).  In blocks of constant length with restrict pointers, which gcc
 * vectorizes at -O2 (optim.h says why); each value adds its terms in
 * shard order, blocked or not. */
enum { SUM_BLOCK = NNRT_OPT_BLOCK };

static inline void sum_block(float *restrict out, const float *const *g, const float *weight,
                             int shards, long at)
{
    const float *restrict g0 = g[0] + at;
    for (int k = 0; k < SUM_BLOCK; k++)
        out[k] = weight[0] * g0[k];
    for (int s = 1; s < shards; s++) {
        const float *restrict gs = g[s] + at;
        const float ws = weight[s];
        for (int k = 0; k < SUM_BLOCK; k++)
            out[k] += ws * gs[k];
    }
}

static void weighted_sum(float *out, const float *const *g, const float *weight, int shards,
                         long n)
{
    long i = 0;
    for (; i + SUM_BLOCK <= n; i += SUM_BLOCK)
        sum_block(out + i, g, weight, shards, i);
    for (; i < n; i++) {
        float v = weight[0] * g[0][i];
        for (int s = 1; s < shards; s++)
            v += weight[s] * g[s][i];
        out[i] = v;
    }
}

/* A trained tensor's chunks: CHUNK values each, or for a gradient by rows,
 * the tensor's blocks of rows (nnrt.h: block_rows; nnc chose them so that
 * each starts at a multiple of NNRT_OPT_BLOCK values) */
static long chunk_values(const nnrt_param *t)
{
    if (!t->grad_rows)
        return CHUNK;
    return (long)(t->block_rows > 0 ? t->block_rows : t->dims[0]) * t->dims[1];
}

static long chunks_of(const nnrt_param *t)
{
    return t->grad ? (t->size + chunk_values(t) - 1) / chunk_values(t) : 0;
}

/* The step's pieces, made once: each a trained tensor's values [lo, hi),
 * taken by worker lane % workers.  A tensor by blocks of rows has its
 * block b in lane b, on the worker that runs its block b in forward and
 * backward (nnrt_each_block): its weights stay in that core's cache.  The
 * other chunks are dealt out in turn. */
typedef struct chunk {
    int p;
    long lo, hi;
    long lane;
} chunk;

static int make_chunks(par_state *s)
{
    const nnrt_model *m = s->m;
    s->n_chunks = 0;
    for (int p = 0; p < m->n_params; p++)
        s->n_chunks += chunks_of(&m->params[p]);
    s->chunks = calloc(s->n_chunks > 0 ? (size_t)s->n_chunks : 1, sizeof *s->chunks);
    if (!s->chunks)
        return -1;
    long c = 0, dealt = 0;
    for (int p = 0; p < m->n_params; p++) {
        const nnrt_param *t = &m->params[p];
        for (long i = 0; i < chunks_of(t); i++, c++) {
            long lo = i * chunk_values(t), hi = lo + chunk_values(t);
            s->chunks[c] = (chunk){ p, lo, hi < t->size ? hi : t->size,
                                    t->grad_rows ? i : dealt++ };
        }
    }
    return 0;
}

/* Each worker's piece of a gradient by rows, where a step sums a piece and
 * updates it at once: the piece's gradient is used there and never again,
 * so it need not have a place in the whole tensor's.  One place a worker,
 * reused, keeps a step's footprint a whole gradient smaller: fashion_mlp's
 * dense128 touched W, m, v and dW, 1.6 MB a step, more than a Zen 5 core's
 * 1 MB level 2, which then sent W back to level 3 before the next forward
 * (calloc: a worker's place costs nothing until it is used) */
static int make_chunk_grads(par_state *s)
{
    const nnrt_model *m = s->m;
    s->chunk_grad_values = 0;
    s->chunk_grad_lanes = 0;
    for (int p = 0; p < m->n_params; p++)
        if (m->params[p].grad && m->params[p].grad_rows && chunk_values(&m->params[p]) >
                                                               s->chunk_grad_values)
            s->chunk_grad_values = chunk_values(&m->params[p]);
    if (s->chunk_grad_values == 0)
        return 0;
    s->chunk_grad_lanes = most_blocks(m) > s->shards ? most_blocks(m) : s->shards;
    s->chunk_grads = nnrt_calloc_lines((size_t)s->chunk_grad_lanes *
                                       (size_t)s->chunk_grad_values * sizeof *s->chunk_grads);
    return s->chunk_grads ? 0 : -1;
}

/* One chunk's sum: the batch's gradient of values [lo, hi), into out
 * (value lo's first).  A gradient by rows is computed here, over every
 * shard in order; any other is sum over s of (n_s / n) g_s in shard order,
 * into shard 0's own (each value is read before it is written). */
static void sum_chunk(const batch_job *j, int p, long lo, long hi, float *out)
{
    par_state *st = j->s;
    const nnrt_model *m = st->m;
    const nnrt_param *t = &m->params[p];
    if (t->grad_rows) {
        int row = t->dims[1];
        t->grad_rows(st->replicas, st->rows, st->share, j->used, (int)(lo / row),
                     (int)(hi / row), out);
    } else if (j->used > 1) {
        const float *terms[j->used];
        for (int s = 0; s < j->used; s++)
            terms[s] = j->grads[(size_t)s * m->n_params + p] + lo;
        weighted_sum(out, terms, st->weights, j->used, hi - lo);
    } else if (j->grads[p] + lo != out) {   /* one shard, another rank's */
        memcpy(out, j->grads[p] + lo, (size_t)(hi - lo) * sizeof *out);
    }
}

/* One chunk: its sum, then its clipping (Keras's, if the optimizer has
 * one) and the optimizer's update of it, as j->phase says; by worker w,
 * whose own place holds a gradient by rows summed and updated at once */
static void sum_and_step(const batch_job *j, long c, int w)
{
    par_state *st = j->s;
    int p = st->chunks[c].p;
    long lo = st->chunks[c].lo, hi = st->chunks[c].hi;
    float *g = at(st->replicas[0], st->m->params[p].grad) + lo;
    if (st->m->params[p].grad_rows && j->phase == (STEP_SUM | STEP_UPDATE) && j->optim &&
        w < st->chunk_grad_lanes)
        g = st->chunk_grads + (size_t)w * (size_t)st->chunk_grad_values;
    if (j->phase & STEP_SUM)
        sum_chunk(j, p, lo, hi, g);
    if (!j->optim || !(j->phase & STEP_UPDATE))
        return;
    nnrt_optim_clip(j->optim, g, hi - lo, j->clip ? j->clip[p] : 1.0f);
    nnrt_optim_update(j->optim, st->m, p, lo, hi, g);
}

/* The chunks, taken by the workers by lane: which worker takes which does
 * not change a bit */
static void step_job(void *ctx, int w, int workers)
{
    const batch_job *j = ctx;
    for (long c = 0; c < j->s->n_chunks; c++)
        if (j->s->chunks[c].lane % workers == w)
            sum_and_step(j, c, w);
}

/* The shards with rows: the first min(n, shards) */
static int shards_used(int n, int shards)
{
    return n < shards ? n : shards;
}

/* A batch's dropout: one draw of the run's stream, whatever the shards,
 * seeds every shard's generator */
static void seed_shards(par_state *st, nnrt_rng *rng)
{
    uint64_t high = nnrt_rng_u32(rng);   /* two statements: a fixed order */
    uint64_t key = high << 32 | nnrt_rng_u32(rng);
    for (int s = 0; s < st->shards; s++)
        nnrt_rng_seed(&st->rngs[s], key ^ (UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(s + 1)));
}

static double run(const nnrt_model *m, int n, const int *y, int training, nnrt_rng *rng,
                  int backward, nnrt_optim_state *optim)
{
    par_state *st = state_for(m);
    int rank = nnrt_dist_rank(), ranks = nnrt_dist_ranks();
    const float *grads[backward ? st->shards * (m->n_params > 0 ? m->n_params : 1) : 1];
    batch_job j = {
        .s = st, .n = n, .used = shards_used(n, st->shards),
        .mine = nnrt_dist_first(st->shards, rank, ranks),
        .mine_end = nnrt_dist_first(st->shards, rank + 1, ranks),
        .cap = shard_rows(0, n, st->shards),
        .y = y, .training = training, .backward = backward, .rng = rng, .optim = optim,
        .grads = grads,
    };
    if (rng && j.used > 1)
        seed_shards(st, rng);
    for (int s = 0; s < st->shards; s++) {
        st->losses[s] = 0;
        st->rows[s] = shard_rows(s, n, st->shards);
    }
    run_legs(&j, st->n_stages[0] + (backward ? st->n_stages[1] : 0));
    for (int s = 0; backward && s < st->shards; s++)
        for (int p = 0; p < m->n_params; p++)
            grads[(size_t)s * m->n_params + p] =
                m->params[p].grad ? at(st->replicas[s], m->params[p].grad) : NULL;
    if (ranks > 1)
        gather_shards(&j);
    if (backward) {
        for (int s = 0; s < j.used; s++) {
            st->weights[s] = (float)st->rows[s] / (float)n;
            st->share[s] = st->weights[s];
        }
        if (optim)
            nnrt_optim_begin(optim);
        float clip[m->n_params > 0 ? m->n_params : 1];
        if (optim && optim->opt.clip_norm > 0) {   /* every sum, the norms, then the steps */
            j.phase = STEP_SUM;
            nnrt_pool_run(&st->pool, step_job, &j);
            for (int p = 0; p < m->n_params; p++)
                clip[p] = m->params[p].grad ? nnrt_clip_norm_factor(optim,
                              at(st->replicas[0], m->params[p].grad), m->params[p].size) : 1.0f;
            j.clip = clip;
            j.phase = STEP_UPDATE;
        } else {
            j.phase = STEP_SUM | STEP_UPDATE;
        }
        nnrt_pool_run(&st->pool, step_job, &j);
    }
    double loss = 0;
    for (int s = 0; s < st->shards; s++)
        loss += st->losses[s];
    return loss;
}

double nnrt_run_batch(const nnrt_model *m, int n, const int *y, int training, nnrt_rng *rng,
                      int backward)
{
    return run(m, n, y, training, rng, backward, NULL);
}

double nnrt_step_batch(const nnrt_model *m, int n, const int *y, nnrt_rng *rng,
                       nnrt_optim_state *optim)
{
    return run(m, n, y, 1, rng, 1, optim);
}

/* Every shard here, whatever this rank's: encode needs rows of a layer
 * that no collective gathers, and runs alone */
void nnrt_run_layer(const nnrt_model *m, int n, size_t at_offset, int width, float *dst)
{
    par_state *st = state_for(m);
    batch_job j = { .s = st, .n = n, .used = shards_used(n, st->shards), .mine = 0,
                    .mine_end = st->shards, .cap = shard_rows(0, n, st->shards) };
    run_legs(&j, st->n_stages[0]);   /* inference: no meets, one leg */
    for (int s = 0; s < j.used; s++)
        copy_rows(dst + (size_t)shard_first(s, n, st->shards) * (size_t)width,
                  at(st->replicas[s], at_offset), shard_rows(s, n, st->shards), width);
}

/* Stages [0, n_stages) on one replica, each meet over it alone */
static void stages_alone(nnrt_replica *rep, int n, int training, nnrt_rng *rng,
                         const nnrt_stage *stages, int n_stages)
{
    for (int k = 0; k < n_stages; k++) {
        if (stages[k].forward)
            stages[k].forward(rep, n, training, rng);
        else
            stages[k].backward(rep, n);
        if (stages[k].meet && (training || stages[k].backward))
            stages[k].meet(&rep, &n, 1);
    }
}

void nnrt_forward_alone(nnrt_replica *rep, int n, int training, nnrt_rng *rng,
                        void (*forward)(nnrt_replica *, int, int, nnrt_rng *),
                        const nnrt_stage *stages, int n_stages)
{
    if (forward)
        forward(rep, n, training, rng);
    else
        stages_alone(rep, n, training, rng, stages, n_stages);
}

void nnrt_backward_whole(nnrt_replica *rep, int n, void (*backward)(nnrt_replica *, int),
                         const nnrt_stage *stages, int n_stages, const nnrt_param *params,
                         const nnrt_twin_param *twin, int n_params)
{
    if (backward)
        backward(rep, n);
    else
        stages_alone(rep, n, 1, NULL, stages, n_stages);
    const double one = 1.0;
    for (int p = 0; p < n_params; p++) {
        nnrt_grad_rows_fn rows = twin ? twin[p].grad_rows : params[p].grad_rows;
        size_t grad = twin ? twin[p].grad : params[p].grad;
        if (rows)
            rows(&rep, &n, &one, 1, 0, params[p].dims[0], (char *)rep + grad);
    }
}
