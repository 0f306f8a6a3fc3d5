/* settings.c: DIR/settings.txt, what a run is trained with, written by
 * train when it starts (and again when resumed: --epochs may change), so
 * that its page and `nnc report` can show it and tell runs apart:
 *
 *   # the settings of a run, written by train; nnc report compares them
 *   model = fashion_mlp
 *   source = /work/examples/fashion_mlp.nn
 *   model_hash = e3c4800f06d3...
 *   nnc_version = 0.1.0
 *   task = classify 10 classes
 *   loss = cross_entropy
 *   optimizer = adam beta1=0.9 beta2=0.999 epsilon=1e-07
 *   lr = 0.001
 *   schedule = constant
 *   epochs = 5
 *   batch = 32
 *   seed = 1
 *   limit = all
 *   validation = 10%
 *   augment = none
 *   early_stop = none
 *   penalty = none                     (l1 or l2 on some weights: "yes")
 *   input = 28x28x1
 *   layer.dense128 = 128 outputs, 100480 params
 *   layer.dense10 = 10 outputs, 1290 params
 *   params = 101770 (101770 trained)
 *   train_samples = 54000
 *   validation_samples = 6000
 *   test_samples = 10000
 *   threads = 2
 *
 * One setting a line, "key = value", the key a word (layers' keys
 * "layer.NAME"), the value to the line's end, control characters made
 * '?' so a value is one line.  The source is the .nn file the trainer was
 * built from, found beside the trainer (the generated C names it relative
 * to itself) or as the C names it when it is not there.  The .nn file's
 * l2 and dropout rates are not known to the trainer: `nnc report` reads
 * them from the source when its model hash still matches. */
#define _DEFAULT_SOURCE         /* realpath is XSI, not POSIX */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page.h"
#include "vocab.h"

/* value, one line: control characters as '?' */
static void put(FILE *f, const char *key, const char *value)
{
    fprintf(f, "%s = ", key);
    for (const unsigned char *s = (const unsigned char *)value; *s; s++)
        fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, f);
    fputc('\n', f);
}

/* The .nn file, found as the generated C names it (relative to the C
 * file, which nnc build leaves beside the trainer): an absolute path when
 * it is there, else the name as given */
static void source_of(const nnrt_model *m, char *out, size_t len)
{
    char exe[PATH_MAX], joined[PATH_MAX + 1024], real[PATH_MAX];
    snprintf(out, len, "%s", m->source ? m->source : "");
    if (!m->source || !m->source[0])
        return;
    if (m->source[0] == '/') {
        snprintf(joined, sizeof joined, "%s", m->source);
    } else {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return;
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        *slash = '\0';
        snprintf(joined, sizeof joined, "%s/%s", exe, m->source);
    }
    if (realpath(joined, real) && access(real, R_OK) == 0)
        snprintf(out, len, "%s", real);
}

static void optimizer_text(const nnrt_optimizer *o, char *buf, size_t len)
{
    const char *word = nnrt_optimizer_word(o->kind);
    int n = snprintf(buf, len, "%s", word ? word : "?");
    switch (o->kind) {
    case NNRT_OPT_ADAM:
    case NNRT_OPT_ADAMW:
        n += snprintf(buf + n, len - (size_t)n, " beta1=%g beta2=%g epsilon=%g", (double)o->beta1,
                      (double)o->beta2, (double)o->epsilon);
        if (o->kind == NNRT_OPT_ADAMW)
            n += snprintf(buf + n, len - (size_t)n, " weight_decay=%g", (double)o->weight_decay);
        break;
    case NNRT_OPT_MOMENTUM:
    case NNRT_OPT_NESTEROV:
        n += snprintf(buf + n, len - (size_t)n, " momentum=%g", (double)o->momentum);
        break;
    case NNRT_OPT_ADAGRAD:
        n += snprintf(buf + n, len - (size_t)n, " initial_accumulator=%g epsilon=%g",
                      (double)o->initial_accumulator, (double)o->epsilon);
        break;
    case NNRT_OPT_RMSPROP:
    case NNRT_OPT_ADADELTA:
        n += snprintf(buf + n, len - (size_t)n, " rho=%g epsilon=%g", (double)o->rho,
                      (double)o->epsilon);
        break;
    default:
        break;
    }
    if (o->clip_norm > 0)
        n += snprintf(buf + n, len - (size_t)n, " clip_norm=%g", (double)o->clip_norm);
    if (o->clip_value > 0)
        snprintf(buf + n, len - (size_t)n, " clip_value=%g", (double)o->clip_value);
}

static void schedule_text(const nnrt_schedule *s, char *buf, size_t len)
{
    const char *word = nnrt_schedule_word(s->kind);
    word = word ? word : "?";
    switch (s->kind) {
    case NNRT_SCHEDULE_STEP:
    case NNRT_SCHEDULE_EXPONENTIAL:
        snprintf(buf, len, "%s factor=%g every=%d", word, (double)s->factor, s->every);
        break;
    case NNRT_SCHEDULE_COSINE:
        snprintf(buf, len, "%s min=%g", word, (double)s->min_lr);
        break;
    case NNRT_SCHEDULE_PLATEAU:
        snprintf(buf, len, "%s factor=%g patience=%d min_lr=%g", word, (double)s->factor,
                 s->patience, (double)s->min_lr);
        break;
    default:
        snprintf(buf, len, "%s", word);
    }
}

/* "shift 2 p=0.5, hflip p=0.5", or "none" */
static void augment_text(const nnrt_augment *a, char *buf, size_t len)
{
    const struct {
        const char *name;
        float amount, p;
        int has_amount;
    } kinds[] = {
        { "shift", a->shift, a->shift_p, 1 },     { "rotate", a->rotate, a->rotate_p, 1 },
        { "hflip", 0, a->hflip_p, 0 },            { "vflip", 0, a->vflip_p, 0 },
        { "zoom", a->zoom, a->zoom_p, 1 },        { "aspect", a->aspect, a->aspect_p, 1 },
        { "brightness", a->brightness, a->brightness_p, 1 },
        { "contrast", a->contrast, a->contrast_p, 1 },
        { "noise", a->noise, a->noise_p, 1 },     { "erase", a->erase, a->erase_p, 1 },
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && used < len; i++) {
        if (!(kinds[i].p > 0))
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", kinds[i].name);
        if (kinds[i].has_amount && used < len)
            used += (size_t)snprintf(buf + used, len - used, " %g", (double)kinds[i].amount);
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, " p=%g", (double)kinds[i].p);
    }
    if (used == 0)
        snprintf(buf, len, "none");
}

static void task_text(const nnrt_model *m, char *buf, size_t len)
{
    if (m->task == NNRT_TASK_REGRESS)
        snprintf(buf, len, "regress %d output%s%s", m->n_classes, m->n_classes == 1 ? "" : "s",
                 m->target_input ? " (the input: an autoencoder)" : "");
    else if (m->binary_positive)
        snprintf(buf, len, "classify 2 classes (one sigmoid output)");
    else
        snprintf(buf, len, "classify %d classes", m->n_classes);
}

static void layers(FILE *f, const nnrt_model *m)
{
    int n;
    nnrt_layer_view *v = nnrt_layer_views(m, &n);
    long params = 0, trained = 0;
    for (int i = 0; v && i < n; i++) {
        char key[300], value[160];
        snprintf(key, sizeof key, "layer.%.*s", v[i].name_len, v[i].name);
        int used = v[i].width ? snprintf(value, sizeof value, "%d outputs, ", v[i].width) : 0;
        used += snprintf(value + used, sizeof value - (size_t)used, "%ld params", v[i].params);
        if (v[i].trained < v[i].params)   /* frozen, or state such as batchnorm's statistics */
            snprintf(value + used, sizeof value - (size_t)used, ", %ld of them trained",
                     v[i].trained);
        put(f, key, value);
        params += v[i].params;
        trained += v[i].trained;
    }
    free(v);
    fprintf(f, "params = %ld (%ld trained)\n", params, trained);
}

void nnrt_settings_print(FILE *f, const nnrt_model *m, const nnrt_train_opts *o,
                         const nnrt_run_counts *c)
{
    char text[1024], source[PATH_MAX];
    fprintf(f, "# the settings of a run, written by train; nnc report compares them\n");
    put(f, "model", m->name);
    source_of(m, source, sizeof source);
    put(f, "source", source);
    put(f, "model_hash", m->model_hash ? m->model_hash : "");
    put(f, "nnc_version", m->nnc_version ? m->nnc_version : NNRT_VERSION);
    task_text(m, text, sizeof text);
    put(f, "task", text);
    const char *loss = nnrt_loss_word(m->loss_kind);
    put(f, "loss", loss ? loss : "-");
    optimizer_text(&m->optimizer, text, sizeof text);
    put(f, "optimizer", text);
    fprintf(f, "lr = %g\n", (double)(o ? o->lr : m->optimizer.lr));
    schedule_text(&m->schedule, text, sizeof text);
    put(f, "schedule", text);
    fprintf(f, "epochs = %d\nbatch = %d\nseed = %llu\n", o ? o->epochs : m->epochs,
            o ? o->batch : m->batch, (unsigned long long)(o ? o->seed : m->seed));
    if (o && o->limit > 0)
        fprintf(f, "limit = %d\n", o->limit);
    else
        fprintf(f, "limit = all\n");
    fprintf(f, "validation = %g%%\n", m->validation * 100);
    augment_text(&m->augment, text, sizeof text);
    put(f, "augment", text);
    const char *monitor = nnrt_monitor_word(m->early_stop.monitor);
    if (m->early_stop.patience > 0)
        fprintf(f, "early_stop = patience %d monitor %s min_delta %g\n", m->early_stop.patience,
                monitor ? monitor : "?", (double)m->early_stop.min_delta);
    else
        fprintf(f, "early_stop = none\n");
    fprintf(f, "penalty = %s\n", m->penalty ? "l1 or l2 on some weights" : "none");
    int h, w, ch;
    nnrt_image_shape(m, &h, &w, &ch);
    fprintf(f, "input = %dx%dx%d\n", h, w, ch);
    layers(f, m);
    if (!c)
        return;
    fprintf(f, "train_samples = %d\nvalidation_samples = %d\ntest_samples = %d\nthreads = %d\n",
            c->train, c->val, c->test, c->threads);
    if (c->ranks > 1)
        fprintf(f, "ranks = %d\n", c->ranks);
}

int nnrt_settings_save(const nnrt_model *m, const nnrt_train_opts *o,
                       const nnrt_run_counts *c, const char *dir, nnrt_error *err)
{
    char path[NNRT_PATH_MAX], *text = NULL;
    size_t len = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/settings.txt", dir) >= sizeof path)
        return nnrt_fail(err, "%s: path too long", dir);
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return nnrt_fail(err, "%s: out of memory", path);
    nnrt_settings_print(mem, m, o, c);
    return nnrt_html_save(path, mem, &text, &len, 0, err);
}
