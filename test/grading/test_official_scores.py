"""test_fixtures.py - the instructor's grader (tools/grade --submission) on
submissions we wrote: the reference solution of every lab earns 100/100,
and every negative fixture of test/grade/fixtures/ (a plausible wrong
solution, or a forgery of the feedback grader's output) earns at most
MAX_WRONG. Each is graded as a student's tree would be: materialized as the
lab's handout with its regions filled, then read, spliced, built and run in
the sandbox, with a seed drawn for this run (printed on failure)."""

import os
import secrets
from pathlib import Path

import pytest

import grade_submission
import submission

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "grade" / "fixtures"
MAX_WRONG = 20
from conftest import UNSAFE  # noqa: E402


def fixture_paths() -> list[Path]:
    return sorted(FIXTURES.glob("*.regions"))


@pytest.fixture(scope="session")
def base_cache() -> Path:
    """One built plain handout per lab, shared by every grading of the run
    and by pytest-xdist's workers (grade_submission.built_base() locks it),
    and reused by the next run while the handout is the same."""
    return ROOT / "build" / "test-grading" / "base"


def grade(src: Path, lab: int, work: Path, base_cache: Path) -> grade_submission.Outcome:
    seed = int(os.environ.get("PAGEWISE_GRADE_SEED") or secrets.randbits(63))
    out = grade_submission.grade_one(src, lab, work, seed=seed, unsafe=UNSAFE, jobs=1,
                                     base_cache=base_cache, say=lambda *a: None)
    print("\n".join(grade_submission.render(out)))
    return out


@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_reference_solution_scores_full_marks(lab, workdir, base_cache):
    """The instructor's own solution, handed in as a student would (the
    lab's handout with its regions filled), earns every point."""
    sub = workdir / "submission"
    reference = workdir / "reference.regions"
    reference.write_text(f"# the reference solution\nlab = {lab}\n")
    assert submission.materialize_fixture(ROOT, reference, sub) == lab
    out = grade(sub, lab, workdir / "work", base_cache)
    assert not out.error, out.error
    failed = [f"{v.name}: {v.output}" for v in out.verdicts if not v.passed]
    assert out.score == 100, f"seed {out.seed}: " + "\n".join(failed)
    assert not out.changes, out.changes  # a materialized reference changes nothing outside


@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_an_untouched_handout_scores_nothing(lab, workdir, base_cache):
    """The lab's handout as it was handed out, nothing written: no test
    may pass for code that does nothing (an empty allocator, empty lists
    that are trivially consistent, a boot that never gets there)."""
    from handout import make_handout, write_tree
    sub = workdir / "submission"
    write_tree(sub, make_handout(ROOT, lab).files)
    out = grade(sub, lab, workdir / "work", base_cache)
    assert not out.error, out.error
    passed = [f"{v.name} ({v.max_score})" for v in out.verdicts if v.passed]
    assert out.score == 0, f"seed {out.seed}: the untouched handout earned {out.score}: {passed}"


@pytest.mark.parametrize("fixture", fixture_paths(), ids=lambda p: p.stem)
def test_wrong_solution_scores_at_most_20(fixture, workdir, base_cache):
    """A plausible wrong solution (or a forgery) earns at most MAX_WRONG."""
    sub = workdir / "submission"
    lab = submission.materialize_fixture(ROOT, fixture, sub)
    out = grade(sub, lab, workdir / "work", base_cache)
    assert not out.error, out.error
    passed = [f"{v.name} ({v.max_score})" for v in out.verdicts if v.passed]
    assert out.score <= MAX_WRONG, f"seed {out.seed}: {fixture.name} earned {out.score}: {passed}"
    assert any(not v.passed for v in out.verdicts)


def test_there_are_fixtures_for_every_lab():
    """At least two wrong solutions per lab, lab 3's four named ones, and
    the forgery."""
    labs: dict[int, list[str]] = {}
    for p in fixture_paths():
        lab = submission.parse_fixture(p.read_text(), p.name).lab
        labs.setdefault(lab, []).append(p.stem)
    for lab in range(1, 6):
        assert len(labs.get(lab, [])) >= 2, f"lab {lab}: {labs.get(lab)}"
    names = {p.stem for p in fixture_paths()}
    assert "forged-output" in names
