/* train.c: the `train` command: the epoch loop.
 *
 * Everything is allocated before the first epoch; inside the loop nothing
 * is (weights and curve.csv are written through stack buffers).  Per batch:
 * fill the input, set the scheduled learning rate, forward in training
 * mode, loss (plus the penalty, as Keras reports it), accuracy, backward,
 * optimizer step.  After each epoch: validation, the progress line, the
 * plateau schedule's verdict (a line of its own when it lowers the rate), a
 * row of curve.csv and DIR/weights, so an interrupted run keeps its last
 * epoch.  At the end the test set, on stdout:  test: loss 0.3712 accuracy 0.8690
 * (a REGRESS model reports MAE and RMSE where others report accuracy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "nnrt_internal.h"

/* What one run holds, so that one cleanup frees it all. */
typedef struct run {
    nnrt_dataset all, test;     /* owners of the data */
    nnrt_dataset train, val;    /* views into all */
    int *order;                 /* (train.n_samples): this epoch's shuffle */
    int *eval_order;            /* (max(val, test) samples): scratch for nnrt_evaluate */
    int *y;                     /* (max_batch): labels of the current batch */
    nnrt_epoch_stats *rows;     /* (epochs): the curve so far */
    float *augment_scratch;     /* (in_size): for nnrt_augment_batch */
    nnrt_rng augment;           /* the training images' random changes */
    nnrt_optim_state optim;
    nnrt_lr_schedule schedule;
    int have_all, have_test, have_optim;
    char weights_path[NNRT_PATH_MAX], curve_path[NNRT_PATH_MAX];
} run;

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
    long steps = (r->train.n_samples + o->batch - 1) / o->batch;
    nnrt_schedule_start(&r->schedule, &m->schedule, o->lr, steps * o->epochs);
    for (int i = 0; i < r->train.n_samples; i++)
        r->order[i] = i;
    if ((size_t)snprintf(r->weights_path, sizeof r->weights_path, "%s/weights", o->out_dir) >=
            sizeof r->weights_path ||
        (size_t)snprintf(r->curve_path, sizeof r->curve_path, "%s/curve.csv", o->out_dir) >=
            sizeof r->curve_path)
        return nnrt_fail(err, "%s: path too long", o->out_dir);
    return 0;
}

static void release(run *r)
{
    if (r->have_optim)
        nnrt_optim_free(&r->optim);
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
    m->forward(n, 1, dropout);
    /* the penalty once per batch mean: n times into the sum */
    double loss = m->loss(n, y) + n * nnrt_penalty(m);
    /* accuracy (or errors) in training mode (dropout on), as Keras reports it */
    nnrt_tally_add(m, y, n, tally);
    m->backward(n);
    nnrt_optim_step(st, m);
    return loss;
}

/* One pass over the shuffled training set (epoch e, 0-based); mean loss
 * and accuracy (or MAE and RMSE) into s. */
static void train_epoch(run *r, const nnrt_model *m, int batch, int e, nnrt_rng *shuffle,
                        nnrt_rng *dropout, nnrt_progress *progress, nnrt_epoch_stats *s)
{
    const nnrt_dataset *ds = &r->train;
    double loss_sum = 0;
    nnrt_tally tally = { 0, 0, 0 };
    nnrt_shuffle(r->order, ds->n_samples, shuffle);
    int step = 0;
    for (int first = 0; first < ds->n_samples; first += batch) {
        /* the last batch may be partial: it is trained on too */
        int n = ds->n_samples - first < batch ? ds->n_samples - first : batch;
        nnrt_model_batch(m, ds, r->order, first, n, r->y);
        /* training batches only: validation and test see the images as they are */
        nnrt_augment_batch(m, m->input, n, r->augment_scratch, &r->augment);
        r->optim.opt.lr = nnrt_schedule_lr(&r->schedule, r->optim.step, e);
        loss_sum += nnrt_train_batch(m, &r->optim, n, r->y, dropout, &tally);
        double accuracy, mae, rmse;
        nnrt_tally_means(m, &tally, first + n, &accuracy, &mae, &rmse);
        nnrt_progress_update(progress, ++step, loss_sum / (first + n),
                             s->regress ? mae : accuracy);
    }
    s->loss = loss_sum / ds->n_samples;
    nnrt_tally_means(m, &tally, ds->n_samples, &s->accuracy, &s->mae, &s->rmse);
}

static int train(run *r, const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    nnrt_rng init, shuffle, dropout;
    nnrt_rng_stream(&init, o->seed, NNRT_STREAM_INIT);
    nnrt_rng_stream(&shuffle, o->seed, NNRT_STREAM_SHUFFLE);
    nnrt_rng_stream(&dropout, o->seed, NNRT_STREAM_DROPOUT);
    nnrt_rng_stream(&r->augment, o->seed, NNRT_STREAM_AUGMENT);
    if (nnrt_params_start(m, &init, err) != 0)
        return -1;

    int steps = (r->train.n_samples + o->batch - 1) / o->batch;
    printf("%s: %d training samples, %d validation, %d test; batch %d, %d steps per epoch; "
           "writing %s\n",
           m->name, r->train.n_samples, r->val.n_samples, r->test.n_samples, o->batch, steps,
           o->out_dir);
    fflush(stdout);
    nnrt_progress progress;
    nnrt_progress_init(&progress, stdout, isatty(STDOUT_FILENO), o->epochs, steps);
    progress.regress = m->task == NNRT_TASK_REGRESS;

    for (int e = 0; e < o->epochs; e++) {
        nnrt_epoch_stats *s = &r->rows[e];
        double start = nnrt_now();
        s->epoch = e + 1;
        s->regress = m->task == NNRT_TASK_REGRESS;
        nnrt_progress_begin(&progress, e + 1);
        train_epoch(r, m, o->batch, e, &shuffle, &dropout, &progress, s);
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
        nnrt_progress_end(&progress, s);
        float from, to;
        /* plateau watches val_loss, or the training loss without a validation split */
        if (nnrt_schedule_epoch_end(&r->schedule, s->has_val ? s->val_loss : s->loss, &from,
                                    &to)) {
            printf("epoch %d: learning rate %g -> %g\n", e + 1, (double)from, (double)to);
            fflush(stdout);
        }
        if (nnrt_curve_write(r->curve_path, r->rows, e + 1, err) != 0 ||
            nnrt_weights_save(m, r->weights_path, err) != 0)
            return -1;
    }
    /* the verdict on the curves and their picture, DIR/report.txt and
     * DIR/curve.svg: before the test line, so that from there on the
     * output is what `eval` prints */
    if (nnrt_train_report(m, o->out_dir, r->rows, o->epochs, err) != 0)
        return -1;

    nnrt_scores test;
    nnrt_evaluate(m, &r->test, r->eval_order, r->y, &test);
    nnrt_print_test(m, &test);
    /* a classifier's confusion matrix and per-class scores, DIR/confusion.csv, metrics.csv */
    if (nnrt_metrics_report(m, &r->test, r->eval_order, r->y, o->out_dir, err) != 0)
        return -1;
    return 0;
}

int nnrt_train_run(const nnrt_model *m, const nnrt_train_opts *o, nnrt_error *err)
{
    run r;
    memset(&r, 0, sizeof r);
    int rc = load_data(&r, m, o, err);
    if (rc == 0)
        rc = nnrt_mkdirs(o->out_dir, err);   /* only once the data is known to be good */
    if (rc == 0)
        rc = allocate(&r, m, o, err);
    if (rc == 0)
        rc = train(&r, m, o, err);
    release(&r);
    return rc;
}
