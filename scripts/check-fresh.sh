#!/bin/sh
# make check-fresh: the README's two commands on a bare Debian, to prove
# the set-up is true where nothing is installed.  As root: debootstrap
# (Debian's own tool, --variant=minbase: apt, dpkg and the essential
# packages, no compiler, no make) builds a root of the release under
# BUILD/fresh/SUITE, the committed tree (git archive HEAD) goes into it,
# and in a chroot the README's commands run as written:
#
#   sh scripts/install-deps.sh && make demo
#   make check
#
# It then lists what install-deps had to install and how long it all
# took.  Not part of make check: it downloads some 400 MB of packages and
# takes about as long as make check plus the downloads.
#
#   sh scripts/check-fresh.sh BUILD [SUITE]   SUITE: bookworm (default), trixie, ...
#   NNC_FRESH_MIRROR=URL                        another Debian mirror
#   NNC_FRESH_KEEP=1                            reuse a root made before
set -eu

BUILD=${1:?usage: sh scripts/check-fresh.sh BUILD [SUITE]}
SUITE=${2:-bookworm}
MIRROR=${NNC_FRESH_MIRROR:-http://deb.debian.org/debian}
ROOT=$(cd "$BUILD" && pwd)/fresh/$SUITE

die() { echo "check-fresh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot); run: sudo make check-fresh"
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get -q update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends debootstrap \
        >/dev/null || die "cannot install debootstrap"
fi

start=$(date +%s)
if [ "${NNC_FRESH_KEEP:-0}" = 1 ] && [ -x "$ROOT/usr/bin/apt-get" ]; then
    echo "check-fresh: reusing $ROOT"
else
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    echo "check-fresh: debootstrap --variant=minbase $SUITE $ROOT ($MIRROR)"
    debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
        die "debootstrap failed; see $ROOT.debootstrap.log"
fi
made=$(date +%s)

# the committed tree, as CI's clean clone has it
rm -rf "$ROOT/nnc"
mkdir -p "$ROOT/nnc"
git archive HEAD | tar -x -C "$ROOT/nnc"

# what a container gives a build: /proc, /sys, a /dev/shm for OpenMPI.
# Mounted fresh, never bound to the host's: a `rm -rf` of the root (make
# clean) must not reach the host's /dev.  debootstrap made /dev's nodes.
mounted=
cleanup() {
    for m in $mounted; do umount -l "$ROOT/$m" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
for m in proc:proc sys:sysfs dev/shm:tmpfs; do
    mkdir -p "$ROOT/${m%%:*}"
    mount -t "${m#*:}" "${m#*:}" "$ROOT/${m%%:*}"
    mounted="${m%%:*} $mounted"
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

chroot "$ROOT" dpkg-query -W -f '${Package}\n' | sort >"$ROOT.before"
echo "check-fresh: in the chroot: sh scripts/install-deps.sh && make demo"
chroot "$ROOT" /bin/sh -c 'cd /nnc && sh scripts/install-deps.sh && make demo' \
    >"$ROOT.demo.log" 2>&1 || { tail -30 "$ROOT.demo.log"; die "make demo failed; see $ROOT.demo.log"; }
demo=$(date +%s)
echo "check-fresh: in the chroot: make check"
chroot "$ROOT" /bin/sh -c 'cd /nnc && make check' >"$ROOT.check.log" 2>&1 ||
    { tail -30 "$ROOT.check.log"; die "make check failed; see $ROOT.check.log"; }
done_at=$(date +%s)

chroot "$ROOT" dpkg-query -W -f '${Package}\n' | sort >"$ROOT.after"
comm -13 "$ROOT.before" "$ROOT.after" >"$ROOT.installed"
echo "check-fresh: $SUITE: install-deps installed $(wc -l <"$ROOT.installed") packages" \
    "(listed in $ROOT.installed), among them:" \
    "$(grep -xE 'make|gcc|libc6-dev|flex|bison|libopenblas-dev|check|pkg-config|clang|libclang-rt-[0-9]+-dev|dataset-fashion-mnist|libopenmpi-dev' \
        "$ROOT.installed" | tr '\n' ' ')"
echo "check-fresh: $(grep -m1 'test accuracy\|^test:' "$ROOT.demo.log" || true)"
echo "check-fresh: $(tail -n 1 "$ROOT.check.log")"
echo "check-fresh: debootstrap $((made - start)) s, set-up and demo $((demo - made)) s," \
    "make check $((done_at - demo)) s"
