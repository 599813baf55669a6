// SPDX-License-Identifier: MIT
/*
 * grade_harness.c - the host child of the instructor's grader
 * (tools/observe_host.py, issue 18) for labs 2-5: boot a fake machine the
 * grader describes, run the grader's operations on the code under test, and
 * write the state that follows each one to a dump file. It never judges:
 * tools/observe_model.py compares the dump with its own model.
 *
 *   build/host/grade_harness OUTFILE < PLAN
 *
 * The plan, one command a line (numbers in C syntax: 0x.. or decimal):
 *   ram BASE SIZE           a firmware RAM range, in bytes
 *   reserved BASE SIZE      a firmware reserved range
 *   low_reserve SIZE        bytes reserved from 0 (the PC's first MiB)
 *   watermarks 0|1          Linux's watermarks and lowmem_reserve, or none
 *   handover MAXORDER SEED  before boot: once mm_core_init() is done, empty
 *                           the buddy allocator (the harness itself: lists,
 *                           counts, PG_buddy) and give every free page back
 *                           through buddy_core_give(), in aligned blocks of
 *                           random orders up to MAXORDER, shuffled (SEED):
 *                           the boot state then needs the code's merges
 *   boot                    load the machine, mm_core_init(), dump step 0
 *   pcp HIGH BATCH          before boot: every populated zone's per-CPU high
 *                           and batch (0 1: order-0 pages bypass the lists)
 *   take ZONE ORDER         buddy_core_take() (lab 3)
 *   give @STEP ORDER        buddy_core_give() of the block step STEP got
 *   get_free_pages GFP ORDER, get_zeroed_page GFP, free_pages @STEP ORDER
 *                           the page API by address (lab 4)
 *   free_pages_bad KIND ORDER @STEP   free_pages() of 0 (zero), inside the
 *                           block's first page (misaligned), of an address
 *                           outside the direct map (foreign) or of the block
 *                           once more (double): each must change nothing
 *   alloc_page GFP, free_page @STEP, drain    order 0 (lab 5)
 *   pfn_to_page PFN, page_to_pfn INDEX        lab 2's conversions
 *   mem_map                 lab 2: one line of mem_map after boot
 * GFP is GFP_KERNEL, GFP_DMA, GFP_DMA32 or GFP_ATOMIC (the DMA ones with
 * GFP_KERNEL, as tools/observe_model.py GFP says). Every operation line is
 * a step, numbered from 1 in plan order; an operation on the block of a step
 * that got none is skipped: {"skipped": STEP, "of": THAT_STEP} instead of
 * its state.
 *
 * The dump: JSON lines in the schema of tools/observe_model.py. Every state
 * is read from mem_map and the zones directly, the free lists and mem_map
 * independently, each list walked only through links that land on a
 * struct page's lru inside mem_map, at most a zone's span long. A panic
 * (lab_stop() of a stub, a BUG) ends the dump with {"panic": message}.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_machine.h"
#include "internal.h"
#include "memblock.h"
#include "mm.h"

#define MAX_RANGES 32
#define MAX_STEPS  8192
#define LINE_MAX_  256

static FILE *out;
static struct fake_mem_range ranges[MAX_RANGES];
static struct fake_machine machine;
static long results[MAX_STEPS]; /* pfn a step got, or -1 */
static unsigned int step;
static unsigned long last_ref; /* the step ref_pfn() read last */
/* The pfns the model may hand out: free in memblock before mm_core_init(),
 * less mem_map's pages. */
static bool *usable;
static unsigned long usable_nr;
/* The plan's pcp line: set at boot; -1: as mm_core_init() chose. */
static int pcp_high = -1, pcp_batch = -1;
/* The plan's handover line: -1: none (the boot's own blocks stay). */
static int handover_order = -1;
static uint64_t handover_seed;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "grade_harness: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* @s as a JSON string: printable ASCII kept, the rest escaped. */
static void json_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void on_panic(const char *msg)
{
	fprintf(out, "{\"panic\": ");
	json_string(msg);
	fprintf(out, "}\n");
	fflush(out);
	_exit(3);
}

/* The pfn of the struct page whose lru is at @pos, if it lies in mem_map. */
static bool lru_pfn(const struct list_head *pos, unsigned long *pfn)
{
	uintptr_t p = (uintptr_t)pos - offsetof(struct page, lru);
	uintptr_t base = (uintptr_t)mem_map;

	if (!mem_map || p < base || p >= base + max_pfn * sizeof(struct page) ||
	    (p - base) % sizeof(struct page))
		return false;
	*pfn = (p - base) / sizeof(struct page);
	return true;
}

/* The pfn of @page if it is a struct page of mem_map. */
static bool page_pfn(const struct page *page, unsigned long *pfn)
{
	return page && lru_pfn(&page->lru, pfn);
}

/*
 * The dump's result for an allocation that gave @page: its pfn, or -1 for
 * none; a struct page outside mem_map gives -1 and says so in @extra
 * (@len bytes), as a "bad_result" the grader reports.
 */
static long page_result(struct page *page, char *extra, size_t len)
{
	unsigned long pfn;

	if (page && page_pfn(page, &pfn))
		return (long)pfn;
	if (page)
		snprintf(extra, len,
			 ", \"bad_result\": \"a struct page outside mem_map\"");
	return -1;
}

/*
 * Print the list at @head as [pfn, ...], at most @bound entries; on a link
 * that leaves mem_map or a list longer than @bound, stop and put what was
 * seen in @bad (a buffer of LINE_MAX_), if it is still empty.
 */
static void dump_list(const struct list_head *head, unsigned long bound,
		      const char *what, char *bad)
{
	const struct list_head *pos = head->next;
	unsigned long n = 0, pfn;

	fputc('[', out);
	while (pos != head) {
		if (n == bound) {
			if (!*bad)
				snprintf(
					bad, LINE_MAX_,
					"%s: the list does not end after %lu entries",
					what, bound);
			break;
		}
		if (!lru_pfn(pos, &pfn)) {
			if (!*bad)
				snprintf(
					bad, LINE_MAX_,
					"%s: a link after %lu entries points outside mem_map",
					what, n);
			break;
		}
		fprintf(out, "%s%lu", n ? ", " : "", pfn);
		pos = pos->next;
		n++;
	}
	fputc(']', out);
}

static void dump_zone(const struct zone *z)
{
	/* a list holds at most one entry per page of the zone */
	unsigned long bound = z->present_pages + 1;
	char bad[LINE_MAX_] = "", what[64];
	const struct per_cpu_pages *pcp;
	int cpu;

	fprintf(out, "{\"name\": ");
	json_string(z->name);
	fprintf(out,
		", \"start_pfn\": %lu, \"spanned\": %lu, \"present\": %lu, \"managed\": %lu, \"free_pages\": %lu",
		z->zone_start_pfn, z->spanned_pages, z->present_pages,
		z->managed_pages, z->free_pages);
	fprintf(out, ", \"watermark\": [%lu, %lu, %lu]",
		z->_watermark[WMARK_MIN], z->_watermark[WMARK_LOW],
		z->_watermark[WMARK_HIGH]);
	fprintf(out, ", \"lowmem_reserve\": [");
	for (int j = 0; j < MAX_NR_ZONES; j++)
		fprintf(out, "%s%lu", j ? ", " : "", z->lowmem_reserve[j]);
	fprintf(out, "], \"nr_free\": [");
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		fprintf(out, "%s%lu", o ? ", " : "", z->free_area[o].nr_free);
	fprintf(out, "], \"free_lists\": [");
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fprintf(out, "%s", o ? ", " : "");
		snprintf(what, sizeof(what), "free_area[%u]", o);
		dump_list(&z->free_area[o].free_list, bound, what, bad);
	}
	fprintf(out, "], \"pcp\": [");
	for_each_pcp (z, cpu, pcp) {
		fprintf(out,
			"%s{\"cpu\": %d, \"count\": %d, \"high\": %d, \"batch\": %d, \"list\": ",
			cpu ? ", " : "", cpu, pcp->count, pcp->high,
			pcp->batch);
		snprintf(what, sizeof(what), "cpu %d's per-CPU list", cpu);
		dump_list(&pcp->list, bound, what, bad);
		fputc('}', out);
	}
	fputc(']', out);
	if (*bad) {
		fprintf(out, ", \"bad_list\": ");
		json_string(bad);
	}
	fputc('}', out);
}

/* The runs of usable pfns, as [[start, end], ...]. */
static void dump_ram(void)
{
	bool first = true;

	fprintf(out, "[");
	for (unsigned long pfn = 0; pfn < usable_nr;) {
		unsigned long end;

		if (!usable[pfn]) {
			pfn++;
			continue;
		}
		for (end = pfn; end < usable_nr && usable[end]; end++)
			;
		fprintf(out, "%s[%lu, %lu]", first ? "" : ", ", pfn, end);
		first = false;
		pfn = end;
	}
	fprintf(out, "]");
}

/*
 * The first pfn from @pfn on whose struct page a state reads: every one on a
 * machine of at most SCAN_ALL pfns; on a larger one (RAM above 4 GiB: a
 * million pfns, most of them the hole below 4 GiB) only those of the plan's
 * RAM ranges, where every free page is. max_pfn when there is none.
 */
#define SCAN_ALL (1UL << 17)
static unsigned long next_scanned(unsigned long pfn)
{
	unsigned long best = max_pfn;

	if (max_pfn <= SCAN_ALL)
		return pfn;
	for (unsigned int i = 0; i < machine.nr_ranges; i++) {
		const struct fake_mem_range *r = &ranges[i];
		unsigned long lo = PFN_DOWN(r->base),
			      hi = PFN_UP(r->base + r->size);

		if (r->type != FAKE_RAM || hi <= pfn)
			continue;
		if (lo <= pfn)
			return pfn;
		if (lo < best)
			best = lo;
	}
	return best;
}

/*
 * One state line. @op is the operation as JSON ("null" at boot), @result the
 * pfn it got (-1: none; LONG_MIN: a free, null), @extra more fields
 * (", \"k\": v" or "").
 */
static void dump_state(const char *op, long result, const char *extra)
{
	bool first = true;

	fprintf(out, "{\"step\": %u, \"op\": %s, \"result\": ", step, op);
	if (result == LONG_MIN)
		fprintf(out, "null");
	else
		fprintf(out, "%ld", result);
	fprintf(out, "%s, \"zones\": [", extra);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		fprintf(out, "%s", z ? ", " : "");
		dump_zone(&contig_page_data.node_zones[z]);
	}
	fprintf(out, "], \"buddy_pages\": [");
	for (unsigned long pfn = 0; pfn < max_pfn; pfn = next_scanned(pfn + 1))
		if (PageBuddy(&mem_map[pfn])) {
			fprintf(out, "%s[%lu, %lu]", first ? "" : ", ", pfn,
				page_private(&mem_map[pfn]));
			first = false;
		}
	fprintf(out, "], \"pcp_pages\": [");
	first = true;
	for (unsigned long pfn = 0; pfn < max_pfn; pfn = next_scanned(pfn + 1))
		if (PagePcp(&mem_map[pfn])) {
			fprintf(out, "%s%lu", first ? "" : ", ", pfn);
			first = false;
		}
	fprintf(out, "]");
	if (!step) {
		fprintf(out, ", \"ram\": ");
		dump_ram();
	}
	fprintf(out, "}\n");
	fflush(out);
}

/* The plan's high and batch on every populated zone's (empty) lists. */
static void set_pcp(int high, int batch)
{
	struct per_cpu_pages *pcp;
	struct zone *z;
	int cpu;

	for_each_populated_zone (z)
		for_each_pcp (z, cpu, pcp) {
			pcp->high = high;
			pcp->batch = batch;
		}
}

/* splitmix64: the handover's random numbers, from the plan's seed. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* May the block of @order at @pfn be given: all usable, in one zone? */
static bool block_usable(unsigned long pfn, unsigned int order)
{
	unsigned long end = pfn + (1UL << order);

	if (end > usable_nr || pfn_zonenum(pfn) != pfn_zonenum(end - 1))
		return false;
	for (unsigned long p = pfn; p < end; p++)
		if (!usable[p])
			return false;
	return true;
}

/*
 * The plan's handover: take every free page away from the buddy allocator
 * without its code (the lists emptied, the counts zeroed, PG_buddy cleared
 * on every page), then give each usable pfn back with buddy_core_give(), in
 * naturally aligned blocks of random orders up to handover_order, in a
 * shuffled order. A fully merged result needs the code under test to merge
 * them; the pages themselves stay as mm_core_init() left them (not
 * reserved, no reference).
 */
static void handover(void)
{
	uint64_t rnd = handover_seed;
	unsigned long *blocks, n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &contig_page_data.node_zones[z];

		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			INIT_LIST_HEAD(&zone->free_area[o].free_list);
			zone->free_area[o].nr_free = 0;
		}
		zone->free_pages = 0;
	}
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		if (PageBuddy(&mem_map[pfn])) {
			__ClearPageBuddy(&mem_map[pfn]);
			set_page_private(&mem_map[pfn], 0);
		}
	blocks = calloc(usable_nr ? usable_nr : 1, sizeof(*blocks));
	if (!blocks)
		die("out of memory");
	/* each block as pfn << 4 | order */
	for (unsigned long pfn = 0; pfn < usable_nr && pfn < max_pfn;) {
		unsigned int o =
			(unsigned int)(next_random(&rnd) %
				       (unsigned int)(handover_order + 1));

		if (!usable[pfn]) {
			pfn++;
			continue;
		}
		while (o && ((pfn & ((1UL << o) - 1)) || !block_usable(pfn, o)))
			o--;
		blocks[n++] = pfn << 4 | o;
		pfn += 1UL << o;
	}
	for (unsigned long i = n; i > 1; i--) {
		unsigned long j = next_random(&rnd) % i, t = blocks[i - 1];

		blocks[i - 1] = blocks[j];
		blocks[j] = t;
	}
	for (unsigned long i = 0; i < n; i++)
		buddy_core_give(&mem_map[blocks[i] >> 4],
				(unsigned int)(blocks[i] & 15));
	free(blocks);
}

static void boot(void)
{
	unsigned long map_start, map_end;

	machine.map = ranges;
	fake_machine_reset();
	fake_machine_load(&machine);
	usable_nr = fake_machine_max_pfn(&machine);
	usable = memblock_free_pfns(usable_nr);
	mm_debug = 0;
	mm_core_init();
	map_start = PFN_DOWN(__pa(mem_map));
	map_end = PFN_UP(__pa(mem_map + max_pfn));
	for (unsigned long pfn = map_start; pfn < map_end && pfn < usable_nr;
	     pfn++)
		usable[pfn] = false;
	if (pcp_high >= 0)
		set_pcp(pcp_high, pcp_batch);
	if (handover_order >= 0)
		handover();
	step = 0;
	results[0] = -1;
	dump_state("null", LONG_MIN, "");
}

static gfp_t parse_gfp(const char *s)
{
	if (!strcmp(s, "GFP_KERNEL"))
		return GFP_KERNEL;
	if (!strcmp(s, "GFP_DMA"))
		return GFP_KERNEL | GFP_DMA;
	if (!strcmp(s, "GFP_DMA32"))
		return GFP_KERNEL | GFP_DMA32;
	if (!strcmp(s, "GFP_ATOMIC"))
		return GFP_ATOMIC;
	die("unknown gfp %s", s);
	return 0;
}

/* The pfn step @ref got, or -1 (none, or no such step). */
static long ref_pfn(const char *ref)
{
	char *end;
	unsigned long s;

	if (ref[0] != '@')
		die("expected @STEP, got %s", ref);
	s = strtoul(ref + 1, &end, 0);
	if (*end || s == 0 || s > step || s >= MAX_STEPS)
		die("bad step reference %s", ref);
	last_ref = s;
	return results[s];
}

/* The pfn of direct-map address @addr, or -1 with *@bad set (0: none). */
static long addr_pfn(unsigned long addr, bool *bad, long *off)
{
	*off = (long)(addr - (unsigned long)host_ram);
	*bad = false;
	if (!addr)
		return -1;
	if ((unsigned long)*off >= host_ram_size || *off % (long)PAGE_SIZE ||
	    (unsigned long)*off / PAGE_SIZE >= max_pfn) {
		*bad = true;
		return -1;
	}
	return *off / (long)PAGE_SIZE;
}

/* Fill the 2^@order pages at @pfn with junk, as a user of them would. */
static void dirty(long pfn, unsigned int order)
{
	if (pfn >= 0 && (unsigned long)pfn + (1UL << order) <= max_pfn)
		memset(__va(PFN_PHYS(pfn)), HOST_RAM_JUNK, PAGE_SIZE << order);
}

static void mem_map_line(void)
{
	bool first = true;

	fprintf(out, "{\"mem_map\": [%lu, %lu], \"max_pfn\": %lu, \"ram\": ",
		(unsigned long)PFN_DOWN(__pa(mem_map)),
		(unsigned long)PFN_UP(__pa(mem_map + max_pfn)), max_pfn);
	dump_ram();
	fprintf(out, ", \"unreserved\": [");
	for (unsigned long pfn = 0; pfn < max_pfn;) {
		unsigned long end;

		if (PageReserved(&mem_map[pfn])) {
			pfn++;
			continue;
		}
		for (end = pfn; end < max_pfn && !PageReserved(&mem_map[end]);
		     end++)
			;
		fprintf(out, "%s[%lu, %lu]", first ? "" : ", ", pfn, end);
		first = false;
		pfn = end;
	}
	fprintf(out, "], \"managed\": [");
	for (int z = 0; z < MAX_NR_ZONES; z++)
		fprintf(out, "%s%lu", z ? ", " : "",
			contig_page_data.node_zones[z].managed_pages);
	fprintf(out, "]}\n");
	fflush(out);
}

/* This step names the block of step last_ref, which got none: no state. */
static void skipped(void)
{
	fprintf(out, "{\"skipped\": %u, \"of\": %lu}\n", step, last_ref);
	fflush(out);
}

static void run_op(const char *cmd, char *a, char *b)
{
	char op[128], extra[128] = "";
	long r = -1, off;
	bool bad;

	if (!mem_map)
		die("%s before boot", cmd);
	if (++step >= MAX_STEPS)
		die("more than %d steps", MAX_STEPS - 1);
	results[step] = -1;
	if (!strcmp(cmd, "take")) {
		unsigned long z = strtoul(a, NULL, 0), o = strtoul(b, NULL, 0);
		struct page *page;

		if (z >= MAX_NR_ZONES || o >= NR_PAGE_ORDERS)
			die("bad take %s %s", a, b);
		page = buddy_core_take(&contig_page_data.node_zones[z],
				       (unsigned int)o);
		r = page_result(page, extra, sizeof(extra));
		snprintf(op, sizeof(op), "[\"take\", %lu, %lu]", z, o);
	} else if (!strcmp(cmd, "give") || !strcmp(cmd, "free_pages") ||
		   !strcmp(cmd, "free_page")) {
		long pfn = ref_pfn(a);
		unsigned long o = b ? strtoul(b, NULL, 0) : 0;

		if (pfn < 0) {
			skipped();
			return;
		}
		if (o >= NR_PAGE_ORDERS)
			die("bad order %s", b);
		if (!strcmp(cmd, "give"))
			buddy_core_give(&mem_map[pfn], (unsigned int)o);
		else if (!strcmp(cmd, "free_pages"))
			free_pages((unsigned long)__va(PFN_PHYS(pfn)),
				   (unsigned int)o);
		else
			__free_pages(&mem_map[pfn], 0);
		if (!strcmp(cmd, "free_page"))
			snprintf(op, sizeof(op), "[\"free_page\", %ld]", pfn);
		else
			snprintf(op, sizeof(op), "[\"%s\", %ld, %lu]", cmd, pfn,
				 o);
		r = LONG_MIN;
	} else if (!strcmp(cmd, "free_pages_bad")) {
		/* free_pages() of an address it must refuse, or of 0 */
		char *ref = strtok(NULL, " \t\r\n");
		long pfn = ref ? ref_pfn(ref) : -1;
		unsigned long o = strtoul(b, NULL, 0), addr;
		int local;

		if (o >= NR_PAGE_ORDERS)
			die("bad order %s", b);
		if (pfn < 0) {
			skipped();
			return;
		}
		addr = (unsigned long)__va(PFN_PHYS(pfn));
		if (!strcmp(a, "zero"))
			addr = 0;
		else if (!strcmp(a, "misaligned"))
			addr += 0x10 << (pfn % 8);
		else if (!strcmp(a, "foreign"))
			addr = (unsigned long)&local & PAGE_MASK;
		else if (strcmp(a, "double"))
			die("bad free_pages_bad %s", a);
		free_pages(addr, (unsigned int)o);
		snprintf(op, sizeof(op),
			 "[\"free_pages_bad\", \"%s\", %ld, %lu]", a, pfn, o);
		r = LONG_MIN;
	} else if (!strcmp(cmd, "get_free_pages") ||
		   !strcmp(cmd, "get_zeroed_page")) {
		bool zeroed = !strcmp(cmd, "get_zeroed_page");
		unsigned long o = zeroed ? 0 : strtoul(b, NULL, 0);
		unsigned long addr;

		if (o >= NR_PAGE_ORDERS)
			die("bad order %s", b);
		addr = zeroed ? get_zeroed_page(parse_gfp(a))
			      : __get_free_pages(parse_gfp(a), (unsigned int)o);
		r = addr_pfn(addr, &bad, &off);
		if (bad)
			snprintf(extra, sizeof(extra), ", \"bad_addr\": %ld",
				 off);
		if (zeroed && r >= 0) {
			const unsigned char *p = __va(PFN_PHYS(r));
			unsigned long nz = 0;

			for (unsigned long i = 0; i < PAGE_SIZE; i++)
				nz += p[i] != 0;
			snprintf(extra, sizeof(extra),
				 ", \"nonzero_bytes\": %lu", nz);
		}
		dirty(r, (unsigned int)o);
		if (zeroed)
			snprintf(op, sizeof(op),
				 "[\"get_zeroed_page\", \"%s\"]", a);
		else
			snprintf(op, sizeof(op),
				 "[\"get_free_pages\", \"%s\", %lu]", a, o);
	} else if (!strcmp(cmd, "alloc_page")) {
		struct page *page = alloc_pages(parse_gfp(a), 0);

		r = page_result(page, extra, sizeof(extra));
		snprintf(op, sizeof(op), "[\"alloc_page\", \"%s\"]", a);
	} else if (!strcmp(cmd, "drain")) {
		drain_all_pages(NULL);
		snprintf(op, sizeof(op), "[\"drain\"]");
		r = LONG_MIN;
	} else {
		die("unknown command %s", cmd);
	}
	if (r != LONG_MIN)
		results[step] = r;
	dump_state(op, r, extra);
}

/* Lab 2: the conversions, on their own lines (no state). */
static void run_conv(const char *cmd, const char *a)
{
	unsigned long v = strtoul(a, NULL, 0);

	if (!mem_map)
		die("%s before boot", cmd);
	if (!strcmp(cmd, "pfn_to_page")) {
		const struct page *page = pfn_to_page(v);

		fprintf(out,
			"{\"op\": [\"pfn_to_page\", %lu], \"offset\": %ld}\n",
			v, (long)((uintptr_t)page - (uintptr_t)mem_map));
	} else {
		const struct page *page = mem_map + v;

		fprintf(out,
			"{\"op\": [\"page_to_pfn\", %lu], \"result\": %ld}\n",
			v, (long)page_to_pfn(page));
	}
	fflush(out);
}

int main(int argc, char **argv)
{
	char line[LINE_MAX_];

	if (argc != 2)
		die("usage: grade_harness OUTFILE < PLAN");
	out = fopen(argv[1], "w");
	if (!out)
		die("cannot write %s", argv[1]);
	fake_panic_handler = on_panic;
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \t\r\n");
		char *a = strtok(NULL, " \t\r\n");
		char *b = strtok(NULL, " \t\r\n");

		if (!cmd || cmd[0] == '#')
			continue;
		if (!strcmp(cmd, "ram") || !strcmp(cmd, "reserved")) {
			if (!a || !b || machine.nr_ranges == MAX_RANGES)
				die("bad %s line", cmd);
			ranges[machine.nr_ranges++] = (struct fake_mem_range){
				strtoull(a, NULL, 0), strtoull(b, NULL, 0),
				cmd[0] == 'r' && cmd[1] == 'a' ? FAKE_RAM
							       : FAKE_RESERVED
			};
		} else if (!strcmp(cmd, "low_reserve") && a) {
			machine.low_reserve = strtoull(a, NULL, 0);
		} else if (!strcmp(cmd, "watermarks") && a) {
			machine.watermarks = strtoul(a, NULL, 0) != 0;
		} else if (!strcmp(cmd, "boot")) {
			boot();
		} else if (!strcmp(cmd, "pcp") && a && b) {
			if (mem_map)
				die("pcp after boot");
			pcp_high = (int)strtol(a, NULL, 0);
			pcp_batch = (int)strtol(b, NULL, 0);
			if (pcp_high < 0 || pcp_batch < 1)
				die("bad pcp %s %s", a, b);
		} else if (!strcmp(cmd, "handover") && a && b) {
			if (mem_map)
				die("handover after boot");
			handover_order = (int)strtol(a, NULL, 0);
			handover_seed = strtoull(b, NULL, 0);
			if (handover_order < 0 ||
			    handover_order > (int)MAX_PAGE_ORDER)
				die("bad handover %s %s", a, b);
		} else if (!strcmp(cmd, "mem_map")) {
			mem_map_line();
		} else if ((!strcmp(cmd, "pfn_to_page") ||
			    !strcmp(cmd, "page_to_pfn")) &&
			   a) {
			run_conv(cmd, a);
		} else if (a || !strcmp(cmd, "drain")) {
			run_op(cmd, a, b);
		} else {
			die("bad line: %s", cmd);
		}
	}
	fprintf(out, "{\"done\": true}\n");
	fclose(out);
	return 0;
}
