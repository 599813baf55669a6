"""observe_model.py - the instructor's reference models of labs 1-5 and the
checks of observed states against them (issue 18; tools/observed.py).

Written from the lab specs (docs/labs/lab*.md) and Linux's semantics, never
from the kernel's code: the official grade (tools/grade --submission) asks
"is the state the student's code left the one Linux's algorithm leaves?",
and these functions answer. Both checkers use them: tools/observe_host.py
on the dumps of the host harness children (test/host/grade_harness*.c) and
tools/observe_kernel.py on states read from guest memory. Every check
returns None when the state is right, else the FIRST difference as one
short sentence a student can act on. Dumps are untrusted data: validate
them (validate_state(), parse_dump()) before any other check.

API (stable; new parameters are keyword-only with defaults):

  NR_PAGE_ORDERS, MAX_PAGE_ORDER, GFP (name -> gfp_t value), gfp_zone()

  parse_dump(path, *, max_bytes, max_lines) -> (list[dict], error | None)
      JSON lines of a dump file, bounded; a line that is no JSON object is
      an error. Never raises on bad content.
  validate_state(state, *, first=False) -> error | None
      The schema of /work/G18.md (types, lengths, ranges); a first state
      must carry "ram".
  check_state(state, *, ram=None) -> error | None
      The invariants of one state (labs 3-5): every free block naturally
      aligned, inside its zone's span and inside @ram, disjoint from every
      other free block and per-CPU page; nr_free == the list's length;
      free_pages == the pages listed; lists agree with mem_map (buddy_pages:
      PG_buddy heads with their order; pcp_pages: PG_pcp pages) when the
      state has them; pcp count == its list's length; fully merged (no free
      block whose buddy is a free block of the same order in the same zone,
      below MAX_PAGE_ORDER).
  check_boot_state(state, *, ram) -> error | None
      check_state(), and the free blocks are exactly the canonical
      decomposition of @ram (all RAM free, fully merged).
  check_transition(prev, cur, *, lab, ram=None, pcp=True) -> error | None
      One step: cur["op"] applied to prev gave cur["result"] and cur. Labs
      3-5 ops of the schema. take: an aligned block of the order asked, out
      of a block of the smallest order that had one, the canonical split
      remainder left free (which block of that order is free to choose).
      give / free_pages / free_page: exactly the merged result. Page API
      ops (lab 4-5): the zone fallback, watermarks, lowmem_reserve and the
      per-CPU lists simulated as the labs specify (pcp=False: order-0 pages
      bypass the lists, as in the lab-4 handout whose lab-5 stubs do so).
      ["free_pages_bad", kind, pfn, order] (an op more, lab 4): free_pages()
      of 0, a misaligned, a foreign address or a double free (kind "zero",
      "misaligned", "foreign", "double"): nothing may change.
  check_sequence(states, *, lab, pcp=True, boot=True) -> error | None
      validate_state() and check_state() of each state, check_boot_state()
      of the first (boot=True), check_transition() of each step; the first
      error, prefixed with the step.
  check_round_trip(first, last) -> error | None
      Everything taken was given back: @last's free blocks, free_pages and
      per-CPU lists are exactly @first's, zone by zone.

  Lab 1: parse_mb2_info(data, avail) -> dict, the reference multiboot2
      parse ({"ret", "mmap": [[addr, len, type], ...], "from_basic"});
      check_mb2(want, got) -> error | None (want: parse_mb2_info()'s).
  Lab 2: PAGE_OFFSET, START_KERNEL_MAP, model_va(pa), model_pa(va).

State schema additions (optional fields; both checkers may emit them):
  zone "managed": managed_pages; "watermark": [min, low, high];
  "lowmem_reserve": [one per zone type, DMA first (up to 3)]. The page
  API checks (labs 4-5) need them; without them managed = present and no
  watermarks are assumed.
  step "nonzero_bytes": after get_zeroed_page, how many bytes of the page
  read non-zero (the checker reads the page itself).
  step "bad_addr": after get_free_pages/get_zeroed_page, the returned
  address minus the direct map's base when it is not the address of a
  page of RAM (then "result" is -1).
  step "bad_result": after take/alloc_page, a pointer that is no struct
  page of mem_map, described (then "result" is -1).
  zone "bad_list": a list could not be read whole (a link leaves mem_map,
  or the list has more entries than the zone has pages), described; the
  lists hold what was read before it.

GFP names in ops: "GFP_KERNEL" 0xcc0, "GFP_DMA" GFP_KERNEL|__GFP_DMA,
"GFP_DMA32" GFP_KERNEL|__GFP_DMA32, "GFP_ATOMIC" 0x820 (__GFP_HIGH |
__GFP_KSWAPD_RECLAIM), as src/mm/gfp.h and Linux define them. The per-CPU
lists: cpu 0's of each zone is modelled (the grader boots one CPU: nr_cpu_ids 1). Dumps may hold
other lines (the host harness's {"skipped": step, "of": step} and
{"done": true}): check_sequence() takes the state lines only."""

from __future__ import annotations

import bisect
import json
from pathlib import Path

MAX_PAGE_ORDER = 10
NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1
NR_ZONES = 3
ZONE_NAMES = ("DMA", "DMA32", "Normal")
MAX_DMA_PFN = (16 << 20) >> 12
MAX_DMA32_PFN = (4 << 30) >> 12
PFN_LIMIT = 1 << 40  # no pfn of any machine we build is this large

# gfp bits (src/mm/gfp.h, Linux's values)
_GFP_DMA, _GFP_DMA32, _GFP_HIGH = 0x01, 0x04, 0x20
_GFP_IO, _GFP_FS, _GFP_ZERO = 0x40, 0x80, 0x100
_GFP_DIRECT_RECLAIM, _GFP_KSWAPD_RECLAIM = 0x400, 0x800
_GFP_MEMALLOC = 0x20000
GFP_KERNEL = _GFP_DIRECT_RECLAIM | _GFP_KSWAPD_RECLAIM | _GFP_IO | _GFP_FS
GFP_ATOMIC = _GFP_HIGH | _GFP_KSWAPD_RECLAIM
GFP = {
    "GFP_KERNEL": GFP_KERNEL,
    "GFP_DMA": GFP_KERNEL | _GFP_DMA,
    "GFP_DMA32": GFP_KERNEL | _GFP_DMA32,
    "GFP_ATOMIC": GFP_ATOMIC,
}

# ALLOC_* (Linux's mm/internal.h)
WMARK_MIN, WMARK_LOW, WMARK_HIGH = 0, 1, 2
ALLOC_WMARK_MASK = 0x3
ALLOC_NO_WATERMARKS = 0x4
ALLOC_MIN_RESERVE = 0x8
ALLOC_NON_BLOCK = 0x10


def gfp_zone(gfp: int) -> int:
    """The highest zone a request with @gfp may use (Linux's gfp_zone())."""
    if gfp & _GFP_DMA:
        return 0
    if gfp & _GFP_DMA32:
        return 1
    return 2


def gfp_to_alloc_flags(gfp: int) -> int:
    """The slow path's ALLOC_* flags: min watermark, lowered for _GFP_HIGH
    and again for callers that cannot reclaim (Linux's gfp_to_alloc_flags())."""
    flags = WMARK_MIN
    if gfp & _GFP_HIGH:
        flags |= ALLOC_MIN_RESERVE
    if not gfp & _GFP_DIRECT_RECLAIM:
        flags |= ALLOC_NON_BLOCK
    return flags


def pfn_zonenum(pfn: int) -> int:
    """The zone @pfn belongs to on x86_64, by address."""
    return 0 if pfn < MAX_DMA_PFN else 1 if pfn < MAX_DMA32_PFN else 2


def _blk(pfn: int, order: int) -> str:
    """A block as a message names it."""
    if order == 0:
        return f"pfn {pfn:#x}"
    return f"order-{order} block at pfn {pfn:#x}"


# --- parsing and schema --------------------------------------------------------


def parse_dump(path: Path, *, max_bytes: int = 64 << 20,
               max_lines: int = 100000) -> tuple[list[dict], str | None]:
    """The JSON objects of the dump at @path, one a line, at most @max_lines
    and @max_bytes read. Returns (objects, None), or (what was read, error)."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        return [], f"no dump: {e.strerror or e}"
    if len(data) > max_bytes:
        return [], f"the dump is larger than {max_bytes} bytes"
    out: list[dict] = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        if len(out) >= max_lines:
            return out, f"the dump has more than {max_lines} lines"
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError):
            return out, f"line {n} of the dump is not JSON"
        if not isinstance(obj, dict):
            return out, f"line {n} of the dump is not a JSON object"
        out.append(obj)
    return out, None


def _is_int(x: object, lo: int = -(1 << 63), hi: int = 1 << 64) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and lo <= x < hi


def _int_list(x: object, *, lo: int = 0, hi: int = PFN_LIMIT,
              length: int | None = None, max_len: int = 1 << 22) -> bool:
    if not isinstance(x, list) or len(x) > max_len:
        return False
    if length is not None and len(x) != length:
        return False
    return all(_is_int(v, lo, hi) for v in x)


def validate_state(state: object, *, first: bool = False) -> str | None:
    """None when @state has the schema's shape (types, lengths, ranges),
    else what is wrong. A @first state must carry "ram"."""
    if not isinstance(state, dict):
        return "a state is not a JSON object"
    if not _is_int(state.get("step"), 0, 1 << 31):
        return "a state has no integer step"
    op = state.get("op")
    if op is not None and (not isinstance(op, list) or not op or len(op) > 4
                           or not isinstance(op[0], str)):
        return f"step {state['step']}: op is not a list naming an operation"
    res = state.get("result")
    if res is not None and not _is_int(res, -1, PFN_LIMIT):
        return f"step {state['step']}: result is not a pfn or -1"
    zones = state.get("zones")
    if not isinstance(zones, list) or not 1 <= len(zones) <= NR_ZONES:
        return f"step {state['step']}: zones is not a list of 1 to {NR_ZONES} zones"
    for z in zones:
        if not isinstance(z, dict) or not isinstance(z.get("name"), str):
            return f"step {state['step']}: a zone is not an object with a name"
        for k in ("start_pfn", "spanned", "present", "free_pages"):
            if not _is_int(z.get(k), 0, PFN_LIMIT):
                return f"step {state['step']}: zone {z['name'][:16]}: {k} is not a count"
        if not _int_list(z.get("nr_free"), hi=PFN_LIMIT, length=NR_PAGE_ORDERS):
            return f"step {state['step']}: zone {z['name'][:16]}: nr_free is not {NR_PAGE_ORDERS} counts"
        fl = z.get("free_lists")
        if not isinstance(fl, list) or len(fl) != NR_PAGE_ORDERS or \
                not all(_int_list(x) for x in fl):
            return f"step {state['step']}: zone {z['name'][:16]}: free_lists is not {NR_PAGE_ORDERS} lists of pfns"
        if "managed" in z and not _is_int(z["managed"], 0, PFN_LIMIT):
            return f"step {state['step']}: zone {z['name'][:16]}: managed is not a count"
        if "watermark" in z and not _int_list(z["watermark"], hi=PFN_LIMIT, length=3):
            return f"step {state['step']}: zone {z['name'][:16]}: watermark is not [min, low, high]"
        if "lowmem_reserve" in z and not (_int_list(z["lowmem_reserve"], hi=PFN_LIMIT)
                                          and 1 <= len(z["lowmem_reserve"]) <= NR_ZONES):
            return f"step {state['step']}: zone {z['name'][:16]}: lowmem_reserve is not one count per zone"
        pcps = z.get("pcp", [])
        if not isinstance(pcps, list) or len(pcps) > 64:
            return f"step {state['step']}: zone {z['name'][:16]}: pcp is not a list"
        for p in pcps:
            if not isinstance(p, dict) or not all(
                    _is_int(p.get(k), -(1 << 31), 1 << 31)
                    for k in ("cpu", "count", "high", "batch")) or \
                    not _int_list(p.get("list")):
                return f"step {state['step']}: zone {z['name'][:16]}: a pcp entry is malformed"
    bp = state.get("buddy_pages")
    if bp is not None and (not isinstance(bp, list) or not all(
            isinstance(e, list) and len(e) == 2 and _is_int(e[0], 0, PFN_LIMIT)
            and _is_int(e[1], -(1 << 63)) for e in bp)):
        return f"step {state['step']}: buddy_pages is not a list of [pfn, order]"
    pp = state.get("pcp_pages")
    if pp is not None and not _int_list(pp):
        return f"step {state['step']}: pcp_pages is not a list of pfns"
    ram = state.get("ram")
    if first and ram is None:
        return "the first state has no ram"
    if ram is not None and (not isinstance(ram, list) or len(ram) > 4096 or not all(
            isinstance(r, list) and len(r) == 2 and _is_int(r[0], 0, PFN_LIMIT)
            and _is_int(r[1], 0, PFN_LIMIT) and r[0] <= r[1] for r in ram)):
        return "ram is not a list of [start_pfn, end_pfn]"
    for k in ("nonzero_bytes", "bad_addr"):
        if k in state and not _is_int(state[k]):
            return f"step {state['step']}: {k} is not an integer"
    return None


# --- RAM as sorted intervals ------------------------------------------------------


class Ram:
    """The pfns the allocator may hand out, as sorted disjoint [start, end)."""

    def __init__(self, ranges: list[list[int]] | list[tuple[int, int]]):
        merged: list[list[int]] = []
        for s, e in sorted((int(a), int(b)) for a, b in ranges if b > a):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.ranges = merged
        self.starts = [r[0] for r in merged]

    def covers(self, start: int, end: int) -> bool:
        """Is every pfn of [start, end) RAM?"""
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.ranges[i][1] >= end

    def pages(self) -> int:
        return sum(e - s for s, e in self.ranges)


def canonical_blocks(ram: Ram, zones: list[dict]) -> set[tuple[int, int]]:
    """The free blocks of a fully merged allocator whose free pages are all
    of @ram: in each zone's span, the largest aligned blocks that fit."""
    out: set[tuple[int, int]] = set()
    spans = [(z["start_pfn"], z["start_pfn"] + z["spanned"]) for z in zones]
    for s, e in ram.ranges:
        for zs, ze in spans:
            a, b = max(s, zs), min(e, ze)
            while a < b:
                o = MAX_PAGE_ORDER
                while o and (a & ((1 << o) - 1) or a + (1 << o) > b):
                    o -= 1
                out.add((a, o))
                a += 1 << o
    return out


# --- one state ---------------------------------------------------------------------


def _zone_name(z: dict) -> str:
    return str(z.get("name", "?"))[:16]


def check_state(state: dict, *, ram: Ram | list | None = None) -> str | None:
    """The invariants of one (validated) state of labs 3-5; see the top."""
    if ram is not None and not isinstance(ram, Ram):
        ram = Ram(ram)
    intervals: list[tuple[int, int, str]] = []
    heads: dict[int, tuple[int, int]] = {}  # pfn -> (order, zone index)
    pcp_all: list[int] = []
    for zi, z in enumerate(state["zones"]):
        name, start = _zone_name(z), z["start_pfn"]
        end = start + z["spanned"]
        pages = 0
        if z.get("bad_list") is not None:
            return f"zone {name}: {str(z['bad_list'])[:200]}"
        for o in range(NR_PAGE_ORDERS):
            lst = z["free_lists"][o]
            if len(lst) != z["nr_free"][o]:
                return (f"zone {name}: free_area[{o}] lists {len(lst)} blocks "
                        f"but nr_free is {z['nr_free'][o]}")
            for pfn in lst:
                if pfn & ((1 << o) - 1):
                    return (f"zone {name}: {_blk(pfn, o)} on free_area[{o}] "
                            f"is not aligned to {1 << o} pages")
                if pfn < start or pfn + (1 << o) > end:
                    return (f"zone {name}: {_blk(pfn, o)} on free_area[{o}] "
                            f"lies outside the zone's pfns [{start:#x}, {end:#x})")
                if ram is not None and not ram.covers(pfn, pfn + (1 << o)):
                    return (f"zone {name}: {_blk(pfn, o)} on free_area[{o}] "
                            f"is not all free RAM (a hole, a reserved page or mem_map)")
                if pfn in heads:
                    return f"zone {name}: pfn {pfn:#x} is on the free lists twice"
                heads[pfn] = (o, zi)
                intervals.append((pfn, pfn + (1 << o), f"{_blk(pfn, o)} of zone {name}"))
                pages += 1 << o
        if z["free_pages"] != pages:
            return (f"zone {name}: free_pages is {z['free_pages']} but its free "
                    f"lists hold {pages} pages")
        for p in z.get("pcp", []):
            if p["count"] != len(p["list"]):
                return (f"zone {name}: cpu {p['cpu']}'s per-CPU list holds "
                        f"{len(p['list'])} pages but count is {p['count']}")
            for pfn in p["list"]:
                if pfn < start or pfn >= end:
                    return (f"zone {name}: pfn {pfn:#x} on cpu {p['cpu']}'s "
                            f"per-CPU list is outside the zone")
                if ram is not None and not ram.covers(pfn, pfn + 1):
                    return f"zone {name}: pfn {pfn:#x} on a per-CPU list is not free RAM"
                intervals.append((pfn, pfn + 1, f"pfn {pfn:#x} on a per-CPU list of zone {name}"))
                pcp_all.append(pfn)
    intervals.sort()
    for a, b in zip(intervals, intervals[1:]):
        if b[0] < a[1]:
            return f"{a[2]} and {b[2]} overlap"
    if state.get("buddy_pages") is not None:
        seen: dict[int, int] = {}
        for pfn, o in state["buddy_pages"]:
            seen[pfn] = o
            h = heads.get(pfn)
            if h is None:
                return f"mem_map: pfn {pfn:#x} is PG_buddy but is on no free list"
            if h[0] != o:
                return (f"mem_map: pfn {pfn:#x} is PG_buddy with order {o} "
                        f"but it is on free_area[{h[0]}]")
        for pfn, (o, zi) in sorted(heads.items()):
            if pfn not in seen:
                return (f"zone {_zone_name(state['zones'][zi])}: {_blk(pfn, o)} is on "
                        f"free_area[{o}] but mem_map has no PG_buddy on it")
    if state.get("pcp_pages") is not None:
        a, b = set(state["pcp_pages"]), set(pcp_all)
        if a != b:
            x = min(a - b) if a - b else min(b - a)
            return (f"mem_map: pfn {x:#x} is PG_pcp but on no per-CPU list" if x in a
                    else f"pfn {x:#x} is on a per-CPU list but mem_map has no PG_pcp on it")
    for pfn, (o, zi) in sorted(heads.items()):
        if o >= MAX_PAGE_ORDER:
            continue
        b = pfn ^ (1 << o)
        if heads.get(b) == (o, zi):
            return (f"zone {_zone_name(state['zones'][zi])}: free blocks at pfn {min(pfn, b):#x} "
                    f"and {max(pfn, b):#x} (order {o}) are buddies and should have merged")
    return None


def free_blocks(state: dict) -> list[set[tuple[int, int]]]:
    """Per zone, the set of free blocks (pfn, order) on its lists."""
    return [{(pfn, o) for o in range(NR_PAGE_ORDERS) for pfn in z["free_lists"][o]}
            for z in state["zones"]]


def _set_diff(zname: str, want: set, got: set, what: str) -> str | None:
    """The first difference between expected and observed free blocks."""
    if want == got:
        return None
    missing, extra = sorted(want - got), sorted(got - want)
    parts = []
    if missing:
        p, o = missing[0]
        parts.append(f"{_blk(p, o)} should be free" +
                     (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    if extra:
        p, o = extra[0]
        parts.append(f"{_blk(p, o)} should not be free" +
                     (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
    return f"after {what}, zone {zname}: " + "; ".join(parts)


def check_boot_state(state: dict, *, ram: Ram | list) -> str | None:
    """check_state(), then: the free blocks are exactly the largest aligned
    blocks that cover @ram (everything free, fully merged), no per-CPU page."""
    if not isinstance(ram, Ram):
        ram = Ram(ram)
    err = check_state(state, ram=ram)
    if err:
        return err
    want = canonical_blocks(ram, state["zones"])
    for zi, (z, got) in enumerate(zip(state["zones"], free_blocks(state))):
        s, e = z["start_pfn"], z["start_pfn"] + z["spanned"]
        zwant = {b for b in want if s <= b[0] < e}
        err = _set_diff(_zone_name(z), zwant, got, "boot")
        if err:
            return err
    return None


# --- the simulator ------------------------------------------------------------------


class SimZone:
    """One zone as the model keeps it: lists in list order (head first), the
    per-CPU list of cpu 0, marks. Built from an observed state's zone."""

    def __init__(self, z: dict, idx: int, nzones: int):
        self.idx, self.name = idx, _zone_name(z)
        self.start, self.end = z["start_pfn"], z["start_pfn"] + z["spanned"]
        self.present = z["present"]
        self.managed = z.get("managed", z["present"])
        self.wmark = list(z.get("watermark", [0, 0, 0]))
        self.reserve = list(z.get("lowmem_reserve", [0] * nzones))
        self.lists = [list(x) for x in z["free_lists"]]
        pcps = z.get("pcp") or [{"cpu": 0, "count": 0, "high": 0, "batch": 1, "list": []}]
        p = pcps[0]
        self.pcp, self.high, self.batch = list(p["list"]), p["high"], p["batch"]

    @property
    def free_pages(self) -> int:
        return sum(len(lst) << o for o, lst in enumerate(self.lists))

    def blocks(self) -> set[tuple[int, int]]:
        return {(p, o) for o, lst in enumerate(self.lists) for p in lst}

    def smallest(self, order: int) -> int | None:
        """The smallest order >= @order with a free block."""
        for o in range(order, NR_PAGE_ORDERS):
            if self.lists[o]:
                return o
        return None

    def take(self, order: int) -> int | None:
        """__rmqueue_smallest(): the head of the first non-empty list from
        @order up, split with the upper halves put first on their lists."""
        o = self.smallest(order)
        if o is None:
            return None
        pfn = self.lists[o].pop(0)
        while o > order:
            o -= 1
            self.lists[o].insert(0, pfn + (1 << o))
        return pfn

    def give(self, pfn: int, order: int) -> None:
        """__free_one_page(): merge while the buddy is a free block of the
        same order inside the zone, below MAX_PAGE_ORDER; the result first
        on its list."""
        while order < MAX_PAGE_ORDER:
            b = pfn ^ (1 << order)
            if not (self.start <= b < self.end) or b not in self.lists[order]:
                break
            self.lists[order].remove(b)
            pfn &= b
            order += 1
        self.lists[order].insert(0, pfn)

    def rmqueue_bulk(self, count: int) -> int:
        n = 0
        while n < count:
            p = self.take(0)
            if p is None:
                break
            self.pcp.append(p)
            n += 1
        return n

    def free_pcppages_bulk(self, count: int) -> None:
        count = min(count, len(self.pcp))
        for _ in range(count):
            self.give(self.pcp.pop(), 0)


class Sim:
    """The allocator as the labs specify it, from an observed state."""

    def __init__(self, state: dict, *, pcp: bool = True):
        n = len(state["zones"])
        self.zones = [SimZone(z, i, n) for i, z in enumerate(state["zones"])]
        self.use_pcp = pcp
        self.why: list[str] = []  # why zones were passed over, for messages

    def zone_of(self, pfn: int) -> SimZone | None:
        for z in self.zones:
            if z.start <= pfn < z.end:
                return z
        return None

    def wmark_ok(self, z: SimZone, order: int, mark: int, highest: int,
                 flags: int) -> bool:
        """zone_watermark_ok() with need_block false (Linux's
        __zone_watermark_ok(); per-CPU pages count as free)."""
        free = z.free_pages + len(z.pcp) - ((1 << order) - 1)
        mn = mark
        if flags & ALLOC_MIN_RESERVE:
            mn -= mn // 2
            if flags & ALLOC_NON_BLOCK:
                mn -= mn // 4
        reserve = z.reserve[highest] if highest < len(z.reserve) else 0
        return free > mn + reserve

    def rmqueue(self, z: SimZone, order: int) -> int | None:
        if order or not self.use_pcp:
            return z.take(order)
        if not z.pcp and not z.rmqueue_bulk(z.batch):
            return None
        return z.pcp.pop(0)

    def get_page_from_freelist(self, order: int, highest: int, flags: int) -> int | None:
        for zi in range(min(highest, len(self.zones) - 1), -1, -1):
            z = self.zones[zi]
            if not z.managed:
                continue
            if not flags & ALLOC_NO_WATERMARKS:
                mark = z.wmark[flags & ALLOC_WMARK_MASK]
                if not self.wmark_ok(z, order, mark, highest, flags):
                    reserve = z.reserve[highest] if highest < len(z.reserve) else 0
                    free = z.free_pages + len(z.pcp)
                    name = ("min", "low", "high")[flags & ALLOC_WMARK_MASK]
                    lowered = " lowered" if flags & ALLOC_MIN_RESERVE else ""
                    self.why.append(f"{z.name} has {free} free pages, too few for an order-{order} "
                                    f"request over its{lowered} {name} mark {mark} + "
                                    f"lowmem_reserve {reserve}")
                    continue
            p = self.rmqueue(z, order)
            if p is not None:
                return p
            self.why.append(f"{z.name} without a block of order {order}+")
        return None

    def alloc(self, gfp: int, order: int) -> int | None:
        """__alloc_pages_zonelist(): the low mark, then the slow path at min
        (lowered by gfp), again after a drain when per-CPU pages exist, then
        no watermark for _GFP_MEMALLOC."""
        highest = gfp_zone(gfp)
        p = self.get_page_from_freelist(order, highest, WMARK_LOW)
        if p is None:
            p = self.get_page_from_freelist(order, highest, gfp_to_alloc_flags(gfp))
        if p is None and any(z.pcp for z in self.zones):
            self.drain()
            p = self.get_page_from_freelist(order, highest, gfp_to_alloc_flags(gfp))
        if p is None and gfp & _GFP_MEMALLOC:
            p = self.get_page_from_freelist(order, highest, ALLOC_NO_WATERMARKS)
        return p

    def free(self, pfn: int, order: int) -> None:
        z = self.zone_of(pfn)
        if z is None:
            return
        if order or not self.use_pcp:
            z.give(pfn, order)
            return
        z.pcp.insert(0, pfn)
        if len(z.pcp) >= z.high:
            z.free_pcppages_bulk(z.batch)

    def drain(self) -> None:
        for z in self.zones:
            z.free_pcppages_bulk(len(z.pcp))


# --- one step --------------------------------------------------------------------------


def _op_str(op: list) -> str:
    args = ", ".join(f"{a:#x}" if isinstance(a, int) and a > 64 else str(a) for a in op[1:])
    return f"{op[0]}({args})"


def _compare_sim(sim: Sim, cur: dict, what: str, *, pcp_exact: bool) -> str | None:
    """The simulated zones against the observed ones: per-CPU lists in order
    (@pcp_exact) or as sets first, then free blocks as sets."""
    for sz, z in zip(sim.zones, cur["zones"]):
        pcps = z.get("pcp") or []
        obs = list(pcps[0]["list"]) if pcps else []
        if sim.use_pcp and (obs != sz.pcp if pcp_exact else set(obs) != set(sz.pcp)):
            return (f"after {what}, zone {sz.name}: the per-CPU list is "
                    f"{_pfns(obs)}, expected {_pfns(sz.pcp)}")
        if not sim.use_pcp and obs:
            return f"after {what}, zone {sz.name}: pages on the per-CPU list, which must stay empty"
    for sz, got in zip(sim.zones, free_blocks(cur)):
        err = _set_diff(sz.name, sz.blocks(), got, what)
        if err:
            return err
    return None


def _pfns(lst: list[int], n: int = 6) -> str:
    if not lst:
        return "empty"
    s = " ".join(f"{p:#x}" for p in lst[:n])
    return f"[{s}{' ...' if len(lst) > n else ''}] ({len(lst)} pages)"


def _check_take(prev: dict, cur: dict, op: list) -> str | None:
    """Lab 3's take, lenient in which block of the smallest order is split."""
    what = _op_str(op) + f" -> {cur.get('result')}"
    zi, order = op[1], op[2]
    if not (_is_int(zi, 0, len(prev["zones"])) and _is_int(order, 0, NR_PAGE_ORDERS)):
        return f"{what}: a take the grader never asks"
    sz = SimZone(prev["zones"][zi], zi, len(prev["zones"]))
    r = cur.get("result")
    o = sz.smallest(order)
    if o is None:
        if r not in (None, -1):
            return f"{what}: zone {sz.name} had no free block of order {order} or more, yet a pfn came back"
        err = _set_diff(sz.name, sz.blocks(), free_blocks(cur)[zi], what)
        return err
    if r is None or r == -1:
        return (f"{what}: no block came back, but zone {sz.name} had "
                f"{len(sz.lists[o])} free block(s) of order {o}")
    if r & ((1 << order) - 1):
        return f"{what}: pfn {r:#x} is not aligned to {1 << order} pages"
    base = r & ~((1 << o) - 1)
    if base not in sz.lists[o]:
        for oo in range(NR_PAGE_ORDERS):
            b = r & ~((1 << oo) - 1)
            if b in sz.lists[oo]:
                if oo > o:
                    return (f"{what}: split the {_blk(b, oo)}, but a block of order {o} "
                            f"was free (the smallest that fits must be used)")
                return (f"{what}: pfn {r:#x} lies in the free {_blk(b, oo)}, too small "
                        f"for order {order}")
        return f"{what}: pfn {r:#x} was not free in zone {sz.name}"
    sz.lists[o].remove(base)
    p, k = base, o
    while k > order:  # the half holding r is split on, its buddy stays free
        k -= 1
        half = p + (1 << k)
        if r >= half:
            sz.lists[k].append(p)
            p = half
        else:
            sz.lists[k].append(half)
    for zj, (z, got) in enumerate(zip(prev["zones"], free_blocks(cur))):
        want = sz.blocks() if zj == zi else free_blocks(prev)[zj]
        err = _set_diff(_zone_name(z), want, got, what)
        if err:
            return err
    return None


def _result_pfn(cur: dict) -> int | None:
    r = cur.get("result")
    return None if r is None or r == -1 else r


def check_transition(prev: dict, cur: dict, *, lab: int, ram: Ram | list | None = None,
                     pcp: bool = True) -> str | None:
    """One step of labs 3-5; see the top. @prev and @cur are validated and
    pass check_state()."""
    op = cur.get("op")
    if not op:
        return f"step {cur['step']} names no operation"
    name, what = op[0], _op_str(op)
    if cur.get("bad_result") is not None:
        return f"{what} returned {str(cur['bad_result'])[:100]}"
    if name == "take":
        return _check_take(prev, cur, op)
    sim = Sim(prev, pcp=pcp)
    want: int | None = None
    if name in ("give", "free_pages", "free_page"):
        if len(op) < 2 or not _is_int(op[1], 0, PFN_LIMIT):
            return f"{what}: malformed"
        order = op[2] if name != "free_page" and len(op) > 2 else 0
        if not _is_int(order, 0, NR_PAGE_ORDERS):
            return f"{what}: malformed"
        if sim.zone_of(op[1]) is None:
            return f"{what}: pfn outside every zone"
        if name == "give":
            sim.zone_of(op[1]).give(op[1], order)
        else:
            sim.free(op[1], order)
        return _compare_sim(sim, cur, what, pcp_exact=True)
    if name in ("get_free_pages", "get_zeroed_page", "alloc_page"):
        gfp_name = op[1] if len(op) > 1 else None
        if gfp_name not in GFP:
            return f"{what}: unknown gfp"
        order = op[2] if name == "get_free_pages" and len(op) > 2 else 0
        if not _is_int(order, 0, NR_PAGE_ORDERS):
            return f"{what}: malformed"
        if "bad_addr" in cur:
            off = cur["bad_addr"]
            return (f"{what}: returned an address {off:+#x} bytes from the direct "
                    f"map's base, which is not the direct-map address of a page of RAM")
        want = sim.alloc(GFP[gfp_name], order)
        got = _result_pfn(cur)
        what += f" -> {'pfn %#x' % got if got is not None else 'nothing'}"
        if got != want:
            if want is None:
                return (f"{what}: no zone may serve it ("
                        + "; ".join(dict.fromkeys(sim.why)) + "), so it must fail")
            wz, gz = sim.zone_of(want), sim.zone_of(got) if got is not None else None
            if got is None:
                return f"{what}: expected pfn {want:#x} from zone {wz.name}"
            if gz is not wz:
                why = "; ".join(dict.fromkeys(sim.why))
                return (f"{what}: served from zone {gz.name if gz else '(none)'}, expected zone "
                        f"{wz.name}" + (f" ({why})" if why else " (the first zone of its "
                                        "zonelist that passes its watermark)"))
            return f"{what}: expected pfn {want:#x}"
        if name == "get_zeroed_page" and cur.get("nonzero_bytes", 0):
            return f"{what}: {cur['nonzero_bytes']} bytes of the page are not zero"
        return _compare_sim(sim, cur, what, pcp_exact=True)
    if name == "free_pages_bad":
        # free_pages() of 0, of a misaligned or foreign address, or a double
        # free: refused (docs/labs/lab4.md), nothing changes
        return _compare_sim(sim, cur, what + " (must be refused)", pcp_exact=True)
    if name == "drain":
        sim.drain()
        return _compare_sim(sim, cur, what, pcp_exact=True)
    return f"{what}: unknown operation"


def check_round_trip(first: dict, last: dict) -> str | None:
    """None when the (validated) state @last frees exactly what @first did:
    the same free blocks, free_pages and per-CPU pages in every zone (a
    run that gave back everything it took); else the first difference."""
    what = f"everything was given back (step {last.get('step')})"
    if len(first["zones"]) != len(last["zones"]):
        return f"after {what}: the number of zones changed"
    for z0, z1, b0, b1 in zip(first["zones"], last["zones"], free_blocks(first),
                              free_blocks(last)):
        err = _set_diff(_zone_name(z0), b0, b1, what + ", the free blocks must be the "
                        "boot's")
        if err:
            return err
        if z0["free_pages"] != z1["free_pages"]:
            return (f"after {what}, zone {_zone_name(z0)}: free_pages is {z1['free_pages']}, "
                    f"at boot {z0['free_pages']}")
        p0 = sorted(p for c in z0.get("pcp", []) for p in c["list"])
        p1 = sorted(p for c in z1.get("pcp", []) for p in c["list"])
        if p0 != p1:
            return (f"after {what}, zone {_zone_name(z0)}: the per-CPU lists hold "
                    f"{_pfns(p1)}, at boot {_pfns(p0)}")
    return None


def check_sequence(states: list[dict], *, lab: int, pcp: bool = True,
                   boot: bool = True) -> str | None:
    """The whole dump of a lab 3-5 run; see the top."""
    if not states:
        return "the dump holds no state"
    err = validate_state(states[0], first=True)
    if err:
        return err
    ram = Ram(states[0]["ram"])
    err = check_boot_state(states[0], ram=ram) if boot else check_state(states[0], ram=ram)
    if err:
        return f"at boot (step {states[0]['step']}): {err}"
    for prev, cur in zip(states, states[1:]):
        err = validate_state(cur)
        if err:
            return err
        if len(cur["zones"]) != len(prev["zones"]):
            return f"step {cur['step']}: the number of zones changed"
        err = check_state(cur, ram=ram)
        if not err:
            err = check_transition(prev, cur, lab=lab, ram=ram, pcp=pcp)
        if err:
            return f"step {cur['step']}: {err}"
    return None


# --- lab 1: the multiboot2 memory map ------------------------------------------------

BOOT_MMAP_MAX = 128
MB2_TAG_END, MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP = 0, 4, 6


def _u32(b: bytes, off: int) -> int:
    return int.from_bytes(b[off:off + 4], "little")


def _u64(b: bytes, off: int) -> int:
    return int.from_bytes(b[off:off + 8], "little")


def parse_mb2_info(data: bytes, avail: int) -> dict:
    """What the kernel must make of the multiboot2 information @data of
    which @avail bytes are readable (multiboot2 spec 3.6, docs/labs/lab1.md,
    src/arch/x86_64/multiboot2.h's contract): {"ret": 0 or -1, "mmap":
    [[addr, len, type], ...], "from_basic": bool}. Tags are walked from
    offset 8 while a header fits in min(total_size, avail); an end tag, or a
    size below 8 or past the end, stops the walk. A map tag shorter than 16
    bytes, or whose entry_size is below 24 or not a multiple of 8, is
    skipped; else its whole entries are appended in order, at most 128 in
    all. With no entry at all, the last basic meminfo tag of 16 bytes or
    more gives [0, mem_lower KiB) and [1 MiB, +mem_upper KiB), usable."""
    data = bytes(data[:avail])
    res = {"ret": -1, "mmap": [], "from_basic": False}
    if avail < 8:
        return res
    total = _u32(data, 0)
    if total < 16:
        return res
    size = min(total, avail)
    res["ret"] = 0
    mmap: list[list[int]] = []
    basic = None
    off = 8
    while off + 8 <= size:
        typ, tsize = _u32(data, off), _u32(data, off + 4)
        if typ == MB2_TAG_END or tsize < 8 or tsize > size - off:
            break
        if typ == MB2_TAG_BASIC_MEMINFO:
            basic = (off, tsize)
        elif typ == MB2_TAG_MMAP and tsize >= 16:
            esize = _u32(data, off + 8)
            if esize >= 24 and esize % 8 == 0:
                e = 16
                while esize <= tsize - e and len(mmap) < BOOT_MMAP_MAX:
                    p = off + e
                    mmap.append([_u64(data, p), _u64(data, p + 8), _u32(data, p + 16)])
                    e += esize
        off += (tsize + 7) & ~7
    if not mmap and basic is not None and basic[1] >= 16:
        lower, upper = _u32(data, basic[0] + 8), _u32(data, basic[0] + 12)
        mmap = [[0, lower << 10, 1], [1 << 20, upper << 10, 1]]
        res["from_basic"] = True
    res["mmap"] = mmap
    return res


def check_mb2(want: dict, got: object) -> str | None:
    """The harness's line @got for a case against parse_mb2_info()'s @want."""
    if not isinstance(got, dict):
        return "no result"
    if got.get("ret") != want["ret"]:
        return f"mb2_parse_info() returned {got.get('ret')!r}, expected {want['ret']}"
    mm = got.get("mmap")
    if not isinstance(mm, list) or got.get("nr_mmap") != len(mm) and len(mm) < BOOT_MMAP_MAX:
        return "the dump's memory map is malformed"
    if got.get("nr_mmap") != len(want["mmap"]):
        return (f"boot_params.nr_mmap is {got.get('nr_mmap')!r}, expected "
                f"{len(want['mmap'])}")
    for i, (w, g) in enumerate(zip(want["mmap"], mm)):
        if g != w:
            return (f"boot_params.mmap[{i}] is {_entry(g)}, expected {_entry(w)}")
    if bool(got.get("from_basic")) != want["from_basic"]:
        return (f"mmap_from_basic_meminfo is {bool(got.get('from_basic'))}, "
                f"expected {want['from_basic']}")
    return None


def _entry(e: object) -> str:
    if isinstance(e, list) and len(e) == 3 and all(_is_int(x) for x in e):
        return f"{{addr {e[0]:#x}, len {e[1]:#x}, type {e[2]}}}"
    return "malformed"


# --- lab 2: the direct map --------------------------------------------------------------

PAGE_OFFSET = 0xffff888000000000
START_KERNEL_MAP = 0xffffffff80000000
STRUCT_PAGE_SIZE = 32


def model_va(pa: int) -> int:
    """__va(): the direct-map address of physical address @pa."""
    return (pa + PAGE_OFFSET) & ((1 << 64) - 1)


def model_pa(va: int) -> int:
    """__pa(): the physical address of a kernel-image or direct-map address."""
    return (va - START_KERNEL_MAP if va >= START_KERNEL_MAP else va - PAGE_OFFSET) & ((1 << 64) - 1)
