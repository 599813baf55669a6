/* SPDX-License-Identifier: MIT */
/*
 * io_apic.h - the I/O APICs: each takes a range of global system interrupts
 * (GSIs), one per pin, and sends each as a message with a vector to a local
 * APIC, as its redirection table entry says. Intel 82093AA datasheet;
 * Linux's arch/x86/kernel/apic/io_apic.c.
 */
#ifndef ARCH_X86_64_IO_APIC_H
#define ARCH_X86_64_IO_APIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * io_apic_init() - map each I/O APIC of acpi_madt with ioremap(), read its
 * version and number of pins, mask every pin, and print one line each
 * ("io_apic: IOAPIC[0] (apic_id 0) version 0x20, GSI 0-23: 24 pins, all
 * masked").
 * An I/O APIC that cannot be mapped or reads as all ones is reported and
 * left out. Context: CPU 0, boot, after mm_core_init(), interrupts off.
 * Return: the number of usable I/O APICs (0: use the 8259 PICs).
 */
unsigned int io_apic_init(void);

/*
 * struct io_apic_route - where an ISA IRQ went: filled by
 * io_apic_route_isa_irq() for the callers' log line and `interrupts`.
 */
struct io_apic_route {
	uint32_t gsi;		/* the global system interrupt */
	unsigned int ioapic_id; /* the I/O APIC's APIC id (MADT) */
	unsigned int pin;	/* its pin = gsi - gsi_base */
	bool level;		/* level-triggered (else edge) */
	bool active_low;	/* polarity low (else high) */
};

/*
 * io_apic_route_isa_irq() - route ISA @irq (0..15) to @vector on the local
 * APIC @dest_apic_id (physical destination, fixed delivery), unmasked: the
 * MADT's interrupt source override for @irq, when there is one, gives its
 * GSI, polarity and trigger; else GSI = @irq, active high, edge (ISA's).
 * Context: CPU 0, boot (the redirection tables are not locked: only CPU 0
 * writes them, before the APs start). Return: true and *@route filled; false
 * with a message when no I/O APIC has that GSI or @dest_apic_id does not
 * fit the 8-bit destination field.
 */
bool io_apic_route_isa_irq(unsigned int irq, unsigned int vector,
			   uint32_t dest_apic_id, struct io_apic_route *route);

#endif
