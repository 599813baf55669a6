"""serial_log.py - read a Pagewise serial (COM1) log into the facts the boot
tests check: the firmware memory map, the memblock reservations, the zone
ranges, the Memory: and meminfo lines, the buddyinfo lines (one per populated
zone, then one "free_pcp:" line with each zone's per-CPU pages), the zoneinfo blocks
(with their pagesets), the mem_map and direct-map lines, the KTAP
document, the ranges the self-test handed out, the bad-page report blocks and
the allocation-failure warnings.

It also recomputes, from the printed map alone, what the kernel should have
found (usable_pages(), memblock_memory_pfns(), highest_usable_pfn()), so a
test compares the kernel's arithmetic with an independent one.

Run it on a log to see what it finds:  python3 tools/serial_log.py LOG
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

PAGE_SIZE = 4096
PAGE_SHIFT = 12
NR_PAGE_ORDERS = 11  # orders 0..MAX_PAGE_ORDER (10)


def _first_match(pattern: re.Pattern, lines: list[str]) -> re.Match | None:
    """The first line that @pattern matches in full, as a match, or None."""
    for line in lines:
        m = pattern.match(line)
        if m:
            return m
    return None


def _parse_first(pattern: re.Pattern, lines: list[str], convert):
    """convert(match) of the first line that @pattern matches in full, or
    None when no line does."""
    m = _first_match(pattern, lines)
    return convert(m) if m else None


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
    return _parse_first(_MEMORY, lines, lambda m: MemoryLine(*(int(g) for g in m.groups())))


_MEMINFO = re.compile(r"^(MemTotal|MemFree|MemAvailable): +(\d+) kB$")


def parse_meminfo(lines: list[str]) -> dict[str, int]:
    """MemTotal, MemFree and MemAvailable in kB, from the first (boot-time)
    report."""
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
        """Pages in the zone's free blocks: its "pages free" (the pages on
        its per-CPU lists are not in it)."""
        return sum(c << order for order, c in enumerate(self.counts))

    @property
    def free_kb(self) -> int:
        return self.free_pages * (PAGE_SIZE // 1024)


@dataclass(frozen=True)
class BuddyinfoReport:
    """The buddyinfo lines of one report, one per populated zone, lowest zone
    first (as /proc/buddyinfo), and the free_pcp line after them (ours: each
    populated zone's free order-0 pages on its per-CPU lists, in the same
    order, so that the report adds up to MemFree; the monitor's pcp command
    shows the lists themselves)."""

    zones: tuple[Buddyinfo, ...]
    # The free_pcp line's (zone, pages), in its order; None: no such line.
    pcp: tuple[tuple[str, int], ...] | None = None

    @property
    def buddy_pages(self) -> int:
        """Free pages on the buddy lists (the zones' "pages free")."""
        return sum(z.free_pages for z in self.zones)

    @property
    def pcp_pages(self) -> int:
        """Free pages on the per-CPU lists."""
        return sum(n for _, n in self.pcp or ())

    @property
    def free_pages(self) -> int:
        """Every free page, on a buddy list or a per-CPU list: MemFree."""
        return self.buddy_pages + self.pcp_pages

    @property
    def free_kb(self) -> int:
        return self.free_pages * (PAGE_SIZE // 1024)

    @property
    def counts(self) -> tuple[int, ...]:
        """Free blocks of each order, all zones together."""
        width = max((len(z.counts) for z in self.zones), default=0)
        return tuple(sum(z.counts[o] for z in self.zones if o < len(z.counts)) for o in range(width))

    @property
    def names(self) -> list[str]:
        return [z.zone for z in self.zones]

    def zone(self, name: str) -> Buddyinfo | None:
        return next((z for z in self.zones if z.zone == name), None)

    def zone_pcp(self, name: str) -> int | None:
        """Pages of zone @name on its per-CPU lists, as the free_pcp line
        says; None when the line does not name the zone (or is missing)."""
        return next((n for zone, n in self.pcp or () if zone == name), None)


_BUDDYINFO = re.compile(r"^Node (\d+), zone +(\S+)((?: +\d+)+)\s*$")
# A line that starts as a buddyinfo line but is not one (a count that is not
# a number, say); the zoneinfo header "Node 0, zone   DMA" alone is not one.
_BUDDYINFO_LIKE = re.compile(r"^Node \d+, zone +\S+ +\S")
# free_pcp: DMA 0, DMA32 12 (free order-0 pages on the per-CPU lists, ...)
_FREE_PCP = re.compile(r"^free_pcp: (\S+ \d+(?:, \S+ \d+)*) \(free order-0 pages on the per-CPU lists[^()]*\)$")
_FREE_PCP_LIKE = re.compile(r"^free_pcp:")


def _buddyinfo_line(line: str) -> Buddyinfo | None:
    m = _BUDDYINFO.match(line)
    if not m:
        if _BUDDYINFO_LIKE.match(line):
            raise ValueError(f"unparsable buddyinfo line: {line!r}")
        return None
    return Buddyinfo(int(m.group(1)), m.group(2), tuple(int(c) for c in m.group(3).split()))


def _free_pcp_line(line: str) -> tuple[tuple[str, int], ...] | None:
    """The (zone, pages) of a free_pcp line; None for another line."""
    m = _FREE_PCP.match(line)
    if not m:
        if _FREE_PCP_LIKE.match(line):
            raise ValueError(f"unparsable free_pcp line: {line!r}")
        return None
    return tuple((zone, int(n)) for zone, n in (item.split() for item in m.group(1).split(", ")))


def read_buddyinfo_report(lines: list[str], i: int) -> tuple[BuddyinfoReport | None, int]:
    """The report whose first buddyinfo line is lines[i]: its consecutive
    buddyinfo lines, then the free_pcp line right after them, if any; and
    the index of the first line after it. (None, i) when lines[i] is no
    buddyinfo line."""
    zones: list[Buddyinfo] = []
    pcp = None
    while i < len(lines) and (b := _buddyinfo_line(lines[i])):
        zones.append(b)
        i += 1
    if not zones:
        return None, i
    if i < len(lines) and (pcp := _free_pcp_line(lines[i])) is not None:
        i += 1
    return BuddyinfoReport(tuple(zones), pcp), i


def parse_buddyinfo_reports(lines: list[str]) -> list[tuple[int, BuddyinfoReport]]:
    """Every buddyinfo report, as (index of its first line, the report): the
    boot report's, then one in each allocation-failure warning and each
    monitor buddyinfo. A free_pcp line that follows no buddyinfo line is an
    error."""
    out: list[tuple[int, BuddyinfoReport]] = []
    i = 0
    while i < len(lines):
        report, end = read_buddyinfo_report(lines, i)
        if report:
            out.append((i, report))
            i = end
            continue
        if _free_pcp_line(lines[i]) is not None:
            raise ValueError(f"free_pcp line after no buddyinfo line: {lines[i]!r}")
        i += 1
    return out


def parse_buddyinfo(lines: list[str]) -> BuddyinfoReport | None:
    """The first buddyinfo report (the boot-time one): its consecutive lines."""
    reports = parse_buddyinfo_reports(lines)
    return reports[0][1] if reports else None


# ---------------------------------------------------------------------------
# Zones: the "Zone ranges:" block (mm_init.c zones_init(), as Linux's
# free_area_init()) and the zoneinfo blocks of the boot report (vmstat.c
# show_zoneinfo(), as /proc/zoneinfo).

ZONE_NAMES = ("DMA", "DMA32", "Normal")  # enum zone_type order, lowest first


@dataclass(frozen=True)
class ZoneRange:
    """  NAME     [mem A-B]  or  NAME     empty"""

    name: str
    start: int | None  # first byte; None: empty
    end: int | None  # one past the last byte; None: empty

    @property
    def empty(self) -> bool:
        return self.start is None

    @property
    def pfns(self) -> tuple[int, int] | None:
        """[start_pfn, end_pfn), or None when empty."""
        if self.start is None or self.end is None:
            return None
        return self.start // PAGE_SIZE, self.end // PAGE_SIZE


_ZONE_RANGES = "Zone ranges:"
_ZONE_RANGE = re.compile(rf"^  (\S+) +\[mem ({_HEX})-({_HEX})\]$")
_ZONE_RANGE_EMPTY = re.compile(r"^  (\S+) +empty$")


def parse_zone_ranges(lines: list[str]) -> list[ZoneRange] | None:
    """The lines under the first "Zone ranges:" (None when there is none);
    the block ends at the first line that does not start with a space."""
    try:
        i = lines.index(_ZONE_RANGES)
    except ValueError:
        return None
    out = []
    for line in lines[i + 1:]:
        if not line.startswith(" "):
            break
        m = _ZONE_RANGE.match(line)
        if m:
            start, last = int(m.group(2), 16), int(m.group(3), 16)
            if last < start:
                raise ValueError(f"zone range ends before it starts: {line!r}")
            out.append(ZoneRange(m.group(1), start, last + 1))
            continue
        m = _ZONE_RANGE_EMPTY.match(line)
        if m:
            out.append(ZoneRange(m.group(1), None, None))
            continue
        raise ValueError(f"unparsable zone range line: {line!r}")
    return out


# The zoneinfo fields, as printed, and the attribute each goes to.
ZONEINFO_FIELDS = {
    "pages free": "free",
    "boost": "boost",
    "min": "min",
    "low": "low",
    "high": "high",
    "promo": "promo",
    "spanned": "spanned",
    "present": "present",
    "managed": "managed",
    "reserved": "reserved",
    "protection:": "protection",
    "nr_free_pages": "nr_free_pages",
    "start_pfn:": "start_pfn",
}
# What every zone prints, and what only a populated one adds (Linux's
# zoneinfo stops after "protection:" for a zone without managed pages).
ZONEINFO_ALWAYS = ("free", "boost", "min", "low", "high", "promo", "spanned", "present", "managed",
                   "reserved", "protection")
ZONEINFO_POPULATED = ("nr_free_pages", "pagesets", "start_pfn")
PAGESET_FIELDS = ("count", "high", "batch")


@dataclass
class Pageset:
    """One CPU's part of a zoneinfo "pagesets" block, as Linux prints it:
        cpu: 0
                  count: 12
                  high:  252
                  batch: 63
    (None: not printed)."""

    cpu: int
    count: int | None = None
    high: int | None = None
    batch: int | None = None


@dataclass
class ZoneInfo:
    """One zoneinfo block: "Node N, zone NAME" and its indented fields (None:
    not printed); pagesets: the per-CPU lists after "  pagesets", one per
    "cpu:" line."""

    node: int
    name: str
    line_no: int
    free: int | None = None
    boost: int | None = None
    min: int | None = None
    low: int | None = None
    high: int | None = None
    promo: int | None = None
    spanned: int | None = None
    present: int | None = None
    managed: int | None = None
    reserved: int | None = None
    protection: tuple[int, ...] | None = None
    nr_free_pages: int | None = None
    pagesets: list[Pageset] | None = None
    start_pfn: int | None = None

    @property
    def populated(self) -> bool:
        return bool(self.managed)

    @property
    def pcp_count(self) -> int:
        """Pages on the zone's per-CPU lists, over its pagesets."""
        return sum(ps.count or 0 for ps in self.pagesets or ())

    def missing(self) -> list[str]:
        """The fields the zone should have printed and did not ("pagesets
        cpu 0 high" for a field of a pageset)."""
        want = ZONEINFO_ALWAYS + (ZONEINFO_POPULATED if self.populated else ())
        out = [f for f in want if getattr(self, f) is None]
        if self.populated and self.pagesets == []:
            out.append("pagesets cpu")
        for ps in self.pagesets or ():
            out += [f"pagesets cpu {ps.cpu} {f}" for f in PAGESET_FIELDS if getattr(ps, f) is None]
        return out

    def extra(self) -> list[str]:
        """Fields a zone without managed pages printed all the same."""
        return [] if self.populated else [f for f in ZONEINFO_POPULATED if getattr(self, f) is not None]


_ZONEINFO_HEAD = re.compile(r"^Node (\d+), zone +(\S+)$")
_ZONEINFO_FIELD = re.compile(r"^ +(pages free|boost|min|low|high|promo|spanned|present|managed|reserved"
                             r"|nr_free_pages|start_pfn:) +(\d+)$")
_ZONEINFO_PROTECTION = re.compile(r"^ +protection: \((\d+(?:, \d+)*)\)$")
_ZONEINFO_PAGESETS = re.compile(r"^  pagesets$")
_ZONEINFO_PAGESET_CPU = re.compile(r"^    cpu: (\d+)$")
_ZONEINFO_PAGESET_FIELD = re.compile(r"^ +(count|high|batch): +(\d+)$")


def _pageset_line(zone: ZoneInfo, line: str) -> bool:
    """Take @line into @zone's pagesets if it is a pagesets line: the
    header, a "cpu: N" line or a field of the cpu before it. Return: whether
    it was one. A cpu or field line outside its block, or printed twice, is
    an error."""
    if _ZONEINFO_PAGESETS.match(line):
        if zone.pagesets is not None:
            raise ValueError(f"zoneinfo of zone {zone.name} prints pagesets twice: {line!r}")
        zone.pagesets = []
        return True
    m = _ZONEINFO_PAGESET_CPU.match(line)
    if m:
        if zone.pagesets is None:
            raise ValueError(f"zoneinfo of zone {zone.name}: a cpu line before 'pagesets': {line!r}")
        zone.pagesets.append(Pageset(int(m.group(1))))
        return True
    m = _ZONEINFO_PAGESET_FIELD.match(line)
    if not m:
        return False
    if not zone.pagesets:
        raise ValueError(f"zoneinfo of zone {zone.name}: {m.group(1)} outside a pagesets cpu: {line!r}")
    pageset = zone.pagesets[-1]
    if getattr(pageset, m.group(1)) is not None:
        raise ValueError(f"zoneinfo of zone {zone.name} prints {m.group(1)} of cpu {pageset.cpu} twice: {line!r}")
    setattr(pageset, m.group(1), int(m.group(2)))
    return True


def parse_zoneinfo(lines: list[str]) -> list[ZoneInfo]:
    """The first run of zoneinfo blocks (the boot report's): from the first
    "Node N, zone NAME" header line on, each header and the indented lines
    after it, up to the first line that is neither. An indented line that is
    no known field (nor a pagesets line), or a field printed twice, is an
    error."""
    out: list[ZoneInfo] = []
    for i, line in enumerate(lines):
        m = _ZONEINFO_HEAD.match(line)
        if m:
            out.append(ZoneInfo(int(m.group(1)), m.group(2), i))
            continue
        if not out:
            continue
        if not line.startswith(" "):
            break
        zone = out[-1]
        if _pageset_line(zone, line):
            continue
        m = _ZONEINFO_FIELD.match(line)
        p = _ZONEINFO_PROTECTION.match(line)
        if m:
            attr, value = ZONEINFO_FIELDS[m.group(1)], int(m.group(2))
        elif p:
            attr, value = "protection", tuple(int(v) for v in p.group(1).split(", "))
        else:
            raise ValueError(f"unparsable zoneinfo line in zone {zone.name}: {line!r}")
        if getattr(zone, attr) is not None:
            raise ValueError(f"zoneinfo of zone {zone.name} prints {attr} twice: {line!r}")
        setattr(zone, attr, value)
    return out


_CMDLINE = re.compile(r"^Command line: ?(.*)$")
_MIN_FREE_KBYTES = re.compile(r"^mm: min_free_kbytes=(\d+) from the command line$")


def parse_cmdline(lines: list[str]) -> str | None:
    """The kernel command line as the kernel printed it."""
    m = _first_match(_CMDLINE, lines)
    return m.group(1).strip() if m else None


def parse_min_free_kbytes_line(lines: list[str]) -> int | None:
    """N of "mm: min_free_kbytes=N from the command line", if printed."""
    m = _first_match(_MIN_FREE_KBYTES, lines)
    return int(m.group(1)) if m else None


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
        raise ValueError(f"mem_map line states two struct page sizes: {m.string!r}")
    return MemMapInfo(int(pages), int(size), int(kib), int(page_kib), pct)


def parse_mem_map_location(lines: list[str]) -> tuple[int, int, int] | None:
    """Where mem_map was put: (start, end one past, number of struct pages)."""
    return _parse_first(_MEM_MAP_AT, lines, lambda m: (int(m.group(1), 16), int(m.group(2), 16) + 1, int(m.group(3))))


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
    def direct_map(m: re.Match) -> DirectMap:
        a, b, va, g, m2, k = m.groups()
        return DirectMap(int(a, 16), int(b, 16) + 1, int(va, 16), int(g), int(m2), int(k))

    return _parse_first(_DIRECT_MAP, lines, direct_map)


_IMAGE = re.compile(r"^paging: kernel image at \S+: (.*); (\d+) page-table pages?$")


def parse_page_table_pages(lines: list[str]) -> int | None:
    """How many pages the kernel's page tables took from memblock."""
    m = _first_match(_IMAGE, lines)
    return int(m.group(2)) if m else None


_HELD = re.compile(r"^vmalloc: (\d+) pages of the page allocator held: (\d+) for kernel stacks, (\d+) page-table pages$")


def parse_held_pages(lines: list[str]) -> int:
    """The pages boot took from the page allocator for good after the boot
    report (the APs' stacks, the vmalloc area's later page tables): smp_init()'s
    "vmalloc: N pages of the page allocator held: ..." line; 0 without it."""
    m = _first_match(_HELD, lines)
    return int(m.group(1)) if m else 0


def parse_image_rights(lines: list[str]) -> str | None:
    """The rights the kernel image line gives its parts ("text RX, ...")."""
    m = _first_match(_IMAGE, lines)
    return m.group(1) if m else None


_CPU = re.compile(r"^cpu: (\S+), NX (yes|no), 1 GiB pages (yes|no)")


def parse_cpu(lines: list[str]) -> dict[str, object] | None:
    return _parse_first(_CPU, lines,
                        lambda m: {"vendor": m.group(1), "nx": m.group(2) == "yes", "gbpages": m.group(3) == "yes"})


@dataclass(frozen=True)
class Reservation:
    """memblock: reserve [mem A-B] WHAT (B inclusive in the log)."""

    start: int
    end: int  # one past the last byte
    what: str


_RESERVE = re.compile(rf"^memblock: reserve \[mem ({_HEX})-({_HEX})\] ?(.*)$")


def parse_reservations(lines: list[str]) -> list[Reservation]:
    """Every "memblock: reserve" line, in order (first 1 MiB, kernel image,
    multiboot2 information, boot modules...)."""
    out = []
    for line in lines:
        m = _RESERVE.match(line)
        if m:
            out.append(Reservation(int(m.group(1), 16), int(m.group(2), 16) + 1, m.group(3).strip()))
    return out


# Boot memory given back once boot is done (kernel_main.c free_boot_memory()),
# each as Linux's line and then the physical range it freed:
#   Freeing unused kernel image (initmem) memory: 8K
#   mm: freed [mem 0x0000000000111000-0x0000000000112fff] unused kernel image (initmem): 2 pages


@dataclass(frozen=True)
class Freed:
    """mm: freed [mem A-B] WHAT: N pages, with the "Freeing WHAT memory: NK"
    line before it (freeing_k None when that line is missing or names
    something else)."""

    start: int
    end: int  # one past the last byte
    what: str
    pages: int
    freeing_k: int | None
    line_no: int


_FREEING = re.compile(r"^Freeing (.+) memory: (\d+)K$")
_FREED = re.compile(rf"^mm: freed \[mem ({_HEX})-({_HEX})\] (.+): (\d+) pages?$")


def parse_freed(lines: list[str]) -> tuple[list[Freed], list[tuple[str, int]]]:
    """The "mm: freed" ranges, in order, each paired with the "Freeing"
    line right before it; and every "Freeing WHAT memory: NK" line as
    (WHAT, N)."""
    freed: list[Freed] = []
    freeing: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        m = _FREEING.match(line)
        if m:
            freeing.append((m.group(1), int(m.group(2))))
            continue
        m = _FREED.match(line)
        if m:
            prev = _FREEING.match(lines[i - 1]) if i else None
            k = int(prev.group(2)) if prev and prev.group(1) == m.group(3) else None
            freed.append(Freed(int(m.group(1), 16), int(m.group(2), 16) + 1, m.group(3),
                               int(m.group(4)), k, i))
    return freed, freeing


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

    def case_at(self, line_no: int) -> KtapResult | None:
        """The case whose output holds line @line_no: the first result line
        after it (a case prints before its "ok N name" line), if the line is
        after the version line. None outside every case: before the document,
        after the last result, or on a result line itself."""
        if line_no <= self.version_line_no:
            return None
        for r in self.results:
            if line_no < r.line_no:
                return r
            if line_no == r.line_no:
                return None
        return None


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
# What the self-test handed out: all_free_memory_at_order0 takes every free
# page and prints each maximal run of allocated pfns, then a summary:
#   # took 32188 pages (128752 kB) at order 0
#   selftest: handed out [mem 0x000000000011b000-0x000000000013efff]
#   selftest: handed out 32188 pages in 2 ranges


@dataclass
class HandedOut:
    ranges: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in bytes, as printed
    summary: tuple[int, int] | None = None  # (pages, ranges) from the summary line
    took: int | None = None  # pages, from "# took N pages"
    memfree_before_kb: int | None = None  # "# MemFree before the tests: N kB"
    line_nos: list[int] = field(default_factory=list)  # of the range lines

    @property
    def pages(self) -> int:
        return total(self.ranges) // PAGE_SIZE


_HANDED_RANGE = re.compile(rf"^selftest: handed out \[mem ({_HEX})-({_HEX})\]$")
_HANDED_SUM = re.compile(r"^selftest: handed out (\d+) pages in (\d+) ranges?$")
_TOOK = re.compile(r"^# took (\d+) pages \((\d+) kB\) at order 0$")
_MEMFREE_BEFORE = re.compile(r"^# MemFree before the tests: (\d+) kB$")


def parse_handed_out(lines: list[str]) -> HandedOut:
    """The handed-out lines (empty HandedOut when the kernel printed none)."""
    h = HandedOut()
    for i, line in enumerate(lines):
        m = _HANDED_RANGE.match(line)
        if m:
            h.ranges.append((int(m.group(1), 16), int(m.group(2), 16) + 1))
            h.line_nos.append(i)
            continue
        m = _HANDED_SUM.match(line)
        if m and h.summary is None:
            h.summary = (int(m.group(1)), int(m.group(2)))
            continue
        m = _TOOK.match(line)
        if m and h.took is None:
            h.took = int(m.group(1))
            continue
        m = _MEMFREE_BEFORE.match(line)
        if m and h.memfree_before_kb is None:
            h.memfree_before_kb = int(m.group(1))
    return h


# ---------------------------------------------------------------------------
# Bad-page reports, one block each, as Linux's bad_page() and WARN() print:
#   ------------[ cut here ]------------
#   BUG: Bad page state: double free: ...
#   (optional explanation lines)
#   caller: free_pages_test+0x1f/0x60
#   page:ffff888... pfn:0x1234 ...          (usually; right after caller:)
#   flags: 0x2(buddy)                       (and other detail lines)
#   ---[ end Bad page report ]---
# and allocation-failure warnings:
#   buddy: page allocation failure: order:0, mode:0xcc0: ...

REPORT_CUT = "------------[ cut here ]------------"
REPORT_END = "---[ end Bad page report ]---"
ALLOC_FAILURE = "page allocation failure:"
# %pS: symbol+offset/size. Kept in one place, should the format change.
CALLER_LINE = re.compile(r"^caller: [A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+$")


@dataclass
class BadPageReport:
    start: int  # line number of the cut line
    end: int | None  # line number of the end line; None: the block never ended
    lines: list[str]  # from the cut line to the end line (or where it broke off)
    problems: list[str] = field(default_factory=list)  # what is wrong with its shape

    @property
    def bug(self) -> str:
        return self.lines[1] if len(self.lines) > 1 else ""


def parse_reports(lines: list[str]) -> tuple[list[BadPageReport], list[str]]:
    """(the report blocks, problems outside any block). A block is complete
    when, in order: the cut line, a "BUG: " line right after it, a caller:
    line in %pS form, a "page:" line (if any) right after the caller line, and
    the end line; with no second cut line, BUG line or KTAP result inside. A
    block that runs into another cut line, a KTAP result or the end of the
    log never ended. Outside the blocks, a "BUG:" or end line is a stray."""
    reports: list[BadPageReport] = []
    stray: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if line != REPORT_CUT:
            if "BUG:" in line:
                stray.append(f"line {i}: 'BUG:' outside a report block: {line!r}")
            elif line == REPORT_END:
                stray.append(f"line {i}: '{REPORT_END}' without its '{REPORT_CUT}'")
            i += 1
            continue
        rep = BadPageReport(start=i, end=None, lines=[line])
        j = i + 1
        while j < n:
            cur = lines[j]
            if cur == REPORT_CUT or _KTAP_RESULT.match(cur) or _KTAP_TOTALS.match(cur):
                break
            rep.lines.append(cur)
            j += 1
            if cur == REPORT_END:
                rep.end = j - 1
                break
        _check_report_shape(rep)
        reports.append(rep)
        i = j
    return reports, stray


def _check_report_shape(rep: BadPageReport) -> None:
    body = rep.lines[1:-1] if rep.end is not None else rep.lines[1:]
    where = f"report at line {rep.start}"
    if rep.end is None:
        tail = rep.lines[-1] if len(rep.lines) > 1 else "(nothing)"
        rep.problems.append(f"{where} never ends with '{REPORT_END}' (last line {tail!r})")
    if not body or not body[0].startswith("BUG: "):
        rep.problems.append(f"{where}: the line after '{REPORT_CUT}' is "
                            f"{body[0] if body else '(none)'!r}, not a 'BUG: ' line")
    bugs = [b for b in body if "BUG:" in b]
    if len(bugs) > 1:
        rep.problems.append(f"{where} holds {len(bugs)} 'BUG:' lines (two reports in one block?): {bugs}")
    callers = [k for k, b in enumerate(body) if b.startswith("caller:")]
    if not callers:
        rep.problems.append(f"{where} has no 'caller:' line")
    else:
        if len(callers) > 1:
            rep.problems.append(f"{where} has {len(callers)} 'caller:' lines")
        c = callers[0]
        if not CALLER_LINE.match(body[c]):
            rep.problems.append(f"{where}: caller line {body[c]!r} is not 'caller: symbol+0xOFF/0xSIZE'")
        pages = [k for k, b in enumerate(body) if b.startswith("page:")]
        if pages and pages[0] != c + 1:
            rep.problems.append(f"{where}: the 'page:' line is not right after the caller line")
        if bugs and body.index(bugs[0]) > c:
            rep.problems.append(f"{where}: the caller line comes before the BUG line")


def alloc_failure_lines(lines: list[str]) -> list[int]:
    """Line numbers of the "page allocation failure:" warnings."""
    return [i for i, line in enumerate(lines) if ALLOC_FAILURE in line]


# An allocation-failure warning (debug_page_alloc.c warn_alloc()):
#   buddy: page allocation failure: order:0, mode:0xcc0, zone Normal and below
#   caller: oom_at_each_order+0x4f/0x1a0
#   buddy:   zone Normal: order 0: empty (free 0 pages, min 0, protection 0, no free block)
#   buddy:   zone DMA32: order 0: below its min watermark (free 3 pages, min 289, protection 0,
#            largest free block order 1)                                         (on one line)
#   ...                                   (one line per zone tried, highest first)
#   Node 0, zone      DMA ...             (the buddyinfo lines)
#   free_pcp: DMA 0, DMA32 0 (...)       (and their free_pcp line)
#   buddy: free pages: 3 of 28070         (nr_free_pages(): MemFree in pages)


@dataclass(frozen=True)
class ZoneTried:
    name: str
    order: int
    why: str
    free: int
    min: int
    protection: int
    largest_order: int  # -1: "no free block"


@dataclass
class AllocFailure:
    line_no: int
    order: int | None  # None: the header line did not parse
    mode: int | None
    highest: str | None  # the highest zone allowed: "Normal", "DMA32", "DMA"
    zones: list[ZoneTried] = field(default_factory=list)
    buddyinfo: BuddyinfoReport | None = None
    free_pages: int | None = None  # N of "buddy: free pages: N of M"; None: no such line
    problems: list[str] = field(default_factory=list)  # what is wrong with its shape


_ALLOC_FAILURE_HEAD = re.compile(r"^buddy: page allocation failure: order:(\d+), mode:(0x[0-9a-f]+), "
                                 r"zone (\S+)( and below)?$")
_ALLOC_FAILURE_FREE = re.compile(r"^buddy: free pages: (\d+) of (\d+)$")
_ZONE_TRIED = re.compile(r"^buddy:   zone (\S+): order (\d+): (.+) \(free (\d+) pages, min (\d+), "
                         r"protection (\d+), (?:no free block|largest free block order (\d+))\)$")


def parse_alloc_failures(lines: list[str]) -> list[AllocFailure]:
    """Every allocation-failure warning: its header, the zone lines after its
    caller line, the buddyinfo report (with its free_pcp line) after them and
    the free pages line after that."""
    out = []
    for i in alloc_failure_lines(lines):
        m = _ALLOC_FAILURE_HEAD.match(lines[i])
        if not m:
            out.append(AllocFailure(i, None, None, None,
                                    problems=[f"line {i}: unparsable allocation-failure line {lines[i]!r}"]))
            continue
        f = AllocFailure(i, int(m.group(1)), int(m.group(2), 16), m.group(3))
        if (m.group(3) == "DMA") != (m.group(4) is None):
            f.problems.append(f"line {i}: 'and below' where the zone is {m.group(3)}: {lines[i]!r}")
        j = i + 1
        if j < len(lines) and lines[j].startswith("caller: "):
            j += 1
        else:
            f.problems.append(f"line {i}: no 'caller:' line after the allocation-failure line")
        while j < len(lines) and lines[j].startswith("buddy:   zone "):
            z = _ZONE_TRIED.match(lines[j])
            if not z:
                f.problems.append(f"line {j}: unparsable zone line {lines[j]!r}")
            else:
                f.zones.append(ZoneTried(z.group(1), int(z.group(2)), z.group(3), int(z.group(4)), int(z.group(5)),
                                         int(z.group(6)), int(z.group(7) or -1)))
            j += 1
        f.buddyinfo, j = read_buddyinfo_report(lines, j)
        m = _ALLOC_FAILURE_FREE.match(lines[j]) if j < len(lines) else None
        if m:
            f.free_pages = int(m.group(1))
        else:
            f.problems.append(f"line {i}: no 'buddy: free pages: N of M' line after the buddyinfo lines")
        out.append(f)
    return out


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
    buddyinfo: BuddyinfoReport | None
    mem_map: MemMapInfo | None
    mem_map_at: tuple[int, int, int] | None
    direct_map: DirectMap | None
    cpu: dict[str, object] | None
    ktap: KtapDocument | None
    reservations: list[Reservation] = field(default_factory=list)
    zone_ranges: list[ZoneRange] | None = None  # None: no "Zone ranges:" line
    zoneinfo: list[ZoneInfo] = field(default_factory=list)
    cmdline: str | None = None  # "Command line: ..."
    min_free_kbytes_line: int | None = None  # "mm: min_free_kbytes=N from the command line"
    alloc_failures: list[AllocFailure] = field(default_factory=list)
    handed_out: HandedOut = field(default_factory=HandedOut)
    page_table_pages: int | None = None
    held_pages: int = 0  # "vmalloc: N pages of the page allocator held: ..."
    image_rights: str | None = None  # "text RX, init text RX, ..." from the kernel image line
    freed: list[Freed] = field(default_factory=list)  # "mm: freed [mem ...]" lines
    freeing: list[tuple[str, int]] = field(default_factory=list)  # "Freeing WHAT memory: NK"

    @classmethod
    def parse(cls, raw: bytes | str) -> SerialLog:
        lines = clean_lines(raw)
        k = kernel_lines(lines)
        start = kernel_start(lines)
        freed, freeing = parse_freed(k)
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
            reservations=parse_reservations(k),
            zone_ranges=parse_zone_ranges(k),
            zoneinfo=parse_zoneinfo(k),
            cmdline=parse_cmdline(k),
            min_free_kbytes_line=parse_min_free_kbytes_line(k),
            alloc_failures=parse_alloc_failures(k),
            handed_out=parse_handed_out(k),
            page_table_pages=parse_page_table_pages(k),
            held_pages=parse_held_pages(k),
            image_rights=parse_image_rights(k),
            freed=freed,
            freeing=freeing,
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
        f"zone ranges: {log.zone_ranges}",
        *(f"zoneinfo: {z}" for z in log.zoneinfo),
        f"allocation failures: {len(log.alloc_failures)}",
        f"mem_map: {log.mem_map}; at {log.mem_map_at}",
        f"direct map: {log.direct_map}",
        f"reservations: {[(hex(r.start), hex(r.end), r.what) for r in log.reservations]}",
        f"freed: {[(hex(f.start), hex(f.end), f.what, f.pages) for f in log.freed]}",
        f"handed out: {len(log.handed_out.ranges)} ranges, {log.handed_out.pages} pages; "
        f"summary {log.handed_out.summary}, took {log.handed_out.took}",
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
