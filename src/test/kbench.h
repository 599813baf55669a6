/* SPDX-License-Identifier: MIT */
/*
 * kbench.h - the monitor's `bench` command: the workloads order0, mixed and
 * zero of `make bench` (bench/bench.c, docs/bench.md), run on the kernel's
 * own page allocator and timed with the TSC.
 */
#ifndef KBENCH_H
#define KBENCH_H

#include <stdbool.h>

/* The workloads, as bits of a mask. */
#define KBENCH_ORDER0 0x1u
#define KBENCH_MIXED  0x2u
#define KBENCH_ZERO   0x4u
#define KBENCH_ALL    (KBENCH_ORDER0 | KBENCH_MIXED | KBENCH_ZERO)

/* Ops per workload when none is given: alloc+free pairs. */
#define KBENCH_DEFAULT_OPS	 100000UL
#define KBENCH_DEFAULT_MIXED_OPS 20000UL
/* The most ops one workload takes: some seconds under QEMU TCG, a few
 * minutes in Bochs. */
#define KBENCH_MAX_OPS 10000000UL

/*
 * kbench_workload() - the mask of workload @name: "order0", "mixed",
 * "zero", or "all" for the three. Return: the mask, 0 for any other name.
 */
unsigned int kbench_workload(const char *name);

/*
 * kbench_run() - run the workloads of @mask (KBENCH_*), in the order
 * order0, mixed, zero, each with @ops alloc+free pairs (1 to
 * KBENCH_MAX_OPS; 0 takes the defaults above), and print on the console a
 * header (CPU, TSC, a calibration loop), one line per workload with its
 * ops, TSC cycles and cycles per op, and whether the allocator ended where
 * it started: the same nr_free_pages() and, once the per-CPU lists are
 * drained, the same free blocks per zone and order and a clean
 * buddy_verify(). Blocks the monitor holds stay held.
 * Context: the monitor; interrupts off, one CPU.
 * Return: true when every workload ran and the allocator is back in its
 * starting state; false otherwise (the console says why). Every block a
 * workload took is freed in either case.
 */
bool kbench_run(unsigned int mask, unsigned long ops);

#endif
