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
 * without a PIT, or one that does not show OUT2). Context: boot, one CPU
 * at a time (the PIT is not locked), interrupts off for an exact count.
 */
void pit_wait_start(unsigned int us);
bool pit_wait_done(unsigned long max_polls);

/*
 * tsc_khz_from_cpuid() - the TSC's rate from CPUID leaf 0x15 (crystal
 * clock times the TSC/crystal ratio) when the CPU gives all three numbers.
 * Return: kHz, or 0 when CPUID does not say.
 */
unsigned long tsc_khz_from_cpuid(void);

#endif
