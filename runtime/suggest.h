/* suggest.h: "did you mean" (suggest.c).  Internal; not installed. */
#ifndef NNRT_SUGGEST_H
#define NNRT_SUGGEST_H

/* Damerau-Levenshtein distance, letters compared without case */
int nnrt_edit_distance(const char *a, const char *b);
/* The candidate closest to word, or NULL if none is close (a third of
 * word's letters, at least one) */
const char *nnrt_closest(const char *word, const char *const *candidates, int n);

#endif
