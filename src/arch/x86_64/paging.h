/* SPDX-License-Identifier: MIT */
/* paging.h - the kernel's page tables: direct map, kernel image, lookups. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "memlayout.h"

#define _PAGE_PRESENT  (1UL << 0)
#define _PAGE_RW       (1UL << 1)
#define _PAGE_USER     (1UL << 2)
#define _PAGE_PWT      (1UL << 3)
#define _PAGE_PCD      (1UL << 4)
#define _PAGE_ACCESSED (1UL << 5)
#define _PAGE_DIRTY    (1UL << 6)
#define _PAGE_PSE      (1UL << 7) /* in a PD/PDPT entry: a 2 MiB / 1 GiB page */
#define _PAGE_GLOBAL   (1UL << 8)
#define _PAGE_NX       (1UL << 63)
#define PTE_PFN_MASK \
	0x000ffffffffff000UL /* bits 12..51: the next table or page */

typedef uint64_t pteval_t;

/* Entries per page table at every level: 4 KiB of 8-byte entries, indexed
 * by 9 bits of the virtual address. */
#define PTRS_PER_TABLE 512

/*
 * Levels count from 4 (the PGD, Intel's PML4) down to 1 (the PTE):
 *   table_shift(level) - the shift of the bytes one entry of a table at
 *     @level covers: 12 (4 KiB) at 1, 21 (2 MiB) at 2, 30 (1 GiB) at 3.
 *   table_index(va, level) - the entry for @va in a table at @level.
 *   pte_is_leaf(entry, level) - does the present @entry at @level map a page
 *     (a PTE, or a PD/PDPT entry with _PAGE_PSE: a 2 MiB / 1 GiB page), so
 *     that a walk stops there, rather than point to the next table? As
 *     Linux's pmd_leaf()/pud_leaf() for every level at once.
 */
static inline unsigned int table_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned int)(level - 1);
}

static inline unsigned int table_index(unsigned long va, int level)
{
	return (va >> table_shift(level)) & (PTRS_PER_TABLE - 1);
}

static inline bool pte_is_leaf(pteval_t entry, int level)
{
	return level == 1 || (level <= 3 && (entry & _PAGE_PSE));
}

/*
 * paging_init() - build the kernel's own page tables and switch to them:
 * the direct map of every memblock.memory range (and the first 1 MiB) at
 * PAGE_OFFSET with the largest pages that fit (1 GiB where the CPU has them,
 * else 2 MiB, 4 KiB at unaligned edges), and the kernel image at
 * __START_KERNEL_map with text RX, rodata R+NX, data/bss RW+NX, except the
 * guard page below each kernel stack (tss.h), which stays unmapped.
 * Afterwards the boot identity map is gone: virtual page 0 is unmapped.
 * Context: boot, after memblock_setup_from_mmap(); page tables come from
 * memblock below 4 GiB (reachable through the boot direct map).
 * Panics when memblock cannot supply a page-table page.
 */
void paging_init(void);

/*
 * unmap_kernel_image_range() - unmap the pages of [@start, @end) (kernel
 * image addresses, mapped with 4 KiB pages) from the kernel image map and
 * flush them from the TLB, so a later access faults. Their direct-map alias
 * stays. For the init region once boot is done (free_boot_memory()).
 */
void unmap_kernel_image_range(const void *start, const void *end);

/*
 * lookup_address() - walk the current page tables for @va.
 * Return: the entry that maps it (PTE, or PD/PDPT entry for a large page)
 * with *@level set to 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB); NULL when @va is
 * not mapped (*@level then says where the walk stopped: 4..1).
 */
pteval_t *lookup_address(unsigned long va, int *level);

/*
 * dump_pagetable() - print the entries the current tables use for @va on one
 * line, as Linux's dump_pagetable() on x86_64: "PGD 7fd4063 PUD 7fd3063
 * PMD 7fd2063 PTE 8000000000110061", each value the raw entry in hex. The
 * walk stops after an entry that is not present or maps a large page.
 * (Linux also prints a P4D, the fifth level; with 4-level paging it repeats
 * the PGD, so it is left out here.)
 * Context: any; reads the tables through the direct map only.
 */
void dump_pagetable(unsigned long va);

/*
 * The vmalloc area (memlayout.h: VMALLOC_START, VMALLOC_SIZE): mappings made
 * after boot's fixed ones, at fresh virtual addresses handed out in order
 * and never reused. Page tables come from memblock before mm_core_init()
 * and from the page allocator after. Linux's ioremap() and vmalloc space,
 * without the freeing.
 * Context: any CPU, interrupts on or off; vmap_lock serialises them.
 */

/*
 * ioremap() - map the device registers at physical [@pa, @pa + @size)
 * uncached (PCD|PWT: UC with the boot PAT), RW, NX, as Linux's ioremap().
 * @pa and @size need no alignment; the whole pages around them are mapped.
 * Return: the virtual address of @pa, or NULL when the vmalloc area or
 * page-table memory ran out (reported).
 */
void *ioremap(uint64_t pa, unsigned long size);

/*
 * memremap_ro() - map firmware memory at [@pa, @pa + @size) (ACPI tables,
 * which the direct map leaves out) read-only, write-back cached and NX, as
 * Linux's early_memremap_ro(). Return: as ioremap().
 */
const void *memremap_ro(uint64_t pa, unsigned long size);

/*
 * vmap_stack() - a kernel stack of @pages pages from the page allocator
 * (order get_order(@pages << PAGE_SHIFT), GFP_KERNEL), mapped RW+NX at a
 * fresh vmalloc address with one unmapped guard page below it, as Linux's
 * CONFIG_VMAP_STACK. *@base gets its lowest usable byte; the guard is
 * *@base - PAGE_SIZE.
 * Context: after mm_core_init(). Return: the stack's top (the initial RSP,
 * one past its highest byte), or 0 when out of memory (reported).
 */
unsigned long vmap_stack(unsigned int pages, unsigned long *base);

/*
 * What the vmalloc area took from the page allocator, held for good: the
 * pages of vmap_stack()'s stacks (whole blocks of 2^order pages) and its
 * page-table pages allocated after mm_core_init() (paging_init() builds
 * the first 2 MiB's tables from memblock, counted in direct_map_stats).
 * Under vmap_lock (paging.c); print_vmalloc_held() reads it.
 */
struct vmalloc_stats {
	unsigned long stack_pages;
	unsigned long buddy_table_pages;
};
extern struct vmalloc_stats vmalloc_stats;

/* Statistics of the direct map, for the boot report. */
struct direct_map_stats {
	unsigned long pages[3];	   /* direct-map pages of 4 KiB, 2 MiB, 1 GiB */
	unsigned long table_pages; /* page-table pages paging_init allocated */
};
extern struct direct_map_stats direct_map_stats;

#endif
