# SPDX-License-Identifier: BSD-2-Clause
# pcaprec build. `make` builds ./pcaprec; `make test` installs what the tests
# need and runs them; `make test SAN=1` runs the same suite under ASan+UBSan.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN) -pthread
LDLIBS  := -lz -lpthread
TEST_LDLIBS := -lcmocka -lpcap -lz -lpthread

ifeq ($(SAN),1)
BUILD   := build/san
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   := build/rel
endif

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
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) -lpcap $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

$(BUILD)/tools/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

# LD_PRELOAD shims for tests (tests/preload): plain flags even under SAN=1,
# since an ASan binary wants its own runtime first in the library list.
$(BUILD)/preload/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -shared -fPIC -o $@ $< -ldl

# libFuzzer builds with clang: `make fuzz` runs every target (FUZZ_TARGETS)
# for FUZZ_TIME seconds on a copy of tests/fuzz/corpus/NAME/.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_CFLAGS  := -std=c11 -g -O1 -DPCAPREC_LIBFUZZER -fsanitize=address,undefined
FUZZ_LIB_SRC := $(filter src/format/% src/util/% src/frame/% src/decode/% src/print/% src/filter/%,$(LIB_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/libpcaprec.a: $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libpcaprec.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libpcaprec.a -lz -lpthread

fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	set -e; for t in $(FUZZ_TARGETS); do n=$${t#fuzz_}; mkdir -p build/fuzz/corpus/$$n; \
		build/fuzz/$$t -max_total_time=$(FUZZ_TIME) -rss_limit_mb=512 build/fuzz/corpus/$$n tests/fuzz/corpus/$$n; done

check-tests: $(BIN) $(UNIT_BIN) $(TOOL_BIN) $(PRELOAD_SO)

deps:
	@sh scripts/deps.sh

# The whole suite: unit tests (cmocka), then integration tests (bats) that
# build test networks in namespaces. Ends with "N passed, N failed, N skipped".
test: deps
	$(MAKE) check-tests
	BUILD=$(BUILD) SAN=$(SAN) sh tests/run.sh

asan:
	$(MAKE) test SAN=1

demo: deps pcaprec
	sh scripts/demo.sh

bench: deps pcaprec
	sh scripts/bench/run.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Iinclude --std=c11 src
	sh scripts/srccheck.sh

install: pcaprec
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 pcaprec $(DESTDIR)$(PREFIX)/bin/pcaprec
	install -m 0644 man/pcaprec.1 $(DESTDIR)$(PREFIX)/share/man/man1/pcaprec.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pcaprec $(DESTDIR)$(PREFIX)/share/man/man1/pcaprec.1

clean:
	rm -rf build pcaprec

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.d)
