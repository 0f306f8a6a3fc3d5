/* pool.c: a pool of threads for parallel.c's jobs (pool.h).
 *
 * A training step of fashion_mlp takes about 0.25 ms, and hands work to the
 * other threads twice: a wake-up through a condition variable costs tens
 * of microseconds, a spinning thread sees the new job within one.  So a
 * waiting thread spins first, yielding its core now and then (another
 * process, or another rank, may need it), and sleeps on the condition
 * variable only after SPINS turns: between epochs, or while rank 0 writes
 * files.  The handshake between the two (a job posted while a worker goes
 * to sleep) is in pool_wait: each side writes its own flag, then reads the
 * other's, both sequentially consistent, so one of them sees the other. */
#define _GNU_SOURCE   /* sched_yield */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#ifdef __SSE2__
#include <emmintrin.h>   /* _mm_pause */
#endif
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "pool.h"

enum { SPINS = 1 << 16, YIELD_EVERY = 1024 };

typedef struct worker_arg {
    nnrt_pool *p;
    int index;
} worker_arg;

static void cpu_relax(void)
{
#ifdef __SSE2__
    _mm_pause();
#endif
}

/* Until done(p, arg) holds: spin, then sleep on p->wake */
static void pool_wait(nnrt_pool *p, int (*done)(nnrt_pool *, long), long arg)
{
    for (int i = 0; i < SPINS; i++) {
        if (done(p, arg))
            return;
        if (i % YIELD_EVERY == YIELD_EVERY - 1)
            sched_yield();
        else
            cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->sleepers, 1);
    while (!done(p, arg))
        pthread_cond_wait(&p->wake, &p->lock);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->lock);
}

/* Wake whoever sleeps in pool_wait; the caller has already made its change */
static void pool_wake(nnrt_pool *p)
{
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
}

static int new_job(nnrt_pool *p, long seen)
{
    return atomic_load(&p->generation) != seen || atomic_load(&p->quit);
}

static int job_done(nnrt_pool *p, long unused)
{
    (void)unused;
    return atomic_load(&p->busy) == 0;
}

static void *worker_main(void *arg)
{
    worker_arg *a = arg;
    nnrt_pool *p = a->p;
    long seen = 0;
    for (;;) {
        pool_wait(p, new_job, seen);
        if (atomic_load(&p->quit))
            return NULL;
        seen = atomic_load(&p->generation);
#ifdef __SSE__
        /* the caller's rounding and denormal flushing (fpu.c), so that a
         * shard's bits do not depend on the thread it runs on */
        _mm_setcsr(p->mxcsr);
#endif
        p->fn(p->ctx, a->index, p->workers);
        if (atomic_fetch_sub(&p->busy, 1) == 1)
            pool_wake(p);
    }
}

/* fn on every worker; returns when all are done */
void nnrt_pool_run(nnrt_pool *p, nnrt_job_fn fn, void *ctx)
{
    if (p->workers == 1) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
#ifdef __SSE__
    p->mxcsr = _mm_getcsr();
#endif
    atomic_store(&p->busy, p->workers - 1);
    atomic_fetch_add(&p->generation, 1);   /* publishes fn, ctx and mxcsr */
    pool_wake(p);
    fn(ctx, 0, p->workers);
    pool_wait(p, job_done, 0);
}

void nnrt_pool_stop(nnrt_pool *p)
{
    if (!p->threads)
        return;
    atomic_store(&p->quit, 1);
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->workers - 1; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    p->threads = NULL;
    p->workers = 1;
}

/* workers threads, or as many as could be made (at least the caller) */
void nnrt_pool_start(nnrt_pool *p, int workers)
{
    static worker_arg args[NNRT_POOL_MAX];
    p->workers = 1;
    p->threads = NULL;
    atomic_store(&p->generation, 0);
    atomic_store(&p->busy, 0);
    atomic_store(&p->quit, 0);
    atomic_store(&p->sleepers, 0);
    if (workers <= 1)
        return;
    p->threads = malloc((size_t)(workers - 1) * sizeof *p->threads);
    if (!p->threads)
        return;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int i = 0; i < workers - 1; i++) {
        args[i + 1] = (worker_arg){ p, i + 1 };
        if (pthread_create(&p->threads[i], NULL, worker_main, &args[i + 1]) != 0)
            break;
        p->workers = i + 2;
    }
}

