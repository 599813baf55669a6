/* SPDX-License-Identifier: MIT */
/*
 * mm_reset.h - put every global of the mm core back as a fresh process has
 * it, between host tests and between fuzz inputs. Needs no test framework.
 */
#ifndef MM_RESET_H
#define MM_RESET_H

/*
 * mm_reset_globals() - mem_map, max_pfn, contig_page_data (every zone's
 * counters, watermarks and empty free lists), the watermark tunables at
 * Linux's defaults, memblock, the image sizes and pfns, and the debug policies
 * (mm_debug, page_poisoning_enabled, mm_bad_page_reports). The memory that
 * held mem_map is the caller's to free. A new mm global must be reset here.
 */
void mm_reset_globals(void);

#endif
