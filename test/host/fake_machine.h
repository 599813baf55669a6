/* SPDX-License-Identifier: MIT */
/*
 * fake_machine.h - what the host tests run the mm core on: a printk() whose
 * output is captured, a panic() that fails the test (or is caught on
 * purpose), and a machine booted from a fake firmware memory map.
 */
#ifndef FAKE_MACHINE_H
#define FAKE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm_env.h"

#define KiB (1UL << 10)
#define MiB (1UL << 20)

/* host_ram is aligned to this, so an order-10 block is 4 MiB-aligned in it. */
#define HOST_RAM_ALIGN (4 * MiB)
/* What fresh host_ram holds: never what a zeroed page holds. */
#define HOST_RAM_JUNK 0x6b

/*
 * printk_log() - everything printk() wrote since the last printk_log_clear(),
 * as one NUL-terminated string. When the capture buffer fills, its older
 * half is dropped, so the most recent output is always there.
 * Set PAGEWISE_VERBOSE=1 to also see printk() output on stdout.
 */
const char *printk_log(void);
void printk_log_clear(void);
/* printk_log_count() - how many times @s occurs in printk_log(). */
unsigned int printk_log_count(const char *s);

/*
 * run_expecting_panic() - call @fn; if it calls panic(), come back here.
 * The panic message is in printk_log().
 * Return: true if @fn panicked, false if it returned normally.
 * Outside this, panic() fails the running cmocka test.
 */
bool run_expecting_panic(void (*fn)(void));

/*
 * host_tests_init() - call first in main(): $PAGEWISE_TEST, if set, is a
 * cmocka filter pattern ("free_*") choosing which cases run.
 */
void host_tests_init(void);

/* The type of a firmware memory-map entry, as far as the mm core cares. */
enum fake_mem_type {
	FAKE_RAM,      /* usable: memblock_add_pages() */
	FAKE_RESERVED, /* anything else: memblock_reserve_pages() */
};

/* One firmware memory-map entry, in bytes; need not be page-aligned. */
struct fake_mem_range {
	phys_addr_t base;
	phys_addr_t size;
	enum fake_mem_type type;
};

/* A machine to boot: its firmware map and what the "arch" reserves. */
struct fake_machine {
	const struct fake_mem_range *map; /* entries in any order */
	unsigned int nr_ranges;
	phys_addr_t low_reserve;   /* bytes reserved from 0, as the kernel's
				      first 1 MiB; 0 for none */
	phys_addr_t mem_map_limit; /* memblock current_limit while mem_map is
				      allocated, 0 for anywhere (the top) */
	/* true: Linux's default watermarks and lowmem_reserve; false (most
	 * tests): none, so every free page can be allocated */
	bool watermarks;
};

/*
 * fake_machine_load() - reserve host_ram to cover every map entry, the
 * entries (and low_reserve) filled with the junk byte HOST_RAM_JUNK (so
 * zeroing is tested against dirt) and the holes never touched, then
 * reset memblock and feed it the map and low_reserve, as the arch's setup
 * code does. Unless @m->watermarks, the watermark tunables are zeroed (see
 * mmzone.h), so the mm_core_init() that follows sets no watermark and no
 * lowmem_reserve. Stops short of mm_core_init().
 */
void fake_machine_load(const struct fake_machine *m);

/*
 * fake_machine_boot() - fake_machine_load() then mm_core_init(), with
 * mm_debug = MM_DEBUG_VERIFY: buddy_verify() runs after every allocation
 * and free, and a problem panics, which fails the test.
 */
void fake_machine_boot(const struct fake_machine *m);

/*
 * fake_machine_teardown() - free host_ram and reset every global of the mm
 * core (memblock, mem_map, max_pfn, the zones, the tunables) and the
 * printk log.
 */
void fake_machine_teardown(void);
/* fake_machine_teardown_case() - the same, as a cmocka teardown function. */
int fake_machine_teardown_case(void **state);

/*
 * memblock_free_pfns() - a @nr_pfns-long array, true where memblock says
 * the page is free (in memory and not reserved). The caller frees it.
 */
bool *memblock_free_pfns(unsigned long nr_pfns);

/*
 * canonical_nr_free() - the nr_free of each order when the pages marked in
 * @is_free are fully merged: a 2^o-aligned block of 2^o free pages is one free
 * block when o is MAX_PAGE_ORDER or its 2^(o+1) parent is not wholly free.
 * Computed from @is_free alone, without the allocator.
 */
void canonical_nr_free(const bool *is_free, unsigned long nr_pfns,
		       unsigned long nr_free[]);

/* total_nr_free() - free blocks of @order, summed over the zones. */
unsigned long total_nr_free(unsigned int order);

/*
 * assert_canonical_buddy() - drain the per-CPU lists, then fail the test
 * unless the free lists hold exactly the canonical blocks of @is_free (same
 * pfns, same orders, same nr_free), every other page is not free, and
 * buddy_verify() finds nothing.
 */
void assert_canonical_buddy(const bool *is_free, unsigned long nr_pfns);

#endif
