#!/bin/sh
# golden-check.sh BUILD EXAMPLE.nn...: the committed EXAMPLE.c of each
# example still matches what BUILD/nnc emits for EXAMPLE.nn.
#
# For a stale one it prints what a reviewer needs to judge it:
#   - in a git checkout, when the .nn file changed since EXAMPLE.c was last
#     committed, `nnc diff` of the .nn as it was then against the .nn now:
#     what the change means;
#   - the first $LINES lines of `diff -u` of the committed C against the
#     emitted C: what the change does to the code.
# Exit status 1 if any example is stale or does not compile.
set -u

build=$1
shift
nnc=$(cd "$build" && pwd)/nnc
root=$(pwd)
out=$build/golden
LINES=40
mkdir -p "$out"

in_git=0
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    in_git=1
fi

# The nnc diff between the .nn of the commit that last touched c and nn now.
explain_source() {
    nn=$1 c=$2 name=$3
    commit=$(git log -1 --format=%H -- "$c" 2>/dev/null)
    [ -n "$commit" ] || return 0
    old=$out/$name.committed.nn
    git show "$commit:./$nn" >"$old" 2>/dev/null || return 0
    short=$(echo "$commit" | cut -c1-12)
    if cmp -s "$old" "$nn"; then
        echo "golden-check: $nn is as it was at $short, when $c was committed: the change is nnc's"
        return 0
    fi
    echo "golden-check: nnc diff of $nn at $short (when $c was committed) and now:"
    "$nnc" diff "$old" "$nn" | sed 's/^/    /'
}

# The first LINES lines of diff -u, and how many there are in all.
show_c_diff() {
    c=$1 emitted=$2
    # labels, not the files' times: the same change, the same log
    diff -u --label "$c" --label "$emitted" "$c" "$emitted" >"$emitted.diff"
    total=$(wc -l <"$emitted.diff")
    if [ "$total" -le "$LINES" ]; then
        echo "golden-check: diff -u $c $emitted:"
        cat "$emitted.diff"
    else
        echo "golden-check: diff -u $c $emitted (the first $LINES of $total lines):"
        head -n "$LINES" "$emitted.diff"
        echo "... $((total - LINES)) more lines"
    fi
}

fail=0
n=0
for nn in "$@"; do
    n=$((n + 1))
    c=${nn%.nn}.c
    name=$(basename "${nn%.nn}")
    emitted=$out/$name.c
    # emitted from the example's folder to stdout, so the C names the .nn
    # file as examples/x.c does: relative to its own folder
    # NNC_DATA: the tree's own data files (examples/data/...) are found from
    # there, so nnc's check of them says nothing; it changes no byte of C
    if ! (cd "$(dirname "$nn")" && NNC_DATA=$root "$nnc" emit "$(basename "$nn")") >"$emitted"; then
        fail=1
        continue
    fi
    cmp -s "$c" "$emitted" && continue
    echo "golden-check: $c is stale; run 'make golden' and review the diff"
    [ $in_git = 0 ] || explain_source "$nn" "$c" "$name"
    show_c_diff "$c" "$emitted"
    fail=1
done
[ $fail = 0 ] && echo "golden-check: $n examples match"
exit $fail
