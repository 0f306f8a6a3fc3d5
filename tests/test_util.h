/* test_util.h: helpers the compiler's test suites share. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnc.h"
#include "suite.h"

/* A complete, valid model; tests replace one line of it to make mistakes. */
#define MODEL_HEAD                                              \
    "model t\n"                                                 \
    "data {\n"                                                  \
    "    train {\n"                                             \
    "        images \"a-images.gz\"\n"                          \
    "        labels \"a-labels.gz\"\n"                          \
    "    }\n"                                                   \
    "    test {\n"                                              \
    "        images \"b-images.gz\"\n"                          \
    "        labels \"b-labels.gz\"\n"                          \
    "    }\n"                                                   \
    "}\n"
#define MODEL_TRAIN                                             \
    "train {\n"                                                 \
    "    loss cross_entropy\n"                                  \
    "    optimizer adam lr=0.001\n"                             \
    "}\n"
/* MODEL_TRAIN with a batch of n rows */
#define MODEL_TRAIN_BATCH(n)                                    \
    "train {\n"                                                 \
    "    loss cross_entropy\n"                                  \
    "    optimizer adam lr=0.001\n"                             \
    "    batch " #n "\n"                                         \
    "}\n"

/* Everything nnc reports for text (named t.nn), as one string; the
 * compiled IR (NULL on errors) in *ir_out if asked.  The arena lives in
 * the caller so the IR stays valid. */
static inline char *diagnose_in(Arena *a, const char *text, Ir **ir_out, Model **m_out)
{
    Source *src = arena_alloc(a, sizeof *src);
    source_from_string(a, "t.nn", text, src);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    Diag d;
    diag_init(&d, src, f);
    Model *m = NULL;
    Ir *ir = compile_source(a, src, &d, &m);
    fclose(f);
    if (ir_out)
        *ir_out = ir;
    if (m_out)
        *m_out = m;
    return buf;
}

/* The diagnostics for text, with nothing else kept. */
static inline char *diagnose(const char *text)
{
    Arena a = { 0 };
    char *out = diagnose_in(&a, text, NULL, NULL);
    arena_free(&a);
    return out;
}

/* Parse only: the statements of text, and the syntax diagnostics in *diags. */
static inline Stmt *parse_text(Arena *a, const char *text, char **diags)
{
    Source *src = arena_alloc(a, sizeof *src);
    source_from_string(a, "t.nn", text, src);
    size_t len = 0;
    FILE *f = open_memstream(diags, &len);
    Diag d;
    diag_init(&d, src, f);
    Stmt *s = parse_source(a, src, &d);
    fclose(f);
    return s;
}

/* The C emitted for ir, as a malloc'ed string. */
static inline char *emit_to_string(const Ir *ir)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    emit_c(f, ir);
    fclose(f);
    return buf;
}

/* The C nnc emits for .nn text (named t.nn), which must compile: its
 * warnings, if any, in *diags (malloc'ed) when diags is not NULL. */
static inline char *emit_text_diags(const char *text, char **diags)
{
    Arena a = { 0 };
    Ir *ir;
    char *said = diagnose_in(&a, text, &ir, NULL);
    ck_assert_msg(ir != NULL, "%s", said);
    char *c = emit_to_string(ir);
    arena_free(&a);
    if (diags)
        *diags = said;
    else
        free(said);
    return c;
}

/* The C nnc emits for .nn text, which must compile (warnings are fine). */
static inline char *emit_text(const char *text)
{
    return emit_text_diags(text, NULL);
}

#endif
