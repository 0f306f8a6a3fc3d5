#!/bin/sh
# fuzz_compile.sh: the C compiler over what nnc emits for fuzzed inputs.
#
# libFuzzer (fuzz_frontend.c) sees crashes, hangs and leaks, never the C it
# writes: a class name holding */ or ??/ gives C that gcc rejects, or that
# runs code, without any crash.  So, after a fuzz run, the inputs nnc
# accepts go through `nnc build`, which compiles them as every trainer is
# compiled (-std=c11 -Wall -Wextra -Werror and the trainer's optimization
# flags) and links them: all the valid inputs of SEEDS (the regression
# inputs, a fixed set), then every EVERY-th valid input the fuzzer made in
# CORPUS (named by their SHA-1; the *.nn there are copies of seeds and
# examples), in name order, MAX at most.  A build that fails is a finding: its input is kept in
# WORK/ and the compiler's messages are shown.
#
#   tests/fuzz_compile.sh NNC WORK EVERY MAX SEEDS CORPUS
#
# Exit status 0 when every build passes, 1 on a finding.
set -u
LC_ALL=C
export LC_ALL
[ $# -eq 6 ] || { echo "usage: $0 NNC WORK EVERY MAX SEEDS CORPUS" >&2; exit 2; }
nnc=$1 work=$2 every=$3 max=$4 seeds=$5 corpus=$6
rm -rf "$work"
mkdir -p "$work"
built=0 findings=0

# nnc build one input; a failure is kept and reported.  Sets $built, $findings.
build() {
    built=$((built + 1))
    if "$nnc" build "$1" -o "$work/trainer" >"$work/log" 2>&1; then
        return
    fi
    findings=$((findings + 1))
    kept="$work/finding-$findings-$(basename "$1")"
    cp "$1" "$kept"
    cp "$work/trainer.c" "$kept.c" 2>/dev/null
    head -40 "$work/log"
    echo "fuzz-compile: nnc accepts $1, but its trainer does not build; kept as $kept"
}

# Whether nnc accepts the input (exit 1: it reported the errors; anything
# else is a crash, which is a finding too).
valid() {
    "$nnc" check "$1" >/dev/null 2>"$work/log"
    status=$?
    if [ $status -gt 1 ]; then
        findings=$((findings + 1))
        head -20 "$work/log"
        echo "fuzz-compile: nnc check $1 exited with $status"
    fi
    [ $status -eq 0 ]
}

for f in "$seeds"/*; do
    [ -f "$f" ] && valid "$f" && build "$f"
done
n_seeds=$built

n_valid=0
for f in "$corpus"/*; do
    [ "$built" -lt $((n_seeds + max)) ] || break
    case $f in *.nn) continue ;; esac
    [ -f "$f" ] && valid "$f" || continue
    n_valid=$((n_valid + 1))
    [ $(((n_valid - 1) % every)) -eq 0 ] && build "$f"
done

rm -f "$work/trainer" "$work/trainer.c" "$work/log"
echo "fuzz-compile: $built trainers built ($n_seeds from $seeds, $((built - n_seeds)) from" \
     "$corpus), $findings finding$( [ $findings -eq 1 ] || echo s)"
[ $findings -eq 0 ]
