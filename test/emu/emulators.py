"""emulators.py - run a Pagewise ISO under QEMU (SeaBIOS or OVMF) or Bochs,
with COM1 in a file, a hard time limit, and an early stop once the kernel has
halted for good; plus building a variant ISO (GRUB's cutmem) in a tmp dir.

Nothing here decides pass or fail: the tests read the serial log.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS.fd")
ISA_DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"
QEMU_POWER_OFF_STATUS = 33  # the kernel writes 0x10 to port 0xf4: (0x10 << 1) | 1

# Lines after which the kernel never prints again nor powers off: once one is
# in the log, waiting for the time limit would only waste minutes.
HALTED_FOR_GOOD = (
    "reboot: System halted",
    "reboot: power-off failed",
    "Pagewise: halted.",
)

# TCG on 2 cores is slow and a loaded machine slower: PAGEWISE_EMU_TIME_SCALE=3
# triples every limit.
TIME_SCALE = float(os.environ.get("PAGEWISE_EMU_TIME_SCALE", "1"))


@dataclass
class Run:
    """One emulator run: what it printed on COM1 and how it ended."""

    name: str
    serial_log: Path
    returncode: int | None  # None: still running when stopped by us
    wall: float  # seconds from start to exit (or to our stop)
    timed_out: bool = False
    stopped_after_halt: bool = False
    other_logs: tuple[Path, ...] = ()

    def serial_bytes(self) -> bytes:
        try:
            return self.serial_log.read_bytes()
        except FileNotFoundError:
            return b""


def _halted(path: Path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return False
    return any(marker in text for marker in HALTED_FOR_GOOD)


def _stop(proc: subprocess.Popen) -> None:
    """End the process group we started (the emulator and any wrapper)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def run_until_exit(
    name: str,
    argv: list[str],
    serial_log: Path,
    timeout: float,
    stdout_path: Path,
    halt_grace: float = 2.0,
    env: dict[str, str] | None = None,
    other_logs: tuple[Path, ...] = (),
) -> Run:
    """Start argv in its own process group and wait for it to exit, at most
    timeout * TIME_SCALE seconds; stop it earlier, halt_grace seconds after
    the serial log shows the kernel halted for good."""
    limit = timeout * TIME_SCALE
    with open(stdout_path, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, cwd=REPO,
        )
        halted_at = None
        try:
            while True:
                try:
                    rc = proc.wait(timeout=0.2)
                    return Run(name, serial_log, rc, time.monotonic() - start, other_logs=other_logs)
                except subprocess.TimeoutExpired:
                    pass
                now = time.monotonic()
                if now - start > limit:
                    _stop(proc)
                    return Run(name, serial_log, None, now - start, timed_out=True, other_logs=other_logs)
                if halted_at is None and _halted(serial_log):
                    halted_at = now
                if halted_at is not None and now - halted_at > halt_grace:
                    _stop(proc)
                    return Run(name, serial_log, None, now - start, stopped_after_halt=True, other_logs=other_logs)
        except BaseException:
            _stop(proc)
            raise


def qemu_argv(iso: Path, mem: str, serial_log: Path, cpu: str | None = None,
              ovmf_vars: Path | None = None, debug_log: Path | None = None) -> list[str]:
    argv = [
        QEMU, "-m", mem, "-display", "none", "-no-reboot",
        "-device", ISA_DEBUG_EXIT, "-cdrom", str(iso),
        "-serial", f"file:{serial_log}", "-monitor", "none",
    ]
    if cpu:
        argv += ["-cpu", cpu]
    if ovmf_vars:
        argv += [
            "-drive", f"if=pflash,format=raw,unit=0,file={OVMF_CODE},readonly=on",
            "-drive", f"if=pflash,format=raw,unit=1,file={ovmf_vars}",
        ]
    if debug_log:
        # CPU resets only (a triple fault shows as "Triple fault" and a reset
        # here); exceptions and guest_errors are megabytes under OVMF.
        argv += ["-d", "cpu_reset", "-D", str(debug_log)]
    return argv


def run_qemu(name: str, iso: Path, mem: str, workdir: Path, timeout: float,
             cpu: str | None = None, uefi: bool = False) -> Run:
    serial = workdir / "serial.log"
    debug = workdir / "qemu-debug.log"
    ovmf_vars = None
    if uefi:
        ovmf_vars = workdir / "OVMF_VARS.fd"  # written by OVMF: a copy of our own
        shutil.copyfile(OVMF_VARS, ovmf_vars)
    argv = qemu_argv(iso, mem, serial, cpu=cpu, ovmf_vars=ovmf_vars, debug_log=debug)
    (workdir / "command").write_text(" ".join(argv) + "\n")
    return run_until_exit(name, argv, serial, timeout, workdir / "qemu-stdout.log",
                          other_logs=(debug, workdir / "qemu-stdout.log"))


def run_bochs_headless(name: str, iso: Path, mem: str, workdir: Path, timeout: float) -> Run:
    """scripts/bochs.sh headless; the ISO's directory must hold kernel.sym."""
    env = dict(os.environ, BOCHS_TIMEOUT=str(int(timeout * TIME_SCALE)))
    argv = [str(REPO / "scripts" / "bochs.sh"), "headless", str(iso), mem, str(workdir)]
    (workdir / "command").write_text(" ".join(argv) + "\n")
    # The script stops Bochs itself at its own limit; ours is a backstop.
    return run_until_exit(name, argv, workdir / "bochs-com1.log", timeout + 30, workdir / "bochs.sh.out",
                          env=env, other_logs=(workdir / "bochs.log", workdir / "bochs-stdout.log",
                                               workdir / "bochs.sh.out"))


def build_iso_variant(kernel_elf: Path, grub_cfg: Path, outdir: Path, cmdline: str,
                      before_menuentry: list[str]) -> Path:
    """An ISO laid out as the Makefile's iso_rule does, with extra grub.cfg
    lines inserted before the first menuentry."""
    root = outdir / "iso-root"
    (root / "boot" / "grub").mkdir(parents=True)
    shutil.copyfile(kernel_elf, root / "boot" / "kernel.elf")
    cfg, inserted = [], False
    for line in grub_cfg.read_text().splitlines():
        if not inserted and line.startswith("menuentry"):
            cfg += [*before_menuentry, ""]
            inserted = True
        cfg.append(line)
    if not inserted:
        raise ValueError(f"{grub_cfg} has no menuentry")
    (root / "boot" / "grub" / "grub.cfg").write_text("\n".join(cfg) + "\n")
    (root / "boot" / "grub" / "cmdline.cfg").write_text(f'set pagewise_cmdline="{cmdline}"\n')
    iso = outdir / "variant.iso"
    res = subprocess.run(["grub-mkrescue", "-o", str(iso), str(root)],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if res.returncode != 0 or not iso.exists():
        raise RuntimeError(f"grub-mkrescue failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    return iso
