// SPDX-License-Identifier: MIT
/*
 * buddy.c - the allocator under test: src/mm compiled unchanged, booted on
 * the host tests' machine (test/host/fake_machine.h: one RAM range from 0,
 * its first 1 MiB reserved, RAM left untouched) with mm_debug 0 and no
 * watermarks or lowmem_reserve, so every free page can be allocated and no
 * buddy_verify() runs per operation.
 */
#include <stdio.h>

#include "bench.h"
#include "mm.h"
#include "test/bench_workloads.h"

/* The counters right after mm_core_init(): the boot state. */
static struct buddy_snapshot boot_state;

/*
 * fake_machine_boot(): memblock gets the firmware map, the watermark
 * tunables are zeroed, then mm_core_init() (mm_debug 0, as
 * fake_machine_mm_debug is left) builds mem_map and frees all. RAM is not
 * junk-filled: init is timed, and the untouched pages of a 64 GiB machine
 * are never backed.
 */
static unsigned long buddy_init(phys_addr_t ram_size)
{
	const struct fake_mem_range map[] = { { 0, ram_size, FAKE_RAM } };
	const struct fake_machine machine = {
		.map = map,
		.nr_ranges = ARRAY_SIZE(map),
		.low_reserve = BENCH_LOW_RESERVE,
		.untouched = true,
	};

	fake_machine_reset();
	fake_machine_boot(&machine);
	drain_all_pages(NULL); /* buddy_snapshot() only reads */
	buddy_snapshot(&boot_state);
	return nr_free_pages();
}

void buddy_print_boot_state(void)
{
	printf("buddy at boot: %lu free pages; free blocks of order 0..%d:",
	       boot_state.free_pages, MAX_PAGE_ORDER);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		printf(" %lu", boot_state.nr_free[o]);
	printf("\n");
}

static bool buddy_at_boot_state(void)
{
	struct buddy_snapshot now;

	drain_all_pages(NULL);
	buddy_snapshot(&now);
	return buddy_snapshot_equal(&boot_state, &now) && !buddy_verify();
}

static bool buddy_fully_fragmented(void)
{
	struct buddy_snapshot now;

	drain_all_pages(NULL);
	buddy_snapshot(&now);
	for (unsigned int o = 1; o < NR_PAGE_ORDERS; o++)
		if (now.nr_free[o])
			return false;
	return true;
}

/*
 * buddy-nopcp: the same, but with every per-CPU list at Linux's boot
 * pageset (high 0, batch 1), as before setup_per_zone_pcp(): each order-0
 * free goes straight back to the buddy and merges, each order-0 allocation
 * splits. On fresh memory an order-0 pair is then the worst case: 10 splits
 * and 10 merges.
 */
static unsigned long buddy_nopcp_init(phys_addr_t ram_size)
{
	unsigned long n = buddy_init(ram_size);
	struct per_cpu_pages *pcp;
	struct zone *zone;
	int cpu;

	for_each_zone_pcp (zone, cpu, pcp) {
		pcp->high = BOOT_PAGESET_HIGH;
		pcp->batch = BOOT_PAGESET_BATCH;
	}
	return n;
}

/* The two differ only in their name and how they boot. */
#define BUDDY_ALLOCATOR(name_, init_)                                          \
	{                                                                      \
		.name = (name_), .max_order = MAX_PAGE_ORDER, .init = (init_), \
		.alloc = bench_buddy_alloc,                                    \
		.alloc_zeroed = bench_buddy_alloc_zeroed,                      \
		.free = bench_buddy_free, .nr_free = nr_free_pages,            \
		.at_boot_state = buddy_at_boot_state,                          \
		.fully_fragmented = buddy_fully_fragmented,                    \
	}

const struct bench_allocator buddy_nopcp_allocator =
	BUDDY_ALLOCATOR("buddy-nopcp", buddy_nopcp_init);
const struct bench_allocator buddy_allocator =
	BUDDY_ALLOCATOR("buddy", buddy_init);
