"""conftest.py - fixtures for the emulator boot tests: a snapshot of the built
ISO and kernel, the logs to show when a test fails, and the boot-time table
printed at the end of the run."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# serial_log.py and emulators.py live in tools/, shared with the tools.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from emulators import REPO  # noqa: E402

LOGS = pytest.StashKey[list]()
TIMES = pytest.StashKey[list]()
TAIL_LINES = 40
_CONFIG: dict = {}  # the pytest config, for the report hook


@dataclass(frozen=True)
class Artifacts:
    dir: Path
    iso: Path  # the "selftest poweroff" ISO
    kernel_elf: Path
    kernel_sym: Path
    grub_cfg: Path

    def symbol(self, name: str) -> int:
        """@name's address in kernel.sym ("hexaddr name" lines); KeyError
        if it has none."""
        for line in self.kernel_sym.read_text().splitlines():
            addr, sym_name = line.split()
            if sym_name == name:
                return int(addr, 16)
        raise KeyError(name)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Artifacts:
    """A copy of what `make build/pagewise-test.iso` made, taken once: a build
    started meanwhile (by hand, or another make) cannot change it mid-run."""
    build = REPO / "build"
    iso, elf, sym = build / "pagewise-test.iso", build / "kernel.elf", build / "kernel.sym"
    for path in (iso, elf, sym):
        if not path.exists():
            pytest.fail(f"{path} is missing: run `make test-emu` (or `make {iso.relative_to(REPO)}`)")
    if elf.stat().st_mtime > iso.stat().st_mtime + 1:
        warnings.warn(f"{elf} is newer than {iso}: the ISO may hold an older kernel")
    snap = tmp_path_factory.mktemp("artifacts")
    for path in (iso, elf, sym, REPO / "grub.cfg"):
        shutil.copy2(path, snap / path.name)
    return Artifacts(snap, snap / iso.name, snap / elf.name, snap / sym.name, snap / "grub.cfg")


@pytest.fixture(scope="session")
def debug_kernel(tmp_path_factory) -> Path:
    """make DEBUG=1's kernel (docs/stepping.md), brought up to date now: make
    rebuilds what changed, in build/debug/ only, under a lock, so that two
    pytest -n 2 workers never build it at once. Then a copy, with its
    kernel.sym beside it, as for `artifacts`."""
    build = REPO / "build" / "debug"
    elf = build / "kernel.elf"
    build.mkdir(parents=True, exist_ok=True)
    with open(build / ".pytest-make.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        res = subprocess.run(["make", "--no-print-directory", "DEBUG=1", str(elf.relative_to(REPO))], cwd=REPO,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900, env=env)
        if res.returncode != 0:
            pytest.fail(f"make DEBUG=1 failed ({res.returncode}):\n{res.stdout}{res.stderr}")
        snap = tmp_path_factory.mktemp("debug-kernel")
        for name in ("kernel.elf", "kernel.sym"):
            shutil.copy2(build / name, snap / name)
    return snap / "kernel.elf"


class LogRegistry:
    """Logs a test wants shown (path and tail) if it fails."""

    def __init__(self, item):
        self.item = item
        item.stash[LOGS] = []

    def add(self, *paths: Path) -> None:
        self.item.stash[LOGS].extend(Path(p) for p in paths)


@pytest.fixture
def emu_logs(request) -> LogRegistry:
    return LogRegistry(request.node)


class BootTimes:
    """One line per boot in the table at the end of the run. The figures
    travel as the test report's user properties, so the table also works
    under pytest-xdist (-n 2), where the boots run in worker processes."""

    def __init__(self, config, node, record_property):
        self.config, self.node, self.record_property = config, node, record_property

    def add(self, name: str, wall: float, ending: str, memtotal_kb: int | None) -> None:
        self.record_property("boot", (name, round(wall, 2), ending, memtotal_kb))
        self.record_property("boot_seconds", round(wall, 2))
        self.record_property("MemTotal_kB", memtotal_kb)
        # Shown with -s, and in the summary table at the end in any case.
        mt = f"MemTotal {memtotal_kb} kB" if memtotal_kb is not None else "no MemTotal"
        print(f"boot {name}: {wall:.2f} s, {ending}, {mt}")


@pytest.fixture
def boot_times(request, record_property) -> BootTimes:
    return BootTimes(request.config, request.node, record_property)


def pytest_configure(config):
    config.stash[TIMES] = []
    _CONFIG["config"] = config


def pytest_runtest_logreport(report):
    """Collect the boots of each finished test (in the controller under xdist)."""
    if report.when != "call":
        return
    config = _CONFIG.get("config")
    if config is None:
        return
    for key, value in report.user_properties:
        if key == "boot":
            name, wall, ending, memtotal = value
            config.stash[TIMES].append((name, wall, ending, memtotal, report.nodeid))


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return "(no such file)"
    lines = data.replace("\r", "").splitlines()
    head = f"(last {TAIL_LINES} of {len(lines)} lines)\n" if len(lines) > TAIL_LINES else ""
    return head + "\n".join(lines[-TAIL_LINES:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for path in item.stash.get(LOGS, []):
            report.sections.append((f"log kept at {path}", _tail(path)))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    times = config.stash.get(TIMES, [])
    if not times:
        return
    tr = terminalreporter
    tr.section("emulator boot times (wall clock)")
    for name, wall, ending, memtotal, _ in sorted(times, key=lambda t: -t[1]):
        mt = f"MemTotal {memtotal:>8} kB" if memtotal is not None else "MemTotal        ? kB"
        tr.write_line(f"{name:<24} {wall:7.2f} s  {mt}  {ending}")
    workers = getattr(config.option, "numprocesses", None)
    tr.write_line(f"{'sum of boots':<24} {sum(t[1] for t in times):7.2f} s"
                  + (f" ({workers} boots at a time: pytest -n {workers})" if workers else ""))
