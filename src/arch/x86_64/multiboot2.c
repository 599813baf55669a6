// SPDX-License-Identifier: MIT
/*
 * multiboot2.c - read GRUB's boot information (multiboot2 spec, section 3.6)
 * without trusting it: every size is checked against the whole before use.
 *
 *   mbi: u32 total_size | u32 reserved | tag | tag | ... | end tag (type 0)
 *   tag: u32 type | u32 size (header included) | payload, padded to 8 bytes
 */
#define pr_fmt(fmt) "multiboot2: " fmt

#include "multiboot2.h"

#include "cmdline.h"
#include "memlayout.h"
#include "panic.h"
#include "printk.h"
#include "string.h"

#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1
#define MB2_TAG_BOOTLOADER    2
#define MB2_TAG_MODULE	      3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP	      6
#define MB2_INFO_MAX	      (1UL << 20) /* a larger total_size is taken as corrupt */
#define MB2_MMAP_HDR	      16 /* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN    24 /* addr, len, type, reserved */

struct boot_params boot_params;

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

static void copy_string(char *dst, size_t size, const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void parse_mmap(const uint8_t *tag, uint32_t size)
{
	uint32_t entry_size;

	if (size < MB2_MMAP_HDR) {
		pr_err("memory map tag of %u bytes is too short; skipped\n",
		       size);
		return;
	}
	entry_size = *(const uint32_t *)(tag + 8);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8) {
		pr_err("memory map entry_size %u is invalid; map skipped\n",
		       entry_size);
		return;
	}
	for (uint32_t off = MB2_MMAP_HDR; off + entry_size <= size;
	     off += entry_size) {
		const uint8_t *e = tag + off;
		struct boot_mmap_entry *m;

		if (boot_params.nr_mmap == BOOT_MMAP_MAX) {
			pr_err("more than %d memory map entries; the rest ignored\n",
			       BOOT_MMAP_MAX);
			return;
		}
		m = &boot_params.mmap[boot_params.nr_mmap++];
		m->addr = *(const uint64_t *)e;
		m->len = *(const uint64_t *)(e + 8);
		m->type = *(const uint32_t *)(e + 16);
	}
}

static void parse_module(const uint8_t *tag, uint32_t size)
{
	struct boot_module *m;

	if (size < 16) {
		pr_err("module tag of %u bytes is too short; skipped\n", size);
		return;
	}
	if (boot_params.nr_modules == BOOT_MODULES_MAX) {
		pr_err("more than %d modules; the rest ignored\n",
		       BOOT_MODULES_MAX);
		return;
	}
	m = &boot_params.modules[boot_params.nr_modules];
	m->start = *(const uint32_t *)(tag + 8);
	m->end = *(const uint32_t *)(tag + 12);
	if (m->end < m->start) {
		pr_err("module [%#llx-%#llx) ends before it starts; skipped\n",
		       (unsigned long long)m->start,
		       (unsigned long long)m->end);
		return;
	}
	copy_string(m->name, sizeof(m->name), (const char *)tag + 16,
		    size - 16);
	boot_params.nr_modules++;
}

/* No map tag: fall back to mem_lower (KiB below 1 MiB) and mem_upper (KiB from 1 MiB). */
static void parse_basic_meminfo(const uint8_t *tag, uint32_t size)
{
	uint32_t lower, upper;

	if (size < 16) {
		pr_err("basic meminfo tag of %u bytes is too short; skipped\n",
		       size);
		return;
	}
	lower = *(const uint32_t *)(tag + 8);
	upper = *(const uint32_t *)(tag + 12);
	boot_params.nr_mmap = 2;
	boot_params.mmap[0] =
		(struct boot_mmap_entry){ 0, (uint64_t)lower << 10,
					  MB2_MEMORY_AVAILABLE };
	boot_params.mmap[1] =
		(struct boot_mmap_entry){ 1UL << 20, (uint64_t)upper << 10,
					  MB2_MEMORY_AVAILABLE };
	boot_params.mmap_from_basic_meminfo = true;
}

void mb2_parse(uint32_t mbi_pa)
{
	const uint8_t *mbi = __va(mbi_pa);
	uint32_t total = *(const uint32_t *)mbi;
	const uint8_t *basic = NULL;
	uint32_t basic_size = 0, off;

	boot_params.mbi_pa = mbi_pa;
	boot_params.mbi_size = total;
	if (mbi_pa & 7 || total < 16 || total > MB2_INFO_MAX)
		panic("multiboot2: boot information at %#x is malformed (total_size %u)",
		      mbi_pa, total);

	for (off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(mbi + off);
		const uint8_t *t = mbi + off;

		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < sizeof(struct mb2_tag) ||
		    tag->size > total - off) {
			pr_err("tag type %u at offset %u has size %u beyond the information; parsing stopped\n",
			       tag->type, off, tag->size);
			break;
		}
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			cmdline_set(
				(const char *)t + 8,
				strnlen((const char *)t + 8, tag->size - 8));
			break;
		case MB2_TAG_BOOTLOADER:
			copy_string(boot_params.bootloader,
				    sizeof(boot_params.bootloader),
				    (const char *)t + 8, tag->size - 8);
			break;
		case MB2_TAG_MODULE:
			parse_module(t, tag->size);
			break;
		case MB2_TAG_BASIC_MEMINFO:
			basic = t;
			basic_size = tag->size;
			break;
		case MB2_TAG_MMAP:
			parse_mmap(t, tag->size);
			break;
		default: /* framebuffer, ELF sections, ACPI, ...: not ours to use */
			break;
		}
		off += (tag->size + 7) & ~7u;
	}
	if (!boot_params.nr_mmap && basic)
		parse_basic_meminfo(basic, basic_size);
	if (!boot_params.nr_mmap)
		panic("multiboot2: the boot loader gave no memory map");
}

static const char *mmap_type_name(uint32_t type)
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
	printk("Firmware memory map (multiboot2%s, %u entries):\n",
	       boot_params.mmap_from_basic_meminfo ? " basic meminfo" : "",
	       boot_params.nr_mmap);
	for (unsigned int i = 0; i < boot_params.nr_mmap; i++) {
		const struct boot_mmap_entry *m = &boot_params.mmap[i];
		const char *name = mmap_type_name(m->type);

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
