#!/bin/sh
# review_demo.sh: what a reviewer sees for four one-line edits to
# examples/fashion_mlp.nn: how many lines of the generated C change (the
# + and - lines of diff -u, its --- and +++ headers left out), and what
# `nnc diff` says the edit means.  Run from the top of the tree after make.
#
# The optimizer edit is SGD with momentum, which the language spells
# `optimizer momentum lr=0.01 momentum=0.9` (`sgd` takes lr alone).
set -eu

example=examples/fashion_mlp.nn
nnc=$(pwd)/build/nnc
[ -x "$nnc" ] || { echo "review_demo.sh: no build/nnc: run make first" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/review_demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The C of the .nn file in folder dir, emitted from there, so that both
# sides name their source alike (fashion_mlp.nn) and differ by the edit only.
emit() {
    (cd "$1" && "$nnc" emit fashion_mlp.nn -o fashion_mlp.c)
}

# demo TITLE SED-SCRIPT
demo() {
    title=$1 script=$2
    rm -rf "$tmp/a" "$tmp/b"
    mkdir "$tmp/a" "$tmp/b"
    cp "$example" "$tmp/a/fashion_mlp.nn"
    sed "$script" "$example" >"$tmp/b/fashion_mlp.nn"
    if cmp -s "$tmp/a/fashion_mlp.nn" "$tmp/b/fashion_mlp.nn"; then
        echo "review_demo.sh: the edit '$script' changed nothing" >&2
        exit 2
    fi
    emit "$tmp/a"
    emit "$tmp/b"
    changed=$(diff -u "$tmp/a/fashion_mlp.c" "$tmp/b/fashion_mlp.c" |
              grep -v -e '^+++ ' -e '^--- ' | grep -c '^[-+]' || true)
    # printf, not echo: a sed script's backslashes are printed as written
    printf '== %s\n   edit: sed '"'"'%s'"'"'\n' "$title" "$script"
    echo "   generated C: $changed lines changed (+/- lines of diff -u)"
    echo "   nnc diff a/fashion_mlp.nn b/fashion_mlp.nn:"
    status=0
    (cd "$tmp" && "$nnc" diff a/fashion_mlp.nn b/fashion_mlp.nn) >"$tmp/diff.txt" || status=$?
    sed 's/^/     /' "$tmp/diff.txt"
    echo "   (exit status $status)"
    echo
}

demo "width 128 -> 256" 's/dense 128 relu/dense 256 relu/'
demo "dense 64 relu inserted before the output layer" \
    's/^\( *\)dense 10 softmax/\1dense 64 relu\n\1dense 10 softmax/'
demo "optimizer adam -> SGD with momentum" \
    's/optimizer adam lr=0.001/optimizer momentum lr=0.01 momentum=0.9/'
demo "a comment reworded" 's/^# Fashion-MNIST, the Keras/# Fashion-MNIST: the Keras/'
