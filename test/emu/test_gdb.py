"""test_gdb.py - make gdb's path under QEMU: scripts/gdb/pagewise.gdb
connects to QEMU's gdb stub and stops at kernel_main in long mode, where
pw-memmap says nothing is parsed yet (and at paging_init() that mem_map is
not set up yet); then, with the kernel at its monitor prompt, every pw-
command reads the kernel's own structures and must print what the kernel
printed of the same state on COM1 (its boot log and a run= script of the
matching monitor commands). The script starts with an order-0 allocation,
so DMA32's per-CPU list holds pages. QEMU runs two CPUs (-smp 2, as make
qemu-gdb): gdb sees each as a thread, and every pw- command's first line
names the CPU it reads (the kernel's number, from the thread's GS base),
which pw-cpus maps to the threads.

The kernel of make DEBUG=1 (docs/stepping.md) is built for stepping: there
expand(), __rmqueue_smallest() and __free_one_page() are functions of their
own, which a breakpoint stops in and a backtrace shows as called frames; and
every target that boots or debugs a kernel uses build/debug/ under DEBUG=1."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from emulators import QEMU, REPO, TIME_SCALE, _stop, build_iso_variant, qemu_argv
from serial_log import parse_buddyinfo

PROMPT = "pagewise> "
GDB_COMMANDS = REPO / "test" / "gdb" / "commands.gdb"
FRAMES_COMMANDS = REPO / "test" / "gdb" / "frames.gdb"
# A backtrace line of a frame that was called: gdb shows the address it
# returns to. A frame inlined into its caller shows none ("#2  name (...").
CALLED_FRAME = re.compile(r"#(\d+)\s+0x([0-9a-f]+) in (\w+) \(")
TOP_FRAME = re.compile(r"#0\s+(\w+) \(")
SAVED_RIP = re.compile(r"saved rip = 0x([0-9a-f]+)")


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel picks it), so
    parallel tests (pytest -n 2) and a student's make qemu-gdb never meet."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Is a socket listening on port? Read from /proc/net/tcp rather than
    by connecting: QEMU's gdb stub takes one connection, and it is gdb's."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            if int(local.rsplit(":", 1)[1], 16) == port and state == "0A":
                return True
    return False


def sections(text: str, marker: str) -> dict[str, list[str]]:
    """text cut at lines starting with marker: {rest of that line: lines up
    to the next marker line}."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.replace("\r", "").split("\n"):
        if line.startswith(marker):
            current = line[len(marker):]
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


def run_gdb(iso: Path, kernel_elf: Path, commands: Path, serial: Path, gdb_log: Path,
            smp: int = 1) -> tuple[int, float]:
    """Boot iso in QEMU with smp CPUs, stopped for gdb (as make qemu-gdb
    does, on a free port), run gdb with scripts/gdb/pagewise.gdb (as make
    gdb does) and then commands, output in gdb_log; stop QEMU. Return gdb's
    exit status and the wall time."""
    port = free_port()
    argv = qemu_argv(iso, "128M", serial) + ["-smp", str(smp), "-S", "-gdb", f"tcp:127.0.0.1:{port}"]
    start = time.monotonic()
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, cwd=REPO)
    try:
        deadline = time.monotonic() + 10 * TIME_SCALE
        while not listening(port):
            assert qemu.poll() is None, f"{QEMU} exited with {qemu.returncode}"
            assert time.monotonic() < deadline, f"QEMU's gdb stub never listened on port {port}"
            time.sleep(0.05)
        env = dict(os.environ, PAGEWISE_GDB_PORT=str(port), PAGEWISE_KERNEL=str(kernel_elf))
        with open(gdb_log, "w") as log:
            gdb = subprocess.run(["gdb", "-batch", "-nx", "-x", "scripts/gdb/pagewise.gdb", "-x", str(commands)],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                 env=env, timeout=60 * TIME_SCALE)
    finally:
        _stop(qemu)
    return gdb.returncode, time.monotonic() - start


def test_gdb_pw_commands(artifacts, tmp_path, emu_logs, boot_times):
    text_va = artifacts.symbol("_text")
    text_pa = text_va - 0xFFFFFFFF80000000
    script = ["alloc 0", "buddyinfo", "pcp", "memmap", "free_area 10", "walk 0xffff888000100000", f"walk {text_va:#x}",
              "page 0", "page 0x2345", "page 0x100000", "page 0xa0", f"page {text_pa:#x}", "page 0x7fe0"]
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso",
                            'run="' + "; ".join(script) + '"', [])
    serial, gdb_log = tmp_path / "serial.log", tmp_path / "gdb.log"
    emu_logs.add(serial, gdb_log)
    returncode, wall = run_gdb(iso, artifacts.kernel_elf, GDB_COMMANDS, serial, gdb_log, smp=2)
    boot_times.add("qemu-gdb-pw-commands", wall, "stopped by the test", None)
    assert returncode == 0
    out = sections(gdb_log.read_text(), "@@ ")
    assert "end" in out, "gdb stopped before the last command"
    log = serial.read_bytes().decode("utf-8", errors="replace").replace("\r", "")

    # Each CPU is a gdb thread. At kernel_main neither has a GS base yet
    # (percpu_init_cpu(0) is kernel_main's first call), so the pw- commands
    # name the thread and QEMU's CPU; at the monitor, the kernel's CPU.
    threads = [line for line in out["threads-kernel_main"] if "Thread 1." in line]
    assert [re.search(r"Thread 1\.(\d+) \(CPU#(\d+) ", line).groups() for line in threads] == [("1", "0"), ("2", "1")]
    early = "thread 1 (QEMU CPU#0; GS base 0x0, not yet a kernel CPU): "
    cpus = [line for line in out["cpus-kernel_main"] if not line.startswith("warning: ")]
    assert cpus[0] == early + "every CPU's struct percpu, shared memory; each gdb thread's GS base", cpus
    assert cpus[1] == "1 possible CPU (nr_cpu_ids; NR_CPUS 64), 2 gdb threads"
    assert cpus[-2:] == ["thread 1 (QEMU CPU#0): GS base 0x0, not yet a kernel CPU",
                         "thread 2 (QEMU CPU#1): GS base 0x0, not yet a kernel CPU"]
    shared = "shared memory only, the same from every CPU"
    for name, first in (("memmap-kernel_main", early + shared), ("memmap-paging_init", f"CPU 0 (thread 1): {shared}"),
                        ("buddyinfo", f"CPU 0 (thread 1): {shared}; free_pcp adds up every CPU's per-CPU lists"),
                        ("buddyinfo-cpu1", f"CPU 1 (thread 2): {shared}; free_pcp adds up every CPU's per-CPU lists"),
                        ("memmap", f"CPU 0 (thread 1): {shared}"),
                        ("freelist", f"CPU 0 (thread 1): {shared}"),
                        ("pcp", f"CPU 0 (thread 1): {shared}: every CPU's per-CPU list below"),
                        ("walk-direct", "CPU 0 (thread 1): this CPU's CR3; the tables it points to are shared memory"),
                        ("walk-text", "CPU 0 (thread 1): this CPU's CR3; the tables it points to are shared memory"),
                        ("walk-cpu1", "CPU 1 (thread 2): this CPU's CR3; the tables it points to are shared memory"),
                        *((page, f"CPU 0 (thread 1): {shared}") for page in out if page.startswith("page-"))):
        assert out[name][0] == first, (name, out[name][:2])
        out[name] = out[name][1:]
    # pw-cpus at the prompt: both CPUs online, each its own gdb thread, CPU
    # 1 on the stack its "online" line printed, each taking timer ticks.
    rows = {int(m.group(1)): m for m in (re.match(
        r"^\s*(\d+)\s+(\d+)\s+(\w+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\S+)$", line) for line in out["cpus"][3:]) if m}
    assert out["cpus"][0] == "CPU 0 (thread 1): every CPU's struct percpu, shared memory; each gdb thread's GS base"
    assert out["cpus"][1] == "2 possible CPUs (nr_cpu_ids; NR_CPUS 64), 2 gdb threads", out["cpus"]
    assert sorted(rows) == [0, 1], out["cpus"]
    for cpu, row in rows.items():
        assert (row.group(2), row.group(3), row.group(7)) == (str(cpu), "online", str(cpu + 1)), row.group(0)
        assert 0 < int(row.group(5)) <= int(row.group(6)), row.group(0)
    online = re.search(r"smpboot: CPU 1 \(APIC id 1\) online: stack \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\]", log)
    assert online, "no online line of CPU 1 in the boot log"
    base, end = rows[1].group(4).strip("[]").split("-")
    assert int(base, 16) == int(online.group(1), 16) and int(online.group(2), 16) in (int(end, 16), int(end, 16) + 1)
    assert out["thread-2"][0].startswith("[Switching to thread 2 (Thread 1.2)]")
    assert out["buddyinfo-cpu1"] == out["buddyinfo"]

    # pw-connect stopped at kernel_main's first instruction, in 64-bit code.
    assert out["stop"][0].startswith("kernel_main in section .text"), out["stop"]
    # pw-memmap there: nothing parsed or set up yet, and it says so (no
    # range from 0 to -1); at paging_init() the map and the image are
    # there, mem_map is not (checked against the boot log below).
    assert out["memmap-kernel_main"][:3] == [
        "Firmware memory map: not parsed yet (mb2_parse() has not run)",
        "kernel image: not reserved yet (memblock_setup_from_mmap() has not run)",
        "mm: mem_map not set up yet (mm_core_init() has not run)"]
    assert "mm: mem_map not set up yet (mm_core_init() has not run)" in out["memmap-paging_init"]
    assert out["monitor"][0].startswith("serial_getc in section .text"), out["monitor"]

    assert log.endswith(PROMPT), "the kernel is not waiting at its prompt"
    boot, *_ = log.split(PROMPT, 1)
    monitor = sections(log, PROMPT)
    assert [c for c in monitor if c] == script

    # buddyinfo: the same lines, byte for byte, trailing spaces included;
    # the free_pcp line after them, DMA32's lists holding what the
    # allocation's refill left (batch pages taken from the buddy, one
    # handed out).
    assert out["buddyinfo"] == monitor["buddyinfo"]
    assert len(out["buddyinfo"]) == 3 and out["buddyinfo"][0].startswith("Node 0, zone      DMA ")
    bi = parse_buddyinfo(out["buddyinfo"])
    assert [zone for zone, _ in bi.pcp] == ["DMA", "DMA32"] and bi.zone_pcp("DMA32") > 0

    # pcp: the monitor lists the first 16 pages of each list, gdb all of
    # them, hottest first; count, high and batch are the pcp command's
    # alone, and each zone's counts are its pages on the free_pcp line.
    want = [line for line in monitor["pcp"] if not line.startswith("  ... and ")]
    heads = [i for i, line in enumerate(out["pcp"]) if line.startswith("pcp: ")]
    assert [out["pcp"][i] for i in heads] == [line for line in want if line.startswith("pcp: ")]
    lists = [re.match(r"^pcp: zone (\S+) cpu (\d+): count (\d+) high (\d+) batch (\d+)$", out["pcp"][i]) for i in heads]
    # One list per zone and possible CPU, zone by zone; the monitor's
    # allocation ran on CPU 0.
    assert [(m.group(1), int(m.group(2))) for m in lists] == [(z, cpu) for z in ("DMA", "DMA32") for cpu in (0, 1)]
    per_zone: dict[str, int] = {}
    for m in lists:
        per_zone[m.group(1)] = per_zone.get(m.group(1), 0) + int(m.group(3))
    assert list(per_zone.items()) == list(bi.pcp)
    dma32 = lists[2]
    assert int(dma32.group(3)) == int(dma32.group(5)) - 1 > 0, dma32.group(0)
    for i, m in zip(heads, lists):
        count = int(m.group(3))
        listed = out["pcp"][i + 1:i + 1 + count]
        assert len(listed) == count and all(line.startswith("  pfn ") for line in listed)
        shown = want[want.index(out["pcp"][i]) + 1:][:min(count, 16)]
        assert listed[:len(shown)] == shown
    pcp_pfn = int(out["pcp"][heads[2] + 1].split()[1].split("-")[0], 16)

    # memmap: the boot log's firmware map, mem_map line, and the monitor's
    # kernel image pfns.
    boot_lines = boot.split("\n")
    header = next(i for i, line in enumerate(boot_lines) if line.startswith("Firmware memory map"))
    firmware = boot_lines[header:header + 1 + sum(1 for line in boot_lines if line.startswith("mmap: "))]
    assert out["memmap"][:len(firmware)] == firmware
    assert next(line for line in boot_lines if line.startswith("mm: mem_map at")) in out["memmap"]
    assert out["memmap-paging_init"][:len(firmware)] == firmware
    image = next(line for line in monitor["memmap"] if line.startswith("kernel image: pfn "))
    pfns = image.split()[3].rstrip(";")
    assert any(line.startswith(f"kernel image: pfn {pfns} ") for line in out["memmap"])
    assert out["memmap-paging_init"][len(firmware)].startswith(f"kernel image: pfn {pfns} ")

    # freelist: the monitor lists the first 8 blocks of DMA32's order 10,
    # gdb all of them; the first block's head is a free order-10 page.
    want = [line for line in monitor["free_area 10"] if not line.startswith("  ... and ")]
    zone = want.index(next(line for line in want if line.startswith("free_area: zone DMA32 ")))
    want = want[zone:]
    nr_free = int(want[0].split()[-1])
    assert out["freelist"][0] == want[0] and len(out["freelist"]) == 1 + nr_free
    assert out["freelist"][1:len(want)] == want[1:]
    first_pfn = int(out["freelist"][1].split()[1].split("-")[0], 16)
    assert first_pfn % 1024 == 0 and nr_free > 8
    page = out["page-freelist"]
    assert page[0].startswith("page:0x") and f" pfn:{first_pfn:#x} phys:{first_pfn << 12:#x} " in page[0]
    assert page[0].endswith(" refcount:0 order:10 zone:DMA32") and page[1] == "flags: 0x2(buddy)"
    assert page[2] == f"buddy: pfn {first_pfn ^ 1024:#x} (of the order-10 block at pfn {first_pfn:#x})"

    # walk: the monitor's walks, line for line; the direct map's first 2 MiB
    # page is physical 0, _text is the kernel's load address, read-only and
    # executable.
    assert out["walk-direct"] == monitor["walk 0xffff888000100000"]
    assert out["walk-direct"][-1] == "phys: 0x0000000000100000 (2M page)"
    assert out["walk-text"] == monitor[f"walk {text_va:#x}"]
    assert out["walk-cpu1"] == out["walk-text"]
    assert out["walk-text"][-1] == f"phys: {text_va - 0xffffffff80000000:#018x} (4K page)"
    pte_flags = out["walk-text"][-2].split(": ", 1)[1].split()[1:]
    assert "P" in pte_flags and "RW" not in pte_flags and "NX" not in pte_flags

    # page: the monitor's page command, line for line, for a page of each
    # kind the script can name: memblock-reserved RAM, free, not RAM, kernel
    # image; a number from max_pfn up is read as a physical address, and
    # both say so first.
    for name, cmd in (("page-0", "page 0"), ("page-0x2345", "page 0x2345"), ("page-phys", "page 0x100000"),
                      ("page-hole", "page 0xa0"), ("page-kernel", f"page {text_pa:#x}"),
                      ("page-max_pfn", "page 0x7fe0")):
        assert out[name] == monitor[cmd], name
    assert out["page-0"][1:] == ["flags: 0x1(reserved)", "buddy: none (reserved page: RAM memblock reserved at boot)"]
    assert out["page-hole"][2] == "buddy: none (reserved page: not RAM)"
    assert out["page-phys"][0] == ("page: 0x100000 is not below max_pfn (0x7fe0), so no pfn: read as physical "
                                   "address 0x100000 (pfn 0x100)")
    assert out["page-kernel"][-1] == "buddy: none (reserved page: the kernel image)"
    assert out["page-max_pfn"][0] == ("page: 0x7fe0 is not below max_pfn (0x7fe0), so no pfn: read as physical "
                                      "address 0x7fe0 (pfn 0x7)")
    assert " pfn:0x7 phys:0x7000 " in out["page-max_pfn"][1]
    # ... and those it cannot: the monitor's pcp command named the first
    # page on DMA32's list; the PGD and mem_map's first page are reserved.
    page = out["page-pcp"]
    assert f" pfn:{pcp_pfn:#x} phys:{pcp_pfn << 12:#x} refcount:0 order:0 zone:DMA32" in page[0]
    assert page[1:] == ["flags: 0x8(pcp)",
                        "buddy: none (free, on the per-CPU list of zone DMA32; drain gives it back to the buddy)"]
    assert out["page-table"][1:] == ["flags: 0x1(reserved)", "buddy: none (reserved page: a page table)"]
    assert out["page-mem_map"][1:] == ["flags: 0x1(reserved)", "buddy: none (reserved page: mem_map)"]

    # Every pw- command has help text.
    assert sum(1 for line in out["help"] if line.startswith("Usage: pw-")) == 6


def check_called_frame(out: dict[str, list[str]], stop: str, function: str, text_symbols: set[str]) -> str:
    """At stop (a section prefix of frames.gdb), gdb stopped in function as
    a function of its own, called by another: the PC lies in function's own
    code, frame 0 is function, and frame 1 is a different function reached
    through a real return address, the one frame 0 saved. Return frame 1's
    function."""
    assert re.match(rf"{function}( \+ \d+)? in section \.text$", out[f"{stop}-pc"][0]), out[f"{stop}-pc"]
    bt = out[f"{stop}-bt"]
    top = TOP_FRAME.match(bt[0])
    assert top and top.group(1) == function, bt
    caller = CALLED_FRAME.match(bt[1])
    assert caller, f"frame 1 is not a call (inlined?): {bt}"
    frame = "\n".join(out[f"{stop}-frame"])
    assert "inlined into frame" not in frame, frame
    saved = SAVED_RIP.search(frame)
    assert saved and int(saved.group(1), 16) == int(caller.group(2), 16), frame
    assert caller.group(3) != function and caller.group(3) in text_symbols, bt
    return caller.group(3)


def test_debug_build_shows_buddy_steps_as_frames(debug_kernel, artifacts, tmp_path, emu_logs, boot_times):
    """make DEBUG=1, make qemu-gdb DEBUG=1, make gdb DEBUG=1: break in
    __free_one_page() (the first merge step of the boot) and in expand()
    (the first split step), and see each in bt as a frame of its own under
    its caller; expand()'s caller __rmqueue_smallest() is a called frame
    too. At -O2 expand() has no code of its own (docs/stepping.md 2.2)."""
    text_symbols = {line.split()[1] for line in debug_kernel.with_name("kernel.sym").read_text().splitlines()}
    assert {"expand", "__rmqueue_smallest", "__free_one_page"} <= text_symbols
    iso = build_iso_variant(debug_kernel, artifacts.grub_cfg, tmp_path / "iso", "selftest poweroff", [])
    serial, gdb_log = tmp_path / "serial.log", tmp_path / "gdb.log"
    emu_logs.add(serial, gdb_log)
    returncode, wall = run_gdb(iso, debug_kernel, FRAMES_COMMANDS, serial, gdb_log)
    boot_times.add("qemu-gdb-debug-frames", wall, "stopped by the test", None)
    assert returncode == 0
    out = sections(gdb_log.read_text(), "@@ ")
    assert "end" in out, "gdb stopped before the last command"

    check_called_frame(out, "merge", "__free_one_page", text_symbols)
    assert check_called_frame(out, "split", "expand", text_symbols) == "__rmqueue_smallest"
    # __rmqueue_smallest() itself was called, not inlined into its caller.
    assert CALLED_FRAME.match(out["split-bt"][2]), out["split-bt"]
    rmqueue = "\n".join(out["rmqueue-frame"])
    assert " in __rmqueue_smallest (" in rmqueue and "inlined into frame" not in rmqueue, rmqueue


def plain_make_env(**extra: str) -> dict[str, str]:
    """This environment without what an outer make (make test-emu DEBUG=1)
    passes its sub-makes, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DEBUG")}
    return env | extra


def make_dry_run(*args: str, env: dict[str, str] | None = None) -> str:
    """Every command make would run for args, up to date or not (make -n -B;
    the recursive makes print theirs too)."""
    res = subprocess.run(["make", "-n", "-B", "--no-print-directory", *args], cwd=REPO, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60 * TIME_SCALE, env=env or plain_make_env())
    assert res.returncode == 0, f"make -n {' '.join(args)}:\n{res.stdout}{res.stderr}"
    return res.stdout


@pytest.mark.parametrize("target,default,debug", [
    ("run", "-cdrom build/pagewise.iso ", "-cdrom build/debug/pagewise.iso "),
    ("qemu-gdb", "-cdrom build/pagewise.iso ", "-cdrom build/debug/pagewise.iso "),
    ("gdb", "PAGEWISE_KERNEL=build/kernel.elf ", "PAGEWISE_KERNEL=build/debug/kernel.elf "),
    ("bochs", "scripts/bochs.sh interactive build/pagewise.iso ", "scripts/bochs.sh interactive build/debug/pagewise.iso "),
])
def test_debug_targets_use_the_debug_build(target, default, debug):
    """DEBUG=1 sends run, qemu-gdb, gdb and bochs to build/debug/, built
    with -Og -fno-inline; without it they keep build/ and -O2."""
    plain, stepping = make_dry_run(target), make_dry_run(target, "DEBUG=1")
    assert default in plain and debug not in plain
    assert debug in stepping and default not in stepping
    if target != "gdb":  # make gdb builds nothing
        assert " -O2 " in plain and "-DPAGEWISE_DEBUG" not in plain
        assert " -Og -fno-inline -DPAGEWISE_DEBUG " in stepping and " -O2 " not in stepping


def test_debug_takes_only_0_or_1():
    res = subprocess.run(["make", "-n", "DEBUG=yes"], cwd=REPO, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60 * TIME_SCALE, env=plain_make_env())
    assert res.returncode != 0
    assert "DEBUG=yes: say DEBUG=1 for the stepping build" in res.stderr
    assert "-cdrom build/pagewise.iso " in make_dry_run("run", "DEBUG=0")


def test_debug_in_the_environment_changes_nothing():
    """Only make's command line selects the stepping build, as Linux's V=1:
    a DEBUG exported for some other program leaves make run as it was."""
    for value in ("1", "yes"):
        out = make_dry_run("run", env=plain_make_env(DEBUG=value))
        assert "-cdrom build/pagewise.iso " in out and "build/debug" not in out
