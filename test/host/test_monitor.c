// SPDX-License-Identifier: MIT
/*
 * test_monitor.c - the monitor's portable core (src/monitor_core.c): numbers
 * with K/M/G, words, run= scripts, the line editor (echo, Backspace, Ctrl-U,
 * Ctrl-C, CR/LF, history on up/down, over-long lines refused), canonical
 * addresses, the forms of page's argument and the hexdump -C and
 * page-table flag formats, against exact expected strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"
#include "lib/kernel.h"
#include "monitor_core.h"
#include "printk.h"

#define ECHO_MAX 4096
#define UP	 "\x1b[A"
#define DOWN	 "\x1b[B"

/* Echo ------------------------------------------------------------------- */

static char echo[ECHO_MAX];
static size_t echo_len;

static void capture(const char *s, size_t len)
{
	assert_true(echo_len + len < ECHO_MAX);
	memcpy(echo + echo_len, s, len);
	echo_len += len;
	echo[echo_len] = '\0';
}

static struct mon_line line;

static int editor_setup(void **state)
{
	(void)state;
	echo_len = 0;
	echo[0] = '\0';
	mon_line_init(&line, capture);
	return 0;
}

/* Feed @s byte by byte; return the result of the last byte. */
static enum mon_feed feed(const char *s)
{
	enum mon_feed r = MON_MORE;

	for (; *s; s++)
		r = mon_line_feed(&line, *s);
	return r;
}

static void clear_echo(void)
{
	echo_len = 0;
	echo[0] = '\0';
}

/* Numbers ---------------------------------------------------------------- */

static void check_number(const char *s, unsigned long expected)
{
	unsigned long v = 0;

	assert_int_equal(mon_parse_ulong(s, &v), 0);
	assert_int_equal(v, expected);
}

static void check_not_number(const char *s)
{
	unsigned long v = 12345;

	assert_int_equal(mon_parse_ulong(s, &v), -1);
	assert_int_equal(v, 12345); /* unchanged on error */
}

static void number_decimal_and_hex(void **state)
{
	(void)state;
	check_number("0", 0);
	check_number("42", 42);
	check_number("0x1f", 0x1f);
	check_number("0XAbC", 0xabc);
	check_number("0xffffffffffffffff", ~0UL);
	check_number("18446744073709551615", ~0UL);
}

static void number_suffixes(void **state)
{
	(void)state;
	check_number("4K", 4096);
	check_number("4k", 4096);
	check_number("2M", 2UL << 20);
	check_number("0x10m", 16UL << 20);
	check_number("3G", 3UL << 30);
	check_number("0K", 0);
}

static void number_malformed(void **state)
{
	(void)state;
	check_not_number("");
	check_not_number("0x");
	check_not_number("K");
	check_not_number("12z");
	check_not_number("1KK");
	check_not_number("1 ");
	check_not_number("-1");
	check_not_number("0x1g2");
	check_not_number("12ab"); /* hex digits without 0x */
}

static void number_overflow(void **state)
{
	(void)state;
	check_not_number("18446744073709551616");
	check_not_number("0x10000000000000000");
	check_not_number("17179869184G"); /* 2^34 GiB = 2^64 */
	check_number("17179869183G", 17179869183UL << 30);
}

/* Words and scripts -------------------------------------------------------- */

static void split_words(void **state)
{
	char buf[] = "  x\t0x1000   64 ";
	char *argv[MON_MAX_ARGS];

	(void)state;
	assert_int_equal(mon_split(buf, argv, MON_MAX_ARGS), 3);
	assert_string_equal(argv[0], "x");
	assert_string_equal(argv[1], "0x1000");
	assert_string_equal(argv[2], "64");
}

static void split_empty_and_too_many(void **state)
{
	char empty[] = " \t ", many[] = "a b c d";
	char *argv[3];

	(void)state;
	assert_int_equal(mon_split(empty, argv, 3), 0);
	assert_int_equal(mon_split(many, argv, 3), -1);
	assert_string_equal(argv[2], "c");
}

static void script_commands(void **state)
{
	const char *p = " meminfo;x 0x1000  64 ;; ;poweroff;";
	char buf[MON_LINE_MAX];
	size_t len = 99;

	(void)state;
	p = mon_next_command(p, buf, sizeof(buf), &len);
	assert_non_null(p);
	assert_string_equal(buf, "meminfo");
	assert_int_equal(len, 7);
	p = mon_next_command(p, buf, sizeof(buf), &len);
	assert_string_equal(buf, "x 0x1000  64");
	assert_int_equal(len, 12);
	p = mon_next_command(p, buf, sizeof(buf), &len);
	assert_string_equal(buf, "poweroff");
	assert_null(mon_next_command(p, buf, sizeof(buf), &len));
	assert_int_equal(len, 8); /* unchanged: no command */
	assert_null(mon_next_command("", buf, sizeof(buf), &len));
}

/* A command longer than the buffer is cut, and its whole length told, so
 * the monitor refuses it instead of running what is left. */
static void script_command_cut_is_told(void **state)
{
	char buf[5];
	size_t len;

	(void)state;
	assert_non_null(
		mon_next_command("buddyinfo; x", buf, sizeof(buf), &len));
	assert_string_equal(buf, "budd");
	assert_int_equal(len, 9);
	assert_non_null(mon_next_command("verify", buf, sizeof(buf), &len));
	assert_int_equal(len, 6);
	assert_non_null(mon_next_command("vrfy ", buf, sizeof(buf), &len));
	assert_string_equal(buf, "vrfy");
	assert_int_equal(len, 4); /* fits: 4 bytes and the NUL */
}

/* run="..." as GRUB passes it: each quote escaped, spaces inside kept. */
static void script_from_the_command_line(void **state)
{
	static const char *const lines[] = {
		"selftest run=\\\"meminfo; x 0x1000\\\" poweroff",
		"selftest run=\"meminfo; x 0x1000\" poweroff",
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		cmdline_set(lines[i], strlen(lines[i]));
		assert_true(cmdline_value("run", buf, sizeof(buf)));
		assert_string_equal(buf, "meminfo; x 0x1000");
		assert_true(cmdline_has("poweroff"));
		assert_true(cmdline_has("selftest"));
		assert_false(cmdline_has("x"));
		assert_true(cmdline_value("run", buf, 8));
		assert_string_equal(buf, "meminfo");
	}
	cmdline_set("", 0);
}

/* The line editor ------------------------------------------------------ */

static void typing_echoes(void **state)
{
	(void)state;
	assert_int_equal(feed("help"), MON_MORE);
	assert_string_equal(echo, "help");
	assert_int_equal(feed("\r"), MON_ENTER);
	assert_string_equal(line.buf, "help");
	assert_string_equal(echo, "help\n");
}

static void cr_lf_is_one_enter(void **state)
{
	(void)state;
	assert_int_equal(feed("a\r"), MON_ENTER);
	assert_int_equal(mon_line_feed(&line, '\n'), MON_MORE);
	assert_int_equal(feed("b\n"), MON_ENTER);
	assert_string_equal(line.buf, "b");
	assert_int_equal(mon_line_feed(&line, '\n'), MON_ENTER); /* LF LF */
	assert_string_equal(line.buf, "");
}

static void backspace_erases(void **state)
{
	(void)state;
	feed("xpp");
	clear_echo();
	assert_int_equal(mon_line_feed(&line, 0x7f), MON_MORE);
	assert_string_equal(echo, "\b \b");
	feed("\b\b\b"); /* BS too; the third finds the line empty */
	assert_string_equal(echo, "\b \b\b \b\b \b");
	assert_int_equal(line.len, 0);
	feed("x\r");
	assert_string_equal(line.buf, "x");
}

static void ctrl_u_erases_the_line(void **state)
{
	(void)state;
	feed("walk");
	clear_echo();
	feed("\x15");
	assert_string_equal(echo, "\b \b\b \b\b \b\b \b");
	assert_int_equal(feed("x\r"), MON_ENTER);
	assert_string_equal(line.buf, "x");
}

static void ctrl_c_drops_the_line(void **state)
{
	(void)state;
	feed("alloc 3");
	clear_echo();
	assert_int_equal(feed("\x03"), MON_DROPPED);
	assert_string_equal(echo, "^C\n");
	assert_int_equal(feed("\r"), MON_ENTER);
	assert_string_equal(line.buf, "");
	assert_int_equal(line.nr_hist, 0); /* neither went into the history */
}

static void other_control_bytes_ignored(void **state)
{
	(void)state;
	feed("a\x01\x07\tb\x1b[Cc\r"); /* Ctrl-A, BEL, Tab, right arrow */
	assert_string_equal(line.buf, "abc");
	assert_string_equal(echo, "abc\n");
}

/* Bytes past a full line are counted, not kept or echoed (one BEL says
 * so), and Enter refuses the line instead of handing on what was kept. */
static void full_line_is_refused_not_cut(void **state)
{
	(void)state;
	for (int i = 0; i < MON_LINE_MAX + 10; i++)
		assert_int_equal(mon_line_feed(&line, 'z'), MON_MORE);
	assert_int_equal(line.len, MON_LINE_MAX - 1);
	assert_int_equal(line.over, 11);
	assert_int_equal(echo_len, MON_LINE_MAX); /* the kept bytes and BEL */
	assert_int_equal(echo[echo_len - 1], '\a');
	assert_int_equal(feed("\r"), MON_TOO_LONG);
	assert_int_equal(line.len + line.over, MON_LINE_MAX + 10);
	assert_int_equal(line.nr_hist, 0); /* not in the history either */
	assert_int_equal(feed("x\r"), MON_ENTER); /* the next line is new */
	assert_string_equal(line.buf, "x");
	assert_int_equal(line.over, 0);
}

/* The longest line that fits is a line; one more byte makes it too long. */
static void longest_line_fits(void **state)
{
	(void)state;
	for (int i = 0; i < MON_LINE_MAX - 1; i++)
		mon_line_feed(&line, 'a');
	assert_int_equal(feed("\r"), MON_ENTER);
	assert_int_equal(strlen(line.buf), MON_LINE_MAX - 1);
	for (int i = 0; i < MON_LINE_MAX; i++)
		mon_line_feed(&line, 'a');
	assert_int_equal(feed("\r"), MON_TOO_LONG);
	assert_int_equal(line.len + line.over, MON_LINE_MAX);
}

/* Backspace takes the uncounted bytes back first (nothing to erase on the
 * terminal); once the line fits again it runs. Ctrl-U and Ctrl-C forget
 * them too. */
static void backspace_undoes_the_overflow(void **state)
{
	(void)state;
	for (int i = 0; i < MON_LINE_MAX + 1; i++)
		mon_line_feed(&line, 'b');
	assert_int_equal(line.over, 2);
	clear_echo();
	feed("\b\b");
	assert_string_equal(echo, ""); /* nothing shown was erased */
	assert_int_equal(line.over, 0);
	assert_int_equal(line.len, MON_LINE_MAX - 1);
	assert_int_equal(feed("\r"), MON_ENTER);
	for (int i = 0; i < MON_LINE_MAX + 1; i++)
		mon_line_feed(&line, 'c');
	feed("\x15");
	assert_int_equal(line.over, 0);
	assert_int_equal(feed("v\r"), MON_ENTER);
	assert_string_equal(line.buf, "v");
	for (int i = 0; i < MON_LINE_MAX + 1; i++)
		mon_line_feed(&line, 'd');
	assert_int_equal(feed("\x03"), MON_DROPPED);
	assert_int_equal(feed("w\r"), MON_ENTER);
	assert_string_equal(line.buf, "w");
}

static void history_up_and_down(void **state)
{
	(void)state;
	feed("meminfo\rbuddyinfo\r");
	feed("par"); /* a new line, left for the history */
	clear_echo();
	feed(UP);
	assert_string_equal(line.buf, "buddyinfo");
	assert_string_equal(echo, "\b \b\b \b\b \bbuddyinfo");
	feed(UP);
	assert_string_equal(line.buf, "meminfo");
	feed(UP); /* no older line: stays */
	assert_string_equal(line.buf, "meminfo");
	feed(DOWN);
	assert_string_equal(line.buf, "buddyinfo");
	feed(DOWN); /* back to the line being typed */
	assert_string_equal(line.buf, "par");
	feed(DOWN);
	assert_string_equal(line.buf, "par");
	feed("\x1bOA"); /* the application-mode up arrow */
	assert_string_equal(line.buf, "buddyinfo");
	assert_int_equal(feed("\r"), MON_ENTER);
	assert_string_equal(line.buf, "buddyinfo");
	assert_int_equal(line.nr_hist,
			 2); /* the same as the newest: kept once */
}

static void history_edit_a_recalled_line(void **state)
{
	(void)state;
	feed("alloc 3\r");
	feed(UP "\b4\r");
	assert_string_equal(line.buf, "alloc 4");
	feed(UP);
	assert_string_equal(line.buf, "alloc 4");
	feed(UP);
	assert_string_equal(line.buf, "alloc 3");
}

static void history_keeps_the_newest(void **state)
{
	char cmd[16];

	(void)state;
	for (int i = 0; i < MON_HISTORY + 3; i++) {
		snprintf(cmd, sizeof(cmd), "c%d\r", i);
		feed(cmd);
	}
	assert_int_equal(line.nr_hist, MON_HISTORY);
	for (int i = 0; i < MON_HISTORY + 5; i++)
		feed(UP);
	assert_string_equal(line.buf, "c3"); /* c0..c2 went */
}

static void history_add_from_a_script(void **state)
{
	(void)state;
	mon_history_add(&line, "meminfo");
	mon_history_add(&line, "");
	mon_history_add(&line, "meminfo");
	assert_int_equal(line.nr_hist, 1);
	feed(UP);
	assert_string_equal(line.buf, "meminfo");
}

/* Addresses ---------------------------------------------------------------- */

static void canonical_addresses(void **state)
{
	(void)state;
	assert_true(mon_canonical(0));
	assert_true(mon_canonical(
		0x00007fffffffffffUL)); /* the top of the low half */
	assert_false(mon_canonical(0x0000800000000000UL)); /* bit 47 alone */
	assert_false(mon_canonical(
		0x0000888000100000UL)); /* the direct map's PGD slot, unsigned */
	assert_false(mon_canonical(0x7fffffffffffffffUL));
	assert_false(mon_canonical(
		0xffff7fffffffffffUL)); /* the bottom of the hole's top */
	assert_true(mon_canonical(
		0xffff800000000000UL)); /* the bottom of the high half */
	assert_true(mon_canonical(0xffff888000100000UL));
	assert_true(mon_canonical(0xffffffff80100000UL));
	assert_true(mon_canonical(~0UL));
	assert_false(mon_canonical(0x8000000000000000UL));
}

#define MAX_PFN	   0x7fe0UL /* 128 MiB less QEMU's top 128 KiB */
#define DIRECT_MAP 0xffff888000000000UL
#define MAP_SIZE   (64UL << 40)

static void check_page_arg(const char *s, enum mon_page_arg how,
			   unsigned long val)
{
	unsigned long v = 12345;

	assert_int_equal(mon_page_arg(s, MAX_PFN, DIRECT_MAP, MAP_SIZE, &v),
			 how);
	assert_int_equal(v, val);
}

/* At and just above max_pfn a number is no pfn: it is read as a physical
 * address, and the caller is told it was a guess. */
static void page_arg_around_max_pfn(void **state)
{
	(void)state;
	check_page_arg("0", MON_PAGE_PFN, 0);
	check_page_arg("0x7fdf", MON_PAGE_PFN, MAX_PFN - 1);
	check_page_arg("0x7fe0", MON_PAGE_PHYS_GUESSED, MAX_PFN);
	check_page_arg("32737", MON_PAGE_PHYS_GUESSED, MAX_PFN + 1);
	check_page_arg("0x100000", MON_PAGE_PHYS_GUESSED, 0x100000);
	check_page_arg("1G", MON_PAGE_PHYS_GUESSED, 1UL << 30);
	check_page_arg("0x3fffffffffff", MON_PAGE_PHYS_GUESSED, MAP_SIZE - 1);
	check_page_arg("0x400000000000", MON_PAGE_NOWHERE, MAP_SIZE);
	check_page_arg("0xffffffff80100000", MON_PAGE_NOWHERE,
		       0xffffffff80100000UL);
}

/* pfn: and phys: say which, whatever the number; the direct map is read
 * as its page. */
static void page_arg_explicit_forms(void **state)
{
	(void)state;
	check_page_arg("pfn:0x7fe0", MON_PAGE_PFN, MAX_PFN);
	check_page_arg("pfn:12", MON_PAGE_PFN, 12);
	check_page_arg("phys:0x7fe0", MON_PAGE_PHYS, MAX_PFN);
	check_page_arg("phys:1M", MON_PAGE_PHYS, 1UL << 20);
	check_page_arg("0xffff888000100000", MON_PAGE_DIRECT_MAP,
		       DIRECT_MAP + 0x100000);
	check_page_arg("0xffff888000000000", MON_PAGE_DIRECT_MAP, DIRECT_MAP);
	check_page_arg("0xffffc88000000000", MON_PAGE_NOWHERE,
		       DIRECT_MAP + MAP_SIZE); /* just past the direct map */
}

static void page_arg_malformed(void **state)
{
	static const char *const bad[] = {
		"",	      "pfn:",
		"phys:",      "pfn:zz",
		"phys:0x",    "pfn 12",
		"PFN:1",      "page:1",
		"pfn:phys:1", "99999999999999999999",
		"0x1000q",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_page_arg(bad[i], MON_PAGE_BAD, 12345);
}

/* Formats ------------------------------------------------------------------ */

static void hexdump_full_line(void **state)
{
	const unsigned char bytes[16] = "Hello, world!\n\x00\xff";
	char buf[MON_HEX_LINE_MAX];
	int n;

	(void)state;
	n = mon_hexdump_line(buf, sizeof(buf), 0xffff888000100000UL, bytes, 16);
	assert_string_equal(
		buf,
		"ffff888000100000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 ff  |Hello, world!...|");
	assert_int_equal(n, strlen(buf));
}

static void hexdump_short_line(void **state)
{
	const unsigned char bytes[3] = { 'a', 0x7f, 0x20 };
	char buf[MON_HEX_LINE_MAX];

	(void)state;
	mon_hexdump_line(buf, sizeof(buf), 0x10, bytes, 3);
	assert_string_equal(
		buf,
		"0000000000000010  61 7f 20                                          |a. |");
}

static void hexdump_cut_to_the_buffer(void **state)
{
	const unsigned char bytes[16] = { 0 };
	char buf[10];

	(void)state;
	assert_int_equal(mon_hexdump_line(buf, sizeof(buf), 0, bytes, 16), 86);
	assert_string_equal(buf, "000000000");
}

static void pte_flags_by_name(void **state)
{
	char buf[64];

	(void)state;
	mon_pte_flags(buf, sizeof(buf), 0x80000000000001ffULL, 2);
	assert_string_equal(buf, "P RW US PWT PCD A D PS G NX");
	mon_pte_flags(buf, sizeof(buf), 0x0000000007fdb023ULL, 4);
	assert_string_equal(buf, "P RW A");
	/* Bit 7 of a PTE is PAT, not PS. */
	assert_int_equal(mon_pte_flags(buf, sizeof(buf), 0x181, 1), 3);
	assert_string_equal(buf, "P G");
	mon_pte_flags(buf, sizeof(buf), 0x7fd9000, 1);
	assert_string_equal(buf, "-");
}

static void pte_flags_cut_to_the_buffer(void **state)
{
	char buf[6];

	(void)state;
	assert_int_equal(mon_pte_flags(buf, sizeof(buf), 0x63, 4),
			 8); /* P RW A D */
	assert_string_equal(buf, "P RW ");
}

#define EDITOR_TEST(fn) cmocka_unit_test_setup(fn, editor_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(number_decimal_and_hex),
		cmocka_unit_test(number_suffixes),
		cmocka_unit_test(number_malformed),
		cmocka_unit_test(number_overflow),
		cmocka_unit_test(split_words),
		cmocka_unit_test(split_empty_and_too_many),
		cmocka_unit_test(script_commands),
		cmocka_unit_test(script_command_cut_is_told),
		cmocka_unit_test(script_from_the_command_line),
		EDITOR_TEST(typing_echoes),
		EDITOR_TEST(cr_lf_is_one_enter),
		EDITOR_TEST(backspace_erases),
		EDITOR_TEST(ctrl_u_erases_the_line),
		EDITOR_TEST(ctrl_c_drops_the_line),
		EDITOR_TEST(other_control_bytes_ignored),
		EDITOR_TEST(full_line_is_refused_not_cut),
		EDITOR_TEST(longest_line_fits),
		EDITOR_TEST(backspace_undoes_the_overflow),
		EDITOR_TEST(history_up_and_down),
		EDITOR_TEST(history_edit_a_recalled_line),
		EDITOR_TEST(history_keeps_the_newest),
		EDITOR_TEST(history_add_from_a_script),
		cmocka_unit_test(canonical_addresses),
		cmocka_unit_test(page_arg_around_max_pfn),
		cmocka_unit_test(page_arg_explicit_forms),
		cmocka_unit_test(page_arg_malformed),
		cmocka_unit_test(hexdump_full_line),
		cmocka_unit_test(hexdump_short_line),
		cmocka_unit_test(hexdump_cut_to_the_buffer),
		cmocka_unit_test(pte_flags_by_name),
		cmocka_unit_test(pte_flags_cut_to_the_buffer),
	};

	return cmocka_run_group_tests_name("monitor_core", tests, NULL, NULL);
}
