// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator and the Linux page-allocation API: the
 * buddy core (split, merge, free lists), the per-CPU order-0 lists, the
 * zonelist walk with its watermark checks, the order-0 fast paths, and
 * alloc_pages()/__free_pages() and the calls built on them. Around it, as
 * Linux splits mm/: mm_init.c (boot, the watermarks' values), page_ref.c
 * (reference counts, split_page, exact sizes), page_isolation.c
 * (contiguous ranges), debug_page_alloc.c (bad-page reports, poisoning),
 * debug.c (dump_page, buddy_verify) and vmstat.c (counters and reports).
 *
 * Invariant (checked by buddy_verify()): every free page lies in exactly one
 * block on free_area[order] of its zone; a block of order o is 2^o pages,
 * starts at a pfn that is a multiple of 2^o, and its first page is PG_buddy
 * with private == o; no free block has a free buddy of the same order (they
 * would have merged).
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "internal.h"

struct pglist_data contig_page_data = {
	.node_zones = {
		[ZONE_DMA] = { .name = "DMA" },
		[ZONE_DMA32] = { .name = "DMA32" },
		[ZONE_NORMAL] = { .name = "Normal" },
	},
};

/*
 * How a block is split (Linux's expand()). Asking for order 0 when the
 * smallest free block is order 2 at pfn 8:
 *
 *   order 2: [ 8  9 10 11 ]             take it off free_area[2]
 *   order 1: [ 8  9 ][10 11 ]           upper half 10-11 -> free_area[1]
 *   order 0: [ 8 ][ 9 ]                 upper half 9     -> free_area[0]
 *            ^ returned
 */
static __always_inline void set_buddy_order(struct page *page,
					    unsigned int order)
{
	set_page_private(page, order);
	__SetPageBuddy(page);
}

static __always_inline void
add_to_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN add_to_free_list: mark @page as the head of a free
	 * block of @order (set_buddy_order()), put it first on
	 * zone->free_area[order].free_list and count it in nr_free.
	 * STUB:
	 *	(void)page;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "add_to_free_list");
	 */
	struct free_area *area = &zone->free_area[order];

	set_buddy_order(page, order);
	list_add(&page->lru, &area->free_list);
	area->nr_free++;
	/* LAB 3 END */
}

/* Unlink a free block's head; its lru is left stale, as mm_types.h allows
 * for a page on no list (Linux poisons it). */
static __always_inline void
del_from_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN del_from_free_list: the inverse of add_to_free_list().
	 * STUB:
	 *	(void)page;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "del_from_free_list");
	 */
	__list_del_entry(&page->lru);
	__ClearPageBuddy(page);
	set_page_private(page, 0);
	zone->free_area[order].nr_free--;
	/* LAB 3 END */
}

static __always_inline void expand(struct zone *zone, struct page *page,
				   unsigned int low, unsigned int high)
{
	/* LAB 3 BEGIN expand: @page heads a block of order @high, already
	 * off the free lists. Split it down to order @low as the picture
	 * above shows: each time, the upper half goes on the free list of
	 * the order one less, and the lower half is split on (keep the
	 * mm_break_point(MM_BREAK_SPLIT, ...) for Bochs; docs/labs/lab3.md).
	 * STUB:
	 *	(void)zone;
	 *	(void)page;
	 *	(void)low;
	 *	(void)high;
	 *	lab_missing(3, "expand");
	 */
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		mm_break_point(
			MM_BREAK_SPLIT, split,
			"order-%u block at pfn %#lx -> upper half pfn %#lx to free_area[%u] (zone %s)",
			high + 1, page_to_pfn(page), page_to_pfn(&page[size]),
			high, zone->name);
		add_to_free_list(&page[size], zone, high);
	}
	/* LAB 3 END */
}

/*
 * __rmqueue_smallest() - take the smallest free block of order >= @order off
 * its list and split it down to @order. Caller holds the zone (one CPU, no
 * interrupts here, so no lock yet). Return: the block, or NULL if none.
 */
static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN __rmqueue_smallest: find the first non-empty free list
	 * of order @order or more, take its first block, split it with
	 * expand() and take the pages given out off zone->free_pages.
	 * STUB:
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "__rmqueue_smallest");
	 *	return NULL;
	 */
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		struct page *page;

		if (list_empty(&area->free_list))
			continue;
		page = list_first_entry(&area->free_list, struct page, lru);
		del_from_free_list(page, zone, o);
		expand(zone, page, order, o);
		zone->free_pages -= 1UL << order;
		return page;
	}
	return NULL;
	/* LAB 3 END */
}

/*
 * The buddy arithmetic. A block of order O at pfn B has its buddy at
 *     B2 = B ^ (1 << O)
 * and the two merge into a block of order O+1 at the parent
 *     P = B & ~(1 << O)  (= B & B2).
 * Example: pfn 12, order 2: buddy 12 ^ 4 = 8, parent 8, order 3 [8..15].
 *
 * A buddy may merge only when all of these hold:
 *   - it is inside the same zone (blocks never cross a zone limit);
 *   - it is PG_buddy, i.e. free and the first page of its block;
 *   - its block has the same order O (a larger or smaller one cannot pair).
 * Holes and reserved pages are never PG_buddy, so nothing merges across them.
 */
static inline unsigned long __find_buddy_pfn(unsigned long pfn,
					     unsigned int order)
{
	/* LAB 3 BEGIN __find_buddy_pfn: the pfn of the buddy of the block of
	 * @order at @pfn (the arithmetic above).
	 * STUB:
	 *	(void)order;
	 *	lab_missing(3, "__find_buddy_pfn");
	 *	return pfn;
	 */
	return pfn ^ (1UL << order);
	/* LAB 3 END */
}

/*
 * Is the page at @buddy_pfn (@buddy) the head of a free block of @order in
 * @zone, whose pfns are [@start, @start + @span)? One unsigned compare does
 * both ends of the span.
 */
static __always_inline bool
page_is_buddy(const struct page *buddy, unsigned long buddy_pfn,
	      unsigned long start, unsigned long span, unsigned int order)
{
	return buddy_pfn - start < span && PageBuddy(buddy) &&
	       page_private(buddy) == order;
}

/*
 * __free_one_page() - put the block of 2^@order pages at @pfn on the free
 * lists, merging with its buddy as long as the buddy is free, up to
 * MAX_PAGE_ORDER. As Linux's mm/page_alloc.c __free_one_page(). The caller
 * has checked the block and cleared its flags.
 */
static void __free_one_page(struct page *page, unsigned long pfn,
			    struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN __free_one_page: count the block in zone->free_pages;
	 * then, while the order is below MAX_PAGE_ORDER and the buddy
	 * (__find_buddy_pfn()) is free with the same order in this zone
	 * (page_is_buddy()), take the buddy off its list and go on with the
	 * merged block one order up (keep the mm_break_point(MM_BREAK_MERGE,
	 * ...)); put the final block on its free list (docs/labs/lab3.md).
	 * STUB:
	 *	(void)page;
	 *	(void)pfn;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "__free_one_page");
	 */

	/* Read once: the stores to struct pages below could alias them. */
	struct page *const map = mem_map;
	const unsigned long start = zone->zone_start_pfn,
			    span = zone->spanned_pages;

	zone->free_pages += 1UL << order;
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = __find_buddy_pfn(pfn, order);
		struct page *buddy = map + buddy_pfn;
		unsigned long combined_pfn;

		if (!page_is_buddy(buddy, buddy_pfn, start, span, order))
			break;
		del_from_free_list(buddy, zone, order);
		combined_pfn = buddy_pfn & pfn;
		mm_break_point(
			MM_BREAK_MERGE, merge,
			"pfn %#lx order %u with buddy %#lx -> order %u at %#lx (zone %s)",
			pfn, order, buddy_pfn, order + 1, combined_pfn,
			zone->name);
		page = map + combined_pfn;
		pfn = combined_pfn;
		order++;
	}
	add_to_free_list(page, zone, order);
	/* LAB 3 END */
}

struct page *buddy_core_take(struct zone *zone, unsigned int order)
{
	return __rmqueue_smallest(zone, order);
}

void buddy_core_split(struct zone *zone, struct page *page, unsigned int low,
		      unsigned int high)
{
	expand(zone, page, low, high);
	zone->free_pages += (1UL << high) - (1UL << low);
}

void buddy_core_give(struct page *page, unsigned int order)
{
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}

unsigned long buddy_core_find_buddy_pfn(unsigned long pfn, unsigned int order)
{
	return __find_buddy_pfn(pfn, order);
}

void __isolate_free_page(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);

	del_from_free_list(page, zone, order);
	zone->free_pages -= 1UL << order;
}

/* Per-CPU page lists ------------------------------------------------------- */

/*
 * An order-0 page goes through the running CPU's cache (struct
 * per_cpu_pages in mmzone.h) instead of the buddy lists, as in Linux's
 * rmqueue_pcplist() and free_unref_page(). A typical alloc+free pair then
 * touches one list head and one struct page; the buddy sees the pages only
 * in batches:
 *
 *   alloc, list empty:  rmqueue_bulk()        batch pages buddy -> list
 *   alloc:              take the first page   (the hottest)
 *   free:               put it first          count++
 *   free, count = high: free_pcppages_bulk()  batch pages from the cold end
 *                                             list -> buddy, merging there
 */

/* Take up to @count order-0 pages off @zone's buddy lists onto the end of
 * @pcp's list, in the order the buddy gives them (rising pfns after a
 * split). As Linux's rmqueue_bulk(). Return: how many it took. */
static int rmqueue_bulk(struct zone *zone, struct per_cpu_pages *pcp, int count)
{
	/* LAB 5 BEGIN rmqueue_bulk: move up to @count order-0 pages from the
	 * buddy (__rmqueue_smallest()) to the tail of pcp->list, each marked
	 * PG_pcp, and count them in pcp->count (docs/labs/lab5.md).
	 * STUB:
	 *	(void)zone;
	 *	(void)pcp;
	 *	(void)count;
	 *	lab_missing(5, "rmqueue_bulk");
	 *	return 0;
	 */
	int i;

	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue_smallest(zone, 0);

		if (!page)
			break;
		__SetPagePcp(page);
		list_add_tail(&page->lru, &pcp->list);
	}
	pcp->count += i;
	return i;
	/* LAB 5 END */
}

/* Give @count pages (at most all) from the cold end of @pcp's list back to
 * @zone's buddy lists, each merging as far as it can. As Linux's
 * free_pcppages_bulk(). */
static void free_pcppages_bulk(struct zone *zone, struct per_cpu_pages *pcp,
			       int count)
{
	/* LAB 5 BEGIN free_pcppages_bulk: take @count pages (at most all)
	 * from the cold end (the tail) of pcp->list, clear PG_pcp and give
	 * each to __free_one_page().
	 * STUB:
	 *	(void)zone;
	 *	(void)pcp;
	 *	(void)count;
	 *	lab_missing(5, "free_pcppages_bulk");
	 */
	if (count > pcp->count)
		count = pcp->count;
	pcp->count -= count;
	while (count--) {
		struct page *page =
			list_entry(pcp->list.prev, struct page, lru);

		__list_del_entry(&page->lru);
		__ClearPagePcp(page);
		__free_one_page(page, page_to_pfn(page), zone, 0);
	}
	/* LAB 5 END */
}

/* The first page of the running CPU's list of @zone, refilled from the
 * buddy when empty. As Linux's rmqueue_pcplist(). Return: the page, no
 * longer PG_pcp, or NULL when the zone has no free page at all. */
static inline struct page *rmqueue_pcplist(struct zone *zone)
{
	/* LAB 5 BEGIN rmqueue_pcplist: refill this CPU's list with
	 * rmqueue_bulk(zone, pcp, pcp->batch) when it is empty, then take its
	 * first page off it. The stub goes to the buddy for every page.
	 * STUB:
	 *	(void)rmqueue_bulk;
	 *	lab_missing(5, "rmqueue_pcplist");
	 *	return __rmqueue_smallest(zone, 0);
	 */
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	struct page *page;

	if (unlikely(list_empty(&pcp->list)) &&
	    !rmqueue_bulk(zone, pcp, pcp->batch))
		return NULL;
	page = list_first_entry(&pcp->list, struct page, lru);
	__list_del_entry(&page->lru);
	pcp->count--;
	__ClearPagePcp(page);
	return page;
	/* LAB 5 END */
}

/* Put the free order-0 @page of @zone first on the running CPU's list;
 * at high, send batch pages to the buddy. As Linux's free_unref_page(). */
static inline void free_unref_page(struct page *page, struct zone *zone)
{
	/* LAB 5 BEGIN free_unref_page: mark @page PG_pcp, put it first on
	 * this CPU's list, and once the list holds pcp->high pages send
	 * pcp->batch of them back with free_pcppages_bulk(). The stub gives
	 * every page straight to the buddy.
	 * STUB:
	 *	lab_missing(5, "free_unref_page");
	 *	__free_one_page(page, page_to_pfn(page), zone, 0);
	 */
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);

	__SetPagePcp(page);
	list_add(&page->lru, &pcp->list);
	if (unlikely(++pcp->count >= pcp->high))
		free_pcppages_bulk(zone, pcp, pcp->batch);
	/* LAB 5 END */
}

/* One block of 2^@order pages off @zone: order 0 through the per-CPU
 * list, larger blocks from the buddy lists. As Linux's rmqueue(). */
static inline struct page *rmqueue(struct zone *zone, unsigned int order)
{
	if (!order)
		return rmqueue_pcplist(zone);
	return __rmqueue_smallest(zone, order);
}

void drain_all_pages(struct zone *zone)
{
	struct per_cpu_pages *pcp;
	struct zone *z;
	int cpu;

	for_each_zone_pcp (z, cpu, pcp)
		if (!zone || z == zone)
			free_pcppages_bulk(z, pcp, pcp->count);
}

/* The zonelist ----------------------------------------------------------------- */

/*
 * Linux's get_page_from_freelist(): walk the zonelist, @highest first and
 * down to ZONE_DMA, and take the block from the first populated zone that
 * passes its watermark.
 */
static __always_inline struct page *
get_page_from_freelist(unsigned int order, enum zone_type highest,
		       unsigned int alloc_flags)
{
	/* LAB 4 BEGIN get_page_from_freelist: the zone fallback. Try the
	 * zones from @highest down to ZONE_DMA (for_each_zone_zonelist()):
	 * skip one that is empty
	 * (populated_zone()) or, unless ALLOC_NO_WATERMARKS, below the
	 * watermark that @alloc_flags names (zone_watermark_ok() with
	 * need_block false); return the first block rmqueue() gives
	 * (docs/labs/lab4.md).
	 * STUB:
	 *	(void)order;
	 *	(void)highest;
	 *	(void)alloc_flags;
	 *	lab_missing(4, "get_page_from_freelist");
	 *	return NULL;
	 */
	struct zone *zone;

	for_each_zone_zonelist (zone, highest) {
		struct page *page;

		if (!populated_zone(zone))
			continue;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
		    !zone_watermark_ok(
			    zone, order,
			    zone->_watermark[alloc_flags & ALLOC_WMARK_MASK],
			    highest, alloc_flags, false))
			continue;
		page = rmqueue(zone, order);
		if (page)
			return page;
	}
	return NULL;
	/* LAB 4 END */
}

/*
 * Linux's __alloc_pages() without reclaim: the fast path at the low
 * watermark; then the slow path at min (lowered for GFP_ATOMIC), again
 * after the per-CPU lists are drained back into the buddy (Linux drains
 * them when direct reclaim fails; reclaim is all we lack, so every caller
 * gets the drain); then, for __GFP_MEMALLOC, with no watermark at all.
 */
static noinline struct page *
__alloc_pages_slowpath(gfp_t gfp, unsigned int order, enum zone_type highest)
{
	struct page *page;

	page = get_page_from_freelist(order, highest, gfp_to_alloc_flags(gfp));
	if (!page && nr_pcp_pages()) {
		drain_all_pages(NULL);
		page = get_page_from_freelist(order, highest,
					      gfp_to_alloc_flags(gfp));
	}
	if (!page && (gfp & __GFP_MEMALLOC))
		page = get_page_from_freelist(order, highest,
					      ALLOC_NO_WATERMARKS);
	return page;
}

static __always_inline struct page *__alloc_pages_zonelist(gfp_t gfp,
							   unsigned int order)
{
	enum zone_type highest = gfp_zone(gfp);
	struct page *page;

	page = get_page_from_freelist(order, highest, ALLOC_WMARK_LOW);
	if (likely(page))
		return page;
	return __alloc_pages_slowpath(gfp, order, highest);
}

/*
 * prep_new_page() - make the block of 2^@order pages at @page, just taken
 * off a free list for a caller at @caller, allocated: head, order, one
 * reference, zeroed under __GFP_ZERO. A free block's pages are clean;
 * anything else means the lists are corrupt, which is our bug, not the
 * caller's: reported, then BUG(). The tails are checked under
 * mm_debug=verify (Linux: only with check_pages enabled), as no call of the
 * API can leave one dirty. As Linux's prep_new_page(). Return: @page.
 */
static __always_inline struct page *prep_new_page(struct page *page,
						  unsigned int order, gfp_t gfp,
						  unsigned long caller)
{
	if (unlikely(page->flags || page->_refcount ||
		     ((mm_debug & MM_DEBUG_VERIFY) &&
		      !block_pages_clean(page, order, 1)))) {
		bad_page(page, caller,
			 "free block at pfn %#lx has a page in use",
			 page_to_pfn(page));
		BUG();
	}
	if (unlikely(page_poisoning_enabled))
		check_poison(page, order, caller);
	__SetPageHead(page);
	set_page_private(page, order);
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		for (unsigned long i = 0; i < (1UL << order); i++)
			clear_page(page_address(page + i));
	debug_verify("alloc_pages", caller);
	return page;
}

/*
 * The order-0 fast paths, for the common case only: a valid gfp, no
 * mm_debug=verify and no page_poison; on allocation the preferred zone
 * above its low watermark, its per-CPU list refilled from its buddy lists
 * when empty, so that the zonelist walk and the general path run only when
 * that zone cannot serve; on free the head of an unshared order-0 block.
 * They do exactly what the general paths below would do then, in a few
 * dozen instructions; any other case goes to the general path, which
 * decides (the allocation calls it, the free returns false).
 */
static __always_inline bool mm_checks_on(void)
{
	return (mm_debug & MM_DEBUG_VERIFY) || page_poisoning_enabled;
}

/*
 * preferred_zone() - the zone an allocation whose highest zone is @highest
 * tries first: the first populated zone of its zonelist, as Linux's
 * ac->preferred_zoneref (whose zonelists hold populated zones only).
 * Return: the zone, or NULL when no zone has pages.
 */
static __always_inline struct zone *preferred_zone(enum zone_type highest)
{
	struct zone *zone;

	for_each_zone_zonelist (zone, highest)
		if (populated_zone(zone))
			return zone;
	return NULL;
}

/*
 * alloc_page_refill() - alloc_page_fast() with the per-CPU list of its
 * preferred @zone empty: the general path for that zone alone, a refill
 * from its buddy lists (rmqueue_pcplist()) and prep_new_page(), without
 * the zonelist walk; the caller has checked the gfp and the watermark. When
 * the zone has no page after all, the general path decides. Out of line,
 * and called last, so that the fast path saves no register for it.
 * Return: the page, or NULL as alloc_pages_caller() returns it.
 */
static noinline struct page *alloc_page_refill(struct zone *zone, gfp_t gfp,
					       unsigned long caller)
{
	struct page *page = rmqueue_pcplist(zone);

	if (unlikely(!page))
		return alloc_pages_caller(gfp, 0, caller);
	return prep_new_page(page, 0, gfp, caller);
}

static __always_inline struct page *alloc_page_fast(gfp_t gfp,
						    unsigned long caller)
{
	/* LAB 5 BEGIN alloc_page_fast: the common order-0 case in a few
	 * dozen instructions, doing exactly what the general path would:
	 * plain gfp only, no debug checks, the preferred zone
	 * (preferred_zone()) above its low watermark, a page on this CPU's
	 * list (when it is empty, alloc_page_refill() does the rest); in
	 * any other case hand the call to the general path,
	 * alloc_pages_caller(gfp, 0, caller), and return what it returns.
	 * STUB:
	 *	(void)alloc_page_refill;
	 *	return alloc_pages_caller(gfp, 0, caller);
	 */
	enum zone_type highest;
	struct per_cpu_pages *pcp;
	struct zone *zone;
	struct page *page;

	if (unlikely((gfp & ~__GFP_KNOWN) ||
		     (gfp & (__GFP_DMA | __GFP_DMA32)) ==
			     (__GFP_DMA | __GFP_DMA32) ||
		     mm_checks_on()))
		goto general;
	highest = gfp_zone(gfp);
	zone = preferred_zone(highest);
	if (unlikely(!zone))
		goto general;
	pcp = this_cpu_pcp(zone);
	if (unlikely(zone->free_pages + zone_pcp_pages(zone) <=
		     low_wmark_pages(zone) + zone->lowmem_reserve[highest]))
		goto general;
	if (unlikely(list_empty(&pcp->list)))
		return alloc_page_refill(zone, gfp, caller);
	page = list_first_entry(&pcp->list, struct page, lru);
	if (unlikely(page->flags != (1u << PG_pcp) || page->_refcount))
		goto general; /* corrupt: the general path reports it */
	__list_del_entry(&page->lru);
	pcp->count--;
	page->flags = 1u << PG_head;
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		clear_page(page_address(page));
	return page;
general:
	return alloc_pages_caller(gfp, 0, caller);
	/* LAB 5 END */
}

static __always_inline bool free_page_fast(struct page *page)
{
	/* LAB 5 BEGIN free_page_fast: free_unref_page() for an order-0 page
	 * that is plainly allocated once (flags PG_head only, no order, one
	 * reference) when no debug check is on; else return false and let
	 * the general path check and report it.
	 * STUB:
	 *	(void)page;
	 *	return false;
	 */
	struct per_cpu_pages *pcp;

	if (unlikely(page->flags != (1u << PG_head) || page_private(page) ||
		     page->_refcount != 1 || mm_checks_on()))
		return false;
	page->flags = 1u << PG_pcp;
	page->_refcount = 0;
	pcp = this_cpu_pcp(page_zone(page));
	list_add(&page->lru, &pcp->list);
	if (unlikely(++pcp->count >= pcp->high))
		free_pcppages_bulk(page_zone(page), pcp, pcp->batch);
	return true;
	/* LAB 5 END */
}

noinline struct page *alloc_pages_caller(gfp_t gfp, unsigned int order,
					 unsigned long caller)
{
	struct page *page;

	if (unlikely(!gfp_ok(gfp, "alloc_pages", caller)))
		return NULL;
	if (unlikely(order > MAX_PAGE_ORDER)) {
		/* Linux: WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp). */
		if (!(gfp & __GFP_NOWARN))
			bad_call(NULL, caller,
				 "alloc_pages: order %u above MAX_ORDER (%d)",
				 order, MAX_PAGE_ORDER);
		return NULL;
	}
	page = __alloc_pages_zonelist(gfp, order);
	if (unlikely(!page)) {
		warn_alloc(gfp, order, caller);
		return NULL;
	}
	return prep_new_page(page, order, gfp, caller);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	if (order)
		return alloc_pages_caller(gfp, order, _RET_IP_);
	return alloc_page_fast(gfp, _RET_IP_);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	/* LAB 4 BEGIN __get_free_pages: as alloc_pages() (the fast path,
	 * alloc_page_fast(), for order 0, else alloc_pages_caller(); both
	 * with _RET_IP_), but return the block's direct-map address, or 0
	 * (docs/labs/lab4.md).
	 * STUB:
	 *	(void)gfp;
	 *	(void)order;
	 *	lab_missing(4, "__get_free_pages");
	 *	return 0;
	 */
	struct page *page = order ? alloc_pages_caller(gfp, order, _RET_IP_)
				  : alloc_page_fast(gfp, _RET_IP_);

	return page ? (unsigned long)page_address(page) : 0;
	/* LAB 4 END */
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	/* LAB 4 BEGIN get_zeroed_page: one page, filled with zeros, by its
	 * direct-map address, or 0.
	 * STUB:
	 *	(void)gfp;
	 *	lab_missing(4, "get_zeroed_page");
	 *	return 0;
	 */
	struct page *page = alloc_page_fast(gfp | __GFP_ZERO, _RET_IP_);

	return page ? (unsigned long)page_address(page) : 0;
	/* LAB 4 END */
}

/*
 * free_page_check() - may the block at @page (in mem_map) of 2^@order pages
 * be freed now? Reports the first reason it may not, decoding the page.
 * Linux trusts the caller's order; we check it against the order recorded
 * on the block's head page when it was allocated. The tails are checked
 * under mm_debug=verify only: no call of the API leaves one in use.
 * Return: true when it may.
 */
static __always_inline bool
free_page_check(struct page *page, unsigned int order, unsigned long caller)
{
	if (likely(page->flags == (1u << PG_head) &&
		   page_private(page) == order && page->_refcount > 0) &&
	    likely(!(mm_debug & MM_DEBUG_VERIFY)))
		return true;
	return free_page_check_slow(page, order, caller);
}

/* The last reference to the allocated block at @page is gone: free it. */
static __always_inline void free_block(struct page *page, unsigned int order,
				       const char *op, unsigned long caller)
{
	struct zone *zone = page_zone(page);

	__ClearPageHead(page);
	set_page_private(page, 0);
	if (page_poisoning_enabled)
		poison_block(page, order);
	if (!order)
		free_unref_page(page, zone);
	else
		__free_one_page(page, page_to_pfn(page), zone, order);
	debug_verify(op, caller);
}

noinline void free_pages_caller(struct page *page, unsigned int order,
				unsigned long caller)
{
	if (unlikely(!page)) {
		bad_call(NULL, caller, "__free_pages: NULL page, order %u",
			 order);
		return;
	}
	if (!page_in_mem_map(page, "__free_pages", caller))
		return;
	if (!free_page_check(page, order, caller))
		return;
	if (unlikely(--page->_refcount))
		return; /* still shared: only a reference was dropped */
	free_block(page, order, "__free_pages", caller);
}

void __free_pages_ok(struct page *page, unsigned int order, const char *op,
		     unsigned long caller)
{
	free_block(page, order, op, caller);
}

void __free_pages(struct page *page, unsigned int order)
{
	if (likely(!order && page_in_mem_map_quiet(page)) &&
	    likely(free_page_fast(page)))
		return;
	free_pages_caller(page, order, _RET_IP_);
}

void free_pages(unsigned long addr, unsigned int order)
{
	/* LAB 4 BEGIN free_pages: free the block of @order whose direct-map
	 * address is @addr, as __free_pages() on its struct page. Ignore 0
	 * (as Linux); report an address that is not a direct-map address of
	 * RAM or not page-aligned with bad_call() and free nothing
	 * (docs/labs/lab4.md).
	 * STUB:
	 *	(void)addr;
	 *	(void)order;
	 *	lab_missing(4, "free_pages");
	 */
	unsigned long caller = _RET_IP_;

	if (unlikely(!addr))
		return;
	if (unlikely(!virt_addr_valid((void *)addr))) {
		bad_call(
			NULL, caller,
			"free_pages: address %#lx is not a direct-map address of RAM",
			addr);
		return;
	}
	if (unlikely(addr & (PAGE_SIZE - 1))) {
		bad_call(virt_to_page((void *)addr), caller,
			 "free_pages: address %#lx is not page-aligned", addr);
		return;
	}
	if (likely(!order) &&
	    likely(free_page_fast(virt_to_page((void *)addr))))
		return;
	free_pages_caller(virt_to_page((void *)addr), order, caller);
	/* LAB 4 END */
}

/* Bulk ------------------------------------------------------------------------ */

unsigned long alloc_pages_bulk_array(gfp_t gfp, unsigned long nr_pages,
				     struct page **page_array)
{
	unsigned long caller = _RET_IP_, populated = 0;
	bool failed = false;

	for (unsigned long i = 0; i < nr_pages; i++) {
		if (!page_array[i] && !failed) {
			page_array[i] = alloc_pages_caller(gfp, 0, caller);
			failed = !page_array[i]; /* stop asking, as Linux */
		}
		populated += page_array[i] != NULL;
	}
	return populated;
}

void __free_pages_core(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		__ClearPageReserved(&page[i]);
		page[i]._refcount = 0;
	}
	if (page_poisoning_enabled)
		poison_block(page, order);
	page_zone(page)->managed_pages += 1UL << order;
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}
