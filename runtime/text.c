/* text.c: a model's samples from a text, `text "FILE"` with `window W` in
 * its .nn file: a character-level language model, which reads W
 * characters and learns the one after them.
 *
 * A character is a byte (a UTF-8 letter beyond ASCII is two or more), and
 * the model sees it as its id: the text's distinct bytes, in increasing
 * order, are ids 0, 1, ...  That list is the vocabulary; the embedding
 * layer keeps it with the weights, as its state tensor `vocabulary` (each
 * id's byte + 1, 0 for an id no byte has), so that `sample` can turn ids
 * back into text without the file, and so that weights are never used on
 * a text whose ids mean other characters: the first text sets it (fresh
 * weights hold 0s), every later one must have the same.
 *
 * The text is cut in time, as a series is (series.c): its last
 * test_fraction of bytes is the test part, the bytes before it the
 * training part (whose last windows the trainer holds out for
 * validation).  Each part makes its own samples: window i is ids
 * [i, i + W) of the part, its label the id at i + W.  So a part of n
 * bytes makes n - W samples, each W + 1 floats: a text of b bytes takes
 * some 4 (W + 1) b bytes of memory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "nnrt_internal.h"

const char *nnrt_text_char(int byte, char *buf, size_t len)
{
    if (byte < 0)
        snprintf(buf, len, "unused");
    else if (byte == '\n')
        snprintf(buf, len, "'\\n'");
    else if (byte == '\t')
        snprintf(buf, len, "'\\t'");
    else if (byte == '\r')
        snprintf(buf, len, "'\\r'");
    else if (byte == '\'' || byte == '\\')
        snprintf(buf, len, "'\\%c'", byte);
    else if (byte >= 0x20 && byte < 0x7f)
        snprintf(buf, len, "'%c'", byte);
    else
        snprintf(buf, len, "'\\x%02x'", (unsigned)byte);
    return buf;
}

/* What nnc's checker guarantees of a text model: a mismatch here would
 * overflow the model's buffers or give labels beyond its outputs. */
static int model_fault(const nnrt_model *m, nnrt_error *err)
{
    if (m->window < 1 || m->in_size != m->window)
        return nnrt_fail(err, "%s: the model reads windows of %d characters into an input of %d "
                         "(a bug in nnc)", m->name, m->window, m->in_size);
    if (!m->vocabulary || m->vocab_size < 1 || m->vocab_size > nnrt_label_bound(m))
        return nnrt_fail(err, "%s: a vocabulary of %d characters for %d outputs (a bug in nnc)",
                         m->name, m->vocab_size, nnrt_label_bound(m));
    return 0;
}

/* The text, whole, into *bytes (malloc'ed) and *len; its path as found. */
static int read_text(const nnrt_model *m, unsigned char **bytes, size_t *len, char *path,
                     nnrt_data_place *place, nnrt_error *err)
{
    if (nnrt_data_find(m->text_file, path, NNRT_DATA_PATH_MAX, place, err) != 0 ||
        nnrt_read_file(path, bytes, len, NULL, err) != 0)
        return -1;
    if (*len == 0) {
        free(*bytes);
        return nnrt_fail(err, "%s: no characters to learn from", path);
    }
    if (*len > (size_t)INT32_MAX - 1) {
        free(*bytes);
        return nnrt_fail(err, "%s: %zu bytes; a text may have %d at most", path, *len,
                         INT32_MAX - 1);
    }
    return 0;
}

/* The byte id k stands for in m's vocabulary tensor, -1 for none (a
 * value that is no byte + 1 counts as none: it differs from any text's). */
static int tensor_byte(const nnrt_model *m, int k)
{
    float v = m->vocabulary[k];
    return v >= 1 && v <= 256 && v == floorf(v) ? (int)v - 1 : -1;
}

/* The text's n ids (byte_of) into m->vocabulary when it holds none yet,
 * else the same ids required there. */
static int vocabulary_set(const nnrt_model *m, const char *path, const int *byte_of, int n,
                          nnrt_error *err)
{
    if (n > m->vocab_size)
        return nnrt_fail(err, "%s: %d distinct characters, more than the model's vocabulary of "
                         "%d: raise embedding's vocabulary to %d in %s", path, n, m->vocab_size,
                         n, m->source ? m->source : "the .nn file");
    int fresh = 1;
    for (int k = 0; k < m->vocab_size && fresh; k++)
        fresh = m->vocabulary[k] == 0;
    for (int k = 0; k < m->vocab_size; k++) {
        int here = k < n ? byte_of[k] : -1;
        if (fresh) {
            m->vocabulary[k] = (float)(here + 1);
            continue;
        }
        if (m->vocabulary[k] != (float)(here + 1)) {
            char there_text[16], here_text[16];
            return nnrt_fail(err, "%s's characters are not the vocabulary these weights were "
                             "trained with (id %d is %s there, %s here); train on this text, or "
                             "use the text the model learnt", path, k,
                             nnrt_text_char(tensor_byte(m, k), there_text, sizeof there_text),
                             nnrt_text_char(here, here_text, sizeof here_text));
        }
    }
    return 0;
}

int nnrt_text_vocabulary(const nnrt_model *m, nnrt_error *err)
{
    unsigned char *bytes;
    size_t len;
    char path[NNRT_DATA_PATH_MAX];
    nnrt_data_place place;
    if (model_fault(m, err) != 0 || read_text(m, &bytes, &len, path, &place, err) != 0)
        return -1;
    int id_of[256], byte_of[256];
    int n = nnrt_text_ids(bytes, len, id_of, byte_of);
    free(bytes);
    return vocabulary_set(m, path, byte_of, n, err);
}

/* The samples of part [from, to) of the text: x is (samples, w) ids, t is
 * (samples) the ids after them. */
static void cut_windows(const unsigned char *bytes, const int *id_of, long from, long samples,
                        int w, float *x, float *t)
{
    for (long i = 0; i < samples; i++) {
        const unsigned char *at = bytes + from + i;
        for (int k = 0; k < w; k++)
            x[(size_t)i * (size_t)w + (size_t)k] = (float)id_of[at[k]];
        t[i] = (float)id_of[at[w]];
    }
}

static int load(const nnrt_model *m, int test, const unsigned char *bytes, size_t len,
                const char *path, nnrt_dataset *out, nnrt_error *err)
{
    int id_of[256], byte_of[256];
    int n_ids = nnrt_text_ids(bytes, len, id_of, byte_of);
    if (vocabulary_set(m, path, byte_of, n_ids, err) != 0)
        return -1;
    long n = (long)len, w = m->window;
    long n_test = nnrt_test_part(n, m->test_fraction);
    long from = test ? n - n_test : 0, to = test ? n : n - n_test;
    long samples = to - from - w;
    if (samples < 1)
        return nnrt_fail(err, "%s: the %s part of the text has %ld character%s (of %ld), too "
                         "few for a window of %ld: it needs %ld or more; use a longer text, a "
                         "shorter window, or another 'test' fraction", path,
                         test ? "test" : "training", to - from, to - from == 1 ? "" : "s", n, w,
                         w + 1);
    size_t floats = (size_t)samples * (size_t)(w + 1);
    float *block = floats / (size_t)(w + 1) == (size_t)samples ? malloc(floats * sizeof *block)
                                                                : NULL;
    if (!block)
        return nnrt_fail(err, "%s: out of memory for %ld windows of %ld characters (%.1f GB): "
                         "use a shorter text or window", path, samples, w,
                         (double)floats * sizeof *block / 1e9);
    float *x = block, *t = block + (size_t)samples * (size_t)w;
    cut_windows(bytes, id_of, from, samples, (int)w, x, t);
    out->n_samples = (int)samples;
    out->features = x;
    out->targets = t;
    out->n_features = (int)w;
    out->n_targets = 1;
    out->target_labels = 1;   /* batches give each sample's t as its integer label */
    out->sample_bytes = (size_t)w;
    out->sample_ndims = 1;
    out->sample_dims[0] = (int)w;
    out->csv_owner = block;
    return 0;
}

int nnrt_text_load(const nnrt_model *m, int test, nnrt_dataset *out, nnrt_error *err)
{
    memset(out, 0, sizeof *out);
    unsigned char *bytes;
    size_t len;
    if (model_fault(m, err) != 0 || read_text(m, &bytes, &len, out->path, &out->place, err) != 0)
        return -1;
    int rc = load(m, test, bytes, len, out->path, out, err);   /* allocates last, or not */
    free(bytes);
    return rc;
}
