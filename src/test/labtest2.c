// SPDX-License-Identifier: MIT
/*
 * labtest2.c - the direct map, __va/__pa and pfn_to_page/page_to_pfn: lab 2's
 * graded cases, checked against the live page tables.
 */
#include "labtest_suites.h"

#include "cpu.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "paging.h"
#include "printk.h"

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

	for (unsigned int i = 0; i < ARRAY_SIZE(pas); i++) {
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
	for (unsigned int i = 0; i < ARRAY_SIZE(pfns); i++) {
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

const struct lab_suite lab2_suite = { "lab2", lab2_cases,
				      ARRAY_SIZE(lab2_cases), NULL, 0 };
