/* SPDX-License-Identifier: MIT */
/*
 * multiboot2.h - what the kernel keeps of GRUB's multiboot2 information.
 * Everything is copied out by mb2_parse_info(); the original stays reserved
 * for now. Portable: the host tests include it too (no arch headers).
 */
#ifndef ARCH_X86_64_MULTIBOOT2_H
#define ARCH_X86_64_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Memory map entry types (multiboot2 spec 3.6.8, = ACPI/E820 types). */
#define MB2_MEMORY_AVAILABLE	    1
#define MB2_MEMORY_RESERVED	    2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS		    4
#define MB2_MEMORY_BADRAM	    5

#define BOOT_MMAP_MAX \
	128 /* entries kept; as Linux's E820_MAX_ENTRIES_ZEROPAGE */
#define BOOT_MODULES_MAX 16
/* The ACPI tags (multiboot2 spec 3.6.12, 3.6.13): a copy of the RSDP. */
#define MB2_TAG_ACPI_OLD   14 /* an ACPI 1.0 RSDP, 20 bytes */
#define MB2_TAG_ACPI_NEW   15 /* an ACPI 2.0+ RSDP, its length (36) */
#define BOOT_ACPI_RSDP_MAX 64 /* bytes of it kept: more is cut (reported) */

struct boot_mmap_entry {
	uint64_t addr; /* bytes, as the firmware gave it (maybe unaligned) */
	uint64_t len;  /* bytes, maybe 0 */
	uint32_t type; /* MB2_MEMORY_* or another value (shown as "type N") */
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char name[64];
};

struct boot_params {
	uint64_t mbi_pa;     /* physical address of the information; set by
			      mb2_parse(), 0 after mb2_parse_info() alone */
	uint64_t mbi_size;   /* bytes of it parsed (and reserved): total_size,
			      or fewer when fewer were readable; 0 if rejected */
	char bootloader[64]; /* NUL-terminated, cut; "" without the tag */
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX]; /* in firmware order */
	unsigned int nr_mmap;			    /* 0: no map at all */
	bool mmap_from_basic_meminfo; /* no usable map tag: built from
					 mem_lower/upper */
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned int nr_modules;
	/* The RSDP copied out of an ACPI tag: the new tag's if there is one
	 * (wherever it comes), else the old tag's. */
	uint8_t acpi_rsdp[BOOT_ACPI_RSDP_MAX];
	uint32_t acpi_rsdp_len;	   /* bytes in acpi_rsdp; 0: no usable tag */
	uint32_t acpi_rsdp_tag;	   /* MB2_TAG_ACPI_NEW, _OLD, or 0: none */
	uint64_t acpi_rsdp_offset; /* where GRUB's copy lies: bytes from the
				      information's first byte (add mbi_pa) */
};

extern struct boot_params boot_params;

/*
 * for_each_mmap_entry(m) - each entry of the firmware memory map in
 * boot_params, in firmware order, zero-length ones too: @m is a
 * const struct boot_mmap_entry * (Linux walks e820_table the same way).
 */
#define for_each_mmap_entry(m)       \
	for ((m) = boot_params.mmap; \
	     (m) < boot_params.mmap + boot_params.nr_mmap; (m)++)

/*
 * mb2_parse_info() - copy the command line (to cmdline_set()), boot loader
 * name, memory map and modules out of the multiboot2 information at @info
 * into boot_params, which is reset first. Never reads a byte at or past
 * @info + min(total_size, @avail).
 * @info: the information's first byte (its u32 total_size); must be 8-byte
 *        aligned, as the spec promises.
 * @avail: how many bytes from @info may be read. When total_size is larger,
 *         that is reported and only @avail bytes are parsed.
 *
 * What is handed on, and what is refused:
 *  - unknown tag types (framebuffer, ELF sections, ...) are skipped;
 *  - an ACPI tag's RSDP bytes are copied (at most BOOT_ACPI_RSDP_MAX, a
 *    longer one is cut, reported); "ACPI new" (15) wins over "ACPI old"
 *    (14) in either order; a tag shorter than a 20-byte RSDP, or a second
 *    tag of the same type, is reported and skipped;
 *  - a tag whose size is below its 8-byte header or runs past the end stops
 *    the walk (reported): without a size there is no next tag to find;
 *  - a known tag too short for its fields, a memory map whose entry_size is
 *    below 24 or not a multiple of 8, a module that ends before it starts:
 *    reported and skipped, the walk goes on;
 *  - memory map entries are copied in firmware order, unchanged: unsorted,
 *    overlapping, zero-length, unknown types and all (memblock sorts, merges
 *    and cuts them). An entry_size above 24 is stepped over: the extra bytes
 *    are fields of a later spec, ignored. Entries past BOOT_MMAP_MAX, modules
 *    past BOOT_MODULES_MAX and strings past their buffer are cut (reported
 *    for entries and modules). Two map tags append.
 *  - with no map entries at all, a basic meminfo tag gives two "usable"
 *    entries ([0, mem_lower KiB), [1 MiB, +mem_upper KiB)) and sets
 *    mmap_from_basic_meminfo;
 *  - strings (command line, names) end at their NUL or at the tag's end.
 *
 * Context: boot, or a host test; not reentrant (fills the globals).
 * Return: 0 when the tags were walked (boot_params.nr_mmap may still be 0:
 * the caller decides), -1 when the header is unusable: @info misaligned,
 * @avail below 8, or total_size below 16 (reported; boot_params all zero,
 * command line "").
 */
int mb2_parse_info(const void *info, size_t avail);

/*
 * mb2_parse() - the kernel's entry: mb2_parse_info() on the information at
 * physical @mbi_pa, read through the early direct map, at most 1 MiB of it;
 * then boot_params.mbi_pa = @mbi_pa.
 * Context: boot, before paging_init() (the early map of 0..4 GiB is needed).
 * Panics if the header is unusable or there is no memory map at all.
 */
void mb2_parse(uint32_t mbi_pa);

/* mb2_print_mmap() - the map, one dmesg-style "[mem a-b] type" line each. */
void mb2_print_mmap(void);
/* mb2_mmap_type_name() - "usable", "reserved", "ACPI data", "ACPI NVS" or
 * "unusable" for MB2_MEMORY_* @type; NULL for any other value. */
const char *mb2_mmap_type_name(uint32_t type);

/* mb2_print_modules() - one "[mem a-b] name" line per boot module. */
void mb2_print_modules(void);

#endif
