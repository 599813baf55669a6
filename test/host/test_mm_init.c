// SPDX-License-Identifier: MIT
/*
 * test_mm_init.c - src/mm/mm_init.c: mm_core_init() builds mem_map over
 * pfns [0, end of RAM), places it with memblock, leaves every page either
 * reserved or free, counts the zone right, and panics clearly when it can't.
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

/*
 * 24 MiB in two RAM ranges with a hole, a reservation inside RAM, and a
 * reserved range above the end of RAM (it must not stretch mem_map).
 * RAM: pfns 0x000-0x09e (159) and 0x100-0x17ff (5888): 6047 pages.
 */
static const struct fake_mem_range map[] = {
	{ 0x0, 0x9f800, FAKE_RAM },
	{ 0x100000, 0x1700000, FAKE_RAM },
	{ 0x400000, 0x2000, FAKE_RESERVED },
	{ 0x1c00000, 0x100000, FAKE_RESERVED },
};
static const struct fake_machine machine = {
	FAKE_MAP(map),
};
#define MACHINE_MAX_PFN	      0x1800
#define MACHINE_PRESENT_PAGES (0x9f + 0x1700)

static unsigned long mem_map_bytes(void)
{
	return (max_pfn * sizeof(struct page) + PAGE_SIZE - 1) & PAGE_MASK;
}

static void mem_map_spans_pfn0_to_end_of_ram(void **state)
{
	(void)state;
	fake_machine_boot(&machine);
	assert_int_equal(max_pfn, MACHINE_MAX_PFN);
	assert_true(virt_in_direct_map(mem_map));
	assert_true(virt_in_direct_map((char *)(mem_map + max_pfn) - 1));
	assert_int_equal(__pa(mem_map) & ~PAGE_MASK, 0);
}

static void mem_map_is_taken_top_down_and_reserved(void **state)
{
	unsigned long first, nr;

	(void)state;
	fake_machine_boot(&machine);
	first = PHYS_PFN(__pa(mem_map));
	nr = mem_map_bytes() >> PAGE_SHIFT;
	assert_int_equal(first + nr, max_pfn); /* the top of RAM */
	for (unsigned long pfn = first; pfn < first + nr; pfn++)
		assert_true(PageReserved(pfn_to_page(pfn)));
}

static void mem_map_stays_below_current_limit(void **state)
{
	static const struct fake_machine low = {
		FAKE_MAP(map),
		.mem_map_limit = 0x300000,
	};

	(void)state;
	fake_machine_boot(&low);
	assert_true(__pa(mem_map) + mem_map_bytes() <= 0x300000);
	assert_true(__pa(mem_map) >= 0x100000);
}

/* Fresh host_ram is junk: every field of every struct page must be set. */
static void every_struct_page_is_initialised(void **state)
{
	bool *is_free;

	(void)state;
	fake_machine_boot(&machine);
	is_free = memblock_free_pfns(max_pfn);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		const struct page *page = pfn_to_page(pfn);

		assert_int_equal(page->_refcount, 0);
		if (!is_free[pfn]) {
			assert_int_equal(page->flags, 1u << PG_reserved);
			assert_int_equal(page->private, 0);
			assert_ptr_equal(page->lru.next, &page->lru);
			assert_ptr_equal(page->lru.prev, &page->lru);
		} else if (!PageBuddy(page)) {
			assert_int_equal(page->flags, 0); /* a tail */
			assert_int_equal(page->private, 0);
		}
	}
	assert_canonical_buddy(is_free, max_pfn);
	free(is_free);
}

/*
 * The 24 MiB machine spans ZONE_DMA (pfns 0-0xfff) and ZONE_DMA32
 * (0x1000-0x17ff); ZONE_NORMAL is empty. mem_map sits at the top of RAM,
 * in DMA32; the reservation at 4 MiB is in DMA.
 */
static void zone_counts_spanned_present_and_managed_pages(void **state)
{
	struct zone *dma = &contig_page_data.node_zones[ZONE_DMA];
	struct zone *dma32 = &contig_page_data.node_zones[ZONE_DMA32];
	struct zone *normal = &contig_page_data.node_zones[ZONE_NORMAL];
	unsigned long nr_free = 0, dma_free = 0;
	bool *is_free;

	(void)state;
	fake_machine_boot(&machine);
	is_free = memblock_free_pfns(max_pfn);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		nr_free += is_free[pfn];
		dma_free += is_free[pfn] && pfn < MAX_DMA_PFN;
	}
	free(is_free);
	assert_int_equal(dma->zone_start_pfn, 0);
	assert_int_equal(dma->spanned_pages, MAX_DMA_PFN);
	assert_int_equal(dma->present_pages, 0x9f + MAX_DMA_PFN - 0x100);
	assert_int_equal(dma32->zone_start_pfn, MAX_DMA_PFN);
	assert_int_equal(dma32->spanned_pages, MACHINE_MAX_PFN - MAX_DMA_PFN);
	assert_int_equal(dma32->present_pages, MACHINE_MAX_PFN - MAX_DMA_PFN);
	assert_int_equal(normal->spanned_pages, 0);
	assert_int_equal(normal->present_pages, 0);
	assert_int_equal(normal->managed_pages, 0);
	assert_int_equal(totalpresent_pages(), MACHINE_PRESENT_PAGES);
	/* present less the reservation inside RAM and mem_map */
	assert_int_equal(nr_free, MACHINE_PRESENT_PAGES - 2 -
					  (mem_map_bytes() >> PAGE_SHIFT));
	assert_int_equal(dma_free, dma->present_pages - 2);
	assert_int_equal(dma->managed_pages, dma_free);
	assert_int_equal(dma->free_pages, dma_free);
	assert_int_equal(dma32->managed_pages, nr_free - dma_free);
	assert_int_equal(dma32->free_pages, nr_free - dma_free);
	assert_int_equal(totalram_pages(), nr_free);
	assert_int_equal(nr_free_pages(), nr_free);
}

static void boot_prints_mem_map_and_memory_lines(void **state)
{
	char line[256];
	unsigned long managed, present;

	(void)state;
	mm_image_sizes = (struct mm_image_sizes){ .text = 1 * MiB,
						  .rwdata = 64 * KiB,
						  .rodata = 128 * KiB,
						  .init = 0,
						  .bss = 32 * KiB };
	fake_machine_boot(&machine);
	managed = totalram_pages() * 4;
	present = totalpresent_pages() * 4;
	snprintf(
		line, sizeof(line),
		"mm: mem_map at [mem 0x%016lx-0x%016lx]: %d pages x 32 bytes\n",
		(unsigned long)__pa(mem_map),
		(unsigned long)__pa(mem_map) + mem_map_bytes() - 1,
		MACHINE_MAX_PFN);
	assert_int_equal(printk_log_count(line), 1);
	snprintf(
		line, sizeof(line),
		"Memory: %luK/%luK available (1024K kernel code, 64K rwdata, 128K rodata, 0K init, 32K bss, %luK reserved)\n",
		managed, present, present - managed);
	assert_int_equal(printk_log_count(line), 1);
	assert_int_equal(present, MACHINE_PRESENT_PAGES * 4);
}

static void boot_is_repeatable(void **state)
{
	struct buddy_snapshot first, second;
	bool *is_free;

	(void)state;
	fake_machine_boot(&machine);
	snapshot_drained(&first);
	is_free = memblock_free_pfns(max_pfn);
	fake_machine_teardown();
	fake_machine_boot(&machine);
	snapshot_drained(&second);
	assert_true(buddy_snapshot_equal(&first, &second));
	assert_canonical_buddy(is_free, max_pfn);
	free(is_free);
}

/* Panics ------------------------------------------------------------------ */

static void boot_expecting_panic(const struct fake_machine *m,
				 const char *message)
{
	fake_machine_load(m);
	assert_true(run_expecting_panic(mm_core_init));
	assert_int_equal(printk_log_count("Kernel panic - not syncing: "), 1);
	assert_int_equal(printk_log_count(message), 1);
}

static void no_usable_ram_panics(void **state)
{
	static const struct fake_mem_range only_reserved[] = {
		{ 0x0, 0x100000, FAKE_RESERVED },
		{ 0x100800, 0x800, FAKE_RAM }, /* not one whole page */
	};
	static const struct fake_machine m = {
		FAKE_MAP(only_reserved),
	};

	(void)state;
	boot_expecting_panic(&m, "no usable RAM in the memory map");
}

/* @ram bytes of RAM from 0, all reserved but the top @left bytes. */
static void boot_almost_full_expecting_panic(phys_addr_t ram, phys_addr_t left,
					     const char *message)
{
	const struct fake_machine m = {
		FAKE_RANGES({ 0x0, ram, FAKE_RAM },
			    { 0x0, ram - left, FAKE_RESERVED }),
	};

	boot_expecting_panic(&m, message);
}

static void mem_map_that_does_not_fit_panics(void **state)
{
	/* 16 MiB needs 128 KiB of mem_map; only 64 KiB is left free */
	(void)state;
	boot_almost_full_expecting_panic(16 * MiB, 64 * KiB,
					 "too little memory for mem_map");
}

static void nothing_left_after_mem_map_panics(void **state)
{
	/* 1 MiB needs 8 KiB of mem_map: exactly the two pages left free */
	(void)state;
	boot_almost_full_expecting_panic(
		1 * MiB, 8 * KiB, "no memory left for the page allocator");
}

#define CASE(fn) cmocka_unit_test_teardown(fn, fake_machine_teardown_case)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(mem_map_spans_pfn0_to_end_of_ram),
		CASE(mem_map_is_taken_top_down_and_reserved),
		CASE(mem_map_stays_below_current_limit),
		CASE(every_struct_page_is_initialised),
		CASE(zone_counts_spanned_present_and_managed_pages),
		CASE(boot_prints_mem_map_and_memory_lines),
		CASE(boot_is_repeatable),
		CASE(no_usable_ram_panics),
		CASE(mem_map_that_does_not_fit_panics),
		CASE(nothing_left_after_mem_map_panics),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("mm_init", tests, NULL, NULL);
}
