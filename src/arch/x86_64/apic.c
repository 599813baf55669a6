// SPDX-License-Identifier: MIT
/*
 * apic.c - the local APIC's registers and IPIs (apic.h).
 */
#define pr_fmt(fmt) "APIC: " fmt

#include "apic.h"

#include "cmdline.h"
#include "cpu.h"
#include "init.h"
#include "irqflags.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"

#define X86_FEATURE_X2APIC_BIT 21	   /* CPUID leaf 1, ECX */
#define ICR_IDLE_SPINS	       100000000UL /* ~1 s of PAUSE, generously */

bool x2apic_enabled;
volatile uint32_t *lapic_base;

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
