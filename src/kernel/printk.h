/* SPDX-License-Identifier: MIT */
/*
 * printk.h - formatted output to the console, dmesg style.
 * Portable: the mm core uses it on the host too, where test/host supplies printk().
 * A file may #define pr_fmt(fmt) "tag: " fmt before including this, as in Linux.
 */
#ifndef PRINTK_H
#define PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/*
 * printk() - format and write to the console.
 * Conversions: %d %i %u %x %X %o %c %s %p %%, length modifiers hh h l ll z,
 * flags '-' '0' '+' ' ' '#', a field width and a precision (numbers or '*').
 * %p prints the raw address as 0x plus 16 hex digits (Linux hashes it; we
 * are a teaching kernel and show it). %pS prints a code address as
 * "function+0xoff/0xsize" from the kernel's own symbols (raw 0x... when it is
 * no known function), %ps the name alone, and %pB a return address (looked
 * up at address - 1, so a call that never returns names its caller), as
 * Linux's.
 * Return: the number of characters written.
 */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * console_write() - send @len bytes of @s (not formatted; "\n" goes out
 * as "\r\n") to the console under the same console lock as printk(), so
 * it never splits another CPU's line: every console text that is not a
 * printk() goes through here (the monitor's line editor echo), never
 * straight to serial_write(). Context: kernel only (the host tests have
 * their own console); any CPU, any context (interrupts are off while it
 * writes). Waits for the lock while another CPU prints.
 */
void console_write(const char *s, size_t len);

/*
 * console_bust_lock() - from now on, printk() on the calling CPU writes
 * without taking the console lock, which a CPU stopped by a panic may hold
 * for good (as Linux's zap_locks() in the old kernel/printk.c). Other CPUs
 * keep using the lock. A text cut off mid-line by the stop is ended with a
 * newline before the next one. Context: kernel only (the host tests have
 * their own printk); the panicking CPU, after the other CPUs stopped (or
 * did not answer within its wait), interrupts off.
 */
void console_bust_lock(void);

/*
 * vsnprintf() / snprintf() - as C99: write at most @size bytes including the
 * NUL to @buf. Return: the length the full output would have had.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define pr_emerg(fmt, ...) printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)   printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)  printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)  printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)  printk(fmt, ##__VA_ARGS__)

#endif
