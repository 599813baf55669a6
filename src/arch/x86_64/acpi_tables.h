/* SPDX-License-Identifier: MIT */
/*
 * acpi_tables.h - the portable ACPI table parser: RSDP, RSDT/XSDT and MADT
 * (ACPI spec 6.5, sections 5.2.5 to 5.2.12). It never trusts a byte: every
 * checksum and length is checked before a table is used, and a table is
 * read only through the bytes its mapper said were readable. Portable: the
 * host tests and the fuzzer build it unchanged, with a mapper over fake
 * physical memory; acpi.c is the kernel's glue (memremap_ro()).
 */
#ifndef ARCH_X86_64_ACPI_TABLES_H
#define ARCH_X86_64_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi.h"

#define ACPI_RSDP_SIG	    "RSD PTR " /* 8 bytes, no NUL */
#define ACPI_RSDP_V1_SIZE   20	       /* ACPI 1.0: up to rsdt_address */
#define ACPI_RSDP_V2_SIZE   36	       /* ACPI 2.0+: length, xsdt, xchecksum */
#define ACPI_RSDP_ALIGN	    16	       /* the BIOS search steps so */
#define ACPI_TABLE_HDR_SIZE 36	       /* struct acpi_table_header */
#define ACPI_MADT_HDR_SIZE  44	       /* the header, lapic_addr, flags */
#define ACPI_TABLE_MAX_SIZE (1u << 20) /* a larger length is taken as corrupt */
/* Tables read from the RSDT/XSDT (a PC lists a few dozen at most); more
 * are reported and left out. */
#define ACPI_MAX_ROOT_ENTRIES 128
#define ACPI_ERROR_LEN	      160 /* room for acpi_parser.error */

/* MADT entry types (ACPI spec 6.5, table 5.21) that the parser reads. */
#define ACPI_MADT_TYPE_LOCAL_APIC	   0
#define ACPI_MADT_TYPE_IO_APIC		   1
#define ACPI_MADT_TYPE_INTERRUPT_OVERRIDE  2
#define ACPI_MADT_TYPE_LOCAL_APIC_NMI	   4
#define ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE 5
#define ACPI_MADT_TYPE_LOCAL_X2APIC	   9
#define ACPI_MADT_TYPE_LOCAL_X2APIC_NMI	   0xa

/*
 * struct acpi_rsdp_info - a checked RSDP (Root System Description Pointer).
 * @pa: where it lies in physical memory (for the "ACPI: RSDP" line).
 * @revision: 0 for ACPI 1.0 (20 bytes, RSDT only), 2 or more for 2.0+.
 * @length: bytes of it: 20 for revision 0, its length field (36) else.
 * @oem_id: the OEM id, NUL-terminated (6 characters at most).
 * @rsdt_pa: the RSDT's physical address (32-bit); 0: none.
 * @xsdt_pa: the XSDT's physical address; 0: none (or revision 0).
 */
struct acpi_rsdp_info {
	uint64_t pa;
	uint8_t revision;
	uint32_t length;
	char oem_id[7];
	uint32_t rsdt_pa;
	uint64_t xsdt_pa;
};

/*
 * struct acpi_parser - how the parser reaches physical memory, and why it
 * gave up.
 * @map: make physical [@pa, @pa + @size) readable; return a pointer to its
 *       first byte, or NULL when it cannot be mapped (out of range, out of
 *       memory). The parser reads only the @size bytes of each mapping and
 *       never writes. Mappings are never given back (the kernel's
 *       memremap_ro() has no unmap; a host mapper frees them itself).
 * @ctx: passed to @map unchanged.
 * @error: "" or, after a failed call, what is wrong, one line without the
 *         "ACPI: " prefix (acpi.c prints "ACPI: <error>: booting one CPU").
 */
struct acpi_parser {
	const void *(*map)(void *ctx, uint64_t pa, size_t size);
	void *ctx;
	char error[ACPI_ERROR_LEN];
};

/*
 * acpi_checksum() - the 8-bit sum of the @len bytes at @p: 0 for a table
 * whose checksum is right (as Linux's acpi_tb_checksum()).
 */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * acpi_check_rsdp() - check the RSDP at @p, of which @avail bytes are
 * readable, and fill *@info (@info->pa = @pa). Checks the signature, the
 * checksum of the first 20 bytes and, for revision 2 or more, its length
 * (36 up to @avail and ACPI_TABLE_MAX_SIZE) and the extended checksum over
 * it, as Linux's acpi_tb_validate_rsdp(). A revision 2 RSDP of which only
 * 20 bytes are given (a multiboot2 "ACPI old" tag) is read as revision 0,
 * with a line saying so.
 * Return: 0, or -EINVAL with @parser->error set (*@info then undefined).
 */
int acpi_check_rsdp(struct acpi_parser *parser, const void *p, size_t avail,
		    uint64_t pa, struct acpi_rsdp_info *info);

/*
 * acpi_scan_rsdp() - the BIOS search of one area, as Linux's
 * acpi_tb_scan_memory_for_rsdp(): the first 16-byte boundary in the @len
 * bytes at @area that holds "RSD PTR " with a good checksum (and, for
 * revision 2 or more, a good extended checksum when its 36 bytes lie in the
 * area). @area must be 16-byte aligned in physical memory.
 * Return: its offset from @area, or -1 when there is none. Prints nothing.
 */
long acpi_scan_rsdp(const void *area, size_t len);

/*
 * acpi_print_rsdp() - Linux's line for the RSDP:
 * "ACPI: RSDP 0x00000000000F5A10 000014 (v00 BOCHS )".
 */
void acpi_print_rsdp(const struct acpi_rsdp_info *info);

/*
 * acpi_parse_tables() - walk the XSDT (revision 2 or more with an XSDT
 * address) or else the RSDT of the checked RSDP @rsdp: each table is mapped
 * header first, its length checked (ACPI_TABLE_HDR_SIZE up to
 * ACPI_TABLE_MAX_SIZE), then mapped whole and its checksum checked; each is
 * printed as Linux does ("ACPI: APIC 0x... 000078 (v01 BOCHS  BXPC ...)").
 * A listed table that is bad (cannot be mapped, bad length or checksum) is
 * reported and skipped; null entries are skipped; entries past
 * ACPI_MAX_ROOT_ENTRIES are reported and left out. The first good MADT
 * (signature "APIC") goes to acpi_parse_madt(); a later one is reported
 * and ignored.
 * @madt: filled by acpi_parse_madt(); zeroed first.
 * Context: boot or a host test; prints through printk().
 * Return: 0 when a usable MADT was parsed (@madt->present), else -EINVAL
 * with @parser->error set: the root table cannot be mapped or is bad, there
 * is no good MADT, or the MADT is refused.
 */
int acpi_parse_tables(struct acpi_parser *parser,
		      const struct acpi_rsdp_info *rsdp,
		      struct acpi_madt_info *madt);

/*
 * acpi_parse_madt() - parse the MADT at @table (physical @pa), whose header
 * length (at least ACPI_MADT_HDR_SIZE, at most ACPI_TABLE_MAX_SIZE) bytes
 * the caller has mapped and whose checksum it checked, into *@madt (zeroed
 * first). Each entry is printed in Linux's words ("ACPI: LAPIC (acpi_id[0x00]
 * lapic_id[0x00] enabled)", "IOAPIC[0]: apic_id 0, address 0xfec00000,
 * GSI 0", "ACPI: INT_SRC_OVR (...)", "ACPI: LAPIC_NMI (...)"), then the
 * summary "ACPI: MADT 0x...: local APIC at 0x..., N local APICs (...)".
 *
 * Walked by each entry's own length, so unknown types are skipped (one line
 * each). Refused, with @parser->error set, are: a length below the header,
 * an entry of length below 2 (0 would loop forever) or one that runs past
 * the table's end (the table is malformed: nothing of it is trusted), and
 * a table with no usable local APIC entry. Reported and dropped, the walk
 * going on (counted in nr_dropped): a known entry shorter than its fields,
 * a local APIC with the invalid id 0xff (0xffffffff for x2APIC), an APIC id
 * (local or I/O) that an earlier entry has, and entries past the arrays'
 * sizes (one line per kind, with the count).
 * Return: 0 (@madt->present is true), or -EINVAL (@madt->present false).
 */
int acpi_parse_madt(struct acpi_parser *parser, const void *table, uint64_t pa,
		    struct acpi_madt_info *madt);

#endif
