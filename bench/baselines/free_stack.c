// SPDX-License-Identifier: MIT
/*
 * free_stack.c - baseline: the free pages' addresses in an array used as a
 * stack. Allocating pops, freeing pushes: the least work an order-0 page
 * allocator can do, with no checks at all. Order 0 only.
 * Invariant: stack[0, top) holds each free page's address exactly once.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

static void **stack;		/* the free pages; malloc()ed, kept */
static unsigned long capacity;	/* entries stack can hold */
static unsigned long top;	/* entries in use: the free pages */
static unsigned long boot_free; /* top after init() */

static unsigned long stack_init(phys_addr_t ram_size)
{
	unsigned long first = BENCH_LOW_RESERVE / PAGE_SIZE;
	unsigned long end = ram_size / PAGE_SIZE;

	fake_ram_use(ram_size);
	if (end > capacity) {
		free(stack);
		stack = malloc(end * sizeof(*stack));
		if (!stack) {
			fprintf(stderr,
				"free_stack: no memory for %lu entries\n", end);
			exit(1);
		}
		capacity = end;
	}
	/* Highest first, so the lowest page is popped first. */
	top = 0;
	for (unsigned long pfn = end; pfn-- > first;)
		stack[top++] = host_ram + pfn * PAGE_SIZE;
	boot_free = top;
	return top;
}

static void *stack_alloc(unsigned int order)
{
	(void)order;
	return top ? stack[--top] : NULL;
}

static void stack_free(void *va, unsigned int order)
{
	(void)order;
	stack[top++] = va;
}

static unsigned long stack_nr_free(void)
{
	return top;
}

static bool stack_at_boot_state(void)
{
	return top == boot_free;
}

const struct bench_allocator free_stack_allocator = {
	.name = "free stack",
	.max_order = 0,
	.init = stack_init,
	.alloc = stack_alloc,
	.free = stack_free,
	.nr_free = stack_nr_free,
	.at_boot_state = stack_at_boot_state,
};
