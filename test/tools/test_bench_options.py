"""test_bench_options.py - the command line of build/bench/bench (bench/bench.c,
docs/bench.md) as make bench passes it: --alloc picks allocators by name,
--only picks workloads, the zero references appear only in zero, the header
dates the run, and a bad name is refused with the usage. `make test-tools`
builds the binary first."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "build/bench/bench"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BENCH), "--smoke", *args], capture_output=True, text=True, timeout=120)


def rows(stdout: str) -> list[tuple[str, str]]:
    """(workload, allocator) of every table row."""
    table = stdout[stdout.index("\nwork "):].split("\n\n")[0].splitlines()[2:]
    out = []
    for line in table:
        m = re.match(r"(\S+)\s+\S+\s+(.+?)\s+(?:\d+\s|-\s+skipped)", line)
        assert m, line
        out.append((m.group(1), m.group(2)))
    return out


def test_alloc_picks_allocators_by_name():
    done = run("--only", "order0,zero", "--alloc", "buddy-nopcp,free stack")
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == [("order0", "buddy-nopcp"), ("order0", "free stack"),
                                 ("zero", "buddy-nopcp"), ("zero", "free stack")]


def test_zero_references_only_in_zero():
    done = run("--only", "order0,zero", "--alloc", "buddy,memset 4K,rep stosq 4K")
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == [("order0", "buddy"), ("zero", "buddy"), ("zero", "memset 4K"),
                                 ("zero", "rep stosq 4K")]


def test_header_dates_the_run_and_says_init_is_cold():
    done = run("--only", "init", "--alloc", "buddy")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", done.stdout, re.M)
    assert "init runs cold" in done.stdout
    assert rows(done.stdout) == [("init", "buddy")]


def test_unknown_allocator_is_refused_with_the_usage():
    done = run("--alloc", "buddy,slab")
    assert done.returncode == 2
    assert "usage: bench" in done.stderr and "--alloc" in done.stderr
