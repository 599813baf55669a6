"""test_handout.py - tools/handout.py reads lab markers in C, nasm and
Python (docs/labs/INSTRUCTORS.md, "How markers work"), refuses broken ones
naming file:line, hands out lab n with earlier labs solved and later ones
stubbed at the right indentation, finds solution lines that leak into a
handout, and packs the same tarball bytes on every run. Fixtures are small
git repositories made in tmp dirs; one run reads this repository itself.
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import contextlib
import gzip
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
sys.path.insert(0, str(TOOLS))

import handout  # noqa: E402
from handout import C, NASM, PYTHON, HandoutError, make_handout, parse, render  # noqa: E402

LAB_H = """\
/* lab.h - what the fixture's stubs and solutions call. */
void lab_missing(int lab, const char *function);
int split_upper_half(int order);
int take_one_page_off_the_list(void);
int drain_one_batch_to_buddy(void);
#define FIXTURE_PAGE_SHIFT 12
#define PCP_HIGH_WATERMARK 6
"""

# Labs 1 to 4: at file scope with a whole function as the stub, inside
# functions, a one-line BEGIN without a stub, an END naming its region.
BUDDY_C = """\
/* buddy.c - a fixture for tools/handout. */
#include "lab.h"

static int free_count;

/* LAB 1 BEGIN count_usable: return how many of the @n entries of @map are
 * usable (nonzero).
 * STUB:
 *	int count_usable(const int *map, int n)
 *	{
 *		(void)map;
 *		(void)n;
 *		lab_missing(1, "count_usable");
 *		return 0;
 *	}
 */
int count_usable(const int *map, int n)
{
	int usable_entries_seen = 0;

	for (int i = 0; i < n; i++)
		usable_entries_seen += map[i] != 0;
	return usable_entries_seen;
}
/* LAB 1 END */

unsigned long pfn_of(unsigned long pa)
{
	/* LAB 2 BEGIN pfn_of: the page frame number of physical address @pa.
	 * STUB:
	 *	(void)pa;
	 *	lab_missing(2, "pfn_of");
	 *	return 0;
	 */
	return pa >> FIXTURE_PAGE_SHIFT;
	/* LAB 2 END */
}

void expand(int low, int high)
{
	/* LAB 3 BEGIN expand: split the block of order @high down to @low,
	 * putting each upper half on free_area[] (see docs/labs/lab3.md).
	 * STUB:
	 *	(void)low;
	 *	(void)high;
	 *	lab_missing(3, "expand");
	 *	return;
	 */
	while (low < high) {
		high--;
		free_count += split_upper_half(high);
	}
	/* LAB 3 END expand */
}

unsigned long get_free_page(void)
{
	if (free_count == 0)
		return 0;
	/* LAB 4 BEGIN get_free_page: take a page off the free list. */
	free_count -= take_one_page_off_the_list();
	/* LAB 4 END */
	return 1;
}
"""

PCP_C = """\
/* pcp.c - a fixture for tools/handout: lab 5, a stub without a return. */
#include "lab.h"

int pcp_count;

void pcp_free(void)
{
	/* LAB 5 BEGIN pcp_free: put the page on the per-CPU list; drain a
	 * batch to the buddy lists when the list is full.
	 * STUB:
	 *	lab_missing(5, "pcp_free");
	 */
	if (++pcp_count >= PCP_HIGH_WATERMARK)
		pcp_count -= drain_one_batch_to_buddy();
	/* LAB 5 END */
}
"""

# Lab 1's solution starts with a comment, so a blank line ends the BEGIN
# comment; lab 5's solution has none.
BOOT_ASM = """\
; boot.asm - a fixture for tools/handout.
bits 32
global check_magic, zero_page
extern lab_missing_asm

check_magic:
	; LAB 1 BEGIN check_magic: return in eax 1 if eax holds the multiboot2
	; magic, else 0.
	; STUB:
	;	push dword 1
	;	call lab_missing_asm
	;	xor eax, eax
	;	ret

	; The magic value GRUB leaves in eax.
	cmp eax, 0x36d76289
	sete al
	movzx eax, al
	ret
	; LAB 1 END

zero_page:
	; LAB 5 BEGIN zero_page: clear the 4096 bytes at edi with rep stosd.
	; STUB:
	;	ret
	xor eax, eax
	mov ecx, 4096 / 4
	rep stosd
	ret
	; LAB 5 END
"""

# Written with "@" for "#" so that this file itself holds no Python markers
# (tools/handout reads it too, once it is tracked).
PAGES_PY = """\
\"\"\"pages.py - a fixture for tools/handout.\"\"\"
PAGE_SIZE_BYTES = 4096


def pages_of(size):
    @ LAB 2 BEGIN pages_of: how many 4 KiB pages hold @size bytes.
    @ STUB:
    @     raise NotImplementedError("lab 2: pages_of")
    return (size + PAGE_SIZE_BYTES - 1) // PAGE_SIZE_BYTES
    @ LAB 2 END
""".replace("@ ", "# ")

FIXTURE = {
    "src/lab.h": LAB_H,
    "src/buddy.c": BUDDY_C,
    "src/pcp.c": PCP_C,
    "src/boot.asm": BOOT_ASM,
    "tools/pages.py": PAGES_PY,
    "README.md": "# Fixture\n\nNo markers here.\n",
}
EXECUTABLE = "tools/run"  # git mode 100755
BINARY = "docs/picture.png"

# name: (lab, a solution line, the first line the handout writes for a stubbed region)
REGIONS = {
    "count_usable": (1, "usable_entries_seen += map[i] != 0;",
                     "/* LAB 1 TODO count_usable: return how many of the @n entries of @map are"),
    "pfn_of": (2, "return pa >> FIXTURE_PAGE_SHIFT;",
               "\t/* LAB 2 TODO pfn_of: the page frame number of physical address @pa."),
    "pages_of": (2, "return (size + PAGE_SIZE_BYTES - 1) // PAGE_SIZE_BYTES",
                 "    # LAB 2 TODO pages_of: how many 4 KiB pages hold @size bytes."),
    "expand": (3, "free_count += split_upper_half(high);",
               "\t/* LAB 3 TODO expand: split the block of order @high down to @low,"),
    "get_free_page": (4, "free_count -= take_one_page_off_the_list();",
                      "\t/* LAB 4 TODO get_free_page: take a page off the free list. */"),
    "check_magic": (1, "cmp eax, 0x36d76289",
                    "\t; LAB 1 TODO check_magic: return in eax 1 if eax holds the multiboot2"),
    "pcp_free": (5, "pcp_count -= drain_one_batch_to_buddy();",
                 "\t/* LAB 5 TODO pcp_free: put the page on the per-CPU list; drain a"),
    "zero_page": (5, "mov ecx, 4096 / 4", "\t; LAB 5 TODO zero_page: clear the 4096 bytes at edi with rep stosd."),
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str] | None = None, commit: bool = False) -> Path:
    """A git repository at @root/repo holding @files (FIXTURE by default),
    plus an executable, a binary file and a tracked file under build/."""
    repo = root / "repo"
    for path, text in (FIXTURE if files is None else files).items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    (repo / "tools").mkdir(parents=True, exist_ok=True)
    (repo / EXECUTABLE).write_text("#!/bin/sh\necho run\n")
    (repo / EXECUTABLE).chmod(0o755)
    (repo / BINARY).parent.mkdir(parents=True, exist_ok=True)
    (repo / BINARY).write_bytes(bytes(range(256)) * 4)
    (repo / "build").mkdir(exist_ok=True)
    (repo / "build/old.o").write_text("stale\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "add", "-f", "build/old.o")
    if commit:
        git(repo, "commit", "-q", "-m", "fixture")
    return repo


def run_handout(*args) -> subprocess.CompletedProcess:
    """handout.main in this process, with its exit status and output as
    subprocess.run would give them."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = handout.main([str(a) for a in args])
        except SystemExit as e:  # argparse refusing the command line
            status = e.code
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def line_of(text: str, needle: str) -> int:
    """The number of the first line of @text holding @needle."""
    return text[:text.index(needle)].count("\n") + 1


EXPAND_AT = f"src/buddy.c:{line_of(BUDDY_C, 'free_count += split')}"  # a solution line of lab 3


def tree_text(out: Path) -> str:
    """Every text file under @out, concatenated."""
    return "".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file() and p.suffix != ".png")


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


# --- Reading markers ---------------------------------------------------------
def test_parse_reads_each_c_region_with_its_lines():
    regions = parse("src/buddy.c", BUDDY_C, C)
    assert [(r.lab, r.name) for r in regions] == [(1, "count_usable"), (2, "pfn_of"), (3, "expand"),
                                                  (4, "get_free_page")]
    first = regions[0]
    lines = BUDDY_C.split("\n")
    assert lines[first.begin - 1].startswith("/* LAB 1 BEGIN count_usable")
    assert lines[first.body - 1] == "int count_usable(const int *map, int n)"
    assert lines[first.end - 1] == "/* LAB 1 END */"
    assert first.stub == ["int count_usable(const int *map, int n)", "{", "\t(void)map;", "\t(void)n;",
                          '\tlab_missing(1, "count_usable");', "\treturn 0;", "}"]


def test_parse_one_line_begin_has_an_empty_stub():
    (r,) = [r for r in parse("src/buddy.c", BUDDY_C, C) if r.name == "get_free_page"]
    assert r.stub == [] and r.body == r.begin + 1 and r.end == r.begin + 2


def test_parse_line_comment_begin_ends_at_the_first_other_line():
    check, zero = parse("src/boot.asm", BOOT_ASM, NASM)
    assert check.stub == ["push dword 1", "call lab_missing_asm", "xor eax, eax", "ret"]
    assert BOOT_ASM.split("\n")[check.body - 1] == ""  # the blank line that ends it
    assert zero.stub == ["ret"] and BOOT_ASM.split("\n")[zero.body - 1] == "\txor eax, eax"
    (py,) = parse("tools/pages.py", PAGES_PY, PYTHON)
    assert (py.lab, py.name, py.stub) == (2, "pages_of", ['raise NotImplementedError("lab 2: pages_of")'])


def test_markers_of_another_language_are_plain_text():
    assert parse("x.py", BUDDY_C, PYTHON) == [] and parse("x.c", BOOT_ASM, C) == []


def test_this_tool_and_its_tests_hold_no_markers():
    for path in (TOOLS / "handout.py", Path(__file__)):
        assert parse(path.name, path.read_text(), PYTHON) == []


# --- Broken markers: each names file:line ------------------------------------
def c_body(*lines: str) -> str:
    return "\n".join(["int f(void)", "{", *lines, "\treturn 0;", "}", ""])


BEGIN3 = ["\t/* LAB 3 BEGIN f: write f.", "\t * STUB:", "\t *\treturn 1;", "\t */"]
BROKEN = {
    "nested": (c_body(*BEGIN3, "\t/* LAB 4 BEGIN g: nested. */", "\t/* LAB 4 END */", "\t/* LAB 3 END */"),
               C, "f.c:7: LAB 4 BEGIN inside the LAB 3 region f opened at line 3: markers do not nest"),
    "nested_same_lab": (c_body(*BEGIN3, "\t/* LAB 3 BEGIN g: again. */", "\t/* LAB 3 END */"),
                        C, "f.c:7: LAB 3 BEGIN inside the LAB 3 region f opened at line 3"),
    "begin_without_end": (c_body("\tint x = 0;", *BEGIN3, "\tx++;"),
                          C, "f.c:4: LAB 3 BEGIN f has no LAB 3 END"),
    "end_without_begin": (c_body("\tint x = 0;", "\t/* LAB 2 END */"),
                          C, "f.c:4: LAB 2 END without a LAB 2 BEGIN"),
    "end_of_another_lab": (c_body(*BEGIN3, "\tint x;", "\t/* LAB 4 END */"),
                           C, "f.c:8: LAB 4 END closes the LAB 3 region f opened at line 3"),
    "end_of_another_name": (c_body(*BEGIN3, "\t/* LAB 3 END g */"),
                            C, "f.c:7: LAB 3 END g closes the region f opened at line 3"),
    "lab_0": (c_body("\t/* LAB 0 BEGIN f: write f. */", "\t/* LAB 0 END */"),
              C, "f.c:3: LAB 0 BEGIN: labs are numbered 1 to 5"),
    "lab_6": (c_body("\t/* LAB 6 BEGIN f: write f. */", "\t/* LAB 6 END */"),
              C, "f.c:3: LAB 6 BEGIN: labs are numbered 1 to 5"),
    "lab_6_end": (c_body(*BEGIN3, "\t/* LAB 6 END */"),
                  C, "f.c:7: LAB 6 END: labs are numbered 1 to 5"),
    "begin_without_name": (c_body("\t/* LAB 3 BEGIN */", "\t/* LAB 3 END */"),
                           C, "f.c:3: LAB 3 BEGIN needs a name"),
    "comment_never_closed": ("/* LAB 1 BEGIN f: write f.\n * STUB:\n *\treturn;\n",
                             C, "f.c:1: the comment of LAB 1 BEGIN f is never closed"),
    "comment_without_stars": (c_body("\t/* LAB 3 BEGIN f: write f.", "\t   more words", "\t */",
                                     "\t/* LAB 3 END */"),
                              C, "f.c:4: the comment of LAB 3 BEGIN f goes on with \" * \" lines"),
    "comment_closed_after_text": (c_body("\t/* LAB 3 BEGIN f: write f.", "\t * more words */",
                                         "\t/* LAB 3 END */"),
                                  C, "f.c:4: the comment of LAB 3 BEGIN f goes on"),
    "end_not_closed": (c_body(*BEGIN3, "\t/* LAB 3 END"),
                       C, "f.c:7: LAB 3 END is a comment of its own"),
    "nasm_nested": ("f:\n\t; LAB 1 BEGIN f: write f.\n\t; LAB 2 BEGIN g: write g.\n\tret\n"
                    "\t; LAB 2 END\n\t; LAB 1 END\n",
                    NASM, "f.asm:3: LAB 2 BEGIN inside the LAB 1 region f opened at line 2"),
    "nasm_begin_without_end": ("f:\n\t; LAB 5 BEGIN f: write f.\n\t; STUB:\n\t;\tret\n\tret\n",
                               NASM, "f.asm:2: LAB 5 BEGIN f has no LAB 5 END"),
    "nasm_end_without_begin": ("f:\n\tret\n\t; LAB 5 END\n", NASM, "f.asm:3: LAB 5 END without a LAB 5 BEGIN"),
    "nasm_mismatch": ("f:\n\t; LAB 1 BEGIN f: write f.\n\tret\n\t; LAB 2 END\n",
                      NASM, "f.asm:4: LAB 2 END closes the LAB 1 region f opened at line 2"),
    "nasm_lab_9": ("f:\n\t; LAB 9 BEGIN f: write f.\n\tret\n\t; LAB 9 END\n",
                   NASM, "f.asm:2: LAB 9 BEGIN: labs are numbered 1 to 5"),
    "python_end_without_begin": ("def f():\n    return 1\n    # LAB 2 END\n",
                                 PYTHON, "f.py:3: LAB 2 END without a LAB 2 BEGIN"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_parse_refuses_a_broken_marker_naming_file_and_line(case):
    text, style, message = BROKEN[case]
    name = {C: "f.c", NASM: "f.asm", PYTHON: "f.py"}[style]
    with pytest.raises(HandoutError) as e:
        parse(name, text, style)
    assert str(e.value).startswith(message)


def test_cli_reports_every_broken_file_and_writes_nothing(tmp_path):
    files = dict(FIXTURE)
    files["src/bad.c"] = BROKEN["nested"][0]
    files["src/bad.asm"] = BROKEN["nasm_lab_9"][0]
    repo = make_repo(tmp_path, files)
    done = run_handout("--repo", repo, 3, tmp_path / "out", "--tar", tmp_path / "out.tar.gz")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "handout: src/bad.asm:2: LAB 9 BEGIN: labs are numbered 1 to 5" in done.stderr
    assert "handout: src/bad.c:7: LAB 4 BEGIN inside the LAB 3 region f" in done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.tar.gz").exists()


# --- Handing out lab n -------------------------------------------------------
@pytest.mark.parametrize("lab", range(1, 6))
def test_handout_keeps_earlier_labs_and_stubs_the_others(tmp_path, repo, lab):
    out = tmp_path / "out"
    done = run_handout("--repo", repo, lab, out)
    assert done.returncode == 0, done.stderr
    text = tree_text(out)
    for name, (region_lab, solution, todo) in REGIONS.items():
        if region_lab < lab:
            assert solution in text and todo.strip() not in text, name
        else:
            assert solution not in text and todo in text, name
    assert " BEGIN " not in text  # no BEGIN marker of any lab is left
    for n in range(1, 6):  # an END line after each stubbed region only
        stubbed = [name for name, (region_lab, _, _) in REGIONS.items() if region_lab == n]
        assert text.count(f"LAB {n} END") == (len(stubbed) if n >= lab else 0), n


def test_handout_summary_counts_files_and_regions_per_lab(tmp_path, repo):
    done = run_handout("--repo", repo, 3, tmp_path / "out")
    assert done.stdout.splitlines()[1:] == [
        "handout: 4 files changed, 4 regions stubbed, 4 kept",
        "handout:   lab 1: kept 2: check_magic, count_usable",
        "handout:   lab 2: kept 2: pfn_of, pages_of",
        "handout:   lab 3: stubbed 1: expand",
        "handout:   lab 4: stubbed 1: get_free_page",
        "handout:   lab 5: stubbed 2: zero_page, pcp_free",
    ]


def test_stubs_replace_solutions_at_the_markers_indentation():
    stubbed = render(BUDDY_C, parse("src/buddy.c", BUDDY_C, C), 2)
    assert "static int free_count;\n\nint count_usable(" in stubbed  # lab 1 kept, as plain code
    assert """\
unsigned long pfn_of(unsigned long pa)
{
	/* LAB 2 TODO pfn_of: the page frame number of physical address @pa. */
	(void)pa;
	lab_missing(2, "pfn_of");
	return 0;
	/* LAB 2 END */
}

void expand(int low, int high)
{
	/* LAB 3 TODO expand: split the block of order @high down to @low,
	 * putting each upper half on free_area[] (see docs/labs/lab3.md).
	 */
	(void)low;
	(void)high;
	lab_missing(3, "expand");
	return;
	/* LAB 3 END expand */
}

unsigned long get_free_page(void)
{
	if (free_count == 0)
		return 0;
	/* LAB 4 TODO get_free_page: take a page off the free list. */
	/* LAB 4 END */
	return 1;
}
""" in stubbed


def test_todo_comment_is_one_line_when_it_fits():
    text = c_body("\t/* LAB 3 BEGIN f: write f.", "\t * STUB:", "\t *\treturn 1;", "\t */", "\treturn 2;",
                  "\t/* LAB 3 END */")
    long = text.replace("write f.", "write f, " + "which is a function of many words " * 2)
    assert "\t/* LAB 3 TODO f: write f. */\n\treturn 1;\n\t/* LAB 3 END */\n\treturn 0;\n}" in render(
        text, parse("f.c", text, C), 1)
    assert "many words \n\t */\n\treturn 1;\n" in render(long, parse("f.c", long, C), 1)


def test_file_scope_stub_is_a_whole_function():
    stubbed = render(BUDDY_C, parse("src/buddy.c", BUDDY_C, C), 1)
    assert """\
static int free_count;

/* LAB 1 TODO count_usable: return how many of the @n entries of @map are
 * usable (nonzero).
 */
int count_usable(const int *map, int n)
{
	(void)map;
	(void)n;
	lab_missing(1, "count_usable");
	return 0;
}
/* LAB 1 END */

unsigned long pfn_of""" in stubbed


def test_kept_region_loses_only_its_marker_lines():
    kept = render(BUDDY_C, parse("src/buddy.c", BUDDY_C, C), 4)
    assert """\
{
	return pa >> FIXTURE_PAGE_SHIFT;
}
""" in kept
    assert "LAB" not in kept.split("get_free_page")[0]
    # Gone: lab 1's 11-line BEGIN comment and its END, lab 2's 6 + 1, lab 3's
    # 8 + 1; lab 4's 3 lines became its one-line TODO and its END.
    assert kept.count("\n") == BUDDY_C.count("\n") - (12 + 7 + 9 + 1)


def test_nasm_and_python_stubs():
    asm = render(BOOT_ASM, parse("src/boot.asm", BOOT_ASM, NASM), 1)
    assert """\
check_magic:
	; LAB 1 TODO check_magic: return in eax 1 if eax holds the multiboot2
	; magic, else 0.
	push dword 1
	call lab_missing_asm
	xor eax, eax
	ret
	; LAB 1 END

zero_page:
	; LAB 5 TODO zero_page: clear the 4096 bytes at edi with rep stosd.
	ret
	; LAB 5 END
""" == asm.split("extern lab_missing_asm\n\n")[1]
    kept = render(BOOT_ASM, parse("src/boot.asm", BOOT_ASM, NASM), 5)
    assert "check_magic:\n\n\t; The magic value GRUB leaves in eax.\n\tcmp eax" in kept
    py = render(PAGES_PY, parse("tools/pages.py", PAGES_PY, PYTHON), 2)
    assert py.endswith("""\
def pages_of(size):
    # LAB 2 TODO pages_of: how many 4 KiB pages hold @size bytes.
    raise NotImplementedError("lab 2: pages_of")
    # LAB 2 END
""")


def test_crlf_files_keep_their_line_ends():
    text = BUDDY_C.replace("\n", "\r\n")
    stubbed = render(text, parse("src/buddy.c", text, C), 1)
    assert "\n" not in stubbed.replace("\r\n", "")
    assert stubbed == render(BUDDY_C, parse("src/buddy.c", BUDDY_C, C), 1).replace("\n", "\r\n")


def test_a_handout_holds_no_markers_for_the_next_run(tmp_path, repo):
    assert run_handout("--repo", repo, 1, tmp_path / "out").returncode == 0
    git(tmp_path / "out", "init", "-q")
    git(tmp_path / "out", "add", "-A")
    again = make_handout(tmp_path / "out", 1)
    assert again.regions == [] and again.changed == []


@pytest.mark.parametrize("lab", range(1, 6))
def test_every_handout_compiles_and_assembles(tmp_path, repo, lab):
    if not shutil.which("gcc") or not shutil.which("nasm"):
        pytest.skip("needs gcc and nasm (scripts/install-deps.sh build)")
    out = tmp_path / "out"
    assert run_handout("--repo", repo, lab, out).returncode == 0
    for c in ("src/buddy.c", "src/pcp.c"):
        subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-c", "-o", "/dev/null", c],
                       cwd=out, check=True)
    subprocess.run(["nasm", "-f", "elf32", "-o", "/dev/null", "src/boot.asm"], cwd=out, check=True)
    subprocess.run([sys.executable, "-c", "import pages", ], cwd=out / "tools", check=True)


@pytest.mark.parametrize("lab", [None, 1, 2, 3, 4, 5])
def test_c_markers_and_stubs_keep_to_clang_format(tmp_path, repo, lab):
    """The marked tree (lab None) and each handout pass make format-check."""
    if not shutil.which("clang-format"):
        pytest.skip("needs clang-format (scripts/install-deps.sh test)")
    out = repo
    if lab:
        out = tmp_path / "out"
        handout.write_tree(out, make_handout(repo, lab).files)
    shutil.copy(REPO / ".clang-format", out)
    subprocess.run(["clang-format", "--dry-run", "--Werror", "src/buddy.c", "src/pcp.c", "src/lab.h"],
                   cwd=out, check=True)


def test_handout_copies_tracked_files_with_their_modes(tmp_path, repo):
    (repo / "untracked.c").write_text("/* LAB 1 BEGIN never read */\n")
    out = tmp_path / "out"
    assert run_handout("--repo", repo, 2, out).returncode == 0
    copied = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert copied == sorted(list(FIXTURE) + [EXECUTABLE, BINARY])  # no build/, no untracked file
    assert (out / BINARY).read_bytes() == (repo / BINARY).read_bytes()
    assert (out / EXECUTABLE).stat().st_mode & 0o777 == 0o755
    assert (out / "src/buddy.c").stat().st_mode & 0o777 == 0o644


def test_handout_refuses_a_directory_that_is_not_empty(tmp_path, repo):
    (tmp_path / "out").mkdir()
    (tmp_path / "out/keep").write_text("mine\n")
    done = run_handout("--repo", repo, 1, tmp_path / "out")
    assert done.returncode == 1 and "exists and is not an empty directory" in done.stderr
    assert (tmp_path / "out/keep").read_text() == "mine\n"


def test_handout_needs_a_git_work_tree(tmp_path):
    (tmp_path / "plain").mkdir()
    done = run_handout("--repo", tmp_path / "plain", 1, tmp_path / "out")
    assert done.returncode == 1 and f"handout: {tmp_path / 'plain'}: git ls-files failed" in done.stderr


def test_handout_leaves_out_a_tracked_file_deleted_from_the_work_tree(tmp_path, repo):
    (repo / "README.md").unlink()
    done = run_handout("--repo", repo, 1, tmp_path / "out")
    assert done.returncode == 0 and not (tmp_path / "out/README.md").exists()
    assert "handout: left out README.md: tracked by git but not in the work tree" in done.stdout


@pytest.mark.parametrize("lab", ["0", "6", "x"])
def test_cli_refuses_a_lab_outside_1_to_5(tmp_path, repo, lab):
    done = run_handout("--repo", repo, lab, tmp_path / "out")
    assert done.returncode == 2 and "labs are 1 to 5" in done.stderr


# --- --check -----------------------------------------------------------------
def test_secrets_are_the_long_solution_lines_of_stubbed_regions():
    found = handout.secrets(BUDDY_C, parse("src/buddy.c", BUDDY_C, C), 3)
    assert [s.text for s in found] == ["while (low < high) {", "free_count += split_upper_half(high);",
                                       "free_count -= take_one_page_off_the_list();"]
    assert found[1].where == EXPAND_AT and found[1].region.name == "expand"


def test_check_passes_a_clean_handout(tmp_path, repo):
    done = run_handout("--repo", repo, 1, tmp_path / "out", "--check")
    assert done.returncode == 0, done.stderr
    # count_usable 4 (its first line is its stub's), pfn_of 1, expand 2,
    # get_free_page 1, pcp_free 2, check_magic 2, zero_page 1, pages_of 1
    assert "handout: check: none of the 14 checked solution lines is in" in done.stdout


@pytest.mark.parametrize("path, text", [
    ("docs/notes.md", "# Notes\n\nThe answer:\n\n    free_count  +=  split_upper_half(high);\n"),
    ("test/test_buddy.c", "/* a reference model */\nvoid model(void)\n{\n"
                          "\tfree_count += split_upper_half(high);\n}\n"),
])
def test_check_finds_a_planted_leak(tmp_path, path, text):
    files = dict(FIXTURE, **{path: text})
    repo = make_repo(tmp_path, files)
    tar = tmp_path / "out.tar.gz"
    tar.write_bytes(b"an older tarball")
    done = run_handout("--repo", repo, 3, tmp_path / "out", "--check", "--tar", tar)
    assert done.returncode == 1
    assert (f"handout: leak: {tmp_path / 'out'}/{path}:{line_of(text, 'split_upper_half')}: "
            f"free_count += split_upper_half(high); (solution of lab 3 expand at {EXPAND_AT})"
            ) in done.stderr.splitlines()
    assert "handout: 1 solution lines found in" in done.stderr and not tar.exists()


def test_check_finds_a_leak_written_into_the_tree(tmp_path, repo):
    h = make_handout(repo, 5)
    handout.write_tree(tmp_path / "out", h.files)
    (tmp_path / "out/src/pcp.c").write_text(PCP_C)  # the solved file over the stubbed one
    first, second = line_of(PCP_C, "if (++pcp_count"), line_of(PCP_C, "pcp_count -= drain")
    assert handout.find_leaks(tmp_path / "out", h.secrets) == [
        f"src/pcp.c:{first}: if (++pcp_count >= PCP_HIGH_WATERMARK) "
        f"(solution of lab 5 pcp_free at src/pcp.c:{first})",
        f"src/pcp.c:{second}: pcp_count -= drain_one_batch_to_buddy(); "
        f"(solution of lab 5 pcp_free at src/pcp.c:{second})",
    ]


def test_check_fails_when_a_region_cannot_be_cut_out_again(tmp_path):
    """A line that reads as a stubbed region's TODO line elsewhere in its
    file (here in a docstring) would make a submission's region ambiguous."""
    files = dict(FIXTURE)
    files["tools/pages.py"] = PAGES_PY.replace('"""pages.py - a fixture for tools/handout."""', (
        '"""pages.py - a fixture for tools/handout. Look for\n'
        '    @ LAB 2 TODO pages_of: how many 4 KiB pages hold @size bytes.\n"""').replace("@ ", "# "))
    repo = make_repo(tmp_path, files)
    tar = tmp_path / "out.tar.gz"
    done = run_handout("--repo", repo, 2, tmp_path / "out", "--check", "--tar", tar)
    assert done.returncode == 1 and not tar.exists()
    assert (f"handout: region not cut out again: {tmp_path / 'out'}/tools/pages.py: LAB 2 pages_of: "
            "its TODO line is there 2 times (lines 2, 8)") in done.stderr.splitlines()
    assert "handout: 0 solution lines found in" in done.stderr


def test_check_passes_every_lab_of_the_fixture(tmp_path, repo):
    for lab in range(1, 6):
        done = run_handout("--repo", repo, lab, tmp_path / f"out{lab}", "--check")
        assert done.returncode == 0 and "each stubbed region lies between its TODO comment and END line" in (
            done.stdout), done.stderr


def test_render_writes_given_bodies_between_todo_and_end():
    regions = parse("src/buddy.c", BUDDY_C, C)
    bodies = {("src/buddy.c", "expand"): ["	my_expand(low, high);"],
              ("src/buddy.c", "pfn_of"): ["	return pa / 4096;"]}
    text = render(BUDDY_C, regions, 3, bodies)
    assert ("	/* LAB 3 TODO expand: split the block of order @high down to @low,\n"
            "	 * putting each upper half on free_area[] (see docs/labs/lab3.md).\n	 */\n"
            "	my_expand(low, high);\n	/* LAB 3 END expand */\n") in text
    # lab 2 is before lab 3, but a given body is written marked all the same
    assert "	/* LAB 2 TODO pfn_of: the page frame number of physical address @pa. */\n" \
           "	return pa / 4096;\n	/* LAB 2 END */\n" in text
    assert "usable_entries_seen += map[i] != 0;" in text and "LAB 1" not in text  # lab 1 kept plain


def test_a_todo_line_without_its_end_is_plain_text():
    text = "x = 1\n# LAB 2 TODO f: in a test's expected output\ny = 2\n"
    assert parse("t.py", text, PYTHON) == []
    then_begin = text + "# LAB 3 BEGIN g: write g.\nz = 3\n# LAB 3 END\n"
    assert [(r.lab, r.name) for r in parse("t.py", then_begin, PYTHON)] == [(3, "g")]


# --- The tarball ---------------------------------------------------------------
def test_tarball_is_the_same_bytes_on_every_run(tmp_path):
    repo = make_repo(tmp_path, commit=True)
    a, b = tmp_path / "a/handout-lab2.tar.gz", tmp_path / "b/handout-lab2.tar.gz"
    assert run_handout("--repo", repo, 2, tmp_path / "one", "--tar", a).returncode == 0
    (repo / "README.md").touch()  # a newer mtime in the work tree changes nothing
    assert run_handout("--repo", repo, 2, tmp_path / "two", "--tar", b).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_tarball_holds_the_tree_sorted_under_its_own_name(tmp_path):
    repo = make_repo(tmp_path, commit=True)
    out, tar = tmp_path / "out", tmp_path / "handout-lab3.tar.gz"
    done = run_handout("--repo", repo, 3, out, "--tar", tar)
    assert done.returncode == 0 and f"handout: wrote {tar}" in done.stdout
    assert gzip.open(tar).read(1)  # gzip
    with tarfile.open(tar) as t:
        members = t.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names) and names[0] == "handout-lab3"
        assert "handout-lab3/src" in names and "handout-lab3/build" not in names
        when = int(git(repo, "log", "-1", "--format=%ct"))
        for m in members:
            assert (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", when)
            path = out / m.name.removeprefix("handout-lab3").lstrip("/")
            if m.isdir():
                assert m.mode == 0o755 and path.is_dir()
            else:
                assert t.extractfile(m).read() == path.read_bytes()
                assert m.mode == (0o755 if m.name.endswith(EXECUTABLE) else 0o644)
        assert len([m for m in members if m.isfile()]) == len(FIXTURE) + 2


def test_plain_tar_when_the_name_says_so(tmp_path, repo):
    tar = tmp_path / "h.tar"
    assert run_handout("--repo", repo, 1, tmp_path / "out", "--tar", tar).returncode == 0
    with tarfile.open(tar, "r:") as t:
        assert t.getnames()[0] == "h"
        assert t.getmember("h/src/boot.asm").mtime == 0  # no commit yet


# --- This repository ---------------------------------------------------------------
# The labs' regions in src/, as docs/labs/lab1.md .. lab5.md name them.
LAB_REGIONS = {
    1: ["parse_mmap", "memblock_setup_from_mmap"],
    2: ["__pa", "__va", "map_range", "pfn_to_page", "page_to_pfn"],
    3: ["add_to_free_list", "del_from_free_list", "expand", "__rmqueue_smallest", "__find_buddy_pfn",
        "__free_one_page"],
    4: ["get_page_from_freelist", "__get_free_pages", "get_zeroed_page", "free_pages"],
    5: ["rmqueue_bulk", "free_pcppages_bulk", "rmqueue_pcplist", "free_unref_page", "alloc_page_fast",
        "free_page_fast"],
}


def test_this_repository_has_the_labs_regions():
    regions = handout.make_handout(REPO, 1).regions
    for lab, names in LAB_REGIONS.items():
        assert sorted(r.name for r in regions if r.lab == lab) == sorted(names), lab


@pytest.mark.parametrize("lab", range(1, 6))
def test_this_repository_hands_out_every_lab(tmp_path, lab):
    """Each lab's handout passes --check, stubs labs >= lab and keeps the
    rest; files without markers are copied unchanged."""
    out = tmp_path / f"handout-lab{lab}"
    done = run_handout(lab, out, "--check", "--tar", tmp_path / f"handout-lab{lab}.tar.gz")
    assert done.returncode == 0, done.stderr
    stubbed = sum(len(LAB_REGIONS[n]) for n in range(lab, 6))
    kept = sum(len(LAB_REGIONS[n]) for n in range(1, lab))
    assert f"handout: 6 files changed, {stubbed} regions stubbed, {kept} kept" in done.stdout.splitlines()
    for n in range(1, 6):
        todo = [line for path in out.rglob("*.[ch]") for line in path.read_text().splitlines()
                if f"LAB {n} TODO" in line]
        assert len(todo) == (len(LAB_REGIONS[n]) if n >= lab else 0), n
    tracked = [p for p in git(REPO, "ls-files").splitlines() if not p.startswith(handout.EXCLUDED)]
    assert not [p for p in tracked if p.startswith(("docs/labs/INSTRUCTORS.md", "tools/observe"))]
    for path in git(REPO, "ls-files").splitlines():
        if path.startswith(handout.EXCLUDED):
            assert not (out / path).exists(), f"{path} is handed out"
    for path in tracked:
        if (REPO / path).exists() and b"LAB " not in (REPO / path).read_bytes():
            assert (out / path).read_bytes() == (REPO / path).read_bytes(), path


def test_lines_the_handout_shows_anyway_are_not_secrets(tmp_path):
    """A solution line that src/ also has outside the stubbed regions (or in
    a stub) is common code; one found only in the solution is a leak."""
    src = """int a(void)
{
	/* LAB 2 BEGIN a: do a.
	 * STUB:
	 *\treturn common_helper_call(0);
	 */
	struct thing *thing = find_the_thing();
	return common_helper_call(1) + secret_formula(thing);
	/* LAB 2 END */
}

int b(void)
{
	struct thing *thing = find_the_thing();

	return common_helper_call(1);
}
"""
    repo = tmp_path / "r"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.c").write_text(src)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    found = handout.make_handout(repo, 2).secrets
    assert [s.text for s in found] == ["return common_helper_call(1) + secret_formula(thing);"]
