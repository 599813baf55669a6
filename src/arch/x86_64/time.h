/* SPDX-License-Identifier: MIT */
/*
 * time.h - the kernel's clock: jiffies, counted at HZ by CPU 0's tick, and
 * the 8254 PIT (programmable interval timer) it is measured against.
 * Intel 8254 datasheet; Linux's <linux/jiffies.h>, arch/x86/kernel/i8253.c.
 */
#ifndef ARCH_X86_64_TIME_H
#define ARCH_X86_64_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define HZ 100 /* ticks per second: one jiffy is 10 ms */

/* The PIT's input clock, Hz (Linux's PIT_TICK_RATE). */
#define PIT_TICK_RATE 1193182UL

/*
 * jiffies - ticks since irq_init() started the clock. Written only by CPU 0
 * in its tick handler (one aligned 64-bit store, so a reader on any CPU
 * sees an old or a new value, never half of one); read by anyone.
 */
extern volatile unsigned long jiffies;

/*
 * tick_handle() - one tick of the periodic timer on this CPU: its
 * percpu ticks + 1, and jiffies + 1 on CPU 0. Context: hard interrupt
 * (the LAPIC timer, or PIT IRQ 0 in 8259 mode), interrupts off.
 */
void tick_handle(void);

/*
 * pit_start_periodic() - channel 0 in mode 2 (rate generator) at @hz:
 * IRQ 0 every 1/@hz s. Used as the tick when there is no usable LAPIC
 * timer. Context: CPU 0, boot.
 */
void pit_start_periodic(unsigned int hz);

/*
 * pit_stop() - channel 0 set to mode 0 without a count: it stops counting
 * and raises no more IRQ 0 (the BIOS leaves it at 18.2 Hz, which would
 * only wake the emulator for nothing). Context: CPU 0, boot.
 */
void pit_stop(void);

/*
 * pit_wait_start() / pit_wait_done() - a one-shot wait of @us microseconds
 * (at most 54925: the 16-bit counter) on channel 2, gated through port
 * 0x61 with the speaker off, as Linux's pit_calibrate_tsc(): start it,
 * then poll until its OUT pin rises. pit_wait_done() returns false when
 * OUT did not rise within ~@max_polls reads of port 0x61 (a machine
 * without a PIT, or one that does not show OUT2). Context: CPU 0 only
 * (channel 2 is CPU 0's, see udelay()), interrupts off for an exact count.
 */
void pit_wait_start(unsigned int us);
bool pit_wait_done(unsigned long max_polls);

/*
 * udelay() - busy-wait at least @us microseconds; mdelay() - @ms
 * milliseconds (Linux's <linux/delay.h> names). Any length; any CPU, any
 * context, interrupts on or off (an interrupt taken meanwhile only makes
 * the wait longer). No lock: see below for why none is needed.
 *
 * The clock is the TSC once its rate is known (delay_set_tsc_khz(): from
 * CPUID leaf 0x15, or measured against the PIT by lapic_calibrate_timer()
 * in irq_init()): each CPU reads its own TSC, all at the same rate, so
 * nothing is shared. Before that, or when it never became known (8259
 * mode calibrates nothing; a PIT that never counted), the wait is the PIT's channel 2, one-shot in <= 50 ms steps
 * (pit_wait_start()), polled through port 0x61, as Linux's
 * pit_calibrate_tsc().
 *
 * PIT channel 2 belongs to CPU 0: only CPU 0 programs it (the calibration
 * in irq_init() and this fallback), so two CPUs never share it. That
 * holds because the rule is checked here, not assumed: on any other CPU
 * (an AP can only need a delay after irq_init(), e.g. when it panics) the
 * fallback counts reads of port 0x61 (~1 us each on an ISA bus) without
 * programming the PIT. Neither CPU 0's tick nor its NMI handler calls
 * udelay(), so CPU 0 never nests two PIT waits (a fault inside one that
 * panics restarts the channel; the outer wait never resumes).
 *
 * A PIT that never counts cannot hang the boot: the first step it does
 * not end stops after ~10^7 reads of port 0x61 (seconds), reported once
 * ("time: PIT channel 2 does not count ..."); from then on (also after a
 * calibration it failed) delays are counted in port reads, only roughly as
 * long as asked.
 */
void udelay(unsigned long us);
void mdelay(unsigned long ms);

/*
 * delay_set_tsc_khz() - from now on udelay() counts the TSC at @khz kHz
 * (0: back to the PIT). Context: CPU 0, boot, in irq_init() before any AP
 * runs (the one writer; every CPU reads it later in udelay()).
 */
void delay_set_tsc_khz(unsigned long khz);

/*
 * tsc_khz_from_cpuid() - the TSC's rate from CPUID leaf 0x15 (crystal
 * clock times the TSC/crystal ratio) when the CPU gives all three numbers.
 * Return: kHz, or 0 when CPUID does not say.
 */
unsigned long tsc_khz_from_cpuid(void);

#endif
