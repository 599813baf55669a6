/* SPDX-License-Identifier: MIT */
/*
 * panic.h - stopping loudly. BUG_ON is always on and names file:line;
 * WARN_ON reports and goes on; BUILD_BUG_ON checks static facts.
 * Portable: the host tests supply their own panic().
 */
#ifndef PANIC_H
#define PANIC_H

/*
 * panic() - print "Kernel panic - not syncing: <message>" and stop for good.
 * Never returns. On the host it aborts the test.
 */
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

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
