// SPDX-License-Identifier: MIT
/*
 * test_zones.c - the zones of src/mm (mmzone.h, mm_init.c, page_alloc.c, vmstat.c):
 * their spans and counts, the gfp zone modifiers, the zonelist's fallback
 * order, Linux's watermarks and lowmem_reserve, and the reports, on
 * machines with RAM below 16 MiB, below 4 GiB and above it.
 *
 * A machine above 4 GiB has a million pfns: mm_debug=verify would walk them
 * all after every operation, too slow under ASan, so those cases clear
 * mm_debug after boot and call buddy_verify() at their checkpoints instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "memblock.h"
#include "mm.h"

/* The machines ------------------------------------------------------------ */

/*
 * RAM in all three zones: the PC's low 640 KiB less the EBDA, 1-64 MiB
 * (DMA to 16 MiB, DMA32 above), and 64 MiB from 4 GiB (Normal), where
 * mem_map (32.5 MiB for the 0x104000 pfns) goes, at the top.
 */
static const struct fake_mem_range zones3_map[] = {
	{ 0x0, 0x9f000, FAKE_RAM },
	{ 0x100000, 0x3f00000, FAKE_RAM },
	{ 0x100000000, 0x4000000, FAKE_RAM },
};
static const struct fake_machine zones3 = {
	FAKE_MAP(zones3_map),
	.low_reserve = 1 * MiB,
};
static const struct fake_machine zones3_wmark = {
	FAKE_MAP(zones3_map),
	.low_reserve = 1 * MiB,
	.watermarks = true,
};

/*
 * No RAM above 4 GiB: DMA and DMA32 only, Normal empty. A firmware range
 * from 15 to 17 MiB straddles the DMA limit (freed by a test).
 */
static const struct fake_machine zones2 = {
	FAKE_RANGES({ 0x0, 0x9f000, FAKE_RAM },
		    { 0x100000, 0x3f00000, FAKE_RAM },
		    { 0xf00000, 0x200000, FAKE_RESERVED }),
	.low_reserve = 1 * MiB,
};

/* 512 KiB of RAM: sqrt(16 * its KiB) is below 128, the floor. */
static const struct fake_machine tiny = {
	FAKE_RANGES({ 0x100000, 0x80000, FAKE_RAM }),
	.watermarks = true,
};

static struct zone *zone_of(enum zone_type z)
{
	return &contig_page_data.node_zones[z];
}

/* Each zone's limits in pfns, as mmzone.h draws them. */
static const unsigned long zone_lo[MAX_NR_ZONES] = { 0, MAX_DMA_PFN,
						     MAX_DMA32_PFN };
static const unsigned long zone_hi[MAX_NR_ZONES] = { MAX_DMA_PFN, MAX_DMA32_PFN,
						     ~0UL };

/* Boot @m; above 4 GiB without mm_debug=verify (see the top). */
static void boot(const struct fake_machine *m)
{
	fake_machine_boot(m);
	if (max_pfn > MAX_DMA32_PFN)
		mm_debug = 0;
	assert_int_equal(buddy_verify(), 0);
}

/* The setup of the cases ON() a machine: boot() the machine *@state. */
static int boot_case(void **state)
{
	boot(*state);
	printk_log_clear();
	return 0;
}

/* Taking and giving back -------------------------------------------------- */

/* alloc_pages(@gfp | __GFP_NOWARN), chained on @taken when it succeeds. */
static struct page *take(gfp_t gfp, unsigned int order, struct list_head *taken)
{
	struct page *page = alloc_pages(gfp | __GFP_NOWARN, order);

	if (page) {
		assert_int_equal(page_to_pfn(page) & ((1UL << order) - 1), 0);
		list_add(&page->lru, taken);
	}
	return page;
}

/* Free every block on @taken (each head keeps its order in private). */
static void give_back(struct list_head *taken)
{
	while (!list_empty(taken)) {
		struct page *page = list_first_entry(taken, struct page, lru);

		list_del(&page->lru);
		__free_pages(page, (unsigned int)page_private(page));
	}
}

/* Take every block @gfp can get at @order; return how many. */
static unsigned long drain(gfp_t gfp, unsigned int order,
			   struct list_head *taken)
{
	unsigned long n = 0;

	while (take(gfp, order, taken))
		n++;
	return n;
}

static void assert_snapshot_is(const struct buddy_snapshot *want)
{
	struct buddy_snapshot now;

	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(want, &now));
}

/* Is the block of 2^@order pages at @page wholly below pfn @limit? */
static bool block_below(const struct page *page, unsigned int order,
			unsigned long limit)
{
	return page_to_pfn(page) + (1UL << order) <= limit;
}

/* Spans and counts -------------------------------------------------------- */

/* A zone's counts, computed from the firmware map alone. */
struct zone_expect {
	unsigned long start, spanned, present, managed;
};

/* Is any byte of @pfn inside a reserved map range? */
static bool touches_reserved(const struct fake_machine *m, unsigned long pfn)
{
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];

		if (r->type == FAKE_RESERVED &&
		    PFN_PHYS(pfn) < r->base + r->size &&
		    PFN_PHYS(pfn + 1) > r->base)
			return true;
	}
	return false;
}

/*
 * @z's span, present and managed pages on @m: the node runs from the first
 * whole page of RAM to the end of the last; managed is RAM less the
 * reserved ranges, low_reserve and mem_map, which memblock puts at the top
 * of RAM (checked here).
 */
static struct zone_expect expected_zone(const struct fake_machine *m,
					enum zone_type z)
{
	unsigned long node_start = ~0UL, end = 0, lo, hi;
	unsigned long map_pfn = PHYS_PFN(__pa(mem_map));
	unsigned long map_pages = PFN_UP(max_pfn * sizeof(struct page));
	struct zone_expect e = { 0 };

	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];

		if (r->type != FAKE_RAM)
			continue;
		if (PFN_UP(r->base) < node_start)
			node_start = PFN_UP(r->base);
		if (PFN_DOWN(r->base + r->size) > end)
			end = PFN_DOWN(r->base + r->size);
	}
	assert_int_equal(max_pfn, end);
	assert_int_equal(map_pfn + map_pages, end); /* top of RAM */
	lo = zone_lo[z] > node_start ? zone_lo[z] : node_start;
	hi = zone_hi[z] < end ? zone_hi[z] : end;
	if (hi < lo)
		hi = lo;
	e.start = lo;
	e.spanned = hi - lo;
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];

		if (r->type != FAKE_RAM)
			continue;
		for (unsigned long pfn = PFN_UP(r->base);
		     pfn < PFN_DOWN(r->base + r->size); pfn++) {
			if (pfn < lo || pfn >= hi)
				continue;
			e.present++;
			if (!touches_reserved(m, pfn) &&
			    PFN_PHYS(pfn) >= m->low_reserve &&
			    (pfn < map_pfn || pfn >= map_pfn + map_pages))
				e.managed++;
		}
	}
	return e;
}

static void assert_zones_match_the_map(const struct fake_machine *m)
{
	unsigned long free = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);
		struct zone_expect e = expected_zone(m, (enum zone_type)z);

		assert_int_equal(zone->zone_start_pfn, e.start);
		assert_int_equal(zone->spanned_pages, e.spanned);
		assert_int_equal(zone->present_pages, e.present);
		assert_int_equal(zone->managed_pages, e.managed);
		/* right after boot every managed page is free */
		assert_int_equal(zone->free_pages, e.managed);
		assert_int_equal(populated_zone(zone), e.managed != 0);
		free += e.managed;
	}
	assert_int_equal(nr_free_pages(), free);
	assert_int_equal(totalram_pages(), free);
}

static void zone_counts_match_the_map_in_three_zones(void **state)
{
	(void)state;
	assert_zones_match_the_map(&zones3);
	/* by hand: DMA 1-16 MiB; DMA32 16-64 MiB; Normal 64 MiB less
	 * mem_map's 0x2080 pages; the DMA32 span runs to 4 GiB */
	assert_int_equal(zone_of(ZONE_DMA)->managed_pages, 0xf00);
	assert_int_equal(zone_of(ZONE_DMA)->present_pages, 0x9f + 0xf00);
	assert_int_equal(zone_of(ZONE_DMA32)->managed_pages, 0x3000);
	assert_int_equal(zone_of(ZONE_DMA32)->spanned_pages,
			 MAX_DMA32_PFN - MAX_DMA_PFN);
	assert_int_equal(zone_of(ZONE_NORMAL)->managed_pages, 0x4000 - 0x2080);
	assert_int_equal(zone_of(ZONE_NORMAL)->zone_start_pfn, MAX_DMA32_PFN);
}

static void zone_counts_match_the_map_without_normal(void **state)
{
	(void)state;
	assert_zones_match_the_map(&zones2);
	assert_int_equal(zone_of(ZONE_NORMAL)->spanned_pages, 0);
	assert_false(populated_zone(zone_of(ZONE_NORMAL)));
	/* the firmware range takes 1 MiB off each side of 16 MiB */
	assert_int_equal(zone_of(ZONE_DMA)->managed_pages, 0xf00 - 0x100);
}

static void zone_ranges_are_printed_as_linux(void **state)
{
	(void)state;
	fake_machine_boot(&zones2);
	assert_non_null(strstr(
		printk_log(),
		"Zone ranges:\n"
		"  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"
		"  DMA32    [mem 0x0000000001000000-0x0000000003ffffff]\n"
		"  Normal   empty\n"));
	fake_machine_teardown();
	boot(&zones3);
	assert_non_null(strstr(
		printk_log(),
		"Zone ranges:\n"
		"  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"
		"  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]\n"
		"  Normal   [mem 0x0000000100000000-0x0000000103ffffff]\n"));
}

/* Zone modifiers ---------------------------------------------------------- */

/* With blocks of every order in every zone, each modifier gets its own
 * zone's block: the highest zone it allows. */
static void gfp_zone_modifiers_pick_the_zone_at_every_order(void **state)
{
	static const struct {
		gfp_t gfp;
		enum zone_type zone;
		unsigned long limit;
	} cases[] = {
		{ GFP_KERNEL | GFP_DMA, ZONE_DMA, MAX_DMA_PFN },
		{ GFP_KERNEL | GFP_DMA32, ZONE_DMA32, MAX_DMA32_PFN },
		{ GFP_ATOMIC | GFP_DMA32, ZONE_DMA32, MAX_DMA32_PFN },
		{ GFP_KERNEL, ZONE_NORMAL, ~0UL },
		{ GFP_ATOMIC, ZONE_NORMAL, ~0UL },
	};
	struct buddy_snapshot boot_state;

	(void)state;
	snapshot_drained(&boot_state);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
			struct page *page = alloc_pages(cases[i].gfp, order);

			assert_non_null(page);
			assert_int_equal(page_zone(page),
					 zone_of(cases[i].zone));
			assert_true(block_below(page, order, cases[i].limit));
			assert_true(zone_spans_pfn(zone_of(cases[i].zone),
						   page_to_pfn(page)));
			__free_pages(page, order);
		}
	}
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* Zonelist ---------------------------------------------------------------- */

/*
 * Draining at order 10 with the watermarks ignored goes down the zonelist:
 * every Normal block, then every DMA32 one, then every DMA one.
 */
static void zonelist_falls_back_normal_then_dma32_then_dma(void **state)
{
	struct buddy_snapshot boot_state;
	unsigned long per_zone[MAX_NR_ZONES] = { 0 };
	enum zone_type last = ZONE_NORMAL;
	struct list_head taken;
	struct page *page;

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		assert_true(boot_state.zone_nr_free[z][MAX_PAGE_ORDER] > 0);
	while ((page = take(GFP_KERNEL | __GFP_MEMALLOC, MAX_PAGE_ORDER,
			    &taken))) {
		enum zone_type z = zone_idx(page_zone(page));

		assert_true(z <= last); /* never back up the list */
		last = z;
		per_zone[z]++;
	}
	assert_int_equal(last, ZONE_DMA);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		assert_int_equal(per_zone[z],
				 boot_state.zone_nr_free[z][MAX_PAGE_ORDER]);
	assert_int_equal(buddy_verify(), 0);
	give_back(&taken);
	assert_snapshot_is(&boot_state);
}

/*
 * GFP_DMA32 takes DMA32 then DMA, never Normal; when both are out of order-N
 * blocks it fails with a warning naming the zones (not under __GFP_NOWARN),
 * and nothing changes; GFP_KERNEL still gets a Normal block.
 */
static void gfp_dma32_never_gets_normal_and_fails_naming_its_zones(void **state)
{
	const unsigned int order = 9;
	struct buddy_snapshot boot_state, drained;
	unsigned long n = 0, want;
	struct list_head taken;
	struct page *page;
	char line[96];

	(void)state;
	snapshot_drained(&boot_state);
	want = (boot_state.zone_nr_free[ZONE_DMA32][order] +
		boot_state.zone_nr_free[ZONE_DMA][order]) +
	       2 * (boot_state.zone_nr_free[ZONE_DMA32][MAX_PAGE_ORDER] +
		    boot_state.zone_nr_free[ZONE_DMA][MAX_PAGE_ORDER]);
	INIT_LIST_HEAD(&taken);
	while ((page = take(GFP_KERNEL | GFP_DMA32, order, &taken))) {
		assert_true(zone_idx(page_zone(page)) <= ZONE_DMA32);
		assert_true(block_below(page, order, MAX_DMA32_PFN));
		n++;
	}
	assert_int_equal(n, want);
	snapshot_drained(&drained);
	printk_log_clear();
	assert_null(alloc_pages(GFP_KERNEL | GFP_DMA32, order));
	snprintf(
		line, sizeof(line),
		"page allocation failure: order:%u, mode:%#x, zone DMA32 and below\n",
		order, GFP_KERNEL | GFP_DMA32);
	assert_int_equal(printk_log_count(line), 1);
	assert_int_equal(printk_log_count("  zone DMA32: order 9: "), 1);
	assert_int_equal(printk_log_count("  zone DMA: order 9: "), 1);
	assert_int_equal(printk_log_count("  zone Normal: "), 0);
	assert_snapshot_is(&drained);
	printk_log_clear();
	assert_null(alloc_pages(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, order));
	assert_string_equal(printk_log(), "");
	assert_snapshot_is(&drained);
	page = take(GFP_KERNEL, order, &taken);
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_NORMAL));
	give_back(&taken);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* GFP_DMA stays below 16 MiB; with ZONE_DMA empty, NULL and "zone DMA". */
static void gfp_dma_never_above_16m_and_fails_naming_zone_dma(void **state)
{
	struct buddy_snapshot boot_state, drained;
	struct list_head taken;
	unsigned long n = 0;
	struct page *page;
	char line[96];

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	while ((page = take(GFP_KERNEL | GFP_DMA, 0, &taken))) {
		assert_int_equal(page_zone(page), zone_of(ZONE_DMA));
		assert_true(page_to_pfn(page) < MAX_DMA_PFN);
		n++;
	}
	assert_int_equal(n, boot_state.zone_free[ZONE_DMA]);
	assert_int_equal(zone_of(ZONE_DMA)->free_pages, 0);
	snapshot_drained(&drained);
	assert_int_equal(drained.zone_free[ZONE_DMA32],
			 boot_state.zone_free[ZONE_DMA32]);
	printk_log_clear();
	assert_null(alloc_page(GFP_ATOMIC | GFP_DMA));
	snprintf(line, sizeof(line),
		 "page allocation failure: order:0, mode:%#x, zone DMA\n",
		 GFP_ATOMIC | GFP_DMA);
	assert_int_equal(printk_log_count(line), 1);
	assert_int_equal(printk_log_count("  zone DMA: order 0: "), 1);
	assert_int_equal(printk_log_count("  zone DMA32: "), 0);
	assert_snapshot_is(&drained);
	printk_log_clear();
	assert_null(alloc_page(GFP_KERNEL | GFP_DMA | __GFP_NOWARN));
	assert_string_equal(printk_log(), "");
	assert_snapshot_is(&drained);
	give_back(&taken);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* Both zone modifiers: one report, even under __GFP_NOWARN; nothing moves. */
static void gfp_dma_with_dma32_is_a_bad_call(void **state)
{
	static const gfp_t bad[] = {
		GFP_DMA | GFP_DMA32,
		GFP_KERNEL | GFP_DMA | GFP_DMA32,
		GFP_ATOMIC | GFP_DMA | GFP_DMA32 | __GFP_NOWARN,
		GFP_KERNEL | GFP_DMA | GFP_DMA32 | __GFP_MEMALLOC,
	};
	struct buddy_snapshot boot_state;

	(void)state;
	snapshot_drained(&boot_state);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned long reports = mm_bad_page_reports;

		printk_log_clear();
		assert_null(alloc_pages(bad[i], 0));
		assert_int_equal(mm_bad_page_reports, reports + 1);
		assert_int_equal(printk_log_count("BUG: Bad page call: "), 1);
		assert_int_equal(
			printk_log_count(
				"asks for both __GFP_DMA and __GFP_DMA32"),
			1);
		assert_int_equal(printk_log_count("page allocation failure"),
				 0);
		assert_snapshot_is(&boot_state);

		printk_log_clear();
		assert_null(alloc_contig_pages(4, bad[i]));
		assert_int_equal(mm_bad_page_reports, reports + 2);
		assert_int_equal(printk_log_count("BUG: Bad page call: "), 1);
		assert_int_equal(printk_log_count("alloc_contig_pages: gfp"),
				 1);
		assert_snapshot_is(&boot_state);

		printk_log_clear();
		assert_int_equal(alloc_contig_range(0x1000, 0x1004, bad[i]),
				 -EINVAL);
		assert_int_equal(mm_bad_page_reports, reports + 3);
		assert_int_equal(printk_log_count("BUG: Bad page call: "), 1);
		assert_snapshot_is(&boot_state);
	}
	assert_int_equal(buddy_verify(), 0);
}

/* Watermarks -------------------------------------------------------------- */

/* floor(sqrt(@x)), by bisection: a different route from the kernel's. */
static unsigned long isqrt(unsigned long x)
{
	unsigned long lo = 0, hi = 1UL << 32;

	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (mid * mid <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Linux's watermarks, recomputed here from the zones' managed pages and
 * @kbytes (-1: computed from memory size, as calculate_min_free_kbytes()),
 * and compared with the zones', lowmem_reserve and totalreserve_pages.
 * Return: the min_free_kbytes expected.
 */
static unsigned long assert_linux_watermarks(long kbytes)
{
	static const unsigned long ratio[MAX_NR_ZONES] = { 256, 256, 32 };
	unsigned long managed[MAX_NR_ZONES], all = 0, reserve = 0;
	unsigned long pages_min;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		managed[z] = zone_of((enum zone_type)z)->managed_pages;
		all += managed[z];
	}
	if (kbytes < 0) {
		kbytes = (long)isqrt(all * (PAGE_SIZE / KiB) * 16);
		kbytes = kbytes < 128 ? 128 : kbytes > 262144 ? 262144 : kbytes;
	}
	assert_int_equal(min_free_kbytes, kbytes);
	pages_min = (unsigned long)kbytes / (PAGE_SIZE / KiB);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);
		unsigned long min = pages_min * managed[z] / all;
		unsigned long step = managed[z] * 10 / 10000, above = 0;
		unsigned long most = 0;

		if (min / 4 > step)
			step = min / 4;
		assert_int_equal(zone->_watermark[WMARK_MIN], min);
		assert_int_equal(zone->_watermark[WMARK_LOW], min + step);
		assert_int_equal(zone->_watermark[WMARK_HIGH], min + 2 * step);
		assert_int_equal(zone->_watermark[WMARK_PROMO], min + 3 * step);
		for (int j = 0; j < MAX_NR_ZONES; j++) {
			unsigned long want = 0;

			if (j > z)
				above += managed[j];
			if (j > z && managed[z])
				want = above / ratio[z];
			assert_int_equal(zone->lowmem_reserve[j], want);
			if (want > most)
				most = want;
		}
		most += min + 2 * step;
		reserve += most < managed[z] ? most : managed[z];
	}
	assert_int_equal(totalreserve_pages, reserve);
	return (unsigned long)kbytes;
}

static void watermarks_follow_linux_formula(void **state)
{
	(void)state;
	/* 24192 managed pages = 96768 KiB: sqrt(16 * 96768) = 1244 */
	assert_int_equal(assert_linux_watermarks(-1), 1244);
	assert_int_equal(min_wmark_pages(zone_of(ZONE_DMA)),
			 311 * 0xf00 / 24192);
	assert_int_equal(zone_of(ZONE_DMA)->lowmem_reserve[ZONE_NORMAL],
			 (0x3000 + 0x1f80) / 256);
	assert_int_equal(zone_of(ZONE_DMA32)->lowmem_reserve[ZONE_NORMAL],
			 0x1f80 / 256);
	assert_int_equal(buddy_verify(), 0);
}

static void min_free_kbytes_is_at_least_128(void **state)
{
	(void)state;
	boot(&tiny);
	assert_true(totalram_pages() * 4 * 16 < 128 * 128);
	assert_int_equal(assert_linux_watermarks(-1), 128);
}

/* user_min_free_kbytes (min_free_kbytes=N) wins once set, and -1 gives
 * the computed value back. */
static void user_min_free_kbytes_is_honoured(void **state)
{
	(void)state;
	user_min_free_kbytes = 4096;
	init_per_zone_wmark_min();
	assert_linux_watermarks(4096);
	user_min_free_kbytes = 0;
	init_per_zone_wmark_min();
	assert_linux_watermarks(0);
	assert_int_equal(min_wmark_pages(zone_of(ZONE_NORMAL)), 0);
	user_min_free_kbytes = 1244;
	init_per_zone_wmark_min();
	assert_linux_watermarks(1244);
	assert_int_equal(buddy_verify(), 0);
}

/* min + protection against ZONE_NORMAL callers, at most what was free. */
static unsigned long stop_at(const struct zone *z, unsigned long mark,
			     unsigned long before)
{
	unsigned long stop = mark + z->lowmem_reserve[ZONE_NORMAL];

	return stop < before ? stop : before;
}

/* The min watermark GFP_ATOMIC sees: less a half, then less a quarter. */
static unsigned long atomic_min(const struct zone *z)
{
	unsigned long m = min_wmark_pages(z) - min_wmark_pages(z) / 2;

	return m - m / 4;
}

/*
 * GFP_KERNEL stops at min + protection in every zone, exactly; GFP_NOWAIT
 * gets nothing more; GFP_ATOMIC goes on to 3/8 of min + protection;
 * __GFP_MEMALLOC takes the rest; freeing all gives the boot state back.
 */
static void drain_stops_at_each_watermark_then_memalloc_takes_all(void **state)
{
	struct buddy_snapshot boot_state;
	unsigned long before[MAX_NR_ZONES];
	struct list_head taken;

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		before[z] = zone_free_pages(zone_of((enum zone_type)z));

	drain(GFP_KERNEL, 0, &taken);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);

		assert_true(min_wmark_pages(zone) > 0);
		assert_int_equal(
			zone_free_pages(zone),
			stop_at(zone, min_wmark_pages(zone), before[z]));
		before[z] = zone_free_pages(zone);
	}
	printk_log_clear();
	assert_null(alloc_page(GFP_NOWAIT));
	assert_int_equal(printk_log_count("below its min watermark"), 3);
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOWARN));

	drain(GFP_ATOMIC, 0, &taken);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);

		assert_true(atomic_min(zone) < min_wmark_pages(zone));
		assert_int_equal(zone_free_pages(zone),
				 stop_at(zone, atomic_min(zone), before[z]));
	}

	drain(GFP_KERNEL | __GFP_MEMALLOC, 0, &taken);
	assert_int_equal(nr_free_pages(), 0);
	assert_int_equal(buddy_verify(), 0);
	give_back(&taken);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* After every GFP_KERNEL allocation (order 3 here), no zone is below its
 * min + protection: the allocation that would cross it is refused. */
static void gfp_kernel_never_leaves_a_zone_below_min(void **state)
{
	struct buddy_snapshot boot_state;
	struct list_head taken;
	unsigned long n = 0;

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	while (take(GFP_KERNEL, 3, &taken)) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = zone_of((enum zone_type)z);

			assert_true(zone_free_pages(zone) >=
				    min_wmark_pages(zone) +
					    zone->lowmem_reserve[ZONE_NORMAL]);
		}
		n++;
	}
	assert_true(n > 0);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);

		/* less than a block of 8 above the line is left */
		assert_true(zone_free_pages(zone) <
			    min_wmark_pages(zone) +
				    zone->lowmem_reserve[ZONE_NORMAL] + 8);
	}
	give_back(&taken);
	assert_snapshot_is(&boot_state);
}

/*
 * lowmem_reserve: GFP_KERNEL leaves DMA at min + reserve[Normal]; GFP_DMA32
 * may go lower, to min + reserve[DMA32]; GFP_DMA to min, all below 16 MiB.
 */
static void lowmem_reserve_keeps_dma_from_gfp_kernel(void **state)
{
	const struct zone *dma = zone_of(ZONE_DMA),
			  *dma32 = zone_of(ZONE_DMA32);
	struct buddy_snapshot boot_state;
	struct list_head taken;
	unsigned long n;
	struct page *page;

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	assert_true(dma->lowmem_reserve[ZONE_NORMAL] >
		    dma->lowmem_reserve[ZONE_DMA32]);
	assert_true(dma->lowmem_reserve[ZONE_DMA32] > 0);
	drain(GFP_KERNEL, 0, &taken);
	assert_int_equal(zone_free_pages(dma),
			 min_wmark_pages(dma) +
				 dma->lowmem_reserve[ZONE_NORMAL]);

	n = drain(GFP_KERNEL | GFP_DMA32, 0, &taken);
	assert_int_equal(zone_free_pages(dma32), min_wmark_pages(dma32));
	assert_int_equal(zone_free_pages(dma),
			 min_wmark_pages(dma) +
				 dma->lowmem_reserve[ZONE_DMA32]);
	assert_int_equal(n, dma32->lowmem_reserve[ZONE_NORMAL] +
				    dma->lowmem_reserve[ZONE_NORMAL] -
				    dma->lowmem_reserve[ZONE_DMA32]);

	n = 0;
	while ((page = take(GFP_KERNEL | GFP_DMA, 0, &taken))) {
		assert_int_equal(page_zone(page), dma);
		n++;
	}
	assert_int_equal(n, dma->lowmem_reserve[ZONE_DMA32]);
	assert_int_equal(zone_free_pages(dma), min_wmark_pages(dma));
	give_back(&taken);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/*
 * The fast path looks at the low watermark: GFP_KERNEL takes Normal pages
 * until Normal is down to low, then a DMA32 page although Normal is still
 * above min (the slow path would have taken Normal's).
 */
static void fast_path_moves_down_at_the_low_watermark(void **state)
{
	const struct zone *normal = zone_of(ZONE_NORMAL);
	struct buddy_snapshot boot_state;
	struct list_head taken;
	struct page *page;

	(void)state;
	snapshot_drained(&boot_state);
	INIT_LIST_HEAD(&taken);
	assert_true(low_wmark_pages(normal) > min_wmark_pages(normal));
	while ((page = take(GFP_KERNEL, 0, &taken)) &&
	       page_zone(page) == normal)
		assert_true(zone_free_pages(normal) >= low_wmark_pages(normal));
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_DMA32));
	assert_int_equal(zone_free_pages(normal), low_wmark_pages(normal));
	assert_true(zone_free_pages(zone_of(ZONE_DMA32)) >
		    low_wmark_pages(zone_of(ZONE_DMA32)));
	give_back(&taken);
	assert_snapshot_is(&boot_state);
}

/* Reports ----------------------------------------------------------------- */

#define FREE_PCP_TAIL                                                        \
	" (free order-0 pages on the per-CPU lists, in no count above; the " \
	"monitor's pcp shows the lists)\n"

/* One buddyinfo line per populated zone, in Linux's format, then one
 * free_pcp line with each populated zone's per-CPU pages. */
static void assert_buddyinfo_lines(void)
{
	char want[3][160], pcp[3][48];

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);
		int len = snprintf(want[z], sizeof(want[z]),
				   "Node 0, zone %8s ", zone->name);

		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			len += snprintf(want[z] + len, sizeof(want[z]) - len,
					"%6lu ", zone->free_area[o].nr_free);
		snprintf(want[z] + len, sizeof(want[z]) - len, "\n");
		snprintf(pcp[z], sizeof(pcp[z]), "%s %s %d", z ? "," : "",
			 zone->name, zone->per_cpu_pageset[0].count);
	}
	show_buddyinfo();
	if (populated_zone(zone_of(ZONE_NORMAL))) {
		char all[800];

		snprintf(all, sizeof(all),
			 "%s%s%sfree_pcp:%s%s%s" FREE_PCP_TAIL, want[0],
			 want[1], want[2], pcp[0], pcp[1], pcp[2]);
		assert_string_equal(printk_log(), all);
		assert_true(strstr(all, "zone   Normal ") != NULL);
	} else {
		char two[520];

		snprintf(two, sizeof(two), "%s%sfree_pcp:%s%s" FREE_PCP_TAIL,
			 want[0], want[1], pcp[0], pcp[1]);
		assert_string_equal(printk_log(), two);
		assert_int_equal(printk_log_count("Normal"), 0);
	}
	/* each populated zone: its buddyinfo line; then one free_pcp line */
	assert_int_equal(printk_log_count("Node 0, zone "),
			 2 + populated_zone(zone_of(ZONE_NORMAL)));
	assert_int_equal(printk_log_count("free_pcp: "), 1);
	assert_int_equal(printk_log_count("pcp: Node"), 0);
}

static void buddyinfo_has_a_line_per_populated_zone(void **state)
{
	(void)state;
	assert_buddyinfo_lines();
}

static void buddyinfo_has_no_line_for_an_empty_zone(void **state)
{
	(void)state;
	assert_false(populated_zone(zone_of(ZONE_NORMAL)));
	assert_buddyinfo_lines();
}

/* Zoneinfo: every zone, even an empty one, with Linux's labels. */
static void zoneinfo_prints_every_zone_with_linux_labels(void **state)
{
	(void)state;
	show_zoneinfo();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of((enum zone_type)z);
		struct zone_expect e =
			expected_zone(&zones2, (enum zone_type)z);
		char want[512];

		snprintf(want, sizeof(want),
			 "Node 0, zone %8s\n"
			 "  pages free     %lu\n"
			 "        boost    0\n"
			 "        min      %lu\n"
			 "        low      %lu\n"
			 "        high     %lu\n"
			 "        promo    %lu\n"
			 "        spanned  %lu\n"
			 "        present  %lu\n"
			 "        managed  %lu\n"
			 "        reserved %lu\n"
			 "        protection: (%lu, %lu, %lu)\n",
			 zone->name, e.managed, min_wmark_pages(zone),
			 low_wmark_pages(zone), high_wmark_pages(zone),
			 zone->_watermark[WMARK_PROMO], e.spanned, e.present,
			 e.managed, e.present - e.managed,
			 zone->lowmem_reserve[0], zone->lowmem_reserve[1],
			 zone->lowmem_reserve[2]);
		assert_non_null(strstr(printk_log(), want));
		if (e.managed) {
			const struct per_cpu_pages *pcp =
				&zone->per_cpu_pageset[0];

			snprintf(want, sizeof(want),
				 "      nr_free_pages %lu\n"
				 "  pagesets\n"
				 "    cpu: 0\n"
				 "              count: %d\n"
				 "              high:  %d\n"
				 "              batch: %d\n"
				 "  start_pfn:           %lu\n",
				 e.managed, pcp->count, pcp->high, pcp->batch,
				 e.start);
			assert_non_null(strstr(printk_log(), want));
		}
	}
	/* an empty zone stops after protection, as in Linux */
	assert_non_null(strstr(printk_log(), "Node 0, zone   Normal\n"
					     "  pages free     0\n"));
	assert_int_equal(printk_log_count("nr_free_pages"), 2);
}

/* show_meminfo()'s three lines for the counters as they are now. */
static void assert_meminfo(unsigned long available)
{
	char want[160];

	printk_log_clear();
	show_meminfo();
	snprintf(want, sizeof(want),
		 "MemTotal:       %8lu kB\n"
		 "MemFree:        %8lu kB\n"
		 "MemAvailable:   %8lu kB\n",
		 totalram_pages() * 4, nr_free_pages() * 4, available * 4);
	assert_string_equal(printk_log(), want);
	assert_int_equal(si_mem_available(), available);
}

/*
 * MemAvailable = MemFree less totalreserve_pages, in kB; 0 once the free
 * pages are fewer than the reserve (after a GFP_KERNEL drain).
 */
static void meminfo_mem_available_is_free_less_totalreserve(void **state)
{
	struct list_head taken;

	(void)state;
	INIT_LIST_HEAD(&taken);
	assert_true(totalreserve_pages > 0);
	assert_meminfo(nr_free_pages() - totalreserve_pages);
	for (unsigned int i = 0; i < 1000; i++)
		assert_non_null(take(GFP_KERNEL, 0, &taken));
	assert_meminfo(nr_free_pages() - totalreserve_pages);
	drain(GFP_KERNEL, 0, &taken);
	assert_true(nr_free_pages() < totalreserve_pages);
	assert_meminfo(0);
	give_back(&taken);
}

/* Contiguous ranges ------------------------------------------------------- */

static void contig_pages_follow_the_zones(void **state)
{
	struct buddy_snapshot boot_state;
	struct page *page;

	(void)state;
	snapshot_drained(&boot_state);
	page = alloc_contig_pages(5, GFP_KERNEL | GFP_DMA);
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_DMA));
	assert_true(page_to_pfn(page) + 5 <= MAX_DMA_PFN);
	free_contig_range(page_to_pfn(page), 5);

	page = alloc_contig_pages(5, GFP_KERNEL); /* Normal first */
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_NORMAL));
	free_contig_range(page_to_pfn(page), 5);

	page = alloc_contig_pages(5, GFP_KERNEL | GFP_DMA32);
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_DMA32));
	free_contig_range(page_to_pfn(page), 5);

	/* the limit below Normal: DMA32, ending by 32 MiB */
	page = alloc_contig_pages_limit(7, GFP_KERNEL, 32 * MiB, PAGE_SIZE);
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_DMA32));
	assert_true(PFN_PHYS(page_to_pfn(page) + 7) <= 32 * MiB);
	free_contig_range(page_to_pfn(page), 7);

	/* GFP_DMA32 with a limit of 8 GiB stays below 4 GiB */
	page = alloc_contig_pages_limit(7, GFP_KERNEL | GFP_DMA32, 8UL << 30,
					PAGE_SIZE);
	assert_non_null(page);
	assert_true(page_to_pfn(page) + 7 <= MAX_DMA32_PFN);
	free_contig_range(page_to_pfn(page), 7);

	/* a limit inside DMA with GFP_KERNEL: DMA, below the limit */
	page = alloc_contig_pages_limit(3, GFP_KERNEL, 8 * MiB, 4 * PAGE_SIZE);
	assert_non_null(page);
	assert_int_equal(page_zone(page), zone_of(ZONE_DMA));
	assert_true(PFN_PHYS(page_to_pfn(page) + 3) <= 8 * MiB);
	assert_int_equal(page_to_pfn(page) % 4, 0);
	free_contig_range(page_to_pfn(page), 3);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* A range across 16 MiB: each zone's count drops by its own pages. */
static void contig_range_across_the_dma_limit(void **state)
{
	const unsigned long start = MAX_DMA_PFN - 3, end = MAX_DMA_PFN + 5;
	struct buddy_snapshot boot_state, now;

	(void)state;
	snapshot_drained(&boot_state);
	assert_int_equal(alloc_contig_range(start, end, GFP_KERNEL), 0);
	snapshot_drained(&now);
	assert_int_equal(now.zone_free[ZONE_DMA],
			 boot_state.zone_free[ZONE_DMA] - 3);
	assert_int_equal(now.zone_free[ZONE_DMA32],
			 boot_state.zone_free[ZONE_DMA32] - 5);
	assert_int_equal(now.zone_free[ZONE_NORMAL],
			 boot_state.zone_free[ZONE_NORMAL]);
	for (unsigned long pfn = start; pfn < end; pfn++) {
		assert_true(PageHead(pfn_to_page(pfn)));
		assert_int_equal(page_zone(pfn_to_page(pfn)),
				 zone_of(pfn_zonenum(pfn)));
	}
	assert_int_equal(buddy_verify(), 0);
	free_contig_range(start, end - start);
	assert_snapshot_is(&boot_state);
	assert_int_equal(buddy_verify(), 0);
}

/* buddy_verify per zone ---------------------------------------------------- */

static void assert_verify_names(const char *problem)
{
	printk_log_clear();
	assert_true(buddy_verify() > 0);
	assert_true(printk_log_count(problem) > 0);
}

static void verify_catches_a_zone_free_pages_off_by_one(void **state)
{
	struct zone *dma32 = zone_of(ZONE_DMA32);

	(void)state;
	dma32->free_pages++;
	assert_verify_names("zone DMA32 free_pages");
	dma32->free_pages--;
	assert_int_equal(buddy_verify(), 0);
}

static void verify_catches_a_zone_managed_off_by_one(void **state)
{
	struct zone *normal = zone_of(ZONE_NORMAL);

	(void)state;
	normal->managed_pages--;
	assert_verify_names("zone Normal: free ");
	normal->managed_pages++;
	assert_int_equal(buddy_verify(), 0);
}

/* Move the free order-10 block @page from @from's list to @to's, counts too. */
static void move_max_order_block(struct page *page, struct zone *from,
				 struct zone *to)
{
	list_del(&page->lru);
	from->free_area[MAX_PAGE_ORDER].nr_free--;
	from->free_pages -= 1UL << MAX_PAGE_ORDER;
	list_add(&page->lru, &to->free_area[MAX_PAGE_ORDER].free_list);
	to->free_area[MAX_PAGE_ORDER].nr_free++;
	to->free_pages += 1UL << MAX_PAGE_ORDER;
}

/* A DMA32 block moved onto DMA's list, the counts moved with it. */
static void verify_catches_a_block_on_another_zones_list(void **state)
{
	struct zone *dma = zone_of(ZONE_DMA), *dma32 = zone_of(ZONE_DMA32);
	struct page *page;

	(void)state;
	assert_false(list_empty(&dma32->free_area[MAX_PAGE_ORDER].free_list));
	page = list_first_entry(&dma32->free_area[MAX_PAGE_ORDER].free_list,
				struct page, lru);
	move_max_order_block(page, dma32, dma);
	assert_verify_names("zone DMA: free block at pfn");
	move_max_order_block(page, dma, dma32);
	assert_int_equal(buddy_verify(), 0);
}

static void verify_catches_watermarks_out_of_order(void **state)
{
	struct zone *dma = zone_of(ZONE_DMA);
	unsigned long low = dma->_watermark[WMARK_LOW];

	(void)state;
	dma->_watermark[WMARK_LOW] = dma->_watermark[WMARK_MIN] + 1;
	dma->_watermark[WMARK_MIN] += 2;
	assert_verify_names("zone DMA: watermarks");
	dma->_watermark[WMARK_MIN] -= 2;
	dma->_watermark[WMARK_LOW] = low;
	assert_int_equal(buddy_verify(), 0);
}

/* free_reserved_area ------------------------------------------------------ */

/* The firmware range 15-17 MiB, freed: 256 pages to each zone's managed. */
static void free_reserved_area_adds_to_each_zones_managed(void **state)
{
	unsigned long managed[MAX_NR_ZONES], freed;

	(void)state;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		managed[z] = zone_of((enum zone_type)z)->managed_pages;
	freed = free_reserved_area(__va(0xf00000), __va(0x1100000), -1,
				   "firmware");
	assert_int_equal(freed, 512);
	assert_int_equal(zone_of(ZONE_DMA)->managed_pages,
			 managed[ZONE_DMA] + 256);
	assert_int_equal(zone_of(ZONE_DMA32)->managed_pages,
			 managed[ZONE_DMA32] + 256);
	assert_int_equal(zone_of(ZONE_NORMAL)->managed_pages, 0);
	assert_int_equal(zone_of(ZONE_DMA)->free_pages,
			 zone_of(ZONE_DMA)->managed_pages);
	assert_int_equal(zone_of(ZONE_DMA32)->free_pages,
			 zone_of(ZONE_DMA32)->managed_pages);
	assert_int_equal(printk_log_count("Freeing firmware memory: 2048K\n"),
			 1);
	assert_int_equal(buddy_verify(), 0);
}

#define ON(machine, fn) MACHINE_CASE(fn, boot_case, &machine)
#define CASE(fn)	cmocka_unit_test_teardown(fn, fake_machine_teardown_case)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON(zones3, zone_counts_match_the_map_in_three_zones),
		ON(zones2, zone_counts_match_the_map_without_normal),
		CASE(zone_ranges_are_printed_as_linux),
		ON(zones3, gfp_zone_modifiers_pick_the_zone_at_every_order),
		ON(zones3, zonelist_falls_back_normal_then_dma32_then_dma),
		ON(zones3,
		   gfp_dma32_never_gets_normal_and_fails_naming_its_zones),
		ON(zones3, gfp_dma_never_above_16m_and_fails_naming_zone_dma),
		ON(zones3, gfp_dma_with_dma32_is_a_bad_call),
		ON(zones3_wmark, watermarks_follow_linux_formula),
		CASE(min_free_kbytes_is_at_least_128),
		ON(zones3_wmark, user_min_free_kbytes_is_honoured),
		ON(zones3_wmark,
		   drain_stops_at_each_watermark_then_memalloc_takes_all),
		ON(zones3_wmark, gfp_kernel_never_leaves_a_zone_below_min),
		ON(zones3_wmark, lowmem_reserve_keeps_dma_from_gfp_kernel),
		ON(zones3_wmark, fast_path_moves_down_at_the_low_watermark),
		ON(zones3, buddyinfo_has_a_line_per_populated_zone),
		ON(zones2, buddyinfo_has_no_line_for_an_empty_zone),
		ON(zones2, zoneinfo_prints_every_zone_with_linux_labels),
		ON(zones3_wmark,
		   meminfo_mem_available_is_free_less_totalreserve),
		ON(zones3, contig_pages_follow_the_zones),
		ON(zones3, contig_range_across_the_dma_limit),
		ON(zones3, verify_catches_a_zone_free_pages_off_by_one),
		ON(zones3, verify_catches_a_zone_managed_off_by_one),
		ON(zones3, verify_catches_a_block_on_another_zones_list),
		ON(zones3_wmark, verify_catches_watermarks_out_of_order),
		ON(zones2, free_reserved_area_adds_to_each_zones_managed),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("zones", tests, NULL, NULL);
}
