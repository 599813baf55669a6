// SPDX-License-Identifier: MIT
/*
 * kbench.c - the monitor's `bench`: the order0, mixed and zero workloads of
 * bench/bench.c (docs/bench.md), with the same definitions, run on the
 * kernel's page allocator and timed with the TSC instead of the host clock.
 * Invariant: every block a workload takes it gives back before it returns,
 * so the allocator ends with the free pages and free blocks it started with.
 */
#include "kbench.h"

#include <stdint.h>

#include "cpu.h"
#include "gfp.h"
#include "lib/kernel.h"
#include "mm.h"
#include "mmzone.h"
#include "printk.h"
#include "string.h"

/* bench/bench.c's default seed: mixed draws the same orders as there. */
#define KBENCH_SEED 0x9e3779b97f4a7c15ull

/*
 * mixed holds at most KBENCH_MAX_HELD blocks (a static array). Its target
 * is capped at KBENCH_MAX_TARGET pages: held blocks average about
 * 2047 / 11 = 186 pages (orders 0..10 drawn uniformly), so at the cap some
 * 1400 blocks are held, a third of the array. Should the array fill all
 * the same, a step frees a block instead of allocating, and the output
 * counts it ("array full").
 */
#define KBENCH_MAX_HELD	  4096
#define KBENCH_MAX_TARGET (KBENCH_MAX_HELD * 64UL)

/* The calibration loop: 2 * CAL_LOOPS instructions (count_loop()). */
#define CAL_LOOPS 1000000UL

/* What a page is dirtied with before zero checks get_zeroed_page(). */
#define JUNK_BYTE 0x6b

/* mixed may run out of a large block: refusals are counted, not warned. */
#define MIXED_GFP (GFP_KERNEL | __GFP_NOWARN)

/* What mixed holds: block i starts at held_page[i], of order held_order[i]. */
static struct page *held_page[KBENCH_MAX_HELD];
static unsigned char held_order[KBENCH_MAX_HELD];

/* One run of mixed. */
struct mixed_ctx {
	uint64_t rng;		  /* xorshift64 state, never 0 */
	unsigned long target;	  /* pages held at most */
	unsigned long held;	  /* blocks in held_page[] */
	unsigned long held_pages; /* pages in them */
	unsigned long refused;	  /* allocations refused (timed phase) */
	unsigned long full;	  /* allocations skipped: held_page[] full */
};

/* xorshift64 (Marsaglia), as bench/bench.c's next_random(). */
static inline uint64_t next_random(struct mixed_ctx *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

/* @num / @den, rounded to @decimals (at least 1) decimals, into @buf:
 * "12.3". Return: @buf. */
static const char *ratio_str(char *buf, size_t size, uint64_t num, uint64_t den,
			     unsigned int decimals)
{
	uint64_t scale = 1, q;

	for (unsigned int i = 0; i < decimals; i++)
		scale *= 10;
	q = (num * scale + den / 2) / den;
	snprintf(buf, size, "%llu.%0*llu", (unsigned long long)(q / scale),
		 (int)decimals, (unsigned long long)(q % scale));
	return buf;
}

static void report(const char *name, unsigned long ops, uint64_t cycles,
		   const char *tail)
{
	char per_op[32];

	printk("bench: %s: %lu ops, %llu cycles, %s cycles/op (rdtsc)%s\n",
	       name, ops, (unsigned long long)cycles,
	       ratio_str(per_op, sizeof(per_op), cycles, ops, 1), tail);
}

/* order0: allocate one page and free it at once, LIFO. Op: the pair. */
static bool wl_order0(unsigned long n)
{
	uint64_t t0, t1;
	unsigned long i;

	t0 = rdtsc_ordered();
	for (i = 0; i < n; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, 0);

		if (!page)
			break;
		__free_pages(page, 0);
	}
	t1 = rdtsc_ordered();
	if (i < n) {
		printk("bench: order0: FAILED: out of memory after %lu ops\n",
		       i);
		return false;
	}
	report("order0", n, t1 - t0, "");
	return true;
}

/* Give back held block @i, moving the last one into its slot. */
static void drop_block(struct mixed_ctx *m, unsigned long i)
{
	__free_pages(held_page[i], held_order[i]);
	m->held_pages -= 1UL << held_order[i];
	m->held--;
	held_page[i] = held_page[m->held];
	held_order[i] = held_order[m->held];
}

/*
 * One step of mixed, as bench/bench.c's mixed_step(): draw an order in
 * 0..MAX_PAGE_ORDER; allocate a block of it if that keeps occupancy at or
 * below the target, else free a random held block. A refused allocation
 * is counted and a random block freed instead. The draws take the same
 * xorshift64 stream modulo n, where the host multiplies (random_below()),
 * so the two see the same kind of sequence, not the same sequence.
 */
static inline void mixed_step(struct mixed_ctx *m)
{
	unsigned int order = next_random(m) % NR_PAGE_ORDERS;

	if (m->held_pages + (1UL << order) <= m->target) {
		struct page *page;

		if (m->held == KBENCH_MAX_HELD) {
			m->full++;
		} else if ((page = alloc_pages(MIXED_GFP, order))) {
			held_page[m->held] = page;
			held_order[m->held] = (unsigned char)order;
			m->held++;
			m->held_pages += 1UL << order;
			return;
		} else {
			m->refused++;
		}
	}
	if (m->held)
		drop_block(m, next_random(m) % m->held);
}

/*
 * mixed: random orders 0..10 at about 50 % of the free pages, 2n steps
 * untimed to reach steady state, then 2n timed; then every block freed.
 * Op: one alloc+free pair (two steps), as in bench/bench.c.
 */
static bool wl_mixed(unsigned long n)
{
	struct mixed_ctx m = { .rng = KBENCH_SEED };
	unsigned long free_now = nr_free_pages(), steps = 2 * n;
	uint64_t t0, t1;
	char tail[64];

	m.target = free_now / 2;
	if (m.target > KBENCH_MAX_TARGET)
		m.target = KBENCH_MAX_TARGET;
	printk("bench: mixed: seed %#llx, orders 0..%d, target %lu pages (50 %% of %lu free, capped at %lu), at most %d blocks held; %lu steps untimed, then %lu timed\n",
	       (unsigned long long)KBENCH_SEED, MAX_PAGE_ORDER, m.target,
	       free_now, KBENCH_MAX_TARGET, KBENCH_MAX_HELD, steps, steps);
	for (unsigned long i = 0; i < steps; i++)
		mixed_step(&m);
	m.refused = m.full = 0;
	t0 = rdtsc_ordered();
	for (unsigned long i = 0; i < steps; i++)
		mixed_step(&m);
	t1 = rdtsc_ordered();
	while (m.held)
		drop_block(&m, m.held - 1);
	if (m.full)
		snprintf(tail, sizeof(tail), ", %lu refused, %lu array full",
			 m.refused, m.full);
	else
		snprintf(tail, sizeof(tail), ", %lu refused", m.refused);
	report("mixed", n, t1 - t0, tail);
	return true;
}

/*
 * zero: get_zeroed_page() and free it, LIFO. Untimed first, as in
 * bench/bench.c: a page dirtied and freed, then a zeroed page (the same
 * one, LIFO) checked to be all zero. Op: the pair.
 */
static bool wl_zero(unsigned long n)
{
	unsigned long va;
	const unsigned char *p;
	uint64_t t0, t1;
	unsigned long i;

	va = __get_free_page(GFP_KERNEL);
	if (!va) {
		printk("bench: zero: FAILED: out of memory\n");
		return false;
	}
	memset((void *)va, JUNK_BYTE, PAGE_SIZE);
	free_page(va);
	va = get_zeroed_page(GFP_KERNEL);
	if (!va) {
		printk("bench: zero: FAILED: out of memory\n");
		return false;
	}
	p = (const unsigned char *)va;
	for (i = 0; i < PAGE_SIZE && !p[i]; i++)
		;
	memset((void *)va, JUNK_BYTE, PAGE_SIZE);
	free_page(va);
	if (i < PAGE_SIZE) {
		printk("bench: zero: FAILED: byte %lu of a zeroed page is not zero\n",
		       i);
		return false;
	}

	t0 = rdtsc_ordered();
	for (i = 0; i < n; i++) {
		va = get_zeroed_page(GFP_KERNEL);
		if (!va)
			break;
		free_pages(va, 0);
	}
	t1 = rdtsc_ordered();
	if (i < n) {
		printk("bench: zero: FAILED: out of memory after %lu ops\n", i);
		return false;
	}
	report("zero", n, t1 - t0, "");
	return true;
}

/* TSC ticks around count_loop(@loops); not inlined, so that every call
 * runs the same instructions but for the loop's. */
static noinline uint64_t time_count_loop(unsigned long loops)
{
	uint64_t t0 = rdtsc_ordered();

	count_loop(loops);
	return rdtsc_ordered() - t0;
}

/*
 * The TSC against a known number of instructions: a loop of CAL_LOOPS + 1
 * passes less a loop of 1 pass is exactly 2 * CAL_LOOPS instructions, with
 * the cost of reading the TSC and of the call taken out.
 */
static void calibrate(void)
{
	uint64_t insns = 2 * CAL_LOOPS, cycles;
	uint64_t t_long = time_count_loop(CAL_LOOPS + 1);
	uint64_t t_one = time_count_loop(1);
	char ratio[32];

	cycles = t_long - t_one;
	printk("bench: calibration: %llu instructions in %llu cycles (%s cycles per instruction; dec/jnz loop, %llu cycles for %llu passes less %llu for 1)\n",
	       (unsigned long long)insns, (unsigned long long)cycles,
	       ratio_str(ratio, sizeof(ratio), cycles, insns, 3),
	       (unsigned long long)t_long, (unsigned long long)CAL_LOOPS + 1,
	       (unsigned long long)t_one);
}

static void print_header(void)
{
	const struct cpuinfo_x86 *c = &boot_cpu_data;

	printk("bench: cpu: %s (%s), invariant TSC: %s\n",
	       c->x86_model_id[0] ? c->x86_model_id : "no brand string",
	       c->vendor, c->has_invariant_tsc ? "yes" : "no");
	printk("bench: cycles are TSC ticks (lfence; rdtsc), interrupts off\n");
	printk("bench: under QEMU TCG the TSC is emulated: it follows the host's clock, not a real CPU's cycles; in Bochs (clock: sync=none) it counts instructions, one tick each: see the calibration\n");
	if (mm_debug & MM_DEBUG_VERIFY)
		printk("bench: note: mm_debug=verify runs buddy_verify() after every allocation and free: the numbers are mostly that\n");
	if (page_poisoning_enabled)
		printk("bench: note: page_poison=1 fills and checks every freed page: the numbers include it\n");
}

unsigned int kbench_workload(const char *name)
{
	if (!strcmp(name, "order0"))
		return KBENCH_ORDER0;
	if (!strcmp(name, "mixed"))
		return KBENCH_MIXED;
	if (!strcmp(name, "zero"))
		return KBENCH_ZERO;
	if (!strcmp(name, "all"))
		return KBENCH_ALL;
	return 0;
}

bool kbench_run(unsigned int mask, unsigned long ops)
{
	static const struct {
		unsigned int bit;
		bool (*fn)(unsigned long n);
		unsigned long default_ops;
	} workloads[] = {
		{ KBENCH_ORDER0, wl_order0, KBENCH_DEFAULT_OPS },
		{ KBENCH_MIXED, wl_mixed, KBENCH_DEFAULT_MIXED_OPS },
		{ KBENCH_ZERO, wl_zero, KBENCH_DEFAULT_OPS },
	};
	struct buddy_snapshot before, after;
	unsigned long free_before, free_after, problems;
	bool ok = true;

	print_header();
	calibrate();
	free_before = nr_free_pages();
	drain_all_pages(NULL);
	buddy_snapshot(&before);
	problems = buddy_verify();
	if (problems) {
		printk("bench: FAILED: buddy_verify found %lu problems before the run: nothing run\n",
		       problems);
		return false;
	}
	printk("bench: start: %lu free pages (%lu kB), per-CPU lists drained, buddy_verify: 0 problems\n",
	       free_before, free_before * (PAGE_SIZE / 1024));
	for (unsigned int i = 0; i < ARRAY_SIZE(workloads); i++) {
		if (!(mask & workloads[i].bit))
			continue;
		drain_all_pages(NULL); /* each starts with empty lists */
		ok &= workloads[i].fn(ops ? ops : workloads[i].default_ops);
	}
	free_after = nr_free_pages();
	drain_all_pages(NULL);
	buddy_snapshot(&after);
	problems = buddy_verify();
	if (free_after == free_before &&
	    buddy_snapshot_equal(&before, &after) && !problems) {
		printk("bench: allocator back in its starting state (%lu free pages, the same free blocks per zone and order, buddy_verify: 0 problems)\n",
		       free_after);
		return ok;
	}
	printk("bench: FAILED: allocator not back in its starting state: %lu free pages before, %lu after; free blocks per zone and order %s; buddy_verify: %lu problems\n",
	       free_before, free_after,
	       buddy_snapshot_equal(&before, &after) ? "the same" : "differ",
	       problems);
	return false;
}
