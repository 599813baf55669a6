"""test_serial_log.py - the log parser and the checks on made-up logs (no
emulator): a good boot passes, and each kind of damage is caught."""

from __future__ import annotations

import math
import struct

import pytest

import boot_checks as checks
from emulators import kernel_image_end
from serial_log import (
    MapEntry,
    Pageset,
    SerialLog,
    ZoneTried,
    clean_lines,
    highest_usable_pfn,
    merge,
    parse_alloc_failures,
    parse_buddyinfo,
    parse_buddyinfo_reports,
    parse_handed_out,
    parse_ktap,
    parse_reports,
    subtract,
    usable_pages,
)


def report(bug: str, caller: str = "caller: free_pages_test+0x1f/0x60", page: bool = True,
           extra: tuple[str, ...] = ()) -> str:
    """One bad-page report block, as the kernel prints it."""
    out = ["------------[ cut here ]------------", bug, *extra, caller]
    if page:
        out += ["page:0xffff888007edb700 pfn:0x138 phys:0x138000 refcount:0 order:2 zone:Normal",
                "flags: 0x2(buddy)"]
    out.append("---[ end Bad page report ]---")
    return "".join(line + "\r\n" for line in out)


# buddyinfo's last line: each populated zone's pages on its per-CPU lists.
FREE_PCP_TAIL = " (free order-0 pages on the per-CPU lists, in no count above; the monitor's pcp shows the lists)"


def free_pcp(dma: int = 0, dma32: int = 0) -> str:
    return f"free_pcp: DMA {dma}, DMA32 {dma32}{FREE_PCP_TAIL}\r\n"


FREE_PCP = free_pcp()

ALLOC_FAILURE = (
    "buddy: page allocation failure: order:0, mode:0x20cc0, zone Normal and below\r\n"
    "caller: oom_at_each_order+0x4f/0x1a0\r\n"
    "buddy:   zone Normal: order 0: empty (free 0 pages, min 0, protection 0, no free block)\r\n"
    "buddy:   zone DMA32: order 0: no free block of this order or above (free 0 pages, min 315, protection 0,"
    " no free block)\r\n"
    "buddy:   zone DMA: order 0: no free block of this order or above (free 0 pages, min 42, protection 110,"
    " no free block)\r\n"
    "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      0 \r\n"
    "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      0 \r\n"
    + FREE_PCP +
    "buddy: free pages: 0 of 32188\r\n"
)
# zone_dma_exhausted: GFP_DMA with ZONE_DMA emptied
DMA_FAILURE = (
    "buddy: page allocation failure: order:0, mode:0xcc1, zone DMA\r\n"
    "caller: zone_dma_exhausted.part.0+0xb1/0x290\r\n"
    "buddy:   zone DMA: order 0: no free block of this order or above (free 0 pages, min 42, protection 0,"
    " no free block)\r\n"
    "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      0 \r\n"
    "Node 0, zone    DMA32      1      0      0      1      1      0      1      1      0      1     27 \r\n"
    + FREE_PCP +
    "buddy: free pages: 28377 of 32188\r\n"
)

# The zones of GOOD: DMA [0, 16 MiB) holds pfns 0..0x9e and 0x100..0xfff of
# RAM (3999 pages), 3811 of them free (0x11b..0x13e, 0x141..0xfff); DMA32
# from 16 MiB to max_pfn 0x7fe0 (28640 pages, all RAM), 28377 free
# (0x1000..0x7ed8); no RAM above 4 GiB. Watermarks as the kernel computes
# them: min_free_kbytes = sqrt(16 * 128752) = 1435, 358 pages shared out
# 3811 : 28377; protection of DMA 28377 / 256 = 110; MemAvailable = 128752 kB
# - 4 * (min(3811, 110 + 62) + 471). Per-CPU lists, empty at boot: DMA batch
# 1 (3811 >> 10 = 3, / 4 = 0, at least 1), high 52 (its low watermark);
# DMA32 batch 7 (28377 >> 10 = 27, / 4 = 6, rounddown_pow_of_two(6 + 3) - 1),
# high 393.
ZONE_RANGES = (
    "Zone ranges:\r\n"
    "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\r\n"
    "  DMA32    [mem 0x0000000001000000-0x0000000007fdffff]\r\n"
    "  Normal   empty\r\n"
)
BUDDYINFO = (
    "Node 0, zone      DMA      3      2      3      2      2      1      0      1      0      1      3 \r\n"
    "Node 0, zone    DMA32      1      0      0      1      1      0      1      1      0      1     27 \r\n"
    + FREE_PCP
)


def pagesets_block(count: int, high: int, batch: int) -> list[str]:
    """A zoneinfo pagesets block for cpu 0, as Linux prints it."""
    return ["  pagesets", "    cpu: 0", f"              count: {count}", f"              high:  {high}",
            f"              batch: {batch}"]


def zoneinfo_block(name: str, free: int, wmarks: tuple[int, int, int, int], spanned: int, present: int,
                   managed: int, protection: tuple[int, int, int], start_pfn: int,
                   pcp: tuple[int, int, int] = (0, 0, 0)) -> str:
    """One zone's zoneinfo block; @pcp: count, high and batch of cpu 0."""
    out = [f"Node 0, zone {name:>8}", f"  pages free     {free}", "        boost    0"]
    out += [f"        {w:<8} {v}" for w, v in zip(("min", "low", "high", "promo"), wmarks)]
    out += [f"        spanned  {spanned}", f"        present  {present}", f"        managed  {managed}",
            f"        reserved {present - managed}", f"        protection: ({', '.join(map(str, protection))})"]
    if managed:
        out += [f"      nr_free_pages {free}", *pagesets_block(*pcp), f"  start_pfn:           {start_pfn}"]
    return "".join(line + "\r\n" for line in out)


ZONEINFO = (
    zoneinfo_block("DMA", 3811, (42, 52, 62, 72), 4096, 3999, 3811, (0, 110, 110), 0, (0, 52, 1))
    + zoneinfo_block("DMA32", 28377, (315, 393, 471, 549), 28640, 28640, 28377, (0, 0, 0), 4096, (0, 393, 7))
    + zoneinfo_block("Normal", 0, (0, 0, 0, 0), 0, 0, 0, (0, 0, 0), 0)
)

# A 128 MiB SeaBIOS boot, cut down: 32639 usable pages (130556K); reserved:
# the first 1 MiB, the kernel image (27 pages), the multiboot2 information
# (2), mem_map (256) and 7 page-table pages, which leaves 32188 pages
# (128752K) to hand out, in two runs around the multiboot2 information.
GOOD = (
    "\x1b[H\x1b[J\x1b[1;1H  Booting `Pagewise'\r\n\r\n"
    "\rPagewise 0.1: a teaching kernel for x86_64 physical memory\r\n"
    "Command line: selftest poweroff\r\n"
    "cpu: AuthenticAMD, NX yes, 1 GiB pages no, global pages yes\r\n"
    "Firmware memory map (multiboot2, 6 entries):\r\n"
    "mmap: [mem 0x0000000000000000-0x000000000009fbff] usable\r\n"
    "mmap: [mem 0x000000000009fc00-0x000000000009ffff] reserved\r\n"
    "mmap: [mem 0x00000000000f0000-0x00000000000fffff] reserved\r\n"
    "mmap: [mem 0x0000000000100000-0x0000000007fdffff] usable\r\n"
    "mmap: [mem 0x0000000007fe0000-0x0000000007ffffff] reserved\r\n"
    "mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n"
    "memblock: reserve [mem 0x0000000000000000-0x00000000000fffff] first 1 MiB (BIOS data, EBDA, VGA, ROMs)\r\n"
    "memblock: reserve [mem 0x0000000000100000-0x000000000011afff] kernel image\r\n"
    "memblock: reserve [mem 0x000000000013f000-0x0000000000140fff] multiboot2 information\r\n"
    "paging: direct map of the RAM in [mem 0x0000000000000000-0x0000000007fdffff] at 0xffff888000000000:"
    " 0 x 1G, 62 x 2M, 992 x 4K pages\r\n"
    "paging: kernel image at 0xffffffff80108000: text RX, init text RX, init data RW NX, rodata R NX,"
    " data+bss RW NX; 7 page-table pages\r\n"
    "mm: mem_map at [mem 0x0000000007ed9000-0x0000000007fd8fff]: 32736 pages x 32 bytes\r\n"
    + ZONE_RANGES
    + "Memory: 128752K/130556K available (20K kernel code, 8K rwdata, 12K rodata, 0K init, 28K bss,"
    " 1804K reserved)\r\n"
    "MemTotal:         128752 kB\r\n"
    "MemFree:          128752 kB\r\n"
    "MemAvailable:     126180 kB\r\n"
    + BUDDYINFO + ZONEINFO
    + "mm: mem_map: 32736 struct pages x 32 bytes = 1023 KiB (32 bytes per 4 KiB page, 0.78% overhead)\r\n"
    "KTAP version 1\r\n"
    "# pagewise_selftest: seed 0x40e325fb\r\n"
    "1..11\r\n"
    "# MemFree before the tests: 128752 kB\r\n"
    "ok 1 buddy_state_recorded\r\n"
    "# took 32188 pages (128752 kB) at order 0\r\n"
    "selftest: handed out [mem 0x000000000011b000-0x000000000013efff]\r\n"
    "selftest: handed out [mem 0x0000000000141000-0x0000000007ed8fff]\r\n"
    "selftest: handed out 32188 pages in 2 ranges\r\n"
    "ok 2 all_free_memory_at_order0\r\n"
    + report("BUG: Bad page state: double free: the block at pfn 0x138 (order 2) is already free")
    + "ok 3 bad_double_free_whole_block\r\n"
    + report("BUG: Bad page call: __free_pages: NULL page, order 0", page=False)
    + report("BUG: Bad page state: use after free: poison overwritten in pfn 0x138",
             extra=("the page was written after it was freed; the caller below is the one allocating it now",))
    + "ok 4 bad_free_outside_mem_map\r\n"
    + ALLOC_FAILURE
    + "ok 5 oom_at_each_order\r\n"
    "ok 6 bad_use_after_free_poison # SKIP page_poison=1 not set\r\n"
    "# GFP_DMA blocks below 16 MiB at 11 orders\r\n"
    "ok 7 zone_dma_below_16m\r\n"
    "ok 8 zone_dma32_below_4g\r\n"
    "ok 9 zone_fallback_order\r\n"
    "ok 10 zone_watermarks\r\n"
    + DMA_FAILURE
    + "ok 11 zone_dma_exhausted\r\n"
    "# pagewise_selftest: pass:10 fail:0 skip:1 total:11\r\n"
    "# Totals: pass:10 fail:0 skip:1 total:11\r\n"
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
    assert log.buddyinfo.free_kb == 128752
    assert [r.what for r in log.reservations] == [
        "first 1 MiB (BIOS data, EBDA, VGA, ROMs)", "kernel image", "multiboot2 information"]
    assert log.reservations[1].start == 0x100000 and log.reservations[1].end == 0x11b000
    assert log.page_table_pages == 7
    assert log.image_rights == "text RX, init text RX, init data RW NX, rodata R NX, data+bss RW NX"
    assert log.handed_out.ranges == [(0x11b000, 0x13f000), (0x141000, 0x7ed9000)]
    assert log.handed_out.pages == log.handed_out.summary[0] == log.handed_out.took == 32188
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
    bad = GOOD.replace("128752K/130556K", "128752K/130560K").replace("1804K reserved", "1808K reserved")
    assert any("Memory line total 130560K" in p for p in problems(bad))


def test_memtotal_memfree_buddyinfo_mismatches_are_caught():
    bad = GOOD.replace("MemTotal:         128752", "MemTotal:         128748")
    assert any("MemTotal 128748" in p for p in problems(bad))
    bad = GOOD.replace("     1     27 \r\n", "     1     28 \r\n")
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
    failed = GOOD.replace("ok 2 all_free_memory", "not ok 2 all_free_memory").replace("pass:10 fail:0", "pass:9 fail:1")
    assert any("not ok 2" in p for p in problems(failed))
    stray = GOOD.replace("ok 1 buddy_state_recorded\r\n", "ok 1 buddy_state_recorded\r\nbuddy: BUG: early\r\n")
    assert any("'BUG:' outside a report block" in p for p in problems(stray))
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
    assert checks.check_no_1g_pages(SerialLog.parse(GOOD)) == []
    gb = SerialLog.parse(GOOD.replace("1 GiB pages no", "1 GiB pages yes"))
    assert any("reports 1 GiB pages" in p for p in checks.check_no_1g_pages(gb))
    assert any("cpu line does not report" in p for p in checks.check_1g_pages(SerialLog.parse(GOOD)))


NX_PARTS = "init data RW NX, rodata R NX, data+bss RW NX"
NO_NX = GOOD.replace("NX yes", "NX no").replace(NX_PARTS, "init data RW, rodata R, data+bss RW").replace(
    "mm: mem_map at", "paging: NX (Execute Disable) missing in this CPU: data, rodata and the direct map are"
    " executable\r\nmm: mem_map at")


def test_nx_checks():
    assert checks.check_nx(SerialLog.parse(GOOD), True) == []
    assert checks.check_nx(SerialLog.parse(NO_NX), False) == []
    assert problems(NO_NX) == []
    # the cpu line and the image line must agree with the CPU
    assert any("cpu line should say NX no" in p for p in checks.check_nx(SerialLog.parse(GOOD), False))
    assert any("cpu line should say NX yes" in p for p in checks.check_nx(SerialLog.parse(NO_NX), True))
    # claiming NX on a CPU without it, or leaving it out on one with it
    claims = NO_NX.replace("init data RW, rodata R, data+bss RW", NX_PARTS)
    assert any("kernel image line says" in p for p in checks.check_nx(SerialLog.parse(claims), False))
    drops = GOOD.replace(NX_PARTS, "init data RW, rodata R, data+bss RW")
    assert any("kernel image line says" in p for p in checks.check_nx(SerialLog.parse(drops), True))
    # the warning only without NX
    silent = NO_NX.replace("paging: NX (Execute Disable) missing", "paging: something else")
    assert any("warning" in p and "missing" in p for p in checks.check_nx(SerialLog.parse(silent), False))
    warns = GOOD.replace("mm: mem_map at", "paging: NX (Execute Disable) missing in this CPU\r\nmm: mem_map at")
    assert any("warning" in p and "printed" in p for p in checks.check_nx(SerialLog.parse(warns), True))



# --- the handed-out ranges -----------------------------------------------------

HANDED_1 = "selftest: handed out [mem 0x000000000011b000-0x000000000013efff]\r\n"
HANDED_2 = "selftest: handed out [mem 0x0000000000141000-0x0000000007ed8fff]\r\n"


def handed_problems(text: str, holes=()) -> list[str]:
    return checks.check_handed_out(SerialLog.parse(text), holes)


def test_parse_handed_out():
    h = parse_handed_out(clean_lines(
        "# MemFree before the tests: 16 kB\n# took 4 pages (16 kB) at order 0\n"
        "selftest: handed out [mem 0x0000000000200000-0x0000000000201fff]\n"
        "selftest: handed out [mem 0x0000000000300000-0x0000000000301fff]\n"
        "selftest: handed out 4 pages in 2 ranges\n"))
    assert h.ranges == [(0x200000, 0x202000), (0x300000, 0x302000)]
    assert (h.pages, h.summary, h.took, h.memfree_before_kb) == (4, (4, 2), 4, 16)
    assert parse_handed_out(["nothing here"]).ranges == []


def test_missing_handed_out_lines_fail():
    bare = GOOD.replace(HANDED_1, "").replace(HANDED_2, "")
    assert any("no 'selftest: handed out [mem" in p for p in handed_problems(bare))


def test_handed_out_in_a_cutmem_hole_fails():
    # a hole the map does not show (GRUB's cutmem removes it), but the test knows
    assert handed_problems(GOOD) == []
    found = handed_problems(GOOD, holes=[(0x2000000, 0x3000000)])
    assert any("overlaps the hole [0x2000000-0x2ffffff]" in p for p in found)


def test_handed_out_over_the_kernel_image_or_low_memory_fails():
    bad = GOOD.replace("[mem 0x000000000011b000-0x000000000013efff]", "[mem 0x000000000011a000-0x000000000013efff]")
    assert any("overlaps the reservation 'kernel image'" in p for p in handed_problems(bad))
    low = GOOD.replace(HANDED_1, "selftest: handed out [mem 0x0000000000001000-0x0000000000001fff]\r\n" + HANDED_1)
    found = handed_problems(low)
    assert any("overlaps the first 1 MiB" in p for p in found)
    assert any("summary says 2 ranges, 3 were printed" in p for p in found)


def test_handed_out_over_mem_map_or_multiboot_info_fails():
    bad = GOOD.replace("0x0000000007ed8fff]", "0x0000000007ed9fff]")
    assert any("overlaps the mem_map" in p for p in handed_problems(bad))
    bad = GOOD.replace(HANDED_1 + HANDED_2, "selftest: handed out [mem 0x000000000011b000-0x0000000007ed8fff]\r\n")
    assert any("reservation 'multiboot2 information'" in p for p in handed_problems(bad))


def test_handed_out_outside_usable_ram_fails():
    # into the firmware's reserved range at the top of RAM, and past it
    bad = GOOD.replace(HANDED_2, HANDED_2 + "selftest: handed out [mem 0x0000000007fdf000-0x0000000007fe0fff]\r\n")
    found = handed_problems(bad)
    assert any("is not wholly usable RAM of the map: [0x7fe0000-0x7fe0fff]" in p for p in found)
    assert any("overlaps the reserved firmware entry" in p for p in found)


def test_handed_out_counts_must_agree():
    bad = GOOD.replace("handed out 32188 pages in 2 ranges", "handed out 32189 pages in 2 ranges")
    assert any("summary says 32189 pages" in p for p in handed_problems(bad))
    bad = GOOD.replace("# took 32188 pages", "# took 32187 pages")
    assert any("'# took 32187 pages'" in p for p in handed_problems(bad))
    bad = GOOD.replace("# MemFree before the tests: 128752 kB", "# MemFree before the tests: 128756 kB")
    assert any("MemFree before the tests was 128756 kB" in p for p in handed_problems(bad))
    no_sum = GOOD.replace("selftest: handed out 32188 pages in 2 ranges\r\n", "")
    assert any("no 'selftest: handed out N pages" in p for p in handed_problems(no_sum))


def test_a_page_neither_handed_out_nor_reserved_is_caught():
    # one page short at the end of the second run: lost (or reserved unseen)
    lost = (GOOD.replace("0x0000000007ed8fff]", "0x0000000007ed7fff]")
            .replace("32188 pages", "32187 pages").replace("128752 kB", "128748 kB"))
    assert any("8 pages of usable RAM are neither handed out" in p for p in handed_problems(lost))


def test_handed_out_runs_must_be_maximal_and_ordered():
    split = GOOD.replace(HANDED_1, "selftest: handed out [mem 0x000000000011b000-0x000000000011bfff]\r\n"
                                   "selftest: handed out [mem 0x000000000011c000-0x000000000013efff]\r\n")
    assert any("touches the range before it" in p for p in handed_problems(split))
    swapped = GOOD.replace(HANDED_1 + HANDED_2, HANDED_2 + HANDED_1)
    assert any("overlaps or precedes" in p for p in handed_problems(swapped))
    odd = GOOD.replace("0x000000000013efff]", "0x000000000013efef]")
    assert any("not page-aligned" in p for p in handed_problems(odd))


# --- bad-page reports and allocation failures ------------------------------------

def bug_problems(text: str) -> list[str]:
    return checks.check_bug_lines(SerialLog.parse(text))


FIRST_REPORT = report("BUG: Bad page state: double free: the block at pfn 0x138 (order 2) is already free")


def test_parse_reports_finds_complete_blocks():
    reports, stray = parse_reports(SerialLog.parse(GOOD).kernel)
    assert stray == [] and len(reports) == 3
    assert all(r.end is not None and r.problems == [] for r in reports)
    assert reports[0].bug.startswith("BUG: Bad page state: double free")


def test_ktap_case_at_places_lines_in_their_case():
    log = SerialLog.parse(GOOD)
    k = log.kernel
    cut = k.index("------------[ cut here ]------------")
    assert log.ktap.case_at(cut).name == "bad_double_free_whole_block"
    assert log.ktap.case_at(k.index("ok 3 bad_double_free_whole_block")) is None  # a result line itself
    assert log.ktap.case_at(k.index("KTAP version 1") - 1) is None  # before the document
    assert log.ktap.case_at(len(k) - 1) is None  # after the last result


def test_report_without_end_line_fails():
    cut_short = GOOD.replace(FIRST_REPORT, FIRST_REPORT.replace("---[ end Bad page report ]---\r\n", ""))
    assert any("never ends" in p for p in bug_problems(cut_short))
    reports, _ = parse_reports(SerialLog.parse(cut_short).kernel)
    assert reports[0].end is None and len(reports) == 3


def test_report_running_into_the_next_report_fails():
    # the second block starts before the first ended: the first never ended
    merged = GOOD.replace(FIRST_REPORT, FIRST_REPORT.replace("---[ end Bad page report ]---\r\n", "") + FIRST_REPORT)
    found = bug_problems(merged)
    assert sum("never ends" in p for p in found) == 1


def test_report_with_lines_missing_or_out_of_order_fails():
    no_bug = GOOD.replace(FIRST_REPORT, report("Bad page state: double free"))
    assert any("not a 'BUG: ' line" in p for p in bug_problems(no_bug))
    no_caller = GOOD.replace(FIRST_REPORT, FIRST_REPORT.replace("caller: free_pages_test+0x1f/0x60\r\n", ""))
    assert any("has no 'caller:' line" in p for p in bug_problems(no_caller))
    raw = GOOD.replace(FIRST_REPORT, FIRST_REPORT.replace("free_pages_test+0x1f/0x60", "0xffffffff8010b107S"))
    assert any("is not 'caller: symbol+0xOFF/0xSIZE'" in p for p in bug_problems(raw))
    lines = FIRST_REPORT.split("\r\n")
    caller_after_page = "\r\n".join([lines[0], lines[1], lines[3], lines[2], *lines[4:]])
    assert caller_after_page != FIRST_REPORT
    found = bug_problems(GOOD.replace(FIRST_REPORT, caller_after_page))
    assert any("'page:' line is not right after the caller line" in p for p in found)
    two_bugs = GOOD.replace(FIRST_REPORT, report("BUG: one", extra=("BUG: two",)))
    assert any("2 'BUG:' lines" in p for p in bug_problems(two_bugs))


def test_stray_end_line_fails():
    stray = GOOD.replace("ok 1 buddy_state_recorded\r\n", "ok 1 buddy_state_recorded\r\n---[ end Bad page report ]---\r\n")
    assert any("without its" in p for p in bug_problems(stray))


def test_report_outside_a_bad_case_fails():
    in_other = GOOD.replace("ok 2 all_free_memory_at_order0\r\n", FIRST_REPORT + "ok 2 all_free_memory_at_order0\r\n")
    assert any("report in case 2 all_free_memory_at_order0, not a bad_ case" in p for p in bug_problems(in_other))
    before = GOOD.replace("KTAP version 1\r\n", FIRST_REPORT + "KTAP version 1\r\n")
    assert any("report outside every KTAP case" in p for p in bug_problems(before))
    after = GOOD.replace("selftest: all passed\r\n", "selftest: all passed\r\n" + FIRST_REPORT)
    assert any("report outside every KTAP case" in p for p in bug_problems(after))
    in_oom = GOOD.replace("ok 5 oom_at_each_order", FIRST_REPORT.rstrip("\r\n") + "\r\nok 5 oom_at_each_order")
    assert any("not a bad_ case" in p for p in bug_problems(in_oom))


def test_bad_case_without_a_report_fails():
    silent = GOOD.replace(FIRST_REPORT, "")
    assert any("case 3 bad_double_free_whole_block made no bad-page report" in p for p in bug_problems(silent))
    # a skipped bad_ case needs none (ok 6 in GOOD)
    assert bug_problems(GOOD) == []


def test_allocation_failures_only_in_oom_cases():
    assert any("allocation failure in case 3 bad_double_free_whole_block" in p
               for p in bug_problems(GOOD.replace("ok 3 bad_double", ALLOC_FAILURE + "ok 3 bad_double")))
    assert any("allocation failure outside every KTAP case" in p
               for p in bug_problems(GOOD.replace("KTAP version 1\r\n", ALLOC_FAILURE + "KTAP version 1\r\n")))
    quiet = GOOD.replace(ALLOC_FAILURE, "")
    assert any("case 5 oom_at_each_order printed no 'page allocation failure:' warning" in p
               for p in bug_problems(quiet))


def test_only_listed_skips_are_allowed():
    assert checks.check_ktap(SerialLog.parse(GOOD)) == []
    assert any("was skipped" in p for p in checks.check_ktap(SerialLog.parse(GOOD), allowed_skips={}))
    other = GOOD.replace("ok 5 oom_at_each_order", "ok 5 oom_at_each_order # SKIP not enough memory") \
        .replace("pass:10 fail:0 skip:1", "pass:9 fail:0 skip:2")
    assert any("ok 5 oom_at_each_order was skipped" in p for p in checks.check_ktap(SerialLog.parse(other)))


def test_kernel_image_end_reads_the_load_segments(tmp_path):
    """A minimal ELF64: two PT_LOAD segments and a PT_NOTE; the end is the
    highest p_paddr + p_memsz of the loads."""
    phoff, phentsize = 64, 56
    header = bytearray(64)
    header[:5] = b"\x7fELF\x02"
    struct.pack_into("<Q", header, 0x20, phoff)
    struct.pack_into("<HH", header, 0x36, phentsize, 3)
    phdrs = b"".join(struct.pack("<IIQQQQQQ", t, 0, 0, 0, paddr, 0x100, memsz, 0x1000)
                     for t, paddr, memsz in ((1, 0x100000, 0x8000), (1, 0x108000, 0x12345), (4, 0x900000, 0x10)))
    elf = tmp_path / "k.elf"
    elf.write_bytes(bytes(header) + phdrs)
    assert kernel_image_end(elf) == 0x108000 + 0x12345


# --- boot memory freed after boot (free_boot_memory()) -------------------------

# GOOD after the free: the init region (2 pages inside the kernel image), the
# boot stub (8 pages, its own reservation) and the multiboot2 information
# (2 pages) are free again and handed out too: 32188 + 12 = 32200 pages.
FREED_LINES = (
    "Freeing unused kernel image (initmem) memory: 8K\r\n"
    "mm: freed [mem 0x0000000000111000-0x0000000000112fff] unused kernel image (initmem): 2 pages\r\n"
    "Freeing boot stub and page tables memory: 32K\r\n"
    "mm: freed [mem 0x0000000000100000-0x0000000000107fff] boot stub and page tables: 8 pages\r\n"
    "Freeing multiboot2 information memory: 8K\r\n"
    "mm: freed [mem 0x000000000013f000-0x0000000000140fff] multiboot2 information: 2 pages\r\n"
)
HANDED_FREED = (
    "selftest: handed out [mem 0x0000000000100000-0x0000000000107fff]\r\n"
    "selftest: handed out [mem 0x0000000000111000-0x0000000000112fff]\r\n"
    "selftest: handed out [mem 0x000000000011b000-0x0000000007ed8fff]\r\n"
)
FREED = (
    GOOD.replace("memblock: reserve [mem 0x0000000000100000-0x000000000011afff] kernel image\r\n",
                 "memblock: reserve [mem 0x0000000000100000-0x0000000000107fff] boot stub and page tables\r\n"
                 "memblock: reserve [mem 0x0000000000108000-0x000000000011afff] kernel image\r\n")
    .replace("0K init", "8K init")
    .replace("KTAP version 1\r\n", FREED_LINES + "KTAP version 1\r\n")
    .replace(HANDED_1 + HANDED_2, HANDED_FREED)
    .replace("handed out 32188 pages in 2 ranges", "handed out 32200 pages in 3 ranges")
    .replace("# took 32188 pages (128752 kB)", "# took 32200 pages (128800 kB)")
    .replace("# MemFree before the tests: 128752 kB", "# MemFree before the tests: 128800 kB")
)


def freed_problems(text: str) -> list[str]:
    return checks.check_freed(SerialLog.parse(text))


def test_freed_log_passes_and_parses():
    assert FREED != GOOD and FREED.count("mm: freed") == 3
    log = SerialLog.parse(FREED)
    assert [(f.start, f.end, f.what, f.pages, f.freeing_k) for f in log.freed] == [
        (0x111000, 0x113000, "unused kernel image (initmem)", 2, 8),
        (0x100000, 0x108000, "boot stub and page tables", 8, 32),
        (0x13f000, 0x141000, "multiboot2 information", 2, 8),
    ]
    assert log.freeing == [("unused kernel image (initmem)", 8), ("boot stub and page tables", 32),
                           ("multiboot2 information", 8)]
    assert problems(FREED) == []
    assert SerialLog.parse(GOOD).freed == [] and freed_problems(GOOD) == []


def test_freed_ranges_are_subtracted_from_the_reservations_exactly():
    # without the freed lines, the pages handed out are still reserved
    no_free = FREED.replace(FREED_LINES, "").replace("8K init", "0K init")
    found = handed_problems(no_free)
    assert any("overlaps the reservation 'boot stub and page tables'" in p for p in found)
    assert any("overlaps the reservation 'kernel image' [0x108000-0x11afff]" in p for p in found)
    assert any("overlaps the reservation 'multiboot2 information'" in p for p in found)
    # a freed range one page short: the last page of it is still reserved
    short = FREED.replace("[mem 0x0000000000111000-0x0000000000112fff] unused kernel image (initmem): 2 pages",
                          "[mem 0x0000000000111000-0x0000000000111fff] unused kernel image (initmem): 1 pages")
    found = handed_problems(short)
    assert any("overlaps the reservation 'kernel image' [0x112000-0x11afff]" in p for p in found)
    # pages freed but not handed out: lost
    lost = (FREED.replace("selftest: handed out [mem 0x0000000000111000-0x0000000000112fff]\r\n", "")
            .replace("32200 pages in 3 ranges", "32198 pages in 2 ranges")
            .replace("# took 32200 pages (128800 kB)", "# took 32198 pages (128792 kB)")
            .replace("before the tests: 128800 kB", "before the tests: 128792 kB"))
    assert any("9 pages of usable RAM are neither handed out" in p for p in handed_problems(lost))


def test_freed_line_must_follow_its_freeing_line_and_agree():
    bad = FREED.replace("Freeing boot stub and page tables memory: 32K", "Freeing boot stub and page tables memory: 28K")
    assert any("'Freeing boot stub and page tables memory: 28K', but 8 pages" in p for p in freed_problems(bad))
    missing = FREED.replace("Freeing multiboot2 information memory: 8K\r\n", "")
    found = freed_problems(missing)
    assert any("no 'Freeing multiboot2 information memory: NK' line right before it" in p for p in found)
    assert any("2 'Freeing ... memory' lines but 3" in p for p in found)
    wrong = FREED.replace("0x0000000000107fff] boot stub and page tables: 8 pages",
                          "0x0000000000107fff] boot stub and page tables: 7 pages")
    assert any("7 pages, but the range has 8" in p for p in freed_problems(wrong))
    odd = FREED.replace("0x0000000000107fff] boot stub", "0x0000000000107ffe] boot stub")
    assert any("not page-aligned" in p for p in freed_problems(odd))


def test_freed_range_must_have_been_reserved_once():
    low = FREED.replace("[mem 0x0000000000100000-0x0000000000107fff] boot stub and page tables: 8 pages",
                        "[mem 0x00000000000f8000-0x00000000000fffff] boot stub and page tables: 8 pages")
    assert any("reaches into the first 1 MiB" in p for p in freed_problems(low))
    free_ram = FREED.replace("[mem 0x000000000013f000-0x0000000000140fff] multiboot2 information: 2 pages",
                             "[mem 0x0000000000200000-0x0000000000201fff] multiboot2 information: 2 pages")
    assert any("is not wholly reserved: [0x200000-0x201fff]" in p for p in freed_problems(free_ram))
    twice = FREED.replace("[mem 0x000000000013f000-0x0000000000140fff] multiboot2 information: 2 pages",
                          "[mem 0x0000000000112000-0x0000000000113fff] multiboot2 information: 2 pages")
    assert any("pages freed twice" in p for p in freed_problems(twice))


def test_init_size_and_memfree_growth_must_match_the_freed_amounts():
    # the Memory line's init size is what the initmem line frees
    bad = FREED.replace("8K init", "12K init")
    assert any("the Memory line says 12K init" in p for p in freed_problems(bad))
    no_init = GOOD.replace("0K init", "4K init")
    assert any("no 'Freeing unused kernel image (initmem) memory' line" in p for p in freed_problems(no_init))
    # MemFree grows by exactly the 48K freed: 128752 kB + 48K = 128800 kB
    log = SerialLog.parse(FREED)
    assert log.meminfo["MemFree"] + sum(f.pages * 4 for f in log.freed) == log.handed_out.memfree_before_kb
    short = FREED.replace("# MemFree before the tests: 128800 kB", "# MemFree before the tests: 128796 kB")
    assert any("MemFree before the tests is 128796 kB, but the boot report's MemFree 128752 kB + 48K freed "
               "- 0K held by the kernel is 128800 kB" in p for p in freed_problems(short))
    # Pages smp_init() took for good after the boot report (the held line)
    # come off MemFree: the same log with 3 pages held is 12K short.
    held_line = "vmalloc: 3 pages of the page allocator held: 2 for kernel stacks, 1 page-table pages\n"
    held = FREED.replace("# MemFree before the tests: 128800 kB", held_line + "# MemFree before the tests: 128800 kB")
    assert SerialLog.parse(held).held_pages == 3
    assert any("MemFree before the tests is 128800 kB, but the boot report's MemFree 128752 kB + 48K freed "
               "- 12K held by the kernel is 128788 kB" in p for p in freed_problems(held))
    fixed = held.replace("# MemFree before the tests: 128800 kB", "# MemFree before the tests: 128788 kB")
    assert not any("MemFree before the tests" in p for p in freed_problems(fixed))


# --- zones: ranges, buddyinfo per zone, zoneinfo, watermarks, MemAvailable ------

def zone_problems(text: str) -> list[str]:
    return checks.check_zones(SerialLog.parse(text))


def test_zone_lines_parse():
    log = SerialLog.parse(GOOD)
    assert [(r.name, r.start, r.end, r.empty) for r in log.zone_ranges] == [
        ("DMA", 0, 0x1000000, False), ("DMA32", 0x1000000, 0x7fe0000, False), ("Normal", None, None, True)]
    assert log.zone_ranges[1].pfns == (0x1000, 0x7fe0) and log.zone_ranges[2].pfns is None
    assert log.meminfo == {"MemTotal": 128752, "MemFree": 128752, "MemAvailable": 126180}
    bi = log.buddyinfo
    assert bi.names == ["DMA", "DMA32"]
    assert bi.zone("DMA").counts == (3, 2, 3, 2, 2, 1, 0, 1, 0, 1, 3) and bi.zone("Normal") is None
    # the total over the zones, as the single line gave before zones
    assert bi.counts == (4, 2, 3, 3, 3, 1, 1, 2, 0, 2, 30)
    assert bi.free_pages == sum(c << o for o, c in enumerate(bi.counts)) == 32188
    assert bi.free_kb == log.meminfo["MemFree"]
    dma, dma32, normal = log.zoneinfo
    assert (dma.name, dma.free, dma.min, dma.low, dma.high, dma.promo) == ("DMA", 3811, 42, 52, 62, 72)
    assert (dma.spanned, dma.present, dma.managed, dma.reserved) == (4096, 3999, 3811, 188)
    assert dma.protection == (0, 110, 110) and dma.nr_free_pages == 3811 and dma.start_pfn == 0
    assert dma32.start_pfn == 4096 and dma32.populated and not normal.populated
    assert normal.protection == (0, 0, 0) and normal.nr_free_pages is None and normal.start_pfn is None
    assert [z.missing() for z in log.zoneinfo] == [[], [], []]
    # only the boot report's blocks: the buddyinfo lines of the failure
    # warnings later are not zoneinfo, and the first report is the boot's
    assert [z.line_no for z in log.zoneinfo] == sorted(z.line_no for z in log.zoneinfo)
    assert log.kernel[log.zoneinfo[0].line_no] == "Node 0, zone      DMA"
    assert log.cmdline == "selftest poweroff" and log.min_free_kbytes_line is None


def test_buddyinfo_reports_are_found_in_order():
    reports = parse_buddyinfo_reports(SerialLog.parse(GOOD).kernel)
    assert [r.names for _, r in reports] == [["DMA", "DMA32"], ["DMA", "DMA32"], ["DMA", "DMA32"]]
    assert [r.free_pages for _, r in reports] == [32188, 0, 28377]


def test_malformed_zone_lines_are_errors():
    with pytest.raises(ValueError, match="unparsable zone range line"):
        SerialLog.parse(GOOD.replace("  DMA32    [mem 0x0000000001000000-", "  DMA32    [mem 0x000000000100000g-"))
    with pytest.raises(ValueError, match="ends before it starts"):
        SerialLog.parse(GOOD.replace("[mem 0x0000000001000000-0x0000000007fdffff]",
                                     "[mem 0x0000000001000000-0x0000000000ffffff]"))
    with pytest.raises(ValueError, match="unparsable zoneinfo line in zone DMA32"):
        SerialLog.parse(GOOD.replace("        spanned  28640", "        spanned  lots"))
    with pytest.raises(ValueError, match="prints min twice"):
        SerialLog.parse(GOOD.replace("        low      393", "        min      393"))
    with pytest.raises(ValueError, match="unparsable buddyinfo line"):
        SerialLog.parse(GOOD.replace("     1     27 \r\n", "     1     2x \r\n", 1))


def test_good_zones_pass_and_every_field_is_checked():
    assert zone_problems(GOOD) == []
    cases = {
        # a range the map does not give (max_pfn is 0x7fe0)
        ("[mem 0x0000000001000000-0x0000000007fdffff]", "[mem 0x0000000001000000-0x0000000007ffffff]"):
            "zone range DMA32 [mem 0x1000000-0x7ffffff], but the map gives [mem 0x1000000-0x7fdffff]",
        ("  Normal   empty", "  Normal   [mem 0x0000000100000000-0x000000013fffffff]"):
            "zone range Normal",
        ("        spanned  28640", "        spanned  28641"): "DMA32: spanned 28641, but its range",
        ("  start_pfn:           4096", "  start_pfn:           4097"): "start_pfn 4097",
        ("        present  3999\r\n        managed  3811\r\n        reserved 188",
         "        present  4000\r\n        managed  3811\r\n        reserved 189"):
            "DMA: present 4000, but the map has 3999 whole usable pages",
        ("        reserved 188", "        reserved 187"): "reserved 187 != present 3999 - managed 3811",
        ("      nr_free_pages 3811", "      nr_free_pages 3810"): "nr_free_pages 3810 != pages free 3811",
        ("        boost    0\r\n        min      42", "        boost    1\r\n        min      42"): "boost 1",
        ("        min      42", "        min      43"): "DMA: min/low/high/promo (43, 52, 62, 72)",
        ("        promo    549", "        promo    550"): "DMA32: min/low/high/promo (315, 393, 471, 550)",
        ("protection: (0, 110, 110)", "protection: (0, 110, 111)"): "DMA: protection (0, 110, 111)",
        ("MemAvailable:     126180 kB", "MemAvailable:     126184 kB"): "MemAvailable 126184 kB",
    }
    for (old, new), want in cases.items():
        assert old in GOOD, old
        found = zone_problems(GOOD.replace(old, new))
        assert any(want in p for p in found), (new, found)


def test_zone_free_counts_must_agree_with_buddyinfo_and_meminfo():
    # one free block more in DMA32's buddyinfo: its line and MemFree disagree
    bad = GOOD.replace(BUDDYINFO, BUDDYINFO.replace("     1     27 ", "     1     28 "))
    assert any("buddyinfo of zone DMA32" in p and "pages free 28377" in p for p in zone_problems(bad))
    missing = GOOD.replace(BUDDYINFO, BUDDYINFO.split("\r\n")[0] + "\r\n")
    assert any("no buddyinfo line for the populated zone DMA32" in p for p in zone_problems(missing))
    assert any("buddyinfo" in p and "MemFree is 128752 kB" in p for p in checks.check_memory(SerialLog.parse(missing)))
    dma_line, dma32_line = BUDDYINFO.split("\r\n")[:2]
    swapped = GOOD.replace(BUDDYINFO, dma32_line + "\r\n" + dma_line + "\r\n")
    assert any("lowest first" in p for p in checks.check_memory(SerialLog.parse(swapped)))
    # a DMA32 page counted managed that the totals do not have
    more = GOOD.replace("        managed  28377\r\n        reserved 263",
                        "        managed  28378\r\n        reserved 262")
    found = zone_problems(more)
    assert any("zoneinfo managed adds up to 128756 kB, MemTotal is 128752 kB" in p for p in found)
    assert any("the Memory line's available is 128752K" in p for p in found)


def test_zoneinfo_fields_missing_or_extra():
    no_nr_free = GOOD.replace("      nr_free_pages 28377\r\n", "")
    assert any("zoneinfo DMA32: no nr_free_pages line" in p for p in zone_problems(no_nr_free))
    extra = GOOD.replace("        protection: (0, 0, 0)\r\nmm: mem_map:",
                         "        protection: (0, 0, 0)\r\n  start_pfn:           1048576\r\nmm: mem_map:")
    assert extra != GOOD
    assert any("Normal: start_pfn printed for a zone without managed pages" in p for p in zone_problems(extra))
    no_block = GOOD.replace(ZONEINFO, ZONEINFO.split("Node 0, zone   Normal")[0])
    assert any("zoneinfo blocks for ['DMA', 'DMA32']" in p for p in zone_problems(no_block))
    no_ranges = GOOD.replace(ZONE_RANGES, "")
    assert any("no 'Zone ranges:' block" in p for p in zone_problems(no_ranges))


def test_ram_above_4g_must_populate_normal():
    above = GOOD.replace("mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n",
                         "mmap: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\r\n"
                         "mmap: [mem 0x0000000100000000-0x000000013fffffff] usable\r\n")
    found = zone_problems(above)
    assert any("zone range DMA32 [mem 0x1000000-0x7fdffff], but the map gives [mem 0x1000000-0xffffffff]" in p
               for p in found)
    assert any("zone range Normal empty, but the map gives [mem 0x100000000-0x13fffffff]" in p for p in found)
    assert any("Normal: managed 0 pages, but the map has 262144 pages of RAM in the zone" in p for p in found)


def test_min_free_kbytes_helpers():
    for n in list(range(0, 300)) + [10 ** 12 + 7, (1 << 62) - 1]:
        assert checks.isqrt_floor(n) == math.isqrt(n), n
    # clamped below (a few hundred pages) and above (1 TiB), used as is from the command line
    assert checks.expected_min_free_kbytes(200) == 128 and math.isqrt(16 * 200 * 4) < 128
    assert checks.expected_min_free_kbytes(1 << 32) == 262144 < math.isqrt(16 * (1 << 34))
    assert checks.expected_min_free_kbytes(32188) == math.isqrt(16 * 32188 * 4)
    assert checks.expected_min_free_kbytes(200, user=0) == 0


def test_min_free_kbytes_from_the_command_line_is_checked():
    # 4096 kB: 1024 pages of min watermark, 3811 : 28377; step max(min/4, managed/1000)
    mfk = (GOOD.replace("Command line: selftest poweroff", "Command line: selftest min_free_kbytes=4096 poweroff")
           .replace("Firmware memory map", "mm: min_free_kbytes=4096 from the command line\r\nFirmware memory map"))
    found = zone_problems(mfk)
    assert any("DMA: min/low/high/promo (42, 52, 62, 72), but min_free_kbytes 4096" in p for p in found)
    # DMA: 1024 * 3811 // 32188 = 121, step 30; DMA32: 1024 * 28377 // 32188 = 902,
    # step 225; MemAvailable: 128752 kB - 4 * (min(3811, 110 + 181) + 1352)
    # The per-CPU lists' high follows the low watermarks: 151 and 1127.
    zoneinfo = (
        zoneinfo_block("DMA", 3811, (121, 151, 181, 211), 4096, 3999, 3811, (0, 110, 110), 0, (0, 151, 1))
        + zoneinfo_block("DMA32", 28377, (902, 1127, 1352, 1577), 28640, 28640, 28377, (0, 0, 0), 4096,
                         (0, 1127, 7))
        + zoneinfo_block("Normal", 0, (0, 0, 0, 0), 0, 0, 0, (0, 0, 0), 0)
    )
    redone = mfk.replace(ZONEINFO, zoneinfo).replace("MemAvailable:     126180 kB", "MemAvailable:     122180 kB")
    assert zone_problems(redone) == []
    # the value on the command line without the kernel's line, and the line without the value
    assert any("no 'mm: min_free_kbytes=4096 from the command line' line" in p
               for p in zone_problems(redone.replace("mm: min_free_kbytes=4096 from the command line\r\n", "")))
    assert any("sets none" in p for p in zone_problems(
        redone.replace("Command line: selftest min_free_kbytes=4096 poweroff", "Command line: selftest poweroff")))
    # above the top of the clamp, the kernel ignores it: the default applies
    big = GOOD.replace("Command line: selftest poweroff", "Command line: min_free_kbytes=262145 poweroff")
    assert zone_problems(big) == []


def test_zone_case_skips_follow_the_populated_zones():
    log = SerialLog.parse(GOOD)
    assert checks.zone_case_skips(log) == {}
    assert checks.check_clean_boot(log, must_run=tuple(checks.ZONE_CASES)) == []
    log.zoneinfo[1].managed = 0  # as if only DMA had memory
    assert set(checks.zone_case_skips(log)) == {"zone_dma32_below_4g", "zone_fallback_order", "zone_dma_exhausted"}
    skipped = GOOD.replace("ok 9 zone_fallback_order", "ok 9 zone_fallback_order # SKIP only one zone has memory") \
        .replace("pass:10 fail:0 skip:1", "pass:9 fail:0 skip:2")
    assert any("ok 9 zone_fallback_order was skipped" in p for p in problems(skipped))
    found = checks.check_clean_boot(SerialLog.parse(skipped), must_run=("zone_fallback_order",))
    assert any("zone case zone_fallback_order must run and pass here" in p for p in found)
    gone = GOOD.replace("ok 10 zone_watermarks\r\n", "")
    assert any("no zone self-test case zone_watermarks" in p for p in problems(gone))


def alloc_problems(text: str) -> list[str]:
    return checks.check_alloc_failures(SerialLog.parse(text))


def test_alloc_failure_warnings_parse_and_pass():
    log = SerialLog.parse(GOOD)
    assert [(f.order, f.mode, f.highest, [z.name for z in f.zones]) for f in log.alloc_failures] == [
        (0, 0x20cc0, "Normal", ["Normal", "DMA32", "DMA"]), (0, 0xcc1, "DMA", ["DMA"])]
    assert log.alloc_failures[0].zones[2] == ZoneTried("DMA", 0, "no free block of this order or above", 0, 42, 110,
                                                       -1)
    assert log.alloc_failures[1].buddyinfo.free_pages == 28377
    assert alloc_problems(GOOD) == [] and bug_problems(GOOD) == []
    line = "buddy:   zone DMA: order 3: below its min watermark (free 9 pages, min 6, protection 0, " \
           "largest free block order 3)"
    assert parse_alloc_failures(["buddy: page allocation failure: order:3, mode:0xcc0, zone DMA", "caller: f+0x1/0x2",
                                 line])[0].zones[0].largest_order == 3


def test_alloc_failure_warnings_that_do_not_add_up_fail():
    normal = "buddy:   zone Normal: order 0: empty (free 0 pages, min 0, protection 0, no free block)\r\n"
    dma_line = ("buddy:   zone DMA: order 0: no free block of this order or above (free 0 pages, min 42, "
                "protection 110, no free block)\r\n")
    cases = {
        (normal, ""): "zones tried ['DMA32', 'DMA'], expected ['Normal', 'DMA32', 'DMA']",
        ("0: empty (free 0", "0: no block (free 0"): "reason 'no block'",
        (dma_line, dma_line.replace("no free block of this order or above", "empty")):
            "reason 'empty', but the boot report shows it with managed pages",
        (dma_line, dma_line.replace("no free block)", "largest free block order 0)")):
            "'no free block of this order' with largest free order 0",
        (dma_line, dma_line.replace("order 0: no free", "order 1: no free")): "order 1, the allocation was order 0",
        (dma_line, dma_line.replace("free 0 pages", "free 2 pages")): "free 2 pages but largest free order -1",
        ("order:0, mode:0x20cc0, zone Normal and below", "order:0, mode:0x20cc0, zone Normal"): "'and below'",
        ("order:0, mode:0x20cc0, zone Normal and below", "order:0, mode:0x20cc0: no free block"):
            "unparsable allocation-failure line",
    }
    for (old, new), want in cases.items():
        assert old in ALLOC_FAILURE, old
        found = alloc_problems(GOOD.replace(ALLOC_FAILURE, ALLOC_FAILURE.replace(old, new)))
        assert any(want in p for p in found), (new, found)
    # below min: free (with the zone's pages on per-CPU lists, @pcp) less the
    # request's other pages must be at most min + protection
    def below(free: int, pcp: int = 0) -> str:
        line = dma_line.replace("no free block of this order or above (free 0 pages",
                                f"below its min watermark (free {free} pages")
        line = line.replace("no free block)", "largest free block order 2)")
        zone = f"Node 0, zone      DMA      {free % 2}      {free % 4 // 2}    {free // 4:>3}" + "      0" * 8
        return GOOD.replace(ALLOC_FAILURE, ALLOC_FAILURE.replace(dma_line, line).replace(
            "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      0", zone)
            .replace(FREE_PCP, free_pcp(dma=pcp))
            .replace("buddy: free pages: 0 of", f"buddy: free pages: {free + pcp} of"))

    assert alloc_problems(below(152)) == []  # min 42 + protection 110: at the mark is below it
    assert any("'below its min watermark' with free 153" in p for p in alloc_problems(below(153)))
    # the watermark counts the zone's pages on its per-CPU lists too
    assert alloc_problems(below(150, 2)) == []
    assert any("'below its min watermark' with free 150 (and 3 on per-CPU lists)" in p
               for p in alloc_problems(below(150, 3)))
    # the buddyinfo after a warning must add up to each zone's count
    wrong = GOOD.replace(DMA_FAILURE, DMA_FAILURE.replace(
        "Node 0, zone      DMA      0      0", "Node 0, zone      DMA      1      0"))
    assert any("zone DMA: free 0 pages, its buddyinfo line after it adds up to 1" in p for p in alloc_problems(wrong))
    # a warning in a zone case that is not meant to print one
    misplaced = GOOD.replace("ok 10 zone_watermarks\r\n" + DMA_FAILURE, DMA_FAILURE + "ok 10 zone_watermarks\r\n")
    found = bug_problems(misplaced)
    assert any("allocation failure in case 10 zone_watermarks" in p for p in found)
    assert any("case 11 zone_dma_exhausted printed no 'page allocation failure:' warning" in p for p in found)


# --- per-CPU lists: the free_pcp line of buddyinfo, the pagesets of zoneinfo --

PAGESETS_DMA32 = "".join(line + "\r\n" for line in pagesets_block(0, 393, 7))


def test_free_pcp_line_and_pagesets_parse():
    log = SerialLog.parse(GOOD)
    bi = log.buddyinfo
    assert bi.pcp == (("DMA", 0), ("DMA32", 0))
    assert bi.zone_pcp("DMA32") == 0 and bi.zone_pcp("Normal") is None
    dma, dma32, normal = log.zoneinfo
    assert dma.pagesets == [Pageset(0, 0, 52, 1)] and dma32.pagesets == [Pageset(0, 0, 393, 7)]
    assert normal.pagesets is None and dma32.pcp_count == 0
    # each failure warning's report carries its own free_pcp and free pages lines
    assert [f.buddyinfo.pcp for f in log.alloc_failures] == [(("DMA", 0), ("DMA32", 0))] * 2
    assert [f.free_pages for f in log.alloc_failures] == [0, 28377]
    # a report with pages on a list: they are free, but on no buddy list
    tail = FREE_PCP_TAIL
    lines = ["Node 0, zone    DMA32      0      1      0      0      0      0      0      0      0      0      0",
             f"free_pcp: DMA32 6{tail}",
             "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      0",
             f"free_pcp: DMA32 0{tail}"]
    first, second = parse_buddyinfo_reports(lines)
    assert first[0] == 0 and second[0] == 2  # a buddyinfo line after a free_pcp line starts a new report
    assert (first[1].buddy_pages, first[1].pcp_pages, first[1].free_pages, first[1].free_kb) == (2, 6, 8, 32)
    assert second[1].free_pages == 0
    # three zones; and the monitor's pcp command is no line of buddyinfo
    three = parse_buddyinfo(lines[:1] + [f"free_pcp: DMA 1, DMA32 6, Normal 40{tail}"])
    assert three.pcp == (("DMA", 1), ("DMA32", 6), ("Normal", 40)) and three.pcp_pages == 47
    alone = parse_buddyinfo(lines[:1] + ["pcp: zone DMA32 cpu 0: count 6 high 395 batch 7"])
    assert alone.pcp is None and alone.pcp_pages == 0


def test_malformed_free_pcp_lines_are_errors():
    for bad in (free_pcp(dma32=-1), free_pcp().replace("DMA 0, ", "DMA 0 "), "free_pcp: DMA 0, DMA32 0\r\n",
                free_pcp().replace("DMA32 0", "DMA32 x")):
        with pytest.raises(ValueError, match="unparsable free_pcp line"):
            SerialLog.parse(GOOD.replace(FREE_PCP, bad, 1))
    with pytest.raises(ValueError, match="free_pcp line after no buddyinfo line"):
        SerialLog.parse(GOOD.replace("KTAP version 1\r\n", FREE_PCP + "KTAP version 1\r\n"))
    with pytest.raises(ValueError, match="a cpu line before 'pagesets'"):
        SerialLog.parse(GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32.replace("  pagesets\r\n", "")))
    with pytest.raises(ValueError, match="prints pagesets twice"):
        SerialLog.parse(GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32 + "  pagesets\r\n"))
    with pytest.raises(ValueError, match="prints count of cpu 0 twice"):
        SerialLog.parse(GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32 + "              count: 0\r\n"))
    with pytest.raises(ValueError, match="count outside a pagesets cpu"):
        SerialLog.parse(GOOD.replace(PAGESETS_DMA32, "  pagesets\r\n              count: 0\r\n"))


def test_pages_on_per_cpu_lists_count_in_memfree_not_in_pages_free():
    # one DMA32 page moves from its buddy list to the per-CPU list: buddyinfo
    # and pages free lose it, the free_pcp line and pagesets count it, MemFree stays
    moved = (GOOD.replace(BUDDYINFO, BUDDYINFO.replace("zone    DMA32      1 ", "zone    DMA32      0 ")
                          .replace(FREE_PCP, free_pcp(dma32=1)))
             .replace(ZONEINFO, ZONEINFO.replace(
                 zoneinfo_block("DMA32", 28377, (315, 393, 471, 549), 28640, 28640, 28377, (0, 0, 0), 4096,
                                (0, 393, 7)),
                 zoneinfo_block("DMA32", 28376, (315, 393, 471, 549), 28640, 28640, 28377, (0, 0, 0), 4096,
                                (1, 393, 7)))))
    log = SerialLog.parse(moved)
    assert (log.buddyinfo.buddy_pages, log.buddyinfo.pcp_pages, log.zoneinfo[1].pcp_count) == (32187, 1, 1)
    assert problems(moved) == []
    # the same page counted twice: on the list and in a free block
    twice = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, free_pcp(dma32=1))).replace(
        PAGESETS_DMA32, PAGESETS_DMA32.replace("count: 0", "count: 1"))
    assert any("its free_pcp line (1 pages) add up to 128756 kB" in p and "MemFree is 128752 kB" in p
               for p in checks.check_memory(SerialLog.parse(twice)))
    assert any("pages free and pagesets counts add up to 128756 kB (1 pages on per-CPU lists), MemFree is 128752 kB"
               in p for p in zone_problems(twice))


def test_pcp_batch_and_high_follow_linux():
    batches = {0: 1, 1023: 1, 3811: 1, 8192: 1, 16384: 3, 28377: 7, 65536: 15, 262144: 63, 1 << 24: 63}
    assert {m: checks.expected_pcp_batch(m) for m in batches} == batches
    assert checks.expected_pcp_high(52, 1) == 52 and checks.expected_pcp_high(0, 7) == 28
    assert checks.expected_pcp_high(1280, 63) == 1280 and checks.expected_pcp_high(100, 63) == 252
    cases = {
        ("batch: 7", "batch: 8"): "DMA32 pagesets cpu 0: batch 8, but managed 28377 gives 7",
        ("high:  393", "high:  394"):
            "DMA32 pagesets cpu 0: high 394, but low 393 and batch 7 give 393",
    }
    for (old_set, new_set), want in cases.items():
        bad = GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32.replace(old_set, new_set))
        assert bad != GOOD
        found = zone_problems(bad)
        assert any(want in p for p in found), (want, found)
        assert not any("free_pcp line says" in p for p in found)  # the counts agree


def test_pcp_count_above_high_fails():
    over = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, free_pcp(dma=53))).replace(
        "              count: 0\r\n              high:  52", "              count: 53\r\n              high:  52")
    assert any("zoneinfo DMA pagesets cpu 0: count 53 > high 52" in p for p in zone_problems(over))


def test_free_pcp_line_and_pagesets_exactly_for_populated_zones():
    normal = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, FREE_PCP.replace("DMA32 0", "DMA32 0, Normal 0")))
    assert any("buddyinfo's free_pcp line names zone Normal, which has no managed pages" in p
               for p in zone_problems(normal))
    assert any("the free_pcp line names the zones ['DMA', 'DMA32', 'Normal'], its buddyinfo lines ['DMA', 'DMA32']"
               in p for p in checks.check_memory(SerialLog.parse(normal)))
    gone = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, FREE_PCP.replace("DMA 0, ", "")))
    assert any("zoneinfo DMA: buddyinfo's free_pcp line does not name the zone" in p for p in zone_problems(gone))
    assert any("the free_pcp line names the zones ['DMA32']" in p for p in checks.check_memory(SerialLog.parse(gone)))
    none = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, ""))
    assert any("buddyinfo: no free_pcp line after the buddyinfo lines" in p
               for p in checks.check_memory(SerialLog.parse(none)))
    swapped = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, f"free_pcp: DMA32 0, DMA 0{FREE_PCP_TAIL}\r\n"))
    assert any("the free_pcp line names the zones ['DMA32', 'DMA']" in p
               for p in checks.check_memory(SerialLog.parse(swapped)))
    other_cpu = GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32.replace("cpu: 0", "cpu: 1"))
    assert any("zoneinfo DMA32: pagesets for cpus [1], expected [0]" in p for p in zone_problems(other_cpu))
    disagree = GOOD.replace(BUDDYINFO, BUDDYINFO.replace(FREE_PCP, free_pcp(dma32=2)))
    assert any("zoneinfo DMA32: the pagesets hold 0 pages, buddyinfo's free_pcp line says 2" in p
               for p in zone_problems(disagree))
    no_pagesets = GOOD.replace(PAGESETS_DMA32, "")
    assert any("zoneinfo DMA32: no pagesets line(s)" in p for p in zone_problems(no_pagesets))
    no_batch = GOOD.replace(PAGESETS_DMA32, PAGESETS_DMA32.replace("              batch: 7\r\n", ""))
    assert any("zoneinfo DMA32: no pagesets cpu 0 batch line(s)" in p for p in zone_problems(no_batch))
    extra = GOOD.replace("        protection: (0, 0, 0)\r\nmm: mem_map:",
                         "        protection: (0, 0, 0)\r\n" + "".join(
                             line + "\r\n" for line in pagesets_block(0, 0, 1)) + "mm: mem_map:")
    assert extra != GOOD
    assert any("Normal: pagesets printed for a zone without managed pages" in p for p in zone_problems(extra))


def test_alloc_failure_free_pages_and_free_pcp_line_are_checked():
    wrong = GOOD.replace(DMA_FAILURE, DMA_FAILURE.replace("free pages: 28377 of", "free pages: 28378 of"))
    assert any("'free pages: 28378', but its buddyinfo lines add up to 28377 pages and its free_pcp line to 0" in p
               for p in alloc_problems(wrong))
    # pages on a list count in the free pages line, not in the zone's free count
    listed = GOOD.replace(DMA_FAILURE, DMA_FAILURE.replace(FREE_PCP, free_pcp(dma32=3))
                          .replace("free pages: 28377 of", "free pages: 28380 of"))
    assert alloc_problems(listed) == []
    no_line = GOOD.replace(DMA_FAILURE, DMA_FAILURE.replace("buddy: free pages: 28377 of 32188\r\n", ""))
    assert any("no 'buddy: free pages: N of M' line after the buddyinfo lines" in p for p in alloc_problems(no_line))
    no_pcp = GOOD.replace(DMA_FAILURE, DMA_FAILURE.replace(FREE_PCP, ""))
    assert any("allocation failure at line" in p and "no free_pcp line after the buddyinfo lines" in p
               for p in alloc_problems(no_pcp))


# --- CPUs -----------------------------------------------------------------------


def pagesets_for(pcps: list[tuple[int, int, int]]) -> str:
    """A zoneinfo pagesets block with one (count, high, batch) per CPU."""
    out = ["  pagesets"]
    for cpu, (count, high, batch) in enumerate(pcps):
        out += [f"    cpu: {cpu}", f"              count: {count}", f"              high:  {high}",
                f"              batch: {batch}"]
    return "".join(line + "\r\n" for line in out)


PAGESETS_DMA = "".join(line + "\r\n" for line in pagesets_block(0, 52, 1))
ALLOWING_2 = "smpboot: Allowing 2 CPUs, 0 hotplug CPUs\r\n"


def test_pagesets_follow_the_possible_cpus():
    """Two possible CPUs: a pageset each, high = low / 2 (at least 4 batches):
    DMA max(52 / 2, 4) = 26, DMA32 max(393 / 2, 28) = 196."""
    two = (GOOD.replace("Zone ranges:", ALLOWING_2 + "Zone ranges:")
           .replace(PAGESETS_DMA, pagesets_for([(0, 26, 1)] * 2))
           .replace(PAGESETS_DMA32, pagesets_for([(0, 196, 7)] * 2)))
    log = SerialLog.parse(two)
    assert checks.possible_cpus(log) == 2 and checks.possible_cpus(SerialLog.parse(GOOD)) == 1
    assert [ps.cpu for ps in log.zoneinfo[1].pagesets] == [0, 1]
    assert problems(two) == []
    assert checks.expected_pcp_high(393, 7, 2) == 196 and checks.expected_pcp_high(52, 1, 2) == 26
    # one CPU's pagesets on a two-CPU machine, and two on a one-CPU machine
    one_of_two = GOOD.replace("Zone ranges:", ALLOWING_2 + "Zone ranges:")
    found = zone_problems(one_of_two)
    assert any("zoneinfo DMA32: pagesets for cpus [0], expected [0, 1]" in p for p in found), found
    assert any("high 393, but low 393 and batch 7 give 196" in p for p in found), found
    two_of_one = two.replace(ALLOWING_2, "")
    assert any("zoneinfo DMA: pagesets for cpus [0, 1], expected [0]" in p for p in zone_problems(two_of_one))


def lines(*text: str) -> str:
    return "".join(line + "\r\n" for line in text)


def online(cpu: int, apic: int) -> str:
    base = 0xFFFFC90000000000 + cpu * 0x10000
    return (f"smpboot: CPU {cpu} (APIC id {apic}) online: stack [{base + 0x1000:#x}-{base + 0x4fff:#x}], "
            f"guard page at {base:#x}")


def smp_log(cpus: int = 4, lapics: int | None = None, up: int | None = None, extra: tuple[str, ...] = ()) -> str:
    """A boot log's CPU lines: a MADT of @lapics entries (the first @cpus
    enabled), @up CPUs brought up."""
    lapics = cpus if lapics is None else lapics
    up = cpus if up is None else up
    text = ["Pagewise 0.1: a teaching kernel for x86_64 physical memory",
            f"ACPI: MADT 0x7fe1a3e: local APIC at 0xfee00000, {lapics} local APICs ({cpus} enabled, "
            "0 online-capable), 1 I/O APICs, 5 overrides, 1 NMI entries"]
    text += [f"ACPI: LAPIC (acpi_id[0x{i:02x}] lapic_id[0x{i:02x}] {'enabled' if i < cpus else 'disabled'})"
             for i in range(lapics)]
    text += [f"smpboot: Allowing {lapics} CPUs, {lapics - cpus} hotplug CPUs",
             "smpboot: real-mode trampoline at [mem 0x0000000000008000-0x0000000000008fff]",
             *extra, "smp: Bringing up secondary CPUs ...", "x86: Booting SMP configuration:"]
    text += [online(i, i) for i in range(1, up)]
    text += [".... node  #0, CPUs:  " + "".join(f" #{i}" for i in range(1, up)) if up > 1 else "",
             f"smp: Brought up 1 node, {up} CPU{'s' if up > 1 else ''}",
             f"smpboot: Total of {up} processors activated",
             f"vmalloc: {10 * (up - 1)} pages of the page allocator held: {10 * (up - 1)} for kernel stacks, "
             "0 page-table pages", "reboot: Power down"]
    return lines(*(t for t in text if t))


def cpu_problems(text: str, want: checks.CpuExpect) -> list[str]:
    return checks.check_cpus(SerialLog.parse(text), want)


def test_cpu_lines_pass_and_parse():
    four = smp_log(4)
    s = checks.smp_lines(SerialLog.parse(four))
    assert s.allowing == [(4, 0)] and [n for _, n in s.brought_up] == [4] and s.total == [4]
    assert [(c.cpu, c.apic_id) for c in s.online] == [(1, 1), (2, 2), (3, 3)] and s.node_cpus == [[1, 2, 3]]
    assert s.madt == [(4, 4, 0, 1, 5, 1)] and s.lapics == [(i, i, True) for i in range(4)]
    assert cpu_problems(four, checks.CpuExpect(4, 4, 0, 4, madt_lapics=4)) == []
    # 2 of 8 present: the 6 disabled entries are hotplug CPUs, not started
    assert cpu_problems(smp_log(2, lapics=8), checks.CpuExpect(2, 8, 6, 2, madt_lapics=8)) == []
    # maxcpus=2 on 4: all 4 possible, 2 up
    assert cpu_problems(smp_log(4, up=2), checks.CpuExpect(4, 4, 0, 2, madt_lapics=4)) == []
    one = smp_log(1)
    assert "smp: Brought up 1 node, 1 CPU" in SerialLog.parse(one).kernel
    assert cpu_problems(one, checks.CpuExpect(1, 1, 0, 1, madt_lapics=1)) == []
    # no MADT: the kernel says why, one CPU
    none = lines("Pagewise 0.1",
                 "ACPI: no RSDP found (no multiboot2 ACPI tag, none in the BIOS areas): booting one CPU",
                 "smpboot: Allowing 1 CPUs, 0 hotplug CPUs", "smp: Brought up 1 node, 1 CPU",
                 "smpboot: Total of 1 processors activated",
                 "vmalloc: 3 pages of the page allocator held: 0 for kernel stacks, 3 page-table pages")
    assert cpu_problems(none, checks.CpuExpect(2, 1, 0, 1, madt=False)) == []
    x2apic = smp_log(2).replace("ACPI: LAPIC (acpi_id[0x01] lapic_id[0x01] enabled)",
                                "ACPI: X2APIC (apic_id[0x01] uid[0x01] enabled)")
    assert checks.smp_lines(SerialLog.parse(x2apic)).lapics == [(0, 0, True), (1, 1, True)]


def test_wrong_cpu_lines_fail():
    want = checks.CpuExpect(4, 4, 0, 4, madt_lapics=4)
    good = smp_log(4)
    cases = {
        # an AP that never reached C code
        good.replace(online(2, 2) + "\r\n", ""): "online' lines for CPUs [1, 3], expected each of [1, 2, 3] once",
        good.replace(online(3, 3), online(3, 2)): "the APs came up with APIC ids [1, 2, 2]: not distinct",
        good.replace(online(3, 3), online(3, 9)): "APs online with APIC ids [9], which are no enabled MADT entry",
        good.replace("Allowing 4 CPUs", "Allowing 8 CPUs"): "'smpboot: Allowing N CPUs, H hotplug CPUs' lines [(8, 0)]",
        good.replace("Brought up 1 node, 4 CPUs", "Brought up 1 node, 3 CPUs"):
            "'smp: Brought up 1 node, N CPUs' says [3], expected [4]",
        good.replace("Total of 4", "Total of 3"): "'smpboot: Total of N processors activated' says [3]",
        good.replace(".... node  #0, CPUs:   #1 #2 #3", ".... node  #0, CPUs:   #1 #3"): "lines list [[1, 3]]",
        good.replace("(4 enabled,", "(3 enabled,"): "the MADT line counts 4 local APICs (3 enabled)",
        good.replace("smp: Bringing up", "smpboot: CPU 3 (APIC id 3) did not answer the startup IPIs: left out\r\n"
                     "smp: Bringing up"): "did not answer the startup IPIs (cpu, APIC id): [(3, 3)]",
        good.replace("smp: Brought up", "irq: unexpected vector 0x31 on CPU 2\r\nsmp: Brought up"):
            "1 unexpected interrupt line(s)",
        good.replace("guard page at 0xffffc90000020000", "guard page at 0xffffc9000001f000"):
            "CPU 2's stack [0xffffc90000021000-0xffffc90000024fff]: guard page at 0xffffc9000001f000",
        good.replace("stack [0xffffc90000011000", "stack [0xffff888000011000"): "is not a range in the vmalloc area",
        good.replace("stack [0xffffc90000031000-0xffffc90000034fff], guard page at 0xffffc90000030000",
                     "stack [0xffffc90000024000-0xffffc90000034fff], guard page at 0xffffc90000023000"):
            "the stacks (with their guard pages) of CPUs 2 and 3 overlap",
        # a CPU twice, and one that should not exist
        good.replace("smp: Brought up", online(1, 1) + "\r\nsmp: Brought up"): "online' lines for CPUs [1, 2, 3, 1]",
        good.replace("smp: Brought up", online(5, 5) + "\r\nsmp: Brought up"): "online' lines for CPUs [1, 2, 3, 5]",
        # the pages held for the APs' stacks
        good.replace("held: 30 for kernel stacks", "held: 31 for kernel stacks"):
            "'vmalloc: 30 pages ... held': 31 for stacks + 0 page-table pages is not 30",
        good.replace("30 pages of the page allocator held: 30", "31 pages of the page allocator held: 31"):
            "the kernel holds 31 pages of stacks for 3 AP(s) online: not the same number for each",
        good.replace("30 pages of the page allocator held: 30", "9 pages of the page allocator held: 9"):
            "the kernel holds 9 pages of stacks for 3 AP(s) online: not the same number for each, at least the 12",
        good.replace("vmalloc: 30 pages of the page allocator held: 30 for kernel stacks, 0 page-table pages\r\n",
                     ""): "0 'vmalloc: N pages of the page allocator held: ...' lines, expected 1",
    }
    for bad, why in cases.items():
        assert bad != good, why
        found = cpu_problems(bad, want)
        assert any(why in p for p in found), (why, found)
    # "1 CPUs": Linux's singular
    alone = smp_log(1).replace("1 node, 1 CPU", "1 node, 1 CPUs")
    found = cpu_problems(alone, checks.CpuExpect(1, 1, 0, 1, madt_lapics=1))
    assert any("Linux says '1 CPU' alone" in p for p in found), found
    # a MADT and still "booting one CPU", or no MADT and no reason given
    both = good.replace("smp: Bringing up", "ACPI: MADT at 0x1: bad checksum: booting one CPU\r\nsmp: Bringing up")
    assert any("the firmware has a MADT, but the kernel says" in p for p in cpu_problems(both, want))
    silent = lines("Pagewise 0.1", "smpboot: Allowing 1 CPUs, 0 hotplug CPUs", "smp: Brought up 1 node, 1 CPU",
                   "smpboot: Total of 1 processors activated",
                   "vmalloc: 0 pages of the page allocator held: 0 for kernel stacks, 0 page-table pages")
    assert any("expected one 'ACPI: ...: booting one CPU' line" in p
               for p in cpu_problems(silent, checks.CpuExpect(2, 1, 0, 1, madt=False)))
    # an AP line after the summary
    late = good.replace(online(3, 3) + "\r\n", "").replace("smpboot: Total of", online(3, 3) + "\r\nsmpboot: Total of")
    assert any("the online lines of CPUs [3] are not between" in p for p in cpu_problems(late, want))
    # the count the emulator gave is what counts: 4 lines are wrong for 2 CPUs
    assert any("expected [(2, 0)]" in p for p in cpu_problems(good, checks.CpuExpect(2, 2, 0, 2, madt_lapics=2)))


def test_a_freed_range_in_a_hole_fails():
    """GRUB may put the multiboot2 information where a cutmem took the RAM
    away: the kernel must leave it reserved (free_mbi()), never print it as
    freed, whatever count the line gives."""
    hole = (FREED.replace("[mem 0x000000000013f000-0x0000000000140fff] multiboot2 information",
                          "[mem 0x0000000008000000-0x0000000008001fff] multiboot2 information"))
    assert hole.count("0x0000000008000000-0x0000000008001fff") == 2
    assert any("multiboot2 information is not RAM of the map: [0x8000000-0x8001fff]" in p
               for p in freed_problems(hole))
    nothing = (hole.replace("Freeing multiboot2 information memory: 8K", "Freeing multiboot2 information memory: 0K")
               .replace("multiboot2 information: 2 pages", "multiboot2 information: 0 pages")
               .replace("# MemFree before the tests: 128800 kB", "# MemFree before the tests: 128792 kB"))
    problems = freed_problems(nothing)
    assert any("0 pages, but the range has 2" in p for p in problems)
    assert any("is not RAM of the map" in p for p in problems)


def test_pages_the_kernel_holds_after_the_boot_report_are_in_the_ranges():
    """smp_init()'s "vmalloc: N pages ... held" line: those pages (the APs'
    stacks) are handed out but are not the test's, nor in MemFree before
    the tests."""
    held = (GOOD.replace("KTAP version 1", "vmalloc: 20 pages of the page allocator held: 20 for kernel stacks, "
                         "0 page-table pages\r\nKTAP version 1")
            .replace("# MemFree before the tests: 128752 kB", "# MemFree before the tests: 128672 kB")
            .replace("# took 32188 pages (128752 kB)", "# took 32168 pages (128672 kB)"))
    assert SerialLog.parse(held).held_pages == 20
    assert problems(held) == []
    unsaid = held.replace("vmalloc: 20 pages of the page allocator held: 20 for kernel stacks, 0 page-table pages\r\n",
                          "")
    found = problems(unsaid)
    assert any("'# took 32168 pages' and 0 held by the kernel, but the ranges add up to 32188" in p for p in found)
