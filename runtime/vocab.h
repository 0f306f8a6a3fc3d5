/* vocab.h: nnrt.h's lists of words (NNRT_INITS, NNRT_OPTIMIZERS,
 * NNRT_SCHEDULES, NNRT_MONITORS, NNRT_LOSSES: X(NAME, "word") in enum
 * order) put to use outside generated code: as nnc's checker's word tables
 * and as the runtime's names in its messages (vocab.c).  Shared by the
 * compiler and the runtime; internal, not installed.
 *
 * A table that must stay parallel to a list, and cannot be made from it,
 * says so (`ORDER NNRT_OPTIMIZERS`) and has a _Static_assert on its size. */
#ifndef NNRT_VOCAB_H
#define NNRT_VOCAB_H

#include "nnrt.h"

/* The number of elements of an array (not of a pointer to one). */
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Callbacks for the lists.  A list's words as an initializer,
 *   static const char *const WORDS[] = { NNRT_OPTIMIZERS(VOCAB_WORD) };
 * its enum spellings less the prefix ("ADAM"), and its length,
 *   enum { N_OPTIMIZERS = 0 NNRT_OPTIMIZERS(VOCAB_ONE) }; */
#define VOCAB_WORD(name, word) word,
#define VOCAB_NAME(name, word) #name,
#define VOCAB_ONE(name, word) +1

/* The .nn word for an enum value, as messages print it ("adam",
 * "val_loss"); NULL for a value outside the enum (read from a damaged
 * file) and for NNRT_LOSS_UNSET. */
const char *nnrt_init_word(nnrt_init init);
const char *nnrt_optimizer_word(nnrt_optimizer_kind kind);
const char *nnrt_schedule_word(nnrt_schedule_kind kind);
const char *nnrt_monitor_word(nnrt_monitor monitor);
const char *nnrt_loss_word(nnrt_loss_kind loss);

#endif
