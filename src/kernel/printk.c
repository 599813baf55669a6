// SPDX-License-Identifier: MIT
/* printk.c - the kernel's printk(): format into a buffer, write to COM1. */
#include "printk.h"

#include "serial.h"

#define PRINTK_BUF 1024 /* longer messages are cut here */

int printk(const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}
