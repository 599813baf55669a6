// SPDX-License-Identifier: MIT
/*
 * i8259.c - the legacy 8259A PICs (i8259.h): remapped off the exception
 * vectors and masked at boot; the interrupt path of a machine without an
 * I/O APIC (QEMU -machine acpi=off), as Linux's arch/x86/kernel/i8259.c.
 */
#include "i8259.h"

#include "apic.h"
#include "init.h"
#include "io.h"

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA 0x21 /* IMR: bit n set = IRQ n masked */
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define PIC_CASCADE_IR	2 /* the slave's INT goes to the master's IR2 */

#define ICW1_INIT_ICW4 0x11 /* ICW1: edge, cascade, ICW4 follows */
#define ICW4_8086      0x01 /* ICW4: 8086 mode, normal EOI, not buffered */
#define OCW2_EOI       0x20 /* non-specific end of interrupt */
#define OCW3_READ_ISR  0x0b /* next read of the command port: the ISR */
#define PIC_MASK_ALL   0xff
#define IRQS_PER_PIC   8
#define IRQ7_BIT       0x80 /* IRQ 7 (15 on the slave) in an ISR */
#define IO_DELAY_PORT  0x80 /* POST codes: a write there only takes time */

/* The IMRs' shadow: written by CPU 0 only (see i8259.h). */
static uint8_t cached_master_mask = PIC_MASK_ALL,
	       cached_slave_mask = PIC_MASK_ALL;

/* A write the PIC may need a moment for on old hardware: as Linux's
 * outb_pic(), an extra write to the unused port 0x80 (IO_DELAY_PORT) after it. */
static void outb_pic(uint16_t port, uint8_t val)
{
	outb(port, val);
	outb(IO_DELAY_PORT, 0);
}

void __init init_8259A(void)
{
	outb(PIC_MASTER_DATA, PIC_MASK_ALL);
	outb(PIC_SLAVE_DATA, PIC_MASK_ALL);

	outb_pic(PIC_MASTER_CMD, ICW1_INIT_ICW4);
	outb_pic(PIC_MASTER_DATA, ISA_IRQ_VECTOR(0));	 /* ICW2 */
	outb_pic(PIC_MASTER_DATA, 1u << PIC_CASCADE_IR); /* ICW3 */
	outb_pic(PIC_MASTER_DATA, ICW4_8086);		 /* ICW4 */

	outb_pic(PIC_SLAVE_CMD, ICW1_INIT_ICW4);
	outb_pic(PIC_SLAVE_DATA, ISA_IRQ_VECTOR(IRQS_PER_PIC)); /* ICW2 */
	outb_pic(PIC_SLAVE_DATA, PIC_CASCADE_IR);		/* ICW3 */
	outb_pic(PIC_SLAVE_DATA, ICW4_8086);			/* ICW4 */

	cached_master_mask = cached_slave_mask = PIC_MASK_ALL;
	outb(PIC_MASTER_DATA, cached_master_mask);
	outb(PIC_SLAVE_DATA, cached_slave_mask);
}

void enable_8259A_irq(unsigned int irq)
{
	if (irq >= NR_IRQS_LEGACY)
		return;
	if (irq >= IRQS_PER_PIC) {
		cached_slave_mask &= ~(1u << (irq - IRQS_PER_PIC));
		outb(PIC_SLAVE_DATA, cached_slave_mask);
		irq = PIC_CASCADE_IR;
	}
	cached_master_mask &= ~(1u << irq);
	outb(PIC_MASTER_DATA, cached_master_mask);
}

/* The in-service register of the PIC at @cmd_port. */
static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

bool i8259_ack(unsigned int irq)
{
	if (irq == 7 && !(read_isr(PIC_MASTER_CMD) & IRQ7_BIT))
		return false;
	if (irq == 15 && !(read_isr(PIC_SLAVE_CMD) & IRQ7_BIT)) {
		outb(PIC_MASTER_CMD, OCW2_EOI); /* the cascade was real */
		return false;
	}
	if (irq >= IRQS_PER_PIC)
		outb(PIC_SLAVE_CMD, OCW2_EOI);
	outb(PIC_MASTER_CMD, OCW2_EOI);
	return true;
}
