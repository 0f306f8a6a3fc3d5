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
 * fields are empty (which pandas and spreadsheets read as missing). */
#include <stdio.h>

#include "nnrt_internal.h"

static const char HEADER[] = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";

int nnrt_curve_write(const char *path, const nnrt_epoch_stats *rows, int n, nnrt_error *err)
{
    nnrt_afile f;   /* on the stack: this runs inside the epoch loop */
    if (nnrt_afile_open(&f, path, err) != 0)
        return -1;
    nnrt_afile_write(&f, HEADER, sizeof HEADER - 1);
    for (int i = 0; i < n; i++) {
        const nnrt_epoch_stats *s = &rows[i];
        char line[2048];   /* room for four %.6f doubles of any size */
        int len;
        if (s->has_val)
            len = snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.3f\n", s->epoch, s->loss,
                           s->accuracy, s->val_loss, s->val_accuracy, s->seconds);
        else
            len = snprintf(line, sizeof line, "%d,%.6f,%.6f,,,%.3f\n", s->epoch, s->loss,
                           s->accuracy, s->seconds);
        if (len < 0 || (size_t)len >= sizeof line) {
            nnrt_afile_abort(&f);
            return nnrt_fail(err, "%s: epoch %d: a value too large to write", path, s->epoch);
        }
        nnrt_afile_write(&f, line, (size_t)len);
    }
    return nnrt_afile_commit(&f, err);
}
