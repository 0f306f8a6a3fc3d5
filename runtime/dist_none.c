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
