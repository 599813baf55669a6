// SPDX-License-Identifier: MIT
/*
 * memblock.c - the boot-time allocator: two sorted region lists, memory and
 * reserved, and top-down allocation from what is in the first and not the
 * second. Invariant: each list is sorted by base, regions neither overlap nor
 * touch, every size is > 0.
 */
#define pr_fmt(fmt) "memblock: " fmt

#include "memblock.h"

#include "mm.h"

struct memblock memblock = {
	.current_limit = MEMBLOCK_ALLOC_ANYWHERE,
	.memory = { .name = "memory" },
	.reserved = { .name = "reserved" },
};

void memblock_reset(void)
{
	memblock.memory.cnt = 0;
	memblock.reserved.cnt = 0;
	memblock.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
	memblock.retired = false;
}

static phys_addr_t region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/*
 * Add [base, end) to @type: every region it overlaps or touches is absorbed
 * into it, then it is inserted in order. Needs at most one free slot.
 */
static int memblock_add_range(struct memblock_type *type, phys_addr_t base,
			      phys_addr_t size)
{
	phys_addr_t end;
	unsigned long i, first, last;

	if (memblock.retired) {
		pr_err("%s: called after memblock retired\n", type->name);
		return -1;
	}
	if (!size)
		return 0;
	end = base + size;
	if (end < base) /* clamp a range that wraps past the top */
		end = ~(phys_addr_t)0 & PAGE_MASK;
	if (end <= base) /* nothing left once clamped */
		return 0;

	/* first: first region ending at or after base; last: one past the
	 * last region starting at or before end. Those in between merge. */
	for (first = 0;
	     first < type->cnt && region_end(&type->regions[first]) < base;
	     first++)
		;
	for (last = first; last < type->cnt && type->regions[last].base <= end;
	     last++)
		;
	if (last > first) {
		if (type->regions[first].base < base)
			base = type->regions[first].base;
		if (region_end(&type->regions[last - 1]) > end)
			end = region_end(&type->regions[last - 1]);
	} else if (type->cnt >= MEMBLOCK_MAX_REGIONS) {
		pr_err("%s: no room for [mem %#018llx-%#018llx], %d regions at most\n",
		       type->name, (unsigned long long)base,
		       (unsigned long long)end - 1, MEMBLOCK_MAX_REGIONS);
		return -1;
	}

	/* Replace regions [first, last) by one region at index first. */
	if (last == first) {
		for (i = type->cnt; i > first; i--)
			type->regions[i] = type->regions[i - 1];
		type->cnt++;
	} else {
		unsigned long gone = last - first - 1;

		for (i = first + 1; i + gone < type->cnt; i++)
			type->regions[i] = type->regions[i + gone];
		type->cnt -= gone;
	}
	type->regions[first].base = base;
	type->regions[first].size = end - base;
	return 0;
}

int memblock_add(phys_addr_t base, phys_addr_t size)
{
	return memblock_add_range(&memblock.memory, base, size);
}

int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	return memblock_add_range(&memblock.reserved, base, size);
}

/* The end of [base, base + size), cut at the top of the address space. */
static phys_addr_t range_end(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;

	return end < base ? ~(phys_addr_t)0 : end;
}

int memblock_add_pages(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t start = (base + PAGE_SIZE - 1) & PAGE_MASK;
	phys_addr_t end = range_end(base, size) & PAGE_MASK;

	if (!size || start < base || end <= start)
		return 0;
	return memblock_add(start, end - start);
}

/*
 * The pages [base, base + size) touches, as [*start, *end); the top page of
 * the address space is never included (it can be neither memory nor
 * reserved). Return: false when no page is touched.
 */
static bool pages_touched(phys_addr_t base, phys_addr_t size,
			  phys_addr_t *start, phys_addr_t *end)
{
	const phys_addr_t top = ~(phys_addr_t)0 & PAGE_MASK;
	phys_addr_t e = range_end(base, size);

	*start = base & PAGE_MASK;
	*end = e > top ? top : (e + PAGE_SIZE - 1) & PAGE_MASK;
	return size && *end > *start;
}

int memblock_reserve_pages(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t start, end;

	if (!pages_touched(base, size, &start, &end))
		return 0;
	return memblock_reserve(start, end - start);
}

/* Cut [base, end) out of @type, splitting a region that straddles it. */
static int memblock_remove_range(struct memblock_type *type, phys_addr_t base,
				 phys_addr_t end)
{
	unsigned long i = 0, j;

	while (i < type->cnt) {
		struct memblock_region *r = &type->regions[i];
		phys_addr_t rs = r->base, re = region_end(r);

		if (re <= base || rs >= end) {
			i++;
		} else if (rs < base && re > end) { /* a hole in the middle */
			if (type->cnt >= MEMBLOCK_MAX_REGIONS) {
				pr_err("%s: no room to split at [mem %#018llx-%#018llx]\n",
				       type->name, (unsigned long long)base,
				       (unsigned long long)end - 1);
				return -1;
			}
			for (j = type->cnt; j > i + 1; j--)
				type->regions[j] = type->regions[j - 1];
			type->cnt++;
			r->size = base - rs;
			type->regions[i + 1].base = end;
			type->regions[i + 1].size = re - end;
			return 0;
		} else if (rs < base) { /* cut the tail */
			r->size = base - rs;
			i++;
		} else if (re > end) { /* cut the head */
			r->base = end;
			r->size = re - end;
			i++;
		} else { /* wholly inside: drop it */
			for (j = i; j + 1 < type->cnt; j++)
				type->regions[j] = type->regions[j + 1];
			type->cnt--;
		}
	}
	return 0;
}

int memblock_remove_pages(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t start, end;

	if (memblock.retired) {
		pr_err("memory: remove called after memblock retired\n");
		return -1;
	}
	if (!pages_touched(base, size, &start, &end))
		return 0;
	return memblock_remove_range(&memblock.memory, start, end);
}

/* Is [base, end) wholly inside one region of @type? (Regions never touch.) */
static bool range_in_one_region(const struct memblock_type *type,
				phys_addr_t base, phys_addr_t end)
{
	for (unsigned long i = 0; i < type->cnt; i++)
		if (type->regions[i].base <= base &&
		    end <= region_end(&type->regions[i]))
			return true;
	return false;
}

int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;

	if (!size)
		return 0;
	if (memblock.retired) {
		pr_err("reserved: free of [mem %#018llx-%#018llx] after memblock retired\n",
		       (unsigned long long)base, (unsigned long long)end - 1);
		return -1;
	}
	if (end < base || !range_in_one_region(&memblock.reserved, base, end)) {
		pr_err("reserved: free of [mem %#018llx-%#018llx], which is not wholly reserved (double or foreign free); nothing freed\n",
		       (unsigned long long)base, (unsigned long long)end - 1);
		return -1;
	}
	return memblock_remove_range(&memblock.reserved, base, end);
}

void memblock_set_current_limit(phys_addr_t limit)
{
	memblock.current_limit = limit;
}

/*
 * Walk the free ranges (memory minus reserved) in address order, in bytes,
 * unaligned. @fn returns true to stop. Used both ways: top-down allocation
 * wants the last fit, so it records candidates and keeps going.
 */
static void for_each_free_range(bool (*fn)(phys_addr_t start, phys_addr_t end,
					   void *arg),
				void *arg)
{
	const struct memblock_type *mem = &memblock.memory;
	const struct memblock_type *rsv = &memblock.reserved;
	unsigned long r = 0;

	for (unsigned long m = 0; m < mem->cnt; m++) {
		phys_addr_t start = mem->regions[m].base;
		phys_addr_t end = region_end(&mem->regions[m]);

		while (start < end) {
			phys_addr_t stop = end;

			/* skip reserved regions wholly before start */
			while (r < rsv->cnt &&
			       region_end(&rsv->regions[r]) <= start)
				r++;
			if (r < rsv->cnt && rsv->regions[r].base <= start) {
				start = region_end(&rsv->regions[r]);
				continue;
			}
			if (r < rsv->cnt && rsv->regions[r].base < end)
				stop = rsv->regions[r].base;
			if (fn(start, stop, arg))
				return;
			start = stop;
		}
	}
}

struct alloc_req {
	phys_addr_t size, align, limit;
	phys_addr_t found; /* highest fitting base so far, 0 for none */
};

static bool fit_top_down(phys_addr_t start, phys_addr_t end, void *arg)
{
	struct alloc_req *req = arg;
	phys_addr_t base;

	if (end > req->limit)
		end = req->limit;
	if (end < start + req->size || end < req->size)
		return false;
	base = (end - req->size) & ~(req->align - 1);
	if (base >= start && base && base > req->found)
		req->found = base;
	return false;
}

phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align)
{
	struct alloc_req req = { size, align ? align : 1,
				 memblock.current_limit, 0 };

	if (memblock.retired) {
		pr_err("alloc of %llu bytes after memblock retired\n",
		       (unsigned long long)size);
		return 0;
	}
	if (!size || (req.align & (req.align - 1)))
		return 0;
	for_each_free_range(fit_top_down, &req);
	if (req.found && memblock_reserve(req.found, size))
		return 0;
	return req.found;
}

static phys_addr_t type_size(const struct memblock_type *type)
{
	phys_addr_t total = 0;

	for (unsigned long i = 0; i < type->cnt; i++)
		total += type->regions[i].size;
	return total;
}

phys_addr_t memblock_phys_mem_size(void)
{
	return type_size(&memblock.memory);
}

phys_addr_t memblock_reserved_size(void)
{
	return type_size(&memblock.reserved);
}

phys_addr_t memblock_end_of_DRAM(void)
{
	const struct memblock_type *mem = &memblock.memory;

	return mem->cnt ? region_end(&mem->regions[mem->cnt - 1]) : 0;
}

struct pfn_walk {
	void (*fn)(unsigned long start_pfn, unsigned long end_pfn, void *arg);
	void *arg;
};

static bool call_pfn_range(phys_addr_t start, phys_addr_t end, void *arg)
{
	struct pfn_walk *w = arg;
	unsigned long start_pfn = PFN_UP(start), end_pfn = PFN_DOWN(end);

	if (start_pfn < end_pfn)
		w->fn(start_pfn, end_pfn, w->arg);
	return false;
}

void for_each_free_mem_pfn_range(void (*fn)(unsigned long start_pfn,
					    unsigned long end_pfn, void *arg),
				 void *arg)
{
	struct pfn_walk w = { fn, arg };

	for_each_free_range(call_pfn_range, &w);
}

void memblock_dump(void)
{
	const struct memblock_type *types[] = { &memblock.memory,
						&memblock.reserved };

	for (unsigned int t = 0; t < 2; t++) {
		const struct memblock_type *type = types[t];

		pr_info(" %s.cnt  = 0x%lx\n", type->name, type->cnt);
		for (unsigned long i = 0; i < type->cnt; i++)
			pr_info(" %s[%#lx]\t[mem %#018llx-%#018llx], %#llx bytes\n",
				type->name, i,
				(unsigned long long)type->regions[i].base,
				(unsigned long long)region_end(
					&type->regions[i]) -
					1,
				(unsigned long long)type->regions[i].size);
	}
}
