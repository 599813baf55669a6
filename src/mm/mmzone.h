/* SPDX-License-Identifier: MIT */
/*
 * mmzone.h - zones and their buddy free lists, as Linux's
 * include/linux/mmzone.h, for one node (FLATMEM: contig_page_data).
 *
 * Physical memory is cut into zones by address, as on Linux x86_64:
 *
 *   0        16 MiB                   4 GiB                       max_pfn
 *   | ZONE_DMA |        ZONE_DMA32      |        ZONE_NORMAL         |
 *     ISA DMA    32-bit DMA devices       everything else
 *
 * An allocation names the highest zone it may use (gfp_zone()) and is served
 * from that zone or, failing that, from the zones below it (the zonelist).
 *
 * Invariant: free_area[o] of a zone lists exactly nr_free blocks, each of
 * 2^o pages inside the zone, aligned to 2^o pages, first page PG_buddy with
 * private == o; the zone's free_pages is the sum of nr_free << o.
 */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include "gfp.h"

/*
 * The zone limits of x86_64, as arch/x86/include/asm/dma.h: ZONE_DMA ends at
 * 16 MiB (ISA DMA's 24 address bits), ZONE_DMA32 at 4 GiB (32-bit devices).
 */
#define MAX_DMA_PFN   ((16UL << 20) >> PAGE_SHIFT)
#define MAX_DMA32_PFN ((4UL << 30) >> PAGE_SHIFT)

/* Zone indices, lowest first, as Linux's enum zone_type on x86_64 (we have
 * no ZONE_MOVABLE or ZONE_DEVICE). */
enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, MAX_NR_ZONES };

/* The watermarks, as Linux's enum zone_watermarks. */
enum zone_watermarks {
	WMARK_MIN,  /* only __GFP_HIGH / GFP_ATOMIC / __GFP_MEMALLOC go below */
	WMARK_LOW,  /* the fast path skips a zone below this */
	WMARK_HIGH, /* where Linux's kswapd stops reclaiming */
	WMARK_PROMO, /* NUMA promotion stops here (no effect: one node) */
	NR_WMARK
};

/*
 * The CPUs: NR_CPUS (the build-time most), nr_cpu_ids (the possible ones,
 * fixed before mm_core_init()) and smp_processor_id() come from mm_env.h,
 * the kernel's smp.h or the host's stand-in. The per-CPU page lists below
 * are an array indexed by smp_processor_id(), as Linux's are.
 */

/*
 * struct per_cpu_pages - one CPU's cache of free order-0 pages of one zone,
 * in front of the zone's buddy lists, as Linux's struct per_cpu_pages (pcp).
 * An order-0 allocation takes the first page of @list; when the list is
 * empty, @batch pages come off the buddy lists first (rmqueue_bulk). An
 * order-0 free puts the page first on @list; when @count reaches @high,
 * @batch pages from the cold end go back to the buddy lists, where they
 * merge (free_pcppages_bulk). The pages stay free: MemFree counts them,
 * the zone's free_pages and the watermark checks do not (as Linux's
 * NR_FREE_PAGES). See mm_init.c for how high and batch are chosen.
 * Linux caches orders up to 3 and the THP order, one list per migratetype;
 * we cache order 0 only, on one list.
 */
/* Linux's boot pageset: a list with high 0 holds no page (each free goes
 * straight on to the buddy) and a refill takes one page at a time. */
#define BOOT_PAGESET_HIGH  0
#define BOOT_PAGESET_BATCH 1

struct per_cpu_pages {
	int count; /* pages on list, each PG_pcp and order 0 */
	int high;  /* a free that brings count to high drains batch */
	int batch; /* pages moved to or from the buddy at a time */
	struct list_head list; /* via page->lru: hottest (last freed) first */
};

struct free_area {
	struct list_head
		free_list;     /* free blocks of this order, via page->lru */
	unsigned long nr_free; /* number of blocks (not pages) on free_area */
};

struct zone {
	const char *name; /* as /proc/buddyinfo prints it: "DMA32" */
	/* Watermarks in pages (see mm_init.c setup_per_zone_wmarks()). */
	unsigned long _watermark[NR_WMARK];
	/*
	 * lowmem_reserve[z]: pages this zone keeps back from an allocation
	 * whose highest allowed zone is z (> this zone), which could have been
	 * served higher up. As Linux's lowmem_reserve; zoneinfo's "protection".
	 */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	unsigned long zone_start_pfn; /* first pfn the zone spans */
	unsigned long spanned_pages;  /* pfns spanned, holes included */
	unsigned long present_pages;  /* pages of RAM in the firmware map */
	unsigned long managed_pages;  /* pages handed to the buddy allocator */
	unsigned long free_pages; /* pages on the free lists (NR_FREE_PAGES) */
	struct free_area free_area[NR_PAGE_ORDERS];
	/* Each CPU's order-0 cache; this_cpu_pcp() gives the running CPU's. */
	struct per_cpu_pages per_cpu_pageset[NR_CPUS];
};

/* this_cpu_pcp() - the running CPU's order-0 cache of @z (Linux:
 * this_cpu_ptr(zone->per_cpu_pageset)). */
static inline struct per_cpu_pages *this_cpu_pcp(struct zone *z)
{
	return &z->per_cpu_pageset[smp_processor_id()];
}

/*
 * struct pglist_data - a node: its zones. One node here, contig_page_data,
 * as Linux without NUMA. node_zones[] is indexed by enum zone_type.
 */
struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	unsigned long node_start_pfn;	  /* first pfn of RAM */
	unsigned long node_spanned_pages; /* node_start_pfn to max_pfn */
};

extern struct pglist_data contig_page_data;
#define NODE_DATA(nid) (&contig_page_data)

/*
 * The loops over zones and per-CPU lists, named once, as Linux names them:
 *
 * for_each_zone(zone) - every zone of the node, lowest first (empty ones
 *   too). for_each_populated_zone(zone) - those with pages for the buddy
 *   (populated_zone()). Both as Linux's.
 * for_each_zone_zonelist(zone, highest) - the zonelist of an allocation
 *   whose highest zone is @highest: that zone, then each one below it
 *   down to ZONE_DMA (empty ones too), as Linux's for_each_zone_zonelist()
 *   walks a node's zonelist; @zone is NULL after the last.
 * for_each_pcp(zone, cpu, pcp) - each CPU's per-CPU list of @zone: @cpu
 *   from 0 to nr_cpu_ids - 1 (the possible CPUs), @pcp = &@zone->per_cpu_pageset[@cpu] (Linux:
 *   for_each_possible_cpu() with per_cpu_ptr(zone->per_cpu_pageset, cpu)).
 * for_each_zone_pcp(zone, cpu, pcp) - every per-CPU list of the node: each
 *   zone's (for_each_zone()), each CPU's (for_each_pcp()). A break leaves
 *   only the CPU loop.
 */
#define for_each_zone(zone)                        \
	for ((zone) = contig_page_data.node_zones; \
	     (zone) < contig_page_data.node_zones + MAX_NR_ZONES; (zone)++)

#define for_each_populated_zone(zone)      \
	for_each_zone (zone)               \
		if (!populated_zone(zone)) \
			;                  \
		else

#define for_each_zone_zonelist(zone, highest)                        \
	for ((zone) = &contig_page_data.node_zones[highest]; (zone); \
	     (zone) = (zone) == contig_page_data.node_zones ? NULL   \
							    : &(zone)[-1])

#define for_each_pcp(zone, cpu, pcp)                                     \
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids &&                       \
			((pcp) = &(zone)->per_cpu_pageset[(cpu)], true); \
	     (cpu)++)

#define for_each_zone_pcp(zone, cpu, pcp) \
	for_each_zone (zone)              \
		for_each_pcp (zone, cpu, pcp)

#define min_wmark_pages(z)  ((z)->_watermark[WMARK_MIN])
#define low_wmark_pages(z)  ((z)->_watermark[WMARK_LOW])
#define high_wmark_pages(z) ((z)->_watermark[WMARK_HIGH])

/* zone_pcp_pages() - the free order-0 pages on @z's per-CPU lists. */
static inline unsigned long zone_pcp_pages(const struct zone *z)
{
	const struct per_cpu_pages *pcp;
	unsigned long n = 0;
	int cpu;

	for_each_pcp (z, cpu, pcp)
		n += (unsigned long)pcp->count;
	return n;
}

/* zone_free_pages() - every free page of @z: on its buddy lists
 * (free_pages, Linux's NR_FREE_PAGES) and on its per-CPU lists. This is
 * what the watermarks are checked against. */
static inline unsigned long zone_free_pages(const struct zone *z)
{
	return z->free_pages + zone_pcp_pages(z);
}

/* zone_end_pfn() - one past the last pfn @z spans. */
static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

/* zone_spans_pfn() - does @pfn lie in @z's span? */
static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

/* zone_idx() - @z's enum zone_type. */
static inline enum zone_type zone_idx(const struct zone *z)
{
	return (enum zone_type)(z - contig_page_data.node_zones);
}

/* populated_zone() - has @z any pages for the buddy allocator? As Linux. */
static inline bool populated_zone(const struct zone *z)
{
	return z->managed_pages != 0;
}

/*
 * zone_limit_start() / zone_limit_end() - the pfns [start, end) that zone
 * @z may span on any machine, from the limits above: [0, MAX_DMA_PFN),
 * [MAX_DMA_PFN, MAX_DMA32_PFN), [MAX_DMA32_PFN, ~0UL). A zone's actual span
 * is this clipped to the node's RAM.
 */
static inline unsigned long zone_limit_start(enum zone_type z)
{
	return z == ZONE_DMA	 ? 0
	       : z == ZONE_DMA32 ? MAX_DMA_PFN
				 : MAX_DMA32_PFN;
}

static inline unsigned long zone_limit_end(enum zone_type z)
{
	return z == ZONE_DMA	 ? MAX_DMA_PFN
	       : z == ZONE_DMA32 ? MAX_DMA32_PFN
				 : ~0UL;
}

/*
 * pfn_zonenum() - the zone @pfn belongs to, from the zone limits above. Linux
 * keeps the zone number in page->flags; we compute it, because one node's
 * zone limits are fixed. A pfn below the node's first page is counted to
 * ZONE_DMA, as Linux's mem_map does.
 */
static inline enum zone_type pfn_zonenum(unsigned long pfn)
{
	if (pfn < zone_limit_end(ZONE_DMA))
		return ZONE_DMA;
	if (pfn < zone_limit_end(ZONE_DMA32))
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

/*
 * zone_clear() - @z empty: no span, no pages, no watermarks or protection,
 * empty free lists, and empty per-CPU lists with Linux's boot pageset
 * (high 0, batch 1: every order-0 free goes straight to the buddy) until
 * setup_per_zone_pcp() runs; its name stays. For mm_core_init() and the
 * host tests.
 */
static inline void zone_clear(struct zone *z)
{
	struct per_cpu_pages *pcp;
	int cpu;

	for_each_pcp (z, cpu, pcp) {
		pcp->count = 0;
		pcp->high = BOOT_PAGESET_HIGH;
		pcp->batch = BOOT_PAGESET_BATCH;
		INIT_LIST_HEAD(&pcp->list);
	}
	z->zone_start_pfn = z->spanned_pages = 0;
	z->present_pages = z->managed_pages = z->free_pages = 0;
	for (int w = 0; w < NR_WMARK; w++)
		z->_watermark[w] = 0;
	for (int j = 0; j < MAX_NR_ZONES; j++)
		z->lowmem_reserve[j] = 0;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		INIT_LIST_HEAD(&z->free_area[o].free_list);
		z->free_area[o].nr_free = 0;
	}
}

/*
 * gfp_zone() - the highest zone an allocation with @flags may use:
 * ZONE_DMA for __GFP_DMA, ZONE_DMA32 for __GFP_DMA32, else ZONE_NORMAL.
 * Both bits together are a caller's bug (Linux: GFP_ZONE_BAD), which the
 * allocator reports before it gets here. As Linux's gfp_zone().
 */
static inline enum zone_type gfp_zone(gfp_t flags)
{
	if (flags & __GFP_DMA)
		return ZONE_DMA;
	if (flags & __GFP_DMA32)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

/*
 * Watermark tunables, as Linux's vm sysctls (a write is followed by
 * init_per_zone_wmark_min()):
 *   user_min_free_kbytes   -1 (default): min_free_kbytes is computed from
 *                          memory size as Linux does; >= 0: used as is
 *                          (kernel command line min_free_kbytes=N);
 *   min_free_kbytes        the value in use, split over the zones as their
 *                          min watermarks;
 *   watermark_scale_factor low/high distance in 1/10000 of a zone (10);
 *   sysctl_lowmem_reserve_ratio[z]  1/ratio of the zones above z is kept
 *                          back in z (256, 256, 32); 0 keeps nothing.
 */
extern int user_min_free_kbytes;
extern int min_free_kbytes;
extern int watermark_scale_factor;
extern int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES];

/*
 * watermark_tunables_default() - the tunables above at Linux's defaults
 * (-1, 1024 until computed, 10, {256, 256, 32}).
 * watermark_tunables_zero() - all of them 0: no watermark and no
 * protection, so every free page can be allocated (host tests, benchmarks,
 * and a self-test case that shows the bare zonelist). Either takes effect
 * at the next init_per_zone_wmark_min(), which mm_core_init() calls.
 */
#define USER_MIN_FREE_KBYTES_DEFAULT   -1
#define MIN_FREE_KBYTES_DEFAULT	       1024 /* until computed */
#define WATERMARK_SCALE_FACTOR_DEFAULT 10
#define LOWMEM_RESERVE_RATIO_DEFAULT \
	{                            \
		256, 256, 32         \
	}

static inline void watermark_tunables_default(void)
{
	static const int ratio[MAX_NR_ZONES] = LOWMEM_RESERVE_RATIO_DEFAULT;

	user_min_free_kbytes = USER_MIN_FREE_KBYTES_DEFAULT;
	min_free_kbytes = MIN_FREE_KBYTES_DEFAULT;
	watermark_scale_factor = WATERMARK_SCALE_FACTOR_DEFAULT;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sysctl_lowmem_reserve_ratio[z] = ratio[z];
}

static inline void watermark_tunables_zero(void)
{
	user_min_free_kbytes = 0;
	watermark_scale_factor = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sysctl_lowmem_reserve_ratio[z] = 0;
}

/*
 * init_per_zone_wmark_min() - compute min_free_kbytes (unless the user set
 * it), every zone's min/low/high/promo watermarks and lowmem_reserve, and
 * totalreserve_pages, from the zones' managed pages. As Linux's
 * mm/page_alloc.c init_per_zone_wmark_min(). Context: at the end of
 * mm_core_init(), and again after a tunable changes.
 */
void init_per_zone_wmark_min(void);

/*
 * totalreserve_pages - pages no ordinary allocation can get: each zone's
 * high watermark plus its largest lowmem_reserve, at most the zone's managed
 * pages. MemAvailable subtracts it. As Linux's calculate_totalreserve_pages().
 */
extern unsigned long totalreserve_pages;

#endif
