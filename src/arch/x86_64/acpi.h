/* SPDX-License-Identifier: MIT */
/*
 * acpi.h - what the kernel keeps of the firmware's ACPI tables: the MADT
 * (signature "APIC"), which lists the CPUs' local APICs, the I/O APICs,
 * how ISA IRQs are wired to them (interrupt source overrides) and which
 * local APIC pins carry NMI. ACPI spec 6.5, section 5.2.12.
 */
#ifndef ARCH_X86_64_ACPI_H
#define ARCH_X86_64_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define MADT_MAX_LAPICS	 256 /* entries kept; more are reported, cut */
#define MADT_MAX_IOAPICS 8
#define MADT_MAX_ISOS	 16
#define MADT_MAX_NMIS	 16

/* MPS INTI flags (interrupt source overrides, NMI entries). */
#define ACPI_MADT_POLARITY_MASK	 0x3 /* 0 bus default, 1 high, 3 low */
#define ACPI_MADT_POLARITY_HIGH	 0x1
#define ACPI_MADT_POLARITY_LOW	 0x3
#define ACPI_MADT_TRIGGER_MASK	 0xc /* 0 bus default, 4 edge, 0xc level */
#define ACPI_MADT_TRIGGER_EDGE	 0x4
#define ACPI_MADT_TRIGGER_LEVEL	 0xc
#define ACPI_MADT_PCAT_COMPAT	 0x1 /* MADT flags: 8259 PICs present */
#define ACPI_MADT_ENABLED	 0x1 /* local APIC flags */
#define ACPI_MADT_ONLINE_CAPABLE 0x2

struct madt_lapic {
	uint32_t apic_id;    /* 8-bit (type 0) or 32-bit (type 9, x2APIC) */
	uint32_t acpi_uid;   /* ACPI processor UID (type 0: processor id) */
	bool enabled;	     /* flags bit 0: usable now */
	bool online_capable; /* flags bit 1: disabled, but may be hot-added */
	bool x2apic;	     /* from a type 9 entry */
};

struct madt_ioapic {
	uint8_t id;
	uint32_t addr;	   /* physical address of its registers */
	uint32_t gsi_base; /* the first global system interrupt it serves */
};

struct madt_iso {	/* ISA IRQ @source arrives as GSI @gsi */
	uint8_t bus;	/* 0: ISA */
	uint8_t source; /* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* ACPI_MADT_POLARITY_*, ACPI_MADT_TRIGGER_* */
};

struct madt_nmi {	   /* local APIC NMI: pin LINT@lint carries NMI */
	uint32_t acpi_uid; /* 0xff (0xffffffff for x2APIC): every CPU */
	uint8_t lint;	   /* 0 or 1 */
	uint16_t flags;
};

/*
 * struct acpi_madt_info - the MADT, parsed and checked. Duplicated APIC
 * ids are dropped (the later entry, reported); entries past the arrays'
 * sizes are counted in nr_dropped and reported.
 */
struct acpi_madt_info {
	bool present;	     /* a valid MADT was found; false: one CPU */
	uint64_t lapic_addr; /* local APIC registers (type 5 override or
				the MADT header's) */
	uint32_t flags;	     /* ACPI_MADT_PCAT_COMPAT */
	/* The MADT's revision: from 5 (ACPI 6.3) on, a disabled local APIC
	 * may be hot-added only when it says online-capable; before, any
	 * disabled one may (Linux's acpi_is_processor_usable()). */
	uint8_t revision;
	unsigned int nr_lapics;
	struct madt_lapic lapics[MADT_MAX_LAPICS]; /* in MADT order */
	unsigned int nr_ioapics;
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	unsigned int nr_isos;
	struct madt_iso isos[MADT_MAX_ISOS];
	unsigned int nr_nmis;
	struct madt_nmi nmis[MADT_MAX_NMIS];
	unsigned int nr_dropped; /* entries not kept (duplicates, overflow) */
};

/*
 * acpi_madt - filled by acpi_boot_init(); all zero (present false) when the
 * firmware gave no usable MADT. Written once by CPU 0 at boot; read-only
 * after, so any CPU may read it without a lock.
 */
extern struct acpi_madt_info acpi_madt;

/*
 * acpi_boot_init() - find the RSDP (multiboot2 ACPI tag, new before old;
 * else the BIOS areas: the EBDA's first KiB and 0xe0000-0xfffff), walk the
 * XSDT (or RSDT), check every table's checksum and length, print each table
 * as Linux does ("ACPI: RSDP 0x... 000024 (v02 BOCHS )", "ACPI: APIC 0x...")
 * and parse the MADT into acpi_madt. A missing or bad RSDP, root table or
 * MADT is reported in one line and leaves acpi_madt.present false: the
 * kernel then boots one CPU. Never faults on bad tables.
 * Context: CPU 0, boot, after paging_init(), before mm_core_init() (tables
 * are mapped with memremap_ro(), whose page tables come from memblock).
 */
void acpi_boot_init(void);

#endif
