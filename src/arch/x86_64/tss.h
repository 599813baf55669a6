/* SPDX-License-Identifier: MIT */
/*
 * tss.h - the 64-bit TSS with its interrupt stack table (IST), and the list
 * of every kernel stack with the unmapped guard page below it.
 */
#ifndef ARCH_X86_64_TSS_H
#define ARCH_X86_64_TSS_H

#include <stdbool.h>

/*
 * IST slots (1..7; 0 in an IDT entry means "stay on the current stack").
 * Double fault, NMI and machine check get stacks of their own, as in Linux,
 * so each is handled even when the current stack is unusable.
 */
#define IST_DF	1 /* #DF: a kernel stack overflow ends here */
#define IST_NMI 2
#define IST_MC	3
#define IST_NR	3

/* One kernel stack: [base, top) is usable, [guard, base) is never mapped. */
struct kernel_stack {
	const char *name;    /* "boot", "#DF", "NMI", "#MC" */
	unsigned int ist;    /* its IST slot, 0 for the boot stack */
	unsigned long guard; /* kernel-map address of the guard page */
	unsigned long base;  /* lowest usable byte = guard + PAGE_SIZE */
	unsigned long top;   /* one past the highest byte: the initial RSP */
};

/* The boot stack first, then the IST stacks in slot order. */
#define NR_KERNEL_STACKS (1 + IST_NR)
extern const struct kernel_stack kernel_stacks[NR_KERNEL_STACKS];

/*
 * tss_init() - point the TSS's IST slots at their stacks, write the TSS
 * descriptor into the GDT (selector GDT_TSS, boot.asm) and load it with ltr.
 * Context: boot, once, before the IDT refers to IST slots (idt_init()).
 */
void tss_init(void);

/*
 * kernel_stack_of() - the kernel stack whose guard page or usable part holds
 * @addr. Return: the stack, or NULL when @addr is on none of them.
 */
const struct kernel_stack *kernel_stack_of(unsigned long addr);

/* in_guard_page() - is @addr inside @stack's guard page? */
static inline bool in_guard_page(const struct kernel_stack *stack,
				 unsigned long addr)
{
	return addr >= stack->guard && addr < stack->base;
}

#endif
