/* SPDX-License-Identifier: MIT */
/*
 * mm_selftest_cases.h - what the mm self-test files share: the helpers of
 * mm_selftest.c and every case, which mm_selftest.c lists in order.
 */
#ifndef MM_SELFTEST_CASES_H
#define MM_SELFTEST_CASES_H

#include "ktest.h"
#include "mm.h"

/*
 * drained_snapshot() - drain the per-CPU lists, then take the snapshot @s:
 * every free page is then merged on the buddy lists, so two snapshots of
 * the same free pages compare equal.
 */
void drained_snapshot(struct buddy_snapshot *s);

/*
 * case_alloc() - the allocation a case starts from. On a machine with too
 * little free memory the case is skipped (KTAP "# SKIP"), not failed: the
 * caller returns at once when this gives NULL.
 */
struct page *case_alloc(struct ktest *t, unsigned int order);

/*
 * The bad-input cases: each misuse must print exactly the reports expected
 * (one "BUG:" block each), leave the free lists and counters exactly as they
 * were, and keep buddy_verify() clean. Every case that expects reports is
 * named "bad_*", so a log checker can tell expected reports from real ones.
 */
struct refusal {
	struct buddy_snapshot before;
	unsigned long reports;
};

void refusal_begin(struct refusal *r);
void refusal_expect(struct ktest *t, const struct refusal *r,
		    unsigned long nr_reports);

/* expect_allocated() - the block at @page still allocated as it was: head,
 * @order, one reference. free_taken() - free every block chained on
 * @taken through page->lru (allocated heads, order in private). */
void expect_allocated(struct ktest *t, const struct page *page,
		      unsigned int order);
void free_taken(struct list_head *taken);

/* The cases (mm_selftest_api.c, mm_selftest_bad.c, mm_selftest_zones.c). */
void alloc_free_every_order(struct ktest *t);
void get_zeroed_page_is_zeroed(struct ktest *t);
void blocks_aligned_and_disjoint(struct ktest *t);
void all_free_memory_at_order0(struct ktest *t);
void free_pages_of_0_does_nothing(struct ktest *t);
void bad_double_free_whole_block(struct ktest *t);
void bad_double_free_page_in_free_block(struct ktest *t);
void bad_free_wrong_order_smaller(struct ktest *t);
void bad_free_wrong_order_larger(struct ktest *t);
void bad_free_misaligned(struct ktest *t);
void bad_free_reserved_page(struct ktest *t);
void bad_free_kernel_image_page(struct ktest *t);
void bad_free_outside_mem_map(struct ktest *t);
void bad_free_outside_direct_map(struct ktest *t);
void bad_free_middle_of_allocated_block(struct ktest *t);
void bad_order_above_max(struct ktest *t);
void bad_gfp_unknown_bits(struct ktest *t);
void oom_at_each_order(struct ktest *t);
void bad_use_after_free_poison(struct ktest *t);
void refcount_get_put(struct ktest *t);
void bad_put_page_after_last_reference(struct ktest *t);
void alloc_pages_exact_gives_back_the_tail(struct ktest *t);
void bulk_alloc_and_release(struct ktest *t);
void contig_pages_and_ranges(struct ktest *t);
void contig_pages_below_a_limit(struct ktest *t);
void zone_dma_below_16m(struct ktest *t);
void zone_dma32_below_4g(struct ktest *t);
void zone_fallback_order(struct ktest *t);
void zone_watermarks(struct ktest *t);
void zone_dma_exhausted(struct ktest *t);
void pcp_lists(struct ktest *t);

#endif
