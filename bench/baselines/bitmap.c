// SPDX-License-Identifier: MIT
/*
 * bitmap.c - baseline: one bit per page frame (1: in use or reserved), and a
 * first-fit scan for a run of 2^order clear bits, as Pintos's palloc over
 * its bitmap (and JOS-style bitmap allocators). Runs are not aligned, as in
 * Pintos. We add a hint, the lowest word that may hold a clear bit: it
 * shortens the scan and changes no result (first fit stays first fit).
 * Invariant: nr_free is the number of clear bits below nr_bits; every word
 * below hint is all ones.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define BITS_PER_WORD 64

static uint64_t *map;		/* malloc()ed, kept between machines */
static unsigned long map_words; /* words map can hold */
static unsigned long nr_words;	/* words in use: nr_bits rounded up */
static unsigned long nr_bits;	/* page frames: pfns [0, nr_bits) */
static unsigned long hint;	/* words [0, hint) have no clear bit */
static unsigned long nr_free;	/* clear bits */
static unsigned long boot_free; /* nr_free after init() */

/* The first clear bit at or above @pos, or nr_bits if none. */
static unsigned long next_clear(unsigned long pos)
{
	unsigned long w = pos / BITS_PER_WORD;
	uint64_t bits;

	if (w >= nr_words)
		return nr_bits;
	bits = ~map[w] & (~0ULL << (pos % BITS_PER_WORD));
	while (!bits) {
		if (++w >= nr_words)
			return nr_bits;
		bits = ~map[w];
	}
	pos = w * BITS_PER_WORD + (unsigned long)__builtin_ctzll(bits);
	return pos < nr_bits ? pos : nr_bits;
}

/* The first set bit in [@pos, @end), or @end if none. */
static unsigned long next_set(unsigned long pos, unsigned long end)
{
	unsigned long w = pos / BITS_PER_WORD;
	uint64_t bits = map[w] & (~0ULL << (pos % BITS_PER_WORD));

	while (!bits) {
		if (++w * BITS_PER_WORD >= end)
			return end;
		bits = map[w];
	}
	pos = w * BITS_PER_WORD + (unsigned long)__builtin_ctzll(bits);
	return pos < end ? pos : end;
}

/* Set (@set) or clear the @n bits from @pos. */
static void change_bits(unsigned long pos, unsigned long n, bool set)
{
	while (n) {
		unsigned long bit = pos % BITS_PER_WORD;
		unsigned long len =
			BITS_PER_WORD - bit < n ? BITS_PER_WORD - bit : n;
		uint64_t mask =
			(len == BITS_PER_WORD ? ~0ULL : ((1ULL << len) - 1))
			<< bit;

		if (set)
			map[pos / BITS_PER_WORD] |= mask;
		else
			map[pos / BITS_PER_WORD] &= ~mask;
		pos += len;
		n -= len;
	}
}

static unsigned long bitmap_init(phys_addr_t ram_size)
{
	unsigned long first = BENCH_LOW_RESERVE / PAGE_SIZE;

	fake_ram_use(ram_size);
	nr_bits = ram_size / PAGE_SIZE;
	nr_words = (nr_bits + BITS_PER_WORD - 1) / BITS_PER_WORD;
	if (nr_words > map_words) {
		free(map);
		map = malloc(nr_words * sizeof(*map));
		if (!map) {
			fprintf(stderr, "bitmap: no memory for %lu words\n",
				nr_words);
			exit(1);
		}
		map_words = nr_words;
	}
	for (unsigned long w = 0; w < nr_words; w++)
		map[w] = 0;
	/* The reserved low pages, and the bits past the last frame. */
	change_bits(0, first, true);
	if (nr_bits % BITS_PER_WORD)
		change_bits(nr_bits, BITS_PER_WORD - nr_bits % BITS_PER_WORD,
			    true);
	hint = first / BITS_PER_WORD;
	nr_free = boot_free = nr_bits - first;
	return nr_free;
}

static void *bitmap_alloc(unsigned int order)
{
	unsigned long n = 1UL << order;
	unsigned long pos = next_clear(hint * BITS_PER_WORD);

	/* Every bit below the first clear one is set. */
	hint = pos / BITS_PER_WORD;
	while (pos + n <= nr_bits) {
		unsigned long end = next_set(pos, pos + n);

		if (end == pos + n) {
			change_bits(pos, n, true);
			nr_free -= n;
			return host_ram + pos * PAGE_SIZE;
		}
		pos = next_clear(end);
	}
	return NULL;
}

static void bitmap_free(void *va, unsigned int order)
{
	unsigned long pfn = __pa(va) / PAGE_SIZE;

	change_bits(pfn, 1UL << order, false);
	nr_free += 1UL << order;
	if (pfn / BITS_PER_WORD < hint)
		hint = pfn / BITS_PER_WORD;
}

static unsigned long bitmap_nr_free(void)
{
	return nr_free;
}

static bool bitmap_at_boot_state(void)
{
	unsigned long set = 0;

	for (unsigned long w = 0; w < nr_words; w++)
		set += (unsigned long)__builtin_popcountll(map[w]);
	return nr_free == boot_free &&
	       set == nr_words * BITS_PER_WORD - boot_free;
}

const struct bench_allocator bitmap_allocator = {
	.name = "bitmap",
	.max_order = MAX_PAGE_ORDER,
	.init = bitmap_init,
	.alloc = bitmap_alloc,
	.free = bitmap_free,
	.nr_free = bitmap_nr_free,
	.at_boot_state = bitmap_at_boot_state,
};
