"""conftest.py - make tools/ importable for the grader's CI (make test-grading)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))


import os
import tempfile

import pytest


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
