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
