/* SPDX-License-Identifier: MIT */
/*
 * unaligned.h - read little-endian fields of firmware and boot-loader
 * bytes (ACPI tables, the multiboot2 information) at any address, as
 * Linux's <asm/unaligned.h> (get_unaligned_le16/32/64). Portable: the
 * kernel, the host tests and the fuzzers use it alike.
 *
 * The bytes are someone else's, not our objects: each field is copied out
 * (__builtin_memcpy, so it needs no C library and makes no alignment or
 * type-aliasing assumption; gcc and clang turn it into one load), then
 * byte-swapped on a big-endian host.
 */
#ifndef LIB_UNALIGNED_H
#define LIB_UNALIGNED_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define UNALIGNED_LE16(v) __builtin_bswap16(v)
#define UNALIGNED_LE32(v) __builtin_bswap32(v)
#define UNALIGNED_LE64(v) __builtin_bswap64(v)
#else
#define UNALIGNED_LE16(v) (v)
#define UNALIGNED_LE32(v) (v)
#define UNALIGNED_LE64(v) (v)
#endif

/* get_unaligned_le16() - the little-endian 16-bit value at @p (any
 * alignment; the 2 bytes must be readable). */
static inline uint16_t get_unaligned_le16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return UNALIGNED_LE16(v);
}

/* get_unaligned_le32() - the little-endian 32-bit value at @p (any
 * alignment; the 4 bytes must be readable). */
static inline uint32_t get_unaligned_le32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return UNALIGNED_LE32(v);
}

/* get_unaligned_le64() - the little-endian 64-bit value at @p (any
 * alignment; the 8 bytes must be readable). */
static inline uint64_t get_unaligned_le64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return UNALIGNED_LE64(v);
}

#endif
