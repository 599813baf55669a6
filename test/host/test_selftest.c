// SPDX-License-Identifier: MIT
/*
 * test_selftest.c - src/test/mm_selftest*.c, the kernel's own self-test cases,
 * run through ktest_run() over fake machines; and proof that the checks can
 * fail: corrupted free lists make buddy_verify() and the cases report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host_test.h"
#include "mm.h"
#include "mm_selftest.h"

/* A 16 MiB PC: low 1 MiB reserved, a ROM hole, ACPI data at the top. */
static const struct fake_machine pc = {
	FAKE_RANGES({ 0x0, 0x9fc00, FAKE_RAM },
		    { 0xf0000, 0x10000, FAKE_RESERVED },
		    { 0x100000, 0xee0000, FAKE_RAM },
		    { 0xfe0000, 0x20000, FAKE_RESERVED }),
	.low_reserve = 1 * MiB,
};

/* 2 MiB, pfn 0 usable: no order-10 block at all (the case skips it). */
static const struct fake_machine tiny = {
	FAKE_RANGES({ 0x0, 0x200000, FAKE_RAM }),
};

/* RAM in three pieces with holes between, none a power of two long. */
static const struct fake_machine holey = {
	FAKE_RANGES({ 0x100000, 0x2ff000, FAKE_RAM },
		    { 0x480000, 0x123000, FAKE_RAM },
		    { 0x700000, 0x8fd000, FAKE_RAM }),
};

/*
 * RAM in all three zones, as a PC with more than 4 GiB: DMA (below 16 MiB),
 * DMA32 (to 32 MiB) and Normal (64 MiB from 4 GiB, where mem_map, 32.5 MiB
 * for the pfns up to there, goes). Booted with Linux's watermarks.
 */
static const struct fake_machine zones3 = {
	FAKE_RANGES({ 0x0, 0x9f000, FAKE_RAM },
		    { 0x100000, 0x1f00000, FAKE_RAM },
		    { 0x100000000, 0x4000000, FAKE_RAM }),
	.low_reserve = 1 * MiB,
	.watermarks = true,
};

/* The names of the cases expected to skip, NULL-terminated. */
#define SKIPS(...) ((const char *const[]){ __VA_ARGS__, NULL })
/* On a machine below 16 MiB: every case that needs a second zone. */
#define ONE_ZONE_SKIPS \
	"zone_dma32_below_4g", "zone_fallback_order", "zone_dma_exhausted"

/*
 * Run the kernel's cases on @m; they must all pass, skip exactly the cases
 * named in @skipped (any, when @skipped is NULL), and leave no trace. The pc
 * machine gets a "kernel image" in its reserved first 1 MiB, so that case
 * runs there. A machine above 4 GiB has a million pfns for buddy_verify()
 * to walk: it runs without mm_debug=verify (as the kernel does), checked
 * with buddy_verify() at the end.
 */
static void run_kernel_selftests_on(const struct fake_machine *m,
				    const char *const *skipped)
{
	uint64_t seed = mm_env_seed();
	struct buddy_snapshot before, after;
	unsigned int nr_skipped = 0;
	char totals[64];

	fake_machine_boot(m);
	if (max_pfn > MAX_DMA32_PFN)
		mm_debug = 0;
	if (m == &pc) {
		kernel_image_start_pfn = 0x10;
		kernel_image_end_pfn = 0x20;
	}
	snapshot_drained(&before);
	printk_log_clear();
	print_message(
		"[ SEED     ] %#llx (PAGEWISE_SEED=%#llx repeats this run)\n",
		(unsigned long long)seed, (unsigned long long)seed);
	assert_int_equal(ktest_run("mm_selftest", mm_selftest_cases,
				   mm_selftest_nr_cases, seed),
			 0);
	for (; skipped && skipped[nr_skipped]; nr_skipped++) {
		char line[96];

		snprintf(line, sizeof(line), " %s # SKIP ",
			 skipped[nr_skipped]);
		assert_int_equal(printk_log_count(line), 1);
	}
	if (!skipped)
		snprintf(totals, sizeof(totals), "# Totals: pass:");
	else
		snprintf(totals, sizeof(totals),
			 "# Totals: pass:%u fail:0 skip:%u",
			 mm_selftest_nr_cases - nr_skipped, nr_skipped);
	assert_int_equal(printk_log_count("KTAP version 1\n"), 1);
	assert_int_equal(printk_log_count(totals), 1);
	assert_int_equal(printk_log_count("not ok"), 0);
	snapshot_drained(&after);
	assert_true(buddy_snapshot_equal(&before, &after));
	assert_int_equal(buddy_verify(), 0);
}

/* Without page_poison=1 its case skips; the pc has a kernel image. */
static void kernel_selftests_pass_on_a_pc(void **state)
{
	(void)state;
	run_kernel_selftests_on(
		&pc, SKIPS("bad_use_after_free_poison", ONE_ZONE_SKIPS));
	assert_int_equal(printk_log_count("# SKIP page_poison=1 not set"), 1);
}

/* page_poison=1 (set before boot, as the command line does): all run. */
static void kernel_selftests_pass_on_a_pc_with_page_poison(void **state)
{
	(void)state;
	page_poisoning_enabled = true;
	run_kernel_selftests_on(&pc, SKIPS(ONE_ZONE_SKIPS));
	assert_int_equal(printk_log_count("use after free: poison overwritten"),
			 1);
}

static void kernel_selftests_pass_with_pfn0_and_no_order10(void **state)
{
	(void)state;
	run_kernel_selftests_on(&tiny, SKIPS("bad_free_kernel_image_page",
					     "bad_use_after_free_poison",
					     ONE_ZONE_SKIPS));
	assert_int_equal(printk_log_count("no free block of order 10: skipped"),
			 1);
	assert_int_equal(printk_log_count("# SKIP no kernel image in mem_map"),
			 1);
}

/*
 * Three zones and Linux's watermarks, as the kernel boots on a big PC: the
 * zone cases run (fallback order, watermarks, lowmem_reserve, DMA
 * exhausted) and pass.
 */
static void kernel_selftests_pass_on_three_zones_with_watermarks(void **state)
{
	(void)state;
	run_kernel_selftests_on(&zones3, SKIPS("bad_free_kernel_image_page",
					       "bad_use_after_free_poison"));
	assert_true(min_wmark_pages(&contig_page_data.node_zones[ZONE_NORMAL]) >
		    0);
	assert_int_equal(printk_log_count("# zone Normal: GFP_KERNEL left "),
			 1);
}

/* 24 KiB of RAM: 6 pages, of which mem_map takes one: no order-3 block. */
static const struct fake_machine scarce = {
	FAKE_RANGES({ 0x100000, 0x6000, FAKE_RAM }),
};

/* With almost no memory, cases that cannot get theirs skip; none fails,
 * and each gives back what it took (counters_restored passes). */
static void
kernel_selftests_skip_rather_than_fail_when_memory_is_scarce(void **state)
{
	(void)state;
	run_kernel_selftests_on(&scarce, NULL);
	assert_true(printk_log_count(
			    "# SKIP not enough free memory for this case") > 0);
}

static void kernel_selftests_pass_with_holes(void **state)
{
	(void)state;
	run_kernel_selftests_on(&holey, SKIPS("bad_free_kernel_image_page",
					      "bad_use_after_free_poison",
					      ONE_ZONE_SKIPS));
}

/* Corruptions buddy_verify() must find ------------------------------------ */

/* The 16 MiB pc lies wholly in ZONE_DMA: the zone the corruptions hit. */
#define PC_ZONE (&contig_page_data.node_zones[ZONE_DMA])

/*
 * The free block at the head of the first non-empty list of order at least
 * @min_order in PC_ZONE; its order goes to *@order.
 */
static struct page *some_free_block(unsigned int min_order, unsigned int *order)
{
	for (unsigned int o = min_order; o < NR_PAGE_ORDERS; o++) {
		struct list_head *list = &PC_ZONE->free_area[o].free_list;

		if (list_empty(list))
			continue;
		*order = o;
		return list_first_entry(list, struct page, lru);
	}
	fail_msg("no free block of order %u or above", min_order);
	return NULL;
}

static void assert_verify_reports(const char *problem)
{
	printk_log_clear();
	assert_true(buddy_verify() > 0);
	assert_true(printk_log_count(problem) > 0);
}

static void verify_reports_wrong_nr_free(void **state)
{
	(void)state;
	assert_int_equal(buddy_verify(), 0);
	PC_ZONE->free_area[3].nr_free++;
	assert_verify_reports("free_area[3]: nr_free");
	PC_ZONE->free_area[3].nr_free--;
	assert_int_equal(buddy_verify(), 0);
}

static void verify_reports_wrong_free_pages(void **state)
{
	(void)state;
	PC_ZONE->free_pages -= 1;
	assert_verify_reports("zone DMA free_pages");
}

static void verify_reports_unmerged_buddies(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	struct zone *zone;

	(void)state;
	assert_non_null(page);
	zone = page_zone(page);
	/* hand both halves back as separate order-0 blocks, bypassing merge */
	for (unsigned int i = 0; i < 2; i++) {
		page[i].flags = 1u << PG_buddy;
		page[i]._refcount = 0;
		set_page_private(&page[i], 0);
		list_add(&page[i].lru, &zone->free_area[0].free_list);
		zone->free_area[0].nr_free++;
		zone->free_pages++;
	}
	assert_verify_reports("are unmerged");
}

static void verify_reports_misaligned_free_block(void **state)
{
	struct zone *zone = PC_ZONE;
	unsigned int order;
	struct page *page = some_free_block(1, &order);

	(void)state;
	/* move the block from pfn P to P + 1 */
	list_del(&page->lru);
	page->flags = 0;
	set_page_private(page, 0);
	page++;
	page->flags = 1u << PG_buddy;
	set_page_private(page, order);
	list_add(&page->lru, &zone->free_area[order].free_list);
	assert_verify_reports("misaligned");
}

static void verify_reports_page_in_use_inside_a_free_block(void **state)
{
	unsigned int order;
	struct page *page = some_free_block(3, &order);

	(void)state;
	page[7]._refcount = 1;
	assert_verify_reports("inside the block");
}

static void verify_reports_list_entry_that_is_not_a_buddy(void **state)
{
	unsigned int order;
	struct page *page = some_free_block(0, &order);

	(void)state;
	page->flags &= ~(1u << PG_buddy); /* the list still holds it */
	assert_verify_reports("is not a buddy of that order");
}

static void verify_reports_allocated_block_without_reference(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	(void)state;
	assert_non_null(page);
	page->_refcount = 0;
	assert_verify_reports("has refcount 0");
}

static void verify_reports_reserved_page_with_other_flags(void **state)
{
	(void)state;
	assert_true(PageReserved(pfn_to_page(0)));
	__SetPageHead(pfn_to_page(0));
	assert_verify_reports("reserved pfn 0x0 has flags");
}

static void verify_reports_a_looping_list(void **state)
{
	unsigned int order;
	struct page *page = some_free_block(0, &order);

	(void)state;
	page->lru.next = &page->lru; /* a list that never gets back to head */
	assert_verify_reports("list loops");
}

/* The kernel's cases fail too --------------------------------------------- */

static void leak_one_page(struct ktest *t)
{
	KTEST_EXPECT(t, alloc_page(GFP_KERNEL) != NULL);
}

static void selftest_fails_when_a_case_leaks_a_page(void **state)
{
	const struct ktest_case cases[] = {
		mm_selftest_cases[0],
		{ "leak_one_page", leak_one_page },
		mm_selftest_cases[mm_selftest_nr_cases - 1],
	};

	(void)state;
	assert_int_equal(ktest_run("leaky", cases, ARRAY_SIZE(cases), 1), 1);
	assert_int_equal(printk_log_count("ok 1 buddy_state_recorded\n"), 1);
	assert_int_equal(printk_log_count("ok 2 leak_one_page\n"), 1);
	assert_int_equal(printk_log_count("not ok 3 counters_restored\n"), 1);
	assert_int_equal(printk_log_count("not ok"), 1);
	assert_int_equal(printk_log_count("# leaky: pass:2 fail:1"), 1);
}

static void selftest_fails_on_corrupt_free_lists(void **state)
{
	(void)state;
	PC_ZONE->free_area[0].nr_free++;
	assert_int_equal(ktest_run("corrupt", mm_selftest_cases, 1, 1), 1);
	assert_int_equal(printk_log_count("not ok 1 buddy_state_recorded\n"),
			 1);
	assert_int_equal(printk_log_count("expected buddy_verify() == 0"), 1);
}

#define CASE(fn)  cmocka_unit_test_teardown(fn, fake_machine_teardown_case)
#define ON_PC(fn) MACHINE_CASE(fn, fake_machine_boot_case, &pc)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(kernel_selftests_pass_on_a_pc),
		CASE(kernel_selftests_pass_on_a_pc_with_page_poison),
		CASE(kernel_selftests_pass_with_pfn0_and_no_order10),
		CASE(kernel_selftests_pass_with_holes),
		CASE(kernel_selftests_pass_on_three_zones_with_watermarks),
		CASE(kernel_selftests_skip_rather_than_fail_when_memory_is_scarce),
		ON_PC(verify_reports_wrong_nr_free),
		ON_PC(verify_reports_wrong_free_pages),
		ON_PC(verify_reports_unmerged_buddies),
		ON_PC(verify_reports_misaligned_free_block),
		ON_PC(verify_reports_page_in_use_inside_a_free_block),
		ON_PC(verify_reports_list_entry_that_is_not_a_buddy),
		ON_PC(verify_reports_allocated_block_without_reference),
		ON_PC(verify_reports_reserved_page_with_other_flags),
		ON_PC(verify_reports_a_looping_list),
		ON_PC(selftest_fails_when_a_case_leaks_a_page),
		ON_PC(selftest_fails_on_corrupt_free_lists),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("mm_selftest", tests, NULL, NULL);
}
