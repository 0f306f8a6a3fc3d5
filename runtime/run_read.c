/* run_read.c: a run folder read back for the pages: curve.csv
 * (curve_read.c), report.txt, settings.txt (settings.c), times.csv,
 * test.csv and metrics.csv's macro row; and settings.txt's lines parsed
 * (nnrt_settings_parse), which `nnc report` reads too: nothing here needs
 * OpenBLAS, so nnc links it from libnnrt.a as it is.  Each file is optional: a folder
 * eval wrote into has no curve, a run from before this page no
 * settings.txt; a page shows what there is.  A curve.csv or test.csv that
 * is there but not what its writer writes is an error naming it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "page.h"

enum { MAX_COLUMNS = 16 };

static int path_of(char *path, const char *dir, const char *name, nnrt_error *err)
{
    if ((size_t)snprintf(path, NNRT_PATH_MAX, "%s/%s", dir, name) >= NNRT_PATH_MAX)
        return nnrt_fail(err, "%s: path too long", dir);
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* dir/name whole into *text, or NULL when it is not there */
static int read_optional(const char *dir, const char *name, char **text, nnrt_error *err)
{
    char path[NNRT_PATH_MAX];
    size_t len;
    *text = NULL;
    if (path_of(path, dir, name, err) != 0)
        return -1;
    if (!exists(path))
        return 0;
    return nnrt_read_text(path, text, &len, NULL, err);
}

/* The next line of *p cut out in place (without \r\n); NULL at the end */
static char *next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    *p = nl ? nl + 1 : NULL;
    if (nl)
        *nl = '\0';
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[len - 1] = '\0';
    return line;
}

/* line split on commas in place; the number of fields */
static int split(char *line, char **fields)
{
    int n = 0;
    for (char *s = line; n < MAX_COLUMNS;) {
        fields[n++] = s;
        char *comma = strchr(s, ',');
        if (!comma)
            break;
        *comma = '\0';
        s = comma + 1;
    }
    return n;
}

static int column(char **names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static double number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end == s ? NAN : v;
}

/* times.csv: the seconds column, a row an epoch */
static int read_times(const char *dir, nnrt_run_files *r, nnrt_error *err)
{
    char *text, *names[MAX_COLUMNS], *fields[MAX_COLUMNS];
    if (read_optional(dir, "times.csv", &text, err) != 0)
        return -1;
    if (!text)
        return 0;
    char *p = text, *line = next_line(&p);
    int n = line ? split(line, names) : 0, at = column(names, n, "seconds");
    size_t rows = 0;
    for (const char *s = p; s && *s; s++)
        rows += *s == '\n';
    r->seconds = malloc((rows + 1) * sizeof *r->seconds);
    while (r->seconds && at >= 0 && (line = next_line(&p)))
        if (*line && split(line, fields) == n)
            r->seconds[r->n_seconds++] = number(fields[at]);
    free(text);
    return r->seconds ? 0 : nnrt_fail(err, "%s: out of memory", dir);
}

/* test.csv: one row under its header (page.c writes it) */
static int read_test(const char *dir, nnrt_run_files *r, nnrt_error *err)
{
    char *text, *names[MAX_COLUMNS], *fields[MAX_COLUMNS];
    if (read_optional(dir, "test.csv", &text, err) != 0)
        return -1;
    if (!text)
        return 0;
    char *p = text, *head = next_line(&p), *row = next_line(&p);
    int n = head ? split(head, names) : 0;
    int loss = column(names, n, "loss"), acc = column(names, n, "accuracy"),
        mae = column(names, n, "mae"), rmse = column(names, n, "rmse"),
        samples = column(names, n, "samples");
    if (!row || split(row, fields) != n || loss < 0 || (acc < 0 && mae < 0)) {
        free(text);
        return nnrt_fail(err, "%s/test.csv: expected a header (loss,accuracy,samples or "
                              "loss,mae,rmse,samples) and one row", dir);
    }
    r->has_test = 1;
    r->test_regress = acc < 0;
    r->test_loss = number(fields[loss]);
    r->test_accuracy = acc >= 0 ? number(fields[acc]) : NAN;
    r->test_mae = mae >= 0 ? number(fields[mae]) : NAN;
    r->test_rmse = rmse >= 0 ? number(fields[rmse]) : NAN;
    r->test_samples = samples >= 0 ? atol(fields[samples]) : 0;
    free(text);
    return 0;
}

/* metrics.csv's last row, "macro,P,R,F1,support" (confusion.c) */
static int read_macro(const char *dir, nnrt_run_files *r, nnrt_error *err)
{
    char *text;
    if (read_optional(dir, "metrics.csv", &text, err) != 0)
        return -1;
    for (char *p = text, *line; text && (line = next_line(&p));)
        if (strncmp(line, "macro,", 6) == 0 &&
            sscanf(line + 6, "%lf,%lf,%lf", &r->macro_precision, &r->macro_recall,
                   &r->macro_f1) == 3)
            r->has_macro = 1;
    free(text);
    return 0;
}

static int read_curve(const char *dir, nnrt_run_files *r, nnrt_error *err)
{
    char path[NNRT_PATH_MAX];
    if (path_of(path, dir, "curve.csv", err) != 0)
        return -1;
    if (!exists(path))
        return 0;
    if (nnrt_curve_read(path, &r->curve, err) != 0)
        return -1;
    r->has_curve = 1;
    return 0;
}

/* ---- read back ----------------------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

int nnrt_settings_parse(char *text, nnrt_settings *s)
{
    int lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    s->text = text;
    s->n = 0;
    s->kv = malloc((size_t)lines * sizeof *s->kv);
    if (!s->kv) {
        nnrt_settings_free(s);
        return -1;
    }
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *eq = strchr(line, '=');
        if (line[strspn(line, " \t")] != '#' && eq) {
            *eq = '\0';
            s->kv[s->n].key = trim(line);
            s->kv[s->n].value = trim(eq + 1);
            s->n += s->kv[s->n].key[0] != '\0';
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

const char *nnrt_setting_get(const nnrt_settings *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->kv[i].key, key) == 0)
            return s->kv[i].value;
    return NULL;
}

void nnrt_settings_free(nnrt_settings *s)
{
    free(s->text);
    free(s->kv);
    memset(s, 0, sizeof *s);
}

int nnrt_run_read(const char *dir, nnrt_run_files *r, nnrt_error *err)
{
    memset(r, 0, sizeof *r);
    err->msg[0] = '\0';
    char *settings;
    if (read_curve(dir, r, err) != 0 || read_optional(dir, "report.txt", &r->report, err) != 0 ||
        read_optional(dir, "settings.txt", &settings, err) != 0 ||
        (settings && nnrt_settings_parse(settings, &r->settings) != 0) ||
        read_times(dir, r, err) != 0 || read_test(dir, r, err) != 0 ||
        read_macro(dir, r, err) != 0) {
        if (!err->msg[0])
            nnrt_fail(err, "%s: out of memory", dir);
        nnrt_run_free(r);
        return -1;
    }
    return 0;
}

void nnrt_run_free(nnrt_run_files *r)
{
    if (r->has_curve)
        nnrt_curve_free(&r->curve);
    free(r->report);
    nnrt_settings_free(&r->settings);
    free(r->seconds);
    memset(r, 0, sizeof *r);
}

char *nnrt_run_setting(const char *dir, const char *key)
{
    char *text;
    nnrt_error err;
    nnrt_settings s;
    if (read_optional(dir, "settings.txt", &text, &err) != 0 || !text ||
        nnrt_settings_parse(text, &s) != 0)
        return NULL;
    const char *value = nnrt_setting_get(&s, key);
    char *copy = value ? strdup(value) : NULL;
    nnrt_settings_free(&s);
    return copy;
}
