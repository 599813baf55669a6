// SPDX-License-Identifier: MIT
/*
 * monitor_core.c - the monitor's portable parts: numbers, words, the line
 * editor and the dump formats. Invariant of struct mon_line: what the
 * terminal shows after the prompt is exactly buf[0..len).
 */
#include "monitor_core.h"

#include "lib/kernel.h"
#include "printk.h"
#include "string.h"

#define CTRL_C	  0x03
#define CTRL_U	  0x15
#define BS	  0x08
#define DEL	  0x7f
#define ESC	  0x1b
#define KIB_SHIFT 10

int mon_parse_ulong(const char *s, unsigned long *val)
{
	unsigned long v = 0, base = 10, max = ~0UL;
	unsigned int digits = 0, shift = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		int d = hex_to_bin(*s);

		if (d < 0 || (unsigned long)d >= base)
			break;
		if (v > (max - (unsigned long)d) / base)
			return -1;
		v = v * base + (unsigned long)d;
	}
	switch (*s) {
	case 'k':
	case 'K':
		shift = KIB_SHIFT;
		break;
	case 'm':
	case 'M':
		shift = 2 * KIB_SHIFT;
		break;
	case 'g':
	case 'G':
		shift = 3 * KIB_SHIFT;
		break;
	}
	if (shift)
		s++;
	if (!digits || *s || v > (max >> shift))
		return -1;
	*val = v << shift;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int mon_split(char *line, char **argv, int max)
{
	int argc = 0;

	for (;;) {
		while (is_blank(*line))
			*line++ = '\0';
		if (!*line)
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = line;
		while (*line && !is_blank(*line))
			line++;
	}
}

const char *mon_next_command(const char *s, char *buf, size_t size, size_t *len)
{
	const char *end;
	size_t n;

	while (is_blank(*s) || *s == ';')
		s++;
	if (!*s)
		return NULL;
	end = s;
	while (*end && *end != ';')
		end++;
	n = (size_t)(end - s);
	while (n && is_blank(s[n - 1]))
		n--;
	*len = n;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return end;
}

bool mon_canonical(unsigned long va)
{
	/* Bits 63..47 are the sign extension of bit 47: 17 equal bits. */
	unsigned long top = va >> 47;

	return top == 0 || top == (~0UL >> 47);
}

/* If @s starts with @prefix, where the number after it starts; else NULL. */
static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) ? NULL : s + n;
}

enum mon_page_arg mon_page_arg(const char *s, unsigned long max_pfn,
			       unsigned long page_offset,
			       unsigned long map_size, unsigned long *val)
{
	const char *num;
	unsigned long v;

	if ((num = after_prefix(s, "pfn:"))) {
		if (mon_parse_ulong(num, val))
			return MON_PAGE_BAD;
		return MON_PAGE_PFN;
	}
	if ((num = after_prefix(s, "phys:"))) {
		if (mon_parse_ulong(num, val))
			return MON_PAGE_BAD;
		return MON_PAGE_PHYS;
	}
	if (mon_parse_ulong(s, &v))
		return MON_PAGE_BAD;
	*val = v;
	if (v >= page_offset && v - page_offset < map_size)
		return MON_PAGE_DIRECT_MAP;
	if (v < max_pfn)
		return MON_PAGE_PFN;
	return v < map_size ? MON_PAGE_PHYS_GUESSED : MON_PAGE_NOWHERE;
}

void mon_line_init(struct mon_line *l, void (*write)(const char *s, size_t len))
{
	memset(l, 0, sizeof(*l));
	l->write = write;
}

/* Erase what the terminal shows of the line, one "\b \b" per byte. */
static void erase_shown(struct mon_line *l, size_t n)
{
	while (n--)
		l->write("\b \b", 3);
}

/* Replace the line with @s, on the terminal too. */
static void show_line(struct mon_line *l, const char *s)
{
	erase_shown(l, l->len);
	l->over = 0;
	l->len = strlen(s);
	memcpy(l->buf, s, l->len + 1);
	l->write(l->buf, l->len);
}

/* The k-th newest history line, k = 1..nr_hist. */
static const char *hist_line(const struct mon_line *l, unsigned int k)
{
	return l->hist[(l->hist_head + MON_HISTORY - k) % MON_HISTORY];
}

static void history_step(struct mon_line *l, bool older)
{
	if (older && l->browse < l->nr_hist) {
		if (!l->browse)
			memcpy(l->saved, l->buf, l->len + 1);
		show_line(l, hist_line(l, ++l->browse));
	} else if (!older && l->browse) {
		l->browse--;
		show_line(l, l->browse ? hist_line(l, l->browse) : l->saved);
	}
}

void mon_history_add(struct mon_line *l, const char *s)
{
	size_t n = strnlen(s, MON_LINE_MAX - 1);

	if (!n || (l->nr_hist && !strncmp(hist_line(l, 1), s, n + 1)))
		return;
	memcpy(l->hist[l->hist_head], s, n);
	l->hist[l->hist_head][n] = '\0';
	l->hist_head = (l->hist_head + 1) % MON_HISTORY;
	if (l->nr_hist < MON_HISTORY)
		l->nr_hist++;
}

/* Start a new, empty line (history kept). */
static void line_reset(struct mon_line *l)
{
	l->len = 0;
	l->over = 0;
	l->buf[0] = '\0';
	l->browse = 0;
	l->esc = 0;
}

enum mon_feed mon_line_feed(struct mon_line *l, char c)
{
	bool after_cr = l->after_cr;

	if (l->done) {
		line_reset(l);
		l->done = false;
	}
	l->after_cr = false;
	if (l->esc == 1) {
		l->esc = (c == '[' || c == 'O') ? 2 : 0;
		return MON_MORE;
	}
	if (l->esc == 2) {
		l->esc = 0;
		if (c == 'A' || c == 'B')
			history_step(l, c == 'A');
		return MON_MORE;
	}
	switch (c) {
	case '\n':
		if (after_cr)
			return MON_MORE;
		/* fall through */
	case '\r':
		l->after_cr = c == '\r';
		l->write("\n", 1);
		l->done = true;
		if (l->over)
			return MON_TOO_LONG;
		mon_history_add(l, l->buf);
		return MON_ENTER;
	case CTRL_C:
		l->write("^C\n", 3);
		line_reset(l);
		return MON_DROPPED;
	case CTRL_U:
		erase_shown(l, l->len);
		l->len = 0;
		l->over = 0;
		l->buf[0] = '\0';
		return MON_MORE;
	case BS:
	case DEL:
		if (l->over) {
			l->over--; /* never shown: nothing to erase */
		} else if (l->len) {
			erase_shown(l, 1);
			l->buf[--l->len] = '\0';
		}
		return MON_MORE;
	case ESC:
		l->esc = 1;
		return MON_MORE;
	}
	if ((unsigned char)c < 0x20 || (unsigned char)c >= DEL)
		return MON_MORE;
	if (l->len + 1 < MON_LINE_MAX) {
		l->buf[l->len++] = c;
		l->buf[l->len] = '\0';
		l->write(&c, 1);
	} else if (!l->over++) {
		l->write("\a", 1); /* BEL: the line is full */
	}
	return MON_MORE;
}

int mon_hexdump_line(char *buf, size_t size, unsigned long addr,
		     const unsigned char *bytes, size_t n)
{
	char hex[MON_HEX_WIDTH * 3 + 2], ascii[MON_HEX_WIDTH + 1];
	char *h = hex;

	for (size_t i = 0; i < MON_HEX_WIDTH; i++) {
		if (i == MON_HEX_WIDTH / 2)
			*h++ = ' ';
		if (i < n)
			snprintf(h, 4, "%02x ", bytes[i]);
		else
			memcpy(h, "   ", 4);
		h += 3;
		ascii[i] = i >= n				? '\0'
			   : bytes[i] >= 0x20 && bytes[i] < DEL ? (char)bytes[i]
								: '.';
	}
	*h = '\0';
	ascii[MON_HEX_WIDTH] = '\0';
	return snprintf(buf, size, "%016lx  %s |%s|", addr, hex, ascii);
}

int mon_pte_flags(char *buf, size_t size, uint64_t pte, int level)
{
	/* The x86 page-table entry bits (Intel SDM vol. 3, 4.5). */
	static const struct {
		unsigned int bit;
		const char *name;
	} bits[] = {
		{ 0, "P" },   { 1, "RW" },  { 2, "US" }, { 3, "PWT" },
		{ 4, "PCD" }, { 5, "A" },   { 6, "D" },	 { 7, "PS" },
		{ 8, "G" },   { 63, "NX" },
	};
	int len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(pte & (1ULL << bits[i].bit)))
			continue;
		if (bits[i].bit == 7 && (level < 2 || level > 3))
			continue;
		len += snprintf(buf + ((size_t)len < size ? (size_t)len : size),
				(size_t)len < size ? size - (size_t)len : 0,
				"%s%s", len ? " " : "", bits[i].name);
	}
	if (!len)
		len = snprintf(buf, size, "-");
	return len;
}
