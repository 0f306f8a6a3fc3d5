/* fuzz_frontend.c: libFuzzer target for everything nnc does to a .nn file
 * before the C compiler runs: scan, parse, check, lower, passes, emit and
 * summary.  Any input must end in diagnostics or C text, never a crash, a
 * hang or a leak.  Whether that C compiles is fuzz_compile.sh's part: it
 * builds trainers from a sample of the inputs after each run.
 *
 *   make fuzz SECONDS=300    mutate, starting from examples/ and tests/fuzz/
 *   make fuzz-check          replay tests/fuzz/ and mutate briefly (make check)
 */
#include <stdint.h>
#include <stdio.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena a = { 0 };
    /* bytes, not a string: what follows an embedded NUL reaches the
     * scanner, as it does from source_read */
    Source src;
    source_from_bytes(&a, "fuzz.nn", (const char *)data, size, &src);

    Diag d;
    diag_init(&d, &src, devnull);
    Model *m = NULL;
    Ir *ir = compile_source(&a, &src, &d, &m);
    if (ir) {
        emit_c(devnull, ir);
        print_summary(devnull, m, ir);
    }
    arena_free(&a);
    return 0;
}
