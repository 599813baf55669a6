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

uint64_t ktest_random(struct ktest *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

unsigned int ktest_run(const char *suite, const struct ktest_case *cases,
		       unsigned int n, uint64_t seed)
{
	unsigned int failed = 0;

	printk("KTAP version 1\n");
	printk("# %s: seed %#llx\n", suite, (unsigned long long)seed);
	printk("1..%u\n", n);
	for (unsigned int i = 0; i < n; i++) {
		struct ktest t = { .name = cases[i].name, .rng = seed | 1 };

		cases[i].run(&t);
		if (t.failures)
			failed++;
		printk("%sok %u %s\n", t.failures ? "not " : "", i + 1,
		       cases[i].name);
	}
	printk("# %s: pass:%u fail:%u skip:0 total:%u\n", suite, n - failed,
	       failed, n);
	printk("# Totals: pass:%u fail:%u skip:0 total:%u\n", n - failed,
	       failed, n);
	return failed;
}
