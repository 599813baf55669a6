"""submission.py - read a student's submission, cut out its lab regions and
splice them into a fresh handout, for the instructor's grader (issue 18;
docs/labs/INSTRUCTORS.md).

A lab-N handout (tools/handout.py) has, for each region of a lab >= N, its
TODO comment, the stub, and the region's END line:

    /* LAB 3 TODO expand: @page heads a block of order @high, ...
     */
    ...the stub, which the student replaces...
    /* LAB 3 END */

The student writes between the TODO comment and the END line. This module:

- load_submission(): copies a directory, unpacks a tarball or zip, or
  exports a git repository's HEAD, refusing anything that could write or
  point outside the destination;
- cut(): finds each region in a student's file by its TODO comment and END
  line, exactly as handed out (whitespace aside): a region whose markers are
  missing, doubled or changed is not found, and is never guessed;
- splice(): writes a fresh handout with the student's region bodies in it
  and reports every other difference between the submission and that
  handout (listed, never used);
- suspicious(): flags constructs in the spliced bodies that a lab solution
  has no need for (listed, never blocking);
- materialize_fixture(): writes a submission from a region fixture
  (test/grade/fixtures/*.regions).

Everything here treats the submission as untrusted data: sizes and counts
are bounded, no file of it is executed, and git runs with no configuration
of the student's repository."""

from __future__ import annotations

import sys
import difflib
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import handout
from handout import FIRST_LAB, LAST_LAB, HandoutError, Region, normalize

# Bounds on what load_submission() accepts (a kernel tree is ~250 files and
# a few MB; a submission with build outputs may be tens of MB).
MAX_FILES = 20000  # files, directories and links
MAX_BYTES = 256 << 20  # the sum of all file sizes, in bytes
MAX_FILE_BYTES = 64 << 20  # one file, in bytes
MAX_LINK_TARGET = 1024  # characters of a symlink's target
MAX_DIFF_LINES = 40  # lines of a modified file's diff excerpt in a report
MAX_DIFF_WIDTH = 200  # characters kept of each excerpt line
SKIPPED = (".git", "build")  # top-level names never compared with the handout
IGNORED_IN_ARCHIVES = ("__MACOSX",)  # top-level names of zip tools' metadata


class SubmissionError(Exception):
    """A submission (or fixture) that cannot be read; the message says
    which path or line and why."""


# --- Reading a submission ------------------------------------------------------
@dataclass
class Limits:
    """What one load_submission() may write: @files entries (files,
    directories, links), @bytes in all, @file_bytes in one file."""

    files: int = MAX_FILES
    bytes: int = MAX_BYTES
    file_bytes: int = MAX_FILE_BYTES


class _Sink:
    """Writes a submission's entries under @root and nowhere else: each name
    is checked (relative, no "..", no NUL), no entry is written through a
    symlink or over an existing entry, and @limits are kept."""

    def __init__(self, root: Path, limits: Limits, what: str):
        self.root, self.limits, self.what = root, limits, what
        self.files = self.bytes = 0
        self.written: dict[str, Path] = {}  # name -> path of each regular file

    def fail(self, name: str, reason: str) -> SubmissionError:
        return SubmissionError(f"{self.what}: {name}: {reason}")

    def _count(self, name: str) -> None:
        self.files += 1
        if self.files > self.limits.files:
            raise self.fail(name, f"more than {self.limits.files} entries")

    def clean(self, name: str) -> str | None:
        """@name as a relative POSIX path ("a/b"), None for the root itself;
        raises SubmissionError for an absolute name, "..", NUL or "\\"."""
        if "\0" in name or "\\" in name:
            raise self.fail(repr(name), "a name with NUL or a backslash")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name):
            raise self.fail(name, "an absolute path")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise self.fail(name, "a path with ..")
        return "/".join(parts) or None

    def _target(self, rel: str) -> Path:
        """The path to write @rel at: its parents made as real directories
        (never through a symlink or over a file), itself not existing yet."""
        path = self.root
        for part in rel.split("/")[:-1]:
            path = path / part
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                raise self.fail(rel, f"{path.relative_to(self.root)} is not a directory")
            if not path.exists():
                self._count(str(path.relative_to(self.root)))
                path.mkdir()
        path = path / rel.split("/")[-1]
        if path.is_symlink() or path.exists():
            raise self.fail(rel, "given twice")
        return path

    def directory(self, name: str) -> None:
        rel = self.clean(name)
        if rel is None:
            return
        path = self.root / rel
        if path.is_dir() and not path.is_symlink():
            return  # made already as a parent
        path = self._target(rel)
        self._count(rel)
        path.mkdir()

    def file(self, name: str, stream, size: int, executable: bool) -> None:
        """A regular file of @size bytes (as declared) read from @stream."""
        rel = self.clean(name)
        if rel is None:
            raise self.fail(name, "a file where the root should be")
        if size > self.limits.file_bytes:
            raise self.fail(rel, f"{size} bytes: more than {self.limits.file_bytes} in one file")
        if self.bytes + size > self.limits.bytes:
            raise self.fail(rel, f"more than {self.limits.bytes} bytes in all")
        path = self._target(rel)
        self._count(rel)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o755 if executable else 0o644)
        written = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > size or self.bytes + written > self.limits.bytes:
                    raise self.fail(rel, "more bytes than its header says")
                out.write(chunk)
        self.bytes += written
        self.written[rel] = path

    def symlink(self, name: str, target: str) -> None:
        """A symlink to @target, which must be relative and stay inside the
        tree (checked again on the finished tree by check_links())."""
        rel = self.clean(name)
        if rel is None:
            raise self.fail(name, "a link where the root should be")
        if len(target) > MAX_LINK_TARGET or "\0" in target:
            raise self.fail(rel, "a symlink with a bad target")
        if target.startswith("/"):
            raise self.fail(rel, f"a symlink to an absolute path ({target})")
        inside = os.path.normpath(os.path.join(os.path.dirname(rel), target))
        if inside == ".." or inside.startswith("../"):
            raise self.fail(rel, f"a symlink pointing outside the submission ({target})")
        path = self._target(rel)
        self._count(rel)
        os.symlink(target, path)

    def hardlink(self, name: str, target: str) -> None:
        """A hard link to the member @target written before: a copy of it."""
        rel, to = self.clean(name), self.clean(target)
        if rel is None or to is None or to not in self.written:
            raise self.fail(name, f"a hard link to {target}, which is no file of the submission")
        with open(self.written[to], "rb") as src:
            self.file(rel, src, self.written[to].stat().st_size, bool(self.written[to].stat().st_mode & 0o100))

    def check_links(self) -> None:
        """Raise SubmissionError if any symlink under the root resolves
        outside it (a chain of links inside can point out)."""
        root = os.path.realpath(self.root)
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    real = os.path.realpath(path)
                    if real != root and not real.startswith(root + os.sep):
                        rel = os.path.relpath(path, self.root)
                        raise self.fail(rel, "a symlink that resolves outside the submission")


def _empty_dest(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise SubmissionError(f"{dest}: exists and is not an empty directory")
    dest.mkdir(parents=True, exist_ok=True)


def _copy_dir(src: Path, sink: _Sink) -> None:
    """The files of the directory @src (a plain one, no .git) into @sink,
    without following links; device files, FIFOs, sockets and files with
    several hard links (which may be files from elsewhere) are refused."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(dirnames) + sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(src).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                sink.symlink(rel, os.readlink(path))
                if name in dirnames:
                    dirnames.remove(name)
            elif stat.S_ISDIR(st.st_mode):
                sink.directory(rel)
            elif stat.S_ISREG(st.st_mode):
                if st.st_nlink > 1:
                    raise sink.fail(rel, f"a file with {st.st_nlink} hard links: copy the submission "
                                    "(cp -r) so that its files are its own")
                with open(path, "rb") as f:
                    sink.file(rel, f, st.st_size, bool(st.st_mode & 0o100))
            else:
                raise sink.fail(rel, "a device file, FIFO or socket")


def _extract_tar(archive, sink: _Sink) -> None:
    """The members of the tarball @archive (a path or a binary file object,
    any compression tarfile reads) into @sink."""
    try:
        kw = {"name": str(archive)} if isinstance(archive, (str, Path)) else {"fileobj": archive}
        with tarfile.open(mode="r:*" if "name" in kw else "r|*", **kw) as tar:
            for m in tar:
                if m.type in (tarfile.XHDTYPE, tarfile.XGLTYPE):
                    continue
                if m.isdir():
                    sink.directory(m.name)
                elif m.isreg():
                    sink.file(m.name, tar.extractfile(m), m.size, bool(m.mode & 0o100))
                elif m.issym():
                    sink.symlink(m.name, m.linkname)
                elif m.islnk():
                    sink.hardlink(m.name, m.linkname)
                else:
                    raise sink.fail(m.name, "a device file, FIFO or other special member")
    except (tarfile.TarError, EOFError, OSError) as e:
        raise SubmissionError(f"{sink.what}: not a readable tarball: {e}") from None


def _extract_zip(path: Path, sink: _Sink) -> None:
    """The members of the zip file @path into @sink (symlinks as zip tools
    store them: the mode S_IFLNK, the target as the content)."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                mode = info.external_attr >> 16
                if info.is_dir():
                    sink.directory(info.filename)
                elif stat.S_ISLNK(mode):
                    if info.file_size > MAX_LINK_TARGET:
                        raise sink.fail(info.filename, "a symlink with a bad target")
                    sink.symlink(info.filename, z.read(info).decode("utf-8", "replace"))
                elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type: a plain file
                    raise sink.fail(info.filename, "a device file, FIFO or other special member")
                else:
                    with z.open(info) as f:
                        sink.file(info.filename, f, info.file_size, bool(mode & 0o100))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError) as e:
        raise SubmissionError(f"{sink.what}: not a readable zip file: {e}") from None


_REF = re.compile(r"refs/[A-Za-z0-9._/+-]+")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _read_small(path: Path, limit: int = 1 << 20) -> str:
    """At most @limit bytes of the regular file @path, never through a
    symlink (a repository's HEAD or ref may not name a file elsewhere)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise SubmissionError(f"{path}: not a regular file")
        return f.read(limit).decode("utf-8", "replace")


def _head_commit(gitdir: Path, what: str) -> str:
    """The object name HEAD of the repository @gitdir points at, read from
    its files (HEAD, loose refs, packed-refs) without running git there."""
    ref = "HEAD"
    for _ in range(5):
        loose = ref == "HEAD" or (gitdir / ref).is_file() or (gitdir / ref).is_symlink()
        if loose and not os.path.realpath(gitdir / ref).startswith(os.path.realpath(gitdir) + os.sep):
            raise SubmissionError(f"{what}: {ref} lies outside the repository")
        text = _read_small(gitdir / ref, 4096).strip() if loose else None
        if text is None:
            packed = gitdir / "packed-refs"
            found = None
            if packed.is_file():
                for line in _read_small(packed, 64 << 20).splitlines():
                    words = line.split()
                    if len(words) == 2 and words[1] == ref and _SHA.fullmatch(words[0]):
                        found = words[0]
            if not found:
                raise SubmissionError(f"{what}: HEAD names {ref}, which the repository does not hold "
                                      "(no commit yet?)")
            return found
        if _SHA.fullmatch(text):
            return text
        if text.startswith("ref: ") and _REF.fullmatch(text[5:]) and ".." not in text:
            ref = text[5:]
            continue
        raise SubmissionError(f"{what}: {ref} holds neither an object name nor a ref")
    raise SubmissionError(f"{what}: HEAD's symbolic refs go round in circles")


def _git_export(gitdir: Path, sink: _Sink, tmp: Path) -> None:
    """HEAD's tree of the repository @gitdir into @sink. git runs in an
    empty repository of our own that borrows the student's objects (git
    alternates), so no configuration, hook, attribute filter or fsmonitor
    of the student's repository is read, let alone run; `git archive`
    exports the tree and _extract_tar() writes it."""
    what = sink.what
    if (gitdir / "reftable").exists():
        raise SubmissionError(f"{what}: a reftable repository: clone it to a plain one first")
    alternates = gitdir / "objects/info/alternates"
    if alternates.exists() and _read_small(alternates).strip():
        raise SubmissionError(f"{what}: borrows objects from another repository (objects/info/alternates): "
                              "clone it with git clone --no-local first")
    if not (gitdir / "objects").is_dir() or (gitdir / "objects").is_symlink():
        raise SubmissionError(f"{what}: no objects directory")
    for dirpath, dirnames, filenames in os.walk(gitdir / "objects"):
        for name in dirnames + filenames:
            if os.path.islink(os.path.join(dirpath, name)):  # objects from elsewhere, as alternates would be
                rel = os.path.relpath(os.path.join(dirpath, name), gitdir)
                raise SubmissionError(f"{what}: {rel} is a symlink: a repository's objects must be its own")
    commit = _head_commit(gitdir, what)
    ours = tmp / "export.git"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ATTR_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
           "GIT_NO_REPLACE_OBJECTS": "1", "LC_ALL": "C"}
    safe = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "protocol.allow=never"]
    fmt = "sha256" if len(commit) == 64 else "sha1"
    done = subprocess.run(["git", *safe, "init", "-q", "--bare", f"--object-format={fmt}", str(ours)],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise SubmissionError(f"{what}: git init failed: {done.stderr.strip()}")
    (ours / "objects/info/alternates").write_text(str((gitdir / "objects").resolve()) + "\n")
    if (gitdir / "shallow").is_file():
        shutil.copyfile(gitdir / "shallow", ours / "shallow")
    proc = subprocess.Popen(["git", *safe, "--git-dir", str(ours), "archive", "--format=tar", commit],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp)
    tar_path = tmp / "export.tar"
    budget = sink.limits.bytes + 1024 * (sink.limits.files + 16)  # contents and headers
    with open(tar_path, "wb") as out:
        size = 0
        while chunk := proc.stdout.read(1 << 20):
            size += len(chunk)
            if size > budget:
                proc.kill()
                proc.wait()
                raise SubmissionError(f"{what}: HEAD's tree holds more than {sink.limits.bytes} bytes")
            out.write(chunk)
    err = proc.stderr.read(1 << 16).decode("utf-8", "replace")
    if proc.wait():
        raise SubmissionError(f"{what}: git archive {commit} failed: {err.strip()}")
    _extract_tar(tar_path, sink)


def load_submission(src: Path, dest: Path, limits: Limits | None = None) -> Path:
    """Copy the submission @src into the directory @dest (which must not
    exist or be empty) and return the root of the copied tree.

    @src is a directory (copied as it is), a git repository (a work tree
    with a .git directory, or a bare repository: HEAD's committed tree is
    taken, not the work tree), or a tarball (.tar, .tar.gz, .tgz, any
    compression Python's tarfile reads) or zip file, which is unpacked; an
    archive whose entries are all under one top directory is descended
    into, so the returned root is @dest/TOP (zip tools' __MACOSX is left
    aside). @limits bounds entries and bytes (default: MAX_FILES, MAX_BYTES,
    MAX_FILE_BYTES).

    Raises SubmissionError, naming the entry and the reason, for: a missing
    or unknown @src, absolute names, "..", symlinks that point (or resolve)
    outside the tree, hard links to files outside it, device files, FIFOs,
    a name given twice, too many entries or bytes, an unreadable archive, a
    git repository without a commit or with objects borrowed from
    elsewhere. On an error @dest is left empty."""
    src, dest = Path(src), Path(dest)
    limits = limits or Limits()
    if not src.exists():
        raise SubmissionError(f"{src}: no such file or directory")
    _empty_dest(dest)
    sink = _Sink(dest, limits, str(src))
    archive = False
    try:
        with tempfile.TemporaryDirectory(prefix="submission-") as tmp:
            if src.is_dir():
                dotgit = src / ".git"
                if dotgit.is_symlink() or dotgit.is_file():
                    raise SubmissionError(f"{src}: .git is a file (a linked work tree or submodule): "
                                          "give the repository itself")
                if dotgit.is_dir():
                    _git_export(dotgit, sink, Path(tmp))
                elif (src / "HEAD").is_file() and (src / "objects").is_dir() and (src / "refs").is_dir():
                    _git_export(src, sink, Path(tmp))
                else:
                    _copy_dir(src, sink)
            elif src.is_file():
                archive = True
                if zipfile.is_zipfile(src):
                    _extract_zip(src, sink)
                elif tarfile.is_tarfile(src):
                    _extract_tar(src, sink)
                else:
                    raise SubmissionError(f"{src}: neither a directory, a git repository, a tarball nor "
                                          "a zip file")
            else:
                raise SubmissionError(f"{src}: neither a directory nor a regular file")
            sink.check_links()
    except SubmissionError:
        _clear(dest)
        raise
    except OSError as e:  # an unreadable file, a name too long for the file system, ...
        _clear(dest)
        raise SubmissionError(f"{src}: {e}") from None
    if archive:
        for name in IGNORED_IN_ARCHIVES:
            if (dest / name).is_dir() and not (dest / name).is_symlink():
                shutil.rmtree(dest / name)
        top = list(dest.iterdir())
        if len(top) == 1 and top[0].is_dir() and not top[0].is_symlink():
            return top[0]
    return dest


def _clear(dest: Path) -> None:
    """Remove what an interrupted load left in @dest (never following links)."""
    for child in list(dest.iterdir()):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- Finding regions ---------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Where a handout leaves room for one region: file @path, lab @lab,
    region @name; @todo the TODO comment's lines and @end the END line as a
    handout writes them (without line ends); @stub the stub's lines as
    written (indented)."""

    path: str
    lab: int
    name: str
    todo: tuple[str, ...]
    end: str
    stub: tuple[str, ...]


def slot_of(r: Region) -> Slot:
    """The Slot a handout writes for the region @r when it stubs it."""
    return Slot(r.path, r.lab, r.name, tuple(t.rstrip("\r") for t in r.todo), r.end_text,
                tuple(r.indent + s if s else "" for s in r.stub))


@dataclass
class Cut:
    """One region as found in a student's file: @body its lines (without
    line ends) and @line the number of the first of them (from 1), when
    found; else @body is None and @problem says why: "absent" when the file
    has no TODO comment for it, else how its markers are broken."""

    slot: Slot
    body: list[str] | None
    line: int
    problem: str = ""

    @property
    def found(self) -> bool:
        return self.body is not None


def cut(text: str, slots: list[Slot], style: handout.Style) -> dict[str, Cut]:
    """The regions @slots (of one file, as its handout writes them) found in
    @text, a student's version of that file written in @style, by name.

    A region is found when the first line of its TODO comment occurs exactly
    once, the whole comment follows as handed out, and its END line comes
    after it with no other marker between (lines are compared with their
    whitespace runs collapsed and ends stripped). Its body is the lines
    between the comment and the END line. Anything else (no TODO line, two
    of them, a changed comment, no END, an END of another lab, a BEGIN or
    TODO line inside) is reported in Cut.problem and the body is not
    guessed."""
    lines = [line.rstrip("\r") for line in handout._lines(text)]
    norm = [normalize(line) for line in lines]
    firsts = {normalize(s.todo[0]) for s in slots}
    marker = handout.MARKERS[style]
    cuts: dict[str, Cut] = {}
    for s in slots:
        head = normalize(s.todo[0])
        at = [i for i, n in enumerate(norm) if n == head]
        if not at:
            cuts[s.name] = Cut(s, None, 0, "absent")
            continue
        if len(at) > 1:
            cuts[s.name] = Cut(s, None, at[0] + 1, f"its TODO line is there {len(at)} times "
                               f"(lines {', '.join(str(i + 1) for i in at)})")
            continue
        i = at[0]
        want = [normalize(t) for t in s.todo]
        if norm[i:i + len(want)] != want:
            cuts[s.name] = Cut(s, None, i + 1, "its TODO comment was changed")
            continue
        body_at, end, problem = i + len(want), normalize(s.end), ""
        j = body_at
        while j < len(lines):
            if norm[j] == end:
                break
            if marker.fullmatch(lines[j]) or norm[j] in firsts:
                problem = f"line {j + 1}, a marker, comes before its {s.end.strip()} line"
                break
            j += 1
        else:
            problem = f"no {s.end.strip()} line after its TODO comment"
        if problem:
            cuts[s.name] = Cut(s, None, i + 1, problem)
        else:
            cuts[s.name] = Cut(s, lines[body_at:j], body_at + 1)
    return cuts


# --- Splicing -----------------------------------------------------------------------
@dataclass
class Taken:
    """A student's region body spliced in: @line is its first line in the
    submission's file (from 1), @out_line in the spliced file; @unchanged
    when it is the handout's stub as it was."""

    lab: int
    path: str
    name: str
    body: list[str]
    line: int
    out_line: int
    unchanged: bool

    @property
    def lines(self) -> int:
        return len(self.body)


@dataclass
class NotFound:
    """A region of a lab up to the graded one that the submission does not
    mark (readably): the spliced tree keeps the handout's stub (or, for an
    earlier lab, the solution). @line: where the trouble starts (0: none)."""

    lab: int
    path: str
    name: str
    reason: str
    line: int = 0


@dataclass
class Modified:
    """A file both in the submission and in the handout that differs outside
    the regions: @diff is an excerpt of the unified diff (handout first),
    regions shown as one placeholder line, at most MAX_DIFF_LINES lines;
    @more the lines left out."""

    path: str
    diff: list[str]
    more: int = 0


@dataclass
class ModeChange:
    """A file whose executable bit differs: True when executable."""

    path: str
    handout: bool
    submission: bool


@dataclass
class SpliceReport:
    """What splice() did: the regions @taken from the submission; those
    @not_found; @later, the regions of labs after the graded one that the
    submission changed (never taken); and every difference outside the
    regions, listed, never used: files @added (in the submission only),
    @removed (in the handout only), @modified and @modes. @skipped: top
    names (SKIPPED: .git, build) present in the submission and not
    compared."""

    lab: int
    taken: list[Taken] = field(default_factory=list)
    not_found: list[NotFound] = field(default_factory=list)
    later: list[Taken] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[Modified] = field(default_factory=list)
    modes: list[ModeChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def outside(self) -> int:
        """How many changes outside the regions the report lists."""
        return len(self.added) + len(self.removed) + len(self.modified) + len(self.modes)

    def lines(self) -> list[str]:
        """The report for people, one line per item (diff excerpts indented)."""
        out = [f"submission for lab {self.lab}: {len(self.taken)} regions taken, {len(self.not_found)} "
               f"not found, {self.outside()} changes outside the regions (listed, not used)"]
        out += [f"  taken: lab {t.lab} {t.path} {t.name}: {t.lines} lines"
                f"{' (the stub, unchanged)' if t.unchanged else ''}" for t in self.taken]
        out += [f"  not found: lab {n.lab} {n.path} {n.name}: {n.reason} (the handout's code is used)"
                for n in self.not_found]
        out += [f"  ignored: lab {t.lab} {t.path} {t.name}: a later lab's region, changed" for t in self.later]
        out += [f"  added: {p}" for p in self.added] + [f"  removed: {p}" for p in self.removed]
        out += [f"  mode: {m.path}: {'executable' if m.submission else 'not executable'} "
                f"(the handout's is {'' if m.handout else 'not '}executable)" for m in self.modes]
        for m in self.modified:
            out.append(f"  modified: {m.path}")
            out += [f"    {d}" for d in m.diff]
            if m.more:
                out.append(f"    ... {m.more} more diff lines")
        out += [f"  skipped: {p}/ (not compared)" for p in self.skipped]
        return out

    def to_dict(self) -> dict:
        """The report as JSON-ready data (bodies left out)."""
        region = lambda t: {"lab": t.lab, "path": t.path, "name": t.name, "lines": t.lines,  # noqa: E731
                            "line": t.line, "unchanged": t.unchanged}
        return {"lab": self.lab, "taken": [region(t) for t in self.taken],
                "not_found": [vars(n) for n in self.not_found], "later": [region(t) for t in self.later],
                "added": self.added, "removed": self.removed,
                "modified": [{"path": m.path, "diff": m.diff, "more": m.more} for m in self.modified],
                "modes": [vars(m) for m in self.modes], "skipped": self.skipped}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _student_file(root: Path, rel: str) -> bytes | None:
    """The bytes of the regular file @rel of the tree @root, None when it is
    missing, a symlink or no regular file (or under a symlinked parent)."""
    path = root
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            return None
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        return None
    return path.read_bytes()


def _regions_by_path(regions: list[Region]) -> dict[str, list[Region]]:
    by: dict[str, list[Region]] = {}
    for r in regions:
        by.setdefault(r.path, []).append(r)
    return by


def _handout(repo: Path, lab: int) -> handout.Handout:
    if not FIRST_LAB <= lab <= LAST_LAB:
        raise SubmissionError(f"lab {lab}: labs are {FIRST_LAB} to {LAST_LAB}")
    try:
        return handout.make_handout(repo, lab)
    except HandoutError as e:
        raise SubmissionError(f"{repo}: cannot make the handout of lab {lab}: {e}") from None


def splice(repo: Path, lab: int, submission: Path, out: Path) -> SpliceReport:
    """Write to @out (which must not exist or be empty) the handout of @lab
    made from the instructor's git work tree @repo, with the bodies of the
    regions of labs <= @lab that the submission tree @submission marks (see
    cut()) in place of their stubs (or, for earlier labs, solutions). Taken
    regions keep their TODO comment and END line, so @out is again a
    submission. Regions of labs > @lab are never taken; nothing outside the
    regions is taken: @out holds exactly the handout's files and modes.

    Returns the SpliceReport: regions taken, not found (a region of @lab the
    submission does not mark, or one of an earlier lab whose markers are
    there but broken), later-lab regions changed, and every difference
    between the submission and @out outside the regions (top-level .git and
    build are skipped). Raises SubmissionError when @repo cannot be handed
    out or @out is not empty."""
    repo, submission, out = Path(repo), Path(submission), Path(out)
    h = _handout(repo, lab)
    _empty_dest(out)
    report = SpliceReport(lab)
    files = dict(h.files)
    cuts_of: dict[str, dict[str, Cut]] = {}
    for path, regions in _regions_by_path(h.regions).items():
        style = handout.STYLES[os.path.splitext(path)[1]]
        source = _text((repo / path).read_bytes())
        data = _student_file(submission, path)
        cuts = cut(_text(data), [slot_of(r) for r in regions], style) if data is not None else {}
        cuts_of[path] = cuts
        bodies: dict[tuple[str, str], list[str]] = {}
        for r in regions:
            c = cuts.get(r.name) or Cut(slot_of(r), None, 0, "absent")
            if c.found:
                t = Taken(r.lab, path, r.name, c.body, c.line, 0, c.body == list(c.slot.stub))
                if r.lab > lab:
                    if not t.unchanged:
                        report.later.append(t)
                    continue
                bodies[(path, r.name)] = c.body
                report.taken.append(t)
            elif r.lab == lab or (r.lab < lab and c.problem != "absent"):
                reason = ("the file is missing or not a regular file" if data is None else
                          "no TODO comment for it" if c.problem == "absent" else c.problem)
                report.not_found.append(NotFound(r.lab, path, r.name, reason, c.line))
        text = handout.render(source, regions, lab, bodies)
        placed = cut(text, [slot_of(r) for r in regions], style)
        for t in report.taken:
            if t.path == path:
                t.out_line = placed[t.name].line
        files[path] = (text.encode("utf-8", "surrogateescape"), files[path][1])
    handout.write_tree(out, files)
    _outside(report, submission, files, h.regions, cuts_of)
    return report


def _tree_entries(root: Path) -> tuple[dict[str, Path], list[str]]:
    """The entries of @root that are no directories (files, symlinks,
    others), by relative path, and the SKIPPED top names present."""
    found: dict[str, Path] = {}
    skipped = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            skipped = sorted(n for n in dirnames + filenames if n in SKIPPED)
            dirnames[:] = [d for d in dirnames if d not in SKIPPED]
            filenames = [f for f in filenames if f not in SKIPPED]
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                found[(rel_dir / name).as_posix()] = Path(dirpath) / name
        for name in filenames:
            found[(rel_dir / name).as_posix()] = Path(dirpath) / name
    return found, skipped


def _masked(text: str, cuts: dict[str, Cut]) -> list[str]:
    """The lines of @text with the body of each found region of @cuts
    replaced by one placeholder line."""
    lines = [line.rstrip("\r") for line in handout._lines(text)]
    spans = sorted((c.line, c.line + len(c.body), c.slot) for c in cuts.values() if c.found)
    out, pos = [], 1
    for first, after, s in spans:
        out += lines[pos - 1:first - 1] + [f"<the body of LAB {s.lab} {s.name}>"]
        pos = after
    return out + lines[pos - 1:]


def _outside(report: SpliceReport, submission: Path, files: dict[str, tuple[bytes, bool]],
             regions: list[Region], cuts_of: dict[str, dict[str, Cut]]) -> None:
    """Fill @report's lists of changes outside the regions: the submission
    tree compared with the spliced files @files."""
    theirs, report.skipped = _tree_entries(submission)
    report.added = sorted(p for p in theirs if p not in files)
    report.removed = sorted(p for p in files if p not in theirs)
    slots = {path: [slot_of(r) for r in rs] for path, rs in _regions_by_path(regions).items()}
    for path in sorted(set(theirs) & set(files)):
        mine, executable = files[path]
        entry = theirs[path]
        if entry.is_symlink() or not entry.is_file():
            what = f"a symlink to {os.readlink(entry)}" if entry.is_symlink() else "not a regular file"
            report.modified.append(Modified(path, [f"the submission's {path} is {what}"]))
            continue
        their_exec = bool(entry.stat().st_mode & 0o100)
        if their_exec != executable:
            report.modes.append(ModeChange(path, executable, their_exec))
        data = _student_file(submission, path)
        if data == mine:
            continue
        if data is None:
            report.modified.append(Modified(path, [f"more than {MAX_FILE_BYTES} bytes"]))
            continue
        if b"\0" in data or b"\0" in mine:
            report.modified.append(Modified(path, ["binary files differ"]))
            continue
        if path in slots:
            style = handout.STYLES[os.path.splitext(path)[1]]
            a = _masked(_text(mine), cut(_text(mine), slots[path], style))
            b = _masked(_text(data), cuts_of.get(path) or cut(_text(data), slots[path], style))
        else:
            a = [line.rstrip("\r") for line in handout._lines(_text(mine))]
            b = [line.rstrip("\r") for line in handout._lines(_text(data))]
        if a == b and path not in slots:
            a, b = _text(mine).split("\n"), _text(data).split("\n")  # line ends only
        if a == b:
            continue
        diff = list(difflib.unified_diff(a, b, f"handout/{path}", f"submission/{path}", n=1, lineterm=""))
        if not diff:
            diff = ["line ends differ"]
        report.modified.append(Modified(path, [d[:MAX_DIFF_WIDTH] for d in diff[:MAX_DIFF_LINES]],
                                        max(0, len(diff) - MAX_DIFF_LINES)))


# --- Suspicious constructs ----------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A construct that a lab solution does not need: a token (an
    identifier or number, comments and strings left out) matching
    @pattern in full is flagged as @construct, for @reason. @where: "all"
    files, "host" (files compiled into the host tests too: see
    host_visible()), "c" or "nasm" files only."""

    construct: str
    pattern: str
    reason: str
    where: str = "all"


RULES = (
    Rule("kernel command line", r"(?i)\w*(cmdline|command_line)\w*",
         "reads the kernel command line (or multiboot2's command-line tag), where the grader's settings are"),
    Rule("port I/O", r"(?:in|out)s?[bwl](?:_p)?",
         "talks to a device directly: the serial line the results are read from, or QEMU's exit port"),
    Rule("port I/O", r"(?i)(?:in|out|ins[bwd]|outs[bwd])", "an in/out instruction: port I/O", "nasm"),
    Rule("inline assembly", r"asm|__asm__|__asm", "inline assembly: no lab needs it"),
    Rule("power-off or reboot", r"(?i)\w*(power_?off|reboot|shutdown)\w*",
         "ends the run before the grader has looked"),
    Rule("QEMU exit", r"(?i)\w*(qemu|debug_exit)\w*", "QEMU's exit device ends the run with a status of its choosing"),
    Rule("QEMU exit port", r"(?i)0x0*(f4|604|501)[ul]*",
         "an I/O port that powers off or exits QEMU (isa-debug-exit 0xf4, ACPI 0x604, Bochs 0x501)"),
    Rule("halt", r"(?i)\w*hlt\w*|halt\w*", "stops the CPU: a hang or the end of the run"),
    Rule("triple fault", r"lidt|ud2|__builtin_trap|int3|(?i:\w*triple\w*)", "resets or traps the machine"),
    Rule("grader internals", r"(?i)\w*(ktest|kunit|labtest|ktap|seal|siphash|nonce|grade|cmocka|"
         r"pagewise_test|mm_selftest|lab_missing)\w*",
         "names the grader's or the test runner's code or data, which a solution never uses"),
    Rule("#include", r"include", "a new header: a solution uses what its file already includes", "c"),
    Rule("host call", r"getenv|secure_getenv|open|openat|creat|fopen|freopen|popen|_exit|_Exit|exit|atexit|"
         r"abort|system|fork|vfork|clone|exec[lv]p?e?|execvpe|fexecve|write|pwrite|dlopen|dlsym|syscall|"
         r"signal|sigaction|raise|kill|ptrace|socket|socketpair|connect|bind|listen|accept|send|sendto|"
         r"sendmsg|recv|recvfrom|recvmsg|mmap|mprotect|unlink|rename|chmod|chown|mkdir|rmdir",
         "a C library or system call: in the host tests it reaches the grader's process and files", "host"),
)
_TOKEN = re.compile(r"0[xX][0-9A-Fa-f]+[uUlL]*|[A-Za-z_]\w*|\d+")
_RULES = [(rule, re.compile(rule.pattern)) for rule in RULES]


@dataclass(frozen=True)
class Flag:
    """A suspicious construct in a taken region: @path and @line (from 1)
    in the submission's file, the @construct's name and @reason, the
    region's @lab and @name, and the line's @text (stripped, at most 200
    characters)."""

    path: str
    line: int
    construct: str
    text: str
    reason: str = ""
    lab: int = 0
    name: str = ""


def host_visible(path: str) -> bool:
    """Whether the code of @path is compiled into the host tests too (the
    Makefile's HOST_MM: src/mm, src/lib, src/test, and any header)."""
    return path.startswith(("src/mm/", "src/lib/", "src/test/")) or path.endswith(".h")


def code_only(text: str, style: handout.Style) -> str:
    """@text with its comments and string and character literals replaced
    by spaces (line breaks kept, so lines keep their numbers): C's /* */,
    // and "..." '...'; nasm's ; and quotes; Python's # and quotes. Cheap:
    a comment or string left open runs to the end of the text."""
    line_comment = {"C": "//", "nasm": ";", "Python": "#"}[style.name]
    quotes = "\"'`" if style.name == "nasm" else "\"'"
    out, i, n = [], 0, len(text)
    blank = lambda s: "".join(ch if ch == "\n" else " " for ch in s)  # noqa: E731
    while i < n:
        if style.name == "C" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith(line_comment, i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text[i] in quotes:
            j = i + 1
            while j < n and text[j] != text[i] and text[j] != "\n":
                j += 2 if text[j] == "\\" and style.name != "nasm" else 1
            j = min(j + 1, n)
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(blank(text[i:j]))
        i = j
    return "".join(out)


def suspicious(report: SpliceReport) -> list[Flag]:
    """The constructs of RULES in the bodies @report took (stubs left as
    they were are skipped), one Flag per line and construct, in order of
    path and line. Only the taken bodies are read: what is outside the
    regions is never used, and a later lab's region is never taken. A flag
    is for a person to look at; nothing is refused for it."""
    flags: list[Flag] = []
    for t in report.taken:
        if t.unchanged:
            continue
        style = handout.STYLES[os.path.splitext(t.path)[1]]
        code = code_only("\n".join(t.body), style).split("\n")
        for k, line in enumerate(code):
            seen = set()
            for token in _TOKEN.findall(line):
                for rule, pattern in _RULES:
                    applies = (rule.where == "all" or (rule.where == "host" and host_visible(t.path))
                               or (rule.where == "c" and style.name == "C")
                               or (rule.where == "nasm" and style.name == "nasm"))
                    if applies and rule.construct not in seen and pattern.fullmatch(token):
                        seen.add(rule.construct)
                        flags.append(Flag(t.path, t.line + k, rule.construct, t.body[k].strip()[:200],
                                          rule.reason, t.lab, t.name))
    return sorted(flags, key=lambda f: (f.path, f.line))


# --- Region fixtures ------------------------------------------------------------------
@dataclass
class Fixture:
    """A parsed region fixture: its @lab, the region @bodies it names
    ((path, name) -> lines, with the fixture line of each header in
    @where), and whole @files to write ((path) -> text)."""

    lab: int
    bodies: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    where: dict[object, int] = field(default_factory=dict)


def parse_fixture(text: str, name: str) -> Fixture:
    """The fixture @text (file @name, for messages): comment lines ("#")
    and blank lines, then "lab = N", then sections, each a header line
    "@@ PATH NAME" (a region's body) or "@@ FILE PATH" (a file's whole
    content) followed by its lines up to the next header; blank lines at a
    section's end are dropped. Raises SubmissionError "NAME:LINE: reason"."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fx: Fixture | None = None
    section: tuple[str, object, int] | None = None
    body: list[str] = []

    def close() -> None:
        if section is None:
            return
        while body and not body[-1].strip():
            body.pop()
        kind, key, at = section
        if key in fx.where:
            raise SubmissionError(f"{name}:{at}: {' '.join(key) if kind == 'region' else key} "
                                  f"given twice (first at line {fx.where[key]})")
        fx.where[key] = at
        if kind == "region":
            fx.bodies[key] = list(body)
        else:
            fx.files[key] = "\n".join(body) + "\n" if body else ""

    for n, line in enumerate(lines, 1):
        if line.startswith("@@"):
            if fx is None:
                raise SubmissionError(f"{name}:{n}: \"lab = N\" must come before the first @@ section")
            close()
            words = line[2:].split()
            if len(words) != 2:
                raise SubmissionError(f"{name}:{n}: a section header is \"@@ PATH NAME\" or \"@@ FILE PATH\"")
            if words[0] == "FILE":
                section = ("file", _safe_rel(words[1], f"{name}:{n}"), n)
            else:
                section = ("region", (_safe_rel(words[0], f"{name}:{n}"), words[1]), n)
            body = []
        elif section is not None:
            body.append(line.rstrip("\r"))
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        elif fx is None and (m := re.fullmatch(r"\s*lab\s*=\s*(\d+)\s*", line)):
            if not FIRST_LAB <= int(m[1]) <= LAST_LAB:
                raise SubmissionError(f"{name}:{n}: lab {m[1]}: labs are {FIRST_LAB} to {LAST_LAB}")
            fx = Fixture(int(m[1]))
        else:
            raise SubmissionError(f"{name}:{n}: expected {'lab = N' if fx is None else 'an @@ section'}, "
                                  f"not {line.strip()[:60]!r}")
    if fx is None:
        raise SubmissionError(f"{name}: no \"lab = N\" line")
    close()
    return fx


def _safe_rel(path: str, where: str) -> str:
    """@path if it is a plain relative path inside a tree (no "..", not
    absolute, not under .git), else SubmissionError at @where."""
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or "" in parts or "." in parts or parts[0] == ".git" or "\\" in path:
        raise SubmissionError(f"{where}: {path}: not a plain relative path in the tree")
    return path


def materialize_fixture(repo: Path, fixture: Path, out: Path) -> int:
    """Write to @out (which must not exist or be empty) the submission the
    region fixture @fixture describes (format: parse_fixture()): the handout
    of its lab made from the instructor's git work tree @repo, every region
    of that lab filled with @repo's solution body (between its TODO comment
    and END line, as a student hands it in), then the bodies the fixture
    names in their place, then its "@@ FILE" contents written over (or
    added to) the tree. Returns the lab.

    Raises SubmissionError naming the fixture's line for a header that
    names no region of the fixture's lab (or a region of another lab), a
    bad path, a section given twice; and for an unreadable fixture or a
    @repo that cannot be handed out."""
    repo, fixture, out = Path(repo), Path(fixture), Path(out)
    try:
        text = fixture.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise SubmissionError(f"{fixture}: cannot read it: {e}") from None
    fx = parse_fixture(text, str(fixture))
    h = _handout(repo, fx.lab)
    by_path = _regions_by_path(h.regions)
    for (path, name), at in ((k, fx.where[k]) for k in fx.bodies):
        mine = [r for r in by_path.get(path, []) if r.name == name]
        if not mine or mine[0].lab != fx.lab:
            lab_names = [r.name for r in by_path.get(path, []) if r.lab == fx.lab]
            what = (f"lab {fx.lab}'s regions there: {', '.join(lab_names)}" if lab_names else
                    f"it has no region of lab {fx.lab}")
            other = f" ({name} is a region of lab {mine[0].lab})" if mine else ""
            raise SubmissionError(f"{fixture}:{at}: no region {name} of lab {fx.lab} in {path}{other}; {what}")
    files = dict(h.files)
    for path, regions in by_path.items():
        source = _text((repo / path).read_bytes())
        lines = [line.rstrip("\r") for line in handout._lines(source)]
        bodies = {(path, r.name): fx.bodies.get((path, r.name), lines[r.body - 1:r.end - 1])
                  for r in regions if r.lab == fx.lab}
        if bodies:
            files[path] = (handout.render(source, regions, fx.lab, bodies).encode("utf-8", "surrogateescape"),
                           files[path][1])
    for path, content in fx.files.items():
        files[path] = (content.encode("utf-8", "surrogateescape"), files.get(path, (b"", False))[1])
    _empty_dest(out)
    handout.write_tree(out, dict(sorted(files.items())))
    return fx.lab


def main(argv: list[str] | None = None) -> int:
    """python3 tools/submission.py materialize FIXTURE OUTDIR: write the
    submission tree of a region fixture (print its lab); python3
    tools/submission.py splice SUBMISSION LAB OUTDIR: splice a submission
    into a fresh handout and print the report. Exit status 1 on a
    SubmissionError."""
    import argparse
    ap = argparse.ArgumentParser(prog="submission", description="Read and splice lab submissions "
                                 "(docs/labs/INSTRUCTORS.md, \"Grading a submission\").")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("materialize", help="the submission tree of a region fixture")
    m.add_argument("fixture")
    m.add_argument("outdir")
    s = sub.add_parser("splice", help="a submission's regions in a fresh handout, and the report")
    s.add_argument("submission")
    s.add_argument("lab", type=int)
    s.add_argument("outdir")
    args = ap.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    try:
        if args.cmd == "materialize":
            lab = materialize_fixture(repo, Path(args.fixture), Path(args.outdir))
            print(f"submission: lab {lab} submission of {args.fixture} written to {args.outdir}")
            return 0
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            got = load_submission(Path(args.submission), Path(tmp) / "in")
            report = splice(repo, args.lab, got, Path(args.outdir))
        print("\n".join(report.lines()))
        for f in suspicious(report):
            print(f"flag: {f.path}:{f.line}: {f.construct} ({f.reason}): {f.text}")
        return 0
    except SubmissionError as e:
        print(f"submission: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
