/* nnrt_error.h: how the runtime reports a failure a user can act on
 * (error.c).  Internal; not installed: generated code never sees one.
 *
 * Functions that can fail on user input return 0 on success and -1 on
 * failure, after writing a one-line message into an nnrt_error that names
 * the file and the byte offset (or line) at fault. */
#ifndef NNRT_ERROR_H
#define NNRT_ERROR_H

typedef struct nnrt_error {
    char msg[1024];
} nnrt_error;

/* printf into err->msg; always returns -1 so callers can `return nnrt_fail(...)`. */
int nnrt_fail(nnrt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
