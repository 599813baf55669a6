/* SPDX-License-Identifier: MIT */
/*
 * apic.h - the local APIC: each CPU's own interrupt controller, its timer,
 * and the inter-processor interrupts (IPIs) one CPU sends another.
 *
 * Two ways in, the same registers: xAPIC, 4 KiB of memory-mapped registers
 * at the MADT's local APIC address (0xfee00000 by default), register R at
 * offset R; and x2APIC (CPUID.1:ECX bit 21), MSR 0x800 + R/16, with a
 * 32-bit APIC id and a 64-bit ICR written at once. Intel SDM vol. 3, ch. 11
 * ("Advanced Programmable Interrupt Controller").
 */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets (xAPIC; x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID	     0x20
#define APIC_LVR     0x30 /* version; max LVT entry in bits 23..16 */
#define APIC_TASKPRI 0x80
#define APIC_EOI     0xb0
#define APIC_LDR     0xd0
#define APIC_DFR     0xe0 /* xAPIC only */
#define APIC_SPIV    0xf0 /* spurious vector, bit 8: APIC software enable */
#define APIC_ESR     0x280
#define APIC_ICR     0x300 /* low half; x2APIC: the whole 64-bit ICR */
#define APIC_ICR2    0x310 /* xAPIC: destination in bits 31..24 */
#define APIC_LVTT    0x320 /* timer */
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC   0x340
#define APIC_LVT0    0x350 /* LINT0 */
#define APIC_LVT1    0x360 /* LINT1 */
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380 /* timer initial count */
#define APIC_TMCCT   0x390 /* timer current count */
#define APIC_TDCR    0x3e0 /* timer divide configuration */

#define APIC_SPIV_APIC_ENABLED	(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_ACTIVE_LOW	(1u << 13) /* LINT0/1 input polarity */
#define APIC_LVT_LEVEL_TRIGGER	(1u << 15) /* LINT0/1 trigger mode */
#define APIC_TDR_DIV_16		0x3	   /* TDCR: bus clock / 16 */

/* ICR low-half fields. */
#define APIC_DM_FIXED	   0x00000
#define APIC_DM_NMI	   0x00400
#define APIC_DM_INIT	   0x00500
#define APIC_DM_STARTUP	   0x00600
#define APIC_DM_EXTINT	   0x00700 /* LVT: from the 8259, as an INTA cycle */
#define APIC_ICR_BUSY	   0x01000 /* xAPIC: delivery status, send pending */
#define APIC_INT_ASSERT	   0x04000
#define APIC_INT_LEVELTRIG 0x08000
#define APIC_DEST_SELF	   0x40000
#define APIC_DEST_ALLINC   0x80000
#define APIC_DEST_ALLBUT   0xc0000

#define APIC_DEFAULT_PHYS_BASE	 0xfee00000UL
#define MSR_IA32_APICBASE	 0x1b
#define MSR_IA32_APICBASE_BSP	 (1UL << 8)
#define MSR_IA32_APICBASE_EXTD	 (1UL << 10) /* x2APIC mode */
#define MSR_IA32_APICBASE_ENABLE (1UL << 11)
#define APIC_BASE_MSR		 0x800 /* x2APIC: MSR of register 0 */

/*
 * The vectors, highest priority last, as Linux's irq_vectors.h:
 *  0x00-0x1f  CPU exceptions
 *  0x20-0x2f  legacy ISA IRQs 0-15 through the I/O APIC (IRQ n: 0x20 + n)
 *  0xec       LOCAL_TIMER_VECTOR
 *  0xfb       CALL_FUNCTION_VECTOR (reserved for issue 20's IPIs)
 *  0xfd       REBOOT_VECTOR: "stop" IPI (panic uses NMI instead)
 *  0xfe       ERROR_APIC_VECTOR
 *  0xff       SPURIOUS_APIC_VECTOR
 */
#define ISA_IRQ_VECTOR(irq)  (0x20 + (irq))
#define LOCAL_TIMER_VECTOR   0xec
#define CALL_FUNCTION_VECTOR 0xfb
#define REBOOT_VECTOR	     0xfd
#define ERROR_APIC_VECTOR    0xfe
#define SPURIOUS_APIC_VECTOR 0xff

/* x2apic_enabled: this kernel drives the local APICs through MSRs. Set by
 * CPU 0 in apic_map() before any AP starts; read-only after. */
extern bool x2apic_enabled;
/* lapic_base: the xAPIC registers' virtual address (ioremap()), NULL in
 * x2APIC mode or before apic_map(). Set once by CPU 0. */
extern volatile uint32_t *lapic_base;

/*
 * apic_map() - map the local APIC of CPU 0: switch to x2APIC mode when the
 * CPU has it (unless "nox2apic" is on the command line), else ioremap()
 * the xAPIC page at @phys (the MADT's address, APIC_DEFAULT_PHYS_BASE
 * without a MADT). Context: CPU 0, boot, after paging_init().
 */
void apic_map(uint64_t phys);

static inline uint32_t apic_read(uint32_t reg)
{
	if (x2apic_enabled) {
		uint32_t lo, hi;

		__asm__ volatile("rdmsr"
				 : "=a"(lo), "=d"(hi)
				 : "c"(APIC_BASE_MSR + (reg >> 4)));
		return lo;
	}
	return lapic_base[reg / 4];
}

static inline void apic_write(uint32_t reg, uint32_t val)
{
	if (x2apic_enabled) {
		__asm__ volatile("wrmsr"
				 :
				 : "c"(APIC_BASE_MSR + (reg >> 4)), "a"(val),
				   "d"(0)
				 : "memory");
		return;
	}
	lapic_base[reg / 4] = val;
}

/* lapic_in_use() - has apic_map() set up the local APIC's registers? */
static inline bool lapic_in_use(void)
{
	return x2apic_enabled || lapic_base;
}

/* apic_eoi() - end of interrupt: the in-service vector is done. */
static inline void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* read_apic_id() - this CPU's local APIC id (32 bits in x2APIC mode,
 * 8 in xAPIC mode). */
uint32_t read_apic_id(void);

/*
 * apic_icr_write() - send the IPI @low (APIC_DM_* | vector | APIC_DEST_*
 * shorthand | level bits) to the CPU with APIC id @dest (ignored with a
 * shorthand), after waiting for an earlier send to leave (xAPIC).
 * Context: any CPU; interrupts are kept off around the two xAPIC writes.
 */
void apic_icr_write(uint32_t low, uint32_t dest);

/* apic_wait_icr_idle() - wait until the last IPI left (xAPIC's delivery
 * status; at once in x2APIC mode). Return: false after ~1 s of waiting. */
bool apic_wait_icr_idle(void);

/*
 * lapic_timer_period - LAPIC timer counts (bus clock / 16) per jiffy, from
 * lapic_calibrate_timer(); 0: no LAPIC timer (the PIT ticks instead). Set
 * by CPU 0 at boot before any AP starts; read-only after.
 */
extern unsigned long lapic_timer_period;

/*
 * apic_init_vectors() - register the handlers of the LAPIC's own vectors:
 * LOCAL_TIMER_VECTOR (the tick) and ERROR_APIC_VECTOR (ESR read, cleared
 * and reported). Context: CPU 0, boot, once, after apic_map().
 */
void apic_init_vectors(void);

/*
 * lapic_calibrate_timer() - count the LAPIC timer (divide by 16, masked,
 * one-shot from 0xffffffff) over 50 ms of a known clock, three times, and
 * keep the least count (a late look only adds): the TSC when
 * CPUID leaf 0x15 gives its rate, else the PIT's channel 2 (gated, polled
 * through port 0x61, as Linux's pit_calibrate_tsc()). Sets
 * lapic_timer_period and prints "APIC: timer calibrated against the PIT:
 * <n> ticks per jiffy (bus clock <m>.<mmm> MHz), HZ=100". The TSC is
 * counted over the same PIT waits: its rate goes to udelay()
 * (delay_set_tsc_khz()).
 * Context: CPU 0, boot, interrupts off, after apic_map().
 * Return: false (period left 0, reason printed) when the PIT never ended
 * the wait or the LAPIC counter did not move.
 */
bool lapic_calibrate_timer(void);

/*
 * lapic_setup_cpu() - this CPU's local APIC on, as Linux's
 * setup_local_APIC(): x2APIC mode if CPU 0 chose it, TPR 0 (every vector
 * accepted), SPIV = SPURIOUS_APIC_VECTOR | enabled, LINT0 and LINT1 as the
 * MADT's local APIC NMI entries for this CPU say (without one: LINT1 NMI,
 * LINT0 masked; LINT0 is ExtINT, unmasked, on CPU 0 in 8259 mode so the
 * PIC's interrupts reach it), the error vector, the ESR cleared, and the
 * periodic timer at HZ from CPU 0's calibration (lapic_timer_period; none
 * when 0). Context: each CPU once, on itself, interrupts off: CPU 0 in
 * irq_init(), each AP after idt_load(), before it enables interrupts.
 */
void lapic_setup_cpu(void);

#endif
