// SPDX-License-Identifier: MIT
/*
 * memory.c - the monitor's reads of memory: x (virtual) and xp (physical,
 * through the direct map) as hexdump -C, and walk (a virtual address
 * through the page tables, level by level). Every page is looked up in the
 * page tables before it is read, so a bad address is an error, not a fault.
 */
#include "commands.h"

#include "cpu.h"
#include "memlayout.h"
#include "monitor_core.h"
#include "mm.h"
#include "paging.h"
#include "printk.h"
#include "string.h"

#define DUMP_DEFAULT 64	  /* bytes x and xp show without a LEN */
#define DUMP_MAX     4096 /* bytes x and xp show at most */

/* A non-canonical address raises #GP whatever the page tables say. */
static void not_canonical(const char *what, unsigned long va)
{
	printk("%s: %#018lx is not canonical: bits 63..47 must all equal bit 47\n",
	       what, va);
}

/*
 * Dump [@addr, @addr + @len) as hexdump -C, reading through the virtual
 * address @addr + @delta (@delta: PAGE_OFFSET for xp, 0 for x). Each page
 * is looked up in the page tables before it is read; the dump stops at the
 * first unmapped or non-canonical one.
 */
static void hexdump(const char *what, unsigned long addr, unsigned long len,
		    unsigned long delta)
{
	char line[MON_HEX_LINE_MAX];
	unsigned long mapped_end = addr; /* [addr, mapped_end) checked */

	if (len > DUMP_MAX) {
		printk("%s: length %lu capped at %d bytes\n", what, len,
		       DUMP_MAX);
		len = DUMP_MAX;
	}
	for (unsigned long off = 0; off < len; off += MON_HEX_WIDTH) {
		unsigned long n =
			len - off < MON_HEX_WIDTH ? len - off : MON_HEX_WIDTH;
		unsigned long last = addr + off + n - 1;
		unsigned char bytes[MON_HEX_WIDTH];

		if (last < addr + off) {
			printk("%s: %#lx: the range wraps around the address space\n",
			       what, addr + off);
			return;
		}
		while (mapped_end <= last) {
			int level;
			unsigned long va = mapped_end + delta;

			if (!mon_canonical(va)) {
				not_canonical(what, va);
				return;
			}
			if (va < delta || !lookup_address(va, &level)) {
				printk("%s: %#lx is not mapped (virtual %#lx: no present entry at level %d)\n",
				       what, mapped_end, va, level);
				return;
			}
			mapped_end = (mapped_end & PAGE_MASK) + PAGE_SIZE;
			if (!mapped_end)
				break; /* the last page of the address space */
		}
		memcpy(bytes, (const void *)(addr + off + delta), n);
		mon_hexdump_line(line, sizeof(line), addr + off, bytes, n);
		printk("%s\n", line);
	}
	printk("%016lx\n", addr + len);
}

static void cmd_x_common(const char *name, int argc, char **argv,
			 unsigned long delta)
{
	const struct mon_cmd *c = find_cmd(name);
	unsigned long addr, len = DUMP_DEFAULT;

	if (!get_number(c, argv[1], &addr) ||
	    (argc > 2 && !get_number(c, argv[2], &len)))
		return;
	if (delta && addr >= DIRECT_MAP_SIZE) {
		printk("xp: %#lx is beyond the direct map (%lu TiB)\n", addr,
		       DIRECT_MAP_SIZE >> 40);
		return;
	}
	hexdump(name, addr, len, delta);
}

void cmd_x(int argc, char **argv)
{
	cmd_x_common("x", argc, argv, 0);
}

void cmd_xp(int argc, char **argv)
{
	cmd_x_common("xp", argc, argv, PAGE_OFFSET);
}

void cmd_walk(int argc, char **argv)
{
	static const char *const names[] = { "PTE", "PMD", "PUD", "PGD" };
	static const char *const page_sizes[] = { "4K", "2M", "1G" };
	const struct mon_cmd *c = find_cmd("walk");
	unsigned long va;
	phys_addr_t table_pa = read_cr3() & PTE_PFN_MASK;
	char flags[64];

	(void)argc;
	if (!get_number(c, argv[1], &va))
		return;
	if (!mon_canonical(va)) {
		not_canonical("walk", va);
		return;
	}
	printk("walk %#lx: CR3 %#llx\n", va, (unsigned long long)table_pa);
	for (int l = 4; l >= 1; l--) {
		unsigned int idx = table_index(va, l);
		phys_addr_t entry_pa = table_pa + idx * sizeof(pteval_t);
		pteval_t e = *(const pteval_t *)__va(entry_pa);

		mon_pte_flags(flags, sizeof(flags), e, l);
		printk("%s[%3u] at %#018llx: %#018llx %s\n", names[l - 1], idx,
		       (unsigned long long)entry_pa, (unsigned long long)e,
		       flags);
		if (!(e & _PAGE_PRESENT)) {
			printk("walk: %#lx is not mapped (%s not present)\n",
			       va, names[l - 1]);
			return;
		}
		if (pte_is_leaf(e, l)) {
			unsigned long size = 1UL << table_shift(l);

			printk("phys: %#018llx (%s page)\n",
			       (unsigned long long)((e & PTE_PFN_MASK &
						     ~(phys_addr_t)(size - 1)) |
						    (va & (size - 1))),
			       page_sizes[l - 1]);
			return;
		}
		table_pa = e & PTE_PFN_MASK;
	}
}
