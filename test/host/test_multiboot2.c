// SPDX-License-Identifier: MIT
/*
 * test_multiboot2.c - src/arch/x86_64/multiboot2.c against crafted boot
 * information: unknown tags, tags of bad sizes, memory maps of odd entry
 * sizes, unsorted and overlapping maps, empty maps, strings without a NUL.
 * Each block is parsed where it ends right before a PROT_NONE page (or, when
 * its length is not a multiple of 8, in an exactly sized heap block that
 * ASan watches), so a parser that reads past the declared size crashes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arch/x86_64/multiboot2.h"
#include "cmdline.h"
#include "host_test.h"

/* Tag types (multiboot2 spec 3.6). */
#define TAG_END		  0
#define TAG_CMDLINE	  1
#define TAG_BOOTLOADER	  2
#define TAG_MODULE	  3
#define TAG_BASIC_MEMINFO 4
#define TAG_BOOTDEV	  5
#define TAG_MMAP	  6
#define TAG_VBE		  7
#define TAG_FRAMEBUFFER	  8
#define TAG_ELF_SECTIONS  9
#define TAG_ACPI_OLD	  14
#define TAG_ACPI_NEW	  15
#define TAG_LOAD_BASE	  21

#define TAG_HDR	      8	   /* type, size */
#define ENTRY_KNOWN   24   /* addr, len, type, reserved: the entry we know */
#define INFO_BYTES    8192 /* room for the largest block a case builds */
#define ENTRY_JUNK    0xee /* fills entry bytes past the 24 we know */
#define PARAMS_JUNK   0x5a /* boot_params before each case */
#define STALE_CMDLINE "stale command line"

/* A boot information block under construction. */
struct info {
	_Alignas(8) uint8_t buf[INFO_BYTES];
	size_t len; /* bytes written so far, a multiple of 8 between tags */
};

/* One memory map entry as the firmware writes it. */
struct fw_entry {
	uint64_t addr, len;
	uint32_t type;
};

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void put_u32(struct info *b, size_t off, uint32_t v)
{
	memcpy(b->buf + off, &v, sizeof(v));
}

/* Start a block: an 8-byte header whose total_size info_end() fills in. */
static void info_start(struct info *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Set total_size to @total (info_end() sets it to the length). */
static void info_set_total(struct info *b, uint32_t total)
{
	put_u32(b, 0, total);
}

/*
 * Append a tag whose size field says @size (right or wrong), with @len bytes
 * of @payload after its header; the block grows by the header and payload,
 * padded to 8. Return: the tag's offset.
 */
static size_t put_tag_sized(struct info *b, uint32_t type, uint32_t size,
			    const void *payload, size_t len)
{
	size_t off = b->len;

	assert_true(off + round8(TAG_HDR + len) <= sizeof(b->buf));
	put_u32(b, off, type);
	put_u32(b, off + 4, size);
	if (len)
		memcpy(b->buf + off + TAG_HDR, payload, len);
	b->len += round8(TAG_HDR + len);
	return off;
}

static size_t put_tag(struct info *b, uint32_t type, const void *payload,
		      size_t len)
{
	return put_tag_sized(b, type, TAG_HDR + len, payload, len);
}

/* A string tag (command line, boot loader name), its NUL included. */
static void put_string_tag(struct info *b, uint32_t type, const char *s)
{
	put_tag(b, type, s, strlen(s) + 1);
}

static void put_basic_meminfo(struct info *b, uint32_t lower_kib,
			      uint32_t upper_kib)
{
	uint32_t payload[2] = { lower_kib, upper_kib };

	put_tag(b, TAG_BASIC_MEMINFO, payload, sizeof(payload));
}

/* A module tag: mod_start, mod_end, then @name (with its NUL, or none). */
static void put_module(struct info *b, uint32_t start, uint32_t end,
		       const char *name, bool nul)
{
	uint8_t payload[256];
	size_t len = strlen(name) + (nul ? 1 : 0);

	assert_true(8 + len <= sizeof(payload));
	memcpy(payload, &start, 4);
	memcpy(payload + 4, &end, 4);
	memcpy(payload + 8, name, len);
	put_tag(b, TAG_MODULE, payload, 8 + len);
}

/*
 * A memory map tag of @n entries, each @entry_size bytes: the 24 bytes we
 * know, then ENTRY_JUNK (fields of a later spec). @extra more bytes of junk
 * follow the last entry. Return: the tag's offset.
 */
static size_t put_mmap_extra(struct info *b, uint32_t entry_size,
			     uint32_t version, const struct fw_entry *e,
			     unsigned int n, size_t extra)
{
	static uint8_t payload[INFO_BYTES];
	size_t len = 8 + (size_t)n * entry_size + extra;

	assert_true(len <= sizeof(payload));
	memset(payload, ENTRY_JUNK, len);
	memcpy(payload, &entry_size, 4);
	memcpy(payload + 4, &version, 4);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = payload + 8 + (size_t)i * entry_size;
		uint32_t reserved = 0;

		memcpy(p, &e[i].addr, 8);
		memcpy(p + 8, &e[i].len, 8);
		memcpy(p + 16, &e[i].type, 4);
		memcpy(p + 20, &reserved, 4);
	}
	return put_tag(b, TAG_MMAP, payload, len);
}

static size_t put_mmap(struct info *b, const struct fw_entry *e, unsigned int n)
{
	return put_mmap_extra(b, ENTRY_KNOWN, 0, e, n, 0);
}

/* Close the block with an end tag; total_size = its length. */
static void info_end(struct info *b)
{
	put_tag(b, TAG_END, NULL, 0);
	info_set_total(b, (uint32_t)b->len);
}

/* Close the block without an end tag (as if cut); total_size = its length. */
static void info_end_without_end_tag(struct info *b)
{
	info_set_total(b, (uint32_t)b->len);
}

/* The guard ------------------------------------------------------------- */

struct guarded {
	uint8_t *map;	/* the mapping: data pages, then the guard page */
	size_t map_len; /* bytes, guard page included */
	uint8_t *data;	/* the copy; its last byte is right before the guard */
};

/* Copy @len bytes of @src so that they end right before a PROT_NONE page. */
static struct guarded guarded_copy(const void *src, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_len = (len + page - 1) / page * page;
	struct guarded g;

	if (!data_len)
		data_len = page;
	g.map_len = data_len + page;
	g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g.map != MAP_FAILED);
	assert_int_equal(mprotect(g.map + data_len, page, PROT_NONE), 0);
	g.data = g.map + data_len - len;
	memcpy(g.data, src, len);
	return g;
}

static void guarded_free(struct guarded *g)
{
	assert_int_equal(munmap(g->map, g->map_len), 0);
}

/* Parse the block, its end at the guard, telling the parser @avail bytes. */
static int parse_avail(const struct info *b, size_t avail)
{
	struct guarded g = guarded_copy(b->buf, b->len);
	int ret;

	assert_int_equal((uintptr_t)g.data % 8, 0);
	ret = mb2_parse_info(g.data, avail);
	guarded_free(&g);
	return ret;
}

/* Parse the block with every byte of it readable, and no byte more. */
static int parse(const struct info *b)
{
	return parse_avail(b, b->len);
}

/*
 * Parse the first @len bytes of @src from a heap block of exactly @len bytes:
 * for lengths that are not a multiple of 8, where the page guard cannot sit
 * right at the end of an aligned block. ASan reports any byte read past it.
 */
static int parse_exact_heap(const void *src, size_t len, size_t avail)
{
	uint8_t *p = malloc(len);
	int ret;

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 8, 0);
	memcpy(p, src, len);
	ret = mb2_parse_info(p, avail);
	free(p);
	return ret;
}

/* Checks ---------------------------------------------------------------- */

static void check_entry(const char *file, int line, unsigned int i,
			const struct fw_entry *want)
{
	const struct boot_mmap_entry *m = &boot_params.mmap[i];

	_assert_true(i < boot_params.nr_mmap, "i < nr_mmap", file, line);
	_assert_int_equal(m->addr, want->addr, file, line);
	_assert_int_equal(m->len, want->len, file, line);
	_assert_int_equal(m->type, want->type, file, line);
}

/* boot_params.mmap is exactly @want[0..@n), in that order. */
static void check_map(const char *file, int line, const struct fw_entry *want,
		      unsigned int n)
{
	_assert_int_equal(boot_params.nr_mmap, n, file, line);
	for (unsigned int i = 0; i < n; i++)
		check_entry(file, line, i, &want[i]);
}

#define EXPECT_MAP(want, n) check_map(__FILE__, __LINE__, want, n)

/* Nothing was reported. */
#define EXPECT_QUIET() assert_string_equal(printk_log(), "")

/* boot_params holds nothing: as after a refused header. */
static void expect_params_empty(void)
{
	static const struct boot_params zero;

	assert_memory_equal(&boot_params, &zero, sizeof(zero));
	assert_string_equal(cmdline_get(), "");
}

/* A QEMU/SeaBIOS map with 128 MiB, as GRUB passes it on. */
static const struct fw_entry qemu_map[] = {
	{ 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEMORY_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEMORY_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE },
	{ 0x7fe0000, 0x20000, MB2_MEMORY_RESERVED },
	{ 0xfffc0000, 0x40000, MB2_MEMORY_RESERVED },
};

/* Every case starts with boot_params and the command line full of junk. */
static int poison_params(void **state)
{
	(void)state;
	memset(&boot_params, PARAMS_JUNK, sizeof(boot_params));
	cmdline_set(STALE_CMDLINE, strlen(STALE_CMDLINE));
	printk_log_clear();
	return 0;
}

static int clear_log(void **state)
{
	(void)state;
	printk_log_clear();
	return 0;
}

/* The guard itself --------------------------------------------------------- */

/* A read of the byte after a guarded copy kills the reader (here a child). */
static void guard_page_faults_on_an_overread(void **state)
{
	static const uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct guarded g = guarded_copy(bytes, sizeof(bytes));
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(g.data[7], 8);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct rlimit no_core = { 0, 0 };
		const volatile uint8_t *past = g.data + sizeof(bytes);

		setrlimit(RLIMIT_CORE, &no_core);
		signal(SIGSEGV, SIG_DFL); /* not cmocka's or ASan's handler */
		signal(SIGBUS, SIG_DFL);
		_exit(*past == 0x42 ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_true(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
	guarded_free(&g);
}

/* Well-formed information ---------------------------------------------------- */

static void grub_like_info_is_copied_out(void **state)
{
	const uint32_t bootdev[3] = { 0xe0, 0xffffffff, 0xffffffff };
	const uint32_t load_base = 0x100000;
	struct info b;

	(void)state;
	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "selftest poweroff");
	put_string_tag(&b, TAG_BOOTLOADER, "GRUB 2.06-13+deb12u2");
	put_module(&b, 0x200000, 0x2c0000, "initrd.img", true);
	put_basic_meminfo(&b, 639, 130944);
	put_tag(&b, TAG_BOOTDEV, bootdev, sizeof(bootdev));
	put_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map));
	put_tag(&b, TAG_LOAD_BASE, &load_base, sizeof(load_base));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "selftest poweroff");
	assert_string_equal(boot_params.bootloader, "GRUB 2.06-13+deb12u2");
	EXPECT_MAP(qemu_map, ARRAY_SIZE(qemu_map));
	assert_false(boot_params.mmap_from_basic_meminfo);
	assert_int_equal(boot_params.nr_modules, 1);
	assert_int_equal(boot_params.modules[0].start, 0x200000);
	assert_int_equal(boot_params.modules[0].end, 0x2c0000);
	assert_string_equal(boot_params.modules[0].name, "initrd.img");
	assert_int_equal(boot_params.mbi_size, b.len);
	assert_int_equal(boot_params.mbi_pa, 0);
	EXPECT_QUIET();
}

static void unknown_tag_types_are_skipped(void **state)
{
	/* An unknown tag whose payload looks like a memory map of one entry. */
	const uint32_t fake_map[8] = {
		ENTRY_KNOWN, 0, 0x1000, 0, 0x1000, 0, MB2_MEMORY_AVAILABLE, 0
	};
	const uint8_t odd[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	const struct fw_entry one[] = { { 0x100000, 0x100000,
					  MB2_MEMORY_AVAILABLE } };
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_VBE, odd, 8);
	put_tag(&b, TAG_FRAMEBUFFER, odd, sizeof(odd)); /* size 21, padded */
	put_tag(&b, 0xffffffff, NULL, 0);
	put_tag(&b, 99, fake_map, sizeof(fake_map));
	put_tag(&b, TAG_ELF_SECTIONS, odd, 1);
	put_mmap(&b, one, ARRAY_SIZE(one));
	put_string_tag(&b, TAG_CMDLINE, "found");
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(one, ARRAY_SIZE(one));
	assert_string_equal(cmdline_get(), "found");
	EXPECT_QUIET();
}

static void tags_after_the_end_tag_are_ignored(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_END, NULL, 0);
	put_string_tag(&b, TAG_CMDLINE, "after the end");
	put_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "");
	assert_string_equal(boot_params.bootloader, "");
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_int_equal(boot_params.nr_modules, 0);
	EXPECT_QUIET();
}

/* Tags of bad sizes ---------------------------------------------------------- */

/*
 * A block: command line "before", a tag of type 77 whose size field says
 * @size, then a map and a boot loader name the walk must not reach.
 */
static void check_bad_size_stops_the_walk(uint32_t size)
{
	struct info b;
	char expected[80];

	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "before");
	put_tag_sized(&b, 77, size, NULL, 0);
	put_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map));
	put_string_tag(&b, TAG_BOOTLOADER, "not reached");
	info_end(&b);

	printk_log_clear();
	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "before");
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_string_equal(boot_params.bootloader, "");
	snprintf(expected, sizeof(expected),
		 "tag type 77 at offset 24 has size %u", size);
	assert_int_equal(printk_log_count(expected), 1);
	assert_int_equal(printk_log_count("parsing stopped"), 1);
	assert_int_equal(printk_log_count("no end tag"), 0);
}

static void tag_of_size_0_stops_the_walk(void **state)
{
	(void)state;
	check_bad_size_stops_the_walk(0);
}

static void tag_smaller_than_its_header_stops_the_walk(void **state)
{
	(void)state;
	check_bad_size_stops_the_walk(1);
	check_bad_size_stops_the_walk(4);
	check_bad_size_stops_the_walk(7);
}

static void tag_running_past_the_end_stops_the_walk(void **state)
{
	struct info b;

	(void)state;
	/* The last tag: "selftest" without a NUL, its size 8 bytes too big. */
	info_start(&b);
	put_mmap(&b, qemu_map, 2);
	put_tag_sized(&b, TAG_CMDLINE, TAG_HDR + 16, "selftest", 8);
	info_end_without_end_tag(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(qemu_map, 2);
	assert_string_equal(cmdline_get(), "");
	assert_int_equal(printk_log_count("has size 24, outside [8, 16]"), 1);
	assert_int_equal(printk_log_count("parsing stopped"), 1);
}

static void tag_size_near_4_GiB_stops_the_walk(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "before");
	put_tag_sized(&b, TAG_MMAP, 0xfffffff9, NULL, 0);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "before");
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_int_equal(printk_log_count("has size 4294967289"), 1);
}

/* The last 4 bytes are the start of a tag header that does not fit. */
static void tag_header_cut_by_the_end_is_not_read(void **state)
{
	const uint8_t half_header[4] = { TAG_CMDLINE, 0, 0, 0 };
	struct info b;

	(void)state;
	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "ab");
	memcpy(b.buf + b.len, half_header, sizeof(half_header));
	b.len += sizeof(half_header);
	info_end_without_end_tag(&b);
	assert_int_equal(b.len % 8, 4);

	assert_int_equal(parse_exact_heap(b.buf, b.len, b.len), 0);
	assert_string_equal(cmdline_get(), "ab");
	assert_int_equal(printk_log_count("no end tag in the 28 bytes parsed"),
			 1);
}

/* The header: total_size against what is readable ------------------------ */

static void total_size_beyond_avail_parses_only_avail(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "cut");
	put_mmap(&b, qemu_map, 2);
	info_end_without_end_tag(&b);
	info_set_total(&b, (uint32_t)b.len + 4096);

	assert_int_equal(parse_avail(&b, b.len), 0);
	assert_string_equal(cmdline_get(), "cut");
	EXPECT_MAP(qemu_map, 2);
	assert_int_equal(boot_params.mbi_size, b.len);
	assert_int_equal(printk_log_count("is more than the 88 bytes readable"),
			 1);
	assert_int_equal(printk_log_count("no end tag in the 88 bytes parsed"),
			 1);
}

/* total_size covers a whole map tag, but only part of it is readable. */
static void total_size_beyond_avail_cuts_the_tag_across_it(void **state)
{
	struct info b;
	size_t avail;

	(void)state;
	info_start(&b);
	put_string_tag(&b, TAG_CMDLINE, "cut");
	put_mmap(&b, qemu_map, 3);
	info_end(&b);
	avail = b.len - 8 - ENTRY_KNOWN; /* the end tag and one entry unread */
	b.len = avail;

	assert_int_equal(parse_avail(&b, avail), 0);
	assert_string_equal(cmdline_get(), "cut");
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_int_equal(boot_params.mbi_size, avail);
	assert_int_equal(printk_log_count("bytes readable; only those"), 1);
	assert_int_equal(printk_log_count("parsing stopped"), 1);
}

/* @avail may say more than total_size: total_size still bounds the walk. */
static void avail_beyond_total_size_reads_only_total_size(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, qemu_map, 2);
	put_string_tag(&b, TAG_CMDLINE, "ends here");
	info_end_without_end_tag(&b);

	/* Only b.len bytes before the guard: a read past total_size faults. */
	assert_int_equal(parse_avail(&b, b.len + 4096), 0);
	EXPECT_MAP(qemu_map, 2);
	assert_string_equal(cmdline_get(), "ends here");
	assert_int_equal(boot_params.mbi_size, b.len);
	assert_int_equal(printk_log_count("no end tag"), 1);
}

static void total_size_below_16_is_refused(void **state)
{
	const uint32_t totals[] = { 0, 8, 15 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(totals); i++) {
		struct info b;
		char expected[64];

		info_start(&b);
		info_end(&b);
		info_set_total(&b, totals[i]);
		poison_params(NULL);

		assert_int_equal(parse(&b), -1);
		expect_params_empty();
		snprintf(expected, sizeof(expected),
			 "total_size %u is below 16", totals[i]);
		assert_int_equal(printk_log_count(expected), 1);
	}
}

static void misaligned_info_is_refused(void **state)
{
	struct info b;
	struct guarded g;

	(void)state;
	info_start(&b);
	put_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map));
	info_end(&b);
	/* 4 bytes after the block, so the block itself starts 4 bytes off. */
	g = guarded_copy(b.buf, b.len + 4);
	assert_int_equal((uintptr_t)g.data % 8, 4);

	assert_int_equal(mb2_parse_info(g.data, b.len), -1);
	guarded_free(&g);
	expect_params_empty();
	assert_int_equal(printk_log_count("is misaligned or truncated"), 1);
}

static void fewer_than_8_readable_bytes_are_refused(void **state)
{
	const uint8_t header[8] = { 64, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	for (size_t avail = 0; avail < sizeof(header); avail++) {
		poison_params(NULL);
		assert_int_equal(parse_exact_heap(header, avail, avail), -1);
		expect_params_empty();
		assert_int_equal(printk_log_count("is misaligned or truncated"),
				 1);
	}
	assert_int_equal(mb2_parse_info(NULL, 0), -1);
}

/* Memory maps ------------------------------------------------------------- */

static void mmap_entry_size_above_24_is_stepped_over(void **state)
{
	const uint32_t sizes[] = { 32, 40, 2048 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct info b;

		info_start(&b);
		put_mmap_extra(&b, sizes[i], 1, qemu_map, 3, 0);
		info_end(&b);
		poison_params(NULL);

		assert_int_equal(parse(&b), 0);
		EXPECT_MAP(qemu_map, 3);
		EXPECT_QUIET();
	}
}

/* The walk goes on after a refused map: the name after it is read. */
static void check_entry_size_refused(uint32_t entry_size)
{
	struct info b;
	char expected[64];

	info_start(&b);
	put_mmap_extra(&b, entry_size, 0, qemu_map, 2, 0);
	put_string_tag(&b, TAG_BOOTLOADER, "after the map");
	info_end(&b);
	poison_params(NULL);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_string_equal(boot_params.bootloader, "after the map");
	snprintf(expected, sizeof(expected), "entry_size %u is not",
		 entry_size);
	assert_int_equal(printk_log_count(expected), 1);
	assert_int_equal(printk_log_count("map skipped"), 1);
}

static void mmap_entry_size_below_24_is_refused(void **state)
{
	(void)state;
	check_entry_size_refused(0);
	check_entry_size_refused(8);
	check_entry_size_refused(16);
}

static void mmap_entry_size_not_a_multiple_of_8_is_refused(void **state)
{
	(void)state;
	check_entry_size_refused(28);
	check_entry_size_refused(36);
}

/*
 * A map tag at the very end whose entry_size is near 4 GiB: no entry fits,
 * so nothing past the tag (and the information) may be read.
 */
static void mmap_entry_size_near_4_GiB_reads_nothing_past_the_tag(void **state)
{
	const unsigned int nr_entries[] = { 0, 1 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(nr_entries); i++) {
		struct info b;
		size_t tag;

		info_start(&b);
		tag = put_mmap(&b, qemu_map, nr_entries[i]);
		put_u32(&b, tag + 8, 0xfffffff8);
		info_end_without_end_tag(&b);
		poison_params(NULL);

		assert_int_equal(parse(&b), 0);
		assert_int_equal(boot_params.nr_mmap, 0);
		assert_int_equal(printk_log_count("no end tag"), 1);
	}
}

static void mmap_partial_last_entry_is_ignored(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap_extra(&b, ENTRY_KNOWN, 0, qemu_map, 2, 16);
	info_end_without_end_tag(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(qemu_map, 2);
	assert_int_equal(
		printk_log_count("16 bytes that are not a whole entry"), 1);
}

static void mmap_tag_shorter_than_its_header_is_skipped(void **state)
{
	const uint32_t entry_size = ENTRY_KNOWN;
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_MMAP, &entry_size, sizeof(entry_size)); /* size 12 */
	put_string_tag(&b, TAG_BOOTLOADER, "after the map");
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_string_equal(boot_params.bootloader, "after the map");
	assert_int_equal(
		printk_log_count("memory map tag of 12 bytes is too short"), 1);
}

/*
 * The parser does not sort, merge or drop: memblock_setup_from_mmap() and
 * memblock do. Every entry comes out as it went in, in firmware order.
 */
static void
unsorted_and_overlapping_entries_are_handed_on_as_given(void **state)
{
	const struct fw_entry map[] = {
		{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE },
		{ 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE },
		{ 0x80000, 0x100000, MB2_MEMORY_RESERVED }, /* overlaps both */
		{ 0x100000, 0x1000,
		  MB2_MEMORY_AVAILABLE }, /* inside the first */
		{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE }, /* twice */
		{ 0x200000, 0, MB2_MEMORY_AVAILABLE },	       /* empty */
		{ 0xfffffffffffff000, 0x2000,
		  MB2_MEMORY_AVAILABLE },	   /* wraps */
		{ 0xfd00000000, 0x300000000, 20 }, /* a type we do not know */
		{ 0x9fc00, 0x400, MB2_MEMORY_BADRAM },
	};
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, map, ARRAY_SIZE(map));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(map, ARRAY_SIZE(map));
	assert_false(boot_params.mmap_from_basic_meminfo);
	EXPECT_QUIET();
}

static void two_map_tags_append(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, qemu_map, 2);
	put_mmap(&b, qemu_map + 2, ARRAY_SIZE(qemu_map) - 2);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(qemu_map, ARRAY_SIZE(qemu_map));
	EXPECT_QUIET();
}

static void entries_past_BOOT_MMAP_MAX_are_cut(void **state)
{
	static struct fw_entry map[BOOT_MMAP_MAX + 2];
	struct info b;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct fw_entry){ (uint64_t)i << 20, 1 << 20,
					    MB2_MEMORY_AVAILABLE };
	info_start(&b);
	put_mmap(&b, map, ARRAY_SIZE(map));
	put_string_tag(&b, TAG_CMDLINE, "after the map");
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(map, BOOT_MMAP_MAX);
	assert_string_equal(cmdline_get(), "after the map");
	assert_int_equal(printk_log_count("more than 128 memory map entries"),
			 1);
}

static void empty_map_without_basic_meminfo_gives_no_map(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, NULL, 0);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_false(boot_params.mmap_from_basic_meminfo);
	EXPECT_QUIET();
}

/* What the fallback gives for mem_lower 639 KiB, mem_upper 130944 KiB. */
static const struct fw_entry basic_map[] = {
	{ 0, 639 << 10, MB2_MEMORY_AVAILABLE },
	{ 1 << 20, 130944ULL << 10, MB2_MEMORY_AVAILABLE },
};

static void empty_map_falls_back_to_basic_meminfo(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, NULL, 0);
	put_basic_meminfo(&b, 639, 130944);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(basic_map, ARRAY_SIZE(basic_map));
	assert_true(boot_params.mmap_from_basic_meminfo);
	EXPECT_QUIET();
}

static void missing_map_falls_back_to_basic_meminfo(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_basic_meminfo(&b, 639, 130944);
	put_string_tag(&b, TAG_CMDLINE, "no map");
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(basic_map, ARRAY_SIZE(basic_map));
	assert_true(boot_params.mmap_from_basic_meminfo);
	EXPECT_QUIET();
}

static void refused_map_falls_back_to_basic_meminfo(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_basic_meminfo(&b, 639, 130944);
	put_mmap_extra(&b, 16, 0, qemu_map, 2, 0);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(basic_map, ARRAY_SIZE(basic_map));
	assert_true(boot_params.mmap_from_basic_meminfo);
	assert_int_equal(printk_log_count("map skipped"), 1);
}

static void basic_meminfo_is_unused_when_the_map_has_entries(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_basic_meminfo(&b, 639, 130944);
	put_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	EXPECT_MAP(qemu_map, ARRAY_SIZE(qemu_map));
	assert_false(boot_params.mmap_from_basic_meminfo);
}

static void short_basic_meminfo_is_skipped(void **state)
{
	const uint32_t lower = 639;
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_BASIC_MEMINFO, &lower, sizeof(lower)); /* size 12 */
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_mmap, 0);
	assert_false(boot_params.mmap_from_basic_meminfo);
	assert_int_equal(
		printk_log_count("basic meminfo tag of 12 bytes is too short"),
		1);
}

/* Strings ----------------------------------------------------------------- */

/* Size 14: "selfte"; the padding holds "st", which is not part of the tag. */
static void cmdline_without_nul_ends_at_the_tag_size(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_tag_sized(&b, TAG_CMDLINE, TAG_HDR + 6, "selftest", 8);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "selfte");
	EXPECT_QUIET();
}

/* The last bytes of the information are a command line without a NUL. */
static void cmdline_without_nul_at_the_end_is_read_safely(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_CMDLINE, "selftest", 8);
	info_end_without_end_tag(&b);

	assert_int_equal(parse(&b), 0);
	assert_string_equal(cmdline_get(), "selftest");
	assert_int_equal(printk_log_count("no end tag"), 1);
}

static void bootloader_name_is_cut_to_its_buffer(void **state)
{
	char name[104];
	struct info b;

	(void)state;
	memset(name, 'g', sizeof(name));
	info_start(&b);
	put_tag(&b, TAG_BOOTLOADER, name, sizeof(name)); /* no NUL */
	info_end_without_end_tag(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(strlen(boot_params.bootloader),
			 sizeof(boot_params.bootloader) - 1);
	assert_memory_equal(boot_params.bootloader, name,
			    sizeof(boot_params.bootloader) - 1);
}

/* Modules ----------------------------------------------------------------- */

static void modules_are_copied_in_order(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_module(&b, 0x400000, 0x400800, "second in memory", true);
	put_module(&b, 0x200000, 0x300000, "", false); /* no name at all */
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_modules, 2);
	assert_int_equal(boot_params.modules[0].start, 0x400000);
	assert_int_equal(boot_params.modules[0].end, 0x400800);
	assert_string_equal(boot_params.modules[0].name, "second in memory");
	assert_int_equal(boot_params.modules[1].start, 0x200000);
	assert_int_equal(boot_params.modules[1].end, 0x300000);
	assert_string_equal(boot_params.modules[1].name, "");
	EXPECT_QUIET();
}

static void module_ending_before_its_start_is_skipped(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_module(&b, 0x5000, 0x4000, "backwards", true);
	put_module(&b, 0x6000, 0x7000, "good", true);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_modules, 1);
	assert_int_equal(boot_params.modules[0].start, 0x6000);
	assert_string_equal(boot_params.modules[0].name, "good");
	assert_int_equal(
		printk_log_count(
			"module [0x5000-0x4000) ends before it starts"),
		1);
}

static void module_tag_too_short_is_skipped(void **state)
{
	const uint32_t start = 0x5000;
	struct info b;

	(void)state;
	info_start(&b);
	put_tag(&b, TAG_MODULE, &start, sizeof(start)); /* size 12 */
	put_module(&b, 0x6000, 0x7000, "good", true);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_modules, 1);
	assert_string_equal(boot_params.modules[0].name, "good");
	assert_int_equal(
		printk_log_count("module tag of 12 bytes is too short"), 1);
}

static void modules_past_BOOT_MODULES_MAX_are_cut(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	for (uint32_t i = 0; i < BOOT_MODULES_MAX + 1; i++)
		put_module(&b, i << 12, (i + 1) << 12, "m", true);
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_modules, BOOT_MODULES_MAX);
	assert_int_equal(boot_params.modules[BOOT_MODULES_MAX - 1].start,
			 (BOOT_MODULES_MAX - 1) << 12);
	assert_int_equal(printk_log_count("more than 16 modules"), 1);
}

/* The last bytes of the information are a module name without a NUL. */
static void module_name_without_nul_at_the_end_is_read_safely(void **state)
{
	struct info b;

	(void)state;
	info_start(&b);
	put_module(&b, 0x200000, 0x300000, "initrd.i", false); /* size 24 */
	info_end_without_end_tag(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.nr_modules, 1);
	assert_string_equal(boot_params.modules[0].name, "initrd.i");
}

/* Printing ---------------------------------------------------------------- */

static void print_mmap_names_types_and_empty_entries(void **state)
{
	const struct fw_entry map[] = {
		{ 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE },
		{ 0x100000, 0x1000, MB2_MEMORY_ACPI_RECLAIMABLE },
		{ 0x200000, 0, MB2_MEMORY_RESERVED },
		{ 0x300000, 0x1000, 20 },
	};
	struct info b;

	(void)state;
	info_start(&b);
	put_mmap(&b, map, ARRAY_SIZE(map));
	info_end(&b);
	assert_int_equal(parse(&b), 0);

	mb2_print_mmap();
	assert_string_equal(
		printk_log(),
		"Firmware memory map (multiboot2, 4 entries):\n"
		"mmap: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		"mmap: [mem 0x0000000000100000-0x0000000000100fff] ACPI data\n"
		"mmap: [mem 0x0000000000200000, empty] type 2: zero length, ignored\n"
		"mmap: [mem 0x0000000000300000-0x0000000000300fff] type 20\n");
}

/* ACPI tags ------------------------------------------------------------------ */

/* An RSDP-like payload of @len bytes: "RSD PTR " then @fill. */
static void rsdp_bytes(uint8_t *p, size_t len, uint8_t fill)
{
	memset(p, fill, len);
	memcpy(p, "RSD PTR ", 8);
}

static void acpi_old_tag_is_copied_with_its_offset(void **state)
{
	const struct fw_entry one[] = { { 0x100000, 0x100000,
					  MB2_MEMORY_AVAILABLE } };
	uint8_t rsdp[20];
	size_t off;
	struct info b;

	(void)state;
	rsdp_bytes(rsdp, sizeof(rsdp), 0x11);
	info_start(&b);
	put_mmap(&b, one, ARRAY_SIZE(one));
	off = put_tag(&b, TAG_ACPI_OLD, rsdp, sizeof(rsdp));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.acpi_rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(boot_params.acpi_rsdp_len, sizeof(rsdp));
	assert_memory_equal(boot_params.acpi_rsdp, rsdp, sizeof(rsdp));
	assert_true(bytes_are(boot_params.acpi_rsdp + sizeof(rsdp), 0,
			      BOOT_ACPI_RSDP_MAX - sizeof(rsdp)));
	assert_int_equal(boot_params.acpi_rsdp_offset, off + TAG_HDR);
	EXPECT_MAP(one, ARRAY_SIZE(one));
	EXPECT_QUIET();
}

/* "ACPI new" wins over "ACPI old" whichever comes first. */
static void acpi_new_tag_wins_over_the_old_in_either_order(void **state)
{
	uint8_t old[20], new[36];
	size_t off_new;
	struct info b;

	(void)state;
	rsdp_bytes(old, sizeof(old), 0x11);
	rsdp_bytes(new, sizeof(new), 0x22);
	for (int order = 0; order < 2; order++) {
		info_start(&b);
		if (order)
			off_new = put_tag(&b, TAG_ACPI_NEW, new, sizeof(new));
		put_tag(&b, TAG_ACPI_OLD, old, sizeof(old));
		if (!order)
			off_new = put_tag(&b, TAG_ACPI_NEW, new, sizeof(new));
		info_end(&b);

		assert_int_equal(parse(&b), 0);
		assert_int_equal(boot_params.acpi_rsdp_tag, MB2_TAG_ACPI_NEW);
		assert_int_equal(boot_params.acpi_rsdp_len, sizeof(new));
		assert_memory_equal(boot_params.acpi_rsdp, new, sizeof(new));
		assert_int_equal(boot_params.acpi_rsdp_offset,
				 off_new + TAG_HDR);
	}
	assert_null(strstr(printk_log(), "ACPI"));
}

static void acpi_tag_shorter_than_an_rsdp_is_skipped(void **state)
{
	uint8_t rsdp[19];
	struct info b;

	(void)state;
	rsdp_bytes(rsdp, sizeof(rsdp), 0x11);
	info_start(&b);
	put_tag(&b, TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.acpi_rsdp_len, 0);
	assert_int_equal(boot_params.acpi_rsdp_tag, 0);
	assert_string_equal(
		printk_log(),
		"multiboot2: ACPI new tag of 27 bytes is too short; skipped\n");
}

static void second_acpi_tag_of_a_type_is_reported_first_kept(void **state)
{
	uint8_t one[20], two[20];
	struct info b;

	(void)state;
	rsdp_bytes(one, sizeof(one), 0x11);
	rsdp_bytes(two, sizeof(two), 0x22);
	info_start(&b);
	put_tag(&b, TAG_ACPI_OLD, one, sizeof(one));
	put_tag(&b, TAG_ACPI_OLD, two, sizeof(two));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_memory_equal(boot_params.acpi_rsdp, one, sizeof(one));
	assert_string_equal(
		printk_log(),
		"multiboot2: a second ACPI old tag; the first is kept\n");
}

static void long_acpi_tag_is_cut_to_its_buffer(void **state)
{
	uint8_t rsdp[BOOT_ACPI_RSDP_MAX + 9];
	struct info b;

	(void)state;
	rsdp_bytes(rsdp, sizeof(rsdp), 0x33);
	info_start(&b);
	put_tag(&b, TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	info_end(&b);

	assert_int_equal(parse(&b), 0);
	assert_int_equal(boot_params.acpi_rsdp_len, BOOT_ACPI_RSDP_MAX);
	assert_memory_equal(boot_params.acpi_rsdp, rsdp, BOOT_ACPI_RSDP_MAX);
	assert_string_equal(
		printk_log(),
		"multiboot2: ACPI new tag holds 73 bytes; only the first 64 are kept\n");
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, poison_params, clear_log)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(guard_page_faults_on_an_overread),
		CASE(grub_like_info_is_copied_out),
		CASE(unknown_tag_types_are_skipped),
		CASE(tags_after_the_end_tag_are_ignored),
		CASE(tag_of_size_0_stops_the_walk),
		CASE(tag_smaller_than_its_header_stops_the_walk),
		CASE(tag_running_past_the_end_stops_the_walk),
		CASE(tag_size_near_4_GiB_stops_the_walk),
		CASE(tag_header_cut_by_the_end_is_not_read),
		CASE(total_size_beyond_avail_parses_only_avail),
		CASE(total_size_beyond_avail_cuts_the_tag_across_it),
		CASE(avail_beyond_total_size_reads_only_total_size),
		CASE(total_size_below_16_is_refused),
		CASE(misaligned_info_is_refused),
		CASE(fewer_than_8_readable_bytes_are_refused),
		CASE(mmap_entry_size_above_24_is_stepped_over),
		CASE(mmap_entry_size_below_24_is_refused),
		CASE(mmap_entry_size_not_a_multiple_of_8_is_refused),
		CASE(mmap_entry_size_near_4_GiB_reads_nothing_past_the_tag),
		CASE(mmap_partial_last_entry_is_ignored),
		CASE(mmap_tag_shorter_than_its_header_is_skipped),
		CASE(unsorted_and_overlapping_entries_are_handed_on_as_given),
		CASE(two_map_tags_append),
		CASE(entries_past_BOOT_MMAP_MAX_are_cut),
		CASE(empty_map_without_basic_meminfo_gives_no_map),
		CASE(empty_map_falls_back_to_basic_meminfo),
		CASE(missing_map_falls_back_to_basic_meminfo),
		CASE(refused_map_falls_back_to_basic_meminfo),
		CASE(basic_meminfo_is_unused_when_the_map_has_entries),
		CASE(short_basic_meminfo_is_skipped),
		CASE(cmdline_without_nul_ends_at_the_tag_size),
		CASE(cmdline_without_nul_at_the_end_is_read_safely),
		CASE(bootloader_name_is_cut_to_its_buffer),
		CASE(modules_are_copied_in_order),
		CASE(module_ending_before_its_start_is_skipped),
		CASE(module_tag_too_short_is_skipped),
		CASE(modules_past_BOOT_MODULES_MAX_are_cut),
		CASE(module_name_without_nul_at_the_end_is_read_safely),
		CASE(print_mmap_names_types_and_empty_entries),
		CASE(acpi_old_tag_is_copied_with_its_offset),
		CASE(acpi_new_tag_wins_over_the_old_in_either_order),
		CASE(acpi_tag_shorter_than_an_rsdp_is_skipped),
		CASE(second_acpi_tag_of_a_type_is_reported_first_kept),
		CASE(long_acpi_tag_is_cut_to_its_buffer),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
