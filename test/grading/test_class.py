"""test_class.py - tools/grade --class: a directory of submissions in (a
tarball, a git repository, a plain tree, and a file that is not a
submission), a report and Gradescope JSON per student and one grades.csv out,
graded two at a time."""

import csv
import json
import subprocess
import tarfile
from pathlib import Path

import submission
from conftest import UNSAFE

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "grade" / "fixtures"


def test_a_class_directory_gives_reports_json_and_a_csv(workdir):
    subs = workdir / "submissions"
    subs.mkdir()
    ref = workdir / "ref.regions"
    ref.write_text("lab = 3\n")
    # alice: the reference, as a tarball with one top directory
    submission.materialize_fixture(ROOT, ref, workdir / "alice")
    with tarfile.open(subs / "alice.tar.gz", "w:gz") as t:
        t.add(workdir / "alice", arcname="handout-lab3")
    # bob: a wrong buddy formula, as a git repository
    submission.materialize_fixture(ROOT, FIXTURES / "lab3-buddy-plus.regions", subs / "bob")
    git = ["git", "-C", str(subs / "bob"), "-c", "user.name=bob", "-c", "user.email=bob@localhost"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "lab 3"], check=True)
    # carol: the forgery, as a plain tree
    submission.materialize_fixture(ROOT, FIXTURES / "forged-output.regions", subs / "carol")
    # dave: not a submission (a "tarball" that is not one)
    (subs / "dave.tar.gz").write_bytes(b"this is not a tarball\n" * 50)
    out = workdir / "marks"
    cmd = [str(ROOT / "tools" / "grade"), "--class", str(subs), "3", "--out", str(out), "-j", "2",
           "--seed", "5"] + (["--unsafe-no-sandbox"] if UNSAFE else [])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    print(done.stdout[-3000:], done.stderr[-3000:])
    assert done.returncode == 1  # dave could not be graded
    with open(out / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["alice", "bob", "carol", "dave"]
    assert rows["alice"]["score"] == "100" and rows["alice"]["error"] == ""
    assert int(rows["bob"]["score"]) <= 20 and int(rows["carol"]["score"]) <= 20
    assert int(rows["carol"]["outside_changes"]) == 2 and int(rows["carol"]["flags"]) > 0
    assert rows["dave"]["score"] == "0" and rows["dave"]["error"]
    assert all(r["seed"] == "5" for r in rows.values())
    for name, row in rows.items():
        result = json.loads((out / name / "results.json").read_text())
        assert result["score"] == int(row["score"])
        assert (out / name / "report.txt").read_text().startswith("Lab 3")
    tests = json.loads((out / "alice" / "results.json").read_text())["tests"]
    assert sum(t["max_score"] for t in tests) == 100
