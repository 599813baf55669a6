// SPDX-License-Identifier: MIT
/*
 * test_page_api.c - the rest of Linux's page API on top of the buddy
 * allocator: reference counts (get_page, put_page, set_page_count, and
 * __free_pages on a shared block), split_page, alloc_pages_exact /
 * free_pages_exact, and the bulk calls alloc_pages_bulk_array /
 * release_pages. Every bad call must be reported and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "mm.h"

/* 16 MiB of RAM from 0, the first MiB reserved as on a PC: 4-8 MiB and
 * 8-12 MiB are free order-10 blocks. */
static const struct fake_mem_range map[] = {
	{ 0x0, 0x1000000, FAKE_RAM },
};
static const struct fake_machine machine = {
	FAKE_MAP(map),
	.low_reserve = 1 * MiB,
};

static struct buddy_snapshot boot_state;

/* The setup of every case: boot, then note the free lists as boot left them. */
static int boot(void **state)
{
	fake_machine_boot(*state);
	snapshot_drained(&boot_state);
	printk_log_clear();
	return 0;
}

static void assert_back_to_boot_state(void)
{
	struct buddy_snapshot now;

	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(&boot_state, &now));
	assert_int_equal(buddy_verify(), 0);
}

/* What calls that must be refused have to leave as they found it. */
struct before_calls {
	struct buddy_snapshot s; /* the counters, the per-CPU lists drained */
	unsigned long reports;	 /* mm_bad_page_reports so far */
};

static void note_before_calls(struct before_calls *b)
{
	snapshot_drained(&b->s);
	b->reports = mm_bad_page_reports;
}

/* The last call was refused: one report more, the counters as in @b. */
static void assert_refused(struct before_calls *b, const char *what)
{
	struct buddy_snapshot now;

	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(&b->s, &now));
	assert_int_equal(mm_bad_page_reports, ++b->reports);
	assert_int_equal(printk_log_count(what), 1);
	assert_int_equal(buddy_verify(), 0);
	printk_log_clear();
}

static void assert_allocated(const struct page *page, unsigned int order,
			     int refs)
{
	assert_true(PageHead(page));
	assert_false(PageBuddy(page));
	assert_int_equal(page_private(page), order);
	assert_int_equal(page_ref_count(page), refs);
}

/* Reference counts --------------------------------------------------------- */

static void last_put_page_frees_the_whole_block(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned long free_now;

	(void)state;
	assert_non_null(page);
	free_now = nr_free_pages();
	get_page(page);
	get_page(page + 3); /* a tail: the count lives on the head */
	assert_int_equal(page_ref_count(page), 3);
	assert_int_equal(page_ref_count(page + 3), 0);
	put_page(page + 1);
	put_page(page);
	assert_allocated(page, 2, 1);
	assert_int_equal(nr_free_pages(), free_now);
	put_page(page);
	assert_false(PageHead(page));
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

/* As in Linux: __free_pages() on a shared block only drops a reference. */
static void free_pages_on_a_shared_block_drops_one_reference(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);

	(void)state;
	assert_non_null(page);
	get_page(page);
	__free_pages(page, 1);
	assert_allocated(page, 1, 1);
	free_pages((unsigned long)page_address(page), 1);
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

/* A count never goes below zero and nothing is freed twice. */
static void put_page_after_the_last_reference_is_refused(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	struct before_calls before;

	(void)state;
	assert_non_null(page);
	put_page(page);
	note_before_calls(&before);
	put_page(page);
	assert_refused(&before, "put_page: pfn");
	assert_int_equal(page_ref_count(page), 0);
	get_page(page);
	assert_refused(&before, "get_page: pfn");
	assert_back_to_boot_state();
}

static void get_and_put_of_reserved_foreign_and_null_are_refused(void **state)
{
	struct page not_in_mem_map = { 0 };
	struct before_calls before;

	(void)state;
	note_before_calls(&before);
	get_page(pfn_to_page(0)); /* reserved: the first MiB */
	assert_refused(&before, "not in an allocated block");
	assert_int_equal(page_ref_count(pfn_to_page(0)), 0);
	put_page(pfn_to_page(0));
	assert_refused(&before, "not in an allocated block");
	put_page(&not_in_mem_map);
	assert_refused(&before, "is not a struct page in mem_map");
	get_page(NULL);
	assert_refused(&before, "get_page: NULL page");
	put_page(NULL);
	assert_refused(&before, "put_page: NULL page");
}

static void set_page_count_sets_the_count(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	(void)state;
	assert_non_null(page);
	set_page_count(page, 5);
	assert_int_equal(page_ref_count(page), 5);
	set_page_count(page, 1);
	__free_pages(page, 0);
	assert_back_to_boot_state();
}

/* split_page ------------------------------------------------------------------ */

static void split_page_makes_order0_pages_freed_one_by_one(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	static const unsigned int order[8] = { 5, 0, 7, 2, 6, 1, 3, 4 };

	(void)state;
	assert_non_null(page);
	split_page(page, 3);
	for (unsigned int i = 0; i < 8; i++)
		assert_allocated(page + i, 0, 1);
	assert_int_equal(buddy_verify(), 0);
	for (unsigned int i = 0; i < 8; i++)
		__free_page(page + order[i]);
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

static void split_page_of_a_wrong_block_is_refused(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	struct before_calls before;

	(void)state;
	assert_non_null(page);
	note_before_calls(&before);
	split_page(page, 1); /* wrong order */
	assert_refused(&before, "not the head of an unshared block");
	split_page(page + 2, 1); /* a tail */
	assert_refused(&before, "not the head of an unshared block");
	get_page(page);
	split_page(page, 2); /* shared */
	assert_refused(&before, "not the head of an unshared block");
	put_page(page);
	assert_allocated(page, 2, 1);
	__free_pages(page, 2);
	assert_back_to_boot_state();
}

/* alloc_pages_exact ----------------------------------------------------------- */

/* Exactly PAGE_ALIGN(size) pages stay taken, for sizes around each power. */
static void alloc_pages_exact_takes_only_the_pages_needed(void **state)
{
	static const unsigned long sizes[] = { 1,
					       PAGE_SIZE,
					       PAGE_SIZE + 1,
					       3 * PAGE_SIZE,
					       5 * PAGE_SIZE - 7,
					       8 * PAGE_SIZE,
					       100 * PAGE_SIZE,
					       (1UL << MAX_PAGE_ORDER) *
						       PAGE_SIZE };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long pages = (sizes[i] + PAGE_SIZE - 1) / PAGE_SIZE;
		unsigned long before = nr_free_pages();
		void *p = alloc_pages_exact(sizes[i], GFP_KERNEL);
		struct page *first;

		assert_non_null(p);
		assert_int_equal((unsigned long)p & (PAGE_SIZE - 1), 0);
		assert_int_equal(nr_free_pages(), before - pages);
		first = virt_to_page(p);
		for (unsigned long j = 0; j < pages; j++)
			assert_allocated(first + j, 0, 1);
		memset(p, 0x11, sizes[i]);
		free_pages_exact(p, sizes[i]);
		assert_back_to_boot_state();
	}
	assert_string_equal(printk_log(), "");
}

static void alloc_pages_exact_zeroes_under_gfp_zero(void **state)
{
	void *p = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL);

	(void)state;
	assert_non_null(p);
	memset(p, 0x77, 3 * PAGE_SIZE);
	free_pages_exact(p, 3 * PAGE_SIZE);
	p = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	assert_non_null(p);
	assert_true(bytes_are(p, 0, 3 * PAGE_SIZE));
	free_pages_exact(p, 3 * PAGE_SIZE);
	assert_back_to_boot_state();
}

/* Part of an exact allocation may be freed; the rest stays allocated. */
static void free_pages_exact_frees_what_it_is_told(void **state)
{
	char *p = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL);
	unsigned long before;

	(void)state;
	assert_non_null(p);
	before = nr_free_pages();
	free_pages_exact(p, 2 * PAGE_SIZE);
	assert_int_equal(nr_free_pages(), before + 2);
	assert_allocated(virt_to_page(p + 2 * PAGE_SIZE), 0, 1);
	free_pages_exact(p + 2 * PAGE_SIZE, 3 * PAGE_SIZE);
	free_pages_exact(NULL, PAGE_SIZE); /* does nothing */
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

static void alloc_pages_exact_bad_sizes_fail_cleanly(void **state)
{
	struct before_calls before;

	(void)state;
	note_before_calls(&before);
	assert_null(alloc_pages_exact(0, GFP_KERNEL));
	assert_refused(&before, "alloc_pages_exact: size 0");
	assert_null(alloc_pages_exact((PAGE_SIZE << MAX_PAGE_ORDER) + 1,
				      GFP_KERNEL));
	assert_refused(&before, "above MAX_ORDER");
	assert_null(alloc_pages_exact((PAGE_SIZE << MAX_PAGE_ORDER) + 1,
				      GFP_KERNEL | __GFP_NOWARN));
	assert_string_equal(printk_log(), "");
	free_pages_exact((void *)0x1234, PAGE_SIZE);
	assert_refused(&before, "free_pages_exact: 0x1234");
}

/* Freeing an exact range twice: every page is reported, none freed twice. */
static void free_pages_exact_twice_is_refused_page_by_page(void **state)
{
	void *p = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL);
	struct buddy_snapshot s;

	(void)state;
	assert_non_null(p);
	free_pages_exact(p, 3 * PAGE_SIZE);
	snapshot_drained(&s);
	printk_log_clear();
	free_pages_exact(p, 3 * PAGE_SIZE);
	assert_int_equal(printk_log_count("BUG: Bad page state: double free"),
			 3);
	assert_back_to_boot_state();
}

/* Bulk ------------------------------------------------------------------------ */

static void bulk_fills_only_the_empty_slots(void **state)
{
	struct page *pages[16] = { 0 };
	struct page *kept[3];
	unsigned long before;

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		kept[i] = alloc_page(GFP_KERNEL);
		pages[i * 5] = kept[i];
	}
	before = nr_free_pages();
	assert_int_equal(alloc_pages_bulk_array(GFP_KERNEL, 16, pages), 16);
	assert_int_equal(nr_free_pages(), before - 13);
	for (unsigned int i = 0; i < 3; i++)
		assert_ptr_equal(pages[i * 5], kept[i]);
	for (unsigned int i = 0; i < 16; i++) {
		assert_allocated(pages[i], 0, 1);
		for (unsigned int j = 0; j < i; j++)
			assert_ptr_not_equal(pages[i], pages[j]);
	}
	/* a full array allocates nothing */
	assert_int_equal(alloc_pages_bulk_array(GFP_KERNEL, 16, pages), 16);
	assert_int_equal(nr_free_pages(), before - 13);
	release_pages(pages, 16);
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

/* When memory runs out, it returns what the array holds and stops. */
static void bulk_returns_what_it_got_when_memory_runs_out(void **state)
{
	unsigned long nr = nr_free_pages() + 10;
	struct page **pages = calloc(nr, sizeof(*pages));

	(void)state;
	assert_non_null(pages);
	assert_int_equal(
		alloc_pages_bulk_array(GFP_KERNEL | __GFP_NOWARN, nr, pages),
		nr - 10);
	assert_int_equal(nr_free_pages(), 0);
	assert_null(pages[nr - 10]);
	assert_string_equal(printk_log(), "");
	release_pages(pages, nr);
	assert_back_to_boot_state();
	/* without __GFP_NOWARN the one failure is warned about, once */
	memset(pages, 0, nr * sizeof(*pages));
	assert_int_equal(alloc_pages_bulk_array(GFP_KERNEL, nr, pages),
			 nr - 10);
	assert_int_equal(printk_log_count("page allocation failure"), 1);
	release_pages(pages, nr);
	free(pages);
	assert_back_to_boot_state();
}

/* release_pages() drops one reference each, skips NULL, and reports a bad
 * entry without stopping. */
static void release_pages_drops_references_and_reports_bad_entries(void **state)
{
	struct page *pages[4] = { 0 };
	unsigned long reports = mm_bad_page_reports;

	(void)state;
	pages[0] = alloc_page(GFP_KERNEL);
	pages[2] = alloc_pages(GFP_KERNEL, 2);
	pages[3] = pfn_to_page(0); /* reserved */
	get_page(pages[2]);
	release_pages(pages, 4);
	assert_int_equal(mm_bad_page_reports, reports + 1);
	assert_int_equal(printk_log_count("release_pages: pfn 0x0"), 1);
	assert_false(PageHead(pages[0]));
	assert_allocated(pages[2], 2, 1);
	__free_pages(pages[2], 2);
	assert_back_to_boot_state();
}

/* Contiguous ranges ----------------------------------------------------------- */

static bool pfn_is_free(unsigned long pfn)
{
	const struct page *head = page_block_head(pfn_to_page(pfn));

	return head && PageBuddy(head);
}

/* Exactly the range is taken, across block boundaries; its neighbours in
 * the same free blocks stay free; freeing it merges everything back. */
static void alloc_contig_range_takes_exactly_the_range(void **state)
{
	unsigned long start = 0x203, end = 0x40b, before = nr_free_pages();

	(void)state;
	assert_int_equal(alloc_contig_range(start, end, GFP_KERNEL), 0);
	assert_int_equal(nr_free_pages(), before - (end - start));
	for (unsigned long pfn = start; pfn < end; pfn++)
		assert_allocated(pfn_to_page(pfn), 0, 1);
	assert_true(pfn_is_free(start - 1));
	assert_true(pfn_is_free(end));
	assert_int_equal(buddy_verify(), 0);
	free_contig_range(start, end - start);
	assert_string_equal(printk_log(), "");
	assert_back_to_boot_state();
}

/* A range with one page in use, or a reserved one: -EBUSY, nothing changes. */
static void alloc_contig_range_of_a_busy_range_changes_nothing(void **state)
{
	struct before_calls before;

	(void)state;
	assert_int_equal(alloc_contig_range(0x300, 0x301, GFP_KERNEL), 0);
	note_before_calls(&before);
	assert_int_equal(alloc_contig_range(0x2f0, 0x310, GFP_KERNEL), -EBUSY);
	assert_int_equal(printk_log_count("is not all free: nothing taken"), 1);
	assert_int_equal(
		alloc_contig_range(0xf0, 0x110, GFP_KERNEL | __GFP_NOWARN),
		-EBUSY); /* the first MiB is reserved */
	assert_int_equal(printk_log_count("is not all free"), 1);
	assert_int_equal(mm_bad_page_reports, before.reports);
	assert_true(pfn_is_free(0x2f0) && pfn_is_free(0x30f));
	printk_log_clear();
	assert_int_equal(alloc_contig_range(0x400, 0x400, GFP_KERNEL), -EINVAL);
	assert_refused(&before, "is not a range of pfns below max_pfn");
	assert_int_equal(
		alloc_contig_range(max_pfn - 1, max_pfn + 1, GFP_KERNEL),
		-EINVAL);
	assert_refused(&before, "is not a range of pfns below max_pfn");
	assert_int_equal(alloc_contig_range(0x400, 0x401, 0x80000000u),
			 -EINVAL);
	assert_refused(&before, "has bits this kernel does not know");
	free_contig_range(0x300, 1);
	assert_back_to_boot_state();
}

/* Any count, at a multiple of itself, as Linux's alloc_contig_pages(). */
static void alloc_contig_pages_takes_any_count(void **state)
{
	static const unsigned long counts[] = { 1, 3, 5, 100, 1024, 1025 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(counts); i++) {
		unsigned long before = nr_free_pages(), pfn;
		struct page *page = alloc_contig_pages(counts[i], GFP_KERNEL);

		assert_non_null(page);
		pfn = page_to_pfn(page);
		assert_int_equal(pfn % counts[i], 0);
		assert_int_equal(nr_free_pages(), before - counts[i]);
		for (unsigned long j = 0; j < counts[i]; j++)
			assert_allocated(page + j, 0, 1);
		free_contig_range(pfn, counts[i]);
		assert_back_to_boot_state();
	}
	assert_null(alloc_contig_pages(nr_free_pages() + 1,
				       GFP_KERNEL | __GFP_NOWARN));
	assert_string_equal(printk_log(), "");
	assert_null(alloc_contig_pages(nr_free_pages() + 1, GFP_KERNEL));
	assert_int_equal(printk_log_count("page allocation failure"), 1);
	assert_back_to_boot_state();
}

/* Below a limit and aligned, as PatchworkOS's pmm_alloc_bitmap(). */
static void alloc_contig_pages_limit_stays_below_and_aligned(void **state)
{
	struct page *a, *b;
	struct before_calls before;

	(void)state;
	a = alloc_contig_pages_limit(3, GFP_KERNEL, 0x180000, 0x10000);
	assert_non_null(a);
	assert_true(page_to_phys(a) % 0x10000 == 0);
	assert_true(page_to_phys(a + 3) <= 0x180000);
	/* the next one must go elsewhere, still below the limit */
	b = alloc_contig_pages_limit(3, GFP_KERNEL, 0x180000, 0x10000);
	assert_non_null(b);
	assert_true(page_to_phys(b) % 0x10000 == 0 && b != a);
	assert_true(page_to_phys(b + 3) <= 0x180000);
	free_contig_range(page_to_pfn(a), 3);
	free_contig_range(page_to_pfn(b), 3);
	assert_back_to_boot_state();
	/* below 1 MiB everything is reserved here */
	assert_null(
		alloc_contig_pages_limit(1, GFP_KERNEL, 0x100000, PAGE_SIZE));
	assert_int_equal(
		printk_log_count("page allocation failure: 1 contiguous"), 1);
	printk_log_clear();
	note_before_calls(&before);
	assert_null(alloc_contig_pages_limit(1, GFP_KERNEL, 0, 3 * PAGE_SIZE));
	assert_refused(&before, "is not a power of two");
	assert_null(alloc_contig_pages_limit(1, GFP_KERNEL, 0, 512));
	assert_refused(&before, "is not a power of two");
	assert_null(alloc_contig_pages(0, GFP_KERNEL));
	assert_refused(&before, "alloc_contig_pages: 0 pages");
}

/* free_reserved_area -------------------------------------------------------- */

/* Boot-only memory (here: part of the reserved first MiB) joins the buddy
 * allocator: MemFree and MemTotal grow by what the message says. */
static void free_reserved_area_frees_reserved_pages_once(void **state)
{
	unsigned long free0 = nr_free_pages(), total0 = totalram_pages();
	char *start = __va(0x10000), *end = __va(0x18000);

	(void)state;
	memset(start, 0, end - start);
	assert_int_equal(free_reserved_area(start + 1, end + 100, 0x5c, "boot"),
			 7); /* rounded inward to the pages 0x11000-0x17fff */
	assert_int_equal(printk_log_count("Freeing boot memory: 28K\n"), 1);
	assert_int_equal(nr_free_pages(), free0 + 7);
	assert_int_equal(totalram_pages(), total0 + 7);
	assert_true(bytes_are(start + PAGE_SIZE, 0x5c, 7 * PAGE_SIZE));
	assert_int_equal(buddy_verify(), 0);
	/* again: nothing is reserved there any more, nothing is freed twice */
	printk_log_clear();
	assert_int_equal(free_reserved_area(start + PAGE_SIZE, end, -1, "boot"),
			 0);
	assert_int_equal(printk_log_count("is not reserved"), 7);
	assert_int_equal(printk_log_count("Freeing boot memory: 0K\n"), 1);
	assert_int_equal(nr_free_pages(), free0 + 7);
	assert_int_equal(buddy_verify(), 0);
}

#define CASE(fn) MACHINE_CASE(fn, boot, &machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(last_put_page_frees_the_whole_block),
		CASE(free_pages_on_a_shared_block_drops_one_reference),
		CASE(put_page_after_the_last_reference_is_refused),
		CASE(get_and_put_of_reserved_foreign_and_null_are_refused),
		CASE(set_page_count_sets_the_count),
		CASE(split_page_makes_order0_pages_freed_one_by_one),
		CASE(split_page_of_a_wrong_block_is_refused),
		CASE(alloc_pages_exact_takes_only_the_pages_needed),
		CASE(alloc_pages_exact_zeroes_under_gfp_zero),
		CASE(free_pages_exact_frees_what_it_is_told),
		CASE(alloc_pages_exact_bad_sizes_fail_cleanly),
		CASE(free_pages_exact_twice_is_refused_page_by_page),
		CASE(bulk_fills_only_the_empty_slots),
		CASE(bulk_returns_what_it_got_when_memory_runs_out),
		CASE(release_pages_drops_references_and_reports_bad_entries),
		CASE(free_reserved_area_frees_reserved_pages_once),
		CASE(alloc_contig_range_takes_exactly_the_range),
		CASE(alloc_contig_range_of_a_busy_range_changes_nothing),
		CASE(alloc_contig_pages_takes_any_count),
		CASE(alloc_contig_pages_limit_stays_below_and_aligned),
	};

	host_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
