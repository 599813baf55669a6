// SPDX-License-Identifier: MIT
/*
 * grade_harness_mb2.c - the host child of the instructor's grader
 * (tools/observe_host.py, issue 18) for lab 1: hand multiboot2 information
 * the grader crafted to mb2_parse_info() and write what it made of the
 * memory map to a dump file. It never judges: tools/observe_model.py
 * parses the same bytes itself and compares.
 *
 *   build/host/grade_harness_mb2 OUTFILE < PLAN
 *
 * The plan: one case a line, "AVAIL HEX": the information's bytes in hex,
 * of which AVAIL may be read. Each case gets a buffer of exactly AVAIL bytes
 * of its own, ending where an unmapped page begins (its start 8-byte
 * aligned, as malloc() gives, so up to 7 bytes of slack lie before the
 * page when AVAIL is not a multiple of 8): a read past it stops the child
 * with SIGSEGV, which the grader sees as a crash. The dump: one line per case,
 *   {"case": N, "ret": R, "nr_mmap": M, "from_basic": B,
 *    "mmap": [[addr, len, type], ...]}
 * and {"done": true} at the end; a panic ends it with {"panic": message}.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86_64/multiboot2.h"
#include "grade_dump.h"

extern void (*fake_panic_handler)(const char *msg);

#define MAX_INFO (1u << 20)

static FILE *out;

static void die(const char *msg)
{
	fprintf(stderr, "grade_harness_mb2: %s\n", msg);
	exit(2);
}

static void on_panic(const char *msg)
{
	grade_dump_panic(out, msg);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A buffer of @avail bytes (8-byte aligned) that ends at most 7 bytes before
 * a PROT_NONE page, in a mapping of its own (*@map, *@map_len: for munmap).
 */
static uint8_t *guarded_buffer(size_t avail, void **map, size_t *map_len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t room = (avail + 7) & ~(size_t)7;
	size_t data = (room + page - 1) / page * page;
	uint8_t *base;

	*map_len = data + page;
	*map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*map == MAP_FAILED)
		die("out of memory");
	base = *map;
	if (mprotect(base + data, page, PROT_NONE))
		die("mprotect failed");
	return base + data - room;
}

int main(int argc, char **argv)
{
	static char line[2 * MAX_INFO + 64];
	unsigned int nr = 0;

	if (argc != 2)
		die("usage: grade_harness_mb2 OUTFILE < PLAN");
	out = fopen(argv[1], "w");
	if (!out)
		die("cannot write the dump");
	fake_panic_handler = on_panic;
	while (fgets(line, sizeof(line), stdin)) {
		char *hex, *end;
		unsigned long avail = strtoul(line, &hex, 0);
		size_t len;
		uint8_t *buf;
		void *map;
		size_t map_len;
		int ret;

		while (*hex == ' ')
			hex++;
		for (end = hex; hexval(*end) >= 0; end++)
			;
		len = (size_t)(end - hex) / 2;
		if (avail > MAX_INFO || avail > len)
			die("a case reads more bytes than it gives");
		buf = guarded_buffer(avail, &map, &map_len);
		for (size_t i = 0; i < avail; i++)
			buf[i] = (uint8_t)(hexval(hex[2 * i]) << 4 |
					   hexval(hex[2 * i + 1]));
		ret = mb2_parse_info(buf, avail);
		fprintf(out,
			"{\"case\": %u, \"ret\": %d, \"nr_mmap\": %u, \"from_basic\": %s, \"mmap\": [",
			nr++, ret, boot_params.nr_mmap,
			boot_params.mmap_from_basic_meminfo ? "true" : "false");
		for (unsigned int i = 0;
		     i < boot_params.nr_mmap && i < BOOT_MMAP_MAX; i++)
			fprintf(out, "%s[%llu, %llu, %u]", i ? ", " : "",
				(unsigned long long)boot_params.mmap[i].addr,
				(unsigned long long)boot_params.mmap[i].len,
				boot_params.mmap[i].type);
		fprintf(out, "]}\n");
		fflush(out);
		munmap(map, map_len);
	}
	fprintf(out, "{\"done\": true}\n");
	fclose(out);
	return 0;
}
