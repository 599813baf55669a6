/* SPDX-License-Identifier: MIT */
/*
 * monitor_core.h - the portable half of the serial monitor (monitor.c):
 * number parsing, splitting a line into words, the line editor with its
 * history, and the hexdump -C and page-table-flag formats. No arch calls,
 * so test/host/test_monitor.c runs all of it on the host.
 */
#ifndef MONITOR_CORE_H
#define MONITOR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MON_LINE_MAX  128 /* bytes of a command line, NUL included */
#define MON_HISTORY   16  /* lines kept for up/down; the oldest goes first */
#define MON_MAX_ARGS  8	  /* words of a command line, the command included */
#define MON_HEX_WIDTH 16  /* bytes per hexdump line, two groups of 8 */
/* One hexdump -C line: 16 address digits, 16 x 3 hex, 2 gaps, |ascii|. */
#define MON_HEX_LINE_MAX 96

/*
 * mon_parse_ulong() - read @s as a number: decimal or 0x-hex, optionally
 * followed by one K, M or G (either case: KiB, MiB, GiB multipliers).
 * The whole word must be the number. Return: 0 and *@val set, or -1 when
 * @s is empty, has a stray character or overflows 64 bits (*@val unchanged).
 */
int mon_parse_ulong(const char *s, unsigned long *val);

/*
 * mon_split() - cut @line in place into words separated by spaces or tabs;
 * @argv gets at most @max of them. Return: the number of words, or -1 when
 * there are more than @max (@argv then holds the first @max).
 */
int mon_split(char *line, char **argv, int max);

/*
 * mon_next_command() - the next command of a run= script "a; b; c": copy
 * it, with surrounding spaces trimmed, into @buf (@size bytes, NUL ended,
 * cut if longer); *@len gets its whole length in bytes, so a caller sees a
 * cut one (*@len >= @size) and refuses it. Return: where the rest of the
 * script starts, or NULL when @s holds no more commands (empty ones
 * between ';' are skipped; *@len is then unchanged).
 */
const char *mon_next_command(const char *s, char *buf, size_t size,
			     size_t *len);

/*
 * mon_canonical() - is @va a canonical x86-64 address under 4-level
 * paging: bits 63..47 all equal to bit 47? Only such an address can be
 * used; any other raises #GP, whatever the page tables hold (they see only
 * bits 47..12). Return: true when canonical.
 */
bool mon_canonical(unsigned long va);

/* What `page` reads its argument as (mon_page_arg()). */
enum mon_page_arg {
	MON_PAGE_BAD,	       /* not one of the forms: not a number */
	MON_PAGE_PFN,	       /* "pfn:N", or a number below max_pfn */
	MON_PAGE_PHYS,	       /* "phys:ADDR" */
	MON_PAGE_PHYS_GUESSED, /* a number from max_pfn up, below the direct
				  map's size: read as a physical address */
	MON_PAGE_DIRECT_MAP,   /* a number in the direct map */
	MON_PAGE_NOWHERE,      /* a number none of these can be */
};

/*
 * mon_page_arg() - read @s, the argument of `page`, as one of its forms:
 * "pfn:N" a pfn, "phys:ADDR" a physical address, a number in
 * [@page_offset, @page_offset + @map_size) a direct-map address, another
 * number below @max_pfn a pfn, and any other number below @map_size a
 * physical address, guessed: the caller says so, since a number from
 * max_pfn up may just as well be a mistyped pfn. Numbers as
 * mon_parse_ulong(). Return: the form, with *@val the number (after the
 * prefix); MON_PAGE_BAD when @s is none (*@val unchanged).
 */
enum mon_page_arg mon_page_arg(const char *s, unsigned long max_pfn,
			       unsigned long page_offset,
			       unsigned long map_size, unsigned long *val);

/*
 * struct mon_line - the line being typed, and the history.
 * @buf/@len: the line so far (@len bytes, NUL at @buf[@len]).
 * @hist: the last @nr_hist lines entered (at most MON_HISTORY), @hist_head
 *        the slot the next one goes to; identical neighbours are kept once.
 * @browse: 0 while editing a new line, k while showing the k-th newest
 *          history line; @saved holds the new line while browsing.
 * @over: bytes typed after @buf was full (MON_LINE_MAX - 1 bytes): counted
 *        so the line is refused at Enter, neither kept nor echoed; 0 when
 *        the line fits. The typed line is @len + @over bytes long.
 * @esc: 0, or 1 after ESC, 2 after ESC [ or ESC O (an arrow key follows).
 * @after_cr: the last byte was CR, so a following LF is the same Enter.
 * @done: @buf holds a line returned with MON_ENTER; the next byte clears it.
 * @write: where echo goes (@len bytes, no NUL); the kernel's is the serial
 *         port, the host test's a buffer.
 */
struct mon_line {
	char buf[MON_LINE_MAX];
	size_t len, over;
	char hist[MON_HISTORY][MON_LINE_MAX];
	unsigned int nr_hist, hist_head, browse;
	char saved[MON_LINE_MAX];
	int esc;
	bool after_cr, done;
	void (*write)(const char *s, size_t len);
};

enum mon_feed {
	MON_MORE,     /* keep feeding bytes */
	MON_ENTER,    /* @buf holds a complete line (maybe empty) */
	MON_DROPPED,  /* Ctrl-C: the line was dropped; prompt again */
	MON_TOO_LONG, /* Enter on a line longer than MON_LINE_MAX - 1 bytes:
			 @len + @over bytes typed; not to be run */
};

/* mon_line_init() - an empty line and history, echo to @write. */
void mon_line_init(struct mon_line *l,
		   void (*write)(const char *s, size_t len));

/*
 * mon_line_feed() - one byte from the terminal. Printable bytes are added
 * and echoed; on a full line they are only counted (@over; the first rings
 * the terminal's bell) and the line is refused at Enter. Backspace (BS or
 * DEL) erases the last byte (a counted one first), Ctrl-U the whole line;
 * Ctrl-C echoes "^C" and drops it; up and down (ESC [ A / ESC [ B, or
 * ESC O A/B) show older and newer history lines; CR, LF or CR LF end the
 * line, which goes into the history unless empty, too long or the same as
 * the newest. Other control bytes are ignored.
 * Return: what the caller should do next (enum mon_feed). After MON_ENTER
 * @buf holds the line until the next call (the caller may cut it up); after
 * MON_ENTER, MON_TOO_LONG or MON_DROPPED the next byte starts a new line.
 */
enum mon_feed mon_line_feed(struct mon_line *l, char c);

/*
 * mon_history_add() - put @s (cut to MON_LINE_MAX - 1 bytes) in @l's
 * history as the newest line, unless it is empty or equal to the newest;
 * the oldest of MON_HISTORY goes. For lines not typed (run= scripts).
 */
void mon_history_add(struct mon_line *l, const char *s);

/*
 * mon_hexdump_line() - one line of hexdump -C for the @n (1..16) bytes at
 * @bytes, shown at address @addr: "%016lx", two spaces, 16 hex bytes in
 * two groups of 8 (missing ones as spaces), two spaces, "|ascii|" with
 * '.' for bytes outside 0x20..0x7e. Return: the line's length (no newline),
 * cut to fit @size as snprintf() cuts.
 */
int mon_hexdump_line(char *buf, size_t size, unsigned long addr,
		     const unsigned char *bytes, size_t n);

/*
 * mon_pte_flags() - the flags of page-table entry @pte by name, set ones
 * only, in the order P RW US PWT PCD A D PS G NX, separated by spaces
 * ("-" when none is set). PS is named only at @level 2 and 3 (in a PTE,
 * bit 7 is PAT). Return: the length written, as snprintf().
 */
int mon_pte_flags(char *buf, size_t size, uint64_t pte, int level);

#endif
