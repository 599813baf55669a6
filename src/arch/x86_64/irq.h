/* SPDX-License-Identifier: MIT */
/*
 * irq.h - interrupts: the vectors 32..255 and their handlers, the interrupt
 * controllers chosen at boot (local APIC + I/O APIC from the MADT, or the
 * 8259 PICs without one), their counts, and /proc/interrupts. As Linux's
 * arch/x86/kernel/irq.c and kernel/irq/, in miniature: one handler per
 * vector, no sharing, no threads.
 */
#ifndef ARCH_X86_64_IRQ_H
#define ARCH_X86_64_IRQ_H

#include <stdbool.h>

struct pt_regs;

typedef void (*irq_handler_t)(struct pt_regs *regs);

/* What carries the ISA IRQs: set by CPU 0 in irq_init(), read-only after. */
enum irq_mode {
	IRQ_MODE_NONE = 0, /* before irq_init(): interrupts are off */
	IRQ_MODE_IOAPIC,   /* I/O APIC(s) from the MADT, LAPIC timer tick */
	IRQ_MODE_PIC,	   /* 8259 PICs, PIT IRQ 0 tick (no MADT/I/O APIC) */
};
extern enum irq_mode irq_mode;

/*
 * irq_init() - interrupts on, on CPU 0: both 8259s remapped and masked (or
 * used, when the MADT gives no I/O APIC), the local APIC mapped and set up
 * (lapic_setup_cpu()), the I/O APIC(s) masked, the LAPIC timer calibrated
 * and started at HZ (or the PIT at HZ as the tick), COM1's receive IRQ
 * routed to CPU 0, then local_irq_enable(). Context: CPU 0, boot, after
 * mm_core_init() (ioremap's page tables come from the buddy) and
 * acpi_boot_init(), before smp_init().
 */
void irq_init(void);

/*
 * irq_vector_register() - hang @handler on @vector (FIRST_EXTERNAL_VECTOR
 * .. 0xfe; not SPURIOUS_APIC_VECTOR): do_IRQ() calls it with interrupts
 * off on the CPU the interrupt came to, then acknowledges the interrupt
 * (EOI) itself. @name (a string that lives forever) is what `interrupts`
 * shows. Context: any CPU, before the vector can arrive; registrations
 * are serialised by a lock. A bad vector, or one already taken, is
 * refused with a message and changes nothing.
 */
void irq_vector_register(unsigned int vector, const char *name,
			 irq_handler_t handler);

/*
 * request_isa_irq() - route ISA @irq (0..15) to vector ISA_IRQ_VECTOR(@irq)
 * on CPU 0 (through the I/O APIC, with the MADT's override, or unmasked on
 * the 8259) with @handler on that vector, and print how:
 * "irq: <what> on IRQ <irq> -> GSI <g> (I/O APIC <id> pin <p>) -> vector
 * 0x<v> on CPU 0" (or "on the 8259 PIC"). @name is its `interrupts` name.
 * Context: CPU 0, boot, after irq_init() chose the controllers.
 * Return: true when routed; false with a message.
 */
bool request_isa_irq(unsigned int irq, const char *what, const char *name,
		     irq_handler_t handler);

/*
 * do_IRQ() - the C side of every interrupt vector 32..255 (entry.asm),
 * as Linux's common_interrupt(): the spurious vector is counted in
 * spurious_count and not acknowledged (the SDM: a spurious interrupt sets
 * no ISR bit); any other vector is counted in this_cpu()->irq_count[],
 * given to its handler, or reported in one line when it has none
 * ("irq: unexpected vector 0x%02x on CPU %u", the first few and then the
 * count at each power of two), and acknowledged (LAPIC EOI, or the 8259's
 * for ISA IRQs in 8259 mode). Context: hard interrupt, interrupts off.
 */
void do_IRQ(struct pt_regs *regs);

/*
 * irq_print_ratelimit() - should the @n-th (1-based) occurrence of some
 * event be printed? The first 8 and then each power of two, so a storm is
 * never silent and never floods the console.
 */
bool irq_print_ratelimit(unsigned long n);

/*
 * irq_err_count - APIC error interrupts and unexpected vectors, all CPUs
 * (Linux's irq_err_count, the ERR row). Incremented atomically by any
 * CPU in interrupt context.
 */
extern unsigned long irq_err_count;

/*
 * show_interrupts() - print /proc/interrupts: a header of the CPUs (CPU 0
 * and those online), one row per routed ISA IRQ, then LOC, SPU, NMI, ERR,
 * CAL, as Linux's show_interrupts() and arch_show_interrupts(). Only
 * reads; the counts of other CPUs may be a moment old.
 */
void show_interrupts(void);

#endif
