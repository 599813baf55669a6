// SPDX-License-Identifier: MIT
/* cmdline.c - a copy of the boot command line, and word lookup in it. */
#include "cmdline.h"
#include "lib/kernel.h"

#include "printk.h"
#include "string.h"

static char cmdline[CMDLINE_MAX];

void cmdline_set(const char *s, size_t len)
{
	if (len >= CMDLINE_MAX)
		len = CMDLINE_MAX - 1;
	memcpy(cmdline, s, len);
	cmdline[len] = '\0';
}

const char *cmdline_get(void)
{
	return cmdline;
}

/*
 * Find the next word; return its start and set *len; NULL at the end.
 * Spaces between double quotes belong to the word, as in Linux's
 * next_arg(): run="meminfo; buddyinfo" is one word.
 */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p;
	bool quoted = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	*len = 0;
	while (s[*len] && (quoted || (s[*len] != ' ' && s[*len] != '\t'))) {
		if (s[*len] == '"')
			quoted = !quoted;
		(*len)++;
	}
	*p = s + *len;
	return s;
}

bool cmdline_has(const char *word)
{
	const char *p = cmdline, *w;
	size_t len, wlen = strlen(word);

	while ((w = next_word(&p, &len)))
		if (len == wlen && !strncmp(w, word, len))
			return true;
	return false;
}

bool cmdline_value(const char *key, char *buf, size_t size)
{
	const char *p = cmdline, *w;
	size_t len, klen = strlen(key);

	while ((w = next_word(&p, &len))) {
		if (len > klen && w[klen] == '=' && !strncmp(w, key, klen)) {
			const char *v = w + klen + 1, *end = w + len;
			size_t n = 0;

			/* The value without its quotes. GRUB passes a quote
			 * in an argument as \" (grub_create_loader_cmdline()):
			 * that backslash goes too. */
			for (; size && v < end && n + 1 < size; v++)
				if (*v != '"' && !(*v == '\\' && v[1] == '"'))
					buf[n++] = *v;
			if (size)
				buf[n] = '\0';
			return true;
		}
	}
	return false;
}

bool cmdline_ull(const char *key, unsigned long long *val)
{
	char buf[32];
	const char *p = buf;
	unsigned long long v = 0;
	unsigned int base = 10, digits = 0;

	if (!cmdline_value(key, buf, sizeof(buf)))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++, digits++) {
		int d = hex_to_bin(*p);

		if (d < 0 || (unsigned int)d >= base)
			break;
		v = v * base + (unsigned int)d;
	}
	if (*p || !digits) {
		printk("cmdline: %s=%s is not a number (decimal or 0x-hex); ignored\n",
		       key, buf);
		return false;
	}
	*val = v;
	return true;
}
