// SPDX-License-Identifier: MIT
/*
 * labtest1.c - the memory map and memblock: lab 1's graded cases, run early
 * (before paging_init()): they need neither __va() nor the kernel's page
 * tables.
 */
#include "labtest_suites.h"

#include "cpu.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "multiboot2.h"
#include "printk.h"
#include "string.h"

#define MB2_TAG_MMAP 6

/*
 * The raw multiboot2 memory map tag, found again by a walk of our own, so
 * that lab 1's parse is checked against GRUB's bytes, not against itself.
 * Before paging_init() the information is reachable at its physical address
 * (the boot identity map). Return: the tag, or NULL.
 */
static const uint8_t *raw_mmap_tag(void)
{
	const uint8_t *mbi = (const uint8_t *)(uintptr_t)boot_params.mbi_pa;
	uint32_t total, off = 8;

	if (!boot_params.mbi_pa || boot_params.mbi_size < 16)
		return NULL;
	total = *(const uint32_t *)mbi;
	if (total > boot_params.mbi_size)
		total = (uint32_t)boot_params.mbi_size;
	while (off + 8 <= total) {
		uint32_t type = *(const uint32_t *)(mbi + off);
		uint32_t size = *(const uint32_t *)(mbi + off + 4);

		if (type == 0 || size < 8 || size > total - off)
			return NULL;
		if (type == MB2_TAG_MMAP)
			return mbi + off;
		off += (size + 7) & ~7u;
	}
	return NULL;
}

static void mmap_entries_match_tag(struct ktest *t)
{
	const uint8_t *tag = raw_mmap_tag();
	uint32_t size, entry_size;
	unsigned int n = 0;

	if (!tag) {
		ktest_skip(t, "the boot loader gave no memory map tag");
		return;
	}
	size = *(const uint32_t *)(tag + 4);
	entry_size = *(const uint32_t *)(tag + 8);
	KTEST_ASSERT(t, entry_size >= 24 && entry_size % 8 == 0);
	for (uint32_t off = 16; off + entry_size <= size; off += entry_size) {
		const uint8_t *e = tag + off;
		const struct boot_mmap_entry *m = &boot_params.mmap[n];

		if (n == BOOT_MMAP_MAX)
			break;
		KTEST_ASSERT(t, n < boot_params.nr_mmap);
		KTEST_EXPECT(t, m->addr == *(const uint64_t *)e);
		KTEST_EXPECT(t, m->len == *(const uint64_t *)(e + 8));
		KTEST_EXPECT(t, m->type == *(const uint32_t *)(e + 16));
		n++;
	}
	KTEST_EXPECT(t, boot_params.nr_mmap == n);
	KTEST_EXPECT(t, !boot_params.mmap_from_basic_meminfo);
}

/* Is [@start, @end) wholly inside the regions of @type? */
static bool covered(const struct memblock_type *type, phys_addr_t start,
		    phys_addr_t end)
{
	for (unsigned long i = 0; i < type->cnt && start < end; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->base <= start && start < r->base + r->size)
			start = r->base + r->size;
	}
	return start >= end;
}

/* Does [@start, @end) meet any region of @type? */
static bool overlaps(const struct memblock_type *type, phys_addr_t start,
		     phys_addr_t end)
{
	for (unsigned long i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->base < end && start < r->base + r->size)
			return true;
	}
	return false;
}

/* The map entry @m as whole pages: usable ones trimmed in, others widened. */
static void entry_pages(const struct boot_mmap_entry *m, phys_addr_t *start,
			phys_addr_t *end)
{
	phys_addr_t s = m->addr, e = m->addr + m->len;

	if (e < s || e > DIRECT_MAP_SIZE)
		e = DIRECT_MAP_SIZE;
	if (m->type == MB2_MEMORY_AVAILABLE) {
		*start = (s + PAGE_SIZE - 1) & PAGE_MASK;
		*end = e & PAGE_MASK;
	} else {
		*start = s & PAGE_MASK;
		*end = (e + PAGE_SIZE - 1) & PAGE_MASK;
	}
}

/* Is the page at @pa inside a usable entry (trimmed) when @usable, else
 * inside a non-usable one (widened)? */
static bool in_entries(phys_addr_t pa, bool usable)
{
	const struct boot_mmap_entry *m;

	for_each_mmap_entry (m) {
		phys_addr_t s, e;

		if (!m->len || (m->type == MB2_MEMORY_AVAILABLE) != usable)
			continue;
		entry_pages(m, &s, &e);
		if (s <= pa && pa < e)
			return true;
	}
	return false;
}

static bool in_usable(phys_addr_t pa)
{
	return in_entries(pa, true);
}

static bool in_unusable(phys_addr_t pa)
{
	return in_entries(pa, false);
}

/*
 * memblock.memory is the usable RAM of the map in whole pages, less every
 * page a non-usable entry touches: sorted, disjoint, not adjacent; each
 * region's ends are usable pages; and each usable run's first and last page
 * that no other entry takes is in memory.
 */
static void memblock_memory_is_usable_ram(struct ktest *t)
{
	const struct memblock_type *mem = &memblock.memory;
	const struct boot_mmap_entry *m;

	KTEST_ASSERT(t, mem->cnt > 0);
	for (unsigned long i = 0; i < mem->cnt; i++) {
		const struct memblock_region *r = &mem->regions[i];
		phys_addr_t last = r->base + r->size - PAGE_SIZE;

		KTEST_EXPECT(t, r->size > 0 && !(r->base & ~PAGE_MASK) &&
					!(r->size & ~PAGE_MASK));
		if (i)
			KTEST_EXPECT(t,
				     mem->regions[i - 1].base +
						     mem->regions[i - 1].size <
					     r->base);
		KTEST_EXPECT(t, in_usable(r->base) && in_usable(last));
		KTEST_EXPECT(t, !in_unusable(r->base) && !in_unusable(last));
	}
	for_each_mmap_entry (m) {
		phys_addr_t s, e;

		if (!m->len || m->type == MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		KTEST_EXPECT(t, !overlaps(mem, s, e));
	}
	for_each_mmap_entry (m) {
		phys_addr_t s, e;

		if (!m->len || m->type != MB2_MEMORY_AVAILABLE)
			continue;
		entry_pages(m, &s, &e);
		while (s < e && in_unusable(s))
			s += PAGE_SIZE;
		while (e > s && in_unusable(e - PAGE_SIZE))
			e -= PAGE_SIZE;
		if (s < e) {
			KTEST_EXPECT(t, covered(mem, s, s + PAGE_SIZE));
			KTEST_EXPECT(t, covered(mem, e - PAGE_SIZE, e));
		}
	}
}

static void first_mib_reserved(struct ktest *t)
{
	KTEST_EXPECT(t, covered(&memblock.reserved, 0, LOW_MEMORY_END));
}

static void kernel_image_reserved(struct ktest *t)
{
	phys_addr_t stub = (phys_addr_t)(unsigned long)_kernel_phys_start;

	KTEST_EXPECT(t, covered(&memblock.reserved, __pa_symbol(_text),
				__pa_symbol(_end)));
	KTEST_EXPECT(t, covered(&memblock.reserved, stub, __pa_symbol(_text)));
	/* not one reservation for all of RAM */
	KTEST_EXPECT(t, memblock_reserved_size() < memblock_phys_mem_size());
}

static void boot_info_reserved(struct ktest *t)
{
	KTEST_EXPECT(t, covered(&memblock.reserved, boot_params.mbi_pa,
				boot_params.mbi_pa + boot_params.mbi_size));
	for (unsigned int i = 0; i < boot_params.nr_modules; i++)
		KTEST_EXPECT(t, covered(&memblock.reserved,
					boot_params.modules[i].start,
					boot_params.modules[i].end));
}

/*
 * memblock_phys_alloc() hands out a page of RAM that nothing had reserved;
 * memblock_phys_free() gives it back, so the grade boot loses no page.
 */
static void memblock_alloc_avoids_reserved(struct ktest *t)
{
	struct memblock_type before = memblock.reserved;
	phys_addr_t reserved = memblock_reserved_size();
	phys_addr_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);

	KTEST_ASSERT(t, pa != 0);
	KTEST_EXPECT(t, !(pa & ~PAGE_MASK));
	KTEST_EXPECT(t, covered(&memblock.memory, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, !overlaps(&before, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, covered(&memblock.reserved, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, memblock_reserved_size() == reserved + PAGE_SIZE);

	KTEST_EXPECT(t, memblock_phys_free(pa, PAGE_SIZE) == 0);
	KTEST_EXPECT(t, !overlaps(&memblock.reserved, pa, pa + PAGE_SIZE));
	KTEST_EXPECT(t, memblock_reserved_size() == reserved);
}

static const struct ktest_case lab1_cases[] = {
	{ "mmap_entries_match_tag", mmap_entries_match_tag },
	{ "memblock_memory_is_usable_ram", memblock_memory_is_usable_ram },
	{ "first_mib_reserved", first_mib_reserved },
	{ "kernel_image_reserved", kernel_image_reserved },
	{ "boot_info_reserved", boot_info_reserved },
	{ "memblock_alloc_avoids_reserved", memblock_alloc_avoids_reserved },
};

const struct lab_suite lab1_suite = { "lab1", lab1_cases,
				      ARRAY_SIZE(lab1_cases), NULL, 0 };
