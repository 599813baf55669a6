// SPDX-License-Identifier: MIT
/*
 * cpus.c - the `cpus` command: each possible CPU with its APIC id, state,
 * kernel stack, timer ticks and interrupts taken, read from the per-CPU
 * areas (smp.h). Other CPUs' counters are read without a lock: each is
 * written by its own CPU only, so a row may be a moment old.
 */
#include "commands.h"
#include "printk.h"
#include "smp.h"

void cmd_cpus(int argc, char **argv)
{
	unsigned int cpu;

	(void)argc;
	(void)argv;
	printk("cpus: %u possible, %u online\n", nr_cpu_ids, num_online_cpus());
	printk("CPU  APIC id  state    %-39s  %10s  %10s\n", "stack", "ticks",
	       "interrupts");
	for_each_possible_cpu (cpu) {
		const struct percpu *p = per_cpu(cpu);
		unsigned long irqs = 0;

		for (unsigned int v = 0; v < NR_VECTORS; v++)
			irqs += p->irq_count[v];
		if (p->stack_top)
			printk("%3u  %7u  %-7s  [%#018lx-%#018lx]  %10lu  %10lu\n",
			       cpu, p->apic_id, cpu_state_name(p->state),
			       p->stack_base, p->stack_top - 1, p->ticks, irqs);
		else
			printk("%3u  %7u  %-7s  %-39s  %10lu  %10lu\n", cpu,
			       p->apic_id, cpu_state_name(p->state),
			       "(no stack)", p->ticks, irqs);
	}
}
