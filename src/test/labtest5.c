// SPDX-License-Identifier: MIT
/*
 * labtest5.c - the per-CPU order-0 lists: lab 5's graded cases, then the mm
 * self-test that grades it too.
 */
#include "labtest_suites.h"

#include "mm.h"

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

static const struct ktest_case lab5_cases[] = {
	{ "pcp_lifo_reuse", pcp_lifo_reuse },
	{ "pcp_refill_in_batches", pcp_refill_in_batches },
};

/* The mm self-test case (mm_selftest.c) that grades lab 5 too. */
static const char *const lab5_selftests[] = { "pcp_lists" };

const struct lab_suite lab5_suite = { "lab5", lab5_cases,
				      ARRAY_SIZE(lab5_cases), lab5_selftests,
				      ARRAY_SIZE(lab5_selftests) };
