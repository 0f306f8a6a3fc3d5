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

/* Join the job before a command does anything else (MPI_Init_thread at
 * MPI_THREAD_FUNNELED: the thread that calls this is the only one that
 * calls MPI).  Ranks other than 0 send their stdout to /dev/null: rank 0
 * alone prints, and alone writes files (fileio.c, rundir.c). */
void nnrt_dist_start(int *argc, char ***argv);

/* Leave the job as the process ends with `status`, which is returned.
 * together: every rank ends here with this status (a success, or a
 * failure all ranks agreed on), so MPI_Finalize is safe.  Otherwise this
 * rank may fail alone while the others wait in a collective, which would
 * never end: MPI_Abort ends every rank, with status as the job's. */
int nnrt_dist_end(int status, int together);

/* The largest of every rank's value.  Collective. */
int nnrt_dist_max(int value);

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

/* Train's start, agreed by every rank (dist_check.c): rc is this rank's
 * start so far (0, or -1 with err saying why), sets its train and test
 * sets and settings its training settings as text (NULL: not to compare).
 * Every rank learns every rank's result, model hash, trainer binary,
 * settings and data checksums; on one
 * rank failing or differing, rank 0 says which (its rank and host, and
 * what) on stderr, and every rank gets NNRT_DIST_FAILED.  Else 0.  With
 * one rank: rc, err untouched.  Collective. */
struct nnrt_model;
struct nnrt_dataset;
struct nnrt_error;
enum { NNRT_DIST_FAILED = 2 };
int nnrt_dist_agree(const struct nnrt_model *m, int rc, const struct nnrt_error *err,
                    const struct nnrt_dataset *const sets[2], const char *settings);

/* eval's and predict's start, agreed by every rank: rc and err as above,
 * test the test set as loaded (NULL if it could not be), what the
 * command's settings as text ("eval --limit 0").  The ranks share out the
 * test batches' shards as in training, so a rank with other weights or
 * another test set would give part of the answer silently: compared here
 * with the weights' CRC-32 (every tensor's values, state too), a rank
 * that differs is named as nnrt_dist_agree names one.  Collective. */
int nnrt_dist_agree_weights(const struct nnrt_model *m, int rc, const struct nnrt_error *err,
                            const struct nnrt_dataset *test, const char *what);

/* This machine's name, for messages ("?" if unknown). */
void nnrt_dist_host(char *name, size_t len);

#endif
