// SPDX-License-Identifier: MIT
/*
 * tss.c - the 64-bit task state segment. In long mode the TSS holds no task
 * state, only stack pointers: here the IST stacks on which double faults,
 * NMIs and machine checks run (as Linux's cpu_entry_area exception stacks).
 * Invariant: every kernel stack has an unmapped guard page right below it
 * (paging_init() unmaps CPU 0's; vmap_stack() never maps one for an AP's),
 * so running off the end faults at once. CPU 0 uses boot.asm's gdt64 and
 * the static tss; each AP has a GDT and a TSS of its own (a TSS descriptor
 * is marked busy by ltr, so two CPUs cannot load the same one).
 */
#include "tss.h"

#include <stddef.h>
#include <stdint.h>

#include "init.h"
#include "kernel.h"
#include "memlayout.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"

#define GDT_TSS	       0x18 /* the TSS's selector: its slot in boot.asm's gdt64 */
#define TSS_TYPE_AVAIL 0x9 /* descriptor type: available 64-bit TSS */
#define DESC_PRESENT   (1UL << 47)
#define IST_STACK_SIZE (IST_STACK_PAGES * PAGE_SIZE)
#define GDT_ENTRIES    5 /* null, code, data, TSS (two slots) */
#define KERNEL_CS      0x08
#define KERNEL_DS      0x10
#define IOMAP_NONE     0xffff /* I/O bitmap offset past the limit: none */

/* The hardware layout (Intel SDM vol. 3, "64-bit TSS"), 104 bytes. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3]; /* stacks for entering rings 0..2: unused, no rings */
	uint64_t reserved1;
	uint64_t ist[7]; /* IST1..IST7: the initial RSP of each IST stack */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* An IST stack with its guard page, page-aligned in .bss. */
struct guarded_stack {
	char guard[PAGE_SIZE];
	char stack[IST_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

extern uint64_t gdt64[];					/* boot.asm */
extern char boot_stack_guard[], boot_stack[], boot_stack_top[]; /* boot.asm */
static struct guarded_stack ist_stacks[IST_NR]; /* [IST_DF - 1] ... */
static struct tss64 tss = { .iomap_base = IOMAP_NONE };

/*
 * Each AP's GDT, TSS and stacks, index = CPU number (slot 0 unused: CPU 0
 * has gdt64, tss and kernel_stacks). Written by CPU 0 in tss_alloc_cpu()
 * before the AP starts, read by the AP and, for the stacks, by any CPU's
 * crash dump: ap_stacks_ready[cpu] is set (release) once ap_stacks[cpu] is
 * complete, and kernel_stack_of() reads it first (acquire).
 */
static uint64_t ap_gdt[NR_CPUS][GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 ap_tss[NR_CPUS];
static struct kernel_stack ap_stacks[NR_CPUS][NR_KERNEL_STACKS];
static bool ap_stacks_ready[NR_CPUS];

static const char *const ist_names[IST_NR] = { "#DF", "NMI", "#MC" };

#define IST_STACK(n, slot)                                          \
	{                                                           \
		.name = n, .ist = slot,                             \
		.guard = (unsigned long)ist_stacks[slot - 1].guard, \
		.base = (unsigned long)ist_stacks[slot - 1].stack,  \
		.top = (unsigned long)ist_stacks[slot - 1].stack +  \
		       IST_STACK_SIZE,                              \
	}

const struct kernel_stack kernel_stacks[NR_KERNEL_STACKS] = {
	{
		.name = "boot",
		.guard = (unsigned long)boot_stack_guard,
		.base = (unsigned long)boot_stack,
		.top = (unsigned long)boot_stack_top,
	},
	IST_STACK("#DF", IST_DF),
	IST_STACK("NMI", IST_NMI),
	IST_STACK("#MC", IST_MC),
};

/* Write the 16-byte TSS descriptor for @t into @gdt (slot GDT_TSS). */
static void set_tss_desc(uint64_t *gdt, const struct tss64 *t)
{
	unsigned long base = (unsigned long)t, limit = sizeof(*t) - 1;

	/* A 16-byte system descriptor: base 63..0 split over both halves. */
	gdt[GDT_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			   (uint64_t)TSS_TYPE_AVAIL << 40 | DESC_PRESENT |
			   ((limit >> 16) & 0xf) << 48 |
			   ((base >> 24) & 0xff) << 56;
	gdt[GDT_TSS / 8 + 1] = base >> 32;
}

void __init tss_init(void)
{
	BUILD_BUG_ON(sizeof(struct tss64) != 104);
	for (unsigned int i = 1; i < NR_KERNEL_STACKS; i++)
		tss.ist[kernel_stacks[i].ist - 1] = kernel_stacks[i].top;
	set_tss_desc(gdt64, &tss);
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

/* One vmap_stack() of @pages pages as stack @slot of @cpu. */
static bool alloc_stack(unsigned int cpu, unsigned int slot, unsigned int pages)
{
	struct kernel_stack *s = &ap_stacks[cpu][slot];
	unsigned long base, top = vmap_stack(pages, &base);

	if (!top)
		return false;
	*s = (struct kernel_stack){
		.name = slot ? ist_names[slot - 1] : "kernel",
		.cpu = cpu,
		.ist = slot,
		.guard = base - PAGE_SIZE,
		.base = base,
		.top = top,
	};
	return true;
}

int tss_alloc_cpu(unsigned int cpu)
{
	struct tss64 *t = &ap_tss[cpu];

	if (!cpu || cpu >= NR_CPUS ||
	    __atomic_load_n(&ap_stacks_ready[cpu], __ATOMIC_ACQUIRE)) {
		pr_err("tss: CPU %u: no stacks to allocate (CPU 0, past NR_CPUS or done)\n",
		       cpu);
		return -EINVAL;
	}
	if (!alloc_stack(cpu, 0, AP_STACK_PAGES))
		return -ENOMEM;
	for (unsigned int slot = 1; slot <= IST_NR; slot++)
		if (!alloc_stack(cpu, slot, IST_STACK_PAGES))
			return -ENOMEM;

	*t = (struct tss64){ .iomap_base = IOMAP_NONE };
	for (unsigned int slot = 1; slot <= IST_NR; slot++)
		t->ist[slot - 1] = ap_stacks[cpu][slot].top;
	/* The same code and data descriptors as boot.asm's gdt64. */
	ap_gdt[cpu][0] = 0;
	ap_gdt[cpu][KERNEL_CS / 8] = gdt64[KERNEL_CS / 8];
	ap_gdt[cpu][KERNEL_DS / 8] = gdt64[KERNEL_DS / 8];
	set_tss_desc(ap_gdt[cpu], t);

	per_cpu(cpu)->stack_base = ap_stacks[cpu][0].base;
	per_cpu(cpu)->stack_top = ap_stacks[cpu][0].top;
	__atomic_store_n(&ap_stacks_ready[cpu], true, __ATOMIC_RELEASE);
	return 0;
}

void tss_load_cpu(unsigned int cpu)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed))
	gdtr = { sizeof(ap_gdt[cpu]) - 1, (uint64_t)ap_gdt[cpu] };

	__asm__ volatile("lgdt %0\n\t"
			 /* CS by a far return: push the selector and the
			  * address of the next instruction. */
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 :
			 : "m"(gdtr), "i"(KERNEL_CS), "i"(KERNEL_DS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

const struct kernel_stack *kernel_stack_of(unsigned long addr)
{
	for (unsigned int i = 0; i < NR_KERNEL_STACKS; i++)
		if (addr >= kernel_stacks[i].guard &&
		    addr < kernel_stacks[i].top)
			return &kernel_stacks[i];
	for (unsigned int cpu = 1; cpu < NR_CPUS; cpu++) {
		if (!__atomic_load_n(&ap_stacks_ready[cpu], __ATOMIC_ACQUIRE))
			continue;
		for (unsigned int i = 0; i < NR_KERNEL_STACKS; i++)
			if (addr >= ap_stacks[cpu][i].guard &&
			    addr < ap_stacks[cpu][i].top)
				return &ap_stacks[cpu][i];
	}
	return NULL;
}
