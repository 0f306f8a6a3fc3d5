/* markup.h: text and bytes put into SVG and HTML (markup.c).  The SVG
 * pictures (plot_svg.c) and the pages (page*.c) escape every text a person
 * or a name puts in them here, so one rule keeps both well-formed whatever
 * the bytes: a class name, a folder's name, a title.  Internal; not
 * installed. */
#ifndef NNRT_MARKUP_H
#define NNRT_MARKUP_H

#include <stddef.h>
#include <stdio.h>

/* text as character data or a double-quoted attribute value, in XML 1.0
 * and in HTML alike: & < > " escaped; bytes that are not UTF-8 a
 * character XML allows (a stray byte, a cut or overlong character, a
 * surrogate, U+FFFE, U+FFFF) become U+FFFD; control characters '?'. */
void nnrt_markup_text(FILE *f, const char *text);

/* The same, keeping line breaks (\n) and tabs: text for a <pre>. */
void nnrt_markup_lines(FILE *f, const char *text);

/* text as the path of a URL in an href: bytes outside A-Z a-z 0-9 - . _ ~
 * and / percent-encoded (so '#', '?', '%', a space or a quote in a folder's
 * name cannot end it or change what it means). */
void nnrt_markup_url_path(FILE *f, const char *text);

/* bytes[0..n) as a data: URI of type mime ("image/png"), base64 encoded
 * (RFC 4648, with padding), for an <img src="..."> that needs no file. */
void nnrt_markup_data_uri(FILE *f, const char *mime, const void *bytes, size_t n);

#endif
