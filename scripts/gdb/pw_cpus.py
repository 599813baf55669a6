# pw_cpus.py - pw-cpus: every possible CPU's struct percpu (percpu_areas[],
# src/arch/x86_64/smp.h) as the monitor's cpus command prints it, and which
# gdb thread (QEMU's gdb stub: one per virtual CPU) each one is.

import gdb

from pw_common import cpu_of_gs_base, hx, percpu_areas, qemu_cpu_index, say_cpu, thread_registers, var


def state_name(state):
    """enum cpu_state by name, as the monitor prints it: CPU_ONLINE ->
    "online"; a value outside the enum as its number."""
    for field in state.type.fields():
        if field.enumval == int(state):
            return field.name[len("CPU_"):].lower()
    return f"state {int(state)}"


def irq_total(area):
    """The interrupts a CPU took: the sum of its irq_count[] (one counter
    per vector), read in one piece."""
    counts = area["irq_count"]
    data = bytes(gdb.selected_inferior().read_memory(int(counts.address), counts.type.sizeof))
    width = counts.type.target().sizeof
    return sum(int.from_bytes(data[i:i + width], "little") for i in range(0, len(data), width))


def threads_by_cpu():
    """({kernel CPU: gdb thread}, [(gdb thread, GS base) of those on no
    kernel CPU yet]), from each thread's GS base (each is selected in turn
    to read it)."""
    found, strangers = {}, []
    for thread in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
        gs_base = thread_registers(thread, ["gs_base"])["gs_base"]
        cpu = cpu_of_gs_base(gs_base)
        if cpu is None:
            strangers.append((thread, gs_base))
        else:
            found[cpu] = thread
    return found, strangers


class PwCpus(gdb.Command):
    """Every possible CPU: APIC id, state, stack, ticks, interrupts, gdb thread.

Usage: pw-cpus
One row per possible CPU (0 .. nr_cpu_ids - 1) from percpu_areas[]: the
kernel's CPU number, its local APIC id, its state (absent, offline, booting,
online, failed, stopped), the kernel stack it runs on, [stack_base,
stack_top - 1] (an unmapped guard page below), its LAPIC timer ticks and the
interrupts it took (the sum of its irq_count[]), as the monitor's cpus
command; then the gdb thread that is this CPU (QEMU's gdb stub shows each
virtual CPU as a thread; its GS base points at the CPU's struct percpu), "-"
for none. "thread N" selects a CPU for the registers the other pw- commands
read (pw-walk's CR3). Threads whose GS base points at no struct percpu
(CPUs the kernel has not started, or before percpu_init_cpu()) are listed
after the rows. The struct percpu of every CPU is in shared memory: any
selected thread reads the same."""

    def __init__(self):
        super().__init__("pw-cpus", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("usage: pw-cpus (no arguments)")
        nr = int(var("nr_cpu_ids"))
        base, size, nr_cpus = percpu_areas()
        if not 1 <= nr <= nr_cpus:
            raise gdb.GdbError(f"pw-cpus: nr_cpu_ids is {nr}, not 1..NR_CPUS ({nr_cpus}): memory is broken")
        say_cpu("every CPU's struct percpu, shared memory; each gdb thread's GS base")
        threads, strangers = threads_by_cpu()
        nr_threads = len(threads) + len(strangers)
        gdb.write(f"{nr} possible CPU{'s' if nr != 1 else ''} (nr_cpu_ids; NR_CPUS {nr_cpus}), "
                  f"{nr_threads} gdb thread{'s' if nr_threads != 1 else ''}\n")
        gdb.write("CPU  APIC id  state     stack                                          ticks  interrupts  thread\n")
        for cpu in range(nr):
            area = var("percpu_areas")[cpu]
            stack_base, stack_top = int(area["stack_base"]), int(area["stack_top"])
            stack = f"[{hx(stack_base, 18)}-{hx(stack_top - 1, 18)}]" if stack_top else "-"
            thread = threads.get(cpu)
            gdb.write(f"{cpu:3d}  {int(area['apic_id']):7d}  {state_name(area['state']):8s}  {stack:45s}"
                      f"{int(area['ticks']):7d}  {irq_total(area):10d}  {thread.num if thread else '-'}\n")
        for thread, gs_base in strangers:
            gdb.write(f"thread {thread.num} (QEMU CPU#{qemu_cpu_index(thread)}): GS base {hx(gs_base)}, "
                      "not yet a kernel CPU\n")


PwCpus()
