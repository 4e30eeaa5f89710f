# Front door.  `make demo` and `make check` work on a fresh Debian 12 machine
# as root: they install what is missing, configure and build.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
MESON_OPTS ?= -Dwerror=true

.PHONY: all deps build check check-unit check-asan check-fuzz check-system check-kernel check-vm \
        demo install fuzz bench clean

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS) --prefix=$(PREFIX)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: build
	@rc=0; \
	meson test -C $(BUILD) --print-errorlogs --suite unit --suite fuzz --suite system \
	    --suite kernel --suite vm || rc=1; \
	$(MAKE) --no-print-directory check-asan || rc=1; \
	sh scripts/summary.sh $(BUILD) $(ASAN_BUILD); \
	exit $$rc

check-unit: build
	meson test -C $(BUILD) --print-errorlogs --suite unit

check-system: build
	meson test -C $(BUILD) --print-errorlogs --suite system

check-fuzz: build
	meson test -C $(BUILD) --print-errorlogs --suite fuzz

# The real-kernel USB tier (also part of `check`): seedd and bbvirt against
# bbgadget in a QEMU/TCG guest on a Debian kernel (the pinned one, else the
# newest linux-image-6.1.0-*-amd64 apt can fetch; tests/kernel-usb).
check-kernel: build
	meson test -C $(BUILD) --print-errorlogs --suite kernel

# The VM tier (also part of `check`): BitBabblers by serial in booted
# guests through a real libvirtd and QEMU (TCG) inside bbemu's testbed,
# on the kernel tier's Debian kernel (tests/vm, docs/virtual-machines.md).
# Prints its BENCH lines.
check-vm: build
	meson test -C $(BUILD) --print-errorlogs --verbose --suite vm

# Unit tests, fuzz corpus replay and the system tests (seedd, bbvirt and
# bbemu itself built with the sanitizers, through tests/system/sanitized.sh:
# any report fails the test) again under AddressSanitizer + UBSan.  A build
# dir made before the system tests ran here had the emulator disabled.
check-asan: deps
	@test -f $(ASAN_BUILD)/build.ninja || meson setup $(ASAN_BUILD) $(MESON_OPTS) \
	    -Db_sanitize=address,undefined -Db_lundef=false
	@meson introspect --buildoptions $(ASAN_BUILD) | grep -q '"name": "emulator", "value": "disabled"' && \
	    meson configure $(ASAN_BUILD) -Demulator=auto || true
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    meson test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 3 \
	    --suite unit --suite fuzz --suite system

demo: build
	sh scripts/demo.sh $(BUILD)

# Benchmarks (not tests): QA throughput vs rngtest and ent, seedd's RSS.
bench: build
	@sh scripts/deps.sh bench
	sh scripts/bench.sh $(BUILD)

# Real coverage-guided fuzzing (libFuzzer), FUZZ_SECONDS per target.
fuzz: deps
	@test -f $(FUZZ_BUILD)/build.ninja || CC=clang meson setup $(FUZZ_BUILD) \
	    -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Demulator=disabled
	ninja -C $(FUZZ_BUILD)
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: build
	meson configure $(BUILD) --prefix=$(PREFIX)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
