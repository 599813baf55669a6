# pagewise.py - gdb commands that read Pagewise's own data structures, in the
# spirit of Linux's scripts/gdb lx- commands: pw-connect, pw-buddyinfo,
# pw-freelist, pw-page, pw-walk, pw-memmap and pw-cpus. Each prints what the kernel's
# monitor command of the same job prints, from the same variables, so the two
# can be compared line by line. Load with: source scripts/gdb/pagewise.py
#
# Everything is read through gdb (symbols, types, target memory); nothing in
# the kernel is called. The few numbers gdb cannot see (macros) are named
# below, each with the header it comes from.

import os
import sys

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pw_common  # noqa: E402
# Importing a module registers its commands.
import pw_cpus  # noqa: E402,F401
import pw_mm  # noqa: E402,F401
import pw_walk  # noqa: E402,F401


class PwConnect(gdb.Command):
    """Connect to QEMU's gdb stub and stop at kernel_main.

Usage: pw-connect [PORT]
PORT defaults to $PAGEWISE_GDB_PORT, else 1234 + uid % 10000 (make gdb-port
prints it). Loads $PAGEWISE_KERNEL (default build/kernel.elf) when no file is
loaded. When the CPU is not yet in the kernel's 64-bit code (QEMU started
with -S, as make qemu-gdb does), a temporary hardware breakpoint at
kernel_main is set and the kernel runs to it: a hardware breakpoint needs no
write to memory that is not mapped yet (the kernel's higher-half addresses
exist only once boot.asm has built its page tables). Then says how many
CPUs QEMU runs, each a gdb thread, and which one stopped."""

    def __init__(self):
        super().__init__("pw-connect", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        port = arg.strip() or os.environ.get("PAGEWISE_GDB_PORT") or str(pw_common.default_port())
        if gdb.current_progspace().filename is None:
            gdb.execute("file " + os.environ.get("PAGEWISE_KERNEL", "build/kernel.elf"))
        gdb.execute("target remote localhost:" + port)
        pc = int(gdb.parse_and_eval("$pc"))
        if pc < pw_common.START_KERNEL_MAP:
            gdb.execute("thbreak kernel_main")
            gdb.execute("continue")
        nr = len(gdb.selected_inferior().threads())
        gdb.write(f"{nr} CPU{'s' if nr != 1 else ''}, one gdb thread each (info threads; thread N selects one, "
                  f"pw-cpus names them); now in {pw_common.cpu_label()}\n")


PwConnect()
