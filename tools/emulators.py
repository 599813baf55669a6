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

REPO = Path(__file__).resolve().parents[1]
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
# GRUB could not load the kernel (e.g. "error: out of memory." below the
# minimum RAM): `boot` then fails with the first line; after some seconds of
# "Press any key to continue..." GRUB prints the second and waits at its
# menu for ever.
GRUB_NO_KERNEL = "error: you need to load the kernel first."
GRUB_GAVE_UP = "Failed to boot both default and fallback entries."
GRUB_FAILED = (GRUB_NO_KERNEL, GRUB_GAVE_UP)
STOP_MARKERS = HALTED_FOR_GOOD + GRUB_FAILED

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
    stopped_after_halt: bool = False  # stopped by us after a STOP_MARKERS line
    other_logs: tuple[Path, ...] = ()
    stop_marker: str | None = None  # which STOP_MARKERS line, if stopped_after_halt

    def serial_bytes(self) -> bytes:
        try:
            return self.serial_log.read_bytes()
        except FileNotFoundError:
            return b""


def _halted(path: Path) -> str | None:
    """The first STOP_MARKERS line the log holds, or None."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    return next((marker for marker in STOP_MARKERS if marker in text), None)


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
    the serial log shows the kernel halted for good (or GRUB gave up)."""
    limit = timeout * TIME_SCALE
    with open(stdout_path, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, cwd=REPO,
        )
        halted_at, marker = None, None
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
                if halted_at is None:
                    marker = _halted(serial_log)
                    if marker:
                        halted_at = now
                if halted_at is not None and now - halted_at > halt_grace:
                    _stop(proc)
                    return Run(name, serial_log, None, now - start, stopped_after_halt=True,
                               other_logs=other_logs, stop_marker=marker)
        except BaseException:
            _stop(proc)
            raise


# The -smp keys qemu_smp_args() accepts (QEMU 7.2 has these and "dies"
# and "clusters", which PC machines ignore or refuse).
SMP_KEYS = ("cpus", "maxcpus", "sockets", "cores", "threads")


def _smp_fields(smp: str | int) -> tuple[int | None, dict[str, int]]:
    """An -smp spec split as QEMU reads it: ("2,maxcpus=8" -> (2, {"maxcpus":
    8})); the leading bare number is cpus=. ValueError for anything QEMU
    would refuse or this module cannot count (an unknown key, a value that
    is no positive decimal number, a key twice)."""
    text = str(smp).strip()
    keys: dict[str, int] = {}
    for i, part in enumerate(text.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            key, value = ("cpus", part) if i == 0 else ("", part)
        if key not in SMP_KEYS or not value.isdecimal() or int(value) < 1 or key in keys:
            raise ValueError(f"-smp {text!r}: {part!r} is not one of "
                             f"N, {'=N, '.join(SMP_KEYS)}=N (each at most once, N >= 1)")
        keys[key] = int(value)
    cpus = keys.pop("cpus", None)
    return cpus, keys


def smp_cpus(smp: str | int | None) -> tuple[int, int]:
    """(the vCPUs QEMU starts, the most it could have: maxcpus) for an -smp
    spec such as 4, "4", "2,maxcpus=8" or "sockets=2,cores=2": cpus= (or the
    leading number), else maxcpus, else sockets * cores * threads, as QEMU
    7.2's smp_parse() fills them in; maxcpus defaults to cpus. None: one CPU,
    QEMU's default. ValueError for a spec QEMU would refuse (maxcpus below
    cpus included)."""
    if smp is None:
        return 1, 1
    cpus, keys = _smp_fields(smp)
    topology = keys.get("sockets", 1) * keys.get("cores", 1) * keys.get("threads", 1)
    if cpus is None:
        cpus = keys.get("maxcpus", topology)
    maxcpus = keys.get("maxcpus", cpus)
    if maxcpus < cpus:
        raise ValueError(f"-smp {smp!r}: maxcpus={maxcpus} is below the {cpus} CPUs started")
    return cpus, maxcpus


def qemu_smp_args(smp: str | int | None) -> list[str]:
    """-smp @smp, and -accel tcg,thread=multi (one host thread per vCPU)
    when it starts more than one vCPU; nothing for None. The Makefile's
    QEMU_SMP_ARGS does the same for make run (SMP=N)."""
    if smp is None:
        return []
    cpus, _ = smp_cpus(smp)
    return ["-smp", str(smp)] + (["-accel", "tcg,thread=multi"] if cpus > 1 else [])


def qemu_argv(iso: Path, mem: str, serial_log: Path, cpu: str | None = None,
              ovmf_vars: Path | None = None, debug_log: Path | None = None,
              machine: str | None = None, smp: str | int | None = None, acpi: bool = True) -> list[str]:
    """QEMU's command line for a headless boot of @iso with @mem of RAM
    (QEMU's -m), COM1 into @serial_log; @cpu (-cpu), @machine (-machine
    type, e.g. q35), @smp (qemu_smp_args()), acpi=False: -machine acpi=off
    (no ACPI tables at all, SeaBIOS and OVMF alike); @ovmf_vars: boot OVMF
    with this copy of its variable store; @debug_log: QEMU's -d cpu_reset
    log."""
    argv = [
        QEMU, "-m", mem, "-display", "none", "-no-reboot",
        "-device", ISA_DEBUG_EXIT, "-cdrom", str(iso),
        "-serial", f"file:{serial_log}", "-monitor", "none",
    ]
    if cpu:
        argv += ["-cpu", cpu]
    machine_opts = ([machine] if machine else []) + ([] if acpi else ["acpi=off"])
    if machine_opts:
        argv += ["-machine", ",".join(machine_opts)]
    argv += qemu_smp_args(smp)
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
             cpu: str | None = None, uefi: bool = False, machine: str | None = None,
             smp: str | int | None = None, acpi: bool = True) -> Run:
    """Boot @iso headless (qemu_argv(); uefi: OVMF) with its logs in
    @workdir, until QEMU exits or run_until_exit() stops it."""
    serial = workdir / "serial.log"
    debug = workdir / "qemu-debug.log"
    ovmf_vars = None
    if uefi:
        ovmf_vars = workdir / "OVMF_VARS.fd"  # written by OVMF: a copy of our own
        shutil.copyfile(OVMF_VARS, ovmf_vars)
    argv = qemu_argv(iso, mem, serial, cpu=cpu, ovmf_vars=ovmf_vars, debug_log=debug, machine=machine,
                     smp=smp, acpi=acpi)
    (workdir / "command").write_text(" ".join(argv) + "\n")
    return run_until_exit(name, argv, serial, timeout, workdir / "qemu-stdout.log",
                          other_logs=(debug, workdir / "qemu-stdout.log"))


def run_bochs_headless(name: str, iso: Path, mem: str, workdir: Path, timeout: float, cpus: int = 1) -> Run:
    """scripts/bochs.sh headless with @cpus CPUs (BOCHS_CPUS: bochsrc's
    cpu: count=); the ISO's directory must hold kernel.sym."""
    env = dict(os.environ, BOCHS_TIMEOUT=str(int(timeout * TIME_SCALE)), BOCHS_CPUS=str(cpus))
    argv = [str(REPO / "scripts" / "bochs.sh"), "headless", str(iso), mem, str(workdir)]
    (workdir / "command").write_text(" ".join(argv) + "\n")
    # The script stops Bochs itself at its own limit; ours is a backstop.
    return run_until_exit(name, argv, workdir / "bochs-com1.log", timeout + 30, workdir / "bochs.sh.out",
                          env=env, other_logs=(workdir / "bochs.log", workdir / "bochs-stdout.log",
                                               workdir / "bochs.sh.out"))


def build_iso_variant(kernel_elf: Path, grub_cfg: Path, outdir: Path, cmdline: str,
                      before_menuentry: list[str], run=None, cwd: Path | None = None) -> Path:
    """An ISO laid out as the Makefile's iso_rule does, with extra grub.cfg
    lines inserted before the first menuentry. grub-mkrescue runs through
    @run (a Runner of tools/observed.py, e.g. the grader's sandbox, in
    @cwd, its output in outdir/grub-mkrescue.log) when given, else here."""
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
    # Inside GRUB's double quotes, \\, \" and \$ stand for themselves.
    quoted = cmdline.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    (root / "boot" / "grub" / "cmdline.cfg").write_text(f'set pagewise_cmdline="{quoted}"\n')
    iso = outdir / "variant.iso"
    argv = ["grub-mkrescue", "-o", str(iso), str(root)]
    if run is not None:
        log = outdir / "grub-mkrescue.log"
        status = run(argv, cwd=cwd or outdir, timeout=120, log=log)
        if status != 0 or not iso.exists():
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"grub-mkrescue failed ({status}):\n{text}")
        return iso
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if res.returncode != 0 or not iso.exists():
        raise RuntimeError(f"grub-mkrescue failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    return iso


def kernel_image_end(kernel_elf: Path) -> int:
    """One past the last physical byte of the kernel image: the highest
    p_paddr + p_memsz of the ELF64 file's PT_LOAD segments (bss included)."""
    import struct

    data = kernel_elf.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{kernel_elf} is not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    end = 0
    for i in range(phnum):
        p_type, _, _, _, p_paddr, _, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_memsz:  # PT_LOAD
            end = max(end, p_paddr + p_memsz)
    return end


# QEMU rounds -m up to a multiple of 8 KiB: the step of the RAM scan.
QEMU_RAM_STEP_KIB = 8


def boots_clean(iso: Path, mem_kib: int, workdir: Path, timeout: float = 60) -> tuple[bool, str]:
    """One SeaBIOS boot of a "selftest poweroff" ISO with mem_kib KiB: (did
    it pass the self-test and power off, the line that says why not)."""
    import re

    workdir.mkdir(parents=True, exist_ok=True)
    serial = workdir / "serial.log"
    argv = qemu_argv(iso, f"{mem_kib}K", serial)
    run = run_until_exit(f"qemu-{mem_kib}K", argv, serial, timeout, workdir / "qemu-stdout.log", halt_grace=0.3)
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", run.serial_bytes().decode("utf-8", errors="replace"))
    lines = [line.strip() for line in text.replace("\r", "").splitlines() if line.strip()]
    ok = (run.returncode == QEMU_POWER_OFF_STATUS and "selftest: all passed" in lines
          and lines[-1] == "reboot: Power down")
    why = next((line for line in lines if line.startswith(("error:", "Kernel panic", "not ok"))),
               lines[-1] if lines else "(nothing on COM1)")
    return ok, why


def scan_min_ram(iso: Path, lo_kib: int, hi_kib: int, workdir: Path, jobs: int = 2) -> list[tuple[int, bool, str]]:
    """Boot the ISO at every size from lo to hi KiB in QEMU's 8 KiB steps
    (jobs at a time): [(KiB, booted clean, why not)]. A scan, not a
    bisection: whether GRUB can load the kernel is not monotonic in the RAM
    size (docs/boot-matrix.md)."""
    from concurrent.futures import ThreadPoolExecutor

    step = QEMU_RAM_STEP_KIB
    sizes = list(range(lo_kib // step * step, hi_kib + 1, step))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda k: (k, *boots_clean(iso, k, workdir / f"{k}K")), sizes))
    return results


if __name__ == "__main__":
    # python3 tools/emulators.py min-ram [ISO [LO_KIB HI_KIB]]
    # Re-measures the minimum RAM by hand (test_boot.py finds it on every run; docs/boot-matrix.md)
    # after a change that makes the kernel image bigger: boots every size
    # from LO to HI (default 2048 to 4096 KiB, about a minute) and prints the
    # smallest that passes and the failing windows above it.
    import sys
    import tempfile

    args = sys.argv[1:]
    if not args or args[0] != "min-ram" or len(args) not in (1, 2, 4):
        raise SystemExit("usage: python3 tools/emulators.py min-ram [ISO [LO_KIB HI_KIB]]")
    iso_arg = Path(args[1]) if len(args) > 1 else REPO / "build" / "pagewise-test.iso"
    lo_arg, hi_arg = (int(args[2]), int(args[3])) if len(args) == 4 else (2048, 4096)
    with tempfile.TemporaryDirectory(prefix="pagewise-min-ram-") as tmp:
        found = scan_min_ram(iso_arg.resolve(), lo_arg, hi_arg, Path(tmp))
    runs: list[list] = []  # [first KiB, last KiB, booted, why] for each stretch of equal outcome
    for kib, ok, why in found:
        if runs and runs[-1][2] == ok and (ok or runs[-1][3] == why):
            runs[-1][1] = kib
        else:
            runs.append([kib, kib, ok, why])
    for first, last, ok, why in runs:
        print(f"{first:>6}K-{last:>6}K  {'boots' if ok else 'FAILS: ' + why}")
    good = [kib for kib, ok, _ in found if ok]
    if not good:
        raise SystemExit(f"nothing from {lo_arg}K to {hi_arg}K boots")
    bad_above = [kib for kib, ok, _ in found if not ok and kib > good[0]]
    print(f"minimum RAM: {good[0]}K ({good[0] / 1024:.2f} MiB)")
    if bad_above:
        print(f"but sizes up to {bad_above[-1]}K fail again (GRUB out of memory); every size from "
              f"{min(k for k in good if k > bad_above[-1]) if any(k > bad_above[-1] for k in good) else '?'}K "
              f"to {hi_arg}K boots")
