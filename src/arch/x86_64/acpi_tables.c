// SPDX-License-Identifier: MIT
/*
 * acpi_tables.c - find, check and read the firmware's ACPI tables (see
 * acpi_tables.h). Invariant: no byte is read that a mapping did not cover,
 * and no table is used before its length and checksum were checked; every
 * walk is bounded by a checked length, so no input loops or faults.
 *
 *   RSDP --rsdt_pa--> RSDT: header | u32 table address | ...
 *        --xsdt_pa--> XSDT: header | u64 table address | ...
 *   table header (36 bytes): signature[4] length revision checksum
 *     oem_id[6] oem_table_id[8] oem_revision creator_id[4] creator_revision
 *   MADT: header | u32 lapic_addr | u32 flags | entry | entry | ...
 *   MADT entry: u8 type | u8 length (header included) | fields
 */
#include "acpi_tables.h"

#include "lib/kernel.h"
#include "lib/unaligned.h"
#include "printk.h"
#include "string.h"

/* Offsets of the fields we read (ACPI spec 6.5, 5.2.5 to 5.2.12). */
#define RSDP_CHECKSUM	  8
#define RSDP_OEM_ID	  9
#define RSDP_REVISION	  15
#define RSDP_RSDT	  16
#define RSDP_LENGTH	  20
#define RSDP_XSDT	  24
#define HDR_LENGTH	  4
#define HDR_REVISION	  8
#define HDR_OEM_ID	  10
#define HDR_OEM_TABLE_ID  16
#define HDR_OEM_REVISION  24
#define HDR_CREATOR_ID	  28
#define HDR_CREATOR_REV	  32
#define MADT_LAPIC_ADDR	  36
#define MADT_FLAGS	  40
#define MADT_ENTRY_HDR	  2
#define OEM_ID_LEN	  6
#define OEM_TABLE_ID_LEN  8
#define SIG_LEN		  4
#define RSDT_ENTRY_SIZE	  4
#define XSDT_ENTRY_SIZE	  8
#define XAPIC_ID_INVALID  0xff	     /* type 0: the xAPIC broadcast id */
#define X2APIC_ID_INVALID 0xffffffff /* type 9: the x2APIC broadcast id */

/* The sizes of the entries we read: a shorter one is refused. */
#define MADT_LAPIC_SIZE	     8	/* type, len, acpi_id, apic_id, u32 flags */
#define MADT_IOAPIC_SIZE     12 /* type, len, id, 0, u32 addr, u32 gsi_base */
#define MADT_ISO_SIZE	     10 /* type, len, bus, source, u32 gsi, u16 flags */
#define MADT_LAPIC_NMI_SIZE  6	/* type, len, acpi_id, u16 flags, lint */
#define MADT_LAPIC_ADDR_SIZE 12 /* type, len, u16 0, u64 address */
#define MADT_X2APIC_SIZE     16 /* type, len, u16 0, id, flags, uid */
#define MADT_X2APIC_NMI_SIZE 12 /* type, len, u16 flags, uid, lint, 3 x 0 */

/* Set the parser's error line (without "ACPI: ") and return -EINVAL. */
static int __attribute__((format(printf, 2, 3)))
fail(struct acpi_parser *parser, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(parser->error, sizeof(parser->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

/*
 * Copy the @n-byte firmware string at @src to @dst[@n + 1] as Linux's
 * acpi_tb_fix_string() shows it: up to a NUL, anything not printable ASCII
 * as '?', so that bad tables print one clean line.
 */
static void fix_string(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = (src[i] >= ' ' && src[i] <= '~') ? (char)src[i] : '?';
	dst[i] = '\0';
}

int acpi_check_rsdp(struct acpi_parser *parser, const void *p, size_t avail,
		    uint64_t pa, struct acpi_rsdp_info *info)
{
	const uint8_t *r = p;
	uint8_t sum;

	parser->error[0] = '\0';
	if (avail < ACPI_RSDP_V1_SIZE)
		return fail(parser, "RSDP at 0x%llx: only %zu bytes, below %d",
			    (unsigned long long)pa, avail, ACPI_RSDP_V1_SIZE);
	if (memcmp(r, ACPI_RSDP_SIG, 8))
		return fail(parser, "RSDP at 0x%llx: no \"RSD PTR \" signature",
			    (unsigned long long)pa);
	sum = acpi_checksum(r, ACPI_RSDP_V1_SIZE);
	if (sum)
		return fail(
			parser,
			"RSDP at 0x%llx: bad checksum (its 20 bytes sum to 0x%02x, not 0)",
			(unsigned long long)pa, sum);
	*info = (struct acpi_rsdp_info){
		.pa = pa,
		.revision = r[RSDP_REVISION],
		.length = ACPI_RSDP_V1_SIZE,
		.rsdt_pa = get_unaligned_le32(r + RSDP_RSDT),
	};
	fix_string(info->oem_id, r + RSDP_OEM_ID, OEM_ID_LEN);
	if (info->revision < 2)
		return 0;
	if (avail < ACPI_RSDP_V2_SIZE) {
		printk("ACPI: RSDP at 0x%llx is revision %u, but only %zu bytes of it are given: read as revision 0 (RSDT)\n",
		       (unsigned long long)pa, info->revision, avail);
		info->revision = 0;
		return 0;
	}
	info->length = get_unaligned_le32(r + RSDP_LENGTH);
	if (info->length < ACPI_RSDP_V2_SIZE || info->length > avail)
		return fail(
			parser,
			"RSDP at 0x%llx: revision %u length %u is outside [%d, %zu]",
			(unsigned long long)pa, info->revision, info->length,
			ACPI_RSDP_V2_SIZE, avail);
	sum = acpi_checksum(r, info->length);
	if (sum)
		return fail(
			parser,
			"RSDP at 0x%llx: bad extended checksum (its %u bytes sum to 0x%02x, not 0)",
			(unsigned long long)pa, info->length, sum);
	info->xsdt_pa = get_unaligned_le64(r + RSDP_XSDT);
	return 0;
}

long acpi_scan_rsdp(const void *area, size_t len)
{
	const uint8_t *a = area;

	for (size_t off = 0;
	     len >= ACPI_RSDP_V1_SIZE && off <= len - ACPI_RSDP_V1_SIZE;
	     off += ACPI_RSDP_ALIGN) {
		const uint8_t *r = a + off;

		if (memcmp(r, ACPI_RSDP_SIG, 8) ||
		    acpi_checksum(r, ACPI_RSDP_V1_SIZE))
			continue;
		if (r[RSDP_REVISION] >= 2 && off + ACPI_RSDP_V2_SIZE <= len &&
		    acpi_checksum(r, ACPI_RSDP_V2_SIZE))
			continue;
		return (long)off;
	}
	return -1;
}

void acpi_print_rsdp(const struct acpi_rsdp_info *info)
{
	printk("ACPI: RSDP 0x%016llX %06X (v%02u %-6.6s)\n",
	       (unsigned long long)info->pa, info->length, info->revision,
	       info->oem_id);
}

/* Linux's line for a table with a standard header (acpi_tb_print_table_header). */
static void print_table(const uint8_t *hdr, uint64_t pa)
{
	char sig[SIG_LEN + 1], oem[OEM_ID_LEN + 1], table[OEM_TABLE_ID_LEN + 1];
	char creator[SIG_LEN + 1];

	fix_string(sig, hdr, SIG_LEN);
	fix_string(oem, hdr + HDR_OEM_ID, OEM_ID_LEN);
	fix_string(table, hdr + HDR_OEM_TABLE_ID, OEM_TABLE_ID_LEN);
	fix_string(creator, hdr + HDR_CREATOR_ID, SIG_LEN);
	printk("ACPI: %-4.4s 0x%016llX %06X (v%02u %-6.6s %-8.8s %08X %-4.4s %08X)\n",
	       sig, (unsigned long long)pa,
	       get_unaligned_le32(hdr + HDR_LENGTH), hdr[HDR_REVISION], oem,
	       table, get_unaligned_le32(hdr + HDR_OEM_REVISION), creator,
	       get_unaligned_le32(hdr + HDR_CREATOR_REV));
}

/*
 * Map the table at @pa: its header, then its whole length, checked. @what
 * names it in messages ("RSDT", "table 3 of the XSDT").
 * Return: the mapping of all of it (*@len set), or NULL with the reason in
 * @parser->error.
 */
static const uint8_t *map_table(struct acpi_parser *parser, uint64_t pa,
				const char *what, uint32_t *len)
{
	const uint8_t *hdr, *table;
	char sig[SIG_LEN + 1];

	hdr = parser->map(parser->ctx, pa, ACPI_TABLE_HDR_SIZE);
	if (!hdr) {
		fail(parser, "%s at 0x%llx: its header cannot be mapped", what,
		     (unsigned long long)pa);
		return NULL;
	}
	*len = get_unaligned_le32(hdr + HDR_LENGTH);
	if (*len < ACPI_TABLE_HDR_SIZE || *len > ACPI_TABLE_MAX_SIZE) {
		fail(parser, "%s at 0x%llx: length %u is outside [%d, %u]",
		     what, (unsigned long long)pa, *len, ACPI_TABLE_HDR_SIZE,
		     ACPI_TABLE_MAX_SIZE);
		return NULL;
	}
	print_table(hdr, pa);
	fix_string(sig, hdr, SIG_LEN);
	table = parser->map(parser->ctx, pa, *len);
	if (!table) {
		fail(parser, "%s at 0x%llx: its %u bytes cannot be mapped", sig,
		     (unsigned long long)pa, *len);
		return NULL;
	}
	/* The header again, from the mapping we keep: what was checked is
	 * what is read, even if the memory changed between the two maps. */
	if (get_unaligned_le32(table + HDR_LENGTH) != *len) {
		fail(parser, "%s at 0x%llx: its length changed while mapped",
		     what, (unsigned long long)pa);
		return NULL;
	}
	if (acpi_checksum(table, *len)) {
		fail(parser,
		     "%s at 0x%llx: bad checksum (its %u bytes sum to 0x%02x, not 0)",
		     sig, (unsigned long long)pa, *len,
		     acpi_checksum(table, *len));
		return NULL;
	}
	return table;
}

int acpi_parse_tables(struct acpi_parser *parser,
		      const struct acpi_rsdp_info *rsdp,
		      struct acpi_madt_info *madt)
{
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_pa;
	const char *root_name = xsdt ? "XSDT" : "RSDT";
	uint64_t root_pa = xsdt ? rsdp->xsdt_pa : rsdp->rsdt_pa;
	unsigned int entry_size = xsdt ? XSDT_ENTRY_SIZE : RSDT_ENTRY_SIZE;
	const uint8_t *root;
	uint32_t root_len, nr;
	bool found = false;

	parser->error[0] = '\0';
	*madt = (struct acpi_madt_info){ 0 };
	if (!root_pa)
		return fail(parser, "the RSDP gives no %s address", root_name);
	root = map_table(parser, root_pa, root_name, &root_len);
	if (!root)
		return -EINVAL;
	if (memcmp(root, root_name, SIG_LEN)) {
		char sig[SIG_LEN + 1];

		fix_string(sig, root, SIG_LEN);
		return fail(parser, "%s at 0x%llx: signature is \"%s\"",
			    root_name, (unsigned long long)root_pa, sig);
	}
	nr = (root_len - ACPI_TABLE_HDR_SIZE) / entry_size;
	if ((root_len - ACPI_TABLE_HDR_SIZE) % entry_size)
		printk("ACPI: %s ends with %u bytes that are not a whole entry; ignored\n",
		       root_name,
		       (root_len - ACPI_TABLE_HDR_SIZE) % entry_size);
	if (nr > ACPI_MAX_ROOT_ENTRIES) {
		printk("ACPI: %s lists %u tables; only the first %d are read\n",
		       root_name, nr, ACPI_MAX_ROOT_ENTRIES);
		nr = ACPI_MAX_ROOT_ENTRIES;
	}
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *e = root + ACPI_TABLE_HDR_SIZE + i * entry_size;
		uint64_t pa =
			xsdt ? get_unaligned_le64(e) : get_unaligned_le32(e);
		char what[32];
		const uint8_t *t;
		uint32_t len;

		if (!pa) {
			printk("ACPI: %s entry %u is a null address; skipped\n",
			       root_name, i);
			continue;
		}
		snprintf(what, sizeof(what), "table %u of the %s", i,
			 root_name);
		t = map_table(parser, pa, what, &len);
		if (!t) {
			printk("ACPI: %s; skipped\n", parser->error);
			parser->error[0] = '\0';
			continue;
		}
		if (memcmp(t, "APIC", SIG_LEN))
			continue;
		if (found) {
			printk("ACPI: a second MADT at 0x%llx; the first is used\n",
			       (unsigned long long)pa);
			continue;
		}
		if (len < ACPI_MADT_HDR_SIZE)
			return fail(
				parser,
				"MADT at 0x%llx: %u bytes, below its %d-byte header",
				(unsigned long long)pa, len,
				ACPI_MADT_HDR_SIZE);
		found = true;
		if (acpi_parse_madt(parser, t, pa, madt))
			return -EINVAL;
	}
	if (!found)
		return fail(parser, "no MADT (APIC table) in the %s",
			    root_name);
	return 0;
}

/* MPS INTI flags as Linux prints them (mps_inti_flags_polarity/_trigger). */
static const char *const inti_polarity[] = { "dfl", "high", "res", "low" };
static const char *const inti_trigger[] = { "dfl", "edge", "res", "level" };

static const char *polarity(uint16_t flags)
{
	return inti_polarity[flags & ACPI_MADT_POLARITY_MASK];
}

static const char *trigger(uint16_t flags)
{
	return inti_trigger[(flags & ACPI_MADT_TRIGGER_MASK) >> 2];
}

/* Entries that did not fit the arrays, per kind: reported once at the end. */
struct madt_overflow {
	unsigned int lapics, ioapics, isos, nmis;
};

static const char *lapic_state(uint32_t flags)
{
	if (flags & ACPI_MADT_ENABLED)
		return "enabled";
	if (flags & ACPI_MADT_ONLINE_CAPABLE)
		return "disabled online-capable";
	return "disabled";
}

/* Keep a local APIC entry (type 0 or 9) unless its id is invalid or taken. */
static void add_lapic(struct acpi_madt_info *madt, struct madt_overflow *over,
		      uint32_t apic_id, uint32_t uid, uint32_t flags,
		      bool x2apic)
{
	struct madt_lapic *l;

	if (apic_id == (x2apic ? X2APIC_ID_INVALID : XAPIC_ID_INVALID)) {
		printk("ACPI: %s entry with the invalid APIC id 0x%x (acpi_id 0x%x, %s); ignored\n",
		       x2apic ? "X2APIC" : "LAPIC", apic_id, uid,
		       lapic_state(flags));
		madt->nr_dropped++;
		return;
	}
	for (unsigned int i = 0; i < madt->nr_lapics; i++) {
		if (madt->lapics[i].apic_id != apic_id)
			continue;
		printk("ACPI: APIC id 0x%x (acpi_id 0x%x) is listed twice: the entry of local APIC %u is kept, this one ignored\n",
		       apic_id, uid, i);
		madt->nr_dropped++;
		return;
	}
	if (madt->nr_lapics == MADT_MAX_LAPICS) {
		over->lapics++;
		madt->nr_dropped++;
		return;
	}
	l = &madt->lapics[madt->nr_lapics++];
	l->apic_id = apic_id;
	l->acpi_uid = uid;
	l->enabled = flags & ACPI_MADT_ENABLED;
	l->online_capable = !l->enabled && (flags & ACPI_MADT_ONLINE_CAPABLE);
	l->x2apic = x2apic;
}

static void add_ioapic(struct acpi_madt_info *madt, struct madt_overflow *over,
		       const uint8_t *e)
{
	struct madt_ioapic io = { e[2], get_unaligned_le32(e + 4),
				  get_unaligned_le32(e + 8) };

	printk("IOAPIC[%u]: apic_id %u, address 0x%x, GSI %u\n",
	       madt->nr_ioapics, io.id, io.addr, io.gsi_base);
	for (unsigned int i = 0; i < madt->nr_ioapics; i++) {
		if (madt->ioapics[i].id != io.id)
			continue;
		printk("ACPI: I/O APIC id %u is listed twice: IOAPIC[%u] is kept, this one ignored\n",
		       io.id, i);
		madt->nr_dropped++;
		return;
	}
	if (madt->nr_ioapics == MADT_MAX_IOAPICS) {
		over->ioapics++;
		madt->nr_dropped++;
		return;
	}
	madt->ioapics[madt->nr_ioapics++] = io;
}

static void add_iso(struct acpi_madt_info *madt, struct madt_overflow *over,
		    const uint8_t *e)
{
	struct madt_iso iso = { e[2], e[3], get_unaligned_le32(e + 4),
				get_unaligned_le16(e + 8) };

	printk("ACPI: INT_SRC_OVR (bus %u bus_irq %u global_irq %u %s %s)\n",
	       iso.bus, iso.source, iso.gsi, polarity(iso.flags),
	       trigger(iso.flags));
	if (madt->nr_isos == MADT_MAX_ISOS) {
		over->isos++;
		madt->nr_dropped++;
		return;
	}
	madt->isos[madt->nr_isos++] = iso;
}

static void add_nmi(struct acpi_madt_info *madt, struct madt_overflow *over,
		    uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (lint > 1) {
		printk("ACPI: NMI entry for LINT%u, which no local APIC has; ignored\n",
		       lint);
		madt->nr_dropped++;
		return;
	}
	if (madt->nr_nmis == MADT_MAX_NMIS) {
		over->nmis++;
		madt->nr_dropped++;
		return;
	}
	madt->nmis[madt->nr_nmis++] = (struct madt_nmi){ uid, lint, flags };
}

/* The smallest length of each entry type we read; 0: a type we skip. */
static unsigned int madt_entry_size(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_TYPE_LOCAL_APIC:
		return MADT_LAPIC_SIZE;
	case ACPI_MADT_TYPE_IO_APIC:
		return MADT_IOAPIC_SIZE;
	case ACPI_MADT_TYPE_INTERRUPT_OVERRIDE:
		return MADT_ISO_SIZE;
	case ACPI_MADT_TYPE_LOCAL_APIC_NMI:
		return MADT_LAPIC_NMI_SIZE;
	case ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE:
		return MADT_LAPIC_ADDR_SIZE;
	case ACPI_MADT_TYPE_LOCAL_X2APIC:
		return MADT_X2APIC_SIZE;
	case ACPI_MADT_TYPE_LOCAL_X2APIC_NMI:
		return MADT_X2APIC_NMI_SIZE;
	default:
		return 0;
	}
}

/* Read one entry of a known type, at least madt_entry_size() long. */
static void parse_entry(struct acpi_madt_info *madt, struct madt_overflow *over,
			const uint8_t *e)
{
	switch (e[0]) {
	case ACPI_MADT_TYPE_LOCAL_APIC:
		printk("ACPI: LAPIC (acpi_id[0x%02x] lapic_id[0x%02x] %s)\n",
		       e[2], e[3], lapic_state(get_unaligned_le32(e + 4)));
		add_lapic(madt, over, e[3], e[2], get_unaligned_le32(e + 4),
			  false);
		break;
	case ACPI_MADT_TYPE_IO_APIC:
		add_ioapic(madt, over, e);
		break;
	case ACPI_MADT_TYPE_INTERRUPT_OVERRIDE:
		add_iso(madt, over, e);
		break;
	case ACPI_MADT_TYPE_LOCAL_APIC_NMI:
		printk("ACPI: LAPIC_NMI (acpi_id[0x%02x] %s %s lint[0x%x])\n",
		       e[2], polarity(get_unaligned_le16(e + 3)),
		       trigger(get_unaligned_le16(e + 3)), e[5]);
		add_nmi(madt, over, e[2], get_unaligned_le16(e + 3), e[5]);
		break;
	case ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE:
		madt->lapic_addr = get_unaligned_le64(e + 4);
		printk("ACPI: LAPIC_ADDR_OVR (address[0x%llx])\n",
		       (unsigned long long)madt->lapic_addr);
		break;
	case ACPI_MADT_TYPE_LOCAL_X2APIC:
		printk("ACPI: X2APIC (apic_id[0x%02x] uid[0x%02x] %s)\n",
		       get_unaligned_le32(e + 4), get_unaligned_le32(e + 12),
		       lapic_state(get_unaligned_le32(e + 8)));
		add_lapic(madt, over, get_unaligned_le32(e + 4),
			  get_unaligned_le32(e + 12), get_unaligned_le32(e + 8),
			  true);
		break;
	case ACPI_MADT_TYPE_LOCAL_X2APIC_NMI:
		printk("ACPI: X2APIC_NMI (uid[0x%02x] %s %s lint[0x%x])\n",
		       get_unaligned_le32(e + 4),
		       polarity(get_unaligned_le16(e + 2)),
		       trigger(get_unaligned_le16(e + 2)), e[8]);
		add_nmi(madt, over, get_unaligned_le32(e + 4),
			get_unaligned_le16(e + 2), e[8]);
		break;
	}
}

static void report_overflow(const char *what, unsigned int n, unsigned int max)
{
	if (n)
		printk("ACPI: more than %u %s entries: %u left out\n", max,
		       what, n);
}

int acpi_parse_madt(struct acpi_parser *parser, const void *table, uint64_t pa,
		    struct acpi_madt_info *madt)
{
	const uint8_t *t = table;
	uint32_t len = get_unaligned_le32(t + HDR_LENGTH);
	struct madt_overflow over = { 0 };
	unsigned int enabled = 0, online = 0;
	uint32_t off;

	parser->error[0] = '\0';
	*madt = (struct acpi_madt_info){ 0 };
	if (len < ACPI_MADT_HDR_SIZE || len > ACPI_TABLE_MAX_SIZE)
		return fail(parser,
			    "MADT at 0x%llx: length %u is outside [%d, %u]",
			    (unsigned long long)pa, len, ACPI_MADT_HDR_SIZE,
			    ACPI_TABLE_MAX_SIZE);
	madt->lapic_addr = get_unaligned_le32(t + MADT_LAPIC_ADDR);
	madt->flags = get_unaligned_le32(t + MADT_FLAGS);
	madt->revision = t[HDR_REVISION];
	/* len - off >= MADT_ENTRY_HDR, not off + 2 <= len: no wrap. */
	for (off = ACPI_MADT_HDR_SIZE; len - off >= MADT_ENTRY_HDR;) {
		const uint8_t *e = t + off;
		unsigned int need = madt_entry_size(e[0]);

		if (e[1] < MADT_ENTRY_HDR) {
			*madt = (struct acpi_madt_info){ 0 };
			return fail(
				parser,
				"MADT at 0x%llx: entry type 0x%02x at offset %u has length %u, below its 2-byte header",
				(unsigned long long)pa, e[0], off, e[1]);
		}
		if (e[1] > len - off) {
			*madt = (struct acpi_madt_info){ 0 };
			return fail(
				parser,
				"MADT at 0x%llx: entry type 0x%02x at offset %u (length %u) runs past the table's end at %u",
				(unsigned long long)pa, e[0], off, e[1], len);
		}
		if (!need)
			printk("ACPI: MADT entry type 0x%02x (length %u) at offset %u: not used; skipped\n",
			       e[0], e[1], off);
		else if (e[1] < need) {
			printk("ACPI: MADT entry type 0x%02x at offset %u has length %u, below its %u bytes; ignored\n",
			       e[0], off, e[1], need);
			madt->nr_dropped++;
		} else
			parse_entry(madt, &over, e);
		off += e[1];
	}
	if (off != len)
		printk("ACPI: MADT ends with %u byte that is no entry; ignored\n",
		       len - off);
	report_overflow("local APIC", over.lapics, MADT_MAX_LAPICS);
	report_overflow("I/O APIC", over.ioapics, MADT_MAX_IOAPICS);
	report_overflow("interrupt source override", over.isos, MADT_MAX_ISOS);
	report_overflow("NMI", over.nmis, MADT_MAX_NMIS);
	for (unsigned int i = 0; i < madt->nr_lapics; i++) {
		enabled += madt->lapics[i].enabled;
		online += madt->lapics[i].online_capable;
	}
	printk("ACPI: MADT 0x%llx: local APIC at 0x%llx, %u local APICs (%u enabled, %u online-capable), %u I/O APICs, %u overrides, %u NMI entries\n",
	       (unsigned long long)pa, (unsigned long long)madt->lapic_addr,
	       madt->nr_lapics, enabled, online, madt->nr_ioapics,
	       madt->nr_isos, madt->nr_nmis);
	if (!enabled) {
		unsigned int n = madt->nr_lapics;

		*madt = (struct acpi_madt_info){ 0 };
		return fail(
			parser,
			"MADT at 0x%llx: none of its %u local APIC entries is enabled",
			(unsigned long long)pa, n);
	}
	madt->present = true;
	return 0;
}
