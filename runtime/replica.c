/* replica.c: the replica the runtime computes in (nnrt.h: nnrt_replica).
 *
 * The generated file defines what a replica holds; the runtime allocates
 * it, once, at start-up (nnrt_main), and reaches the buffers it fills or
 * reads through the offsets MODEL gives.  Today one replica runs every
 * batch; the data-parallel workers (issue 11) will each take more from
 * the same allocator. */
#include <stdio.h>
#include <stdlib.h>

#include "nnrt_internal.h"

/* The one replica of this process's model: nnrt_main makes it before any
 * command runs, and it lives until exit. */
static nnrt_replica *primary;
static const nnrt_model *primary_model;
static size_t primary_size;

nnrt_replica *nnrt_replica_new(size_t size)
{
    /* calloc: zeroed as the static buffers were, aligned for any real */
    return calloc(1, size > 0 ? size : 1);
}

nnrt_replica *nnrt_replica0(const nnrt_model *m)
{
    /* a test may run several models in one process: a new one, a new replica */
    if (primary_model != m || primary_size != m->replica_size) {
        free(primary);
        primary = nnrt_replica_new(m->replica_size);
        primary_model = m;
        primary_size = m->replica_size;
        if (!primary) {
            fprintf(stderr, "%s: out of memory for its buffers (%zu bytes)\n", m->name,
                    m->replica_size);
            exit(2);
        }
    }
    return primary;
}

static float *at(nnrt_replica *r, size_t offset)
{
    return (float *)(void *)((char *)r + offset);
}

float *nnrt_input(const nnrt_model *m)
{
    return at(nnrt_replica0(m), m->input_at);
}

const float *nnrt_output(const nnrt_model *m)
{
    return at(nnrt_replica0(m), m->output_at);
}

float *nnrt_target(const nnrt_model *m)
{
    return m->task == NNRT_TASK_REGRESS ? at(nnrt_replica0(m), m->target_at) : NULL;
}

float *nnrt_grad(const nnrt_model *m, const nnrt_param *p)
{
    return p->grad ? at(nnrt_replica0(m), p->grad) : NULL;
}
