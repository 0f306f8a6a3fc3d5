/* report.c: what `train` leaves behind after its last epoch, beside curve.csv:
 * DIR/curve.svg, the learning curves drawn (plot_svg.c), and
 * DIR/report.txt, the verdict on them and on the run's facts (diagnose.c,
 * diag_facts.c), which is printed too; and the error a diverged run ends
 * with.  Both files are written whole through a temporary file and a
 * rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"

/* The curve of rows[0..n) as arrays: one block, owned by the caller. */
static void *curve_of(const nnrt_epoch_stats *rows, int n, nnrt_curve *c)
{
    double *block = malloc((size_t)n * 4 * sizeof(double) + (size_t)n * sizeof(int));
    if (!block)
        return NULL;
    double *loss = block, *metric = block + n, *val_loss = block + 2 * n,
           *val_metric = block + 3 * n;
    int *epoch = (int *)(block + 4 * n);
    for (int i = 0; i < n; i++) {
        const nnrt_epoch_stats *s = &rows[i];
        epoch[i] = s->epoch;
        loss[i] = s->loss;
        metric[i] = s->regress ? s->mae : s->accuracy;
        val_loss[i] = s->val_loss;
        val_metric[i] = s->regress ? s->val_mae : s->val_accuracy;
    }
    *c = (nnrt_curve){
        .n = n,
        .regress = rows[0].regress,
        .has_val = rows[0].has_val,
        .epoch = epoch,
        .loss = loss,
        .metric = metric,
        .val_loss = rows[0].has_val ? val_loss : NULL,
        .val_metric = rows[0].has_val ? val_metric : NULL,
    };
    return block;
}

int nnrt_train_report(const nnrt_model *m, const char *dir, const nnrt_epoch_stats *rows, int n,
                      const nnrt_diag_facts *f, nnrt_diagnosis *d, nnrt_error *err)
{
    int trained = 0;
    while (trained < n && rows[trained].epoch != 0)
        trained++;
    memset(d, 0, sizeof *d);
    if (trained == 0)
        return 0;
    char svg[NNRT_PATH_MAX], report[NNRT_PATH_MAX];
    if ((size_t)snprintf(svg, sizeof svg, "%s/curve.svg", dir) >= sizeof svg ||
        (size_t)snprintf(report, sizeof report, "%s/report.txt", dir) >= sizeof report)
        return nnrt_fail(err, "%s: path too long", dir);
    nnrt_curve c;
    void *block = curve_of(rows, trained, &c);
    if (!block)
        return nnrt_fail(err, "out of memory for the report");
    c.name = m->name;
    nnrt_diagnose_run(&c, f, d);
    char text[4096];   /* three lines and four warnings of a few hundred bytes */
    nnrt_diagnosis_text(d, text, sizeof text);
    fputs(text, stdout);
    fflush(stdout);
    int rc = nnrt_plot_write(svg, m->name, &c, 1, err);
    if (rc == 0)
        rc = nnrt_afile_save(report, text, strlen(text), err);
    free(block);
    return rc;
}

int nnrt_diverged_fail(const nnrt_diagnosis *d, const char *dir, nnrt_error *err)
{
    if (d->suggested_lr > 0)
        return nnrt_fail(err, "training diverged (the verdict is in %s/report.txt): try --lr %g",
                         dir, d->suggested_lr);
    return nnrt_fail(err, "training diverged (the verdict is in %s/report.txt): try a lower --lr",
                     dir);
}
