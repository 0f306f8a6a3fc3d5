/* error.c: the one way the runtime reports a failure a user can act on. */
#include <stdarg.h>
#include <stdio.h>

#include "nnrt_error.h"

int nnrt_fail(nnrt_error *err, const char *fmt, ...)
{
    /* err may be NULL when the caller only wants the -1 (a probe, a test) */
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);   /* truncates, never overflows */
        va_end(ap);
    }
    return -1;
}
