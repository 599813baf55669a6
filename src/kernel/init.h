/* SPDX-License-Identifier: MIT */
/*
 * init.h - mark code and data that only boot needs, as Linux's
 * <linux/init.h>. The linker script gathers them in one page-aligned region,
 * [__init_begin, __init_end): .init.text (mapped RX) and .init.data (RW NX).
 * Once boot is done, free_boot_memory() (kernel_main.c) unmaps that region
 * from the kernel image, fills it with POISON_FREE_INITMEM and gives its
 * pages to the buddy allocator ("Freeing unused kernel image (initmem)
 * memory: NK").
 *
 * Rule: nothing that runs after the free may be __init, call an __init
 * function or read __initdata. The portable mm core (src/mm) never uses
 * these: it also builds on the host.
 */
#ifndef INIT_H
#define INIT_H

#define __init	   __attribute__((__section__(".init.text")))
#define __initdata __attribute__((__section__(".init.data")))

/* What freed init memory is filled with: int3, as Linux's. */
#define POISON_FREE_INITMEM 0xcc

#ifndef __ASSEMBLER__
/* The region's bounds, from the linker script; addresses in the image. */
extern char __init_begin[], __init_end[];
#endif

#endif
