/* csv.c: a CSV file of numbers made into a dataset of float features and
 * float targets.
 *
 *   rooms,area,price          <- line 1: column names, comma separated
 *   3,72.5,210000             <- one sample per line
 *
 * No quoting (the fields are numbers); spaces around names and numbers are
 * trimmed, and blank lines are skipped.  A line ends at LF (Unix), CRLF
 * (Windows) or a lone CR (old Macs, some exports); a UTF-8 byte-order mark
 * at the start (Excel writes one) is skipped.  A NUL byte is refused: the
 * file is not text, or was damaged.  Only the chosen columns are parsed, so
 * a file may carry other columns (an id, a name) the model does not read;
 * every row must still have the header's number of fields.  The file is
 * read whole, then parsed twice: once to count the rows, once to fill one
 * block that holds every feature and then every target. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt_internal.h"

#define BOM "\xef\xbb\xbf"   /* U+FEFF in UTF-8 */

/* Where a line ends: the length of its text, and of its end (0 at the end
 * of the text, 1 for LF or CR, 2 for CRLF). */
static size_t line_length(const char *p, size_t *end_len)
{
    size_t len = strcspn(p, "\r\n");
    *end_len = p[len] == '\0' ? 0 : p[len] == '\r' && p[len + 1] == '\n' ? 2 : 1;
    return len;
}

/* The first NUL byte of the file's len bytes, as "line L, column C (byte
 * B)" in the error; 0 if there is none. */
static int refuse_nul(const char *path, const char *text, size_t len, nnrt_error *err)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul)
        return 0;
    int line = 1;
    const char *start = text;
    for (;;) {
        size_t end_len, n = line_length(start, &end_len);
        if (start + n >= nul || end_len == 0)   /* the NUL ends this line's strcspn */
            break;
        start += n + end_len;
        line++;
    }
    return nnrt_fail(err, "%s: line %d, column %zu (byte %zu): a NUL byte; a CSV file holds text",
                     path, line,
                     (size_t)(nul - start) + 1, (size_t)(nul - text));
}

/* UTF-16 is full of NULs: say what it is before the first one is seen. */
static int refuse_utf16(const char *path, const char *text, size_t len, nnrt_error *err)
{
    if (len < 2 || !(memcmp(text, "\xff\xfe", 2) == 0 || memcmp(text, "\xfe\xff", 2) == 0))
        return 0;
    return nnrt_fail(err, "%s: byte 0: a UTF-16 byte-order mark: the file is UTF-16 text; "
                     "save it as UTF-8 (or ASCII)", path);
}

/* The whole file, '\0'-terminated, NULs refused; NULL on failure. */
static char *read_text(const char *path, nnrt_error *err)
{
    char *text;
    size_t len;
    if (nnrt_read_text(path, &text, &len, NULL, err) != 0)
        return NULL;
    if (refuse_utf16(path, text, len, err) != 0 || refuse_nul(path, text, len, err) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* One line cut out of the text, without its line end. */
typedef struct line {
    char *text;
    int number;                 /* 1-based */
} line;

/* The next line from *p (moving past it), ending it with '\0'; 0 at the end. */
static int next_line(char **p, int *number, line *out)
{
    if (**p == '\0')
        return 0;
    char *start = *p;
    size_t end_len, len = line_length(start, &end_len);
    *p = start + len + end_len;
    start[len] = '\0';
    out->text = start;
    out->number = ++*number;
    return 1;
}

static int blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

/* Split s in place at commas into at most max trimmed fields; returns the
 * number of fields there are (which may be more than max). */
static int split(char *s, char **fields, int max)
{
    int n = 0;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        char *end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (n < max)
            fields[n] = s;
        n++;
        if (!comma)
            return n;
        s = comma + 1;
    }
}

/* The header's names, for a message: "a, b, c" (cut short if long). */
static void list_columns(char *const *names, int n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, i ? ", %s" : "%s", names[i]);
}

/* What the loader needs to know about the columns while it parses rows. */
typedef struct layout {
    const char *path;
    char **names;               /* (n_columns): the header's, in the text */
    int n_columns;
    int *chosen;                /* (n_chosen): inputs, then targets */
    int n_chosen, n_inputs;
    int label_bound;            /* > 0: the target is a class label (or several
                                   columns a probability each); NNRT_CSV_ZERO_ONE */
    int bom;                    /* the file started with a byte-order mark */
} layout;

/* The column `want` names: a header name, else a decimal 0-based index. */
static int find_column(const layout *lay, const char *want, nnrt_error *err)
{
    for (int i = 0; i < lay->n_columns; i++)
        if (strcmp(lay->names[i], want) == 0)
            return i;
    int digits = want[0] != '\0';
    for (const char *c = want; *c; c++)
        digits = digits && isdigit((unsigned char)*c);
    if (digits && strlen(want) < 10 && atoi(want) < lay->n_columns)
        return atoi(want);
    char list[512];
    list_columns(lay->names, lay->n_columns, list, sizeof list);
    return nnrt_fail(err, "%s: no column '%s' (columns: %s)%s", lay->path, want, list,
                     lay->bom ? "; the file starts with a UTF-8 byte-order mark, which was "
                                "skipped" : "");
}

/* One field as a finite number into *v. */
static int parse_number(const layout *lay, const line *ln, int col, const char *text, float *v,
                        nnrt_error *err)
{
    char *end;
    errno = 0;
    double d = strtod(text, &end);
    if (text[0] == '\0' || *end != '\0' || !isfinite(d) || fabs(d) > 3.4028234663852886e38)
        return nnrt_fail(err, "%s: line %d: column '%s': expected a number, got '%s'", lay->path,
                         ln->number, lay->names[col], text);
    *v = (float)d;
    return 0;
}

static int check_label(const layout *lay, const line *ln, int col, const char *text, float v,
                       nnrt_error *err)
{
    if (v >= 0 && v < (float)lay->label_bound && v == floorf(v))
        return 0;
    return nnrt_fail(err, "%s: line %d: column '%s': label %s; the model has %d classes (0 to %d)",
                     lay->path, ln->number, lay->names[col], text, lay->label_bound,
                     lay->label_bound - 1);
}

/* Several target columns of a classification: each row a probability per
 * class (soft targets; a one-hot row is a label), each in [0, 1], summing
 * to 1 within SOFT_SUM_SLACK (a CSV's rounding: ten values of two decimals
 * may be 0.05 off; more is no distribution).  The row stays as it is: the
 * loss reads it whole, and the label accuracy counts is its first largest
 * (batch.c). */
#define SOFT_SUM_SLACK 0.01

static int soft_row(const layout *lay, const line *ln, const float *t, nnrt_error *err)
{
    int n_targets = lay->n_chosen - lay->n_inputs;
    double sum = 0;
    for (int k = 0; k < n_targets; k++) {
        if (!(t[k] >= 0 && t[k] <= 1))
            return nnrt_fail(err, "%s: line %d: column '%s': %g is no probability: the %d "
                             "target columns hold each class's probability, 0 to 1", lay->path,
                             ln->number, lay->names[lay->chosen[lay->n_inputs + k]],
                             (double)t[k], n_targets);
        sum += t[k];
    }
    if (fabs(sum - 1) > SOFT_SUM_SLACK)
        return nnrt_fail(err, "%s: line %d: the %d target columns sum to %g, not 1: they hold "
                         "each class's probability (one 1 and the rest 0 for a label)",
                         lay->path, ln->number, n_targets, sum);
    return 0;
}

/* Row ln's chosen fields into x (n_inputs floats) and t (the rest). */
static int parse_row(const layout *lay, const line *ln, char **fields, float *x, float *t,
                     nnrt_error *err)
{
    int n = split(ln->text, fields, lay->n_columns);
    if (n < lay->n_columns)
        return nnrt_fail(err, "%s: line %d: column '%s': missing (%d fields; the header has %d)",
                         lay->path, ln->number, lay->names[n], n, lay->n_columns);
    if (n > lay->n_columns)
        return nnrt_fail(err, "%s: line %d: %d fields; the header has %d", lay->path, ln->number,
                         n, lay->n_columns);
    for (int j = 0; j < lay->n_chosen; j++) {
        int col = lay->chosen[j];
        float *v = j < lay->n_inputs ? &x[j] : &t[j - lay->n_inputs];
        if (parse_number(lay, ln, col, fields[col], v, err) != 0)
            return -1;
        if (j >= lay->n_inputs && lay->label_bound > 0 && lay->n_chosen - lay->n_inputs == 1 &&
            check_label(lay, ln, col, fields[col], *v, err) != 0)
            return -1;
    }
    if (lay->label_bound > 0 && lay->n_chosen - lay->n_inputs > 1)
        return soft_row(lay, ln, t, err);
    for (int k = 0; lay->label_bound == NNRT_CSV_ZERO_ONE && k < lay->n_chosen - lay->n_inputs;
         k++)
        if (t[k] != 0 && t[k] != 1)
            return nnrt_fail(err, "%s: line %d: column '%s': %g; a label column holds 0 (no) "
                             "or 1 (yes)", lay->path, ln->number,
                             lay->names[lay->chosen[lay->n_inputs + k]], (double)t[k]);
    return 0;
}

/* Every data row after the header into out's block. */
static int parse_rows(const layout *lay, char *p, int line_no, int n_rows, nnrt_dataset *out,
                      nnrt_error *err)
{
    int n_targets = lay->n_chosen - lay->n_inputs;
    size_t floats = (size_t)n_rows * (size_t)lay->n_chosen;
    char **fields = malloc((size_t)lay->n_columns * sizeof *fields);
    out->csv_owner = malloc((floats ? floats : 1) * sizeof(float));
    if (!fields || !out->csv_owner) {
        free(fields);
        return nnrt_fail(err, "%s: out of memory for %d rows", lay->path, n_rows);
    }
    float *x = out->csv_owner, *t = x + (size_t)n_rows * (size_t)lay->n_inputs;
    out->features = x;
    out->targets = t;
    line ln;
    int r = 0, rc = 0;
    while (rc == 0 && next_line(&p, &line_no, &ln))
        if (!blank(ln.text)) {
            rc = parse_row(lay, &ln, fields, x + (size_t)r * (size_t)lay->n_inputs,
                           t + (size_t)r * (size_t)n_targets, err);
            r++;
        }
    free(fields);
    return rc;
}

static int count_rows(const char *p)
{
    int n = 0;
    while (*p) {
        size_t end_len, len = line_length(p, &end_len);
        int empty = 1;
        for (size_t i = 0; i < len; i++)
            empty = empty && (p[i] == ' ' || p[i] == '\t');
        n += !empty;
        p += len + end_len;
    }
    return n;
}

/* The header's names and the chosen columns into lay. */
static int read_header(layout *lay, char *header, const char *const *inputs, int n_inputs,
                       const char *const *targets, int n_targets, nnrt_error *err)
{
    lay->n_columns = 1;
    for (const char *c = header; *c; c++)
        lay->n_columns += *c == ',';
    lay->names = malloc((size_t)lay->n_columns * sizeof *lay->names);
    lay->chosen = malloc(((size_t)n_inputs + (size_t)n_targets + 1) * sizeof *lay->chosen);
    if (!lay->names || !lay->chosen)
        return nnrt_fail(err, "%s: out of memory", lay->path);
    split(header, lay->names, lay->n_columns);
    lay->n_inputs = n_inputs;
    lay->n_chosen = n_inputs + n_targets;
    for (int j = 0; j < lay->n_chosen; j++) {
        const char *want = j < n_inputs ? inputs[j] : targets[j - n_inputs];
        if ((lay->chosen[j] = find_column(lay, want, err)) < 0)
            return -1;
    }
    return 0;
}

int nnrt_csv_load(const char *name, const char *const *inputs, int n_inputs,
                  const char *const *targets, int n_targets, int label_bound,
                  nnrt_dataset *out, nnrt_error *err)
{
    char path[NNRT_DATA_PATH_MAX];
    nnrt_data_place place;
    memset(out, 0, sizeof *out);
    if (nnrt_data_find(name, path, sizeof path, &place, err) != 0)
        return -1;
    if (nnrt_csv_read(path, inputs, n_inputs, targets, n_targets, label_bound, out, err) != 0)
        return -1;
    out->place = place;
    return 0;
}

int nnrt_csv_read(const char *path, const char *const *inputs, int n_inputs,
                  const char *const *targets, int n_targets, int label_bound,
                  nnrt_dataset *out, nnrt_error *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path)
        return nnrt_fail(err, "%s: path too long", path);
    char *text = read_text(path, err);
    if (!text)
        return -1;
    int bom = strncmp(text, BOM, 3) == 0;
    layout lay = { .path = path, .label_bound = label_bound, .bom = bom };
    char *p = text + (bom ? 3 : 0);
    int line_no = 0;
    line header;
    int rc;
    if (!next_line(&p, &line_no, &header) || blank(header.text))
        rc = nnrt_fail(err, "%s: line 1: expected a header row of column names", path);
    else
        rc = read_header(&lay, header.text, inputs, n_inputs, targets, n_targets, err);
    int n_rows = rc == 0 ? count_rows(p) : 0;
    if (rc == 0)
        rc = parse_rows(&lay, p, line_no, n_rows, out, err);
    free(lay.names);
    free(lay.chosen);
    free(text);
    if (rc != 0) {   /* not nnrt_dataset_free: nnc links this file without IDX's */
        free(out->csv_owner);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->n_samples = n_rows;
    out->n_features = n_inputs;
    out->n_targets = n_targets;
    out->sample_bytes = (size_t)n_inputs;   /* floats per row: what batches size by */
    out->sample_ndims = 1;
    out->sample_dims[0] = n_inputs;
    out->target_labels = label_bound > 0;
    snprintf(out->path, sizeof out->path, "%s", path);
    out->place = NNRT_DATA_AS_GIVEN;
    return 0;
}

int nnrt_csv_row_lines(const char *path, int *lines, int n, nnrt_error *err)
{
    char *text = read_text(path, err);
    if (!text)
        return -1;
    char *p = text + (strncmp(text, BOM, 3) == 0 ? 3 : 0);
    int line_no = 0, k = 0;
    line ln;
    if (next_line(&p, &line_no, &ln))   /* the header */
        while (k < n && next_line(&p, &line_no, &ln))
            if (!blank(ln.text))
                lines[k++] = ln.number;
    free(text);
    return k == n ? 0 : nnrt_fail(err, "%s: changed while it was read", path);
}
