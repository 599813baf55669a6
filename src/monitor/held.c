// SPDX-License-Identifier: MIT
/*
 * held.c - blocks the monitor allocates and frees by hand: alloc, free,
 * allocs. Invariant: `held` lists exactly the blocks alloc gave out and free has
 * not yet returned, each at the order it was allocated with. Blocks are
 * named as every listing names them: by first pfn and order, or by #id.
 */
#include "commands.h"

#include "gfp.h"
#include "memlayout.h"
#include "mm.h"
#include "monitor_core.h"
#include "printk.h"
#include "string.h"

#define MAX_HELD 256 /* blocks the monitor can hold at once */

/* struct held_block - a block alloc gave out: its first pfn and order, and
 * its number (#id, counted from 0 at boot, never reused). */
static struct held_block {
	unsigned long pfn;
	unsigned int order;
	gfp_t gfp;
	unsigned int id;
} held[MAX_HELD];
static unsigned int nr_held, next_held_id;

void cmd_alloc(int argc, char **argv)
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

/* The index in held[] of the block holding @pfn, or -1. */
static int held_block_of(unsigned long pfn)
{
	for (unsigned int i = 0; i < nr_held; i++)
		if (pfn >= held[i].pfn &&
		    pfn - held[i].pfn < (1UL << held[i].order))
			return (int)i;
	return -1;
}

/* free #ID: the block alloc numbered ID. */
static void free_by_id(const struct mon_cmd *c, const char *arg)
{
	unsigned long id;

	if (arg[0] != '#' || mon_parse_ulong(arg + 1, &id)) {
		printk("free: '%s' is not #ID (a number allocs shows)\n", arg);
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
}

/*
 * free PFN ORDER: the block at @pfn of @order, both as alloc and allocs
 * print them. Anything else is refused with what the monitor does hold
 * there, so nothing it does not hold is ever freed.
 */
static void free_by_pfn(unsigned long pfn, unsigned long order)
{
	int i = held_block_of(pfn);

	if (i < 0) {
		/* An address where a pfn belongs: the old syntax, or a slip. */
		unsigned long as_addr =
			PHYS_PFN(pfn >= PAGE_OFFSET ? pfn - PAGE_OFFSET : pfn);

		if (pfn >= max_pfn && held_block_of(as_addr) >= 0)
			printk("free: %#lx is no pfn (max_pfn %#lx) but an address in pfn %#lx: free takes a pfn, as allocs lists them\n",
			       pfn, max_pfn, as_addr);
		else
			printk("free: the monitor holds no block at pfn %#lx (allocs lists them)\n",
			       pfn);
		return;
	}
	if (held[i].pfn != pfn) {
		printk("free: pfn %#lx is inside block #%u (pfn %#lx order %u): say free %#lx %u, or free #%u\n",
		       pfn, held[i].id, held[i].pfn, held[i].order, held[i].pfn,
		       held[i].order, held[i].id);
		return;
	}
	if (held[i].order != order) {
		printk("free: the monitor holds pfn %#lx at order %u, not %lu: say free %#lx %u\n",
		       pfn, held[i].order, order, pfn, held[i].order);
		return;
	}
	free_held((unsigned int)i);
}

/* free PFN ORDER, or free #ID: only blocks the monitor holds. */
void cmd_free(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("free");
	unsigned long pfn, order;

	if (argc == 2) {
		free_by_id(c, argv[1]);
		return;
	}
	if (!get_number(c, argv[1], &pfn) || !get_number(c, argv[2], &order))
		return;
	free_by_pfn(pfn, order);
}

void cmd_allocs(int argc, char **argv)
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
