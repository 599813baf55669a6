/* SPDX-License-Identifier: MIT */
/*
 * i8259.h - the two legacy 8259A PICs (master: IRQs 0-7, slave: 8-15 on
 * the master's IRQ 2), as Linux's arch/x86/kernel/i8259.c drives them:
 * remapped to vectors ISA_IRQ_VECTOR(0..15) = 0x20-0x2f and masked; used
 * only when there is no I/O APIC. Intel 8259A datasheet.
 */
#ifndef ARCH_X86_64_I8259_H
#define ARCH_X86_64_I8259_H

#include <stdbool.h>

#define NR_IRQS_LEGACY 16

/*
 * init_8259A() - initialise both PICs (ICW1-ICW4): vectors 0x20-0x2f,
 * the slave on IRQ 2, 8086 mode, normal EOI; then mask every IRQ. Each
 * step is needed even when the PICs are not used: the BIOS maps them onto
 * vectors 8-15, the CPU's exceptions. Context: CPU 0, boot, interrupts off.
 */
void init_8259A(void);

/*
 * enable_8259A_irq() - unmask ISA @irq (0..15; the cascade, IRQ 2, with a
 * slave IRQ). Context: CPU 0; the PICs are not locked (they are used on
 * one machine only: CPU 0 alone, no I/O APIC, so one CPU).
 */
void enable_8259A_irq(unsigned int irq);

/*
 * i8259_ack() - end @irq's interrupt: a non-specific EOI to the slave (IRQ
 * 8-15) and the master. A spurious IRQ 7 or 15 (its bit not in service:
 * the request went away before the CPU took it) is not acknowledged, but
 * for the master's cascade bit of a spurious IRQ 15, as Linux's
 * mask_and_ack_8259A(). Return: false for such a spurious IRQ.
 * Context: the interrupt's handler, interrupts off.
 */
bool i8259_ack(unsigned int irq);

#endif
