/* suite.h: what every Check suite here shares: the main() it ends in, and
 * the files and commands of its fixtures.  Suites of the compiler add
 * test_util.h, suites of trainers trainer_util.h (tests/README.md). */
#ifndef SUITE_H
#define SUITE_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs every test of s, each in its own process (Check's default), and
 * turns the result into an exit status for make. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- where fixtures go ---------------------------------------------------- */

/* $NNC_TMP: make check-unit sets it to build/tmp. */
static inline const char *tmp_dir(void)
{
    const char *t = getenv("NNC_TMP");
    return t && *t ? t : "build/tmp";
}

/* The folder named by printf(fmt, ...), with its parents, made if
 * missing (mkdir -p, without a shell: any character may be in it). */
__attribute__((format(printf, 1, 2))) static inline void make_dir(const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)sizeof path);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            ck_assert_msg(mkdir(path, 0777) == 0 || errno == EEXIST, "mkdir %s: %s", path,
                          strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
}

/* The folder named by printf(fmt, ...), emptied: what an earlier run left
 * in it is gone (rm -rf without a shell, then mkdir -p). */
__attribute__((format(printf, 1, 2))) static inline void fresh_dir(const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)sizeof path);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rm -rf %s failed", path);
    make_dir("%s", path);
}

/* $NNC_TMP/name, made if missing, as an absolute path in dir (size bytes):
 * for data paths the runtime must take as they are, whatever the current
 * folder (nnrt_data_path searches for relative ones). */
static inline const char *absolute_tmp_dir(char *dir, size_t size, const char *name)
{
    char cwd[256];
    const char *tmp = tmp_dir();
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_lt(snprintf(dir, size, "%s%s%s/%s", tmp[0] == '/' ? "" : cwd,
                              tmp[0] == '/' ? "" : "/", tmp, name),
                     (int)size);
    make_dir("%s", dir);
    return dir;
}

/* A suite that defines SUITE_DIR (a folder name) before its first
 * #include gets fixture_dir(), $NNC_TMP/SUITE_DIR as an absolute path,
 * and path_in(): its fixtures never mix with another suite's. */
#ifdef SUITE_DIR
static inline const char *fixture_dir(void)
{
    static char dir[512];
    if (!dir[0])
        absolute_tmp_dir(dir, sizeof dir, SUITE_DIR);
    return dir;
}

/* fixture_dir()/name into out (len bytes) */
static inline void path_in(char *out, size_t len, const char *name)
{
    ck_assert_int_lt(snprintf(out, len, "%s/%s", fixture_dir(), name), (int)len);
}
#endif

/* ---- files, whole ---------------------------------------------------------- */

static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* path holding exactly len bytes (NULs too). */
static inline void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* A whole file, malloc'ed, with a '\0' after it; its length in *len if
 * len is not NULL.  Read to its end, so /proc files and pipes work too. */
static inline char *slurp_len(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t n_buf = 0;
    FILE *mem = open_memstream(&buf, &n_buf);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    fclose(f);
    if (len)
        *len = n_buf;
    return buf;
}

/* A whole file, malloc'ed and NUL-terminated. */
static inline char *slurp(const char *path)
{
    return slurp_len(path, NULL);
}

static inline size_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

static inline int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The little-endian 32-bit number at p: how nnc's binary files (weights,
 * checkpoints) store every count, size and value. */
static inline uint32_t get_le32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void put_le32(void *p, uint32_t x)
{
    unsigned char *b = p;
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> 8 * i);
}

/* ---- commands -------------------------------------------------------------- */


/* stderr goes to /dev/null until stderr_restore(the returned fd): for a
 * loop whose every turn makes the library print the same note. */
static inline int stderr_silence(void)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    ck_assert(saved >= 0 && null >= 0);
    dup2(null, STDERR_FILENO);
    close(null);
    return saved;
}

/* text repeated n times; malloc'ed */
static inline char *repeat(const char *text, size_t n)
{
    size_t len = strlen(text);
    char *s = malloc(len * n + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, text, len);
    s[len * n] = '\0';
    return s;
}

/* Where needle (n bytes) first is in bytes, or NULL */
static inline char *find_bytes(char *bytes, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, needle, n) == 0)
            return bytes + i;
    return NULL;
}

static inline void stderr_restore(int saved)
{
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
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

/* ---- numbers ----------------------------------------------------------------- */

/* A uniform draw in [0, 1) from the generator state *s (a 32-bit LCG):
 * the same sequence on every machine, for delays and made-up data. */
static inline double lcg_uniform(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (double)(*s >> 8) / 16777216.0;
}

#endif
