/* report.c: what `train` leaves behind after its last epoch, beside curve.csv:
 * DIR/curve.svg, the learning curves drawn (plot_svg.c), and
 * DIR/report.txt, the verdict on them (diagnose.c), which is printed too.
 * Both are written whole through a temporary file and a rename. */
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
                      nnrt_error *err)
{
    int trained = 0;
    while (trained < n && rows[trained].epoch != 0)
        trained++;
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
    nnrt_diagnosis d;
    nnrt_diagnose(&c, &d);
    char text[2048];
    nnrt_diagnosis_text(&d, text, sizeof text);
    fputs(text, stdout);
    fflush(stdout);
    int rc = nnrt_plot_write(svg, m->name, &c, 1, err);
    if (rc == 0)
        rc = nnrt_afile_save(report, text, strlen(text), err);
    free(block);
    return rc;
}
