// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator and the Linux page-allocation API.
 *
 * Invariant (checked by buddy_verify()): every free page lies in exactly one
 * block on free_area[order] of its zone; a block of order o is 2^o pages,
 * starts at a pfn that is a multiple of 2^o, and its first page is PG_buddy
 * with private == o; no free block has a free buddy of the same order (they
 * would have merged).
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "mm.h"

struct zone contig_zone = { .name = "Normal" };

/*
 * How a block is split (Linux's expand()). Asking for order 0 when the
 * smallest free block is order 2 at pfn 8:
 *
 *   order 2: [ 8  9 10 11 ]             take it off free_area[2]
 *   order 1: [ 8  9 ][10 11 ]           upper half 10-11 -> free_area[1]
 *   order 0: [ 8 ][ 9 ]                 upper half 9     -> free_area[0]
 *            ^ returned
 */
static void set_buddy_order(struct page *page, unsigned int order)
{
	set_page_private(page, order);
	__SetPageBuddy(page);
}

static void add_to_free_list(struct page *page, struct zone *zone,
			     unsigned int order)
{
	struct free_area *area = &zone->free_area[order];

	set_buddy_order(page, order);
	list_add(&page->lru, &area->free_list);
	area->nr_free++;
}

static void del_from_free_list(struct page *page, struct zone *zone,
			       unsigned int order)
{
	list_del(&page->lru);
	__ClearPageBuddy(page);
	set_page_private(page, 0);
	zone->free_area[order].nr_free--;
}

static void expand(struct zone *zone, struct page *page, unsigned int low,
		   unsigned int high)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], zone, high);
	}
}

/*
 * __rmqueue_smallest() - take the smallest free block of order >= @order off
 * its list and split it down to @order. Caller holds the zone (one CPU, no
 * interrupts here, so no lock yet). Return: the block, or NULL if none.
 */
static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order)
{
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
}

/*
 * The buddy arithmetic. A block of order O at pfn B has its buddy at
 *     B2 = B ^ (1 << O)
 * and the two merge into a block of order O+1 at the parent
 *     P = B & ~(1 << O)  (= B & B2).
 * Example: pfn 12, order 2: buddy 12 ^ 4 = 8, parent 8, order 3 [8..15].
 *
 * A buddy may merge only when all of these hold:
 *   - it is inside the zone (the pfn range mem_map describes);
 *   - it is PG_buddy, i.e. free and the first page of its block;
 *   - its block has the same order O (a larger or smaller one cannot pair);
 *   - (one zone today, so "same zone" holds by construction).
 * Holes and reserved pages are never PG_buddy, so nothing merges across them.
 */
static inline unsigned long __find_buddy_pfn(unsigned long pfn,
					     unsigned int order)
{
	return pfn ^ (1UL << order);
}

static bool page_is_buddy(struct zone *zone, unsigned long buddy_pfn,
			  unsigned int order)
{
	struct page *buddy;

	if (buddy_pfn < zone->zone_start_pfn || buddy_pfn >= zone_end_pfn(zone))
		return false;
	buddy = pfn_to_page(buddy_pfn);
	return PageBuddy(buddy) && page_private(buddy) == order;
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
	zone->free_pages += 1UL << order;
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = __find_buddy_pfn(pfn, order);
		unsigned long combined_pfn;

		if (!page_is_buddy(zone, buddy_pfn, order))
			break;
		del_from_free_list(pfn_to_page(buddy_pfn), zone, order);
		combined_pfn = buddy_pfn & pfn;
		page = page + (combined_pfn - pfn);
		pfn = combined_pfn;
		order++;
	}
	add_to_free_list(page, zone, order);
}

/*
 * bad_page() - report a misused page, as Linux's bad_page(). The caller
 * refuses the operation, so the free lists stay as they were.
 */
static void bad_page(const struct page *page, const char *reason)
{
	pr_err("BUG: Bad page state: pfn:%#lx flags:%#x refcount:%d order:%lu: %s\n",
	       page_to_pfn(page), page->flags, page->_refcount, page->private,
	       reason);
}

static void warn_alloc(gfp_t gfp, unsigned int order, const char *why)
{
	if (gfp & __GFP_NOWARN)
		return;
	pr_warn("page allocation failure: order:%u, mode:%#x: %s\n", order, gfp,
		why);
	show_buddyinfo();
	pr_warn("free pages: %lu of %lu\n", nr_free_pages(), totalram_pages());
}

/* Is every page of the block at @page clean: no flags, no references? */
static bool block_pages_clean(const struct page *page, unsigned int order,
			      unsigned long first)
{
	for (unsigned long i = first; i < (1UL << order); i++)
		if (page[i].flags || page[i]._refcount)
			return false;
	return true;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct zone *zone = &contig_zone;
	struct page *page;

	if (order > MAX_PAGE_ORDER) {
		warn_alloc(gfp, order, "order above MAX_PAGE_ORDER");
		return NULL;
	}
	page = __rmqueue_smallest(zone, order);
	if (!page) {
		warn_alloc(gfp, order, "no free block of this order or above");
		return NULL;
	}
	/* A free block's pages are clean; anything else means the lists are
	 * corrupt, which is our bug, not the caller's. */
	if (!block_pages_clean(page, order, 0)) {
		bad_page(page, "free block has a page in use");
		BUG();
	}
	__SetPageHead(page);
	set_page_private(page, order);
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		for (unsigned long i = 0; i < (1UL << order); i++)
			clear_page(page_address(page + i));
	return page;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

/*
 * free_page_check() - may the block at @page of 2^@order pages be freed now?
 * Reports the first reason it may not. Return: true when it may.
 */
static bool free_page_check(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);

	if (order > MAX_PAGE_ORDER) {
		pr_err("BUG: __free_pages: order %u above MAX_PAGE_ORDER (%d), pfn %#lx\n",
		       order, MAX_PAGE_ORDER, pfn);
		return false;
	}
	if (pfn & ((1UL << order) - 1)) {
		bad_page(
			page,
			"pfn not aligned to the order freed (wrong order or address?)");
		return false;
	}
	if (pfn + (1UL << order) > max_pfn) {
		bad_page(page, "block runs past the end of mem_map");
		return false;
	}
	if (PageBuddy(page)) {
		bad_page(page, "double free: page is already free");
		return false;
	}
	if (PageReserved(page)) {
		bad_page(page, "page is reserved, never allocated");
		return false;
	}
	if (!PageHead(page) || page->_refcount <= 0) {
		bad_page(
			page,
			"not the start of an allocated block (double free, or an address inside a block?)");
		return false;
	}
	if (page_private(page) != order) {
		pr_err("BUG: Bad page state: pfn:%#lx freed at order %u but allocated at order %lu\n",
		       pfn, order, page_private(page));
		return false;
	}
	if (!block_pages_clean(page, order, 1)) {
		bad_page(page, "a page inside the block is in use");
		return false;
	}
	return true;
}

void __free_pages(struct page *page, unsigned int order)
{
	if (!page) {
		pr_err("BUG: __free_pages: NULL page, order %u\n", order);
		return;
	}
	if (!mem_map || page < mem_map || page >= mem_map + max_pfn ||
	    (unsigned long)((char *)page - (char *)mem_map) % sizeof(*page)) {
		pr_err("BUG: __free_pages: %p is not a struct page in mem_map\n",
		       (void *)page);
		return;
	}
	if (!free_page_check(page, order))
		return;
	if (--page->_refcount)
		return; /* still shared: only a reference was dropped */
	__ClearPageHead(page);
	set_page_private(page, 0);
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (!addr)
		return;
	if (addr & (PAGE_SIZE - 1)) {
		pr_err("BUG: free_pages: address %#lx is not page-aligned\n",
		       addr);
		return;
	}
	if (!virt_addr_valid((void *)addr)) {
		pr_err("BUG: free_pages: address %#lx is not a direct-map address of RAM\n",
		       addr);
		return;
	}
	__free_pages(virt_to_page((void *)addr), order);
}

/*
 * __free_pages_core() - hand a boot-time block of 2^@order pages, all
 * reserved until now, to the buddy allocator. As Linux's __free_pages_core().
 * Context: boot (mm_core_init()).
 */
void __free_pages_core(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		__ClearPageReserved(&page[i]);
		page[i]._refcount = 0;
	}
	page_zone(page)->managed_pages += 1UL << order;
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}
