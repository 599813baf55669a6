/* SPDX-License-Identifier: MIT */
/* traps.h - CPU exceptions: the IDT and the saved register frame. */
#ifndef ARCH_X86_64_TRAPS_H
#define ARCH_X86_64_TRAPS_H

#include <stdint.h>

/* The frame entry.asm builds, lowest address first. */
struct pt_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t bp, di, si, dx, cx, bx, ax;
	uint64_t vector, error_code;	/* pushed by the stub (or the CPU) */
	uint64_t ip, cs, flags, sp, ss; /* pushed by the CPU */
};

/*
 * idt_init() - load the TSS and the IST stacks (tss_init()), then the IDT of
 * NR_VECTORS (256) gates: exceptions 0..31 (#DF, NMI and #MC on their own
 * IST stacks) and interrupts 32..255 to do_IRQ() (irq.h).
 * Context: CPU 0, boot, first thing in kernel_main(), on the boot stack.
 */
void idt_init(void);

/*
 * idt_load() - load the IDT idt_init() built on the calling CPU (lidt).
 * Context: each AP, early, before it enables interrupts; interrupts off.
 */
void idt_load(void);

/*
 * do_exception() - called by entry.asm with the saved registers: print the
 * crash dump (reason, registers, stack, Call Trace, the CPU) and panic().
 * An NMI while a panic is in progress stops the CPU it arrives on, silently
 * (the panicking CPU's stop request). Return: only for an NMI that reaches
 * the panicking CPU itself, which then goes on with its panic; every other
 * call ends in a panic or a stopped CPU.
 */
void do_exception(struct pt_regs *regs);

#endif
