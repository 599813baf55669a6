// SPDX-License-Identifier: MIT
/* mm_reset.c - see mm_reset.h. */
#include "mm_reset.h"

#include "memblock.h"
#include "mm.h"

void mm_reset_globals(void)
{
	struct zone *zone = &contig_zone;

	mem_map = NULL;
	max_pfn = 0;
	zone->zone_start_pfn = 0;
	zone->spanned_pages = 0;
	zone->present_pages = 0;
	zone->managed_pages = 0;
	zone->free_pages = 0;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		INIT_LIST_HEAD(&zone->free_area[o].free_list);
		zone->free_area[o].nr_free = 0;
	}
	memblock_reset();
	mm_image_sizes = (struct mm_image_sizes){ 0 };
	kernel_image_start_pfn = 0;
	kernel_image_end_pfn = 0;
	mm_debug = 0;
	page_poisoning_enabled = false;
	mm_bad_page_reports = 0;
}
