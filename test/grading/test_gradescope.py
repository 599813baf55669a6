"""test_gradescope.py - Gradescope's autograder, tried in a directory laid
out as Gradescope's /autograder: `make gradescope LAB=n`'s zip unpacked in
source/, setup.sh run there, a student's upload in submission/, then
run_autograder writes results/results.json in Gradescope's shape."""

import json
import os
import subprocess
import zipfile
from pathlib import Path

import submission

ROOT = Path(__file__).resolve().parents[2]
LAB = 3


def test_autograder_zip_runs_in_gradescope_layout(workdir):
    tmp_path = workdir
    zpath = tmp_path / "autograder.zip"
    subprocess.run([str(ROOT / "tools" / "grade"), "--gradescope-zip", str(zpath), str(LAB)],
                   check=True, cwd=ROOT)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        assert "setup.sh" in names and "run_autograder" in names and "LAB" in names
        z.extractall(root / "source")
    for info in zipfile.ZipFile(zpath).infolist():  # zipfile drops modes: as Gradescope's unzip keeps them
        mode = info.external_attr >> 16
        if mode & 0o111:
            os.chmod(root / "source" / info.filename, mode & 0o777)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), PAGEWISE_SKIP_DEPS="1")
    subprocess.run(["sh", str(root / "source" / "setup.sh")], check=True, env=env)
    # The student's upload: the lab's handout with the reference solution in
    # its regions, as Gradescope unpacks it into submission/.
    spec = tmp_path / "ref.regions"
    spec.write_text(f"lab = {LAB}\n")
    submission.materialize_fixture(ROOT, spec, root / "submission")
    done = subprocess.run(["sh", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True)
    print(done.stdout[-4000:], done.stderr[-4000:])
    assert done.returncode == 0
    result = json.loads((root / "results" / "results.json").read_text())
    assert result["score"] == 100
    tests = result["tests"]
    assert sum(t["max_score"] for t in tests) == 100
    for t in tests:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    assert [t for t in tests if t["visibility"] == "hidden" and t["max_score"] == 0]
