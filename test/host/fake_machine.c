// SPDX-License-Identifier: MIT
/*
 * fake_machine.c - the host side of the mm seam, shared by the host tests,
 * the fuzzer and the bench: printk() into a capture buffer, panic() that
 * ends as the harness says, host_ram as physical memory (one reservation,
 * reused from machine to machine) and a fake firmware map fed to memblock.
 * A reset leaves every mm global as a fresh process has it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <sanitizer/asan_interface.h>

#include "fake_machine.h"
#include "memblock.h"
#include "mm.h"
#include "mm_reset.h"

/* The direct map: set by fake_ram_use(); NULL and 0 with no reservation. */
unsigned char *host_ram;
size_t host_ram_size;
unsigned int nr_cpu_ids = 1; /* mm_env.h: the possible CPUs */
unsigned int host_cpu;	     /* mm_env.h: the CPU a test runs "on" */
/* The mmap() that holds host_ram, aligned inside it; NULL and 0: none. */
static void *host_ram_mapping;
static size_t host_ram_mapping_size;

/* printk ------------------------------------------------------------------ */

/* One printk() call is cut here, as by the kernel's buffer. */
#define PRINTK_LINE_MAX 1024
/* The capture; when full, its older half is dropped. */
#define PRINTK_LOG_SIZE (256 * KiB)

static char log_buf[PRINTK_LOG_SIZE];
static size_t log_len; /* bytes in log_buf, not counting the NUL */

FILE *printk_echo;
bool printk_capture = true;

static void log_append(const char *s, size_t len)
{
	if (log_len + len + 1 > sizeof(log_buf)) {
		size_t keep = log_len / 2;

		memmove(log_buf, log_buf + log_len - keep, keep);
		log_len = keep;
	}
	memcpy(log_buf + log_len, s, len);
	log_len += len;
	log_buf[log_len] = '\0';
}

int printk(const char *fmt, ...)
{
	char line[PRINTK_LINE_MAX];
	va_list ap;
	size_t len;
	int n;

	if (!printk_capture && !printk_echo)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (printk_capture)
		log_append(line, len);
	if (printk_echo)
		fputs(line, printk_echo);
	return n;
}

const char *printk_log(void)
{
	return log_buf;
}

void printk_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

unsigned int printk_log_count(const char *s)
{
	unsigned int n = 0;
	size_t len = strlen(s);

	for (const char *p = log_buf; len && (p = strstr(p, s)); p += len)
		n++;
	return n;
}

/* panic ------------------------------------------------------------------- */

static jmp_buf *panic_trap; /* set by run_expecting_panic(), else NULL */
void (*fake_panic_handler)(const char *msg);

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("Kernel panic - not syncing: %s\n", msg);
	if (panic_trap) {
		jmp_buf *trap = panic_trap;

		panic_trap = NULL;
		longjmp(*trap, 1);
	}
	if (fake_panic_handler)
		fake_panic_handler(msg);
	fprintf(stderr, "Kernel panic - not syncing: %s\n", msg);
	abort(); /* also if the handler returned */
}

bool run_expecting_panic(void (*fn)(void))
{
	jmp_buf trap;

	if (setjmp(trap))
		return true;
	panic_trap = &trap;
	fn();
	panic_trap = NULL;
	return false;
}

/* seed --------------------------------------------------------------------- */

uint64_t mm_env_seed(void)
{
	const char *s = getenv("PAGEWISE_SEED");
	struct timespec ts;

	if (s && *s) {
		char *end;
		uint64_t seed = strtoull(s, &end, 0);

		if (*end) {
			fprintf(stderr, "PAGEWISE_SEED=%s is not a number\n",
				s);
			abort();
		}
		return seed;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* host_ram ---------------------------------------------------------------- */

bool fake_ram_reserve(phys_addr_t max_size)
{
	size_t want = max_size + HOST_RAM_ALIGN;
	void *mapping;

	if (host_ram_mapping_size >= want)
		return true;
	mapping = mmap(NULL, want, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mapping == MAP_FAILED)
		return false; /* the old reservation stays */
	fake_ram_release();
	host_ram_mapping = mapping;
	host_ram_mapping_size = want;
	host_ram = (unsigned char *)(((uintptr_t)mapping + HOST_RAM_ALIGN - 1) &
				     ~(uintptr_t)(HOST_RAM_ALIGN - 1));
	return true;
}

void fake_ram_use(phys_addr_t size)
{
	if (!host_ram || size + HOST_RAM_ALIGN > host_ram_mapping_size)
		panic("fake_machine: %llu bytes of RAM, but %zu reserved",
		      (unsigned long long)size,
		      host_ram_mapping_size
			      ? host_ram_mapping_size - HOST_RAM_ALIGN
			      : 0);
	host_ram_size = size;
}

void fake_ram_release(void)
{
	if (host_ram_mapping) {
		/* The fuzzer's poison must not outlive the mapping. */
		ASAN_UNPOISON_MEMORY_REGION(host_ram_mapping,
					    host_ram_mapping_size);
		munmap(host_ram_mapping, host_ram_mapping_size);
	}
	host_ram_mapping = NULL;
	host_ram_mapping_size = 0;
	host_ram = NULL;
	host_ram_size = 0;
}

/* the machine ------------------------------------------------------------- */

unsigned int fake_machine_mm_debug;

/* Does byte range [base, base + size) touch page @pfn? */
static bool touches(phys_addr_t base, phys_addr_t size, unsigned long pfn)
{
	return size && base < PFN_PHYS(pfn) + PAGE_SIZE &&
	       PFN_PHYS(pfn) < base + size;
}

unsigned long fake_machine_max_pfn(const struct fake_machine *m)
{
	unsigned long max = 0;

	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];
		unsigned long end = PFN_DOWN(r->base + r->size);

		if (r->type == FAKE_RAM && end > PFN_UP(r->base) && end > max)
			max = end;
	}
	return max;
}

bool fake_machine_pfn_usable(const struct fake_machine *m, unsigned long pfn)
{
	phys_addr_t start = PFN_PHYS(pfn), end = start + PAGE_SIZE;
	bool in_ram = false;

	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];

		if (r->type == FAKE_RESERVED && touches(r->base, r->size, pfn))
			return false;
		if (r->type == FAKE_RAM && r->base <= start &&
		    end <= r->base + r->size)
			in_ram = true;
	}
	return in_ram && !touches(0, m->low_reserve, pfn) &&
	       !touches(m->kernel_image_base, m->kernel_image_size, pfn);
}

/* The end of the highest byte @m names, rounded up to HOST_RAM_ALIGN. */
static phys_addr_t machine_ram_size(const struct fake_machine *m)
{
	phys_addr_t top = m->low_reserve;

	if (m->kernel_image_size &&
	    m->kernel_image_base + m->kernel_image_size > top)
		top = m->kernel_image_base + m->kernel_image_size;
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		phys_addr_t end = m->map[i].base + m->map[i].size;

		if (end > top)
			top = end;
	}
	top = (top + HOST_RAM_ALIGN - 1) & ~(phys_addr_t)(HOST_RAM_ALIGN - 1);
	return top ? top : HOST_RAM_ALIGN;
}

/* Under ASan: only the usable pages of @m may be touched. */
static void poison_unusable(const struct fake_machine *m)
{
	unsigned long nr_pfns = host_ram_size / PAGE_SIZE;

	ASAN_POISON_MEMORY_REGION(host_ram, host_ram_size);
	for (unsigned long pfn = 0; pfn < nr_pfns; pfn++)
		if (fake_machine_pfn_usable(m, pfn))
			ASAN_UNPOISON_MEMORY_REGION(__va(PFN_PHYS(pfn)),
						    PAGE_SIZE);
}

void fake_machine_load(const struct fake_machine *m)
{
	phys_addr_t size = machine_ram_size(m);

	if (!fake_ram_reserve(size))
		panic("fake_machine: the host refused %llu bytes of address space",
		      (unsigned long long)size);
	/* A fuzzer machine before this one may have poisoned some. */
	ASAN_UNPOISON_MEMORY_REGION(host_ram, host_ram_size);
	fake_ram_use(size);
	if (!m->untouched) {
		memset(host_ram, HOST_RAM_JUNK, m->low_reserve);
		for (unsigned int i = 0; i < m->nr_ranges; i++)
			memset(host_ram + m->map[i].base, HOST_RAM_JUNK,
			       m->map[i].size);
	}
	if (m->poison_unusable)
		poison_unusable(m);

	memblock_reset();
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];
		int err = r->type == FAKE_RAM
				  ? memblock_add_pages(r->base, r->size)
				  : memblock_reserve_pages(r->base, r->size);

		if (err)
			panic("fake_machine: memblock refused map entry %u [mem %#llx-%#llx]: %d",
			      i, (unsigned long long)r->base,
			      (unsigned long long)(r->base + r->size - 1), err);
	}
	if (m->low_reserve && memblock_reserve_pages(0, m->low_reserve))
		panic("fake_machine: memblock refused the low reservation");
	if (m->kernel_image_size) {
		if (memblock_reserve_pages(m->kernel_image_base,
					   m->kernel_image_size))
			panic("fake_machine: memblock refused the kernel image");
		kernel_image_start_pfn = PFN_DOWN(m->kernel_image_base);
		kernel_image_end_pfn =
			PFN_UP(m->kernel_image_base + m->kernel_image_size);
	}
	if (m->mem_map_limit)
		memblock_set_current_limit(m->mem_map_limit);
	/* No watermarks, no lowmem_reserve: every free page can be
	 * allocated, so a test sees the buddy allocator alone. */
	if (!m->watermarks)
		watermark_tunables_zero();
}

void fake_machine_boot(const struct fake_machine *m)
{
	fake_machine_load(m);
	mm_debug = fake_machine_mm_debug;
	mm_core_init();
}

void fake_machine_reset(void)
{
	mm_reset_globals();
	panic_trap = NULL;
	printk_log_clear();
}

void fake_machine_teardown(void)
{
	fake_machine_reset();
	fake_ram_release();
}

/* the expected state ------------------------------------------------------ */

struct pfn_map {
	bool *free;
	unsigned long nr_pfns;
};

static void mark_free(unsigned long start_pfn, unsigned long end_pfn, void *arg)
{
	struct pfn_map *map = arg;

	for (unsigned long pfn = start_pfn; pfn < end_pfn && pfn < map->nr_pfns;
	     pfn++)
		map->free[pfn] = true;
}

/* calloc() that panics instead of returning NULL. */
static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		panic("fake_machine: out of host memory");
	return p;
}

bool *memblock_free_pfns(unsigned long nr_pfns)
{
	struct pfn_map map = { zalloc(nr_pfns, sizeof(bool)), nr_pfns };

	for_each_free_mem_pfn_range(mark_free, &map);
	return map.free;
}

/*
 * Bottom-up: whole[o][b] says block b of order o is wholly free; a wholly
 * free block is a head unless its parent is wholly free too. The rows of
 * whole[] live in one scratch buffer, kept and grown as needed: the fuzzer
 * calls this after every call it makes.
 */
void canonical_heads(const bool *is_free, unsigned long nr_pfns,
		     signed char *head)
{
	static bool *scratch;
	static size_t scratch_size; /* entries in scratch */
	bool *whole[NR_PAGE_ORDERS];
	size_t need = 0;

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		need += (nr_pfns >> o) + 1;
	if (need > scratch_size) {
		free(scratch);
		scratch = zalloc(need, sizeof(bool));
		scratch_size = need;
	}
	whole[0] = scratch;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long nr_blocks = nr_pfns >> o;

		if (o)
			whole[o] = whole[o - 1] + (nr_pfns >> (o - 1)) + 1;
		for (unsigned long b = 0; b < nr_blocks; b++)
			whole[o][b] = o ? whole[o - 1][2 * b] &&
						      whole[o - 1][2 * b + 1]
					: is_free[b];
		whole[o][nr_blocks] = false;
	}
	for (unsigned long pfn = 0; pfn < nr_pfns; pfn++)
		head[pfn] = -1;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long nr_blocks = nr_pfns >> o;

		for (unsigned long b = 0; b < nr_blocks; b++) {
			bool parent_whole = o < MAX_PAGE_ORDER &&
					    b / 2 < (nr_pfns >> (o + 1)) &&
					    whole[o + 1][b / 2];

			if (whole[o][b] && !parent_whole)
				head[b << o] = (signed char)o;
		}
	}
}

void canonical_nr_free(const bool *is_free, unsigned long nr_pfns,
		       unsigned long nr_free[])
{
	signed char *head = zalloc(nr_pfns, 1);

	canonical_heads(is_free, nr_pfns, head);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = 0;
	for (unsigned long pfn = 0; pfn < nr_pfns; pfn++)
		if (head[pfn] >= 0)
			nr_free[head[pfn]]++;
	free(head);
}

unsigned long total_nr_free(unsigned int order)
{
	unsigned long n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += contig_page_data.node_zones[z].free_area[order].nr_free;
	return n;
}
