/* pick_kernels.c: the kernel of each dense, conv2d and conv2d_transpose
 * op, by the cost rules in nnc.h.
 *
 * dense: every product is a blocked one, nnrt_mm's or cblas_sgemm's
 * (below).  Plain loops with constant bounds, which layers under 4096
 * weights used to get, compiled to scalar code with a store for every
 * multiply-add: fashion_mlp's dense 10 (1280 weights) took 16% of an
 * epoch that way and under 1% by nnrt_mm (the epoch went from 0.23 s to
 * 0.197 s at one thread, on the machine named below).
 *
 * conv2d: every window is copied into rows (im2col) and multiplied
 * (nnrt_mm or cblas_sgemm, below), IM2COL_TARGET_ROWS output pixels (whole
 * samples) a call.  Windows under 64 values (kh * kw * input channels)
 * used to run direct loops with constant bounds over a padded copy of the
 * sample, which cost the same as im2col with cblas_sgemm; against
 * im2col with nnrt_mm they lost at every size measured (Zen 3, AVX2, one
 * thread, an epoch over 10000 images of conv2d, maxpool 2, dense 10, the
 * faster of 2 alternating runs while other jobs shared the machine): 1x1x1 with 8 filters 0.212 s against 0.183 s, 2x2x1 with 16
 * 0.877 s against 0.329 s, 3x3x1 with 1 0.157 s against 0.137 s, with 4
 * 0.439 s against 0.260 s, with 16 1.302 s against 0.500 s, with 32 at
 * stride 2 0.390 s against 0.205 s, 5x5x1 with 32 (fashion_cnn's first)
 * 1.708 s against 1.021 s.  The direct loops' sums went a multiply and
 * an add at a time (the trainers are built with -ffp-contract=off), one
 * output pixel at a time, each waiting on the last; nnrt_mm's tiles keep
 * 12 sums of 6 pixels in flight.
 *
 * conv2d_transpose: the same products, the roles swapped
 * (emit_conv_transpose.c): each input pixel's window of the output a row
 * of x W^T, the rows then added into the output (col2im), IM2COL_TARGET_ROWS
 * input pixels (whole samples) a call; backward, the windows of dz copied
 * into rows.  Its direct loops over each pixel's taps, a multiply and an
 * add at a time, took the conv autoencoder example's epoch over 10000
 * images to 4.67-4.75 s at one thread; by col2im and nnrt_mm, 2.09-2.17 s
 * (same machine as above, alternating runs), the same loss to 3 digits.
 *
 * A conv2d of fewer filters than MM_NARROW_FILTERS (8, an AVX2 vector's
 * lanes) computes forward and dW by dot products along each window
 * (nnrt_mm_bias_nt, and nnrt_mm_tn into dW^T): nnrt_mm's tiles put the
 * filters across a vector's lanes, one lane of 8 used for 1 filter, as in
 * the last layer of an image autoencoder.  fashion_conv_autoencoder's
 * conv2d 1 took its epoch over 10000 images at one thread from 2.10-2.18 s
 * to 1.77-1.85 s.  (Its im2col's rows, 48 values a copy, went from memcpy
 * calls to moves in line: 1.62-1.70 s to 1.58-1.62 s in alternating runs;
 * then whole vectors in place of a masked last one, nnrt_copy_over, made
 * fashion_cnn's steps 4% faster, its conv32's rows being 5 values.)
 *
 * A conv2d of stride 1 and a 3x3 or 5x5 window, with at least
 * WINO_MIN_CHANNELS (8) input channels and MM_NARROW_FILTERS (8) filters,
 * goes by Winograd's F(4x4, 3x3) or F(4x4, 5x5) (runtime/nnrt_winograd.h):
 * 6x6 or 8x8 tiles of the input and the filters taken to 36 or 64 points,
 * the sums over the channels a product by nnrt_mm at each point, 36 or 64
 * multiply-adds for 16 outputs where im2col spends 144 or 400; and
 * backward's dx the same way,
 * dz through the filters turned 180 degrees (no col2im), and dW from x's
 * tiles and dz's at the same points.  Measured one sample at a time,
 * transforms and products, against im2col's copy and product (AVX2, Zen
 * 3, one thread, best of 5
 * while other jobs shared the machine): fashion_cnn's conv64 (5x5, 32 to
 * 64, 14x14) 0.107 ms against 0.229 ms; 3x3 32 to 32 over 28x28, 0.060
 * against 0.170; 16 to 32, 0.035 against 0.085; 8 to 8, 0.009 against
 * 0.023; 64 to 64 over 14x14, 0.081 against 0.171; 128 to 128 over 7x7,
 * 0.147 against 0.242 (its 2x2 tiles overhang the image); but over 1 or 3
 * channels it lost or tied (5x5 1 to 32 over 28x28, fashion_cnn's conv32:
 * 0.045 against 0.029; 3x3 3 to 32, 0.036 against 0.025), whence the 8
 * channels.  The transforms run a vector of channels at a time, so fewer
 * channels than a vector's lanes waste them.  A group of tiles' U and M
 * (WINO_GROUP_TILES, 18: 17 to 18 tiles of fashion_cnn's 49) were
 * fastest with their 36 points a cache line more than whole rows apart
 * (nnrt_winograd.h); 12 to 48 tiles a group did within 6% of 18.  (Those
 * 5x5 figures were F(2x2, 5x5)'s, 6x6 tiles for 2x2 outputs.  F(4x4, 5x5)
 * then took them, one sample's forward, dW and dx (same machine, best of
 * 30 runs of 32 samples): conv64 0.102, 0.115, 0.104 ms to 0.069, 0.078,
 * 0.069 (its 16 tiles in one group, 8 a group no faster); 5x5 32 to 32 over
 * 28x28, 0.210, 0.244, 0.209 to 0.111, 0.121, 0.107; 64 to 64 over 7x7,
 * 0.067, 0.073, 0.068 to 0.045, 0.048, 0.045; 8 to 16 over 28x28, 0.041,
 * 0.042, 0.050 to 0.030, 0.023, 0.025.)
 * fashion_cnn's epoch over 5000 images at one thread (alternating runs):
 * 5.82 s by im2col, 4.69 s with forward and dx by tiles, 4.19 s with dW
 * too.  With tiles grouped within a sample, a 7x7 map's products were
 * of 4 tiles, yet they still won there: a convnet of 3x3 convolutions
 * (32, 64 filters at 28x28 and 14x14, then two of 128 at 7x7), 100 steps
 * of 64 at one thread, 7.27 s by tiles against 8.85 s by im2col (medians
 * of 3), each 7x7 layer's forward and backward 10-15% faster.  Now a
 * sample of at most half WINO_GROUP_TILES tiles is grouped with others,
 * WINO_GROUP_TILES / its tiles samples a call (wino_samples: 4 of 4
 * tiles at 7x7), each output the same bits: the same convnet's 100 steps
 * went from 6.41-6.66 s to 5.27-5.35 s (alternating runs, one thread),
 * its two 7x7 layers 23% faster.  The sums go
 * through the points, so they are not im2col's bits
 * (within 1e-5 of the terms' magnitudes: tests/test_kernels.c); the trainer's
 * double-precision twin, which gradcheck runs, computes the same
 * convolution directly (nnrt_winograd.h says why).
 *
 * A trained dense layer has its W in blocks of rows (DENSE_BLOCK_VALUES,
 * DENSE_BLOCK_MIN_ROWS): every product that reads or writes W goes block
 * by block, forward's x W as a part per block (the parts added in block
 * order), backward's dx = dz W^T by the blocks' columns of dx, and dW by
 * their rows (emit_weight_grad.c); the runtime updates each block right
 * after its dW.  It runs block b on thread b % threads every time
 * (nnrt_each_block), so a block's weights stay in the cache of the core
 * that updates them: on the 2-core development machine, moving
 * fashion_mlp's 400 KB W between cores each step cost as much as the
 * second core saved.  The blocks are fixed by the shapes alone, so the
 * sums are the same whatever the threads.  Thinner blocks run slower: an
 * epoch of overfit_large on 10000 samples (layers 512 wide) took 1.82 s
 * at one thread in blocks of 32 rows, 1.54 s in blocks of 128 rows and
 * 1.51 s unblocked; at two threads, 1.15 s, 0.99 s and 1.53 s.  A block's
 * first value is a multiple of OPT_BLOCK, the optimizer's block
 * (runtime/optim.h): each value meets the same update code whatever block
 * it is in.
 *
 * The products of a dense layer, a conv2d and a conv2d_transpose are nnrt_mm's
 * (runtime/nnrt_kernels.h: register-blocked, specialized by the C
 * compiler to the constant widths) unless its weights (a block of them,
 * for dense) have more than MM_MAX_VALUES values: forward's x W (each
 * block's part), the weight gradient x^T dz (nnrt_mm_tn), and conv2d's
 * dx = dz W^T (nnrt_mm over a copy of W^T).  A dense layer's dx goes the
 * same way only when W has at most MM_DX_MAX_VALUES values (fashion_mlp's
 * dense 10), cblas_sgemm's otherwise: the copy is made every backward, for
 * every shard, and fashion_cnn's dense 1024 (3.2 million weights) copied
 * so made its epoch 30% slower than sgemm's dx, which reads W in place,
 * and still 5% slower copied in tiles.  Columns that do not fill a vector
 * (dense 10: 10 of AVX-512's 16) are loaded and stored under a mask.  Measured by make
 * bench (bench/mm_kernels.c: one thread, the products alone) on the
 * development machine, an AMD EPYC (Zen 5) virtual machine with AVX-512,
 * OpenBLAS 0.3.21; GFLOP/s of nnrt_mm against cblas_sgemm under
 * OPENBLAS_CORETYPE=Haswell (as the machine's environment sets it) and
 * SkylakeX: a 128-row block of fashion_mlp's 784x128 layer over 32 rows,
 * 205 against 85 and 181; a 128-row block of a 1024-wide layer, 158
 * against 84 and 101; fashion_cnn's second convolution (1176 rows of 800
 * by 800x64), 212 against 99 and 182; 32x2048 by 2048x128 (2^18 values),
 * 188 against 88 and 124; but 32x3136 by 3136x1024 (3.2 million values),
 * 69 against 77 and 83: b's panels no longer stay in the core's cache.
 * Weight gradients (nnrt_mm_tn): a 128-row block of fashion_mlp's layer
 * over 32 rows, 210 against 100 and 200; fashion_cnn's second convolution
 * over 1176 rows, 190 against 93 and 167.  The machine's FMA limit, one
 * thread: 219.
 *
 * The rule is that machine's.  On an AVX2 machine (Zen 3, FMA limit
 * 87-103, OpenBLAS's Zen kernels, December 2026) nnrt_mm, with its panel
 * copies (nnrt_kernels.h), wins or ties where fashion_cnn spends its time
 * (conv64 by im2col 72-95 against 63-89, its dW 89-92 against 62-89) but
 * loses on deep products over 32 rows (32x2048 by 2048x128: 36-48 against
 * 56-82; fashion_mlp's dense128 in one piece, 42-52 against 55-68), which
 * the trained examples do not run (their dense layers go by blocks of 128
 * rows).  A rule per instruction set would pick sgemm there; not done. */
#include "nnc.h"

enum { OPT_BLOCK = 64 };

/* W's rows per block (see above) */
static long block_rows(const IrOp *op)
{
    long row = op->n_out;
    long rows = DENSE_BLOCK_VALUES / row > DENSE_BLOCK_MIN_ROWS ? DENSE_BLOCK_VALUES / row
                                                                : DENSE_BLOCK_MIN_ROWS;
    long step = OPT_BLOCK;   /* rows whose values fill whole blocks: lcm / row */
    while (step % row != 0)
        step += OPT_BLOCK;
    step /= row;
    rows = (rows + step - 1) / step * step;
    return rows < op->n_in ? rows : op->n_in;
}

/* Winograd's tiles for a conv2d (see above) */
static int winograd_fits(const IrOp *op)
{
    const Window *w = &op->win;
    /* dx pads dz by k - 1 - p: padding up to k - 1 */
    return op->mm && w->sh == 1 && w->sw == 1 && w->kh == w->kw && (w->kh == 3 || w->kh == 5) &&
           w->pt <= w->kh - 1 && w->pl <= w->kw - 1 && w->c >= WINO_MIN_CHANNELS &&
           op->filters >= MM_NARROW_FILTERS;
}

void pass_pick_kernels(Ir *ir)
{
    for (int i = 0; i < ir->n_ops; i++) {
        IrOp *op = &ir->ops[i];
        if (op->kind == OP_DENSE) {
            op->kernel = KERNEL_GEMM;
            /* on a sequence, dW in backward: the runtime's dW by blocks
               (and an MPI rank's operands) count a shard's rows as samples */
            int trained = op->layer && !op->layer->frozen && !op->steps;
            op->block_rows = trained ? block_rows(op) : 0;
            long depth = op->block_rows > 0 ? op->block_rows : op->n_in;
            op->mm = depth * op->n_out <= MM_MAX_VALUES;
            op->mm_dx = op->mm && op->n_in * op->n_out <= MM_DX_MAX_VALUES;
        }
        if (op->kind != OP_CONV && op->kind != OP_CONV_TRANSPOSE)
            continue;
        /* a product's rows: conv2d's output pixels, conv2d_transpose's
           input pixels (each one's window of the output) */
        int transpose = op->kind == OP_CONV_TRANSPOSE;
        long window = op->win.kh * op->win.kw * op->win.c;
        long pixels = transpose ? op->win.h * op->win.w : op->win.oh * op->win.ow;
        long rows = (IM2COL_TARGET_ROWS + pixels - 1) / pixels;
        op->kernel = transpose ? KERNEL_COL2IM : KERNEL_IM2COL;
        op->im2col_rows = rows < ir->max_batch ? rows : ir->max_batch;
        op->mm = window * op->filters <= MM_MAX_VALUES;
        op->mm_nt = !transpose && op->mm && op->filters < MM_NARROW_FILTERS;
        if (!transpose && winograd_fits(op)) {
            long m = WINO_TILE(op->win.kh);
            long tiles = (op->win.oh + m - 1) / m * ((op->win.ow + m - 1) / m);
            long groups = (tiles + WINO_GROUP_TILES - 1) / WINO_GROUP_TILES;
            op->kernel = KERNEL_WINOGRAD;
            op->wino_samples = 2 * tiles <= WINO_GROUP_TILES ? WINO_GROUP_TILES / tiles : 1;
            op->wino_tiles = op->wino_samples > 1 ? op->wino_samples * tiles
                                                  : (tiles + groups - 1) / groups;
        }
    }
}
