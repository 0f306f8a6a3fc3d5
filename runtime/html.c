/* html.c: what a run's page and the comparison page share: the page's
 * head and style sheet, its end, numbers in cells, saving it, PNGs as
 * data: URIs.  The pages open from disk in any browser: the styles are
 * inline, nothing is fetched, no script runs (none is needed to read). */
#include <math.h>
#include <stdlib.h>

#include "page.h"

/* Plain and printable: system fonts, tables that scroll sideways on a
 * narrow screen rather than overflow, SVG pictures scaled to the column */
static const char STYLE[] =
    "body{margin:0;background:#f6f7f9;color:#222;"
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\n"
    "main{max-width:1100px;margin:0 auto;padding:12px 24px 32px}\n"
    "h1{font-size:26px;margin:12px 0 2px}\n"
    "h2{font-size:19px;margin:0 0 10px;border-bottom:1px solid #e2e4e8;padding-bottom:4px}\n"
    "section{background:#fff;border:1px solid #e2e4e8;border-radius:6px;padding:14px 18px;"
    "margin:14px 0}\n"
    "nav{font-size:13px;margin:4px 0 0}nav a{margin-right:12px}\n"
    "a{color:#1f5fa8}\n"
    ".sub{color:#555;font-size:13px;margin:0}\n"
    ".note{color:#555;font-size:13px}\n"
    "code,pre,.num{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
    "pre{background:#f4f5f7;padding:10px 12px;border-radius:4px;white-space:pre-wrap;"
    "font-size:13px;margin:8px 0}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;font-size:13px;margin:4px 0}\n"
    "th,td{padding:3px 9px;border-bottom:1px solid #eceef1;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#f4f5f7;font-weight:600}\n"
    "td.num,th.num{text-align:right}\n"
    "tr.total td{font-weight:600;border-top:2px solid #ccc}\n"
    "tr.differs td{background:#fff6d6}\n"
    "table.settings td{overflow-wrap:anywhere}\n"
    "table.settings td:first-child{overflow-wrap:normal;white-space:nowrap}\n"
    "td.best{font-weight:700}\n"
    ".tiles{display:flex;flex-wrap:wrap;gap:10px;margin:4px 0 8px}\n"
    ".tile{border:1px solid #e2e4e8;border-radius:6px;padding:6px 12px;min-width:120px}\n"
    ".tile b{display:block;font-size:22px}\n"
    ".tile span{color:#555;font-size:12px}\n"
    "svg{max-width:100%;height:auto}\n"
    "table.heat td{text-align:right;min-width:34px;border:1px solid #fff}\n"
    "table.heat th.pred{writing-mode:vertical-rl;transform:rotate(180deg);"
    "text-align:left;max-height:140px}\n"
    ".grid{display:flex;flex-wrap:wrap;gap:12px}\n"
    "figure{margin:0;width:150px;font-size:12px}\n"
    "figure img{image-rendering:pixelated;border:1px solid #ccc;display:block}\n"
    "img.preview{image-rendering:pixelated;max-width:100%}\n"
    ".run{white-space:nowrap}\n"
    ".swatch{display:inline-block;width:12px;height:12px;border-radius:2px;"
    "margin-right:6px;vertical-align:-1px}\n"
    "footer{color:#777;font-size:12px;text-align:center;margin:10px 0 24px}\n";

void nnrt_html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    nnrt_markup_text(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", STYLE);
}

void nnrt_html_end(FILE *f, const char *writer)
{
    fputs("</main>\n<footer>", f);
    nnrt_markup_text(f, writer);
    fputs("</footer>\n</body>\n</html>\n", f);
}

void nnrt_html_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("-", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.4f", v);
}

int nnrt_html_save(const char *path, FILE *mem, char **text, size_t *len, int rc,
                   nnrt_error *err)
{
    if (fclose(mem) != 0 && rc == 0)
        rc = nnrt_fail(err, "%s: out of memory", path);
    if (rc == 0)
        rc = nnrt_afile_save(path, *text, *len, err);
    free(*text);
    *text = NULL;
    return rc;
}

static void to_stream(void *f, const void *bytes, size_t n)
{
    fwrite(bytes, 1, n, f);
}

int nnrt_html_png(FILE *f, const char *cls, const char *alt,
                  int (*encode)(const void *arg, nnrt_png_sink sink, void *ctx, nnrt_error *err),
                  const void *arg, nnrt_error *err)
{
    char *png = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&png, &len);
    if (!mem)
        return nnrt_fail(err, "out of memory for a picture");
    int rc = encode(arg, to_stream, mem, err);
    if (fclose(mem) != 0 && rc == 0)
        rc = nnrt_fail(err, "out of memory for a picture");
    if (rc == 0) {
        fprintf(f, "<img class=\"%s\" alt=\"", cls);
        nnrt_markup_text(f, alt);
        fputs("\" src=\"", f);
        nnrt_markup_data_uri(f, "image/png", png, len);
        fputs("\">", f);
    }
    free(png);
    return rc;
}
