/* SPDX-License-Identifier: MIT */
/*
 * cmdline.h - the kernel command line: words separated by spaces, each a
 * flag ("selftest") or key=value ("seed=42"). Double quotes keep spaces in
 * a word and are dropped from a value: run="meminfo; buddyinfo".
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX 1024 /* bytes kept, NUL included; longer lines are cut */

/* cmdline_set() - keep a copy of @s (cut to CMDLINE_MAX - 1 bytes). */
void cmdline_set(const char *s, size_t len);
const char *cmdline_get(void);
/* cmdline_has() - is @word on the command line as a whole word? */
bool cmdline_has(const char *word);
/*
 * cmdline_value() - copy the value of "@key=value" into @buf (@size bytes,
 * NUL-terminated, cut to fit, double quotes left out).
 * Return: true if the key is present.
 */
bool cmdline_value(const char *key, char *buf, size_t size);

/*
 * cmdline_ull() - the value of "@key=N" as a number, N in decimal or 0x-hex.
 * Return: true and *@val set when present and well formed; a malformed value
 * is reported on the console and ignored (false, *@val unchanged).
 */
bool cmdline_ull(const char *key, unsigned long long *val);

#endif
