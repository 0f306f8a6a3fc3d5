/* blas_core.c: make sure OpenBLAS runs the kernels this CPU can run.
 *
 * Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels from cpuid at load
 * time, and on some virtual machines it misreads the CPU and falls back to
 * "Prescott" (SSE3): SGEMM then runs 3-5x slower.  OpenBLAS reads
 * OPENBLAS_CORETYPE only while it loads, before main(), so the fix is to
 * set it and exec the trainer again.
 *
 * Guard against loops: the re-exec'ed process finds OPENBLAS_CORETYPE set
 * and, as for any user who set it, leaves it alone.  We only ever replace a
 * core we know to be weaker than what the CPU runs; an unknown name (a new
 * core, another architecture) is left as OpenBLAS chose it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#include "nnrt_internal.h"

const char *nnrt_cpu_core(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

/* OpenBLAS's x86 core names (driver/others/dynamic.c), by the widest
 * vector kernels they bring: 0 none of AVX2, 1 AVX2+FMA, 2 AVX-512. */
static const struct {
    const char *name;
    int tier;
} CORES[] = {
    { "Katmai", 0 },      { "Coppermine", 0 }, { "Northwood", 0 },    { "Prescott", 0 },
    { "Banias", 0 },      { "Atom", 0 },       { "Core2", 0 },        { "Penryn", 0 },
    { "Dunnington", 0 },  { "Nehalem", 0 },    { "Athlon", 0 },       { "Opteron", 0 },
    { "Opteron_SSE3", 0 }, { "Barcelona", 0 }, { "Nano", 0 },         { "Sandybridge", 0 },
    { "Bobcat", 0 },      { "Bulldozer", 0 },  { "Piledriver", 0 },   { "Steamroller", 0 },
    { "Excavator", 0 },   { "Haswell", 1 },    { "Zen", 1 },          { "SkylakeX", 2 },
    { "Cooperlake", 2 },  { "SapphireRapids", 2 },
};

static int core_tier(const char *name)
{
    for (size_t i = 0; i < sizeof CORES / sizeof CORES[0]; i++)
        if (strcasecmp(name, CORES[i].name) == 0)
            return CORES[i].tier;
    return -1;
}

const char *nnrt_blas_core_fix(const char *chosen, const char *cpu_core)
{
    if (!chosen || !cpu_core || strcasecmp(chosen, cpu_core) == 0)
        return NULL;
    int have = core_tier(chosen), can = core_tier(cpu_core);
    return have >= 0 && have < can ? cpu_core : NULL;
}

void nnrt_blas_core_check(const char *name, char **argv)
{
    nnrt_blas_core_apply(name, argv, openblas_get_corename(), nnrt_cpu_core());
}

void nnrt_blas_core_apply(const char *name, char **argv, const char *chosen, const char *cpu_core)
{
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (forced && *forced)
        return;   /* the user's choice, or ours from the exec below */
    const char *fix = nnrt_blas_core_fix(chosen, cpu_core);
    if (!fix)
        return;
    if (setenv("OPENBLAS_CORETYPE", fix, 1) != 0)
        return;
    fprintf(stderr,
            "%s: OpenBLAS picked its '%s' kernels but this CPU runs '%s' ones; "
            "restarting with OPENBLAS_CORETYPE=%s\n",
            name, chosen, fix, fix);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "%s: warning: cannot restart (%s); going on with the '%s' kernels\n", name,
            strerror(errno), chosen);
}
