// SPDX-License-Identifier: MIT
/*
 * mm_init.c - build mem_map and the zones, hand memblock's free memory to
 * the buddy allocator, and compute what follows from the zones' sizes: the
 * watermarks, lowmem_reserve and the per-CPU lists' high and batch (again
 * whenever a tunable changes). After mm_core_init() every pfn below max_pfn
 * has a struct page, and each page is either reserved or owned by the
 * buddy allocator.
 */
#define pr_fmt(fmt) "mm: " fmt

#include "internal.h"
#include "memblock.h"

struct page *mem_map;
unsigned long max_pfn;
struct mm_image_sizes mm_image_sizes;
unsigned long kernel_image_start_pfn, kernel_image_end_pfn;

static unsigned int lowest_set_bit(unsigned long x)
{
	return (unsigned int)__builtin_ctzl(x);
}

static unsigned int floor_log2(unsigned long x)
{
	return (unsigned int)(63 - __builtin_clzl(x));
}

/*
 * Free [start_pfn, end_pfn) in the largest naturally aligned blocks that fit,
 * so the free lists start out fully merged: e.g. pfns 3..20 go in as
 * 3 (order 0), 4..7 (order 2), 8..15 (order 3), 16..19 (order 2), 20 (order 0).
 * No block crosses a zone limit.
 */
static void free_pfn_range(unsigned long start_pfn, unsigned long end_pfn,
			   void *arg)
{
	(void)arg;
	while (start_pfn < end_pfn) {
		unsigned int order = MAX_PAGE_ORDER;
		unsigned long end = end_pfn,
			      limit = zone_limit_end(pfn_zonenum(start_pfn));

		if (end > limit)
			end = limit;
		if (start_pfn && lowest_set_bit(start_pfn) < order)
			order = lowest_set_bit(start_pfn);
		if (floor_log2(end - start_pfn) < order)
			order = floor_log2(end - start_pfn);
		__free_pages_core(pfn_to_page(start_pfn), order);
		start_pfn += 1UL << order;
	}
}

unsigned long free_reserved_area(void *start, void *end, int poison,
				 const char *s)
{
	unsigned long start_pfn = PFN_UP(__pa(start));
	unsigned long end_pfn = PFN_DOWN(__pa(end));
	unsigned long freed = 0, run = 0;

	if (end_pfn > max_pfn)
		end_pfn = max_pfn;
	/* Free the runs of reserved pages; anything else is reported, as it
	 * belongs to someone already and must not be freed twice. */
	for (unsigned long pfn = start_pfn; pfn <= end_pfn; pfn++) {
		if (pfn < end_pfn && PageReserved(pfn_to_page(pfn))) {
			if (poison >= 0 && poison <= 0xff)
				memset(page_address(pfn_to_page(pfn)), poison,
				       PAGE_SIZE);
			run++;
			continue;
		}
		if (pfn < end_pfn)
			pr_err("free_reserved_area: %s: pfn %#lx is not reserved (flags %#x): skipped\n",
			       s, pfn, pfn_to_page(pfn)->flags);
		if (run) {
			free_pfn_range(pfn - run, pfn, NULL);
			freed += run;
			run = 0;
		}
	}
	if (s)
		printk("Freeing %s memory: %luK\n", s, /* Linux's words */
		       freed << (PAGE_SHIFT - 10));
	return freed;
}

/* Whole pages of RAM in memblock.memory within pfns [lo, hi). */
static unsigned long count_present_pages(unsigned long lo, unsigned long hi)
{
	unsigned long pages = 0;

	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		unsigned long start = PFN_UP(r->base),
			      end = PFN_DOWN(r->base + r->size);

		if (start < lo)
			start = lo;
		if (end > hi)
			end = hi;
		if (end > start)
			pages += end - start;
	}
	return pages;
}

/* The first pfn of RAM (the node's start), or max_pfn if there is none. */
static unsigned long first_present_pfn(void)
{
	unsigned long first = max_pfn;

	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		unsigned long start = PFN_UP(r->base);

		if (start < PFN_DOWN(r->base + r->size) && start < first)
			first = start;
	}
	return first;
}

/*
 * Span each zone over its limits clipped to the node (first RAM pfn to
 * max_pfn), with empty free lists, and print the ranges as Linux's
 * free_area_init() does:
 *   Zone ranges:
 *     DMA      [mem 0x0000000000001000-0x0000000000ffffff]
 *     DMA32    [mem 0x0000000001000000-0x000000007ffdffff]
 *     Normal   empty
 */
static void zones_init(void)
{
	struct pglist_data *pgdat = NODE_DATA(0);

	pgdat->node_start_pfn = first_present_pfn();
	pgdat->node_spanned_pages = max_pfn - pgdat->node_start_pfn;
	printk("Zone ranges:\n");
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->node_zones[i];
		unsigned long lo = zone_limit_start((enum zone_type)i),
			      hi = zone_limit_end((enum zone_type)i);

		if (lo < pgdat->node_start_pfn)
			lo = pgdat->node_start_pfn;
		if (hi > max_pfn)
			hi = max_pfn;
		if (hi < lo)
			hi = lo;
		zone_clear(zone);
		zone->zone_start_pfn = lo;
		zone->spanned_pages = hi - lo;
		zone->present_pages = count_present_pages(lo, hi);
		if (hi == lo)
			printk("  %-8s empty\n", zone->name);
		else
			printk("  %-8s [mem %#018llx-%#018llx]\n", zone->name,
			       (unsigned long long)PFN_PHYS(lo),
			       (unsigned long long)PFN_PHYS(hi) - 1);
	}
}

static void print_memory_line(void)
{
	const struct mm_image_sizes *s = &mm_image_sizes;
	unsigned long present = totalpresent_pages();
	unsigned long managed = totalram_pages();

	printk("Memory: %luK/%luK available (%luK kernel code, %luK rwdata, "
	       "%luK rodata, %luK init, %luK bss, %luK reserved)\n",
	       managed << (PAGE_SHIFT - 10), present << (PAGE_SHIFT - 10),
	       s->text >> 10, s->rwdata >> 10, s->rodata >> 10, s->init >> 10,
	       s->bss >> 10, (present - managed) << (PAGE_SHIFT - 10));
}

void mm_core_init(void)
{
	phys_addr_t map_size, map_pa;

	BUILD_BUG_ON(sizeof(struct page) > 32);
	BUILD_BUG_ON(MAX_PAGE_ORDER != 10);

	max_pfn = PFN_DOWN(memblock_end_of_DRAM());
	if (!max_pfn)
		panic("mm: no usable RAM in the memory map");
	map_size =
		((phys_addr_t)max_pfn * sizeof(struct page) + PAGE_SIZE - 1) &
		PAGE_MASK;
	map_pa = memblock_phys_alloc(map_size, PAGE_SIZE);
	if (!map_pa)
		panic("mm: too little memory for mem_map: %llu KiB needed for %lu pages (max_pfn %#lx)",
		      (unsigned long long)map_size >> 10, max_pfn, max_pfn);
	mem_map = __va(map_pa);
	pr_info("mem_map at [mem %#018llx-%#018llx]: %lu pages x %zu bytes\n",
		(unsigned long long)map_pa,
		(unsigned long long)(map_pa + map_size - 1), max_pfn,
		sizeof(struct page));

	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		struct page *page = &mem_map[pfn];

		page->flags = 1u << PG_reserved;
		page->_refcount = 0;
		INIT_LIST_HEAD(&page->lru);
		page->private = 0;
	}

	zones_init();
	for_each_free_mem_pfn_range(free_pfn_range, NULL);
	memblock.retired = true;
	if (!totalram_pages())
		panic("mm: no memory left for the page allocator after reservations");
	init_per_zone_wmark_min();
	print_memory_line();
}

/* Per-CPU lists' high and batch ------------------------------------------------- */

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
	unsigned long high = low_wmark_pages(zone) / nr_cpu_ids;

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
	struct per_cpu_pages *pcp;
	struct zone *zone;
	int cpu;

	for_each_zone_pcp (zone, cpu, pcp) {
		pcp->batch = zone_batchsize(zone);
		pcp->high = populated_zone(zone)
				    ? zone_highsize(zone, pcp->batch)
				    : 0;
	}
}

/* Watermarks ------------------------------------------------------------------ */

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
