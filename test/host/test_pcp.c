// SPDX-License-Identifier: MIT
/*
 * test_pcp.c - the per-CPU order-0 lists in front of the buddy (struct
 * per_cpu_pages, page_alloc.c): high and batch as Linux chooses them, LIFO
 * reuse, refills and drains in batches, frees above order 0 that bypass the
 * lists and still merge, the accounting (MemFree exact, buddy_verify()),
 * double frees of listed pages, and the order-0 fast paths agreeing with the
 * general ones.
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

/* 1 MiB to 128 MiB: ZONE_DMA (15 MiB) and ZONE_DMA32 (112 MiB, mem_map). */
static const struct fake_mem_range map[] = {
	{ 0x100000, 0x7f00000, FAKE_RAM },
};
static const struct fake_machine machine = {
	FAKE_MAP(map),
};
static const struct fake_machine machine_wmark = {
	FAKE_MAP(map),
	.watermarks = true,
};

static struct zone *dma32(void)
{
	return &contig_page_data.node_zones[ZONE_DMA32];
}

static struct per_cpu_pages *pcp_of(struct zone *z)
{
	return &z->per_cpu_pageset[0];
}

/* Boot without mm_debug=verify: the order-0 fast paths run. */
static int boot_fast(void **state)
{
	fake_machine_boot_case(state);
	mm_debug = 0;
	return 0;
}

/*
 * Linux's zone_batchsize(), written out the long way: the smaller of
 * managed/1024 and 256 pages, a quarter of it (at least 1), times 1.5,
 * rounded down to a power of two, less 1, at least 1.
 */
static int reference_batch(unsigned long managed)
{
	unsigned long b = managed / 1024, p = 1;

	if (b > 256)
		b = 256;
	b /= 4;
	if (b == 0)
		b = 1;
	b = b + b / 2;
	while (p * 2 <= b)
		p *= 2;
	return p - 1 >= 1 ? (int)(p - 1) : 1;
}

static void assert_high_and_batch(void)
{
	const struct zone *z;

	for_each_zone (z) {
		const struct per_cpu_pages *pcp = &z->per_cpu_pageset[0];
		int batch = reference_batch(z->managed_pages);
		long high = (long)low_wmark_pages(z);

		if (high < 4L * batch)
			high = 4L * batch;
		if (!populated_zone(z))
			high = 0;
		assert_int_equal(pcp->batch, batch);
		assert_int_equal(pcp->high, high);
	}
}

static void high_and_batch_follow_linux(void **state)
{
	(void)state;
	/* DMA32 holds about 28000 pages: batch 27 / 4 = 6, 6 + 3 = 9 -> 7 */
	assert_int_equal(pcp_of(dma32())->batch, 7);
	assert_int_equal(pcp_of(dma32())->high, 28);
	assert_high_and_batch();
	/* A 1 GiB zone gets Linux's usual 63 (checked on the formula). */
	assert_int_equal(reference_batch(262144), 63);
	assert_int_equal(reference_batch(100), 1);
}

/* With Linux's watermarks, high is the low watermark when that is larger. */
static void high_follows_the_low_watermark(void **state)
{
	(void)state;
	fake_machine_boot(&machine_wmark);
	assert_true(low_wmark_pages(dma32()) > 4UL * pcp_of(dma32())->batch);
	assert_int_equal(pcp_of(dma32())->high, low_wmark_pages(dma32()));
	assert_high_and_batch();
	fake_machine_teardown();
}

/* A freed order-0 page waits on the list: still free (MemFree), on no
 * buddy list, and the next allocation gets it back first. */
static void order0_free_goes_to_the_list_and_comes_back_first(void **state)
{
	unsigned long free0 = nr_free_pages(), zone_free;
	struct page *a, *b;

	(void)state;
	a = alloc_pages(GFP_KERNEL, 0);
	b = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(nr_free_pages(), free0 - 2);
	zone_free = dma32()->free_pages;
	__free_pages(a, 0);
	__free_pages(b, 0);
	assert_true(PagePcp(a) && PagePcp(b));
	assert_false(PageBuddy(a) || PageHead(a));
	assert_int_equal(dma32()->free_pages, zone_free);
	assert_int_equal(nr_free_pages(), free0);
	assert_int_equal(alloc_pages(GFP_KERNEL, 0), b);
	assert_int_equal(alloc_pages(GFP_KERNEL, 0), a);
	assert_true(PageHead(a) && !PagePcp(a) && page_ref_count(a) == 1);
	__free_pages(a, 0);
	__free_pages(b, 0);
	assert_int_equal(buddy_verify(), 0);
}

/* An empty list takes batch pages off the buddy at once. */
static void an_empty_list_refills_a_batch(void **state)
{
	struct per_cpu_pages *pcp = pcp_of(dma32());
	unsigned long zone_free;
	struct page *page;

	(void)state;
	drain_all_pages(NULL);
	assert_int_equal(pcp->count, 0);
	zone_free = dma32()->free_pages;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	assert_int_equal(pcp->count, pcp->batch - 1);
	assert_int_equal(dma32()->free_pages, zone_free - pcp->batch);
	__free_pages(page, 0);
	assert_int_equal(pcp->count, pcp->batch);
	assert_int_equal(buddy_verify(), 0);
}

/*
 * Frees past high send batch pages from the cold end to the buddy, where
 * they merge: the list never holds high pages after a free, and once drained
 * everything is as at boot.
 */
static void reaching_high_drains_a_batch(void **state)
{
	struct per_cpu_pages *pcp = pcp_of(dma32());
	unsigned long n = 3UL * (unsigned long)pcp->high;
	struct buddy_snapshot boot_state, now;
	struct page **pages = calloc(n, sizeof(*pages));

	(void)state;
	assert_non_null(pages);
	snapshot_drained(&boot_state);
	for (unsigned long i = 0; i < n; i++) {
		pages[i] = alloc_pages(GFP_DMA32, 0);
		assert_non_null(pages[i]);
	}
	for (unsigned long i = 0; i < n; i++) {
		__free_pages(pages[i], 0);
		assert_true(pcp->count < pcp->high);
	}
	/* the first pages freed went to the buddy, the last are listed */
	assert_true(PagePcp(pages[n - 1]));
	assert_false(PagePcp(pages[0]));
	assert_int_equal(buddy_verify(), 0);
	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(&boot_state, &now));
	assert_int_equal(pcp->count, 0);
	free(pages);
}

/* Frees above order 0 never touch the lists and merge at once. */
static void larger_frees_bypass_the_list_and_merge(void **state)
{
	struct buddy_snapshot before;
	int count;
	struct page *page;

	(void)state;
	snapshot_drained(&before);
	page = alloc_pages(GFP_KERNEL, 3);
	assert_non_null(page);
	count = pcp_of(dma32())->count;
	__free_pages(page, 3);
	assert_int_equal(pcp_of(dma32())->count, count);
	assert_true(PageBuddy(page) || page_block_head(page) != page);
	/* no drain needed: the lists are empty, the buddy merged it back */
	for (int z = 0; z < MAX_NR_ZONES; z++)
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			assert_int_equal(contig_page_data.node_zones[z]
						 .free_area[o]
						 .nr_free,
					 before.zone_nr_free[z][o]);
}

/* Freeing a page that is already on a list is a double free: reported,
 * nothing changes. */
static void double_free_of_a_listed_page_is_reported(void **state)
{
	unsigned long reports = mm_bad_page_reports, free;
	struct page *page;
	int count;

	(void)state;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	__free_pages(page, 0);
	count = pcp_of(dma32())->count;
	free = nr_free_pages();
	printk_log_clear();
	__free_pages(page, 0);
	assert_int_equal(mm_bad_page_reports, reports + 1);
	assert_non_null(strstr(printk_log(), "double free"));
	assert_non_null(strstr(printk_log(), "per-CPU list of zone DMA32"));
	assert_non_null(strstr(printk_log(), "flags: 0x8(pcp)"));
	assert_int_equal(pcp_of(dma32())->count, count);
	assert_int_equal(nr_free_pages(), free);
	assert_int_equal(buddy_verify(), 0);
	/* the same through the direct-map address */
	free_pages((unsigned long)page_address(page), 0);
	assert_int_equal(mm_bad_page_reports, reports + 2);
	assert_int_equal(pcp_of(dma32())->count, count);
}

/* Every free page can be allocated, those on the lists included: when the
 * buddy runs dry the lists are drained and the allocation retried. */
static void every_free_page_can_be_allocated(void **state)
{
	unsigned long n = nr_free_pages(), got = 0;
	struct buddy_snapshot boot_state, now;
	struct page **pages = calloc(n + 1, sizeof(*pages));

	(void)state;
	assert_non_null(pages);
	/* put some pages on the lists first */
	for (int i = 0; i < 5; i++)
		pages[i] = alloc_pages(GFP_KERNEL, 0);
	for (int i = 0; i < 5; i++)
		__free_pages(pages[i], 0);
	snapshot_drained(&boot_state);
	while ((pages[got] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		if (++got > n)
			break;
	assert_int_equal(got, n);
	assert_int_equal(nr_free_pages(), 0);
	assert_int_equal(nr_pcp_pages(), 0);
	for (unsigned long i = 0; i < got; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(nr_free_pages(), n);
	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(&boot_state, &now));
	free(pages);
}

/* A contiguous range over listed pages is free: it is drained first. */
static void contig_range_takes_listed_pages(void **state)
{
	struct page *page;
	unsigned long pfn;

	(void)state;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	pfn = page_to_pfn(page);
	__free_pages(page, 0);
	assert_true(PagePcp(page));
	assert_int_equal(alloc_contig_range(pfn, pfn + 1, GFP_KERNEL), 0);
	assert_true(PageHead(page) && !PagePcp(page));
	free_contig_range(pfn, 1);
	assert_int_equal(buddy_verify(), 0);
}

/* buddy_verify() checks the lists: a wrong count, a page with the wrong
 * flags. */
static void verify_checks_the_lists(void **state)
{
	struct per_cpu_pages *pcp = pcp_of(dma32());
	struct page *page;

	(void)state;
	mm_debug = 0; /* no verify after each call: we break things */
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	__free_pages(page, 0);
	pcp->count++;
	assert_true(buddy_verify() > 0);
	pcp->count--;
	assert_int_equal(buddy_verify(), 0);
	page->flags |= 1u << PG_buddy;
	assert_true(buddy_verify() > 0);
	page->flags &= ~(1u << PG_buddy);
	assert_int_equal(buddy_verify(), 0);
}

/* The same calls take the same pages whether the fast paths run (mm_debug
 * 0) or the general ones (mm_debug=verify): record, then replay. */
#define REPLAY_OPS 4000

static void run_ops(unsigned long *pfns, uint64_t seed)
{
	struct page *held[64];
	unsigned int nr_held = 0;

	for (unsigned long i = 0; i < REPLAY_OPS; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		if (nr_held < 64 && (seed & 3) != 0) {
			gfp_t gfp = (seed & 8) ? GFP_DMA32 : GFP_KERNEL;

			held[nr_held] =
				(seed & 16)
					? alloc_pages(gfp, 0)
					: virt_to_page(
						  (void *)get_zeroed_page(gfp));
			assert_non_null(held[nr_held]);
			pfns[i] = page_to_pfn(held[nr_held++]);
		} else if (nr_held) {
			unsigned int k = (unsigned int)(seed >> 32) % nr_held;

			pfns[i] = page_to_pfn(held[k]) | (1UL << 63);
			if (seed & 32)
				__free_pages(held[k], 0);
			else
				free_pages((unsigned long)page_address(held[k]),
					   0);
			held[k] = held[--nr_held];
		} else {
			pfns[i] = 0;
		}
	}
	while (nr_held)
		__free_pages(held[--nr_held], 0);
}

static void fast_and_general_paths_agree(void **state)
{
	unsigned long *fast = calloc(REPLAY_OPS, sizeof(*fast));
	unsigned long *general = calloc(REPLAY_OPS, sizeof(*general));
	uint64_t seed = mm_env_seed() | 1;

	(void)state;
	print_message("seed %#llx\n", (unsigned long long)seed);
	assert_non_null(fast);
	assert_non_null(general);
	fake_machine_boot(&machine);
	mm_debug = 0;
	run_ops(fast, seed);
	assert_int_equal(buddy_verify(), 0);
	fake_machine_teardown();
	fake_machine_boot(&machine);
	mm_debug = MM_DEBUG_VERIFY;
	run_ops(general, seed);
	fake_machine_teardown();
	assert_memory_equal(fast, general, REPLAY_OPS * sizeof(*fast));
	free(fast);
	free(general);
}

#define CASE(fn)      MACHINE_CASE(fn, fake_machine_boot_case, &machine)
#define CASE_FAST(fn) MACHINE_CASE(fn, boot_fast, &machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(high_and_batch_follow_linux),
		cmocka_unit_test(high_follows_the_low_watermark),
		CASE(order0_free_goes_to_the_list_and_comes_back_first),
		CASE_FAST(order0_free_goes_to_the_list_and_comes_back_first),
		CASE(an_empty_list_refills_a_batch),
		CASE_FAST(an_empty_list_refills_a_batch),
		CASE_FAST(reaching_high_drains_a_batch),
		CASE(reaching_high_drains_a_batch),
		CASE(larger_frees_bypass_the_list_and_merge),
		CASE(double_free_of_a_listed_page_is_reported),
		CASE_FAST(double_free_of_a_listed_page_is_reported),
		CASE_FAST(every_free_page_can_be_allocated),
		CASE(contig_range_takes_listed_pages),
		CASE(verify_checks_the_lists),
		cmocka_unit_test(fast_and_general_paths_agree),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("pcp", tests, NULL, NULL);
}
