// SPDX-License-Identifier: MIT
/*
 * zero_refs.c - the references for the zero workload: one page of host_ram
 * zeroed again and again, by the C library's memset and by the kernel's
 * clear_page (rep stosq), with nothing allocated. get_zeroed_page + free is
 * measured against these (issue 7: within 1.3 x a bare 4 KiB memset).
 */
#include <string.h>

#include "bench.h"
#include "mm.h"

/* The page they zero: the first one above the reserved 1 MiB. */
static void *zero_page(void)
{
	return __va(BENCH_LOW_RESERVE);
}

static unsigned long one_page_init(phys_addr_t ram_size)
{
	fake_ram_use(ram_size);
	return 1;
}

static void *one_page_alloc(unsigned int order)
{
	return order ? NULL : zero_page();
}

static void *memset_zeroed(void)
{
	return memset(zero_page(), 0, PAGE_SIZE);
}

static void *rep_stosq_zeroed(void)
{
	clear_page(zero_page());
	return zero_page();
}

static void one_page_free(void *va, unsigned int order)
{
	(void)va;
	(void)order;
}

static unsigned long one_page_nr_free(void)
{
	return 1;
}

static bool always(void)
{
	return true;
}

/* The two differ only in their name and how they zero. */
#define ZERO_REFERENCE(name_, zeroed_)                              \
	{                                                           \
		.name = (name_), .init = one_page_init,             \
		.alloc = one_page_alloc, .alloc_zeroed = (zeroed_), \
		.free = one_page_free, .nr_free = one_page_nr_free, \
		.at_boot_state = always, .zero_only = true,         \
	}

const struct bench_allocator memset_allocator =
	ZERO_REFERENCE("memset 4K", memset_zeroed);
const struct bench_allocator rep_stosq_allocator =
	ZERO_REFERENCE("rep stosq 4K", rep_stosq_zeroed);
