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

#define PHYS_PFN(pa)  ((unsigned long)((pa) >> PAGE_SHIFT))
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PFN_UP(x)     ((unsigned long)(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define PFN_DOWN(x)   ((unsigned long)((x) >> PAGE_SHIFT))

/* pfn_valid() - does mem_map hold a struct page for @pfn? (holes included) */
static inline bool pfn_valid(unsigned long pfn)
{
	return mem_map && pfn < max_pfn;
}

/* pfn_to_page() - the struct page of page frame @pfn, in mem_map[]. */
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

/* page_to_pfn() - the page frame number of @page, which is in mem_map[]. */
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

static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

/* page_to_virt() / page_address() - the page's direct-map address. */
static inline void *page_to_virt(const struct page *page)
{
	return __va(page_to_phys(page));
}

static inline void *page_address(const struct page *page)
{
	return page_to_virt(page);
}

/* virt_to_page() - struct page of direct-map address @va (no checks). */
static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(PHYS_PFN(__pa(va)));
}

/*
 * virt_addr_valid() - is @va a direct-map address of a pfn that mem_map
 * describes? As Linux's virt_addr_valid().
 */
static inline bool virt_addr_valid(const void *va)
{
	return virt_in_direct_map(va) && pfn_valid(PHYS_PFN(__pa(va)));
}

/* page_zone() - the zone @page belongs to (see pfn_zonenum()). */
static inline struct zone *page_zone(const struct page *page)
{
	return &contig_page_data.node_zones[pfn_zonenum(page_to_pfn(page))];
}

/*
 * mm_core_init() - build mem_map over pfns [0, PFN_DOWN(memblock end)),
 * with every page reserved, then hand every page memblock holds free to the
 * buddy allocator and retire memblock. Prints the "Memory:" line.
 * Context: boot, once, after the direct map covers all of memblock.memory.
 * Panics with a clear message if mem_map does not fit in memory.
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

/*
 * mm_break_report() - print "bochs-break: @point: <@fmt...>" for the armed
 * point @bit (MM_BREAK_*) and count the event; disarm @bit from
 * mm_break_mask once it has fired mm_break_limit times. Called only through
 * mm_break_point(), after the mask test. Return: nothing.
 */
void mm_break_report(unsigned int bit, const char *point, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * mm_break_point() - at named point @name (a bare word, e.g. split), if @bit
 * is armed: report with printf-style @fmt, then BOCHS_BREAK(@name).
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

/*
 * dump_page() - print @page decoded, as Linux's dump_page(): its pfn,
 * physical address, refcount, order, zone, flags by name, and the block it
 * belongs to when it is a tail page. Two or three lines, no prefix.
 */
void dump_page(const struct page *page);

/*
 * page_block_head() - the first page of the free or allocated block that
 * contains @page, or NULL when @page is reserved or in no block (corrupt).
 */
struct page *page_block_head(const struct page *page);

/*
 * free_reserved_area() - give the reserved pages of [@start, @end) (virtual
 * addresses of RAM, rounded inward to whole pages) to the buddy allocator,
 * for memory that was only needed during boot. With @poison in 0..0xff the
 * pages are filled with it first. A page in the range that is not reserved
 * is reported and skipped, never freed twice. Prints "Freeing @s memory:
 * NK" unless @s is NULL. Return: the number of pages freed.
 * As Linux's mm/page_alloc.c free_reserved_area().
 */
unsigned long free_reserved_area(void *start, void *end, int poison,
				 const char *s);

/*
 * drain_all_pages() - give every page on the per-CPU lists of @zone (all
 * zones when NULL) back to the buddy lists, where they merge. As Linux's
 * drain_all_pages(). nr_pcp_pages() - how many pages those lists hold now.
 */
void drain_all_pages(struct zone *zone);
unsigned long nr_pcp_pages(void);

/*
 * Totals in pages, as Linux's totalram_pages() and nr_free_pages(), except
 * that our nr_free_pages() counts the pages on the per-CPU lists too
 * (Linux's leaves them out), so that MemFree is every free page.
 */
unsigned long totalram_pages(void);
unsigned long nr_free_pages(void);
/* Pages of RAM in the memory map (present), reserved = present - managed. */
unsigned long totalpresent_pages(void);

/*
 * si_mem_available() - pages an allocation can still get without eating
 * into the reserves: free pages less totalreserve_pages (no page cache to
 * add back here). As Linux's si_mem_available(), MemAvailable in meminfo.
 */
unsigned long si_mem_available(void);

/* Reports on the console in Linux's formats. */
void show_meminfo(void);      /* MemTotal/MemFree/MemAvailable, /proc/meminfo */
void show_buddyinfo(void);    /* one line per populated zone, /proc/buddyinfo */
void show_zoneinfo(void);     /* each zone's counters and watermarks, as
			      /proc/zoneinfo (the fields we have) */
void show_mem_map_info(void); /* size of mem_map and bytes per page */

/*
 * buddy_verify() - walk mem_map and the free lists and check every invariant
 * in mm_types.h and mmzone.h: free blocks aligned, PG_buddy with their order,
 * none left unmerged with a free buddy of the same order in the same zone,
 * nr_free and free_pages match the lists, no two blocks overlap, no block
 * crosses a zone limit or lies outside its zone, and per zone: free +
 * allocated = managed, reserved + managed = the zone's pfns in mem_map,
 * managed <= present <= spanned, min <= low <= high; the totals are the
 * zones' sums. Prints the first 20 problems found, then how many there
 * were in all.
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
void buddy_snapshot(struct buddy_snapshot *s);
bool buddy_snapshot_equal(const struct buddy_snapshot *a,
			  const struct buddy_snapshot *b);

#endif
