# pagewise.gdb - gdb's start-up script for Pagewise (make gdb runs it).
# Loads build/kernel.elf (or $PAGEWISE_KERNEL), the pw- commands, connects to
# QEMU's gdb stub on $PAGEWISE_GDB_PORT (make qemu-gdb) and stops at
# kernel_main, the kernel's first C function, already in 64-bit long mode.

# QEMU's x86_64 gdb stub sends the 64-bit register set in every CPU mode, so
# gdb must think x86-64 from the start: with "i386" (a 32-bit file, or set by
# hand to debug the 32-bit stub) the first stop fails with "Remote 'g' packet
# reply is too long". The kernel is an ELF64 file, which sets it; we say it
# anyway, before anything connects.
set architecture i386:x86-64

# boot.asm's DWARF covers its 32-bit part only, so looking for the values
# kernel_main's arguments had at the call (entry values) in its caller
# higher_half_entry warns; we do not need them.
set print entry-values no

source scripts/gdb/pagewise.py
pw-connect
