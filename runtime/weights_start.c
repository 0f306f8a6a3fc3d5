/* weights_start.c: the weights a command that looks at a model (predict,
 * inspect) runs with: a weights file, or, with none, the weights a run
 * from a seed starts with (as train draws them), so a model can be looked
 * at before any training. */
#include <errno.h>
#include <unistd.h>

#include "nnrt_internal.h"

int nnrt_weights_start(const nnrt_model *m, const char *weights, int weights_default,
                       uint64_t seed, nnrt_error *err)
{
    if (!weights) {
        nnrt_rng init;
        nnrt_rng_stream(&init, seed, NNRT_STREAM_INIT);   /* as train starts */
        return nnrt_params_start(m, &init, err);
    }
    /* the default file is missing when nothing was trained yet: say what to do */
    if (weights_default && access(weights, F_OK) != 0 && errno == ENOENT)
        return nnrt_fail(err, "%s: no weights there yet: train first, or give --weights FILE "
                         "(or --seed N for freshly initialized weights)", weights);
    return nnrt_weights_load(m, weights, err);
}
