#!/usr/bin/python3
"""labfigs.py - draw the figures of the lab handouts (docs/labs/lab1.md ..
lab5.md) from the kernel's own output, never from numbers typed by hand.

`make lab-figures` runs it. It boots the kernel through `make dump` twice (a
128 MiB machine that runs the monitor commands of BOOT_CMDS, and a 5 GiB one
that runs ZONE_CMDS), runs `make bench` for order-0 pairs, keeps every
transcript in build/labfigs/, and writes each figure as
PNG and SVG to docs/labs/images/. With --reuse it draws again from the kept
transcripts without booting anything. The dumps build their own kernel under
build/labfigs/ (make's BUILD), so a `make dump` of yours is left alone."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

from benchplot import BenchplotError  # noqa: E402
from benchplot import parse as parse_bench  # noqa: E402
from figsave import save_figure  # noqa: E402
from memplot import colour_of, human  # noqa: E402
from pfnmap import Block, PfnmapError  # noqa: E402
from pfnmap import parse as parse_pfnmap  # noqa: E402

REPO = TOOLS.parent
WORK = REPO / "build" / "labfigs"
OUT = REPO / "docs" / "labs" / "images"

# Two direct-map addresses for lab 2. On a 128 MiB QEMU machine RAM ends at
# 0x7fe0000, so the last part of it, above 0x7e00000, is not a whole 2 MiB
# and is mapped with 4 KiB pages: the first walk goes down all four levels.
# The second ends in a 2 MiB page.
WALK_4K = 0xFFFF888007ED4ABC
WALK_2M = 0xFFFF888000100000

# The 128 MiB boot: lab 1 (the boot log and memmap), lab 2 (two walks), lab 3
# (a split by an order-2 allocation and the merge when it is freed) and
# lab 5 (an order-0 allocation through the per-CPU list, its free, a drain).
BOOT_CMDS = [
    "memmap", f"walk {WALK_4K:#x}", f"walk {WALK_2M:#x}",
    "pfnmap", "buddyinfo", "alloc 2", "pfnmap", "buddyinfo", "free #0", "pfnmap", "buddyinfo",
    "pcp", "alloc 0", "pcp", "pfnmap", "free #1", "pcp", "pfnmap", "drain", "pcp", "pfnmap",
]
# The 5 GiB boot, for lab 4: all three zones have memory. Each gfp's first
# zone, then the self-test, whose zone_fallback_order case prints the order
# in which the zonelist gave out every order-10 block.
ZONE_CMDS = ["zoneinfo", "alloc 0", "alloc 0 dma32", "alloc 0 dma", "free #0", "free #1",
             "free #2", "selftest"]
DUMPS = {"boot-128M": ("128M", BOOT_CMDS), "zones-5G": ("5G", ZONE_CMDS)}
# make bench for lab 5: order-0 pairs only, with and without per-CPU lists.
BENCH_ARGS = "--only order0 --alloc buddy,buddy-nopcp,'free stack'"

PROMPT = "pagewise> "
HEX = r"0x[0-9a-fA-F]+"
ZONES = ("DMA", "DMA32", "Normal")
FONT = 9  # points, for most text
WINDOW = 32  # pfns drawn at least around a block (labs 3 and 5)


class LabfigsError(ValueError):
    """A transcript that lacks what a figure needs; the message says what."""


# --- Reading transcripts -----------------------------------------------------


@dataclass(frozen=True)
class Range:
    """Physical addresses [start, end) and what the kernel called them."""

    start: int
    end: int  # exclusive
    what: str


def sections(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Cut a `make dump` transcript at each monitor prompt: (the boot log
    before the first prompt, [(command, the lines it printed)])."""
    boot: list[str] = []
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith(PROMPT):
            out.append((line[len(PROMPT):].strip(), []))
        elif out:
            out[-1][1].append(line)
        else:
            boot.append(line)
    return boot, out


def outputs(secs: list[tuple[str, list[str]]], command: str) -> list[list[str]]:
    """The output of every run of @command, in order."""
    return [lines for cmd, lines in secs if cmd == command]


def one_output(secs: list[tuple[str, list[str]]], command: str) -> list[str]:
    """The output of the first run of @command; LabfigsError if none."""
    found = outputs(secs, command)
    if not found:
        raise LabfigsError(f"the transcript has no output of the monitor command {command!r}")
    return found[0]


def parse_mmap(lines: list[str]) -> list[Range]:
    """The firmware map, from the boot log's "mmap: [mem A-B] type" lines."""
    pat = re.compile(rf"mmap: \[mem ({HEX})-({HEX})\] (\S+)")
    return [Range(int(m[1], 16), int(m[2], 16) + 1, m[3])
            for m in map(pat.match, lines) if m]


def parse_reserved(lines: list[str]) -> list[Range]:
    """What setup.c reserved, from "memblock: reserve [mem A-B] NAME"."""
    pat = re.compile(rf"memblock: reserve \[mem ({HEX})-({HEX})\] (.+)")
    return [Range(int(m[1], 16), int(m[2], 16) + 1, m[3].strip())
            for m in map(pat.match, lines) if m]


def parse_memmap_made(lines: list[str]) -> list[Range]:
    """The monitor's memmap, its part "what the kernel made of it": each
    "  [mem A-B] WHAT: ..." line."""
    pat = re.compile(rf"\s+\[mem ({HEX})-({HEX})\] ([^:]+):")
    return [Range(int(m[1], 16), int(m[2], 16) + 1, m[3].strip())
            for m in map(pat.match, lines) if m]


@dataclass(frozen=True)
class Step:
    """One level of a page-table walk: the entry @index of table @level
    ("PGD", "PUD", "PMD", "PTE"), which sits at physical @entry_pa and holds
    @value, with the flags the monitor spelled out."""

    level: str
    index: int
    entry_pa: int
    value: int
    flags: str

    @property
    def table_pa(self) -> int:
        """The physical address of the table this entry is in."""
        return self.entry_pa - 8 * self.index


@dataclass
class Walk:
    """The monitor's `walk VA`: CR3, the steps down, the physical address
    and the size of the page that maps it ("4K", "2M" or "1G")."""

    va: int
    cr3: int
    steps: list[Step] = field(default_factory=list)
    phys: int = 0
    page: str = ""


def parse_walk(lines: list[str]) -> Walk:
    """A `walk` command's output; LabfigsError unless it reached a page."""
    head = re.compile(rf"walk ({HEX}): CR3 ({HEX})")
    step = re.compile(rf"(PGD|PUD|PMD|PTE)\[\s*(\d+)\] at ({HEX}): ({HEX})\s*(.*)")
    phys = re.compile(rf"phys: ({HEX}) \((\w+) page\)")
    walk = None
    for line in lines:
        if m := head.match(line):
            walk = Walk(int(m[1], 16), int(m[2], 16))
        elif walk and (m := step.match(line)):
            walk.steps.append(Step(m[1], int(m[2]), int(m[3], 16), int(m[4], 16), m[5].strip()))
        elif walk and (m := phys.match(line)):
            walk.phys, walk.page = int(m[1], 16), m[2]
    if not walk or not walk.page:
        raise LabfigsError("a walk that reached no page: " + " / ".join(lines))
    return walk


def parse_buddyinfo(lines: list[str]) -> dict[str, list[int]]:
    """{zone: free blocks of order 0..10} from /proc/buddyinfo lines."""
    pat = re.compile(r"Node \d+, zone\s+(\S+)((?:\s+\d+){11})\s*$")
    return {m[1]: [int(v) for v in m[2].split()] for m in map(pat.match, lines) if m}


@dataclass(frozen=True)
class Alloc:
    """A block the monitor's `alloc` took: pfn, order and zone."""

    pfn: int
    order: int
    zone: str


def parse_alloc(lines: list[str]) -> Alloc:
    """The block of an `alloc` command's output line."""
    pat = re.compile(rf"alloc: order (\d+) gfp {HEX}: pfn ({HEX}) .* zone (\S+), held as")
    for m in map(pat.match, lines):
        if m:
            return Alloc(int(m[2], 16), int(m[1]), m[3])
    raise LabfigsError("an alloc that took nothing: " + " / ".join(lines))


@dataclass
class Pcp:
    """One zone's per-CPU list from the monitor's `pcp`: its counters and
    the pfns on it, hottest (next to be handed out) first."""

    zone: str
    count: int
    high: int
    batch: int
    pfns: list[int] = field(default_factory=list)


def parse_pcp(lines: list[str]) -> dict[str, Pcp]:
    """{zone: Pcp} from a `pcp` command's output."""
    head = re.compile(r"pcp: zone (\S+) cpu \d+: count (\d+) high (\d+) batch (\d+)")
    entry = re.compile(rf"\s+pfn ({HEX})-({HEX})")
    lists: dict[str, Pcp] = {}
    current = None
    for line in lines:
        if m := head.match(line):
            current = lists[m[1]] = Pcp(m[1], int(m[2]), int(m[3]), int(m[4]))
        elif current and (m := entry.match(line)):
            current.pfns.extend(range(int(m[1], 16), int(m[2], 16) + 1))
    return lists


def parse_zone_ranges(lines: list[str]) -> dict[str, Range | None]:
    """{zone: its range, or None when empty} from the boot log's
    "Zone ranges:" block."""
    pat = re.compile(rf"\s+(DMA|DMA32|Normal)\s+(?:\[mem ({HEX})-({HEX})\]|empty)\s*$")
    found: dict[str, Range | None] = {}
    for m in map(pat.match, lines):
        if m:
            found[m[1]] = Range(int(m[2], 16), int(m[3], 16) + 1, m[1]) if m[2] else None
    return found


def parse_zoneinfo(lines: list[str]) -> dict[str, dict[str, int | tuple[int, ...]]]:
    """{zone: {field: value}} from /proc/zoneinfo lines: pages free, min,
    low, high, spanned, present, managed (ints) and protection (a tuple)."""
    head = re.compile(r"Node \d+, zone\s+(\S+)\s*$")
    num = re.compile(r"\s+(pages free|min|low|high|spanned|present|managed)\s+(\d+)\s*$")
    prot = re.compile(r"\s+protection: \(([\d, ]+)\)")
    zones: dict[str, dict[str, int | tuple[int, ...]]] = {}
    current = None
    for line in lines:
        if m := head.match(line):
            current = zones[m[1]] = {}
        elif current is not None and (m := num.match(line)):
            current.setdefault(m[1], int(m[2]))  # the first: not the pagesets' high
        elif current is not None and (m := prot.match(line)):
            current["protection"] = tuple(int(v) for v in m[1].split(","))
    return zones


def parse_fallback(lines: list[str]) -> list[tuple[str, int]]:
    """[(zone, blocks)] in zonelist order from the self-test line
    "# order-10 blocks taken: N from Normal, then M from DMA32, ...";
    LabfigsError if the self-test did not print it."""
    for line in lines:
        if line.startswith("# order-10 blocks taken:"):
            return [(z, int(n)) for n, z in re.findall(r"(\d+) from (\w+)", line)]
    raise LabfigsError("no '# order-10 blocks taken:' line: did the self-test run?")


def order0_medians(text: str) -> dict[str, tuple[float, float, float]]:
    """{allocator: (median, min, max)} ns per order-0 alloc+free pair, from
    what `make bench` printed."""
    try:
        bench = parse_bench(text)
    except BenchplotError as e:
        raise LabfigsError(f"bench: {e}") from e
    return {r.allocator: (r.median, r.lo, r.hi) for r in bench.rows
            if r.workload == "order0" and not r.skipped}


def bench_header(text: str) -> str:
    """"host ..., date ..." from what `make bench` printed, for a title."""
    try:
        bench = parse_bench(text)
    except BenchplotError:
        return ""
    return ", ".join(v for v in (bench.host, bench.date) if v)


# --- Drawing helpers ---------------------------------------------------------


def text_colour(face) -> str:
    """Black or white, whichever reads better on the colour @face."""
    r, g, b = to_rgb(face)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def box(ax, x: float, y: float, w: float, h: float, face, label: str = "",
        size: float = FONT, **kw) -> None:
    """A rectangle at (@x, @y) of @w x @h with @label centred in it."""
    ax.add_patch(Rectangle((x, y), w, h, facecolor=face, edgecolor=kw.pop("edge", "white"),
                           linewidth=kw.pop("lw", 1.0), hatch=kw.pop("hatch", None)))
    if label:
        ax.text(x + w / 2, y + h / 2, label, ha="center", va="center", fontsize=size,
                color=kw.pop("color", text_colour(face)), **kw)


def arrow(ax, start: tuple[float, float], end: tuple[float, float], colour: str = "#333333",
          text: str = "", **kw) -> None:
    """An arrow from @start to @end, with @text at its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.2, shrinkA=0, shrinkB=0, **kw))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, text, fontsize=FONT - 1,
                ha="center", va="center", color=colour,
                bbox=dict(facecolor="white", edgecolor="none", pad=1))


def blank_axes(fig, rect: tuple[float, float, float, float], xlim: float, ylim: float):
    """Axes at @rect (figure fractions) with data units 0..@xlim, 0..@ylim
    and nothing drawn around them."""
    ax = fig.add_axes(rect)
    ax.set_xlim(0, xlim)
    ax.set_ylim(0, ylim)
    ax.axis("off")
    return ax


# --- Lab 1: the firmware map and memblock ------------------------------------

# What the memmap command calls a run, as a pfnmap code (for its colour).
MADE_CODES = {"memblock-reserved": "R", "not RAM": "H", "buddy": "F6", "kernel image": "K",
              "mem_map": "M", "page tables": "T"}
USABLE, RESERVED = "#59a14f", "#9d9d9d"
RESERVE_COLOURS = ("#4e79a7", "#b07aa1", "#7b2d8e", "#e15759", "#76b7b2")


def even_axis(rows: list[list[Range]]) -> list[int]:
    """Every address where a range of @rows starts or ends, sorted: the
    lab 1 figure gives each interval between two of them the same width."""
    return sorted({a for ranges in rows for r in ranges for a in (r.start, r.end)})


def lab1_figure(boot: list[str], memmap: list[str]) -> plt.Figure:
    """The firmware map, memblock's reservations and what the kernel made
    of memory after boot, on one (uneven) address axis."""
    fw, res, made = parse_mmap(boot), parse_reserved(boot), parse_memmap_made(memmap)
    if not fw or not res or not made:
        raise LabfigsError("lab 1 needs the boot log's mmap: and memblock: reserve lines "
                           "and the output of memmap")
    bounds = even_axis([fw, res, made])
    x = {a: i for i, a in enumerate(bounds)}
    fig = plt.figure(figsize=(13, 5.2))
    ax = fig.add_axes((0.16, 0.3, 0.82, 0.58))
    ax.set_xlim(0, len(bounds) - 1)
    ax.set_ylim(0, 3)
    rows = [
        (2, "firmware map\n(boot log, mmap:)"),
        (1, "memblock.reserved\n(boot log, memblock: reserve)"),
        (0, "after boot\n(monitor: memmap)"),
    ]
    box(ax, 0, 2.1, len(bounds) - 1, 0.8, "white", edge="#bbbbbb", hatch="////", lw=0)
    for r in fw:
        face = USABLE if r.what == "usable" else RESERVED
        box(ax, x[r.start], 2.1, x[r.end] - x[r.start], 0.8, face, r.what, FONT - 1)
    for i, r in enumerate(res):
        name = textwrap.fill(r.what.split(" (")[0], 11)
        box(ax, x[r.start], 1.1, x[r.end] - x[r.start], 0.8,
            RESERVE_COLOURS[i % len(RESERVE_COLOURS)], name, FONT - 2)
    for r in made:
        face = colour_of(MADE_CODES.get(r.what, "R"))
        box(ax, x[r.start], 0.1, x[r.end] - x[r.start], 0.8, face,
            textwrap.fill(r.what, 8), FONT - 2, hatch="////" if r.what == "not RAM" else None)
    ax.set_yticks([y + 0.5 for y, _ in rows], [name for _, name in rows], fontsize=FONT)
    ax.set_xticks(range(len(bounds)), [f"{a:#x}" for a in bounds], rotation=90,
                  fontsize=FONT - 1, family="monospace")
    ax.tick_params(length=3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("physical address (every interval between two addresses is drawn the same "
                  "width: not to scale)", fontsize=FONT)
    ax.set_title("Lab 1: the firmware memory map becomes memblock (128 MiB QEMU boot); "
                 "hatched = in no map entry (a hole)", fontsize=FONT + 2)
    return fig


# --- Lab 2: one walk down the page tables -----------------------------------

LEVEL_SHIFT = {"PGD": 39, "PUD": 30, "PMD": 21, "PTE": 12}
LEVEL_TABLE = {"PGD": "PML4 (PGD)", "PUD": "PDPT (PUD)", "PMD": "page directory (PMD)",
               "PTE": "page table (PTE)"}
PAGE_BITS = {"4K": 12, "2M": 21, "1G": 30}
LEVEL_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1")


def va_fields(walk: Walk) -> list[tuple[int, int, str, int]]:
    """The fields of @walk's virtual address, high bits first, as (high bit,
    low bit, name, value): the sign extension, one 9-bit index per level
    walked, then the offset into the page."""
    fields = [(63, 48, "sign extension", walk.va >> 48)]
    for s in walk.steps:
        shift = LEVEL_SHIFT[s.level]
        fields.append((shift + 8, shift, f"{s.level} index", (walk.va >> shift) & 0x1FF))
    low = PAGE_BITS[walk.page]
    fields.append((low - 1, 0, "offset", walk.va & ((1 << low) - 1)))
    return fields


def lab2_figure(walk: Walk) -> plt.Figure:
    """@walk drawn: the virtual address cut into its fields, each index
    pointing at its entry, each entry at the next table, the last at the
    page."""
    fig = plt.figure(figsize=(13, 6.4))
    ax = blank_axes(fig, (0.01, 0.01, 0.98, 0.9), 130, 64)
    fig.suptitle(f"Lab 2: the CPU's walk of {walk.va:#x} (the monitor's walk command, "
                 f"128 MiB boot)", fontsize=FONT + 3)
    # The address, 64 bits over 120 units.
    fields = va_fields(walk)
    left, scale, top = 5.0, 120 / 64, 52.0
    field_x = {}
    for k, (hi, lo, name, value) in enumerate(fields):
        x0 = left + (63 - hi) * scale
        w = (hi - lo + 1) * scale
        face = "#dddddd" if name in ("sign extension", "offset") else LEVEL_COLOURS[k - 1]
        shown = f"{value:#x}" if name in ("sign extension", "offset") else str(value)
        box(ax, x0, top, w, 7, face, f"bits {hi}-{lo}\n{name}\n{shown}", FONT, edge="black")
        field_x[name] = x0 + w / 2
    ax.text(left, top + 8.5, f"virtual address {walk.va:#018x}", fontsize=FONT + 1,
            family="monospace")
    # The tables, left to right, CR3 first.
    n = len(walk.steps)
    tw, gap = 22.0, (120 - 22.0 * (n + 1)) / n
    ty = 14.0
    ax.text(left, ty + 24, f"CR3 = {walk.cr3:#x}", fontsize=FONT + 1, family="monospace")
    arrow(ax, (left + 4, ty + 23), (left + 4, ty + 20.5))
    for k, s in enumerate(walk.steps):
        x0 = left + k * (tw + gap)
        colour = LEVEL_COLOURS[k]
        box(ax, x0, ty, tw, 20, "#f7f7f7", edge=colour, lw=1.5)
        box(ax, x0 + 1, ty + 11, tw - 2, 6, colour,
            f"[{s.index}] at {s.entry_pa:#x}\n= {s.value:#x}", FONT - 2, edge=colour)
        ax.text(x0 + tw / 2, ty + 8.5, textwrap.fill(s.flags, 26), ha="center", va="center",
                fontsize=FONT - 2, family="monospace")
        ax.text(x0 + tw / 2, ty + 3.5, f"{LEVEL_TABLE[s.level]}\nat {s.table_pa:#x}",
                ha="center", va="center", fontsize=FONT - 1)
        arrow(ax, (field_x[f"{s.level} index"], top), (x0 + tw / 2, ty + 17), colour)
        target = x0 + tw + gap
        arrow(ax, (x0 + tw - 1, ty + 14), (target, ty + 14), "#333333")
        ax.text(x0 + tw + gap / 2, ty + 15.5, "next table" if k < n - 1 else f"{walk.page} page",
                ha="center", va="bottom", fontsize=FONT - 2)
    # The page.
    x0 = left + n * (tw + gap)
    base = walk.phys & ~((1 << PAGE_BITS[walk.page]) - 1)
    box(ax, x0, ty, tw, 20, "#ffe9a8", edge="black",
        label=f"{walk.page} page\nat {base:#x}\n\n+ offset\n{walk.phys - base:#x}\n\n= phys\n"
              f"{walk.phys:#x}", size=FONT - 1)
    arrow(ax, (field_x["offset"], top), (x0 + tw / 2, ty + 20), "#555555")
    ax.text(left, 4, "Each index is 9 bits, so each table has 512 entries of 8 bytes: entry i "
            "is at table + 8 * i. An entry holds the next table's physical address (bits 51-12) "
            "and flags\n(P present, RW writable, A accessed, D dirty, PS large page, G global, "
            "NX no execute). The walk ends early at an entry with PS: a 2 MiB or 1 GiB page.",
            fontsize=FONT - 1, va="center")
    return fig


# --- Lab 4: zones and the fallback --------------------------------------------

ZONE_COLOURS = {"DMA": "#e15759", "DMA32": "#4e79a7", "Normal": "#59a14f"}
# The zonelists of the gfp flags the monitor's alloc takes: (name as the
# command says it, the zones tried in order).
ZONELISTS = [("GFP_KERNEL", "", ["Normal", "DMA32", "DMA"]),
             ("GFP_KERNEL | GFP_DMA32", "dma32", ["DMA32", "DMA"]),
             ("GFP_KERNEL | GFP_DMA", "dma", ["DMA"])]


def lab4_figure(boot: list[str], secs: list[tuple[str, list[str]]]) -> plt.Figure:
    """The three zones of a 5 GiB boot with their watermarks, each gfp's
    zonelist with the zone its first page came from, and the order in which
    the self-test's zone_fallback_order got its order-10 blocks."""
    ranges = parse_zone_ranges(boot)
    info = parse_zoneinfo(one_output(secs, "zoneinfo"))
    fallback = parse_fallback(one_output(secs, "selftest"))
    if any(ranges.get(z) is None or z not in info for z in ZONES):
        raise LabfigsError("lab 4 needs a boot with memory in all three zones (MEM=5G)")
    fig = plt.figure(figsize=(13, 7.2))
    fig.suptitle("Lab 4: zones and the zonelist (5 GiB boot: Zone ranges, monitor: zoneinfo, "
                 "alloc, selftest)", fontsize=FONT + 3)
    ax = blank_axes(fig, (0.01, 0.01, 0.98, 0.92), 130, 72)
    row_y = {"Normal": 50.0, "DMA32": 36.0, "DMA": 22.0}
    for z in ZONES:
        r, zi = ranges[z], info[z]
        text = (f"ZONE_{z.upper()}  [mem {r.start:#x}-{r.end - 1:#x}]\n"
                f"managed {zi['managed']} pages ({human(int(zi['managed']) * 4096)}), "
                f"free {zi['pages free']}\n"
                f"watermarks min {zi['min']}, low {zi['low']}, high {zi['high']}; "
                f"protection {zi['protection']}")
        box(ax, 2, row_y[z], 56, 11, ZONE_COLOURS[z], text, FONT - 1, edge="black")
    ax.text(2, 63.5, "zones, highest address on top (boxes not to scale)", fontsize=FONT)
    allocs = {cmd: parse_alloc(lines) for cmd, lines in secs if cmd.startswith("alloc ")}
    for k, (name, word, zones) in enumerate(ZONELISTS):
        cx = 70 + k * 20
        ax.text(cx, 64.5, name, ha="center", fontsize=FONT, weight="bold")
        if k == 1:
            ax.text(cx, 67.5, "the zonelist of each gfp: 1 = the zone tried first",
                    ha="center", fontsize=FONT)
        for z in ZONES:
            used = z in zones
            face = ZONE_COLOURS[z] if used else "#f2f2f2"
            n = str(zones.index(z) + 1) if used else "never"
            box(ax, cx - 7, row_y[z] + 2, 14, 7, face, n, FONT + 1 if used else FONT - 1,
                edge="black" if used else "#cccccc", color=None if used else "#999999")
        for a, b in zip(zones, zones[1:]):
            arrow(ax, (cx, row_y[a] + 2), (cx, row_y[b] + 9), "#333333")
        got = allocs.get(f"alloc 0 {word}".strip())
        if got:
            ax.text(cx, 17.5, f"alloc 0 {word}".strip() + f":\npfn {got.pfn:#x}\nzone {got.zone}",
                    ha="center", va="top", fontsize=FONT - 1, family="monospace")
    total = sum(n for _, n in fallback)
    x = 2.0
    ax.text(2, 8.5, "self-test zone_fallback_order (GFP_KERNEL, watermarks zeroed): order-10 "
            "blocks in the order the zonelist gave them", fontsize=FONT)
    for k, (z, n) in enumerate(fallback):
        w = 118 * n / total
        box(ax, x, 2, w, 5, ZONE_COLOURS.get(z, "#cccccc"), f"{n} from {z}" if w > 8 else "",
            FONT - 1, edge="black")
        if w <= 8 and k < len(fallback) - 1:  # too thin for its words: beside it
            ax.text(x + w + 0.5, 4.5, f"{n} from {z}", fontsize=FONT - 1, va="center")
        elif w <= 8:  # the last one: above its end
            ax.text(x + w, 7.5, f"{n} from {z}", fontsize=FONT - 1, ha="right")
        x += w
    return fig


# --- Labs 3 and 5: a window of pfns, block by block -------------------------


def window(pfn: int, order: int, block: Block) -> tuple[int, int]:
    """The aligned window of 2^(@order + 3) pfns, and at least WINDOW,
    around a block of @order at @pfn, cut at max_pfn."""
    span = max(WINDOW, 1 << (order + 3))
    lo = pfn & ~(span - 1)
    return lo, min(lo + span, block.max_pfn)


def window_runs(block: Block, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """The pieces of @block's runs inside [lo, hi), one per buddy block
    (or per page, for pages on a per-CPU list), as (start, end, code)."""
    pieces = []
    for run in block.runs:
        if run.end <= lo or run.start >= hi:
            continue
        step = 1 << run.order if run.order >= 0 else (1 if run.kind == "P" else run.end - run.start)
        for s in range(run.start, run.end, step):
            a, b = max(s, lo), min(s + step, hi)
            if a < b:
                pieces.append((a, b, run.code))
    return pieces


def draw_strip(ax, y: float, block: Block, lo: int, hi: int, marks: dict[int, str]) -> None:
    """One row of cells, a cell per pfn of [lo, hi), at height @y (0.8
    high): each buddy block outlined and named by its code; @marks puts a
    label on single pfns instead (a per-CPU list position)."""
    for a, b, code in window_runs(block, lo, hi):
        face = colour_of(code)
        label = marks.get(a, code if b - a > 1 or code in ("P", "A0", "F0") else "")
        if code == "P" and a not in marks:
            label = "P"
        box(ax, a - lo, y, b - a, 0.8, face, label, FONT - 1 if b - a > 1 else FONT - 2,
            edge="black", lw=0.8)
        for pfn in range(a + 1, b):  # a faint line between the pages of a block
            ax.plot([pfn - lo] * 2, [y, y + 0.1], color="black", lw=0.4)


def strip_ticks(ax, lo: int, hi: int) -> None:
    """x ticks every 8 pfns, in hex."""
    ticks = list(range(0, hi - lo + 1, 4))
    ax.set_xticks(ticks, [f"{lo + t:#x}" for t in ticks], fontsize=FONT - 1, family="monospace")
    ax.set_xlim(0, hi - lo)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


CODES_LEGEND = ("F: free block of that order (on free_area[order])   A: allocated block   "
                "P: free page on the per-CPU list   M: mem_map   K: kernel image   R: memblock-reserved")


def lab3_figure(secs: list[tuple[str, list[str]]]) -> plt.Figure:
    """An order-2 allocation splits a block and its free merges it back:
    the pfns around it and the zone's free_area counts, before, after
    `alloc 2` and after `free #0`."""
    maps = [parse_pfnmap("\n".join(lines)) for lines in outputs(secs, "pfnmap")[:3]]
    infos = [parse_buddyinfo(lines) for lines in outputs(secs, "buddyinfo")[:3]]
    if len(maps) < 3 or len(infos) < 3:
        raise LabfigsError("lab 3 needs three pfnmap and buddyinfo dumps (before, after alloc 2, "
                           "after free #0)")
    got = parse_alloc(one_output(secs, "alloc 2"))
    blocks = [m[-1] for m in maps]
    lo, hi = window(got.pfn, got.order, blocks[0])
    states = ["before", f"after alloc 2\n(pfn {got.pfn:#x}, order {got.order})",
              "after free #0"]
    fig = plt.figure(figsize=(13, 6.6))
    fig.suptitle(f"Lab 3: a split and a merge in zone {got.zone} (monitor: pfnmap and buddyinfo, "
                 f"128 MiB boot)", fontsize=FONT + 3)
    ax = fig.add_axes((0.14, 0.5, 0.84, 0.38))
    ax.set_ylim(0, 3)
    for i, b in enumerate(blocks):
        draw_strip(ax, 2.1 - i, b, lo, hi, {})
    ax.set_yticks([2.5 - i for i in range(3)], states, fontsize=FONT)
    strip_ticks(ax, lo, hi)
    ax.set_xlabel(f"pfn (one cell per page)    {CODES_LEGEND}", fontsize=FONT - 1)
    # The free_area counts of the zone, as a table.
    tab = blank_axes(fig, (0.14, 0.04, 0.84, 0.3), 12, 4)
    tab.text(0, 3.55, f"zone {got.zone}: free_area[order].nr_free (buddyinfo); "
             "shaded: changed since 'before'", fontsize=FONT)
    for o in range(11):
        box(tab, o + 1, 2.6, 1, 0.7, "#eeeeee", f"order {o}", FONT - 1, color="black")
    for i, info in enumerate(infos):
        row = info.get(got.zone)
        if row is None:
            raise LabfigsError(f"buddyinfo has no line for zone {got.zone}")
        tab.text(0.95, 1.95 - i * 0.8, states[i].split("\n")[0], ha="right", va="center",
                 fontsize=FONT - 1)
        for o, n in enumerate(row):
            changed = n != infos[0][got.zone][o]
            box(tab, o + 1, 1.6 - i * 0.8, 1, 0.7, "#ffd92f" if changed else "white", str(n),
                FONT, edge="#999999", color="black")
    return fig


def lab5_pcp_figure(secs: list[tuple[str, list[str]]]) -> plt.Figure:
    """The per-CPU list of the zone an order-0 allocation came from: its
    pages in memory and their order on the list, after `alloc 0` (a batch
    refill), after `free #1` and after `drain`."""
    got = parse_alloc(one_output(secs, "alloc 0"))
    cmds = [c for c, _ in secs]
    first = cmds.index("alloc 0")
    states = []
    for cmd, at in [("before alloc 0", None)] + [(c, cmds.index(c, first)) for c in
                                                  ("alloc 0", "free #1", "drain")]:
        # before: the last dumps ahead of alloc 0; else the first after @cmd
        seq = secs[:first][::-1] if at is None else secs[at:]
        pcp = next((parse_pcp(lines) for c, lines in seq if c == "pcp"), None)
        dump = next((lines for c, lines in seq if c == "pfnmap"), None)
        if pcp is None or dump is None or got.zone not in pcp:
            raise LabfigsError(f"lab 5 needs a pcp and a pfnmap dump for {cmd!r}")
        states.append((cmd if at is None else f"after {cmd}", pcp[got.zone],
                       parse_pfnmap("\n".join(dump))[-1]))
    lo, hi = window(got.pfn, got.order, states[0][2])
    fig = plt.figure(figsize=(13, 6.2))
    fig.suptitle(f"Lab 5: zone {got.zone}'s per-CPU list (monitor: pcp and pfnmap, 128 MiB boot); "
                 "numbers: place on the list, 1 = hottest, handed out next", fontsize=FONT + 2)
    ax = fig.add_axes((0.2, 0.16, 0.78, 0.74))
    ax.set_ylim(0, len(states))
    labels = []
    for i, (name, pcp, block) in enumerate(states):
        marks = {pfn: str(k + 1) for k, pfn in enumerate(pcp.pfns)}
        draw_strip(ax, len(states) - 0.9 - i, block, lo, hi, marks)
        labels.append(f"{name}\ncount {pcp.count}, high {pcp.high}, batch {pcp.batch}")
    ax.set_yticks([len(states) - 0.5 - i for i in range(len(states))], labels, fontsize=FONT)
    strip_ticks(ax, lo, hi)
    ax.set_xlabel(f"pfn (one cell per page)    {CODES_LEGEND}", fontsize=FONT - 1)
    return fig


def lab5_bench_figure(text: str) -> plt.Figure:
    """make bench's order-0 pairs: the buddy with its per-CPU lists (lab 5
    written), without them (buddy-nopcp: every order-0 page straight back
    to the buddy, as the lab 5 stubs do), and a free stack."""
    rows = order0_medians(text)
    bars = [("buddy\n(per-CPU lists: lab 5 written)", rows.get("buddy")),
            ("buddy-nopcp\n(per-CPU lists off, as the stubs)", rows.get("buddy-nopcp")),
            ("free stack\n(the least an allocator does)", rows.get("free stack"))]
    bars = [(name, v) for name, v in bars if v]
    if len(bars) < 2:
        raise LabfigsError("the bench output has no order0 rows of buddy and buddy-nopcp")
    fig = plt.figure(figsize=(10, 3.4))
    ax = fig.add_axes((0.3, 0.2, 0.66, 0.6))
    ys = range(len(bars))[::-1]
    colours = ["#59a14f", "#f28e2b", "#9d9d9d"]
    for y, (_, (med, lo, hi)), c in zip(ys, bars, colours):
        ax.barh(y, med, color=c, xerr=[[med - lo], [hi - med]], capsize=3)
    xmax = max(v[2] for _, v in bars) * 1.2
    for y, (_, (med, _, hi)) in zip(ys, bars):
        ax.text(hi + xmax / 60, y, f"{med:.1f} ns", va="center", fontsize=FONT)
    ax.set_yticks(list(ys), [name for name, _ in bars], fontsize=FONT)
    ax.set_xlabel("ns per order-0 alloc + free pair (median of the runs; bars: min to max)",
                  fontsize=FONT)
    ax.set_xlim(0, xmax)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Lab 5: make bench BENCH_ARGS=\"{BENCH_ARGS}\"\n{bench_header(text)}",
                 fontsize=FONT + 1)
    return fig


# --- Running the kernel and the bench ----------------------------------------


def run(cmd: list[str], cwd: Path, log: Path) -> str:
    """Run @cmd in @cwd, its stdout and stderr saved to @log; return its
    stdout. A failure raises LabfigsError naming the log."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode:
        raise LabfigsError(f"{' '.join(cmd)} failed (status {proc.returncode}); see {log}")
    return proc.stdout


def make_dump(name: str, mem: str, cmds: list[str], work: Path) -> str:
    """Boot a kernel built under @work with `make dump` and the monitor
    commands @cmds on @mem of RAM; keep its transcript as @work/@name.txt
    and return it."""
    work.mkdir(parents=True, exist_ok=True)
    run(["make", "--no-print-directory", "dump", f"BUILD={work}", f"MEM={mem}",
         f"CMDS={'; '.join(cmds)}"], REPO, work / f"{name}.log")
    text = (work / "dump.txt").read_text()
    (work / f"{name}.txt").write_text(text)
    return text


def make_bench(work: Path) -> str:
    """`make bench` of order-0 pairs, its table kept as @work/bench.txt."""
    work.mkdir(parents=True, exist_ok=True)
    out = run(["make", "--no-print-directory", "-s", "bench", f"BUILD={work}",
               f"BENCH_ARGS={BENCH_ARGS}"], REPO, work / "bench.log")
    (work / "bench.txt").write_text(out)
    return out


def transcripts(work: Path, reuse: bool, bench: bool) -> dict[str, str]:
    """{name: text} of every dump (and bench output, if @bench): fresh runs,
    or with @reuse the ones kept in @work."""
    names = list(DUMPS) + (["bench"] if bench else [])
    if reuse:
        missing = [n for n in names if not (work / f"{n}.txt").exists()]
        if missing:
            raise LabfigsError(f"no saved transcript {', '.join(missing)} in {work}: "
                               "run without --reuse first")
        return {n: (work / f"{n}.txt").read_text() for n in names}
    found = {n: make_dump(n, mem, cmds, work) for n, (mem, cmds) in DUMPS.items()}
    if bench:
        found["bench"] = make_bench(work)
    return found


def figures(texts: dict[str, str]) -> dict[str, plt.Figure]:
    """{file stem: figure} for every figure the transcripts allow."""
    boot, secs = sections(texts["boot-128M"])
    zboot, zsecs = sections(texts["zones-5G"])
    out = {
        "lab1-memory-map": lab1_figure(boot, one_output(secs, "memmap")),
        "lab2-page-walk": lab2_figure(parse_walk(one_output(secs, f"walk {WALK_4K:#x}"))),
        "lab3-split-merge": lab3_figure(secs),
        "lab4-zones": lab4_figure(zboot, zsecs),
        "lab5-pcp": lab5_pcp_figure(secs),
    }
    if "bench" in texts:
        out["lab5-bench"] = lab5_bench_figure(texts["bench"])
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status (1 when a run or a
    transcript fails)."""
    ap = argparse.ArgumentParser(prog="labfigs", description="Draw the figures of docs/labs/ "
                                 "from fresh kernel runs (make lab-figures).")
    ap.add_argument("--out", default=str(OUT), help="where the PNG and SVG files go "
                    "(default docs/labs/images)")
    ap.add_argument("--work", default=str(WORK), help="build directory and kept transcripts "
                    "(default build/labfigs)")
    ap.add_argument("--reuse", action="store_true", help="draw from the transcripts kept in "
                    "--work instead of booting")
    ap.add_argument("--no-bench", action="store_true", help="skip make bench and its figure")
    args = ap.parse_args(argv)
    plt.rcParams["font.size"] = FONT
    try:
        texts = transcripts(Path(args.work).resolve(), args.reuse, not args.no_bench)
        figs = figures(texts)
    except (LabfigsError, PfnmapError, OSError) as e:
        print(f"labfigs: {e}", file=sys.stderr)
        return 1
    out = Path(args.out)
    for stem, fig in figs.items():
        save_figure(fig, [out / f"{stem}.png", out / f"{stem}.svg"])
        print(f"labfigs: wrote {out / stem}.png and .svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
