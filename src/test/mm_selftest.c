// SPDX-License-Identifier: MIT
/*
 * mm_selftest.c - the buddy allocator tested on the memory it manages.
 * Each case leaves the allocator as it found it; the last case proves it.
 */
#include "mm_selftest.h"

#include "mm.h"

static struct buddy_snapshot before_tests;

static void record_counters(struct ktest *t)
{
	buddy_snapshot(&before_tests);
	printk("# MemFree before the tests: %lu kB\n",
	       before_tests.free_pages << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, before_tests.free_pages > 0);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* One block of every order is allocated, aligned, and freed back. */
static void alloc_free_every_order(struct ktest *t)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct buddy_snapshot s0, s1;
		struct page *page;
		unsigned long pfn;

		buddy_snapshot(&s0);
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!page) {
			printk("# no free block of order %u: skipped\n", order);
			continue;
		}
		pfn = page_to_pfn(page);
		KTEST_EXPECT(t, (pfn & ((1UL << order) - 1)) == 0);
		KTEST_EXPECT(t, page_ref_count(page) == 1);
		KTEST_EXPECT(t,
			     nr_free_pages() == s0.free_pages - (1UL << order));
		__free_pages(page, order);
		buddy_snapshot(&s1);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	}
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/*
 * case_alloc() - the allocation a case starts from. On a machine with too
 * little free memory the case is skipped (KTAP "# SKIP"), not failed: the
 * caller returns at once when this gives NULL.
 */
static struct page *case_alloc(struct ktest *t, unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

	if (!page)
		ktest_skip(t, "not enough free memory for this case");
	return page;
}

static unsigned long nonzero_words(unsigned long addr, unsigned int order)
{
	const uint64_t *w = (const uint64_t *)addr;
	unsigned long nonzero = 0;

	for (unsigned long j = 0; j < (PAGE_SIZE << order) / 8; j++)
		nonzero += w[j] != 0;
	return nonzero;
}

#define NR_DIRTY 4

/* get_zeroed_page() returns zeroes even where the page was dirty before. */
static void get_zeroed_page_is_zeroed(struct ktest *t)
{
	unsigned long pages[NR_DIRTY] = { 0 }, big;
	unsigned int i;

	/* Dirty a few pages and free them, so the zeroed page is likely one. */
	for (i = 0; i < NR_DIRTY; i++) {
		pages[i] = __get_free_page(GFP_KERNEL | __GFP_NOWARN);
		if (pages[i])
			memset((void *)pages[i], 0xa5, PAGE_SIZE);
	}
	for (i = 0; i < NR_DIRTY; i++)
		free_page(pages[i]); /* free_page(0) does nothing */

	for (i = 0; i < NR_DIRTY; i++) {
		pages[i] = get_zeroed_page(GFP_KERNEL | __GFP_NOWARN);
		if (!pages[i])
			continue;
		KTEST_EXPECT(t, (pages[i] & (PAGE_SIZE - 1)) == 0);
		KTEST_EXPECT(t, nonzero_words(pages[i], 0) == 0);
	}
	if (!pages[0])
		ktest_skip(t, "not enough free memory for this case");
	for (i = 0; i < NR_DIRTY; i++)
		free_page(pages[i]);

	/* __GFP_ZERO on a larger block zeroes all of it. */
	big = __get_free_pages(GFP_KERNEL | __GFP_NOWARN, 3);
	if (!big)
		return;
	memset((void *)big, 0x5a, PAGE_SIZE << 3);
	free_pages(big, 3);
	big = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 3);
	KTEST_ASSERT(t, big != 0); /* the block just freed is there */
	KTEST_EXPECT(t, nonzero_words(big, 3) == 0);
	free_pages(big, 3);
}

#define NR_BLOCKS 256

struct block {
	unsigned long pfn;
	unsigned int order;
};

/* Random orders, skewed small: order o with probability ~2^-(o+1). */
static unsigned int random_order(struct ktest *t)
{
	uint64_t r = ktest_random(t);
	unsigned int order = 0;

	while ((r & 1) && order < MAX_PAGE_ORDER) {
		order++;
		r >>= 1;
	}
	return order;
}

/* Many live blocks of random orders: each aligned to its size, none overlapping. */
static void blocks_aligned_and_disjoint(struct ktest *t)
{
	static struct block blocks[NR_BLOCKS];
	unsigned int n = 0, i, j;

	for (i = 0; i < NR_BLOCKS; i++) {
		unsigned int order = random_order(t);
		struct page *page =
			alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

		if (!page)
			continue;
		blocks[n].pfn = page_to_pfn(page);
		blocks[n].order = order;
		KTEST_EXPECT(t, (blocks[n].pfn & ((1UL << order) - 1)) == 0);
		n++;
	}
	KTEST_EXPECT(t, n > 0);
	/* insertion sort by pfn, then neighbours must not overlap */
	for (i = 1; i < n; i++) {
		struct block b = blocks[i];

		for (j = i; j > 0 && blocks[j - 1].pfn > b.pfn; j--)
			blocks[j] = blocks[j - 1];
		blocks[j] = b;
	}
	for (i = 1; i < n; i++)
		KTEST_EXPECT(t,
			     blocks[i - 1].pfn + (1UL << blocks[i - 1].order) <=
				     blocks[i].pfn);
	KTEST_EXPECT(t, buddy_verify() == 0);
	/* free in a shuffled order */
	for (i = n; i > 1; i--) {
		struct block tmp;

		j = (unsigned int)(ktest_random(t) % i);
		tmp = blocks[i - 1];
		blocks[i - 1] = blocks[j];
		blocks[j] = tmp;
	}
	for (i = 0; i < n; i++)
		__free_pages(pfn_to_page(blocks[i].pfn), blocks[i].order);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/*
 * Print every maximal run of allocated pages as
 * "selftest: handed out [mem 0x...-0x...]" (inclusive end, as the firmware
 * map lines), so a log checker can prove none lies in a hole or a reserved
 * range. Called with all free memory taken.
 */
static void print_handed_out(void)
{
	unsigned long pfn = 0, runs = 0, pages = 0;

	while (pfn < max_pfn) {
		unsigned long start;

		if (!PageHead(pfn_to_page(pfn))) {
			pfn++;
			continue;
		}
		start = pfn;
		while (pfn < max_pfn && PageHead(pfn_to_page(pfn)))
			pfn += 1UL << page_private(pfn_to_page(pfn));
		printk("selftest: handed out [mem %#018llx-%#018llx]\n",
		       (unsigned long long)PFN_PHYS(start),
		       (unsigned long long)PFN_PHYS(pfn) - 1);
		runs++;
		pages += pfn - start;
	}
	printk("selftest: handed out %lu pages in %lu ranges\n", pages, runs);
}

static uint64_t pattern(unsigned long pfn, unsigned int word)
{
	return ((uint64_t)pfn << 12 | word) ^ 0x9e3779b97f4a7c15ULL;
}

/*
 * Take every free page at order 0 (__GFP_MEMALLOC: the reserves below the
 * watermarks too), write each with its own pattern through
 * the direct map, verify them all (an overlap or aliasing would show), then
 * free them. The allocated pages are chained through page->lru, which the
 * owner of an allocated page may use, as in Linux.
 */
static void all_free_memory_at_order0(struct ktest *t)
{
	struct list_head taken;
	struct list_head *pos;
	unsigned long free_before = nr_free_pages(), n = 0, bad = 0;
	struct page *page;

	INIT_LIST_HEAD(&taken);
	/* __GFP_MEMALLOC: past every watermark, to the last page */
	while ((page = alloc_page(GFP_KERNEL | __GFP_MEMALLOC |
				  __GFP_NOWARN))) {
		list_add(&page->lru, &taken);
		n++;
	}
	printk("# took %lu pages (%lu kB) at order 0\n", n,
	       n << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, n == free_before);
	KTEST_EXPECT(t, nr_free_pages() == 0);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL | __GFP_MEMALLOC |
				   __GFP_NOWARN) == NULL);
	print_handed_out();

	list_for_each (pos, &taken) {
		struct page *p = list_entry(pos, struct page, lru);
		uint64_t *w = page_address(p);
		unsigned long pfn = page_to_pfn(p);

		for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
			w[i] = pattern(pfn, i);
	}
	list_for_each (pos, &taken) {
		struct page *p = list_entry(pos, struct page, lru);
		const uint64_t *w = page_address(p);
		unsigned long pfn = page_to_pfn(p);

		for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
			if (w[i] != pattern(pfn, i)) {
				if (!bad++)
					printk("# pfn %#lx word %u: %#llx, expected %#llx\n",
					       pfn, i, (unsigned long long)w[i],
					       (unsigned long long)pattern(pfn,
									   i));
				break;
			}
	}
	KTEST_EXPECT(t, bad == 0);

	while (!list_empty(&taken)) {
		page = list_first_entry(&taken, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
	}
	KTEST_EXPECT(t, nr_free_pages() == free_before);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* free_pages(0) does nothing, as in Linux: no report, no change. */
static void free_pages_of_0_does_nothing(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	unsigned long reports = mm_bad_page_reports;

	buddy_snapshot(&s0);
	free_pages(0, 0);
	free_pages(0, 5);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, mm_bad_page_reports == reports);
}

/*
 * The bad-input cases: each misuse must print exactly the reports expected
 * (one "BUG:" block each), leave the free lists and counters exactly as they
 * were, and keep buddy_verify() clean. Every case that expects reports is
 * named "bad_*", so a log checker can tell expected reports from real ones.
 */
struct refusal {
	struct buddy_snapshot before;
	unsigned long reports;
};

static void refusal_begin(struct refusal *r)
{
	buddy_snapshot(&r->before);
	r->reports = mm_bad_page_reports;
}

static void refusal_expect(struct ktest *t, const struct refusal *r,
			   unsigned long nr_reports)
{
	struct buddy_snapshot now;

	buddy_snapshot(&now);
	KTEST_EXPECT(t, buddy_snapshot_equal(&r->before, &now));
	KTEST_EXPECT(t, mm_bad_page_reports - r->reports == nr_reports);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* A block still allocated as it was: head, order, one reference. */
static void expect_allocated(struct ktest *t, const struct page *page,
			     unsigned int order)
{
	KTEST_EXPECT(t, PageHead(page) && !PageBuddy(page));
	KTEST_EXPECT(t, page_private(page) == order);
	KTEST_EXPECT(t, page_ref_count(page) == 1);
}

static void bad_double_free_whole_block(struct ktest *t)
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
static void bad_double_free_page_in_free_block(struct ktest *t)
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

static void bad_free_wrong_order_smaller(struct ktest *t)
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

static void bad_free_wrong_order_larger(struct ktest *t)
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
static void bad_free_misaligned(struct ktest *t)
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
static void bad_free_reserved_page(struct ktest *t)
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

static void bad_free_kernel_image_page(struct ktest *t)
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
static void bad_free_outside_mem_map(struct ktest *t)
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
static void bad_free_outside_direct_map(struct ktest *t)
{
	struct refusal r;

	refusal_begin(&r);
	free_pages(0x1000, 0);
	free_pages((unsigned long)__va(PFN_PHYS(max_pfn)), 0);
	refusal_expect(t, &r, 2);
}

/* A page in the middle of an allocated block, at order 0 and at an order
 * it is aligned to. The block stays allocated and whole. */
static void bad_free_middle_of_allocated_block(struct ktest *t)
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
static void bad_order_above_max(struct ktest *t)
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
static void bad_gfp_unknown_bits(struct ktest *t)
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
static void oom_at_each_order(struct ktest *t)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct buddy_snapshot s0, s1, s2;
		unsigned long n = 0, reports;
		struct list_head taken;
		struct page *page;

		buddy_snapshot(&s0);
		INIT_LIST_HEAD(&taken);
		while ((page = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC |
						   __GFP_NOWARN,
					   order))) {
			list_add(&page->lru, &taken);
			n++;
		}
		/* no block of this order or above is left, in any zone */
		buddy_snapshot(&s1);
		for (unsigned int o = order; o <= MAX_PAGE_ORDER; o++)
			KTEST_EXPECT(t, s1.nr_free[o] == 0);
		reports = mm_bad_page_reports;
		KTEST_EXPECT(t, alloc_pages(GFP_KERNEL | __GFP_MEMALLOC,
					    order) == NULL);
		buddy_snapshot(&s2);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s1, &s2));
		KTEST_EXPECT(t, mm_bad_page_reports == reports);
		printk("# order %u: %lu blocks taken, %lu pages left in smaller blocks\n",
		       order, n, s1.free_pages);
		while (!list_empty(&taken)) {
			page = list_first_entry(&taken, struct page, lru);
			list_del(&page->lru);
			__free_pages(page, order);
		}
		buddy_snapshot(&s1);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	}
	KTEST_EXPECT(t, buddy_verify() == 0);
}

#define NR_HELD 16

/*
 * Under page_poison=1, a write to a freed page is caught when the page is
 * allocated again: one report naming the page and the first offset written.
 */
static void bad_use_after_free_poison(struct ktest *t)
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

/* get_page()/put_page(): the last reference frees the whole block, and
 * __free_pages() on a shared block only drops one. */
static void refcount_get_put(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct page *page;

	buddy_snapshot(&s0);
	page = case_alloc(t, 2);
	if (!page)
		return;
	get_page(page + 1); /* any page of the block: counted on its head */
	get_page(page);
	KTEST_EXPECT(t, page_ref_count(page) == 3);
	__free_pages(page, 2);
	put_page(page + 3);
	KTEST_EXPECT(t, page_ref_count(page) == 1 && PageHead(page));
	put_page(page);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

/* A put_page() after the last reference is reported and frees nothing. */
static void bad_put_page_after_last_reference(struct ktest *t)
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

/* alloc_pages_exact(5 pages) keeps 5 of the order-3 block's 8. */
static void alloc_pages_exact_gives_back_the_tail(struct ktest *t)
{
	unsigned long before = nr_free_pages();
	void *p = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);

	if (!p) {
		ktest_skip(t, "not enough free memory for this case");
		return;
	}
	KTEST_EXPECT(t, nr_free_pages() == before - 5);
	for (unsigned int i = 0; i < 5; i++)
		KTEST_EXPECT(t, page_ref_count(virt_to_page(p) + i) == 1);
	memset(p, 0x3c, 5 * PAGE_SIZE);
	free_pages_exact(p, 5 * PAGE_SIZE);
	KTEST_EXPECT(t, nr_free_pages() == before);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

#define NR_BULK 64

/* alloc_pages_bulk_array() fills the empty slots; release_pages() frees. */
static void bulk_alloc_and_release(struct ktest *t)
{
	static struct page *pages[NR_BULK];
	unsigned long before = nr_free_pages(), got;

	memset(pages, 0, sizeof(pages));
	pages[7] = case_alloc(t, 0);
	if (!pages[7])
		return;
	got = alloc_pages_bulk_array(GFP_KERNEL | __GFP_NOWARN, NR_BULK, pages);
	if (got < NR_BULK) {
		ktest_skip(t, "not enough free memory for this case");
	} else {
		KTEST_EXPECT(t, nr_free_pages() == before - NR_BULK);
		for (unsigned int i = 0; i < NR_BULK; i++)
			KTEST_EXPECT(t,
				     pages[i] && page_ref_count(pages[i]) == 1);
	}
	release_pages(pages, NR_BULK);
	KTEST_EXPECT(t, nr_free_pages() == before);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* alloc_contig_pages(): any count at a multiple of itself; the range is
 * then taken exactly, and a busy range is refused without change. */
static void contig_pages_and_ranges(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct page *page;
	unsigned long pfn;

	buddy_snapshot(&s0);
	page = alloc_contig_pages(5, GFP_KERNEL | __GFP_NOWARN);
	if (!page) {
		ktest_skip(t, "not enough free memory for this case");
		return;
	}
	pfn = page_to_pfn(page);
	KTEST_EXPECT(t, pfn % 5 == 0);
	KTEST_EXPECT(t, nr_free_pages() == s0.free_pages - 5);
	/* the same range again is busy: -EBUSY, nothing changes */
	buddy_snapshot(&s1);
	KTEST_EXPECT(t,
		     alloc_contig_range(pfn, pfn + 5,
					GFP_KERNEL | __GFP_NOWARN) == -EBUSY);
	KTEST_EXPECT(t, nr_free_pages() == s1.free_pages);
	free_contig_range(pfn, 5);
	/* and free again it can be taken exactly */
	KTEST_EXPECT(t, alloc_contig_range(pfn, pfn + 5, GFP_KERNEL) == 0);
	free_contig_range(pfn, 5);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Below 16 MiB and 64 KiB-aligned, when there is free memory down there. */
static void contig_pages_below_a_limit(struct ktest *t)
{
	struct page *page = alloc_contig_pages_limit(
		3, GFP_KERNEL | __GFP_NOWARN, 16UL << 20, 64UL << 10);
	phys_addr_t pa;

	if (!page) {
		ktest_skip(t, "no 3 free pages below 16 MiB");
		return;
	}
	pa = page_to_phys(page);
	KTEST_EXPECT(t, pa % (64UL << 10) == 0);
	KTEST_EXPECT(t, pa + 3 * PAGE_SIZE <= (16UL << 20));
	free_contig_range(page_to_pfn(page), 3);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

static void counters_restored(struct ktest *t)
{
	struct buddy_snapshot after;

	buddy_snapshot(&after);
	printk("# MemFree after the tests: %lu kB\n",
	       after.free_pages << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, after.free_pages == before_tests.free_pages);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		KTEST_EXPECT(t, after.nr_free[o] == before_tests.nr_free[o]);
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Zones ---------------------------------------------------------------------- */

/* Is the block of 2^@order pages at @page wholly below physical @limit? */
static bool block_below(const struct page *page, unsigned int order,
			phys_addr_t limit)
{
	return PFN_PHYS(page_to_pfn(page) + (1UL << order)) <= limit;
}

/*
 * GFP_DMA blocks come from ZONE_DMA, below 16 MiB, at every order the zone
 * can give, with GFP_KERNEL and GFP_ATOMIC alike.
 */
static void zone_dma_below_16m(struct ktest *t)
{
	const struct zone *dma = &NODE_DATA(0)->node_zones[ZONE_DMA];
	unsigned int tested = 0;

	if (!populated_zone(dma)) {
		ktest_skip(t, "no RAM below 16 MiB");
		return;
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *a =
			alloc_pages(GFP_KERNEL | GFP_DMA | __GFP_NOWARN, order);
		struct page *b =
			alloc_pages(GFP_ATOMIC | GFP_DMA | __GFP_NOWARN, order);

		if (a) {
			KTEST_EXPECT(t, block_below(a, order, 16UL << 20));
			KTEST_EXPECT(t, page_zone(a) == dma);
			__free_pages(a, order);
			tested++;
		}
		if (b) {
			KTEST_EXPECT(t, block_below(b, order, 16UL << 20));
			__free_pages(b, order);
		}
	}
	printk("# GFP_DMA blocks below 16 MiB at %u orders\n", tested);
	KTEST_EXPECT(t, tested > 0);
}

/*
 * GFP_DMA32 blocks lie below 4 GiB, from ZONE_DMA32 while it has blocks of
 * the order (and passes its watermarks), never from ZONE_NORMAL.
 */
static void zone_dma32_below_4g(struct ktest *t)
{
	const struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned int tested = 0, from_dma32 = 0;

	if (!populated_zone(dma32)) {
		ktest_skip(t, "no RAM between 16 MiB and 4 GiB");
		return;
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(
			GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, order);

		if (!page)
			continue;
		tested++;
		KTEST_EXPECT(t, block_below(page, order, 4UL << 30));
		KTEST_EXPECT(t, zone_idx(page_zone(page)) <= ZONE_DMA32);
		from_dma32 += page_zone(page) == dma32;
		__free_pages(page, order);
	}
	printk("# GFP_DMA32 blocks below 4 GiB at %u orders, %u from DMA32\n",
	       tested, from_dma32);
	KTEST_EXPECT(t, tested > 0);
	/* DMA32 has the most memory below 4 GiB: it serves first */
	KTEST_EXPECT(t, from_dma32 > 0);
}

/* Free every block chained on @taken (allocated heads, order in private). */
static void free_taken(struct list_head *taken)
{
	while (!list_empty(taken)) {
		struct page *page = list_first_entry(taken, struct page, lru);

		list_del(&page->lru);
		__free_pages(page, (unsigned int)page_private(page));
	}
}

/* The watermark tunables, saved so a case can zero them and put them back. */
struct wmark_tunables {
	int user_min_free_kbytes, watermark_scale_factor;
	int ratio[MAX_NR_ZONES];
};

/* Zero every watermark and lowmem_reserve (as the sysctls would). */
static void zero_watermarks(struct wmark_tunables *saved)
{
	saved->user_min_free_kbytes = user_min_free_kbytes;
	saved->watermark_scale_factor = watermark_scale_factor;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		saved->ratio[z] = sysctl_lowmem_reserve_ratio[z];
	watermark_tunables_zero();
	init_per_zone_wmark_min();
}

static void restore_watermarks(const struct wmark_tunables *saved)
{
	user_min_free_kbytes = saved->user_min_free_kbytes;
	watermark_scale_factor = saved->watermark_scale_factor;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sysctl_lowmem_reserve_ratio[z] = saved->ratio[z];
	init_per_zone_wmark_min();
}

/*
 * The zonelist: GFP_KERNEL takes from ZONE_NORMAL first, then DMA32, then
 * DMA. With the watermarks zeroed for the case (with them, the fast path
 * moves down a zone at each zone's low watermark, and the slow path comes
 * back up for the pages between low and min), taking every order-10 block
 * gives zones in non-increasing order.
 */
static void zone_fallback_order(struct ktest *t)
{
	unsigned long per_zone[MAX_NR_ZONES] = { 0 }, out_of_order = 0;
	enum zone_type last = ZONE_NORMAL;
	struct wmark_tunables saved;
	unsigned int populated = 0;
	struct buddy_snapshot s0, s1;
	struct list_head taken;
	struct page *page;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		populated += populated_zone(&NODE_DATA(0)->node_zones[z]);
	if (populated < 2) {
		ktest_skip(t, "only one zone has memory");
		return;
	}
	zero_watermarks(&saved);
	buddy_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	while ((page = alloc_pages(GFP_KERNEL | __GFP_NOWARN,
				   MAX_PAGE_ORDER))) {
		enum zone_type z = zone_idx(page_zone(page));

		out_of_order += z > last;
		last = z;
		per_zone[z]++;
		list_add(&page->lru, &taken);
	}
	printk("# order-%d blocks taken: %lu from Normal, then %lu from DMA32, then %lu from DMA\n",
	       MAX_PAGE_ORDER, per_zone[ZONE_NORMAL], per_zone[ZONE_DMA32],
	       per_zone[ZONE_DMA]);
	KTEST_EXPECT(t, out_of_order == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		KTEST_EXPECT(t,
			     per_zone[z] == s0.zone_nr_free[z][MAX_PAGE_ORDER]);
	free_taken(&taken);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	restore_watermarks(&saved);
}

/* A zone's min watermark as GFP_ATOMIC sees it: less half, less a quarter
 * of the rest (Linux's ALLOC_MIN_RESERVE and ALLOC_NON_BLOCK). */
static unsigned long atomic_min(const struct zone *z)
{
	unsigned long min = min_wmark_pages(z);

	min -= min / 2;
	return min - min / 4;
}

/*
 * Take every block GFP_KERNEL may have, at @gfp, largest orders first, onto
 * @taken. Return: the number of allocations after which the zone given
 * them was below @floor(zone) + its protection for ZONE_NORMAL.
 */
static unsigned long drain(gfp_t gfp, struct list_head *taken,
			   unsigned long (*floor)(const struct zone *))
{
	unsigned long below = 0;

	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *page;

		while ((page = alloc_pages(gfp | __GFP_NOWARN,
					   (unsigned int)order))) {
			const struct zone *z = page_zone(page);

			below += zone_free_pages(z) <
				 floor(z) + z->lowmem_reserve[ZONE_NORMAL];
			list_add(&page->lru, taken);
		}
	}
	return below;
}

static unsigned long kernel_min(const struct zone *z)
{
	return min_wmark_pages(z);
}

/*
 * Watermarks, as Linux: GFP_KERNEL never takes a zone (its free pages, the
 * per-CPU lists included) below its min
 * watermark plus its protection (lowmem_reserve) against ZONE_NORMAL
 * callers, and stops exactly there; GFP_ATOMIC goes on down to 3/8 of min;
 * __GFP_MEMALLOC takes the rest. Everything frees back.
 */
static void zone_watermarks(struct ktest *t)
{
	unsigned long before[MAX_NR_ZONES];
	struct buddy_snapshot s0, s1;
	struct list_head taken;
	unsigned long below;

	buddy_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];

		before[z] = zone_free_pages(zone);
		KTEST_EXPECT(t, min_wmark_pages(zone) <= low_wmark_pages(zone));
		KTEST_EXPECT(t,
			     low_wmark_pages(zone) <= high_wmark_pages(zone));
	}

	below = drain(GFP_KERNEL, &taken, kernel_min);
	KTEST_EXPECT(t, below == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];
		unsigned long stop = min_wmark_pages(zone) +
				     zone->lowmem_reserve[ZONE_NORMAL];

		if (stop > before[z])
			stop = before[z];
		printk("# zone %s: GFP_KERNEL left %lu of %lu free pages (min %lu + protection %lu)\n",
		       zone->name, zone_free_pages(zone), before[z],
		       min_wmark_pages(zone),
		       zone->lowmem_reserve[ZONE_NORMAL]);
		KTEST_EXPECT(t, zone_free_pages(zone) == stop);
		before[z] = zone_free_pages(zone);
	}
	/* GFP_NOWAIT cannot reclaim but is no high priority: nothing more */
	KTEST_EXPECT(t, alloc_page(GFP_NOWAIT | __GFP_NOWARN) == NULL);

	below = drain(GFP_ATOMIC, &taken, atomic_min);
	KTEST_EXPECT(t, below == 0);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &NODE_DATA(0)->node_zones[z];
		unsigned long stop =
			atomic_min(zone) + zone->lowmem_reserve[ZONE_NORMAL];

		if (stop > before[z])
			stop = before[z];
		printk("# zone %s: GFP_ATOMIC left %lu free pages (3/8 of min %lu + protection %lu)\n",
		       zone->name, zone_free_pages(zone), min_wmark_pages(zone),
		       zone->lowmem_reserve[ZONE_NORMAL]);
		KTEST_EXPECT(t, zone_free_pages(zone) == stop);
	}

	drain(GFP_KERNEL | __GFP_MEMALLOC, &taken, kernel_min);
	KTEST_EXPECT(t, nr_free_pages() == 0);
	free_taken(&taken);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/*
 * The per-CPU lists: an order-0 free waits on the running CPU's list of its
 * zone (PG_pcp, still free: MemFree does not change), the next allocation
 * takes it back first, frees past high send a batch at a time back to the
 * buddy, and a drain merges everything: the counters end as they began.
 */
static void pcp_lists(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct per_cpu_pages *pcp;
	struct list_head taken;
	unsigned long free0, n = 0, want, over_high = 0;
	struct page *page, *again;

	buddy_snapshot(&s0); /* drains: every list starts empty */
	page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	if (!page) {
		ktest_skip(t, "no free page");
		return;
	}
	pcp = this_cpu_pcp(page_zone(page));
	/* the refill took a batch; one of it was handed out */
	KTEST_EXPECT(t, pcp->count == pcp->batch - 1);
	free0 = nr_free_pages();
	__free_pages(page, 0);
	KTEST_EXPECT(t, PagePcp(page) && !PageBuddy(page));
	KTEST_EXPECT(t, nr_free_pages() == free0 + 1);
	KTEST_EXPECT(t, pcp->count == pcp->batch);
	again = alloc_page(GFP_KERNEL);
	KTEST_EXPECT(t, again == page); /* last freed, first out */
	__free_pages(again, 0);

	/* Hold high + batch pages of that zone, then free them all. */
	want = (unsigned long)pcp->high + (unsigned long)pcp->batch;
	INIT_LIST_HEAD(&taken);
	while (n < want && (page = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		list_add(&page->lru, &taken);
		n++;
	}
	while (!list_empty(&taken)) {
		page = list_first_entry(&taken, struct page, lru);
		list_del(&page->lru);
		__free_pages(page, 0);
		over_high += pcp->count >= pcp->high;
	}
	printk("# zone %s, cpu 0: high %d, batch %d; %lu pages freed, %d left on the list\n",
	       page_zone(again)->name, pcp->high, pcp->batch, n, pcp->count);
	KTEST_EXPECT(t, over_high == 0);
	KTEST_EXPECT(t, pcp->count > 0 && pcp->count < pcp->high);
	KTEST_EXPECT(t, buddy_verify() == 0);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, pcp->count == 0);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

/*
 * A zone that cannot satisfy a request: with ZONE_DMA emptied, GFP_DMA gets
 * NULL (and the warning "page allocation failure: order:0 ... zone DMA"),
 * nothing changes, and the zones above still serve GFP_DMA32 and GFP_KERNEL.
 */
static void zone_dma_exhausted(struct ktest *t)
{
	const struct zone *dma = &NODE_DATA(0)->node_zones[ZONE_DMA];
	struct buddy_snapshot s0, s1, s2;
	struct list_head taken;
	struct page *page;

	if (!populated_zone(dma) || dma->managed_pages == totalram_pages()) {
		ktest_skip(t, "no RAM above 16 MiB");
		return;
	}
	buddy_snapshot(&s0);
	INIT_LIST_HEAD(&taken);
	while ((page = alloc_page(GFP_KERNEL | GFP_DMA | __GFP_MEMALLOC |
				  __GFP_NOWARN)))
		list_add(&page->lru, &taken);
	KTEST_EXPECT(t, zone_free_pages(dma) == 0);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL | GFP_DMA) == NULL);
	KTEST_EXPECT(t,
		     alloc_page(GFP_ATOMIC | GFP_DMA | __GFP_NOWARN) == NULL);
	buddy_snapshot(&s2);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s1, &s2));
	page = alloc_page(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN);
	KTEST_EXPECT(t, page && zone_idx(page_zone(page)) > ZONE_DMA);
	if (page)
		list_add(&page->lru, &taken);
	free_taken(&taken);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

const struct ktest_case mm_selftest_cases[] = {
	{ "buddy_state_recorded", record_counters },
	{ "alloc_free_every_order", alloc_free_every_order },
	{ "get_zeroed_page_is_zeroed", get_zeroed_page_is_zeroed },
	{ "blocks_aligned_and_disjoint", blocks_aligned_and_disjoint },
	{ "all_free_memory_at_order0", all_free_memory_at_order0 },
	{ "free_pages_of_0_does_nothing", free_pages_of_0_does_nothing },
	{ "bad_double_free_whole_block", bad_double_free_whole_block },
	{ "bad_double_free_page_in_free_block",
	  bad_double_free_page_in_free_block },
	{ "bad_free_wrong_order_smaller", bad_free_wrong_order_smaller },
	{ "bad_free_wrong_order_larger", bad_free_wrong_order_larger },
	{ "bad_free_misaligned", bad_free_misaligned },
	{ "bad_free_reserved_page", bad_free_reserved_page },
	{ "bad_free_kernel_image_page", bad_free_kernel_image_page },
	{ "bad_free_outside_mem_map", bad_free_outside_mem_map },
	{ "bad_free_outside_direct_map", bad_free_outside_direct_map },
	{ "bad_free_middle_of_allocated_block",
	  bad_free_middle_of_allocated_block },
	{ "bad_order_above_max", bad_order_above_max },
	{ "bad_gfp_unknown_bits", bad_gfp_unknown_bits },
	{ "oom_at_each_order", oom_at_each_order },
	{ "bad_use_after_free_poison", bad_use_after_free_poison },
	{ "refcount_get_put", refcount_get_put },
	{ "bad_put_page_after_last_reference",
	  bad_put_page_after_last_reference },
	{ "alloc_pages_exact_gives_back_the_tail",
	  alloc_pages_exact_gives_back_the_tail },
	{ "bulk_alloc_and_release", bulk_alloc_and_release },
	{ "contig_pages_and_ranges", contig_pages_and_ranges },
	{ "contig_pages_below_a_limit", contig_pages_below_a_limit },
	{ "zone_dma_below_16m", zone_dma_below_16m },
	{ "zone_dma32_below_4g", zone_dma32_below_4g },
	{ "zone_fallback_order", zone_fallback_order },
	{ "zone_watermarks", zone_watermarks },
	{ "zone_dma_exhausted", zone_dma_exhausted },
	{ "pcp_lists", pcp_lists },
	{ "counters_restored", counters_restored },
};
const unsigned int mm_selftest_nr_cases =
	sizeof(mm_selftest_cases) / sizeof(mm_selftest_cases[0]);
