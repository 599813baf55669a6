// SPDX-License-Identifier: MIT
/* host_test.c - see host_test.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "mm.h"

/* A panic outside run_expecting_panic() fails the running test. */
static void fail_test(const char *msg)
{
	fprintf(stderr, "Kernel panic - not syncing: %s\n", msg);
	_fail(__FILE__, __LINE__);
	abort(); /* _fail() returns only outside a running test */
}

void host_tests_init(void)
{
	const char *pattern = getenv("PAGEWISE_TEST");
	const char *debug = getenv("PAGEWISE_MM_DEBUG");

	if (pattern && *pattern)
		cmocka_set_test_filter(pattern);
	if (!debug || !*debug || !strcmp(debug, "verify")) {
		fake_machine_mm_debug = MM_DEBUG_VERIFY;
	} else if (!strcmp(debug, "off")) {
		fake_machine_mm_debug = 0;
	} else {
		fprintf(stderr,
			"PAGEWISE_MM_DEBUG=%s: say verify (checks on, the default) or off (the kernel's default: order-0 fast paths)\n",
			debug);
		exit(2);
	}
	printf("host tests: machines boot with mm_debug=%s (PAGEWISE_MM_DEBUG)\n",
	       fake_machine_mm_debug ? "verify" : "off");
	if (getenv("PAGEWISE_VERBOSE"))
		printk_echo = stdout;
	fake_panic_handler = fail_test;
}

int fake_machine_teardown_case(void **state)
{
	(void)state;
	fake_machine_teardown();
	return 0;
}

void assert_canonical_buddy(const bool *is_free, unsigned long nr_pfns)
{
	signed char *head = malloc(nr_pfns ? nr_pfns : 1);
	unsigned long nr_free[NR_PAGE_ORDERS] = { 0 }, free_pages = 0;

	drain_all_pages(NULL); /* the per-CPU lists hold free pages too */
	assert_int_equal(nr_pfns, max_pfn);
	assert_non_null(head);
	canonical_heads(is_free, nr_pfns, head);
	for (unsigned long pfn = 0; pfn < nr_pfns; pfn++) {
		const struct page *page = pfn_to_page(pfn);

		if (head[pfn] >= 0) {
			nr_free[head[pfn]]++;
			free_pages += 1UL << head[pfn];
		}
		if (head[pfn] >= 0 && PageBuddy(page) &&
		    page_private(page) == (unsigned long)head[pfn])
			continue;
		if (head[pfn] < 0 && !PageBuddy(page))
			continue;
		print_error(
			"pfn %#lx: expected %s of order %d, found flags %#x order %lu\n",
			pfn, head[pfn] >= 0 ? "a free block" : "no free block",
			head[pfn], page->flags, page_private(page));
		free(head);
		fail();
	}
	free(head);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		assert_int_equal(total_nr_free(o), nr_free[o]);
	assert_int_equal(nr_free_pages(), free_pages);
	assert_int_equal(buddy_verify(), 0);
}

int fake_machine_boot_case(void **state)
{
	fake_machine_boot(*state);
	printk_log_clear();
	return 0;
}

int fake_machine_boot_poisoned_case(void **state)
{
	page_poisoning_enabled = true;
	return fake_machine_boot_case(state);
}

void snapshot_drained(struct buddy_snapshot *s)
{
	drain_all_pages(NULL);
	buddy_snapshot(s);
}

bool bytes_are(const void *p, unsigned char byte, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != byte)
			return false;
	return true;
}
