// SPDX-License-Identifier: MIT
/*
 * selftest.c - the "selftest" command-line option: the mm self-tests on real
 * RAM plus the checks only the running kernel can make (its page tables),
 * as one KTAP document on COM1.
 */
#include "selftest.h"

#include "cmdline.h"
#include "cpu.h"
#include "ktest.h"
#include "memlayout.h"
#include "mm_selftest.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"

extern char _kernel_phys_start[];

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

#define MAX_CASES 32

unsigned int run_selftests(void)
{
	static struct ktest_case cases[MAX_CASES];
	unsigned int n = 0;
	unsigned long long seed = rdtsc();

	cmdline_ull("seed", &seed);
	/* the mm cases end with counters_restored; page tables go before it */
	BUG_ON(mm_selftest_nr_cases + 1 > MAX_CASES);
	for (unsigned int i = 0; i + 1 < mm_selftest_nr_cases; i++)
		cases[n++] = mm_selftest_cases[i];
	cases[n++] = (struct ktest_case){ "page0_unmapped", page0_unmapped };
	cases[n++] = mm_selftest_cases[mm_selftest_nr_cases - 1];
	return ktest_run("pagewise_selftest", cases, n, seed);
}
