// SPDX-License-Identifier: MIT
/*
 * labtest3.c - the buddy core: lab 3's graded cases, which drive the split,
 * merge and free lists directly (internal.h's buddy_core_*).
 */
#include "labtest_suites.h"

#include "internal.h"
#include "mm.h"
#include "printk.h"

/* The populated zone with the most free pages, its per-CPU lists drained
 * so that every free page is on the buddy lists; NULL if none. */
static struct zone *roomiest_zone(void)
{
	struct zone *z, *best = NULL;

	drain_all_pages(NULL);
	for_each_populated_zone (z)
		if (!best || z->free_pages > best->free_pages)
			best = z;
	return best;
}

static bool is_free_head(const struct page *page, unsigned int order)
{
	return PageBuddy(page) && page_private(page) == order;
}

static void find_buddy_pfn(struct ktest *t)
{
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(12, 2) == 8);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(8, 2) == 12);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0, 0) == 1);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(1, 0) == 0);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0x1000, 10) == 0x1400);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0x1c00, 10) == 0x1800);
	for (int i = 0; i < 32; i++) {
		unsigned int order = ktest_random(t) % NR_PAGE_ORDERS;
		unsigned long pfn =
			(ktest_random(t) % (1UL << 30)) & ~((1UL << order) - 1);
		unsigned long b = buddy_core_find_buddy_pfn(pfn, order);

		KTEST_EXPECT(t, (b ^ pfn) == 1UL << order);
		KTEST_EXPECT(t, buddy_core_find_buddy_pfn(b, order) == pfn);
	}
}

/*
 * Take an order-3 block [P, P+8), split it to order 0 by hand: P+4 goes to
 * free_area[2], P+2 to [1], P+1 to [0], P stays ours. Then give P back:
 * everything merges to where it was.
 */
static void expand_splits_upper_halves(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr[NR_PAGE_ORDERS], free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 3);
	KTEST_ASSERT(t, page != NULL);
	KTEST_EXPECT(t, zone->free_pages == free0 - 8);
	KTEST_EXPECT(t, !PageBuddy(page));
	KTEST_EXPECT(t, !(page_to_pfn(page) & 7));
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		nr[o] = zone->free_area[o].nr_free;
	buddy_core_split(zone, page, 0, 3);
	KTEST_EXPECT(t, is_free_head(page + 4, 2));
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, !PageBuddy(page));
	for (int o = 0; o < 3; o++)
		KTEST_EXPECT(t, zone->free_area[o].nr_free == nr[o] + 1);
	KTEST_EXPECT(t, list_first_entry(&zone->free_area[2].free_list,
					 struct page, lru) == page + 4);
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, !PageBuddy(page + 1) && !PageBuddy(page + 2) &&
				!PageBuddy(page + 4));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Give back the two halves of an order-1 block: the first stays order 0
 * (its buddy is still taken), the second merges with it. */
static void free_merges_with_buddy(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr0, free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 1);
	KTEST_ASSERT(t, page != NULL);
	nr0 = zone->free_area[0].nr_free;
	buddy_core_give(page + 1, 0);
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, zone->free_area[0].nr_free == nr0 + 1);
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, !PageBuddy(page + 1));
	KTEST_EXPECT(t, zone->free_area[0].nr_free == nr0);
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Every free list of every zone: nr_free entries, each the head of a free
 * block of that order, aligned to it, inside the zone; the pages add up to
 * the zone's free_pages. */
static void free_lists_consistent(struct ktest *t)
{
	unsigned long all = 0;
	struct zone *z;

	drain_all_pages(NULL);
	for_each_populated_zone (z) {
		unsigned long pages = 0;

		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			struct free_area *area = &z->free_area[o];
			unsigned long n = 0, bad = 0;

			for (struct list_head *e = area->free_list.next;
			     e != &area->free_list; e = e->next) {
				struct page *page =
					list_entry(e, struct page, lru);
				unsigned long pfn = page_to_pfn(page);

				bad += !is_free_head(page, o) ||
				       (pfn & ((1UL << o) - 1)) ||
				       pfn < z->zone_start_pfn ||
				       pfn + (1UL << o) >
					       z->zone_start_pfn +
						       z->spanned_pages;
				if (++n > area->nr_free)
					break;
			}
			KTEST_EXPECT(t, n == area->nr_free);
			KTEST_EXPECT(t, bad == 0);
			pages += area->nr_free << o;
		}
		KTEST_EXPECT(t, pages == z->free_pages);
		all += pages;
	}
	KTEST_EXPECT(t, all > 0); /* boot gave the buddy its free pages */
}

/* Take 32 blocks of random orders, give them back in another order: the
 * free lists end exactly as they began (the buddy state of a set of free
 * pages is unique once everything that can merge has). */
static void split_merge_restores_state(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr[NR_PAGE_ORDERS], free0;
	struct page *pages[32];
	unsigned int orders[32], n = 0;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		nr[o] = zone->free_area[o].nr_free;
	while (n < 32) {
		orders[n] = ktest_random(t) % 6;
		pages[n] = buddy_core_take(zone, orders[n]);
		if (!pages[n])
			break;
		n++;
	}
	KTEST_EXPECT(t, n == 32);
	for (unsigned int i = 1; i < n; i += 2) /* odd ones up, even down */
		buddy_core_give(pages[i], orders[i]);
	for (unsigned int i = n; i-- > 0;)
		if (!(i & 1))
			buddy_core_give(pages[i], orders[i]);
	KTEST_EXPECT(t, zone->free_pages == free0);
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		KTEST_EXPECT(t, zone->free_area[o].nr_free == nr[o]);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Merging needs a free buddy of the same order: P+2 (order 1) and P+1
 * (order 0) stay apart; P then merges with P+1, and the pair with P+2. */
static void merge_needs_free_buddy_of_same_order(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 2);
	KTEST_ASSERT(t, page != NULL);
	buddy_core_give(page + 2, 1);
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	buddy_core_give(page + 1, 0);
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, !PageBuddy(page + 1) && !PageBuddy(page + 2));
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

static const struct ktest_case lab3_cases[] = {
	{ "find_buddy_pfn", find_buddy_pfn },
	{ "expand_splits_upper_halves", expand_splits_upper_halves },
	{ "free_merges_with_buddy", free_merges_with_buddy },
	{ "free_lists_consistent", free_lists_consistent },
	{ "split_merge_restores_state", split_merge_restores_state },
	{ "merge_needs_free_buddy_of_same_order",
	  merge_needs_free_buddy_of_same_order },
};

const struct lab_suite lab3_suite = { "lab3", lab3_cases,
				      ARRAY_SIZE(lab3_cases), NULL, 0 };
