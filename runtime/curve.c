/* curve.c: the learning curve, DIR/curve.csv.
 *
 *   epoch,loss,accuracy,val_loss,val_accuracy,seconds
 *   1,0.498712,0.825093,0.401234,0.856000,3.214
 *
 * One row per epoch finished.  The file is rewritten whole after every
 * epoch (to curve.csv.tmp, then renamed), so an interrupted run keeps every
 * row so far and a reader never sees half a row.  Values are %.6f, seconds
 * %.3f; every column but seconds is the same, byte for byte, from one run
 * to the next with the same seed.  Without a validation split the val_
 * fields are empty (which pandas and spreadsheets read as missing).
 *
 * A REGRESS model has MAE and RMSE where others have accuracy:
 *   epoch,loss,mae,rmse,val_loss,val_mae,val_rmse,seconds
 *   1,0.498712,0.512345,0.701234,0.401234,0.456789,0.633333,3.214 */
#include <stdio.h>

#include "nnrt_internal.h"

static const char HEADER[] = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
static const char REGRESS_HEADER[] = "epoch,loss,mae,rmse,val_loss,val_mae,val_rmse,seconds\n";

/* One classification row into line; its length as snprintf returns it. */
static int classify_row(char *line, size_t len, const nnrt_epoch_stats *s)
{
    if (s->has_val)
        return snprintf(line, len, "%d,%.6f,%.6f,%.6f,%.6f,%.3f\n", s->epoch, s->loss,
                        s->accuracy, s->val_loss, s->val_accuracy, s->seconds);
    return snprintf(line, len, "%d,%.6f,%.6f,,,%.3f\n", s->epoch, s->loss, s->accuracy,
                    s->seconds);
}

static int regress_row(char *line, size_t len, const nnrt_epoch_stats *s)
{
    if (s->has_val)
        return snprintf(line, len, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f\n", s->epoch, s->loss,
                        s->mae, s->rmse, s->val_loss, s->val_mae, s->val_rmse, s->seconds);
    return snprintf(line, len, "%d,%.6f,%.6f,%.6f,,,,%.3f\n", s->epoch, s->loss, s->mae,
                    s->rmse, s->seconds);
}

int nnrt_curve_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err)
{
    nnrt_afile f;   /* on the stack: this runs inside the epoch loop */
    int regress = n > 0 && rows[0].regress;
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    if (regress)
        nnrt_afile_write(&f, REGRESS_HEADER, sizeof REGRESS_HEADER - 1);
    else
        nnrt_afile_write(&f, HEADER, sizeof HEADER - 1);
    for (int i = 0; i < n; i++) {
        const nnrt_epoch_stats *s = &rows[i];
        char line[4096];   /* room for seven %.6f doubles of any size */
        int len = regress ? regress_row(line, sizeof line, s) : classify_row(line, sizeof line, s);
        if (len < 0 || (size_t)len >= sizeof line) {
            nnrt_afile_abort(&f);
            return nnrt_fail(err, "%s: epoch %d: a value too large to write", path, s->epoch);
        }
        nnrt_afile_write(&f, line, (size_t)len);
    }
    return nnrt_afile_commit(&f, err);
}
