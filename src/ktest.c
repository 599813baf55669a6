// SPDX-License-Identifier: MIT
/* ktest.c - the KTAP runner: numbered results, diagnostics as "# " lines. */
#include "ktest.h"

#include "printk.h"

bool ktest_expect(struct ktest *t, bool cond, const char *what,
		  const char *file, int line)
{
	if (!cond) {
		printk("# %s: %s:%d: expected %s\n", t->name, file, line, what);
		t->failures++;
	}
	return cond;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skip = reason;
}

uint64_t ktest_random(struct ktest *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* A nonzero xorshift state from any seed (splitmix64's mixer), so that
 * every seed, 0 included, gives its own stream. */
static uint64_t rng_state(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

unsigned int ktest_run(const char *suite, const struct ktest_case *cases,
		       unsigned int n, uint64_t seed)
{
	unsigned int failed = 0, skipped = 0;

	printk("KTAP version 1\n");
	printk("# %s: seed %#llx\n", suite, (unsigned long long)seed);
	printk("1..%u\n", n);
	for (unsigned int i = 0; i < n; i++) {
		struct ktest t = { .name = cases[i].name,
				   .rng = rng_state(seed) };

		cases[i].run(&t);
		if (t.failures) {
			failed++;
			printk("not ok %u %s\n", i + 1, cases[i].name);
		} else if (t.skip) {
			skipped++;
			printk("ok %u %s # SKIP %s\n", i + 1, cases[i].name,
			       t.skip);
		} else {
			printk("ok %u %s\n", i + 1, cases[i].name);
		}
	}
	printk("# %s: pass:%u fail:%u skip:%u total:%u\n", suite,
	       n - failed - skipped, failed, skipped, n);
	printk("# Totals: pass:%u fail:%u skip:%u total:%u\n",
	       n - failed - skipped, failed, skipped, n);
	return failed;
}
