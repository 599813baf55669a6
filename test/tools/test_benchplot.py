"""test_benchplot.py - tools/benchplot.py reads the table that make bench
prints (bench/bench.c), whatever the allocators are called, refuses text
that is not one, and draws it as PNG and SVG. SAMPLE is docs/bench.md's run
with rows of allocators to come ("buddy-nopcp", "memset 4K", "rep stosq 4K"),
refused allocations in mixed and a date line added.
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
BENCH = Path(os.environ.get("BENCHPLOT_BENCH", REPO / "build/bench/bench"))
sys.path.insert(0, str(TOOLS))

import benchplot  # noqa: E402  (python3-matplotlib: scripts/install-deps.sh test)
from benchplot import BenchplotError, Row, parse  # noqa: E402

HEADER = """\
Pagewise mm benchmark: src/mm (buddy) vs baselines, host build -O2, no sanitizers, gcc 12.2.0
host: AMD EPYC 7B13, 2 cores online
date: 2025-11-23 16:10 UTC
simulated RAM: 1G (262144 pfns) from pfn 0, the first 1 MiB reserved; struct page: 32 bytes
runs: 5 timed after 1 warm-up; seed 0x9e3779b97f4a7c15; ns per op: median, min, max; x stack = median / free stack's median
numbers vary with the host's load: compare within one run

buddy at boot: 259840 free pages; free blocks of order 0..10: 0 0 0 0 0 0 0 0 1 1 253
"""
TABLE_HEAD = "work      RAM  allocator      ops/run     median        min        max  x stack\n"
ROWS = """\
order0     1G  buddy          1000000      52.98      52.78      53.89    21.96
order0     1G  buddy-nopcp    1000000      61.02      60.11      63.00    25.32
order0     1G  free stack     1000000       2.41       2.39       2.66     1.00
order0     1G  free list      1000000       2.49       2.41       3.82     1.03
order0     1G  bitmap         1000000       8.79       8.73       8.84     3.64
batch      1G  buddy           259840      48.98      46.92      52.28    14.05
batch      1G  free stack      261888       3.49       3.16       3.53     1.00
batch      1G  free list       261888     352.04     344.26     357.00   100.96
batch      1G  bitmap          261888       9.55       9.30       9.63     2.74
mixed      1G  buddy           200000      86.71      86.63      87.13        -  (0 refused)
mixed      1G  free stack           -  skipped: order 0 only
mixed      1G  free list            -  skipped: order 0 only
mixed      1G  bitmap          200000    1644.03    1634.45    1654.48        -  (12 refused)
zero       1G  buddy           200000      83.87      83.75      84.75     1.83
zero       1G  free stack      200000      45.86      45.36      46.18     1.00
zero       1G  memset 4K       200000      41.20      40.90      42.00     0.90
zero       1G  rep stosq 4K    200000      39.75      39.50      40.10     0.87
init       1G  buddy           262144       1.18       1.06       1.30     3.50
init       1G  free stack      262144       0.34       0.33       0.34     1.00
init       1G  free list       262144      13.21      12.94      15.09    39.23
init       1G  bitmap          262144       0.00       0.00       0.00     0.00
init       4G  buddy          1048576       1.79       1.65       1.87     4.78
init       4G  free list      1048576      17.72      17.50      19.13    47.36
init      64G  buddy         16777216       2.37       2.36       2.47     6.34
init      64G  free list            -  skipped: writes every free page
"""
FOOTER = """
buddy: src/mm unchanged, all orders, blocks aligned; free stack: array of free pages, order 0 only;
every workload ended in each allocator's boot state (frag: buddy_snapshot_equal + buddy_verify); 30.3 s
"""
SAMPLE = HEADER + TABLE_HEAD + ROWS + FOOTER
TABLE_LINE = HEADER.count("\n") + 1  # the line number of the table's header


def cell(bench, workload, allocator, ram="1G") -> Row:
    (row,) = [r for r in bench.rows
              if (r.workload, r.ram, r.allocator) == (workload, ram, allocator)]
    return row


# --- Parser -----------------------------------------------------------------
def test_parse_reads_every_row_in_table_order():
    bench = parse(SAMPLE)
    assert len(bench.rows) == ROWS.count("\n")
    assert bench.workloads() == ["order0", "batch", "mixed", "zero", "init"]
    assert bench.rows[0].line == TABLE_LINE + 1
    assert bench.rows[-1].line == TABLE_LINE + len(bench.rows)


def test_parse_allocator_names_with_spaces_digits_and_dashes():
    bench = parse(SAMPLE)
    assert bench.allocators() == ["buddy", "buddy-nopcp", "free stack", "free list", "bitmap",
                                  "memset 4K", "rep stosq 4K"]
    assert cell(bench, "order0", "free stack") == Row(TABLE_LINE + 3, "order0", "1G", "free stack",
                                                       1000000, 2.41, 2.39, 2.66, 1.0)
    stosq = cell(bench, "zero", "rep stosq 4K")
    assert (stosq.ops, stosq.median, stosq.lo, stosq.hi, stosq.ratio) == \
        (200000, 39.75, 39.5, 40.1, 0.87)


def test_parse_skipped_row_has_its_reason_and_no_numbers():
    row = cell(parse(SAMPLE), "init", "free list", "64G")
    assert row.skipped == "writes every free page" and row.median == 0 and row.ratio is None


def test_parse_mixed_reads_refused_and_no_ratio():
    bench = parse(SAMPLE)
    buddy, bitmap = cell(bench, "mixed", "buddy"), cell(bench, "mixed", "bitmap")
    assert (buddy.refused, buddy.ratio, buddy.note) == (0, None, "0 refused")
    assert (bitmap.refused, bitmap.median) == (12, 1644.03)
    assert cell(bench, "order0", "buddy").refused is None


def test_parse_init_groups_rows_by_ram_size():
    rows = parse(SAMPLE).panel("init")
    lines = benchplot.slots(rows)
    assert [x if isinstance(x, str) else x.allocator for x in lines] == [
        "RAM 1G", "buddy", "free stack", "free list", "bitmap",
        "RAM 4G", "buddy", "free list", "RAM 64G", "buddy", "free list"]
    one_size = benchplot.slots(parse(SAMPLE).panel("order0"))
    assert one_size[0].allocator == "buddy"  # no heading


def test_parse_reads_host_runs_and_date_from_the_header():
    bench = parse(SAMPLE)
    assert bench.host == "AMD EPYC 7B13, 2 cores online"
    assert bench.runs == "5 timed after 1 warm-up"
    assert bench.date == "2025-11-23 16:10 UTC"


def test_parse_without_date_line_takes_an_iso_date_or_none():
    plain = SAMPLE.replace("date: 2025-11-23 16:10 UTC\n", "")
    assert parse(plain).date is None
    stamped = plain.replace("gcc 12.2.0", "gcc 12.2.0, 2025-11-24 09:30:00")
    assert parse(stamped).date == "2025-11-24 09:30:00"


def test_parse_takes_crlf_stderr_noise_and_a_footer():
    noisy = "bench: buddy done\r\n" + SAMPLE.replace("\n", "\r\n") + "bench: bitmap done\n"
    assert parse(noisy).rows == parse("\n" + SAMPLE).rows  # one line more before it


def test_parse_table_alone_is_enough():
    bench = parse(TABLE_HEAD + ROWS)
    assert bench.host is None and bench.runs is None and len(bench.rows) == ROWS.count("\n")


REJECTIONS = {
    # name: (text, words the message must contain)
    "empty": ("", "no bench table"),
    "header_only": (HEADER, "no bench table"),
    "callgrind_table": (HEADER + "work      RAM  allocator      ops/run             Ir      Ir/op\n"
                        "order0     1G  buddy           100000      123400018     1234.0\n",
                        "no bench table"),
    "no_rows": (HEADER + TABLE_HEAD + FOOTER, "no rows"),
    "missing_column": (TABLE_HEAD + "order0     1G  buddy  1000000  52.98  52.78  53.89\n",
                       "not a bench row"),
    "word_for_number": (TABLE_HEAD + "order0     1G  buddy  1000000  fast  52.78  53.89  1.00\n",
                        "not a bench row"),
    "median_outside": (TABLE_HEAD + "order0     1G  buddy  1000000  50.00  52.78  53.89  1.00\n",
                       "median 50.0 is not within min 52.78 and max 53.89"),
    "repeated_cell": (TABLE_HEAD + ROWS + "\n" + TABLE_HEAD + ROWS,
                      "a second row for order0 1G buddy"),
}


@pytest.mark.parametrize("name", REJECTIONS)
def test_parse_rejects(name):
    text, words = REJECTIONS[name]
    with pytest.raises(BenchplotError, match=words):
        parse(text)


def test_rejection_names_the_line():
    text = HEADER + TABLE_HEAD + ROWS.replace("2.41       2.39", "2.41  oops")
    with pytest.raises(BenchplotError, match=rf"^line {TABLE_LINE + 3}: not a bench row: 'order0"):
        parse(text)


def test_parse_targets():
    assert benchplot.parse_targets("order0=5,batch=15.5,") == {"order0": 5.0, "batch": 15.5}


@pytest.mark.parametrize("spec", ["order0", "order0=", "=5", "order0=-1", "order0=0", "order0=x",
                                  "order0=inf"])
def test_parse_targets_rejects(spec):
    with pytest.raises(argparse.ArgumentTypeError, match="want WORKLOAD=NS"):
        benchplot.parse_targets(spec)


def test_log_scale_only_beyond_100x_and_ignoring_zeros():
    assert benchplot.log_scale([3.49, 352.04])  # batch: 101x
    assert not benchplot.log_scale([86.71, 1644.03])  # mixed: 19x
    assert not benchplot.log_scale([0.0, 0.34, 17.72])  # init: bitmap's 0.00 does not count
    assert not benchplot.log_scale([])


def test_value_labels():
    assert [benchplot.value_label(v) for v in (0.0, 2.414, 52.98, 1644.03)] == \
        ["0.00", "2.41", "53.0", "1644"]


# --- Rendering --------------------------------------------------------------
def run_benchplot(*args, stdin: str = "") -> subprocess.CompletedProcess:
    """benchplot.main in this process, with its exit status and output as
    subprocess.run would give them."""
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = benchplot.main([str(a) for a in args])
    except SystemExit as e:  # argparse's errors
        status = e.code
    finally:
        sys.stdin = saved
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    (out / "bench.txt").write_text(SAMPLE)
    done = run_benchplot(out / "bench.txt", "-o", out / "plot/bench.png",
                         "--targets", "order0=5,mixed=100")
    assert done.returncode == 0, done.stderr
    assert "25 cells, 5 workloads" in done.stdout
    return out / "plot"


def test_render_writes_a_png(picture):
    import matplotlib.image

    png = picture / "bench.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(png).shape[:2]
    assert width == benchplot.FIG_W * benchplot.DPI and height > width


def test_render_writes_an_svg_beside_it_with_the_words(picture):
    svg = (picture / "bench.svg").read_text()
    assert svg.startswith("<?xml")
    for words in ("host: AMD EPYC 7B13, 2 cores online", "2025-11-23 16:10 UTC",
                  "skipped: order 0 only", "skipped: writes every free page", "rep stosq 4K",
                  "RAM 64G", "target 5 ns", "target 100 ns", "1644  (12 refused)", "(log scale)"):
        assert words in svg, words
    assert "0 refused" not in svg.replace("(12 refused)", "")


def test_render_draws_one_panel_per_workload_log_where_wide():
    fig = benchplot.render(parse(SAMPLE))
    scales = {ax.get_title(loc="left").split(",")[0]: ax.get_xscale() for ax in fig.axes}
    assert scales == {"order0": "linear", "batch": "log", "mixed": "linear", "zero": "linear",
                      "init": "linear"}
    init = fig.axes[-1]
    assert init.get_title(loc="left") == "init, RAM 1G, 4G, 64G"
    assert len(init.patches) == 7  # 8 cells, one skipped; bitmap's 0.00 is a bar too
    benchplot.plt.close(fig)


def test_render_draws_a_skipped_cell_as_text_only():
    fig = benchplot.render(parse(SAMPLE))
    mixed = fig.axes[2]
    assert len(mixed.patches) == 2
    assert [t.get_text() for t in mixed.texts if t.get_text().startswith("skipped")] == \
        ["skipped: order 0 only"] * 2
    benchplot.plt.close(fig)


def test_cli_reads_stdin(tmp_path):
    done = run_benchplot("-", "-o", tmp_path / "s.png", stdin=TABLE_HEAD + ROWS)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s.png").stat().st_size > 0 and (tmp_path / "s.svg").stat().st_size > 0


def test_cli_warns_about_a_target_for_a_workload_not_there(tmp_path):
    (tmp_path / "b.txt").write_text(SAMPLE)
    done = run_benchplot(tmp_path / "b.txt", "-o", tmp_path / "b.png", "--targets", "frag=9")
    assert done.returncode == 0 and "no workload 'frag' in the table" in done.stderr


@pytest.mark.parametrize("name", ["empty", "no_rows", "median_outside"])
def test_cli_refuses_bad_input(tmp_path, name):
    (tmp_path / "bad.txt").write_text(REJECTIONS[name][0])
    done = run_benchplot(tmp_path / "bad.txt", "-o", tmp_path / "x.png")
    assert done.returncode == 1 and done.stderr.startswith("benchplot: ")
    assert REJECTIONS[name][1] in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_cli_refuses_output_that_is_not_png(tmp_path):
    done = run_benchplot("-", "-o", tmp_path / "x.svg", stdin=SAMPLE)
    assert done.returncode == 2 and "must end in .png" in done.stderr


def test_script_writes_build_bench_by_default(tmp_path):
    (tmp_path / "b.txt").write_text(SAMPLE)
    done = subprocess.run([str(TOOLS / "benchplot"), "b.txt"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "build/bench/bench.png").exists()
    assert (tmp_path / "build/bench/bench.svg").exists()


def test_script_exits_1_on_a_missing_file(tmp_path):
    done = subprocess.run([str(TOOLS / "benchplot"), "none.txt"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 1 and "none.txt" in done.stderr and "Traceback" not in done.stderr


# --- The real bench ---------------------------------------------------------
def test_parse_reads_what_the_bench_prints(tmp_path):
    """build/bench/bench --smoke (make bench-smoke's run): every table line
    is a cell, every workload is there, and it draws."""
    if not BENCH.exists():
        pytest.skip(f"{BENCH} not built (make bench-smoke builds it)")
    done = subprocess.run([str(BENCH), "--smoke"], capture_output=True, text=True, timeout=120)
    if done.returncode:
        pytest.skip(f"{BENCH} --smoke failed (exit {done.returncode}; make bench-smoke shows why)")
    bench = parse(done.stdout)
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.split()[:3] == ["work", "RAM", "allocator"])
    assert len(bench.rows) == lines.index("", start) - start - 1
    assert bench.workloads() == ["order0", "batch", "mixed", "frag", "zero", "init"]
    assert {"buddy", "free stack"} <= set(bench.allocators())
    assert bench.host and bench.runs
    assert any(r.skipped for r in bench.rows)
    assert cell(bench, "mixed", "buddy", "64M").refused is not None
    assert run_benchplot("-", "-o", tmp_path / "real.png", stdin=done.stdout).returncode == 0
