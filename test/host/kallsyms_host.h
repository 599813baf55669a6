/* SPDX-License-Identifier: MIT */
/*
 * kallsyms_host.h - the host tests' kallsyms_lookup(): symbols a test
 * registers first, then whatever the dynamic linker knows (dladdr1).
 */
#ifndef KALLSYMS_HOST_H
#define KALLSYMS_HOST_H

#include <stddef.h>

/* A symbol a test makes up: [addr, addr + size) is called name. */
struct kallsyms_host_sym {
	const char *name;
	unsigned long addr;
	unsigned long size; /* bytes, > 0 */
};

/*
 * kallsyms_host_set() - make kallsyms_lookup() know @syms (@n entries, in any
 * order, not copied: keep them alive) before anything else; NULL, 0 forgets
 * them again.
 */
void kallsyms_host_set(const struct kallsyms_host_sym *syms, size_t n);

#endif
