/* SPDX-License-Identifier: MIT */
/*
 * labtest_suites.h - what each lab's graded suite (labtest1.c to
 * labtest5.c) gives the runner (labtest.c), and the facts they share.
 */
#ifndef LABTEST_SUITES_H
#define LABTEST_SUITES_H

#include "ktest.h"
#include "lib/kernel.h"

#define LOW_MEMORY_END 0x100000UL /* the first MiB, reserved at boot */

/* The kernel image's bounds, from the linker script. */
extern char _kernel_phys_start[], _text[], _end[];

/*
 * struct lab_suite - one lab's graded KTAP suite, named @name ("lab3"): its
 * own @nr_cases @cases, then the @nr_selftests mm self-test cases
 * (mm_selftest.c) named in @selftests, in that order.
 */
struct lab_suite {
	const char *name;
	const struct ktest_case *cases;
	unsigned int nr_cases;
	const char *const *selftests;
	unsigned int nr_selftests;
};

extern const struct lab_suite lab1_suite, lab2_suite, lab3_suite, lab4_suite,
	lab5_suite;

#endif
