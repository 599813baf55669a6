/* SPDX-License-Identifier: MIT */
/*
 * mmzone.h - a zone and its buddy free lists, as Linux's include/linux/mmzone.h.
 *
 * Invariant: free_area[o] lists exactly nr_free blocks, each of 2^o pages,
 * aligned to 2^o pages, first page PG_buddy with private == o; the zone's
 * free_pages is the sum of nr_free << o. One zone today ("Normal"); the
 * structure is per zone so DMA/DMA32 can join it.
 */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include "gfp.h"

struct free_area {
	struct list_head
		free_list;     /* free blocks of this order, via page->lru */
	unsigned long nr_free; /* number of blocks (not pages) on free_list */
};

struct zone {
	const char *name; /* as /proc/buddyinfo prints it: "Normal" */
	unsigned long zone_start_pfn; /* first pfn the zone spans */
	unsigned long spanned_pages;  /* pfns spanned, holes included */
	unsigned long present_pages;  /* pages of RAM in the firmware map */
	unsigned long managed_pages;  /* pages handed to the buddy allocator */
	unsigned long free_pages; /* pages on the free lists (NR_FREE_PAGES) */
	struct free_area free_area[NR_PAGE_ORDERS];
};

/* zone_end_pfn() - one past the last pfn @z spans. */
static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

#endif
