/* data_files.c: where data files are found, and how a series or a text
 * is cut in time and made ids: the part of reading data that nnc's
 * checker shares with the trainer (compiler/check_data.c), kept apart
 * from the loaders so that nnc links none of their libraries (zlib,
 * libdeflate, OpenBLAS through the rest of the runtime). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nnrt_internal.h"

#define SYSTEM_DATA "/usr/share/datasets"

/* dir/name into out; 0 if it fits */
static int join(char *out, size_t len, const char *dir, const char *name)
{
    return (size_t)snprintf(out, len, "%s/%s", dir, name) < len ? 0 : -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int nnrt_data_find(const char *name, char *out, size_t out_len, nnrt_data_place *place,
                   nnrt_error *err)
{
    nnrt_data_place unused;
    place = place ? place : &unused;
    if (!name || name[0] == '\0')
        return nnrt_fail(err, "empty data file name");
    *place = NNRT_DATA_AS_GIVEN;
    if (name[0] == '/') {
        if ((size_t)snprintf(out, out_len, "%s", name) >= out_len)
            return nnrt_fail(err, "%s: path too long", name);
        return 0;
    }
    /* found if it exists at all: an unreadable file is reported by the
     * loader with its real reason, not as "not found" */
    const char *env = getenv("NNC_DATA");
    char tried[2048] = "";
    if (env && env[0]) {
        *place = NNRT_DATA_NNC_DATA;
        if (join(out, out_len, env, name) != 0)
            return nnrt_fail(err, "%s/%s: path too long", env, name);
        if (exists(out))
            return 0;
        snprintf(tried, sizeof tried, "%s ($NNC_DATA) and ", out);
    }
    *place = NNRT_DATA_SYSTEM;
    if (join(out, out_len, SYSTEM_DATA, name) != 0)
        return nnrt_fail(err, "%s/%s: path too long", SYSTEM_DATA, name);
    if (exists(out))
        return 0;
    char system_path[2048];
    snprintf(system_path, sizeof system_path, "%s", out);
    /* last, the current directory: an example's data shipped in the tree */
    *place = NNRT_DATA_CURRENT_DIR;
    if ((size_t)snprintf(out, out_len, "%s", name) >= out_len)
        return nnrt_fail(err, "%s: path too long", name);
    if (exists(out))
        return 0;
    return nnrt_fail(err, "%s: not found; looked in %s%s%s and the current directory", name,
                     tried, system_path,
                     env && env[0] ? "" : env ? " ($NNC_DATA is empty)" : " ($NNC_DATA is not set)");
}

int nnrt_data_path(const char *name, char *out, size_t out_len, nnrt_error *err)
{
    return nnrt_data_find(name, out, out_len, NULL, err);
}

long nnrt_test_part(long n, double test_fraction)
{
    return lround((double)n * test_fraction);
}

int nnrt_text_ids(const unsigned char *bytes, size_t len, int id_of[256], int byte_of[256])
{
    int seen[256] = { 0 }, n = 0;
    for (size_t i = 0; i < len; i++)
        seen[bytes[i]] = 1;
    for (int b = 0; b < 256; b++) {
        id_of[b] = seen[b] ? n : -1;
        if (seen[b])
            byte_of[n++] = b;
    }
    return n;
}
