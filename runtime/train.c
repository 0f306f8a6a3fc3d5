/* train.c: the `train` command: the epoch loop.
 *
 * Everything is allocated before the first epoch; inside the loop nothing
 * is (weights, curve.csv and the checkpoint are written through stack
 * buffers).  Per batch: fill the input, set the scheduled learning rate,
 * forward in training mode, loss (plus the penalty, as Keras reports it),
 * accuracy, backward, optimizer step; a NaN or infinite loss stops the run
 * (it diverged).  After each epoch: validation, the progress line, the
 * plateau schedule's verdict (a line of its own when it lowers the rate),
 * early stopping's, then curve.csv, times.csv, DIR/weights and last
 * DIR/checkpoint, which holds all the loop carries to the next epoch (also
 * written once before the first).  `--resume DIR` starts from that instead
 * of fresh weights and goes on as the run would have.  A SIGINT or SIGTERM
 * (signals.c) is acted on between batches: the run saves a checkpoint of
 * the epoch so far (or, once the epoch's last batch is done, finishes the
 * epoch's writes) and stops, saying how to go on.  At the end, with
 * early stopping, the best epoch's weights are put back; then the test
 * set, on stdout:  test: loss 0.3712 accuracy 0.8690
 * (a REGRESS model reports MAE and RMSE where others report accuracy).
 * DIR/settings.txt records the run's settings when it starts, and the
 * run's page, DIR/report.html, is written last (page.c).
 *
 * Under MPI (dist.h) every rank runs this loop on the same numbers: the
 * start is agreed by all ranks (nnrt_dist_agree), a signal is acted on by
 * all at the same batch (nnrt_stop_agreed), and rank 0 alone prints and
 * writes (fileio.c sends the other ranks' files to /dev/null).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "dist.h"
#include "nnrt_internal.h"
#include "page.h"

/* What one run holds, so that one cleanup frees it all. */
typedef struct run {
    nnrt_dataset all, test;     /* owners of the data */
    nnrt_dataset train, val;    /* views into all */
    int *order;                 /* (train.n_samples): this epoch's shuffle */
    int *eval_order;            /* (max(val, test) samples): scratch for nnrt_evaluate */
    int *y;                     /* (max_batch): labels of the current batch */
    nnrt_epoch_stats *rows;     /* (epochs): the curve so far */
    float *augment_scratch;     /* (in_size): for nnrt_augment_batch */
    nnrt_rng shuffle, dropout;  /* the order of each epoch, the dropout masks */
    nnrt_rng augment;           /* the training images' random changes */
    nnrt_optim_state optim;
    nnrt_lr_schedule schedule;
    nnrt_early_stopping early;
    int epochs_done;
    nnrt_epoch_sums partial;    /* the epoch in progress so far */
    int saved_batches;          /* DIR/checkpoint is from this far into epoch
                                   epochs_done + 1 (a stopped run, resumed) */
    int have_all, have_test, have_optim;
    char weights_path[NNRT_PATH_MAX], curve_path[NNRT_PATH_MAX];
    char times_path[NNRT_PATH_MAX], checkpoint_path[NNRT_PATH_MAX];
} run;

/* DIR/name into path */
static int run_file(char *path, const char *dir, const char *name, nnrt_error *err)
{
    if ((size_t)snprintf(path, NNRT_PATH_MAX, "%s/%s", dir, name) >= NNRT_PATH_MAX)
        return nnrt_fail(err, "%s: path too long", dir);
    return 0;
}

static int load_data(run *r, const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    /* the test set too, now: a bad test file should not wait for the end of training */
    if (nnrt_model_data_load(m, 0, &r->all, err) != 0)
        return -1;
    r->have_all = 1;
    if (nnrt_model_data_load(m, 1, &r->test, err) != 0)
        return -1;
    r->have_test = 1;
    nnrt_dataset_limit(&r->all, o->limit);   /* before the split, as the user counts samples */
    if (m->validation > 0) {
        nnrt_dataset_split(&r->all, m->validation, &r->train, &r->val);
    } else {
        r->train = r->all;
        memset(&r->val, 0, sizeof r->val);
    }
    if (r->train.n_samples <= 0)
        return nnrt_fail(err, "%s: no training samples left (%d samples, validation %g%%)",
                         nnrt_model_data_name(m, 0), r->all.n_samples, m->validation * 100);
    if (r->test.n_samples <= 0)
        return nnrt_fail(err, "%s: no test samples", nnrt_model_data_name(m, 1));
    if (m->early_stop.patience > 0 && nnrt_monitor_needs_val(m->early_stop.monitor) &&
        r->val.n_samples <= 0)
        return nnrt_fail(err, "%s: early_stop monitors %s, but no samples are left for "
                              "validation (%d samples, validation %g%%)",
                         nnrt_model_data_name(m, 0), nnrt_monitor_name(m->early_stop.monitor),
                         r->all.n_samples, m->validation * 100);
    return 0;
}

static int allocate(run *r, const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    int n_eval = r->val.n_samples > r->test.n_samples ? r->val.n_samples : r->test.n_samples;
    r->order = malloc((size_t)r->train.n_samples * sizeof *r->order);
    r->eval_order = malloc((size_t)n_eval * sizeof *r->eval_order);
    r->y = malloc((size_t)m->max_batch * sizeof *r->y);
    r->rows = calloc((size_t)o->epochs, sizeof *r->rows);
    r->augment_scratch = malloc((size_t)m->in_size * sizeof *r->augment_scratch);
    if (!r->order || !r->eval_order || !r->y || !r->rows || !r->augment_scratch)
        return nnrt_fail(err, "out of memory");
    nnrt_optimizer opt = m->optimizer;
    opt.lr = o->lr;
    if (nnrt_optim_init(&r->optim, m, opt) != 0)
        return nnrt_fail(err, "out of memory for the optimizer's state");
    r->have_optim = 1;
    if (nnrt_early_start(&r->early, m) != 0)
        return nnrt_fail(err, "out of memory for early stopping's copy of the weights");
    long steps = (r->train.n_samples + o->batch - 1) / o->batch;
    nnrt_schedule_start(&r->schedule, &m->schedule, o->lr, steps * o->epochs);
    for (int i = 0; i < r->train.n_samples; i++)
        r->order[i] = i;
    if (run_file(r->weights_path, o->out_dir, "weights", err) != 0 ||
        run_file(r->curve_path, o->out_dir, "curve.csv", err) != 0 ||
        run_file(r->times_path, o->out_dir, "times.csv", err) != 0 ||
        run_file(r->checkpoint_path, o->out_dir, "checkpoint", err) != 0)
        return -1;
    return 0;
}

static void release(run *r)
{
    if (r->have_optim)
        nnrt_optim_free(&r->optim);
    nnrt_early_free(&r->early);
    free(r->order);
    free(r->eval_order);
    free(r->y);
    free(r->rows);
    free(r->augment_scratch);
    if (r->have_test)
        nnrt_dataset_free(&r->test);
    if (r->have_all)
        nnrt_dataset_free(&r->all);
}

double nnrt_train_batch(const nnrt_model *m, nnrt_optim_state *st, int n, const int *y,
                        nnrt_rng *dropout, nnrt_tally *tally)
{
    /* the penalty once per batch mean, n times into the sum, at the
     * weights before the step */
    double penalty = n * nnrt_penalty(m);
    /* forward, loss and backward on every shard, their gradients summed,
     * the optimizer's step */
    double loss = nnrt_step_batch(m, n, y, dropout, st) + penalty;
    /* accuracy (or errors) in training mode (dropout on), as Keras reports it */
    nnrt_tally_add(m, y, n, tally);
    return loss;
}

/* How a pass over the training set ended. */
typedef enum epoch_end {
    EPOCH_DONE,                 /* every batch trained on */
    EPOCH_DIVERGED,             /* batch r->partial.batches had a NaN or infinite loss */
    EPOCH_STOPPED               /* a signal came: r->partial.batches done, more to go */
} epoch_end;

/* One pass over the shuffled training set (epoch e, 0-based), or the rest
 * of one that r->partial says was begun (its shuffle already drawn); mean
 * loss and accuracy (or MAE and RMSE) into s.  A diverged pass leaves that
 * batch's mean loss in s->loss. */
static epoch_end train_epoch(run *r, const nnrt_model *m, int batch, int e,
                             nnrt_progress *progress, nnrt_epoch_stats *s)
{
    const nnrt_dataset *ds = &r->train;
    nnrt_epoch_sums *p = &r->partial;
    if (p->batches == 0)
        nnrt_shuffle(r->order, ds->n_samples, &r->shuffle);
    for (int first = p->batches * batch; first < ds->n_samples; first += batch) {
        /* the last batch may be partial: it is trained on too */
        int n = ds->n_samples - first < batch ? ds->n_samples - first : batch;
        nnrt_model_batch(m, ds, r->order, first, n, r->y);
        /* training batches only: validation and test see the images as they are */
        nnrt_augment_batch(m, nnrt_input(m), n, r->augment_scratch, &r->augment);
        r->optim.opt.lr = nnrt_schedule_lr(&r->schedule, r->optim.step, e);
        double loss = nnrt_train_batch(m, &r->optim, n, r->y, &r->dropout, &p->tally);
        p->batches++;
        if (!isfinite(loss)) {
            s->loss = loss / n;
            return EPOCH_DIVERGED;
        }
        p->loss_sum += loss;
        double accuracy, mae, rmse;
        nnrt_tally_means(m, &p->tally, first + n, &accuracy, &mae, &rmse);
        nnrt_progress_update(progress, p->batches, p->loss_sum / (first + n),
                             s->regress ? mae : accuracy);
        /* after the last batch, the epoch is finished and saved whole instead;
         * asked of every rank every batch, so all stop at the same one */
        if (nnrt_stop_agreed() && first + n < ds->n_samples)
            return EPOCH_STOPPED;
    }
    s->loss = p->loss_sum / ds->n_samples;
    nnrt_tally_means(m, &p->tally, ds->n_samples, &s->accuracy, &s->mae, &s->rmse);
    return EPOCH_DONE;
}

/* What the checkpoint holds: the loop's state, as r and o have it now. */
static nnrt_checkpoint state_of(run *r, const nnrt_train_opts *o)
{
    return (nnrt_checkpoint){
        .epochs = o->epochs, .batch = o->batch, .lr = o->lr, .seed = o->seed,
        .limit = o->limit, .epochs_done = r->epochs_done,
        .shuffle = &r->shuffle, .dropout = &r->dropout, .augment = &r->augment,
        .optim = &r->optim, .schedule = &r->schedule, .early = &r->early,
        .order = r->order, .n_order = r->train.n_samples, .rows = r->rows,
        .partial = &r->partial,
    };
}

static int save_checkpoint(run *r, const nnrt_model *m, const nnrt_train_opts *o,
                           nnrt_error *err)
{
    nnrt_checkpoint c = state_of(r, o);
    return nnrt_checkpoint_save(m, r->checkpoint_path, &c, err);
}

/* curve.csv and times.csv after r->epochs_done epochs. */
static int save_curve_files(run *r, nnrt_error *err)
{
    return nnrt_curve_write(r->curve_path, r->rows, r->epochs_done, err) != 0 ||
                   nnrt_times_write(r->times_path, r->rows, r->epochs_done, err) != 0
               ? -1
               : 0;
}

/* What DIR shows after r->epochs_done epochs, the checkpoint aside. */
static int save_epoch_files(run *r, const nnrt_model *m, nnrt_error *err)
{
    if (save_curve_files(r, err) != 0)
        return -1;
    return nnrt_weights_save(m, r->weights_path, err);
}

/* A new run: the seed's generators and initial weights (some perhaps
 * from other models' weights files), and a first checkpoint of them, so that a run killed in its first epoch can be
 * resumed too. */
static int start_fresh(run *r, const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    nnrt_rng init;
    nnrt_rng_stream(&init, o->seed, NNRT_STREAM_INIT);
    nnrt_rng_stream(&r->shuffle, o->seed, NNRT_STREAM_SHUFFLE);
    nnrt_rng_stream(&r->dropout, o->seed, NNRT_STREAM_DROPOUT);
    nnrt_rng_stream(&r->augment, o->seed, NNRT_STREAM_AUGMENT);
    if (nnrt_params_start(m, &init, err) != 0)
        return -1;
    /* a text's vocabulary is a tensor too, which that zeroed (text.c) */
    if (m->text_file && nnrt_text_vocabulary(m, err) != 0)
        return -1;
    return save_checkpoint(r, m, o, err);
}

/* A resumed run: all of the loop's state from the checkpoint f, and DIR's
 * other files rewritten as they were when it was saved (a kill may have
 * come between writing them and writing the checkpoint). */
static int start_resumed(run *r, const nnrt_model *m, const nnrt_train_opts *o,
                         const nnrt_checkpoint_file *f, nnrt_error *err)
{
    nnrt_checkpoint c = state_of(r, o);
    if (nnrt_checkpoint_load(m, f, &c, err) != 0)
        return -1;
    if (m->text_file && nnrt_text_vocabulary(m, err) != 0)   /* the text is the run's */
        return -1;
    r->epochs_done = c.epochs_done;
    r->saved_batches = r->partial.batches;
    /* stopped inside an epoch, the tensors are not the last epoch's: then
     * DIR/weights keeps what it has (that epoch's, or after a kill between
     * this epoch's files and its checkpoint, the bytes it will get again) */
    if (r->epochs_done > 0 && r->partial.batches > 0 && save_curve_files(r, err) != 0)
        return -1;
    if (r->epochs_done > 0 && r->partial.batches == 0 && save_epoch_files(r, m, err) != 0)
        return -1;
    /* a longer run (--epochs) is the run from now on, even if killed again at once */
    if (o->epochs != f->epochs && save_checkpoint(r, m, o, err) != 0)
        return -1;
    return 0;
}

/* The first tensor of m holding a NaN or an infinity, or NULL. */
static const nnrt_param *nonfinite_tensor(const nnrt_model *m)
{
    for (int p = 0; p < m->n_params; p++)
        for (int i = 0; i < m->params[p].size; i++)
            if (!isfinite(m->params[p].value[i]))
                return &m->params[p];
    return NULL;
}

/* The run diverged in epoch e (0-based) at `where`: what to say, as err. */
static int diverged(const run *r, const nnrt_train_opts *o, int e, const char *where,
                    nnrt_error *err)
{
    char kept[64];
    if (r->saved_batches > 0)
        snprintf(kept, sizeof kept, "from epoch %d at batch %d", r->epochs_done + 1,
                 r->saved_batches);
    else if (r->epochs_done > 0)
        snprintf(kept, sizeof kept, "from the end of epoch %d", r->epochs_done);
    else
        snprintf(kept, sizeof kept, "from before the first epoch");
    return nnrt_fail(err,
                     "epoch %d, %s: training diverged\n"
                     "  the last good checkpoint, %s, is kept in %s\n"
                     "  hint: the learning rate (%g) may be too high: try --lr %g",
                     e + 1, where, kept, r->checkpoint_path, (double)o->lr,
                     (double)(o->lr / 10));
}

/* Epoch e's validation, progress line, schedule and early stopping. */
static void end_epoch(run *r, const nnrt_model *m, int e, nnrt_progress *progress, double start)
{
    nnrt_epoch_stats *s = &r->rows[e];
    s->has_val = r->val.n_samples > 0;
    if (s->has_val) {
        nnrt_scores val;
        nnrt_evaluate(m, &r->val, r->eval_order, r->y, &val);
        s->val_loss = val.loss;
        s->val_accuracy = val.accuracy;
        s->val_mae = val.mae;
        s->val_rmse = val.rmse;
    }
    s->seconds = nnrt_now() - start;
    nnrt_progress_end(progress, s);
    float from, to;
    /* plateau watches val_loss, or the training loss without a validation split */
    if (nnrt_schedule_epoch_end(&r->schedule, s->has_val ? s->val_loss : s->loss, &from, &to)) {
        printf("epoch %d: learning rate %g -> %g\n", e + 1, (double)from, (double)to);
        fflush(stdout);
    }
    nnrt_early_epoch_end(&r->early, m, s);   /* the loop asks nnrt_early_stopped */
}

/* With early stopping: the best epoch's weights back, said on stdout, and
 * saved as DIR/weights. */
static int restore_best(run *r, const nnrt_model *m, nnrt_error *err)
{
    const nnrt_early_stopping *es = &r->early;
    const char *name = nnrt_monitor_name(es->s.monitor);
    if (es->s.patience <= 0)
        return 0;
    if (nnrt_early_stopped(es))
        printf("early stop after epoch %d: %s has not improved for %d epochs\n", r->epochs_done,
               name, es->wait);
    if (es->best_epoch == 0) {
        printf("early stop: no epoch had a %s to compare; keeping the last weights\n", name);
        fflush(stdout);
        return 0;
    }
    nnrt_early_restore(es, m);
    printf("early stop: restored the weights of epoch %d, the best %s (%.4f)\n", es->best_epoch,
           name, es->best);
    fflush(stdout);
    return nnrt_weights_save(m, r->weights_path, err);
}

/* A signal stopped the run, whose checkpoint is saved as r stands: say
 * where and how to go on; the exit status (130 for SIGINT, 143 for SIGTERM). */
static int stopped(const run *r, const nnrt_model *m, const nnrt_train_opts *o)
{
    char where[64];
    if (r->partial.batches > 0)
        snprintf(where, sizeof where, "in epoch %d at batch %d", r->epochs_done + 1,
                 r->partial.batches);
    else if (r->epochs_done > 0)
        snprintf(where, sizeof where, "after epoch %d", r->epochs_done);
    else
        snprintf(where, sizeof where, "before epoch 1");
    return nnrt_stop_report(m->name, where, o->prog ? o->prog : m->name, o->out_dir);
}

/* The bar of epoch e (on a terminal) drawn where r->partial says it
 * stands: at the epoch's start, resumed inside it, or stopped. */
static void show_bar(const run *r, const nnrt_model *m, int batch, int e,
                      nnrt_progress *progress)
{
    const nnrt_epoch_sums *p = &r->partial;
    int samples = p->batches * batch;
    double accuracy, mae, rmse;
    nnrt_tally_means(m, &p->tally, samples, &accuracy, &mae, &rmse);
    nnrt_progress_begin_at(progress, e + 1, p->batches, samples ? p->loss_sum / samples : 0,
                           progress->regress ? mae : accuracy);
}

/* Epoch e (0-based), or the rest of it when r->partial says it was begun:
 * its batches, then what end_epoch does and its files, the checkpoint
 * last.  Returns 0, -1 on an error, or a stopped run's exit status, once
 * the epoch so far is saved. */
static int run_epoch(run *r, const nnrt_model *m, const nnrt_train_opts *o, int e,
                     nnrt_progress *progress, nnrt_error *err)
{
    nnrt_epoch_stats *s = &r->rows[e];
    /* a resumed epoch keeps its clock: times.csv has the seconds of all of it */
    double start = nnrt_now() - r->partial.seconds;
    memset(s, 0, sizeof *s);
    s->epoch = e + 1;
    s->regress = m->task == NNRT_TASK_REGRESS;
    show_bar(r, m, o->batch, e, progress);
    epoch_end end = train_epoch(r, m, o->batch, e, progress, s);
    if (end == EPOCH_DIVERGED) {
        char where[96];
        nnrt_progress_break(progress);
        snprintf(where, sizeof where, "batch %d of %d: the loss is %s", r->partial.batches,
                 progress->steps, isnan(s->loss) ? "nan" : "infinite");
        return diverged(r, o, e, where, err);
    }
    if (end == EPOCH_STOPPED) {
        show_bar(r, m, o->batch, e, progress);   /* the last redraw may be older */
        nnrt_progress_break(progress);
        r->partial.seconds = nnrt_now() - start;
        if (save_checkpoint(r, m, o, err) != 0)
            return -1;
        return stopped(r, m, o);
    }
    memset(&r->partial, 0, sizeof r->partial);   /* the epoch's sums are in its row now */
    end_epoch(r, m, e, progress, start);
    const nnrt_param *bad = nonfinite_tensor(m);
    if (bad) {
        char where[160];
        snprintf(where, sizeof where, "after its last update: %s holds a nan or an infinity",
                 bad->name);
        return diverged(r, o, e, where, err);
    }
    r->epochs_done = e + 1;
    r->saved_batches = 0;   /* (once the checkpoint below is written) */
    /* the checkpoint last: until it is renamed into place, a kill goes back
     * to the previous one, and a resumed run rewrites the other files */
    if (save_epoch_files(r, m, err) != 0 || save_checkpoint(r, m, o, err) != 0)
        return -1;
    return 0;
}

/* The epochs left (fewer with early stopping), with SIGINT and SIGTERM
 * watched: the first stops the run between two batches, or between two
 * epochs when it came after an epoch's last batch (its validation and
 * files are finished first).  Before and after, they act at once: the run
 * is not started yet, or its training is saved whole.  Returns 0, -1 on an
 * error, or a stopped run's exit status. */
static int run_epochs(run *r, const nnrt_model *m, const nnrt_train_opts *o,
                      nnrt_progress *progress, nnrt_error *err)
{
    nnrt_stop_watch();
    int rc = 0;
    for (int e = r->epochs_done; rc == 0 && e < o->epochs && !nnrt_early_stopped(&r->early) &&
                                 !nnrt_stop_agreed();
         e++)
        rc = run_epoch(r, m, o, e, progress, err);
    nnrt_stop_unwatch();
    /* after an epoch's checkpoint (or the run's first): it is the run as it stands */
    if (rc == 0 && nnrt_stop_agreed())
        rc = stopped(r, m, o);
    return rc;
}

static int train(run *r, const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    int steps = (r->train.n_samples + o->batch - 1) / o->batch;
    printf("%s: %d training samples, %d validation, %d test; batch %d, %d steps per epoch; "
           "writing %s\n",
           m->name, r->train.n_samples, r->val.n_samples, r->test.n_samples, o->batch, steps,
           o->out_dir);
    nnrt_model_data_print(m, &r->all, &r->test, 0);   /* which copy of the data, if several */
    if (o->resume && r->partial.batches > 0)
        printf("resuming in epoch %d of %d after batch %d of %d, from %s\n", r->epochs_done + 1,
               o->epochs, r->partial.batches, steps, r->checkpoint_path);
    else if (o->resume)
        printf("resuming after epoch %d of %d, from %s\n", r->epochs_done, o->epochs,
               r->checkpoint_path);
    fflush(stdout);
    /* what the run is trained with, for its page and nnc report to show */
    nnrt_run_counts counts = { r->train.n_samples, r->val.n_samples, r->test.n_samples,
                               nnrt_threads(m), nnrt_dist_ranks() };
    if (nnrt_settings_save(m, o, &counts, o->out_dir, err) != 0)
        return -1;
    nnrt_progress progress;
    nnrt_progress_init(&progress, stdout, isatty(STDOUT_FILENO), o->epochs, steps);
    progress.regress = m->task == NNRT_TASK_REGRESS;
    progress.batch = o->batch;

    int rc = run_epochs(r, m, o, &progress, err);
    if (rc != 0)
        return rc;
    if (restore_best(r, m, err) != 0)
        return -1;
    /* the verdict on the curves and their picture, DIR/report.txt and
     * DIR/curve.svg: before the test line, so that from there on the
     * output is what `eval` prints */
    nnrt_diag_facts facts;
    nnrt_diagnosis verdict;
    if (nnrt_diag_facts_gather(m, o, &r->train, r->optim.step, &facts, err) != 0 ||
        nnrt_train_report(m, o->out_dir, r->rows, r->epochs_done, &facts, &verdict, err) != 0)
        return -1;

    /* the test line, and a classifier's confusion matrix and per-class
     * scores (DIR/confusion.csv, metrics.csv), from one pass; then the
     * run's page, DIR/report.html, its augmentation preview of training
     * images as augment-preview draws them */
    nnrt_page_source page = { "train", &r->all, o->seed };
    if (nnrt_test_report(m, &r->test, r->eval_order, r->y, o->out_dir, &page, err) != 0)
        return -1;
    /* a diverged run fails, as one stopped by a NaN does, its files kept */
    return verdict.fit == NNRT_FIT_DIVERGED ? nnrt_diverged_fail(&verdict, o->out_dir, err) : 0;
}

/* A resumed run's trainer was built from a .nn file of another meaning than
 * the run's (another model hash: an edit of comments or layout keeps it):
 * say so, since its optimizer, schedule or augmentation may differ.  A
 * checkpoint of a trainer from before model hashes holds the .nn file's
 * sha256 in that place, which never equals a model hash: it warns too. */
static void note_rebuilt(const nnrt_model *m, const nnrt_checkpoint_file *f)
{
    if (m->model_hash && strcmp(m->model_hash, f->sha256) != 0 && nnrt_dist_rank() == 0)
        fprintf(stderr, "%s: warning: %s was written by a trainer built from another version of "
                        "%s (model hash %.12s..., this one %.12s...); going on with this one's "
                        "settings\n",
                m->name, f->path, m->source ? m->source : "the .nn file", f->sha256,
                m->model_hash);
}

/* What every rank of an MPI job must train with alike, as text to compare
 * and to show (the folder and --threads may differ) */
static void settings_text(const nnrt_train_opts *o, char *text, size_t len)
{
    snprintf(text, len, "epochs %d, batch %d, lr %.9g, seed %llu, limit %d", o->epochs, o->batch,
             (double)o->lr, (unsigned long long)o->seed, o->limit);
}

int nnrt_train_run(const nnrt_model *m, const nnrt_train_opts *opts, nnrt_error *err)
{
    run r;
    memset(&r, 0, sizeof r);
    nnrt_train_opts o = *opts;
    nnrt_checkpoint_file f;
    memset(&f, 0, sizeof f);
    nnrt_rundir lock = { -1 };
    nnrt_run_use use = o.resume ? NNRT_RUN_RESUME : o.overwrite ? NNRT_RUN_OVERWRITE : NNRT_RUN_NEW;
    /* a folder that exists is locked (or refused) before anything is read,
     * so a second trainer on it is turned away at once */
    int rc = nnrt_rundir_lock(&lock, o.resume ? o.resume : o.out_dir, use, 0, err);
    if (rc == 0 && o.resume) {
        char path[NNRT_PATH_MAX];
        o.out_dir = o.resume;
        rc = run_file(path, o.resume, "checkpoint", err);
        if (rc == 0)
            rc = nnrt_checkpoint_open(m, path, &f, err);
        if (rc == 0)
            rc = nnrt_checkpoint_settings(&f, &o, err);
        if (rc == 0)
            note_rebuilt(m, &f);
    }
    if (rc == 0)
        rc = load_data(&r, m, &o, err);
    /* with MPI, every rank started so far and has the same model and data,
     * or all stop here (the one message is rank 0's) */
    const nnrt_dataset *sets[2] = { &r.all, &r.test };
    char settings[160];
    settings_text(&o, settings, sizeof settings);
    rc = nnrt_dist_agree(m, rc, err, sets, settings);
    if (rc == 0)   /* made only once the data is known to be good */
        rc = nnrt_rundir_lock(&lock, o.out_dir, use, 1, err);
    if (rc == 0)
        rc = nnrt_rundir_clear(&lock, o.out_dir, use, err);
    if (rc == 0)
        rc = allocate(&r, m, &o, err);
    if (rc == 0)
        rc = o.resume ? start_resumed(&r, m, &o, &f, err) : start_fresh(&r, m, &o, err);
    nnrt_checkpoint_close(&f);
    if (rc != NNRT_DIST_FAILED)   /* and once more: a rank fails alone, not in a collective */
        rc = nnrt_dist_agree(m, rc, err, NULL, NULL);
    if (rc == 0)
        rc = train(&r, m, &o, err);
    release(&r);
    nnrt_rundir_release(&lock);
    return rc;
}
