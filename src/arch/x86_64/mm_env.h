/* SPDX-License-Identifier: MIT */
/*
 * mm_env.h (kernel side) - everything the portable mm core may use from its
 * surroundings. test/host/mm_env.h is the same seam for the host unit tests;
 * the include path picks one. Keep the two in step.
 */
#ifndef MM_ENV_H
#define MM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bochs_break.h"
#include "clear_page.h"
#include "memlayout.h"
#include "panic.h"
#include "printk.h"
#include "string.h"

typedef uint64_t phys_addr_t;

/* Zero one page at direct-map address @addr; rep stosq, 8 bytes a step. */
static inline void clear_page(void *addr)
{
	clear_page_rep(addr);
}

/* A pseudo-random seed for self-tests; printed so a run can be repeated. */
static inline uint64_t mm_env_seed(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * make DEBUG=1 (docs/stepping.md) compiles the kernel at -Og -fno-inline
 * with PAGEWISE_DEBUG, for stepping in gdb and Bochs. There the buddy
 * allocator's __always_inline steps (page_alloc.c) become noinline, so that
 * expand(), __rmqueue_smallest(), __free_one_page() and their helpers are
 * frames of their own; "unused", as a static inline may go unused. Without
 * it page_alloc.c keeps them always inline, and the default build's code
 * does not change. The host tests never define it.
 */
#ifdef PAGEWISE_DEBUG
#define __always_inline __attribute__((noinline, unused))
#endif

#endif
