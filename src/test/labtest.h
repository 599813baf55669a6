/* SPDX-License-Identifier: MIT */
/*
 * labtest.h - the graded self-tests of the labs (docs/labs/), for `make
 * grade`: with "grade=NONCE" (32 lowercase hex digits) on the command line
 * the kernel runs them instead of the self-tests, as sealed KTAP (ktest.h).
 */
#ifndef LABTEST_H
#define LABTEST_H

#include <stdbool.h>

/*
 * lab_grade_begin() - if the command line holds a valid "grade=NONCE":
 * begin the graded KTAP document (seed from "seed=N", default 1) and run
 * lab 1's suite. Call right after memblock_setup_from_mmap(), before
 * paging_init(): lab 1's cases need neither __va() nor the direct map.
 * Return: true in grade mode. A malformed nonce is reported; false.
 */
bool lab_grade_begin(void);

/*
 * lab_grade_end() - in grade mode, once boot is done: run the suites of
 * labs 2 to 5 and end the document ("# grade: end ..."). Else nothing.
 */
void lab_grade_end(void);

#endif
