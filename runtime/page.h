/* page.h: the pages a person opens in a browser, one self-contained HTML
 * file each (styles inline, pictures as inline SVG or PNG data: URIs, no
 * script, nothing fetched):
 *
 *   DIR/report.html   one run: written at the end of `train` and by `eval`
 *                     (page.c; its sections in page_model.c, page_test.c)
 *   nnc report        several runs side by side (page_compare.c, compare.h)
 *
 * and what they are made from: a run folder read back (run_read.c), whose
 * DIR/settings.txt train writes when it starts (settings.c) and whose
 * DIR/test.csv the test pass writes (page.c); what the test pass keeps for
 * the page (findings.c); the HTML both pages share (html.c).  Every text a
 * person or a name puts in a page goes through nnrt_markup_text
 * (markup.h).  Internal; not installed.
 *
 * Ownership: a struct filled by a function here owns what it points to
 * until its _free; the page writers keep no pointer they were given. */
#ifndef NNRT_PAGE_H
#define NNRT_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include "compare.h"
#include "markup.h"
#include "nnrt_internal.h"
#include "plot.h"
#include "png_write.h"

/* ---- what the test pass keeps for the page (findings.c) ----------------- */

enum {
    NNRT_WRONG_SHOWN = 16,          /* the most confident mistakes an image page shows */
    NNRT_SCATTER_SAMPLES = 2000,    /* a regression's points: its first test samples */
    NNRT_SCATTER_OUTPUTS = 10       /* and its first outputs, a colour each */
};

/* One test sample the model got wrong, and how sure it was. */
typedef struct nnrt_wrong {
    int sample;                 /* its index in the test set */
    int truth, predicted;       /* classes (0 or 1 for a binary model) */
    double p_predicted;         /* the probability it gave the class it chose */
    double p_truth;             /* and the true class */
} nnrt_wrong;

typedef struct nnrt_findings {
    int keep_wrong;             /* an image classifier: its mistakes are kept */
    int n_wrong;
    nnrt_wrong wrong[NNRT_WRONG_SHOWN];     /* the surest first; ties: the earlier sample */
    int n_outputs;              /* a regression's outputs kept a sample (0: none kept) */
    int n_points;               /* samples kept, at most NNRT_SCATTER_SAMPLES */
    float *truth, *predicted;   /* (NNRT_SCATTER_SAMPLES, n_outputs) each; owned */
} nnrt_findings;

/* Whether m reads images it can show: IDX pictures of 1 or 3 channels. */
int nnrt_is_image_model(const nnrt_model *m);
/* Ready for m's test pass: what m's page shows is kept, nothing else. */
int nnrt_findings_init(nnrt_findings *f, const nnrt_model *m, nnrt_error *err);
/* The last inference forward's rows [0, n), test samples first.. first+n-1,
 * their labels y (a classifier's; mapped for a binary model). */
void nnrt_findings_add(nnrt_findings *f, const nnrt_model *m, const int *y, int first, int n);
void nnrt_findings_free(nnrt_findings *f);

/* ---- the model's layers, as the runtime knows them (page_model.c) -------- */

/* A layer: one of m's layer outputs (network order), or a prefix of
 * tensor names ("dense128" of "dense128.w") that no output has, after them */
typedef struct nnrt_layer_view {
    const char *name;
    int name_len;               /* name's bytes that are the layer's name */
    int width;                  /* floats of output a sample; 0: not listed */
    long params;                /* values of its tensors */
    long trained;               /* of them, those the optimizer updates */
    int n_tensors;
} nnrt_layer_view;

/* m's layers, malloc'ed (the caller frees it), their count in *n; NULL
 * when out of memory */
nnrt_layer_view *nnrt_layer_views(const nnrt_model *m, int *n);
/* Whether tensor p of m belongs to layer v */
int nnrt_layer_has(const nnrt_layer_view *v, const nnrt_param *p);

/* ---- a run's settings, DIR/settings.txt (settings.c) -------------------- */

/* What train knows of its run beyond m and its options. */
typedef struct nnrt_run_counts {
    int train, val, test;       /* samples */
    int threads, ranks;
} nnrt_run_counts;

/* DIR/settings.txt, "key = value" lines in a fixed order (settings.c lists
 * them), atomically: what `nnc report` compares between runs. */
int nnrt_settings_save(const nnrt_model *m, const nnrt_train_opts *o,
                       const nnrt_run_counts *c, const char *dir, nnrt_error *err);
/* The same text into f; o NULL: the .nn file's own settings, no counts (a
 * folder eval writes a page into without a settings.txt). */
void nnrt_settings_print(FILE *f, const nnrt_model *m, const nnrt_train_opts *o,
                         const nnrt_run_counts *c);

/* Settings read back (nnrt_setting: compare.h): keys and values point
 * into text. */
typedef struct nnrt_settings {
    char *text;                 /* owned */
    int n;
    nnrt_setting *kv;           /* owned */
} nnrt_settings;

/* Parse "key = value" lines of text (run_read.c; text is taken: owned by s, freed
 * on failure too); '#' lines and blank lines are skipped.  -1 only when
 * out of memory. */
int nnrt_settings_parse(char *text, nnrt_settings *s);
/* key's value, or NULL */
const char *nnrt_setting_get(const nnrt_settings *s, const char *key);
void nnrt_settings_free(nnrt_settings *s);

/* ---- a run folder read back (run_read.c) -------------------------------- */

/* What a run folder holds, each part absent (0 or NULL) when its file is
 * missing: a folder eval wrote into has no curve, an old run no
 * settings.txt or test.csv. */
typedef struct nnrt_run_files {
    int has_curve;
    nnrt_curve curve;           /* curve.csv; curve.name is NULL */
    char *report;               /* report.txt: the verdict */
    nnrt_settings settings;     /* settings.txt */
    int n_seconds;
    double *seconds;            /* times.csv, an epoch each */
    int has_test;               /* test.csv */
    int test_regress;
    double test_loss, test_accuracy, test_mae, test_rmse;
    long test_samples;
    int has_macro;              /* metrics.csv's macro row */
    double macro_precision, macro_recall, macro_f1;
} nnrt_run_files;

/* Reads what dir holds.  A missing file is an absent part; a curve.csv or
 * test.csv that is there but damaged is an error naming it and its line. */
int nnrt_run_read(const char *dir, nnrt_run_files *r, nnrt_error *err);
void nnrt_run_free(nnrt_run_files *r);

/* ---- HTML both pages share (html.c) ------------------------------------- */

/* <!DOCTYPE html>, the head (title, the style sheet), <body>, <main> */
void nnrt_html_begin(FILE *f, const char *title);
/* </main>, a footer naming what wrote it, </body></html> */
void nnrt_html_end(FILE *f, const char *writer);
/* A number as a cell shows it: %.4f, or "-" for a NaN (a missing value) */
void nnrt_html_number(FILE *f, double v);
/* What a memory stream holds once closed (rc: how writing into it went),
 * saved whole at path through a temporary and a rename; freed either way */
int nnrt_html_save(const char *path, FILE *mem, char **text, size_t *len, int rc,
                   nnrt_error *err);
/* A PNG made by encode(arg, sink, ctx, err) as an <img> of class cls (a
 * word) and alt text, its src a data: URI; encode's error is returned
 * (nothing written then). */
int nnrt_html_png(FILE *f, const char *cls, const char *alt,
                  int (*encode)(const void *arg, nnrt_png_sink sink, void *ctx, nnrt_error *err),
                  const void *arg, nnrt_error *err);

/* ---- a run's page (page.c, page_model.c, page_test.c) -------------------- */

/* Where the page is written from, besides the run folder's files. */
typedef struct nnrt_page_source {
    const char *command;        /* "train" or "eval" */
    const nnrt_dataset *preview;    /* the images the augmentation preview shows:
                                       the training set; NULL: the test set */
    uint64_t seed;              /* the preview's augment draws */
} nnrt_page_source;

/* What the test pass found, for the page. */
typedef struct nnrt_page_test {
    const nnrt_page_source *source;
    const nnrt_dataset *test;   /* the set tested: the mistakes' images */
    nnrt_scores scores;
    double seconds;             /* the pass, wall time */
    const long *matrix;         /* k x k (confusion.c); NULL when k is 0 */
    int k;
    const long *labels;         /* a multi-label model's counts (multilabel.c), or NULL */
    const nnrt_findings *findings;
} nnrt_page_test;

/* After the test pass of train or eval into DIR: DIR/test.csv,
 *   loss,accuracy,samples            a classifier
 *   loss,mae,rmse,samples            a regression
 * and, when t->source is set, DIR/report.html (nnrt_page_write). */
int nnrt_page_after_test(const nnrt_model *m, const char *dir, const nnrt_page_test *t,
                         nnrt_error *err);

/* DIR/report.html, atomically, from what DIR holds and t.  Rank 0 alone
 * writes it (another rank's folder may not hold the files it reads). */
int nnrt_page_write(const nnrt_model *m, const char *dir, const nnrt_page_test *t,
                    nnrt_error *err);

/* The sections (each an <section id=...> with its <h2>) */
void nnrt_page_layers(FILE *f, const nnrt_model *m);                    /* page_model.c */
void nnrt_page_settings(FILE *f, const nnrt_model *m, const nnrt_run_files *r);
void nnrt_page_timings(FILE *f, const nnrt_model *m, const nnrt_run_files *r,
                       const nnrt_page_test *t);
void nnrt_page_confusion(FILE *f, const nnrt_model *m, const nnrt_page_test *t);  /* page_test.c */
void nnrt_page_class_scores(FILE *f, const nnrt_model *m, const nnrt_page_test *t);
void nnrt_page_mistakes(FILE *f, const nnrt_model *m, const nnrt_page_test *t);
void nnrt_page_scatter(FILE *f, const nnrt_model *m, const nnrt_page_test *t);
void nnrt_page_augment(FILE *f, const nnrt_model *m, const nnrt_page_test *t);

/* The augment-preview grid of the first count images of ds (preview.c),
 * as a PNG into sink */
int nnrt_preview_encode(const nnrt_model *m, const nnrt_dataset *ds, int count, uint64_t seed,
                        nnrt_png_sink sink, void *ctx, nnrt_error *err);

#endif
