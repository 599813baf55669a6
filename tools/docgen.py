"""docgen.py - regenerate the transcripts, facts and figures of README.md and
docs/ from real runs (make docs), or check that they are current (make
docs-check). How the blocks are marked up: docs/README.md.

A transcript block is an HTML comment naming its run and the lines it keeps,
right above a fenced block:

    <!-- docgen boot-128m
    from ^Pagewise 0.1
    to ^Zone ranges
    from ^Memory:
    -->
    ```text
    ... (rewritten by make docs)
    ```

A fact is a number in prose, <!--fact RUN.NAME-->0x1c0000<!--/fact-->,
rewritten from the run's output. Runs are defined in docs/runs/*.toml; each
distinct run is executed once, in a copy of the tree under build/docgen/, so
runs can go side by side without sharing build outputs.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import filecmp
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
sys.path.insert(0, str(TOOLS))

from serial_log import clean_lines  # noqa: E402

DOC_GLOBS = ("README.md", "docs/*.md", "docs/**/*.md")
RUNS_GLOB = "docs/runs/*.toml"
MASKS_FILE = "docs/runs/masks.toml"
FACTS_DOC = "docs/facts.md"
WORK = "build/docgen"
ELLIPSIS = "..."

# A block: the directive comment, then (directly) the fence, its text and the
# closing fence. The comment's first line names the run (RUN or RUN:STREAM);
# each further line is one selection statement.
BLOCK_RE = re.compile(
    r"^<!-- docgen (?P<head>[^\n]*?)[ \t]*\n(?P<body>(?:(?!-->)[^\n]*\n)*?)-->[ \t]*\n"
    r"(?P<fence>(?P<ticks>`{3,})[^\n]*)\n(?P<text>.*?)^(?P=ticks)[ \t]*$",
    re.S | re.M,
)
FACT_RE = re.compile(r"<!--fact (?P<name>[\w.:-]+)-->(?P<value>.*?)<!--/fact-->")


FENCED_RE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)


def facts_in(text: str) -> list[re.Match]:
    """The facts of @text; one inside a fenced block is an example of the
    markup (docs/README.md), not a fact."""
    spans = [(m.start(), m.end()) for m in FENCED_RE.finditer(text)]
    return [m for m in FACT_RE.finditer(text) if not any(s <= m.start() < e for s, e in spans)]


class DocgenError(Exception):
    """A directive that cannot be applied: the message says where and why."""


# ---------------------------------------------------------------------------
# Runs


@dataclasses.dataclass
class Run:
    """One run of docs/runs/*.toml: a shell command in a copy of the tree,
    driven through a pseudo-terminal (send/expect), and what it left."""

    name: str
    cmd: str
    source: str
    setup: str = ""
    send: list = dataclasses.field(default_factory=list)
    prompt: str = r"pagewise> "
    timeout: float = 300
    streams: dict = dataclasses.field(default_factory=dict)
    background: str = ""
    background_ready: str = ""
    env: dict = dataclasses.field(default_factory=dict)
    artifacts: dict = dataclasses.field(default_factory=dict)
    facts: dict = dataclasses.field(default_factory=dict)
    mask: list = dataclasses.field(default_factory=list)
    status: object = 0
    lock: str = ""
    cols: int = 200
    doc: str = ""

    def key(self) -> str:
        """A hash of what the run does, to tell a cached output from a stale one."""
        d = dataclasses.asdict(self)
        for k in ("source", "doc", "facts", "mask", "artifacts"):  # read after the run, not by it
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


RUN_KEYS = {f.name for f in dataclasses.fields(Run)} - {"name", "source"}


def load_runs(root: Path) -> dict[str, Run]:
    runs: dict[str, Run] = {}
    more_facts = []  # tables with only facts: facts for a run defined in another file
    for path in sorted(root.glob(RUNS_GLOB)):
        if path.name == Path(MASKS_FILE).name:
            continue
        with open(path, "rb") as f:
            try:
                table = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                raise DocgenError(f"{path.relative_to(root)}: {e}") from e
        for name, spec in table.items():
            where = f"{path.relative_to(root)} [{name}]"
            if isinstance(spec, dict) and set(spec) == {"facts"}:
                more_facts.append((where, name, spec["facts"]))
                continue
            if not isinstance(spec, dict) or "cmd" not in spec:
                raise DocgenError(f"{where}: a run needs cmd = \"...\"")
            unknown = set(spec) - RUN_KEYS
            if unknown:
                raise DocgenError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(RUN_KEYS)})")
            run = Run(name=name, source=where, **spec)
            if name in runs and runs[name].key() != run.key():
                raise DocgenError(f"{where}: run {name} is also defined, differently, in {runs[name].source}")
            runs[name] = run
    for where, name, facts in more_facts:
        if name not in runs:
            raise DocgenError(f"{where}: facts for a run {name} that no runs file defines")
        both = set(facts) & set(runs[name].facts)
        if both:
            raise DocgenError(f"{where}: facts {sorted(both)} of run {name} are also defined elsewhere")
        runs[name].facts = {**runs[name].facts, **facts}
    return runs


def load_masks(root: Path, run: str | None = None) -> list[tuple[re.Pattern, str]]:
    """The masks docs-check applies to both sides: only what truly varies
    between hosts and runs (docs/runs/masks.toml says why for each). A mask
    with `runs = [...]` applies only to the blocks and facts of those runs
    (e.g. QEMU's emulated cycle counts, not Bochs's exact ones)."""
    path = root / MASKS_FILE
    if not path.exists():
        return []
    with open(path, "rb") as f:
        table = tomllib.load(f)
    return [(re.compile(m["re"]), m["repl"]) for m in table.get("mask", [])
            if "runs" not in m or run in m["runs"]]


def tree_files(root: Path) -> list[str]:
    """The tree's files as git sees them (tracked, and new files not ignored)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                         check=True, capture_output=True).stdout.decode()
    return [p for p in out.split("\0") if p and (root / p).is_file()]


def sync_tree(root: Path, dest: Path) -> None:
    """Make @dest a copy of the tree's files, keeping dest/build (so builds
    are incremental) and touching only files whose content changed."""
    files = tree_files(root)
    dest.mkdir(parents=True, exist_ok=True)
    wanted = set(files)
    for dirpath, dirnames, filenames in os.walk(dest):
        rel = Path(dirpath).relative_to(dest)
        if rel.parts[:1] in (("build",), (".git",)):
            dirnames[:] = []
            continue
        for fn in filenames:
            p = str(rel / fn) if str(rel) != "." else fn
            if p not in wanted:
                (dest / p).unlink()
    for p in files:
        src, dst = root / p, dest / p
        if dst.exists() and filecmp.cmp(src, dst, shallow=False):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        os.utime(dst)  # newer than any object built from the old copy
    # A git index of exactly these files, so that what reads the tree through
    # git (make handout: tools/handout takes `git ls-files`) sees the copy,
    # not the repository the copy sits in.
    git = ["git", "-C", str(dest)]
    if not (dest / ".git").is_dir():
        subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)


def clean_transcript(raw: str) -> list[str]:
    """Terminal output as lines: escape sequences, carriage returns and
    trailing blanks removed; backspaces applied."""
    lines = []
    for raw_line in clean_lines(raw):
        line = []
        for ch in raw_line:
            if ch != "\b":
                line.append(ch)
            elif line:
                line.pop()
        line = "".join(line)
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


class _Printed(list):
    """What a spawned command printed, piece by piece (pexpect's logfile_read)."""

    def write(self, s):
        self.append(s)

    def flush(self):
        pass


def execute(run: Run, tree: Path, outdir: Path) -> dict[str, list[str]]:
    """Run @run in @tree; return its streams as lines (transcript: what the
    terminal showed). Raises DocgenError when it fails or times out."""
    import pexpect

    env = dict(os.environ, TERM="dumb", LC_ALL="C.UTF-8", **{k: str(v) for k, v in run.env.items()})
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    if run.setup:
        p = subprocess.run(["bash", "-c", run.setup], cwd=tree, env=env, capture_output=True, text=True)
        if p.returncode:
            raise DocgenError(f"run {run.name}: setup failed ({p.returncode}):\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    def spawn(cmd: str):
        """@cmd on a terminal of its own; what it prints collects in .printed."""
        proc = pexpect.spawn("bash", ["-c", cmd], cwd=str(tree), env=env, encoding="utf-8",
                             codec_errors="replace", timeout=run.timeout, dimensions=(50, run.cols))
        proc.logfile_read = _Printed()
        return proc

    bg, bg_thread = None, None
    if run.background:
        bg = spawn(run.background)
        if run.background_ready:
            try:
                bg.expect(run.background_ready)
            except (pexpect.TIMEOUT, pexpect.EOF) as e:
                bg.terminate(force=True)
                raise DocgenError(f"run {run.name}: background never printed {run.background_ready!r}: "
                                  f"{(bg.before or '')[-1500:]}") from e

        # Keep reading what it prints (its stream "background"): a terminal
        # nobody reads fills up and stops the program (QEMU's COM1) mid-line.
        def drain():
            try:
                bg.expect(pexpect.EOF, timeout=None)
            except Exception:  # noqa: BLE001 - ended by terminate()
                pass

        bg_thread = threading.Thread(target=drain, daemon=True)
        bg_thread.start()
    child = spawn(run.cmd)
    log = child.logfile_read
    try:
        names: dict[str, str] = {}  # named groups matched so far: ${name} in an expanded send
        for step in run.send:
            if isinstance(step, str):
                expect, text = run.prompt, step + "\n"
            else:
                expect = step.get("expect", run.prompt)
                text = step["send"] + ("" if step.get("raw") else "\n")
            if isinstance(step, dict) and step.get("file"):
                # Wait at the prompt, then for RE in a file the run writes
                # (one of its streams, e.g. Bochs's COM1 log): what the
                # kernel printed there decides what to type.
                child.expect(step.get("prompt", run.prompt))
                match = _wait_in_file(tree / run.streams[step["file"]], expect, int(step.get("nth", 1)),
                                      run.timeout, f"run {run.name}")
            else:
                child.expect(expect)
                match = child.match
            if match is not None:
                names.update({k: v for k, v in match.groupdict().items() if v is not None})
            if isinstance(step, dict) and step.get("expand"):
                # What to type depends on what was printed (Bochs has no
                # "finish": a return address read off the stack is typed back).
                text = match.expand(text)
                text = re.sub(r"\$\{(\w+)\}", lambda m: names[m.group(1)], text)
            time.sleep(float(step.get("delay", 0)) if isinstance(step, dict) else 0)
            child.send(text)
        child.expect(pexpect.EOF)
    except (pexpect.TIMEOUT, pexpect.EOF) as e:
        child.terminate(force=True)
        tail = "".join(log)[-3000:]
        raise DocgenError(f"run {run.name}: {type(e).__name__} waiting in step list; last output:\n{tail}") from e
    finally:
        if bg is not None:
            bg.terminate(force=True)
            bg_thread.join(timeout=10)
    child.close()
    status = child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0)
    raw = "".join(log)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "transcript.raw").write_text(raw)
    if run.status != "any" and status != run.status:
        raise DocgenError(f"run {run.name}: exit status {status}, expected {run.status}; "
                          f"output in {outdir / 'transcript.raw'}:\n{raw[-2000:]}")
    streams = {"transcript": clean_transcript(raw)}
    if bg is not None:
        streams["background"] = clean_transcript("".join(bg.logfile_read))
    for sname, rel in run.streams.items():
        path = tree / rel
        if not path.exists():
            raise DocgenError(f"run {run.name}: stream {sname}: {rel} was not written")
        streams[sname] = clean_transcript(path.read_bytes().decode("utf-8", errors="replace"))
    for sname, lines in streams.items():
        (outdir / f"{sname}.txt").write_text("\n".join(lines) + "\n")
    (outdir / "key").write_text(run.key())
    return streams


def _wait_in_file(path: Path, pattern: str, nth: int, timeout: float, who: str) -> re.Match:
    """The @nth match of @pattern in the file at @path, waiting up to
    @timeout seconds for it to appear (the file is being written)."""
    pat = re.compile(pattern, re.M)
    end = time.monotonic() + timeout
    while True:
        text = "\n".join(clean_transcript(path.read_bytes().decode("utf-8", "replace"))) if path.exists() else ""
        found = list(pat.finditer(text))
        if len(found) >= nth:
            return found[nth - 1]
        if time.monotonic() > end:
            raise DocgenError(f"{who}: {path.name} never showed /{pattern}/ (match {nth})")
        time.sleep(0.2)


def cached(run: Run, outdir: Path) -> dict[str, list[str]] | None:
    """The streams of an earlier run with the same definition, if any."""
    if not (outdir / "key").exists() or (outdir / "key").read_text() != run.key():
        return None
    streams = {}
    for sname in ["transcript", *run.streams, *(["background"] if run.background else [])]:
        p = outdir / f"{sname}.txt"
        if not p.exists():
            return None
        streams[sname] = p.read_text().split("\n")[:-1]
    return streams


def execute_all(root: Path, runs: list[Run], jobs: int, reuse: bool, verbose: bool) -> dict[str, dict]:
    """Each run once, @jobs at a time, each worker in its own copy of the
    tree (build/docgen/tree-N). Returns run name -> streams."""
    work = root / WORK
    results: dict[str, dict] = {}
    todo = []
    for run in runs:
        got = cached(run, work / "runs" / run.name) if reuse else None
        if got is not None:
            results[run.name] = got
        else:
            todo.append(run)
    if not todo:
        return results
    jobs = max(1, min(jobs, len(todo)))
    trees: queue.Queue = queue.Queue()
    for i in range(jobs):
        t = work / f"tree-{i}"
        sync_tree(root, t)
        trees.put(t)
    locks: dict[str, threading.Lock] = {r.lock: threading.Lock() for r in todo if r.lock}
    errors = []

    def one(run: Run):
        tree = trees.get()
        try:
            lock = locks.get(run.lock)
            if lock:
                lock.acquire()
            try:
                start = time.monotonic()
                results[run.name] = execute(run, tree, work / "runs" / run.name)
                if run.artifacts:
                    for src in run.artifacts:
                        if not (tree / src).exists():
                            raise DocgenError(f"run {run.name}: artifact {src} was not made")
                        dst = work / "artifacts" / run.name / src
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(tree / src, dst)
                if verbose:
                    print(f"docgen: ran {run.name} in {time.monotonic() - start:.1f} s ({tree.name})", flush=True)
            finally:
                if lock:
                    lock.release()
        except DocgenError as e:
            errors.append(str(e))
        finally:
            trees.put(tree)

    # The longest runs first (as last measured), so two workers finish together.
    def last_time(run):
        p = work / "runs" / run.name / "seconds"
        return -float(p.read_text()) if p.exists() else 0.0

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = []
        for run in sorted(todo, key=last_time):
            def timed(run=run):
                start = time.monotonic()
                one(run)
                d = work / "runs" / run.name
                d.mkdir(parents=True, exist_ok=True)
                (d / "seconds").write_text(f"{time.monotonic() - start:.1f}")
            futures.append(pool.submit(timed))
        for f in futures:
            f.result()
    if errors:
        raise DocgenError("\n\n".join(errors))
    return results


# ---------------------------------------------------------------------------
# Selection: which lines of a run a block keeps


@dataclasses.dataclass
class Piece:
    start_re: re.Pattern | None  # None: from the cursor
    single: bool = False
    after: bool = False  # start on the line after the match
    end_re: re.Pattern | None = None
    end_inclusive: bool = True
    count: int | None = None
    to_end: bool = False
    nth: int = 1
    grep: list = dataclasses.field(default_factory=list)
    drop: list = dataclasses.field(default_factory=list)
    join: bool = False


@dataclasses.dataclass
class Selection:
    run: str
    stream: str
    pieces: list
    rewind: bool = False
    subs: list = dataclasses.field(default_factory=list)
    grep: list = dataclasses.field(default_factory=list)  # filters on every piece
    drop: list = dataclasses.field(default_factory=list)


def _re(text: str, where: str) -> re.Pattern:
    try:
        return re.compile(text)
    except re.error as e:
        raise DocgenError(f"{where}: bad regular expression {text!r}: {e}") from e


def parse_selection(head: str, body: str, where: str) -> Selection:
    words = head.split()
    if not words:
        raise DocgenError(f"{where}: the docgen comment names no run")
    run, _, stream = words[0].partition(":")
    sel = Selection(run=run, stream=stream or "transcript", pieces=[])
    join_next = False
    for raw in body.split("\n"):
        line = raw.lstrip()
        if not line.strip() or line.startswith("#"):
            continue
        # The argument keeps its trailing blanks: a regex may end in a space.
        kw, _, arg = line.partition(" ")
        kw = kw.strip()
        cur = sel.pieces[-1] if sel.pieces else None
        if kw in ("from", "after", "line", "all"):
            if kw != "all" and not arg:
                raise DocgenError(f"{where}: '{kw}' needs a regular expression")
            p = Piece(start_re=_re(arg, where) if kw != "all" else None, single=kw == "line",
                      after=kw == "after", to_end=kw == "all", join=join_next)
            sel.pieces.append(p)
            join_next = False
        elif kw in ("grep", "drop") and cur is None:
            # Before any piece: a filter on every piece of the block.
            (sel.grep if kw == "grep" else sel.drop).append(_re(arg, where))
        elif kw in ("to", "upto", "count", "end", "nth", "grep", "drop"):
            if cur is None:
                raise DocgenError(f"{where}: '{kw}' before any 'from' or 'line'")
            if kw == "to":
                cur.end_re = _re(arg, where)
            elif kw == "upto":
                cur.end_re, cur.end_inclusive = _re(arg, where), False
            elif kw == "count":
                cur.count = int(arg)
            elif kw == "end":
                cur.to_end = True
            elif kw == "nth":
                cur.nth = int(arg)
            elif kw == "grep":
                cur.grep.append(_re(arg, where))
            else:
                cur.drop.append(_re(arg, where))
        elif kw == "join":
            join_next = True
        elif kw == "rewind":
            sel.rewind = True
        elif kw == "sub":
            pat, sep, repl = arg.partition(" => ")
            if not sep:
                raise DocgenError(f"{where}: sub needs 'REGEX => REPLACEMENT'")
            sel.subs.append((_re(pat, where), repl))
        else:
            raise DocgenError(f"{where}: unknown statement {kw!r} (from, after, line, all, to, upto, count, end, "
                              "nth, grep, drop, join, rewind, sub)")
    if not sel.pieces:
        raise DocgenError(f"{where}: the block selects nothing (say 'all' for the whole output)")
    return sel


def apply_selection(sel: Selection, lines: list[str], cursor: int, where: str) -> tuple[list[str], int]:
    """The block's lines, and the cursor after its last piece. Pieces are
    found in order from the cursor; a gap between two pieces shows as '...'
    unless the second says 'join'."""
    out: list[str] = []
    prev_end = None
    for p in sel.pieces:
        if p.start_re is None:
            start = cursor
        else:
            start, seen = None, 0
            for i in range(cursor, len(lines)):
                if p.start_re.search(lines[i]):
                    seen += 1
                    if seen == p.nth:
                        start = i
                        break
            if start is None:
                raise DocgenError(f"{where}: no line matching /{p.start_re.pattern}/ in run {sel.run} "
                                  f"({sel.stream}) after its line {cursor + 1}")
            if p.after:
                start += 1
        if p.single:
            end = start + 1
        elif p.count is not None:
            end = min(len(lines), start + p.count)
        elif p.end_re is not None:
            end = None
            first = start if p.end_inclusive else start + 1
            for i in range(first, len(lines)):
                if p.end_re.search(lines[i]):
                    end = i + 1 if p.end_inclusive else i
                    break
            if end is None:
                raise DocgenError(f"{where}: no line matching /{p.end_re.pattern}/ in run {sel.run} "
                                  f"({sel.stream}) after its line {start + 1}")
        else:
            end = len(lines)
        chunk = lines[start:end]
        for greps in (p.grep, sel.grep):
            if greps:
                chunk = [x for x in chunk if any(g.search(x) for g in greps)]
        drops = p.drop + sel.drop
        if drops:
            chunk = [x for x in chunk if not any(d.search(x) for d in drops)]
        if prev_end is not None and start != prev_end and not p.join:
            out.append(ELLIPSIS)
        out.extend(chunk)
        prev_end = end
        cursor = end
    for pat, repl in sel.subs:
        out = [pat.sub(repl, x) for x in out]
    return out, cursor


# ---------------------------------------------------------------------------
# Documents


@dataclasses.dataclass
class Block:
    doc: str
    line: int
    sel: Selection
    text_start: int  # character offsets of the block's text in the document
    text_end: int
    text: str


def doc_paths(root: Path) -> list[Path]:
    seen = []
    for g in DOC_GLOBS:
        for p in sorted(root.glob(g)):
            if p not in seen and p.is_file():
                seen.append(p)
    return seen


# A fence of four or more backticks shows Markdown as an example (docs/README.md):
# a docgen comment inside it is not a directive.
EXAMPLE_FENCE = re.compile(r"^(`{4,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)


def parse_blocks(text: str, doc: str) -> list[Block]:
    blocks = []
    examples = [(m.start(), m.end()) for m in EXAMPLE_FENCE.finditer(text)]
    text_for_scan = text
    for s, e in examples:
        text_for_scan = text_for_scan[:s] + re.sub(r"[^\n]", " ", text_for_scan[s:e]) + text_for_scan[e:]
    for m in BLOCK_RE.finditer(text_for_scan):
        line = text.count("\n", 0, m.start()) + 1
        sel = parse_selection(m.group("head"), m.group("body"), f"{doc}:{line}")
        blocks.append(Block(doc, line, sel, m.start("text"), m.end("text"), m.group("text")))
    n_comments = len(re.findall(r"^<!-- docgen ", text_for_scan, re.M))
    if n_comments != len(blocks):
        raise DocgenError(f"{doc}: {n_comments} docgen comments but {len(blocks)} blocks after them: "
                          "each comment must be followed directly by a fenced block")
    return blocks


def fact_values(runs: dict[str, Run], results: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """Every fact the runs define: 'RUN.NAME' -> (value, what it is)."""
    facts = {}
    for run in runs.values():
        if run.name not in results:
            continue
        for fname, spec in run.facts.items():
            if isinstance(spec, str):
                spec = {"re": spec}
            stream = spec.get("stream", "transcript")
            pat = re.compile(spec["re"])
            nth = int(spec.get("nth", 1))  # the Nth matching line (zoneinfo repeats its fields per zone)
            value, seen = None, 0
            for line in results[run.name].get(stream, []):
                m = pat.search(line)
                if m:
                    seen += 1
                    if seen == nth:
                        value = m.group(1) if m.groups() else m.group(0)
                        break
            if value is None:
                raise DocgenError(f"{run.source}: fact {fname}: no line {nth} of {stream} matches /{spec['re']}/")
            fmt = spec.get("fmt", "raw")
            if fmt == "hex":
                value = hex(int(value, 16))
            elif fmt == "int":
                value = str(int(value, 0))
            elif fmt != "raw":
                raise DocgenError(f"{run.source}: fact {fname}: unknown fmt {fmt!r} (raw, hex, int)")
            facts[f"{run.name}.{fname}"] = (value, spec.get("doc", ""))
    return facts


def needed_runs(root: Path, runs: dict[str, Run], with_artifacts: bool) -> list[Run]:
    names = set()
    for path in doc_paths(root):
        text = path.read_text()
        doc = str(path.relative_to(root))
        for b in parse_blocks(text, doc):
            if b.sel.run not in runs:
                raise DocgenError(f"{doc}:{b.line}: no run named {b.sel.run} in {RUNS_GLOB}")
            names.add(b.sel.run)
        for m in facts_in(text):
            run = m.group("name").split(".")[0]
            if run not in runs:
                line = text.count("\n", 0, m.start()) + 1
                raise DocgenError(f"{doc}:{line}: fact {m.group('name')}: no run named {run}")
            names.add(run)
    for r in runs.values():
        if r.facts:
            names.add(r.name)
        if with_artifacts and r.artifacts:
            names.add(r.name)
    return [runs[n] for n in sorted(names)]


def render_doc(text: str, doc: str, results: dict[str, dict], facts: dict, partial: bool = False) -> str:
    """The document with every block and fact rewritten from the runs;
    @partial (make docs --only): the blocks and facts of runs that are not
    in @results are left as they are."""
    blocks = parse_blocks(text, doc)
    cursors: dict[tuple[str, str], int] = {}
    out, pos = [], 0
    for b in blocks:
        if partial and b.sel.run not in results:
            continue
        key = (b.sel.run, b.sel.stream)
        streams = results[b.sel.run]
        if b.sel.stream not in streams:
            raise DocgenError(f"{doc}:{b.line}: run {b.sel.run} has no stream {b.sel.stream} "
                              f"(it has {', '.join(streams)})")
        cursor = 0 if b.sel.rewind else cursors.get(key, 0)
        lines, cursors[key] = apply_selection(b.sel, streams[b.sel.stream], cursor, f"{doc}:{b.line}")
        out.append(text[pos:b.text_start])
        out.append("".join(x + "\n" for x in lines))
        pos = b.text_end
    out.append(text[pos:])
    new = "".join(out)

    def fact(m):
        name = m.group("name")
        if partial and name not in facts and name.split(".")[0] not in results:
            return m.group(0)
        if name not in facts:
            line = new.count("\n", 0, m.start()) + 1
            raise DocgenError(f"{doc}:{line}: no fact {name} (facts are defined in the runs' facts tables)")
        return f"<!--fact {name}-->{facts[name][0]}<!--/fact-->"

    out, pos = [], 0
    for m in facts_in(new):
        out.append(new[pos:m.start()])
        out.append(fact(m))
        pos = m.end()
    out.append(new[pos:])
    return "".join(out)


FACT_ROW_RE = re.compile(r"^\| `(?P<name>[\w.:-]+)` \|.*$", re.M)


def render_facts_doc(runs: dict[str, Run], facts: dict, old: str = "", partial: bool = False) -> str:
    """docs/facts.md: a row per fact; @partial (make docs --only): the rows
    of @old whose facts were not computed now stay as they are."""
    kept = {m.group("name"): m.group(0) for m in FACT_ROW_RE.finditer(old)} if partial else {}
    rows = ["# Facts from the runs", "",
            "Written by `make docs` (tools/docgen.py) from the runs of docs/runs/: every number",
            "that prose in README.md and docs/ quotes through a `<!--fact RUN.NAME-->` marker.",
            "Do not edit; change the run and regenerate.", "",
            "| fact | value | what it is | run |", "|---|---|---|---|"]
    computed = {name.split(".")[0] for name in facts}
    for name in sorted(set(facts) | set(kept)):
        if name not in facts:
            run_name = name.split(".")[0]
            if run_name in runs and run_name not in computed:  # not rerun: as it was
                rows.append(kept[name])
            continue
        value, what = facts[name]
        run = runs[name.split(".")[0]]
        # A table cell: the command's first line, its pipes escaped.
        lines = run.cmd.strip().splitlines()
        cmd = (lines[0] + (" ..." if len(lines) > 1 else "")).replace("|", "\\|")
        rows.append(f"| `{name}` | `{value}` | {what} | `{cmd}` |")
    return "\n".join(rows) + "\n"


def generate(root: Path, out: Path | None, jobs: int, reuse: bool, only: set[str] | None,
             artifacts: bool, verbose: bool = True) -> list[str]:
    """Run what the docs need and rewrite them (into @out, a mirror of the
    tree's docs, or in place when @out is None). Returns the changed docs."""
    runs = load_runs(root)
    need = needed_runs(root, runs, artifacts)
    if only:
        unknown = only - set(runs)
        if unknown:
            raise DocgenError(f"no run named {', '.join(sorted(unknown))}")
    if only:
        # Only these runs run; the others' earlier outputs are used where
        # build/docgen/runs has them. In a doc, the blocks and facts of a
        # run with no output here are left as they are (render_doc()'s
        # partial), and so are their rows in docs/facts.md.
        results = {}
        for r in need:
            if r.name not in only:
                got = cached(r, root / WORK / "runs" / r.name)
                if got is not None:
                    results[r.name] = got
        results.update(execute_all(root, [r for r in need if r.name in only], jobs, reuse, verbose))
    else:
        results = execute_all(root, need, jobs, reuse, verbose)
    facts = fact_values(runs, results)
    changed = []
    docs = doc_paths(root)
    for path in docs:
        rel = path.relative_to(root)
        if str(rel) == FACTS_DOC:
            continue
        text = path.read_text()
        used = {b.sel.run for b in parse_blocks(text, str(rel))}
        used |= {m.group("name").split(".")[0] for m in facts_in(text)}
        if only and not used & only:
            new = text
        else:
            new = render_doc(text, str(rel), results, facts, partial=only is not None)
        dest = (out / rel) if out else path
        if out or new != text:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(new)
        if new != text:
            changed.append(str(rel))
    if facts:
        old = (root / FACTS_DOC).read_text() if (root / FACTS_DOC).exists() else ""
        facts_text = render_facts_doc(runs, facts, old, partial=only is not None)
        dest = (out / FACTS_DOC) if out else root / FACTS_DOC
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(facts_text)
        if facts_text != old:
            changed.append(FACTS_DOC)
    if artifacts and out is None:
        for run in need:
            if only and run.name not in only:
                continue  # --only: the figures of other runs are left as they are
            for src, dst in run.artifacts.items():
                a = root / WORK / "artifacts" / run.name / src
                if not a.exists():
                    raise DocgenError(f"run {run.name}: no saved artifact {src} in {a.parent} (run it without --reuse)")
                if not (root / dst).exists() or not filecmp.cmp(a, root / dst, shallow=False):
                    shutil.copy2(a, root / dst)
                    changed.append(dst)
    return changed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Regenerate (or check) the transcripts, facts and figures "
                                 "of README.md and docs/ from the runs of docs/runs/*.toml.")
    ap.add_argument("--root", default=str(REPO), help="the tree (default: this tool's)")
    ap.add_argument("--out", help="write the regenerated docs under OUT instead of in place")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="runs side by side (default 2)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the output of earlier runs with the same definition (build/docgen/runs)")
    ap.add_argument("--only", action="append",
                    help="run only this run (repeatable) and rewrite its blocks and facts; those of other runs "
                         "are rewritten from build/docgen/runs where it has them, else left as they are")
    ap.add_argument("--no-figures", action="store_true", help="skip the runs that only make figures")
    ap.add_argument("--list", action="store_true", help="list the runs and the blocks that use them")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    try:
        if args.list:
            runs = load_runs(root)
            for path in doc_paths(root):
                for b in parse_blocks(path.read_text(), str(path.relative_to(root))):
                    print(f"{b.doc}:{b.line}: {b.sel.run}:{b.sel.stream}")
            for r in runs.values():
                print(f"run {r.name}: {r.cmd}  ({r.source})")
            return 0
        only = set(args.only) if args.only else None
        out = Path(args.out).resolve() if args.out else None
        changed = generate(root, out, args.jobs, args.reuse, only, not args.no_figures and out is None,
                           verbose=not args.quiet)
    except DocgenError as e:
        print(f"docgen: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        where = f" (under {args.out})" if args.out else ""
        print(f"docgen: {len(changed)} file(s) changed{where}" + "".join(f"\n  {c}" for c in changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
