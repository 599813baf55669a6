// SPDX-License-Identifier: MIT
/*
 * printk.c - the kernel's printk(): format into a buffer, write to COM1.
 * One call's whole text goes out under the console lock with interrupts
 * off, so the lines of two CPUs never interleave within a call; so does
 * every other console text (console_write(): the monitor's echo). The lock
 * knows its owner CPU: an exception or NMI that prints on the CPU that holds
 * it prints anyway (marked), and a panic busts it once the others stopped.
 */
#include "printk.h"

#include "irqflags.h"
#include "serial.h"
#include "smp.h"
#include "spinlock.h"

#define PRINTK_BUF	 1024 /* longer messages are cut here */
#define CONSOLE_NO_OWNER (-1)

/*
 * The console lock: held around the formatting and the serial output of
 * one printk() call (the formatting too, so a fault in it, say %s of a bad
 * pointer, happens with the lock held and takes the re-entry path below).
 * Always taken with interrupts off, so an interrupt never finds it held by
 * its own CPU; only an exception or an NMI can.
 */
static DEFINE_SPINLOCK(console_lock);
/*
 * console_owner: the CPU that holds console_lock, CONSOLE_NO_OWNER when
 * none. Written only by the holder, right after taking the lock and right
 * before dropping it; read by every CPU, which only compares it with its
 * own number: a CPU sees its own number there only when it wrote it itself
 * (so it holds the lock), and any other value means "not me". As Linux's
 * console_owner (kernel/printk/printk.c), used for re-entry instead of
 * handover.
 */
static volatile int console_owner = CONSOLE_NO_OWNER;
/*
 * console_reentered: set when an exception or NMI printed on the owner CPU
 * while it held the lock, so the mark is printed once per hold. Read and
 * written by the owner CPU only.
 */
static bool console_reentered;
/*
 * console_at_line_start: did the last text written end with a newline?
 * False while a text goes out. The re-entry mark, and the bust when a
 * stopped CPU held the lock, start a new line first, as the text cut off
 * may stop mid-line. Written by whoever writes to the console (the lock's
 * owner, or the CPU that busted the lock); read by the CPU that busts it.
 */
static volatile bool console_at_line_start = true;
/*
 * console_busted_by: the CPU that busted the lock (console_bust_lock()),
 * CONSOLE_NO_OWNER until then. Written once by the panicking CPU after the
 * others stopped; that CPU then prints without the lock, which a stopped
 * CPU may hold for good. Other CPUs only compare it with their own number.
 */
static volatile int console_busted_by = CONSOLE_NO_OWNER;

/* Send @len bytes of @buf to the console and note where the line stands. */
static void console_emit(const char *buf, size_t len)
{
	if (!len)
		return;
	/* False while the text goes out: a CPU stopped in the middle of it
	 * leaves a line to end (console_bust_lock()). */
	console_at_line_start = false;
	serial_write(buf, len);
	console_at_line_start = buf[len - 1] == '\n';
}

/*
 * The mark before the first text an exception or NMI prints on the CPU
 * that holds the console lock (the text it cut off may end mid-line).
 */
static void console_mark_reentry(int cpu)
{
	char mark[128];
	int m = snprintf(
		mark, sizeof(mark),
		"printk: CPU %d re-entered printk (an exception or NMI): printing without the console lock\n",
		cpu);

	console_reentered = true;
	if (!console_at_line_start)
		console_emit("\n", 1);
	console_emit(mark,
		     m < (int)sizeof(mark) ? (size_t)m : sizeof(mark) - 1);
}

/*
 * Take the console lock for this CPU, with interrupts off (saved in
 * *@flags). Return: true when taken (release with console_unlock_cpu());
 * false when this CPU may write without it: it holds it already (an
 * exception or NMI came in while it printed: waiting would wait for
 * ourselves forever, so print anyway, marked once per hold) or it busted
 * it (panic).
 */
static bool console_lock_cpu(unsigned long *flags)
{
	int cpu;

	local_irq_save(*flags);
	cpu = (int)smp_processor_id();
	if (console_owner == cpu) {
		if (!console_reentered)
			console_mark_reentry(cpu);
		return false;
	}
	if (console_busted_by == cpu)
		return false;
	spin_lock(&console_lock);
	console_owner = cpu;
	return true;
}

/* Undo console_lock_cpu(): drop the lock when @locked, restore @flags. */
static void console_unlock_cpu(bool locked, unsigned long flags)
{
	if (locked) {
		console_reentered = false;
		console_owner = CONSOLE_NO_OWNER;
		spin_unlock(&console_lock);
	}
	local_irq_restore(flags);
}

int printk(const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	unsigned long flags;
	bool locked = console_lock_cpu(&flags);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		console_emit(buf, n < (int)sizeof(buf) ? (size_t)n
						       : sizeof(buf) - 1);
	console_unlock_cpu(locked, flags);
	return n;
}

void console_write(const char *s, size_t len)
{
	unsigned long flags;
	bool locked = console_lock_cpu(&flags);

	console_emit(s, len);
	console_unlock_cpu(locked, flags);
}

void console_bust_lock(void)
{
	int cpu = (int)smp_processor_id();

	/* Busted already; or holding it ourselves (the panic began inside
	 * printk): the re-entry path prints then, keep it. */
	if (console_owner == cpu || console_busted_by == cpu)
		return;
	console_busted_by = cpu;
	/* A CPU stopped while it held the lock may have been cut off
	 * mid-line: end that line. */
	if (spin_is_locked(&console_lock) && !console_at_line_start)
		console_emit("\n", 1);
}
