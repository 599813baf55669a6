// SPDX-License-Identifier: MIT
/*
 * smp_stop.c - the panicking CPU stops the others with an NMI, which no
 * cli can hold off, and waits for each to say CPU_STOPPED (smp_stop.h).
 * The wait is timed by mdelay() (time.h): polled, no interrupt runs.
 */
#include "smp_stop.h"

#include "apic.h"
#include "cpu.h"
#include "irqflags.h"
#include "smp.h"
#include "time.h"

/* How many CPUs but the calling one are CPU_ONLINE? */
static unsigned int others_online(void)
{
	return num_online_cpus() - (this_cpu()->state == CPU_ONLINE);
}

/* Wait up to SMP_STOP_WAIT_MS until no CPU but this one is CPU_ONLINE,
 * looking every millisecond. */
static void wait_for_others_to_stop(void)
{
	for (unsigned int ms = 0; ms < SMP_STOP_WAIT_MS && others_online();
	     ms++)
		mdelay(1);
}

unsigned int smp_send_stop(void)
{
	unsigned int others = others_online();

	if (!others || !(x2apic_enabled || lapic_base))
		return 0;
	apic_icr_write(APIC_DM_NMI | APIC_DEST_ALLBUT, 0);
	wait_for_others_to_stop();
	return others;
}

void stop_this_cpu(void)
{
	local_irq_disable();
	this_cpu()->state = CPU_STOPPED;
	halt_forever();
}
