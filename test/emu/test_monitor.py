"""test_monitor.py - the serial monitor (src/monitor/) driven by hand:
pexpect types into QEMU's COM1 and reads the answers. One interactive boot
runs every command, every bad-input case, line editing and history, checks
each answer against what another command or the kernel ELF says (memmap's
free pages against meminfo, free_area against buddyinfo, x against the
ELF's bytes, walk against the direct map), then reboots and powers off.
A second boot runs a run="..." script from the command line that ends in
poweroff, with no input at all. The idle test leaves make run's machine
(two CPUs) at the prompt and reads QEMU's CPU time: the kernel must sleep
there, and still answer a key at once. The bench tests run the `bench` command
(src/test/kbench.c) in QEMU by hand and in Bochs from a run= script, where the
TSC counts instructions.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pexpect

from emulators import (
    ISA_DEBUG_EXIT,
    QEMU,
    QEMU_POWER_OFF_STATUS,
    TIME_SCALE,
    build_iso_variant,
    qemu_argv,
    qemu_smp_args,
    run_bochs_headless,
    run_until_exit,
)
from serial_log import (BuddyinfoReport, SerialLog, clean_lines, parse_buddyinfo, parse_meminfo, parse_zoneinfo,
                        usable_page_ranges)

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import pfnmap  # noqa: E402  (tools/pfnmap.py: the pfnmap v1/v2 parser)

PROMPT = "pagewise> "
PAGE_OFFSET = 0xFFFF888000000000
START_KERNEL_MAP = 0xFFFFFFFF80000000
COMMANDS = ("help", "meminfo", "buddyinfo", "zoneinfo", "memmap", "pfnmap", "page", "free_area", "pcp", "drain", "x",
            "xp", "walk",
            "alloc", "free", "allocs", "interrupts", "selftest", "verify", "bench", "cpus", "poweroff", "reboot")
HEX_LINE = re.compile(r"^([0-9a-f]{16})  ((?:[0-9a-f]{2} ){8} (?:[0-9a-f]{2} ){8}) \|(.{16})\|$")
UP = "\x1b[A"
DOWN = "\x1b[B"


class Monitor:
    """QEMU with COM1 on a pty; run() types a command and returns its
    answer's lines (the echo and the next prompt left out). A context
    manager: QEMU is closed at the end of the with block, however it ends."""

    def __init__(self, iso: Path, tmp: Path, no_reboot: bool = True, smp: str | None = None):
        argv = ["-m", "128M", "-display", "none", "-device", ISA_DEBUG_EXIT, "-cdrom", str(iso),
                "-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1", "-monitor", "none",
                *qemu_smp_args(smp)]
        if no_reboot:
            argv.insert(0, "-no-reboot")
        self.child = pexpect.spawn(QEMU, argv, timeout=60 * TIME_SCALE, encoding="utf-8",
                                   codec_errors="replace")
        self.log_path = tmp / "terminal.log"
        self.child.logfile_read = open(self.log_path, "w")
        self.start = time.monotonic()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def wait_prompt(self, timeout: float = 60) -> str:
        self.child.expect_exact(PROMPT, timeout=timeout * TIME_SCALE)
        return self.child.before

    def type(self, keys: str, timeout: float = 60) -> list[str]:
        """Send keys as they are; the lines up to the next prompt."""
        self.child.send(keys)
        return self.wait_prompt(timeout).replace("\r", "").split("\n")

    def run(self, cmd: str, timeout: float = 60) -> list[str]:
        lines = self.type(cmd + "\r", timeout)
        assert lines[0] == cmd, f"echo {lines[0]!r}, typed {cmd!r}"
        assert lines[-1] == "", f"the prompt is not at the start of a line: {lines[-1]!r}"
        return lines[1:-1]

    def power_off(self) -> None:
        """Type poweroff and wait for the kernel's last line and QEMU's exit."""
        self.child.send("poweroff\r")
        self.child.expect_exact("reboot: Power down")
        self.child.expect(pexpect.EOF)

    def close(self) -> None:
        self.child.close(force=True)
        self.child.logfile_read.close()

    def check_powered_off(self, boot_times, name: str, mem_total_kb: int | None) -> None:
        """After close(): QEMU exited as the kernel's poweroff makes it; the
        boot goes in the boot-time table as @name."""
        assert self.child.exitstatus == QEMU_POWER_OFF_STATUS
        boot_times.add(name, time.monotonic() - self.start, "powered off", mem_total_kb)


def elf_bytes(elf: Path, vaddr: int, n: int) -> bytes:
    """n bytes of the loaded image at vaddr, from the ELF64 file's PT_LOADs."""
    data = elf.read_bytes()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data,
                                                                              phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= vaddr and vaddr + n <= p_vaddr + p_filesz:
            return data[p_offset + vaddr - p_vaddr:p_offset + vaddr - p_vaddr + n]
    raise ValueError(f"{vaddr:#x} is in no PT_LOAD segment's file bytes")


def hexdump_bytes(lines: list[str], first: int) -> bytes:
    """The bytes of hexdump -C lines, checking that addresses run on from first."""
    out = b""
    for line in lines:
        m = HEX_LINE.match(line) or re.match(r"^([0-9a-f]{16})  ((?:[0-9a-f]{2} )+) +\|(.*)\|$", line)
        assert m, f"not a hexdump line: {line!r}"
        assert int(m.group(1), 16) == first + len(out)
        chunk = bytes.fromhex(m.group(2).replace(" ", ""))
        assert m.group(3) == "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        out += chunk
    return out


def check_usage(lines: list[str], error: str, usage: str) -> None:
    assert lines == [error, usage], lines


INTERRUPTS_ROW = re.compile(r"^( *\d+|[A-Z]{3}):((?: +\d+)+)(?:  +(.*))?$")


def parse_interrupts(lines: list[str]) -> tuple[list[str], dict[str, tuple[list[int], str]]]:
    """The `interrupts` answer (/proc/interrupts): the CPU names of the
    header, and each row's label -> (one count per CPU, the rest)."""
    cpus = lines[0].split()
    rows = {}
    for line in lines[1:]:
        m = INTERRUPTS_ROW.match(line)
        assert m, f"not a /proc/interrupts row: {line!r}"
        counts = [int(n) for n in m.group(2).split()]
        assert len(counts) == len(cpus) or m.group(1) == "ERR", line
        rows[m.group(1).strip()] = (counts, m.group(3) or "")
    return cpus, rows


def check_interrupts(mon: Monitor) -> None:
    """interrupts: CPU 0's column; COM1 on IRQ 4 (I/O APIC or 8259) counts
    the keys typed, the tick (LOC, or the PIT's IRQ 0 on the 8259) runs at
    HZ=100, and nothing unexpected came."""
    cpus, rows = parse_interrupts(mon.run("interrupts"))
    assert cpus[0] == "CPU0", cpus
    assert list(rows)[-5:] == ["LOC", "SPU", "NMI", "ERR", "CAL"], rows
    ttys = rows["4"]
    assert re.match(r"^ *(IO-APIC +4-edge|XT-PIC +4-edge) +ttyS0$", ttys[1]), ttys
    assert ttys[0][0] >= 1  # the line above came in by IRQ 4
    tick = "LOC" if rows["LOC"][0][0] else "0"
    assert tick == "LOC" or rows["0"][1].endswith("timer"), rows
    before = time.monotonic()
    time.sleep(1)
    cpus2, rows2 = parse_interrupts(mon.run("interrupts"))
    elapsed = time.monotonic() - before
    assert rows2["4"][0][0] > ttys[0][0]  # typing "interrupts" again
    ticks = rows2[tick][0][0] - rows[tick][0][0]
    assert 50 <= ticks <= 100 * (elapsed + 2 * TIME_SCALE), f"{ticks} ticks in {elapsed:.2f} s at HZ=100"
    assert rows2["ERR"][0] == [0]
    check_usage(mon.run("interrupts 1"), "interrupts: wrong number of arguments", "usage: interrupts")


MEMMAP_ROW = re.compile(r"^\[mem (0x[0-9a-f]{16})-(0x[0-9a-f]{16})\] (\S+) +free (\d+) pcp (\d+) allocated (\d+) "
                        r"memblock-reserved (\d+) not-RAM (\d+)$")
MEMMAP_VIEW = re.compile(r"^  \[mem (0x[0-9a-f]{16})-(0x[0-9a-f]{16})\] ([a-z_ A-Z-]+): (?:(\d+) free, (\d+) pcp, "
                         r"\d+ allocated pages|(\d+) pages)$")


def check_reports(mon: Monitor) -> tuple[dict[str, int], BuddyinfoReport, int, pfnmap.Block]:
    """meminfo, buddyinfo, zoneinfo, memmap and pfnmap of one moment, and
    whether they agree: a free page is in a free block or on a per-CPU list,
    MemFree counts both, each report tells them apart and counts the same
    pages. Returns (meminfo, buddyinfo, max_pfn, the pfnmap block)."""
    meminfo = parse_meminfo(mon.run("meminfo"))
    assert set(meminfo) == {"MemTotal", "MemFree", "MemAvailable"}
    lines = mon.run("buddyinfo")
    buddy = parse_buddyinfo(lines)
    # /proc/buddyinfo's lines, then one free_pcp line: no list's count,
    # high or batch (the pcp command's), each zone's pages once
    assert len(lines) == 3 and lines[2].startswith("free_pcp: ") and " high" not in lines[2]
    assert buddy.names == ["DMA", "DMA32"] and [zone for zone, _ in buddy.pcp] == ["DMA", "DMA32"]
    assert buddy.free_kb == meminfo["MemFree"]
    zoneinfo = parse_zoneinfo(mon.run("zoneinfo"))
    assert [z.name for z in zoneinfo] == ["DMA", "DMA32", "Normal"]
    for z in zoneinfo:
        if z.name in buddy.names:  # pages free: the buddy lists only; pagesets: the free_pcp line's pages
            assert z.free == buddy.zone(z.name).free_pages, z
            assert z.pcp_count == buddy.zone_pcp(z.name) and all(ps.count <= ps.high for ps in z.pagesets), z
        else:
            assert not z.populated and z.pagesets is None, z
    memmap = mon.run("memmap")
    k = next(i for i, line in enumerate(memmap) if line.startswith("kernel image: pfn "))
    rows = [MEMMAP_ROW.match(line) for line in memmap[1:k]]
    assert all(rows), memmap
    assert sum(int(r.group(4)) + int(r.group(5)) for r in rows) * 4 == meminfo["MemFree"]
    assert sum(int(r.group(5)) for r in rows) == buddy.pcp_pages
    # free, pcp, allocated and memblock-reserved pages are usable RAM; the
    # firmware's "reserved" ranges hold only pages that are not RAM
    assert all(r.group(3) == "usable" for r in rows if any(int(r.group(i)) for i in (4, 5, 6, 7)))
    assert all(int(r.group(8)) == 0 for r in rows if r.group(3) == "usable")
    assert any(int(r.group(8)) for r in rows if r.group(3) == "reserved")
    assert re.match(r"^kernel image: pfn 0x[0-9a-f]+-0x[0-9a-f]+ \(memblock-reserved\); ", memmap[k])
    max_pfn = int(re.search(r"max_pfn (0x[0-9a-f]+)", memmap[0]).group(1), 16)
    assert max_pfn << 12 == max(int(r.group(2), 16) + 1 for r in rows if r.group(3) == "usable")
    # then the kernel's view: runs that tile [0, max_pfn), buddy runs holding MemFree
    assert memmap[k + 1] == "what the kernel made of it (pfns 0 to max_pfn):"
    view = [MEMMAP_VIEW.match(line) for line in memmap[k + 2:]]
    assert all(view), memmap[k + 2:]
    assert [int(v.group(1), 16) for v in view] == [0] + [int(v.group(2), 16) + 1 for v in view[:-1]]
    assert int(view[-1].group(2), 16) + 1 == max_pfn << 12
    buddy_view = [v for v in view if v.group(3) == "buddy"]
    assert sum(int(v.group(4)) + int(v.group(5)) for v in buddy_view) * 4 == meminfo["MemFree"]
    assert sum(int(v.group(5)) for v in buddy_view) == buddy.pcp_pages
    assert {v.group(3) for v in view} >= {"memblock-reserved", "kernel image", "mem_map", "page tables", "buddy"}
    assert "reserved" not in {v.group(3) for v in view}  # the firmware's word, not the kernel's
    (block,) = pfnmap.parse("\n".join(mon.run("pfnmap")))
    assert block.version == 2 and block.max_pfn == max_pfn
    assert block.free_pages() * 4 == meminfo["MemFree"] and block.pages("P") == buddy.pcp_pages
    assert block.pages("M") + block.pages("K") + block.pages("T") + block.pages("R") == sum(
        int(v.group(6)) for v in view if v.group(3) in ("mem_map", "kernel image", "page tables", "memblock-reserved"))
    assert block.pages("H") == sum(int(v.group(6)) for v in view if v.group(3) == "not RAM")
    # every memblock-reserved page is whole usable RAM of the firmware map
    assert sum(int(r.group(7)) for r in rows) == sum(block.pages(c) for c in "RKMT")
    return meminfo, buddy, max_pfn, block


PCP_HEAD = re.compile(r"^pcp: zone (\S+) cpu (\d+): count (\d+) high (\d+) batch (\d+)$")
PAGE_WHY = {"H": "buddy: none (reserved page: not RAM)",
            "R": "buddy: none (reserved page: RAM memblock reserved at boot)",
            "K": "buddy: none (reserved page: the kernel image)", "M": "buddy: none (reserved page: mem_map)",
            "T": "buddy: none (reserved page: a page table)",
            "P": "buddy: none (free, on the per-CPU list of zone DMA32; drain gives it back to the buddy)"}


def pcp_lists(lines: list[str]) -> dict[tuple[str, int], tuple[tuple[int, int, int], list[int], int]]:
    """The pcp command's answer: {(zone, cpu): ((count, high, batch), the
    pfns shown, hottest first, the number of "... and N more")}."""
    out = {}
    for line in lines:
        m = PCP_HEAD.match(line)
        if m:
            key = (m.group(1), int(m.group(2)))
            out[key] = (tuple(int(g) for g in m.groups()[2:]), [], 0)
            continue
        m = re.match(r"^  pfn (0x[0-9a-f]+)-(0x[0-9a-f]+) \[mem (0x[0-9a-f]{16})-(0x[0-9a-f]{16})\]$", line)
        if m:
            pfn = int(m.group(1), 16)
            assert int(m.group(2), 16) == pfn and int(m.group(3), 16) == pfn << 12, line  # one page each
            out[key][1].append(pfn)
            continue
        m = re.match(r"^  \.\.\. and (\d+) more$", line)
        assert m, line
        out[key] = out[key][:2] + (int(m.group(1)),)
    return out


def check_per_cpu_lists(mon: Monitor) -> None:
    """pcp, page, pfnmap, memmap and drain on DMA32's per-CPU list, which
    the order-0 allocations and frees before left holding pages: freed
    pages go first on the list, the list shows 16 and counts the rest, the
    reports agree with it, and drain gives every page back."""
    meminfo, buddy, _, block = check_reports(mon)
    assert buddy.zone_pcp("DMA32") > 0
    # Take more pages than the list holds (it refills batch pages at a time),
    # then free them all: they go back first on the list, the last freed first.
    pfns = []
    for _ in range(20):
        m = re.match(r"^alloc: order 0 gfp 0x[0-9a-f]+: pfn (0x[0-9a-f]+) .* zone DMA32, held as #(\d+)$",
                     mon.run("alloc 0")[0])
        assert m
        pfns.append((int(m.group(1), 16), int(m.group(2))))
    for _, held in pfns:
        assert mon.run(f"free #{held}")[0].startswith(f"free: #{held} pfn ")
    meminfo2, buddy, _, block = check_reports(mon)
    assert meminfo2["MemFree"] == meminfo["MemFree"]
    lists = pcp_lists(mon.run("pcp"))
    assert list(lists) == [(zone, 0) for zone, _ in buddy.pcp]
    zoneinfo = {z.name: z for z in parse_zoneinfo(mon.run("zoneinfo"))}
    for zone, pages in buddy.pcp:
        (count, high, batch), shown, more = lists[(zone, 0)]
        assert count == pages and count <= high
        assert [(ps.count, ps.high, ps.batch) for ps in zoneinfo[zone].pagesets] == [(count, high, batch)]
        assert len(shown) == min(count, 16) and more == count - len(shown)
    (count, _, _), shown, more = lists[("DMA32", 0)]
    assert count > 20 and more == count - 16
    assert shown == [pfn for pfn, _ in reversed(pfns)][:16]  # hottest first
    # pfnmap shows each listed page as P, and no other page
    codes = {pfn: run.code for run in block.runs for pfn in range(run.start, run.end)}
    assert {pfn for pfn, _ in pfns} <= {pfn for pfn, code in codes.items() if code == "P"}
    assert block.pages("P") == count + lists[("DMA", 0)][0][0]
    # page: a listed page says so; a page of each other kind says what it is
    firsts = {}
    for pfn, code in sorted(codes.items()):
        firsts.setdefault(code[0], pfn)
    assert set(firsts) == {"H", "R", "K", "M", "T", "P", "F", "A"}
    for code, pfn in firsts.items():
        page = mon.run(f"page {pfn:#x}")
        if code in PAGE_WHY:
            assert page[-1] == PAGE_WHY[code], (code, page)
        else:
            assert page[-1].startswith("buddy: pfn "), (code, page)
    page = mon.run(f"page {shown[0]:#x}")
    assert page[0].endswith(" refcount:0 order:0 zone:DMA32") and page[1:] == ["flags: 0x8(pcp)", PAGE_WHY["P"]]
    # drain: every listed page back to the buddy, MemFree unchanged
    assert mon.run("drain") == [f"drain: {buddy.pcp_pages} pages from the per-CPU lists back to the buddy"]
    meminfo3, drained, _, block = check_reports(mon)
    assert meminfo3["MemFree"] == meminfo["MemFree"] and drained.pcp_pages == 0 == block.pages("P")
    assert drained.buddy_pages == buddy.buddy_pages + buddy.pcp_pages
    assert [line for line in mon.run("pcp")] == [f"pcp: zone {zone} cpu {cpu}: count 0 high {high} batch {batch}"
                                                 for (zone, cpu), ((_, high, batch), _, _) in lists.items()]
    assert mon.run(f"page {shown[0]:#x}")[1] != "flags: 0x8(pcp)"
    assert mon.run("drain") == ["drain: 0 pages from the per-CPU lists back to the buddy"]
    assert mon.run("help drain") == ["usage: drain", "give every page on the per-CPU lists back to the buddy lists "
                                     "(drain_all_pages)", "example: drain"]
    assert mon.run("help pcp")[0] == "usage: pcp"
    check_usage(mon.run("pcp 1"), "pcp: wrong number of arguments", "usage: pcp")
    assert mon.run("verify") == ["verify: 0 problems (every free-list invariant holds)"]


def check_page_forms(mon: Monitor, max_pfn: int) -> None:
    """page's argument: a number below max_pfn is a pfn, a direct-map
    address means its page; any other number is read as a physical address
    and the first line says so, since a pfn just past mem_map looks the
    same; pfn: and phys: say which. Bad ones get the error and the usage."""
    usage = "usage: page PFN|pfn:PFN|phys:PADDR|ADDR"
    last = mon.run(f"page {max_pfn - 1:#x}")
    assert f" pfn:{max_pfn - 1:#x} phys:{(max_pfn - 1) << 12:#x} " in last[0]
    for v in (max_pfn, max_pfn + 1):  # at and just above max_pfn: said, and read as an address
        lines = mon.run(f"page {v:#x}")
        assert lines[0] == (f"page: {v:#x} is not below max_pfn ({max_pfn:#x}), so no pfn: read as physical "
                            f"address {v:#x} (pfn {v >> 12:#x})")
        assert f" pfn:{v >> 12:#x} phys:{(v >> 12) << 12:#x} " in lines[1]
        assert mon.run(f"page phys:{v:#x}") == lines[1:]  # phys: says it, no note
        assert mon.run(f"page pfn:{v:#x}") == [f"page: pfn {v:#x} is beyond mem_map (max_pfn {max_pfn:#x})"]
    assert mon.run("page pfn:0x100") == mon.run("page 0x100000")[1:] == mon.run(f"page {PAGE_OFFSET + 0x100000:#x}")
    assert mon.run("page 1G") == [f"page: 0x40000000 is not below max_pfn ({max_pfn:#x}), so no pfn: read as physical "
                                  "address 0x40000000 (pfn 0x40000), which is beyond mem_map"]
    assert mon.run("page phys:1G") == [f"page: physical address 0x40000000 (pfn 0x40000) is beyond mem_map "
                                       f"(max_pfn {max_pfn:#x})"]
    assert mon.run(f"page {START_KERNEL_MAP:#x}") == [
        f"page: {START_KERNEL_MAP:#x} is no pfn (max_pfn {max_pfn:#x}), physical address (below 64 TiB) or "
        "direct-map address (walk shows where a virtual address maps)"]
    for bad in ("99999999999999999999", "pfn:zz", "phys:", "frame:12"):
        check_usage(mon.run(f"page {bad}"), f"page: '{bad}' is not a number (decimal or 0x-hex, optional K/M/G "
                    "suffix), with or without pfn: or phys: before it", usage)


def check_long_lines(mon: Monitor) -> None:
    """A line longer than the editor's 127 bytes is refused, whole, and is
    not run cut: the first extra byte rings the bell, none is echoed, and
    the line does not go into the history; Backspace takes extra bytes
    back, and a line that fits again runs."""
    before = mon.run("allocs")
    cmd = "xp 0x100000" + " " * 115 + "16"  # 128 bytes: cut to 127, it would dump 1 byte
    lines = mon.type(cmd + "\r")
    assert lines == [cmd[:127] + "\a", "line too long (128 characters, at most 127): not run", ""], lines
    lines = mon.type(UP + "\r")  # the history's newest is allocs, not the long line
    assert lines == ["allocs"] + before + [""], lines
    long = "verify" + " " * 200
    lines = mon.type(long + "\r")
    assert lines[-2] == "line too long (206 characters, at most 127): not run"
    lines = mon.type("verify" + " " * 125 + "\x7f" * 4 + "\r")  # 131 typed, 4 taken back: 127 fit
    assert lines[-2] == "verify: 0 problems (every free-list invariant holds)"


def test_monitor_interactive(artifacts, tmp_path, emu_logs, boot_times):
    """Every command and every bad-input case by hand, editing and history,
    then reboot (a real one: the kernel boots again) and poweroff."""
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso",
                            'run="verify; allocs"', [])
    with Monitor(iso, tmp_path, no_reboot=False) as mon:
        emu_logs.add(mon.log_path)
        # The run= script: each command echoed after the prompt, then its answer.
        boot = mon.wait_prompt().replace("\r", "").split("\n")
        assert boot[-1] == "" and boot[-2].startswith("Pagewise: boot complete. The monitor is on COM1")
        assert mon.wait_prompt().replace("\r", "") == "verify\nverify: 0 problems (every free-list invariant holds)\n"
        assert mon.wait_prompt().replace("\r", "") == "allocs\nallocs: 0 blocks held\n"
        lines = mon.run("help")
        assert [line.split()[0] for line in lines] == list(COMMANDS)
        assert all(len(line.split(None, 1)) == 2 for line in lines)
        assert mon.run("help walk") == ["usage: walk VADDR", "the page-table walk of VADDR, level by level",
                                        "example: walk 0xffff888000100000"]
        check_usage(mon.run("help nope"), "help: no command 'nope'", "usage: help [CMD]")
        check_interrupts(mon)

        # cpus: one CPU (QEMU's default), on the boot stack of boot.asm.
        lines = mon.run("cpus")
        assert lines[:2] == ["cpus: 1 possible, 1 online",
                             f"CPU  APIC id  state    {'stack':<39}  {'ticks':>10}  {'interrupts':>10}"]
        m = re.match(r"^  0        0  online   \[0x([0-9a-f]{16})-0x([0-9a-f]{16})\] +\d+ +\d+$", lines[2])
        assert m and len(lines) == 3, lines
        assert (int(m.group(1), 16), int(m.group(2), 16)) == (artifacts.symbol("boot_stack"),
                                                              artifacts.symbol("boot_stack_top") - 1)
        check_usage(mon.run("cpus 1"), "cpus: wrong number of arguments", "usage: cpus")

        # Reports, and whether they agree with each other.
        meminfo, buddy, max_pfn, _ = check_reports(mon)

        fa = mon.run("free_area 10")
        for zone in buddy.zones:
            head = f"free_area: zone {zone.zone} order 10 nr_free {zone.counts[10]}"
            i = fa.index(head)
            shown = min(zone.counts[10], 8)
            blocks = fa[i + 1:i + 1 + shown]
            for b in blocks:
                m = re.match(r"^  pfn (0x[0-9a-f]+)-(0x[0-9a-f]+) \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\]$", b)
                assert m and int(m.group(1), 16) % 1024 == 0 and int(m.group(2), 16) - int(m.group(1), 16) == 1023
            if zone.counts[10] > 8:
                assert fa[i + 1 + shown] == f"  ... and {zone.counts[10] - 8} more"
        assert len([line for line in mon.run("free_area") if line.startswith("free_area:")]) == 2 * 11
        check_usage(mon.run("free_area 11"), "free_area: order 11 is above MAX_PAGE_ORDER (10)",
                    "usage: free_area [ORDER]")

        # alloc, page, xp, x, walk, allocs, free: one block through its life.
        lines = mon.run("alloc 3 zero dma32")
        m = re.match(r"^alloc: order 3 gfp 0x[0-9a-f]+: pfn (0x[0-9a-f]+) \[mem (0x[0-9a-f]{16})-"
                     r"(0x[0-9a-f]{16})\] zone (DMA32|DMA), held as #0$", lines[0])
        assert m and len(lines) == 1, lines
        pfn, pa = int(m.group(1), 16), int(m.group(2), 16)
        assert pfn % 8 == 0 and pa == pfn << 12 and int(m.group(3), 16) == pa + 8 * 4096 - 1
        page = mon.run(f"page {pfn:#x}")
        assert re.match(rf"^page:0x[0-9a-f]{{16}} pfn:{pfn:#x} phys:{pa:#x} refcount:1 order:3 zone:", page[0])
        assert page[1].endswith("(head)") and page[2] == f"buddy: pfn {pfn ^ 8:#x} (of the order-3 block at pfn {pfn:#x})"
        assert mon.run(f"page {PAGE_OFFSET + pa + 4096:#x}")[2].startswith("page is inside the allocated block")
        assert hexdump_bytes(mon.run(f"xp {pa:#x} 0x40")[:-1], pa) == bytes(64)  # zeroed
        assert mon.run("allocs") == ["allocs: 1 blocks held",
                                      f"#0 pfn {pfn:#x} order 3 [mem {pa:#018x}-{pa + 8 * 4096 - 1:#018x}] "
                                      f"gfp {m.group(0).split('gfp ')[1].split(':')[0]} zone {m.group(4)}"]
        walk = mon.run(f"walk {PAGE_OFFSET + pa + 0x123:#x}")
        assert [line[:3] for line in walk[1:-1]] == ["PGD", "PUD", "PMD", "PTE"][:len(walk) - 2]
        assert all(" P RW " in line and line.endswith(" G NX") for line in walk[-2:-1])
        assert re.match(rf"^phys: {pa + 0x123:#018x} \((4K|2M|1G) page\)$", walk[-1])
        # free PFN ORDER: the pfn and order alloc and allocs print; anything
        # else the monitor does not hold is refused, saying what it holds
        assert mon.run(f"free {pfn:#x} 2") == [f"free: the monitor holds pfn {pfn:#x} at order 3, not 2: "
                                               f"say free {pfn:#x} 3"]
        assert mon.run(f"free {pfn + 1:#x} 3") == [f"free: pfn {pfn + 1:#x} is inside block #0 (pfn {pfn:#x} order "
                                                   f"3): say free {pfn:#x} 3, or free #0"]
        for addr in (pa, PAGE_OFFSET + pa):  # an address where the pfn belongs
            assert mon.run(f"free {addr:#x} 3") == [f"free: {addr:#x} is no pfn (max_pfn {max_pfn:#x}) but an "
                                                    f"address in pfn {pfn:#x}: free takes a pfn, as allocs lists them"]
        assert mon.run(f"free {pfn ^ 8:#x} 3") == [f"free: the monitor holds no block at pfn {pfn ^ 8:#x} "
                                                   f"(allocs lists them)"]
        assert mon.run("allocs")[0] == "allocs: 1 blocks held"  # none of those freed anything
        assert mon.run(f"free {pfn:#x} 3") == [f"free: #0 pfn {pfn:#x} order 3 [mem {pa:#018x}-"
                                               f"{pa + 8 * 4096 - 1:#018x}] freed"]
        assert mon.run("allocs") == ["allocs: 0 blocks held"]
        assert mon.run(f"free {pfn:#x} 3") == [f"free: the monitor holds no block at pfn {pfn:#x} (allocs lists them)"]
        assert parse_buddyinfo(mon.run("buddyinfo")) == buddy  # merged back as it was
        lines = mon.run("alloc 0 dma")
        assert "zone DMA," in lines[0] and int(re.search(r"pfn (0x[0-9a-f]+)", lines[0]).group(1), 16) < 4096
        assert lines[0].endswith("held as #1")  # numbers are never reused
        # free #ID: blocks keep their numbers when others go.
        ids = [int(mon.run("alloc 0")[0].rsplit("#", 1)[1]) for _ in range(3)]
        assert ids == [2, 3, 4]
        assert mon.run("free #3")[0].startswith("free: #3 pfn ")
        assert [line.split()[0] for line in mon.run("allocs")[1:]] == ["#1", "#2", "#4"]
        assert mon.run("free #3") == ["free: the monitor holds no block #3 (allocs lists them)"]
        for i in (2, 4):
            assert mon.run(f"free #{i}")[0].startswith(f"free: #{i} pfn ")
        assert mon.run("verify") == ["verify: 0 problems (every free-list invariant holds)"]
        check_per_cpu_lists(mon)

        # The kernel image: x against the ELF, walk against the image map.
        text = artifacts.symbol("_text")
        dump = mon.run(f"x {text:#x} 40")
        assert hexdump_bytes(dump[:-1], text) == elf_bytes(artifacts.kernel_elf, text, 40)
        assert dump[-1] == f"{text + 40:016x}"
        walk = mon.run(f"walk {text:#x}")
        assert [line[:3] for line in walk[1:-1]] == ["PGD", "PUD", "PMD", "PTE"]
        assert walk[-2].endswith(" P A G") or walk[-2].endswith(" P G")  # RX: no RW, no NX
        assert walk[-1] == f"phys: {text - START_KERNEL_MAP:#018x} (4K page)"

        # Bad input: a one-line error and the usage, never a fault.
        check_usage(mon.run("frobnicate 1"), "frobnicate: unknown command", "usage: help [CMD]")
        check_usage(mon.run("x zz"), "x: 'zz' is not a number (decimal or 0x-hex, optional K/M/G suffix)",
                    "usage: x VADDR [LEN]")
        check_usage(mon.run("xp 0x1000 12Q"), "xp: '12Q' is not a number (decimal or 0x-hex, optional K/M/G "
                    "suffix)", "usage: xp PADDR [LEN]")
        check_usage(mon.run("x"), "x: wrong number of arguments", "usage: x VADDR [LEN]")
        check_usage(mon.run("alloc 11"), "alloc: order 11 is above MAX_PAGE_ORDER (10)",
                    "usage: alloc ORDER [zero|dma|dma32]...")
        check_usage(mon.run("alloc 1 huge"), "alloc: unknown modifier 'huge' (zero, dma, dma32)",
                    "usage: alloc ORDER [zero|dma|dma32]...")
        check_usage(mon.run("alloc 1 dma dma32"), "alloc: dma and dma32 exclude each other",
                    "usage: alloc ORDER [zero|dma|dma32]...")
        check_usage(mon.run("free 0x1000"), "free: '0x1000' is not #ID (a number allocs shows)",
                    "usage: free PFN ORDER | #ID")
        check_usage(mon.run("free 1 2 3"), "free: wrong number of arguments", "usage: free PFN ORDER | #ID")
        check_usage(mon.run("free 0x1000 x"), "free: 'x' is not a number (decimal or 0x-hex, optional K/M/G suffix)",
                    "usage: free PFN ORDER | #ID")
        assert mon.run("help free") == ["usage: free PFN ORDER | #ID",
                                        "free a block the monitor holds, by its pfn and order or its #ID (as alloc "
                                        "and allocs print them)", "example: free 0x7ed0 3"]
        check_page_forms(mon, max_pfn)
        assert mon.run("x 0") == ["x: 0x0 is not mapped (virtual 0x0: no present entry at level 4)"]
        # a non-canonical address: said so, never read (it would raise #GP)
        for cmd in ("x", "walk"):
            for va in (0x0000800000000000, 0x0000888000100000, 0xFFFF7FFFFFFFF000):
                assert mon.run(f"{cmd} {va:#x}") == [f"{cmd}: {va:#018x} is not canonical: bits 63..47 must all "
                                                     "equal bit 47"]
        assert mon.run("walk 0x00007fffffffffff")[-1] == "walk: 0x7fffffffffff is not mapped (PGD not present)"
        lines = mon.run("x 0x00007ffffffffff0 32")  # the last canonical low page, then the hole
        assert lines == ["x: 0x7ffffffffff0 is not mapped (virtual 0x7ffffffffff0: no present entry at level 4)"]
        assert mon.run("xp 0x7fffffffffffff") == ["xp: 0x7fffffffffffff is beyond the direct map (64 TiB)"]
        assert mon.run("walk 0x1000")[-1] == "walk: 0x1000 is not mapped (PGD not present)"
        # A dump that runs from RAM into the hole after it stops there.
        top = (max_pfn << 12) - 32
        lines = mon.run(f"xp {top:#x} 64")
        assert len(lines) == 3 and len(hexdump_bytes(lines[:2], top)) == 32
        assert lines[2].startswith(f"xp: {top + 32:#x} is not mapped (virtual {PAGE_OFFSET + top + 32:#x}: ")
        lines = mon.run(f"x {PAGE_OFFSET:#x} 5K")
        assert lines[0] == "x: length 5120 capped at 4096 bytes"
        assert len(hexdump_bytes(lines[1:-1], PAGE_OFFSET)) == 4096 and lines[-1] == f"{PAGE_OFFSET + 4096:016x}"

        # Line editing: Backspace, Ctrl-U, Ctrl-C; history on up and down.
        lines = mon.type("meminfX\x7fo\r")
        assert lines[0] == "meminfX\b \bo" and set(parse_meminfo(lines)) == set(meminfo)
        assert mon.type("nonsense\x15allocs\r")[-3] == "allocs: 1 blocks held"
        lines = mon.type("alloc 4\x03")
        assert lines == ["alloc 4^C", ""]
        assert mon.run("allocs")[0] == "allocs: 1 blocks held"  # the dropped line did not run
        assert mon.type(UP + "\r")[-3] == "allocs: 1 blocks held"
        mon.run("buddyinfo")
        mon.run("allocs")
        lines = mon.type(UP + UP + DOWN + UP + "\r")  # allocs, buddyinfo, allocs, buddyinfo
        assert parse_buddyinfo(lines).names == ["DMA", "DMA32"] and lines[-2].startswith("free_pcp: DMA ")
        lines = mon.type(UP + UP + "\r")  # buddyinfo is the newest now: then allocs
        assert lines[-3] == "allocs: 1 blocks held"
        lines = mon.type(UP + "\x7f" * 20 + "verify\r")
        assert lines[-2] == "verify: 0 problems (every free-list invariant holds)"
        check_long_lines(mon)

        # selftest again, then a real reboot: the kernel comes up again.
        lines = mon.run("selftest", timeout=120)
        assert lines[-1] == "selftest: all passed" and "KTAP version 1" in lines
        mon.child.send("reboot\r")
        mon.child.expect_exact("reboot: Restarting system")
        mon.child.expect_exact("Pagewise 0.1: a teaching kernel")
        mon.wait_prompt()
        mon.wait_prompt()
        mon.wait_prompt()  # after the script's allocs
        assert mon.run("allocs") == ["allocs: 0 blocks held"]  # a fresh kernel
        mon.power_off()
    mon.check_powered_off(boot_times, "qemu-monitor", meminfo["MemTotal"])


def test_monitor_script_powers_off(artifacts, tmp_path, emu_logs, boot_times):
    """run="...; poweroff": the commands run at boot, each echoed after the
    prompt, and the machine powers off with no input at all."""
    long = "alloc 0" + " zero" * 26  # 137 bytes: refused as a typed line would be, not cut and run
    cmdline = f'run="meminfo; alloc 2 dma;allocs ;  verify; {long}; allocs; poweroff; help"'
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", cmdline, [])
    serial = tmp_path / "serial.log"
    emu_logs.add(serial)
    run = run_until_exit("qemu-monitor-run", qemu_argv(iso, "64M", serial), serial, 60, tmp_path / "qemu-stdout.log")
    log = SerialLog.read(serial)
    lines = clean_lines(serial.read_bytes())
    assert run.returncode == QEMU_POWER_OFF_STATUS, f"QEMU status {run.returncode}"
    # GRUB splits the unquoted $pagewise_cmdline into words, joins them with
    # one space, and passes each quote as \" (the kernel drops the backslash).
    assert log.cmdline == re.sub(" +", " ", cmdline).replace('"', '\\"')
    prompts = [line for line in lines if line.startswith(PROMPT)]
    assert prompts == [PROMPT + c for c in ("meminfo", "alloc 2 dma", "allocs", "verify", long[:127], "allocs",
                                            "poweroff")]
    i = lines.index(PROMPT + "allocs")
    assert lines[i + 1] == "allocs: 1 blocks held" and re.match(r"^#0 pfn 0x[0-9a-f]+ order 2 .* zone DMA$",
                                                                 lines[i + 2])
    i = lines.index(PROMPT + long[:127])
    assert lines[i + 1:i + 4] == ["line too long (137 characters, at most 127): not run", PROMPT + "allocs",
                                  "allocs: 1 blocks held"]
    assert lines[lines.index(PROMPT + "verify") + 1].startswith("verify: 0 problems")
    assert [line for line in lines if line][-1] == "reboot: Power down"  # help never ran
    boot_times.add("qemu-monitor-run", run.wall, "powered off", parse_meminfo(lines).get("MemTotal"))


def test_monitor_cpus_smp(artifacts, tmp_path, emu_logs, boot_times):
    """cpus with QEMU -smp 2: both CPUs online, CPU 1 with APIC id 1 on a
    16 KiB stack in the vmalloc area, the one its boot line named."""
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", 'run="cpus; poweroff"', [])
    serial = tmp_path / "serial.log"
    emu_logs.add(serial)
    argv = qemu_argv(iso, "64M", serial, smp=2)
    run = run_until_exit("qemu-monitor-cpus", argv, serial, 60, tmp_path / "qemu-stdout.log")
    lines = clean_lines(serial.read_bytes())
    assert run.returncode == QEMU_POWER_OFF_STATUS, f"QEMU status {run.returncode}"
    online = [re.match(r"^smpboot: CPU 1 \(APIC id 1\) online: stack \[(0x[0-9a-f]{16})-(0x[0-9a-f]{16})\], "
                       r"guard page at (0x[0-9a-f]{16})$", line) for line in lines]
    online = [m for m in online if m]
    assert len(online) == 1, "CPU 1's online line"
    base, last, guard = (int(g, 16) for g in online[0].groups())
    assert guard == base - 4096 and last - base + 1 == 16384 and 0xFFFFC90000000000 <= guard < 0xFFFFC90040000000
    i = lines.index(PROMPT + "cpus")
    assert lines[i + 1] == "cpus: 2 possible, 2 online"
    rows = [line.split() for line in lines[i + 3:i + 5]]
    assert [r[:3] for r in rows] == [["0", "0", "online"], ["1", "1", "online"]], lines[i:i + 5]
    assert rows[1][3] == f"[{base:#018x}-{last:#018x}]"
    boot_times.add("qemu-monitor-cpus", run.wall, "powered off", parse_meminfo(lines).get("MemTotal"))


def _pfn_codes(block) -> dict[int, str]:
    """Every pfn of a pfnmap block with its code."""
    return {pfn: run.code for run in block.runs for pfn in range(run.start, run.end)}


def test_pfnmap_dump_and_memplot(artifacts, tmp_path, emu_logs, boot_times):
    """make dump's path (scripts/dump.sh) with pfnmap before and after three
    allocations: each map covers 0..max_pfn, its free pages are MemFree, its
    holes are what the printed firmware map says, mem_map and the kernel
    image sit where the boot log and memmap say, exactly the allocated
    blocks and the pages the order-0 one left on DMA32's per-CPU list (P)
    changed; then tools/memplot draws both."""
    cmdline = 'run="meminfo; pfnmap; alloc 3; alloc 0 dma; alloc 0; pcp; buddyinfo; pfnmap; memmap; poweroff"'
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", cmdline, [])
    out = tmp_path / "dump.txt"
    emu_logs.add(out)
    start = time.monotonic()
    res = subprocess.run([str(REPO / "scripts" / "dump.sh"), str(iso), "128M", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=360)
    wall = time.monotonic() - start
    assert res.returncode == 0, res.stdout + res.stderr
    text = out.read_text()
    assert "\x1b" not in text and text.startswith("Pagewise ")  # GRUB's screen is gone
    log = SerialLog.read(out)
    lines = text.splitlines()
    before, after = pfnmap.parse(text)
    max_pfn = before.max_pfn
    assert after.max_pfn == max_pfn and before.runs[-1].end == max_pfn

    # free pages: MemFree of the meminfo just before
    assert before.free_pages() * 4 == parse_meminfo(lines[lines.index(PROMPT + "meminfo"):])["MemFree"]
    # holes: the pfns below max_pfn that are no whole usable page of the map
    ram = {p for a, b in usable_page_ranges(log.mmap) for p in range(a, min(b, max_pfn))}
    codes = _pfn_codes(before)
    assert {p for p, c in codes.items() if c == "H"} == set(range(max_pfn)) - ram
    # mem_map where the boot log put it; the kernel image as memmap says
    m_start, m_end, _ = log.mem_map_at
    assert {p for p, c in codes.items() if c == "M"} == set(range(m_start >> 12, -(-m_end // 4096)))
    k = re.search(r"^kernel image: pfn (0x[0-9a-f]+)-(0x[0-9a-f]+) \(memblock-reserved\)", text, re.M)
    k_pfns = set(range(int(k.group(1), 16), int(k.group(2), 16) + 1))
    assert {p for p, c in codes.items() if c == "K"} <= k_pfns
    assert {p for p, c in codes.items() if c == "T"}  # the kernel's page tables
    # the three allocations, and the pages the order-0 refill of DMA32's
    # per-CPU list left on it (the pcp command lists them), and nothing else,
    # changed; DMA's batch is 1 here, so its list is empty again
    allocs = [re.search(r"pfn (0x[0-9a-f]+)", line).group(1) for line in lines if line.startswith("alloc: ")]
    a3, a0_dma, a0 = (int(a, 16) for a in allocs)
    lists = pcp_lists(lines[lines.index(PROMPT + "pcp") + 1:lines.index(PROMPT + "buddyinfo")])
    buddy = parse_buddyinfo(lines[lines.index(PROMPT + "buddyinfo"):])
    (count, _, batch), listed, _ = lists[("DMA32", 0)]
    assert count == batch - 1 == len(listed) == buddy.pcp_pages and lists[("DMA", 0)][0][0] == 0
    assert buddy.pcp == (("DMA", 0), ("DMA32", count))
    codes2 = _pfn_codes(after)
    changed = {p for p in codes if codes[p] != codes2[p] and not (codes[p][0] == "F" and codes2[p][0] == "F")}
    assert changed == set(range(a3, a3 + 8)) | {a0_dma, a0} | set(listed)
    assert all(codes2[p] == "A3" for p in range(a3, a3 + 8)) and codes2[a0_dma] == codes2[a0] == "A0"
    assert a0_dma < 4096 <= a0 and all(codes2[p] == "P" for p in listed)
    assert after.pages("P") == count and after.free_pages() == before.free_pages() - 10
    # memmap's view agrees with the map: its buddy runs hold the free pages
    view = [line for line in lines[lines.index(PROMPT + "memmap"):] if line.startswith("  [mem ")]
    free = [tuple(map(int, m.groups())) for m in (re.search(r"buddy: (\d+) free, (\d+) pcp", v) for v in view) if m]
    assert (sum(f for f, _ in free), sum(p for _, p in free)) == (after.pages("F"), after.pages("P"))

    png, svg = tmp_path / "memory.png", tmp_path / "memory.svg"
    res = subprocess.run([str(REPO / "tools" / "memplot"), str(out), "--all", "-o", str(png), "--svg", str(svg)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert png.stat().st_size > 10000 and "mem_map" in svg.read_text()
    boot_times.add("qemu-pfnmap-dump", wall, "powered off", parse_meminfo(lines).get("MemTotal"))


# bench (src/test/kbench.c): one line per workload, in this order.
BENCH_WORKLOADS = ("order0", "mixed", "zero")
BENCH_LINE = re.compile(r"^bench: (order0|mixed|zero): (\d+) ops, (\d+) cycles, (\d+)\.(\d) cycles/op \(rdtsc\)"
                        r"(?:, (\d+) refused)?$")
BENCH_CALIBRATION = re.compile(r"^bench: calibration: 2000000 instructions in (\d+) cycles \((\d+\.\d{3}) cycles per "
                               r"instruction; dec/jnz loop, (\d+) cycles for 1000001 passes less (\d+) for 1\)$")
BENCH_BACK = re.compile(r"^bench: allocator back in its starting state \((\d+) free pages, the same free blocks per "
                        r"zone and order, buddy_verify: 0 problems\)$")
BENCH_USAGE = "usage: bench [order0|mixed|zero|all] [N]"


def parse_bench(lines: list[str]) -> dict:
    """One bench run's answer, checked line by line: the header, the
    calibration, the start, the workload lines (each cycles/op the rounded
    quotient of its numbers) and the allocator back where it started.
    Returns {"cpu", "calibration": cycles, "free": pages at the start,
    workload: (ops, cycles)} ."""
    out: dict = {}
    m = re.match(r"^bench: cpu: (.+) \((\w+)\), invariant TSC: (yes|no)$", lines[0])
    assert m, lines[0]
    out["cpu"], out["invariant_tsc"] = m.group(1), m.group(3) == "yes"
    assert lines[1] == "bench: cycles are TSC ticks (lfence; rdtsc), interrupts off"
    assert lines[2].startswith("bench: under QEMU TCG the TSC is emulated"), lines[2]
    lines = [line for line in lines[3:] if not line.startswith("bench: note: ")]  # mm_debug=, page_poison=
    m = BENCH_CALIBRATION.match(lines[0])
    assert m, lines[0]
    cal, t_long, t_one = int(m.group(1)), int(m.group(3)), int(m.group(4))
    assert cal == t_long - t_one and cal > 0
    out["calibration"] = cal
    m = re.match(r"^bench: start: (\d+) free pages \((\d+) kB\), per-CPU lists drained, buddy_verify: 0 problems$",
                 lines[1])
    assert m and int(m.group(2)) == 4 * int(m.group(1)), lines[1]
    out["free"] = int(m.group(1))
    seen = []
    for line in lines[2:-1]:
        if line.startswith("bench: mixed: seed "):
            assert re.match(r"^bench: mixed: seed 0x9e3779b97f4a7c15, orders 0\.\.10, target (\d+) pages \(50 % of "
                            rf"{out['free']} free, capped at 262144\), at most 4096 blocks held; (\d+) steps "
                            r"untimed, then \2 timed$", line), line
            continue
        m = BENCH_LINE.match(line)
        assert m, line
        name, ops, cycles = m.group(1), int(m.group(2)), int(m.group(3))
        assert (m.group(6) is not None) == (name == "mixed"), line
        q = (cycles * 10 + ops // 2) // ops
        assert (int(m.group(4)), int(m.group(5))) == (q // 10, q % 10), line
        assert cycles > 0, line
        out[name] = (ops, cycles)
        seen.append(name)
    assert seen == [w for w in BENCH_WORKLOADS if w in seen], seen  # in order, each once
    m = BENCH_BACK.match(lines[-1])
    assert m and int(m.group(1)) == out["free"], lines[-1]
    return out


def test_monitor_bench(artifacts, tmp_path, emu_logs, boot_times):
    """bench typed at the prompt in QEMU: each workload alone, all three,
    the defaults; op counts as asked, cycles > 0, the allocator back in its
    starting state and MemFree unchanged; bad input gets the error and the
    usage."""
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", 'run="meminfo"', [])
    with Monitor(iso, tmp_path) as mon:
        emu_logs.add(mon.log_path)
        mon.wait_prompt()
        before = parse_meminfo(mon.wait_prompt().replace("\r", "").split("\n"))
        free_pages = before["MemFree"] // 4
        for cmd, ops in (("bench order0 1000", {"order0": 1000}), ("bench mixed 500", {"mixed": 500}),
                         ("bench zero 200", {"zero": 200}),
                         ("bench all 300", dict.fromkeys(BENCH_WORKLOADS, 300)),
                         ("bench all 0x100", dict.fromkeys(BENCH_WORKLOADS, 256)),
                         ("bench order0 1K", {"order0": 1024}),
                         ("bench", {"order0": 100000, "mixed": 20000, "zero": 100000})):
            res = parse_bench(mon.run(cmd))
            assert {w: res[w][0] for w in BENCH_WORKLOADS if w in res} == ops, cmd
            assert res["free"] == free_pages, cmd
            assert res["cpu"] and res["calibration"] > 0
        assert parse_meminfo(mon.run("meminfo")) == before
        assert mon.run("verify") == ["verify: 0 problems (every free-list invariant holds)"]
        assert mon.run("allocs") == ["allocs: 0 blocks held"]

        check_usage(mon.run("bench bogus"), "bench: unknown workload 'bogus' (order0, mixed, zero, all)", BENCH_USAGE)
        check_usage(mon.run("bench order0 0"), "bench: N must be 1 to 10000000", BENCH_USAGE)
        check_usage(mon.run("bench all 20M"), "bench: N must be 1 to 10000000", BENCH_USAGE)
        check_usage(mon.run("bench zero lots"), "bench: 'lots' is not a number (decimal or 0x-hex, optional K/M/G "
                    "suffix)", BENCH_USAGE)
        check_usage(mon.run("bench all 1 2"), "bench: wrong number of arguments", BENCH_USAGE)
        assert mon.run("help bench") == [BENCH_USAGE, "time N alloc+free pairs of each workload in TSC cycles "
                                         "(default N 100000, mixed 20000)", "example: bench order0 10000"]
        assert parse_meminfo(mon.run("meminfo")) == before
        mon.power_off()
    mon.check_powered_off(boot_times, "qemu-monitor-bench", before["MemTotal"])


def test_bench_in_bochs(artifacts, tmp_path, emu_logs, boot_times):
    """run="bench all 2000; poweroff" in Bochs (scripts/bochsrc.template:
    clock sync=none, fixed ips): the TSC advances by exactly one per
    instruction, so the calibration loop's 2,000,000 instructions take
    2,000,000 cycles and cycles/op are instructions/op; and the run is
    deterministic: a second bench gives the same cycles, to the tick."""
    iso_dir = tmp_path / "iso"
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, iso_dir,
                            'run="bench all 2000; bench all 2000; poweroff"', [])
    (iso_dir / "kernel.sym").write_bytes(artifacts.kernel_sym.read_bytes())  # bochs.sh loads it
    (tmp_path / "bochs").mkdir()
    run = run_bochs_headless("bochs-bench", iso, "64M", tmp_path / "bochs", 60)
    emu_logs.add(run.serial_log, *run.other_logs)
    lines = clean_lines(run.serial_bytes())
    assert [line for line in lines if line][-1] == "reboot: Power down", lines[-5:]
    prompts = [i for i, line in enumerate(lines) if line == PROMPT + "bench all 2000"]
    assert len(prompts) == 2, prompts
    end = lines.index(PROMPT + "poweroff")
    runs = [parse_bench(lines[a + 1:b]) for a, b in ((prompts[0], prompts[1]), (prompts[1], end))]
    for res in runs:
        assert res["cpu"] == "Intel(R) Core(TM) i7-2600K CPU @ 3.40GHz" and res["invariant_tsc"]
        assert res["calibration"] == 2000000  # one TSC tick per instruction, exactly
        assert all(res[w][0] == 2000 and res[w][1] > 2000 for w in BENCH_WORKLOADS)
    assert runs[0] == runs[1]  # the same instructions each time
    boot_times.add("bochs-bench", run.wall, "powered off", parse_meminfo(lines).get("MemTotal"))


# The idle monitor (make run left at the prompt): over IDLE_SECONDS of wall
# time QEMU may use at most IDLE_MAX_SHARE of it in CPU time (all its
# threads). A kernel that polls the UART keeps a host core busy (~100 %);
# one that sleeps in hlt costs QEMU a few per cent, the timer ticks of two
# CPUs at HZ=100. The bound is generous so that a loaded host cannot make
# it fail: a host that is short of CPU time only lowers the share.
IDLE_SECONDS = 5.0
IDLE_MAX_SHARE = 0.25
IDLE_SETTLE_LIMIT = 30.0  # seconds to wait for the first quiet half second after the prompt
KEY_ANSWER_SECONDS = 2.0  # a key typed at the idle prompt is echoed, a command answered, within this
RUN_SMP = "2"  # the Makefile's SMP default: make run's machine


def qemu_cpu_seconds(pid: int) -> float:
    """CPU time, user and system, that process @pid (every thread of it)
    has used so far: utime + stime, fields 14 and 15 of /proc/PID/stat, in
    clock ticks (sysconf(_SC_CLK_TCK))."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3 (state): comm may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid: int, seconds: float) -> float:
    """The share of @seconds of wall time that process @pid spent on a CPU."""
    cpu0, wall0 = qemu_cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (qemu_cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0)


def test_idle_monitor_sleeps_and_answers_at_once(artifacts, tmp_path, emu_logs, boot_times, record_property):
    """make run's machine (QEMU, two CPUs, -accel tcg,thread=multi) boots to
    the prompt and is left alone: once quiet (a first half second below the
    bound, at most IDLE_SETTLE_LIMIT s after the prompt), QEMU's CPU time
    over IDLE_SECONDS must stay below IDLE_MAX_SHARE of the wall time: the
    kernel sleeps in hlt until a key or a tick (CPU 0 in the monitor, the
    other in its idle loop). Then a key typed is echoed, and a command
    answered, within KEY_ANSWER_SECONDS each: the COM1 interrupt wakes it."""
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", "", [])
    with Monitor(iso, tmp_path, smp=RUN_SMP) as mon:
        emu_logs.add(mon.log_path)
        boot = mon.wait_prompt().replace("\r", "").split("\n")
        assert boot[-2].startswith("Pagewise: boot complete. The monitor is on COM1"), boot[-3:]
        assert "smp: Brought up 1 node, 2 CPUs" in boot, "make run's machine has two CPUs: both must come up"
        deadline = time.monotonic() + IDLE_SETTLE_LIMIT * TIME_SCALE
        while (settle := cpu_share(mon.child.pid, 0.5)) >= IDLE_MAX_SHARE:
            assert time.monotonic() < deadline, \
                f"QEMU still uses {settle:.0%} of a core {IDLE_SETTLE_LIMIT:.0f} s after the prompt: no sleep"
        share = cpu_share(mon.child.pid, IDLE_SECONDS)
        record_property("idle_cpu_share", round(share, 4))
        print(f"idle monitor: QEMU used {share:.1%} of {IDLE_SECONDS:.0f} s of wall time on a CPU")
        assert share < IDLE_MAX_SHARE, \
            f"QEMU used {share:.0%} of the wall time at the idle prompt (at most {IDLE_MAX_SHARE:.0%}): " \
            "the kernel does not sleep while it waits for a key"
        # A key, then a command, each answered at once.
        start = time.monotonic()
        mon.child.send("m")
        mon.child.expect_exact("m", timeout=KEY_ANSWER_SECONDS * TIME_SCALE)
        echoed = time.monotonic() - start
        start = time.monotonic()
        lines = mon.type("eminfo\r", timeout=KEY_ANSWER_SECONDS)
        answered = time.monotonic() - start
        print(f"idle monitor: key echoed after {echoed * 1000:.0f} ms, meminfo answered after "
              f"{answered * 1000:.0f} ms")
        assert lines[0] == "eminfo" and set(parse_meminfo(lines)) == {"MemTotal", "MemFree", "MemAvailable"}, lines
        mon.power_off()
    mon.check_powered_off(boot_times, "qemu-idle-monitor-smp2", parse_meminfo(lines)["MemTotal"])
