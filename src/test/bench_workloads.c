// SPDX-License-Identifier: MIT
/*
 * bench_workloads.c - the workloads of bench_workloads.h, built into the
 * kernel (the `bench` command) and into `make bench` alike. Invariant: a
 * workload gives back every block it took before it returns.
 */
#include "bench_workloads.h"

#include "gfp.h"
#include "mm.h"

/* mixed may run out of a large block: refusals are counted, not warned. */
#define BENCH_GFP (GFP_KERNEL | __GFP_NOWARN)

const char *const bench_workload_names[NR_BENCH_WORKLOADS] = {
	[BENCH_ORDER0] = "order0", [BENCH_BATCH] = "batch",
	[BENCH_MIXED] = "mixed",   [BENCH_FRAG] = "frag",
	[BENCH_ZERO] = "zero",	   [BENCH_INIT] = "init",
};

unsigned long bench_order0(const struct bench_ops *ops, unsigned long n)
{
	unsigned long i;

	ops->timed_begin(ops->clock);
	for (i = 0; i < n; i++) {
		void *p = ops->alloc(0);

		if (!p)
			break;
		ops->free(p, 0);
	}
	ops->timed_end(ops->clock);
	return i;
}

unsigned long bench_mixed_target(unsigned long nr_free, unsigned long capacity)
{
	unsigned long target = nr_free / 2;

	if (target > capacity * BENCH_MIXED_PAGES_PER_SLOT)
		target = capacity * BENCH_MIXED_PAGES_PER_SLOT;
	return target;
}

/* Give back held block @i, moving the last one into its slot. */
static inline void drop_block(const struct bench_ops *ops,
			      struct bench_mixed *m, unsigned long i)
{
	ops->free(m->blocks[i], m->orders[i]);
	m->held_pages -= 1UL << m->orders[i];
	m->held--;
	m->blocks[i] = m->blocks[m->held];
	m->orders[i] = m->orders[m->held];
}

/* One step of mixed (bench_mixed()). */
static inline void mixed_step(const struct bench_ops *ops,
			      struct bench_mixed *m)
{
	unsigned int order =
		(unsigned int)bench_random_below(&m->rng, m->max_order + 1);

	if (m->held_pages + (1UL << order) <= m->target) {
		if (m->held == m->capacity) {
			m->full++;
		} else {
			void *p = ops->alloc(order);

			if (p) {
				m->blocks[m->held] = p;
				m->orders[m->held] = (unsigned char)order;
				m->held++;
				m->held_pages += 1UL << order;
				return;
			}
			m->refused++;
		}
	}
	if (m->held)
		drop_block(ops, m, bench_random_below(&m->rng, m->held));
}

void bench_mixed(const struct bench_ops *ops, struct bench_mixed *m,
		 unsigned long pairs)
{
	unsigned long steps = 2 * pairs;

	m->held = m->held_pages = 0;
	for (unsigned long i = 0; i < steps; i++)
		mixed_step(ops, m);
	m->refused = m->full = 0;
	ops->timed_begin(ops->clock);
	for (unsigned long i = 0; i < steps; i++)
		mixed_step(ops, m);
	ops->timed_end(ops->clock);
	while (m->held)
		drop_block(ops, m, m->held - 1);
}

/* One zeroed page by @ops, or NULL. */
static inline void *alloc_zeroed(const struct bench_ops *ops)
{
	void *p;

	if (ops->alloc_zeroed)
		return ops->alloc_zeroed();
	p = ops->alloc(0);
	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

const char *bench_zero(const struct bench_ops *ops, unsigned long n,
		       unsigned long *at)
{
	unsigned char *p;
	unsigned long i;

	*at = 0;
	p = ops->alloc(0);
	if (!p)
		return "out of memory";
	memset(p, BENCH_JUNK_BYTE, PAGE_SIZE);
	ops->free(p, 0);
	p = alloc_zeroed(ops);
	if (!p)
		return "out of memory";
	for (i = 0; i < PAGE_SIZE && !p[i]; i++)
		;
	memset(p, BENCH_JUNK_BYTE, PAGE_SIZE);
	ops->free(p, 0);
	if (i < PAGE_SIZE) {
		*at = i;
		return "a zeroed page is not zero";
	}

	ops->timed_begin(ops->clock);
	for (i = 0; i < n; i++) {
		void *z = alloc_zeroed(ops);

		if (!z)
			break;
		ops->free(z, 0);
	}
	ops->timed_end(ops->clock);
	*at = i;
	return i < n ? "out of memory" : NULL;
}

void *bench_buddy_alloc(unsigned int order)
{
	return (void *)__get_free_pages(BENCH_GFP, order);
}

void *bench_buddy_alloc_zeroed(void)
{
	return (void *)get_zeroed_page(BENCH_GFP);
}

void bench_buddy_free(void *va, unsigned int order)
{
	free_pages((unsigned long)va, order);
}
