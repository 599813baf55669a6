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

struct ktest {
	const char *name;
	unsigned int failures; /* failed expectations in this case */
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

#endif
