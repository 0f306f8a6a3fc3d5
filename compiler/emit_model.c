/* emit_model.c: MODEL, the description of the model handed to the
 * runtime (nnrt.h: nnrt_model), and the tables only it refers to: the CSV
 * columns, the classes' names and the layers' outputs. */
#include <stdlib.h>

#include "emit.h"

/* The CSV part of MODEL: files, columns, task. */
static void emit_csv_fields(Emitter *e)
{
    const Model *m = e->m;
    if (!m->train_csv)
        return;
    OUT("    .train_csv = ");
    c_string_literal(e->out, m->train_csv);
    OUT(",\n    .test_csv = ");
    c_string_literal(e->out, m->test_csv);
    OUT(",\n    .n_input_columns = %d,\n    .input_columns = INPUT_COLUMNS,\n", m->n_inputs);
    OUT("    .n_target_columns = %d,\n    .target_columns = TARGET_COLUMNS,\n", m->n_targets);
    if (m->regress)
        OUT("    .task = NNRT_TASK_REGRESS,\n");
    if (has_target_rows(m))
        OUT("    .target_at = offsetof(Replica, target),\n");
    if (m->multi_label)
        OUT("    .multi_label = 1,\n");
}

/* static const char *const INPUT_COLUMNS[] = { "area", "rooms" }; */
void emit_columns(Emitter *e)
{
    const Model *m = e->m;
    if (!m->train_csv)
        return;
    const char *const *lists[2] = { m->inputs, m->targets };
    const int counts[2] = { m->n_inputs, m->n_targets };
    OUT("/* CSV columns, by name or 0-based index */\n");
    for (int l = 0; l < 2; l++) {
        OUT("static const char *const %s_COLUMNS[] = {", l ? "TARGET" : "INPUT");
        for (int i = 0; i < counts[l]; i++) {
            OUT("%s", i ? ", " : " ");
            c_string_literal(e->out, lists[l][i]);
        }
        OUT(" };\n");
    }
    OUT("\n");
}

/* The width of text as a C string literal (escapes make it wider) */
static int literal_width(const char *text)
{
    char *lit = NULL;
    size_t len = 0;
    FILE *f = text_stream(&lit, &len);
    c_string_literal(f, text);
    fclose(f);
    free(lit);
    return (int)len;
}

/* static const char *const CLASS_NAMES[] = { "T-shirt/top", ... }: one a line */
void emit_class_names(Emitter *e)
{
    const Model *m = e->m;
    if (!m->class_names)
        return;
    OUT("/* the classes' names, in label order */\n");
    int width = 0;
    for (int i = 0; i < m->n_class_names; i++)
        width = literal_width(m->class_names[i]) > width ? literal_width(m->class_names[i]) : width;
    OUT("static const char *const CLASS_NAMES[] = {\n");
    for (int i = 0; i < m->n_class_names; i++) {
        OUT("    ");
        c_string_literal(e->out, m->class_names[i]);
        OUT(",%*s   /* %d */\n", width - literal_width(m->class_names[i]), "", i);
    }
    /* an autoencoder's outputs are pixels: the names say how many they are */
    if (m->target_input)
        OUT("    NULL,%*s   /* the end: they name labels, not outputs */\n",
            width > 4 ? width - 4 : 0, "");
    OUT("};\n\n");
}

/* The last live op of each layer writes its output (after the activation,
 * which a fused op applies itself); an input or a flatten has no op. */
static int is_layer_output(const Ir *ir, int i)
{
    const IrOp *op = &ir->ops[i];
    return op->layer && op->kind != OP_LOSS &&
           (i + 1 == ir->n_ops || ir->ops[i + 1].layer != op->layer);
}

/* static const nnrt_layer_output LAYER_OUTPUTS[] = {
       { "code", offsetof(Replica, code_y), CODE_OUT }, ... }: one a line */
static void emit_layer_outputs(Emitter *e)
{
    const Ir *ir = e->ir;
    OUT("/* each layer's output in a replica, for `encode --layer NAME` */\n");
    OUT("static const nnrt_layer_output LAYER_OUTPUTS[] = {\n");
    for (int i = 0; i < ir->n_ops; i++) {
        if (!is_layer_output(ir, i))
            continue;
        const IrBuf *b = buf(e, ir->ops[i].out);
        OUT("    { ");
        c_string_literal(e->out, ir->ops[i].layer->name);
        OUT(", offsetof(Replica, %s), %s },\n", b->name, b->width_macro);
    }
    OUT("};\n\n");
}

/* .optimizer = { .kind = NNRT_OPT_ADAM, .lr = LR, .beta1 = BETA1, ... } */
static void emit_optimizer(Emitter *e)
{
    const Model *m = e->m;
    char kind[32], macro[32];
    upper(kind, sizeof kind, optimizer_name(m->optimizer));
    OUT("    .optimizer = {\n        .kind = NNRT_OPT_%s,\n", kind);
    for (int p = 0; p < N_OPT_PARAMS; p++) {
        if (!(m->opt_used & (1u << p)))
            continue;
        upper(macro, sizeof macro, opt_param_name((OptParam)p));
        OUT("        .%s = %s,\n", opt_param_name((OptParam)p), macro);
    }
    OUT("    },\n");
}

static void emit_schedule(Emitter *e)
{
    const Schedule *sc = &e->m->schedule;
    char kind[32], num[64];
    if (sc->kind == SCHEDULE_CONSTANT)
        return;
    upper(kind, sizeof kind, schedule_name(sc->kind));
    OUT("    .schedule = {   /* ");
    emit_where(e, sc->stmt);
    OUT(" */\n");
    OUT("        .kind = NNRT_SCHEDULE_%s,\n", kind);
    if (sc->kind != SCHEDULE_COSINE)
        OUT("        .factor = %s,\n", float_lit(num, sizeof num, sc->factor));
    if (sc->kind == SCHEDULE_STEP || sc->kind == SCHEDULE_EXPONENTIAL)
        OUT("        .every = %ld,\n", sc->every);
    if (sc->kind == SCHEDULE_PLATEAU)
        OUT("        .patience = %ld,\n", sc->patience);
    if (sc->kind == SCHEDULE_PLATEAU || sc->kind == SCHEDULE_COSINE)
        OUT("        .min_lr = %s,\n", float_lit(num, sizeof num, sc->min_lr));
    OUT("    },\n");
}

/* .early_stop = { .patience = 5, .monitor = NNRT_MONITOR_VAL_LOSS, .min_delta = 0.001f } */
static void emit_early_stop(Emitter *e)
{
    const EarlyStop *es = &e->m->early_stop;
    char monitor[32], num[64];
    if (!es->stmt)
        return;
    upper(monitor, sizeof monitor, monitor_name(es->monitor));
    OUT("    .early_stop = {   /* ");
    emit_where(e, es->stmt);
    OUT(" */\n");
    OUT("        .patience = %ld,\n", es->patience);
    OUT("        .monitor = NNRT_MONITOR_%s,\n", monitor);
    if (es->min_delta > 0)
        OUT("        .min_delta = %s,\n", float_lit(num, sizeof num, es->min_delta));
    OUT("    },\n");
}

/* What the diagnosis after training needs to know that the rest of MODEL
 * does not say: the loss, and how slowly the batchnorms' moving statistics
 * leave their initial values (those of trainable layers without init=:
 * a frozen one never updates them, a transferred one starts from trained
 * ones). */
static void emit_diagnosis_fields(Emitter *e)
{
    const Model *m = e->m;
    char kind[32], num[64];
    upper(kind, sizeof kind, loss_name(m->loss));
    OUT("    .loss_kind = NNRT_LOSS_%s,\n", kind);
    double momentum = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->kind == LAYER_BATCHNORM && !l->frozen && !l->init_file && l->momentum > momentum)
            momentum = l->momentum;
    }
    if (momentum > 0)
        OUT("    .bn_momentum = %s,\n", float_lit(num, sizeof num, momentum));
}

void emit_model(Emitter *e)
{
    const Model *m = e->m;
    char num[64];
    emit_layer_outputs(e);
    OUT("static const nnrt_model MODEL = {\n");
    OUT("    .name = ");
    c_string_literal(e->out, m->name);
    OUT(",\n    .source = ");
    c_string_literal(e->out, m->shown_path ? m->shown_path : m->src->name);
    OUT(",\n    .model_hash = MODEL_HASH,\n");
    const char *const files[][2] = {
        { "train_images", m->train_images }, { "train_labels", m->train_labels },
        { "test_images", m->test_images }, { "test_labels", m->test_labels },
    };
    for (int i = 0; i < 4; i++) {
        if (!files[i][1])
            continue;
        OUT("    .%s = ", files[i][0]);
        c_string_literal(e->out, files[i][1]);
        OUT(",\n");
    }
    emit_csv_fields(e);
    if (m->text_file) {
        char num[64];
        const IrOp *embed = NULL;
        for (int i = 0; i < e->ir->n_ops && !embed; i++)
            if (e->ir->ops[i].kind == OP_EMBEDDING)
                embed = &e->ir->ops[i];
        OUT("    .text_file = ");
        c_string_literal(e->out, m->text_file);
        OUT(",\n    .window = %ld,   /* characters in, the next one out */\n", m->window);
        OUT("    .test_fraction = %s,   /* the text's last part */\n",
            float_lit(num, sizeof num, m->test_fraction));
        OUT("    .vocab_size = %ld,\n    .vocabulary = %s_vocabulary,\n", embed->layer->vocab,
            embed->name);
    }
    if (m->series_csv) {
        char num[64];
        OUT("    .series_csv = ");
        c_string_literal(e->out, m->series_csv);
        OUT(",\n    .series_column = ");
        c_string_literal(e->out, m->series_column);
        OUT(",\n    .window = %ld,   /* values in */\n    .horizon = %ld,   /* steps ahead */\n",
            m->window, m->horizon);
        OUT("    .test_fraction = %s,   /* the series' last part */\n",
            float_lit(num, sizeof num, m->test_fraction));
        OUT("    .task = NNRT_TASK_REGRESS,   /* a forecast */\n"
            "    .target_at = offsetof(Replica, target),\n");
    }
    if (m->target_input)
        OUT("    .task = NNRT_TASK_REGRESS,   /* target input: an autoencoder */\n"
            "    .target_input = 1,\n    .target_at = offsetof(Replica, target),\n");
    OUT("    .validation = %.9g,\n", m->validation);
    if (m->positive) {
        OUT("    .binary_positive = 0x%xu,   /* labels", (unsigned)m->positive);
        for (int c = 0; c < 32; c++)
            if (m->positive & (1u << c))
                OUT(" %d", c);
        OUT(" count as 1 */\n");
    }
    OUT("    .scale = %s,   /* ", float_lit(num, sizeof num, m->scale));
    c_comment_str(e->out, m->scale_text);
    OUT(" */\n");
    OUT("    .in_size = IN,\n");
    const Shape *in = &m->layers[0].out;
    long h = in->ndims >= 2 ? in->dims[0] : 1, w = in->ndims >= 2 ? in->dims[1] : in->dims[0];
    long c = in->ndims >= 3 ? shape_size(in) / (h * w) : 1;
    OUT("    .in_h = %ld,\n    .in_w = %ld,\n    .in_c = %ld,\n", h, w, c);
    OUT("    .n_classes = CLASSES,\n");
    if (m->class_names)
        OUT("    .class_names = CLASS_NAMES,\n");
    emit_transfer_fields(e);
    OUT("    .batch = BATCH,\n    .max_batch = MAX_BATCH,\n");
    const Layer *by_rows = batchnorm_by_rows(m);
    if (by_rows)   /* a name made of letters, digits and '_' (check_names.c) */
        OUT("    .batchnorm_by_rows = \"%s\",   /* refuses --batch 1 */\n", by_rows->name);
    OUT("    .shards = SHARDS,\n    .shard_rows = SHARD_ROWS,\n");
    OUT("    .replica_size = sizeof(Replica),\n");
    OUT("    .input_at = offsetof(Replica, %s),\n    .output_at = offsetof(Replica, %s),\n",
        buf(e, e->ir->input_buf)->name, buf(e, e->ir->output_buf)->name);
    OUT("    .n_layer_outputs = sizeof LAYER_OUTPUTS / sizeof LAYER_OUTPUTS[0],\n"
        "    .layer_outputs = LAYER_OUTPUTS,\n");
    OUT("    .epochs = EPOCHS,\n    .seed = SEED,\n");
    emit_optimizer(e);
    emit_schedule(e);
    emit_early_stop(e);
    emit_augment(e);
    emit_diagnosis_fields(e);
    OUT("    .n_params = sizeof PARAMS / sizeof PARAMS[0],\n    .params = PARAMS,\n");
    OUT("    .legacy_names = LEGACY_NAMES,\n");
    emit_driver_fields(e);
    if (has_penalty(e))
        OUT("    .penalty = penalty,\n");
    OUT("    .twin = &nnrt_double_twin,   /* NULL if this file was compiled without it */\n");
    OUT("};\n\n");
    OUT("int main(int argc, char **argv)\n{\n    return nnrt_main(&MODEL, argc, argv);\n}\n\n");
    OUT("#endif   /* NNRT_DOUBLE */\n");
}
