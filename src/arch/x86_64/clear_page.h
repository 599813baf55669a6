/* SPDX-License-Identifier: MIT */
/*
 * clear_page.h - zero one 4 KiB page with `rep stosq`, 512 eight-byte
 * stores in one instruction, as Linux's clear_page_rep() on x86_64. Used by
 * the kernel's mm_env.h and, on an x86_64 host, by the host seam, so the
 * benchmark times the kernel's own zeroing (make bench, docs/performance.md
 * compares it with memset).
 */
#ifndef ARCH_CLEAR_PAGE_H
#define ARCH_CLEAR_PAGE_H

/* clear_page_rep() - zero the 4096 bytes at @addr (8-byte aligned). */
static inline void clear_page_rep(void *addr)
{
	unsigned long n = 4096 / 8;

	__asm__ volatile("rep stosq"
			 : "+D"(addr), "+c"(n)
			 : "a"(0UL)
			 : "memory");
}

#endif
