// SPDX-License-Identifier: MIT
/*
 * paging.c - 4-level page tables for the direct map and the kernel image.
 *
 * A 48-bit virtual address splits into four 9-bit table indexes and a
 * 12-bit offset:
 *
 *   47      39 38      30 29      21 20      12 11          0
 *  +----------+----------+----------+----------+-------------+
 *  | PML4 idx | PDPT idx |  PD idx  |  PT idx  | page offset |
 *  +----------+----------+----------+----------+-------------+
 *   level 4    level 3    level 2    level 1
 *              (PS: 1 GiB (PS: 2 MiB
 *               page)      page)
 *
 * Invariant: every table page comes from memblock and is reached through
 * the direct map; no entry maps physical memory that memblock does not
 * list (except the legacy first 1 MiB, as Linux maps it too).
 */
#define pr_fmt(fmt) "paging: " fmt

#include "paging.h"

#include "bochs_break.h"
#include "cpu.h"
#include "init.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"
#include "irqflags.h"
#include "string.h"
#include "tss.h"

#define BOOT_DIRECT_MAP_LIMIT (4UL << 30) /* the boot tables map 0..4 GiB */
#define LOW_MEMORY_END	      0x100000UL

extern char _text[], _etext[], _sinittext[], _einittext[], _rodata[],
	_erodata[], _data[], _end[];

struct direct_map_stats direct_map_stats;
static pteval_t *kernel_pml4; /* direct-map address of the live PML4 */
static pteval_t supported_pte_mask __initdata =
	~_PAGE_NX; /* NX only where the CPU has it */

static __init pteval_t *alloc_table(void)
{
	phys_addr_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);

	if (!pa)
		panic("paging: out of memory for page tables");
	memset(__va(pa), 0, PAGE_SIZE);
	direct_map_stats.table_pages++;
	return __va(pa);
}

/* The table the entry at @entry points to, made if absent. */
static __init pteval_t *next_table(pteval_t *entry)
{
	if (!(*entry & _PAGE_PRESENT))
		*entry = __pa(alloc_table()) | _PAGE_PRESENT | _PAGE_RW;
	BUG_ON(*entry & _PAGE_PSE); /* never remap inside a large page */
	return __va(*entry & PTE_PFN_MASK);
}

/*
 * map_range() - map [@va, @va + @size) to @pa with @prot, each step with the
 * largest page not above @max_page (PUD_SIZE, PMD_SIZE or PAGE_SIZE) for
 * which both addresses are aligned and a whole page is left. All of va, pa
 * and size are page-aligned. Return: the number of 4K, 2M, 1G pages used in
 * @counts[0..2].
 */
static __init void map_range(unsigned long va, phys_addr_t pa,
			     unsigned long size, pteval_t prot,
			     unsigned long max_page, unsigned long counts[3])
{
	/* LAB 2 BEGIN map_range: for each step, walk down from kernel_pml4
	 * with table_index() and next_table(), and write one entry: a 1 GiB
	 * page in the PDPT, a 2 MiB page in the PD (both with _PAGE_PSE) or a
	 * 4 KiB page in the PT, the largest that max_page allows and that
	 * va, pa and the size left fit; count it in counts[] (see the
	 * picture at the top of this file and docs/labs/lab2.md).
	 * STUB:
	 *	(void)va;
	 *	(void)pa;
	 *	(void)size;
	 *	(void)prot;
	 *	(void)max_page;
	 *	(void)counts;
	 *	(void)next_table;
	 *	lab_stop(2, "map_range");
	 */
	prot &= supported_pte_mask;
	while (size) {
		pteval_t *pdpt = next_table(&kernel_pml4[table_index(va, 4)]);
		pteval_t *pd, *pt;
		unsigned long step = PUD_SIZE;

		while (step > max_page || ((va | pa) & (step - 1)) ||
		       size < step)
			step = step == PUD_SIZE ? PMD_SIZE : PAGE_SIZE;
		if (step == PUD_SIZE) {
			pdpt[table_index(va, 3)] = pa | prot | _PAGE_PSE;
			counts[2]++;
		} else if (step == PMD_SIZE) {
			pd = next_table(&pdpt[table_index(va, 3)]);
			pd[table_index(va, 2)] = pa | prot | _PAGE_PSE;
			counts[1]++;
		} else {
			pd = next_table(&pdpt[table_index(va, 3)]);
			pt = next_table(&pd[table_index(va, 2)]);
			pt[table_index(va, 1)] = pa | prot;
			counts[0]++;
		}
		va += step;
		pa += step;
		size -= step;
	}
	/* LAB 2 END */
}

static __init void map_direct(phys_addr_t start, phys_addr_t end)
{
	map_range((unsigned long)__va(start), start, end - start,
		  _PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL | _PAGE_NX,
		  boot_cpu_data.has_gbpages ? PUD_SIZE : PMD_SIZE,
		  direct_map_stats.pages);
}

/* Kernel image parts get 4 KiB pages, so each part has its own rights. */
static __init void map_kernel_part(const char *start, const char *end,
				   pteval_t prot)
{
	unsigned long va = (unsigned long)start & PAGE_MASK;
	unsigned long counts[3] = { 0 };

	map_range(va, __pa(va),
		  ((unsigned long)end - va + PAGE_SIZE - 1) & PAGE_MASK,
		  prot | _PAGE_PRESENT | _PAGE_GLOBAL, PAGE_SIZE, counts);
}

/*
 * The entry that maps @va in the tables under @pml4: as lookup_address(),
 * for any set of tables, the live one or one being built.
 */
static pteval_t *walk(pteval_t *pml4, unsigned long va, int *level)
{
	pteval_t *table = pml4;

	for (int l = 4; l >= 1; l--) {
		pteval_t *entry = &table[table_index(va, l)];

		*level = l;
		if (!(*entry & _PAGE_PRESENT))
			return NULL;
		if (pte_is_leaf(*entry, l))
			return entry;
		table = __va(*entry & PTE_PFN_MASK);
	}
	return NULL;
}

/* Unmap each kernel stack's guard page (a 4 KiB page of the image map). */
static __init void unmap_stack_guards(void)
{
	for (unsigned int i = 0; i < NR_KERNEL_STACKS; i++) {
		int level;
		pteval_t *pte =
			walk(kernel_pml4, kernel_stacks[i].guard, &level);

		BUG_ON(!pte || level != 1);
		*pte = 0;
	}
}

void __init paging_init(void)
{
	phys_addr_t start = 0, end = LOW_MEMORY_END; /* the run to map next */
	const char *nx;

	if (boot_cpu_data.has_nx)
		supported_pte_mask |= _PAGE_NX;
	memblock_set_current_limit(BOOT_DIRECT_MAP_LIMIT);
	kernel_pml4 = alloc_table();

	/* The direct map: the first 1 MiB and every RAM region. Regions are
	 * sorted; runs that touch or overlap are joined first, so a run of
	 * RAM gets the largest pages its alignment allows. */
	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];

		if (r->base > end) {
			map_direct(start, end);
			start = r->base;
		}
		if (r->base + r->size > end)
			end = r->base + r->size;
	}
	map_direct(start, end);

	pr_info("direct map of the RAM in [mem %#018llx-%#018llx] at %#lx: %lu x 1G, %lu x 2M, %lu x 4K pages\n",
		0ULL, (unsigned long long)end - 1, PAGE_OFFSET,
		direct_map_stats.pages[2], direct_map_stats.pages[1],
		direct_map_stats.pages[0]);

	/* The init region (src/kernel/init.h) goes after boot: free_boot_memory(). */
	map_kernel_part(_text, _etext, 0);			      /* RX */
	map_kernel_part(_sinittext, _einittext, 0);		      /* RX */
	map_kernel_part(_einittext, __init_end, _PAGE_RW | _PAGE_NX); /* RW */
	map_kernel_part(_rodata, _erodata, _PAGE_NX);		      /* R */
	map_kernel_part(_data, _end, _PAGE_RW | _PAGE_NX);	      /* RW */
	unmap_stack_guards();
	/* The tables of the vmalloc area's first 2 MiB, now, so that the
	 * boot's mappings there (ACPI tables, APIC registers, the APs'
	 * stacks of a small machine) need no later page-table page. */
	next_table(&next_table(&next_table(
		&kernel_pml4[table_index(VMALLOC_START, 4)])[table_index(
		VMALLOC_START, 3)])[table_index(VMALLOC_START, 2)]);

	write_cr3(__pa(kernel_pml4));
	bochs_break_point(
		BREAK_DIRECTMAP, directmap,
		"CR3=%#lx (kernel PML4 at %p): RAM [mem 0-%#llx] at PAGE_OFFSET %#lx, the identity map gone; try 'info tab' or 'page %#lx'",
		read_cr3(), (void *)kernel_pml4, (unsigned long long)end - 1,
		PAGE_OFFSET, PAGE_OFFSET);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	/* Without NX the bit is masked out (supported_pte_mask): say so. */
	nx = boot_cpu_data.has_nx ? " NX" : "";
	pr_info("kernel image at %#lx: text RX, init text RX, init data RW%s, rodata R%s, data+bss RW%s; %lu page-table pages\n",
		(unsigned long)_text, nx, nx, nx, direct_map_stats.table_pages);
	if (!boot_cpu_data.has_nx)
		pr_warn("NX (Execute Disable) missing in this CPU: data, rodata and the direct map are executable\n");
	pr_info("unmapped a guard page below each kernel stack: boot stack [%#lx-%#lx], guard at %#lx\n",
		kernel_stacks[0].base, kernel_stacks[0].top - 1,
		kernel_stacks[0].guard);
	pr_info("switched to the kernel page tables: identity map gone, page 0 unmapped\n");
}

void unmap_kernel_image_range(const void *start, const void *end)
{
	for (unsigned long va = (unsigned long)start & PAGE_MASK;
	     va < (unsigned long)end; va += PAGE_SIZE) {
		int level;
		pteval_t *pte = walk(kernel_pml4, va, &level);

		BUG_ON(va < __START_KERNEL_map || !pte || level != 1);
		*pte = 0;
		/* Global pages survive a CR3 reload: flush each one. */
		__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	}
}

pteval_t *lookup_address(unsigned long va, int *level)
{
	return walk(__va(read_cr3() & PTE_PFN_MASK), va, level);
}

void dump_pagetable(unsigned long va)
{
	static const char *const names[] = { "PTE", "PMD", "PUD", "PGD" };
	pteval_t *table = __va(read_cr3() & PTE_PFN_MASK);

	for (int l = 4; l >= 1; l--) {
		pteval_t entry = table[table_index(va, l)];

		printk("%s%s %lx", l == 4 ? "" : " ", names[l - 1],
		       (unsigned long)entry);
		if (!(entry & _PAGE_PRESENT) || pte_is_leaf(entry, l))
			break;
		table = __va(entry & PTE_PFN_MASK);
	}
	printk("\n");
}

/*
 * The vmalloc area (paging.h). vmap_lock protects vmap_next and every page
 * table under VMALLOC_START: any CPU may map, one at a time.
 */
static DEFINE_SPINLOCK(vmap_lock);
static unsigned long vmap_next = VMALLOC_START; /* the next free address */
struct vmalloc_stats vmalloc_stats;		/* under vmap_lock */

/* A zeroed page-table page: memblock's before mm_core_init(), the buddy's
 * after. Return: its direct-map address, or NULL. */
static pteval_t *vmap_alloc_table(void)
{
	pteval_t *table;

	if (mem_map) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page)
			return NULL;
		table = page_address(page);
		vmalloc_stats.buddy_table_pages++;
	} else {
		phys_addr_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);

		if (!pa)
			return NULL;
		table = __va(pa);
		/* A page-table page all the same: the boot report's count. */
		direct_map_stats.table_pages++;
	}
	memset(table, 0, PAGE_SIZE);
	return table;
}

/* Map the 4 KiB page @va to @pa with @prot under vmap_lock. Return: 0, or
 * -ENOMEM when a page-table page could not be had. */
static int vmap_page(unsigned long va, phys_addr_t pa, pteval_t prot)
{
	pteval_t *table = kernel_pml4;

	for (int l = 4; l > 1; l--) {
		pteval_t *entry = &table[table_index(va, l)];

		if (!(*entry & _PAGE_PRESENT)) {
			pteval_t *next = vmap_alloc_table();

			if (!next)
				return -ENOMEM;
			*entry = __pa(next) | _PAGE_PRESENT | _PAGE_RW;
		}
		table = __va(*entry & PTE_PFN_MASK);
	}
	table[table_index(va, 1)] =
		pa | (boot_cpu_data.has_nx ? prot : prot & ~_PAGE_NX);
	return 0;
}

/*
 * Map physical [@pa, @pa + @size) page by page at fresh vmalloc addresses,
 * @guard unmapped pages first. Return: the address of @pa, or NULL.
 */
static void *vmap_range(phys_addr_t pa, unsigned long size, pteval_t prot,
			unsigned int guard, const char *what)
{
	phys_addr_t first = pa & PAGE_MASK;
	unsigned long pages = (pa - first + size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned long flags, va;

	spin_lock_irqsave(&vmap_lock, flags);
	va = vmap_next + (unsigned long)guard * PAGE_SIZE;
	if (!size ||
	    pages > (VMALLOC_START + VMALLOC_SIZE - va) >> PAGE_SHIFT) {
		spin_unlock_irqrestore(&vmap_lock, flags);
		pr_err("vmalloc area full: cannot map %s [mem %#018llx-%#018llx]\n",
		       what, (unsigned long long)pa,
		       (unsigned long long)(pa + size - 1));
		return NULL;
	}
	for (unsigned long i = 0; i < pages; i++) {
		if (vmap_page(va + i * PAGE_SIZE, first + i * PAGE_SIZE,
			      prot)) {
			spin_unlock_irqrestore(&vmap_lock, flags);
			pr_err("out of memory for the page tables of %s\n",
			       what);
			return NULL;
		}
	}
	vmap_next = va + pages * PAGE_SIZE;
	spin_unlock_irqrestore(&vmap_lock, flags);
	return (void *)(va + (pa - first));
}

void *ioremap(phys_addr_t pa, unsigned long size)
{
	return vmap_range(pa, size,
			  _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT |
				  _PAGE_NX,
			  0, "device registers");
}

const void *memremap_ro(phys_addr_t pa, unsigned long size)
{
	return vmap_range(pa, size, _PAGE_PRESENT | _PAGE_NX, 0,
			  "firmware tables");
}

unsigned long vmap_stack(unsigned int pages, unsigned long *base)
{
	unsigned long flags;
	unsigned int order = 0;
	struct page *page;
	char *stack;

	while ((1U << order) < pages)
		order++;
	page = alloc_pages(GFP_KERNEL, order);
	if (!page) {
		pr_err("out of memory for a %u-page kernel stack\n", pages);
		return 0;
	}
	stack = vmap_range(
		page_to_phys(page), (unsigned long)pages << PAGE_SHIFT,
		_PAGE_PRESENT | _PAGE_RW | _PAGE_NX, 1, "a kernel stack");
	if (!stack) {
		__free_pages(page, order);
		return 0;
	}
	spin_lock_irqsave(&vmap_lock, flags);
	vmalloc_stats.stack_pages += 1UL << order;
	spin_unlock_irqrestore(&vmap_lock, flags);
	*base = (unsigned long)stack;
	return (unsigned long)stack + ((unsigned long)pages << PAGE_SHIFT);
}
