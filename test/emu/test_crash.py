"""test_crash.py - boot `crashtest=X poweroff` under QEMU for each deliberate
fault X (src/test/crashtest.c) and read the crash dump on COM1: it must name the
fault correctly (vector, error code, CR2), show every register, a stack dump
and a Call Trace whose symbols are the kernel's own (checked against nm of
the same kernel.elf), and end in a panic and a clean power-off (exit 33),
never a triple fault.

One boot per crashtest (a few seconds each), shared by the tests of that
crashtest; all on one CPU but for the last group, which boots -smp 2: a dump
on an AP (ap-null, ap-panic), two CPUs panicking at once (panic-race) and a
panic while another CPU prints (panic-printing): one readable panic, every
other CPU stopped by the panicking CPU's NMI, no line mixing two CPUs. docs/debugging.md explains how to read such a dump. One more
boot goes through make dump's scripts/dump.sh, which must give up on a
panicked kernel at once.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emulators import QEMU_POWER_OFF_STATUS, REPO, TIME_SCALE, Run, build_iso_variant, run_qemu
from serial_log import clean_lines, kernel_lines

CRASHTESTS = ("null", "write-text", "exec-data", "stack-overflow")
QEMU_TIMEOUT = 60  # seconds (x PAGEWISE_EMU_TIME_SCALE); a crash boot takes 1-3 s
MIN_STACK_WORDS = 16
MAX_TRACE_LINES = 32  # MAX_TRACE_FRAMES in traps.c
PAGE_SIZE = 4096

REGISTERS = ("RIP", "RSP", "EFLAGS", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
             "R08", "R09", "R10", "R11", "R12", "R13", "R14", "R15",
             "CS", "DS", "ES", "CR0", "CR2", "CR3", "CR4")
X86_CR0_PG, X86_CR0_WP, X86_CR4_PAE = 1 << 31, 1 << 16, 1 << 5

_REG = re.compile(r"\b([A-Z][A-Z0-9]{1,5}):\s+(?:([0-9a-f]{4}):)?([0-9a-f]{4,16})\b")
_RIP = re.compile(r"^RIP: ([0-9a-f]{4}):(\S+)$")
_STACK_HEAD = re.compile(r"^Stack: RSP (on|in the guard page of) the (\S+) stack \[([0-9a-f]{16})-([0-9a-f]{16})\]")
_STACK_WORD = re.compile(r"^ ([0-9a-f]{16}): ([0-9a-f]{16})(?: (\S+))?$")
_FRAME = re.compile(r"^ (\? )?\[<([0-9a-f]{16})>\] (\S+)$")
_SYMBOL = re.compile(r"^(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)$")


# ---------------------------------------------------------------------------
# The kernel's own symbols, from nm: what a symbolized name must match.


@dataclass
class KernelSymbols:
    all: dict[str, list[int]]  # every nm symbol: name -> addresses
    text: list[tuple[int, str]]  # text symbols in [_text, _etext), sorted
    etext: int

    @classmethod
    def read(cls, elf: Path) -> KernelSymbols:
        out = subprocess.run(["nm", "-n", str(elf)], capture_output=True, text=True, check=True).stdout
        syms: dict[str, list[int]] = {}
        rows = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 3:
                continue
            addr, kind, name = int(parts[0], 16), parts[1], parts[2]
            syms.setdefault(name, []).append(addr)
            rows.append((addr, kind, name))
        text_start, etext = syms["_text"][0], syms["_etext"][0]
        text = [(a, n) for a, k, n in rows if k in "tTwW" and text_start <= a < etext and n != "_text"]
        return cls(syms, text, etext)

    def addr(self, name: str) -> int:
        (a,) = self.all[name]
        return a

    def size(self, start: int) -> int:
        """As Linux's kallsyms: to the next higher text symbol, or _etext."""
        return next((a for a, _ in self.text if a > start), self.etext) - start

    def check(self, addr: int, symbol: str) -> str | None:
        """Does "name+0xoff/0xsize" describe @addr? None if so, else why not."""
        m = _SYMBOL.match(symbol)
        if not m:
            return f"{symbol!r} is not name+0xoff/0xsize"
        name, off, size = m.group(1), int(m.group(2), 16), int(m.group(3), 16)
        starts = [a for a, n in self.text if n == name]
        if not starts:
            return f"{name} is not a text symbol of the kernel"
        if addr - off not in starts:
            return f"{symbol} at {addr:#x}: {name} starts at {[hex(a) for a in starts]}"
        if size != self.size(addr - off):
            return f"{symbol}: nm says {name} has size {self.size(addr - off):#x}"
        return None


@pytest.fixture(scope="module")
def ksyms(artifacts) -> KernelSymbols:
    return KernelSymbols.read(artifacts.kernel_elf)


# ---------------------------------------------------------------------------
# The crash dump, parsed.


@dataclass
class Frame:
    addr: int
    symbol: str  # "name+0xoff/0xsize", or "0x..." outside the text
    guess: bool  # printed with "? "

    @property
    def name(self) -> str | None:
        m = _SYMBOL.match(self.symbol)
        return m.group(1) if m else None


@dataclass
class CrashDump:
    lines: list[str]  # the kernel's lines from the crashtest's announcement on
    regs: dict[str, int] = field(default_factory=dict)
    rip_symbol: str = ""
    stack_name: str | None = None
    stack_range: tuple[int, int] | None = None  # first and last byte
    rsp_in_guard: bool = False  # the dump then starts at the stack's first byte
    stack: list[tuple[int, int, str | None]] = field(default_factory=list)  # address, value, symbol
    trace: list[Frame] = field(default_factory=list)
    trace_notes: list[str] = field(default_factory=list)  # " ... (more frames not shown)" etc.

    @classmethod
    def parse(cls, lines: list[str], what: str) -> CrashDump:
        start = next((i for i, line in enumerate(lines) if line.startswith(f"crashtest: {what}: ")), 0)
        dump = cls(lines[start:])
        section = None
        for line in dump.lines:
            if line.startswith("Stack: "):
                section = "stack"
                m = _STACK_HEAD.match(line)
                if m:
                    dump.rsp_in_guard = m.group(1) != "on"
                    dump.stack_name = m.group(2)
                    dump.stack_range = (int(m.group(3), 16), int(m.group(4), 16))
                continue
            if line == "Call Trace:":
                section = "trace"
                continue
            if section == "stack" and (m := _STACK_WORD.match(line)):
                dump.stack.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
                continue
            if section == "trace":
                if m := _FRAME.match(line):
                    dump.trace.append(Frame(int(m.group(2), 16), m.group(3), bool(m.group(1))))
                    continue
                if line.startswith(" "):
                    dump.trace_notes.append(line)
                    continue
            section = None
            if m := _RIP.match(line):
                dump.regs["CS"] = int(m.group(1), 16)
                dump.rip_symbol = m.group(2)
                continue
            if re.match(r"^(RSP|RAX|RDX|RBP|R10|R13|CS|CR2):", line):
                for name, seg, value in _REG.findall(line):
                    if seg and name == "RSP":
                        dump.regs["SS"] = int(seg, 16)
                    dump.regs[name] = int(value, 16)
        if dump.trace and "RIP" not in dump.regs:
            dump.regs["RIP"] = dump.trace[0].addr  # the first trace line is RIP
        return dump

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def names(self) -> list[str | None]:
        return [f.name for f in self.trace]


@dataclass
class CrashRun:
    run: Run
    lines: list[str]  # all kernel lines
    dump: CrashDump
    workdir: Path


def boot_crashtest(artifacts, workdir: Path, what: str, cpus: int = 1) -> CrashRun:
    """Build an ISO whose command line is `crashtest=<what> poweroff` from the
    tested kernel.elf and boot it in QEMU, with @cpus CPUs."""
    workdir.mkdir(parents=True, exist_ok=True)
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, workdir / "iso",
                            f"crashtest={what} poweroff", [])
    if cpus == 1:
        run = run_qemu(f"qemu-crashtest-{what}", iso, "128M", workdir, QEMU_TIMEOUT)
    else:
        run = run_qemu(f"qemu-smp{cpus}-crashtest-{what}", iso, "128M", workdir, QEMU_TIMEOUT, smp=cpus)
    lines = kernel_lines(clean_lines(run.serial_bytes()))
    return CrashRun(run, lines, CrashDump.parse(lines, what), workdir)


def cached_crashtests(artifacts, tmp_path_factory, cpus: int = 1):
    """A get(what) that boots crashtest=what on demand with @cpus CPUs, once
    per crashtest for the whole module."""
    cache: dict[str, CrashRun] = {}
    prefix = "crash" if cpus == 1 else "crash-smp"

    def get(what: str) -> CrashRun:
        if what not in cache:
            cache[what] = boot_crashtest(artifacts, tmp_path_factory.mktemp(f"{prefix}-{what}"), what, cpus)
        return cache[what]
    return get


@pytest.fixture(scope="module")
def crash_runs(artifacts, tmp_path_factory):
    """Boots on demand, once per crashtest for the whole module."""
    return cached_crashtests(artifacts, tmp_path_factory)


@pytest.fixture
def crash(request, crash_runs, emu_logs) -> CrashRun:
    cr = crash_runs(request.param)
    emu_logs.add(cr.run.serial_log, *cr.run.other_logs)
    return cr


def each_crashtest(fn):
    return pytest.mark.parametrize("crash", CRASHTESTS, indirect=True)(fn)


# ---------------------------------------------------------------------------
# What every dump must have.


@each_crashtest
def test_the_fault_happened_and_powered_off(crash):
    what = crash.dump.lines[0] if crash.dump.lines else "(nothing)"
    assert what.endswith("this fault is on purpose; a crash dump follows"), \
        f"no crashtest announcement; first line from it: {what!r}"
    assert not crash.dump.has("no fault happened"), "the fault did not happen: a protection is missing"
    assert not crash.run.timed_out and not crash.run.stopped_after_halt, "QEMU did not power off by itself"
    assert crash.run.returncode == QEMU_POWER_OFF_STATUS, \
        f"QEMU exit {crash.run.returncode}, expected {QEMU_POWER_OFF_STATUS} (0 would be a triple fault)"
    debug = crash.workdir / "qemu-debug.log"
    assert not (debug.exists() and "Triple fault" in debug.read_text(errors="replace")), "triple fault"
    assert crash.lines[-1] == "reboot: Power down"
    assert crash.dump.has("---[ end trace 0000000000000000 ]---")
    assert crash.dump.has("Kernel panic - not syncing: ")


@each_crashtest
def test_dump_and_panic_name_the_cpu(crash):
    """One CPU: the line after the die line ("Oops: ...") and the one after
    the panic line both name CPU 0, and nothing speaks of stopping others."""
    lines = crash.dump.lines
    die = next(i for i, line in enumerate(lines) if re.search(r": [0-9a-f]{4} \[#1\]$", line))
    assert re.fullmatch(r"CPU: 0 APIC id \d+", lines[die + 1]), lines[die:die + 2]
    panic = [i for i, line in enumerate(lines) if line.startswith("Kernel panic - not syncing: ")]
    assert len(panic) == 1, panic
    assert lines[panic[0] + 1] == lines[die + 1], "the panic names the CPU of the dump"
    assert lines[panic[0] + 2] == f"---[ end {lines[panic[0]]} ]---"
    assert not any(line.startswith("panic: CPU") for line in lines)


@each_crashtest
def test_dump_shows_every_register(crash):
    missing = [r for r in REGISTERS if r not in crash.dump.regs and not (r == "RIP" and crash.dump.rip_symbol)]
    assert not missing, f"registers missing from the dump: {missing}"
    regs = crash.dump.regs
    assert regs["CS"] == 0x08 and regs["SS"] == 0x10, "kernel code and data selectors (boot.asm's GDT)"
    assert regs["CR0"] & X86_CR0_PG and regs["CR0"] & X86_CR0_WP, f"CR0 {regs['CR0']:#x}: paging and WP on"
    assert regs["CR4"] & X86_CR4_PAE, f"CR4 {regs['CR4']:#x}: PAE on"


@each_crashtest
def test_stack_dump_from_rsp_with_addresses(crash, ksyms):
    dump = crash.dump
    assert dump.stack_name == "boot", f"RSP should be on the boot stack: {dump.stack_name}"
    first, last = dump.stack_range
    assert (first, last + 1) == (ksyms.addr("boot_stack"), ksyms.addr("boot_stack_top"))
    words, rsp = dump.stack, dump.regs["RSP"]
    if dump.rsp_in_guard:
        assert ksyms.addr("boot_stack_guard") <= rsp < first, f"RSP {rsp:#x} is not in the guard page"
        rsp = first
    assert words and words[0][0] == rsp, "the stack dump starts at RSP (or above the guard page)"
    expected = min(MIN_STACK_WORDS, (last + 1 - rsp) // 8)
    assert len(words) >= expected, f"only {len(words)} quadwords in the stack dump"
    for (a, _, _), (b, _, _) in zip(words, words[1:]):
        assert b == a + 8, f"stack dump not contiguous at {a:#x}"
    assert all(first <= a <= last - 7 for a, _, _ in words), "stack dump leaves the stack"
    for addr, value, symbol in words:
        if symbol:
            # a return address names its caller: the symbol is looked up at value - 1
            why = ksyms.check(value, symbol)
            assert why is None, f"stack word at {addr:#x}: {why}"


@each_crashtest
def test_call_trace_is_symbolized_from_the_kernel(crash, ksyms):
    trace = crash.dump.trace
    assert trace, "no Call Trace"
    assert len(trace) <= MAX_TRACE_LINES
    assert trace[0].addr == crash.dump.regs["RIP"] or trace[0].symbol == crash.dump.rip_symbol
    for f in trace:
        if f.name is not None:
            why = ksyms.check(f.addr, f.symbol)
            assert why is None, f"Call Trace line [<{f.addr:016x}>] {f.symbol}: {why}"
        else:
            assert f.symbol == f"{f.addr:#x}", f"an unknown address is printed raw: {f.symbol}"


# ---------------------------------------------------------------------------
# What each fault must be called.


def pf_lines(dump: CrashDump, access: str, code: int, kind: str) -> None:
    assert dump.has(f"#PF: supervisor {access} in kernel mode"), f"no '#PF: supervisor {access} in kernel mode'"
    assert dump.has(f"#PF: error_code({code:#06x}) - {kind}"), f"no '#PF: error_code({code:#06x}) - {kind}'"
    bits = (f"#PF: error_code bits: present={code & 1} write={code >> 1 & 1} user={code >> 2 & 1} "
            f"reserved={code >> 3 & 1} fetch={code >> 4 & 1}")
    assert dump.has(bits), f"no '{bits}'"
    assert dump.has(f"Oops: {code:04x} [#1]")
    assert dump.has(f"traps: vector 14 (#PF, page fault), error_code {code:#x}")
    assert dump.has("Kernel panic - not syncing: Fatal exception")


@pytest.mark.parametrize("crash", ["null"], indirect=True)
def test_null_is_a_null_pointer_dereference(crash):
    dump = crash.dump
    assert dump.has("BUG: kernel NULL pointer dereference, address: 0x0000000000000000")
    pf_lines(dump, "read access", 0x0000, "not-present page")
    assert dump.has("PGD 0"), "page 0 has no PML4 entry: the walk stops at 'PGD 0'"
    assert dump.regs["CR2"] == 0
    names = dump.names()
    assert names[0] == "crashtest_null"
    assert "crashtest_run" in names and "kernel_main" in names


@pytest.mark.parametrize("crash", ["write-text"], indirect=True)
def test_write_text_is_a_write_protection_violation(crash, ksyms):
    dump, target = crash.dump, ksyms.addr("crashtest_write_text")
    assert dump.has(f"BUG: unable to handle page fault for address: {target:#018x}")
    pf_lines(dump, "write access", 0x0003, "permissions violation")
    assert dump.regs["CR2"] == target
    assert dump.names()[:2] == ["crashtest_write_text", "crashtest_run"]
    assert "kernel_main" in dump.names()


@pytest.mark.parametrize("crash", ["exec-data"], indirect=True)
def test_exec_data_is_an_instruction_fetch_from_nx_memory(crash, ksyms):
    dump, target = crash.dump, ksyms.addr("code_in_data")
    assert dump.has("kernel tried to execute NX-protected page - exploit attempt?")
    assert dump.has(f"BUG: unable to handle page fault for address: {target:#018x}")
    pf_lines(dump, "instruction fetch", 0x0011, "permissions violation")
    assert dump.regs["CR2"] == target == dump.trace[0].addr
    assert dump.trace[0].name is None, "RIP is in .data: no text symbol"
    # the call into .data faulted before the callee could push RBP: the
    # caller is found only as the return address at [RSP], a guess
    assert dump.trace[1].guess and dump.trace[1].name == "crashtest_exec_data"
    assert "crashtest_run" in dump.names()


@pytest.mark.parametrize("crash", ["stack-overflow"], indirect=True)
def test_stack_overflow_is_a_double_fault_on_ist1(crash, ksyms):
    dump = crash.dump
    guard, base, top = ksyms.addr("boot_stack_guard"), ksyms.addr("boot_stack"), ksyms.addr("boot_stack_top")
    assert base - guard == PAGE_SIZE
    cr2 = dump.regs["CR2"]
    assert guard <= cr2 < base, f"CR2 {cr2:#x} is not in the boot stack's guard page [{guard:#x}, {base:#x})"
    assert dump.has(f"BUG: stack guard page was hit at {cr2:#018x} (stack is {base:#x}..{top - 1:#x})")
    assert dump.has("kernel stack overflow (double-fault): 0000 [#1]")
    assert dump.has("traps: vector 8 (#DF, double fault), error_code 0x0")
    assert any(re.match(r"^traps: handler running on the #DF stack \(IST1\) \[[0-9a-f]{16}-[0-9a-f]{16}\]$", line)
               for line in dump.lines), "the #DF handler did not run on IST1"
    assert dump.has("Kernel panic - not syncing: kernel stack overflow (double-fault)")
    assert not dump.has("#PF:"), "a stack overflow must not be handled as a plain page fault"
    names = dump.names()
    assert names[0] == "crashtest_recurse"
    assert names.count("crashtest_recurse") >= MAX_TRACE_LINES - 2, names
    assert " ... (more frames not shown)" in dump.trace_notes


@pytest.mark.parametrize("crash", ["panic"], indirect=True)
def test_panic_names_the_cpu(crash):
    """panic() alone, no exception: the three panic lines, then power-off."""
    lines = crash.dump.lines
    why = "crashtest: panic() called on purpose on CPU 0"
    assert lines[1:] == [f"Kernel panic - not syncing: {why}", lines[2], f"---[ end Kernel panic - not syncing: {why} ]---",
                         "reboot: Power down"], lines
    assert re.fullmatch(r"CPU: 0 APIC id \d+", lines[2])
    assert crash.run.returncode == QEMU_POWER_OFF_STATUS


@pytest.mark.parametrize("crash", ["printk-fault"], indirect=True)
def test_fault_inside_printk_still_dumps(crash):
    """A page fault while printk() holds the console lock (formatting %s of
    a pointer into page 0): the dump's printk calls come in on the CPU that
    holds the lock, so they must print anyway, marked once, not deadlock."""
    dump = crash.dump
    marks = [line for line in dump.lines if line.startswith("printk: CPU ")]
    assert marks == ["printk: CPU 0 re-entered printk (an exception or NMI): printing without the console lock"], marks
    assert dump.lines[1] == marks[0], "the mark comes before the dump"
    assert dump.has("BUG: kernel NULL pointer dereference, address: 0x0000000000000010")
    pf_lines(dump, "read access", 0x0000, "not-present page")
    names = dump.names()
    assert "printk" in names and "crashtest_printk_fault" in names, names
    assert names.index("printk") < names.index("crashtest_printk_fault")
    assert crash.lines[-1] == "reboot: Power down" and crash.run.returncode == QEMU_POWER_OFF_STATUS


def test_ap_crashtest_on_one_cpu_is_refused_and_boot_goes_on(artifacts, tmp_path, emu_logs):
    cr = boot_crashtest(artifacts, tmp_path, "ap-null")
    emu_logs.add(cr.run.serial_log, *cr.run.other_logs)
    assert "crashtest: ap-null: needs a second CPU online, and only CPU 0 is: not run" in cr.lines
    assert not any("Kernel panic" in line or "BUG:" in line for line in cr.lines)
    assert cr.run.returncode == QEMU_POWER_OFF_STATUS and cr.lines[-1] == "reboot: Power down"


# ---------------------------------------------------------------------------
# Several CPUs (QEMU -smp 2): a dump on an AP, and two CPUs panicking at once.
# These need the SMP boot (smp_init() bringing CPU 1 online) and its
# smp_call_function_single() over the CALL_FUNCTION_VECTOR IPI.

SMP_CPUS = 2
_CPU_LINE = re.compile(r"^CPU: (\d+) APIC id (\d+)$")


def panic_block(lines: list[str]) -> list[str]:
    """The lines from the (only) "Kernel panic" line to its end line."""
    starts = [i for i, line in enumerate(lines) if line.startswith("Kernel panic - not syncing: ")]
    assert len(starts) == 1, f"{len(starts)} 'Kernel panic' lines: {[lines[i] for i in starts]}"
    why = lines[starts[0]][len("Kernel panic - not syncing: "):]
    end = lines.index(f"---[ end Kernel panic - not syncing: {why} ]---", starts[0])
    return lines[starts[0]:end + 1]


def check_panic_on(lines: list[str], cpu: int, others: list[int]) -> None:
    """The panic block names @cpu and says it stopped @others by NMI, none left running."""
    block = panic_block(lines)
    m = _CPU_LINE.match(block[1])
    assert m and int(m.group(1)) == cpu, f"the CPU line after the panic line: {block[1]!r}"
    stopped = " ".join(str(c) for c in others)
    assert block[2] == f"panic: CPU {cpu} stopped the other CPUs with an NMI; stopped: {stopped}", block
    assert len(block) == 4, f"CPUs that did not stop: {block[3:-1]}"
    assert not any("Kernel panic" in line and not line.startswith(("Kernel panic", "---[ end Kernel panic"))
                   for line in lines), "a panic line mixed into another line"


@pytest.fixture(scope="module")
def smp_crash_runs(artifacts, tmp_path_factory):
    """The same with SMP_CPUS CPUs."""
    return cached_crashtests(artifacts, tmp_path_factory, SMP_CPUS)


@pytest.fixture
def smp_crash(request, smp_crash_runs, emu_logs) -> CrashRun:
    cr = smp_crash_runs(request.param)
    emu_logs.add(cr.run.serial_log, *cr.run.other_logs)
    online = [line for line in cr.lines if re.match(r"^smpboot: CPU 1 \(APIC id \d+\) online", line)]
    assert online, "CPU 1 never came online: the SMP boot is missing"
    return cr


@pytest.mark.parametrize("smp_crash", ["ap-null"], indirect=True)
def test_dump_on_an_ap_names_it_and_stops_cpu0(smp_crash, ksyms):
    dump = smp_crash.dump
    assert dump.lines[0] == "crashtest: ap-null: this fault is on purpose; a crash dump follows"
    assert re.match(r"^crashtest: null: running on CPU 1 \(APIC id \d+\)$", dump.lines[1]), dump.lines[:3]
    assert dump.has("BUG: kernel NULL pointer dereference, address: 0x0000000000000000")
    die = dump.lines.index("Oops: 0000 [#1]")
    m = _CPU_LINE.match(dump.lines[die + 1])
    assert m and m.group(1) == "1", dump.lines[die:die + 2]
    assert dump.lines[1].endswith(f"(APIC id {m.group(2)})"), "the APIC id is CPU 1's"
    names = dump.names()
    assert names[0] == "crashtest_null" and "crashtest_on_this_cpu" in names, names
    for f in dump.trace:
        if f.name is not None:
            assert ksyms.check(f.addr, f.symbol) is None, f.symbol
    assert dump.stack_name not in (None, "boot"), f"CPU 1 runs on its own kernel stack: {dump.stack_name}"
    check_panic_on(smp_crash.lines, 1, [0])
    assert not dump.has("no fault happened")
    assert smp_crash.lines[-1] == "reboot: Power down" and smp_crash.run.returncode == QEMU_POWER_OFF_STATUS


@pytest.mark.parametrize("smp_crash", ["ap-panic"], indirect=True)
def test_panic_on_an_ap(smp_crash):
    lines = smp_crash.dump.lines
    assert lines[0] == "crashtest: ap-panic: this fault is on purpose; a crash dump follows"
    assert panic_block(lines)[0] == "Kernel panic - not syncing: crashtest: panic() called on purpose on CPU 1"
    check_panic_on(smp_crash.lines, 1, [0])
    assert smp_crash.lines[-1] == "reboot: Power down" and smp_crash.run.returncode == QEMU_POWER_OFF_STATUS


@pytest.mark.parametrize("smp_crash", ["panic-race"], indirect=True)
def test_two_cpus_panicking_at_once_give_one_panic(smp_crash):
    """CPU 0 and CPU 1 call panic() within a few instructions of each other:
    exactly one panic block, from whichever won, naming it and the other as
    stopped; the loser prints nothing, and no line is mixed."""
    lines = smp_crash.dump.lines
    assert lines[0] == "crashtest: panic-race: this fault is on purpose; a crash dump follows"
    block = panic_block(lines)
    m = re.fullmatch(r"Kernel panic - not syncing: crashtest: panic-race on CPU ([01])", block[0])
    assert m, block[0]
    winner = int(m.group(1))
    check_panic_on(smp_crash.lines, winner, [1 - winner])
    assert lines == [lines[0], *block, "reboot: Power down"], "every line after the announcement is the winner's"
    assert smp_crash.run.returncode == QEMU_POWER_OFF_STATUS


_PRINTING = re.compile(r"^crashtest: panic-printing: CPU ([01]) line (\d+): the quick brown fox jumps over the lazy dog$")


@pytest.mark.parametrize("smp_crash", ["panic-printing"], indirect=True)
def test_lines_of_two_cpus_never_mix_and_the_panic_stops_a_printing_cpu(smp_crash):
    """CPU 0 and CPU 1 print as fast as they can, then CPU 0 panics while
    CPU 1 still prints: every line before the panic is whole and one CPU's
    (but CPU 1's last, which the stop may cut: then a prefix of a whole
    one), each CPU's lines in order; the panic block is whole and names
    CPU 1 as stopped, though it may have held the console lock."""
    lines = smp_crash.dump.lines
    assert lines[0] == "crashtest: panic-printing: this fault is on purpose; a crash dump follows"
    start = lines.index(panic_block(lines)[0])
    body, seen = lines[1:start], {0: 0, 1: 0}
    assert body, "no lines printed before the panic"
    for i, line in enumerate(body):
        m = _PRINTING.match(line)
        if not m:
            whole = f"crashtest: panic-printing: CPU 1 line {seen[1] + 1}: the quick brown fox jumps over the lazy dog"
            assert i == len(body) - 1 and whole.startswith(line), f"a mixed or broken line: {line!r}"
            continue
        cpu, n = int(m.group(1)), int(m.group(2))
        assert n == seen[cpu] + 1, f"CPU {cpu}: line {n} after line {seen[cpu]}"
        seen[cpu] = n
    assert seen[0] == 40 and seen[1] >= 1, seen
    check_panic_on(smp_crash.lines, 0, [1])
    assert lines[start:] == [*panic_block(lines), "reboot: Power down"]
    assert smp_crash.run.returncode == QEMU_POWER_OFF_STATUS


def test_unknown_crashtest_is_reported_and_boot_goes_on(artifacts, tmp_path, emu_logs):
    cr = boot_crashtest(artifacts, tmp_path, "bogus")
    emu_logs.add(cr.run.serial_log, *cr.run.other_logs)
    assert ("crashtest: unknown test 'bogus' (known: null, write-text, exec-data, stack-overflow, panic, "
            "printk-fault, panic-race, panic-printing; ap-<test> runs <test> on another CPU)") in cr.lines
    assert not any("Kernel panic" in line or "BUG:" in line for line in cr.lines)
    assert cr.run.returncode == QEMU_POWER_OFF_STATUS and cr.lines[-1] == "reboot: Power down"


DUMP_PROMPT_END = 30  # seconds (x PAGEWISE_EMU_TIME_SCALE): dump.sh waits 300 for a power-off


def test_make_dump_of_a_kernel_that_panics_ends_at_once(artifacts, tmp_path, emu_logs, boot_times):
    """make dump's path (scripts/dump.sh), booting a kernel that panics before
    its prompt: with no poweroff boot word the panic halts, and the script's
    `poweroff` never runs; dump.sh must see the halt, end QEMU at once and
    fail, naming the panic."""
    cmdline = 'crashtest=null run="meminfo; poweroff"'
    iso = build_iso_variant(artifacts.kernel_elf, artifacts.grub_cfg, tmp_path / "iso", cmdline, [])
    out = tmp_path / "dump.txt"
    emu_logs.add(out)
    start = time.monotonic()
    res = subprocess.run([str(REPO / "scripts" / "dump.sh"), str(iso), "128M", str(out)], cwd=REPO,
                         capture_output=True, text=True, timeout=DUMP_PROMPT_END * TIME_SCALE + 30)
    wall = time.monotonic() - start
    assert wall < DUMP_PROMPT_END * TIME_SCALE, f"dump.sh took {wall:.0f} s to give up"
    assert res.returncode == 1, res.stdout + res.stderr
    assert "dump.sh: the kernel panicked before its prompt, so none of the commands ran:" in res.stderr
    assert "  BUG: kernel NULL pointer dereference, address: 0x0000000000000000" in res.stderr
    assert "  Kernel panic - not syncing: Fatal exception" in res.stderr
    lines = out.read_text().splitlines()
    assert lines[-1] == "reboot: System halted" and "pagewise> meminfo" not in lines
    boot_times.add("qemu-dump-panic", wall, "panicked, ended by dump.sh", None)
