// SPDX-License-Identifier: MIT
/*
 * test_page_contents.c - what the allocator promises about the bytes of a
 * page, to the last one: get_zeroed_page() and __GFP_ZERO clear every byte
 * on each path that can hand the page out (the order-0 fast path, the
 * general path with the page on a per-CPU list, the general path refilling
 * an empty list, a larger block), and page_poison=1 checks every byte of a
 * freed page, its last word included. Each case sets the mm_debug its path
 * needs, so it tests the same thing in both runs of `make test-host`.
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

/* 8 MiB of RAM from 0, the first MiB reserved as on a PC: all ZONE_DMA. */
static const struct fake_machine machine = {
	FAKE_RANGES({ 0x0, 0x800000, FAKE_RAM }),
	.low_reserve = 1 * MiB,
};

/* What the cases dirty pages with: neither 0 nor PAGE_POISON. */
#define DIRTY 0xa5

static struct per_cpu_pages *dma_pcp(void)
{
	return this_cpu_pcp(&contig_page_data.node_zones[ZONE_DMA]);
}

/* Fail unless all @len bytes at @p are 0, naming the first that is not. */
static void assert_all_zero(const void *p, unsigned long len)
{
	const unsigned char *b = p;

	for (unsigned long i = 0; i < len; i++) {
		if (!b[i])
			continue;
		print_error("byte %#lx of %#lx is %#04x, not 0\n", i, len,
			    b[i]);
		fail();
	}
}

/*
 * Take every free page at order 0, fill each with DIRTY in every byte and
 * give them all back, then drain the per-CPU lists: whatever the allocator
 * hands out next is dirty to its last byte. Return: the pages dirtied.
 */
static unsigned long dirty_every_free_page(void)
{
	unsigned long n = 0, nr = nr_free_pages();
	unsigned long *pages = calloc(nr, sizeof(*pages));

	assert_non_null(pages);
	while (n < nr &&
	       (pages[n] = __get_free_page(GFP_KERNEL | __GFP_NOWARN)))
		memset((void *)pages[n++], DIRTY, PAGE_SIZE);
	assert_int_equal(n, nr);
	assert_int_equal(__get_free_page(GFP_KERNEL | __GFP_NOWARN), 0);
	while (n)
		free_page(pages[--n]);
	free(pages);
	drain_all_pages(NULL);
	assert_int_equal(dma_pcp()->count, 0);
	return nr;
}

/*
 * Allocate a page, fill it with DIRTY and free it: it is now the hottest
 * page of the per-CPU list. Return: its address.
 */
static unsigned long free_a_dirty_page(void)
{
	unsigned long va = __get_free_page(GFP_KERNEL);

	assert_true(va);
	memset((void *)va, DIRTY, PAGE_SIZE);
	free_page(va);
	assert_true(PagePcp(virt_to_page((void *)va)));
	return va;
}

/* Fail unless @va, just allocated at @order, is zero to its last byte; free it. */
static void assert_zeroed_then_free(unsigned long va, unsigned int order)
{
	assert_true(va);
	assert_all_zero((void *)va, PAGE_SIZE << order);
	free_pages(va, order);
	assert_int_equal(buddy_verify(), 0);
}

/* get_zeroed_page() ------------------------------------------------------- */

/*
 * The order-0 fast path (mm_debug 0, no page_poison): a page dirtied in
 * every byte and freed goes first on the per-CPU list; get_zeroed_page()
 * takes it straight back and must clear all of it.
 */
static void fast_path_zeroes_the_whole_page(void **state)
{
	unsigned long va, again;
	int count;

	(void)state;
	mm_debug = 0;
	va = free_a_dirty_page();
	count = dma_pcp()->count;
	again = get_zeroed_page(GFP_KERNEL);
	assert_int_equal(again, va); /* the hottest listed page */
	assert_int_equal(dma_pcp()->count, count - 1);
	assert_zeroed_then_free(again, 0);
}

/*
 * The general path (mm_debug=verify turns the fast paths off): the same
 * dirty page, taken from the per-CPU list by rmqueue(), cleared by
 * alloc_pages()'s __GFP_ZERO loop.
 */
static void general_path_zeroes_the_whole_page(void **state)
{
	unsigned long va, again;

	(void)state;
	mm_debug = MM_DEBUG_VERIFY;
	va = free_a_dirty_page();
	again = get_zeroed_page(GFP_KERNEL);
	assert_int_equal(again, va);
	assert_zeroed_then_free(again, 0);
}

/*
 * An empty per-CPU list (mm_debug 0): the fast path finds nothing, the
 * general path refills the list from the buddy and must clear the page it
 * hands out, dirty like every free page.
 */
static void refill_path_zeroes_the_whole_page(void **state)
{
	(void)state;
	mm_debug = 0;
	dirty_every_free_page(); /* and the list is empty */
	assert_zeroed_then_free(get_zeroed_page(GFP_KERNEL), 0);
}

/* __GFP_ZERO on a larger block clears every byte of every page of it. */
static void gfp_zero_clears_every_page_of_a_block(void **state)
{
	(void)state;
	mm_debug = 0;
	dirty_every_free_page();
	assert_zeroed_then_free(__get_free_pages(GFP_KERNEL | __GFP_ZERO, 3),
				3);
}

/* page_poison=1 -------------------------------------------------------------- */

/*
 * Free the order-@order block at @page (poisoned by the free), write @value
 * at byte @offset of it, then allocate the same block again (LIFO: the
 * per-CPU list for order 0, the same split above it): one report, naming
 * the page of the block and the offset in it.
 */
static void write_after_free_is_reported(unsigned int order,
					 unsigned long offset,
					 unsigned char value)
{
	struct page *page = alloc_pages(GFP_KERNEL, order), *again;
	unsigned long before = mm_bad_page_reports;
	unsigned char *va;
	char want[192];

	assert_non_null(page);
	va = page_address(page);
	__free_pages(page, order);
	assert_int_equal(va[offset], PAGE_POISON);
	va[offset] = value;
	printk_log_clear();
	again = alloc_pages(GFP_KERNEL, order);
	assert_ptr_equal(again, page);
	snprintf(
		want, sizeof(want),
		"BUG: Bad page state: use after free: poison overwritten in pfn %#lx at offset %#lx (1 bytes differ): found %#04x, expected %#04x\n",
		page_to_pfn(page) + offset / PAGE_SIZE, offset % PAGE_SIZE,
		value, PAGE_POISON);
	if (printk_log_count(want) != 1)
		print_error("expected once: %swhat the allocation printed:\n%s",
			    want, printk_log());
	assert_int_equal(printk_log_count(want), 1);
	assert_int_equal(mm_bad_page_reports, before + 1);
	__free_pages(again, order);
	assert_int_equal(buddy_verify(), 0);
}

static void poison_check_covers_the_first_byte(void **state)
{
	(void)state;
	write_after_free_is_reported(0, 0, 0x00);
}

/* The last word of a page: the first byte of it, and the page's last. */
static void poison_check_covers_the_last_word(void **state)
{
	(void)state;
	write_after_free_is_reported(0, PAGE_SIZE - 8, 0x00);
	write_after_free_is_reported(0, PAGE_SIZE - 1, 0x5a);
}

/* The last byte of the last page of a block. */
static void poison_check_covers_the_last_byte_of_a_block(void **state)
{
	(void)state;
	write_after_free_is_reported(2, (PAGE_SIZE << 2) - 1, 0x00);
}

/* Cases on the machine booted as the kernel boots, or with page_poison=1. */
#define CASE(fn)     MACHINE_CASE(fn, fake_machine_boot_case, &machine)
#define POISONED(fn) MACHINE_CASE(fn, fake_machine_boot_poisoned_case, &machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(fast_path_zeroes_the_whole_page),
		CASE(general_path_zeroes_the_whole_page),
		CASE(refill_path_zeroes_the_whole_page),
		CASE(gfp_zero_clears_every_page_of_a_block),
		POISONED(poison_check_covers_the_first_byte),
		POISONED(poison_check_covers_the_last_word),
		POISONED(poison_check_covers_the_last_byte_of_a_block),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("page_contents", tests, NULL, NULL);
}
