/* big_alloc.c: the runtime's large buffers that are used whole (a decoded
 * data file, the optimizer's state) in the machine's huge pages.
 *
 * The first touch of each 4 KiB page costs a fault, and on a virtual
 * machine a dear one: the development machine took 0.13 s to fault in
 * the 47 MB of Fashion-MNIST's training images page by page, and 0.006 s
 * in 2 MiB pages, most of a trainer's start-up.  Linux backs a region
 * with huge pages when asked (MADV_HUGEPAGE, for transparent huge pages
 * set to "madvise", Debian's default) and when the region is aligned to
 * them; a smaller buffer, or a kernel that will not, gets ordinary pages,
 * and nothing else changes.  Only for buffers that are used whole: the
 * replicas, much of whose scratch a model may never touch, come from
 * calloc (nnrt_calloc_lines), whose untouched pages cost nothing (zeroed
 * here, in huge pages, they took fashion_cnn's peak from 216 MB to 283
 * MB).  Every buffer here starts on a cache line (nnrt.h: NNRT_ALIGNED). */
#define _DEFAULT_SOURCE   /* madvise's MADV_HUGEPAGE is not POSIX */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nnrt_internal.h"

enum { HUGE_PAGE = 2 << 20 };

void *nnrt_big_alloc(size_t n)
{
    void *p;
    if (n < HUGE_PAGE)
        return posix_memalign(&p, NNRT_LINE, n ? n : 1) == 0 ? p : NULL;
    if (posix_memalign(&p, HUGE_PAGE, n) != 0)
        return NULL;
    madvise(p, n / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);   /* advice: failing is fine */
    return p;
}

void *nnrt_big_calloc(size_t count, size_t size)
{
    if (size != 0 && count > (size_t)-1 / size)
        return NULL;
    void *p = nnrt_big_alloc(count * size);
    return p ? memset(p, 0, count * size) : NULL;
}

/* The first size bytes of the file fd, read (not mapped: a file cut short
 * while mapped would kill the trainer with SIGBUS) into nnrt_big_alloc
 * memory; NULL if they cannot all be read */
uint8_t *nnrt_big_read(int fd, size_t size)
{
    uint8_t *in = nnrt_big_alloc(size);
    size_t done = 0;
    while (in && done < size) {
        ssize_t k = pread(fd, in + done, size - done, (off_t)done);
        if (k <= 0) {
            free(in);
            return NULL;
        }
        done += (size_t)k;
    }
    return in;
}

/* From calloc, so that the pages never touched cost nothing, and moved
 * up to a line; the address calloc gave is kept just before it, for
 * nnrt_free_lines */
void *nnrt_calloc_lines(size_t size)
{
    if (size > (size_t)-1 - NNRT_LINE - sizeof(void *))
        return NULL;
    char *raw = calloc(1, size + NNRT_LINE + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t at = ((uintptr_t)raw + sizeof(void *) + NNRT_LINE - 1) / NNRT_LINE * NNRT_LINE;
    char *p = (char *)at;
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    return p;
}

void nnrt_free_lines(void *p)
{
    if (!p)
        return;
    void *raw;
    memcpy(&raw, (char *)p - sizeof(void *), sizeof raw);
    free(raw);
}
