// SPDX-License-Identifier: MIT
/*
 * smp_stop.c - the panicking CPU stops the others with an NMI, which no
 * cli can hold off, and waits for each to say CPU_STOPPED (smp_stop.h).
 * The wait is timed by the PIT's channel 2, polled: no interrupt runs.
 */
#include "smp_stop.h"

#include "apic.h"
#include "cpu.h"
#include "io.h"
#include "irqflags.h"
#include "smp.h"

/*
 * The PIT's channel 2, as Linux's pit_calibrate_tsc() drives it: its gate
 * and its output are bits of port 0x61 (the speaker stays off), and in
 * mode 0 the output goes high when the count reaches zero.
 */
#define PIT_TICK_RATE	  1193182 /* Hz: the PIT's input clock */
#define PIT_MODE_PORT	  0x43
#define PIT_CH2_PORT	  0x42
#define PIT_CH2_MODE0	  0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B		  0x61 /* NMI status and control ("port B") */
#define PORT_B_GATE2	  0x01 /* channel 2 counts while this is set */
#define PORT_B_SPEAKER	  0x02 /* speaker data: kept off */
#define PORT_B_OUT2	  0x20 /* channel 2's output (read only) */
#define STOP_WINDOW_MS	  50   /* one count of channel 2: fits its 16 bits */
#define STOP_WINDOW_COUNT (PIT_TICK_RATE * STOP_WINDOW_MS / 1000)
/*
 * Reads of port B per window, should channel 2 never count (no PIT): at
 * about 1 us per port read, 2 s; QEMU's and Bochs's PITs count.
 */
#define STOP_WINDOW_SPINS 2000000UL

/* How many CPUs but the calling one are CPU_ONLINE? */
static unsigned int others_online(void)
{
	return num_online_cpus() - (this_cpu()->state == CPU_ONLINE);
}

/* Wait up to SMP_STOP_WAIT_MS until no CPU but this one is CPU_ONLINE. */
static void wait_for_others_to_stop(void)
{
	uint8_t port_b = inb(PORT_B);

	outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	for (unsigned int w = 0; w < SMP_STOP_WAIT_MS / STOP_WINDOW_MS; w++) {
		outb(PIT_MODE_PORT, PIT_CH2_MODE0);
		outb(PIT_CH2_PORT, STOP_WINDOW_COUNT & 0xff);
		outb(PIT_CH2_PORT, STOP_WINDOW_COUNT >> 8);
		for (unsigned long spins = 0;
		     spins < STOP_WINDOW_SPINS && !(inb(PORT_B) & PORT_B_OUT2);
		     spins++) {
			if (!others_online())
				goto out;
			cpu_relax();
		}
	}
out:
	outb(PORT_B, port_b & ~PORT_B_OUT2);
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
