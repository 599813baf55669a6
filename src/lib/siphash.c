// SPDX-License-Identifier: MIT
/* siphash.c - SipHash-2-4: 2 rounds per 8-byte word, 4 to finish. */
#include "siphash.h"

static inline uint64_t rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the state v[0..3]. */
static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13) ^ v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17) ^ v[2];
	v[2] = rotl64(v[2], 32);
}

/* Mix the message word @m in: two rounds between the xors. */
static inline void compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
}

uint64_t siphash(const void *data, size_t len, const siphash_key_t *key)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		key->key[0] ^ 0x736f6d6570736575ULL, /* "somepseu" */
		key->key[1] ^ 0x646f72616e646f6dULL, /* "dorandom" */
		key->key[0] ^ 0x6c7967656e657261ULL, /* "lygenera" */
		key->key[1] ^ 0x7465646279746573ULL, /* "tedbytes" */
	};
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = 0;

		for (int b = 7; b >= 0; b--)
			m = (m << 8) | p[i + b];
		compress(v, m);
	}
	for (int b = 0; i + b < len; b++)
		last |= (uint64_t)p[i + b] << (8 * b);
	compress(v, last);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
