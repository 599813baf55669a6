"""serial_log.py - read a Pagewise serial (COM1) log into the facts the boot
tests check: the firmware memory map, the Memory: and meminfo lines, the
buddyinfo line, the mem_map and direct-map lines, and the KTAP document.

It also recomputes, from the printed map alone, what the kernel should have
found (usable_pages(), memblock_memory_pfns(), highest_usable_pfn()), so a
test compares the kernel's arithmetic with an independent one.

Run it on a log to see what it finds:  python3 test/emu/serial_log.py LOG
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

PAGE_SIZE = 4096
def _first_match(pattern: re.Pattern, lines: list[str]) -> re.Match | None:
    """The first line that @pattern matches in full, as a match, or None."""
    for line in lines:
        m = pattern.match(line)
        if m:
            return m
    return None


PAGE_SHIFT = 12
NR_PAGE_ORDERS = 11  # orders 0..MAX_PAGE_ORDER (10)

# CSI sequences (ESC [ ... final byte) and two-byte escapes: GRUB clears the
# screen and sets colours on the serial line before the kernel runs.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_HEX = r"0x[0-9a-fA-F]+"


def clean_lines(raw: bytes | str) -> list[str]:
    """The log as lines: escape sequences and carriage returns removed."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    raw = _ANSI.sub("", raw)
    return [line.replace("\r", "").rstrip() for line in raw.split("\n")]


def kernel_start(lines: list[str]) -> int | None:
    """Index of the kernel's first line: its banner, or the 32-bit stub's
    "Pagewise: boot error". GRUB's own output comes before it."""
    for i, line in enumerate(lines):
        if line.startswith("Pagewise ") or line.startswith("Pagewise:"):
            return i
    return None


def kernel_lines(lines: list[str]) -> list[str]:
    """The lines from the kernel's first one on, without trailing empty
    lines; empty when the kernel said nothing."""
    start = kernel_start(lines)
    if start is None:
        return []
    out = lines[start:]
    while out and not out[-1].strip():
        out.pop()
    return out


# ---------------------------------------------------------------------------
# The firmware memory map: "mmap: [mem 0xSTART-0xEND] usable" (END inclusive)


@dataclass(frozen=True)
class MapEntry:
    start: int  # first byte
    end: int  # one past the last byte
    kind: str  # "usable", "reserved", "ACPI data", "ACPI NVS", "unusable", "type 20"

    @property
    def usable(self) -> bool:
        return self.kind == "usable"


_MMAP = re.compile(rf"^mmap: \[mem ({_HEX})-({_HEX})\] (.+)$")
_MMAP_EMPTY = re.compile(rf"^mmap: \[mem ({_HEX}), empty\]")


def parse_mmap(lines: list[str]) -> list[MapEntry]:
    """The map entries as printed, in order; zero-length entries skipped."""
    entries = []
    for line in lines:
        m = _MMAP.match(line)
        if m:
            start, last = int(m.group(1), 16), int(m.group(2), 16)
            entries.append(MapEntry(start, last + 1, m.group(3).strip()))
        elif not _MMAP_EMPTY.match(line) and line.startswith("mmap: "):
            raise ValueError(f"unparsable memory map line: {line!r}")
    return entries


def merge(ranges) -> list[tuple[int, int]]:
    """Half-open [start, end) ranges: sorted, overlapping or touching ones
    joined, empty ones dropped."""
    out: list[list[int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def subtract(ranges, holes) -> list[tuple[int, int]]:
    """merge(ranges) minus every [start, end) in holes."""
    out = []
    holes = merge(holes)
    for start, end in merge(ranges):
        pos = start
        for hs, he in holes:
            if he <= pos or hs >= end:
                continue
            if hs > pos:
                out.append((pos, hs))
            pos = max(pos, he)
            if pos >= end:
                break
        if pos < end:
            out.append((pos, end))
    return out


def total(ranges) -> int:
    return sum(e - s for s, e in ranges)


def intersect(ranges, start: int, end: int) -> list[tuple[int, int]]:
    return [(max(s, start), min(e, end)) for s, e in ranges if s < end and e > start]


def _whole_pfns(entry: MapEntry) -> tuple[int, int]:
    """The whole pages inside an entry: start rounded up, end rounded down."""
    return (-(-entry.start // PAGE_SIZE), entry.end // PAGE_SIZE)


def _touched_pfns(entry: MapEntry) -> tuple[int, int]:
    """Every page an entry touches: start rounded down, end rounded up."""
    return (entry.start // PAGE_SIZE, -(-entry.end // PAGE_SIZE))


def memblock_memory_pfns(entries: list[MapEntry]) -> list[tuple[int, int]]:
    """The pfn ranges of RAM: each usable entry trimmed inward to whole pages,
    then overlapping or touching ones merged (what memblock.memory holds)."""
    return merge(_whole_pfns(e) for e in entries if e.usable)


def usable_page_ranges(entries: list[MapEntry]) -> list[tuple[int, int]]:
    """memblock_memory_pfns() minus every page any non-usable entry touches."""
    firmware = [_touched_pfns(e) for e in entries if not e.usable]
    return subtract(memblock_memory_pfns(entries), firmware)


def usable_pages(entries: list[MapEntry]) -> int:
    """T of the Memory: line, in pages, computed from the map alone."""
    return total(usable_page_ranges(entries))


def highest_usable_pfn(entries: list[MapEntry]) -> int:
    """One past the last whole usable page no other entry touches: max_pfn."""
    ranges = usable_page_ranges(entries)
    return ranges[-1][1] if ranges else 0


# ---------------------------------------------------------------------------
# The boot report lines


@dataclass(frozen=True)
class MemoryLine:
    """Memory: AK/TK available (... kernel code, ..., RK reserved)"""

    available_k: int
    total_k: int
    code_k: int
    rwdata_k: int
    rodata_k: int
    init_k: int
    bss_k: int
    reserved_k: int


_MEMORY = re.compile(
    r"^Memory: (\d+)K/(\d+)K available \((\d+)K kernel code, (\d+)K rwdata, "
    r"(\d+)K rodata, (\d+)K init, (\d+)K bss, (\d+)K reserved\)$"
)


def parse_memory_line(lines: list[str]) -> MemoryLine | None:
    m = _first_match(_MEMORY, lines)
    if not m:
        return None
    return MemoryLine(*(int(g) for g in m.groups()))


_MEMINFO = re.compile(r"^(MemTotal|MemFree): +(\d+) kB$")


def parse_meminfo(lines: list[str]) -> dict[str, int]:
    """MemTotal and MemFree in kB, from the first (boot-time) report."""
    out: dict[str, int] = {}
    for line in lines:
        m = _MEMINFO.match(line)
        if m and m.group(1) not in out:
            out[m.group(1)] = int(m.group(2))
    return out


@dataclass(frozen=True)
class Buddyinfo:
    """Node N, zone NAME  c0 c1 ... c10: free blocks of each order."""

    node: int
    zone: str
    counts: tuple[int, ...]

    @property
    def free_pages(self) -> int:
        return sum(c << order for order, c in enumerate(self.counts))

    @property
    def free_kb(self) -> int:
        return self.free_pages * (PAGE_SIZE // 1024)


_BUDDYINFO = re.compile(r"^Node (\d+), zone +(\S+)((?: +\d+)+)\s*$")


def parse_buddyinfo(lines: list[str]) -> Buddyinfo | None:
    """The first buddyinfo line (the boot-time report)."""
    m = _first_match(_BUDDYINFO, lines)
    if not m:
        return None
    counts = tuple(int(c) for c in m.group(3).split())
    return Buddyinfo(int(m.group(1)), m.group(2), counts)


@dataclass(frozen=True)
class MemMapInfo:
    """mm: mem_map: N struct pages x B bytes = K KiB (B bytes per P KiB page, X% overhead)"""

    struct_pages: int
    bytes_per_page: int
    kib: int
    page_kib: int
    percent: str


_MEM_MAP_INFO = re.compile(
    r"^mm: mem_map: (\d+) struct pages x (\d+) bytes = (\d+) KiB "
    r"\((\d+) bytes per (\d+) KiB page, ([\d.]+)% overhead\)$"
)
_MEM_MAP_AT = re.compile(rf"^mm: mem_map at \[mem ({_HEX})-({_HEX})\]: (\d+) pages x (\d+) bytes$")


def parse_mem_map_info(lines: list[str]) -> MemMapInfo | None:
    m = _first_match(_MEM_MAP_INFO, lines)
    if not m:
        return None
    pages, size, kib, per, page_kib, pct = m.groups()
    if per != size:
        raise ValueError(f"mem_map line states two struct page sizes: {line!r}")
    return MemMapInfo(int(pages), int(size), int(kib), int(page_kib), pct)


def parse_mem_map_location(lines: list[str]) -> tuple[int, int, int] | None:
    """Where mem_map was put: (start, end one past, number of struct pages)."""
    m = _first_match(_MEM_MAP_AT, lines)
    if not m:
        return None
    return int(m.group(1), 16), int(m.group(2), 16) + 1, int(m.group(3))


@dataclass(frozen=True)
class DirectMap:
    """paging: direct map ... [mem A-B] at VA: n x 1G, n x 2M, n x 4K pages"""

    start: int
    end: int  # one past the last byte
    virt: int
    pages_1g: int
    pages_2m: int
    pages_4k: int

    @property
    def mapped_bytes(self) -> int:
        return (self.pages_1g << 30) + (self.pages_2m << 21) + (self.pages_4k << 12)


# The wording before "[mem" has changed over time ("direct map [mem" and
# "direct map of the RAM in [mem"): accept any.
_DIRECT_MAP = re.compile(
    rf"^paging: direct map\b.*?\[mem ({_HEX})-({_HEX})\] at ({_HEX}): "
    r"(\d+) x 1G, (\d+) x 2M, (\d+) x 4K pages$"
)


def parse_direct_map(lines: list[str]) -> DirectMap | None:
    m = _first_match(_DIRECT_MAP, lines)
    if not m:
        return None
    a, b, va, g, m2, k = m.groups()
    return DirectMap(int(a, 16), int(b, 16) + 1, int(va, 16), int(g), int(m2), int(k))


_CPU = re.compile(r"^cpu: (\S+), NX (yes|no), 1 GiB pages (yes|no)")


def parse_cpu(lines: list[str]) -> dict[str, object] | None:
    m = _first_match(_CPU, lines)
    if not m:
        return None
    return {"vendor": m.group(1), "nx": m.group(2) == "yes", "gbpages": m.group(3) == "yes"}


# ---------------------------------------------------------------------------
# KTAP (https://docs.kernel.org/dev-tools/ktap.html), one level, no subtests


@dataclass(frozen=True)
class KtapResult:
    ok: bool
    number: int
    name: str
    directive: str  # "" or e.g. "SKIP not enough memory"
    line_no: int  # index in the lines given to parse_ktap()

    @property
    def skipped(self) -> bool:
        return self.directive.upper().startswith("SKIP")


@dataclass
class KtapDocument:
    version: int
    plan: int | None = None
    results: list[KtapResult] = field(default_factory=list)
    totals: dict[str, int] | None = None  # "# Totals: pass:N fail:N skip:N total:N"
    version_line_no: int = 0
    end_line_no: int | None = None  # the Totals line, if any

    def problems(self) -> list[str]:
        """What is malformed: no plan, numbering not exactly 1..N in order,
        a result count unlike the plan, Totals missing or disagreeing."""
        out = []
        if self.plan is None:
            out.append("KTAP: no plan line (1..N)")
        expected = 1
        seen: set[int] = set()
        for r in self.results:
            if r.number in seen:
                out.append(f"KTAP: test {r.number} ({r.name}) reported twice")
            elif r.number != expected:
                out.append(f"KTAP: test {r.number} ({r.name}) where {expected} was due")
            seen.add(r.number)
            expected = max(expected, r.number) + 1
        if self.plan is not None:
            missing = sorted(set(range(1, self.plan + 1)) - seen)
            if missing:
                out.append(f"KTAP: tests {missing} of the plan 1..{self.plan} never reported")
            extra = sorted(n for n in seen if n > self.plan)
            if extra:
                out.append(f"KTAP: tests {extra} beyond the plan 1..{self.plan}")
            if len(self.results) != self.plan:
                out.append(f"KTAP: {len(self.results)} results for a plan of {self.plan}")
        if self.totals is None:
            out.append("KTAP: no '# Totals:' line")
        else:
            t = self.totals
            passed = sum(1 for r in self.results if r.ok and not r.skipped)
            failed = sum(1 for r in self.results if not r.ok)
            skipped = sum(1 for r in self.results if r.skipped)
            counted = {"pass": passed, "fail": failed, "skip": skipped, "total": len(self.results)}
            for key, value in counted.items():
                if t.get(key) != value:
                    out.append(f"KTAP: Totals says {key}:{t.get(key)} but the results give {value}")
        return out

    def failures(self) -> list[KtapResult]:
        return [r for r in self.results if not r.ok or r.skipped]


_KTAP_VERSION = re.compile(r"^K?TAP version (\d+)$")
_KTAP_PLAN = re.compile(r"^1\.\.(\d+)$")
_KTAP_RESULT = re.compile(r"^(not ok|ok) (\d+)(?: (?:- )?([^#]*?))?\s*(?:#\s*(.*?))?\s*$")
_KTAP_TOTALS = re.compile(r"^# Totals: ((?:\w+:\d+ ?)+)$")


def parse_ktap(lines: list[str]) -> KtapDocument | None:
    """The first KTAP document in the lines, up to its '# Totals:' line.
    Kernel messages in between (e.g. "buddy: BUG: ...") are skipped."""
    doc = None
    for i, line in enumerate(lines):
        if doc is None:
            m = _KTAP_VERSION.match(line)
            if m:
                doc = KtapDocument(version=int(m.group(1)), version_line_no=i)
            continue
        m = _KTAP_PLAN.match(line)
        if m:
            if doc.plan is None and not doc.results:
                doc.plan = int(m.group(1))
            continue
        m = _KTAP_RESULT.match(line)
        if m:
            doc.results.append(
                KtapResult(m.group(1) == "ok", int(m.group(2)), (m.group(3) or "").strip(), m.group(4) or "", i)
            )
            continue
        m = _KTAP_TOTALS.match(line)
        if m:
            doc.totals = {k: int(v) for k, v in (kv.split(":") for kv in m.group(1).split())}
            doc.end_line_no = i
            break
    return doc


# ---------------------------------------------------------------------------


@dataclass
class SerialLog:
    """Everything above, parsed from one log."""

    lines: list[str]  # all lines, cleaned
    boot_loader: list[str]  # the lines before the kernel's first (GRUB, firmware)
    kernel: list[str]  # from the kernel's first line on
    mmap: list[MapEntry]
    memory: MemoryLine | None
    meminfo: dict[str, int]
    buddyinfo: Buddyinfo | None
    mem_map: MemMapInfo | None
    mem_map_at: tuple[int, int, int] | None
    direct_map: DirectMap | None
    cpu: dict[str, object] | None
    ktap: KtapDocument | None

    @classmethod
    def parse(cls, raw: bytes | str) -> SerialLog:
        lines = clean_lines(raw)
        k = kernel_lines(lines)
        start = kernel_start(lines)
        return cls(
            lines=lines,
            boot_loader=lines if start is None else lines[:start],
            kernel=k,
            mmap=parse_mmap(k),
            memory=parse_memory_line(k),
            meminfo=parse_meminfo(k),
            buddyinfo=parse_buddyinfo(k),
            mem_map=parse_mem_map_info(k),
            mem_map_at=parse_mem_map_location(k),
            direct_map=parse_direct_map(k),
            cpu=parse_cpu(k),
            ktap=parse_ktap(k),
        )

    @classmethod
    def read(cls, path) -> SerialLog:
        with open(path, "rb") as f:
            return cls.parse(f.read())

    def last_kernel_line(self) -> str:
        return self.kernel[-1] if self.kernel else ""


def _summary(log: SerialLog) -> str:
    t = usable_pages(log.mmap)
    out = [
        f"kernel lines: {len(log.kernel)}; last: {log.last_kernel_line()!r}",
        f"map: {len(log.mmap)} entries; T from the map = {t} pages = {t * 4}K; "
        f"highest usable pfn end = {highest_usable_pfn(log.mmap)}",
        f"Memory line: {log.memory}",
        f"meminfo: {log.meminfo}",
        f"buddyinfo: {log.buddyinfo} (free {log.buddyinfo.free_kb if log.buddyinfo else '?'} kB)",
        f"mem_map: {log.mem_map}; at {log.mem_map_at}",
        f"direct map: {log.direct_map}",
    ]
    if log.ktap:
        out.append(
            f"KTAP: plan {log.ktap.plan}, {len(log.ktap.results)} results, "
            f"failures {[r.name for r in log.ktap.failures()]}, totals {log.ktap.totals}, "
            f"problems {log.ktap.problems()}"
        )
    else:
        out.append("KTAP: none")
    return "\n".join(out)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(f"== {path}")
        print(_summary(SerialLog.read(path)))
