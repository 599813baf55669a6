// SPDX-License-Identifier: MIT
/*
 * mm_selftest_bad.c - misuse and exhaustion: each bad call is reported once and refused
 * with nothing changed (the cases named bad_*, so a log checker can tell
 * expected reports from real ones), and running out of memory at any order
 * changes nothing either.
 */
#include "mm_selftest_cases.h"

#include "mm.h"

void bad_double_free_whole_block(struct ktest *t)
{
	struct page *page = case_alloc(t, 2);
	struct refusal r;

	if (!page)
		return;
	__free_pages(page, 2);
	refusal_begin(&r);
	__free_pages(page, 2); /* the block is free, merged or not */
	refusal_expect(t, &r, 1);
}

/* A page inside a free block of a larger order: after the block was freed
 * and merged, "freeing" one of its pages again must not split it. */
void bad_double_free_page_in_free_block(struct ktest *t)
{
	struct page *page = case_alloc(t, 3);
	struct refusal r;

	if (!page)
		return;
	__free_pages(page, 3);
	refusal_begin(&r);
	__free_pages(page + 4, 2);
	__free_pages(page + 1, 0);
	refusal_expect(t, &r, 2);
}

void bad_free_wrong_order_smaller(struct ktest *t)
{
	struct page *page = case_alloc(t, 2);
	struct refusal r;

	if (!page)
		return;
	refusal_begin(&r);
	__free_pages(page, 1);
	__free_pages(page, 0);
	refusal_expect(t, &r, 2);
	expect_allocated(t, page, 2);
	__free_pages(page, 2);
}

void bad_free_wrong_order_larger(struct ktest *t)
{
	struct page *page = case_alloc(t, 1);
	struct refusal r;

	if (!page)
		return;
	refusal_begin(&r);
	__free_pages(page, 2);
	__free_pages(page, MAX_PAGE_ORDER);
	refusal_expect(t, &r, 2);
	expect_allocated(t, page, 1);
	__free_pages(page, 1);
}

/* An address not aligned to the order: a pfn that is not a multiple of
 * 2^order, and an address that is not even page-aligned. */
void bad_free_misaligned(struct ktest *t)
{
	struct page *page = case_alloc(t, 2);
	unsigned long addr;
	struct refusal r;

	if (!page)
		return;
	addr = (unsigned long)page_address(page);
	refusal_begin(&r);
	free_pages(addr + PAGE_SIZE, 1); /* pfn odd: not aligned to order 1 */
	free_pages(addr + 8, 2);	 /* not page-aligned */
	refusal_expect(t, &r, 2);
	expect_allocated(t, page, 2);
	free_pages(addr, 2);
}

/* A page the allocator never owned: the first reserved pfn that is not
 * part of the kernel image (firmware, a hole, mem_map, boot data). */
void bad_free_reserved_page(struct ktest *t)
{
	unsigned long pfn;
	struct refusal r;

	for (pfn = 0; pfn < max_pfn; pfn++)
		if (PageReserved(pfn_to_page(pfn)) &&
		    !(pfn >= kernel_image_start_pfn &&
		      pfn < kernel_image_end_pfn))
			break;
	if (pfn == max_pfn) {
		ktest_skip(t, "no reserved page outside the kernel image");
		return;
	}
	refusal_begin(&r);
	__free_pages(pfn_to_page(pfn), 0);
	refusal_expect(t, &r, 1);
	KTEST_EXPECT(t, PageReserved(pfn_to_page(pfn)));
}

void bad_free_kernel_image_page(struct ktest *t)
{
	unsigned long pfn = kernel_image_start_pfn;
	struct refusal r;

	if (kernel_image_end_pfn <= pfn || !pfn_valid(pfn)) {
		ktest_skip(t, "no kernel image in mem_map");
		return;
	}
	refusal_begin(&r);
	__free_pages(pfn_to_page(pfn), 0);
	__free_pages(pfn_to_page(kernel_image_end_pfn - 1), 0);
	refusal_expect(t, &r, 2);
	KTEST_EXPECT(t, PageReserved(pfn_to_page(pfn)));
}

/* A struct page pointer outside mem_map, or not on a struct boundary, and
 * NULL: no page to decode, but a report all the same. */
void bad_free_outside_mem_map(struct ktest *t)
{
	struct refusal r;

	refusal_begin(&r);
	__free_pages(mem_map + max_pfn, 0);
	__free_pages(mem_map - 1, 0);
	__free_pages((struct page *)((char *)mem_map + 8), 0);
	__free_pages(NULL, 0);
	refusal_expect(t, &r, 4);
}

/* Addresses that are not direct-map addresses of RAM: a low identity-map
 * address, and the direct-map address just past the end of mem_map. */
void bad_free_outside_direct_map(struct ktest *t)
{
	struct refusal r;

	refusal_begin(&r);
	free_pages(0x1000, 0);
	free_pages((unsigned long)__va(PFN_PHYS(max_pfn)), 0);
	refusal_expect(t, &r, 2);
}

/* A page in the middle of an allocated block, at order 0 and at an order
 * it is aligned to. The block stays allocated and whole. */
void bad_free_middle_of_allocated_block(struct ktest *t)
{
	struct page *page = case_alloc(t, 3);
	struct refusal r;

	if (!page)
		return;
	refusal_begin(&r);
	__free_pages(page + 1, 0);
	__free_pages(page + 4, 2);
	free_page((unsigned long)page_address(page + 7));
	refusal_expect(t, &r, 3);
	expect_allocated(t, page, 3);
	__free_pages(page, 3);
}

/* Above MAX_ORDER: allocation fails with a report (silently under
 * __GFP_NOWARN, as Linux), a free is refused with a report. */
void bad_order_above_max(struct ktest *t)
{
	struct page *page = case_alloc(t, 0);
	struct refusal r;

	if (!page)
		return;
	refusal_begin(&r);
	KTEST_EXPECT(t, alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1) == NULL);
	KTEST_EXPECT(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN,
				    MAX_PAGE_ORDER + 1) == NULL);
	KTEST_EXPECT(t, __get_free_pages(GFP_KERNEL | __GFP_NOWARN, 31) == 0);
	__free_pages(page, MAX_PAGE_ORDER + 1);
	refusal_expect(t, &r, 2);
	expect_allocated(t, page, 0);
	__free_page(page);
}

/* gfp bits this kernel does not know are a caller's bug: refused with a
 * report even under __GFP_NOWARN. */
void bad_gfp_unknown_bits(struct ktest *t)
{
	struct refusal r;

	refusal_begin(&r);
	KTEST_EXPECT(t, alloc_pages(GFP_KERNEL | 0x80000000u, 0) == NULL);
	KTEST_EXPECT(t, __get_free_pages(__GFP_NOWARN | 0x40000000u, 2) == 0);
	KTEST_EXPECT(t, get_zeroed_page(GFP_ATOMIC | 0x4000000u) == 0);
	refusal_expect(t, &r, 3);
}

/*
 * Out of memory at each order: take blocks of order o until alloc_pages(o)
 * fails, with __GFP_MEMALLOC so that no watermark stops it first (the
 * watermark cases are zone_*). The failure changes nothing, prints an allocation-failure warning
 * (not a bad-page report), and everything frees back. Blocks are chained
 * through page->lru, which an allocated block's owner may use.
 */
void oom_at_each_order(struct ktest *t)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct buddy_snapshot s0, s1, s2;
		unsigned long n = 0, reports;
		struct list_head taken;
		struct page *page;

		drained_snapshot(&s0);
		INIT_LIST_HEAD(&taken);
		while ((page = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC |
						   __GFP_NOWARN,
					   order))) {
			list_add(&page->lru, &taken);
			n++;
		}
		/* no block of this order or above is left, in any zone */
		drained_snapshot(&s1);
		for (unsigned int o = order; o <= MAX_PAGE_ORDER; o++)
			KTEST_EXPECT(t, s1.nr_free[o] == 0);
		reports = mm_bad_page_reports;
		KTEST_EXPECT(t, alloc_pages(GFP_KERNEL | __GFP_MEMALLOC,
					    order) == NULL);
		drained_snapshot(&s2);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s1, &s2));
		KTEST_EXPECT(t, mm_bad_page_reports == reports);
		printk("# order %u: %lu blocks taken, %lu pages left in smaller blocks\n",
		       order, n, s1.free_pages);
		while (!list_empty(&taken)) {
			page = list_first_entry(&taken, struct page, lru);
			list_del(&page->lru);
			__free_pages(page, order);
		}
		drained_snapshot(&s1);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	}
	KTEST_EXPECT(t, buddy_verify() == 0);
}

#define NR_HELD 16

/*
 * Under page_poison=1, a write to a freed page is caught when the page is
 * allocated again: one report naming the page and the first offset written.
 */
void bad_use_after_free_poison(struct ktest *t)
{
	struct page *held[NR_HELD], *page = NULL, *again;
	unsigned long reports, clean = 0;
	unsigned int n;
	unsigned char *p;

	if (!page_poisoning_enabled) {
		ktest_skip(t, "page_poison=1 not set");
		return;
	}
	/*
	 * Free a page whose buddy we hold, so it cannot merge: it goes to the
	 * head of free_area[0] and the next order-0 allocation takes it back.
	 */
	for (n = 0; n < NR_HELD && !page; n++) {
		held[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!held[n])
			break;
		for (unsigned int i = 0; i < n; i++)
			if ((page_to_pfn(held[i]) ^ 1) == page_to_pfn(held[n]))
				page = held[i];
	}
	if (!page) {
		ktest_skip(t, "no two buddy pages found");
		goto out;
	}
	p = page_address(page);
	__free_page(page);
	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		clean += p[i] == PAGE_POISON;
	KTEST_EXPECT(t, clean == PAGE_SIZE);
	p[0x123] = 0x42; /* the use after free */
	reports = mm_bad_page_reports;
	again = alloc_page(GFP_KERNEL);
	KTEST_EXPECT(t, again == page);
	KTEST_EXPECT(t, mm_bad_page_reports == reports + 1);
	if (again != page) {
		/* the freed page is not among the held ones any more */
		if (again)
			__free_page(again);
		for (unsigned int i = 0; i < n; i++)
			if (held[i] == page)
				held[i] = NULL;
	}
out:
	for (unsigned int i = 0; i < n; i++)
		if (held[i])
			__free_page(held[i]);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* A put_page() after the last reference is reported and frees nothing. */
void bad_put_page_after_last_reference(struct ktest *t)
{
	struct page *page = case_alloc(t, 0);
	struct refusal r;

	if (!page)
		return;
	put_page(page);
	refusal_begin(&r);
	put_page(page);
	get_page(page);
	refusal_expect(t, &r, 2);
	KTEST_EXPECT(t, page_ref_count(page) == 0);
}
