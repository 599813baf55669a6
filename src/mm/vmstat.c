// SPDX-License-Identifier: MIT
/*
 * vmstat.c - the allocator's counters and reports in Linux's /proc formats,
 * and the snapshot of its counters. Everything here only reads.
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "mm.h"

/* The sum over the zones of the counter at @offset in struct zone. */
static unsigned long sum_zones(size_t offset)
{
	const struct zone *zone;
	unsigned long n = 0;

	for_each_zone (zone)
		n += *(const unsigned long *)((const char *)zone + offset);
	return n;
}

unsigned long nr_pcp_pages(void)
{
	const struct zone *z;
	unsigned long n = 0;

	for_each_zone (z)
		n += zone_pcp_pages(z);
	return n;
}

unsigned long totalram_pages(void)
{
	return sum_zones(offsetof(struct zone, managed_pages));
}

unsigned long nr_free_pages(void)
{
	return sum_zones(offsetof(struct zone, free_pages)) + nr_pcp_pages();
}

unsigned long totalpresent_pages(void)
{
	return sum_zones(offsetof(struct zone, present_pages));
}

unsigned long si_mem_available(void)
{
	unsigned long free = nr_free_pages();

	return free > totalreserve_pages ? free - totalreserve_pages : 0;
}

#define K(pages) ((pages) << (PAGE_SHIFT - 10))

/* As fs/proc/meminfo.c: a 16-column label, an 8-wide value, " kB". */
void show_meminfo(void)
{
	printk("MemTotal:       %8lu kB\n", K(totalram_pages()));
	printk("MemFree:        %8lu kB\n", K(nr_free_pages()));
	printk("MemAvailable:   %8lu kB\n", K(si_mem_available()));
}

/*
 * As mm/vmstat.c frag_show_print(): "Node 0, zone   Normal" then %6lu each,
 * for each populated zone, lowest first. Then one line of ours, which Linux
 * lacks, so that buddyinfo adds up to MemFree: each populated zone's
 * order-0 pages on its per-CPU lists (all CPUs), free but on no buddy list,
 * under the name Linux's show_free_areas() gives them:
 *   free_pcp: DMA 0, DMA32 12 (free order-0 pages on the per-CPU lists, ...)
 * Each list's count, high and batch are shown once, by the monitor's pcp
 * command (and zoneinfo's pagesets, as Linux's).
 */
void show_buddyinfo(void)
{
	const struct zone *zone;
	const char *sep = "";

	for_each_populated_zone (zone) {
		printk("Node 0, zone %8s ", zone->name);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			printk("%6lu ", zone->free_area[o].nr_free);
		printk("\n");
	}
	printk("free_pcp:");
	for_each_populated_zone (zone) {
		printk("%s %s %lu", sep, zone->name, zone_pcp_pages(zone));
		sep = ",";
	}
	printk(" (free order-0 pages on the per-CPU lists, in no count above; the monitor's pcp shows the lists)\n");
}

/*
 * As mm/vmstat.c zoneinfo_show_print(), every zone, the fields we have:
 *   Node 0, zone    DMA32
 *     pages free     28000
 *           boost    0
 *           min      350
 *           ...
 *           protection: (0, 0, 0)
 *         nr_free_pages 28000
 *     start_pfn:           4096
 * "reserved" (present - managed) is ours; Linux has no such line. An
 * unpopulated zone stops after protection, as in Linux.
 */
void show_zoneinfo(void)
{
	const struct per_cpu_pages *pcp;
	const struct zone *zone;
	int cpu;

	for_each_zone (zone) {
		printk("Node 0, zone %8s\n", zone->name);
		printk("  pages free     %lu\n", zone->free_pages);
		printk("        boost    0\n");
		printk("        min      %lu\n", min_wmark_pages(zone));
		printk("        low      %lu\n", low_wmark_pages(zone));
		printk("        high     %lu\n", high_wmark_pages(zone));
		printk("        promo    %lu\n", zone->_watermark[WMARK_PROMO]);
		printk("        spanned  %lu\n", zone->spanned_pages);
		printk("        present  %lu\n", zone->present_pages);
		printk("        managed  %lu\n", zone->managed_pages);
		printk("        reserved %lu\n",
		       zone->present_pages - zone->managed_pages);
		printk("        protection: (");
		for (int j = 0; j < MAX_NR_ZONES; j++)
			printk("%s%lu", j ? ", " : "", zone->lowmem_reserve[j]);
		printk(")\n");
		if (!populated_zone(zone))
			continue;
		printk("      nr_free_pages %lu\n", zone->free_pages);
		printk("  pagesets\n");
		for_each_pcp (zone, cpu, pcp) {
			printk("    cpu: %d\n", cpu);
			printk("              count: %d\n", pcp->count);
			printk("              high:  %d\n", pcp->high);
			printk("              batch: %d\n", pcp->batch);
		}
		printk("  start_pfn:           %lu\n", zone->zone_start_pfn);
	}
}

void show_mem_map_info(void)
{
	unsigned long bytes = max_pfn * sizeof(struct page);

	printk("mm: mem_map: %lu struct pages x %zu bytes = %lu KiB (%zu bytes per %lu KiB page, %lu.%02lu%% overhead)\n",
	       max_pfn, sizeof(struct page), bytes >> 10, sizeof(struct page),
	       PAGE_SIZE >> 10, sizeof(struct page) * 100 / PAGE_SIZE,
	       sizeof(struct page) * 10000 / PAGE_SIZE % 100);
}

void buddy_snapshot(struct buddy_snapshot *s)
{
	const struct zone *zone;

	s->free_pages = nr_free_pages();
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		s->nr_free[o] = 0;
	for_each_zone (zone) {
		enum zone_type z = zone_idx(zone);

		s->zone_free[z] = zone->free_pages;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			s->zone_nr_free[z][o] = zone->free_area[o].nr_free;
			s->nr_free[o] += zone->free_area[o].nr_free;
		}
	}
}

bool buddy_snapshot_equal(const struct buddy_snapshot *a,
			  const struct buddy_snapshot *b)
{
	if (a->free_pages != b->free_pages)
		return false;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (a->zone_free[z] != b->zone_free[z])
			return false;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			if (a->zone_nr_free[z][o] != b->zone_nr_free[z][o])
				return false;
	}
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		if (a->nr_free[o] != b->nr_free[o])
			return false;
	return true;
}
