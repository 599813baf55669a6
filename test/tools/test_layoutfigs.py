"""test_layoutfigs.py - tools/layoutfigs.py draws docs/memory-layout.md's
pictures, tables and sums from two boot logs and the kernel's symbols, and
refuses to draw when the kernel's numbers no longer fit what a figure says.
The fixtures are real: make dump transcripts of a 128 MiB boot (memmap, then
the self-test, cut after its first lines and its GFP_KERNEL lines) and of a
5 GiB boot (memmap), and nm's lines for the symbols the figures use, all from
the run memory-layout-figures (docs/runs/memory-layout.toml).
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(REPO / "tools"))

import layoutfigs  # noqa: E402

LOG128 = (FIXTURES / "layout-128m.txt").read_text()
LOG5G = (FIXTURES / "layout-5g.txt").read_text()
NM = (FIXTURES / "layout-nm.txt").read_text()


def run(tmp_path, monkeypatch, capsys, log128=LOG128, log5g=LOG5G, nm=NM):
    """layoutfigs.main on the logs; returns (status, stdout, stderr)."""
    paths = []
    for name, text in (("128m.txt", log128), ("5g.txt", log5g)):
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    monkeypatch.setattr(layoutfigs, "nm_symbols", lambda elf: layoutfigs.parse_nm(nm))
    status = layoutfigs.main(paths + ["kernel.elf"])
    out = capsys.readouterr()
    return status, out.out, out.err


def section(out: str, name: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(f"== {name} ==") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("== "))
    return lines[start:end]


def facts(out: str) -> dict[str, str]:
    return dict(re.findall(r"^fact (\S+): (.*)$", out, re.M))


def test_every_figure_is_drawn(tmp_path, monkeypatch, capsys):
    status, out, err = run(tmp_path, monkeypatch, capsys)
    assert status == 0, err
    for name in ("virtual", "physical-128M", "memory-128M", "image-128M", "zones-128M", "watermarks-128M",
                 "freed-128M", "physical-5G", "memory-5G", "watermarks-5G", "boot-page-tables", "ebda",
                 "free-runs-128M", "buddyinfo-128M"):
        assert section(out, name), name


def test_numbers_come_from_the_logs_and_symbols(tmp_path, monkeypatch, capsys):
    _, out, _ = run(tmp_path, monkeypatch, capsys)
    f = facts(out)
    # max_pfn is the end of the last usable entry; mem_map's place from its line.
    assert (f["max_pfn"], f["max_pfn_dec"]) == ("0x7fe0", "32736")
    assert f["walk_mem_map"] == "0xffff888007ed6000"
    assert (f["walk_mem_map_pd"], f["walk_mem_map_pt"]) == ("63", "214")
    assert f["mem_map_var_direct"] == "0xffff88800013a4b0"
    assert f["free_run0"] == "[0x190, 0x198)" and f["free_run1"] == "[0x199, 0x7ed6)"
    assert f["5g_2m_split"] == "1535 + 1024"
    assert any("0x07ed6000" in x for x in section(out, "physical-128M"))
    assert "managed  128276K = present - reserved = MemTotal = 32069 pages" in section(out, "memory-128M")
    assert section(out, "free-runs-128M")[-2].startswith(" [0x1000, 0x7ed6): 0x1000 .. 0x7bff: 27 x o10")


def test_a_sum_that_no_longer_holds_stops_the_tool(tmp_path, monkeypatch, capsys):
    bad = LOG128.replace("MemAvailable:     125696 kB", "MemAvailable:     125692 kB", 1)
    assert bad != LOG128
    status, out, err = run(tmp_path, monkeypatch, capsys, log128=bad)
    assert status == 1 and out == ""
    assert "watermarks-128M: MemAvailable 125692 kB, computed 125696" in err


def test_blocks_that_are_not_the_boot_buddyinfo_stop_the_tool(tmp_path, monkeypatch, capsys):
    line = next(x for x in LOG128.splitlines() if re.match(r"Node 0, zone +DMA32( +\d+){11}$", x))
    bad = LOG128.replace(line, line[:-2] + "26", 1)
    status, _, err = run(tmp_path, monkeypatch, capsys, log128=bad)
    assert status == 1 and "free-runs-128M: zone DMA32" in err


def test_a_layout_the_picture_does_not_know_stops_the_tool(tmp_path, monkeypatch, capsys):
    # The multiboot2 information above 16 MiB: the picture puts it below.
    bad = LOG128.replace("[mem 0x0000000000198000-0x0000000000198fff] multiboot2",
                         "[mem 0x0000000001980000-0x0000000001980fff] multiboot2", 1)
    assert bad != LOG128
    status, _, err = run(tmp_path, monkeypatch, capsys, log128=bad)
    assert status == 1 and err.startswith("layoutfigs: physical-128M:")


@pytest.mark.parametrize("drop", ["mmap: ", "Memory: ", "mm: mem_map at "])
def test_a_log_without_a_line_it_needs_is_refused(tmp_path, monkeypatch, capsys, drop):
    bad = "\n".join(x for x in LOG128.splitlines() if not x.startswith(drop)) + "\n"
    status, _, err = run(tmp_path, monkeypatch, capsys, log128=bad)
    assert status == 1 and "log: no " in err
