// SPDX-License-Identifier: MIT
/*
 * bench_machine.c - the host side of the mm seam for the benchmark, lean and
 * without a test framework: printk() that is silent unless asked, panic()
 * that aborts, and host_ram as one MAP_NORESERVE reservation reused by every
 * machine, so a host page is faulted in once and never inside a timed run
 * after the warm-up.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bench.h"

/* host_ram is aligned to this, so an order-10 block is 4 MiB-aligned in it. */
#define HOST_RAM_ALIGN (4UL << 20)

unsigned char *host_ram;
size_t host_ram_size;
bool bench_verbose;

/* The reservation behind host_ram, and its size in bytes (0: none yet). */
static void *ram_mapping;
static size_t ram_mapping_size;

int printk(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (bench_verbose) {
		va_start(ap, fmt);
		n = vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fputs("Kernel panic - not syncing: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

bool bench_reserve_ram(phys_addr_t max_size)
{
	size_t want = max_size + HOST_RAM_ALIGN;
	void *mapping;

	if (ram_mapping_size >= want)
		return true;
	mapping = mmap(NULL, want, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mapping == MAP_FAILED)
		return false; /* the old reservation stays */
	if (ram_mapping)
		munmap(ram_mapping, ram_mapping_size);
	ram_mapping = mapping;
	ram_mapping_size = want;
	host_ram = (unsigned char *)(((uintptr_t)ram_mapping + HOST_RAM_ALIGN -
				      1) &
				     ~(uintptr_t)(HOST_RAM_ALIGN - 1));
	return true;
}

void bench_set_ram_size(phys_addr_t size)
{
	if (!host_ram || size + HOST_RAM_ALIGN > ram_mapping_size) {
		fprintf(stderr, "bench: %llu bytes of RAM not reserved\n",
			(unsigned long long)size);
		abort();
	}
	host_ram_size = size;
}
