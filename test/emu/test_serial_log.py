"""test_serial_log.py - the log parser and the checks on made-up logs (no
emulator): a good boot passes, and each kind of damage is caught."""

from __future__ import annotations

import boot_checks as checks
from serial_log import (
    MapEntry,
    SerialLog,
    clean_lines,
    highest_usable_pfn,
    merge,
    parse_ktap,
    subtract,
    usable_pages,
)

GOOD = (
    "\x1b[H\x1b[J\x1b[1;1H  Booting `Pagewise'\r\n\r\n"
    "\rPagewise 0.1: a teaching kernel for x86_64 physical memory\r\n"
    "Command line: selftest poweroff\r\n"
    "cpu: AuthenticAMD, NX yes, 1 GiB pages no, global pages yes\r\n"
    "BIOS-provided physical RAM map (multiboot2):\r\n"
    "mmap: [mem 0x0000000000000000-0x000000000009fbff] usable\r\n"
    "mmap: [mem 0x000000000009fc00-0x000000000009ffff] reserved\r\n"
    "mmap: [mem 0x00000000000f0000-0x00000000000fffff] reserved\r\n"
    "mmap: [mem 0x0000000000100000-0x0000000007fdffff] usable\r\n"
    "mmap: [mem 0x0000000007fe0000-0x0000000007ffffff] reserved\r\n"
    "mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n"
    "paging: direct map of the RAM in [mem 0x0000000000000000-0x0000000007fdffff] at 0xffff888000000000:"
    " 0 x 1G, 62 x 2M, 992 x 4K pages\r\n"
    "mm: mem_map at [mem 0x0000000007ed1000-0x0000000007fd0fff]: 32736 pages x 32 bytes\r\n"
    "Memory: 128728K/130556K available (20K kernel code, 8K rwdata, 12K rodata, 0K init, 28K bss,"
    " 1828K reserved)\r\n"
    "MemTotal:         128728 kB\r\n"
    "MemFree:          128728 kB\r\n"
    "Node 0, zone   Normal      4      1      2      1      2      0      2      2      0      2     30 \r\n"
    "mm: mem_map: 32736 struct pages x 32 bytes = 1023 KiB (32 bytes per 4 KiB page, 0.78% overhead)\r\n"
    "KTAP version 1\r\n"
    "# pagewise_selftest: seed 0x40e325fb\r\n"
    "1..3\r\n"
    "ok 1 buddy_state_recorded\r\n"
    "# the next 8 reports are expected\r\n"
    + "".join(f"buddy: BUG: Bad page state: pfn:0x136 report {i}\r\n" for i in range(8))
    + "ok 2 bad_frees_are_refused\r\n"
    "ok 3 counters_restored\r\n"
    "# pagewise_selftest: pass:3 fail:0 skip:0 total:3\r\n"
    "# Totals: pass:3 fail:0 skip:0 total:3\r\n"
    "selftest: all passed\r\n"
    "reboot: Power down\r\n"
)


def problems(text: str) -> list[str]:
    return checks.check_clean_boot(SerialLog.parse(text))


def test_good_log_passes():
    log = SerialLog.parse(GOOD.encode())
    assert log.kernel[0].startswith("Pagewise 0.1")
    assert log.boot_loader[0].strip() == "Booting `Pagewise'"
    assert usable_pages(log.mmap) * 4 == log.memory.total_k == 130556
    assert log.buddyinfo.free_kb == 128728
    assert problems(GOOD) == []


def test_clean_lines_drops_escapes_and_carriage_returns():
    assert clean_lines(b"\x1b[0m\x1b[30m\x1b[47mWelcome\r\n\rX\r\n") == ["Welcome", "X", ""]


def test_old_direct_map_wording_parses():
    text = GOOD.replace("direct map of the RAM in [mem", "direct map [mem")
    assert SerialLog.parse(text).direct_map.pages_2m == 62


def test_usable_pages_trims_partial_pages_and_drops_firmware_pages():
    entries = [
        MapEntry(0x0, 0x9fc00, "usable"),  # 159 whole pages (0x9f000 is cut)
        MapEntry(0x100800, 0x200000, "usable"),  # from 0x101000: 255 pages
        MapEntry(0x1ff000, 0x1ff001, "ACPI NVS"),  # touches page 0x1ff: -1
        MapEntry(0x180000, 0x190000, "usable"),  # inside the one above: counted once
    ]
    assert usable_pages(entries) == 159 + 255 - 1
    assert highest_usable_pfn(entries) == 0x1ff  # the top page was cut out


def test_range_helpers():
    assert merge([(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)]) == [(1, 4), (5, 9)]
    assert subtract([(0, 10)], [(2, 3), (5, 20)]) == [(0, 2), (3, 5)]


def test_wrong_total_is_caught():
    bad = GOOD.replace("128728K/130556K", "128728K/130560K").replace("1828K reserved", "1832K reserved")
    assert any("Memory line total 130560K" in p for p in problems(bad))


def test_memtotal_memfree_buddyinfo_mismatches_are_caught():
    bad = GOOD.replace("MemTotal:         128728", "MemTotal:         128724")
    assert any("MemTotal 128724" in p for p in problems(bad))
    bad = GOOD.replace("     2     30 \r\n", "     2     31 \r\n")
    assert any("buddyinfo" in p for p in problems(bad))


def test_mem_map_count_is_checked():
    bad = GOOD.replace("mm: mem_map: 32736 struct pages", "mm: mem_map: 32768 struct pages")
    assert any("highest usable pfn" in p for p in problems(bad))


def test_ktap_numbering_problems():
    def doc(body):
        return parse_ktap(clean_lines("KTAP version 1\n" + body))

    assert doc("1..2\nok 1 a\nok 2 b\n# Totals: pass:2 fail:0 skip:0 total:2\n").problems() == []
    assert any("never reported" in p for p in doc("1..3\nok 1 a\nok 3 c\n# Totals: pass:2 fail:0 skip:0 total:2\n")
               .problems())
    assert any("twice" in p for p in doc("1..2\nok 1 a\nok 1 a\n# Totals: pass:2 fail:0 skip:0 total:2\n")
               .problems())
    assert any("where 1 was due" in p for p in doc("1..2\nok 2 b\nok 1 a\n# Totals: pass:2 fail:0 skip:0 total:2\n")
               .problems())
    assert any("no '# Totals:'" in p for p in doc("1..1\nok 1 a\n").problems())
    assert any("Totals says fail:0" in p for p in doc("1..1\nnot ok 1 a\n# Totals: pass:1 fail:0 skip:0 total:1\n")
               .problems())
    skipped = doc("1..1\nok 1 a # SKIP no memory\n# Totals: pass:0 fail:0 skip:1 total:1\n")
    assert skipped.problems() == [] and skipped.results[0].skipped


def test_failed_case_and_stray_bug_and_panic_are_caught():
    assert any("not ok 3" in p for p in problems(GOOD.replace("ok 3 counters_restored", "not ok 3 counters_restored")
                                                 .replace("pass:3 fail:0", "pass:2 fail:1")))
    stray = GOOD.replace("ok 1 buddy_state_recorded\r\n", "ok 1 buddy_state_recorded\r\nbuddy: BUG: early\r\n")
    assert any("outside the announced window" in p for p in problems(stray))
    panic = GOOD.replace("reboot: Power down", "Kernel panic - not syncing: x\r\nreboot: Power down")
    assert any("Kernel panic" in p for p in problems(panic))


def test_power_down_must_be_last():
    assert any("last kernel line" in p for p in problems(GOOD + "reboot: power-off failed; System halted\r\n"))
    assert any("last kernel line" in p for p in problems(GOOD.replace("reboot: Power down\r\n", "")))


def test_ram_above_4g_and_hole_checks():
    high = SerialLog.parse(GOOD.replace(
        "mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n",
        "mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n"
        "mmap: [mem 0x0000000100000000-0x000000017fffffff] usable\r\n"))
    assert any("direct map ends" in p for p in checks.check_ram_above_4g(high))
    assert checks.check_ram_above_4g(SerialLog.parse(GOOD))[0].startswith("the map has no usable RAM above")
    assert any("usable pages in the cut" in p for p in checks.check_hole(SerialLog.parse(GOOD), 0x2000000, 0x3000000))
