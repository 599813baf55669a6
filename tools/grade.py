"""grade.py - make grade: score a tree's labs from the tests listed in
test/grade/labs.toml, and print a table of points.

Two kinds of graded test:

host  cases of a cmocka binary of test/host (make build/host/test_x), each
      case run alone (PAGEWISE_TEST=case) with the results written as XML
      to a file of a random name in a fresh private directory. Only that
      XML counts, and only when it agrees with the exit status; what the
      binary prints is kept in the log, never read for results.
ktap  one case of a KTAP suite the kernel runs in grade mode. For each boot
      of the table (a QEMU memory size) a fresh 128-bit nonce goes on the
      kernel command line ("grade=<nonce> seed=<seed> poweroff"); the kernel
      follows each result with a seal line, a SipHash-2-4 under the nonce
      chained to the seal before it. Only results whose seal verifies, in
      chain, count; a case must pass in every boot and evaluate at least
      min_checks expectations.

A test earns all its points or none. This is the students' feedback, never
the mark: code under test can forge it (docs/labs/INSTRUCTORS.md, "Feedback:
make grade in the student's tree" and "Why feedback is not the mark"). The
instructor's grader is --submission (grade_submission.py)."""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

FIRST_LAB, LAST_LAB = 1, 5
POINTS_PER_LAB = 100
TOOL_REPO = Path(__file__).resolve().parents[1]  # the tree this grader belongs to
DEFAULT_TABLE = TOOL_REPO / "test" / "grade" / "labs.toml"
GRADE_ISO = Path("build") / "pagewise-grade.iso"  # the Makefile's iso_rule for GRADE_CMDLINE
HOST_DIR = Path("build") / "host"
MASK64 = (1 << 64) - 1
EXIT_FULL, EXIT_BELOW, EXIT_USAGE = 0, 1, 2

# --- SipHash-2-4 ------------------------------------------------------------


def _rotl(x: int, bits: int) -> int:
    """@x, a 64-bit word, rotated left by @bits."""
    return ((x << bits) | (x >> (64 - bits))) & MASK64


def _sipround(v: list[int]) -> None:
    """One SipRound on the state words v[0..3], in place."""
    v[0] = (v[0] + v[1]) & MASK64
    v[1] = _rotl(v[1], 13) ^ v[0]
    v[0] = _rotl(v[0], 32)
    v[2] = (v[2] + v[3]) & MASK64
    v[3] = _rotl(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & MASK64
    v[3] = _rotl(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & MASK64
    v[1] = _rotl(v[1], 17) ^ v[2]
    v[2] = _rotl(v[2], 32)


def siphash24(key: bytes, data: bytes) -> int:
    """SipHash-2-4 of @data under the 16-byte @key, as the 64-bit integer
    its 8 output bytes make read little-endian."""
    if len(key) != 16:
        raise ValueError(f"a SipHash key is 16 bytes, not {len(key)}")
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]
    whole = len(data) - len(data) % 8
    words = [int.from_bytes(data[i:i + 8], "little") for i in range(0, whole, 8)]
    # The last word: the leftover bytes, and the length's low byte on top.
    words.append(int.from_bytes(data[whole:], "little") | (len(data) & 0xFF) << 56)
    for m in words:
        v[3] ^= m
        _sipround(v)
        _sipround(v)
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        _sipround(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def seal_message(prev: int, suite: str, case: str, status: str, checks: int, digest: int) -> bytes:
    """The bytes a seal is the SipHash of: "<prev> <suite>.<case> <status>
    <checks> <digest>", @prev and @digest as 16 lowercase hex digits."""
    return f"{prev:016x} {suite}.{case} {status} {checks} {digest:016x}".encode("ascii")


def seal(key: bytes, prev: int, suite: str, case: str, status: str, checks: int, digest: int) -> int:
    """The seal the kernel prints after one result, chained to @prev (the
    previous seal, 0 for the first)."""
    return siphash24(key, seal_message(prev, suite, case, status, checks, digest))


# --- the table ---------------------------------------------------------------


class TableError(Exception):
    """test/grade/labs.toml is not a valid table; the message says where."""


class UsageError(Exception):
    """A bad command line; exit status EXIT_USAGE."""


@dataclass(frozen=True)
class Test:
    """One graded test of lab @lab: kind "host" (cmocka @binary, @cases of
    it, () for all) or "ktap" (@suite.@case, at least @min_checks checks)."""

    lab: int
    name: str
    points: int
    kind: str
    binary: str = ""
    cases: tuple[str, ...] = ()
    suite: str = ""
    case: str = ""
    min_checks: int = 0


@dataclass(frozen=True)
class Table:
    """The whole table: the boots (QEMU -m sizes), the kernel's seed, the
    boot time limit in seconds, and each lab's tests in table order."""

    boots: tuple[str, ...]
    seed: int
    boot_timeout: float
    host_timeout: float
    labs: dict[int, list[Test]]


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MEM = re.compile(r"[1-9][0-9]*[MG]")
_KEYS = {"host": {"name", "points", "kind", "binary", "cases"},
         "ktap": {"name", "points", "kind", "suite", "case", "min_checks"}}
_TOP_KEYS = {"boots", "seed", "boot_timeout", "host_timeout"}


def _number(value, where: str, what: str, minimum: float, kind=int):
    """@value as @kind (int, or float accepting ints), at least @minimum;
    TableError naming @where and @what otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int) \
            or value < minimum:
        raise TableError(f"{where}: {what} must be {'a number' if kind is float else 'an integer'} "
                         f">= {minimum}, not {value!r}")
    return kind(value)


def _ident(value, where: str, what: str) -> str:
    """@value, which must be a C identifier (a case, suite or binary name)."""
    if not isinstance(value, str) or not _IDENT.fullmatch(value):
        raise TableError(f"{where}: {what} must be a C identifier, not {value!r}")
    return value


def _test(lab: int, i: int, raw, where: str) -> Test:
    """Test number @i of lab @lab from its TOML table @raw."""
    at = f"{where}: lab{lab}.tests[{i}]"
    if not isinstance(raw, dict):
        raise TableError(f"{at}: must be a table ([[lab{lab}.tests]])")
    kind = raw.get("kind")
    if kind not in _KEYS:
        raise TableError(f"{at}: kind must be \"host\" or \"ktap\", not {kind!r}")
    unknown = set(raw) - _KEYS[kind]
    missing = _KEYS[kind] - set(raw) - {"cases"}
    if unknown:
        raise TableError(f"{at}: unknown key(s) for a {kind} test: {', '.join(sorted(unknown))}")
    if missing:
        raise TableError(f"{at}: missing key(s): {', '.join(sorted(missing))}")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip() or name != name.strip() or "\n" in name:
        raise TableError(f"{at}: name must be a non-empty one-line string, not {name!r}")
    at = f"{where}: lab {lab} test {name!r}"
    points = _number(raw["points"], at, "points", 1)
    if kind == "host":
        binary = raw["binary"]
        if not isinstance(binary, str) or not re.fullmatch(r"test_[A-Za-z0-9_]+", binary):
            raise TableError(f"{at}: binary must name a cmocka binary of test/host, as "
                             f"\"test_memblock\", not {binary!r}")
        cases = raw.get("cases", [])
        if not isinstance(cases, list):
            raise TableError(f"{at}: cases must be a list of case names ([] for all)")
        cases = tuple(_ident(c, at, "each case") for c in cases)
        if len(set(cases)) != len(cases):
            raise TableError(f"{at}: a case is listed twice")
        return Test(lab, name, points, kind, binary=binary, cases=cases)
    return Test(lab, name, points, kind, suite=_ident(raw["suite"], at, "suite"),
                case=_ident(raw["case"], at, "case"),
                min_checks=_number(raw["min_checks"], at, "min_checks", 0))


def parse_table(data: dict, where: str = "labs.toml") -> Table:
    """The Table in @data (labs.toml as tomllib reads it). Raises TableError
    naming @where and the place for: an unknown key, a lab outside
    FIRST_LAB..LAST_LAB, a lab whose points do not add to POINTS_PER_LAB,
    a test with a bad kind, name, points, binary, case or min_checks, two
    tests of a lab with one name, a bad boot size or seed."""
    labs: dict[int, list[Test]] = {}
    for key, value in data.items():
        m = re.fullmatch(r"lab([0-9]+)", key)
        if key in _TOP_KEYS:
            continue
        if not m:
            raise TableError(f"{where}: unknown key {key!r} (expected {', '.join(sorted(_TOP_KEYS))} "
                             f"or lab{FIRST_LAB}..lab{LAST_LAB})")
        lab = int(m[1])
        if not FIRST_LAB <= lab <= LAST_LAB:
            raise TableError(f"{where}: {key}: labs are numbered {FIRST_LAB} to {LAST_LAB}")
        if not isinstance(value, dict) or set(value) - {"title", "tests"} or "tests" not in value \
                or not isinstance(value["tests"], list):
            raise TableError(f"{where}: {key} must hold a list of tests ([[{key}.tests]]) "
                             "and optionally a title")
        tests = [_test(lab, i, raw, where) for i, raw in enumerate(value["tests"])]
        names = [t.name for t in tests]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise TableError(f"{where}: lab {lab}: two tests named {twice[0]!r}")
        total = sum(t.points for t in tests)
        if total != POINTS_PER_LAB:
            raise TableError(f"{where}: lab {lab}: the points add to {total}, not {POINTS_PER_LAB}")
        labs[lab] = tests
    boots = data.get("boots")
    if not isinstance(boots, list) or not boots or any(not isinstance(b, str) or not _MEM.fullmatch(b)
                                                        for b in boots) or len(set(boots)) != len(boots):
        raise TableError(f"{where}: boots must be a list of different QEMU memory sizes as "
                         f"\"128M\" or \"5G\", not {boots!r}")
    seed = _number(data.get("seed"), where, "seed", 0)
    boot_timeout = _number(data.get("boot_timeout", 300), where, "boot_timeout", 1, float)
    host_timeout = _number(data.get("host_timeout", 300), where, "host_timeout", 1, float)
    return Table(tuple(boots), seed, boot_timeout, host_timeout, dict(sorted(labs.items())))


def load_table(path: Path) -> Table:
    """parse_table() of the TOML file at @path; TableError if it cannot be
    read or is not TOML."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise TableError(f"{_rel(path)}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise TableError(f"{_rel(path)}: not valid TOML: {e}") from None
    return parse_table(data, _rel(path))


def parse_labs(words: list[str]) -> list[int]:
    """The labs named by @words, sorted: each word is a lab ("3"), a range
    ("1-3"), or several of those separated by spaces or commas. No words:
    every lab. Raises UsageError for anything else."""
    labs: set[int] = set()
    for word in words:
        for part in re.split(r"[\s,]+", word.strip()):
            m = re.fullmatch(r"([0-9]+)(?:-([0-9]+))?", part)
            if not m:
                raise UsageError(f"{part!r} is not a lab: say 3, \"1 2\" or 1-3 "
                                 f"(labs are {FIRST_LAB} to {LAST_LAB})")
            lo, hi = int(m[1]), int(m[2] or m[1])
            if not FIRST_LAB <= lo <= hi <= LAST_LAB:
                raise UsageError(f"{part!r}: labs are {FIRST_LAB} to {LAST_LAB}")
            labs.update(range(lo, hi + 1))
    return sorted(labs) if words else list(range(FIRST_LAB, LAST_LAB + 1))


# --- the kernel's sealed results -------------------------------------------------

BEGIN_LINE = "# grade: begin v1"
_SEAL = re.compile(r"    # seal: (?P<suite>[A-Za-z_]\w*)\.(?P<case>[A-Za-z_]\w*) (?P<status>ok|fail|skip) "
                   r"checks=(?P<checks>0|[1-9][0-9]*) digest=(?P<digest>[0-9a-f]{16}) "
                   r"seal=(?P<seal>[0-9a-f]{16})")
_END = re.compile(r"# grade: end results=(?P<results>0|[1-9][0-9]*) seal=(?P<seal>[0-9a-f]{16})")
_LAB_LINE = re.compile(r"lab: LAB (?P<lab>[0-9]+): \S+\(\) is not written yet.*")
_SUBTEST = re.compile(r"    # Subtest: (?P<suite>\w+)")
_DIAG = re.compile(r"    # (?P<case>\w+): (?P<text>.*expected.*)")
_SKIP = re.compile(r"    ok [0-9]+ (?P<case>\w+) # SKIP ?(?P<why>.*)")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


@dataclass
class Result:
    """One verified result: the case's status ("ok", "fail" or "skip"), how
    many expectations it checked, and the serial log's line number."""

    status: str
    checks: int
    line: int


@dataclass
class SealedLog:
    """What a serial log holds for the grader: the verified results by
    (suite, case); seal lines that did not count, as (line, suite.case,
    why); the end line's agreement; and lines that explain a missing or
    failed result (the kernel's lab lines, its panic, its diagnostics)."""

    results: dict[tuple[str, str], list[Result]] = field(default_factory=dict)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    begun: bool = False
    ended: bool = False
    end_problem: str = ""
    lab_lines: list[tuple[int, str]] = field(default_factory=list)  # (lab, line)
    stop_line: str = ""  # a lab line saying boot cannot go on
    panic_line: str = ""
    diagnostics: dict[tuple[str, str], str] = field(default_factory=dict)
    skip_reasons: dict[tuple[str, str], str] = field(default_factory=dict)

    def verified(self) -> int:
        """How many results verified."""
        return sum(len(r) for r in self.results.values())


def log_lines(data: bytes) -> list[str]:
    """The lines of a serial log: decoded as UTF-8 (bad bytes replaced),
    a line ending in "\\r\\n" or "\\n", terminal escapes (GRUB's) removed."""
    text = data.decode("utf-8", errors="replace")
    return [_ANSI.sub("", line.rstrip("\r")) for line in text.split("\n")]


def verify_log(data: bytes, key: bytes) -> SealedLog:
    """Read the serial log @data of a grade-mode boot whose nonce is @key.
    A seal line counts only after the first "# grade: begin v1" line, when
    it is exactly the spec's format and its seal is the SipHash under @key
    of its fields chained to the last seal that counted (0 at the start).
    A line that does not verify changes nothing, so a forged, replayed or
    edited line earns nothing, and after a dropped or edited line nothing
    verifies again (the chain has no way round the missing seal)."""
    log = SealedLog()
    prev = 0
    suite = ""
    for n, line in enumerate(log_lines(data), 1):
        if line == BEGIN_LINE:
            if log.begun:
                log.rejected.append((n, "", "a second '# grade: begin v1' line; ignored"))
            log.begun = True
            continue
        if line.lstrip().startswith("# seal:"):
            m = _SEAL.fullmatch(line)
            name = m and f"{m['suite']}.{m['case']}"
            if not m:
                log.rejected.append((n, "", "not a seal line of the spec's format"))
            elif not log.begun:
                log.rejected.append((n, name, "before '# grade: begin v1'"))
            else:
                want = seal(key, prev, m["suite"], m["case"], m["status"], int(m["checks"]),
                            int(m["digest"], 16))
                if int(m["seal"], 16) != want:
                    log.rejected.append((n, name, "its seal does not verify with this run's nonce "
                                         "after the previous verified seal"))
                else:
                    prev = want
                    log.results.setdefault((m["suite"], m["case"]), []).append(
                        Result(m["status"], int(m["checks"]), n))
            continue
        m = _END.fullmatch(line)
        if m and log.begun and not log.ended:
            log.ended = True
            if int(m["results"]) != log.verified() or int(m["seal"], 16) != prev:
                log.end_problem = (f"the end line (line {n}) says {m['results']} results ending in seal "
                                   f"{m['seal']}; {log.verified()} verified, ending in {prev:016x}")
            continue
        if (m := _SUBTEST.fullmatch(line)):
            suite = m["suite"]
        elif (m := _DIAG.fullmatch(line)):
            log.diagnostics.setdefault((suite, m["case"]), m["text"])
        elif (m := _SKIP.fullmatch(line)):
            log.skip_reasons.setdefault((suite, m["case"]), m["why"])
        elif (m := _LAB_LINE.fullmatch(line.strip())):
            log.lab_lines.append((int(m["lab"]), m[0]))
            if "boot cannot go on" in line and not log.stop_line:
                log.stop_line = m[0]
        elif "Kernel panic - not syncing:" in line and not log.panic_line:
            log.panic_line = line.strip()
    return log


# --- host tests ------------------------------------------------------------------


@dataclass
class HostRun:
    """One run of a cmocka binary: @case alone, or every case when None.
    @cases maps each case name the XML holds to (passed, why); @error, when
    set, fails every case of the run (no XML, or one that disagrees with
    the exit status)."""

    binary: str
    case: str | None
    log: Path
    cases: dict[str, tuple[bool, str]] = field(default_factory=dict)
    error: str = ""
    hint: str = ""  # a panic or lab line of the binary's output, for reasons only


def read_cmocka_xml(path: Path) -> list[tuple[str, str, str]]:
    """The <testcase>s of cmocka's XML report at @path, in order, as (name,
    status, text): status "ok", "fail" (a <failure> or <error>, @text its
    message on one line) or "skip". Raises ValueError when the file is not
    such a report."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ValueError(f"its XML report is not well-formed ({e})") from None
    if root.tag != "testsuites":
        raise ValueError(f"its XML report's root is <{root.tag}>, not <testsuites>")
    cases = []
    for tc in root.iter("testcase"):
        name = tc.get("name")
        if not name:
            raise ValueError("its XML report has a <testcase> without a name")
        bad = tc.find("failure")
        if bad is None:
            bad = tc.find("error")
        if bad is not None:
            text = " / ".join(s.strip() for s in (bad.text or "").splitlines() if s.strip())
            cases.append((name, "fail", text or "failed"))
        elif tc.find("skipped") is not None:
            cases.append((name, "skip", "skipped"))
        else:
            cases.append((name, "ok", ""))
    return cases


def judge_host_run(xml_path: Path, returncode: int | None) -> tuple[dict[str, tuple[bool, str]], str]:
    """The cases of one run, name -> (passed, why), and an error that fails
    them all ("" if none). The XML report must exist, be cmocka's, and
    count as many failed cases as the exit status says (cmocka's main
    returns that number; a timeout, None, or a signal, < 0, never agrees).
    A case passes when it neither failed nor skipped; a name given twice
    passes only if each passes."""
    if returncode is None:
        return {}, "did not finish within the time limit"
    how = f"killed by signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    if not xml_path.exists():
        return {}, f"wrote no XML report ({how}: crashed or aborted?)"
    try:
        found = read_cmocka_xml(xml_path)
    except ValueError as e:
        return {}, f"{e} ({how})"
    failed = sum(1 for _, status, _ in found if status == "fail")
    if returncode < 0 or returncode != failed:
        return {}, (f"{how} disagrees with its XML report, which counts {failed} failed "
                    f"case{'' if failed == 1 else 's'}")
    cases: dict[str, tuple[bool, str]] = {}
    for name, status, text in found:
        if cases.get(name, (True, ""))[0]:
            cases[name] = (status == "ok", text)
    return cases, ""


def host_env() -> dict[str, str]:
    """The environment of a host test: ours without cmocka's and the tests'
    own switches, with the fixed seed PAGEWISE_SEED=1."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CMOCKA_", "PAGEWISE_")) or k == "PAGEWISE_EMU_TIME_SCALE"}
    env["PAGEWISE_SEED"] = "1"
    return env


def _hint(output: bytes) -> str:
    """The first panic or lab line a host test printed, to explain a
    failure; never read for results."""
    for line in output.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if "Kernel panic - not syncing:" in line or _LAB_LINE.fullmatch(line):
            return line
    return ""


def run_host(binary: Path, case: str | None, log: Path, timeout: float) -> HostRun:
    """Run cmocka binary @binary (one @case, or all when None) with its XML
    report going to a random name in a fresh private directory; its output
    goes to @log (and a copy of the XML beside it). Returns the judged run
    (judge_host_run())."""
    run = HostRun(binary.name, case, log)
    with tempfile.TemporaryDirectory(prefix="pagewise-grade-") as tmp:
        os.chmod(tmp, 0o700)
        xml_path = Path(tmp) / f"{secrets.token_hex(16)}.xml"
        env = host_env()
        env.update(CMOCKA_MESSAGE_OUTPUT="XML", CMOCKA_XML_FILE=str(xml_path))
        if case is not None:
            env["PAGEWISE_TEST"] = case
        with open(log, "wb") as out:
            try:
                proc = subprocess.run([str(binary)], stdin=subprocess.DEVNULL, stdout=out,
                                      stderr=subprocess.STDOUT, env=env, timeout=timeout, cwd=tmp)
                rc: int | None = proc.returncode
            except subprocess.TimeoutExpired:
                rc = None
            except OSError as e:
                run.error = f"could not be started: {e.strerror}"
                return run
        if xml_path.exists():
            shutil.copyfile(xml_path, log.with_suffix(".xml"))
        run.cases, run.error = judge_host_run(xml_path, rc)
    run.hint = _hint(log.read_bytes())
    return run


# --- building and booting -----------------------------------------------------------


def make_env() -> dict[str, str]:
    """Our environment for make, without what an outer make passes down
    (MAKEFLAGS holds its command-line variables, LAB=... among them)."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL",
                                                             "MAKEOVERRIDES", "GRADE_CMDLINE")}


def run_make(tree: Path, targets: list[str], log: Path, jobs: int, keep_going: bool = False,
             variables: tuple[str, ...] = ()) -> int:
    """make @targets in @tree, output appended to @log; the exit status."""
    argv = ["make", "--no-print-directory", "-C", str(tree), f"-j{jobs}",
            *(["-k"] if keep_going else []), *variables, *targets]
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(argv) + "\n").encode())
        out.flush()
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                              env=make_env()).returncode


_MAKE_FAILED = (re.compile(r"\*\*\* \[[^\]]*: (?P<target>\S+)\] Error"),
                re.compile(r"Target '(?P<target>[^']+)' not remade because of errors"))


def failed_targets(log: Path, targets: list[str], status: int) -> set[str]:
    """Which of @targets a "make -k" that exited with @status and wrote
    @log did not make: those make names as failed ("*** [...: T] Error",
    "Target 'T' not remade"); all of them when make failed without naming
    any (no Makefile, a syntax error)."""
    if status == 0:
        return set()
    text = log.read_text(errors="replace")
    named = {m["target"] for pattern in _MAKE_FAILED for m in pattern.finditer(text)}
    failed = {t for t in targets if t in named}
    return failed or set(targets)


def first_error(log: Path) -> str:
    """The first line of a build log that says what went wrong."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for pattern in (r"\berror\b", r"\*\*\*", r"No rule to make"):
        for line in lines:
            if re.search(pattern, line) and not line.startswith("$ "):
                return line.strip()
    return ""


def _emulators():
    """tools/emulators.py of this grader's tree (how the emulator tests run
    QEMU: the same flags, time scale and early stop)."""
    import emulators  # noqa: E402

    return emulators


@dataclass
class Boot:
    """One grade-mode boot of @mem: its nonce, its log directory, what the
    serial log held, how QEMU ended (@ending), and @error when the boot
    did not happen (ISO not built, QEMU not started)."""

    mem: str
    nonce: str
    dir: Path
    log: SealedLog = field(default_factory=SealedLog)
    ending: str = ""
    error: str = ""
    timed_out: bool = False

    @property
    def serial(self) -> Path:
        """The serial log (COM1) of the boot."""
        return self.dir / "serial.log"


def run_boot(boot: Boot, iso: Path, timeout: float) -> Boot:
    """Boot @iso in QEMU with @boot.mem of RAM (emulators.py's flags: no
    display, no reboot, isa-debug-exit, COM1 to serial.log), at most
    @timeout seconds (times PAGEWISE_EMU_TIME_SCALE), stopping early when
    the kernel halted for good; then read the sealed results."""
    emu = _emulators()
    argv = emu.qemu_argv(iso.resolve(), boot.mem, boot.serial.resolve())
    (boot.dir / "command").write_text(" ".join(argv) + "\n")
    try:
        run = emu.run_until_exit(f"grade-{boot.mem}", argv, boot.serial.resolve(), timeout,
                                 (boot.dir / "qemu-stdout.log").resolve())
    except OSError as e:
        boot.error = f"QEMU could not be started: {e.strerror} ({emu.QEMU})"
        return boot
    if run.timed_out:
        boot.timed_out = True
        boot.ending = f"stopped at the time limit ({timeout * emu.TIME_SCALE:.0f} s)"
    elif run.stopped_after_halt:
        boot.ending = f"stopped after {run.stop_marker!r}"
    elif run.returncode == emu.QEMU_POWER_OFF_STATUS:
        boot.ending = "powered off"
    else:
        boot.ending = f"QEMU exited with status {run.returncode}"
    boot.log = verify_log(run.serial_bytes(), bytes.fromhex(boot.nonce))
    return boot


# --- scoring -----------------------------------------------------------------------


@dataclass
class Score:
    """A test's outcome: points earned (all or none) and, if it failed, one
    line saying why."""

    test: Test
    passed: bool
    why: str = ""

    @property
    def earned(self) -> int:
        """The points the test earned."""
        return self.test.points if self.passed else 0


def _rel(path: Path) -> str:
    """@path relative to the current directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _quote_lab_lines(log: SealedLog, lab: int) -> list[str]:
    """The kernel's first "lab: LAB @lab: ..." line, with how many other
    functions of the lab it reported, to keep a reason to one line."""
    lines = list(dict.fromkeys(line for n, line in log.lab_lines if n == lab))
    if len(lines) > 1:
        return [f"{lines[0]} (and {len(lines) - 1} more LAB {lab} line{'s' if len(lines) > 2 else ''})"]
    return lines


def _missing_why(test: Test, boot: Boot) -> str:
    """Why @boot has no verified result for @test, in one line: a boot
    error; a seal line for it that did not count; else what the kernel said
    (its lab lines for @test's lab, the lab line that stopped boot, its
    panic); else how the run ended."""
    if boot.error:
        return boot.error
    log, name = boot.log, f"{test.suite}.{test.case}"
    rejected = [f"line {n}: {why}" for n, who, why in log.rejected if who == name]
    if rejected:
        return f"no verified result for {name}: its seal line did not count ({rejected[0]})"
    said = _quote_lab_lines(log, test.lab)
    said += [line for line in (log.stop_line, log.panic_line) if line and line not in said]
    if said:
        return f"no result for {name}: " + "; ".join(said)
    if not log.begun:
        return f"the kernel never started grade mode (no '{BEGIN_LINE}' line); {boot.ending}"
    if log.ended:
        return f"the kernel ran no case {name}"
    return f"no result for {name}: the kernel did not finish ({boot.ending})"


def score_ktap(test: Test, boots: list[Boot], build_error: str = "") -> Score:
    """@test passes when every boot has a verified "ok" result for it with
    at least min_checks checks. A "fail" or "skip", too few checks, or no
    verified result in any boot fails it, with the first boot's reason."""
    if build_error or not boots:
        return Score(test, False, build_error or "the table has no boots")
    for boot in boots:
        results = boot.log.results.get((test.suite, test.case), [])
        where = f"boot {boot.mem}"
        log = f" [{_rel(boot.serial)}]"
        if not results:
            return Score(test, False, f"{where}: {_missing_why(test, boot)}{log}")
        for r in results:
            if r.status == "fail":
                detail = [boot.log.diagnostics.get((test.suite, test.case), "")]
                detail += _quote_lab_lines(boot.log, test.lab)
                detail = "; ".join(x for x in detail if x)
                return Score(test, False, f"{where}: failed (line {r.line})"
                             + (f": {detail}" if detail else "") + log)
            if r.status == "skip":
                why = boot.log.skip_reasons.get((test.suite, test.case), "")
                return Score(test, False, f"{where}: skipped (line {r.line})"
                             + (f": {why}" if why else "") + "; a skip earns nothing" + log)
            if r.checks < test.min_checks:
                return Score(test, False, f"{where}: checked nothing: {r.checks} checks, "
                             f"at least {test.min_checks} needed (line {r.line}){log}")
    return Score(test, True)


def score_host(test: Test, runs: dict[tuple[str, str | None], HostRun], build_error: str = "") -> Score:
    """@test passes when every case it names (all cases of its binary when
    it names none) passed in its run's XML report."""
    if build_error:
        return Score(test, False, build_error)
    keys = [(test.binary, c) for c in test.cases] or [(test.binary, None)]
    for key in keys:
        run = runs[key]
        log = f" [{_rel(run.log)}]"
        who = f"{test.binary}" + (f" {key[1]}" if key[1] else "")
        hint = f"; {run.hint}" if run.hint else ""
        if run.error:
            return Score(test, False, f"{who}: {run.error}{hint}{log}")
        if key[1] is not None and key[1] not in run.cases:
            return Score(test, False, f"{who}: no such case in the XML report{log}")
        if key[1] is None and not run.cases:
            return Score(test, False, f"{who}: ran no case{log}")
        for name in ([key[1]] if key[1] else list(run.cases)):
            ok, why = run.cases[name]
            if not ok:
                return Score(test, False, f"{test.binary} {name}: {why}{hint}{log}")
    return Score(test, True)


# --- the report --------------------------------------------------------------------------


def render(labs: list[int], table: Table, scores: dict[tuple[int, str], Score]) -> list[str]:
    """The score table: one line per test (lab, kind, name, points earned of
    possible, PASS or FAIL), a line of reason under each failure, each
    lab's total, then the total of the labs graded."""
    width = max([len(t.name) for lab in labs for t in table.labs[lab]] + [20])
    lines = [f"{'lab':<4} {'kind':<5} {'test':<{width}} {'points':>7}  result"]
    total = possible = 0
    for lab in labs:
        earned = 0
        for t in table.labs[lab]:
            s = scores[(lab, t.name)]
            earned += s.earned
            lines.append(f"{lab:<4} {t.kind:<5} {t.name:<{width}} {s.earned:>3}/{t.points:<3}  "
                         f"{'PASS' if s.passed else 'FAIL'}")
            if not s.passed:
                lines.append(f"{'':<11}why: {s.why}")
        lines.append(f"{lab:<4} {'':<5} {'lab ' + str(lab) + ' total':<{width}} "
                     f"{earned:>3}/{POINTS_PER_LAB:<3}  {'full marks' if earned == POINTS_PER_LAB else ''}"
                     .rstrip())
        total += earned
        possible += POINTS_PER_LAB
    lines.append(f"total: {total}/{possible} for lab{'s' if len(labs) > 1 else ''} "
                 f"{', '.join(map(str, labs))}")
    return lines


def lab_totals(labs: list[int], table: Table, scores: dict[tuple[int, str], Score]) -> dict[int, int]:
    """The points each of @labs earned."""
    return {lab: sum(scores[(lab, t.name)].earned for t in table.labs[lab]) for lab in labs}


# --- the run ---------------------------------------------------------------------------------


def grade(tree: Path, table: Table, labs: list[int], logs: Path, jobs: int,
          say=print) -> dict[tuple[int, str], Score]:
    """Build what @labs' tests need in @tree, run them, and score each test
    of @labs: {(lab, test name): Score}. Logs go to @logs, emptied first."""
    tests = [t for lab in labs for t in table.labs[lab]]
    host_tests = [t for t in tests if t.kind == "host"]
    ktap_tests = [t for t in tests if t.kind == "ktap"]
    if logs.exists():
        shutil.rmtree(logs)
    (logs / "host").mkdir(parents=True)
    build_log = logs / "build.log"
    build_log.touch()

    binaries = sorted({t.binary for t in host_tests})
    targets = [str(HOST_DIR / b) for b in binaries] + (["build/kernel.elf"] if ktap_tests else [])
    host_build_error: dict[str, str] = {}
    kernel_error = ""
    if targets:
        say(f"grade: building {' '.join(targets)} (log {_rel(build_log)})")
        failed = failed_targets(build_log, targets, run_make(tree, targets, build_log, jobs, keep_going=True))
        for b in binaries:
            if str(HOST_DIR / b) in failed:
                missing = "" if (tree / "test" / "host" / f"{b}.c").exists() else \
                    f" (there is no test/host/{b}.c)"
                host_build_error[b] = (f"{b} did not build{missing}: {first_error(build_log)} "
                                       f"[{_rel(build_log)}]")
        if "build/kernel.elf" in failed:
            kernel_error = f"the kernel did not build: {first_error(build_log)} [{_rel(build_log)}]"

    boots: list[Boot] = []
    isos: dict[str, Path] = {}
    if ktap_tests:
        for mem in table.boots:
            boot = Boot(mem, secrets.token_hex(16), logs / f"boot-{mem}")
            boot.dir.mkdir()
            boots.append(boot)
            if kernel_error:
                continue
            cmdline = f"grade={boot.nonce} seed={table.seed} poweroff"
            iso_log = boot.dir / "make-iso.log"
            if run_make(tree, [str(GRADE_ISO)], iso_log, 1, variables=(f"GRADE_CMDLINE={cmdline}",)):
                boot.error = f"the ISO did not build: {first_error(iso_log)} [{_rel(iso_log)}]"
                continue
            isos[mem] = boot.dir / "grade.iso"
            shutil.copyfile(tree / GRADE_ISO, isos[mem])

    runs: dict[tuple[str, str | None], HostRun] = {}
    wanted = sorted({(t.binary, c) for t in host_tests if t.binary not in host_build_error
                     for c in (t.cases or [None])}, key=lambda k: (k[0], k[1] or ""))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        boot_jobs = [(b, pool.submit(run_boot, b, isos[b.mem], table.boot_timeout)) for b in boots
                     if b.mem in isos]
        if boot_jobs:
            say(f"grade: booting {', '.join(b.mem for b in boots if b.mem in isos)} in grade mode "
                f"(logs in {_rel(logs)}/boot-*)")
        if wanted:
            say(f"grade: running {len(wanted)} host test run(s) (logs in {_rel(logs / 'host')})")
        host_jobs = {key: pool.submit(run_host, tree / HOST_DIR / key[0], key[1],
                                      logs / "host" / f"{key[0]}{'.' + key[1] if key[1] else ''}.log",
                                      table.host_timeout * _time_scale())
                     for key in wanted}
        for boot, job in boot_jobs:
            try:
                job.result()
            except Exception as e:  # a grader bug or a broken emulators.py: say so, go on
                boot.error = f"the boot could not be run: {e!r}"
        for key, job in host_jobs.items():
            try:
                runs[key] = job.result()
            except Exception as e:
                runs[key] = grade_error_run(key, logs, e)

    scores: dict[tuple[int, str], Score] = {}
    for t in tests:
        if t.kind == "host":
            scores[(t.lab, t.name)] = score_host(t, runs, host_build_error.get(t.binary, ""))
        else:
            scores[(t.lab, t.name)] = score_ktap(t, boots, kernel_error)
    for b in boots:
        if b.log.end_problem:
            say(f"grade: boot {b.mem}: note: {b.log.end_problem} [{_rel(b.serial)}]")
        iso = b.dir / "grade.iso"
        if iso.exists():
            iso.unlink()  # the nonce's ISO is of no further use; keep build/grade small
    return scores


def grade_error_run(key: tuple[str, str | None], logs: Path, e: Exception) -> HostRun:
    """The HostRun of a host test the grader could not run because of @e."""
    return HostRun(key[0], key[1], logs / "host", error=f"could not be run: {e!r}")


def _time_scale() -> float:
    """PAGEWISE_EMU_TIME_SCALE, the factor on every time limit (1 unset)."""
    try:
        return float(os.environ.get("PAGEWISE_EMU_TIME_SCALE", "1"))
    except ValueError:
        return 1.0


LOCK_NAME = Path("build") / "grade.lock"
FEEDBACK_NOTE = ("grade: this is feedback, not your mark. Your instructor grades your lab's regions "
                 "alone, spliced into a fresh handout, on other workloads and machines, and reads "
                 "the state your code leaves from outside it: nothing your code prints counts there.")


def lock_tree(tree: Path, say=print) -> int:
    """Take @tree's grade lock (TREE/build/grade.lock, flock(2)), waiting
    while another grader holds it: two graders of one tree would build into
    the same build/ and empty each other's logs. Returns the open descriptor;
    the lock goes when it is closed or the process ends."""
    path = tree / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
        say(f"grade: another grader (pid {holder}) is running in {_rel(tree)}; waiting for it to finish")
        fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def main(argv: list[str] | None = None) -> int:
    """The command line. Exit status: 0 when every lab graded has full marks
    (with --expect-fail: when those labs are below full marks and every
    other lab graded has full marks), 1 otherwise, 2 for a bad command line
    or table."""
    ap = argparse.ArgumentParser(
        prog="grade", description="Grade labs: build and run the tests of test/grade/labs.toml "
        "(host cmocka cases, sealed kernel KTAP cases) and print the points "
        "(feedback for students: docs/labs/INSTRUCTORS.md, \"Feedback\"); --submission grades "
        "for marks")
    ap.add_argument("labs", nargs="*", metavar="LAB", help="labs to grade: 3, \"1 2\", 1-3 "
                    f"(default: {FIRST_LAB}-{LAST_LAB})")
    ap.add_argument("--expect-fail", action="append", default=[], metavar="LABS",
                    help="these labs must score below full marks (and are graded); for CI of "
                    "handouts, where they are not written yet")
    ap.add_argument("--tree", default=str(TOOL_REPO), help="the tree to grade (default: the one "
                    "holding this grader)")
    ap.add_argument("--table", default=str(DEFAULT_TABLE), help="the test table (default: "
                    "test/grade/labs.toml beside this grader)")
    ap.add_argument("--logs", help="where logs go, emptied first (default: TREE/build/grade)")
    ap.add_argument("--jobs", "-j", type=int, help="builds, boots and host runs at a time "
                    "(default 2); with --class, submissions at a time (default: one per two cores)")
    official = ap.add_argument_group(
        "the instructor's grading of a submission (docs/labs/INSTRUCTORS.md, \"Grading a submission\")")
    official.add_argument("--submission", metavar="SRC", help="grade lab LAB of the submission SRC "
                          "(a tree, a .tar.gz/.zip or a git repository): its regions spliced into a fresh "
                          "handout, built and run in the sandbox, scored on observed state only")
    official.add_argument("--class", dest="cls", metavar="DIR", help="grade lab LAB of every "
                          "submission in DIR into --out (per-student report.txt and results.json, "
                          "grades.csv), -j at a time")
    official.add_argument("--json", metavar="FILE", help="with --submission: also write the result "
                          "in Gradescope's results.json shape")
    official.add_argument("--out", metavar="DIR", help="with --class: where results go "
                          "(default ./grades)")
    official.add_argument("--work", metavar="DIR", help="with --submission: the work directory "
                          "(must not exist; default a fresh one under $TMPDIR)")
    official.add_argument("--seed", type=int, help="the workload seed (default: drawn when grading; "
                          "the report gives it so a grading can be repeated)")
    official.add_argument("--keep", action="store_true", help="keep the spliced, built tree")
    official.add_argument("--unsafe-no-sandbox", action="store_true", help="run student code "
                          "without the sandbox (only inside a throwaway container of its own)")
    official.add_argument("--check-sandbox", action="store_true", help="say whether this machine "
                          "can run student code in the sandbox (exit status 0) or not (1), and why")
    official.add_argument("--gradescope-zip", metavar="FILE", help="write Gradescope's autograder "
                          "zip for lab LAB (make gradescope LAB=n)")
    args = ap.parse_args(argv)
    if args.check_sandbox:
        from grade_submission import check_sandbox
        return check_sandbox()
    if args.gradescope_zip:
        from grade_submission import gradescope_zip
        if len(args.labs) != 1:
            ap.error("--gradescope-zip FILE LAB: one lab")
        lab = parse_labs(args.labs)[0]
        n = gradescope_zip(TOOL_REPO, lab, Path(args.gradescope_zip))
        print(f"grade: wrote {args.gradescope_zip}: {n} files, lab {lab}")
        return 0
    if args.submission or args.cls:
        if args.submission and args.cls:
            ap.error("--submission and --class exclude each other")
        if len(args.labs) != 1 or args.expect_fail:
            ap.error("--submission and --class grade one lab: tools/grade --submission SRC LAB")
        try:
            args.lab = parse_labs(args.labs)[0]
        except UsageError as e:
            ap.error(str(e))
        from grade_submission import main_submission
        return main_submission(args)
    for opt in ("json", "out", "work", "seed"):
        if getattr(args, opt) is not None:
            ap.error(f"--{opt} goes with --submission or --class")
    try:
        labs = parse_labs(args.labs) if args.labs or not args.expect_fail else []
        expect_fail = parse_labs(args.expect_fail) if args.expect_fail else []
        labs = sorted(set(labs) | set(expect_fail))
        args.jobs = 2 if args.jobs is None else args.jobs
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        tree = Path(args.tree).resolve()
        if not (tree / "Makefile").exists():
            raise UsageError(f"{tree} has no Makefile: not a Pagewise tree")
        table = load_table(Path(args.table))
        absent = [lab for lab in labs if lab not in table.labs]
        if absent:
            raise UsageError(f"{args.table} has no tests for lab {', '.join(map(str, absent))}")
    except (UsageError, TableError) as e:
        print(f"grade: {e}", file=sys.stderr)
        return EXIT_USAGE
    logs = Path(args.logs) if args.logs else tree / "build" / "grade"
    lock = lock_tree(tree)
    try:
        scores = grade(tree, table, labs, logs, args.jobs)
        report = render(labs, table, scores)
        (logs / "report.txt").write_text("\n".join(report) + "\n")
    finally:
        os.close(lock)  # a caller may grade this tree again (the tests do)
    print()
    print("\n".join(report))
    print(FEEDBACK_NOTE)
    if any(not s.passed for s in scores.values()):
        print(f"grade: logs in {_rel(logs)}/: build.log, boot-*/serial.log, host/*.log")
    totals = lab_totals(labs, table, scores)
    if not expect_fail:
        return EXIT_FULL if all(v == POINTS_PER_LAB for v in totals.values()) else EXIT_BELOW
    wrong = [f"lab {lab} has full marks but was expected below" for lab in expect_fail
             if totals[lab] == POINTS_PER_LAB]
    wrong += [f"lab {lab} has {totals[lab]}/{POINTS_PER_LAB}, not full marks" for lab in labs
              if lab not in expect_fail and totals[lab] != POINTS_PER_LAB]
    for line in wrong:
        print(f"grade: expectation not met: {line}")
    if not wrong:
        print(f"grade: as expected: lab{'s' if len(expect_fail) > 1 else ''} "
              f"{', '.join(map(str, expect_fail))} below full marks"
              + (", every other lab at full marks" if len(labs) > len(expect_fail) else ""))
    return EXIT_BELOW if wrong else EXIT_FULL


if __name__ == "__main__":
    sys.exit(main())
