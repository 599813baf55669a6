// SPDX-License-Identifier: MIT
/*
 * mm_selftest_zones.c - the zones: GFP_DMA and GFP_DMA32 get their zones, the zonelist
 * falls back in order, the watermarks stop each kind of caller where Linux
 * does, and order-0 pages go through the per-CPU lists.
 */
#include "mm_selftest_cases.h"

#include "mm.h"

/* Is the block of 2^@order pages at @page wholly below physical @limit? */
static bool block_below(const struct page *page, unsigned int order,
			phys_addr_t limit)
{
	return PFN_PHYS(page_to_pfn(page) + (1UL << order)) <= limit;
}

/*
 * GFP_DMA blocks come from ZONE_DMA, below 16 MiB, at every order the zone
 * can give, with GFP_KERNEL and GFP_ATOMIC alike.
 */
void zone_dma_below_16m(struct ktest *t)
{
	const struct zone *dma = &NODE_DATA(0)->node_zones[ZONE_DMA];
	unsigned int tested = 0;

	if (!populated_zone(dma)) {
		ktest_skip(t, "no RAM below 16 MiB");
		return;
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *a =
			alloc_pages(GFP_KERNEL | GFP_DMA | __GFP_NOWARN, order);
		struct page *b =
			alloc_pages(GFP_ATOMIC | GFP_DMA | __GFP_NOWARN, order);

		if (a) {
			KTEST_EXPECT(t, block_below(a, order, 16UL << 20));
			KTEST_EXPECT(t, page_zone(a) == dma);
			__free_pages(a, order);
			tested++;
		}
		if (b) {
			KTEST_EXPECT(t, block_below(b, order, 16UL << 20));
			__free_pages(b, order);
		}
	}
	printk("# GFP_DMA blocks below 16 MiB at %u orders\n", tested);
	KTEST_EXPECT(t, tested > 0);
}

/*
 * GFP_DMA32 blocks lie below 4 GiB, from ZONE_DMA32 while it has blocks of
 * the order (and passes its watermarks), never from ZONE_NORMAL.
 */
void zone_dma32_below_4g(struct ktest *t)
{
	const struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned int tested = 0, from_dma32 = 0;

	if (!populated_zone(dma32)) {
		ktest_skip(t, "no RAM between 16 MiB and 4 GiB");
		return;
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(
			GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, order);

		if (!page)
			continue;
		tested++;
		KTEST_EXPECT(t, block_below(page, order, 4UL << 30));
		KTEST_EXPECT(t, zone_idx(page_zone(page)) <= ZONE_DMA32);
		from_dma32 += page_zone(page) == dma32;
		__free_pages(page, order);
	}
	printk("# GFP_DMA32 blocks below 4 GiB at %u orders, %u from DMA32\n",
	       tested, from_dma32);
	KTEST_EXPECT(t, tested > 0);
	/* DMA32 has the most memory below 4 GiB: it serves first */
	KTEST_EXPECT(t, from_dma32 > 0);
}

/* The watermark tunables, saved so a case can zero them and put them back. */
struct wmark_tunables {
	int user_min_free_kbytes, watermark_scale_factor;
	int ratio[MAX_NR_ZONES];
};

/* Zero every watermark and lowmem_reserve (as the sysctls would). */
static void zero_watermarks(struct wmark_tunables *saved)
{
	saved->user_min_free_kbytes = user_min_free_kbytes;
	saved->watermark_scale_factor = watermark_scale_factor;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		saved->ratio[z] = sysctl_lowmem_reserve_ratio[z];
	watermark_tunables_zero();
	init_per_zone_wmark_min();
}

static void restore_watermarks(const struct wmark_tunables *saved)
{
	user_min_free_kbytes = saved->user_min_free_kbytes;
	watermark_scale_factor = saved->watermark_scale_factor;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sysctl_lowmem_reserve_ratio[z] = saved->ratio[z];
	init_per_zone_wmark_min();
}

/*
 * The zonelist: GFP_KERNEL takes from ZONE_NORMAL first, then DMA32, then
 * DMA. With the watermarks zeroed for the case (with them, the fast path
 * moves down a zone at each zone's low watermark, and the slow path comes
 * back up for the pages between low and min), taking every order-10 block
 * gives zones in non-increasing order.
 */
void zone_fallback_order(struct ktest *t)
{
	unsigned long per_zone[MAX_NR_ZONES] = { 0 }, out_of_order = 0;
	enum zone_type last = ZONE_NORMAL;
	struct wmark_tunables saved;
	unsigned int populated = 0;
	struct buddy_snapshot s0, s1;
	struct list_head taken;
	struct page *page;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		populated += populated_zone(&NODE_DATA(0)->node_zones[z]);
	if (populated < 2) {
		ktest_skip(t, "only one zone has memory");
		return;
	}
	zero_watermarks(&saved);
	drained_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	while ((page = alloc_pages(GFP_KERNEL | __GFP_NOWARN,
				   MAX_PAGE_ORDER))) {
		enum zone_type z = zone_idx(page_zone(page));

		out_of_order += z > last;
		last = z;
		per_zone[z]++;
		list_add(&page->lru, &taken);
	}
	printk("# order-%d blocks taken: %lu from Normal, then %lu from DMA32, then %lu from DMA\n",
	       MAX_PAGE_ORDER, per_zone[ZONE_NORMAL], per_zone[ZONE_DMA32],
	       per_zone[ZONE_DMA]);
	KTEST_EXPECT(t, out_of_order == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		KTEST_EXPECT(t,
			     per_zone[z] == s0.zone_nr_free[z][MAX_PAGE_ORDER]);
	free_taken(&taken);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	restore_watermarks(&saved);
}

/* A zone's min watermark as GFP_ATOMIC sees it: less half, less a quarter
 * of the rest (Linux's ALLOC_MIN_RESERVE and ALLOC_NON_BLOCK). */
static unsigned long atomic_min(const struct zone *z)
{
	unsigned long min = min_wmark_pages(z);

	min -= min / 2;
	return min - min / 4;
}

/*
 * Take every block GFP_KERNEL may have, at @gfp, largest orders first, onto
 * @taken. Return: the number of allocations after which the zone given
 * them was below @floor(zone) + its protection for ZONE_NORMAL.
 */
static unsigned long drain(gfp_t gfp, struct list_head *taken,
			   unsigned long (*floor)(const struct zone *))
{
	unsigned long below = 0;

	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *page;

		while ((page = alloc_pages(gfp | __GFP_NOWARN,
					   (unsigned int)order))) {
			const struct zone *z = page_zone(page);

			below += zone_free_pages(z) <
				 floor(z) + z->lowmem_reserve[ZONE_NORMAL];
			list_add(&page->lru, taken);
		}
	}
	return below;
}

static unsigned long kernel_min(const struct zone *z)
{
	return min_wmark_pages(z);
}

/*
 * Watermarks, as Linux: GFP_KERNEL never takes a zone (its free pages, the
 * per-CPU lists included) below its min
 * watermark plus its protection (lowmem_reserve) against ZONE_NORMAL
 * callers, and stops exactly there; GFP_ATOMIC goes on down to 3/8 of min;
 * __GFP_MEMALLOC takes the rest. Everything frees back.
 */
void zone_watermarks(struct ktest *t)
{
	unsigned long before[MAX_NR_ZONES];
	struct buddy_snapshot s0, s1;
	struct list_head taken;
	unsigned long below;

	drained_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];

		before[z] = zone_free_pages(zone);
		KTEST_EXPECT(t, min_wmark_pages(zone) <= low_wmark_pages(zone));
		KTEST_EXPECT(t,
			     low_wmark_pages(zone) <= high_wmark_pages(zone));
	}

	below = drain(GFP_KERNEL, &taken, kernel_min);
	KTEST_EXPECT(t, below == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];
		unsigned long stop = min_wmark_pages(zone) +
				     zone->lowmem_reserve[ZONE_NORMAL];

		if (stop > before[z])
			stop = before[z];
		printk("# zone %s: GFP_KERNEL left %lu of %lu free pages (min %lu + protection %lu)\n",
		       zone->name, zone_free_pages(zone), before[z],
		       min_wmark_pages(zone),
		       zone->lowmem_reserve[ZONE_NORMAL]);
		KTEST_EXPECT(t, zone_free_pages(zone) == stop);
		before[z] = zone_free_pages(zone);
	}
	/* GFP_NOWAIT cannot reclaim but is no high priority: nothing more */
	KTEST_EXPECT(t, alloc_page(GFP_NOWAIT | __GFP_NOWARN) == NULL);

	below = drain(GFP_ATOMIC, &taken, atomic_min);
	KTEST_EXPECT(t, below == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];
		unsigned long stop =
			atomic_min(zone) + zone->lowmem_reserve[ZONE_NORMAL];

		if (stop > before[z])
			stop = before[z];
		printk("# zone %s: GFP_ATOMIC left %lu free pages (3/8 of min %lu + protection %lu)\n",
		       zone->name, zone_free_pages(zone), min_wmark_pages(zone),
		       zone->lowmem_reserve[ZONE_NORMAL]);
		KTEST_EXPECT(t, zone_free_pages(zone) == stop);
	}

	drain(GFP_KERNEL | __GFP_MEMALLOC, &taken, kernel_min);
	KTEST_EXPECT(t, nr_free_pages() == 0);
	free_taken(&taken);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/*
 * The per-CPU lists: an order-0 free waits on the running CPU's list of its
 * zone (PG_pcp, still free: MemFree does not change), the next allocation
 * takes it back first, frees past high send a batch at a time back to the
 * buddy, and a drain merges everything: the counters end as they began.
 */
void pcp_lists(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct per_cpu_pages *pcp;
	struct list_head taken;
	unsigned long free0, n = 0, want, over_high = 0;
	struct page *page, *again;

	drain_all_pages(NULL); /* every list starts empty */
	buddy_snapshot(&s0);
	page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	if (!page) {
		ktest_skip(t, "no free page");
		return;
	}
	pcp = this_cpu_pcp(page_zone(page));
	/* the refill took a batch; one of it was handed out */
	KTEST_EXPECT(t, pcp->count == pcp->batch - 1);
	free0 = nr_free_pages();
	__free_pages(page, 0);
	KTEST_EXPECT(t, PagePcp(page) && !PageBuddy(page));
	KTEST_EXPECT(t, nr_free_pages() == free0 + 1);
	KTEST_EXPECT(t, pcp->count == pcp->batch);
	again = alloc_page(GFP_KERNEL);
	KTEST_EXPECT(t, again == page); /* last freed, first out */
	__free_pages(again, 0);

	/* Hold high + batch pages of that zone, then free them all. */
	want = (unsigned long)pcp->high + (unsigned long)pcp->batch;
	INIT_LIST_HEAD(&taken);
	while (n < want && (page = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		list_add(&page->lru, &taken);
		n++;
	}
	while (!list_empty(&taken)) {
		page = list_first_entry(&taken, struct page, lru);
		list_del(&page->lru);
		__free_pages(page, 0);
		over_high += pcp->count >= pcp->high;
	}
	printk("# zone %s, cpu 0: high %d, batch %d; %lu pages freed, %d left on the list\n",
	       page_zone(again)->name, pcp->high, pcp->batch, n, pcp->count);
	KTEST_EXPECT(t, over_high == 0);
	KTEST_EXPECT(t, pcp->count > 0 && pcp->count < pcp->high);
	KTEST_EXPECT(t, buddy_verify() == 0);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, pcp->count == 0);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

/*
 * A zone that cannot satisfy a request: with ZONE_DMA emptied, GFP_DMA gets
 * NULL (and the warning "page allocation failure: order:0 ... zone DMA"),
 * nothing changes, and the zones above still serve GFP_DMA32 and GFP_KERNEL.
 */
void zone_dma_exhausted(struct ktest *t)
{
	const struct zone *dma = &NODE_DATA(0)->node_zones[ZONE_DMA];
	struct buddy_snapshot s0, s1, s2;
	struct list_head taken;
	struct page *page;

	if (!populated_zone(dma) || dma->managed_pages == totalram_pages()) {
		ktest_skip(t, "no RAM above 16 MiB");
		return;
	}
	drained_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	while ((page = alloc_page(GFP_KERNEL | GFP_DMA | __GFP_MEMALLOC |
				  __GFP_NOWARN)))
		list_add(&page->lru, &taken);
	KTEST_EXPECT(t, zone_free_pages(dma) == 0);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL | GFP_DMA) == NULL);
	KTEST_EXPECT(t,
		     alloc_page(GFP_ATOMIC | GFP_DMA | __GFP_NOWARN) == NULL);
	drained_snapshot(&s2);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s1, &s2));
	page = alloc_page(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN);
	KTEST_EXPECT(t, page && zone_idx(page_zone(page)) > ZONE_DMA);
	if (page)
		list_add(&page->lru, &taken);
	free_taken(&taken);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}
