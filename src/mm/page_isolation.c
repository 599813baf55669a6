// SPDX-License-Identifier: MIT
/*
 * page_isolation.c - contiguous ranges of pages: alloc_contig_range() takes
 * a given range of pfns, alloc_contig_pages*() finds a free one, and
 * free_contig_range() gives one back page by page, as Linux's
 * mm/page_isolation.c with the parts of mm/page_alloc.c it serves. A range
 * is taken only when all of it is free: nothing is migrated or reclaimed,
 * and a refusal leaves every free list as it was.
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "internal.h"

/* Is every pfn of [start, end) in a free block? (end <= max_pfn) */
static bool range_is_free(unsigned long start, unsigned long end)
{
	unsigned long pfn = start;

	while (pfn < end) {
		const struct page *head = page_block_head(pfn_to_page(pfn));

		if (!head || !PageBuddy(head))
			return false;
		pfn = page_to_pfn(head) + (1UL << page_private(head));
	}
	return true;
}

/* Put [start, end), pages of a block just taken off the lists, back as
 * free blocks: the largest aligned ones that fit, as at boot. */
static void give_back_range(unsigned long start, unsigned long end)
{
	while (start < end) {
		unsigned int order = 0;

		while (order < MAX_PAGE_ORDER &&
		       !(start & ((2UL << order) - 1)) &&
		       start + (2UL << order) <= end)
			order++;
		buddy_core_give(pfn_to_page(start), order);
		start += 1UL << order;
	}
}

/*
 * Take the free pages [start, end) off the free lists as allocated order-0
 * pages. Every free block overlapping the range is taken whole; its parts
 * outside the range go straight back. The caller has drained the per-CPU
 * lists, once, and found the range free (range_is_free()).
 */
static void take_free_range(unsigned long start, unsigned long end, gfp_t gfp,
			    unsigned long caller)
{
	unsigned long pfn = start;

	while (pfn < end) {
		struct page *head = page_block_head(pfn_to_page(pfn));
		unsigned int order = (unsigned int)page_private(head);
		unsigned long h = page_to_pfn(head), hend = h + (1UL << order);

		__isolate_free_page(head, order);
		if (h < start)
			give_back_range(h, start);
		if (hend > end)
			give_back_range(end, hend);
		pfn = hend;
	}
	for (pfn = start; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (page_poisoning_enabled)
			check_poison(page, 0, caller);
		__SetPageHead(page);
		set_page_private(page, 0);
		page->_refcount = 1;
		if (gfp & __GFP_ZERO)
			clear_page(page_address(page));
	}
	debug_verify("alloc_contig_range", caller);
}

static int alloc_contig_range_caller(unsigned long start_pfn,
				     unsigned long end_pfn, gfp_t gfp,
				     unsigned long caller)
{
	if (!gfp_ok(gfp, "alloc_contig_range", caller))
		return -EINVAL;
	if (start_pfn >= end_pfn || end_pfn > max_pfn) {
		bad_call(
			NULL, caller,
			"alloc_contig_range: [%#lx, %#lx) is not a range of pfns below max_pfn %#lx",
			start_pfn, end_pfn, max_pfn);
		return -EINVAL;
	}
	drain_all_pages(NULL); /* pages on per-CPU lists are free too */
	if (!range_is_free(start_pfn, end_pfn)) {
		if (!(gfp & __GFP_NOWARN))
			pr_info("alloc_contig_range: [mem %#018llx-%#018llx] is not all free: nothing taken, caller %pS\n",
				(unsigned long long)PFN_PHYS(start_pfn),
				(unsigned long long)PFN_PHYS(end_pfn) - 1,
				(void *)caller);
		return -EBUSY;
	}
	take_free_range(start_pfn, end_pfn, gfp, caller);
	return 0;
}

int alloc_contig_range(unsigned long start_pfn, unsigned long end_pfn,
		       gfp_t gfp)
{
	return alloc_contig_range_caller(start_pfn, end_pfn, gfp, _RET_IP_);
}

void free_contig_range(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long caller = _RET_IP_;

	for (unsigned long i = 0; i < nr_pages; i++) {
		if (!pfn_valid(pfn + i)) {
			bad_call(
				NULL, caller,
				"free_contig_range: pfn %#lx is beyond mem_map (max_pfn %#lx)",
				pfn + i, max_pfn);
			return;
		}
		free_pages_caller(pfn_to_page(pfn + i), 0, caller);
	}
}

/*
 * Take the lowest run of @nr_pages free pfns in [@start, @end) that starts
 * at a multiple of @align_pages; the caller has drained the per-CPU lists.
 * Return: true with its first pfn in *@found, or false with nothing taken.
 */
static bool take_contig_run(unsigned long start, unsigned long end,
			    unsigned long nr_pages, unsigned long align_pages,
			    gfp_t gfp, unsigned long caller,
			    unsigned long *found)
{
	unsigned long pfn =
		(start + align_pages - 1) / align_pages * align_pages;

	for (; pfn >= start && pfn + nr_pages <= end && pfn + nr_pages > pfn;
	     pfn += align_pages)
		if (range_is_free(pfn, pfn + nr_pages)) {
			take_free_range(pfn, pfn + nr_pages, gfp, caller);
			*found = pfn;
			return true;
		}
	return false;
}

/*
 * Zone by zone down the zonelist, as Linux's alloc_contig_pages(): the run
 * lies inside one zone, at or below gfp_zone(@gfp), and ends at or below
 * pfn @limit. No watermark applies (nor does one in Linux).
 */
static struct page *alloc_contig_limit_caller(unsigned long nr_pages, gfp_t gfp,
					      phys_addr_t max_addr,
					      unsigned long align_pages,
					      unsigned long caller)
{
	unsigned long limit = max_addr ? PHYS_PFN(max_addr) : max_pfn;
	struct zone *zone;

	if (!nr_pages || !align_pages) {
		bad_call(NULL, caller,
			 "alloc_contig_pages: %lu pages aligned to %lu pages",
			 nr_pages, align_pages);
		return NULL;
	}
	if (!gfp_ok(gfp, "alloc_contig_pages", caller))
		return NULL;
	if (limit > max_pfn)
		limit = max_pfn;
	drain_all_pages(NULL); /* pages on per-CPU lists are free too */
	for_each_zone_zonelist (zone, gfp_zone(gfp)) {
		unsigned long end = zone_end_pfn(zone), pfn;

		if (!populated_zone(zone) || zone->zone_start_pfn >= limit)
			continue;
		if (end > limit)
			end = limit;
		if (take_contig_run(zone->zone_start_pfn, end, nr_pages,
				    align_pages, gfp, caller, &pfn))
			return pfn_to_page(pfn);
	}
	if (!(gfp & __GFP_NOWARN))
		pr_warn("page allocation failure: %lu contiguous pages, aligned to %lu pages, below %#llx, mode:%#x, zone %s%s: no free range\n",
			nr_pages, align_pages,
			(unsigned long long)PFN_PHYS(limit), gfp,
			contig_page_data.node_zones[gfp_zone(gfp)].name,
			gfp_zone(gfp) == ZONE_DMA ? "" : " and below");
	return NULL;
}

struct page *alloc_contig_pages(unsigned long nr_pages, gfp_t gfp)
{
	return alloc_contig_limit_caller(nr_pages, gfp, 0, nr_pages, _RET_IP_);
}

struct page *alloc_contig_pages_limit(unsigned long nr_pages, gfp_t gfp,
				      phys_addr_t max_addr, unsigned long align)
{
	unsigned long caller = _RET_IP_;

	if (!align || (align & (align - 1)) || align % PAGE_SIZE) {
		bad_call(
			NULL, caller,
			"alloc_contig_pages_limit: alignment %#lx is not a power of two of at least a page",
			align);
		return NULL;
	}
	return alloc_contig_limit_caller(nr_pages, gfp, max_addr,
					 align >> PAGE_SHIFT, caller);
}
