"""test_dump.py - scripts/dump.sh (make dump) ends promptly, with status 1
and the reason on stderr, whenever the kernel stops before powering off: a
panic before the prompt or among the commands, a boot-stub error, a triple
fault, or no power-off at all (DUMP_TIMEOUT); and succeeds only on a clean
power-off. QEMU is a stand-in here (QEMU=fake): a script that writes a given
COM1 transcript to the -serial file, then exits with a given status or waits
as a halted machine does, so no test needs a boot. test/emu/test_monitor.py
runs the real thing; make plot's CMDS are checked with make -n.
Run: python3 -m pytest -q test/tools"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DUMP = REPO / "scripts" / "dump.sh"
PROMPT_WAIT = 10  # seconds: a stopped kernel must end the dump well within this
HALTED_FOR_EVER = "halt"  # the fake QEMU's ending: wait until killed

BOOT = ["\x1b[2J\x1b[1;1HGRUB loading...",  # GRUB's screen, dropped by dump.sh
        "Pagewise 0.1: a teaching kernel for x86_64 physical memory",
        "Command line: run=\\\"meminfo; poweroff\\\"",
        "mm: Memory: 130048K/131072K available"]
PANIC = ["BUG: kernel NULL pointer dereference, address: 0x0000000000000000",
         "Oops: 0000 [#1]",
         "Kernel panic - not syncing: Fatal exception",
         "---[ end Kernel panic - not syncing: Fatal exception ]---"]
MEMINFO = ["pagewise> meminfo", "MemTotal:         128584 kB"]
POWER_DOWN = ["pagewise> poweroff", "reboot: Power down"]


def fake_qemu(tmp_path: Path, lines: list[str], ending: int | str, tail: str = "",
              later: list[str] | None = None) -> Path:
    """A QEMU stand-in: writes @lines (\\r\\n ends, as COM1 has them), then
    @tail, to the file of its -serial file:PATH argument; after a second
    more, @later lines, if any; then exits with status @ending, or with
    HALTED_FOR_EVER sleeps as a halted machine runs on."""
    log = tmp_path / "transcript.in"
    log.write_bytes(("".join(line + "\r\n" for line in lines) + tail).encode())
    end = "exec sleep 600" if ending == HALTED_FOR_EVER else f"exit {ending}"
    if later:
        (tmp_path / "later.in").write_bytes("".join(line + "\r\n" for line in later).encode())
        end = f"sleep 1\ncat '{tmp_path / 'later.in'}' >> \"$serial\"\n{end}"
    script = tmp_path / "fake-qemu"
    script.write_text(f"""#!/bin/sh
for arg; do
	case $arg in file:*) serial=${{arg#file:}} ;; esac
done
cat '{log}' > "$serial"
{end}
""")
    script.chmod(0o755)
    return script


def dump(tmp_path: Path, lines: list[str], ending: int | str, timeout: str = "300", tail: str = "",
         later: list[str] | None = None):
    """Run dump.sh against the fake QEMU: (completed process, seconds taken,
    transcript text)."""
    env = dict(os.environ, QEMU=str(fake_qemu(tmp_path, lines, ending, tail, later)), DUMP_TIMEOUT=timeout)
    out = tmp_path / "dump.txt"
    start = time.monotonic()
    # In a session of its own, its output in files (a process it leaves
    # behind holds no pipe of ours): if dump.sh hangs, the test ends it and
    # fails.
    with open(tmp_path / "stdout", "w+") as so, open(tmp_path / "stderr", "w+") as se:
        proc = subprocess.Popen([str(DUMP), "unused.iso", "128M", str(out)], cwd=REPO, env=env,
                                stdout=so, stderr=se, text=True, start_new_session=True)
        try:
            proc.wait(timeout=PROMPT_WAIT * 3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"dump.sh still running after {PROMPT_WAIT * 3} s")
    res = subprocess.CompletedProcess(proc.args, proc.returncode, (tmp_path / "stdout").read_text(),
                                      (tmp_path / "stderr").read_text())
    for name in ("stdout", "stderr"):
        (tmp_path / name).unlink()
    return res, time.monotonic() - start, out.read_text()


def test_clean_power_off_is_success(tmp_path):
    res, _, text = dump(tmp_path, BOOT + MEMINFO + POWER_DOWN, 33)
    assert res.returncode == 0, res.stderr
    assert text.startswith("Pagewise 0.1") and text.rstrip().endswith("reboot: Power down")
    assert "transcript in" in res.stdout and not res.stderr


def test_panic_before_prompt_ends_at_once_with_the_panic_line(tmp_path):
    res, wall, text = dump(tmp_path, BOOT + PANIC + ["reboot: System halted"], HALTED_FOR_EVER)
    assert wall < PROMPT_WAIT
    assert res.returncode == 1
    assert "the kernel panicked before its prompt, so none of the commands ran" in res.stderr
    assert "  BUG: kernel NULL pointer dereference" in res.stderr
    assert "  Kernel panic - not syncing: Fatal exception" in res.stderr
    assert text.rstrip().endswith("reboot: System halted")  # the transcript is kept


def test_panic_among_the_commands_says_so(tmp_path):
    res, wall, _ = dump(tmp_path, BOOT + MEMINFO + PANIC + ["reboot: System halted"], HALTED_FOR_EVER)
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert "the kernel panicked while running the commands" in res.stderr


def test_panic_then_power_off_is_still_a_failure(tmp_path):
    """With the poweroff boot word a panic powers off (status 33, as a
    clean run): the panic line decides."""
    res, _, _ = dump(tmp_path, BOOT + PANIC + ["reboot: Power down"], 33)
    assert res.returncode == 1 and "Kernel panic - not syncing" in res.stderr


def test_boot_stub_error_ends_at_once(tmp_path):
    lines = ["Pagewise: boot error: this CPU has no long mode (x86_64): Pagewise needs a 64-bit CPU",
             "Pagewise: halted."]
    res, wall, _ = dump(tmp_path, lines, HALTED_FOR_EVER)
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert "the kernel stopped before its prompt" in res.stderr and "no long mode" in res.stderr


def test_halt_without_panic_ends_at_once(tmp_path):
    res, wall, _ = dump(tmp_path, BOOT + ["reboot: System halted"], HALTED_FOR_EVER)
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert 'stopped before its prompt, so none of the commands ran: "reboot: System halted"' in res.stderr


def test_grub_failure_ends_at_once(tmp_path):
    lines = ["error: out of memory.", "error: you need to load the kernel first.",
             "Press any key to continue..."]
    res, wall, text = dump(tmp_path, lines, HALTED_FOR_EVER)
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert "you need to load the kernel first" in res.stderr
    assert text == "\n"  # the kernel printed nothing


def test_triple_fault_names_the_status(tmp_path):
    res, _, _ = dump(tmp_path, BOOT, 0)
    assert res.returncode == 1
    assert "QEMU ended with status 0, not 33 (power-off), before its prompt" in res.stderr


def test_waiting_at_the_prompt_ends_at_once(tmp_path):
    """A command list without poweroff: the monitor prints its prompt and
    waits for a key that never comes."""
    res, wall, _ = dump(tmp_path, BOOT + MEMINFO, HALTED_FOR_EVER, tail="pagewise> ")
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert "the kernel did not power off: it waits at its prompt (does the command list end in poweroff?)" \
        in res.stderr


def test_a_command_echo_paused_after_the_prompt_is_waited_for(tmp_path):
    """run= commands are echoed after the prompt byte by byte: COM1 may end
    in "pagewise> " for a moment (here a second) before the command's name
    comes. That is no waiting prompt."""
    res, _, text = dump(tmp_path, BOOT, 33, tail="pagewise> ", later=["meminfo"] + MEMINFO[1:] + POWER_DOWN)
    assert res.returncode == 0, res.stderr
    assert "pagewise> meminfo" in text and text.rstrip().endswith("reboot: Power down")


@pytest.mark.parametrize("lines, says", [
    (BOOT, "it never reached its prompt"),
    (BOOT + MEMINFO + ["pagewise> bench", "bench: order0: 1000 ops"], 'the last command it started: "bench"'),
])
def test_no_power_off_gives_up_after_dump_timeout(tmp_path, lines, says):
    res, wall, _ = dump(tmp_path, lines, HALTED_FOR_EVER, timeout="1")
    assert wall < PROMPT_WAIT and res.returncode == 1
    assert "no power-off within 1 s (DUMP_TIMEOUT)" in res.stderr and says in res.stderr


def test_no_files_left_beside_the_transcript(tmp_path):
    dump(tmp_path, BOOT + PANIC + ["reboot: System halted"], HALTED_FOR_EVER)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.txt", "fake-qemu", "transcript.in"]


# --- make plot: CMDS, with pfnmap ------------------------------------------
def make(*args: str) -> subprocess.CompletedProcess:
    """make @args in the tree, free of a CMDS in our environment and of the
    flags of a make we may run under (make test-tools)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CMDS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def plot_cmdline(tmp_path: Path, *args: str) -> str:
    """The run="..." command line make plot would boot (make -n, nothing
    built or run), with @args on make's command line."""
    res = make("-n", "plot", f"BUILD={tmp_path}", *args)
    assert res.returncode == 0, res.stderr
    # the line that writes the command line stamp: echo 'run="..."' | cmp ...
    (line,) = {line for line in res.stdout.splitlines()
               if line.startswith("echo ") and line.endswith("/pagewise-dump.cmdline")}
    return line.split("'")[1]


@pytest.mark.parametrize("cmds, booted", [
    (None, 'run="pfnmap; poweroff"'),
    ("buddyinfo; pfnmap", 'run="buddyinfo; pfnmap; poweroff"'),
    ("buddyinfo", 'run="buddyinfo; pfnmap; poweroff"'),
    ("pfnmap; alloc 3; pfnmap", 'run="pfnmap; alloc 3; pfnmap; poweroff"'),
    ("", 'run="pfnmap; poweroff"'),
])
def test_make_plot_runs_cmds_with_pfnmap(tmp_path, cmds, booted):
    assert plot_cmdline(tmp_path, *([] if cmds is None else [f"CMDS={cmds}"])) == booted


def test_make_plot_draws_every_pfnmap(tmp_path):
    res = make("-n", "plot", f"BUILD={tmp_path}")
    (line,) = [line for line in res.stdout.splitlines() if line.startswith("tools/memplot ")]
    assert " --all " in line


def test_make_help_tells_plot_takes_cmds():
    res = make("help")
    plot = res.stdout[res.stdout.index("make plot"):res.stdout.index("make bochs ")]
    assert "CMDS=" in plot and "pfnmap" in plot
