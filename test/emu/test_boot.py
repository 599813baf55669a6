"""test_boot.py - boot the "selftest poweroff" ISO under QEMU (SeaBIOS and
OVMF, several RAM sizes and CPUs) and Bochs, and judge each boot from its
serial log: KTAP all ok, the memory figures consistent with the printed map,
only the 8 announced BUG reports, and a clean power-off.

The configurations run one after another (about a minute in all on 2 cores
under TCG). Each test keeps its logs in its own tmp dir; a failure shows
their paths and tails. The boot times are tabled at the end of the run.
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
    OVMF_CODE,
    OVMF_VARS,
    QEMU_POWER_OFF_STATUS,
    REPO,
    Run,
    build_iso_variant,
    qemu_argv,
    run_bochs_headless,
    run_qemu,
    run_until_exit,
    TIME_SCALE,
)
from serial_log import SerialLog

CUT_START, CUT_END = 0x2000000, 0x3000000  # GRUB's cutmem: 32-48 MiB


@dataclass(frozen=True)
class Config:
    name: str
    mem: str
    emulator: str = "qemu"  # or "bochs"
    cpu: str | None = None
    uefi: bool = False
    cutmem: bool = False
    timeout: float = 60  # seconds (x PAGEWISE_EMU_TIME_SCALE); boots take 1-11 s: see the table at the end
    ram_above_4g: bool = False
    gbpages: bool = False


CONFIGS = [
    Config("qemu-32M", "32M"),
    Config("qemu-128M", "128M"),
    Config("qemu-1G", "1G"),
    # 5 GiB: SeaBIOS puts 3 GiB below the PCI hole and 2 GiB above 4 GiB.
    Config("qemu-5G", "5G", timeout=180, ram_above_4g=True),
    Config("qemu-5G-pdpe1gb", "5G", cpu="qemu64,+pdpe1gb", timeout=180, ram_above_4g=True, gbpages=True),
    # OVMF's map is fragmented (ACPI NVS, boot services, type 20 runtime code...).
    Config("qemu-uefi-256M", "256M", uefi=True, timeout=90),
    Config("qemu-cutmem-128M", "128M", cutmem=True),
    Config("bochs-128M", "128M", emulator="bochs", timeout=120),
]


def boot(cfg: Config, artifacts, workdir: Path) -> Run:
    iso = artifacts.iso
    if cfg.cutmem:
        iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, workdir / "iso",
                                "selftest poweroff", [f"cutmem {CUT_START:#x} {CUT_END:#x}"])
    if cfg.emulator == "bochs":
        return run_bochs_headless(cfg.name, iso, cfg.mem, workdir, cfg.timeout)
    return run_qemu(cfg.name, iso, cfg.mem, workdir, cfg.timeout, cpu=cfg.cpu, uefi=cfg.uefi)


def how_it_ended(run: Run) -> str:
    if run.timed_out:
        return "TIMED OUT (stopped)"
    if run.stopped_after_halt:
        return "halted (stopped)"
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

    problems = check_exit(cfg, run) + checks.check_clean_boot(log)
    if cfg.ram_above_4g:
        problems += checks.check_ram_above_4g(log)
    if cfg.gbpages:
        problems += checks.check_1g_pages(log)
    if cfg.cutmem:
        problems += checks.check_hole(log, CUT_START, CUT_END)
    if cfg.uefi and len(log.mmap) < 10:
        problems.append(f"only {len(log.mmap)} map entries: was this really OVMF's map?")
    assert not problems, f"{cfg.name}: {len(problems)} problem(s), serial log {run.serial_log}:\n  " + \
        "\n  ".join(problems)


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
    assert log.ktap and not log.ktap.failures() and not log.ktap.problems()


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
