// SPDX-License-Identifier: MIT
/*
 * debug_page_alloc.c - what the allocator says when something is wrong: the
 * bad-page reports (a caller's misuse, refused with nothing changed), the
 * warning of a failed allocation, page poisoning (page_poison=1), the
 * mm_debug policies, and the Bochs magic breakpoints of split and merge.
 * The checks that call these are inline on the fast paths (internal.h);
 * everything here is out of line, and only runs when a check fails or a
 * debug option is on.
 */
#define pr_fmt(fmt) "buddy: " fmt

#include "internal.h"

unsigned int mm_debug;
bool page_poisoning_enabled;
unsigned long mm_bad_page_reports;

unsigned int mm_break_mask;
unsigned long mm_break_limit = 1;
unsigned long mm_break_fired[2];

void mm_break_report(unsigned int bit, const char *point, const char *fmt, ...)
{
	unsigned long *fired = &mm_break_fired[bit == MM_BREAK_MERGE ? 1 : 0];
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("bochs-break: %s: %s\n", point, buf);
	if (++*fired >= mm_break_limit)
		mm_break_mask &= ~bit;
}

/*
 * A bad-page report is one block on the console, as Linux's bad_page() and
 * WARN() print it; the operation is then refused and nothing changes:
 *
 *   ------------[ cut here ]------------
 *   BUG: Bad page state: double free: the block at pfn 0x1234 is already free
 *   caller: my_driver_exit+0x1f/0x60
 *   page:ffff888... pfn:0x1234 phys:0x1234000 refcount:0 order:2 zone:Normal
 *   flags: 0x2(buddy)
 *   ---[ end Bad page report ]---
 *
 * The caller is the code that called the API (alloc_pages(), free_pages()...),
 * found with __builtin_return_address(0) at the entry point.
 */
static void report_begin(void)
{
	printk("------------[ cut here ]------------\n");
}

static void report_end(const struct page *page, unsigned long caller)
{
	printk("caller: %pS\n", (void *)caller);
	if (page)
		dump_page(page);
	printk("---[ end Bad page report ]---\n");
	mm_bad_page_reports++;
	if (mm_debug & MM_DEBUG_PANIC)
		panic("mm_debug=panic: stopping at the first bad page report");
}

void bad_report(const struct page *page, unsigned long caller, const char *kind,
		const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_begin();
	printk("BUG: Bad page %s: %s\n", kind, msg);
	report_end(page, caller);
}

/* mm_debug=verify: the whole allocator is checked after each operation. */
void debug_verify_now(const char *op, unsigned long caller)
{
	unsigned long problems = buddy_verify();

	if (problems)
		panic("mm_debug=verify: buddy_verify found %lu problems after %s from %pS",
		      problems, op, (void *)caller);
}

/*
 * Is @gfp a valid request? Unknown bits, and __GFP_DMA with __GFP_DMA32
 * (no zone is both; Linux's GFP_ZONE_BAD), are a caller's bug: reported
 * even under __GFP_NOWARN.
 */
bool gfp_bad(gfp_t gfp, const char *fn, unsigned long caller)
{
	if (gfp & ~__GFP_KNOWN) {
		bad_call(NULL, caller,
			 "%s: gfp %#x has bits this kernel does not know: %#x",
			 fn, gfp, gfp & ~__GFP_KNOWN);
		return false;
	}
	if ((gfp & __GFP_DMA) && (gfp & __GFP_DMA32)) {
		bad_call(NULL, caller,
			 "%s: gfp %#x asks for both __GFP_DMA and __GFP_DMA32",
			 fn, gfp);
		return false;
	}
	return true;
}

bool page_not_in_mem_map(const struct page *page, const char *fn,
			 unsigned long caller)
{
	bad_call(
		NULL, caller,
		"%s: %p is not a struct page in mem_map (mem_map %p, %lu pages)",
		fn, (const void *)page, (void *)mem_map, max_pfn);
	return false;
}

/* The largest order with a free block in @z, or -1. */
static int largest_free_order(const struct zone *z)
{
	for (int o = MAX_PAGE_ORDER; o >= 0; o--)
		if (z->free_area[o].nr_free)
			return o;
	return -1;
}

/*
 * warn_alloc() - an allocation failed: say so unless __GFP_NOWARN, naming
 * each zone the zonelist tried and why it could not give the block, then
 * the free lists. As Linux's warn_alloc() with show_mem().
 */
void warn_alloc(gfp_t gfp, unsigned int order, unsigned long caller)
{
	enum zone_type highest = gfp_zone(gfp);
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp);
	const struct zone *z;

	if (gfp & __GFP_NOWARN)
		return;
	pr_warn("page allocation failure: order:%u, mode:%#x, zone %s%s\n",
		order, gfp, contig_page_data.node_zones[highest].name,
		highest == ZONE_DMA ? "" : " and below");
	printk("caller: %pS\n", (void *)caller);
	for_each_zone_zonelist (z, highest) {
		const char *why;

		if (!populated_zone(z))
			why = "empty";
		else if (largest_free_order(z) < (int)order)
			why = "no free block of this order or above";
		else if (!(gfp & __GFP_MEMALLOC) &&
			 !zone_watermark_ok(z, order, min_wmark_pages(z),
					    highest, alloc_flags, true))
			why = "below its min watermark";
		else
			why = "no block"; /* cannot happen: the walk would
					     have taken it */
		if (largest_free_order(z) < 0)
			pr_warn("  zone %s: order %u: %s (free %lu pages, min %lu, protection %lu, no free block)\n",
				z->name, order, why, z->free_pages,
				min_wmark_pages(z), z->lowmem_reserve[highest]);
		else
			pr_warn("  zone %s: order %u: %s (free %lu pages, min %lu, protection %lu, largest free block order %d)\n",
				z->name, order, why, z->free_pages,
				min_wmark_pages(z), z->lowmem_reserve[highest],
				largest_free_order(z));
	}
	show_buddyinfo();
	pr_warn("free pages: %lu of %lu\n", nr_free_pages(), totalram_pages());
}

/*
 * Page poisoning (page_poison=1), as Linux's mm/page_poison.c: a freed block
 * is filled with PAGE_POISON; when a block is allocated, every byte must
 * still be PAGE_POISON, or someone wrote to it after freeing it.
 */
void poison_block(struct page *page, unsigned int order)
{
	memset(page_address(page), PAGE_POISON, PAGE_SIZE << order);
}

/* The first byte of the page at @va that is not PAGE_POISON, or PAGE_SIZE;
 * *@nr_bad gets how many differ. Words first: the common case is clean. */
static unsigned long first_unpoisoned(const void *va, unsigned long *nr_bad)
{
	const uint64_t poison = 0x0101010101010101ULL * PAGE_POISON;
	const uint64_t *w = va;
	const unsigned char *b = va;
	unsigned long first = PAGE_SIZE;

	*nr_bad = 0;
	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++) {
		if (w[i] == poison)
			continue;
		for (unsigned long off = i * 8; off < i * 8 + 8; off++)
			if (b[off] != PAGE_POISON && !(*nr_bad)++)
				first = off;
	}
	return first;
}

void check_poison(struct page *page, unsigned int order, unsigned long caller)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		const unsigned char *p = page_address(page + i);
		unsigned long bad, first = first_unpoisoned(p, &bad);

		if (!bad)
			continue;
		report_begin();
		printk("BUG: Bad page state: use after free: poison overwritten in pfn %#lx at offset %#lx (%lu bytes differ): found %#04x, expected %#04x\n",
		       page_to_pfn(page + i), first, bad, p[first],
		       PAGE_POISON);
		printk("the page was written after it was freed; the caller below is the one allocating it now, not the writer\n");
		report_end(page + i, caller);
		return; /* one report per block */
	}
}

/* free_page_check()'s slow path: the page is not simply the head of an
 * allocated block of this order. */
bool free_page_check_slow(struct page *page, unsigned int order,
			  unsigned long caller)
{
	unsigned long pfn = page_to_pfn(page);
	const struct page *head;

	if (order > MAX_PAGE_ORDER) {
		bad_call(
			page, caller,
			"__free_pages: order %u above MAX_ORDER (%d), pfn %#lx",
			order, MAX_PAGE_ORDER, pfn);
		return false;
	}
	if (PageReserved(page)) {
		if (pfn >= kernel_image_start_pfn && pfn < kernel_image_end_pfn)
			bad_page(page, caller,
				 "freeing pfn %#lx, a page of the kernel image",
				 pfn);
		else
			bad_page(
				page, caller,
				"freeing reserved pfn %#lx (a hole, firmware, boot data or mem_map: never allocated)",
				pfn);
		return false;
	}
	if (PageBuddy(page)) {
		bad_page(
			page, caller,
			"double free: the block at pfn %#lx (order %lu) is already free",
			pfn, page_private(page));
		return false;
	}
	if (PagePcp(page)) {
		bad_page(
			page, caller,
			"double free: pfn %#lx is already free, on the per-CPU list of zone %s",
			pfn, page_zone(page)->name);
		return false;
	}
	if (PageHead(page)) {
		if (page_private(page) != order) {
			bad_page(
				page, caller,
				"wrong order: pfn %#lx freed at order %u but allocated at order %lu",
				pfn, order, page_private(page));
			return false;
		}
		if (page->_refcount <= 0 ||
		    !block_pages_clean(page, order, 1)) {
			bad_page(
				page, caller,
				"the block at pfn %#lx is corrupt (refcount %d, or a page inside it in use)",
				pfn, page->_refcount);
			return false;
		}
		return true;
	}
	/* Not a block's first page: say where it lies. */
	head = page_block_head(page);
	if (pfn & ((1UL << order) - 1))
		bad_page(
			page, caller,
			"pfn %#lx is not aligned to order %u (a block of that order starts at a multiple of %lu pages)",
			pfn, order, 1UL << order);
	else if (head && PageBuddy(head))
		bad_page(
			page, caller,
			"double free: pfn %#lx lies inside the free block at pfn %#lx (order %lu)",
			pfn, page_to_pfn(head), page_private(head));
	else if (head)
		bad_page(
			page, caller,
			"pfn %#lx is in the middle of the block allocated at pfn %#lx (order %lu)",
			pfn, page_to_pfn(head), page_private(head));
	else
		bad_page(page, caller,
			 "pfn %#lx is not the first page of any block", pfn);
	return false;
}
