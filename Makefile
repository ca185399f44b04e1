# corrtest: build, check, demo, deps, install. See README.md.
VERSION = 0.1.0
PREFIX ?= /usr/local
CC ?= cc
# Debian packages needed to build, test and run (make deps installs them);
# clang because the code must also build with it: make CC=clang BUILD=build-clang.
DEBS = build-essential clang pkg-config libsqlite3-dev sqlite3 libgmime-3.0-dev libinih-dev \
       r-mathlib libcurl4-openssl-dev check tzdata python3 r-base-core r-cran-survival r-cran-sandwich r-cran-psych \
       dovecot-imapd dovecot-lmtpd python3-aiosmtpd openssl curl python3-gi gir1.2-gmime-3.0 \
       libpython3.11-testsuite libpcre2-dev chromium fonts-dejavu-core libssl-dev zlib1g-dev \
       poppler-utils libcairo2-dev libpango1.0-dev
PKGS = sqlite3 gmime-3.0 inih libRmath libpcre2-8 libcrypto zlib
# Recursively expanded: pkg-config runs only once 'deps' has installed it.
# Compiled against but not linked: loaded when first needed, since most
# commands never use them and each start would pay for loading them
# (libcurl: mail/curl_dl.h; Pango and cairo: cv/pango_dl.h).
DL_PKGS = libcurl pangocairo cairo-pdf
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(DL_PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lm -ldl
WERROR ?= -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -DCORRTEST_VERSION='"$(VERSION)"' -Wall -Wextra \
	-Wshadow -Wstrict-prototypes -Wformat=2 $(WERROR) -Itools -Itools/lib -Istats \
	$(PKG_CFLAGS) $(CFLAGS) $(SAN)
# 'make SAN=1' builds with AddressSanitizer and UBSan into build-san/.
# BUILD names the object folder, so that parallel builds keep apart.
BUILD ?= build
ifeq ($(SAN),1)
override SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
B = $(BUILD)-san
else
B = $(BUILD)
endif

LIB_SRC = $(wildcard tools/lib/*/*.c stats/*.c)
CMD_SRC = tools/corrtest.c $(wildcard tools/cmd_*.c)
# The example study that 'corrtest demo' runs is built in, like the templates.
DEMO_STUDY = studies/gent-housing-nl
EMBED = tools/lib/store/schema.sql $(wildcard tools/lib/store/migrate-*.sql) $(shell find templates -type f ! -name '*.md' | LC_ALL=C sort) \
	$(DEMO_STUDY)/study.ini $(DEMO_STUDY)/listings.csv
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o) $(B)/embedded.o
UNIT = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

all: $(B)/corrtest
	@mkdir -p bin && cp $(B)/corrtest bin/corrtest$(if $(SAN),-san)

$(B)/corrtest: $(CMD_SRC:%.c=$(B)/%.o) $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/%.o: %.c $(wildcard tools/*.h tools/lib/*/*.h stats/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/embedded.o: $(B)/embedded.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/embedded.c: $(B)/embed $(EMBED)
	$(B)/embed $@ $(EMBED)
$(B)/embed: tools/embed.c
	@mkdir -p $(B) && $(CC) -O1 -o $@ $<
$(B)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags check) -o $@ $^ $(PKG_LIBS) \
		$(shell pkg-config --libs check)

unit: $(UNIT)
	@fail=0; for t in $(UNIT); do $$t || fail=1; done; exit $$fail
e2e: all
	tests/e2e/run.sh $(abspath bin/corrtest$(if $(SAN),-san))

# The test command of the README: unit suites and end-to-end tests, both on
# a sanitizer build (ASan + UBSan), after the optimised build and a clang
# build (warnings are errors in both compilers).
check: deps
	$(MAKE) all
	$(MAKE) CC=clang BUILD=build-clang build-clang/corrtest
	$(MAKE) SAN=1 unit e2e
demo: deps
	$(MAKE) all
	bin/corrtest demo
# Without PCRE2's JIT: its machine code is not valgrind-clean (Debian's
# PCRE2 is built without --enable-valgrind), the interpreter is. The
# suppressions are two blocks Pango and fontconfig keep for the process's
# life (tests/valgrind.supp says which).
valgrind:
	$(MAKE) BUILD=build-vg CFLAGS='-O2 -g -DCORRTEST_NO_JIT' valgrind-run
valgrind-run: $(UNIT)
	for t in $(UNIT); do CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--suppressions=tests/valgrind.supp $$t || exit 1; done
deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "missing packages; run: sudo apt-get install $$missing" >&2; exit 1; fi
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 bin/corrtest $(DESTDIR)$(PREFIX)/bin/corrtest
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
# The man pages of the subcommands are made from their --help texts and
# committed; run this after changing a usage text (tests/e2e/0092-man.sh
# fails while a page differs from what the binary says).
man: all
	man/mkpage.sh --all bin/corrtest man
clean:
	rm -rf build build-san build-clang build-vg bin

.PHONY: all unit e2e check demo valgrind valgrind-run deps install man clean
.SECONDARY:
# A recipe that fails (embed on a read error) leaves no half-written target.
.DELETE_ON_ERROR:
