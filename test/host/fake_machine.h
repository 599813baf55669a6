/* SPDX-License-Identifier: MIT */
/*
 * fake_machine.h - the one machine the mm core runs on outside the kernel,
 * for the host tests, the fuzzer (test/fuzz/) and the benchmark (bench/):
 * host_ram as physical memory, a fake firmware memory map (RAM ranges,
 * holes, reserved ranges, zones by address) fed to memblock, mm_core_init()
 * over it, and a reset between machines; printk() into a capture buffer and
 * a panic() whose end each harness chooses. Needs no test framework: the
 * cmocka side of the host tests is host_test.h.
 */
#ifndef FAKE_MACHINE_H
#define FAKE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm_env.h"

#define KiB (1UL << 10)
#define MiB (1UL << 20)

/* host_ram is aligned to this, so an order-10 block is 4 MiB-aligned in it. */
#define HOST_RAM_ALIGN (4 * MiB)
/* What fresh host_ram holds: never what a zeroed page holds. */
#define HOST_RAM_JUNK 0x6b

/* printk ------------------------------------------------------------------ */

/*
 * printk_log() - everything printk() wrote since the last printk_log_clear(),
 * as one NUL-terminated string. When the capture buffer fills, its older
 * half is dropped, so the most recent output is always there.
 */
const char *printk_log(void);
void printk_log_clear(void);
/* printk_log_count() - how many times @s occurs in printk_log(). */
unsigned int printk_log_count(const char *s);

/*
 * printk_echo - where printk() output goes besides the capture: NULL (the
 * default) for nowhere. The host tests set stdout under PAGEWISE_VERBOSE=1,
 * the fuzzer stderr under FUZZ_BUDDY_VERBOSE=1, the bench stderr under
 * --verbose. Set before a machine boots; not changed during a call.
 */
extern FILE *printk_echo;
/*
 * printk_capture - true (the default): printk() keeps its output for
 * printk_log(). false: it keeps nothing and, with printk_echo NULL, does not
 * even format (the bench: nothing reads the log, and init is timed).
 */
extern bool printk_capture;

/* panic ------------------------------------------------------------------- */

/*
 * run_expecting_panic() - call @fn; if it calls panic(), come back here.
 * The panic message is in printk_log() ("Kernel panic - not syncing: ...").
 * Return: true if @fn panicked, false if it returned normally.
 */
bool run_expecting_panic(void (*fn)(void));

/*
 * fake_panic_handler - what panic() does outside run_expecting_panic(),
 * after printing the message with printk(): called with the message, must
 * not return. NULL (the default): print it on stderr and abort(). The host
 * tests fail the running cmocka test; the fuzzer reports its trace.
 */
extern void (*fake_panic_handler)(const char *msg);

/* host_ram ---------------------------------------------------------------- */

/*
 * fake_ram_reserve() - make sure host_ram can hold @max_size bytes of
 * simulated RAM: reserve that much host address space (MAP_NORESERVE, so
 * only the pages written are ever backed), HOST_RAM_ALIGN-aligned, unless
 * the reservation already held is as large. A larger reservation replaces
 * the old one, whose contents are lost: boot again after it.
 * Return: false when the host refuses the address space (the old
 * reservation, if any, is kept).
 */
bool fake_ram_reserve(phys_addr_t max_size);

/*
 * fake_ram_use() - let the machine's "physical" memory be bytes
 * [0, @size) of the reservation: host_ram_size = @size. Panics if
 * fake_ram_reserve() has not reserved that much. Touches no byte. For an
 * allocator that takes over host_ram without memblock (bench/baselines/);
 * fake_machine_load() calls it.
 */
void fake_ram_use(phys_addr_t size);

/* fake_ram_release() - give the reservation back: host_ram NULL, size 0. */
void fake_ram_release(void);

/* the machine ------------------------------------------------------------- */

/* The type of a firmware memory-map entry, as far as the mm core cares. */
enum fake_mem_type {
	FAKE_RAM,      /* usable: memblock_add_pages() */
	FAKE_RESERVED, /* anything else: memblock_reserve_pages() */
};

/* One firmware memory-map entry, in bytes; need not be page-aligned. */
struct fake_mem_range {
	phys_addr_t base;
	phys_addr_t size;
	enum fake_mem_type type;
};

/*
 * A machine to boot: its firmware map and what the "arch" reserves. The
 * zones follow from the addresses (ZONE_DMA below 16 MiB, ZONE_DMA32 below
 * 4 GiB); a gap between the map's ranges is a hole. Fields after
 * watermarks are 0 in most machines.
 */
struct fake_machine {
	const struct fake_mem_range *map; /* entries in any order */
	unsigned int nr_ranges;
	phys_addr_t low_reserve;   /* bytes reserved from 0, as the kernel's
				      first 1 MiB; 0 for none */
	phys_addr_t mem_map_limit; /* memblock current_limit while mem_map is
				      allocated, 0 for anywhere (the top) */
	/* true: Linux's default watermarks and lowmem_reserve; false (most
	 * tests, the fuzzer, the bench): none, so every free page can be
	 * allocated */
	bool watermarks;
	/* Bytes reserved as the kernel image, as the arch reserves it:
	 * kernel_image_start_pfn/end_pfn cover them. Size 0: no image. */
	phys_addr_t kernel_image_base;
	phys_addr_t kernel_image_size;
	/* true: RAM left as the host maps it (zero, backed only once written),
	 * for machines of many GiB (the bench); false: junk-filled */
	bool untouched;
	/* true, under ASan: every page that is not usable RAM
	 * (fake_machine_pfn_usable()) is poisoned at load, so the mm core may
	 * not even read a hole or a reserved page (the fuzzer) */
	bool poison_unusable;
};

/*
 * FAKE_MAP(ranges) - the .map and .nr_ranges of a struct fake_machine
 * initializer: the array @ranges, all of it.
 */
#define FAKE_MAP(ranges) .map = (ranges), .nr_ranges = ARRAY_SIZE(ranges)

/*
 * FAKE_RANGES(...) - FAKE_MAP() of the struct fake_mem_range entries given,
 * written in place: FAKE_RANGES({ 0x0, 0x800000, FAKE_RAM }). The array is
 * a compound literal, static at file scope, automatic in a function (where
 * the machine must then be automatic too).
 */
#define FAKE_RANGES(...) \
	FAKE_MAP(((const struct fake_mem_range[]){ __VA_ARGS__ }))

/*
 * fake_machine_mm_debug - the mm_debug fake_machine_boot() boots with. 0
 * (the default) is how the kernel boots: no buddy_verify(), the order-0
 * fast paths on. The host tests take it from $PAGEWISE_MM_DEBUG
 * (host_tests_init()); the fuzzer from its input.
 */
extern unsigned int fake_machine_mm_debug;

/*
 * fake_machine_load() - give host_ram room for every map entry
 * (fake_ram_reserve(), then fake_ram_use() of the top rounded up to
 * HOST_RAM_ALIGN), fill the entries and low_reserve with the junk byte
 * HOST_RAM_JUNK unless @m->untouched (so zeroing is tested against dirt;
 * holes are never touched), poison what is not usable if
 * @m->poison_unusable, then reset memblock and feed it the map,
 * low_reserve and the kernel image, as the arch's setup code does. Unless
 * @m->watermarks, the watermark tunables are zeroed (see mmzone.h), so the
 * mm_core_init() that follows sets no watermark and no lowmem_reserve.
 * Stops short of mm_core_init(); leaves every other mm global as it is.
 * A map memblock refuses panics.
 */
void fake_machine_load(const struct fake_machine *m);

/*
 * fake_machine_boot() - fake_machine_load(), then mm_core_init() with
 * mm_debug = fake_machine_mm_debug. Under mm_debug=verify, buddy_verify()
 * runs after every allocation and free, and a problem panics.
 */
void fake_machine_boot(const struct fake_machine *m);

/*
 * fake_machine_reset() - every global of the mm core back as a fresh
 * process has it (mm_reset_globals()), the printk log cleared and no panic
 * trap set. host_ram and its contents stay: the next load reuses them.
 */
void fake_machine_reset(void);

/*
 * fake_machine_teardown() - fake_machine_reset() and fake_ram_release():
 * the next machine starts from nothing.
 */
void fake_machine_teardown(void);

/*
 * fake_machine_max_pfn() - by @m's map alone: one past the highest pfn
 * wholly inside a RAM range (what mm_core_init() must make max_pfn), or 0.
 */
unsigned long fake_machine_max_pfn(const struct fake_machine *m);

/*
 * fake_machine_pfn_usable() - by @m's map alone: is page @pfn wholly inside
 * a RAM range and touched by no reserved byte (reserved range, low_reserve,
 * kernel image)? Such pages are free after boot, but for mem_map's.
 */
bool fake_machine_pfn_usable(const struct fake_machine *m, unsigned long pfn);

/* the expected state ------------------------------------------------------ */

/*
 * memblock_free_pfns() - a @nr_pfns-long array, true where memblock says
 * the page is free (in memory and not reserved). The caller frees it.
 */
bool *memblock_free_pfns(unsigned long nr_pfns);

/*
 * canonical_nr_free() - the nr_free of each order when the pages marked in
 * @is_free are fully merged: a 2^o-aligned block of 2^o free pages is one free
 * block when o is MAX_PAGE_ORDER or its 2^(o+1) parent is not wholly free.
 * Computed from @is_free alone, without the allocator.
 */
void canonical_nr_free(const bool *is_free, unsigned long nr_pfns,
		       unsigned long nr_free[]);

/*
 * canonical_heads() - the same blocks by pfn: @head[pfn] (@nr_pfns
 * entries) gets the order of the canonical free block starting at pfn,
 * or -1.
 */
void canonical_heads(const bool *is_free, unsigned long nr_pfns,
		     signed char *head);

/* total_nr_free() - free blocks of @order, summed over the zones. */
unsigned long total_nr_free(unsigned int order);

#endif
