"""test_observe_host.py - the host checker of the instructor's grader
(tools/observe_host.py) and its reference model (tools/observe_model.py):
the model's checks on hand-made states; every host verdict passing on this
tree (the reference solution) for several seeds; and wrong solutions,
written here by editing a copy of the tree, failing the verdicts they
should (and only by the model's judgement of the dumped state).
Run: python3 -m pytest -q test/tools/test_observe_host.py"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import observe_host  # noqa: E402
import observe_model as m  # noqa: E402
from observed import Context  # noqa: E402

# --- the model on hand-made states -------------------------------------------------


def zone(lists: dict[int, list[int]], *, start: int = 0, span: int = 64,
         name: str = "DMA", pcp: list[int] | None = None, high: int = 4,
         batch: int = 2, **extra) -> dict:
    """A zone of the schema whose free_area[o] lists @lists[o]."""
    fl = [list(lists.get(o, [])) for o in range(m.NR_PAGE_ORDERS)]
    z = {"name": name, "start_pfn": start, "spanned": span, "present": span,
         "free_pages": sum(len(x) << o for o, x in enumerate(fl)),
         "nr_free": [len(x) for x in fl], "free_lists": fl,
         "pcp": [{"cpu": 0, "count": len(pcp or []), "high": high, "batch": batch,
                  "list": list(pcp or [])}]}
    z.update(extra)
    return z


def state(step: int, zones: list[dict], op=None, result=None, **extra) -> dict:
    s = {"step": step, "op": op, "result": result, "zones": zones}
    s.update(extra)
    return s


BOOT = state(0, [zone({6: [0]})], ram=[[0, 64]])


def seq(*states: dict, lab: int = 3, **kw) -> str | None:
    return m.check_sequence([BOOT, *states], lab=lab, **kw)


def test_boot_state_must_be_the_canonical_blocks():
    assert seq() is None
    split = state(0, [zone({5: [0, 32]})], ram=[[0, 64]])
    assert "should have merged" in m.check_sequence([split], lab=3)
    empty = state(0, [zone({})], ram=[[0, 64]])
    assert "should be free" in m.check_sequence([empty], lab=3)


def test_state_invariants():
    ram = [[0, 64]]
    assert "not aligned" in m.check_state(state(0, [zone({2: [2]})]), ram=ram)
    assert "nr_free" in m.check_state(state(0, [zone({2: [4]}, nr_free=[0] * 11)]), ram=ram)
    bad_free = zone({2: [4]}, free_pages=3)
    assert "free_pages is 3" in m.check_state(state(0, [bad_free]), ram=ram)
    assert "overlap" in m.check_state(state(0, [zone({2: [4], 0: [5]})]), ram=ram)
    assert "outside the zone" in m.check_state(state(0, [zone({3: [64]}, span=64)]), ram=ram)
    assert "not all free RAM" in m.check_state(state(0, [zone({3: [8]})]), ram=[[0, 12]])
    assert "PG_buddy" in m.check_state(state(0, [zone({3: [8]})], buddy_pages=[]), ram=ram)
    assert "order 2" in m.check_state(state(0, [zone({3: [8]})], buddy_pages=[[8, 2]]), ram=ram)
    assert "on no free list" in m.check_state(
        state(0, [zone({3: [8]})], buddy_pages=[[8, 3], [0, 0]]), ram=ram)
    assert m.check_state(state(0, [zone({3: [8]})], buddy_pages=[[8, 3]]), ram=ram) is None
    miscounted = zone({}, pcp=[1, 2])
    miscounted["pcp"][0]["count"] = 1
    assert "count is" in m.check_state(state(0, [miscounted]), ram=ram)
    assert "PG_pcp" in m.check_state(state(0, [zone({}, pcp=[3])], pcp_pages=[]), ram=ram)
    assert "overlap" in m.check_state(state(0, [zone({1: [2]}, pcp=[3])]), ram=ram)
    assert "buddies" in m.check_state(state(0, [zone({1: [4, 6]})]), ram=ram)
    broken = zone({3: [8]}, bad_list="free_area[3]: a link after 1 entries points outside mem_map")
    assert "points outside mem_map" in m.check_state(state(0, [broken]), ram=ram)
    # buddies in different zones never merge
    two = state(0, [zone({1: [4]}, span=6), zone({1: [6]}, start=6, span=58, name="DMA32")])
    assert m.check_state(two, ram=ram) is None


def test_validate_state_rejects_garbage():
    assert m.validate_state({"step": 0}) is not None
    assert m.validate_state(BOOT, first=True) is None
    assert "ram" in m.validate_state(state(0, [zone({6: [0]})]), first=True)
    bad = state(1, [zone({6: ["x"]})])
    assert "free_lists" in m.validate_state(bad)
    assert "zones" in m.validate_state(state(1, []))
    assert "result" in m.validate_state(state(1, [zone({})], result="7"))
    assert "malformed" in m.validate_state(state(1, [zone({}) | {"pcp": [{"cpu": 0}]}]))


def test_take_splits_the_smallest_block_into_upper_halves():
    good = state(1, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]})],
                 op=["take", 0, 0], result=0)
    assert seq(good) is None
    # the upper half kept and the lower ones listed: the same as a valid
    # split that returned pfn 63 (lenient), so that is fine too
    up = state(1, [zone({5: [0], 4: [32], 3: [48], 2: [56], 1: [60], 0: [62]})],
               op=["take", 0, 0], result=63)
    assert seq(up) is None
    # lower halves listed, the lower page returned: overlap with the result
    low = state(1, [zone({5: [32], 4: [0], 3: [16], 2: [24], 1: [28], 0: [30]})],
                op=["take", 0, 0], result=0)
    assert "should be free" in seq(low)
    nosplit = state(1, [zone({})], op=["take", 0, 0], result=0)
    assert "should be free" in seq(nosplit)
    none = state(1, [zone({6: [0]})], op=["take", 0, 0], result=-1)
    assert "no block came back" in seq(none)
    misaligned = state(1, [zone({})], op=["take", 0, 2], result=2)
    assert "not aligned" in seq(misaligned)


def test_take_must_use_the_smallest_order():
    s1 = state(1, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]})],
               op=["take", 0, 0], result=0)
    # pfn 1 (order 0) was free, but the order-5 block at 32 was split
    s2 = state(2, [zone({4: [48, 16], 3: [8, 40], 2: [4, 36], 1: [2, 34], 0: [1, 33]})],
               op=["take", 0, 0], result=32)
    assert "smallest" in seq(s1, s2)
    bump = state(2, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]})],
                 op=["take", 0, 0], result=1)  # a bump pointer: nothing changes
    assert "should not be free" in seq(s1, bump)


def test_give_must_merge_exactly():
    s1 = state(1, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]})],
               op=["take", 0, 0], result=0)
    merged = state(2, [zone({6: [0]})], op=["give", 0, 0])
    assert seq(s1, merged) is None
    nomerge = state(2, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [0, 1]})],
                    op=["give", 0, 0])
    assert "merged" in seq(s1, nomerge)
    # merged past the zone's end is refused: buddy outside the zone
    z = zone({0: [1]}, span=2)
    boot2 = state(0, [z], ram=[[0, 2]])
    t = state(1, [zone({}, span=2)], op=["take", 0, 0], result=1)
    assert m.check_sequence([boot2, t], lab=3) is not None  # pfn 0 not RAM: boot wrong
    boot3 = state(0, [zone({1: [0]}, span=2)], ram=[[0, 2]])
    t = state(1, [zone({0: [1]}, span=2)], op=["take", 0, 0], result=0)
    g = state(2, [zone({1: [0]}, span=2)], op=["give", 0, 0])
    assert m.check_sequence([boot3, t, g], lab=3) is None


def test_page_api_zone_fallback_and_watermarks():
    """Two zones: DMA [0, 64), DMA32 [64, 128); DMA32 at its low mark."""
    def zones(dma: dict, dma32: dict, pcp=None):
        return [zone(dma, span=64, watermark=[2, 3, 4], lowmem_reserve=[0, 8, 8], managed=64),
                zone(dma32, start=64, span=64, name="DMA32", watermark=[4, 6, 8],
                     lowmem_reserve=[0, 0, 0], managed=64)]
    boot = state(0, zones({6: [0]}, {2: [64]}), ram=[[0, 64], [64, 68]])
    # GFP_KERNEL order 0: DMA32 has 4 pages <= low 6: its low mark fails; DMA
    # has 64 > 3 + 8: DMA gives it
    good = state(1, zones({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]}, {2: [64]}),
                 op=["get_free_pages", "GFP_KERNEL", 0], result=0)
    assert m.check_sequence([boot, good], lab=4, pcp=False) is None
    wrong = state(1, zones({6: [0]}, {1: [66], 0: [65]}),
                  op=["get_free_pages", "GFP_KERNEL", 0], result=64)
    assert "expected zone DMA" in m.check_sequence([boot, wrong], lab=4, pcp=False)
    bad_addr = state(1, zones({6: [0]}, {2: [64]}), op=["get_free_pages", "GFP_KERNEL", 0],
                     result=-1, bad_addr=-4096)
    assert "direct-map address" in m.check_sequence([boot, bad_addr], lab=4, pcp=False)
    dirty = state(1, good["zones"], op=["get_zeroed_page", "GFP_KERNEL"], result=0,
                  nonzero_bytes=12)
    assert "not zero" in m.check_sequence([boot, dirty], lab=4, pcp=False)


def test_pcp_refill_free_and_drain():
    boot = state(0, [zone({3: [0]}, span=8, high=4, batch=2)], ram=[[0, 8]])
    # refill of 2 (pfns 0 and 1, in buddy order, to the tail), the first handed out
    a1 = state(1, [zone({2: [4], 1: [2]}, span=8, pcp=[1])], op=["alloc_page", "GFP_KERNEL"],
               result=0)
    assert m.check_sequence([boot, a1], lab=5) is None
    stub = state(1, [zone({2: [4], 1: [2], 0: [1]}, span=8)], op=["alloc_page", "GFP_KERNEL"],
                 result=0)
    assert "per-CPU list" in m.check_sequence([boot, stub], lab=5)
    f1 = state(2, [zone({2: [4], 1: [2]}, span=8, pcp=[0, 1])], op=["free_page", 0])
    assert m.check_sequence([boot, a1, f1], lab=5) is None
    fifo = state(2, [zone({2: [4], 1: [2]}, span=8, pcp=[1, 0])], op=["free_page", 0])
    assert "per-CPU list" in m.check_sequence([boot, a1, fifo], lab=5)
    d = state(3, [zone({3: [0]}, span=8)], op=["drain"])
    assert m.check_sequence([boot, a1, f1, d], lab=5) is None
    nodrain = state(3, f1["zones"], op=["drain"])
    assert "per-CPU list" in m.check_sequence([boot, a1, f1, nodrain], lab=5)


def test_parse_mb2_info_model():
    e = struct.pack("<QQII", 0x100000, 0x7f00000, 1, 0)
    tag = struct.pack("<IIII", 6, 16 + 2 * 24, 24, 0) + e + e
    end = struct.pack("<II", 0, 8)
    info = struct.pack("<II", 8 + len(tag) + 8, 0) + tag + end
    assert m.parse_mb2_info(info, len(info))["mmap"] == [[0x100000, 0x7f00000, 1]] * 2
    # a partial last entry is dropped, a bad entry_size drops the tag
    tag2 = struct.pack("<IIII", 6, 16 + 24 + 8, 24, 0) + e + bytes(8)
    info2 = struct.pack("<II", 8 + len(tag2) + 8, 0) + tag2 + end
    assert len(m.parse_mb2_info(info2, len(info2))["mmap"]) == 1
    tag3 = struct.pack("<IIII", 6, 16 + 24, 20, 0) + e
    basic = struct.pack("<IIII", 4, 16, 639, 1024)
    info3 = struct.pack("<II", 8 + len(tag3) + 16 + 8, 0) + tag3 + basic + end
    r = m.parse_mb2_info(info3, len(info3))
    assert r["from_basic"] and r["mmap"] == [[0, 639 << 10, 1], [1 << 20, 1 << 20, 1]]
    assert m.parse_mb2_info(info, 7)["ret"] == -1
    assert m.check_mb2(m.parse_mb2_info(info, len(info)),
                       {"ret": 0, "nr_mmap": 1, "from_basic": False,
                        "mmap": [[0x100000, 0x7f00000, 1]]}) is not None


def test_round_trip_must_restore_the_boot_state():
    t = state(1, [zone({5: [32], 4: [16], 3: [8], 2: [4], 1: [2], 0: [1]})],
              op=["take", 0, 0], result=0)
    back = state(2, [zone({6: [0]})], op=["give", 0, 0])
    assert m.check_round_trip(BOOT, back) is None
    assert "should be free" in m.check_round_trip(BOOT, t)
    leaked = state(2, [zone({5: [32], 4: [16]})], op=["give", 0, 0])
    assert "the boot's" in m.check_round_trip(BOOT, leaked)
    miscounted = state(2, [zone({6: [0]}, free_pages=63)], op=["give", 0, 0])
    assert "free_pages is 63" in m.check_round_trip(BOOT, miscounted)
    held = state(2, [zone({6: [0]}, pcp=[3])], op=["drain"])
    assert "per-CPU" in m.check_round_trip(BOOT, held)


def test_direct_map_model():
    assert m.model_va(0x1000) == 0xffff888000001000
    assert m.model_pa(0xffff888000001000) == 0x1000
    assert m.model_pa(0xffffffff80100000) == 0x100000


# --- the checker on real trees --------------------------------------------------------

HARNESSES = observe_host.BUILD_TARGETS


def _build(tree: Path) -> None:
    r = subprocess.run(["make", "-s", "-j2", *HARNESSES], cwd=tree, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _grade(tree: Path, lab: int, seed: int, tmp: Path) -> dict[str, observe_host.Verdict]:
    scratch = tmp / f"scratch-{lab}-{seed}"
    scratch.mkdir(parents=True, exist_ok=True)
    ctx = Context(tree=tree, scratch=scratch, run=observe_host.plain_runner,
                  rng=random.Random(seed), logs=scratch, tools=REPO / "tools")
    verdicts = observe_host.grade(lab, ctx)
    assert sum(v.max_score for v in verdicts) == observe_host.SHARES[lab]
    return {v.name: v for v in verdicts}


def _is_handout() -> bool:
    """Is this tree a lab handout (some region stubbed, "LAB n TODO")?"""
    r = subprocess.run(["grep", "-rqE", "LAB [0-9] TODO", str(REPO / "src")])
    return r.returncode == 0


@pytest.fixture(scope="module")
def built() -> Path:
    """This tree with the harnesses built; a handout's stubs are no
    reference solution, so the tests on real trees skip there."""
    if _is_handout():
        pytest.skip("a lab handout: its stubs are not the reference solution")
    _build(REPO)
    return REPO


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_reference_tree_passes_every_host_verdict(built, tmp_path, lab, seed):
    verdicts = _grade(built, lab, seed, tmp_path)
    failed = {n: v.output for n, v in verdicts.items() if not v.passed}
    assert not failed


def test_shares_match_the_plan():
    assert observe_host.SHARES == {1: 50, 2: 40, 3: 50, 4: 50, 5: 60}


# Wrong solutions: (file, the reference text, its replacement, lab, the
# verdicts that must fail). Each is one edit of a copy of the tree. An @ in
# the texts is dropped before use: it keeps the solution's lines out of
# this file, which the handouts carry (tools/handout.py finds leaks).
LAB3_ALL = {"boot: free memory in the largest aligned blocks",
            "take: the smallest block, split into upper halves",
            "give: merges with free buddies", "random takes and gives"}
STALE_DRAIN = ("\tif @(unlikely(++pcp->count >= pcp->high))\n"
               "\t\tfree_pcppages_bulk@(zone, pcp, pcp->batch);\n")
MUTANTS = {
    "lab3-no-merge": ("src/mm/page_alloc.c",
                      "\t\tif @(!page_is_buddy(buddy, buddy_pfn, start, span, order))\n\t\t\tbreak;",
                      "\t\tif @(1 || !page_is_buddy(buddy, buddy_pfn, start, span, order))\n"
                      "\t\t\tbreak;", 3, LAB3_ALL),
    "lab3-expand-lower-half": ("src/mm/page_alloc.c",
                               "\t\tadd_to_free_list@(&page[size], zone, high);",
                               "\t\tadd_to_free_list@(page, zone, high);\n\t\tpage += size;", 3,
                               {"take: the smallest block, split into upper halves",
                                "give: merges with free buddies", "random takes and gives"}),
    "lab3-wrong-buddy": ("src/mm/page_alloc.c", "\treturn pfn ^ @(1UL << order);",
                         "\treturn pfn + @(1UL << order);", 3, LAB3_ALL),
    "lab3-buddy-or": ("src/mm/page_alloc.c", "\treturn pfn ^ @(1UL << order);",
                      "\treturn pfn | @(1UL << order);", 3, LAB3_ALL),
    # no split: the take keeps the whole block; gives merge as they should
    "lab3-no-split": ("src/mm/page_alloc.c", "\t\texpand@(zone, page, order, o);\n"
                      "\t\tzone->free_pages -= 1UL << order;",
                      "\t\tzone->free_pages -= 1UL << o;", 3,
                      {"take: the smallest block, split into upper halves",
                       "give: merges with free buddies", "random takes and gives"}),
    "lab3-largest-block": ("src/mm/page_alloc.c",
                           "\tfor @(unsigned int o = order; o < NR_PAGE_ORDERS; o++) {",
                           "\tfor @(unsigned int o = NR_PAGE_ORDERS - 1; o + 1 > order; o--) {", 3,
                           {"take: the smallest block, split into upper halves"}),
    "lab1-drops-last-entry": ("src/arch/x86_64/multiboot2.c",
                              "entry_size@ <= size - off; off += entry_size",
                              "entry_size@ < size - off; off += entry_size", 1,
                              {"parse_mmap: maps GRUB gives"}),
    "lab1-any-entry-size": ("src/arch/x86_64/multiboot2.c",
                            "entry_size@ < MB2_MMAP_ENTRY_MIN || entry_size % 8",
                            "entry_size@ < MB2_MMAP_ENTRY_MIN", 1,
                            {"parse_mmap: odd entry sizes and bad tags"}),
    "lab2-pa-ignores-image": ("src/arch/x86_64/memlayout.h",
                              "\treturn@ x >= __START_KERNEL_map ? x - __START_KERNEL_map\n"
                              "\t\t\t\t       : x -@ PAGE_OFFSET;",
                              "\treturn@ x - PAGE_OFFSET;", 2, {"__va and __pa"}),
    "lab2-pfn-to-page-off-by-one": ("src/mm/mm.h", "\treturn@ mem_map + pfn;",
                                    "\treturn@ mem_map + pfn + 1;", 2,
                                    {"pfn_to_page and page_to_pfn",
                                     "mem_map: the boot hands the free RAM over"}),
    "lab4-no-watermarks": ("src/mm/page_alloc.c",
                           "\t\tif @(!(alloc_flags & ALLOC_NO_WATERMARKS) &&\n\t\t    !zone_watermark_ok(",
                           "\t\tif @(0 &&\n\t\t    !zone_watermark_ok(", 4,
                           {"the zone fallback and watermarks"}),
    "lab4-never-normal": ("src/mm/page_alloc.c",
                          "\tfor_each_zone_zonelist @(zone, highest) {\n\t\tstruct page *page;",
                          "\tfor_each_zone_zonelist @(zone, highest == ZONE_NORMAL ? ZONE_DMA32 : "
                          "highest)@ {\n\t\tstruct page *page;", 4,
                          {"the zone fallback and watermarks"}),
    "lab4-own-zone-reserve": ("src/mm/page_alloc.c", "highest,@ alloc_flags, false))",
                              "zone_idx@(zone), alloc_flags, false))", 4,
                              {"the zone fallback and watermarks"}),
    "lab4-min-mark-always": ("src/mm/page_alloc.c",
                             "zone->_watermark[alloc_flags@ & ALLOC_WMARK_MASK]",
                             "zone->_watermark[WMARK_MIN]", 4,
                             {"the zone fallback and watermarks"}),
    "lab4-physical-address": ("src/mm/page_alloc.c",
                              "\treturn page ? @(unsigned long)page_address(page) : 0;\n"
                              "\t/*@ LAB 4 END */\n}\n\nunsigned long get_zeroed_page",
                              "\treturn page ? @(unsigned long)page_to_phys(page) : 0;\n"
                              "\t/*@ LAB 4 END */\n}\n\nunsigned long get_zeroed_page", 4,
                              {"__get_free_pages: direct-map addresses, every order",
                               "get_zeroed_page: zeroed pages", "free_pages: frees exactly the block",
                               "the zone fallback and watermarks"}),
    "lab4-frees-misaligned": ("src/mm/page_alloc.c",
                              "\tif @(unlikely(addr & (PAGE_SIZE - 1))) {",
                              "\tif @(0 && unlikely(addr & (PAGE_SIZE - 1))) {", 4,
                              {"free_pages: frees exactly the block"}),
    "lab4-not-zeroed": ("src/mm/page_alloc.c", "alloc_page_fast@(gfp | __GFP_ZERO, _RET_IP_)",
                        "alloc_page_fast@(gfp, _RET_IP_)", 4, {"get_zeroed_page: zeroed pages"}),
    "lab5-never-drains": ("src/mm/page_alloc.c", STALE_DRAIN, "\t++pcp->count;\n", 5,
                          {"pcp: frees to the list, a batch back at high"}),
    "lab5-bulk-from-the-hot-end": ("src/mm/page_alloc.c",
                                   "\t\t\tlist_entry@(pcp->list.prev, struct page, lru);",
                                   "\t\t\tlist_entry@(pcp->list.next, struct page, lru);", 5,
                                   {"pcp: frees to the list, a batch back at high"}),
    "lab3-keeps-pg-buddy": ("src/mm/page_alloc.c",
                            "\t__ClearPageBuddy@(page);\n\tset_page_private(page, 0);\n"
                            "\tzone->free_area@[order].nr_free--;",
                            "\tset_page_private@(page, 0);\n\tzone->free_area@[order].nr_free--;", 3,
                            {"take: the smallest block, split into upper halves",
                             "give: merges with free buddies", "random takes and gives"}),
    "lab5-refill-at-head": ("src/mm/page_alloc.c",
                            "\t\tlist_add_tail@(&page->lru, &pcp->list);",
                            "\t\tlist_add@(&page->lru, &pcp->list);", 5,
                            {"pcp: refills of a batch, LIFO allocation"}),
}


def _u(text: str) -> str:
    """A text of MUTANTS as the source has it: without its @."""
    return text.replace("@", "")


def _copy_tree(dst: Path) -> None:
    """The sources and the built objects (kept current, so make rebuilds
    only what an edit touches)."""
    dst.mkdir(parents=True)
    shutil.copy2(REPO / "Makefile", dst / "Makefile")
    for d in ("src", "test/host"):
        shutil.copytree(REPO / d, dst / d)
    if (REPO / "build" / "host").is_dir():
        shutil.copytree(REPO / "build" / "host", dst / "build" / "host", symlinks=True)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_wrong_solution_fails_its_verdicts(built, tmp_path, name):
    path, old, new, lab, must_fail = MUTANTS[name]
    old, new = _u(old), _u(new)
    tree = tmp_path / "tree"
    _copy_tree(tree)
    f = tree / path
    text = f.read_text()
    assert text.count(old) >= 1, f"{name}: the reference text is not in {path}"
    f.write_text(text.replace(old, new))
    if name == "lab5-never-drains":  # the fast path drains on its own too
        t = f.read_text()
        t = t.replace(_u("\tif @(unlikely(++pcp->count >= pcp->high))\n"
                         "\t\tfree_pcppages_bulk@(page_zone(page), pcp, pcp->batch);\n"),
                      "\t++pcp->count;\n")
        f.write_text(t)
    _build(tree)
    for seed in (11, 12):
        verdicts = _grade(tree, lab, seed, tmp_path)
        failed = {n for n, v in verdicts.items() if not v.passed}
        assert must_fail <= failed, (name, seed, {n: v.output for n, v in verdicts.items()})
        for n in must_fail:
            assert verdicts[n].output  # a reason, for the student


def test_missing_harness_fails_with_a_reason(tmp_path):
    tree = tmp_path / "empty"
    tree.mkdir()
    verdicts = _grade(tree, 3, 1, tmp_path)
    assert not any(v.passed for v in verdicts.values())
    assert all("stopped early" in v.output or "no dump" in v.output
               for v in verdicts.values())


def test_garbled_dump_fails_with_a_reason(tmp_path):
    """A child that writes junk (as code under test might): every test fails,
    each with a clear reason, and nothing raises."""
    tree = tmp_path / "junk"
    (tree / "build" / "host").mkdir(parents=True)
    for exe in HARNESSES:
        p = tree / exe
        p.write_text("#!/bin/sh\nprintf '{\"step\": 0, \"zones\": 7}\\n{\"done\": true}\\n' > \"$1\"\n")
        p.chmod(0o755)
    for lab in (1, 2, 3, 4, 5):
        verdicts = _grade(tree, lab, 1, tmp_path)
        assert not any(v.passed for v in verdicts.values()), lab
