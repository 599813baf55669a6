// SPDX-License-Identifier: MIT
/*
 * percpu.c - the per-CPU areas (smp.h) and their GS bases.
 */
#include "cpu.h"
#include "smp.h"

struct percpu percpu_areas[NR_CPUS];
unsigned int nr_cpu_ids = 1;

void percpu_init_cpu(unsigned int cpu)
{
	struct percpu *p = &percpu_areas[cpu];

	p->self = p;
	p->cpu = cpu;
	wrmsr(MSR_GS_BASE, (unsigned long)p);
}

unsigned int num_online_cpus(void)
{
	unsigned int cpu, n = 0;

	for_each_online_cpu (cpu)
		n++;
	return n;
}
