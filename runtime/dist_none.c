/* dist_none.c: one rank, for a trainer built without --mpi (dist.h). */
#include "dist.h"

int nnrt_dist_rank(void)
{
    return 0;
}

int nnrt_dist_ranks(void)
{
    return 1;
}

void nnrt_dist_allgather(void *slots, size_t bytes, int count)
{
    (void)slots;   /* the one rank filled every slot */
    (void)bytes;
    (void)count;
}

void nnrt_dist_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

int nnrt_dist_end(int status, int together)
{
    (void)together;
    return status;
}

int nnrt_dist_max(int value)
{
    return value;
}
