/* compare.h: `nnc report RUN_DIR... -o FILE.html`, runs side by side on
 * one page (page_compare.c): what nnc hands the runtime.  Kept apart from
 * page.h so that nnc includes no more of the runtime than this, as it
 * includes plot.h for `nnc plot`.  Internal; not installed. */
#ifndef NNRT_COMPARE_H
#define NNRT_COMPARE_H

#include "nnrt_error.h"

/* A setting of a run: a line "key = value" of its settings.txt */
typedef struct nnrt_setting {
    const char *key, *value;
} nnrt_setting;

/* One run of the comparison, as nnc's command line found it. */
typedef struct nnrt_compare_run {
    const char *dir;            /* the folder, as given */
    const char *name;           /* what the page calls it (its folder's name) */
    const char *href;           /* a link to its report.html; NULL: none */
    /* settings known from elsewhere, shown and compared as settings.txt's,
     * in place of a setting of the same key (nnc: the layers of the .nn
     * file the run was built from, with their l2 and dropout rates) */
    int n_extra;
    const nnrt_setting *extra;
} nnrt_compare_run;

/* The page: the runs' curves over each other, a table of each run's best
 * and last epoch and test results, and their settings, those that differ
 * first and marked.  path NULL: to stdout; else written atomically.  A
 * folder without curve.csv is refused; errors name the folder or file. */
int nnrt_compare_write(const char *path, const char *title, const nnrt_compare_run *runs,
                       int n, nnrt_error *err);

/* A run folder's settings.txt value of key, malloc'ed (the caller frees
 * it); NULL when the folder has no such file or setting (run_read.c) */
char *nnrt_run_setting(const char *dir, const char *key);

#endif
