// SPDX-License-Identifier: MIT
/*
 * time.c - jiffies and the 8254 PIT (time.h). The PIT gives the known
 * clock (1.193182 MHz) the LAPIC timer is calibrated against, and is the
 * tick itself on a machine whose interrupts go through the 8259 PICs.
 */
#define pr_fmt(fmt) "time: " fmt

#include "time.h"

#include "cpu.h"
#include "init.h"
#include "io.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h" /* cpu_relax() */

#define PIT_CH0		  0x40
#define PIT_CH2		  0x42
#define PIT_MODE	  0x43
#define PIT_SEL_CH0	  0x00 /* mode byte: channel in bits 7..6 */
#define PIT_SEL_CH2	  0x80
#define PIT_RW_LOHI	  0x30 /* access: low byte, then high byte */
#define PIT_MODE_ONESHOT  0x00 /* mode 0: interrupt on terminal count */
#define PIT_MODE_RATE_GEN 0x04 /* mode 2: rate generator */
#define PIT_PORT_B	  0x61 /* NMI status and control (port B) */
#define PORTB_GATE2	  0x01 /* bit 0: channel 2 gate */
#define PORTB_SPEAKER	  0x02 /* bit 1: speaker data enable */
#define PORTB_OUT2	  0x20 /* bit 5: channel 2 OUT, read-only */
#define USEC_PER_SEC	  1000000UL
#define PIT_MAX_COUNT	  0xffffUL
#define PIT_STEP_US	  50000 /* one count of channel 2 (16 bits): < 54.9 ms */
#define PIT_MAX_POLLS	  10000000UL /* reads of port 0x61 per step: seconds */

#define CPUID_LEAF_TSC 0x15 /* EAX/EBX: TSC/crystal ratio; ECX: crystal Hz */

volatile unsigned long jiffies;

/*
 * The TSC's rate in kHz for udelay(), 0 while unknown. Written only by CPU
 * 0 in irq_init() (delay_set_tsc_khz()), before smp_init() starts any AP;
 * read by every CPU afterwards, so an AP sees the final value.
 */
static unsigned long delay_tsc_khz;

/*
 * Set when channel 2 once never ended a wait (pit_wait_done()): udelay()
 * then stops asking it, so each later delay costs its length in port
 * reads, not PIT_MAX_POLLS of them. CPU 0 only, as the PIT.
 */
static bool pit_dead;

void tick_handle(void)
{
	struct percpu *p = this_cpu();

	p->ticks++;
	if (p->cpu == 0)
		jiffies++;
}

void __init pit_start_periodic(unsigned int hz)
{
	unsigned long count = (PIT_TICK_RATE + hz / 2) / hz;

	outb(PIT_MODE, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_RATE_GEN);
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

void __init pit_stop(void)
{
	/* Linux's pit_shutdown(): mode 0, and the count's two bytes 0. In
	 * mode 0 the counter then counts down once from 65536 and its OUT
	 * rises once: one last IRQ 0, masked at the I/O APIC anyway. */
	outb(PIT_MODE, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_ONESHOT);
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
}

void pit_wait_start(unsigned int us)
{
	unsigned long count = PIT_TICK_RATE * us / USEC_PER_SEC;

	if (count > PIT_MAX_COUNT)
		count = PIT_MAX_COUNT;
	/* Gate low while it is loaded, speaker off; gate high starts it. */
	outb(PIT_PORT_B, inb(PIT_PORT_B) & ~(PORTB_GATE2 | PORTB_SPEAKER));
	outb(PIT_MODE, PIT_SEL_CH2 | PIT_RW_LOHI | PIT_MODE_ONESHOT);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PIT_PORT_B, inb(PIT_PORT_B) | PORTB_GATE2);
}

bool pit_wait_done(unsigned long max_polls)
{
	for (unsigned long i = 0; i < max_polls; i++)
		if (inb(PIT_PORT_B) & PORTB_OUT2)
			return true;
	pit_dead = true;
	return false;
}

void delay_set_tsc_khz(unsigned long khz)
{
	delay_tsc_khz = khz;
}

/* One PIT step of at most PIT_STEP_US, CPU 0 only (see udelay()). Return:
 * false when channel 2 never ended it (pit_dead is set then). */
static bool pit_udelay_step(unsigned long us)
{
	bool ok;

	pit_wait_start(us);
	ok = pit_wait_done(PIT_MAX_POLLS);
	outb(PIT_PORT_B, inb(PIT_PORT_B) & ~(PORTB_GATE2 | PORTB_SPEAKER));
	return ok;
}

/* A step on a CPU other than 0, which must leave the PIT alone: @us reads
 * of port 0x61, about 1 us each on an ISA bus (Linux's io_delay idea). */
static void port_udelay_step(unsigned long us)
{
	for (unsigned long i = 0; i < us; i++)
		(void)inb(PIT_PORT_B);
}

void udelay(unsigned long us)
{
	unsigned long khz = delay_tsc_khz;

	if (khz) {
		uint64_t start = rdtsc();
		uint64_t ticks = (uint64_t)us * khz / 1000;

		while (rdtsc() - start < ticks)
			cpu_relax();
		return;
	}
	while (us) {
		unsigned long step = us < PIT_STEP_US ? us : PIT_STEP_US;

		if (smp_processor_id() != 0 || pit_dead)
			port_udelay_step(step);
		else if (!pit_udelay_step(step))
			pr_warn("PIT channel 2 does not count (OUT2 never rose): delays are counted in reads of port 0x61 from now on\n");
		us -= step;
	}
}

void mdelay(unsigned long ms)
{
	while (ms--)
		udelay(1000);
}

unsigned long tsc_khz_from_cpuid(void)
{
	uint32_t max, ratio_den, ratio_num, crystal_hz, d;

	cpuid(0, &max, &ratio_den, &crystal_hz, &d);
	if (max < CPUID_LEAF_TSC)
		return 0;
	cpuid(CPUID_LEAF_TSC, &ratio_den, &ratio_num, &crystal_hz, &d);
	if (!ratio_den || !ratio_num || !crystal_hz)
		return 0;
	return (unsigned long)crystal_hz * ratio_num / ratio_den / 1000;
}
