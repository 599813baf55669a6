/* SPDX-License-Identifier: MIT */
/*
 * multiboot2.h - what the kernel keeps of GRUB's multiboot2 information.
 * Everything is copied out by mb2_parse(); the original stays reserved for now.
 */
#ifndef ARCH_X86_64_MULTIBOOT2_H
#define ARCH_X86_64_MULTIBOOT2_H

#include <stdbool.h>
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
	uint64_t mbi_pa, mbi_size; /* where GRUB put the information */
	char bootloader[64];
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
	unsigned int nr_mmap;
	bool mmap_from_basic_meminfo; /* no map tag: built from mem_lower/upper */
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned int nr_modules;
};

extern struct boot_params boot_params;

/*
 * mb2_parse() - copy the command line, boot loader name, memory map and
 * modules out of the information at physical @mbi_pa (through the early
 * direct map). Unknown tags are skipped; malformed ones are reported and
 * skipped, never trusted. Panics only if there is no memory map at all.
 */
void mb2_parse(uint32_t mbi_pa);

/* mb2_print_mmap() - the map, one dmesg-style "[mem a-b] type" line each. */
void mb2_print_mmap(void);

/* mb2_print_modules() - one "[mem a-b] name" line per boot module. */
void mb2_print_modules(void);

#endif
