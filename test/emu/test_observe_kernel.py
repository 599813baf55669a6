"""test_observe_kernel.py - tools/observe_kernel.py, the kernel side of the
official grade (issue 18): on the full tree every kernel verdict of labs 1-5
passes for two seeds; a copy of the tree with one wrong solution fails the
verdicts that name what it breaks, and keeps the ones it cannot touch.

Each tree is built once (make build/kernel.elf build/pagewise-observe.iso,
in a copy of the checkout under tmp), and graded with a Context whose
runner runs the command directly (the sandbox is tools/sandbox.py's job;
everything here stays under the tree, the scratch directory and tools/).
Labs 3-5 check with tools/observe_model.py, skipped while it is missing."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import handout  # noqa: E402
import observe_kernel  # noqa: E402
from emulators import REPO, TIME_SCALE  # noqa: E402
from observed import Context  # noqa: E402

# One fixed seed here; make test-grading grades the reference of every lab
# again through tools/grade --submission with a seed drawn for each run.
SEEDS = (1,)
# A lab handout (make handout) holds stubs where the solutions were: its
# kernel cannot pass, so the tests that grade this checkout skip there.
IS_HANDOUT = "LAB 5 BEGIN" not in (REPO / "src" / "mm" / "page_alloc.c").read_text()
pytestmark = pytest.mark.skipif(IS_HANDOUT, reason="a lab handout: its own labs are not solved")
BUILD = ["make", "--no-print-directory", "-j2", *observe_kernel.BUILD_TARGETS]

# Wrong solutions: (file, text of the reference, its replacement, and an
# optional helper put before a function). The C text carries "@"s, taken
# out when used, so that no line of a solution is in this file as it is:
# `make handout` checks that no handout holds one.
MUTANTS = {
    # memblock_setup_from_mmap() skips the last usable entry of the map.
    "lab1-skip-last-usable": ("src/arch/x86_64/setup.c",
                              "\t\t\tif (@usable)\n\t\t\t\tmemblock_add_pages(@start, end - start);",
                              "\t\t\tif (@usable && m != last_usable(@))\n"
                              "\t\t\t\tmemblock_add_pages(@start, end - start);",
                              ("void __init memblock_setup_from_mmap(@void)\n{",
                               "static const struct boot_mmap_entry *last_usable(@void)\n{\n"
                               "\tconst struct boot_mmap_entry *m, *last = NULL;\n\n"
                               "\tfor_each_mmap_entry (@m)\n"
                               "\t\tif (@m->type == MB2_MEMORY_AVAILABLE && m->len)\n\t\t\tlast = m;\n"
                               "\treturn last;\n}\n\nvoid __init memblock_setup_from_mmap(@void)\n{")),
    # map_range() maps the direct map one page short of its end.
    "lab2-map-one-page-short": ("src/arch/x86_64/paging.c",
                                "\tprot &=@ supported_pte_mask;\n\twhile (@size) {",
                                "\tprot &=@ supported_pte_mask;\n\tif (@max_page > PAGE_SIZE)\n"
                                "\t\tsize -= PAGE_SIZE;\n\twhile (@size) {", None),
    # __free_one_page() never looks for its buddy.
    "lab3-no-merge": ("src/mm/page_alloc.c",
                      "\twhile (@order < MAX_PAGE_ORDER) {\n\t\tunsigned long buddy_pfn = __find_buddy_pfn(@pfn, order);",
                      "\twhile (@0 && order < MAX_PAGE_ORDER) {\n"
                      "\t\tunsigned long buddy_pfn = __find_buddy_pfn(@pfn, order);", None),
    # expand() puts the lower half on the list and splits the upper half on.
    "lab3-expand-lower-half": ("src/mm/page_alloc.c",
                               "\t\tadd_to_free_list(@&page[size], zone, high);\n\t}",
                               "\t\tadd_to_free_list(@page, zone, high);\n\t\tpage = &page[size];\n\t}", None),
    # __rmqueue_smallest() hands out the block it found whole, unsplit.
    "lab3-no-split": ("src/mm/page_alloc.c",
                      "\t\tdel_from_free_list(@page, zone, o);\n\t\texpand(@zone, page, order, o);\n"
                      "\t\tzone->free_pages -= 1UL << order;",
                      "\t\tdel_from_free_list(@page, zone, o);\n\t\tzone->free_pages -= 1UL << o;", None),
    # __find_buddy_pfn() sets the order bit: upper halves find themselves.
    "lab3-buddy-or": ("src/mm/page_alloc.c", "\treturn pfn ^@ (1UL << order);",
                      "\treturn pfn |@ (1UL << order);", None),
    # get_page_from_freelist() never checks a watermark.
    "lab4-no-watermark": ("src/mm/page_alloc.c",
                          "\t\tif (@!(@alloc_flags & ALLOC_NO_WATERMARKS) &&\n\t\t    !zone_watermark_ok(@",
                          "\t\tif (@0 && !(@alloc_flags & ALLOC_NO_WATERMARKS) &&\n\t\t    !zone_watermark_ok(@", None),
    # rmqueue_bulk() puts the pages on the list without PG_pcp.
    "lab5-bulk-no-pcp-flag": ("src/mm/page_alloc.c",
                              "\t\t__SetPagePcp(@page);\n\t\tlist_add_tail(@&page->lru, &pcp->list);",
                              "\t\tlist_add_tail(@&page->lru, &pcp->list);", None),
    # free_page_fast() never gives a batch back at high.
    "lab5-no-high": ("src/mm/page_alloc.c",
                     "\tlist_add(@&page->lru, &pcp->list);\n\tif (@unlikely(@++pcp->count >= pcp->high))\n"
                     "\t\tfree_pcppages_bulk(@page_zone(@page), pcp, pcp->batch);\n\treturn true;",
                     "\tlist_add(@&page->lru, &pcp->list);\n\t++pcp->count;\n\treturn true;", None),
}

# What each wrong solution must fail, and what it must still pass.
EXPECT = {
    "lab1-skip-last-usable": (1, {"lab1.memblock_memory_is_usable_ram"},
                              {"lab1.mmap_entries_match_tag"}),
    "lab2-map-one-page-short": (2, {"lab2.direct_map_covers_ram", "lab2.direct_map_page_sizes"},
                                {"lab2.direct_map_nothing_else"}),
    "lab3-no-merge": (3, {"lab3.boot_free_lists_merged", "lab3.give_merges_with_buddies"}, set()),
    "lab3-expand-lower-half": (3, {"lab3.take_splits_smallest_block", "lab3.boot_free_lists_merged",
                                   "lab3.lists_match_mem_map"}, set()),
    # the blocks it leaks fail the cycles from boot, the round trip and the
    # count of pages, though each give merges right
    "lab3-no-split": (3, {"lab3.boot_free_lists_merged", "lab3.take_splits_smallest_block",
                          "lab3.give_merges_with_buddies", "lab3.lists_match_mem_map"}, set()),
    "lab3-buddy-or": (3, {"lab3.boot_free_lists_merged", "lab3.give_merges_with_buddies"}, set()),
    "lab5-bulk-no-pcp-flag": (5, {"lab5.alloc_page_pcp", "lab5.drain_and_mem_map"}, set()),
    "lab4-no-watermark": (4, {"lab4.get_free_pages_zone_fallback"}, set()),
    "lab5-no-high": (5, {"lab5.free_page_pcp"}, {"lab5.alloc_page_pcp"}),
}


def direct_runner(argv, *, cwd, timeout, log, stdin=None):
    """A Runner without a sandbox: the command in its own process group,
    killed with the group at @timeout."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.communicate(stdin, timeout=timeout)
            return proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None


def checkout_copy(dest: Path) -> Path:
    """The checkout's files (tracked and new, as git sees them) under @dest."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = REPO / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())
    return dest


def make(tree: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    res = subprocess.run(BUILD, cwd=tree, capture_output=True, text=True, timeout=900, env=env)
    assert res.returncode == 0, f"make failed in {tree}:\n{res.stdout[-3000:]}{res.stderr[-3000:]}"


@pytest.fixture(scope="module")
def full_tree(tmp_path_factory) -> Path:
    tree = checkout_copy(tmp_path_factory.mktemp("full") / "tree")
    make(tree)
    return tree


def mutant_tree(full_tree: Path, dest: Path, name: str) -> Path:
    """A copy of the built full tree with one wrong solution, rebuilt (make
    rebuilds only the file that changed: the copy keeps every mtime)."""
    tree = dest / "tree"
    shutil.copytree(full_tree, tree, symlinks=True)
    path, old, new, helper = MUTANTS[name]
    old, new = old.replace("@", ""), new.replace("@", "")
    helper = tuple(h.replace("@", "") for h in helper) if helper else None
    text = (tree / path).read_text()
    assert text.count(old) == 1, f"{name}: the reference text is not in {path} once"
    text = text.replace(old, new)
    if helper:
        assert text.count(helper[0]) == 1
        text = text.replace(helper[0], helper[1])
    (tree / path).write_text(text)
    os.utime(tree / path, (time.time() + 2, time.time() + 2))
    make(tree)
    return tree


def stubbed_tree(full_tree: Path, dest: Path, lab: int) -> Path:
    """A copy of the built full tree as a student's lab-@lab tree with every
    lab-@lab region solved: the regions of labs after @lab are stubbed as
    `make handout` stubs them (tools/handout.py), the others keep the
    reference. Rebuilt."""
    tree = dest / "tree"
    shutil.copytree(full_tree, tree, symlinks=True)
    later = time.time() + 2
    for path in sorted((tree / "src").rglob("*")):
        style = handout.STYLES.get(path.suffix)
        if style is None or not path.is_file():
            continue
        text = path.read_text()
        regions = handout.parse(str(path), text, style)
        if any(r.lab > lab for r in regions):
            path.write_text(handout.render(text, regions, lab + 1))
            os.utime(path, (later, later))
    make(tree)
    return tree


def grade(tree: Path, scratch: Path, lab: int, seed: int):
    scratch.mkdir(parents=True, exist_ok=True)
    ctx = Context(tree=tree, scratch=scratch, run=direct_runner, rng=random.Random(f"{seed}:{lab}"),
                  logs=scratch / "logs", tools=TOOLS, time_scale=TIME_SCALE)
    start = time.monotonic()
    verdicts = observe_kernel.grade(lab, ctx)
    return verdicts, time.monotonic() - start


def report(verdicts) -> str:
    return "\n".join(f"{'PASS' if v.passed else 'FAIL'} {v.name} ({v.max_score}): {v.output}" for v in verdicts)


def test_shares_and_build_targets():
    assert observe_kernel.SHARES == {1: 50, 2: 60, 3: 50, 4: 50, 5: 40}
    assert all(not os.path.isabs(t) for t in observe_kernel.BUILD_TARGETS)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_full_tree_passes(full_tree, tmp_path, lab, seed, boot_times):
    verdicts, wall = grade(full_tree, tmp_path / "scratch", lab, seed)
    boot_times.add(f"observe-lab{lab}-seed{seed}", wall, "observer", None)
    assert sum(v.max_score for v in verdicts) == observe_kernel.SHARES[lab]
    assert len({v.name for v in verdicts}) == len(verdicts) >= 3
    assert all(v.lab == lab for v in verdicts)
    assert all(v.passed for v in verdicts), report(verdicts)
    assert wall < 60 * TIME_SCALE, f"lab {lab} took {wall:.1f} s"


def test_lab4_with_zone_normal(full_tree, tmp_path, monkeypatch, boot_times):
    """The lab-4 grade that boots a machine with ZONE_NORMAL (one in three)."""
    monkeypatch.setattr(observe_kernel, "NORMAL_ZONE_ODDS", 1.0)
    verdicts, wall = grade(full_tree, tmp_path / "scratch", 4, SEEDS[0])
    boot_times.add("observe-lab4-normal", wall, "observer", None)
    assert all(v.passed for v in verdicts), report(verdicts)
    states = (tmp_path / "scratch" / "out" / "lab4-buddy.states.jsonl").read_text().splitlines()
    zones = json.loads(states[0])["zones"]
    assert zones[2]["name"] == "Normal" and zones[2]["present"] > 0
    assert wall < 60 * TIME_SCALE


@pytest.mark.parametrize("name", list(MUTANTS))
def test_wrong_solution_fails(full_tree, tmp_path, name):
    lab, must_fail, must_pass = EXPECT[name]
    tree = mutant_tree(full_tree, tmp_path, name)
    verdicts, _ = grade(tree, tmp_path / "scratch", lab, SEEDS[0])
    by_name = {v.name: v for v in verdicts}
    assert must_fail | must_pass <= set(by_name)
    for test in must_fail:
        assert not by_name[test].passed, report(verdicts)
        assert "FAILED:" in by_name[test].output
    for test in must_pass:
        assert by_name[test].passed, report(verdicts)


@pytest.mark.parametrize("lab", [1, 2, 3, 4])
def test_handout_with_its_lab_solved_passes(full_tree, tmp_path, lab):
    """What the grader grades: the lab's handout (later labs stubbed) with
    the lab's regions right. Lab 4 there has no per-CPU lists (lab 5's stubs
    send order-0 pages straight to the buddy), and its model knows it."""
    tree = stubbed_tree(full_tree, tmp_path, lab)
    assert observe_kernel.lab5_stubbed(tree)
    verdicts, _ = grade(tree, tmp_path / "scratch", lab, SEEDS[0] + 1)
    assert all(v.passed for v in verdicts), report(verdicts)


def test_agent_refuses_bad_mailboxes(full_tree, tmp_path):
    """Mailbox contents no grader writes: each is refused with a status and
    a console line, nothing is called, and the agent serves on."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ctx = Context(tree=full_tree, scratch=scratch, run=direct_runner, rng=random.Random(0),
                  logs=scratch / "logs", tools=TOOLS, time_scale=TIME_SCALE)
    bad = [[99, 0, 0], [1, 7, 0], [1, 1, 11], [2, 3, 1], [2, 1 << 40, 0], [2, 0, 0], [3, 9, 0], [3, 0, 11],
           [4, 4, 0], [5, 1 << 40, 0], [6, 77, 0], [7, 1 << 40, 0], [14, 0, 12], [15, 3, 8], [0x7FFFFFFF, 5, 5]]
    plan = [["raw", *b] for b in bad] + [["va", 0x1000]]
    o = observe_kernel.observe(ctx, 2, "mailbox", 128, plan=plan, deadline=30)
    ops = o.all("op")
    assert o.end == "quit", o.end
    assert [e["status"] for e in ops] == [1] + [2] * (len(bad) - 2) + [1, 0]
    assert ops[-1]["result"] == observe_kernel.PAGE_OFFSET + 0x1000
    serial = (scratch / "out" / "lab2-mailbox.serial.log").read_text(errors="replace")
    assert "grade_agent: op 99 refused: unknown operation" in serial
    assert "grade_agent: op 2 refused: give: not a block in use" in serial


def test_never_booted_fails_every_verdict(tmp_path):
    """An ISO that is not a kernel at all: every verdict fails and says the
    checkpoint was never reached."""
    tree = tmp_path / "tree"
    (tree / "build").mkdir(parents=True)
    (tree / "build" / "kernel.elf").write_bytes(b"not an ELF")
    (tree / "build" / "pagewise-observe.iso").write_bytes(b"not an ISO")
    verdicts, wall = grade(tree, tmp_path / "scratch", 1, 1)
    assert verdicts and not any(v.passed for v in verdicts)
    assert all("FAILED:" in v.output for v in verdicts)
    assert wall < 60 * TIME_SCALE
