/* vocab.c: the runtime's names for the values of its enums, the words a
 * .nn file writes, made from nnrt.h's lists so they cannot drift from
 * the enums or from nnc's checker. */
#include <stddef.h>

#include "vocab.h"

static const char *const INIT_WORDS[] = { NNRT_INITS(VOCAB_WORD) };
static const char *const OPTIMIZER_WORDS[] = { NNRT_OPTIMIZERS(VOCAB_WORD) };
static const char *const SCHEDULE_WORDS[] = { NNRT_SCHEDULES(VOCAB_WORD) };
static const char *const MONITOR_WORDS[] = { NNRT_MONITORS(VOCAB_WORD) };
/* NNRT_LOSS_UNSET, before the list, has no word */
static const char *const LOSS_WORDS[] = { NULL, NNRT_LOSSES(VOCAB_WORD) };

/* value as an index: unsigned, so a negative one is out of range too */
static const char *word_at(const char *const *words, int n, unsigned value)
{
    return value < (unsigned)n ? words[value] : NULL;
}

const char *nnrt_init_word(nnrt_init init)
{
    return word_at(INIT_WORDS, COUNT(INIT_WORDS), (unsigned)init);
}

const char *nnrt_optimizer_word(nnrt_optimizer_kind kind)
{
    return word_at(OPTIMIZER_WORDS, COUNT(OPTIMIZER_WORDS), (unsigned)kind);
}

const char *nnrt_schedule_word(nnrt_schedule_kind kind)
{
    return word_at(SCHEDULE_WORDS, COUNT(SCHEDULE_WORDS), (unsigned)kind);
}

const char *nnrt_monitor_word(nnrt_monitor monitor)
{
    return word_at(MONITOR_WORDS, COUNT(MONITOR_WORDS), (unsigned)monitor);
}

const char *nnrt_loss_word(nnrt_loss_kind loss)
{
    return word_at(LOSS_WORDS, COUNT(LOSS_WORDS), (unsigned)loss);
}
