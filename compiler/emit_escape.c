/* emit_escape.c: text from the user, made safe for where it lands in the
 * generated C.  Everything that comes from outside nnc (the .nn file's path
 * as given, its strings: data paths, class names, columns, init= files;
 * its lines quoted in comments; -D values) is written by one of these, one
 * function per context, so a path holding `*` `/`, a newline and
 * `#include "x.h"` stays text, and a class name reaches the trainer byte
 * for byte.
 *
 * What is dangerous in C source, before any token is read (C11 5.1.1.2):
 *   - trigraphs: `??/` is a backslash, `??=` a '#', ... under -std=c11;
 *   - a backslash before a newline joins two lines (a splice);
 *   - a newline ends a string literal or a directive;
 * then `*` `/` ends a comment, and `/` `*` inside one is a -Wcomment
 * warning (an error under -Werror).  The generated C calls no printf, so
 * no user text reaches a format string and `%` needs nothing. */
#include <string.h>

#include "nnc.h"

/* A byte no C source should hold as it is: control characters, DEL, and
 * everything beyond ASCII (invalid UTF-8, and bidirectional controls that
 * gcc's -Wbidi-chars rejects, are among those). */
static int unprintable(unsigned char c)
{
    return c < 0x20 || c >= 0x7f;
}

/* \n, \r, \t, or three octal digits: three always, so a digit after it
 * cannot join the escape (hexadecimal escapes have no such limit). */
static void put_escaped_byte(FILE *out, unsigned char c)
{
    if (c == '\n')
        fputs("\\n", out);
    else if (c == '\r')
        fputs("\\r", out);
    else if (c == '\t')
        fputs("\\t", out);
    else
        fprintf(out, "\\%03o", c);
}

void c_string_literal(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '?' && p > text && p[-1] == '?')
            fputs("\\?", out);      /* no ?? pair: no trigraph */
        else if (unprintable(c))
            put_escaped_byte(out, c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Whether writing c right after prev would make a pair that means
 * something inside a comment: its end, a nested start, a trigraph. */
static int makes_pair(int prev, int c)
{
    return (prev == '*' && c == '/') || (prev == '/' && c == '*') || (prev == '?' && c == '?');
}

void c_comment_text(FILE *out, const char *text, size_t len)
{
    int prev = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (makes_pair(prev, c))
            fputc(' ', out);
        if (unprintable(c)) {
            put_escaped_byte(out, c);
            prev = 0;
            continue;
        }
        fputc(c, out);
        prev = c;
    }
    /* a backslash last would join the comment's next line to this one */
    if (prev == '\\')
        fputc(' ', out);
}

void c_comment_str(FILE *out, const char *text)
{
    c_comment_text(out, text, strlen(text));
}

int is_c_identifier(const char *text)
{
    if (!*text || (*text >= '0' && *text <= '9'))
        return 0;
    for (const char *p = text; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}
