"""boot_checks.py - what a clean "selftest poweroff" boot must show on COM1.
Each check returns a list of problems (empty: fine), so one failing boot
reports everything that is wrong with it at once."""

from __future__ import annotations

from serial_log import (
    PAGE_SIZE,
    NR_PAGE_ORDERS,
    SerialLog,
    highest_usable_pfn,
    intersect,
    memblock_memory_pfns,
    merge,
    subtract,
    total,
    usable_page_ranges,
    usable_pages,
)

EXPECTED_BUGS = 8
BUGS_ANNOUNCED = "# the next 8 reports are expected"
BAD_FREES_CASE = "bad_frees_are_refused"
POWER_DOWN = "reboot: Power down"
STRUCT_PAGE_BYTES = 32
LOW_MEMORY_END = 0x100000  # the kernel maps and reserves the first 1 MiB always
FOUR_GIB = 1 << 32
# Never acceptable outside the announced window (BUG:) or at all (the rest).
FORBIDDEN = ("Kernel panic", "traps:", "buddy_verify:")


def check_ktap(log: SerialLog) -> list[str]:
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
        elif r.skipped:
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
    """Exactly the 8 announced BUG reports, inside their window; no panic,
    no trap, no buddy_verify complaint anywhere."""
    p: list[str] = []
    k = log.kernel
    try:
        first = k.index(BUGS_ANNOUNCED)
    except ValueError:
        first = None
        p.append(f"no '{BUGS_ANNOUNCED}' line")
    last = None
    if log.ktap:
        for r in log.ktap.results:
            if r.name == BAD_FREES_CASE:
                last = r.line_no
                if not r.ok:
                    p.append(f"'{BAD_FREES_CASE}' is not ok")
    if last is None:
        p.append(f"no KTAP result for {BAD_FREES_CASE}")
    bugs = [i for i, line in enumerate(k) if "BUG:" in line]
    if len(bugs) != EXPECTED_BUGS:
        p.append(f"{len(bugs)} 'BUG:' lines, expected {EXPECTED_BUGS}")
    if first is not None and last is not None:
        for i in bugs:
            if not first < i < last:
                p.append(f"unexpected (outside the announced window): {k[i]!r}")
    # Before the kernel (GRUB) too: "anywhere".
    for line in log.boot_loader + k:
        for bad in FORBIDDEN:
            if bad in line:
                p.append(f"'{bad}' in the log: {line!r}")
    return p


def check_power_down_last(log: SerialLog) -> list[str]:
    p = []
    if log.last_kernel_line() != POWER_DOWN:
        p.append(f"the last kernel line is {log.last_kernel_line()!r}, not {POWER_DOWN!r}")
    n = log.kernel.count(POWER_DOWN)
    if n != 1:
        p.append(f"{POWER_DOWN!r} appears {n} times")
    return p


def check_clean_boot(log: SerialLog) -> list[str]:
    """Everything a clean selftest + poweroff boot shows, on any machine."""
    if not log.kernel:
        return ["the kernel printed nothing (no 'Pagewise' banner on COM1)"]
    return check_ktap(log) + check_memory(log) + check_bug_lines(log) + check_power_down_last(log)


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
