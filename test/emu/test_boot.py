"""test_boot.py - the boot matrix (docs/boot-matrix.md): boot the "selftest
poweroff" ISO under QEMU with SeaBIOS (from the smallest RAM GRUB and the
kernel run in to 6 GiB), QEMU with OVMF (UEFI), Bochs on a CPU without
1 GiB pages, and a map with holes cut by GRUB's cutmem; judge each boot from
its serial log: KTAP all ok, MemTotal consistent with the printed firmware
map, the zones (ranges, present/managed pages, watermarks, protection,
MemAvailable) recomputed from that map and the managed counts, no
handed-out page in a hole or a reserved range, bad-page reports only inside
the bad_ cases (and allocation failures only in the oom_ cases and
zone_dma_exhausted), and a clean power-off (QEMU exit status 33, Bochs's
shutdown port).

Several CPUs: QEMU with -smp 2, 4 and 8 (SeaBIOS and OVMF), q35 with 4,
-smp 2,maxcpus=8, Bochs with 2, nosmp and maxcpus=2 on 4, and a machine
without ACPI tables; each boot's CPU lines are checked against what the
emulator was given (boot_checks.check_cpus(), expect_cpus()), on top of
every rule above. Every other boot is checked as one CPU.

Also: min_free_kbytes=4096 from the command line, and a machine so small
that min_free_kbytes is clamped to 128 KiB.

Also: how a boot fails when there is too little RAM (GRUB below its minimum;
the kernel itself, with the map cut down to a few pages above its image), a
32-bit CPU, and the Bochs debugger session.

Each test keeps its logs in its own tmp dir; a failure shows their paths and
tails. The boot times are tabled at the end of the run. The configurations
are listed slowest first, so that `pytest -n 2` (make test-emu) starts the
long ones at once.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest

import boot_checks as checks
from emulators import (
    GRUB_FAILED,
    OVMF_CODE,
    OVMF_VARS,
    QEMU_POWER_OFF_STATUS,
    REPO,
    Run,
    build_iso_variant,
    kernel_image_end,
    qemu_argv,
    run_bochs_headless,
    run_qemu,
    run_until_exit,
    scan_min_ram,
    smp_cpus,
    QEMU_RAM_STEP_KIB,
    TIME_SCALE,
)
from serial_log import SerialLog

MiB = 1 << 20
# GRUB's cutmem: 32-48 MiB, and 8 KiB that start and end in the middle of a
# page (the kernel must drop both partial pages).
CUTMEM_HOLES = ((0x2000000, 0x3000000), (0x4001800, 0x4003800))

# The smallest RAM at which GRUB loads the kernel and the whole self-test
# passes under SeaBIOS is found on every run (test_boots_at_the_smallest_ram),
# scanning up in QEMU's 8 KiB steps from BELOW_MIN_RAM. GRUB, not the kernel,
# sets it: below it GRUB says "error: out of memory." loading kernel.elf. It
# moves with the kernel image's size, and not monotonically, so no fixed
# number can stand for it: see docs/boot-matrix.md.
BELOW_MIN_RAM = "2M"  # GRUB runs out of memory here for every kernel so far
MIN_RAM_SCAN_LIMIT_KIB = 8 * 1024  # give up the scan here: something is wrong
GRUB_OOM = "error: out of memory."


@dataclass(frozen=True)
class Config:
    name: str
    mem: str
    emulator: str = "qemu"  # or "bochs"
    cpu: str | None = None
    uefi: bool = False
    holes: tuple[tuple[int, int], ...] = ()  # cut with GRUB's cutmem: [start, end)
    timeout: float = 60  # seconds (x PAGEWISE_EMU_TIME_SCALE); see docs/boot-matrix.md for the times
    ram_above_4g: bool = False
    gbpages: bool | None = None  # True: must use 1 GiB pages; False: the CPU must lack them
    must_run: tuple[str, ...] = ()  # self-test cases that must run here (not skip)
    nx: bool = True  # True: the CPU has NX and the kernel uses it; False: it lacks NX
    machine: str | None = None  # QEMU's -machine (None: pc, i440FX)
    smp: str | None = None  # QEMU's -smp ("4", "2,maxcpus=8"), Bochs's CPU count ("2"); None: one CPU
    acpi: bool = True  # False: QEMU -machine acpi=off, a firmware without ACPI tables (no MADT)
    cmdline_extra: tuple[str, ...] = ()  # kernel command-line words before "poweroff" (e.g. "nosmp")


# Slowest first (measured wall times on 2 cores, two boots at once).
CONFIGS = [
    # Bochs's CPU model (scripts/bochsrc.template) lacks pdpe1gb: 2M + 4K pages.
    Config("bochs-512M", "512M", emulator="bochs", timeout=300, gbpages=False),
    # SeaBIOS: 3 GiB below the PCI hole, 3 GiB from 4 GiB up; ~1.56 M pages written.
    # All three zones populated: every zone case must run.
    Config("qemu-6G", "6G", timeout=180, ram_above_4g=True, gbpages=False, must_run=tuple(checks.ZONE_CASES)),
    # 1 GiB pages in the direct map, below and above 4 GiB.
    Config("qemu-5G-pdpe1gb", "5G", cpu="qemu64,+pdpe1gb", timeout=180, ram_above_4g=True, gbpages=True),
    # 3 GiB below 4 GiB, 1 GiB above.
    Config("qemu-4G", "4G", timeout=150, ram_above_4g=True),
    # All of it below 4 GiB, up to the PCI hole at 3 GiB.
    Config("qemu-3G", "3G", timeout=150),
    # OVMF's map is fragmented (ACPI NVS, boot services, type 20 runtime code...).
    # With 4 CPUs: OVMF's usable pages below 1 MiB hold the trampoline.
    Config("qemu-uefi-smp4-2G", "2G", uefi=True, smp="4", timeout=120),
    # Several CPUs (docs/boot-matrix.md, "Several CPUs"): each AP must come
    # up and print its own line; the rest of the boot as on one CPU. Small
    # RAM: the memory checks are the same as above, only the CPUs are new.
    # As bochs-512M, small, with two CPUs (bochsrc's cpu: count=2,
    # BOCHS_CPUS); bochs-512M boots one.
    Config("bochs-smp2-32M", "32M", emulator="bochs", smp="2", timeout=120, gbpages=False),
    Config("qemu-uefi-256M", "256M", uefi=True, timeout=90),
    # OVMF with 2 CPUs (4: qemu-uefi-smp4-2G, 8: qemu-q35-uefi-smp8-64M).
    Config("qemu-uefi-smp2-128M", "128M", uefi=True, smp="2", timeout=90),
    # 33 MiB: RAM ends 1 MiB past a 2 MiB boundary (the direct map's last 2M
    # page cannot be used: 4K pages there).
    # With 2 CPUs: the APs' stacks come out of a small machine.
    Config("qemu-smp2-33M", "33M", smp="2"),
    # With 8 CPUs.
    Config("qemu-cutmem-smp8-128M", "128M", holes=CUTMEM_HOLES, smp="8"),
    # q35 (ICH9) under OVMF: a PCIe MMCONFIG window at 0xb0000000 in the map.
    # With 8 CPUs.
    Config("qemu-q35-uefi-smp8-64M", "64M", uefi=True, machine="q35", smp="8", timeout=90),
    # A CPU without NX: EFER.NXE stays clear and no page table entry sets bit 63.
    # With 4 CPUs: the trampoline leaves EFER.NXE clear on each AP too.
    Config("qemu-nonx-smp4-256M", "256M", cpu="qemu64,-nx", nx=False, smp="4"),
    # More SMP boots (see the comment at bochs-smp2-32M), the quick ones.
    Config("qemu-q35-smp4-128M", "128M", machine="q35", smp="4"),
    # Room for 8, 2 present: the MADT lists 8 local APICs, 6 disabled
    # (hotplug): those are possible CPUs the kernel must not start.
    Config("qemu-smp2-maxcpus8-128M", "128M", smp="2,maxcpus=8"),
    # The command line caps what comes up (Linux's nosmp and maxcpus=).
    Config("qemu-smp4-nosmp-128M", "128M", smp="4", cmdline_extra=("nosmp",)),
    Config("qemu-smp4-maxcpus2-128M", "128M", smp="4", cmdline_extra=("maxcpus=2",)),
    # No ACPI tables at all: one CPU of the two, and a line that says why.
    Config("qemu-noacpi-smp2-128M", "128M", smp="2", acpi=False),
]


def boot(cfg: Config, artifacts, workdir: Path) -> Run:
    iso = artifacts.iso
    if cfg.holes or cfg.cmdline_extra:
        iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, workdir / "iso",
                                " ".join(("selftest", *cfg.cmdline_extra, "poweroff")),
                                [f"cutmem {s:#x} {e:#x}" for s, e in cfg.holes])
    if cfg.emulator == "bochs":
        return run_bochs_headless(cfg.name, iso, cfg.mem, workdir, cfg.timeout, cpus=smp_cpus(cfg.smp)[0])
    return run_qemu(cfg.name, iso, cfg.mem, workdir, cfg.timeout, cpu=cfg.cpu, uefi=cfg.uefi,
                    machine=cfg.machine, smp=cfg.smp, acpi=cfg.acpi)


# Whether the MADT's disabled local APIC entries (QEMU's -smp N,maxcpus=M
# lists M, the N started ones enabled) are possible CPUs, hotplug ones. In
# Linux (acpi_is_processor_usable(), arch/x86/kernel/acpi/boot.c) they are
# when the MADT's revision is below 5, as QEMU 7.2's is ("ACPI: APIC ...
# (v01 ...)"): "Allowing 8 CPUs, 6 hotplug CPUs" for -smp 2,maxcpus=8. From
# revision 5 on, only those flagged online-capable are.
DISABLED_MADT_ENTRIES_ARE_HOTPLUG = True


def expect_cpus(cfg: Config) -> checks.CpuExpect:
    """What @cfg's boot must say about its CPUs. The MADT (QEMU's, and the
    Bochs BIOS's) lists maxcpus local APICs, the started ones enabled; the
    disabled ones are hotplug CPUs (DISABLED_MADT_ENTRIES_ARE_HOTPLUG),
    possible but never started. nosmp: one CPU, the only possible one (as
    Linux's disable_smp()); maxcpus=N: N come up, all stay possible. No
    MADT: one CPU, possible and up."""
    started, maxcpus = smp_cpus(cfg.smp)
    words = cfg.cmdline_extra
    if not cfg.acpi:
        return checks.CpuExpect(started, 1, 0, 1, madt=False)
    if "nosmp" in words:
        return checks.CpuExpect(started, 1, 0, 1, madt_lapics=maxcpus)
    up = started
    for word in words:
        if word.startswith("maxcpus="):
            up = max(1, min(up, int(word.split("=", 1)[1])))
    possible = maxcpus if DISABLED_MADT_ENTRIES_ARE_HOTPLUG else started
    return checks.CpuExpect(started, possible, possible - started, up, madt_lapics=maxcpus)


def how_it_ended(run: Run) -> str:
    if run.timed_out:
        return "TIMED OUT (stopped)"
    if run.stopped_after_halt:
        return "GRUB gave up (stopped)" if run.stop_marker in GRUB_FAILED else "halted (stopped)"
    out = run.serial_log.parent / "bochs.sh.out"
    if out.exists():  # Bochs's own status, as bochs.sh reports it
        m = re.search(r"Bochs exited with status (\d+)", out.read_text(errors="replace"))
        return f"bochs.sh exit {run.returncode}, Bochs exit {m.group(1) if m else '?'}"
    return f"exit {run.returncode}"


def triple_faulted(qemu_debug_log: Path) -> bool:
    return qemu_debug_log.exists() and "Triple fault" in qemu_debug_log.read_text(errors="replace")


def check_exit(cfg: Config, run: Run) -> list[str]:
    """QEMU: status 33 from isa-debug-exit (never 0: with -no-reboot a triple
    fault exits 0). Bochs: its status is 1 either way; its log must show the
    shutdown port and no other PANIC."""
    p = []
    if run.timed_out:
        p.append(f"still running after the time limit ({run.wall:.0f} s): stopped")
    if run.stopped_after_halt:
        if run.stop_marker in GRUB_FAILED:
            p.append("GRUB gave up before the kernel ran (see its 'error:' lines): stopped")
        else:
            p.append("the kernel halted instead of powering off: stopped")
    if cfg.emulator == "qemu":
        if not run.timed_out and not run.stopped_after_halt and run.returncode != QEMU_POWER_OFF_STATUS:
            p.append(f"QEMU exit status {run.returncode}, expected {QEMU_POWER_OFF_STATUS} "
                     "(0 would be a triple fault under -no-reboot)")
        if triple_faulted(run.serial_log.parent / "qemu-debug.log"):
            p.append("QEMU's -d cpu_reset log shows a triple fault")
    else:
        blog = run.serial_log.parent / "bochs.log"
        text = blog.read_text(errors="replace") if blog.exists() else ""
        if "Shutdown port: shutdown requested" not in text:
            p.append(f"{blog} does not show the shutdown port being written")
        panics = [line for line in text.splitlines()
                  if ">>PANIC<<" in line and "Shutdown port: shutdown requested" not in line]
        if panics:
            p.append(f"Bochs PANIC: {panics[:3]}")
    return p


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.name)
def test_boot(cfg: Config, artifacts, tmp_path, emu_logs, boot_times):
    if cfg.uefi and not (OVMF_CODE.exists() and OVMF_VARS.exists()):
        pytest.fail(f"OVMF is missing ({OVMF_CODE}): install the ovmf package")
    run = boot(cfg, artifacts, tmp_path)
    emu_logs.add(run.serial_log, *run.other_logs)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(cfg.name, run.wall, how_it_ended(run), log.meminfo.get("MemTotal"))

    assert_boot_clean(cfg, run, log)


def assert_boot_clean(cfg: Config, run: Run, log: SerialLog) -> None:
    problems = check_exit(cfg, run) + checks.check_clean_boot(log, holes=cfg.holes, must_run=cfg.must_run)
    problems += checks.check_cpus(log, expect_cpus(cfg))
    if cfg.ram_above_4g:
        problems += checks.check_ram_above_4g(log)
    if cfg.gbpages is True:
        problems += checks.check_1g_pages(log)
    elif cfg.gbpages is False:
        problems += checks.check_no_1g_pages(log)
    problems += checks.check_nx(log, cfg.nx)
    for start, end in cfg.holes:
        problems += checks.check_hole(log, start, end)
    if cfg.uefi and len(log.mmap) < 10:
        problems.append(f"only {len(log.mmap)} map entries: was this really OVMF's map?")
    assert not problems, f"{cfg.name}: {len(problems)} problem(s), serial log {run.serial_log}:\n  " + \
        "\n  ".join(problems)


def test_boots_at_the_smallest_ram(artifacts, tmp_path, emu_logs, boot_times):
    """Find the smallest RAM the ISO boots in under SeaBIOS (scanning up from
    BELOW_MIN_RAM in 8 KiB steps, two boots at a time), then hold that boot
    to every check of the matrix, and show that one step less fails in GRUB
    (out of memory, the kernel never ran), not in the kernel."""
    step = QEMU_RAM_STEP_KIB
    lo = int(BELOW_MIN_RAM[:-1]) * 1024
    found, tried = None, []
    while found is None and lo <= MIN_RAM_SCAN_LIMIT_KIB:
        results = scan_min_ram(artifacts.iso, lo, lo + 15 * step, tmp_path / "scan")
        tried += results
        found = next((k for k, ok, _ in results if ok), None)
        lo += 16 * step
    assert found is not None, f"no size up to {MIN_RAM_SCAN_LIMIT_KIB} KiB boots: last {tried[-3:]}"
    below = next((why for k, ok, why in tried if k == found - step), None)
    assert below is not None and below.startswith(GRUB_OOM), \
        f"{found - step} KiB fails, but not in GRUB: {below!r}"

    cfg = Config(f"qemu-min-{found}K", f"{found}K")
    (tmp_path / "min").mkdir()
    run = boot(cfg, artifacts, tmp_path / "min")
    emu_logs.add(run.serial_log, *run.other_logs)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(f"{cfg.name} (scan {len(tried)})", run.wall, how_it_ended(run), log.meminfo.get("MemTotal"))
    assert_boot_clean(cfg, run, log)


def test_below_minimum_ram_grub_says_out_of_memory(artifacts, tmp_path, emu_logs, boot_times):
    """Below the minimum RAM the kernel never runs: GRUB prints "error: out of
    memory." loading it and "error: you need to load the kernel first." at
    `boot`, then (after "Press any key to continue...") waits at its menu for
    ever. QEMU must still be running then (no triple fault, no reset); the
    harness stops it."""
    serial = tmp_path / "serial.log"
    argv = qemu_argv(artifacts.iso, BELOW_MIN_RAM, serial, debug_log=tmp_path / "qemu-debug.log")
    emu_logs.add(serial, tmp_path / "qemu-debug.log", tmp_path / "qemu-stdout.log")
    run = run_until_exit(f"qemu-{BELOW_MIN_RAM}", argv, serial, 60, tmp_path / "qemu-stdout.log", halt_grace=1.0)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(f"qemu-{BELOW_MIN_RAM} (GRUB OOM)", run.wall, how_it_ended(run), None)
    assert any(GRUB_OOM in line for line in log.boot_loader), f"no {GRUB_OOM!r} from GRUB on COM1 ({serial})"
    assert not log.kernel, f"the kernel ran at {BELOW_MIN_RAM}: {log.kernel[:3]}"
    assert run.stopped_after_halt and run.stop_marker in GRUB_FAILED and run.returncode is None, \
        f"QEMU ended otherwise ({how_it_ended(run)}, status {run.returncode})"
    assert not triple_faulted(tmp_path / "qemu-debug.log"), "QEMU's -d cpu_reset log shows a triple fault"


@pytest.mark.parametrize("pages_above_image", [1, 8])
def test_kernel_with_too_little_memory_panics_and_says_why(pages_above_image, artifacts, tmp_path, emu_logs,
                                                           boot_times):
    """GRUB needs more RAM than the kernel, so the kernel's own limits show
    only with a cut map: 128 MiB, of which cutmem leaves the kernel 1 or 8
    pages above its image (and the low 640 KiB, which it never uses). It must
    stop with a panic that says what ran out (page tables, mem_map, or
    nothing left for the allocator) and power off: never hang, never triple
    fault, never run on."""
    cut = -(-kernel_image_end(artifacts.kernel_elf) // 4096) * 4096 + pages_above_image * 4096
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", "selftest poweroff",
                            [f"cutmem {cut:#x} {128 * MiB:#x}"])  # (GRUB: "overflow is detected" at 4G)
    name = f"qemu-128M-cut-{pages_above_image}p"
    run = run_qemu(name, iso, "128M", tmp_path, 60)
    emu_logs.add(run.serial_log, *run.other_logs)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(name, run.wall, how_it_ended(run), None)
    panics = [line for line in log.kernel if line.startswith("Kernel panic - not syncing: ")]
    assert panics, f"no 'Kernel panic' line with {pages_above_image} page(s) above the image ({run.serial_log})"
    assert re.search(r"memory", panics[0]), f"the panic does not say that memory ran out: {panics[0]!r}"
    assert log.last_kernel_line() == checks.POWER_DOWN, f"last line {log.last_kernel_line()!r}"
    assert run.returncode == QEMU_POWER_OFF_STATUS, f"QEMU {how_it_ended(run)}"
    assert not triple_faulted(tmp_path / "qemu-debug.log"), "QEMU's -d cpu_reset log shows a triple fault"
    assert log.ktap is None, "the self-test ran after the panic"


MIN_FREE_KBYTES = 4096  # for the command-line boot: not what 128 MiB computes (1434 or so)


def test_min_free_kbytes_from_the_command_line(artifacts, tmp_path, emu_logs, boot_times):
    """min_free_kbytes=4096 on the command line: the kernel says so, the
    watermarks are computed from 4096 (1024 pages shared out over the zones;
    check_zones recomputes every one from the command line the log shows)
    instead of from the memory size, and the self-test still passes."""
    cmdline = f"selftest min_free_kbytes={MIN_FREE_KBYTES} poweroff"
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", cmdline, [])
    cfg = Config(f"qemu-128M-min_free_kbytes={MIN_FREE_KBYTES}", "128M")
    run = run_qemu(cfg.name, iso, cfg.mem, tmp_path, 60)
    emu_logs.add(run.serial_log, *run.other_logs)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(cfg.name, run.wall, how_it_ended(run), log.meminfo.get("MemTotal"))
    assert log.cmdline == cmdline
    assert f"mm: min_free_kbytes={MIN_FREE_KBYTES} from the command line" in log.kernel
    assert_boot_clean(cfg, run, log)
    managed = {z.name: z.managed for z in log.zoneinfo}
    # The test means something only if the default would differ.
    assert checks.expected_min_free_kbytes(sum(managed.values())) != MIN_FREE_KBYTES
    pages_min = MIN_FREE_KBYTES // 4
    mins = sum(z.min for z in log.zoneinfo)
    populated = sum(1 for z in log.zoneinfo if z.populated)
    assert pages_min - populated < mins <= pages_min, \
        f"the zones' min watermarks add up to {mins} pages, not {pages_min} less rounding"


def test_tiny_ram_clamps_min_free_kbytes(artifacts, tmp_path, emu_logs, boot_times):
    """With 150 pages of RAM above the kernel image (GRUB's cutmem takes the
    rest of 128 MiB away), sqrt(16 * lowmem kB) is below 128: min_free_kbytes
    is clamped to 128 KiB (32 pages of min watermark in the only zone), and
    the boot is as clean as any (the zone cases that need DMA32 skip)."""
    cut = -(-kernel_image_end(artifacts.kernel_elf) // 4096) * 4096 + 150 * 4096
    hole = (cut, 128 * MiB)
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", "selftest poweroff",
                            [f"cutmem {cut:#x} {128 * MiB:#x}"])
    cfg = Config("qemu-128M-cut-150p", "128M")
    run = run_qemu(cfg.name, iso, cfg.mem, tmp_path, 60)
    emu_logs.add(run.serial_log, *run.other_logs)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add(cfg.name, run.wall, how_it_ended(run), log.meminfo.get("MemTotal"))
    problems = check_exit(cfg, run) + checks.check_clean_boot(log, holes=[hole])
    assert not problems, f"{cfg.name}: {len(problems)} problem(s), serial log {run.serial_log}:\n  " + \
        "\n  ".join(problems)
    managed_kb = sum(z.managed for z in log.zoneinfo) * 4
    assert checks.isqrt_floor(16 * managed_kb) < checks.MIN_FREE_KBYTES_CLAMP[0], \
        f"{managed_kb} kB managed: too much for the clamp to matter"
    assert [z.name for z in log.zoneinfo if z.populated] == ["DMA"]
    assert log.zoneinfo[0].min == checks.MIN_FREE_KBYTES_CLAMP[0] // 4


NO_LONG_MODE = "Pagewise: boot error: this CPU has no long mode"


def test_no_long_mode_halts_without_triple_fault(artifacts, tmp_path, emu_logs, boot_times):
    """A 32-bit CPU: the boot stub says why on COM1 and halts; QEMU must still
    be running seconds later (a triple fault would end it, -no-reboot)."""
    serial = tmp_path / "serial.log"
    argv = qemu_argv(artifacts.iso, "128M", serial, cpu="qemu32", debug_log=tmp_path / "qemu-debug.log")
    emu_logs.add(serial, tmp_path / "qemu-debug.log", tmp_path / "qemu-stdout.log")
    # run_until_exit stops QEMU halt_grace seconds after "Pagewise: halted.";
    # had QEMU exited by itself before that, it reports the exit status instead.
    run = run_until_exit("qemu-qemu32", argv, serial, 60, tmp_path / "qemu-stdout.log", halt_grace=4.0)
    log = SerialLog.parse(run.serial_bytes())
    boot_times.add("qemu-qemu32 (to halt+4s)", run.wall, how_it_ended(run), None)
    assert any(line.startswith(NO_LONG_MODE) for line in log.kernel), \
        f"no '{NO_LONG_MODE}' line on COM1 ({serial})"
    assert not run.timed_out, "the boot stub never said 'Pagewise: halted.'"
    assert run.stopped_after_halt and run.returncode is None, \
        f"QEMU exited by itself (status {run.returncode}) after the boot error: a triple fault?"
    assert not triple_faulted(tmp_path / "qemu-debug.log"), "QEMU's -d cpu_reset log shows a triple fault"
    for bad in ("Kernel panic", "traps:", "BUG:"):
        assert not any(bad in line for line in log.kernel), f"'{bad}' on COM1"


def test_bochs_interactive_debugger(artifacts, tmp_path, emu_logs):
    """scripts/bochs.sh interactive: the first screen says what to type, the
    debugger stops at <bochs:1>, knows the kernel's symbols, and `c` runs
    the kernel to its power-off."""
    rundir = tmp_path / "bochs"
    emu_logs.add(rundir / "bochs-com1.log", rundir / "bochs.log")
    child = pexpect.spawn(str(REPO / "scripts" / "bochs.sh"),
                          ["interactive", str(artifacts.iso), "128M", str(rundir)],
                          cwd=str(REPO), timeout=60 * TIME_SCALE, encoding="utf-8", codec_errors="replace",
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb"})
    child.logfile_read = open(tmp_path / "terminal.log", "w")
    emu_logs.add(tmp_path / "terminal.log")
    try:
        child.expect("to run")
        child.expect("help")
        child.expect(r"<bochs:1> ")
        child.sendline('info symbols "kernel_main"')
        child.expect(r"[0-9a-f]{16}: kernel_main")
        child.expect(r"<bochs:2> ")
        child.sendline("c")
        child.expect("Bochs exited", timeout=120 * TIME_SCALE)
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
        child.logfile_read.close()
    log = SerialLog.read(rundir / "bochs-com1.log")
    assert log.last_kernel_line() == checks.POWER_DOWN
    assert checks.check_ktap(log) == []


def test_bochs_template_is_all_commented():
    """Every setting in scripts/bochsrc.template has a comment line above it."""
    lines = (REPO / "scripts" / "bochsrc.template").read_text().splitlines()
    assert lines[0].startswith("# bochsrc.template")
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            assert i > 0 and lines[i - 1].startswith("#"), f"line {i + 1} has no comment above it: {line!r}"


def test_bochs_sh_rejects_bad_arguments(tmp_path):
    script = str(REPO / "scripts" / "bochs.sh")
    for args in ([], ["fast", "x.iso", "128M"], ["headless", str(tmp_path / "none.iso"), "128M"]):
        res = subprocess.run([script, *args], capture_output=True, text=True, timeout=30)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
    for cpus in ("0", "9", "two", ""):
        res = subprocess.run([script, "headless", str(tmp_path / "none.iso"), "128M"], capture_output=True,
                             text=True, timeout=30, env={"PATH": "/usr/bin:/bin", "BOCHS_CPUS": cpus})
        assert res.returncode == 2 and (f"BOCHS_CPUS='{cpus}' is not a number of CPUs" in res.stderr
                                        if cpus else "no ISO at" in res.stderr), (cpus, res.stderr)
