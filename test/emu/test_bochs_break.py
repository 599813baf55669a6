"""test_bochs_break.py - the magic breakpoints (README "Magic breakpoints").

Bochs: boot with every point armed ("break=boot,longmode,higher,directmap,
split,merge selftest poweroff") and drive the debugger with
test/emu/bochs-break.cmds: `c` through each stop, `creg` at the boot,
longmode and directmap stops. Then check that
  - Bochs stopped exactly six times, in boot order, each time at the right
    place: the stop address (the instruction after xchg bx, bx), mapped to a
    symbol with build/kernel.sym by this test, is bochs_break_boot+0,
    bochs_break_longmode+0, bochs_break_higher+0, in paging_init, in
    __free_one_page (merge) and in the function expand() is inlined into
    (split); and Bochs's own symbol for it is the same;
  - COM1 has one "bochs-break: NAME:" line per stop, in the same order;
  - the registers Bochs shows agree with the lines: paging still off at boot
    (with the boot_pml4 the line promises), PG + LMA and CR3 = boot_pml4 at
    longmode, CR3 = the kernel PML4 the directmap line prints;
  - split and merge fired once each (break_count defaults to 1), though the
    buddy splits and merges thousands of times.
The merge comes first: free_boot_memory() frees a page whose buddy is free;
the first split is the self-test's first allocation.

QEMU: the same command line boots to a clean power-off (xchg bx, bx does
nothing there) and prints the same six lines in the same order.

make DEBUG=1's kernel (docs/stepping.md), with break=merge,split and
test/emu/bochs-frames.cmds: Bochs stops in __free_one_page and in expand()
itself, and its `bt` shows each as a frame of its own under its caller
(expand() under __rmqueue_smallest).
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

import pytest

from emulators import (
    QEMU_POWER_OFF_STATUS,
    REPO,
    build_iso_variant,
    qemu_argv,
    run_bochs_headless,
    run_qemu,
    run_until_exit,
)
from serial_log import clean_lines

CMDLINE = "break=boot,longmode,higher,directmap,split,merge selftest poweroff"
ORDER = ["boot", "longmode", "higher", "directmap", "merge", "split"]
# The function each stop must be in. expand() and __rmqueue_smallest() are
# static and, at -O2, inlined into their caller: accept any of the three.
SPLIT_FUNCS = {"expand", "__rmqueue_smallest", "get_page_from_freelist"}
EXPECTED_SYMBOL = {
    "boot": {"bochs_break_boot"},
    "longmode": {"bochs_break_longmode"},
    "higher": {"bochs_break_higher"},
    "directmap": {"paging_init"},
    "merge": {"__free_one_page"},
    "split": SPLIT_FUNCS,
}
ASM_POINTS = {"boot", "longmode", "higher"}  # stop exactly at the label
BREAK_LINE = re.compile(r"bochs-break: (\w+): (.*)")
STOP = re.compile(r"^\(0\) \[0x[0-9a-f]+\] [0-9a-f]{4}:([0-9a-f]+) \(([^)+]+)\+([0-9a-f]+)\)")
# A line of Bochs's `bt`: frame pointer -> return address (symbol+offset).
BT_LINE = re.compile(r"^[0-9a-f]+ -> ([0-9a-f]+) \(([^)+]+)\+([0-9a-f]+)\)$")
CR0 = re.compile(r"^CR0=(0x[0-9a-f]+):")
CR3 = re.compile(r"^CR3=(0x[0-9a-f]+)")
EFER = re.compile(r"^EFER=(0x[0-9a-f]+):")
CR0_PG = 1 << 31
EFER_LMA = 1 << 10


class Symbols:
    """build/kernel.sym: "hexaddr name" lines; lookup() gives the nearest
    symbol at or below an address, as Bochs does."""

    def __init__(self, path: Path):
        pairs = []
        for line in path.read_text().splitlines():
            addr, name = line.split()
            pairs.append((int(addr, 16), name))
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]
        self.by_name = {n: a for a, n in pairs}

    def lookup(self, addr: int) -> tuple[str, int]:
        i = bisect.bisect_right(self.addrs, addr) - 1
        assert i >= 0, f"{addr:#x} is below every symbol"
        return self.names[i], addr - self.addrs[i]


def nonempty_lines(serial: bytes) -> list[str]:
    return [line for line in clean_lines(serial) if line.strip()]


def break_lines(serial: bytes) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in clean_lines(serial)
            if (m := BREAK_LINE.search(line))]


def bochs_stops(stdout: str) -> list[dict]:
    """One dict per magic breakpoint in Bochs's output: the address, Bochs's
    symbol and offset, and the control registers `creg` printed there."""
    stops: list[dict] = []
    lines = stdout.replace("\r", "").splitlines()
    for i, line in enumerate(lines):
        if line.strip() != "(0) Magic breakpoint":
            continue
        stop: dict = {}
        for follow in lines[i + 1:]:
            if follow.strip() == "(0) Magic breakpoint":
                break
            if (m := STOP.match(follow)) and "addr" not in stop:
                stop.update(addr=int(m.group(1), 16), sym=m.group(2), off=int(m.group(3), 16))
            for key, pat in (("cr0", CR0), ("cr3", CR3), ("efer", EFER)):
                if (m := pat.match(follow)) and key not in stop:
                    stop[key] = int(m.group(1), 16)
        stops.append(stop)
    return stops


@pytest.fixture(scope="module")
def break_iso(artifacts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("break-iso")
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, out, CMDLINE, [])
    (out / "kernel.sym").write_bytes(artifacts.kernel_sym.read_bytes())
    return iso


def test_bochs_stops_at_each_named_point_in_order(artifacts, break_iso, tmp_path, emu_logs, boot_times,
                                                  monkeypatch):
    monkeypatch.setenv("BOCHS_CMDS", str(REPO / "test" / "emu" / "bochs-break.cmds"))
    run = run_bochs_headless("bochs-break", break_iso, "32M", tmp_path, timeout=60)
    emu_logs.add(run.serial_log, tmp_path / "bochs-stdout.log", tmp_path / "bochs.log")
    boot_times.add("bochs-break-32M", run.wall, "break=all points", None)
    lines = nonempty_lines(run.serial_bytes())
    assert lines and lines[-1] == "reboot: Power down", "the boot did not end with a power-off"
    assert "selftest: all passed" in lines

    printed = break_lines(run.serial_bytes())
    assert [name for name, _ in printed] == ORDER, "COM1's bochs-break: lines are not one per point in boot order"
    info = dict(printed)

    stdout = (tmp_path / "bochs-stdout.log").read_bytes().decode("utf-8", errors="replace")
    stops = bochs_stops(stdout)
    assert len(stops) == len(ORDER), f"Bochs stopped {len(stops)} times at a magic breakpoint, not {len(ORDER)}"

    syms = Symbols(artifacts.kernel_sym)
    for name, stop in zip(ORDER, stops):
        assert "addr" in stop, f"no stop address after the {name} breakpoint"
        sym, off = syms.lookup(stop["addr"])
        assert sym in EXPECTED_SYMBOL[name], f"{name}: stopped at {sym}+{off:#x}, {stop['addr']:#x}"
        assert (stop["sym"], stop["off"]) == (sym, off), f"{name}: Bochs says {stop['sym']}+{stop['off']:#x}"
        if name in ASM_POINTS:
            assert off == 0, f"{name}: stopped at {sym}+{off:#x}, not at the label"

    boot_pml4 = syms.by_name["boot_pml4"]
    boot, longmode, directmap = stops[0], stops[1], stops[3]
    assert f"CR3 <- {boot_pml4:#010x} (boot_pml4)" in info["boot"]
    assert not boot["cr0"] & CR0_PG, "paging is already on at the boot point"
    assert longmode["cr0"] & CR0_PG and longmode["efer"] & EFER_LMA
    assert longmode["cr3"] == boot_pml4
    assert f"CR3={boot_pml4:#x}" in info["longmode"] and "LMA 1" in info["longmode"]
    assert f"long_mode_entry {syms.by_name['long_mode_entry']:#x}" in info["longmode"]
    assert f"higher_half_entry {syms.by_name['higher_half_entry']:#x}" in info["higher"]
    m = re.match(r"CR3=(0x[0-9a-f]+) ", info["directmap"])
    assert m and int(m.group(1), 16) == directmap["cr3"] != boot_pml4
    assert re.fullmatch(r"pfn 0x[0-9a-f]+ order \d+ with buddy 0x[0-9a-f]+ -> order \d+ at 0x[0-9a-f]+ \(zone \w+\)",
                        info["merge"])
    assert re.fullmatch(r"order-\d+ block at pfn 0x[0-9a-f]+ -> upper half pfn 0x[0-9a-f]+ "
                        r"to free_area\[\d+\] \(zone \w+\)", info["split"])
    assert "magic breakpoints armed: boot longmode higher directmap split merge" in "\n".join(lines)


def test_qemu_boots_through_the_breakpoints(break_iso, tmp_path, emu_logs, boot_times):
    run = run_qemu("qemu-break", break_iso, "128M", tmp_path, timeout=60)
    emu_logs.add(run.serial_log)
    boot_times.add("qemu-break-128M", run.wall, f"exit {run.returncode}", None)
    lines = nonempty_lines(run.serial_bytes())
    assert run.returncode == QEMU_POWER_OFF_STATUS
    assert lines[-1] == "reboot: Power down" and "selftest: all passed" in lines
    assert [name for name, _ in break_lines(run.serial_bytes())] == ORDER


def test_qemu_break_ap_once_per_ap(artifacts, tmp_path, emu_logs, boot_times):
    """break=ap with QEMU -smp 3: each AP prints its ap line (its first C
    code, smpboot.c start_secondary()) before its online line, naming the
    same stack; CPU 0 never does."""
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", "break=ap poweroff", [])
    serial = tmp_path / "serial.log"
    emu_logs.add(serial)
    argv = qemu_argv(iso, "64M", serial) + ["-smp", "3", "-accel", "tcg,thread=multi"]
    run = run_until_exit("qemu-break-ap", argv, serial, 60, tmp_path / "qemu-stdout.log")
    boot_times.add("qemu-break-ap-64M", run.wall, f"exit {run.returncode}", None)
    lines = nonempty_lines(serial.read_bytes())
    assert run.returncode == QEMU_POWER_OFF_STATUS and lines[-1] == "reboot: Power down"
    assert "magic breakpoints armed: ap (split and merge stop the first 1 time each)" in lines
    ap = re.compile(r"^bochs-break: ap: CPU (\d+) \(APIC id (\d+)\) in start_secondary\(\): its first C code, on "
                    r"its stack \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], CR3=0x[0-9a-f]+; ")
    online = re.compile(r"^smpboot: CPU (\d+) \(APIC id (\d+)\) online: stack \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], ")
    seen = [("ap" if ap.match(line) else "online", (ap.match(line) or online.match(line)).groups())
            for line in lines if ap.match(line) or online.match(line)]
    assert [(kind, groups[0]) for kind, groups in seen] == [("ap", "1"), ("online", "1"), ("ap", "2"),
                                                            ("online", "2")]
    for i in (0, 2):
        stack = tuple(int(x, 16) for x in seen[i][1][2:])
        assert stack == tuple(int(x, 16) for x in seen[i + 1][1][2:]) and seen[i][1][:2] == seen[i + 1][1][:2]
        assert stack[1] - stack[0] + 1 == 16384 and stack[0] >= 0xFFFFC90000000000


def bochs_backtraces(stdout: str) -> list[list[tuple[str, int]]]:
    """After each magic breakpoint, the lines `bt` printed there: (symbol,
    offset) per frame, innermost first, the stop itself in the first."""
    traces: list[list[tuple[str, int]]] = []
    for line in stdout.replace("\r", "").splitlines():
        if line.strip() == "(0) Magic breakpoint":
            traces.append([])
        elif traces and (m := BT_LINE.match(line.strip())):
            traces[-1].append((m.group(2), int(m.group(3), 16)))
    return traces


def test_bochs_debug_build_shows_buddy_steps_as_frames(debug_kernel, artifacts, tmp_path_factory, tmp_path,
                                                       emu_logs, boot_times, monkeypatch):
    """make bochs DEBUG=1: the merge point stops in __free_one_page and the
    split point in expand() itself (at -O2: in the function it is inlined
    into), and Bochs's bt shows them called by another function."""
    out = tmp_path_factory.mktemp("debug-break-iso")
    iso = build_iso_variant(debug_kernel, artifacts.grub_cfg, out, "break=merge,split selftest poweroff", [])
    (out / "kernel.sym").write_bytes(debug_kernel.with_name("kernel.sym").read_bytes())
    monkeypatch.setenv("BOCHS_CMDS", str(REPO / "test" / "emu" / "bochs-frames.cmds"))
    run = run_bochs_headless("bochs-debug-frames", iso, "32M", tmp_path, timeout=60)
    emu_logs.add(run.serial_log, tmp_path / "bochs-stdout.log", tmp_path / "bochs.log")
    boot_times.add("bochs-debug-frames-32M", run.wall, "DEBUG=1, break=merge,split", None)
    lines = nonempty_lines(run.serial_bytes())
    assert lines and lines[-1] == "reboot: Power down" and "selftest: all passed" in lines
    assert [name for name, _ in break_lines(run.serial_bytes())] == ["merge", "split"]

    stdout = (tmp_path / "bochs-stdout.log").read_bytes().decode("utf-8", errors="replace")
    stops, traces = bochs_stops(stdout), bochs_backtraces(stdout)
    assert [stop.get("sym") for stop in stops] == ["__free_one_page", "expand"]
    merge, split = traces
    assert merge[0] == (stops[0]["sym"], stops[0]["off"]) and split[0] == (stops[1]["sym"], stops[1]["off"])
    assert len(merge) > 2 and merge[1][0] != "__free_one_page", merge
    assert len(split) > 2 and split[1][0] == "__rmqueue_smallest" and split[2][0] != "__rmqueue_smallest", split
