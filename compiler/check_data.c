/* check_data.c: what a series' or a text's file on this machine says
 * about the model, while the .nn file's lines are at hand to point at: a
 * window longer than a part of the series or the text, a column the CSV
 * lacks, an empty text, more distinct characters than the embedding's
 * vocabulary.  The trainer checks the same when it loads the file
 * (runtime/series.c, text.c), by the same runtime functions; here each is
 * an error at the line to change.  A file this machine lacks is left to
 * the trainer, which may run on another machine with its data. */
#include <stdlib.h>

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

void check_data_files(Checker *c)
{
    Model *m = c->model;
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
