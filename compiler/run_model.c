/* run_model.c: what `nnc report` adds to a run's settings from the .nn
 * file the run was built from: each layer's statement as `nnc check`
 * reads it, with the options the trainer does not know (its l1 and l2,
 * frozen layers, init= files; a dropout's rate is in the statement),
 * and its output and parameters:
 *
 *   layer.dense512 = dense 512 elu l2=0.001: output 512, 401920 params
 *   layer.dense512_dropout = dropout 0.5: output 512, 0 params
 *
 * so that "l2 0.001" or "dropout 0.5" stands out between two runs.  The
 * file is the one the run's settings.txt names (`source`), read only when
 * its meaning is still the run's (the same model hash): a file edited
 * since, or a run built with -D, adds nothing rather than something that
 * was not trained. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "nnc.h"

/* The options of l's statement beyond summary.c's "what" that change
 * what is trained, as `nnc diff` writes them */
static const char *options_of(Arena *a, const Layer *l)
{
    const char *text = "";
    if (l->l1 != 0)
        text = arena_printf(a, "%s l1=%g", text, l->l1);
    if (l->l2 != 0)
        text = arena_printf(a, "%s l2=%g", text, l->l2);
    if (l->init_file)
        text = arena_printf(a, "%s init=\"%s\"", text, l->init_file);
    if (l->frozen)
        text = arena_printf(a, "%s trainable=false", text);
    return text;
}

int run_model_layers(Arena *a, const char *source, const char *model_hash,
                     nnrt_setting **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!source || !model_hash || access(source, R_OK) != 0)
        return 0;
    Source *src = arena_alloc(a, sizeof *src);
    FILE *quiet = fopen("/dev/null", "w");
    if (!quiet || source_read(a, source, src) != 0) {
        if (quiet)
            fclose(quiet);
        return 0;
    }
    Diag d;
    diag_init(&d, src, quiet);   /* a file that no longer checks adds nothing */
    Model *m = NULL;
    Ir *ir = compile_source(a, src, &d, &m);
    fclose(quiet);
    if (!ir || !m || strcmp(m->hash, model_hash) != 0)
        return 0;
    SummaryRow *rows = summary_rows(m, ir);
    nnrt_setting *kv = arena_alloc(a, (size_t)m->n_layers * sizeof *kv + 1);
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = rows[i].layer;
        char shape[64];
        kv[i].key = arena_printf(a, "layer.%s", l->name);
        kv[i].value = arena_printf(a, "%s%s: output %s, %ld params", rows[i].what,
                                   options_of(a, l), shape_str(&l->out, shape, sizeof shape),
                                   l->n_params);
    }
    free(rows);
    *out = kv;
    *n = m->n_layers;
    return 0;
}
