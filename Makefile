# ngx_http_overlay_module
#
#   make          builds build/ngx_http_overlay_module.so, the CLI and the
#                 unit tests (names missing packages; installs nothing)
#   make deps     installs the missing Debian packages
#   make test     deps, build, the module against a plain nginx (see
#                 build-plain), unit tests (also under ASan+UBSan), t/ suites
#   make build-plain
#                 the module against nginx's sources configured with a plain
#                 ./configure (no threads, no compat, nginx's own -Werror)
#   make unit [ONLY=GROUP[,GROUP...]]
#                 the unit tests (tests/unit/), plainly and under ASan+UBSan,
#                 the peak test, the golden images; ONLY: those groups only
#   make test-valgrind
#                 the Test::Nginx suites of t/ with nginx under valgrind
#                 (a few minutes; not part of make test)
#   make test-asan
#                 nginx 1.22.1 from Debian's source package built with
#                 ASan+UBSan, the module against it, the t/ suites and a
#                 stress run through it (tens of minutes; not in make test)
#   make stress [STRESS_SECONDS=240]
#                 t/abort.t with that long a run of aborting clients and
#                 reloads (make test runs 12 s of it)
#   make demo     deps, build, nginx in the foreground on 127.0.0.1:8080
#   make bench    deps and the benchmark's (wrk, gunicorn, Pillow, photos),
#                 the module against a Pillow service and plain nginx, and
#                 the core against libjpeg-turbo (tests/bench/); not a test
#   make webp-sweep  libwebp's lossy settings on real photos against the
#                 Pillow service's output (tests/bench/webp_sweep.c)
#   make soak     one worker's RSS over 100000 overlays (tests/bench/)
#   make fuzz     the libFuzzer targets (tests/fuzz/), FUZZ_SECONDS each

NGX_SRC      ?= /usr/share/nginx/src
NGINX        ?= /usr/sbin/nginx
BUILD        := build
NGX_BUILD    := $(BUILD)/nginx
NGX_PLAIN    := $(BUILD)/nginx-plain
MODULE       := $(BUILD)/ngx_http_overlay_module.so
CLI          := $(BUILD)/ngx-overlay
DEMO_PORT    ?= 8080
BENCH_PORT   ?= 8090
BENCH_SECONDS ?= 5

SRC_DIR      := ngx_http_overlay_module
CORE_SRCS    := $(addprefix $(SRC_DIR)/ngx_http_overlay_, \
                  error.c param.c spec.c spec_dump.c window.c sign.c file.c \
                  core.c tiles.c tls.c \
                  layout.c text.c face.c runs.c glyph.c render.c \
                  codec.c codec_jpeg.c codec_png.c png_encode.c png_inflate.c \
                  png_blend.c quant.c codec_webp.c webp_splice.c webp_alpha.c \
                  codec_gif.c \
                  jpeg_dct.c jpeg_tables.c jpeg_reencode.c jpeg_exif.c \
                  jpeg_lib.c jpeg_marker.c \
                  jpeg_splice.c jpeg_splice_decode.c jpeg_splice_encode.c \
                  jpeg_splice_fit.c jpeg_splice_retable.c jpeg_prog.c \
                  jpeg_prog_code.c jpeg_prog_splice.c \
                  jpeg_prog_splice_decode.c jpeg_prog_splice_write.c \
                  jpeg_prog_splice_tables.c \
                  vp8_read.c vp8_recon.c vp8_code.c vp8_write.c vp8_tables.c)
# every header, private ones (no .c of their name) included
CORE_HDRS    := $(wildcard $(SRC_DIR)/*.h)
# the nginx glue: the module's files that include nginx's headers
GLUE_SRCS    := $(addprefix $(SRC_DIR)/ngx_http_overlay_, \
                  module.c directive.c assets.c filter.c etag.c thread.c \
                  stats.c variables.c expires.c)
GLUE_HDRS    := $(SRC_DIR)/ngx_http_overlay_module.h
MODULE_SRCS  := $(GLUE_SRCS) $(CORE_SRCS)

# the unit tests of the core: a file per core source (tests/unit/)
UNIT_SRCS    := $(sort $(wildcard tests/unit/*.c))
UNIT_HDRS    := tests/unit/unit.h

# Debian's flags for nginx and its modules (nginx -V); nginx adds -Werror
NGX_CC_OPT   := -g -O2 -fstack-protector-strong -Wformat \
                -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2
NGX_LD_OPT   := -Wl,-z,relro -Wl,-z,now -fPIC

CC           ?= cc
WARN         := -Wall -Wextra -Wpointer-arith -Wshadow -Werror
# FreeType's and HarfBuzz's headers are in directories of their own
FT_INCS      := -I/usr/include/freetype2 -I/usr/include/harfbuzz
CFLAGS_CORE  := -std=gnu99 -g -O2 $(WARN) -I$(SRC_DIR) $(FT_INCS)
SAN          := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
LIBS         := -lgd -lraqm -lharfbuzz -lfreetype -lfribidi -lpng -ldeflate \
                -lwebp -ljpeg -ljansson -lcrypto -lm

# the real Test::Nginx when it is installed (or on PERL5LIB), else the
# bundled runner: t/lib/fallback is on PERL5LIB only then, so it never
# shadows the real one (the suites' own `use lib 't/lib'` does not reach it)
HAVE_TN      := $(shell perl -MTest::Nginx::Socket -e1 2>/dev/null && echo y)
TN_LIB       := $(if $(HAVE_TN),,$(CURDIR)/t/lib/fallback)
TEST_ENV     := TEST_NGINX_BINARY=$(NGINX) \
                TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) \
                TEST_NGINX_OVERLAY_FIXTURES=$(CURDIR)/t/fixtures \
                TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) \
                PERL5LIB=$(if $(TN_LIB),$(TN_LIB)$(if $(PERL5LIB),:))$(PERL5LIB)

C_FILES      := $(MODULE_SRCS) $(GLUE_HDRS) $(CORE_HDRS) cli/ngx-overlay.c \
                $(UNIT_SRCS) $(UNIT_HDRS) tests/test_peak.c \
                tests/bench/bench_codec.c tests/bench/webp_sweep.c \
                $(wildcard tests/preload/*.c)

.PHONY: all build build-plain deps check-deps test unit t style demo clean \
        fuzz-syntax \
        fuzz golden deb bench webp-sweep soak test-valgrind test-asan stress \
        fuzz-deps

all: build

build: check-deps $(MODULE) $(CLI) $(BUILD)/unit $(BUILD)/bench_codec \
       $(BUILD)/webp_sweep fuzz-syntax

check-deps:
	@tools/deps.sh check

deps:
	@tools/deps.sh install

# nginx-dev ships the headers and configure scripts of the packaged nginx:
# configure a copy with the package's own flags, build only the module
$(NGX_BUILD)/objs/Makefile: config $(NGX_SRC)/conf_flags
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && bash -c '. ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT)" --with-ld-opt="$(NGX_LD_OPT)" \
	        --add-dynamic-module="$(CURDIR)"' > ../configure.log 2>&1 \
	    || { tail -30 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS) $(GLUE_HDRS) $(CORE_HDRS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	cp $(NGX_BUILD)/objs/ngx_http_overlay_module.so $@

# the same sources configured as anyone may: a plain ./configure, without
# --with-threads or --with-compat, with nginx's own flags (-Werror); only
# the module is built, to catch what compiles in one build and not in the
# other (#if (NGX_THREADS), NGX_COMPAT padding)
$(NGX_PLAIN)/objs/Makefile: config $(NGX_SRC)/configure
	rm -rf $(NGX_PLAIN)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_PLAIN)
	cd $(NGX_PLAIN) && ./configure --add-dynamic-module="$(CURDIR)" \
	    > ../configure-plain.log 2>&1 \
	    || { tail -30 $(BUILD)/configure-plain.log; exit 1; }

build-plain: check-deps $(NGX_PLAIN)/objs/Makefile
	$(MAKE) -C $(NGX_PLAIN) -f objs/Makefile modules

$(CLI): cli/ngx-overlay.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ cli/ngx-overlay.c $(CORE_SRCS) $(LIBS)

$(BUILD)/unit: $(UNIT_SRCS) $(UNIT_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(LIBS)

# malloc interposed: every library's allocations are counted
$(BUILD)/test_peak: tests/test_peak.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ tests/test_peak.c $(CORE_SRCS) $(LIBS)

$(BUILD)/unit_san: $(UNIT_SRCS) $(UNIT_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) $(SAN) -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(LIBS)

# make unit [ONLY=GROUP[,GROUP...]]: the unit tests, plainly and under
# ASan+UBSan, then the peak test and the golden images; with ONLY, only
# those groups of the unit tests, in both builds (build/unit with a wrong
# name lists the groups)
unit: $(BUILD)/unit $(BUILD)/unit_san $(BUILD)/test_peak $(CLI)
	$(BUILD)/unit t/fixtures $(ONLY)
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/unit_san t/fixtures $(ONLY)
ifeq ($(ONLY),)
	$(BUILD)/test_peak t/fixtures
	TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) prove tests/golden.t
endif

# writes the golden references anew: look at them before committing
golden: $(CLI)
	GOLDEN_UPDATE=1 TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) \
	    prove tests/golden.t

# --- fuzzing: by hand or in a long CI job, never in `make test` -------------
#
#   make fuzz [FUZZ_SECONDS=60]
#
# builds the libFuzzer targets of tests/fuzz/ into build/fuzz/ and runs each
# for FUZZ_SECONDS on a work corpus in build/fuzz/ (seeded from tests/fuzz/
# and t/fixtures/, kept between runs); fails when any finds a crash, a
# leak, a timeout or a broken invariant, whose input is then in
# build/fuzz/artifacts/.  fuzz_param: the parameter; fuzz_probe: the header
# probe and the heap the decoders use for what it accepts; fuzz_image: the
# whole composite on image bodies; fuzz_text: a text layer's text laid out
# and drawn in a chain of four fonts, emoji among them; fuzz_vp8: the VP8
# key frame syntax read, reconstructed and written again; fuzz_alpha: a
# lossy WebP's ALPH chunk decoded, against libwebp's decode, and coded again.

FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=gnu99 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer \
                $(WARN) -I$(SRC_DIR) $(FT_INCS)
FUZZ_ENV     := ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
FUZZ_RUN     := -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
                -rss_limit_mb=2048 -print_final_stats=1

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(CORE_SRCS) \
                    $(CORE_HDRS)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRCS) $(LIBS)

fuzz: fuzz-deps $(FUZZ_DIR)/fuzz_param $(FUZZ_DIR)/fuzz_probe \
      $(FUZZ_DIR)/fuzz_image $(FUZZ_DIR)/fuzz_text $(FUZZ_DIR)/fuzz_vp8 \
      $(FUZZ_DIR)/fuzz_alpha
	@mkdir -p $(FUZZ_DIR)/corpus_param $(FUZZ_DIR)/corpus_probe \
	    $(FUZZ_DIR)/corpus_image $(FUZZ_DIR)/corpus_text \
	    $(FUZZ_DIR)/corpus_vp8 $(FUZZ_DIR)/corpus_alpha \
	    $(FUZZ_DIR)/artifacts
	cp tests/fuzz/corpus_alpha/* $(FUZZ_DIR)/corpus_alpha/
	cp tests/fuzz/corpus_param/* $(FUZZ_DIR)/corpus_param/
	cp tests/fuzz/corpus_text/* $(FUZZ_DIR)/corpus_text/
	cp tests/fuzz/corpus_vp8/* t/fixtures/thumb.webp \
	    tests/fuzz/corpus_image/lossy.webp $(FUZZ_DIR)/corpus_vp8/
	sh tests/fuzz/image_seeds.sh $(FUZZ_DIR)/seeds_image \
	    t/fixtures/*.jpg t/fixtures/*.png t/fixtures/*.webp \
	    t/fixtures/*.gif tests/fuzz/corpus_image/*
	@failed=; \
	echo "fuzz_param: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_param $(FUZZ_RUN) \
	    -dict=tests/fuzz/param.dict -max_len=20000 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/param- \
	    $(FUZZ_DIR)/corpus_param || failed="$$failed fuzz_param"; \
	echo "fuzz_probe: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_probe $(FUZZ_RUN) \
	    -dict=tests/fuzz/image.dict \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/probe- \
	    $(FUZZ_DIR)/corpus_probe $(FUZZ_DIR)/seeds_image \
	    || failed="$$failed fuzz_probe"; \
	echo "fuzz_image: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_image $(FUZZ_RUN) \
	    -dict=tests/fuzz/image.dict \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/image- \
	    $(FUZZ_DIR)/corpus_image $(FUZZ_DIR)/seeds_image \
	    || failed="$$failed fuzz_image"; \
	echo "fuzz_text: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_text $(FUZZ_RUN) -max_len=4096 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/text- \
	    $(FUZZ_DIR)/corpus_text || failed="$$failed fuzz_text"; \
	echo "fuzz_vp8: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_vp8 $(FUZZ_RUN) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/vp8- \
	    $(FUZZ_DIR)/corpus_vp8 || failed="$$failed fuzz_vp8"; \
	echo "fuzz_alpha: $(FUZZ_SECONDS) s"; \
	$(FUZZ_ENV) $(FUZZ_DIR)/fuzz_alpha $(FUZZ_RUN) -max_len=16384 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/alpha- \
	    $(FUZZ_DIR)/corpus_alpha || failed="$$failed fuzz_alpha"; \
	if [ -n "$$failed" ]; then \
	    echo "fuzz: FAILED:$$failed (inputs in $(FUZZ_DIR)/artifacts/)"; \
	    exit 1; \
	fi; \
	echo "fuzz: no crash, leak or timeout in $(FUZZ_SECONDS) s per target"

# the fuzz targets are compiled (not linked) by make build, so that a
# change of the core's interfaces cannot leave them behind: with clang when
# make fuzz installed it, else with cc, which lacks the sanitizer header
# fuzz_probe.c reads the heap with
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
HAVE_CLANG   := $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && echo y)

fuzz-syntax: $(FUZZ_SRCS) tests/fuzz/fuzz_common.h $(CORE_HDRS)
	$(if $(HAVE_CLANG),$(FUZZ_CC) $(CFLAGS_CORE) -fsyntax-only $(FUZZ_SRCS),\
	    $(CC) $(CFLAGS_CORE) -fsyntax-only \
	        $(filter-out tests/fuzz/fuzz_probe.c,$(FUZZ_SRCS)))

fuzz-deps: deps
	@tools/deps.sh install fuzz

# --- end of fuzzing ----------------------------------------------------------

# --- benchmark: by hand, never in `make test` --------------------------------
#
#   make bench [BENCH_SECONDS=5] [BENCH_PORT=8090]
#
# installs the benchmark's packages (tools/deps.sh install bench), then runs
# tests/bench/run.pl: BENCH_SECONDS of wrk per image and server on ports
# BENCH_PORT to BENCH_PORT+2, then bench_codec; about 3 minutes at 5 s,
# under a minute at 1.  Results in build/bench/ (http.tsv, codec.tsv).
# Every JPEG variant is run (BENCH_VARIANTS=0: the baselines only;
# BENCH_IMAGES=a.jpg,b.jpg: those); BENCH_MODJPEG=DIR (checkouts of
# libmodjpeg and modjpeg-nginx) adds modjpeg-nginx on BENCH_PORT+3.

$(BUILD)/bench_codec: tests/bench/bench_codec.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ tests/bench/bench_codec.c $(CORE_SRCS) $(LIBS)

bench: deps
	@tools/deps.sh install bench
	@$(MAKE) --no-print-directory $(MODULE) $(BUILD)/bench_codec $(CLI)
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_PORT=$(BENCH_PORT) \
	    NGINX=$(NGINX) MODULE=$(CURDIR)/$(MODULE) \
	    BENCH_CODEC=$(CURDIR)/$(BUILD)/bench_codec BUILD=$(CURDIR)/$(BUILD) \
	    CLI=$(CURDIR)/$(CLI) NGX_SRC=$(NGX_SRC) \
	    perl tests/bench/run.pl

# make webp-sweep [SWEEP_REPEATS=3] [SWEEP_GRID='m=0,4 q=85,90']: the
# bench's 1080p.webp and three more KDE wallpapers made the same way
# (tests/bench/webp_pillow.py make), Pillow's time and output for each
# (webp_pillow.py time), then build/webp_sweep over them; the table in
# build/sweep/sweep.tsv.  Several minutes.
SWEEP_REPEATS ?= 3
SWEEP_GRID   ?=
SWEEP_PHOTOS := EveningGlow:1080p BytheWater:bythewater Path:path \
                ColorfulCups:colorfulcups

$(BUILD)/webp_sweep: tests/bench/webp_sweep.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ tests/bench/webp_sweep.c $(CORE_SRCS) $(LIBS)

# build/vp8_cost: the VP8 syntax's instructions against libwebp's decoder,
# for callgrind (tests/bench/vp8_cost.c says how)
$(BUILD)/vp8_cost: tests/bench/vp8_cost.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ tests/bench/vp8_cost.c $(CORE_SRCS) $(LIBS)

webp-sweep: deps
	@tools/deps.sh install bench
	@$(MAKE) --no-print-directory $(BUILD)/webp_sweep
	@mkdir -p $(BUILD)/sweep
	@for p in $(SWEEP_PHOTOS); do \
	    /usr/bin/python3 tests/bench/webp_pillow.py make \
	        /usr/share/wallpapers/$${p%%:*}/contents/images/2560x1600.jpg \
	        $(BUILD)/sweep/$${p#*:}.webp || exit 1; \
	done
	/usr/bin/python3 tests/bench/webp_pillow.py time 5 $(BUILD)/sweep/out \
	    $(foreach p,$(SWEEP_PHOTOS),$(BUILD)/sweep/$(lastword \
	        $(subst :, ,$(p))).webp) > $(BUILD)/sweep/pillow.tsv
	$(BUILD)/webp_sweep -r $(SWEEP_REPEATS) -o $(BUILD)/sweep/sweep.tsv \
	    $(if $(SWEEP_GRID),-g '$(SWEEP_GRID)') -P $(BUILD)/sweep/pillow.tsv \
	    $(foreach p,$(SWEEP_PHOTOS),$(BUILD)/sweep/$(lastword \
	        $(subst :, ,$(p))).webp)

# make soak [SOAK_REQUESTS=100000]: one worker's RSS over that many
# overlays (tests/bench/soak.pl); about 5 minutes
SOAK_REQUESTS ?= 100000

soak: deps
	@tools/deps.sh install bench
	@$(MAKE) --no-print-directory $(MODULE)
	SOAK_REQUESTS=$(SOAK_REQUESTS) NGINX=$(NGINX) MODULE=$(CURDIR)/$(MODULE) \
	    BUILD=$(CURDIR)/$(BUILD) perl tests/bench/soak.pl

# --- end of benchmark --------------------------------------------------------

t: $(MODULE) $(CLI)
	$(TEST_ENV) prove -r t/

# nginx under valgrind's memcheck for every block of the Test::Nginx suites
# (and nginx -t in t/config.t), with the suppressions of valgrind.suppress:
# fails on any error, definite leak, or block of the module's left at exit;
# the reports are in build/valgrind/ (tools/test-valgrind.pl says more)
test-valgrind: deps
	@tools/deps.sh install valgrind
	@$(MAKE) --no-print-directory $(MODULE) $(CLI)
	$(TEST_ENV) tools/test-valgrind.pl

# t/abort.t's aborting clients and reloads for STRESS_SECONDS, by hand
STRESS_SECONDS ?= 240

stress: deps
	@$(MAKE) --no-print-directory $(MODULE) $(CLI)
	$(TEST_ENV) ABORT_SECONDS=$(STRESS_SECONDS) prove -v t/abort.t

# nginx 1.22.1 built with AddressSanitizer and UndefinedBehaviorSanitizer
# from Debian's own source package, the module against it
# (tools/asan-nginx.sh), and the suites of t/ with the stress run of
# t/abort.t through it: fails on any sanitizer report
# (tools/test-asan.pl says more); ASAN_STRESS_SECONDS: the stress run's
ASAN_DIR     := $(BUILD)/asan

test-asan: deps
	@$(MAKE) --no-print-directory $(CLI)
	tools/asan-nginx.sh $(ASAN_DIR) .
	$(TEST_ENV) TEST_NGINX_BINARY=$(CURDIR)/$(ASAN_DIR)/sbin/nginx \
	    TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(ASAN_DIR)/ngx_http_overlay_module.so \
	    tools/test-asan.pl

# the Debian package, with Debian's tooling for nginx modules (nginx-dev's
# dh-sequence-nginx), built from a copy of the tree into build/deb/
DEB_DIR      := $(BUILD)/deb

deb: check-deps
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	tar --exclude=./build --exclude=./.git --exclude=./t -cf - . \
	    | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b \
	    > ../build.log 2>&1 || { tail -30 ../build.log; exit 1; }
	@ls $(DEB_DIR)/*.deb

# nginx style: 80 columns, no tabs
style:
	@awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns"; bad = 1 } \
	     /\t/ { print FILENAME ":" FNR ": tab"; bad = 1 } \
	     END { exit bad }' $(C_FILES)

test: deps
	@$(MAKE) --no-print-directory style
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory build-plain
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory deb
	@$(MAKE) --no-print-directory t

demo: deps
	@$(MAKE) --no-print-directory build
	tools/demo.sh $(NGINX) $(CURDIR)/$(MODULE) $(DEMO_PORT)

clean:
	rm -rf $(BUILD) t/servroot
