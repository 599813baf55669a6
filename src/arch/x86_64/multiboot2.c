// SPDX-License-Identifier: MIT
/*
 * multiboot2.c - read GRUB's boot information (multiboot2 spec, section 3.6)
 * without trusting it: no byte at or past min(total_size, what is readable)
 * is read, and every size is checked against what is left before it is used.
 * Portable: the host tests build this file unchanged; multiboot2_boot.c
 * finds the information for the kernel.
 *
 *   mbi: u32 total_size | u32 reserved | tag | tag | ... | end tag (type 0)
 *   tag: u32 type | u32 size (header included) | payload, padded to 8 bytes
 */
#define pr_fmt(fmt) "multiboot2: " fmt

#include "multiboot2.h"

#include "cmdline.h"
#include "lab.h"
#include "lib/unaligned.h"
#include "printk.h"
#include "string.h"

#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1
#define MB2_TAG_BOOTLOADER    2
#define MB2_TAG_MODULE	      3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP	      6
#define MB2_RSDP_V1	      20 /* the shortest RSDP: ACPI 1.0's */
#define MB2_ALIGN	      8	 /* the information and every tag start so */
#define MB2_INFO_HDR	      8	 /* total_size, reserved */
#define MB2_INFO_MIN	      16 /* the header and an end tag */
#define MB2_TAG_HDR	      8	 /* type, size */
#define MB2_MODULE_HDR	      16 /* type, size, mod_start, mod_end */
#define MB2_BASIC_MEMINFO     16 /* type, size, mem_lower, mem_upper */
#define MB2_MMAP_HDR	      16 /* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN    24 /* addr, len, type, reserved */
#define BASIC_UPPER_START     (1ULL << 20) /* mem_upper counts from 1 MiB */

struct boot_params boot_params;

/* Copy the string at @src (at most @max bytes, NUL or not) into @dst[@size]. */
static void copy_string(char *dst, size_t size, const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Append the entries of the map tag at @tag (@size bytes, checked to lie in
 * the information) to boot_params.mmap, as they are: entry_size may grow in
 * later specs, so step by it and read only the 24 bytes we know.
 */
static void parse_mmap(const uint8_t *tag, uint32_t size)
{
	/* LAB 1 BEGIN parse_mmap: append each entry of the memory map tag
	 * (header: type, size, entry_size, entry_version; then entries of
	 * entry_size bytes: u64 base_addr, u64 length, u32 type) to
	 * boot_params.mmap. Distrust the tag: a short tag, a bad entry_size,
	 * too many entries or a partial last entry is reported with pr_err()
	 * and what is whole is kept (docs/labs/lab1.md).
	 * STUB:
	 *	(void)tag;
	 *	(void)size;
	 *	lab_missing(1, "parse_mmap");
	 */
	uint32_t entry_size, off;

	if (size < MB2_MMAP_HDR) {
		pr_err("memory map tag of %u bytes is too short; skipped\n",
		       size);
		return;
	}
	entry_size = get_unaligned_le32(tag + 8);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8) {
		pr_err("memory map entry_size %u is not a multiple of 8 of at least %d; map skipped\n",
		       entry_size, MB2_MMAP_ENTRY_MIN);
		return;
	}
	/* entry_size <= size - off, not off + entry_size <= size: an
	 * entry_size near 4 GiB would wrap the sum and pass. */
	for (off = MB2_MMAP_HDR; entry_size <= size - off; off += entry_size) {
		const uint8_t *e = tag + off;
		struct boot_mmap_entry *m;

		if (boot_params.nr_mmap == BOOT_MMAP_MAX) {
			pr_err("more than %d memory map entries; the rest ignored\n",
			       BOOT_MMAP_MAX);
			return;
		}
		m = &boot_params.mmap[boot_params.nr_mmap++];
		m->addr = get_unaligned_le64(e);
		m->len = get_unaligned_le64(e + 8);
		m->type = get_unaligned_le32(e + 16);
	}
	if (off < size)
		pr_err("memory map tag ends with %u bytes that are not a whole entry; ignored\n",
		       size - off);
	/* LAB 1 END */
}

/* Is the @what tag of @size bytes at least @min long? If not, say so. */
static bool tag_fits(const char *what, uint32_t size, uint32_t min)
{
	if (size >= min)
		return true;
	pr_err("%s tag of %u bytes is too short; skipped\n", what, size);
	return false;
}

static void parse_module(const uint8_t *tag, uint32_t size)
{
	struct boot_module *m;

	if (!tag_fits("module", size, MB2_MODULE_HDR))
		return;
	if (boot_params.nr_modules == BOOT_MODULES_MAX) {
		pr_err("more than %d modules; the rest ignored\n",
		       BOOT_MODULES_MAX);
		return;
	}
	m = &boot_params.modules[boot_params.nr_modules];
	m->start = get_unaligned_le32(tag + 8);
	m->end = get_unaligned_le32(tag + 12);
	if (m->end < m->start) {
		pr_err("module [%#llx-%#llx) ends before it starts; skipped\n",
		       (unsigned long long)m->start,
		       (unsigned long long)m->end);
		*m = (struct boot_module){ 0 };
		return;
	}
	copy_string(m->name, sizeof(m->name),
		    (const char *)tag + MB2_MODULE_HDR, size - MB2_MODULE_HDR);
	boot_params.nr_modules++;
}

/* No map entries: fall back to mem_lower (KiB below 1 MiB) and mem_upper (KiB from 1 MiB). */
static void parse_basic_meminfo(const uint8_t *tag, uint32_t size)
{
	uint32_t lower, upper;

	if (!tag_fits("basic meminfo", size, MB2_BASIC_MEMINFO))
		return;
	lower = get_unaligned_le32(tag + 8);
	upper = get_unaligned_le32(tag + 12);
	boot_params.nr_mmap = 2;
	boot_params.mmap[0] =
		(struct boot_mmap_entry){ 0, (uint64_t)lower << 10,
					  MB2_MEMORY_AVAILABLE };
	boot_params.mmap[1] = (struct boot_mmap_entry){ BASIC_UPPER_START,
							(uint64_t)upper << 10,
							MB2_MEMORY_AVAILABLE };
	boot_params.mmap_from_basic_meminfo = true;
}

/*
 * Copy the RSDP of the ACPI tag at @tag (@size bytes, checked to lie in the
 * information, @off from its start) into boot_params: the new tag's wins.
 */
static void parse_acpi(const uint8_t *tag, uint32_t size, size_t off)
{
	uint32_t type = get_unaligned_le32(tag), len = size - MB2_TAG_HDR;
	const char *name = type == MB2_TAG_ACPI_NEW ? "ACPI new" : "ACPI old";

	if (!tag_fits(name, size, MB2_TAG_HDR + MB2_RSDP_V1))
		return;
	if (boot_params.acpi_rsdp_tag == type) {
		pr_err("a second %s tag; the first is kept\n", name);
		return;
	}
	if (boot_params.acpi_rsdp_tag == MB2_TAG_ACPI_NEW)
		return; /* an old tag after the new one: the new one wins */
	if (len > BOOT_ACPI_RSDP_MAX) {
		pr_err("%s tag holds %u bytes; only the first %d are kept\n",
		       name, len, BOOT_ACPI_RSDP_MAX);
		len = BOOT_ACPI_RSDP_MAX;
	}
	memset(boot_params.acpi_rsdp, 0, sizeof(boot_params.acpi_rsdp));
	memcpy(boot_params.acpi_rsdp, tag + MB2_TAG_HDR, len);
	boot_params.acpi_rsdp_len = len;
	boot_params.acpi_rsdp_tag = type;
	boot_params.acpi_rsdp_offset = off + MB2_TAG_HDR;
}

int mb2_parse_info(const void *info, size_t avail)
{
	const uint8_t *mbi = info;
	const uint8_t *basic = NULL;
	uint32_t total, basic_size = 0;
	size_t size, off;
	bool stopped = false; /* at an end tag or a bad tag size */

	boot_params = (struct boot_params){ 0 };
	cmdline_set("", 0);
	if ((uintptr_t)info % MB2_ALIGN || avail < MB2_INFO_HDR) {
		pr_err("boot information at %p (%zu bytes readable) is misaligned or truncated; ignored\n",
		       info, avail);
		return -1;
	}
	total = get_unaligned_le32(mbi);
	if (total < MB2_INFO_MIN) {
		pr_err("boot information total_size %u is below %d bytes; ignored\n",
		       total, MB2_INFO_MIN);
		return -1;
	}
	size = total;
	if (size > avail) {
		pr_err("total_size %u is more than the %zu bytes readable; only those are parsed\n",
		       total, avail);
		size = avail;
	}
	boot_params.mbi_size = size;

	/* off + MB2_TAG_HDR <= size: the header is in; then its size is checked. */
	for (off = MB2_INFO_HDR; off + MB2_TAG_HDR <= size;) {
		const uint8_t *t = mbi + off;
		uint32_t type = get_unaligned_le32(t),
			 tag_size = get_unaligned_le32(t + 4);

		if (type == MB2_TAG_END) {
			stopped = true;
			break;
		}
		if (tag_size < MB2_TAG_HDR || tag_size > size - off) {
			pr_err("tag type %u at offset %zu has size %u, outside [%d, %zu]; parsing stopped\n",
			       type, off, tag_size, MB2_TAG_HDR, size - off);
			stopped = true;
			break;
		}
		switch (type) {
		case MB2_TAG_CMDLINE:
			cmdline_set((const char *)t + MB2_TAG_HDR,
				    strnlen((const char *)t + MB2_TAG_HDR,
					    tag_size - MB2_TAG_HDR));
			break;
		case MB2_TAG_BOOTLOADER:
			copy_string(boot_params.bootloader,
				    sizeof(boot_params.bootloader),
				    (const char *)t + MB2_TAG_HDR,
				    tag_size - MB2_TAG_HDR);
			break;
		case MB2_TAG_MODULE:
			parse_module(t, tag_size);
			break;
		case MB2_TAG_BASIC_MEMINFO:
			basic = t;
			basic_size = tag_size;
			break;
		case MB2_TAG_MMAP:
			parse_mmap(t, tag_size);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			parse_acpi(t, tag_size, off);
			break;
		default: /* framebuffer, ELF sections, ...: not ours to use */
			break;
		}
		/* size_t: no wrap, even for a tag_size near 4 GiB */
		off += ((size_t)tag_size + MB2_ALIGN - 1) &
		       ~(size_t)(MB2_ALIGN - 1);
	}
	if (!stopped)
		pr_err("no end tag in the %zu bytes parsed\n", size);
	if (!boot_params.nr_mmap && basic)
		parse_basic_meminfo(basic, basic_size);
	return 0;
}

const char *mb2_mmap_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEMORY_AVAILABLE:
		return "usable";
	case MB2_MEMORY_RESERVED:
		return "reserved";
	case MB2_MEMORY_ACPI_RECLAIMABLE:
		return "ACPI data";
	case MB2_MEMORY_NVS:
		return "ACPI NVS";
	case MB2_MEMORY_BADRAM:
		return "unusable";
	default:
		return NULL;
	}
}

void mb2_print_mmap(void)
{
	const struct boot_mmap_entry *m;

	printk("Firmware memory map (multiboot2%s, %u entries):\n",
	       boot_params.mmap_from_basic_meminfo ? " basic meminfo" : "",
	       boot_params.nr_mmap);
	for_each_mmap_entry (m) {
		const char *name = mb2_mmap_type_name(m->type);

		if (!m->len) {
			printk("mmap: [mem %#018llx, empty] type %u: zero length, ignored\n",
			       (unsigned long long)m->addr, m->type);
			continue;
		}
		printk("mmap: [mem %#018llx-%#018llx] ",
		       (unsigned long long)m->addr,
		       (unsigned long long)(m->addr + m->len - 1));
		if (name)
			printk("%s\n", name);
		else
			printk("type %u\n", m->type);
	}
}

void mb2_print_modules(void)
{
	for (unsigned int i = 0; i < boot_params.nr_modules; i++) {
		const struct boot_module *m = &boot_params.modules[i];

		printk("multiboot2: module [mem %#018llx-%#018llx] %s\n",
		       (unsigned long long)m->start,
		       (unsigned long long)m->end - 1, m->name);
	}
}
