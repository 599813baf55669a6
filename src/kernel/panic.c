// SPDX-License-Identifier: MIT
/*
 * panic.c - stop loudly: "Kernel panic - not syncing: <why>" on COM1, as
 * Linux words it. With "poweroff" on the command line the machine is then
 * switched off, so scripted runs end at once instead of hanging.
 */
#include "panic.h"

#include "cmdline.h"
#include "power.h"
#include "printk.h"

void panic(const char *fmt, ...)
{
	static int in_panic;
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("Kernel panic - not syncing: %s\n", buf);
	printk("---[ end Kernel panic - not syncing: %s ]---\n", buf);
	if (!in_panic++ && cmdline_has("poweroff"))
		machine_power_off();
	machine_halt();
}
