"""conftest.py - make tools/ importable for the grader's CI (make test-grading)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
