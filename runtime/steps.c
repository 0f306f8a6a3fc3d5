/* steps.c: the `steps` command, for comparing the trainer with another
 * implementation (PyTorch) update by update.
 *
 * The weights come from the seed (or --weights-in) and are saved, before
 * any update, to --weights-out; then N updates run on the first N * batch
 * training samples (after the validation split, as in `train`) in file
 * order: no shuffle, so the other side can feed the same batches.  Forward
 * runs in training mode, as in `train`.  One line per update, the batch's
 * mean loss plus the penalty, at the weights before that update:
 *     step 1 loss 2.302585
 * The learning-rate schedule applies with the N updates as the whole run
 * (cosine's T = N) and all of them in the first epoch.  N may be 0: then
 * only the starting weights are written, which is how a test gets the
 * weights a seed gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

/* What one command holds, so that one cleanup frees it all. */
typedef struct steps_run {
    nnrt_dataset all;
    int *order, *y;
    nnrt_optim_state optim;
    int have_all, have_optim;
} steps_run;

/* The training part of the data, checked to hold the samples asked for. */
static int load_training_part(steps_run *r, const nnrt_model *m, const nnrt_steps_opts *o,
                              nnrt_dataset *train, nnrt_error *err)
{
    if (nnrt_model_data_load(m, 0, &r->all, err) != 0)
        return -1;
    r->have_all = 1;
    nnrt_dataset val;
    if (m->validation > 0)
        nnrt_dataset_split(&r->all, m->validation, train, &val);
    else
        *train = r->all;
    long need = (long)o->steps * o->batch;
    if (need > train->n_samples) {
        char held_out[64] = "";
        if (m->validation > 0)
            snprintf(held_out, sizeof held_out, " (after holding out validation %g%%)",
                     m->validation * 100);
        return nnrt_fail(err, "%s: %d steps of batch %d need %ld training samples; there are %d%s",
                         nnrt_model_data_name(m, 0), o->steps, o->batch, need, train->n_samples, held_out);
    }
    return 0;
}

static int starting_weights(const nnrt_model *m, const nnrt_steps_opts *o, nnrt_error *err)
{
    if (o->weights_in) {
        if (nnrt_weights_load(m, o->weights_in, err) != 0)
            return -1;
    } else {
        nnrt_rng init;
        nnrt_rng_stream(&init, o->seed, NNRT_STREAM_INIT);
        if (nnrt_params_start(m, &init, err) != 0)
            return -1;
    }
    /* a text's vocabulary: set on fresh weights (which zeroed it), checked
     * against loaded ones (text.c) */
    if (m->text_file && nnrt_text_vocabulary(m, err) != 0)
        return -1;
    return o->weights_out ? nnrt_weights_save(m, o->weights_out, err) : 0;
}

static int run_steps(steps_run *r, const nnrt_model *m, const nnrt_steps_opts *o,
                     const nnrt_dataset *train, nnrt_error *err)
{
    r->order = malloc((size_t)o->steps * (size_t)o->batch * sizeof *r->order);
    r->y = malloc((size_t)o->batch * sizeof *r->y);
    if (!r->order || !r->y)
        return nnrt_fail(err, "out of memory");
    nnrt_optimizer opt = m->optimizer;
    opt.lr = o->lr;
    if (nnrt_optim_init(&r->optim, m, opt) != 0)
        return nnrt_fail(err, "out of memory for the optimizer's state");
    r->have_optim = 1;
    nnrt_lr_schedule schedule;
    nnrt_schedule_start(&schedule, &m->schedule, o->lr, o->steps);
    nnrt_rng dropout;
    nnrt_rng_stream(&dropout, o->seed, NNRT_STREAM_DROPOUT);
    for (int i = 0; i < o->steps * o->batch; i++)
        r->order[i] = i;
    nnrt_tally tally = { 0, 0, 0 };
    for (int step = 0; step < o->steps; step++) {
        nnrt_model_batch(m, train, r->order, step * o->batch, o->batch, r->y);
        r->optim.opt.lr = nnrt_schedule_lr(&schedule, step, 0);
        double loss = nnrt_train_batch(m, &r->optim, o->batch, r->y, &dropout, &tally);
        printf("step %d loss %.6f\n", step + 1, loss / o->batch);
    }
    fflush(stdout);
    return 0;
}

int nnrt_steps_run(const nnrt_model *m, const nnrt_steps_opts *o, nnrt_error *err)
{
    steps_run r;
    memset(&r, 0, sizeof r);
    nnrt_dataset train;
    int rc = load_training_part(&r, m, o, &train, err);
    if (rc == 0)
        rc = starting_weights(m, o, err);
    if (rc == 0 && o->steps > 0)
        rc = run_steps(&r, m, o, &train, err);
    if (r.have_optim)
        nnrt_optim_free(&r.optim);
    free(r.order);
    free(r.y);
    if (r.have_all)
        nnrt_dataset_free(&r.all);
    return rc;
}
