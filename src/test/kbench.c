// SPDX-License-Identifier: MIT
/*
 * kbench.c - the monitor's `bench`: the order0, mixed and zero workloads of
 * `make bench`, the very same code (src/test/bench_workloads.c, from the
 * same seed), run on the kernel's page allocator and timed with the TSC
 * instead of the host clock. Invariant: every block a workload takes it
 * gives back before it returns, so the allocator ends with the free pages
 * and free blocks it started with.
 */
#include "kbench.h"

#include <stdint.h>

#include "cpu.h"
#include "gfp.h"
#include "irqflags.h"
#include "lib/kernel.h"
#include "mm.h"
#include "mmzone.h"
#include "printk.h"
#include "string.h"
#include "test/bench_workloads.h"

/*
 * mixed holds at most KBENCH_MAX_HELD blocks (a static array), so its
 * target is capped at BENCH_MIXED_PAGES_PER_SLOT pages a slot
 * (bench_mixed_target()). Should the array fill all the same, a step frees
 * a block instead of allocating, and the output counts it ("array full").
 */
#define KBENCH_MAX_HELD 4096

/* The calibration loop: 2 * CAL_LOOPS instructions (count_loop()). */
#define CAL_LOOPS 1000000UL

/* What mixed holds: block i at held_va[i], of order held_order[i]. Used by
 * one bench run at a time: the monitor runs one command at a time. */
static void *held_va[KBENCH_MAX_HELD];
static unsigned char held_order[KBENCH_MAX_HELD];

/* The TSC as struct bench_ops' clock: ticks summed over timed sections. */
struct tsc_clock {
	uint64_t t0;	     /* TSC at the open section's start */
	uint64_t cycles;     /* ticks in the closed sections */
	unsigned long flags; /* RFLAGS.IF before the open section */
};

/* A timed section runs with interrupts off: no tick or key lands in it. */
static void tsc_begin(void *clock)
{
	struct tsc_clock *c = clock;

	local_irq_save(c->flags);
	c->t0 = rdtsc_ordered();
}

static void tsc_end(void *clock)
{
	struct tsc_clock *c = clock;

	c->cycles += rdtsc_ordered() - c->t0;
	local_irq_restore(c->flags);
}

/* The kernel's page allocator under the TSC, as the host's buddy rows. */
static struct tsc_clock bench_clock;
static const struct bench_ops kernel_ops = {
	.alloc = bench_buddy_alloc,
	.alloc_zeroed = bench_buddy_alloc_zeroed,
	.free = bench_buddy_free,
	.timed_begin = tsc_begin,
	.timed_end = tsc_end,
	.clock = &bench_clock,
};

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

/* order0 (bench_order0()): one page taken and given back at once, LIFO.
 * Op: the pair. */
static bool wl_order0(unsigned long n)
{
	unsigned long done;

	bench_clock.cycles = 0;
	done = bench_order0(&kernel_ops, n);
	if (done < n) {
		printk("bench: order0: FAILED: out of memory after %lu ops\n",
		       done);
		return false;
	}
	report("order0", n, bench_clock.cycles, "");
	return true;
}

/*
 * mixed (bench_mixed()): random orders 0..10 at about 50 % of the free
 * pages, 2n steps untimed to reach steady state, then 2n timed; then every
 * block freed. Op: one alloc+free pair (two steps).
 */
static bool wl_mixed(unsigned long n)
{
	unsigned long free_now = nr_free_pages();
	struct bench_mixed m = {
		.rng = BENCH_SEED,
		.max_order = MAX_PAGE_ORDER,
		.target = bench_mixed_target(free_now, KBENCH_MAX_HELD),
		.blocks = held_va,
		.orders = held_order,
		.capacity = KBENCH_MAX_HELD,
	};
	char tail[64];

	printk("bench: mixed: seed %#llx, orders 0..%d, target %lu pages (50 %% of %lu free, capped at %lu), at most %d blocks held; %lu steps untimed, then %lu timed\n",
	       (unsigned long long)BENCH_SEED, MAX_PAGE_ORDER, m.target,
	       free_now, KBENCH_MAX_HELD * BENCH_MIXED_PAGES_PER_SLOT,
	       KBENCH_MAX_HELD, 2 * n, 2 * n);
	bench_clock.cycles = 0;
	bench_mixed(&kernel_ops, &m, n);
	if (m.full)
		snprintf(tail, sizeof(tail), ", %lu refused, %lu array full",
			 m.refused, m.full);
	else
		snprintf(tail, sizeof(tail), ", %lu refused", m.refused);
	report("mixed", n, bench_clock.cycles, tail);
	return true;
}

/*
 * zero (bench_zero()): get_zeroed_page() and free it, LIFO, after an
 * untimed check that a dirtied page comes back zeroed. Op: the pair.
 */
static bool wl_zero(unsigned long n)
{
	unsigned long at;
	const char *err;

	bench_clock.cycles = 0;
	err = bench_zero(&kernel_ops, n, &at);
	if (err) {
		printk("bench: zero: FAILED: %s (%s %lu)\n", err,
		       strcmp(err, "out of memory") ? "byte" : "after ops", at);
		return false;
	}
	report("zero", n, bench_clock.cycles, "");
	return true;
}

/* TSC ticks around count_loop(@loops); not inlined, so that every call
 * runs the same instructions but for the loop's. */
static noinline uint64_t time_count_loop(unsigned long loops)
{
	unsigned long flags;
	uint64_t t0, t1;

	local_irq_save(flags);
	t0 = rdtsc_ordered();
	count_loop(loops);
	t1 = rdtsc_ordered();
	local_irq_restore(flags);
	return t1 - t0;
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
