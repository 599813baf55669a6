"""grade_submission.py - the instructor's grader: tools/grade --submission
SRC N and tools/grade --class DIR N (docs/labs/INSTRUCTORS.md, "Grading a
submission").

For one submission (a tree, a tarball or a git repository):
  1. read it into a fresh work directory (tools/submission.py);
  2. write a fresh handout of lab N from the instructor's tree and splice in
     the student's bodies of the regions of labs <= N that the submission
     marks; every other change the student made is listed, never used;
  3. flag constructs in those bodies that no lab solution needs, for a human;
  4. build, and run every piece of student code, in the sandbox
     (tools/sandbox.py): no network, private /tmp, read-only everything but
     one scratch directory, a non-root user, CPU and memory limits;
  5. score lab N from the observed checkers (tools/observe_host.py and
     tools/observe_kernel.py): each drives workloads drawn from a seed chosen
     now, reads the resulting state from outside the code under test and
     compares it with its own model. What the student's code prints never
     counts.
The text report always prints; --json FILE writes Gradescope's results.json
shape. --class grades a directory of submissions, several at a time, into
per-student reports and one CSV."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from observed import Context, Verdict

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
LAB_TITLES = {1: "the memory map and memblock", 2: "the direct map and struct page",
              3: "the buddy allocator", 4: "the Linux page API", 5: "speed and safety: per-CPU lists"}
CHECKERS = ("observe_host", "observe_kernel")
POINTS_PER_LAB = 100
BUILD_TIMEOUT = 900  # seconds for the sandboxed build, times the time scale
OUTPUT_MAX = 4000  # characters of one test's output kept in a report


class GradeError(Exception):
    """The grading of one submission could not start (bad input, no
    sandbox); the message says why and what to do."""


@dataclass
class Outcome:
    """The grading of one submission: @verdicts (empty when it could not be
    graded, @error says why), the splice report's lines @changes, @flags
    for a human, @notes (sandbox, seed, timing)."""

    name: str
    lab: int
    seed: int
    verdicts: list[Verdict] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flag_reasons: dict[str, str] = field(default_factory=dict)  # construct -> why it is flagged
    notes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return sum(v.score for v in self.verdicts)


def time_scale() -> float:
    """PAGEWISE_EMU_TIME_SCALE, the factor on every time limit (1 unset)."""
    try:
        return max(1.0, float(os.environ.get("PAGEWISE_EMU_TIME_SCALE", "1")))
    except ValueError:
        return 1.0


def checkers() -> list:
    """The checker modules, imported from tools/; each has BUILD_TARGETS,
    SHARES and grade(lab, ctx)."""
    missing = [name for name in CHECKERS if not (TOOLS / f"{name}.py").exists()]
    if missing:
        raise GradeError(f"{', '.join(missing)} not in {TOOLS}: handouts leave the checkers out; "
                         "grade submissions from the instructors' tree")
    return [importlib.import_module(name) for name in CHECKERS]


def check_shares(mods: list, labs: range = range(1, 6)) -> None:
    """Raise GradeError unless every lab's shares add to POINTS_PER_LAB."""
    for lab in labs:
        total = sum(getattr(m, "SHARES", {}).get(lab, 0) for m in mods)
        if total != POINTS_PER_LAB:
            raise GradeError(f"lab {lab}: the checkers' shares add to {total}, not {POINTS_PER_LAB} "
                             f"({', '.join(f'{m.__name__} {m.SHARES.get(lab, 0)}' for m in mods)})")


def _cut(text: str, limit: int = OUTPUT_MAX) -> str:
    """@text cut to @limit characters, saying so."""
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut]"


def _first_error(log: Path) -> str:
    """The first compiler or make error line of @log, or its last line."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no build log)"
    for line in lines:
        if " error: " in line or line.startswith("make: ***") or "undefined reference" in line:
            return line.strip()[:300]
    return (lines[-1].strip()[:300] if lines else "(empty build log)")


class LimitsOnly:
    """The Runner of --unsafe-no-sandbox: no namespaces and no hidden files,
    only the sandbox's resource limits (prlimit) and, when the grader is
    root, an unprivileged user (setpriv, as tools/sandbox.py does) that owns
    the scratch directory. For a container that holds one submission and
    nothing else, such as Gradescope's; the report says it was used."""

    def __init__(self, scratch: Path):
        import sandbox
        self.limits = sandbox.Limits()
        self.scratch = scratch
        self.uid = sandbox.NOBODY if os.geteuid() == 0 else None
        self.drop = [] if self.uid is None else [
            "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        if self.uid is not None:  # the grader's own directories above scratch: searchable
            for d in (scratch.parent, scratch.parent.parent):
                st = os.stat(d)
                if st.st_uid == os.geteuid() and not st.st_mode & 0o001:
                    os.chmod(d, (st.st_mode & 0o777) | 0o711)

    def __call__(self, argv, *, cwd, timeout, log, stdin=None):
        import subprocess
        if self.uid is not None:  # the unprivileged user must own what it may write
            os.lchown(self.scratch, self.uid, self.uid)
            for root, dirs, files in os.walk(self.scratch):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), self.uid, self.uid)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.scratch), "LANG": "C.UTF-8",
               **{k: v for k, v in os.environ.items() if k.startswith("PAGEWISE_")}}
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            out.write(f"$ {' '.join(map(str, argv))}   [no sandbox: limits only]\n".encode())
            out.flush()
            try:
                done = subprocess.run([*self.drop, *self.limits.prlimit(), *map(str, argv)], cwd=cwd,
                                      env=env, input=stdin, stdout=out, stderr=subprocess.STDOUT,
                                      timeout=timeout, start_new_session=True)
            except subprocess.TimeoutExpired:
                out.write(f"[killed at the {timeout:.0f} s time limit]\n".encode())
                return None
        return done.returncode


def make_runner(scratch: Path, hide: list[Path], unsafe: bool, readonly: list[Path] | None = None):
    """The Runner student code goes through, and how to describe it: the
    sandbox, checked to work here (GradeError otherwise), with @readonly
    (directories inside @scratch) bound read-only; or with @unsafe
    LimitsOnly."""
    import sandbox
    if unsafe:
        return LimitsOnly(scratch), ("none: --unsafe-no-sandbox; student code ran with resource limits "
                                     "and an unprivileged user only, with the container's file system "
                                     "and network")
    box = sandbox.Sandbox(scratch, tools=TOOLS, hide=hide, readonly=readonly or ())
    try:
        box.check()
    except sandbox.SandboxError as e:
        raise GradeError(f"no sandbox on this machine: {e}") from e
    return box, describe(box)


def describe(box) -> str:
    """One line on @box for reports."""
    lim = box.limits
    return (f"bubblewrap (no network, private /tmp, read-only but the scratch directory, "
            f"uid {box.uid}), limits: {lim.cpu_seconds} s CPU, {lim.memory_bytes >> 30} GiB address "
            f"space, {lim.processes} processes")


def grade_one(src: Path, lab: int, work: Path, *, seed: int | None = None, repo: Path = REPO,
              hide: list[Path] | None = None, unsafe: bool = False, keep: bool = False,
              jobs: int = 2, base_cache: Path | None = None, say=print) -> Outcome:
    """Grade lab @lab of the submission @src in the fresh directory @work
    (created; its logs/ stays, its scratch/ is removed unless @keep).
    @seed: the workload seed (None: drawn now). @base_cache: a directory
    where the lab's plain handout is built once (built_base()) and copied
    for each submission, so that only the files the student changed are
    compiled again. Never raises for anything
    the submission does; GradeError only for a grader or machine problem."""
    import submission
    src, work = Path(src).absolute(), Path(work).absolute()  # runs happen with cwd in the tree
    seed = secrets.randbits(63) if seed is None else seed
    out = Outcome(src.name, lab, seed)
    started = time.monotonic()
    work.mkdir(parents=True)
    os.chmod(work, 0o711)  # the sandbox's unprivileged user must reach scratch/ through it
    logs, scratch = work / "logs", work / "scratch"
    logs.mkdir()
    scratch.mkdir()
    try:
        got = submission.load_submission(src, work / "submitted")
    except submission.SubmissionError as e:
        out.error = f"the submission could not be read: {e}"
        return _finish(out, started)
    tree = scratch / "tree"
    spliced = work / "spliced"
    report = submission.splice(repo, lab, got, spliced)
    mods = checkers()
    targets = sorted({t for m in mods for t in m.BUILD_TARGETS})
    if base_cache is not None:
        base = built_base(repo, lab, base_cache, targets, jobs)
        shutil.copytree(base, tree, symlinks=True)  # copy2: mtimes kept, so make rebuilds only
        overlay(spliced, tree)                      # what the splice changed
    else:
        shutil.copytree(spliced, tree, symlinks=True)
    shutil.rmtree(spliced)
    out.taken = [f"lab {t.lab} {t.path} {t.name}: {t.lines} lines"
                 + (" (the stub, unchanged)" if t.unchanged else "") for t in report.taken]
    out.not_found = [f"lab {n.lab} {n.path} {n.name}: {n.reason}" for n in report.not_found]
    out.changes = ([f"added {p}" for p in report.added] + [f"removed {p}" for p in report.removed]
                   + [f"modified {m.path}" for m in report.modified]
                   + [f"mode of {m.path}" for m in report.modes]
                   + [f"lab {t.lab} region {t.name} in {t.path} (a later lab's: not used)"
                      for t in report.later])
    flags = submission.suspicious(report)
    out.flags = [f"{f.path}:{f.line}: {f.construct}: {f.text}" for f in flags]
    out.flag_reasons = {f.construct: f.reason for f in flags}
    (logs / "splice.txt").write_text("\n".join(report.lines()) + "\n")
    (logs / "splice.json").write_text(json.dumps(report.to_dict(), indent=1) + "\n")

    runner, how = make_runner(scratch, (hide or []) + [repo, work.parent], unsafe)
    out.notes.append(f"sandbox: {how}")
    out.notes.append(f"seed: {seed} (tools/grade --submission ... --seed {seed} repeats this grading)")
    build_log = logs / "build.log"
    say(f"grade: {out.name}: building lab {lab} in the sandbox (log {build_log})")
    status = runner(["make", f"-j{jobs}", "--no-print-directory", *targets], cwd=tree,
                    timeout=BUILD_TIMEOUT * time_scale(), log=build_log)
    build_error = "" if status == 0 else (
        f"the build failed: {_first_error(build_log)}" if status is not None else
        f"the build was stopped at its time or memory limit ({_first_error(build_log)})")
    if not build_error and not unsafe:
        # The runs see the built tree read-only: code under test in one run
        # cannot change what a later run executes (a harness, the kernel).
        runner, _ = make_runner(scratch, (hide or []) + [repo, work.parent], unsafe, readonly=[tree])
    for mod in mods:
        share = mod.SHARES.get(lab, 0)
        if not share:
            continue
        if build_error:
            out.verdicts.append(Verdict(lab, f"{mod.__name__.removeprefix('observe_')}: build",
                                        share, False, build_error))
            continue
        ctx = Context(tree=tree, scratch=scratch, run=runner,
                      rng=random.Random(f"{seed}:{lab}:{mod.__name__}"),
                      logs=logs / mod.__name__, tools=TOOLS, time_scale=time_scale())
        ctx.logs.mkdir()
        say(f"grade: {out.name}: {mod.__name__} for lab {lab}")
        try:
            got_verdicts = mod.grade(lab, ctx)
        except Exception:  # a checker bug: no points, and the trace for the instructor
            (ctx.logs / "checker-error.txt").write_text(traceback.format_exc())
            got_verdicts = [Verdict(lab, f"{mod.__name__}: checker error", share, False,
                                    f"the grader failed (its bug, not the submission's): see "
                                    f"{ctx.logs / 'checker-error.txt'}")]
        if sum(v.max_score for v in got_verdicts) != share:
            raise GradeError(f"{mod.__name__} gave {sum(v.max_score for v in got_verdicts)} points "
                             f"for lab {lab}, not its share {share}")
        where = mod.__name__.removeprefix("observe_")
        out.verdicts += [dataclasses.replace(v, name=f"{where}: {v.name}") for v in got_verdicts]
        out.notes += ctx.notes
    if not keep:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(work / "submitted", ignore_errors=True)
    return _finish(out, started)


def built_base(repo: Path, lab: int, cache: Path, targets: list[str], jobs: int) -> Path:
    """The handout of @lab from @repo, with @targets built, in @cache
    (made once, under a lock, and reused while @repo's handout is the
    same). No student code is in it, so it is built outside the sandbox."""
    import fcntl
    import hashlib
    import subprocess
    from handout import make_handout, write_tree
    h = make_handout(repo, lab)
    digest = hashlib.sha256()
    for path, (data, executable) in h.files.items():
        digest.update(f"{path}\0{int(executable)}\0{len(data)}\0".encode() + data)
    digest.update("\0".join(targets).encode())
    cache.mkdir(parents=True, exist_ok=True)
    base = cache / f"lab{lab}-{digest.hexdigest()[:16]}"
    with open(cache / f"lab{lab}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / ".built").exists():
            if base.exists():
                shutil.rmtree(base)
            write_tree(base, h.files)
            log = cache / f"lab{lab}-build.log"
            with open(log, "wb") as f:
                done = subprocess.run(["make", f"-j{max(2, jobs)}", "--no-print-directory", *targets],
                                      cwd=base, stdout=f, stderr=subprocess.STDOUT)
            if done.returncode:
                raise GradeError(f"the plain handout of lab {lab} does not build: {_first_error(log)} "
                                 f"[{log}]")
            (base / ".built").touch()
    return base


def overlay(src: Path, dest: Path) -> None:
    """Make the files of @dest that are in @src the same as @src's, writing
    only those whose bytes or mode differ (their mtime becomes now, so make
    rebuilds what depends on them); files of @src missing in @dest are
    added, and source files of @dest missing in @src removed (build/ kept)."""
    wanted = set()
    for f in src.rglob("*"):
        if f.is_dir():
            continue
        rel = f.relative_to(src)
        wanted.add(rel)
        d = dest / rel
        data = f.read_bytes()
        if not d.is_file() or d.read_bytes() != data:
            d.parent.mkdir(parents=True, exist_ok=True)
            d.write_bytes(data)
        if (os.stat(f).st_mode & 0o111) != (os.stat(d).st_mode & 0o111):
            os.chmod(d, os.stat(f).st_mode & 0o777)
    for d in dest.rglob("*"):
        rel = d.relative_to(dest)
        if d.is_file() and rel.parts[0] not in ("build", ".built") and rel not in wanted:
            d.unlink()


def _finish(out: Outcome, started: float) -> Outcome:
    out.seconds = time.monotonic() - started
    return out


def render(out: Outcome) -> list[str]:
    """The text report of @out."""
    lines = [f"Lab {out.lab} ({LAB_TITLES.get(out.lab, '?')}): {out.name}"]
    if out.error:
        return lines + [f"  not graded: {out.error}", f"  score: 0/{POINTS_PER_LAB}"]
    lines.append("Regions taken from the submission:")
    lines += [f"  {t}" for t in out.taken] or ["  none"]
    if out.not_found:
        lines.append("Regions not found (their stubs were graded):")
        lines += [f"  {t}" for t in out.not_found]
    lines.append("Changes outside the regions (listed, not used; logs/splice.txt has the diffs):")
    lines += [f"  {c}" for c in out.changes] or ["  none"]
    lines.append("For a human to look at (constructs no lab solution needs):")
    lines += [f"  {f}" for f in out.flags] or ["  none"]
    lines += [f"  ({c}: {why})" for c, why in out.flag_reasons.items()]
    width = max([len(v.name) for v in out.verdicts] + [4])
    lines.append("")
    lines.append(f"  {'test':<{width}}  points  result")
    for v in out.verdicts:
        lines.append(f"  {v.name:<{width}}  {v.score:>3}/{v.max_score:<3} {'pass' if v.passed else 'FAIL'}")
        if not v.passed:
            lines += [f"  {'':<{width}}    {line}" for line in _cut(v.output, 600).splitlines()[:6]]
    lines.append(f"  {'total':<{width}}  {out.score:>3}/{POINTS_PER_LAB}")
    lines += [f"({n})" for n in out.notes]
    lines.append(f"(graded in {out.seconds:.0f} s)")
    return lines


def gradescope(out: Outcome) -> dict:
    """@out in Gradescope's results.json shape: score, output, and tests
    with name, score, max_score, output and visibility. What only the
    instructor should see (changes outside the regions, flags) is a test of
    0 points with visibility "hidden"."""
    tests = [{"name": v.name, "score": v.score, "max_score": v.max_score,
              "output": _cut(v.output), "visibility": "visible"} for v in out.verdicts]
    review = (["Regions taken:"] + out.taken + ["Regions not found:"] + (out.not_found or ["none"])
              + ["Changes outside the regions (not used):"] + (out.changes or ["none"])
              + ["Flagged for review:"] + (out.flags or ["none"])
              + [f"({c}: {why})" for c, why in out.flag_reasons.items()] + out.notes)
    tests.append({"name": "review: what the grader took and flagged (instructors only)",
                  "score": 0, "max_score": 0, "output": _cut("\n".join(review), 20000),
                  "visibility": "hidden"})
    summary = (f"Lab {out.lab}: {out.score}/{POINTS_PER_LAB}." if not out.error else
               f"Lab {out.lab} was not graded: {out.error}")
    if out.changes and not out.error:
        summary += (f" {len(out.changes)} change(s) outside the lab's regions were not used "
                    "(only the code between a TODO comment and its LAB n END line is graded).")
    return {"score": out.score, "output": summary, "visibility": "visible",
            "stdout_visibility": "hidden", "execution_time": round(out.seconds), "tests": tests}


def write_json(out: Outcome, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope(out), indent=2) + "\n")


def _entries(directory: Path) -> list[Path]:
    """The submissions of a class directory: each sub-directory, tarball,
    zip or git bundle-less repository in it, by name; hidden files skipped."""
    return sorted(p for p in directory.iterdir() if not p.name.startswith("."))


def _student(path: Path) -> str:
    name = path.name
    for ext in (".tar.gz", ".tgz", ".tar", ".zip", ".git"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def grade_class(directory: Path, lab: int, outdir: Path, *, jobs: int, seed: int | None,
                unsafe: bool, keep: bool, say=print) -> list[Outcome]:
    """Grade lab @lab of every submission in @directory, @jobs at a time,
    into @outdir: STUDENT/report.txt, STUDENT/results.json, the work
    directories under @outdir/work, and grades.csv (one row a student: the
    total, each test's points, the counts of outside changes and flags)."""
    outdir.mkdir(parents=True, exist_ok=True)
    work_root = outdir / "work"
    if work_root.exists():
        shutil.rmtree(work_root)
    work_root.mkdir()
    entries = _entries(directory)
    if not entries:
        raise GradeError(f"{directory} holds no submissions")
    names = [_student(p) for p in entries]
    if len(set(names)) != len(names):
        raise GradeError(f"{directory}: two submissions have the same student name")
    class_seed = secrets.randbits(63) if seed is None else seed

    def one(i: int) -> Outcome:
        src, name = entries[i], names[i]
        try:
            o = grade_one(src, lab, work_root / name, seed=class_seed, unsafe=unsafe, keep=keep,
                          jobs=1, hide=[directory, outdir], base_cache=outdir / "base", say=say)
        except GradeError as e:
            o = Outcome(name, lab, class_seed, error=str(e))
        o.name = name
        (outdir / name).mkdir(exist_ok=True)
        (outdir / name / "report.txt").write_text("\n".join(render(o)) + "\n")
        write_json(o, outdir / name / "results.json")
        say(f"grade: {name}: {o.score}/{POINTS_PER_LAB}" + (f" (not graded: {o.error})" if o.error else ""))
        return o

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = list(pool.map(one, range(len(entries))))
    test_names = []
    for o in outcomes:
        test_names += [v.name for v in o.verdicts if v.name not in test_names]
    with open(outdir / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "lab", "score", "max_score", *test_names, "outside_changes", "flags",
                    "seed", "error"])
        for o in outcomes:
            by_name = {v.name: v.score for v in o.verdicts}
            w.writerow([o.name, lab, o.score, POINTS_PER_LAB, *[by_name.get(n, 0) for n in test_names],
                        len(o.changes), len(o.flags), o.seed, o.error])
    return outcomes


def main_submission(args, say=print) -> int:
    """tools/grade --submission SRC LAB / --class DIR LAB. Exit status 0 when
    graded (whatever the score), 1 when a submission could not be graded,
    2 for a bad command line."""
    try:
        check_shares(checkers())
    except GradeError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 1
    if args.cls:
        outdir = Path(args.out or "grades")
        jobs = args.jobs or max(1, (os.cpu_count() or 2) // 2)
        try:
            outcomes = grade_class(Path(args.cls), args.lab, outdir, jobs=jobs, seed=args.seed,
                                   unsafe=args.unsafe_no_sandbox, keep=args.keep, say=say)
        except GradeError as e:
            print(f"grade: {e}", file=sys.stderr)
            return 1
        say(f"grade: {len(outcomes)} submissions graded: {outdir / 'grades.csv'}")
        return 1 if any(o.error for o in outcomes) else 0
    src = Path(args.submission)
    if args.work:
        work = Path(args.work)
    else:
        top = Path(tempfile.mkdtemp(prefix="pagewise-grade-"))
        os.chmod(top, 0o711)  # searchable, not listable: the sandbox's user reaches scratch
        work = top / _student(src)
    try:
        out = grade_one(src, args.lab, work, seed=args.seed, unsafe=args.unsafe_no_sandbox,
                        keep=args.keep, jobs=args.jobs or 2, say=say)
    except GradeError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 1
    text = render(out)
    (work / "report.txt").write_text("\n".join(text) + "\n")
    print()
    print("\n".join(text))
    print(f"grade: report and logs in {work}")
    if args.json:
        write_json(out, Path(args.json))
        print(f"grade: wrote {args.json}")
    return 1 if out.error else 0


def gradescope_zip(repo: Path, lab: int, path: Path) -> int:
    """Write @path, the autograder zip of lab @lab for Gradescope: every file
    git tracks in @repo (the instructor's tree, solutions included: it stays
    on Gradescope's side, and the sandbox hides it from student code), with
    tools/gradescope/setup.sh and run_autograder at the top, where Gradescope
    looks for them, and LAB holding the lab number. Returns the file count."""
    import subprocess
    import zipfile
    listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True,
                            check=True).stdout.decode().split("\0")
    names = [n for n in listed if n and not n.startswith("build/") and (repo / n).is_file()]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        def add(arc: str, data: bytes, executable: bool) -> None:
            info = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        for n in names:
            add(n, (repo / n).read_bytes(), os.access(repo / n, os.X_OK))
        for top in ("setup.sh", "run_autograder"):
            add(top, (repo / "tools" / "gradescope" / top).read_bytes(), True)
        add("LAB", f"{lab}\n".encode(), False)
    return len(names) + 3


def check_sandbox() -> int:
    """tools/grade --check-sandbox: 0 when this machine can run student code
    in the sandbox, 1 (and the reason) when not."""
    import sandbox
    with tempfile.TemporaryDirectory(prefix="pagewise-sandbox-check-") as d:
        try:
            box = sandbox.Sandbox(Path(d), tools=TOOLS, hide=[REPO])
            box.check()
        except sandbox.SandboxError as e:
            print(f"grade: no sandbox: {e}")
            return 1
        print(f"grade: sandbox works: {describe(box)}")
    return 0
