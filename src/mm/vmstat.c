// SPDX-License-Identifier: MIT
/*
 * vmstat.c - the allocator's counters and reports in Linux's /proc formats,
 * and buddy_verify(), which checks every invariant the free lists promise.
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "mm.h"

unsigned long totalram_pages(void)
{
	return contig_zone.managed_pages;
}

unsigned long nr_free_pages(void)
{
	return contig_zone.free_pages;
}

unsigned long totalpresent_pages(void)
{
	return contig_zone.present_pages;
}

#define K(pages) ((pages) << (PAGE_SHIFT - 10))

/* As fs/proc/meminfo.c: a 16-column label, an 8-wide value, " kB". */
void show_meminfo(void)
{
	printk("MemTotal:       %8lu kB\n", K(totalram_pages()));
	printk("MemFree:        %8lu kB\n", K(nr_free_pages()));
}

/* As mm/vmstat.c frag_show_print(): "Node 0, zone   Normal" then %6lu each. */
void show_buddyinfo(void)
{
	const struct zone *zone = &contig_zone;

	printk("Node 0, zone %8s ", zone->name);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		printk("%6lu ", zone->free_area[o].nr_free);
	printk("\n");
}

void show_mem_map_info(void)
{
	unsigned long bytes = max_pfn * sizeof(struct page);

	printk("mm: mem_map: %lu struct pages x %zu bytes = %lu KiB (%zu bytes per %lu KiB page, %lu.%02lu%% overhead)\n",
	       max_pfn, sizeof(struct page), bytes >> 10, sizeof(struct page),
	       PAGE_SIZE >> 10, sizeof(struct page) * 100 / PAGE_SIZE,
	       sizeof(struct page) * 10000 / PAGE_SIZE % 100);
}

struct page *page_block_head(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (PageReserved(page))
		return NULL;
	/* The block of order o containing pfn starts at pfn rounded down to
	 * 2^o; at most one order has a block head there of that order. */
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		struct page *head = pfn_to_page(pfn & ~((1UL << o) - 1));

		if ((PageBuddy(head) || PageHead(head)) &&
		    page_private(head) == o)
			return head;
	}
	return NULL;
}

/* The names of the set flags, "|"-separated, as Linux's %pGp. */
static const char *page_flag_names(unsigned int flags, char *buf, size_t len)
{
	static const char *const names[NR_PAGEFLAGS] = {
		[PG_reserved] = "reserved",
		[PG_buddy] = "buddy",
		[PG_head] = "head",
	};
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int bit = 0; bit < NR_PAGEFLAGS; bit++)
		if (flags & (1u << bit))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "|" : "", names[bit]);
	if (flags >> NR_PAGEFLAGS)
		snprintf(buf + used, len - used, "%sunknown:%#x",
			 used ? "|" : "",
			 flags >> NR_PAGEFLAGS << NR_PAGEFLAGS);
	return buf;
}

void dump_page(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	const struct page *head = page_block_head(page);
	char names[64];

	printk("page:%p pfn:%#lx phys:%#llx refcount:%d order:%lu zone:%s\n",
	       (const void *)page, pfn, (unsigned long long)PFN_PHYS(pfn),
	       page->_refcount, page_private(page), page_zone(page)->name);
	printk("flags: %#x(%s)\n", page->flags,
	       page_flag_names(page->flags, names, sizeof(names)));
	if (head && head != page)
		printk("page is inside the %s block at pfn %#lx of order %lu\n",
		       PageBuddy(head) ? "free" : "allocated",
		       page_to_pfn(head), page_private(head));
}

void buddy_snapshot(struct buddy_snapshot *s)
{
	s->free_pages = nr_free_pages();
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		s->nr_free[o] = contig_zone.free_area[o].nr_free;
}

bool buddy_snapshot_equal(const struct buddy_snapshot *a,
			  const struct buddy_snapshot *b)
{
	if (a->free_pages != b->free_pages)
		return false;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		if (a->nr_free[o] != b->nr_free[o])
			return false;
	return true;
}

#define VERIFY(cond, ...)                                     \
	do {                                                  \
		if (!(cond)) {                                \
			printk("buddy_verify: " __VA_ARGS__); \
			problems++;                           \
		}                                             \
	} while (0)

/* Check the free lists: each entry well formed and counted. */
static unsigned long verify_free_lists(const struct zone *zone,
				       unsigned long *list_pages)
{
	unsigned long problems = 0;

	*list_pages = 0;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		const struct free_area *area = &zone->free_area[o];
		const struct list_head *pos;
		unsigned long n = 0;

		list_for_each (pos, &area->free_list) {
			const struct page *page =
				list_entry(pos, struct page, lru);
			unsigned long pfn = page_to_pfn(page);

			VERIFY(PageBuddy(page) && page_private(page) == o,
			       "pfn %#lx on free_area[%u] is not a buddy of that order\n",
			       pfn, o);
			VERIFY(!(pfn & ((1UL << o) - 1)),
			       "pfn %#lx on free_area[%u] is misaligned\n", pfn,
			       o);
			if (++n > max_pfn) {
				printk("buddy_verify: free_area[%u] list loops\n",
				       o);
				return problems + 1;
			}
		}
		VERIFY(n == area->nr_free,
		       "free_area[%u]: nr_free %lu but %lu blocks listed\n", o,
		       area->nr_free, n);
		*list_pages += n << o;
	}
	return problems;
}

unsigned long buddy_verify(void)
{
	const struct zone *zone = &contig_zone;
	unsigned long problems, list_pages;
	unsigned long free = 0, allocated = 0, reserved = 0;
	unsigned long pfn = 0;

	problems = verify_free_lists(zone, &list_pages);
	VERIFY(list_pages == zone->free_pages,
	       "zone free_pages %lu but the lists hold %lu pages\n",
	       zone->free_pages, list_pages);

	/* One pass over mem_map: blocks are walked whole, so an overlap shows
	 * as a block head or reserved page found inside another block. */
	while (pfn < max_pfn) {
		const struct page *page = pfn_to_page(pfn);
		unsigned long order, nr;

		if (PageReserved(page)) {
			VERIFY(page->flags == (1u << PG_reserved) &&
				       !page->_refcount,
			       "reserved pfn %#lx has flags %#x refcount %d\n",
			       pfn, page->flags, page->_refcount);
			reserved++;
			pfn++;
			continue;
		}
		if (!PageBuddy(page) && !PageHead(page)) {
			VERIFY(0,
			       "pfn %#lx is neither reserved, free nor allocated (flags %#x)\n",
			       pfn, page->flags);
			pfn++;
			continue;
		}
		order = page_private(page);
		VERIFY(order <= MAX_PAGE_ORDER, "pfn %#lx has order %lu\n", pfn,
		       order);
		if (order > MAX_PAGE_ORDER)
			order = 0;
		nr = 1UL << order;
		VERIFY(!(pfn & (nr - 1)),
		       "block at pfn %#lx of order %lu is misaligned\n", pfn,
		       order);
		VERIFY(pfn + nr <= max_pfn,
		       "block at pfn %#lx runs past max_pfn\n", pfn);
		VERIFY(!(PageBuddy(page) && PageHead(page)),
		       "pfn %#lx is both free and allocated\n", pfn);
		if (PageBuddy(page)) {
			unsigned long buddy = pfn ^ nr;

			free += nr;
			VERIFY(order == MAX_PAGE_ORDER || buddy >= max_pfn ||
				       !(PageBuddy(pfn_to_page(buddy)) &&
					 page_private(pfn_to_page(buddy)) ==
						 order),
			       "free block at pfn %#lx and its buddy %#lx (order %lu) are unmerged\n",
			       pfn, buddy, order);
		} else {
			allocated += nr;
			VERIFY(page->_refcount > 0,
			       "allocated block at pfn %#lx has refcount %d\n",
			       pfn, page->_refcount);
		}
		for (unsigned long i = 1; i < nr && pfn + i < max_pfn; i++) {
			const struct page *tail = page + i;

			VERIFY(!tail->flags && !tail->_refcount,
			       "pfn %#lx inside the block at %#lx has flags %#x refcount %d (overlap?)\n",
			       pfn + i, pfn, tail->flags, tail->_refcount);
		}
		pfn += nr;
	}
	VERIFY(free == list_pages,
	       "%lu pages in free blocks but %lu on the lists\n", free,
	       list_pages);
	VERIFY(free + allocated == zone->managed_pages,
	       "free %lu + allocated %lu != managed %lu\n", free, allocated,
	       zone->managed_pages);
	VERIFY(free + allocated + reserved == max_pfn,
	       "free %lu + allocated %lu + reserved %lu != %lu pages\n", free,
	       allocated, reserved, max_pfn);
	return problems;
}
