/* SPDX-License-Identifier: MIT */
/*
 * bench_workloads.h - the allocator workloads of `make bench` (bench/bench.c,
 * docs/bench.md) and of the kernel's `bench` command (src/kbench.c), written
 * once: both build bench_workloads.c, so from one seed they make the same
 * calls in the same order. A workload runs on any allocator through struct
 * bench_ops and times only its timed sections; it gives back every block it
 * took before it returns.
 */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include <stdbool.h>
#include <stdint.h>

/* The seed of both (make bench --seed changes the host's). */
#define BENCH_SEED 0x9e3779b97f4a7c15ull

/* What a page is dirtied with before zero checks a zeroed one. */
#define BENCH_JUNK_BYTE 0x6b

/*
 * mixed's target is at most this many pages per slot of its held array: held
 * blocks average about 2047 / 11 = 186 pages (orders 0..10 drawn
 * uniformly), so at the cap about a third of the slots are in use.
 */
#define BENCH_MIXED_PAGES_PER_SLOT 64UL

/* The workloads, in the order both run them. */
enum bench_workload {
	BENCH_ORDER0, /* order-0 pair, LIFO */
	BENCH_BATCH,  /* every free page, freed in random order (host only) */
	BENCH_MIXED,  /* random orders at half occupancy */
	BENCH_FRAG,   /* every page, even pfns freed, then odd (host only) */
	BENCH_ZERO,   /* get_zeroed_page pair, LIFO */
	BENCH_INIT,   /* mm_core_init of the whole RAM (host only) */
	NR_BENCH_WORKLOADS
};

/* Their names, as both print them and take them on the command line. */
extern const char *const bench_workload_names[NR_BENCH_WORKLOADS];

/*
 * What a workload runs on. Every allocator hands out blocks by direct-map
 * address. The clock is the caller's: host time and callgrind, or the TSC.
 */
struct bench_ops {
	/* 2^@order free contiguous pages, or NULL. */
	void *(*alloc)(unsigned int order);
	/* One zeroed page, or NULL; NULL here: alloc(0), then memset(). */
	void *(*alloc_zeroed)(void);
	/* Give back the block at @va of 2^@order pages. */
	void (*free)(void *va, unsigned int order);
	/* Open and close a timed section: only what lies between the two is
	 * timed. Called with @clock. */
	void (*timed_begin)(void *clock);
	void (*timed_end)(void *clock);
	void *clock;
};

/*
 * bench_next_random() - the next number of the xorshift64 (Marsaglia)
 * stream in *@state, which is never 0. Return: it.
 */
static inline uint64_t bench_next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/*
 * bench_random_below() - a number in [0, @n), @n below 2^32, from the
 * stream in *@state: the high 32 bits of the next number times @n, shifted
 * down (Lemire), so no division, which costs tens of cycles, runs in the
 * timed loops. Return: it.
 */
static inline unsigned long bench_random_below(uint64_t *state, unsigned long n)
{
	return (unsigned long)(((bench_next_random(state) >> 32) *
				(uint64_t)n) >>
			       32);
}

/*
 * bench_order0() - order0: @n times, alloc(0) and free it at once (LIFO),
 * all in one timed section. Op: the pair.
 * Return: the pairs done, @n unless an allocation failed (then stopped).
 */
unsigned long bench_order0(const struct bench_ops *ops, unsigned long n);

/*
 * One run of mixed. The caller sets the fields up to capacity; the run
 * keeps the rest.
 */
struct bench_mixed {
	uint64_t rng;		/* stream state, never 0: the seed */
	unsigned int max_order; /* orders drawn: 0..max_order */
	unsigned long target;	/* pages held at most (bench_mixed_target()) */
	void **blocks;		/* capacity slots: the blocks held */
	unsigned char *orders;	/* capacity slots: their orders */
	unsigned long capacity; /* slots, > 0 */
	unsigned long held;	/* blocks held now, in blocks[0, held) */
	unsigned long held_pages; /* pages in them */
	unsigned long refused;	  /* allocations refused, timed steps */
	unsigned long full;	  /* allocations skipped: every slot in use,
				     timed steps */
};

/*
 * bench_mixed_target() - mixed's occupancy: half of @nr_free pages, at most
 * BENCH_MIXED_PAGES_PER_SLOT per slot of a @capacity-slot held array.
 * Return: the target in pages.
 */
unsigned long bench_mixed_target(unsigned long nr_free, unsigned long capacity);

/*
 * bench_mixed() - mixed: 2 * @pairs steps untimed to reach steady state,
 * then 2 * @pairs steps in one timed section, then every held block freed.
 * A step draws an order in 0..max_order (bench_random_below()); if a block
 * of it keeps the pages held at or below target, it allocates one (a
 * refusal, or every slot in use, is counted in refused or full), else it
 * frees a held block drawn the same way. Op: one alloc+free pair, two
 * steps. @m->refused and @m->full count the timed steps only.
 */
void bench_mixed(const struct bench_ops *ops, struct bench_mixed *m,
		 unsigned long pairs);

/*
 * bench_zero() - zero: untimed first, a page dirtied with BENCH_JUNK_BYTE
 * and freed, then a zeroed page (the same one, LIFO) checked to be zero in
 * every byte, dirtied and freed; then @n times, in one timed section, a
 * zeroed page (alloc_zeroed, or alloc(0) and memset()) freed at once.
 * Op: the pair.
 * Return: NULL when all went well; else what failed ("out of memory",
 * "a zeroed page is not zero"), with *@at the pairs done or the offset of
 * the first byte that is not zero.
 */
const char *bench_zero(const struct bench_ops *ops, unsigned long n,
		       unsigned long *at);

/*
 * The page allocator of src/mm as a bench_ops allocator, the same for the
 * host's buddy rows and the kernel: __get_free_pages(), get_zeroed_page()
 * and free_pages() with BENCH_GFP (GFP_KERNEL | __GFP_NOWARN: mixed may run
 * out of a large block, which it counts, not warns of).
 */
void *bench_buddy_alloc(unsigned int order);
void *bench_buddy_alloc_zeroed(void);
void bench_buddy_free(void *va, unsigned int order);

#endif
