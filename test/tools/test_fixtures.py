"""test_fixtures.py - the region fixtures of test/grade/fixtures/ (wrong lab
solutions, and a submission that forges its grade) are well formed, name
regions of their own lab, become trees that build, and the forged-output one
really does get full marks from today's feedback grader (the hole issue 18
closes). test/grade/fixtures/README.md lists them with their scores.
Run: python3 -m pytest -q test/tools/test_fixtures.py"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "grade" / "fixtures"
sys.path.insert(0, str(REPO / "tools"))

from submission import SubmissionError, materialize_fixture  # noqa: E402
from submission import parse_fixture as _parse  # noqa: E402


def parse_fixture(path: Path):
    """The fixture at @path, with its top comment lines as .comment."""
    text = path.read_text()
    fx = _parse(text, path.name)
    fx.comment = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    return fx

ALL = sorted(FIXTURES.glob("*.regions"))
# What the forged-output fixture uses to forge; no other fixture may.
FORGING = ("CMOCKA_XML_FILE", "PAGEWISE_TEST", "cmdline_value", "machine_power_off", "# seal:",
           "__bss_start", "_exit")


def test_there_are_fixtures_for_every_lab_and_a_forgery():
    """At least two wrong solutions per lab (four for lab 3), and the
    forged-output submission."""
    labs = [parse_fixture(f).lab for f in ALL if f.stem != "forged-output"]
    assert all(labs.count(lab) >= 2 for lab in range(1, 6)), labs
    assert labs.count(3) >= 4
    assert (FIXTURES / "forged-output.regions").exists()


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_a_fixture_is_commented_and_names_regions_of_its_lab(path, tmp_path):
    """Top comment first (says what is wrong), the lab in the name; every
    region it names is one of that lab's, and the tree made from it holds
    the fixture's body where the solution was."""
    fx = parse_fixture(path)
    assert len(fx.comment) >= 3 and fx.comment[0].startswith(f"{path.stem}:")
    if path.stem != "forged-output":
        assert path.stem.startswith(f"lab{fx.lab}-") and not fx.files
    tree = tmp_path / "tree"
    assert materialize_fixture(REPO, path, tree) == fx.lab
    for (rel, name), body in fx.bodies.items():
        text = (tree / rel).read_text()
        assert "\n".join(body) in text, f"{rel} {name}: the fixture's body is not in the tree"
        assert f"LAB {fx.lab} TODO {name}" in text and f"LAB {fx.lab} END" in text
    later = (tree / "src" / "mm" / "page_alloc.c").read_text()
    for lab in range(fx.lab + 1, 6):  # later labs are stubbed, as in the handout
        assert f"LAB {lab} TODO" in later or lab == 2


def test_only_the_forgery_forges_and_only_in_one_region():
    """The wrong solutions are honest code; forged-output's forging is all
    inside __free_one_page(), and it changes labs.toml and tools/grade."""
    for path in ALL:
        fx = parse_fixture(path)
        for key, body in fx.bodies.items():
            forging = [w for w in FORGING if w in "\n".join(body)]
            if path.stem == "forged-output" and key[1] == "__free_one_page":
                assert forging == list(FORGING), forging
            else:
                assert not forging, f"{path.stem} {key[1]}: {forging}"
    fx = parse_fixture(FIXTURES / "forged-output.regions")
    assert sorted(fx.files) == ["test/grade/labs.toml", "tools/grade"]


def test_a_bad_fixture_is_refused(tmp_path):
    """A region of another lab, an unknown region, a missing lab line."""
    cases = {
        "other-lab": "# x\nlab = 3\n@@ src/mm/mm.h pfn_to_page\n\treturn 0;\n",
        "unknown": "# x\nlab = 3\n@@ src/mm/page_alloc.c no_such_region\n\treturn;\n",
        "no-lab": "# x\n@@ src/mm/page_alloc.c expand\n",
        "bad-header": "# x\nlab = 3\n@@ src/mm/page_alloc.c\n",
    }
    for name, text in cases.items():
        f = tmp_path / f"{name}.regions"
        f.write_text(text)
        with pytest.raises(SubmissionError):
            materialize_fixture(REPO, f, tmp_path / name)


def _tools_present() -> bool:
    return bool(shutil.which("gcc") and shutil.which("qemu-system-x86_64") and shutil.which("nasm")
                and Path("/usr/include/cmocka.h").exists())


@pytest.mark.skipif(not _tools_present(), reason="needs gcc, nasm, cmocka and QEMU")
def test_forged_output_gets_full_marks_from_todays_grader(tmp_path):
    """The hole: the class's own grader and table (tools/grade --tree, as
    docs/labs/INSTRUCTORS.md says to grade a submission) give the forged
    lab 3 full marks although its buddy neither splits nor merges, from
    the region alone: sealed "ok" lines the kernel printed under the
    nonce, XML reports the host binaries wrote themselves. And the
    student's own `make grade LAB=3` (its replaced tools/grade) says
    100/100 too."""
    tree = tmp_path / "forged"
    materialize_fixture(REPO, FIXTURES / "forged-output.regions", tree)
    done = subprocess.run([str(REPO / "tools" / "grade"), "--tree", str(tree), "3"],
                          capture_output=True, text=True, timeout=3600)
    assert "total: 100/100 for lab 3" in done.stdout, done.stdout + done.stderr
    serial = (tree / "build" / "grade" / "boot-128M" / "serial.log").read_text(errors="replace")
    assert re.search(r"# seal: lab3\.find_buddy_pfn ok checks=64 ", serial)
    assert "reboot: Power down" in serial
    xml = next((tree / "build" / "grade" / "host").glob("test_zones.*.xml")).read_text()
    assert '<testsuite name="t"' in xml  # written by the region, not by cmocka
    own = subprocess.run(["make", "-s", "-C", str(tree), "grade", "LAB=3"], capture_output=True,
                         text=True, timeout=600)
    assert "total: 100/100 for lab 3" in own.stdout, own.stdout + own.stderr
