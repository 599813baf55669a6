// SPDX-License-Identifier: MIT
/*
 * views.c - the monitor's views of pages and pfns: one struct page decoded
 * (page), every pfn as runs of one kind (pfnmap, memmap), and the free and
 * per-CPU lists (free_area, pcp). They only read; a list is shown up to a
 * fixed count, so a broken one cannot hang the monitor.
 */
#include "commands.h"

#include "cpu.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "monitor_core.h"
#include "multiboot2.h"
#include "paging.h"
#include "printk.h"

#define FREE_AREA_SHOWN 8  /* blocks free_area lists per order */
#define PCP_SHOWN	16 /* pages pcp lists per per-CPU list */

/*
 * The kernel's view of each pfn, for memmap, pfnmap and page
 * (docs/memplot.md): what mem_map says first (free block, per-CPU list or
 * allocated block), then, for a PG_reserved page, why: mem_map itself, the
 * kernel image, a page table, other RAM memblock reserved at boot (first
 * MiB, boot data), or no RAM at all. "memblock-reserved" is the monitor's
 * word for RAM set aside at boot, never the firmware's type "reserved".
 * The kinds from PFN_FREE on have an order.
 */
enum pfn_kind {
	PFN_HOLE,     /* H: not usable RAM in the firmware map */
	PFN_RESERVED, /* R: usable RAM memblock-reserved for another reason */
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

		if (!(e & _PAGE_PRESENT) || pte_is_leaf(e, level))
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
 * "pfnmap: end". Codes: H not RAM, R other memblock-reserved RAM, K kernel
 * image, M mem_map, T page table, P free on a per-CPU list, F<o>/A<o>
 * free/allocated block of order o. v2 is v1 with the code P.
 * tools/memplot draws it; docs/memplot.md is the reference.
 */
#define PFNMAP_VERSION 2

void cmd_pfnmap(int argc, char **argv)
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
 * RAM memblock reserved at boot and kept from the buddy (the kernel image,
 * mem_map, page tables and the rest), and no RAM at all. */
struct page_counts {
	unsigned long free, pcp, alloc, memblock_reserved, not_ram;
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
	case PFN_HOLE:
		c->not_ram += nr_pages;
		break;
	default:
		c->memblock_reserved += nr_pages;
	}
}

/* The kernel's view for memmap: the pages the buddy allocator manages
 * (free, on a per-CPU list, allocated) folded into "buddy" runs. */
static struct pfn_run view;
static struct page_counts view_counts;

static void print_view(void)
{
	static const char *const names[] = {
		[PFN_HOLE] = "not RAM",
		[PFN_RESERVED] = "memblock-reserved",
		[PFN_KERNEL] = "kernel image",
		[PFN_MEM_MAP] = "mem_map",
		[PFN_TABLE] = "page tables",
		[PFN_FREE] = "buddy",
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

void cmd_memmap(int argc, char **argv)
{
	const struct boot_mmap_entry *m;

	(void)argc, (void)argv;
	printk("memmap: %u firmware entries, by the firmware's type; pages: whole pages of the range in mem_map (max_pfn %#lx), memblock-reserved: usable RAM set aside at boot\n",
	       boot_params.nr_mmap, max_pfn);
	collect_table_pfns();
	for_each_mmap_entry (m) {
		const char *name = mb2_mmap_type_name(m->type);
		struct page_counts c;

		if (!m->len)
			continue;
		c = count_pages(PFN_UP(m->addr), PFN_DOWN(m->addr + m->len));
		printk("[mem %#018llx-%#018llx] %-9s free %lu pcp %lu allocated %lu memblock-reserved %lu not-RAM %lu\n",
		       (unsigned long long)m->addr,
		       (unsigned long long)(m->addr + m->len - 1),
		       name ? name : "other", c.free, c.pcp, c.alloc,
		       c.memblock_reserved, c.not_ram);
	}
	printk("kernel image: pfn %#lx-%#lx (memblock-reserved); mem_map: %lu pages of %zu bytes\n",
	       kernel_image_start_pfn, kernel_image_end_pfn - 1, max_pfn,
	       sizeof(struct page));
	printk("what the kernel made of it (pfns 0 to max_pfn):\n");
	view_counts = (struct page_counts){ 0 };
	view.start = 0;
	if (for_each_pfn_run(add_to_view))
		print_view();
}

/*
 * The pfn `page` is asked for by @arg (mon_page_arg() has the forms) in
 * *@pfn; a number read as a physical address by a guess is said so, as a
 * pfn just past mem_map looks the same. Return: true when the pfn is in
 * mem_map; false after printing why not.
 */
static bool page_arg_pfn(const struct mon_cmd *c, const char *arg,
			 unsigned long *pfn)
{
	unsigned long v;
	enum mon_page_arg how =
		mon_page_arg(arg, max_pfn, PAGE_OFFSET, DIRECT_MAP_SIZE, &v);

	switch (how) {
	case MON_PAGE_BAD:
	default:
		printk("page: '%s' is not a number (decimal or 0x-hex, optional K/M/G suffix), with or without pfn: or phys: before it\n",
		       arg);
		usage(c);
		return false;
	case MON_PAGE_NOWHERE:
		printk("page: %#lx is no pfn (max_pfn %#lx), physical address (below %lu TiB) or direct-map address (walk shows where a virtual address maps)\n",
		       v, max_pfn, DIRECT_MAP_SIZE >> 40);
		return false;
	case MON_PAGE_DIRECT_MAP:
		*pfn = PFN_DOWN(v - PAGE_OFFSET);
		return true;
	case MON_PAGE_PFN:
		*pfn = v;
		break;
	case MON_PAGE_PHYS:
	case MON_PAGE_PHYS_GUESSED:
		*pfn = PFN_DOWN(v);
		break;
	}
	if (how == MON_PAGE_PHYS_GUESSED)
		printk("page: %#lx is not below max_pfn (%#lx), so no pfn: read as physical address %#lx (pfn %#lx)%s\n",
		       v, max_pfn, v, *pfn,
		       pfn_valid(*pfn) ? "" : ", which is beyond mem_map");
	else if (!pfn_valid(*pfn) && how == MON_PAGE_PFN)
		printk("page: pfn %#lx is beyond mem_map (max_pfn %#lx)\n", v,
		       max_pfn);
	else if (!pfn_valid(*pfn))
		printk("page: physical address %#lx (pfn %#lx) is beyond mem_map (max_pfn %#lx)\n",
		       v, *pfn, max_pfn);
	return pfn_valid(*pfn);
}

void cmd_page(int argc, char **argv)
{
	/* Why a reserved page is in no block, by its kind. */
	static const char *const reserved_why[] = {
		[PFN_HOLE] = "not RAM",
		[PFN_RESERVED] = "RAM memblock reserved at boot",
		[PFN_KERNEL] = "the kernel image",
		[PFN_MEM_MAP] = "mem_map",
		[PFN_TABLE] = "a page table",
	};
	const struct mon_cmd *c = find_cmd("page");
	unsigned long pfn, next;
	const struct page *page, *head;
	enum pfn_kind kind;
	unsigned int order;

	(void)argc;
	if (!page_arg_pfn(c, argv[1], &pfn))
		return;
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

void cmd_free_area(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("free_area");
	const struct zone *zone;
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
	for_each_populated_zone (zone)
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			if (argc == 1 || o == order)
				show_free_area(zone, o);
}

/* pcp: each populated zone's per-CPU lists (struct per_cpu_pages), the
 * first pages hottest first: the next order-0 allocation takes the first. */
void cmd_pcp(int argc, char **argv)
{
	const struct per_cpu_pages *pcp;
	const struct zone *zone;
	int cpu;

	(void)argc, (void)argv;
	for_each_zone_pcp (zone, cpu, pcp) {
		if (!populated_zone(zone))
			continue;
		printk("pcp: zone %s cpu %d: count %d high %d batch %d\n",
		       zone->name, cpu, pcp->count, pcp->high, pcp->batch);
		show_page_list(&pcp->list, 0, (unsigned long)pcp->count,
			       PCP_SHOWN);
	}
}
