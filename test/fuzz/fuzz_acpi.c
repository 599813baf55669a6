// SPDX-License-Identifier: MIT
/*
 * fuzz_acpi.c - a libFuzzer harness for the ACPI table parser
 * (src/arch/x86_64/acpi_tables.c). An input is a flags byte and then a
 * fake physical memory image starting at physical address 0. Each mapping
 * the parser asks for is an exactly sized heap copy, so ASan stops any read
 * past what was mapped; after each parse the harness checks what the parser
 * promises: 0 exactly when a MADT is present, else an error line and an
 * all-zero acpi_madt_info; counts within the arrays, no APIC id twice, no
 * invalid id kept, at least one enabled CPU; every printk() one whole
 * line. The first broken promise aborts, so libFuzzer keeps the input.
 *
 * Flags (the first byte):
 *   FLAG_FIX_CHECKSUMS: before parsing, the harness writes the checksums the
 *     parser will check (the RSDP's two at offset 0, the root table's and
 *     every listed table's), so the fuzzer gets past them to the structure;
 *   FLAG_MADT_ONLY: the image is one MADT, its length field set to the
 *     image's size, given to acpi_parse_madt() directly;
 *   otherwise the RSDP at offset 0 is checked (acpi_check_rsdp()) and the
 *     tables walked (acpi_parse_tables()); acpi_scan_rsdp() scans the image.
 * Seeds: test/fuzz/corpus-acpi/, written by test/fuzz/make_acpi_corpus.py.
 * Run one input by hand: build/fuzz/fuzz_acpi FILE; with FUZZ_ACPI_VERBOSE=1
 * it prints what the parser printed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi_tables.h"
#include "lib/kernel.h"
#include "lib/unaligned.h"

#define FLAG_FIX_CHECKSUMS 0x01
#define FLAG_MADT_ONLY	   0x02
#define MAX_IMAGE	   (64 * 1024) /* larger inputs are cut */
#define MAX_MAPS	   512	       /* the parser maps at most 2 per table */
#define PRINTK_LINE	   512

static const uint8_t *image;
static size_t image_size;
static void *maps[MAX_MAPS];
static unsigned int nr_maps;
static bool verbose;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nfuzz_acpi: FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/*
 * The kernel's printk() for the parser: formatted by the kernel's own
 * vsnprintf (renamed pagewise_vsnprintf by the Makefile); each call must
 * be one whole line.
 */
int printk(const char *fmt, ...)
{
	char line[PRINTK_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || line[strlen(line) - 1] != '\n' ||
	    strchr(line, '\n') != line + strlen(line) - 1)
		die("printk() of \"%s\" is not one whole line", line);
	if (verbose)
		fputs(line, stderr);
	return n;
}

/* The parser's mapper: an exact copy of image bytes [pa, pa + size). */
static const void *fuzz_map(void *ctx, uint64_t pa, size_t size)
{
	void *copy;

	(void)ctx;
	if (pa >= image_size || size > image_size - pa)
		return NULL;
	if (nr_maps == MAX_MAPS)
		die("more than %d mappings for one input", MAX_MAPS);
	if (size > ACPI_TABLE_MAX_SIZE)
		die("a mapping of %zu bytes, above ACPI_TABLE_MAX_SIZE", size);
	copy = malloc(size ? size : 1);
	if (!copy)
		die("out of memory");
	memcpy(copy, image + pa, size);
	maps[nr_maps++] = copy;
	return copy;
}

/* Make the @len bytes at @p sum to 0 through the byte at @at (< @len). */
static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-acpi_checksum(p, len);
}

/* Fix the checksum of the table at @pa in @img, if its length fits. */
static void fix_table(uint8_t *img, size_t size, uint64_t pa)
{
	uint32_t len;

	if (pa >= size || size - pa < ACPI_TABLE_HDR_SIZE)
		return;
	len = get_unaligned_le32(img + pa + 4);
	if (len >= ACPI_TABLE_HDR_SIZE && len <= size - pa)
		fix_sum(img + pa, len, 9);
}

/* FLAG_FIX_CHECKSUMS: the listed tables, the root, then the RSDP. */
static void fix_checksums(uint8_t *img, size_t size)
{
	bool xsdt;
	uint64_t root;
	uint32_t len, esize;

	if (size < ACPI_RSDP_V1_SIZE)
		return;
	xsdt = img[15] >= 2 && size >= ACPI_RSDP_V2_SIZE &&
	       get_unaligned_le64(img + 24);
	root = xsdt ? get_unaligned_le64(img + 24)
		    : get_unaligned_le32(img + 16);
	esize = xsdt ? 8 : 4;
	if (root < size && size - root >= ACPI_TABLE_HDR_SIZE) {
		len = get_unaligned_le32(img + root + 4);
		if (len > size - root)
			len = (uint32_t)(size - root);
		for (uint32_t off = ACPI_TABLE_HDR_SIZE;
		     len >= esize && off <= len - esize &&
		     off < ACPI_TABLE_HDR_SIZE + 2 * ACPI_MAX_ROOT_ENTRIES * 8;
		     off += esize)
			fix_table(img, size,
				  xsdt ? get_unaligned_le64(img + root + off)
				       : get_unaligned_le32(img + root + off));
		fix_table(img, size, root);
	}
	fix_sum(img, ACPI_RSDP_V1_SIZE, 8);
	if (img[15] >= 2 && size >= ACPI_RSDP_V2_SIZE) {
		len = get_unaligned_le32(img + 20);
		if (len >= ACPI_RSDP_V2_SIZE && len <= size)
			fix_sum(img, len, 32);
	}
}

/* What every parse promises, success or not. */
static void check_result(const struct acpi_parser *parser, int ret,
			 const struct acpi_madt_info *madt)
{
	static const struct acpi_madt_info zero;
	unsigned int enabled = 0;

	if (verbose && parser->error[0])
		fprintf(stderr, "ACPI: %s: booting one CPU\n", parser->error);
	if (strlen(parser->error) >= ACPI_ERROR_LEN ||
	    strchr(parser->error, '\n'))
		die("error \"%s\" is not one line", parser->error);
	if (ret) {
		if (ret != -EINVAL || !parser->error[0])
			die("failed with %d and error \"%s\"", ret,
			    parser->error);
		if (memcmp(madt, &zero, sizeof(zero)))
			die("failed (%s) but left a MADT behind",
			    parser->error);
		return;
	}
	if (parser->error[0] || !madt->present)
		die("returned 0 with error \"%s\", present %d", parser->error,
		    madt->present);
	if (madt->nr_lapics > MADT_MAX_LAPICS ||
	    madt->nr_ioapics > MADT_MAX_IOAPICS ||
	    madt->nr_isos > MADT_MAX_ISOS || madt->nr_nmis > MADT_MAX_NMIS)
		die("counts past the arrays: %u %u %u %u", madt->nr_lapics,
		    madt->nr_ioapics, madt->nr_isos, madt->nr_nmis);
	for (unsigned int i = 0; i < madt->nr_lapics; i++) {
		const struct madt_lapic *l = &madt->lapics[i];

		enabled += l->enabled;
		if (l->enabled && l->online_capable)
			die("local APIC %u both enabled and online-capable", i);
		if (l->apic_id == (l->x2apic ? 0xffffffffu : 0xffu))
			die("local APIC %u kept with the invalid id %#x", i,
			    l->apic_id);
		for (unsigned int j = 0; j < i; j++)
			if (madt->lapics[j].apic_id == l->apic_id)
				die("APIC id %#x kept twice", l->apic_id);
	}
	if (!enabled)
		die("a MADT without an enabled CPU was accepted");
	for (unsigned int i = 0; i < madt->nr_ioapics; i++)
		for (unsigned int j = 0; j < i; j++)
			if (madt->ioapics[j].id == madt->ioapics[i].id)
				die("I/O APIC id %u kept twice",
				    madt->ioapics[i].id);
	for (unsigned int i = 0; i < madt->nr_nmis; i++)
		if (madt->nmis[i].lint > 1)
			die("NMI entry for LINT%u kept", madt->nmis[i].lint);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_ACPI_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_madt_info madt;
	struct acpi_parser parser = { .map = fuzz_map };
	struct acpi_rsdp_info rsdp;
	uint8_t flags, *img;
	int ret;

	if (!size)
		return 0;
	flags = data[0];
	image_size = size - 1 > MAX_IMAGE ? MAX_IMAGE : size - 1;
	img = malloc(image_size ? image_size : 1);
	if (!img)
		die("out of memory");
	memcpy(img, data + 1, image_size);
	image = img;
	nr_maps = 0;

	if (flags & FLAG_MADT_ONLY) {
		if (image_size >= ACPI_TABLE_HDR_SIZE) {
			uint32_t len = (uint32_t)image_size;

			memcpy(img + 4, &len, sizeof(len));
			memset(&madt, 0x5a, sizeof(madt));
			ret = acpi_parse_madt(&parser, fuzz_map(NULL, 0, len),
					      0, &madt);
			check_result(&parser, ret, &madt);
		}
	} else {
		long off;

		if (flags & FLAG_FIX_CHECKSUMS)
			fix_checksums(img, image_size);
		off = acpi_scan_rsdp(img, image_size);
		if (off >= 0 && (off % ACPI_RSDP_ALIGN ||
				 (size_t)off + ACPI_RSDP_V1_SIZE > image_size ||
				 acpi_checksum(img + off, ACPI_RSDP_V1_SIZE)))
			die("acpi_scan_rsdp() found a bad RSDP at %ld", off);
		memset(&madt, 0x5a, sizeof(madt));
		/* An exact copy (NULL for an empty image: 0 bytes given). */
		ret = acpi_check_rsdp(&parser, fuzz_map(NULL, 0, image_size),
				      image_size, 0, &rsdp);
		if (!ret)
			ret = acpi_parse_tables(&parser, &rsdp, &madt);
		else
			memset(&madt, 0, sizeof(madt));
		check_result(&parser, ret, &madt);
	}
	for (unsigned int i = 0; i < nr_maps; i++)
		free(maps[i]);
	free(img);
	return 0;
}
