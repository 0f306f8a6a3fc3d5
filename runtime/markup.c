/* markup.c: text and bytes put into SVG and HTML, as markup.h says.  The
 * escaping was plot_svg.c's; it is shared now that the pages embed the
 * pictures and write names of their own. */
#include <string.h>

#include "markup.h"

/* The length of the UTF-8 character at s that XML 1.0 allows (2 to 4
 * bytes), or 0: a stray or missing continuation byte, an overlong form, a
 * surrogate, U+FFFE, U+FFFF or beyond U+10FFFF.  s[0] is 0x80 or above. */
static int xml_utf8_length(const unsigned char *s)
{
    static const unsigned long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
    int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (n == 0)
        return 0;
    unsigned long cp = s[0] & (0x7fu >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)      /* a NUL stops here too */
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
        cp == 0xffff)
        return 0;
    return n;
}

/* Any bytes (a title, a run's name: a folder's name) as character data:
 * escaped, and well-formed whatever the bytes, or a browser shows an
 * error in place of an SVG picture. */
static void escape(FILE *f, const char *text, int keep_lines)
{
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if (*s < 0x20) {
                /* control characters are not allowed in XML 1.0 */
                fputc(keep_lines && (*s == '\n' || *s == '\t') ? *s : '?', f);
            } else if (*s < 0x80) {
                fputc(*s, f);
            } else {
                int n = xml_utf8_length(s);
                if (n == 0) {
                    fputs("\xef\xbf\xbd", f);     /* U+FFFD, the replacement character */
                } else {
                    fwrite(s, 1, (size_t)n, f);
                    s += n - 1;
                }
            }
        }
    }
}

void nnrt_markup_text(FILE *f, const char *text)
{
    escape(f, text, 0);
}

void nnrt_markup_lines(FILE *f, const char *text)
{
    escape(f, text, 1);
}

void nnrt_markup_url_path(FILE *f, const char *text)
{
    static const char SAFE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789-._~/";
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (strchr(SAFE, *s))
            fputc(*s, f);
        else
            fprintf(f, "%%%02X", *s);
    }
}

void nnrt_markup_data_uri(FILE *f, const char *mime, const void *bytes, size_t n)
{
    static const char DIGITS[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *b = bytes;
    fprintf(f, "data:%s;base64,", mime);
    for (size_t i = 0; i < n; i += 3) {
        /* three bytes, 24 bits, four digits of six bits; '=' pads a short end */
        unsigned long v = (unsigned long)b[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)b[i + 1] << 8;
        if (i + 2 < n)
            v |= b[i + 2];
        char out[4] = { DIGITS[v >> 18 & 63], DIGITS[v >> 12 & 63],
                        i + 1 < n ? DIGITS[v >> 6 & 63] : '=', i + 2 < n ? DIGITS[v & 63] : '=' };
        fwrite(out, 1, 4, f);
    }
}
