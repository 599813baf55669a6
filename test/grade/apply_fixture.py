#!/usr/bin/python3
"""apply_fixture.py - make a student tree from a region fixture
(test/grade/fixtures/NAME.regions, format in test/grade/fixtures/README.md),
for testing graders until tools/submission.py's materialize_fixture() is
there, and beside it as a second opinion.

The tree is lab N's handout (tools/handout.py: earlier labs solved, later
labs stubbed) with each lab-N region filled as a student fills it: the TODO
comment, the fixture's body for the regions it names and the reference
solution for the others, then the "LAB N END" line. "@@ FILE path" sections
replace whole files (outside changes). With --full, labs after N keep their
reference solutions instead of their stubs.

Usage: test/grade/apply_fixture.py FIXTURE OUTDIR [--repo REPO] [--full]
       test/grade/apply_fixture.py --check FIXTURE...  (parse and resolve only)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import handout  # noqa: E402

_HEADER = re.compile(r"@@ (?P<path>\S+) (?P<name>[A-Za-z_]\w*)")
_FILE = re.compile(r"@@ FILE (?P<path>\S+)")
_LAB = re.compile(r"lab\s*=\s*(?P<lab>[0-9]+)")


class FixtureError(Exception):
    """A fixture that cannot be read or applied; the message says where."""


@dataclass
class Fixture:
    """A parsed fixture: its lab, its top comment (without "# "), the
    bodies of the regions it replaces by (path, name), and the whole files
    it replaces by path."""

    name: str
    lab: int
    comment: list[str] = field(default_factory=list)
    regions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def parse_fixture(path: Path) -> Fixture:
    """Read the fixture at @path: "#" comment lines, then "lab = N", then
    sections each opened by "@@ PATH NAME" (a region's new body) or
    "@@ FILE PATH" (a file's new content). Trailing blank lines of a
    section are dropped (a file's content keeps one final newline)."""
    lines = path.read_text().split("\n")
    fx = Fixture(path.stem, 0)
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        if lines[i].startswith("#"):
            fx.comment.append(lines[i][1:].strip())
        i += 1
    m = _LAB.fullmatch(lines[i].strip()) if i < len(lines) else None
    if not m:
        raise FixtureError(f"{path}:{i + 1}: expected 'lab = N' after the top comment")
    fx.lab = int(m["lab"])
    i += 1
    key = None
    body: list[str] = []

    def close():
        while body and not body[-1].strip():
            body.pop()
        if key is None:
            if any(s.strip() for s in body):
                raise FixtureError(f"{path}: text before the first '@@' section")
        elif key[0] == "FILE":
            fx.files[key[1]] = "\n".join(body) + "\n"
        else:
            fx.regions[key] = list(body)

    for n in range(i, len(lines)):
        line = lines[n]
        if line.startswith("@@ "):
            close()
            body = []
            f, h = _FILE.fullmatch(line), _HEADER.fullmatch(line)
            if f:
                key = ("FILE", f["path"])
                if f["path"] in fx.files:
                    raise FixtureError(f"{path}:{n + 1}: {f['path']} is replaced twice")
            elif h:
                key = (h["path"], h["name"])
                if key in fx.regions:
                    raise FixtureError(f"{path}:{n + 1}: region {h['name']} is replaced twice")
            else:
                raise FixtureError(f"{path}:{n + 1}: a section opens with '@@ PATH NAME' or "
                                   "'@@ FILE PATH'")
        else:
            body.append(line)
    close()
    if not fx.regions and not fx.files:
        raise FixtureError(f"{path}: replaces nothing")
    return fx


def _render(text: str, regions: list[handout.Region], lab: int, fx: Fixture | None,
            full: bool) -> str:
    """@text as a student of @lab hands it in: labs before @lab solved
    without markers; lab @lab's regions as TODO comment + body (the
    fixture's when it names the region) + END line; later labs stubbed
    (or solved, with @full)."""
    lines = handout._lines(text)
    out: list[str] = []
    pos = 0
    for r in regions:
        out += lines[pos:r.begin - 1]
        cr = "\r" if lines[r.begin - 1].endswith("\r") else ""
        if r.lab < lab or (full and r.lab > lab):
            out += lines[r.body - 1:r.end - 1]
        elif r.lab == lab:
            body = fx.regions.get((r.path, r.name)) if fx else None
            out += [t + cr for t in r.todo]
            out += [b + cr for b in body] if body is not None else lines[r.body - 1:r.end - 1]
            out.append(lines[r.end - 1])
        else:
            out += [t + cr for t in r.todo] + [(r.indent + s if s else "") + cr for s in r.stub]
        pos = r.end
    return "\n".join(out + lines[pos:])


def materialize(repo: Path, fx: Fixture, outdir: Path, full: bool = False) -> list[str]:
    """Write the tree of @fx (from the git work tree @repo) to @outdir,
    which must not exist or be empty. Returns the paths changed outside
    regions ("@@ FILE"). Raises FixtureError when the fixture names a
    region that is not one of lab N's, or a file outside the tree."""
    files: dict[str, tuple[bytes, bool]] = {}
    found: set[tuple[str, str]] = set()
    for path, executable in handout.tracked_files(repo).items():
        data = (repo / path).read_bytes()
        style = handout.STYLES.get(Path(path).suffix)
        if style:
            text = data.decode("utf-8", "surrogateescape")
            regions = handout.parse(path, text, style)
            if regions:
                for r in regions:
                    if (r.path, r.name) in fx.regions:
                        if r.lab != fx.lab:
                            raise FixtureError(f"{fx.name}: {r.path} {r.name} is a lab {r.lab} "
                                               f"region, not lab {fx.lab}'s")
                        found.add((r.path, r.name))
                data = _render(text, regions, fx.lab, fx, full).encode("utf-8", "surrogateescape")
        files[path] = (data, executable)
    missing = sorted(set(fx.regions) - found)
    if missing:
        raise FixtureError(f"{fx.name}: no such lab {fx.lab} region: "
                           + ", ".join(f"{p} {n}" for p, n in missing))
    for path, content in fx.files.items():
        if path.startswith("/") or ".." in Path(path).parts:
            raise FixtureError(f"{fx.name}: @@ FILE {path}: a path inside the tree, please")
        executable = files.get(path, (b"", False))[1]
        files[path] = (content.encode(), executable)
    handout.write_tree(outdir, files)
    return sorted(fx.files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="apply_fixture", description="Write the student tree of a "
                                 "region fixture (test/grade/fixtures/README.md).")
    ap.add_argument("fixture", nargs="+", help="FIXTURE OUTDIR, or with --check the fixtures")
    ap.add_argument("--repo", default=str(REPO), help="the git work tree (default: this one)")
    ap.add_argument("--full", action="store_true", help="later labs solved, not stubbed")
    ap.add_argument("--check", action="store_true", help="only parse each fixture and check its "
                    "regions exist in REPO")
    args = ap.parse_args(argv)
    repo = Path(args.repo)
    try:
        if args.check:
            import tempfile
            for f in args.fixture:
                fx = parse_fixture(Path(f))
                with tempfile.TemporaryDirectory() as tmp:
                    materialize(repo, fx, Path(tmp) / "t")
                print(f"{f}: lab {fx.lab}, {len(fx.regions)} regions, {len(fx.files)} files")
            return 0
        if len(args.fixture) != 2:
            ap.error("FIXTURE OUTDIR")
        fx = parse_fixture(Path(args.fixture[0]))
        outside = materialize(repo, fx, Path(args.fixture[1]), args.full)
    except (FixtureError, handout.HandoutError) as e:
        print(f"apply_fixture: {e}", file=sys.stderr)
        return 1
    print(f"apply_fixture: {fx.name}: lab {fx.lab}, {len(fx.regions)} regions replaced"
          + (f", outside changes: {', '.join(outside)}" if outside else "") + f" -> {args.fixture[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
