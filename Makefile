# Makefile - Pagewise. `make` builds build/kernel.elf; see `make help`.
# The build runs on Debian 12; `make run` and `make test` install what is missing.

# make DEBUG=1 (docs/stepping.md): the kernel for stepping in gdb and Bochs,
# at -Og -fno-inline with PAGEWISE_DEBUG, so that expand(),
# __rmqueue_smallest(), __free_one_page() and the small helpers are frames of
# their own. It builds in $(BUILD) = build/debug, beside the default build and
# never mixed with it; every target that boots or debugs a kernel (run,
# qemu-gdb, gdb, bochs, dump, ...) then uses it. DEBUG=0: the default. Only
# the command line counts (sub-makes inherit it), as for Linux's V=1: a
# DEBUG in the environment, set for some other program, changes nothing.
STEPPING := $(if $(filter command line,$(origin DEBUG)),$(DEBUG))
ifeq ($(STEPPING),1)
BUILD   := build/debug
KOPT    := -Og -fno-inline -DPAGEWISE_DEBUG
DEBUG_ARG := DEBUG=1
else ifeq ($(filter-out 0,$(STEPPING)),)
BUILD   := build
KOPT    := -O2
DEBUG_ARG :=
else
$(error DEBUG=$(DEBUG): say DEBUG=1 for the stepping build, DEBUG=0 or nothing for the default)
endif
ARCH    := src/arch/x86_64
KERNEL  := $(BUILD)/kernel.elf
ISO     := $(BUILD)/pagewise.iso
TESTISO := $(BUILD)/pagewise-test.iso

CMDLINE ?= selftest
MEM     ?= 128M
# make dump: the monitor commands to run, ";"-separated (no single quotes).
CMDS    ?= meminfo; buddyinfo
DUMPISO := $(BUILD)/pagewise-dump.iso
# make grade: tools/grade builds this ISO once per boot, each time with a
# fresh nonce: GRADE_CMDLINE="grade=<32 hex digits> seed=N poweroff".
GRADEISO := $(BUILD)/pagewise-grade.iso
GRADE_CMDLINE ?= grade=00000000000000000000000000000000 seed=1 poweroff
# tools/grade --submission: the kernel under gdb (tools/observe_kernel.py);
# "observe" runs the grade agent (src/test/grade_agent.c) after boot.
OBSERVEISO := $(BUILD)/pagewise-observe.iso
OBSERVE_CMDLINE := observe
QEMU    ?= qemu-system-x86_64
# make run / make qemu-gdb: the machine's CPUs, as QEMU's -smp takes them
# (SMP=4, SMP=1, SMP=2,maxcpus=8). With more than one vCPU, QEMU's TCG runs
# each on a host thread of its own (-accel tcg,thread=multi), as
# tools/emulators.py's qemu_smp_args() does for the tests.
SMP     ?= 2
SMP_VCPUS = $(firstword $(subst $(comma), ,$(patsubst cpus=%,%,$(SMP))))
QEMU_SMP_ARGS = -smp $(SMP)$(if $(filter-out 1,$(SMP_VCPUS)), -accel tcg$(comma)thread=multi)
QEMU_ARGS := -m $(MEM) -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

# The monitor's poweroff ends QEMU through isa-debug-exit with status 33
# ((0x10 << 1) | 1): for make run that is a clean end, not an error. The
# wrapper echoes the command as make would, and passes any other status on.
QEMU_STATUS_OK := scripts/qemu-status.sh

CC      := gcc
NASM    := nasm
LD      := ld

# Kernel C: freestanding, higher half (-mcmodel=kernel), no red zone and no
# SSE (interrupts may come at any instruction; we save no FPU state). KOPT:
# -O2, or the stepping build's flags under DEBUG=1 (above).
KCFLAGS := -std=gnu11 $(KOPT) -g -Wall -Wextra -Werror -ffreestanding \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-I src -I src/kernel -I src/lib -I src/mm -I src/monitor -I src/test \
	-I $(ARCH) -MMD -MP -ffile-prefix-map=$(CURDIR)/=
# (-ffile-prefix-map: the debug info names files relative to the tree, so
# kernel.elf is the same byte for byte in any checkout, and so is where GRUB
# puts the multiboot2 information after it: docs quote such addresses.)
KLDFLAGS := -n -nostdlib --no-warn-rwx-segments -z max-page-size=0x1000 -T $(ARCH)/linker.ld

KSRC := $(wildcard src/kernel/*.c src/lib/*.c src/mm/*.c src/monitor/*.c \
	src/test/*.c $(ARCH)/*.c)
KASM := $(wildcard $(ARCH)/*.asm)
KOBJ := $(patsubst %.c,$(BUILD)/%.o,$(KSRC)) $(patsubst %.asm,$(BUILD)/%.o,$(KASM))

comma := ,
# Host unit tests: the mm core compiled unchanged against test/host/mm_env.h.
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I test/host -I src -I src/kernel -I src/mm -I src/monitor -I src/test
# The mm self-tests, the KTAP runner they report through, and what a lab
# handout's stubs call come with the mm core.
HOST_MM  := $(wildcard src/mm/*.c) src/lib/vsprintf.c src/lib/siphash.c \
	src/test/ktest.c src/test/lab.c $(wildcard src/test/mm_selftest*.c)
HOST_TESTS := $(patsubst test/host/%.c,$(BUILD)/host/%,$(wildcard test/host/test_*.c))
HOST_SUPPORT := $(filter-out test/host/test_%.c test/host/grade_%.c,$(wildcard test/host/*.c))
# The instructor's grader's host children (tools/observe_host.py): they
# run the mm core on a machine and operations the grader chose and dump the
# state; tools/observe_model.py judges it.
# They are built without AddressSanitizer (UBSan stays), objects of their
# own in $(BUILD)/host/grade-obj/: the sandbox they run in limits the address
# space (RLIMIT_AS), and ASan's shadow map needs terabytes of it. Lab 1's
# harness puts each buffer against an unmapped page instead.
GRADE_HARNESSES := $(patsubst test/host/%.c,$(BUILD)/host/%,$(wildcard test/host/grade_harness*.c))
GRADE_CFLAGS := $(subst -fsanitize=address$(comma)undefined,-fsanitize=undefined,$(HOST_CFLAGS))
GRADE_OBJ = $(patsubst %.c,$(BUILD)/host/grade-obj/%.o,$(HOST_MM) $(HOST_SUPPORT))
# The one host machine (test/host/fake_machine.h): fake RAM with a memory
# map, memblock and mm_core_init() over it, and its reset. The host tests
# (HOST_SUPPORT), the fuzzer and the bench all run on it.
HOST_MACHINE := test/host/fake_machine.c test/host/mm_reset.c
# The multiboot2 parser is portable too, with the command line it fills.
HOST_MM  += $(ARCH)/multiboot2.c src/kernel/cmdline.c
# The ACPI table parser (acpi.c is its kernel glue).
HOST_MM  += $(ARCH)/acpi_tables.c
# The monitor's portable core: numbers, the line editor, the dump formats.
HOST_MM  += src/monitor/monitor_core.c

.PHONY: all iso run qemu-gdb gdb gdb-port deps-debug dump plot test-tools bochs bochs-headless test test-host test-emu format format-check deps-build deps-run deps-test deps-bench bench bench-plot bench-callgrind bench-smoke handout lab-figures grade grade-submission grade-class gradescope deps-grade test-grading test-labs docs docs-check clean help

all: deps-build
	@$(MAKE) --no-print-directory $(KERNEL)

help:
	@echo "make            build $(KERNEL)"
	@echo "make iso        build $(ISO) (BIOS + UEFI bootable); CMDLINE=\"...\" sets the kernel command line"
	@echo "make run        boot the ISO in QEMU, COM1 on this terminal (Ctrl-A X quits); MEM=$(MEM), SMP=$(SMP) CPUs"
	@echo "                (QEMU's -smp: SMP=1, SMP=4, SMP=2,maxcpus=8; several run as host threads: -accel tcg,thread=multi)"
	@echo "make qemu-gdb   boot the ISO in QEMU stopped for gdb on localhost:$(GDB_PORT) (1234 + uid % 10000; GDB_PORT=N changes it)"
	@echo "make gdb        in another terminal: gdb with the pw- commands, connected, stopped at kernel_main"
	@echo "make gdb-port   print this user's gdb port ($(GDB_PORT))"
	@echo "make dump       run monitor commands headless: CMDS=\"buddyinfo; xp 0x100000 64\", transcript in build/dump.txt"
	@echo "make plot       draw a fresh boot's physical memory (pfnmap) as build/memory.png and .svg;"
	@echo "                CMDS=\"alloc 3; pfnmap\" runs those commands first (pfnmap is added if missing), one panel per pfnmap"
	@echo "make bochs      boot the ISO in Bochs (debugger on this terminal, COM1 in $(BUILD)/bochs-com1.log)"
	@echo "make bochs-headless  the same boot in Bochs without a debugger; ends on its own"
	@echo "make test       host unit tests, format check, then QEMU and Bochs boot tests"
	@echo "make test-host  only the host unit tests (cmocka, ASan + UBSan), each with mm_debug=verify and off; HOST_MM_DEBUG=off for one"
	@echo "make test-emu   only the emulator boot tests (pytest)"
	@echo "make test-tools only the tests of tools/ (memplot, benchplot, handout; pytest)"
	@echo "make fuzz       fuzz the buddy allocator with libFuzzer for FUZZ_TIME=$(FUZZ_TIME) seconds;"
	@echo "                FUZZ_TARGET=acpi fuzzes the ACPI table parser instead"
	@echo "make fuzz-smoke a short fuzz run of each harness ($(FUZZ_SMOKE_RUNS) inputs); part of make test"
	@echo "make bench      time the buddy allocator against baselines on the host (docs/bench.md); BENCH_ARGS=\"--mem 4G\""
	@echo "make bench-plot make bench, then its table drawn as $(BUILD)/bench/bench.png and .svg; BENCH_OUT=FILE draws a saved output"
	@echo "make bench-callgrind  instructions per op of each benchmark loop, counted by callgrind"
	@echo "make handout LAB=n  the student tree of lab n (1-5): $(BUILD)/handout-labN/ and .tar.gz, labs >= n stubbed"
	@echo "make lab-figures  redraw docs/labs/images/ from fresh boots and make bench (tools/labfigs.py)"
	@echo "make grade      score labs 1-5 (LAB=3, LAB=\"1 2\" or LAB=1-3 for some): host cases and sealed kernel cases, logs in $(BUILD)/grade/"
	@echo "make grade-submission SUBMISSION=path LAB=n [JSON=file]  the instructor's mark of one submission:"
	@echo "                its regions in a fresh handout, built and run in a sandbox, scored on observed state"
	@echo "make grade-class CLASS=dir LAB=n [OUT=dir]  the same for every submission in dir: reports, JSON, grades.csv"
	@echo "make gradescope LAB=n  Gradescope's autograder zip for lab n: $(BUILD)/gradescope-labN.zip"
	@echo "make test-grading  CI of the instructor's grader: sandbox escapes, wrong solutions, a forgery"
	@echo "make test-labs  CI of the labs: each handout scores below full marks on its lab and full marks on earlier ones"
	@echo "make docs       rerun every run the docs quote (docs/runs/*.toml) and rewrite their transcripts, facts and figures"
	@echo "make docs-check regenerate the docs into $(BUILD)/docgen/out and fail on any stale block, fact or name (part of make test)"
	@echo "make format     apply .clang-format to every C file"
	@echo "make clean      remove $(BUILD)/"
	@echo "DEBUG=1         with any target above that builds, boots or debugs the kernel: the stepping"
	@echo "                build (-Og -fno-inline; expand(), __rmqueue_smallest(), __free_one_page() are"
	@echo "                frames of their own in gdb and Bochs), in build/debug/: make qemu-gdb DEBUG=1"

deps-build:
	@scripts/install-deps.sh build
deps-run:
	@scripts/install-deps.sh run
deps-test:
	@scripts/install-deps.sh test
deps-debug:
	@scripts/install-deps.sh debug
deps-bench:
	@scripts/install-deps.sh bench

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -o $@ $<

# The kernel links twice, as Linux links vmlinux for kallsyms: pass 1 with an
# empty symbol table, pass 2 with the table of pass 1's text symbols. The
# table sits after all text (linker.ld), so no text moves between the passes;
# the check fails the build if any did.
KALLSYMS := scripts/gen-kallsyms.sh
$(KERNEL): $(KOBJ) $(ARCH)/linker.ld $(KALLSYMS)
	$(KALLSYMS) table - > $(BUILD)/kallsyms0.c
	$(CC) $(KCFLAGS) -c $(BUILD)/kallsyms0.c -o $(BUILD)/kallsyms0.o
	$(LD) $(KLDFLAGS) -o $(BUILD)/kernel.pass1.elf $(KOBJ) $(BUILD)/kallsyms0.o
	$(KALLSYMS) table $(BUILD)/kernel.pass1.elf > $(BUILD)/kallsyms1.c
	$(CC) $(KCFLAGS) -c $(BUILD)/kallsyms1.c -o $(BUILD)/kallsyms1.o
	$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(BUILD)/kallsyms1.o
	$(KALLSYMS) check $(BUILD)/kernel.pass1.elf $@ || { rm -f $@; exit 1; }
	nm -n $@ | awk '$$2 ~ /^[tTdDbBrR]$$/ { print $$1, $$3 }' > $(BUILD)/kernel.sym

# An ISO is staged in $(BUILD)/<name>-root/, with the kernel's debug info
# stripped (gdb and Bochs read build/kernel.elf and kernel.sym on the host):
# the debug info names the checkout's path (nasm's DWARF), and GRUB places
# the multiboot2 information after the file, so an unstripped kernel would
# move that address from one checkout to the next. The command line goes into
# /boot/grub/cmdline.cfg, with \ " and $ escaped for GRUB's double quotes
# (CMDLINE='run="meminfo; buddyinfo"' works); a stamp rebuilds the ISO when
# CMDLINE changes.
define iso_rule
$(1): $(KERNEL) grub.cfg $(BUILD)/$(2).cmdline
	@rm -rf $(BUILD)/$(2)-root && mkdir -p $(BUILD)/$(2)-root/boot/grub
	objcopy --strip-debug $(KERNEL) $(BUILD)/$(2)-root/boot/kernel.elf
	cp grub.cfg $(BUILD)/$(2)-root/boot/grub/grub.cfg
	printf 'set pagewise_cmdline="%s"\n' "$$$$(sed 's/[\\"$$$$]/\\&/g' $(BUILD)/$(2).cmdline)" \
		> $(BUILD)/$(2)-root/boot/grub/cmdline.cfg
	grub-mkrescue -o $$@ $(BUILD)/$(2)-root 2> $(BUILD)/$(2).mkrescue.log || \
		{ cat $(BUILD)/$(2).mkrescue.log; exit 1; }
$(BUILD)/$(2).cmdline: FORCE
	@mkdir -p $(BUILD)
	@echo '$(3)' | cmp -s - $$@ || echo '$(3)' > $$@
endef
$(eval $(call iso_rule,$(ISO),pagewise,$(CMDLINE)))
$(eval $(call iso_rule,$(TESTISO),pagewise-test,selftest poweroff))
$(eval $(call iso_rule,$(DUMPISO),pagewise-dump,run="$(CMDS); poweroff"))
$(eval $(call iso_rule,$(GRADEISO),pagewise-grade,$(GRADE_CMDLINE)))
$(eval $(call iso_rule,$(OBSERVEISO),pagewise-observe,$(OBSERVE_CMDLINE)))
.PHONY: FORCE
FORCE:

iso: deps-build
	@$(MAKE) --no-print-directory $(ISO)

run: deps-run
	@$(MAKE) --no-print-directory $(ISO)
	@echo "Booting $(ISO) in QEMU with $(MEM) of RAM and -smp $(SMP); COM1 below. Ctrl-A X quits."
	@$(QEMU_STATUS_OK) $(QEMU) $(QEMU_ARGS) $(QEMU_SMP_ARGS) -cdrom $(ISO) -serial mon:stdio

# make qemu-gdb / make gdb (README "Debugging with gdb"): QEMU waits at the
# first instruction (-S) for gdb on a port of this user's own, 1234 + uid %
# 10000, so students sharing a machine do not collide; loopback only.
# scripts/gdb/pagewise.gdb connects, runs to kernel_main and loads the pw-
# commands (scripts/gdb/*.py).
GDB_PORT ?= $(shell echo $$((1234 + $$(id -u) % 10000)))

qemu-gdb: deps-run
	@$(MAKE) --no-print-directory $(ISO)
	@echo "QEMU waits for gdb on localhost:$(GDB_PORT): run make gdb in another terminal. Ctrl-A X quits."
	@$(QEMU_STATUS_OK) $(QEMU) $(QEMU_ARGS) $(QEMU_SMP_ARGS) -cdrom $(ISO) -serial mon:stdio -S -gdb tcp:127.0.0.1:$(GDB_PORT)

gdb: deps-debug
	@test -f $(KERNEL) || { echo "$(KERNEL) is missing: start make qemu-gdb$(if $(DEBUG_ARG), $(DEBUG_ARG)) first"; exit 1; }
	PAGEWISE_GDB_PORT=$(GDB_PORT) PAGEWISE_KERNEL=$(KERNEL) gdb -q -x scripts/gdb/pagewise.gdb

gdb-port:
	@echo $(GDB_PORT)

# make dump CMDS="buddyinfo; xp 0x100000 64": run monitor commands at boot
# (run="...; poweroff") in headless QEMU; the transcript goes to build/dump.txt.
dump: deps-run
	@$(MAKE) --no-print-directory $(DUMPISO)
	scripts/dump.sh $(DUMPISO) $(MEM) $(BUILD)/dump.txt

# make plot CMDS="alloc 3; pfnmap": make dump of CMDS, then each pfnmap of
# the transcript drawn by tools/memplot, side by side, as build/memory.png
# and build/memory.svg. CMDS given on the command line (or in the
# environment) is run as it is, with pfnmap added at the end when none of its
# words is pfnmap; without it, plot runs pfnmap alone (not dump's default).
PLOT_CMDS = $(if $(filter command line environment override,$(origin CMDS)),$(CMDS),pfnmap)
PLOT_CMDS_PFNMAP = $(if $(filter pfnmap pfnmap;,$(PLOT_CMDS)),$(PLOT_CMDS),$(if $(strip $(PLOT_CMDS)),$(PLOT_CMDS); pfnmap,pfnmap))
plot: deps-run
	@scripts/install-deps.sh plot
	@$(MAKE) --no-print-directory dump CMDS='$(PLOT_CMDS_PFNMAP)'
	tools/memplot $(BUILD)/dump.txt --all -o $(BUILD)/memory.png --svg $(BUILD)/memory.svg

# make lab-figures: the figures of docs/labs/ redrawn by tools/labfigs.py from
# fresh boots (make dump, built under $(BUILD)/labfigs/) and a make bench run.
lab-figures: deps-run
	@scripts/install-deps.sh plot
	tools/labfigs.py

bochs: deps-test
	@$(MAKE) --no-print-directory $(ISO)
	scripts/bochs.sh interactive $(ISO) $(MEM)

bochs-headless: deps-test
	@$(MAKE) --no-print-directory $(ISO)
	scripts/bochs.sh headless $(ISO) $(MEM)

# The mm core and the host support are compiled once, a file to an object
# (its header dependencies in a .d beside it), and linked into every test.
HOST_OBJ := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(HOST_MM) $(HOST_SUPPORT))
$(BUILD)/host/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/host/%: test/host/%.c $(HOST_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -o $@ $< $(HOST_OBJ) -lcmocka
$(BUILD)/host/grade-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GRADE_CFLAGS) -MMD -MP -c $< -o $@
$(GRADE_HARNESSES): $(BUILD)/host/%: test/host/%.c $(GRADE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(GRADE_CFLAGS) -MMD -MP -o $@ $< $(GRADE_OBJ) -lcmocka
-include $(HOST_OBJ:.o=.d) $(GRADE_OBJ:.o=.d) $(HOST_TESTS:=.d) $(GRADE_HARNESSES:=.d)
.PHONY: grade-harness
grade-harness: $(GRADE_HARNESSES)
# Kept after a build (not intermediate), so `make -q` of a test is true.
.SECONDARY: $(HOST_OBJ)

# Each test runs twice: with the checks on (mm_debug=verify: buddy_verify()
# after every call, the order-0 fast paths off) and as the kernel boots
# (mm_debug off: the fast paths users run). host_tests_init() reads
# PAGEWISE_MM_DEBUG; HOST_MM_DEBUG="verify" or "off" runs one way only.
HOST_MM_DEBUG ?= verify off
test-host: $(HOST_TESTS)
	@set -e; for mode in $(HOST_MM_DEBUG); do for t in $(HOST_TESTS); do \
		echo "== $$t (mm_debug=$$mode)"; PAGEWISE_MM_DEBUG=$$mode $$t; done; done

# The libFuzzer harnesses (test/fuzz/, README "Fuzzing"), built with clang,
# ASan and UBSan: fuzz_buddy (src/mm compiled unchanged) and fuzz_acpi (the
# ACPI table parser, src/arch/x86_64/acpi_tables.c). The kernel's
# vsnprintf/snprintf are renamed so libFuzzer keeps the C library's; the
# harnesses themselves are left out of the coverage the fuzzer steers by.
FUZZ_CC     := clang-14
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-fsanitize-coverage-ignorelist=test/fuzz/coverage-ignore.txt \
	-Dvsnprintf=pagewise_vsnprintf -Dsnprintf=pagewise_snprintf \
	-I test/host -I src -I src/kernel -I src/mm -I src/test
FUZZ_SRC    := test/fuzz/fuzz_buddy.c $(wildcard src/mm/*.c) src/lib/vsprintf.c \
	src/test/lab.c $(wildcard test/host/kallsyms_host.c) $(HOST_MACHINE)
FUZZ_ACPI_SRC := test/fuzz/fuzz_acpi.c $(ARCH)/acpi_tables.c src/lib/vsprintf.c \
	test/host/kallsyms_host.c
# make fuzz FUZZ_TARGET=acpi fuzzes the ACPI parser; buddy (the default)
# the buddy allocator. Each target's seeds are in its own directory.
FUZZ_TARGET ?= buddy
FUZZ_BIN_buddy    := $(BUILD)/fuzz/fuzz_buddy
FUZZ_BIN_acpi     := $(BUILD)/fuzz/fuzz_acpi
FUZZ_CORPUS_buddy := test/fuzz/corpus
FUZZ_CORPUS_acpi  := test/fuzz/corpus-acpi
FUZZ_NEW_buddy    := $(BUILD)/fuzz/corpus
FUZZ_NEW_acpi     := $(BUILD)/fuzz/corpus-acpi
FUZZ        := $(FUZZ_BIN_buddy)
FUZZ_ACPI   := $(FUZZ_BIN_acpi)
FUZZ_TIME   ?= 300
FUZZ_ARGS   ?=
FUZZ_SMOKE_RUNS ?= 10000
FUZZ_FLAGS  := -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1
.PHONY: fuzz fuzz-smoke

$(FUZZ): $(FUZZ_SRC) test/fuzz/coverage-ignore.txt $(wildcard test/host/*.h src/mm/*.h src/kernel/*.h src/test/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRC)

$(FUZZ_ACPI): $(FUZZ_ACPI_SRC) test/fuzz/coverage-ignore.txt $(ARCH)/acpi_tables.h $(ARCH)/acpi.h $(wildcard src/kernel/*.h src/lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_ACPI_SRC)

# New inputs go to $(BUILD)/fuzz/corpus (buddy) or corpus-acpi, kept between
# runs; a failing input to $(BUILD)/fuzz/crash-*. FUZZ_ARGS="-fork=2" runs
# two fuzzing processes.
fuzz: deps-test
	@case "$(FUZZ_TARGET)" in buddy|acpi) ;; \
	*) echo "make fuzz: FUZZ_TARGET=$(FUZZ_TARGET): say buddy (the default) or acpi"; exit 1;; esac
	@$(MAKE) --no-print-directory $(FUZZ_BIN_$(FUZZ_TARGET))
	@mkdir -p $(FUZZ_NEW_$(FUZZ_TARGET))
	$(FUZZ_BIN_$(FUZZ_TARGET)) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) $(FUZZ_ARGS) \
		$(FUZZ_NEW_$(FUZZ_TARGET)) $(FUZZ_CORPUS_$(FUZZ_TARGET))

# Part of make test: FUZZ_SMOKE_RUNS inputs from a fixed seed for each
# harness, starting from its seed corpus alone, so every run makes the
# same calls.
fuzz-smoke: $(FUZZ) $(FUZZ_ACPI)
	@rm -rf $(BUILD)/fuzz/smoke $(BUILD)/fuzz/smoke-acpi
	@mkdir -p $(BUILD)/fuzz/smoke $(BUILD)/fuzz/smoke-acpi
	$(FUZZ) $(FUZZ_FLAGS) -seed=1 -runs=$(FUZZ_SMOKE_RUNS) $(BUILD)/fuzz/smoke $(FUZZ_CORPUS_buddy)
	$(FUZZ_ACPI) $(FUZZ_FLAGS) -seed=1 -runs=$(FUZZ_SMOKE_RUNS) $(BUILD)/fuzz/smoke-acpi $(FUZZ_CORPUS_acpi)

# make bench (bench/, docs/bench.md): the mm core compiled unchanged at -O2,
# without sanitizers, against the host seam, timed with baselines of our own.
# bench-smoke (part of make test) runs every workload once on 64 MiB and
# checks that each allocator ends in its boot state; it times nothing.
BENCH	:= $(BUILD)/bench/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-I bench -I test/host -I src -I src/kernel -I src/mm -I src/test
# src/test/lab.c: a lab handout's stubs report through it (docs/labs/lab5.md).
BENCH_MM := $(wildcard src/mm/*.c) \
	src/test/lab.c
# The workloads, shared with the kernel's bench command.
BENCH_MM += src/test/bench_workloads.c
BENCH_SRC := $(wildcard bench/*.c bench/baselines/*.c) $(BENCH_MM) $(HOST_MACHINE)
BENCH_ARGS ?=
BENCH_CALLGRIND_ARGS ?= --ops 100000 --init-sizes 1G,4G

$(BENCH): $(BENCH_SRC) $(wildcard bench/*.h test/host/*.h src/mm/*.h src/kernel/*.h src/test/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRC)

bench: deps-bench
	@$(MAKE) --no-print-directory $(BENCH)
	$(BENCH) $(BENCH_ARGS)

# make bench-plot: the table of make bench drawn by tools/benchplot as
# build/bench/bench.png and .svg. BENCH_OUT=FILE draws a saved output
# instead of running the bench; BENCH_PLOT_ARGS="--targets order0=5,batch=15".
BENCH_OUT ?=
BENCH_PLOT_ARGS ?=
bench-plot: $(if $(BENCH_OUT),,deps-bench)
	@scripts/install-deps.sh plot
ifeq ($(BENCH_OUT),)
	@$(MAKE) --no-print-directory $(BENCH)
	$(BENCH) $(BENCH_ARGS) | tee $(BUILD)/bench/bench.txt
endif
	tools/benchplot $(BENCH_PLOT_ARGS) -o $(BUILD)/bench/bench.png $(or $(BENCH_OUT),$(BUILD)/bench/bench.txt)

# Counts only the timed loops: collection starts off and bench.c toggles it
# around them, dumping one file per table cell.
bench-callgrind: deps-bench
	@$(MAKE) --no-print-directory $(BENCH)
	@rm -f $(BUILD)/bench/callgrind.out.*
	valgrind --tool=callgrind --collect-atstart=no \
		--callgrind-out-file=$(BUILD)/bench/callgrind.out.%p \
		$(BENCH) --callgrind $(BENCH_CALLGRIND_ARGS) > $(BUILD)/bench/callgrind.log 2>&1 || \
		{ cat $(BUILD)/bench/callgrind.log; exit 1; }
	bench/callgrind-report.sh $(BUILD)/bench/callgrind.out.*.*

bench-smoke: $(BENCH)
	@$(BENCH) --smoke > $(BUILD)/bench/smoke.log 2>&1 || { cat $(BUILD)/bench/smoke.log; exit 1; }
	@echo "bench-smoke: every workload ran and every allocator ended in its boot state ($(BUILD)/bench/smoke.log)"

format-check:
	@clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')
	@echo "clang-format: all C files match .clang-format"

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

test-emu: $(TESTISO)
	/usr/bin/python3 -m pytest -v $$(/usr/bin/python3 -c "import xdist" 2>/dev/null && echo "-n 2") test/emu

test: deps-test
	@$(MAKE) --no-print-directory format-check test-host test-tools fuzz-smoke bench-smoke test-emu test-labs test-grading docs-check

# tools/memplot's parser and renderer (docs/memplot.md).
# The bench binary first: test_benchplot.py parses a real run of it.
test-tools: deps-test
	@$(MAKE) --no-print-directory $(BENCH)
	/usr/bin/python3 -m pytest -q -rs test/tools

# make handout LAB=n (docs/labs/INSTRUCTORS.md): the student tree of lab n,
# every lab >= n stubbed, checked for solution lines, and its tarball.
handout:
	@case "$(LAB)" in \
	"") echo "make handout: say which lab: make handout LAB=n, n from 1 to 5"; exit 1;; \
	[1-5]) ;; \
	*) echo "make handout: LAB=$(LAB): labs are 1 to 5"; exit 1;; \
	esac
	rm -rf $(BUILD)/handout-lab$(LAB) $(BUILD)/handout-lab$(LAB).tar.gz
	tools/handout --check --tar $(BUILD)/handout-lab$(LAB).tar.gz $(LAB) $(BUILD)/handout-lab$(LAB)

# make grade [LAB=n] (docs/labs/INSTRUCTORS.md, "Feedback: make grade in the student's tree"): build and run the
# tests of test/grade/labs.toml for labs 1-5 or LAB ("3", "1 2", "1-3") and
# print the points; exit status 0 only at full marks. Logs in build/grade/.
grade: deps-test
	tools/grade $(LAB)

# The instructor's grading (docs/labs/INSTRUCTORS.md, "Grading a
# submission"): lab LAB of one submission (a tree, a tarball or a git
# repository), or of every submission in CLASS, spliced into a fresh handout,
# built and run in the sandbox and scored on state observed from outside.
# JSON=file also writes Gradescope's results.json; OUT= is --class's output
# directory; SEED= repeats a grading.
grade-submission: deps-grade
	@test -n "$(SUBMISSION)" -a -n "$(LAB)" || { echo "make grade-submission SUBMISSION=path LAB=n [JSON=file] [SEED=n]"; exit 1; }
	tools/grade --submission "$(SUBMISSION)" $(LAB) $(if $(JSON),--json "$(JSON)") $(if $(SEED),--seed $(SEED))
grade-class: deps-grade
	@test -n "$(CLASS)" -a -n "$(LAB)" || { echo "make grade-class CLASS=dir LAB=n [OUT=dir] [SEED=n]"; exit 1; }
	tools/grade --class "$(CLASS)" $(LAB) --out "$(or $(OUT),grades)" $(if $(SEED),--seed $(SEED))
# make gradescope LAB=n: Gradescope's autograder zip for lab n
# (tools/gradescope/setup.sh and run_autograder at its top).
gradescope:
	@case "$(LAB)" in [1-5]) ;; *) echo "make gradescope LAB=n, n from 1 to 5"; exit 1;; esac
	tools/grade --gradescope-zip $(BUILD)/gradescope-lab$(LAB).zip $(LAB)
deps-grade:
	@scripts/install-deps.sh grade

# make test-grading: CI of the instructor's grader: the sandbox's escape
# tests, the reference solution at full marks and every negative fixture of
# test/grade/fixtures/ (wrong solutions, a forgery) at 20 or less, through
# tools/grade --submission; the Gradescope layout tried in a directory.
test-grading: deps-grade
	/usr/bin/python3 -m pytest -q -rs $$(/usr/bin/python3 -c "import xdist" 2>/dev/null && echo "-n 2") test/grading

# make test-labs: per-lab CI (scripts/test-labs.sh): the full tree at full
# marks, and each lab's handout below full marks on that lab only.
test-labs: deps-test
	scripts/test-labs.sh

# make docs (docs/README.md): tools/docgen.py runs each distinct run of
# docs/runs/*.toml once, in copies of the tree under $(BUILD)/docgen/, and
# rewrites the transcript blocks, facts and figures of README.md and docs/.
# make docs-check regenerates into $(BUILD)/docgen/out instead and compares,
# through Sybil (tools/docgen_check.py), after the masks of
# docs/runs/masks.toml; it also checks every path, make target, monitor
# command, gdb command and function that a doc names. DOCS_ARGS="--reuse"
# takes the runs' earlier outputs.
DOCS_ARGS ?=
DOCS_JOBS ?= 2
docs: deps-test
	@scripts/install-deps.sh docs
	/usr/bin/python3 tools/docgen.py -j $(DOCS_JOBS) $(DOCS_ARGS)

docs-check: deps-test
	@scripts/install-deps.sh docs
	@rm -rf $(BUILD)/docgen/out
	/usr/bin/python3 tools/docgen.py -q -j $(DOCS_JOBS) --out $(BUILD)/docgen/out $(DOCS_ARGS)
	cd tools && DOCGEN_ROOT=$(CURDIR) DOCGEN_OUT=$(CURDIR)/$(BUILD)/docgen/out /usr/bin/python3 -m pytest -q \
		-p docgen_check -p no:cacheprovider --rootdir=$(CURDIR) $(CURDIR)/README.md $(CURDIR)/docs

clean:
	rm -rf $(BUILD)

# The default build leaves out build/debug's (DEBUG=1) dependency files.
-include $(shell find $(BUILD) $(if $(DEBUG_ARG),,-path $(BUILD)/debug -prune -o) -name '*.d' -print 2>/dev/null)
