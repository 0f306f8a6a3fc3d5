/* parallel.c: every batch cut into shards, the shards run on a pool of
 * threads, their gradients summed in a fixed order (docs/parallel.md).
 *
 * The generated file says how many shards a batch is cut into (MODEL's
 * .shards, chosen by nnc from the batch) and how many rows a replica holds
 * (.shard_rows); the runtime makes one replica per shard.  A batch of n
 * rows is cut into S shards of n / S rows, the first n % S of them one row
 * more (so an empty shard, when n < S, is among the last): the boundaries
 * depend on n and S only, never on the number of threads.  Each shard runs forward,
 * loss and backward on its own replica, on whichever thread; its loss is
 * a double of its own, its gradient in its replica.  Then the batch's
 * gradient is
 *
 *     g = sum over shards s, in order, of (n_s / n) g_s
 *
 * (each g_s is the gradient of its shard's mean loss), written into shard
 * 0's replica, where the optimizer reads it: the threads split that sum by
 * ranges of parameters, and every value is added in shard order whatever
 * the split.  The losses too are added in shard order.  Dropout draws, for
 * each batch and shard, from a generator seeded from the run's dropout
 * stream and the shard's index.  So the weights, the curve and the
 * checkpoint are the same bits for any --threads.
 *
 * With one shard (nnc chooses one for a model with batchnorm, whose batch
 * statistics are over the whole batch) every call is what it was before
 * threads: the run's dropout generator goes to forward as it is, and the
 * gradient is the shard's.
 *
 * The batch the runtime fills (nnrt_input, nnrt_target) and reads
 * (nnrt_output) is a buffer of max_batch rows of its own; each shard's
 * rows are copied into its replica and its outputs back.  Everything is
 * allocated when a model is first run, and the threads are made then: the
 * training loop allocates nothing. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "nnrt_internal.h"

enum { MAX_THREADS = 256 };

/* ---- the pool ------------------------------------------------------------ */

/* A job for every worker: fn(ctx, w, workers) on worker w; worker 0 is the
 * calling thread. */
typedef void (*job_fn)(void *ctx, int w, int workers);

typedef struct pool {
    int workers;                /* threads, the caller among them */
    pthread_t *threads;         /* workers - 1 */
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    long generation;            /* bumped by each job */
    int busy;                   /* workers still on the current job */
    int quit;
    job_fn fn;
    void *ctx;
    unsigned mxcsr;             /* the caller's floating-point mode, for the job */
} pool;

typedef struct worker_arg {
    pool *p;
    int index;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *a = arg;
    pool *p = a->p;
    long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->generation == seen && !p->quit)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->quit) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        seen = p->generation;
        job_fn fn = p->fn;
        void *ctx = p->ctx;
#ifdef __SSE__
        /* the caller's rounding and denormal flushing (fpu.c), so that a
         * shard's bits do not depend on the thread it runs on */
        _mm_setcsr(p->mxcsr);
#endif
        pthread_mutex_unlock(&p->lock);
        fn(ctx, a->index, p->workers);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->lock);
    }
}

/* fn on every worker; returns when all are done */
static void pool_run(pool *p, job_fn fn, void *ctx)
{
    if (p->workers == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
#ifdef __SSE__
    p->mxcsr = _mm_getcsr();
#endif
    p->busy = p->workers - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    fn(ctx, 0, p->workers);
    pthread_mutex_lock(&p->lock);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

static void pool_stop(pool *p)
{
    if (!p->threads)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->workers - 1; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    *p = (pool){ .workers = 1 };
}

/* workers threads, or as many as could be made (at least the caller) */
static void pool_start(pool *p, int workers)
{
    static worker_arg args[MAX_THREADS];
    *p = (pool){ .workers = 1 };
    if (workers <= 1)
        return;
    p->threads = malloc((size_t)(workers - 1) * sizeof *p->threads);
    if (!p->threads)
        return;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 0; i < workers - 1; i++) {
        args[i + 1] = (worker_arg){ p, i + 1 };
        if (pthread_create(&p->threads[i], NULL, worker_main, &args[i + 1]) != 0)
            break;
        p->workers = i + 2;
    }
}

/* ---- the state: replicas, the batch's buffers, the pool ------------------ */

typedef struct par_state {
    const nnrt_model *m;        /* whose replicas these are */
    size_t replica_size;
    int shards, shard_rows;
    nnrt_replica **replicas;    /* one per shard */
    float *input, *output, *target;   /* the batch: max_batch rows each */
    double *losses;             /* per shard */
    float *weights;             /* per shard: its rows / the batch's, for the sum */
    nnrt_rng *rngs;             /* per shard: its dropout draws for this batch */
    int threads_asked;          /* 0: the cores this process may run on */
    pool pool;
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
        free(s->replicas[i]);
    free(s->replicas);
    free(s->input);
    free(s->output);
    free(s->target);
    free(s->losses);
    free(s->weights);
    free(s->rngs);
    s->replicas = NULL;
    s->input = s->output = s->target = NULL;
    s->losses = NULL;
    s->weights = NULL;
    s->rngs = NULL;
    s->m = NULL;
}

int nnrt_default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
}

static void make_pool(par_state *s)
{
    int threads = s->threads_asked > 0 ? s->threads_asked : nnrt_default_threads();
    threads = threads > MAX_THREADS ? MAX_THREADS : threads;
    /* a thread beyond the shards would have nothing to do */
    threads = threads > s->shards ? s->shards : threads;
    if (threads == s->pool.workers)
        return;
    pool_stop(&s->pool);
    pool_start(&s->pool, threads);
}

/* The state for m, made at its first use */
static par_state *state_for(const nnrt_model *m)
{
    par_state *s = &state;
    if (s->m == m && s->replica_size == m->replica_size)
        return s;
    release(s);
    /* one BLAS thread per worker: the workers are the parallelism.  Not
     * more even for a one-shard model, whose threads would idle: OpenBLAS's
     * own threads change a product's bits (tried: fashion_mlp_dropout's
     * weights differed at --threads 2) */
    openblas_set_num_threads(1);
    s->m = m;
    s->replica_size = m->replica_size;
    s->shards = m->shards > 0 ? m->shards : 1;
    s->shard_rows = m->shard_rows > 0 ? m->shard_rows : m->max_batch;
    size_t rows = (size_t)(m->max_batch > 0 ? m->max_batch : 1);
    s->replicas = calloc((size_t)s->shards, sizeof *s->replicas);
    s->input = calloc(rows * (size_t)(m->in_size > 0 ? m->in_size : 1), sizeof *s->input);
    s->output = calloc(rows * (size_t)(m->n_classes > 0 ? m->n_classes : 1), sizeof *s->output);
    s->target = calloc(rows * (size_t)(m->n_classes > 0 ? m->n_classes : 1), sizeof *s->target);
    s->losses = calloc((size_t)s->shards, sizeof *s->losses);
    s->weights = calloc((size_t)s->shards, sizeof *s->weights);
    s->rngs = calloc((size_t)s->shards, sizeof *s->rngs);
    if (!s->replicas || !s->input || !s->output || !s->target || !s->losses || !s->weights ||
        !s->rngs)
        fail_memory(m);
    for (int i = 0; i < s->shards; i++)
        /* calloc: zeroed as static buffers were, aligned for any real */
        if (!(s->replicas[i] = calloc(1, m->replica_size > 0 ? m->replica_size : 1)))
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
    return m->task == NNRT_TASK_REGRESS ? state_for(m)->target : NULL;
}

float *nnrt_grad(const nnrt_model *m, const nnrt_param *p)
{
    return p->grad ? at(nnrt_replica0(m), p->grad) : NULL;
}

/* ---- one batch ----------------------------------------------------------- */

typedef struct batch_job {
    par_state *s;
    int n, used;                /* rows; shards with rows */
    const int *y;               /* NULL: no loss */
    int training, backward;
    nnrt_rng *rng;              /* the run's dropout generator, or NULL */
    long total;                 /* gradient values, for the sum */
} batch_job;

/* The first row of shard s (s == shards: n) */
static int shard_first(int s, int n, int shards)
{
    return s * (n / shards) + (s < n % shards ? s : n % shards);
}

static void copy_rows(float *dst, const float *src, int rows, int width)
{
    memcpy(dst, src, (size_t)rows * (size_t)width * sizeof *dst);
}

static void run_shard(const batch_job *j, int s)
{
    par_state *st = j->s;
    const nnrt_model *m = st->m;
    int first = shard_first(s, j->n, st->shards), rows = shard_first(s + 1, j->n, st->shards) - first;
    if (rows == 0)
        return;
    nnrt_replica *r = st->replicas[s];
    copy_rows(at(r, m->input_at), st->input + (size_t)first * m->in_size, rows, m->in_size);
    if (m->task == NNRT_TASK_REGRESS)
        copy_rows(at(r, m->target_at), st->target + (size_t)first * m->n_classes, rows,
                  m->n_classes);
    nnrt_rng *rng = !j->rng ? NULL : j->used == 1 ? j->rng : &st->rngs[s];
    m->forward(r, rows, j->training, rng);
    copy_rows(st->output + (size_t)first * m->n_classes, at(r, m->output_at), rows, m->n_classes);
    if (j->y)
        st->losses[s] = m->loss(r, rows, j->y + first);
    if (j->backward)
        m->backward(r, rows);
}

static void shards_job(void *ctx, int w, int workers)
{
    const batch_job *j = ctx;
    for (int s = w; s < j->s->shards; s += workers)
        run_shard(j, s);
}

/* out[i] = sum over shards s, in order, of weight[s] g_s[i], for i in
 * [0, n): shard by shard over the whole range, so the loops vectorize and
 * each value still adds its terms in shard order */
static void weighted_sum(float *out, const float *const *g, const float *weight, int shards,
                         long n)
{
    for (long i = 0; i < n; i++)
        out[i] = weight[0] * g[0][i];
    for (int s = 1; s < shards; s++)
        for (long i = 0; i < n; i++)
            out[i] += weight[s] * g[s][i];
}

/* Gradient values [from, to) of the concatenated trained tensors: shard
 * 0's replaced by sum over s of (n_s / n) g_s, in shard order */
static void sum_range(const batch_job *j, long from, long to)
{
    par_state *st = j->s;
    const nnrt_model *m = st->m;
    const float *g[j->used];
    long base = 0;
    for (int p = 0; p < m->n_params && base < to; p++) {
        const nnrt_param *t = &m->params[p];
        if (!t->grad)
            continue;
        long lo = from > base ? from - base : 0, hi = to - base < t->size ? to - base : t->size;
        if (lo < hi) {
            for (int s = 0; s < j->used; s++)
                g[s] = at(st->replicas[s], t->grad) + lo;
            /* into shard 0's own: each value is read before it is written */
            weighted_sum(at(st->replicas[0], t->grad) + lo, g, st->weights, j->used, hi - lo);
        }
        base += t->size;
    }
}

static void sum_job(void *ctx, int w, int workers)
{
    const batch_job *j = ctx;
    sum_range(j, j->total * w / workers, j->total * (w + 1) / workers);
}

/* The shards with rows: the first min(n, shards) */
static int shards_used(int n, int shards)
{
    return n < shards ? n : shards;
}

double nnrt_run_batch(const nnrt_model *m, int n, const int *y, int training, nnrt_rng *rng,
                      int backward)
{
    par_state *st = state_for(m);
    batch_job j = { st, n, shards_used(n, st->shards), y, training, backward, rng, 0 };
    if (rng && j.used > 1) {
        /* one draw of the run's stream a batch, whatever the shards */
        uint64_t high = nnrt_rng_u32(rng);   /* two statements: a fixed order */
        uint64_t key = high << 32 | nnrt_rng_u32(rng);
        for (int s = 0; s < st->shards; s++)
            nnrt_rng_seed(&st->rngs[s], key ^ (UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(s + 1)));
    }
    for (int s = 0; s < st->shards; s++)
        st->losses[s] = 0;
    pool_run(&st->pool, shards_job, &j);
    if (backward && j.used > 1) {
        for (int s = 0; s < j.used; s++) {
            int rows = shard_first(s + 1, n, st->shards) - shard_first(s, n, st->shards);
            st->weights[s] = (float)rows / (float)n;
        }
        for (int p = 0; p < m->n_params; p++)
            j.total += m->params[p].grad ? m->params[p].size : 0;
        pool_run(&st->pool, sum_job, &j);
    }
    double loss = 0;
    for (int s = 0; s < st->shards; s++)
        loss += st->losses[s];
    return loss;
}
