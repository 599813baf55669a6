// SPDX-License-Identifier: MIT
/*
 * free_list.c - baseline: a singly linked list of free pages whose link lives
 * in the free page itself, as xv6's kernel/kalloc.c (without its junk fill
 * on free, which would cost a 4 KiB memset per free). Order 0 only.
 * Invariant: the list from free_head holds each free page once, nr_free long.
 */
#include "bench.h"

/* The first bytes of a free page. */
struct run {
	struct run *next; /* the next free page, NULL at the end */
};

static struct run *free_head;	/* NULL when no page is free */
static unsigned long nr_free;	/* pages on the list */
static unsigned long boot_free; /* nr_free after init() */

static void list_free(void *va, unsigned int order)
{
	struct run *r = va;

	(void)order;
	r->next = free_head;
	free_head = r;
	nr_free++;
}

/* As xv6's kinit()/freerange(): free every page, which writes into each. */
static unsigned long list_init(phys_addr_t ram_size)
{
	unsigned long end = ram_size / PAGE_SIZE;

	fake_ram_use(ram_size);
	free_head = NULL;
	nr_free = 0;
	for (unsigned long pfn = end; pfn-- > BENCH_LOW_RESERVE / PAGE_SIZE;)
		list_free(host_ram + pfn * PAGE_SIZE, 0);
	boot_free = nr_free;
	return nr_free;
}

static void *list_alloc(unsigned int order)
{
	struct run *r = free_head;

	(void)order;
	if (r) {
		free_head = r->next;
		nr_free--;
	}
	return r;
}

static unsigned long list_nr_free(void)
{
	return nr_free;
}

static bool list_at_boot_state(void)
{
	unsigned long n = 0;

	for (const struct run *r = free_head; r; r = r->next)
		n++;
	return n == boot_free && nr_free == boot_free;
}

const struct bench_allocator free_list_allocator = {
	.name = "free list",
	.max_order = 0,
	/* init() writes into every free page: keep it to RAM we can back. */
	.max_init_size = 4UL << 30,
	.init = list_init,
	.alloc = list_alloc,
	.free = list_free,
	.nr_free = list_nr_free,
	.at_boot_state = list_at_boot_state,
};
