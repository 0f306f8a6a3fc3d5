/* test_binio.c: the binary reader and writer (binio.h, bin_read.c,
 * bin_write.c) and the weights loaders built on them (weights_file.c,
 * transfer.c): every field type round trip, bit for bit; input cut at
 * every offset giving one error that names the first field it cuts;
 * checksums; a loader never reading past the end (run under ASan: each
 * cut file is read into a buffer of exactly its size). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SUITE_DIR "binio"
#include "tiny_model.h"

/* ---- one of every field ---------------------------------------------------- */

/* A field as the reader names it when it is cut short. */
typedef struct field {
    size_t at, bytes;
    const char *what;
} field;

static const float FLOATS[] = { 1.5f, -0.0f, 1e-40f /* denormal */, INFINITY };
static const int INTS[] = { 0, 7, -1 };

/* Writes one of each, in this order, and lists their fields. */
static size_t write_sample(nnrt_bin_writer *w, field *fields)
{
    static const field list[] = {
        { 0, 4, "u32" },   { 4, 8, "u64" },       { 12, 4, "f32" },  { 16, 8, "f64" },
        { 24, 4, "text" }, { 28, 5, "text" },     { 33, 16, "f32s" }, { 49, 12, "ints" },
    };
    nnrt_bin_put_u32(w, 0xdeadbeefu);
    nnrt_bin_put_u64(w, 0x0102030405060708ull);
    nnrt_bin_put_f32(w, -2.25f);
    nnrt_bin_put_f64(w, 1.0 / 3);
    nnrt_bin_put_text(w, "dense");
    nnrt_bin_put_f32s(w, FLOATS, 4);
    nnrt_bin_put_ints(w, INTS, 3);
    if (fields)
        memcpy(fields, list, sizeof list);
    return sizeof list / sizeof list[0];
}

enum { SAMPLE_BYTES = 61 };

/* Reads the sample back, straight down; the values read into out. */
typedef struct sample {
    uint32_t u32;
    uint64_t u64;
    float f32;
    double f64;
    uint32_t text_len;
    char text[8];
    float floats[4];
    int ints[3];
} sample;

static void read_sample(nnrt_bin_reader *r, sample *s)
{
    memset(s, 0x55, sizeof *s);
    s->u32 = nnrt_bin_u32(r, "u32");
    s->u64 = nnrt_bin_u64(r, "u64");
    s->f32 = nnrt_bin_f32(r, "f32");
    s->f64 = nnrt_bin_f64(r, "f64");
    const char *text = nnrt_bin_text(r, "text", &s->text_len);
    memcpy(s->text, text, s->text_len < 8 ? s->text_len : 7);
    s->text[s->text_len < 8 ? s->text_len : 7] = '\0';
    nnrt_bin_f32s(r, "f32s", s->floats, 4);
    nnrt_bin_ints(r, "ints", s->ints, 3);
}

START_TEST(every_field_type_round_trips_bit_for_bit)
{
    unsigned char buf[128];
    nnrt_bin_writer w;
    nnrt_bin_write_to_buffer(&w, buf, sizeof buf);
    write_sample(&w, NULL);
    nnrt_bin_put_crc(&w);
    ck_assert_uint_eq(w.bytes, SAMPLE_BYTES + 4);
    ck_assert_int_eq(w.overflow, 0);
    /* little-endian whatever the machine */
    ck_assert_mem_eq(buf, ((unsigned char[]){ 0xef, 0xbe, 0xad, 0xde, 8, 7, 6, 5, 4, 3, 2, 1 }),
                     12);
    ck_assert_mem_eq(buf + 24, ((unsigned char[]){ 5, 0, 0, 0, 'd', 'e', 'n', 's', 'e' }), 9);
    ck_assert_uint_eq(nnrt_bin_le32(buf + SAMPLE_BYTES), (uint32_t)crc32(0, buf, SAMPLE_BYTES));

    nnrt_error err = { "" };
    nnrt_bin_reader r;
    nnrt_bin_reader_init(&r, "sample", buf, w.bytes, &err);
    ck_assert_int_eq(nnrt_bin_check_crc(&r, "damaged"), 0);
    ck_assert_uint_eq(r.len, SAMPLE_BYTES);
    sample s;
    read_sample(&r, &s);
    ck_assert_msg(nnrt_bin_ok(&r) == 0, "%s", err.msg);
    ck_assert_uint_eq(r.pos, SAMPLE_BYTES);
    ck_assert_uint_eq(s.u32, 0xdeadbeefu);
    ck_assert_uint_eq(s.u64, 0x0102030405060708ull);
    ck_assert(s.f32 == -2.25f);
    ck_assert(s.f64 == 1.0 / 3);
    ck_assert_str_eq(s.text, "dense");
    ck_assert_mem_eq(s.floats, FLOATS, sizeof FLOATS);   /* -0 and the denormal too */
    ck_assert_mem_eq(s.ints, INTS, sizeof INTS);
}
END_TEST

START_TEST(counting_and_a_full_buffer)
{
    nnrt_bin_writer count;
    nnrt_bin_count_only(&count);
    write_sample(&count, NULL);
    ck_assert_uint_eq(count.bytes, SAMPLE_BYTES);

    unsigned char small[20];
    nnrt_bin_writer w;
    nnrt_bin_write_to_buffer(&w, small, sizeof small);
    write_sample(&w, NULL);
    ck_assert_int_eq(w.overflow, 1);
    ck_assert_uint_eq(w.bytes, SAMPLE_BYTES);   /* counted on, as the sizes are wanted */
}
END_TEST

/* The sample cut after `cut` bytes, in a buffer of exactly that size. */
START_TEST(a_cut_at_every_offset_names_the_field_it_cuts)
{
    unsigned char full[SAMPLE_BYTES];
    field fields[16];
    nnrt_bin_writer w;
    nnrt_bin_write_to_buffer(&w, full, sizeof full);
    size_t n_fields = write_sample(&w, fields);
    for (size_t cut = 0; cut < SAMPLE_BYTES; cut++) {
        unsigned char *bytes = malloc(cut ? cut : 1);
        memcpy(bytes, full, cut);
        nnrt_error err = { "" };
        nnrt_bin_reader r;
        nnrt_bin_reader_init(&r, "cut.bin", bytes, cut, &err);
        sample s;
        read_sample(&r, &s);
        ck_assert_int_eq(nnrt_bin_ok(&r), -1);
        const field *f = fields;
        while (f < fields + n_fields - 1 && f->at + f->bytes <= cut)
            f++;
        char want[256];
        snprintf(want, sizeof want, "cut.bin: byte %zu: truncated: expected %zu bytes of %s, "
                 "found %zu", f->at, f->bytes, f->what, cut - f->at);
        ck_assert_str_eq(err.msg, want);
        ck_assert_uint_eq(r.pos, f->at);   /* reads after the first error are no-ops */
        ck_assert_uint_eq(s.ints[2], (uint32_t)0x55555555);   /* left as it was */
        free(bytes);
    }
}
END_TEST

START_TEST(only_the_first_error_is_kept)
{
    unsigned char bytes[4] = { 1, 0, 0, 0 };
    nnrt_error err = { "" };
    nnrt_bin_reader r;
    nnrt_bin_reader_init(&r, "f", bytes, 4, &err);
    ck_assert_int_eq(nnrt_bin_fail(&r, 2, "the first"), -1);
    ck_assert_int_eq(nnrt_bin_fail(&r, 3, "the second"), -1);
    ck_assert_str_eq(err.msg, "f: byte 2: the first");
    ck_assert_uint_eq(nnrt_bin_u32(&r, "u32"), 0);   /* there, but after an error */
    ck_assert_ptr_null(nnrt_bin_bytes(&r, 1, "byte"));
    uint32_t len = 9;
    ck_assert_str_eq(nnrt_bin_text(&r, "text", &len), "");
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(err.msg, "f: byte 2: the first");
}
END_TEST

START_TEST(a_wrong_checksum_names_the_file_and_its_byte)
{
    unsigned char buf[SAMPLE_BYTES + 4];
    nnrt_bin_writer w;
    nnrt_bin_write_to_buffer(&w, buf, sizeof buf);
    write_sample(&w, NULL);
    nnrt_bin_put_crc(&w);
    uint32_t stored = nnrt_bin_le32(buf + SAMPLE_BYTES);
    buf[30] ^= 1;
    nnrt_error err;
    nnrt_bin_reader r;
    nnrt_bin_reader_init(&r, "x.bin", buf, sizeof buf, &err);
    ck_assert_int_eq(nnrt_bin_check_crc(&r, "the file is damaged"), -1);
    char want[256];
    snprintf(want, sizeof want, "x.bin: byte %d: checksum 0x%08x, but the contents give 0x%08x: "
             "the file is damaged", SAMPLE_BYTES, stored, (uint32_t)crc32(0, buf, SAMPLE_BYTES));
    ck_assert_str_eq(err.msg, want);

    nnrt_bin_reader_init(&r, "short.bin", buf, 3, &err);
    ck_assert_int_eq(nnrt_bin_check_crc(&r, "damaged"), -1);
    ck_assert_str_eq(err.msg, "short.bin: byte 3: truncated: no room for a 4-byte checksum");
}
END_TEST

/* ---- weights files cut short ---------------------------------------------- */

/* The tiny model's weights as a version 1 file (no checksum), so that
 * a cut reaches the tensors rather than the checksum. */
static unsigned char *version_1_weights(size_t *len)
{
    nnrt_model m = tiny_model();
    nnrt_error err;
    char path[1100];
    path_in(path, sizeof path, "full.weights");
    for (int i = 0; i < IN * K; i++)
        W[i] = (float)i / 8;
    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    unsigned char *bytes = (unsigned char *)slurp_len(path, len);
    ck_assert_uint_eq(*len, 120);
    bytes[4] = 1;
    *len -= 4;
    return bytes;
}

/* Where each field of the tiny model's weights file starts, and its name
 * in a message. */
static const field TINY_FIELDS[] = {
    { 0, 4, "magic number" },   { 4, 4, "format version" },  { 8, 4, "tensor count" },
    { 12, 4, "tensor name length" }, { 16, 8, "tensor name" }, { 24, 4, "dimension count" },
    { 28, 8, "dimensions" },    { 36, 48, "dense1.w values" },
    { 84, 4, "tensor name length" }, { 88, 8, "tensor name" }, { 96, 4, "dimension count" },
    { 100, 4, "dimensions" },   { 104, 12, "dense1.b values" },
};

/* Cut before the tensors could fit, the count is refused first: a
 * reader sizes an allocation by it. */
static void expect_cut_message(const char *path, size_t cut, const char *got)
{
    char want[2400];
    if (cut >= 12 && cut < 36) {
        snprintf(want, sizeof want, "%s: byte 8: 2 tensors cannot fit in %zu bytes", path, cut);
        ck_assert_str_eq(got, want);
        return;
    }
    const field *f = TINY_FIELDS;
    while (f->at + f->bytes <= cut)
        f++;
    snprintf(want, sizeof want, "%s: byte %zu: truncated: expected %zu bytes of %s, found %zu",
             path, f->at, f->bytes, f->what, cut - f->at);
    ck_assert_str_eq(got, want);
}

START_TEST(weights_cut_at_every_offset_load_nothing)
{
    size_t len;
    unsigned char *full = version_1_weights(&len);
    nnrt_model m = tiny_model();
    char path[1100];
    path_in(path, sizeof path, "cut.weights");
    int saved = stderr_silence();   /* "version 1 carries no checksum", each time */
    for (size_t cut = 0; cut < len; cut++) {
        write_bytes(path, full, cut);
        for (int i = 0; i < IN * K; i++)
            W[i] = -1;
        nnrt_error err;
        ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
        expect_cut_message(path, cut, err.msg);
        ck_assert(W[IN * K - 1] == -1);   /* nothing loaded */
    }
    stderr_restore(saved);
    free(full);
}
END_TEST

/* Transfers read weights through the same reader: the same messages. */
START_TEST(transfer_from_a_cut_file_names_the_same_bytes)
{
    size_t len;
    unsigned char *full = version_1_weights(&len);
    char path[1100];
    path_in(path, sizeof path, "base.weights");
    nnrt_transfer from[] = { { "dense1.b", path } };
    nnrt_model m = tiny_model();
    m.n_transfers = 1;
    m.transfers = from;
    write_bytes(path, full, len);
    nnrt_error err;
    ck_assert_msg(nnrt_params_transfer(&m, &err) == 0, "%s", err.msg);
    int saved = stderr_silence();   /* "version 1 carries no checksum", each time */
    for (size_t cut = 0; cut < len; cut++) {
        write_bytes(path, full, cut);
        ck_assert_int_eq(nnrt_params_transfer(&m, &err), -1);
        expect_cut_message(path, cut, err.msg);
    }
    stderr_restore(saved);
    free(full);
}
END_TEST

START_TEST(bad_magic_version_and_checksum_name_file_and_byte)
{
    nnrt_model m = tiny_model();
    char path[1100], want[2400];
    nnrt_error err;
    path_in(path, sizeof path, "head.weights");
    write_bytes(path, "NNCW", 4);
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: byte 4: truncated: expected 4 bytes of format version, "
             "found 0", path);
    ck_assert_str_eq(err.msg, want);

    write_bytes(path, "NNCX\3\0\0\0", 8);
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: byte 0: not an nnc weights file (no 'NNCW' at the start)",
             path);
    ck_assert_str_eq(err.msg, want);

    write_bytes(path, "NNCW\011\0\0\0", 8);
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: byte 4: format version 9; this trainer reads versions 1 "
             "to 3", path);
    ck_assert_str_eq(err.msg, want);

    ck_assert_msg(nnrt_weights_save(&m, path, &err) == 0, "%s", err.msg);
    size_t len;
    unsigned char *bytes = (unsigned char *)slurp_len(path, &len);
    bytes[40] ^= 0x80;
    write_bytes(path, bytes, len);
    ck_assert_int_eq(nnrt_weights_load(&m, path, &err), -1);
    snprintf(want, sizeof want, "%s: byte %zu: checksum 0x", path, len - 4);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, ": the file is damaged or cut short"));
    free(bytes);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("binio");
    TCase *rw = tcase_create("reader and writer");
    tcase_add_test(rw, every_field_type_round_trips_bit_for_bit);
    tcase_add_test(rw, counting_and_a_full_buffer);
    tcase_add_test(rw, a_cut_at_every_offset_names_the_field_it_cuts);
    tcase_add_test(rw, only_the_first_error_is_kept);
    tcase_add_test(rw, a_wrong_checksum_names_the_file_and_its_byte);
    suite_add_tcase(s, rw);
    TCase *weights = tcase_create("weights files");
    tcase_add_checked_fixture(weights, setup, NULL);
    tcase_add_test(weights, weights_cut_at_every_offset_load_nothing);
    tcase_add_test(weights, transfer_from_a_cut_file_names_the_same_bytes);
    tcase_add_test(weights, bad_magic_version_and_checksum_name_file_and_byte);
    suite_add_tcase(s, weights);
    return run_suite(s);
}
