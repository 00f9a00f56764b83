# Astronaut Hours: three C FastCGI services behind nginx sidecars.
#
#   make run          the whole stack on http://127.0.0.1:8080 (PORT=NNNN),
#                     TASKS per service (2; TASKS_board=3 for one service),
#                     in network namespaces shaped like the VPC where the
#                     machine allows (NET=auto; NET=loopback, NET=netns);
#                     SHAPE=monolith for every route in one service
#   make test         everything, from a clean clone (what .ci/run calls)
#   make bench        load tests (never part of make test)
#   make chaos        fault injection under load, the full figures (never
#                     part of make test; docs/ha.md)
#   make compare      the monolith against the split services, side by
#                     side (docs/architecture.md; never part of make test)
#   make wipe         delete the local stack's data (var/)
#
# Everything builds into build/VARIANT/: release (-O2, hardened) and asan
# (AddressSanitizer + UndefinedBehaviorSanitizer, for the second pass of
# the HTTP tests).

SHELL := /bin/sh
PORT ?= 8080
# make run: a primary with a synchronous standby (0: one cluster)
DB_HA ?= 1
# make run: network namespaces where they can be made (docs/network.md)
NET ?= auto
# make run: split (a task per service) or monolith (fcgi-apps/monolith/)
SHAPE ?= split
RUNS ?= 15
VARIANT ?= release
SERVICES := signup hours board

CC ?= cc
WARN := -std=c11 -Wall -Wextra -Werror -pedantic -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla
DEFS := -D_GNU_SOURCE -D_FORTIFY_SOURCE=2
INC := -Ifcgi-apps/common -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
	$(shell pkg-config --cflags icu-uc icu-i18n)
LIBS := -lfcgi -lpq -ljson-c -lscrypt -lcrypto -lcrack \
	$(shell pkg-config --libs icu-uc icu-i18n)

CFLAGS_release := -O2 -g -fstack-protector-strong -fPIE
LDFLAGS_release := -pie -Wl,-z,relro,-z,now
CFLAGS_asan := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_asan := -fsanitize=address,undefined
# The fuzzing variant (fuzz/): the code under test is instrumented for
# libFuzzer's coverage; only the harnesses link libFuzzer itself.
CFLAGS_fuzz := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
LDFLAGS_fuzz := -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 180
FUZZERS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))

COMMON_SRC := $(wildcard fcgi-apps/common/*.c)
COMMON_HDR := $(wildcard fcgi-apps/common/*.h)

B := build/$(VARIANT)
COMMON_OBJ := $(COMMON_SRC:fcgi-apps/common/%.c=$(B)/common/%.o)
BINS := $(SERVICES:%=$(B)/astro-%)
UNITS := $(patsubst t/unit/%.c,$(B)/t/%,$(wildcard t/unit/*.c))

.PHONY: all build build-asan run test wipe format format-check clean \
	deps bench bench-scrypt images fuzz fuzz-build fuzz-bins chaos compare

all: build

include ecs/Makefile.inc

build: $(BINS) $(B)/astro-monolith $(UNITS) $(B)/sql/name-chars $(B)/sql/name-skeletons

build-asan:
	@$(MAKE) --no-print-directory VARIANT=asan CC=clang build

$(B)/common/%.o: fcgi-apps/common/%.c $(COMMON_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) $(CFLAGS_$(VARIANT)) -c -o $@ $<

$(B)/libastro.a: $(COMMON_OBJ)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

define service_rules
$(B)/$(1)/%.o: fcgi-apps/$(1)/%.c $(COMMON_HDR) $(wildcard fcgi-apps/$(1)/*.h)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(CC) $$(WARN) $$(DEFS) $$(INC) -Ifcgi-apps/$(1) $$(CFLAGS_$$(VARIANT)) -c -o $$@ $$<

$(B)/astro-$(1): $(patsubst fcgi-apps/$(1)/%.c,$(B)/$(1)/%.o,$(wildcard fcgi-apps/$(1)/*.c)) $(B)/libastro.a
	@echo "  LD      $$@"
	@$$(CC) $$(LDFLAGS_$$(VARIANT)) -o $$@ $$^ $$(LIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s))))

# The monolith (fcgi-apps/monolith/): the three services' routes and
# handlers in one pool. Each service's main.c is compiled again there,
# under another name for its main(); everything else is linked as it is.
MONO_PARTS := $(foreach s,$(SERVICES),$(filter-out $(B)/$(s)/main.o,\
	$(patsubst fcgi-apps/$(s)/%.c,$(B)/$(s)/%.o,$(wildcard fcgi-apps/$(s)/*.c))))

$(B)/monolith/%.o: fcgi-apps/monolith/%.c $(COMMON_HDR) $(wildcard fcgi-apps/*/*.h) \
		$(SERVICES:%=fcgi-apps/%/main.c)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) $(CFLAGS_$(VARIANT)) -c -o $@ $<

$(B)/astro-monolith: $(patsubst fcgi-apps/monolith/%.c,$(B)/monolith/%.o,\
		$(wildcard fcgi-apps/monolith/*.c)) $(MONO_PARTS) $(B)/libastro.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_$(VARIANT)) -o $@ $^ $(LIBS)

# C unit tests: one TAP program per t/unit/NAME.c, run by t/0NNN-NAME.t.
$(B)/t/%: t/unit/%.c t/unit/tap.h $(B)/libastro.a
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) -It/unit $(CFLAGS_$(VARIANT)) \
		$(LDFLAGS_$(VARIANT)) -o $@ $< $(B)/libastro.a $(LIBS)

# The board's unit tests link its own files too (all but main.c).
BOARD_OBJ := $(patsubst fcgi-apps/board/%.c,$(B)/board/%.o,\
	$(filter-out fcgi-apps/board/main.c,$(wildcard fcgi-apps/board/*.c)))
$(B)/t/board-%: t/unit/board-%.c t/unit/tap.h $(BOARD_OBJ) $(B)/libastro.a
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) -It/unit -Ifcgi-apps/board \
		$(CFLAGS_$(VARIANT)) $(LDFLAGS_$(VARIANT)) -o $@ $< $(BOARD_OBJ) \
		$(B)/libastro.a $(LIBS)

# The schema's name checks, generated from ICU (sql/tools/name-chars.c).
$(B)/sql/%: sql/tools/%.c $(B)/libastro.a
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) $(CFLAGS_$(VARIANT)) \
		$(LDFLAGS_$(VARIANT)) -o $@ $< $(B)/libastro.a $(LIBS)

sql/migrations/deploy/name_chars.sql: $(B)/sql/name-chars
	$(B)/sql/name-chars > $@

# libFuzzer harnesses, one per fuzz/NAME.c, with seeds in fuzz/corpus/NAME.
# make fuzz runs each for FUZZ_SECONDS; make test runs each over its
# corpus and for a few seconds (t/0010-fuzz.t).
fuzz-build:
	@$(MAKE) --no-print-directory VARIANT=fuzz CC=clang fuzz-bins

fuzz-bins: $(FUZZERS:%=$(B)/fuzz/%)

$(B)/fuzz/%: fuzz/%.c $(B)/libastro.a $(B)/board/cursor.o
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) -Ifcgi-apps/board $(CFLAGS_$(VARIANT)) \
		$(LDFLAGS_$(VARIANT)) -o $@ $< $(B)/board/cursor.o $(B)/libastro.a $(LIBS)

fuzz: fuzz-build
	@fuzz/run $(FUZZ_SECONDS)

deps:
	@scripts/deps run

$(B)/bench/scrypt-cost: bench/scrypt-cost.c $(COMMON_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INC) $(CFLAGS_$(VARIANT)) $(LDFLAGS_$(VARIANT)) \
		-o $@ $< $(LIBS)

$(B)/bench/loadgen: bench/loadgen.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $<

# What one password hash costs (the README's figures).
bench-scrypt: $(B)/bench/scrypt-cost
	@$(B)/bench/scrypt-cost $(RUNS)

# Load tests against the machine's own limits (bench/README.md). Never
# part of make test. ASTRONAUTS=1000000 for a million; BENCH_ARGS for more.
ASTRONAUTS ?= 100000
bench: $(BINS) $(B)/bench/scrypt-cost $(B)/bench/loadgen
	@scripts/deps bench
	@bench/bench --astronauts $(ASTRONAUTS) $(BENCH_ARGS)

# Both shapes of the same routes, the same scenarios, one run: CPU a
# request, memory a task, database connections, a log-in storm's effect
# on the board, a deployment (docs/architecture.md). COMPARE_ARGS for
# more (--repeat K, --duration S, --storm F).
compare: $(BINS) $(B)/astro-monolith $(B)/bench/loadgen
	@scripts/deps bench
	@bench/compare $(COMPARE_ARGS)

# Every fault of t/lib/AstroFaults.pm, medians of 3, into
# bench/results/chaos.json. CHAOS_ARGS for more (--only NAME, --runs N).
chaos: $(BINS)
	@scripts/deps run
	@bench/chaos $(CHAOS_ARGS)

run: deps
	@$(MAKE) --no-print-directory build
	@DB_HA=$(DB_HA) NET=$(NET) scripts/stack run --port $(PORT) --shape $(SHAPE)

wipe:
	@scripts/stack wipe

test:
	@scripts/deps test
	@scripts/test

# Container images with podman from a local Debian base (ecs/README.md).
images:
	@ecs/images.sh build
	@ecs/images.sh sizes

format:
	clang-format -i fcgi-apps/*/*.[ch] t/unit/*.[ch] fuzz/*.c sql/tools/*.c

format-check:
	@clang-format --dry-run -Werror fcgi-apps/*/*.[ch] t/unit/*.[ch] fuzz/*.c sql/tools/*.c

clean:
	rm -rf build
