/* main.c: the nnc command line.
 *
 *   nnc check FILE.nn            check, and print a per-layer summary
 *   nnc emit  FILE.nn [-o OUT.c] write the generated C (stdout without -o)
 *   nnc build FILE.nn [-o OUT]   write OUT.c and compile it into ./OUT
 *   --mpi                         build: a trainer for mpirun (docs/parallel.md)
 *   -D NAME=VALUE                 overrides `let NAME = ...` in the file
 *   nnc plot RUN_DIR... [-o OUT.svg] [--title TEXT]
 *                                 several runs' curve.csv in one picture
 *   nnc report RUN_DIR... [-o OUT.html] [--title TEXT]
 *                                 several runs side by side on one page
 *   nnc diff A.nn B.nn            what changed in meaning (diff.c; exit
 *                                 status as diff(1)'s: 0 same, 1 changed, 2 trouble)
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

#include "fileio.h"
#include "export.h"
#include "nnc.h"
#include "compare.h"
#include "plot.h"

/* Set by the Makefile: how to compile what nnc emits. */
#ifndef NNC_CC
#define NNC_CC "cc"
#endif
#ifndef NNC_PKG_CFLAGS
#define NNC_PKG_CFLAGS ""
#endif
#ifndef NNC_PKG_LIBS
#define NNC_PKG_LIBS "-lopenblas -lz -ldeflate -lpng -lm"
#endif
#ifndef NNC_TRAINER_CFLAGS
#define NNC_TRAINER_CFLAGS "-O2"
#endif
/* OpenMPI's link flags, when it was installed as nnc was built; without
 * them `build --mpi` says what to install */
#ifdef NNC_MPI_LIBS
static const char *const mpi_libs = NNC_MPI_LIBS;
#else
static const char *const mpi_libs = NULL;
#endif

extern char **environ;

static const char USAGE[] =
    "usage: nnc COMMAND FILE.nn [-o OUT]\n"
    "       nnc plot RUN_DIR... [-o OUT.svg] [--title TEXT]\n"
    "       nnc report RUN_DIR... [-o OUT.html] [--title TEXT]\n"
    "       nnc diff A.nn B.nn\n"
    "       nnc export FILE.nn --weights DIR/weights -o NAME\n"
    "\n"
    "commands:\n"
    "  check FILE.nn           check the model and print a summary of its layers\n"
    "  emit  FILE.nn [-o OUT.c]  write the generated C (to stdout without -o)\n"
    "  build FILE.nn [-o OUT]  write OUT.c and compile it into the trainer OUT\n"
    "                          (default OUT: the file's name without .nn)\n"
    "  plot RUN_DIR... [-o OUT.svg]\n"
    "                          draw the learning curves of training runs (each\n"
    "                          folder's curve.csv) over each other, one colour a run,\n"
    "                          as SVG (to stdout without -o)\n"
    "  report RUN_DIR... [-o OUT.html]\n"
    "                          the runs side by side on one HTML page: their curves\n"
    "                          over each other, best and last epochs, test results,\n"
    "                          the settings that differ (to stdout without -o)\n"
    "  diff A.nn B.nn          what B changes in A's meaning: layers, shapes, costs,\n"
    "                          hyper-parameters (exit 0 same, 1 changed, 2 trouble)\n"
    "  export FILE.nn --weights DIR/weights -o NAME\n"
    "                          write NAME.h and NAME.c: the trained model as a C library\n"
    "                          for inference, NAME_predict(in, n, out), weights inside,\n"
    "                          needing only libm (docs/export.md); with\n"
    "                          --weights-at-runtime, NAME_load(FILE) reads them instead\n"
    "\n"
    "options:\n"
    "  -o OUT                  the output file\n"
    "  -D NAME=VALUE           override the file's 'let NAME = ...'\n"
    "  --explain-kernels       check: also each dense and conv2d layer's kernel, the\n"
    "                          cost rule's inputs that chose it, and the kernel of\n"
    "                          each product forward and backward\n"
    "  --mpi                   build: a trainer for OpenMPI's mpirun, each rank taking\n"
    "                          its shards of every batch (docs/parallel.md)\n"
    "  --title TEXT            plot, report: the title (default: the runs' names)\n"
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
    int mpi;                    /* build --mpi */
    int explain_kernels;        /* check --explain-kernels */
    const char *weights;        /* export --weights */
    int weights_at_runtime;     /* export --weights-at-runtime */
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
        } else if (strcmp(a, "--mpi") == 0) {
            o->mpi = 1;
        } else if (strcmp(a, "--explain-kernels") == 0) {
            o->explain_kernels = 1;
        } else if (strcmp(a, "--weights-at-runtime") == 0) {
            o->weights_at_runtime = 1;
        } else if (strcmp(a, "--weights") == 0) {
            if (++i == argc) {
                fprintf(stderr, "nnc: error: --weights needs a weights file\n");
                return -1;
            }
            o->weights = argv[i];
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
    if (strcmp(o->command, "check") && strcmp(o->command, "emit") && strcmp(o->command, "build") &&
        strcmp(o->command, "export")) {
        fprintf(stderr, "nnc: error: unknown command '%s' (expected check, emit, build, export, "
                        "plot, report or diff)\n", o->command);
        return -1;
    }
    if (!o->input) {
        fprintf(stderr, "nnc: error: '%s' needs a .nn file\n", o->command);
        return -1;
    }
    if (o->mpi && strcmp(o->command, "build") != 0) {
        fprintf(stderr, "nnc: error: --mpi is an option of 'build', not of '%s'\n", o->command);
        return -1;
    }
    if (o->weights && strcmp(o->command, "export") != 0) {
        fprintf(stderr, "nnc: error: --weights is an option of 'export', not of '%s'\n",
                o->command);
        return -1;
    }
    if (o->weights_at_runtime && strcmp(o->command, "export") != 0) {
        fprintf(stderr, "nnc: error: --weights-at-runtime is an option of 'export', not of "
                        "'%s'\n", o->command);
        return -1;
    }
    if (strcmp(o->command, "export") == 0 &&
        ((!o->weights && !o->weights_at_runtime) || !o->output)) {
        fprintf(stderr, "nnc: error: export needs the trained weights and a name: nnc export "
                        "%s --weights DIR/weights -o NAME\n", o->input);
        return -1;
    }
    if (o->explain_kernels && strcmp(o->command, "check") != 0) {
        fprintf(stderr, "nnc: error: --explain-kernels is an option of 'check', not of '%s'\n",
                o->command);
        return -1;
    }
    return 0;
}

/* Write the C for ir to path, replaced whole as the runtime replaces its
 * files (fileio.c), so an interrupted run never leaves half a file there. */
static int write_c(const Ir *ir, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "nnc: error: out of memory for the C of '%s'\n", path);
        return -1;
    }
    emit_c(mem, ir);
    int rc = 0;
    nnrt_error err;
    if (fclose(mem) != 0) {
        fprintf(stderr, "nnc: error: out of memory for the C of '%s'\n", path);
        rc = -1;
    } else if (nnrt_afile_save(path, text, len, &err) != 0) {
        fprintf(stderr, "nnc: error: %s\n", err.msg);
        rc = -1;
    }
    free(text);
    return rc;
}

/* An output written over a file nnc read (the .nn file, a model its init=
 * names, a curve being plotted) would destroy it: refused.  what says how
 * the command line named the output, input what nnc read the file as. */
static int refuse_input(const char *path, const char *what, const char *input)
{
    if (!inputs_contain(path))
        return 0;
    fprintf(stderr, "nnc: error: %s '%s' is %s; writing there would destroy it: choose "
                    "another output name\n", what, path, input);
    return -1;
}

static const char MODEL_INPUT[] = "a .nn file this model is read from";

/* Where libnnrt.a and nnrt.h are: beside nnc in a build tree
 * (build/libnnrt.a, build/include/nnrt.h), or in ../lib and ../include
 * when installed. */
static void find_runtime(char *lib, char *inc, size_t len, const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *dir = dirname(exe);
    struct stat st;
    snprintf(lib, len, "%s/libnnrt.a", dir);
    if (stat(lib, &st) == 0) {
        snprintf(lib, len, "%s/%s", dir, name);
        snprintf(inc, len, "%s/include", dir);
        return;
    }
    snprintf(lib, len, "%s/../lib/%s", dir, name);
    snprintf(inc, len, "%s/../include", dir);
}

/* The runtime a trainer links with: libnnrt.a, or libnnrt_mpi.a for
 * --mpi (dist_mpi.c in place of dist_none.c), whose OpenMPI must have
 * been there when nnc was built.  0, or -1 after saying what is missing. */
static int runtime_for(int mpi, char *lib, char *inc, size_t len)
{
    find_runtime(lib, inc, len, mpi ? "libnnrt_mpi.a" : "libnnrt.a");
    struct stat st;
    if (mpi && (!mpi_libs || stat(lib, &st) != 0)) {
        fprintf(stderr, "nnc: error: --mpi: this nnc was built without OpenMPI (no %s); "
                        "install it (apt-get install libopenmpi-dev openmpi-bin), then build "
                        "nnc again (make clean; make)\n", lib);
        return -1;
    }
    return 0;
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

enum { MAX_ARGS = 256 };

/* Start the C compiler on argv[0..n), after printing the command with -v;
 * its pid, or -1 after saying why not. */
static pid_t spawn_cc(char **argv, int n, int verbose)
{
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
        return -1;
    }
    return pid;
}

/* Whether the compiler run pid (-1: never started) exited with 0 */
static int cc_succeeded(pid_t pid)
{
    int status;
    if (pid < 0)
        return 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The C compiler for trainers, and its optimization flags */
static const char *trainer_cc(void)
{
    return getenv("CC") && *getenv("CC") ? getenv("CC") : NNC_CC;
}

static const char *trainer_opt(void)
{
    return getenv("NNC_CFLAGS") ? getenv("NNC_CFLAGS") : NNC_TRAINER_CFLAGS;
}

/* argv[0..n) of `cc FLAGS [extra] -I... -c c_file -o obj`; returns n */
static int object_args(Arena *a, char **argv, const char *extra, const char *c_file,
                       const char *obj, const char *inc)
{
    int n = split_words(a, trainer_cc(), argv, 0, MAX_ARGS);
    n = split_words(a, "-std=c11 -Wall -Wextra -Werror", argv, n, MAX_ARGS);
    n = split_words(a, trainer_opt(), argv, n, MAX_ARGS);
    n = split_words(a, NNC_PKG_CFLAGS, argv, n, MAX_ARGS);
    if (extra)
        argv[n++] = (char *)extra;
    argv[n++] = (char *)inc;
    argv[n++] = "-c";
    argv[n++] = (char *)c_file;
    argv[n++] = "-o";
    argv[n++] = (char *)obj;
    return n;
}

/* argv[0..n) of `cc OPT obj twin_obj -o exe libnnrt.a LIBS [MPI_LIBS]`
 * (OPT: a sanitizer build's flags link the sanitizers' runtime); returns n */
static int link_args(Arena *a, char **argv, const char *obj, const char *twin_obj,
                     const char *exe, const char *lib, int mpi)
{
    int n = split_words(a, trainer_cc(), argv, 0, MAX_ARGS);
    n = split_words(a, trainer_opt(), argv, n, MAX_ARGS);
    argv[n++] = (char *)obj;
    argv[n++] = (char *)twin_obj;
    argv[n++] = "-o";
    argv[n++] = (char *)exe;
    argv[n++] = (char *)lib;
    n = split_words(a, NNC_PKG_LIBS, argv, n, MAX_ARGS);
    if (mpi)
        n = split_words(a, mpi_libs, argv, n, MAX_ARGS);
    return n;
}

/* A fresh private folder beside exe, DIR/.NAME.XXXXXX (mkdtemp: mode 0700,
 * and nothing planted there beforehand), or NULL after saying why. */
static char *private_folder(Arena *a, const char *exe)
{
    char *copy = arena_printf(a, "%s", exe);
    const char *base = strrchr(exe, '/');
    char *slash = strrchr(copy, '/');
    if (slash)
        *slash = '\0';
    char *folder = arena_printf(a, "%s/.%s.XXXXXX", slash ? copy : ".", base ? base + 1 : exe);
    if (!mkdtemp(folder)) {
        fprintf(stderr, "nnc: error: cannot make a folder beside '%s' to build in: %s\n", exe,
                strerror(errno));
        return NULL;
    }
    return folder;
}

/* The trainer: c_file compiled as itself (float) and as its double twin
 * for gradcheck (-DNNRT_DOUBLE; see nnrt.h), the two at once, then linked
 * together with the runtime.  As every file nnc writes (fileio.h), exe is
 * replaced whole and never written through: the objects and the linked
 * trainer are made in a private folder beside it, and the trainer renamed
 * over exe (a symbolic link there is replaced, not followed: neither the
 * assembler nor the linker would know not to write through one). */
static int compile_c(Arena *a, const char *c_file, const char *exe, int verbose, int mpi)
{
    char lib[PATH_MAX], inc[PATH_MAX + 2];
    char incdir[PATH_MAX];
    if (runtime_for(mpi, lib, incdir, sizeof incdir) != 0)
        return 1;
    snprintf(inc, sizeof inc, "-I%s", incdir);
    char *folder = private_folder(a, exe);
    if (!folder)
        return 1;
    const char *obj = arena_printf(a, "%s/trainer.o", folder);
    const char *twin_obj = arena_printf(a, "%s/twin.o", folder);
    const char *linked = arena_printf(a, "%s/trainer", folder);

    char *argv[MAX_ARGS + 8];
    int n = object_args(a, argv, NULL, c_file, obj, inc);
    pid_t trainer = spawn_cc(argv, n, verbose);
    n = object_args(a, argv, "-DNNRT_DOUBLE", c_file, twin_obj, inc);
    pid_t twin = spawn_cc(argv, n, verbose);
    int ok = cc_succeeded(trainer);
    ok &= cc_succeeded(twin);
    if (ok) {
        n = link_args(a, argv, obj, twin_obj, linked, lib, mpi);
        ok = cc_succeeded(spawn_cc(argv, n, verbose));
    }
    int renamed = ok && rename(linked, exe) == 0;
    int rename_errno = errno;
    remove(obj);
    remove(twin_obj);
    remove(linked);
    rmdir(folder);
    if (!ok) {
        fprintf(stderr, "nnc: error: the C compiler failed on %s; this is a bug in nnc, "
                        "please report it with the .nn file\n", c_file);
        return 2;
    }
    if (!renamed) {
        fprintf(stderr, "nnc: error: cannot put the trainer at '%s': %s\n", exe,
                strerror(rename_errno));
        return 1;
    }
    if (verbose)
        fprintf(stderr, "mv %s %s\n", linked, exe);
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
    warn_missing_data(&d, m);
    if (strcmp(o->command, "check") == 0) {
        print_summary(stdout, m, ir);
        if (o->explain_kernels)
            print_kernel_reasons(stdout, ir);
        return 0;
    }
    if (strcmp(o->command, "export") == 0) {
        m->shown_path = o->input;   /* as given: the export is not diffed like the trainer */
        return export_model(a, m, o->weights, o->output, o->weights_at_runtime);
    }
    if (strcmp(o->command, "emit") == 0) {
        m->shown_path = source_shown_path(a, o->input, o->output);
        if (!o->output) {
            emit_c(stdout, ir);
            return 0;
        }
        if (refuse_input(o->output, "-o", MODEL_INPUT) != 0)
            return 1;
        return write_c(ir, o->output) == 0 ? 0 : 1;
    }
    const char *exe = o->output ? o->output : default_output(a, o->input);
    struct stat st;
    if (stat(exe, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "nnc: error: '%s' is a folder; -o names the trainer to write\n", exe);
        return 1;
    }
    /* a trainer is renamed into place, which would turn a device node into
     * a regular file (fileio.h writes those in place; a program cannot be) */
    if (stat(exe, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "nnc: error: '%s' exists and is not a regular file; -o names the "
                        "trainer to write\n", exe);
        return 1;
    }
    char *c_file = arena_printf(a, "%s.c", exe);
    m->shown_path = source_shown_path(a, o->input, c_file);
    if (refuse_input(exe, o->output ? "-o" : "the trainer", MODEL_INPUT) != 0 ||
        refuse_input(c_file, "the trainer's C file", MODEL_INPUT) != 0)
        return 1;
    if (write_c(ir, c_file) != 0)
        return 1;
    return compile_c(a, c_file, exe, o->verbose, o->mpi);
}

/* ---- nnc plot ------------------------------------------------------------ */

/* A run as given: a folder holding curve.csv, or the curve.csv itself.
 * The file to read into *path, the folder's name (what the legend calls
 * the run) into *name. */
static int locate_run(Arena *a, const char *arg, const char **path, char **name)
{
    char *dir = arena_strndup(a, arg, strlen(arg));
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "nnc: error: %s: %s\n", dir,
                errno == ENOENT ? "no such folder" : strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        *path = arena_printf(a, "%s/curve.csv", dir);
    } else {
        *path = arena_strndup(a, dir, len);
        char *slash = strrchr(dir, '/');
        if (slash && slash > dir)
            *slash = '\0';
        else
            dir = slash ? "/" : ".";
    }
    char cwd[PATH_MAX];
    if (strcmp(dir, ".") == 0 && getcwd(cwd, sizeof cwd))
        dir = arena_strndup(a, cwd, strlen(cwd));
    char *base = strrchr(dir, '/');
    *name = base && base[1] ? base + 1 : dir;
    inputs_note(*path);   /* -o must not name it */
    return 0;
}

/* Two runs from folders of one name (a/run, b/run) are told apart by the
 * paths as given. */
static void distinct_names(nnrt_curve *runs, char **args, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j && strcmp(runs[i].name, runs[j].name) == 0) {
                for (int k = 0; k < n; k++)
                    runs[k].name = args[k];
                return;
            }
}

/* "tiny vs large", or "3 runs" when that would be long */
static const char *default_title(Arena *a, const nnrt_curve *runs, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(runs[i].name) + 4;
    if (len > 80)
        return arena_printf(a, "%d runs", n);
    char *title = arena_printf(a, "%s", runs[0].name);
    for (int i = 1; i < n; i++)
        title = arena_printf(a, "%s vs %s", title, runs[i].name);
    return title;
}

static int plot_runs(Arena *a, char **args, int n, const char *output, const char *title)
{
    nnrt_curve *runs = arena_alloc(a, (size_t)n * sizeof *runs);
    int status = 0, n_read = 0;
    for (; n_read < n && status == 0; n_read++) {
        const char *path;
        char *name = NULL;
        nnrt_error err;
        if (locate_run(a, args[n_read], &path, &name) != 0) {
            status = 1;
        } else if (nnrt_curve_read(path, &runs[n_read], &err) != 0) {
            fprintf(stderr, "nnc: error: %s\n", err.msg);
            status = 1;
        }
        runs[n_read].name = name;
    }
    if (status == 0 && output && refuse_input(output, "-o", "a curve being drawn") != 0)
        status = 1;
    if (status == 0) {
        distinct_names(runs, args, n);
        if (!title)
            title = default_title(a, runs, n);
        nnrt_error err;
        int rc = output ? nnrt_plot_write(output, title, runs, n, &err)
                        : nnrt_plot_svg(stdout, title, runs, n, &err);
        if (rc != 0) {
            fprintf(stderr, "nnc: error: %s\n", err.msg);
            status = 1;
        } else if (output) {
            printf("wrote %s: %d run%s\n", output, n, n == 1 ? "" : "s");
        }
    }
    for (int i = 0; i < n_read; i++)
        nnrt_curve_free(&runs[i]);
    return status;
}

/* The arguments of plot and report (argv[0] the command): run folders
 * into args (n of them), -o and --title; 0, or 1 after saying what is
 * wrong, with example the usage to show when no folder is given */
static int runs_arguments(int argc, char **argv, char **args, int *n, const char **output,
                          const char **title, const char *example)
{
    *n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **value = strcmp(arg, "-o") == 0        ? output
                             : strcmp(arg, "--title") == 0 ? title
                                                           : NULL;
        if (value && i + 1 < argc) {
            *value = argv[++i];
        } else if (value) {
            fprintf(stderr, "nnc: error: %s needs a value\n", arg);
            return 1;
        } else if (strncmp(arg, "--title=", 8) == 0) {
            *title = arg + 8;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "nnc: error: %s: unknown option '%s'\n", argv[0], arg);
            return 1;
        } else {
            args[(*n)++] = argv[i];
        }
    }
    if (*n == 0) {
        fprintf(stderr, "nnc: error: '%s' needs one or more run folders%s\n", argv[0], example);
        return 1;
    }
    return 0;
}

/* nnc plot RUN_DIR... [-o OUT.svg] [--title TEXT]; argv[0] is "plot". */
static int plot_command(int argc, char **argv)
{
    Arena arena = { 0 };
    char **args = arena_alloc(&arena, (size_t)argc * sizeof *args);
    const char *output = NULL, *title = NULL;
    int n;
    int status = runs_arguments(argc, argv, args, &n, &output, &title,
                                " (each with a curve.csv), e.g. nnc plot runs/a runs/b -o "
                                "compare.svg");
    if (status == 0)
        status = plot_runs(&arena, args, n, output, title);
    arena_free(&arena);
    return status;
}

/* ---- nnc report ---------------------------------------------------------- */

/* A run folder as given, without trailing slashes, and its name (the
 * folder's, or the current folder's for "."); -1 after saying why when it
 * is no folder */
static int run_folder(Arena *a, const char *arg, const char **dir, const char **name)
{
    char *d = arena_strndup(a, arg, strlen(arg));
    size_t len = strlen(d);
    while (len > 1 && d[len - 1] == '/')
        d[--len] = '\0';
    struct stat st;
    if (stat(d, &st) != 0) {
        fprintf(stderr, "nnc: error: %s: %s\n", d,
                errno == ENOENT ? "no such folder" : strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "nnc: error: %s: not a folder: give a run's folder (train's --out "
                        "DIR)\n", d);
        return -1;
    }
    *dir = d;
    char cwd[PATH_MAX];
    const char *full = strcmp(d, ".") == 0 && getcwd(cwd, sizeof cwd) ? cwd : d;
    const char *base = strrchr(full, '/');
    const char *last = base && base[1] ? base + 1 : full;
    *name = arena_strndup(a, last, strlen(last));
    /* -o must not name a file of a run */
    static const char *const FILES[] = { "curve.csv", "report.html", "settings.txt", "test.csv" };
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++)
        inputs_note(arena_printf(a, "%s/%s", d, FILES[i]));
    return 0;
}

/* A link from the page at output to the run's own page, if it has one:
 * the path as given when the page is written in the current folder (or
 * to stdout), else the absolute path */
static const char *run_href(Arena *a, const char *dir, const char *output)
{
    const char *page = arena_printf(a, "%s/report.html", dir);
    char cwd[PATH_MAX];
    if (access(page, F_OK) != 0)
        return NULL;
    if (!output || !strchr(output, '/') || dir[0] == '/')
        return page;
    return getcwd(cwd, sizeof cwd) ? arena_printf(a, "%s/%s", cwd, page) : NULL;
}

/* What the .nn file a run was built from says of its layers (run_model.c) */
static void run_extras(Arena *a, nnrt_compare_run *run)
{
    char *source = nnrt_run_setting(run->dir, "source");
    char *hash = nnrt_run_setting(run->dir, "model_hash");
    nnrt_setting *kv;
    run_model_layers(a, source, hash, &kv, &run->n_extra);
    run->extra = kv;
    free(source);
    free(hash);
}

static int report_runs(Arena *a, char **args, int n, const char *output, const char *title)
{
    nnrt_compare_run *runs = arena_alloc(a, (size_t)n * sizeof *runs);
    for (int i = 0; i < n; i++) {
        memset(&runs[i], 0, sizeof runs[i]);
        if (run_folder(a, args[i], &runs[i].dir, &runs[i].name) != 0)
            return 1;
    }
    /* two folders of one name (a/run, b/run) are told apart by the paths as given */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(runs[i].name, runs[j].name) == 0)
                for (int k = 0; k < n; k++)
                    runs[k].name = runs[k].dir;
    if (output && refuse_input(output, "-o", "a file of a run being compared") != 0)
        return 1;
    for (int i = 0; i < n; i++) {
        runs[i].href = run_href(a, runs[i].dir, output);
        run_extras(a, &runs[i]);
    }
    if (!title) {
        const char *t = runs[0].name;
        for (int i = 1; i < n && t; i++)
            t = strlen(t) + strlen(runs[i].name) < 80 ? arena_printf(a, "%s vs %s", t, runs[i].name)
                                                       : NULL;
        title = t ? t : arena_printf(a, "%d runs", n);
    }
    nnrt_error err;
    if (nnrt_compare_write(output, title, runs, n, &err) != 0) {
        fprintf(stderr, "nnc: error: %s\n", err.msg);
        return 1;
    }
    if (output)
        printf("wrote %s: %d run%s\n", output, n, n == 1 ? "" : "s");
    return 0;
}

/* nnc report RUN_DIR... [-o OUT.html] [--title TEXT]; argv[0] is "report". */
static int report_command(int argc, char **argv)
{
    Arena arena = { 0 };
    char **args = arena_alloc(&arena, (size_t)argc * sizeof *args);
    const char *output = NULL, *title = NULL;
    int n;
    int status = runs_arguments(argc, argv, args, &n, &output, &title,
                                ", e.g. nnc report runs/a runs/b -o compare.html");
    if (status == 0)
        status = report_runs(&arena, args, n, output, title);
    arena_free(&arena);
    return status;
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
    if (argc > 1 && strcmp(argv[1], "plot") == 0)
        return plot_command(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_command(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "diff") == 0)
        return diff_command(argc - 1, argv + 1);
    Options o = { 0 };
    if (parse_options(argc, argv, &o) != 0)
        return 1;
    Arena arena = { 0 };
    int status = run(&arena, &o);
    arena_free(&arena);
    return status;
}
