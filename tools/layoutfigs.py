#!/usr/bin/python3
"""layoutfigs.py - the pictures, tables and sums of docs/memory-layout.md,
drawn from a boot's own log and the kernel's own symbols, never from numbers
typed by hand.

Usage: tools/layoutfigs.py LOG128 LOG5G KERNEL.ELF

LOG128 and LOG5G are `make dump` transcripts (build/dump.txt) of a 128 MiB
and a 5 GiB boot whose monitor ran memmap (and, at 128 MiB, selftest);
KERNEL.ELF is the kernel they booted (its symbols come from nm). Prints one
section per figure, each after a line "== NAME ==", then "fact NAME: VALUE"
lines for the numbers the doc's prose quotes. Every figure rests on what the
doc says about the layout (the order of the regions, which reservation lies
in which zone) and every sum is checked against what the kernel printed:
where the kernel no longer fits the figure, the tool stops with an error
that names the figure, instead of drawing a wrong one.

`make docs` runs it (the run memory-layout-figures of
docs/runs/memory-layout.toml) and copies the sections into the doc.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from dataclasses import dataclass, field

from serial_log import intersect, merge, subtract

PAGE = 4096
KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
KERNEL_VMA = 0xFFFFFFFF80000000  # __START_KERNEL_map (memlayout.h)
PAGE_OFFSET = 0xFFFF888000000000
MAX_ORDER = 10
DMA_END, DMA32_END = 16 * MiB // PAGE, 4 * GiB // PAGE  # zone limits, in pfns
# Linux's defaults, as mmzone.h has them.
WATERMARK_SCALE_FACTOR = 10
LOWMEM_RESERVE_RATIO = (256, 256, 32)
ZONES = ("DMA", "DMA32", "Normal")

MEM = r"\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]"


class FigureError(Exception):
    """The kernel's output no longer fits a figure: the message says which."""


def check(cond: bool, figure: str, what: str) -> None:
    if not cond:
        raise FigureError(f"{figure}: {what}")


@dataclass
class Boot:
    """What one boot's log says, as numbers (ends are exclusive)."""

    mmap: list = field(default_factory=list)  # (start, end, type)
    reserves: list = field(default_factory=list)  # (start, end, what)
    direct: tuple = ()  # (end of the map, n1G, n2M, n4K)
    pt_pages: int = 0
    mem_map: tuple = ()  # (start, end, pages, bytes per struct page)
    memory: dict = field(default_factory=dict)  # the Memory: line, in KiB
    meminfo: dict = field(default_factory=dict)  # MemTotal.. in kB
    buddyinfo: dict = field(default_factory=dict)  # zone -> counts (the boot report's)
    zones: dict = field(default_factory=dict)  # zone -> zoneinfo fields (the boot report's)
    ranges: dict = field(default_factory=dict)  # zone -> (start, end) or None
    freed: list = field(default_factory=list)  # (start, end, what, pages)
    made: list = field(default_factory=list)  # memmap: (start, end, what)
    selftest_free: int | None = None  # kB
    gfp_kernel: dict = field(default_factory=dict)  # zone -> (free, min, protection)

    @classmethod
    def parse(cls, text: str) -> Boot:
        b = cls()
        zone = None
        for line in text.splitlines():
            if m := re.match(rf"mmap: {MEM} (\w+)", line):
                b.mmap.append((int(m[1], 16), int(m[2], 16) + 1, m[3]))
            elif m := re.match(rf"memblock: reserve {MEM} (.*)", line):
                b.reserves.append((int(m[1], 16), int(m[2], 16) + 1, m[3]))
            elif m := re.match(rf"paging: direct map of the RAM in {MEM} at \S+: (\d+) x 1G, (\d+) x 2M, (\d+) x 4K",
                               line):
                b.direct = (int(m[2], 16) + 1, int(m[3]), int(m[4]), int(m[5]))
            elif m := re.match(r"paging: kernel image at .*; (\d+) page-table pages", line):
                b.pt_pages = int(m[1])
            elif m := re.match(rf"mm: mem_map at {MEM}: (\d+) pages x (\d+) bytes", line):
                b.mem_map = (int(m[1], 16), int(m[2], 16) + 1, int(m[3]), int(m[4]))
            elif m := re.match(r"  (DMA|DMA32|Normal) +(?:\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]|empty)$", line):
                b.ranges[m[1]] = (int(m[2], 16), int(m[3], 16) + 1) if m[2] else None
            elif m := re.match(r"Memory: (\d+)K/(\d+)K available \((\d+)K kernel code, (\d+)K rwdata, (\d+)K rodata, "
                               r"(\d+)K init, (\d+)K bss, (\d+)K reserved\)", line):
                keys = ("managed", "present", "code", "rwdata", "rodata", "init", "bss", "reserved")
                b.memory = dict(zip(keys, map(int, m.groups())))
            elif (m := re.match(r"(MemTotal|MemFree|MemAvailable): +(\d+) kB", line)) and m[1] not in b.meminfo:
                b.meminfo[m[1]] = int(m[2])
            elif (m := re.match(r"Node 0, zone +(\w+)((?: +\d+){11})$", line)) and not b.zones:
                b.buddyinfo.setdefault(m[1], [int(x) for x in m[2].split()])
            elif (m := re.match(r"Node 0, zone +(\w+)$", line)) and len(b.zones) < 3 and m[1] not in b.zones:
                zone = m[1]
                b.zones[zone] = {}
            elif zone and (m := re.match(r" +(pages free|min|low|high|spanned|present|managed|reserved) +(\d+)$",
                                         line)):
                b.zones[zone][m[1]] = int(m[2])
            elif zone and (m := re.match(r" +protection: \(([\d, ]+)\)$", line)):
                b.zones[zone]["protection"] = [int(x) for x in m[1].split(",")]
                if len(b.zones) == 3:
                    zone = None
            elif m := re.match(rf"mm: freed {MEM} (.*): (\d+) pages", line):
                b.freed.append((int(m[1], 16), int(m[2], 16) + 1, m[3], int(m[4])))
            elif m := re.match(rf"  {MEM} ([\w ]+?):", line):
                b.made.append((int(m[1], 16), int(m[2], 16) + 1, m[3]))
            elif m := re.match(r"# MemFree before the tests: (\d+) kB", line):
                b.selftest_free = int(m[1])
            elif m := re.match(r"# zone (\w+): GFP_KERNEL left \d+ of (\d+) free pages \(min (\d+) \+ protection (\d+)\)",
                               line):
                b.gfp_kernel[m[1]] = (int(m[2]), int(m[3]), int(m[4]))
        for what, value in (("mmap lines", b.mmap), ("memblock reserve lines", b.reserves),
                            ("the direct-map line", b.direct), ("the page-table count", b.pt_pages),
                            ("the mem_map line", b.mem_map), ("the Memory: line", b.memory),
                            ("buddyinfo lines", b.buddyinfo), ("zoneinfo blocks", b.zones),
                            ("memmap's lines", b.made)):
            check(bool(value), "log", f"no {what} in the boot log")
        return b

    # -- derived -----------------------------------------------------------

    def usable(self) -> list[tuple[int, int]]:
        """memblock.memory: the usable entries trimmed inward to whole pages,
        minus every other entry widened outward (setup.c)."""
        mem = [((s + PAGE - 1) // PAGE * PAGE, e // PAGE * PAGE) for s, e, t in self.mmap if t == "usable"]
        other = [(s // PAGE * PAGE, (e + PAGE - 1) // PAGE * PAGE) for s, e, t in self.mmap if t != "usable"]
        return subtract(mem, other)

    def made_range(self, what: str) -> tuple[int, int]:
        found = [(s, e) for s, e, w in self.made if w == what]
        check(len(found) == 1, "memmap", f"memmap shows {len(found)} ranges of {what!r}")
        return found[0]

    def reservations(self) -> list[tuple[int, int, str]]:
        """Everything memblock.reserved holds at the hand-off: setup.c's
        reservations, the kernel page tables and mem_map."""
        pt = self.made_range("page tables")
        return sorted(self.reserves + [(pt[0], pt[1], "page tables"),
                                       (self.mem_map[0], self.mem_map[0] + pages(self.mem_map_bytes()) * PAGE,
                                        "mem_map")])

    def reserve(self, what: str) -> tuple[int, int]:
        found = [(s, e) for s, e, w in self.reserves if w.startswith(what)]
        check(len(found) == 1, "log", f"{len(found)} memblock reserve lines for {what!r}")
        return found[0]

    def mem_map_bytes(self) -> int:
        return self.mem_map[2] * self.mem_map[3]

    def max_pfn(self) -> int:
        return self.usable()[-1][1] // PAGE


def pages(nbytes: int) -> int:
    return (nbytes + PAGE - 1) // PAGE


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def size(nbytes: int) -> str:
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if nbytes % unit == 0:
            return f"{nbytes // unit} {name}"
    return f"{nbytes} bytes"


def where(addr: int) -> str:
    """An address as the doc's prose writes it: 1 MiB, 4 GiB, else hex."""
    if addr and addr % GiB == 0:
        return f"{addr // GiB} GiB"
    if addr and addr % MiB == 0:
        return f"{addr // MiB} MiB"
    return hex(addr)


def nm_symbols(elf: str) -> dict[str, int]:
    return parse_nm(subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout)


def parse_nm(out: str) -> dict[str, int]:
    """nm's lines (ADDRESS TYPE NAME) as name -> address."""
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


class Out:
    def __init__(self):
        self.lines: list[str] = []
        self.facts: list[tuple[str, object]] = []

    def section(self, name: str, lines: list[str]) -> None:
        self.lines.append(f"== {name} ==")
        self.lines.extend(x.rstrip() for x in lines)

    def fact(self, name: str, value) -> None:
        self.facts.append((name, value))

    def text(self) -> str:
        facts = [f"fact {n}: {v}" for n, v in self.facts]
        return "\n".join(self.lines + ["== facts =="] + facts) + "\n"


# ---------------------------------------------------------------------------
# Section 1: the virtual address space


def virtual_picture(sym: dict[str, int], out: Out) -> None:
    fig = "virtual"
    end, stack, guard, ist = sym["_end"], sym["boot_stack"], sym["boot_stack_guard"], sym["ist_stacks"]
    check(end == sym["boot_stack_top"], fig, "the boot stack does not end the image (_end != boot_stack_top)")
    check(guard == stack - PAGE, fig, "boot_stack_guard is not the page below boot_stack")
    check(sym["__init_end"] == sym["_rodata"] and sym["__init_begin"] == sym["_etext"], fig,
          "the init region is not between .text and .rodata")
    ist_slot = (guard - ist) // 3
    check(ist_slot * 3 == guard - ist and ist_slot > PAGE, fig, "the IST stacks are not three equal slots below the "
          "boot stack's guard")
    text = sym["_text"]

    def edge(addr, note=""):
        return f" 0x{addr:016x} +------------------------------------+ {note}"

    def cell(content, note=""):
        return f"                    | {content:<34} | {note}"

    out.section(fig, [
        " virtual address                                             page-table slot",
        edge(0xFFFFFFFFFFFFFFFF),
        cell("unmapped"),
        edge(end, "_end = boot_stack_top"),
        cell(f"boot stack, {size(end - stack)}"),
        edge(stack, "boot_stack"),
        cell("guard page: unmapped"),
        edge(guard, "boot_stack_guard"),
        cell("IST stacks for #DF, NMI, #MC:"),
        cell(f"  3 x (unmapped guard + {size(ist_slot - PAGE)})"),
        edge(ist, "ist_stacks"),
        cell("kernel image: .rodata", " 4 KiB pages:"),
        cell("  (kallsyms at its end)  .data", " rodata R NX,"),
        cell("  .bss (the stacks above end it)", " data+bss RW NX"),
        edge(sym["_rodata"], "__init_end = _rodata"),
        cell("init region: .init.text .init.data", " RX, RW NX during boot;"),
        cell("unmapped after boot (and freed)", " no mapping afterwards"),
        edge(sym["_etext"], "__init_begin = _etext"),
        cell("kernel image: .text", " text RX"),
        edge(text, "_text"),
        cell(f"unmapped (physical 0..{text - KERNEL_VMA - 1:#x}"),
        cell("has no alias here)"),
        edge(KERNEL_VMA, "__START_KERNEL_map  PML4 511, PDPT 510"),
        cell("unmapped"),
        edge(PAGE_OFFSET + (64 << 40), "PAGE_OFFSET + 64 TiB"),
        cell("direct map window:"),
        cell("  virtual = PAGE_OFFSET + physical"),
        cell("only RAM (and the first 1 MiB) is"),
        cell("mapped: RW, NX, 1G/2M/4K pages"),
        edge(PAGE_OFFSET, "PAGE_OFFSET         PML4 273"),
        cell("unmapped"),
        edge(0xFFFF800000000000, "start of the upper half"),
        cell("non-canonical: any access raises"),
        cell("a general protection fault"),
        edge(0x0000800000000000, "end of the lower half"),
        cell("unmapped after paging_init():"),
        cell("NULL and every boot identity"),
        cell("address fault"),
        edge(0),
    ])
    out.fact("text", hex(text))
    out.fact("text_phys", hex(text - KERNEL_VMA))
    out.fact("init_begin", hex(sym["__init_begin"]))
    out.fact("init_end", hex(sym["__init_end"]))
    out.fact("boot_stack", hex(stack))
    out.fact("boot_stack_guard", hex(guard))
    out.fact("ist_stacks", hex(ist))
    out.fact("ist_slot", size(ist_slot))
    out.fact("mem_map_var", hex(sym["mem_map"]))
    out.fact("mem_map_var_direct", hex(PAGE_OFFSET + sym["mem_map"] - KERNEL_VMA))
    out.fact("boot_pml4", hex(sym["boot_pml4"]))
    out.fact("boot_end", hex(sym["_boot_end"] - 1))


# ---------------------------------------------------------------------------
# Section 2: physical memory


def firmware(boot: Boot, fig: str) -> dict[str, tuple[int, int]]:
    """The firmware's entries by the part each plays in the pictures."""
    usable = [(s, e) for s, e, t in boot.mmap if t == "usable"]
    other = [(s, e) for s, e, t in boot.mmap if t != "usable"]
    check(len(other) == 5, fig, f"{len(other)} reserved firmware entries, not the EBDA, the BIOS, the range after "
          "RAM below 4 GiB, the BIOS ROM and the range above 1 TiB")
    ebda, bios, after_ram, rom, top = other
    check(ebda[0] < 1 * MiB and bios[1] == 1 * MiB and rom[1] == 4 * GiB and top[0] > 4 * GiB, fig,
          "the reserved entries are not where the picture puts them")
    check(after_ram[0] == usable[1][1], fig, "the firmware's reserved range does not follow the RAM below 4 GiB")
    return {"ebda": ebda, "bios": bios, "after_ram": after_ram, "rom": rom, "top": top, "low": usable[0],
            "ram": usable[1], "high": usable[2] if len(usable) > 2 else None}


class Picture:
    """The physical pictures: a column of boxes, addresses on the right."""

    W = 44

    def __init__(self):
        self.lines: list[str] = []

    def edge(self, addr: str = "", left: str = "            ", dashed: bool = False):
        bar = "- " * (self.W // 2) if dashed else "-" * self.W
        self.lines.append(f"{left}+{bar}+ {addr}")

    def cell(self, content: str, note: str = ""):
        self.lines.append(f"            | {content:<{self.W - 2}} |  {note}")


def physical_128m(boot: Boot, sym: dict[str, int], out: Out) -> None:
    fig = "physical-128M"
    fw = firmware(boot, fig)
    check(fw["high"] is None, fig, "RAM above 4 GiB at 128 MiB")
    pa = lambda name: sym[name] - KERNEL_VMA  # noqa: E731
    ram_end = fw["ram"][1]
    pt = boot.made_range("page tables")
    mm_start = boot.mem_map[0]
    mb2 = boot.reserve("multiboot2 information")
    stub = boot.reserve("boot stub")
    image = boot.reserve("kernel image")
    check(pt[1] == ram_end and mm_start + pages(boot.mem_map_bytes()) * PAGE == pt[0], fig,
          "the page tables and mem_map are not the top of RAM, in that order")
    check(pa("_end") <= mb2[0] and mb2[1] <= 16 * MiB, fig, "the multiboot2 information is not between the kernel "
          "and 16 MiB")
    check(image == (pa("_text"), pa("_end")) and stub == (sym["KERNEL_PHYS_START"], pa("_text")), fig,
          "the kernel image or boot stub reservation is not [_text, _end) or [1 MiB, _text)")
    check(sym["_boot_end"] == pa("_text"), fig, "the boot stub does not end where .text starts")
    h = lambda a: f"0x{a:08x}"  # noqa: E731
    p = Picture()
    p.lines.append(" physical                                                   decided by")
    p.edge()
    p.cell(f"reserved range from {where(fw['top'][0])} (not RAM)", "firmware map")
    p.edge(hex(fw["top"][0]))
    p.cell("hole")
    p.edge(f"{fw['rom'][1]:#x} ({where(fw['rom'][1])})")
    p.cell("BIOS ROM (reserved)", "firmware map")
    p.edge(h(fw["rom"][0]))
    p.cell("hole: device space, no RAM")
    p.edge(f"{h(fw['after_ram'][1])} ({where(fw['after_ram'][1])})")
    p.cell("reserved by the firmware", "firmware map")
    p.edge(h(ram_end), left="  max_pfn ->")
    p.cell(f"kernel page tables, {pages(pt[1] - pt[0])} pages", "paging_init (memblock)")
    p.edge(h(pt[0]))
    p.cell(f"mem_map: {boot.mem_map[2]} x {boot.mem_map[3]} bytes ({size(pages(boot.mem_map_bytes()) * PAGE)})",
           "mm_core_init (memblock)")
    p.edge(h(mm_start))
    p.cell("")
    p.cell("free: owned by the buddy allocator", "ZONE_DMA32")
    p.cell("")
    p.edge(f"{h(16 * MiB)} (16 MiB)", dashed=True)
    p.cell("free", "ZONE_DMA")
    p.edge(h(mb2[1]))
    p.cell("multiboot2 information (freed after boot)", "GRUB")
    p.edge(h(mb2[0]))
    p.cell("free")
    p.edge(f"{h(pa('_end'))} = __pa(_end)")
    p.cell(".bss: at its end the IST stacks and the", "\\")
    p.cell("boot stack, each with a guard page below", "|")
    p.edge(f"{h(pa('__bss_start'))} |")
    p.cell(".data", "|")
    p.edge(f"{h(pa('_data'))} |")
    p.cell(".rodata (the kallsyms table at its end)", "| kernel image,")
    p.edge(f"{h(pa('_rodata'))} | linker.ld")
    p.cell("init region: .init.text, .init.data", "|")
    p.cell("(freed after boot)", "|")
    p.edge(f"{h(pa('__init_begin'))} |")
    p.cell(f".text  (runs at {sym['_text']:#x})", "/")
    p.edge(h(pa("_text")))
    p.cell(f".boot.bss: the boot page tables, {(sym['_boot_end'] - sym['boot_pml4']) // PAGE} pages",
           "\\ boot stub and")
    p.edge(f"{h(sym['boot_pml4'])} | page tables")
    p.cell("multiboot2 header, 32-bit boot stub", "/ (freed after boot)")
    p.edge(f"{h(sym['KERNEL_PHYS_START'])} KERNEL_PHYS_START")
    p.cell("BIOS (reserved)", "\\")
    p.edge(f"{h(fw['bios'][0])} |")
    p.cell("hole: VGA memory, option ROMs", "| the first 1 MiB,")
    p.edge(f"{h(fw['ebda'][1])} | reserved as a")
    p.cell("EBDA (reserved)", "| whole by setup.c")
    p.edge(f"{h(fw['ebda'][0])} |")
    p.cell("RAM, but never handed out", "/")
    p.edge(h(0))
    out.section(fig, p.lines)
    out.fact("ram_end", hex(ram_end))
    out.fact("max_pfn", hex(ram_end // PAGE))
    out.fact("max_pfn_dec", ram_end // PAGE)
    out.fact("mb2_page", f"[mem {mb2[0]:#x}-{mb2[1] - 1:#x}]")
    out.fact("stub", f"[mem {stub[0]:#x}-{stub[1] - 1:#x}]")
    out.fact("image", f"[mem {image[0]:#x}-{image[1] - 1:#x}]")
    out.fact("pt_pages", boot.pt_pages)
    check(boot.pt_pages == pages(pt[1] - pt[0]), fig, "the page-table count and memmap's page tables differ")


def physical_5g(boot: Boot, out: Out) -> None:
    fig = "physical-5G"
    fw = firmware(boot, fig)
    check(fw["high"] is not None and fw["high"][0] == 4 * GiB, fig, "no RAM from 4 GiB")
    pt = boot.made_range("page tables")
    mm = (boot.mem_map[0], boot.mem_map[0] + pages(boot.mem_map_bytes()) * PAGE)
    check(pt[1] == fw["ram"][1], fig, "the page tables are not right below the firmware's range at 3 GiB")
    check(mm[1] == fw["high"][1], fig, "mem_map is not the top of RAM")
    h = lambda a: f"0x{a:09x}"  # noqa: E731
    p = Picture()
    p.lines.append(" physical")
    p.edge()
    p.cell(f"reserved range from {where(fw['top'][0])} (not RAM)")
    p.edge(hex(fw["top"][0]))
    p.cell("hole")
    p.edge(f"{fw['high'][1]:#x} ({where(fw['high'][1])})", left="  max_pfn ->")
    p.cell(f"mem_map: {boot.mem_map[2]} x {boot.mem_map[3]} bytes ({size(mm[1] - mm[0])})")
    p.edge(f"{mm[0]:#x}")
    p.cell("free (buddy)", "ZONE_NORMAL")
    p.edge(f"{fw['high'][0]:#x} ({where(fw['high'][0])})")
    p.cell("BIOS ROM (reserved)")
    p.edge(h(fw["rom"][0]))
    p.cell("PCI hole: no RAM")
    p.edge(f"{h(fw['after_ram'][1])} ({where(fw['after_ram'][1])})")
    p.cell("reserved by the firmware")
    p.edge(h(fw["after_ram"][0]))
    p.cell(f"kernel page tables, {pages(pt[1] - pt[0])} pages")
    p.edge(h(pt[0]))
    p.cell("free (buddy)", "ZONE_DMA32")
    p.edge(f"{h(16 * MiB)} (16 MiB)", dashed=True)
    p.cell("same as at 128 MiB", "ZONE_DMA")
    p.edge("0")
    out.section(fig, p.lines)
    max_pfn = fw["high"][1] // PAGE
    out.fact("5g_max_pfn", hex(max_pfn))
    out.fact("5g_ram_end_low", hex(fw["ram"][1]))
    out.fact("5g_hole_pfns", (4 * GiB - 3 * GiB) // PAGE)
    out.fact("5g_hole_mem_map", size(((4 * GiB - 3 * GiB) // PAGE) * boot.mem_map[3]))
    out.fact("5g_pt_pages", boot.pt_pages)
    out.fact("5g_mem_map_size", size(mm[1] - mm[0]))
    out.fact("5g_normal_size", size(boot.zones["Normal"]["managed"] * PAGE))
    out.fact("5g_high_size", size(fw["high"][1] - fw["high"][0]))
    check(boot.pt_pages == pages(pt[1] - pt[0]), fig, "the page-table count and memmap's page tables differ")
    # The page tables: a PML4 and a PDPT, a PD per GiB the direct map
    # touches, a PT per 2 MiB it maps with 4 KiB pages, and the kernel
    # image's PDPT, PD and PT (at 5 GiB without 1 GiB pages), and the
    # vmalloc area's first PDPT, PD and PT (paging_init() builds them).
    end, n1g, n2m, n4k = boot.direct
    check(n1g == 0, fig, "1 GiB pages in the 5 GiB boot (the picture assumes QEMU's default CPU)")
    runs = merge([(0, 1 * MiB)] + boot.usable())
    pds = sorted({a // GiB for s, e in runs for a in range(s, e, 2 * MiB)})
    pts = sorted({s // (2 * MiB) for s, e in runs if s % (2 * MiB)} | {(e - 1) // (2 * MiB) for s, e in runs if e % (2 * MiB)})
    n2m_want = sum((e // (2 * MiB)) - ((s + 2 * MiB - 1) // (2 * MiB)) for s, e in runs)
    check(n2m == n2m_want, fig, f"{n2m} 2 MiB pages in the direct map, not {n2m_want}")
    want = 2 + len(pds) + len(pts) + 3 + 3
    check(boot.pt_pages == want, fig,
          f"{boot.pt_pages} page-table pages, not 2 + {len(pds)} PDs + {len(pts)} PTs + 3 (image) + 3 (vmalloc)")
    out.fact("5g_pds", len(pds))
    out.fact("5g_pts", len(pts))
    out.fact("5g_direct", f"{n2m} x 2M, {n4k} x 4K")
    out.fact("5g_runs", " and ".join(f"[{where(s) if s else 0}, {where(e)})" for s, e in runs))
    out.fact("5g_2m_split", " + ".join(str(e // (2 * MiB) - (s + 2 * MiB - 1) // (2 * MiB)) for s, e in runs))


def memory_sums(boot: Boot, sym: dict[str, int], out: Out, fig: str) -> None:
    """The Memory: line added up: present, reserved, managed."""
    mem, usable = boot.memory, boot.usable()
    present = [(e - s) // KiB for s, e in usable]
    check(sum(present) == mem["present"], fig, f"memblock.memory adds up to {sum(present)}K, not {mem['present']}K")
    parts = [f"{present[0]}K (RAM below 1 MiB, whole pages)"]
    parts += [f"{k}K ({where(s)} .. {where(e)})" for k, (s, e) in zip(present[1:], usable[1:])]
    res = boot.reservations()
    names = {"first 1 MiB": "first 1 MiB", "boot stub": "boot stub and page tables", "kernel image": "kernel image",
             "multiboot2": "multiboot2 info", "page tables": "page tables", "mem_map": "mem_map"}
    terms = []
    for s, e, what in res:
        k = sum(overlap((s, e), u) for u in usable) // KiB
        name = next((v for key, v in names.items() if what.startswith(key)), what)
        terms.append(f"{k}K {name}")
        if what.startswith("kernel image"):
            image = k
    check(sum(int(t.split("K")[0]) for t in terms) == mem["reserved"], fig,
          f"the reservations add up to other than {mem['reserved']}K")
    parts_image = [mem[k] for k in ("code", "init", "rodata", "rwdata", "bss")]
    check(sum(parts_image) == image, fig, f"text + init + rodata + data + bss is not the image's {image}K")
    check(mem["managed"] == mem["present"] - mem["reserved"] == boot.meminfo["MemTotal"], fig,
          "managed is not present - reserved = MemTotal")
    line = next(x for x in LOGS[fig.split("-")[-1]].splitlines() if x.startswith("Memory:"))
    w = len(str(mem["present"]))
    lines = [line, "", f"present  {mem['present']:>{w}}K = " + " + ".join(parts)]
    first, rest = terms[:3], terms[3:]
    lines.append(f"reserved {mem['reserved']:>{w}}K = " + " + ".join(first))
    if rest:
        lines.append(" " * (w + 13) + "+ " + " + ".join(rest))
    lines.append(f"managed  {mem['managed']:>{w}}K = present - reserved = MemTotal = {mem['managed'] // 4} pages")
    out.section(fig, lines)


def image_128m(boot: Boot, sym: dict[str, int], out: Out) -> None:
    """The kernel image's and the boot stub's reservations, part by part."""
    fig = "image-128M"
    mem = boot.memory
    image, stub = boot.reserve("kernel image"), boot.reserve("boot stub")
    parts = [(mem["code"], "text"), (mem["init"], "init"), (mem["rodata"], "rodata"), (mem["rwdata"], "data"),
             (mem["bss"], "bss")]
    check(sum(k for k, _ in parts) * KiB == image[1] - image[0], fig, "the image's parts do not add up to it")
    tables = (sym["_boot_end"] - sym["boot_pml4"]) // KiB
    head = (sym["boot_pml4"] - stub[0]) // KiB
    check((head + tables) * KiB == stub[1] - stub[0], fig, "stub + boot page tables is not the stub's reservation")
    out.section(fig, [
        f"kernel image [mem {image[0]:#x}-{image[1] - 1:#x}] = " + " + ".join(f"{k}K {n}" for k, n in parts)
        + f" = {(image[1] - image[0]) // KiB}K",
        f"boot stub    [mem {stub[0]:#x}-{stub[1] - 1:#x}] = {head}K multiboot2 header and 32-bit code + "
        f"{tables}K boot page tables = {(stub[1] - stub[0]) // KiB}K",
    ])


def zones_128m(boot: Boot, out: Out) -> None:
    fig = "zones-128M"
    res, usable = boot.reservations(), boot.usable()
    rows = [" zone    pfns              spanned  present  managed  reserved"]
    names = {"first 1 MiB": "first 1 MiB", "boot stub": "boot stub", "kernel image": "kernel image",
             "multiboot2": "multiboot2 info", "page tables": "page tables", "mem_map": "mem_map"}
    managed_sum = 0
    for zone in ZONES:
        z, r = boot.zones[zone], boot.ranges[zone]
        managed_sum += z["managed"]
        if r is None:
            rows.append(f" {zone:<7} {'empty':<17} {z['spanned']:>7} {z['present']:>8} {z['managed']:>8} "
                        f"{z['reserved']:>9}")
            continue
        lo, hi = r[0] // PAGE, min(r[1], usable[-1][1]) // PAGE
        terms = []
        for s, e, what in res:
            n = sum(overlap((max(s, lo * PAGE), min(e, hi * PAGE)), u) for u in usable) // PAGE
            if n:
                terms.append(f"{n} {next((v for k, v in names.items() if what.startswith(k)), what)}")
        check(sum(int(t.split()[0]) for t in terms) == z["reserved"], fig,
              f"zone {zone}: the reservations in it add up to other than {z['reserved']}")
        present = sum(overlap((lo * PAGE, hi * PAGE), u) for u in usable) // PAGE
        check(present == z["present"], fig, f"zone {zone}: {present} pages of memory, not {z['present']}")
        check(hi - lo == z["spanned"], fig, f"zone {zone} spans {hi - lo}, not {z['spanned']}")
        pfns = f"[{lo:#x}, {hi:#x})"
        rows.append(f" {zone:<7} {pfns:<17} {z['spanned']:>7} {z['present']:>8} {z['managed']:>8} "
                    f"{z['reserved']:>9} = " + " + ".join(terms))
        out.fact(f"{zone.lower()}_present", z["present"])
        out.fact(f"{zone.lower()}_managed", z["managed"])
        out.fact(f"{zone.lower()}_reserved", z["reserved"])
    check(managed_sum * 4 == boot.meminfo["MemTotal"], fig, "the zones' managed pages are not MemTotal")
    dma = boot.zones["DMA"]
    low = sum(overlap((0, 1 * MiB), u) for u in usable) // PAGE
    rows.append("")
    rows.append(f" DMA present  {dma['present']} = {low} whole pages below 1 MiB + "
                f"{dma['present'] - low} from 1 MiB to 16 MiB")
    rows.append(" managed      " + " + ".join(str(boot.zones[z]["managed"]) for z in ZONES if boot.zones[z]["managed"])
                + f" = {managed_sum} pages = MemTotal")
    out.section(fig, rows)
    out.fact("managed_pages", managed_sum)
    out.fact("dma_below_1m", low)


def watermarks(boot: Boot, out: Out, fig: str, prefix: str) -> None:
    """min_free_kbytes, the watermarks, the protection and MemAvailable, as
    page_alloc.c computes them, checked against the zone blocks."""
    zones = [z for z in ZONES if boot.zones[z]["managed"]]
    managed = {z: boot.zones[z]["managed"] for z in ZONES}
    total = sum(managed.values())
    kbytes = math.isqrt(16 * total * 4)
    kbytes = min(max(kbytes, 128), 262144)
    pages_min = kbytes // 4
    rows = [f"min_free_kbytes = isqrt(16 x {total * 4}) = isqrt({16 * total * 4}) = {kbytes} KiB = {pages_min} pages"]
    wz = max(len(z) for z in zones)
    wm = max(len(str(managed[z])) for z in zones)
    high = {}
    for z in zones:
        zi = boot.zones[z]
        mn = pages_min * managed[z] // total
        scaled = managed[z] * WATERMARK_SCALE_FACTOR // 10000
        step = max(mn // 4, scaled)
        check((mn, mn + step, mn + 2 * step) == (zi["min"], zi["low"], zi["high"]), fig,
              f"zone {z}: min/low/high {zi['min']}/{zi['low']}/{zi['high']}, computed {mn}/{mn + step}/{mn + 2 * step}")
        high[z] = zi["high"]
        expr = f"max({mn}/4, {managed[z]}x{WATERMARK_SCALE_FACTOR}/10000)"
        rows.append((z, f"min = {pages_min} x {managed[z]:<{wm}} / {total} = {mn:>4}", expr,
                     f"= {step:>4}   low {mn + step}, high {mn + 2 * step}"))
        out.fact(f"{prefix}{z.lower()}_wmarks", f"{mn}/{mn + step}/{mn + 2 * step}")
    we = max(len(r[2]) for r in rows[1:])
    rows[1:] = [f"{z:<{wz}}  {a}   step = {e:<{we}} {b}" for z, a, e, b in rows[1:]]
    prot = {}
    for i, z in enumerate(ZONES):
        above, prot[z] = 0, []
        for j, _ in enumerate(ZONES):
            if j > i:
                above += managed[ZONES[j]]
            clear = not managed[z]
            prot[z].append(0 if j <= i or clear else above // LOWMEM_RESERVE_RATIO[i])
        check(prot[z] == boot.zones[z]["protection"], fig, f"zone {z}: protection {boot.zones[z]['protection']}, "
              f"computed {prot[z]}")
    if managed["DMA"]:
        terms = [f"{managed[z]}" for z in ZONES[1:] if managed[z]]
        ratio = LOWMEM_RESERVE_RATIO[0]
        if len(terms) == 1:
            rows.append(f"DMA's protection from DMA32 and Normal callers = {terms[0]} / {ratio} = {prot['DMA'][1]}")
        else:
            rows.append(f"DMA's protection from DMA32 callers = {terms[0]} / {ratio} = {prot['DMA'][1]}, "
                        f"from Normal callers = ({' + '.join(terms)}) / {ratio} = {prot['DMA'][2]}")
        out.fact(f"{prefix}dma_protection", f"({', '.join(map(str, prot['DMA']))})")
    reserve = [min(high[z] + max(prot[z]), managed[z]) for z in zones]
    avail = boot.meminfo["MemFree"] - 4 * sum(reserve)
    check(avail == boot.meminfo["MemAvailable"], fig, f"MemAvailable {boot.meminfo['MemAvailable']} kB, "
          f"computed {avail}")
    rows.append("MemAvailable = MemFree - each zone's high + largest protection = "
                f"{boot.meminfo['MemFree']}K - ({' + '.join(f'{high[z]} + {max(prot[z])}' for z in zones)} pages = "
                f"{4 * sum(reserve)}K) = {avail}K")
    out.section(fig, rows)
    out.fact(f"{prefix}min_free_pages", pages_min)
    out.fact(f"{prefix}dma_min", boot.zones["DMA"]["min"])


def after_report(boot: Boot, out: Out) -> None:
    fig = "freed-128M"
    check(len(boot.freed) == 3, fig, f"{len(boot.freed)} ranges freed after the report, not 3")
    ks = [(e - s) // KiB for s, e, _, _ in boot.freed]
    n = sum(p for *_, p in boot.freed)
    check(all(e <= 16 * MiB for _, e, _, _ in boot.freed), fig, "a range freed after boot lies above 16 MiB")
    dma = boot.zones["DMA"]["managed"] + n
    free = boot.meminfo["MemFree"] + sum(ks)
    check(boot.selftest_free == free, fig, f"the self-test sees {boot.selftest_free} kB, not {free}")
    check(boot.gfp_kernel.get("DMA", (None,))[0] == dma, fig, "zone_watermarks does not see the DMA pages "
          f"{boot.zones['DMA']['managed']} + {n}")
    out.section(fig, [
        "freed after the report: " + " + ".join(f"{k}K" for k in ks) + f" = {sum(ks)}K = {n} pages, all below 16 MiB",
        f"ZONE_DMA managed: {boot.zones['DMA']['managed']} + {n} = {dma} pages",
        f"MemTotal and MemFree: {boot.meminfo['MemFree']}K + {sum(ks)}K = {free}K = {free // 4} pages",
        f"reserved (present - managed): {boot.memory['reserved']}K - {sum(ks)}K = {boot.memory['reserved'] - sum(ks)}K",
    ])
    out.fact("freed_k", f"{sum(ks)}K")
    out.fact("freed_pages", n)
    out.fact("dma_after", dma)
    out.fact("memfree_after", f"{free}K")


def free_blocks(boot: Boot, out: Out) -> None:
    """Section 4.3: the free runs at the hand-off, cut at the zone limits
    and into the largest naturally aligned blocks, as memblock_free_all()
    hands them over; their count by order must be the boot's buddyinfo."""
    fig = "free-runs-128M"
    res = [(s // PAGE, (e + PAGE - 1) // PAGE) for s, e, _ in boot.reservations()]
    runs = subtract([(s // PAGE, e // PAGE) for s, e in boot.usable()], res)
    rows, counts = [], {z: [0] * (MAX_ORDER + 1) for z in ZONES}
    limits = ((0, DMA_END, "DMA"), (DMA_END, DMA32_END, "DMA32"), (DMA32_END, 1 << 52, "Normal"))
    for lo, hi, zone in limits:
        parts = intersect(runs, lo, hi)
        if not parts:
            continue
        rows.append(f" ZONE_{zone}")
        for s, e in parts:
            blocks = []
            pfn = s
            while pfn < e:
                order = MAX_ORDER
                while pfn % (1 << order) or pfn + (1 << order) > e:
                    order -= 1
                blocks.append((pfn, order))
                counts[zone][order] += 1
                pfn += 1 << order
            items, i = [], 0
            while i < len(blocks):
                j = i
                while j < len(blocks) and blocks[j][1] == MAX_ORDER:
                    j += 1
                if j - i >= 4:
                    last = blocks[j - 1][0] + (1 << MAX_ORDER) - 1
                    items.append(f"{blocks[i][0]:#x} .. {last:#x}: {j - i} x o{MAX_ORDER}")
                    i = j
                else:
                    items.append(f"{blocks[i][0]:#x} o{blocks[i][1]}")
                    i += 1
            head = f" [{s:#x}, {e:#x}):"
            lines, cur = [], ""
            for k, item in enumerate(items):
                piece = item + (" |" if k < len(items) - 1 else "")
                if cur and len(head) + len(cur) + len(piece) > 88:
                    lines.append(cur)
                    cur = ""
                cur += (" " if cur else "") + piece
            lines.append(cur)
            for k, text in enumerate(lines):
                rows.append(f"{head if k == 0 else '':<19}{text}")
        out.fact(f"runs_{zone.lower()}", ", ".join(f"[{s:#x}, {e:#x})" for s, e in parts))
    for zone, got in boot.buddyinfo.items():
        check(counts[zone] == got, fig, f"zone {zone}: the blocks of the free runs, {counts[zone]}, are not the boot's "
              f"buddyinfo {got}")
    out.fact("free_runs", " and ".join(f"[{s:#x}, {e:#x})" for s, e in runs))
    for k, (s, e) in enumerate(runs):
        out.fact(f"free_run{k}", f"[{s:#x}, {e:#x})")
    out.section(fig, rows)
    header = " order:              " + "".join(f"{o:>7}" for o in range(MAX_ORDER + 1))
    lines = [x for x in LOGS["128M"].splitlines() if re.match(r"Node 0, zone +\w+( +\d+){11}$", x)]
    out.section("buddyinfo-128M", [header] + [" " + x for x in lines[:len(boot.buddyinfo)]])


def ebda(boot: Boot, out: Out) -> None:
    fig = "ebda"
    low, ebda_ = firmware(boot, fig)["low"], firmware(boot, fig)["ebda"]
    check(low[1] == ebda_[0] and low[1] % PAGE, fig, "the first usable entry does not end inside a page at the EBDA")
    cut = low[1] // PAGE * PAGE
    out.section(fig, [
        f" firmware:   [0 .......... usable .......... {low[1] - 1:#x}][{ebda_[0]:#x} reserved {ebda_[1] - 1:#x}]",
        f" pages:      ... | {cut - PAGE:#x} - {cut - 1:#x} | {cut:#x} - {cut + PAGE - 1:#x} |",
        f" memory:     [0x0, {cut:#x})                 usable, trimmed inward",
        f" cut out:                        [{cut:#x}, {(ebda_[1] + PAGE - 1) // PAGE * PAGE:#x})   "
        "reserved, widened outward",
    ])


def boot_tables(sym: dict[str, int], out: Out) -> None:
    fig = "boot-page-tables"
    pml4, ident, kern, pd = (sym[n] for n in ("boot_pml4", "boot_pdpt_ident", "boot_pdpt_kernel", "boot_pd"))
    check(sym["BOOT_PD_COUNT"] == 4 and sym["_boot_end"] == pd + 4 * PAGE, fig, "not four boot PDs ending .boot.bss")
    rows = [f" boot_pml4 ({pml4:#x})", f"   [0]   -----> boot_pdpt_ident ({ident:#x})"]
    for i in range(4):
        off = "0" if i == 0 else f"{4 * i} KiB"
        label = f"boot_pd + {off}"
        rows.append(f"   {'[273] --/' if i == 0 else '':<9}      [{i}] -> {label:<16} ({pd + i * PAGE:#x})   "
                    f"512 x 2 MiB:  {i} - {i + 1} GiB")
    rows.append(f"   [511] -----> boot_pdpt_kernel ({kern:#x})")
    rows.append(f"                  [510] -> {'boot_pd + 0':<16} ({pd:#x})   the same 0 - 1 GiB")
    out.section(fig, rows)


def walk_facts(boot: Boot, sym: dict[str, int], out: Out) -> None:
    """The table of section 3.3: a virtual address cut into its indexes."""
    fig = "walk"
    mm_virt = PAGE_OFFSET + boot.mem_map[0]
    end, n1g, n2m, n4k = boot.direct
    check(boot.mem_map[0] >= end // (2 * MiB) * (2 * MiB), fig, "mem_map does not lie in the direct map's last, "
          "4 KiB-mapped, 2 MiB")
    for name, v in (("mem_map", mm_virt), ("text", sym["_text"])):
        out.fact(f"walk_{name}", hex(v))
        for level, shift in (("pml4", 39), ("pdpt", 30), ("pd", 21), ("pt", 12)):
            out.fact(f"walk_{name}_{level}", (v >> shift) & 511)
    out.fact("direct_end", hex(end))
    out.fact("direct_2m", n2m)
    out.fact("direct_4k", n4k)


LOGS: dict[str, str] = {}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    LOGS["128M"], LOGS["5G"] = (open(p).read() for p in argv[:2])
    sym = nm_symbols(argv[2])
    out = Out()
    try:
        b128, b5g = Boot.parse(LOGS["128M"]), Boot.parse(LOGS["5G"])
        virtual_picture(sym, out)
        physical_128m(b128, sym, out)
        memory_sums(b128, sym, out, "memory-128M")
        image_128m(b128, sym, out)
        zones_128m(b128, out)
        watermarks(b128, out, "watermarks-128M", "")
        after_report(b128, out)
        physical_5g(b5g, out)
        memory_sums(b5g, sym, out, "memory-5G")
        watermarks(b5g, out, "watermarks-5G", "5g_")
        for zone in ZONES:
            for key in ("spanned", "present", "managed", "reserved"):
                out.fact(f"5g_{zone.lower()}_{key}", b5g.zones[zone][key])
        boot_tables(sym, out)
        walk_facts(b128, sym, out)
        ebda(b128, out)
        free_blocks(b128, out)
    except FigureError as e:
        print(f"layoutfigs: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(out.text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
