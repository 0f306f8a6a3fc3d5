/* suggest.c: "did you mean": the closest of some known words to one that
 * is not, for nnc's messages (compiler/diag.c, which adds Keras's and
 * PyTorch's spellings) and the trainer's (cli.c: its commands and
 * options).  One distance for both, so a typo is forgiven alike. */
#include <ctype.h>
#include <string.h>

#include "suggest.h"

/* Damerau-Levenshtein distance (optimal string alignment: a swap of two
 * neighbours is one edit, so 'rleu' is 1 from 'relu'), letters compared
 * without case ('ReLU' is 0 from 'relu', and still an error: the words
 * are lowercase).  Three rows; words here are short. */
int nnrt_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1000;
    int rows[3][65], *prev2 = rows[0], *prev = rows[1], *row = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + (ai != bj);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            row[j] = best;
        }
        int *t = prev2;
        prev2 = prev;
        prev = row;
        row = t;
    }
    return prev[lb];
}

const char *nnrt_closest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = 1000;
    for (int i = 0; i < n; i++) {
        int dist = nnrt_edit_distance(word, candidates[i]);
        if (dist < best_d) {
            best_d = dist;
            best = candidates[i];
        }
    }
    /* Close means at most a third of the word wrong (and at least one edit
     * allowed), so 'dens' finds 'dense' but 'foo' finds nothing. */
    int allowed = (int)strlen(word) / 3;
    if (allowed < 1)
        allowed = 1;
    return best_d <= allowed ? best : NULL;
}
