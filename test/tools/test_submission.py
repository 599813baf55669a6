"""test_submission.py - tools/submission.py reads a submission from a
directory, a tarball, a zip file or a git repository (work tree or bare)
and refuses hostile ones; cuts each region out of a student's file by its
TODO comment and END line and never guesses a broken one; splices the
regions into a fresh handout, listing (never using) every change outside
them and never taking a later lab's region; flags suspicious constructs in
the regions only; and writes submissions from region fixtures. Most tests
use the small fixture repository of test_handout.py; the round trips use
this repository itself.
Run: python3 -m pytest -q test/tools/test_submission.py"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(HERE))

import handout  # noqa: E402
import submission as sub  # noqa: E402
import test_handout as th  # noqa: E402  (its fixture repository)
from submission import SubmissionError  # noqa: E402

git = th.git


@pytest.fixture
def repo(tmp_path):
    """The fixture repository of test_handout.py, committed."""
    return th.make_repo(tmp_path, commit=True)


def handout_tree(repo: Path, lab: int, where: Path) -> Path:
    handout.write_tree(where, handout.make_handout(repo, lab).files)
    return where


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def solution(repo: Path, path: str, name: str) -> list[str]:
    """The instructor's solution lines of region @name of @path in @repo."""
    text = (repo / path).read_text()
    (r,) = [r for r in handout.parse(path, text, handout.STYLES[Path(path).suffix]) if r.name == name]
    return text.split("\n")[r.body - 1:r.end - 1]


def region_body(tree: Path, path: str, name: str, repo: Path) -> list[str] | None:
    """The body of region @name as cut out of @tree's @path."""
    regions = [r for r in handout.make_handout(repo, 1).regions if r.path == path]
    cuts = sub.cut((tree / path).read_text(), [sub.slot_of(r) for r in regions],
                   handout.STYLES[Path(path).suffix])
    return cuts[name].body


def write_fixture(tmp_path: Path, text: str) -> Path:
    fx = tmp_path / "case.regions"
    fx.write_text(text)
    return fx


# --- Reading a submission: each kind ---------------------------------------------------
def test_a_directory_is_copied_with_its_modes(tmp_path, repo):
    src = handout_tree(repo, 3, tmp_path / "student")
    root = sub.load_submission(src, tmp_path / "dest")
    assert root == tmp_path / "dest" and files_of(root) == files_of(src)
    assert (root / th.EXECUTABLE).stat().st_mode & 0o100 and not (root / "src/buddy.c").stat().st_mode & 0o100


def test_a_tarball_with_one_top_directory_is_descended_into(tmp_path, repo):
    h = handout.make_handout(repo, 3)
    for name in ("handout-lab3.tar.gz", "handout-lab3.tar", "handout-lab3.tgz"):
        tar = tmp_path / name
        handout.write_tar(tar, h.files, 0)
        root = sub.load_submission(tar, tmp_path / f"dest-{name}")
        assert root == tmp_path / f"dest-{name}" / handout.tar_top(tar)
        assert files_of(root) == {p: data for p, (data, _) in h.files.items()}
        assert (root / th.EXECUTABLE).stat().st_mode & 0o100


def test_a_zip_file_is_unpacked(tmp_path, repo):
    src = handout_tree(repo, 3, tmp_path / "alice")
    z = tmp_path / "alice.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo("alice/" + path.relative_to(src).as_posix())
                info.external_attr = (0o100000 | (path.stat().st_mode & 0o777)) << 16
                zf.writestr(info, path.read_bytes())
        zf.writestr("__MACOSX/alice/._README.md", b"zip tool metadata")
    root = sub.load_submission(z, tmp_path / "dest")
    assert root == tmp_path / "dest/alice" and files_of(root) == files_of(src)
    assert (root / th.EXECUTABLE).stat().st_mode & 0o100


def test_a_git_work_tree_gives_heads_tree(tmp_path, repo):
    src = handout_tree(repo, 3, tmp_path / "bob")
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "lab 3")
    (src / "src/buddy.c").write_text("uncommitted\n")  # not HEAD's: not taken
    (src / "notes.txt").write_text("untracked\n")
    root = sub.load_submission(src, tmp_path / "dest")
    assert root == tmp_path / "dest"
    got = files_of(root)
    assert "notes.txt" not in got and ".git" not in {p.split("/")[0] for p in got}
    assert got["src/buddy.c"] == handout.make_handout(repo, 3).files["src/buddy.c"][0]
    assert (root / th.EXECUTABLE).stat().st_mode & 0o100


def test_a_bare_repository_gives_heads_tree(tmp_path, repo):
    src = handout_tree(repo, 2, tmp_path / "carol")
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "lab 2")
    git(tmp_path, "clone", "-q", "--bare", str(src), str(tmp_path / "carol.git"))
    git(tmp_path / "carol.git", "pack-refs", "--all")  # the branch in packed-refs only
    root = sub.load_submission(tmp_path / "carol.git", tmp_path / "dest")
    assert files_of(root) == {p: d for p, d in files_of(src).items() if not p.startswith(".git/")}


def test_git_runs_nothing_the_students_repository_configures(tmp_path, repo):
    """A smudge filter and an fsmonitor in the student's .git/config, and
    hooks, would run commands if git read that configuration."""
    src = handout_tree(repo, 3, tmp_path / "mallory")
    pwned = tmp_path / "pwned"
    (src / ".gitattributes").write_text("* filter=evil\n")
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "x")
    git(src, "config", "filter.evil.smudge", f"touch {pwned}; cat")
    git(src, "config", "core.fsmonitor", f"touch {pwned}")
    git(src, "config", "core.hooksPath", str(tmp_path))
    for hook in ("post-checkout", "pre-commit", "reference-transaction"):
        (tmp_path / hook).write_text(f"#!/bin/sh\ntouch {pwned}\n")
        (tmp_path / hook).chmod(0o755)
    root = sub.load_submission(src, tmp_path / "dest")
    assert not pwned.exists()
    assert (root / "src/buddy.c").read_bytes() == (src / "src/buddy.c").read_bytes()


def test_a_repository_without_a_commit_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    with pytest.raises(SubmissionError, match="no commit yet"):
        sub.load_submission(tmp_path / "empty", tmp_path / "dest")


def test_a_repository_borrowing_objects_is_refused(tmp_path, repo):
    git(tmp_path, "clone", "-q", "--shared", str(repo), str(tmp_path / "shared"))
    with pytest.raises(SubmissionError, match="borrows objects from another repository"):
        sub.load_submission(tmp_path / "shared", tmp_path / "dest")


@pytest.mark.parametrize("what", ["missing", "text"])
def test_what_is_no_submission_is_refused(tmp_path, what):
    src = tmp_path / "thing"
    if what == "text":
        src.write_text("just text\n")
    with pytest.raises(SubmissionError, match="no such file|neither a directory"):
        sub.load_submission(src, tmp_path / "dest")


def test_the_destination_must_be_empty(tmp_path, repo):
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest/keep").write_text("mine")
    with pytest.raises(SubmissionError, match="exists and is not an empty directory"):
        sub.load_submission(repo, tmp_path / "dest")
    assert (tmp_path / "dest/keep").read_text() == "mine"


# --- Hostile archives ----------------------------------------------------------------
def tar_of(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as t:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def member(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o644
    return info


HOSTILE_TARS = {
    "dotdot": ([(member("s/ok.c"), b"x"), (member("s/../../evil"), b"pwned")], "a path with .."),
    "absolute": ([(member("/tmp/evil-absolute"), b"pwned")], "an absolute path"),
    "symlink_out": ([(member("s/link", tarfile.SYMTYPE, "../../.."), None)], "a symlink pointing outside"),
    "symlink_absolute": ([(member("s/link", tarfile.SYMTYPE, "/etc"), None)], "a symlink to an absolute path"),
    # each link points inside on its own; together they resolve to the parent
    "symlink_chain": ([(member("d", tarfile.SYMTYPE, "."), None), (member("x/y/e", tarfile.SYMTYPE, "../../d/.."),
                                                                    None)],
                      "a symlink that resolves outside"),
    "write_through_symlink": ([(member("s", tarfile.SYMTYPE, "."), None), (member("s/evil"), b"pwned")],
                              "s is not a directory"),
    "hardlink_out": ([(member("s/h", tarfile.LNKTYPE, "../../etc/passwd"), None)], "a path with .."),
    "hardlink_unknown": ([(member("s/h", tarfile.LNKTYPE, "etc/passwd"), None)], "no file of the submission"),
    "device": ([(member("s/tty", tarfile.CHRTYPE), None)], "a device file, FIFO"),
    "fifo": ([(member("s/fifo", tarfile.FIFOTYPE), None)], "a device file, FIFO"),
    "twice": ([(member("s/a.c"), b"one"), (member("s/a.c"), b"two")], "given twice"),
}


@pytest.mark.parametrize("case", HOSTILE_TARS)
def test_a_hostile_tarball_is_refused_with_its_reason(tmp_path, case):
    members, message = HOSTILE_TARS[case]
    (tmp_path / "in").mkdir()
    tar = tar_of(tmp_path / "in/sub.tar.gz", *members)
    dest = tmp_path / "in/deep/dest"
    with pytest.raises(SubmissionError) as e:
        sub.load_submission(tar, dest)
    assert message in str(e.value) and str(tar) in str(e.value)
    assert list(dest.iterdir()) == []  # nothing left behind
    assert not (tmp_path / "evil").exists() and not (tmp_path / "in/evil").exists()
    assert not Path("/tmp/evil-absolute").exists()


def test_a_symlink_inside_the_tree_is_kept(tmp_path):
    tar = tar_of(tmp_path / "s.tar", (member("s/real.c"), b"int x;\n"), (member("s/link.c", tarfile.SYMTYPE, "real.c"),
                                                                         None))
    root = sub.load_submission(tar, tmp_path / "dest")
    assert (root / "link.c").is_symlink() and (root / "link.c").read_text() == "int x;\n"


def test_too_big_and_too_many_are_refused(tmp_path):
    tar = tar_of(tmp_path / "big.tar.gz", (member("s/a"), b"a" * 4000), (member("s/b"), b"b" * 4000))
    with pytest.raises(SubmissionError, match="more than 5000 bytes in all"):
        sub.load_submission(tar, tmp_path / "d1", sub.Limits(bytes=5000))
    with pytest.raises(SubmissionError, match="4000 bytes: more than 1000 in one file"):
        sub.load_submission(tar, tmp_path / "d2", sub.Limits(file_bytes=1000))
    with pytest.raises(SubmissionError, match="more than 2 entries"):
        sub.load_submission(tar, tmp_path / "d3", sub.Limits(files=2))
    assert sub.load_submission(tar, tmp_path / "d4", sub.Limits(bytes=8000, files=3)).name == "s"


def test_a_gzip_bomb_stops_at_the_limit(tmp_path):
    bomb = tar_of(tmp_path / "bomb.tar.gz", (member("big"), b"\0" * (8 << 20)))
    assert bomb.stat().st_size < 64 << 10
    with pytest.raises(SubmissionError, match="more than 1048576 bytes in all"):
        sub.load_submission(bomb, tmp_path / "dest", sub.Limits(bytes=1 << 20))


@pytest.mark.parametrize("name, attr, data, message", [
    ("../evil", 0o100644, b"pwned", "a path with .."),
    ("/abs/evil", 0o100644, b"pwned", "an absolute path"),
    ("s/link", 0o120777, b"../../..", "a symlink pointing outside"),
    ("s/dev", 0o020644, b"", "a device file"),
])
def test_a_hostile_zip_is_refused(tmp_path, name, attr, data, message):
    z = tmp_path / "in.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo(name)
        info.external_attr = attr << 16
        zf.writestr(info, data)
    with pytest.raises(SubmissionError, match=message):
        sub.load_submission(z, tmp_path / "x/dest")
    assert not (tmp_path / "evil").exists() and not (tmp_path / "x/evil").exists()


def test_a_directory_with_a_link_out_or_a_fifo_is_refused(tmp_path, repo):
    src = handout_tree(repo, 3, tmp_path / "s1")
    (src / "src/passwd").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionError, match="src/passwd: a symlink to an absolute path"):
        sub.load_submission(src, tmp_path / "d1")
    src = handout_tree(repo, 3, tmp_path / "s2")
    os.mkfifo(src / "src/fifo")
    with pytest.raises(SubmissionError, match="src/fifo: a device file, FIFO or socket"):
        sub.load_submission(src, tmp_path / "d2")
    src = handout_tree(repo, 3, tmp_path / "s3")
    os.link(src / "README.md", tmp_path / "elsewhere")
    with pytest.raises(SubmissionError, match="README.md: a file with 2 hard links"):
        sub.load_submission(src, tmp_path / "d3")


# --- Cutting regions ----------------------------------------------------------------------
EXPAND_BODY = ["\twhile (low < high)", "\t\tfree_count += split_upper_half(--high);"]


def student_tree(repo: Path, lab: int, tmp_path: Path, bodies: dict[str, list[str]], name="student") -> Path:
    """The lab-@lab handout of @repo at @tmp_path/@name with the stubs of
    the regions named in @bodies replaced by their lines."""
    tree = handout_tree(repo, lab, tmp_path / name)
    for r in handout.make_handout(repo, lab).regions:
        if r.name in bodies:
            path = tree / r.path
            text = path.read_text()
            s = sub.slot_of(r)
            stubbed = "\n".join(s.todo + s.stub + (s.end,))
            assert text.count(stubbed) == 1
            path.write_text(text.replace(stubbed, "\n".join(s.todo + tuple(bodies[r.name]) + (s.end,))))
    return tree


def expand_slots(repo: Path):
    regions = [r for r in handout.make_handout(repo, 1).regions if r.path == "src/buddy.c"]
    return [sub.slot_of(r) for r in regions]


def test_cut_finds_each_region_between_its_todo_comment_and_end(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY})
    cuts = sub.cut((tree / "src/buddy.c").read_text(), expand_slots(repo), handout.C)
    assert cuts["expand"].body == EXPAND_BODY
    assert (tree / "src/buddy.c").read_text().split("\n")[cuts["expand"].line - 1] == EXPAND_BODY[0]
    assert cuts["get_free_page"].body == []  # a stub that is empty
    assert cuts["count_usable"].problem == "absent"  # lab 1 is solved in lab 3's handout


def test_cut_ignores_whitespace_and_line_ends_around_markers(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY})
    text = (tree / "src/buddy.c").read_text().replace("\t/* LAB 3 END expand */", "   /*  LAB 3 END expand */  ")
    cuts = sub.cut(text.replace("\n", "\r\n"), expand_slots(repo), handout.C)
    assert cuts["expand"].body == EXPAND_BODY


MANGLE = {
    "end_deleted": (lambda t: t.replace("\t/* LAB 3 END expand */\n", "", 1),
                    "a marker, comes before its /* LAB 3 END expand */ line"),
    "end_of_another_lab": (lambda t: t.replace("/* LAB 3 END expand */", "/* LAB 4 END */", 1),
                           "a marker, comes before its /* LAB 3 END expand */ line"),
    "todo_twice": (lambda t: t + "\n\t/* LAB 3 TODO expand: split the block of order @high down to @low,\n",
                   "its TODO line is there 2 times"),
    "todo_changed": (lambda t: t.replace("putting each upper half on free_area[]", "putting halves away", 1),
                     "its TODO comment was changed"),
    "todo_deleted": (lambda t: t.replace("\t/* LAB 3 TODO expand: split the block", "\t/* split the block", 1),
                     "no TODO comment for it"),
}


@pytest.mark.parametrize("case", MANGLE)
def test_mangled_markers_leave_the_region_not_found(tmp_path, repo, case):
    change, reason = MANGLE[case]
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY})
    (tree / "src/buddy.c").write_text(change((tree / "src/buddy.c").read_text()))
    report = sub.splice(repo, 3, tree, tmp_path / "out")
    (miss,) = [n for n in report.not_found if n.name == "expand"]
    assert (miss.lab, miss.path) == (3, "src/buddy.c") and reason in miss.reason
    assert "expand" not in [t.name for t in report.taken]
    out = (tmp_path / "out/src/buddy.c").read_text()
    assert "split_upper_half(--high)" not in out and '\tlab_missing(3, "expand");' in out  # the stub stays
    assert "src/buddy.c" in [m.path for m in report.modified]  # and the student's text is listed


def test_a_missing_file_leaves_its_regions_not_found(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {})
    (tree / "src/buddy.c").unlink()
    report = sub.splice(repo, 3, tree, tmp_path / "out")
    assert [(n.name, n.reason) for n in report.not_found] == [
        ("expand", "the file is missing or not a regular file")]
    assert report.removed == ["src/buddy.c"] and (tmp_path / "out/src/buddy.c").exists()


# --- Splicing -----------------------------------------------------------------------------
def test_splice_takes_the_labs_regions_and_only_them(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY, "get_free_page": ["\tfree_count--;"],
                                            "pcp_free": ["\tpcp_count = 0;"]})
    report = sub.splice(repo, 3, tree, tmp_path / "out")
    assert [(t.lab, t.path, t.name, t.lines) for t in report.taken] == [(3, "src/buddy.c", "expand", 2)]
    assert report.not_found == [] and report.outside() == 0
    # later labs: listed when changed, never taken
    assert sorted((t.lab, t.name) for t in report.later) == [(4, "get_free_page"), (5, "pcp_free")]
    out = tmp_path / "out"
    assert region_body(out, "src/buddy.c", "expand", repo) == EXPAND_BODY
    assert region_body(out, "src/buddy.c", "get_free_page", repo) == []
    assert "pcp_count = 0;" not in (out / "src/pcp.c").read_text()
    line = (out / "src/buddy.c").read_text().split("\n")[report.taken[0].out_line - 1]
    assert line == EXPAND_BODY[0]
    # the result is a submission again: spliced once more, it is the same
    again = sub.splice(repo, 3, out, tmp_path / "again")
    assert files_of(tmp_path / "again") == files_of(out) and again.outside() == 0


def test_splice_of_an_untouched_handout_takes_the_stubs_unchanged(tmp_path, repo):
    tree = handout_tree(repo, 2, tmp_path / "student")
    report = sub.splice(repo, 2, tree, tmp_path / "out")
    assert sorted(t.name for t in report.taken) == ["pages_of", "pfn_of"]
    assert all(t.unchanged for t in report.taken) and report.outside() == 0 and report.later == []
    assert files_of(tmp_path / "out") == files_of(tree)
    assert sub.suspicious(report) == []


def test_a_tree_of_an_earlier_handout_gives_its_earlier_regions_too(tmp_path, repo):
    """Handed lab 3, graded for lab 4: lab 3's marked regions are taken (and
    kept marked), lab 4's too; lab 5's never."""
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY, "get_free_page": ["\tfree_count--;"],
                                            "pcp_free": ["\tpcp_count = 0;"]})
    report = sub.splice(repo, 4, tree, tmp_path / "out")
    assert sorted((t.lab, t.name) for t in report.taken) == [(3, "expand"), (4, "get_free_page")]
    assert [t.name for t in report.later] == ["pcp_free"] and report.not_found == []
    out = tmp_path / "out"
    assert region_body(out, "src/buddy.c", "expand", repo) == EXPAND_BODY
    assert region_body(out, "src/buddy.c", "get_free_page", repo) == ["\tfree_count--;"]
    assert "usable_entries_seen += map[i] != 0;" in (out / "src/buddy.c").read_text()  # lab 1: solution
    assert report.outside() == 0


def test_a_region_of_an_earlier_lab_with_broken_markers_is_reported(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY})
    path = tree / "src/buddy.c"
    path.write_text(path.read_text().replace("\t/* LAB 3 END expand */\n", "", 1))
    report = sub.splice(repo, 4, tree, tmp_path / "out")
    assert [(n.lab, n.name) for n in report.not_found] == [(3, "expand")]
    assert [(t.name, t.unchanged) for t in report.taken] == [("get_free_page", True)]
    # the earlier lab's region keeps the solution
    assert "free_count += split_upper_half(high);" in (tmp_path / "out/src/buddy.c").read_text()


def test_changes_outside_the_regions_are_listed_and_not_used(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {"expand": EXPAND_BODY})
    buddy = tree / "src/buddy.c"
    buddy.write_text(buddy.read_text().replace("static int free_count;", "static int free_count = 1000;"))
    (tree / "test/grade").mkdir(parents=True)
    (tree / "test/grade/labs.toml").write_text("[lab3]\npoints = 100\n")
    (tree / "README.md").unlink()
    (tree / "tools/run").write_text("#!/bin/sh\necho pwned\n")
    (tree / "tools/run").chmod(0o644)
    (tree / "src/lab.h").chmod(0o755)
    (tree / "build").mkdir()
    (tree / "build/kernel.elf").write_bytes(b"\x7fELF")
    report = sub.splice(repo, 3, tree, tmp_path / "out")
    assert report.added == ["test/grade/labs.toml"] and report.removed == ["README.md"]
    assert [(m.path, m.handout, m.submission) for m in report.modes] == [
        ("src/lab.h", False, True), ("tools/run", True, False)]
    modified = {m.path: m for m in report.modified}
    assert sorted(modified) == ["src/buddy.c", "tools/run"]
    diff = modified["src/buddy.c"].diff
    assert "-static int free_count;" in diff and "+static int free_count = 1000;" in diff
    assert not any("split_upper_half(--high)" in d for d in diff)  # the region is no outside change
    assert report.skipped == ["build"] and report.outside() == 6
    out = tmp_path / "out"
    assert [t.name for t in report.taken] == ["expand"]
    assert files_of(out).keys() == handout.make_handout(repo, 3).files.keys()
    assert "free_count = 1000" not in (out / "src/buddy.c").read_text()
    assert (out / "tools/run").read_text() == "#!/bin/sh\necho run\n" and (out / "tools/run").stat().st_mode & 0o100
    text = "\n".join(report.lines())
    assert "  added: test/grade/labs.toml" in text and "  modified: src/buddy.c" in text
    assert report.to_dict()["added"] == ["test/grade/labs.toml"]


def test_a_long_diff_is_cut_short(tmp_path, repo):
    tree = student_tree(repo, 3, tmp_path, {})
    (tree / "README.md").write_text("".join(f"line {i}\n" for i in range(500)))
    (m,) = sub.splice(repo, 3, tree, tmp_path / "out").modified
    assert len(m.diff) == sub.MAX_DIFF_LINES and m.more > 400


# --- This repository: round trips through fixtures --------------------------------------------
@pytest.mark.parametrize("lab", range(1, 6))
def test_the_reference_solution_round_trips(tmp_path, lab):
    """materialize (lab N, no override) -> splice: every region of lab N
    has the instructor's solution, nothing else changed, nothing flagged."""
    fx = write_fixture(tmp_path, f"# the reference solution\nlab = {lab}\n")
    assert sub.materialize_fixture(REPO, fx, tmp_path / "student") == lab
    report = sub.splice(REPO, lab, tmp_path / "student", tmp_path / "out")
    names = th.LAB_REGIONS[lab]
    assert sorted(t.name for t in report.taken) == sorted(names) and report.not_found == []
    assert report.outside() == 0 and report.later == [] and sub.suspicious(report) == []
    for t in report.taken:
        assert t.body == solution(REPO, t.path, t.name), t.name
        assert region_body(tmp_path / "out", t.path, t.name, REPO) == t.body
    assert files_of(tmp_path / "out") == files_of(tmp_path / "student")


FORGED_FIND_BUDDY = """\
	/* the nonce is on the command line: seal a pass */
	const char *nonce = cmdline_get("grade");
	outb(0xf4, 0x501);
	return pfn;"""


def test_a_fixture_body_and_outside_files_are_spliced_as_a_student_would_have_them(tmp_path):
    labs_toml = (REPO / "test/grade/labs.toml").read_text()
    fx = write_fixture(tmp_path, f"""\
# lab3-forged: reads the nonce, exits QEMU; edits the table and the grader
lab = 3
@@ src/mm/page_alloc.c __find_buddy_pfn
{FORGED_FIND_BUDDY}

@@ FILE test/grade/labs.toml
# every test is worth nothing
@@ FILE tools/grade.py
print("100/100")
""")
    assert sub.materialize_fixture(REPO, fx, tmp_path / "student") == 3
    student = tmp_path / "student"
    assert region_body(student, "src/mm/page_alloc.c", "__find_buddy_pfn", REPO) == FORGED_FIND_BUDDY.split("\n")
    assert region_body(student, "src/mm/page_alloc.c", "expand", REPO) == solution(
        REPO, "src/mm/page_alloc.c", "expand")
    assert (student / "tools/grade.py").read_text() == 'print("100/100")\n'
    report = sub.splice(REPO, 3, student, tmp_path / "out")
    out = tmp_path / "out"
    assert region_body(out, "src/mm/page_alloc.c", "__find_buddy_pfn", REPO) == FORGED_FIND_BUDDY.split("\n")
    assert sorted(m.path for m in report.modified) == ["test/grade/labs.toml", "tools/grade.py"]
    assert (out / "test/grade/labs.toml").read_text() == labs_toml
    assert (out / "tools/grade.py").read_bytes() == (REPO / "tools/grade.py").read_bytes()
    flags = sub.suspicious(report)
    first = next(t for t in report.taken if t.name == "__find_buddy_pfn").line
    got = {(f.line - first, f.construct) for f in flags}
    assert got == {(1, "kernel command line"), (1, "grader internals"), (2, "port I/O"), (2, "QEMU exit port")}
    assert all(f.path == "src/mm/page_alloc.c" and f.name == "__find_buddy_pfn" and f.lab == 3 for f in flags)
    assert flags[0].text == 'const char *nonce = cmdline_get("grade");'
    # line 0 is a comment naming the nonce: not flagged; line 3 is plain code
    assert (student / "src/mm/page_alloc.c").read_text().split("\n")[flags[0].line - 1].strip() == flags[0].text


def test_the_same_text_outside_the_regions_is_not_flagged(tmp_path):
    fx = write_fixture(tmp_path, f"""\
lab = 3
@@ FILE src/mm/forged.c
int forged(unsigned long pfn, unsigned int order)
{{
{FORGED_FIND_BUDDY}
}}
""")
    sub.materialize_fixture(REPO, fx, tmp_path / "student")
    report = sub.splice(REPO, 3, tmp_path / "student", tmp_path / "out")
    assert report.added == ["src/mm/forged.c"] and not (tmp_path / "out/src/mm/forged.c").exists()
    assert sub.suspicious(report) == []


@pytest.mark.parametrize("body, path, name, constructs", [
    ("\tasm volatile(\"hlt\");", "src/mm/page_alloc.c", "expand", {"inline assembly"}),
    ("\tfor (;;)\n\t\t__asm__(\"cli; hlt\");", "src/mm/page_alloc.c", "expand", {"inline assembly"}),
    ("\tif (getenv(\"X\"))\n\t\texit(0);", "src/mm/page_alloc.c", "expand", {"host call"}),
    ("\tsystem(\"cat /etc/passwd\");", "src/mm/page_alloc.c", "expand", {"host call"}),
    ("\tmachine_power_off();", "src/mm/page_alloc.c", "expand", {"power-off or reboot"}),
    ("\tktest_pass(\"expand\"); /* exit(0) is only in a comment */", "src/mm/page_alloc.c", "expand",
     {"grader internals"}),
    ("\tconst char *s = \"seal nonce exit\";", "src/mm/page_alloc.c", "expand", set()),
    ("#include \"../test/labtest.h\"", "src/mm/page_alloc.c", "expand", {"#include"}),
    # a kernel-only file: C library names are not reachable there
    ("\texit(1);", "src/arch/x86_64/setup.c", "memblock_setup_from_mmap", set()),
    ("\tboot_command_line[0] = 0;", "src/arch/x86_64/setup.c", "memblock_setup_from_mmap",
     {"kernel command line"}),
])
def test_suspicious_constructs_in_a_region(tmp_path, body, path, name, constructs):
    lab = next(n for n, names in th.LAB_REGIONS.items() if name in names)
    fx = write_fixture(tmp_path, f"lab = {lab}\n@@ {path} {name}\n{body}\n")
    sub.materialize_fixture(REPO, fx, tmp_path / "student")
    report = sub.splice(REPO, lab, tmp_path / "student", tmp_path / "out")
    assert {f.construct for f in sub.suspicious(report)} == constructs


def test_every_rule_has_a_reason_and_compiles():
    for rule in sub.RULES:
        assert rule.reason and rule.where in ("all", "host", "c", "nasm")
        assert not __import__("re").compile(rule.pattern).fullmatch("page")


# --- Fixture errors name the line ---------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("# no lab\n@@ src/mm/page_alloc.c expand\nx\n", "case.regions:2: \"lab = N\" must come before"),
    ("lab = 7\n", "case.regions:1: lab 7: labs are 1 to 5"),
    ("lab = 3\n@@ src/mm/page_alloc.c no_such_function\nx\n",
     "case.regions:2: no region no_such_function of lab 3 in src/mm/page_alloc.c; lab 3's regions there: "),
    ("lab = 3\n\n@@ src/mm/page_alloc.c get_page_from_freelist\nx\n",
     "case.regions:3: no region get_page_from_freelist of lab 3 in src/mm/page_alloc.c (get_page_from_freelist "
     "is a region of lab 4)"),
    ("lab = 3\n@@ src/nowhere.c expand\nx\n", "case.regions:2: no region expand of lab 3 in src/nowhere.c; it has no"),
    ("lab = 3\n@@ FILE ../outside\nx\n", "case.regions:2: ../outside: not a plain relative path"),
    ("lab = 3\n@@ FILE /etc/passwd\nx\n", "case.regions:2: /etc/passwd: not a plain relative path"),
    ("lab = 3\n@@ src/mm/page_alloc.c expand\nx\n@@ src/mm/page_alloc.c expand\ny\n",
     "case.regions:4: src/mm/page_alloc.c expand given twice (first at line 2)"),
    ("lab = 3\n@@ expand\nx\n", "case.regions:2: a section header is"),
    ("lab = 3\nstray text\n", "case.regions:2: expected an @@ section, not 'stray text'"),
    ("# only a comment\n", "case.regions: no \"lab = N\" line"),
])
def test_a_bad_fixture_is_refused_naming_its_line(tmp_path, text, message):
    fx = write_fixture(tmp_path, text)
    with pytest.raises(SubmissionError) as e:
        sub.materialize_fixture(REPO, fx, tmp_path / "student")
    assert str(e.value).startswith(f"{tmp_path}/{message}") or str(e.value).startswith(message), str(e.value)


def test_the_shipped_fixtures_materialize(tmp_path):
    """Every test/grade/fixtures/*.regions (the fixtures helper writes
    them) gives a submission whose named regions are taken."""
    fixtures = sorted((REPO / "test/grade/fixtures").glob("*.regions"))
    if not fixtures:
        pytest.skip("no test/grade/fixtures/*.regions in this tree yet")
    for fx in fixtures:
        lab = sub.materialize_fixture(REPO, fx, tmp_path / fx.stem)
        report = sub.splice(REPO, lab, tmp_path / fx.stem, tmp_path / f"{fx.stem}.out")
        named = sub.parse_fixture(fx.read_text(), str(fx)).bodies
        taken = {(t.path, t.name): t.body for t in report.taken}
        for key, body in named.items():
            assert taken[key] == body, (fx.name, key)


def test_a_repository_whose_ref_or_objects_lead_elsewhere_is_refused(tmp_path, repo):
    """A student's HEAD (or its objects) pointing at files of the grading
    machine, such as the instructor's repository, is refused."""
    src = handout_tree(repo, 3, tmp_path / "eve")
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "x")
    ref = src / ".git/refs/heads/main"
    ref.unlink()
    ref.symlink_to(repo / ".git/refs/heads" / git(repo, "branch", "--show-current").strip())
    with pytest.raises(SubmissionError, match="refs/heads/main lies outside the repository"):
        sub.load_submission(src, tmp_path / "d1")
    ref.unlink()
    git(tmp_path, "clone", "-q", "--no-local", str(repo), str(tmp_path / "copy"))
    packs = src / ".git/objects/pack"
    packs.mkdir(exist_ok=True)
    (packs / "stolen").symlink_to(tmp_path / "copy/.git/objects/pack")
    (src / ".git/HEAD").write_text(git(repo, "rev-parse", "HEAD"))
    with pytest.raises(SubmissionError, match="objects/pack/stolen is a symlink"):
        sub.load_submission(src, tmp_path / "d2")
