/* test_report_html.c: the pages a person opens in a browser, read as
 * text, without a browser (make check-browser opens them in Chromium):
 *
 *   - DIR/report.html after train and eval on the tiny model (through
 *     nnrt_main in this process, with its image shape set): every section,
 *     the heat map with the class names, the mistakes surest first as PNG
 *     data: URIs that decode to pictures of the right size, the
 *     augmentation preview, settings.txt and test.csv beside it;
 *   - a regression's page (examples/regression_houses.nn built by nnc):
 *     the predicted-against-true scatter instead of a confusion matrix;
 *   - `nnc report` on two runs: both in the curves, the settings that
 *     differ marked, its errors;
 *   - every name a person gives (model, classes, layers, paths, titles)
 *     escaped: each holds <script> and &;
 *   - markup.c's escaping, base64 and URL paths against known answers.
 *
 * Every page must pass html_problem(), a strict reading: tags balanced
 * (void elements never closed), only a few entities, attributes quoted,
 * no block inside a <p>, no script, nothing fetched. */
#define SUITE_DIR "report_html"
#include <ctype.h>

#include "page.h"
#include "tiny_model.h"

/* ---- a strict HTML reader -------------------------------------------------- */

static int one_of(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

static const char *const VOID[] = { "meta", "img", "br", "hr", "input", "link", "col", "area",
                                    "base", "embed", "source", "track", "wbr", NULL };
/* elements a <p> cannot hold: a browser would end the paragraph before them */
static const char *const BLOCKS[] = { "div", "table", "section", "p", "pre", "ul", "ol", "h1",
                                      "h2", "h3", "figure", "details", "header", "nav",
                                      "footer", "main", NULL };

/* An entity at p: its length, or 0 for one a strict reader does not know */
static int entity_len(const char *p)
{
    static const char *const names[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", NULL };
    for (int i = 0; names[i]; i++)
        if (strncmp(p, names[i], strlen(names[i])) == 0)
            return (int)strlen(names[i]);
    return 0;
}

/* NULL if s is a page as the writers promise one, else what is wrong and
 * where (a static string) */
static const char *html_problem(const char *s)
{
    static char why[300];
    char stack[128][32];
    int depth = 0, in_svg = 0;
    const char *p = s;
#define BAD(...) (snprintf(why, sizeof why, __VA_ARGS__), why)
    static const char DOCTYPE[] = "<!DOCTYPE html>\n";
    if (strncmp(s, DOCTYPE, sizeof DOCTYPE - 1) != 0)
        return BAD("no <!DOCTYPE html> first");
    p += sizeof DOCTYPE - 1;
    while (*p) {
        if (*p != '<') {
            if (*p == '&' && !entity_len(p))
                return BAD("byte %td: an unknown entity or a bare '&': %.12s", p - s, p);
            if (*p == '>')
                return BAD("byte %td: a bare '>'", p - s);
            if (depth == 0 && !isspace((unsigned char)*p))
                return BAD("byte %td: text outside <html>", p - s);
            p++;
            continue;
        }
        if (p[1] == '/') {
            const char *end = strchr(p, '>');
            if (!end || depth == 0)
                return BAD("byte %td: a stray end tag", p - s);
            int len = (int)(end - p - 2);
            if ((size_t)len != strlen(stack[depth - 1]) ||
                strncmp(p + 2, stack[depth - 1], (size_t)len) != 0)
                return BAD("byte %td: </%.20s closes <%.31s>", p - s, p + 2, stack[depth - 1]);
            in_svg -= strcmp(stack[depth - 1], "svg") == 0;
            depth--;
            p = end + 1;
            continue;
        }
        const char *name = ++p;
        while (isalnum((unsigned char)*p))
            p++;
        if (p == name || p - name >= 32 || depth == 128)
            return BAD("byte %td: a bad tag name", name - s);
        char tag[32];
        snprintf(tag, sizeof tag, "%.*s", (int)(p - name), name);
        if (strcmp(tag, "script") == 0)
            return BAD("byte %td: a script", name - s);
        for (int i = 0; i < depth && one_of(tag, BLOCKS); i++)
            if (strcmp(stack[i], "p") == 0)
                return BAD("byte %td: <%s> inside a <p>", name - s, tag);
        for (;;) {
            while (isspace((unsigned char)*p))
                p++;
            if (p[0] == '/' && p[1] == '>') {
                if (!in_svg && !one_of(tag, VOID))
                    return BAD("byte %td: <%s/> outside SVG", name - s, tag);
                p += 2;
                break;
            }
            if (*p == '>') {
                p++;
                if (one_of(tag, VOID))
                    break;
                snprintf(stack[depth++], sizeof stack[0], "%s", tag);
                in_svg += strcmp(tag, "svg") == 0;
                if (strcmp(tag, "style") == 0) {   /* raw text to its end tag */
                    const char *end = strstr(p, "</style>");
                    if (!end)
                        return BAD("an unclosed <style>");
                    p = end;
                }
                break;
            }
            const char *attr = p;
            while (isalnum((unsigned char)*p) || *p == '-' || *p == ':')
                p++;
            if (p == attr || p[0] != '=' || p[1] != '"')
                return BAD("byte %td: in <%s>: an attribute not name=\"value\"", attr - s, tag);
            if (strncmp(attr, "on", 2) == 0)
                return BAD("byte %td: in <%s>: an event handler", attr - s, tag);
            for (p += 2; *p != '"'; p++) {
                if (*p == '\0' || *p == '<')
                    return BAD("byte %td: in <%s>: an unclosed value", attr - s, tag);
                if (*p == '&' && !entity_len(p))
                    return BAD("byte %td: in <%s>: a bare '&'", p - s, tag);
            }
            p++;
        }
    }
    if (depth != 0)
        return BAD("<%s> is never closed", stack[depth - 1]);
    return NULL;
#undef BAD
}

START_TEST(the_html_reader_catches_mistakes)
{
    const char *ok = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>a>b{}</style>"
                     "</head><body><p>a &amp; b<br></p><svg><path d=\"M0 0\"/></svg>"
                     "<img alt=\"x\" src=\"data:\"></body></html>\n";
    const char *why = html_problem(ok);
    ck_assert_msg(why == NULL, "%s", why);
    static const char *const bad[] = {
        "<html></html>",
        "<!DOCTYPE html>\n<html><body></html>",
        "<!DOCTYPE html>\n<html>a & b</html>",
        "<!DOCTYPE html>\n<html>&nbsp;</html>",
        "<!DOCTYPE html>\n<html><p><div></div></p></html>",
        "<!DOCTYPE html>\n<html><script>1</script></html>",
        "<!DOCTYPE html>\n<html><a href=x></a></html>",
        "<!DOCTYPE html>\n<html><div/></html>",
        "<!DOCTYPE html>\n<html><b onclick=\"x\"></b></html>",
        "<!DOCTYPE html>\n<html></html>x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(html_problem(bad[i]) != NULL, "passed: %s", bad[i]);
}
END_TEST

/* ---- helpers ---------------------------------------------------------------- */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Whether hay holds needle (lower case) in any case */
static int holds_nocase(const char *hay, const char *needle)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (!needle[i])
            return 1;
    }
    return 0;
}

/* A page checked whole: strict HTML, no script, nothing fetched (the one
 * URL is the SVG namespace, which names and fetches nothing) */
static void assert_page(const char *page)
{
    const char *why = html_problem(page);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert(!holds_nocase(page, "<script"));
    ck_assert_int_eq(count(page, "://"), count(page, "xmlns=\"http://www.w3.org/2000/svg\""));
    ck_assert_ptr_null(strstr(page, "<link"));
    ck_assert_ptr_null(strstr(page, "url("));
}

/* The tiny model as an image classifier of 2x2 pictures with class names */
static const char *const NAMES[K] = { "zero", "one", "two" };

static nnrt_model image_model(void)
{
    nnrt_model m = tiny_model();
    m.in_h = m.in_w = 2;
    m.in_c = 1;
    m.class_names = NAMES;
    return m;
}

/* train m into runs/NAME with extra flags (NULL-ended); the run's folder */
static const char *train_into(const nnrt_model *m, const char *name, const char *const *flags,
                              char *dir, size_t len)
{
    out_dir(dir, len, name);
    const char *args[16] = { "train", "--out", dir, "--overwrite" };
    int n = 4;
    for (; flags && flags[n - 4]; n++)
        args[n] = flags[n - 4];
    args[n] = NULL;
    result r = run_main(m, args);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    result_free(&r);
    return dir;
}

static char *page_of(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/report.html", dir);
    ck_assert_int_eq(temporaries_left(path), 0);
    return slurp(path);
}

/* The text of section id, up to its end (a static copy) */
static const char *section(const char *page, const char *id)
{
    static char text[1 << 20];
    char head[64];
    snprintf(head, sizeof head, "<section id=\"%s\">", id);
    const char *start = strstr(page, head);
    ck_assert_msg(start != NULL, "no section %s", id);
    const char *end = strstr(start, "</section>");
    ck_assert_ptr_nonnull(end);
    snprintf(text, sizeof text, "%.*s", (int)(end - start), start);
    return text;
}

/* ---- base64 back to bytes, for the pictures ------------------------------ */

static int b64_value(char c)
{
    const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *at = strchr(digits, c);
    return c && at ? (int)(at - digits) : -1;
}

/* The bytes of the data: URI at uri (up to its closing quote), in out */
static size_t decode_uri(const char *uri, unsigned char *out, size_t max)
{
    const char *prefix = "data:image/png;base64,";
    ck_assert_msg(strncmp(uri, prefix, strlen(prefix)) == 0, "%.40s", uri);
    const char *p = uri + strlen(prefix);
    size_t n = 0;
    for (; *p != '"'; p += 4) {
        int v[4];
        for (int i = 0; i < 4; i++)
            v[i] = p[i] == '=' ? 0 : b64_value(p[i]);
        ck_assert_msg(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0, "%.8s", p);
        unsigned long bits = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
                             (unsigned long)v[2] << 6 | (unsigned long)v[3];
        int bytes = p[2] == '=' ? 1 : p[3] == '=' ? 2 : 3;
        for (int i = 0; i < bytes && n < max; i++)
            out[n++] = (unsigned char)(bits >> (16 - 8 * i));
    }
    return n;
}

/* The width and height of the PNG whose data: URI is at uri */
static void png_size(const char *uri, uint32_t *w, uint32_t *h)
{
    static unsigned char bytes[1 << 20];
    size_t n = decode_uri(uri, bytes, sizeof bytes);
    ck_assert_uint_gt(n, 24);
    ck_assert_mem_eq(bytes, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    *w = (uint32_t)bytes[16] << 24 | (uint32_t)bytes[17] << 16 | (uint32_t)bytes[18] << 8 |
         bytes[19];
    *h = (uint32_t)bytes[20] << 24 | (uint32_t)bytes[21] << 16 | (uint32_t)bytes[22] << 8 |
         bytes[23];
}

/* ---- a run's page ------------------------------------------------------------ */

START_TEST(a_run_page_holds_every_section)
{
    nnrt_model m = image_model();
    char dir[1200];
    /* a slow rate: many mistakes to rank */
    const char *flags[] = { "--epochs", "2", "--lr", "0.0005", NULL };
    train_into(&m, "page", flags, dir, sizeof dir);
    char *page = page_of(dir);
    assert_page(page);
    ck_assert_ptr_nonnull(strstr(page, "<title>tiny: run report</title>"));
    ck_assert_ptr_nonnull(strstr(page, "<h1>tiny</h1>"));
    ck_assert_ptr_nonnull(strstr(page, "this page written by <code>train</code>"));
    /* the result: the test numbers, the diagnosis as report.txt has it */
    const char *s = section(page, "result");
    ck_assert_ptr_nonnull(strstr(s, "<span>test accuracy</span><b>0."));
    ck_assert_ptr_nonnull(strstr(s, "<span>test samples</span><b>90</b>"));
    ck_assert_ptr_nonnull(strstr(s, "<pre>best epoch: "));
    ck_assert_ptr_nonnull(strstr(s, "\nverdict: "));
    /* the curves, as inline SVG: a path per series and panel */
    s = section(page, "curves");
    ck_assert_int_eq(count(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""), 1);
    ck_assert_int_eq(count(s, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(s, "<path class=\"val\""), 2);
    /* the heat map: the class names on both sides, a cell each */
    s = section(page, "confusion");
    ck_assert_int_eq(count(s, "<th class=\"pred\">"), K);
    ck_assert_ptr_nonnull(strstr(s, "<th>2 two</th>"));
    ck_assert_int_eq(count(s, "<td style=\"background:rgba("), K * K);
    ck_assert_int_eq(count(s, "rgba(31,119,180,"), K);   /* the diagonal blue */
    ck_assert_ptr_nonnull(strstr(s, "title=\"true 1 one, predicted 1 one: "));
    /* the scores: a row a class, then the macro averages */
    s = section(page, "classes");
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>0 zero</td><td class=\"num\">"));
    ck_assert_ptr_nonnull(strstr(s, "<tr class=\"total\"><td>macro average</td>"));
    /* no augment block: no preview; an image model: mistakes */
    ck_assert_ptr_null(strstr(page, "<section id=\"augment\">"));
    ck_assert_ptr_null(strstr(page, "<section id=\"scatter\">"));
    section(page, "mistakes");
    /* the model: the layer's tensors */
    s = section(page, "model");
    ck_assert_ptr_nonnull(strstr(s, "<code>dense1</code>"));
    ck_assert_ptr_nonnull(strstr(s, "<code>.w</code> 4x3"));
    ck_assert_ptr_nonnull(strstr(s, "<td class=\"num\">15</td><td class=\"num\">15</td></tr>"));
    /* the settings train recorded, the timings */
    s = section(page, "settings");
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>epochs</td><td>2</td></tr>"));
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>lr</td><td>0.0005</td></tr>"));
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>optimizer</td><td>adam beta1=0.9"));
    s = section(page, "timings");
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>epochs timed</td><td class=\"num\">2</td></tr>"));
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>test pass</td><td class=\"num\">90 samples in "));
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>threads, training</td>"));
    free(page);

    /* settings.txt and test.csv beside it */
    char path[1300];
    snprintf(path, sizeof path, "%s/settings.txt", dir);
    char *text = slurp(path);
    ck_assert_msg(strstr(text, "\nmodel = tiny\n") && strstr(text, "\nepochs = 2\n") &&
                      strstr(text, "\nlr = 0.0005\n") && strstr(text, "\ntrain_samples = 240\n") &&
                      strstr(text, "\nlayer.dense1 = 15 params\n") &&
                      strstr(text, "\nvalidation = 20%\n"),
                  "%s", text);
    free(text);
    snprintf(path, sizeof path, "%s/test.csv", dir);
    text = slurp(path);
    ck_assert_msg(strncmp(text, "loss,accuracy,samples\n", 22) == 0 && strstr(text, ",90\n"),
                  "%s", text);
    free(text);
}
END_TEST

/* The mistakes: every wrong test image up to 16, surest first, each a PNG
 * of the 2x2 picture at 4x, with its true and predicted class */
START_TEST(mistakes_are_the_surest_first_as_pictures)
{
    nnrt_model m = image_model();
    char dir[1200];
    const char *flags[] = { "--epochs", "1", "--lr", "0.0005", NULL };
    train_into(&m, "mistakes", flags, dir, sizeof dir);
    char *page = page_of(dir);
    const char *s = section(page, "mistakes");
    int figures = count(s, "<figure>");
    /* as many as the test set's wrong answers, at most 16 */
    char path[1300];
    snprintf(path, sizeof path, "%s/test.csv", dir);
    char *csv = slurp(path);
    double loss, accuracy;
    ck_assert_int_eq(sscanf(csv, "loss,accuracy,samples\n%lf,%lf,", &loss, &accuracy), 2);
    int wrong = (int)(N_TEST - accuracy * N_TEST + 0.5);
    ck_assert_int_gt(wrong, 0);
    ck_assert_int_eq(figures, wrong < 16 ? wrong : 16);
    double last = 2;
    for (const char *p = s; (p = strstr(p, "</b> (")); p++) {
        double prob;
        ck_assert_int_eq(sscanf(p, "</b> (%lf)", &prob), 1);
        ck_assert_msg(prob <= last, "%g after %g", prob, last);
        last = prob;
    }
    const char *img = strstr(s, "<img class=\"sample\" alt=\"test sample ");
    ck_assert_ptr_nonnull(img);
    uint32_t w, h;
    png_size(strstr(img, "src=\"") + 5, &w, &h);
    ck_assert_uint_eq(w, 8);
    ck_assert_uint_eq(h, 8);
    ck_assert_ptr_nonnull(strstr(s, "<figcaption>true <b>"));
    ck_assert_int_eq(count(s, "<img "), figures);
    free(csv);
    free(page);
}
END_TEST

START_TEST(an_augmenting_model_shows_its_preview)
{
    nnrt_model m = image_model();
    m.augment.hflip_p = 0.5f;
    char dir[1200];
    const char *flags[] = { "--epochs", "1", NULL };
    train_into(&m, "augment", flags, dir, sizeof dir);
    char *page = page_of(dir);
    assert_page(page);
    const char *s = section(page, "augment");
    ck_assert_ptr_nonnull(strstr(s, "The first 16 training images"));
    const char *img = strstr(s, "<img class=\"preview\" alt=\"");
    ck_assert_ptr_nonnull(img);
    /* 16 pairs of 2x2 images: 4 x 4 pairs of (2 + 1 + 2) columns, 2 rows,
     * 2 grey pixels between and around, every pixel 4 wide (preview.c) */
    uint32_t w, h;
    png_size(strstr(img, "src=\"") + 5, &w, &h);
    ck_assert_uint_eq(w, 4 * (4 * 5 + 2 * 5));
    ck_assert_uint_eq(h, 4 * (4 * 2 + 2 * 5));
    ck_assert_ptr_nonnull(strstr(page, "<tr><td>augment</td><td>hflip p=0.5</td></tr>"));
    free(page);
}
END_TEST

/* eval writes the page too: into the run's folder with its curves, into a
 * fresh one without them and with the .nn file's settings, said so */
START_TEST(eval_writes_a_page_with_what_the_folder_holds)
{
    nnrt_model m = image_model();
    char dir[1200], fresh[1200], weights[1300];
    const char *flags[] = { "--epochs", "2", NULL };
    train_into(&m, "evaluated", flags, dir, sizeof dir);
    snprintf(weights, sizeof weights, "%s/weights", dir);
    const char *args[] = { "eval", "--out", dir, NULL };
    result r = run_main(&m, args);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    result_free(&r);
    char *page = page_of(dir);
    assert_page(page);
    ck_assert_ptr_nonnull(strstr(page, "this page written by <code>eval</code>"));
    section(page, "curves");
    ck_assert_ptr_nonnull(strstr(section(page, "settings"), "<tr><td>epochs</td><td>2</td>"));
    free(page);

    out_dir(fresh, sizeof fresh, "fresh_eval");
    fresh_dir("%s", fresh);
    const char *args2[] = { "eval", "--weights", weights, "--out", fresh, NULL };
    r = run_main(&m, args2);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    result_free(&r);
    page = page_of(fresh);
    assert_page(page);
    ck_assert_ptr_null(strstr(page, "<section id=\"curves\">"));
    ck_assert_ptr_nonnull(strstr(page, "No <code>report.txt</code> here"));
    const char *s = section(page, "settings");
    ck_assert_ptr_nonnull(strstr(s, "This folder has no <code>settings.txt</code>"));
    ck_assert_ptr_nonnull(strstr(s, "<tr><td>epochs</td><td>5</td></tr>"));   /* the model's */
    section(page, "confusion");
    free(page);
}
END_TEST

/* ---- names a person gives, escaped ------------------------------------------- */

#define EVIL "<script>alert(\"x&y\")</script>"
#define EVIL_HTML "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"
/* a folder's name cannot hold the '/' of </script> */
#define EVIL_DIR "&<script>\"x"
#define EVIL_DIR_HTML "&amp;&lt;script&gt;&quot;x"

static const char *const EVIL_NAMES[K] = { EVIL, "a&b", "&amp;" };
static const nnrt_param EVIL_PARAMS[] = {
    { .name = EVIL ".w", .ndims = 2, .dims = { IN, K }, .size = IN * K, .value = W,
      .grad = offsetof(nnrt_replica, dW), .init = NNRT_INIT_GLOROT_UNIFORM, .fan_in = IN,
      .fan_out = K },
    { .name = EVIL ".b", .ndims = 1, .dims = { K }, .size = K, .value = b,
      .grad = offsetof(nnrt_replica, db), .init = NNRT_INIT_ZEROS, .fan_in = IN, .fan_out = K },
};
static const nnrt_layer_output EVIL_OUTPUTS[] = { { EVIL, offsetof(nnrt_replica, p), K } };

static nnrt_model evil_model(void)
{
    nnrt_model m = image_model();
    m.name = EVIL;
    m.source = "tests/" EVIL ".nn";
    m.class_names = EVIL_NAMES;
    m.params = EVIL_PARAMS;
    m.n_layer_outputs = 1;
    m.layer_outputs = EVIL_OUTPUTS;
    return m;
}

START_TEST(names_are_escaped_in_the_run_page)
{
    nnrt_model m = evil_model();
    char dir[1200];
    const char *flags[] = { "--epochs", "2", NULL };
    train_into(&m, EVIL_DIR, flags, dir, sizeof dir);
    char *page = page_of(dir);
    assert_page(page);
    ck_assert_ptr_nonnull(strstr(page, "<h1>" EVIL_HTML "</h1>"));
    ck_assert_ptr_nonnull(strstr(page, "<title>" EVIL_HTML ": run report</title>"));
    ck_assert_ptr_nonnull(strstr(page, "model <code>tests/" EVIL_HTML ".nn</code>"));
    ck_assert_ptr_nonnull(strstr(page, "/runs/" EVIL_DIR_HTML "</code>"));   /* the folder */
    ck_assert_ptr_nonnull(strstr(page, "<th>0 " EVIL_HTML "</th>"));
    ck_assert_ptr_nonnull(strstr(page, "<th>1 a&amp;b</th>"));
    ck_assert_ptr_nonnull(strstr(page, "<th>2 &amp;amp;</th>"));
    ck_assert_ptr_nonnull(strstr(page, "<td><code>" EVIL_HTML "</code></td>"));   /* the layer */
    ck_assert_ptr_nonnull(strstr(page, ">" EVIL_HTML "</text>"));   /* the SVG's title */
    free(page);
}
END_TEST

START_TEST(names_are_escaped_in_the_comparison)
{
    nnrt_model m = evil_model();
    char evil_dir[1200], plain_dir[1200], out[1300], cmd[4000], *said;
    const char *flags[] = { "--epochs", "2", NULL };
    train_into(&m, EVIL_DIR, flags, evil_dir, sizeof evil_dir);
    nnrt_model plain = image_model();
    train_into(&plain, "plain", flags, plain_dir, sizeof plain_dir);
    snprintf(out, sizeof out, "%s/evil.html", fixture_dir());
    /* the shell's single quotes keep the names as they are */
    snprintf(cmd, sizeof cmd, "%s report '%s' '%s' --title '%s' -o '%s'", nnc_bin(), evil_dir,
             plain_dir, EVIL "&t", out);
    ck_assert_msg(run_cmd(cmd, &said) == 0, "%s", said);
    free(said);
    char *page = slurp(out);
    assert_page(page);
    ck_assert_ptr_nonnull(strstr(page, "<h1>" EVIL_HTML "&amp;t</h1>"));
    ck_assert_ptr_nonnull(strstr(page, ">" EVIL_DIR_HTML "</a>"));   /* the run's name */
    ck_assert_ptr_nonnull(strstr(page, "/%26%3Cscript%3E%22x/report.html\""));
    ck_assert_ptr_nonnull(strstr(page, "<td>" EVIL_HTML "</td>"));   /* its model's name */
    free(page);
}
END_TEST

/* ---- nnc report ------------------------------------------------------------------ */

START_TEST(nnc_report_puts_runs_side_by_side)
{
    nnrt_model m = image_model();
    char a[1200], b[1200], out[1300], cmd[4000], *said;
    const char *fa[] = { "--epochs", "2", "--lr", "0.05", NULL };
    const char *fb[] = { "--epochs", "3", "--lr", "0.01", NULL };
    train_into(&m, "side_a", fa, a, sizeof a);
    train_into(&m, "side_b", fb, b, sizeof b);
    snprintf(out, sizeof out, "%s/side.html", fixture_dir());
    snprintf(cmd, sizeof cmd, "%s report %s %s/ -o %s", nnc_bin(), a, b, out);
    ck_assert_msg(run_cmd(cmd, &said) == 0, "%s", said);
    snprintf(cmd, sizeof cmd, "wrote %s: 2 runs\n", out);
    ck_assert_str_eq(said, cmd);
    free(said);
    char *page = slurp(out);
    assert_page(page);
    ck_assert_ptr_nonnull(strstr(page, "<title>side_a vs side_b</title>"));
    /* the curves: each run in its colour, in both panels */
    const char *s = section(page, "curves");
    ck_assert_int_eq(count(s, "class=\"train\" fill=\"none\" stroke=\"#1f77b4\""), 2);
    ck_assert_int_eq(count(s, "class=\"train\" fill=\"none\" stroke=\"#ff7f0e\""), 2);
    /* the results: a row a run, links to their pages, the best in bold */
    s = section(page, "results");
    ck_assert_int_eq(count(s, "<span class=\"run\">"), 2);
    ck_assert_int_eq(count(s, "/report.html\">side_"), 2);
    ck_assert_int_gt(count(s, "<td class=\"num best\">"), 0);
    ck_assert_ptr_nonnull(strstr(s, "<td class=\"num\">3</td>"));   /* side_b's epochs */
    /* the settings: those that differ marked and first, the rest folded */
    s = section(page, "settings");
    ck_assert_ptr_nonnull(strstr(s, "<tr class=\"differs\"><td><code>lr</code></td>"
                                    "<td>0.05</td><td>0.01</td></tr>"));
    ck_assert_ptr_nonnull(strstr(s, "<tr class=\"differs\"><td><code>epochs</code></td>"
                                    "<td>2</td><td>3</td></tr>"));
    ck_assert_ptr_nonnull(strstr(s, "<p class=\"note\">2 settings differ between the runs"));
    const char *same = strstr(s, "<details><summary>");
    ck_assert_ptr_nonnull(same);
    ck_assert_ptr_nonnull(strstr(same, "<tr><td><code>batch</code></td><td>16</td><td>16</td>"));
    ck_assert_ptr_null(strstr(same, "class=\"differs\""));
    free(page);

    /* to stdout without -o */
    snprintf(cmd, sizeof cmd, "%s report %s %s", nnc_bin(), a, b);
    ck_assert_int_eq(run_cmd(cmd, &said), 0);
    ck_assert_msg(strncmp(said, "<!DOCTYPE html>\n", 16) == 0, "%.100s", said);
    free(said);
}
END_TEST

START_TEST(nnc_report_refuses_what_is_no_run)
{
    char empty[1200], a[1200], cmd[4000], *said, want[3000];
    out_dir(empty, sizeof empty, "empty");
    fresh_dir("%s", empty);
    snprintf(cmd, sizeof cmd, "%s report %s -o /dev/null", nnc_bin(), empty);
    ck_assert_int_eq(run_cmd(cmd, &said), 1);
    snprintf(want, sizeof want, "nnc: error: %s: no curve.csv: not a run folder (train writes "
                                "one)\n", empty);
    ck_assert_str_eq(said, want);
    free(said);

    snprintf(cmd, sizeof cmd, "%s report %s/missing", nnc_bin(), empty);
    ck_assert_int_eq(run_cmd(cmd, &said), 1);
    snprintf(want, sizeof want, "nnc: error: %s/missing: no such folder\n", empty);
    ck_assert_str_eq(said, want);
    free(said);

    /* -o over a run's own page would destroy it */
    nnrt_model m = image_model();
    const char *flags[] = { "--epochs", "1", NULL };
    train_into(&m, "kept", flags, a, sizeof a);
    snprintf(cmd, sizeof cmd, "%s report %s -o %s/report.html", nnc_bin(), a, a);
    ck_assert_int_eq(run_cmd(cmd, &said), 1);
    ck_assert_msg(strstr(said, "is a file of a run being compared; writing there would "
                               "destroy it") != NULL, "%s", said);
    free(said);

    ck_assert_int_eq(run_cmd("build/nnc report", &said), 1);
    ck_assert_msg(strstr(said, "'report' needs one or more run folders") != NULL, "%s", said);
    free(said);
}
END_TEST

/* ---- a regression built by nnc ----------------------------------------------- */

START_TEST(a_regression_page_has_a_scatter)
{
    char exe[1200], dir[1200], cmd[4000], *said;
    path_in(exe, sizeof exe, "houses");
    build_trainer("examples/regression_houses.nn", exe);
    out_dir(dir, sizeof dir, "houses");
    snprintf(cmd, sizeof cmd, "%s train --epochs 3 --out %s --overwrite", exe, dir);
    ck_assert_msg(run_cmd(cmd, &said) == 0, "%s", said);
    free(said);
    char *page = page_of(dir);
    assert_page(page);
    ck_assert_ptr_null(strstr(page, "<section id=\"confusion\">"));
    ck_assert_ptr_null(strstr(page, "<section id=\"mistakes\">"));
    ck_assert_ptr_nonnull(strstr(section(page, "result"), "<span>test mae</span>"));
    const char *s = section(page, "scatter");
    ck_assert_int_eq(count(s, "<line class=\"identity\""), 1);
    ck_assert_ptr_nonnull(strstr(s, ">price</text>"));   /* its target column names it */
    ck_assert_ptr_nonnull(strstr(s, ">true value</text>"));
    ck_assert_int_gt(count(s, "<circle "), 50);
    free(page);
    char path[1300];
    snprintf(path, sizeof path, "%s/test.csv", dir);
    char *csv = slurp(path);
    ck_assert_msg(strncmp(csv, "loss,mae,rmse,samples\n", 22) == 0, "%s", csv);
    free(csv);
}
END_TEST

/* ---- markup.c ------------------------------------------------------------------ */

static char *markup(void (*fn)(FILE *, const char *), const char *text)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    fn(f, text);
    fclose(f);
    return out;
}

static char *data_uri(const char *bytes)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    nnrt_markup_data_uri(f, "t/x", bytes, strlen(bytes));
    fclose(f);
    return out;
}

START_TEST(markup_escapes_encodes_and_quotes)
{
    /* RFC 4648's test vectors */
    static const char *const vectors[][2] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char *uri = data_uri(vectors[i][0]), want[64];
        snprintf(want, sizeof want, "data:t/x;base64,%s", vectors[i][1]);
        ck_assert_str_eq(uri, want);
        free(uri);
    }
    char *s = markup(nnrt_markup_text, "a<b>&\"c'\n\t\xff\xc3\xa9");
    ck_assert_str_eq(s, "a&lt;b&gt;&amp;&quot;c'??\xef\xbf\xbd\xc3\xa9");
    free(s);
    s = markup(nnrt_markup_lines, "a&\nb\tc\r");
    ck_assert_str_eq(s, "a&amp;\nb\tc?");
    free(s);
    s = markup(nnrt_markup_url_path, "runs/a b#c?d%e&f\"g/report.html");
    ck_assert_str_eq(s, "runs/a%20b%23c%3Fd%25e%26f%22g/report.html");
    free(s);
}
END_TEST

int main(void)
{
    keep_blas_core();   /* nnrt_main runs in this process (tiny_model.h) */
    Suite *s = suite_create("report_html");
    TCase *unit = tcase_create("unit");
    tcase_add_test(unit, the_html_reader_catches_mistakes);
    tcase_add_test(unit, markup_escapes_encodes_and_quotes);
    suite_add_tcase(s, unit);
    TCase *pages = tcase_create("pages");
    tcase_set_timeout(pages, 300);
    tcase_add_checked_fixture(pages, setup, NULL);
    tcase_add_test(pages, a_run_page_holds_every_section);
    tcase_add_test(pages, mistakes_are_the_surest_first_as_pictures);
    tcase_add_test(pages, an_augmenting_model_shows_its_preview);
    tcase_add_test(pages, eval_writes_a_page_with_what_the_folder_holds);
    tcase_add_test(pages, names_are_escaped_in_the_run_page);
    tcase_add_test(pages, names_are_escaped_in_the_comparison);
    tcase_add_test(pages, nnc_report_puts_runs_side_by_side);
    tcase_add_test(pages, nnc_report_refuses_what_is_no_run);
    tcase_add_test(pages, a_regression_page_has_a_scatter);
    suite_add_tcase(s, pages);
    return run_suite(s);
}
