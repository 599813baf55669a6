// SPDX-License-Identifier: MIT
/*
 * kallsyms_host.c - kallsyms_lookup() for the host tests. The kernel reads a
 * table linked into its image; here a test can register made-up symbols
 * (kallsyms_host_set()), and otherwise dladdr1() names what the dynamic
 * linker knows: exported functions of shared libraries, with their ELF size.
 * Functions of the test binary itself are not exported, so they stay unknown
 * and %pS prints their raw address, as the kernel does outside its text.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include "kallsyms.h"
#include "kallsyms_host.h"

static const struct kallsyms_host_sym *host_syms;
static size_t nr_host_syms;

void kallsyms_host_set(const struct kallsyms_host_sym *syms, size_t n)
{
	host_syms = syms;
	nr_host_syms = n;
}

bool kallsyms_lookup(unsigned long addr, const char **name,
		     unsigned long *offset, unsigned long *size)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	for (size_t i = 0; i < nr_host_syms; i++) {
		const struct kallsyms_host_sym *s = &host_syms[i];

		if (addr >= s->addr && addr - s->addr < s->size) {
			*name = s->name;
			*offset = addr - s->addr;
			*size = s->size;
			return true;
		}
	}
	if (!dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) ||
	    !info.dli_sname || !sym || !sym->st_size ||
	    addr - (unsigned long)info.dli_saddr >= sym->st_size)
		return false;
	*name = info.dli_sname;
	*offset = addr - (unsigned long)info.dli_saddr;
	*size = sym->st_size;
	return true;
}
