// SPDX-License-Identifier: MIT
/*
 * test_memblock.c - src/mm/memblock.c: region lists stay sorted, merged and
 * page-trimmed whatever order and shape the firmware ranges come in; the
 * reserved list always wins; allocation is top-down, aligned and bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "memblock.h"
#include "mm.h"

#define TOP_PAGE (~(phys_addr_t)0 & PAGE_MASK) /* highest page's address */

static int reset(void **state)
{
	(void)state;
	memblock_reset();
	printk_log_clear();
	return 0;
}

/* Fail unless @type holds exactly the @n regions [base, end) of @want. */
static void assert_regions(const struct memblock_type *type,
			   const phys_addr_t (*want)[2], unsigned long n)
{
	assert_int_equal(type->cnt, n);
	for (unsigned long i = 0; i < n; i++) {
		assert_int_equal(type->regions[i].base, want[i][0]);
		assert_int_equal(type->regions[i].base + type->regions[i].size,
				 want[i][1]);
	}
}

/* Fail unless the two lists hold the same regions. */
static void assert_same_regions(const struct memblock_type *a,
				const struct memblock_type *b)
{
	assert_int_equal(a->cnt, b->cnt);
	assert_memory_equal(a->regions, b->regions,
			    a->cnt * sizeof(a->regions[0]));
}

/* Fail unless memblock is as @before: both lists, limit and retirement. */
static void assert_memblock_unchanged(const struct memblock *before)
{
	assert_same_regions(&memblock.memory, &before->memory);
	assert_same_regions(&memblock.reserved, &before->reserved);
	assert_int_equal(memblock.current_limit, before->current_limit);
	assert_int_equal(memblock.retired, before->retired);
}

#define ASSERT_REGIONS(type, ...)                                     \
	do {                                                          \
		static const phys_addr_t want[][2] = { __VA_ARGS__ }; \
		assert_regions((type), want, ARRAY_SIZE(want));       \
	} while (0)

/* Collect for_each_free_mem_pfn_range() into an array of [start, end). */
struct pfn_ranges {
	unsigned long nr;
	unsigned long range[16][2];
};

static void collect_range(unsigned long start_pfn, unsigned long end_pfn,
			  void *arg)
{
	struct pfn_ranges *r = arg;

	assert_true(r->nr < ARRAY_SIZE(r->range));
	r->range[r->nr][0] = start_pfn;
	r->range[r->nr][1] = end_pfn;
	r->nr++;
}

static void assert_free_ranges(const unsigned long (*want)[2], unsigned long n)
{
	struct pfn_ranges got = { 0 };

	for_each_free_mem_pfn_range(collect_range, &got);
	assert_int_equal(got.nr, n);
	for (unsigned long i = 0; i < n; i++) {
		assert_int_equal(got.range[i][0], want[i][0]);
		assert_int_equal(got.range[i][1], want[i][1]);
	}
}

#define ASSERT_FREE_RANGES(...)                                         \
	do {                                                            \
		static const unsigned long want[][2] = { __VA_ARGS__ }; \
		assert_free_ranges(want, ARRAY_SIZE(want));             \
	} while (0)

static void unsorted_ranges_are_sorted(void **state)
{
	(void)state;
	assert_int_equal(memblock_add(0x5000, 0x1000), 0);
	assert_int_equal(memblock_add(0x1000, 0x1000), 0);
	assert_int_equal(memblock_add(0x9000, 0x1000), 0);
	assert_int_equal(memblock_add(0x3000, 0x1000), 0);
	ASSERT_REGIONS(&memblock.memory, { 0x1000, 0x2000 }, { 0x3000, 0x4000 },
		       { 0x5000, 0x6000 }, { 0x9000, 0xa000 });
}

static void overlapping_ranges_merge(void **state)
{
	(void)state;
	memblock_add(0x1000, 0x2000);
	memblock_add(0x2000, 0x3000); /* overlaps the end */
	ASSERT_REGIONS(&memblock.memory, { 0x1000, 0x5000 });
	memblock_add(0x800, 0x1000); /* overlaps the start */
	ASSERT_REGIONS(&memblock.memory, { 0x800, 0x5000 });
	memblock_add(0x2000, 0x100); /* inside */
	ASSERT_REGIONS(&memblock.memory, { 0x800, 0x5000 });
	memblock_add(0, 0x8000); /* around */
	ASSERT_REGIONS(&memblock.memory, { 0, 0x8000 });
}

static void adjacent_ranges_merge(void **state)
{
	(void)state;
	memblock_add(0x2000, 0x1000);
	memblock_add(0x3000, 0x1000); /* touches the end */
	memblock_add(0x1000, 0x1000); /* touches the start */
	ASSERT_REGIONS(&memblock.memory, { 0x1000, 0x4000 });
	memblock_reserve(0x5000, 0x1000);
	memblock_reserve(0x6000, 0x1000);
	ASSERT_REGIONS(&memblock.reserved, { 0x5000, 0x7000 });
}

static void one_range_bridges_several_regions(void **state)
{
	(void)state;
	memblock_add(0x1000, 0x1000);
	memblock_add(0x4000, 0x1000);
	memblock_add(0x7000, 0x1000);
	memblock_add(0xa000, 0x1000);
	memblock_add(0x1800, 0x6000); /* from inside the first to the third */
	ASSERT_REGIONS(&memblock.memory, { 0x1000, 0x8000 },
		       { 0xa000, 0xb000 });
}

static void zero_length_ranges_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(memblock_add(0x1000, 0), 0);
	assert_int_equal(memblock_reserve(0x1000, 0), 0);
	assert_int_equal(memblock_add_pages(0x1000, 0), 0);
	assert_int_equal(memblock_reserve_pages(0x1800, 0), 0);
	assert_int_equal(memblock.memory.cnt, 0);
	assert_int_equal(memblock.reserved.cnt, 0);
	assert_int_equal(memblock_end_of_DRAM(), 0);
}

static void add_pages_trims_unaligned_ends_inward(void **state)
{
	(void)state;
	memblock_add_pages(0x1800, 0x3000);   /* [0x1800, 0x4800) */
	memblock_add_pages(0x9f000, 0xc00);   /* the EBDA's 640K - 1K edge */
	memblock_add_pages(0x100001, 0xffff); /* [.., 0x110000) */
	ASSERT_REGIONS(&memblock.memory, { 0x2000, 0x4000 },
		       { 0x101000, 0x110000 });
}

static void add_pages_without_a_whole_page_adds_nothing(void **state)
{
	(void)state;
	assert_int_equal(memblock_add_pages(0x1800, 0x1000), 0);
	assert_int_equal(memblock_add_pages(0x1001, 0xffe), 0);
	assert_int_equal(memblock_add_pages(0x2000, 0xfff), 0);
	assert_int_equal(memblock.memory.cnt, 0);
}

static void reserve_pages_widens_unaligned_ends_outward(void **state)
{
	(void)state;
	memblock_reserve_pages(0x1800, 0x1000); /* two half pages */
	memblock_reserve_pages(0x5fff, 2);	/* two bytes, two pages */
	memblock_reserve_pages(0x9000, 1);	/* one byte */
	ASSERT_REGIONS(&memblock.reserved, { 0x1000, 0x3000 },
		       { 0x5000, 0x7000 }, { 0x9000, 0xa000 });
}

static void add_pages_cuts_a_range_past_the_top(void **state)
{
	(void)state;
	assert_int_equal(memblock_add_pages(TOP_PAGE - 0x2000, 0x10000), 0);
	ASSERT_REGIONS(&memblock.memory, { TOP_PAGE - 0x2000, TOP_PAGE });
}

static void add_pages_of_a_partial_top_page_adds_nothing(void **state)
{
	(void)state;
	/* rounding the start up wraps to 0: that must not add [0, ...) */
	assert_int_equal(memblock_add_pages(TOP_PAGE + 0x800, 0x100), 0);
	assert_int_equal(memblock_add_pages(TOP_PAGE + 0x800, 0x1000), 0);
	assert_int_equal(memblock.memory.cnt, 0);
}

static void reserved_range_inside_usable_is_not_free(void **state)
{
	(void)state;
	memblock_add_pages(0, 0x100000);
	memblock_reserve_pages(0x10800, 0x1800); /* pages 0x10, 0x11 */
	ASSERT_FREE_RANGES({ 0, 0x10 }, { 0x12, 0x100 });
}

static void reserved_range_covering_region_edges_is_not_free(void **state)
{
	(void)state;
	memblock_add_pages(0x1000, 0xf000);
	memblock_add_pages(0x20000, 0x10000);
	memblock_add_pages(0x40000, 0x1000);
	memblock_reserve_pages(0, 0x2000);	 /* the first region's start */
	memblock_reserve_pages(0xf000, 0x12000); /* across the gap */
	memblock_reserve_pages(0x3ffff, 0x1002); /* all of the last region */
	ASSERT_FREE_RANGES({ 0x2, 0xf }, { 0x21, 0x30 });
}

static void firmware_map_order_does_not_matter(void **state)
{
	(void)state;
	/* reserved before usable, usable overlapping usable, all unaligned */
	memblock_reserve_pages(0x9fc00, 0x60400);
	memblock_add_pages(0x100000, 0x300000);
	memblock_add_pages(0, 0x9fc00);
	memblock_add_pages(0x200800, 0x400000);
	ASSERT_REGIONS(&memblock.memory, { 0, 0x9f000 },
		       { 0x100000, 0x600000 });
	ASSERT_FREE_RANGES({ 0, 0x9f }, { 0x100, 0x600 });
}

static void phys_alloc_is_top_down(void **state)
{
	(void)state;
	memblock_add(0x100000, 0x700000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x7ff000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x7fe000);
	assert_int_equal(memblock_phys_alloc(0x3000, 0x1000), 0x7fb000);
	ASSERT_REGIONS(&memblock.reserved, { 0x7fb000, 0x800000 });
}

static void phys_alloc_is_aligned(void **state)
{
	(void)state;
	memblock_add(0x100000, 0x6ff800); /* ends at 0x7ff800 */
	assert_int_equal(memblock_phys_alloc(0x1000, 0x200000), 0x600000);
	assert_int_equal(memblock_phys_alloc(0x123, 0x10), 0x7ff6d0);
	assert_int_equal(memblock_phys_alloc(0x1000, 0), 0x7fe6d0);
}

static void phys_alloc_stays_below_current_limit(void **state)
{
	(void)state;
	memblock_add(0x100000, 0x700000);
	memblock_set_current_limit(0x400800);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x3ff000);
	memblock_set_current_limit(0x100000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x7ff000);
}

static void phys_alloc_skips_reserved_ranges(void **state)
{
	(void)state;
	memblock_add(0x100000, 0x700000);
	memblock_reserve(0x7fe800, 0x800); /* leaves one page free above */
	assert_int_equal(memblock_phys_alloc(0x2000, 0x1000), 0x7fc000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x7ff000);
	ASSERT_REGIONS(&memblock.reserved, { 0x7fc000, 0x7fe000 },
		       { 0x7fe800, 0x800000 });
}

static void phys_alloc_returns_0_when_nothing_fits(void **state)
{
	struct memblock before;

	(void)state;
	memblock_add(0x100000, 0x100000);
	memblock_reserve(0x180000, 0x1000);
	before = memblock;
	assert_int_equal(memblock_phys_alloc(0x100000, 0x1000),
			 0);					   /* too big */
	assert_int_equal(memblock_phys_alloc(0x81000, 0x1000), 0); /* no gap */
	assert_int_equal(memblock_phys_alloc(0, 0x1000), 0);	   /* empty */
	assert_int_equal(memblock_phys_alloc(0x1000, 0x3000), 0);  /* align */
	assert_memblock_unchanged(&before);
}

static void phys_alloc_never_returns_address_0(void **state)
{
	(void)state;
	memblock_add(0, 0x2000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0x1000);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0);
	ASSERT_REGIONS(&memblock.reserved, { 0x1000, 0x2000 });
}

static void phys_alloc_hands_out_disjoint_ranges(void **state)
{
	phys_addr_t a, b;

	(void)state;
	memblock_add(0x1000, 0x8000);
	a = memblock_phys_alloc(0x2800, 0x800);
	b = memblock_phys_alloc(0x2800, 0x800);
	assert_true(a && b);
	assert_true(b + 0x2800 <= a || a + 0x2800 <= b);
	assert_int_equal(memblock_reserved_size(), 0x5000);
	assert_int_equal(memblock_phys_mem_size(), 0x8000);
	assert_int_equal(memblock_end_of_DRAM(), 0x9000);
}

static void sizes_count_every_region(void **state)
{
	(void)state;
	memblock_add(0x1000, 0x3000);
	memblock_add(0x10000, 0x1000);
	memblock_reserve(0x2000, 0x800);
	memblock_reserve(0x100000, 0x2000); /* outside memory: still counted */
	assert_int_equal(memblock_phys_mem_size(), 0x4000);
	assert_int_equal(memblock_reserved_size(), 0x2800);
	assert_int_equal(memblock_end_of_DRAM(), 0x11000);
}

static void retired_memblock_refuses_work(void **state)
{
	struct memblock before;

	(void)state;
	memblock_add(0x100000, 0x100000);
	memblock.retired = true;
	before = memblock;
	assert_int_equal(memblock_add(0x300000, 0x1000), -1);
	assert_int_equal(memblock_reserve(0x100000, 0x1000), -1);
	assert_int_equal(memblock_add_pages(0x300000, 0x1000), -1);
	assert_int_equal(memblock_reserve_pages(0x100000, 0x1000), -1);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0);
	assert_int_equal(memblock_phys_free(0x100000, 0x1000), -1);
	assert_memblock_unchanged(&before);
	assert_int_equal(printk_log_count("after memblock retired"), 6);
}

static void mm_core_init_retires_memblock(void **state)
{
	const struct fake_machine m = {
		FAKE_RANGES({ 0x100000, 0x300000, FAKE_RAM }),
	};

	(void)state;
	fake_machine_boot(&m);
	assert_true(memblock.retired);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0);
	assert_int_equal(memblock_add(0x400000, 0x1000), -1);
}

/* Fill @type with MEMBLOCK_MAX_REGIONS one-page regions, a page apart. */
static void fill_table(int (*add)(phys_addr_t, phys_addr_t))
{
	for (unsigned long i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		assert_int_equal(add(0x2000 * i, 0x1000), 0);
}

static void full_memory_table_refuses_a_new_region(void **state)
{
	struct memblock_type before;

	(void)state;
	fill_table(memblock_add);
	before = memblock.memory;
	assert_int_equal(memblock_add(0x2000 * MEMBLOCK_MAX_REGIONS, 0x1000),
			 -1);
	assert_same_regions(&memblock.memory, &before);
	assert_int_equal(printk_log_count("no room"), 1);
	/* a range that merges needs no new slot */
	assert_int_equal(memblock_add(0x1000, 0x1000), 0);
	assert_int_equal(memblock.memory.cnt, MEMBLOCK_MAX_REGIONS - 1);
	assert_int_equal(memblock_add(0x2000 * MEMBLOCK_MAX_REGIONS, 0x1000),
			 0);
}

static void full_reserved_table_refuses_reserve_and_alloc(void **state)
{
	struct memblock before;

	(void)state;
	memblock_add(0x1000000, 0x1000000);
	fill_table(memblock_reserve);
	before = memblock;
	assert_int_equal(memblock_reserve(0x800000, 0x1000), -1);
	assert_int_equal(memblock_phys_alloc(0x1000, 0x1000), 0);
	assert_memblock_unchanged(&before);
}

static void dump_prints_each_region(void **state)
{
	(void)state;
	memblock_add(0x1000, 0x1000);
	memblock_reserve(0x1800, 0x100);
	memblock_dump();
	assert_string_equal(
		printk_log(),
		"memblock:  memory.cnt  = 0x1\n"
		"memblock:  memory[0x0]\t[mem 0x0000000000001000-0x0000000000001fff], 0x1000 bytes\n"
		"memblock:  reserved.cnt  = 0x1\n"
		"memblock:  reserved[0x0]\t[mem 0x0000000000001800-0x00000000000018ff], 0x100 bytes\n");
}

/* Reservations that overlap RAM: booted, their pages stay reserved. */
static const struct fake_mem_range overlap_map[] = {
	{ 0x100000, 0x700000, FAKE_RAM },
	{ 0x200800, 0x1000, FAKE_RESERVED },  /* pages 0x200, 0x201 */
	{ 0x3ff000, 0x3000, FAKE_RESERVED },  /* pages 0x3ff-0x401 */
	{ 0x7f0000, 0x20000, FAKE_RESERVED }, /* past the end of RAM */
	{ 0x0fffff, 0x2, FAKE_RESERVED },     /* pages 0xff, 0x100 */
	{ 0x500000, 0x40000, FAKE_RAM },      /* RAM inside RAM */
	{ 0x500000 - 1, 0x1, FAKE_RESERVED }, /* page 0x4ff */
};
static const unsigned long overlap_reserved_pfns[] = {
	0x100, 0x200, 0x201, 0x3ff, 0x400, 0x401, 0x4ff, 0x7f0, 0x7ff,
};

static void reserved_pages_are_never_handed_out(void **state)
{
	static const struct fake_machine m = {
		FAKE_MAP(overlap_map),
	};
	unsigned long n = 0, nr_free;
	bool *is_free, *taken;
	struct page *page;

	(void)state;
	fake_machine_load(&m);
	is_free = memblock_free_pfns(0x800);
	for (unsigned long i = 0; i < ARRAY_SIZE(overlap_reserved_pfns); i++)
		assert_false(is_free[overlap_reserved_pfns[i]]);
	mm_core_init();
	assert_int_equal(max_pfn, 0x800);
	for (unsigned long i = 0; i < ARRAY_SIZE(overlap_reserved_pfns); i++) {
		unsigned long pfn = overlap_reserved_pfns[i];

		if (pfn < max_pfn)
			assert_true(PageReserved(pfn_to_page(pfn)));
	}

	free(is_free);
	is_free = memblock_free_pfns(max_pfn); /* now without mem_map */
	taken = calloc(max_pfn, sizeof(bool));
	assert_non_null(taken);
	nr_free = nr_free_pages();
	while ((page = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		unsigned long pfn = page_to_pfn(page);

		assert_true(is_free[pfn]);
		assert_false(taken[pfn]);
		taken[pfn] = true;
		n++;
	}
	assert_int_equal(n, nr_free);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		if (taken[pfn])
			__free_page(pfn_to_page(pfn));
	assert_canonical_buddy(is_free, max_pfn);
	free(taken);
	free(is_free);
}

/* A non-usable range cut out of the middle splits the region in two. */
static void remove_pages_splits_a_region(void **state)
{
	static const phys_addr_t want[][2] = { { 0x0, 0x3000 },
					       { 0x5000, 0x10000 } };

	(void)state;
	memblock_add(0, 0x10000);
	assert_int_equal(memblock_remove_pages(0x3800, 0x1000), 0);
	assert_regions(&memblock.memory, want, 2);
}

/* Cutting heads, tails and whole regions; touched pages go, widened out. */
static void remove_pages_cuts_heads_tails_and_whole_regions(void **state)
{
	static const phys_addr_t want[][2] = { { 0x1000, 0x3000 },
					       { 0x9000, 0xa000 } };

	(void)state;
	memblock_add(0, 0x4000);
	memblock_add(0x6000, 0x2000);
	memblock_add(0x9000, 0x3000);
	memblock_remove_pages(0, 1);	       /* one byte: page 0 goes */
	memblock_remove_pages(0x3fff, 0x4001); /* tail of 1st, all of 2nd */
	memblock_remove_pages(0xa000, 0x3000); /* tail of the 3rd */
	assert_regions(&memblock.memory, want, 2);
	assert_int_equal(memblock_phys_mem_size(), 0x3000);
}

/* Removing from a full list fails when it must split, and says so. */
static void remove_pages_on_full_list_reports_failed_split(void **state)
{
	(void)state;
	for (unsigned long i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		assert_int_equal(memblock_add(i * 0x10000, 0x4000), 0);
	assert_int_equal(memblock_remove_pages(0x1000, 0x1000), -1);
	assert_non_null(strstr(printk_log(), "no room to split"));
	assert_int_equal(memblock_remove_pages(0, 0x4000), 0); /* no split */
	assert_int_equal(memblock.memory.cnt, MEMBLOCK_MAX_REGIONS - 1);
}

/* What memblock_phys_alloc() took, memblock_phys_free() gives back whole. */
static void phys_free_undoes_phys_alloc(void **state)
{
	struct memblock before;
	phys_addr_t pa;

	(void)state;
	memblock_add(0x100000, 0x100000);
	memblock_reserve(0x100000, 0x3000);
	before = memblock;
	pa = memblock_phys_alloc(0x2000, 0x1000);
	assert_int_equal(pa, 0x1fe000);
	assert_int_equal(memblock_reserved_size(), 0x5000);
	assert_int_equal(memblock_phys_free(pa, 0x2000), 0);
	assert_memblock_unchanged(&before);
	/* and the same memory is handed out again */
	assert_int_equal(memblock_phys_alloc(0x2000, 0x1000), pa);
}

/* Freeing the middle of a reservation splits it; the ends cut it. */
static void phys_free_splits_and_cuts_a_reservation(void **state)
{
	(void)state;
	memblock_add(0, 0x100000);
	memblock_reserve(0x10000, 0x8000);
	assert_int_equal(memblock_phys_free(0x12000, 0x1000), 0);
	ASSERT_REGIONS(&memblock.reserved, { 0x10000, 0x12000 },
		       { 0x13000, 0x18000 });
	assert_int_equal(memblock_phys_free(0x10000, 0x1000), 0); /* head */
	assert_int_equal(memblock_phys_free(0x17000, 0x1000), 0); /* tail */
	assert_int_equal(memblock_phys_free(0x13000, 0x4000), 0); /* whole */
	ASSERT_REGIONS(&memblock.reserved, { 0x11000, 0x12000 });
	assert_int_equal(memblock_phys_free(0x11000, 0), 0); /* nothing */
	assert_int_equal(memblock_reserved_size(), 0x1000);
	assert_string_equal(printk_log(), "");
}

/* A double free, a free of memory never reserved, one that straddles the
 * end of a reservation or wraps: refused, said, and reserved untouched. */
static void phys_free_of_unreserved_memory_is_refused(void **state)
{
	struct memblock before;

	(void)state;
	memblock_add(0, 0x100000);
	memblock_reserve(0x10000, 0x2000);
	memblock_reserve(0x20000, 0x1000);
	assert_int_equal(memblock_phys_free(0x20000, 0x1000), 0);
	before = memblock;
	assert_int_equal(memblock_phys_free(0x20000, 0x1000), -1); /* double */
	assert_int_equal(memblock_phys_free(0x30000, 0x1000), -1); /* never */
	assert_int_equal(memblock_phys_free(0x11000, 0x2000), -1); /* astride */
	assert_int_equal(memblock_phys_free(0xf000, 0x3000), -1);  /* around */
	assert_int_equal(memblock_phys_free(0x10000, ~(phys_addr_t)0), -1);
	assert_memblock_unchanged(&before);
	assert_int_equal(printk_log_count("not wholly reserved"), 5);
}

/* A split that needs a slot the full list lacks fails and changes nothing. */
static void phys_free_on_full_reserved_list_fails_cleanly(void **state)
{
	struct memblock before;

	(void)state;
	memblock_add(0, (phys_addr_t)MEMBLOCK_MAX_REGIONS * 0x10000);
	for (unsigned long i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		assert_int_equal(memblock_reserve(i * 0x10000, 0x4000), 0);
	before = memblock;
	assert_int_equal(memblock_phys_free(0x1000, 0x1000), -1);
	assert_memblock_unchanged(&before);
	assert_non_null(strstr(printk_log(), "no room to split"));
	assert_int_equal(memblock_phys_free(0x3000, 0x1000), 0); /* a tail */
	assert_int_equal(memblock_reserved_size(),
			 (phys_addr_t)MEMBLOCK_MAX_REGIONS * 0x4000 - 0x1000);
}

#define CASE(fn) \
	cmocka_unit_test_setup_teardown(fn, reset, fake_machine_teardown_case)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(unsorted_ranges_are_sorted),
		CASE(overlapping_ranges_merge),
		CASE(adjacent_ranges_merge),
		CASE(one_range_bridges_several_regions),
		CASE(zero_length_ranges_are_ignored),
		CASE(add_pages_trims_unaligned_ends_inward),
		CASE(add_pages_without_a_whole_page_adds_nothing),
		CASE(reserve_pages_widens_unaligned_ends_outward),
		CASE(add_pages_cuts_a_range_past_the_top),
		CASE(add_pages_of_a_partial_top_page_adds_nothing),
		CASE(reserved_range_inside_usable_is_not_free),
		CASE(reserved_range_covering_region_edges_is_not_free),
		CASE(firmware_map_order_does_not_matter),
		CASE(phys_alloc_is_top_down),
		CASE(phys_alloc_is_aligned),
		CASE(phys_alloc_stays_below_current_limit),
		CASE(phys_alloc_skips_reserved_ranges),
		CASE(phys_alloc_returns_0_when_nothing_fits),
		CASE(phys_alloc_never_returns_address_0),
		CASE(phys_alloc_hands_out_disjoint_ranges),
		CASE(sizes_count_every_region),
		CASE(retired_memblock_refuses_work),
		CASE(mm_core_init_retires_memblock),
		CASE(full_memory_table_refuses_a_new_region),
		CASE(full_reserved_table_refuses_reserve_and_alloc),
		CASE(dump_prints_each_region),
		CASE(reserved_pages_are_never_handed_out),
		CASE(remove_pages_splits_a_region),
		CASE(remove_pages_cuts_heads_tails_and_whole_regions),
		CASE(remove_pages_on_full_list_reports_failed_split),
		CASE(phys_free_undoes_phys_alloc),
		CASE(phys_free_splits_and_cuts_a_reservation),
		CASE(phys_free_of_unreserved_memory_is_refused),
		CASE(phys_free_on_full_reserved_list_fails_cleanly),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("memblock", tests, NULL, NULL);
}
