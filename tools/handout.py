"""handout.py - write a student's tree for lab LAB: the files git tracks,
with the solution of every lab >= LAB replaced by the stub its marker holds
and the markers of earlier labs removed (their solutions stay). Optionally
check that no solution line survives anywhere in the tree, and pack it as a
tarball that is the same byte for byte on every run.

Markers (docs/labs/INSTRUCTORS.md, "How markers work") are read in C (.c,
.h), nasm (.asm, .inc) and Python (.py) files; other files are copied as
they are. A solution region is a BEGIN comment, the solution lines, and an
END comment, in C:

    /* LAB 3 BEGIN expand: what to write, on as many " * " lines as needed.
     * STUB:
     *	lab_missing(3, "expand");
     *	return;
     */
    ...solution lines...
    /* LAB 3 END */

In nasm and Python the BEGIN comment is a run of ";" or "#" lines at the
marker's indentation, ended by the first line that is not one. In the
handout a stubbed region becomes the BEGIN comment, with BEGIN changed to
TODO and the STUB part cut, followed by the stub's lines at the marker's
indentation and the region's END line as it is: the student writes between
the TODO comment and the END line, and tools/submission.py cuts a
submission's regions there. A handout's TODO ... END regions are no
markers: a handout of a handout copies them unchanged."""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import subprocess
import sys
import tarfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

FIRST_LAB, LAST_LAB = 1, 5
REPO = Path(__file__).resolve().parents[1]  # the tree this tool belongs to
# Tracked or not, never handed out: build output, the instructors' guide,
# the grader's negative fixtures (wrong solutions, a forgery), and the
# instructor's checkers with their reference models (observe_model.py
# simulates the very allocator the labs ask for) and their tests.
EXCLUDED = ("build/", "docs/labs/INSTRUCTORS.md", "test/grade/fixtures/", "tools/observe",
            "test/tools/test_observe_", "test/tools/test_fixtures.py", "test/grading/")
# A solution line is checked by --check when, with its whitespace runs
# collapsed to one space and its ends stripped, it is at least this long and
# holds a letter or digit. Shorter lines ("}", "return;", "order++;") are
# everywhere in C and would match by chance.
MIN_SECRET_CHARS = 16
TODO = "TODO"  # the word that replaces BEGIN in a handout's comment
TAB_WIDTH, COLUMN_LIMIT = 8, 80  # .clang-format's: a TODO comment of one line must fit


class HandoutError(Exception):
    """A tree that cannot be handed out; one "path:line: reason" (or
    "path: reason") per line of the message."""


@dataclass(frozen=True)
class Style:
    """How one language writes markers: the comment opener (a regex) and
    whether the BEGIN comment is a /* */ block or a run of line comments."""

    name: str
    opener: str
    block: bool

    def marker(self) -> re.Pattern:
        """BEGIN and END lines: "<indent><opener> LAB <n> BEGIN|END<rest>"."""
        return re.compile(rf"(?P<indent>[ \t]*){self.opener}[ \t]*LAB[ \t]+(?P<lab>\d+)[ \t]+"
                          rf"(?P<kind>BEGIN|END|{TODO})\b(?P<rest>.*?)[ \t]*")


C = Style("C", r"/\*", True)
NASM = Style("nasm", ";", False)
PYTHON = Style("Python", "#", False)
STYLES = {".c": C, ".h": C, ".asm": NASM, ".inc": NASM, ".py": PYTHON}
MARKERS = {style: style.marker() for style in (C, NASM, PYTHON)}

_NAME = r"[A-Za-z_]\w*"
_BEGIN_REST = re.compile(rf"[ \t]+(?P<name>{_NAME})[ \t]*(?::.*)?")
_END_REST = re.compile(rf"(?:[ \t]+(?P<name>{_NAME}))?")
_C_CONTINUE = re.compile(r"[ \t]*\*(?!/)(?P<body>.*)")  # " * text"
_C_CLOSE = re.compile(r"[ \t]*\*/[ \t]*")  # " */"


@dataclass
class Region:
    """One lab's solution in one file. Line numbers count from 1: @begin is
    the BEGIN line, @body the first solution line (after the BEGIN comment),
    @end the END line; the solution is lines @body .. @end - 1. @todo holds
    the lines of the comment left in a handout, @stub the stub's lines
    without indentation ("" for a blank line), @indent the BEGIN line's,
    @end_text the END line as written."""

    path: str
    lab: int
    name: str
    begin: int
    indent: str
    todo: list[str] = field(default_factory=list)
    stub: list[str] = field(default_factory=list)
    body: int = 0
    end: int = 0
    end_text: str = ""  # the END line, without its "\r"


@dataclass(frozen=True)
class Secret:
    """A solution line that must not reach a handout: @text normalized
    (see MIN_SECRET_CHARS), @where its "path:line" in the source tree."""

    text: str
    where: str
    region: Region


def normalize(line: str) -> str:
    """@line with its ends stripped and each whitespace run made one space."""
    return " ".join(line.split())


def _lines(text: str) -> list[str]:
    """The lines of @text without "\\n" (a "\\r" stays): line n is [n - 1]."""
    return text.split("\n")


def _begin(path: str, lines: list[str], i: int, m: re.Match, style: Style) -> Region:
    """The region whose BEGIN marker @m is on lines[@i], read up to its
    first solution line (region.body); the END is found by parse()."""
    lab, where = int(m["lab"]), f"{path}:{i + 1}"
    rest, closed = m["rest"], False
    if style.block and rest.endswith("*/"):
        rest, closed = rest[:-2].rstrip(), True
    head = _BEGIN_REST.fullmatch(rest)
    if not head or "*/" in rest:
        raise HandoutError(f"{where}: LAB {lab} BEGIN needs a name and may say what to write: "
                           f"LAB {lab} BEGIN function: what to write")
    line = lines[i].rstrip("\r")
    r = Region(path, lab, head["name"], i + 1, m["indent"],
               todo=[line[:m.start("kind")] + TODO + line[m.end("kind"):]])
    stub: list[str] = []
    in_stub = False
    j = i + 1
    cont = None if style.block else re.compile(rf"{re.escape(m['indent'])}{style.opener}(?P<body>.*)")
    while not closed:
        if j == len(lines) or (j == len(lines) - 1 and lines[j] == ""):
            if style.block:
                raise HandoutError(f"{where}: the comment of LAB {lab} BEGIN {r.name} is never closed")
            break
        line = lines[j].rstrip("\r")
        if style.block:
            if _C_CLOSE.fullmatch(line):
                one_line = r.todo[0] + " */"  # when the STUB part was all that followed
                fits = len(r.todo) == 1 and len(one_line.expandtabs(TAB_WIDTH)) <= COLUMN_LIMIT
                r.todo = [one_line] if fits else r.todo + [line]
                j += 1
                break
            c = _C_CONTINUE.fullmatch(line)
            if not c or "*/" in line:
                raise HandoutError(f"{path}:{j + 1}: the comment of LAB {lab} BEGIN {r.name} goes on "
                                   f"with \" * \" lines and ends with \" */\" on a line of its own")
        else:
            c = cont.fullmatch(line)
            if not c or MARKERS[style].fullmatch(line):
                break  # the first line that is not part of the BEGIN comment
        if in_stub:
            stub.append(c["body"])
        elif c["body"].strip() == "STUB:":
            in_stub = True
        else:
            r.todo.append(line)
        j += 1
    r.stub = textwrap.dedent("\n".join(stub)).strip("\n").split("\n") if any(s.strip() for s in stub) else []
    r.body = j + 1
    return r


def _skip_todo(lines: list[str], i: int, lab: int, style: Style) -> int:
    """Where reading goes on after the TODO line lines[@i]: after the END
    of lab @lab that closes it when one comes before any other marker (a
    handout's TODO region, copied as it is, so that a handout of a handout
    changes nothing), else on the next line (a TODO line alone, as in a
    test's string, is plain text)."""
    for j in range(i + 1, len(lines)):
        m = MARKERS[style].fullmatch(lines[j].rstrip("\r"))
        if m:
            return j + 1 if m["kind"] == "END" and int(m["lab"]) == lab else i + 1
    return i + 1


def parse(path: str, text: str, style: Style) -> list[Region]:
    """The marked regions of file @path holding @text, in order. Raises
    HandoutError "path:line: reason" at the first broken marker: a lab
    number outside FIRST_LAB..LAST_LAB, a BEGIN without a name, a BEGIN
    inside a region (markers do not nest), an END without a BEGIN or for
    another lab or name, a BEGIN without an END, a C BEGIN comment that is
    not closed or not made of " * " lines. A handout's TODO region (a TODO
    line and the END of its lab that comes next) is skipped: it is no
    region."""
    lines = _lines(text)
    regions: list[Region] = []
    current: Region | None = None
    i = 0
    while i < len(lines):
        m = MARKERS[style].fullmatch(lines[i].rstrip("\r"))
        if not m:
            i += 1
            continue
        lab, kind, where = int(m["lab"]), m["kind"], f"{path}:{i + 1}"
        if not FIRST_LAB <= lab <= LAST_LAB:
            raise HandoutError(f"{where}: LAB {lab} {kind}: labs are numbered {FIRST_LAB} to {LAST_LAB}")
        if kind == TODO:
            if current:
                raise HandoutError(f"{where}: LAB {lab} {TODO} inside the LAB {current.lab} region "
                                   f"{current.name} opened at line {current.begin}: markers do not nest")
            i = _skip_todo(lines, i, lab, style)
            continue
        if kind == "BEGIN":
            if current:
                raise HandoutError(f"{where}: LAB {lab} BEGIN inside the LAB {current.lab} region "
                                   f"{current.name} opened at line {current.begin}: markers do not nest")
            current = _begin(path, lines, i, m, style)
            i = current.body - 1
            continue
        rest = m["rest"]
        if style.block:
            if not rest.endswith("*/"):
                raise HandoutError(f"{where}: LAB {lab} END is a comment of its own: /* LAB {lab} END */")
            rest = rest[:-2].rstrip()
        end = _END_REST.fullmatch(rest)
        if not end:
            raise HandoutError(f"{where}: LAB {lab} END may be followed by the region's name only")
        if not current:
            raise HandoutError(f"{where}: LAB {lab} END without a LAB {lab} BEGIN")
        if lab != current.lab:
            raise HandoutError(f"{where}: LAB {lab} END closes the LAB {current.lab} region "
                               f"{current.name} opened at line {current.begin}")
        if end["name"] and end["name"] != current.name:
            raise HandoutError(f"{where}: LAB {lab} END {end['name']} closes the region "
                               f"{current.name} opened at line {current.begin}")
        current.end = i + 1
        current.end_text = lines[i].rstrip("\r")
        regions.append(current)
        current = None
        i += 1
    if current:
        raise HandoutError(f"{path}:{current.begin}: LAB {current.lab} BEGIN {current.name} "
                           f"has no LAB {current.lab} END")
    return regions


def render(text: str, regions: list[Region], lab: int,
           bodies: dict[tuple[str, str], list[str]] | None = None) -> str:
    """@text (holding @regions) as handed out for @lab: a region of a lab
    before @lab keeps its solution and loses its marker lines; any other is
    replaced by its TODO comment and its stub, at the BEGIN's indentation,
    and keeps its END line, so that what a student writes in its place is
    the lines between the TODO comment and the END. Line ends ("\\n" or
    "\\r\\n") follow the BEGIN line's.

    @bodies (optional) maps (path, name) of a region to the lines (without
    line ends) to write in place of its stub or solution; such a region is
    written as a stubbed one (TODO comment, the lines, END) whatever its
    lab: tools/submission.py splices a student's regions so."""
    lines = _lines(text)
    out: list[str] = []
    pos = 0  # index of the next line to copy
    for r in regions:
        out += lines[pos:r.begin - 1]
        body = (bodies or {}).get((r.path, r.name))
        if body is None and r.lab < lab:
            out += lines[r.body - 1:r.end - 1]
        else:
            cr = "\r" if lines[r.begin - 1].endswith("\r") else ""
            fill = body if body is not None else [r.indent + s if s else "" for s in r.stub]
            out += [t + cr for t in r.todo] + [s + cr for s in fill] + [lines[r.end - 1]]
        pos = r.end
    return "\n".join(out + lines[pos:])


def _outside_stubbed(text: str, regions: list[Region], lab: int) -> list[str]:
    """The lines of @text that its handout for @lab shows on purpose,
    normalized: those outside every region the handout stubs, and the
    stubs."""
    lines = _lines(text)
    inside, stubs = set(), []
    for r in regions:
        if r.lab >= lab:
            inside.update(range(r.begin, r.end + 1))
            stubs += [normalize(line) for line in r.stub]
    return [normalize(line) for n, line in enumerate(lines, 1) if n not in inside] + stubs


def secrets(text: str, regions: list[Region], lab: int) -> list[Secret]:
    """The checked solution lines of the regions of @regions that the
    handout of @lab stubs: those MIN_SECRET_CHARS long or more, except the
    lines of the region's own stub (a stubbed function keeps its first
    line)."""
    lines = _lines(text)
    found = []
    for r in regions:
        if r.lab < lab:
            continue
        stub = {normalize(line) for line in r.stub}
        for n in range(r.body, r.end):
            s = normalize(lines[n - 1])
            if len(s) >= MIN_SECRET_CHARS and any(ch.isalnum() for ch in s) and s not in stub:
                found.append(Secret(s, f"{r.path}:{n}", r))
    return found


@dataclass
class Handout:
    """The tree for lab @lab, not yet written: @files maps each path to its
    bytes and whether it is executable, in sorted order; @changed lists the
    paths whose text differs from the source; @regions are all the regions
    found, @secrets the checked lines of the stubbed ones."""

    lab: int
    files: dict[str, tuple[bytes, bool]]
    regions: list[Region]
    changed: list[str]
    secrets: list[Secret]
    missing: list[str]  # tracked but deleted from the work tree: left out

    def summary(self) -> list[str]:
        """What was done, for people: counts, then each lab's regions."""
        stubbed = [r for r in self.regions if r.lab >= self.lab]
        lines = [f"{len(self.changed)} files changed, {len(stubbed)} regions stubbed, "
                 f"{len(self.regions) - len(stubbed)} kept"]
        for lab in range(FIRST_LAB, LAST_LAB + 1):
            names = [r.name for r in self.regions if r.lab == lab]
            if names:
                how = "kept" if lab < self.lab else "stubbed"
                lines.append(f"  lab {lab}: {how} {len(names)}: {', '.join(names)}")
        return lines


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode:
        raise HandoutError(f"{repo}: git {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def tracked_files(repo: Path) -> dict[str, bool]:
    """The paths git tracks in @repo (relative to it, sorted), but none under
    EXCLUDED, each with True if its git mode is executable. Raises
    HandoutError for symlinks and submodules, which handouts do not hold."""
    files: dict[str, bool] = {}
    for entry in _git(repo, "ls-files", "-s", "-z").split("\0"):
        if not entry:
            continue
        info, path = entry.split("\t", 1)
        mode = info.split()[0]
        if path.startswith(EXCLUDED):
            continue
        if mode not in ("100644", "100755"):
            raise HandoutError(f"{path}: git mode {mode} (a symlink or submodule): "
                               "handouts hold plain files only")
        files[path] = mode == "100755"
    return dict(sorted(files.items()))


def make_handout(repo: Path, lab: int) -> Handout:
    """The handout of @lab made from the work tree of the git repository
    @repo (uncommitted edits included, untracked files not). Raises
    HandoutError listing every file with a broken marker."""
    files: dict[str, tuple[bytes, bool]] = {}
    regions: list[Region] = []
    changed, found, missing, errors = [], [], [], []
    shown: list[str] = []  # src/ lines outside stubbed regions, normalized
    for path, executable in tracked_files(repo).items():
        try:
            data = (repo / path).read_bytes()
        except FileNotFoundError:
            missing.append(path)
            continue
        style = STYLES.get(os.path.splitext(path)[1])
        if style:
            text = data.decode("utf-8", "surrogateescape")
            try:
                marked = parse(path, text, style)
            except HandoutError as e:
                errors.append(str(e))
                continue
            if path.startswith("src/"):
                shown += _outside_stubbed(text, marked, lab)
            if marked:
                regions += marked
                found += secrets(text, marked, lab)
                data = render(text, marked, lab).encode("utf-8", "surrogateescape")
                changed.append(path)
        files[path] = (data, executable)
    if errors:
        raise HandoutError("\n".join(errors))
    return Handout(lab, files, regions, changed, _not_shown(found, shown), missing)


def _not_shown(found: list[Secret], shown: list[str]) -> list[Secret]:
    """@found less the lines that the handout's src/ shows anyway, outside
    every stubbed region: a solution line that is part of such a line
    (normalized) is common code, such as "struct page *page;", and gives
    nothing away. @shown: those lines, normalized."""
    return [s for s in found if not any(s.text in line for line in shown)]


def write_tree(outdir: Path, files: dict[str, tuple[bytes, bool]]) -> None:
    """Write @files under @outdir, which must not exist or be empty."""
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise HandoutError(f"{outdir}: exists and is not an empty directory; remove it first")
    for path, (data, executable) in files.items():
        out = outdir / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        out.chmod(0o755 if executable else 0o644)


def find_leaks(outdir: Path, found: list[Secret]) -> list[str]:
    """Where the lines of @found occur in any file under @outdir, as
    "path:line: text (solution of lab N name at source:line)": each file's
    lines are normalized and searched for each secret as a substring."""
    unique: dict[str, Secret] = {}
    for s in found:
        unique.setdefault(s.text, s)  # a line repeated in the solutions is reported once
    leaks = []
    for dirpath, dirnames, filenames in os.walk(outdir):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(outdir)
            text = "\n".join(normalize(l) for l in path.read_bytes().decode("utf-8", "replace").split("\n"))
            for s in unique.values():
                at = text.find(s.text)
                while at >= 0:
                    leaks.append(f"{rel}:{text.count(chr(10), 0, at) + 1}: {s.text} "
                                 f"(solution of lab {s.region.lab} {s.region.name} at {s.where})")
                    at = text.find(s.text, at + 1)
    return leaks


def find_uncuttable(outdir: Path, h: Handout) -> list[str]:
    """The stubbed regions of @h that tools/submission.py could not cut out
    of the handout written at @outdir (its TODO comment and END line not
    found exactly once, or the stub not between them), as "path: LAB n
    name: reason". A handout must give every student a region to write in
    that the grader can find again."""
    import submission  # beside this file; it imports this module

    problems = []
    by_path: dict[str, list[Region]] = {}
    for r in h.regions:
        if r.lab >= h.lab:
            by_path.setdefault(r.path, []).append(r)
    for path, regions in by_path.items():
        text = (outdir / path).read_bytes().decode("utf-8", "surrogateescape")
        slots = [submission.slot_of(r) for r in regions]
        for name, c in submission.cut(text, slots, STYLES[os.path.splitext(path)[1]]).items():
            if not c.found:
                problems.append(f"{path}: LAB {c.slot.lab} {name}: {c.problem}")
            elif c.body != list(c.slot.stub):
                problems.append(f"{path}: LAB {c.slot.lab} {name}: what lies between its TODO comment "
                                "and END line is not its stub")
    return problems


def source_date(repo: Path) -> int:
    """The time stamped on every tarball entry: the commit time of @repo's
    HEAD, or 0 when it has no commit."""
    try:
        return int(_git(repo, "log", "-1", "--format=%ct").strip() or 0)
    except HandoutError:
        return 0


def tar_top(tar_path: Path) -> str:
    """The directory a tarball unpacks to: its name without .tar.gz, .tgz
    or .tar (build/handout-lab3.tar.gz holds handout-lab3/)."""
    return re.sub(r"\.(tar\.gz|tgz|tar)$", "", tar_path.name)


def write_tar(tar_path: Path, files: dict[str, tuple[bytes, bool]], mtime: int) -> None:
    """@files as a tarball at @tar_path (gzip unless the name ends in .tar)
    under the directory tar_top(@tar_path), the same bytes on every run:
    entries sorted, each directory before its files, owner 0:0 without
    names, every time @mtime, modes 0755 (directories, executables) and
    0644."""
    top = tar_top(tar_path)
    entries = {top: None}
    for path in files:
        parts = path.split("/")
        for k in range(1, len(parts)):
            entries[f"{top}/{'/'.join(parts[:k])}"] = None
        entries[f"{top}/{path}"] = path
    tar_path.parent.mkdir(parents=True, exist_ok=True)
    with open(tar_path, "wb") as raw:
        plain = tar_path.name.endswith(".tar")
        stream = raw if plain else gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
        with tarfile.open(fileobj=stream, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name in sorted(entries):
                info = tarfile.TarInfo(name)
                info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
                path = entries[name]
                if path is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                    continue
                data, executable = files[path]
                info.size, info.mode = len(data), 0o755 if executable else 0o644
                tar.addfile(info, io.BytesIO(data))
        if not plain:
            stream.close()


def lab_number(text: str) -> int:
    """LAB on the command line: an integer in FIRST_LAB..LAST_LAB."""
    if not text.isdigit() or not FIRST_LAB <= int(text) <= LAST_LAB:
        raise argparse.ArgumentTypeError(f"{text!r}: labs are {FIRST_LAB} to {LAST_LAB}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status: 1 for broken markers, a
    non-empty OUTDIR or (with --check) solution lines in the handout or a
    stubbed region that tools/submission.py cannot cut out of it."""
    ap = argparse.ArgumentParser(prog="handout", description="Write the student tree of lab LAB: the "
                                 "files git tracks, labs >= LAB stubbed, earlier labs solved "
                                 "(docs/labs/INSTRUCTORS.md).")
    ap.add_argument("lab", type=lab_number, metavar="LAB", help=f"the lab, {FIRST_LAB} to {LAST_LAB}")
    ap.add_argument("outdir", metavar="OUTDIR", help="the directory to write; must not exist or be empty")
    ap.add_argument("--tar", metavar="FILE", help="also write the tree as FILE (gzip, or plain if "
                    "FILE ends in .tar), the same bytes on every run")
    ap.add_argument("--check", action="store_true", help="fail, and write no tarball, if any solution "
                    f"line of a stubbed region (of {MIN_SECRET_CHARS} characters or more) is in the tree, "
                    "or a stubbed region cannot be found again between its TODO comment and END line")
    ap.add_argument("--repo", default=str(REPO), help="the git work tree to hand out (default: "
                    "the one holding this tool)")
    args = ap.parse_args(argv)
    repo, outdir = Path(args.repo), Path(args.outdir)

    try:
        h = make_handout(repo, args.lab)
        write_tree(outdir, h.files)
    except HandoutError as e:
        for line in str(e).split("\n"):
            print(f"handout: {line}", file=sys.stderr)
        return 1
    print(f"handout: lab {args.lab}: {len(h.files)} files written to {outdir}")
    for line in h.summary():
        print(f"handout: {line}")
    for path in h.missing:
        print(f"handout: left out {path}: tracked by git but not in the work tree")
    if args.check:
        leaks = find_leaks(outdir, h.secrets)
        uncuttable = find_uncuttable(outdir, h)
        if leaks or uncuttable:
            for leak in leaks:
                print(f"handout: leak: {outdir}/{leak}", file=sys.stderr)
            for problem in uncuttable:
                print(f"handout: region not cut out again: {outdir}/{problem}", file=sys.stderr)
            print(f"handout: {len(leaks)} solution lines found in {outdir}, {len(uncuttable)} regions "
                  "that a submission could not be graded on; no tarball written", file=sys.stderr)
            if args.tar and os.path.exists(args.tar):
                os.remove(args.tar)  # an older tarball must not pass for this one
            return 1
        print(f"handout: check: none of the {len(h.secrets)} checked solution lines is in {outdir}; "
              f"each stubbed region lies between its TODO comment and END line")
    if args.tar:
        write_tar(Path(args.tar), h.files, source_date(repo))
        print(f"handout: wrote {args.tar}")
    return 0


if __name__ == "__main__":
    # Run as a script, this file is __main__; tools/submission.py imports it
    # again as handout, whose Style objects are the ones it compares with.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import handout as _self
    sys.exit(_self.main())
