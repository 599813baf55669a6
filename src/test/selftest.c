// SPDX-License-Identifier: MIT
/*
 * selftest.c - the "selftest" command-line option: the mm self-tests on real
 * RAM plus the checks only the running kernel can make (its page tables),
 * as one KTAP document on COM1.
 */
#include "selftest.h"

#include "cmdline.h"
#include "cpu.h"
#include "init.h"
#include "ktest.h"
#include "memlayout.h"
#include "mm_selftest.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "tss.h"

extern char _kernel_phys_start[];
extern char _text[], _etext[], _rodata[], _erodata[], _data[], _end[];

/* Virtual page 0 and the old identity map are gone; the direct map is there. */
static void page0_unmapped(struct ktest *t)
{
	int level;

	KTEST_EXPECT(t, lookup_address(0, &level) == NULL);
	KTEST_EXPECT(t, lookup_address((unsigned long)_kernel_phys_start,
				       &level) == NULL);
	KTEST_EXPECT(t, lookup_address(
				PAGE_OFFSET + (unsigned long)_kernel_phys_start,
				&level) != NULL);
}

/*
 * Check each page of [@start, @end) of the kernel image against the rights
 * it should have: @rw (writable or not) and, where the CPU has NX, @nx.
 * Guard pages are skipped (stack_guard_pages checks them). Return: the
 * number of pages that differ; the first one is printed as a diagnostic.
 */
static unsigned long check_image_pages(const char *what, const char *start,
				       const char *end, bool rw, bool nx)
{
	unsigned long bad = 0;

	for (unsigned long va = (unsigned long)start & PAGE_MASK;
	     va < (unsigned long)end; va += PAGE_SIZE) {
		const struct kernel_stack *stack = kernel_stack_of(va);
		int level;
		pteval_t *pte = lookup_address(va, &level);
		bool ok;

		if (stack && in_guard_page(stack, va))
			continue;
		ok = pte && !!(*pte & _PAGE_RW) == rw &&
		     (!boot_cpu_data.has_nx || !!(*pte & _PAGE_NX) == nx);
		if (!ok && !bad++)
			printk("# %s page %#lx: entry %#lx, expected %s%s\n",
			       what, va, pte ? (unsigned long)*pte : 0UL,
			       rw ? "RW" : "read-only",
			       nx ? " NX" : " executable");
	}
	return bad;
}

/* W^X: text is read-only and executable, rodata read-only and NX, data
 * and bss writable and NX; so no page is both writable and executable. */
static void kernel_wx(struct ktest *t)
{
	KTEST_EXPECT(
		t, check_image_pages("text", _text, _etext, false, false) == 0);
	KTEST_EXPECT(t, check_image_pages("rodata", _rodata, _erodata, false,
					  true) == 0);
	KTEST_EXPECT(
		t, check_image_pages("data+bss", _data, _end, true, true) == 0);
}

/*
 * The init region was freed (free_boot_memory()): no page of it is left in
 * the kernel image map, so a late call into __init code faults; its
 * direct-map alias stays, as the buddy allocator hands the pages out there.
 */
static void init_memory_unmapped(struct ktest *t)
{
	unsigned long mapped = 0, direct = 0;

	KTEST_EXPECT(t,
		     (unsigned long)__init_end > (unsigned long)__init_begin);
	for (unsigned long va = (unsigned long)__init_begin;
	     va < (unsigned long)__init_end; va += PAGE_SIZE) {
		int level;

		if (lookup_address(va, &level) && !mapped++)
			printk("# init page %#lx is still mapped\n", va);
		if (lookup_address((unsigned long)__va(__pa(va)), &level))
			direct++;
	}
	KTEST_EXPECT(t, mapped == 0);
	KTEST_EXPECT(t, direct == (unsigned long)(__init_end - __init_begin) /
					  PAGE_SIZE);
}

/* Below each kernel stack an unmapped guard page; the stack itself mapped. */
static void stack_guard_pages(struct ktest *t)
{
	for (unsigned int i = 0; i < NR_KERNEL_STACKS; i++) {
		const struct kernel_stack *s = &kernel_stacks[i];
		int level;

		if (!KTEST_EXPECT(t, lookup_address(s->guard, &level) == NULL))
			printk("# the %s stack's guard page %#lx is mapped\n",
			       s->name, s->guard);
		KTEST_EXPECT(t, lookup_address(s->base, &level) != NULL);
		KTEST_EXPECT(t, lookup_address(s->top - 1, &level) != NULL);
		KTEST_EXPECT(t, s->base - s->guard == PAGE_SIZE);
	}
}

#define MAX_CASES 48

unsigned int run_selftests(void)
{
	static struct ktest_case cases[MAX_CASES];
	unsigned int n = 0;
	unsigned long long seed = rdtsc();

	cmdline_ull("seed", &seed);
	/* the mm cases end with counters_restored; page tables go before it */
	BUG_ON(mm_selftest_nr_cases + 4 > MAX_CASES);
	for (unsigned int i = 0; i + 1 < mm_selftest_nr_cases; i++)
		cases[n++] = mm_selftest_cases[i];
	cases[n++] = (struct ktest_case){ "page0_unmapped", page0_unmapped };
	cases[n++] = (struct ktest_case){ "kernel_wx", kernel_wx };
	cases[n++] = (struct ktest_case){ "init_memory_unmapped",
					  init_memory_unmapped };
	cases[n++] =
		(struct ktest_case){ "stack_guard_pages", stack_guard_pages };
	cases[n++] = mm_selftest_cases[mm_selftest_nr_cases - 1];
	return ktest_run("pagewise_selftest", cases, n, seed);
}
