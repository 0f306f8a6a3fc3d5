/* emit_augment.c: the augment { ... } section as the .augment field of the
 * model description, in the order of nnrt_augment's fields (so reordering
 * the .nn file's lines does not change the C), with only the changes whose
 * p is above 0.  A model without the section gets no field at all: the
 * runtime's zeroed nnrt_augment means no augmentation. */
#include <stddef.h>

#include "emit.h"

/* One change of nnrt_augment: its C field names and where the Model holds
 * its values; magnitude NULL for the flips, which have none. */
typedef struct Field {
    const char *magnitude, *p;
    size_t magnitude_at, p_at;
} Field;

#define AT(f) offsetof(Augment, f)

static const Field FIELDS[] = {
    { "shift", "shift_p", AT(shift), AT(shift_p) },
    { "rotate", "rotate_p", AT(rotate), AT(rotate_p) },
    { NULL, "hflip_p", 0, AT(hflip_p) },
    { NULL, "vflip_p", 0, AT(vflip_p) },
    { "zoom", "zoom_p", AT(zoom), AT(zoom_p) },
    { "aspect", "aspect_p", AT(aspect), AT(aspect_p) },
    { "brightness", "brightness_p", AT(brightness), AT(brightness_p) },
    { "contrast", "contrast_p", AT(contrast), AT(contrast_p) },
    { "noise", "noise_p", AT(noise), AT(noise_p) },
    { "erase", "erase_p", AT(erase), AT(erase_p) },
};

#define N_FIELDS COUNT(FIELDS)

/* Every float of nnrt_augment is in FIELDS: a magnitude and a p per change,
 * a p alone for each flip. */
_Static_assert(sizeof(nnrt_augment) == (2 * N_FIELDS - 2) * sizeof(float),
               "a row of FIELDS per change of nnrt_augment");

static double value_at(const Augment *a, size_t offset)
{
    return *(const double *)((const char *)a + offset);
}

/*     .augment = {   t.nn:19
 *         .shift = 2.0f, .shift_p = 0.5f,
 *         .hflip_p = 0.5f,
 *     }, */
void emit_augment(Emitter *e)
{
    const Augment *a = &e->m->augment;
    char num[64];
    int used = 0;
    for (int i = 0; i < N_FIELDS; i++)
        used += value_at(a, FIELDS[i].p_at) > 0;
    if (!a->stmt || !used)
        return;
    OUT("    .augment = {   /* ");
    emit_where(e, a->stmt);
    OUT(" */\n");
    for (int i = 0; i < N_FIELDS; i++) {
        const Field *f = &FIELDS[i];
        double p = value_at(a, f->p_at);
        if (!(p > 0))
            continue;
        OUT("        ");
        if (f->magnitude)
            OUT(".%s = %s, ", f->magnitude,
                float_lit(num, sizeof num, value_at(a, f->magnitude_at)));
        OUT(".%s = %s,\n", f->p, float_lit(num, sizeof num, p));
    }
    OUT("    },\n");
}
