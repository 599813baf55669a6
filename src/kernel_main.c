// SPDX-License-Identifier: MIT
/*
 * kernel_main.c - the boot story, read top-down: each step one call.
 * GRUB -> boot.asm (long mode, higher half) -> here.
 */
#include "cmdline.h"
#include "cpu.h"
#include "memblock.h"
#include "mm.h"
#include "multiboot2.h"
#include "paging.h"
#include "panic.h"
#include "power.h"
#include "printk.h"
#include "selftest.h"
#include "serial.h"
#include "setup.h"
#include "traps.h"

#define PAGEWISE_VERSION "0.1"

static void boot_report(void)
{
	show_meminfo();
	show_buddyinfo();
	show_mem_map_info();
}

void kernel_main(uint32_t magic, uint32_t mbi_pa);

void kernel_main(uint32_t magic, uint32_t mbi_pa)
{
	serial_init();
	printk("Pagewise %s: a teaching kernel for x86_64 physical memory\n",
	       PAGEWISE_VERSION);
	idt_init();
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic %#x)", magic);

	mb2_parse(mbi_pa);
	printk("Command line: %s\n", cmdline_get());
	printk("Boot loader: %s\n", boot_params.bootloader[0]
					    ? boot_params.bootloader
					    : "(unnamed)");
	cpu_init();

	mb2_print_mmap();
	mb2_print_modules();
	memblock_setup_from_mmap();
	paging_init();
	mm_core_init();

	boot_report();

	if (cmdline_has("selftest")) {
		unsigned int failed = run_selftests();

		printk("selftest: %s\n", failed ? "FAILED" : "all passed");
		if (failed)
			boot_report();
	}
	if (cmdline_has("poweroff"))
		machine_power_off();
	printk("Pagewise: boot complete. Nothing more to do; halting (in QEMU: Ctrl-A X quits).\n");
	machine_halt();
}
