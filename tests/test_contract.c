/* test_contract.c: runtime/nnrt.h, with runtime/nnrt_kernels.h,
 * runtime/nnrt_math.h and runtime/nnrt_winograd.h the headers `make
 * install` puts in place, is the contract with generated code: the four
 * are enough to compile every generated file alone, and nnrt.h
 * declares no function that generated code does not call (the rest of the
 * runtime is internal).
 *
 * Tests:
 *   the_header_alone_compiles_every_example   float and -DNNRT_DOUBLE, for
 *                                             any x86-64 and -march=native,
 *                                             -Werror
 *   the_header_declares_only_called_functions each nnrt_f( is in an emitter
 */
#include <glob.h>

#include "test_util.h"
#include "trainer_util.h"

START_TEST(the_header_alone_compiles_every_example)
{
    char inc[512], cmd[2048], *out;
    snprintf(inc, sizeof inc, "%s/contract/include", tmp_dir());
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && mkdir -p %s && "
             "cp runtime/nnrt.h runtime/nnrt_kernels.h runtime/nnrt_math.h runtime/nnrt_winograd.h %s/",
             inc, inc, inc);
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    glob_t g;
    ck_assert_int_eq(glob("examples/*.c", 0, NULL, &g), 0);
    ck_assert_uint_gt(g.gl_pathc, 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        /* as nnc build compiles a trainer and its twin, but with only the
         * installed headers beside the file: no other header of runtime/ */
        snprintf(cmd, sizeof cmd,
                 "for twin in '' -DNNRT_DOUBLE; do for arch in '' -march=native; do "
                 "cc -std=c11 -Wall -Wextra -Werror -fsyntax-only $twin $arch -I%s "
                 "$(pkg-config --cflags openblas) %s || exit 1; done; done",
                 inc, g.gl_pathv[i]);
        int status = run_cmd(cmd, &out);
        ck_assert_msg(status == 0, "%s:\n%s", g.gl_pathv[i], out);
        free(out);
    }
    globfree(&g);
}
END_TEST

/* text without its comments, which may name anything */
static void strip_comments(char *text)
{
    for (char *p = text; (p = strstr(p, "/*"));) {
        char *end = strstr(p + 2, "*/");
        end = end ? end + 2 : p + strlen(p);
        memset(p, ' ', (size_t)(end - p));
        p = end;
    }
}

START_TEST(the_header_declares_only_called_functions)
{
    char *header = slurp("runtime/nnrt.h");
    strip_comments(header);
    char *emitters = NULL;
    size_t len = 0;
    FILE *all = open_memstream(&emitters, &len);
    glob_t g;
    ck_assert_int_eq(glob("compiler/emit*.c", 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *text = slurp(g.gl_pathv[i]);
        fputs(text, all);
        free(text);
    }
    globfree(&g);
    fclose(all);

    int n_functions = 0;
    for (char *p = header; (p = strstr(p, "nnrt_"));) {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        int called = p[n] == '(' && (p == header || p[-1] == ' ' || p[-1] == '\n');
        if (called) {
            char call[128];
            snprintf(call, sizeof call, "%.*s(", (int)n, p);
            ck_assert_msg(strstr(emitters, call) != NULL,
                          "nnrt.h declares %s but no emitter writes a call to it: "
                          "it belongs in an internal header", call);
            n_functions++;
        }
        p += n;
    }
    ck_assert_int_ge(n_functions, 2);   /* nnrt_rng_uniform and nnrt_main at least */
    free(header);
    free(emitters);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("nnrt.h");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_header_alone_compiles_every_example);
    tcase_add_test(tc, the_header_declares_only_called_functions);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
