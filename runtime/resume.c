/* resume.c: `train --resume DIR`: the settings a resumed run keeps.  A
 * run goes on with the batch size, learning rate, seed and limit it was
 * started with, which its checkpoint holds (the file is read by
 * checkpoint_file.c, its format is docs/checkpoint.md); only --epochs may
 * change, and not to end before what is done. */
#include <stdio.h>
#include <string.h>

#include "nnrt_internal.h"


/* The run folder: the checkpoint's path without "/checkpoint". */
static int run_dir(const nnrt_checkpoint_file *f)
{
    const char *slash = strrchr(f->path, '/');
    return slash ? (int)(slash - f->path) : 0;
}

/* kept: "with --lr 0.001", "without --limit" */
static int refuse(const nnrt_checkpoint_file *f, nnrt_error *err, const char *flag,
                  const char *given, const char *kept)
{
    return nnrt_fail(err, "%s %s: the run in %.*s was started %s, and a resumed run keeps its "
                          "settings (leave %s out; only --epochs may change)",
                     flag, given, run_dir(f), f->path, kept, flag);
}

int nnrt_checkpoint_settings(const nnrt_checkpoint_file *f, nnrt_train_opts *o, nnrt_error *err)
{
    char given[64], kept[64];
    if ((o->given & NNRT_GIVEN_BATCH) && o->batch != f->batch) {
        snprintf(given, sizeof given, "%d", o->batch);
        snprintf(kept, sizeof kept, "with --batch %d", f->batch);
        return refuse(f, err, "--batch", given, kept);
    }
    if ((o->given & NNRT_GIVEN_LR) && o->lr != f->lr) {
        snprintf(given, sizeof given, "%g", (double)o->lr);
        snprintf(kept, sizeof kept, "with --lr %g", (double)f->lr);
        return refuse(f, err, "--lr", given, kept);
    }
    if ((o->given & NNRT_GIVEN_SEED) && o->seed != f->seed) {
        snprintf(given, sizeof given, "%llu", (unsigned long long)o->seed);
        snprintf(kept, sizeof kept, "with --seed %llu", (unsigned long long)f->seed);
        return refuse(f, err, "--seed", given, kept);
    }
    if ((o->given & NNRT_GIVEN_LIMIT) && o->limit != f->limit) {
        snprintf(given, sizeof given, "%d", o->limit);
        if (f->limit)
            snprintf(kept, sizeof kept, "with --limit %d", f->limit);
        else
            snprintf(kept, sizeof kept, "without --limit");
        return refuse(f, err, "--limit", given, kept);
    }
    if ((o->given & NNRT_GIVEN_EPOCHS) && o->epochs < f->epochs_done)
        return nnrt_fail(err, "--epochs %d: the run in %.*s has already done %d epochs", o->epochs,
                         run_dir(f), f->path, f->epochs_done);
    /* the weights are part way through the next epoch: it cannot be undone */
    if ((o->given & NNRT_GIVEN_EPOCHS) && f->partial.batches > 0 && o->epochs <= f->epochs_done)
        return nnrt_fail(err, "--epochs %d: the run in %.*s has already done %d epochs and %d "
                              "batches of epoch %d", o->epochs, run_dir(f), f->path,
                         f->epochs_done, f->partial.batches, f->epochs_done + 1);
    if (!(o->given & NNRT_GIVEN_EPOCHS))
        o->epochs = f->epochs;
    o->batch = f->batch;
    o->lr = f->lr;
    o->seed = f->seed;
    o->limit = f->limit;
    return 0;
}

