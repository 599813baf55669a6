"""boot_checks.py - what a clean "selftest poweroff" boot must show on COM1.
Each check returns a list of problems (empty: fine), so one failing boot
reports everything that is wrong with it at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from serial_log import (
    ALLOC_FAILURE,
    BuddyinfoReport,
    PAGE_SIZE,
    NR_PAGE_ORDERS,
    ZONE_NAMES,
    SerialLog,
    ZoneInfo,
    highest_usable_pfn,
    intersect,
    memblock_memory_pfns,
    merge,
    parse_reports,
    alloc_failure_lines,
    subtract,
    total,
    usable_page_ranges,
    usable_pages,
)

POWER_DOWN = "reboot: Power down"
STRUCT_PAGE_BYTES = 32
LOW_MEMORY_END = 0x100000  # the kernel maps and reserves the first 1 MiB always
FOUR_GIB = 1 << 32
# Never acceptable anywhere (a "BUG:" line only inside a report block of a
# bad_ case: check_bug_lines).
FORBIDDEN = ("Kernel panic", "traps:", "buddy_verify:")
BAD_CASE_PREFIX = "bad_"  # self-test cases that make bad calls on purpose
INITMEM = "unused kernel image (initmem)"  # Linux's name, in "Freeing ... memory: NK"
OOM_CASE_PREFIX = "oom_"  # self-test cases that exhaust memory on purpose
# Other cases that must print an allocation-failure warning when they run.
WARNING_CASES = ("zone_dma_exhausted",)
HANDED_OUT_CASE = "all_free_memory_at_order0"  # prints the handed-out ranges
# Cases that may skip on a plain "selftest poweroff" boot, and the words their
# reason must contain: the poison case needs page_poison=1 on the command
# line (test_mm_debug.py boots with it and requires the case to run).
ALLOWED_SKIPS = {"bad_use_after_free_poison": "page_poison=1"}

# The zones (mmzone.h), as on Linux x86_64: each zone's pfn limits [lo, hi).
ZONE_LIMITS = {"DMA": (0, (16 << 20) // PAGE_SIZE),
               "DMA32": ((16 << 20) // PAGE_SIZE, (4 << 30) // PAGE_SIZE),
               "Normal": ((4 << 30) // PAGE_SIZE, 1 << 52)}
# Linux's watermark tunables at their defaults (mm/page_alloc.c; ours in
# src/mm/mm_init.c).
MIN_FREE_KBYTES_CLAMP = (128, 262144)
# Each populated zone has one per-CPU list per possible CPU (nr_cpu_ids,
# "smpboot: Allowing N CPUs": possible_cpus()); NR_CPUS (smp.h) is the most
# a build can have.
NR_CPUS = 64
PCP_BATCH_MAX_PAGES = (1 << 20) // PAGE_SIZE  # zone_batchsize(): at most 1 MiB of pages
WATERMARK_SCALE_FACTOR = 10  # in 1/10000 of a zone
LOWMEM_RESERVE_RATIO = {"DMA": 256, "DMA32": 256, "Normal": 32}
# The zone self-test cases, and when each may skip: only on a machine that
# lacks what it tests (a predicate on the number of populated zones and the
# set of their names).
ZONE_CASES = {
    "zone_dma_below_16m": lambda names: "DMA" not in names,
    "zone_dma32_below_4g": lambda names: "DMA32" not in names,
    "zone_fallback_order": lambda names: len(names) < 2,
    "zone_watermarks": lambda names: False,
    "zone_dma_exhausted": lambda names: "DMA" not in names or len(names) < 2,
}
# warn_alloc()'s reasons for passing over a zone ("no block" means the zone
# passed every test and still gave nothing: a kernel bug).
ALLOC_FAILURE_REASONS = ("empty", "no free block of this order or above", "below its min watermark")


def check_ktap(log: SerialLog, allowed_skips: dict[str, str] | None = None) -> list[str]:
    """A well-formed KTAP document, every case ok; a case may skip only if
    @allowed_skips (default ALLOWED_SKIPS) names it and its reason."""
    allowed = ALLOWED_SKIPS if allowed_skips is None else allowed_skips
    doc = log.ktap
    if doc is None:
        return ["no KTAP document (no 'KTAP version' line)"]
    problems = list(doc.problems())
    if doc.version != 1:
        problems.append(f"KTAP version {doc.version}, expected 1")
    if doc.plan is not None and doc.plan == 0:
        problems.append("KTAP plan 1..0: no test ran")
    for r in doc.results:
        if not r.ok:
            problems.append(f"KTAP: not ok {r.number} {r.name}")
        elif r.skipped and not (r.name in allowed and allowed[r.name] in r.directive):  # "": any reason
            problems.append(f"KTAP: ok {r.number} {r.name} was skipped ({r.directive})")
    if doc.totals and doc.totals.get("fail", 0):
        problems.append(f"KTAP Totals: {doc.totals}")
    if "selftest: all passed" not in log.kernel:
        problems.append("no 'selftest: all passed' line")
    return problems


def check_memory(log: SerialLog) -> list[str]:
    p: list[str] = []
    if not log.mmap:
        return ["no memory map lines (mmap: [mem ...])"]
    m, mi, bi = log.memory, log.meminfo, log.buddyinfo
    t_pages = usable_pages(log.mmap)
    if m is None:
        p.append("no 'Memory: AK/TK available' line")
    else:
        if t_pages * 4 != m.total_k:
            p.append(f"Memory line total {m.total_k}K, but the printed map has {t_pages} whole usable "
                     f"pages ({t_pages * 4}K) not touched by a non-usable entry")
        if m.reserved_k != m.total_k - m.available_k:
            p.append(f"Memory line: {m.reserved_k}K reserved != {m.total_k}K - {m.available_k}K")
        if m.available_k > m.total_k:
            p.append(f"Memory line: {m.available_k}K available > {m.total_k}K total")
    if "MemTotal" not in mi or "MemFree" not in mi or "MemAvailable" not in mi:
        p.append(f"MemTotal/MemFree/MemAvailable lines missing (found {mi})")
    if "MemTotal" in mi and "MemFree" in mi:
        if m is not None and mi["MemTotal"] != m.available_k:
            p.append(f"MemTotal {mi['MemTotal']} kB != {m.available_k}K available on the Memory line")
        if mi["MemFree"] > mi["MemTotal"]:
            p.append(f"MemFree {mi['MemFree']} kB > MemTotal {mi['MemTotal']} kB")
        if mi.get("MemAvailable", 0) > mi["MemFree"]:
            p.append(f"MemAvailable {mi['MemAvailable']} kB > MemFree {mi['MemFree']} kB")
    if bi is None:
        p.append("no buddyinfo line (Node 0, zone ...)")
    else:
        for z in bi.zones:
            if len(z.counts) != NR_PAGE_ORDERS:
                p.append(f"buddyinfo of zone {z.zone} has {len(z.counts)} counts, expected {NR_PAGE_ORDERS} "
                         "(orders 0..10)")
            if z.node != 0:
                p.append(f"buddyinfo of zone {z.zone} is for node {z.node}: there is only node 0")
        order = [n for n in ZONE_NAMES if n in bi.names]
        if bi.names != order:
            p.append(f"buddyinfo zones {bi.names}: not each of {list(ZONE_NAMES)} at most once, lowest first")
        p += check_free_pcp_line(bi, "buddyinfo")
        if "MemFree" in mi and bi.free_kb != mi["MemFree"]:
            p.append(f"buddyinfo {[z.counts for z in bi.zones]} and its free_pcp line ({bi.pcp_pages} pages) add "
                     f"up to {bi.free_kb} kB over the zones {bi.names}, MemFree is {mi['MemFree']} kB")
    p += check_mem_map(log)
    p += check_direct_map(log)
    return p


def check_free_pcp_line(report: BuddyinfoReport, where: str) -> list[str]:
    """The free_pcp line of a buddyinfo report: there, right after its
    buddyinfo lines, naming exactly the zones of those lines in their order
    (so no empty zone). Each list's count, high and batch are the pcp
    command's and zoneinfo's, not buddyinfo's."""
    if report.pcp is None:
        return [f"{where}: no free_pcp line after the buddyinfo lines"]
    got = [zone for zone, _ in report.pcp]
    if got != report.names:
        return [f"{where}: the free_pcp line names the zones {got}, its buddyinfo lines {report.names}"]
    return []


def check_mem_map(log: SerialLog) -> list[str]:
    p: list[str] = []
    mm, at = log.mem_map, log.mem_map_at
    max_pfn = highest_usable_pfn(log.mmap)
    if mm is None:
        return ["no 'mm: mem_map: N struct pages x B bytes' line"]
    if mm.bytes_per_page != STRUCT_PAGE_BYTES:
        p.append(f"struct page is {mm.bytes_per_page} bytes, expected {STRUCT_PAGE_BYTES}")
    if mm.struct_pages != max_pfn:
        p.append(f"mem_map has {mm.struct_pages} struct pages, but the highest usable pfn end in the map is {max_pfn}")
    if mm.kib != mm.struct_pages * mm.bytes_per_page // 1024:
        p.append(f"mem_map: {mm.struct_pages} x {mm.bytes_per_page} bytes is not {mm.kib} KiB")
    if mm.page_kib != PAGE_SIZE // 1024:
        p.append(f"mem_map line speaks of {mm.page_kib} KiB pages")
    if at is None:
        p.append("no 'mm: mem_map at [mem ...]' line")
    else:
        start, end, pages = at
        want = -(-pages * mm.bytes_per_page // PAGE_SIZE) * PAGE_SIZE
        if pages != mm.struct_pages:
            p.append(f"mem_map placed for {pages} pages but reported as {mm.struct_pages}")
        if end - start != want:
            p.append(f"mem_map spans {end - start} bytes, expected {want}")
        usable = [(s * PAGE_SIZE, e * PAGE_SIZE) for s, e in usable_page_ranges(log.mmap)]
        if subtract([(start, end)], usable):
            p.append(f"mem_map [{start:#x}-{end - 1:#x}] is not wholly in usable RAM of the map")
    return p


def check_direct_map(log: SerialLog) -> list[str]:
    dm = log.direct_map
    if dm is None:
        return ["no 'paging: direct map ... [mem A-B] at ...: n x 1G, n x 2M, n x 4K pages' line"]
    p = []
    ram_end = highest_usable_pfn(log.mmap) * PAGE_SIZE
    if dm.start != 0 or dm.end < ram_end:
        p.append(f"direct map [{dm.start:#x}-{dm.end - 1:#x}] does not cover RAM up to {ram_end - 1:#x}")
    # What is mapped: memblock.memory (whole usable pages) plus the first 1 MiB.
    ram = merge([(s * PAGE_SIZE, e * PAGE_SIZE) for s, e in memblock_memory_pfns(log.mmap)]
                + [(0, LOW_MEMORY_END)])
    if dm.mapped_bytes != total(ram):
        p.append(f"direct map maps {dm.mapped_bytes:#x} bytes ({dm.pages_1g} x 1G, {dm.pages_2m} x 2M, "
                 f"{dm.pages_4k} x 4K), but usable RAM plus the first 1 MiB is {total(ram):#x} bytes")
    return p


def check_bug_lines(log: SerialLog) -> list[str]:
    """Bad-page reports and allocation-failure warnings only where a self-test
    case provokes them, and every report whole:
    - each report block complete and in order (serial_log.parse_reports);
    - each report inside a KTAP case named bad_*, each "page allocation
      failure:" warning inside a case named oom_* or in WARNING_CASES
      (between the previous result line and the case's own "ok N name"
      line);
    - each bad_ case that ran made at least one report, each oom_ or
      WARNING_CASES case that ran at least one warning;
    - no "BUG:" line outside a report block, and no panic, trap or
      buddy_verify complaint anywhere (GRUB's lines included)."""
    k = log.kernel
    reports, p = parse_reports(k)
    for rep in reports:
        p += rep.problems
    doc = log.ktap
    if doc is None:
        p.append("no KTAP document: the reports cannot be placed in their cases")
    else:
        made: dict[str, int] = {}
        for rep in reports:
            case = doc.case_at(rep.start)
            if case is None:
                p.append(f"report outside every KTAP case (line {rep.start}): {rep.bug!r}")
            elif not case.name.startswith(BAD_CASE_PREFIX):
                p.append(f"report in case {case.number} {case.name}, not a {BAD_CASE_PREFIX} case: {rep.bug!r}")
            else:
                made[case.name] = made.get(case.name, 0) + 1
        warned: dict[str, int] = {}
        for i in alloc_failure_lines(k):
            case = doc.case_at(i)
            if case is None:
                p.append(f"allocation failure outside every KTAP case (line {i}): {k[i]!r}")
            elif not (case.name.startswith(OOM_CASE_PREFIX) or case.name in WARNING_CASES):
                p.append(f"allocation failure in case {case.number} {case.name}, "
                         f"not an {OOM_CASE_PREFIX} case nor one of {WARNING_CASES}: {k[i]!r}")
            else:
                warned[case.name] = warned.get(case.name, 0) + 1
        ran = [r for r in doc.results if not r.skipped]
        for r in ran:
            if r.name.startswith(BAD_CASE_PREFIX) and not made.get(r.name):
                p.append(f"case {r.number} {r.name} made no bad-page report")
            if (r.name.startswith(OOM_CASE_PREFIX) or r.name in WARNING_CASES) and not warned.get(r.name):
                p.append(f"case {r.number} {r.name} printed no '{ALLOC_FAILURE}' warning")
        if not any(r.name.startswith(BAD_CASE_PREFIX) for r in doc.results):
            p.append(f"no {BAD_CASE_PREFIX}* case in the self-test")
    for line in log.boot_loader + k:
        for bad in FORBIDDEN:
            if bad in line:
                p.append(f"'{bad}' in the log: {line!r}")
    return p


def check_handed_out(log: SerialLog, holes=()) -> list[str]:
    """The "selftest: handed out [mem A-B]" ranges (every page the self-test
    could allocate): page-aligned maximal runs, in order; each wholly inside
    usable RAM of the printed map (whole pages no non-usable entry touches),
    outside every memblock reservation the log shows, mem_map, the first
    1 MiB and the @holes ([start, end) byte ranges, e.g. GRUB's cutmem);
    and their total agrees with the summary, "# took", and MemFree."""
    h = log.handed_out
    if not h.ranges:
        return [f"no 'selftest: handed out [mem ...]' lines (case {HANDED_OUT_CASE} prints them)"]
    p: list[str] = []
    if log.ktap:
        for i in h.line_nos:
            case = log.ktap.case_at(i)
            if case is None or case.name != HANDED_OUT_CASE:
                p.append(f"handed-out line {i} is in case {case.name if case else None}, not {HANDED_OUT_CASE}")
    forbidden: list[tuple[str, int, int]] = [("first 1 MiB", 0, LOW_MEMORY_END)]
    forbidden += [(f"{e.kind} firmware entry", e.start, e.end) for e in log.mmap if not e.usable]
    # A reservation is forbidden except the ranges freed after boot
    # ("mm: freed [mem A-B] ..."): those pages are free again.
    freed = [(f.start, f.end) for f in log.freed]
    forbidden += [(f"reservation '{r.what}'", s, e) for r in log.reservations
                  for s, e in subtract([(r.start, r.end)], freed)]
    if log.mem_map_at:
        forbidden.append(("mem_map", log.mem_map_at[0], log.mem_map_at[1]))
    forbidden += [("hole", s, e) for s, e in holes]
    usable = [(s * PAGE_SIZE, e * PAGE_SIZE) for s, e in usable_page_ranges(log.mmap)]
    prev_end = -1
    for start, end in h.ranges:
        what = f"handed out [{start:#x}-{end - 1:#x}]"
        if start % PAGE_SIZE or end % PAGE_SIZE:
            p.append(f"{what} is not page-aligned")
        if start < prev_end:
            p.append(f"{what} overlaps or precedes the range before it")
        elif start == prev_end:
            p.append(f"{what} touches the range before it: runs are not maximal")
        prev_end = end
        outside = subtract([(start, end)], usable)
        if outside:
            p.append(f"{what} is not wholly usable RAM of the map: "
                     + ", ".join(f"[{s:#x}-{e - 1:#x}]" for s, e in outside))
        for name, fs, fe in forbidden:
            if start < fe and fs < end:
                p.append(f"{what} overlaps the {name} [{fs:#x}-{fe - 1:#x}]")
    pages = h.pages
    # Every page of usable RAM outside the reservations is either handed out
    # or one of the page-table pages: none is lost, none unaccounted for.
    free_to_hand = subtract(usable, [(fs, fe) for _, fs, fe in forbidden]) if usable else []
    spare = total(free_to_hand) // PAGE_SIZE - pages
    if log.page_table_pages is None:
        p.append("no 'paging: kernel image at ...; N page-table pages' line")
    elif spare != log.page_table_pages:
        p.append(f"{spare} pages of usable RAM are neither handed out nor in a reservation the log "
                 f"shows, but the kernel says {log.page_table_pages} page-table pages: "
                 "pages lost, or a memblock allocation the log does not show")
    if h.summary is None:
        p.append("no 'selftest: handed out N pages in M ranges' line")
    else:
        if h.summary[0] != pages:
            p.append(f"the summary says {h.summary[0]} pages handed out, the ranges add up to {pages}")
        if h.summary[1] != len(h.ranges):
            p.append(f"the summary says {h.summary[1]} ranges, {len(h.ranges)} were printed")
    # The handed-out ranges hold what the test took and what boot took
    # from the page allocator for good after the boot report (the held line).
    held = log.held_pages
    if h.took is not None and h.took + held != pages:
        p.append(f"'# took {h.took} pages' and {held} held by the kernel, but the ranges add up to {pages}")
    if h.memfree_before_kb is not None and h.memfree_before_kb != (pages - held) * (PAGE_SIZE // 1024):
        p.append(f"MemFree before the tests was {h.memfree_before_kb} kB, "
                 f"but {pages} pages ({pages * 4} kB) were handed out, {held} of them held by the kernel")
    return p


def check_freed(log: SerialLog) -> list[str]:
    """The boot memory freed after the boot report (free_boot_memory()):
    - each "mm: freed [mem A-B] WHAT: N pages" right after Linux's "Freeing
      WHAT memory: NK" line, with N pages = NK = the range, page-aligned,
      and wholly RAM of the map (the kernel leaves a range in a hole
      reserved, in a line of its own);
      and no "Freeing" line without its range;
    - each range wholly inside the memblock reservations the log shows
      (so it was reserved), outside the first 1 MiB and mem_map, and no
      page freed twice;
    - the init region: the Memory line's "NK init" is what the initmem
      line frees (both or neither);
    - MemFree grows by exactly the freed amount: the self-test's
      "# MemFree before the tests" = the boot report's MemFree + the sum,
      less what smp_init() took for good after the report (the held line)."""
    p: list[str] = []
    freed_k = 0
    for f in log.freed:
        what = f"freed [{f.start:#x}-{f.end - 1:#x}] {f.what}"
        if f.start % PAGE_SIZE or f.end % PAGE_SIZE:
            p.append(f"{what} is not page-aligned")
        if f.pages * PAGE_SIZE != f.end - f.start:
            p.append(f"{what}: {f.pages} pages, but the range has {(f.end - f.start) // PAGE_SIZE}")
        # Only RAM can be freed: a range GRUB put in a hole of the map (the
        # multiboot2 information past a cutmem) stays reserved, and the
        # kernel says so instead of printing a freed line (free_mbi()).
        not_ram = subtract([(f.start, f.end)], [(a * PAGE_SIZE, b * PAGE_SIZE) for a, b in usable_page_ranges(log.mmap)])
        if not_ram:
            p.append(f"{what} is not RAM of the map: "
                     + ", ".join(f"[{s:#x}-{e - 1:#x}]" for s, e in not_ram))
        if f.freeing_k is None:
            p.append(f"{what}: no 'Freeing {f.what} memory: NK' line right before it")
        elif f.freeing_k != f.pages * (PAGE_SIZE // 1024):
            p.append(f"{what}: 'Freeing {f.what} memory: {f.freeing_k}K', but {f.pages} pages were freed")
        outside = subtract([(f.start, f.end)], [(r.start, r.end) for r in log.reservations])
        if outside:
            p.append(f"{what} is not wholly reserved: "
                     + ", ".join(f"[{s:#x}-{e - 1:#x}]" for s, e in outside))
        if f.start < LOW_MEMORY_END:
            p.append(f"{what} reaches into the first 1 MiB")
        if log.mem_map_at and f.start < log.mem_map_at[1] and log.mem_map_at[0] < f.end:
            p.append(f"{what} overlaps the mem_map")
        freed_k += f.pages * (PAGE_SIZE // 1024)
    ranges = [(f.start, f.end) for f in log.freed]
    if total(merge(ranges)) != total(ranges):
        p.append("the freed ranges overlap: pages freed twice")
    if len(log.freeing) != len(log.freed):
        p.append(f"{len(log.freeing)} 'Freeing ... memory' lines but {len(log.freed)} 'mm: freed [mem ...]' lines")
    init = [f for f in log.freed if f.what == INITMEM]
    m = log.memory
    if m is not None and (m.init_k or init):
        init_k = sum(f.pages for f in init) * (PAGE_SIZE // 1024)
        if not init:
            p.append(f"the Memory line says {m.init_k}K init, but no 'Freeing {INITMEM} memory' line")
        elif init_k != m.init_k:
            p.append(f"'Freeing {INITMEM} memory: {init_k}K', but the Memory line says {m.init_k}K init")
    before = log.handed_out.memfree_before_kb
    held_k = log.held_pages * (PAGE_SIZE // 1024)
    if log.freed and before is not None and "MemFree" in log.meminfo:
        if before != log.meminfo["MemFree"] + freed_k - held_k:
            p.append(f"MemFree before the tests is {before} kB, but the boot report's MemFree "
                     f"{log.meminfo['MemFree']} kB + {freed_k}K freed - {held_k}K held by the kernel "
                     f"is {log.meminfo['MemFree'] + freed_k - held_k} kB")
    return p


# --- zones, watermarks, MemAvailable --------------------------------------------


def zone_spans(log: SerialLog) -> dict[str, tuple[int, int]]:
    """Each zone's pfns [lo, hi) recomputed from the printed map: its limits
    clipped to the node, which runs from the first usable page to max_pfn
    (the end of the highest usable page; whole pages no non-usable entry
    touches, as memblock.memory holds). hi == lo: the zone is empty."""
    ram = usable_page_ranges(log.mmap)
    first, max_pfn = (ram[0][0], ram[-1][1]) if ram else (0, 0)
    out = {}
    for name, (lo, hi) in ZONE_LIMITS.items():
        lo, hi = max(lo, first), min(hi, max_pfn)
        out[name] = (lo, max(lo, hi))
    return out


def cmdline_min_free_kbytes(log: SerialLog) -> int | None:
    """N of min_free_kbytes=N on the kernel command line the log shows, if
    the kernel takes it (a decimal number up to the clamp's top); else None."""
    m = re.search(r"(?:^|\s)min_free_kbytes=(\d+)(?:\s|$)", log.cmdline or "")
    if not m or int(m.group(1)) > MIN_FREE_KBYTES_CLAMP[1]:
        return None
    return int(m.group(1))


def isqrt_floor(n: int) -> int:
    """floor(sqrt(n)) by Newton's method on integers (Linux's int_sqrt())."""
    if n < 2:
        return n
    x = n
    y = (x + 1) // 2
    while y < x:
        x, y = y, (y + n // y) // 2
    return x


def expected_min_free_kbytes(managed_pages: int, user: int | None = None) -> int:
    """Linux's calculate_min_free_kbytes() at boot: sqrt(16 * lowmem kB),
    clamped to 128 KiB..256 MiB; lowmem is every managed page (no zone has a
    high watermark yet). A command-line value is used as is."""
    if user is not None:
        return user
    lo, hi = MIN_FREE_KBYTES_CLAMP
    return min(max(isqrt_floor(16 * managed_pages * (PAGE_SIZE // 1024)), lo), hi)


def expected_watermarks(managed: dict[str, int], min_free_kbytes: int) -> dict[str, tuple[int, int, int, int]]:
    """Linux's __setup_per_zone_wmarks(): (min, low, high, promo) per zone."""
    pages_min = min_free_kbytes // (PAGE_SIZE // 1024)
    all_managed = sum(managed.values())
    out = {}
    for name, pages in managed.items():
        wmin = pages_min * pages // all_managed if all_managed else 0
        step = max(wmin // 4, pages * WATERMARK_SCALE_FACTOR // 10000)
        out[name] = (wmin, wmin + step, wmin + 2 * step, wmin + 3 * step)
    return out


def expected_pcp_batch(managed_pages: int) -> int:
    """Linux's zone_batchsize(): a quarter of the smaller of managed / 1024
    and 1 MiB of pages (at least 1), then rounddown_pow_of_two(b + b / 2) - 1,
    at least 1."""
    batch = max(min(managed_pages >> 10, PCP_BATCH_MAX_PAGES) // 4, 1)
    batch += batch // 2
    return max((1 << (batch.bit_length() - 1)) - 1, 1)


def expected_pcp_high(low: int, batch: int, nr_cpu_ids: int = 1) -> int:
    """Linux's zone_highsize() (percpu_pagelist_high_fraction 0) for a
    populated zone: its low watermark shared among the @nr_cpu_ids possible
    CPUs, at least 4 batches."""
    return max(low // nr_cpu_ids, 4 * batch)


def expected_protection(managed: dict[str, int]) -> dict[str, tuple[int, ...]]:
    """Linux's setup_per_zone_lowmem_reserve(): zone i keeps back, from an
    allocation allowed up to zone j > i, the managed pages of zones i+1..j
    divided by its ratio; nothing when it has no managed pages itself."""
    names = list(managed)
    out = {}
    for i, name in enumerate(names):
        row = []
        for j in range(len(names)):
            if j <= i or not managed[name]:
                row.append(0)
            else:
                row.append(sum(managed[n] for n in names[i + 1:j + 1]) // LOWMEM_RESERVE_RATIO[name])
        out[name] = tuple(row)
    return out


def check_zones(log: SerialLog) -> list[str]:
    """The zones of the boot report against the printed firmware map:
    - "Zone ranges:" names DMA, DMA32, Normal, each its limits (16 MiB,
      4 GiB) clipped to the first usable page and max_pfn, or empty;
    - a zoneinfo block for each zone in order, with every field (and
      nr_free_pages / start_pfn exactly when populated); spanned and
      start_pfn as the range; present = the whole usable pages of the map
      in the zone; reserved = present - managed; managed <= present; a zone
      is populated exactly when the map has RAM in it (Normal only with RAM
      above 4 GiB);
    - pages free = nr_free_pages = the zone's buddyinfo line, the buddyinfo
      lines exactly the populated zones; managed adds up to MemTotal and
      the Memory line's available, present to its total;
    - pagesets, exactly for a populated zone: one per possible CPU
      (possible_cpus(): "smpboot: Allowing N CPUs", 1 without it), their
      counts adding up to the zone's pages on buddyinfo's free_pcp line,
      count <= high, batch and high as Linux's zone_batchsize() /
      zone_highsize() give them from the printed managed pages, low
      watermark and possible CPUs; the free_pcp line names no empty zone;
      the pages free and the pagesets' counts add up to MemFree;
    - min_free_kbytes, min/low/high/promo, boost 0, the protection tuples
      and MemAvailable recomputed from the printed managed counts with
      Linux's formulas (the report comes before any boot memory is freed,
      so the managed counts are the ones the watermarks were computed
      from); min_free_kbytes=N on the command line used as is, with its
      "mm: min_free_kbytes=N from the command line" line."""
    p: list[str] = []
    if not log.mmap:
        return ["no memory map lines: the zones cannot be checked"]
    spans = zone_spans(log)
    ram = usable_page_ranges(log.mmap)

    ranges = log.zone_ranges
    if ranges is None:
        p.append("no 'Zone ranges:' block")
    elif [r.name for r in ranges] != list(ZONE_NAMES):
        p.append(f"'Zone ranges:' lists {[r.name for r in ranges]}, expected {list(ZONE_NAMES)}")
    else:
        for r in ranges:
            lo, hi = spans[r.name]
            want = "empty" if hi == lo else f"[mem {lo * PAGE_SIZE:#x}-{hi * PAGE_SIZE - 1:#x}]"
            got = "empty" if r.empty else f"[mem {r.start:#x}-{r.end - 1:#x}]"
            if got != want:
                p.append(f"zone range {r.name} {got}, but the map gives {want}")

    zi = {z.name: z for z in log.zoneinfo}
    if [z.name for z in log.zoneinfo] != list(ZONE_NAMES):
        p.append(f"zoneinfo blocks for {[z.name for z in log.zoneinfo]}, expected {list(ZONE_NAMES)}")
        if not all(n in zi for n in ZONE_NAMES):
            return p
    bi = log.buddyinfo
    for name in ZONE_NAMES:
        z = zi[name]
        lo, hi = spans[name]
        where = f"zoneinfo {name}"
        if z.node != 0:
            p.append(f"{where}: node {z.node}, there is only node 0")
        if z.missing():
            p.append(f"{where}: no {', '.join(z.missing())} line(s)")
            continue
        if z.extra():
            p.append(f"{where}: {', '.join(z.extra())} printed for a zone without managed pages")
        present = total(intersect(ram, lo, hi))
        if z.spanned != hi - lo:
            p.append(f"{where}: spanned {z.spanned}, but its range [{lo:#x}, {hi:#x}) has {hi - lo} pfns")
        if z.start_pfn is not None and z.start_pfn != lo:
            p.append(f"{where}: start_pfn {z.start_pfn}, but the zone starts at pfn {lo}")
        if z.present != present:
            p.append(f"{where}: present {z.present}, but the map has {present} whole usable pages in the zone")
        if z.reserved != z.present - z.managed:
            p.append(f"{where}: reserved {z.reserved} != present {z.present} - managed {z.managed}")
        if z.managed > z.present:
            p.append(f"{where}: managed {z.managed} > present {z.present}")
        if z.populated != (present > 0):
            p.append(f"{where}: managed {z.managed} pages, but the map has {present} pages of RAM in the zone")
        if z.nr_free_pages is not None and z.nr_free_pages != z.free:
            p.append(f"{where}: nr_free_pages {z.nr_free_pages} != pages free {z.free}")
        if z.free > z.managed:
            p.append(f"{where}: pages free {z.free} > managed {z.managed}")
        if z.boost != 0:
            p.append(f"{where}: boost {z.boost}, expected 0")
        if bi is not None:
            line = bi.zone(name)
            if z.populated and line is None:
                p.append(f"no buddyinfo line for the populated zone {name}")
            elif not z.populated and line is not None:
                p.append(f"a buddyinfo line for zone {name}, which has no managed pages")
            elif line is not None and line.free_pages != z.free:
                p.append(f"buddyinfo of zone {name} {line.counts} adds up to {line.free_pages} pages, "
                         f"zoneinfo says pages free {z.free}")
            if not z.populated and bi.zone_pcp(name) is not None:
                p.append(f"buddyinfo's free_pcp line names zone {name}, which has no managed pages")
        if z.populated:
            p += check_pagesets(z, bi, possible_cpus(log))
    zones = [zi[n] for n in ZONE_NAMES]
    if any(z.missing() for z in zones):
        return p
    managed = {z.name: z.managed for z in zones}
    k = PAGE_SIZE // 1024
    mi, m = log.meminfo, log.memory
    if "MemTotal" in mi and sum(managed.values()) * k != mi["MemTotal"]:
        p.append(f"zoneinfo managed adds up to {sum(managed.values()) * k} kB, MemTotal is {mi['MemTotal']} kB")
    free = sum(z.free + z.pcp_count for z in zones)
    if "MemFree" in mi and free * k != mi["MemFree"]:
        p.append(f"zoneinfo pages free and pagesets counts add up to {free * k} kB "
                 f"({sum(z.pcp_count for z in zones)} pages on per-CPU lists), MemFree is {mi['MemFree']} kB")
    if m is not None:
        if sum(z.present for z in zones) * k != m.total_k:
            p.append(f"zoneinfo present adds up to {sum(z.present for z in zones) * k}K, "
                     f"the Memory line's total is {m.total_k}K")
        if sum(managed.values()) * k != m.available_k:
            p.append(f"zoneinfo managed adds up to {sum(managed.values()) * k}K, "
                     f"the Memory line's available is {m.available_k}K")

    user = cmdline_min_free_kbytes(log)
    if user is not None and log.min_free_kbytes_line != user:
        p.append(f"min_free_kbytes={user} on the command line, but no "
                 f"'mm: min_free_kbytes={user} from the command line' line (found {log.min_free_kbytes_line})")
    if user is None and log.min_free_kbytes_line is not None:
        p.append(f"'mm: min_free_kbytes={log.min_free_kbytes_line} from the command line', "
                 f"but the command line {log.cmdline!r} sets none")
    mfk = expected_min_free_kbytes(sum(managed.values()), user)
    wmarks = expected_watermarks(managed, mfk)
    prot = expected_protection(managed)
    for z in zones:
        got = (z.min, z.low, z.high, z.promo)
        if got != wmarks[z.name]:
            p.append(f"zoneinfo {z.name}: min/low/high/promo {got}, but min_free_kbytes {mfk} over "
                     f"{managed} managed pages gives {wmarks[z.name]}")
        if z.protection != prot[z.name]:
            p.append(f"zoneinfo {z.name}: protection {z.protection}, but the managed pages {managed} "
                     f"give {prot[z.name]}")
    reserve = sum(min(managed[n], max(prot[n]) + wmarks[n][2]) for n in managed)
    if "MemFree" in mi and "MemAvailable" in mi:
        want = max(mi["MemFree"] - reserve * k, 0)
        if mi["MemAvailable"] != want:
            p.append(f"MemAvailable {mi['MemAvailable']} kB, but MemFree {mi['MemFree']} kB less the "
                     f"{reserve} reserve pages (high watermarks + protection) is {want} kB")
    return p


def check_pagesets(z: ZoneInfo, bi: BuddyinfoReport | None, nr_cpu_ids: int = 1) -> list[str]:
    """The pagesets of the populated zone @z (see check_zones()), on a
    machine with @nr_cpu_ids possible CPUs."""
    where = f"zoneinfo {z.name}"
    p: list[str] = []
    cpus = [ps.cpu for ps in z.pagesets]
    if cpus != list(range(nr_cpu_ids)):
        p.append(f"{where}: pagesets for cpus {cpus}, expected {list(range(nr_cpu_ids))} "
                 f"(one per possible CPU)")
    batch = expected_pcp_batch(z.managed)
    high = expected_pcp_high(z.low, batch, nr_cpu_ids)
    listed = bi.zone_pcp(z.name) if bi is not None else None
    if bi is not None and listed is None:
        p.append(f"{where}: buddyinfo's free_pcp line does not name the zone")
    elif listed is not None and listed != z.pcp_count:
        p.append(f"{where}: the pagesets hold {z.pcp_count} pages, buddyinfo's free_pcp line says {listed}")
    for ps in z.pagesets:
        what = f"{where} pagesets cpu {ps.cpu}"
        if ps.batch != batch:
            p.append(f"{what}: batch {ps.batch}, but managed {z.managed} gives {batch} (zone_batchsize())")
        if ps.high != high:
            p.append(f"{what}: high {ps.high}, but low {z.low} and batch {batch} give {high} (zone_highsize())")
        if ps.count > ps.high:
            p.append(f"{what}: count {ps.count} > high {ps.high}")
    return p


def zone_case_skips(log: SerialLog) -> dict[str, str]:
    """The zone self-test cases this machine may skip (any reason): those
    that test a zone the boot report shows without managed pages."""
    populated = {z.name for z in log.zoneinfo if z.populated}
    return {name: "" for name, may_skip in ZONE_CASES.items() if may_skip(populated)}


def check_alloc_failures(log: SerialLog) -> list[str]:
    """Each allocation-failure warning whole: a header naming the order and
    the highest zone, a caller line, one line per zone tried from that zone
    down to DMA with the same order and a known reason that agrees with the
    numbers on it (empty: the boot report shows the zone without managed
    pages; no free block of the order: its largest free order is below it;
    below min: free, with the zone's pages on per-CPU lists (the free_pcp
    line after the warning: the watermark check counts them, zone_free_pages()),
    less the request's other pages is at most min + protection), largest
    free order -1 exactly when nothing is free; then
    the buddyinfo lines, which add up to each zone's free count, with their
    free_pcp line (check_free_pcp_line()); then the free pages line, which
    is the buddyinfo lines and the free_pcp line together."""
    p: list[str] = []
    unpopulated = {z.name for z in log.zoneinfo if not z.populated}
    for f in log.alloc_failures:
        p += f.problems
        if f.order is None:
            continue
        where = f"allocation failure at line {f.line_no}"
        if f.highest not in ZONE_NAMES:
            p.append(f"{where}: unknown zone {f.highest}")
            continue
        want = list(reversed(ZONE_NAMES[:ZONE_NAMES.index(f.highest) + 1]))
        if [z.name for z in f.zones] != want:
            p.append(f"{where}: zones tried {[z.name for z in f.zones]}, expected {want}")
        for z in f.zones:
            what = f"{where}, zone {z.name}"
            pcp = (f.buddyinfo.zone_pcp(z.name) or 0) if f.buddyinfo else 0
            if z.order != f.order:
                p.append(f"{what}: order {z.order}, the allocation was order {f.order}")
            if z.why not in ALLOC_FAILURE_REASONS:
                p.append(f"{what}: reason {z.why!r} (not one of {ALLOC_FAILURE_REASONS})")
            elif (z.why == "empty") != (z.name in unpopulated):
                p.append(f"{what}: reason {z.why!r}, but the boot report shows it "
                         f"{'without' if z.name in unpopulated else 'with'} managed pages")
            elif z.why == "no free block of this order or above" and z.largest_order >= f.order:
                p.append(f"{what}: 'no free block of this order' with largest free order {z.largest_order}")
            elif z.why == "below its min watermark" and (
                    z.largest_order < f.order or z.free + pcp - ((1 << f.order) - 1) > z.min + z.protection):
                p.append(f"{what}: 'below its min watermark' with free {z.free} (and {pcp} on per-CPU lists), "
                         f"min {z.min}, protection {z.protection}, largest free order {z.largest_order}")
            if (z.largest_order < 0) != (z.free == 0):
                p.append(f"{what}: free {z.free} pages but largest free order {z.largest_order}")
            line = f.buddyinfo.zone(z.name) if f.buddyinfo else None
            got = line.free_pages if line else 0
            if got != z.free:
                p.append(f"{what}: free {z.free} pages, its buddyinfo line after it adds up to {got}")
        if f.buddyinfo is None:
            p.append(f"{where}: no buddyinfo lines after it")
            continue
        p += check_free_pcp_line(f.buddyinfo, where)
        if f.free_pages is not None and f.free_pages != f.buddyinfo.free_pages:
            p.append(f"{where}: 'free pages: {f.free_pages}', but its buddyinfo lines add up to "
                     f"{f.buddyinfo.buddy_pages} pages and its free_pcp line to {f.buddyinfo.pcp_pages}")
    return p


def check_power_down_last(log: SerialLog) -> list[str]:
    p = []
    if log.last_kernel_line() != POWER_DOWN:
        p.append(f"the last kernel line is {log.last_kernel_line()!r}, not {POWER_DOWN!r}")
    n = log.kernel.count(POWER_DOWN)
    if n != 1:
        p.append(f"{POWER_DOWN!r} appears {n} times")
    return p


def check_clean_boot(log: SerialLog, holes=(), allowed_skips: dict[str, str] | None = None,
                     must_run: tuple[str, ...] = ()) -> list[str]:
    """Everything a clean selftest + poweroff boot shows, on any machine;
    @holes: byte ranges [start, end) no handed-out page may touch; a zone
    case may skip only where the machine lacks its zone (zone_case_skips()),
    and those in @must_run not at all."""
    if not log.kernel:
        return ["the kernel printed nothing (no 'Pagewise' banner on COM1)"]
    allowed = dict(ALLOWED_SKIPS if allowed_skips is None else allowed_skips)
    allowed.update(zone_case_skips(log))
    return (check_ktap(log, allowed) + check_zone_cases_ran(log, must_run) + check_memory(log) + check_zones(log)
            + check_handed_out(log, holes) + check_freed(log) + check_bug_lines(log)
            + check_alloc_failures(log) + check_power_down_last(log))


def check_zone_cases_ran(log: SerialLog, must_run: tuple[str, ...] = ()) -> list[str]:
    """Every zone case is in the self-test; those in @must_run ran (ok, not
    skipped)."""
    if log.ktap is None:
        return []
    results = {r.name: r for r in log.ktap.results}
    p = [f"no zone self-test case {name} in the KTAP document" for name in ZONE_CASES if name not in results]
    for name in must_run:
        r = results.get(name)
        if r is not None and (not r.ok or r.skipped):
            p.append(f"zone case {name} must run and pass here: {'ok' if r.ok else 'not ok'} {r.number} "
                     f"{name}{' # ' + r.directive if r.directive else ''}")
    return p


# --- per-configuration checks ------------------------------------------------


def check_ram_above_4g(log: SerialLog) -> list[str]:
    p = []
    pfns = memblock_memory_pfns(log.mmap)
    above = intersect(pfns, FOUR_GIB // PAGE_SIZE, 1 << 52)
    if not above:
        p.append("the map has no usable RAM above 0x100000000")
    below_end = max((e for s, e in pfns if s < FOUR_GIB // PAGE_SIZE), default=0) * PAGE_SIZE
    if below_end >= FOUR_GIB:
        p.append("usable RAM runs up to 4 GiB: no PCI hole below it")
    dm = log.direct_map
    if dm and above and dm.end < above[-1][1] * PAGE_SIZE:
        p.append(f"the direct map ends at {dm.end:#x}, below the RAM above 4 GiB (to {above[-1][1] * PAGE_SIZE:#x})")
    return p


def check_1g_pages(log: SerialLog) -> list[str]:
    p = []
    if not (log.cpu and log.cpu["gbpages"]):
        p.append(f"the cpu line does not report 1 GiB pages: {log.cpu}")
    if not log.direct_map or log.direct_map.pages_1g == 0:
        p.append(f"the direct map uses no 1G pages: {log.direct_map}")
    return p


def check_no_1g_pages(log: SerialLog) -> list[str]:
    """A CPU without pdpe1gb (CPUID 0x80000001 EDX bit 26): the cpu line says
    so and the direct map uses no 1 GiB page."""
    p = []
    if not log.cpu or log.cpu["gbpages"]:
        p.append(f"the cpu line reports 1 GiB pages (or is missing): {log.cpu}")
    if not log.direct_map or log.direct_map.pages_1g != 0:
        p.append(f"the direct map uses 1G pages on a CPU without them: {log.direct_map}")
    return p


NO_NX_WARNING = "paging: NX (Execute Disable) missing in this CPU"


def check_nx(log: SerialLog, has_nx: bool) -> list[str]:
    """The cpu line reports NX as the CPU has it, and the kernel-image line
    claims NX for the data parts only where the CPU can enforce it. Without
    NX the kernel warns that data is executable."""
    p = []
    if not log.cpu or log.cpu["nx"] != has_nx:
        p.append(f"the cpu line should say NX {'yes' if has_nx else 'no'}: {log.cpu}")
    want = ("text RX, init text RX, init data RW NX, rodata R NX, data+bss RW NX" if has_nx
            else "text RX, init text RX, init data RW, rodata R, data+bss RW")
    if log.image_rights != want:
        p.append(f"the kernel image line says {log.image_rights!r}, not {want!r}")
    warned = any(line.startswith(NO_NX_WARNING) for line in log.kernel)
    if warned != (not has_nx):
        p.append(f"the NX warning ('{NO_NX_WARNING} ...') is {'printed' if warned else 'missing'}")
    return p


def check_hole(log: SerialLog, start: int, end: int) -> list[str]:
    """No usable page in [start, end), and usable RAM on both sides of it."""
    p = []
    pfns = memblock_memory_pfns(log.mmap)
    inside = intersect(pfns, start // PAGE_SIZE, -(-end // PAGE_SIZE))
    if inside:
        p.append(f"usable pages in the cut [{start:#x}-{end - 1:#x}]: pfns {inside}")
    if not intersect(pfns, 0, start // PAGE_SIZE) or not intersect(pfns, end // PAGE_SIZE, 1 << 52):
        p.append(f"no usable RAM on both sides of [{start:#x}-{end - 1:#x}]: the cut did not cut")
    return p


# --- CPUs: the MADT, smp_prepare_cpus() and smp_init() ------------------------

VMALLOC_START = 0xFFFFC90000000000  # memlayout.h: vmap_stack() maps the AP stacks here
_ALLOWING = re.compile(r"^smpboot: Allowing (\d+) CPUs, (\d+) hotplug CPUs$")
_BROUGHT_UP = re.compile(r"^smp: Brought up 1 node, (\d+) CPUs?$")
_TOTAL = re.compile(r"^smpboot: Total of (\d+) processors activated$")
_ONLINE = re.compile(r"^smpboot: CPU (\d+) \(APIC id (\d+)\) online: stack \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], "
                     r"guard page at (0x[0-9a-f]+)$")
_NO_ANSWER = re.compile(r"^smpboot: CPU (\d+) \(APIC id (\d+)\) did not answer the startup IPIs: left out$")
_NODE_CPUS = re.compile(r"^\.\.\.\. node +#0, CPUs:((?: +#\d+)*)$")
_MADT = re.compile(r"^ACPI: MADT 0x[0-9a-f]+: local APIC at 0x[0-9a-f]+, (\d+) local APICs \((\d+) enabled, "
                   r"(\d+) online-capable\), (\d+) I/O APICs, (\d+) overrides, (\d+) NMI entries$")
# Linux's per-entry lines: type 0 (xAPIC ids) and type 9 (x2APIC ids, above 254).
_LAPIC = re.compile(r"^ACPI: (?:LAPIC \(acpi_id\[0x([0-9a-f]+)\] lapic_id\[0x([0-9a-f]+)\]"
                    r"|X2APIC \(apic_id\[0x([0-9a-f]+)\] uid\[0x([0-9a-f]+)\]) "
                    r"(enabled|disabled|disabled online-capable)\)$")
_ONE_CPU = re.compile(r"^ACPI: .+: booting one CPU$")
_HELD = re.compile(r"^vmalloc: (\d+) pages of the page allocator held: (\d+) for kernel stacks, "
                   r"(\d+) page-table pages$")
BRINGING_UP = "smp: Bringing up secondary CPUs ..."
BOOTING_SMP = "x86: Booting SMP configuration:"
UNEXPECTED_VECTOR = "irq: unexpected vector"


@dataclass
class OnlineCpu:
    """One "smpboot: CPU n (APIC id a) online: ..." line: an AP in C code."""

    line_no: int
    cpu: int
    apic_id: int
    stack: tuple[int, int]  # as printed: [first byte, last byte]
    guard: int


@dataclass
class SmpLines:
    """The CPU lines of a boot log (smp_lines()), each with its line number
    in log.kernel where the order matters."""

    allowing: list[tuple[int, int]] = field(default_factory=list)  # (possible, hotplug) per line
    brought_up: list[tuple[int, int]] = field(default_factory=list)  # (line_no, CPUs)
    total: list[int] = field(default_factory=list)
    online: list[OnlineCpu] = field(default_factory=list)
    no_answer: list[tuple[int, int]] = field(default_factory=list)  # (cpu, APIC id)
    node_cpus: list[list[int]] = field(default_factory=list)  # the "#1 #2" of each ".... node" line
    bringing_up: list[int] = field(default_factory=list)  # line numbers
    booting_smp: list[int] = field(default_factory=list)
    madt: list[tuple[int, ...]] = field(default_factory=list)  # (lapics, enabled, online-capable, ioapics, ...)
    lapics: list[tuple[int, int, bool]] = field(default_factory=list)  # (ACPI id, APIC id, enabled)
    one_cpu: list[str] = field(default_factory=list)  # "ACPI: ...: booting one CPU"
    unexpected: list[str] = field(default_factory=list)  # "irq: unexpected vector ..." lines
    held: list[tuple[int, int, int]] = field(default_factory=list)  # "vmalloc: N ... held: S ..., T ...": (N, S, T)


def smp_lines(log: SerialLog) -> SmpLines:
    """The CPU lines (acpi.c, smpboot.c, irq.c) of @log's kernel part."""
    out = SmpLines()
    for i, line in enumerate(log.kernel):
        if m := _ALLOWING.match(line):
            out.allowing.append((int(m.group(1)), int(m.group(2))))
        elif m := _BROUGHT_UP.match(line):
            out.brought_up.append((i, int(m.group(1))))
        elif m := _TOTAL.match(line):
            out.total.append(int(m.group(1)))
        elif m := _ONLINE.match(line):
            out.online.append(OnlineCpu(i, int(m.group(1)), int(m.group(2)),
                                        (int(m.group(3), 16), int(m.group(4), 16)), int(m.group(5), 16)))
        elif m := _NO_ANSWER.match(line):
            out.no_answer.append((int(m.group(1)), int(m.group(2))))
        elif m := _NODE_CPUS.match(line):
            out.node_cpus.append([int(w[1:]) for w in m.group(1).split()])
        elif m := _MADT.match(line):
            out.madt.append(tuple(int(g) for g in m.groups()))
        elif m := _LAPIC.match(line):
            uid, apic_id = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
            out.lapics.append((int(uid, 16), int(apic_id, 16), m.group(5) == "enabled"))
        elif _ONE_CPU.match(line):
            out.one_cpu.append(line)
        elif m := _HELD.match(line):
            out.held.append(tuple(int(g) for g in m.groups()))
        elif line == BRINGING_UP:
            out.bringing_up.append(i)
        elif line == BOOTING_SMP:
            out.booting_smp.append(i)
        if line.startswith(UNEXPECTED_VECTOR):
            out.unexpected.append(line)
    return out


def possible_cpus(log: SerialLog) -> int:
    """nr_cpu_ids of the boot: N of its "smpboot: Allowing N CPUs, H hotplug
    CPUs" line; 1 for a log without one (a kernel before SMP, a made-up
    log)."""
    allowing = smp_lines(log).allowing
    return allowing[0][0] if allowing else 1


@dataclass(frozen=True)
class CpuExpect:
    """What a boot must report about its CPUs, worked out from what the
    emulator was given (test_boot.py: expect_cpus())."""

    started: int  # vCPUs the emulator started (QEMU -smp N, Bochs count=N)
    possible: int  # "Allowing <possible> CPUs"
    hotplug: int  # "<hotplug> hotplug CPUs"
    up: int  # "Brought up 1 node, <up> CPUs": CPU 0 and the APs that must answer
    madt: bool = True  # False: the firmware gives no MADT (QEMU -machine acpi=off)
    madt_lapics: int = 0  # local APIC entries in the MADT (QEMU: maxcpus, enabled or not)


def check_cpus(log: SerialLog, want: CpuExpect) -> list[str]:
    """The CPU lines against what the emulator was given (@want):
    - with a MADT, its summary line counts want.madt_lapics local APICs,
      want.started of them enabled, and lists each (per-entry lines, APIC
      ids distinct); without one, one "ACPI: ...: booting one CPU" line
      (and with one, no such line);
    - "smpboot: Allowing <possible> CPUs, <hotplug> hotplug CPUs" once;
    - "smp: Brought up 1 node, <up> CPUs" ("1 CPU" alone) and "smpboot:
      Total of <up> processors activated", once each;
    - every AP that must come up ran C code: CPUs 1..up-1 each printed its
      own "smpboot: CPU n (APIC id a) online: stack [...], guard page at
      ..." line, once, between "smp: Bringing up secondary CPUs ..." and
      the summary, with APIC ids distinct and among the MADT's enabled
      entries, each stack in the vmalloc area with its guard page right
      below it, no two stacks overlapping; the ".... node #0, CPUs:" line
      lists exactly them; no "did not answer" line;
    - the pages smp_init() says boot holds from the page allocator
      ("vmalloc: N pages ... held: S for kernel stacks, T page-table
      pages", once, N = S + T): stacks only for the APs that came up, the
      same number of pages for each and at least the kernel stack its
      online line shows (the IST stacks are the rest);
    - no "irq: unexpected vector" line."""
    s = smp_lines(log)
    p: list[str] = []
    if want.madt:
        if s.one_cpu:
            p.append(f"the firmware has a MADT, but the kernel says {s.one_cpu[0]!r}")
        if len(s.madt) != 1:
            p.append(f"{len(s.madt)} 'ACPI: MADT 0x...: local APIC at ..., N local APICs (...)' lines, expected 1")
        else:
            lapics, enabled = s.madt[0][:2]
            if (lapics, enabled) != (want.madt_lapics, want.started):
                p.append(f"the MADT line counts {lapics} local APICs ({enabled} enabled); the emulator gave "
                         f"{want.madt_lapics} ({want.started} enabled)")
            if len(s.lapics) != lapics or sum(e for _, _, e in s.lapics) != enabled:
                p.append(f"{len(s.lapics)} 'ACPI: LAPIC (...)' lines ({sum(e for _, _, e in s.lapics)} enabled), "
                         f"but the MADT line counts {lapics} ({enabled} enabled)")
        ids = [a for _, a, _ in s.lapics]
        if len(set(ids)) != len(ids):
            p.append(f"the MADT lists APIC ids {ids}: not distinct")
    elif len(s.one_cpu) != 1:
        p.append(f"no MADT from the firmware: expected one 'ACPI: ...: booting one CPU' line, found {s.one_cpu}")

    if s.allowing != [(want.possible, want.hotplug)]:
        p.append(f"'smpboot: Allowing N CPUs, H hotplug CPUs' lines {s.allowing}, expected "
                 f"[({want.possible}, {want.hotplug})]: the emulator started {want.started} CPU(s)")
    if [n for _, n in s.brought_up] != [want.up]:
        p.append(f"'smp: Brought up 1 node, N CPUs' says {[n for _, n in s.brought_up]}, expected [{want.up}]")
    if s.brought_up:
        i, n = s.brought_up[0]
        if log.kernel[i] != f"smp: Brought up 1 node, {n} CPU{'' if n == 1 else 's'}":
            p.append(f"{log.kernel[i]!r}: Linux says '1 CPU' alone and 'N CPUs' otherwise")
    if s.total != [want.up]:
        p.append(f"'smpboot: Total of N processors activated' says {s.total}, expected [{want.up}]")
    if s.no_answer:
        p.append(f"CPUs that did not answer the startup IPIs (cpu, APIC id): {s.no_answer}")

    cpus = [c.cpu for c in s.online]
    if sorted(cpus) != list(range(1, want.up)):
        p.append(f"'smpboot: CPU n (APIC id a) online' lines for CPUs {cpus}, expected each of "
                 f"{list(range(1, want.up))} once: every AP must reach C code and say so")
    apic_ids = [c.apic_id for c in s.online]
    if len(set(apic_ids)) != len(apic_ids):
        p.append(f"the APs came up with APIC ids {apic_ids}: not distinct")
    enabled_ids = {a for _, a, e in s.lapics if e}
    stray = [a for a in apic_ids if want.madt and a not in enabled_ids]
    if stray:
        p.append(f"APs online with APIC ids {stray}, which are no enabled MADT entry {sorted(enabled_ids)}")
    if want.up > 1:
        if len(s.bringing_up) != 1 or len(s.booting_smp) != 1:
            p.append(f"expected one {BRINGING_UP!r} and one {BOOTING_SMP!r} line, found "
                     f"{len(s.bringing_up)} and {len(s.booting_smp)}")
        if s.node_cpus != [list(range(1, want.up))]:
            p.append(f"'.... node  #0, CPUs:' lines list {s.node_cpus}, expected [{list(range(1, want.up))}]")
        if s.bringing_up and s.brought_up:
            late = [c.cpu for c in s.online if not s.bringing_up[0] < c.line_no < s.brought_up[0][0]]
            if late:
                p.append(f"the online lines of CPUs {late} are not between {BRINGING_UP!r} and the summary")
    stacks = []
    for c in s.online:
        lo, hi = c.stack
        what = f"CPU {c.cpu}'s stack [{lo:#x}-{hi:#x}]"
        if not VMALLOC_START <= lo < hi:
            p.append(f"{what} is not a range in the vmalloc area (from {VMALLOC_START:#x}): vmap_stack()")
        if lo % PAGE_SIZE or c.guard != lo - PAGE_SIZE:
            p.append(f"{what}: guard page at {c.guard:#x}, expected the page right below it ({lo - PAGE_SIZE:#x})")
        stacks.append((c.guard, hi, c.cpu))
    stacks.sort()
    for (_, hi, a), (lo, _, b) in zip(stacks, stacks[1:]):
        if lo <= hi:
            p.append(f"the stacks (with their guard pages) of CPUs {a} and {b} overlap")
    if len(s.held) != 1:
        p.append(f"{len(s.held)} 'vmalloc: N pages of the page allocator held: ...' lines, expected 1")
    else:
        n, held_stacks, tables = s.held[0]
        aps = len(s.online)
        least = sum((c.stack[1] + 1 - c.stack[0]) // PAGE_SIZE for c in s.online)
        if n != held_stacks + tables:
            p.append(f"'vmalloc: {n} pages ... held': {held_stacks} for stacks + {tables} page-table pages is not {n}")
        if (held_stacks != 0) if not aps else (held_stacks % aps or held_stacks < least):
            p.append(f"the kernel holds {held_stacks} pages of stacks for {aps} AP(s) online: not the same number "
                     f"for each, at least the {least} pages of their kernel stacks (none without an AP)")
    if s.unexpected:
        p.append(f"{len(s.unexpected)} unexpected interrupt line(s): {s.unexpected[:3]}")
    return p
