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

/* get_zeroed_page() returns zeroes even where the page was dirty before. */
static void get_zeroed_page_is_zeroed(struct ktest *t)
{
	unsigned long dirty[4], addr;
	unsigned int i;

	/* Dirty a few pages and free them, so the zeroed page is likely one. */
	for (i = 0; i < 4; i++) {
		dirty[i] = __get_free_page(GFP_KERNEL);
		KTEST_ASSERT(t, dirty[i] != 0);
		memset((void *)dirty[i], 0xa5, PAGE_SIZE);
	}
	for (i = 0; i < 4; i++)
		free_page(dirty[i]);

	for (i = 0; i < 4; i++) {
		const uint64_t *w;
		unsigned long nonzero = 0;

		addr = get_zeroed_page(GFP_KERNEL);
		KTEST_ASSERT(t, addr != 0);
		KTEST_EXPECT(t, (addr & (PAGE_SIZE - 1)) == 0);
		w = (const uint64_t *)addr;
		for (unsigned int j = 0; j < PAGE_SIZE / 8; j++)
			nonzero += w[j] != 0;
		KTEST_EXPECT(t, nonzero == 0);
		dirty[i] = addr;
	}
	for (i = 0; i < 4; i++)
		free_page(dirty[i]);

	/* __GFP_ZERO on a larger block zeroes all of it. */
	{
		unsigned long big = __get_free_pages(GFP_KERNEL, 3);
		unsigned long nonzero = 0;

		KTEST_ASSERT(t, big != 0);
		memset((void *)big, 0x5a, PAGE_SIZE << 3);
		free_pages(big, 3);
		big = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 3);
		KTEST_ASSERT(t, big != 0);
		for (unsigned long j = 0; j < (PAGE_SIZE << 3) / 8; j++)
			nonzero += ((const uint64_t *)big)[j] != 0;
		KTEST_EXPECT(t, nonzero == 0);
		free_pages(big, 3);
	}
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

static uint64_t pattern(unsigned long pfn, unsigned int word)
{
	return ((uint64_t)pfn << 12 | word) ^ 0x9e3779b97f4a7c15ULL;
}

/*
 * Take every free page at order 0, write each with its own pattern through
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
	while ((page = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		list_add(&page->lru, &taken);
		n++;
	}
	printk("# took %lu pages (%lu kB) at order 0\n", n,
	       n << (PAGE_SHIFT - 10));
	KTEST_EXPECT(t, n == free_before);
	KTEST_EXPECT(t, nr_free_pages() == 0);
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL | __GFP_NOWARN) == NULL);

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

/* Failures are NULL / 0, never a crash; free_pages(0) does nothing. */
static void impossible_requests_fail_cleanly(struct ktest *t)
{
	struct buddy_snapshot s0, s1;

	buddy_snapshot(&s0);
	KTEST_EXPECT(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN,
				    MAX_PAGE_ORDER + 1) == NULL);
	KTEST_EXPECT(t, __get_free_pages(GFP_KERNEL | __GFP_NOWARN, 31) == 0);
	free_pages(0, 0);
	free_pages(0, 5);
	buddy_snapshot(&s1);
	KTEST_EXPECT(t, buddy_snapshot_equal(&s0, &s1));
}

/*
 * Each misuse is reported and refused, and leaves the free lists as they
 * were. Expect "BUG: Bad page state" lines from this case on the console.
 */
static void bad_frees_are_refused(struct ktest *t)
{
	struct buddy_snapshot live, now;
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	unsigned long addr;

	KTEST_ASSERT(t, page != NULL);
	addr = (unsigned long)page_address(page);
	buddy_snapshot(&live);
	printk("# the next 8 reports are expected\n");

	__free_pages(page, 0);	   /* wrong order (too small) */
	__free_pages(page, 2);	   /* wrong order (too large) */
	__free_pages(page + 1, 0); /* a page inside the block */
	free_pages(addr + 8, 1);   /* not page-aligned */
	free_pages(0x1000, 1);	   /* not a direct-map address */
	__free_pages(NULL, 0);
	__free_pages(page, MAX_PAGE_ORDER + 1);
	buddy_snapshot(&now);
	KTEST_EXPECT(t, buddy_snapshot_equal(&live, &now));
	KTEST_EXPECT(t, page_ref_count(page) == 1);

	free_pages(addr, 1); /* the right free */
	buddy_snapshot(&live);
	free_pages(addr, 1); /* double free */
	buddy_snapshot(&now);
	KTEST_EXPECT(t, buddy_snapshot_equal(&live, &now));
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

const struct ktest_case mm_selftest_cases[] = {
	{ "buddy_state_recorded", record_counters },
	{ "alloc_free_every_order", alloc_free_every_order },
	{ "get_zeroed_page_is_zeroed", get_zeroed_page_is_zeroed },
	{ "blocks_aligned_and_disjoint", blocks_aligned_and_disjoint },
	{ "all_free_memory_at_order0", all_free_memory_at_order0 },
	{ "impossible_requests_fail_cleanly",
	  impossible_requests_fail_cleanly },
	{ "bad_frees_are_refused", bad_frees_are_refused },
	{ "counters_restored", counters_restored },
};
const unsigned int mm_selftest_nr_cases =
	sizeof(mm_selftest_cases) / sizeof(mm_selftest_cases[0]);
