# Agora — top-level build.
#
#   make               build the library, programs and tests (build/default/)
#   make run           the README's main command (installs what is missing first)
#   make test          install what is missing, build, run every test and fuzz-corpus replay
#   make test-full     the long runs (more iterations; later: long simulations)
#   make SANITIZER=address,undefined test    the same under sanitizers (build/address-undefined/)
#   make valgrind      every unit test under valgrind
#   make fuzz          libFuzzer targets with clang, FUZZ_SECONDS each (default 60)
#   make bench         benchmarks (bench/), each prints its figure next to its limit
#   make bench-full    the long benchmark runs (10M-key store)
#   make fmt / fmt-check   clang-format with the checked-in .clang-format
#   make check-symbols exported symbols of libagora.a must carry a module prefix
#
# Objects of different SANITIZER settings live in different build directories,
# so switching never mixes instrumented and plain objects.

CC        ?= cc
SANITIZER ?=
comma     := ,
BUILD     := build/$(if $(SANITIZER),$(subst $(comma),-,$(SANITIZER)),default)
GEN       := build/gen

# Every dependency comes from a Debian package (scripts/deps.sh installs them).
PKGS      := libsecp256k1 libcrypto libprotobuf-c jansson libuv inih libcurl yaml-0.1
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lrocksdb -lpthread -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wvla -Wpointer-arith -Wundef -Wcast-qual -Wwrite-strings \
        -Wimplicit-fallthrough -Wno-unused-parameter
OPT  ?= -O2 -g
CPPFLAGS_ALL := -I. -isystem $(GEN) -D_GNU_SOURCE -MMD -MP
CFLAGS_ALL    = -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS) $(CFLAGS)
# Generated protobuf-c code is not ours to restyle; it still builds with -Werror.
GEN_CFLAGS    = -std=c11 $(OPT) -Wall -Werror $(PKG_CFLAGS) $(CFLAGS)

ifneq ($(SANITIZER),)
SAN_FLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS_ALL += $(SAN_FLAGS)
GEN_CFLAGS += $(SAN_FLAGS)
LDFLAGS    += $(SAN_FLAGS)
endif

# ---- sources -------------------------------------------------------------
# Library code: every .c in the module folders goes into libagora.a, except
# <dir>/<program>_main.c files, each of which becomes build/<x>/bin/<program>.
LIB_DIRS  := lib crypto state market abci consensus genesis p2p rpc feed node light cli provider
MAIN_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*_main.c))
LIB_SRCS  := $(filter-out $(MAIN_SRCS),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
PROGRAMS  := $(patsubst %_main.c,$(BUILD)/bin/%,$(notdir $(MAIN_SRCS)))
PROTOS    := $(shell find proto -name '*.proto' | sort)
PROTO_C   := $(patsubst proto/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
PROTO_H   := $(PROTO_C:.c=.h)
# Generated headers other than protobuf-c's: the BIP-39 wordlist as C strings.
BIP39_INC := $(GEN)/cli/bip39_english.inc
GEN_HDRS  := $(PROTO_H) $(BIP39_INC)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) \
             $(patsubst $(GEN)/%.c,$(BUILD)/obj/gen/%.o,$(PROTO_C))
LIBAGORA  := $(BUILD)/libagora.a

HARNESS_SRCS := $(wildcard tests/harness/*.c tests/sim/*.c)
HARNESS_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(HARNESS_SRCS))
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
REPLAY_BINS  := $(patsubst %,$(BUILD)/replay/%,$(FUZZ_NAMES))

BENCH_SRCS   := $(wildcard bench/bench_*.c)
BENCH_BINS   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
LOADGEN      := $(BUILD)/bench/loadgen
LOADGEN_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/loadgen/*.c))

# Test tools: programs the integration tests run (proof generators and the like).
TOOL_SRCS    := $(wildcard tests/tools/*.c)
TOOL_BINS    := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

.PHONY: all lib programs tools tests replays benches run test test-run test-full valgrind fuzz fuzz-build \
        bench bench-e2e bench-full fmt fmt-check check-symbols deps clean
.DEFAULT_GOAL := all

all: lib programs tests replays benches tools

lib: $(LIBAGORA)
programs: $(PROGRAMS)
tests: $(UNIT_BINS)
replays: $(REPLAY_BINS)
benches: $(BENCH_BINS) $(LOADGEN)
tools: $(TOOL_BINS)

# ---- protobuf-c generation (never edited by hand, regenerated when a .proto changes)
# Keep generated sources and objects that pattern rules treat as intermediate.
.SECONDARY:
$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN)
	protoc-c --proto_path=proto --c_out=$(GEN) $<

# The official English list (bitcoin/bips bip-0039/english.txt): refuse any
# other content, then turn each word into a C string literal.
BIP39_SHA256 := 2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda
$(BIP39_INC): cli/bip39_english.txt
	@mkdir -p $(dir $@)
	echo "$(BIP39_SHA256)  $<" | sha256sum --check --quiet
	sed 's/.*/"&",/' $< > $@.tmp && mv $@.tmp $@

# Generated headers must exist before anything that may include them compiles.
$(BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/gen/%.o: $(GEN)/%.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(GEN_CFLAGS) -c $< -o $@

$(LIBAGORA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/tests/%.o: CFLAGS_ALL += $(CHECK_CFLAGS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(HARNESS_OBJS) $(LIBAGORA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# Fuzz targets built with an ordinary main() that replays files: run by `make test`.
$(BUILD)/replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(LIBAGORA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Programs: <dir>/<program>_main.c + libagora.a -> $(BUILD)/bin/<program>.
define program_rule
$(BUILD)/bin/$(notdir $(1:_main.c=)): $(BUILD)/obj/$(1:.c=.o) $(LIBAGORA)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach m,$(MAIN_SRCS),$(eval $(call program_rule,$(m))))

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBAGORA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBAGORA) $(PKG_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBAGORA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBAGORA) $(PKG_LIBS)

# The RPC fixture serves the in-memory chain of tests/harness/rpc_chain.c.
$(BUILD)/tools/rpc_fixture: $(BUILD)/obj/tests/harness/rpc_chain.o \
                            $(BUILD)/obj/tests/harness/rpc_chain_genesis.o

# The provider's reconciler tool and benchmark build fixture leases.
$(BUILD)/tools/provider_kube_tool: $(BUILD)/obj/tests/harness/lease_fixture.o
$(BUILD)/bench/bench_reconcile: $(BUILD)/obj/tests/harness/lease_fixture.o

# The RPC benchmark serves the same in-memory chain.
$(BUILD)/bench/bench_rpc: $(BUILD)/obj/tests/harness/rpc_chain.o \
                          $(BUILD)/obj/tests/harness/rpc_chain_genesis.o

# The local network benchmark drives real agorad processes over their RPC.
$(BUILD)/bench/bench_localnet: PKG_LIBS += $(shell pkg-config --libs libcurl 2>/dev/null)
# The end-to-end load generator (bench/loadgen/) drives real agorad processes.
$(LOADGEN): $(LOADGEN_OBJS) $(LIBAGORA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(LOADGEN_OBJS) $(LIBAGORA) $(PKG_LIBS)
# The light client benchmark verifies chains generated by the test harness.
$(BUILD)/bench/bench_light: $(BUILD)/obj/tests/harness/light_chain.o

# The consensus simulation benchmark runs the cluster simulation of tests/sim/.
$(BUILD)/bench/bench_cons_sim: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/sim/*.c))

# ---- the README's commands ------------------------------------------------
deps:
	@bash scripts/deps.sh

# make run VALIDATORS=1: a single validator (default 4).
run: deps
	@$(MAKE) --no-print-directory all
	@AGORA_RUN_VALIDATORS=$(or $(VALIDATORS),$(AGORA_RUN_VALIDATORS),4) bash scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: all
	@bash scripts/run-tests.sh $(BUILD)

test-full: deps
	@$(MAKE) --no-print-directory all
	@AGORA_TEST_FULL=1 bash scripts/run-tests.sh $(BUILD)

valgrind: all
	@AGORA_VALGRIND=1 bash scripts/run-tests.sh $(BUILD)

# ---- fuzzing (clang + libFuzzer) -------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_FLAGS   := -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_CFLAGS   = -std=c11 -I. -I$(GEN) -D_GNU_SOURCE -MMD -MP $(PKG_CFLAGS) \
                -fsanitize=fuzzer-no-link $(FUZZ_SAN)
# The library is compiled once (instrumented for coverage, not linked with
# libFuzzer's main) and every target links against it: compiling the whole
# library per target made the CI's fuzz smoke take longer than its fuzzing.
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRCS)) \
                 $(patsubst $(GEN)/%.c,$(FUZZ_BUILD)/obj/gen/%.o,$(PROTO_C))
FUZZ_LIB     := $(FUZZ_BUILD)/libagora-fuzz.a
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/%,$(FUZZ_NAMES))

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/gen/%.o: $(GEN)/%.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_LIB)
	clang $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS)

fuzz: fuzz-build
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

bench: benches programs
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

# End to end (bench/loadgen): scenarios 1 and 2, a few minutes. The full
# set with the saturation sweep: scripts/bench-e2e-full.sh.
bench-e2e: programs $(LOADGEN)
	$(LOADGEN) --scenario 1 --seconds $(or $(SECONDS),20)
	$(LOADGEN) --scenario 2 --seconds $(or $(SECONDS),20)

# The long runs: the store at 10M keys (needs ~40 GB of free disk and ~30 minutes).
bench-full: benches
	$(BUILD)/bench/bench_store --keys 10000000 --blocks 200 --versions 1000

# ---- hygiene ---------------------------------------------------------------
FMT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_SRCS)

fmt-check:
	clang-format --dry-run --Werror $(FMT_SRCS)

check-symbols: $(LIBAGORA)
	@bash scripts/check-symbols.sh $(LIBAGORA)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
