// SPDX-License-Identifier: MIT
/*
 * test_page_alloc.c - src/mm/page_alloc.c, the buddy allocator, on fake
 * machines. Each test keeps its own model of which pfns are free and checks
 * after every operation that the free lists are exactly the fully merged
 * blocks of that set (assert_canonical_buddy(), which runs buddy_verify()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "host_test.h"
#include "memblock.h"
#include "mm.h"

/* The machines -------------------------------------------------------------*/

/*
 * A 32 MiB PC: the first 1 MiB reserved as the kernel does, an EBDA and a
 * ROM below it, a firmware range across the 8 MiB line (pages 0x7ff and
 * 0x800), ACPI tables at the top. Four order-10 blocks, two order-0 blocks.
 */
static const struct fake_machine pc = {
	FAKE_RANGES({ 0x0, 0x9fc00, FAKE_RAM },
		    { 0x9fc00, 0x400, FAKE_RESERVED },
		    { 0xf0000, 0x10000, FAKE_RESERVED },
		    { 0x100000, 0x1ee0000, FAKE_RAM },
		    { 0x7ff800, 0x1000, FAKE_RESERVED },
		    { 0x1fe0000, 0x20000, FAKE_RESERVED }),
	.low_reserve = 1 * MiB,
};

/*
 * 8 MiB with a hole of 32 pages, 0x3f0-0x40f, across the 4 MiB line, where
 * an order-10 block would otherwise be. The smallest free block is order 4.
 */
static const struct fake_machine holes = {
	FAKE_RANGES({ 0x0, 0x3f0000, FAKE_RAM },
		    { 0x410000, 0x3f0000, FAKE_RAM }),
};
#define HOLE_START_PFN 0x3f0
#define HOLE_END_PFN   0x410

/* pfn 0 usable: free pfns 0..0x7f0, mem_map on top; pfn 0 heads order 10. */
static const struct fake_machine pfn0 = {
	FAKE_RANGES({ 0x0, 0x802000, FAKE_RAM }),
};

/*
 * RAM ends at pfn 0x7fd and mem_map is kept below 2 MiB, so the last pfn,
 * 0x7fc, is free: an order-0 block whose buddy (0x7fd) is past the end.
 */
static const struct fake_machine lastpfn = {
	FAKE_RANGES({ 0x100000, 0x6fd000, FAKE_RAM }),
	.mem_map_limit = 2 * MiB,
};
#define LASTPFN_MAX_PFN 0x7fd

/*
 * Ranges whose sizes are not powers of two: pfns 3..20 (from unaligned
 * bytes) and 0x100..0x10c (mem_map takes 0x10d..0x10f).
 */
static const struct fake_machine nonpow2 = {
	FAKE_RANGES({ 0x2800, 0x137ff, FAKE_RAM },
		    { 0x100000, 0x10000, FAKE_RAM }),
};

/* 20 MiB, irregular: holes, reserved pages inside RAM, one order-10 block. */
static const struct fake_machine random_machine = {
	FAKE_RANGES({ 0x0, 0x9f000, FAKE_RAM },
		    { 0x9f000, 0x61000, FAKE_RESERVED },
		    { 0x100000, 0x4ff800, FAKE_RAM },
		    { 0x603000, 0xdfd000, FAKE_RAM },
		    { 0x900123, 0x1000, FAKE_RESERVED }),
	.low_reserve = PAGE_SIZE,
};

/* Fixture: the machine, and the test's model of the free pfns --------------*/

static struct {
	bool *is_free; /* max_pfn entries: the model, updated by every op */
	unsigned long nr_free;	    /* true entries in is_free */
	struct buddy_snapshot boot; /* the counters right after boot */
} fx;

/* The setup of every case: boot the machine *@state, note what is free. */
static int boot(void **state)
{
	fake_machine_boot(*state);
	fx.is_free = memblock_free_pfns(max_pfn);
	fx.nr_free = 0;
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		fx.nr_free += fx.is_free[pfn];
	snapshot_drained(&fx.boot);
	assert_canonical_buddy(fx.is_free, max_pfn);
	printk_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fx.is_free);
	fx.is_free = NULL;
	fake_machine_teardown();
	return 0;
}

/* Checked operations ------------------------------------------------------ */

static void model_take(unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		assert_true(fx.is_free[pfn + i]);
		fx.is_free[pfn + i] = false;
	}
	fx.nr_free -= 1UL << order;
}

static void model_give_back(unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		assert_false(fx.is_free[pfn + i]);
		fx.is_free[pfn + i] = true;
	}
	fx.nr_free += 1UL << order;
}

/*
 * alloc_pages(), then check: the block is aligned, was wholly free in the
 * model, is now a head with refcount 1, and the free lists are canonical.
 */
static struct page *checked_alloc(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	if (page) {
		unsigned long pfn = page_to_pfn(page);

		assert_int_equal(pfn & ((1UL << order) - 1), 0);
		assert_true(PageHead(page));
		assert_int_equal(page_private(page), order);
		assert_int_equal(page_ref_count(page), 1);
		model_take(pfn, order);
	}
	assert_canonical_buddy(fx.is_free, max_pfn);
	return page;
}

/* __free_pages(), then check the free lists against the model. */
static void checked_free(struct page *page, unsigned int order)
{
	model_give_back(page_to_pfn(page), order);
	__free_pages(page, order);
	assert_canonical_buddy(fx.is_free, max_pfn);
}

/* Every page allocated at order 0 until none is left. */
struct taken {
	unsigned long nr;
	struct page **pages; /* max_pfn entries */
};

static void take_all_order0(struct taken *t)
{
	struct page *page;

	t->nr = 0;
	t->pages = calloc(max_pfn, sizeof(*t->pages));
	assert_non_null(t->pages);
	while ((page = checked_alloc(GFP_KERNEL | __GFP_NOWARN, 0)))
		t->pages[t->nr++] = page;
}

static void give_all_back(struct taken *t)
{
	for (unsigned long i = 0; i < t->nr; i++)
		if (t->pages[i])
			checked_free(t->pages[i], 0);
	free(t->pages);
	t->pages = NULL;
	t->nr = 0;
}

static void assert_back_to_boot_state(void)
{
	struct buddy_snapshot now;

	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(&fx.boot, &now));
	assert_canonical_buddy(fx.is_free, max_pfn);
}

/*
 * The zone a GFP_KERNEL allocation of @order takes its block from, as the
 * zonelist walks it with the watermarks off (fake_machine_boot()): the
 * highest populated zone with a free block of @order or above.
 */
static struct zone *zonelist_zone(unsigned int order)
{
	for (int z = ZONE_NORMAL; z >= ZONE_DMA; z--) {
		struct zone *zone = &contig_page_data.node_zones[z];

		for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
			if (zone->free_area[o].nr_free)
				return zone;
	}
	fail_msg("no free block of order %u or above", order);
	return NULL;
}

/* The smallest order with a free block in the zone order 0 comes from. */
static unsigned int smallest_free_order(void)
{
	const struct zone *zone = zonelist_zone(0);

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		if (zone->free_area[o].nr_free)
			return o;
	fail_msg("no free block at all");
	return 0;
}

/* The block an @order allocation takes whole or splits: the first entry
 * of free_area[@order] in zonelist_zone(@order) (a block of @order must be
 * free there). */
static unsigned long first_free_pfn(unsigned int order)
{
	const struct list_head *list =
		&zonelist_zone(order)->free_area[order].free_list;

	assert_false(list_empty(list));
	return page_to_pfn(list_first_entry(list, struct page, lru));
}

/* Boot state -------------------------------------------------------------- */

static void boot_free_lists_are_largest_aligned_blocks(void **state)
{
	unsigned long want[NR_PAGE_ORDERS];

	(void)state;
	canonical_nr_free(fx.is_free, max_pfn, want);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		assert_int_equal(total_nr_free(o), want[o]);
	assert_int_equal(want[MAX_PAGE_ORDER], 4);
	/* zone by zone: ZONE_DMA holds the canonical blocks below 16 MiB
	 * (one order-10, at 0xc00), ZONE_DMA32 those above (three) */
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];
		bool *in_zone = calloc(max_pfn, sizeof(bool));
		unsigned long zone_want[NR_PAGE_ORDERS];

		assert_non_null(in_zone);
		for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
			in_zone[pfn] = fx.is_free[pfn] &&
				       pfn_zonenum(pfn) == (enum zone_type)z;
		canonical_nr_free(in_zone, max_pfn, zone_want);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			assert_int_equal(zone->free_area[o].nr_free,
					 zone_want[o]);
		free(in_zone);
	}
	assert_int_equal(contig_page_data.node_zones[ZONE_DMA]
				 .free_area[MAX_PAGE_ORDER]
				 .nr_free,
			 1);
	assert_int_equal(contig_page_data.node_zones[ZONE_DMA32]
				 .free_area[MAX_PAGE_ORDER]
				 .nr_free,
			 3);
	assert_int_equal(want[0], 2); /* pfns 0x7fe and 0x801 */
	/* by hand: above 1 MiB, less the firmware pages and mem_map on top */
	assert_int_equal(PHYS_PFN(__pa(mem_map)), 0x1fa0);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		assert_int_equal(fx.is_free[pfn],
				 (pfn >= 0x100 && pfn < 0x7ff) ||
					 (pfn >= 0x801 && pfn < 0x1fa0));
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		assert_int_equal(PageReserved(pfn_to_page(pfn)),
				 !fx.is_free[pfn]);
	assert_canonical_buddy(fx.is_free, max_pfn);
}

static void non_power_of_two_ranges_split_into_aligned_blocks(void **state)
{
	/* pfns 3..20 and 0x100..0x10c, largest aligned blocks first */
	static const unsigned long heads[][2] = {
		{ 3, 0 },  { 4, 2 },	 { 8, 3 },     { 16, 2 },
		{ 20, 0 }, { 0x100, 3 }, { 0x108, 2 }, { 0x10c, 0 },
	};
	struct taken all;
	unsigned long nr_heads = 0;

	(void)state;
	assert_int_equal(max_pfn, 0x110);
	for (unsigned long i = 0; i < ARRAY_SIZE(heads); i++) {
		const struct page *page = pfn_to_page(heads[i][0]);

		assert_true(PageBuddy(page));
		assert_int_equal(page_private(page), heads[i][1]);
	}
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		nr_heads += PageBuddy(pfn_to_page(pfn));
	assert_int_equal(nr_heads, ARRAY_SIZE(heads));
	assert_int_equal(nr_free_pages(), 31);

	take_all_order0(&all);
	assert_int_equal(all.nr, 31);
	give_all_back(&all);
	assert_back_to_boot_state();
}

/* Split and merge --------------------------------------------------------- */

static void alloc_order0_splits_smallest_block_like_expand(void **state)
{
	struct buddy_snapshot before, after;
	unsigned int o = smallest_free_order();
	unsigned long head = first_free_pfn(o);
	struct page *page;

	(void)state;
	assert_true(o >= 3); /* the machine is chosen so that it splits */
	snapshot_drained(&before);
	page = checked_alloc(GFP_KERNEL, 0);
	assert_non_null(page);
	assert_int_equal(page_to_pfn(page), head); /* the lower half is kept */
	snapshot_drained(&after);
	assert_int_equal(after.free_pages, before.free_pages - 1);
	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
		assert_int_equal(after.nr_free[k],
				 before.nr_free[k] + (k < o) - (k == o));
	/* each upper half went on its own list: head + 2^k at order k */
	for (unsigned int k = 0; k < o; k++) {
		const struct page *half = pfn_to_page(head + (1UL << k));

		assert_true(PageBuddy(half));
		assert_int_equal(page_private(half), k);
	}
	checked_free(page, 0);
}

/*
 * The magic breakpoints (mm.h): disarmed, nothing is printed; armed, each
 * upper half that expand() moves and each order __free_one_page() climbs is
 * one "bochs-break:" line, with the pfns of the buddy arithmetic; a point
 * disarms itself after mm_break_limit events.
 */
static void break_points_report_splits_and_merges_up_to_the_limit(void **state)
{
	unsigned int o = smallest_free_order();
	unsigned long head = first_free_pfn(o);
	const char *zone_name = page_zone(pfn_to_page(head))->name;
	char want[160];
	struct page *page;

	(void)state;
	assert_true(o >= 3);
	printk_log_clear();
	page = checked_alloc(GFP_KERNEL, 0); /* disarmed */
	checked_free(page, 0);
	assert_int_equal(printk_log_count("bochs-break:"), 0);
	assert_int_equal(mm_break_fired[0] + mm_break_fired[1], 0);

	mm_break_mask = MM_BREAK_SPLIT | MM_BREAK_MERGE;
	mm_break_limit = 100;
	page = checked_alloc(GFP_KERNEL, 0);
	assert_int_equal(page_to_pfn(page), head);
	assert_int_equal(printk_log_count("bochs-break: split: "), o);
	for (unsigned int k = o; k > 0; k--) {
		snprintf(
			want, sizeof(want),
			"bochs-break: split: order-%u block at pfn %#lx -> upper half pfn %#lx to free_area[%u] (zone %s)\n",
			k, head, head + (1UL << (k - 1)), k - 1, zone_name);
		assert_int_equal(printk_log_count(want), 1);
	}
	checked_free(page, 0);
	assert_int_equal(printk_log_count("bochs-break: merge: "), o);
	snprintf(
		want, sizeof(want),
		"bochs-break: merge: pfn %#lx order 0 with buddy %#lx -> order 1 at %#lx (zone %s)\n",
		head, head + 1, head, zone_name);
	assert_int_equal(printk_log_count(want), 1);
	assert_int_equal(mm_break_fired[0], o);
	assert_int_equal(mm_break_fired[1], o);
	assert_int_equal(mm_break_mask, MM_BREAK_SPLIT | MM_BREAK_MERGE);

	/* The limit: 2 more splits, then split disarms; merge stays armed. */
	mm_break_limit = o + 2;
	printk_log_clear();
	page = checked_alloc(GFP_KERNEL, 0);
	assert_int_equal(printk_log_count("bochs-break: split: "), 2);
	assert_int_equal(mm_break_fired[0], o + 2);
	assert_int_equal(mm_break_mask, MM_BREAK_MERGE);
	checked_free(page, 0);
	assert_int_equal(printk_log_count("bochs-break: merge: "), 2);
	assert_int_equal(mm_break_mask, 0);
}

static void free_restores_exact_snapshot(void **state)
{
	(void)state;
	for (unsigned int order = 0; order <= 4; order++) {
		struct page *page = checked_alloc(GFP_KERNEL, order);

		assert_non_null(page);
		checked_free(page, order);
		assert_back_to_boot_state();
	}
}

static void freed_buddies_merge_up_the_orders(void **state)
{
	unsigned int o = smallest_free_order();
	unsigned long head = first_free_pfn(o);
	struct page *pages[16];

	(void)state;
	assert_int_equal(o, 4);
	/* 16 order-0 allocations eat the order-4 block from the bottom up */
	for (unsigned long i = 0; i < 16; i++) {
		pages[i] = checked_alloc(GFP_KERNEL, 0);
		assert_int_equal(page_to_pfn(pages[i]), head + i);
	}
	/* free them bottom up: after 2^k of them, head is free at order k */
	for (unsigned long i = 0; i < 16; i++) {
		checked_free(pages[i], 0);
		if (((i + 1) & i) == 0) {
			assert_true(PageBuddy(pfn_to_page(head)));
			assert_int_equal(page_private(pfn_to_page(head)),
					 __builtin_ctzl(i + 1));
		}
	}
	assert_back_to_boot_state();
}

/* Every order ------------------------------------------------------------- */

static void every_order_allocates_aligned_and_frees(void **state)
{
	(void)state;
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long before = nr_free_pages();
		struct page *page = checked_alloc(GFP_KERNEL, order);
		uintptr_t va;

		assert_non_null(page);
		va = (uintptr_t)page_address(page);
		assert_int_equal(va & ((PAGE_SIZE << order) - 1), 0);
		assert_int_equal(nr_free_pages(), before - (1UL << order));
		checked_free(page, order);
		assert_back_to_boot_state();
	}
}

static void order_above_max_fails_and_warns_unless_nowarn(void **state)
{
	static const unsigned int orders[] = { MAX_PAGE_ORDER + 1,
					       MAX_PAGE_ORDER + 2, 31, 63 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++) {
		char what[32];

		snprintf(what, sizeof(what), "order %u above MAX_ORDER",
			 orders[i]);
		assert_null(alloc_pages(GFP_KERNEL, orders[i]));
		assert_int_equal(printk_log_count("BUG: Bad page call: "), 1);
		assert_int_equal(printk_log_count(what), 1);
		printk_log_clear();
		assert_int_equal(__get_free_pages(GFP_KERNEL, orders[i]), 0);
		assert_int_equal(printk_log_count("BUG: Bad page call: "), 1);
		assert_int_equal(printk_log_count("page allocation failure"),
				 0);
		printk_log_clear();

		assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, orders[i]));
		assert_int_equal(
			__get_free_pages(GFP_ATOMIC | __GFP_NOWARN, orders[i]),
			0);
		assert_string_equal(printk_log(), "");
		assert_back_to_boot_state();
	}
}

/* Exhaustion -------------------------------------------------------------- */

static void exhausted_at_order0_then_refilled(void **state)
{
	struct taken all;

	(void)state;
	take_all_order0(&all);
	assert_int_equal(all.nr, fx.boot.free_pages);
	assert_int_equal(nr_free_pages(), 0);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		assert_int_equal(total_nr_free(o), 0);

	printk_log_clear();
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOWARN));
	assert_string_equal(printk_log(), "");
	assert_null(alloc_page(GFP_KERNEL));
	assert_int_equal(printk_log_count("page allocation failure: order:0,"),
			 1);

	/* odd pfns first, so nothing merges until the even ones come back */
	for (unsigned long i = 0; i < all.nr; i++)
		if (page_to_pfn(all.pages[i]) & 1) {
			checked_free(all.pages[i], 0);
			all.pages[i] = NULL;
		}
	give_all_back(&all);
	assert_back_to_boot_state();
}

static void exhausted_at_max_order_while_smaller_blocks_remain(void **state)
{
	struct page *blocks[8];
	unsigned int n = 0;
	struct page *page;

	(void)state;
	while ((page = checked_alloc(GFP_KERNEL | __GFP_NOWARN,
				     MAX_PAGE_ORDER))) {
		assert_true(n < ARRAY_SIZE(blocks));
		blocks[n++] = page;
	}
	assert_int_equal(n, fx.boot.nr_free[MAX_PAGE_ORDER]);
	assert_int_equal(nr_free_pages(),
			 fx.boot.free_pages - (n << MAX_PAGE_ORDER));
	assert_true(nr_free_pages() > 0);

	printk_log_clear();
	assert_null(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER));
	assert_int_equal(printk_log_count("page allocation failure: order:10,"),
			 1);
	page = checked_alloc(GFP_KERNEL, MAX_PAGE_ORDER - 1);
	assert_non_null(page);
	checked_free(page, MAX_PAGE_ORDER - 1);
	while (n)
		checked_free(blocks[--n], MAX_PAGE_ORDER);
	assert_back_to_boot_state();
}

static void fragmented_memory_fails_order1_with_half_free(void **state)
{
	struct taken all;
	unsigned long nr_even = 0;
	struct page *page;

	(void)state;
	take_all_order0(&all);
	for (unsigned long i = 0; i < all.nr; i++)
		if (!(page_to_pfn(all.pages[i]) & 1)) {
			checked_free(all.pages[i], 0);
			all.pages[i] = NULL;
			nr_even++;
		}
	assert_int_equal(nr_free_pages(), nr_even);
	assert_int_equal(total_nr_free(0), nr_even);
	assert_true(nr_even > 0);

	printk_log_clear();
	assert_null(checked_alloc(GFP_KERNEL, 1));
	assert_int_equal(printk_log_count("page allocation failure: order:1,"),
			 1);
	page = checked_alloc(GFP_KERNEL, 0);
	assert_non_null(page);
	checked_free(page, 0);
	give_all_back(&all);
	assert_back_to_boot_state();
}

/* Zeroing ----------------------------------------------------------------- */

/*
 * Write @byte over every free page, so zeroing is tested against dirt. A
 * preparation, not the test: checked once at the end, not after each step.
 * The pages are chained through page->lru, which their owner may use.
 */
static void dirty_free_memory(unsigned char byte)
{
	struct list_head taken;
	struct page *page;

	INIT_LIST_HEAD(&taken);
	while ((page = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		memset(page_address(page), byte, PAGE_SIZE);
		list_add(&page->lru, &taken);
	}
	while (!list_empty(&taken)) {
		page = list_first_entry(&taken, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
	}
	assert_back_to_boot_state();
}

static void gfp_zero_zeroes_every_page_of_the_block(void **state)
{
	struct page *blocks[NR_PAGE_ORDERS];

	(void)state;
	dirty_free_memory(0xa5);
	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		size_t size = PAGE_SIZE << order;
		struct page *page = checked_alloc(GFP_KERNEL, order);

		/* without __GFP_ZERO the dirt is there */
		assert_non_null(page);
		assert_true(bytes_are(page_address(page), 0xa5, size));
		checked_free(page, order);
		blocks[order] = checked_alloc(GFP_KERNEL | __GFP_ZERO, order);
		assert_non_null(blocks[order]);
		assert_true(bytes_are(page_address(blocks[order]), 0, size));
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
		checked_free(blocks[order], order);
	assert_back_to_boot_state();
}

static void get_zeroed_page_zeroes_dirty_pages(void **state)
{
	unsigned long *addrs = calloc(max_pfn, sizeof(*addrs));
	unsigned long n = 0, addr;

	(void)state;
	assert_non_null(addrs);
	dirty_free_memory(0x5a);
	while ((addr = get_zeroed_page(GFP_KERNEL | __GFP_NOWARN))) {
		assert_int_equal(addr & (PAGE_SIZE - 1), 0);
		assert_true(bytes_are((void *)addr, 0, PAGE_SIZE));
		model_take(page_to_pfn(virt_to_page((void *)addr)), 0);
		addrs[n++] = addr;
	}
	assert_int_equal(n, fx.boot.free_pages);
	assert_canonical_buddy(fx.is_free, max_pfn);
	while (n) {
		addr = addrs[--n];
		model_give_back(page_to_pfn(virt_to_page((void *)addr)), 0);
		free_page(addr);
	}
	free(addrs);
	assert_back_to_boot_state();
}

/* Bad input --------------------------------------------------------------- */

static void free_pages_of_0_does_nothing(void **state)
{
	(void)state;
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER + 1; order++) {
		free_pages(0, order);
		assert_back_to_boot_state();
	}
	assert_string_equal(printk_log(), "");
}

/*
 * The last call was refused: exactly one "BUG: " report containing @report,
 * counters as in @before, free lists as the model says, buddy_verify() clean.
 */
static void assert_refused(const struct buddy_snapshot *before,
			   const char *report)
{
	struct buddy_snapshot now;

	snapshot_drained(&now);
	assert_true(buddy_snapshot_equal(before, &now));
	assert_int_equal(buddy_verify(), 0);
	assert_canonical_buddy(fx.is_free, max_pfn);
	assert_int_equal(printk_log_count("BUG: "), 1);
	assert_int_equal(printk_log_count(report), 1);
	printk_log_clear();
}

static void assert_still_allocated(const struct page *page, unsigned int order)
{
	assert_true(PageHead(page));
	assert_false(PageBuddy(page));
	assert_int_equal(page_private(page), order);
	assert_int_equal(page_ref_count(page), 1);
}

/* Allocate an order-@order block and record the counters with it taken. */
static struct page *alloc_for_misuse(unsigned int order,
				     struct buddy_snapshot *s)
{
	struct page *page = checked_alloc(GFP_KERNEL, order);

	assert_non_null(page);
	snapshot_drained(s);
	printk_log_clear();
	return page;
}

static void double_free_of_merged_block_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(2, &s);

	(void)state;
	checked_free(page, 2);
	snapshot_drained(&s);
	__free_pages(page, 2);
	assert_refused(&s, "Bad page state");
	assert_back_to_boot_state();
}

static void double_free_of_unmerged_block_is_refused(void **state)
{
	struct page *pages[64];
	struct buddy_snapshot s;
	unsigned int n, a = 0, b = 0;
	bool paired = false;

	(void)state;
	/* allocate order-0 pages until two of them are buddies, a and b */
	for (n = 0; n < ARRAY_SIZE(pages) && !paired; n++) {
		pages[n] = checked_alloc(GFP_KERNEL, 0);
		assert_non_null(pages[n]);
		for (a = 0; a < n; a++) {
			paired = (page_to_pfn(pages[a]) ^ 1) ==
				 page_to_pfn(pages[n]);
			if (paired)
				break;
		}
		b = n;
	}
	assert_true(paired);
	for (unsigned int i = 0; i < n; i++)
		if (i != a && i != b)
			checked_free(pages[i], 0);
	checked_free(pages[a], 0); /* its buddy b is taken: stays order 0 */
	assert_true(PageBuddy(pages[a]));
	assert_int_equal(page_private(pages[a]), 0);
	snapshot_drained(&s);
	printk_log_clear();
	__free_pages(pages[a], 0);
	assert_refused(&s, "double free: the block at pfn");
	checked_free(pages[b], 0);
	assert_back_to_boot_state();
}

static void free_of_never_allocated_page_is_refused(void **state)
{
	unsigned int o = smallest_free_order();
	struct page *head = pfn_to_page(first_free_pfn(MAX_PAGE_ORDER));

	(void)state;
	__free_pages(pfn_to_page(first_free_pfn(o)), o);
	assert_refused(&fx.boot, "double free: the block at pfn");
	__free_pages(head + 1, 0); /* a free tail page */
	assert_refused(&fx.boot, "lies inside the free block at pfn");
	__free_pages(head + 512, 9);
	assert_refused(&fx.boot, "lies inside the free block at pfn");
}

static void free_with_smaller_order_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(2, &s);

	(void)state;
	__free_pages(page, 1);
	assert_refused(&s, "freed at order 1 but allocated at order 2");
	__free_pages(page, 0);
	assert_refused(&s, "freed at order 0 but allocated at order 2");
	assert_still_allocated(page, 2);
	checked_free(page, 2);
	assert_back_to_boot_state();
}

static void free_with_larger_order_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(2, &s);

	(void)state;
	for (unsigned int order = 3; order <= MAX_PAGE_ORDER; order++) {
		__free_pages(page, order);
		assert_refused(&s, "Bad page state");
		assert_still_allocated(page, 2);
	}
	checked_free(page, 2);
	assert_back_to_boot_state();
}

static void free_of_page_inside_block_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(2, &s);
	unsigned long va = (unsigned long)page_address(page);

	(void)state;
	__free_pages(page + 1, 0);
	assert_refused(&s, "in the middle of the block allocated at pfn");
	__free_pages(page + 2, 1);
	assert_refused(&s, "in the middle of the block allocated at pfn");
	free_pages(va + 3 * PAGE_SIZE, 0);
	assert_refused(&s, "in the middle of the block allocated at pfn");
	assert_still_allocated(page, 2);
	checked_free(page, 2);
	assert_back_to_boot_state();
}

static void free_of_misaligned_address_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(2, &s);
	unsigned long va = (unsigned long)page_address(page);

	(void)state;
	free_pages(va + 8, 2);
	assert_refused(&s, "is not page-aligned");
	free_pages(va + PAGE_SIZE / 2, 0);
	assert_refused(&s, "is not page-aligned");
	free_pages(va + PAGE_SIZE - 1, 0);
	assert_refused(&s, "is not page-aligned");
	assert_still_allocated(page, 2);
	checked_free(page, 2);
	assert_back_to_boot_state();
}

static void free_of_foreign_address_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(0, &s);
	struct page not_in_mem_map = *page;
	void *heap_page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)state;
	assert_non_null(heap_page);
	assert_true(host_ram_size > PFN_PHYS(max_pfn)); /* room past the end */
	free_pages(0x1000, 0);
	assert_refused(&s, "is not a direct-map address of RAM");
	free_pages((unsigned long)heap_page, 0);
	assert_refused(&s, "is not a direct-map address of RAM");
	free_pages((unsigned long)__va(PFN_PHYS(max_pfn)), 0);
	assert_refused(&s, "is not a direct-map address of RAM");
	__free_pages(&not_in_mem_map, 0);
	assert_refused(&s, "is not a struct page in mem_map");
	__free_pages((struct page *)((char *)page + sizeof(uint64_t)), 0);
	assert_refused(&s, "is not a struct page in mem_map");
	__free_pages(mem_map + max_pfn, 0);
	assert_refused(&s, "is not a struct page in mem_map");
	free(heap_page);
	assert_still_allocated(page, 0);
	checked_free(page, 0);
	assert_back_to_boot_state();
}

static void free_of_null_page_is_refused(void **state)
{
	(void)state;
	__free_pages(NULL, 0);
	assert_refused(&fx.boot, "NULL page");
	__free_pages(NULL, 3);
	assert_refused(&fx.boot, "NULL page");
}

static void free_above_max_order_is_refused(void **state)
{
	struct buddy_snapshot s;
	struct page *page = alloc_for_misuse(0, &s);

	(void)state;
	__free_pages(page, MAX_PAGE_ORDER + 1);
	assert_refused(&s, "above MAX_ORDER (10)");
	__free_pages(page, 31);
	assert_refused(&s, "above MAX_ORDER (10)");
	free_pages((unsigned long)page_address(page), 63);
	assert_refused(&s, "above MAX_ORDER (10)");
	assert_still_allocated(page, 0);
	checked_free(page, 0);
	assert_back_to_boot_state();
}

static void free_of_reserved_page_is_refused(void **state)
{
	unsigned long mem_map_pfn = PHYS_PFN(__pa(mem_map));

	(void)state;
	__free_pages(pfn_to_page(0), 0); /* the reserved first 1 MiB */
	assert_refused(&fx.boot, "freeing reserved pfn");
	free_page((unsigned long)__va(0xa0000)); /* a hole under 1 MiB */
	assert_refused(&fx.boot, "freeing reserved pfn");
	__free_pages(pfn_to_page(mem_map_pfn), 0); /* mem_map itself */
	assert_refused(&fx.boot, "freeing reserved pfn");
	__free_pages(pfn_to_page(0x800), 0); /* firmware range inside RAM */
	assert_refused(&fx.boot, "freeing reserved pfn");
}

/* Holes and edges --------------------------------------------------------- */

static void holes_are_reserved_and_never_merged_across(void **state)
{
	struct taken all;

	(void)state;
	for (unsigned long pfn = HOLE_START_PFN; pfn < HOLE_END_PFN; pfn++) {
		assert_true(PageReserved(pfn_to_page(pfn)));
		assert_false(fx.is_free[pfn]);
	}
	/* the blocks either side stop at the hole */
	assert_true(PageBuddy(pfn_to_page(HOLE_START_PFN - 0x10)));
	assert_int_equal(page_private(pfn_to_page(HOLE_START_PFN - 0x10)), 4);
	assert_true(PageBuddy(pfn_to_page(HOLE_END_PFN)));
	assert_int_equal(page_private(pfn_to_page(HOLE_END_PFN)), 4);
	assert_int_equal(total_nr_free(MAX_PAGE_ORDER), 0);

	take_all_order0(&all);
	for (unsigned long i = 0; i < all.nr; i++) {
		unsigned long pfn = page_to_pfn(all.pages[i]);

		assert_true(pfn < HOLE_START_PFN || pfn >= HOLE_END_PFN);
	}
	give_all_back(&all);
	assert_back_to_boot_state();

	__free_pages(pfn_to_page(HOLE_START_PFN), 4);
	assert_refused(&fx.boot, "freeing reserved pfn");
}

static void pfn0_is_handed_out_and_merges_with_its_buddy(void **state)
{
	struct taken all;
	unsigned long i0 = 0, i1 = 0;

	(void)state;
	assert_true(PageBuddy(pfn_to_page(0)));
	assert_int_equal(page_private(pfn_to_page(0)), MAX_PAGE_ORDER);

	take_all_order0(&all);
	for (unsigned long i = 0; i < all.nr; i++) {
		if (page_to_pfn(all.pages[i]) == 0)
			i0 = i;
		if (page_to_pfn(all.pages[i]) == 1)
			i1 = i;
	}
	assert_int_equal(page_to_pfn(all.pages[i0]), 0);
	assert_int_equal(page_to_pfn(all.pages[i1]), 1);
	checked_free(all.pages[i0], 0); /* buddy 1 taken: stays order 0 */
	assert_int_equal(page_private(pfn_to_page(0)), 0);
	checked_free(all.pages[i1], 0); /* 0 ^ 1 = 1: they merge */
	assert_true(PageBuddy(pfn_to_page(0)));
	assert_int_equal(page_private(pfn_to_page(0)), 1);
	all.pages[i0] = all.pages[i1] = NULL;
	give_all_back(&all);
	assert_back_to_boot_state();
}

static void pfn0_block_address_is_not_the_failure_value(void **state)
{
	unsigned long addr;

	(void)state;
	addr = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	assert_int_equal(addr, (unsigned long)host_ram); /* pfn 0 */
	assert_int_not_equal(addr, 0);
	model_take(0, MAX_PAGE_ORDER);
	assert_canonical_buddy(fx.is_free, max_pfn);
	model_give_back(0, MAX_PAGE_ORDER);
	free_pages(addr, MAX_PAGE_ORDER);
	assert_back_to_boot_state();
}

static void last_pfn_is_handed_out_and_never_merged_past_the_end(void **state)
{
	struct page *past_end = mem_map + max_pfn;
	size_t mem_map_bytes = PFN_PHYS(PFN_UP(max_pfn * sizeof(struct page)));
	struct buddy_snapshot s;
	struct page *page;

	(void)state;
	assert_int_equal(max_pfn, LASTPFN_MAX_PFN);
	assert_true(fx.is_free[max_pfn - 1]);
	assert_int_equal(total_nr_free(0), 1);
	assert_int_equal(first_free_pfn(0), max_pfn - 1);
	/*
	 * A trap: the slack after mem_map, in its last page, is made to look
	 * like the struct page of a free order-0 buddy at pfn max_pfn. Only
	 * the zone bound keeps the last pfn from merging with it.
	 */
	assert_true((char *)(past_end + 1) <= (char *)mem_map + mem_map_bytes);
	past_end->flags = 1u << PG_buddy;
	past_end->_refcount = 0;
	set_page_private(past_end, 0);
	INIT_LIST_HEAD(&past_end->lru);

	page = checked_alloc(GFP_KERNEL, 0);
	assert_int_equal(page_to_pfn(page), max_pfn - 1);
	snapshot_drained(&s);
	printk_log_clear();
	__free_pages(page, 1); /* aligned, but runs past the end */
	assert_refused(&s, "freed at order 1 but allocated at order 0");
	checked_free(page, 0);
	assert_true(PageBuddy(page));
	assert_int_equal(page_private(page), 0); /* its buddy is past the end */
	assert_back_to_boot_state();
}

/* Random differential test ------------------------------------------------ */

#define RANDOM_OPS	 1000000
#define RANDOM_PHASE	 20000 /* ops between filling up and draining */
#define RANDOM_CHECK_OPS 200   /* full canonical check every so many ops */

/* A block the random test holds, and the run's state and tallies. */
struct live_block {
	unsigned long pfn;
	unsigned int order;
};

struct random_run {
	uint64_t rng;		 /* splitmix64 state, starts at the seed */
	struct live_block *live; /* max_pfn entries */
	unsigned long nr_live;	 /* blocks held */
	unsigned long allocs;	 /* successful allocations */
	unsigned long
		failures; /* NULL returns, each checked against the model */
	unsigned long max_orders; /* successful MAX_PAGE_ORDER allocations */
	unsigned long misuses;	  /* bad frees, each refused */
	unsigned long low_free;	  /* fewest free pages seen */
};

/* splitmix64: a full-period generator that takes any seed, 0 included. */
static uint64_t next_random(struct random_run *run)
{
	uint64_t z = (run->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Orders skewed small (order o about 2^-(o+1)); now and then an impossible one. */
static unsigned int random_order(uint64_t r)
{
	unsigned int order = 0;

	if ((r & 0x1ff) == 0)
		return MAX_PAGE_ORDER + 1 + (unsigned int)((r >> 9) & 3);
	for (r >>= 9; (r & 1) && order < MAX_PAGE_ORDER; r >>= 1)
		order++;
	return order;
}

/* What a page's first word holds while the test owns it. */
static uint64_t stamp(unsigned long pfn)
{
	return pfn ^ 0x5ca1ab1e00000000ULL;
}

/* Does the model hold a wholly free, aligned block of 2^@order pages? */
static bool model_has_free_block(unsigned int order)
{
	unsigned long size = 1UL << order;

	for (unsigned long base = 0; base + size <= max_pfn; base += size) {
		unsigned long i = 0;

		while (i < size && fx.is_free[base + i])
			i++;
		if (i == size)
			return true;
	}
	return false;
}

/*
 * Allocate a random order, sometimes zeroed. A NULL must mean the model has
 * no free aligned block of that order (buddy merging makes any such block
 * findable); a block must be aligned and wholly free in the model.
 */
static void random_alloc(struct random_run *run, uint64_t r)
{
	unsigned int order = random_order(r);
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct page *page;
	unsigned long pfn;

	if (((r >> 40) & 7) == 0)
		gfp |= __GFP_ZERO;
	if (((r >> 50) & 0x3ff) == 0) {
		/* a gfp bit nobody defined: refused, reported, nothing changes */
		struct buddy_snapshot before, after;

		snapshot_drained(&before);
		printk_log_clear();
		assert_null(alloc_pages(gfp | 0x40000000u, order));
		snapshot_drained(&after);
		assert_true(buddy_snapshot_equal(&before, &after));
		assert_int_equal(printk_log_count("BUG: "), 1);
		run->misuses++;
		return;
	}
	page = alloc_pages(gfp, order);
	if (!page) {
		assert_true(order > MAX_PAGE_ORDER ||
			    !model_has_free_block(order));
		run->failures++;
		return;
	}
	assert_true(order <= MAX_PAGE_ORDER);
	pfn = page_to_pfn(page);
	assert_int_equal(pfn & ((1UL << order) - 1), 0);
	model_take(pfn, order);
	if (gfp & __GFP_ZERO)
		assert_true(
			bytes_are(page_address(page), 0, PAGE_SIZE << order));
	for (unsigned long i = 0; i < (1UL << order); i++)
		*(uint64_t *)page_address(page + i) = stamp(pfn + i);
	run->live[run->nr_live++] = (struct live_block){ pfn, order };
	run->allocs++;
	run->max_orders += order == MAX_PAGE_ORDER;
}

/* Misuse a held block: the call must be refused, with state intact. */
static void random_misuse(struct random_run *run, uint64_t r,
			  const struct live_block *b)
{
	struct page *page = pfn_to_page(b->pfn);
	struct buddy_snapshot before, after;

	snapshot_drained(&before);
	printk_log_clear();
	switch ((r >> 48) & 3) {
	case 0:
		__free_pages(page, b->order + 1);
		break;
	case 1:
		__free_pages(page, b->order ? b->order - 1 : MAX_PAGE_ORDER);
		break;
	case 2:
		__free_pages(b->order ? page + 1 : NULL, 0);
		break;
	default:
		free_pages((unsigned long)page_address(page) + 64, b->order);
		break;
	}
	snapshot_drained(&after);
	assert_true(buddy_snapshot_equal(&before, &after));
	assert_int_equal(printk_log_count("BUG: "), 1);
	assert_still_allocated(page, b->order);
	run->misuses++;
}

/* Free a random held block (by page or by address), its stamps intact. */
static void random_free(struct random_run *run, uint64_t r)
{
	unsigned long idx = (r >> 8) % run->nr_live;
	struct live_block b = run->live[idx];
	struct page *page = pfn_to_page(b.pfn);

	if (((r >> 40) & 31) == 0)
		random_misuse(run, r, &b);
	for (unsigned long i = 0; i < (1UL << b.order); i++)
		assert_int_equal(*(uint64_t *)page_address(page + i),
				 stamp(b.pfn + i));
	model_give_back(b.pfn, b.order);
	if ((r >> 45) & 1)
		free_pages((unsigned long)page_address(page), b.order);
	else
		__free_pages(page, b.order);
	run->live[idx] = run->live[--run->nr_live];
}

/*
 * RANDOM_OPS (10^6) random allocations and frees, in phases that fill memory up
 * and drain it, checked against the model after every operation (free page
 * count) and every RANDOM_CHECK_OPS (the exact free lists, buddy_verify()).
 */
static void random_ops_match_reference_model(void **state)
{
	uint64_t seed = mm_env_seed();
	struct random_run run = { .rng = seed, .low_free = fx.nr_free };

	(void)state;
	run.live = calloc(max_pfn, sizeof(*run.live));
	assert_non_null(run.live);
	print_message(
		"[ SEED     ] %#llx (PAGEWISE_SEED=%#llx repeats this run)\n",
		(unsigned long long)seed, (unsigned long long)seed);
	for (unsigned long op = 0; op < RANDOM_OPS; op++) {
		uint64_t r = next_random(&run);
		bool filling = (op / RANDOM_PHASE) % 2 == 0;

		if (!run.nr_live || r % 100 < (filling ? 70u : 30u))
			random_alloc(&run, r);
		else
			random_free(&run, r);
		assert_int_equal(nr_free_pages(), fx.nr_free);
		if (fx.nr_free < run.low_free)
			run.low_free = fx.nr_free;
		if (op % RANDOM_CHECK_OPS == 0)
			assert_canonical_buddy(fx.is_free, max_pfn);
	}
	assert_canonical_buddy(fx.is_free, max_pfn);
	print_message(
		"[ RANDOM   ] %lu ops: %lu allocations (%lu of order %d), %lu failed, %lu misuses refused, fewest free pages %lu\n",
		(unsigned long)RANDOM_OPS, run.allocs, run.max_orders,
		MAX_PAGE_ORDER, run.failures, run.misuses, run.low_free);
	while (run.nr_live)
		random_free(&run, next_random(&run));
	free(run.live);
	assert_back_to_boot_state();
}

#define ON(machine, fn)                                              \
	cmocka_unit_test_prestate_setup_teardown(fn, boot, teardown, \
						 (void *)&machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON(pc, boot_free_lists_are_largest_aligned_blocks),
		ON(nonpow2, non_power_of_two_ranges_split_into_aligned_blocks),
		ON(holes, alloc_order0_splits_smallest_block_like_expand),
		ON(holes, free_restores_exact_snapshot),
		ON(holes, freed_buddies_merge_up_the_orders),
		ON(holes,
		   break_points_report_splits_and_merges_up_to_the_limit),
		ON(pc, every_order_allocates_aligned_and_frees),
		ON(pc, order_above_max_fails_and_warns_unless_nowarn),
		ON(holes, exhausted_at_order0_then_refilled),
		ON(pc, exhausted_at_max_order_while_smaller_blocks_remain),
		ON(holes, fragmented_memory_fails_order1_with_half_free),
		ON(pc, gfp_zero_zeroes_every_page_of_the_block),
		ON(holes, get_zeroed_page_zeroes_dirty_pages),
		ON(pc, free_pages_of_0_does_nothing),
		ON(pc, double_free_of_merged_block_is_refused),
		ON(pc, double_free_of_unmerged_block_is_refused),
		ON(pc, free_of_never_allocated_page_is_refused),
		ON(pc, free_with_smaller_order_is_refused),
		ON(pc, free_with_larger_order_is_refused),
		ON(pc, free_of_page_inside_block_is_refused),
		ON(pc, free_of_misaligned_address_is_refused),
		ON(pc, free_of_foreign_address_is_refused),
		ON(pc, free_of_null_page_is_refused),
		ON(pc, free_above_max_order_is_refused),
		ON(pc, free_of_reserved_page_is_refused),
		ON(holes, holes_are_reserved_and_never_merged_across),
		ON(pfn0, pfn0_is_handed_out_and_merges_with_its_buddy),
		ON(pfn0, pfn0_block_address_is_not_the_failure_value),
		ON(lastpfn,
		   last_pfn_is_handed_out_and_never_merged_past_the_end),
		ON(random_machine, random_ops_match_reference_model),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
