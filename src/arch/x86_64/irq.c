// SPDX-License-Identifier: MIT
/*
 * irq.c - interrupts (irq.h): the handler table of vectors 32..255, the C
 * entry do_IRQ(), the choice of controllers at boot and /proc/interrupts.
 * Every interrupt that arrives is counted and acknowledged, and one with no
 * handler is reported: nothing is silent.
 */
#define pr_fmt(fmt) "irq: " fmt

#include "irq.h"

#include <stdarg.h>

#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "i8259.h"
#include "init.h"
#include "io_apic.h"
#include "irqflags.h"
#include "printk.h"
#include "serial.h"
#include "smp.h"
#include "time.h"
#include "traps.h"

#define FIRST_EXTERNAL_VECTOR 0x20
#define X86_FEATURE_APIC_BIT  9 /* CPUID leaf 1, EDX: a local APIC */
#define RATELIMIT_BURST	      8

enum irq_mode irq_mode;
unsigned long irq_err_count;

/*
 * One vector's handler and name. Written under vector_lock by
 * irq_vector_register() (any CPU, before the vector can arrive); read by
 * do_IRQ() on any CPU without the lock: handler is one aligned pointer,
 * stored after name, and never changes once set.
 */
struct irq_vector_desc {
	const char *name;
	irq_handler_t handler;
};

static struct irq_vector_desc vectors[NR_VECTORS];
static DEFINE_SPINLOCK(vector_lock);

/*
 * The ISA IRQs routed by request_isa_irq(), for the `interrupts` rows:
 * written by CPU 0 at boot only, read by anyone after.
 */
struct isa_irq_desc {
	const char *name; /* NULL: not routed */
	bool level;	  /* level-triggered through the I/O APIC */
	unsigned int pin; /* the I/O APIC pin, or the IRQ on the 8259 */
};

static struct isa_irq_desc isa_irqs[NR_IRQS_LEGACY];

/* How many unexpected vectors have come, all CPUs (atomic). */
static unsigned long unexpected_count;

bool irq_print_ratelimit(unsigned long n)
{
	return n <= RATELIMIT_BURST || !(n & (n - 1));
}

void irq_vector_register(unsigned int vector, const char *name,
			 irq_handler_t handler)
{
	unsigned long flags;

	if (vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS ||
	    vector == SPURIOUS_APIC_VECTOR || !handler) {
		pr_err("cannot register vector %#x for %s: vectors %#x-%#x only, not the spurious one, and a handler\n",
		       vector, name ? name : "(null)", FIRST_EXTERNAL_VECTOR,
		       SPURIOUS_APIC_VECTOR - 1);
		return;
	}
	spin_lock_irqsave(&vector_lock, flags);
	if (vectors[vector].handler) {
		spin_unlock_irqrestore(&vector_lock, flags);
		pr_err("vector %#x is %s's already: %s not registered\n",
		       vector, vectors[vector].name, name);
		return;
	}
	vectors[vector].name = name;
	__atomic_store_n(&vectors[vector].handler, handler, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&vector_lock, flags);
}

/* A vector nobody registered: acked by the caller, reported here. */
static void unexpected_vector(unsigned int vector)
{
	unsigned long n =
		__atomic_add_fetch(&unexpected_count, 1, __ATOMIC_RELAXED);

	__atomic_add_fetch(&irq_err_count, 1, __ATOMIC_RELAXED);
	if (n <= RATELIMIT_BURST)
		pr_err("unexpected vector 0x%02x on CPU %u\n", vector,
		       smp_processor_id());
	else if (irq_print_ratelimit(n))
		pr_err("unexpected vector 0x%02x on CPU %u (%lu unexpected vectors so far; lines between powers of two not printed)\n",
		       vector, smp_processor_id(), n);
}

/* Is @vector one of the 8259's (8259 mode only)? */
static bool is_8259_vector(unsigned int vector)
{
	return irq_mode == IRQ_MODE_PIC && vector >= ISA_IRQ_VECTOR(0) &&
	       vector < ISA_IRQ_VECTOR(NR_IRQS_LEGACY);
}

void do_IRQ(struct pt_regs *regs)
{
	unsigned int vector = (unsigned int)regs->vector;
	bool pic = is_8259_vector(vector);
	struct percpu *p = this_cpu();
	irq_handler_t handler;

	if (vector == SPURIOUS_APIC_VECTOR) {
		p->spurious_count++;
		return;
	}
	/* An 8259 IRQ is acknowledged first, as Linux's mask_and_ack_8259A():
	 * that is where a spurious IRQ 7 or 15 shows. (Its next edge waits
	 * in the PIC: IF stays off until the handler returns.) */
	if (pic && !i8259_ack(vector - ISA_IRQ_VECTOR(0))) {
		p->spurious_count++;
		return;
	}
	p->irq_count[vector]++;
	handler = __atomic_load_n(&vectors[vector].handler, __ATOMIC_ACQUIRE);
	if (handler)
		handler(regs);
	else
		unexpected_vector(vector);
	if (!pic && lapic_in_use())
		apic_eoi();
}

bool __init request_isa_irq(unsigned int irq, const char *what,
			    const char *name, irq_handler_t handler)
{
	unsigned int vector = ISA_IRQ_VECTOR(irq);
	struct io_apic_route route;

	if (irq >= NR_IRQS_LEGACY || irq_mode == IRQ_MODE_NONE) {
		pr_err("%s: no ISA IRQ %u to route (IRQs 0-15, after irq_init())\n",
		       what, irq);
		return false;
	}
	irq_vector_register(vector, name, handler);
	if (vectors[vector].handler != handler)
		return false;
	if (irq_mode == IRQ_MODE_PIC) {
		isa_irqs[irq] = (struct isa_irq_desc){ name, false, irq };
		enable_8259A_irq(irq);
		pr_info("%s on IRQ %u -> vector 0x%02x on CPU 0 (on the 8259 PIC)\n",
			what, irq, vector);
		return true;
	}
	if (!io_apic_route_isa_irq(irq, vector, read_apic_id(), &route))
		return false;
	isa_irqs[irq] = (struct isa_irq_desc){ name, route.level, route.pin };
	pr_info("%s on IRQ %u -> GSI %u (I/O APIC %u pin %u) -> vector 0x%02x on CPU 0\n",
		what, irq, route.gsi, route.ioapic_id, route.pin, vector);
	return true;
}

/* The PIT's IRQ 0 as the tick (8259 mode, or a LAPIC timer that could
 * not be calibrated). */
static void pit_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	tick_handle();
}

static bool cpu_has_lapic(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return d & (1u << X86_FEATURE_APIC_BIT);
}

void __init irq_init(void)
{
	bool lapic = cpu_has_lapic();

	/* The BIOS leaves the PICs on vectors 8-15, our exceptions: remap
	 * them out of the way and mask them, whatever comes next. */
	init_8259A();
	irq_mode = IRQ_MODE_PIC;
	if (acpi_madt.present && acpi_madt.nr_ioapics && lapic &&
	    io_apic_init())
		irq_mode = IRQ_MODE_IOAPIC;
	if (irq_mode == IRQ_MODE_PIC)
		pr_info("no %s: the 8259 PICs remapped to vectors 0x20-0x2f carry the IRQs, PIT IRQ 0 is the tick at HZ=%d\n",
			!acpi_madt.present ? "MADT"
			: !lapic	   ? "local APIC (CPUID)"
					   : "usable I/O APIC",
			HZ);
	if (lapic) {
		apic_map(acpi_madt.present && acpi_madt.lapic_addr
				 ? acpi_madt.lapic_addr
				 : APIC_DEFAULT_PHYS_BASE);
		apic_init_vectors();
		if (irq_mode == IRQ_MODE_IOAPIC && !lapic_calibrate_timer())
			pr_err("no LAPIC timer: the PIT's IRQ 0 is the tick at HZ=%d\n",
			       HZ);
		lapic_setup_cpu();
	}
	if (lapic_timer_period) {
		pit_stop();
	} else {
		pit_start_periodic(HZ);
		if (!request_isa_irq(0, "PIT tick", "timer",
				     pit_timer_interrupt))
			pr_err("no tick at all: jiffies stays 0\n");
	}
	serial_enable_rx_irq();
	local_irq_enable();
}

/* The columns of `interrupts`: CPU 0 (running before smp_init() marks
 * it online) and every online CPU. */
static bool cpu_shown(unsigned int cpu)
{
	return cpu == 0 || per_cpu(cpu)->state == CPU_ONLINE;
}

#define for_each_shown_cpu(cpu)      \
	for_each_possible_cpu (cpu)  \
		if (!cpu_shown(cpu)) \
			;            \
		else

/*
 * One row of `interrupts`, built whole and printed in one printk (lines of
 * two CPUs never mix): 4 + 11 characters a CPU, NR_CPUS of them at most.
 */
#define ROW_MAX (64 + 11 * NR_CPUS)

struct row {
	char buf[ROW_MAX];
	size_t len;
};

static __attribute__((format(printf, 2, 3))) void row_add(struct row *r,
							  const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->buf) - r->len
				  ? (size_t)n
				  : sizeof(r->buf) - r->len - 1;
}

/* "<label>:" then one count a CPU from @count(cpu, arg), then @what. */
static void show_row(const char *label,
		     unsigned long (*count)(unsigned int cpu, unsigned int arg),
		     unsigned int arg, const char *what)
{
	struct row r = { .len = 0 };
	unsigned int cpu;

	row_add(&r, "%s:", label);
	for_each_shown_cpu(cpu) row_add(&r, " %10lu", count(cpu, arg));
	printk("%s  %s\n", r.buf, what);
}

static unsigned long vector_count(unsigned int cpu, unsigned int vector)
{
	return per_cpu(cpu)->irq_count[vector];
}

static unsigned long spurious_count(unsigned int cpu, unsigned int unused)
{
	(void)unused;
	return per_cpu(cpu)->spurious_count;
}

static unsigned long nmi_count(unsigned int cpu, unsigned int unused)
{
	(void)unused;
	return per_cpu(cpu)->nmi_count;
}

void show_interrupts(void)
{
	struct row r = { .len = 0 };
	unsigned int cpu;

	row_add(&r, "    ");
	for_each_shown_cpu(cpu) row_add(&r, "       CPU%-3u", cpu);
	printk("%s\n", r.buf);
	for (unsigned int irq = 0; irq < NR_IRQS_LEGACY; irq++) {
		const struct isa_irq_desc *d = &isa_irqs[irq];
		char label[8], what[48];

		if (!d->name)
			continue;
		snprintf(label, sizeof(label), "%3u", irq);
		if (irq_mode == IRQ_MODE_PIC)
			snprintf(what, sizeof(what), "%8s %3u-%-8s  %s",
				 "XT-PIC", d->pin, "edge", d->name);
		else
			snprintf(what, sizeof(what), "%8s %3u-%-8s  %s",
				 "IO-APIC", d->pin,
				 d->level ? "fasteoi" : "edge", d->name);
		show_row(label, vector_count, ISA_IRQ_VECTOR(irq), what);
	}
	show_row("LOC", vector_count, LOCAL_TIMER_VECTOR,
		 " Local timer interrupts");
	show_row("SPU", spurious_count, 0, " Spurious interrupts");
	show_row("NMI", nmi_count, 0, " Non-maskable interrupts");
	printk("ERR: %10lu\n",
	       __atomic_load_n(&irq_err_count, __ATOMIC_RELAXED));
	show_row("CAL", vector_count, CALL_FUNCTION_VECTOR,
		 " Function call interrupts");
}
