#!/bin/sh
# make bench: one epoch of examples/fashion_mlp.nn with nnc's trainer and with
# its PyTorch peer (bench/torch_mlp.py), run here, now, under the same
# OpenBLAS core type and thread count, and print a table of the ratios: once
# with one thread and once with every core, since at 2 cores libtorch's
# OpenMP pool and OpenBLAS's pthread pool oversubscribe and PyTorch's time
# swings; the single-thread row is the steady comparison.
#
#   sh bench/bench.sh BUILD      from the top of the tree; BUILD holds nnc
#   NNC_BENCH_THREADS="1 2"      the thread counts to run (default "1 nproc")
#
# Figures are from this run only: a benchmark is a comparison, not a test.
set -eu

BUILD=${1:?usage: sh bench/bench.sh BUILD}
OUT=$BUILD/bench
# Debian's interpreter: python3-torch is installed for it, not for any
# python3 that comes first on PATH (pyenv, a venv).
PY=/usr/bin/python3

sh scripts/install-deps.sh --bench

die() { echo "bench: $*" >&2; exit 1; }

# Same OpenBLAS kernels on both sides.  Unless the user chose, pick the core
# type the way the trainer does, so a CPU that OpenBLAS 0.3.21 misdetects
# (recent Xeons under a hypervisor) does not fall back to slow generic code.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    has() { for f in "$@"; do case $flags in *" $f "*) ;; *) return 1 ;; esac; done; }
    if has avx512f avx512bw avx512vl avx512dq; then
        export OPENBLAS_CORETYPE=SkylakeX
    elif has avx2 fma; then
        export OPENBLAS_CORETYPE=Haswell
    fi
fi
mkdir -p "$OUT"

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

echo "bench: building $OUT/fashion_mlp"
"$BUILD/nnc" build examples/fashion_mlp.nn -o "$OUT/fashion_mlp" ||
    die "nnc build failed"

# bench_at THREADS: both sides at that thread count, and their table.
bench_at() {
    # Same thread count everywhere: OpenBLAS, OpenMP (libtorch) and torch itself.
    threads=$1
    export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
    # A fresh run folder, so the trainer starts from nothing.
    rm -rf "$OUT/run"
    echo "bench: $threads thread(s)"
    run nnc "$OUT/fashion_mlp" train --epochs 1 --out "$OUT/run"
    run pytorch "$PY" bench/torch_mlp.py --epochs 1 --threads "$threads"

    # nnc: curve.csv's seconds column (found by name), row of epoch 1; the
    # trainer's `test: loss L accuracy A` line.  pytorch: `key value` lines.
    # The awk programs are in single quotes on purpose: $1 is awk's, not ours.
    # shellcheck disable=SC2016
    {
        nnc_s=$(value "$OUT/run/curve.csv" \
            'BEGIN{FS=","} NR==1{for(i=1;i<=NF;i++) if($i=="seconds") c=i; next} c && $1==1{print $c}' \
            "seconds for epoch 1")
        nnc_a=$(value "$OUT/nnc.log" \
            '$1=="test:"{for(i=2;i<NF;i++) if($i=="accuracy") print $(i+1)}' "test accuracy")
        nnc_k=$(value "$OUT/nnc.log" '$1=="peak_rss_kib"{print $2}' "peak memory")
        pt_s=$(value "$OUT/pytorch.log" '$1=="seconds_per_epoch"{print $2}' "seconds per epoch")
        pt_a=$(value "$OUT/pytorch.log" '$1=="test_accuracy"{print $2}' "test accuracy")
        pt_k=$(value "$OUT/pytorch.log" '$1=="peak_rss_kib"{print $2}' "peak memory")
    }

    # Ratios are pytorch / nnc: above 1 means nnc is faster or smaller.
    echo
    awk -v ns="$nnc_s" -v na="$nnc_a" -v nk="$nnc_k" \
        -v ps="$pt_s" -v pa="$pt_a" -v pk="$pt_k" 'BEGIN {
        f = "%-8s %14s %14s %10s\n"
        printf f, "", "seconds/epoch", "test accuracy", "peak MiB"
        printf f, "nnc", sprintf("%.2f", ns), sprintf("%.4f", na), sprintf("%.1f", nk / 1024)
        printf f, "pytorch", sprintf("%.2f", ps), sprintf("%.4f", pa), sprintf("%.1f", pk / 1024)
        printf f, "ratio", (ns > 0 ? sprintf("%.2f", ps / ns) : "-"), "-", sprintf("%.2f", pk / nk)
    }'
    echo "OpenBLAS core type: ${OPENBLAS_CORETYPE:-auto-detected}, threads: $threads"
    echo
}

for t in ${NNC_BENCH_THREADS:-1 $(nproc)}; do
    bench_at "$t"
done
