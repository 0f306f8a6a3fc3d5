/* test_idx.c: the runtime's data layer: IDX files (plain and gzipped) and
 * their exact error messages, data file lookup, datasets (checks between
 * the two files, limit, split), shuffling, batches, and the generator.
 *
 * Fixtures are written by the tests under $NNC_TMP/test_idx.d (default
 * build/tmp).  The real Fashion-MNIST test set is loaded too when the
 * dataset-fashion-mnist package is installed. */
#include <check.h>

#include "suite.h"
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nnrt_internal.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

/* ---- fixtures ------------------------------------------------------------ */

/* $NNC_TMP/test_idx.d, made if missing */
static const char *fixture_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/test_idx.d", tmp_dir());
    make_dir("%s", dir);
    return dir;
}

/* a path under the fixture folder; static, one at a time per slot */
static const char *fixture(int slot, const char *name)
{
    static char paths[4][1200];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", fixture_dir(), name);
    return paths[slot];
}

/* An IDX file's bytes: header for `type` and dims, then n_data bytes of data
 * (which may disagree with the header on purpose).  Returns the length. */
static size_t idx_image(uint8_t *out, uint8_t type, int ndims, const uint32_t *dims,
                        const uint8_t *data, size_t n_data)
{
    size_t len = 0;
    out[len++] = 0;
    out[len++] = 0;
    out[len++] = type;
    out[len++] = (uint8_t)ndims;
    for (int i = 0; i < ndims; i++) {
        out[len++] = (uint8_t)(dims[i] >> 24);
        out[len++] = (uint8_t)(dims[i] >> 16);
        out[len++] = (uint8_t)(dims[i] >> 8);
        out[len++] = (uint8_t)dims[i];
    }
    memcpy(out + len, data, n_data);
    return len + n_data;
}

static void write_gz(const char *path, const void *bytes, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    ck_assert_msg(gz != NULL, "cannot write %s", path);
    if (len > 0)
        ck_assert_int_eq(gzwrite(gz, bytes, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

/* Write an IDX file plain or gzipped. */
static void write_idx(const char *path, int gz, uint8_t type, int ndims, const uint32_t *dims,
                      const uint8_t *data, size_t n_data)
{
    uint8_t *buf = malloc(64 + n_data);
    size_t len = idx_image(buf, type, ndims, dims, data, n_data);
    if (gz)
        write_gz(path, buf, len);
    else
        write_bytes(path, buf, len);
    free(buf);
}

/* Deterministic filler bytes, different for each seed. */
static void fill(uint8_t *b, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (uint8_t)(x >> 24);
    }
}

/* member by member: struct copies need not copy padding */
static int is_zeroed(const nnrt_idx *idx)
{
    return idx->ndims == 0 && idx->dims[0] == 0 && idx->dims[1] == 0 && idx->dims[2] == 0 &&
           idx->dims[3] == 0 && idx->item_bytes == 0 && idx->bytes == NULL;
}

static int dataset_is_zeroed(const nnrt_dataset *ds)
{
    return ds->n_samples == 0 && ds->sample_bytes == 0 && ds->sample_ndims == 0 &&
           ds->sample_dims[0] == 0 && ds->sample_dims[1] == 0 && ds->sample_dims[2] == 0 &&
           ds->pixels == NULL && ds->labels == NULL && is_zeroed(&ds->images_idx) &&
           is_zeroed(&ds->labels_idx);
}

/* Load path, which must fail; the message must be exactly "PATH: want"
 * and nothing may be left loaded. */
static void expect_idx_error(const char *path, const char *want)
{
    nnrt_idx idx;
    nnrt_error err = { "" };
    memset(&idx, 0x5a, sizeof idx);
    ck_assert_int_eq(nnrt_idx_load(path, &idx, &err), -1);
    char full[2048];
    snprintf(full, sizeof full, "%s: %s", path, want);
    ck_assert_str_eq(err.msg, full);
    ck_assert_msg(is_zeroed(&idx), "a failed load left something in the result");
}

/* ---- errors -------------------------------------------------------------- */

START_TEST(fail_formats_truncates_and_tolerates_null)
{
    nnrt_error err;
    ck_assert_int_eq(nnrt_fail(&err, "%s: byte %d: %s", "f.gz", 16, "bad"), -1);
    ck_assert_str_eq(err.msg, "f.gz: byte 16: bad");
    char long_text[3000];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    ck_assert_int_eq(nnrt_fail(&err, "%s", long_text), -1);
    ck_assert_uint_eq(strlen(err.msg), sizeof err.msg - 1);
    ck_assert_int_eq(nnrt_fail(NULL, "%d", 1), -1);
}
END_TEST

/* ---- IDX files that load ------------------------------------------------ */

static void check_good_images(int gz)
{
    const char *path = fixture(0, gz ? "good-images.gz" : "good-images.idx");
    uint32_t dims[3] = { 4, 2, 3 };
    uint8_t data[24];
    fill(data, sizeof data, 1);
    write_idx(path, gz, 0x08, 3, dims, data, sizeof data);

    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.ndims, 3);
    ck_assert_int_eq(idx.dims[0], 4);
    ck_assert_int_eq(idx.dims[1], 2);
    ck_assert_int_eq(idx.dims[2], 3);
    ck_assert_int_eq(idx.dims[3], 0);
    ck_assert_uint_eq(idx.item_bytes, 6);
    ck_assert_mem_eq(idx.bytes, data, sizeof data);
    nnrt_idx_free(&idx);
    ck_assert_ptr_null(idx.bytes);
    nnrt_idx_free(&idx);   /* a freed idx is zeroed: freeing it again is harmless */
}

START_TEST(images_plain_load)
{
    check_good_images(0);
}
END_TEST

START_TEST(images_gz_load)
{
    check_good_images(1);
}
END_TEST

/* A gzip file of several members (`cat a.gz b.gz`, or gzip's own output
 * of a stream written in parts) is one stream: libdeflate decodes a
 * member at a time, so such a file goes through zlib, which reads on; a
 * file of one member big enough for huge pages goes through libdeflate */
START_TEST(gzip_of_several_members_and_of_one_large_load)
{
    uint32_t dims[3] = { 4, 2, 3 };
    uint8_t data[24], file[64];
    fill(data, sizeof data, 7);
    size_t len = idx_image(file, 0x08, 3, dims, data, sizeof data);
    const char *path = fixture(0, "members.gz"), *part = fixture(1, "member2.gz");
    write_gz(path, file, 10);
    write_gz(part, file + 10, len - 10);
    size_t n1, n2;
    char *one = slurp_len(path, &n1), *two = slurp_len(part, &n2);
    char *both = malloc(n1 + n2);
    ck_assert_ptr_nonnull(both);
    memcpy(both, one, n1);
    memcpy(both + n1, two, n2);
    write_bytes(path, both, n1 + n2);
    free(one);
    free(two);
    free(both);
    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.dims[0], 4);
    ck_assert_mem_eq(idx.bytes, data, sizeof data);
    nnrt_idx_free(&idx);

    /* 3 MB of pixels: over a huge page, every byte where it belongs */
    uint32_t big_dims[3] = { 3000, 32, 32 };
    size_t n = 3000 * 32 * 32;
    uint8_t *pixels = malloc(n);
    ck_assert_ptr_nonnull(pixels);
    fill(pixels, n, 8);
    write_idx(path, 1, 0x08, 3, big_dims, pixels, n);
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.dims[0], 3000);
    ck_assert_mem_eq(idx.bytes, pixels, n);
    nnrt_idx_free(&idx);
    free(pixels);
}
END_TEST

START_TEST(labels_plain_and_gz_load)
{
    uint8_t labels[7] = { 0, 9, 3, 3, 1, 0, 255 };
    uint32_t dims[1] = { 7 };
    for (int gz = 0; gz < 2; gz++) {
        const char *path = fixture(0, gz ? "good-labels.gz" : "good-labels.idx");
        write_idx(path, gz, 0x08, 1, dims, labels, sizeof labels);
        nnrt_idx idx;
        nnrt_error err = { "" };
        ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(idx.ndims, 1);
        ck_assert_int_eq(idx.dims[0], 7);
        ck_assert_int_eq(idx.dims[1], 0);
        ck_assert_uint_eq(idx.item_bytes, 1);
        ck_assert_mem_eq(idx.bytes, labels, sizeof labels);
        nnrt_idx_free(&idx);
    }
}
END_TEST

START_TEST(two_and_four_dims_load)
{
    uint8_t data[2 * 3 * 4 * 5];
    fill(data, sizeof data, 2);
    uint32_t d2[2] = { 6, 20 }, d4[4] = { 2, 3, 4, 5 };
    nnrt_idx idx;
    nnrt_error err = { "" };
    const char *p2 = fixture(0, "two-dims.gz"), *p4 = fixture(1, "four-dims.gz");
    write_idx(p2, 1, 0x08, 2, d2, data, sizeof data);
    write_idx(p4, 1, 0x08, 4, d4, data, sizeof data);
    ck_assert_msg(nnrt_idx_load(p2, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.ndims, 2);
    ck_assert_uint_eq(idx.item_bytes, 20);
    nnrt_idx_free(&idx);
    ck_assert_msg(nnrt_idx_load(p4, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.ndims, 4);
    ck_assert_int_eq(idx.dims[3], 5);
    ck_assert_uint_eq(idx.item_bytes, 60);
    ck_assert_mem_eq(idx.bytes, data, sizeof data);
    nnrt_idx_free(&idx);
}
END_TEST

/* ---- IDX files that do not ---------------------------------------------- */

START_TEST(truncated_data_names_the_byte)
{
    uint32_t dims[3] = { 4, 2, 3 };
    uint8_t data[24];
    fill(data, sizeof data, 3);
    const char *plain = fixture(0, "short-images.idx"), *gz = fixture(1, "short-images.gz");
    write_idx(plain, 0, 0x08, 3, dims, data, 10);
    write_idx(gz, 1, 0x08, 3, dims, data, 10);
    expect_idx_error(plain, "byte 16: expected 24 bytes of pixels, found 10");
    expect_idx_error(gz, "byte 16: expected 24 bytes of pixels, found 10");

    uint32_t ldims[1] = { 5 };
    const char *labels = fixture(2, "short-labels.gz");
    write_idx(labels, 1, 0x08, 1, ldims, data, 2);
    expect_idx_error(labels, "byte 8: expected 5 bytes of labels, found 2");
    write_idx(labels, 1, 0x08, 1, ldims, data, 0);
    expect_idx_error(labels, "byte 8: expected 5 bytes of labels, found 0");
}
END_TEST

START_TEST(truncated_header_names_the_byte)
{
    const char *path = fixture(0, "short-header.gz");
    write_gz(path, "", 0);
    expect_idx_error(path, "byte 0: expected 4 bytes of magic number, found 0");
    write_gz(path, "\0\0", 2);
    expect_idx_error(path, "byte 0: expected 4 bytes of magic number, found 2");
    write_gz(path, "\0\0\x08\x03\0\0\0\x04\0", 9);
    expect_idx_error(path, "byte 4: expected 12 bytes of dimensions, found 5");
}
END_TEST

START_TEST(wrong_magic)
{
    const char *zip = fixture(0, "archive.zip");
    write_bytes(zip, "PK\x03\x04 and more", 13);
    expect_idx_error(zip, "byte 0: not an IDX file (magic 0x504b0304, expected 0x00000801 or "
                          "0x00000803)");

    write_bytes(zip, "\0\1\x08\x01\0\0\0\1x", 9);
    expect_idx_error(zip, "byte 0: not an IDX file (magic 0x00010801, expected 0x00000801 or "
                          "0x00000803)");

    /* a gzipped file gzipped again: the inner stream starts with gzip's magic */
    uint32_t dims[1] = { 3 };
    const char *inner = fixture(1, "inner-labels.gz"), *outer = fixture(2, "double.gz");
    write_idx(inner, 1, 0x08, 1, dims, (const uint8_t *)"\1\2\3", 3);
    size_t len;
    uint8_t *bytes = (uint8_t *)slurp_len(inner, &len);
    write_gz(outer, bytes, len);
    free(bytes);
    expect_idx_error(outer, "byte 0: not an IDX file (magic 0x1f8b0800, expected 0x00000801 or "
                            "0x00000803)");
}
END_TEST

START_TEST(only_unsigned_bytes)
{
    uint32_t dims[1] = { 2 };
    const char *path = fixture(0, "floats.gz");
    write_idx(path, 1, 0x0D, 1, dims, (const uint8_t *)"abcdefgh", 8);
    expect_idx_error(path, "byte 2: IDX type 0x0d (float32); only 0x08 (unsigned byte) is "
                           "supported");
    write_idx(path, 1, 0x09, 1, dims, (const uint8_t *)"ab", 2);
    expect_idx_error(path, "byte 2: IDX type 0x09 (signed byte); only 0x08 (unsigned byte) is "
                           "supported");
    write_idx(path, 1, 0x42, 1, dims, (const uint8_t *)"ab", 2);
    expect_idx_error(path, "byte 2: IDX type 0x42 (not an IDX type); only 0x08 (unsigned byte) "
                           "is supported");
}
END_TEST

START_TEST(dimensions_one_to_four)
{
    uint32_t dims[5] = { 1, 1, 1, 1, 1 };
    const char *path = fixture(0, "dims.gz");
    write_idx(path, 1, 0x08, 5, dims, (const uint8_t *)"x", 1);
    expect_idx_error(path, "byte 3: 5 dimensions; 1 to 4 are supported");
    write_idx(path, 1, 0x08, 0, dims, (const uint8_t *)"x", 1);
    expect_idx_error(path, "byte 3: 0 dimensions; 1 to 4 are supported");
}
END_TEST

START_TEST(zero_and_absurd_sizes)
{
    const char *path = fixture(0, "sizes.gz");
    uint32_t zero[3] = { 3, 0, 2 };
    write_idx(path, 1, 0x08, 3, zero, (const uint8_t *)"", 0);
    expect_idx_error(path, "byte 8: shape 3x0x2 holds no data");
    uint32_t no_items[1] = { 0 };
    write_idx(path, 1, 0x08, 1, no_items, (const uint8_t *)"", 0);
    expect_idx_error(path, "byte 4: shape 0 holds no data");

    /* a product that would wrap 64 bits, and one just over the limit */
    uint32_t huge[4] = { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu };
    write_idx(path, 1, 0x08, 4, huge, (const uint8_t *)"abc", 3);
    expect_idx_error(path, "byte 4: shape 4294967295x4294967295x4294967295x4294967295 is more "
                           "than the 1 GiB this loader takes");
    uint32_t over[3] = { 1025, 1024, 1024 };
    write_idx(path, 1, 0x08, 3, over, (const uint8_t *)"abc", 3);
    expect_idx_error(path, "byte 4: shape 1025x1024x1024 is more than the 1 GiB this loader "
                           "takes");
}
END_TEST

START_TEST(trailing_garbage)
{
    uint8_t data[40];
    fill(data, sizeof data, 4);
    uint32_t ldims[1] = { 5 };
    const char *labels = fixture(0, "long-labels.idx");
    write_idx(labels, 0, 0x08, 1, ldims, data, 8);
    expect_idx_error(labels, "byte 13: unexpected data after the last label (3 bytes)");

    uint32_t dims[3] = { 2, 2, 2 };
    const char *images = fixture(1, "long-images.gz");
    write_idx(images, 1, 0x08, 3, dims, data, 9);
    expect_idx_error(images, "byte 24: unexpected data after the last image (1 byte)");

    /* more garbage than one read of the checker */
    uint8_t *big = calloc(200000, 1);
    write_idx(images, 1, 0x08, 3, dims, big, 200000);
    free(big);
    expect_idx_error(images, "byte 24: unexpected data after the last image (199992 bytes)");
}
END_TEST

START_TEST(missing_file_and_folder)
{
    const char *path = fixture(0, "no-such-file.gz");
    remove(path);
    expect_idx_error(path, "cannot open: No such file or directory");
    expect_idx_error(fixture_dir(), "cannot open: Is a directory");
    nnrt_idx idx;
    ck_assert_int_eq(nnrt_idx_load(path, &idx, NULL), -1);   /* no message wanted */
}
END_TEST

/* A gzip file of some incompressible IDX data, for the corruptions below. */
static uint8_t *good_gz(const char *path, size_t *len)
{
    static uint8_t data[5000];
    fill(data, sizeof data, 5);
    uint32_t dims[3] = { 50, 10, 10 };
    write_idx(path, 1, 0x08, 3, dims, data, sizeof data);
    return (uint8_t *)slurp_len(path, len);
}

START_TEST(corrupt_gzip)
{
    const char *path = fixture(0, "corrupt.gz");
    size_t len;
    uint8_t *bytes = good_gz(path, &len);
    ck_assert_uint_gt(len, 100);

    /* zlib's header is 10 bytes; the first block's type bits 11 are invalid */
    uint8_t *bad = malloc(len);
    memcpy(bad, bytes, len);
    bad[10] = 0xFF;
    write_bytes(path, bad, len);
    expect_idx_error(path, "corrupt gzip data (invalid block type)");

    /* the CRC of the uncompressed data, in the 8-byte trailer, is wrong:
     * found only at the end, and nothing read before it is kept */
    memcpy(bad, bytes, len);
    bad[len - 8] ^= 0x01;
    write_bytes(path, bad, len);
    expect_idx_error(path, "corrupt gzip data (incorrect data check)");

    /* a download cut off half way, and one cut in the trailer */
    write_bytes(path, bytes, len / 2);
    expect_idx_error(path, "truncated gzip data (unexpected end of file)");
    write_bytes(path, bytes, len - 3);
    expect_idx_error(path, "truncated gzip data (unexpected end of file)");
    free(bad);
    free(bytes);
}
END_TEST

START_TEST(corrupt_gzip_far_into_the_data)
{
    /* 4 MB that deflate compresses, so the damage is met inside the big
     * read of the data, not while the header is read */
    enum { ITEMS = 4000, SIDE = 32 };
    uint8_t *data = malloc(ITEMS * SIDE * SIDE);
    fill(data, ITEMS * SIDE * SIDE, 8);
    for (size_t i = 0; i < ITEMS * SIDE * SIDE; i++)
        data[i] &= 0x03;
    uint32_t dims[3] = { ITEMS, SIDE, SIDE };
    const char *path = fixture(0, "big.gz");
    write_idx(path, 1, 0x08, 3, dims, data, ITEMS * SIDE * SIDE);
    free(data);
    size_t len;
    uint8_t *bytes = (uint8_t *)slurp_len(path, &len);
    ck_assert_uint_gt(len, 500000);

    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    nnrt_idx_free(&idx);

    write_bytes(path, bytes, len * 3 / 4);
    expect_idx_error(path, "truncated gzip data (unexpected end of file)");

    uint8_t *bad = malloc(len);
    memcpy(bad, bytes, len);
    for (size_t i = len * 3 / 4; i < len * 3 / 4 + 64; i++)
        bad[i] ^= 0xA5;
    write_bytes(path, bad, len);
    ck_assert_int_eq(nnrt_idx_load(path, &idx, &err), -1);
    char want[2048];
    snprintf(want, sizeof want, "%s: corrupt gzip data (", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert(is_zeroed(&idx));
    free(bad);
    free(bytes);
}
END_TEST

/* ---- finding data files --------------------------------------------------- */

START_TEST(data_path_absolute_is_used_as_is)
{
    char out[256];
    nnrt_error err = { "" };
    ck_assert_int_eq(nnrt_data_path("/nowhere/x.gz", out, sizeof out, &err), 0);
    ck_assert_str_eq(out, "/nowhere/x.gz");
    ck_assert_int_eq(nnrt_data_path("/nowhere/x.gz", out, 5, &err), -1);
    ck_assert_str_eq(err.msg, "/nowhere/x.gz: path too long");
    ck_assert_int_eq(nnrt_data_path("", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "empty data file name");
    ck_assert_int_eq(nnrt_data_path(NULL, out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "empty data file name");
}
END_TEST

START_TEST(data_path_looks_in_nnc_data_first)
{
    char data_dir[1200], want[1400], out[1400];
    snprintf(data_dir, sizeof data_dir, "%s/data", fixture_dir());
    snprintf(want, sizeof want, "%s/sub", data_dir);
    make_dir("%s", want);
    snprintf(want, sizeof want, "%s/sub/x-labels.gz", data_dir);
    write_bytes(want, "", 0);
    ck_assert_int_eq(setenv("NNC_DATA", data_dir, 1), 0);
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_data_path("sub/x-labels.gz", out, sizeof out, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(out, want);

    /* not under $NNC_DATA: the system folder next */
    if (access(FASHION_DIR "/t10k-labels-idx1-ubyte.gz", F_OK) == 0) {
        ck_assert_msg(nnrt_data_path("fashion-mnist/t10k-labels-idx1-ubyte.gz", out, sizeof out,
                                     &err) == 0, "%s", err.msg);
        ck_assert_str_eq(out, FASHION_DIR "/t10k-labels-idx1-ubyte.gz");
    }
}
END_TEST

START_TEST(data_path_not_found_lists_the_places)
{
    char data_dir[1200], want[4096], out[1400];
    nnrt_error err = { "" };
    snprintf(data_dir, sizeof data_dir, "%s/data", fixture_dir());
    make_dir("%s", data_dir);
    ck_assert_int_eq(setenv("NNC_DATA", data_dir, 1), 0);
    ck_assert_int_eq(nnrt_data_path("nope/x.gz", out, sizeof out, &err), -1);
    snprintf(want, sizeof want,
             "nope/x.gz: not found; looked in %s/nope/x.gz ($NNC_DATA) and "
             "/usr/share/datasets/nope/x.gz and the current directory",
             data_dir);
    ck_assert_str_eq(err.msg, want);

    ck_assert_int_eq(unsetenv("NNC_DATA"), 0);
    ck_assert_int_eq(nnrt_data_path("nope/x.gz", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "nope/x.gz: not found; looked in /usr/share/datasets/nope/x.gz "
                              "($NNC_DATA is not set) and the current directory");
    ck_assert_int_eq(setenv("NNC_DATA", "", 1), 0);
    ck_assert_int_eq(nnrt_data_path("nope/x.gz", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "nope/x.gz: not found; looked in /usr/share/datasets/nope/x.gz "
                              "($NNC_DATA is empty) and the current directory");
}
END_TEST

/* ---- datasets -------------------------------------------------------------- */

enum { N = 10, H = 2, W = 3 };
static uint8_t pixels[N * H * W];
static uint8_t labels[N] = { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 };

/* N images of HxW and N labels below 5, as $NNC_DATA/set/{images,labels}.gz */
static void write_set(void)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/data/set", fixture_dir());
    make_dir("%s", dir);
    fill(pixels, sizeof pixels, 6);
    uint32_t dims[3] = { N, H, W }, ldims[1] = { N };
    write_idx(fixture(0, "data/set/images.gz"), 1, 0x08, 3, dims, pixels, sizeof pixels);
    write_idx(fixture(1, "data/set/labels.gz"), 1, 0x08, 1, ldims, labels, sizeof labels);
    snprintf(dir, sizeof dir, "%s/data", fixture_dir());
    ck_assert_int_eq(setenv("NNC_DATA", dir, 1), 0);
}

static void load_set(nnrt_dataset *ds)
{
    nnrt_error err = { "" };
    write_set();
    ck_assert_msg(nnrt_dataset_load("set/images.gz", "set/labels.gz", H * W, 5, ds, &err) == 0,
                  "%s", err.msg);
}

/* load must fail with exactly want, leaving nothing behind */
static void expect_dataset_error(const char *images, const char *labels_name, size_t bytes,
                                 int classes, const char *want)
{
    nnrt_dataset ds;
    nnrt_error err = { "" };
    memset(&ds, 0x5a, sizeof ds);
    ck_assert_int_eq(nnrt_dataset_load(images, labels_name, bytes, classes, &ds, &err), -1);
    ck_assert_str_eq(err.msg, want);
    ck_assert(dataset_is_zeroed(&ds));
}

START_TEST(dataset_loads_and_agrees)
{
    nnrt_dataset ds;
    load_set(&ds);
    ck_assert_int_eq(ds.n_samples, N);
    ck_assert_uint_eq(ds.sample_bytes, H * W);
    ck_assert_int_eq(ds.sample_ndims, 2);
    ck_assert_int_eq(ds.sample_dims[0], H);
    ck_assert_int_eq(ds.sample_dims[1], W);
    ck_assert_mem_eq(ds.pixels, pixels, sizeof pixels);
    ck_assert_mem_eq(ds.labels, labels, sizeof labels);
    ck_assert_ptr_eq(ds.pixels, ds.images_idx.bytes);
    ck_assert_ptr_eq(ds.labels, ds.labels_idx.bytes);
    nnrt_dataset_free(&ds);
    ck_assert_ptr_null(ds.pixels);
    ck_assert_int_eq(ds.n_samples, 0);
}
END_TEST

START_TEST(dataset_count_mismatch)
{
    write_set();
    uint32_t ldims[1] = { N - 1 };
    const char *short_labels = fixture(2, "data/set/short-labels.gz");
    write_idx(short_labels, 1, 0x08, 1, ldims, labels, N - 1);
    char want[4096];
    snprintf(want, sizeof want, "%s: byte 4: 9 labels for the 10 images of %s", short_labels,
             fixture(0, "data/set/images.gz"));
    expect_dataset_error("set/images.gz", "set/short-labels.gz", H * W, 5, want);
}
END_TEST

START_TEST(dataset_label_out_of_range)
{
    write_set();
    nnrt_dataset ds;
    nnrt_error err = { "" };
    char want[4096];
    /* labels go up to 4: fine for 5 classes (and for "no check"), not for 4 */
    ck_assert_int_eq(nnrt_dataset_load("set/images.gz", "set/labels.gz", H * W, 0, &ds, &err), 0);
    nnrt_dataset_free(&ds);
    snprintf(want, sizeof want, "%s: byte 12: label 4; the model has 4 classes (0 to 3)",
             fixture(1, "data/set/labels.gz"));
    expect_dataset_error("set/images.gz", "set/labels.gz", H * W, 4, want);
}
END_TEST

START_TEST(dataset_image_size_and_label_shape)
{
    write_set();
    char want[4096];
    snprintf(want, sizeof want, "%s: byte 8: images of 2x3 (6 bytes); the model's input takes 784",
             fixture(0, "data/set/images.gz"));
    expect_dataset_error("set/images.gz", "set/labels.gz", 784, 5, want);

    /* the images given as labels: 3 dimensions */
    snprintf(want, sizeof want, "%s: byte 3: 3 dimensions; a labels file has 1",
             fixture(0, "data/set/images.gz"));
    expect_dataset_error("set/images.gz", "set/images.gz", H * W, 5, want);
}
END_TEST

START_TEST(dataset_reports_the_bad_file)
{
    write_set();
    char want[4096];
    snprintf(want, sizeof want,
             "set/nope.gz: not found; looked in %s/data/set/nope.gz ($NNC_DATA) and "
             "/usr/share/datasets/set/nope.gz and the current directory",
             fixture_dir());
    expect_dataset_error("set/images.gz", "set/nope.gz", H * W, 5, want);
    const char *bad = fixture(2, "data/set/bad-labels.gz");
    write_gz(bad, "\0\0\x08\x01\0\0\0\x0a" "abc", 11);
    snprintf(want, sizeof want, "%s: byte 8: expected 10 bytes of labels, found 3", bad);
    expect_dataset_error("set/images.gz", "set/bad-labels.gz", H * W, 5, want);
}
END_TEST

START_TEST(limit_keeps_the_first)
{
    nnrt_dataset ds;
    load_set(&ds);
    const uint8_t *p = ds.pixels;
    nnrt_dataset_limit(&ds, 0);
    ck_assert_int_eq(ds.n_samples, N);
    nnrt_dataset_limit(&ds, -3);
    ck_assert_int_eq(ds.n_samples, N);
    nnrt_dataset_limit(&ds, N + 5);
    ck_assert_int_eq(ds.n_samples, N);
    nnrt_dataset_limit(&ds, 3);
    ck_assert_int_eq(ds.n_samples, 3);
    ck_assert_ptr_eq(ds.pixels, p);
    ck_assert_int_eq(ds.labels[2], 2);
    nnrt_dataset_free(&ds);   /* frees the whole files, not 3 samples' worth */
}
END_TEST

/* split ds by fraction; the sizes must be n_train, n_val, views into ds */
static void check_split(const nnrt_dataset *ds, double fraction, int n_train, int n_val)
{
    nnrt_dataset train, val;
    memset(&train, 0x5a, sizeof train);
    memset(&val, 0x5a, sizeof val);
    nnrt_dataset_split(ds, fraction, &train, &val);
    ck_assert_msg(train.n_samples == n_train && val.n_samples == n_val,
                  "split %d by %g: %d + %d, want %d + %d", ds->n_samples, fraction,
                  train.n_samples, val.n_samples, n_train, n_val);
    ck_assert_ptr_eq(train.pixels, ds->pixels);
    ck_assert_ptr_eq(train.labels, ds->labels);
    ck_assert_ptr_eq(val.pixels, ds->pixels + (size_t)n_train * ds->sample_bytes);
    ck_assert_ptr_eq(val.labels, ds->labels + n_train);
    ck_assert(is_zeroed(&train.images_idx) && is_zeroed(&train.labels_idx));
    ck_assert(is_zeroed(&val.images_idx) && is_zeroed(&val.labels_idx));
    ck_assert_uint_eq(val.sample_bytes, ds->sample_bytes);
    ck_assert_int_eq(val.sample_ndims, ds->sample_ndims);
    ck_assert_int_eq(val.sample_dims[1], ds->sample_dims[1]);
}

START_TEST(split_holds_out_the_last_fraction)
{
    nnrt_dataset ds;
    load_set(&ds);
    check_split(&ds, 0.2, 8, 2);
    check_split(&ds, 0.25, 7, 3);   /* 2.5 rounds up */
    check_split(&ds, 0.24, 8, 2);
    check_split(&ds, 0.1, 9, 1);
    check_split(&ds, 0.04, 10, 0);
    check_split(&ds, 0.0, 10, 0);
    check_split(&ds, -1.0, 10, 0);
    check_split(&ds, NAN, 10, 0);
    check_split(&ds, 0.96, 1, 9);   /* 9.6 rounds to 10, but one is kept to train on */
    check_split(&ds, 1.0, 1, 9);
    check_split(&ds, 5.0, 1, 9);
    /* the held-out samples are the last ones */
    nnrt_dataset train, val;
    nnrt_dataset_split(&ds, 0.3, &train, &val);
    ck_assert_mem_eq(val.pixels, pixels + 7 * H * W, 3 * H * W);
    ck_assert_mem_eq(val.labels, labels + 7, 3);
    nnrt_dataset_limit(&ds, 1);
    check_split(&ds, 0.5, 1, 0);
    nnrt_dataset_free(&ds);
}
END_TEST

/* ---- shuffling and batches ---------------------------------------------- */

START_TEST(shuffle_is_a_deterministic_permutation)
{
    enum { M = 1000 };
    static int a[M], b[M], c[M];
    for (int i = 0; i < M; i++)
        a[i] = b[i] = c[i] = i;
    nnrt_rng r1, r2, r3;
    nnrt_rng_seed(&r1, 42);
    nnrt_rng_seed(&r2, 42);
    nnrt_rng_seed(&r3, 43);
    nnrt_shuffle(a, M, &r1);
    nnrt_shuffle(b, M, &r2);
    nnrt_shuffle(c, M, &r3);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_msg(memcmp(a, c, sizeof a) != 0, "seeds 42 and 43 gave the same order");
    static char seen[M];
    int fixed = 0;
    for (int i = 0; i < M; i++) {
        ck_assert(a[i] >= 0 && a[i] < M && !seen[a[i]]);
        seen[a[i]] = 1;
        fixed += a[i] == i;
    }
    ck_assert_int_lt(fixed, 10);   /* about 1 expected */

    int one = 7;
    nnrt_shuffle(&one, 1, &r1);
    ck_assert_int_eq(one, 7);
    nnrt_shuffle(NULL, 0, &r1);
}
END_TEST

START_TEST(shuffle_is_uniform)
{
    /* all 6 orders of 3 items equally often: catches Sattolo's off-by-one
     * (never the identity) and swapping with any position (biased) */
    enum { ROUNDS = 60000 };
    int count[6] = { 0 };
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 7);
    for (int r = 0; r < ROUNDS; r++) {
        int o[3] = { 0, 1, 2 };
        nnrt_shuffle(o, 3, &rng);
        int code = o[0] * 9 + o[1] * 3 + o[2];
        static const int codes[6] = { 5, 7, 11, 15, 19, 21 };   /* 012 021 102 120 201 210 */
        int k = 0;
        while (k < 6 && codes[k] != code)
            k++;
        ck_assert_int_lt(k, 6);
        count[k]++;
    }
    for (int k = 0; k < 6; k++)   /* 10000 expected, standard deviation 91 */
        ck_assert_msg(count[k] > 9500 && count[k] < 10500, "order %d: %d of %d", k, count[k],
                      ROUNDS);
}
END_TEST

START_TEST(batch_fill_scales_and_follows_order)
{
    uint8_t px[4 * 3] = { 0, 1, 2, 10, 11, 12, 20, 21, 255, 30, 31, 32 };
    uint8_t lb[4] = { 5, 6, 7, 8 };
    nnrt_dataset ds = { .n_samples = 4, .sample_bytes = 3, .pixels = px, .labels = lb };
    int order[4] = { 2, 0, 3, 1 };
    float x[3 * 3];
    int y[3];
    for (int i = 0; i < 9; i++)
        x[i] = -7.0f;
    y[2] = -7;
    float scale = 1.0f / 255.0f;
    nnrt_batch_fill(&ds, order, 1, 2, scale, x, y);   /* rows: samples 0 and 3 */
    ck_assert_float_eq(x[0], 0.0f);
    ck_assert_float_eq(x[1], 1.0f * scale);
    ck_assert_float_eq(x[2], 2.0f * scale);
    ck_assert_float_eq(x[3], 30.0f * scale);
    ck_assert_float_eq(x[5], 32.0f * scale);
    ck_assert_int_eq(y[0], 5);
    ck_assert_int_eq(y[1], 8);
    ck_assert_float_eq(x[6], -7.0f);   /* nothing past n rows */
    ck_assert_int_eq(y[2], -7);
    nnrt_batch_fill(&ds, order, 0, 1, 1.0f, x, y);
    ck_assert_float_eq(x[2], 255.0f);
    ck_assert_int_eq(y[0], 7);
}
END_TEST

/* ---- the generator -------------------------------------------------------- */

/* The documented algorithm, written again from its papers: splitmix64
 * seeding xoroshiro128++, top 32 bits out. */
static uint64_t ref_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t ref_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t ref_xoroshiro128pp(uint64_t s[2])
{
    uint64_t s0 = s[0], s1 = s[1], out = ref_rotl(s0 + s1, 17) + s0;
    s1 ^= s0;
    s[0] = ref_rotl(s0, 49) ^ s1 ^ (s1 << 21);
    s[1] = ref_rotl(s1, 28);
    return out;
}

START_TEST(rng_is_the_documented_algorithm)
{
    /* splitmix64's published outputs for seed 1234567 anchor the reference */
    uint64_t x = 1234567;
    ck_assert_uint_eq(ref_splitmix64(&x), 6457827717110365317ull);
    ck_assert_uint_eq(ref_splitmix64(&x), 3203168211198807973ull);
    const uint64_t seeds[] = { 0, 1, 42, 1234567, UINT64_MAX };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        uint64_t sm = seeds[k], s[2];
        s[0] = ref_splitmix64(&sm);
        s[1] = ref_splitmix64(&sm);
        nnrt_rng rng;
        nnrt_rng_seed(&rng, seeds[k]);
        for (int i = 0; i < 1000; i++)
            ck_assert_uint_eq(nnrt_rng_u32(&rng), ref_xoroshiro128pp(s) >> 32);
        /* uniform: top 24 bits; normal: Box-Muller's cosine branch from
         * 53-bit u1 in (0, 1] and u2 in [0, 1) */
        for (int i = 0; i < 1000; i++) {
            float u = (float)(ref_xoroshiro128pp(s) >> 40) / 16777216.0f;
            ck_assert(nnrt_rng_uniform(&rng) == u);
            double u1 = (double)((ref_xoroshiro128pp(s) >> 11) + 1) / 9007199254740992.0;
            double u2 = (double)(ref_xoroshiro128pp(s) >> 11) / 9007199254740992.0;
            float z = (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2));
            ck_assert(nnrt_rng_normal(&rng) == z);
        }
    }
}
END_TEST

START_TEST(rng_same_seed_same_sequence)
{
    nnrt_rng a, b, c;
    nnrt_rng_seed(&a, 99);
    nnrt_rng_seed(&b, 99);
    nnrt_rng_seed(&c, 100);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t ua = nnrt_rng_u32(&a);
        ck_assert_uint_eq(ua, nnrt_rng_u32(&b));
        differ += ua != nnrt_rng_u32(&c);
        ck_assert(nnrt_rng_uniform(&a) == nnrt_rng_uniform(&b));
        ck_assert(nnrt_rng_normal(&a) == nnrt_rng_normal(&b));
        ck_assert_uint_eq(nnrt_rng_below(&a, 1000), nnrt_rng_below(&b, 1000));
        nnrt_rng_uniform(&c);
        nnrt_rng_normal(&c);
        nnrt_rng_below(&c, 1000);
    }
    ck_assert_int_gt(differ, 990);
    /* seeds next to each other start far apart */
    uint32_t first[64];
    for (int s = 0; s < 64; s++) {
        nnrt_rng_seed(&a, (uint64_t)s);
        first[s] = nnrt_rng_u32(&a);
        for (int t = 0; t < s; t++)
            ck_assert_uint_ne(first[s], first[t]);
    }
}
END_TEST

START_TEST(rng_uniform_statistics)
{
    enum { DRAWS = 10000 };
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 1);
    double sum = 0;
    int bucket[10] = { 0 };
    for (int i = 0; i < DRAWS; i++) {
        float u = nnrt_rng_uniform(&rng);
        ck_assert(u >= 0.0f && u < 1.0f);
        float k = u * 16777216.0f;   /* a multiple of 2^-24 */
        ck_assert(k == floorf(k));
        sum += u;
        bucket[(int)(u * 10)]++;
    }
    double mean = sum / DRAWS;
    ck_assert_msg(mean > 0.49 && mean < 0.51, "mean %g", mean);
    for (int k = 0; k < 10; k++)   /* 1000 expected, standard deviation 30 */
        ck_assert_msg(bucket[k] > 850 && bucket[k] < 1150, "bucket %d: %d", k, bucket[k]);
}
END_TEST

START_TEST(rng_normal_statistics)
{
    enum { DRAWS = 100000 };
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 2);
    double sum = 0, sum2 = 0;
    int within1 = 0, beyond3 = 0;
    for (int i = 0; i < DRAWS; i++) {
        float z = nnrt_rng_normal(&rng);
        ck_assert(isfinite(z));
        sum += z;
        sum2 += (double)z * z;
        within1 += fabsf(z) < 1.0f;
        beyond3 += fabsf(z) > 3.0f;
    }
    double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
    ck_assert_msg(fabs(mean) < 0.02, "mean %g", mean);
    ck_assert_msg(var > 0.97 && var < 1.03, "variance %g", var);
    double p1 = (double)within1 / DRAWS, p3 = (double)beyond3 / DRAWS;
    ck_assert_msg(p1 > 0.6777 && p1 < 0.6877, "P(|z| < 1) = %g, want 0.6827", p1);
    ck_assert_msg(p3 > 0.0017 && p3 < 0.0037, "P(|z| > 3) = %g, want 0.0027", p3);
}
END_TEST

START_TEST(rng_below_is_in_range_and_unbiased)
{
    nnrt_rng rng;
    nnrt_rng_seed(&rng, 3);
    ck_assert_uint_eq(nnrt_rng_below(&rng, 0), 0);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(nnrt_rng_below(&rng, 1), 0);
    const uint32_t ns[] = { 2, 3, 10, 1000, 0x80000001u, UINT32_MAX };
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (int i = 0; i < 10000; i++)
            ck_assert_uint_lt(nnrt_rng_below(&rng, ns[k]), ns[k]);

    int count[10] = { 0 };
    for (int i = 0; i < 10000; i++)
        count[nnrt_rng_below(&rng, 10)]++;
    for (int k = 0; k < 10; k++)
        ck_assert_msg(count[k] > 850 && count[k] < 1150, "value %d: %d times", k, count[k]);

    /* n = 3 * 2^30: u32 % n would give [0, 2^30) half the time, not a third */
    const uint32_t n = 3u << 30;
    int low = 0;
    for (int i = 0; i < 30000; i++)
        low += nnrt_rng_below(&rng, n) < (1u << 30);
    ck_assert_msg(low > 9500 && low < 10500, "%d of 30000 below 2^30, want 10000", low);
    /* and multiply-shift without its rejection step would give the
     * multiples of 3 two chances in four, not one in three */
    int threes = 0;
    for (int i = 0; i < 30000; i++)
        threes += nnrt_rng_below(&rng, n) % 3 == 0;
    ck_assert_msg(threes > 9500 && threes < 10500, "%d of 30000 multiples of 3, want 10000",
                  threes);
}
END_TEST

/* ---- the data cache (data_cache.c) -------------------------------------- */

/* $NNC_TMP/test_idx.d/cache, emptied, as $NNC_CACHE */
static const char *fresh_cache(void)
{
    static char dir[1200];
    snprintf(dir, sizeof dir, "%s/cache", fixture_dir());
    fresh_dir("%s", dir);
    ck_assert_int_eq(setenv("NNC_CACHE", dir, 1), 0);
    return dir;
}

/* How many entries dir/data holds (temporaries too); the last one's path
 * into out */
static int cache_entries(const char *dir, char *out, size_t len)
{
    char data[1300];
    snprintf(data, sizeof data, "%s/data", dir);
    DIR *d = opendir(data);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            n++;
            ck_assert_int_lt(snprintf(out, len, "%s/%s", data, e->d_name), (int)len);
        }
    closedir(d);
    return n;
}

/* 2 MB of incompressible pixels (seed picks them) gzipped at path; the
 * decoded file's bytes, malloc'ed, in *file and its length in *len */
static void write_cached_gz(const char *path, uint32_t seed, uint8_t **file, size_t *len)
{
    uint32_t dims[3] = { 2048, 32, 32 };
    size_t n = 2048 * 32 * 32;
    uint8_t *pixels = malloc(n);
    *file = malloc(n + 16);
    ck_assert_ptr_nonnull(pixels);
    ck_assert_ptr_nonnull(*file);
    fill(pixels, n, seed);
    *len = idx_image(*file, 0x08, 3, dims, pixels, n);
    write_gz(path, *file, *len);
    free(pixels);
}

/* path loads, its pixels are file's after the 16-byte header, and whether
 * they came from the cache is `cached` */
static void expect_load(const char *path, const uint8_t *file, size_t len, int cached)
{
    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_idx_load(path, &idx, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(idx.dims[0], 2048);
    ck_assert_mem_eq(idx.bytes, file + 16, len - 16);
    ck_assert_int_eq(idx.from_cache, cached);
    nnrt_idx_free(&idx);
}

START_TEST(cache_serves_a_gzip_file_decoded_once)
{
    const char *dir = fresh_cache(), *path = fixture(0, "cached.gz");
    uint8_t *file;
    size_t len, entry_len;
    char entry[1400];
    write_cached_gz(path, 11, &file, &len);
    expect_load(path, file, len, 0);
    /* one entry, holding the decoded file exactly */
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 1);
    char *held = slurp_len(entry, &entry_len);
    ck_assert_uint_eq(entry_len, len);
    ck_assert_mem_eq(held, file, len);
    free(held);
    expect_load(path, file, len, 1);
    expect_load(path, file, len, 1);
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 1);
    free(file);
}
END_TEST

/* An entry that is not what the gzip file decodes to (damaged, cut short,
 * lengthened) is not used: the file is decoded and the entry made anew */
START_TEST(cache_entry_damaged_or_cut_is_not_used)
{
    const char *dir = fresh_cache(), *path = fixture(0, "cached.gz");
    uint8_t *file;
    size_t len;
    char entry[1400];
    write_cached_gz(path, 12, &file, &len);
    expect_load(path, file, len, 0);
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 1);
    uint8_t *bad = malloc(len + 1);
    ck_assert_ptr_nonnull(bad);
    for (int way = 0; way < 4; way++) {
        memcpy(bad, file, len);
        size_t bad_len = len;
        if (way == 0)
            bad[len / 2] ^= 0x10;   /* one bit, deep in the pixels */
        else if (way == 1)
            bad_len = len / 2;
        else if (way == 2)
            bad[bad_len++] = 0;
        else
            bad_len = 0;
        write_bytes(entry, bad, bad_len);
        expect_load(path, file, len, 0);
        size_t again_len;
        char *again = slurp_len(entry, &again_len);
        ck_assert_uint_eq(again_len, len);
        ck_assert_mem_eq(again, file, len);
        free(again);
        expect_load(path, file, len, 1);
    }
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 1);
    free(bad);
    free(file);
}
END_TEST

/* A file rewritten in place, same name, same length, within the same
 * second: its entry is another one (it is found by the gzip bytes, not by
 * the name or the time) */
START_TEST(cache_never_serves_a_changed_file)
{
    const char *dir = fresh_cache(), *path = fixture(0, "cached.gz");
    uint8_t *first, *second;
    size_t len1, len2;
    char entry[1400];
    write_cached_gz(path, 13, &first, &len1);
    expect_load(path, first, len1, 0);
    write_cached_gz(path, 14, &second, &len2);
    ck_assert_uint_eq(len1, len2);
    expect_load(path, second, len2, 0);
    expect_load(path, second, len2, 1);
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 2);

    /* the gzip file damaged: an error as without a cache, never the entry */
    size_t gz_len;
    uint8_t *gz = (uint8_t *)slurp_len(path, &gz_len);
    gz[gz_len / 2] ^= 0x01;
    write_bytes(path, gz, gz_len);
    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_int_eq(nnrt_idx_load(path, &idx, &err), -1);
    ck_assert_msg(strstr(err.msg, "corrupt gzip data") != NULL, "%s", err.msg);
    free(gz);
    free(first);
    free(second);
}
END_TEST

/* No entry: NNC_CACHE empty, a file under 1 MiB decoded, a cache folder
 * that cannot be made; and where the cache is when NNC_CACHE is unset */
START_TEST(cache_off_small_unwritable_and_where)
{
    const char *dir = fresh_cache(), *path = fixture(0, "cached.gz");
    uint8_t *file;
    size_t len;
    char entry[1400];
    write_cached_gz(path, 15, &file, &len);

    ck_assert_int_eq(setenv("NNC_CACHE", "", 1), 0);
    expect_load(path, file, len, 0);
    expect_load(path, file, len, 0);

    ck_assert_int_eq(setenv("NNC_CACHE", dir, 1), 0);
    uint32_t dims[3] = { 50, 10, 10 };
    uint8_t small[5000];
    fill(small, sizeof small, 16);
    write_idx(fixture(1, "small.gz"), 1, 0x08, 3, dims, small, sizeof small);
    nnrt_idx idx;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_idx_load(fixture(1, "small.gz"), &idx, &err) == 0, "%s", err.msg);
    nnrt_idx_free(&idx);
    ck_assert_int_eq(cache_entries(dir, entry, sizeof entry), 0);

    char blocked[1300];   /* NNC_CACHE a file: no data/ can be made in it */
    snprintf(blocked, sizeof blocked, "%s/a-file", dir);
    write_text(blocked, "not a folder\n");
    ck_assert_int_eq(setenv("NNC_CACHE", blocked, 1), 0);
    expect_load(path, file, len, 0);
    expect_load(path, file, len, 0);

    /* unset: $XDG_CACHE_HOME/nnc, else ~/.cache/nnc; a relative
     * XDG_CACHE_HOME is ignored, as the XDG rules say */
    char xdg[1400], home[1400], nnc[1500], top[1300];
    absolute_tmp_dir(top, sizeof top, "test_idx.d/cache");
    snprintf(xdg, sizeof xdg, "%s/xdg", top);
    snprintf(home, sizeof home, "%s/home", top);
    unsetenv("NNC_CACHE");
    ck_assert_int_eq(setenv("XDG_CACHE_HOME", xdg, 1), 0);
    expect_load(path, file, len, 0);
    expect_load(path, file, len, 1);
    snprintf(nnc, sizeof nnc, "%s/nnc", xdg);
    ck_assert_int_eq(cache_entries(nnc, entry, sizeof entry), 1);
    ck_assert_int_eq(setenv("XDG_CACHE_HOME", "relative/cache", 1), 0);
    ck_assert_int_eq(setenv("HOME", home, 1), 0);
    expect_load(path, file, len, 0);
    expect_load(path, file, len, 1);
    snprintf(nnc, sizeof nnc, "%s/.cache/nnc", home);
    ck_assert_int_eq(cache_entries(nnc, entry, sizeof entry), 1);
    free(file);
}
END_TEST

/* ---- the real data, when installed ------------------------------------- */

START_TEST(fashion_mnist_test_set)
{
    if (access(FASHION_DIR "/t10k-labels-idx1-ubyte.gz", R_OK) != 0 ||
        access(FASHION_DIR "/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        printf("test_idx: skipped fashion_mnist_test_set: no %s (package dataset-fashion-mnist)\n",
               FASHION_DIR);
        return;
    }
    unsetenv("NNC_DATA");   /* found in /usr/share/datasets by its relative name */
    nnrt_dataset ds;
    nnrt_error err = { "" };
    ck_assert_msg(nnrt_dataset_load("fashion-mnist/t10k-images-idx3-ubyte.gz",
                                    "fashion-mnist/t10k-labels-idx1-ubyte.gz", 28 * 28, 10, &ds,
                                    &err) == 0,
                  "%s", err.msg);
    ck_assert_int_eq(ds.n_samples, 10000);
    ck_assert_int_eq(ds.sample_ndims, 2);
    ck_assert_int_eq(ds.sample_dims[0], 28);
    ck_assert_int_eq(ds.sample_dims[1], 28);
    ck_assert_int_eq(ds.images_idx.ndims, 3);
    int per_class[10] = { 0 };
    for (int i = 0; i < ds.n_samples; i++)
        per_class[ds.labels[i]]++;
    for (int k = 0; k < 10; k++)   /* the test set is balanced: 1000 of each */
        ck_assert_msg(per_class[k] == 1000, "class %d: %d samples", k, per_class[k]);
    long ink = 0;
    for (size_t i = 0; i < (size_t)ds.n_samples * ds.sample_bytes; i++)
        ink += ds.pixels[i] != 0;
    ck_assert_msg(ink > 1000000, "only %ld non-zero pixels", ink);
    nnrt_dataset_free(&ds);
}
END_TEST

static Suite *idx_suite(void)
{
    Suite *s = suite_create("idx");
    TCase *idx = tcase_create("idx");
    tcase_add_test(idx, fail_formats_truncates_and_tolerates_null);
    tcase_add_test(idx, images_plain_load);
    tcase_add_test(idx, images_gz_load);
    tcase_add_test(idx, gzip_of_several_members_and_of_one_large_load);
    tcase_add_test(idx, labels_plain_and_gz_load);
    tcase_add_test(idx, two_and_four_dims_load);
    tcase_add_test(idx, truncated_data_names_the_byte);
    tcase_add_test(idx, truncated_header_names_the_byte);
    tcase_add_test(idx, wrong_magic);
    tcase_add_test(idx, only_unsigned_bytes);
    tcase_add_test(idx, dimensions_one_to_four);
    tcase_add_test(idx, zero_and_absurd_sizes);
    tcase_add_test(idx, trailing_garbage);
    tcase_add_test(idx, missing_file_and_folder);
    tcase_add_test(idx, corrupt_gzip);
    tcase_add_test(idx, corrupt_gzip_far_into_the_data);
    suite_add_tcase(s, idx);

    TCase *cache = tcase_create("cache");
    tcase_add_test(cache, cache_serves_a_gzip_file_decoded_once);
    tcase_add_test(cache, cache_entry_damaged_or_cut_is_not_used);
    tcase_add_test(cache, cache_never_serves_a_changed_file);
    tcase_add_test(cache, cache_off_small_unwritable_and_where);
    suite_add_tcase(s, cache);

    TCase *data = tcase_create("dataset");
    tcase_add_test(data, data_path_absolute_is_used_as_is);
    tcase_add_test(data, data_path_looks_in_nnc_data_first);
    tcase_add_test(data, data_path_not_found_lists_the_places);
    tcase_add_test(data, dataset_loads_and_agrees);
    tcase_add_test(data, dataset_count_mismatch);
    tcase_add_test(data, dataset_label_out_of_range);
    tcase_add_test(data, dataset_image_size_and_label_shape);
    tcase_add_test(data, dataset_reports_the_bad_file);
    tcase_add_test(data, limit_keeps_the_first);
    tcase_add_test(data, split_holds_out_the_last_fraction);
    tcase_add_test(data, fashion_mnist_test_set);
    suite_add_tcase(s, data);

    TCase *batch = tcase_create("batch");
    tcase_add_test(batch, shuffle_is_a_deterministic_permutation);
    tcase_add_test(batch, shuffle_is_uniform);
    tcase_add_test(batch, batch_fill_scales_and_follows_order);
    suite_add_tcase(s, batch);

    TCase *rng = tcase_create("rng");
    tcase_add_test(rng, rng_is_the_documented_algorithm);
    tcase_add_test(rng, rng_same_seed_same_sequence);
    tcase_add_test(rng, rng_uniform_statistics);
    tcase_add_test(rng, rng_normal_statistics);
    tcase_add_test(rng, rng_below_is_in_range_and_unbiased);
    suite_add_tcase(s, rng);
    return s;
}

int main(void)
{
    return run_suite(idx_suite());
}
