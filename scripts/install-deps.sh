#!/bin/sh
# Make sure the Debian packages nnc needs are installed.
#
#   sh scripts/install-deps.sh           build, test, train (make deps)
#   sh scripts/install-deps.sh --bench   also the PyTorch peer of make bench
#   sh scripts/install-deps.sh --fuzz    also clang and its libFuzzer runtime
#   sh scripts/install-deps.sh --browser also Chromium, for make check-browser
#
# Silent when nothing is missing, so `make deps` costs nothing on a set-up
# machine.  As root it installs what is missing; otherwise it prints the
# command to run and exits 1.  Exit codes: 0 ok, 1 missing or install failed.
set -eu

# libopenblas-dev pulls a real implementation (libopenblas0-pthread) through
# Depends, not Recommends, so --no-install-recommends still links and runs.
# dataset-fashion-mnist puts the example's data in /usr/share/datasets.
# libmd-dev: SHA-256, for the source hash in the generated C.
# libpng-dev: the PNG the trainer's augment-preview writes.
# libdeflate-dev: gzip data files decoded whole, 2-3 times zlib's speed.
# libopenmpi-dev, openmpi-bin: `nnc build --mpi` and mpirun, which make
# check runs (tests/test_mpi.c).
# libc6-dev: the C library's headers, which gcc alone does not pull in.
pkgs="make gcc libc6-dev flex bison libopenblas-dev check zlib1g-dev libdeflate-dev libpng-dev libmd-dev pkg-config dataset-fashion-mnist"
pkgs="$pkgs libopenmpi-dev openmpi-bin"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian system; install the equivalents of: $pkgs" >&2
    exit 1
fi

# libFuzzer's runtime is versioned as the release's clang is (clang-14 in
# bookworm, clang-19 in trixie): ask the package lists which one `clang`
# is, after fetching them as root on a machine that has none yet.
clang_rt() {
    if [ "$(id -u)" -eq 0 ] && ! apt-cache show clang >/dev/null 2>&1; then
        apt-get -q update >/dev/null
    fi
    v=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' |
        head -n 1)
    echo "libclang-rt-${v:-14}-dev"
}

for arg in "$@"; do
    case $arg in
    --bench) pkgs="$pkgs python3-torch python3-numpy" ;;
    --fuzz)  pkgs="$pkgs clang $(clang_rt)" ;;
    # headless Chromium opens the pages; python3 checks their HTML; a font,
    # or the screenshots show boxes for letters on a bare system
    --browser) pkgs="$pkgs chromium python3 fonts-dejavu-core" ;;
    *) echo "usage: sh scripts/install-deps.sh [--bench] [--fuzz] [--browser]" >&2; exit 1 ;;
    esac
done

# Anything but "install ok installed" (absent, removed with config files
# left, half-installed) counts as missing.
missing_of() {
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
            printf '%s ' "$p"
        fi
    done
}

# $pkgs and $missing are meant to split into words below.
# shellcheck disable=SC2086
missing=$(missing_of $pkgs)
missing=${missing% }
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: $missing" >&2
    echo "run: sudo sh -c 'apt-get update && apt-get install --no-install-recommends $missing'" >&2
    exit 1
fi

echo "install-deps: installing $missing"
# Always update first: a fresh container has empty package lists, and old
# lists name versions the mirror no longer has.
apt-get -q update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends $missing

# shellcheck disable=SC2086
still=$(missing_of $missing)
still=${still% }
if [ -n "$still" ]; then
    echo "install-deps: still missing after apt-get install: $still" >&2
    exit 1
fi
