/* emit.h: what the C emitter's files share.  Not used outside them. */
#ifndef EMIT_H
#define EMIT_H

#include "nnc.h"

typedef struct Emitter {
    FILE *out;
    const Ir *ir;
    const Model *m;
    unsigned char *used;   /* per buffer: referenced by a live op */
} Emitter;

#define OUT(...) fprintf(e->out, __VA_ARGS__)

/* The shortest C float literal that reads back as the same float. */
const char *float_lit(char *buf, size_t len, double v);
/* The comment quoting the .nn line a piece of code came from (left open). */
void emit_source_line(Emitter *e, const Stmt *s);
const IrBuf *buf(const Emitter *e, int i);

/* emit_loss.c: the loss function, and its gradient */
void emit_loss(Emitter *e, const IrOp *op);

#endif
