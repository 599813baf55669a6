// SPDX-License-Identifier: MIT
/*
 * acpi.c - the kernel's side of the ACPI table parser (acpi_tables.c): find
 * the RSDP, map the tables with memremap_ro() and keep the MADT in
 * acpi_madt. Every failure ends in one "ACPI: ...: booting one CPU" line and
 * acpi_madt.present false; nothing here faults on bad tables. As Linux's
 * acpi_boot_table_init() + acpi_boot_init() (arch/x86/kernel/acpi/boot.c),
 * for the MADT alone.
 */
#include "acpi.h"

#include "acpi_tables.h"
#include "cpu.h"
#include "init.h"
#include "lib/kernel.h"
#include "memlayout.h"
#include "multiboot2.h"
#include "paging.h"
#include "printk.h"

/* The BIOS areas the RSDP may lie in (ACPI spec 6.5, 5.2.5.1). */
#define BIOS_EBDA_PTR	  0x40e	  /* u16: the EBDA's segment */
#define EBDA_SEARCH_LEN	  1024	  /* its first KiB is searched */
#define EBDA_LOWEST	  0x400	  /* as Linux: an EBDA below this or */
#define EBDA_HIGHEST	  0xa0000 /* past this is junk, not searched */
#define BIOS_ROM_START	  0xe0000
#define BIOS_ROM_END	  0x100000
#define CPUID_ADDR_SIZES  0x80000008 /* EAX[7:0]: physical address bits */
#define DEFAULT_PHYS_BITS 36	     /* when the CPU has no such leaf */

struct acpi_madt_info acpi_madt;

/* Physical address bits of this CPU: a page-table entry with a higher bit
 * set is reserved and faults, so no table may be mapped there. */
static unsigned int __init phys_addr_bits(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < CPUID_ADDR_SIZES)
		return DEFAULT_PHYS_BITS;
	cpuid(CPUID_ADDR_SIZES, &a, &b, &c, &d);
	return a & 0xff;
}

/*
 * The parser's mapper: memremap_ro() of [@pa, @pa + @size), refused past
 * the CPU's physical address width (@ctx points to it, in bits).
 */
static const void *__init map_firmware(void *ctx, uint64_t pa, size_t size)
{
	uint64_t limit = 1ULL << *(const unsigned int *)ctx;

	if (pa >= limit || size > limit - pa)
		return NULL;
	return memremap_ro(pa, size);
}

/*
 * Find the RSDP: the multiboot2 ACPI tag's copy (new before old, chosen by
 * mb2_parse_info()), else the BIOS search: the EBDA's first KiB, then
 * 0xe0000-0xfffff, read through the direct map, which covers the first
 * 1 MiB (as Linux's acpi_find_root_pointer()). Return: 0 with *@info
 * filled and printed, or -EINVAL with @parser->error set.
 */
static int __init find_rsdp(struct acpi_parser *parser,
			    struct acpi_rsdp_info *info)
{
	uint64_t ebda = (uint64_t) * (const uint16_t *)__va(BIOS_EBDA_PTR) << 4;
	const struct {
		uint64_t start, len;
		const char *name;
	} areas[] = {
		{ ebda, EBDA_SEARCH_LEN, "the EBDA" },
		{ BIOS_ROM_START, BIOS_ROM_END - BIOS_ROM_START,
		  "0xe0000-0xfffff" },
	};

	if (boot_params.acpi_rsdp_len) {
		uint64_t pa = boot_params.mbi_pa + boot_params.acpi_rsdp_offset;

		/* GRUB copied it into the information: that copy is read and
		 * its address printed, not the firmware's original. */
		printk("ACPI: RSDP from the multiboot2 \"ACPI %s\" tag (GRUB's copy at 0x%llx)\n",
		       boot_params.acpi_rsdp_tag == MB2_TAG_ACPI_NEW ? "new"
								     : "old",
		       (unsigned long long)pa);
		if (acpi_check_rsdp(parser, boot_params.acpi_rsdp,
				    boot_params.acpi_rsdp_len, pa, info))
			return -EINVAL;
		acpi_print_rsdp(info);
		return 0;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(areas); i++) {
		uint64_t pa = areas[i].start;
		long off;

		if (!i && (ebda < EBDA_LOWEST || ebda >= EBDA_HIGHEST))
			continue;
		off = acpi_scan_rsdp(__va(pa), areas[i].len);
		if (off < 0)
			continue;
		printk("ACPI: RSDP found in the BIOS area (%s)\n",
		       areas[i].name);
		/* The scan checked it; this fills *@info (a revision
		 * 2 RSDP at the area's very end is read as 0). */
		if (acpi_check_rsdp(parser, __va(pa + off), areas[i].len - off,
				    pa + off, info))
			return -EINVAL;
		acpi_print_rsdp(info);
		return 0;
	}
	snprintf(
		parser->error, sizeof(parser->error),
		"no RSDP found (no multiboot2 ACPI tag, none in the BIOS areas)");
	return -EINVAL;
}

void __init acpi_boot_init(void)
{
	unsigned int bits = phys_addr_bits();
	struct acpi_parser parser = { .map = map_firmware, .ctx = &bits };
	struct acpi_rsdp_info rsdp;

	acpi_madt = (struct acpi_madt_info){ 0 };
	if (find_rsdp(&parser, &rsdp) ||
	    acpi_parse_tables(&parser, &rsdp, &acpi_madt)) {
		acpi_madt.present = false;
		printk("ACPI: %s: booting one CPU\n", parser.error);
	}
}
