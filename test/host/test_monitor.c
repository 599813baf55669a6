// SPDX-License-Identifier: MIT
/*
 * test_monitor.c - the monitor's portable core (src/monitor_core.c): numbers
 * with K/M/G, words, run= scripts, the line editor (echo, Backspace, Ctrl-U,
 * Ctrl-C, CR/LF, history on up/down) and the hexdump -C and page-table flag
 * formats, against exact expected strings.
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

	(void)state;
	p = mon_next_command(p, buf, sizeof(buf));
	assert_non_null(p);
	assert_string_equal(buf, "meminfo");
	p = mon_next_command(p, buf, sizeof(buf));
	assert_string_equal(buf, "x 0x1000  64");
	p = mon_next_command(p, buf, sizeof(buf));
	assert_string_equal(buf, "poweroff");
	assert_null(mon_next_command(p, buf, sizeof(buf)));
	assert_null(mon_next_command("", buf, sizeof(buf)));
}

static void script_command_cut(void **state)
{
	char buf[5];

	(void)state;
	assert_non_null(mon_next_command("buddyinfo", buf, sizeof(buf)));
	assert_string_equal(buf, "budd");
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

static void full_line_takes_no_more(void **state)
{
	(void)state;
	for (int i = 0; i < MON_LINE_MAX + 10; i++)
		mon_line_feed(&line, 'z');
	assert_int_equal(line.len, MON_LINE_MAX - 1);
	assert_int_equal(echo_len, MON_LINE_MAX - 1);
	assert_int_equal(feed("\r"), MON_ENTER);
	assert_int_equal(strlen(line.buf), MON_LINE_MAX - 1);
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
		cmocka_unit_test(script_command_cut),
		cmocka_unit_test(script_from_the_command_line),
		EDITOR_TEST(typing_echoes),
		EDITOR_TEST(cr_lf_is_one_enter),
		EDITOR_TEST(backspace_erases),
		EDITOR_TEST(ctrl_u_erases_the_line),
		EDITOR_TEST(ctrl_c_drops_the_line),
		EDITOR_TEST(other_control_bytes_ignored),
		EDITOR_TEST(full_line_takes_no_more),
		EDITOR_TEST(history_up_and_down),
		EDITOR_TEST(history_edit_a_recalled_line),
		EDITOR_TEST(history_keeps_the_newest),
		EDITOR_TEST(history_add_from_a_script),
		cmocka_unit_test(hexdump_full_line),
		cmocka_unit_test(hexdump_short_line),
		cmocka_unit_test(hexdump_cut_to_the_buffer),
		cmocka_unit_test(pte_flags_by_name),
		cmocka_unit_test(pte_flags_cut_to_the_buffer),
	};

	return cmocka_run_group_tests_name("monitor_core", tests, NULL, NULL);
}
