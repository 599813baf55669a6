// SPDX-License-Identifier: MIT
/*
 * bench.c - `make bench`: time the buddy allocator of src/mm against three
 * baselines on the same simulated physical memory, workload by workload, and
 * print median/min/max ns per operation (docs/bench.md). Every workload ends
 * with every page given back, and each run checks that the allocator is in
 * its boot state again: a failed check stops the benchmark loudly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include "bench.h"
#include "mm.h"
#include "test/bench_workloads.h"

#define GiB (1UL << 30)

/* Simulated RAM sizes are multiples of this: an order-10 block, 4 MiB. */
#define RAM_GRANULE (PAGE_SIZE << MAX_PAGE_ORDER)
/* The smallest machine: the reserved 1 MiB, mem_map and some free pages. */
#define MIN_RAM (8 * MiB)

#define MAX_RUNS       101
#define MAX_INIT_SIZES 8

static const struct bench_allocator *const allocators[] = {
	&buddy_allocator,     &buddy_nopcp_allocator, &free_stack_allocator,
	&free_list_allocator, &bitmap_allocator,      &memset_allocator,
	&rep_stosq_allocator,
};
#define NR_ALLOCATORS (sizeof(allocators) / sizeof(allocators[0]))
/* The reference every ratio is taken against. */
#define REFERENCE 2 /* free_stack_allocator */

struct options {
	phys_addr_t mem; /* bytes of simulated RAM for all but init */
	phys_addr_t init_sizes[MAX_INIT_SIZES];
	unsigned int nr_init_sizes;
	unsigned int runs;	     /* timed runs per cell */
	unsigned int warmups;	     /* untimed runs before them */
	unsigned long order0_pairs;  /* alloc+free pairs per order0 run */
	unsigned long mixed_pairs;   /* alloc+free pairs per mixed run */
	unsigned long zero_pairs;    /* pairs per zero run */
	unsigned int workload_mask;  /* 1 << enum bench_workload */
	unsigned int allocator_mask; /* 1 << index in allocators[] */
	uint64_t seed;
	bool callgrind; /* dump callgrind counts per cell */
};

/* One cell of the table: a workload on one allocator at one RAM size. */
struct result {
	bool done;
	const char *skipped; /* why the cell was not run, or NULL */
	phys_addr_t ram;
	unsigned long ops; /* operations per run */
	double ns_per_op[MAX_RUNS];
	unsigned int nr_runs;
	unsigned long failures; /* mixed: allocations refused */
};

static struct result results[NR_BENCH_WORKLOADS][MAX_INIT_SIZES][NR_ALLOCATORS];

/* What a workload run works with. */
struct run_ctx {
	const struct bench_allocator *a;
	struct bench_ops wops; /* a's calls and this clock, for the shared
				  workloads */
	const struct options *opt;
	uint64_t rng;		/* xorshift64 state, never 0 */
	void **blocks;		/* blocks held, bench-owned */
	unsigned char *orders;	/* their orders */
	unsigned long capacity; /* entries blocks can hold */
	unsigned long ops;	/* operations done in the timed sections */
	uint64_t ns;		/* time spent in the timed sections */
	uint64_t t0;		/* start of the open timed section */
	unsigned long failures;
};

static void die(const char *what, const struct run_ctx *c)
{
	fprintf(stderr, "bench: FAILED: %s (allocator %s)\n", what,
		c ? c->a->name : "-");
	exit(1);
}

#define CHECK(cond, c)                               \
	do {                                         \
		if (!(cond))                         \
			die(#cond " is false", (c)); \
	} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A timed section: only what lies between these is timed, and only it is
 * counted by callgrind (collection is off outside, --collect-atstart=no).
 */
static inline void timed_begin(struct run_ctx *c)
{
	c->t0 = now_ns();
	CALLGRIND_TOGGLE_COLLECT;
}

static inline void timed_end(struct run_ctx *c)
{
	CALLGRIND_TOGGLE_COLLECT;
	c->ns += now_ns() - c->t0;
}

/* The same, as struct bench_ops' clock (@clock: the run_ctx). */
static void ops_timed_begin(void *clock)
{
	timed_begin(clock);
}

static void ops_timed_end(void *clock)
{
	timed_end(clock);
}

static inline unsigned long pfn_of(const void *va)
{
	return __pa(va) / PAGE_SIZE;
}

/* The workloads ----------------------------------------------------------- */

/* order0 (bench_order0()): one page taken and given back at once, LIFO.
 * Op: the pair. */
static void wl_order0(struct run_ctx *c)
{
	unsigned long n = c->opt->order0_pairs;

	if (bench_order0(&c->wops, n) < n)
		die("order0: out of memory", c);
	c->ops = n;
}

/* Allocate every free page at order 0 into c->blocks (timed). Return: how many. */
static unsigned long alloc_all(struct run_ctx *c)
{
	const struct bench_allocator *a = c->a;
	unsigned long n = a->nr_free();

	CHECK(n <= c->capacity, c);
	timed_begin(c);
	for (unsigned long i = 0; i < n; i++) {
		c->blocks[i] = a->alloc(0);
		if (!c->blocks[i])
			die("out of memory before every free page was taken",
			    c);
	}
	timed_end(c);
	CHECK(a->nr_free() == 0, c);
	CHECK(a->alloc(0) == NULL, c);
	return n;
}

static void free_blocks(struct run_ctx *c, unsigned long from, unsigned long to)
{
	const struct bench_allocator *a = c->a;

	timed_begin(c);
	for (unsigned long i = from; i < to; i++)
		a->free(c->blocks[i], 0);
	timed_end(c);
}

/* batch: take every free page, then free them in random order. Op: one
 * page taken and given back. */
static void wl_batch(struct run_ctx *c)
{
	unsigned long n = alloc_all(c);

	for (unsigned long i = n; i > 1; i--) { /* Fisher-Yates, untimed */
		unsigned long j = bench_next_random(&c->rng) % i;
		void *t = c->blocks[i - 1];

		c->blocks[i - 1] = c->blocks[j];
		c->blocks[j] = t;
	}
	free_blocks(c, 0, n);
	c->ops = n;
}

/*
 * frag: take every free page, give back those at even pfns (no two of them
 * are buddies: memory is fully fragmented, every free block is one page),
 * then those at odd pfns, each of which merges as far as it can. Must end
 * exactly in the boot state. Op: one page taken and given back.
 */
static void wl_frag(struct run_ctx *c)
{
	unsigned long n = alloc_all(c), nr_even = 0;

	/* Untimed: even pfns first. */
	for (unsigned long i = 0; i < n; i++) {
		if (pfn_of(c->blocks[i]) % 2 == 0) {
			void *t = c->blocks[nr_even];

			c->blocks[nr_even++] = c->blocks[i];
			c->blocks[i] = t;
		}
	}
	free_blocks(c, 0, nr_even);
	CHECK(c->a->nr_free() == nr_even, c);
	if (c->a->fully_fragmented && !c->a->fully_fragmented())
		die("frag: a free block larger than one page after freeing every other page",
		    c);
	free_blocks(c, nr_even, n);
	if (!c->a->at_boot_state())
		die("frag: memory did not coalesce back to the boot state", c);
	c->ops = n;
}

/* mixed (bench_mixed()): random orders 0..10 at ~50 % occupancy, after an
 * untimed run-in. Op: one alloc+free pair (two steps). */
static void wl_mixed(struct run_ctx *c)
{
	struct bench_mixed m = {
		.rng = c->rng,
		.max_order = c->a->max_order,
		.target = bench_mixed_target(c->a->nr_free(), c->capacity),
		.blocks = c->blocks,
		.orders = c->orders,
		.capacity = c->capacity,
	};

	bench_mixed(&c->wops, &m, c->opt->mixed_pairs);
	CHECK(m.full == 0, c); /* the slots can hold every page */
	c->failures = m.refused;
	c->ops = c->opt->mixed_pairs;
}

/* zero (bench_zero()): a zeroed page taken and given back, LIFO, after an
 * untimed check that it is zeroed. Op: the pair. */
static void wl_zero(struct run_ctx *c)
{
	unsigned long at;
	const char *err = bench_zero(&c->wops, c->opt->zero_pairs, &at);

	if (err) {
		fprintf(stderr, "bench: zero: %s (%lu)\n", err, at);
		die("zero failed", c);
	}
	c->ops = c->opt->zero_pairs;
}

typedef void (*workload_fn)(struct run_ctx *c);
static const workload_fn workload_fns[NR_BENCH_WORKLOADS] = {
	[BENCH_ORDER0] = wl_order0, [BENCH_BATCH] = wl_batch,
	[BENCH_MIXED] = wl_mixed,   [BENCH_FRAG] = wl_frag,
	[BENCH_ZERO] = wl_zero,
};

/* Running and recording ----------------------------------------------------- */

static void size_str(phys_addr_t size, char *buf, size_t len)
{
	if (size % GiB == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(size / GiB));
	else
		snprintf(buf, len, "%lluM", (unsigned long long)(size / MiB));
}

/* Under callgrind: write out the counts of the timed sections of one run. */
static void callgrind_dump(const struct options *opt, enum bench_workload w,
			   const struct bench_allocator *a, phys_addr_t ram,
			   unsigned long ops)
{
	char label[128], sz[16];

	if (!opt->callgrind)
		return;
	size_str(ram, sz, sizeof(sz));
	snprintf(label, sizeof(label), "bench %s %s %s ops=%lu",
		 bench_workload_names[w], sz, a->name, ops);
	CALLGRIND_DUMP_STATS_AT(label);
}

static void record(struct result *r, unsigned int run, const struct run_ctx *c)
{
	r->ops = c->ops;
	r->ns_per_op[run] = c->ops ? (double)c->ns / (double)c->ops : 0;
	r->nr_runs = run + 1;
	r->failures = c->failures;
	r->done = true;
}

static void run_workload(const struct options *opt, enum bench_workload w,
			 unsigned int ai, struct run_ctx *c)
{
	struct result *r = &results[w][0][ai];
	const struct bench_allocator *a = allocators[ai];

	r->ram = opt->mem;
	if (a->zero_only && w != BENCH_ZERO)
		return; /* not a row of this workload */
	if (w == BENCH_MIXED && a->max_order < MAX_PAGE_ORDER) {
		r->skipped = "order 0 only";
		return;
	}
	for (unsigned int i = 0; i < opt->warmups + opt->runs; i++) {
		c->rng = opt->seed;
		c->ns = 0;
		c->ops = 0;
		c->failures = 0;
		workload_fns[w](c);
		if (!a->at_boot_state())
			die("not back in the boot state after the workload", c);
		if (i >= opt->warmups) {
			record(r, i - opt->warmups, c);
			callgrind_dump(opt, w, a, opt->mem, c->ops);
		}
	}
}

/*
 * init runs cold, as at boot: before each run the CPU caches are filled
 * with other data (a buffer 4 times the last-level cache, at least 64 MiB,
 * written then read), so mem_map starts out in memory, not in the caches,
 * whatever the RAM size. Untimed.
 */
static void evict_caches(const struct options *opt)
{
	static unsigned char *buf;
	static size_t size;
	volatile unsigned char sink = 0;

	if (opt->callgrind)
		return; /* instructions are counted, not time */
	if (!buf) {
		long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);

		size = llc > 0 ? 4 * (size_t)llc : 0;
		if (size < 64 * MiB)
			size = 64 * MiB;
		buf = malloc(size);
		if (!buf)
			die("no memory to evict the caches with", NULL);
	}
	memset(buf, (int)(size & 0xff) + 1, size);
	for (size_t i = 0; i < size; i += 64)
		sink ^= buf[i];
	(void)sink;
}

static void run_init(const struct options *opt, unsigned int si,
		     unsigned int ai, struct run_ctx *c)
{
	struct result *r = &results[BENCH_INIT][si][ai];
	const struct bench_allocator *a = allocators[ai];
	phys_addr_t ram = opt->init_sizes[si];

	r->ram = ram;
	if (a->zero_only)
		return;
	if (a->max_init_size && ram > a->max_init_size) {
		r->skipped = "writes every free page";
		return;
	}
	if (!fake_ram_reserve(ram)) {
		r->skipped = "host refused the address space";
		return;
	}
	for (unsigned int i = 0; i < opt->warmups + opt->runs; i++) {
		unsigned long nr_free;

		evict_caches(opt);
		c->ns = 0;
		timed_begin(c);
		nr_free = a->init(ram);
		timed_end(c);
		CHECK(nr_free > 0 && nr_free == a->nr_free(), c);
		c->ops = ram / PAGE_SIZE;
		if (i >= opt->warmups) {
			record(r, i - opt->warmups, c);
			callgrind_dump(opt, BENCH_INIT, a, ram, c->ops);
		}
	}
}

/* The table ------------------------------------------------------------------ */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double median(const struct result *r, double *min, double *max)
{
	double v[MAX_RUNS];
	unsigned int n = r->nr_runs;

	memcpy(v, r->ns_per_op, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	*min = v[0];
	*max = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_row(enum bench_workload w, const struct result *row)
{
	const struct result *ref = &row[REFERENCE];
	double ref_median = 0, lo, hi;

	if (ref->done)
		ref_median = median(ref, &lo, &hi);
	for (unsigned int ai = 0; ai < NR_ALLOCATORS; ai++) {
		const struct result *r = &row[ai];
		char sz[16], ratio[16] = "-";
		double m;

		if (!r->done && !r->skipped)
			continue;
		size_str(r->ram, sz, sizeof(sz));
		if (r->skipped) {
			printf("%-7s %5s  %-11s %10s  skipped: %s\n",
			       bench_workload_names[w], sz,
			       allocators[ai]->name, "-", r->skipped);
			continue;
		}
		m = median(r, &lo, &hi);
		if (ref_median > 0)
			snprintf(ratio, sizeof(ratio), "%.2f", m / ref_median);
		printf("%-7s %5s  %-11s %10lu %10.2f %10.2f %10.2f %8s",
		       bench_workload_names[w], sz, allocators[ai]->name,
		       r->ops, m, lo, hi, ratio);
		if (w == BENCH_MIXED)
			printf("  (%lu refused)", r->failures);
		printf("\n");
	}
}

static void print_cpu(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			line[strcspn(line, "\n")] = '\0';
			printf("host: %s, %ld cores online\n",
			       strchr(line, ':') + 2,
			       sysconf(_SC_NPROCESSORS_ONLN));
			fclose(f);
			return;
		}
	}
	if (f)
		fclose(f);
	printf("host: %ld cores online\n", sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_header(const struct options *opt)
{
	char sz[16];

	size_str(opt->mem, sz, sizeof(sz));
	printf("Pagewise mm benchmark: src/mm (buddy) vs baselines, host build -O2, no sanitizers, gcc %s\n",
	       __VERSION__);
	print_cpu();
	{
		time_t t = time(NULL);
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime(&t));
		printf("date: %s\n", when);
	}
	printf("simulated RAM: %s (%llu pfns) from pfn 0, the first 1 MiB reserved; struct page: %zu bytes\n",
	       sz, (unsigned long long)(opt->mem / PAGE_SIZE),
	       sizeof(struct page));
	printf("buddy: mm_debug=0 (no buddy_verify per op), page_poison off, watermarks zeroed (user_min_free_kbytes=0,\n"
	       "  watermark_scale_factor=0, sysctl_lowmem_reserve_ratio[]=0): every free page can be allocated; GFP_KERNEL|__GFP_NOWARN\n");
	printf("init runs cold: the CPU caches are filled with other data before each run\n");
	printf("runs: %u timed after %u warm-up; seed %#llx; ns per op: median, min, max; x stack = median / free stack's median\n",
	       opt->runs, opt->warmups, (unsigned long long)opt->seed);
	printf("op: one alloc + one free (order0, batch, frag, zero: a page; mixed: a block of order 0..10); init: one page of RAM\n");
	printf("numbers vary with the host's load: compare within one run\n\n");
}

static void print_table(const struct options *opt)
{
	printf("%-7s %5s  %-11s %10s %10s %10s %10s %8s\n", "work", "RAM",
	       "allocator", "ops/run", "median", "min", "max", "x stack");
	for (int w = 0; w < NR_BENCH_WORKLOADS; w++) {
		if (!(opt->workload_mask & (1u << w)))
			continue;
		if (w == BENCH_INIT)
			for (unsigned int si = 0; si < opt->nr_init_sizes; si++)
				print_row(w, results[w][si]);
		else
			print_row(w, results[w][0]);
	}
	printf("\nbuddy: src/mm unchanged, all orders, blocks aligned, per-CPU order-0 lists (high/batch as Linux);\n"
	       "buddy-nopcp: the same with the per-CPU lists off (Linux's boot pageset: high 0, batch 1), so every\n"
	       "  order-0 pair on fresh memory splits 10 times and merges 10 times; free stack: array of free pages, order 0 only;\n"
	       "free list: link inside each free page (xv6 kalloc, no junk fill), order 0 only, init up to 4G;\n"
	       "bitmap: first-fit runs of 2^order pages (Pintos palloc; unaligned), all orders. Baselines check nothing.\n"
	       "memset 4K, rep stosq 4K: zero references, one page zeroed by the C library's memset or the kernel's\n"
	       "  clear_page (which get_zeroed_page uses), nothing allocated.\n");
}

/* Options ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [--mem SIZE] [--init-sizes S1,S2,..] [--runs N] [--warmups N]\n"
		"             [--ops N] [--only W1,W2,..] [--alloc A1,A2,..]\n"
		"             [--seed N] [--smoke] [--callgrind] [--verbose]\n"
		"  SIZE: bytes with K, M or G, a multiple of 4M, at least 8M (default 1G)\n"
		"  --init-sizes: RAM sizes for init (default 1G,4G,16G,64G)\n"
		"  --ops N: alloc+free pairs per run of order0 (mixed: N/5, zero: N/5); default 1000000\n"
		"  --only: workloads among order0,batch,mixed,frag,zero,init\n"
		"  --alloc: allocators among buddy,buddy-nopcp,\"free stack\",\"free list\",bitmap,\n"
		"           \"memset 4K\",\"rep stosq 4K\" (default all; ratios need the free stack)\n"
		"  --smoke: tiny and fast, for make test: 64M, 1 run, checks only\n"
		"  --callgrind: 1 run, no warm-up, callgrind counts dumped per cell (make bench-callgrind)\n");
	exit(2);
}

static phys_addr_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K':
	case 'k':
		v *= KiB;
		end++;
		break;
	case 'M':
	case 'm':
		v *= MiB;
		end++;
		break;
	case 'G':
	case 'g':
		v *= GiB;
		end++;
		break;
	}
	if (*end || v < MIN_RAM || v % RAM_GRANULE) {
		fprintf(stderr, "bench: bad RAM size %s\n", s);
		usage();
	}
	return v;
}

static void set_ops(struct options *opt, unsigned long n)
{
	opt->order0_pairs = n;
	opt->mixed_pairs = n / 5 ? n / 5 : 1;
	opt->zero_pairs = n / 5 ? n / 5 : 1;
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	*opt = (struct options){
		.mem = GiB,
		.init_sizes = { GiB, 4 * GiB, 16 * GiB, 64 * GiB },
		.nr_init_sizes = 4,
		.runs = 5,
		.warmups = 1,
		.workload_mask = (1u << NR_BENCH_WORKLOADS) - 1,
		.allocator_mask = (1u << NR_ALLOCATORS) - 1,
		.seed = BENCH_SEED,
	};
	set_ops(opt, 1000000);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--smoke")) {
			opt->mem = 64 * MiB;
			opt->init_sizes[0] = 64 * MiB;
			opt->nr_init_sizes = 1;
			opt->runs = 1;
			opt->warmups = 0;
			set_ops(opt, 5000);
		} else if (!strcmp(arg, "--callgrind")) {
			opt->callgrind = true;
			opt->runs = 1;
			opt->warmups = 0;
		} else if (!strcmp(arg, "--verbose")) {
			printk_echo = stderr;
		} else if (!val) {
			usage();
		} else if (i++, !strcmp(arg, "--mem")) {
			opt->mem = parse_size(val);
		} else if (!strcmp(arg, "--runs")) {
			opt->runs = (unsigned int)strtoul(val, NULL, 0);
			if (opt->runs < 1 || opt->runs > MAX_RUNS)
				usage();
		} else if (!strcmp(arg, "--warmups")) {
			opt->warmups = (unsigned int)strtoul(val, NULL, 0);
		} else if (!strcmp(arg, "--ops")) {
			set_ops(opt, strtoul(val, NULL, 0));
		} else if (!strcmp(arg, "--seed")) {
			opt->seed = strtoull(val, NULL, 0);
			if (!opt->seed)
				usage();
		} else if (!strcmp(arg, "--init-sizes")) {
			char buf[256], *tok, *save;

			snprintf(buf, sizeof(buf), "%s", val);
			opt->nr_init_sizes = 0;
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (opt->nr_init_sizes == MAX_INIT_SIZES)
					usage();
				opt->init_sizes[opt->nr_init_sizes++] =
					parse_size(tok);
			}
		} else if (!strcmp(arg, "--only")) {
			char buf[256], *tok, *save;

			snprintf(buf, sizeof(buf), "%s", val);
			opt->workload_mask = 0;
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				int w = 0;

				while (w < NR_BENCH_WORKLOADS &&
				       strcmp(tok, bench_workload_names[w]))
					w++;
				if (w == NR_BENCH_WORKLOADS)
					usage();
				opt->workload_mask |= 1u << w;
			}
		} else if (!strcmp(arg, "--alloc")) {
			char buf[256], *tok, *save;

			snprintf(buf, sizeof(buf), "%s", val);
			opt->allocator_mask = 0;
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				unsigned int ai = 0;

				while (ai < NR_ALLOCATORS &&
				       strcmp(tok, allocators[ai]->name))
					ai++;
				if (ai == NR_ALLOCATORS)
					usage();
				opt->allocator_mask |= 1u << ai;
			}
		} else {
			usage();
		}
	}
}

int main(int argc, char **argv)
{
	struct options opt;
	struct run_ctx c = { .opt = &opt };
	phys_addr_t biggest;
	uint64_t start = now_ns();

	/* Nothing reads the kernel's messages: printk() keeps none (and,
	 * without --verbose, formats none). */
	printk_capture = false;
	parse_options(argc, argv, &opt);
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_header(&opt);
	if (!fake_ram_reserve(opt.mem)) {
		fprintf(stderr,
			"bench: cannot reserve %llu bytes of address space\n",
			(unsigned long long)opt.mem);
		return 1;
	}
	/* One reservation for every size, if the host grants it. */
	biggest = opt.mem;
	for (unsigned int si = 0; si < opt.nr_init_sizes; si++)
		if ((opt.workload_mask & (1u << BENCH_INIT)) &&
		    opt.init_sizes[si] > biggest)
			biggest = opt.init_sizes[si];
	fake_ram_reserve(biggest);

	c.capacity = opt.mem / PAGE_SIZE;
	c.blocks = malloc(c.capacity * sizeof(*c.blocks));
	c.orders = malloc(c.capacity);
	CHECK(c.blocks && c.orders, &c);

	for (unsigned int ai = 0; ai < NR_ALLOCATORS; ai++) {
		if (!(opt.allocator_mask & (1u << ai)))
			continue;
		c.a = allocators[ai];
		c.wops = (struct bench_ops){
			.alloc = c.a->alloc,
			.alloc_zeroed = c.a->alloc_zeroed,
			.free = c.a->free,
			.timed_begin = ops_timed_begin,
			.timed_end = ops_timed_end,
			.clock = &c,
		};
		CHECK(c.a->init(opt.mem) > 0, &c);
		if (c.a == &buddy_allocator)
			buddy_print_boot_state();
		for (int w = 0; w < BENCH_INIT; w++)
			if (opt.workload_mask & (1u << w))
				run_workload(&opt, w, ai, &c);
		if (opt.workload_mask & (1u << BENCH_INIT))
			for (unsigned int si = 0; si < opt.nr_init_sizes; si++)
				run_init(&opt, si, ai, &c);
		fprintf(stderr, "bench: %s done\n", c.a->name);
	}
	print_table(&opt);
	printf("every workload ended in each allocator's boot state (frag: buddy_snapshot_equal + buddy_verify); %.1f s\n",
	       (double)(now_ns() - start) / 1e9);
	free(c.blocks);
	free(c.orders);
	return 0;
}
