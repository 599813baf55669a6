"""benchplot.py - draw the table that `make bench` prints (bench/bench.c,
docs/bench.md) as a bar chart, PNG and SVG: one panel per workload, one bar
per allocator at its median ns per op with a min..max error bar; init has a
group of bars per RAM size. Skipped cells are named, not drawn.

It reads bench's stdout. Lines before the table are the header, from which
"host: ...", "runs: ..." and "date: ..." (if any) go into the title. The
table starts at the line "work RAM allocator ops/run median min max ..." and
ends at the first blank line; each row in it is one of

    WORKLOAD RAM ALLOCATOR OPS MEDIAN MIN MAX RATIO [(NOTE)]
    WORKLOAD RAM ALLOCATOR - skipped: REASON

where ALLOCATOR may hold spaces ("free stack"), RATIO is a number or "-" and
NOTE is e.g. "0 refused" (mixed). Anything else in the table, a table with
no rows, a repeated cell or no table at all raises BenchplotError."""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from figsave import DPI, save_figure_and_say  # noqa: E402

_NUM = r"\d+(?:\.\d*)?"
_TABLE_HEAD = re.compile(r"work\s+RAM\s+allocator\s+ops/run\s+median\s+min\s+max\b")
_ROW = re.compile(rf"(\S+)\s+(\S+)\s+(.+?)\s+(\d+)\s+({_NUM})\s+({_NUM})\s+({_NUM})"
                  rf"\s+({_NUM}|-)(?:\s+\((.*)\))?")
_SKIPPED = re.compile(r"(\S+)\s+(\S+)\s+(.+?)\s+-\s+skipped:\s*(.*)")
_REFUSED = re.compile(r"(\d+) refused")
_ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?\b")

LOG_RATIO = 100  # a panel is drawn on a log scale when its medians span more
UNITS = {"init": "ns per page of RAM"}  # the x label; other workloads: "ns per op"


class BenchplotError(ValueError):
    """Text that holds no bench table, or a malformed one. The message
    starts with "line N:" when one line is to blame."""


@dataclass(frozen=True)
class Row:
    """One cell of the table, read from line @line. A skipped cell has the
    reason in @skipped and no numbers; otherwise @median, @lo, @hi are ns
    per op, @ratio is None where the table says "-", @note is the text in
    parentheses after the ratio ("" when none)."""

    line: int
    workload: str
    ram: str  # as printed: "64M", "1G"
    allocator: str
    ops: int = 0
    median: float = 0.0
    lo: float = 0.0
    hi: float = 0.0
    ratio: float | None = None
    note: str = ""
    skipped: str | None = None

    @property
    def refused(self) -> int | None:
        """Allocations refused (mixed's note), None if the row does not say."""
        m = _REFUSED.fullmatch(self.note)
        return int(m.group(1)) if m else None


@dataclass
class Bench:
    """A whole bench output: its rows in table order and the header lines
    the title uses (None when absent; without their "host: " etc.)."""

    rows: list[Row]
    host: str | None = None
    runs: str | None = None
    date: str | None = None

    def workloads(self) -> list[str]:
        """Workload names in table order."""
        return list(dict.fromkeys(r.workload for r in self.rows))

    def allocators(self) -> list[str]:
        """Allocator names in the order they first appear."""
        return list(dict.fromkeys(r.allocator for r in self.rows))

    def panel(self, workload: str) -> list[Row]:
        return [r for r in self.rows if r.workload == workload]


def parse_row(line: str, number: int) -> Row:
    """The cell on table line @line (transcript line @number)."""
    m = _SKIPPED.fullmatch(line)
    if m:
        return Row(number, *m.group(1, 2, 3), skipped=m.group(4))
    m = _ROW.fullmatch(line)
    if not m:
        raise BenchplotError(f"line {number}: not a bench row: {line!r}")
    median, lo, hi = (float(v) for v in m.group(5, 6, 7))
    if not lo <= median <= hi:
        raise BenchplotError(f"line {number}: median {median} is not within min {lo} "
                             f"and max {hi}")
    ratio = None if m.group(8) == "-" else float(m.group(8))
    return Row(number, *m.group(1, 2, 3), int(m.group(4)), median, lo, hi, ratio,
               m.group(9) or "")


def parse(text: str) -> Bench:
    """Every cell of every bench table in @text, and the header's host,
    runs and date lines. Raises BenchplotError (see the file's comment)."""
    bench = Bench([])
    seen: dict[tuple[str, str, str], int] = {}
    in_table = found = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if _TABLE_HEAD.match(line):
            in_table = found = True
        elif in_table and not line:
            in_table = False
        elif in_table:
            row = parse_row(line, number)
            key = (row.workload, row.ram, row.allocator)
            if key in seen:
                raise BenchplotError(f"line {number}: a second row for {' '.join(key)} "
                                     f"(the first is line {seen[key]})")
            seen[key] = number
            bench.rows.append(row)
        elif not found:
            name, _, value = line.partition(": ")
            if name in ("host", "runs", "date") and value:
                setattr(bench, name, value.split(";")[0] if name == "runs" else value)
            elif bench.date is None and _ISO_DATE.search(line):
                bench.date = _ISO_DATE.search(line).group(0)
    if not found:
        raise BenchplotError("no bench table (no line 'work RAM allocator ops/run median "
                             "min max ...'): is this what make bench printed, and did it finish?")
    if not bench.rows:
        raise BenchplotError("the bench table has no rows")
    return bench


def parse_targets(spec: str) -> dict[str, float]:
    """"order0=5,batch=15" -> {"order0": 5.0, "batch": 15.0} (ns per op);
    raises argparse.ArgumentTypeError on anything else."""
    targets = {}
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        try:
            ns = float(value)
        except ValueError:
            ns = 0.0
        if not name.strip() or not 0 < ns < math.inf:
            raise argparse.ArgumentTypeError(f"bad target {item!r}: want WORKLOAD=NS, NS > 0")
        targets[name.strip()] = ns
    return targets


# --- The figure ------------------------------------------------------------
FIG_W = 11.0  # inches
SLOT_H = 0.3  # inches per bar (or RAM heading)
PANEL_EXTRA = 1.1  # inches per panel for its title and x axis
TITLE_H = 0.8  # inches for the figure's title
SKIPPED_COLOUR = "#7f7f7f"
TARGET_COLOUR = "#d62728"


def value_label(v: float) -> str:
    """A median as the bar's label: three or four significant digits."""
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def log_scale(values: list[float]) -> bool:
    """True if the positive @values span more than LOG_RATIO."""
    pos = [v for v in values if v > 0]
    return len(pos) > 1 and max(pos) / min(pos) > LOG_RATIO


def slots(rows: list[Row]) -> list[str | Row]:
    """The panel's lines top to bottom: its rows, each group of one RAM size
    under a heading "RAM 4G" when the panel has more than one size."""
    rams = list(dict.fromkeys(r.ram for r in rows))
    out: list[str | Row] = []
    for ram in rams:
        out += ([f"RAM {ram}"] if len(rams) > 1 else []) + [r for r in rows if r.ram == ram]
    return out


def _draw_panel(ax, workload: str, rows: list[Row], colours: dict[str, str],
                target: float | None) -> None:
    lines = slots(rows)
    drawn = [(y, r) for y, r in enumerate(lines) if isinstance(r, Row) and not r.skipped]
    log = log_scale([r.median for _, r in drawn])
    top = max([r.hi for _, r in drawn] + [target or 0]) or 1
    if log:
        ax.set_xscale("log", nonpositive="clip")
        left = min(v for _, r in drawn for v in (r.lo, r.median) if v > 0) / 2
        ax.set_xlim(left, top * 10)
    else:
        left = 0
        ax.set_xlim(0, top * 1.3)
    if drawn:
        ys, rs = zip(*drawn)
        ax.barh(ys, [r.median for r in rs], color=[colours[r.allocator] for r in rs],
                xerr=[[r.median - r.lo for r in rs], [r.hi - r.median for r in rs]],
                capsize=3, error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
    for y, r in drawn:
        x = max(r.hi, left) * 1.15 if log else r.hi + top * 0.015
        note = f"  ({r.note})" if r.note and r.refused != 0 else ""
        ax.text(x, y, value_label(r.median) + note, va="center", fontsize=8)
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    for y, r in enumerate(lines):
        if isinstance(r, Row) and r.skipped:
            ax.text(0.01, y, f"skipped: {r.skipped}", transform=edge, va="center",
                    fontsize=8, style="italic", color=SKIPPED_COLOUR)
    if target:
        ax.axvline(target, color=TARGET_COLOUR, linestyle="--", linewidth=1.2,
                   label=f"target {target:g} ns")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(range(len(lines)), [r.allocator if isinstance(r, Row) else r for r in lines],
                  fontsize=9)
    for tick, r in zip(ax.get_yticklabels(), lines):
        if isinstance(r, str):
            tick.set_fontweight("bold")
    ax.set_ylim(len(lines) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlabel(f"{UNITS.get(workload, 'ns per op')}: median, bar min..max"
                  + (" (log scale)" if log else ""), fontsize=9)
    rams = list(dict.fromkeys(r.ram for r in rows))
    ax.set_title(f"{workload}, RAM {', '.join(rams)}", fontsize=11, loc="left")


def render(bench: Bench, targets: dict[str, float] | None = None) -> plt.Figure:
    """A figure with one panel per workload, stacked; @targets maps a
    workload to a target in ns per op, drawn as a dashed line."""
    targets = targets or {}
    workloads = bench.workloads()
    heights = [len(slots(bench.panel(w))) * SLOT_H + PANEL_EXTRA for w in workloads]
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {a: cycle[i % len(cycle)] for i, a in enumerate(bench.allocators())}
    fig, axes = plt.subplots(len(workloads), 1, squeeze=False, layout="constrained",
                             figsize=(FIG_W, sum(heights) + TITLE_H), dpi=DPI,
                             gridspec_kw={"height_ratios": heights})
    for ax, w in zip(axes[:, 0], workloads):
        _draw_panel(ax, w, bench.panel(w), colours, targets.get(w))
    runs = f" (runs: {bench.runs})" if bench.runs else ""
    second = " · ".join(filter(None, [f"host: {bench.host}" if bench.host else None,
                                      bench.date]))
    fig.suptitle(f"Pagewise make bench: ns per op, median{runs}"
                 + (f"\n{second}" if second else ""), fontsize=12)
    return fig


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (1 for a bad bench output)."""
    ap = argparse.ArgumentParser(prog="benchplot", description="Draw the table of make bench "
                                 "as a bar chart, PNG and SVG (docs/bench.md).")
    ap.add_argument("bench_output", help="what make bench printed (- for stdin)")
    ap.add_argument("-o", "--output", default="build/bench/bench.png",
                    help="PNG to write, the SVG beside it (default build/bench/bench.png)")
    ap.add_argument("--targets", type=parse_targets, default={}, metavar="W=NS,...",
                    help="a dashed target line per workload, in ns per op: order0=5,batch=15")
    args = ap.parse_args(argv)
    png = Path(args.output)
    if png.suffix.lower() != ".png":
        ap.error(f"-o {png}: must end in .png (the .svg goes beside it)")

    try:
        text = sys.stdin.read() if args.bench_output == "-" else \
            Path(args.bench_output).read_text(encoding="utf-8", errors="replace")
        bench = parse(text)
    except (OSError, BenchplotError) as e:
        print(f"benchplot: {args.bench_output}: {e}", file=sys.stderr)
        return 1
    for w in args.targets.keys() - set(bench.workloads()):
        print(f"benchplot: no workload {w!r} in the table; its target is not drawn",
              file=sys.stderr)

    fig = render(bench, args.targets)
    save_figure_and_say("benchplot", fig, [png, png.with_suffix(".svg")],
                        f"{len(bench.rows)} cells, {len(bench.workloads())} workloads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
