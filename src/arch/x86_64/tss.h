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
	const char *name;    /* "boot" (CPU 0), "kernel" (an AP), "#DF", ... */
	unsigned int cpu;    /* the CPU whose stack it is */
	unsigned int ist;    /* its IST slot, 0 for the boot/kernel stack */
	unsigned long guard; /* kernel-map address of the guard page */
	unsigned long base;  /* lowest usable byte = guard + PAGE_SIZE */
	unsigned long top;   /* one past the highest byte: the initial RSP */
};

/* The boot stack first, then the IST stacks in slot order: CPU 0's, in
 * the kernel image's .bss (each AP's come from tss_alloc_cpu()). */
#define NR_KERNEL_STACKS (1 + IST_NR)
extern const struct kernel_stack kernel_stacks[NR_KERNEL_STACKS];

#define AP_STACK_PAGES	4 /* an AP's kernel stack, 16 KiB as the boot one */
#define IST_STACK_PAGES 2 /* each IST stack, every CPU */

/*
 * tss_init() - point the TSS's IST slots at their stacks, write the TSS
 * descriptor into the GDT (selector GDT_TSS, boot.asm) and load it with ltr.
 * Context: boot, once, before the IDT refers to IST slots (idt_init()).
 */
void tss_init(void);

/*
 * tss_alloc_cpu() - for AP @cpu: its kernel stack (AP_STACK_PAGES) and IST
 * stacks (IST_STACK_PAGES each) from vmap_stack(), each with an unmapped
 * guard page; its TSS's IST slots; its own GDT (boot.asm's code and data
 * descriptors, and its TSS's descriptor). Sets per_cpu(@cpu)->stack_base
 * and stack_top and makes kernel_stack_of() know the stacks. As the stack
 * part of Linux's do_boot_cpu() and percpu_setup_exception_stacks().
 * Context: CPU 0, after mm_core_init(), before @cpu starts; once per CPU.
 * Return: 0, or -ENOMEM (reported; what was allocated stays unused).
 */
int tss_alloc_cpu(unsigned int cpu);

/*
 * tss_load_cpu() - on AP @cpu itself: load its GDT (lgdt, then CS, DS, ES,
 * SS from it) and its TSS (ltr), as Linux's switch_to_new_gdt() and
 * load_TR_desc(). Context: the AP's start, before idt_load().
 */
void tss_load_cpu(unsigned int cpu);

/*
 * kernel_stack_of() - the kernel stack, of any CPU, whose guard page or
 * usable part holds @addr. Context: any CPU (a crash dump); an AP's stacks
 * count once tss_alloc_cpu() finished them.
 * Return: the stack, or NULL when @addr is on none of them.
 */
const struct kernel_stack *kernel_stack_of(unsigned long addr);

/* in_guard_page() - is @addr inside @stack's guard page? */
static inline bool in_guard_page(const struct kernel_stack *stack,
				 unsigned long addr)
{
	return addr >= stack->guard && addr < stack->base;
}

#endif
