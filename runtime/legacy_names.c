/* legacy_names.c: the names tensors had before layers were named by their
 * content.  Weight files and checkpoints before version 3 named each layer
 * by its kind and position (dense1, dropout1); the generated model lists
 * each tensor's old name (nnrt_model.legacy_names), and every loader asks
 * here which name to expect, so an old file keeps loading into a model
 * whose layers now have other names. */
#include "nnrt_internal.h"

const char *nnrt_param_file_name(const nnrt_model *m, int p, int legacy_file)
{
    if (legacy_file && m->legacy_names)
        return m->legacy_names[p];
    return m->params[p].name;
}
