"""boot_checks.py - what a clean "selftest poweroff" boot must show on COM1.
Each check returns a list of problems (empty: fine), so one failing boot
reports everything that is wrong with it at once."""

from __future__ import annotations

from serial_log import (
    ALLOC_FAILURE,
    PAGE_SIZE,
    NR_PAGE_ORDERS,
    SerialLog,
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
HANDED_OUT_CASE = "all_free_memory_at_order0"  # prints the handed-out ranges
# Cases that may skip on a plain "selftest poweroff" boot, and the words their
# reason must contain: the poison case needs page_poison=1 on the command
# line (test_mm_debug.py boots with it and requires the case to run).
ALLOWED_SKIPS = {"bad_use_after_free_poison": "page_poison=1"}


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
        elif r.skipped and not (r.name in allowed and allowed[r.name] in r.directive):
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
    if "MemTotal" not in mi or "MemFree" not in mi:
        p.append(f"MemTotal/MemFree lines missing (found {mi})")
    else:
        if m is not None and mi["MemTotal"] != m.available_k:
            p.append(f"MemTotal {mi['MemTotal']} kB != {m.available_k}K available on the Memory line")
        if mi["MemFree"] > mi["MemTotal"]:
            p.append(f"MemFree {mi['MemFree']} kB > MemTotal {mi['MemTotal']} kB")
    if bi is None:
        p.append("no buddyinfo line (Node 0, zone ...)")
    else:
        if len(bi.counts) != NR_PAGE_ORDERS:
            p.append(f"buddyinfo has {len(bi.counts)} counts, expected {NR_PAGE_ORDERS} (orders 0..10)")
        if "MemFree" in mi and bi.free_kb != mi["MemFree"]:
            p.append(f"buddyinfo {bi.counts} adds up to {bi.free_kb} kB, MemFree is {mi['MemFree']} kB")
    p += check_mem_map(log)
    p += check_direct_map(log)
    return p


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
      failure:" warning inside a case named oom_* (between the previous
      result line and the case's own "ok N name" line);
    - each bad_ case that ran made at least one report, each oom_ case that
      ran at least one warning;
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
            elif not case.name.startswith(OOM_CASE_PREFIX):
                p.append(f"allocation failure in case {case.number} {case.name}, "
                         f"not an {OOM_CASE_PREFIX} case: {k[i]!r}")
            else:
                warned[case.name] = warned.get(case.name, 0) + 1
        ran = [r for r in doc.results if not r.skipped]
        for r in ran:
            if r.name.startswith(BAD_CASE_PREFIX) and not made.get(r.name):
                p.append(f"case {r.number} {r.name} made no bad-page report")
            if r.name.startswith(OOM_CASE_PREFIX) and not warned.get(r.name):
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
    if h.took is not None and h.took != pages:
        p.append(f"'# took {h.took} pages' but the ranges add up to {pages}")
    if h.memfree_before_kb is not None and h.memfree_before_kb != pages * (PAGE_SIZE // 1024):
        p.append(f"MemFree before the tests was {h.memfree_before_kb} kB, "
                 f"but {pages} pages ({pages * 4} kB) were handed out")
    return p


def check_freed(log: SerialLog) -> list[str]:
    """The boot memory freed after the boot report (free_boot_memory()):
    - each "mm: freed [mem A-B] WHAT: N pages" right after Linux's "Freeing
      WHAT memory: NK" line, with N pages = NK = the range, page-aligned;
      and no "Freeing" line without its range;
    - each range wholly inside the memblock reservations the log shows
      (so it was reserved), outside the first 1 MiB and mem_map, and no
      page freed twice;
    - the init region: the Memory line's "NK init" is what the initmem
      line frees (both or neither);
    - MemFree grows by exactly the freed amount: the self-test's
      "# MemFree before the tests" = the boot report's MemFree + the sum."""
    p: list[str] = []
    freed_k = 0
    for f in log.freed:
        what = f"freed [{f.start:#x}-{f.end - 1:#x}] {f.what}"
        if f.start % PAGE_SIZE or f.end % PAGE_SIZE:
            p.append(f"{what} is not page-aligned")
        if f.pages * PAGE_SIZE != f.end - f.start:
            p.append(f"{what}: {f.pages} pages, but the range has {(f.end - f.start) // PAGE_SIZE}")
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
    if log.freed and before is not None and "MemFree" in log.meminfo:
        if before != log.meminfo["MemFree"] + freed_k:
            p.append(f"MemFree before the tests is {before} kB, but the boot report's MemFree "
                     f"{log.meminfo['MemFree']} kB + {freed_k}K freed is {log.meminfo['MemFree'] + freed_k} kB")
    return p


def check_power_down_last(log: SerialLog) -> list[str]:
    p = []
    if log.last_kernel_line() != POWER_DOWN:
        p.append(f"the last kernel line is {log.last_kernel_line()!r}, not {POWER_DOWN!r}")
    n = log.kernel.count(POWER_DOWN)
    if n != 1:
        p.append(f"{POWER_DOWN!r} appears {n} times")
    return p


def check_clean_boot(log: SerialLog, holes=(), allowed_skips: dict[str, str] | None = None) -> list[str]:
    """Everything a clean selftest + poweroff boot shows, on any machine;
    @holes: byte ranges [start, end) no handed-out page may touch."""
    if not log.kernel:
        return ["the kernel printed nothing (no 'Pagewise' banner on COM1)"]
    return (check_ktap(log, allowed_skips) + check_memory(log) + check_handed_out(log, holes)
            + check_freed(log) + check_bug_lines(log) + check_power_down_last(log))


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
