// SPDX-License-Identifier: MIT
/*
 * test_ktest.c - the KTAP runner's grade mode (src/test/ktest.c) and what it
 * stands on: SipHash-2-4 (src/lib/siphash.c) against the published test
 * vectors, seal lines that verify and chain, the checks and digest of a
 * case; and the lab stubs' reports (src/test/lab.c).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "ktest.h"
#include "lab.h"

/* The key of the SipHash paper's test vectors: bytes 00..0f. */
static const siphash_key_t paper_key = { { 0x0706050403020100ULL,
					   0x0f0e0d0c0b0a0908ULL } };

static void siphash_matches_the_papers_vectors(void **state)
{
	uint8_t msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		msg[i] = (uint8_t)i;
	/* Appendix A of the paper: messages 00, 00 01, ..., of length n */
	assert_true(siphash(msg, 0, &paper_key) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash(msg, 1, &paper_key) == 0x74f839c593dc67fdULL);
	assert_true(siphash(msg, 15, &paper_key) == 0xa129ca6149be45e5ULL);
}

static void siphash_depends_on_every_key_and_message_bit(void **state)
{
	uint8_t msg[24] = "pagewise grade sealing!";
	uint64_t h = siphash(msg, sizeof(msg), &paper_key);

	(void)state;
	for (int bit = 0; bit < 128; bit++) {
		siphash_key_t k = paper_key;

		k.key[bit / 64] ^= 1ULL << (bit % 64);
		assert_true(siphash(msg, sizeof(msg), &k) != h);
	}
	for (size_t bit = 0; bit < 8 * sizeof(msg); bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_true(siphash(msg, sizeof(msg), &paper_key) != h);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* unaligned data gives the same result */
	{
		uint8_t buf[32];

		memcpy(buf + 3, msg, sizeof(msg));
		assert_true(siphash(buf + 3, sizeof(msg), &paper_key) == h);
	}
}

static void three_checks(struct ktest *t)
{
	KTEST_EXPECT(t, 1 + 1 == 2);
	KTEST_EXPECT(t, 2 + 2 == 4);
	KTEST_ASSERT(t, 3 > 2);
}

static void fails_once(struct ktest *t)
{
	KTEST_EXPECT(t, 1 == 2);
	KTEST_EXPECT(t, 2 == 2);
}

static void no_checks(struct ktest *t)
{
	(void)t;
}

/* The seal line of @suite.@name in the log: status, checks, digest, seal. */
static bool find_seal(const char *suite, const char *name, char *status,
		      unsigned int *checks, uint64_t *digest, uint64_t *seal)
{
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), "# seal: %s.%s ", suite, name);
	p = strstr(printk_log(), want);
	if (!p)
		return false;
	return sscanf(p + strlen(want),
		      "%7s checks=%u digest=%16" SCNx64 " seal=%16" SCNx64,
		      status, checks, digest, seal) == 4;
}

static const struct ktest_case graded[] = {
	{ "three_checks", three_checks },
	{ "fails_once", fails_once },
	{ "no_checks", no_checks },
};

/*
 * A graded run: each result line is followed by its seal line, whose seal
 * is siphash(key, "prev SUITE.CASE STATUS CHECKS DIGEST"), chained from
 * 0; the end line repeats the last seal.
 */
static void grade_mode_seals_and_chains_every_result(void **state)
{
	const char *names[] = { "three_checks", "fails_once", "no_checks" };
	const char *want_status[] = { "ok", "fail", "ok" };
	const unsigned int want_checks[] = { 3, 2, 0 };
	siphash_key_t key = { { 0x1122334455667788ULL,
				0x99aabbccddeeff00ULL } };
	uint64_t prev = 0;
	char end[96];

	(void)state;
	printk_log_clear();
	ktest_grade_begin(&key, 1);
	assert_int_equal(ktest_grade_suite("demo", graded, 3, 7), 1);
	ktest_grade_end();
	assert_non_null(strstr(printk_log(),
			       "KTAP version 1\n# grade: begin v1\n1..1\n"));
	assert_non_null(strstr(printk_log(), "    # Subtest: demo\n"));
	assert_non_null(strstr(printk_log(), "    not ok 2 fails_once\n"));
	assert_non_null(strstr(printk_log(), "\nnot ok 1 demo\n"));
	for (int i = 0; i < 3; i++) {
		char status[8], msg[160];
		unsigned int checks;
		uint64_t digest, seal;

		assert_true(find_seal("demo", names[i], status, &checks,
				      &digest, &seal));
		assert_string_equal(status, want_status[i]);
		assert_int_equal(checks, want_checks[i]);
		/* the documented message, sealed independently */
		snprintf(msg, sizeof(msg),
			 "%016" PRIx64 " demo.%s %s %u %016" PRIx64, prev,
			 names[i], status, checks, digest);
		assert_true(seal == siphash(msg, strlen(msg), &key));
		assert_true(seal == ktest_seal(&key, prev, "demo", names[i],
					       status, checks, digest));
		/* another key (another run's nonce) gives another seal */
		assert_true(seal != ktest_seal(&paper_key, prev, "demo",
					       names[i], status, checks,
					       digest));
		prev = seal;
	}
	snprintf(end, sizeof(end),
		 "# grade: end results=3 seal=%016" PRIx64 "\n", prev);
	assert_int_equal(printk_log_count(end), 1);
}

/* The digest is a fingerprint of what was checked: the same checks give
 * the same digest in every run, other checks another one. */
static void digest_fingerprints_the_checks(void **state)
{
	siphash_key_t key = { { 1, 2 } };
	char s1[8], s2[8];
	unsigned int c1, c2;
	uint64_t d1, d2, d3, seal;

	(void)state;
	for (int run = 0; run < 2; run++) {
		printk_log_clear();
		ktest_grade_begin(&key, 1);
		ktest_grade_suite("demo", graded, 2, (uint64_t)run);
		ktest_grade_end();
		assert_true(find_seal("demo", "three_checks", run ? s2 : s1,
				      run ? &c2 : &c1, run ? &d2 : &d1, &seal));
	}
	assert_true(d1 == d2 && c1 == c2);
	assert_true(find_seal("demo", "fails_once", s1, &c1, &d3, &seal));
	assert_true(d3 != d1);
}

/* Outside grade mode, ktest_run() prints no seal lines. */
static void plain_runs_print_no_seals(void **state)
{
	(void)state;
	printk_log_clear();
	assert_int_equal(ktest_run("plain", graded, 3, 1), 1);
	assert_int_equal(printk_log_count("# seal:"), 0);
	assert_int_equal(printk_log_count("ok 1 three_checks\n"), 1);
}

static void lab_missing_reports_each_function_once(void **state)
{
	unsigned int before = lab_missing_count();

	(void)state;
	printk_log_clear();
	lab_missing(3, "expand");
	lab_missing(3, "expand");
	lab_missing(4, "free_pages");
	assert_int_equal(
		printk_log_count(
			"lab: LAB 3: expand() is not written yet (docs/labs/lab3.md)\n"),
		1);
	assert_int_equal(
		printk_log_count("lab: LAB 4: free_pages() is not written yet"),
		1);
	assert_int_equal(lab_missing_count(), before + 2);
}

static void stop_at_pfn_to_page(void)
{
	lab_stop(2, "pfn_to_page");
}

static void lab_stop_panics_with_the_function(void **state)
{
	(void)state;
	printk_log_clear();
	assert_true(run_expecting_panic(stop_at_pfn_to_page));
	assert_int_equal(
		printk_log_count(
			"lab: LAB 2: pfn_to_page() is not written yet; boot cannot go on without it (docs/labs/lab2.md)\n"),
		1);
	assert_int_equal(
		printk_log_count(
			"Kernel panic - not syncing: LAB 2: pfn_to_page() is missing"),
		1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_matches_the_papers_vectors),
		cmocka_unit_test(siphash_depends_on_every_key_and_message_bit),
		cmocka_unit_test(grade_mode_seals_and_chains_every_result),
		cmocka_unit_test(digest_fingerprints_the_checks),
		cmocka_unit_test(plain_runs_print_no_seals),
		cmocka_unit_test(lab_missing_reports_each_function_once),
		cmocka_unit_test(lab_stop_panics_with_the_function),
	};

	return cmocka_run_group_tests_name("ktest", tests, NULL, NULL);
}
