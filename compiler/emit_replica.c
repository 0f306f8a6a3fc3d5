/* emit_replica.c: what one replica owns, and the op sections that use it.
 *
 * A replica is what one worker needs to run forward and backward over its
 * shard of a batch (nnrt.h: nnrt_replica): the activations and their
 * gradients, dropout masks, each op's scratch (conv2d's padded sample and
 * im2col rows, maxpool's argmax, batchnorm's xhat), and the parameters'
 * gradients of that shard.  The parameters themselves stay static and
 * shared: nothing writes them during forward and backward.
 *
 * The op emitters write their sections as if every buffer were a global
 * (`dense128_y[i]`), which keeps them short and alike.  This file captures
 * each section, moves its scratch declarations into the struct (their sizes
 * with the section's macros expanded), and rewrites the section's code:
 * each per-replica name becomes `rep->name`, each function defined there
 * takes `Replica *rep` first, and each call to one passes it on.  Comments
 * and strings are left as they are, so a comment still says `x is (n, IN)`. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nnc.h"

#include "emit.h"

enum { MAX_NAMES = 4096, MAX_MACROS = 64, NAME_LEN = 96 };

typedef struct NameSet {
    char (*names)[NAME_LEN];
    int n;
} NameSet;

static int in_set(const NameSet *s, const char *name, size_t len)
{
    for (int i = 0; i < s->n; i++)
        if (strlen(s->names[i]) == len && memcmp(s->names[i], name, len) == 0)
            return 1;
    return 0;
}

static void add_name(NameSet *s, const char *fmt, const char *a, const char *b)
{
    if (s->n >= MAX_NAMES) {
        fprintf(stderr, "nnc: internal error: more than %d per-replica names\n", MAX_NAMES);
        exit(2);
    }
    snprintf(s->names[s->n++], NAME_LEN, fmt, a, b);
}

/* One op's section as its emitter wrote it */
typedef struct Section {
    char *text;
    size_t len;
} Section;

static Section capture(Emitter *e, const IrOp *op, void (*section)(Emitter *, const IrOp *))
{
    Section s = { NULL, 0 };
    FILE *saved = e->out;
    e->out = open_memstream(&s.text, &s.len);
    if (!e->out) {
        perror("nnc: open_memstream");
        exit(2);
    }
    section(e, op);
    fclose(e->out);
    e->out = saved;
    return s;
}

/* ---- lines ------------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A file-scope array declaration, `static real conv32_pad[PH * PW * C];`:
 * scratch that moves into the replica */
static int is_scratch_decl(const char *line)
{
    if (!starts_with(line, "static real ") && !starts_with(line, "static int "))
        return 0;
    const char *bracket = strchr(line, '['), *paren = strchr(line, '(');
    return bracket && (!paren || bracket < paren);
}

/* A function's first line, `static void dense128_forward(int n)` */
static int is_function_head(const char *line)
{
    return starts_with(line, "static ") && !is_scratch_decl(line) && strchr(line, '(') &&
           !strchr(line, ';') && !strchr(line, '=');
}

/* The macros a section defines (`#define PH 30`), to size its scratch */
typedef struct Macros {
    char name[MAX_MACROS][32], value[MAX_MACROS][64];
    int n;
} Macros;

static void note_macro(Macros *m, const char *line)
{
    char name[32], value[64] = "";
    if (m->n >= MAX_MACROS || sscanf(line, "#define %31s %63[^\n]", name, value) != 2)
        return;
    char *comment = strstr(value, "/*");
    if (comment)
        *comment = '\0';
    for (size_t k = strlen(value); k > 0 && isspace((unsigned char)value[k - 1]); k--)
        value[k - 1] = '\0';
    snprintf(m->name[m->n], sizeof m->name[m->n], "%s", name);
    snprintf(m->value[m->n], sizeof m->value[m->n], "%s", value);
    m->n++;
}

/* expr with the section's macros replaced by their values, into out */
static void expand(const Macros *m, const char *expr, size_t len, FILE *out)
{
    for (size_t i = 0; i < len;) {
        if (!isalpha((unsigned char)expr[i]) && expr[i] != '_') {
            fputc(expr[i++], out);
            continue;
        }
        size_t j = i;
        while (j < len && (isalnum((unsigned char)expr[j]) || expr[j] == '_'))
            j++;
        int k = 0;
        while (k < m->n && !(strlen(m->name[k]) == j - i && memcmp(m->name[k], expr + i, j - i) == 0))
            k++;
        if (k < m->n) {
            const char *v = m->value[k];
            int simple = strspn(v, "0123456789") == strlen(v) ||
                         (v[0] == '(' && v[strlen(v) - 1] == ')');
            fprintf(out, simple ? "%s" : "(%s)", v);
        } else {
            fwrite(expr + i, 1, j - i, out);
        }
        i = j;
    }
}

/* expand() until no macro of the section is left (a macro may use another) */
static void expand_all(const Macros *m, const char *expr, size_t len, FILE *out)
{
    char *text = strndup(expr, len);
    for (int round = 0; round < 8 && text; round++) {
        char *next = NULL;
        size_t next_len = 0;
        FILE *f = open_memstream(&next, &next_len);
        if (!f)
            break;
        expand(m, text, strlen(text), f);
        fclose(f);
        int same = strcmp(next, text) == 0;
        free(text);
        text = next;
        if (same)
            break;
    }
    if (!text) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    fputs(text, out);
    free(text);
}

/* expand_all(), and a batch's rows (MAX_BATCH) as a shard's (SHARD_ROWS) */
static void expand_rows(const Macros *m, const char *expr, size_t len, FILE *out)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    if (!f) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    expand_all(m, expr, len, f);
    fclose(f);
    const char *at = strstr(text, "MAX_BATCH");
    if (at)
        fprintf(out, "%.*sSHARD_ROWS%s", (int)(at - text), text, at + strlen("MAX_BATCH"));
    else
        fputs(text, out);
    free(text);
}

/* `static real a[E1], b[E2];   comment` as struct fields into fields, each
 * name into names */
static void move_decl(const Macros *m, const char *line, size_t len, FILE *fields, NameSet *names)
{
    const char *type = starts_with(line, "static real ") ? "real" : "int";
    const char *p = line + strlen("static ") + strlen(type) + 1, *end = line + len;
    const char *comment = strstr(line, "/*");
    if (comment && comment >= end)
        comment = NULL;
    fprintf(fields, "    %s ", type);
    while (p < end && *p != ';') {
        const char *open = memchr(p, '[', (size_t)(end - p));
        const char *close = open ? memchr(open, ']', (size_t)(end - open)) : NULL;
        if (!open || !close)
            break;
        char name[NAME_LEN];
        snprintf(name, sizeof name, "%.*s", (int)(open - p), p);
        add_name(names, "%s%s", name, "");
        fprintf(fields, "%s[", name);
        expand_rows(m, open + 1, (size_t)(close - open - 1), fields);
        fputc(']', fields);
        p = close + 1;
        if (p < end && *p == ',') {
            fputs(", ", fields);
            p++;
            while (p < end && *p == ' ')
                p++;
        }
    }
    fputc(';', fields);
    if (comment)
        fprintf(fields, "   %.*s", (int)(end - comment), comment);
    fputc('\n', fields);
}

/* ---- the rewrite ------------------------------------------------------- */

static int ident_start(int c) { return isalpha(c) || c == '_'; }
static int ident_char(int c) { return isalnum(c) || c == '_'; }

/* A comment, string or character literal starting at t[i], copied as it
 * is; returns the index after it, or i if none starts there */
static size_t copy_literal(const char *t, size_t i, size_t len, FILE *out)
{
    size_t j = i;
    if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
        for (j = i + 2; j + 1 < len && !(t[j] == '*' && t[j + 1] == '/'); j++)
            ;
        j = j + 1 < len ? j + 2 : len;
    } else if (t[i] == '"' || t[i] == '\'') {
        for (j = i + 1; j < len && t[j] != t[i]; j++)
            j += t[j] == '\\';
        j = j < len ? j + 1 : len;
    }
    fwrite(t + i, 1, j - i, out);
    return j;
}

/* The line's code with per-replica names as rep->name, and calls of the
 * section's functions passing rep */
static void rewrite_code(const char *t, size_t len, const NameSet *names, const NameSet *funcs,
                         int head, FILE *out)
{
    int added = 0;   /* the head's Replica parameter, once */
    for (size_t i = 0; i < len;) {
        size_t j = copy_literal(t, i, len, out);
        if (j != i) {
            i = j;
            continue;
        }
        if (!ident_start((unsigned char)t[i])) {
            fputc(t[i], out);
            if (t[i] == '(' && head && !added) {
                added = 1;
                if (starts_with(t + i + 1, "void)")) {
                    fputs("Replica *rep", out);
                    i += strlen("void");
                } else {
                    fputs("Replica *rep, ", out);
                }
            }
            i++;
            continue;
        }
        for (j = i; j < len && ident_char((unsigned char)t[j]); j++)
            ;
        int member = (i > 0 && t[i - 1] == '.') || (i > 1 && t[i - 1] == '>' && t[i - 2] == '-');
        if (!member && in_set(names, t + i, j - i))
            fputs("rep->", out);
        fwrite(t + i, 1, j - i, out);
        if (!head && in_set(funcs, t + i, j - i) && j < len && t[j] == '(') {
            fputs(t[j + 1] == ')' ? "(rep" : "(rep, ", out);
            j++;
        }
        i = j;
    }
}

/* The name of the function a head line defines */
static void note_function(const char *line, size_t len, NameSet *funcs)
{
    const char *paren = memchr(line, '(', len);
    const char *p = paren;
    while (p > line && ident_char((unsigned char)p[-1]))
        p--;
    char name[NAME_LEN];
    snprintf(name, sizeof name, "%.*s", (int)(paren - p), p);
    add_name(funcs, "%s%s", name, "");
}

/* Pass 1 over a section: its macros, its scratch (into fields and names),
 * its functions (into funcs) */
static void scan_section(const Section *s, FILE *fields, NameSet *names, NameSet *funcs)
{
    Macros macros = { .n = 0 };
    int in_comment = 0;
    for (const char *line = s->text; line < s->text + s->len;) {
        const char *nl = memchr(line, '\n', (size_t)(s->text + s->len - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(s->text + s->len - line);
        char *copy = strndup(line, len);
        if (!copy) {
            fprintf(stderr, "nnc: out of memory\n");
            exit(2);
        }
        if (!in_comment) {
            if (starts_with(line, "#define "))
                note_macro(&macros, copy);
            else if (is_scratch_decl(copy))
                move_decl(&macros, copy, len, fields, names);
            else if (is_function_head(copy))
                note_function(line, len, funcs);
        }
        free(copy);
        /* a comment left open on this line: the next lines are its text */
        for (const char *c = line; c < line + len; c++) {
            if (!in_comment && c[0] == '/' && c[1] == '*')
                in_comment = 1, c++;
            else if (in_comment && c[0] == '*' && c[1] == '/')
                in_comment = 0, c++;
        }
        line += len + (nl != NULL);
    }
}

/* Pass 2: the section without its scratch declarations (nor the blank line
 * after them), rewritten */
static void write_section(Emitter *e, const Section *s, const NameSet *names,
                          const NameSet *funcs)
{
    int in_comment = 0, after_decl = 0;
    for (const char *line = s->text; line < s->text + s->len;) {
        const char *nl = memchr(line, '\n', (size_t)(s->text + s->len - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(s->text + s->len - line);
        char *copy = strndup(line, len);
        if (!copy) {
            fprintf(stderr, "nnc: out of memory\n");
            exit(2);
        }
        int decl = !in_comment && is_scratch_decl(copy);
        int dropped = decl || (after_decl && len == 0);
        after_decl = decl;
        if (!dropped) {
            if (in_comment || line[0] == '#')
                fwrite(line, 1, len, e->out);
            else
                rewrite_code(line, len, names, funcs, is_function_head(copy), e->out);
            if (nl)
                fputc('\n', e->out);
        }
        free(copy);
        for (const char *c = line; c < line + len; c++) {
            if (!in_comment && c[0] == '/' && c[1] == '*')
                in_comment = 1, c++;
            else if (in_comment && c[0] == '*' && c[1] == '/')
                in_comment = 0, c++;
        }
        line += len + (nl != NULL);
    }
}

/* ---- the struct -------------------------------------------------------- */

/* Activations, masks and targets: fields, and their names */
static void buffer_fields(Emitter *e, FILE *f, NameSet *names)
{
    for (int i = 0; i < e->ir->n_bufs; i++) {
        const IrBuf *b = buf(e, i);
        if (!e->used[i])
            continue;
        fprintf(f, "    real %s[SHARD_ROWS * %s]", b->name, b->width_macro);
        add_name(names, "%s%s", b->name, "");
        if (b->needs_grad) {
            fprintf(f, ", d_%s[SHARD_ROWS * %s]", b->name, b->width_macro);
            add_name(names, "d_%s%s", b->name, "");
        }
        fprintf(f, ";\n");
    }
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        if (op->kind != OP_DROPOUT)
            continue;
        fprintf(f, "    real %s_mask[SHARD_ROWS * %s];\n", op->name, buf(e, op->in)->width_macro);
        add_name(names, "%s_mask%s", op->name, "");
    }
    if (e->m->regress) {
        fprintf(f, "    real target[SHARD_ROWS * CLASSES];   /* regression targets, from the runtime */\n");
        add_name(names, "target%s%s", "", "");
    }
}

/* The gradients of the trained tensors, for this replica's rows */
static void grad_fields(Emitter *e, FILE *f, NameSet *names)
{
    for (int i = 0; i < e->ir->n_ops; i++) {
        const IrOp *op = &e->ir->ops[i];
        const char *p = op->name;
        char count[96];
        if (!trains(op))
            continue;
        if (op->kind == OP_DENSE || op->kind == OP_CONV) {
            kernel_count(e, op, count, sizeof count);
            fprintf(f, "    real %s_dw[%s], ", p, count);
            if (op->kind == OP_DENSE)
                fprintf(f, "%s_db[%s];\n", p, buf(e, op->out)->width_macro);
            else
                fprintf(f, "%s_db[%ld];\n", p, op->filters);
            add_name(names, "%s_dw%s", p, "");
            add_name(names, "%s_db%s", p, "");
        }
        if (op->kind == OP_BATCHNORM) {
            const Shape *sh = &op->layer->out;
            long ch = sh->dims[sh->ndims - 1];
            fprintf(f, "    real %s_dgamma[%ld], %s_dbeta[%ld];\n", p, ch, p, ch);
            add_name(names, "%s_dgamma%s", p, "");
            add_name(names, "%s_dbeta%s", p, "");
        }
    }
}

void emit_replica_and_sections(Emitter *e, void (*section)(Emitter *, const IrOp *))
{
    int n_ops = e->ir->n_ops;
    Section *text = calloc((size_t)(n_ops > 0 ? n_ops : 1), sizeof *text);
    NameSet names = { calloc(MAX_NAMES, NAME_LEN), 0 };
    NameSet funcs = { calloc(MAX_NAMES, NAME_LEN), 0 };
    char *scratch = NULL;
    size_t scratch_len = 0;
    FILE *fields = open_memstream(&scratch, &scratch_len);
    if (!text || !names.names || !funcs.names || !fields) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < n_ops; i++) {
        text[i] = capture(e, &e->ir->ops[i], section);
        scan_section(&text[i], fields, &names, &funcs);
    }
    fclose(fields);

    OUT("/* What one replica owns: the runtime makes one for each of the SHARDS shards of\n"
        "   a batch (nnrt.h: nnrt_replica) and runs forward and backward on each, on\n"
        "   threads.  Activations are (SHARD_ROWS, width), their gradients d_*; then each\n"
        "   op's scratch, and the gradients of the trained tensors for this shard's rows. */\n");
    OUT("struct nnrt_replica {\n");
    buffer_fields(e, e->out, &names);
    fwrite(scratch, 1, scratch_len, e->out);
    grad_fields(e, e->out, &names);
    OUT("};\ntypedef struct nnrt_replica Replica;\n\n");

    for (int i = 0; i < n_ops; i++) {
        write_section(e, &text[i], &names, &funcs);
        free(text[i].text);
    }
    free(scratch);
    free(text);
    free(funcs.names);
    free(names.names);
}
