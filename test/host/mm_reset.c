// SPDX-License-Identifier: MIT
/* mm_reset.c - see mm_reset.h. */
#include "mm_reset.h"

#include "memblock.h"
#include "mm.h"

void mm_reset_globals(void)
{
	struct zone *zone;

	mem_map = NULL;
	max_pfn = 0;
	contig_page_data.node_start_pfn = 0;
	contig_page_data.node_spanned_pages = 0;
	for (zone = contig_page_data.node_zones;
	     zone < contig_page_data.node_zones + MAX_NR_ZONES; zone++) {
		zone->zone_start_pfn = 0;
		zone->spanned_pages = 0;
		zone->present_pages = 0;
		zone->managed_pages = 0;
		zone->free_pages = 0;
		for (int w = 0; w < NR_WMARK; w++)
			zone->_watermark[w] = 0;
		for (int j = 0; j < MAX_NR_ZONES; j++)
			zone->lowmem_reserve[j] = 0;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			INIT_LIST_HEAD(&zone->free_area[o].free_list);
			zone->free_area[o].nr_free = 0;
		}
	}
	user_min_free_kbytes = -1;
	min_free_kbytes = 1024;
	watermark_scale_factor = 10;
	sysctl_lowmem_reserve_ratio[ZONE_DMA] = 256;
	sysctl_lowmem_reserve_ratio[ZONE_DMA32] = 256;
	sysctl_lowmem_reserve_ratio[ZONE_NORMAL] = 32;
	totalreserve_pages = 0;
	memblock_reset();
	mm_image_sizes = (struct mm_image_sizes){ 0 };
	kernel_image_start_pfn = 0;
	kernel_image_end_pfn = 0;
	mm_debug = 0;
	page_poisoning_enabled = false;
	mm_bad_page_reports = 0;
	mm_break_mask = 0;
	mm_break_limit = 1;
	mm_break_fired[0] = mm_break_fired[1] = 0;
}
