/* trainer_util.h: building trainers with nnc and running them, for the
 * suites that test generated code end to end, and nnrt_main run in the
 * test's own process on a model written by hand. */
#ifndef TRAINER_UTIL_H
#define TRAINER_UTIL_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "nnrt.h"
#include "suite.h"

static inline const char *nnc_bin(void)
{
    const char *b = getenv("NNC_BIN");
    return b && *b ? b : "build/nnc";
}

/* Build the trainer for .nn file nn_path into exe; fails the test with
 * nnc's output if that does not work. */
static inline void build_trainer(const char *nn_path, const char *exe)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s build %s -o %s", nnc_bin(), nn_path, exe);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s failed (%d):\n%s", cmd, status, out);
    free(out);
}

/* Write an unsigned-byte IDX file: dims[0] items of dims[1..] bytes. */
static inline void write_idx(const char *path, const uint8_t *data, int ndims, const int *dims)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint8_t head[4] = { 0, 0, 0x08, (uint8_t)ndims };
    fwrite(head, 1, 4, f);
    size_t total = 1;
    for (int i = 0; i < ndims; i++) {
        uint8_t be[4] = { (uint8_t)(dims[i] >> 24), (uint8_t)(dims[i] >> 16),
                          (uint8_t)(dims[i] >> 8), (uint8_t)dims[i] };
        fwrite(be, 1, 4, f);
        total *= (size_t)dims[i];
    }
    fwrite(data, 1, total, f);
    fclose(f);
}

/* ---- small images for gradient checks ---------------------------------- */

enum { OP_SAMPLES = 64, OP_SIDE = 8, OP_CLASSES = 3 };

/* Under tmp_dir()/DIR: OP_SAMPLES 8x8 images with labels 0..2
 * (labels.idx), as random pixels everywhere (images.idx) and as a random
 * box of pixels from 1 to 255 on a background of exact zeros, the way
 * Fashion-MNIST's clothes lie on black (background.idx). */
static inline void write_op_images(const char *dir)
{
    uint8_t pixels[OP_SAMPLES * OP_SIDE * OP_SIDE], boxed[sizeof pixels], labels[OP_SAMPLES];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof pixels; i++) {
        s = s * 1664525u + 1013904223u;
        pixels[i] = (uint8_t)(s >> 24);
    }
    for (int n = 0; n < OP_SAMPLES; n++) {
        const uint8_t *r = &pixels[n * OP_SIDE * OP_SIDE];   /* its box from its own pixels */
        int top = r[0] % 3, left = r[1] % 3, h = 3 + r[2] % 4, w = 3 + r[3] % 4;
        for (int y = 0; y < OP_SIDE; y++)
            for (int x = 0; x < OP_SIDE; x++) {
                int inside = y >= top && y < top + h && x >= left && x < left + w;
                boxed[(n * OP_SIDE + y) * OP_SIDE + x] =
                    inside ? (uint8_t)(1 + r[y * OP_SIDE + x] % 255) : 0;
            }
        labels[n] = (uint8_t)(n % OP_CLASSES);
    }
    char path[512];
    int idims[3] = { OP_SAMPLES, OP_SIDE, OP_SIDE }, ldims[1] = { OP_SAMPLES };
    make_dir("%s/%s", tmp_dir(), dir);
    snprintf(path, sizeof path, "%s/%s/images.idx", tmp_dir(), dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/%s/background.idx", tmp_dir(), dir);
    write_idx(path, boxed, 3, idims);
    snprintf(path, sizeof path, "%s/%s/labels.idx", tmp_dir(), dir);
    write_idx(path, labels, 1, ldims);
}

/* ---- reading what a trainer wrote ------------------------------------- */

/* How many temporaries of path's are left beside it: .NAME.XXXXXX (any
 * six characters: how fileio.c names them) or NAME.tmp (how it once did). */
static inline int temporaries_left(const char *path)
{
    char dir[1024], dotted[1200], tmp[1200];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    snprintf(dotted, sizeof dotted, ".%s.", name);
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot read the folder %s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += (strncmp(e->d_name, dotted, strlen(dotted)) == 0 &&
              strlen(e->d_name) == strlen(dotted) + 6) ||
             strcmp(e->d_name, tmp) == 0;
    closedir(d);
    return n;
}

/* not inlined: gcc 12 then mistakes the output for a dangling stack pointer */
__attribute__((noinline, unused)) static double test_accuracy(const char *output)
{
    const char *t = strstr(output, "test: loss ");
    ck_assert_msg(t != NULL, "no 'test:' line in:\n%s", output);
    double loss, acc;
    ck_assert_int_eq(sscanf(t, "test: loss %lf accuracy %lf", &loss, &acc), 2);
    return acc;
}

/* ---- trainers in the background (test_resume.c, test_signals.c) ------- */

/* Whether files a and b hold the same bytes (both must be there). */
static inline int same_file_bytes(const char *a, const char *b)
{
    size_t na = file_size(a), nb = file_size(b);
    char *x = slurp(a), *y = slurp(b);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static inline double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void sleep_seconds(double seconds)
{
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    nanosleep(&ts, NULL);
}

/* Start argv (argv[0] the program, NULL-terminated) with stdout and
 * stderr into the file log; its pid. */
static inline pid_t spawn_logged(char *const argv[], const char *log)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(126);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Whether Debian's dataset-fashion-mnist is installed. */
#define FASHION "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
static inline int have_fashion(void)
{
    struct stat st;
    return stat(FASHION, &st) == 0;
}

/* ---- nnrt_main in this process, its output caught ---------------------- */

/* nnrt_main checks OpenBLAS's core and may re-exec the program; a suite
 * that calls it must stay in its own process, so the core it has is
 * declared the chosen one.  First thing in main. */
static inline void keep_blas_core(void)
{
    setenv("OPENBLAS_CORETYPE", openblas_get_corename(), 1);
}

/* What nnrt_main returned and printed: out and err malloc'ed. */
typedef struct result {
    int status;
    char *out, *err;
} result;

/* nnrt_main(m, argc, argv) with stdout and stderr going to files in dir
 * (files, not pipes: a run that prints much cannot stall on a full pipe),
 * read back and removed. */
static inline result run_main_captured(const nnrt_model *m, int argc, char **argv,
                                       const char *dir)
{
    char out_path[1100], err_path[1100];
    snprintf(out_path, sizeof out_path, "%s/stdout.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    ck_assert(saved_out >= 0 && saved_err >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    close(fo);
    close(fe);
    int status = nnrt_main(m, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    result r = { status, slurp(out_path), slurp(err_path) };
    unlink(out_path);
    unlink(err_path);
    return r;
}

static inline void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* A weights file's or checkpoint's tensor name from, renamed to as in
 * place: its u32 length and its bytes replaced, the rest moved up or down
 * (*bytes reallocated).  How the tests make the files of versions 1 and 2,
 * which named layers by kind and position, from today's.  The first
 * match only; returns the new length. */
static inline size_t rename_tensor(unsigned char **bytes, size_t len, const char *from,
                                   const char *to)
{
    size_t n_from = strlen(from), n_to = strlen(to), at = 0;
    unsigned char want[4 + 256];
    ck_assert(n_from < 256 && n_to < 256);
    for (int i = 0; i < 4; i++)
        want[i] = (unsigned char)(n_from >> 8 * i);
    memcpy(want + 4, from, n_from);
    while (at + 4 + n_from <= len && memcmp(*bytes + at, want, 4 + n_from) != 0)
        at++;
    ck_assert_msg(at + 4 + n_from <= len, "no tensor %s to rename", from);
    size_t new_len = len - n_from + n_to;
    if (new_len > len) {
        *bytes = realloc(*bytes, new_len);
        ck_assert_ptr_nonnull(*bytes);
    }
    unsigned char *b = *bytes;
    memmove(b + at + 4 + n_to, b + at + 4 + n_from, len - at - 4 - n_from);
    for (int i = 0; i < 4; i++)
        b[at + (size_t)i] = (unsigned char)(n_to >> 8 * i);
    memcpy(b + at + 4, to, n_to);
    return new_len;
}

#endif
