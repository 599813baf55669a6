// SPDX-License-Identifier: MIT
/* ktest.c - the KTAP runner: numbered results, diagnostics as "# " lines. */
#include "ktest.h"

#include "printk.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

/* Grade mode (ktest_grade_begin()); indent is "" outside a subtest. */
static struct {
	bool on;
	siphash_key_t key;
	uint64_t seal; /* the last seal printed, 0 before the first */
	unsigned int suites, results;
} grade;
static const char *indent = "";

static uint64_t fnv1a(uint64_t h, const void *data, unsigned long len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

bool ktest_expect(struct ktest *t, bool cond, const char *what,
		  const char *file, int line)
{
	unsigned char outcome = cond;
	unsigned long len = 0;

	while (what[len])
		len++;
	t->checks++;
	t->digest = fnv1a(fnv1a(t->digest, what, len + 1), &outcome, 1);
	if (!cond) {
		printk("%s# %s: %s:%d: expected %s\n", indent, t->name, file,
		       line, what);
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

uint64_t ktest_seal(const siphash_key_t *key, uint64_t prev, const char *suite,
		    const char *name, const char *status, unsigned int checks,
		    uint64_t digest)
{
	char msg[192];
	int len = snprintf(msg, sizeof(msg), "%016llx %s.%s %s %u %016llx",
			   (unsigned long long)prev, suite, name, status,
			   checks, (unsigned long long)digest);

	if (len >= (int)sizeof(msg)) /* sealed cut short: cannot verify */
		len = sizeof(msg) - 1;
	return siphash(msg, (size_t)len, key);
}

/* Print the seal line of one result and chain it. */
static void print_seal(const char *suite, const struct ktest *t,
		       const char *status)
{
	grade.seal = ktest_seal(&grade.key, grade.seal, suite, t->name, status,
				t->checks, t->digest);
	grade.results++;
	printk("%s# seal: %s.%s %s checks=%u digest=%016llx seal=%016llx\n",
	       indent, suite, t->name, status, t->checks,
	       (unsigned long long)t->digest, (unsigned long long)grade.seal);
}

/* Run the cases, one result line each (and a seal line in grade mode);
 * count the failures and skips. */
static void run_cases(const char *suite, const struct ktest_case *cases,
		      unsigned int n, uint64_t seed, unsigned int *failed,
		      unsigned int *skipped)
{
	printk("%s# %s: seed %#llx\n", indent, suite, (unsigned long long)seed);
	printk("%s1..%u\n", indent, n);
	for (unsigned int i = 0; i < n; i++) {
		struct ktest t = { .name = cases[i].name,
				   .digest = FNV_OFFSET,
				   .rng = rng_state(seed) };
		const char *status;

		cases[i].run(&t);
		if (t.failures) {
			(*failed)++;
			status = "fail";
			printk("%snot ok %u %s\n", indent, i + 1,
			       cases[i].name);
		} else if (t.skip) {
			(*skipped)++;
			status = "skip";
			printk("%sok %u %s # SKIP %s\n", indent, i + 1,
			       cases[i].name, t.skip);
		} else {
			status = "ok";
			printk("%sok %u %s\n", indent, i + 1, cases[i].name);
		}
		if (grade.on)
			print_seal(suite, &t, status);
	}
	printk("%s# %s: pass:%u fail:%u skip:%u total:%u\n", indent, suite,
	       n - *failed - *skipped, *failed, *skipped, n);
}

unsigned int ktest_run(const char *suite, const struct ktest_case *cases,
		       unsigned int n, uint64_t seed)
{
	unsigned int failed = 0, skipped = 0;

	printk("KTAP version 1\n");
	run_cases(suite, cases, n, seed, &failed, &skipped);
	printk("# Totals: pass:%u fail:%u skip:%u total:%u\n",
	       n - failed - skipped, failed, skipped, n);
	return failed;
}

void ktest_grade_begin(const siphash_key_t *key, unsigned int nr_suites)
{
	grade.on = true;
	grade.key = *key;
	grade.seal = 0;
	grade.suites = grade.results = 0;
	printk("KTAP version 1\n# grade: begin v1\n1..%u\n", nr_suites);
}

unsigned int ktest_grade_suite(const char *suite,
			       const struct ktest_case *cases, unsigned int n,
			       uint64_t seed)
{
	unsigned int failed = 0, skipped = 0;

	indent = "    ";
	printk("%sKTAP version 1\n%s# Subtest: %s\n", indent, indent, suite);
	run_cases(suite, cases, n, seed, &failed, &skipped);
	indent = "";
	printk("%sok %u %s\n", failed ? "not " : "", ++grade.suites, suite);
	return failed;
}

void ktest_grade_end(void)
{
	printk("# grade: end results=%u seal=%016llx\n", grade.results,
	       (unsigned long long)grade.seal);
	grade.on = false;
}
