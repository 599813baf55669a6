"""observe_kernel.py - the kernel side of the official grade (tools/grade
--submission, issue 18): boot the student's kernel under QEMU with gdb, read
what it built from guest memory (tools/observe/gdb_observer.py), and check
it against the grader's own reference.

Checker API (tools/observed.py): BUILD_TARGETS, SHARES, grade(lab, ctx).

What runs in the sandbox (ctx.run): gdb with the instructor's observer
script from ctx.tools, which starts QEMU (-S, gdb stub on a unix socket in
scratch) on build/pagewise-observe.iso of the tree ("observe" on the command
line: src/test/grade_agent.c) and reads build/kernel.elf for symbols and
types only. Its output (ctx.scratch/out/*.jsonl) is untrusted data, parsed
here with bounds. Machine sizes and workloads come from ctx.rng.

  lab 1  at kernel_main: the multiboot2 information as GRUB left it (parsed
         here, by our own parser); after memblock_setup_from_mmap():
         boot_params.mmap[] and memblock.memory/reserved.
  lab 2  after paging_init(): the page tables walked from CR3 in physical
         memory; then __va/__pa/pfn_to_page/page_to_pfn called by the agent.
  3-5    the agent runs the op plan (take/give; the page API; the per-CPU
         fast paths); a state (observe_model.py's schema) after every op,
         checked by observe_model.py's reference model and state checks.
         mem_map is read whole at boot, after the last op and after every
         cycle and drain, and also after every other op, where
         the op can have changed a flag ("mem_map_scan", check_mem_map_scan()).
         Lab 3 starts with two cycles (the agent takes pages one by one with
         buddy_core_take(zone, 0) and gives them back shuffled: splits from
         the boot's blocks down to order 0, merges back up) that must leave
         the boot's free blocks; every block taken is given back, so the last
         state must be the boot's (round_trip()); and in every state each
         page of RAM is free or in a block handed out (Held).

Machines: labs 1-2 boot twice, a small machine (64 MiB-1 GiB) whose GRUB
cuts a random hole out of RAM at byte granularity, and one of 3.5-4.5 GiB
(RAM above 4 GiB; lab 2 with 1 GiB pages); lab 3 64-256 MiB; lab 4 the same,
or (one grade in three) 3.5 GiB with ZONE_NORMAL; lab 5 256-384 MiB. A test
passes only if it passes in every boot of its lab. The tests and points are
TESTS_LAB1 .. TESTS_LAB5 below; a run cut short (a panic, a fault, a hang,
a dump that ends early) fails every test it leaves unchecked, with the
checkpoint that was never reached as the reason.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from observed import Context, Verdict  # noqa: E402

import observe_model  # noqa: E402  (the reference models, shared with observe_host.py)

BUILD_TARGETS = ["build/kernel.elf", "build/pagewise-observe.iso"]
SHARES = {1: 50, 2: 60, 3: 50, 4: 50, 5: 40}

KERNEL_ELF = Path("build") / "kernel.elf"
OBSERVE_ISO = Path("build") / "pagewise-observe.iso"
OBSERVE_CMDLINE = "observe"  # the Makefile's OBSERVE_CMDLINE
OBSERVER = Path("observe") / "gdb_observer.py"  # under ctx.tools

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PMD_SIZE = 2 << 20
PUD_SIZE = 1 << 30
PAGE_OFFSET = 0xFFFF888000000000
START_KERNEL_MAP = 0xFFFFFFFF80000000
DIRECT_MAP_SIZE = 64 << 40
LOW_MEMORY_END = 1 << 20
STRUCT_PAGE_SIZE = 32  # mm_types.h: BUILD_BUG_ON'd by the kernel
MB2_MMAP_TAG, MB2_MODULE_TAG, MB2_END_TAG = 6, 3, 0
MB2_AVAILABLE = 1
BOOT_MMAP_MAX = 128  # multiboot2.h: the entries boot_params keeps

# Page-table entry bits the lab specifies (paging.h, Linux's names).
P, RW, US, PWT, PCD, A, D, PS, G = 1, 2, 4, 8, 16, 32, 64, 128, 256
NX = 1 << 63
PAT_4K, PAT_LARGE = 1 << 7, 1 << 12

# Bounds on what we read back (untrusted).
MAX_EVENTS_BYTES = 4 << 20
MAX_STATES_BYTES = 256 << 20
MAX_MBI_BYTES = 1 << 16

# Machine sizes (MiB). Labs 1 and 2 boot twice: a small machine and one with
# RAM above 4 GiB (from 3.5 GiB on, QEMU's pc puts 3 GiB below the PCI hole
# and the rest from 4 GiB: 512 MiB to 1.5 GiB there). Labs 3-5 boot once,
# small enough that full mem_map scans stay quick.
SMALL_MIB = (64, 96, 128, 192, 256, 384, 512, 768, 1024)
BIG_MIB = (3584, 3840, 4096, 4608)
BUDDY_MIB = (64, 96, 128, 192, 256)
# Lab 5: ZONE_DMA's per-CPU high is its low watermark, smaller on bigger
# machines (51 pages at 128 MiB, 36 at 256, 32 at 320, 30 at 384, 17 at
# 1 GiB): the plan's frees reach it, and the free lists stay short to read.
PCP_MIB = (256, 320, 384)
# Lab 4: one grade in three boots a machine with ZONE_NORMAL (512 MiB above
# 4 GiB), where GFP_KERNEL must start its zonelist; the others press small
# machines down to their watermarks.
NORMAL_ZONE_ODDS = 1 / 3
NORMAL_MIB = 3584


def _log(ctx: Context, name: str) -> Path:
    ctx.logs.mkdir(parents=True, exist_ok=True)
    return ctx.logs / name


# --- running the observer ---------------------------------------------------------


class Observation:
    """One boot under gdb: its events (dicts with "kind") and states."""

    def __init__(self, name: str, mem_mib: int, cpu: str | None, note: str = ""):
        self.name, self.mem_mib, self.cpu, self.note = name, mem_mib, cpu, note
        self.events: list[dict] = []
        self.states: list[dict] = []
        self.error: str | None = None  # the dump could not be read
        self.status: int | None = None

    def first(self, kind: str) -> dict | None:
        return next((e for e in self.events if e.get("kind") == kind), None)

    def all(self, kind: str) -> list[dict]:
        return [e for e in self.events if e.get("kind") == kind]

    @property
    def end(self) -> str:
        e = self.first("end")
        if e is None:
            return "the observer never finished (killed at the time limit?)"
        return str(e.get("reason"))[:300]

    def reached(self, checkpoint: str) -> bool:
        return any(e.get("name") == checkpoint for e in self.all("checkpoint"))

    def describe(self) -> str:
        mem = f"{self.mem_mib // 1024} GiB" if self.mem_mib % 1024 == 0 else f"{self.mem_mib} MiB"
        extra = "".join(", " + x for x in (self.cpu, self.note) if x)
        return f"boot {self.name} ({mem}{extra})"


def observe(ctx: Context, lab: int, name: str, mem_mib: int, cpu: str | None = None,
            plan: list | None = None, deadline: float = 60.0, iso: Path | None = None,
            note: str = "", scan_every_state: bool = False) -> Observation:
    """Boot the tree's observe ISO (or @iso) under the observer; return
    what it saw."""
    obs = Observation(name, mem_mib, cpu, note)
    out = ctx.scratch / "out"
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"lab{lab}-{name}"
    for suffix in (".events.jsonl", ".states.jsonl", ".serial.log", ".plan.json", ".json"):
        Path(str(stem) + suffix).unlink(missing_ok=True)
    sock = Path(str(stem) + ".sock")

    def short(p: Path) -> str:  # a unix socket path must fit in 108 bytes
        rel = os.path.relpath(p, ctx.tree)
        return rel if len(rel) < len(str(p)) else str(p)

    cfg = {
        "lab": lab, "kernel": str(ctx.tree / KERNEL_ELF), "iso": str(iso or ctx.tree / OBSERVE_ISO),
        "mem": f"{mem_mib}M", "cpu": cpu, "socket": short(sock), "serial": str(stem) + ".serial.log",
        "out": str(stem), "deadline": deadline * ctx.time_scale,
        "scan_every_state": scan_every_state,
    }
    if plan is not None:
        plan_path = Path(str(stem) + ".plan.json")
        plan_path.write_text(json.dumps(plan))
        cfg["plan"] = str(plan_path)
    cfg_path = Path(str(stem) + ".json")
    cfg_path.write_text(json.dumps(cfg))
    argv = ["gdb", "-nx", "-batch", "-iex", "set auto-load off",
            "-ex", f"python import sys; sys.argv = ['gdb_observer', {str(cfg_path)!r}]",
            "-x", str(ctx.tools / OBSERVER)]
    obs.status = ctx.run(argv, cwd=ctx.tree, timeout=(deadline + 30) * ctx.time_scale,
                         log=_log(ctx, f"lab{lab}-{name}.gdb.log"))
    obs.events, err = observe_model.parse_dump(Path(str(stem) + ".events.jsonl"),
                                               max_bytes=MAX_EVENTS_BYTES)
    if err:
        obs.error = f"the observer's events: {err}"
    if lab >= 3:
        obs.states, err = observe_model.parse_dump(Path(str(stem) + ".states.jsonl"),
                                                   max_bytes=MAX_STATES_BYTES)
        if err and not obs.error:
            obs.error = f"the states: {err}"
    return obs


def hole_iso(ctx: Context, lab: int, mem_mib: int) -> tuple[Path | None, str]:
    """An ISO of the tree's kernel whose GRUB cuts a random hole out of RAM
    (cutmem, at byte granularity: the map then has usable entries that end
    and start inside pages, and two runs of RAM); (None, "") if it cannot be
    built. grub-mkrescue runs in the sandbox (ctx.run)."""
    from emulators import build_iso_variant

    below_4g = min(mem_mib, 3072) << 20
    start = ctx.rng.randrange(16 << 20, max(below_4g - (24 << 20), (17 << 20)))
    end = start + ctx.rng.randrange(1, 3 << 20)
    out = ctx.scratch / "iso" / f"lab{lab}-hole"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    try:
        iso = build_iso_variant(ctx.tree / KERNEL_ELF, ctx.tree / "grub.cfg", out, OBSERVE_CMDLINE,
                                [f"cutmem {start:#x} {end:#x}"], run=ctx.run, cwd=ctx.tree)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        ctx.notes.append(f"lab {lab}: no ISO with a hole ({e}); the plain one is used")
        return None, ""
    return iso, f"GRUB cut [{start:#x}, {end:#x})"


# --- ranges --------------------------------------------------------------------------


def normalize(ranges) -> list[list[int]]:
    """Sorted, disjoint, adjacent ones joined: [[start, end), ...]."""
    out: list[list[int]] = []
    for s, e in sorted((int(a), int(b)) for a, b in ranges if b > a):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def subtract(ranges, cut) -> list[list[int]]:
    out = []
    cut = normalize(cut)
    for s, e in normalize(ranges):
        pieces = [[s, e]]
        for cs, ce in cut:
            nxt = []
            for a, b in pieces:
                if ce <= a or cs >= b:
                    nxt.append([a, b])
                    continue
                if a < cs:
                    nxt.append([a, cs])
                if ce < b:
                    nxt.append([ce, b])
            pieces = nxt
        out += pieces
    return normalize(out)


def intersect(a, b) -> list[list[int]]:
    out = []
    for s1, e1 in normalize(a):
        for s2, e2 in normalize(b):
            s, e = max(s1, s2), min(e1, e2)
            if s < e:
                out.append([s, e])
    return normalize(out)


def covered(ranges, start: int, end: int) -> bool:
    return not subtract([[start, end]], ranges)


def fmt_range(s: int, e: int) -> str:
    return f"[mem {s:#018x}-{e - 1:#018x}]"


def first_ranges(ranges, n: int = 3) -> str:
    rs = normalize(ranges)
    text = ", ".join(fmt_range(s, e) for s, e in rs[:n])
    return text + (f" and {len(rs) - n} more" if len(rs) > n else "") if rs else "nothing"


# --- lab 1: our own multiboot2 parse and memblock's reference ------------------------------


def parse_mbi(data: bytes) -> tuple[list[list[int]], list[list[int]]]:
    """(memory map entries [[addr, len, type]], modules [[start, end]]) of a
    multiboot2 information, read the way the spec lays it out: u32
    total_size, u32 reserved, then 8-byte aligned tags up to the end tag."""
    if len(data) < 8:
        return [], []
    total = min(struct.unpack_from("<I", data, 0)[0], len(data))
    mmap, modules = [], []
    off = 8
    while off + 8 <= total:
        ttype, tsize = struct.unpack_from("<II", data, off)
        if ttype == MB2_END_TAG or tsize < 8 or off + tsize > total:
            break
        if ttype == MB2_MMAP_TAG and tsize >= 16:
            esize = struct.unpack_from("<I", data, off + 8)[0]
            if esize >= 24 and esize % 8 == 0:
                e = off + 16
                while e + esize <= off + tsize:
                    a, ln, ty = struct.unpack_from("<QQI", data, e)
                    mmap.append([a, ln, ty])
                    e += esize
        elif ttype == MB2_MODULE_TAG and tsize >= 16:
            ms, me = struct.unpack_from("<II", data, off + 8)
            modules.append([ms, me])
        off += (tsize + 7) & ~7
    return mmap, modules


def expected_memory(mmap: list[list[int]]) -> list[list[int]]:
    """memblock.memory as docs/labs/lab1.md specifies it: every usable entry
    added, rounded inward to pages; every other entry cut out, rounded
    outward; entries of length 0 skipped, ends past DIRECT_MAP_SIZE cut."""
    add, cut = [], []
    for a, ln, ty in mmap:
        if not ln:
            continue
        s, e = a, a + ln
        if e > DIRECT_MAP_SIZE or e < s:
            e = DIRECT_MAP_SIZE
        if s >= e:
            continue
        if ty == MB2_AVAILABLE:
            s, e = (s + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), e & ~(PAGE_SIZE - 1)
            if s < e:
                add.append([s, e])
        else:
            cut.append([s & ~(PAGE_SIZE - 1), (e + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)])
    return subtract(normalize(add), cut)


def page_out(s: int, e: int) -> list[int]:
    return [s & ~(PAGE_SIZE - 1), (e + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)]


def _regions(ev: dict, key: str, limit: int = 1024) -> list[list[int]] | None:
    rs = ev.get(key)
    if not isinstance(rs, list) or len(rs) > limit:
        return None
    out = []
    for r in rs:
        if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                            and 0 <= x < 1 << 64 for x in r)):
            return None
        out.append([r[0], r[0] + r[1]])
    return out


class Lab1Boot:
    """One boot's facts for lab 1 and 2, or why they are missing."""

    def __init__(self, obs: Observation):
        self.obs = obs
        self.why: str | None = None
        self.mmap = self.modules = None
        self.mbi_range = None
        ev = obs.first("mbi")
        if ev is None or not isinstance(ev.get("hex"), str) or len(ev["hex"]) > 2 * MAX_MBI_BYTES \
                or not isinstance(ev.get("pa"), int):
            self.why = f"{obs.describe()}: the kernel never reached kernel_main ({obs.end})"
            return
        try:
            data = bytes.fromhex(ev["hex"])
        except ValueError:
            self.why = f"{obs.describe()}: the observer's dump of the boot information is corrupt"
            return
        self.mmap, self.modules = parse_mbi(data)
        self.mmap = self.mmap[:BOOT_MMAP_MAX]
        # the host checker's reference parse, so both sides agree (the
        # basic meminfo fallback included)
        self.mmap = observe_model.parse_mb2_info(data, len(data))["mmap"]
        total = struct.unpack_from("<I", data, 0)[0] if len(data) >= 4 else 0
        self.mbi_range = [ev["pa"], ev["pa"] + total]
        self.expected_memory = expected_memory(self.mmap)
        syms = obs.first("symbols") or {}
        try:
            self.image = [int(syms["_kernel_phys_start"]), int(syms["_end"]) - START_KERNEL_MAP]
        except (KeyError, TypeError, ValueError):
            self.why = f"{obs.describe()}: the kernel image's symbols are missing"


def grade_lab1(ctx: Context) -> list[Verdict]:
    small = ctx.rng.choice(SMALL_MIB)
    iso, note = hole_iso(ctx, 1, small)
    boots = [observe(ctx, 1, "small", small, deadline=30, iso=iso, note=note),
             observe(ctx, 1, "big", ctx.rng.choice(BIG_MIB), deadline=30)]
    facts = [Lab1Boot(o) for o in boots]
    results: dict[str, list[str]] = {n: [] for n in TESTS_LAB1}
    for f in facts:
        o = f.obs
        if f.why:
            for n in results:
                results[n].append(f.why)
            continue
        mm = o.first("boot_mmap")
        mb = o.first("memblock")
        if mm is None:
            for n in results:
                results[n].append(f"{o.describe()}: the kernel stopped before memblock_setup_from_mmap() "
                                  f"({o.end})")
            continue
        # parse_mmap: boot_params.mmap[] equals GRUB's tag entry by entry
        entries = mm.get("entries")
        if not isinstance(entries, list) or entries != f.mmap or mm.get("nr_mmap") != len(f.mmap):
            got = entries if isinstance(entries, list) else []
            i = next((k for k in range(max(len(got), len(f.mmap))) if k >= len(got) or k >= len(f.mmap)
                      or got[k] != f.mmap[k]), 0)
            results["lab1.mmap_entries_match_tag"].append(
                f"{o.describe()}: boot_params holds {str(mm.get('nr_mmap'))[:12]} entries, GRUB's tag "
                f"{len(f.mmap)}; first difference at entry {i}: got {str(got[i])[:80] if i < len(got) else 'none'}"
                f", GRUB gave {f.mmap[i] if i < len(f.mmap) else 'none'}")
        if mb is None:
            for n in results:
                if n != "lab1.mmap_entries_match_tag":
                    results[n].append(f"{o.describe()}: the kernel never returned from memblock_setup_from_mmap() "
                                      f"(a panic, a fault or a hang: {o.end})")
            continue
        memory = _regions(mb, "memory")
        reserved = _regions(mb, "reserved")
        if memory is None or reserved is None:
            for n in results:
                results[n].append(f"{o.describe()}: memblock's regions could not be read")
            continue
        want = f.expected_memory
        if not _sorted_disjoint_aligned(memory):
            results["lab1.memblock_memory_is_usable_ram"].append(
                f"{o.describe()}: memblock.memory is not sorted, disjoint and page-aligned: "
                f"{first_ranges(memory, 4)}")
        elif normalize(memory) != want:
            miss, extra = subtract(want, memory), subtract(memory, want)
            msg = []
            if miss:
                msg.append(f"usable RAM missing from memblock.memory: {first_ranges(miss)}")
            if extra:
                msg.append(f"in memblock.memory but not whole pages of usable RAM: {first_ranges(extra)}")
            results["lab1.memblock_memory_is_usable_ram"].append(f"{o.describe()}: " + "; ".join(msg))
        required = [page_out(0, LOW_MEMORY_END), page_out(*f.image), page_out(*f.mbi_range)]
        required += [page_out(s, e) for s, e in f.modules]
        for what, (s, e), test in (("the first 1 MiB", (0, LOW_MEMORY_END), "lab1.first_mib_and_image_reserved"),
                                   ("the boot stub and kernel image", tuple(f.image),
                                    "lab1.first_mib_and_image_reserved"),
                                   ("the multiboot2 information", tuple(f.mbi_range), "lab1.boot_info_reserved")):
            if not covered(reserved, s, e):
                results[test].append(f"{o.describe()}: {what} {fmt_range(s, e)} is not all reserved: "
                                     f"{first_ranges(subtract([[s, e]], reserved))} is not")
        for ms, me in f.modules:
            if not covered(reserved, ms, me):
                results["lab1.boot_info_reserved"].append(f"{o.describe()}: boot module {fmt_range(ms, me)} "
                                                          "is not reserved")
        extra = subtract(intersect(reserved, want), required)
        missing = [fmt_range(*r) for r in [(0, LOW_MEMORY_END), tuple(f.image), tuple(f.mbi_range), *f.modules]
                   if not covered(reserved, *r)]
        if missing:  # "nothing more" means something only when what is needed is there
            results["lab1.reserved_only_what_is_in_use"].append(
                f"{o.describe()}: what must be reserved is not ({missing[0]}"
                f"{' and more' if len(missing) > 1 else ''}), so the reservations are not what is in use")
        if extra:
            results["lab1.reserved_only_what_is_in_use"].append(
                f"{o.describe()}: usable RAM reserved that nothing uses: {first_ranges(extra)}")
        if not subtract(want, reserved):
            results["lab1.reserved_only_what_is_in_use"].append(f"{o.describe()}: all of memory is reserved")
    return _verdicts(1, TESTS_LAB1, results, boots)


def _sorted_disjoint_aligned(rs: list[list[int]]) -> bool:
    prev = -1
    for s, e in rs:
        if s % PAGE_SIZE or e % PAGE_SIZE or s >= e or s < prev:
            return False
        prev = e
    return True


TESTS_LAB1 = {
    "lab1.mmap_entries_match_tag": (10, "boot_params.mmap[] equals GRUB's memory map tag entry by entry"),
    "lab1.memblock_memory_is_usable_ram": (15, "memblock.memory is exactly the whole pages of usable RAM "
                                               "(usable entries rounded inward, others cut out rounded outward)"),
    "lab1.first_mib_and_image_reserved": (10, "the first 1 MiB and _kernel_phys_start.._end are reserved"),
    "lab1.boot_info_reserved": (5, "the multiboot2 information (and any module) is reserved"),
    "lab1.reserved_only_what_is_in_use": (10, "memblock.reserved is what is in use: the first MiB, the kernel "
                                              "image, the boot information and modules all reserved, and no "
                                              "other usable page"),
}


def _verdicts(lab: int, tests: dict, results: dict[str, list[str]], boots: list[Observation]) -> list[Verdict]:
    where = "; ".join(b.describe() for b in boots)
    out = []
    for name, (points, what) in tests.items():
        fails = results[name]
        if fails:
            text = f"checked: {what}\nFAILED: " + "\n  ".join(fails[:4])
        else:
            text = f"checked: {what} ({where})"
        out.append(Verdict(lab, name, points, not fails, text))
    return out


# --- lab 2: the direct map ---------------------------------------------------------------


def expected_direct_map(memory: list[list[int]], gbpages: bool) -> list[list[int]]:
    """The leaves paging_init() must get from map_range() as runs [va, pa,
    page_size, count]: the first 1 MiB and every RAM region, runs that touch
    or overlap joined, each mapped with the largest page allowed (1 GiB only
    with gbpages) for which va, pa and what is left fit."""
    runs: list[list[int]] = []
    for s, e in normalize([[0, LOW_MEMORY_END]] + memory):
        runs.append([s, e])
    leaves: list[list[int]] = []
    maxp = PUD_SIZE if gbpages else PMD_SIZE
    for s, e in runs:
        pa = s
        while pa < e:
            step = maxp
            while step > PAGE_SIZE and (pa % step or e - pa < step):
                step = PMD_SIZE if step == PUD_SIZE else PAGE_SIZE
            va = PAGE_OFFSET + pa
            if leaves and leaves[-1][2] == step and leaves[-1][1] + step * leaves[-1][3] == pa:
                leaves[-1][3] += 1
            else:
                leaves.append([va, pa, step, 1])
            pa += step
    return leaves


def _observed_runs(ev: dict) -> list[list[int]] | None:
    runs = ev.get("runs")
    if not isinstance(runs, list) or len(runs) > 1 << 20:
        return None
    out = []
    for r in runs:
        if not (isinstance(r, list) and len(r) == 5 and all(isinstance(x, int) and not isinstance(x, bool)
                                                            and 0 <= x < 1 << 64 for x in r)):
            return None
        if r[2] not in (PAGE_SIZE, PMD_SIZE, PUD_SIZE) or r[3] <= 0:
            return None
        out.append(r)
    return out


def _flag_names(bits: int) -> str:
    names = [(P, "P"), (RW, "RW"), (US, "US"), (PWT, "PWT"), (PCD, "PCD"), (G, "G"), (NX, "NX")]
    return " ".join(n for b, n in names if bits & b) or "none"


def grade_lab2(ctx: Context) -> list[Verdict]:
    r = ctx.rng
    boots_cfg = [("small", r.choice(SMALL_MIB), None), ("big", r.choice(BIG_MIB), "qemu64,+pdpe1gb")]
    boots, results = [], {n: [] for n in TESTS_LAB2}
    for name, mib, cpu in boots_cfg:
        plan, checks = lab2_plan(r, mib)
        iso, note = hole_iso(ctx, 2, mib) if name == "small" else (None, "")
        o = observe(ctx, 2, name, mib, cpu, plan=plan, deadline=45, iso=iso, note=note)
        boots.append(o)
        f = Lab1Boot(o)
        if f.why:
            for n in results:
                results[n].append(f.why)
            continue
        dm = o.first("direct_map")
        runs = _observed_runs(dm) if dm else None
        if dm is None or runs is None:
            why = (f"{o.describe()}: the kernel never returned from paging_init() ({o.end})" if dm is None
                   else f"{o.describe()}: the page-table walk could not be read")
            for n in ("lab2.direct_map_covers_ram", "lab2.direct_map_nothing_else", "lab2.direct_map_page_sizes"):
                results[n].append(why)
        else:
            lab2_direct_map(o, f, dm, runs, results)
        lab2_functions(o, checks, results)
    return _verdicts(2, TESTS_LAB2, results, boots)


def lab2_direct_map(o: Observation, f: Lab1Boot, dm: dict, runs: list[list[int]],
                    results: dict[str, list[str]]) -> None:
    has_nx, gb = bool(dm.get("has_nx")), bool(dm.get("has_gbpages"))
    errors = dm.get("errors") if isinstance(dm.get("errors"), list) else ["?"]
    want = expected_direct_map(f.expected_memory, gb)
    prot = P | RW | G | (NX if has_nx else 0)
    # covers: every page of the wanted runs mapped to itself with prot
    mapped_ok, mapped_any, bad_flags = [], [], None
    for va, pa, size, count, flags in runs:
        span = [va, va + size * count]
        mapped_any.append(span)
        pat = PAT_LARGE if size > PAGE_SIZE else PAT_4K
        nominal = flags & (P | RW | US | PWT | PCD | G | NX | pat)
        if va - PAGE_OFFSET == pa and nominal == prot:
            mapped_ok.append(span)
        elif va - PAGE_OFFSET == pa and bad_flags is None:
            bad_flags = (va, nominal)
    want_va = normalize([[va, va + size * count] for va, _pa, size, count in want])
    missing = subtract(want_va, mapped_ok)
    if errors:
        results["lab2.direct_map_covers_ram"].append(f"{o.describe()}: the page tables are broken: {errors[0]}")
    elif missing:
        s, e = missing[0]
        why = f"{o.describe()}: RAM at {fmt_range(s - PAGE_OFFSET, e - PAGE_OFFSET)} is not mapped at " \
              f"PAGE_OFFSET + pa with P RW G{' NX' if has_nx else ''}"
        if bad_flags and s <= bad_flags[0] < e:
            why += f" (its entry has {_flag_names(bad_flags[1])})"
        elif covered(mapped_any, s, s + PAGE_SIZE):
            why += " (it maps another physical address)"
        results["lab2.direct_map_covers_ram"].append(why)
    extra = subtract(mapped_any, want_va)
    if errors or not intersect(mapped_any, want_va):  # an empty map "maps nothing else" for nothing
        results["lab2.direct_map_nothing_else"].append(
            f"{o.describe()}: the direct map maps no RAM at all"
            f"{' (its page tables are broken)' if errors else ''}, so that it maps nothing else shows nothing")
    if extra:
        s, e = extra[0]
        results["lab2.direct_map_nothing_else"].append(
            f"{o.describe()}: the direct map maps {fmt_range(s - PAGE_OFFSET, e - PAGE_OFFSET)}, which is "
            "not RAM (nor the first 1 MiB)")
    lower = dm.get("lower_half_pml4")
    if isinstance(lower, list) and lower:
        results["lab2.direct_map_nothing_else"].append(
            f"{o.describe()}: the lower half is mapped (PML4 entries {lower[:4]}): the identity map is not gone")
    got = normalize_runs([[va, pa, size, count] for va, pa, size, count, _f in runs])
    want_r = normalize_runs(want)
    if got != want_r:
        diff = next((i for i in range(min(len(got), len(want_r))) if got[i] != want_r[i]), min(len(got), len(want_r)))
        g = got[diff] if diff < len(got) else None
        w = want_r[diff] if diff < len(want_r) else None
        results["lab2.direct_map_page_sizes"].append(
            f"{o.describe()}: expected {_run_text(w)}, found {_run_text(g)} "
            f"(the largest page that max_page{' (1 GiB here)' if gb else ' (2 MiB here)'}, the alignment of "
            "va and pa and the size left allow)")


def normalize_runs(runs: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for va, pa, size, count in sorted(runs):
        if out and out[-1][2] == size and out[-1][0] + out[-1][2] * out[-1][3] == va \
                and out[-1][1] + out[-1][2] * out[-1][3] == pa:
            out[-1][3] += count
        else:
            out.append([va, pa, size, count])
    return out


def _run_text(r: list[int] | None) -> str:
    if r is None:
        return "nothing"
    va, pa, size, count = r
    unit = {PAGE_SIZE: "4K", PMD_SIZE: "2M", PUD_SIZE: "1G"}[size]
    return f"{count} x {unit} at {fmt_range(pa, pa + size * count)} -> {va:#x}"


def lab2_plan(r, mib: int) -> tuple[list, list]:
    """The ops of lab 2 and what each must return: (plan, [(test, op, want)])."""
    max_pfn_guess = min(mib << 20, 3 << 30) >> PAGE_SHIFT  # pfns below are in mem_map
    plan, checks = [], []
    pas = [0, PAGE_SIZE, 0x9f000, LOW_MEMORY_END, (mib << 20) // 2 & ~0xFFF] + \
        [r.randrange(0, 1 << 46) for _ in range(4)] + [r.randrange(0, min(mib, 3072) << 20)]
    for pa in pas:
        plan.append(["va", pa])
        checks.append(("lab2.va_pa_roundtrip", ["va", pa], ("abs", PAGE_OFFSET + pa)))
        plan.append(["pa", PAGE_OFFSET + pa])
        checks.append(("lab2.va_pa_roundtrip", ["pa", PAGE_OFFSET + pa], ("abs", pa)))
    # The first address of the kernel-image window is an image address too
    # (Linux's __phys_addr: x >= __START_KERNEL_map), and the physical
    # address of _text's page below it (or the 1 MiB mark) is one as well.
    for va in (START_KERNEL_MAP, START_KERNEL_MAP + LOW_MEMORY_END):
        plan.append(["pa", va])
        checks.append(("lab2.va_pa_roundtrip", ["pa", va], ("abs", va - START_KERNEL_MAP)))
    for sym in ("_text", "_end", "grade_mailbox", "mem_map", "max_pfn"):
        plan.append(["pa", "sym:" + sym])
        checks.append(("lab2.va_pa_roundtrip", ["pa", "sym:" + sym], ("image", sym)))
    pfns = [0, 1, 255, 256, max_pfn_guess // 2, max_pfn_guess - 1] + \
        [r.randrange(0, max_pfn_guess) for _ in range(8)]
    for pfn in pfns:
        plan.append(["pfn_to_page", pfn])
        checks.append(("lab2.pfn_to_page_roundtrip", ["pfn_to_page", pfn], ("page", pfn)))
        plan.append(["page_to_pfn", "mem_map_page:%d" % pfn])
        checks.append(("lab2.pfn_to_page_roundtrip", ["page_to_pfn", pfn], ("pfn", pfn)))
    return plan, checks


def lab2_functions(o: Observation, checks: list, results: dict[str, list[str]]) -> None:
    ops = o.all("op")
    mm = o.first("mm")
    tests = ("lab2.va_pa_roundtrip", "lab2.pfn_to_page_roundtrip")
    if mm is None or not isinstance(mm.get("mem_map"), int):
        for t in tests:
            results[t].append(f"{o.describe()}: the kernel never got to the grade agent ({o.end})")
        return
    if len(ops) < len(checks):
        for t in tests:
            results[t].append(f"{o.describe()}: only {len(ops)} of {len(checks)} calls answered ({o.end})")
        return
    mem_map = mm["mem_map"]
    for (test, op, (kind, val)), ev in zip(checks, ops):
        res = ev.get("result")
        if ev.get("status") != 0 or not isinstance(res, int):
            results[test].append(f"{o.describe()}: {op[0]}({op[1]}) was not answered")
            continue
        evop = ev.get("op")
        arg = evop[1] if isinstance(evop, list) and len(evop) == 2 else None
        if kind == "abs":
            want = val
        elif kind == "image":
            if not isinstance(arg, int) or arg < START_KERNEL_MAP:
                results[test].append(f"{o.describe()}: the symbol {val} could not be resolved")
                continue
            want = arg - START_KERNEL_MAP
        elif kind == "page":
            want = mem_map + STRUCT_PAGE_SIZE * val
        else:
            want = val
        if res != want:
            shown = f"{op[1]:#x}" if isinstance(op[1], int) else (f"&{val}" if kind == "image" else
                                                                  f"&mem_map[{val}]")
            results[test].append(f"{o.describe()}: {op[0]}({shown}) returned {res:#x}, expected {want:#x}")


TESTS_LAB2 = {
    "lab2.va_pa_roundtrip": (10, "__va(pa) is PAGE_OFFSET + pa and __pa() inverts it; __pa() of kernel "
                                 "image symbols is their physical address"),
    "lab2.direct_map_covers_ram": (15, "every page of RAM and the first 1 MiB is mapped at PAGE_OFFSET + pa, "
                                       "flags P RW G NX (NX when the CPU has it), not user"),
    "lab2.direct_map_nothing_else": (10, "the direct map maps RAM (not nothing at all) and nothing but RAM "
                                         "and the first 1 MiB; the lower half is empty"),
    "lab2.direct_map_page_sizes": (15, "each step uses the largest page allowed: 1 GiB (when the CPU has "
                                       "them) or 2 MiB where va, pa and the size left fit, else 4 KiB"),
    "lab2.pfn_to_page_roundtrip": (10, "pfn_to_page(pfn) is &mem_map[pfn] and page_to_pfn() inverts it"),
}


# --- labs 3-5: the buddy allocator and the page API ------------------------------------------


def lab5_stubbed(tree: Path) -> bool:
    """Is lab 5 still a stub in this tree (a handout of lab 4 or below)?
    Then order-0 pages bypass the per-CPU lists."""
    try:
        text = (tree / "src" / "mm" / "page_alloc.c").read_text(errors="replace")
    except OSError:
        return False
    return "LAB 5 TODO" in text


CYCLE_MAX = 8192  # grade_agent.h's GRADE_CYCLE_MAX


def plan_lab3(r) -> list:
    """Two cycles from the boot state (every free page of ZONE_DMA, and a few
    order-10 blocks' worth of ZONE_DMA32, taken page by page and given back
    shuffled: splits down to order 0 and merges up to MAX_PAGE_ORDER), then
    takes of random orders and gives that need merges from order 0; every
    block taken is given back, so the last state must be the boot's."""
    plan: list = [["cycle", 0, CYCLE_MAX, r.randrange(1, 1 << 32)],
                  ["cycle", 1, r.randint(1500, 4000), r.randrange(1, 1 << 32)]]
    takes = []
    for _ in range(r.randint(5, 8)):  # splits from boot state
        z, order = (1, r.randint(0, 4)) if r.random() < 0.8 else (0, r.randint(0, 3))
        plan.append(["take", z, order])
        takes.append((len(plan), order))
    big = r.randint(3, 5)  # one block split by hand into order-0 gives: merges from order 0
    plan.append(["take", 1, big])
    k = len(plan)
    r.shuffle(takes)
    for step, order in takes[: len(takes) // 2]:
        plan.append(["give", f"${step}", order])
    for i in r.sample(range(1 << big), 1 << big):
        plan.append(["give", f"${k}+{i}", 0])
    for step, order in takes[len(takes) // 2:]:
        plan.append(["give", f"${step}", order])
    first = len(plan) + 1  # DMA's order-10 blocks, until none is left
    for _ in range(5):
        plan.append(["take", 0, 10])
    for step in range(first, first + 5):
        plan.append(["give", f"${step}", 10])
    return plan


def plan_lab4(r, mib: int) -> list:
    plan: list = []
    held: list[tuple[int, int]] = []  # (step, order) of blocks the plan still holds
    gfps = ("GFP_KERNEL", "GFP_DMA", "GFP_DMA32", "GFP_ATOMIC")

    freed: list[tuple[int, int]] = []

    def free_some(n):
        for _ in range(min(n, len(held))):
            step, order = held.pop(r.randrange(len(held)))
            plan.append(["free_pages", f"${step}", order])
            freed.append((step, order))

    for _ in range(r.randint(10, 14)):
        if held and r.random() < 0.3:
            free_some(1)
        elif r.random() < 0.25:
            plan.append(["get_zeroed_page", r.choice(gfps)])
            held.append((len(plan), 0))
        else:
            order = r.choice((0, 0, 1, 2, 3))
            plan.append(["get_free_pages", r.choice(gfps), order])
            held.append((len(plan), order))
    # calls free_pages() must refuse, changing nothing
    if held:
        step, order = r.choice(held)
        plan.append(["free_pages_bad", "misaligned", f"${step}", order])
    plan.append(["free_pages_bad", "zero", 0, 0])
    plan.append(["free_pages_bad", "foreign", 0, 0])
    free_some(len(held))
    step, order = r.choice(freed)
    plan.append(["free_pages_bad", "double", f"${step}", order])
    for _ in range(3):  # reuse the dirty pages just freed
        plan.append(["get_zeroed_page", r.choice(gfps)])
        held.append((len(plan), 0))
    if mib > 3072:
        # ZONE_NORMAL exists: GFP_KERNEL takes from it, GFP_DMA32 and GFP_DMA
        # stay below it (exhausting it would take too many steps to read)
        for _ in range(r.randint(8, 12)):
            plan.append(["get_free_pages", r.choice(gfps), r.randint(0, 5)])
            held.append((len(plan), plan[-1][2]))
        free_some(len(held))
        return plan
    # pressure: order-10 blocks until DMA32 falls below its watermark and
    # GFP_KERNEL falls back to DMA, then fails
    for _ in range(math.ceil(mib / 4) + 4):
        plan.append(["get_free_pages", "GFP_KERNEL", 10])
        held.append((len(plan), 10))
    plan.append(["get_free_pages", "GFP_DMA", 2])
    held.append((len(plan), 2))
    # what is left of DMA32 in smaller blocks, down to its watermarks (the
    # rest must come from DMA, or fail); GFP_ATOMIC may dig below min
    for order in range(9, 1, -1):
        for _ in range(2):
            plan.append(["get_free_pages", r.choice(("GFP_KERNEL", "GFP_DMA32")), order])
            held.append((len(plan), order))
    for _ in range(r.randint(4, 6)):
        plan.append(["get_free_pages", r.choice(("GFP_KERNEL", "GFP_DMA32", "GFP_ATOMIC")), r.randint(0, 3)])
        held.append((len(plan), plan[-1][2]))
    free_some(len(held))
    return plan


def plan_lab5(r) -> list:
    plan: list = []
    held: list[int] = []
    for _ in range(r.randint(38, 44)):  # DMA: batch 1, high 30-36 on PCP_MIB machines
        plan.append(["alloc_page", "GFP_DMA"])
        held.append(len(plan))
    for _ in range(r.randint(12, 20)):  # DMA32 or the highest zone: refills of batch pages
        plan.append(["alloc_page", r.choice(("GFP_KERNEL", "GFP_DMA32"))])
        held.append(len(plan))
    r.shuffle(held)
    half = len(held) // 2
    for step in held[:half]:
        plan.append(["free_page", f"${step}"])
    for _ in range(r.randint(3, 6)):  # the hottest page comes back first
        plan.append(["alloc_page", r.choice(("GFP_KERNEL", "GFP_DMA"))])
        held.append(len(plan))
    for step in held[half:]:
        plan.append(["free_page", f"${step}"])
    plan.append(["drain"])
    plan.append(["alloc_page", "GFP_KERNEL"])
    plan.append(["free_page", f"${len(plan)}"])
    plan.append(["drain"])
    return plan


TESTS_LAB3 = {
    "lab3.boot_free_lists_merged": (10, "after boot, and again after free pages were taken one by one "
                                        "(buddy_core_take(zone, 0): ZONE_DMA's all, a few MiB of ZONE_DMA32) "
                                        "and given back at order 0 in random order, every free page is on "
                                        "the free lists in the largest aligned blocks: the boot's exactly"),
    "lab3.take_splits_smallest_block": (15, "buddy_core_take(): the first block of the smallest order that "
                                            "fits, split down with the upper halves put on the free lists; "
                                            "once all is given back the free lists are the boot's exactly"),
    "lab3.give_merges_with_buddies": (15, "buddy_core_give(): the block merges with its free buddies of equal "
                                          "order, up to MAX_PAGE_ORDER, the result first on its list; once "
                                          "all is given back the free lists are the boot's exactly"),
    "lab3.lists_match_mem_map": (10, "in every state: nr_free and free_pages match the lists; the lists "
                                     "match PG_buddy and the order in mem_map; no block twice; every page "
                                     "of RAM is on a free list or in a block handed out (none lost)"),
}
TESTS_LAB4 = {
    "lab4.get_free_pages_zone_fallback": (25, "__get_free_pages(): the block the zonelist walk gives (highest "
                                              "allowed zone first, watermarks, lowmem_reserve), its direct-map "
                                              "address, or 0"),
    "lab4.get_zeroed_page_zeroes": (10, "get_zeroed_page(): a page, as __get_free_pages(gfp, 0), reading as "
                                        "zeros (pages freed dirty are reused)"),
    "lab4.free_pages_merges": (15, "free_pages(): the block goes back and merges exactly as the reference; "
                                   "0, a misaligned or foreign address and a double free change nothing"),
}
TESTS_LAB5 = {
    "lab5.alloc_page_pcp": (15, "alloc_page(): the first page of the CPU's list, refilled with batch pages "
                                "from the buddy when empty"),
    "lab5.free_page_pcp": (15, "free_page(): the page goes first on the CPU's list; at high, batch pages "
                               "from the cold end go back to the buddy and merge"),
    "lab5.drain_and_mem_map": (10, "drain_all_pages() empties the lists into the buddy; in every state "
                                   "PG_pcp and PG_buddy in mem_map match the per-CPU and free lists"),
}
OPS_OF = {
    "lab3.take_splits_smallest_block": ("take",), "lab3.give_merges_with_buddies": ("give",),
    "lab4.get_free_pages_zone_fallback": ("get_free_pages",), "lab4.get_zeroed_page_zeroes": ("get_zeroed_page",),
    "lab4.free_pages_merges": ("free_pages", "free_pages_bad"),
    "lab5.alloc_page_pcp": ("alloc_page",), "lab5.free_page_pcp": ("free_page",), "lab5.drain_and_mem_map": ("drain",),
}


def grade_buddy(lab: int, ctx: Context) -> list[Verdict]:
    tests = {3: TESTS_LAB3, 4: TESTS_LAB4, 5: TESTS_LAB5}[lab]
    results: dict[str, list[str]] = {n: [] for n in tests}
    r = ctx.rng
    mib = r.choice(PCP_MIB if lab == 5 else BUDDY_MIB)
    if lab == 4 and r.random() < NORMAL_ZONE_ODDS:
        mib = NORMAL_MIB
    plan = plan_lab3(r) if lab == 3 else plan_lab4(r, mib) if lab == 4 else plan_lab5(r)
    o = observe(ctx, lab, "buddy", mib, plan=plan, deadline=90, scan_every_state=True)
    states, skipped, ended = o.states, len(o.all("skipped")), o.first("end")
    short = None
    if not o.reached("grade_agent_stop") or not states:
        short = f"the kernel never got to the grade agent after boot ({o.end})"
    elif o.error:
        short = o.error
    elif len(states) + skipped != len(plan) + 1 or ended is None or ended.get("reason") != "quit":
        last = states[-1].get("op")
        short = (f"the run stopped after {len(states) - 1} of {len(plan)} operations"
                 f"{' (the last: ' + _op_text(states[-1]) + ')' if last else ''}: {o.end}")
    if short:
        for n in results:
            results[n].append(f"{o.describe()}: {short}")
    pcp = not (lab == 4 and lab5_stubbed(ctx.tree))
    last_step = states[-1].get("step") if states else None
    for step, kind, err in per_step_errors(states, lab, pcp):
        msg = f"{o.describe()}: {err}"
        for name in tests:
            ops = OPS_OF.get(name, ())
            if kind in ("boot", "cycle"):
                hit = name == "lab3.boot_free_lists_merged" or lab != 3
            elif kind == "round_trip":
                hit = name in ("lab3.take_splits_smallest_block", "lab3.give_merges_with_buddies")
            elif kind == "lost":
                hit = name == "lab3.lists_match_mem_map"
            elif kind == "mem_map":
                hit = name in ("lab3.lists_match_mem_map", "lab5.drain_and_mem_map") or \
                    _op_at(states, step) in OPS_OF.get(name, ())
            elif kind == "state":
                hit = name == "lab3.lists_match_mem_map" or _op_at(states, step) in ops or \
                    (name == "lab5.drain_and_mem_map" and step == last_step)
            else:
                hit = kind in ops
            if hit:
                results[name].append(msg)
    if lab == 3 and not short and len(states) > 1:
        err = round_trip(states[0], states[-1])
        if err:
            for name in ("lab3.take_splits_smallest_block", "lab3.give_merges_with_buddies"):
                results[name].append(f"{o.describe()}: {err}")
    for name in tests:  # a test whose op never ran, or never changed anything, checked nothing
        ops = OPS_OF.get(name)
        if not ops or short:
            continue
        if not any(_op_at(states, s.get("step")) == ops[0] for s in states[1:]):
            results[name].append(f"{o.describe()}: the run made no {ops[0]} call to check")
        elif not any(_op_at(states, cur.get("step")) == ops[0] and _changed(prev, cur)
                     for prev, cur in zip(states, states[1:])):
            results[name].append(f"{o.describe()}: no {ops[0]} call changed the free or per-CPU lists "
                                 "(nothing was allocated, freed or drained: an empty allocator passes "
                                 "no test)")
    return _verdicts(lab, tests, results, [o])


def _changed(prev: dict, cur: dict) -> bool:
    """Whether the free blocks or the per-CPU lists of @cur differ from
    @prev's (two states of the observer, already read)."""
    if observe_model.validate_state(prev) or observe_model.validate_state(cur):
        return False
    if observe_model.free_blocks(prev) != observe_model.free_blocks(cur):
        return True
    lists = lambda st: [[p.get("list") for p in z.get("pcp", [])] for z in st["zones"]]  # noqa: E731
    return lists(prev) != lists(cur)


def round_trip(first: dict, last: dict) -> str | None:
    """Everything the plan took was given back: the free blocks of @last
    must be exactly those of the boot state @first."""
    if observe_model.validate_state(last) or len(last["zones"]) != len(first["zones"]):
        return "the last state could not be read"
    for z, a, b in zip(first["zones"], observe_model.free_blocks(first), observe_model.free_blocks(last)):
        if a != b:
            return (f"every block taken was given back, yet zone {str(z['name'])[:16]}'s free lists are not "
                    f"the boot's: " + _blocks_differ(a, b, "is not free", "is"))
    return None


def _blocks_differ(was: set, now: set, gone: str, new: str) -> str:
    """How the free blocks (pfn, order) @now differ from @was: the first
    block of each side, said with @gone ("is not free") and @new ("is"),
    and how many more."""
    missing, extra = sorted(was - now), sorted(now - was)
    parts = []
    for blocks, word in ((missing, gone), (extra, new)):
        if blocks:
            parts.append(f"the order-{blocks[0][1]} block at pfn {blocks[0][0]:#x} {word}"
                         + (f" (and {len(blocks) - 1} more)" if len(blocks) > 1 else ""))
    return "; ".join(parts)


def _op_at(states: list[dict], step) -> str | None:
    for s in states:
        if s.get("step") == step:
            op = s.get("op")
            return op[0] if isinstance(op, list) and op and isinstance(op[0], str) else None
    return None


def per_step_errors(states: list[dict], lab: int, pcp: bool) -> list[tuple[int, str, str]]:
    """(step, kind, error) of every check that fails; kind is "boot" (the
    first state), "state" (a state's schema, invariants or what the
    observer could not read) or the op whose transition is wrong (judged
    from the observed state before it)."""
    m = observe_model
    out: list[tuple[int, str, str]] = []
    if not states:
        return out
    err = m.validate_state(states[0], first=True)
    if err:
        return [(0, "boot", f"at boot: {err}")]
    ram = m.Ram(states[0]["ram"])
    err = m.check_boot_state(states[0], ram=ram)
    if err:
        out.append((0, "boot", f"at boot: {err}"))
    held, lost = Held(), False
    prev = states[0]
    for cur in states[1:]:
        err = m.validate_state(cur)
        step = cur.get("step") if isinstance(cur.get("step"), int) else -1
        if err:
            out.append((step, "state", err))
            break
        if len(cur["zones"]) != len(prev["zones"]):
            out.append((step, "state", f"step {step}: the number of zones changed"))
            break
        seen = cur.get("errors") if isinstance(cur.get("errors"), list) else []
        seen = [e for e in seen if isinstance(e, str)]
        if isinstance(cur.get("error"), str):
            seen.insert(0, cur["error"])
        lists_only = {k: v for k, v in cur.items() if k not in ("buddy_pages", "pcp_pages")}
        err = seen[0][:300] if seen else m.check_state(lists_only, ram=ram)
        if err:
            out.append((step, "state", f"step {step} ({_op_text(cur)}): {err}"))
            if cur.get("op") and cur["op"][0] == "cycle":  # the cycle left broken lists
                out.append((step, "cycle", f"step {step} ({_op_text(cur)}): {err}"))
        else:
            err = m.check_state(cur, ram=ram) if len(lists_only) < len(cur) else None
            if not err and "mem_map_scan" in cur:
                err = check_mem_map_scan(cur)
            if err:  # the lists are sound, mem_map's flags disagree with them
                out.append((step, "mem_map", f"step {step} ({_op_text(cur)}): {err}"))
            op = cur.get("op")
            if op and op[0] == "cycle":
                err = check_cycle(prev, cur)
                kind = "cycle"
            else:
                err = m.check_transition(prev, cur, lab=lab, ram=ram, pcp=pcp)
                kind = op[0] if op else "state"
            if err:
                out.append((step, kind, f"step {step}: {err}"))
        if lab == 3 and not lost:
            err = held.update(cur) or held.conserved(cur, ram)
            if err:
                lost = True
                out.append((step, "lost", f"step {step} ({_op_text(cur)}): {err}"))
        prev = cur
    return out


def check_mem_map_scan(cur: dict) -> str | None:
    """The part of mem_map the observer read after a step (the chunks where
    the step could change a flag; "mem_map_scan": {"ranges": [[start, end)
    pfns], "buddy_pages": [[pfn, order]], "pcp_pages": [pfn]}) against the
    lists: PG_buddy with its order exactly on the free-list heads, PG_pcp
    exactly on the pages of the per-CPU lists."""
    scan = cur.get("mem_map_scan")
    ok_int = lambda x: isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 1 << 40  # noqa: E731
    if not isinstance(scan, dict):
        return "the observer's mem_map scan is malformed"
    ranges, buddy, pcp = scan.get("ranges"), scan.get("buddy_pages"), scan.get("pcp_pages")
    if not (isinstance(ranges, list) and len(ranges) <= 4096 and all(
            isinstance(r, list) and len(r) == 2 and ok_int(r[0]) and ok_int(r[1]) for r in ranges)
            and isinstance(buddy, list) and len(buddy) <= 1 << 22 and all(
            isinstance(b, list) and len(b) == 2 and ok_int(b[0]) and isinstance(b[1], int) for b in buddy)
            and isinstance(pcp, list) and len(pcp) <= 1 << 22 and all(ok_int(x) for x in pcp)):
        return "the observer's mem_map scan is malformed"

    def read(pfn: int) -> bool:
        return any(a <= pfn < b for a, b in ranges)
    heads: dict[int, int] = {}
    listed: set[int] = set()
    for z in cur["zones"]:
        for o, lst in enumerate(z["free_lists"]):
            heads.update((x, o) for x in lst)
        for pc in z.get("pcp") or []:
            listed.update(pc["list"])
    for pfn, o in buddy:
        if pfn not in heads:
            return f"mem_map: pfn {pfn:#x} is PG_buddy but on no free list"
        if heads[pfn] != o:
            return f"mem_map: pfn {pfn:#x} is PG_buddy with order {o} but it is on free_area[{heads[pfn]}]"
    have = {b[0] for b in buddy}
    for pfn in sorted(heads):
        if pfn not in have and read(pfn):
            return (f"the order-{heads[pfn]} block at pfn {pfn:#x} is on the free lists but mem_map has no "
                    "PG_buddy on it")
    flagged = set(pcp)
    for pfn in sorted(flagged - listed):
        return f"mem_map: pfn {pfn:#x} is PG_pcp but on no per-CPU list"
    for pfn in sorted(listed - flagged):
        if read(pfn):
            return f"pfn {pfn:#x} is on a per-CPU list but mem_map has no PG_pcp on it"
    return None


def check_cycle(prev: dict, cur: dict) -> str | None:
    """["cycle", zone, count, seed]: up to count order-0 pages taken from
    the zone, given back in shuffled order: as many taken as the zone had
    free pages (up to count), and the free blocks exactly as before."""
    op = cur["op"]
    if len(op) != 4 or not all(isinstance(x, int) for x in op[1:]) or not 0 <= op[1] < len(prev["zones"]):
        return f"{_op_text(cur)}: malformed"
    z = prev["zones"][op[1]]
    free = sum(len(lst) << o for o, lst in enumerate(z["free_lists"]))
    want, got = min(op[2], free), cur.get("result")
    what = (f"{z['name'][:16]}: {want} order-0 pages taken with buddy_core_take() and given back with "
            f"buddy_core_give() in random order")
    if got != want:
        return f"{what}: {got} could be taken, but {free} pages were free"
    for zi, (a, b) in enumerate(zip(observe_model.free_blocks(prev), observe_model.free_blocks(cur))):
        if a != b:
            zname = prev["zones"][zi]["name"][:16]
            return (f"{what}: zone {zname}'s free blocks differ from before: "
                    + _blocks_differ(a, b, "is no longer free", "is free instead"))
    return None


class Held:
    """The blocks the plan holds (taken, not yet given back), lab 3."""

    def __init__(self):
        self.blocks: dict[int, int] = {}  # pfn -> order

    def update(self, cur: dict) -> str | None:
        op, r = cur.get("op") or [None], cur.get("result")
        if op[0] == "take" and isinstance(r, int) and r >= 0 and len(op) == 3 and isinstance(op[2], int):
            self.blocks[r] = op[2]
        elif op[0] == "give" and len(op) == 3 and isinstance(op[1], int) and isinstance(op[2], int):
            pfn, order = op[1], op[2]
            for b, ob in list(self.blocks.items()):  # the held block it is part of
                if b <= pfn < b + (1 << ob) and order <= ob:
                    del self.blocks[b]
                    while ob > order:  # keep the halves that are not given
                        ob -= 1
                        half = b + (1 << ob)
                        if pfn >= half:
                            self.blocks[b] = ob
                            b = half
                        else:
                            self.blocks[half] = ob
                    break
        return None

    def conserved(self, cur: dict, ram) -> str | None:
        """Every page of RAM free on a list or in a block held, once."""
        spans = []
        for z in cur["zones"]:
            for o, lst in enumerate(z["free_lists"]):
                spans += [(p, p + (1 << o), "free") for p in lst]
            for pc in z.get("pcp") or []:
                spans += [(p, p + 1, "free") for p in pc["list"]]
        spans += [(p, p + (1 << o), "handed out") for p, o in self.blocks.items()]
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1]:
                return (f"pfn {b[0]:#x} is both {a[2]} and {b[2]}" if a[2] != b[2] else
                        f"pfn {b[0]:#x} is free twice")
        have = normalize([[s, e] for s, e, _ in spans])
        lost = subtract([list(r) for r in ram.ranges], have)
        if lost:
            s, e = lost[0]
            n = sum(b - a for a, b in lost)
            return (f"{n} page(s) of RAM are neither on a free list nor in a block handed out (lost), "
                    f"the first pfns {s:#x}-{e - 1:#x}: a split that put no upper half on a list?")
        extra = subtract(have, [list(r) for r in ram.ranges])
        if extra:
            return f"pfns {extra[0][0]:#x}-{extra[0][1] - 1:#x} are free or handed out but are not free RAM"
        return None


def _op_text(s: dict) -> str:
    op = s.get("op")
    return " ".join(str(x) for x in op)[:80] if isinstance(op, list) else "boot"


# --- entry -------------------------------------------------------------------------------------


def grade(lab: int, ctx: Context) -> list[Verdict]:
    """The kernel-side verdicts of @lab (their max_scores add to SHARES[lab])."""
    if lab == 1:
        return grade_lab1(ctx)
    if lab == 2:
        return grade_lab2(ctx)
    if lab in (3, 4, 5):
        return grade_buddy(lab, ctx)
    raise ValueError(f"no kernel checks for lab {lab}")


