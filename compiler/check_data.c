/* check_data.c: what the data files on this machine say about the
 * model, while the .nn file's lines are at hand to point at: a training or
 * test CSV without the `inputs` and `targets` columns, or with a value
 * that is no number; a window longer than a part of the series or the
 * text, a column the series lacks, an empty text, more distinct
 * characters than the embedding's vocabulary.  The trainer checks the same when it loads the file
 * (runtime/series.c, text.c), by the same runtime functions; here each is
 * an error at the line to change.  A file this machine lacks is left to
 * the trainer, which may run on another machine with its data; `nnc`
 * warns of it (warn_missing_data, from main.c: in-process callers such
 * as the tests have no data). */
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "data.h"
#include "fileio.h"

/* The shorter of the training and test parts of n values (runtime:
 * nnrt_test_part) against the values a sample needs */
static void check_parts(Checker *c, const char *path, long n, long needed, const char *unit)
{
    Model *m = c->model;
    long test = nnrt_test_part(n, m->test_fraction), train = n - test;
    long shortest = train < test ? train : test;
    if (shortest >= needed)
        return;
    char horizon[48] = "";
    if (m->series_stmt)
        snprintf(horizon, sizeof horizon, " and a horizon of %ld", m->horizon);
    diag_error(c->diag, m->window_stmt->line_loc, "the %s part of %s has %ld %s (of %ld), too "
               "few for a window of %ld%s: it needs %ld or more", train < test ? "training"
               : "test", path, shortest, unit, n, m->window, horizon, needed);
    long fits = shortest - (needed - m->window);
    if (fits >= 1)
        diag_note(c->diag, "write 'window %ld' or less, or use a longer %s", fits,
                  m->series_stmt ? "series" : "text");
    else
        diag_note(c->diag, "use a longer %s, or another 'test' fraction",
                  m->series_stmt ? "series" : "text");
}

static void check_series_file(Checker *c, const char *path)
{
    Model *m = c->model;
    nnrt_dataset column;
    nnrt_error err;
    const char *const columns[1] = { m->series_column };
    if (nnrt_csv_load(path, columns, 1, NULL, 0, 0, &column, &err) != 0) {
        diag_error(c->diag, m->series_stmt->line_loc, "%s", err.msg);
        return;
    }
    check_parts(c, path, column.n_samples, m->window + m->horizon, "values");
    free(column.csv_owner);   /* all a CSV set owns; nnrt_dataset_free would link IDX's */
}

/* the embedding's vocabulary: the layer after input (check.c) */
static void check_text_file(Checker *c, const char *path)
{
    Model *m = c->model;
    unsigned char *bytes;
    size_t len;
    nnrt_error err;
    if (nnrt_read_file(path, &bytes, &len, NULL, &err) != 0) {
        diag_error(c->diag, m->text_stmt->line_loc, "%s", err.msg);
        return;
    }
    int id_of[256], byte_of[256];
    int distinct = nnrt_text_ids(bytes, len, id_of, byte_of);
    free(bytes);
    if (len == 0) {
        diag_error(c->diag, m->text_stmt->line_loc, "%s has no characters to learn from", path);
        diag_note(c->diag, "give a text file with something in it");
        return;
    }
    const Layer *embed = m->n_layers > 1 ? &m->layers[1] : NULL;
    if (embed && embed->kind == LAYER_EMBEDDING && distinct > embed->vocab) {
        diag_error(c->diag, embed->stmt->line_loc, "%s has %d distinct characters, more than "
                   "the embedding's vocabulary of %ld", path, distinct, embed->vocab);
        diag_note(c->diag, "write 'embedding %d %ld' and 'dense %d softmax' at the end",
                  distinct, embed->units, distinct);
    }
    check_parts(c, path, (long)len, m->window + 1, "characters");
}

/* A training or test CSV: the loader the trainer reads it with, on the
 * columns the model reads (labels not checked against the classes here) */
static void check_csv_file(Checker *c, const DataFile *f, const char *path)
{
    Model *m = c->model;
    nnrt_dataset set;
    nnrt_error err;
    if (!m->inputs_stmt || !m->targets_stmt)
        return;
    if (nnrt_csv_load(path, m->inputs, m->n_inputs, m->targets, m->n_targets, 0, &set,
                      &err) != 0) {
        diag_error(c->diag, f->loc, "%s", err.msg);
        return;
    }
    free(set.csv_owner);   /* all a CSV set owns; nnrt_dataset_free would link IDX's */
}

void warn_missing_data(Diag *d, const Model *m)
{
    for (int i = 0; i < m->n_data_files; i++) {
        char path[NNRT_DATA_PATH_MAX];
        nnrt_error err;
        int again = 0;   /* once a file: train and test may name the same */
        for (int k = 0; k < i && !again; k++)
            again = strcmp(m->data_files[k].name, m->data_files[i].name) == 0;
        if (again || nnrt_data_find(m->data_files[i].name, path, sizeof path, NULL, &err) == 0)
            continue;
        diag_warning(d, m->data_files[i].loc, "%s", err.msg);
        diag_note(d, "the trainer looks in the same places when it runs: install the data or "
                  "set $NNC_DATA before then");
    }
}

void check_data_files(Checker *c)
{
    Model *m = c->model;
    for (int i = 0; i < m->n_data_files && c->diag->n_errors == 0; i++) {
        char path[NNRT_DATA_PATH_MAX];
        nnrt_error err;
        if (m->data_files[i].csv &&
            nnrt_data_find(m->data_files[i].name, path, sizeof path, NULL, &err) == 0)
            check_csv_file(c, &m->data_files[i], path);
    }
    const char *name = m->series_stmt ? m->series_csv : m->text_stmt ? m->text_file : NULL;
    char path[NNRT_DATA_PATH_MAX];
    nnrt_error err;
    if (!name || !m->window_stmt || !m->window || c->diag->n_errors > 0 ||
        nnrt_data_find(name, path, sizeof path, NULL, &err) != 0)
        return;
    if (m->series_stmt)
        check_series_file(c, path);
    else
        check_text_file(c, path);
}
