/* SPDX-License-Identifier: MIT */
/*
 * smp_stop.h - stopping CPUs for good when the kernel panics: the NMI that
 * stops the others, and a CPU stopping itself. As Linux's smp_send_stop()
 * (arch/x86/kernel/smp.c) and stop_this_cpu() (arch/x86/kernel/process.c).
 */
#ifndef ARCH_X86_64_SMP_STOP_H
#define ARCH_X86_64_SMP_STOP_H

/* How long smp_send_stop() waits for the others, in milliseconds. */
#define SMP_STOP_WAIT_MS 1000

/*
 * smp_send_stop() - send an NMI to every other CPU (the APIC's "all but
 * self" shorthand) and wait up to SMP_STOP_WAIT_MS for each CPU that was
 * CPU_ONLINE to reach CPU_STOPPED (its NMI handler calls stop_this_cpu()).
 * The wait polls the PIT's channel 2 (no timer interrupt runs in a panic).
 * Sends nothing when no other CPU is online or the local APIC is not
 * mapped yet (before irq_init() only one CPU runs). Prints nothing: the
 * console lock may be held by a CPU it stops; the caller reports, after
 * console_bust_lock(), which CPUs are still CPU_ONLINE.
 * Context: the panicking CPU only (panic_cpu), interrupts off.
 * Return: how many other CPUs were online (0: no NMI was sent).
 */
unsigned int smp_send_stop(void);

/*
 * stop_this_cpu() - interrupts off, this CPU's state CPU_STOPPED, then hlt
 * for good; prints nothing. Context: any CPU that a panic on another CPU
 * stops: from the NMI handler (on its IST stack), or a CPU that panics or
 * faults while another CPU's panic is in progress. Never returns.
 */
void stop_this_cpu(void) __attribute__((noreturn));

#endif
