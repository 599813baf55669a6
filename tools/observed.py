"""observed.py - the shared shapes of the instructor's grader (tools/grade
--submission): a graded test's verdict, and how a checker runs student code.

The official mark of a lab rests only on verdicts a checker reaches by
observing state from outside the code under test (docs/labs/INSTRUCTORS.md):
the grader picks the workload from a seed drawn when grading, runs the
student's code in the sandbox (tools/sandbox.py), reads the resulting state
(a host child's dump of its machine, or guest memory read through QEMU's
gdbstub) and compares it with its own reference model. What student code
prints or reports never counts.

Checkers: tools/observe_host.py (host harness children) and
tools/observe_kernel.py (the kernel under QEMU and gdb). Each exports
BUILD_TARGETS (make targets the grader builds in the sandbox first),
SHARES (points per lab it owns) and grade(lab, ctx) -> list[Verdict]."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Verdict:
    """One graded test of lab @lab: @name (stable: it names the test in the
    Gradescope JSON), worth @max_score points, earned in full when @passed.
    @output says what was checked and, on failure, the first difference
    found, in a few lines a student can act on."""

    lab: int
    name: str
    max_score: int
    passed: bool
    output: str

    @property
    def score(self) -> int:
        """The points earned: all or nothing."""
        return self.max_score if self.passed else 0


class Runner(Protocol):
    """Runs student-built code in the sandbox. @argv runs with @cwd (a path
    under the scratch directory), standard output and error appended to
    @log (outside the sandbox, for the grader only), @stdin fed if given.
    Returns the exit status, or None when it was killed at @timeout
    seconds (wall clock) or by a resource limit."""

    def __call__(self, argv: list[str], *, cwd: Path, timeout: float, log: Path,
                 stdin: bytes | None = None) -> int | None: ...


@dataclass
class Context:
    """What a checker gets for one lab of one submission.

    tree     the spliced tree (the fresh handout plus the student's regions),
             already built with every checker's BUILD_TARGETS; under scratch.
    scratch  the one directory the sandbox may write; files the checker
             wants a child to write go here (e.g. scratch / "out").
    run      the Runner.
    rng      random.Random seeded from the grading seed: draw workloads and
             machine sizes from it, never from a fixed seed in the tree.
    logs     a directory outside the sandbox for the checker's own logs.
    tools    the instructor's tools/ directory (read-only inside the
             sandbox; scripts a child runs, such as a gdb observer, come
             from here, never from the tree).
    time_scale  multiply timeouts by it (PAGEWISE_EMU_TIME_SCALE)."""

    tree: Path
    scratch: Path
    run: Runner
    rng: random.Random
    logs: Path
    tools: Path
    time_scale: float = 1.0
    notes: list[str] = field(default_factory=list)  # for the report, not scored
