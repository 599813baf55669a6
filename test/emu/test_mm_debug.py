"""test_mm_debug.py - the allocator's debug policies on a real boot (QEMU):
mm_debug=verify and page_poison=1 run the whole self-test clean, with the
use-after-free case caught; mm_debug=panic stops at the first bad-page
report with the report complete, then powers off."""

from __future__ import annotations

import re

from emulators import build_iso_variant, run_qemu
from serial_log import REPORT_END, SerialLog, parse_reports

QEMU_EXIT_POWER_DOWN = 33  # isa-debug-exit: (0x10 << 1) | 1


def _boot(artifacts, tmp_path, emu_logs, cmdline: str, mem: str = "32M", timeout: float = 120):
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path, cmdline, [])
    run = run_qemu("mm-debug", iso, mem, tmp_path, timeout)
    emu_logs.add(run.serial_log, *run.other_logs)
    assert not run.timed_out, f"no power-off within {timeout} s"
    return run, SerialLog.parse(run.serial_bytes())


def test_verify_and_poison_run_the_selftest_clean(artifacts, tmp_path, emu_logs):
    run, log = _boot(artifacts, tmp_path, emu_logs, "selftest mm_debug=verify page_poison=1 poweroff")
    lines = log.kernel
    assert "mm: debug policies: verify page_poison" in lines
    assert log.ktap is not None, "no KTAP document"
    assert not log.ktap.problems(), log.ktap.problems()
    results = {r.name: r for r in log.ktap.results}
    assert not [r.name for r in log.ktap.results if r.skipped], "a case skipped under page_poison=1"
    assert all(r.ok for r in log.ktap.results)
    # the use-after-free case was caught: exactly one poison report, in its case
    poison = [l for l in lines if "use after free: poison overwritten" in l]
    assert len(poison) == 1, poison
    assert re.search(r"in pfn 0x[0-9a-f]+ at offset 0x123 \(1 bytes differ\): found 0x42, expected 0xaa",
                     poison[0]), poison[0]
    assert "bad_use_after_free_poison" in results
    reports, stray = parse_reports(lines)
    assert not stray, stray
    assert not [p for r in reports for p in r.problems], [p for r in reports for p in r.problems]
    assert [r.bug for r in reports].count(poison[0]) == 1
    assert not [l for l in lines if "buddy_verify" in l], "buddy_verify reported a problem"
    assert "selftest: all passed" in lines
    assert run.returncode == QEMU_EXIT_POWER_DOWN


def test_mm_debug_panic_stops_at_the_first_report(artifacts, tmp_path, emu_logs):
    run, log = _boot(artifacts, tmp_path, emu_logs, "selftest mm_debug=panic poweroff")
    lines = log.kernel
    assert "mm: debug policies: panic" in lines
    reports, stray = parse_reports(lines)
    assert len(reports) == 1, f"{len(reports)} reports, expected exactly the first one"
    report = reports[0]
    assert not report.problems and not stray, (report.problems, stray)
    assert report.bug.startswith("BUG: Bad page state: double free"), report.lines
    assert any(l.startswith("caller: bad_double_free_whole_block+0x") for l in report.lines), report.lines
    assert any(l.startswith("page:") and " pfn:0x" in l for l in report.lines), report.lines
    # the panic follows the report at once, and the self-test goes no further
    end = lines.index(REPORT_END)
    assert lines[end + 1].startswith("Kernel panic - not syncing: mm_debug=panic"), lines[end:end + 3]
    assert not any(l.startswith("ok ") and "bad_double_free_whole_block" in l for l in lines)
    assert "selftest: all passed" not in lines
    assert "reboot: Power down" in lines[end:]
    assert run.returncode == QEMU_EXIT_POWER_DOWN
