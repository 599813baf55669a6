# pw_common.py - what the pw- commands share: the kernel's constants that are
# macros (gdb sees no macros), printk's number format, and reading kernel
# memory and variables through gdb.

import os

import gdb

PAGE_SHIFT = 12  # memlayout.h
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_OFFSET = 0xFFFF888000000000  # memlayout.h: the direct map of all RAM
START_KERNEL_MAP = 0xFFFFFFFF80000000  # memlayout.h: __START_KERNEL_map
DIRECT_MAP_SIZE = 64 << 40  # memlayout.h
MAX_DMA_PFN = (16 << 20) >> PAGE_SHIFT  # mmzone.h: ZONE_DMA ends at 16 MiB
MAX_DMA32_PFN = (4 << 30) >> PAGE_SHIFT  # mmzone.h: ZONE_DMA32 at 4 GiB
GDB_PORT_BASE = 1234  # the Makefile's GDB_PORT rule: base + uid % 10000
PTE_PFN_MASK = 0x000FFFFFFFFFF000  # paging.h: bits 12..51, next table or page
PAGE_PRESENT = 1 << 0
PAGE_PSE = 1 << 7  # in a PMD/PUD entry: a 2 MiB / 1 GiB page
PTRS_PER_TABLE = 512


def default_port():
    """The Makefile's GDB_PORT: 1234 + uid % 10000, so users of one machine
    each get their own port."""
    return GDB_PORT_BASE + os.getuid() % 10000


def hx(value, width=0):
    """printk's "%#0<width>lx": "0x" always (also for 0, unlike C's printf),
    then hex digits zero-padded so that the whole is width characters."""
    digits = format(value, "x")
    return "0x" + digits.rjust(width - 2, "0")


def var(name):
    """The kernel variable name, as a gdb.Value."""
    return gdb.parse_and_eval(name)


def number(arg, command):
    """The integer value of the gdb expression arg (a number, a symbol, &x,
    ...); gdb.GdbError naming the command when there is none."""
    if not arg:
        raise gdb.GdbError(f"{command}: an argument is missing (see help {command})")
    try:
        return int(gdb.parse_and_eval(arg)) & 0xFFFFFFFFFFFFFFFF
    except gdb.error as e:
        raise gdb.GdbError(f"{command}: {arg}: {e}")


def read_u64(va):
    """The 8-byte little-endian word at kernel virtual address va."""
    return int.from_bytes(bytes(gdb.selected_inferior().read_memory(va, 8)), "little")


def read_phys_u64(pa):
    """The 8-byte word at physical address pa, read through the direct map
    (present once paging_init() has run; boot.asm's early map before)."""
    return read_u64(PAGE_OFFSET + pa)


def read_phys_table(pa):
    """The PTRS_PER_TABLE 8-byte entries of the page table at physical
    address pa, in one read through the direct map."""
    data = bytes(gdb.selected_inferior().read_memory(PAGE_OFFSET + pa, PTRS_PER_TABLE * 8))
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


# ---------------------------------------------------------------------------
# CPUs. QEMU's gdb stub shows each virtual CPU as a gdb thread: thread N is
# QEMU's CPU index N - 1 ("Thread 1.N (CPU#N-1 [running])" in info threads).
# Registers are each CPU's own; memory is shared. The kernel's own number for
# a CPU (smp_processor_id()) is found through that CPU's GS base, which
# percpu_init_cpu() points at its struct percpu in percpu_areas[] (smp.h).


def percpu_areas():
    """(address of percpu_areas[0], sizeof(struct percpu), NR_CPUS)."""
    areas = var("percpu_areas")
    first, last = areas.type.range()
    return int(areas.address), areas.type.target().sizeof, last - first + 1


def cpu_of_gs_base(gs_base):
    """The kernel's CPU number whose struct percpu is at gs_base, or None
    (GS base 0: percpu_init_cpu() has not run on that CPU yet)."""
    base, size, nr = percpu_areas()
    if base <= gs_base < base + size * nr and (gs_base - base) % size == 0:
        return (gs_base - base) // size
    return None


def qemu_cpu_index(thread):
    """QEMU's CPU index of a gdb thread (its thread id minus 1)."""
    return thread.ptid[1] - 1


def thread_registers(thread, names):
    """{name: value} of registers names ("gs_base", "rip", ...) of gdb
    thread, read with it selected; the selected thread and frame are put
    back afterwards. The selected thread's are read as they are: switching
    threads makes gdb work out frames again (and, at kernel_main, repeat its
    warning about higher_half_entry's symbols)."""
    here = gdb.selected_thread()
    if thread == here:
        return {name: int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFFFFFFFFFF for name in names}
    frame = gdb.selected_frame().level()
    try:
        thread.switch()
        return {name: int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFFFFFFFFFF for name in names}
    finally:
        here.switch()
        if frame:
            gdb.execute(f"frame {frame}", to_string=True)


def cpu_label(thread=None):
    """Which CPU a gdb thread (default: the selected one) is: "CPU 1
    (thread 2)", the kernel's number from its GS base; or, for a CPU the
    kernel has not set up yet, "thread 2 (QEMU CPU#1; GS base 0, not yet a
    kernel CPU)"; without a target, "no CPU (...)"."""
    thread = thread or gdb.selected_thread()
    if thread is None:
        return "no CPU (not connected: the ELF file's initial values)"
    gs_base = thread_registers(thread, ["gs_base"])["gs_base"]
    cpu = cpu_of_gs_base(gs_base)
    if cpu is None:
        return (f"thread {thread.num} (QEMU CPU#{qemu_cpu_index(thread)}; GS base {hx(gs_base)}, "
                "not yet a kernel CPU)")
    return f"CPU {cpu} (thread {thread.num})"


def say_cpu(reads):
    """The first line of every pw- command: the CPU whose registers it
    reads (the selected gdb thread; "thread N" switches) and what it reads,
    @reads, e.g. "its CR3, then shared memory"."""
    gdb.write(f"{cpu_label()}: {reads}\n")


SHARED = "shared memory only, the same from every CPU"
