// SPDX-License-Identifier: MIT
/*
 * labtest4.c - the Linux page API and the zone fallback: lab 4's graded cases,
 * then the mm self-tests that grade it too.
 */
#include "labtest_suites.h"

#include "mm.h"
#include "printk.h"

/* Every order: a block by its direct-map address, aligned to its size,
 * the head of an allocated block of that order, writable; freed back. */
static void get_free_pages_returns_direct_map(struct ktest *t)
{
	unsigned long free0 = nr_free_pages();

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long addr = __get_free_pages(GFP_KERNEL, order);
		struct page *page;

		if (!KTEST_EXPECT(t, addr != 0))
			continue;
		KTEST_EXPECT(t, virt_addr_valid((void *)addr));
		KTEST_EXPECT(t, !(__pa(addr) & ((PAGE_SIZE << order) - 1)));
		page = virt_to_page((void *)addr);
		KTEST_EXPECT(t, PageHead(page) && page_private(page) == order);
		KTEST_EXPECT(t, page_ref_count(page) == 1);
		KTEST_EXPECT(t, nr_free_pages() == free0 - (1UL << order));
		memset((void *)addr, 0x5a, PAGE_SIZE << order);
		free_pages(addr, order);
		KTEST_EXPECT(t, nr_free_pages() == free0);
	}
}

/* Blocks of random orders, held together, then freed: every page back. */
static void free_pages_returns_memory(struct ktest *t)
{
	unsigned long addrs[48], free0 = nr_free_pages(), taken = 0;
	unsigned int orders[48];

	for (int i = 0; i < 48; i++) {
		orders[i] = ktest_random(t) % 5;
		addrs[i] = __get_free_pages(GFP_KERNEL, orders[i]);
		if (KTEST_EXPECT(t, addrs[i] != 0))
			taken += 1UL << orders[i];
	}
	KTEST_EXPECT(t, nr_free_pages() == free0 - taken);
	for (int i = 47; i >= 0; i--)
		free_pages(addrs[i], orders[i]);
	KTEST_EXPECT(t, nr_free_pages() == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* GFP_DMA32 takes pages from ZONE_DMA32 until that zone is at its low
 * watermark; the next page comes from ZONE_DMA, as the zonelist falls
 * back. GFP_DMA still gets ZONE_DMA. */
static void dma32_falls_back_to_dma(struct ktest *t)
{
	struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned long taken = 0;
	struct list_head list;
	struct page *page;
	bool fell_back = false;

	if (!populated_zone(dma32) ||
	    !populated_zone(&NODE_DATA(0)->node_zones[ZONE_DMA])) {
		ktest_skip(t, "ZONE_DMA or ZONE_DMA32 is empty");
		return;
	}
	INIT_LIST_HEAD(&list);
	while ((page = alloc_pages(GFP_DMA32 | __GFP_MEMALLOC | __GFP_NOWARN,
				   0))) {
		list_add(&page->lru, &list);
		taken++;
		if (zone_idx(page_zone(page)) == ZONE_DMA) {
			fell_back = true;
			break;
		}
		KTEST_ASSERT(t, zone_idx(page_zone(page)) == ZONE_DMA32);
	}
	KTEST_EXPECT(t, fell_back);
	/* it fell back at DMA32's low watermark (the first try), or when
	 * DMA32 was empty (the slow path, where __GFP_MEMALLOC lets it
	 * take the last page) */
	KTEST_EXPECT(t, zone_free_pages(dma32) <= low_wmark_pages(dma32));
	page = alloc_pages(GFP_DMA | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	KTEST_EXPECT(t, page && zone_idx(page_zone(page)) == ZONE_DMA);
	if (page)
		__free_pages(page, 0);
	while (!list_empty(&list)) {
		page = list_first_entry(&list, struct page, lru);
		list_del(&page->lru);
		__free_pages(page, 0);
	}
	printk("#     %lu pages taken before GFP_DMA32 fell back to ZONE_DMA\n",
	       taken);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* The mm self-test cases (mm_selftest.c) that grade lab 4, by name. */
static const char *const lab4_selftests[] = {
	"alloc_free_every_order",      "get_zeroed_page_is_zeroed",
	"blocks_aligned_and_disjoint", "free_pages_of_0_does_nothing",
	"bad_double_free_whole_block", "bad_free_misaligned",
	"bad_free_outside_direct_map", "zone_dma32_below_4g",
	"zone_fallback_order",	       "zone_dma_exhausted",
};

static const struct ktest_case lab4_cases[] = {
	{ "get_free_pages_returns_direct_map",
	  get_free_pages_returns_direct_map },
	{ "free_pages_returns_memory", free_pages_returns_memory },
	{ "dma32_falls_back_to_dma", dma32_falls_back_to_dma },
};

const struct lab_suite lab4_suite = { "lab4", lab4_cases,
				      ARRAY_SIZE(lab4_cases), lab4_selftests,
				      ARRAY_SIZE(lab4_selftests) };
