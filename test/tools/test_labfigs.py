"""test_labfigs.py - tools/labfigs.py reads the kernel's boot log and monitor
output (make dump transcripts) and make bench's table, and draws the lab
figures from them. The transcript below is cut from a real 128 MiB boot
(make lab-figures, BOOT_CMDS): the boot log's map lines, two walks, and the
pfnmap blocks with their first 0x7ec0 pfns kept once (HEAD) and the window
the figures draw written out. The 5 GiB lines and the bench table are real
too. Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import labfigs  # noqa: E402  (python3-matplotlib: scripts/install-deps.sh test)
from labfigs import LabfigsError, Range  # noqa: E402
from pfnmap import parse as parse_pfnmap  # noqa: E402

BOOT_LOG = """\
Pagewise 0.1: a teaching kernel for x86_64 physical memory
Firmware memory map (multiboot2, 7 entries):
mmap: [mem 0x0000000000000000-0x000000000009fbff] usable
mmap: [mem 0x000000000009fc00-0x000000000009ffff] reserved
mmap: [mem 0x00000000000f0000-0x00000000000fffff] reserved
mmap: [mem 0x0000000000100000-0x0000000007fdffff] usable
mmap: [mem 0x0000000007fe0000-0x0000000007ffffff] reserved
mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
mmap: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
memblock: reserve [mem 0x0000000000000000-0x00000000000fffff] first 1 MiB (BIOS data, EBDA, VGA, ROMs)
memblock: reserve [mem 0x0000000000100000-0x0000000000107fff] boot stub and page tables
memblock: reserve [mem 0x0000000000108000-0x0000000000151fff] kernel image
memblock: reserve [mem 0x00000000001bf000-0x00000000001bffff] multiboot2 information
Zone ranges:
  DMA      [mem 0x0000000000000000-0x0000000000ffffff]
  DMA32    [mem 0x0000000001000000-0x0000000007fdffff]
  Normal   empty
"""

MEMMAP = """\
what the kernel made of it (pfns 0 to max_pfn):
  [mem 0x0000000000000000-0x000000000009efff] memblock-reserved: 159 pages
  [mem 0x000000000009f000-0x00000000000fffff] not RAM: 97 pages
  [mem 0x0000000000100000-0x0000000000107fff] buddy: 8 free, 0 pcp, 0 allocated pages
  [mem 0x0000000000108000-0x000000000011cfff] kernel image: 21 pages
  [mem 0x000000000011d000-0x000000000011ffff] buddy: 3 free, 0 pcp, 0 allocated pages
  [mem 0x0000000000120000-0x0000000000151fff] kernel image: 50 pages
  [mem 0x0000000000152000-0x0000000007ed8fff] buddy: 32135 free, 0 pcp, 0 allocated pages
  [mem 0x0000000007ed9000-0x0000000007fd8fff] mem_map: 256 pages
  [mem 0x0000000007fd9000-0x0000000007fdffff] page tables: 7 pages
"""

WALK_4K = """\
walk 0xffff888007ed4abc: CR3 0x7fdf000
PGD[273] at 0x0000000007fdf888: 0x0000000007fde023 P RW A
PUD[  0] at 0x0000000007fde000: 0x0000000007fdd023 P RW A
PMD[ 63] at 0x0000000007fdd1f8: 0x0000000007fdc023 P RW A
PTE[212] at 0x0000000007fdc6a0: 0x8000000007ed4103 P RW G NX
phys: 0x0000000007ed4abc (4K page)
"""

WALK_2M = """\
walk 0xffff888000100000: CR3 0x7fdf000
PGD[273] at 0x0000000007fdf888: 0x0000000007fde023 P RW A
PUD[  0] at 0x0000000007fde000: 0x0000000007fdd023 P RW A
PMD[  0] at 0x0000000007fdd000: 0x80000000000001e3 P RW A D PS G NX
phys: 0x0000000000100000 (2M page)
"""

# The runs below pfn 0x7ec0, the same in every pfnmap block of the boot.
HEAD = ["0x0 0x9f R", "0x9f 0x100 H", "0x100 0x108 F3", "0x108 0x11d K", "0x11d 0x11e F0",
        "0x11e 0x120 F1", "0x120 0x152 K", "0x152 0x154 F1", "0x154 0x158 F2",
        "0x158 0x160 F3", "0x160 0x180 F5", "0x180 0x200 F7", "0x200 0x400 F9",
        "0x400 0x7c00 F10", "0x7c00 0x7e00 F9", "0x7e00 0x7e80 F7", "0x7e80 0x7ec0 F6"]
END = ["0x7ed9 0x7fd9 M", "0x7fd9 0x7fe0 T"]
AT_BOOT = ["0x7ec0 0x7ed0 F4", "0x7ed0 0x7ed8 F3", "0x7ed8 0x7ed9 F0"]
SPLIT = ["0x7ec0 0x7ed0 F4", "0x7ed0 0x7ed4 A2", "0x7ed4 0x7ed8 F2", "0x7ed8 0x7ed9 F0"]
REFILLED = ["0x7ec0 0x7ed0 F4", "0x7ed0 0x7ed6 P", "0x7ed6 0x7ed8 F1", "0x7ed8 0x7ed9 A0"]
FREED = ["0x7ec0 0x7ed0 F4", "0x7ed0 0x7ed6 P", "0x7ed6 0x7ed8 F1", "0x7ed8 0x7ed9 P"]


def pfnmap(window: list[str]) -> str:
    """A pfnmap block of the boot with @window's runs at 0x7ec0..0x7ed9."""
    runs = HEAD + window + END
    return "\n".join([f"pfnmap: v2 max_pfn 0x7fe0 runs {len(runs)}"]
                     + [f"pfnmap: {r}" for r in runs] + ["pfnmap: end"]) + "\n"


def buddyinfo(dma32: str) -> str:
    """The boot's two buddyinfo lines, DMA32's counts given as printed."""
    return ("Node 0, zone      DMA      1      2      1      2      0      1      0      1      0"
            "      1      3\n"
            f"Node 0, zone    DMA32{dma32}\n")


DMA32_AT_BOOT = "      1      0      0      1      1      0      1      1      0      1     27"
DMA32_SPLIT = "      1      0      1      0      1      0      1      1      0      1     27"


def pcp(count: int, pfns: list[int]) -> str:
    """The monitor's pcp output: DMA's empty list, DMA32's with @pfns."""
    return (f"pcp: zone DMA cpu 0: count 0 high 51 batch 1\n"
            f"pcp: zone DMA32 cpu 0: count {count} high 395 batch 7\n"
            + "".join(f"  pfn {p:#x}-{p:#x} [mem {p << 12:#018x}-{(p << 12) + 0xfff:#018x}]\n"
                      for p in pfns))


LISTED = [0x7ED0 + i for i in range(6)]
BOOT_TRANSCRIPT = (
    BOOT_LOG + "Pagewise: boot complete.\n"
    + "pagewise> memmap\n" + MEMMAP
    + "pagewise> walk 0xffff888007ed4abc\n" + WALK_4K
    + "pagewise> walk 0xffff888000100000\n" + WALK_2M
    + "pagewise> pfnmap\n" + pfnmap(AT_BOOT) + "pagewise> buddyinfo\n" + buddyinfo(DMA32_AT_BOOT)
    + "pagewise> alloc 2\nalloc: order 2 gfp 0xcc0: pfn 0x7ed0 [mem 0x0000000007ed0000-"
    "0x0000000007ed3fff] zone DMA32, held as #0\n"
    + "pagewise> pfnmap\n" + pfnmap(SPLIT) + "pagewise> buddyinfo\n" + buddyinfo(DMA32_SPLIT)
    + "pagewise> free #0\nfree: #0 pfn 0x7ed0 order 2 freed\n"
    + "pagewise> pfnmap\n" + pfnmap(AT_BOOT) + "pagewise> buddyinfo\n" + buddyinfo(DMA32_AT_BOOT)
    + "pagewise> pcp\n" + pcp(0, [])
    + "pagewise> alloc 0\nalloc: order 0 gfp 0xcc0: pfn 0x7ed8 [mem 0x0000000007ed8000-"
    "0x0000000007ed8fff] zone DMA32, held as #1\n"
    + "pagewise> pcp\n" + pcp(6, LISTED) + "pagewise> pfnmap\n" + pfnmap(REFILLED)
    + "pagewise> free #1\nfree: #1 pfn 0x7ed8 order 0 freed\n"
    + "pagewise> pcp\n" + pcp(7, [0x7ED8] + LISTED) + "pagewise> pfnmap\n" + pfnmap(FREED)
    + "pagewise> drain\ndrain: 7 pages from the per-CPU lists back to the buddy\n"
    + "pagewise> pcp\n" + pcp(0, []) + "pagewise> pfnmap\n" + pfnmap(AT_BOOT)
    + "pagewise> poweroff\nreboot: Power down\n")

ZONES_TRANSCRIPT = """\
Zone ranges:
  DMA      [mem 0x0000000000000000-0x0000000000ffffff]
  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]
  Normal   [mem 0x0000000100000000-0x000000017fffffff]
pagewise> zoneinfo
Node 0, zone      DMA
  pages free     3769
        min      6
        low      9
        high     12
        spanned  4096
        present  3999
        managed  3769
        protection: (0, 3055, 5055)
  pagesets
    cpu: 0
              count: 0
              high:  9
              batch: 1
Node 0, zone    DMA32
  pages free     782293
        min      1372
        low      2154
        high     2936
        managed  782293
        protection: (0, 0, 2000)
  pagesets
              high:  2154
Node 0, zone   Normal
  pages free     512000
        min      898
        low      1410
        high     1922
        managed  512000
        protection: (0, 0, 0)
pagewise> alloc 0
alloc: order 0 gfp 0xcc0: pfn 0x17cc00 [mem 0x000000017cc00000-0x000000017cc00fff] zone Normal, held as #0
pagewise> alloc 0 dma32
alloc: order 0 gfp 0xcc4: pfn 0xbffd4 [mem 0x00000000bffd4000-0x00000000bffd4fff] zone DMA32, held as #1
pagewise> alloc 0 dma
alloc: order 0 gfp 0xcc1: pfn 0x11d [mem 0x000000000011d000-0x000000000011dfff] zone DMA, held as #2
pagewise> selftest
ok 28 zone_dma32_below_4g
# order-10 blocks taken: 500 from Normal, then 763 from DMA32, then 3 from DMA
ok 29 zone_fallback_order
"""

BENCH = """\
Pagewise mm benchmark: src/mm (buddy) vs baselines, host build -O2, no sanitizers, gcc 12.2.0
host: AMD EPYC, 2 cores online
date: 2026-11-23 18:42:04
runs: 5 timed after 1 warm-up; seed 0x9e3779b97f4a7c15; ns per op: median, min, max

work      RAM  allocator      ops/run     median        min        max  x stack
order0     1G  buddy          1000000      14.18      11.29      19.97     4.05
order0     1G  buddy-nopcp    1000000      95.32      87.61      97.17    27.21
order0     1G  free stack     1000000       3.50       3.48       3.67     1.00

buddy: src/mm unchanged
"""


# --- Reading ----------------------------------------------------------------
def test_sections_cut_the_transcript_at_each_prompt():
    boot, secs = labfigs.sections(BOOT_TRANSCRIPT)
    assert boot[-1] == "Pagewise: boot complete."
    assert [c for c, _ in secs][:4] == ["memmap", "walk 0xffff888007ed4abc",
                                        "walk 0xffff888000100000", "pfnmap"]
    assert len(labfigs.outputs(secs, "pfnmap")) == 6
    assert labfigs.one_output(secs, "drain") == ["drain: 7 pages from the per-CPU lists back to the buddy"]
    with pytest.raises(LabfigsError, match="meminfo"):
        labfigs.one_output(secs, "meminfo")


def test_map_lines_become_ranges_with_exclusive_ends():
    lines = BOOT_LOG.splitlines()
    fw = labfigs.parse_mmap(lines)
    assert len(fw) == 7
    assert fw[0] == Range(0, 0x9FC00, "usable")
    assert fw[6] == Range(0xFD00000000, 0x10000000000, "reserved")
    res = labfigs.parse_reserved(lines)
    assert [r.what for r in res] == ["first 1 MiB (BIOS data, EBDA, VGA, ROMs)",
                                     "boot stub and page tables", "kernel image",
                                     "multiboot2 information"]
    assert res[2] == Range(0x108000, 0x152000, "kernel image")
    made = labfigs.parse_memmap_made(MEMMAP.splitlines())
    assert [r.what for r in made][:3] == ["memblock-reserved", "not RAM", "buddy"]
    assert made[-1] == Range(0x7FD9000, 0x7FE0000, "page tables")
    # the pieces tile [0, max_pfn) without a gap
    assert all(a.end == b.start for a, b in zip(made, made[1:]))


def test_even_axis_holds_every_boundary_once_in_order():
    lines = BOOT_LOG.splitlines()
    rows = [labfigs.parse_mmap(lines), labfigs.parse_reserved(lines)]
    axis = labfigs.even_axis(rows)
    assert axis == sorted(set(axis))
    assert axis[0] == 0 and axis[-1] == 0x10000000000
    assert 0x9FC00 in axis and 0x1C0000 in axis and 0xA0000 in axis


def test_walk_indexes_are_the_address_bits_and_chain_through_the_tables():
    walk = labfigs.parse_walk(WALK_4K.splitlines())
    assert walk.va == 0xFFFF888007ED4ABC and walk.cr3 == 0x7FDF000
    assert [s.level for s in walk.steps] == ["PGD", "PUD", "PMD", "PTE"]
    fields = labfigs.va_fields(walk)
    assert [f[3] for f in fields] == [0xFFFF, 273, 0, 63, 212, 0xABC]
    assert [(f[0], f[1]) for f in fields] == [(63, 48), (47, 39), (38, 30), (29, 21),
                                              (20, 12), (11, 0)]
    # each table is where the entry above points; the first is CR3
    assert walk.steps[0].table_pa == walk.cr3
    for up, down in zip(walk.steps, walk.steps[1:]):
        assert down.table_pa == up.value & 0x000FFFFFFFFFF000
    assert walk.phys == (walk.steps[-1].value & 0x000FFFFFFFFFF000) + 0xABC


def test_a_walk_ending_in_a_2m_page_has_a_21_bit_offset():
    walk = labfigs.parse_walk(WALK_2M.splitlines())
    assert walk.page == "2M" and len(walk.steps) == 3
    assert labfigs.va_fields(walk)[-1] == (20, 0, "offset", 0x100000)
    assert "PS" in walk.steps[-1].flags.split()


def test_a_walk_that_finds_no_page_is_refused():
    with pytest.raises(LabfigsError, match="reached no page"):
        labfigs.parse_walk(["walk 0x0: CR3 0x7fdf000",
                            "PGD[  0] at 0x0000000007fdf000: 0x0000000000000000"])


def test_buddyinfo_alloc_and_pcp_lines():
    info = labfigs.parse_buddyinfo(buddyinfo(DMA32_SPLIT).splitlines())
    assert info["DMA32"][2:4] == [1, 0] and len(info["DMA"]) == 11
    got = labfigs.parse_alloc(["alloc: order 2 gfp 0xcc0: pfn 0x7ed0 [mem 0x0000000007ed0000-"
                               "0x0000000007ed3fff] zone DMA32, held as #0"])
    assert got == labfigs.Alloc(0x7ED0, 2, "DMA32")
    lists = labfigs.parse_pcp(pcp(7, [0x7ED8] + LISTED).splitlines())
    assert lists["DMA32"].pfns == [0x7ED8] + LISTED
    assert (lists["DMA32"].count, lists["DMA32"].high, lists["DMA32"].batch) == (7, 395, 7)
    assert lists["DMA"].pfns == []
    with pytest.raises(LabfigsError, match="took nothing"):
        labfigs.parse_alloc(["alloc: order 11 is above MAX_ORDER"])


def test_window_is_aligned_and_split_block_by_block():
    (block,) = parse_pfnmap(pfnmap(SPLIT))
    lo, hi = labfigs.window(0x7ED0, 2, block)
    assert (lo, hi) == (0x7EC0, 0x7EE0)
    assert labfigs.window(0x7FD8, 0, block) == (0x7FC0, 0x7FE0)  # cut at max_pfn
    pieces = labfigs.window_runs(block, lo, hi)
    assert pieces[:4] == [(0x7EC0, 0x7ED0, "F4"), (0x7ED0, 0x7ED4, "A2"),
                          (0x7ED4, 0x7ED8, "F2"), (0x7ED8, 0x7ED9, "F0")]
    assert pieces[-1] == (0x7ED9, 0x7EE0, "M")  # a plain run is one piece, cut at the window
    (listed,) = parse_pfnmap(pfnmap(REFILLED))
    p = [x for x in labfigs.window_runs(listed, lo, hi) if x[2] == "P"]
    assert p == [(pfn, pfn + 1, "P") for pfn in LISTED]  # a cell per listed page


def test_zone_lines_and_the_fallback_order():
    boot, secs = labfigs.sections(ZONES_TRANSCRIPT)
    ranges = labfigs.parse_zone_ranges(boot)
    assert ranges["Normal"] == Range(0x100000000, 0x180000000, "Normal")
    assert labfigs.parse_zone_ranges(BOOT_LOG.splitlines())["Normal"] is None
    info = labfigs.parse_zoneinfo(labfigs.one_output(secs, "zoneinfo"))
    assert info["DMA"]["high"] == 12  # the watermark, not the pageset's "high:  9"
    assert info["DMA32"]["protection"] == (0, 0, 2000)
    assert info["Normal"]["managed"] == 512000
    assert labfigs.parse_fallback(labfigs.one_output(secs, "selftest")) == [
        ("Normal", 500), ("DMA32", 763), ("DMA", 3)]
    with pytest.raises(LabfigsError, match="self-test"):
        labfigs.parse_fallback(["ok 29 zone_fallback_order"])


def test_bench_order0_medians_and_header():
    rows = labfigs.order0_medians(BENCH)
    assert rows["buddy"] == (14.18, 11.29, 19.97)
    assert rows["free stack"][0] == 3.5
    assert labfigs.bench_header(BENCH) == "AMD EPYC, 2 cores online, 2026-11-23 18:42:04"
    with pytest.raises(LabfigsError, match="bench"):
        labfigs.order0_medians("no table here")


# --- Drawing ------------------------------------------------------------------
def saved(tmp_path: Path, bench: bool = True) -> Path:
    """A --work directory holding the transcripts make lab-figures keeps."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "boot-128M.txt").write_text(BOOT_TRANSCRIPT)
    (work / "zones-5G.txt").write_text(ZONES_TRANSCRIPT)
    if bench:
        (work / "bench.txt").write_text(BENCH)
    return work


def test_reuse_draws_every_figure_as_png_and_svg(tmp_path, capsys):
    out = tmp_path / "images"
    assert labfigs.main(["--reuse", "--work", str(saved(tmp_path)), "--out", str(out)]) == 0
    stems = ["lab1-memory-map", "lab2-page-walk", "lab3-split-merge", "lab4-zones", "lab5-pcp",
             "lab5-bench"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    for s in stems:
        assert (out / f"{s}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = {s: (out / f"{s}.svg").read_text() for s in stems}
    # each figure carries the numbers of its transcript, as text
    assert "multiboot2" in svg["lab1-memory-map"] and "0x1bf000" in svg["lab1-memory-map"]
    assert "PGD index" in svg["lab2-page-walk"] and "0x7ed4abc" in svg["lab2-page-walk"]
    assert "0x8000000007ed4103" in svg["lab2-page-walk"]
    assert "pfn 0x7ed0, order 2" in svg["lab3-split-merge"] and "A2" in svg["lab3-split-merge"]
    assert "500 from Normal" in svg["lab4-zones"] and "pfn 0xbffd4" in svg["lab4-zones"]
    assert "count 7, high 395, batch 7" in svg["lab5-pcp"]
    assert "14.2 ns" in svg["lab5-bench"]
    assert capsys.readouterr().out.count("labfigs: wrote") == 6


def test_no_bench_leaves_its_figure_out(tmp_path):
    out = tmp_path / "images"
    work = saved(tmp_path, bench=False)
    assert labfigs.main(["--reuse", "--no-bench", "--work", str(work), "--out", str(out)]) == 0
    assert not (out / "lab5-bench.png").exists() and (out / "lab5-pcp.svg").exists()


def test_reuse_without_saved_transcripts_says_what_is_missing(tmp_path, capsys):
    work = tmp_path / "empty"
    work.mkdir()
    assert labfigs.main(["--reuse", "--work", str(work), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "boot-128M, zones-5G, bench" in err and "without --reuse" in err
    assert not (tmp_path / "o").exists()


def test_a_boot_without_normal_memory_cannot_draw_lab4(tmp_path, capsys):
    work = saved(tmp_path)
    monitor = ZONES_TRANSCRIPT[ZONES_TRANSCRIPT.index("pagewise> zoneinfo"):]
    (work / "zones-5G.txt").write_text(BOOT_LOG + monitor)  # the 128 MiB zones: Normal empty
    assert labfigs.main(["--reuse", "--work", str(work), "--out", str(tmp_path / "o")]) == 1
    assert "all three zones (MEM=5G)" in capsys.readouterr().err
