/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.h - kernel text addresses to symbol names, for crash dumps and
 * printk's %pS. Portable: the kernel looks in a table linked into its own
 * image (kallsyms.c, built by scripts/gen-kallsyms.sh); the host tests supply
 * their own kallsyms_lookup() (test/host/kallsyms_host.c).
 */
#ifndef KALLSYMS_H
#define KALLSYMS_H

#include <stdbool.h>

/*
 * kallsyms_lookup() - the function that holds @addr, as Linux's
 * kallsyms_lookup_size_offset() plus the name.
 * @addr:   any address (a return address, a saved RIP).
 * @name:   set to the symbol's NUL-terminated name (static storage).
 * @offset: set to @addr minus the symbol's start, in bytes.
 * @size:   set to the symbol's size in bytes: as in Linux, the distance to
 *          the next higher symbol (for the last one, to the end of text).
 * Context: any, including exception handlers: reads a constant table only.
 * Return: true with all three set when @addr is inside the kernel's text;
 * false (nothing written) when it is not, e.g. data or a user address.
 */
bool kallsyms_lookup(unsigned long addr, const char **name,
		     unsigned long *offset, unsigned long *size);

#endif
