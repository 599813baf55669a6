"""observe_host.py - the host-side checker of the instructor's grader
(tools/grade --submission; issue 18; shapes in tools/observed.py).

For each lab it draws machines and workloads from ctx.rng, writes them as a
plan to a host harness child (test/host/grade_harness*.c, built by
BUILD_TARGETS in the sandbox from the spliced tree), runs the child through
ctx.run, and checks the state the child dumped (under ctx.scratch/"out")
against the reference model of tools/observe_model.py. The child only reads
and reports state; nothing the code under test prints is ever read. A
missing, truncated or garbled dump fails the test, with the reason.

Tests per lab (each all or nothing; the names are stable):
  lab 1 (50): parse_mmap of GRUB-like maps 15, of odd entry sizes and bad
      tags 15, limits, truncation and the basic_meminfo fallback 10, of
      random information 10;
  lab 2 (40): __va and __pa 10, pfn_to_page and page_to_pfn 15, the boot
      handing the free RAM over through pfn_to_page 15;
  lab 3 (50): the boot's free lists 10, takes split the smallest block 15,
      gives merge with their buddies 15, random takes and gives 10. Every
      lab-3 machine but one has its free memory handed over again by the
      harness through buddy_core_give() (the plan's handover line: single
      pages and small blocks in a random order), so even the boot state
      needs merges; every run of takes and gives gives everything back and
      must end in exactly the boot's free state (check_round_trip());
  lab 4 (50): __get_free_pages at every order 12, get_zeroed_page 8,
      free_pages (and refusing bad addresses) 12, the zone fallback and
      watermarks 18 (three machines, one with ZONE_NORMAL; the plan walks
      each zone down to the mark where the model moves on, then across);
  lab 5 (60): refills and LIFO allocation 15, frees and the batch at high
      15, drains 15, random order-0 traffic 15.

Usage for one's own tree (a plain runner, no sandbox):
  make grade-harness && /usr/bin/python3 tools/observe_host.py LAB [SEED]"""

from __future__ import annotations

import copy
import random
import struct
import sys
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import observe_model as model  # noqa: E402
from observed import Context, Verdict  # noqa: E402

HARNESS = "build/host/grade_harness"
HARNESS_MB2 = "build/host/grade_harness_mb2"
HARNESS_VA = "build/host/grade_harness_va"
BUILD_TARGETS = [HARNESS, HARNESS_MB2, HARNESS_VA]
SHARES = {1: 50, 2: 40, 3: 50, 4: 50, 5: 60}

TIMEOUT = 20.0          # seconds per child run, before ctx.time_scale
MAX_DUMP = 64 << 20     # bytes of a dump read at most
MAX_LINES = 20000
MiB = 1 << 20
PAGE = 4096


class Failed(Exception):
    """A test's first failure, as the sentence to report."""


# --- running a child ------------------------------------------------------------


class _Runs:
    """Numbered child runs of one lab: plan in, dump file out."""

    def __init__(self, ctx: Context, lab: int):
        self.ctx, self.lab, self.n = ctx, lab, 0
        self.out = Path(ctx.scratch) / "out"
        self.out.mkdir(parents=True, exist_ok=True)

    def run(self, exe: str, plan: str, what: str) -> list[dict]:
        """Run @exe on @plan; the dump's objects, ending at {"done": true}.
        Raises Failed when the child timed out, panicked or stopped early."""
        self.n += 1
        tag = f"lab{self.lab}-{self.n:02d}"
        dump = self.out / f"{tag}.jsonl"
        if dump.exists():
            dump.unlink()
        log = Path(self.ctx.logs) / f"observe-host-{tag}.log"
        plan_file = Path(self.ctx.logs) / f"observe-host-{tag}.plan"
        try:
            plan_file.write_text(plan)
        except OSError:
            pass
        try:
            status = self.ctx.run([str(Path(self.ctx.tree) / exe), str(dump)],
                                  cwd=Path(self.ctx.tree),
                                  timeout=TIMEOUT * self.ctx.time_scale, log=log,
                                  stdin=plan.encode())
        except OSError as e:
            raise Failed(f"{what}: {exe} could not be run ({e.strerror or e}): "
                         f"did the tree build?") from None
        objs, err = model.parse_dump(dump, max_bytes=MAX_DUMP, max_lines=MAX_LINES)
        for o in objs:
            if "panic" in o:
                msg = str(o["panic"])[:200]
                raise Failed(f"{what}: the code under test panicked: {msg}")
        if status is None:
            raise Failed(f"{what}: the run was stopped after {TIMEOUT * self.ctx.time_scale:.0f} s "
                         f"or by a resource limit (an endless loop?)")
        if err:
            raise Failed(f"{what}: {err}")
        if not objs or objs[-1] != {"done": True} or status != 0:
            n = sum(1 for o in objs if "step" in o or "case" in o or "op" in o)
            raise Failed(f"{what}: the run stopped early (exit status {status}) after "
                         f"{n} results: a crash in the code under test?")
        return objs[:-1]


# --- machines ------------------------------------------------------------------------


def _pages(rng: random.Random, lo: int, hi: int) -> int:
    return rng.randrange(lo, hi + 1) * PAGE


def random_machine(rng: random.Random, *, small_dma: bool | None = None,
                   top_mib: tuple[int, int] = (20, 48), normal: bool = False) -> list[str]:
    """A PC-like machine as plan lines: the low 640 KiB (maybe), the first
    MiB reserved, RAM from 1 MiB to a random top with holes and reserved
    ranges; ZONE_DMA either nearly full or a few hundred pages (@small_dma);
    with @normal, 48 to 80 MiB more at 4 GiB (ZONE_NORMAL, where mem_map's
    33 MiB for the million pfns go)."""
    if small_dma is None:
        small_dma = rng.random() < 0.5
    lines = ["low_reserve 0x100000"]
    if rng.random() < 0.5:
        lines.append("ram 0x0 0x9f000")
    top = rng.randrange(top_mib[0], top_mib[1] + 1) * MiB + _pages(rng, 0, 255)
    if small_dma:
        lo_end = MiB + _pages(rng, 64, 400)
        lines.append(f"ram {MiB:#x} {lo_end - MiB:#x}")
        base = 16 * MiB + rng.choice([0, _pages(rng, 1, 300)])
    else:
        base = MiB
    top = max(top, base + 4 * MiB)
    # RAM [base, top) cut by 0-3 holes and 0-2 reserved ranges
    cuts = sorted(rng.randrange(base // PAGE + 8, top // PAGE - 8) * PAGE
                  for _ in range(2 * rng.randrange(0, 4)))
    pos = base
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a > pos:
            lines.append(f"ram {pos:#x} {a - pos:#x}")
        pos = max(pos, b + rng.randrange(1, 64) * PAGE)
    if top > pos:
        # a top not page-aligned now and then: the last partial page is no RAM
        lines.append(f"ram {pos:#x} {top - pos + rng.choice([0, 0, 0x800]):#x}")
    for _ in range(rng.randrange(0, 3)):
        r = rng.randrange(base // PAGE, top // PAGE - 4) * PAGE + rng.choice([0, 0x123])
        lines.append(f"reserved {r:#x} {_pages(rng, 1, 40):#x}")
    if normal:
        lines.append(f"ram {4 << 30:#x} {rng.randrange(48, 81) * MiB + _pages(rng, 0, 255):#x}")
    return lines


def _zones_of(state: dict) -> list[int]:
    """The indexes of the zones with pages for the buddy."""
    return [i for i, z in enumerate(state["zones"]) if z.get("managed", z["present"])]


def _states(objs: list[dict], what: str) -> list[dict]:
    """The state lines of a dump, the first one validated."""
    states = [o for o in objs if "step" in o]
    if not states:
        raise Failed(f"{what}: the dump holds no state")
    err = model.validate_state(states[0], first=True)
    if err:
        raise Failed(f"{what}: {err}")
    return states


def _check(objs: list[dict], lab: int, what: str, n_ops: int, *, pcp: bool = True) -> str:
    """The states of a run of @n_ops operations, checked by the model; every
    operation has its state line, or a "skipped" line when the block it
    names was never given (the model checks that its step got nothing)."""
    states = _states(objs, what)
    err = model.check_sequence(states, lab=lab, pcp=pcp)
    if err:
        raise Failed(f"{what}: {err}")
    got = {st["step"]: st for st in states}
    skipped = [o for o in objs if "skipped" in o]
    for o in skipped:
        ref = got.get(o.get("of")) if model._is_int(o.get("of")) else None
        if ref is None or ref.get("result") != -1:
            raise Failed(f"{what}: step {o.get('skipped')!r} was skipped, but the block "
                         f"it names was given")
    if len(states) - 1 + len(skipped) != n_ops:
        raise Failed(f"{what}: the dump has {len(states) - 1} of the {n_ops} operations")
    return f"{what}: {len(states) - 1} operations, every state as the model says"


def _boot_zones(runs: _Runs, machine: list[str], extra: list[str] = ()) -> dict:
    """Boot @machine alone: its first state (to learn its zones)."""
    objs = runs.run(HARNESS, "\n".join([*machine, *extra, "boot"]) + "\n", "boot")
    return _states(objs, "boot")[0]


# --- lab 1 ---------------------------------------------------------------------------


def _tag(typ: int, payload: bytes, size: int | None = None) -> bytes:
    """A multiboot2 tag, padded to 8 bytes; @size overrides the size field."""
    body = struct.pack("<II", typ, 8 + len(payload) if size is None else size) + payload
    return body + b"\0" * (-len(body) % 8)


def _entries(rng: random.Random, n: int, esize: int = 24) -> bytes:
    out = b""
    for _ in range(n):
        addr = rng.choice([rng.randrange(0, 1 << 32), rng.randrange(0, 1 << 48),
                           rng.randrange(0, 1 << 64)])
        ln = rng.choice([0, rng.randrange(1, 1 << 20), rng.randrange(0, 1 << 34)])
        typ = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, rng.randrange(6, 1 << 32)])
        e = struct.pack("<QQII", addr, ln, typ, rng.randrange(0, 1 << 32))
        out += e + bytes(rng.randrange(256) for _ in range(esize - 24))
    return out


def _mmap_tag(rng: random.Random, n: int, esize: int = 24, extra: bytes = b"",
              size: int | None = None) -> bytes:
    payload = struct.pack("<II", esize, 0) + _entries(rng, n, max(esize, 24))[:n * esize] + extra
    return _tag(6, payload, size)


def _other_tags(rng: random.Random) -> bytes:
    tags = [_tag(1, b"selftest poweroff\0"), _tag(2, b"GRUB 2.06\0")]
    if rng.random() < 0.5:
        tags.append(_tag(8, bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))))
    if rng.random() < 0.5:
        tags.append(_tag(21, struct.pack("<I", 0x100000)))
    rng.shuffle(tags)
    return b"".join(tags)


def _basic(lower: int, upper: int, size: int = 16) -> bytes:
    return _tag(4, struct.pack("<II", lower, upper), size)


def _info(tags: bytes, *, end: bool = True, total: int | None = None) -> bytes:
    body = tags + (_tag(0, b"") if end else b"")
    return struct.pack("<II", 8 + len(body) if total is None else total, 0) + body


def _mb2_cases_grub(rng: random.Random) -> list[tuple[bytes, int]]:
    cases = []
    for i in range(6):
        tags = [_other_tags(rng), _mmap_tag(rng, rng.randrange(3, 21))]
        if i % 2:  # two map tags append
            tags.append(_mmap_tag(rng, rng.randrange(1, 8)))
        if rng.random() < 0.5:
            tags.append(_basic(639, rng.randrange(1 << 10, 1 << 22)))
        rng.shuffle(tags)
        data = _info(b"".join(tags))
        cases.append((data, len(data)))
    return cases


def _mb2_cases_odd(rng: random.Random) -> list[tuple[bytes, int]]:
    cases = []
    for esize in (32, 40, rng.choice([48, 56, 64, 128])):  # stepped over
        n = rng.randrange(2, 10)
        cases.append(_mmap_tag(rng, n, esize))
    for esize in (20, rng.choice([25, 28, 36]), 0, 0xfffffff8, 16):  # refused
        cases.append(_mmap_tag(rng, 3, 24)[:8] + struct.pack("<II", esize, 0) +
                     _mmap_tag(rng, 3, 24)[16:])
    n = rng.randrange(2, 8)  # a partial last entry
    cases.append(_mmap_tag(rng, n, 24, extra=bytes(rng.choice([8, 16]))))
    for short in (8, 12, 15):  # a tag shorter than its header
        cases.append(_tag(6, struct.pack("<II", 24, 0)[: short - 8], short))
    out = []
    for t in cases:
        tags = [_other_tags(rng), t, _mmap_tag(rng, rng.randrange(1, 4))]
        if rng.random() < 0.5:
            tags.pop()
        data = _info(b"".join(tags))
        out.append((data, len(data)))
    return out


def _mb2_cases_limits(rng: random.Random) -> list[tuple[bytes, int]]:
    out = []
    n = rng.randrange(129, 200)  # more than BOOT_MMAP_MAX in one tag
    data = _info(_mmap_tag(rng, n))
    out.append((data, len(data)))
    a = rng.randrange(60, 120)  # and over two
    data = _info(_mmap_tag(rng, a) + _other_tags(rng) + _mmap_tag(rng, 140 - a + rng.randrange(1, 30)))
    out.append((data, len(data)))
    # fewer bytes readable than total_size: cut inside the map tag
    data = _info(_basic(639, 130000) + _mmap_tag(rng, 12))
    out.append((data, rng.randrange(40, len(data) - 30) & ~7))
    # total_size past the end of what may be read, map whole before the cut
    tags = _mmap_tag(rng, 5) + _other_tags(rng)
    data = _info(tags, total=len(tags) + 8 + 64)
    out.append((data, len(data)))
    # fallback: no map tag; an empty map tag; a refused map; two basic tags
    for tags in (_other_tags(rng) + _basic(rng.randrange(1, 640), rng.randrange(1, 1 << 22)),
                 _basic(639, rng.randrange(1, 1 << 22)) + _mmap_tag(rng, 0),
                 _mmap_tag(rng, 4)[:8] + struct.pack("<II", 20, 0) + _mmap_tag(rng, 4)[16:]
                 + _basic(600, rng.randrange(1, 1 << 22)),
                 _basic(1, 2) + _other_tags(rng) + _basic(639, rng.randrange(1, 1 << 22)),
                 _basic(639, 1000) + _basic(1, 1, size=12),
                 _mmap_tag(rng, 3) + _basic(639, 5000)):
        data = _info(tags)
        out.append((data, len(data)))
    # a header that is refused
    out.append((struct.pack("<II", 12, 0) + b"\0" * 8, 16))
    out.append((struct.pack("<II", 64, 0), 7))
    return out


def _mb2_cases_random(rng: random.Random) -> list[tuple[bytes, int]]:
    out = []
    for _ in range(24):
        parts = []
        for _ in range(rng.randrange(1, 7)):
            k = rng.random()
            if k < 0.4:
                esize = rng.choice([24, 24, 32, 40, 20, 28, 0])
                t = _mmap_tag(rng, rng.randrange(0, 12), max(esize, 24))
                if esize < 24:
                    t = t[:8] + struct.pack("<I", esize) + t[12:]
                if rng.random() < 0.3:  # a size that lies
                    t = t[:4] + struct.pack("<I", rng.randrange(0, len(t) + 40)) + t[8:]
                parts.append(t)
            elif k < 0.55:
                parts.append(_basic(rng.randrange(0, 640), rng.randrange(0, 1 << 32),
                                    rng.choice([16, 16, 12, 24])))
            elif k < 0.9:
                parts.append(_tag(rng.randrange(1, 30),
                                  bytes(rng.randrange(256) for _ in range(rng.randrange(0, 48)))))
            else:
                parts.append(bytes(rng.randrange(256) for _ in range(rng.randrange(8, 40))))
        data = _info(b"".join(parts), end=rng.random() < 0.8)
        avail = len(data) if rng.random() < 0.7 else rng.randrange(0, len(data) + 1)
        if rng.random() < 0.2:
            data = struct.pack("<I", rng.randrange(0, len(data) + 64)) + data[4:]
        out.append((data, avail))
    return out


def _lab1_test(cases: list[tuple[bytes, int]]) -> Callable[[_Runs, random.Random], str]:
    def test(runs: _Runs, rng: random.Random) -> str:
        plan = "".join(f"{avail} {data.hex()}\n" for data, avail in cases)
        objs = runs.run(HARNESS_MB2, plan, "parse")
        got = [o for o in objs if "case" in o]
        if len(got) != len(cases):
            raise Failed(f"the dump has {len(got)} results for {len(cases)} cases")
        for i, ((data, avail), g) in enumerate(zip(cases, got)):
            want = model.parse_mb2_info(data, avail)
            err = model.check_mb2(want, g)
            if err:
                raise Failed(f"case {i} ({avail} bytes readable, information "
                             f"{data[:avail][:48].hex()}{'...' if avail > 48 else ''}): {err}")
        return f"{len(cases)} multiboot2 informations parsed as the spec says"
    return test


def _lab1(rng: random.Random) -> list[tuple[str, int, Callable]]:
    return [
        ("parse_mmap: maps GRUB gives", 15, _lab1_test(_mb2_cases_grub(rng))),
        ("parse_mmap: odd entry sizes and bad tags", 15, _lab1_test(_mb2_cases_odd(rng))),
        ("parse_mmap: limits, truncation and the basic_meminfo fallback", 10,
         _lab1_test(_mb2_cases_limits(rng))),
        ("parse_mmap: random information", 10, _lab1_test(_mb2_cases_random(rng))),
    ]


# --- lab 2 ---------------------------------------------------------------------------


def _lab2_va(runs: _Runs, rng: random.Random) -> str:
    lines = []
    for _ in range(24):
        pa = rng.choice([rng.randrange(0, 1 << 32), rng.randrange(0, 1 << 46)])
        lines.append(f"va {pa:#x}")
        lines.append(f"pa {model.model_va(pa):#x}")
        lines.append(f"pa_ptr {model.model_va(pa):#x}")
    for _ in range(8):
        a = rng.randrange(0, 1 << 40) & ~0xfff
        lines.append(f"va_or {a:#x} {rng.randrange(1, 4096):#x}")
    for _ in range(12):
        va = model.START_KERNEL_MAP + rng.randrange(0, 1 << 31)
        lines.append(f"pa {va:#x}")
    lines += ["va 0x0", f"pa {model.PAGE_OFFSET:#x}", f"pa {model.START_KERNEL_MAP:#x}",
              f"pa {model.START_KERNEL_MAP - 1:#x}", f"pa {(1 << 64) - 1:#x}"]
    rng.shuffle(lines)
    objs = [o for o in runs.run(HARNESS_VA, "\n".join(lines) + "\n", "__va/__pa") if "op" in o]
    if len(objs) != len(lines):
        raise Failed(f"the dump has {len(objs)} results for {len(lines)} calls")
    for o in objs:
        op, got = o.get("op"), o.get("result")
        if not isinstance(op, list) or len(op) < 2 or not all(model._is_int(x) for x in op[1:]):
            raise Failed("a result line is malformed")
        if op[0] == "va":
            want, call = model.model_va(op[1]), f"__va({op[1]:#x})"
        elif op[0] == "va_or":
            want, call = model.model_va(op[1] | op[2]), f"__va({op[1]:#x} | {op[2]:#x})"
        elif op[0] in ("pa", "pa_ptr"):
            if op[1] < model.PAGE_OFFSET or op[1] > model.PAGE_OFFSET + (1 << 46) and \
                    op[1] < model.START_KERNEL_MAP:
                continue  # outside both windows: no defined answer
            want, call = model.model_pa(op[1]), f"__pa({op[1]:#x})"
        else:
            raise Failed("a result line names an unknown call")
        if got != want:
            raise Failed(f"{call} is {got:#x}, expected {want:#x}" if model._is_int(got)
                         else f"{call}: no number")
    return f"{len(objs)} calls of __va() and __pa() as the address map says"


def _lab2_boot(runs: _Runs, rng: random.Random, ops: list[str]) -> list[dict]:
    machine = random_machine(rng, top_mib=(8, 40))
    return runs.run(HARNESS, "\n".join([*machine, "boot", *ops]) + "\n", "boot")


def _lab2_mem_map(runs: _Runs, rng: random.Random) -> str:
    objs = _lab2_boot(runs, rng, ["mem_map"])
    lines = [o for o in objs if "unreserved" in o]
    if len(lines) != 1:
        raise Failed("the dump has no mem_map line")
    o = lines[0]
    ram, unres, managed = o.get("ram"), o.get("unreserved"), o.get("managed")
    for v in (ram, unres):
        if not isinstance(v, list) or len(v) > 100000 or not all(
                isinstance(r, list) and len(r) == 2 and all(model._is_int(x) for x in r)
                for r in v):
            raise Failed("the mem_map line is malformed")
    ram_s = model.Ram(ram)
    got_s = model.Ram(unres)
    if ram_s.ranges != got_s.ranges:
        want_set = {p for s, e in ram_s.ranges for p in range(s, e)}
        got_set = {p for s, e in got_s.ranges for p in range(s, e)}
        miss, extra = sorted(want_set - got_set), sorted(got_set - want_set)
        if miss:
            raise Failed(f"after boot, free pfn {miss[0]:#x} is still PG_reserved in mem_map "
                         f"({len(miss)} such): the boot hands free pages over by "
                         f"pfn_to_page()")
        raise Failed(f"after boot, pfn {extra[0]:#x} is no longer PG_reserved though it is "
                     f"not free RAM ({len(extra)} such): pfn_to_page() points at the wrong "
                     f"struct page")
    limits = [(0, model.MAX_DMA_PFN), (model.MAX_DMA_PFN, model.MAX_DMA32_PFN),
              (model.MAX_DMA32_PFN, 1 << 62)]
    want_m = [sum(max(0, min(e, b) - max(s, a)) for s, e in ram_s.ranges) for a, b in limits]
    if managed != want_m:
        raise Failed(f"managed pages per zone are {managed}, expected {want_m}")
    return (f"mem_map after boot: the {ram_s.pages()} free pages handed over "
            f"(not PG_reserved), every other page reserved")


def _lab2(rng: random.Random) -> list[tuple[str, int, Callable]]:
    def conv(runs: _Runs, r: random.Random) -> str:
        machine = random_machine(r, top_mib=(8, 40))
        objs = runs.run(HARNESS, "\n".join([*machine, "boot"]) + "\n", "boot")
        state = _states(objs, "boot")[0]
        end = max(e for _, e in state["ram"]) if state.get("ram") else 1
        pfns = sorted({0, 1, 255, 256, end - 1, end // 2} | {r.randrange(0, end) for _ in range(40)})
        idx = sorted({0, 1, end - 1} | {r.randrange(0, end) for _ in range(40)})
        ops = [f"pfn_to_page {p}" for p in pfns] + [f"page_to_pfn {i}" for i in idx]
        r.shuffle(ops)
        objs = [o for o in runs.run(HARNESS, "\n".join([*machine, "boot", *ops]) + "\n",
                                    "pfn_to_page/page_to_pfn") if "op" in o and "step" not in o]
        if len(objs) != len(ops):
            raise Failed(f"the dump has {len(objs)} results for {len(ops)} calls")
        for o in objs:
            op = o["op"]
            if not isinstance(op, list) or len(op) != 2 or not model._is_int(op[1]):
                raise Failed("a result line is malformed")
            if op[0] == "pfn_to_page":
                want, got = op[1] * model.STRUCT_PAGE_SIZE, o.get("offset")
                if got != want:
                    raise Failed(f"pfn_to_page({op[1]:#x}) is mem_map + {got!r} bytes, "
                                 f"expected &mem_map[{op[1]:#x}] = mem_map + {want} bytes")
            elif o.get("result") != op[1]:
                raise Failed(f"page_to_pfn(&mem_map[{op[1]:#x}]) is {o.get('result')!r}, "
                             f"expected {op[1]:#x}")
        return f"{len(objs)} conversions between pfns and mem_map entries"

    return [
        ("__va and __pa", 10, _lab2_va),
        ("pfn_to_page and page_to_pfn", 15, conv),
        ("mem_map: the boot hands the free RAM over", 15, _lab2_mem_map),
    ]


# --- lab 3 ---------------------------------------------------------------------------


def _handover(rng: random.Random, max_order: int | None = None) -> str:
    """The plan line that has the harness hand the boot's free memory over
    again through buddy_core_give(): aligned blocks of random orders up to
    @max_order (default: 0 to 3), shuffled, so the boot state needs merges."""
    o = rng.choice([0, 0, 1, 2, 3]) if max_order is None else max_order
    return f"handover {o} {rng.getrandbits(63)}"


def _lab3_run(runs: _Runs, rng: random.Random, machine: list[str], ops: list[str],
              what: str, *, handover: bool = True) -> str:
    """Boot @machine (by default with the harness's handover: free memory
    given page by page or in small blocks, to be merged), run @ops, check
    every state; a run of ops that gives back everything it took must end
    in exactly the boot's free state."""
    pre = [_handover(rng)] if handover else []
    objs = runs.run(HARNESS, "\n".join([*machine, *pre, "boot", *ops]) + "\n", what)
    try:
        out = _check(objs, 3, what, len(ops))
    except Failed as e:
        if handover and "at boot" in str(e):
            raise Failed(f"{e} (the harness had handed the free memory over in single "
                         f"pages and small blocks through buddy_core_give())") from None
        raise
    if ops:
        states = [o for o in objs if "step" in o]
        err = model.check_round_trip(states[0], states[-1])
        if err:
            raise Failed(f"{what}: {err}")
        out += ", and everything given back restores the boot's free lists exactly"
    return out


def _lab3_boot(runs: _Runs, rng: random.Random) -> str:
    # the boot's own handover (the largest blocks), then the harness's:
    # every page alone, and small blocks, in a random order (merges)
    _lab3_run(runs, rng, random_machine(rng, small_dma=True, top_mib=(6, 48)), [],
              "machine 1 (the boot's blocks)", handover=False)
    m = random_machine(rng, small_dma=False, top_mib=(6, 40))
    objs = runs.run(HARNESS, "\n".join([*m, _handover(rng, 0), "boot"]) + "\n",
                    "machine 2 (order-0 frees)")
    _check(objs, 3, "machine 2 (every free page given alone, in a random order)", 0)
    m = random_machine(rng, top_mib=(17, 32), normal=rng.random() < 0.5)
    objs = runs.run(HARNESS, "\n".join([*m, _handover(rng, rng.randrange(1, 4)), "boot"]) + "\n",
                    "machine 3 (small blocks)")
    _check(objs, 3, "machine 3 (free memory given in small blocks, in a random order)", 0)
    return ("the boot's free lists, and those of free memory given page by page or in "
            "small blocks: exactly the largest aligned blocks of the free RAM")


def _gives(rng: random.Random, taken: list[tuple[int, int]]) -> list[str]:
    rng.shuffle(taken)
    return [f"give @{s} {o}" for s, o in taken]


def _lab3_take(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, small_dma=True, top_mib=(18, 24))
    st = _boot_zones(runs, m)
    zones = _zones_of(st)
    ops, taken = [], []

    def take(z: int, o: int) -> None:
        ops.append(f"take {z} {o}")
        taken.append((len(ops), o))

    for _ in range(40):  # small takes: splits from the boot's big blocks
        take(rng.choice(zones), rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5]))
    for _ in range(30):  # large ones until the small zone runs dry
        take(zones[0], rng.choice([3, 4, 5, 6]))
    for _ in range(20):
        take(rng.choice(zones), rng.choice([0, 1, 2, 7, 8, 9, 10]))
    # then all back: a split remainder lost or listed wrong shows here
    ops += _gives(rng, taken)
    return _lab3_run(runs, rng, m, ops, "takes")


def _lab3_give(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 32))
    zones = _zones_of(_boot_zones(runs, m))
    ops, taken = [], []
    for i in range(48):  # order-0 takes split blocks; their gives merge them back
        o = 0 if i < 32 else rng.choice([1, 2, 3])
        ops.append(f"take {rng.choice(zones)} {o}")
        taken.append((len(ops), o))
    ops += _gives(rng, taken)
    return _lab3_run(runs, rng, m, ops, "takes then gives")


def _lab3_random(runs: _Runs, rng: random.Random) -> str:
    outs = 0
    for i in range(2):
        m = random_machine(rng, top_mib=(17, 40))
        zones = _zones_of(_boot_zones(runs, m))
        ops, held = [], []
        for _ in range(160):
            if held and rng.random() < 0.45:
                s, o = held.pop(rng.randrange(len(held)))
                ops.append(f"give @{s} {o}")
            else:
                o = rng.choice([0, 0, 0, 1, 2, 3, 4, 6, 8, 10])
                ops.append(f"take {rng.choice(zones)} {o}")
                held.append((len(ops), o))
        ops += _gives(rng, held)
        _lab3_run(runs, rng, m, ops, f"machine {i + 1}")
        outs += len(ops)
    return (f"{outs} random takes and gives on two machines, every state as the model "
            f"says, each ending in the boot's free lists")


def _lab3(rng: random.Random) -> list[tuple[str, int, Callable]]:
    return [
        ("boot: free memory in the largest aligned blocks", 10, _lab3_boot),
        ("take: the smallest block, split into upper halves", 15, _lab3_take),
        ("give: merges with free buddies", 15, _lab3_give),
        ("random takes and gives", 10, _lab3_random),
    ]


# --- lab 4 ---------------------------------------------------------------------------

GFPS = ("GFP_KERNEL", "GFP_DMA32", "GFP_DMA", "GFP_ATOMIC")


def _lab4_run(runs: _Runs, machine: list[str], ops: list[str], what: str) -> str:
    # lab 5's lists pass every order-0 page straight through (high 0, batch
    # 1), as the lab-4 handout's stubs do
    objs = runs.run(HARNESS, "\n".join([*machine, "pcp 0 1", "boot", *ops]) + "\n", what)
    return _check(objs, 4, what, len(ops), pcp=False)


def _lab4_orders(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(20, 40))
    ops = []
    for i in range(3):
        for o in rng.sample(range(11), 11):
            ops.append(f"get_free_pages {rng.choice(GFPS[:3])} {o}")
    return _lab4_run(runs, m, ops, "get_free_pages")


def _lab4_zeroed(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 30))
    ops, held = [], []
    for _ in range(24):
        if held and rng.random() < 0.4:
            s, o = held.pop(rng.randrange(len(held)))
            ops.append(f"free_pages @{s} {o}")
        elif rng.random() < 0.5:
            ops.append(f"get_zeroed_page {rng.choice(GFPS)}")
            held.append((len(ops), 0))
        else:  # dirty pages to come back zeroed later
            ops.append(f"get_free_pages {rng.choice(GFPS)} {rng.choice([0, 0, 1, 2])}")
            held.append((len(ops), int(ops[-1].split()[-1])))
    return _lab4_run(runs, m, ops, "get_zeroed_page")


def _lab4_free(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 30))
    ops, held = [], []
    for i in range(40):
        o = 0 if i < 20 else rng.choice([1, 2, 3, 5, 9])
        ops.append(f"get_free_pages {rng.choice(GFPS[:3])} {o}")
        held.append((len(ops), o))
    rng.shuffle(held)
    for i, (s, o) in enumerate(held):
        if i % 6 == 1:
            kind = ("misaligned", "foreign", "zero")[i // 6 % 3]
            ops.append(f"free_pages_bad {kind} {o} @{s}")
        ops.append(f"free_pages @{s} {o}")
        if i % 6 == 3:
            ops.append(f"free_pages_bad double {o} @{s}")
    return _lab4_run(runs, m, ops, "free_pages")


def _serving_zone(sim: model.Sim, gfp: str) -> int | None:
    """The zone an order-0 request with @gfp would be served from now."""
    t = copy.deepcopy(sim)
    p = t.alloc(model.GFP[gfp], 0)
    return None if p is None else t.zone_of(p).idx


def _plan_down(sim: model.Sim, gfp: str, ops: list[str],
               held: list[tuple[int, int, int]], max_ops: int) -> None:
    """Requests with @gfp that walk each zone of its zonelist down to the
    watermark where the model moves on, then across it: each request the
    largest order after which the same zone still serves the next page (so
    the distance halves), then order 0 across the mark; until two fail. The
    model runs along (on @sim), so the plan knows where the marks are.
    @held gets (step, order, pfn) of each block the model says is given."""
    fails, limit = 0, len(ops) + max_ops
    while len(ops) < limit and fails < 2:
        z0 = _serving_zone(sim, gfp)
        best = 0
        for o in range(model.MAX_PAGE_ORDER, 0, -1):
            t = copy.deepcopy(sim)
            p = t.alloc(model.GFP[gfp], o)
            if p is not None and t.zone_of(p).idx == z0 and _serving_zone(t, gfp) == z0:
                best = o
                break
        p = sim.alloc(model.GFP[gfp], best)
        ops.append(f"get_free_pages {gfp} {best}")
        if p is None:
            fails += 1
        else:
            held.append((len(ops), best, p))


def _lab4_zones(runs: _Runs, rng: random.Random) -> str:
    outs = []
    for i in range(3):
        m = random_machine(rng, small_dma=i == 0, top_mib=(20, 32), normal=i == 2)
        m.append("watermarks 1")
        st = _boot_zones(runs, m, ["pcp 0 1"])
        sim = model.Sim(st, pcp=False)
        ops: list[str] = []
        held: list[tuple[int, int, int]] = []

        def free(n: int) -> None:
            nonlocal held
            rng.shuffle(held)
            for s, o, p in held[:n]:
                ops.append(f"free_pages @{s} {o}")
                sim.free(p, o)
            held = held[n:]

        _plan_down(sim, "GFP_DMA32", ops, held, 150)  # DMA32, then DMA, low then min
        _plan_down(sim, "GFP_ATOMIC", ops, held, 40)  # below min
        free(len(held) // 2)
        _plan_down(sim, "GFP_DMA", ops, held, 60)     # DMA alone
        _plan_down(sim, "GFP_KERNEL", ops, held, 60)  # from the highest zone down
        free(len(held))
        outs.append(_lab4_run(runs, m, ops, f"machine {i + 1}"))
    return "; ".join(outs)


def _lab4(rng: random.Random) -> list[tuple[str, int, Callable]]:
    return [
        ("__get_free_pages: direct-map addresses, every order", 12, _lab4_orders),
        ("get_zeroed_page: zeroed pages", 8, _lab4_zeroed),
        ("free_pages: frees exactly the block", 12, _lab4_free),
        ("the zone fallback and watermarks", 18, _lab4_zones),
    ]


# --- lab 5 ---------------------------------------------------------------------------


def _pcp_line(rng: random.Random) -> tuple[str, int, int]:
    batch = rng.randrange(3, 9)
    high = batch * rng.randrange(2, 5) + rng.randrange(0, batch)
    return f"pcp {high} {batch}", high, batch


def _lab5_run(runs: _Runs, machine: list[str], pcp: str, ops: list[str], what: str) -> str:
    objs = runs.run(HARNESS, "\n".join([*machine, pcp, "boot", *ops]) + "\n", what)
    return _check(objs, 5, what, len(ops))


def _lab5_refill(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 30))
    pcp, high, batch = _pcp_line(rng)
    ops = [f"alloc_page {rng.choice(['GFP_KERNEL', 'GFP_DMA32'])}" for _ in range(3 * batch + 2)]
    ops += ["alloc_page GFP_DMA" for _ in range(batch + 1)]
    return _lab5_run(runs, m, pcp, ops, "order-0 allocations")


def _lab5_free(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 30))
    pcp, high, batch = _pcp_line(rng)
    n = 2 * high + rng.randrange(1, batch + 2)
    ops = ["alloc_page GFP_KERNEL" for _ in range(n)]
    order = list(range(1, n + 1))
    rng.shuffle(order)
    ops += [f"free_page @{s}" for s in order]
    return _lab5_run(runs, m, pcp, ops, "order-0 frees")


def _lab5_drain(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, top_mib=(18, 30))
    pcp, high, batch = _pcp_line(rng)
    ops, held = [], []
    for rnd in range(3):
        for _ in range(high + batch):
            ops.append(f"alloc_page {rng.choice(['GFP_KERNEL', 'GFP_DMA'])}")
            held.append(len(ops))
        rng.shuffle(held)
        k = rng.randrange(batch, high)
        for s in held[:k]:
            ops.append(f"free_page @{s}")
        held = held[k:]
        ops.append("drain")
    for s in held:
        ops.append(f"free_page @{s}")
    ops.append("drain")
    return _lab5_run(runs, m, pcp, ops, "drains")


def _lab5_random(runs: _Runs, rng: random.Random) -> str:
    m = random_machine(rng, small_dma=True, top_mib=(17, 24))
    pcp, high, batch = _pcp_line(rng)
    ops: list[str] = []
    held: list[int] = []
    while len(ops) < 300:  # bursts of allocations and of frees, to high and past it
        if rng.random() < 0.08:
            ops.append("drain")
        gfp = rng.choice(["GFP_KERNEL", "GFP_DMA32", "GFP_DMA"])
        for _ in range(rng.randrange(1, 2 * high)):
            ops.append(f"alloc_page {gfp}")
            held.append(len(ops))
        rng.shuffle(held)
        for _ in range(rng.randrange(0, len(held) + 1)):
            ops.append(f"free_page @{held.pop()}")
    return _lab5_run(runs, m, pcp, ops, "random order-0 traffic")


def _lab5(rng: random.Random) -> list[tuple[str, int, Callable]]:
    return [
        ("pcp: refills of a batch, LIFO allocation", 15, _lab5_refill),
        ("pcp: frees to the list, a batch back at high", 15, _lab5_free),
        ("pcp: drains return every page, merged", 15, _lab5_drain),
        ("pcp: random order-0 traffic", 15, _lab5_random),
    ]


# --- the checker -----------------------------------------------------------------------

LABS = {1: _lab1, 2: _lab2, 3: _lab3, 4: _lab4, 5: _lab5}


def grade(lab: int, ctx: Context) -> list[Verdict]:
    """The host verdicts of @lab on the tree of @ctx (see the top)."""
    runs = _Runs(ctx, lab)
    verdicts = []
    for name, points, test in LABS[lab](ctx.rng):
        rng = random.Random(ctx.rng.getrandbits(64))
        try:
            out, ok = test(runs, rng), True
        except Failed as e:
            out, ok = str(e), False
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            # a dump of the right shape line by line, wrong inside: the
            # checks above validate what they read; this is the last guard
            out, ok = f"the dump is malformed ({type(e).__name__})", False
            ctx.notes.append(f"observe_host lab {lab} {name}: {type(e).__name__}: {e}")
        verdicts.append(Verdict(lab, name, points, ok, out))
    assert sum(v.max_score for v in verdicts) == SHARES[lab]
    return verdicts


def plain_runner(argv: list[str], *, cwd: Path, timeout: float, log: Path,
                 stdin: bytes | None = None) -> int | None:
    """A Runner without a sandbox, for one's own tree and the tests."""
    import subprocess

    with open(log, "ab") as f:
        try:
            return subprocess.run(argv, cwd=cwd, input=stdin or b"", stdout=f,
                                  stderr=f, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return None
        except OSError:
            return 127  # as a shell says of a program it cannot run


def main(argv: list[str]) -> int:
    import tempfile

    lab = int(argv[1])
    seed = int(argv[2]) if len(argv) > 2 else random.SystemRandom().getrandbits(32)
    tree = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(tree=tree, scratch=Path(tmp), run=plain_runner,
                      rng=random.Random(seed), logs=Path(tmp), tools=tree / "tools")
        verdicts = grade(lab, ctx)
    print(f"lab {lab}, seed {seed}")
    for v in verdicts:
        print(f"{v.score:3}/{v.max_score:<3} {'PASS' if v.passed else 'FAIL'}  {v.name}")
        print(f"         {v.output}")
    return 0 if all(v.passed for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
