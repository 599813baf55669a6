"""test_observe_kernel.py - tools/observe_kernel.py's checks and parsing,
without QEMU: a fake runner plays the gdb observer and writes the output
files a kernel would have led it to write (made here from a synthetic
multiboot2 information and the lab's rules), then edits them as a wrong
solution, a crash or a corrupt dump would. The verdicts must follow, and
no output, however broken, may raise. Booted kernels: test/emu/.
Run: python3 -m pytest -q test/tools/test_observe_kernel_checks.py"""

from __future__ import annotations

import json
import random
import re
import struct
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
sys.path.insert(0, str(TOOLS))

import observe_kernel as ok  # noqa: E402
from observed import Context  # noqa: E402

START = ok.START_KERNEL_MAP
IMAGE = [0x100000, START + 0x14C000]  # _kernel_phys_start, _end
MBI_PA = 0x158000


def mbi_bytes(mmap: list[list[int]]) -> bytes:
    """A multiboot2 information: a command line tag, a memory map tag, the end."""
    tags = b""
    cmd = b"observe\0"
    tags += struct.pack("<II", 1, 8 + len(cmd)) + cmd
    tags += b"\0" * (-len(tags) % 8)
    entries = b"".join(struct.pack("<QQII", a, ln, t, 0) for a, ln, t in mmap)
    tags += struct.pack("<IIII", 6, 16 + len(entries), 24, 0) + entries
    tags += struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(tags), 0) + tags


# QEMU's map of a 256 MiB machine, a hole cut at byte granularity.
MMAP = [[0, 0x9FC00, 1], [0x9FC00, 0x400, 2], [0xF0000, 0x10000, 2], [0x100000, 0x2345678 - 0x100000, 1],
        [0x2456789, 0xFFE0000 - 0x2456789, 1], [0xFFE0000, 0x20000, 2], [0xFFFC0000, 0x40000, 2]]


def good_lab1_events(mmap=MMAP) -> list[dict]:
    data = mbi_bytes(mmap)
    memory = ok.expected_memory(mmap)
    reserved = ok.normalize([[0, 0x100000], ok.page_out(IMAGE[0], IMAGE[1] - START),
                             ok.page_out(MBI_PA, MBI_PA + len(data))])
    return [
        {"kind": "checkpoint", "name": "kernel_main"},
        {"kind": "mbi", "pa": MBI_PA, "total_size": len(data), "hex": data.hex()},
        {"kind": "symbols", "_kernel_phys_start": IMAGE[0], "_text": START + 0x108000, "_end": IMAGE[1]},
        {"kind": "checkpoint", "name": "observe_before_memblock"},
        {"kind": "boot_mmap", "nr_mmap": len(mmap), "entries": mmap},
        {"kind": "checkpoint", "name": "observe_after_memblock"},
        {"kind": "memblock", "memory_cnt": len(memory), "memory": [[s, e - s] for s, e in memory],
         "reserved_cnt": len(reserved), "reserved": [[s, e - s] for s, e in reserved]},
        {"kind": "end", "reason": "done"},
    ]


class FakeObserver:
    """A Runner that writes @events (a function of the config) instead of
    running gdb; records each config it was given."""

    def __init__(self, make_events, status=0, raw=None):
        self.make_events, self.status, self.raw = make_events, status, raw
        self.configs: list[dict] = []

    def __call__(self, argv, *, cwd, timeout, log, stdin=None):
        assert argv[0] == "gdb" and str(TOOLS / "observe" / "gdb_observer.py") in argv
        m = re.search(r"sys\.argv = \['gdb_observer', '([^']+)'\]", " ".join(argv))
        cfg = json.loads(Path(m[1]).read_text())
        self.configs.append(cfg)
        out = Path(cfg["out"] + ".events.jsonl")
        if self.raw is not None:
            out.write_bytes(self.raw)
        else:
            events = self.make_events(cfg)
            if events is not None:
                out.write_text("".join(json.dumps(e) + "\n" for e in events))
        return self.status


def context(tmp_path, runner, seed=1) -> Context:
    tree = tmp_path / "tree"
    (tree / "build").mkdir(parents=True, exist_ok=True)
    (tree / "grub.cfg").write_text("menuentry x {\n}\n")
    return Context(tree=tree, scratch=tmp_path / "scratch", run=runner, rng=random.Random(seed),
                   logs=tmp_path / "logs", tools=TOOLS)


def by_name(verdicts):
    return {v.name: v for v in verdicts}


def test_lab1_reference_output_passes(tmp_path):
    verdicts = ok.grade(1, context(tmp_path, FakeObserver(lambda cfg: good_lab1_events())))
    assert sum(v.max_score for v in verdicts) == ok.SHARES[1]
    assert all(v.passed for v in verdicts), [v.output for v in verdicts]


def edited(edit):
    def make(cfg):
        events = good_lab1_events()
        edit(events)
        return events
    return make


def memblock(events):
    return next(e for e in events if e["kind"] == "memblock")


@pytest.mark.parametrize("edit, failing", [
    # memblock.memory without its last range
    (lambda ev: memblock(ev)["memory"].pop(), {"lab1.memblock_memory_is_usable_ram"}),
    # the partial page at the hole's start counted as RAM (rounded outward)
    (lambda ev: memblock(ev)["memory"].__setitem__(1, [0x100000, 0x2346000 - 0x100000]),
     {"lab1.memblock_memory_is_usable_ram"}),
    # the multiboot2 information not reserved
    (lambda ev: memblock(ev)["reserved"].pop(), {"lab1.boot_info_reserved", "lab1.reserved_only_what_is_in_use"}),
    # nothing reserved at all: nothing extra either, but what is in use is not
    (lambda ev: memblock(ev).__setitem__("reserved", []),
     {"lab1.boot_info_reserved", "lab1.first_mib_and_image_reserved", "lab1.reserved_only_what_is_in_use"}),
    # the whole of RAM reserved
    (lambda ev: memblock(ev).__setitem__("reserved", [[0, 0x10000000]]), {"lab1.reserved_only_what_is_in_use"}),
    # the image reserved from _text only: the boot stub is not
    (lambda ev: memblock(ev)["reserved"].__setitem__(0, [0, 0x100000]),
     {"lab1.first_mib_and_image_reserved", "lab1.reserved_only_what_is_in_use"}),
    # parse_mmap lost an entry
    (lambda ev: next(e for e in ev if e["kind"] == "boot_mmap")["entries"].pop(), {"lab1.mmap_entries_match_tag"}),
])
def test_lab1_wrong_state_fails_its_test(tmp_path, edit, failing):
    verdicts = by_name(ok.grade(1, context(tmp_path, FakeObserver(edited(edit)))))
    assert {n for n, v in verdicts.items() if not v.passed} == failing
    for n in failing:
        assert "FAILED:" in verdicts[n].output


def test_lab1_cut_short_says_where(tmp_path):
    """A kernel that panicked inside memblock_setup_from_mmap(): the events
    stop after the first checkpoint; the reason comes from the checkpoint
    never reached, not from anything the kernel printed."""
    def make(cfg):
        ev = good_lab1_events()
        return ev[:5] + [{"kind": "end", "reason": "panic: the kernel called panic() before observe_after_memblock"}]
    verdicts = by_name(ok.grade(1, context(tmp_path, FakeObserver(make))))
    assert verdicts["lab1.mmap_entries_match_tag"].passed
    for n, v in verdicts.items():
        if n != "lab1.mmap_entries_match_tag":
            assert not v.passed and "never returned from memblock_setup_from_mmap()" in v.output


@pytest.mark.parametrize("raw", [b"", b"{not json\n", b'["a list"]\n', b"\xff\xfe" * 1000,
                                 b'{"kind": "mbi", "pa": "x", "hex": 5}\n',
                                 b'{"kind": "mbi", "pa": 1, "hex": "zz"}\n'])
def test_broken_output_fails_cleanly(tmp_path, raw):
    for lab in (1, 2):
        verdicts = ok.grade(lab, context(tmp_path / str(lab), FakeObserver(None, raw=raw)))
        assert verdicts and not any(v.passed for v in verdicts)


def test_no_output_at_all(tmp_path):
    verdicts = ok.grade(1, context(tmp_path, FakeObserver(lambda cfg: None, status=None)))
    assert not any(v.passed for v in verdicts)
    assert all("never reached kernel_main" in v.output for v in verdicts)


def test_oversized_output_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(ok, "MAX_EVENTS_BYTES", 1000)
    verdicts = ok.grade(1, context(tmp_path, FakeObserver(lambda cfg: good_lab1_events())))
    assert not any(v.passed for v in verdicts)


def test_machines_come_from_the_rng(tmp_path):
    runs = []
    for seed in (1, 2, 3, 4):
        fake = FakeObserver(lambda cfg: good_lab1_events())
        ok.grade(1, context(tmp_path / str(seed), fake, seed))
        runs.append(tuple(c["mem"] for c in fake.configs))
        assert int(fake.configs[1]["mem"][:-1]) >= 3584  # RAM above 4 GiB in every grade
    assert len(set(runs)) > 1


# --- lab 2 --------------------------------------------------------------------------------

def lab2_events(cfg, memory, *, edit=None, gb=False):
    runs = [[va, pa, size, count, ok.P | ok.RW | ok.G | ok.NX | (ok.PS if size > ok.PAGE_SIZE else 0) | ok.A]
            for va, pa, size, count in ok.expected_direct_map(memory, gb)]
    if edit:
        edit(runs)
    plan = json.loads(Path(cfg["plan"]).read_text())
    mem_map = ok.PAGE_OFFSET + 0x7000000
    ops = []
    for op, arg in plan:
        if isinstance(arg, str) and arg.startswith("sym:"):
            arg = START + 0x120000
        if isinstance(arg, str) and arg.startswith("mem_map_page:"):
            arg = mem_map + 32 * int(arg[13:])
        res = {"va": lambda x: ok.PAGE_OFFSET + x, "pa": lambda x: x - (START if x >= START else ok.PAGE_OFFSET),
               "pfn_to_page": lambda x: mem_map + 32 * x, "page_to_pfn": lambda x: (x - mem_map) // 32}[op](arg)
        ops.append({"kind": "op", "op": [op, arg], "result": res & ((1 << 64) - 1), "status": 0})
    ev = good_lab1_events()[:3]
    # the machine's own map (the fake runner is told its size)
    data = mbi_bytes(cfg["_mmap"])
    ev[1] = {"kind": "mbi", "pa": MBI_PA, "total_size": len(data), "hex": data.hex()}
    return ev + [{"kind": "checkpoint", "name": "observe_after_paging"},
                 {"kind": "direct_map", "cr3": 0x1000, "has_nx": True, "has_gbpages": gb, "runs": runs,
                  "lower_half_pml4": [], "upper_flags": [3], "tables": 4, "errors": []},
                 {"kind": "checkpoint", "name": "grade_agent_stop"},
                 {"kind": "mm", "mem_map": mem_map, "max_pfn": 1 << 20}] + ops + [{"kind": "end", "reason": "quit"}]


def lab2_runner(edit=None, flags_edit=None):
    def make(cfg):
        mib = int(cfg["mem"][:-1])
        below = min(mib, 3072) << 20
        mmap = [[0, 0x9FC00, 1], [0x9FC00, 0x400, 2], [0xF0000, 0x10000, 2], [0x100000, below - 0x120000, 1],
                [below - 0x20000, 0x20000, 2]]
        if mib > 3072:
            mmap.append([1 << 32, (mib - 3072) << 20, 1])
        cfg["_mmap"] = mmap
        memory = ok.expected_memory(mmap)
        return lab2_events(cfg, memory, edit=edit, gb=cfg.get("cpu") is not None)
    return FakeObserver(make)


def test_lab2_reference_output_passes(tmp_path):
    verdicts = ok.grade(2, context(tmp_path, lab2_runner()))
    assert sum(v.max_score for v in verdicts) == ok.SHARES[2]
    assert all(v.passed for v in verdicts), [v.output for v in verdicts if not v.passed]


def _short(runs):  # the last page of the first run of RAM missing
    va, pa, size, count, flags = runs[-1] if runs[-1][2] == ok.PAGE_SIZE else runs[0]
    if size == ok.PAGE_SIZE:
        runs[runs.index([va, pa, size, count, flags])][3] -= 1


def _nothing(runs):  # no direct map at all: "nothing else" is no merit
    runs.clear()


def _user(runs):
    runs[0][4] |= ok.US


def _extra(runs):
    va, pa, size, count, flags = runs[-1]
    runs.append([va + size * count, pa + size * count, ok.PAGE_SIZE, 1, flags])


def _small_pages(runs):  # 2 MiB pages split into 4 KiB ones
    out = []
    for va, pa, size, count, flags in runs:
        if size == ok.PMD_SIZE:
            out.append([va, pa, ok.PAGE_SIZE, count * 512, flags & ~ok.PS])
        else:
            out.append([va, pa, size, count, flags])
    runs[:] = out


@pytest.mark.parametrize("edit, failing", [
    (_short, {"lab2.direct_map_covers_ram", "lab2.direct_map_page_sizes"}),
    (_nothing, {"lab2.direct_map_covers_ram", "lab2.direct_map_page_sizes", "lab2.direct_map_nothing_else"}),
    (_user, {"lab2.direct_map_covers_ram"}),
    (_extra, {"lab2.direct_map_nothing_else", "lab2.direct_map_page_sizes"}),
    (_small_pages, {"lab2.direct_map_page_sizes"}),
])
def test_lab2_wrong_map_fails_its_test(tmp_path, edit, failing):
    verdicts = by_name(ok.grade(2, context(tmp_path, lab2_runner(edit))))
    assert {n for n, v in verdicts.items() if not v.passed} == failing, \
        {n: v.output for n, v in verdicts.items() if not v.passed}


def test_expected_direct_map_uses_the_largest_pages():
    mem = [[0, 0x9F000], [0x100000, 0x7FE0000]]
    leaves = ok.expected_direct_map(mem, gbpages=False)
    assert leaves[0][:3] == [ok.PAGE_OFFSET, 0, ok.PMD_SIZE] and leaves[0][3] == 63
    assert leaves[1][2:] == [ok.PAGE_SIZE, 480]  # 0x7e00000-0x7fe0000, as the boot log counts them
    big = ok.expected_direct_map([[0, 0xC0000000], [1 << 32, (1 << 32) + (3 << 30)]], gbpages=True)
    assert [r[2:] for r in big] == [[ok.PUD_SIZE, 3], [ok.PUD_SIZE, 3]]


# --- labs 3-5: what happens when the dump is cut short ---------------------

def test_buddy_labs_cut_short(tmp_path, monkeypatch):

    def make(cfg):
        Path(cfg["out"] + ".states.jsonl").write_text('{"step": 0, "op": null, "res')
        return [{"kind": "checkpoint", "name": "grade_agent_stop"}, {"kind": "end", "reason": "timeout"}]
    for lab in (3, 4, 5):
        verdicts = ok.grade(lab, context(tmp_path / str(lab), FakeObserver(make)))
        assert sum(v.max_score for v in verdicts) == ok.SHARES[lab]
        assert not any(v.passed for v in verdicts)


def zone(blocks, pcp=(), name="DMA", start=0, spanned=64):
    """A zone of the state schema with the free blocks [(pfn, order)]."""
    lists = [[] for _ in range(11)]
    for pfn, order in blocks:
        lists[order].append(pfn)
    return {"name": name, "start_pfn": start, "spanned": spanned, "present": spanned,
            "free_pages": sum(1 << o for _, o in blocks), "nr_free": [len(x) for x in lists],
            "free_lists": lists, "pcp": [{"cpu": 0, "count": len(pcp), "high": 8, "batch": 2, "list": list(pcp)}]}


def st(step, op, result, blocks, pcp=(), **extra):
    return {"step": step, "op": op, "result": result, "zones": [zone(blocks, pcp)], **extra}


BOOT = [(0, 5), (32, 5)]  # 64 pages, fully merged


def test_cycle_must_restore_the_free_blocks_and_take_every_page():
    boot = st(0, None, None, BOOT)
    assert ok.check_cycle(boot, st(1, ["cycle", 0, 8192, 7], 64, BOOT)) is None
    assert ok.check_cycle(boot, st(1, ["cycle", 0, 10, 7], 10, BOOT)) is None
    # no split: one page each take, the rest of each block lost
    err = ok.check_cycle(boot, st(1, ["cycle", 0, 8192, 7], 2, BOOT))
    assert err and "2 could be taken, but 64 pages were free" in err
    # no merge: everything back, at order 0
    err = ok.check_cycle(boot, st(1, ["cycle", 0, 8192, 7], 64, [(p, 0) for p in range(64)]))
    assert err and "the order-5 block at pfn 0x0 is no longer free" in err


def test_pages_neither_free_nor_handed_out_are_lost():
    ram = ok.observe_model.Ram([[0, 64]])
    held = ok.Held()
    # take(0, 0) split right: pfn 0 handed out, 1, 2-3, 4-7, ... free
    right = st(1, ["take", 0, 0], 0, [(1, 0), (2, 1), (4, 2), (8, 3), (16, 4), (32, 5)])
    held.update(right)
    assert held.conserved(right, ram) is None
    # no split: the whole order-5 block went, one page is held
    held = ok.Held()
    unsplit = st(1, ["take", 0, 0], 0, [(32, 5)])
    held.update(unsplit)
    err = held.conserved(unsplit, ram)
    assert err and "31 page(s) of RAM are neither on a free list nor in a block handed out" in err
    # a page handed out that is still on a free list
    held = ok.Held()
    twice = st(1, ["take", 0, 0], 0, [(0, 0), (1, 0), (2, 1), (4, 2), (8, 3), (16, 4), (32, 5)])
    held.update(twice)
    assert "both" in held.conserved(twice, ram)


def test_held_blocks_given_back_page_by_page():
    held = ok.Held()
    held.update(st(1, ["take", 0, 2], 4, []))
    held.update(st(2, ["give", 5, 0], None, []))
    assert held.blocks == {4: 0, 6: 1}
    for pfn in (4, 6):
        held.update(st(3, ["give", pfn, 0], None, []))
    assert held.blocks == {7: 0}
    held.update(st(4, ["give", 7, 0], None, []))
    assert held.blocks == {}


def test_round_trip_compares_with_the_boot_state():
    boot = st(0, None, None, BOOT)
    assert ok.round_trip(boot, st(9, ["give", 0, 0], None, BOOT)) is None
    err = ok.round_trip(boot, st(9, ["give", 0, 0], None, [(0, 5), (32, 4)]))
    assert err and "not the boot's" in err and "order-5 block at pfn 0x20 is not free" in err


def test_mem_map_scan_must_match_the_lists():
    blocks = [(0, 5), (34, 1), (36, 2), (40, 3), (48, 4)]
    good = {"ranges": [[0, 64]], "buddy_pages": [[p, o] for p, o in blocks], "pcp_pages": [32, 33]}
    assert ok.check_mem_map_scan(st(1, ["alloc_page", "GFP_DMA"], 35, blocks, pcp=[32, 33],
                                    mem_map_scan=good)) is None
    no_flag = dict(good, pcp_pages=[32])
    err = ok.check_mem_map_scan(st(1, ["alloc_page", "GFP_DMA"], 35, blocks, pcp=[32, 33], mem_map_scan=no_flag))
    assert err == "pfn 0x21 is on a per-CPU list but mem_map has no PG_pcp on it"
    stale = dict(good, pcp_pages=[32, 33, 35])
    assert "0x23 is PG_pcp but on no per-CPU list" in ok.check_mem_map_scan(
        st(1, ["alloc_page", "GFP_DMA"], 35, blocks, pcp=[32, 33], mem_map_scan=stale))
    # outside the chunks read, nothing is claimed
    part = {"ranges": [[0, 16]], "buddy_pages": [[0, 5]], "pcp_pages": []}
    assert ok.check_mem_map_scan(st(1, ["alloc_page", "GFP_DMA"], 35, blocks, pcp=[32, 33],
                                    mem_map_scan=part)) is None
    no_buddy = {"ranges": [[0, 16]], "buddy_pages": [], "pcp_pages": []}
    assert "no PG_buddy" in ok.check_mem_map_scan(st(1, ["alloc_page", "GFP_DMA"], 35, blocks, pcp=[32, 33],
                                                     mem_map_scan=no_buddy))
    assert "malformed" in ok.check_mem_map_scan(st(1, None, None, blocks, mem_map_scan={"ranges": "x"}))


def test_lab3_plan_cycles_first_and_gives_everything_back():
    plan = ok.plan_lab3(random.Random(3))
    assert plan[0][:3] == ["cycle", 0, ok.CYCLE_MAX] and plan[1][:2] == ["cycle", 1]
    takes = {i + 1: op[2] for i, op in enumerate(plan) if op[0] == "take"}
    given = sum(1 << op[2] for op in plan if op[0] == "give")
    assert given == sum(1 << o for o in takes.values())
