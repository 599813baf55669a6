// SPDX-License-Identifier: MIT
/*
 * kallsyms.c - look up kernel text addresses in the symbol table that
 * scripts/gen-kallsyms.sh made from the kernel's first link pass.
 * Invariant: kallsyms_addresses[] is sorted ascending and ends with one extra
 * entry, the end of text, so every symbol i spans [addr[i], addr[i + 1]).
 */
#include "kallsyms.h"

/*
 * The table, generated and linked in section .kallsyms (see linker.ld and
 * the Makefile). The first link pass uses an empty table (0 symbols).
 */
extern const unsigned int kallsyms_num_syms;
extern const unsigned long kallsyms_addresses[];   /* num_syms + 1 entries */
extern const unsigned int kallsyms_name_offsets[]; /* into kallsyms_names */
extern const char kallsyms_names[];		   /* NUL-separated names */

/* The index of the last symbol that starts at or below @addr. */
static unsigned int symbol_pos(unsigned long addr)
{
	unsigned int low = 0, high = kallsyms_num_syms;

	/* kallsyms_addresses[low] <= addr < kallsyms_addresses[high] */
	while (high - low > 1) {
		unsigned int mid = low + (high - low) / 2;

		if (kallsyms_addresses[mid] <= addr)
			low = mid;
		else
			high = mid;
	}
	/* Several names for one address: take the first, as Linux does. */
	while (low && kallsyms_addresses[low - 1] == kallsyms_addresses[low])
		low--;
	return low;
}

bool kallsyms_lookup(unsigned long addr, const char **name,
		     unsigned long *offset, unsigned long *size)
{
	unsigned int pos, next;

	if (!kallsyms_num_syms || addr < kallsyms_addresses[0] ||
	    addr >= kallsyms_addresses[kallsyms_num_syms])
		return false;
	pos = symbol_pos(addr);
	next = pos + 1;
	while (kallsyms_addresses[next] == kallsyms_addresses[pos])
		next++; /* the end-of-text entry stops this */
	*name = &kallsyms_names[kallsyms_name_offsets[pos]];
	*offset = addr - kallsyms_addresses[pos];
	*size = kallsyms_addresses[next] - kallsyms_addresses[pos];
	return true;
}
