// SPDX-License-Identifier: MIT
/*
 * io_apic.c - the I/O APICs of the MADT (io_apic.h): mapped, every pin
 * masked, then the ISA IRQs the kernel uses routed one by one with the
 * MADT's interrupt source overrides. Each I/O APIC is two registers in
 * memory: IOREGSEL picks a register, IOWIN reads or writes it.
 */
#include "io_apic.h"

#include "acpi.h"
#include "init.h"
#include "paging.h"
#include "printk.h"

#define IO_APIC_SIZE		   0x20 /* IOREGSEL at 0x00, IOWIN at 0x10 */
#define IO_APIC_REGSEL		   (0x00 / 4)
#define IO_APIC_WIN		   (0x10 / 4)
#define IO_APIC_REG_ID		   0x00
#define IO_APIC_REG_VER		   0x01 /* bits 7..0 version, 23..16 max redir entry */
#define IO_APIC_VER_VERSION	   0xff
#define IO_APIC_VER_MAXREDIR_SHIFT 16
#define IO_APIC_NO_DEVICE	   0xffffffffu /* what a read of no device gives */
#define IO_APIC_REDTBL(pin)	   (0x10 + 2 * (pin)) /* low half; +1: high half */

/* Redirection table entry, low half (82093AA, section 3.2.4). */
#define IO_APIC_POLARITY_LOW  (1u << 13)
#define IO_APIC_TRIGGER_LEVEL (1u << 15)
#define IO_APIC_MASKED	      (1u << 16)
#define IO_APIC_DEST_SHIFT    24 /* high half: physical APIC id, 8 bits */
#define IO_APIC_MAX_DEST      0xff

#define ISA_BUS 0 /* an override's bus: always ISA */

/* The usable I/O APICs: filled by CPU 0 in io_apic_init(), read-only
 * after; their registers are written by CPU 0 only (boot). */
struct io_apic {
	volatile uint32_t *regs;
	uint8_t id;
	uint32_t gsi_base;
	unsigned int nr_pins;
};

static struct io_apic io_apics[MADT_MAX_IOAPICS];
static unsigned int nr_io_apics;

static uint32_t io_apic_read(const struct io_apic *a, uint32_t reg)
{
	a->regs[IO_APIC_REGSEL] = reg;
	return a->regs[IO_APIC_WIN];
}

static void io_apic_write(const struct io_apic *a, uint32_t reg, uint32_t val)
{
	a->regs[IO_APIC_REGSEL] = reg;
	a->regs[IO_APIC_WIN] = val;
}

unsigned int __init io_apic_init(void)
{
	for (unsigned int i = 0; i < acpi_madt.nr_ioapics; i++) {
		const struct madt_ioapic *m = &acpi_madt.ioapics[i];
		struct io_apic *a = &io_apics[nr_io_apics];
		uint32_t ver;

		a->regs = ioremap(m->addr, IO_APIC_SIZE);
		if (!a->regs) {
			pr_err("IOAPIC: cannot map I/O APIC %u at %#x: left out\n",
			       m->id, m->addr);
			continue;
		}
		ver = io_apic_read(a, IO_APIC_REG_VER);
		if (ver == IO_APIC_NO_DEVICE) {
			pr_err("IOAPIC: I/O APIC %u at %#x reads as all ones (no device): left out\n",
			       m->id, m->addr);
			continue;
		}
		a->id = m->id;
		a->gsi_base = m->gsi_base;
		a->nr_pins = ((ver >> IO_APIC_VER_MAXREDIR_SHIFT) & 0xff) + 1;
		for (unsigned int pin = 0; pin < a->nr_pins; pin++) {
			io_apic_write(a, IO_APIC_REDTBL(pin), IO_APIC_MASKED);
			io_apic_write(a, IO_APIC_REDTBL(pin) + 1, 0);
		}
		pr_info("io_apic: IOAPIC[%u] (apic_id %u) version %#x, GSI %u-%u: %u pins, all masked\n",
			nr_io_apics, a->id, ver & IO_APIC_VER_VERSION,
			a->gsi_base, a->gsi_base + a->nr_pins - 1, a->nr_pins);
		nr_io_apics++;
	}
	return nr_io_apics;
}

/* The MADT's override for ISA @irq, or NULL (then GSI = @irq). */
static const struct madt_iso *find_override(unsigned int irq)
{
	for (unsigned int i = 0; i < acpi_madt.nr_isos; i++)
		if (acpi_madt.isos[i].bus == ISA_BUS &&
		    acpi_madt.isos[i].source == irq)
			return &acpi_madt.isos[i];
	return NULL;
}

bool io_apic_route_isa_irq(unsigned int irq, unsigned int vector,
			   uint32_t dest_apic_id, struct io_apic_route *route)
{
	const struct madt_iso *iso = find_override(irq);
	uint16_t flags = iso ? iso->flags : 0;
	const struct io_apic *a = NULL;
	uint32_t low;

	route->gsi = iso ? iso->gsi : irq;
	/* "Conforms to the bus": ISA is active high, edge-triggered. */
	route->active_low =
		(flags & ACPI_MADT_POLARITY_MASK) == ACPI_MADT_POLARITY_LOW;
	route->level =
		(flags & ACPI_MADT_TRIGGER_MASK) == ACPI_MADT_TRIGGER_LEVEL;
	for (unsigned int i = 0; i < nr_io_apics; i++)
		if (route->gsi >= io_apics[i].gsi_base &&
		    route->gsi - io_apics[i].gsi_base < io_apics[i].nr_pins)
			a = &io_apics[i];
	if (!a) {
		pr_err("IOAPIC: ISA IRQ %u is GSI %u, which no I/O APIC has: not routed\n",
		       irq, route->gsi);
		return false;
	}
	if (dest_apic_id > IO_APIC_MAX_DEST) {
		pr_err("IOAPIC: ISA IRQ %u: APIC id %u does not fit a redirection entry (8 bits): not routed\n",
		       irq, dest_apic_id);
		return false;
	}
	route->ioapic_id = a->id;
	route->pin = route->gsi - a->gsi_base;
	low = vector | (route->active_low ? IO_APIC_POLARITY_LOW : 0) |
	      (route->level ? IO_APIC_TRIGGER_LEVEL : 0);
	/* Masked while the destination changes, then unmasked. */
	io_apic_write(a, IO_APIC_REDTBL(route->pin), low | IO_APIC_MASKED);
	io_apic_write(a, IO_APIC_REDTBL(route->pin) + 1,
		      dest_apic_id << IO_APIC_DEST_SHIFT);
	io_apic_write(a, IO_APIC_REDTBL(route->pin), low);
	return true;
}
