/* main.c: the nnc command line.
 *
 *   nnc check FILE.nn            check, and print a per-layer summary
 *   nnc emit  FILE.nn [-o OUT.c] write the generated C (stdout without -o)
 *   nnc build FILE.nn [-o OUT]   write OUT.c and compile it into ./OUT
 *   -D NAME=VALUE                 overrides `let NAME = ...` in the file
 *
 * Exit codes: 0 ok, 1 the .nn file (or the command line) is wrong,
 * 2 nnc itself failed (including the C compiler rejecting what nnc wrote).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nnc.h"

/* Set by the Makefile: how to compile what nnc emits. */
#ifndef NNC_CC
#define NNC_CC "cc"
#endif
#ifndef NNC_PKG_CFLAGS
#define NNC_PKG_CFLAGS ""
#endif
#ifndef NNC_PKG_LIBS
#define NNC_PKG_LIBS "-lopenblas -lz -lpng -lm"
#endif
#ifndef NNC_TRAINER_CFLAGS
#define NNC_TRAINER_CFLAGS "-O2"
#endif

extern char **environ;

static const char USAGE[] =
    "usage: nnc COMMAND FILE.nn [-o OUT]\n"
    "\n"
    "commands:\n"
    "  check FILE.nn           check the model and print a summary of its layers\n"
    "  emit  FILE.nn [-o OUT.c]  write the generated C (to stdout without -o)\n"
    "  build FILE.nn [-o OUT]  write OUT.c and compile it into the trainer OUT\n"
    "                          (default OUT: the file's name without .nn)\n"
    "\n"
    "options:\n"
    "  -o OUT                  the output file\n"
    "  -D NAME=VALUE           override the file's 'let NAME = ...'\n"
    "  -v                      print the C compiler command\n"
    "  --help, --version\n"
    "\n"
    "environment:\n"
    "  CC                      the C compiler for 'build' (default " NNC_CC ")\n"
    "  NNC_CFLAGS              its optimization flags (default \"" NNC_TRAINER_CFLAGS "\")\n"
    "\n"
    "The trainer 'build' makes has its own --help: ./OUT --help\n";

enum { MAX_DEFINES = 64 };

typedef struct Options {
    const char *command, *input, *output;
    int verbose;
    Define defs[MAX_DEFINES];
    int n_defs;
} Options;

/* -D NAME=VALUE (or -DNAME=VALUE) */
static int parse_define(Options *o, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) {
        fprintf(stderr, "nnc: error: -D needs NAME=VALUE, got '%s'\n", text);
        return -1;
    }
    if (o->n_defs == MAX_DEFINES) {
        fprintf(stderr, "nnc: error: more than %d -D options\n", MAX_DEFINES);
        return -1;
    }
    /* the name is copied into a static pool: options live as long as nnc */
    static char names[MAX_DEFINES][64];
    size_t len = (size_t)(eq - text);
    if (len >= sizeof names[0]) {
        fprintf(stderr, "nnc: error: -D name too long: '%.*s'\n", (int)len, text);
        return -1;
    }
    memcpy(names[o->n_defs], text, len);
    names[o->n_defs][len] = '\0';
    o->defs[o->n_defs].name = names[o->n_defs];
    o->defs[o->n_defs].value = eq + 1;
    o->n_defs++;
    return 0;
}

static int parse_options(int argc, char **argv, Options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0) {
            if (++i == argc) {
                fprintf(stderr, "nnc: error: -o needs a file name\n");
                return -1;
            }
            o->output = argv[i];
        } else if (strcmp(a, "-D") == 0) {
            if (++i == argc) {
                fprintf(stderr, "nnc: error: -D needs NAME=VALUE\n");
                return -1;
            }
            if (parse_define(o, argv[i]) != 0)
                return -1;
        } else if (strncmp(a, "-D", 2) == 0) {
            if (parse_define(o, a + 2) != 0)
                return -1;
        } else if (strcmp(a, "-v") == 0) {
            o->verbose = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "nnc: error: unknown option '%s'\n", a);
            return -1;
        } else if (!o->command) {
            o->command = a;
        } else if (!o->input) {
            o->input = a;
        } else {
            fprintf(stderr, "nnc: error: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->command) {
        fputs(USAGE, stderr);
        return -1;
    }
    if (strcmp(o->command, "check") && strcmp(o->command, "emit") && strcmp(o->command, "build")) {
        fprintf(stderr, "nnc: error: unknown command '%s' (expected check, emit or build)\n",
                o->command);
        return -1;
    }
    if (!o->input) {
        fprintf(stderr, "nnc: error: '%s' needs a .nn file\n", o->command);
        return -1;
    }
    return 0;
}

/* Write the C for ir to path through a temporary file, so an interrupted
 * run never leaves a half-written file under the real name. */
static int write_c(const Ir *ir, const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "nnc: error: cannot write '%s': %s\n", tmp, strerror(errno));
        return -1;
    }
    emit_c(f, ir);
    int failed = ferror(f);
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) != 0) {
        fprintf(stderr, "nnc: error: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Where libnnrt.a and nnrt.h are: beside nnc in a build tree
 * (build/libnnrt.a, build/include/nnrt.h), or in ../lib and ../include
 * when installed. */
static void find_runtime(char *lib, char *inc, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *dir = dirname(exe);
    struct stat st;
    snprintf(lib, len, "%s/libnnrt.a", dir);
    if (stat(lib, &st) == 0) {
        snprintf(inc, len, "%s/include", dir);
        return;
    }
    snprintf(lib, len, "%s/../lib/libnnrt.a", dir);
    snprintf(inc, len, "%s/../include", dir);
}

/* Split a flags string on blanks into argv (no quoting: flags are words). */
static int split_words(Arena *a, const char *s, char **argv, int at, int max)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *start = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s > start && at < max)
            argv[at++] = arena_strndup(a, start, (size_t)(s - start));
    }
    return at;
}

static int compile_c(Arena *a, const char *c_file, const char *exe, int verbose)
{
    char lib[PATH_MAX], inc[PATH_MAX + 2];
    char incdir[PATH_MAX];
    find_runtime(lib, incdir, sizeof incdir);
    snprintf(inc, sizeof inc, "-I%s", incdir);
    const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : NNC_CC;
    const char *opt = getenv("NNC_CFLAGS") ? getenv("NNC_CFLAGS") : NNC_TRAINER_CFLAGS;

    enum { MAX_ARGS = 256 };
    char *argv[MAX_ARGS + 1];
    int n = split_words(a, cc, argv, 0, MAX_ARGS);
    n = split_words(a, "-std=c11 -Wall -Wextra -Werror", argv, n, MAX_ARGS);
    n = split_words(a, opt, argv, n, MAX_ARGS);
    n = split_words(a, NNC_PKG_CFLAGS, argv, n, MAX_ARGS);
    argv[n++] = inc;
    argv[n++] = (char *)c_file;
    argv[n++] = "-o";
    argv[n++] = (char *)exe;
    argv[n++] = lib;
    n = split_words(a, NNC_PKG_LIBS, argv, n, MAX_ARGS);
    argv[n] = NULL;
    if (verbose) {
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
        fputc('\n', stderr);
    }
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) {
        fprintf(stderr, "nnc: error: cannot run the C compiler '%s': %s\n", argv[0], strerror(err));
        return 2;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 2;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "nnc: error: the C compiler failed on %s; this is a bug in nnc, "
                        "please report it with the .nn file\n", c_file);
        return 2;
    }
    return 0;
}

/* "examples/fashion_mlp.nn" -> "fashion_mlp" */
static char *default_output(Arena *a, const char *input)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".nn") == 0)
        len -= 3;
    else
        return arena_printf(a, "%s.out", base);
    return arena_strndup(a, base, len);
}

static int run(Arena *a, const Options *o)
{
    Source src;
    if (source_read(a, o->input, &src) != 0)
        return 1;
    Diag d;
    diag_init(&d, &src, stderr);
    Model *m;
    Ir *ir = compile_source_with(a, &src, &d, o->defs, o->n_defs, &m);
    if (!ir) {
        fprintf(stderr, "%d error%s\n", d.n_errors, d.n_errors == 1 ? "" : "s");
        return 1;
    }
    if (strcmp(o->command, "check") == 0) {
        print_summary(stdout, m, ir);
        return 0;
    }
    if (strcmp(o->command, "emit") == 0) {
        if (!o->output) {
            emit_c(stdout, ir);
            return 0;
        }
        return write_c(ir, o->output) == 0 ? 0 : 1;
    }
    const char *exe = o->output ? o->output : default_output(a, o->input);
    struct stat st;
    if (stat(exe, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "nnc: error: '%s' is a folder; -o names the trainer to write\n", exe);
        return 1;
    }
    char *c_file = arena_printf(a, "%s.c", exe);
    if (write_c(ir, c_file) != 0)
        return 1;
    return compile_c(a, c_file, exe, o->verbose);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("nnc %s\n", NNC_VERSION);
            return 0;
        }
    }
    Options o = { 0 };
    if (parse_options(argc, argv, &o) != 0)
        return 1;
    Arena arena = { 0 };
    int status = run(&arena, &o);
    arena_free(&arena);
    return status;
}
