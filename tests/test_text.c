/* test_text.c: character-level language models (`text "FILE"`, an
 * `embedding` layer) end to end, and the `sample` command.  A small LSTM
 * on the GNU GPL (which every Debian machine has) learns the next
 * character far better than always guessing the commonest one; `sample`
 * writes the same text for the same seed, from the weights alone (no text
 * file); and what must be refused is: a prime with a character the model
 * never saw, weights used on a text of other characters, an empty text,
 * more characters than the vocabulary holds, a test part shorter than a
 * window, and `sample` on a model that learns no text. */
#define SUITE_DIR "text"
#include <math.h>

#include "trainer_util.h"

#define GPL "/usr/share/common-licenses/GPL-3"
#define GPL_WINDOW 20

static char gpl_exe[600], small_exe[600], plain_exe[600];
static char *gpl_train_out;     /* what `train` printed, for the tests to read */
static int gpl_train_status;

/* fixture_dir()/name.nn holding text, built into fixture_dir()/name (exe) */
static void build_model(const char *name, const char *text, char *exe, size_t len)
{
    char nn[700];
    snprintf(nn, sizeof nn, "%s/%s.nn", fixture_dir(), name);
    write_text(nn, text);
    snprintf(exe, len, "%s/%s", fixture_dir(), name);
    build_trainer(nn, exe);
}

/* Once, in the parent process: the three trainers, and the GPL model
 * trained (5 epochs, some 7 s on two cores). */
static void build_and_train(void)
{
    fresh_dir("%s", fixture_dir());
    build_model("gpl",
                "model gpl\n"
                "data {\n    text \"" GPL "\"\n    window 20\n    test 10%\n"
                "    validation 10%\n}\n"
                "network {\n    input 20\n    embedding 128 16\n    lstm 64\n"
                "    dense 128 softmax\n}\n"
                "train {\n    loss cross_entropy\n    optimizer adam lr=0.002\n    batch 64\n"
                "    epochs 5\n    seed 1\n}\n",
                gpl_exe, sizeof gpl_exe);
    /* a relative name: $NNC_DATA says which corpus.txt */
    build_model("small",
                "model small\n"
                "data {\n    text \"corpus.txt\"\n    window 12\n    test 20%\n}\n"
                "network {\n    input 12\n    embedding 16 8\n    lstm 16\n"
                "    dense 16 softmax\n}\n"
                "train {\n    loss cross_entropy\n    optimizer adam lr=0.01\n    batch 32\n"
                "    epochs 1\n}\n",
                small_exe, sizeof small_exe);
    char csv[700], text[2048];
    snprintf(csv, sizeof csv, "%s/plain.csv", fixture_dir());
    write_text(csv, "a,b,label\n0,1,1\n1,0,0\n1,1,1\n0,0,0\n");
    snprintf(text, sizeof text,
             "model plain\n"
             "data {\n    train {\n        csv \"%s\"\n    }\n"
             "    test {\n        csv \"%s\"\n    }\n    inputs a b\n    targets label\n}\n"
             "network {\n    input 2\n    dense 2 softmax\n}\n"
             "train {\n    loss cross_entropy\n    optimizer sgd\n    batch 2\n}\n",
             csv, csv);
    build_model("plain", text, plain_exe, sizeof plain_exe);

    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s train --out %s/gpl_run", gpl_exe, fixture_dir());
    gpl_train_status = run_cmd(cmd, &gpl_train_out);
}

/* fixture_dir()/DIR/corpus.txt holding len bytes of text; DIR's path into
 * dir, for $NNC_DATA */
static void corpus(const char *name, const char *text, size_t len, char *dir, size_t dir_len)
{
    char path[900];
    snprintf(dir, dir_len, "%s/%s", fixture_dir(), name);
    make_dir("%s", dir);
    snprintf(path, sizeof path, "%s/corpus.txt", dir);
    write_bytes(path, text, len);
}

/* The small model run with $NNC_DATA=data_dir: its status, output in *out */
static int small_run(const char *data_dir, const char *args, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "NNC_DATA='%s' %s %s", data_dir, small_exe, args);
    return run_cmd(cmd, out);
}

/* ---- learning --------------------------------------------------------------- */

/* The share of the test labels (the GPL's last 10%, but its first window)
 * that its commonest character has: what always guessing it scores. */
static double commonest_share(void)
{
    size_t n;
    char *text = slurp_len(GPL, &n);
    long n_test = lround((double)n * 0.1), counts[256] = { 0 }, most = 0;
    for (size_t i = n - (size_t)n_test + GPL_WINDOW; i < n; i++)
        counts[(unsigned char)text[i]]++;
    for (int b = 0; b < 256; b++)
        most = counts[b] > most ? counts[b] : most;
    free(text);
    return (double)most / (double)(n_test - GPL_WINDOW);
}

START_TEST(learns_the_next_character)
{
    ck_assert_msg(gpl_train_status == 0, "train:\n%s", gpl_train_out);
    /* 35149 bytes: the last 3515 for the test, 3495 windows; 31614 windows
     * before them, the last 3161 to validate */
    ck_assert_msg(strstr(gpl_train_out, "28453 training samples, 3161 validation, 3495 test"),
                  "%.400s", gpl_train_out);
    double accuracy = test_accuracy(gpl_train_out), baseline = commonest_share();
    ck_assert_msg(baseline > 0.1 && baseline < 0.25, "the commonest character: %.4f", baseline);
    ck_assert_msg(accuracy > 1.6 * baseline, "test accuracy %.4f; the commonest character's "
                  "share %.4f", accuracy, baseline);
    /* the matrix of 128 classes is saved, not printed */
    ck_assert_msg(strstr(gpl_train_out, "confusion matrix: 128 classes, too many columns to "
                                        "print"), "%s", gpl_train_out);
}
END_TEST

/* ---- sample ----------------------------------------------------------------- */

/* `sample ARGS` of the GPL model: stdout's bytes, malloc'ed, *len of them */
static char *gpl_sample(const char *args, size_t *len)
{
    char cmd[2048], out_path[900], *err;
    snprintf(out_path, sizeof out_path, "%s/sample.txt", fixture_dir());
    snprintf(cmd, sizeof cmd, "%s sample --weights %s/gpl_run/weights %s > %s", gpl_exe,
             fixture_dir(), args, out_path);
    int status = run_cmd(cmd, &err);
    ck_assert_msg(status == 0 && !*err, "%s: %d\n%s", cmd, status, err);
    free(err);
    return slurp_len(out_path, len);
}

/* The embedding's backward (each step's gradient into its id's row)
 * against central differences, on the text's own samples */
START_TEST(gradcheck_passes_through_the_embedding)
{
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s gradcheck --samples 3", gpl_exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strstr(out, "embedding16.w ") && strstr(out, "gradcheck: ok"),
                  "%s:\n%.2000s", cmd, out);
    free(out);
}
END_TEST

START_TEST(sample_is_the_same_for_a_seed)
{
    ck_assert_msg(gpl_train_status == 0, "train:\n%s", gpl_train_out);
    size_t n1, n2, n3;
    char *a = gpl_sample("--length 200 --seed 3", &n1), *b = gpl_sample("--length 200 --seed 3",
                                                                           &n2);
    char *c = gpl_sample("--length 200 --seed 4", &n3);
    ck_assert_uint_eq(n1, 201);   /* the prime, a space, then 200 */
    ck_assert_msg(n2 == n1 && memcmp(a, b, n1) == 0, "seed 3 twice:\n%s\n----\n%s", a, b);
    ck_assert_msg(n3 == n1 && memcmp(a, c, n1) != 0, "seeds 3 and 4 gave the same:\n%s", a);
    ck_assert_int_eq(a[0], ' ');
    /* every character one of the GPL's */
    size_t n_gpl;
    char *gpl = slurp_len(GPL, &n_gpl);
    for (size_t i = 0; i < n1; i++)
        ck_assert_msg(memchr(gpl, a[i], n_gpl), "byte %zu: 0x%02x is not in the GPL", i,
                      (unsigned char)a[i]);
    free(gpl);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(sample_goes_on_from_the_prime)
{
    ck_assert_msg(gpl_train_status == 0, "train:\n%s", gpl_train_out);
    size_t n1, n2;
    /* below 0.01 the likeliest character, whatever the seed */
    char *a = gpl_sample("--length 50 --prime 'This License' --temperature 0.001 --seed 1", &n1);
    char *b = gpl_sample("--length 50 --prime 'This License' --temperature 0.001 --seed 2", &n2);
    ck_assert_uint_eq(n1, 12 + 50);
    ck_assert_msg(strncmp(a, "This License", 12) == 0, "%s", a);
    ck_assert_msg(n2 == n1 && memcmp(a, b, n1) == 0, "%s\n----\n%s", a, b);
    free(a);
    free(b);
}
END_TEST

/* steps saves the weights a seed starts from with the text's vocabulary
 * in them (fresh weights hold none until the text sets it) */
START_TEST(steps_saves_the_vocabulary_too)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s steps 0 --weights-out %s/start.w", gpl_exe, fixture_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s:\n%s", cmd, out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s sample --weights %s/start.w --length 5 --prime 'GNU'", gpl_exe,
             fixture_dir());
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0 && strncmp(out, "GNU", 3) == 0, "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

START_TEST(a_prime_outside_the_vocabulary_is_refused)
{
    char cmd[2048], *out;
    /* the GPL is ASCII without '~' */
    snprintf(cmd, sizeof cmd, "%s sample --weights %s/gpl_run/weights --prime 'a~b\xc3\xa9~'",
             gpl_exe, fixture_dir());
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "gpl: error: --prime: '~', '\\xc3' and '\\xa9' are "
                                             "not in the vocabulary the model learnt"),
                  "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

START_TEST(sample_needs_weights_and_a_text_model)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "cd %s && %s sample", fixture_dir(), gpl_exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "runs/gpl/weights: no weights there yet: train "
                                             "first"), "%s:\n%s", cmd, out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s sample", plain_exe);
    status = run_cmd(cmd, &out);
    ck_assert_msg(status == 1 && strstr(out, "plain: error: sample writes text from a "
                                             "character-level model"), "%s:\n%s", cmd, out);
    free(out);
}
END_TEST

/* ---- the vocabulary ------------------------------------------------------- */

START_TEST(weights_refuse_a_text_of_other_characters)
{
    char a[600], b[600], *out;
    static const char abc[] = "abcab cabca bcabc abcab cabca bcabc abcab cabca bcabc ";
    char text[sizeof abc * 8] = "";
    for (int i = 0; i < 8; i++)
        strcat(text, abc);
    corpus("abc", text, strlen(text), a, sizeof a);
    for (char *p = text; *p; p++)   /* the same shape, other letters: ' ' 'x' 'y' 'z' */
        *p = *p == ' ' ? ' ' : (char)(*p - 'a' + 'x');
    corpus("xyz", text, strlen(text), b, sizeof b);
    char args[1100];
    snprintf(args, sizeof args, "train --out %s/small_run", fixture_dir());
    int status = small_run(a, args, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    snprintf(args, sizeof args, "eval --weights %s/small_run/weights --out %s/small_eval",
             fixture_dir(), fixture_dir());
    status = small_run(b, args, &out);
    ck_assert_msg(status == 1 && strstr(out, "xyz/corpus.txt's characters are not the "
                                             "vocabulary these weights were trained with (id 1 "
                                             "is 'a' there, 'x' here); train on this text, or "
                                             "use the text the model learnt"),
                  "%s", out);
    free(out);
    /* the text it learnt is fine, and sample needs none */
    status = small_run(a, args, &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
    snprintf(args, sizeof args, "sample --weights %s/small_run/weights --length 30 --prime cab",
             fixture_dir());
    status = small_run("/nonexistent", args, &out);
    ck_assert_msg(status == 0 && strlen(out) == 33 && strspn(out, "abc ") == 33, "%s", out);
    free(out);
}
END_TEST

START_TEST(an_empty_text_is_refused)
{
    char dir[600], args[1000], *out;
    corpus("empty", "", 0, dir, sizeof dir);
    snprintf(args, sizeof args, "train --out %s/empty_run", fixture_dir());
    int status = small_run(dir, args, &out);
    ck_assert_msg(status == 1 && strstr(out, "empty/corpus.txt: no characters to learn from"),
                  "%s", out);
    free(out);
}
END_TEST

START_TEST(more_characters_than_the_vocabulary_are_refused)
{
    char dir[600], args[1000], *out;
    const char *text = "abcdefghijklmnopqrst abcdefghijklmnopqrst abcdefghijklmnopqrst";
    corpus("wide", text, strlen(text), dir, sizeof dir);
    snprintf(args, sizeof args, "train --out %s/wide_run", fixture_dir());
    int status = small_run(dir, args, &out);
    ck_assert_msg(status == 1 && strstr(out, "wide/corpus.txt: 21 distinct characters, more than "
                                             "the model's vocabulary of 16: raise embedding's "
                                             "vocabulary to 21 in "),
                  "%s", out);
    free(out);
}
END_TEST

START_TEST(a_test_part_shorter_than_a_window_is_refused)
{
    char dir[600], args[1000], *out;
    const char *text = "abc abc abc abc abc abc abc abc abc abc abc abc ab";   /* 50 */
    corpus("short", text, strlen(text), dir, sizeof dir);
    snprintf(args, sizeof args, "train --out %s/short_run", fixture_dir());
    int status = small_run(dir, args, &out);
    ck_assert_msg(status == 1 && strstr(out, "short/corpus.txt: the test part of the text has 10 "
                                             "characters (of 50), too few for a window of 12: it "
                                             "needs 13 or more; use a longer text, a shorter "
                                             "window, or another 'test' fraction"),
                  "%s", out);
    free(out);
}
END_TEST

/* nnc check on the small model with $NNC_DATA=DIR: its status, output */
static int small_check(const char *data_dir, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "NNC_DATA='%s' %s check %s/small.nn", data_dir, nnc_bin(),
             fixture_dir());
    return run_cmd(cmd, out);
}

/* The same three, found by nnc check where the text is on this machine:
 * errors at the line to change */
START_TEST(nnc_check_points_at_the_line_to_change)
{
    char dir[600], *out;
    corpus("check_empty", "", 0, dir, sizeof dir);
    int status = small_check(dir, &out);
    ck_assert_msg(status == 1 && strstr(out, "small.nn:3:5: error: ") &&
                      strstr(out, "check_empty/corpus.txt has no characters to learn from"),
                  "%s", out);
    free(out);
    const char *wide = "abcdefghijklmnopqrst abcdefghijklmnopqrst abcdefghijklmnopqrst";
    corpus("check_wide", wide, strlen(wide), dir, sizeof dir);
    status = small_check(dir, &out);
    ck_assert_msg(status == 1 && strstr(out, "small.nn:9:5: error: ") &&
                      strstr(out, "check_wide/corpus.txt has 21 distinct characters, more than "
                                  "the embedding's vocabulary of 16") &&
                      strstr(out, "= write 'embedding 21 8' and 'dense 21 softmax' at the end"),
                  "%s", out);
    free(out);
    const char *text = "abc abc abc abc abc abc abc abc abc abc abc abc ab";   /* 50 */
    corpus("check_short", text, strlen(text), dir, sizeof dir);
    status = small_check(dir, &out);
    ck_assert_msg(status == 1 && strstr(out, "small.nn:4:5: error: the test part of ") &&
                      strstr(out, "check_short/corpus.txt has 10 characters (of 50), too few "
                                  "for a window of 12: it needs 13 or more") &&
                      strstr(out, "= write 'window 9' or less, or use a longer text"),
                  "%s", out);
    free(out);
    /* and a text nnc cannot find here is the trainer's to find */
    status = small_check("/nonexistent", &out);
    ck_assert_msg(status == 0, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, build_and_train, NULL);
    tcase_add_test(tc, learns_the_next_character);
    tcase_add_test(tc, gradcheck_passes_through_the_embedding);
    tcase_add_test(tc, sample_is_the_same_for_a_seed);
    tcase_add_test(tc, sample_goes_on_from_the_prime);
    tcase_add_test(tc, steps_saves_the_vocabulary_too);
    tcase_add_test(tc, a_prime_outside_the_vocabulary_is_refused);
    tcase_add_test(tc, sample_needs_weights_and_a_text_model);
    tcase_add_test(tc, weights_refuse_a_text_of_other_characters);
    tcase_add_test(tc, an_empty_text_is_refused);
    tcase_add_test(tc, more_characters_than_the_vocabulary_are_refused);
    tcase_add_test(tc, a_test_part_shorter_than_a_window_is_refused);
    tcase_add_test(tc, nnc_check_points_at_the_line_to_change);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
