/* sample.c: the `sample` command: new text from a character-level model
 * (text.c), one character at a time.
 *
 * The ids are turned into bytes and back by the vocabulary the weights
 * hold (the embedding layer's state tensor), so no text file is read.
 * The context starts as the prime's ids; each step runs the model in
 * inference mode on the context's last `window` ids (a shorter context
 * is padded on the left with the prime's first id, repeated), draws the
 * next id from the output's probabilities p re-weighted as p^(1/T), and
 * appends it.  T = 1 draws from the model's own distribution, a lower T
 * keeps to its likelier choices, T below 0.01 takes the likeliest (the
 * first maximum, as accuracy counts it) without drawing.  An id no
 * character has (its vocabulary entry 0) is never drawn.  The draws come
 * from one generator seeded from --seed: the same seed and weights, the
 * same text.
 *
 * stdout gets the prime, then the generated characters, byte for byte;
 * on a terminal, a newline after them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnrt_internal.h"

#define ARGMAX_BELOW 0.01f   /* a temperature below this takes the likeliest id */

/* Ids and bytes both ways: byte_of[k] for each of the vocab_size ids (-1:
 * none), id_of[b] for each byte (-1: not in the vocabulary). */
typedef struct vocabulary {
    int *byte_of;
    int id_of[256];
    int n_used;
} vocabulary;

/* m's vocabulary tensor, as the weights file `weights` set it: each entry
 * 0 or a byte + 1, no byte twice. */
static int vocabulary_read(const nnrt_model *m, const char *weights, vocabulary *v,
                           nnrt_error *err)
{
    for (int b = 0; b < 256; b++)
        v->id_of[b] = -1;
    v->n_used = 0;
    for (int k = 0; k < m->vocab_size; k++) {
        float e = m->vocabulary[k];
        v->byte_of[k] = -1;
        if (e == 0)
            continue;
        int byte = e >= 1 && e <= 256 && e == floorf(e) ? (int)e - 1 : -1;
        if (byte < 0 || v->id_of[byte] >= 0)
            return nnrt_fail(err, "%s: the vocabulary's id %d holds %g, which is no character "
                             "(or one that another id has): these are not a text model's "
                             "weights", weights, k, (double)e);
        v->byte_of[k] = byte;
        v->id_of[byte] = k;
        v->n_used++;
    }
    if (v->n_used == 0)
        return nnrt_fail(err, "%s: the vocabulary is empty: these weights never learnt from a "
                         "text; train first", weights);
    return 0;
}

/* Every byte of prime in the vocabulary, or an error listing those that
 * are not, each once, in the order they come: "'~', '\xc3' and '\xa9'". */
static int prime_check(const vocabulary *v, const char *prime, nnrt_error *err)
{
    int listed[256] = { 0 }, n_unknown = 0, last = -1;
    char list[512] = "", one[16];
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)prime; *p; p++)
        if (v->id_of[*p] < 0 && !listed[*p]) {
            listed[*p] = 1;
            if (last >= 0 && used + 16 < sizeof list)   /* the one before, now not the last */
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         used ? ", " : "", nnrt_text_char(last, one, sizeof one));
            last = *p;
            n_unknown++;
        }
    if (n_unknown == 0)
        return 0;
    snprintf(list + used, sizeof list - used, "%s%s", used ? " and " : "",
             nnrt_text_char(last, one, sizeof one));
    return nnrt_fail(err, "--prime: %s %s not in the vocabulary the model learnt (%d "
                     "characters); use only characters of the text it was trained on", list,
                     n_unknown == 1 ? "is" : "are", v->n_used);
}

/* The next id from p (vocab_size probabilities): the likeliest below
 * ARGMAX_BELOW, else drawn with weights p^(1/t), computed as
 * exp((ln p - ln p_max) / t) so that a small t does not underflow to all
 * 0s.  -1 when p holds a NaN or an infinity.  w is scratch, vocab_size. */
static int draw(const nnrt_model *m, const vocabulary *v, const float *p, float t,
                nnrt_rng *rng, double *w)
{
    int best = -1;
    for (int k = 0; k < m->vocab_size; k++) {
        if (!isfinite(p[k]))
            return -1;
        if (v->byte_of[k] >= 0 && (best < 0 || p[k] > p[best]))
            best = k;
    }
    if (t < ARGMAX_BELOW || !(p[best] > 0))
        return best;
    double total = 0, log_best = log((double)p[best]);
    for (int k = 0; k < m->vocab_size; k++) {
        w[k] = v->byte_of[k] >= 0 && p[k] > 0 ? exp((log((double)p[k]) - log_best) / t) : 0;
        total += w[k];
    }
    /* u uniform in (0, total): the id whose slice of [0, total) holds it */
    double u = ((double)nnrt_rng_u32(rng) + 0.5) * 0x1p-32 * total;
    int last = best;
    for (int k = 0; k < m->vocab_size; k++)
        if (w[k] > 0) {
            last = k;
            if ((u -= w[k]) < 0)
                return k;
        }
    return last;   /* rounding left u a hair above 0 */
}

/* context (window ids, the oldest first) is the prime's last ids, padded
 * on the left with its first. */
static void context_start(const vocabulary *v, const char *prime, int *context, int window)
{
    const unsigned char *p = (const unsigned char *)prime;
    int len = (int)strlen(prime);
    for (int k = 0; k < window; k++) {
        int at = len - window + k;
        context[k] = v->id_of[p[at < 0 ? 0 : at]];
    }
}

static int generate(const nnrt_model *m, const nnrt_sample_opts *o, const vocabulary *v,
                    const char *prime, int *context, double *w, nnrt_error *err)
{
    int window = m->in_size, tty = isatty(STDOUT_FILENO);
    nnrt_rng rng;
    nnrt_rng_stream(&rng, o->seed, NNRT_STREAM_SAMPLE);
    context_start(v, prime, context, window);
    fputs(prime, stdout);
    float *x = nnrt_input(m);
    for (int step = 0; step < o->length; step++) {
        for (int k = 0; k < window; k++)
            x[k] = (float)context[k];
        nnrt_run_batch(m, 1, NULL, 0, NULL, 0);
        int id = draw(m, v, nnrt_output(m), o->temperature, &rng, w);
        if (id < 0) {
            fflush(stdout);
            return nnrt_fail(err, "character %d: the model's output is not a finite number: "
                             "it overflows with these weights", step + 1);
        }
        memmove(context, context + 1, (size_t)(window - 1) * sizeof *context);
        context[window - 1] = id;
        putchar(v->byte_of[id]);
        if (tty)
            fflush(stdout);   /* a person sees it come */
    }
    if (tty)
        putchar('\n');
    fflush(stdout);
    return 0;
}

static int run(const nnrt_model *m, const nnrt_sample_opts *o, vocabulary *v, int *context,
               double *w, nnrt_error *err)
{
    if (o->weights_default && access(o->weights, F_OK) != 0 && errno == ENOENT)
        return nnrt_fail(err, "%s: no weights there yet: train first, or give --weights FILE",
                         o->weights);
    if (nnrt_weights_load(m, o->weights, err) != 0 || vocabulary_read(m, o->weights, v, err) != 0)
        return -1;
    /* no prime: a space, where a new word would start, or else the first character */
    char first[2] = { ' ', 0 };
    if (v->id_of[' '] < 0) {
        int k = 0;
        while (v->byte_of[k] < 0)   /* one id at least is used: vocabulary_read */
            k++;
        first[0] = (char)v->byte_of[k];
    }
    const char *prime = o->prime ? o->prime : first;
    if (prime_check(v, prime, err) != 0)
        return -1;
    return generate(m, o, v, prime, context, w, err);
}

int nnrt_sample_run(const nnrt_model *m, const nnrt_sample_opts *o, nnrt_error *err)
{
    if (!m->text_file || !m->vocabulary || m->vocab_size < 1)
        return nnrt_fail(err, "sample writes text from a character-level model (one whose data "
                              "is a `text \"FILE\"`); %s learns from no text", m->name);
    if (m->in_size < 1 || m->vocab_size > m->n_classes)
        return nnrt_fail(err, "%s: a vocabulary of %d characters for %d outputs (a bug in nnc)",
                         m->name, m->vocab_size, m->n_classes);
    vocabulary v;
    v.byte_of = malloc((size_t)m->vocab_size * sizeof *v.byte_of);
    int *context = malloc((size_t)m->in_size * sizeof *context);
    double *w = malloc((size_t)m->vocab_size * sizeof *w);
    int rc = v.byte_of && context && w ? run(m, o, &v, context, w, err)
                                       : nnrt_fail(err, "out of memory");
    free(v.byte_of);
    free(context);
    free(w);
    return rc;
}
