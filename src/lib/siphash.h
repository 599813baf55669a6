/* SPDX-License-Identifier: MIT */
/*
 * siphash.h - SipHash-2-4, the keyed 64-bit hash of Aumasson and Bernstein,
 * with Linux's names (include/linux/siphash.h). The grade mode of the KTAP
 * runner (src/test/ktest.c) seals each result with it. Portable.
 */
#ifndef LIB_SIPHASH_H
#define LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit key: key[0] is bytes 0-7 read little-endian, key[1] bytes 8-15. */
typedef struct {
	uint64_t key[2];
} siphash_key_t;

/*
 * siphash() - SipHash-2-4 of the @len bytes at @data (any alignment) under
 * @key. Return: the 64-bit result (the 8 output bytes read little-endian).
 * Check: key 00..0f, data 00..0e (15 bytes) give 0xa129ca6149be45e5.
 */
uint64_t siphash(const void *data, size_t len, const siphash_key_t *key);

#endif
