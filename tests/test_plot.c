/* test_plot.c: learning curves drawn (plot_svg.c) and read back
 * (curve_read.c), `nnc plot`, and what `train` leaves at its end:
 * DIR/curve.svg and DIR/report.txt.
 *
 * The SVG is checked as a reader would take it: well-formed XML (a small
 * checker below: tags balanced, attributes quoted, text escaped), one path
 * per series and panel, dashed validation paths, the best epoch marked, a
 * legend naming each run.  Every error of the reader is held to the
 * letter.  Files go under $NNC_TMP/plot. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose.h"
#include "plot.h"
#include "trainer_util.h"

/* ---- fixtures ------------------------------------------------------------- */

/* $NNC_TMP/plot/SUB, made if missing; the path in a static slot */
static const char *dir_of(int slot, const char *sub)
{
    static char dirs[4][512];
    snprintf(dirs[slot], sizeof dirs[slot], "%s/plot/%s", tmp_dir(), sub);
    fresh_dir("%s", dirs[slot]);
    return dirs[slot];
}

/* dir/name holding text; the path in a static slot */
static const char *file_of(int slot, const char *dir, const char *name, const char *text)
{
    static char paths[4][700];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
    write_text(paths[slot], text);
    return paths[slot];
}

/* Ten epochs that overfit from epoch 7 (as in test_diagnose.c). */
static const double LOSS[] = { 1.0, 0.8, 0.6, 0.5, 0.42, 0.36, 0.3, 0.25, 0.2, 0.16 };
static const double ACC[] = { .6, .7, .8, .85, .88, .9, .92, .94, .95, .96 };
static const double VAL[] = { 1.0, 0.8, 0.6, 0.5, 0.45, 0.44, 0.47, 0.52, 0.58, 0.65 };
static const double VAL_ACC[] = { .6, .7, .78, .82, .84, .85, .845, .84, .83, .82 };

static nnrt_curve curve(const char *name, int n, int with_val)
{
    return (nnrt_curve){ .name = name, .n = n, .has_val = with_val, .loss = LOSS,
                         .metric = ACC, .val_loss = with_val ? VAL : NULL,
                         .val_metric = with_val ? VAL_ACC : NULL };
}

/* The SVG for runs, as a string (malloc'ed); fails the test on an error. */
static char *render(const char *title, const nnrt_curve *runs, int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nnrt_error err;
    int rc = nnrt_plot_svg(f, title, runs, n, &err);
    fclose(f);
    ck_assert_msg(rc == 0, "%s", err.msg);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Every tag of s starting with `start`, up to its '>', in turn: whether
 * each contains `part` (want 1) or none does (want 0). */
static void each_tag(const char *s, const char *start, const char *part, int want)
{
    int seen = 0;
    for (const char *p = s; (p = strstr(p, start)); p++) {
        const char *end = strchr(p, '>');
        ck_assert_ptr_nonnull(end);
        char tag[4096];
        snprintf(tag, sizeof tag, "%.*s", (int)(end - p), p);
        ck_assert_msg((strstr(tag, part) != NULL) == want, "%s %s '%s':\n%s",
                      want ? "missing" : "unexpected", start, part, tag);
        seen++;
    }
    ck_assert_int_gt(seen, 0);
}

/* ---- a small XML checker ---------------------------------------------------- */

/* An entity reference at p ("&amp;" and the like): its length, or 0. */
static int entity(const char *p)
{
    static const char *const names[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(p, names[i], strlen(names[i])) == 0)
            return (int)strlen(names[i]);
    return 0;
}

/* NULL if s is one well-formed element (and whitespace), else what is wrong
 * and where (a static string). */
static const char *xml_problem(const char *s)
{
    static char why[256];
    char stack[64][32];
    int depth = 0, closed_root = 0;
    const char *p = s;
#define BAD(...) (snprintf(why, sizeof why, __VA_ARGS__), why)
    while (*p) {
        if (*p != '<') {
            if (depth == 0 && !isspace((unsigned char)*p))
                return BAD("byte %td: text outside the root", p - s);
            if (*p == '&' && !entity(p))
                return BAD("byte %td: a bare '&'", p - s);
            if (*p == '>')
                return BAD("byte %td: a bare '>'", p - s);
            p++;
            continue;
        }
        if (closed_root)
            return BAD("byte %td: a second root", p - s);
        if (p[1] == '/') {
            const char *end = strchr(p, '>');
            if (!end || depth == 0)
                return BAD("byte %td: a stray end tag", p - s);
            if ((size_t)(end - p - 2) != strlen(stack[depth - 1]) ||
                strncmp(p + 2, stack[depth - 1], (size_t)(end - p - 2)) != 0)
                return BAD("byte %td: </%.*s> closes <%.31s>", p - s, (int)(end - p - 2), p + 2,
                           stack[depth - 1]);
            closed_root = --depth == 0;
            p = end + 1;
            continue;
        }
        const char *name = ++p;
        while (isalnum((unsigned char)*p))
            p++;
        if (p == name || p - name >= 32 || depth == 64)
            return BAD("byte %td: a bad tag name", name - s);
        char tag[32];
        snprintf(tag, sizeof tag, "%.*s", (int)(p - name), name);
        for (;;) {
            while (isspace((unsigned char)*p))
                p++;
            if (p[0] == '/' && p[1] == '>') {
                p += 2;
                closed_root = depth == 0;
                break;
            }
            if (*p == '>') {
                snprintf(stack[depth++], sizeof stack[0], "%s", tag);
                p++;
                break;
            }
            const char *attr = p;
            while (isalnum((unsigned char)*p) || *p == '-' || *p == ':')
                p++;
            if (p == attr || p[0] != '=' || p[1] != '"')
                return BAD("byte %td: in <%s>: an attribute not name=\"value\"", attr - s, tag);
            for (p += 2; *p != '"'; p++) {
                if (*p == '\0' || *p == '<')
                    return BAD("byte %td: in <%s>: an unclosed value", attr - s, tag);
                if (*p == '&' && !entity(p))
                    return BAD("byte %td: in <%s>: a bare '&'", p - s, tag);
            }
            p++;
        }
    }
    if (depth != 0 || !closed_root)
        return BAD("the root is not closed");
    return NULL;
#undef BAD
}

START_TEST(the_xml_checker_catches_mistakes)
{
    ck_assert_ptr_null(xml_problem("<svg a=\"1\"><g><text>a &amp; b</text></g><x/></svg>\n"));
    ck_assert_ptr_nonnull(xml_problem("<svg><g></svg>"));
    ck_assert_ptr_nonnull(xml_problem("<svg><text>a & b</text></svg>"));
    ck_assert_ptr_nonnull(xml_problem("<svg a=1></svg>"));
    ck_assert_ptr_nonnull(xml_problem("<svg></svg><svg></svg>"));
    ck_assert_ptr_nonnull(xml_problem("<svg>"));
}
END_TEST

/* ---- the picture ------------------------------------------------------------ */

START_TEST(one_run_two_panels_train_solid_validation_dashed)
{
    nnrt_curve c = curve("fashion_mlp", 10, 1);
    char *svg = render("fashion_mlp", &c, 1);
    const char head[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" ";
    ck_assert_msg(strncmp(svg, head, sizeof head - 1) == 0, "%.200s", svg);
    const char *why = xml_problem(svg);
    ck_assert_msg(why == NULL, "%s", why);
    /* a path per series and panel: training loss and accuracy, validation's */
    ck_assert_int_eq(count(svg, "<path "), 4);
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(svg, "<path class=\"val\""), 2);
    each_tag(svg, "<path class=\"val\"", "stroke-dasharray=", 1);
    each_tag(svg, "<path class=\"train\"", "stroke-dasharray=", 0);
    /* ten points a path, no gap */
    each_tag(svg, "<path ", " L", 1);
    ck_assert_int_eq(count(svg, " M"), 0);
    /* a title, both panels' headings and axis labels, epoch ticks */
    ck_assert_int_eq(count(svg, ">fashion_mlp</text>"), 1);
    ck_assert_int_eq(count(svg, ">Loss</text>"), 1);
    ck_assert_int_eq(count(svg, ">Accuracy</text>"), 1);
    ck_assert_int_eq(count(svg, ">epoch</text>"), 2);
    ck_assert_int_eq(count(svg, ">loss</text>"), 1);
    ck_assert_int_eq(count(svg, ">accuracy</text>"), 1);
    ck_assert_int_eq(count(svg, "text-anchor=\"middle\">10</text>"), 2);
    ck_assert_int_gt(count(svg, "text-anchor=\"end\">0."), 6);
    /* the best epoch (val_loss 0.44 at epoch 6) marked in both panels */
    ck_assert_int_eq(count(svg, "<g class=\"best\">"), 2);
    ck_assert_int_eq(count(svg, ">best epoch 6</text>"), 2);
    /* the legend */
    ck_assert_ptr_nonnull(strstr(svg, "<g class=\"legend\">"));
    ck_assert_ptr_nonnull(strstr(svg, ">train</text>"));
    ck_assert_ptr_nonnull(strstr(svg, ">validation</text>"));
    ck_assert_ptr_nonnull(strstr(svg, ">best epoch 6 (val_loss 0.4400)</text>"));
    ck_assert_str_eq(svg + strlen(svg) - 7, "</svg>\n");
    free(svg);
}
END_TEST

/* The x of a point of epoch e (1-based) in the first <path class="val">. */
static double val_point_x(const char *svg, int e)
{
    const char *d = strstr(strstr(svg, "<path class=\"val\""), " d=\"M");
    ck_assert_ptr_nonnull(d);
    d += 5;
    double x = 0, y;
    for (int i = 1; i <= e; i++) {
        ck_assert_int_eq(sscanf(d, "%lf %lf", &x, &y), 2);
        d = strstr(d, " L");
        if (d)
            d += 2;
    }
    return x;
}

/* Run names are folder names, any bytes: invalid UTF-8 (a stray byte, a
 * cut character, a surrogate, an overlong '/', U+FFFE) would make the SVG
 * no XML at all; each bad byte becomes U+FFFD, good characters stay. */
START_TEST(names_of_any_bytes_give_well_formed_xml)
{
    nnrt_curve runs[2] = { curve("bad\xff\xfe utf8 \xc3", 10, 1),
                           curve("\xed\xa0\x80 \xc0\xaf \xef\xbf\xbe", 8, 1) };
    char *svg = render("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 <&>", runs, 2);
    const char *why = xml_problem(svg);
    ck_assert_msg(why == NULL, "%s", why);
#define FFFD "\xef\xbf\xbd"
    ck_assert_ptr_nonnull(strstr(svg, ">bad" FFFD FFFD " utf8 " FFFD ": best epoch"));
    ck_assert_ptr_nonnull(strstr(svg, ">" FFFD FFFD FFFD " " FFFD FFFD " " FFFD FFFD FFFD
                                      ": best epoch"));
#undef FFFD
    ck_assert_ptr_nonnull(strstr(svg, ">caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 &lt;&amp;&gt;</text>"));
    ck_assert_ptr_null(strpbrk(svg, "\xff\xfe\xc0"));
    free(svg);
}
END_TEST

START_TEST(the_best_epoch_mark_sits_on_its_epoch)
{
    nnrt_curve c = curve("m", 10, 1);
    char *svg = render("m", &c, 1);
    /* the vertical line and the ring of the loss panel's best group */
    const char *best = strstr(svg, "<g class=\"best\">");
    double x1, cx;
    ck_assert_int_eq(sscanf(strstr(best, "<line x1=\""), "<line x1=\"%lf\"", &x1), 1);
    ck_assert_int_eq(sscanf(strstr(best, "<circle cx=\""), "<circle cx=\"%lf\"", &cx), 1);
    ck_assert_double_eq_tol(x1, val_point_x(svg, 6), 0.051);
    ck_assert_double_eq_tol(cx, val_point_x(svg, 6), 0.051);
    ck_assert(val_point_x(svg, 5) < x1 && x1 < val_point_x(svg, 7));
    free(svg);
}
END_TEST

START_TEST(without_validation_only_training_lines)
{
    nnrt_curve c = curve("m", 10, 0);
    char *svg = render("m", &c, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(svg, "<path class=\"val\""), 0);
    ck_assert_int_eq(count(svg, "stroke-dasharray=\"7 4\""), 0);
    ck_assert_ptr_null(strstr(svg, ">validation</text>"));
    /* best by the training loss: the last epoch */
    ck_assert_ptr_nonnull(strstr(svg, ">best epoch 10 (loss 0.1600)</text>"));
    free(svg);
}
END_TEST

START_TEST(regression_plots_mae)
{
    nnrt_curve c = curve("houses", 5, 1);
    c.regress = 1;
    char *svg = render("houses", &c, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_int_eq(count(svg, ">Mean absolute error</text>"), 1);
    ck_assert_int_eq(count(svg, ">mae</text>"), 1);
    ck_assert_ptr_null(strstr(svg, ">accuracy</text>"));
    free(svg);
}
END_TEST

START_TEST(several_runs_one_colour_each_and_a_legend)
{
    nnrt_curve runs[3] = { curve("tiny", 10, 1), curve("large", 8, 1), curve("a<b&c", 6, 0) };
    char *svg = render("tiny vs large & \"more\"", runs, 3);
    const char *why = xml_problem(svg);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 6);
    ck_assert_int_eq(count(svg, "<path class=\"val\""), 4);
    /* each run's colour on its paths */
    ck_assert_int_eq(count(svg, "class=\"train\" fill=\"none\" stroke=\"#1f77b4\""), 2);
    ck_assert_int_eq(count(svg, "class=\"val\" fill=\"none\" stroke=\"#1f77b4\""), 2);
    ck_assert_int_eq(count(svg, "class=\"train\" fill=\"none\" stroke=\"#ff7f0e\""), 2);
    ck_assert_int_eq(count(svg, "class=\"train\" fill=\"none\" stroke=\"#2ca02c\""), 2);
    /* a legend entry per run, names escaped; the best epochs ringed */
    const char *legend = strstr(svg, "<g class=\"legend\">");
    ck_assert_ptr_nonnull(legend);
    ck_assert_ptr_nonnull(strstr(legend, ">tiny: best epoch 6 (val_loss 0.4400)</text>"));
    ck_assert_ptr_nonnull(strstr(legend, ">large: best epoch 6 (val_loss 0.4400)</text>"));
    ck_assert_ptr_nonnull(strstr(legend, ">a&lt;b&amp;c: best epoch 6 (loss 0.3600)</text>"));
    ck_assert_ptr_nonnull(strstr(legend, ">train</text>"));
    ck_assert_ptr_nonnull(strstr(legend, ">validation</text>"));
    ck_assert_int_eq(count(svg, "<g class=\"best\">"), 6);
    ck_assert_ptr_nonnull(strstr(svg, ">tiny vs large &amp; &quot;more&quot;</text>"));
    /* no vertical best line with several runs: it would be whose? */
    ck_assert_ptr_null(strstr(svg, ">best epoch 6</text>"));
    free(svg);
}
END_TEST

START_TEST(a_nan_leaves_a_gap_and_one_epoch_shows_a_dot)
{
    double loss[] = { 1.0, 0.8, NAN, 0.5, 0.4 };
    nnrt_curve c = { .name = "gap", .n = 5, .loss = loss, .metric = ACC };
    char *svg = render("gap", &c, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(svg, " M"), 1);   /* the loss path starts again after the NaN */
    ck_assert_ptr_null(strstr(svg, "nan"));
    free(svg);

    nnrt_curve one = curve("one", 1, 1);
    svg = render("one", &one, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(svg, "r=\"2.5\""), 4);   /* a dot per series */
    ck_assert_int_eq(count(svg, ">best epoch 1</text>"), 2);
    ck_assert_ptr_null(strstr(svg, "nan"));
    ck_assert_ptr_null(strstr(svg, "inf"));
    free(svg);
}
END_TEST

START_TEST(flat_and_huge_values_stay_in_the_picture)
{
    double flat[] = { 0.5, 0.5, 0.5 }, huge[] = { 1e30, 1, 1 };
    nnrt_curve c = { .name = "flat", .n = 3, .loss = flat, .metric = flat };
    char *svg = render("flat", &c, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_ptr_null(strstr(svg, "nan"));
    free(svg);
    c.loss = huge;
    svg = render("huge", &c, 1);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_ptr_null(strstr(svg, "nan"));
    ck_assert_ptr_null(strstr(svg, "inf"));
    free(svg);
}
END_TEST

START_TEST(runs_of_two_tasks_do_not_mix)
{
    nnrt_curve runs[2] = { curve("tiny", 3, 1), curve("houses", 3, 1) };
    runs[1].regress = 1;
    nnrt_error err;
    FILE *f = fopen("/dev/null", "w");
    ck_assert_int_eq(nnrt_plot_svg(f, "t", runs, 2, &err), -1);
    ck_assert_str_eq(err.msg, "tiny has accuracy but houses has mae: one plot shows one task");
    runs[1] = curve("empty", 0, 1);
    ck_assert_int_eq(nnrt_plot_svg(f, "t", runs, 2, &err), -1);
    ck_assert_str_eq(err.msg, "empty: no epochs to plot");
    ck_assert_int_eq(nnrt_plot_svg(f, "t", runs, 0, &err), -1);
    ck_assert_str_eq(err.msg, "no runs to plot");
    fclose(f);
}
END_TEST

START_TEST(plot_write_replaces_the_file_whole)
{
    const char *dir = dir_of(0, "write");
    char path[700];
    snprintf(path, sizeof path, "%s/c.svg", dir);
    nnrt_curve c = curve("m", 10, 1);
    nnrt_error err;
    write_text(path, "old");
    ck_assert_int_eq(nnrt_plot_write(path, "m", &c, 1, &err), 0);
    char *written = slurp(path), *expected = render("m", &c, 1);
    ck_assert_str_eq(written, expected);
    ck_assert_int_eq(temporaries_left(path), 0);
    free(written);
    free(expected);

    snprintf(path, sizeof path, "%s/no/c.svg", dir);
    ck_assert_int_eq(nnrt_plot_write(path, "m", &c, 1, &err), -1);
    char want[800];
    snprintf(want, sizeof want, "%s/no/c.svg: cannot create: No such file or directory", dir);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

/* ---- reading curve.csv ------------------------------------------------------------ */

START_TEST(curve_csv_is_read_by_its_header_names)
{
    const char *dir = dir_of(0, "read");
    /* columns in another order, a column we do not know, \r\n, a blank line,
     * no newline at the end */
    const char *path = file_of(0, dir, "moved.csv",
                               "seconds , epoch,val_accuracy,loss,accuracy,val_loss,extra\r\n"
                               "0.5,1,0.8,0.9,0.7,0.85,x\r\n"
                               "\r\n"
                               "0.4, 2 ,0.82,0.6,0.75,0.7,y");
    nnrt_curve c;
    nnrt_error err;
    ck_assert_msg(nnrt_curve_read(path, &c, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(c.n, 2);
    ck_assert_int_eq(c.regress, 0);
    ck_assert_int_eq(c.has_val, 1);
    ck_assert_ptr_null(c.name);
    ck_assert_int_eq(nnrt_curve_epoch(&c, 1), 2);
    ck_assert_double_eq(c.loss[0], 0.9);
    ck_assert_double_eq(c.loss[1], 0.6);
    ck_assert_double_eq(c.metric[1], 0.75);
    ck_assert_double_eq(c.val_loss[0], 0.85);
    ck_assert_double_eq(c.val_metric[1], 0.82);
    nnrt_curve_free(&c);
    ck_assert_ptr_null(c.block);

    /* as curve.c writes it today, and without the seconds column */
    path = file_of(1, dir, "today.csv", "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
                                        "1,0.507115,0.823407,0.399018,0.855333,0.541\n");
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert_double_eq(c.val_loss[0], 0.399018);
    nnrt_curve_free(&c);
    path = file_of(1, dir, "later.csv", "epoch,loss,accuracy,val_loss,val_accuracy\n"
                                        "1,0.507115,0.823407,0.399018,0.855333\n");
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert_double_eq(c.metric[0], 0.823407);
    nnrt_curve_free(&c);
}
END_TEST

START_TEST(regression_and_no_validation_curves)
{
    const char *dir = dir_of(0, "kinds");
    const char *path = file_of(0, dir, "reg.csv",
                               "epoch,loss,mae,rmse,val_loss,val_mae,val_rmse,seconds\n"
                               "1,0.123400,0.234500,0.345600,0.130000,0.240000,0.350000,0.104\n");
    nnrt_curve c;
    nnrt_error err;
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert_int_eq(c.regress, 1);
    ck_assert_double_eq(c.metric[0], 0.2345);
    ck_assert_double_eq(c.val_metric[0], 0.24);
    nnrt_curve_free(&c);

    path = file_of(0, dir, "noval.csv", "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
                                        "1,0.507115,0.823407,,,0.541\n"
                                        "2,0.4,0.85,,,0.5\n");
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert_int_eq(c.n, 2);
    ck_assert_int_eq(c.has_val, 0);
    ck_assert_ptr_null(c.val_loss);
    ck_assert_ptr_null(c.val_metric);
    nnrt_curve_free(&c);

    path = file_of(0, dir, "nocols.csv", "epoch,loss,mae\n1,2,3\n");
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert_int_eq(c.has_val, 0);
    ck_assert_int_eq(c.regress, 1);
    nnrt_curve_free(&c);

    /* a diverged run's "nan" and "-nan" are NaN; inf is inf */
    path = file_of(0, dir, "nan.csv", "epoch,loss,accuracy,val_loss,val_accuracy\n"
                                      "1,0.5,0.8,0.6,0.7\n"
                                      "2,nan,0.1,-nan,0.1\n"
                                      "3,inf,0.1,inf,0.1\n");
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), 0);
    ck_assert(isnan(c.loss[1]) && isnan(c.val_loss[1]));
    ck_assert(isinf(c.loss[2]));
    ck_assert_int_eq(c.has_val, 1);
    nnrt_diagnosis d;
    nnrt_diagnose(&c, &d);
    ck_assert_int_eq(d.fit, NNRT_FIT_DIVERGED);
    ck_assert_int_eq(d.bad_epoch, 2);
    nnrt_curve_free(&c);
}
END_TEST

/* The error reading a file holding text. */
static const char *read_error(const char *dir, const char *text, const char **path)
{
    static nnrt_error err;
    *path = file_of(2, dir, "curve.csv", text);
    nnrt_curve c;
    ck_assert_int_eq(nnrt_curve_read(*path, &c, &err), -1);
    ck_assert_ptr_null(c.block);
    return err.msg;
}

#define ASSERT_READ_ERROR(text, want)                                                   \
    do {                                                                                \
        const char *path_, *got_ = read_error(dir, text, &path_);                       \
        char want_[1024];                                                               \
        snprintf(want_, sizeof want_, "%s: %s", path_, want);                           \
        ck_assert_str_eq(got_, want_);                                                  \
    } while (0)

START_TEST(bad_curve_csv_names_the_file_and_line)
{
    const char *dir = dir_of(0, "bad");
    const char *head = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
    char text[1024];
    ASSERT_READ_ERROR("", "empty: expected a header line "
                          "(epoch,loss,accuracy,val_loss,val_accuracy)");
    ASSERT_READ_ERROR("\n \n", "empty: expected a header line "
                               "(epoch,loss,accuracy,val_loss,val_accuracy)");
    ASSERT_READ_ERROR(head, "no epochs: only the header");
    ASSERT_READ_ERROR("epoch,accuracy\n1,2\n",
                      "line 1: no 'loss' column (columns: epoch, accuracy)");
    ASSERT_READ_ERROR("loss,accuracy\n1,2\n",
                      "line 1: no 'epoch' column (columns: loss, accuracy)");
    ASSERT_READ_ERROR("epoch,loss,rmse\n1,2,3\n",
                      "line 1: no 'accuracy' or 'mae' column (columns: epoch, loss, rmse)");
    snprintf(text, sizeof text, "%s1,0.5,0.8,0.6,0.7,0.1\n2,abc,0.8,0.6,0.7,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 3: column 'loss': expected a number, got 'abc'");
    snprintf(text, sizeof text, "%s1,0.5,0.8,0.6,0.7x,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 2: column 'val_accuracy': expected a number, got '0.7x'");
    snprintf(text, sizeof text, "%s1,0.5,,0.6,0.7,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 2: column 'accuracy': missing");
    snprintf(text, sizeof text, "%s1,0.5,0.8,0.6,0.7\n", head);
    ASSERT_READ_ERROR(text, "line 2: 5 fields; the header has 6");
    snprintf(text, sizeof text, "%s1,0.5,0.8,0.6,0.7,0.1,9\n", head);
    ASSERT_READ_ERROR(text, "line 2: 7 fields; the header has 6");
    snprintf(text, sizeof text, "%s1.5,0.5,0.8,0.6,0.7,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 2: column 'epoch': expected a whole number from 1, got '1.5'");
    snprintf(text, sizeof text, "%s0,0.5,0.8,0.6,0.7,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 2: column 'epoch': expected a whole number from 1, got '0'");
    snprintf(text, sizeof text, "%s2,0.5,0.8,0.6,0.7,0.1\n\n2,0.5,0.8,0.6,0.7,0.1\n", head);
    ASSERT_READ_ERROR(text, "line 4: epoch 2 after epoch 2: epochs must increase");
    snprintf(text, sizeof text, "epoch,loss,mae\n1,2,\n");
    ASSERT_READ_ERROR(text, "line 2: column 'mae': missing");

    nnrt_curve c;
    nnrt_error err;
    char path[700], want[800];
    snprintf(path, sizeof path, "%s/none.csv", dir);
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    ck_assert_str_eq(err.msg, want);
    /* a binary file is not taken for one */
    FILE *f = fopen(path, "wb");
    fwrite("epoch\0loss", 1, 10, f);
    fclose(f);
    ck_assert_int_eq(nnrt_curve_read(path, &c, &err), -1);
    snprintf(want, sizeof want, "%s: byte 5: a NUL byte: not a curve.csv", path);
    ck_assert_str_eq(err.msg, want);
    /* read with nnrt_read_text, as every runtime file is: a folder is no file */
    ck_assert_int_eq(nnrt_curve_read(dir, &c, &err), -1);
    snprintf(want, sizeof want, "%s: not a regular file", dir);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

/* ---- nnc plot -------------------------------------------------------------------- */

static const char TINY_CSV[] = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
                               "1,0.9,0.7,0.7,0.76,0.1\n"
                               "2,0.6,0.8,0.58,0.78,0.1\n"
                               "3,0.5,0.82,0.5,0.82,0.1\n";
static const char LARGE_CSV[] = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
                                "1,0.7,0.75,0.6,0.8,0.1\n"
                                "2,0.5,0.82,0.54,0.8,0.1\n"
                                "3,0.4,0.86,0.6,0.79,0.1\n";

/* runs/NAME/curve.csv under dir holding text */
static void make_run(const char *dir, const char *name, const char *text)
{
    char run[700], path[720];
    snprintf(run, sizeof run, "%s/%s", dir, name);
    mkdir(run, 0777);
    snprintf(path, sizeof path, "%s/curve.csv", run);
    write_text(path, text);
}

START_TEST(nnc_plot_overlays_runs_with_a_legend)
{
    const char *dir = dir_of(0, "runs");
    make_run(dir, "overfit_tiny", TINY_CSV);
    make_run(dir, "overfit_large", LARGE_CSV);
    char cmd[2048], out_svg[700], *out;
    snprintf(out_svg, sizeof out_svg, "%s/compare.svg", dir);
    snprintf(cmd, sizeof cmd, "%s plot %s/overfit_tiny %s/overfit_large/ -o %s", nnc_bin(), dir,
             dir, out_svg);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s", out);
    char want[800];
    snprintf(want, sizeof want, "wrote %s: 2 runs\n", out_svg);
    ck_assert_str_eq(out, want);
    free(out);
    char *svg = slurp(out_svg);
    const char *why = xml_problem(svg);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 4);
    ck_assert_int_eq(count(svg, "<path class=\"val\""), 4);
    ck_assert_ptr_nonnull(strstr(svg, ">overfit_tiny vs overfit_large</text>"));
    ck_assert_ptr_nonnull(strstr(svg, ">overfit_tiny: best epoch 3 (val_loss 0.5000)</text>"));
    ck_assert_ptr_nonnull(strstr(svg, ">overfit_large: best epoch 2 (val_loss 0.5400)</text>"));
    free(svg);

    /* to stdout without -o, a title of one's own, curve.csv named directly */
    snprintf(cmd, sizeof cmd, "%s plot %s/overfit_tiny/curve.csv --title 'Tiny, alone'",
             nnc_bin(), dir);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_msg(strncmp(out, "<svg ", 5) == 0, "%.300s", out);
    ck_assert_ptr_null(xml_problem(out));
    ck_assert_ptr_nonnull(strstr(out, ">Tiny, alone</text>"));
    ck_assert_ptr_nonnull(strstr(out, ">best epoch 3 (val_loss 0.5000)</text>"));
    free(out);
}
END_TEST

START_TEST(nnc_plot_tells_runs_of_one_name_apart)
{
    const char *a = dir_of(0, "same/a"), *b = dir_of(1, "same/b");
    make_run(a, "run", TINY_CSV);
    make_run(b, "run", LARGE_CSV);
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s plot %s/run %s/run", nnc_bin(), a, b);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    char want[800];
    snprintf(want, sizeof want, ">%s/run: best epoch 3", a);
    ck_assert_msg(strstr(out, want) != NULL, "no '%s' in the legend", want);
    free(out);
}
END_TEST

START_TEST(nnc_plot_errors_name_the_file)
{
    const char *dir = dir_of(0, "errors");
    make_run(dir, "good", TINY_CSV);
    make_run(dir, "bad", "epoch,loss,accuracy\n1,0.5,0.8\n2,0.4\n");
    char empty[800];
    snprintf(empty, sizeof empty, "%s/empty", dir);
    mkdir(empty, 0777);
    struct {
        const char *args, *want;
    } cases[] = {
        { "%s/good %s/missing", "nnc: error: %s/missing: no such folder\n" },
        { "%s/good %s/bad", "nnc: error: %s/bad/curve.csv: line 3: 2 fields; the header has 3\n" },
        { "%s/good %s/empty",
          "nnc: error: %s/empty/curve.csv: cannot open: No such file or directory\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1600], cmd[2200], want[1024], *out;
        snprintf(args, sizeof args, cases[i].args, dir, dir);
        snprintf(cmd, sizeof cmd, "%s plot %s -o %s/x.svg", nnc_bin(), args, dir);
        snprintf(want, sizeof want, cases[i].want, dir);
        ck_assert_int_eq(run_cmd(cmd, &out), 1);
        ck_assert_str_eq(out, want);
        free(out);
    }
    char x[800];
    snprintf(x, sizeof x, "%s/x.svg", dir);
    ck_assert_int_ne(access(x, F_OK), 0);   /* nothing written */

    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s plot -o %s/x.svg", nnc_bin(), dir);
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_str_eq(out, "nnc: error: 'plot' needs one or more run folders (each with a "
                          "curve.csv), e.g. nnc plot runs/a runs/b -o compare.svg\n");
    free(out);
    snprintf(cmd, sizeof cmd, "%s plot %s/good --colour red", nnc_bin(), dir);
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_str_eq(out, "nnc: error: plot: unknown option '--colour'\n");
    free(out);
    snprintf(cmd, sizeof cmd, "%s plot %s/good -o", nnc_bin(), dir);
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_str_eq(out, "nnc: error: -o needs a value\n");
    free(out);
    /* and the help names the command */
    snprintf(cmd, sizeof cmd, "%s --help", nnc_bin());
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "  plot RUN_DIR... [-o OUT.svg]\n"));
    free(out);
}
END_TEST

/* ---- the end of train ------------------------------------------------------------- */

/* Whether out holds the lines of text right before its test line.  Not
 * inlined: gcc 12 then mistakes out for a dangling stack pointer. */
__attribute__((noinline)) static int just_before_the_test_line(const char *out, const char *text)
{
    const char *at = strstr(out, text);
    return at && at > out && at[-1] == '\n' && strncmp(at + strlen(text), "test: loss ", 11) == 0;
}

START_TEST(train_writes_curve_svg_and_report)
{
    if (!have_fashion())
        ck_abort_msg("Fashion-MNIST is missing: install dataset-fashion-mnist (make deps)");
    const char *dir = dir_of(0, "train");
    char exe[700], run[700], cmd[2048], path[800], *out;
    snprintf(exe, sizeof exe, "%s/fashion_mlp", dir);
    snprintf(run, sizeof run, "%s/run", dir);
    build_trainer("examples/fashion_mlp.nn", exe);
    snprintf(cmd, sizeof cmd, "%s train --limit 1000 --epochs 2 --overwrite --out %s", exe, run);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s", out);

    /* the verdict comes right before the test line, and is report.txt to the byte */
    snprintf(path, sizeof path, "%s/report.txt", run);
    char *report = slurp(path);
    ck_assert_msg(strncmp(report, "best epoch: ", 12) == 0, "%s", report);
    ck_assert_ptr_nonnull(strstr(report, " of 2 by val_loss ("));
    ck_assert_ptr_nonnull(strstr(report, "\nverdict: "));
    ck_assert_ptr_nonnull(strstr(report, "\ntry: "));
    ck_assert_int_eq(count(report, "\n"), 3);
    ck_assert_msg(just_before_the_test_line(out, report),
                  "report.txt:\n%s\nis not what train printed before its test line:\n%s", report,
                  out);
    free(report);
    free(out);

    /* curve.svg: the model's name, both panels, two epochs a path */
    snprintf(path, sizeof path, "%s/curve.svg", run);
    char *svg = slurp(path);
    const char *why = xml_problem(svg);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_ptr_nonnull(strstr(svg, ">fashion_mlp</text>"));
    ck_assert_int_eq(count(svg, "<path class=\"train\""), 2);
    ck_assert_int_eq(count(svg, "<path class=\"val\""), 2);
    ck_assert_int_eq(count(svg, "<g class=\"best\">"), 2);
    free(svg);
    snprintf(path, sizeof path, "%s/curve.svg", run);
    ck_assert_int_eq(temporaries_left(path), 0);

    /* and nnc plot reads the run back */
    snprintf(cmd, sizeof cmd, "%s plot %s -o %s/again.svg", nnc_bin(), run, dir);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("plot");
    tcase_add_test(tc, the_xml_checker_catches_mistakes);
    tcase_add_test(tc, one_run_two_panels_train_solid_validation_dashed);
    tcase_add_test(tc, names_of_any_bytes_give_well_formed_xml);
    tcase_add_test(tc, the_best_epoch_mark_sits_on_its_epoch);
    tcase_add_test(tc, without_validation_only_training_lines);
    tcase_add_test(tc, regression_plots_mae);
    tcase_add_test(tc, several_runs_one_colour_each_and_a_legend);
    tcase_add_test(tc, a_nan_leaves_a_gap_and_one_epoch_shows_a_dot);
    tcase_add_test(tc, flat_and_huge_values_stay_in_the_picture);
    tcase_add_test(tc, runs_of_two_tasks_do_not_mix);
    tcase_add_test(tc, plot_write_replaces_the_file_whole);
    tcase_add_test(tc, curve_csv_is_read_by_its_header_names);
    tcase_add_test(tc, regression_and_no_validation_curves);
    tcase_add_test(tc, bad_curve_csv_names_the_file_and_line);
    tcase_add_test(tc, nnc_plot_overlays_runs_with_a_legend);
    tcase_add_test(tc, nnc_plot_tells_runs_of_one_name_apart);
    tcase_add_test(tc, nnc_plot_errors_name_the_file);
    tcase_add_test(tc, train_writes_curve_svg_and_report);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
