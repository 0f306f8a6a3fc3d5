/* dist_mpi.c: the ranks of an OpenMPI job (dist.h), linked in place of
 * dist_none.c by `nnc build --mpi` (libnnrt_mpi.a).
 *
 * Only the thread that started the job calls MPI (MPI_THREAD_FUNNELED):
 * the pool's workers never do.  MPI's default error handler stays
 * (MPI_ERRORS_ARE_FATAL): a collective that fails, as when a rank died,
 * ends the job rather than returning an error no one could act on. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <mpi.h>

#include "dist.h"

static int rank, ranks = 1, started;
static int *counts, *firsts;   /* per rank: its slots in nnrt_dist_allgather */
static MPI_Datatype slot_type;
static size_t slot_type_bytes;   /* what slot_type is made of; 0: none yet */

static void fail_start(const char *what)
{
    fprintf(stderr, "trainer: cannot join the MPI job: %s\n", what);
    exit(2);
}

void nnrt_dist_start(int *argc, char ***argv)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        fail_start("MPI_Init_thread failed");
    started = 1;
    if (provided < MPI_THREAD_FUNNELED)
        fail_start("this MPI library does not allow threads beside MPI (MPI_THREAD_FUNNELED)");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    counts = malloc((size_t)ranks * sizeof *counts);
    firsts = malloc((size_t)ranks * sizeof *firsts);
    if (!counts || !firsts)
        fail_start("out of memory");
    if (rank > 0 && !freopen("/dev/null", "w", stdout))
        fail_start("cannot send stdout to /dev/null on a rank other than 0");
}

int nnrt_dist_end(int status, int together)
{
    if (!started)
        return status;
    fflush(NULL);
    if (ranks > 1 && !together)
        MPI_Abort(MPI_COMM_WORLD, status ? status : 2);
    if (slot_type_bytes)
        MPI_Type_free(&slot_type);
    MPI_Finalize();
    free(counts);
    free(firsts);
    return status;
}

int nnrt_dist_rank(void)
{
    return rank;
}

int nnrt_dist_ranks(void)
{
    return ranks;
}

int nnrt_dist_max(int value)
{
    int max = value;
    if (ranks > 1)
        MPI_Allreduce(&value, &max, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return max;
}

/* A slot as one MPI item, so that counts stay small ints whatever its
 * bytes; made again only when the slot's size changes (training and
 * evaluation batches differ) */
static MPI_Datatype slot_of(size_t bytes)
{
    if (bytes == slot_type_bytes)
        return slot_type;
    if (slot_type_bytes)
        MPI_Type_free(&slot_type);
    if (bytes > INT_MAX) {
        fprintf(stderr, "trainer: a shard's results are %zu bytes, more than MPI sends in "
                        "one piece (%d)\n", bytes, INT_MAX);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Type_contiguous((int)bytes, MPI_BYTE, &slot_type);
    MPI_Type_commit(&slot_type);
    slot_type_bytes = bytes;
    return slot_type;
}

void nnrt_dist_allgather(void *slots, size_t bytes, int count)
{
    if (ranks == 1 || count == 0 || bytes == 0)
        return;
    for (int r = 0; r < ranks; r++) {
        firsts[r] = nnrt_dist_first(count, r, ranks);
        counts[r] = nnrt_dist_first(count, r + 1, ranks) - firsts[r];
    }
    MPI_Datatype slot = slot_of(bytes);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, slots, counts, firsts, slot,
                   MPI_COMM_WORLD);
}
