/* SPDX-License-Identifier: MIT */
/*
 * smp.h - the CPUs: NR_CPUS, each CPU's per-CPU area reached through the GS
 * base, smp_processor_id(), and the CPU masks as counts and states.
 *
 * Each CPU's GS base (MSR_GS_BASE) holds the address of its own struct
 * percpu, whose first word is that address again: %gs:0 gives "me" in one
 * instruction, as Linux's this_cpu_read(this_cpu_off). The areas are one
 * static array, percpu_areas[NR_CPUS], in .bss.
 */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * NR_CPUS - the most CPUs this kernel can run, a build-time constant as
 * Linux's CONFIG_NR_CPUS. Sizes every per-CPU array (percpu_areas, each
 * zone's per_cpu_pageset). make NR_CPUS=n would change it; 64 by default.
 */
#ifndef NR_CPUS
#define NR_CPUS 64
#endif

#define NR_VECTORS 256 /* IDT entries: exceptions 0-31, then interrupts */

/* Where a CPU is in its life (the `cpus` monitor command prints these). */
enum cpu_state {
	CPU_ABSENT = 0, /* no such CPU: not in the MADT, or past maxcpus= */
	CPU_OFFLINE,	/* possible, never started (hotplug-only, nosmp) */
	CPU_BOOTING,	/* INIT-SIPI-SIPI sent, waiting for it */
	CPU_ONLINE,	/* ran C code and idles in hlt, taking interrupts */
	CPU_FAILED,	/* did not answer: left out */
	CPU_STOPPED,	/* stopped for good by a panic (NMI IPI) */
};

struct kernel_stack; /* tss.h */

/*
 * struct percpu - one CPU's own data. Rule: each field is written by its
 * own CPU only, except where the field says otherwise; other CPUs (the
 * monitor's `cpus`, a panic) only read it, and a reading may be a moment
 * old.
 */
struct percpu {
	struct percpu *self; /* %gs:0: this area's own address */
	unsigned int cpu;    /* %gs:8: the logical CPU number, 0 = boot CPU */
	uint32_t apic_id;    /* local APIC id (from the MADT; set by CPU 0) */
	uint32_t acpi_uid;   /* the MADT entry's ACPI processor UID */
	/* state: written by CPU 0 while it boots this CPU (ABSENT, OFFLINE,
	 * BOOTING, FAILED) and by this CPU after (ONLINE, STOPPED). */
	volatile enum cpu_state state;
	/* The kernel stack this CPU runs on outside the IST handlers:
	 * [stack_base, stack_top), an unmapped guard page below stack_base. */
	unsigned long stack_base, stack_top;

	/* Interrupts (irq.c, apic.c): counted by this CPU only. */
	volatile unsigned long ticks;	     /* LAPIC timer interrupts */
	unsigned long irq_count[NR_VECTORS]; /* by vector, /proc/interrupts */
	unsigned long spurious_count;	     /* APIC spurious vector */
	unsigned long nmi_count;	     /* NMIs taken */
};

extern struct percpu percpu_areas[NR_CPUS];

/*
 * nr_cpu_ids - the possible CPUs: logical numbers 0..nr_cpu_ids-1 may ever
 * run (Linux's nr_cpu_ids). 1 until smp_prepare_cpus() reads the MADT and
 * the command line; never changes after mm_core_init() sized the per-CPU
 * page lists. Written once by CPU 0 at boot, before any other CPU runs.
 */
extern unsigned int nr_cpu_ids;

/* smp_processor_id() - the running CPU's logical number, from %gs:8. */
static inline unsigned int smp_processor_id(void)
{
	unsigned int cpu;

	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(cpu)
			 : "i"(offsetof(struct percpu, cpu)));
	return cpu;
}

/* this_cpu() - the running CPU's struct percpu, from %gs:0. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

#define per_cpu(cpu) (&percpu_areas[(cpu)])

/* for_each_possible_cpu(cpu) - 0 .. nr_cpu_ids - 1, as Linux's. */
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
/* for_each_online_cpu(cpu) - those whose state is CPU_ONLINE. */
#define for_each_online_cpu(cpu)                                    \
	for_each_possible_cpu(cpu) if (percpu_areas[(cpu)].state != \
				       CPU_ONLINE);                 \
	else

/* num_online_cpus() - how many CPUs are CPU_ONLINE now. */
unsigned int num_online_cpus(void);

/*
 * percpu_init_cpu() - point this CPU's GS base at percpu_areas[@cpu] and
 * fill in self and cpu. Context: first thing on each CPU, before printk
 * (which takes a lock that names its owner by CPU).
 */
void percpu_init_cpu(unsigned int cpu);

#endif
