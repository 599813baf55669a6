"""test_memplot.py - tools/pfnmap.py reads pfnmap v1 and v2 blocks
(docs/memplot.md) and refuses broken ones; tools/memplot draws each pfn's
state where the grid layout says, in the colour its code has. Fixtures are
made by hand to the spec: qemu-128m.txt (a "before" and an "after" block,
with GRUB's escape sequences and \\r\\n line ends) and qemu-6g.txt (a 1 GiB
hole below 4 GiB), both v1; the v2 blocks (code P) are built here.
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(TOOLS))

import memplot  # noqa: E402  (python3-matplotlib: scripts/install-deps.sh test)
from pfnmap import PfnmapError, Run, parse, parse_code, payloads  # noqa: E402

SMALL = (FIXTURES / "qemu-128m.txt").read_text()
BIG = (FIXTURES / "qemu-6g.txt").read_text()
COLOUR_TOLERANCE = 2 / 255  # PNG stores 8 bits a channel


def block_text(max_pfn: int, runs: list[str], declared: int | None = None,
               end: bool = True, version: int = 1) -> str:
    """A pfnmap block as the kernel prints it; @declared overrides the
    header's run count."""
    n = len(runs) if declared is None else declared
    lines = [f"pfnmap: v{version} max_pfn {max_pfn:#x} runs {n}"] + [f"pfnmap: {r}" for r in runs]
    return "\n".join(lines + (["pfnmap: end"] if end else [])) + "\n"


# A small valid block: 2 MiB, every code once.
TINY_RUNS = ["0x0 0x9f R", "0x9f 0x100 H", "0x100 0x104 T", "0x104 0x110 K",
             "0x110 0x111 A0", "0x111 0x112 F0", "0x112 0x114 F1", "0x114 0x118 A2",
             "0x118 0x120 F3", "0x120 0x140 F5", "0x140 0x180 F6", "0x180 0x1f0 M",
             "0x1f0 0x200 R"]


# --- Parser: valid blocks ---------------------------------------------------
def test_parse_tiny_block_reads_every_run():
    (block,) = parse(block_text(0x200, TINY_RUNS))
    assert block.max_pfn == 0x200 and block.number == 1 and block.line == 1
    assert [r.code for r in block.runs] == [r.split()[2] for r in TINY_RUNS]
    assert block.runs[5] == Run(0x111, 0x112, "F", 0)
    assert block.runs[3] == Run(0x104, 0x110, "K", -1)


def test_parse_counts_pages_and_free_blocks():
    (block,) = parse(block_text(0x200, TINY_RUNS))
    assert block.pages("F") == 1 + 2 + 8 + 0x20 + 0x40
    assert block.pages("A") == 1 + 4
    assert block.ram_pages() == 0x200 - (0x100 - 0x9f)
    assert block.free_blocks() == [1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0]


def test_parse_run_of_many_blocks_counts_each():
    (block,) = parse(block_text(0x7c00, ["0x0 0x400 R", "0x400 0x7c00 F10"]))
    assert block.runs[1].nr_blocks == 30
    assert block.free_blocks()[10] == 30


def test_parse_fixture_finds_both_blocks_through_escapes_and_crlf():
    before, after = parse(SMALL)
    assert (before.number, after.number) == (1, 2)
    assert before.max_pfn == after.max_pfn == 0x7fe0
    assert len(before.runs) == 26 and len(after.runs) == 60
    assert before.line == 6  # the header's line in the transcript
    assert before.free_blocks()[10] == 30 and after.free_blocks()[10] == 27


def test_parse_ignores_escape_sequences_inside_a_line():
    text = "\x1b[0m\x1b[37mpfnmap: v1 max_pfn 0x10 runs 1\r\r\npfnmap: 0x0 0x10 F4\x1b[K\r\npfnmap: end\r\n"
    (block,) = parse(text)
    assert block.runs == [Run(0, 0x10, "F", 4)]


def test_payloads_skip_lines_that_only_mention_pfnmap():
    text = 'Command line: run="pfnmap; poweroff"\npagewise> pfnmap\npfnmap: end\n'
    assert payloads(text) == [(3, "end")]


def test_parse_accepts_unmerged_neighbours_with_the_same_code():
    (block,) = parse(block_text(0x800, ["0x0 0x400 F10", "0x400 0x800 F10"]))
    assert block.free_blocks()[10] == 2


# A v2 block: TINY_RUNS with pages on per-CPU lists (P), which need no
# alignment: 0x110 is allocated, 0x111..0x113 and 0x1f0 are listed.
PCP_RUNS = ["0x0 0x9f R", "0x9f 0x100 H", "0x100 0x104 T", "0x104 0x110 K", "0x110 0x111 A0",
            "0x111 0x114 P", "0x114 0x118 A2", "0x118 0x120 F3", "0x120 0x140 F5", "0x140 0x180 F6",
            "0x180 0x1f0 M", "0x1f0 0x1f1 P", "0x1f1 0x200 R"]


def test_parse_v2_block_reads_per_cpu_runs():
    (block,) = parse(block_text(0x200, PCP_RUNS, version=2))
    assert block.version == 2 and block.runs[5] == Run(0x111, 0x114, "P", -1)
    assert block.runs[5].code == "P" and block.runs[5].nr_blocks == 0
    assert block.pages("P") == 4 and block.pages("F") == 8 + 0x20 + 0x40
    assert block.free_pages() == block.pages("F") + 4
    assert block.free_blocks() == [0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0]  # buddyinfo: no P in it
    assert parse(SMALL)[0].version == 1  # v1 dumps stay readable


@pytest.mark.parametrize("code,kind,order", [
    ("H", "H", -1), ("M", "M", -1), ("F0", "F", 0), ("F10", "F", 10), ("A7", "A", 7)])
def test_parse_code_known(code, kind, order):
    assert parse_code(code) == (kind, order)


@pytest.mark.parametrize("code", ["X", "F11", "A", "F", "F01", "f3", "K1", "FF", "P0", "p"])
def test_parse_code_unknown(code):
    with pytest.raises(PfnmapError, match="unknown code"):
        parse_code(code)


def test_parse_code_p_is_new_in_v2():
    assert parse_code("P") == parse_code("P", 2) == ("P", -1)
    with pytest.raises(PfnmapError, match=r"unknown code 'P' in v1 \(want H R K M T, F0"):
        parse_code("P", 1)


# --- Parser: each rejection -------------------------------------------------
REJECTIONS = {
    # name: (transcript, words the message must contain)
    "no_block": ("Pagewise 0.5\nreboot: Power down\n", "no pfnmap block"),
    "truncated_at_eof": (block_text(0x200, TINY_RUNS, end=False), "truncated"),
    "truncated_by_next_header": (block_text(0x200, TINY_RUNS[:3], end=False)
                                 + block_text(0x200, TINY_RUNS), "truncated"),
    "runs_short_of_max_pfn": (block_text(0x200, TINY_RUNS[:-1]), "not at max_pfn 0x200"),
    "run_past_max_pfn": (block_text(0x1f8, TINY_RUNS), "past max_pfn"),
    "overlap": (block_text(0x200, TINY_RUNS[:2] + ["0xf0 0x104 T"] + TINY_RUNS[3:]), "overlaps"),
    "out_of_order": (block_text(0x200, TINY_RUNS[:3] + TINY_RUNS[1:2] + TINY_RUNS[3:]), "out of order"),
    "gap": (block_text(0x200, TINY_RUNS[:2] + ["0x101 0x104 T"] + TINY_RUNS[3:]), "gap"),
    "first_run_not_at_0": (block_text(0x200, ["0x1 0x200 R"]), "gap"),
    "empty_run": (block_text(0x200, ["0x0 0x0 R", "0x0 0x200 R"]), "empty"),
    "unknown_code": (block_text(0x200, TINY_RUNS[:1] + ["0x9f 0x100 X"] + TINY_RUNS[2:]), "unknown code"),
    "order_above_max": (block_text(0x800, ["0x0 0x800 F11"]), "unknown code"),
    "runs_count_high": (block_text(0x200, TINY_RUNS, declared=14), "says 14"),
    "runs_count_low": (block_text(0x200, TINY_RUNS, declared=12), "says 12"),
    "misaligned_block": (block_text(0x200, ["0x0 0x1 R", "0x1 0x3 F1", "0x3 0x200 R"]), "naturally aligned"),
    "partial_block": (block_text(0x200, ["0x0 0x4 F1", "0x4 0x7 F1", "0x7 0x200 R"]), "naturally aligned"),
    "bad_run_line": (block_text(0x200, ["0x0 0x200"]), "bad run line"),
    "decimal_pfn": (block_text(0x200, ["0 0x200 R"]), "bad run line"),
    "bad_header": ("pfnmap: v1 max_pfn 512 runs 1\npfnmap: 0x0 0x200 R\npfnmap: end\n", "bad header"),
    "other_version": ("pfnmap: v3 max_pfn 0x200 runs 1\npfnmap: 0x0 0x200 R\npfnmap: end\n", "v3 is not supported"),
    "pcp_code_in_v1": (block_text(0x200, TINY_RUNS[:4] + ["0x110 0x111 P"] + TINY_RUNS[5:]), "unknown code 'P' in v1"),
    "pcp_code_with_order": (block_text(0x200, TINY_RUNS[:4] + ["0x110 0x111 P0"] + TINY_RUNS[5:], version=2),
                            "unknown code 'P0'"),
    "zero_max_pfn": ("pfnmap: v1 max_pfn 0x0 runs 0\npfnmap: end\n", "max_pfn is 0"),
    "run_outside_block": ("pfnmap: 0x0 0x200 R\n", "outside a block"),
    "end_outside_block": (block_text(0x200, TINY_RUNS) + "pfnmap: end\n", "outside a block"),
    "good_then_bad": (SMALL + block_text(0x200, TINY_RUNS[:-1]), "block 3"),
}


@pytest.mark.parametrize("name", REJECTIONS)
def test_parse_rejects(name):
    text, words = REJECTIONS[name]
    with pytest.raises(PfnmapError, match=words):
        parse(text)


def test_rejection_names_the_line():
    text = "noise\n" + block_text(0x200, TINY_RUNS[:2] + ["0x101 0x104 T"] + TINY_RUNS[3:])
    with pytest.raises(PfnmapError, match=r"^line 5: run 0x101\.\.0x104 leaves a gap"):
        parse(text)


# --- Layout -----------------------------------------------------------------

def test_layout_small_machine_uses_one_mib_rows():
    before, _ = parse(SMALL)
    lay = memplot.layout(before)
    assert lay.ppc == 4 and lay.row_pfns == 0x100 and lay.rows == 128
    assert lay.cell_of(0x108) == (1, 2)  # first kernel page
    assert lay.cell_of(0x7fdf) == (127, 0xdf // 4)


def test_layout_tiny_machine_draws_one_pfn_per_cell():
    lay = memplot.layout(parse(block_text(0x200, TINY_RUNS))[0])
    assert (lay.ppc, lay.rows) == (1, 8)


def test_layout_compresses_the_hole_below_4g_into_one_row():
    (block,) = parse(BIG)
    lay = memplot.layout(block)
    assert lay.ppc == 256 and lay.row_pfns == 0x4000
    holes = [(lay.row_start[r], lay.hole_end[r]) for r in range(lay.rows) if lay.hole_end[r]]
    assert holes == [(0xc0000, 0x100000)]  # 0xbffe0..0xc0000 stays in the row before
    assert lay.rows == 0x1c0000 // 0x4000 - 16 + 1
    hole_row = lay.row_start.index(0xc0000)
    assert lay.cell_of(0xd0000) == (hole_row, 0)
    assert lay.cell_of(0x100000) == (hole_row + 1, 0)


def test_layout_keeps_a_short_hole_in_place():
    runs = ["0x0 0x100 F8", "0x100 0x1c0 H", "0x1c0 0x200 F6", "0x200 0x400 F9"]  # 3 rows
    lay = memplot.layout(parse(block_text(0x400, runs))[0])
    assert not any(lay.hole_end) and lay.row_start == list(range(0, 0x400, 0x40))


def test_layout_huge_machine_fits_in_max_rows():
    runs = ["0x0 0x100 R", "0x100 0x400 F8", "0x400 0x1000000 F10"]  # 64 GiB
    lay = memplot.layout(parse(block_text(0x1000000, runs))[0])
    assert lay.rows <= memplot.MAX_ROWS and lay.ppc == 2048


def test_cells_kernel_structures_win_over_the_majority():
    (block,) = parse(BIG)
    lay = memplot.layout(block)
    grid = memplot.cells(block, lay)
    # cell 1 holds T (12 pages), K (52), F6, F7 (192): K is shown
    assert grid[0, 1] == memplot.CAT["K"]
    assert grid[0, 0] == memplot.CAT["R"]  # R 159 pages beat H 97
    assert grid[0, 2] == memplot.CAT["F9"]


def test_cells_tie_goes_to_the_category_listed_first():
    runs = ["0x0 0x2 A1", "0x2 0x4 F1", "0x4 0x8 F2", "0x8 0x8000 R"]
    block = parse(block_text(0x8000, runs))[0]
    lay = memplot.layout(block)
    assert lay.ppc == 4  # 0x8000 pfns: 128 rows of 64 cells
    grid = memplot.cells(block, lay)
    assert grid[0, 0] == memplot.CAT["A"]  # 2 allocated, 2 free: A is listed first


def test_cells_per_cpu_pages_are_their_own_state():
    runs = ["0x0 0x3 P", "0x3 0x4 F0", "0x4 0x6 P", "0x6 0x8 F1", "0x8 0x8000 R"]
    block = parse(block_text(0x8000, runs, version=2))[0]
    grid = memplot.cells(block, memplot.layout(block))  # 4 pfns a cell
    assert grid[0, 0] == memplot.CAT["P"]  # 3 P beat 1 F0
    assert grid[0, 1] == memplot.CAT["P"]  # 2 P and 2 F1: P is listed first
    assert memplot.CATEGORIES.index("P") < memplot.CATEGORIES.index("F0")


def test_cells_beyond_max_pfn_are_past():
    block = parse(SMALL)[0]
    grid = memplot.cells(block, memplot.layout(block))
    assert grid[127, 63] == memplot.PAST and grid[127, 0x1c // 4] == memplot.CAT["M"]


def test_boundaries_only_for_blocks_of_a_cell_or_more():
    (block,) = parse(block_text(0x200, TINY_RUNS))
    segs = memplot.boundaries(block, memplot.layout(block))  # ppc 1: all buddy blocks
    assert ((0x12, 4), (0x12, 5)) in segs  # F1 at 0x112: row 4, column 0x12
    before = parse(SMALL)[0]
    segs = memplot.boundaries(before, memplot.layout(before))  # ppc 4: orders >= 2
    assert ((0x38 // 4, 1), (0x38 // 4, 2)) in segs  # F3 at 0x138
    assert ((0x34 // 4, 1), (0x34 // 4, 2)) in segs  # F2 at 0x134
    assert ((0x30 // 4, 1), (0x30 // 4, 2)) not in segs  # F0 at 0x130 shares its cell


def test_human_sizes():
    assert [memplot.human(n) for n in (0, 4096, 3 << 20, 3 << 29, 1 << 40)] == \
        ["0 B", "4 KiB", "3 MiB", "1.5 GiB", "1 TiB"]


# --- Rendering --------------------------------------------------------------
def run_memplot(*args) -> subprocess.CompletedProcess:
    """memplot.main in this process (matplotlib is imported once), with its
    exit status and output as subprocess.run would give them."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = memplot.main([str(a) for a in args])
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def colour_at(png, lay, pfn, panel=0, panels=1, part="map", zoomed=False):
    import matplotlib.image

    x, y = memplot.pixel_of(lay, pfn, panel, panels, part, zoomed)
    return matplotlib.image.imread(png)[y, x, :3]


def assert_colour(png, lay, pfn, code, panel=0, panels=1, part="map", zoomed=False):
    """The cell drawing @pfn in @part of panel @panel has @code's colour
    (code None: beyond max_pfn)."""
    got = colour_at(png, lay, pfn, panel, panels, part, zoomed)
    want = memplot.colour_of(code) if code else memplot.to_rgb(memplot.PAST_COLOUR)
    assert max(abs(g - w) for g, w in zip(got, want)) <= COLOUR_TOLERANCE, \
        f"pfn {pfn:#x} in the {part}: got {got}, want {code} {want}"


@pytest.fixture(scope="module")
def small_pictures(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    last = run_memplot(FIXTURES / "qemu-128m.txt", "-o", out / "last.png")
    both = run_memplot(FIXTURES / "qemu-128m.txt", "--all", "-o", out / "both.png",
                       "--svg", out / "both-svg.svg", "--title", "before and after")
    assert last.returncode == 0 and both.returncode == 0, last.stderr + both.stderr
    return out


def test_render_writes_png_of_the_documented_size(small_pictures, tmp_path):
    import matplotlib.image

    # docs/memplot.md: 1520 x 1294 for one block with the zoom strips,
    # 1520 x 950 without; 1100 wider for each further block.
    assert memplot.figure_size(1, zoomed=True) == (1520, 1294)
    assert memplot.figure_size(2, zoomed=True) == (2620, 1294)
    assert memplot.figure_size(1) == (1520, 950)
    width, height = memplot.figure_size(1, zoomed=True)
    assert matplotlib.image.imread(small_pictures / "last.png").shape[:2] == (height, width)
    width, height = memplot.figure_size(2, zoomed=True)
    assert matplotlib.image.imread(small_pictures / "both.png").shape[:2] == (height, width)
    assert run_memplot(FIXTURES / "qemu-128m.txt", "--no-zoom", "-o", tmp_path / "n.png").returncode == 0
    width, height = memplot.figure_size(1)
    assert matplotlib.image.imread(tmp_path / "n.png").shape[:2] == (height, width)


def test_render_colours_cells_by_their_code(small_pictures):
    before, after = parse(SMALL)
    lay = memplot.layout(after)
    png = small_pictures / "last.png"  # the last block: after
    for pfn, code in ((0x2000, "F10"), (0x110, "K"), (0x900, "A10"), (0x7f00, "M"), (0x50, "R"),
                      (0xf0, "H"), (0x408, "F3")):
        assert_colour(png, lay, pfn, code, zoomed=True)


def test_render_side_by_side_shows_before_and_after(small_pictures):
    before, after = parse(SMALL)
    png = small_pictures / "both.png"
    assert_colour(png, memplot.layout(before), 0x900, "F10", 0, 2, zoomed=True)
    assert_colour(png, memplot.layout(after), 0x900, "A10", 1, 2, zoomed=True)
    # each panel its own strips: 0x130 was free before, allocated after
    first_before, _ = memplot.zoom_layouts(before)
    assert_colour(png, first_before, 0x130, "F0", 0, 2, "first", True)
    assert_colour(png, first_before, 0x130, "A0", 1, 2, "first", True)


def test_render_writes_svg_with_legend_text(small_pictures):
    svg = (small_pictures / "last.svg").read_text()  # default: beside the PNG
    assert svg.startswith("<?xml") and "kernel image" in svg and "mem_map" in svg
    named = (small_pictures / "both-svg.svg").read_text()
    assert "before and after" in named and "free, order 10" in named


def test_render_draws_per_cpu_pages_in_their_colour(tmp_path):
    (tmp_path / "pcp.txt").write_text(block_text(0x200, PCP_RUNS, version=2))
    done = run_memplot(tmp_path / "pcp.txt", "-o", tmp_path / "pcp.png")
    assert done.returncode == 0, done.stderr
    lay = memplot.layout(parse(block_text(0x200, PCP_RUNS, version=2))[0])
    assert lay.ppc == 1
    for pfn in (0x111, 0x113, 0x1f0):
        assert_colour(tmp_path / "pcp.png", lay, pfn, "P")
    assert_colour(tmp_path / "pcp.png", lay, 0x110, "A0")
    assert_colour(tmp_path / "pcp.png", lay, 0x118, "F3")
    svg = (tmp_path / "pcp.svg").read_text()
    assert "P  free, per-CPU list: 4 pages" in svg and "(4 on per-CPU lists)" in svg
    assert all(max(abs(a - b) for a, b in zip(memplot.colour_of("P"), memplot.colour_of(c))) > 0.1
               for c in memplot.CATEGORIES if c != "P")  # a colour of its own


# --- Zoom strips: the first and last 2 MiB at one page a cell ---------------
def test_zoom_layouts_cover_the_first_and_last_2_mib_by_whole_rows():
    _, after = parse(SMALL)  # max_pfn 0x7fe0: the last row is half past it
    first, last = memplot.zoom_layouts(after)
    assert first.ppc == last.ppc == 1 and first.rows == last.rows == memplot.ZOOM_ROWS == 8
    assert first.row_start == list(range(0, 0x200, 64)) and not any(first.hole_end)
    assert last.row_start == list(range(0x7e00, 0x8000, 64))
    assert last.cell_of(0x7ed8) == (3, 0x18)


def test_zoom_only_when_a_map_cell_holds_more_than_one_page():
    tiny = parse(block_text(0x200, TINY_RUNS))
    assert memplot.layout(tiny[0]).ppc == 1 and not memplot.shows_zoom(tiny)
    assert memplot.shows_zoom(parse(SMALL)) and memplot.shows_zoom(parse(BIG))
    assert not memplot.shows_zoom(parse(SMALL), zoom=False)


def test_zoom_cells_and_edges_are_per_page():
    _, after = parse(SMALL)
    first, last = memplot.zoom_layouts(after)
    grid = memplot.cells(after, first)
    assert grid[4, 0x30] == memplot.CAT["A"] and grid[4, 0x32] == memplot.CAT["F1"]  # 0x130, 0x132
    grid = memplot.cells(after, last)
    assert grid[3, 0x18] == memplot.CAT["F0"] and grid[3, 0x19] == memplot.CAT["M"]  # 0x7ed8, 0x7ed9
    assert grid[7, 0x1f] == memplot.CAT["R"] and grid[7, 0x20] == memplot.PAST  # 0x7fdf, 0x7fe0
    segs = memplot.boundaries(after, last)
    assert ((0x18, 3), (0x18, 4)) in segs  # the F0 page at 0x7ed8
    assert all(0 <= y <= last.rows for seg in segs for _, y in seg)  # none outside the strip


def test_render_zoom_shows_pages_the_map_hides(small_pictures):
    """In the map (4 pages a cell) the grouping rule hides single pages;
    the strips show each page in its own colour."""
    _, after = parse(SMALL)
    lay = memplot.layout(after)
    first, last = memplot.zoom_layouts(after)
    png = small_pictures / "last.png"
    assert_colour(png, lay, 0x132, "A0", zoomed=True)  # A0 0x130-0x131 wins the tie
    assert_colour(png, first, 0x132, "F1", part="first", zoomed=True)
    assert_colour(png, first, 0x130, "A0", part="first", zoomed=True)
    assert_colour(png, lay, 0x7ed8, "M", zoomed=True)  # mem_map wins any cell it touches
    assert_colour(png, last, 0x7ed8, "F0", part="last", zoomed=True)
    assert_colour(png, last, 0x7ebc, "F1", part="last", zoomed=True)
    assert_colour(png, last, 0x7ebe, "A1", part="last", zoomed=True)
    assert_colour(png, last, 0x7fdf, "R", part="last", zoomed=True)
    assert_colour(png, last, 0x7fe0, None, part="last", zoomed=True)  # beyond max_pfn
    assert_colour(png, first, 0x50, "R", part="first", zoomed=True)
    assert_colour(png, first, 0xa0, "H", part="first", zoomed=True)
    svg = (small_pictures / "last.svg").read_text()
    assert "first 2 MiB, one page a cell: pfn 0x0-0x1ff" in svg
    assert "last 2 MiB, one page a cell: pfn 0x7e00-0x7fdf (max_pfn 0x7fe0)" in svg
    assert "drawn below at one page a cell (first, last 2 MiB)" in svg


# --- Colours: every free order its own --------------------------------------
def _lab(rgb) -> tuple[float, float, float]:
    """sRGB (0..1) to CIE L*a*b* (D65)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = [sum(m * c for m, c in zip(row, lin)) / w for row, w in zip(
        ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)),
        (0.95047, 1.0, 1.08883))]
    f = [t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(rgb1, rgb2) -> float:
    """CIEDE2000 colour difference of two sRGB colours: about 1 is just
    noticeable; above 10 two colours read as different ones."""
    return delta_e_lab(_lab(rgb1), _lab(rgb2))


def delta_e_lab(lab1, lab2) -> float:
    """CIEDE2000 of two L*a*b* colours, as Sharma, Wu and Dalal write it out
    (Color Research & Application 30(1), 2005)."""
    from math import atan2, cos, degrees, exp, hypot, radians, sin, sqrt

    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (hypot(a1, b1) + hypot(a2, b2)) / 2
    g = 0.5 * (1 - sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = hypot(a1, b1), hypot(a2, b2)
    h1, h2 = degrees(atan2(b1, a1)) % 360, degrees(atan2(b2, a2)) % 360
    dh = 0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * sqrt(c1 * c2) * sin(radians(dh / 2))
    l_bar, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * cos(radians(h_bar - 30)) + 0.24 * cos(radians(2 * h_bar))
         + 0.32 * cos(radians(3 * h_bar + 6)) - 0.20 * cos(radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    r_t = -sin(radians(60 * exp(-((h_bar - 275) / 25) ** 2))) * 2 * sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7))
    return sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


@pytest.mark.parametrize("lab1, lab2, want", [
    # pairs 1, 7, 17 and 18 of Sharma, Wu and Dalal's test data
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, 0, 0), (50, -1, 2), 2.3669),
    ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ((50, 2.5, 0), (61, -5, 29), 22.8977),
])
def test_delta_e_matches_published_pairs(lab1, lab2, want):
    assert delta_e_lab(lab1, lab2) == pytest.approx(want, abs=1e-4)


def test_delta_e_of_srgb():
    assert delta_e((0.2, 0.4, 0.6), (0.2, 0.4, 0.6)) == 0
    assert delta_e((0, 0, 0), (1, 1, 1)) == pytest.approx(100, abs=0.01)  # L* 0 to 100


def test_every_free_order_has_a_colour_far_from_every_other_legend_colour():
    legend = {code: memplot.colour_of(code) for code in memplot.CATEGORIES}
    legend["beyond max_pfn"] = memplot.to_rgb(memplot.PAST_COLOUR)
    close = [(a, b, round(delta_e(legend[a], legend[b]), 1))
             for a in legend if a.startswith("F") for b in legend
             if b != a and not (b.startswith("F") and int(b[1:]) < int(a[1:]))
             and delta_e(legend[a], legend[b]) < memplot.FREE_MIN_DELTA_E]
    assert not close, f"free-order colours too alike (CIEDE2000 < {memplot.FREE_MIN_DELTA_E}): {close}"
    assert len(set(memplot.FREE_COLOURS)) == memplot.MAX_PAGE_ORDER + 1


def test_small_free_orders_are_lighter_than_large_ones():
    """Light for small blocks, dark for large: L* of orders 0-4 above that of 6-10."""
    lightness = [_lab(memplot.free_colour(o))[0] for o in range(memplot.MAX_PAGE_ORDER + 1)]
    assert min(lightness[:5]) > max(lightness[6:])


def test_render_big_machine_marks_the_hole(tmp_path):
    done = run_memplot(FIXTURES / "qemu-6g.txt", "-o", tmp_path / "big.png", "--no-svg")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "big.svg").exists()
    (block,) = parse(BIG)
    lay = memplot.layout(block)
    png = tmp_path / "big.png"
    for pfn, code in ((0x50000, "F10"), (0x1bc000, "A10"), (0x1be000, "M"), (0x100, "K")):
        assert_colour(png, lay, pfn, code, zoomed=True)


def test_cli_picks_a_block_by_number(tmp_path):
    done = run_memplot(FIXTURES / "qemu-128m.txt", "--block", "1", "-o", tmp_path / "b1.png")
    assert done.returncode == 0 and "block 1 of 2" in done.stdout
    lay = memplot.layout(parse(SMALL)[0])
    assert_colour(tmp_path / "b1.png", lay, 0x900, "F10", zoomed=True)


def test_script_writes_build_memory_by_default(tmp_path):
    (tmp_path / "t.txt").write_text(block_text(0x200, TINY_RUNS))
    done = subprocess.run([str(TOOLS / "memplot"), "t.txt"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "build/memory.png").exists() and (tmp_path / "build/memory.svg").exists()


def test_script_exits_1_on_a_bad_block(tmp_path):
    (tmp_path / "bad.txt").write_text(REJECTIONS["gap"][0])
    done = subprocess.run([str(TOOLS / "memplot"), "bad.txt"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and "leaves a gap" in done.stderr
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("name", ["gap", "truncated_at_eof", "unknown_code", "runs_count_low"])
def test_cli_refuses_a_bad_block(tmp_path, name):
    (tmp_path / "bad.txt").write_text(REJECTIONS[name][0])
    done = run_memplot(tmp_path / "bad.txt", "-o", tmp_path / "x.png")
    assert done.returncode == 1 and "memplot:" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_cli_refuses_a_block_number_not_there(tmp_path):
    done = run_memplot(FIXTURES / "qemu-128m.txt", "--block", "3", "-o", tmp_path / "x.png")
    assert done.returncode == 1 and "no block 3 (it has 2)" in done.stderr


def test_cli_lists_blocks():
    done = run_memplot(FIXTURES / "qemu-128m.txt", "--list")
    assert done.returncode == 0 and done.stdout.count("block ") == 2
    assert ", v1, max_pfn 0x7fe0, " in done.stdout and "(0 on per-CPU lists)" in done.stdout


def test_cli_lists_per_cpu_pages(tmp_path):
    (tmp_path / "pcp.txt").write_text(block_text(0x200, PCP_RUNS, version=2))
    done = run_memplot(tmp_path / "pcp.txt", "--list")
    assert done.returncode == 0
    assert done.stdout == ("block 1: line 1, v2, max_pfn 0x200, 13 runs, free 108 pages (4 on per-CPU lists), "
                           "allocated 5 pages\n")
