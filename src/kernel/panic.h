/* SPDX-License-Identifier: MIT */
/*
 * panic.h - stopping loudly. BUG_ON is always on and names file:line;
 * WARN_ON reports and goes on; BUILD_BUG_ON checks static facts.
 * Portable: the host tests supply their own panic().
 */
#ifndef PANIC_H
#define PANIC_H

#include <stdbool.h>

/*
 * panic() - print "Kernel panic - not syncing: <message>", a line naming
 * the CPU ("CPU: <n> APIC id <a>") and, with other CPUs online, which of
 * them stopped, then "---[ end Kernel panic - not syncing: <message> ]---",
 * and stop for good (power off with "poweroff" on the command line). The
 * first CPU to panic owns the panic (panic_cpu) and stops the others with
 * an NMI before it prints; a CPU that calls panic() while another CPU's
 * panic is in progress stops itself and prints nothing. As Linux's
 * kernel/panic.c panic(). Context: any CPU, any context; interrupts are
 * turned off. Never returns. On the host it aborts the test.
 */
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/*
 * Kernel only (panic.c): the host tests have one CPU and their own panic().
 *
 * panic_cpu - the CPU that owns the panic, PANIC_CPU_INVALID (-1) while
 * none does, as Linux's panic_cpu. Taken once by an atomic compare-and-
 * exchange in panic_try_start(), never given back; read by any CPU with
 * __atomic loads (panic_in_progress(), this_cpu_in_panic()).
 */
#define PANIC_CPU_INVALID (-1)
extern int panic_cpu;

/*
 * panic_try_start() - make this CPU the panic's owner if none is yet.
 * Context: any CPU, interrupts off. Return: the owner before the call:
 * PANIC_CPU_INVALID when this CPU just became the owner; this CPU's own
 * number when it owned it already (a fault while it panics); another
 * number when another CPU owns it (the caller must then stop_this_cpu()).
 */
int panic_try_start(void);
/* panic_in_progress() - does some CPU own a panic? (Linux's printk.c) */
bool panic_in_progress(void);
/* this_cpu_in_panic() - is the calling CPU the panic's owner? */
bool this_cpu_in_panic(void);
/*
 * panic_stop_other_cpus() - once per panic: stop the other CPUs with an NMI
 * and wait for them (smp_send_stop()), then bust the console lock so this
 * CPU prints even if a stopped CPU held it. Prints nothing itself; panic()
 * reports the result. Context: the panic's owner only, interrupts off;
 * the second and later calls (a fault during the panic) only make sure the
 * lock is busted.
 */
void panic_stop_other_cpus(void);

#define BUG() panic("kernel BUG at %s:%d!", __FILE__, __LINE__)
#define BUG_ON(cond)           \
	do {                   \
		if (cond)      \
			BUG(); \
	} while (0)

#define WARN_ON(cond)                                                         \
	({                                                                    \
		int __ret_warn_on = !!(cond);                                 \
		if (__ret_warn_on)                                            \
			printk("WARNING: at %s:%d: %s\n", __FILE__, __LINE__, \
			       #cond);                                        \
		__ret_warn_on;                                                \
	})

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif
