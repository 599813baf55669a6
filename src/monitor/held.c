// SPDX-License-Identifier: MIT
/*
 * held.c - blocks the monitor allocates and frees by hand: alloc, free,
 * allocs. Invariant: `held` lists exactly the blocks alloc gave out and free has
 * not yet returned, each at the order it was allocated with.
 */
#include "commands.h"

#include "gfp.h"
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

/* free #ID, or free ADDR ORDER: only blocks the monitor holds. */
void cmd_free(int argc, char **argv)
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
