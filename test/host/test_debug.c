// SPDX-License-Identifier: MIT
/*
 * test_debug.c - the allocator's debug policies: the shape of a bad-page
 * report, mm_debug=panic, mm_debug=verify (which the host tests run under
 * in one of their two runs) catching corruption at the next operation, and
 * page_poison=1 filling freed pages and catching writes to them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "mm.h"

/* 8 MiB of RAM from 1 MiB, the first MiB reserved as on a PC. */
static const struct fake_machine machine = {
	FAKE_RANGES({ 0x0, 0x900000, FAKE_RAM }),
	.low_reserve = 1 * MiB,
};

/* The log from the first occurrence of @s, or fail. */
static const char *log_from(const char *s)
{
	const char *at = strstr(printk_log(), s);

	assert_non_null(at);
	return at;
}

/* Reports ------------------------------------------------------------------ */

/*
 * A report is one block: cut line, what was wrong, the caller, the page
 * decoded (pfn, refcount, order, zone, flags by name), end line.
 */
static void bad_free_report_is_one_block(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	unsigned long pfn, before = mm_bad_page_reports;
	char line[160];
	const char *log;

	(void)state;
	assert_non_null(page);
	pfn = page_to_pfn(page);
	__free_pages(page, 1);
	printk_log_clear();
	__free_pages(page, 1);
	assert_int_equal(mm_bad_page_reports, before + 1);
	log = printk_log();
	assert_int_equal(
		printk_log_count("------------[ cut here ]------------\n"), 1);
	assert_int_equal(printk_log_count("---[ end Bad page report ]---\n"),
			 1);
	assert_memory_equal(
		log, "------------[ cut here ]------------\nBUG: ",
		strlen("------------[ cut here ]------------\nBUG: "));
	snprintf(line, sizeof(line), "\ncaller: ");
	assert_non_null(strstr(log, line));
	snprintf(line, sizeof(line), " pfn:%#lx phys:%#lx refcount:0 ", pfn,
		 pfn << PAGE_SHIFT);
	assert_non_null(strstr(log, line));
	assert_non_null(strstr(log, "zone:DMA\n")); /* 9 MiB: all in ZONE_DMA */
	/* the block is free: either PG_buddy itself, or inside a merged one */
	assert_true(strstr(log, "flags: 0x2(buddy)\n") ||
		    strstr(log, "page is inside the free block at pfn"));
	/* the end line closes the block */
	assert_string_equal(log + strlen(log) -
				    strlen("---[ end Bad page report ]---\n"),
			    "---[ end Bad page report ]---\n");
}

/* A tail page decodes with the block it belongs to. */
static void report_names_the_block_a_tail_page_is_in(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	char want[96];

	(void)state;
	assert_non_null(page);
	printk_log_clear();
	__free_pages(page + 5, 0);
	snprintf(want, sizeof(want),
		 "page is inside the allocated block at pfn %#lx of order 3\n",
		 page_to_pfn(page));
	assert_int_equal(printk_log_count(want), 1);
	assert_int_equal(printk_log_count("flags: 0x0()\n"), 1);
	__free_pages(page, 3);
}

static void flags_are_named(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	(void)state;
	assert_non_null(page);
	printk_log_clear();
	dump_page(page);
	assert_int_equal(printk_log_count("flags: 0x4(head)\n"), 1);
	assert_int_equal(printk_log_count(" refcount:1 order:0 zone:DMA\n"), 1);
	printk_log_clear();
	dump_page(pfn_to_page(0));
	assert_int_equal(printk_log_count("flags: 0x1(reserved)\n"), 1);
	__free_pages(page, 0);
}

/* mm_debug=panic ------------------------------------------------------------ */

static struct page *victim;

static void double_free_victim(void)
{
	__free_pages(victim, 0);
}

static void mm_debug_panic_stops_at_the_first_report(void **state)
{
	(void)state;
	victim = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(victim);
	__free_pages(victim, 0);
	mm_debug |= MM_DEBUG_PANIC;
	printk_log_clear();
	assert_true(run_expecting_panic(double_free_victim));
	/* the whole report comes out first, then the panic */
	assert_non_null(strstr(log_from("BUG: Bad page state: double free"),
			       "---[ end Bad page report ]---\n"
			       "Kernel panic - not syncing: mm_debug=panic"));
	mm_debug &= ~MM_DEBUG_PANIC;
	assert_int_equal(buddy_verify(), 0);
}

static void without_mm_debug_panic_a_report_goes_on(void **state)
{
	(void)state;
	victim = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(victim);
	__free_pages(victim, 0);
	printk_log_clear();
	assert_false(run_expecting_panic(double_free_victim));
	assert_int_equal(printk_log_count("Kernel panic"), 0);
}

/* mm_debug=verify ----------------------------------------------------------- */

static void alloc_one(void)
{
	victim = alloc_pages(GFP_KERNEL, 0);
}

/*
 * Under mm_debug=verify, corruption made behind the allocator's back is
 * caught by the very next operation. Without it, the same operation goes
 * through unnoticed. The case sets mm_debug itself, whichever way the run
 * boots (PAGEWISE_MM_DEBUG).
 */
static void
mm_debug_verify_catches_corruption_at_the_next_operation(void **state)
{
	(void)state;
	mm_debug = MM_DEBUG_VERIFY;
	contig_page_data.node_zones[ZONE_DMA]
		.free_area[MAX_PAGE_ORDER]
		.nr_free++;
	assert_true(run_expecting_panic(alloc_one));
	assert_int_equal(
		printk_log_count(
			"Kernel panic - not syncing: mm_debug=verify: buddy_verify found 1 problems after alloc_pages"),
		1);
	contig_page_data.node_zones[ZONE_DMA]
		.free_area[MAX_PAGE_ORDER]
		.nr_free--;

	mm_debug = 0;
	contig_page_data.node_zones[ZONE_DMA]
		.free_area[MAX_PAGE_ORDER]
		.nr_free++;
	printk_log_clear();
	assert_false(run_expecting_panic(alloc_one));
	assert_string_equal(printk_log(), "");
	contig_page_data.node_zones[ZONE_DMA]
		.free_area[MAX_PAGE_ORDER]
		.nr_free--;
	__free_pages(victim, 0);
}

/* page_poison=1 ------------------------------------------------------------- */

/* Every free page holds the poison from boot on. */
static void boot_poisons_every_free_page(void **state)
{
	(void)state;
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		const struct page *head = page_block_head(pfn_to_page(pfn));

		if (head && PageBuddy(head))
			assert_true(bytes_are(page_address(pfn_to_page(pfn)),
					      PAGE_POISON, PAGE_SIZE));
	}
}

static void freed_block_is_poisoned(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	void *va;

	(void)state;
	assert_non_null(page);
	va = page_address(page);
	memset(va, 0x11, PAGE_SIZE << 2);
	__free_pages(page, 2);
	assert_true(bytes_are(va, PAGE_POISON, PAGE_SIZE << 2));
	assert_string_equal(printk_log(), "");
}

/*
 * A write to a freed page is reported when a block containing it is next
 * allocated: the page's pfn, the first offset written, what it found.
 */
static void use_after_free_is_reported_with_page_and_offset(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3), *again;
	unsigned char *va;
	char want[160];

	(void)state;
	assert_non_null(page);
	va = page_address(page);
	__free_pages(page, 3);
	va[5 * PAGE_SIZE + 0x7f0] = 0; /* page 5 of the block, offset 0x7f0 */
	va[5 * PAGE_SIZE + 0x900] = 1;
	printk_log_clear();
	/* it merged back up; the same split hands it out again */
	again = alloc_pages(GFP_KERNEL, 3);
	assert_ptr_equal(again, page);
	snprintf(
		want, sizeof(want),
		"BUG: Bad page state: use after free: poison overwritten in pfn %#lx at offset 0x7f0 (2 bytes differ): found 0x00, expected 0xaa\n",
		page_to_pfn(page) + 5);
	assert_int_equal(printk_log_count(want), 1);
	assert_int_equal(printk_log_count("---[ end Bad page report ]---"), 1);
	/* the block is handed out all the same, and works */
	assert_true(PageHead(again));
	__free_pages(again, 3);
	assert_int_equal(buddy_verify(), 0);
}

/* Poison is checked before __GFP_ZERO clears it, so zeroing hides nothing. */
static void gfp_zero_still_checks_the_poison(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0), *again;
	unsigned char *va;

	(void)state;
	assert_non_null(page);
	va = page_address(page);
	/* freed, it merges back up; the same split hands it out again */
	__free_pages(page, 0);
	va[17] = 0x5a;
	printk_log_clear();
	again = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	assert_ptr_equal(again, page);
	assert_int_equal(printk_log_count("poison overwritten"), 1);
	assert_true(bytes_are(va, 0, PAGE_SIZE));
	__free_pages(again, 0);
}

static void without_page_poison_freed_pages_keep_their_bytes(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned char *va;

	(void)state;
	assert_false(page_poisoning_enabled);
	assert_non_null(page);
	va = page_address(page);
	memset(va, 0x11, PAGE_SIZE);
	__free_pages(page, 0);
	assert_true(bytes_are(va, 0x11, PAGE_SIZE));
}

/* Cases on the machine booted as the kernel boots, or with page_poison=1. */
#define CASE(fn)     MACHINE_CASE(fn, fake_machine_boot_case, &machine)
#define POISONED(fn) MACHINE_CASE(fn, fake_machine_boot_poisoned_case, &machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(bad_free_report_is_one_block),
		CASE(report_names_the_block_a_tail_page_is_in),
		CASE(flags_are_named),
		CASE(mm_debug_panic_stops_at_the_first_report),
		CASE(without_mm_debug_panic_a_report_goes_on),
		CASE(mm_debug_verify_catches_corruption_at_the_next_operation),
		POISONED(boot_poisons_every_free_page),
		POISONED(freed_block_is_poisoned),
		POISONED(use_after_free_is_reported_with_page_and_offset),
		POISONED(gfp_zero_still_checks_the_poison),
		CASE(without_page_poison_freed_pages_keep_their_bytes),
	};

	host_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
