// SPDX-License-Identifier: MIT
/*
 * labtest.c - the graded self-tests of the labs (docs/labs/), run by `make
 * grade` with "grade=NONCE" on the command line. Each lab is one KTAP suite
 * whose results are sealed with the nonce (ktest.h, grade mode):
 *
 *   lab1  the memory map and memblock     early: before paging_init(), so
 *                                         it needs neither __va() nor
 *                                         the kernel's page tables
 *   lab2  the direct map, __va/__pa,      late: after boot, as lab3-lab5
 *         pfn_to_page/page_to_pfn
 *   lab3  the buddy core: split, merge, free lists
 *   lab4  the Linux API and the zone fallback
 *   lab5  the per-CPU order-0 lists
 *
 * The suites run in lab order, so a handout whose missing code stops the
 * kernel (lab_stop()) still reports every earlier lab.
 */
#include "labtest.h"

#include "cmdline.h"
#include "cpu.h"
#include "internal.h"
#include "ktest.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "mm_selftest.h"
#include "multiboot2.h"
#include "paging.h"
#include "printk.h"
#include "string.h"

#define LOW_MEMORY_END 0x100000UL
#define NR_GRADED_LABS 5
#define MAX_LAB_CASES  16

#define MB2_TAG_MMAP 6

extern char _kernel_phys_start[], _text[], _end[];

static struct {
	bool on;
	uint64_t seed;
} grade;

/* Lab 1 ------------------------------------------------------------------ */

/*
 * The raw multiboot2 memory map tag, found again by a walk of our own, so
 * that lab 1's parse is checked against GRUB's bytes, not against itself.
 * Before paging_init() the information is reachable at its physical address
 * (the boot identity map). Return: the tag, or NULL.
 */
static const uint8_t *raw_mmap_tag(void)
{
	const uint8_t *mbi = (const uint8_t *)(uintptr_t)boot_params.mbi_pa;
	uint32_t total, off = 8;

	if (!boot_params.mbi_pa || boot_params.mbi_size < 16)
		return NULL;
	total = *(const uint32_t *)mbi;
	if (total > boot_params.mbi_size)
		total = (uint32_t)boot_params.mbi_size;
	while (off + 8 <= total) {
		uint32_t type = *(const uint32_t *)(mbi + off);
		uint32_t size = *(const uint32_t *)(mbi + off + 4);

		if (type == 0 || size < 8 || size > total - off)
			return NULL;
		if (type == MB2_TAG_MMAP)
			return mbi + off;
		off += (size + 7) & ~7u;
	}
	return NULL;
}

static void mmap_entries_match_tag(struct ktest *t)
{
	const uint8_t *tag = raw_mmap_tag();
	uint32_t size, entry_size;
	unsigned int n = 0;

	if (!tag) {
		ktest_skip(t, "the boot loader gave no memory map tag");
		return;
	}
	size = *(const uint32_t *)(tag + 4);
	entry_size = *(const uint32_t *)(tag + 8);
	KTEST_ASSERT(t, entry_size >= 24 && entry_size % 8 == 0);
	for (uint32_t off = 16; off + entry_size <= size; off += entry_size) {
		const uint8_t *e = tag + off;
		const struct boot_mmap_entry *m = &boot_params.mmap[n];

		if (n == BOOT_MMAP_MAX)
			break;
		KTEST_ASSERT(t, n < boot_params.nr_mmap);
		KTEST_EXPECT(t, m->addr == *(const uint64_t *)e);
		KTEST_EXPECT(t, m->len == *(const uint64_t *)(e + 8));
		KTEST_EXPECT(t, m->type == *(const uint32_t *)(e + 16));
		n++;
	}
	KTEST_EXPECT(t, boot_params.nr_mmap == n);
	KTEST_EXPECT(t, !boot_params.mmap_from_basic_meminfo);
}

/* Is [@start, @end) wholly inside the regions of @type? */
static bool covered(const struct memblock_type *type, phys_addr_t start,
		    phys_addr_t end)
{
	for (unsigned long i = 0; i < type->cnt && start < end; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->base <= start && start < r->base + r->size)
			start = r->base + r->size;
	}
	return start >= end;
}

/* Does [@start, @end) meet any region of @type? */
static bool overlaps(const struct memblock_type *type, phys_addr_t start,
		     phys_addr_t end)
{
	for (unsigned long i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->base < end && start < r->base + r->size)
			return true;
	}
	return false;
}

/* The map entry @m as whole pages: usable ones trimmed in, others widened. */
static void entry_pages(const struct boot_mmap_entry *m, phys_addr_t *start,
			phys_addr_t *end)
{
	phys_addr_t s = m->addr, e = m->addr + m->len;

	if (e < s || e > DIRECT_MAP_SIZE)
		e = DIRECT_MAP_SIZE;
	if (m->type == MB2_MEMORY_AVAILABLE) {
		*start = (s + PAGE_SIZE - 1) & PAGE_MASK;
		*end = e & PAGE_MASK;
	} else {
		*start = s & PAGE_MASK;
		*end = (e + PAGE_SIZE - 1) & PAGE_MASK;
	}
}

/* Is the page at @pa inside a non-usable entry (widened)? */
static bool in_unusable(phys_addr_t pa)
{
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		phys_addr_t s, e;

		if (!m->len || m->type == MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		if (s <= pa && pa < e)
			return true;
	}
	return false;
}

/* Is the page at @pa inside a usable entry (trimmed)? */
static bool in_usable(phys_addr_t pa)
{
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		phys_addr_t s, e;

		if (!m->len || m->type != MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		if (s <= pa && pa < e)
			return true;
	}
	return false;
}

/*
 * memblock.memory is the usable RAM of the map in whole pages, less every
 * page a non-usable entry touches: sorted, disjoint, not adjacent; each
 * region's ends are usable pages; and each usable run's first and last page
 * that no other entry takes is in memory.
 */
static void memblock_memory_is_usable_ram(struct ktest *t)
{
	const struct memblock_type *mem = &memblock.memory;

	KTEST_ASSERT(t, mem->cnt > 0);
	for (unsigned long i = 0; i < mem->cnt; i++) {
		const struct memblock_region *r = &mem->regions[i];
		phys_addr_t last = r->base + r->size - PAGE_SIZE;

		KTEST_EXPECT(t, r->size > 0 && !(r->base & ~PAGE_MASK) &&
					!(r->size & ~PAGE_MASK));
		if (i)
			KTEST_EXPECT(t,
				     mem->regions[i - 1].base +
						     mem->regions[i - 1].size <
					     r->base);
		KTEST_EXPECT(t, in_usable(r->base) && in_usable(last));
		KTEST_EXPECT(t, !in_unusable(r->base) && !in_unusable(last));
	}
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		phys_addr_t s, e;

		if (!m->len || m->type == MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		KTEST_EXPECT(t, !overlaps(mem, s, e));
	}
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		phys_addr_t s, e;

		if (!m->len || m->type != MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		while (s < e && in_unusable(s))
			s += PAGE_SIZE;
		while (e > s && in_unusable(e - PAGE_SIZE))
			e -= PAGE_SIZE;
		if (s < e) {
			KTEST_EXPECT(t, covered(mem, s, s + PAGE_SIZE));
			KTEST_EXPECT(t, covered(mem, e - PAGE_SIZE, e));
		}
	}
}

static void first_mib_reserved(struct ktest *t)
{
	KTEST_EXPECT(t, covered(&memblock.reserved, 0, LOW_MEMORY_END));
}

static void kernel_image_reserved(struct ktest *t)
{
	phys_addr_t stub = (phys_addr_t)(unsigned long)_kernel_phys_start;

	KTEST_EXPECT(t, covered(&memblock.reserved, __pa_symbol(_text),
				__pa_symbol(_end)));
	KTEST_EXPECT(t, covered(&memblock.reserved, stub, __pa_symbol(_text)));
	/* not one reservation for all of RAM */
	KTEST_EXPECT(t, memblock_reserved_size() < memblock_phys_mem_size());
}

static void boot_info_reserved(struct ktest *t)
{
	KTEST_EXPECT(t, covered(&memblock.reserved, boot_params.mbi_pa,
				boot_params.mbi_pa + boot_params.mbi_size));
	for (unsigned int i = 0; i < boot_params.nr_modules; i++)
		KTEST_EXPECT(t, covered(&memblock.reserved,
					boot_params.modules[i].start,
					boot_params.modules[i].end));
}

/*
 * memblock_phys_alloc() hands out a page of RAM that nothing had reserved;
 * memblock_phys_free() gives it back, so the grade boot loses no page.
 */
static void memblock_alloc_avoids_reserved(struct ktest *t)
{
	struct memblock_type before = memblock.reserved;
	phys_addr_t reserved = memblock_reserved_size();
	phys_addr_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);

	KTEST_ASSERT(t, pa != 0);
	KTEST_EXPECT(t, !(pa & ~PAGE_MASK));
	KTEST_EXPECT(t, covered(&memblock.memory, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, !overlaps(&before, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, covered(&memblock.reserved, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, memblock_reserved_size() == reserved + PAGE_SIZE);

	KTEST_EXPECT(t, memblock_phys_free(pa, PAGE_SIZE) == 0);
	KTEST_EXPECT(t, !overlaps(&memblock.reserved, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, memblock_reserved_size() == reserved);
}

static const struct ktest_case lab1_cases[] = {
	{ "mmap_entries_match_tag", mmap_entries_match_tag },
	{ "memblock_memory_is_usable_ram", memblock_memory_is_usable_ram },
	{ "first_mib_reserved", first_mib_reserved },
	{ "kernel_image_reserved", kernel_image_reserved },
	{ "boot_info_reserved", boot_info_reserved },
	{ "memblock_alloc_avoids_reserved", memblock_alloc_avoids_reserved },
};

/* Lab 2 ------------------------------------------------------------------ */

/* The physical address the live page tables map @va to, or ~0. */
static phys_addr_t mapped_to(unsigned long va, pteval_t *flags, int *level)
{
	pteval_t *pte = lookup_address(va, level);
	unsigned long page_size;

	if (!pte)
		return ~(phys_addr_t)0;
	page_size = *level == 3 ? PUD_SIZE : *level == 2 ? PMD_SIZE : PAGE_SIZE;
	*flags = *pte;
	return ((*pte & PTE_PFN_MASK) & ~(page_size - 1)) +
	       (va & (page_size - 1));
}

static void va_pa_roundtrip(struct ktest *t)
{
	static int a_global;
	phys_addr_t top = memblock_end_of_DRAM() - PAGE_SIZE;
	const phys_addr_t pas[] = { 0,	     PAGE_SIZE, LOW_MEMORY_END,
				    top / 2, top,	(4UL << 30) + 123 };

	for (unsigned int i = 0; i < sizeof(pas) / sizeof(pas[0]); i++) {
		KTEST_EXPECT(t, (unsigned long)__va(pas[i]) ==
					PAGE_OFFSET + pas[i]);
		KTEST_EXPECT(t, __pa(__va(pas[i])) == pas[i]);
	}
	for (int i = 0; i < 16; i++) {
		phys_addr_t pa = ktest_random(t) % (top + PAGE_SIZE);

		KTEST_EXPECT(t, __pa(__va(pa)) == pa);
	}
	/* a kernel-image address: its physical address, and back through
	 * the direct map to the same bytes */
	KTEST_EXPECT(t, __pa(_text) == __pa_symbol(_text));
	KTEST_EXPECT(t, __pa(&a_global) == __pa_symbol(&a_global));
	a_global = 0x5a5a;
	KTEST_EXPECT(t, *(volatile int *)__va(__pa(&a_global)) == 0x5a5a);
}

static void direct_map_covers_ram(struct ktest *t)
{
	bool nx = boot_cpu_data.has_nx;

	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		phys_addr_t end = r->base + r->size;

		for (phys_addr_t pa = r->base; pa < end;) {
			pteval_t flags = 0;
			int level = 0;
			phys_addr_t got = mapped_to((unsigned long)__va(pa),
						    &flags, &level);

			if (!KTEST_EXPECT(t, got == pa)) {
				printk("#     [mem %#018llx] is not mapped at %p\n",
				       (unsigned long long)pa, __va(pa));
				return;
			}
			KTEST_EXPECT(t, (flags & _PAGE_RW) &&
						!(flags & _PAGE_USER));
			KTEST_EXPECT(t, !nx || (flags & _PAGE_NX));
			(void)*(volatile unsigned char *)__va(pa);
			/* next: the next 2 MiB boundary, and the last page */
			if (pa + PAGE_SIZE >= end)
				break;
			pa = (pa + PMD_SIZE) & ~(PMD_SIZE - 1);
			if (pa >= end)
				pa = end - PAGE_SIZE;
		}
	}
}

static void direct_map_outside_ram_unmapped(struct ktest *t)
{
	const struct memblock_type *mem = &memblock.memory;
	int level;

	for (unsigned long i = 0; i + 1 < mem->cnt; i++) {
		phys_addr_t gap = mem->regions[i].base + mem->regions[i].size;

		if (gap < LOW_MEMORY_END)
			continue;
		if (!KTEST_EXPECT(t, !lookup_address((unsigned long)__va(gap),
						     &level)))
			printk("#     hole at [mem %#018llx] is mapped\n",
			       (unsigned long long)gap);
		KTEST_EXPECT(t,
			     !lookup_address((unsigned long)__va(
						     mem->regions[i + 1].base -
						     PAGE_SIZE),
					     &level));
	}
	KTEST_EXPECT(
		t, !lookup_address((unsigned long)__va(memblock_end_of_DRAM()),
				   &level));
	/* the identity map is gone */
	KTEST_EXPECT(t, !lookup_address(LOW_MEMORY_END, &level));
}

/* A 2 MiB-aligned run of 2 MiB of RAM gets a 2 MiB or 1 GiB page. */
static void direct_map_large_pages(struct ktest *t)
{
	unsigned int runs = 0;

	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		phys_addr_t pa = (r->base + PMD_SIZE - 1) & ~(PMD_SIZE - 1);

		for (; pa + PMD_SIZE <= r->base + r->size && runs < 64;
		     pa += 8 * PMD_SIZE, runs++) {
			pteval_t flags;
			int level = 0;

			KTEST_EXPECT(t, mapped_to((unsigned long)__va(pa),
						  &flags, &level) == pa);
			KTEST_EXPECT(t, level >= 2);
		}
	}
	KTEST_EXPECT(t, runs > 0);
	KTEST_EXPECT(t,
		     direct_map_stats.pages[1] + direct_map_stats.pages[2] > 0);
}

static void pfn_to_page_roundtrip(struct ktest *t)
{
	const unsigned long pfns[] = {
		0, 1, 255, 256, max_pfn / 2, max_pfn - 1
	};

	KTEST_ASSERT(t, mem_map && max_pfn > 256);
	for (unsigned int i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		KTEST_EXPECT(t, pfn_to_page(pfns[i]) == &mem_map[pfns[i]]);
		KTEST_EXPECT(t, page_to_pfn(&mem_map[pfns[i]]) == pfns[i]);
	}
	for (int i = 0; i < 32; i++) {
		unsigned long pfn = ktest_random(t) % max_pfn;

		KTEST_EXPECT(t, page_to_pfn(pfn_to_page(pfn)) == pfn);
		KTEST_EXPECT(t, pfn_to_page(pfn) - mem_map == (long)pfn);
	}
}

static void page_address_matches_direct_map(struct ktest *t)
{
	unsigned long text_pfn = PFN_DOWN(__pa_symbol(_text));

	for (int i = 0; i < 32; i++) {
		unsigned long pfn = ktest_random(t) % max_pfn;
		struct page *page = pfn_to_page(pfn);

		KTEST_EXPECT(t, page_address(page) == __va(PFN_PHYS(pfn)));
		KTEST_EXPECT(t, virt_to_page((char *)__va(PFN_PHYS(pfn)) +
					     100) == page);
	}
	/* the kernel's first page of text, read through the direct map */
	KTEST_EXPECT(t, !memcmp(page_address(pfn_to_page(text_pfn)),
				(void *)((unsigned long)_text & PAGE_MASK),
				PAGE_SIZE));
}

static const struct ktest_case lab2_cases[] = {
	{ "va_pa_roundtrip", va_pa_roundtrip },
	{ "direct_map_covers_ram", direct_map_covers_ram },
	{ "direct_map_outside_ram_unmapped", direct_map_outside_ram_unmapped },
	{ "direct_map_large_pages", direct_map_large_pages },
	{ "pfn_to_page_roundtrip", pfn_to_page_roundtrip },
	{ "page_address_matches_direct_map", page_address_matches_direct_map },
};

/* Lab 3 ------------------------------------------------------------------ */

/* The populated zone with the most free pages, its per-CPU lists drained
 * so that every free page is on the buddy lists; NULL if none. */
static struct zone *roomiest_zone(void)
{
	struct zone *z, *best = NULL;

	drain_all_pages(NULL);
	for_each_zone (z)
		if (populated_zone(z) &&
		    (!best || z->free_pages > best->free_pages))
			best = z;
	return best;
}

static bool is_free_head(const struct page *page, unsigned int order)
{
	return PageBuddy(page) && page_private(page) == order;
}

static void find_buddy_pfn(struct ktest *t)
{
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(12, 2) == 8);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(8, 2) == 12);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0, 0) == 1);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(1, 0) == 0);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0x1000, 10) == 0x1400);
	KTEST_EXPECT(t, buddy_core_find_buddy_pfn(0x1c00, 10) == 0x1800);
	for (int i = 0; i < 32; i++) {
		unsigned int order = ktest_random(t) % NR_PAGE_ORDERS;
		unsigned long pfn =
			(ktest_random(t) % (1UL << 30)) & ~((1UL << order) - 1);
		unsigned long b = buddy_core_find_buddy_pfn(pfn, order);

		KTEST_EXPECT(t, (b ^ pfn) == 1UL << order);
		KTEST_EXPECT(t, buddy_core_find_buddy_pfn(b, order) == pfn);
	}
}

/*
 * Take an order-3 block [P, P+8), split it to order 0 by hand: P+4 goes to
 * free_area[2], P+2 to [1], P+1 to [0], P stays ours. Then give P back:
 * everything merges to where it was.
 */
static void expand_splits_upper_halves(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr[NR_PAGE_ORDERS], free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 3);
	KTEST_ASSERT(t, page != NULL);
	KTEST_EXPECT(t, zone->free_pages == free0 - 8);
	KTEST_EXPECT(t, !PageBuddy(page));
	KTEST_EXPECT(t, !(page_to_pfn(page) & 7));
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		nr[o] = zone->free_area[o].nr_free;
	buddy_core_split(zone, page, 0, 3);
	KTEST_EXPECT(t, is_free_head(page + 4, 2));
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, !PageBuddy(page));
	for (int o = 0; o < 3; o++)
		KTEST_EXPECT(t, zone->free_area[o].nr_free == nr[o] + 1);
	KTEST_EXPECT(t, list_first_entry(&zone->free_area[2].free_list,
					 struct page, lru) == page + 4);
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, !PageBuddy(page + 1) && !PageBuddy(page + 2) &&
				!PageBuddy(page + 4));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Give back the two halves of an order-1 block: the first stays order 0
 * (its buddy is still taken), the second merges with it. */
static void free_merges_with_buddy(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr0, free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 1);
	KTEST_ASSERT(t, page != NULL);
	nr0 = zone->free_area[0].nr_free;
	buddy_core_give(page + 1, 0);
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, zone->free_area[0].nr_free == nr0 + 1);
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, !PageBuddy(page + 1));
	KTEST_EXPECT(t, zone->free_area[0].nr_free == nr0);
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Every free list of every zone: nr_free entries, each the head of a free
 * block of that order, aligned to it, inside the zone; the pages add up to
 * the zone's free_pages. */
static void free_lists_consistent(struct ktest *t)
{
	unsigned long all = 0;
	struct zone *z;

	drain_all_pages(NULL);
	for_each_zone (z) {
		unsigned long pages = 0;

		if (!populated_zone(z))
			continue;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			struct free_area *area = &z->free_area[o];
			unsigned long n = 0, bad = 0;

			for (struct list_head *e = area->free_list.next;
			     e != &area->free_list; e = e->next) {
				struct page *page =
					list_entry(e, struct page, lru);
				unsigned long pfn = page_to_pfn(page);

				bad += !is_free_head(page, o) ||
				       (pfn & ((1UL << o) - 1)) ||
				       pfn < z->zone_start_pfn ||
				       pfn + (1UL << o) >
					       z->zone_start_pfn +
						       z->spanned_pages;
				if (++n > area->nr_free)
					break;
			}
			KTEST_EXPECT(t, n == area->nr_free);
			KTEST_EXPECT(t, bad == 0);
			pages += area->nr_free << o;
		}
		KTEST_EXPECT(t, pages == z->free_pages);
		all += pages;
	}
	KTEST_EXPECT(t, all > 0); /* boot gave the buddy its free pages */
}

/* Take 32 blocks of random orders, give them back in another order: the
 * free lists end exactly as they began (the buddy state of a set of free
 * pages is unique once everything that can merge has). */
static void split_merge_restores_state(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long nr[NR_PAGE_ORDERS], free0;
	struct page *pages[32];
	unsigned int orders[32], n = 0;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		nr[o] = zone->free_area[o].nr_free;
	while (n < 32) {
		orders[n] = ktest_random(t) % 6;
		pages[n] = buddy_core_take(zone, orders[n]);
		if (!pages[n])
			break;
		n++;
	}
	KTEST_EXPECT(t, n == 32);
	for (unsigned int i = 1; i < n; i += 2) /* odd ones up, even down */
		buddy_core_give(pages[i], orders[i]);
	for (unsigned int i = n; i-- > 0;)
		if (!(i & 1))
			buddy_core_give(pages[i], orders[i]);
	KTEST_EXPECT(t, zone->free_pages == free0);
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		KTEST_EXPECT(t, zone->free_area[o].nr_free == nr[o]);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Merging needs a free buddy of the same order: P+2 (order 1) and P+1
 * (order 0) stay apart; P then merges with P+1, and the pair with P+2. */
static void merge_needs_free_buddy_of_same_order(struct ktest *t)
{
	struct zone *zone = roomiest_zone();
	unsigned long free0;
	struct page *page;

	KTEST_ASSERT(t, zone != NULL);
	free0 = zone->free_pages;
	page = buddy_core_take(zone, 2);
	KTEST_ASSERT(t, page != NULL);
	buddy_core_give(page + 2, 1);
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	buddy_core_give(page + 1, 0);
	KTEST_EXPECT(t, is_free_head(page + 1, 0));
	KTEST_EXPECT(t, is_free_head(page + 2, 1));
	KTEST_EXPECT(t, zone->free_pages == free0 - 1);
	buddy_core_give(page, 0);
	KTEST_EXPECT(t, !PageBuddy(page + 1) && !PageBuddy(page + 2));
	KTEST_EXPECT(t, zone->free_pages == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

static const struct ktest_case lab3_cases[] = {
	{ "find_buddy_pfn", find_buddy_pfn },
	{ "expand_splits_upper_halves", expand_splits_upper_halves },
	{ "free_merges_with_buddy", free_merges_with_buddy },
	{ "free_lists_consistent", free_lists_consistent },
	{ "split_merge_restores_state", split_merge_restores_state },
	{ "merge_needs_free_buddy_of_same_order",
	  merge_needs_free_buddy_of_same_order },
};

/* Lab 4 ------------------------------------------------------------------ */

/* Every order: a block by its direct-map address, aligned to its size,
 * the head of an allocated block of that order, writable; freed back. */
static void get_free_pages_returns_direct_map(struct ktest *t)
{
	unsigned long free0 = nr_free_pages();

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long addr = __get_free_pages(GFP_KERNEL, order);
		struct page *page;

		if (!KTEST_EXPECT(t, addr != 0))
			continue;
		KTEST_EXPECT(t, virt_addr_valid((void *)addr));
		KTEST_EXPECT(t, !(__pa(addr) & ((PAGE_SIZE << order) - 1)));
		page = virt_to_page((void *)addr);
		KTEST_EXPECT(t, PageHead(page) && page_private(page) == order);
		KTEST_EXPECT(t, page_ref_count(page) == 1);
		KTEST_EXPECT(t, nr_free_pages() == free0 - (1UL << order));
		memset((void *)addr, 0x5a, PAGE_SIZE << order);
		free_pages(addr, order);
		KTEST_EXPECT(t, nr_free_pages() == free0);
	}
}

/* Blocks of random orders, held together, then freed: every page back. */
static void free_pages_returns_memory(struct ktest *t)
{
	unsigned long addrs[48], free0 = nr_free_pages(), taken = 0;
	unsigned int orders[48];

	for (int i = 0; i < 48; i++) {
		orders[i] = ktest_random(t) % 5;
		addrs[i] = __get_free_pages(GFP_KERNEL, orders[i]);
		if (KTEST_EXPECT(t, addrs[i] != 0))
			taken += 1UL << orders[i];
	}
	KTEST_EXPECT(t, nr_free_pages() == free0 - taken);
	for (int i = 47; i >= 0; i--)
		free_pages(addrs[i], orders[i]);
	KTEST_EXPECT(t, nr_free_pages() == free0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* GFP_DMA32 takes pages from ZONE_DMA32 until that zone is at its low
 * watermark; the next page comes from ZONE_DMA, as the zonelist falls
 * back. GFP_DMA still gets ZONE_DMA. */
static void dma32_falls_back_to_dma(struct ktest *t)
{
	struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned long taken = 0;
	struct list_head list;
	struct page *page;
	bool fell_back = false;

	if (!populated_zone(dma32) ||
	    !populated_zone(&NODE_DATA(0)->node_zones[ZONE_DMA])) {
		ktest_skip(t, "ZONE_DMA or ZONE_DMA32 is empty");
		return;
	}
	INIT_LIST_HEAD(&list);
	while ((page = alloc_pages(GFP_DMA32 | __GFP_MEMALLOC | __GFP_NOWARN,
				   0))) {
		list_add(&page->lru, &list);
		taken++;
		if (zone_idx(page_zone(page)) == ZONE_DMA) {
			fell_back = true;
			break;
		}
		KTEST_ASSERT(t, zone_idx(page_zone(page)) == ZONE_DMA32);
	}
	KTEST_EXPECT(t, fell_back);
	/* it fell back at DMA32's low watermark (the first try), or when
	 * DMA32 was empty (the slow path, where __GFP_MEMALLOC lets it
	 * take the last page) */
	KTEST_EXPECT(t, zone_free_pages(dma32) <= low_wmark_pages(dma32));
	page = alloc_pages(GFP_DMA | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	KTEST_EXPECT(t, page && zone_idx(page_zone(page)) == ZONE_DMA);
	if (page)
		__free_pages(page, 0);
	while (!list_empty(&list)) {
		page = list_first_entry(&list, struct page, lru);
		list_del(&page->lru);
		__free_pages(page, 0);
	}
	printk("#     %lu pages taken before GFP_DMA32 fell back to ZONE_DMA\n",
	       taken);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* The mm self-test cases (mm_selftest.c) that grade lab 4, by name. */
static const char *const lab4_selftests[] = {
	"alloc_free_every_order",      "get_zeroed_page_is_zeroed",
	"blocks_aligned_and_disjoint", "free_pages_of_0_does_nothing",
	"bad_double_free_whole_block", "bad_free_misaligned",
	"bad_free_outside_direct_map", "zone_dma32_below_4g",
	"zone_fallback_order",	       "zone_dma_exhausted",
};

/* Lab 5 ------------------------------------------------------------------ */

/* A freed order-0 page waits on the CPU's list (PG_pcp, counted free) and
 * is the next one handed out; a drain puts every listed page back on the
 * buddy lists, merged. */
static void pcp_lifo_reuse(struct ktest *t)
{
	struct page *a, *b;
	unsigned long free0;

	drain_all_pages(NULL);
	a = alloc_page(GFP_KERNEL);
	b = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, a && b && page_zone(a) == page_zone(b));
	free0 = nr_free_pages();
	__free_pages(a, 0);
	__free_pages(b, 0);
	KTEST_EXPECT(t, PagePcp(a) && PagePcp(b));
	KTEST_EXPECT(t, !PageBuddy(a) && !PageBuddy(b));
	KTEST_EXPECT(t, nr_free_pages() == free0 + 2);
	KTEST_EXPECT(t, nr_pcp_pages() >= 2);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL) == b);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL) == a);
	__free_pages(a, 0);
	__free_pages(b, 0);
	drain_all_pages(NULL);
	KTEST_EXPECT(t, nr_pcp_pages() == 0);
	KTEST_EXPECT(t, !PagePcp(a) && !PagePcp(b));
	KTEST_EXPECT(t, nr_free_pages() == free0 + 2);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* An empty list is refilled with a whole batch, in one go. */
static void pcp_refill_in_batches(struct ktest *t)
{
	struct per_cpu_pages *pcp;
	struct page *page;

	drain_all_pages(NULL);
	page = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, page != NULL);
	pcp = this_cpu_pcp(page_zone(page));
	KTEST_EXPECT(t, pcp->batch > 1);
	KTEST_EXPECT(t, pcp->count == pcp->batch - 1);
	__free_pages(page, 0);
	KTEST_EXPECT(t, pcp->count == pcp->batch);
	drain_all_pages(NULL);
	KTEST_EXPECT(t, pcp->count == 0);
}

static const char *const lab5_selftests[] = { "pcp_lists" };

/* Running the suites ---------------------------------------------------- */

static const struct ktest_case *selftest_case(const char *name)
{
	for (unsigned int i = 0; i < mm_selftest_nr_cases; i++)
		if (!strcmp(mm_selftest_cases[i].name, name))
			return &mm_selftest_cases[i];
	return NULL;
}

/* @own cases, then the mm self-tests named in @names. */
static void run_suite(const char *suite, const struct ktest_case *own,
		      unsigned int nr_own, const char *const *names,
		      unsigned int nr_names)
{
	struct ktest_case cases[MAX_LAB_CASES];
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_own && n < MAX_LAB_CASES; i++)
		cases[n++] = own[i];
	for (unsigned int i = 0; i < nr_names && n < MAX_LAB_CASES; i++) {
		const struct ktest_case *c = selftest_case(names[i]);

		if (c)
			cases[n++] = *c;
	}
	ktest_grade_suite(suite, cases, n, grade.seed);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool lab_grade_begin(void)
{
	char val[40];
	unsigned long long seed = 1;
	siphash_key_t key = { { 0, 0 } };

	if (!cmdline_value("grade", val, sizeof(val)))
		return false;
	if (strlen(val) != 32) {
		pr_err("grade: the nonce must be 32 lowercase hex digits; not grading\n");
		return false;
	}
	for (int i = 0; i < 32; i++) {
		int d = hex_digit(val[i]);

		if (d < 0) {
			pr_err("grade: the nonce must be 32 lowercase hex digits; not grading\n");
			return false;
		}
		/* byte i/2, high nibble first; bytes 0-7 little-endian in
		 * key[0], bytes 8-15 in key[1] */
		key.key[i / 16] |= (uint64_t)d
				   << (8 * ((i % 16) / 2) + (i % 2 ? 0 : 4));
	}
	cmdline_ull("seed", &seed);
	grade.on = true;
	grade.seed = seed;
	ktest_grade_begin(&key, NR_GRADED_LABS);
	ktest_grade_suite("lab1", lab1_cases, ARRAY_LEN(lab1_cases), seed);
	return true;
}

static const struct ktest_case lab4_cases[] = {
	{ "get_free_pages_returns_direct_map",
	  get_free_pages_returns_direct_map },
	{ "free_pages_returns_memory", free_pages_returns_memory },
	{ "dma32_falls_back_to_dma", dma32_falls_back_to_dma },
};

static const struct ktest_case lab5_cases[] = {
	{ "pcp_lifo_reuse", pcp_lifo_reuse },
	{ "pcp_refill_in_batches", pcp_refill_in_batches },
};

void lab_grade_end(void)
{
	if (!grade.on)
		return;
	ktest_grade_suite("lab2", lab2_cases, ARRAY_LEN(lab2_cases),
			  grade.seed);
	ktest_grade_suite("lab3", lab3_cases, ARRAY_LEN(lab3_cases),
			  grade.seed);
	run_suite("lab4", lab4_cases, ARRAY_LEN(lab4_cases), lab4_selftests,
		  ARRAY_LEN(lab4_selftests));
	run_suite("lab5", lab5_cases, ARRAY_LEN(lab5_cases), lab5_selftests,
		  ARRAY_LEN(lab5_selftests));
	ktest_grade_end();
}
