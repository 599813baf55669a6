/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what bench.c runs a workload against: the buddy allocator of
 * src/mm (buddy.c) or a baseline (baselines/). Every allocator hands out
 * pages of the same simulated physical memory, host_ram, by direct-map
 * address, and must be back in its boot state after every workload.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_machine.h"
#include "gfp.h"
#include "mm_env.h"

/* The first 1 MiB is reserved on every simulated machine, as on a PC. */
#define BENCH_LOW_RESERVE (1UL << 20)

struct bench_allocator {
	const char *name;
	/* Highest order alloc() serves: 0 for order-0-only allocators, at most
	 * MAX_PAGE_ORDER. */
	unsigned int max_order;
	/*
	 * Largest simulated RAM init() may take, in bytes; 0 for no limit.
	 * An allocator that writes into every free page needs them backed.
	 */
	phys_addr_t max_init_size;
	/*
	 * Take over host_ram, [0, @ram_size) of fake_machine.h's reservation
	 * (fake_ram_use()): every pfn at or above BENCH_LOW_RESERVE is free.
	 * Return: the number of free pages.
	 */
	unsigned long (*init)(phys_addr_t ram_size);
	/* The direct-map address of 2^@order free contiguous pages, or NULL. */
	void *(*alloc)(unsigned int order);
	/* One zeroed page, or NULL; NULL here: alloc(0) then memset. */
	void *(*alloc_zeroed)(void);
	/* Give back the block at @va of 2^@order pages. */
	void (*free)(void *va, unsigned int order);
	/* Pages free now. */
	unsigned long (*nr_free)(void);
	/* Is everything back exactly as init() left it? */
	bool (*at_boot_state)(void);
	/*
	 * Optional: after half of the pages (every other one) were freed
	 * again, is no free block larger than one page? NULL: not checked.
	 */
	bool (*fully_fragmented)(void);
	/* A reference for the zero workload only (it zeroes one page and
	 * allocates nothing): every other workload is skipped. */
	bool zero_only;
};

extern const struct bench_allocator buddy_allocator;
extern const struct bench_allocator buddy_nopcp_allocator;
extern const struct bench_allocator memset_allocator;
extern const struct bench_allocator rep_stosq_allocator;
extern const struct bench_allocator free_stack_allocator;
extern const struct bench_allocator free_list_allocator;
extern const struct bench_allocator bitmap_allocator;

/*
 * buddy_print_boot_state() - print the buddy's free blocks per order as
 * mm_core_init() left them (after buddy_allocator.init()).
 */
void buddy_print_boot_state(void);

#endif
