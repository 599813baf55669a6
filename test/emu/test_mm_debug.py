"""test_mm_debug.py - the allocator's debug policies on a real boot (QEMU):
mm_debug=verify and page_poison=1 run the whole self-test clean, with the
use-after-free case caught; mm_debug=panic stops at the first bad-page
report with the report complete, then powers off."""

from __future__ import annotations

import re

from emulators import build_iso_variant, run_qemu
from serial_log import SerialLog

QEMU_EXIT_POWER_DOWN = 33  # isa-debug-exit: (0x10 << 1) | 1
REPORT_START = "------------[ cut here ]------------"
REPORT_END = "---[ end Bad page report ]---"


def _boot(artifacts, tmp_path, emu_logs, cmdline: str, mem: str = "32M", timeout: float = 120):
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path, cmdline, [])
    run = run_qemu("mm-debug", iso, mem, tmp_path, timeout)
    emu_logs.add(run.serial_log, *run.other_logs)
    assert not run.timed_out, f"no power-off within {timeout} s"
    return run, SerialLog.parse(run.serial_bytes())


def _report_blocks(lines: list[str]) -> list[list[str]]:
    """Each bad-page report, from its cut line to its end line."""
    blocks, cur = [], None
    for line in lines:
        if line == REPORT_START:
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line == REPORT_END:
                blocks.append(cur)
                cur = None
    return blocks


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
    assert not [l for l in lines if "buddy_verify" in l], "buddy_verify reported a problem"
    assert "selftest: all passed" in lines
    assert run.returncode == QEMU_EXIT_POWER_DOWN


def test_mm_debug_panic_stops_at_the_first_report(artifacts, tmp_path, emu_logs):
    run, log = _boot(artifacts, tmp_path, emu_logs, "selftest mm_debug=panic poweroff")
    lines = log.kernel
    assert "mm: debug policies: panic" in lines
    blocks = _report_blocks(lines)
    assert len(blocks) == 1, f"{len(blocks)} complete reports, expected exactly the first one"
    block = blocks[0]
    assert block[1].startswith("BUG: Bad page state: double free"), block
    assert any(l.startswith("caller: ") for l in block), block
    assert any(l.startswith("page:") and " pfn:0x" in l for l in block), block
    # the panic follows the report at once, and the self-test goes no further
    end = lines.index(REPORT_END)
    assert lines[end + 1].startswith("Kernel panic - not syncing: mm_debug=panic"), lines[end:end + 3]
    assert not any(l.startswith("ok ") and "bad_double_free_whole_block" in l for l in lines)
    assert "selftest: all passed" not in lines
    assert "reboot: Power down" in lines[end:]
    assert run.returncode == QEMU_EXIT_POWER_DOWN
