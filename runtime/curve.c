/* curve.c: the learning curve, DIR/curve.csv, and the epochs' wall times,
 * DIR/times.csv.
 *
 *   curve.csv                                   times.csv
 *   epoch,loss,accuracy,val_loss,val_accuracy   epoch,seconds
 *   1,0.498712,0.825093,0.401234,0.856000       1,3.214
 *
 * One row per epoch finished.  Each file is rewritten whole after every
 * epoch (to a temporary, then renamed), so an interrupted run keeps every row
 * so far and a reader never sees half a row.  Values are %.6f, seconds
 * %.3f.  The seconds have a file of their own because they are the one
 * thing a rerun does not repeat: curve.csv is the same, byte for byte, from
 * one run to the next with the same seed, and from a run killed and resumed
 * (train --resume).  Without a validation split the val_ fields are empty
 * (which pandas and spreadsheets read as missing).
 *
 * A REGRESS model has MAE and RMSE where others have accuracy:
 *   epoch,loss,mae,rmse,val_loss,val_mae,val_rmse
 *   1,0.498712,0.512345,0.701234,0.401234,0.456789,0.633333 */
#include <stdio.h>

#include "nnrt_internal.h"

static const char HEADER[] = "epoch,loss,accuracy,val_loss,val_accuracy\n";
static const char REGRESS_HEADER[] = "epoch,loss,mae,rmse,val_loss,val_mae,val_rmse\n";
static const char TIMES_HEADER[] = "epoch,seconds\n";

/* One classification row into line; its length as snprintf returns it. */
static int classify_row(char *line, size_t len, const nnrt_epoch_stats *s)
{
    if (s->has_val)
        return snprintf(line, len, "%d,%.6f,%.6f,%.6f,%.6f\n", s->epoch, s->loss, s->accuracy,
                        s->val_loss, s->val_accuracy);
    return snprintf(line, len, "%d,%.6f,%.6f,,\n", s->epoch, s->loss, s->accuracy);
}

static int regress_row(char *line, size_t len, const nnrt_epoch_stats *s)
{
    if (s->has_val)
        return snprintf(line, len, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", s->epoch, s->loss,
                        s->mae, s->rmse, s->val_loss, s->val_mae, s->val_rmse);
    return snprintf(line, len, "%d,%.6f,%.6f,%.6f,,,\n", s->epoch, s->loss, s->mae, s->rmse);
}

static int times_row(char *line, size_t len, const nnrt_epoch_stats *s)
{
    return snprintf(line, len, "%d,%.3f\n", s->epoch, s->seconds);
}

/* Rewrite path whole: header, then one row per epoch by row(). */
static int write_rows(const char *path, const char *header, size_t header_len,
                      int (*row)(char *, size_t, const nnrt_epoch_stats *),
                      const nnrt_epoch_stats *rows, int n, nnrt_error *err)
{
    nnrt_afile f;   /* on the stack: this runs inside the epoch loop */
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_afile_write(&f, header, header_len);
    for (int i = 0; i < n; i++) {
        char line[4096];   /* room for seven %.6f doubles of any size */
        int len = row(line, sizeof line, &rows[i]);
        if (len < 0 || (size_t)len >= sizeof line) {
            nnrt_afile_abort(&f);
            return nnrt_fail(err, "%s: epoch %d: a value too large to write", path,
                             rows[i].epoch);
        }
        nnrt_afile_write(&f, line, (size_t)len);
    }
    return nnrt_afile_commit(&f, err);
}

int nnrt_curve_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err)
{
    if (n > 0 && rows[0].regress)
        return write_rows(path, REGRESS_HEADER, sizeof REGRESS_HEADER - 1, regress_row, rows, n,
                          err);
    return write_rows(path, HEADER, sizeof HEADER - 1, classify_row, rows, n, err);
}

int nnrt_times_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err)
{
    return write_rows(path, TIMES_HEADER, sizeof TIMES_HEADER - 1, times_row, rows, n, err);
}
