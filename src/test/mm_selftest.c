// SPDX-License-Identifier: MIT
/*
 * mm_selftest.c - the buddy allocator tested on the memory it manages.
 * Each case leaves the allocator as it found it; the last case proves it.
 * This file holds the table of cases, in the order they run, and what the
 * cases share; the cases are in mm_selftest_api.c (each call does what it
 * says), mm_selftest_bad.c (misuse is refused, exhaustion is survived) and
 * mm_selftest_zones.c (zones, watermarks, per-CPU lists).
 */
#include "mm_selftest.h"

#include "mm.h"
#include "mm_selftest_cases.h"

void drained_snapshot(struct buddy_snapshot *s)
{
	drain_all_pages(NULL);
	buddy_snapshot(s);
}

static struct buddy_snapshot before_tests;

static void record_counters(struct ktest *t)
{
	drained_snapshot(&before_tests);
	printk("# MemFree before the tests: %lu kB\n",
	       before_tests.free_pages << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, before_tests.free_pages > 0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

struct page *case_alloc(struct ktest *t, unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

	if (!page)
		ktest_skip(t, "not enough free memory for this case");
	return page;
}

void refusal_begin(struct refusal *r)
{
	drained_snapshot(&r->before);
	r->reports = mm_bad_page_reports;
}

void refusal_expect(struct ktest *t, const struct refusal *r,
		    unsigned long nr_reports)
{
	struct buddy_snapshot now;

	drained_snapshot(&now);
	KTEST_EXPECT(t, buddy_snapshot_equal(&r->before, &now));
	KTEST_EXPECT(t, mm_bad_page_reports - r->reports == nr_reports);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

void expect_allocated(struct ktest *t, const struct page *page,
		      unsigned int order)
{
	KTEST_EXPECT(t, PageHead(page) && !PageBuddy(page));
	KTEST_EXPECT(t, page_private(page) == order);
	KTEST_EXPECT(t, page_ref_count(page) == 1);
}

static void counters_restored(struct ktest *t)
{
	struct buddy_snapshot after;

	drained_snapshot(&after);
	printk("# MemFree after the tests: %lu kB\n",
	       after.free_pages << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, after.free_pages == before_tests.free_pages);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		KTEST_EXPECT(t, after.nr_free[o] == before_tests.nr_free[o]);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

void free_taken(struct list_head *taken)
{
	while (!list_empty(taken)) {
		struct page *page = list_first_entry(taken, struct page, lru);

		list_del(&page->lru);
		__free_pages(page, (unsigned int)page_private(page));
	}
}

const struct ktest_case mm_selftest_cases[] = {
	{ "buddy_state_recorded", record_counters },
	{ "alloc_free_every_order", alloc_free_every_order },
	{ "get_zeroed_page_is_zeroed", get_zeroed_page_is_zeroed },
	{ "blocks_aligned_and_disjoint", blocks_aligned_and_disjoint },
	{ "all_free_memory_at_order0", all_free_memory_at_order0 },
	{ "free_pages_of_0_does_nothing", free_pages_of_0_does_nothing },
	{ "bad_double_free_whole_block", bad_double_free_whole_block },
	{ "bad_double_free_page_in_free_block",
	  bad_double_free_page_in_free_block },
	{ "bad_free_wrong_order_smaller", bad_free_wrong_order_smaller },
	{ "bad_free_wrong_order_larger", bad_free_wrong_order_larger },
	{ "bad_free_misaligned", bad_free_misaligned },
	{ "bad_free_reserved_page", bad_free_reserved_page },
	{ "bad_free_kernel_image_page", bad_free_kernel_image_page },
	{ "bad_free_outside_mem_map", bad_free_outside_mem_map },
	{ "bad_free_outside_direct_map", bad_free_outside_direct_map },
	{ "bad_free_middle_of_allocated_block",
	  bad_free_middle_of_allocated_block },
	{ "bad_order_above_max", bad_order_above_max },
	{ "bad_gfp_unknown_bits", bad_gfp_unknown_bits },
	{ "oom_at_each_order", oom_at_each_order },
	{ "bad_use_after_free_poison", bad_use_after_free_poison },
	{ "refcount_get_put", refcount_get_put },
	{ "bad_put_page_after_last_reference",
	  bad_put_page_after_last_reference },
	{ "alloc_pages_exact_gives_back_the_tail",
	  alloc_pages_exact_gives_back_the_tail },
	{ "bulk_alloc_and_release", bulk_alloc_and_release },
	{ "contig_pages_and_ranges", contig_pages_and_ranges },
	{ "contig_pages_below_a_limit", contig_pages_below_a_limit },
	{ "zone_dma_below_16m", zone_dma_below_16m },
	{ "zone_dma32_below_4g", zone_dma32_below_4g },
	{ "zone_fallback_order", zone_fallback_order },
	{ "zone_watermarks", zone_watermarks },
	{ "zone_dma_exhausted", zone_dma_exhausted },
	{ "pcp_lists", pcp_lists },
	{ "counters_restored", counters_restored },
};
const unsigned int mm_selftest_nr_cases = ARRAY_SIZE(mm_selftest_cases);
