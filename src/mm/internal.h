/* SPDX-License-Identifier: MIT */
/* internal.h - what the mm core's files share and nobody else may call. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm.h"

void __free_pages_core(struct page *page, unsigned int order);

/*
 * The buddy core alone (page_alloc.c), for lab 3's graded self-tests
 * (src/test/labtest3.c): no per-CPU lists, no watermarks, no checks. The zone's
 * per-CPU lists should be drained first. Nothing else may call these.
 *
 * buddy_core_take() - __rmqueue_smallest(): a block of 2^@order pages off
 *   @zone's free lists, split as needed; NULL if none. Its pages keep the
 *   state of free pages (no PG_head, refcount 0).
 * buddy_core_split() - expand(): split the block of order @high at @page,
 *   taken with buddy_core_take(), down to order @low; the upper halves go
 *   back on the free lists (and count as free again).
 * buddy_core_give() - __free_one_page(): the block of 2^@order pages at
 *   @page back on its zone's free lists, merged as far as it goes.
 * buddy_core_find_buddy_pfn() - __find_buddy_pfn(): the buddy's pfn.
 */
struct page *buddy_core_take(struct zone *zone, unsigned int order);
void buddy_core_split(struct zone *zone, struct page *page, unsigned int low,
		      unsigned int high);
void buddy_core_give(struct page *page, unsigned int order);
unsigned long buddy_core_find_buddy_pfn(unsigned long pfn, unsigned int order);

#endif
