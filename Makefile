# SPDX-License-Identifier: BSD-2-Clause
# pcaprec build. `make` builds ./pcaprec; `make test` installs what the tests
# need and runs them; `make test SAN=1` runs the same suite under ASan+UBSan.
#
# CFLAGS, CPPFLAGS and LDFLAGS belong to the caller (dpkg-buildflags, a
# distribution, a developer's -O0): they are added after the project's own
# flags (PCAPREC_*), never instead of them. WERROR=0 drops -Werror (package
# builds: a newer compiler's new warning must not fail a user's build);
# development and CI keep it. BUILD=DIR puts objects and binaries in DIR.

CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
DOCDIR  ?= $(DATADIR)/doc/pcaprec
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR ?=
SAN     ?=
WERROR  ?= 1

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?= -O2 -g
PCAPREC_CPPFLAGS := -Iinclude -D_GNU_SOURCE
PCAPREC_CFLAGS   := -std=c11 $(WARN) -pthread
PCAPREC_LDFLAGS  := -pthread
LDLIBS  := -lz -lzstd -lnettle -lpthread
TEST_LDLIBS := -lcmocka -lpcap -lz -lzstd -lnettle -lpthread

ifeq ($(SAN),1)
SAN_CFLAGS  := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
DEFAULT_BUILD := build/san
else
DEFAULT_BUILD := build/rel
endif
# Only a BUILD given on make's command line moves the build: an exported
# BUILD (tests/run.sh reads one) must not send SAN=1 objects into build/rel.
ifneq ($(origin BUILD),command line)
BUILD   := $(DEFAULT_BUILD)
endif

ALL_CPPFLAGS = $(PCAPREC_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(PCAPREC_CFLAGS) $(CFLAGS) $(SAN_CFLAGS)
ALL_LDFLAGS  = $(PCAPREC_LDFLAGS) $(LDFLAGS) $(SAN_LDFLAGS)

LIB_SRC   := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC   := $(shell find src/cli -name '*.c' | sort)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
TOOL_SRC  := $(wildcard tests/tools/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libpcaprec.a
BIN       := $(BUILD)/pcaprec
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
PRELOAD_SRC := $(wildcard tests/preload/*.c)
PRELOAD_SO  := $(PRELOAD_SRC:tests/preload/%.c=$(BUILD)/preload/%.so)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
# Fuzz targets also build as plain corpus-replay tools (their own main()).
TOOL_BIN  += $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tools/%)

.PHONY: all deps test asan check-tests demo bench install uninstall clean lint fuzz

all: pcaprec

pcaprec: $(BIN)
	cp $(BIN) $@

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) -lpcap $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Itests/lib $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Itests/lib $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

$(BUILD)/tools/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Itests/lib $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

# LD_PRELOAD shims for tests (tests/preload): plain flags even under SAN=1,
# since an ASan binary wants its own runtime first in the library list.
$(BUILD)/preload/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE -shared -fPIC -o $@ $< -ldl

# libFuzzer builds with clang: `make fuzz` runs every target (FUZZ_TARGETS)
# for FUZZ_TIME seconds on a copy of tests/fuzz/corpus/NAME/.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_CFLAGS  := -std=c11 -g -O1 -DPCAPREC_LIBFUZZER -fsanitize=address,undefined
FUZZ_LIB_SRC := $(filter src/format/% src/util/% src/frame/% src/decode/% src/print/% src/filter/% src/archive/%,$(LIB_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(PCAPREC_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/libpcaprec.a: $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libpcaprec.a
	$(FUZZ_CC) $(PCAPREC_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libpcaprec.a -lz -lzstd -lnettle -lpthread

fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	set -e; for t in $(FUZZ_TARGETS); do n=$${t#fuzz_}; mkdir -p build/fuzz/corpus/$$n; \
		build/fuzz/$$t -max_total_time=$(FUZZ_TIME) -rss_limit_mb=512 build/fuzz/corpus/$$n tests/fuzz/corpus/$$n; done

check-tests: $(BIN) $(UNIT_BIN) $(TOOL_BIN) $(PRELOAD_SO)

# scripts/deps.sh installs what is missing for one use (PROFILE: build,
# demo, test, bench, package); `make deps` alone: the test profile.
PROFILE ?= test
deps:
	@sh scripts/deps.sh $(PROFILE)

# The whole suite: unit tests (cmocka), then integration tests (bats) that
# build test networks in namespaces. Ends with "N passed, N failed, N skipped".
test:
	@sh scripts/deps.sh test
	$(MAKE) check-tests
	BUILD=$(BUILD) SAN=$(SAN) sh tests/run.sh

asan:
	$(MAKE) test SAN=1

demo:
	@sh scripts/deps.sh demo
	$(MAKE) pcaprec
	sh scripts/demo.sh

bench:
	@sh scripts/deps.sh bench
	$(MAKE) pcaprec
	sh scripts/bench/run.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Iinclude --std=c11 src
	sh scripts/srccheck.sh

# Everything the Debian package ships but the system user (debian/postinst
# makes that); /etc/pcaprec/default.conf only when there is none (an
# admin's edits stay; uninstall removes it only when unchanged): unstripped (dh_strip makes the -dbgsym package). The unit is
# rendered with BINDIR so a /usr/local install runs its own binary.
UNIT      := pcaprec@.service
CRON_JOB  := scripts/cron-example.sh

$(BUILD)/$(UNIT): scripts/$(UNIT)
	@mkdir -p $(dir $@)
	sed 's#/usr/local/bin/pcaprec#$(BINDIR)/pcaprec#g' $< >$@

install: $(BIN) $(BUILD)/$(UNIT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SYSTEMDUNITDIR)
	install -d $(DESTDIR)$(DATADIR)/pcaprec $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/pcaprec
	install -m 0644 man/pcaprec.1 $(DESTDIR)$(MANDIR)/man1/pcaprec.1
	install -m 0644 $(BUILD)/$(UNIT) $(DESTDIR)$(SYSTEMDUNITDIR)/$(UNIT)
	install -m 0755 $(CRON_JOB) $(DESTDIR)$(DATADIR)/pcaprec/cron-summary
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 scripts/pcaprec.bash-completion $(DESTDIR)$(BASHCOMPDIR)/pcaprec
	install -d $(DESTDIR)$(SYSCONFDIR)/pcaprec
	[ -e $(DESTDIR)$(SYSCONFDIR)/pcaprec/default.conf ] || \
		install -m 0644 scripts/pcaprec.conf $(DESTDIR)$(SYSCONFDIR)/pcaprec/default.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pcaprec $(DESTDIR)$(MANDIR)/man1/pcaprec.1 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/$(UNIT) $(DESTDIR)$(DATADIR)/pcaprec/cron-summary \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(BASHCOMPDIR)/pcaprec
	! cmp -s scripts/pcaprec.conf $(DESTDIR)$(SYSCONFDIR)/pcaprec/default.conf || \
		rm -f $(DESTDIR)$(SYSCONFDIR)/pcaprec/default.conf
	-rmdir $(DESTDIR)$(DATADIR)/pcaprec $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/pcaprec 2>/dev/null

clean:
	rm -rf build pcaprec

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.d)
