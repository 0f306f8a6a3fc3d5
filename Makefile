# nnc: a declarative neural-network model compiler.
#
#   make                 build build/nnc and build/libnnrt.a (and, with OpenMPI,
#                        build/libnnrt_mpi.a for `nnc build --mpi`)
#   make check           unit, end-to-end and golden tests, then again under ASan+UBSan
#   make golden-check    the committed examples/*.c still match what nnc emits
#   make golden          rewrite examples/*.c from examples/*.nn
#   make demo            install what is missing, build, train fashion_mlp (anew each time)
#   make bench           nnc's trainer against PyTorch, 1 epoch of Fashion-MNIST
#   make compare-torch   every optimizer's first steps against PyTorch's
#   make install         PREFIX=/usr/local DESTDIR=
#   make fuzz            fuzz the front end with libFuzzer for SECONDS (60)
#   make fuzz-check      replay tests/fuzz/, fuzz briefly, build trainers from a
#                        sample of the valid inputs (part of check)
#   make check-browser   a run's report.html and nnc report's page in headless
#                        Chromium (installs it; not part of check)
#
# CC, CFLAGS, LDFLAGS, PREFIX and DESTDIR are honoured.  BUILD names the
# output folder, so a sanitizer build lives beside the normal one.

CC      ?= cc
CFLAGS  ?= -O2 -g
# How nnc's `build` compiles the trainers it writes (NNC_CFLAGS overrides it
# at run time).  -O3 lets gcc vectorize the generated loops with constant
# bounds (about 10% off an epoch of fashion_mlp); -march=native lets it use
# this machine's widest vectors (about 18% off the CPU time of fashion_cnn's
# steps: its direct convolution and pools are such loops).  A trainer is
# built where it runs.  -ffp-contract=off keeps every product and sum
# rounded as written, so the weights stay bit-identical to a build without
# -march=native (checked on fashion_cnn): the same run, the same bytes.
TRAINER_CFLAGS ?= -O3 -march=native -ffp-contract=off
PREFIX  ?= /usr/local
BUILD   ?= build
VERSION := 0.1.0

# Warnings are errors for everything we write; flex/bison output is held to
# the same standard except where their skeletons trip a warning we cannot fix.
WARN     := -Wall -Wextra -Werror
PKGS     := openblas zlib libdeflate libpng
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
MD_LIBS    := $(shell pkg-config --libs libmd 2>/dev/null || echo -lmd)
# nnc export reads weights files, whose checksum is zlib's crc32
ZLIB_LIBS  := $(shell pkg-config --libs zlib 2>/dev/null || echo -lz)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
# OpenMPI, if installed (libopenmpi-dev): then `nnc build --mpi` links
# trainers with libnnrt_mpi.a, the runtime with dist_mpi.c in place of
# dist_none.c, and these flags.  A plain trainer never needs libmpi.
HAVE_MPI   := $(shell pkg-config --exists ompi-c 2>/dev/null && echo yes)
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)

# -ffp-contract=off: no fused multiply-adds behind the code's back, so the
# runtime's kernels give the same bits at every vector width (optim.h)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off $(WARN) $(CFLAGS) \
             $(PKG_CFLAGS) -Iruntime -Icompiler -I$(BUILD)/grammar \
             -DNNC_VERSION='"$(VERSION)"' $(EXTRA_DEFS)

# ---- sources ------------------------------------------------------------

RUNTIME_SRC  := $(filter-out runtime/dist_mpi.c,$(sort $(wildcard runtime/*.c)))
COMPILER_SRC := $(sort $(wildcard compiler/*.c compiler/passes/*.c))
COMPILER_LIB_SRC := $(filter-out compiler/main.c,$(COMPILER_SRC))
GRAMMAR_C    := $(BUILD)/grammar/nn.tab.c $(BUILD)/grammar/lex.nn.c

RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
MPI_RUNTIME_OBJ := $(filter-out $(BUILD)/runtime/dist_none.o,$(RUNTIME_OBJ)) \
                   $(BUILD)/runtime/dist_mpi.o
COMPILER_OBJ := $(COMPILER_LIB_SRC:%.c=$(BUILD)/%.o) $(GRAMMAR_C:.c=.o)

EXAMPLES     := $(sort $(wildcard examples/*.nn))
TESTS        := $(sort $(wildcard tests/test_*.c))
TEST_BINS    := $(TESTS:tests/%.c=$(BUILD)/tests/%)

.PHONY: check-browser check-fresh embed-example compare-torch all check check-unit check-sanitize golden golden-check demo bench \
        install uninstall clean deps fuzz fuzz-check fuzz-deps fuzz-build

# the headers a generated file includes
HEADERS := nnrt.h nnrt_kernels.h nnrt_math.h nnrt_winograd.h

# Quiet build lines ("  CC      runtime/train.c"); V=1 prints the commands.
ifeq ($(V),1)
Q :=
SAY := @:
else
Q := @
SAY := @printf '  %-7s %s\n'
endif

all: $(BUILD)/nnc $(BUILD)/libnnrt.a $(HEADERS:%=$(BUILD)/include/%) $(if $(HAVE_MPI),$(BUILD)/libnnrt_mpi.a)

# ---- grammar (flex/bison outputs are build products) ----------------------

# One bison run makes both files (a grouped target, so make -j runs it once).
$(BUILD)/grammar/nn.tab.c $(BUILD)/grammar/nn.tab.h &: grammar/nn.y
	@mkdir -p $(dir $@)
	$(SAY) BISON $<
	$(Q)bison -Wall -Werror -d -o $(BUILD)/grammar/nn.tab.c $<

$(BUILD)/grammar/lex.nn.c: grammar/nn.l $(BUILD)/grammar/nn.tab.h
	@mkdir -p $(dir $@)
	$(SAY) FLEX $<
	$(Q)flex -o $@ $<

# flex's skeleton defines functions it never calls.
$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c
	$(SAY) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-function -Wno-sign-compare -c -o $@ $<

# ---- compiler and runtime -----------------------------------------------

$(BUILD)/%.o: %.c | $(BUILD)/grammar/nn.tab.h
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Made afresh: ar would keep the object of a source file renamed since.
$(BUILD)/libnnc.a: $(COMPILER_OBJ)
	$(SAY) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/libnnrt.a: $(RUNTIME_OBJ)
	$(SAY) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/runtime/dist_mpi.o: EXTRA_DEFS = $(MPI_CFLAGS)
# sqrtf as the instruction, so the optimizers' blocks vectorize (optim.h)
$(BUILD)/runtime/optim%.o: EXTRA_DEFS = -fno-math-errno

$(BUILD)/libnnrt_mpi.a: $(MPI_RUNTIME_OBJ)
	$(SAY) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/include/%.h: runtime/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# nnc remembers how to compile what it emits: the flags OpenBLAS and zlib
# need, and TRAINER_CFLAGS (with sanitizers in a sanitizer build, so the
# trainers link with the runtime built that way).
$(BUILD)/compiler/main.o: EXTRA_DEFS = -DNNC_CC='"$(CC)"' \
    -DNNC_PKG_CFLAGS='"$(PKG_CFLAGS)"' -DNNC_PKG_LIBS='"$(PKG_LIBS) -lm"' \
    -DNNC_TRAINER_CFLAGS='"$(TRAINER_CFLAGS)"' \
    $(if $(HAVE_MPI),-DNNC_MPI_LIBS='"$(MPI_LIBS)"')

# `nnc plot` draws with the runtime's plot_svg.c and curve_read.c: only
# those (and what they call) come out of libnnrt.a, nothing needing OpenBLAS.
$(BUILD)/nnc: $(BUILD)/compiler/main.o $(BUILD)/libnnc.a $(BUILD)/libnnrt.a
	$(SAY) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MD_LIBS) $(ZLIB_LIBS) -lm

-include $(shell find $(BUILD) -path $(BUILD)/fresh -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- tests --------------------------------------------------------------

# (the runtime's headers too: test_kernels includes nnrt_kernels.h itself)
$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h runtime/*.h) $(BUILD)/libnnc.a $(BUILD)/libnnrt.a
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(BUILD)/libnnc.a $(BUILD)/libnnrt.a \
	    $(LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS) $(MD_LIBS) -lm

# nnrt_mm with the vectors of this machine, as the trainers compile it
$(BUILD)/tests/test_kernels_native: CFLAGS += -march=native
$(BUILD)/tests/test_kernels_native: tests/test_kernels.c
# ... and with AVX2's, which an AVX-512 machine's native build never takes
$(BUILD)/tests/test_kernels_avx2: CFLAGS += -mavx2 -mfma
$(BUILD)/tests/test_kernels_avx2: tests/test_kernels.c

# Tests run from the top of the tree; they find nnc and the runtime through
# NNC_BIN and NNC_BUILD, and write only under $(BUILD)/tmp (the trainers'
# data cache too, by NNC_CACHE).
# Each suite's "Checks: N, Failures: F, Errors: E" is added to
# $(CHECK_COUNTS), which `make check` sums in its last line.
CHECK_COUNTS ?= $(CURDIR)/build/check-counts.txt
check-unit: all $(TEST_BINS)
	@mkdir -p $(BUILD)/tmp $(dir $(CHECK_COUNTS))
	@fail=0; for t in $(TEST_BINS); do \
	    NNC_BIN=$(BUILD)/nnc NNC_BUILD=$(BUILD) NNC_TMP=$(BUILD)/tmp NNC_CACHE=$(BUILD)/tmp/cache \
	    CK_DEFAULT_TIMEOUT=600 $$t >$(BUILD)/tmp/suite.log 2>&1 || fail=1; \
	    cat $(BUILD)/tmp/suite.log; \
	    sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
	        $(BUILD)/tmp/suite.log | tail -1 | \
	        awk -v t=$$(basename $$t) '{ print t, $$1 - $$2 - $$3, $$2 + $$3 } \
	            END { if (NR == 0) print t, 0, 1 }' >>$(CHECK_COUNTS); \
	done; exit $$fail

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Every suite again under the sanitizers, but gradcheck's mutations (the
# test case tagged "mutations"): they test the tests (that each wrong
# backward is caught) by building some fifty trainers, 142 s here that kept
# make check over 15 minutes; the code they build is of the kinds the other
# suites build and run here (test_ops' models of every op and kernel, the
# examples).
check-sanitize:
	$(SAY) MAKE "build-san (the tests again under ASan+UBSan)"
	$(Q)CK_EXCLUDE_TAGS=mutations \
	$(MAKE) --no-print-directory BUILD=build-san CFLAGS="-O1 -g $(SAN)" TRAINER_CFLAGS="-O1 -g $(SAN)" \
	    LDFLAGS="$(SAN)" check-unit

# Every part runs even when one fails; the last line counts them all:
# each Check test, and golden-check, embed-example and fuzz-check as one
# each.
check: deps
	@rm -f $(CHECK_COUNTS)
	@fail=0; \
	$(MAKE) --no-print-directory check-unit || fail=1; \
	for part in golden-check embed-example fuzz-check; do \
	    if $(MAKE) --no-print-directory $$part; then r="1 0"; else fail=1; r="0 1"; fi; \
	    echo "$$part $$r" >>$(CHECK_COUNTS); \
	done; \
	$(MAKE) --no-print-directory check-sanitize || fail=1; \
	awk '{ p += $$2; f += $$3; if ($$3) bad = bad " " $$1 } \
	    END { printf "make check: %d passed, %d failed%s\n", p, f, \
	          f ? " (in" bad ")" : "" }' $(CHECK_COUNTS); \
	exit $$fail

# ---- fuzzing: libFuzzer on the front end, .nn bytes to C text -------------
#
# The compiler and the grammar are built again with clang into build-fuzz,
# instrumented for libFuzzer, ASan and UBSan (LeakSanitizer comes with ASan).
# tests/fuzz/ holds seeds and every input that once broke nnc; a new crash
# lands in build-fuzz/ as crash-<sha1>, and belongs in tests/fuzz/ once fixed.

FUZZ_BUILD := build-fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SECONDS    ?= 60
# -timeout: a slow input is a hang; -rss_limit_mb: and a big one a leak.
FUZZ_OPTS  := -timeout=10 -rss_limit_mb=2048 -dict=tests/fuzz_frontend.dict \
              -artifact_prefix=$(FUZZ_BUILD)/

# From the archives, as nnc links: the checker reads data files with the
# runtime's loaders (compiler/check_data.c), and only what it calls comes in.
$(BUILD)/fuzz_frontend: tests/fuzz_frontend.c $(BUILD)/libnnc.a $(BUILD)/libnnrt.a
	$(SAY) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDFLAGS) $(MD_LIBS) $(ZLIB_LIBS) -lm

fuzz-deps:
	@sh scripts/install-deps.sh --fuzz

fuzz-build: fuzz-deps
	$(SAY) MAKE "$(FUZZ_BUILD) (clang, libFuzzer, ASan+UBSan)"
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    LDFLAGS="$(FUZZ_SAN)" $(FUZZ_BUILD)/fuzz_frontend

# libFuzzer sees crashes, never the C that nnc writes: after each run,
# tests/fuzz_compile.sh builds trainers (nnc build: -Wall -Wextra -Werror,
# compiled and linked) from the valid inputs of tests/fuzz/ and from every
# EVERY-th valid input the run made, at most MAX; one that does not build is
# a finding.  The sample is the same for the same corpus, but libFuzzer's
# corpus is not (measured: -seed=1 -runs=10000 twice keeps different inputs).
FUZZ_COMPILE = sh tests/fuzz_compile.sh $(BUILD)/nnc $(FUZZ_BUILD)/compile

fuzz: fuzz-build all
	@mkdir -p $(FUZZ_BUILD)/corpus
	cp examples/*.nn tests/fuzz/*.nn $(FUZZ_BUILD)/corpus/
	$(FUZZ_BUILD)/fuzz_frontend $(FUZZ_OPTS) -max_total_time=$(SECONDS) -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus
	$(FUZZ_COMPILE) 1 200 tests/fuzz $(FUZZ_BUILD)/corpus

# Every regression input once, then a short, seeded mutation run from a
# fresh corpus, so the time make check spends here stays fixed.  The log is
# shown only when something breaks.
FUZZ_LOG := $(FUZZ_BUILD)/fuzz-check.log

fuzz-check: fuzz-build all
	@$(FUZZ_BUILD)/fuzz_frontend $(FUZZ_OPTS) tests/fuzz/* >$(FUZZ_LOG) 2>&1 || \
	    { cat $(FUZZ_LOG); echo "fuzz-check: an input in tests/fuzz/ fails"; exit 1; }
	@rm -rf $(FUZZ_BUILD)/check-corpus; mkdir -p $(FUZZ_BUILD)/check-corpus
	@cp examples/*.nn tests/fuzz/*.nn $(FUZZ_BUILD)/check-corpus/
	@$(FUZZ_BUILD)/fuzz_frontend $(FUZZ_OPTS) -seed=1 -max_total_time=10 \
	    $(FUZZ_BUILD)/check-corpus >>$(FUZZ_LOG) 2>&1 || \
	    { tail -60 $(FUZZ_LOG); echo "fuzz-check: the input that broke nnc is in $(FUZZ_BUILD)/"; exit 1; }
	@echo "fuzz-check: $(words $(wildcard tests/fuzz/*)) inputs in tests/fuzz/ and" \
	    "$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $(FUZZ_LOG)) mutations pass"
	@$(FUZZ_COMPILE) 2 30 tests/fuzz $(FUZZ_BUILD)/check-corpus

# ---- golden files: the C emitted for each example is committed ------------

golden: $(BUILD)/nnc
	@for f in $(EXAMPLES); do \
	    $(BUILD)/nnc emit $$f -o $${f%.nn}.c || exit 1; done

# A stale example is explained (scripts/golden-check.sh): nnc diff of its
# .nn since the C was committed, and the start of the C's diff.
golden-check: $(BUILD)/nnc
	@sh scripts/golden-check.sh $(BUILD) $(EXAMPLES)

# ---- the main job, the benchmark, installation --------------------------

deps:
	@sh scripts/install-deps.sh

# examples/embed: the trained fashion_mlp inside a C program of its own
# (`nnc export`, docs/export.md), classifying two test images as PNG files
EMBED = $(BUILD)/embed
embed-example: all
	@mkdir -p $(EMBED)
	$(SAY) NNC examples/fashion_mlp.nn
	$(Q)$(BUILD)/nnc build examples/fashion_mlp.nn -o $(EMBED)/trainer
	$(SAY) TRAIN $(EMBED)/run
	$(Q)$(EMBED)/trainer train --epochs 3 --out $(EMBED)/run --overwrite >$(EMBED)/train.log
	$(SAY) EXPORT $(EMBED)/fashion
	$(Q)$(BUILD)/nnc export examples/fashion_mlp.nn --weights $(EMBED)/run/weights \
	    -o $(EMBED)/fashion >/dev/null
	$(SAY) CC examples/embed/classify.c
	$(Q)$(CC) -std=c99 -Wall -Wextra -pedantic -Werror -O2 -I$(EMBED) $(PKG_CFLAGS) \
	    -o $(EMBED)/classify examples/embed/classify.c $(EMBED)/fashion.c \
	    $(shell pkg-config --libs libpng) -lm
	$(Q)$(EMBED)/classify examples/embed/ankle_boot.png examples/embed/pullover.png | tee $(EMBED)/out.txt
	@grep -q 'ankle_boot.png: Ankle boot' $(EMBED)/out.txt && \
	    grep -q 'pullover.png: Pullover' $(EMBED)/out.txt || \
	    { echo "embed-example: the exported model misread a test image"; exit 1; }

# The pages a person opens (a run's report.html, nnc report's comparison)
# in headless Chromium, after two short training runs: valid HTML, no
# console message, nothing fetched, screenshots in $(BUILD)/browser
# (scripts/check-browser.sh).  Not part of check: it installs Chromium.
check-browser: all
	@sh scripts/install-deps.sh --browser
	@sh scripts/check-browser.sh $(BUILD)

# The README's set-up on a bare Debian root made by debootstrap (as root;
# downloads; not part of check): scripts/check-fresh.sh says how long
check-fresh:
	sh scripts/check-fresh.sh $(BUILD) $(SUITE)

demo: deps
	$(MAKE) all
	$(BUILD)/nnc build examples/fashion_mlp.nn -o $(BUILD)/fashion_mlp
	$(BUILD)/fashion_mlp train --out $(BUILD)/runs/fashion_mlp --overwrite
	@echo; echo "learning curve: $(BUILD)/runs/fashion_mlp/curve.csv"; \
	    cat $(BUILD)/runs/fashion_mlp/curve.csv; \
	    echo "drawn in $(BUILD)/runs/fashion_mlp/curve.svg (open it in a browser)"

bench: deps all
	@sh bench/bench.sh $(BUILD)

# every optimizer against PyTorch, step by step from the same weights
compare-torch: all
	@sh scripts/install-deps.sh --bench
	/usr/bin/python3 bench/compare_torch.py $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/nnc $(DESTDIR)$(PREFIX)/bin/nnc
	install -m 644 $(BUILD)/libnnrt.a $(DESTDIR)$(PREFIX)/lib/libnnrt.a
	if [ -f $(BUILD)/libnnrt_mpi.a ]; then \
	    install -m 644 $(BUILD)/libnnrt_mpi.a $(DESTDIR)$(PREFIX)/lib/libnnrt_mpi.a; fi
	for h in $(HEADERS); do install -m 644 runtime/$$h $(DESTDIR)$(PREFIX)/include/$$h; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nnc $(DESTDIR)$(PREFIX)/lib/libnnrt.a \
	      $(DESTDIR)$(PREFIX)/lib/libnnrt_mpi.a \
	      $(HEADERS:%=$(DESTDIR)$(PREFIX)/include/%)

clean:
	rm -rf build build-san build-fuzz
