/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the mm core's files share and nobody else may call, as
 * Linux's mm/internal.h: the buddy core's entry points, the API's general
 * paths, the watermark test, and the checks and reports every call makes
 * (debug_page_alloc.c). The fast paths' checks are inline here, so that
 * they stay a compare and a branch wherever they are made.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm.h"

/*
 * __free_pages_core() - hand a boot-time block of 2^@order pages, all
 * reserved until now, to the buddy allocator. As Linux's __free_pages_core().
 * Context: boot (mm_core_init()).
 */
void __free_pages_core(struct page *page, unsigned int order);

/*
 * The buddy core alone (page_alloc.c), for the contiguous ranges
 * (page_isolation.c) and lab 3's graded self-tests (src/test/labtest3.c):
 * no per-CPU lists, no watermarks, no checks. The zone's per-CPU lists
 * should be drained first.
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
 * __isolate_free_page() - take the free block of 2^@order pages headed by
 *   @page off its zone's free list, as Linux's __isolate_free_page()
 *   (without its watermark check): its pages are then neither free nor
 *   allocated, all flags clear, until the caller gives them an owner.
 */
struct page *buddy_core_take(struct zone *zone, unsigned int order);
void buddy_core_split(struct zone *zone, struct page *page, unsigned int low,
		      unsigned int high);
void buddy_core_give(struct page *page, unsigned int order);
unsigned long buddy_core_find_buddy_pfn(unsigned long pfn, unsigned int order);
void __isolate_free_page(struct page *page, unsigned int order);

/*
 * The API's general paths (page_alloc.c), for the calls built on them
 * (page_ref.c, page_isolation.c). @caller is the address the API call
 * returns to, for the reports.
 * alloc_pages_caller() - alloc_pages() past its fast path: checked, with
 *   the whole zonelist and its slow path. Return: the block, or NULL.
 * free_pages_caller() - __free_pages() past its fast path: checked, and
 *   reported and refused when the block cannot be freed.
 * __free_pages_ok() - free the allocated block of 2^@order pages at @page
 *   whose last reference is gone (its refcount already 0), checking the
 *   allocator after it under mm_debug=verify, naming operation @op.
 */
struct page *alloc_pages_caller(gfp_t gfp, unsigned int order,
				unsigned long caller);
void free_pages_caller(struct page *page, unsigned int order,
		       unsigned long caller);
void __free_pages_ok(struct page *page, unsigned int order, const char *op,
		     unsigned long caller);

/*
 * How an allocation may treat the watermarks, as Linux's ALLOC_* flags
 * (mm/internal.h): which mark, and how far below it the caller may go.
 */
#define ALLOC_WMARK_MIN	    WMARK_MIN
#define ALLOC_WMARK_LOW	    WMARK_LOW
#define ALLOC_WMARK_MASK    0x3u
#define ALLOC_NO_WATERMARKS 0x4u  /* __GFP_MEMALLOC: ignore them all */
#define ALLOC_MIN_RESERVE   0x8u  /* __GFP_HIGH: half of min is open */
#define ALLOC_NON_BLOCK	    0x10u /* cannot reclaim: a quarter more */

/*
 * Linux's __zone_watermark_ok(): may @z give a block of 2^@order pages to an
 * allocation whose highest zone is @highest, keeping @mark pages free
 * (lowered for reserve users) plus the zone's lowmem_reserve[@highest]?
 * The pages in the request beyond its first do not count as free, and a
 * block of the order must exist (checked only with @need_block: the
 * zonelist walk leaves that to rmqueue(), which looks anyway and moves on
 * to the next zone just the same). Unlike Linux, the pages on the per-CPU
 * lists count as free: they are (MemFree counts them too), and the one CPU
 * asking can have them without a drain.
 */
static __always_inline bool
zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
		  enum zone_type highest, unsigned int alloc_flags,
		  bool need_block)
{
	long min = (long)mark;
	long free =
		(long)(z->free_pages + zone_pcp_pages(z)) - ((1L << order) - 1);

	if (alloc_flags & ALLOC_MIN_RESERVE) {
		min -= min / 2;
		if (alloc_flags & ALLOC_NON_BLOCK)
			min -= min / 4;
	}
	if (free <= min + (long)z->lowmem_reserve[highest])
		return false;
	if (!order || !need_block)
		return true; /* order 0: free > 0, a page is there */
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}

/* Linux's gfp_to_alloc_flags(), for the slow path: the min watermark,
 * lowered for __GFP_HIGH and again for callers that cannot reclaim. */
static inline unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN;

	if (gfp & __GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		alloc_flags |= ALLOC_NON_BLOCK;
	return alloc_flags;
}

/* Reports and checks (debug_page_alloc.c) ------------------------------------ */

/*
 * bad_report() - one whole bad-page report, "BUG: Bad page @kind: <@fmt...>"
 * with the caller and @page decoded (none when NULL), as Linux's bad_page();
 * counted in mm_bad_page_reports, and a panic under mm_debug=panic. Out of
 * line and cold, so that the checks on the fast paths stay a compare and a
 * branch. bad_page() reports a page in the wrong state, bad_call() a call
 * that makes no sense (a bad gfp, order, address or size).
 */
void bad_report(const struct page *page, unsigned long caller, const char *kind,
		const char *fmt, ...) __cold noinline
	__attribute__((format(printf, 4, 5)));
#define bad_page(page, caller, ...) \
	bad_report((page), (caller), "state", __VA_ARGS__)
#define bad_call(page, caller, ...) \
	bad_report((page), (caller), "call", __VA_ARGS__)

/*
 * gfp_bad() - report @gfp as a caller's bug of API call @fn when it has bits
 * this kernel does not know, or asks for two zones. Return: true when @gfp
 * is good after all. gfp_ok() - the same, with the common case inline.
 */
bool gfp_bad(gfp_t gfp, const char *fn, unsigned long caller) __cold noinline;

static __always_inline bool gfp_ok(gfp_t gfp, const char *fn,
				   unsigned long caller)
{
	if (likely(!(gfp & ~__GFP_KNOWN) && (gfp & (__GFP_DMA | __GFP_DMA32)) !=
						    (__GFP_DMA | __GFP_DMA32)))
		return true;
	return gfp_bad(gfp, fn, caller);
}

/*
 * page_not_in_mem_map() - report that API call @fn got @page, which is not a
 * struct page of mem_map. Return: false.
 */
bool page_not_in_mem_map(const struct page *page, const char *fn,
			 unsigned long caller) __cold noinline;

/* Is @page a struct page of mem_map? */
static __always_inline bool page_in_mem_map_quiet(const struct page *page)
{
	unsigned long off =
		(unsigned long)((const char *)page - (const char *)mem_map);

	return likely(off < max_pfn * sizeof(*page) && !(off % sizeof(*page)) &&
		      mem_map);
}

/* Is @page a struct page of mem_map? Reports it when not. */
static __always_inline bool
page_in_mem_map(const struct page *page, const char *fn, unsigned long caller)
{
	if (page_in_mem_map_quiet(page))
		return true;
	return page_not_in_mem_map(page, fn, caller);
}

/* Is every page of the block at @page clean: no flags, no references? */
static inline bool block_pages_clean(const struct page *page,
				     unsigned int order, unsigned long first)
{
	for (unsigned long i = first; i < (1UL << order); i++)
		if (page[i].flags || page[i]._refcount)
			return false;
	return true;
}

/*
 * free_page_check_slow() - may the block at @page of 2^@order pages be freed
 * now, when it is not simply the head of an allocated block of that order?
 * Reports the first reason it may not, decoding the page. Return: true
 * when it may (a shared block, or one checked whole under mm_debug=verify).
 */
bool free_page_check_slow(struct page *page, unsigned int order,
			  unsigned long caller) __cold noinline;

/*
 * warn_alloc() - an allocation of 2^@order pages with @gfp failed: say so
 * unless __GFP_NOWARN, with each zone the zonelist tried and why it could
 * not give the block, then the free lists. As Linux's warn_alloc().
 */
void warn_alloc(gfp_t gfp, unsigned int order,
		unsigned long caller) __cold noinline;

/*
 * Page poisoning (page_poison=1), as Linux's mm/page_poison.c:
 * poison_block() fills a freed block of 2^@order pages with PAGE_POISON;
 * check_poison() reports, once per block, a byte of a block being
 * allocated that is no longer PAGE_POISON: a write after the free.
 */
void poison_block(struct page *page, unsigned int order) noinline;
void check_poison(struct page *page, unsigned int order,
		  unsigned long caller) noinline;

/* mm_debug=verify: the whole allocator is checked after each operation. */
void debug_verify_now(const char *op, unsigned long caller) __cold noinline;

static __always_inline void debug_verify(const char *op, unsigned long caller)
{
	if (unlikely(mm_debug & MM_DEBUG_VERIFY))
		debug_verify_now(op, caller);
}

#endif
