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
	uint64_t seed = rdtsc();
	char buf[24];

	if (cmdline_value("seed", buf, sizeof(buf))) {
		seed = 0;
		for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
			seed = seed * 10 + (uint64_t)(*p - '0');
	}
	/* the mm cases end with counters_restored; page tables go before it */
	for (unsigned int i = 0; i + 1 < mm_selftest_nr_cases && n < MAX_CASES;
	     i++)
		cases[n++] = mm_selftest_cases[i];
	cases[n++] = (struct ktest_case){ "page0_unmapped", page0_unmapped };
	cases[n++] = mm_selftest_cases[mm_selftest_nr_cases - 1];
	return ktest_run("pagewise_selftest", cases, n, seed);
}
