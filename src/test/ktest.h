/* SPDX-License-Identifier: MIT */
/*
 * ktest.h - a tiny KUnit-style runner printing KTAP version 1.
 * A case is a named function; KTEST_EXPECT records a failure and goes on,
 * KTEST_ASSERT records it and returns from the case. Portable (printk only).
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/siphash.h"

struct ktest {
	const char *name;
	unsigned int failures; /* failed expectations in this case */
	unsigned int checks;   /* expectations evaluated, passed or not */
	uint64_t digest;  /* FNV-1a of each expectation's text and outcome */
	uint64_t rng;	  /* xorshift64 state, seeded from the run's seed */
	const char *skip; /* set by ktest_skip(): the reason the case skipped */
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

/* Record the outcome of @cond; print "# file:line: expected ..." on failure. */
bool ktest_expect(struct ktest *t, bool cond, const char *what,
		  const char *file, int line);

#define KTEST_EXPECT(t, cond) \
	ktest_expect((t), (cond), #cond, __FILE__, __LINE__)
#define KTEST_ASSERT(t, cond)                                              \
	do {                                                               \
		if (!ktest_expect((t), (cond), #cond, __FILE__, __LINE__)) \
			return;                                            \
	} while (0)

/*
 * ktest_skip() - mark the case skipped for @reason (a string that outlives
 * the run); the case should return at once. KTAP: "ok N name # SKIP reason".
 */
void ktest_skip(struct ktest *t, const char *reason);

/* ktest_random() - next pseudo-random number of the case's stream. */
uint64_t ktest_random(struct ktest *t);

/*
 * ktest_run() - run @n cases in order as one KTAP document:
 * "KTAP version 1", "1..n", then "ok N name" or "not ok N name" per case,
 * and a "# name: pass:P fail:F total:N" summary. Every case starts from
 * @seed (printed first, so a run can be repeated).
 * Return: the number of failed cases.
 */
unsigned int ktest_run(const char *suite, const struct ktest_case *cases,
		       unsigned int n, uint64_t seed);

/*
 * Grade mode (make grade, docs/labs/INSTRUCTORS.md): results sealed so that
 * only this run's results count. The grader puts a fresh random 128-bit
 * nonce on the command line as the SipHash @key. After each case's result
 * line comes
 *   "# seal: SUITE.CASE STATUS checks=C digest=D seal=S"
 * STATUS ok, fail or skip; C the expectations the case evaluated; D (16 hex)
 * the case's digest of what it checked; S (16 hex) = siphash(key, "P
 * SUITE.CASE STATUS C D") with P the previous seal (16 zeros at first), so
 * the seals chain in print order and a line printed by anything else, or
 * kept from another run, cannot verify.
 *
 * ktest_grade_begin() - print "KTAP version 1", "# grade: begin v1" and the
 * plan "1..@nr_suites"; from now on ktest_grade_suite() may run.
 */
void ktest_grade_begin(const siphash_key_t *key, unsigned int nr_suites);

/*
 * ktest_grade_suite() - run @n cases as KTAP subtest number (1 + suites run
 * so far) named @suite, indented 4 spaces, each result followed by its seal
 * line, then the suite's own "ok N SUITE" / "not ok N SUITE". Every case
 * starts from @seed. Return: the number of failed cases.
 */
unsigned int ktest_grade_suite(const char *suite,
			       const struct ktest_case *cases, unsigned int n,
			       uint64_t seed);

/* ktest_grade_end() - "# grade: end results=N seal=S" (the last seal). */
void ktest_grade_end(void);

/*
 * ktest_seal() - the seal of one result, as the grade mode prints it:
 * siphash under @key of "%016llx %s.%s %s %u %016llx" of @prev, @suite,
 * @name, @status, @checks, @digest. Exposed for the host tests.
 */
uint64_t ktest_seal(const siphash_key_t *key, uint64_t prev, const char *suite,
		    const char *name, const char *status, unsigned int checks,
		    uint64_t digest);

#endif
