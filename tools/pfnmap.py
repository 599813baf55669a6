"""pfnmap.py - read the kernel's `pfnmap` dumps (formats v1 and v2,
docs/memplot.md) out of a serial transcript. A block is accepted only whole
and consistent: its runs tile [0, max_pfn) in order, each code is one its
format version knows, each buddy run is a whole number of naturally aligned
blocks, and the header's run count matches; anything else raises
PfnmapError naming the transcript line. No matplotlib here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PAGE_SIZE = 4096  # bytes per pfn
MAX_PAGE_ORDER = 10  # inclusive, as Linux >= 6.8 and src/mm/gfp.h
FORMAT_VERSION = 2  # what the kernel prints now; older dumps are v1
FORMAT_VERSIONS = (1, 2)

# The codes that are not buddy blocks, in the order the legend lists them.
PLAIN_CODES = {
    "H": "not RAM (hole, firmware-reserved)",
    "R": "memblock-reserved RAM",
    "K": "kernel image",
    "M": "mem_map",
    "T": "page tables",
}
# A free order-0 page on a per-CPU list (PG_pcp): free, but on no buddy
# list. New in v2; v2 is v1 plus this code.
PCP_CODE = "P"
PCP_NAME = "free, per-CPU list"

# CSI sequences (ESC [ ... final byte) and two-byte escapes: GRUB clears the
# screen and sets colours on the serial line before the kernel runs.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_PREFIX = re.compile(r"(?:^|\s)pfnmap: (.*)$")
_HEADER = re.compile(r"v(\d+) max_pfn (0x[0-9a-fA-F]+) runs (\d+)")
_RUN = re.compile(r"(0x[0-9a-fA-F]+) (0x[0-9a-fA-F]+) (\S+)")
_CODE = re.compile(r"([HRKMTP])|([FA])(\d{1,2})")


class PfnmapError(ValueError):
    """A transcript that holds no pfnmap block, or a malformed one. The
    message starts with "line N:" when one line is to blame."""


@dataclass(frozen=True)
class Run:
    """pfns [start, end) in one state. kind is one of PLAIN_CODES, PCP_CODE,
    or "F" (free) or "A" (allocated) for buddy blocks; order is the buddy
    order (0..MAX_PAGE_ORDER), -1 for the others."""

    start: int
    end: int  # exclusive
    kind: str
    order: int = -1

    @property
    def code(self) -> str:
        """The code as printed: "K", "F10", ..."""
        return self.kind if self.order < 0 else f"{self.kind}{self.order}"

    @property
    def nr_pages(self) -> int:
        return self.end - self.start

    @property
    def nr_blocks(self) -> int:
        """Buddy blocks in the run; 0 for a plain code."""
        return 0 if self.order < 0 else self.nr_pages >> self.order


@dataclass
class Block:
    """One pfnmap dump. number counts from 1 in transcript order; line is the
    1-based transcript line of its header; version the format version."""

    number: int
    line: int
    max_pfn: int
    runs: list[Run] = field(default_factory=list)
    version: int = FORMAT_VERSION

    def pages(self, kind: str) -> int:
        """pfns in runs of @kind ("F", "A", "P", "H", ...)."""
        return sum(r.nr_pages for r in self.runs if r.kind == kind)

    def free_pages(self) -> int:
        """Every free pfn: in free blocks and on per-CPU lists (MemFree)."""
        return self.pages("F") + self.pages(PCP_CODE)

    def ram_pages(self) -> int:
        """pfns below max_pfn that are RAM (every code but H)."""
        return self.max_pfn - self.pages("H")

    def free_blocks(self) -> list[int]:
        """Free blocks per order, like /proc/buddyinfo (without zones)."""
        counts = [0] * (MAX_PAGE_ORDER + 1)
        for r in self.runs:
            if r.kind == "F":
                counts[r.order] += r.nr_blocks
        return counts


def parse_code(code: str, version: int = FORMAT_VERSION) -> tuple[str, int]:
    """(kind, order) for a code of format @version, order -1 for one
    without an order. Raises PfnmapError for an unknown code (P in v1) or
    an order above MAX_PAGE_ORDER."""
    m = _CODE.fullmatch(code)
    if m and m.group(1) and (m.group(1) != PCP_CODE or version >= 2):
        return m.group(1), -1
    if m and m.group(2) and int(m.group(3)) <= MAX_PAGE_ORDER and str(int(m.group(3))) == m.group(3):
        return m.group(2), int(m.group(3))
    plain = " ".join(list(PLAIN_CODES) + ([PCP_CODE] if version >= 2 else []))
    raise PfnmapError(f"unknown code {code!r} in v{version} (want {plain}, F0..F{MAX_PAGE_ORDER} "
                      f"or A0..A{MAX_PAGE_ORDER})")


def payloads(text: str) -> list[tuple[int, str]]:
    """(line number, text after "pfnmap: ") for each pfnmap line of a
    transcript, escape sequences and carriage returns removed."""
    found = []
    for number, line in enumerate(_ANSI.sub("", text).split("\n"), 1):
        m = _PREFIX.search(line.replace("\r", "").rstrip())
        if m:
            found.append((number, m.group(1).strip()))
    return found


def _check_run(block: Block, run: Run, number: int) -> None:
    """Raise PfnmapError unless @run continues @block where it stands."""
    at = block.runs[-1].end if block.runs else 0
    where = f"line {number}: run {run.start:#x}..{run.end:#x}"
    if run.start < at:
        raise PfnmapError(f"{where} overlaps or is out of order: the previous run ends at {at:#x}")
    if run.start > at:
        raise PfnmapError(f"{where} leaves a gap: pfns {at:#x}..{run.start:#x} are missing")
    if run.end <= run.start:
        raise PfnmapError(f"{where} is empty or reversed")
    if run.end > block.max_pfn:
        raise PfnmapError(f"{where} goes past max_pfn {block.max_pfn:#x}")
    size = 1 << max(run.order, 0)
    if run.start % size or run.end % size:
        raise PfnmapError(f"{where} is not a whole number of naturally aligned "
                          f"order-{run.order} blocks")


def _finish(block: Block, declared: int, number: int) -> None:
    """Raise PfnmapError unless the closed @block is complete."""
    covered = block.runs[-1].end if block.runs else 0
    if covered != block.max_pfn:
        raise PfnmapError(f"line {number}: block {block.number} ends at pfn {covered:#x}, "
                          f"not at max_pfn {block.max_pfn:#x}")
    if len(block.runs) != declared:
        raise PfnmapError(f"line {number}: block {block.number} has {len(block.runs)} runs "
                          f"but its header (line {block.line}) says {declared}")


def parse(text: str) -> list[Block]:
    """Every pfnmap block of a transcript, in order.
    Raises PfnmapError if there is none, or if any block is malformed:
    truncated, runs overlapping, out of order or leaving a gap, an unknown
    code, a misaligned buddy run, or a run count unlike the header's."""
    blocks: list[Block] = []
    block: Block | None = None
    declared = 0
    last = 0
    for number, payload in payloads(text):
        last = number
        if payload.startswith("v"):
            m = _HEADER.fullmatch(payload)
            if not m:
                raise PfnmapError(f"line {number}: bad header {payload!r}")
            if block:
                raise PfnmapError(f"line {number}: block {block.number} (line {block.line}) "
                                  f"is truncated: a new header before its end line")
            if int(m.group(1)) not in FORMAT_VERSIONS:
                raise PfnmapError(f"line {number}: format v{m.group(1)} is not supported "
                                  f"(this reader knows {', '.join(f'v{v}' for v in FORMAT_VERSIONS)})")
            block = Block(len(blocks) + 1, number, int(m.group(2), 16), version=int(m.group(1)))
            declared = int(m.group(3))
            if block.max_pfn == 0:
                raise PfnmapError(f"line {number}: max_pfn is 0")
        elif block is None:
            raise PfnmapError(f"line {number}: {payload!r} outside a block")
        elif payload == "end":
            _finish(block, declared, number)
            blocks.append(block)
            block = None
        else:
            m = _RUN.fullmatch(payload)
            if not m:
                raise PfnmapError(f"line {number}: bad run line {payload!r}")
            try:
                kind, order = parse_code(m.group(3), block.version)
            except PfnmapError as e:
                raise PfnmapError(f"line {number}: {e}") from None
            run = Run(int(m.group(1), 16), int(m.group(2), 16), kind, order)
            _check_run(block, run, number)
            block.runs.append(run)
    if block:
        raise PfnmapError(f"line {last}: block {block.number} (line {block.line}) is "
                          f"truncated: the transcript ends before its end line")
    if not blocks:
        raise PfnmapError("no pfnmap block in the transcript")
    return blocks
