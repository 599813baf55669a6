// SPDX-License-Identifier: MIT
/*
 * labtest.c - the graded self-tests of the labs (docs/labs/), run by `make
 * grade` with "grade=NONCE" on the command line. Each lab is one KTAP suite
 * whose results are sealed with the nonce (ktest.h, grade mode):
 *
 *   lab1  the memory map and memblock     early: before paging_init(), so
 *                                         it needs neither __va() nor
 *                                         the kernel's page tables
 *   lab2  the direct map, __va/__pa,      late: after boot, as lab3-lab5
 *         pfn_to_page/page_to_pfn
 *   lab3  the buddy core: split, merge, free lists
 *   lab4  the Linux API and the zone fallback
 *   lab5  the per-CPU order-0 lists
 *
 * The suites run in lab order, so a handout whose missing code stops the
 * kernel (lab_stop()) still reports every earlier lab. This file runs
 * them; each lab's cases are in labtest1.c to labtest5.c.
 */
#include "labtest.h"

#include "cmdline.h"
#include "labtest_suites.h"
#include "mm_selftest.h"
#include "printk.h"
#include "string.h"

#define MAX_LAB_CASES 16

/* The suites, in the order they run: lab 1 early, the rest late. */
static const struct lab_suite *const suites[] = {
	&lab1_suite, &lab2_suite, &lab3_suite, &lab4_suite, &lab5_suite,
};

static struct {
	bool on;
	uint64_t seed;
} grade;

static const struct ktest_case *selftest_case(const char *name)
{
	for (unsigned int i = 0; i < mm_selftest_nr_cases; i++)
		if (!strcmp(mm_selftest_cases[i].name, name))
			return &mm_selftest_cases[i];
	return NULL;
}

/* Run @suite as graded KTAP: its own cases, then the mm self-tests it
 * names. */
static void run_suite(const struct lab_suite *suite)
{
	struct ktest_case cases[MAX_LAB_CASES];
	unsigned int n = 0;

	for (unsigned int i = 0; i < suite->nr_cases && n < MAX_LAB_CASES; i++)
		cases[n++] = suite->cases[i];
	for (unsigned int i = 0; i < suite->nr_selftests && n < MAX_LAB_CASES;
	     i++) {
		const struct ktest_case *c = selftest_case(suite->selftests[i]);

		if (c)
			cases[n++] = *c;
	}
	ktest_grade_suite(suite->name, cases, n, grade.seed);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool lab_grade_begin(void)
{
	char val[40];
	unsigned long long seed = 1;
	siphash_key_t key = { { 0, 0 } };

	if (!cmdline_value("grade", val, sizeof(val)))
		return false;
	if (strlen(val) != 32) {
		pr_err("grade: the nonce must be 32 lowercase hex digits; not grading\n");
		return false;
	}
	for (int i = 0; i < 32; i++) {
		int d = hex_digit(val[i]);

		if (d < 0) {
			pr_err("grade: the nonce must be 32 lowercase hex digits; not grading\n");
			return false;
		}
		/* byte i/2, high nibble first; bytes 0-7 little-endian in
		 * key[0], bytes 8-15 in key[1] */
		key.key[i / 16] |= (uint64_t)d
				   << (8 * ((i % 16) / 2) + (i % 2 ? 0 : 4));
	}
	cmdline_ull("seed", &seed);
	grade.on = true;
	grade.seed = seed;
	ktest_grade_begin(&key, ARRAY_SIZE(suites));
	run_suite(suites[0]);
	return true;
}

void lab_grade_end(void)
{
	if (!grade.on)
		return;
	for (unsigned int i = 1; i < ARRAY_SIZE(suites); i++)
		run_suite(suites[i]);
	ktest_grade_end();
}
