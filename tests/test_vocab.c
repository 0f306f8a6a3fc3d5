/* test_vocab.c: the words of the language, walked end to end.  Each word
 * the runtime has a name for (nnrt_optimizer_word, ...) goes into a .nn
 * file; the checker must accept it as the same value, name it back with
 * the same word, and the emitter must spell that value as the runtime's
 * enum constant of that value (NNRT_OPT_ADAM is NNRT_OPT_ADAM's value).
 * A table put out of order, or a word dropped from one side, fails here,
 * not only (or not at all) in a build.
 *
 * Tests:
 *   every_word_spells_its_enum_name   NAME is "word" in capitals, every list
 *   initializers_round_trip           init=WORD of a dense layer
 *   optimizers_round_trip             optimizer WORD
 *   schedules_round_trip              schedule WORD
 *   monitors_round_trip               early_stop patience 3 monitor=WORD
 *   losses_round_trip                 loss WORD
 *   activations_round_trip            dense 3 WORD (the compiler's own list)
 *   runtime_names_outside_the_enums   NULL past the end and for UNSET
 */
#include <ctype.h>

#include "test_util.h"
#include "nnrt_internal.h"

/* An enum constant as generated code spells it, less its prefix, and its
 * value in the runtime. */
typedef struct Spelling {
    const char *name;
    int value;
} Spelling;

#define INIT_SPELLING(name, word) { #name, NNRT_INIT_##name },
#define OPT_SPELLING(name, word) { #name, NNRT_OPT_##name },
#define SCHEDULE_SPELLING(name, word) { #name, NNRT_SCHEDULE_##name },
#define MONITOR_SPELLING(name, word) { #name, NNRT_MONITOR_##name },
#define LOSS_SPELLING(name, word) { #name, NNRT_LOSS_##name },

static const Spelling INITS[] = { NNRT_INITS(INIT_SPELLING) };
static const Spelling OPTIMIZERS[] = { NNRT_OPTIMIZERS(OPT_SPELLING) };
static const Spelling SCHEDULES[] = { NNRT_SCHEDULES(SCHEDULE_SPELLING) };
static const Spelling MONITORS[] = { NNRT_MONITORS(MONITOR_SPELLING) };
static const Spelling LOSSES[] = { NNRT_LOSSES(LOSS_SPELLING) };

/* The runtime's value of the constant the emitted C names after prefix
 * (the first such name from `from` on), or -1 when there is none or it
 * is not in table. */
static int spelled_value(const char *c, const char *from, const char *prefix,
                         const Spelling *table, int n)
{
    const char *at = from ? strstr(c, from) : c;
    at = at ? strstr(at, prefix) : NULL;
    if (!at)
        return -1;
    at += strlen(prefix);
    size_t len = 0;
    while (isupper((unsigned char)at[len]) || isdigit((unsigned char)at[len]) || at[len] == '_')
        len++;
    for (int i = 0; i < n; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, at, len) == 0)
            return table[i].value;
    return -1;
}

/* A classifier of 4 inputs (IDX data) or, with regress, a regression on
 * CSV data, with the given lines in its data block, network and train
 * block. */
static char *model_text(int regress, const char *data, const char *network, const char *train)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, "model t\ndata {\n");
    if (regress)
        fprintf(f, "    train {\n        csv \"a.csv\"\n    }\n"
                   "    test {\n        csv \"b.csv\"\n    }\n"
                   "    inputs a b c d\n    targets y\n");
    else
        fprintf(f, "    train {\n        images \"a-images.gz\"\n        labels \"a-labels.gz\"\n    }\n"
                   "    test {\n        images \"b-images.gz\"\n        labels \"b-labels.gz\"\n    }\n");
    fprintf(f, "    validation 10%%\n%s}\n", data);
    fprintf(f, "network {\n    input 4\n%s}\n", network);
    fprintf(f, "train {\n%s}\n", train);
    fclose(f);
    return text;
}

/* What one model compiles to: the checked Model and the emitted C. */
typedef struct Compiled {
    Arena arena;
    Model *m;
    char *c;
} Compiled;

static void compile_text(Compiled *out, const char *text)
{
    memset(out, 0, sizeof *out);
    Ir *ir;
    char *diags = diagnose_in(&out->arena, text, &ir, &out->m);
    ck_assert_msg(ir != NULL, "%s\n%s", text, diags);
    free(diags);
    size_t len = 0;
    FILE *f = open_memstream(&out->c, &len);
    emit_c(f, ir);
    fclose(f);
}

static void compiled_free(Compiled *c)
{
    free(c->c);
    arena_free(&c->arena);
}

static void assert_upper(const char *word, const char *name)
{
    char up[64];
    size_t i = 0;
    for (; word[i] && i + 1 < sizeof up; i++)
        up[i] = (char)toupper((unsigned char)word[i]);
    up[i] = 0;
    ck_assert_msg(strcmp(up, name) == 0, "'%s' is spelled %s", word, name);
}

START_TEST(every_word_spells_its_enum_name)
{
    /* the emitter spells a value as its word in capitals */
#define CHECK_UPPER(name, word) assert_upper(word, #name);
    NNRT_INITS(CHECK_UPPER)
    NNRT_OPTIMIZERS(CHECK_UPPER)
    NNRT_SCHEDULES(CHECK_UPPER)
    NNRT_MONITORS(CHECK_UPPER)
    NNRT_LOSSES(CHECK_UPPER)
    NNC_ACTIVATIONS(CHECK_UPPER)
    NNC_LAYERS(CHECK_UPPER)
#undef CHECK_UPPER
}
END_TEST

START_TEST(initializers_round_trip)
{
    int n_names;
    const char *const *names = init_names(&n_names);
    ck_assert_int_eq(n_names, COUNT(INITS));
    int v = 0;
    for (const char *word; (word = nnrt_init_word((nnrt_init)v)); v++) {
        char net[128];
        if (v == NNRT_INIT_UNIT_FORGET_BIAS) {
            /* no kernel's init: how an lstm's bias starts, over 4 steps of 1 */
            char *flat = model_text(0, "", "    lstm 3\n    dense 2 softmax\n",
                                    "    loss cross_entropy\n    optimizer adam\n");
            char *input = strstr(flat, "input 4\n");
            ck_assert_ptr_nonnull(input);
            size_t len = strlen(flat) + 3;
            char *text = malloc(len);
            ck_assert_ptr_nonnull(text);
            snprintf(text, len, "%.*sinput 4x1%s", (int)(input - flat), flat, input + 7);
            free(flat);
            Compiled c;
            compile_text(&c, text);
            ck_assert_int_eq(spelled_value(c.c, ".name = \"lstm3.b\"", "NNRT_INIT_", INITS,
                                           COUNT(INITS)), v);
            compiled_free(&c);
            free(text);
            continue;
        }
        snprintf(net, sizeof net, "    dense 3 relu init=%s\n    dense 2 softmax\n", word);
        char *text = model_text(0, "", net, "    loss cross_entropy\n    optimizer adam\n");
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->layers[1].init, v);
        ck_assert_str_eq(names[c.m->layers[1].init], word);
        ck_assert_int_eq(spelled_value(c.c, "\"dense3.w\"", "NNRT_INIT_", INITS, COUNT(INITS)), v);
        compiled_free(&c);
        free(text);
    }
    ck_assert_int_eq(v, COUNT(INITS));
}
END_TEST

START_TEST(optimizers_round_trip)
{
    int v = 0;
    for (const char *word; (word = nnrt_optimizer_word((nnrt_optimizer_kind)v)); v++) {
        char train[128];
        snprintf(train, sizeof train, "    loss cross_entropy\n    optimizer %s\n", word);
        char *text = model_text(0, "", "    dense 2 softmax\n", train);
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->optimizer, v);
        ck_assert_str_eq(optimizer_name(c.m->optimizer), word);
        ck_assert_int_eq(
            spelled_value(c.c, ".optimizer = {", "NNRT_OPT_", OPTIMIZERS, COUNT(OPTIMIZERS)), v);
        compiled_free(&c);
        free(text);
    }
    ck_assert_int_eq(v, COUNT(OPTIMIZERS));
}
END_TEST

START_TEST(schedules_round_trip)
{
    int v = 0;
    for (const char *word; (word = nnrt_schedule_word((nnrt_schedule_kind)v)); v++) {
        char train[160];
        snprintf(train, sizeof train,
                 "    loss cross_entropy\n    optimizer adam\n    schedule %s\n", word);
        char *text = model_text(0, "", "    dense 2 softmax\n", train);
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->schedule.kind, v);
        ck_assert_str_eq(schedule_name(c.m->schedule.kind), word);
        /* a constant rate is the zeroed field, not written out */
        int spelled = spelled_value(c.c, ".schedule = {", "NNRT_SCHEDULE_", SCHEDULES,
                                    COUNT(SCHEDULES));
        ck_assert_int_eq(spelled < 0 ? NNRT_SCHEDULE_CONSTANT : spelled, v);
        compiled_free(&c);
        free(text);
    }
    ck_assert_int_eq(v, COUNT(SCHEDULES));
}
END_TEST

START_TEST(monitors_round_trip)
{
    int v = 0;
    for (const char *word; (word = nnrt_monitor_word((nnrt_monitor)v)); v++) {
        /* MAE and RMSE are a regression's metrics; accuracy a classifier's */
        int regress = strstr(word, "mae") || strstr(word, "rmse");
        char train[160];
        snprintf(train, sizeof train, "    loss %s\n    optimizer adam\n"
                 "    early_stop patience 3 monitor=%s\n", regress ? "mse" : "cross_entropy", word);
        char *text = model_text(regress, "", regress ? "    dense 1\n" : "    dense 2 softmax\n",
                                train);
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->early_stop.monitor, v);
        ck_assert_str_eq(monitor_name(c.m->early_stop.monitor), word);
        ck_assert_str_eq(nnrt_monitor_name((nnrt_monitor)v), word);
        ck_assert_int_eq(
            spelled_value(c.c, ".early_stop = {", "NNRT_MONITOR_", MONITORS, COUNT(MONITORS)), v);
        compiled_free(&c);
        free(text);
    }
    ck_assert_int_eq(v, COUNT(MONITORS));
}
END_TEST

START_TEST(losses_round_trip)
{
    /* the runtime's 0 is NNRT_LOSS_UNSET, no word; the checker's LossKind
     * counts from the first word */
    int v = NNRT_LOSS_UNSET + 1;
    for (const char *word; (word = nnrt_loss_word((nnrt_loss_kind)v)); v++) {
        int binary = strcmp(word, "binary_cross_entropy") == 0;
        char train[128];
        snprintf(train, sizeof train, "    loss %s\n    optimizer adam\n", word);
        char *text = model_text(0, binary ? "    positive 1\n" : "",
                                binary ? "    dense 1 sigmoid\n" : "    dense 2 softmax\n", train);
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->loss + 1, v);
        ck_assert_str_eq(loss_name(c.m->loss), word);
        ck_assert_int_eq(spelled_value(c.c, NULL, "NNRT_LOSS_", LOSSES, COUNT(LOSSES)), v);
        compiled_free(&c);
        free(text);
    }
    ck_assert_int_eq(v, COUNT(LOSSES) + 1);
}
END_TEST

START_TEST(activations_round_trip)
{
    static const char *const WORDS[] = { NNC_ACTIVATIONS(VOCAB_WORD) };
    for (int k = 0; k < COUNT(WORDS); k++) {
        char net[128];
        snprintf(net, sizeof net, "    dense 3 %s\n    dense 2 softmax\n", WORDS[k]);
        char *text = model_text(0, "", net, "    loss cross_entropy\n    optimizer adam\n");
        Compiled c;
        compile_text(&c, text);
        ck_assert_int_eq(c.m->layers[1].act, k);
        ck_assert_str_eq(activation_name(c.m->layers[1].act), WORDS[k]);
        compiled_free(&c);
        free(text);
    }
    /* Keras's name for identity */
    char *text = model_text(0, "", "    dense 3 linear\n    dense 2 softmax\n",
                            "    loss cross_entropy\n    optimizer adam\n");
    Compiled c;
    compile_text(&c, text);
    ck_assert_int_eq(c.m->layers[1].act, ACT_IDENTITY);
    compiled_free(&c);
    free(text);
}
END_TEST

START_TEST(runtime_names_outside_the_enums)
{
    ck_assert_ptr_null(nnrt_init_word((nnrt_init)COUNT(INITS)));
    ck_assert_ptr_null(nnrt_optimizer_word((nnrt_optimizer_kind)COUNT(OPTIMIZERS)));
    ck_assert_ptr_null(nnrt_optimizer_word((nnrt_optimizer_kind)-1));
    ck_assert_ptr_null(nnrt_schedule_word((nnrt_schedule_kind)COUNT(SCHEDULES)));
    ck_assert_ptr_null(nnrt_monitor_word((nnrt_monitor)COUNT(MONITORS)));
    ck_assert_str_eq(nnrt_monitor_name((nnrt_monitor)COUNT(MONITORS)), "?");
    ck_assert_ptr_null(nnrt_loss_word(NNRT_LOSS_UNSET));
    ck_assert_ptr_null(nnrt_loss_word((nnrt_loss_kind)(COUNT(LOSSES) + 1)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vocab");
    TCase *tc = tcase_create("words");
    tcase_add_test(tc, every_word_spells_its_enum_name);
    tcase_add_test(tc, initializers_round_trip);
    tcase_add_test(tc, optimizers_round_trip);
    tcase_add_test(tc, schedules_round_trip);
    tcase_add_test(tc, monitors_round_trip);
    tcase_add_test(tc, losses_round_trip);
    tcase_add_test(tc, activations_round_trip);
    tcase_add_test(tc, runtime_names_outside_the_enums);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
