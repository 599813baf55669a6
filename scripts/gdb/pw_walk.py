# pw_walk.py - pw-walk: the page-table walk of a virtual address from CR3
# down the four levels (PGD, PUD, PMD, PTE), as the monitor's walk command
# prints it; and table_pfns(), every page table reachable from CR3. Tables
# are read at their physical addresses through the direct map
# (pw_common.read_phys_u64).

import gdb

from pw_common import (PAGE_PRESENT, PAGE_PSE, PAGE_SHIFT, PTE_PFN_MASK, PTRS_PER_TABLE, hx, number,
                       read_phys_table, read_phys_u64, say_cpu)

CR0_PG = 1 << 31  # CR0.PG: paging on
LEVEL_NAMES = {4: "PGD", 3: "PUD", 2: "PMD", 1: "PTE"}
PAGE_SIZE_NAMES = {1: "4K", 2: "2M", 3: "1G"}
# The x86 entry bits by name (Intel SDM vol. 3, 4.5), in the monitor's order.
FLAG_BITS = (
    (0, "P"), (1, "RW"), (2, "US"), (3, "PWT"), (4, "PCD"),
    (5, "A"), (6, "D"), (7, "PS"), (8, "G"), (63, "NX"),
)


def table_pfns():
    """The pfns of every page table reachable from CR3 (the PGD, and each
    table a present entry points to that does not map a large page), as
    src/monitor/views.c's collect_table_pfns()."""
    found = set()

    def collect(pa, level):
        found.add(pa >> PAGE_SHIFT)
        if level == 1:
            return
        for entry in read_phys_table(pa):
            if entry & PAGE_PRESENT and not (level <= 3 and entry & PAGE_PSE):
                collect(entry & PTE_PFN_MASK, level - 1)

    collect(int(gdb.parse_and_eval("$cr3")) & PTE_PFN_MASK, 4)
    return found


def pte_flags(entry, level):
    """The set flags of entry by name, " "-separated, "-" for none; bit 7 is
    PS only at levels 2 and 3 (in a PTE it is PAT). As mon_pte_flags()."""
    names = [name for bit, name in FLAG_BITS
             if entry & (1 << bit) and (bit != 7 or level in (2, 3))]
    return " ".join(names) or "-"


class PwWalk(gdb.Command):
    """The page-table walk of a virtual address, level by level.

Usage: pw-walk VADDR
From CR3, each level's entry: its index, physical address, value and flags
(P RW US PWT PCD A D PS G NX, set ones only), then the physical address
VADDR maps to and the page size; or the level whose entry is not present.
VADDR may be any gdb expression (0xffff888000100000, &mem_map, $rsp). The
format is the monitor's walk command's, after a first line that names the
CPU: CR3 is the selected gdb thread's (each CPU has its own; "thread N"
selects another, pw-cpus says which is which), the tables are shared
memory. A CPU with paging off (still in the firmware) is refused."""

    def __init__(self):
        super().__init__("pw-walk", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        va = number(arg.strip(), "pw-walk")
        table_pa = int(gdb.parse_and_eval("$cr3")) & PTE_PFN_MASK
        say_cpu("this CPU's CR3; the tables it points to are shared memory")
        if not int(gdb.parse_and_eval("$cr0")) & CR0_PG:
            raise gdb.GdbError("pw-walk: paging is off on this CPU (CR0.PG clear): its addresses are physical "
                               "(a CPU still in the firmware or the trampoline; pw-cpus lists the CPUs)")
        gdb.write(f"walk {hx(va)}: CR3 {hx(table_pa)}\n")
        for level in (4, 3, 2, 1):
            shift = PAGE_SHIFT + 9 * (level - 1)
            index = (va >> shift) & (PTRS_PER_TABLE - 1)
            entry_pa = table_pa + index * 8
            try:
                entry = read_phys_u64(entry_pa)
            except gdb.MemoryError:
                raise gdb.GdbError(f"pw-walk: cannot read {hx(entry_pa)} through the direct map")
            name = LEVEL_NAMES[level]
            gdb.write(f"{name}[{index:3d}] at {hx(entry_pa, 18)}: {hx(entry, 18)} {pte_flags(entry, level)}\n")
            if not entry & PAGE_PRESENT:
                gdb.write(f"walk: {hx(va)} is not mapped ({name} not present)\n")
                return
            if level == 1 or (level <= 3 and entry & PAGE_PSE):
                size = 1 << shift
                pa = (entry & PTE_PFN_MASK & ~(size - 1)) | (va & (size - 1))
                gdb.write(f"phys: {hx(pa, 18)} ({PAGE_SIZE_NAMES[level]} page)\n")
                return
            table_pa = entry & PTE_PFN_MASK


PwWalk()
