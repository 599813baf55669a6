/* SPDX-License-Identifier: MIT */
/* cpu.h - CPUID feature probing, control registers and halting. */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define X86_FEATURE_PGE_BIT 13 /* CPUID leaf 1, EDX: global pages */

/* CPUID leaf 0x80000001, EDX bits. */
#define X86_FEATURE_NX_BIT	20 /* no-execute page bit */
#define X86_FEATURE_GBPAGES_BIT 26 /* 1 GiB pages (pdpe1gb) */
#define X86_FEATURE_LM_BIT	29 /* long mode */

/* CPUID leaves 0x80000002-4: the brand string, 16 bytes each. */
#define CPUID_BRAND_FIRST 0x80000002u
#define CPUID_BRAND_LAST  0x80000004u
#define CPU_MODEL_ID_LEN  48 /* bytes of brand string, without the NUL */
/* CPUID leaf 0x80000007 (power management), EDX bit 8: invariant TSC. */
#define CPUID_POWER_LEAF	      0x80000007u
#define X86_FEATURE_INVARIANT_TSC_BIT 8

#define X86_CR0_WP  (1UL << 16) /* supervisor writes honour read-only pages */
#define X86_CR4_PGE (1UL << 7)	/* global pages */
#define MSR_EFER    0xc0000080
#define EFER_NX	    (1UL << 11)
#define MSR_GS_BASE 0xc0000101 /* the GS segment's base: the per-CPU area */

struct cpuinfo_x86 {
	char vendor[13]; /* NUL-terminated CPUID vendor string */
	/* CPUID brand string, leading spaces dropped, NUL-terminated; "" when
	 * the CPU has none (as Linux's x86_model_id). */
	char x86_model_id[CPU_MODEL_ID_LEN + 1];
	bool has_nx;	  /* EFER.NXE usable: pages can be marked no-execute */
	bool has_gbpages; /* 1 GiB pages in the PDPT */
	bool has_pge;	  /* global pages (CR4.PGE) */
	/* The TSC ticks at a constant rate in every power state (CPUID
	 * 0x80000007 EDX bit 8; Linux's constant_tsc + nonstop_tsc). */
	bool has_invariant_tsc;
};

extern struct cpuinfo_x86 boot_cpu_data;

void cpu_init(void);

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)val),
			   "d"((uint32_t)(val >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * rdtsc_ordered() - the time-stamp counter, read only after every earlier
 * instruction has completed locally: LFENCE keeps RDTSC from being executed
 * ahead of them (it does not wait for stores to drain). As Linux's
 * rdtsc_ordered() on CPUs where LFENCE serialises dispatch (every Intel CPU;
 * AMD since Linux sets MSR_F10H_DECFG bit 1, which we do not: on AMD, read
 * a loop of many operations, not one). Return: the TSC, in its own ticks.
 */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * count_loop() - execute exactly 2 * @loops instructions, `dec; jnz` each
 * time round, and nothing else between the asm's first and last
 * instruction: a loop of known length to calibrate a counter against.
 * @loops must be at least 1 (0 would run 2^64 times).
 */
static inline void count_loop(unsigned long loops)
{
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(loops) : : "cc");
}

/* Stop this CPU for good: interrupts off, then hlt forever. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
