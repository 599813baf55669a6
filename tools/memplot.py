"""memplot.py - draw a pfnmap dump (tools/pfnmap.py) as a picture of physical
memory: a grid of rows read like a page of text, each cell a power-of-two
group of pfns coloured by its state; below it, when a cell holds more than
one page, two strips at one page a cell: the first and the last ZOOM_PAGES
of memory, where the kernel keeps its image, mem_map and page tables.
Layout (which pfn is in which cell) and drawing are kept apart, so tests can
find any pfn's cell in the image. How to read the picture: docs/memplot.md."""

from __future__ import annotations

import argparse
import bisect
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from figsave import DPI, save_figure_and_say  # noqa: E402
from pfnmap import MAX_PAGE_ORDER, PAGE_SIZE, PCP_CODE, PCP_NAME, PLAIN_CODES, Block, PfnmapError, parse  # noqa: E402

# --- The grid --------------------------------------------------------------
COLS = 64  # cells per row
MAX_ROWS = 128  # rows at most: pfns per cell doubles until the map fits
HOLE_MIN_ROWS = 4  # an H run covering this many whole rows is drawn as one row
ZOOM_PAGES = 512  # 2 MiB: each zoom strip, at one page a cell (8 rows of COLS)
ZOOM_ROWS = ZOOM_PAGES // COLS

# --- Colours: one per category, in legend order ------------------------------
# Categories are the plain codes, then "allocated" (every order alike), then
# free pages on per-CPU lists (P), then free orders 0..MAX_PAGE_ORDER, each
# with a colour of its own; PAST is the part of the last row beyond max_pfn.
PLAIN_COLOURS = {"H": "#e6e6e6", "R": "#7f7f7f", "K": "#7b2d8e", "M": "#f28e2b", "T": "#8c564b"}
ALLOC_COLOUR = "#d62728"
PCP_COLOUR = "#ffd92f"  # yellow: free, but apart from the buddy orders' greens and blues
# Free orders: greens, teals, blues and olives (no red, orange, yellow,
# purple, brown or grey: those are the other states), light for small
# orders and dark for large ones, with order 10, most of memory after boot,
# a calm blue. Picked from matplotlib's named colours so that each differs
# from every other colour of the legend by at least FREE_MIN_DELTA_E
# (CIEDE2000, about 1 just noticeable; test_memplot.py measures it):
# neighbouring orders never look alike.
FREE_COLOURS = (
    "#8ee53f",  # 0: lime
    "#c1c6fc",  # 1: light periwinkle
    "#02ccfe",  # 2: sky blue
    "#06b48b",  # 3: jade
    "#8f9805",  # 4: olive
    "#1e90ff",  # 5: dodger blue
    "#028f1e",  # 6: green
    "#08787f",  # 7: teal
    "#696112",  # 8: dark olive
    "#0b5509",  # 9: forest green
    "#1f5fa8",  # 10: blue
)
FREE_MIN_DELTA_E = 18
PAST_COLOUR = "#ffffff"
BOUNDARY_COLOUR = "#ffffff"  # buddy block boundaries
ZOOM_EDGE = "#000000"  # dashed, on the map: the rows a zoom strip draws
HOLE_HATCH = "////"

CATEGORIES = list(PLAIN_CODES) + ["A", PCP_CODE] + [f"F{o}" for o in range(MAX_PAGE_ORDER + 1)]
CAT = {code: i for i, code in enumerate(CATEGORIES)}
PAST = len(CATEGORIES)  # index of the "beyond max_pfn" colour
KERNEL_FIRST = ("K", "T", "M")  # shown in a cell wherever present, in this order


def free_colour(order: int) -> tuple[float, float, float]:
    """The colour of a free block of @order."""
    return to_rgb(FREE_COLOURS[order])


def colour_of(code: str) -> tuple[float, float, float]:
    """RGB in 0..1 for a printed code ("K", "P", "A3", "F10"); "A" alone too."""
    if code in PLAIN_COLOURS:
        return to_rgb(PLAIN_COLOURS[code])
    if code == PCP_CODE:
        return to_rgb(PCP_COLOUR)
    if code.startswith("A"):
        return to_rgb(ALLOC_COLOUR)
    return free_colour(int(code[1:]))


PALETTE = np.array([colour_of(c) for c in CATEGORIES] + [to_rgb(PAST_COLOUR)])


def category(kind: str, order: int) -> int:
    """The category index of a run's state."""
    return CAT["A"] if kind == "A" else CAT[kind if order < 0 else f"{kind}{order}"]


@dataclass
class Layout:
    """Where each pfn is drawn. Row r starts at pfn row_start[r] and holds
    COLS cells of ppc pfns each; a compressed hole is one row whose
    hole_end[r] is the first pfn after it (0 in ordinary rows). row_start is
    increasing, so a pfn's row is found by bisection."""

    ppc: int  # pfns per cell, a power of two
    row_start: list[int]
    hole_end: list[int]

    @property
    def row_pfns(self) -> int:
        return self.ppc * COLS

    @property
    def rows(self) -> int:
        return len(self.row_start)

    def cell_of(self, pfn: int) -> tuple[int, int]:
        """(row, column) of the cell that draws @pfn; a pfn inside a
        compressed hole is in column 0 of the hole's row."""
        r = bisect.bisect_right(self.row_start, pfn) - 1
        if self.hole_end[r]:
            return r, 0
        return r, (pfn - self.row_start[r]) // self.ppc


def _rows(block: Block, ppc: int) -> tuple[list[int], list[int]]:
    """Row starts and hole ends (see Layout) for @block at @ppc pfns a cell."""
    row_pfns = ppc * COLS
    holes = []  # [lo, hi) row-aligned pieces of H runs long enough to compress
    for run in block.runs:
        lo = -(-run.start // row_pfns) * row_pfns
        hi = run.end // row_pfns * row_pfns
        if run.kind == "H" and hi - lo >= HOLE_MIN_ROWS * row_pfns:
            holes.append((lo, hi))
    starts, ends = [], []
    pfn = 0
    for lo, hi in holes + [(None, None)]:
        stop = lo if lo is not None else block.max_pfn
        while pfn < stop:
            starts.append(pfn)
            ends.append(0)
            pfn += row_pfns
        if lo is not None:
            starts.append(lo)
            ends.append(hi)
            pfn = hi
    return starts, ends


def layout(block: Block) -> Layout:
    """The finest grid for @block that fits in MAX_ROWS rows: pfns per cell
    is the smallest power of two that does."""
    ppc = 1
    while True:
        starts, ends = _rows(block, ppc)
        if len(starts) <= MAX_ROWS:
            return Layout(ppc, starts, ends)
        ppc *= 2


def zoom_layouts(block: Block) -> tuple[Layout, Layout]:
    """The two zoom strips of @block, one page a cell, ZOOM_ROWS rows each:
    the first ZOOM_PAGES pfns, and the last ZOOM_PAGES up to max_pfn rounded
    up to a whole row (the rest of that row is beyond max_pfn)."""
    end = -(-block.max_pfn // COLS) * COLS
    return tuple(Layout(1, list(range(lo, lo + ZOOM_PAGES, COLS)), [0] * ZOOM_ROWS)
                 for lo in (0, max(end - ZOOM_PAGES, 0)))


def shows_zoom(blocks: list[Block], zoom: bool = True) -> bool:
    """Does the figure of @blocks get zoom strips? Only when asked (@zoom)
    and some block's map has more than one page a cell: otherwise the map
    is at page resolution already."""
    return zoom and any(layout(b).ppc > 1 for b in blocks)


def cells(block: Block, lay: Layout) -> np.ndarray:
    """The category index of every cell, shape (rows, COLS).
    A cell shows K, T or M if any of its pfns has it (first in that order):
    the kernel's own structures stay visible at every scale. Otherwise it
    shows the category covering most of its pfns, a tie going to the one
    listed first in CATEGORIES. A cell beyond max_pfn, and the whole row of a
    compressed hole, are PAST and H."""
    ppc = lay.ppc
    cover = np.zeros((lay.rows * COLS, len(CATEGORIES)), dtype=np.int64)
    run_starts = [run.start for run in block.runs]
    for r, (start, hole) in enumerate(zip(lay.row_start, lay.hole_end)):
        if hole:
            cover[r * COLS:(r + 1) * COLS, CAT["H"]] = 1
            continue
        end = start + lay.row_pfns
        i = bisect.bisect_right(run_starts, start) - 1
        while i < len(block.runs) and block.runs[i].start < end:
            run = block.runs[i]
            cat = category(run.kind, run.order)
            lo, hi = max(run.start, start) - start, min(run.end, end) - start
            # pages of [lo, hi) in each cell it touches
            first, last = lo // ppc, (hi - 1) // ppc
            idx = np.arange(first, last + 1)
            part = np.minimum((idx + 1) * ppc, hi) - np.maximum(idx * ppc, lo)
            cover[r * COLS + idx, cat] += part
            i += 1
    out = cover.argmax(axis=1)  # argmax takes the first of equals: the tie rule
    for code in reversed(KERNEL_FIRST):
        out = np.where(cover[:, CAT[code]] > 0, CAT[code], out)
    out = np.where(cover.sum(axis=1) == 0, PAST, out)
    return out.reshape(lay.rows, COLS)


def boundaries(block: Block, lay: Layout) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Line segments, in (column, row) units, that outline each buddy block
    (free or allocated) at least one cell big: the staircase between the
    block and the pfns before it. Smaller blocks share cells and get none."""
    segments = []
    lo, hi = lay.row_start[0], lay.row_start[-1] + lay.row_pfns  # the pfns @lay draws
    for run in block.runs:
        if run.order < 0 or (1 << run.order) < lay.ppc or run.end <= lo or run.start >= hi:
            continue
        size = 1 << run.order
        first = run.start + max(0, -(-(lo - run.start) // size)) * size  # first block from lo on
        for pfn in range(first, min(run.end, hi), size):
            r, c = lay.cell_of(pfn)
            if c == 0:
                if r:
                    segments.append(((0, r), (COLS, r)))
                continue
            segments.append(((c, r), (c, r + 1)))
            segments.append(((c, r), (COLS, r)))
            segments.append(((0, r + 1), (c, r + 1)))
    return segments


# --- Words -----------------------------------------------------------------
def human(nbytes: int) -> str:
    """A byte count in the largest unit it reaches: "640 KiB", "1.5 GiB"."""
    for unit, name in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if nbytes >= unit:
            return f"{nbytes / unit:.4g} {name}"
    return f"{nbytes} B"


def address_label(pfn: int) -> str:
    """A y tick: the physical address in hex, then in words."""
    pa = pfn * PAGE_SIZE
    return f"{pa:#x}  {human(pa) if pa else '0'}"


def pages_label(nr_pages: int) -> str:
    return f"{nr_pages:,} pages ({human(nr_pages * PAGE_SIZE)})"


def legend_entries(blocks: list[Block], holes: bool, past: bool,
                   zoomed: bool = False) -> list[tuple[Patch, str]]:
    """(patch, label) per category; buddy and per-CPU labels carry each
    block's count (free blocks of that order, allocated pages, or pages on
    per-CPU lists), separated by " / "."""

    def each(values):
        return " / ".join(f"{v:,}" for v in values)

    entries = []
    for code, name in PLAIN_CODES.items():
        entries.append((Patch(color=colour_of(code)), f"{code}  {name}"))
    entries.append((Patch(color=colour_of("A")),
                    f"A  allocated, any order: {each(b.pages('A') for b in blocks)} pages"))
    entries.append((Patch(color=colour_of(PCP_CODE)),
                    f"{PCP_CODE}  {PCP_NAME}: {each(b.pages(PCP_CODE) for b in blocks)} pages"))
    for order in range(MAX_PAGE_ORDER + 1):
        counts = each(b.free_blocks()[order] for b in blocks)
        entries.append((Patch(color=free_colour(order)),
                        f"F{order}  free, order {order} ({human(PAGE_SIZE << order)}): {counts}"))
    if holes:
        entries.append((Patch(facecolor=colour_of("H"), hatch=HOLE_HATCH, edgecolor="#999999"),
                        "hole drawn as one row (size in the row)"))
    if past:
        entries.append((Patch(facecolor=PAST_COLOUR, edgecolor="#999999"), "beyond max_pfn"))
    if zoomed:
        entries.append((Patch(fill=False, edgecolor=ZOOM_EDGE, linestyle="--"),
                        f"drawn below at one page a cell (first, last {human(ZOOM_PAGES * PAGE_SIZE)})"))
    return entries


# --- The figure ------------------------------------------------------------
# Inches. Each block gets a column PANEL_W wide: its map MAP_H high, and
# below it, with zoom, the first and the last strip, whose cells are square.
PANEL_W, LEGEND_W, MAP_H = 11.0, 4.2, 7.25
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 1.8, 0.25, 1.25, 1.0  # around the map
STRIP_H = ZOOM_ROWS * (PANEL_W - MARGIN_L - MARGIN_R) / COLS
# Below the map: its axis label (MAP_X of MARGIN_B), then a strip's title,
# the strip; its ticks and the next title; the strip; its ticks and label.
MAP_X, STRIP_T, STRIP_SEP, STRIP_B = 0.6, 0.35, 0.65, 0.6
ZOOM_PARTS = ("first", "last")


def figure_inches(n_panels: int, zoomed: bool) -> tuple[float, float]:
    if zoomed:
        return (n_panels * PANEL_W + LEGEND_W,
                MARGIN_T + MAP_H + MAP_X + STRIP_T + 2 * STRIP_H + STRIP_SEP + STRIP_B)
    return n_panels * PANEL_W + LEGEND_W, MARGIN_T + MAP_H + MARGIN_B


def figure_size(n_panels: int, zoomed: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of a figure of @n_panels, with or without
    the zoom strips."""
    width, height = figure_inches(n_panels, zoomed)
    return round(width * DPI), round(height * DPI)


def panel_rect(i: int, n_panels: int, part: str = "map",
               zoomed: bool = False) -> tuple[float, float, float, float]:
    """The axes of panel @i's @part ("map", or a zoom strip: "first",
    "last") as (left, bottom, width, height), fractions of the figure, as
    matplotlib's add_axes takes them."""
    fig_w, fig_h = figure_inches(n_panels, zoomed)
    if part == "map":
        top, height = MARGIN_T, MAP_H
    else:
        k = ZOOM_PARTS.index(part)
        top, height = MARGIN_T + MAP_H + MAP_X + STRIP_T + k * (STRIP_H + STRIP_SEP), STRIP_H
    return ((i * PANEL_W + MARGIN_L) / fig_w, (fig_h - top - height) / fig_h,
            (PANEL_W - MARGIN_L - MARGIN_R) / fig_w, height / fig_h)


def pixel_of(lay: Layout, pfn: int, i: int = 0, n_panels: int = 1, part: str = "map",
             zoomed: bool = False) -> tuple[int, int]:
    """(x, y) pixel, from the top left of the saved PNG, at the centre of the
    cell that draws @pfn in panel @i's @part (@lay is that part's layout)."""
    width, height = figure_size(n_panels, zoomed)
    left, bottom, w, h = panel_rect(i, n_panels, part, zoomed)
    r, c = lay.cell_of(pfn)
    x = (left + w * (c + 0.5) / COLS) * width
    y = (1 - bottom - h + h * (r + 0.5) / lay.rows) * height
    return int(x), int(y)


def _ticks(lay: Layout) -> list[int]:
    """Rows whose top edge gets an address: each row that follows a
    compressed hole (the hole's own start is written in its row), and each
    row starting at a multiple of k rows' worth of memory, k a power of two
    giving at most 16 ticks, unless it would crowd a row after a hole."""
    k = 1
    while lay.rows / k > 16:
        k *= 2
    after = {r + 1 for r, hole in enumerate(lay.hole_end) if hole and r + 1 < lay.rows}
    regular = [r for r, start in enumerate(lay.row_start)
               if not lay.hole_end[r] and start % (k * lay.row_pfns) == 0
               and all(abs(r - a) >= k / 2 for a in after - {r})]
    return sorted(after.union(regular))


def _draw_grid(ax, block: Block, lay: Layout) -> None:
    """@block's cells as @lay lays them out, with block edges, compressed
    holes and address ticks."""
    grid = cells(block, lay)
    ax.imshow(PALETTE[grid], interpolation="nearest", aspect="auto",
              extent=(0, COLS, lay.rows, 0))
    ax.add_collection(LineCollection(boundaries(block, lay), colors=BOUNDARY_COLOUR,
                                     linewidths=0.6))
    for r, hole in enumerate(lay.hole_end):
        if hole:
            ax.add_patch(Rectangle((0, r), COLS, 1, fill=False, hatch=HOLE_HATCH,
                                   edgecolor="#999999", linewidth=0))
            ax.text(COLS / 2, r + 0.5,
                    f"hole {human((hole - lay.row_start[r]) * PAGE_SIZE)} "
                    f"({lay.row_start[r] * PAGE_SIZE:#x}..{hole * PAGE_SIZE:#x})",
                    ha="center", va="center", fontsize=8,
                    bbox=dict(facecolor="white", edgecolor="none", pad=1))
    ticks = _ticks(lay)
    ax.set_yticks(ticks, [address_label(lay.row_start[r]) for r in ticks], fontsize=8,
                  family="monospace")
    xt = [0, COLS // 4, COLS // 2, 3 * COLS // 4, COLS]
    ax.set_xticks(xt, ["+0"] + [f"+{human(c * lay.ppc * PAGE_SIZE)}" for c in xt[1:]], fontsize=8)
    ax.set_xlim(0, COLS)
    ax.set_ylim(lay.rows, 0)


def _cell_label(lay: Layout) -> str:
    return (f"offset within the row (row = {human(lay.row_pfns * PAGE_SIZE)}; "
            f"cell = {lay.ppc} page{'s' if lay.ppc > 1 else ''}, {human(lay.ppc * PAGE_SIZE)})")


def _draw_panel(ax, block: Block, lay: Layout, total: int) -> None:
    _draw_grid(ax, block, lay)
    ax.set_xlabel(_cell_label(lay), fontsize=9)
    ax.set_title(f"block {block.number} of {total} (transcript line {block.line})\n"
                 f"free {pages_label(block.free_pages())} "
                 f"({block.pages(PCP_CODE):,} on per-CPU lists) · "
                 f"allocated {pages_label(block.pages('A'))}", fontsize=10)


def _draw_zoom(fig, i: int, n: int, block: Block, lay: Layout, map_ax) -> None:
    """Panel @i's two zoom strips, and their outlines on the map (@map_ax,
    laid out by @lay)."""
    for part, strip in zip(ZOOM_PARTS, zoom_layouts(block)):
        lo = strip.row_start[0]
        hi = min(lo + ZOOM_PAGES, block.max_pfn)
        ax = fig.add_axes(panel_rect(i, n, part, True))
        _draw_grid(ax, block, strip)
        end = f" (max_pfn {block.max_pfn:#x})" if part == "last" else ""
        ax.set_title(f"{part} {human(ZOOM_PAGES * PAGE_SIZE)}, one page a cell: "
                     f"pfn {lo:#x}-{hi - 1:#x}{end}", fontsize=9, loc="left")
        if part == ZOOM_PARTS[-1]:
            ax.set_xlabel(_cell_label(strip), fontsize=9)
        r0, r1 = lay.cell_of(lo)[0], lay.cell_of(hi - 1)[0]
        map_ax.add_patch(Rectangle((0, r0), COLS, r1 + 1 - r0, fill=False, edgecolor=ZOOM_EDGE,
                                   linestyle="--", linewidth=1.2, clip_on=False))


def render(blocks: list[Block], total: int, title: str | None = None,
           zoom: bool = True) -> plt.Figure:
    """A figure with one panel per block, side by side, and a shared legend;
    under each panel its zoom strips when shows_zoom(@blocks, @zoom).
    @total is the number of blocks in the transcript (for panel titles)."""
    n = len(blocks)
    zoomed = shows_zoom(blocks, zoom)
    width, height = figure_size(n, zoomed)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    holes = past = False
    for i, block in enumerate(blocks):
        lay = layout(block)
        holes |= any(lay.hole_end)
        past |= lay.rows * lay.row_pfns > block.max_pfn
        ax = fig.add_axes(panel_rect(i, n, "map", zoomed))
        _draw_panel(ax, block, lay, total)
        if zoomed:
            _draw_zoom(fig, i, n, block, lay, ax)
    first = blocks[0]
    sizes = ", ".join(sorted({human(b.ram_pages() * PAGE_SIZE) for b in blocks}))
    fig.suptitle(f"{title or 'Physical memory, by page state'}\n"
                 f"RAM {sizes} · max_pfn {first.max_pfn:#x} "
                 f"({human(first.max_pfn * PAGE_SIZE)} of address space)", fontsize=12)
    entries = legend_entries(blocks, holes, past, zoomed)
    fig_w, fig_h = figure_inches(n, zoomed)
    lax = fig.add_axes(((n * PANEL_W + 0.1) / fig_w, (fig_h - MARGIN_T - MAP_H) / fig_h,
                        (LEGEND_W - 0.2) / fig_w, MAP_H / fig_h))
    lax.axis("off")
    heading = "state" + (": counts per block, " + " / ".join(str(b.number) for b in blocks)
                         if n > 1 else "")
    lax.legend([e[0] for e in entries], [e[1] for e in entries], loc="upper left",
               fontsize=7.5, title=heading, title_fontsize=8.5, frameon=False)
    lax.text(0, 0, "A cell shows K, T or M if any of its\npages has it; otherwise its "
             "most common\nstate. White lines: buddy block edges\n(blocks of a cell or more).",
             fontsize=7.5, va="bottom", transform=lax.transAxes)
    return fig


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (1 for a bad transcript)."""
    ap = argparse.ArgumentParser(prog="memplot", description="Render a pfnmap dump from a "
                                 "serial transcript as PNG and SVG (docs/memplot.md).")
    ap.add_argument("transcript", help="serial log holding one or more pfnmap blocks")
    ap.add_argument("-o", "--output", default="build/memory.png", help="PNG to write "
                    "(default build/memory.png)")
    ap.add_argument("--svg", help="SVG to write (default: the PNG's name ending in .svg)")
    ap.add_argument("--no-svg", action="store_true", help="write no SVG")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--block", type=int, default=-1, metavar="N",
                       help="the block to draw, 1 for the first, -1 (default) for the last")
    which.add_argument("--all", action="store_true", help="every block, side by side")
    ap.add_argument("--title", help="first line of the figure's title")
    ap.add_argument("--no-zoom", action="store_true", help="draw no strips of the first and "
                    "last 2 MiB at one page a cell")
    ap.add_argument("--list", action="store_true", help="list the blocks and draw nothing")
    args = ap.parse_args(argv)

    try:
        text = Path(args.transcript).read_text(encoding="utf-8", errors="replace")
        blocks = parse(text)
    except (OSError, PfnmapError) as e:
        print(f"memplot: {args.transcript}: {e}", file=sys.stderr)
        return 1
    if args.list:
        for b in blocks:
            print(f"block {b.number}: line {b.line}, v{b.version}, max_pfn {b.max_pfn:#x}, {len(b.runs)} runs, "
                  f"free {b.free_pages()} pages ({b.pages(PCP_CODE)} on per-CPU lists), "
                  f"allocated {b.pages('A')} pages")
        return 0
    if args.all:
        chosen = blocks
    elif 1 <= args.block <= len(blocks) or -len(blocks) <= args.block <= -1:
        chosen = [blocks[args.block - 1 if args.block > 0 else args.block]]
    else:
        print(f"memplot: {args.transcript}: no block {args.block} "
              f"(it has {len(blocks)})", file=sys.stderr)
        return 1

    fig = render(chosen, len(blocks), args.title, zoom=not args.no_zoom)
    png = Path(args.output)
    outputs = [png] + ([] if args.no_svg else [Path(args.svg) if args.svg else png.with_suffix(".svg")])
    save_figure_and_say("memplot", fig, outputs,
                        f"block {', '.join(str(b.number) for b in chosen)} of {len(blocks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
