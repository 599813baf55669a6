// SPDX-License-Identifier: MIT
/*
 * fuzz_buddy.c - a libFuzzer harness for the buddy allocator. The first bytes
 * of an input describe a small machine (RAM ranges with holes, a reserved
 * range, page_poison and mm_debug); the rest is a sequence of page-API calls,
 * bad ones included, and writes to free pages. A reference model of the
 * blocks the harness holds predicts each call's outcome, and after every call
 * the harness checks: buddy_verify() finds nothing; the allocator's counters
 * (nr_free_pages(), and each zone's free_pages and nr_free per order) and
 * every held block (its struct page and its data) agree with the model,
 * which never reads those counters (check_counters()); a
 * good allocation is aligned, inside free RAM, overlaps nothing held and is
 * zeroed under __GFP_ZERO, lies in the zone the zonelist picks (the highest
 * allowed zone with a free block of the order: GFP_DMA below 16 MiB); a
 * refused call printed exactly one "BUG: " report and changed nothing in
 * mem_map or the zones. The machine is the host tests' own
 * (test/host/fake_machine.h), with the watermarks zeroed at boot, so every
 * free block can be had and the model needs no watermark arithmetic. When
 * everything is freed at the end, mem_map must be as it was after boot.
 * Under ASan, pages that are not free RAM are poisoned, so the allocator
 * may not even read them. The first difference aborts with a message, so
 * libFuzzer keeps the input.
 *
 * Input layout (missing bytes read as 0): decode_machine(), then run_op()
 * per call. Run one input by hand: build/fuzz/fuzz_buddy FILE; with
 * FUZZ_BUDDY_VERBOSE=1 it prints each call and what the kernel printed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "fake_machine.h"
#include "memblock.h"
#include "mm.h"

/* The largest machine: RAM and reserved ranges end below 24 MiB, so a
 * machine may span ZONE_DMA and ZONE_DMA32 (the line is at 16 MiB). */
#define FUZZ_MAX_PFNS 6144UL
/* host_ram's reservation (fake_machine.h), made once, kept across runs. */
#define FUZZ_RAM_BYTES	    (FUZZ_MAX_PFNS * PAGE_SIZE)
#define FUZZ_MAX_RAM_RANGES 4
/* Largest RAM range and largest hole before one, in pages. */
#define FUZZ_MAX_RANGE_PAGES 1024
#define FUZZ_MAX_GAP_PAGES   64
/* A hole byte with this bit moves the range up near the DMA limit: it
 * starts (byte & 0x7f) * FUZZ_NEAR_DMA_STEP pages below MAX_DMA_PFN. */
#define FUZZ_NEAR_DMA	   0x80
#define FUZZ_NEAR_DMA_STEP 4
/* Largest reserved range and low reservation, in pages. */
#define FUZZ_MAX_RESERVED_PAGES 64

/* The harness fills a block with this just before freeing it. */
#define FUZZ_FREE_JUNK 0x5a
/* Word at each end of each page of a held block: FUZZ_STAMP ^ pfn. */
#define FUZZ_STAMP 0x7061676577697365ULL

/* Every gfp bit gfp.h documents; any other bit must be refused. */
#define FUZZ_GFP_KNOWN                                                \
	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGH | __GFP_IO | __GFP_FS | \
	 __GFP_ZERO | __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM |   \
	 __GFP_NOWARN | __GFP_MEMALLOC)

/* Lines of the op trace kept for a failure message. */
#define TRACE_LINES 32
#define TRACE_LEN   192
/* Good frees remembered, for double frees of a block freed lately. */
#define RECENT_FREES 8

/* The input -------------------------------------------------------------- */

struct input {
	const uint8_t *data;
	size_t size, pos; /* bytes; pos <= size */
};

static bool input_left(const struct input *in)
{
	return in->pos < in->size;
}

/* The next byte, or 0 once the input is used up. */
static unsigned int take_u8(struct input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

/* The next two bytes, little-endian. */
static unsigned int take_u16(struct input *in)
{
	unsigned int lo = take_u8(in);

	return lo | take_u8(in) << 8;
}

static uint64_t take_u64(struct input *in)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)take_u8(in) << (8 * i);
	return v;
}

/* Output, the trace and failure ------------------------------------------ */

/* printk() goes to fake_machine.c's capture, cleared before each call. */

static char trace[TRACE_LINES][TRACE_LEN]; /* ring of call descriptions */
static unsigned long nr_traced;		   /* calls described so far */

static bool verbose(void)
{
	static int cached = -1; /* -1: not looked up yet */

	if (cached < 0)
		cached = getenv("FUZZ_BUDDY_VERBOSE") != NULL;
	return cached;
}

/* How many lines of the log carry a "BUG: " report. */
static unsigned int log_bug_lines(void)
{
	unsigned int n = 0;

	for (const char *p = printk_log(); (p = strstr(p, "BUG: ")); n++) {
		p = strchr(p, '\n');
		if (!p)
			return n + 1;
	}
	return n;
}

static void trace_call(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void trace_call(const char *fmt, ...)
{
	char *line = trace[nr_traced % TRACE_LINES];
	int n = snprintf(line, TRACE_LEN, "#%lu ", nr_traced);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, TRACE_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	nr_traced++;
	if (verbose())
		fprintf(stderr, "fuzz_buddy: %s\n", line);
}

static void describe_machine(FILE *f);

/*
 * fuzz_fail() - report a broken promise and abort(), so libFuzzer keeps the
 * input: the message, the machine, the last calls and what the last one
 * printed.
 */
static void fuzz_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void fuzz_fail(const char *fmt, ...)
{
	unsigned long first =
		nr_traced > TRACE_LINES ? nr_traced - TRACE_LINES : 0;
	va_list ap;

	fprintf(stderr, "\nfuzz_buddy: FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	describe_machine(stderr);
	fprintf(stderr, "fuzz_buddy: the last calls:\n");
	for (unsigned long i = first; i < nr_traced; i++)
		fprintf(stderr, "  %s\n", trace[i % TRACE_LINES]);
	fprintf(stderr, "fuzz_buddy: what the last call printed:\n%s\n",
		printk_log());
	abort();
}

#define CHECK(cond, ...)                        \
	do {                                    \
		if (!(cond))                    \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

/* fake_panic_handler: a panic outside run_expecting_panic() is a failure. */
static void __attribute__((noreturn)) unexpected_panic(const char *msg)
{
	fuzz_fail("unexpected panic: %s", msg);
}

/* The machine ------------------------------------------------------------ */

/* A range of physical memory in bytes, not necessarily page-aligned. */
struct fuzz_range {
	phys_addr_t base;
	phys_addr_t size; /* 0: no range */
};

/* A machine decoded from the input's first bytes. */
struct fuzz_machine {
	struct fuzz_range ram[FUZZ_MAX_RAM_RANGES]; /* ascending, apart */
	unsigned int nr_ram;
	struct fuzz_range reserved; /* firmware-reserved, anywhere */
	phys_addr_t low_reserve;    /* bytes reserved from 0; 0 for none */
	bool kernel_image;	    /* the reserved range is the kernel image */
	bool poison;		    /* page_poisoning_enabled */
	unsigned int debug;	    /* mm_debug */
	unsigned long max_pfn;	    /* expected: 1 + the last whole RAM pfn */
	/* The same machine as fake_machine.h boots it: RAM ranges, then the
	 * reserved range unless it is the kernel image. */
	struct fake_mem_range map[FUZZ_MAX_RAM_RANGES + 1];
	struct fake_machine fm;
};

/* Bits of the input's first byte. */
#define CFG_POISON	 0x01 /* page_poison=1 */
#define CFG_VERIFY	 0x02 /* mm_debug=verify */
#define CFG_LOW_RESERVE	 0x04 /* reserve the first pages (the kernel: 1 MiB) */
#define CFG_KERNEL_IMAGE 0x08 /* the reserved range is the kernel image */
#define CFG_NR_RAM_SHIFT 4    /* bits 4-5: RAM ranges - 1 */
#define CFG_PANIC	 0x40 /* mm_debug=panic */
#define CFG_UNALIGNED	 0x80 /* ranges with byte-granular ends */

static struct fuzz_machine mach;

/*
 * Machine layout: byte 0 is the CFG_* bits; per RAM range, a hole before it
 * (1 byte, pages; with FUZZ_NEAR_DMA, a start just below 16 MiB), its length (2 bytes: FUZZ_MAX_RANGE_PAGES - n % that) and,
 * under CFG_UNALIGNED, bytes cut from its start and end (1 byte each, x16);
 * then the reserved range's start page (2 bytes), length (1 byte, pages, 0:
 * none) and byte offset (1 byte, x16, under CFG_UNALIGNED); then the low
 * reservation's length (1 byte, pages) under CFG_LOW_RESERVE. Everything is
 * clipped below FUZZ_MAX_PFNS pages.
 */
static void decode_machine(struct input *in, struct fuzz_machine *m)
{
	unsigned int cfg = take_u8(in);
	bool unaligned = cfg & CFG_UNALIGNED;
	unsigned long cursor = 0; /* pfn where the next hole starts */
	unsigned long reserved_start, reserved_pages;
	phys_addr_t reserved_off;

	memset(m, 0, sizeof(*m));
	m->poison = cfg & CFG_POISON;
	m->debug = (cfg & CFG_VERIFY ? MM_DEBUG_VERIFY : 0) |
		   (cfg & CFG_PANIC ? MM_DEBUG_PANIC : 0);
	for (unsigned int i = 0; i <= ((cfg >> CFG_NR_RAM_SHIFT) & 3); i++) {
		unsigned int hole = take_u8(in);
		unsigned long gap = hole % FUZZ_MAX_GAP_PAGES;
		unsigned long pages = FUZZ_MAX_RANGE_PAGES -
				      take_u16(in) % FUZZ_MAX_RANGE_PAGES;
		phys_addr_t head = unaligned ? take_u8(in) * 16 : 0;
		phys_addr_t tail = unaligned ? take_u8(in) * 16 : 0;
		struct fuzz_range *r = &m->ram[m->nr_ram];

		if (hole & FUZZ_NEAR_DMA) {
			unsigned long near = MAX_DMA_PFN -
					     (hole & 0x7f) * FUZZ_NEAR_DMA_STEP;

			gap = near > cursor ? near - cursor : 0;
		}
		if (cursor + gap >= FUZZ_MAX_PFNS)
			break;
		if (pages > FUZZ_MAX_PFNS - cursor - gap)
			pages = FUZZ_MAX_PFNS - cursor - gap;
		if (head + tail >= PFN_PHYS(pages))
			head = tail = 0;
		r->base = PFN_PHYS(cursor + gap) + head;
		r->size = PFN_PHYS(pages) - head - tail;
		cursor += gap + pages;
		m->nr_ram++;
	}
	reserved_start = take_u16(in) % FUZZ_MAX_PFNS;
	reserved_pages = take_u8(in) % FUZZ_MAX_RESERVED_PAGES;
	reserved_off = unaligned ? take_u8(in) * 16 : 0;
	if (reserved_pages > FUZZ_MAX_PFNS - reserved_start)
		reserved_pages = FUZZ_MAX_PFNS - reserved_start;
	if (reserved_pages) {
		m->reserved.base = PFN_PHYS(reserved_start) + reserved_off;
		m->reserved.size = PFN_PHYS(reserved_pages) - reserved_off;
		m->kernel_image = cfg & CFG_KERNEL_IMAGE;
	}
	if (cfg & CFG_LOW_RESERVE)
		m->low_reserve =
			PFN_PHYS(1 + take_u8(in) % FUZZ_MAX_RESERVED_PAGES);

	for (unsigned int i = 0; i < m->nr_ram; i++) {
		const struct fuzz_range *r = &m->ram[i];

		if (PFN_DOWN(r->base + r->size) > PFN_UP(r->base))
			m->max_pfn = PFN_DOWN(r->base + r->size);
		m->map[i] =
			(struct fake_mem_range){ r->base, r->size, FAKE_RAM };
	}
	m->fm = (struct fake_machine){
		.map = m->map,
		.nr_ranges = m->nr_ram,
		.low_reserve = m->low_reserve,
		.poison_unusable = true,
	};
	if (m->kernel_image) {
		m->fm.kernel_image_base = m->reserved.base;
		m->fm.kernel_image_size = m->reserved.size;
	} else if (m->reserved.size) {
		m->map[m->fm.nr_ranges++] = (struct fake_mem_range){
			m->reserved.base, m->reserved.size, FAKE_RESERVED
		};
	}
}

static void describe_machine(FILE *f)
{
	const struct fuzz_machine *m = &mach;

	fprintf(f,
		"fuzz_buddy: machine: max_pfn %#lx, poison %d, mm_debug %#x\n",
		m->max_pfn, m->poison, m->debug);
	for (unsigned int i = 0; i < m->nr_ram; i++)
		fprintf(f, "  RAM      [mem %#010llx-%#010llx]\n",
			(unsigned long long)m->ram[i].base,
			(unsigned long long)(m->ram[i].base + m->ram[i].size -
					     1));
	if (m->reserved.size)
		fprintf(f, "  reserved [mem %#010llx-%#010llx]%s\n",
			(unsigned long long)m->reserved.base,
			(unsigned long long)(m->reserved.base +
					     m->reserved.size - 1),
			m->kernel_image ? " (kernel image)" : "");
	if (m->low_reserve)
		fprintf(f, "  reserved [mem 0x00000000-%#010llx] (low)\n",
			(unsigned long long)(m->low_reserve - 1));
}

/*
 * map_says_free() - by the map alone: is @pfn wholly inside a RAM range and
 * touched by no reserved byte? (mem_map is then carved out of such pages.)
 */
static bool map_says_free(const struct fuzz_machine *m, unsigned long pfn)
{
	return fake_machine_pfn_usable(&m->fm, pfn);
}

/* The model ---------------------------------------------------------------- */

struct held_block {
	unsigned long pfn;  /* first page, aligned to 2^order */
	unsigned int order; /* as allocated */
};

static struct held_block held[FUZZ_MAX_PFNS];
static unsigned long nr_held;
static unsigned long held_pages; /* sum of 2^order over held[] */
/* owner[pfn]: index in held[] of the block holding pfn, or -1. */
static long owner[FUZZ_MAX_PFNS];
/* boot_free[pfn]: free right after mm_core_init(), by the map alone: usable
 * RAM (fake_machine_pfn_usable()) outside mem_map. */
static bool boot_free[FUZZ_MAX_PFNS];
static unsigned long boot_free_pages;
/* mem_map and the free counts right after boot, compared at the end. */
static struct page boot_map[FUZZ_MAX_PFNS];
static struct buddy_snapshot boot_snap;

/* dirty[pfn]: written by the harness while free, under page_poison=1. */
static bool dirty[FUZZ_MAX_PFNS];
static struct held_block recent[RECENT_FREES]; /* ring of good frees */
static unsigned long nr_recent;

/* May the model hand out @pfn: free at boot and not held now? */
static bool model_free(unsigned long pfn)
{
	return pfn < max_pfn && boot_free[pfn] && owner[pfn] < 0;
}

/*
 * Does the model have a wholly free 2^@order-aligned block of that order in
 * zone @z? (No such block crosses a zone limit: they are 4 MiB-aligned.)
 */
static bool model_has_block(unsigned int order, enum zone_type z)
{
	unsigned long nr = 1UL << order;

	for (unsigned long pfn = 0; pfn + nr <= max_pfn; pfn += nr) {
		if (pfn_zonenum(pfn) != z)
			continue;
		unsigned long i = 0;

		while (i < nr && model_free(pfn + i))
			i++;
		if (i == nr)
			return true;
	}
	return false;
}

static uint64_t *page_word(unsigned long pfn, unsigned long offset)
{
	return (uint64_t *)((unsigned char *)__va(PFN_PHYS(pfn)) + offset);
}

/*
 * The model of the buddy lists. Every free page is on a per-CPU list or in
 * the buddy allocator; which ones the per-CPU lists hold is the allocator's
 * choice (its refills take whatever its lists give first), so model_pcp()
 * reads the lists and checks them against the model: each page on one is
 * free by the model, in the list's zone, marked PG_pcp and listed once, and
 * each list holds its count. The rest of the free pages merge fully in the
 * buddy, so its free blocks are the canonical blocks of those pages
 * (canonical_heads()), computed here without the allocator's counters; no
 * block crosses a zone line (the lines are 4 MiB-aligned).
 */
static bool on_pcp[FUZZ_MAX_PFNS];   /* on a per-CPU list (model_pcp()) */
static bool in_buddy[FUZZ_MAX_PFNS]; /* free by the model, not on a list */
static signed char buddy_head[FUZZ_MAX_PFNS]; /* canonical block order or -1 */
/* The model's free blocks per zone and order, and free pages per zone. */
static unsigned long model_nr_free[MAX_NR_ZONES][NR_PAGE_ORDERS];
static unsigned long model_zone_free[MAX_NR_ZONES];
/* The above hold since the last allocator call (check_counters() sets it,
 * run_call() clears it). */
static bool model_buddy_valid;

static void model_pcp(void)
{
	memset(on_pcp, 0, max_pfn * sizeof(on_pcp[0]));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
			struct per_cpu_pages *pcp =
				&contig_page_data.node_zones[z]
					 .per_cpu_pageset[cpu];
			unsigned long n = 0;

			for (struct list_head *l = pcp->list.next;
			     l != &pcp->list; l = l->next, n++) {
				struct page *page =
					list_entry(l, struct page, lru);
				unsigned long pfn =
					(unsigned long)(page - mem_map);

				CHECK(n < max_pfn && page >= mem_map &&
					      pfn < max_pfn,
				      "zone %d: a per-CPU list runs outside mem_map or loops",
				      z);
				CHECK(model_free(pfn) && !on_pcp[pfn] &&
					      PagePcp(page) &&
					      (int)pfn_zonenum(pfn) == z,
				      "zone %d: pfn %#lx on a per-CPU list is %s",
				      z, pfn,
				      !model_free(pfn) ? "not free by the model"
				      : on_pcp[pfn]    ? "listed twice"
				      : !PagePcp(page) ? "not marked PG_pcp"
						       : "in another zone");
				on_pcp[pfn] = true;
			}
			CHECK(n == (unsigned long)pcp->count,
			      "zone %d: a per-CPU list of %lu pages counts %d",
			      z, n, pcp->count);
		}
	}
}

/* model_buddy() - read the per-CPU lists, then the buddy's free blocks as
 * the model has them: buddy_head[], model_nr_free[][], model_zone_free[]. */
static void model_buddy(void)
{
	model_pcp();
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		in_buddy[pfn] = model_free(pfn) && !on_pcp[pfn];
	canonical_heads(in_buddy, max_pfn, buddy_head);
	memset(model_nr_free, 0, sizeof(model_nr_free));
	memset(model_zone_free, 0, sizeof(model_zone_free));
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		if (buddy_head[pfn] < 0)
			continue;
		model_nr_free[pfn_zonenum(pfn)][buddy_head[pfn]]++;
		model_zone_free[pfn_zonenum(pfn)] += 1UL << buddy_head[pfn];
	}
	model_buddy_valid = true;
}

/*
 * check_counters() - the allocator's counters against the model: each
 * zone's nr_free of each order and its free_pages as model_buddy() has
 * them, and nr_free_pages() the pages free at boot less those held.
 */
static void check_counters(void)
{
	model_buddy();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			CHECK(zone->free_area[o].nr_free == model_nr_free[z][o],
			      "zone %s: nr_free[%u] is %lu, but the free pages off the per-CPU lists merge into %lu blocks of that order",
			      zone->name, o, zone->free_area[o].nr_free,
			      model_nr_free[z][o]);
		CHECK(zone->free_pages == model_zone_free[z],
		      "zone %s: free_pages %lu, the model has %lu in the buddy",
		      zone->name, zone->free_pages, model_zone_free[z]);
	}
	CHECK(nr_free_pages() == boot_free_pages - held_pages,
	      "nr_free_pages() %lu, but %lu free at boot and %lu held",
	      nr_free_pages(), boot_free_pages, held_pages);
}

/* buddy_snapshot(), which drains the per-CPU lists: the model is then out
 * of date until model_buddy() runs again. */
static void take_snapshot(struct buddy_snapshot *snap)
{
	/* buddy_snapshot() only reads: drain first, so it sees every free
	 * page merged. */
	drain_all_pages(NULL);
	buddy_snapshot(snap);
	model_buddy_valid = false;
}

/*
 * The zone the zonelist gives an order-@order block from, for a request
 * whose highest zone is @highest, the watermarks being off. Pages on the
 * per-CPU lists are not merged in the buddy until drained, so a larger
 * block is found in two steps, as page_alloc.c does: first the highest
 * zone whose buddy, by the model (model_buddy()), holds a block of the
 * order or larger; failing that, after the drain, the highest zone with a
 * free block of the order in the model. Order 0 is served from any free
 * page, listed or not, so the model alone decides. MAX_NR_ZONES: none.
 */
static enum zone_type model_block_zone(unsigned int order,
				       enum zone_type highest)
{
	if (order && !model_buddy_valid)
		model_buddy();
	for (int z = (int)highest; order && z >= 0; z--)
		for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
			if (model_nr_free[z][o])
				return (enum zone_type)z;
	for (int z = (int)highest; z >= 0; z--)
		if (model_has_block(order, (enum zone_type)z))
			return (enum zone_type)z;
	return MAX_NR_ZONES;
}

/* Put a held block in the model and stamp each of its pages. */
static void model_hold(unsigned long pfn, unsigned int order)
{
	held[nr_held] = (struct held_block){ pfn, order };
	for (unsigned long p = pfn; p < pfn + (1UL << order); p++) {
		owner[p] = (long)nr_held;
		*page_word(p, 0) = FUZZ_STAMP ^ p;
		*page_word(p, PAGE_SIZE - 8) = FUZZ_STAMP ^ p;
	}
	nr_held++;
	held_pages += 1UL << order;
}

/* Take held[@i] out of the model; the last entry moves into its slot. */
static void model_release(unsigned long i)
{
	struct held_block b = held[i];

	for (unsigned long p = b.pfn; p < b.pfn + (1UL << b.order); p++)
		owner[p] = -1;
	held_pages -= 1UL << b.order;
	held[i] = held[--nr_held];
	if (i < nr_held)
		for (unsigned long p = held[i].pfn;
		     p < held[i].pfn + (1UL << held[i].order); p++)
			owner[p] = (long)i;
	recent[nr_recent++ % RECENT_FREES] = b;
}

/* Every held block is still an allocated block with its data intact. */
static void check_held(void)
{
	for (unsigned long i = 0; i < nr_held; i++) {
		const struct held_block *b = &held[i];
		const struct page *head = pfn_to_page(b->pfn);

		CHECK(PageHead(head) && !PageBuddy(head) &&
			      !PageReserved(head) &&
			      page_private(head) == b->order &&
			      page_ref_count(head) == 1,
		      "held block pfn %#lx order %u: head has flags %#x order %lu refcount %d",
		      b->pfn, b->order, head->flags, page_private(head),
		      page_ref_count(head));
		for (unsigned long p = b->pfn; p < b->pfn + (1UL << b->order);
		     p++) {
			CHECK(p == b->pfn || (!pfn_to_page(p)->flags &&
					      !page_ref_count(pfn_to_page(p))),
			      "held block pfn %#lx order %u: page %#lx has flags %#x",
			      b->pfn, b->order, p, pfn_to_page(p)->flags);
			CHECK(*page_word(p, 0) == (FUZZ_STAMP ^ p) &&
				      *page_word(p, PAGE_SIZE - 8) ==
					      (FUZZ_STAMP ^ p),
			      "held block pfn %#lx order %u: the data of page %#lx was overwritten",
			      b->pfn, b->order, p);
		}
	}
}

/* Booting ------------------------------------------------------------------ */

/* Every mm global back to what a fresh process has, the model empty. */
static void reset_mm(void)
{
	fake_machine_reset();
	nr_held = held_pages = nr_recent = nr_traced = 0;
}

/*
 * Can mm_core_init() work on @m? mem_map needs a run of free pages as long
 * as itself, not at physical address 0 (memblock_phys_alloc() returns 0 for
 * failure), and at least one page must be left for the buddy allocator.
 */
static bool machine_bootable(const struct fuzz_machine *m)
{
	unsigned long map_pages =
		PFN_UP(m->max_pfn * (unsigned long)sizeof(struct page));
	unsigned long run = 0, total = 0;
	bool fits = false;

	for (unsigned long pfn = 0; pfn < m->max_pfn; pfn++) {
		run = map_says_free(m, pfn) ? run + 1 : 0;
		total += run > 0;
		/* mem_map could end at pfn, starting above pfn 0. */
		if (run >= map_pages && pfn + 1 > map_pages)
			fits = true;
	}
	return m->max_pfn && fits && total > map_pages;
}

/*
 * Boot @m on the shared machine (fake_machine_boot()): RAM full of junk,
 * memblock fed as the arch does, then mm_core_init() with @m's mm_debug and
 * page_poison. Under ASan every page the map does not call free RAM is
 * poisoned, so any access to a hole or reserved page is caught. Then check
 * the boot against the map and record the boot state.
 */
static void boot_machine(const struct fuzz_machine *m)
{
	unsigned long map_pfn, map_pages;
	unsigned long map_free = 0;

	reset_mm();
	page_poisoning_enabled = m->poison;
	fake_machine_mm_debug = m->debug;
	/* fm.watermarks is false: no watermarks, no lowmem_reserve, so every
	 * free block can be had. */
	trace_call("boot: mm_core_init()");
	fake_machine_boot(&m->fm);

	CHECK(max_pfn == m->max_pfn && max_pfn == fake_machine_max_pfn(&m->fm),
	      "max_pfn %#lx, expected %#lx", max_pfn, m->max_pfn);
	CHECK(buddy_verify() == 0, "buddy_verify() fails after boot");
	CHECK(log_bug_lines() == 0, "a BUG: report during boot");
	map_pfn = PHYS_PFN(__pa(mem_map));
	map_pages = PFN_UP(max_pfn * sizeof(struct page));
	boot_free_pages = 0;
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		const struct page *page = pfn_to_page(pfn);
		bool in_map = pfn >= map_pfn && pfn < map_pfn + map_pages;

		owner[pfn] = -1;
		dirty[pfn] = false;
		boot_free[pfn] = map_says_free(m, pfn) && !in_map;
		boot_free_pages += boot_free[pfn];
		map_free += map_says_free(m, pfn);
		CHECK(!in_map || map_says_free(m, pfn),
		      "mem_map page %#lx is not free RAM", pfn);
		CHECK(PageReserved(page) == !boot_free[pfn],
		      "pfn %#lx is %s after boot, but the map and mem_map make it %s",
		      pfn, PageReserved(page) ? "reserved" : "free",
		      boot_free[pfn] ? "free" : "reserved");
	}
	CHECK(boot_free_pages == map_free - map_pages,
	      "%lu pages free after boot; the map gives %lu free minus %lu for mem_map",
	      boot_free_pages, map_free, map_pages);
	check_counters();
	CHECK(totalreserve_pages == 0 && min_free_kbytes == 0,
	      "watermarks left after boot: totalreserve_pages %lu, min_free_kbytes %d",
	      totalreserve_pages, min_free_kbytes);
	memcpy(boot_map, mem_map, max_pfn * sizeof(struct page));
	take_snapshot(&boot_snap);
	/* The rest of mem_map's last page: a read of mem_map[max_pfn] or
	 * beyond (a buddy past the end) trips ASan. */
	ASAN_POISON_MEMORY_REGION(mem_map + max_pfn,
				  PFN_PHYS(map_pages) -
					  max_pfn * sizeof(struct page));
}

/* Calls and their checks --------------------------------------------------- */

/* The allocator as it was before a call expected to change nothing. */
static struct page before_map[FUZZ_MAX_PFNS];
static struct pglist_data before_pgdat;
static struct buddy_snapshot before_snap;
static unsigned long before_reports;

static void save_state(void)
{
	/* The snapshot drains the per-CPU lists: take it before the copies. */
	take_snapshot(&before_snap);
	memcpy(before_map, mem_map, max_pfn * sizeof(struct page));
	memcpy(&before_pgdat, &contig_page_data, sizeof(before_pgdat));
}

/*
 * check_after() - the checks after every call: @expected_reports "BUG: "
 * lines (and as many counted in mm_bad_page_reports), buddy_verify() clean,
 * the counters as the model says (check_counters()), held blocks intact;
 * with @unchanged, mem_map and every zone (contig_page_data) exactly as
 * save_state() saw them.
 */
static void check_after(unsigned int expected_reports, bool unchanged)
{
	unsigned int bugs = log_bug_lines();
	unsigned long problems = buddy_verify();

	CHECK(bugs == expected_reports,
	      "%u \"BUG: \" report lines, expected %u", bugs, expected_reports);
	CHECK(mm_bad_page_reports - before_reports == expected_reports,
	      "mm_bad_page_reports went up by %lu, expected %u",
	      mm_bad_page_reports - before_reports, expected_reports);
	CHECK(problems == 0, "buddy_verify() found %lu problems", problems);
	check_counters();
	if (unchanged) {
		struct buddy_snapshot now;

		take_snapshot(&now);
		CHECK(buddy_snapshot_equal(&before_snap, &now),
		      "a refused call changed the free counts");
		CHECK(!memcmp(&before_pgdat, &contig_page_data,
			      sizeof(before_pgdat)),
		      "a refused call changed a zone");
		for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
			CHECK(!memcmp(&before_map[pfn], pfn_to_page(pfn),
				      sizeof(struct page)),
			      "a refused call changed struct page of pfn %#lx (flags %#x -> %#x, refcount %d -> %d, order %lu -> %lu, or its list links)",
			      pfn, before_map[pfn].flags,
			      pfn_to_page(pfn)->flags,
			      before_map[pfn]._refcount,
			      page_ref_count(pfn_to_page(pfn)),
			      before_map[pfn].private,
			      page_private(pfn_to_page(pfn)));
	}
	check_held();
}

enum call_kind {
	CALL_ALLOC_PAGES,     /* alloc_pages(gfp, order) */
	CALL_GET_FREE_PAGES,  /* __get_free_pages(gfp, order) */
	CALL_GET_ZEROED_PAGE, /* get_zeroed_page(gfp) */
	CALL_FREE_PAGES_PAGE, /* __free_pages(page, order) */
	CALL_FREE_PAGES_ADDR, /* free_pages(addr, order) */
};

/* One call into the page API; result is written only if it returns. */
struct call {
	enum call_kind kind;
	gfp_t gfp;
	unsigned int order;
	struct page *page;   /* __free_pages() argument */
	unsigned long addr;  /* free_pages() argument */
	struct page *result; /* the allocated block, or NULL */
};

static void do_call(struct call *c)
{
	unsigned long addr;

	switch (c->kind) {
	case CALL_ALLOC_PAGES:
		c->result = alloc_pages(c->gfp, c->order);
		break;
	case CALL_GET_FREE_PAGES:
	case CALL_GET_ZEROED_PAGE:
		addr = c->kind == CALL_GET_FREE_PAGES
			       ? __get_free_pages(c->gfp, c->order)
			       : get_zeroed_page(c->gfp);
		c->result = NULL;
		if (addr) {
			uintptr_t off = addr - (uintptr_t)host_ram;

			CHECK(off < PFN_PHYS(max_pfn) && !(off % PAGE_SIZE),
			      "returned address %#lx is not a page of RAM's direct map",
			      addr);
			c->result = virt_to_page((void *)addr);
		}
		break;
	case CALL_FREE_PAGES_PAGE:
		__free_pages(c->page, c->order);
		break;
	case CALL_FREE_PAGES_ADDR:
		free_pages(c->addr, c->order);
		break;
	}
}

/*
 * run_call() - make call @c, expecting @reports reports; check_after() then
 * checks the outcome.
 * Under mm_debug=panic a call with a report must panic right after it; the
 * panic is caught, and the state must still be unchanged.
 */
static struct call *current_call; /* do_current_call()'s call */

static void do_current_call(void)
{
	do_call(current_call);
}

static void run_call(struct call *c, unsigned int reports, bool unchanged)
{
	bool expect_panic = reports && (mm_debug & MM_DEBUG_PANIC);

	if (unchanged)
		save_state();
	before_reports = mm_bad_page_reports;
	printk_log_clear();
	c->result = NULL;
	model_buddy_valid = false;
	if (expect_panic) {
		current_call = c;
		if (!run_expecting_panic(do_current_call))
			fuzz_fail(
				"mm_debug=panic, but a bad call did not panic");
	} else {
		do_call(c);
	}
}

/* Does the order-@order block at @pfn hold only zero bytes? */
static bool block_zeroed(unsigned long pfn, unsigned int order)
{
	static const unsigned char zero[PAGE_SIZE];

	for (unsigned long p = pfn; p < pfn + (1UL << order); p++)
		if (memcmp(__va(PFN_PHYS(p)), zero, PAGE_SIZE))
			return false;
	return true;
}

/*
 * An allocation. The model predicts: unknown gfp bits, or __GFP_DMA with
 * __GFP_DMA32, NULL and one report (even under __GFP_NOWARN); an order
 * above MAX_PAGE_ORDER, NULL and one report unless __GFP_NOWARN; no free
 * aligned block of the order in the zones gfp_zone() allows, NULL without a
 * report; otherwise a block of the order from pages the model has free, in
 * the highest allowed zone that has one, with one report if the harness
 * wrote to one of them while it was poisoned.
 */
static void run_alloc(enum call_kind kind, gfp_t gfp, unsigned int order)
{
	struct call c = { .kind = kind, .gfp = gfp, .order = order };
	gfp_t eff = kind == CALL_GET_ZEROED_PAGE ? gfp | __GFP_ZERO : gfp;
	unsigned int eff_order = kind == CALL_GET_ZEROED_PAGE ? 0 : order;
	enum zone_type zone = MAX_NR_ZONES;
	unsigned int reports = 0;
	bool expect_block = false;
	const char *name;
	unsigned long pfn;

	if (eff & ~FUZZ_GFP_KNOWN)
		reports = 1;
	else if ((eff & __GFP_DMA) && (eff & __GFP_DMA32))
		reports = 1;
	else if (eff_order > MAX_PAGE_ORDER)
		reports = !(eff & __GFP_NOWARN);
	else
		zone = model_block_zone(eff_order, gfp_zone(eff));
	expect_block = zone != MAX_NR_ZONES;
	name = kind == CALL_ALLOC_PAGES	     ? "alloc_pages"
	       : kind == CALL_GET_FREE_PAGES ? "__get_free_pages"
					     : "get_zeroed_page";
	if (expect_block)
		trace_call("%s(gfp %#x, order %u): expect a block", name, gfp,
			   eff_order);
	else
		trace_call("%s(gfp %#x, order %u): expect failure, %u reports",
			   name, gfp, eff_order, reports);
	run_call(&c, reports, !expect_block);
	if (!expect_block) {
		CHECK(!c.result,
		      "allocation succeeded (pfn %#lx), expected it to fail",
		      page_to_pfn(c.result));
		check_after(reports, true);
		return;
	}
	CHECK(c.result,
	      "allocation failed, but the model has a free block of order %u",
	      eff_order);
	pfn = page_to_pfn(c.result);
	CHECK(c.result >= mem_map && pfn < max_pfn,
	      "allocation returned a page outside mem_map");
	CHECK(!(pfn & ((1UL << eff_order) - 1)),
	      "block at pfn %#lx is not aligned to order %u", pfn, eff_order);
	CHECK(pfn + (1UL << eff_order) <= max_pfn,
	      "block at pfn %#lx order %u runs past max_pfn", pfn, eff_order);
	CHECK(pfn_zonenum(pfn) == zone &&
		      pfn_zonenum(pfn + (1UL << eff_order) - 1) == zone,
	      "block at pfn %#lx order %u is in zone %s, the zonelist should give zone %s",
	      pfn, eff_order, page_zone(c.result)->name,
	      contig_page_data.node_zones[zone].name);
	CHECK(!(eff & __GFP_DMA) ||
		      PFN_PHYS(pfn + (1UL << eff_order)) <= 16 * MiB,
	      "GFP_DMA block at pfn %#lx order %u is not below 16 MiB", pfn,
	      eff_order);
	CHECK(!(eff & __GFP_DMA32) ||
		      PFN_PHYS(pfn + (1UL << eff_order)) <= (4UL << 30),
	      "GFP_DMA32 block at pfn %#lx order %u is not below 4 GiB", pfn,
	      eff_order);
	for (unsigned long p = pfn; p < pfn + (1UL << eff_order); p++)
		CHECK(model_free(p),
		      "block at pfn %#lx order %u: page %#lx is %s", pfn,
		      eff_order, p,
		      !boot_free[p] ? "not free RAM" : "already held");
	CHECK(!(eff & __GFP_ZERO) || block_zeroed(pfn, eff_order),
	      "__GFP_ZERO block at pfn %#lx order %u is not zeroed", pfn,
	      eff_order);
	reports = 0;
	for (unsigned long p = pfn; p < pfn + (1UL << eff_order); p++) {
		reports |= dirty[p];
		dirty[p] = false;
	}
	model_hold(pfn, eff_order);
	check_after(reports, false);
}

/* The held block that this free frees by the model, or -1: refused. */
static long model_free_target(const struct call *c)
{
	unsigned long pfn;
	long i;

	if (c->kind == CALL_FREE_PAGES_ADDR) {
		uintptr_t off = c->addr - (uintptr_t)host_ram;

		if (!c->addr || off >= PFN_PHYS(max_pfn) || off % PAGE_SIZE)
			return -1;
		pfn = off / PAGE_SIZE;
	} else {
		uintptr_t off = (uintptr_t)c->page - (uintptr_t)mem_map;

		if (!c->page || off >= max_pfn * sizeof(struct page) ||
		    off % sizeof(struct page))
			return -1;
		pfn = off / sizeof(struct page);
	}
	i = owner[pfn];
	if (i < 0 || held[i].pfn != pfn || held[i].order != c->order)
		return -1;
	return i;
}

/* The argument of free call @c, for the trace: a pfn where it names one. */
static const char *describe_free_arg(const struct call *c)
{
	static char buf[96];
	uintptr_t base = c->kind == CALL_FREE_PAGES_ADDR ? (uintptr_t)host_ram
							 : (uintptr_t)mem_map;
	uintptr_t arg =
		c->kind == CALL_FREE_PAGES_ADDR ? c->addr : (uintptr_t)c->page;
	unsigned long unit = c->kind == CALL_FREE_PAGES_ADDR
				     ? PAGE_SIZE
				     : sizeof(struct page);
	uintptr_t off = arg - base;

	if (!arg)
		return c->kind == CALL_FREE_PAGES_ADDR ? "0" : "NULL";
	if (off < max_pfn * unit)
		snprintf(buf, sizeof(buf), "%#lx: pfn %#lx%s",
			 (unsigned long)arg, (unsigned long)(off / unit),
			 off % unit ? " + a part" : "");
	else
		snprintf(buf, sizeof(buf), "%#lx: %+ld bytes from %s, outside",
			 (unsigned long)arg, (long)off,
			 c->kind == CALL_FREE_PAGES_ADDR ? "host_ram"
							 : "mem_map");
	return buf;
}

/*
 * A free. Good when it names a held block's first page (or its address)
 * with the order it was allocated at; free_pages(0) does nothing; anything
 * else is refused with one report and changes nothing.
 */
static void run_free(struct call *c, const char *what)
{
	long i = model_free_target(c);
	bool ignored = c->kind == CALL_FREE_PAGES_ADDR && !c->addr;
	unsigned int reports = i < 0 && !ignored;

	trace_call("%s: %s(%s, order %u): expect %s", what,
		   c->kind == CALL_FREE_PAGES_ADDR ? "free_pages"
						   : "__free_pages",
		   describe_free_arg(c), c->order,
		   i >= 0    ? "freed"
		   : ignored ? "ignored"
			     : "refused");
	if (i >= 0) {
		/* The owner's last writes, so a later __GFP_ZERO means it. */
		memset(__va(PFN_PHYS(held[i].pfn)), FUZZ_FREE_JUNK,
		       PAGE_SIZE << held[i].order);
		model_release((unsigned long)i);
	}
	run_call(c, reports, i < 0);
	check_after(reports, i < 0);
}

static void free_block(const struct held_block *b, bool by_addr,
		       const char *what)
{
	struct call c = { .order = b->order };

	if (by_addr) {
		c.kind = CALL_FREE_PAGES_ADDR;
		c.addr = (unsigned long)page_address(pfn_to_page(b->pfn));
	} else {
		c.kind = CALL_FREE_PAGES_PAGE;
		c.page = pfn_to_page(b->pfn);
	}
	run_free(&c, what);
}

/* The @k-th (mod their number) pfn for which @pred holds, or ULONG_MAX. */
static unsigned long pick_pfn(bool (*pred)(unsigned long), unsigned int k)
{
	unsigned long n = 0;

	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		n += pred(pfn);
	if (!n)
		return ULONG_MAX;
	k %= n;
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		if (pred(pfn) && !k--)
			return pfn;
	return ULONG_MAX;
}

static bool is_free_head(unsigned long pfn)
{
	return PageBuddy(pfn_to_page(pfn));
}

static bool is_free_tail(unsigned long pfn)
{
	return model_free(pfn) && !PageBuddy(pfn_to_page(pfn));
}

static bool is_reserved(unsigned long pfn)
{
	return PageReserved(pfn_to_page(pfn));
}

static bool is_held_tail(unsigned long pfn)
{
	return owner[pfn] >= 0 && held[owner[pfn]].pfn != pfn;
}

/* Decoding calls --------------------------------------------------------- */

/* An order: mostly 0..MAX_PAGE_ORDER + 1, sometimes far beyond. */
static unsigned int decode_order(struct input *in)
{
	static const unsigned int far[] = {
		MAX_PAGE_ORDER + 2, 16, 31, 32, 63, 64, 1000, UINT_MAX
	};
	unsigned int b = take_u8(in);

	if (b >= 256 - ARRAY_SIZE(far))
		return far[b - (256 - ARRAY_SIZE(far))];
	return b % (MAX_PAGE_ORDER + 2);
}

/* One gfp bit that gfp.h does not define, chosen by @b. */
static gfp_t unknown_gfp_bit(unsigned int b)
{
	unsigned int bit = b % 32;

	while (FUZZ_GFP_KNOWN & (1u << bit))
		bit = (bit + 1) % 32;
	return 1u << bit;
}

/*
 * gfp flags: one input byte picks modifiers; with its top bit a second byte
 * follows, picking the zone modifiers and __GFP_MEMALLOC, and with that
 * byte's top bit a third one chooses an unknown bit to add.
 */
static gfp_t decode_gfp(struct input *in)
{
	static const gfp_t bits[] = { __GFP_ZERO, __GFP_NOWARN, GFP_KERNEL,
				      GFP_ATOMIC, __GFP_HIGH,	__GFP_IO,
				      __GFP_FS };
	static const gfp_t more[] = { __GFP_DMA, __GFP_DMA32, __GFP_MEMALLOC };
	unsigned int b = take_u8(in), m;
	gfp_t gfp = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++)
		if (b & (1u << i))
			gfp |= bits[i];
	if (!(b & 0x80))
		return gfp;
	m = take_u8(in);
	for (unsigned int i = 0; i < ARRAY_SIZE(more); i++)
		if (m & (1u << i))
			gfp |= more[i];
	if (m & 0x80)
		gfp |= unknown_gfp_bit(take_u8(in));
	return gfp;
}

/* What one input byte asks for (the byte mod NR_FUZZ_OPS). */
enum fuzz_op {
	OP_ALLOC_PAGES,	     /* alloc_pages(gfp, order) */
	OP_GET_FREE_PAGES,   /* __get_free_pages(gfp, order) */
	OP_GET_ZEROED_PAGE,  /* get_zeroed_page(gfp) */
	OP_FREE,	     /* a held block at its order: good */
	OP_FREE_WRONG_ORDER, /* a held block at a smaller or larger order */
	OP_DOUBLE_FREE,	     /* a free block's head, or a block freed lately */
	OP_FREE_INSIDE_FREE, /* a page inside a larger free block */
	OP_FREE_MISALIGNED,  /* a pfn not aligned to the order */
	OP_FREE_MIDDLE,	     /* a page in the middle of a held block */
	OP_FREE_RESERVED,    /* a reserved page: hole, firmware, mem_map... */
	OP_FREE_OUTSIDE,     /* a struct page pointer outside mem_map */
	OP_FREE_BAD_ADDR,    /* free_pages() of a bogus address */
	OP_FREE_NULL,	     /* __free_pages(NULL) or free_pages(0) */
	OP_FREE_ANY,	     /* any pfn in or just past mem_map, any order */
	OP_USE_AFTER_FREE,   /* write a byte to a free page */
	NR_FUZZ_OPS
};

/* A free of the page at @pfn (any pfn, also past mem_map) by either API. */
static void free_pfn(unsigned long pfn, unsigned int order, bool by_addr,
		     const char *what)
{
	struct call c = { .order = order };

	if (by_addr) {
		c.kind = CALL_FREE_PAGES_ADDR;
		c.addr = (unsigned long)(uintptr_t)host_ram + PFN_PHYS(pfn);
	} else {
		c.kind = CALL_FREE_PAGES_PAGE;
		c.page = (struct page *)((uintptr_t)mem_map +
					 pfn * sizeof(struct page));
	}
	run_free(&c, what);
}

/*
 * A pfn for a near miss: for odd @k, while blocks are held, the first page
 * of one, and *@order becomes its order, so the call is wrong only in the
 * way under test; otherwise any pfn of mem_map.
 */
static unsigned long near_miss_pfn(unsigned int k, unsigned int *order)
{
	if ((k & 1) && nr_held) {
		const struct held_block *b = &held[(k >> 1) % nr_held];

		*order = b->order;
		return b->pfn;
	}
	return k % max_pfn;
}

static void op_free_outside(struct input *in)
{
	unsigned int how = take_u8(in) % 5, k = take_u8(in);
	struct page on_stack = *pfn_to_page(k % max_pfn);
	struct call c = { .kind = CALL_FREE_PAGES_PAGE,
			  .order = decode_order(in) };
	uintptr_t base = (uintptr_t)mem_map;

	switch (how) {
	case 0: /* just past the end of mem_map */
		c.page = (struct page *)(base + (max_pfn + k % 4) *
							sizeof(struct page));
		break;
	case 1: /* just before it */
		c.page = (struct page *)(base -
					 (1 + k % 4) * sizeof(struct page));
		break;
	case 2: /* inside it, between two struct pages */
		c.page = (struct page *)(base +
					 near_miss_pfn(k, &c.order) *
						 sizeof(struct page) +
					 1 +
					 (k >> 1) % (sizeof(struct page) - 1));
		break;
	case 3: /* a copy of a struct page, not in mem_map */
		c.page = &on_stack;
		break;
	default: /* any value at all */
		c.page = (struct page *)(uintptr_t)take_u64(in);
		break;
	}
	run_free(&c, "struct page outside mem_map");
}

static void op_free_bad_addr(struct input *in)
{
	unsigned int how = take_u8(in) % 6, k = take_u16(in);
	int on_stack = 0;
	struct call c = { .kind = CALL_FREE_PAGES_ADDR,
			  .order = decode_order(in) };
	uintptr_t ram = (uintptr_t)host_ram;

	switch (how) {
	case 0: /* below the direct map */
		c.addr = ram - PFN_PHYS(1 + k % 16);
		break;
	case 1: /* above it */
		c.addr = ram + host_ram_size + PFN_PHYS(k % 16);
		break;
	case 2: /* past the last pfn of RAM (in the direct map or not) */
		c.addr = ram + PFN_PHYS(max_pfn + k % 16);
		break;
	case 3: /* inside a page of RAM, not page-aligned */
		c.addr = ram + PFN_PHYS(near_miss_pfn(k, &c.order)) + 1 +
			 (k >> 1) % (PAGE_SIZE - 1);
		break;
	case 4: /* any value at all */
		c.addr = take_u64(in);
		break;
	default: /* a stack address */
		c.addr = (uintptr_t)&on_stack;
		break;
	}
	run_free(&c, "bogus address");
}

/*
 * A write to a free page, as a use after free. Under page_poison=1 the next
 * allocation of the page must report it; without, nothing can notice. Not
 * under mm_debug=panic: that panic comes in the middle of an allocation,
 * after which the kernel would not go on.
 */
static void op_use_after_free(struct input *in)
{
	unsigned long pfn = pick_pfn(model_free, take_u16(in));
	unsigned int offset = take_u16(in) % PAGE_SIZE;
	unsigned char value =
		(unsigned char)(take_u8(in) | 1); /* odd: never PAGE_POISON */

	if (pfn == ULONG_MAX || (mm_debug & MM_DEBUG_PANIC))
		return;
	trace_call("use after free: write %#x to free pfn %#lx at offset %#x",
		   value, pfn, offset);
	((unsigned char *)__va(PFN_PHYS(pfn)))[offset] = value;
	dirty[pfn] = page_poisoning_enabled;
}

/* Decode one call from @in and run it with its checks. */
static void run_op(struct input *in)
{
	unsigned int b = take_u8(in);
	bool by_addr = (b / NR_FUZZ_OPS) & 1;
	unsigned long pfn;

	switch ((enum fuzz_op)(b % NR_FUZZ_OPS)) {
	case OP_ALLOC_PAGES:
	case OP_GET_FREE_PAGES: {
		gfp_t gfp = decode_gfp(in);

		run_alloc(b % NR_FUZZ_OPS == OP_ALLOC_PAGES
				  ? CALL_ALLOC_PAGES
				  : CALL_GET_FREE_PAGES,
			  gfp, decode_order(in));
		break;
	}
	case OP_GET_ZEROED_PAGE:
		run_alloc(CALL_GET_ZEROED_PAGE, decode_gfp(in), 0);
		break;
	case OP_FREE: {
		unsigned int k = take_u16(in);

		if (nr_held) {
			struct held_block blk = held[k % nr_held];

			free_block(&blk, by_addr, "free");
		}
		break;
	}
	case OP_FREE_WRONG_ORDER: {
		unsigned int k = take_u16(in), d = take_u8(in);

		if (nr_held) {
			struct held_block blk = held[k % nr_held];

			/* Below order 0 wraps to a huge order: also wrong. */
			blk.order = d & 0x80 ? blk.order + 1 + d % 4
					     : blk.order - 1 - d % 4;
			free_block(&blk, by_addr, "wrong order");
		}
		break;
	}
	case OP_DOUBLE_FREE: {
		unsigned int k = take_u16(in);

		if ((k & 1) && nr_recent) {
			unsigned long n = nr_recent < RECENT_FREES
						  ? nr_recent
						  : RECENT_FREES;

			free_block(&recent[(k >> 1) % n], by_addr,
				   "double free of a block freed lately");
		} else if ((pfn = pick_pfn(is_free_head, k)) != ULONG_MAX) {
			struct held_block blk = { pfn,
						  (unsigned int)page_private(
							  pfn_to_page(pfn)) };

			free_block(&blk, by_addr,
				   "double free of a free block");
		}
		break;
	}
	case OP_FREE_INSIDE_FREE:
		pfn = pick_pfn(is_free_tail, take_u16(in));
		if (pfn != ULONG_MAX)
			free_pfn(pfn, decode_order(in), by_addr,
				 "double free inside a free block");
		break;
	case OP_FREE_MISALIGNED: {
		unsigned int extra = take_u8(in) % 3;

		pfn = take_u16(in) % max_pfn;
		if (!pfn)
			pfn = 1;
		free_pfn(pfn, (unsigned int)__builtin_ctzl(pfn) + 1 + extra,
			 by_addr, "misaligned");
		break;
	}
	case OP_FREE_MIDDLE: {
		unsigned int k = take_u16(in), whole = take_u8(in) & 1;

		pfn = pick_pfn(is_held_tail, k);
		if (pfn != ULONG_MAX)
			free_pfn(pfn, whole ? held[owner[pfn]].order : 0,
				 by_addr, "middle of a held block");
		break;
	}
	case OP_FREE_RESERVED:
		pfn = pick_pfn(is_reserved, take_u16(in));
		if (pfn != ULONG_MAX)
			free_pfn(pfn, decode_order(in), by_addr, "reserved");
		break;
	case OP_FREE_OUTSIDE:
		op_free_outside(in);
		break;
	case OP_FREE_BAD_ADDR:
		op_free_bad_addr(in);
		break;
	case OP_FREE_NULL: {
		struct call c = { .kind = by_addr ? CALL_FREE_PAGES_ADDR
						  : CALL_FREE_PAGES_PAGE,
				  .order = decode_order(in) };

		run_free(&c, "NULL");
		break;
	}
	case OP_FREE_ANY:
		pfn = take_u16(in) % (max_pfn + 16);
		free_pfn(pfn, decode_order(in), by_addr, "any pfn");
		break;
	case OP_USE_AFTER_FREE:
		op_use_after_free(in);
		break;
	case NR_FUZZ_OPS:
		break;
	}
}

/*
 * Free every held block, then the allocator must be exactly as after boot:
 * the same free counts, and every struct page with the same flags, order
 * and refcount (the fully merged free lists are unique).
 */
static void free_everything(void)
{
	struct buddy_snapshot now;

	while (nr_held) {
		struct held_block blk = held[nr_held - 1];

		free_block(&blk, nr_held & 1, "cleanup");
	}
	take_snapshot(&now); /* drains the per-CPU lists */
	check_counters();
	CHECK(buddy_snapshot_equal(&boot_snap, &now),
	      "after freeing everything the free counts differ from boot");
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++) {
		const struct page *was = &boot_map[pfn], *is = pfn_to_page(pfn);

		CHECK(was->flags == is->flags && was->private == is->private &&
			      was->_refcount == is->_refcount,
		      "after freeing everything pfn %#lx has flags %#x order %lu, at boot %#x order %lu",
		      pfn, is->flags, is->private, was->flags, was->private);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once, before the first input: the reservation every machine's RAM lives
 * in, and where printk() and panic() go. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(fake_ram_reserve(FUZZ_RAM_BYTES),
	      "no address space for host_ram");
	if (verbose())
		printk_echo = stderr;
	fake_panic_handler = unexpected_panic;
	return 0;
}

/* One input: boot its machine, make its calls, free everything. Return: 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };

	decode_machine(&in, &mach);
	if (!machine_bootable(&mach))
		return 0;
	boot_machine(&mach);
	while (input_left(&in))
		run_op(&in);
	free_everything();
	return 0;
}
