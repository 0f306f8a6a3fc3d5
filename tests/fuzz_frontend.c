/* fuzz_frontend.c: libFuzzer target for everything nnc does to a .nn file
 * before the C compiler runs: scan, parse, check, lower, passes, emit and
 * summary.  Any input must end in diagnostics or C text, never a crash, a
 * hang or a leak, and the C text must keep the user's text as text: no
 * trigraph, no splice, no comment or string ended early (c_fault), and the
 * same code for the compiler whatever the file's name, on every input.  Whether that C compiles is fuzz_compile.sh's part: it builds
 * trainers from a sample of the inputs after each run.
 *
 *   make fuzz SECONDS=300    mutate, starting from examples/ and tests/fuzz/
 *   make fuzz-check          replay tests/fuzz/ and mutate briefly (make check)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("fuzz_frontend: /dev/null");
        return 1;
    }
    return 0;
}

/* ---- the emitted C, read as its preprocessor would ---------------------- */

/* What the emitted C must never hold, whatever the .nn file: each would let
 * text from the user act as C (or break the build).  Lines end in \n or
 * \r, as gcc takes them. */
static int line_end(char c) { return c == '\n' || c == '\r'; }

/* "??=" and the like: no trigraph is ever meant (c_string_literal and
 * c_comment_text break every "??"). */
static int trigraph_at(const char *p, const char *end)
{
    return end - p >= 3 && p[0] == '?' && p[1] == '?' && p[2] && strchr("=(/)'<!>-", p[2]);
}

/* A directive nnc writes: #include <...>, "nnrt.h", "nnrt_kernels.h",
 * "nnrt_math.h" or "nnrt_winograd.h", #define, #undef, and the
 * conditionals that pick the trainer or its double-precision twin */
static int known_directive(const char *p, const char *end)
{
    static const char *const KNOWN[] = { "#include <", "#include \"nnrt.h\"\n",
                                         "#include \"nnrt_kernels.h\"\n",
                                         "#include \"nnrt_math.h\"\n",
                                         "#include \"nnrt_winograd.h\"\n", "#define ",
                                         "#undef ", "#ifdef NNRT_DOUBLE\n", "#else\n",
                                         "#else ", "#endif\n", "#endif " };
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        size_t n = strlen(KNOWN[i]);
        if ((size_t)(end - p) >= n && memcmp(p, KNOWN[i], n) == 0)
            return 1;
    }
    return 0;
}

/* The first fault of the C text [text, end), or NULL; where in *at.  What
 * the compiler acts on goes to code: the text less its comments (a blank
 * each, as C has it) and the insides of its literals. */
static const char *c_fault(const char *text, const char *end, const char **at, FILE *code)
{
    enum { CODE, COMMENT, STRING, CHAR } state = CODE;
    int line_start = 1;
    for (const char *p = text; p < end; p++) {
        *at = p;
        if (trigraph_at(p, end))
            return "a trigraph";
        if (*p == '\\' && p + 1 < end && line_end(p[1]))
            return "a backslash at the end of a line (a splice)";
        switch (state) {
        case CODE:
            if (line_start && *p == '#' && !known_directive(p, end))
                return "a directive nnc does not write";
            if (*p == '*' && p + 1 < end && p[1] == '/')
                return "'*/' outside a comment: one ended early";
            if (*p == '/' && p + 1 < end && p[1] == '*') {
                state = COMMENT, p++;
                fputc(' ', code);
                break;
            }
            if (*p == '"')
                state = STRING;
            else if (*p == '\'')
                state = CHAR;
            fputc(*p, code);
            break;
        case COMMENT:
            if (*p == '/' && p + 1 < end && p[1] == '*')
                return "'/*' inside a comment";
            if (*p == '*' && p + 1 < end && p[1] == '/')
                state = CODE, p++;
            break;
        case STRING:
        case CHAR:
            if (line_end(*p))
                return "a string or character literal runs past its line";
            if (*p == '\\') {
                p++;
            } else if (*p == (state == STRING ? '"' : '\'')) {
                state = CODE;
                fputc(*p, code);
            }
            break;
        }
        /* blanks may come before a directive's '#' */
        line_start = line_end(*p) || (line_start && (*p == ' ' || *p == '\t'));
    }
    *at = end;
    return state == CODE ? NULL : "a comment or a literal left open at the end";
}

/* A malloc'ed buffer and its length */
typedef struct Text {
    char *bytes;
    size_t len;
} Text;

static FILE *open_text(Text *t)
{
    *t = (Text){ NULL, 0 };
    FILE *f = open_memstream(&t->bytes, &t->len);
    if (!f)
        abort();
    return f;
}

/* The C of ir, checked (c_fault): abort, a finding for libFuzzer, at a
 * fault.  What the compiler acts on in *code. */
static void check_emitted_c(const Ir *ir, Text *code)
{
    Text c;
    FILE *f = open_text(&c);
    emit_c(f, ir);
    fclose(f);
    f = open_text(code);
    const char *at;
    const char *fault = c_fault(c.bytes, c.bytes + c.len, &at, f);
    fclose(f);
    if (fault) {
        const char *line = at;
        while (line > c.bytes && !line_end(line[-1]))
            line--;
        fprintf(stderr, "fuzz_frontend: the emitted C holds %s, at byte %zu:\n%.*s\n", fault,
                (size_t)(at - c.bytes), (int)strcspn(line, "\n\r"), line);
        abort();
    }
    free(c.bytes);
}

/* The file's name appears in comments and string literals only: the C of
 * ir must give the compiler the same code whatever src's name is.  A path
 * that ends a comment and writes a directive makes a difference. */
static void check_name_stays_text(const Ir *ir, Source *src)
{
    Text code, plain_code;
    check_emitted_c(ir, &code);
    const char *name = src->name;
    src->name = "fuzz.nn";      /* the model points at src */
    check_emitted_c(ir, &plain_code);
    src->name = name;
    if (code.len != plain_code.len || memcmp(code.bytes, plain_code.bytes, code.len) != 0) {
        fprintf(stderr, "fuzz_frontend: the file's name changed the C, not only its comments "
                        "and strings\n");
        abort();
    }
    free(code.bytes);
    free(plain_code.bytes);
}

/* ---- one input ------------------------------------------------------------ */

/* The file's name: a first line "# path: NAME" gives it (any bytes but a
 * line end), so that mutations reach the path the C quotes too; else
 * "fuzz.nn".  A copy in the arena. */
static const char *source_name(Arena *a, const uint8_t *data, size_t size)
{
    static const char PREFIX[] = "# path: ";
    size_t n = sizeof PREFIX - 1;
    if (size < n || memcmp(data, PREFIX, n) != 0)
        return "fuzz.nn";
    size_t len = 0;
    while (n + len < size && !line_end((char)data[n + len]))
        len++;
    return arena_strndup(a, (const char *)data + n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena a = { 0 };
    /* bytes, not a string: what follows an embedded NUL reaches the
     * scanner, as it does from source_read */
    Source src;
    source_from_bytes(&a, source_name(&a, data, size), (const char *)data, size, &src);

    Diag d;
    diag_init(&d, &src, devnull);
    Model *m = NULL;
    Ir *ir = compile_source(&a, &src, &d, &m);
    if (ir) {
        check_name_stays_text(ir, &src);
        print_summary(devnull, m, ir);
    }
    arena_free(&a);
    return 0;
}
