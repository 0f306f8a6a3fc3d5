/* test_cpu.c: what a trainer sets up about the CPU before it trains:
 * denormals flushed to zero (fpu.c), and OpenBLAS's kernels checked
 * against the CPU's, with the re-exec that fixes a wrong pick
 * (blas_core.c).  Files go under $NNC_TMP/cpu. */
#include <fcntl.h>
#include <sys/wait.h>

#define SUITE_DIR "cpu"
#include "nnrt_internal.h"
#include "trainer_util.h"

START_TEST(denormals_are_flushed_to_zero)
{
    volatile float tiny = 1e-30f, scale = 1e-10f;
    ck_assert_float_ne(tiny * scale, 0.0f);   /* 1e-40: a denormal, by default */
    nnrt_flush_denormals();
    ck_assert_float_eq(tiny * scale, 0.0f);
}
END_TEST

/* ---- the OpenBLAS core check ----------------------------------------------- */

START_TEST(blas_core_fix_only_upgrades_known_cores)
{
    ck_assert_str_eq(nnrt_blas_core_fix("Prescott", "SkylakeX"), "SkylakeX");
    ck_assert_str_eq(nnrt_blas_core_fix("PRESCOTT", "Haswell"), "Haswell");
    ck_assert_str_eq(nnrt_blas_core_fix("Haswell", "SkylakeX"), "SkylakeX");
    ck_assert_str_eq(nnrt_blas_core_fix("Sandybridge", "Haswell"), "Haswell");
    ck_assert_ptr_null(nnrt_blas_core_fix("skylakex", "SkylakeX"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Cooperlake", "SkylakeX"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Zen", "Haswell"));
    ck_assert_ptr_null(nnrt_blas_core_fix("SkylakeX", "Haswell"));
    ck_assert_ptr_null(nnrt_blas_core_fix("Neoverse9", "SkylakeX"));   /* unknown: left alone */
    ck_assert_ptr_null(nnrt_blas_core_fix("Prescott", NULL));
}
END_TEST

static const char *self_exe;

/* Run nnrt_blas_core_apply in a child whose OpenBLAS "chose" Prescott; the
 * re-exec'ed test binary reports (see main) what it was started with. */
START_TEST(blas_core_reexecs_once_with_the_core_set)
{
    char log[1100];
    path_in(log, sizeof log, "reexec.txt");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        unsetenv("OPENBLAS_CORETYPE");
        char *argv[] = { (char *)self_exe, (char *)"reexec-probe", NULL };
        nnrt_blas_core_apply("tiny", argv, "Prescott", "Haswell");
        printf("not re-executed\n");
        fflush(stdout);
        _exit(3);
    }
    int status;
    waitpid(pid, &status, 0);
    char *text = slurp_len(log, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", text);
    ck_assert_str_eq(text, "tiny: OpenBLAS picked its 'Prescott' kernels but this CPU runs "
                           "'Haswell' ones; restarting with OPENBLAS_CORETYPE=Haswell\n"
                           "probe: OPENBLAS_CORETYPE=Haswell, still running\n");
    free(text);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "reexec-probe") == 0) {
        /* started by blas_core_reexecs_once_with_the_core_set: say how, and
         * show that a second check does not exec again */
        const char *core = getenv("OPENBLAS_CORETYPE");
        if (getenv("NNRT_TEST_PROBED")) {
            printf("probe: started twice: the re-exec loops\n");
            return 4;
        }
        setenv("NNRT_TEST_PROBED", "1", 1);
        nnrt_blas_core_apply("tiny", argv, "Prescott", "Haswell");
        printf("probe: OPENBLAS_CORETYPE=%s, still running\n", core ? core : "(unset)");
        return 0;
    }
    self_exe = argv[0];
    /* nnrt_main checks OpenBLAS's core and may re-exec; the runs below must
     * stay in this process, so the core it has is declared the chosen one */
    keep_blas_core();

    Suite *s = suite_create("cpu");
    TCase *cpu = tcase_create("cpu");
    tcase_add_test(cpu, denormals_are_flushed_to_zero);
    tcase_add_test(cpu, blas_core_fix_only_upgrades_known_cores);
    tcase_add_test(cpu, blas_core_reexecs_once_with_the_core_set);
    suite_add_tcase(s, cpu);
    return run_suite(s);
}
