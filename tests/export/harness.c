/* harness.c: an exported model (nnc export ... -o DIR/model) run on the
 * rows `OUT encode --layer input --csv` prints (index,label,input values),
 * printing what `OUT predict --csv` prints for a classifier:
 * index,label,out0,out1,... with %.9g.  tests/test_export.c compares the
 * two.  Reads at most argv[1] rows; built with -DWEIGHTS_AT_RUNTIME (an
 * export with --weights-at-runtime), loads the weights file argv[2]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int main(int argc, char **argv)
{
    long max = argc > 1 ? atol(argv[1]) : 100;
#ifdef WEIGHTS_AT_RUNTIME
    if (argc < 3 || model_load(argv[2]) != MODEL_OK)
        return 4;
#endif
    static char line[1 << 22];
    static float in[MODEL_IN], out[MODEL_OUT];
    if (!fgets(line, sizeof line, stdin))   /* the header */
        return 2;
    for (long row = 0; row < max && fgets(line, sizeof line, stdin); row++) {
        char *p = line, *end;
        long index = strtol(p, &end, 10);
        p = end + 1;
        char *comma = strchr(p, ',');
        if (!comma)
            return 2;
        *comma = '\0';
        printf("%ld,%s", index, p);
        p = comma + 1;
        for (int i = 0; i < MODEL_IN; i++) {
            in[i] = strtof(p, &end);
            if (end == p)
                return 2;
            p = end + 1;
        }
        if (model_predict(in, 1, out) != MODEL_OK)
            return 3;
        for (int k = 0; k < MODEL_OUT; k++)
            printf(",%.9g", (double)out[k]);
        printf("\n");
    }
    return 0;
}
