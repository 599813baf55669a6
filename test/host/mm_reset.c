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
	for_each_zone (zone)
		zone_clear(zone);
	watermark_tunables_default();
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
