// SPDX-License-Identifier: MIT
/*
 * setup.c - turn the firmware's memory map into memblock, as Linux's
 * e820__memblock_setup() does, and reserve what the kernel already uses.
 *
 * The map is not trusted: entries may be unsorted, overlap, have zero length
 * or unaligned ends. Usable ranges are trimmed inward to whole pages; every
 * other range is widened outward to whole pages and cut out of memory, so a
 * page that any non-usable range touches is a hole, never handed out.
 */
#define pr_fmt(fmt) "memblock: " fmt

#include "setup.h"

#include "init.h"
#include "lab.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "multiboot2.h"
#include "panic.h"
#include "printk.h"

#define LOW_MEMORY_END 0x100000UL /* the first 1 MiB: BIOS, EBDA, VGA, ROMs */

extern char _kernel_phys_start[], _text[], _etext[], _rodata[], _erodata[];
extern char _data[], _edata[], __bss_start[], __bss_stop[], _end[];

static void __init reserve_named(const char *what, phys_addr_t start,
				 phys_addr_t end)
{
	pr_info("reserve [mem %#018llx-%#018llx] %s\n",
		(unsigned long long)(start & PAGE_MASK),
		(unsigned long long)((end + PAGE_SIZE - 1) & PAGE_MASK) - 1,
		what);
	if (memblock_reserve_pages(start, end - start))
		panic("memblock: cannot reserve the %s: too many reserved ranges",
		      what);
}

/* Count the whole free pages, to check that boot can go on. */
static void __init count_pages(unsigned long start_pfn, unsigned long end_pfn,
			       void *arg)
{
	unsigned long *pages = arg;

	*pages += end_pfn - start_pfn;
}

void __init memblock_setup_from_mmap(void)
{
	unsigned long free_pages = 0;

	/* LAB 1 BEGIN memblock_setup_from_mmap: add every usable range of
	 * boot_params.mmap to memblock.memory (memblock_add_pages() trims it
	 * to whole pages), then cut every other range out of it
	 * (memblock_remove_pages()), whatever order the entries come in; then
	 * reserve with reserve_named() the first 1 MiB, the boot stub and
	 * page tables (_kernel_phys_start up to _text), the kernel image
	 * (_text to _end), the multiboot2 information and each boot module.
	 * Kernel symbols are converted with __pa_symbol() (docs/labs/lab1.md).
	 * STUB:
	 *	(void)reserve_named;
	 *	lab_missing(1, "memblock_setup_from_mmap");
	 */

	/* Two passes, so the order of the entries does not matter: all
	 * usable RAM first, then every other range is cut out of it. */
	for (int usable = 1; usable >= 0; usable--) {
		const struct boot_mmap_entry *m;

		for_each_mmap_entry (m) {
			phys_addr_t start = m->addr, end = m->addr + m->len;

			if (!m->len ||
			    (m->type == MB2_MEMORY_AVAILABLE) != usable)
				continue;
			if (end < start || end > DIRECT_MAP_SIZE) {
				if (usable)
					pr_err("[mem %#018llx-...] reaches past the %lu TiB the direct map can hold; cut there\n",
					       (unsigned long long)start,
					       DIRECT_MAP_SIZE >> 40);
				end = DIRECT_MAP_SIZE;
				if (start >= end)
					continue;
			}
			if (usable)
				memblock_add_pages(start, end - start);
			else if (memblock_remove_pages(start, end - start))
				panic("memblock: too many memory ranges to cut [mem %#018llx-%#018llx] out",
				      (unsigned long long)start,
				      (unsigned long long)end - 1);
		}
	}

	reserve_named("first 1 MiB (BIOS data, EBDA, VGA, ROMs)", 0,
		      LOW_MEMORY_END);
	/* The 32-bit stub and the boot page tables, freed after boot
	 * (free_boot_memory()), apart from the image that stays. */
	reserve_named("boot stub and page tables",
		      (phys_addr_t)(unsigned long)_kernel_phys_start,
		      __pa_symbol(_text));
	reserve_named("kernel image", __pa_symbol(_text), __pa_symbol(_end));
	reserve_named("multiboot2 information", boot_params.mbi_pa,
		      boot_params.mbi_pa + boot_params.mbi_size);
	for (unsigned int i = 0; i < boot_params.nr_modules; i++)
		reserve_named("boot module", boot_params.modules[i].start,
			      boot_params.modules[i].end);
	/* LAB 1 END */

	for_each_free_mem_pfn_range(count_pages, &free_pages);
	if (!free_pages)
		panic("memblock: no usable memory above 1 MiB that is not already taken "
		      "(map: %u entries, %llu KiB usable)",
		      boot_params.nr_mmap,
		      (unsigned long long)memblock_phys_mem_size() >> 10);

	/* The image the allocator must never take: from _text (the boot
	 * stub below it is boot data, freed after boot). */
	kernel_image_start_pfn = PFN_DOWN(__pa_symbol(_text));
	kernel_image_end_pfn = PFN_UP(__pa_symbol(_end));
	mm_image_sizes = (struct mm_image_sizes){
		.text = (unsigned long)(_etext - _text),
		.rodata = (unsigned long)(_erodata - _rodata),
		.rwdata = (unsigned long)(_edata - _data),
		.init = (unsigned long)(__init_end - __init_begin),
		.bss = (unsigned long)(__bss_stop - __bss_start),
	};
}
