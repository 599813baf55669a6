// SPDX-License-Identifier: MIT
/*
 * mm_init.c - build mem_map and hand memblock's free memory to the buddy
 * allocator. After mm_core_init() every pfn below max_pfn has a struct page,
 * and each page is either reserved or owned by the buddy allocator.
 */
#define pr_fmt(fmt) "mm: " fmt

#include "internal.h"
#include "memblock.h"

struct page *mem_map;
unsigned long max_pfn;
struct mm_image_sizes mm_image_sizes;

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
