// SPDX-License-Identifier: MIT
/*
 * apic.c - the local APIC's registers and IPIs, each CPU's setup, its timer
 * (calibrated once by CPU 0, periodic at HZ on every CPU) and its error
 * interrupt (apic.h).
 */
#define pr_fmt(fmt) "APIC: " fmt

#include "apic.h"

#include "acpi.h"
#include "cmdline.h"
#include "cpu.h"
#include "init.h"
#include "irq.h"
#include "irqflags.h"
#include "lib/kernel.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "time.h"
#include "traps.h"

#define X86_FEATURE_X2APIC_BIT 21	   /* CPUID leaf 1, ECX */
#define ICR_IDLE_SPINS	       100000000UL /* ~1 s of PAUSE, generously */

#define CALIBRATE_JIFFIES   5 /* 50 ms at HZ=100: within the PIT's 16 bits */
#define CALIBRATE_US	    (CALIBRATE_JIFFIES * 1000000UL / HZ)
#define CALIBRATE_TRIES	    3	       /* the least of 3 counts */
#define CALIBRATE_MAX_POLLS 10000000UL /* reads of port 0x61: seconds */
#define APIC_TIMER_DIVISOR  16	       /* APIC_TDR_DIV_16 */
#define APIC_TIMER_START    0xffffffffu
#define MADT_NMI_ALL_CPUS   0xff	/* type 4 entry: every processor */
#define MADT_NMI_ALL_X2APIC 0xffffffffu /* type 0xa entry: every processor */
#define NR_LINT		    2

bool x2apic_enabled;
volatile uint32_t *lapic_base;
unsigned long lapic_timer_period;

void __init apic_map(uint64_t phys)
{
	uint32_t a, b, c, d;
	uint64_t base = rdmsr(MSR_IA32_APICBASE);

	cpuid(1, &a, &b, &c, &d);
	if ((c & (1u << X86_FEATURE_X2APIC_BIT)) && !cmdline_has("nox2apic")) {
		/* xAPIC -> x2APIC: EN stays set, EXTD is added. */
		wrmsr(MSR_IA32_APICBASE,
		      base | MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD);
		x2apic_enabled = true;
		pr_info("x2apic enabled: registers in MSRs 0x800-0x8ff\n");
		return;
	}
	wrmsr(MSR_IA32_APICBASE, base | MSR_IA32_APICBASE_ENABLE);
	lapic_base = ioremap(phys, PAGE_SIZE);
	if (!lapic_base)
		panic("APIC: cannot map the local APIC at %#llx",
		      (unsigned long long)phys);
	pr_info("xAPIC mode: registers at [mem %#018llx-%#018llx] mapped at %p\n",
		(unsigned long long)phys,
		(unsigned long long)phys + PAGE_SIZE - 1, (void *)lapic_base);
}

uint32_t read_apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return x2apic_enabled ? id : id >> 24;
}

bool apic_wait_icr_idle(void)
{
	if (x2apic_enabled)
		return true;
	for (unsigned long i = 0; i < ICR_IDLE_SPINS; i++) {
		if (!(apic_read(APIC_ICR) & APIC_ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

void apic_icr_write(uint32_t low, uint32_t dest)
{
	unsigned long flags;

	local_irq_save(flags);
	if (x2apic_enabled) {
		/* One 64-bit write: destination in the high half. */
		__asm__ volatile("wrmsr"
				 :
				 : "c"(APIC_BASE_MSR + (APIC_ICR >> 4)),
				   "a"(low), "d"(dest)
				 : "memory");
	} else {
		if (!apic_wait_icr_idle())
			pr_err("ICR still busy after ~1 s: sending anyway\n");
		apic_write(APIC_ICR2, dest << 24);
		apic_write(APIC_ICR, low);
	}
	local_irq_restore(flags);
}

/*
 * One measurement: the LAPIC timer's counts over CALIBRATE_US of the TSC
 * (at @tsc_khz) or, when 0, of the PIT; then *@tsc_ticks is what the TSC
 * counted meanwhile (its rate, for udelay()). Return: the count, 0 when
 * the PIT never ended its wait.
 */
static uint32_t __init lapic_count_once(unsigned long tsc_khz,
					uint64_t *tsc_ticks)
{
	uint32_t left;

	if (tsc_khz) {
		uint64_t end =
			rdtsc() + (uint64_t)tsc_khz * CALIBRATE_US / 1000;

		apic_write(APIC_TMICT, APIC_TIMER_START);
		while (rdtsc() < end)
			cpu_relax();
	} else {
		uint64_t tsc_start;

		pit_wait_start(CALIBRATE_US);
		apic_write(APIC_TMICT, APIC_TIMER_START);
		tsc_start = rdtsc();
		if (!pit_wait_done(CALIBRATE_MAX_POLLS)) {
			apic_write(APIC_TMICT, 0);
			return 0;
		}
		*tsc_ticks = rdtsc() - tsc_start;
	}
	left = apic_read(APIC_TMCCT);
	apic_write(APIC_TMICT, 0);
	return APIC_TIMER_START - left;
}

bool __init lapic_calibrate_timer(void)
{
	unsigned long tsc_khz = tsc_khz_from_cpuid();
	unsigned long bus_khz;
	uint64_t tsc_best = 0;
	uint32_t best = 0;

	apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TDCR, APIC_TDR_DIV_16);
	/* A late look at the end of the wait (an emulator's vCPU thread
	 * descheduled, an SMI) only makes a count larger: keep the least,
	 * of the LAPIC's counts and of the TSC's. */
	for (unsigned int i = 0; i < CALIBRATE_TRIES; i++) {
		uint64_t tsc_ticks = 0;
		uint32_t count = lapic_count_once(tsc_khz, &tsc_ticks);

		if (!count && !tsc_khz) {
			pr_err("timer not calibrated: the PIT's channel 2 never ended a %lu us wait (port 0x61 bit 5)\n",
			       CALIBRATE_US);
			return false;
		}
		if (!best || count < best)
			best = count;
		if (tsc_ticks && (!tsc_best || tsc_ticks < tsc_best))
			tsc_best = tsc_ticks;
	}
	/* udelay() counts the TSC from now on (before any AP runs). */
	delay_set_tsc_khz(tsc_khz ? tsc_khz : tsc_best * 1000 / CALIBRATE_US);
	lapic_timer_period = best / CALIBRATE_JIFFIES;
	if (!lapic_timer_period) {
		pr_err("timer not calibrated: its counter did not move in %lu us\n",
		       CALIBRATE_US);
		return false;
	}
	bus_khz = lapic_timer_period * APIC_TIMER_DIVISOR * HZ / 1000;
	pr_info("timer calibrated against the %s: %lu ticks per jiffy (bus clock %lu.%03lu MHz), HZ=%d\n",
		tsc_khz ? "TSC" : "PIT", lapic_timer_period, bus_khz / 1000,
		bus_khz % 1000, HZ);
	return true;
}

/* Does the MADT NMI entry @n name this CPU? */
static bool nmi_entry_is_mine(const struct madt_nmi *n)
{
	return n->acpi_uid == MADT_NMI_ALL_CPUS ||
	       n->acpi_uid == MADT_NMI_ALL_X2APIC ||
	       n->acpi_uid == this_cpu()->acpi_uid;
}

/*
 * The LVT value of LINT@lint on this CPU. An NMI entry of the MADT makes
 * it NMI with the entry's polarity (NMI is always edge-triggered, SDM
 * 11.5.1, so its trigger flag is not used). Without a MADT, or one with no
 * NMI entry, LINT1 is NMI as on every PC (Linux's default on the boot
 * CPU). LINT0 is the 8259's ExtINT input: unmasked only on CPU 0 in 8259
 * mode (the "virtual wire"), masked otherwise.
 */
static uint32_t lint_value(unsigned int lint)
{
	bool any_nmi_entry = false;

	for (unsigned int i = 0; i < acpi_madt.nr_nmis; i++) {
		const struct madt_nmi *n = &acpi_madt.nmis[i];

		any_nmi_entry = true;
		if (n->lint == lint && nmi_entry_is_mine(n))
			return APIC_DM_NMI |
			       ((n->flags & ACPI_MADT_POLARITY_MASK) ==
						ACPI_MADT_POLARITY_LOW
					? APIC_LVT_ACTIVE_LOW
					: 0);
	}
	if (lint == 1 && !any_nmi_entry)
		return APIC_DM_NMI;
	if (lint == 0 && irq_mode == IRQ_MODE_PIC && smp_processor_id() == 0)
		return APIC_DM_EXTINT;
	return APIC_DM_EXTINT | APIC_LVT_MASKED;
}

void lapic_setup_cpu(void)
{
	if (x2apic_enabled) {
		/* Each CPU has its own APIC base MSR: an AP is still in xAPIC
		 * mode. Enabled first, then extended: disabled -> x2APIC
		 * in one write is an invalid transition (SDM 11.12.5). */
		uint64_t base = rdmsr(MSR_IA32_APICBASE);

		if (!(base & MSR_IA32_APICBASE_EXTD)) {
			base |= MSR_IA32_APICBASE_ENABLE;
			wrmsr(MSR_IA32_APICBASE, base);
			wrmsr(MSR_IA32_APICBASE, base | MSR_IA32_APICBASE_EXTD);
		}
	}
	apic_write(APIC_TASKPRI, 0);
	apic_write(APIC_SPIV, SPURIOUS_APIC_VECTOR | APIC_SPIV_APIC_ENABLED);
	apic_write(APIC_LVT0, lint_value(0));
	apic_write(APIC_LVT1, lint_value(1));
	apic_write(APIC_LVTERR, ERROR_APIC_VECTOR);
	/* The ESR is read after a write (SDM 11.5.3): twice clears it. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	if (lapic_timer_period) {
		apic_write(APIC_TDCR, APIC_TDR_DIV_16);
		apic_write(APIC_LVTT,
			   LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
		apic_write(APIC_TMICT, (uint32_t)lapic_timer_period);
	} else {
		apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	}
}

static void local_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	tick_handle();
}

/* The ESR's bits (SDM table 11-6 "Error Status Register"). */
static const char *const esr_names[] = {
	"send checksum",
	"receive checksum",
	"send accept",
	"receive accept",
	"redirectable IPI",
	"send illegal vector",
	"received illegal vector",
	"illegal register address",
};

/* As Linux's spurious/error_interrupt(): the ESR, written then read,
 * named bit by bit; rate-limited (irq_print_ratelimit()). */
static void error_interrupt(struct pt_regs *regs)
{
	unsigned long n =
		__atomic_add_fetch(&irq_err_count, 1, __ATOMIC_RELAXED);
	char names[160] = "";
	size_t len = 0;
	uint32_t esr;

	(void)regs;
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	if (!irq_print_ratelimit(n))
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(esr_names); i++)
		if ((esr & (1u << i)) && len < sizeof(names))
			len += snprintf(names + len, sizeof(names) - len, " %s",
					esr_names[i]);
	pr_err("error interrupt on CPU %u, ESR %#x:%s (%lu errors so far)\n",
	       smp_processor_id(), esr, names, n);
}

void __init apic_init_vectors(void)
{
	irq_vector_register(LOCAL_TIMER_VECTOR, "Local timer interrupts",
			    local_timer_interrupt);
	irq_vector_register(ERROR_APIC_VECTOR, "APIC error", error_interrupt);
}
