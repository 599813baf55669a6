// SPDX-License-Identifier: MIT
/*
 * mm_selftest_api.c - the page API on the memory it manages: each call does what it
 * says (every order, zeroing, alignment, all of memory at order 0, reference
 * counts, exact sizes, bulk, contiguous ranges).
 */
#include "mm_selftest_cases.h"

#include "mm.h"

/* One block of every order is allocated, aligned, and freed back. */
void alloc_free_every_order(struct ktest *t)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct buddy_snapshot s0, s1;
		struct page *page;
		unsigned long pfn;

		drained_snapshot(&s0);
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
		drained_snapshot(&s1);
		KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	}
	KTEST_EXPECT(t, buddy_verify() == 0);
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
void get_zeroed_page_is_zeroed(struct ktest *t)
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
void blocks_aligned_and_disjoint(struct ktest *t)
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
void all_free_memory_at_order0(struct ktest *t)
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
void free_pages_of_0_does_nothing(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	unsigned long reports = mm_bad_page_reports;

	drained_snapshot(&s0);
	free_pages(0, 0);
	free_pages(0, 5);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, mm_bad_page_reports == reports);
}

/* get_page()/put_page(): the last reference frees the whole block, and
 * __free_pages() on a shared block only drops one. */
void refcount_get_put(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct page *page;

	drained_snapshot(&s0);
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
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

/* alloc_pages_exact(5 pages) keeps 5 of the order-3 block's 8. */
void alloc_pages_exact_gives_back_the_tail(struct ktest *t)
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
void bulk_alloc_and_release(struct ktest *t)
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
void contig_pages_and_ranges(struct ktest *t)
{
	struct buddy_snapshot s0, s1;
	struct page *page;
	unsigned long pfn;

	drained_snapshot(&s0);
	page = alloc_contig_pages(5, GFP_KERNEL | __GFP_NOWARN);
	if (!page) {
		ktest_skip(t, "not enough free memory for this case");
		return;
	}
	pfn = page_to_pfn(page);
	KTEST_EXPECT(t, pfn % 5 == 0);
	KTEST_EXPECT(t, nr_free_pages() == s0.free_pages - 5);
	/* the same range again is busy: -EBUSY, nothing changes */
	drained_snapshot(&s1);
	KTEST_EXPECT(t,
		     alloc_contig_range(pfn, pfn + 5,
					GFP_KERNEL | __GFP_NOWARN) == -EBUSY);
	KTEST_EXPECT(t, nr_free_pages() == s1.free_pages);
	free_contig_range(pfn, 5);
	/* and free again it can be taken exactly */
	KTEST_EXPECT(t, alloc_contig_range(pfn, pfn + 5, GFP_KERNEL) == 0);
	free_contig_range(pfn, 5);
	drained_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
	KTEST_EXPECT(t, buddy_verify() == 0);
}

/* Below 16 MiB and 64 KiB-aligned, when there is free memory down there. */
void contig_pages_below_a_limit(struct ktest *t)
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
