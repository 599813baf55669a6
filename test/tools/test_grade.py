"""test_grade.py - tools/grade.py (make grade): its SipHash-2-4 against the
spec's vector and the kernel's own C code; the seal chain of synthetic
grade-mode logs, sealed here as the spec says (forged, replayed, dropped,
reordered, duplicated and edited lines earn nothing); min_checks; cmocka
XML reports that are missing or disagree with the exit status, using small
cmocka programs built here; the table test/grade/labs.toml; the exit
status; and, once the kernel has grade mode, a real run on this tree.
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import threading
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
sys.path.insert(0, str(TOOLS))

import grade  # noqa: E402
from grade import Boot, siphash24, verify_log  # noqa: E402

Graded = grade.Test  # a graded test (not named Test*, which pytest would collect)

KEY_00_0F = bytes(range(16))


def kernel_has_grade_mode() -> bool:
    """Does src/ hold the kernel's side of grade mode (grep -rq 'grade=' src/)?"""
    return subprocess.run(["grep", "-rq", "grade=", str(REPO / "src")]).returncode == 0


needs_grade_mode = pytest.mark.skipif(not kernel_has_grade_mode(),
                                      reason="the kernel has no grade mode yet (no 'grade=' in src/)")


# --- SipHash ---------------------------------------------------------------


def test_siphash_matches_the_spec_vector():
    """The SipHash paper's vector, as the spec gives it."""
    assert siphash24(KEY_00_0F, bytes(range(15))) == 0xA129CA6149BE45E5


@pytest.fixture(scope="module")
def c_siphash(tmp_path_factory) -> Path:
    """A host program around the kernel's src/lib/siphash.c: argv key and
    message in hex, prints the result as %016llx."""
    if not shutil.which("gcc") or not (REPO / "src" / "lib" / "siphash.c").exists():
        pytest.skip("needs gcc and src/lib/siphash.c")
    d = tmp_path_factory.mktemp("siphash")
    (d / "main.c").write_text(textwrap.dedent("""\
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include "siphash.h"
        static unsigned char nib(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }
        int main(int argc, char **argv)
        {
        	unsigned char k[16], m[256];
        	size_t n = strlen(argv[2]) / 2;
        	siphash_key_t key = { { 0, 0 } };
        	(void)argc;
        	for (int i = 0; i < 16; i++)
        		k[i] = nib(argv[1][2 * i]) << 4 | nib(argv[1][2 * i + 1]);
        	for (size_t i = 0; i < n; i++)
        		m[i] = nib(argv[2][2 * i]) << 4 | nib(argv[2][2 * i + 1]);
        	for (int i = 7; i >= 0; i--) {
        		key.key[0] = key.key[0] << 8 | k[i];
        		key.key[1] = key.key[1] << 8 | k[8 + i];
        	}
        	printf("%016llx\\n", (unsigned long long)siphash(m, n, &key));
        	return 0;
        }
        """))
    exe = d / "siphash"
    subprocess.run(["gcc", "-O1", "-Wall", "-Werror", "-I", str(REPO / "src" / "lib"), "-o", str(exe),
                    str(d / "main.c"), str(REPO / "src" / "lib" / "siphash.c")], check=True)
    return exe


def c_hash(exe: Path, key: bytes, msg: bytes) -> int:
    out = subprocess.run([str(exe), key.hex(), msg.hex() or ""], capture_output=True, text=True, check=True)
    return int(out.stdout, 16)


def test_siphash_agrees_with_the_kernels_c_code(c_siphash):
    """Every message length from 0 to 40 (every tail length, one to five
    whole words) under three keys, and a seal message: the same results as
    the kernel's C implementation, so seals verify."""
    keys = [KEY_00_0F, bytes(16), bytes.fromhex("ff" * 16)]
    for key in keys:
        for n in range(41):
            msg = bytes((i * 7 + n) & 0xFF for i in range(n))
            assert siphash24(key, msg) == c_hash(c_siphash, key, msg), (key.hex(), n)
    msg = grade.seal_message(0, "lab3", "expand_splits_upper_halves", "ok", 17, 0x134CAEEE9DFC5739)
    assert siphash24(KEY_00_0F, msg) == c_hash(c_siphash, KEY_00_0F, msg)


def test_siphash_depends_on_every_key_and_message_bit():
    """Flipping any one bit of the key or of the message changes the result."""
    msg = b"0000000000000000 lab1.first_mib_reserved ok 1 b674c496391ec8bf"
    base = siphash24(KEY_00_0F, msg)
    for i in range(128):
        key = bytearray(KEY_00_0F)
        key[i // 8] ^= 1 << (i % 8)
        assert siphash24(bytes(key), msg) != base
    for i in range(len(msg) * 8):
        m = bytearray(msg)
        m[i // 8] ^= 1 << (i % 8)
        assert siphash24(KEY_00_0F, bytes(m)) != base


def test_siphash_refuses_a_short_key():
    with pytest.raises(ValueError, match="16 bytes"):
        siphash24(bytes(15), b"")


def test_seal_message_is_the_specs_format():
    assert grade.seal_message(0, "lab1", "x", "ok", 3, 0xAB) == \
        b"0000000000000000 lab1.x ok 3 00000000000000ab"
    assert grade.seal_message(0x1234, "lab5", "pcp_lists", "fail", 10, 2**64 - 1) == \
        b"0000000000001234 lab5.pcp_lists fail 10 ffffffffffffffff"


# --- synthetic grade-mode logs ------------------------------------------------------


def sealed(key: bytes, prev: int, suite: str, case: str, status: str, checks: int, digest: int) -> int:
    """A seal made here from the spec's words, not with grade.seal()."""
    msg = "%016x %s.%s %s %d %016x" % (prev, suite, case, status, checks, digest)
    return siphash24(key, msg.encode())


def kernel_log(key: bytes, suites: dict[str, list[tuple]], *, end: bool = True,
               between: dict[str, list[str]] | None = None) -> list[str]:
    """The lines a grade-mode kernel prints (src/test/ktest.c's format) for
    @suites: {suite: [(case, status, checks, digest), ...]}; a "fail" case
    has a diagnostic line first. @between: lines printed before a suite."""
    lines = ["Command line: grade=... seed=1 poweroff", "KTAP version 1", "# grade: begin v1",
             f"1..{len(suites)}"]
    prev, results = 0, 0
    for i, (suite, cases) in enumerate(suites.items(), 1):
        lines += (between or {}).get(suite, [])
        lines += ["    KTAP version 1", f"    # Subtest: {suite}", f"    # {suite}: seed 0x1",
                  f"    1..{len(cases)}"]
        for j, (case, status, checks, digest) in enumerate(cases, 1):
            if status == "fail":
                lines.append(f"    # {case}: src/test/labtest3.c:{100 + j}: expected page != NULL")
            result = {"ok": f"    ok {j} {case}", "fail": f"    not ok {j} {case}",
                      "skip": f"    ok {j} {case} # SKIP no Normal zone"}[status]
            prev = sealed(key, prev, suite, case, status, checks, digest)
            results += 1
            lines += [result, f"    # seal: {suite}.{case} {status} checks={checks} "
                      f"digest={digest:016x} seal={prev:016x}"]
        lines.append(f"ok {i} {suite}")
    if end:
        lines.append(f"# grade: end results={results} seal={prev:016x}")
    return lines + ["reboot: Power down"]


SUITES = {
    "lab1": [("mmap_entries_match_tag", "ok", 31, 0x42C16D309B04686D),
             ("first_mib_reserved", "ok", 1, 0xB674C496391EC8BF)],
    "lab3": [("find_buddy_pfn", "ok", 70, 0xEF138146A082E82C),
             ("expand_splits_upper_halves", "fail", 17, 0x134CAEEE9DFC5739),
             ("free_lists_consistent", "skip", 0, 0xCBF29CE484222325),
             ("split_merge_restores_state", "ok", 0, 0xCBF29CE484222325)],
}
ALL = [(s, c[0]) for s, cases in SUITES.items() for c in cases]


def as_bytes(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def verified(log: grade.SealedLog) -> list[tuple[str, str]]:
    """The verified results in the order of their lines."""
    return [k for k, _ in sorted(log.results.items(), key=lambda kv: kv[1][0].line)]


def seal_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if "# seal:" in line]


def test_every_result_of_an_honest_log_verifies():
    key = secrets.token_bytes(16)
    log = verify_log(as_bytes(kernel_log(key, SUITES)), key)
    assert verified(log) == ALL
    assert [r.status for rs in log.results.values() for r in rs] == ["ok", "ok", "ok", "fail", "skip", "ok"]
    assert log.results[("lab1", "mmap_entries_match_tag")][0].checks == 31
    assert log.begun and log.ended and not log.end_problem and not log.rejected
    assert log.diagnostics[("lab3", "expand_splits_upper_halves")] == \
        "src/test/labtest3.c:102: expected page != NULL"
    assert log.skip_reasons[("lab3", "free_lists_consistent")] == "no Normal zone"


def test_another_nonce_verifies_nothing():
    """A log from another run (a replay) earns nothing under this run's nonce."""
    old = kernel_log(secrets.token_bytes(16), SUITES)
    log = verify_log(as_bytes(old), secrets.token_bytes(16))
    assert log.results == {}
    assert len(log.rejected) == len(ALL)
    assert log.end_problem  # the end line's seal is not ours either


def test_hand_printed_results_earn_nothing():
    """"ok 1 foo" lines, with or without a seal line of another nonce (or a
    made-up seal), in the middle of an honest log: no result for them, and
    the honest results around them still verify."""
    key = secrets.token_bytes(16)
    lines = kernel_log(key, SUITES)
    other = sealed(secrets.token_bytes(16), 0, "lab1", "foo", "ok", 5, 1)
    forged = ["ok 1 foo", "    ok 1 foo", f"    # seal: lab1.foo ok checks=5 digest={1:016x} seal={other:016x}",
              "    ok 2 bar", "    # seal: lab1.bar ok checks=5 digest=0000000000000001 seal=0000000000000000"]
    at = seal_lines(lines)[1] + 1
    log = verify_log(as_bytes(lines[:at] + forged + lines[at:]), key)
    assert ("lab1", "foo") not in log.results and ("lab1", "bar") not in log.results
    assert verified(log) == ALL
    assert sorted(who for _, who, _ in log.rejected) == ["lab1.bar", "lab1.foo"]


def test_a_dropped_seal_line_breaks_the_chain_after_it():
    key = secrets.token_bytes(16)
    lines = kernel_log(key, SUITES)
    drop = seal_lines(lines)[2]  # lab3.find_buddy_pfn
    log = verify_log(as_bytes(lines[:drop] + lines[drop + 1:]), key)
    assert verified(log) == ALL[:2]
    assert [who for _, who, _ in log.rejected] == [f"{s}.{c}" for s, c in ALL[3:]]
    assert "3 results" not in log.end_problem and "6 results" in log.end_problem


def test_reordered_seal_lines_count_only_in_chain_order():
    """A B C D printed as A C B D: C does not follow A; B does; D follows C,
    not B: only A and B count."""
    key = secrets.token_bytes(16)
    lines = kernel_log(key, {"lab3": SUITES["lab3"]})
    s = seal_lines(lines)
    lines[s[1]], lines[s[2]] = lines[s[2]], lines[s[1]]
    log = verify_log(as_bytes(lines), key)
    assert verified(log) == [("lab3", "find_buddy_pfn"), ("lab3", "expand_splits_upper_halves")]


def test_a_duplicated_seal_line_counts_once():
    key = secrets.token_bytes(16)
    lines = kernel_log(key, SUITES)
    at = seal_lines(lines)[0]
    log = verify_log(as_bytes(lines[:at + 1] + [lines[at]] + lines[at + 1:]), key)
    assert verified(log) == ALL
    assert len(log.results[ALL[0]]) == 1
    assert [who for _, who, _ in log.rejected] == ["lab1.mmap_entries_match_tag"]


@pytest.mark.parametrize("edit", [
    lambda l: l.replace(" fail checks=", " ok checks="),  # a failure made a pass
    lambda l: l.replace("checks=17", "checks=18"),
    lambda l: l.replace("digest=134caeee9dfc5739", "digest=134caeee9dfc5738"),
    lambda l: l.replace("expand_splits_upper_halves", "free_merges_with_buddy"),
    lambda l: re.sub(r"seal=(\w)", lambda m: "seal=" + "0123456789abcdef"[(int(m[1], 16) + 1) % 16], l),
])
def test_an_edited_seal_line_and_all_after_it_earn_nothing(edit):
    key = secrets.token_bytes(16)
    lines = kernel_log(key, SUITES)
    at = seal_lines(lines)[3]  # lab3.expand_splits_upper_halves fail checks=17
    changed = edit(lines[at])
    assert changed != lines[at]
    log = verify_log(as_bytes(lines[:at] + [changed] + lines[at + 1:]), key)
    assert verified(log) == ALL[:3]


@pytest.mark.parametrize("mangle", [
    lambda l: l.lstrip(),  # not at the subtest's indentation
    lambda l: l + " ",
    lambda l: l.replace("seal=", "seal= "),
    lambda l: re.sub(r"seal=(\w+)", lambda m: "seal=" + m[1].upper(), l),
    lambda l: l.replace("checks=31", "checks=031"),
])
def test_seal_lines_must_be_exactly_the_specs_format(mangle):
    key = secrets.token_bytes(16)
    lines = kernel_log(key, {"lab1": SUITES["lab1"][:1]})
    at = seal_lines(lines)[0]
    log = verify_log(as_bytes(lines[:at] + [mangle(lines[at])] + lines[at + 1:]), key)
    assert log.results == {}


def test_seal_lines_before_the_begin_line_do_not_count():
    key = secrets.token_bytes(16)
    lines = kernel_log(key, {"lab1": SUITES["lab1"]})
    begin = lines.index(grade.BEGIN_LINE)
    log = verify_log(as_bytes(lines[:begin] + lines[begin + 1:]), key)
    assert log.results == {} and not log.begun
    assert {why for _, _, why in log.rejected} == {"before '# grade: begin v1'"}


def test_the_lines_that_explain_a_missing_result_are_kept():
    key = secrets.token_bytes(16)
    stop = "lab: LAB 2: __va() is not written yet; boot cannot go on without it (docs/labs/lab2.md)"
    lines = kernel_log(key, {"lab1": SUITES["lab1"]}, end=False)[:-1] + [
        "lab: LAB 3: expand() is not written yet (docs/labs/lab3.md)", stop,
        "Kernel panic - not syncing: LAB 2: __va() is missing"]
    log = verify_log(as_bytes(lines), key)
    assert log.lab_lines == [(3, "lab: LAB 3: expand() is not written yet (docs/labs/lab3.md)"), (2, stop)]
    assert log.stop_line == stop
    assert log.panic_line == "Kernel panic - not syncing: LAB 2: __va() is missing"
    assert not log.ended


# --- scoring kernel results ------------------------------------------------------------


def ktap(case: str, suite: str = "lab3", lab: int = 3, min_checks: int = 1) -> grade.Test:
    return Graded(lab, f"{suite}.{case}", 10, "ktap", suite=suite, case=case, min_checks=min_checks)


def boot_of(tmp_path: Path, mem: str, lines: list[str], key: bytes) -> Boot:
    b = Boot(mem, key.hex(), tmp_path / f"boot-{mem}")
    b.dir.mkdir(exist_ok=True)
    b.serial.write_bytes(as_bytes(lines))
    b.log = verify_log(b.serial.read_bytes(), key)
    b.ending = "powered off"
    return b


def test_a_case_passes_only_with_enough_checks(tmp_path):
    key = secrets.token_bytes(16)
    b = boot_of(tmp_path, "128M", kernel_log(key, SUITES), key)
    assert grade.score_ktap(ktap("find_buddy_pfn", min_checks=70), [b]).passed
    low = grade.score_ktap(ktap("find_buddy_pfn", min_checks=71), [b])
    assert not low.passed and "checked nothing: 70 checks, at least 71 needed" in low.why
    empty = grade.score_ktap(ktap("split_merge_restores_state"), [b])
    assert not empty.passed and "checked nothing: 0 checks" in empty.why
    assert grade.score_ktap(ktap("split_merge_restores_state", min_checks=0), [b]).passed


def test_a_failed_or_skipped_case_earns_nothing(tmp_path):
    key = secrets.token_bytes(16)
    b = boot_of(tmp_path, "5G", kernel_log(key, SUITES), key)
    failed = grade.score_ktap(ktap("expand_splits_upper_halves"), [b])
    assert (failed.passed, failed.earned) == (False, 0)
    assert "boot 5G: failed" in failed.why and "expected page != NULL" in failed.why
    assert str(b.serial.name) in failed.why
    skipped = grade.score_ktap(ktap("free_lists_consistent", min_checks=0), [b])
    assert not skipped.passed and "skipped" in skipped.why and "no Normal zone" in skipped.why


def test_a_case_must_pass_in_every_boot(tmp_path):
    key1, key2 = secrets.token_bytes(16), secrets.token_bytes(16)
    good = boot_of(tmp_path, "128M", kernel_log(key1, SUITES), key1)
    other = {"lab1": SUITES["lab1"], "lab3": [("find_buddy_pfn", "fail", 70, 1)]}
    bad = boot_of(tmp_path, "5G", kernel_log(key2, other), key2)
    assert grade.score_ktap(ktap("find_buddy_pfn"), [good]).passed
    s = grade.score_ktap(ktap("find_buddy_pfn"), [good, bad])
    assert not s.passed and s.why.startswith("boot 5G: failed")
    # the same log under the wrong boot's nonce: nothing verifies
    swapped = boot_of(tmp_path, "5G", kernel_log(key1, SUITES), key2)
    s = grade.score_ktap(ktap("find_buddy_pfn"), [good, swapped])
    assert not s.passed and "did not count" in s.why


def test_a_missing_result_quotes_what_the_kernel_said(tmp_path):
    key = secrets.token_bytes(16)
    lines = kernel_log(key, {"lab1": SUITES["lab1"]}, end=False)[:-1]
    stop = "lab: LAB 2: __va() is not written yet; boot cannot go on without it (docs/labs/lab2.md)"
    b = boot_of(tmp_path, "128M", lines + [stop, "Kernel panic - not syncing: LAB 2: __va() is missing"], key)
    s = grade.score_ktap(ktap("va_pa_roundtrip", "lab2", 2), [b])
    assert not s.passed and stop in s.why and "Kernel panic" in s.why
    lab3 = grade.score_ktap(ktap("expand_splits_upper_halves"), [b])
    assert stop in lab3.why
    # a lab 1 handout: the lab's own lines, then the panic, and no suite ran
    said = ["lab: LAB 1: parse_mmap() is not written yet (docs/labs/lab1.md)",
            "lab: LAB 1: memblock_setup_from_mmap() is not written yet (docs/labs/lab1.md)",
            "Kernel panic - not syncing: no usable memory"]
    b1 = boot_of(tmp_path, "5G", ["KTAP version 1", grade.BEGIN_LINE, "1..5"] + said, key)
    s = grade.score_ktap(ktap("first_mib_reserved", "lab1", 1), [b1])
    assert s.why == (f"boot 5G: no result for lab1.first_mib_reserved: {said[0]} (and 1 more LAB 1 line); "
                     f"{said[2]} [{grade._rel(b1.serial)}]")
    # a complete run without the case; a run that never began
    done = boot_of(tmp_path, "5G", kernel_log(key, SUITES), key)
    assert "the kernel ran no case lab3.no_such_case" in grade.score_ktap(ktap("no_such_case"), [done]).why
    never = boot_of(tmp_path, "5G", ["GRUB loading."], key)
    assert "never started grade mode" in grade.score_ktap(ktap("find_buddy_pfn"), [never]).why
    unbuilt = grade.score_ktap(ktap("find_buddy_pfn"), [done], "the kernel did not build: x")
    assert (unbuilt.passed, unbuilt.why) == (False, "the kernel did not build: x")
    stopped = Boot("5G", key.hex(), tmp_path, error="QEMU could not be started: No such file")
    assert grade.score_ktap(ktap("find_buddy_pfn"), [stopped]).why.startswith(
        "boot 5G: QEMU could not be started: No such file")


# --- host tests: cmocka's XML and the exit status ---------------------------------------------

CMOCKA_PROGRAM = r"""
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *mode(void) { const char *m = getenv("FAKE_MODE"); return m ? m : ""; }

static void passes(void **state) { (void)state; printf("ok 1 fails\n[  PASSED  ] 2 test(s).\n"); }
static void fails(void **state) { (void)state; if (strcmp(mode(), "all-pass")) fail_msg("expected 4, got 5"); }
static void crashes(void **state) { (void)state; if (!strcmp(mode(), "abort")) abort(); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passes), cmocka_unit_test(fails), cmocka_unit_test(crashes),
	};
	const char *filter = getenv("PAGEWISE_TEST");
	int failed;

	if (filter && *filter)
		cmocka_set_test_filter(filter);
	if (!strcmp(mode(), "no-cmocka")) {
		printf("<testsuites><testsuite><testcase name=\"fails\"></testcase></testsuite></testsuites>\n");
		return 0;
	}
	failed = cmocka_run_group_tests_name("fake", tests, NULL, NULL);
	if (!strcmp(mode(), "lie"))
		return 0;
	if (!strcmp(mode(), "exit-1"))
		return 1;
	return failed;
}
"""


@pytest.fixture(scope="module")
def cmocka_program(tmp_path_factory) -> Path:
    """A cmocka binary with cases passes, fails (unless FAKE_MODE=all-pass)
    and crashes (aborts under FAKE_MODE=abort); FAKE_MODE=lie returns 0
    whatever failed, exit-1 returns 1, no-cmocka prints a passing XML report
    on stdout without running cmocka. It honours PAGEWISE_TEST as
    test/host's binaries do."""
    if not shutil.which("gcc") or not Path("/usr/include/cmocka.h").exists():
        pytest.skip("needs gcc and libcmocka-dev")
    d = tmp_path_factory.mktemp("cmocka")
    (d / "fake.c").write_text(CMOCKA_PROGRAM)
    subprocess.run(["gcc", "-Wall", "-Werror", "-o", str(d / "test_fake"), str(d / "fake.c"), "-lcmocka"],
                   check=True)
    return d / "test_fake"


def run_fake(program: Path, tmp_path: Path, monkeypatch, mode: str, case: str | None) -> grade.HostRun:
    monkeypatch.setenv("FAKE_MODE", mode)
    return grade.run_host(program, case, tmp_path / f"{mode}.{case}.log", 30)


def test_the_xml_report_gives_each_case(cmocka_program, tmp_path, monkeypatch):
    run = run_fake(cmocka_program, tmp_path, monkeypatch, "", None)
    assert run.error == ""
    assert run.cases == {"passes": (True, ""), "fails": (False, run.cases["fails"][1]),
                         "crashes": (True, "")}
    assert "expected 4, got 5" in (tmp_path / ".None.log").read_text()  # the output is kept...
    assert (tmp_path / ".None.xml").exists()  # ...and a copy of the report


def test_one_case_at_a_time(cmocka_program, tmp_path, monkeypatch):
    """PAGEWISE_TEST runs one case; a crash in another case then costs nothing."""
    run = run_fake(cmocka_program, tmp_path, monkeypatch, "abort", "passes")
    assert (run.error, run.cases) == ("", {"passes": (True, "")})
    crashed = run_fake(cmocka_program, tmp_path, monkeypatch, "abort", "crashes")
    assert crashed.cases == {} and "wrote no XML report" in crashed.error


def test_printing_ok_earns_nothing(cmocka_program, tmp_path, monkeypatch):
    """The case "fails" prints nothing, "passes" prints "ok 1 fails": only
    the XML report counts, so "fails" still fails."""
    run = run_fake(cmocka_program, tmp_path, monkeypatch, "", "fails")
    assert run.cases == {"fails": (False, run.cases["fails"][1])}
    t = Graded(1, "t", 10, "host", binary="test_fake", cases=("passes", "fails"))
    runs = {("test_fake", "passes"): run_fake(cmocka_program, tmp_path, monkeypatch, "", "passes"),
            ("test_fake", "fails"): run}
    s = grade.score_host(t, runs)
    assert not s.passed and s.why.startswith("test_fake fails: ")


def test_a_report_printed_instead_of_written_earns_nothing(cmocka_program, tmp_path, monkeypatch):
    run = run_fake(cmocka_program, tmp_path, monkeypatch, "no-cmocka", "fails")
    assert run.cases == {} and run.error == "wrote no XML report (exit status 0: crashed or aborted?)"
    s = grade.score_host(Graded(1, "t", 10, "host", binary="test_fake", cases=("fails",)),
                         {("test_fake", "fails"): run})
    assert not s.passed and "wrote no XML report" in s.why


@pytest.mark.parametrize("mode, case, error", [
    ("lie", None, "exit status 0 disagrees with its XML report, which counts 1 failed case"),
    ("exit-1", "passes", "exit status 1 disagrees with its XML report, which counts 0 failed cases"),
    ("abort", None, "wrote no XML report (killed by signal 6: crashed or aborted?)"),
])
def test_a_report_that_disagrees_with_the_exit_status_fails_every_case(cmocka_program, tmp_path, monkeypatch,
                                                                        mode, case, error):
    run = run_fake(cmocka_program, tmp_path, monkeypatch, mode, case)
    assert (run.cases, run.error) == ({}, error)
    s = grade.score_host(Graded(1, "t", 10, "host", binary="test_fake", cases=(case,) if case else ()),
                         {("test_fake", case): run})
    assert not s.passed and error in s.why


def test_all_cases_pass_when_the_report_and_status_agree(cmocka_program, tmp_path, monkeypatch):
    run = run_fake(cmocka_program, tmp_path, monkeypatch, "all-pass", None)
    assert run.error == "" and all(ok for ok, _ in run.cases.values()) and len(run.cases) == 3
    assert grade.score_host(Graded(1, "t", 10, "host", binary="test_fake"), {("test_fake", None): run}).passed
    missing = grade.score_host(Graded(1, "t", 10, "host", binary="test_fake", cases=("nope",)),
                               {("test_fake", "nope"): run_fake(cmocka_program, tmp_path, monkeypatch,
                                                                "all-pass", "nope")})
    assert not missing.passed and "no such case in the XML report" in missing.why


def test_judge_host_run_reads_the_report(tmp_path):
    """Malformed or foreign XML, a timeout, a skipped case."""
    x = tmp_path / "r.xml"
    assert grade.judge_host_run(x, None) == ({}, "did not finish within the time limit")
    x.write_text("<testsuites><testcase name='a'>")
    assert "not well-formed" in grade.judge_host_run(x, 0)[1]
    x.write_text("<results/>")
    assert "root is <results>" in grade.judge_host_run(x, 0)[1]
    x.write_text("<testsuites><testsuite><testcase name='a'><skipped/></testcase>"
                 "<testcase name='b'/><testcase name='b'><error>boom</error></testcase>"
                 "</testsuite></testsuites>")
    cases, error = grade.judge_host_run(x, 1)
    assert error == "" and cases == {"a": (False, "skipped"), "b": (False, "boom")}
    assert "killed by signal 9" in grade.judge_host_run(x, -9)[1]


def test_host_tests_see_a_fixed_seed_and_no_switches_of_ours(monkeypatch):
    monkeypatch.setenv("PAGEWISE_TEST", "free_*")
    monkeypatch.setenv("PAGEWISE_VERBOSE", "1")
    monkeypatch.setenv("CMOCKA_XML_FILE", "/tmp/x.xml")
    env = grade.host_env()
    assert env["PAGEWISE_SEED"] == "1"
    assert not {"PAGEWISE_TEST", "PAGEWISE_VERBOSE", "CMOCKA_XML_FILE"} & set(env)


# --- the table -----------------------------------------------------------------------------------


def table_data() -> dict:
    with open(grade.DEFAULT_TABLE, "rb") as f:
        return tomllib.load(f)


def test_each_lab_of_the_table_adds_to_100():
    data = table_data()
    table = grade.parse_table(data)
    assert sorted(table.labs) == [1, 2, 3, 4, 5]
    for lab in range(1, 6):
        assert sum(t["points"] for t in data[f"lab{lab}"]["tests"]) == 100
    assert table.boots == ("128M", "5G")


def test_the_tables_host_cases_exist():
    """Each host test names a binary of test/host and cases defined in it."""
    for tests in grade.load_table(grade.DEFAULT_TABLE).labs.values():
        for t in tests:
            if t.kind != "host":
                continue
            src = REPO / "test" / "host" / f"{t.binary}.c"
            assert src.exists(), t
            text = src.read_text()
            for case in t.cases:
                assert re.search(rf"^static void\s+{case}\(void \*\*state\)", text, re.M), (t.binary, case)


@pytest.mark.skipif(not (REPO / "src" / "test" / "labtest.c").exists(),
                    reason="src/test/labtest.c is not written yet")
def test_the_tables_ktap_cases_exist():
    """Each KTAP test names a suite lab1..lab5 and a case the kernel runs
    (a case name of the labs' suites, src/test/labtest*.c, or of the mm
    self-tests, src/test/mm_selftest*.c)."""
    tests_dir = REPO / "src" / "test"
    text = "".join(p.read_text() for pattern in ("labtest*.c", "mm_selftest*.c")
                   for p in sorted(tests_dir.glob(pattern)))
    for lab, tests in grade.load_table(grade.DEFAULT_TABLE).labs.items():
        for t in tests:
            if t.kind == "ktap":
                assert t.suite == f"lab{lab}" and f'"{t.case}"' in text, t
                assert t.min_checks >= 1


def bad_table(**change) -> dict:
    data = table_data()
    for k, v in change.items():
        data[k] = v
    return data


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["lab2"]["tests"][0].update(points=26), "lab 2: the points add to 101, not 100"),
    (lambda d: d["lab1"]["tests"][0].update(kind="shell"), "kind must be \"host\" or \"ktap\""),
    (lambda d: d["lab1"]["tests"][0].update(binry="x"), "unknown key(s) for a host test: binry"),
    (lambda d: d["lab1"]["tests"][3].pop("min_checks"), "missing key(s): min_checks"),
    (lambda d: d["lab1"]["tests"][3].update(min_checks=-1), "min_checks must be an integer >= 0"),
    (lambda d: d["lab1"]["tests"][0].update(binary="../x"), "binary must name a cmocka binary"),
    (lambda d: d["lab1"]["tests"][0].update(cases=["a b"]), "each case must be a C identifier"),
    (lambda d: d["lab1"]["tests"][1].update(name=d["lab1"]["tests"][0]["name"]), "two tests named"),
    (lambda d: d.update(lab6=d["lab1"]), "lab6: labs are numbered 1 to 5"),
    (lambda d: d.update(labs=1), "unknown key 'labs'"),
    (lambda d: d.update(boots=["128"]), "boots must be a list"),
    (lambda d: d.update(boots=["5G", "5G"]), "boots must be a list"),
    (lambda d: d.pop("seed"), "seed must be an integer"),
])
def test_a_bad_table_is_refused_saying_where(edit, message):
    data = table_data()
    edit(data)
    with pytest.raises(grade.TableError) as e:
        grade.parse_table(data, "labs.toml")
    assert message in str(e.value) and str(e.value).startswith("labs.toml")


@pytest.mark.parametrize("words, labs", [
    ([], [1, 2, 3, 4, 5]), (["3"], [3]), (["1 2"], [1, 2]), (["1", "2"], [1, 2]),
    (["1-3"], [1, 2, 3]), (["4,2"], [2, 4]), (["5", "1-2"], [1, 2, 5]),
])
def test_labs_on_the_command_line(words, labs):
    assert grade.parse_labs(words) == labs


@pytest.mark.parametrize("word", ["0", "6", "3-1", "1-6", "x", "1..3", "-1"])
def test_bad_labs_are_usage_errors(word):
    with pytest.raises(grade.UsageError):
        grade.parse_labs([word])


def test_render_shows_points_reasons_and_totals():
    t1 = Graded(1, "host cases", 40, "host", binary="test_x")
    t2 = Graded(1, "lab1.case", 60, "ktap", suite="lab1", case="case", min_checks=1)
    table = grade.Table(("128M",), 1, 300, 300, {1: [t1, t2]})
    scores = {(1, "host cases"): grade.Score(t1, True),
              (1, "lab1.case"): grade.Score(t2, False, "boot 128M: failed")}
    lines = grade.render([1], table, scores)
    assert re.fullmatch(r"1 +host +host cases +40/40 +PASS", lines[1])
    assert re.fullmatch(r"1 +ktap +lab1\.case +0/60 +FAIL", lines[2])
    assert lines[3].strip() == "why: boot 128M: failed"
    assert re.fullmatch(r"1 +lab 1 total +40/100", lines[4])
    assert lines[-1] == "total: 40/100 for lab 1"


# --- the exit status: real runs of host tests of this tree ----------------------------------------


def write_table(path: Path, labs: dict[int, list[dict]]) -> Path:
    parts = ['boots = ["128M"]\nseed = 1\n']
    for lab, tests in labs.items():
        for t in tests:
            fields = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in t.items())
            parts.append(f"[[lab{lab}.tests]]\n{fields}")
    path.write_text("\n".join(parts))
    return path


VSPRINTF_OK = {"name": "vsprintf", "points": 100, "kind": "host", "binary": "test_vsprintf",
               "cases": ["signed_decimal", "zero_pad"]}
VSPRINTF_MISSING = dict(VSPRINTF_OK, cases=["signed_decimal", "no_such_case"])


def run_main(args: list[str], capsys) -> tuple[int, str]:
    code = grade.main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_exit_status_0_at_full_marks_1_below(tmp_path, capsys):
    table = write_table(tmp_path / "t.toml", {1: [VSPRINTF_OK], 2: [VSPRINTF_MISSING]})
    logs = ["--table", str(table), "--logs", str(tmp_path / "logs")]
    code, out = run_main(["1", *logs], capsys)
    assert code == 0, out
    assert "total: 100/100 for lab 1" in out
    # the run let go of the tree's lock, or the next one would wait for ever
    fd = os.open(REPO / grade.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    code, out = run_main(["1-2", *logs], capsys)
    assert code == 1, out
    assert "test_vsprintf no_such_case: no such case in the XML report" in out
    assert "total: 100/200 for labs 1, 2" in out
    assert (tmp_path / "logs" / "report.txt").read_text().splitlines()[-1] == "total: 100/200 for labs 1, 2"


def test_expect_fail_inverts_the_lab_it_names(tmp_path, capsys):
    table = write_table(tmp_path / "t.toml", {1: [VSPRINTF_OK], 2: [VSPRINTF_MISSING]})
    logs = ["--table", str(table), "--logs", str(tmp_path / "logs")]
    code, out = run_main(["--expect-fail", "2", "1-2", *logs], capsys)
    assert code == 0 and "as expected: lab 2 below full marks" in out
    code, out = run_main(["--expect-fail", "1", "1-2", *logs], capsys)
    assert code == 1
    assert "lab 1 has full marks but was expected below" in out
    assert "lab 2 has 0/100, not full marks" in out


def test_a_host_binary_that_does_not_exist_fails_its_tests(tmp_path, capsys):
    table = write_table(tmp_path / "t.toml", {1: [dict(VSPRINTF_OK, binary="test_nothing_here")]})
    code, out = run_main(["1", "--table", str(table), "--logs", str(tmp_path / "logs")], capsys)
    assert code == 1
    assert "test_nothing_here did not build (there is no test/host/test_nothing_here.c)" in out


@pytest.mark.parametrize("args, message", [
    (["6"], "'6': labs are 1 to 5"),
    (["two"], "'two' is not a lab"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--tree", "/"], "has no Makefile"),
    (["--table", "/nonexistent.toml"], "cannot read"),
])
def test_usage_errors_exit_2(args, message, capsys):
    code, out = run_main(args, capsys)
    assert code == 2 and message in out


def test_a_table_without_the_lab_is_a_usage_error(tmp_path, capsys):
    table = write_table(tmp_path / "t.toml", {1: [VSPRINTF_OK]})
    code, out = run_main(["2", "--table", str(table)], capsys)
    assert code == 2 and "has no tests for lab 2" in out


# --- the real thing --------------------------------------------------------------------------------


@needs_grade_mode
def test_the_full_tree_scores_full_marks(tmp_path):
    """tools/grade on this tree, every lab: exit status 0, every test PASS,
    500 points; and the real kernel's seals verify with the nonce of their
    boot only."""
    logs = tmp_path / "grade"
    done = subprocess.run([str(TOOLS / "grade"), "--logs", str(logs)], capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if re.match(r"[1-5] +(host|ktap) ", line)]
    assert len(rows) == sum(len(t) for t in grade.load_table(grade.DEFAULT_TABLE).labs.values())
    assert all(row.endswith("PASS") for row in rows)
    assert done.stdout.splitlines()[-2:] == ["total: 500/500 for labs 1, 2, 3, 4, 5", grade.FEEDBACK_NOTE]
    for boot in ("128M", "5G"):
        serial = (logs / f"boot-{boot}" / "serial.log").read_bytes()
        nonce = re.search(rb"grade=([0-9a-f]{32})", serial)[1].decode()
        log = verify_log(serial, bytes.fromhex(nonce))
        assert log.ended and not log.end_problem and not log.rejected
        assert log.verified() == sum(1 for line in serial.splitlines() if b"# seal:" in line)
        assert verify_log(serial, secrets.token_bytes(16)).results == {}


@needs_grade_mode
def test_a_kernel_that_prints_ok_by_hand_earns_nothing(tmp_path):
    """The real thing, forged: lab 3's handout with the __find_buddy_pfn()
    stub changed to print a passing KTAP line for its test and a seal line
    kept from an earlier run. The kernel prints both (the log shows them),
    the grader counts neither: the test fails, for the real result that
    follows them."""
    tree = tmp_path / "handout-lab3"
    done = subprocess.run([str(TOOLS / "handout"), "3", str(tree)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    forged = ("    ok 1 find_buddy_pfn\\n"
              "    # seal: lab3.find_buddy_pfn ok checks=70 digest=ef138146a082e82c seal=1f6b30e83b94d684\\n")
    stub = tree / "src" / "mm" / "page_alloc.c"
    text = stub.read_text()
    assert text.count('lab_missing(3, "__find_buddy_pfn");') == 1
    stub.write_text(text.replace('lab_missing(3, "__find_buddy_pfn");', f'printk("{forged}");'))
    table = tmp_path / "labs.toml"
    table.write_text(textwrap.dedent("""\
        boots = ["128M"]
        seed = 1
        boot_timeout = 300
        host_timeout = 300
        [lab3]
        title = "the buddy allocator"
        [[lab3.tests]]
        name = "lab3.find_buddy_pfn"
        points = 100
        kind = "ktap"
        suite = "lab3"
        case = "find_buddy_pfn"
        min_checks = 1
        """))
    logs = tmp_path / "grade"
    done = subprocess.run([str(TOOLS / "grade"), "--tree", str(tree), "--table", str(table), "--logs", str(logs),
                           "3"], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if "lab3.find_buddy_pfn" in line)
    assert " 0/100 " in row and row.rstrip().endswith("FAIL"), done.stdout
    assert "total: 0/100 for lab 3" in done.stdout.splitlines()
    serial = (logs / "boot-128M" / "serial.log").read_text(errors="replace")
    assert "    ok 1 find_buddy_pfn\n" in serial  # the forgery was printed
    assert "seal=1f6b30e83b94d684" in serial
    assert re.search(r"# seal: lab3\.find_buddy_pfn fail checks=\d+", serial)  # the kernel's own result


# --- one grader per tree ------------------------------------------------------


def test_a_second_grader_of_a_tree_waits_for_the_first(tmp_path):
    """Two graders of one tree would build into one build/ and empty each
    other's logs: the second waits for the first's lock, and says so."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import grade; from pathlib import Path;"
         " grade.lock_tree(Path(sys.argv[2])); print('locked', flush=True); sys.stdin.readline()",
         str(TOOLS), str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        said: list[str] = []
        fds: list[int] = []
        waiter = threading.Thread(target=lambda: fds.append(grade.lock_tree(tmp_path, say=said.append)))
        waiter.start()
        waiter.join(1.0)
        assert waiter.is_alive() and not fds, "the second grader did not wait"
        assert len(said) == 1 and f"(pid {holder.pid})" in said[0] and "waiting" in said[0], said
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
        waiter.join(30)
        assert fds, "the second grader never got the lock"
        assert (tmp_path / grade.LOCK_NAME).read_text() == f"{os.getpid()}\n"
        os.close(fds[0])
    finally:
        holder.kill()
        holder.wait()


def test_a_free_tree_is_locked_at_once(tmp_path):
    said: list[str] = []
    fd = grade.lock_tree(tmp_path, say=said.append)
    try:
        assert said == []
        assert (tmp_path / grade.LOCK_NAME).read_text() == f"{os.getpid()}\n"
    finally:
        os.close(fd)
    os.close(grade.lock_tree(tmp_path, say=said.append))  # closing let it go
    assert said == []
