#!/usr/bin/python3
"""lab_solve.py - write the full tree's solution of some lab regions into a
lab's handout, as a student who has done those exercises would have them.

    docs/runs/lab_solve.py LAB HANDOUT_DIR NAME [NAME ...]

The runs of docs/runs/labs.toml use it to show a handout part way through
(lab 2's boot with __va, __pa and map_range written, say). Each NAME is a
region of the markers (docs/labs/INSTRUCTORS.md), found in whichever file of
this tree holds it; the handout's copy of that file is written again as
tools/handout would write it for LAB, except that the named regions hold
their solution between the TODO comment and the END line, where a student
writes it. Exit status 1 when a name is no region of lab LAB or later
(the handout has no stub for it) or when the handout lacks the file."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import handout  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    lab, outdir, names = int(argv[0]), Path(argv[1]), set(argv[2:])
    found: set[str] = set()
    for rel in handout.tracked_files(REPO):
        style = handout.STYLES.get(Path(rel).suffix)
        if style is None or not (REPO / rel).is_file():
            continue
        text = (REPO / rel).read_text()
        regions = handout.parse(rel, text, style)
        mine = [r for r in regions if r.name in names and r.lab >= lab]
        if not mine:
            continue
        if not (outdir / rel).is_file():
            print(f"lab_solve: {outdir / rel} is missing", file=sys.stderr)
            return 1
        lines = text.split("\n")
        bodies = {(rel, r.name): lines[r.body - 1:r.end - 1] for r in mine}  # between TODO and END
        found.update(r.name for r in mine)
        (outdir / rel).write_text(handout.render(text, regions, lab, bodies))
        print(f"lab_solve: {rel}: solved {', '.join(r.name for r in mine)}")
    if names - found:
        print(f"lab_solve: no region of lab {lab} or later named {', '.join(sorted(names - found))}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
