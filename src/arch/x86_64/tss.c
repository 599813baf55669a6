// SPDX-License-Identifier: MIT
/*
 * tss.c - the 64-bit task state segment. In long mode the TSS holds no task
 * state, only stack pointers: here the IST stacks on which double faults,
 * NMIs and machine checks run (as Linux's cpu_entry_area exception stacks).
 * Invariant: every kernel stack has an unmapped guard page right below it
 * (paging_init() unmaps them), so running off the end faults at once.
 */
#include "tss.h"

#include <stddef.h>
#include <stdint.h>

#include "init.h"
#include "memlayout.h"
#include "panic.h"

#define GDT_TSS	       0x18 /* the TSS's selector: its slot in boot.asm's gdt64 */
#define TSS_TYPE_AVAIL 0x9 /* descriptor type: available 64-bit TSS */
#define DESC_PRESENT   (1UL << 47)
#define IST_STACK_SIZE (2 * PAGE_SIZE)
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

void __init tss_init(void)
{
	unsigned long base = (unsigned long)&tss, limit = sizeof(tss) - 1;

	BUILD_BUG_ON(sizeof(struct tss64) != 104);
	for (unsigned int i = 1; i < NR_KERNEL_STACKS; i++)
		tss.ist[kernel_stacks[i].ist - 1] = kernel_stacks[i].top;

	/* A 16-byte system descriptor: base 63..0 split over both halves. */
	gdt64[GDT_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			     (uint64_t)TSS_TYPE_AVAIL << 40 | DESC_PRESENT |
			     ((limit >> 16) & 0xf) << 48 |
			     ((base >> 24) & 0xff) << 56;
	gdt64[GDT_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

const struct kernel_stack *kernel_stack_of(unsigned long addr)
{
	for (unsigned int i = 0; i < NR_KERNEL_STACKS; i++)
		if (addr >= kernel_stacks[i].guard &&
		    addr < kernel_stacks[i].top)
			return &kernel_stacks[i];
	return NULL;
}
