// SPDX-License-Identifier: MIT
/*
 * panic.c - stop loudly: "Kernel panic - not syncing: <why>" on COM1, as
 * Linux words it. With several CPUs the first to panic (or to oops) owns
 * the panic: it stops the others with an NMI and alone prints; any other
 * CPU that panics meanwhile stops without a word, so there is one dump.
 * With "poweroff" on the command line the machine is then switched off, so
 * scripted runs end at once instead of hanging.
 */
#include "panic.h"

#include "cmdline.h"
#include "irqflags.h"
#include "power.h"
#include "printk.h"
#include "smp.h"
#include "smp_stop.h"

/*
 * panic_cpu: the CPU that owns the panic, PANIC_CPU_INVALID until one
 * does. Taken once, by compare-and-exchange, by the first CPU to reach
 * panic() or a fatal exception; never given back. Every CPU reads it.
 */
int panic_cpu = PANIC_CPU_INVALID;

/*
 * others_stopped: smp_send_stop() ran and the console lock is busted; how
 * many other CPUs were online then. Read and written by the panic CPU only.
 */
static bool others_stopped;
static unsigned int others_signalled;

int panic_try_start(void)
{
	int old = PANIC_CPU_INVALID;

	__atomic_compare_exchange_n(&panic_cpu, &old, (int)smp_processor_id(),
				    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_cpu, __ATOMIC_SEQ_CST) !=
	       PANIC_CPU_INVALID;
}

bool this_cpu_in_panic(void)
{
	return __atomic_load_n(&panic_cpu, __ATOMIC_SEQ_CST) ==
	       (int)smp_processor_id();
}

void panic_stop_other_cpus(void)
{
	if (!others_stopped) {
		/* Set first: a fault inside the stop must not stop them
		 * again; it still busts the lock below. */
		others_stopped = true;
		others_signalled = smp_send_stop();
	}
	console_bust_lock();
}

/*
 * After the panic line: which CPU panics, and what became of the others
 * smp_send_stop() signalled: stopped, or still running (their lines may
 * then interleave with ours).
 */
static void show_cpus(void)
{
	unsigned int cpu, me = smp_processor_id();
	char list[NR_CPUS * 4 + 1];
	size_t len = 0;

	printk("CPU: %u APIC id %u\n", me, (unsigned int)this_cpu()->apic_id);
	if (!others_signalled)
		return;
	list[0] = '\0';
	for_each_possible_cpu (cpu)
		if (cpu != me && per_cpu(cpu)->state == CPU_STOPPED &&
		    len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						" %u", cpu);
	printk("panic: CPU %u stopped the other CPUs with an NMI; stopped:%s\n",
	       me, len ? list : " none");
	for_each_online_cpu (cpu)
		if (cpu != me)
			printk("panic: CPU %u (APIC id %u) did not stop within %u ms: still online, its lines may mix with these\n",
			       cpu, (unsigned int)per_cpu(cpu)->apic_id,
			       SMP_STOP_WAIT_MS);
}

void panic(const char *fmt, ...)
{
	/* Written by the panic CPU only: a panic inside the power-off. */
	static int in_panic;
	char buf[256];
	va_list ap;
	int old;

	local_irq_disable();
	old = panic_try_start();
	if (old != PANIC_CPU_INVALID && old != (int)smp_processor_id())
		stop_this_cpu(); /* another CPU panics: it alone speaks */
	panic_stop_other_cpus();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("Kernel panic - not syncing: %s\n", buf);
	show_cpus();
	printk("---[ end Kernel panic - not syncing: %s ]---\n", buf);
	if (!in_panic++ && cmdline_has("poweroff"))
		machine_power_off();
	machine_halt();
}
