# ngx_http_overlay_module
#
#   make          builds build/ngx_http_overlay_module.so, the CLI and the
#                 unit tests (names missing packages; installs nothing)
#   make deps     installs the missing Debian packages
#   make test     deps, build, unit tests (also under ASan+UBSan), t/ suites
#   make demo     deps, build, nginx in the foreground on 127.0.0.1:8080

NGX_SRC      ?= /usr/share/nginx/src
NGINX        ?= /usr/sbin/nginx
BUILD        := build
NGX_BUILD    := $(BUILD)/nginx
MODULE       := $(BUILD)/ngx_http_overlay_module.so
CLI          := $(BUILD)/ngx-overlay
DEMO_PORT    ?= 8080

SRC_DIR      := ngx_http_overlay_module
CORE_SRCS    := $(addprefix $(SRC_DIR)/ngx_http_overlay_, \
                  error.c param.c spec.c render.c codec.c codec_jpeg.c \
                  core.c)
CORE_HDRS    := $(CORE_SRCS:.c=.h)
MODULE_SRCS  := $(SRC_DIR)/ngx_http_overlay_module.c $(CORE_SRCS)

# Debian's flags for nginx and its modules (nginx -V); nginx adds -Werror
NGX_CC_OPT   := -g -O2 -fstack-protector-strong -Wformat \
                -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2
NGX_LD_OPT   := -Wl,-z,relro -Wl,-z,now -fPIC

CC           ?= cc
WARN         := -Wall -Wextra -Wpointer-arith -Wshadow -Werror
CFLAGS_CORE  := -std=gnu99 -g -O2 $(WARN) -I$(SRC_DIR)
SAN          := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
LIBS         := -lgd -ljpeg -ljansson -lm

# the real Test::Nginx when it is installed, else the bundled runner
HAVE_TN      := $(shell perl -MTest::Nginx::Socket -e1 2>/dev/null && echo y)
TN_LIB       := $(if $(HAVE_TN),,$(CURDIR)/tests/lib)
TEST_ENV     := TEST_NGINX_BINARY=$(NGINX) \
                TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) \
                TEST_NGINX_OVERLAY_FIXTURES=$(CURDIR)/t/fixtures \
                TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) \
                PERL5LIB=$(if $(TN_LIB),$(TN_LIB)$(if $(PERL5LIB),:))$(PERL5LIB)

C_FILES      := $(MODULE_SRCS) $(CORE_HDRS) cli/ngx-overlay.c tests/test_core.c

.PHONY: all build deps check-deps test unit t style demo clean golden

all: build

build: check-deps $(MODULE) $(CLI) $(BUILD)/test_core

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

$(MODULE): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS) $(CORE_HDRS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	cp $(NGX_BUILD)/objs/ngx_http_overlay_module.so $@

$(CLI): cli/ngx-overlay.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ cli/ngx-overlay.c $(CORE_SRCS) $(LIBS)

$(BUILD)/test_core: tests/test_core.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) -o $@ tests/test_core.c $(CORE_SRCS) $(LIBS)

$(BUILD)/test_core_san: tests/test_core.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_CORE) $(SAN) -o $@ tests/test_core.c $(CORE_SRCS) $(LIBS)

unit: $(BUILD)/test_core $(BUILD)/test_core_san $(CLI)
	$(BUILD)/test_core t/fixtures
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/test_core_san t/fixtures
	TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) prove tests/golden.t

# writes the golden references anew: look at them before committing
golden: $(CLI)
	GOLDEN_UPDATE=1 TEST_NGINX_OVERLAY_CLI=$(CURDIR)/$(CLI) \
	    prove tests/golden.t

t: $(MODULE) $(CLI)
	$(TEST_ENV) prove -r t/

# nginx style: 80 columns, no tabs
style:
	@awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns"; bad = 1 } \
	     /\t/ { print FILENAME ":" FNR ": tab"; bad = 1 } \
	     END { exit bad }' $(C_FILES)

test: deps
	@$(MAKE) --no-print-directory style
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory t

demo: deps
	@$(MAKE) --no-print-directory build
	tools/demo.sh $(NGINX) $(CURDIR)/$(MODULE) $(DEMO_PORT)

clean:
	rm -rf $(BUILD) t/servroot
