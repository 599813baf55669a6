/* SPDX-License-Identifier: MIT */
/*
 * mm.h - mem_map and the conversions between pfn, struct page, physical and
 * direct-map virtual addresses, with Linux's names (FLATMEM model: mem_map
 * is one array indexed by pfn, from pfn 0 up to max_pfn).
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "mmzone.h"

/* _RET_IP_ - the address the current function returns to (its caller). */
#define _RET_IP_ ((unsigned long)__builtin_return_address(0))

extern struct page *mem_map;  /* max_pfn entries; mem_map[pfn] describes pfn */
extern unsigned long max_pfn; /* one past the highest pfn of RAM */

/* Bytes <-> pfns: PHYS_PFN() and PFN_DOWN() round an address or size in
 * bytes down to whole pages, PFN_UP() rounds up; PFN_PHYS() is the physical
 * address of a pfn's first byte. As Linux's include/linux/pfn.h. */
#define PHYS_PFN(pa)  ((unsigned long)((pa) >> PAGE_SHIFT))
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PFN_UP(x)     ((unsigned long)(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define PFN_DOWN(x)   ((unsigned long)((x) >> PAGE_SHIFT))

/**
 * pfn_valid() - does mem_map hold a struct page for this pfn?
 * @pfn: a page frame number.
 *
 * True for every pfn below max_pfn, holes and reserved pages included (as
 * Linux's FLATMEM pfn_valid()); false for all before mm_core_init().
 *
 * Context: any.
 * Return: true if mem_map[@pfn] exists.
 */
static inline bool pfn_valid(unsigned long pfn)
{
	return mem_map && pfn < max_pfn;
}

/**
 * pfn_to_page() - the struct page of a page frame.
 * @pfn: a page frame number below max_pfn (not checked: see pfn_valid()).
 *
 * As Linux's FLATMEM pfn_to_page(), include/asm-generic/memory_model.h.
 *
 * Context: after mm_core_init() (mem_map exists).
 * Return: &mem_map[@pfn].
 */
static inline struct page *pfn_to_page(unsigned long pfn)
{
	/* LAB 2 BEGIN pfn_to_page: mem_map[] holds one struct page per pfn,
	 * from pfn 0 (docs/labs/lab2.md).
	 * STUB:
	 *	(void)pfn;
	 *	lab_stop(2, "pfn_to_page");
	 */
	return mem_map + pfn;
	/* LAB 2 END */
}

/**
 * page_to_pfn() - the page frame number of a struct page.
 * @page: a struct page in mem_map[] (not checked).
 *
 * The inverse of pfn_to_page(). As Linux's FLATMEM page_to_pfn(),
 * include/asm-generic/memory_model.h.
 *
 * Context: after mm_core_init() (mem_map exists).
 * Return: the index of @page in mem_map[].
 */
static inline unsigned long page_to_pfn(const struct page *page)
{
	/* LAB 2 BEGIN page_to_pfn: the inverse of pfn_to_page().
	 * STUB:
	 *	(void)page;
	 *	lab_stop(2, "page_to_pfn");
	 */
	return (unsigned long)(page - mem_map);
	/* LAB 2 END */
}

/**
 * page_to_phys() - the physical address of a page.
 * @page: a struct page in mem_map[] (not checked).
 *
 * As Linux's x86 page_to_phys().
 *
 * Context: after mm_core_init() (mem_map exists).
 * Return: the address in bytes of the page's first byte, page-aligned.
 */
static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

/**
 * page_to_virt() - the direct-map virtual address of a page.
 * @page: a struct page in mem_map[] (not checked).
 *
 * As Linux's page_to_virt(): __va(page_to_phys(@page)).
 *
 * Context: after mm_core_init() and paging_init() (the direct map covers
 * all RAM).
 * Return: the page's first byte in the direct map, page-aligned.
 */
static inline void *page_to_virt(const struct page *page)
{
	return __va(page_to_phys(page));
}

/**
 * page_address() - the direct-map virtual address of a page.
 * @page: a struct page in mem_map[] (not checked).
 *
 * The same as page_to_virt(): every page is in the direct map (no
 * highmem). As Linux's include/linux/mm.h page_address().
 *
 * Context: after mm_core_init() and paging_init().
 * Return: the page's first byte in the direct map, page-aligned.
 */
static inline void *page_address(const struct page *page)
{
	return page_to_virt(page);
}

/**
 * virt_to_page() - the struct page of a direct-map address.
 * @va: a direct-map virtual address; any byte of the page (not checked:
 * see virt_addr_valid()).
 *
 * As Linux's x86 virt_to_page().
 *
 * Context: after mm_core_init() (mem_map exists).
 * Return: the struct page of the page holding @va.
 */
static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(PHYS_PFN(__pa(va)));
}

/**
 * virt_addr_valid() - is this a direct-map address that mem_map describes?
 * @va: any virtual address, any alignment.
 *
 * As Linux's x86 virt_addr_valid(); the check to make before
 * virt_to_page() on an address from outside.
 *
 * Context: any (false for all before mm_core_init()).
 * Return: true if @va lies in the direct map at a pfn below max_pfn.
 */
static inline bool virt_addr_valid(const void *va)
{
	return virt_in_direct_map(va) && pfn_valid(PHYS_PFN(__pa(va)));
}

/**
 * page_zone() - the zone a page belongs to.
 * @page: a struct page in mem_map[] (not checked).
 *
 * Computed from the pfn and the zone limits (pfn_zonenum()); Linux keeps
 * the zone number in page->flags instead. As Linux's include/linux/mm.h
 * page_zone().
 *
 * Context: after mm_core_init() (mem_map exists).
 * Return: the zone in contig_page_data.node_zones[].
 */
static inline struct zone *page_zone(const struct page *page)
{
	return &contig_page_data.node_zones[pfn_zonenum(page_to_pfn(page))];
}

/**
 * mm_core_init() - build mem_map and start the buddy allocator.
 *
 * Builds mem_map over pfns [0, PFN_DOWN(memblock_end_of_DRAM())), with
 * every page reserved, sets up the zones, hands every page memblock holds
 * free to the buddy allocator (in the largest aligned blocks that fit) and
 * retires memblock; then the watermarks, and the "Memory:" line. Linux
 * builds mem_map in free_area_init() and frees memblock's pages in
 * memblock_free_all(), called from mm/mm_init.c mm_core_init().
 *
 * Context: boot, once, after the direct map covers all of memblock.memory.
 * Panics with a clear message when there is no RAM, when mem_map does not
 * fit in memory, or when no page is left for the buddy allocator.
 */
void mm_core_init(void);

/*
 * struct mm_image_sizes - the kernel image's parts in bytes, for the
 * "Memory:" line; the arch fills it (zero on the host).
 */
struct mm_image_sizes {
	unsigned long text, rwdata, rodata, init, bss;
};
extern struct mm_image_sizes mm_image_sizes;

/*
 * The kernel image's pfns [start, end), which are reserved; a free of one is
 * reported as a kernel-image page. The arch sets them before mm_core_init()
 * (both 0 when unknown, as on the host unless a test sets them).
 */
extern unsigned long kernel_image_start_pfn, kernel_image_end_pfn;

/*
 * Debug policies, set from the kernel command line before mm_core_init() (or
 * directly by host tests):
 *   mm_debug=panic   a bad-page report is followed by a panic;
 *   mm_debug=verify  buddy_verify() runs after every allocation and free
 *                    (O(max_pfn) each: for small machines and tests), and a
 *                    problem found panics;
 *   mm_debug=panic,verify  both.
 *   page_poison=1    freed pages are filled with PAGE_POISON and checked
 *                    when allocated again (Linux's page_poison=1).
 */
#define MM_DEBUG_PANIC	0x1u
#define MM_DEBUG_VERIFY 0x2u
extern unsigned int mm_debug;
extern bool page_poisoning_enabled;
/* PAGE_POISON - the byte freed pages hold under page_poison=1, as Linux. */
#define PAGE_POISON 0xaa

/*
 * Magic breakpoints in the buddy allocator (README "Magic breakpoints"):
 *   MM_BREAK_SPLIT  expand() moves the upper half of a block to a lower
 *                   free_area (one event per half);
 *   MM_BREAK_MERGE  __free_one_page() joins a block with its free buddy
 *                   (one event per order climbed).
 * mm_break_mask holds the armed points (0 by default: the fast path is one
 * predictable branch); the arch sets it from break= on the command line, the
 * host tests directly. An armed point prints "bochs-break: split: ..." and
 * runs the seam's BOCHS_BREAK() (kernel: xchg bx, bx, which stops Bochs;
 * host: nothing); after mm_break_limit events it disarms itself, as the
 * buddy splits and merges thousands of times during boot. The bit values
 * are the arch's break= bits (src/arch/x86_64/bochs_break.h).
 */
#define MM_BREAK_SPLIT 0x10u
#define MM_BREAK_MERGE 0x20u
extern unsigned int mm_break_mask;
extern unsigned long mm_break_limit; /* events per point; 1 by default */
extern unsigned long
	mm_break_fired[2]; /* events reported: [0] split, [1] merge */

/**
 * mm_break_report() - report a magic breakpoint and count it.
 * @bit: the armed point, MM_BREAK_SPLIT or MM_BREAK_MERGE.
 * @point: its name as printed ("split", "merge").
 * @fmt: printf-style format of the rest of the line (cut at 159 bytes).
 * @...: its arguments.
 *
 * Prints "bochs-break: @point: <@fmt...>" and counts the event in
 * mm_break_fired[]; disarms @bit from mm_break_mask once it has fired
 * mm_break_limit times. Called only through mm_break_point(), after the
 * mask test. Ours; Linux has no such hook.
 *
 * Context: inside the buddy allocator; no lock (one CPU, interrupts off).
 */
void mm_break_report(unsigned int bit, const char *point, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * mm_break_point() - a magic breakpoint in the buddy allocator.
 * @bit: the point's MM_BREAK_* bit in mm_break_mask.
 * @name: the point's name, a bare word (split, merge).
 * @fmt: printf-style format of the report line.
 * @...: its arguments.
 *
 * If @bit is armed: mm_break_report(), then BOCHS_BREAK(@name), which stops
 * Bochs's debugger (nothing under QEMU or on the host). When it is not, one
 * predicted branch.
 */
#define mm_break_point(bit, name, fmt, ...)                                \
	do {                                                               \
		if (unlikely(mm_break_mask & (bit))) {                     \
			mm_break_report((bit), #name, fmt, ##__VA_ARGS__); \
			BOCHS_BREAK(name);                                 \
		}                                                          \
	} while (0)

/*
 * mm_bad_page_reports - how many bad-page reports have been printed (bad
 * frees, bad gfp or order, poison overwritten). Tests compare it around a
 * misuse to prove exactly one report came out.
 */
extern unsigned long mm_bad_page_reports;

/**
 * dump_page() - print a struct page decoded.
 * @page: a struct page in mem_map[] (not checked).
 *
 * Its pfn, physical address, refcount, order, zone, flags by name, and the
 * block it belongs to when it is a tail page: two or three lines, no
 * prefix. Reads only. As Linux's mm/debug.c dump_page().
 *
 * Context: after mm_core_init(); any, including a bad-page report.
 */
void dump_page(const struct page *page);

/**
 * page_block_head() - the first page of the block that contains a page.
 * @page: a struct page in mem_map[] (not checked).
 *
 * Looks at the pfns @page would have as its head at each order, for a free
 * (PG_buddy), per-CPU (PG_pcp) or allocated (PG_head) head of that order.
 * Reads only. Ours.
 *
 * Context: after mm_core_init().
 * Return: the head page of the free or allocated block holding @page
 * (@page itself for a head), or NULL when @page is reserved or in no block
 * (the lists are corrupt).
 */
struct page *page_block_head(const struct page *page);

/**
 * free_reserved_area() - give reserved boot memory to the buddy allocator.
 * @start: direct-map address of the range's start; rounded up to a page.
 * @end: direct-map address one past its end; rounded down to a page, and
 * cut at max_pfn.
 * @poison: a byte value 0..0xff to fill each page with first; any other
 * value (e.g. -1) fills nothing.
 * @s: what the memory was, for the "Freeing @s memory: NK" line; NULL
 * prints no line.
 *
 * For memory that was only needed during boot. A page in the range that is
 * not reserved is reported and skipped, never freed twice. As Linux's
 * mm/page_alloc.c free_reserved_area().
 *
 * Context: after mm_core_init(); no lock (one CPU, interrupts off).
 * Return: the number of pages freed; 0 when the range holds no whole page.
 */
unsigned long free_reserved_area(void *start, void *end, int poison,
				 const char *s);

/**
 * drain_all_pages() - empty the per-CPU lists into the buddy lists.
 * @zone: the zone whose lists to drain; NULL: every zone.
 *
 * Every page on those lists goes back to the buddy lists, where it merges.
 * As Linux's mm/page_alloc.c drain_all_pages().
 *
 * Context: after mm_core_init(); no lock (one CPU, interrupts off).
 */
void drain_all_pages(struct zone *zone);

/**
 * nr_pcp_pages() - the free pages on the per-CPU lists.
 *
 * Ours; nr_free_pages() adds them in.
 *
 * Context: any.
 * Return: the pages on every per-CPU list of every zone now.
 */
unsigned long nr_pcp_pages(void);

/**
 * totalram_pages() - the pages the buddy allocator manages.
 *
 * MemTotal in meminfo. As Linux's include/linux/mm.h totalram_pages().
 *
 * Context: any (0 before mm_core_init()).
 * Return: the sum of the zones' managed_pages, in pages.
 */
unsigned long totalram_pages(void);

/**
 * nr_free_pages() - the free pages, wherever they are.
 *
 * MemFree in meminfo. As Linux's nr_free_pages(), except that ours counts
 * the pages on the per-CPU lists too (Linux's leaves them out), so that
 * MemFree is every free page.
 *
 * Context: any (0 before mm_core_init()).
 * Return: the zones' free_pages plus nr_pcp_pages(), in pages.
 */
unsigned long nr_free_pages(void);

/**
 * totalpresent_pages() - the pages of RAM in the firmware's memory map.
 *
 * Reserved pages are totalpresent_pages() - totalram_pages(). Ours, for
 * the "Memory:" line, where Linux counts with get_num_physpages().
 *
 * Context: any (0 before mm_core_init()).
 * Return: the sum of the zones' present_pages, in pages.
 */
unsigned long totalpresent_pages(void);

/**
 * si_mem_available() - the pages an allocation can still get.
 *
 * Free pages less totalreserve_pages, so without eating into the reserves
 * (no page cache to add back here). MemAvailable in meminfo. As Linux's
 * si_mem_available().
 *
 * Context: any.
 * Return: nr_free_pages() - totalreserve_pages, in pages; 0 when the free
 * pages do not exceed the reserve.
 */
unsigned long si_mem_available(void);

/**
 * show_meminfo() - print MemTotal, MemFree and MemAvailable.
 *
 * In the format of Linux's /proc/meminfo (fs/proc/meminfo.c), in kB.
 *
 * Context: after mm_core_init(); reads only.
 */
void show_meminfo(void);

/**
 * show_buddyinfo() - print each populated zone's free blocks per order.
 *
 * One line per zone as Linux's /proc/buddyinfo (mm/vmstat.c
 * frag_show_print()), then ours: one "free_pcp:" line with each zone's
 * pages on its per-CPU lists, so that the lines add up to MemFree.
 *
 * Context: after mm_core_init(); reads only.
 */
void show_buddyinfo(void);

/**
 * show_zoneinfo() - print each zone's counters and watermarks.
 *
 * As Linux's /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print()), the
 * fields we have, plus "reserved" (present - managed), which Linux lacks.
 *
 * Context: after mm_core_init(); reads only.
 */
void show_zoneinfo(void);

/**
 * show_mem_map_info() - print the size of mem_map and its bytes per page.
 *
 * Ours: one "mm: mem_map:" line with the overhead in percent of RAM.
 *
 * Context: after mm_core_init(); reads only.
 */
void show_mem_map_info(void);

/**
 * buddy_verify() - walk mem_map and the free lists and check every invariant
 * in mm_types.h and mmzone.h: free blocks aligned, PG_buddy with their order,
 * none left unmerged with a free buddy of the same order in the same zone,
 * nr_free and free_pages match the lists, no two blocks overlap, no block
 * crosses a zone limit or lies outside its zone, and per zone: free +
 * allocated = managed, reserved + managed = the zone's pfns in mem_map,
 * managed <= present <= spanned, min <= low <= high; the totals are the
 * zones' sums. Prints the first 20 problems found, then how many there
 * were in all. Reads only. Ours.
 *
 * Context: after mm_core_init(); O(max_pfn).
 * Return: the number of problems (0 when all holds).
 */
unsigned long buddy_verify(void);

/*
 * struct buddy_snapshot - the allocator's counters at one moment: free pages
 * and nr_free of every order, in all and per zone, for "is everything back
 * as it was?" checks. buddy_snapshot() only reads: pages on the per-CPU
 * lists count as free but stay unmerged there, so callers that compare
 * nr_free drain first (drain_all_pages()).
 */
struct buddy_snapshot {
	unsigned long free_pages;	       /* all zones */
	unsigned long nr_free[NR_PAGE_ORDERS]; /* all zones, per order */
	unsigned long zone_free[MAX_NR_ZONES];
	unsigned long zone_nr_free[MAX_NR_ZONES][NR_PAGE_ORDERS];
};

/**
 * buddy_snapshot() - record the allocator's counters.
 * @s: where to write them.
 *
 * Drains the per-CPU lists first (drain_all_pages()), so that every free
 * page is counted merged on the buddy lists. Ours, for tests.
 *
 * Context: after mm_core_init(). It empties the per-CPU lists into the
 * buddy lists; it changes nothing else.
 */
void buddy_snapshot(struct buddy_snapshot *s);

/**
 * buddy_snapshot_equal() - compare two snapshots.
 * @a: one, from buddy_snapshot().
 * @b: the other.
 *
 * Context: any.
 * Return: true if every counter of @a equals @b's.
 */
bool buddy_snapshot_equal(const struct buddy_snapshot *a,
			  const struct buddy_snapshot *b);

#endif
