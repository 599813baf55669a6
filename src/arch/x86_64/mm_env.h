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
#include "lab.h" /* what a lab handout's stubs in src/mm call */
#include "lib/kernel.h"
#include "memlayout.h"
#include "panic.h"
#include "printk.h"
#include "smp.h" /* NR_CPUS, nr_cpu_ids, smp_processor_id() */
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

#endif
