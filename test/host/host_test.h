/* SPDX-License-Identifier: MIT */
/*
 * host_test.h - the cmocka side of the host tests, on top of the shared
 * machine of fake_machine.h: the run's settings from the environment, a
 * panic() that fails the running test, and checks of the whole allocator.
 */
#ifndef HOST_TEST_H
#define HOST_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "fake_machine.h"

struct buddy_snapshot;

/*
 * host_tests_init() - call first in main(). Reads the environment:
 * $PAGEWISE_TEST, if set, is a cmocka filter pattern ("free_*") choosing
 * which cases run; $PAGEWISE_MM_DEBUG is "verify" (the default: buddy_verify()
 * after every allocation and free, which turns off the order-0 fast paths)
 * or "off" (as the kernel boots: the fast paths run), the mm_debug every
 * fake_machine_boot() of the run boots with (`make test-host` runs each
 * test both ways); $PAGEWISE_VERBOSE=1 echoes printk() on stdout. From then
 * on a panic() outside run_expecting_panic() fails the running test. A bad
 * value of $PAGEWISE_MM_DEBUG exits with status 2 and a message.
 */
void host_tests_init(void);

/* fake_machine_teardown() as a cmocka teardown function. */
int fake_machine_teardown_case(void **state);

/*
 * MACHINE_CASE(fn, setup, m) - the cmocka test @fn on a fresh machine: the
 * setup @setup is given the struct fake_machine *@m as its state (*state),
 * boots it, and fake_machine_teardown_case() throws it away after @fn.
 */
#define MACHINE_CASE(fn, setup, m)                \
	cmocka_unit_test_prestate_setup_teardown( \
		fn, setup, fake_machine_teardown_case, (void *)(m))

/*
 * fake_machine_boot_case() - a setup for MACHINE_CASE(): fake_machine_boot()
 * of the machine *@state, then printk_log_clear(), so that a case reads only
 * what it printed itself. Return: 0.
 */
int fake_machine_boot_case(void **state);

/*
 * fake_machine_boot_poisoned_case() - fake_machine_boot_case() with
 * page_poison=1, set before mm_core_init() as the kernel reads it.
 * Return: 0.
 */
int fake_machine_boot_poisoned_case(void **state);

/*
 * snapshot_drained() - drain_all_pages(), then buddy_snapshot(@s): the
 * counters with every page of the per-CPU lists back in the buddy.
 */
void snapshot_drained(struct buddy_snapshot *s);

/*
 * bytes_are() - is every one of the @len bytes at @p equal to @byte?
 * (memset()'s order of arguments)
 */
bool bytes_are(const void *p, unsigned char byte, size_t len);

/*
 * assert_canonical_buddy() - drain the per-CPU lists, then fail the test
 * unless the free lists hold exactly the canonical blocks of @is_free (same
 * pfns, same orders, same nr_free), every other page is not free, and
 * buddy_verify() finds nothing.
 */
void assert_canonical_buddy(const bool *is_free, unsigned long nr_pfns);

#endif
