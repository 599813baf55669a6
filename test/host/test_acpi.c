// SPDX-License-Identifier: MIT
/*
 * test_acpi.c - src/arch/x86_64/acpi_tables.c against crafted firmware
 * tables in a fake physical memory: QEMU-like RSDT and XSDT machines, then
 * every bad class: bad checksums, truncated tables, lengths past what can
 * be mapped, zero and runaway MADT entries, duplicate and invalid APIC ids,
 * too many entries, disabled and online-capable CPUs, x2APIC entries,
 * overrides and NMI entries. Each mapping the parser asks for is an exactly
 * sized heap copy, so ASan reports any byte it reads past what it mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi_tables.h"
#include "host_test.h"

#define FAKE_PHYS_SIZE (64 * KiB) /* fake physical memory: [0, 64 KiB) */
#define MAX_MAPS       512	  /* mappings one case may make */
#define RSDP_PA	       0xf5a10	  /* where SeaBIOS puts it; not in fake RAM */
#define RSDT_PA	       0x1000
#define XSDT_PA	       0x1800
#define FACP_PA	       0x2000
#define MADT_PA	       0x3000
#define MADT2_PA       0x6000
#define HPET_PA	       0x8000
#define MADT_BUF       8192 /* the largest MADT a case builds */

/* Fake physical memory: what the parser maps, copied out exactly. */
static uint8_t phys[FAKE_PHYS_SIZE];
static size_t phys_limit; /* bytes the mapper serves: [0, phys_limit) */
static void *maps[MAX_MAPS];
static unsigned int nr_maps;

static const void *fake_map(void *ctx, uint64_t pa, size_t size)
{
	void *copy;

	(void)ctx;
	if (pa >= phys_limit || size > phys_limit - pa)
		return NULL;
	assert_true(nr_maps < MAX_MAPS);
	copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, phys + pa, size);
	maps[nr_maps++] = copy;
	return copy;
}

static struct acpi_parser parser;
static struct acpi_madt_info madt;

static int setup(void **state)
{
	(void)state;
	memset(phys, 0, sizeof(phys));
	phys_limit = sizeof(phys);
	nr_maps = 0;
	parser = (struct acpi_parser){ .map = fake_map };
	memset(&madt, 0x5a, sizeof(madt)); /* junk: the parser must reset it */
	printk_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < nr_maps; i++)
		free(maps[i]);
	nr_maps = 0;
	return 0;
}

/* Building tables --------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Make the byte at @sum_at set the @len bytes at @p to sum to 0. */
static void fix_checksum(uint8_t *p, size_t len, size_t sum_at)
{
	p[sum_at] = 0;
	p[sum_at] = (uint8_t)-acpi_checksum(p, len);
}

/*
 * An RSDP in @r[36]: revision @rev (20 bytes for 0, 36 else), both
 * checksums right.
 */
static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, ACPI_RSDP_V2_SIZE);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	if (rev >= 2) {
		put32(r + 20, ACPI_RSDP_V2_SIZE);
		put64(r + 24, xsdt);
	}
	fix_checksum(r, ACPI_RSDP_V1_SIZE, 8);
	if (rev >= 2)
		fix_checksum(r, ACPI_RSDP_V2_SIZE, 32);
}

/* A table header at phys[@pa] for a table of @len bytes; checksum last. */
static uint8_t *table_at(uint64_t pa, const char *sig, uint32_t len)
{
	uint8_t *t = phys + pa;

	assert_true(pa + ACPI_TABLE_HDR_SIZE <= sizeof(phys));
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "BXPC", 4);
	put32(t + 32, 1);
	return t;
}

/* Set the checksum of the table at phys[@pa] by its length field. */
static void seal(uint64_t pa)
{
	uint32_t len;

	memcpy(&len, phys + pa + 4, 4);
	fix_checksum(phys + pa, len, 9);
}

/* An RSDT (or XSDT, @xsdt) at @pa listing @n tables. */
static void make_root(uint64_t pa, bool xsdt, const uint64_t *tables,
		      unsigned int n)
{
	unsigned int size = xsdt ? 8 : 4;
	uint8_t *t = table_at(pa, xsdt ? "XSDT" : "RSDT",
			      ACPI_TABLE_HDR_SIZE + n * size);

	for (unsigned int i = 0; i < n; i++) {
		if (xsdt)
			put64(t + ACPI_TABLE_HDR_SIZE + i * 8, tables[i]);
		else
			put32(t + ACPI_TABLE_HDR_SIZE + i * 4,
			      (uint32_t)tables[i]);
	}
	seal(pa);
}

/* A table of @len bytes that is neither root nor MADT (FACP, HPET). */
static void make_plain(uint64_t pa, const char *sig, uint32_t len)
{
	table_at(pa, sig, len);
	seal(pa);
}

/* A MADT under construction: entries appended, then placed and sealed. */
struct madt_builder {
	uint8_t buf[MADT_BUF];
	uint32_t len;
};

static void madt_start(struct madt_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = ACPI_MADT_HDR_SIZE;
	put32(b->buf + 36, 0xfee00000);
	put32(b->buf + 40, ACPI_MADT_PCAT_COMPAT);
}

/* Append a raw entry: @type, @len (as written), @n bytes of @fields. */
static void madt_raw(struct madt_builder *b, uint8_t type, uint8_t len,
		     const void *fields, size_t n)
{
	assert_true(b->len + 2 + n <= sizeof(b->buf));
	b->buf[b->len] = type;
	b->buf[b->len + 1] = len;
	memcpy(b->buf + b->len + 2, fields, n);
	b->len += 2 + n;
}

static void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t id,
		       uint32_t flags)
{
	uint8_t f[6] = { uid, id };

	put32(f + 2, flags);
	madt_raw(b, ACPI_MADT_TYPE_LOCAL_APIC, 8, f, sizeof(f));
}

static void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t addr,
			uint32_t gsi)
{
	uint8_t f[10] = { id, 0 };

	put32(f + 2, addr);
	put32(f + 6, gsi);
	madt_raw(b, ACPI_MADT_TYPE_IO_APIC, 12, f, sizeof(f));
}

static void madt_iso(struct madt_builder *b, uint8_t source, uint32_t gsi,
		     uint16_t flags)
{
	uint8_t f[8] = { 0, source };

	put32(f + 2, gsi);
	put16(f + 6, flags);
	madt_raw(b, ACPI_MADT_TYPE_INTERRUPT_OVERRIDE, 10, f, sizeof(f));
}

static void madt_nmi(struct madt_builder *b, uint8_t uid, uint16_t flags,
		     uint8_t lint)
{
	uint8_t f[4] = { uid };

	put16(f + 1, flags);
	f[3] = lint;
	madt_raw(b, ACPI_MADT_TYPE_LOCAL_APIC_NMI, 6, f, sizeof(f));
}

static void madt_x2apic(struct madt_builder *b, uint32_t id, uint32_t flags,
			uint32_t uid)
{
	uint8_t f[14] = { 0 };

	put32(f + 2, id);
	put32(f + 6, flags);
	put32(f + 10, uid);
	madt_raw(b, ACPI_MADT_TYPE_LOCAL_X2APIC, 16, f, sizeof(f));
}

static void madt_x2apic_nmi(struct madt_builder *b, uint32_t uid,
			    uint16_t flags, uint8_t lint)
{
	uint8_t f[10] = { 0 };

	put16(f, flags);
	put32(f + 2, uid);
	f[6] = lint;
	madt_raw(b, ACPI_MADT_TYPE_LOCAL_X2APIC_NMI, 12, f, sizeof(f));
}

static void madt_lapic_addr(struct madt_builder *b, uint64_t addr)
{
	uint8_t f[10] = { 0 };

	put64(f + 2, addr);
	madt_raw(b, ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE, 12, f, sizeof(f));
}

/* QEMU's MADT with @cpus enabled CPUs of @possible (ids 0..). */
static void madt_qemu(struct madt_builder *b, unsigned int cpus,
		      unsigned int possible)
{
	madt_start(b);
	for (unsigned int i = 0; i < possible; i++)
		madt_lapic(b, (uint8_t)i, (uint8_t)i,
			   i < cpus ? ACPI_MADT_ENABLED : 0);
	madt_ioapic(b, 0, 0xfec00000, 0);
	madt_iso(b, 0, 2, 0);
	madt_iso(b, 5, 5, ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL);
	madt_iso(b, 9, 9, ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL);
	madt_nmi(b, 0xff, 0, 1);
}

/* Place the MADT at @pa with its length written as @len, sealed. */
static void madt_place_len(struct madt_builder *b, uint64_t pa, uint32_t len)
{
	assert_true(pa + b->len <= sizeof(phys));
	memcpy(phys + pa, b->buf, b->len);
	table_at(pa, "APIC", len);
	seal(pa);
}

static void madt_place(struct madt_builder *b, uint64_t pa)
{
	madt_place_len(b, pa, b->len);
}

/* Parse the MADT at phys[@pa] alone (its length and checksum as given). */
static int parse_madt_at(uint64_t pa)
{
	uint32_t len;
	const void *t;

	memcpy(&len, phys + pa + 4, 4);
	t = fake_map(NULL, pa, len);
	assert_non_null(t);
	return acpi_parse_madt(&parser, t, pa, &madt);
}

/* The QEMU machine: RSDT -> FACP, APIC, HPET; the RSDP returned in @info. */
static void qemu_machine(unsigned int cpus, unsigned int possible)
{
	const uint64_t tables[] = { FACP_PA, MADT_PA, HPET_PA };
	struct madt_builder b;

	make_plain(FACP_PA, "FACP", 0x74);
	madt_qemu(&b, cpus, possible);
	madt_place(&b, MADT_PA);
	make_plain(HPET_PA, "HPET", 0x38);
	make_root(RSDT_PA, false, tables, 3);
}

/* Check and walk from an RSDP of revision @rev built in a buffer. */
static int walk(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	make_rsdp(r, rev, rsdt, xsdt);
	assert_int_equal(
		acpi_check_rsdp(&parser, r,
				rev ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE,
				RSDP_PA, &info),
		0);
	return acpi_parse_tables(&parser, &info, &madt);
}

#define EXPECT_LOG(s)	 assert_non_null(strstr(printk_log(), s))
#define EXPECT_NO_LOG(s) assert_null(strstr(printk_log(), s))
#define EXPECT_ERROR(s)	 assert_non_null(strstr(parser.error, s))

/* Refused: -EINVAL, the error says @s, and acpi_madt says no MADT. */
static void expect_refused(int ret, const char *s)
{
	static const struct acpi_madt_info zero;

	assert_int_equal(ret, -EINVAL);
	EXPECT_ERROR(s);
	assert_false(madt.present);
	assert_memory_equal(&madt, &zero, sizeof(zero));
}

/* Good machines --------------------------------------------------------- */

static void qemu_rsdt_machine_is_parsed_and_printed(void **state)
{
	(void)state;
	qemu_machine(4, 4);
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	assert_string_equal(parser.error, "");
	assert_true(madt.present);
	assert_int_equal(madt.lapic_addr, 0xfee00000);
	assert_int_equal(madt.flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(madt.revision, 1);
	assert_int_equal(madt.nr_lapics, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(madt.lapics[i].apic_id, i);
		assert_int_equal(madt.lapics[i].acpi_uid, i);
		assert_true(madt.lapics[i].enabled);
		assert_false(madt.lapics[i].online_capable);
		assert_false(madt.lapics[i].x2apic);
	}
	assert_int_equal(madt.nr_ioapics, 1);
	assert_int_equal(madt.ioapics[0].id, 0);
	assert_int_equal(madt.ioapics[0].addr, 0xfec00000);
	assert_int_equal(madt.ioapics[0].gsi_base, 0);
	assert_int_equal(madt.nr_isos, 3);
	assert_int_equal(madt.isos[0].source, 0);
	assert_int_equal(madt.isos[0].gsi, 2);
	assert_int_equal(madt.isos[1].flags,
			 ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL);
	assert_int_equal(madt.nr_nmis, 1);
	assert_int_equal(madt.nmis[0].acpi_uid, 0xff);
	assert_int_equal(madt.nmis[0].lint, 1);
	assert_int_equal(madt.nr_dropped, 0);
	EXPECT_LOG(
		"ACPI: RSDT 0x0000000000001000 000030 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n");
	EXPECT_LOG(
		"ACPI: APIC 0x0000000000003000 00007C (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n");
	EXPECT_LOG("ACPI: FACP 0x0000000000002000 000074 (v01 BOCHS ");
	EXPECT_LOG("ACPI: HPET 0x0000000000008000 000038 (v01 BOCHS ");
	EXPECT_LOG("ACPI: LAPIC (acpi_id[0x00] lapic_id[0x00] enabled)\n");
	EXPECT_LOG("ACPI: LAPIC (acpi_id[0x03] lapic_id[0x03] enabled)\n");
	EXPECT_LOG("IOAPIC[0]: apic_id 0, address 0xfec00000, GSI 0\n");
	EXPECT_LOG(
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)\n");
	EXPECT_LOG(
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)\n");
	EXPECT_LOG("ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])\n");
	EXPECT_LOG(
		"ACPI: MADT 0x3000: local APIC at 0xfee00000, 4 local APICs (4 enabled, 0 online-capable), 1 I/O APICs, 3 overrides, 1 NMI entries\n");
}

static void rsdp_line_is_linux_format(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 0, RSDT_PA, 0);
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V1_SIZE, RSDP_PA, &info),
		0);
	acpi_print_rsdp(&info);
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V2_SIZE, RSDP_PA, &info),
		0);
	assert_int_equal(info.xsdt_pa, XSDT_PA);
	assert_int_equal(info.rsdt_pa, RSDT_PA);
	acpi_print_rsdp(&info);
	assert_string_equal(
		printk_log(),
		"ACPI: RSDP 0x00000000000F5A10 000014 (v00 BOCHS )\n"
		"ACPI: RSDP 0x00000000000F5A10 000024 (v02 BOCHS )\n");
}

static void xsdt_is_preferred_for_revision_2(void **state)
{
	const uint64_t one[] = { MADT_PA }, two[] = { MADT2_PA };
	struct madt_builder b;

	(void)state;
	madt_qemu(&b, 1, 1);
	madt_place(&b, MADT_PA);
	make_root(RSDT_PA, false, one, 1);
	madt_qemu(&b, 2, 2);
	madt_place(&b, MADT2_PA);
	make_root(XSDT_PA, true, two, 1);
	assert_int_equal(walk(2, RSDT_PA, XSDT_PA), 0);
	assert_int_equal(madt.nr_lapics, 2);
	EXPECT_LOG("ACPI: XSDT 0x0000000000001800 00002C (v01 ");
	EXPECT_NO_LOG("ACPI: RSDT");
}

static void rsdt_is_used_for_revision_2_without_xsdt(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	assert_int_equal(walk(2, RSDT_PA, 0), 0);
	assert_int_equal(madt.nr_lapics, 2);
}

static void revision_2_rsdp_of_20_bytes_is_read_as_revision_0(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V1_SIZE, RSDP_PA, &info),
		0);
	assert_int_equal(info.revision, 0);
	assert_int_equal(info.xsdt_pa, 0);
	assert_int_equal(info.length, ACPI_RSDP_V1_SIZE);
	EXPECT_LOG("read as revision 0 (RSDT)");
}

static void
disabled_and_online_capable_cpus_are_kept_with_their_flags(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, 0);
	madt_lapic(&b, 2, 2, ACPI_MADT_ONLINE_CAPABLE);
	madt_lapic(&b, 3, 3, ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE);
	madt_place(&b, MADT_PA);
	phys[MADT_PA + 8] =
		5; /* revision 5 (ACPI 6.3): online-capable exists */
	seal(MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.revision, 5);
	assert_int_equal(madt.nr_lapics, 4);
	assert_true(madt.lapics[0].enabled);
	assert_false(madt.lapics[1].enabled);
	assert_false(madt.lapics[1].online_capable);
	assert_false(madt.lapics[2].enabled);
	assert_true(madt.lapics[2].online_capable);
	/* Enabled wins: online-capable means "disabled, may be added". */
	assert_true(madt.lapics[3].enabled);
	assert_false(madt.lapics[3].online_capable);
	EXPECT_LOG("ACPI: LAPIC (acpi_id[0x01] lapic_id[0x01] disabled)\n");
	EXPECT_LOG(
		"ACPI: LAPIC (acpi_id[0x02] lapic_id[0x02] disabled online-capable)\n");
	EXPECT_LOG("4 local APICs (2 enabled, 1 online-capable)");
}

static void maxcpus_machine_keeps_its_disabled_entries(void **state)
{
	(void)state;
	qemu_machine(2, 8);
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	assert_int_equal(madt.nr_lapics, 8);
	EXPECT_LOG("8 local APICs (2 enabled, 0 online-capable)");
}

static void x2apic_entries_and_their_nmi_are_parsed(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_x2apic(&b, 0, ACPI_MADT_ENABLED, 0);
	madt_x2apic(&b, 0x100, ACPI_MADT_ENABLED, 0x101);
	madt_x2apic(&b, 0x12345, ACPI_MADT_ONLINE_CAPABLE, 7);
	madt_x2apic_nmi(&b, 0xffffffff, ACPI_MADT_POLARITY_LOW, 1);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_lapics, 3);
	assert_int_equal(madt.lapics[1].apic_id, 0x100);
	assert_int_equal(madt.lapics[1].acpi_uid, 0x101);
	assert_true(madt.lapics[1].x2apic);
	assert_int_equal(madt.lapics[2].apic_id, 0x12345);
	assert_true(madt.lapics[2].online_capable);
	assert_int_equal(madt.nr_nmis, 1);
	assert_int_equal(madt.nmis[0].acpi_uid, 0xffffffff);
	assert_int_equal(madt.nmis[0].lint, 1);
	assert_int_equal(madt.nmis[0].flags, ACPI_MADT_POLARITY_LOW);
	EXPECT_LOG("ACPI: X2APIC (apic_id[0x100] uid[0x101] enabled)\n");
	EXPECT_LOG("ACPI: X2APIC_NMI (uid[0xffffffff] low dfl lint[0x1])\n");
}

static void lapic_address_override_replaces_the_header_address(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic_addr(&b, 0x1fee00000ULL);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.lapic_addr, 0x1fee00000ULL);
	EXPECT_LOG("ACPI: LAPIC_ADDR_OVR (address[0x1fee00000])\n");
	EXPECT_LOG("local APIC at 0x1fee00000,");
}

static void overrides_and_nmi_keep_their_flags(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_iso(&b, 4, 20, ACPI_MADT_POLARITY_LOW | ACPI_MADT_TRIGGER_EDGE);
	madt_nmi(&b, 0, ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL, 0);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.isos[0].source, 4);
	assert_int_equal(madt.isos[0].gsi, 20);
	assert_int_equal(madt.isos[0].flags,
			 ACPI_MADT_POLARITY_LOW | ACPI_MADT_TRIGGER_EDGE);
	assert_int_equal(madt.nmis[0].acpi_uid, 0);
	assert_int_equal(madt.nmis[0].lint, 0);
	EXPECT_LOG(
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 4 global_irq 20 low edge)\n");
	EXPECT_LOG("ACPI: LAPIC_NMI (acpi_id[0x00] high level lint[0x0])\n");
}

static void unknown_entry_types_are_skipped_by_their_length(void **state)
{
	const uint8_t junk[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_raw(&b, 0x7f, 7, junk, 5);
	madt_raw(&b, 3, 10, junk, 8); /* NMI source: not read */
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_lapics, 1);
	assert_int_equal(madt.nr_dropped, 0);
	EXPECT_LOG(
		"ACPI: MADT entry type 0x7f (length 7) at offset 44: not used; skipped\n");
	EXPECT_LOG("ACPI: MADT entry type 0x03 (length 10) at offset 51");
}

/* Bad RSDPs --------------------------------------------------------------- */

static void rsdp_with_a_bad_checksum_is_refused(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 0, RSDT_PA, 0);
	r[16] ^= 1;
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V1_SIZE, RSDP_PA, &info),
		-EINVAL);
	EXPECT_ERROR("RSDP at 0xf5a10: bad checksum");
}

static void rsdp_with_a_bad_extended_checksum_is_refused(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	r[24] ^= 1; /* the XSDT address: outside the 20-byte checksum */
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V2_SIZE, RSDP_PA, &info),
		-EINVAL);
	EXPECT_ERROR("bad extended checksum");
}

static void rsdp_length_past_the_bytes_given_is_refused(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	put32(r + 20, 37);
	fix_checksum(r, ACPI_RSDP_V2_SIZE, 32);
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V2_SIZE, RSDP_PA, &info),
		-EINVAL);
	EXPECT_ERROR("length 37 is outside [36, 36]");
}

static void rsdp_without_signature_or_too_short_is_refused(void **state)
{
	uint8_t r[ACPI_RSDP_V2_SIZE];
	struct acpi_rsdp_info info;

	(void)state;
	make_rsdp(r, 0, RSDT_PA, 0);
	assert_int_equal(acpi_check_rsdp(&parser, r, ACPI_RSDP_V1_SIZE - 1,
					 RSDP_PA, &info),
			 -EINVAL);
	EXPECT_ERROR("only 19 bytes");
	r[0] = 'X';
	assert_int_equal(
		acpi_check_rsdp(&parser, r, ACPI_RSDP_V1_SIZE, RSDP_PA, &info),
		-EINVAL);
	EXPECT_ERROR("no \"RSD PTR \" signature");
}

static void scan_finds_the_first_good_rsdp_on_16_byte_boundaries(void **state)
{
	static uint8_t area[0x200];
	uint8_t r[ACPI_RSDP_V2_SIZE];

	(void)state;
	memset(area, 0, sizeof(area));
	assert_int_equal(acpi_scan_rsdp(area, sizeof(area)), -1);
	make_rsdp(r, 0, RSDT_PA, 0);
	memcpy(area + 0x18, r, ACPI_RSDP_V1_SIZE); /* not on a boundary */
	assert_int_equal(acpi_scan_rsdp(area, sizeof(area)), -1);
	memcpy(area + 0x40, r, ACPI_RSDP_V1_SIZE);
	area[0x40 + 16] ^= 1; /* bad checksum */
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	r[30] ^= 1; /* bad extended checksum only */
	memcpy(area + 0x80, r, ACPI_RSDP_V2_SIZE);
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	memcpy(area + 0x100, r, ACPI_RSDP_V2_SIZE);
	assert_int_equal(acpi_scan_rsdp(area, sizeof(area)), 0x100);
	/* One at the very end of the area, 20 bytes of it inside. */
	memset(area, 0, sizeof(area));
	make_rsdp(r, 0, RSDT_PA, 0);
	memcpy(area + sizeof(area) - 32, r, ACPI_RSDP_V1_SIZE);
	assert_int_equal(acpi_scan_rsdp(area, sizeof(area) - 12),
			 (long)sizeof(area) - 32);
	assert_int_equal(acpi_scan_rsdp(area, sizeof(area) - 13), -1);
	assert_int_equal(acpi_scan_rsdp(area, 0), -1);
	assert_string_equal(printk_log(), "");
}

/* Bad root tables ------------------------------------------------------- */

static void root_table_with_a_bad_checksum_is_refused(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	phys[RSDT_PA + ACPI_TABLE_HDR_SIZE] ^= 0x10;
	expect_refused(walk(0, RSDT_PA, 0), "RSDT at 0x1000: bad checksum");
}

static void root_table_past_the_mapping_is_refused(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	phys_limit = RSDT_PA + 0x20; /* not even its header */
	expect_refused(walk(0, RSDT_PA, 0),
		       "RSDT at 0x1000: its header cannot be mapped");
	phys_limit = RSDT_PA + 0x2f; /* the header, one byte short of all */
	expect_refused(walk(0, RSDT_PA, 0),
		       "RSDT at 0x1000: its 48 bytes cannot be mapped");
}

static void root_table_lengths_out_of_bounds_are_refused(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	put32(phys + RSDT_PA + 4, ACPI_TABLE_MAX_SIZE + 1);
	expect_refused(
		walk(0, RSDT_PA, 0),
		"RSDT at 0x1000: length 1048577 is outside [36, 1048576]");
	put32(phys + RSDT_PA + 4, 35);
	expect_refused(walk(0, RSDT_PA, 0),
		       "RSDT at 0x1000: length 35 is outside");
}

static void root_table_with_a_wrong_signature_is_refused(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	memcpy(phys + RSDT_PA, "XSDT", 4);
	seal(RSDT_PA);
	expect_refused(walk(0, RSDT_PA, 0), "signature is \"XSDT\"");
}

static void missing_root_address_is_refused(void **state)
{
	(void)state;
	expect_refused(walk(0, 0, 0), "the RSDP gives no RSDT address");
}

static void root_with_trailing_bytes_null_entries_and_too_many(void **state)
{
	static uint64_t tables[ACPI_MAX_ROOT_ENTRIES + 5];
	struct madt_builder b;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(tables); i++)
		tables[i] = HPET_PA;
	tables[0] = 0;
	tables[1] = MADT_PA;
	madt_qemu(&b, 1, 1);
	madt_place(&b, MADT_PA);
	make_plain(HPET_PA, "HPET", 0x38);
	make_root(RSDT_PA, false, tables, ARRAY_SIZE(tables));
	/* Three bytes more: part of no entry. */
	put32(phys + RSDT_PA + 4,
	      ACPI_TABLE_HDR_SIZE + 4 * ARRAY_SIZE(tables) + 3);
	seal(RSDT_PA);
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	EXPECT_LOG("ACPI: RSDT entry 0 is a null address; skipped\n");
	EXPECT_LOG("ACPI: RSDT ends with 3 bytes that are not a whole entry");
	EXPECT_LOG(
		"ACPI: RSDT lists 133 tables; only the first 128 are read\n");
	assert_int_equal(printk_log_count("ACPI: HPET"),
			 ACPI_MAX_ROOT_ENTRIES - 2);
}

/* Bad tables listed in the root ------------------------------------------ */

static void bad_other_table_is_skipped_and_the_madt_still_read(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	phys[FACP_PA + 40] ^= 1;
	put32(phys + HPET_PA + 4, 0x10); /* below a header */
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	assert_true(madt.present);
	EXPECT_LOG("ACPI: FACP at 0x2000: bad checksum");
	EXPECT_LOG("table 2 of the RSDT at 0x8000: length 16 is outside");
	assert_string_equal(parser.error, "");
}

static void madt_with_a_bad_checksum_means_no_madt(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	phys[MADT_PA + 50] ^= 1;
	expect_refused(walk(0, RSDT_PA, 0), "no MADT (APIC table) in the RSDT");
	EXPECT_LOG("ACPI: APIC at 0x3000: bad checksum");
}

static void madt_past_the_mapping_means_no_madt(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	phys_limit = MADT_PA + 0x40; /* the header, not the entries */
	expect_refused(walk(0, RSDT_PA, 0), "no MADT");
	EXPECT_LOG("ACPI: APIC at 0x3000: its 108 bytes cannot be mapped");
	/* and HPET, past the limit too, not even its header */
	EXPECT_LOG(
		"table 2 of the RSDT at 0x8000: its header cannot be mapped");
}

static void truncated_madt_is_refused(void **state)
{
	struct madt_builder b;
	const uint64_t tables[] = { MADT_PA };

	(void)state;
	madt_start(&b);
	madt_place_len(&b, MADT_PA, 40); /* a header, half of the MADT's */
	make_root(RSDT_PA, false, tables, 1);
	expect_refused(walk(0, RSDT_PA, 0),
		       "MADT at 0x3000: 40 bytes, below its 44-byte header");
}

static void second_madt_is_ignored(void **state)
{
	const uint64_t tables[] = { MADT_PA, MADT2_PA };
	struct madt_builder b;

	(void)state;
	madt_qemu(&b, 1, 1);
	madt_place(&b, MADT_PA);
	madt_qemu(&b, 3, 3);
	madt_place(&b, MADT2_PA);
	make_root(RSDT_PA, false, tables, 2);
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	assert_int_equal(madt.nr_lapics, 1);
	EXPECT_LOG("ACPI: a second MADT at 0x6000; the first is used\n");
}

/* Bad MADT entries ---------------------------------------------------------- */

static void madt_without_entries_is_refused(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_place(&b, MADT_PA);
	expect_refused(parse_madt_at(MADT_PA),
		       "none of its 0 local APIC entries is enabled");
}

static void madt_without_an_enabled_cpu_is_refused(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, 0);
	madt_lapic(&b, 1, 1, ACPI_MADT_ONLINE_CAPABLE);
	madt_place(&b, MADT_PA);
	expect_refused(parse_madt_at(MADT_PA),
		       "none of its 2 local APIC entries is enabled");
}

static void zero_length_entry_is_refused(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_raw(&b, ACPI_MADT_TYPE_LOCAL_APIC, 0, "\0\0\0\0\0\0", 6);
	madt_place(&b, MADT_PA);
	expect_refused(
		parse_madt_at(MADT_PA),
		"entry type 0x00 at offset 52 has length 0, below its 2-byte header");
}

static void entry_of_length_1_is_refused(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_raw(&b, 0x42, 1, "", 0);
	madt_place(&b, MADT_PA);
	expect_refused(parse_madt_at(MADT_PA), "has length 1");
}

static void entry_past_the_table_end_is_refused(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, ACPI_MADT_ENABLED);
	madt_place_len(&b, MADT_PA, b.len - 2); /* cuts the second */
	expect_refused(
		parse_madt_at(MADT_PA),
		"entry type 0x00 at offset 52 (length 8) runs past the table's end at 58");
}

static void one_trailing_byte_is_reported(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	b.len++;
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	EXPECT_LOG("ACPI: MADT ends with 1 byte that is no entry; ignored\n");
}

static void short_known_entries_are_dropped(void **state)
{
	const uint8_t f[8] = { 1, 1, 1, 0, 0, 0, 0, 0 };
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_raw(&b, ACPI_MADT_TYPE_LOCAL_APIC, 6, f, 4);
	madt_raw(&b, ACPI_MADT_TYPE_IO_APIC, 10, f, 8);
	madt_raw(&b, ACPI_MADT_TYPE_LOCAL_X2APIC, 10, f, 8);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_lapics, 1);
	assert_int_equal(madt.nr_ioapics, 0);
	assert_int_equal(madt.nr_dropped, 3);
	EXPECT_LOG(
		"ACPI: MADT entry type 0x00 at offset 52 has length 6, below its 8 bytes; ignored\n");
	EXPECT_LOG("type 0x01 at offset 58 has length 10, below its 12 bytes");
	EXPECT_LOG("type 0x09 at offset 68 has length 10, below its 16 bytes");
}

static void duplicate_apic_ids_keep_the_first_entry(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, ACPI_MADT_ENABLED);
	madt_lapic(&b, 2, 1, ACPI_MADT_ENABLED);
	madt_x2apic(&b, 0, ACPI_MADT_ENABLED, 9); /* the same CPU 0 again */
	madt_ioapic(&b, 2, 0xfec00000, 0);
	madt_ioapic(&b, 2, 0xfec01000, 24);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_lapics, 2);
	assert_int_equal(madt.lapics[1].acpi_uid, 1);
	assert_int_equal(madt.nr_ioapics, 1);
	assert_int_equal(madt.ioapics[0].addr, 0xfec00000);
	assert_int_equal(madt.nr_dropped, 3);
	EXPECT_LOG(
		"ACPI: APIC id 0x1 (acpi_id 0x2) is listed twice: the entry of local APIC 1 is kept, this one ignored\n");
	EXPECT_LOG("ACPI: APIC id 0x0 (acpi_id 0x9) is listed twice");
	EXPECT_LOG(
		"ACPI: I/O APIC id 2 is listed twice: IOAPIC[0] is kept, this one ignored\n");
}

static void invalid_apic_ids_are_dropped(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 0xff, 0);
	madt_x2apic(&b, 0xffffffff, ACPI_MADT_ENABLED, 2);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_lapics, 1);
	assert_int_equal(madt.nr_dropped, 2);
	EXPECT_LOG("ACPI: LAPIC entry with the invalid APIC id 0xff");
	EXPECT_LOG("ACPI: X2APIC entry with the invalid APIC id 0xffffffff");
}

static void nmi_for_a_lint_above_1_is_dropped(void **state)
{
	struct madt_builder b;

	(void)state;
	madt_start(&b);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_nmi(&b, 0xff, 0, 2);
	madt_place(&b, MADT_PA);
	assert_int_equal(parse_madt_at(MADT_PA), 0);
	assert_int_equal(madt.nr_nmis, 0);
	assert_int_equal(madt.nr_dropped, 1);
	EXPECT_LOG("NMI entry for LINT2");
}

static void too_many_entries_are_cut_and_counted(void **state)
{
	struct madt_builder b;
	unsigned int extra = 44;

	(void)state;
	madt_start(&b);
	for (unsigned int i = 0; i < MADT_MAX_LAPICS - 1 + extra; i++)
		madt_x2apic(&b, 0x1000 + i, ACPI_MADT_ENABLED, i);
	for (unsigned int i = 0; i < MADT_MAX_IOAPICS + 1; i++)
		madt_ioapic(&b, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	for (unsigned int i = 0; i < MADT_MAX_ISOS + 2; i++)
		madt_iso(&b, (uint8_t)i, i, 0);
	for (unsigned int i = 0; i < MADT_MAX_NMIS + 3; i++)
		madt_nmi(&b, (uint8_t)i, 0, 1);
	/* One more local APIC, its id the last: still one too many. */
	madt_lapic(&b, 0xfe, 0xfe, ACPI_MADT_ENABLED);
	assert_true(b.len <= MADT_BUF);
	madt_place(&b, 0);
	assert_int_equal(parse_madt_at(0), 0);
	assert_int_equal(madt.nr_lapics, MADT_MAX_LAPICS);
	assert_int_equal(madt.nr_ioapics, MADT_MAX_IOAPICS);
	assert_int_equal(madt.nr_isos, MADT_MAX_ISOS);
	assert_int_equal(madt.nr_nmis, MADT_MAX_NMIS);
	assert_int_equal(madt.nr_dropped, extra + 1 + 2 + 3);
	EXPECT_LOG("ACPI: more than 256 local APIC entries: 44 left out\n");
	EXPECT_LOG("ACPI: more than 8 I/O APIC entries: 1 left out\n");
	EXPECT_LOG(
		"ACPI: more than 16 interrupt source override entries: 2 left out\n");
	EXPECT_LOG("ACPI: more than 16 NMI entries: 3 left out\n");
}

static void odd_oem_strings_print_as_question_marks(void **state)
{
	struct madt_builder b;
	const uint64_t tables[] = { MADT_PA };

	(void)state;
	madt_qemu(&b, 1, 1);
	madt_place(&b, MADT_PA);
	phys[MADT_PA + 10] = 0x07;	   /* OEM id: a bell */
	phys[MADT_PA + 17] = 0xff;	   /* OEM table id */
	memset(phys + MADT_PA + 19, 0, 5); /* a NUL ends it */
	seal(MADT_PA);
	make_root(RSDT_PA, false, tables, 1);
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	EXPECT_LOG("ACPI: APIC 0x0000000000003000 000064 (v01 ?OCHS  B?P      "
		   "00000001 BXPC 00000001)\n");
}

/* A table whose signature has a newline must not break the report's line. */
static void unprintable_signature_in_an_error_stays_one_line(void **state)
{
	(void)state;
	qemu_machine(2, 2);
	memcpy(phys + FACP_PA, "\n\001AB", 4);
	phys[FACP_PA + 40] ^= 1; /* and a bad checksum */
	assert_int_equal(walk(0, RSDT_PA, 0), 0);
	EXPECT_LOG("ACPI: ??AB 0x0000000000002000 000074 (v01 ");
	EXPECT_LOG("\nACPI: ??AB at 0x2000: bad checksum");
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(qemu_rsdt_machine_is_parsed_and_printed),
		CASE(rsdp_line_is_linux_format),
		CASE(xsdt_is_preferred_for_revision_2),
		CASE(rsdt_is_used_for_revision_2_without_xsdt),
		CASE(revision_2_rsdp_of_20_bytes_is_read_as_revision_0),
		CASE(disabled_and_online_capable_cpus_are_kept_with_their_flags),
		CASE(maxcpus_machine_keeps_its_disabled_entries),
		CASE(x2apic_entries_and_their_nmi_are_parsed),
		CASE(lapic_address_override_replaces_the_header_address),
		CASE(overrides_and_nmi_keep_their_flags),
		CASE(unknown_entry_types_are_skipped_by_their_length),
		CASE(rsdp_with_a_bad_checksum_is_refused),
		CASE(rsdp_with_a_bad_extended_checksum_is_refused),
		CASE(rsdp_length_past_the_bytes_given_is_refused),
		CASE(rsdp_without_signature_or_too_short_is_refused),
		CASE(scan_finds_the_first_good_rsdp_on_16_byte_boundaries),
		CASE(root_table_with_a_bad_checksum_is_refused),
		CASE(root_table_past_the_mapping_is_refused),
		CASE(root_table_lengths_out_of_bounds_are_refused),
		CASE(root_table_with_a_wrong_signature_is_refused),
		CASE(missing_root_address_is_refused),
		CASE(root_with_trailing_bytes_null_entries_and_too_many),
		CASE(bad_other_table_is_skipped_and_the_madt_still_read),
		CASE(madt_with_a_bad_checksum_means_no_madt),
		CASE(madt_past_the_mapping_means_no_madt),
		CASE(truncated_madt_is_refused),
		CASE(second_madt_is_ignored),
		CASE(madt_without_entries_is_refused),
		CASE(madt_without_an_enabled_cpu_is_refused),
		CASE(zero_length_entry_is_refused),
		CASE(entry_of_length_1_is_refused),
		CASE(entry_past_the_table_end_is_refused),
		CASE(one_trailing_byte_is_reported),
		CASE(short_known_entries_are_dropped),
		CASE(duplicate_apic_ids_keep_the_first_entry),
		CASE(invalid_apic_ids_are_dropped),
		CASE(nmi_for_a_lint_above_1_is_dropped),
		CASE(too_many_entries_are_cut_and_counted),
		CASE(odd_oem_strings_print_as_question_marks),
		CASE(unprintable_signature_in_an_error_stays_one_line),
	};

	host_tests_init();
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
