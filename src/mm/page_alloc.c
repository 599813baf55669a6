// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator and the Linux page-allocation API.
 *
 * Invariant (checked by buddy_verify()): every free page lies in exactly one
 * block on free_area[order] of its zone; a block of order o is 2^o pages,
 * starts at a pfn that is a multiple of 2^o, and its first page is PG_buddy
 * with private == o; no free block has a free buddy of the same order (they
 * would have merged).
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "mm.h"

/* The fast paths below are small inline steps, kept inline, and the error
 * reports out of the way (make DEBUG=1: see mm_env.h, docs/stepping.md). */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct pglist_data contig_page_data = {
	.node_zones = {
		[ZONE_DMA] = { .name = "DMA" },
		[ZONE_DMA32] = { .name = "DMA32" },
		[ZONE_NORMAL] = { .name = "Normal" },
	},
};

/*
 * How a block is split (Linux's expand()). Asking for order 0 when the
 * smallest free block is order 2 at pfn 8:
 *
 *   order 2: [ 8  9 10 11 ]             take it off free_area[2]
 *   order 1: [ 8  9 ][10 11 ]           upper half 10-11 -> free_area[1]
 *   order 0: [ 8 ][ 9 ]                 upper half 9     -> free_area[0]
 *            ^ returned
 */
static __always_inline void set_buddy_order(struct page *page,
					    unsigned int order)
{
	set_page_private(page, order);
	__SetPageBuddy(page);
}

static __always_inline void
add_to_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN add_to_free_list: mark @page as the head of a free
	 * block of @order (set_buddy_order()), put it first on
	 * zone->free_area[order].free_list and count it in nr_free.
	 * STUB:
	 *	(void)page;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "add_to_free_list");
	 */
	struct free_area *area = &zone->free_area[order];

	set_buddy_order(page, order);
	list_add(&page->lru, &area->free_list);
	area->nr_free++;
	/* LAB 3 END */
}

/* Unlink a free block's head; its lru is left stale, as mm_types.h allows
 * for a page on no list (Linux poisons it). */
static __always_inline void
del_from_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN del_from_free_list: the inverse of add_to_free_list().
	 * STUB:
	 *	(void)page;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "del_from_free_list");
	 */
	__list_del_entry(&page->lru);
	__ClearPageBuddy(page);
	set_page_private(page, 0);
	zone->free_area[order].nr_free--;
	/* LAB 3 END */
}

static __always_inline void expand(struct zone *zone, struct page *page,
				   unsigned int low, unsigned int high)
{
	/* LAB 3 BEGIN expand: @page heads a block of order @high, already
	 * off the free lists. Split it down to order @low as the picture
	 * above shows: each time, the upper half goes on the free list of
	 * the order one less, and the lower half is split on (keep the
	 * mm_break_point(MM_BREAK_SPLIT, ...) for Bochs; docs/labs/lab3.md).
	 * STUB:
	 *	(void)zone;
	 *	(void)page;
	 *	(void)low;
	 *	(void)high;
	 *	lab_missing(3, "expand");
	 */
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		mm_break_point(
			MM_BREAK_SPLIT, split,
			"order-%u block at pfn %#lx -> upper half pfn %#lx to free_area[%u] (zone %s)",
			high + 1, page_to_pfn(page), page_to_pfn(&page[size]),
			high, zone->name);
		add_to_free_list(&page[size], zone, high);
	}
	/* LAB 3 END */
}

/*
 * __rmqueue_smallest() - take the smallest free block of order >= @order off
 * its list and split it down to @order. Caller holds the zone (one CPU, no
 * interrupts here, so no lock yet). Return: the block, or NULL if none.
 */
static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN __rmqueue_smallest: find the first non-empty free list
	 * of order @order or more, take its first block, split it with
	 * expand() and take the pages given out off zone->free_pages.
	 * STUB:
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "__rmqueue_smallest");
	 *	return NULL;
	 */
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		struct page *page;

		if (list_empty(&area->free_list))
			continue;
		page = list_first_entry(&area->free_list, struct page, lru);
		del_from_free_list(page, zone, o);
		expand(zone, page, order, o);
		zone->free_pages -= 1UL << order;
		return page;
	}
	return NULL;
	/* LAB 3 END */
}

/*
 * The buddy arithmetic. A block of order O at pfn B has its buddy at
 *     B2 = B ^ (1 << O)
 * and the two merge into a block of order O+1 at the parent
 *     P = B & ~(1 << O)  (= B & B2).
 * Example: pfn 12, order 2: buddy 12 ^ 4 = 8, parent 8, order 3 [8..15].
 *
 * A buddy may merge only when all of these hold:
 *   - it is inside the same zone (blocks never cross a zone limit);
 *   - it is PG_buddy, i.e. free and the first page of its block;
 *   - its block has the same order O (a larger or smaller one cannot pair).
 * Holes and reserved pages are never PG_buddy, so nothing merges across them.
 */
static inline unsigned long __find_buddy_pfn(unsigned long pfn,
					     unsigned int order)
{
	/* LAB 3 BEGIN __find_buddy_pfn: the pfn of the buddy of the block of
	 * @order at @pfn (the arithmetic above).
	 * STUB:
	 *	(void)order;
	 *	lab_missing(3, "__find_buddy_pfn");
	 *	return pfn;
	 */
	return pfn ^ (1UL << order);
	/* LAB 3 END */
}

/*
 * Is the page at @buddy_pfn (@buddy) the head of a free block of @order in
 * @zone, whose pfns are [@start, @start + @span)? One unsigned compare does
 * both ends of the span.
 */
static __always_inline bool
page_is_buddy(const struct page *buddy, unsigned long buddy_pfn,
	      unsigned long start, unsigned long span, unsigned int order)
{
	return buddy_pfn - start < span && PageBuddy(buddy) &&
	       page_private(buddy) == order;
}

/*
 * __free_one_page() - put the block of 2^@order pages at @pfn on the free
 * lists, merging with its buddy as long as the buddy is free, up to
 * MAX_PAGE_ORDER. As Linux's mm/page_alloc.c __free_one_page(). The caller
 * has checked the block and cleared its flags.
 */
static void __free_one_page(struct page *page, unsigned long pfn,
			    struct zone *zone, unsigned int order)
{
	/* LAB 3 BEGIN __free_one_page: count the block in zone->free_pages;
	 * then, while the order is below MAX_PAGE_ORDER and the buddy
	 * (__find_buddy_pfn()) is free with the same order in this zone
	 * (page_is_buddy()), take the buddy off its list and go on with the
	 * merged block one order up (keep the mm_break_point(MM_BREAK_MERGE,
	 * ...)); put the final block on its free list (docs/labs/lab3.md).
	 * STUB:
	 *	(void)page;
	 *	(void)pfn;
	 *	(void)zone;
	 *	(void)order;
	 *	lab_missing(3, "__free_one_page");
	 */

	/* Read once: the stores to struct pages below could alias them. */
	struct page *const map = mem_map;
	const unsigned long start = zone->zone_start_pfn,
			    span = zone->spanned_pages;

	zone->free_pages += 1UL << order;
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = __find_buddy_pfn(pfn, order);
		struct page *buddy = map + buddy_pfn;
		unsigned long combined_pfn;

		if (!page_is_buddy(buddy, buddy_pfn, start, span, order))
			break;
		del_from_free_list(buddy, zone, order);
		combined_pfn = buddy_pfn & pfn;
		mm_break_point(
			MM_BREAK_MERGE, merge,
			"pfn %#lx order %u with buddy %#lx -> order %u at %#lx (zone %s)",
			pfn, order, buddy_pfn, order + 1, combined_pfn,
			zone->name);
		page = map + combined_pfn;
		pfn = combined_pfn;
		order++;
	}
	add_to_free_list(page, zone, order);
	/* LAB 3 END */
}

struct page *buddy_core_take(struct zone *zone, unsigned int order)
{
	return __rmqueue_smallest(zone, order);
}

void buddy_core_split(struct zone *zone, struct page *page, unsigned int low,
		      unsigned int high)
{
	expand(zone, page, low, high);
	zone->free_pages += (1UL << high) - (1UL << low);
}

void buddy_core_give(struct page *page, unsigned int order)
{
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}

unsigned long buddy_core_find_buddy_pfn(unsigned long pfn, unsigned int order)
{
	return __find_buddy_pfn(pfn, order);
}

/* Per-CPU page lists ------------------------------------------------------- */

/*
 * An order-0 page goes through the running CPU's cache (struct
 * per_cpu_pages in mmzone.h) instead of the buddy lists, as in Linux's
 * rmqueue_pcplist() and free_unref_page(). A typical alloc+free pair then
 * touches one list head and one struct page; the buddy sees the pages only
 * in batches:
 *
 *   alloc, list empty:  rmqueue_bulk()        batch pages buddy -> list
 *   alloc:              take the first page   (the hottest)
 *   free:               put it first          count++
 *   free, count = high: free_pcppages_bulk()  batch pages from the cold end
 *                                             list -> buddy, merging there
 */

/* Take up to @count order-0 pages off @zone's buddy lists onto the end of
 * @pcp's list, in the order the buddy gives them (rising pfns after a
 * split). As Linux's rmqueue_bulk(). Return: how many it took. */
static int rmqueue_bulk(struct zone *zone, struct per_cpu_pages *pcp, int count)
{
	/* LAB 5 BEGIN rmqueue_bulk: move up to @count order-0 pages from the
	 * buddy (__rmqueue_smallest()) to the tail of pcp->list, each marked
	 * PG_pcp, and count them in pcp->count (docs/labs/lab5.md).
	 * STUB:
	 *	(void)zone;
	 *	(void)pcp;
	 *	(void)count;
	 *	lab_missing(5, "rmqueue_bulk");
	 *	return 0;
	 */
	int i;

	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue_smallest(zone, 0);

		if (!page)
			break;
		__SetPagePcp(page);
		list_add_tail(&page->lru, &pcp->list);
	}
	pcp->count += i;
	return i;
	/* LAB 5 END */
}

/* Give @count pages (at most all) from the cold end of @pcp's list back to
 * @zone's buddy lists, each merging as far as it can. As Linux's
 * free_pcppages_bulk(). */
static void free_pcppages_bulk(struct zone *zone, struct per_cpu_pages *pcp,
			       int count)
{
	/* LAB 5 BEGIN free_pcppages_bulk: take @count pages (at most all)
	 * from the cold end (the tail) of pcp->list, clear PG_pcp and give
	 * each to __free_one_page().
	 * STUB:
	 *	(void)zone;
	 *	(void)pcp;
	 *	(void)count;
	 *	lab_missing(5, "free_pcppages_bulk");
	 */
	if (count > pcp->count)
		count = pcp->count;
	pcp->count -= count;
	while (count--) {
		struct page *page =
			list_entry(pcp->list.prev, struct page, lru);

		__list_del_entry(&page->lru);
		__ClearPagePcp(page);
		__free_one_page(page, page_to_pfn(page), zone, 0);
	}
	/* LAB 5 END */
}

/* The first page of the running CPU's list of @zone, refilled from the
 * buddy when empty. As Linux's rmqueue_pcplist(). Return: the page, no
 * longer PG_pcp, or NULL when the zone has no free page at all. */
static inline struct page *rmqueue_pcplist(struct zone *zone)
{
	/* LAB 5 BEGIN rmqueue_pcplist: refill this CPU's list with
	 * rmqueue_bulk(zone, pcp, pcp->batch) when it is empty, then take its
	 * first page off it. The stub goes to the buddy for every page.
	 * STUB:
	 *	(void)rmqueue_bulk;
	 *	lab_missing(5, "rmqueue_pcplist");
	 *	return __rmqueue_smallest(zone, 0);
	 */
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	struct page *page;

	if (unlikely(list_empty(&pcp->list)) &&
	    !rmqueue_bulk(zone, pcp, pcp->batch))
		return NULL;
	page = list_first_entry(&pcp->list, struct page, lru);
	__list_del_entry(&page->lru);
	pcp->count--;
	__ClearPagePcp(page);
	return page;
	/* LAB 5 END */
}

/* Put the free order-0 @page of @zone first on the running CPU's list;
 * at high, send batch pages to the buddy. As Linux's free_unref_page(). */
static inline void free_unref_page(struct page *page, struct zone *zone)
{
	/* LAB 5 BEGIN free_unref_page: mark @page PG_pcp, put it first on
	 * this CPU's list, and once the list holds pcp->high pages send
	 * pcp->batch of them back with free_pcppages_bulk(). The stub gives
	 * every page straight to the buddy.
	 * STUB:
	 *	lab_missing(5, "free_unref_page");
	 *	__free_one_page(page, page_to_pfn(page), zone, 0);
	 */
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);

	__SetPagePcp(page);
	list_add(&page->lru, &pcp->list);
	if (unlikely(++pcp->count >= pcp->high))
		free_pcppages_bulk(zone, pcp, pcp->batch);
	/* LAB 5 END */
}

/* One block of 2^@order pages off @zone: order 0 through the per-CPU
 * list, larger blocks from the buddy lists. As Linux's rmqueue(). */
static inline struct page *rmqueue(struct zone *zone, unsigned int order)
{
	if (!order)
		return rmqueue_pcplist(zone);
	return __rmqueue_smallest(zone, order);
}

void drain_all_pages(struct zone *zone)
{
	struct zone *z;

	for_each_zone (z) {
		if (zone && z != zone)
			continue;
		for (int cpu = 0; cpu < NR_CPUS; cpu++) {
			struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];

			free_pcppages_bulk(z, pcp, pcp->count);
		}
	}
}

/* Pages on every per-CPU list of every zone. */
unsigned long nr_pcp_pages(void)
{
	const struct zone *z;
	unsigned long n = 0;

	for_each_zone (z)
		for (int cpu = 0; cpu < NR_CPUS; cpu++)
			n += (unsigned long)z->per_cpu_pageset[cpu].count;
	return n;
}

/*
 * Linux's zone_batchsize(): a quarter of the smaller of 0.1 % of the zone
 * and 1 MiB of pages, rounded to 2^n - 1 (a power of two was found to
 * alias badly in CPU caches), at least 1. Any zone of 1 GiB or more:
 * min(262144 >> 10, 256) / 4 = 64, rounddown_pow_of_two(64 + 32) - 1 = 63.
 */
static int zone_batchsize(const struct zone *zone)
{
	unsigned long batch = zone->managed_pages >> 10;

	if (batch > (1UL << 20) / PAGE_SIZE)
		batch = (1UL << 20) / PAGE_SIZE;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	batch = (1UL << (63 - __builtin_clzl(batch))) - 1;
	return batch < 1 ? 1 : (int)batch;
}

/*
 * Linux's zone_highsize() with percpu_pagelist_high_fraction at its default
 * 0: the zone's low watermark shared among the CPUs, so that full lists
 * never push the zone below it, but at least 4 batches. 1 GiB with Linux's
 * watermarks: low 1280 pages, high 1280; with zeroed watermarks 4 * 63 = 252.
 * (Linux 6.7 lets high float between this and a larger bound; ours is
 * fixed at the lower one.)
 */
static int zone_highsize(const struct zone *zone, int batch)
{
	unsigned long high = low_wmark_pages(zone) / NR_CPUS;

	if (high < 4UL * (unsigned long)batch)
		high = 4UL * (unsigned long)batch;
	return high > (1UL << 30) ? 1 << 30 : (int)high;
}

/*
 * setup_per_zone_pcp() - choose each zone's per-CPU high and batch, as
 * Linux's zone_pcp_update() after its watermarks change. A list above its
 * new high is drained down at its next free. An empty zone keeps the boot
 * pageset (high 0: its frees bypass the list).
 */
static void setup_per_zone_pcp(void)
{
	struct zone *zone;

	for_each_zone (zone) {
		int batch = zone_batchsize(zone);
		int high =
			populated_zone(zone) ? zone_highsize(zone, batch) : 0;

		for (int cpu = 0; cpu < NR_CPUS; cpu++) {
			zone->per_cpu_pageset[cpu].batch = batch;
			zone->per_cpu_pageset[cpu].high = high;
		}
	}
}

unsigned int mm_break_mask;
unsigned long mm_break_limit = 1;
unsigned long mm_break_fired[2];

void mm_break_report(unsigned int bit, const char *point, const char *fmt, ...)
{
	unsigned long *fired = &mm_break_fired[bit == MM_BREAK_MERGE ? 1 : 0];
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("bochs-break: %s: %s\n", point, buf);
	if (++*fired >= mm_break_limit)
		mm_break_mask &= ~bit;
}

unsigned int mm_debug;
bool page_poisoning_enabled;
unsigned long mm_bad_page_reports;
unsigned long kernel_image_start_pfn, kernel_image_end_pfn;

/*
 * A bad-page report is one block on the console, as Linux's bad_page() and
 * WARN() print it; the operation is then refused and nothing changes:
 *
 *   ------------[ cut here ]------------
 *   BUG: Bad page state: double free: the block at pfn 0x1234 is already free
 *   caller: my_driver_exit+0x1f/0x60
 *   page:ffff888... pfn:0x1234 phys:0x1234000 refcount:0 order:2 zone:Normal
 *   flags: 0x2(buddy)
 *   ---[ end Bad page report ]---
 *
 * The caller is the code that called the API (alloc_pages(), free_pages()...),
 * found with __builtin_return_address(0) at the entry point.
 */
static void report_begin(void)
{
	printk("------------[ cut here ]------------\n");
}

static void report_end(const struct page *page, unsigned long caller)
{
	printk("caller: %pS\n", (void *)caller);
	if (page)
		dump_page(page);
	printk("---[ end Bad page report ]---\n");
	mm_bad_page_reports++;
	if (mm_debug & MM_DEBUG_PANIC)
		panic("mm_debug=panic: stopping at the first bad page report");
}

/* One whole report: "BUG: Bad page @kind: <@fmt...>". Out of line and cold,
 * so that the checks on the fast paths stay a compare and a branch. */
static void __attribute__((cold, noinline, format(printf, 4, 5)))
bad_report(const struct page *page, unsigned long caller, const char *kind,
	   const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_begin();
	printk("BUG: Bad page %s: %s\n", kind, msg);
	report_end(page, caller);
}

#define bad_page(page, caller, ...) \
	bad_report((page), (caller), "state", __VA_ARGS__)
#define bad_call(page, caller, ...) \
	bad_report((page), (caller), "call", __VA_ARGS__)

/* mm_debug=verify: the whole allocator is checked after each operation. */
static void __attribute__((cold, noinline))
debug_verify_now(const char *op, unsigned long caller)
{
	unsigned long problems = buddy_verify();

	if (problems)
		panic("mm_debug=verify: buddy_verify found %lu problems after %s from %pS",
		      problems, op, (void *)caller);
}

static __always_inline void debug_verify(const char *op, unsigned long caller)
{
	if (unlikely(mm_debug & MM_DEBUG_VERIFY))
		debug_verify_now(op, caller);
}

/* Zones, watermarks and the zonelist ------------------------------------------ */

int user_min_free_kbytes = USER_MIN_FREE_KBYTES_DEFAULT;
int min_free_kbytes = MIN_FREE_KBYTES_DEFAULT;
int watermark_scale_factor = WATERMARK_SCALE_FACTOR_DEFAULT;
int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES] = LOWMEM_RESERVE_RATIO_DEFAULT;
unsigned long totalreserve_pages;

/* floor(sqrt(x)), as Linux's int_sqrt(). */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	for (unsigned long bit = 1UL << 62; bit; bit >>= 2) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

/*
 * Linux's calculate_min_free_kbytes(): min_free_kbytes = sqrt(16 * lowmem
 * in KiB), between 128 KiB and 256 MiB. Lowmem is every zone's managed
 * pages above its high watermark (nr_free_buffer_pages()): all of it at
 * boot. 128 MiB gives 1448 KiB, 1 GiB 4096 KiB, 16 GiB 16384 KiB.
 */
static void calculate_min_free_kbytes(void)
{
	unsigned long lowmem_pages = 0, kbytes;
	struct zone *zone;

	if (user_min_free_kbytes >= 0) {
		min_free_kbytes = user_min_free_kbytes;
		return;
	}
	for_each_zone (zone)
		if (zone->managed_pages > high_wmark_pages(zone))
			lowmem_pages +=
				zone->managed_pages - high_wmark_pages(zone);
	kbytes = int_sqrt((lowmem_pages << (PAGE_SHIFT - 10)) * 16);
	if (kbytes < 128)
		kbytes = 128;
	if (kbytes > 262144)
		kbytes = 262144;
	min_free_kbytes = (int)kbytes;
}

/*
 * Linux's __setup_per_zone_wmarks(): min_free_kbytes, in pages, is shared
 * out as the zones' min watermarks in proportion to their managed pages;
 * low and high lie a step above, the step being the larger of min/4 and
 * watermark_scale_factor/10000 of the zone:
 *   min  = pages_min * managed / all managed
 *   step = max(min / 4, managed * watermark_scale_factor / 10000)
 *   low = min + step, high = low + step, promo = high + step
 */
static void setup_per_zone_wmarks(void)
{
	unsigned long pages_min =
		(unsigned long)min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;

	for_each_zone (zone)
		lowmem_pages += zone->managed_pages;
	for_each_zone (zone) {
		unsigned long min = 0, step;

		/* pages_min <= 2^16 and managed < 2^47: no overflow */
		if (lowmem_pages)
			min = pages_min * zone->managed_pages / lowmem_pages;
		step = zone->managed_pages *
		       (unsigned long)watermark_scale_factor / 10000;
		if (min / 4 > step)
			step = min / 4;
		zone->_watermark[WMARK_MIN] = min;
		zone->_watermark[WMARK_LOW] = min + step;
		zone->_watermark[WMARK_HIGH] = min + 2 * step;
		zone->_watermark[WMARK_PROMO] = min + 3 * step;
	}
}

/*
 * Linux's setup_per_zone_lowmem_reserve(): a zone keeps back, from an
 * allocation that may use zones up to j, the managed pages of the zones
 * above it up to j, divided by its sysctl_lowmem_reserve_ratio. So GFP_KERNEL
 * leaves ZONE_DMA for GFP_DMA callers when the zones above are large.
 */
static void setup_per_zone_lowmem_reserve(void)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &contig_page_data.node_zones[i];
		int ratio = sysctl_lowmem_reserve_ratio[i];
		bool clear = ratio <= 0 || !zone->managed_pages;
		unsigned long above = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++) {
			if (j > i)
				above += contig_page_data.node_zones[j]
						 .managed_pages;
			zone->lowmem_reserve[j] =
				j <= i || clear ? 0
						: above / (unsigned long)ratio;
		}
	}
}

/* Linux's calculate_totalreserve_pages(). */
static void calculate_totalreserve_pages(void)
{
	struct zone *zone;

	totalreserve_pages = 0;
	for_each_zone (zone) {
		unsigned long max = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++)
			if (zone->lowmem_reserve[j] > max)
				max = zone->lowmem_reserve[j];
		max += high_wmark_pages(zone);
		if (max > zone->managed_pages)
			max = zone->managed_pages;
		totalreserve_pages += max;
	}
}

void init_per_zone_wmark_min(void)
{
	calculate_min_free_kbytes();
	setup_per_zone_wmarks();
	setup_per_zone_pcp();
	setup_per_zone_lowmem_reserve();
	calculate_totalreserve_pages();
}

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
static unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN;

	if (gfp & __GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		alloc_flags |= ALLOC_NON_BLOCK;
	return alloc_flags;
}

/*
 * Linux's get_page_from_freelist(): walk the zonelist, @highest first and
 * down to ZONE_DMA, and take the block from the first populated zone that
 * passes its watermark.
 */
static __always_inline struct page *
get_page_from_freelist(unsigned int order, enum zone_type highest,
		       unsigned int alloc_flags)
{
	/* LAB 4 BEGIN get_page_from_freelist: the zone fallback. Try the
	 * zones from @highest down to ZONE_DMA: skip one that is empty
	 * (populated_zone()) or, unless ALLOC_NO_WATERMARKS, below the
	 * watermark that @alloc_flags names (zone_watermark_ok() with
	 * need_block false); return the first block rmqueue() gives
	 * (docs/labs/lab4.md).
	 * STUB:
	 *	(void)order;
	 *	(void)highest;
	 *	(void)alloc_flags;
	 *	lab_missing(4, "get_page_from_freelist");
	 *	return NULL;
	 */
	for (int i = (int)highest; i >= 0; i--) {
		struct zone *zone = &contig_page_data.node_zones[i];
		struct page *page;

		if (!populated_zone(zone))
			continue;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
		    !zone_watermark_ok(
			    zone, order,
			    zone->_watermark[alloc_flags & ALLOC_WMARK_MASK],
			    highest, alloc_flags, false))
			continue;
		page = rmqueue(zone, order);
		if (page)
			return page;
	}
	return NULL;
	/* LAB 4 END */
}

/*
 * Linux's __alloc_pages() without reclaim: the fast path at the low
 * watermark; then the slow path at min (lowered for GFP_ATOMIC), again
 * after the per-CPU lists are drained back into the buddy (Linux drains
 * them when direct reclaim fails; reclaim is all we lack, so every caller
 * gets the drain); then, for __GFP_MEMALLOC, with no watermark at all.
 */
static struct page *__attribute__((noinline))
__alloc_pages_slowpath(gfp_t gfp, unsigned int order, enum zone_type highest)
{
	struct page *page;

	page = get_page_from_freelist(order, highest, gfp_to_alloc_flags(gfp));
	if (!page && nr_pcp_pages()) {
		drain_all_pages(NULL);
		page = get_page_from_freelist(order, highest,
					      gfp_to_alloc_flags(gfp));
	}
	if (!page && (gfp & __GFP_MEMALLOC))
		page = get_page_from_freelist(order, highest,
					      ALLOC_NO_WATERMARKS);
	return page;
}

static __always_inline struct page *__alloc_pages_zonelist(gfp_t gfp,
							   unsigned int order)
{
	enum zone_type highest = gfp_zone(gfp);
	struct page *page;

	page = get_page_from_freelist(order, highest, ALLOC_WMARK_LOW);
	if (likely(page))
		return page;
	return __alloc_pages_slowpath(gfp, order, highest);
}

/* The largest order with a free block in @z, or -1. */
static int largest_free_order(const struct zone *z)
{
	for (int o = MAX_PAGE_ORDER; o >= 0; o--)
		if (z->free_area[o].nr_free)
			return o;
	return -1;
}

/*
 * warn_alloc() - an allocation failed: say so unless __GFP_NOWARN, naming
 * each zone the zonelist tried and why it could not give the block, then
 * the free lists. As Linux's warn_alloc() with show_mem().
 */
static void __attribute__((cold, noinline))
warn_alloc(gfp_t gfp, unsigned int order, unsigned long caller)
{
	enum zone_type highest = gfp_zone(gfp);
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp);

	if (gfp & __GFP_NOWARN)
		return;
	pr_warn("page allocation failure: order:%u, mode:%#x, zone %s%s\n",
		order, gfp, contig_page_data.node_zones[highest].name,
		highest == ZONE_DMA ? "" : " and below");
	printk("caller: %pS\n", (void *)caller);
	for (int i = (int)highest; i >= 0; i--) {
		const struct zone *z = &contig_page_data.node_zones[i];
		const char *why;

		if (!populated_zone(z))
			why = "empty";
		else if (largest_free_order(z) < (int)order)
			why = "no free block of this order or above";
		else if (!(gfp & __GFP_MEMALLOC) &&
			 !zone_watermark_ok(z, order, min_wmark_pages(z),
					    highest, alloc_flags, true))
			why = "below its min watermark";
		else
			why = "no block"; /* cannot happen: the walk would
					     have taken it */
		if (largest_free_order(z) < 0)
			pr_warn("  zone %s: order %u: %s (free %lu pages, min %lu, protection %lu, no free block)\n",
				z->name, order, why, z->free_pages,
				min_wmark_pages(z), z->lowmem_reserve[highest]);
		else
			pr_warn("  zone %s: order %u: %s (free %lu pages, min %lu, protection %lu, largest free block order %d)\n",
				z->name, order, why, z->free_pages,
				min_wmark_pages(z), z->lowmem_reserve[highest],
				largest_free_order(z));
	}
	show_buddyinfo();
	pr_warn("free pages: %lu of %lu\n", nr_free_pages(), totalram_pages());
}

/*
 * Is @gfp a valid request? Unknown bits, and __GFP_DMA with __GFP_DMA32
 * (no zone is both; Linux's GFP_ZONE_BAD), are a caller's bug: reported
 * even under __GFP_NOWARN.
 */
static bool __attribute__((cold, noinline))
gfp_bad(gfp_t gfp, const char *fn, unsigned long caller)
{
	if (gfp & ~__GFP_KNOWN) {
		bad_call(NULL, caller,
			 "%s: gfp %#x has bits this kernel does not know: %#x",
			 fn, gfp, gfp & ~__GFP_KNOWN);
		return false;
	}
	if ((gfp & __GFP_DMA) && (gfp & __GFP_DMA32)) {
		bad_call(NULL, caller,
			 "%s: gfp %#x asks for both __GFP_DMA and __GFP_DMA32",
			 fn, gfp);
		return false;
	}
	return true;
}

static __always_inline bool gfp_ok(gfp_t gfp, const char *fn,
				   unsigned long caller)
{
	if (likely(!(gfp & ~__GFP_KNOWN) && (gfp & (__GFP_DMA | __GFP_DMA32)) !=
						    (__GFP_DMA | __GFP_DMA32)))
		return true;
	return gfp_bad(gfp, fn, caller);
}

/* Is every page of the block at @page clean: no flags, no references? */
static bool block_pages_clean(const struct page *page, unsigned int order,
			      unsigned long first)
{
	for (unsigned long i = first; i < (1UL << order); i++)
		if (page[i].flags || page[i]._refcount)
			return false;
	return true;
}

/*
 * Page poisoning (page_poison=1), as Linux's mm/page_poison.c: a freed block
 * is filled with PAGE_POISON; when a block is allocated, every byte must
 * still be PAGE_POISON, or someone wrote to it after freeing it.
 */
static void __attribute__((noinline))
poison_block(struct page *page, unsigned int order)
{
	memset(page_address(page), PAGE_POISON, PAGE_SIZE << order);
}

/* The first byte of the page at @va that is not PAGE_POISON, or PAGE_SIZE;
 * *@nr_bad gets how many differ. Words first: the common case is clean. */
static unsigned long first_unpoisoned(const void *va, unsigned long *nr_bad)
{
	const uint64_t poison = 0x0101010101010101ULL * PAGE_POISON;
	const uint64_t *w = va;
	const unsigned char *b = va;
	unsigned long first = PAGE_SIZE;

	*nr_bad = 0;
	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++) {
		if (w[i] == poison)
			continue;
		for (unsigned long off = i * 8; off < i * 8 + 8; off++)
			if (b[off] != PAGE_POISON && !(*nr_bad)++)
				first = off;
	}
	return first;
}

static void __attribute__((noinline))
check_poison(struct page *page, unsigned int order, unsigned long caller)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		const unsigned char *p = page_address(page + i);
		unsigned long bad, first = first_unpoisoned(p, &bad);

		if (!bad)
			continue;
		report_begin();
		printk("BUG: Bad page state: use after free: poison overwritten in pfn %#lx at offset %#lx (%lu bytes differ): found %#04x, expected %#04x\n",
		       page_to_pfn(page + i), first, bad, p[first],
		       PAGE_POISON);
		printk("the page was written after it was freed; the caller below is the one allocating it now, not the writer\n");
		report_end(page + i, caller);
		return; /* one report per block */
	}
}

/*
 * The order-0 fast paths, for the common case only: a valid gfp, no
 * mm_debug=verify and no page_poison; on allocation the first populated
 * zone of the zonelist above its low watermark with a page on its per-CPU
 * list; on free the head of an unshared order-0 block. They do exactly what
 * the general paths below would do then, in a few dozen instructions; any
 * other case returns false / NULL and the general path decides.
 */
static __always_inline bool mm_checks_on(void)
{
	return (mm_debug & MM_DEBUG_VERIFY) || page_poisoning_enabled;
}

static __always_inline struct page *alloc_page_fast(gfp_t gfp)
{
	/* LAB 5 BEGIN alloc_page_fast: the common order-0 case in a few
	 * dozen instructions, doing exactly what the general path would:
	 * plain gfp only, no debug checks, the first populated zone of the
	 * zonelist above its low watermark, a page already on this CPU's
	 * list (else return NULL and let the general path decide).
	 * STUB:
	 *	(void)gfp;
	 *	return NULL;
	 */
	enum zone_type highest;
	struct per_cpu_pages *pcp;
	struct zone *zone;
	struct page *page;

	if (unlikely((gfp & ~__GFP_KNOWN) ||
		     (gfp & (__GFP_DMA | __GFP_DMA32)) ==
			     (__GFP_DMA | __GFP_DMA32) ||
		     mm_checks_on()))
		return NULL;
	highest = gfp_zone(gfp);
	zone = &contig_page_data.node_zones[highest];
	while (!populated_zone(zone))
		if (zone-- == contig_page_data.node_zones)
			return NULL;
	pcp = this_cpu_pcp(zone);
	if (unlikely(zone->free_pages + zone_pcp_pages(zone) <=
		     low_wmark_pages(zone) + zone->lowmem_reserve[highest]))
		return NULL;
	if (unlikely(list_empty(&pcp->list)))
		return NULL;
	page = list_first_entry(&pcp->list, struct page, lru);
	if (unlikely(page->flags != (1u << PG_pcp) || page->_refcount))
		return NULL; /* corrupt: the general path reports it */
	__list_del_entry(&page->lru);
	pcp->count--;
	page->flags = 1u << PG_head;
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		clear_page(page_address(page));
	return page;
	/* LAB 5 END */
}

static __always_inline bool free_page_fast(struct page *page)
{
	/* LAB 5 BEGIN free_page_fast: free_unref_page() for an order-0 page
	 * that is plainly allocated once (flags PG_head only, no order, one
	 * reference) when no debug check is on; else return false and let
	 * the general path check and report it.
	 * STUB:
	 *	(void)page;
	 *	return false;
	 */
	struct per_cpu_pages *pcp;

	if (unlikely(page->flags != (1u << PG_head) || page_private(page) ||
		     page->_refcount != 1 || mm_checks_on()))
		return false;
	page->flags = 1u << PG_pcp;
	page->_refcount = 0;
	pcp = this_cpu_pcp(page_zone(page));
	list_add(&page->lru, &pcp->list);
	if (unlikely(++pcp->count >= pcp->high))
		free_pcppages_bulk(page_zone(page), pcp, pcp->batch);
	return true;
	/* LAB 5 END */
}

static struct page *__attribute__((noinline))
alloc_pages_caller(gfp_t gfp, unsigned int order, unsigned long caller)
{
	struct page *page;

	if (unlikely(!gfp_ok(gfp, "alloc_pages", caller)))
		return NULL;
	if (unlikely(order > MAX_PAGE_ORDER)) {
		/* Linux: WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp). */
		if (!(gfp & __GFP_NOWARN))
			bad_call(NULL, caller,
				 "alloc_pages: order %u above MAX_ORDER (%d)",
				 order, MAX_PAGE_ORDER);
		return NULL;
	}
	page = __alloc_pages_zonelist(gfp, order);
	if (unlikely(!page)) {
		warn_alloc(gfp, order, caller);
		return NULL;
	}
	/* A free block's pages are clean; anything else means the lists are
	 * corrupt, which is our bug, not the caller's. The tails are checked
	 * under mm_debug=verify (Linux: only with check_pages enabled), as no
	 * call of the API can leave one dirty. */
	if (unlikely(page->flags || page->_refcount ||
		     ((mm_debug & MM_DEBUG_VERIFY) &&
		      !block_pages_clean(page, order, 1)))) {
		bad_page(page, caller,
			 "free block at pfn %#lx has a page in use",
			 page_to_pfn(page));
		BUG();
	}
	if (unlikely(page_poisoning_enabled))
		check_poison(page, order, caller);
	__SetPageHead(page);
	set_page_private(page, order);
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		for (unsigned long i = 0; i < (1UL << order); i++)
			clear_page(page_address(page + i));
	debug_verify("alloc_pages", caller);
	return page;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = order ? NULL : alloc_page_fast(gfp);

	return likely(page) ? page : alloc_pages_caller(gfp, order, _RET_IP_);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	/* LAB 4 BEGIN __get_free_pages: as alloc_pages() (the fast path for
	 * order 0, else alloc_pages_caller() with _RET_IP_), but return the
	 * block's direct-map address, or 0 (docs/labs/lab4.md).
	 * STUB:
	 *	(void)gfp;
	 *	(void)order;
	 *	lab_missing(4, "__get_free_pages");
	 *	return 0;
	 */
	struct page *page = order ? NULL : alloc_page_fast(gfp);

	if (unlikely(!page))
		page = alloc_pages_caller(gfp, order, _RET_IP_);
	return page ? (unsigned long)page_address(page) : 0;
	/* LAB 4 END */
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	/* LAB 4 BEGIN get_zeroed_page: one page, filled with zeros, by its
	 * direct-map address, or 0.
	 * STUB:
	 *	(void)gfp;
	 *	lab_missing(4, "get_zeroed_page");
	 *	return 0;
	 */
	struct page *page = alloc_page_fast(gfp | __GFP_ZERO);

	if (unlikely(!page))
		page = alloc_pages_caller(gfp | __GFP_ZERO, 0, _RET_IP_);

	return page ? (unsigned long)page_address(page) : 0;
	/* LAB 4 END */
}

/* free_page_check()'s slow path: the page is not simply the head of an
 * allocated block of this order. */
static bool __attribute__((cold, noinline))
free_page_check_slow(struct page *page, unsigned int order,
		     unsigned long caller)
{
	unsigned long pfn = page_to_pfn(page);
	const struct page *head;

	if (order > MAX_PAGE_ORDER) {
		bad_call(
			page, caller,
			"__free_pages: order %u above MAX_ORDER (%d), pfn %#lx",
			order, MAX_PAGE_ORDER, pfn);
		return false;
	}
	if (PageReserved(page)) {
		if (pfn >= kernel_image_start_pfn && pfn < kernel_image_end_pfn)
			bad_page(page, caller,
				 "freeing pfn %#lx, a page of the kernel image",
				 pfn);
		else
			bad_page(
				page, caller,
				"freeing reserved pfn %#lx (a hole, firmware, boot data or mem_map: never allocated)",
				pfn);
		return false;
	}
	if (PageBuddy(page)) {
		bad_page(
			page, caller,
			"double free: the block at pfn %#lx (order %lu) is already free",
			pfn, page_private(page));
		return false;
	}
	if (PagePcp(page)) {
		bad_page(
			page, caller,
			"double free: pfn %#lx is already free, on the per-CPU list of zone %s",
			pfn, page_zone(page)->name);
		return false;
	}
	if (PageHead(page)) {
		if (page_private(page) != order) {
			bad_page(
				page, caller,
				"wrong order: pfn %#lx freed at order %u but allocated at order %lu",
				pfn, order, page_private(page));
			return false;
		}
		if (page->_refcount <= 0 ||
		    !block_pages_clean(page, order, 1)) {
			bad_page(
				page, caller,
				"the block at pfn %#lx is corrupt (refcount %d, or a page inside it in use)",
				pfn, page->_refcount);
			return false;
		}
		return true;
	}
	/* Not a block's first page: say where it lies. */
	head = page_block_head(page);
	if (pfn & ((1UL << order) - 1))
		bad_page(
			page, caller,
			"pfn %#lx is not aligned to order %u (a block of that order starts at a multiple of %lu pages)",
			pfn, order, 1UL << order);
	else if (head && PageBuddy(head))
		bad_page(
			page, caller,
			"double free: pfn %#lx lies inside the free block at pfn %#lx (order %lu)",
			pfn, page_to_pfn(head), page_private(head));
	else if (head)
		bad_page(
			page, caller,
			"pfn %#lx is in the middle of the block allocated at pfn %#lx (order %lu)",
			pfn, page_to_pfn(head), page_private(head));
	else
		bad_page(page, caller,
			 "pfn %#lx is not the first page of any block", pfn);
	return false;
}

/*
 * free_page_check() - may the block at @page (in mem_map) of 2^@order pages
 * be freed now? Reports the first reason it may not, decoding the page.
 * Linux trusts the caller's order; we check it against the order recorded
 * on the block's head page when it was allocated. The tails are checked
 * under mm_debug=verify only: no call of the API leaves one in use.
 * Return: true when it may.
 */
static __always_inline bool
free_page_check(struct page *page, unsigned int order, unsigned long caller)
{
	if (likely(page->flags == (1u << PG_head) &&
		   page_private(page) == order && page->_refcount > 0) &&
	    likely(!(mm_debug & MM_DEBUG_VERIFY)))
		return true;
	return free_page_check_slow(page, order, caller);
}

static bool __attribute__((cold, noinline))
page_not_in_mem_map(const struct page *page, const char *fn,
		    unsigned long caller)
{
	bad_call(
		NULL, caller,
		"%s: %p is not a struct page in mem_map (mem_map %p, %lu pages)",
		fn, (const void *)page, (void *)mem_map, max_pfn);
	return false;
}

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

/* The last reference to the allocated block at @page is gone: free it. */
static __always_inline void free_block(struct page *page, unsigned int order,
				       const char *op, unsigned long caller)
{
	struct zone *zone = page_zone(page);

	__ClearPageHead(page);
	set_page_private(page, 0);
	if (page_poisoning_enabled)
		poison_block(page, order);
	if (!order)
		free_unref_page(page, zone);
	else
		__free_one_page(page, page_to_pfn(page), zone, order);
	debug_verify(op, caller);
}

static void __attribute__((noinline))
free_pages_caller(struct page *page, unsigned int order, unsigned long caller)
{
	if (unlikely(!page)) {
		bad_call(NULL, caller, "__free_pages: NULL page, order %u",
			 order);
		return;
	}
	if (!page_in_mem_map(page, "__free_pages", caller))
		return;
	if (!free_page_check(page, order, caller))
		return;
	if (unlikely(--page->_refcount))
		return; /* still shared: only a reference was dropped */
	free_block(page, order, "__free_pages", caller);
}

void __free_pages(struct page *page, unsigned int order)
{
	if (likely(!order && page_in_mem_map_quiet(page)) &&
	    likely(free_page_fast(page)))
		return;
	free_pages_caller(page, order, _RET_IP_);
}

void free_pages(unsigned long addr, unsigned int order)
{
	/* LAB 4 BEGIN free_pages: free the block of @order whose direct-map
	 * address is @addr, as __free_pages() on its struct page. Ignore 0
	 * (as Linux); report an address that is not a direct-map address of
	 * RAM or not page-aligned with bad_call() and free nothing
	 * (docs/labs/lab4.md).
	 * STUB:
	 *	(void)addr;
	 *	(void)order;
	 *	lab_missing(4, "free_pages");
	 */
	unsigned long caller = _RET_IP_;

	if (unlikely(!addr))
		return;
	if (unlikely(!virt_addr_valid((void *)addr))) {
		bad_call(
			NULL, caller,
			"free_pages: address %#lx is not a direct-map address of RAM",
			addr);
		return;
	}
	if (unlikely(addr & (PAGE_SIZE - 1))) {
		bad_call(virt_to_page((void *)addr), caller,
			 "free_pages: address %#lx is not page-aligned", addr);
		return;
	}
	if (likely(!order) &&
	    likely(free_page_fast(virt_to_page((void *)addr))))
		return;
	free_pages_caller(virt_to_page((void *)addr), order, caller);
	/* LAB 4 END */
}

/* Reference counts ---------------------------------------------------------- */

/*
 * The allocated block that @page belongs to, for the reference-count calls:
 * its head page, or NULL (reported) when @page is not in an allocated block.
 */
static struct page *ref_block(struct page *page, const char *fn,
			      unsigned long caller)
{
	struct page *head;

	if (!page) {
		bad_call(NULL, caller, "%s: NULL page", fn);
		return NULL;
	}
	if (!page_in_mem_map(page, fn, caller))
		return NULL;
	head = page_block_head(page);
	if (!head || !PageHead(head) || head->_refcount <= 0) {
		bad_page(
			page, caller,
			"%s: pfn %#lx is not in an allocated block (free or reserved): no reference to take or drop",
			fn, page_to_pfn(page));
		return NULL;
	}
	return head;
}

void get_page(struct page *page)
{
	struct page *head = ref_block(page, "get_page", _RET_IP_);

	if (head)
		head->_refcount++;
}

void put_page(struct page *page)
{
	unsigned long caller = _RET_IP_;
	struct page *head = ref_block(page, "put_page", caller);

	if (head && !--head->_refcount)
		free_block(head, (unsigned int)page_private(head), "put_page",
			   caller);
}

void release_pages(struct page **pages, unsigned long nr)
{
	unsigned long caller = _RET_IP_;

	for (unsigned long i = 0; i < nr; i++) {
		struct page *head;

		if (!pages[i])
			continue;
		head = ref_block(pages[i], "release_pages", caller);
		if (head && !--head->_refcount)
			free_block(head, (unsigned int)page_private(head),
				   "release_pages", caller);
	}
}

/* Splitting and exact sizes -------------------------------------------------- */

/*
 * Turn the allocated order-@order block at @page into 2^@order allocated
 * order-0 pages, each with one reference. Returns false (reported) unless
 * @page heads an unshared block of exactly that order.
 */
static bool split_page_caller(struct page *page, unsigned int order,
			      unsigned long caller)
{
	if (!page) {
		bad_call(NULL, caller, "split_page: NULL page");
		return false;
	}
	if (!page_in_mem_map(page, "split_page", caller))
		return false;
	if (!PageHead(page) || page_private(page) != order ||
	    page->_refcount != 1) {
		bad_page(
			page, caller,
			"split_page: pfn %#lx is not the head of an unshared block of order %u",
			page_to_pfn(page), order);
		return false;
	}
	for (unsigned long i = 1; i < (1UL << order); i++) {
		__SetPageHead(&page[i]);
		set_page_private(&page[i], 0);
		page[i]._refcount = 1;
	}
	set_page_private(page, 0);
	debug_verify("split_page", caller);
	return true;
}

void split_page(struct page *page, unsigned int order)
{
	split_page_caller(page, order, _RET_IP_);
}

/* The smallest order whose block holds @size bytes (@size > 0). */
static unsigned int size_to_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size && order < 63 - PAGE_SHIFT)
		order++;
	return order;
}

void *alloc_pages_exact(unsigned long size, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	unsigned long used, nr;
	unsigned int order;
	struct page *page;

	if (!size) {
		bad_call(NULL, caller, "alloc_pages_exact: size 0");
		return NULL;
	}
	order = size_to_order(size);
	page = alloc_pages_caller(gfp, order, caller);
	if (!page)
		return NULL;
	split_page_caller(page, order, caller);
	used = PFN_UP(size);
	nr = 1UL << order;
	for (unsigned long i = used; i < nr; i++)
		free_pages_caller(page + i, 0, caller);
	return page_address(page);
}

void free_pages_exact(void *virt, unsigned long size)
{
	unsigned long caller = _RET_IP_;
	unsigned long addr = (unsigned long)virt;

	if (!virt)
		return;
	if (addr & (PAGE_SIZE - 1) || !virt_addr_valid(virt)) {
		bad_call(
			NULL, caller,
			"free_pages_exact: %#lx is not a page-aligned direct-map address of RAM",
			addr);
		return;
	}
	for (unsigned long i = 0; i < PFN_UP(size); i++)
		free_pages_caller(virt_to_page(virt) + i, 0, caller);
}

/* Contiguous ranges ---------------------------------------------------------- */

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
static void give_back_range(struct zone *zone, unsigned long start,
			    unsigned long end)
{
	while (start < end) {
		unsigned int order = 0;

		while (order < MAX_PAGE_ORDER &&
		       !(start & ((2UL << order) - 1)) &&
		       start + (2UL << order) <= end)
			order++;
		__free_one_page(pfn_to_page(start), start, zone, order);
		start += 1UL << order;
	}
}

/*
 * Take the free pages [start, end) off the free lists as allocated order-0
 * pages. Every free block overlapping the range is taken whole; its parts
 * outside the range go straight back.
 */
static void isolate_range(unsigned long start, unsigned long end, gfp_t gfp,
			  unsigned long caller)
{
	unsigned long pfn = start;

	while (pfn < end) {
		struct page *head = page_block_head(pfn_to_page(pfn));
		struct zone *zone = page_zone(head);
		unsigned int order = (unsigned int)page_private(head);
		unsigned long h = page_to_pfn(head), hend = h + (1UL << order);

		del_from_free_list(head, zone, order);
		zone->free_pages -= 1UL << order;
		if (h < start)
			give_back_range(zone, h, start);
		if (hend > end)
			give_back_range(zone, end, hend);
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
	isolate_range(start_pfn, end_pfn, gfp, caller);
	debug_verify("alloc_contig_range", caller);
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
 * at a multiple of @align_pages. Return: true with its first pfn in *@found,
 * or false with nothing taken.
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
		if (range_is_free(pfn, pfn + nr_pages) &&
		    !alloc_contig_range_caller(pfn, pfn + nr_pages, gfp,
					       caller)) {
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
	for (int i = (int)gfp_zone(gfp); i >= 0; i--) {
		struct zone *zone = &contig_page_data.node_zones[i];
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

/* Bulk ------------------------------------------------------------------------ */

unsigned long alloc_pages_bulk_array(gfp_t gfp, unsigned long nr_pages,
				     struct page **page_array)
{
	unsigned long caller = _RET_IP_, populated = 0;
	bool failed = false;

	for (unsigned long i = 0; i < nr_pages; i++) {
		if (!page_array[i] && !failed) {
			page_array[i] = alloc_pages_caller(gfp, 0, caller);
			failed = !page_array[i]; /* stop asking, as Linux */
		}
		populated += page_array[i] != NULL;
	}
	return populated;
}

/*
 * __free_pages_core() - hand a boot-time block of 2^@order pages, all
 * reserved until now, to the buddy allocator. As Linux's __free_pages_core().
 * Context: boot (mm_core_init()).
 */
void __free_pages_core(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		__ClearPageReserved(&page[i]);
		page[i]._refcount = 0;
	}
	if (page_poisoning_enabled)
		poison_block(page, order);
	page_zone(page)->managed_pages += 1UL << order;
	__free_one_page(page, page_to_pfn(page), page_zone(page), order);
}
