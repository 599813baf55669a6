/* SPDX-License-Identifier: MIT */
/*
 * mm_env.h (host side) - the mm core's surroundings for the host unit tests,
 * the same contract as src/arch/x86_64/mm_env.h. "Physical" memory is one
 * heap buffer, host_ram: physical address pa lives at host_ram + pa, so the
 * direct map is [host_ram, host_ram + host_ram_size). Keep the two in step.
 */
#ifndef MM_ENV_H
#define MM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lab.h" /* what a lab handout's stubs in src/mm call */
#include "lib/kernel.h"
#include "panic.h"
#include "printk.h"

typedef uint64_t phys_addr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/*
 * The simulated physical memory, set up by fake_machine_load(): bytes
 * [0, host_ram_size) of "physical" memory. NULL and 0 when no machine is up.
 */
extern unsigned char *host_ram;
extern size_t host_ram_size;

/* __va() - the host address of physical address @pa. */
#define __va(pa) ((void *)(host_ram + (phys_addr_t)(pa)))
/* __pa() - the physical address of host address @va inside host_ram. */
#define __pa(va) ((phys_addr_t)((const unsigned char *)(va)-host_ram))

/* Is @va inside the simulated direct map, [host_ram, host_ram + size)? */
#define virt_in_direct_map(va) \
	((uintptr_t)(va) - (uintptr_t)host_ram < host_ram_size)

/*
 * The CPUs, as the kernel's smp.h gives them: NR_CPUS per-CPU lists exist,
 * nr_cpu_ids of them are possible (1 unless a test sets more), and
 * host_cpu is the CPU the test runs "on" (0 unless a test switches).
 * Defined in fake_machine.c.
 */
#define NR_CPUS 64
extern unsigned int nr_cpu_ids;
extern unsigned int host_cpu;
static inline unsigned int smp_processor_id(void)
{
	return host_cpu;
}

/*
 * BOCHS_BREAK() - the kernel's Bochs magic breakpoint at point @name; on the
 * host there is no debugger to stop in: nothing.
 */
#define BOCHS_BREAK(name) ((void)0)

/* Zero one page at direct-map address @addr: the kernel's rep stosq on an
 * x86_64 host (so make bench times it), memset elsewhere. */
#ifdef __x86_64__
#include "../../src/arch/x86_64/clear_page.h"
static inline void clear_page(void *addr)
{
	clear_page_rep(addr);
}
#else
static inline void clear_page(void *addr)
{
	memset(addr, 0, PAGE_SIZE);
}
#endif

/*
 * mm_env_seed() - a seed for random tests: $PAGEWISE_SEED if set (decimal,
 * or hex with 0x), else one taken from the clock. Tests print the seed they
 * use, so a run can be repeated. Defined in fake_machine.c.
 */
uint64_t mm_env_seed(void);

#endif
