#!/bin/sh
# make check-browser: the pages nnc writes, opened in a real browser.
#
#   sh scripts/check-browser.sh [BUILD]
#
# Trains two short runs (fashion_mlp and fashion_mlp_dropout, 3 epochs on
# 6000 images), writes the comparison of the two (nnc report), then for the
# first run's report.html and the comparison:
#
#   1. validates the HTML: scripts/check_page.py html (Python's html.parser,
#      strict), and `tidy -errors` when tidy is installed;
#   2. opens it in headless Chromium twice, with the network unreachable:
#      --dump-dom, whose DOM must hold the page's sections, and --screenshot,
#      saved as BUILD/browser/*.png; each run must log no console message
#      (the pages run no script: any message is an error the browser found)
#      and the net log must show no request of the page's but for file: and
#      data: URLs.
#
# First the checks are run on a page that breaks every rule, and must fail:
# a check that cannot fail proves nothing.  Everything goes to
# BUILD/browser; the screenshots stay there to look at.  Exit status 0 when
# every check passes, 1 otherwise.  Not part of make check: it needs
# Chromium (sh scripts/install-deps.sh --browser installs it).
set -eu

build=${1:-build}
out=$build/browser
nnc=$build/nnc
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "check-browser: no chromium here: sh scripts/install-deps.sh --browser" >&2
    exit 1
fi

rm -rf "$out"
mkdir -p "$out"
failed=0
say() { printf '  %-7s %s\n' "$1" "$2"; }
fail() { echo "check-browser: $*" >&2; failed=1; }

# Chromium with nothing of its own to fetch (no updates, no accounts, no
# component downloads), the network unreachable, a fresh profile; its log
# on stderr.  $1: what to make (--dump-dom or --screenshot=FILE), $2 the
# page, $3 the net log, $4 the window's height.
browse() {
    timeout 120 "$chromium" --headless --disable-gpu --no-sandbox \
        --enable-logging=stderr --v=0 --log-net-log="$3" \
        "--host-resolver-rules=MAP * ~NOTFOUND" \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --no-first-run \
        --no-default-browser-check --disable-client-side-phishing-detection \
        --disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck \
        --user-data-dir="$out/profile" --hide-scrollbars --force-device-scale-factor=1 \
        --window-size="1280,$4" "$1" "file://$(realpath "$2")"
}

# Page $1 (named $2) in the browser: its DOM (which must hold $3), the
# screenshot, and neither run said anything on the console or fetched
# anything.  Returns 1 when a check fails.
open_page() {
    page=$1 name=$2 expect=$3 height=$4 bad=0
    say CHROME "$page"
    browse --dump-dom "$page" "$out/$name.dom.net.json" "$height" \
        >"$out/$name.dom.html" 2>"$out/$name.dom.log" || bad=1
    browse --screenshot="$out/$name.png" "$page" "$out/$name.shot.net.json" "$height" \
        >/dev/null 2>"$out/$name.shot.log" || bad=1
    grep -q "$expect" "$out/$name.dom.html" || {
        echo "$page: the browser's DOM has no $expect (see $out/$name.dom.html)"
        bad=1
    }
    python3 scripts/check_page.py console "$out/$name.dom.log" "$out/$name.shot.log" || bad=1
    python3 scripts/check_page.py network "$out/$name.dom.net.json" \
        "$out/$name.shot.net.json" || bad=1
    # a blank page of that size compresses to a few kilobytes
    size=$(wc -c <"$out/$name.png" 2>/dev/null || echo 0)
    if [ "$size" -lt 20000 ]; then
        echo "$page: the screenshot $out/$name.png is $size bytes: blank?"
        bad=1
    fi
    return $bad
}

validate() {
    python3 scripts/check_page.py html "$1" || return 1
    if command -v tidy >/dev/null 2>&1; then
        # exit status 2 is an error; 1 a warning (tidy calls SVG's attributes
        # on <svg> proprietary, and an empty colour swatch empty)
        rc=0
        tidy -errors -q "$1" >/dev/null 2>"$out/tidy.log" || rc=$?
        [ "$rc" -lt 2 ] || { cat "$out/tidy.log"; return 1; }
    fi
    return 0
}

# ---- the checks must fail on a page that breaks them ----------------------
cat >"$out/bad.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>bad</title></head><body><p>a & b<div>block</div></p>
<img alt="far" src="http://example.com/x.png">
<script>console.error("an error"); undefined_function();</script></body></html>
EOF
say SELF "a page that breaks every rule must fail each check"
if python3 scripts/check_page.py html "$out/bad.html" >/dev/null; then
    fail "check_page.py html passed a bad page"
fi
if open_page "$out/bad.html" bad "never there" 600 >"$out/bad.txt" 2>&1; then
    fail "the browser checks passed a bad page"
fi
for what in "the browser said" "the page fetched http://example.com"; do
    grep -q "$what" "$out/bad.txt" || fail "the browser checks missed: $what"
done

# ---- two short runs and their pages ----------------------------------------
say NNC "examples/fashion_mlp.nn examples/fashion_mlp_dropout.nn"
"$nnc" build examples/fashion_mlp.nn -o "$out/fashion_mlp" >/dev/null
"$nnc" build examples/fashion_mlp_dropout.nn -o "$out/fashion_mlp_dropout" >/dev/null
for model in fashion_mlp fashion_mlp_dropout; do
    say TRAIN "$out/runs/$model"
    "$out/$model" train --epochs 3 --limit 6000 --out "$out/runs/$model" >"$out/$model.log"
done
say REPORT "$out/compare.html"
"$nnc" report "$out/runs/fashion_mlp" "$out/runs/fashion_mlp_dropout" \
    -o "$out/compare.html" >/dev/null

for page in "$out/runs/fashion_mlp/report.html" "$out/compare.html"; do
    say HTML "$page"
    validate "$page" || fail "$page is not valid HTML"
done
open_page "$out/runs/fashion_mlp/report.html" run 'id="mistakes"' 4200 ||
    fail "the run's page failed in the browser"
open_page "$out/compare.html" compare 'class="differs"' 2400 ||
    fail "the comparison failed in the browser"

if [ "$failed" -ne 0 ]; then
    echo "check-browser: FAILED (what the browser made is in $out)" >&2
    exit 1
fi
echo "check-browser: both pages valid, no console message, nothing fetched;" \
    "screenshots $out/run.png and $out/compare.png"
