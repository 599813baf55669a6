// SPDX-License-Identifier: MIT
/*
 * kernel_main.c - the boot story, read top-down: each step one call.
 * GRUB -> boot.asm (long mode, higher half) -> here.
 */
#include "cmdline.h"
#include "cpu.h"
#include "crashtest.h"
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
#include "string.h"
#include "traps.h"

#define PAGEWISE_VERSION "0.1"

/*
 * The mm debug policies (see mm.h): mm_debug=panic,verify and page_poison=1,
 * read before the allocator gets its first page.
 */
static void mm_debug_setup(void)
{
	char val[32];

	if (cmdline_value("mm_debug", val, sizeof(val))) {
		for (char *w = val; *w;) {
			char *end = w;

			while (*end && *end != ',')
				end++;
			if (end - w == 5 && !strncmp(w, "panic", 5))
				mm_debug |= MM_DEBUG_PANIC;
			else if (end - w == 6 && !strncmp(w, "verify", 6))
				mm_debug |= MM_DEBUG_VERIFY;
			else
				pr_warn("mm_debug: unknown policy '%.*s' ignored (known: panic, verify)\n",
					(int)(end - w), w);
			w = *end ? end + 1 : end;
		}
	}
	if (cmdline_value("page_poison", val, sizeof(val)))
		page_poisoning_enabled =
			!strcmp(val, "1") || !strcmp(val, "on");
	if (mm_debug || page_poisoning_enabled)
		printk("mm: debug policies:%s%s%s\n",
		       mm_debug & MM_DEBUG_PANIC ? " panic" : "",
		       mm_debug & MM_DEBUG_VERIFY ? " verify" : "",
		       page_poisoning_enabled ? " page_poison" : "");
}

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
	mm_debug_setup();
	mm_core_init();

	boot_report();
	crashtest_run();

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
