/* SPDX-License-Identifier: MIT */
/*
 * mm_selftest.h - self-tests of the buddy allocator on whatever memory it
 * manages: real RAM in the kernel, fake RAM on the host.
 */
#ifndef MM_SELFTEST_H
#define MM_SELFTEST_H

#include "ktest.h"

/*
 * The cases, in order. The first records the allocator's counters; the last
 * checks that MemFree and every nr_free are back to those values.
 */
extern const struct ktest_case mm_selftest_cases[];
extern const unsigned int mm_selftest_nr_cases;

#endif
