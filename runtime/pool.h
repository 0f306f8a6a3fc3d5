/* pool.h: a pool of threads that run one job at a time, each job on every
 * worker, the calling thread being worker 0 (pool.c).  parallel.c runs a
 * batch's shards and its optimizer step on it.  Internal; not installed. */
#ifndef NNRT_POOL_H
#define NNRT_POOL_H

#include <pthread.h>
#include <stdatomic.h>

enum { NNRT_POOL_MAX = 256 };   /* workers at most */

/* A job: fn(ctx, w, workers) runs on each worker w of workers */
typedef void (*nnrt_job_fn)(void *ctx, int w, int workers);

typedef struct nnrt_pool {
    int workers;                /* threads, the caller among them */
    pthread_t *threads;         /* workers - 1 */
    atomic_long generation;     /* bumped by each job */
    atomic_int busy;            /* workers still on the current job */
    atomic_int quit;
    atomic_int sleepers;        /* threads asleep, or going to, on wake */
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* a new job, the end of one, or quit */
    nnrt_job_fn fn;
    void *ctx;
    unsigned mxcsr;             /* the caller's floating-point mode, for the job */
} nnrt_pool;

/* workers threads, or as many as could be made (at least the caller) */
void nnrt_pool_start(nnrt_pool *p, int workers);
/* fn on every worker, each with the caller's floating-point mode;
 * returns when all are done */
void nnrt_pool_run(nnrt_pool *p, nnrt_job_fn fn, void *ctx);
/* the threads ended and joined; p is a pool of one worker again */
void nnrt_pool_stop(nnrt_pool *p);

#endif
