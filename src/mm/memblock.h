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

/**
 * memblock_add() - add a range of RAM to memblock.memory.
 * @base: physical address of its start, in bytes; any alignment.
 * @size: its length in bytes; 0 adds nothing. A range reaching past the
 * top of the address space is cut.
 *
 * Merges with overlapping or adjacent regions; ranges may come in any
 * order and may overlap. As Linux's mm/memblock.c memblock_add().
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: 0; or -1 when the list is full or memblock has retired (reported;
 * the list is unchanged).
 */
int memblock_add(phys_addr_t base, phys_addr_t size);

/**
 * memblock_reserve() - add a range to memblock.reserved.
 * @base: physical address of its start, in bytes; any alignment.
 * @size: its length in bytes; 0 reserves nothing. A range reaching past
 * the top of the address space is cut.
 *
 * Reserved memory is never handed out, by memblock_phys_alloc() nor to the
 * buddy allocator. Merges as memblock_add() does; the range need not lie
 * in memory. As Linux's mm/memblock.c memblock_reserve().
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: as memblock_add().
 */
int memblock_reserve(phys_addr_t base, phys_addr_t size);

/**
 * memblock_add_pages() - add the whole pages inside a range to memory.
 * @base: physical address of the range's start, in bytes; rounded up to
 * PAGE_SIZE.
 * @size: its length in bytes; its end is rounded down to PAGE_SIZE. A
 * range reaching past the top of the address space is cut.
 *
 * For RAM ranges a firmware map reports with unaligned ends. Nothing is
 * added if no whole page is inside. Ours, over memblock_add().
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: 0 (also when nothing is added); or -1 as for memblock_add().
 */
int memblock_add_pages(phys_addr_t base, phys_addr_t size);

/**
 * memblock_reserve_pages() - reserve every page a range touches.
 * @base: physical address of the range's start, in bytes; rounded down to
 * PAGE_SIZE.
 * @size: its length in bytes; its end is rounded up to PAGE_SIZE. 0
 * reserves nothing.
 *
 * So no page holding even one reserved byte is ever handed out. The top
 * page of the address space is never included. Ours, over
 * memblock_reserve().
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: as memblock_reserve().
 */
int memblock_reserve_pages(phys_addr_t base, phys_addr_t size);

/**
 * memblock_remove_pages() - take every page a range touches out of memory.
 * @base: physical address of the range's start, in bytes; rounded down to
 * PAGE_SIZE.
 * @size: its length in bytes; its end is rounded up to PAGE_SIZE. 0
 * removes nothing.
 *
 * As Linux's memblock_remove() after e820 sanitising: a firmware range
 * that is not usable wins over a usable one it overlaps, and its pages
 * count as a hole, not as RAM. A region around the range is split in two.
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: 0; or -1 when the split needs a slot the full list lacks, or
 * memblock has retired (reported; memory is unchanged).
 */
int memblock_remove_pages(phys_addr_t base, phys_addr_t size);

/**
 * memblock_phys_alloc() - allocate boot memory.
 * @size: bytes, > 0.
 * @align: bytes, a power of two; 0 means 1.
 *
 * Reserves @size bytes at the highest free address that fits below
 * memblock.current_limit (top-down, as Linux), free meaning in memory and
 * not reserved. The memory is not zeroed. As Linux's memblock_phys_alloc()
 * (include/linux/memblock.h, mm/memblock.c).
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: the physical address, aligned to @align (never 0); or 0, with
 * nothing reserved, when nothing fits, @size is 0, @align is not a power of
 * two, reserved is full or memblock has retired (the last two reported).
 */
phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align);

/**
 * memblock_phys_free() - give back reserved boot memory.
 * @base: physical address of the range's start, in bytes.
 * @size: its length in bytes; 0 frees nothing.
 *
 * The range leaves memblock.reserved, which is what memblock_phys_alloc()
 * or memblock_reserve() put there (a region around it is split). As Linux's
 * mm/memblock.c memblock_phys_free(). Unlike Linux, a range that is not
 * wholly reserved is refused with a message (a double or foreign free),
 * and so is any call after memblock retired (the pages belong to the buddy
 * allocator by then).
 *
 * Context: boot, before mm_core_init() retires memblock; no lock (one CPU).
 * Return: 0; or -1 on a refusal or when a split needs a slot the full list
 * lacks (reported; reserved is then unchanged).
 */
int memblock_phys_free(phys_addr_t base, phys_addr_t size);

/**
 * memblock_set_current_limit() - cap memblock_phys_alloc().
 * @limit: physical address in bytes; allocations end at or below it.
 * MEMBLOCK_ALLOC_ANYWHERE lifts the cap.
 *
 * As Linux's mm/memblock.c memblock_set_current_limit(); paging_init()
 * keeps allocations below what the boot page tables map while it builds
 * the kernel's.
 *
 * Context: boot; no lock (one CPU).
 */
void memblock_set_current_limit(phys_addr_t limit);

/**
 * memblock_phys_mem_size() - the size of memory.
 *
 * As Linux's mm/memblock.c memblock_phys_mem_size().
 *
 * Context: any; reads only.
 * Return: bytes in memblock.memory, reserved parts included.
 */
phys_addr_t memblock_phys_mem_size(void);

/**
 * memblock_end_of_DRAM() - the end of memory.
 *
 * As Linux's mm/memblock.c memblock_end_of_DRAM().
 *
 * Context: any; reads only.
 * Return: one past the highest byte of memblock.memory, a physical
 * address; 0 when memory is empty.
 */
phys_addr_t memblock_end_of_DRAM(void);

/**
 * memblock_reserved_size() - the size of reserved.
 *
 * As Linux's mm/memblock.c memblock_reserved_size().
 *
 * Context: any; reads only.
 * Return: bytes in memblock.reserved, wherever they lie (in memory or not).
 */
phys_addr_t memblock_reserved_size(void);

/**
 * for_each_free_mem_pfn_range() - call a function on each free run of pages.
 * @fn: called as @fn(start_pfn, end_pfn, @arg) for each maximal run of
 * whole pages [start_pfn, end_pfn) in memory and not in reserved, in
 * address order. It must not change memblock.
 * @arg: passed to @fn.
 *
 * mm_core_init() frees memory to the buddy allocator with it, as Linux's
 * memblock_free_all() does with a for_each_free_mem_range() loop
 * (mm/memblock.c); here a callback, and whole pages only.
 *
 * Context: boot, until mm_core_init() retires memblock.
 */
void for_each_free_mem_pfn_range(void (*fn)(unsigned long start_pfn,
					    unsigned long end_pfn, void *arg),
				 void *arg);

/**
 * memblock_dump() - print both lists.
 *
 * A count line per list, then one "[mem ...]" line per region, as Linux's
 * mm/memblock.c memblock_dump_all() (memblock=debug).
 *
 * Context: any; reads only.
 */
void memblock_dump(void);

/**
 * memblock_reset() - empty both lists and un-retire memblock.
 *
 * Also lifts the allocation limit (MEMBLOCK_ALLOC_ANYWHERE): the state
 * memblock starts in. Ours, for the host tests.
 *
 * Context: host tests, between cases (the kernel boots in that state).
 */
void memblock_reset(void);

#endif
