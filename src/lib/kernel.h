/* SPDX-License-Identifier: MIT */
/*
 * kernel.h - the basics every file may use, in the kernel and in the host
 * build alike (it needs no C library): branch hints and function attributes,
 * as Linux's <linux/compiler.h>; ARRAY_SIZE(), as <linux/array_size.h>;
 * hex_to_bin(), as <linux/hex.h>; and the error numbers our calls return
 * negated, as <linux/errno.h>. The mm
 * core gets it through mm_env.h (both sides of the seam include it).
 */
#ifndef LIB_KERNEL_H
#define LIB_KERNEL_H

/*
 * likely() / unlikely() - which way a test usually goes, so that the common
 * path runs straight through and the other is laid out of the way.
 */
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * __always_inline - inline even where the compiler would not: the small
 * steps the fast paths are written in. (The C library's <sys/cdefs.h>
 * defines it the same way on the host.)
 * noinline - never inline: keeps a slow path out of its caller's code.
 * __cold - rarely called (error reports): laid out apart, and a branch
 * to it is predicted not taken.
 */
/*
 * make DEBUG=1 (docs/stepping.md) compiles the kernel at -Og -fno-inline
 * with PAGEWISE_DEBUG, for stepping in gdb and Bochs. There the buddy
 * allocator's __always_inline steps (page_alloc.c) become noinline, so that
 * expand(), __rmqueue_smallest(), __free_one_page() and their helpers are
 * frames of their own; "unused", as a static inline may go unused. Without
 * it they stay always inline, and the default build's code
 * does not change. The host tests never define it.
 */
#ifdef PAGEWISE_DEBUG
#define __always_inline __attribute__((__noinline__, __unused__))
#endif
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define noinline __attribute__((__noinline__))
#define __cold	 __attribute__((__cold__))

/* ARRAY_SIZE() - the number of elements of the array @a (not a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * hex_to_bin() - the value of a hex digit, as Linux's lib/hexdump.c.
 * @ch: '0'-'9', 'a'-'f' or 'A'-'F'.
 *
 * Return: 0 to 15, or -1 if @ch is not a hex digit.
 */
static inline int hex_to_bin(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Error numbers, returned negated (-EBUSY) as Linux's calls return them;
 * the values are Linux's (asm-generic/errno-base.h), which the C library
 * on an x86_64 host shares.
 */
#ifndef ENOMEM
#define ENOMEM 12 /* out of memory */
#endif
#ifndef EBUSY
#define EBUSY 16 /* in use: the range is not all free */
#endif
#ifndef EINVAL
#define EINVAL 22 /* an argument makes no sense */
#endif

#endif
