// SPDX-License-Identifier: MIT
/*
 * test_vsprintf.c - src/lib/vsprintf.c against expected strings: every
 * conversion, flag and length the kernel's printk() calls use, and the C99
 * contract of vsnprintf() (never past @size, NUL-terminated, full length).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_test.h"
#include "kallsyms_host.h"

#define BUF_SIZE 256

/*
 * Format through vsnprintf() (not snprintf(), which gcc may fold at compile
 * time) and compare with @expected, both the text and the returned length.
 */
static void __attribute__((format(printf, 4, 5)))
check_format(const char *file, int line, const char *expected, const char *fmt,
	     ...)
{
	char buf[BUF_SIZE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	_assert_string_equal(buf, expected, file, line);
	_assert_int_equal((uint64_t)n, strlen(expected), file, line);
}

#define EXPECT_FORMAT(expected, ...) \
	check_format(__FILE__, __LINE__, expected, __VA_ARGS__)

/*
 * Hide @s from gcc's compile-time printf checks: they reject a few inputs
 * whose output our vsprintf still defines (a NULL %s, '0' with a precision).
 */
static const char *hidden(const char *s)
{
	const char *volatile v = s;

	return v;
}

/*
 * The kernel's snprintf(), to format into @size bytes of a guarded buffer.
 * Called through a volatile pointer, so that gcc does not warn about the
 * truncations these tests make on purpose; its formats are still checked.
 */
typedef int format_fn(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static format_fn *volatile format_into = snprintf;

static void signed_decimal(void **state)
{
	(void)state;
	EXPECT_FORMAT("0", "%d", 0);
	EXPECT_FORMAT("42 -42", "%d %i", 42, -42);
	EXPECT_FORMAT("-2147483648", "%d", INT_MIN);
	EXPECT_FORMAT("2147483647", "%d", INT_MAX);
	EXPECT_FORMAT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT_FORMAT("-9223372036854775808", "%lld", LLONG_MIN);
	EXPECT_FORMAT("9223372036854775807", "%lld", LLONG_MAX);
}

static void unsigned_decimal(void **state)
{
	(void)state;
	EXPECT_FORMAT("4294967295", "%u", UINT_MAX);
	EXPECT_FORMAT("18446744073709551615", "%lu", ULONG_MAX);
	EXPECT_FORMAT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT_FORMAT("0", "%lu", 0UL);
}

static void hexadecimal(void **state)
{
	(void)state;
	EXPECT_FORMAT("ff FF", "%x %X", 255u, 255u);
	EXPECT_FORMAT("ffffffff", "%x", UINT_MAX);
	EXPECT_FORMAT("ffff888000000000", "%lx", 0xffff888000000000UL);
	EXPECT_FORMAT("fffffffffffff000", "%llx", 0xfffffffffffff000ULL);
	EXPECT_FORMAT("0x1000 0X1F", "%#x %#X", 0x1000u, 0x1fu);
	/* As Linux (memblock_dump's "memory[0x0]"), not C: '#' keeps 0x on 0. */
	EXPECT_FORMAT("0x0", "%#lx", 0UL);
}

static void octal(void **state)
{
	(void)state;
	EXPECT_FORMAT("17 017", "%o %#o", 15u, 15u);
}

static void pointer_is_0x_and_16_digits(void **state)
{
	(void)state;
	EXPECT_FORMAT("0xffff888000001000", "%p", (void *)0xffff888000001000UL);
	EXPECT_FORMAT("0x0000000000001000", "%p", (void *)0x1000UL);
	EXPECT_FORMAT("0x0000000000000000", "%p", NULL);
}

/* Two made-up kernel functions back to back, as the kernel's table has them. */
#define FN_A 0xffffffff80104000UL
#define FN_B 0xffffffff80104040UL
static const struct kallsyms_host_sym made_up_text[] = {
	{ "crashtest_null", FN_A, 0x40 },
	{ "crashtest_run", FN_B, 0x9c },
};

static int set_made_up_text(void **state)
{
	(void)state;
	kallsyms_host_set(made_up_text, ARRAY_SIZE(made_up_text));
	return 0;
}

static int forget_made_up_text(void **state)
{
	(void)state;
	kallsyms_host_set(NULL, 0);
	return 0;
}

static void pS_is_name_offset_and_size(void **state)
{
	(void)state;
	EXPECT_FORMAT("crashtest_null+0x1a/0x40", "%pS", (void *)(FN_A + 0x1a));
	EXPECT_FORMAT("crashtest_null+0x0/0x40", "%pS", (void *)FN_A);
	EXPECT_FORMAT("crashtest_null+0x3f/0x40", "%pS", (void *)(FN_B - 1));
	EXPECT_FORMAT("crashtest_run+0x0/0x9c", "%pS", (void *)FN_B);
	EXPECT_FORMAT("[<ffffffff8010405b>] crashtest_run+0x1b/0x9c",
		      "[<%016lx>] %pS", FN_B + 0x1b, (void *)(FN_B + 0x1b));
}

static void pS_outside_text_is_the_raw_address(void **state)
{
	(void)state;
	EXPECT_FORMAT("0xffffffff801040dc", "%pS", (void *)(FN_B + 0x9c));
	EXPECT_FORMAT("0xffffffff80103fff", "%pS", (void *)(FN_A - 1));
	EXPECT_FORMAT("0x0", "%pS", NULL);
}

static void ps_is_the_name_alone(void **state)
{
	(void)state;
	EXPECT_FORMAT("crashtest_null", "%ps", (void *)(FN_A + 0x1a));
	EXPECT_FORMAT("0x1000", "%ps", (void *)0x1000UL);
}

/* A return address right after a call to a noreturn function at the end of
 * crashtest_null is crashtest_run's first byte: %pB still names the caller. */
static void pB_names_the_caller_of_a_return_address(void **state)
{
	(void)state;
	EXPECT_FORMAT("crashtest_null+0x40/0x40", "%pB", (void *)FN_B);
	EXPECT_FORMAT("crashtest_run+0x0/0x9c", "%pS", (void *)FN_B);
	EXPECT_FORMAT("crashtest_run+0x1b/0x9c", "%pB", (void *)(FN_B + 0x1b));
}

static void pS_takes_width_and_goes_on_after(void **state)
{
	(void)state;
	EXPECT_FORMAT("caller crashtest_run+0x4/0x9c, pfn 0x11a",
		      "caller %pS, pfn %#lx", (void *)(FN_B + 4), 0x11aUL);
	EXPECT_FORMAT("crashtest_null      |", "%-20ps|", (void *)FN_A);
	/* a plain %p right after %pS is still a pointer */
	EXPECT_FORMAT("0xffffffff80104000 crashtest_null+0x0/0x40", "%p %pS",
		      (void *)FN_A, (void *)FN_A);
}

/* Without made-up symbols: what the dynamic linker knows (libc's exports). */
static void pS_names_a_shared_library_function(void **state)
{
	char buf[BUF_SIZE];

	(void)state;
	snprintf(buf, sizeof(buf), "%pS", (void *)&abort);
	assert_true(strncmp(buf, "abort+0x0/0x", 12) == 0);
}

static void string_and_char(void **state)
{
	(void)state;
	EXPECT_FORMAT("Normal", "%s", "Normal");
	EXPECT_FORMAT("", "%s", "");
	EXPECT_FORMAT("(null)", "%s", hidden(NULL));
	EXPECT_FORMAT("a-z", "%c-%c", 'a', 'z');
}

static void size_t_conversions(void **state)
{
	(void)state;
	EXPECT_FORMAT("32 x 4096", "%zu x %zu", sizeof(uint64_t[4]),
		      (size_t)4096);
	EXPECT_FORMAT("18446744073709551615", "%zu", SIZE_MAX);
	EXPECT_FORMAT("1000", "%zx", (size_t)0x1000);
}

static void short_and_char_lengths(void **state)
{
	(void)state;
	EXPECT_FORMAT("-1 65535", "%hd %hu", 0xffff, 0xffff);
	EXPECT_FORMAT("1 -1", "%hhu %hhd", 257, 255);
}

static void width_pads_with_spaces(void **state)
{
	(void)state;
	EXPECT_FORMAT("   42", "%5d", 42);
	EXPECT_FORMAT("  -42", "%5d", -42);
	EXPECT_FORMAT("    12", "%6lu", 12UL);
	EXPECT_FORMAT("Node 0, zone   Normal ", "Node 0, zone %8s ", "Normal");
	EXPECT_FORMAT("    x", "%5c", 'x');
	/* a field narrower than the text never cuts it */
	EXPECT_FORMAT("123456", "%3d", 123456);
	EXPECT_FORMAT("Normal", "%3s", "Normal");
}

static void zero_pad(void **state)
{
	(void)state;
	EXPECT_FORMAT("000000ff", "%08x", 255u);
	EXPECT_FORMAT("-0042", "%05d", -42);
	EXPECT_FORMAT("0x0000000000100000", "%#018llx", 0x100000ULL);
	EXPECT_FORMAT("0x00000000000fffff", "%#018lx", 0xfffffUL);
	EXPECT_FORMAT("05", "%02lu", 5UL);
}

static void minus_left_aligns(void **state)
{
	(void)state;
	EXPECT_FORMAT("42   |", "%-5d|", 42);
	EXPECT_FORMAT("ab    |", "%-6s|", "ab");
	EXPECT_FORMAT("x   |", "%-4c|", 'x');
	/* '-' wins over '0': no zeros on the right */
	EXPECT_FORMAT("ff   |", hidden("%-05x|"), 255u);
}

static void precision_cuts_strings(void **state)
{
	(void)state;
	EXPECT_FORMAT("Nor", "%.3s", "Normal");
	EXPECT_FORMAT("ab", "%.5s", "ab");
	EXPECT_FORMAT("", "%.0s", "Normal");
	EXPECT_FORMAT("  No", "%4.2s", "Normal");
	EXPECT_FORMAT("No  |", "%-4.2s|", "Normal");
	EXPECT_FORMAT("(nu", "%.3s", hidden(NULL));
}

static void precision_on_numbers_gives_minimum_digits(void **state)
{
	(void)state;
	EXPECT_FORMAT("00042", "%.5d", 42);
	EXPECT_FORMAT("-00042", "%.5d", -42);
	/* with a precision, '0' is ignored, as C says */
	EXPECT_FORMAT("  007", hidden("%05.3d"), 7);
}

static void star_takes_width_and_precision_from_arguments(void **state)
{
	(void)state;
	EXPECT_FORMAT("   42", "%*d", 5, 42);
	EXPECT_FORMAT("42   |", "%*d|", -5, 42);
	EXPECT_FORMAT("Nor", "%.*s", 3, "Normal");
}

static void sign_flags(void **state)
{
	(void)state;
	EXPECT_FORMAT("+42 -42", "%+d %+d", 42, -42);
	EXPECT_FORMAT(" 42", "% d", 42);
}

static void percent_sign(void **state)
{
	(void)state;
	EXPECT_FORMAT("100%", "100%%");
	EXPECT_FORMAT("0.78%", "%lu.%02lu%%", 0UL, 78UL);
}

static void returns_full_length_when_truncated(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, '#', sizeof(buf));
	assert_int_equal(format_into(buf, 5, "hello %s", "world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], '#'); /* nothing written past size */

	memset(buf, '#', sizeof(buf));
	assert_int_equal(format_into(buf, 6, "%d", -123456), 7);
	assert_string_equal(buf, "-1234");
	assert_int_equal(buf[6], '#');

	memset(buf, '#', sizeof(buf));
	assert_int_equal(format_into(buf, 12, "hello world"), 11);
	assert_string_equal(buf, "hello world"); /* exactly fits */
}

static void size_one_writes_only_the_nul(void **state)
{
	char buf[4] = "###";

	(void)state;
	assert_int_equal(format_into(buf, 1, "%s", "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '#');
}

static void size_zero_writes_nothing(void **state)
{
	char buf[4] = "###";

	(void)state;
	assert_int_equal(format_into(buf, 0, "%lu", 12345UL), 5);
	assert_string_equal(buf, "###");
}

static void printk_returns_length_and_is_captured(void **state)
{
	(void)state;
	printk_log_clear();
	assert_int_equal(printk("%s: %d pages\n", "buddy", 7), 15);
	assert_string_equal(printk_log(), "buddy: 7 pages\n");
	printk_log_clear();
	assert_string_equal(printk_log(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_decimal),
		cmocka_unit_test(unsigned_decimal),
		cmocka_unit_test(hexadecimal),
		cmocka_unit_test(octal),
		cmocka_unit_test(pointer_is_0x_and_16_digits),
		cmocka_unit_test(string_and_char),
		cmocka_unit_test(size_t_conversions),
		cmocka_unit_test(short_and_char_lengths),
		cmocka_unit_test(width_pads_with_spaces),
		cmocka_unit_test(zero_pad),
		cmocka_unit_test(minus_left_aligns),
		cmocka_unit_test(precision_cuts_strings),
		cmocka_unit_test(precision_on_numbers_gives_minimum_digits),
		cmocka_unit_test(star_takes_width_and_precision_from_arguments),
		cmocka_unit_test(sign_flags),
		cmocka_unit_test(percent_sign),
		cmocka_unit_test(returns_full_length_when_truncated),
		cmocka_unit_test(size_one_writes_only_the_nul),
		cmocka_unit_test(size_zero_writes_nothing),
		cmocka_unit_test(printk_returns_length_and_is_captured),
		cmocka_unit_test_setup_teardown(pS_is_name_offset_and_size,
						set_made_up_text,
						forget_made_up_text),
		cmocka_unit_test_setup_teardown(
			pS_outside_text_is_the_raw_address, set_made_up_text,
			forget_made_up_text),
		cmocka_unit_test_setup_teardown(ps_is_the_name_alone,
						set_made_up_text,
						forget_made_up_text),
		cmocka_unit_test_setup_teardown(
			pB_names_the_caller_of_a_return_address,
			set_made_up_text, forget_made_up_text),
		cmocka_unit_test_setup_teardown(
			pS_takes_width_and_goes_on_after, set_made_up_text,
			forget_made_up_text),
		cmocka_unit_test(pS_names_a_shared_library_function),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("vsprintf", tests, NULL, NULL);
}
