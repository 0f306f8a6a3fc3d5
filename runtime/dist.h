/* dist.h: the ranks of an MPI job, as the runtime sees them (docs/parallel.md).
 *
 * A plain build links dist_none.c: one rank, and every call below is
 * trivial.  `nnc build --mpi` links dist_mpi.c instead.  Every rank runs the
 * same loop over the same seeded shuffle; a batch's SHARDS shards are
 * shared out among the ranks in fixed contiguous runs (nnrt_dist_first),
 * each rank runs its own shards on its threads, and nnrt_dist_allgather
 * gives every rank every shard's results.  The sum over shards that follows
 * is the same code, in the same order, on every rank and in a one-process
 * run: so the bits do not depend on the number of ranks. */
#ifndef NNRT_DIST_H
#define NNRT_DIST_H

#include <stddef.h>

/* This process's rank, 0-based, and the number of ranks (1 without MPI). */
int nnrt_dist_rank(void);
int nnrt_dist_ranks(void);

/* The first of `count` items that rank r of `ranks` owns (r == ranks:
 * count): ranks own contiguous runs, the earlier ranks the shorter ones
 * when count does not divide evenly. */
static inline int nnrt_dist_first(int count, int r, int ranks)
{
    return (int)((long)count * r / ranks);
}

/* `slots` holds `count` slots of `bytes` bytes each; this rank has filled
 * its own, [nnrt_dist_first(count, rank, ranks), nnrt_dist_first(count,
 * rank + 1, ranks)).  On return every rank holds every slot.  Collective:
 * every rank calls it with the same count and bytes. */
void nnrt_dist_allgather(void *slots, size_t bytes, int count);

#endif
