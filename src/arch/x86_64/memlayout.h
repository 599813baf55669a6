/* SPDX-License-Identifier: MIT */
/*
 * memlayout.h - the x86_64 address map, drawn once, and the direct-map helpers.
 *
 * Invariant: every physical address the kernel touches after paging_init() is
 * reached through the direct map at PAGE_OFFSET or, for the kernel image only,
 * through the kernel mapping at __START_KERNEL_map.
 *
 *   virtual address                      what is there
 *   0x0000000000000000 ................. unmapped after boot (NULL faults)
 *        (the boot identity map of the first 4 GiB is gone once paging_init runs)
 *   0x0000800000000000 ................. non-canonical hole
 *   0xffff888000000000  PAGE_OFFSET ..... direct map: physical 0 .. top of RAM,
 *                                         RAM ranges only (holes stay unmapped),
 *                                         1 GiB / 2 MiB / 4 KiB pages, RW, NX
 *   0xffffc90000000000  VMALLOC_START ... the vmalloc area (paging.h): device
 *                                         registers (ioremap), ACPI tables
 *                                         (memremap_ro), each AP's stacks with
 *                                         their guard pages (vmap_stack)
 *   0xffffffff80000000  __START_KERNEL_map kernel image: physical 0 maps here, so the
 *                                         kernel loaded at KERNEL_PHYS_START (1 MiB)
 *                                         runs at 0xffffffff80100000 (-mcmodel=kernel)
 *
 * Both constants are Linux's own values for 4-level paging without KASLR.
 */
#ifndef ARCH_X86_64_MEMLAYOUT_H
#define ARCH_X86_64_MEMLAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define PMD_SHIFT   21 /* one PD entry maps 2 MiB */
#define PMD_SIZE    (1UL << PMD_SHIFT)
#define PUD_SHIFT   30 /* one PDPT entry maps 1 GiB */
#define PUD_SIZE    (1UL << PUD_SHIFT)
#define PGDIR_SHIFT 39 /* one PML4 entry maps 512 GiB */

#define PAGE_OFFSET	   0xffff888000000000UL
#define __START_KERNEL_map 0xffffffff80000000UL
#define KERNEL_PHYS_START  0x100000UL /* where the linker script loads us */
#define VMALLOC_START	   0xffffc90000000000UL /* Linux's, 4-level paging */
#define VMALLOC_SIZE	   (1UL << 30) /* what we hand out of Linux's 32 TiB */

/* The direct map may span at most 64 TiB (Linux's limit for 4-level paging). */
#define DIRECT_MAP_SIZE (64UL << 40)

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "lab.h"

/*
 * __pa() - physical address of a kernel virtual address.
 * Accepts direct-map and kernel-image addresses, as Linux's __phys_addr().
 * A function, not a macro, so its argument is evaluated once.
 */
static inline uint64_t __phys_addr(unsigned long x)
{
	/* LAB 2 BEGIN __pa: return the physical address of @x, which is
	 * either in the kernel image's mapping (at or above
	 * __START_KERNEL_map) or in the direct map (from PAGE_OFFSET); see
	 * the address map above and docs/labs/lab2.md.
	 * STUB:
	 *	(void)x;
	 *	lab_stop(2, "__pa");
	 */
	return x >= __START_KERNEL_map ? x - __START_KERNEL_map
				       : x - PAGE_OFFSET;
	/* LAB 2 END */
}
#define __pa(x) __phys_addr((unsigned long)(x))

/* __va() - direct-map address of physical address @x, as Linux's __va(). */
/* LAB 2 BEGIN __va: define __va(x), the direct-map address of physical
 * address x, as a (void *) (docs/labs/lab2.md).
 * STUB:
 * #define __va(x) ((void)(x), lab_stop(2, "__va"), (void *)0)
 */
#define __va(x) ((void *)((unsigned long)(x) + PAGE_OFFSET))
/* LAB 2 END */

/*
 * __pa_symbol() - physical address of a symbol of the kernel image (linked
 * at __START_KERNEL_map), as Linux's __pa_symbol(). Boot uses it before the
 * direct map exists.
 */
#define __pa_symbol(x) ((uint64_t)(unsigned long)(x)-__START_KERNEL_map)
#endif

/* Is @va inside the direct-map window (mapped or not)? */
#define virt_in_direct_map(va)                 \
	((unsigned long)(va) >= PAGE_OFFSET && \
	 (unsigned long)(va)-PAGE_OFFSET < DIRECT_MAP_SIZE)

#endif
