/* SPDX-License-Identifier: MIT */
/* setup.h - firmware memory map to memblock. */
#ifndef ARCH_X86_64_SETUP_H
#define ARCH_X86_64_SETUP_H

/*
 * memblock_setup_from_mmap() - add the usable ranges of boot_params.mmap to
 * memblock.memory (trimmed to whole pages), reserve all other ranges and the
 * first 1 MiB, the kernel image, the multiboot2 information and the modules.
 * Context: boot, after mb2_parse(). Panics when no free page is left.
 */
void memblock_setup_from_mmap(void);

#endif
