// SPDX-License-Identifier: MIT
/*
 * test_vmstat.c - src/mm/vmstat.c's counters and reports, character for
 * character in Linux's /proc formats, on a machine small enough to count by
 * hand; and buddy snapshots, which the other tests lean on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "mm.h"

/*
 * RAM pfns 3..20 and 0x100..0x10f; mem_map takes 0x10d..0x10f. Free blocks:
 * order 0 at 3, 20, 0x10c; order 2 at 4, 16, 0x108; order 3 at 8, 0x100.
 * All of it below 16 MiB: ZONE_DMA alone is populated.
 */
static const struct fake_mem_range map[] = {
	{ 0x3000, 0x12000, FAKE_RAM },
	{ 0x100000, 0x10000, FAKE_RAM },
};
static const struct fake_machine machine = {
	FAKE_MAP(map),
};

static void totals_count_pages(void **state)
{
	struct page *page;

	(void)state;
	assert_int_equal(totalpresent_pages(), 18 + 16);
	assert_int_equal(totalram_pages(), 31);
	assert_int_equal(nr_free_pages(), 31);
	page = alloc_pages(GFP_KERNEL, 2);
	assert_non_null(page);
	assert_int_equal(nr_free_pages(), 27);
	assert_int_equal(totalram_pages(), 31);
	__free_pages(page, 2);
	assert_int_equal(nr_free_pages(), 31);
}

static void buddyinfo_prints_nr_free_of_each_order(void **state)
{
	(void)state;
	show_buddyinfo();
	assert_string_equal(
		printk_log(),
		"Node 0, zone      DMA      3      0      3      2      0      0      0      0      0      0      0 \n"
		"free_pcp: DMA 0 (free order-0 pages on the per-CPU lists, in no count above; the monitor's pcp shows the lists)\n");
}

/* An order-0 page freed sits on the per-CPU list: buddyinfo's free_pcp
 * line counts it, and the zone lines plus it still add up to MemFree. */
static void buddyinfo_counts_the_per_cpu_list(void **state)
{
	struct page *page;

	(void)state;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	__free_pages(page, 0);
	printk_log_clear();
	show_buddyinfo();
	assert_string_equal(
		printk_log(),
		"Node 0, zone      DMA      2      0      3      2      0      0      0      0      0      0      0 \n"
		"free_pcp: DMA 1 (free order-0 pages on the per-CPU lists, in no count above; the monitor's pcp shows the lists)\n");
	assert_int_equal(nr_free_pages(), 2 + 3 * 4 + 2 * 8 + 1);
}

static void meminfo_prints_kB(void **state)
{
	struct page *page;

	(void)state;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	show_meminfo();
	/* no watermarks (fake_machine_boot()): nothing reserved */
	assert_int_equal(totalreserve_pages, 0);
	assert_string_equal(printk_log(), "MemTotal:            124 kB\n"
					  "MemFree:             120 kB\n"
					  "MemAvailable:        120 kB\n");
	__free_pages(page, 0);
}

static void mem_map_info_prints_its_cost(void **state)
{
	(void)state;
	show_mem_map_info();
	assert_string_equal(
		printk_log(),
		"mm: mem_map: 272 struct pages x 32 bytes = 8 KiB (32 bytes per 4 KiB page, 0.78% overhead)\n");
}

/*
 * The warning names the zones the zonelist tried, highest first, and why
 * each could not give the block, then buddyinfo and the totals.
 */
static void allocation_failure_report_shows_buddyinfo(void **state)
{
	const char *head =
		"buddy: page allocation failure: order:4, mode:0xcc0, zone Normal and below\n"
		"caller: ";
	const char *tail =
		"\nbuddy:   zone Normal: order 4: empty (free 0 pages, min 0, protection 0, no free block)\n"
		"buddy:   zone DMA32: order 4: empty (free 0 pages, min 0, protection 0, no free block)\n"
		"buddy:   zone DMA: order 4: no free block of this order or above (free 31 pages, min 0, protection 0, largest free block order 3)\n"
		"Node 0, zone      DMA      3      0      3      2      0      0      0      0      0      0      0 \n"
		"free_pcp: DMA 0 (free order-0 pages on the per-CPU lists, in no count above; the monitor's pcp shows the lists)\n"
		"buddy: free pages: 31 of 31\n";
	const char *log, *nl;

	(void)state;
	assert_null(alloc_pages(GFP_KERNEL, 4));
	log = printk_log();
	/* the caller line's text depends on the build: any one line */
	assert_memory_equal(log, head, strlen(head));
	nl = strchr(log + strlen(head), '\n');
	assert_non_null(nl);
	assert_string_equal(nl, tail);
}

static void snapshots_differ_when_any_counter_does(void **state)
{
	struct buddy_snapshot a, b;

	(void)state;
	snapshot_drained(&a);
	snapshot_drained(&b);
	assert_true(buddy_snapshot_equal(&a, &b));
	assert_int_equal(a.free_pages, 31);
	assert_int_equal(a.nr_free[3], 2);
	b.free_pages++;
	assert_false(buddy_snapshot_equal(&a, &b));
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		snapshot_drained(&b);
		b.nr_free[o]++;
		assert_false(buddy_snapshot_equal(&a, &b));
	}
	/* per zone: the counts of ZONE_DMA, and zeros for the empty ones */
	assert_int_equal(a.zone_free[ZONE_DMA], 31);
	assert_int_equal(a.zone_free[ZONE_DMA32], 0);
	assert_int_equal(a.zone_free[ZONE_NORMAL], 0);
	assert_int_equal(a.zone_nr_free[ZONE_DMA][3], 2);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		snapshot_drained(&b);
		b.zone_free[z]++;
		assert_false(buddy_snapshot_equal(&a, &b));
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			snapshot_drained(&b);
			b.zone_nr_free[z][o]++;
			assert_false(buddy_snapshot_equal(&a, &b));
		}
	}
}

/* buddy_snapshot() only reads: a page on the per-CPU list stays there,
 * counted in free_pages but in no zone's nr_free or free_pages. */
static void snapshot_leaves_the_per_cpu_list_alone(void **state)
{
	struct buddy_snapshot s;
	struct page *page;

	(void)state;
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	__free_pages(page, 0);
	assert_int_equal(nr_pcp_pages(), 1);
	buddy_snapshot(&s);
	assert_int_equal(nr_pcp_pages(), 1);
	assert_true(PagePcp(page));
	assert_int_equal(s.free_pages, 31);
	assert_int_equal(s.zone_free[ZONE_DMA], 30);
	assert_int_equal(s.nr_free[0], 2);
	assert_int_equal(buddy_verify(), 0);
}

#define CASE(fn) MACHINE_CASE(fn, fake_machine_boot_case, &machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(totals_count_pages),
		CASE(buddyinfo_prints_nr_free_of_each_order),
		CASE(buddyinfo_counts_the_per_cpu_list),
		CASE(meminfo_prints_kB),
		CASE(mem_map_info_prints_its_cost),
		CASE(allocation_failure_report_shows_buddyinfo),
		CASE(snapshots_differ_when_any_counter_does),
		CASE(snapshot_leaves_the_per_cpu_list_alone),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("vmstat", tests, NULL, NULL);
}
