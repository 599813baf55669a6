/* SPDX-License-Identifier: MIT */
/*
 * bochs_break.h - Bochs magic breakpoints at named points of the boot and of
 * the buddy allocator, armed with break=NAME,NAME... on the kernel command
 * line (README "Magic breakpoints"); none is armed by default. An armed
 * point first prints "bochs-break: NAME: <what to inspect>" on COM1, then
 * executes xchg bx, bx: Bochs (magic_break: enabled=1) stops in its
 * debugger after it; QEMU and real CPUs run on (it only swaps BX with BX).
 */
#ifndef BOCHS_BREAK_H
#define BOCHS_BREAK_H

#include "lib/kernel.h"
#include "printk.h"

/*
 * The points, one bit each in bochs_break_mask. boot.asm keeps the same
 * values (BREAK_* equ) and parses break= into the mask itself, as the
 * first three points come before any C runs.
 */
#define BREAK_BOOT	0x01u /* boot.asm enable_paging: PAE, LME, PG next */
#define BREAK_LONGMODE	0x02u /* boot.asm long_mode_entry: first 64-bit code */
#define BREAK_HIGHER	0x04u /* boot.asm: the jmp to higher_half_entry */
#define BREAK_DIRECTMAP 0x08u /* paging_init(): CR3 = the kernel's tables */
#define BREAK_SPLIT	0x10u /* buddy expand(): = MM_BREAK_SPLIT (mm.h) */
#define BREAK_MERGE	0x20u /* buddy __free_one_page(): = MM_BREAK_MERGE */
#define BREAK_AP	0x40u /* smpboot.c start_secondary(): an AP's first C */
#define BREAK_ALL	0x7fu

/*
 * bochs_break_mask - the armed points (BREAK_*). Written by boot.asm from
 * break= before paging is on; 0 when there is no break=.
 */
extern unsigned int bochs_break_mask;

/*
 * BOCHS_BREAK() - Bochs's magic breakpoint, at the point called @name (a
 * bare word; it lands in the assembly as a comment). Unconditional: test
 * the mask first (bochs_break_point()).
 */
#define BOCHS_BREAK(name) \
	__asm__ volatile("xchg %%bx, %%bx # bochs-break: " #name ::: "memory")

/*
 * bochs_break_point() - at point @name, if @bit is armed: print
 * "bochs-break: @name: " and printf-style @fmt on the console, then
 * BOCHS_BREAK(@name). Disarmed, it costs one test of a global.
 */
#define bochs_break_point(bit, name, fmt, ...)                      \
	do {                                                        \
		if (unlikely(bochs_break_mask & (bit))) {           \
			printk("bochs-break: " #name ": " fmt "\n", \
			       ##__VA_ARGS__);                      \
			BOCHS_BREAK(name);                          \
		}                                                   \
	} while (0)

/*
 * bochs_break_setup() - report the armed points and unknown names in
 * break=, arm the buddy allocator's points (mm_break_mask) and take
 * break_count=N (default 1: how many splits and merges stop, each) into
 * mm_break_limit. Context: boot, after mb2_parse(), before mm_core_init().
 */
void bochs_break_setup(void);

/*
 * bochs_break_report64() - print the line of boot point @bit (BREAK_LONGMODE
 * or BREAK_HIGHER) with the registers worth a look. Called from boot.asm's
 * 64-bit code, still on the identity map and the boot stack; the caller
 * then executes the breakpoint.
 */
void bochs_break_report64(unsigned int bit);

#endif
