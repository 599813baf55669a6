/* SPDX-License-Identifier: MIT */
/*
 * memblock.h - the boot-time memory allocator, as Linux's mm/memblock.c.
 *
 * Two sorted lists of non-overlapping, non-adjacent regions: memory (RAM the
 * firmware says is usable) and reserved (what must never be handed out).
 * A page is free for the buddy allocator iff it is in memory and not in
 * reserved. Once mm_core_init() has handed the free pages to the buddy
 * allocator, memblock is retired and refuses further work.
 */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "mm_env.h"

#define MEMBLOCK_MAX_REGIONS \
	128 /* per list; as Linux's INIT_MEMBLOCK_REGIONS */
#define MEMBLOCK_ALLOC_ANYWHERE (~(phys_addr_t)0)

struct memblock_region {
	phys_addr_t base; /* bytes */
	phys_addr_t size; /* bytes, > 0 */
};

struct memblock_type {
	unsigned long cnt; /* regions in use */
	const char *name;  /* "memory" or "reserved" */
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	phys_addr_t current_limit; /* allocations end below this address */
	bool retired;		   /* set by mm_core_init(): no more use */
	struct memblock_type memory;
	struct memblock_type reserved;
};

extern struct memblock memblock;

/*
 * memblock_add() / memblock_reserve() - add [@base, @base + @size) in bytes to
 * memory / reserved, merging with overlapping or adjacent regions. Regions
 * may come in any order and may overlap. A zero size is ignored.
 * Return: 0, or -1 if the list is full (reported; the list is unchanged).
 */
int memblock_add(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);

/*
 * memblock_add_pages() - add the whole pages inside [@base, @base + @size):
 * the start is rounded up and the end down to PAGE_SIZE, for RAM ranges a
 * firmware map reports with unaligned ends. Nothing is added if no whole
 * page is inside. A range reaching past the top of the address space is cut.
 * Return: as memblock_add().
 */
int memblock_add_pages(phys_addr_t base, phys_addr_t size);

/*
 * memblock_reserve_pages() - reserve every page that [@base, @base + @size)
 * touches: the start is rounded down and the end up to PAGE_SIZE, so no page
 * holding even one reserved byte is ever handed out.
 * Return: as memblock_reserve().
 */
int memblock_reserve_pages(phys_addr_t base, phys_addr_t size);

/*
 * memblock_remove_pages() - take every page that [@base, @base + @size)
 * touches out of memory, as Linux's memblock_remove() after e820 sanitising:
 * a firmware range that is not usable wins over a usable one it overlaps,
 * and its pages count as a hole, not as RAM.
 * Return: 0, or -1 if a split needs a slot the full list lacks (reported;
 * the list is then only partly cut).
 */
int memblock_remove_pages(phys_addr_t base, phys_addr_t size);

/*
 * memblock_phys_alloc() - reserve @size bytes aligned to @align (a power of
 * two) from the highest free memory below memblock.current_limit (top-down,
 * as Linux). The memory is not zeroed.
 * Return: the physical address, or 0 when nothing fits or memblock retired.
 */
phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align);

/*
 * memblock_phys_free() - give back [@base, @base + @size) bytes reserved by
 * memblock_phys_alloc() or memblock_reserve(): the range leaves
 * memblock.reserved (a region around it is split), as Linux's
 * mm/memblock.c memblock_phys_free(). Unlike Linux, a range that is not
 * wholly reserved is refused with a message (a double or foreign free), and
 * so is any call after memblock retired (the pages belong to the buddy
 * allocator by then).
 * Return: 0 (a zero @size frees nothing), or -1 on a refusal or when a split
 * needs a slot the full list lacks; reserved is then unchanged.
 */
int memblock_phys_free(phys_addr_t base, phys_addr_t size);

/* memblock_set_current_limit() - allocations end below @limit (bytes). */
void memblock_set_current_limit(phys_addr_t limit);

/* memblock_phys_mem_size() - bytes of memory, reserved parts included. */
phys_addr_t memblock_phys_mem_size(void);
/* memblock_end_of_DRAM() - one past the highest memory byte (0 if none). */
phys_addr_t memblock_end_of_DRAM(void);
/* memblock_reserved_size() - bytes in reserved (wherever they lie). */
phys_addr_t memblock_reserved_size(void);

/*
 * for_each_free_mem_pfn_range() - call @fn(start_pfn, end_pfn, arg) for each
 * maximal run of whole pages in memory and not in reserved, in address order.
 */
void for_each_free_mem_pfn_range(void (*fn)(unsigned long start_pfn,
					    unsigned long end_pfn, void *arg),
				 void *arg);

/* memblock_dump() - print both lists, one "[mem ...]" line per region. */
void memblock_dump(void);

/* memblock_reset() - empty both lists and un-retire (host tests, boot start). */
void memblock_reset(void);

#endif
