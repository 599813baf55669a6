"""conftest.py - make tools/ importable for the grader's CI (make test-grading)."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import sandbox  # noqa: E402

# A machine that cannot sandbox at all (no user namespaces: a Docker
# container with the default seccomp profile) still grades every fixture,
# through --unsafe-no-sandbox's limits-only runner, so the scores are
# tested everywhere; the escape test then skips, saying why.
# PAGEWISE_GRADE_UNSAFE=1 forces that runner (the escape test's control).
NO_SANDBOX = sandbox.machine_problem()
UNSAFE = os.environ.get("PAGEWISE_GRADE_UNSAFE") == "1" or NO_SANDBOX is not None


@pytest.fixture
def workdir() -> Path:
    """A fresh directory for one grading, under build/test-grading/: every
    parent is searchable by the sandbox's unprivileged user (pytest's own
    tmp_path lies under a 0700 directory). Removed after the test."""
    import shutil
    top = ROOT / "build" / "test-grading"
    top.mkdir(parents=True, exist_ok=True)
    os.chmod(top, 0o755)
    d = Path(tempfile.mkdtemp(prefix="run-", dir=top))
    os.chmod(d, 0o711)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def pytest_report_header(config):
    return (f"grading: no sandbox on this machine, graded with limits only ({NO_SANDBOX})"
            if NO_SANDBOX else "grading: in the bubblewrap sandbox")
