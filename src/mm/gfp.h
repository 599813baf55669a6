/* SPDX-License-Identifier: MIT */
/*
 * gfp.h - the page allocator's entry points and flags, with the names and
 * meanings of Linux's include/linux/gfp.h and gfp_types.h.
 *
 * Orders: we follow Linux >= 6.8. MAX_PAGE_ORDER (= 10) is the largest order,
 * inclusive: the largest block is 2^10 pages = 4 MiB. NR_PAGE_ORDERS (= 11)
 * is the number of free_area lists. MAX_ORDER is kept as an alias with the
 * meaning it had in Linux 6.4-6.7 (inclusive, = MAX_PAGE_ORDER), since the
 * issue tracker and older textbooks say it; before 6.4 it was exclusive (11).
 */
#ifndef MM_GFP_H
#define MM_GFP_H

#include "mm_types.h"

#define MAX_PAGE_ORDER 10
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)
#define MAX_ORDER      MAX_PAGE_ORDER

typedef unsigned int gfp_t;

/*
 * Flags come in layers, as in Linux: ___GFP_* are bit numbers' values,
 * __GFP_* the single-meaning modifiers, GFP_* the combinations callers use.
 * The values happen to equal Linux's (4.15 and later), but only the names
 * and meanings are promised: do not rely on the numbers.
 */
#define ___GFP_DMA	      0x01u
#define ___GFP_DMA32	      0x04u
#define ___GFP_HIGH	      0x20u
#define ___GFP_IO	      0x40u
#define ___GFP_FS	      0x80u
#define ___GFP_ZERO	      0x100u
#define ___GFP_DIRECT_RECLAIM 0x400u
#define ___GFP_KSWAPD_RECLAIM 0x800u
#define ___GFP_NOWARN	      0x2000u
#define ___GFP_MEMALLOC	      0x20000u

/*
 * Zone modifiers: the highest zone the pages may come from (mmzone.h).
 * __GFP_DMA: below 16 MiB (ZONE_DMA); __GFP_DMA32: below 4 GiB (ZONE_DMA32
 * or ZONE_DMA). Neither: any zone, ZONE_NORMAL first. Both: refused.
 */
#define __GFP_DMA   ((gfp_t)___GFP_DMA)
#define __GFP_DMA32 ((gfp_t)___GFP_DMA32)

/* __GFP_HIGH: high priority: may go halfway below a zone's min watermark. */
#define __GFP_HIGH ((gfp_t)___GFP_HIGH)
/* __GFP_IO, __GFP_FS: may start I/O / call into filesystems (no effect here). */
#define __GFP_IO ((gfp_t)___GFP_IO)
#define __GFP_FS ((gfp_t)___GFP_FS)
/* __GFP_DIRECT_RECLAIM: may sleep to reclaim (we never reclaim or sleep). */
#define __GFP_DIRECT_RECLAIM ((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM ((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM	     (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
/* __GFP_ZERO: return the pages zeroed. */
#define __GFP_ZERO ((gfp_t)___GFP_ZERO)
/* __GFP_NOWARN: do not log an allocation failure. */
#define __GFP_NOWARN ((gfp_t)___GFP_NOWARN)
/* __GFP_MEMALLOC: ignore the watermarks, take the last free page (Linux:
 * for code that frees memory; here also for tests that drain memory). */
#define __GFP_MEMALLOC ((gfp_t)___GFP_MEMALLOC)

/* Every bit above: anything else is refused as a caller's bug. */
#define __GFP_KNOWN                                                   \
	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGH | __GFP_IO | __GFP_FS | \
	 __GFP_ZERO | __GFP_RECLAIM | __GFP_NOWARN | __GFP_MEMALLOC)

/* GFP_KERNEL: ordinary kernel allocation; may sleep (here: never does). */
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
/* GFP_ATOMIC: must not sleep; high priority: may go below the min
 * watermark (to 3/8 of it, as Linux's ALLOC_MIN_RESERVE + ALLOC_NON_BLOCK). */
#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
/* GFP_NOWAIT: must not sleep, not high priority: stops at min like
 * GFP_KERNEL. */
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
/* GFP_DMA, GFP_DMA32: the zone modifiers, to be or-ed with GFP_KERNEL or
 * GFP_ATOMIC, as in Linux. */
#define GFP_DMA	  __GFP_DMA
#define GFP_DMA32 __GFP_DMA32

/**
 * alloc_pages() - allocate 2^@order physically contiguous pages.
 * @gfp: GFP_* / __GFP_* flags. __GFP_ZERO zeroes the block; the zone
 * modifiers choose the highest zone (none: ZONE_NORMAL, __GFP_DMA32:
 * ZONE_DMA32, __GFP_DMA: ZONE_DMA); a bit outside __GFP_KNOWN, or both
 * __GFP_DMA and __GFP_DMA32, is refused.
 * @order: log2 of the block's size in pages, 0..MAX_PAGE_ORDER; the block
 * starts at a pfn that is a multiple of 2^@order.
 *
 * The block comes from the highest zone @gfp allows or one below it,
 * highest first (Linux's zonelist); order 0 goes through the zone's per-CPU
 * list. Watermarks, as Linux's __alloc_pages() without reclaim: a first
 * pass takes from the first zone above its low watermark, a second from the
 * first above min; __GFP_HIGH (GFP_ATOMIC) may go to half of min, and to 3/8
 * of it when it cannot reclaim either; __GFP_MEMALLOC ignores them. A lower
 * zone also keeps its lowmem_reserve back from callers that could have used
 * a higher one (see mmzone.h, docs/zones.md). Under page_poison=1 the block
 * is checked for writes after its last free. alloc_page(gfp) is
 * alloc_pages(gfp, 0). As Linux's include/linux/gfp.h alloc_pages().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the block's first struct page, with refcount 1 (free it with
 * __free_pages(page, @order)); or NULL, with nothing changed, when no zone
 * may give the block (a warning naming each zone tried and why, unless
 * __GFP_NOWARN), when @order > MAX_PAGE_ORDER (a bad-page report unless
 * __GFP_NOWARN, as Linux's WARN_ON_ONCE_GFP), or for refused @gfp bits
 * (always a report).
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
/* alloc_page() - alloc_pages(@gfp, 0): one page. */
#define alloc_page(gfp) alloc_pages(gfp, 0)

/**
 * __get_free_pages() - allocate 2^@order pages, by direct-map address.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_pages().
 * @order: log2 of the block's size in pages, 0..MAX_PAGE_ORDER.
 *
 * As alloc_pages(), returning the block's direct-map (PAGE_OFFSET) virtual
 * address instead of its struct page; free it with free_pages(addr,
 * @order). __get_free_page(gfp) is __get_free_pages(gfp, 0). As Linux's
 * mm/page_alloc.c __get_free_pages().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the block's address, aligned to 2^@order pages; or 0 on any
 * failure of alloc_pages() (reported as there), with nothing changed.
 */
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
/* __get_free_page() - __get_free_pages(@gfp, 0): one page's address. */
#define __get_free_page(gfp) __get_free_pages(gfp, 0)

/**
 * get_zeroed_page() - allocate one zeroed page, by direct-map address.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_pages(); __GFP_ZERO is added.
 *
 * As Linux's mm/page_alloc.c get_zeroed_page(). Free the page with
 * free_page(addr).
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the page's direct-map address (page-aligned), its PAGE_SIZE bytes
 * all zero; or 0 on failure, as for alloc_pages(), with nothing changed.
 */
unsigned long get_zeroed_page(gfp_t gfp);

/**
 * __free_pages() - drop a reference to a block of 2^@order pages.
 * @page: the block's first struct page, as alloc_pages() returned it.
 * @order: the order it was allocated with, 0..MAX_PAGE_ORDER.
 *
 * The last reference frees the block: it goes back to its zone's free
 * lists (order 0: to the per-CPU list first), merging with free buddies.
 * Misuse (NULL or foreign page, double free, an order other than the one
 * allocated, a misaligned, reserved or kernel-image page, a page inside a
 * block) is reported as one "BUG: Bad page state" block naming the caller
 * and decoding the page, and refused: the free lists stay intact. We
 * differ from Linux, which trusts the order: ours is checked against the
 * order recorded on the block's head page at allocation.
 * __free_page(page) is __free_pages(page, 0). As Linux's mm/page_alloc.c
 * __free_pages().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void __free_pages(struct page *page, unsigned int order);
/* __free_page() - __free_pages(@page, 0). */
#define __free_page(page) __free_pages((page), 0)

/**
 * free_pages() - free a block of 2^@order pages, by direct-map address.
 * @addr: the block's direct-map address, as __get_free_pages() returned it;
 * page-aligned. 0 does nothing, as in Linux.
 * @order: the order it was allocated with, 0..MAX_PAGE_ORDER.
 *
 * As __free_pages() on the block's struct page, with its checks. An
 * address that is not page-aligned or not a direct-map address of RAM is
 * reported and refused. free_page(addr) is free_pages(addr, 0). As Linux's
 * mm/page_alloc.c free_pages().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void free_pages(unsigned long addr, unsigned int order);
/* free_page() - free_pages(@addr, 0). */
#define free_page(addr) free_pages((addr), 0)

/**
 * get_page() - take one more reference to an allocated block.
 * @page: any page of the block (the count lives on the block's first page,
 * as for Linux's compound pages).
 *
 * put_page() drops one; the last one frees the whole block at the order it
 * was allocated with. A free, reserved or foreign page is reported and
 * nothing changes. As Linux's include/linux/mm.h get_page().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void get_page(struct page *page);

/**
 * put_page() - drop one reference to an allocated block.
 * @page: any page of the block.
 *
 * The last reference frees the whole block at the order it was allocated
 * with. We differ from Linux for a plain (non-__GFP_COMP) block of order
 * > 0: Linux's put_page() would free only its first page. A free, reserved
 * or foreign page is reported and nothing changes, so a count never drops
 * below zero and nothing is freed twice. As Linux's include/linux/mm.h
 * put_page().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void put_page(struct page *page);

/**
 * release_pages() - put_page() on each page of an array: the bulk free.
 * @pages: the array; NULL entries are skipped.
 * @nr: its number of entries.
 *
 * Each entry is checked as put_page() checks it; a bad one is reported and
 * skipped, and the others are still released. As Linux's mm/swap.c
 * release_pages().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void release_pages(struct page **pages, unsigned long nr);

/**
 * split_page() - turn an allocated block into order-0 pages.
 * @page: the block's first page; the block must be allocated and unshared
 * (refcount 1).
 * @order: the order it was allocated with.
 *
 * The 2^@order pages become allocated order-0 pages with one reference
 * each, to be freed one by one. Anything else at @page (wrong order,
 * shared, not a block head) is reported and nothing changes. As Linux's
 * mm/page_alloc.c split_page().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void split_page(struct page *page, unsigned int order);

/**
 * alloc_pages_exact() - allocate physically contiguous memory of any size.
 * @size: bytes, > 0; rounded up to whole pages.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_pages().
 *
 * The smallest block that holds @size bytes is allocated, split
 * (split_page()), and the pages past PAGE_ALIGN(@size) are given back at
 * once. Free with free_pages_exact(addr, @size). As Linux's
 * mm/page_alloc.c alloc_pages_exact().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the direct-map address, page-aligned; or NULL with nothing
 * changed: @size 0 is reported, and a failure is as for alloc_pages() (more
 * than 4 MiB needs an order above MAX_PAGE_ORDER).
 */
void *alloc_pages_exact(unsigned long size, gfp_t gfp);

/**
 * free_pages_exact() - free memory from alloc_pages_exact().
 * @virt: its direct-map address, page-aligned; NULL does nothing.
 * @size: bytes, as given to alloc_pages_exact().
 *
 * Frees the PAGE_ALIGN(@size) / PAGE_SIZE pages at @virt one by one, each
 * checked as free_page() checks it. A @virt that is not a page-aligned
 * direct-map address of RAM is reported and nothing is freed. As Linux's
 * mm/page_alloc.c free_pages_exact().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void free_pages_exact(void *virt, unsigned long size);

/**
 * alloc_contig_range() - allocate exactly the given pfns, if all are free.
 * @start_pfn: the first pfn of the range.
 * @end_pfn: one past its last pfn; @start_pfn < @end_pfn <= max_pfn. Any
 * pfns, not only a power of two of them nor aligned.
 * @gfp: GFP_* / __GFP_* flags: __GFP_ZERO zeroes the pages, __GFP_NOWARN
 * silences the note on -EBUSY; the zone modifiers play no part.
 *
 * The per-CPU lists are drained first (their pages are free too). Each pfn
 * becomes an allocated order-0 page with one reference (free them with
 * free_contig_range() or page by page). Free blocks that straddle the
 * range's ends are split, and their outside parts stay free. The range may
 * cross a zone limit (Linux requires one zone); each zone's counts drop by
 * the pages taken from it. As Linux's mm/page_alloc.c alloc_contig_range(),
 * which also migrates movable pages out of the way; we never move anything
 * and have no migratetype argument. Also serves as Theseus's
 * allocate_frames_at().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: 0; -EBUSY (and a note unless __GFP_NOWARN) when some pfn is not
 * free, with nothing taken; -EINVAL (reported) for an empty range, one past
 * max_pfn, or bad @gfp bits, with nothing changed.
 */
int alloc_contig_range(unsigned long start_pfn, unsigned long end_pfn,
		       gfp_t gfp);

/**
 * free_contig_range() - free a run of order-0 pages by pfn.
 * @pfn: the first pfn.
 * @nr_pages: how many pages, from @pfn up.
 *
 * Each page is checked as __free_page() checks it; a bad one is reported
 * and skipped. A pfn at or past max_pfn is reported and ends the call, the
 * pages before it freed. As Linux's mm/page_alloc.c free_contig_range();
 * also PatchworkOS's pmm_free_region().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 */
void free_contig_range(unsigned long pfn, unsigned long nr_pages);

/**
 * alloc_contig_pages() - allocate any number of physically contiguous pages.
 * @nr_pages: how many pages, > 0, not only a power of two; the run starts
 * at a pfn that is a multiple of @nr_pages.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_contig_range(); the zone
 * modifiers choose the highest zone, as for alloc_pages().
 *
 * Takes the lowest free run, with alloc_contig_range(), inside one zone:
 * gfp_zone(@gfp) first, then the zones below it, as Linux's zonelist; no
 * watermark applies (nor in Linux). As Linux's mm/page_alloc.c
 * alloc_contig_pages(), which also migrates pages out of the way: we never
 * move anything, and we pick the lowest run of a zone, not the first
 * movable one.
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the run's first page, each page allocated at order 0 with one
 * reference; or NULL, with nothing taken (a warning unless __GFP_NOWARN;
 * @nr_pages 0 and bad @gfp bits are reported).
 */
struct page *alloc_contig_pages(unsigned long nr_pages, gfp_t gfp);

/**
 * alloc_contig_pages_limit() - alloc_contig_pages() below an address.
 * @nr_pages: how many pages, > 0.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_contig_pages().
 * @max_addr: physical address in bytes the run must end at or below; 0:
 * no limit.
 * @align: bytes: the run starts at a multiple of it; a power of two, at
 * least PAGE_SIZE.
 *
 * The zone rule of alloc_contig_pages() applies as well: GFP_DMA32 with a
 * limit of 8 GiB still stays below 4 GiB. As PatchworkOS's
 * pmm_alloc_bitmap(count, maxAddr, alignment); Linux expresses the limit
 * with zones (GFP_DMA32) instead.
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: as alloc_contig_pages(); a bad @align is reported, and NULL
 * returned with nothing taken.
 */
struct page *alloc_contig_pages_limit(unsigned long nr_pages, gfp_t gfp,
				      phys_addr_t max_addr,
				      unsigned long align);

/**
 * alloc_pages_bulk_array() - fill the empty entries of an array with pages.
 * @gfp: GFP_* / __GFP_* flags, as for alloc_pages().
 * @nr_pages: the number of entries of @page_array.
 * @page_array: entries already set are kept; each NULL one gets an order-0
 * page, until an allocation fails.
 *
 * Stops allocating at the first failure (warned unless __GFP_NOWARN); the
 * pages allocated before it stay in the array. As Linux's
 * alloc_pages_bulk_array().
 *
 * Context: after mm_core_init(); takes no lock (one CPU, interrupts off).
 * Return: the number of non-NULL entries the array now holds, @nr_pages on
 * full success.
 */
unsigned long alloc_pages_bulk_array(gfp_t gfp, unsigned long nr_pages,
				     struct page **page_array);

#endif
