/* curve_read.c: a curve.csv read back, for `nnc plot`.
 *
 *   epoch,loss,accuracy,val_loss,val_accuracy,seconds
 *   1,0.498712,0.825093,0.401234,0.856000,3.214
 *
 * Columns are found by their header names, so a column added or moved
 * (`seconds` may go to a file of its own) changes nothing here.  Fields
 * are as curve.c writes them: comma separated, no quoting; spaces around
 * them are trimmed, a trailing \r is dropped and blank lines are skipped.
 * An empty field is a missing value (NAN): every val_ field of a run
 * without validation.  A field of "nan" or "inf" (a run that diverged) is
 * read as such.  The file is read whole, its lines counted, then parsed
 * into one block holding every column. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "plot.h"

enum { MAX_FIELDS = 64 };

/* The columns read, in the order of the block's arrays. */
enum { COL_EPOCH, COL_LOSS, COL_METRIC, COL_VAL_LOSS, COL_VAL_METRIC, N_COLS };

/* The whole file, '\0'-terminated, NULs refused; NULL on failure (err
 * filled). */
static char *read_all(const char *path, nnrt_error *err)
{
    char *buf;
    size_t len;
    if (nnrt_read_text(path, &buf, &len, NULL, err) != 0)
        return NULL;
    size_t text_len = strlen(buf);
    if (text_len != len) {
        free(buf);
        nnrt_fail(err, "%s: byte %zu: a NUL byte: not a curve.csv", path, text_len);
        return NULL;
    }
    return buf;
}

/* The next line of *p, cut out in place without its \n or \r\n; NULL at
 * the end.  *number counts lines from 1. */
static char *next_line(char **p, int *number)
{
    if (**p == '\0')
        return NULL;
    char *start = *p, *nl = strchr(start, '\n');
    *p = nl ? nl + 1 : start + strlen(start);
    if (nl)
        *nl = '\0';
    size_t len = strlen(start);
    if (len > 0 && start[len - 1] == '\r')
        start[len - 1] = '\0';
    ++*number;
    return start;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

/* Split line on commas in place into at most MAX_FIELDS trimmed fields;
 * the number of fields (MAX_FIELDS + 1 when there are more). */
static int split(char *line, char **fields)
{
    int n = 0;
    for (char *s = line;; n++) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        if (n < MAX_FIELDS)
            fields[n] = trim(s);
        if (!comma)
            return n + 1 > MAX_FIELDS ? MAX_FIELDS + 1 : n + 1;
        s = comma + 1;
    }
}

/* Where each column we read is in the header; -1 if absent. */
typedef struct layout {
    int at[N_COLS];
    int n_fields;
    int regress;
} layout;

static int find(char **names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* "a, b, c" into buf: the header's names, for messages. */
static void list_names(char **names, int n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

static int read_header(const char *path, int line_no, char *line, layout *l, nnrt_error *err)
{
    char *names[MAX_FIELDS];
    int n = split(line, names);
    if (n > MAX_FIELDS)
        return nnrt_fail(err, "%s: line %d: more than %d columns", path, line_no, MAX_FIELDS);
    l->n_fields = n;
    l->at[COL_EPOCH] = find(names, n, "epoch");
    l->at[COL_LOSS] = find(names, n, "loss");
    l->at[COL_METRIC] = find(names, n, "accuracy");
    l->at[COL_VAL_METRIC] = find(names, n, "val_accuracy");
    l->regress = l->at[COL_METRIC] < 0 && find(names, n, "mae") >= 0;
    if (l->regress) {
        l->at[COL_METRIC] = find(names, n, "mae");
        l->at[COL_VAL_METRIC] = find(names, n, "val_mae");
    }
    l->at[COL_VAL_LOSS] = find(names, n, "val_loss");
    const char *missing = l->at[COL_EPOCH] < 0    ? "'epoch'"
                          : l->at[COL_LOSS] < 0   ? "'loss'"
                          : l->at[COL_METRIC] < 0 ? "'accuracy' or 'mae'"
                                                  : NULL;
    if (missing) {
        char list[512];
        list_names(names, n, list, sizeof list);
        return nnrt_fail(err, "%s: line %d: no %s column (columns: %s)", path, line_no, missing,
                         list);
    }
    return 0;
}

/* One field of column `name` into *v: a number, or NAN when empty and
 * `optional`. */
static int parse_value(const char *path, int line_no, const char *name, const char *text,
                       int optional, double *v, nnrt_error *err)
{
    if (*text == '\0') {
        if (!optional)
            return nnrt_fail(err, "%s: line %d: column '%s': missing", path, line_no, name);
        *v = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    if (end == text || *end != '\0')
        return nnrt_fail(err, "%s: line %d: column '%s': expected a number, got '%s'", path,
                         line_no, name, text);
    if (isnan(*v))
        *v = NAN;   /* "-nan" too: one NaN, whatever its sign */
    return 0;
}

static int parse_epoch(const char *path, int line_no, const char *text, int previous,
                       int *epoch, nnrt_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno || v < 1 || v > INT_MAX)
        return nnrt_fail(err, "%s: line %d: column 'epoch': expected a whole number from 1, "
                              "got '%s'", path, line_no, text);
    if (v <= previous)
        return nnrt_fail(err, "%s: line %d: epoch %ld after epoch %d: epochs must increase",
                         path, line_no, v, previous);
    *epoch = (int)v;
    return 0;
}

/* The block's arrays: n epochs, then n values of each other column. */
typedef struct columns {
    int *epoch;
    double *v[N_COLS];          /* [COL_EPOCH] unused */
} columns;

static const char *const COL_NAMES[2][N_COLS] = {
    { "epoch", "loss", "accuracy", "val_loss", "val_accuracy" },
    { "epoch", "loss", "mae", "val_loss", "val_mae" },
};

/* A data line into row i of cols; *has_val set if its val_loss is there. */
static int read_row(const char *path, int line_no, char *line, const layout *l, columns *cols,
                    int i, int *has_val, nnrt_error *err)
{
    char *f[MAX_FIELDS];
    int n = split(line, f);
    if (n != l->n_fields)
        return nnrt_fail(err, "%s: line %d: %d field%s; the header has %d", path, line_no,
                         n > MAX_FIELDS ? MAX_FIELDS + 1 : n, n == 1 ? "" : "s", l->n_fields);
    if (parse_epoch(path, line_no, f[l->at[COL_EPOCH]], i > 0 ? cols->epoch[i - 1] : 0,
                    &cols->epoch[i], err) != 0)
        return -1;
    if (l->at[COL_VAL_LOSS] >= 0 && f[l->at[COL_VAL_LOSS]][0] != '\0')
        *has_val = 1;
    for (int c = COL_LOSS; c < N_COLS; c++) {
        if (l->at[c] < 0) {
            cols->v[c][i] = NAN;
            continue;
        }
        int optional = c == COL_VAL_LOSS || c == COL_VAL_METRIC;
        if (parse_value(path, line_no, COL_NAMES[l->regress][c], f[l->at[c]], optional,
                        &cols->v[c][i], err) != 0)
            return -1;
    }
    return 0;
}

/* Carve the block for n rows. */
static void *allocate(int n, columns *cols)
{
    size_t doubles = (size_t)n * (N_COLS - 1);
    double *block = malloc(doubles * sizeof(double) + (size_t)n * sizeof(int));
    if (!block)
        return NULL;
    for (int c = COL_LOSS; c < N_COLS; c++)
        cols->v[c] = block + (size_t)(c - COL_LOSS) * (size_t)n;
    cols->epoch = (int *)(block + doubles);
    return block;
}

static int parse(const char *path, char *text, nnrt_curve *out, nnrt_error *err)
{
    int rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    rows++;   /* a last line without \n */

    char *p = text, *line;
    int line_no = 0;
    while ((line = next_line(&p, &line_no)) && blank(line))
        ;
    if (!line)
        return nnrt_fail(err, "%s: empty: expected a header line "
                              "(epoch,loss,accuracy,val_loss,val_accuracy)", path);
    layout l;
    if (read_header(path, line_no, line, &l, err) != 0)
        return -1;

    columns cols;
    void *block = allocate(rows, &cols);
    if (!block)
        return nnrt_fail(err, "%s: out of memory", path);
    int n = 0, has_val = 0;
    while ((line = next_line(&p, &line_no))) {
        if (blank(line))
            continue;
        if (read_row(path, line_no, line, &l, &cols, n, &has_val, err) != 0) {
            free(block);
            return -1;
        }
        n++;
    }
    if (n == 0) {
        free(block);
        return nnrt_fail(err, "%s: no epochs: only the header", path);
    }
    *out = (nnrt_curve){
        .n = n,
        .regress = l.regress,
        .has_val = has_val,
        .epoch = cols.epoch,
        .loss = cols.v[COL_LOSS],
        .metric = cols.v[COL_METRIC],
        .val_loss = has_val ? cols.v[COL_VAL_LOSS] : NULL,
        .val_metric = has_val ? cols.v[COL_VAL_METRIC] : NULL,
        .block = block,
    };
    return 0;
}

int nnrt_curve_read(const char *path, nnrt_curve *out, nnrt_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = read_all(path, err);
    if (!text)
        return -1;
    int rc = parse(path, text, out, err);
    free(text);
    return rc;
}

void nnrt_curve_free(nnrt_curve *c)
{
    free(c->block);
    memset(c, 0, sizeof *c);
}
