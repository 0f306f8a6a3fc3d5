#!/bin/sh
# make bench's exported-model table (bench/bench.sh runs it): fashion_mlp
# and fashion_cnn exported by `nnc export`, compiled portably (-O2, no
# -march) and for this machine (-O2 -march=native), timed on one sample
# and on batches of 256 of the test images (bench/export_latency.c), against the same
# networks in PyTorch in eval mode under torch.no_grad() at one thread
# (bench/torch_infer.py), in the same run; and each export's object size
# (`size`), its weights' bytes and its lines of C.  Weights are the
# models' starting ones (`OUT steps 0`): timing does not depend on them.
#
#   sh bench/export.sh BUILD
set -eu

BUILD=${1:?usage: sh bench/export.sh BUILD}
OUT=$BUILD/bench/export
PY=/usr/bin/python3
CC=${CC:-cc}
mkdir -p "$OUT"

value() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

: >"$OUT/table.txt"
for name in fashion_mlp fashion_cnn; do
    dir=$OUT/$name
    mkdir -p "$dir"
    "$BUILD/nnc" build "examples/$name.nn" -o "$dir/trainer" >/dev/null
    "$dir/trainer" steps 0 --weights-out "$dir/weights" >/dev/null
    "$BUILD/nnc" export "examples/$name.nn" --weights "$dir/weights" -o "$dir/model" 2>/dev/null
    "$CC" -std=c99 -O2 -c "$dir/model.c" -o "$dir/model.o"
    "$CC" -std=c99 -O2 -I"$dir" bench/export_latency.c "$dir/model.o" -o "$dir/latency" -lm
    "$CC" -std=c99 -O2 -march=native -I"$dir" bench/export_latency.c "$dir/model.c" \
        -o "$dir/latency_native" -lm
    # real test images, as the trainer scales them
    "$dir/trainer" encode --layer input --csv --weights "$dir/weights" 2>/dev/null |
        head -n 257 >"$dir/inputs.csv"
    "$dir/latency" <"$dir/inputs.csv" >"$dir/portable.txt"
    "$dir/latency_native" <"$dir/inputs.csv" >"$dir/native.txt"
    OMP_NUM_THREADS=1 "$PY" bench/torch_infer.py "$name" --threads 1 >"$dir/torch.txt"
    text=$(size "$dir/model.o" | awk 'NR == 2 {print $1}')
    weights=$(stat -c %s "$dir/weights")
    lines=$(wc -l <"$dir/model.c")
    awk -v m="$name" -v p1="$(value one_sample_us "$dir/portable.txt")" \
        -v n1="$(value one_sample_us "$dir/native.txt")" \
        -v t1="$(value one_sample_us "$dir/torch.txt")" \
        -v pb="$(value batch256_samples_per_s "$dir/portable.txt")" \
        -v nb="$(value batch256_samples_per_s "$dir/native.txt")" \
        -v tb="$(value batch256_samples_per_s "$dir/torch.txt")" \
        -v text="$text" -v w="$weights" -v lines="$lines" 'BEGIN {
        printf "%-12s %8.1f %8.1f %8.1f %6.1fx %6.1fx %9.0f %9.0f %9.0f %9.1f %7d\n",
            m, p1, n1, t1, t1 / p1, t1 / n1, pb, nb, tb, (text - w) / 1024, lines
    }' >>"$OUT/table.txt"
done
echo
echo "exported models: one sample (us) and batches of 256 (samples/s), nnc's export at -O2"
echo "(portable) and -O2 -march=native, PyTorch $($PY -c 'import torch; print(torch.__version__)')"
echo "eval + no_grad at 1 thread; code: the object's text minus the weights' bytes (KB)"
printf '%-12s %8s %8s %8s %7s %7s %9s %9s %9s %9s %7s\n' "" "1: -O2" "native" "torch" \
    "x -O2" "x nat." "256: -O2" "native" "torch" "code KB" "lines"
cat "$OUT/table.txt"
