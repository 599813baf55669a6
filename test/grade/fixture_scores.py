#!/usr/bin/python3
"""fixture_scores.py - build each region fixture's student tree and score it
with today's feedback grader (tools/grade --tree DIR N, this tree's grader
and table), one at a time. Prints one line per fixture: the build result of
build/kernel.elf and the lab's host binaries, and the lab's total. With
--official, grade it with the instructor's grader instead
(grade_submission.grade_one, as tools/grade --submission does; --seed N),
and print each test that passed.

Usage: nice test/grade/fixture_scores.py [FIXTURE ...] [--keep DIR] [--official [--seed N]]
(default: every test/grade/fixtures/*.regions). PAGEWISE_EMU_TIME_SCALE
is passed on to the grader."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tools"))

import grade  # noqa: E402
import submission  # noqa: E402


def score(fixture: Path, work: Path) -> tuple[str, str, str]:
    """(build, score, first failing reasons) of @fixture, its tree in @work."""
    fx = submission.parse_fixture(fixture.read_text(), fixture.name)
    tree = work / fixture.stem
    if tree.exists():
        shutil.rmtree(tree)
    submission.materialize_fixture(REPO, fixture, tree)
    table = grade.load_table(grade.DEFAULT_TABLE)
    bins = sorted({f"build/host/{t.binary}" for t in table.labs[fx.lab] if t.kind == "host"})
    built = subprocess.run(["make", "-C", str(tree), "-j2", "build/kernel.elf", *bins],
                           capture_output=True, text=True)
    build = "builds" if built.returncode == 0 else "BUILD FAILS: " + \
        next((l for l in built.stdout.splitlines() + built.stderr.splitlines() if "error" in l), "?")
    ran = subprocess.run([str(REPO / "tools" / "grade"), "--tree", str(tree), str(fx.lab)],
                         capture_output=True, text=True)
    (work / f"{fixture.stem}.grade.txt").write_text(ran.stdout + ran.stderr)
    m = re.search(rf"^{fx.lab}\s+lab {fx.lab} total\s+(\d+)/100", ran.stdout, re.M)
    passed = [l.split()[2:] for l in ran.stdout.splitlines() if l.rstrip().endswith("PASS")]
    return build, (m[1] if m else "?"), f"{len(passed)} tests pass"


def official(fixture: Path, work: Path, seed: int) -> str:
    """The instructor's grader's line for @fixture: total and passed tests."""
    import grade_submission
    tree = work / fixture.stem
    if tree.exists():
        shutil.rmtree(tree)
    lab = submission.materialize_fixture(REPO, fixture, tree / "sub")
    out = grade_submission.grade_one(tree / "sub", lab, tree / "work", seed=seed, jobs=2,
                                     base_cache=REPO / "build" / "test-grading" / "base",
                                     say=lambda *a: None)
    (work / f"{fixture.stem}.official.txt").write_text("\n".join(grade_submission.render(out)) + "\n")
    passed = ", ".join(f"{v.name} {v.max_score}" for v in out.verdicts if v.passed)
    return f"official {out.score}/100 (seed {seed}){'; passed: ' + passed if passed else ''}" + \
        (f"; NOT GRADED: {out.error}" if out.error else "")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("fixtures", nargs="*")
    ap.add_argument("--keep", help="where the trees and grade outputs go (default: a temp dir, "
                    "removed)")
    ap.add_argument("--official", action="store_true", help="grade with tools/grade --submission's "
                    "grader instead of the feedback grader")
    ap.add_argument("--seed", type=int, default=7, help="with --official: the workload seed")
    args = ap.parse_args()
    fixtures = [Path(f) for f in args.fixtures] or sorted((HERE / "fixtures").glob("*.regions"))
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pagewise-fixtures-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o711)  # the sandbox's unprivileged user must reach the scratch dirs below
    try:
        for f in fixtures:
            if args.official:
                print(f"{f.stem}: {official(f, work, args.seed)}", flush=True)
                continue
            build, total, detail = score(f, work)
            print(f"{f.stem}: {build}; today's feedback score {total}/100 ({detail})", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
