/* trainer_util.h: building trainers with nnc and running them, for the
 * suites that test generated code end to end. */
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

#include "suite.h"

static inline const char *tmp_dir(void)
{
    const char *t = getenv("NNC_TMP");
    return t && *t ? t : "build/tmp";
}

static inline const char *nnc_bin(void)
{
    const char *b = getenv("NNC_BIN");
    return b && *b ? b : "build/nnc";
}

static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Run a shell command; its stdout and stderr together, malloc'ed, in *out
 * (if out is not NULL).  Returns the exit status. */
static inline int run_cmd(const char *cmd, char **out)
{
    char full[4096];
    snprintf(full, sizeof full, "(%s) 2>&1", cmd);
    FILE *p = popen(full, "r");
    ck_assert_ptr_nonnull(p);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    int status = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
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
    snprintf(path, sizeof path, "mkdir -p %s/%s", tmp_dir(), dir);
    ck_assert_int_eq(system(path), 0);
    snprintf(path, sizeof path, "%s/%s/images.idx", tmp_dir(), dir);
    write_idx(path, pixels, 3, idims);
    snprintf(path, sizeof path, "%s/%s/background.idx", tmp_dir(), dir);
    write_idx(path, boxed, 3, idims);
    snprintf(path, sizeof path, "%s/%s/labels.idx", tmp_dir(), dir);
    write_idx(path, labels, 1, ldims);
}

/* ---- reading what a trainer wrote ------------------------------------- */

/* A whole file, malloc'ed and NUL-terminated. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    fclose(f);
    return buf;
}

static inline size_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

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

static inline int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

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
