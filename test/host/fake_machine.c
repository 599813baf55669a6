// SPDX-License-Identifier: MIT
/*
 * fake_machine.c - the host side of the mm seam: printk() into a capture
 * buffer, panic() that fails the test, host_ram as physical memory, and a
 * fake firmware map fed to memblock. Teardown leaves every mm global as a
 * fresh process has it, so each test starts from nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "fake_machine.h"
#include "memblock.h"
#include "mm.h"
#include "mm_reset.h"

unsigned char *host_ram;
size_t host_ram_size;
/* The mmap() that holds host_ram, aligned inside it. */
static void *host_ram_mapping;
static size_t host_ram_mapping_size;

/* printk ------------------------------------------------------------------ */

/* One printk() call is cut here, as by the kernel's buffer. */
#define PRINTK_LINE_MAX 1024
/* The capture; when full, its older half is dropped. */
#define PRINTK_LOG_SIZE (256 * KiB)

static char log_buf[PRINTK_LOG_SIZE];
static size_t log_len; /* bytes in log_buf, not counting the NUL */

static bool verbose(void)
{
	static int cached = -1; /* -1: not looked up yet */

	if (cached < 0)
		cached = getenv("PAGEWISE_VERBOSE") != NULL;
	return cached;
}

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

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1;
	log_append(line, len);
	if (verbose())
		fputs(line, stdout);
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
	fprintf(stderr, "Kernel panic - not syncing: %s\n", msg);
	_fail(__FILE__, __LINE__);
	abort(); /* _fail() returns only outside a running test */
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

/* seed and filter ---------------------------------------------------------- */

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

void host_tests_init(void)
{
	const char *pattern = getenv("PAGEWISE_TEST");

	if (pattern && *pattern)
		cmocka_set_test_filter(pattern);
}

/* the machine ------------------------------------------------------------- */

void fake_machine_load(const struct fake_machine *m)
{
	phys_addr_t top = m->low_reserve;

	assert_null(host_ram);
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		phys_addr_t end = m->map[i].base + m->map[i].size;

		if (end > top)
			top = end;
	}
	host_ram_size = (top + HOST_RAM_ALIGN - 1) & ~(HOST_RAM_ALIGN - 1);
	if (!host_ram_size)
		host_ram_size = HOST_RAM_ALIGN;
	/* Reserved address space, so a machine may span the 4 GiB line with
	 * a hole: only the ranges in the map are touched (junk-filled). */
	host_ram_mapping_size = host_ram_size + HOST_RAM_ALIGN;
	host_ram_mapping =
		mmap(NULL, host_ram_mapping_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(host_ram_mapping != MAP_FAILED);
	host_ram = (unsigned char *)(((uintptr_t)host_ram_mapping +
				      HOST_RAM_ALIGN - 1) &
				     ~(uintptr_t)(HOST_RAM_ALIGN - 1));
	memset(host_ram, HOST_RAM_JUNK, m->low_reserve);
	for (unsigned int i = 0; i < m->nr_ranges; i++)
		memset(host_ram + m->map[i].base, HOST_RAM_JUNK,
		       m->map[i].size);

	memblock_reset();
	for (unsigned int i = 0; i < m->nr_ranges; i++) {
		const struct fake_mem_range *r = &m->map[i];

		if (r->type == FAKE_RAM)
			assert_int_equal(memblock_add_pages(r->base, r->size),
					 0);
		else
			assert_int_equal(
				memblock_reserve_pages(r->base, r->size), 0);
	}
	if (m->low_reserve)
		assert_int_equal(memblock_reserve_pages(0, m->low_reserve), 0);
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
	/* Every host test runs as mm_debug=verify: buddy_verify() after each
	 * allocation and free, and a problem fails the test (via panic()). */
	mm_debug = MM_DEBUG_VERIFY;
	mm_core_init();
}

void fake_machine_teardown(void)
{
	if (host_ram_mapping)
		munmap(host_ram_mapping, host_ram_mapping_size);
	host_ram_mapping = NULL;
	host_ram = NULL;
	host_ram_size = 0;
	mm_reset_globals();
	panic_trap = NULL;
	printk_log_clear();
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

bool *memblock_free_pfns(unsigned long nr_pfns)
{
	struct pfn_map map = { calloc(nr_pfns ? nr_pfns : 1, sizeof(bool)),
			       nr_pfns };

	assert_non_null(map.free);
	for_each_free_mem_pfn_range(mark_free, &map);
	return map.free;
}

/*
 * Fill @head[pfn] with the order of the canonical free block starting at pfn,
 * or -1. Bottom-up: whole[o][b] says block b of order o is wholly free; a
 * wholly free block is a head unless its parent is wholly free too.
 */
static void canonical_heads(const bool *is_free, unsigned long nr_pfns,
			    signed char *head)
{
	bool *whole[NR_PAGE_ORDERS];

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long nr_blocks = nr_pfns >> o;

		whole[o] = calloc(nr_blocks + 1, sizeof(bool));
		assert_non_null(whole[o]);
		for (unsigned long b = 0; b < nr_blocks; b++)
			whole[o][b] = o ? whole[o - 1][2 * b] &&
						      whole[o - 1][2 * b + 1]
					: is_free[b];
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
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		free(whole[o]);
}

void canonical_nr_free(const bool *is_free, unsigned long nr_pfns,
		       unsigned long nr_free[])
{
	signed char *head = malloc(nr_pfns ? nr_pfns : 1);

	assert_non_null(head);
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

void assert_canonical_buddy(const bool *is_free, unsigned long nr_pfns)
{
	signed char *head = malloc(nr_pfns ? nr_pfns : 1);
	unsigned long nr_free[NR_PAGE_ORDERS] = { 0 }, free_pages = 0;

	drain_all_pages(NULL); /* the per-CPU lists hold free pages too */
	assert_int_equal(nr_pfns, max_pfn);
	assert_non_null(head);
	canonical_heads(is_free, nr_pfns, head);
	for (unsigned long pfn = 0; pfn < nr_pfns; pfn++) {
		const struct page *page = pfn_to_page(pfn);

		if (head[pfn] >= 0) {
			nr_free[head[pfn]]++;
			free_pages += 1UL << head[pfn];
		}
		if (head[pfn] >= 0 && PageBuddy(page) &&
		    page_private(page) == (unsigned long)head[pfn])
			continue;
		if (head[pfn] < 0 && !PageBuddy(page))
			continue;
		print_error(
			"pfn %#lx: expected %s of order %d, found flags %#x order %lu\n",
			pfn, head[pfn] >= 0 ? "a free block" : "no free block",
			head[pfn], page->flags, page_private(page));
		free(head);
		fail();
	}
	free(head);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		assert_int_equal(total_nr_free(o), nr_free[o]);
	assert_int_equal(nr_free_pages(), free_pages);
	assert_int_equal(buddy_verify(), 0);
}

int fake_machine_teardown_case(void **state)
{
	(void)state;
	fake_machine_teardown();
	return 0;
}
