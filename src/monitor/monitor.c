// SPDX-License-Identifier: MIT
/*
 * monitor.c - the serial-console monitor, in the spirit of JOS's K> and
 * gdb's x: commands that show the allocator's state in Linux's formats and
 * drive it by hand. Bad input gets a one-line error and the usage, never a
 * fault: every address is checked against the page tables before a read.
 * Invariant: `held` lists exactly the blocks alloc gave out and free has
 * not yet returned, each at the order it was allocated with.
 */
#include "monitor.h"

#include "cmdline.h"
#include "cpu.h"
#include "gfp.h"
#include "kbench.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "mmzone.h"
#include "monitor_core.h"
#include "multiboot2.h"
#include "paging.h"
#include "power.h"
#include "printk.h"
#include "selftest.h"
#include "serial.h"
#include "string.h"

#define PROMPT		"pagewise> "
#define DUMP_DEFAULT	64	    /* bytes x and xp show without a LEN */
#define DUMP_MAX	4096	    /* bytes x and xp show at most */
#define FREE_AREA_SHOWN 8	    /* blocks free_area lists per order */
#define PCP_SHOWN	16	    /* pages pcp lists per per-CPU list */
#define MAX_HELD	256	    /* blocks the monitor can hold at once */
#define RUN_MAX		CMDLINE_MAX /* bytes of the run="..." script */
#define PTRS_PER_TABLE	512

struct mon_cmd {
	const char *name;
	const char *args;	/* after the name in the usage line */
	const char *help;	/* one line, for `help` */
	const char *example;	/* a whole command line */
	int min_args, max_args; /* words after the name */
	void (*fn)(int argc, char **argv);
};

static const struct mon_cmd *find_cmd(const char *name);

/* struct held_block - a block alloc gave out: its first pfn and order, and
 * its number (#id, counted from 0 at boot, never reused). */
static struct held_block {
	unsigned long pfn;
	unsigned int order;
	gfp_t gfp;
	unsigned int id;
} held[MAX_HELD];
static unsigned int nr_held, next_held_id;

static void usage(const struct mon_cmd *c)
{
	printk("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
}

/* Parse @s as a number for command @c; on error say so, with the usage. */
static bool get_number(const struct mon_cmd *c, const char *s,
		       unsigned long *val)
{
	if (!mon_parse_ulong(s, val))
		return true;
	printk("%s: '%s' is not a number (decimal or 0x-hex, optional K/M/G suffix)\n",
	       c->name, s);
	usage(c);
	return false;
}

static void cmd_help(int argc, char **argv);

static void cmd_meminfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_meminfo();
}

static void cmd_buddyinfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_buddyinfo();
}

static void cmd_zoneinfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_zoneinfo();
}

/*
 * The kernel's view of each pfn, for memmap, pfnmap and page
 * (docs/memplot.md): what mem_map says first (free block, per-CPU list or
 * allocated block), then, for a reserved page, why: mem_map itself, the
 * kernel image, a page table, other RAM the kernel reserved (first MiB,
 * boot data), or no RAM at all. The kinds from PFN_FREE on have an order.
 */
enum pfn_kind {
	PFN_HOLE,     /* H: not usable RAM in the firmware map */
	PFN_RESERVED, /* R: usable RAM reserved for another reason */
	PFN_KERNEL,   /* K: the kernel image */
	PFN_MEM_MAP,  /* M: the struct page array */
	PFN_TABLE,    /* T: a page table of the kernel's */
	PFN_PCP,      /* P: free, on a per-CPU list (PG_pcp, order 0) */
	PFN_FREE,     /* F<order>: in a free block */
	PFN_ALLOC,    /* A<order>: in an allocated block */
};

#define MAX_TABLE_PFNS 4096

/* The page-table pages reachable from CR3, sorted; collected per command. */
static unsigned long table_pfns[MAX_TABLE_PFNS];
static unsigned int nr_table_pfns;
static bool table_pfns_overflow;

static void add_table_pfn(unsigned long pfn);

/* Walk the table at @pa of level @level (4 = PGD) and record every table. */
static void collect_tables(phys_addr_t pa, int level)
{
	const pteval_t *t = __va(pa);

	add_table_pfn(PHYS_PFN(pa));
	if (level == 1)
		return;
	for (unsigned int i = 0; i < PTRS_PER_TABLE; i++) {
		pteval_t e = t[i];

		if (!(e & _PAGE_PRESENT) || (level <= 3 && (e & _PAGE_PSE)))
			continue;
		collect_tables(e & PTE_PFN_MASK, level - 1);
	}
}

static void collect_table_pfns(void)
{
	nr_table_pfns = 0;
	table_pfns_overflow = false;
	collect_tables(read_cr3() & PTE_PFN_MASK, 4);
}

static bool is_table_pfn(unsigned long pfn)
{
	unsigned int lo = 0, hi = nr_table_pfns;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (table_pfns[mid] == pfn)
			return true;
		if (table_pfns[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void add_table_pfn(unsigned long pfn)
{
	unsigned int i;

	if (is_table_pfn(pfn))
		return;
	if (nr_table_pfns == MAX_TABLE_PFNS) {
		table_pfns_overflow = true;
		return;
	}
	for (i = nr_table_pfns; i && table_pfns[i - 1] > pfn; i--)
		table_pfns[i] = table_pfns[i - 1];
	table_pfns[i] = pfn;
	nr_table_pfns++;
}

/* Is the whole page @pfn in usable RAM (memblock.memory, kept read-only
 * after boot)? */
static bool pfn_is_ram(unsigned long pfn)
{
	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];

		if (pfn >= PFN_UP(r->base) && pfn < PFN_DOWN(r->base + r->size))
			return true;
	}
	return false;
}

/*
 * The kind of @pfn and, for a block, its order; *@next gets the first pfn
 * after it that may differ (the end of the block, or pfn + 1). A page
 * table is one collect_table_pfns() found when it last ran.
 */
static enum pfn_kind pfn_kind(unsigned long pfn, unsigned int *order,
			      unsigned long *next)
{
	const struct page *page = pfn_to_page(pfn);
	unsigned long map_start = PHYS_PFN(__pa(mem_map));
	unsigned long map_end =
		PFN_UP(__pa(mem_map) + max_pfn * sizeof(struct page));

	*order = 0;
	*next = pfn + 1;
	if (!PageReserved(page)) {
		const struct page *head = page_block_head(page);

		if (!head)
			return PFN_RESERVED; /* corrupt: verify says more */
		*order = (unsigned int)page_private(head);
		*next = page_to_pfn(head) + (1UL << *order);
		if (PagePcp(head))
			return PFN_PCP;
		return PageBuddy(head) ? PFN_FREE : PFN_ALLOC;
	}
	if (pfn >= map_start && pfn < map_end)
		return PFN_MEM_MAP;
	if (pfn >= kernel_image_start_pfn && pfn < kernel_image_end_pfn)
		return PFN_KERNEL;
	if (is_table_pfn(pfn))
		return PFN_TABLE;
	return pfn_is_ram(pfn) ? PFN_RESERVED : PFN_HOLE;
}

/* One run of pfns of the same kind (and order, for blocks). */
struct pfn_run {
	unsigned long start, end;
	enum pfn_kind kind;
	unsigned int order;
};

/*
 * Call @fn on each maximal run of [0, max_pfn) with one kind and order,
 * in pfn order. Return: the number of runs.
 */
static unsigned long for_each_pfn_run(void (*fn)(const struct pfn_run *r))
{
	struct pfn_run run = { 0, 0, PFN_HOLE, 0 };
	unsigned long nr = 0, pfn = 0;

	collect_table_pfns();
	while (pfn < max_pfn) {
		unsigned int order;
		unsigned long next;
		enum pfn_kind kind = pfn_kind(pfn, &order, &next);

		if (next > max_pfn)
			next = max_pfn;
		if (pfn && (kind != run.kind || order != run.order)) {
			if (fn)
				fn(&run);
			nr++;
			run.start = pfn;
		}
		run.kind = kind;
		run.order = order;
		run.end = next;
		pfn = next;
	}
	if (max_pfn) {
		if (fn)
			fn(&run);
		nr++;
	}
	return nr;
}

static void print_pfnmap_run(const struct pfn_run *r)
{
	static const char codes[] = "HRKMTPFA";

	if (r->kind >= PFN_FREE)
		printk("pfnmap: %#lx %#lx %c%u\n", r->start, r->end,
		       codes[r->kind], r->order);
	else
		printk("pfnmap: %#lx %#lx %c\n", r->start, r->end,
		       codes[r->kind]);
}

/*
 * pfnmap: every pfn's state as runs, "pfnmap: START END CODE" (END
 * exclusive), between a "pfnmap: v2 max_pfn N runs N" header and
 * "pfnmap: end". Codes: H not RAM, R reserved RAM, K kernel image,
 * M mem_map, T page table, P free on a per-CPU list, F<o>/A<o>
 * free/allocated block of order o. v2 is v1 with the code P.
 * tools/memplot draws it; docs/memplot.md is the reference.
 */
#define PFNMAP_VERSION 2

static void cmd_pfnmap(int argc, char **argv)
{
	unsigned long runs;

	(void)argc, (void)argv;
	runs = for_each_pfn_run(NULL);
	printk("pfnmap: v%d max_pfn %#lx runs %lu\n", PFNMAP_VERSION, max_pfn,
	       runs);
	for_each_pfn_run(print_pfnmap_run);
	printk("pfnmap: end\n");
	if (table_pfns_overflow)
		printk("pfnmap: more than %d page tables: some show as R\n",
		       MAX_TABLE_PFNS);
}

/* Pages by state: in free blocks, on per-CPU lists, in allocated blocks,
 * and every other kind (reserved). */
struct page_counts {
	unsigned long free, pcp, alloc, reserved;
};

static void count_run(struct page_counts *c, enum pfn_kind kind,
		      unsigned long nr_pages)
{
	switch (kind) {
	case PFN_FREE:
		c->free += nr_pages;
		break;
	case PFN_PCP:
		c->pcp += nr_pages;
		break;
	case PFN_ALLOC:
		c->alloc += nr_pages;
		break;
	default:
		c->reserved += nr_pages;
	}
}

/* The kernel's view for memmap: the pages the buddy allocator manages
 * (free, on a per-CPU list, allocated) folded into "buddy" runs. */
static struct pfn_run view;
static struct page_counts view_counts;

static void print_view(void)
{
	static const char *const names[] = {
		[PFN_HOLE] = "not RAM",	       [PFN_RESERVED] = "reserved",
		[PFN_KERNEL] = "kernel image", [PFN_MEM_MAP] = "mem_map",
		[PFN_TABLE] = "page tables",   [PFN_FREE] = "buddy",
	};

	if (view.kind == PFN_FREE)
		printk("  [mem %#018llx-%#018llx] buddy: %lu free, %lu pcp, %lu allocated pages\n",
		       (unsigned long long)PFN_PHYS(view.start),
		       (unsigned long long)PFN_PHYS(view.end) - 1,
		       view_counts.free, view_counts.pcp, view_counts.alloc);
	else
		printk("  [mem %#018llx-%#018llx] %s: %lu pages\n",
		       (unsigned long long)PFN_PHYS(view.start),
		       (unsigned long long)PFN_PHYS(view.end) - 1,
		       names[view.kind], view.end - view.start);
}

static void add_to_view(const struct pfn_run *r)
{
	enum pfn_kind kind = r->kind >= PFN_PCP ? PFN_FREE : r->kind;

	if (r->start && kind != view.kind) {
		print_view();
		view.start = r->start;
		view_counts = (struct page_counts){ 0 };
	}
	view.kind = kind;
	view.end = r->end;
	count_run(&view_counts, r->kind, r->end - r->start);
}

/* Pages of [@start_pfn, @end_pfn) in mem_map by pfn_kind(). */
static struct page_counts count_pages(unsigned long start_pfn,
				      unsigned long end_pfn)
{
	struct page_counts c = { 0 };
	unsigned long next;

	if (end_pfn > max_pfn)
		end_pfn = max_pfn;
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn = next) {
		unsigned int order;
		enum pfn_kind kind = pfn_kind(pfn, &order, &next);

		if (next > end_pfn)
			next = end_pfn;
		count_run(&c, kind, next - pfn);
	}
	return c;
}

static void cmd_memmap(int argc, char **argv)
{
	(void)argc, (void)argv;
	printk("memmap: %u firmware entries; pages: whole pages of the range in mem_map (max_pfn %#lx)\n",
	       boot_params.nr_mmap, max_pfn);
	collect_table_pfns();
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		const char *name = mb2_mmap_type_name(m->type);
		struct page_counts c;

		if (!m->len)
			continue;
		c = count_pages(PFN_UP(m->addr), PFN_DOWN(m->addr + m->len));
		printk("[mem %#018llx-%#018llx] %-9s free %lu pcp %lu allocated %lu reserved %lu\n",
		       (unsigned long long)m->addr,
		       (unsigned long long)(m->addr + m->len - 1),
		       name ? name : "other", c.free, c.pcp, c.alloc,
		       c.reserved);
	}
	printk("kernel image: pfn %#lx-%#lx (reserved); mem_map: %lu pages of %zu bytes\n",
	       kernel_image_start_pfn, kernel_image_end_pfn - 1, max_pfn,
	       sizeof(struct page));
	printk("what the kernel made of it (pfns 0 to max_pfn):\n");
	view_counts = (struct page_counts){ 0 };
	view.start = 0;
	if (for_each_pfn_run(add_to_view))
		print_view();
}

static void cmd_page(int argc, char **argv)
{
	/* Why a reserved page is in no block, by its kind. */
	static const char *const reserved_why[] = {
		[PFN_HOLE] = "not RAM",
		[PFN_RESERVED] = "RAM reserved at boot",
		[PFN_KERNEL] = "the kernel image",
		[PFN_MEM_MAP] = "mem_map",
		[PFN_TABLE] = "a page table",
	};
	const struct mon_cmd *c = find_cmd("page");
	unsigned long v, pfn, next;
	const struct page *page, *head;
	enum pfn_kind kind;
	unsigned int order;

	(void)argc;
	if (!get_number(c, argv[1], &v))
		return;
	if (v >= PAGE_OFFSET && v < PAGE_OFFSET + DIRECT_MAP_SIZE)
		pfn = PFN_DOWN(v - PAGE_OFFSET); /* a direct-map address */
	else if (v < max_pfn)
		pfn = v;
	else
		pfn = PFN_DOWN(v); /* a physical address */
	if (!pfn_valid(pfn)) {
		printk("page: %#lx is beyond mem_map (pfn %#lx, max_pfn %#lx)\n",
		       v, pfn, max_pfn);
		return;
	}
	page = pfn_to_page(pfn);
	head = page_block_head(page);
	dump_page(page);
	collect_table_pfns();
	kind = pfn_kind(pfn, &order, &next);
	if (kind == PFN_PCP)
		printk("buddy: none (free, on the per-CPU list of zone %s; drain gives it back to the buddy)\n",
		       page_zone(page)->name);
	else if (head)
		printk("buddy: pfn %#lx (of the order-%lu block at pfn %#lx)\n",
		       page_to_pfn(head) ^ (1UL << page_private(head)),
		       page_private(head), page_to_pfn(head));
	else if (!PageReserved(page))
		printk("buddy: none (not reserved, yet in no block: mid-free, mid-allocation, or a broken mem_map)\n");
	else
		printk("buddy: none (reserved page: %s)\n", reserved_why[kind]);
}

/*
 * Print the first @max pages of @list (linked via page->lru), each as the
 * block of @order it starts, then "... and N more" when the list's own
 * counter @nr says there are more. Only @max entries are read, so a broken
 * list cannot hang the monitor.
 */
static void show_page_list(const struct list_head *list, unsigned int order,
			   unsigned long nr, unsigned long max)
{
	const struct list_head *pos;
	unsigned long shown = 0;

	list_for_each (pos, list) {
		unsigned long pfn =
			page_to_pfn(list_entry(pos, struct page, lru));

		if (shown++ == max)
			break;
		printk("  pfn %#lx-%#lx [mem %#018llx-%#018llx]\n", pfn,
		       pfn + (1UL << order) - 1,
		       (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long long)PFN_PHYS(pfn + (1UL << order)) - 1);
	}
	if (nr > max)
		printk("  ... and %lu more\n", nr - max);
}

static void show_free_area(const struct zone *zone, unsigned int order)
{
	const struct free_area *area = &zone->free_area[order];

	printk("free_area: zone %s order %u nr_free %lu\n", zone->name, order,
	       area->nr_free);
	show_page_list(&area->free_list, order, area->nr_free, FREE_AREA_SHOWN);
}

static void cmd_free_area(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("free_area");
	unsigned long order = 0;

	if (argc > 1) {
		if (!get_number(c, argv[1], &order))
			return;
		if (order > MAX_PAGE_ORDER) {
			printk("free_area: order %lu is above MAX_PAGE_ORDER (%d)\n",
			       order, MAX_PAGE_ORDER);
			usage(c);
			return;
		}
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		if (!zone->managed_pages)
			continue;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			if (argc == 1 || o == order)
				show_free_area(zone, o);
	}
}

/* pcp: each populated zone's per-CPU lists (struct per_cpu_pages), the
 * first pages hottest first: the next order-0 allocation takes the first. */
static void cmd_pcp(int argc, char **argv)
{
	const struct zone *zone;

	(void)argc, (void)argv;
	for_each_zone (zone) {
		if (!populated_zone(zone))
			continue;
		for (int cpu = 0; cpu < NR_CPUS; cpu++) {
			const struct per_cpu_pages *pcp =
				&zone->per_cpu_pageset[cpu];

			printk("pcp: zone %s cpu %d: count %d high %d batch %d\n",
			       zone->name, cpu, pcp->count, pcp->high,
			       pcp->batch);
			show_page_list(&pcp->list, 0, (unsigned long)pcp->count,
				       PCP_SHOWN);
		}
	}
}

static void cmd_drain(int argc, char **argv)
{
	unsigned long listed = nr_pcp_pages();

	(void)argc, (void)argv;
	drain_all_pages(NULL);
	printk("drain: %lu pages from the per-CPU lists back to the buddy\n",
	       listed - nr_pcp_pages());
}

/*
 * Dump [@addr, @addr + @len) as hexdump -C, reading through the virtual
 * address @addr + @delta (@delta: PAGE_OFFSET for xp, 0 for x). Each page
 * is looked up in the page tables before it is read; the dump stops at the
 * first unmapped one.
 */
static void hexdump(const char *what, unsigned long addr, unsigned long len,
		    unsigned long delta)
{
	char line[MON_HEX_LINE_MAX];
	unsigned long mapped_end = addr; /* [addr, mapped_end) checked */

	if (len > DUMP_MAX) {
		printk("%s: length %lu capped at %d bytes\n", what, len,
		       DUMP_MAX);
		len = DUMP_MAX;
	}
	for (unsigned long off = 0; off < len; off += MON_HEX_WIDTH) {
		unsigned long n =
			len - off < MON_HEX_WIDTH ? len - off : MON_HEX_WIDTH;
		unsigned long last = addr + off + n - 1;
		unsigned char bytes[MON_HEX_WIDTH];

		if (last < addr + off) {
			printk("%s: %#lx: the range wraps around the address space\n",
			       what, addr + off);
			return;
		}
		while (mapped_end <= last) {
			int level;
			unsigned long va = mapped_end + delta;

			if (va < delta || !lookup_address(va, &level)) {
				printk("%s: %#lx is not mapped (virtual %#lx: no present entry at level %d)\n",
				       what, mapped_end, va, level);
				return;
			}
			mapped_end = (mapped_end & PAGE_MASK) + PAGE_SIZE;
			if (!mapped_end)
				break; /* the last page of the address space */
		}
		memcpy(bytes, (const void *)(addr + off + delta), n);
		mon_hexdump_line(line, sizeof(line), addr + off, bytes, n);
		printk("%s\n", line);
	}
	printk("%016lx\n", addr + len);
}

static void cmd_x_common(const char *name, int argc, char **argv,
			 unsigned long delta)
{
	const struct mon_cmd *c = find_cmd(name);
	unsigned long addr, len = DUMP_DEFAULT;

	if (!get_number(c, argv[1], &addr) ||
	    (argc > 2 && !get_number(c, argv[2], &len)))
		return;
	if (delta && addr >= DIRECT_MAP_SIZE) {
		printk("xp: %#lx is beyond the direct map (%lu TiB)\n", addr,
		       DIRECT_MAP_SIZE >> 40);
		return;
	}
	hexdump(name, addr, len, delta);
}

static void cmd_x(int argc, char **argv)
{
	cmd_x_common("x", argc, argv, 0);
}

static void cmd_xp(int argc, char **argv)
{
	cmd_x_common("xp", argc, argv, PAGE_OFFSET);
}

static void cmd_walk(int argc, char **argv)
{
	static const char *const names[] = { "PTE", "PMD", "PUD", "PGD" };
	static const char *const page_sizes[] = { "4K", "2M", "1G" };
	const struct mon_cmd *c = find_cmd("walk");
	unsigned long va;
	phys_addr_t table_pa = read_cr3() & PTE_PFN_MASK;
	char flags[64];

	(void)argc;
	if (!get_number(c, argv[1], &va))
		return;
	printk("walk %#lx: CR3 %#llx\n", va, (unsigned long long)table_pa);
	for (int l = 4; l >= 1; l--) {
		unsigned int idx = (va >> (PAGE_SHIFT + 9 * (l - 1))) &
				   (PTRS_PER_TABLE - 1);
		phys_addr_t entry_pa = table_pa + idx * sizeof(pteval_t);
		pteval_t e = *(const pteval_t *)__va(entry_pa);

		mon_pte_flags(flags, sizeof(flags), e, l);
		printk("%s[%3u] at %#018llx: %#018llx %s\n", names[l - 1], idx,
		       (unsigned long long)entry_pa, (unsigned long long)e,
		       flags);
		if (!(e & _PAGE_PRESENT)) {
			printk("walk: %#lx is not mapped (%s not present)\n",
			       va, names[l - 1]);
			return;
		}
		if (l == 1 || (l <= 3 && (e & _PAGE_PSE))) {
			unsigned long size = 1UL << (PAGE_SHIFT + 9 * (l - 1));

			printk("phys: %#018llx (%s page)\n",
			       (unsigned long long)((e & PTE_PFN_MASK &
						     ~(phys_addr_t)(size - 1)) |
						    (va & (size - 1))),
			       page_sizes[l - 1]);
			return;
		}
		table_pa = e & PTE_PFN_MASK;
	}
}

static void cmd_alloc(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("alloc");
	unsigned long order;
	gfp_t gfp = GFP_KERNEL;
	struct page *page;

	if (!get_number(c, argv[1], &order))
		return;
	if (order > MAX_PAGE_ORDER) {
		printk("alloc: order %lu is above MAX_PAGE_ORDER (%d)\n", order,
		       MAX_PAGE_ORDER);
		usage(c);
		return;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "zero")) {
			gfp |= __GFP_ZERO;
		} else if (!strcmp(argv[i], "dma")) {
			gfp |= GFP_DMA;
		} else if (!strcmp(argv[i], "dma32")) {
			gfp |= GFP_DMA32;
		} else {
			printk("alloc: unknown modifier '%s' (zero, dma, dma32)\n",
			       argv[i]);
			usage(c);
			return;
		}
	}
	if ((gfp & GFP_DMA) && (gfp & GFP_DMA32)) {
		printk("alloc: dma and dma32 exclude each other\n");
		usage(c);
		return;
	}
	if (nr_held == MAX_HELD) {
		printk("alloc: the monitor holds %d blocks already; free one first\n",
		       MAX_HELD);
		return;
	}
	page = alloc_pages(gfp, (unsigned int)order);
	if (!page) {
		printk("alloc: order %lu gfp %#x: failed (no block)\n", order,
		       gfp);
		return;
	}
	held[nr_held] =
		(struct held_block){ page_to_pfn(page), (unsigned int)order,
				     gfp, next_held_id++ };
	printk("alloc: order %lu gfp %#x: pfn %#lx [mem %#018llx-%#018llx] zone %s, held as #%u\n",
	       order, gfp, page_to_pfn(page),
	       (unsigned long long)page_to_phys(page),
	       (unsigned long long)page_to_phys(page) + (PAGE_SIZE << order) -
		       1,
	       page_zone(page)->name, held[nr_held].id);
	nr_held++;
}

/* Give back held block @i and forget it; the others keep their order. */
static void free_held(unsigned int i)
{
	unsigned long pfn = held[i].pfn;
	unsigned int order = held[i].order;

	__free_pages(pfn_to_page(pfn), order);
	printk("free: #%u pfn %#lx order %u [mem %#018llx-%#018llx] freed\n",
	       held[i].id, pfn, order, (unsigned long long)PFN_PHYS(pfn),
	       (unsigned long long)PFN_PHYS(pfn + (1UL << order)) - 1);
	nr_held--;
	for (; i < nr_held; i++)
		held[i] = held[i + 1];
}

/* free #ID, or free ADDR ORDER: only blocks the monitor holds. */
static void cmd_free(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("free");
	unsigned long addr, order, pfn, id;

	if (argc == 2) {
		if (argv[1][0] != '#' || mon_parse_ulong(argv[1] + 1, &id)) {
			printk("free: '%s' is not #ID (a number allocs shows)\n",
			       argv[1]);
			usage(c);
			return;
		}
		for (unsigned int i = 0; i < nr_held; i++)
			if (held[i].id == id) {
				free_held(i);
				return;
			}
		printk("free: the monitor holds no block #%lu (allocs lists them)\n",
		       id);
		return;
	}
	if (!get_number(c, argv[1], &addr) || !get_number(c, argv[2], &order))
		return;
	pfn = PFN_DOWN(addr >= PAGE_OFFSET ? addr - PAGE_OFFSET : addr);
	for (unsigned int i = 0; i < nr_held; i++) {
		if (held[i].pfn != pfn)
			continue;
		if (held[i].order != order || (addr & ~PAGE_MASK)) {
			printk("free: %#lx: the monitor holds pfn %#lx at order %u: say free %#llx %u\n",
			       addr, pfn, held[i].order,
			       (unsigned long long)PFN_PHYS(pfn),
			       held[i].order);
			return;
		}
		free_held(i);
		return;
	}
	printk("free: %#lx is not a block the monitor holds (allocs lists them)\n",
	       addr);
}

static void cmd_allocs(int argc, char **argv)
{
	(void)argc, (void)argv;
	printk("allocs: %u blocks held\n", nr_held);
	for (unsigned int i = 0; i < nr_held; i++)
		printk("#%u pfn %#lx order %u [mem %#018llx-%#018llx] gfp %#x zone %s\n",
		       held[i].id, held[i].pfn, held[i].order,
		       (unsigned long long)PFN_PHYS(held[i].pfn),
		       (unsigned long long)PFN_PHYS(held[i].pfn +
						    (1UL << held[i].order)) -
			       1,
		       held[i].gfp, page_zone(pfn_to_page(held[i].pfn))->name);
}

static void cmd_selftest(int argc, char **argv)
{
	(void)argc, (void)argv;
	printk("selftest: %s\n", run_selftests() ? "FAILED" : "all passed");
}

static void cmd_verify(int argc, char **argv)
{
	unsigned long problems = buddy_verify();

	(void)argc, (void)argv;
	printk("verify: %lu problems%s\n", problems,
	       problems ? "" : " (every free-list invariant holds)");
}

/* bench [order0|mixed|zero|all] [N]: src/kbench.c does the work. */
static void cmd_bench(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("bench");
	unsigned int mask = KBENCH_ALL;
	unsigned long ops = 0;

	if (argc > 1 && !(mask = kbench_workload(argv[1]))) {
		printk("bench: unknown workload '%s' (order0, mixed, zero, all)\n",
		       argv[1]);
		usage(c);
		return;
	}
	if (argc > 2) {
		if (!get_number(c, argv[2], &ops))
			return;
		if (!ops || ops > KBENCH_MAX_OPS) {
			printk("bench: N must be 1 to %lu\n", KBENCH_MAX_OPS);
			usage(c);
			return;
		}
	}
	kbench_run(mask, ops);
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_power_off();
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_restart();
}

static const struct mon_cmd commands[] = {
	{ "help", "[CMD]", "list the commands, or show one's usage", "help x",
	  0, 1, cmd_help },
	{ "meminfo", "", "memory totals, as /proc/meminfo", "meminfo", 0, 0,
	  cmd_meminfo },
	{ "buddyinfo", "", "free blocks per zone and order, as /proc/buddyinfo",
	  "buddyinfo", 0, 0, cmd_buddyinfo },
	{ "zoneinfo", "",
	  "each zone's counters and watermarks, as /proc/zoneinfo", "zoneinfo",
	  0, 0, cmd_zoneinfo },
	{ "memmap", "",
	  "the firmware memory map, with the pages of each range by state, then what the kernel made of it",
	  "memmap", 0, 0, cmd_memmap },
	{ "pfnmap", "",
	  "every pfn's state as runs, for tools/memplot (docs/memplot.md)",
	  "pfnmap", 0, 0, cmd_pfnmap },
	{ "page", "PFN|ADDR",
	  "a struct page decoded (below max_pfn: a pfn; else an address)",
	  "page 0x1000", 1, 1, cmd_page },
	{ "free_area", "[ORDER]",
	  "the blocks on the free lists (8 per order, then a count)",
	  "free_area 10", 0, 1, cmd_free_area },
	{ "pcp", "",
	  "each zone's per-CPU lists of free order-0 pages: count, high, batch, the first 16 pages (hottest first)",
	  "pcp", 0, 0, cmd_pcp },
	{ "drain", "",
	  "give every page on the per-CPU lists back to the buddy lists (drain_all_pages)",
	  "drain", 0, 0, cmd_drain },
	{ "x", "VADDR [LEN]",
	  "hex dump of virtual memory (LEN bytes, 64 by default)",
	  "x 0xffff888000100000 32", 1, 2, cmd_x },
	{ "xp", "PADDR [LEN]",
	  "hex dump of physical memory, read via the direct map",
	  "xp 0x100000 32", 1, 2, cmd_xp },
	{ "walk", "VADDR", "the page-table walk of VADDR, level by level",
	  "walk 0xffff888000100000", 1, 1, cmd_walk },
	{ "alloc", "ORDER [zero|dma|dma32]...",
	  "allocate 2^ORDER pages and hold them", "alloc 3 zero dma32", 1, 3,
	  cmd_alloc },
	{ "free", "ADDR ORDER | #ID", "free a block the monitor holds",
	  "free 0x1234000 3", 1, 2, cmd_free },
	{ "allocs", "", "the blocks the monitor holds", "allocs", 0, 0,
	  cmd_allocs },
	{ "selftest", "", "run the boot self-test again (KTAP)", "selftest", 0,
	  0, cmd_selftest },
	{ "verify", "", "check every allocator invariant (buddy_verify)",
	  "verify", 0, 0, cmd_verify },
	{ "bench", "[order0|mixed|zero|all] [N]",
	  "time N alloc+free pairs of each workload in TSC cycles (default N 100000, mixed 20000)",
	  "bench order0 10000", 0, 2, cmd_bench },
	{ "poweroff", "", "power the machine off", "poweroff", 0, 0,
	  cmd_poweroff },
	{ "reboot", "", "restart the machine", "reboot", 0, 0, cmd_reboot },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct mon_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void cmd_help(int argc, char **argv)
{
	const struct mon_cmd *c;

	if (argc == 1) {
		for (size_t i = 0; i < NR_COMMANDS; i++)
			printk("%-10s %s\n", commands[i].name,
			       commands[i].help);
		return;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		printk("help: no command '%s'\n", argv[1]);
		usage(find_cmd("help"));
		return;
	}
	usage(c);
	printk("%s\nexample: %s\n", c->help, c->example);
}

/* Run one command line (cut up in place). */
static void run_line(char *line)
{
	char *argv[MON_MAX_ARGS];
	int argc = mon_split(line, argv, MON_MAX_ARGS);
	const struct mon_cmd *c;

	if (!argc)
		return;
	c = find_cmd(argv[0]);
	if (!c) {
		printk("%s: unknown command\n", argv[0]);
		usage(find_cmd("help"));
		return;
	}
	if (argc < 0 || argc - 1 < c->min_args || argc - 1 > c->max_args) {
		printk("%s: wrong number of arguments\n", c->name);
		usage(c);
		return;
	}
	c->fn(argc, argv);
}

static void console_write(const char *s, size_t len)
{
	serial_write(s, len);
}

static struct mon_line line;

/* run="cmd; cmd": each command echoed after the prompt, then run. */
static void run_script(void)
{
	char script[RUN_MAX], cmd[MON_LINE_MAX];
	const char *p = script;

	if (!cmdline_value("run", script, sizeof(script)))
		return;
	while ((p = mon_next_command(p, cmd, sizeof(cmd)))) {
		printk(PROMPT "%s\n", cmd);
		mon_history_add(&line, cmd);
		run_line(cmd);
	}
}

void monitor_run(void)
{
	mon_line_init(&line, console_write);
	run_script();
	for (;;) {
		enum mon_feed r;

		printk(PROMPT);
		do
			r = mon_line_feed(&line, serial_getc());
		while (r == MON_MORE);
		if (r == MON_ENTER)
			run_line(line.buf);
	}
}
