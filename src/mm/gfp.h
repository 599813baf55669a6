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

/*
 * alloc_pages() - allocate 2^@order physically contiguous pages.
 * @gfp: GFP_* / __GFP_* flags; __GFP_ZERO zeroes the block; the zone
 * modifiers choose the highest zone (none: ZONE_NORMAL, __GFP_DMA32:
 * ZONE_DMA32, __GFP_DMA: ZONE_DMA), and the block comes from that zone or
 * one below it, highest first (Linux's zonelist).
 * @order: 0..MAX_PAGE_ORDER; the block is aligned to 2^order pages.
 * Watermarks, as Linux's __alloc_pages() without reclaim: a first pass
 * takes from the first zone above its low watermark, a second from the
 * first above min; __GFP_HIGH (GFP_ATOMIC) may go to half of min, and to
 * 3/8 of it when it cannot reclaim either; __GFP_MEMALLOC ignores them.
 * A lower zone also keeps its lowmem_reserve back from callers that could
 * have used a higher one (see mmzone.h, docs/zones.md).
 * Return: the block's first struct page with refcount 1, or NULL when no
 * zone may give the block (a warning naming each zone tried and why,
 * unless __GFP_NOWARN), when @order > MAX_PAGE_ORDER (a bad-page report
 * unless __GFP_NOWARN, as Linux's WARN_ON_ONCE_GFP), or when @gfp has bits
 * outside __GFP_KNOWN or both __GFP_DMA and __GFP_DMA32 (always a report).
 * As Linux's alloc_pages(); on failure nothing changes. Under
 * page_poison=1 the block is checked for writes after its last free.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
#define alloc_page(gfp) alloc_pages(gfp, 0)

/*
 * __get_free_pages() - as alloc_pages(), returning the block's direct-map
 * virtual address (aligned to 2^order pages), or 0 on failure.
 */
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define __get_free_page(gfp) __get_free_pages(gfp, 0)

/* get_zeroed_page() - one zeroed page's direct-map address, or 0. */
unsigned long get_zeroed_page(gfp_t gfp);

/*
 * __free_pages() - drop a reference to the block at @page, of 2^@order pages;
 * the last reference frees it, merging it with free buddies (Linux's
 * __free_pages). Misuse (NULL or foreign page, double free, an order other
 * than the one allocated, a misaligned, reserved or kernel-image page, a page
 * inside a block) is reported as one "BUG: Bad page state" block naming the
 * caller and decoding the page, and refused: the free lists stay intact.
 * We differ from Linux, which trusts the order: ours is checked against the
 * order recorded on the block's head page at allocation.
 */
void __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages((page), 0)

/*
 * free_pages() - as __free_pages(), given the block's direct-map address.
 * @addr 0 does nothing, as in Linux. An address that is not page-aligned or
 * not in the direct map is reported and refused.
 */
void free_pages(unsigned long addr, unsigned int order);
#define free_page(addr) free_pages((addr), 0)

/*
 * get_page() - take one more reference to the allocated block containing
 * @page (any page of it: the count lives on the block's first page, as for
 * Linux's compound pages). put_page() drops one; the last one frees the
 * whole block at the order it was allocated with. We differ from Linux for
 * a plain (non-__GFP_COMP) block of order > 0: Linux's put_page() would free
 * only its first page. A free, reserved or foreign page is reported and
 * nothing changes, so a count never drops below zero and nothing is freed
 * twice. As Linux's include/linux/mm.h get_page()/put_page().
 */
void get_page(struct page *page);
void put_page(struct page *page);

/*
 * release_pages() - put_page() on each of the @nr entries of @pages,
 * skipping NULL ones: the bulk free. As Linux's mm/swap.c release_pages().
 */
void release_pages(struct page **pages, unsigned long nr);

/*
 * split_page() - turn the allocated, unshared block of 2^@order pages at
 * @page into 2^@order allocated order-0 pages with one reference each, to
 * be freed one by one. As Linux's mm/page_alloc.c split_page(). Anything
 * else at @page (wrong order, shared, not a block head) is reported and
 * nothing changes.
 */
void split_page(struct page *page, unsigned int order);

/*
 * alloc_pages_exact() - @size bytes (> 0) of physically contiguous,
 * page-aligned memory: the smallest block that holds them is allocated,
 * split, and the pages past PAGE_ALIGN(@size) are given back at once.
 * Return: the direct-map address, or NULL (size 0 is reported; a failure
 * as for alloc_pages()). Free with free_pages_exact(addr, size).
 * As Linux's mm/page_alloc.c alloc_pages_exact().
 */
void *alloc_pages_exact(unsigned long size, gfp_t gfp);

/*
 * free_pages_exact() - free the PAGE_ALIGN(@size) / PAGE_SIZE pages at
 * @virt, one by one (each checked as free_page() checks it). @virt NULL
 * does nothing. As Linux's free_pages_exact().
 */
void free_pages_exact(void *virt, unsigned long size);

/*
 * alloc_contig_range() - allocate exactly the pfns [@start_pfn, @end_pfn),
 * if every one of them is free now: each becomes an allocated order-0 page
 * with one reference (free them with free_contig_range() or page by page).
 * Free blocks that straddle the range's ends are split, and their outside
 * parts stay free. Return: 0; -EBUSY (and a note unless __GFP_NOWARN) when
 * some pfn is not free, with nothing changed; -EINVAL (reported) for an
 * empty range, one past max_pfn, or bad gfp bits. The range may cross a
 * zone limit (Linux requires one zone); each zone's counts drop by the
 * pages taken from it. As Linux's
 * mm/page_alloc.c alloc_contig_range(), which also migrates movable pages
 * out of the way; we never move anything and have no migratetype argument.
 * Also serves as Theseus's allocate_frames_at().
 */
int alloc_contig_range(unsigned long start_pfn, unsigned long end_pfn,
		       gfp_t gfp);

/*
 * free_contig_range() - free the @nr_pages order-0 pages from @pfn, each
 * checked as __free_page() checks it. As Linux's free_contig_range(); also
 * PatchworkOS's pmm_free_region().
 */
void free_contig_range(unsigned long pfn, unsigned long nr_pages);

/*
 * alloc_contig_pages() - @nr_pages (any count, not only a power of two)
 * physically contiguous pages: the lowest free run that starts at a
 * multiple of @nr_pages, taken with alloc_contig_range(), inside one zone:
 * gfp_zone(@gfp) first, then the zones below it, as Linux's zonelist; no
 * watermark applies (nor in Linux). Return: its first page, or NULL
 * (warned unless __GFP_NOWARN; bad gfp bits are reported). As Linux's
 * alloc_contig_pages(), which also migrates pages out of the way: we never
 * move anything, and we pick the lowest run of a zone, not the first
 * movable one.
 */
struct page *alloc_contig_pages(unsigned long nr_pages, gfp_t gfp);

/*
 * alloc_contig_pages_limit() - as alloc_contig_pages(), but the run must end
 * at or below physical address @max_addr (0: no limit) and start at a
 * multiple of @align bytes (a power of two, at least PAGE_SIZE). A bad
 * alignment is reported. The zone rule of alloc_contig_pages() applies as
 * well: GFP_DMA32 with a limit of 8 GiB still stays below 4 GiB. As
 * PatchworkOS's pmm_alloc_bitmap(count, maxAddr, alignment); Linux
 * expresses the limit with zones (GFP_DMA32) instead.
 */
struct page *alloc_contig_pages_limit(unsigned long nr_pages, gfp_t gfp,
				      phys_addr_t max_addr,
				      unsigned long align);

/*
 * alloc_pages_bulk_array() - fill the NULL entries of @page_array (@nr_pages
 * long) with order-0 pages; entries already set are kept. Stops allocating
 * at the first failure (warned unless __GFP_NOWARN).
 * Return: the number of non-NULL entries the array now holds, which is
 * @nr_pages on full success. As Linux's alloc_pages_bulk_array().
 */
unsigned long alloc_pages_bulk_array(gfp_t gfp, unsigned long nr_pages,
				     struct page **page_array);

#endif
