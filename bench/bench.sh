#!/bin/sh
# make bench: one epoch of examples/fashion_mlp.nn, then one of
# examples/fashion_cnn.nn and of examples/fashion_lstm.nn, each with nnc's
# trainer and with its PyTorch peer (bench/torch_mlp.py, bench/torch_cnn.py,
# bench/torch_lstm.py: torch.nn.LSTM), run here, now, under the same
# OpenBLAS core type and thread count, and a table of the ratios for each:
# once with one thread and once with every core, since at 2 cores libtorch's
# OpenMP pool and OpenBLAS's pthread pool oversubscribe and PyTorch's time
# swings; the single-thread row is the steady comparison.  The CNN's table
# adds the GFLOP/s each side reaches and what fraction that is of the
# machine's sgemm peak at the same thread count (bench/sgemm_peak.c) and of
# its FMA limit (bench/mm_kernels.c).
#
#   sh bench/bench.sh BUILD      from the top of the tree; BUILD holds nnc
#   NNC_BENCH_THREADS="1 2"      the thread counts to run (default "1 nproc")
#   NNC_BENCH_MODELS="mlp cnn lstm export"  the models to run (default all; a
#                                CNN epoch takes about a minute a side; export:
#                                fashion_mlp and fashion_cnn as `nnc export`
#                                makes them, against PyTorch's inference,
#                                bench/export.sh)
#   NNC_BENCH_SCALING=0          skip the scaling table (below)
#
# First, the products nnc computes itself against cblas_sgemm, and the
# machine's FMA limit (bench/mm_kernels.c).
#
# Then the scaling table (docs/parallel.md): for fashion_mlp (batch 32 and
# 256), fashion_cnn and fashion_lstm, nnc's seconds per epoch at --threads 1 and 2 and on
# 2 MPI ranks of one thread each on this machine (the median of 3 epochs
# each; no MPI column without OpenMPI), and PyTorch at the better of 1 and 2
# threads, in the same run.
#
# Figures are from this run only: a benchmark is a comparison, not a test.
set -eu

BUILD=${1:?usage: sh bench/bench.sh BUILD}
OUT=$BUILD/bench
MODELS=${NNC_BENCH_MODELS:-mlp cnn lstm export}
THREADS=${NNC_BENCH_THREADS:-1 $(nproc)}
# Debian's interpreter: python3-torch is installed for it, not for any
# python3 that comes first on PATH (pyenv, a venv).
PY=/usr/bin/python3

sh scripts/install-deps.sh --bench

die() { echo "bench: $*" >&2; exit 1; }

for model in $MODELS; do
    case $model in
    mlp | cnn | lstm | export) ;;
    *) die "NNC_BENCH_MODELS: unknown model '$model' (known: mlp cnn lstm export)" ;;
    esac
done
# the models trained an epoch a side (export times inference only)
EPOCH_MODELS=$(echo " $MODELS " | sed 's/ export / /g')

# Same OpenBLAS kernels on both sides.  Unless the user chose, pick the core
# type the way the trainer does, so a CPU that OpenBLAS 0.3.21 misdetects
# (recent Xeons under a hypervisor) does not fall back to slow generic code.
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do case $flags in *" $f "*) ;; *) return 1 ;; esac; done; }
best_core=
if has avx512f avx512bw avx512vl avx512dq; then
    best_core=SkylakeX
elif has avx2 fma; then
    best_core=Haswell
fi
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -n "$best_core" ]; then
    export OPENBLAS_CORETYPE=$best_core
fi
mkdir -p "$OUT"

# The products nnc computes itself (runtime/nnrt_kernels.h) against
# cblas_sgemm on the shapes of compiler/passes/pick_kernels.c's rule, and
# the machine's FMA limit, one thread (bench/mm_kernels.c): under the core
# type above, and under the best this CPU has when that is another.
echo "bench: building $OUT/mm_kernels"
# shellcheck disable=SC2046
${CC:-cc} -O3 -march=native -ffp-contract=off -Iruntime $(pkg-config --cflags openblas) \
    bench/mm_kernels.c $(pkg-config --libs openblas) -o "$OUT/mm_kernels" ||
    die "building mm_kernels failed"
"$OUT/mm_kernels" >"$OUT/mm_kernels.txt" || die "mm_kernels failed"
echo
echo "products, OpenBLAS core type ${OPENBLAS_CORETYPE:-auto-detected}:"
cat "$OUT/mm_kernels.txt"
if [ -n "$best_core" ] && [ "$best_core" != "${OPENBLAS_CORETYPE:-}" ]; then
    OPENBLAS_CORETYPE=$best_core "$OUT/mm_kernels" >"$OUT/mm_kernels_$best_core.txt" ||
        die "mm_kernels failed"
    echo "products, OpenBLAS core type $best_core (the best this CPU has):"
    cat "$OUT/mm_kernels_$best_core.txt"
fi
echo

# run NAME CMD...: CMD's output to $OUT/NAME.log (with its peak memory),
# the epoch and test lines echoed; on failure the whole log.
run() {
    name=$1; shift
    echo "bench: $name, 1 epoch"
    if ! "$PY" bench/peak_rss.py "$@" >"$OUT/$name.log" 2>&1; then
        cat "$OUT/$name.log" >&2
        die "$name failed; log in $OUT/$name.log"
    fi
    grep -E '^(epoch|test)' "$OUT/$name.log" | sed 's/^/    /' || true
}

# value FILE AWK-PROGRAM WHAT: the last value the program prints, checked
# to be a number, so a change in an output format fails loudly.
value() {
    v=$(awk "$2" "$1" | tail -n 1)
    case $v in
    '' | *[!0-9.eE+-]*) die "no $3 found in $1" ;;
    esac
    echo "$v"
}

for model in $EPOCH_MODELS; do
    echo "bench: building $OUT/fashion_$model"
    "$BUILD/nnc" build "examples/fashion_$model.nn" -o "$OUT/fashion_$model" ||
        die "nnc build examples/fashion_$model.nn failed"
done

# The yardsticks: sgemm on this machine, and each model's multiply-adds per
# sample as `nnc check` counts them, layer by layer.
echo "bench: building $OUT/sgemm_peak"
# shellcheck disable=SC2046
${CC:-cc} -O2 $(pkg-config --cflags openblas) bench/sgemm_peak.c \
    $(pkg-config --libs openblas) -o "$OUT/sgemm_peak" || die "building sgemm_peak failed"
for model in $EPOCH_MODELS; do
    "$BUILD/nnc" check "examples/fashion_$model.nn" >"$OUT/fashion_$model.check" 2>&1 ||
        die "nnc check examples/fashion_$model.nn failed; see $OUT/fashion_$model.check"
done

# bench_at MODEL THREADS: both sides of one model at that thread count, and
# their table.
bench_at() {
    model=$1 threads=$2
    # Same thread count everywhere: OpenBLAS, OpenMP (libtorch) and torch itself.
    export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
    # A fresh run folder, so the trainer starts from nothing.
    rm -rf "$OUT/run"
    echo "bench: $model, $threads thread(s)"
    run "${model}_nnc" "$OUT/fashion_$model" train --epochs 1 --threads "$threads" --out "$OUT/run"
    run "${model}_pytorch" "$PY" "bench/torch_$model.py" --epochs 1 --threads "$threads"
    nnc_log=$OUT/${model}_nnc.log pt_log=$OUT/${model}_pytorch.log

    # nnc: times.csv's seconds column (found by name), row of epoch 1; the
    # trainer's `test: loss L accuracy A` line.  pytorch: `key value` lines.
    # The awk programs are in single quotes on purpose: $1 is awk's, not ours.
    # shellcheck disable=SC2016
    {
        nnc_s=$(value "$OUT/run/times.csv" \
            'BEGIN{FS=","} NR==1{for(i=1;i<=NF;i++) if($i=="seconds") c=i; next} c && $1==1{print $c}' \
            "seconds for epoch 1")
        nnc_a=$(value "$nnc_log" \
            '$1=="test:"{for(i=2;i<NF;i++) if($i=="accuracy") print $(i+1)}' "test accuracy")
        nnc_k=$(value "$nnc_log" '$1=="peak_rss_kib"{print $2}' "peak memory")
        pt_s=$(value "$pt_log" '$1=="seconds_per_epoch"{print $2}' "seconds per epoch")
        pt_a=$(value "$pt_log" '$1=="test_accuracy"{print $2}' "test accuracy")
        pt_k=$(value "$pt_log" '$1=="peak_rss_kib"{print $2}' "peak memory")
    }
    epoch_flops "$model" "$threads"

    # Ratios are pytorch / nnc: above 1 means nnc is faster or smaller.
    echo
    awk -v ns="$nnc_s" -v na="$nnc_a" -v nk="$nnc_k" \
        -v ps="$pt_s" -v pa="$pt_a" -v pk="$pt_k" -v gflop="$gflop" -v peak="$peak" \
        -v limit="$limit" 'BEGIN {
        f = "%-8s %14s %14s %10s"
        g = gflop > 0 ? " %10s %14s %13s\n" : "\n"
        printf f g, "", "seconds/epoch", "test accuracy", "peak MiB", "GFLOP/s", "of sgemm peak",
            "of FMA limit"
        printf f g, "nnc", sprintf("%.2f", ns), sprintf("%.4f", na), sprintf("%.1f", nk / 1024),
            sprintf("%.1f", gflop / ns), sprintf("%.1f%%", 100 * gflop / ns / peak),
            sprintf("%.1f%%", 100 * gflop / ns / limit)
        printf f g, "pytorch", sprintf("%.2f", ps), sprintf("%.4f", pa), sprintf("%.1f", pk / 1024),
            sprintf("%.1f", gflop / ps), sprintf("%.1f%%", 100 * gflop / ps / peak),
            sprintf("%.1f%%", 100 * gflop / ps / limit)
        printf f "\n", "ratio", (ns > 0 ? sprintf("%.2f", ps / ns) : "-"), "-", sprintf("%.2f", pk / nk)
    }'
    echo "OpenBLAS core type: ${OPENBLAS_CORETYPE:-auto-detected}, threads: $threads"
    if [ -n "$flops_note" ]; then
        echo "$flops_note"
    fi
    echo
}

# epoch_flops MODEL THREADS: sets gflop, the floating-point work of one
# epoch in GFLOP, peak, sgemm's GFLOP/s at THREADS, limit, the machine's
# FMA limit at THREADS (bench/mm_kernels.c's one-thread loop times
# THREADS), and flops_note, how they were found.  Work, from `nnc check`'s
# mult-adds column: each training sample costs a layer's multiply-adds 3
# times (forward, the weights' gradient, the input's), the first layer's
# twice (its input is the data: no gradient), each validation sample once
# (the epoch's seconds include validation); 2 FLOPs a multiply-add.  (The
# first layer with multiply-adds takes the data in every model.  For an
# lstm that undercounts: its backward also passes dh back through U at
# every step, T U G more multiply-adds a sample, 1.8 of fashion_lstm's
# 6.3 million; so its GFLOP/s are a floor.  And a conv2d by Winograd's
# tiles (runtime/nnrt_winograd.h) does fewer multiply-adds than the count
# says, 2.8 times fewer for fashion_cnn's conv64: a convnet's GFLOP/s are
# effective ones, the direct convolution's work over the seconds, and its
# fraction of the FMA limit can pass what any product reaches.)
# shellcheck disable=SC2016
epoch_flops() {
    "$OUT/sgemm_peak" "$2" >"$OUT/sgemm_peak.log" || die "sgemm_peak failed"
    peak=$(value "$OUT/sgemm_peak.log" '$1=="sgemm_gflops"{print $2}' "sgemm GFLOP/s")
    limit=$(value "$OUT/mm_kernels.txt" '$1=="fma_limit_gflops"{print $2 * '"$2"'}' "FMA limit")
    epoch_work "$OUT/fashion_$1.check" "$nnc_log"
    if [ "$1" = cnn ]; then   # the peer's own count, as a check on the table
        pt_macs=$(value "$pt_log" '$1=="macs_per_sample"{print $2}' "multiply-adds per sample")
        [ "$pt_macs" = "$all" ] ||
            echo "bench: NOTE bench/torch_cnn.py counts $pt_macs multiply-adds a sample, nnc check $all"
    fi
    flops_note="sgemm peak at $2 thread(s): $peak GFLOP/s (bench/sgemm_peak.c, best of n=1024..2048)
FMA limit at $2 thread(s): $limit GFLOP/s (bench/mm_kernels.c, one thread's, times $2)
work per epoch: $all multiply-adds/sample forward, $first of them in the first layer (nnc check)
    x 2 x ((3 x $all - $first) x $n_train training + $all x $n_val validation) = $gflop GFLOP"
    if grep -q winograd "$OUT/fashion_$1.check"; then
        flops_note="$flops_note
    (counted as direct convolutions: Winograd's tiles do fewer, so these GFLOP/s are effective)"
    fi
}

# epoch_work CHECK LOG: sets gflop, one epoch's work in GFLOP, from `nnc
# check`'s table in CHECK and the sample counts the trainer printed in LOG
# (see epoch_flops), with all and first, the multiply-adds per sample and
# those of the first layer, n_train and n_val.
# shellcheck disable=SC2016
epoch_work() {
    n_train=$(value "$2" '$3=="training" && $4=="samples,"{print $2}' "training samples")
    n_val=$(value "$2" '$3=="training" && $4=="samples,"{print $5}' "validation samples")
    # The table's rows, up to the blank line: the mult-adds are the number
    # two fields before the activations' unit.
    table='/^layer / {table = 1; next}
        table && NF == 0 {exit}
        table {for (i = 3; i <= NF; i++) if ($i ~ /^(B|KiB|MiB|GiB)$/) {
                   m = $(i - 2); all += m; if (m > 0 && !first) first = m }}'
    all=$(value "$1" "$table"' END {print all}' "multiply-adds per sample")
    first=$(value "$1" "$table"' END {print first}' "the first layer's multiply-adds")
    gflop=$(awk -v all="$all" -v first="$first" -v t="$n_train" -v v="$n_val" \
        'BEGIN{printf "%.1f", 2 * ((3 * all - first) * t + all * v) / 1e9}')
}

for model in $EPOCH_MODELS; do
    for t in $THREADS; do
        bench_at "$model" "$t"
    done
done

# median A B C: the middle one
median() {
    printf '%s\n' "$@" | sort -g | sed -n 2p
}

# epochs_median: the median seconds of $OUT/scaling's 3 epochs
epochs_median() {
    # shellcheck disable=SC2046
    set -- $(awk -F, 'NR > 1 {print $2}' "$OUT/scaling/times.csv")
    median "$@"
}

# scaling NAME NN TORCH [TORCH-ARGS]: seconds per epoch, median of 3, of the
# trainer of NN at --threads 1 and 2 and on 2 MPI ranks of one thread each
# (no MPI column without OpenMPI), and PyTorch's best of 1 and 2 threads
# (bench/TORCH.py, one epoch each), as a row of $OUT/scaling.txt
scaling() {
    name=$1 nn=$2 torch=$3; shift 3
    "$BUILD/nnc" build "$nn" -o "$OUT/scale_$name" || die "nnc build $nn failed"
    for t in 1 2; do
        rm -rf "$OUT/scaling"
        echo "bench: scaling, $name, --threads $t, 3 epochs"
        "$OUT/scale_$name" train --epochs 3 --threads "$t" --out "$OUT/scaling" \
            >"$OUT/scaling_${name}_$t.log" 2>&1 || die "scaling run failed; see $OUT/scaling_${name}_$t.log"
        eval "s$t=$(epochs_median)"
    done
    ranks=-
    if command -v mpirun >/dev/null 2>&1 && "$BUILD/nnc" build --mpi "$nn" -o "$OUT/scale_${name}_mpi"; then
        rm -rf "$OUT/scaling"
        echo "bench: scaling, $name, 2 MPI ranks of --threads 1, 3 epochs"
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
            mpirun -np 2 "$OUT/scale_${name}_mpi" train --epochs 3 --threads 1 \
            --out "$OUT/scaling" >"$OUT/scaling_${name}_mpi.log" 2>&1 ||
            die "MPI scaling run failed; see $OUT/scaling_${name}_mpi.log"
        ranks=$(epochs_median)
    fi
    best=- best_t=-
    for t in 1 2; do
        echo "bench: scaling, $name, PyTorch at $t thread(s), 1 epoch"
        OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$PY" "bench/$torch.py" --epochs 1 \
            --threads "$t" "$@" >"$OUT/scaling_${name}_torch_$t.log" 2>&1 ||
            die "PyTorch scaling run failed; see $OUT/scaling_${name}_torch_$t.log"
        # shellcheck disable=SC2016
        pt=$(value "$OUT/scaling_${name}_torch_$t.log" '$1=="seconds_per_epoch"{print $2}' "seconds per epoch")
        if [ "$best" = - ] || awk -v a="$pt" -v b="$best" 'BEGIN {exit !(a < b)}'; then
            best=$pt best_t=$t
        fi
    done
    "$BUILD/nnc" check "$nn" >"$OUT/scale_$name.check" 2>&1 || die "nnc check $nn failed"
    epoch_work "$OUT/scale_$name.check" "$OUT/scaling_${name}_1.log"
    # shellcheck disable=SC2016
    limit=$(value "$OUT/mm_kernels.txt" '$1=="fma_limit_gflops"{print $2}' "FMA limit")
    # shellcheck disable=SC2154
    awk -v m="$name" -v a="$s1" -v b="$s2" -v r="$ranks" -v p="$best" -v pt="$best_t" \
        -v g="$gflop" -v l="$limit" 'BEGIN {
        printf "%-16s %9.2f %9.2f %7.2fx", m, a, b, a / b
        if (r == "-") printf " %9s %8s", "-", "-"; else printf " %9.2f %7.2fx", r, a / r
        printf " %9.2f (%s) %7.2fx %9.1f %9.1f%%\n", p, pt, p / b, g / a, 100 * g / a / l
    }' >>"$OUT/scaling.txt"
}

if [ "${NNC_BENCH_SCALING:-1}" != 0 ]; then
    : >"$OUT/scaling.txt"
    for model in $EPOCH_MODELS; do
        case $model in
        mlp)
            scaling fashion_mlp examples/fashion_mlp.nn torch_mlp
            sed 's/^\( *batch *\)32\b/\1256/' examples/fashion_mlp.nn >"$OUT/fashion_mlp_256.nn"
            grep -q '^ *batch *256' "$OUT/fashion_mlp_256.nn" || die "no batch 32 line in examples/fashion_mlp.nn"
            scaling fashion_mlp_256 "$OUT/fashion_mlp_256.nn" torch_mlp --batch 256
            ;;
        cnn) scaling fashion_cnn examples/fashion_cnn.nn torch_cnn ;;
        lstm) scaling fashion_lstm examples/fashion_lstm.nn torch_lstm ;;
        esac
    done
    echo
    echo "scaling: seconds per epoch, nnc the median of 3, PyTorch 1 epoch at its best of 1 and 2"
    echo "threads; nnc's GFLOP/s at one thread and its fraction of the one-thread FMA limit"
    echo "(the work as the first table counts it)"
    echo "threads (OpenBLAS core type: ${OPENBLAS_CORETYPE:-auto-detected}; $(nproc) cores;" \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
    printf '%-16s %9s %9s %8s %9s %8s %13s %8s %9s %10s\n' "" "threads 1" "threads 2" \
        "speed-up" "2 ranks" "speed-up" "pytorch best" "vs nnc 2" "GFLOP/s 1" "of FMA, 1"
    cat "$OUT/scaling.txt"
fi

case " $MODELS " in
*" export "*) sh bench/export.sh "$BUILD" ;;
esac
