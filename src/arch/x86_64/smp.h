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
	 * [stack_base, stack_top), an unmapped guard page below stack_base.
	 * Set by CPU 0 (smp_prepare_cpus() for itself, tss_alloc_cpu() for
	 * an AP before it starts); read-only after. */
	unsigned long stack_base, stack_top;

	/* Interrupts (irq.c, apic.c): counted by this CPU only. */
	volatile unsigned long ticks;	     /* LAPIC timer interrupts */
	unsigned long irq_count[NR_VECTORS]; /* by vector, /proc/interrupts */
	unsigned long spurious_count;	     /* APIC spurious vector */
	unsigned long nmi_count;	     /* NMIs taken */

	/* SMP boot (smpboot.c) */
	/* The function-call slot (smp_call_function_single()): csd_busy
	 * goes 0 -> 1 by the calling CPU's atomic exchange, which then owns
	 * csd_func/csd_info/csd_wait until this CPU's CALL_FUNCTION_VECTOR
	 * handler sets csd_busy back to 0 (before the call when !csd_wait,
	 * after it when csd_wait). */
	int csd_busy;
	int csd_wait;
	void (*csd_func)(void *info);
	void *csd_info;
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
#define for_each_online_cpu(cpu)                             \
	for_each_possible_cpu (cpu)                          \
		if (percpu_areas[(cpu)].state != CPU_ONLINE) \
			;                                    \
		else

/* num_online_cpus() - how many CPUs are CPU_ONLINE now. */
unsigned int num_online_cpus(void);

/*
 * percpu_init_cpu() - point this CPU's GS base at percpu_areas[@cpu] and
 * fill in self and cpu. Context: first thing on each CPU, before printk
 * (which takes a lock that names its owner by CPU).
 */
void percpu_init_cpu(unsigned int cpu);

/*
 * SMP boot (smpboot.c), as Linux's arch/x86/kernel/smpboot.c.
 *
 * smp_prepare_cpus() - the possible CPUs: CPU 0 is the running one (its
 * APIC id from CPUID), then the MADT's enabled local APICs in MADT order,
 * then its online-capable ones (hotplug: possible, never started here);
 * "nosmp" keeps CPU 0 alone, "maxcpus=N" starts at most N CPUs (the others
 * stay possible but offline), NR_CPUS caps both (reported). Sets
 * nr_cpu_ids and each CPU's apic_id, acpi_uid and state (CPU 0 ONLINE, the
 * others OFFLINE), and picks the real-mode trampoline's pages among the
 * usable pages below 1 MiB (memblock.memory; they stay reserved, as the
 * whole first 1 MiB is). Prints "smpboot: Allowing <n> CPUs, <h> hotplug
 * CPUs" and "smpboot: real-mode trampoline at [mem ...]".
 * Context: CPU 0, boot, after acpi_boot_init(), before mm_core_init().
 */
void smp_prepare_cpus(void);

/*
 * smp_init() - start every CPU smp_prepare_cpus() chose, one after the
 * other: its stacks (vmap_stack(), guard pages), GDT and TSS, then
 * INIT-SIPI-SIPI with the Intel SDM's delays, and up to 1 s for it to say
 * it is online. A CPU that does not answer is reported and left out
 * (state FAILED). Prints Linux's lines and the summary ("smp: Brought up 1
 * node, <n> CPUs"), then removes the trampoline's identity map (and wipes
 * its pages when every CPU answered).
 * Context: CPU 0, boot, after irq_init() (the local APIC is mapped).
 */
void smp_init(void);

/*
 * start_secondary() - the C entry of an AP (CPU @cpu), called by the
 * trampoline (trampoline.asm) on its own stack with the kernel's page
 * tables: per-CPU area, GDT and TSS, IDT, local APIC, then it reports
 * online and idles in safe_halt(). Never returns. As Linux's
 * start_secondary().
 */
void start_secondary(unsigned long cpu) __attribute__((noreturn));

/*
 * smp_call_function_single() - run @func(@info) on CPU @cpu, from its
 * CALL_FUNCTION_VECTOR interrupt (at once, interrupts off, when @cpu is
 * the caller), as Linux's smp_call_function_single(). @wait 1: return only
 * after @func returned there; 0: once the IPI is sent. @func runs in
 * interrupt context on @cpu: it must not sleep or wait for the caller.
 * Context: any CPU; with @wait, interrupts on (two CPUs waiting on each
 * other with interrupts off would never finish).
 * Return: 0; -EINVAL when @cpu is not a possible, online CPU or @func is
 * NULL; -EBUSY when @cpu still has an earlier call (wait 0) not yet run.
 */
int smp_call_function_single(unsigned int cpu, void (*func)(void *), void *info,
			     int wait);

struct pt_regs; /* traps.h */
/*
 * smp_call_function_interrupt() - the CALL_FUNCTION_VECTOR handler: run
 * this CPU's pending call (smp_call_function_single()). Registered with
 * irq_vector_register(); the caller (do_IRQ) counts and acknowledges it.
 */
void smp_call_function_interrupt(struct pt_regs *regs);

/* cpu_state_name() - "online", "offline", ... for @state (the `cpus`
 * monitor command and the boot lines). */
const char *cpu_state_name(enum cpu_state state);

#endif
